"""The trends' bucket (reviewlens.buckets): a week when the selection has reviews enough a week, else a month."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reviewlens import queries as Q
from reviewlens.buckets import MAX_WEEKLY_DAYS, MIN_PER_WEEK, choose, weeks_spanned
from reviewlens.filters import Filters

from tests.dashboard.volume_seed import ANCHOR, BIG, FIRST, SMALL, fill


def test_weeks_spanned_counts_monday_weeks():
    monday = date(2026, 8, 3)
    assert weeks_spanned(monday, monday) == 1
    assert weeks_spanned(monday, monday + timedelta(days=6)) == 1
    assert weeks_spanned(monday + timedelta(days=6), monday + timedelta(days=7)) == 2  # Sunday to Monday
    assert weeks_spanned(FIRST, ANCHOR) == 14


def test_choose_by_reviews_a_week():
    assert choose(SMALL, FIRST, ANCHOR) == "month"  # 26 reviews in 13 weeks: two a week
    assert choose(BIG, FIRST, ANCHOR) == "week"     # 15 a week
    weeks = weeks_spanned(FIRST, ANCHOR)
    assert choose(MIN_PER_WEEK * weeks, FIRST, ANCHOR) == "week"
    assert choose(MIN_PER_WEEK * weeks - 1, FIRST, ANCHOR) == "month"
    # a long range reads better by month, however many reviews
    assert choose(10_000, ANCHOR - timedelta(days=MAX_WEEKLY_DAYS + 1), ANCHOR) == "month"
    assert choose(0, None, None) == "month" and choose(5, None, None) == "month"  # no dates: nothing to draw
    # the user's choice is kept
    assert choose(SMALL, FIRST, ANCHOR, "week") == "week" and choose(BIG, FIRST, ANCHOR, "month") == "month"
    with pytest.raises(ValueError, match="unknown bucket 'day'"):
        choose(BIG, FIRST, ANCHOR, "day")


def test_coverage_counts_the_days_of_a_bucket_the_period_holds():
    """How many of a week's or month's days a selected period covers: the first week of "Last 30 days" from
    Saturday 17 Oct holds 2, a 3-day period 3 of its month's."""
    from reviewlens.buckets import bucket_days, coverage

    monday = date(2026, 10, 12)
    assert bucket_days(monday, "week") == 7
    assert [bucket_days(date(2026, m, 1), "month") for m in (2, 10, 11)] == [28, 31, 30]
    assert coverage(monday, "week", date(2026, 10, 17), date(2026, 11, 15)) == 2
    assert coverage(monday, "week", date(2026, 10, 1), date(2026, 11, 15)) == 7
    assert coverage(monday, "week", None, None) == 7 and coverage(monday, "week", date(2026, 10, 14), None) == 5
    assert coverage(monday, "week", None, date(2026, 10, 12)) == 1
    assert coverage(date(2026, 11, 1), "month", date(2026, 11, 20), date(2026, 11, 22)) == 3
    assert coverage(monday, "week", date(2026, 10, 20), date(2026, 10, 30)) == 0  # outside it
    with pytest.raises(ValueError, match="unknown granularity"):
        bucket_days(monday, "day")


def test_granularity_for_counts_the_selection(store):
    """The old rule went by the length of the range alone: three months were weekly however few reviews
    they held. Now the selection's dated reviews decide: a filter that narrows them narrows the bucket."""
    fill(store, SMALL, product="Small Kettle")
    fill(store, BIG, product="Big Kettle")
    f = Filters.of(since=FIRST, until=ANCHOR)
    assert Q.granularity_for(store, f) == "week"  # both products: 221 reviews in 14 weeks
    assert Q.granularity_for(store, Filters.of(since=FIRST, until=ANCHOR, products=["Small Kettle"])) == "month"
    assert Q.granularity_for(store, Filters.of(products=["Big Kettle"])) == "week"
    assert Q.granularity_for(store, Filters.of(products=["Small Kettle"]), by="week") == "week"
    assert Q.granularity_for(store, Filters.of(sentiments=["negative"], products=["Big Kettle"])) == "month"  # 65
