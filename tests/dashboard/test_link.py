"""The dashboard's address is a link to the view on screen: opened, it shows that view again
(streamlit's AppTest with query parameters, on the seeded SQLite store)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import APP_PATH
from tests.dashboard.seed import ANCHOR, CURRENT, seeded_sqlite  # noqa: F401  (fixture)

pytestmark = pytest.mark.timeout(120)


def _open(monkeypatch, db: str, **params) -> AppTest:
    monkeypatch.setenv("REVIEWLENS_DB", db)
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _reviews(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Reviews")


def test_a_link_opens_the_explorer_on_a_theme_with_its_filters(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    since, until = CURRENT[0], ANCHOR - timedelta(days=30)
    at = _open(monkeypatch, db, page="Reviews", since=str(since), until=str(until), product="Acme Kettle",
               theme="Breaks quickly")
    assert not at.warning, [w.value for w in at.warning]
    assert at.session_state["page"] == "Reviews" and at.selectbox(key="theme").value == "Breaks quickly"
    assert at.sidebar.selectbox(key="f_period").value == "Custom"
    assert tuple(at.sidebar.date_input(key="f_dates").value) == (since, until)
    assert at.sidebar.multiselect(key="f_products").value == ["Acme Kettle"]
    expected = {r.id for r in seed.in_period(since, until) if r.product == "Acme Kettle"} \
        & set(seed.theme_ids["Breaks quickly"])
    assert expected and len(at.dataframe[0].value) == len(expected)
    # the address it keeps is the same view
    assert at.query_params == {"page": "Reviews", "since": str(since), "until": str(until),
                               "product": "Acme Kettle", "theme": "Breaks quickly"}


def test_the_address_follows_every_change(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = _open(monkeypatch, db)
    assert at.query_params == {}
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.multiselect(key="f_sentiments").select("negative").select("neutral").run()
    at.sidebar.slider(key="f_rating").set_value((1.0, 2.5)).run()
    at.sidebar.selectbox(key="f_replied").set_value("Without a reply").run()
    at.sidebar.text_input(key="f_search").input("arrived late").run()
    assert at.query_params == {"period": "all", "sentiment": ["negative", "neutral"], "rating": "1-2.5",
                               "replied": "no", "q": "arrived late"}
    # that address, opened in a new session, shows the same numbers
    again = _open(monkeypatch, db, **at.query_params)
    assert _reviews(again) == _reviews(at) != "0" and not again.warning
    at.sidebar.button[0].click().run()  # Reset filters
    assert at.query_params == {}
    embedded = _open(monkeypatch, db, embed="true", period="30d")  # Streamlit's own keys are left alone
    assert embedded.query_params == {"embed": "true", "period": "30d"} and not embedded.warning


def test_a_broken_link_shows_what_it_can_and_says_what_it_could_not(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = _open(monkeypatch, db, page="Reviews", period="all", sentiment=["positive", "furious"], rating="9-1",
               product=["Acme Kettle", "Gone Gadget"], theme="A theme long gone", utm_source="mail")
    warnings = " ".join(w.value for w in at.warning).replace("\\", "").replace("\u200b", "")  # markdown escapes
    for part in ("sentiment", "rating", "Gone Gadget", "utm_source", "A theme long gone"):
        assert part in warnings, part
    assert at.sidebar.multiselect(key="f_products").value == ["Acme Kettle"]
    assert at.selectbox(key="theme").value == "All reviews"
    positive = [r for r in seed.reviews if seed.sentiments[r.id] == "positive" and r.product == "Acme Kettle"]
    assert len(at.dataframe[0].value) == min(50, len(positive))
    at.run()  # said once, not at every rerun
    assert not at.warning


def test_a_link_naming_reviews_shows_only_them_until_cleared(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    ids = [seed.xss_id, seed.formula_id, "no-such-review"]
    at = _open(monkeypatch, db, page="Reviews", period="all", ids=",".join(ids))
    assert any("Only the 2 reviews the link names" in i.value for i in at.sidebar.info)
    assert any("1 of the 3 reviews the link names is not in this store" in w.value for w in at.warning), \
        [w.value for w in at.warning]   # said, not a silent "no reviews match"
    assert len(at.dataframe[0].value) == 2
    assert at.query_params["ids"] == ",".join(ids[:2])
    next(b for b in at.sidebar.button if b.label == "Show all reviews").click().run()
    assert len(at.dataframe[0].value) == min(50, len(seed.reviews)) and "ids" not in at.query_params


def test_a_link_to_reviews_the_store_lacks_says_so(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = _open(monkeypatch, db, page="Reviews", period="all", ids="abc,def")
    assert any("none of the 2 reviews the link names is in this store" in w.value for w in at.warning)
    assert not any("Only the" in i.value for i in at.sidebar.info)
    assert len(at.dataframe[0].value) == min(50, len(seed.reviews))   # the rest of the view, not an empty one


def test_a_digest_alerts_link_shows_its_reviews(monkeypatch, seeded_sqlite):
    """An alert's link names the digest by its key; the explorer shows every review it named, and the
    address keeps the key (not hundreds of ids)."""
    store, seed, db = seeded_sqlite
    named = [r.id for r in seed.reviews if r.rating <= 2][:7]
    store.add_alert("reviews:abc:7:2026-11-30", "reviews", "7 new reviews to read", {"lines": []}, [], named)
    at = _open(monkeypatch, db, page="Reviews", period="all", alert="reviews:abc:7:2026-11-30")
    assert not at.warning and len(at.dataframe[0].value) == 7
    assert any("Only the 7 reviews the link names" in i.value for i in at.sidebar.info)
    assert at.query_params == {"page": "Reviews", "period": "all", "alert": "reviews:abc:7:2026-11-30"}
    gone = _open(monkeypatch, db, page="Reviews", period="all", alert="reviews:nope")
    assert any("not in this store" in w.value for w in gone.warning)
    assert len(gone.dataframe[0].value) == min(50, len(seed.reviews))
