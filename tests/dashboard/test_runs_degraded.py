"""The runs page shows a degraded scrape run with its message (streamlit AppTest, real SQLite store)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import APP_PATH
from reviewlens import queries
from reviewlens.schema import Review
from reviewlens.store import Store

pytestmark = pytest.mark.timeout(120)

MESSAGE = "at https://shop.example.com/p/kettle: rating filled on 12% of 40 reviews (usually 100%)"


def runs_page(monkeypatch, db: str) -> AppTest:
    """The dashboard on the store `db`, at its Runs page."""
    monkeypatch.setenv("REVIEWLENS_DB", db)
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.run()
    at.sidebar.radio(key="page").set_value("Runs").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_runs_page_shows_degraded_runs_with_their_message(monkeypatch, tmp_path):
    db = str(tmp_path / "s.db")
    store = Store(db)
    store.upsert_reviews([Review(source="kettle", text="Boils fast.", rating=5.0)])
    ok = store.start_run("scrape", source="kettle")
    store.finish_run(ok, "ok")
    bad = store.start_run("scrape", source="kettle")
    store.update_run(bad, pages=4, detail={"message": MESSAGE, "degraded": [{"field": "rating"}]})
    store.finish_run(bad, "degraded")
    frame = queries.runs_frame(store)
    assert list(frame["status"]) == ["degraded", "ok"] and list(frame["message"]) == [MESSAGE, ""]
    store.close()

    at = runs_page(monkeypatch, db)
    runs = at.dataframe[0].value
    assert list(runs["status"]) == ["degraded", "ok"] and runs.iloc[0]["message"] == MESSAGE
    warning = " ".join(w.value for w in at.warning).replace("\\", "")  # markdown-escaped: shown literally
    assert f"Run {bad} of kettle is **degraded**" in warning and "rating filled on 12% of 40 reviews" in warning


def test_runs_page_lists_alerts_and_their_deliveries(monkeypatch, tmp_path):
    db = str(tmp_path / "s.db")
    store = Store(db)
    store.upsert_reviews([Review(source="kettle", text="Boils fast.", rating=5.0)])
    first = store.add_alert("scrape:1", "scrape", "Scrape of kettle \u202efailed", {"lines": ["Run 1: timeout"]},
                            ["team", "slack"])
    store.record_delivery(first, "team")
    store.record_delivery(first, "slack", "the webhook http://hooks.example/… answered HTTP 500")
    store.add_alert("reviews:x", "reviews", "1 new review to read",
                    {"lines": ["1 new review: 1 rated 2★ or lower."],
                     "quotes": [{"review_id": "r1", "text": "<b>Leaks</b>", "rating": 1}]}, [])
    frame = queries.alerts_frame(store)
    assert list(frame["kind"]) == ["reviews", "scrape"]
    assert frame.iloc[1]["sent"] == "slack: failed (the webhook http://hooks.example/… answered HTTP 500); team: sent"
    assert frame.iloc[1]["title"] == "Scrape of kettle ⟨U+202E⟩failed"
    assert "“<b>Leaks</b>”  — ★1 · review r1" in frame.iloc[0]["text"] and frame.iloc[0]["sent"] == "no channel"
    store.close()

    at = runs_page(monkeypatch, db)
    [shown] = [d.value for d in at.dataframe if "title" in d.value.columns]
    assert list(shown["title"]) == ["1 new review to read", "Scrape of kettle ⟨U+202E⟩failed"]
    assert any("could not be sent to every channel" in w.value for w in at.warning)
