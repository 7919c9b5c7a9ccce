"""`reviewlens complaints --merge A B`: two names for one complaint become one theme, now and later."""

from __future__ import annotations

import pytest

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.store import Store
from tests.helpers import write_csv

LATE = ["Delivery took three weeks, far too slow.", "The parcel arrived two weeks late.",
        "Shipping was painfully slow, ten days late.", "My order came a fortnight after the promised date."]
TRACKING = ["The tracking number never worked at all.", "Tracking showed no updates for a week.",
            "The courier's tracking page said delivered but nothing came."]
BROKE = ["The handle snapped off after two days.", "It broke in the first week, the hinge cracked.",
         "Mine stopped working after three uses."]


def _store(tmp_path) -> str:
    rows = [{"text": t, "rating": 1, "date": "2026-11-10"} for t in LATE + TRACKING + BROKE]
    db = str(tmp_path / "s.db")
    assert main(["import", write_csv(tmp_path / "r.csv", rows), "--db", db, "-q"]) == 0
    return db


def test_merge_two_themes_then_rename_the_merged_one(tmp_path, capsys):
    db = _store(tmp_path)
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    store = Store(db)
    first, _ = queries.latest_complaints(store)
    texts = dict(zip(store.reviews_frame()["id"], store.reviews_frame()["text"]))
    late = next(t for t in first if {texts[i] for i in t.review_ids} >= set(LATE))
    tracking = next(t for t in first if t is not late and TRACKING[0] in {texts[i] for i in t.review_ids})
    capsys.readouterr()
    # an unknown name is an error that lists the names; nothing is recorded
    assert main(["complaints", "--no-llm", "--merge", "Nope", late.label, "--db", db, "-q"]) != 0
    assert "no theme named 'Nope' among the last computed ones" in capsys.readouterr().err
    assert store.theme_merges() == []
    assert main(["complaints", "--no-llm", "--merge", tracking.label, late.label, "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert f"{tracking.label!r} merged into {late.label!r}" in out
    merged, _ = queries.latest_complaints(store)
    assert tracking.label not in [t.label for t in merged]
    one = next(t for t in merged if t.label == late.label)
    assert {texts[i] for i in one.review_ids} >= set(LATE) | set(TRACKING) and one.count >= 7
    # the name given later follows the merge: the next computation still merges into it
    assert main(["complaints", "--rename", late.label, "Slow or lost deliveries", "--db", db, "-q"]) == 0
    assert store.theme_merges() == [(tracking.label, "Slow or lost deliveries")]
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    again, _ = queries.latest_complaints(store)
    assert again[0].label == "Slow or lost deliveries" and again[0].count == one.count
    assert tracking.label not in [t.label for t in again]


@pytest.mark.slow
def test_merge_on_the_dashboard_is_computed_by_the_background_analyzer(tmp_path, monkeypatch, capsys):
    """The Overview's "Rename or merge" box merges a theme into another; with `reviewlens dashboard`'s
    background analyzer beating, it computes the themes again (here `take_request`, what it runs, with the
    real model), and the Overview then shows one theme; the page polls meanwhile."""
    from datetime import datetime, timezone

    from reviewlens.analysis_queue import STATE_KEY, open_request
    from reviewlens.app.analyzing import take_request
    from reviewlens.app.jobs import Job
    from reviewlens.config import load_settings
    from tests.helpers import app_test, as_read

    db = _store(tmp_path)
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    store = Store(db)
    first, _ = queries.latest_complaints(store)
    store.save_checkpoint(STATE_KEY, {"at": datetime.now(timezone.utc).isoformat(), "state": "idle"})
    at = app_test(monkeypatch, db)
    rank = 2  # the second theme joins the first
    at.selectbox(key=f"merge_{rank}").set_value(first[0].label)
    next(b for b in at.button if b.key == f"merge_btn_{rank}").click().run()
    assert not at.exception
    assert any("merged into" in s.value and "computed again" in s.value for s in at.success), [s.value for s in at.success]
    assert store.theme_merges() == [(first[1].label, first[0].label)]
    req = open_request(store)
    assert req["themes"] is True and "products" not in req
    assert any("Computing the top complaints" in i.value for i in at.info)
    line = take_request(store, Job(store, load_settings(None, db=db)))
    assert line.startswith("top complaints: "), line
    at.run()
    labels = [t.label for t in queries.latest_complaints(store)[0]]
    assert first[1].label not in labels and first[0].label in labels
    shown = [as_read(e.label) for e in at.expander]
    assert any(label.startswith(f"1. {first[0].label} — ") for label in shown), shown
    assert not any(f". {first[1].label} — " in label for label in shown), shown
