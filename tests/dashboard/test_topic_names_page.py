"""The dashboard names a hotel's topics as its taxonomy does ("Check-in and check-out", not "Check in"), and a
topic of the user's own by its label: in the sidebar's topic filter, the explorer's table, the review's detail
and the correction form (streamlit AppTest, a real SQLite store analyzed under the hotels preset)."""

from __future__ import annotations

import html

import pytest

from reviewlens.store import Store
from tests.helpers import app_test
from tests.reviewlens.test_topic_names import _hotel

pytestmark = pytest.mark.timeout(120)


def test_the_pages_name_the_topics_by_the_taxonomy(monkeypatch, tmp_path):
    db = str(tmp_path / "s.db")
    store = Store(db)
    _hotel(store)
    store.close()
    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    topics = at.sidebar.multiselect(key="f_topics")
    assert set(topics.options) == {"Check-in and check-out", "Key cards"}
    at.sidebar.radio(key="page").set_value("Reviews").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert "Check-in and check-out (−), Key cards (−)" in set(table["topics"])
    detail = html.unescape(" ".join(m.value for m in at.markdown if "rl-review-detail" in m.value))
    assert "Topics: Check-in and check-out (−)" in detail
    assert "Check in" not in detail
    form = at.multiselect(key=[k for k in (w.key for w in at.multiselect) if k and k.endswith("_topics")][0])
    assert "Check-in and check-out" in form.options
