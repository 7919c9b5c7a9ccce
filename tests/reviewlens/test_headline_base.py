"""Share negative rests on the analyzed reviews only. A retailer's store with 371 of 102,754 reviews analyzed sent
a weekly summary saying "1858 reviews ...; 33% negative" (1 of the 3 analyzed), and the dashboard's headline read
"Share negative 28.4% -34.1 pp", a change between 317 analyzed reviews and 8. Now the base is said, and no change
is given while either side has fewer analyzed reviews than a theme's trend needs (schema.MIN_PREVIOUS_REVIEWS)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from reviewlens import queries as Q
from reviewlens.alerts import find_alerts
from reviewlens.config import AlertSettings
from reviewlens.filters import Filters
from reviewlens.schema import Analysis, Review

WEEK = date(2026, 11, 23)  # a Monday: the summary's week is 2026-11-23 to 11-29
MONDAY_AFTER = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def _week(store, first: date, n: int, analyzed: int, negative: int, tag: str) -> None:
    """`n` reviews over the week from `first`, the first `analyzed` of them analyzed, `negative` of those negative."""
    rs = [Review(source="shop", text=f"{tag} review {i}", product="Laptop", rating=4, author=f"{tag}{i}",
                 date=first + timedelta(days=i % 7)) for i in range(n)]
    store.upsert_reviews(rs)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="v",
                                  sentiment="negative" if i < negative else "positive")
                         for i, r in enumerate(rs[:analyzed])])


def test_the_weekly_summary_says_what_share_negative_is_of(store):
    _week(store, WEEK, 60, 3, 1, "now")
    _week(store, WEEK - timedelta(days=7), 50, 50, 10, "before")
    [weekly] = [a for a in find_alerts(store, AlertSettings(), MONDAY_AFTER, record=False) if a.kind == "summary"]
    assert "; 33% negative of the 3 analyzed (no change given: this period has 3 analyzed reviews, fewer than the " \
           "20 a change needs)." in weekly.lines[0]
    h = Q.headline(store, Filters.of(since=WEEK, until=WEEK + timedelta(days=6)))
    assert h.delta("share_negative") is None and h.delta("net_sentiment") is None
    assert h.delta("reviews") == 10 and h.base_text() == "of the 3 analyzed of 60 reviews"


def test_no_change_against_a_period_before_of_a_handful_analyzed(store):
    _week(store, WEEK, 40, 40, 10, "now")
    _week(store, WEEK - timedelta(days=7), 40, 8, 5, "before")
    h = Q.headline(store, Filters.of(since=WEEK, until=WEEK + timedelta(days=6)))
    assert h.share_negative == 25.0 and h.delta("share_negative") is None
    assert h.no_change_reason("share_negative") == ("the period before has 8 analyzed reviews, fewer than the 20 a "
                                                    "change needs")
    assert h.base_text() == "of all 40 reviews (all analyzed)"
    _week(store, WEEK - timedelta(days=7), 40, 40, 20, "before more")  # 48 analyzed before now: a change
    h = Q.headline(store, Filters.of(since=WEEK, until=WEEK + timedelta(days=6)))
    assert h.no_change_reason("share_negative") is None and round(h.delta("share_negative"), 1) == round(25 - 100 * 25 / 48, 1)
    [weekly] = [a for a in find_alerts(store, AlertSettings(), MONDAY_AFTER, record=False) if a.kind == "summary"]
    assert "; 25% negative (-27 pts)." in weekly.lines[0]
