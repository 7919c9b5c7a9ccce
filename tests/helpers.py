"""Small helpers shared by the tests."""

from __future__ import annotations

from reviewlens.store import Store


def count_rows(store: Store, table: str = "reviews") -> int:
    """Rows in one of the store's tables, by plain SQL (the Store itself has no count method)."""
    import sqlalchemy as sa

    from reviewlens.store import metadata

    with store.engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(metadata.tables[table])).scalar_one()


class RecordingLLM:
    """A stand-in for the LLM's sentiment call that records which texts reached it (always neutral, 0.55)."""

    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, texts):
        self.seen.extend(texts)
        return [("neutral", 0.55) for _ in texts]


def app_test(monkeypatch, db: str, **env: str):
    """The dashboard (streamlit's AppTest) on the store `db`, run once without an exception; `env`: more
    environment variables for it."""
    from streamlit.testing.v1 import AppTest

    from dashboard import APP_PATH

    monkeypatch.setenv("REVIEWLENS_DB", db)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def as_read(text: str) -> str:
    """A message of the dashboard as a person reads it (the page escapes Markdown, or HTML, in what it shows)."""
    import html

    return html.unescape(text).replace("\\", "").replace("\u200b", "")


def write_csv(path, rows: list[dict]) -> str:
    """`rows` (dicts with the same keys) as a UTF-8 CSV file at `path`; its path as a string."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return str(path)


class FixedAnalyzer:
    """The analysis stage's interface as `Job.analyze` uses it, no model: each review's analysis is
    `analysis(review)` (an `Analysis`)."""

    model_id, prompt_version, chunk_size = "m", "p", 64

    def __init__(self, analysis):
        self.analysis = analysis

    def entity_upgrades(self):
        return []

    def analyze_chunks(self, reviews, progress=None):
        yield [self.analysis(r) for r in reviews]
