"""Switching between a server (`--llm-url`) and the local model reads every analyzed review again (another
backend answers slightly differently, so its results are its own); hunt10 #6: the run said so only after 2.5
minutes of re-reading ("124 read again"). It now says so before it starts, in one line, with what to run instead
to keep the earlier results; the run history keeps the server's URL (never a password in it). Switching back
reads nothing again: each backend's results stay stored under its model."""

from __future__ import annotations

import logging

from reviewlens.app.jobs import run_analysis
from reviewlens.config import AnalysisSettings
from reviewlens.schema import Analysis, Review


class StubAnalyzer:
    """The analysis stage's interface as run_analysis uses it; `said` holds the warnings logged before the
    first chunk was asked for."""

    prompt_version, chunk_size = "p1", 64

    def __init__(self, model_id: str, caplog, llm_url: str | None = None):
        self.model_id, self.caplog = model_id, caplog
        self.settings = AnalysisSettings(llm_url=llm_url)
        self.said: list[str] = []

    def entity_upgrades(self):
        return []

    def analyze_chunks(self, reviews, progress=None):
        self.said = [r.getMessage() for r in self.caplog.records if r.levelno >= logging.WARNING]
        yield [Analysis(content_hash=r.content_hash, model=self.model_id, prompt_version="p1", sentiment="positive")
               for r in reviews]


def test_switching_backends_is_said_before_the_run_reads_everything_again(store, caplog):
    caplog.set_level(logging.INFO)
    reviews = [Review(source="s", text=t, rating=5) for t in ("Super bequem.", "Très agréable.", "Great fit.")]
    store.upsert_reviews(reviews)
    server = StubAnalyzer("qwen2.5-coder-0.5b.gguf", caplog, llm_url="http://team:pw@127.0.0.1:18610/v1?x=1")
    run_analysis(store, server, quiet=True)
    assert server.said == []  # nothing analyzed before: nothing to say
    [run] = store.list_runs(kind="analyze", limit=1)
    assert run["detail"]["llm_url"] == "http://127.0.0.1:18610/v1"  # no user name or password kept

    local = StubAnalyzer("qwen2.5-coder-0.5b", caplog)
    run_analysis(store, local, quiet=True)
    [line] = local.said
    assert line.startswith("3 of the 3 review texts to analyze were analyzed before with qwen2.5-coder-0.5b.gguf, "
                           "not qwen2.5-coder-0.5b: they are all read again"), line
    assert line.endswith("analyze with --llm-url http://127.0.0.1:18610/v1 (the server that served it)"), line

    back = StubAnalyzer("qwen2.5-coder-0.5b.gguf", caplog, llm_url="http://127.0.0.1:18610/v1")
    caplog.clear()
    assert run_analysis(store, back, quiet=True).analyzed == 0 and back.said == []  # its own results are kept

    store.upsert_reviews([Review(source="s", text="Bequem, aber zu teuer.", rating=3)])
    run_analysis(store, StubAnalyzer("qwen2.5-coder-0.5b", caplog), quiet=True)  # this one only locally
    caplog.clear()
    assert run_analysis(store, back, quiet=True).analyzed == 1
    [line] = back.said
    assert line.startswith("1 of the 1 review texts to analyze were analyzed before with qwen2.5-coder-0.5b, not "
                           "qwen2.5-coder-0.5b.gguf (served by http://127.0.0.1:18610/v1)"), line
    assert line.endswith("analyze with the local model: without --llm-url (and without REVIEWLENS_LLM_URL or "
                         "llm_url in reviewlens.toml)"), line
