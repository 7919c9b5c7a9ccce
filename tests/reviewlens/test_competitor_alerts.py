"""The competitor alert (`[alerts] competitor_losses`): reviewers of the last period who left for one competitor,
quoted and linked to the reviews that name it, once a week; and the weekly summary's line (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from reviewlens.alerts import find_alerts
from reviewlens.config import AlertSettings
from reviewlens.views import from_query
from tests.reviewlens.test_competitors import seed

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)  # a Tuesday: the last whole week is 2 to 8 November


def test_customers_leaving_for_a_competitor(store):
    seed(store)  # 1 to 7 November: two reviewers left for the Sony WH-1000XM5, two came from Bose
    assert [a for a in find_alerts(store, AlertSettings(), NOW) if a.kind == "competitor"] == []  # 3 needed
    rules = AlertSettings(competitor_losses=2, dashboard_url="https://reviews.acme.example/")
    (a,) = [a for a in find_alerts(store, rules, NOW) if a.kind == "competitor"]
    assert a.title == "Customers leaving for Sony WH-1000XM5" and a.key == "competitor:sony-wh-1000xm5:2026-W45"
    assert a.lines[0] == ("2026-11-01 to 2026-11-07: 2 reviewers left for Sony WH-1000XM5; 2 more reviews compared "
                          "with it; the 4 reviews rated 2.8★ on average.")
    assert a.lines[1] == "What they complained of: Quality (2)."
    assert [q["text"] for q in a.quotes][:2] == ["Returned it and bought the sony wh-1000xm5 instead.",
                                                 "I switched to the Sony WH-1000XM5 and love it."]
    assert a.products == ["Aurora"]
    view, _ = from_query(parse_qs(urlsplit(a.link).query))
    assert view.page == "Reviews" and view.filters.mentions == ("Sony WH-1000XM5",)
    assert store.add_alert(a.key, a.kind, a.title, a.body(), [], a.review_ids) is not None
    assert [x.key for x in find_alerts(store, rules, NOW) if x.kind == "competitor"] == [a.key]  # the same key:
    # not raised twice (the store keeps one alert per key)
    assert store.add_alert(a.key, a.kind, a.title, a.body(), [], a.review_ids) is None
    assert [x for x in find_alerts(store, AlertSettings(competitor_losses=0), NOW) if x.kind == "competitor"] == []


def test_the_summary_names_who_left_for_a_competitor(store):
    seed(store)
    (summary,) = [a for a in find_alerts(store, AlertSettings(), NOW) if a.kind == "summary"]
    assert "Left for a competitor: Sony WH-1000XM5 (1 review)" in summary.lines, summary.lines
