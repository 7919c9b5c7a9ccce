"""The owner's replies in the read layer: reply rate and median days to reply, overall and for negative
reviews, on SQLite and PostgreSQL; the explorer's page carries the reply fields."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reviewlens import queries as Q
from reviewlens.filters import Filters
from reviewlens.schema import Analysis, Review

D0 = date(2026, 3, 1)


def _review(i: int, rating: int, delay: int | None, **kw) -> Review:
    return Review(source="shop", text=f"Review {i} about the kettle.", rating=rating, date=D0 + timedelta(days=i),
                  site_review_id=f"r{i}", reply=None if delay is None else f"Thanks for review {i}",
                  reply_date=None if delay is None else D0 + timedelta(days=i + delay), **kw)


def test_reply_rate_and_median_days(store):
    items = [
        _review(0, 1, 2), _review(1, 1, 4), _review(2, 2, None), _review(3, 2, 10),   # negative by rating
        _review(4, 5, 1), _review(5, 4, None), _review(6, 5, None), _review(7, 3, 3),  # not negative
        _review(8, 5, None),                                                           # analyzed negative below
    ]
    no_date = Review(source="shop", text="Reply without a date.", rating=1, date=D0, site_review_id="nd",
                     reply="Sorry!")
    store.upsert_reviews(items + [no_date])
    # the analysis decides where there is one: review 8 (5 stars) reads negative, review 0 (1 star) positive
    store.save_analyses([Analysis(content_hash=items[8].content_hash, model="m", prompt_version="v",
                                  sentiment="negative"),
                         Analysis(content_hash=items[0].content_hash, model="m", prompt_version="v",
                                  sentiment="positive")])
    st = Q.reply_stats(store, Filters())
    assert (st.reviews, st.replied) == (10, 6)
    assert st.reply_rate == pytest.approx(60.0)
    assert st.median_days == 3.0  # delays 1, 2, 3, 4, 10 (the undated reply has none)
    # negative: reviews 1, 2, 3 (by rating), 8 (analysis), the undated one (by rating); 0 is positive now
    assert (st.negative, st.negative_replied) == (5, 3)
    assert st.negative_reply_rate == pytest.approx(60.0)
    assert st.negative_median_days == 7.0  # delays 4 and 10
    # within filters
    few = Q.reply_stats(store, Filters.of(since=D0 + timedelta(days=4), until=D0 + timedelta(days=7)))
    assert (few.reviews, few.replied, few.median_days, few.negative, few.negative_median_days) == (4, 2, 2.0, 0, None)
    assert few.negative_reply_rate is None
    assert Q.overview(store, Filters()).replies == st


def test_no_reviews_no_rates(store):
    st = Q.reply_stats(store, Filters())
    assert (st.reviews, st.reply_rate, st.median_days, st.negative_reply_rate) == (0, None, None, None)


def test_explorer_page_and_rows_carry_reply_fields(store):
    r = _review(1, 2, 3, helpful_votes=7, verified=True, language="en")
    store.upsert_reviews([r, _review(2, 5, None)])
    df, total = Q.review_page(store, Filters())
    row = df.set_index("id").loc[r.id]
    assert total == 2
    assert (row.reply, row.reply_date, int(row.helpful_votes), bool(row.verified), row.language) == \
           ("Thanks for review 1", D0 + timedelta(days=4), 7, True, "en")
    rows = {x["id"]: x for x in Q.iter_review_rows(store, Filters())}
    assert rows[r.id]["reply_date"] == D0 + timedelta(days=4) and rows[r.id]["helpful_votes"] == 7
