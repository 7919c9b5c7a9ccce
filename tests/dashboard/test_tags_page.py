"""The dashboard and the team's tags: set in the review explorer (a new tag typed, then offered), filtered by
in the sidebar and kept in the page's link."""

from __future__ import annotations

from tests.helpers import app_test, as_read
from tests.reviewlens.test_tags import reviews

from reviewlens.store import Store


def test_tag_a_review_in_the_explorer_then_filter_by_it(tmp_path, monkeypatch):
    db = str(tmp_path / "t.db")
    store = Store(db)
    store.upsert_reviews(reviews())
    at = app_test(monkeypatch, db)  # undated reviews: all time
    assert not [m for m in at.sidebar.multiselect if m.label == "Tag"]  # no tags yet: no filter
    at.sidebar.radio(key="page").set_value("Reviews").run()
    shown = next(s for s in at.multiselect if s.key and s.key.startswith("tags_"))
    rid = shown.key[len("tags_"):]
    shown.set_value(["Escalated  to QA"]).run()  # typed: a new tag
    assert not at.exception
    assert store.tags_of([rid]) == {rid: ["Escalated to QA"]}
    assert any("Tagged 'Escalated to QA'." in as_read(c.value) for c in at.caption)
    # offered in the sidebar now; filtering by it keeps the one review, and the link says so
    at.sidebar.multiselect(key="f_tags").set_value(["Escalated to QA"]).run()
    assert not at.exception
    assert any("1 review matches" in as_read(c.value) for c in at.caption)  # not "1 reviews match"
    assert at.query_params["tag"] == "Escalated to QA"
    at.multiselect(key=f"tags_{rid}").set_value([]).run()  # taken off again
    assert store.tags_of([rid]) == {}
