"""The dashboard and the user's own fields: a sidebar filter for each field worth filtering by, kept in the
page's link, and a Compare choice by its values."""

from __future__ import annotations

import html

import pytest

from tests.helpers import app_test, as_read
from tests.reviewlens.test_fields import _write, shop_rows

from reviewlens.app.cli import main


def test_filter_and_compare_by_a_field(tmp_path, monkeypatch):
    db = str(tmp_path / "s.db")
    assert main(["import", _write(tmp_path / "shop.csv", shop_rows()), "--db", db, "-q"]) == 0
    at = app_test(monkeypatch, db)
    labels = [m.label for m in at.sidebar.multiselect]
    assert "Country" in labels and "Plan" in labels and "Order ID" not in labels  # an identifier: not offered
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.multiselect(key="f_field:Country").set_value(["DE"]).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reviews"] == "20" and metrics["Average rating"].startswith("3.00")
    assert at.query_params["field"] == "Country=DE"  # the link keeps it

    # a review's own fields in its detail view
    at.sidebar.radio(key="page").set_value("Reviews").run()
    detail = html.unescape(next(m.value for m in at.markdown if "rl-review-detail" in m.value))
    assert "Country: DE" in detail and ("Plan: Free" in detail or "Plan: Pro" in detail) and "Order ID: A" in detail
    at.sidebar.radio(key="page").set_value("Overview").run()

    # a colleague opens the link: the same filter
    monkeypatch.setenv("REVIEWLENS_DB", db)
    from streamlit.testing.v1 import AppTest

    from dashboard import APP_PATH

    other = AppTest.from_file(str(APP_PATH), default_timeout=60)
    other.query_params["field"] = "Country=FR"
    other.query_params["period"] = "all"
    other.run()
    assert other.sidebar.multiselect(key="f_field:Country").value == ["FR"]
    assert {m.label: m.value for m in other.metric}["Average rating"].startswith("5.00")

    # Compare by the field's values (the sidebar's filter cleared)
    at.sidebar.multiselect(key="f_field:Country").set_value([]).run()
    at.sidebar.radio(key="page").set_value("Compare").run()
    at.radio(key="cmp_by").set_value("field:Country").run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table.columns) == ["DE", "FR", "US"] and table.loc["Reviews"].tolist() == ["20", "20", "20"]
    assert any("Rating: DE 3.00★ vs FR 5.00★" in as_read(m.value) for m in at.markdown)


@pytest.mark.slow
def test_the_dashboard_finds_a_segments_own_complaints(tmp_path, monkeypatch):
    """Filtered to a field's value without themes of its own, the Overview says it shows the store's,
    recounted; the button asks the background analyzer (`take_request`, the real model) for the segment's
    own, which the Overview then reads."""
    from datetime import datetime, timezone

    from reviewlens import queries
    from reviewlens.analysis_queue import STATE_KEY, open_request
    from reviewlens.app.analyzing import take_request
    from reviewlens.app.jobs import Job
    from reviewlens.config import load_settings
    from reviewlens.store import Store

    db = str(tmp_path / "s.db")
    assert main(["import", _write(tmp_path / "shop.csv", shop_rows()), "--db", db, "-q"]) == 0
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    store = Store(db)
    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.multiselect(key="f_field:Country").set_value(["DE"]).run()
    notes = " ".join(as_read(c.value) for c in at.caption)
    assert "top complaints of all reviews, recounted for Country: DE" in notes
    assert 'reviewlens complaints --field "Country=DE"' in notes
    store.save_checkpoint(STATE_KEY, {"at": datetime.now(timezone.utc).isoformat(), "state": "idle"})
    at.run()
    next(b for b in at.button if b.key == "own_themes_btn").click().run()
    assert open_request(store)["fields"] == [["Country", ["DE"]]]
    line = take_request(store, Job(store, load_settings(None, db=db)))
    assert line.startswith("top complaints of Country: DE: "), line
    _, scope = queries.latest_complaints(store, fields={"Country": ["DE"]})
    assert scope["reviews"] == 20
    at.run()
    notes = " ".join(as_read(c.value) for c in at.caption)
    assert "recounted for Country: DE" not in notes  # its own now


def test_a_change_for_a_segment_is_recorded_in_the_dashboard(tmp_path, monkeypatch):
    from datetime import date

    from reviewlens.store import Store

    db = str(tmp_path / "s.db")
    assert main(["import", _write(tmp_path / "shop.csv", shop_rows()), "--db", db, "-q"]) == 0
    at = app_test(monkeypatch, db)
    at.sidebar.radio(key="page").set_value("Compare").run()
    at.radio(key="cmp_by").set_value("changes").run()
    at.date_input(key="chg_day").set_value(date(2026, 11, 15))
    at.text_input(key="chg_what").set_value("DHL in Germany")
    at.multiselect(key="chg_fields").set_value(["Country=DE"])
    at.button[0].click().run()
    assert not at.exception
    [change] = Store(db).changes()
    assert change["fields"] == [("Country", ("DE",))] and change["label"] == "DHL in Germany"
    assert any(as_read(e.label).endswith("DHL in Germany · Country: DE") for e in at.expander)
