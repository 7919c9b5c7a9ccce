"""No trend against a period before of a handful of reviews. A store's history imported on day one had 200
reviews in its first 90 days and 2 in the 90 days before: every complaint read "▲ +22.0 pts (previous: 0)", a
complaint fixed in October "▼ -42.0 pts" from 1 review of 2, and `alerts check` raised six "Complaint rising"
alerts. Now there is no comparison, said with why, in the command, the dashboard's numbers, the report, the weekly
summary and the alerts; a real rise against a real period before is still raised, and chance is not."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from openpyxl import load_workbook

from reviewlens import queries as Q
from reviewlens.alerts import find_alerts
from reviewlens.app.jobs import format_complaints
from reviewlens.config import AlertSettings
from reviewlens.filters import Filters
from reviewlens.schema import ComplaintTheme, Review

SINCE, UNTIL = date(2026, 9, 5), date(2026, 12, 3)
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)


def _reviews(store, n: int, first: date, last: date, text: str) -> list[str]:
    """`n` reviews spread over [first, last]; their ids."""
    days = (last - first).days
    rs = [Review(source="app-stores", text=f"{text} #{i}", product="StrideFit", rating=2, author=f"a{i}",
                 date=first + timedelta(days=days * i // max(n - 1, 1))) for i in range(n)]
    store.upsert_reviews(rs)
    return [r.id for r in rs]


def _first_days(store) -> tuple[list[str], list[str]]:
    """The hunter's store: 40 reviews in the themes' 90 days, 2 in the 90 days before; the themes as the old code
    stored them (trends against those 2 reviews)."""
    now = _reviews(store, 40, SINCE, UNTIL, "The app crashes on launch")
    _reviews(store, 2, date(2026, 9, 4), date(2026, 9, 4), "Cannot log in, no 2FA code")
    crash, login = now[:10], now[10:14]
    store.save_complaints([
        ComplaintTheme(label="App crash", summary="Crashes on launch.", count=10, share=0.25, previous_count=0,
                       trend=25.0, review_ids=crash),
        ComplaintTheme(label="2FA not working", summary="No code arrives.", count=4, share=0.1, previous_count=1,
                       trend=-40.0, review_ids=login)],
        {"since": str(SINCE), "until": str(UNTIL), "previous_since": "2026-06-07", "previous_until": "2026-09-04",
         "products": [], "reviews": 40, "previous_reviews": 2, "undated": 0})
    return crash, login


def test_no_trend_against_too_few_reviews_before(store, tmp_path):
    _first_days(store)
    themes, scope = Q.latest_complaints(store)
    assert [t.trend for t in themes] == [None, None]
    text = format_complaints(themes, scope)
    assert "2 reviews, fewer than the 20 a trend needs)" in text.splitlines()[0]
    assert "1. App crash — 10 reviews (25%), no comparison (the period before held 2 reviews)" in text
    assert "▲" not in text and "▼" not in text and "previous: 0" not in text

    # the dashboard's and the report's numbers: no trend, no "Previous 0", and why
    views, _ = Q.complaints(store, Filters.of(since=SINCE, until=UNTIL))
    assert [(v.filtered_trend, v.filtered_previous, v.arrow) for v in views] == [(None, None, "→")] * 2
    assert {v.no_trend for v in views} == {"the period before held 2 reviews"}
    from dashboard.report import write_report

    ws = load_workbook(write_report(store, tmp_path / "r.xlsx"))["Top complaints"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    crash = next(r for r in rows if r[1] == "App crash")
    assert crash[5] is None and crash[6] is None and crash[7] is None  # Previous, Trend (pp), arrow
    assert any("No trend: the period before held 2 reviews" in str(r[1]) for r in rows)

    # a narrower window whose as long period before holds too few reviews: no trend either, said why
    last30 = Filters.of(since=UNTIL - timedelta(days=29), until=UNTIL)
    views, _ = Q.complaints(store, last30)
    assert all(v.filtered_trend is None and v.no_trend and v.no_trend.startswith("the period before held ")
               for v in views)

    # no "Complaint rising" alert, and the weekly summary says there is no comparison
    found = find_alerts(store, AlertSettings(), NOW, record=False)
    assert [a.title for a in found if a.kind == "complaint"] == []
    [weekly] = [a for a in found if a.kind == "summary"]
    assert "1. App crash: 10 reviews (25%), no comparison (the period before held 2 reviews)" in "\n".join(weekly.lines)


def test_a_real_rise_is_raised_and_chance_is_not(store):
    """Against a period before of 46 reviews, App crash from 1 to 34 of 65 reviews is raised; a theme 6 points up
    by chance (8 of 100 to 14 of 100) is not, nor one under the bar."""
    crash = _reviews(store, 65, date(2026, 11, 13), UNTIL, "The app crashes on launch")
    store.save_complaints([
        ComplaintTheme(label="App crash", summary="", count=34, share=34 / 65, previous_count=1,
                       trend=100 * (34 / 65 - 1 / 46), review_ids=crash[:34])],
        {"since": "2026-11-13", "until": str(UNTIL), "previous_since": "2026-10-23", "previous_until": "2026-11-12",
         "products": [], "reviews": 65, "previous_reviews": 46, "undated": 0})
    [alert] = [a for a in find_alerts(store, AlertSettings(), NOW, record=False) if a.kind == "complaint"]
    assert alert.title == "Complaint rising: App crash"
    assert alert.lines[0] == ("2026-11-13 to 2026-12-03: up 50.1 points to 52% of reviews (34 reviews; 1 of the 46 "
                              "reviews in the period before); a rise this large by chance: p < 0.001.")
    text = format_complaints(*Q.latest_complaints(store))
    assert "1. App crash — 34 reviews (52%), trend ▲ +50.1 pts (previous: 1)" in text

    # a steady store: shares that move by chance raise nothing
    steady = _reviews(store, 100, SINCE, UNTIL, "Battery drains fast")
    store.save_complaints([
        ComplaintTheme(label="Battery drain", summary="", count=14, share=0.14, previous_count=8, trend=6.0,
                       review_ids=steady[:14]),
        ComplaintTheme(label="Ads", summary="", count=9, share=0.09, previous_count=5, trend=4.0,
                       review_ids=steady[14:23])],
        {"since": str(SINCE), "until": str(UNTIL), "previous_since": "2026-06-07", "previous_until": "2026-09-04",
         "products": [], "reviews": 100, "previous_reviews": 100, "undated": 0})
    assert [a for a in find_alerts(store, AlertSettings(), NOW, record=False) if a.kind == "complaint"] == []
