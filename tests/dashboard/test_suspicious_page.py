"""The dashboard and the suspicious reviews: the Overview's note (with the rating without them and the
findings, quoted as written), leaving them out of every view from the note or the sidebar (kept in the
page's link), looking at them alone, and the explorer's mark on one of them."""

from __future__ import annotations

import html

from tests.helpers import app_test, as_read
from tests.reviewlens.test_integrity import shop  # noqa: F401  (the fixture: a store with each pattern)


def test_the_overview_notes_the_suspicious_reviews_and_leaves_them_out(shop, monkeypatch):  # noqa: F811
    at = app_test(monkeypatch, shop)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Reviews"] == "87"
    note = next(as_read(m.value) for m in at.markdown if "look suspicious" in as_read(m.value))
    assert "12 of 87 reviews look suspicious (2 with a text other reviewers posted too, 8 in a burst of " \
           "same-star reviews, 2 by a reviewer who reviewed the product again within 30 days)" in note
    findings = [html.unescape(m.value) for m in at.markdown if "rl-suspicious-finding" in m.value]
    assert findings and "Bursts of same-star reviews</strong>: 8 five-star reviews of Blender on 2026-08-20" in findings[0]
    # the copied text is quoted as written, its terminal escape shown as text, never markup
    assert "“[31mI bought this blender for smoothies" in findings[0] and "\x1b" not in findings[0]

    at.button(key="leave_out_suspicious").click().run()
    assert not at.exception
    assert at.sidebar.selectbox(key="f_suspicious").value == "Leave them out"
    assert {m.label: m.value for m in at.metric}["Reviews"] == "75"
    assert at.query_params["suspicious"] == "out"  # the link keeps it
    assert any("12 suspicious reviews left out" in as_read(c.value) for c in at.caption)
    assert not any("look suspicious" in as_read(m.value) for m in at.markdown)

    # only them, in the explorer, each with why it looks suspicious
    at.sidebar.selectbox(key="f_suspicious").set_value("Only them").run()
    at.sidebar.radio(key="page").set_value("Reviews").run()
    assert not at.exception
    assert any("12 reviews match" in as_read(c.value) for c in at.caption)
    detail = html.unescape(next(m.value for m in at.markdown if "rl-review-detail" in m.value))
    assert "Looks suspicious: " in detail


def test_a_link_leaves_the_suspicious_reviews_out(shop, monkeypatch):  # noqa: F811
    from streamlit.testing.v1 import AppTest

    from dashboard import APP_PATH

    monkeypatch.setenv("REVIEWLENS_DB", shop)
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.query_params["suspicious"] = "out"
    at.query_params["period"] = "all"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="f_suspicious").value == "Leave them out"
    assert {m.label: m.value for m in at.metric}["Reviews"] == "75"
