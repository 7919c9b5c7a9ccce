"""How long a trend's time bucket is: a week, or a month when weeks would hold too few reviews.

A share of a bucket's reviews (the percent that raise a complaint, that are negative) means something
only when the bucket holds enough reviews: a store with two or three reviews a week has weekly shares
that leap between 0% and 50% on one review. So the dashboard's trend charts, the Excel report's and
anything else that draws a series over time ask `choose` which bucket to use, as analytics tools pick
the bucket from the data rather than from a fixed rule.

The rule: weekly when the selection's dated reviews average at least `MIN_PER_WEEK` a week over the
weeks they span, and those weeks cover no more than `MAX_WEEKLY_DAYS` (a longer range has too many
weekly points to read); monthly otherwise. The user can ask for either one (`by`).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = ["BY", "MIN_PER_WEEK", "MAX_WEEKLY_DAYS", "bucket_days", "choose", "coverage", "weeks_spanned"]

#: What a user may ask for: "auto" lets `choose` decide.
BY = ("auto", "week", "month")

#: The fewest reviews a week, on average, for weekly buckets. With 10 a week, one review moves a week's
#: share by at most 10 points (at 2.5 a week, by 40: the 0%-to-50% leaps), and a month at the threshold
#: holds about 43; below it a month still holds 4.3 times as many reviews as a week would.
MIN_PER_WEEK = 10

#: The longest span (in days, first to last review) drawn week by week: about six months, 27 weekly
#: points; beyond it months read better whatever the volume.
MAX_WEEKLY_DAYS = 190


def weeks_spanned(first: date, last: date) -> int:
    """How many Monday-based weeks (the trend's weekly buckets) the days from `first` to `last` touch."""
    monday = first - timedelta(days=first.weekday())
    return (last - monday).days // 7 + 1


def choose(reviews: int, first: date | None, last: date | None, by: str = "auto") -> str:
    """'week' or 'month': the bucket for a trend of `reviews` dated reviews from `first` to `last`;
    `by` "week" or "month" is the user's choice and is kept, "auto" applies the rule above."""
    if by not in BY:
        raise ValueError(f"unknown bucket {by!r} (use {', '.join(BY)})")
    if by != "auto":
        return by
    if not reviews or first is None or last is None:
        return "month"  # nothing to draw: the fewer, fuller buckets
    if (last - first).days > MAX_WEEKLY_DAYS:
        return "month"
    return "week" if reviews / weeks_spanned(first, last) >= MIN_PER_WEEK else "month"


def bucket_days(start: date, granularity: str) -> int:
    """How many days the bucket that begins on `start` (a Monday, or a month's first day) holds: 7, or 28 to 31."""
    if granularity == "week":
        return 7
    if granularity == "month":
        return calendar.monthrange(start.year, start.month)[1]
    raise ValueError(f"unknown granularity {granularity!r} (use week or month)")


def coverage(start: date, granularity: str, since: date | None, until: date | None) -> int:
    """How many days of the bucket that begins on `start` lie from `since` to `until` (both inclusive; an
    open end covers the bucket to that side): `bucket_days` for a full bucket, fewer for a part one."""
    end = start + timedelta(days=bucket_days(start, granularity) - 1)
    first, last = max(start, since) if since else start, min(end, until) if until else end
    return max((last - first).days + 1, 0)
