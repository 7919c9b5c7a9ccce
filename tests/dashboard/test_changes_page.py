"""The Compare page's "Before and since a change you made": record a change, the background analyzer of
`reviewlens dashboard` measures it (`take_request`, with the real model), the verdict and the numbers are
shown, and the change marks the Overview's charts."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from reviewlens.analysis_queue import STATE_KEY, open_request
from reviewlens.store import Store
from tests.helpers import app_test, as_read as plain
from tests.reviewlens.app.test_changes import CHANGE, delivery_theme, make_store


def _changes_view(at):
    at.sidebar.radio(key="page").set_value("Compare").run()
    at.radio(key="cmp_by").set_value("changes").run()
    assert not at.exception
    return at


@pytest.mark.slow
def test_record_a_change_and_read_what_it_did(tmp_path, monkeypatch):
    from reviewlens.app.analyzing import take_request
    from reviewlens.app.jobs import Job
    from reviewlens.config import load_settings

    db = make_store(tmp_path)
    store = Store(db)
    theme = delivery_theme(db)
    store.save_checkpoint(STATE_KEY, {"at": datetime.now(timezone.utc).isoformat(), "state": "idle"})
    at = _changes_view(app_test(monkeypatch, db))
    assert any("No change recorded yet" in i.value for i in at.info)
    at.date_input(key="chg_day").set_value(CHANGE)
    at.text_input(key="chg_what").set_value("Switched courier <b>to</b> DHL")
    at.selectbox(key="chg_theme").set_value(theme)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert any("Recorded" in s.value and "Measuring" in s.value for s in at.success), [s.value for s in at.success]
    [change] = store.changes()
    assert change["day"] == CHANGE and change["theme"] == theme and change["label"] == "Switched courier <b>to</b> DHL"
    assert open_request(store)["changes"] is True
    assert any("Measuring the changes in the background" in i.value for i in at.info)

    line = take_request(store, Job(store, load_settings(None, db=db)))
    assert line == "measured 1 of 1 changes you made", line
    at = _changes_view(app_test(monkeypatch, db))
    verdicts = [plain(s.value) for s in at.success]
    assert any(v.startswith("Fewer reviews raise") and "45% before, 5% since" in v for v in verdicts), verdicts
    table = at.table[0].value
    assert list(table.columns) == ["Before", "Since"] and table.loc["Reviews"].tolist() == ["22", "20"]
    assert any("Other complaints that moved" in m.value for m in at.markdown)
    [label] = [e.label for e in at.expander if plain(e.label).startswith(f"{CHANGE} · Switched courier")]
    assert "<b>" not in label and plain(label).endswith("Switched courier <b>to</b> DHL")  # shown, never markup

    # the Overview's rating and complaint charts mark the change, its description in the tooltip
    at.sidebar.radio(key="page").set_value("Overview").run()
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    marked = [s for s in specs if '"rule"' in s]
    assert len(marked) == 2 and all("What changed" in s for s in marked), len(marked)

    # forgotten: gone from the page and the store
    at = _changes_view(app_test(monkeypatch, db))
    next(b for b in at.button if b.key.startswith("chg_forget_")).click().run()
    assert store.changes() == [] and any("Forgot" in s.value for s in at.success)


def test_without_a_background_analyzer_it_says_how_to_measure(tmp_path, monkeypatch):
    db = make_store(tmp_path)
    at = _changes_view(app_test(monkeypatch, db))
    at.text_input(key="chg_what").set_value("   ")
    at.button[0].click().run()
    assert any("Say what changed" in plain(e.value) for e in at.error), [e.value for e in at.error]
    assert Store(db).changes() == []
    at.text_input(key="chg_what").set_value("New lid")
    at.button[0].click().run()
    assert any("`reviewlens changes measure` measures it" in plain(s.value) for s in at.success)
    assert open_request(Store(db)) is None
    # recorded today, after the newest review: says so (not "the measurement waits")
    said = " ".join(plain(i.value) for i in at.info)
    assert "Not measured yet: no review is dated on or after" in said and "(the newest is from 2026-11-09)" in said
    at.date_input(key="chg_day").set_value(CHANGE)
    at.text_input(key="chg_what").set_value("New courier")
    at.button[0].click().run()
    said = " ".join(plain(i.value) for i in at.info)
    assert "Not measured yet: the measurement waits (`reviewlens changes measure`" in said
