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

    monkeypatch.setenv("REVIEWLENS_DB", db)
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.run()
    at.sidebar.radio(key="page").set_value("Runs").run()
    assert not at.exception, [e.value for e in at.exception]
    runs = at.dataframe[0].value
    assert list(runs["status"]) == ["degraded", "ok"] and runs.iloc[0]["message"] == MESSAGE
    warning = " ".join(w.value for w in at.warning).replace("\\", "")  # markdown-escaped: shown literally
    assert f"Run {bad} of kettle is **degraded**" in warning and "rating filled on 12% of 40 reviews" in warning
