"""What a new reading changed: labels (or other settings, another model) make every analyzed text pending again,
and `reviewlens analyze` said only "analyzed 41 review texts". It now says how many were read again and whose
sentiment changed, and the run keeps it (SQLite and PostgreSQL)."""

from __future__ import annotations

from reviewlens.app.jobs import run_analysis
from reviewlens.schema import Analysis, Review


class StubAnalyzer:
    """The analysis stage's interface as run_analysis uses it: version p2 reads "lid" texts as negative."""

    model_id, prompt_version, chunk_size = "m", "p2", 64

    def entity_upgrades(self):
        return []

    def analyze_chunks(self, reviews, progress=None):
        yield [Analysis(content_hash=r.content_hash, model="m", prompt_version="p2",
                        sentiment="negative" if "lid" in r.text else "positive") for r in reviews]


def test_analyze_says_what_a_new_reading_changed(store):
    old = [Review(source="s", text=t, rating=4) for t in ("Great kettle, but the lid sticks.", "Lovely.",
                                                          "The lid leaks.")]
    store.upsert_reviews(old)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p1", sentiment=s)
                         for r, s in zip(old, ("positive", "positive", "negative"))])
    store.upsert_reviews([Review(source="s", text="New one with a lid.", rating=2)])  # never analyzed
    s = run_analysis(store, StubAnalyzer(), quiet=True)
    assert s.analyzed == 4 and s.again == 3 and dict(s.changed) == {("positive", "negative"): 1}
    assert s.line().endswith("; 3 read again (your labels, the settings or the model changed): sentiment "
                             "changed for 1 (positive to negative 1)")
    [run] = store.list_runs(kind="analyze", limit=1)
    assert run["detail"]["read_again"] == 3 and run["detail"]["sentiment_changed"] == {"positive to negative": 1}
    assert "read again" not in run_analysis(store, StubAnalyzer(), quiet=True).line()  # nothing pending now


def test_analyze_retranslate_says_so_as_the_reason(store):
    """`analyze --retranslate` said "(your labels, the settings or the model changed)" when it was asked for."""
    old = [Review(source="s", text="Der Deckel klemmt.", rating=2)]
    store.upsert_reviews(old)
    store.save_analyses([Analysis(content_hash=old[0].content_hash, model="m", prompt_version="p1", sentiment="positive")])
    line = run_analysis(store, StubAnalyzer(), retranslate=True, quiet=True).line()
    assert "; 1 read again (--retranslate, or your labels, the settings or the model changed): " in line
