"""The themes step belongs to the analysis's run: an `analyze` killed while it computed the top complaints was
recorded `ok` with no themes stored, and the next `analyze` (nothing new to analyze) did not compute them, though
the report said to run it. Now the run is `ok` only once the themes are stored, an interruption there is said,
and `analyze` computes themes that are missing or older than the analyses (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from reviewlens import queries
from reviewlens.app import jobs
from reviewlens.app.jobs import Job, JobOptions
from reviewlens.config import Settings
from reviewlens.schema import Analysis, ComplaintTheme, Review, TopicMention


class StubAnalyzer:
    """The analysis stage's interface as run_analysis and Job use it."""

    model_id, prompt_version, chunk_size, taxonomy = "m", "p", 64, None

    def entity_upgrades(self):
        return []

    def analyze_chunks(self, reviews, progress=None):
        yield [Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="negative",
                        topics=[TopicMention("battery", "negative")]) for r in reviews]


@pytest.fixture
def computed(monkeypatch):
    """Job.complaints without a model: the real run_complaints (it stores what it finds) over a finder that
    finds one theme of every kind; the kinds computed are listed, and `stop_at` makes one of them a Ctrl-C."""
    import analysis.complaints
    import analysis.praise
    import analysis.requests

    done: list[str] = []
    stop_at: list[str] = []

    def finder(kind):
        def find(cur, prev, **kw):
            if kind in stop_at:
                raise KeyboardInterrupt
            done.append(kind)
            return [ComplaintTheme(label=f"{kind} theme", summary="", count=2, share=1.0,
                                   review_ids=list(cur["id"])[:2])]
        return find

    monkeypatch.setattr(analysis.complaints, "find_complaints", finder("complaints"))
    monkeypatch.setattr(analysis.praise, "find_praise", finder("praise"))
    monkeypatch.setattr(analysis.requests, "find_requests", finder("requests"))
    monkeypatch.setattr(Job, "complaints", lambda self, *, use_llm=True, **kw: jobs.run_complaints(
        self.store, backend=None, taxonomy=None, sharp=False, **kw))
    return done, stop_at


def _run(store, said=None):
    job = Job(store, Settings(db="unused.db"), analyzer=StubAnalyzer())
    return job.run(JobOptions(quiet=True), echo=(said.append if said is not None else lambda line: None))


def _reviews(store, *texts):
    store.upsert_reviews([Review(source="s", text=t, rating=1, date="2026-11-0" + str(i + 1), author=f"a{i}")
                          for i, t in enumerate(texts)])


def test_analyze_interrupted_in_its_themes_step_says_so(store, computed):
    done, stop_at = computed
    _reviews(store, "Battery died.", "Battery dies fast.")
    stop_at.append("praise")  # Ctrl-C (or SIGTERM) after the complaints, before the praise
    with pytest.raises(KeyboardInterrupt):
        _run(store)
    [run] = store.list_runs(kind="analyze")
    assert run["status"] == "interrupted"  # it was `ok`: the analysis had been recorded finished before the themes
    assert "while computing the top complaints" in run["errors"][-1]["message"]
    assert "`reviewlens analyze` computes the themes again" in run["errors"][-1]["message"]
    assert run["reviews_new"] == 2  # the analyses are kept


def test_analyze_with_nothing_new_computes_missing_or_outdated_themes(store, computed):
    done, stop_at = computed
    _reviews(store, "Battery died.", "Battery dies fast.")
    stop_at.append("complaints")
    with pytest.raises(KeyboardInterrupt):
        _run(store)
    assert queries.latest_complaints(store)[0] == []
    stop_at.clear()
    said: list[str] = []
    res = _run(store, said)  # a quiet week: nothing to analyze, the themes are missing
    assert res.analysis.analyzed == 0 and res.analysis.status == "ok"
    assert [t.label for t in queries.latest_complaints(store)[0]] == ["complaints theme"]
    assert [t.label for t in queries.latest_complaints(store, "praise")[0]] == ["praise theme"]
    assert any("computing the themes again (top complaints: not computed yet)" in line for line in said)
    assert store.list_runs(kind="analyze", limit=1)[0]["detail"]["step"] == "themes done"

    done.clear()
    _run(store)  # up to date: not computed again
    assert done == []

    store.upsert_reviews([Review(source="s", text="Battery died.", rating=1, date="2026-11-05", author="z")])
    _run(store)  # a review whose text was analyzed before: nothing to analyze, the themes are older than it
    assert done == ["complaints", "praise", "requests"]


def test_the_reading_rate_leaves_the_themes_step_out():
    """With the themes computed in the analysis's run, the demo's line said 13.3 reviews/s where the reading ran at
    about 20: the rate is the reading's, the themes' time said apart."""
    from reviewlens.app.jobs import AnalysisSummary

    s = AnalysisSummary(run_id=1, model="m", prompt_version="p", analyzed=10, seconds=12.0, themes_seconds=10.0)
    assert "10 review texts with m (prompt p), 0 failed, 5.00 reviews/s" in s.line()
    assert "; top complaints, praise and requests in 10.0 s" in s.line()


def test_an_analysis_that_computed_no_themes_does_not_say_their_time(store):
    """An analyze with nothing to do said "; top complaints, praise and requests in 0.0 s"."""
    from reviewlens.app.jobs import run_analysis
    from tests.reviewlens.app.test_redo_letterless import StubAnalyzer

    s = run_analysis(store, StubAnalyzer(), quiet=True, then=lambda summary: False)
    assert s.themes_seconds == 0.0 and "top complaints" not in s.line()
