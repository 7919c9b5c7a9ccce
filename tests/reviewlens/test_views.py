"""A dashboard view written as a link and read back (reviewlens.views)."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

from reviewlens.filters import Filters
from reviewlens.views import MAX_IDS, View, check_base_url, from_query, to_query, view_url


def _read(url: str) -> tuple[View, list[str]]:
    return from_query(parse_qs(urlsplit(url).query, keep_blank_values=True))


def test_a_full_view_goes_through_a_link_unchanged():
    view = View.dated(date(2026, 11, 23), date(2026, 11, 29), page="Reviews", theme='Late & "lost" parcels #2',
                      products=["Acme Kettle", "Tea & Co"], sources=["shop.example.com"],
                      sentiments=["negative", "neutral"], topics=["delivery"], languages=["de"], min_rating=1.5,
                      max_rating=3, search="arrived late?", replied=False)
    url = view_url("http://reviews.acme.internal:8501/", view)
    assert url.startswith("http://reviews.acme.internal:8501/?page=Reviews&since=2026-11-23&until=2026-11-29&")
    assert "#" not in url and "&theme=Late+%26+%22lost%22+parcels+%232" in url  # nothing of a theme breaks out
    back, problems = _read(url)
    assert problems == [] and back == view


def test_defaults_are_left_out_and_periods_of_days_carry_no_dates():
    assert view_url("https://x.example", View()) == "https://x.example/"
    assert to_query(View(period="30d", filters=Filters.of(since=date(2026, 1, 1), until=date(2026, 1, 30)))) == \
        [("period", "30d")]
    assert to_query(View(period="custom")) == [("period", "all")]
    assert to_query(View(filters=Filters.of(max_rating=2))) == [("rating", "1-2")]
    assert from_query({"period": "all"})[0].period == "all"
    assert from_query({})[0] == View()


def test_review_ids_go_comma_separated_and_capped():
    ids = [f"r{i}" for i in range(MAX_IDS + 50)]
    view, problems = from_query(dict(to_query(View(page="Reviews", filters=Filters.of(review_ids=ids)))))
    assert problems == [] and view.filters.review_ids == tuple(ids[:MAX_IDS])


def test_what_a_link_gets_wrong_is_named_and_the_rest_kept():
    view, problems = from_query({"page": "Nope", "since": "2026-13-01", "until": "2026-11-29", "rating": "4-2",
                                 "sentiment": ["negative", "furious"], "replied": "maybe", "lang": ["de", "d3"],
                                 "q": "x" * 500, "product": "Acme Kettle", "utm_source": "mail"})
    text = "; ".join(problems)
    for part in ("page='Nope'", "since='2026-13-01'", "rating='4-2'", "sentiment", "replied='maybe'", "lang",
                 "q is longer", "unknown: utm_source"):
        assert part in text, part
    assert view.page == "Overview" and view.period == "custom" and view.filters.until == date(2026, 11, 29)
    assert view.filters.sentiments == ("negative",) and view.filters.languages == ("de",)
    assert view.filters.products == ("Acme Kettle",) and view.filters.search is None
    assert view.filters.min_rating is None and view.filters.replied is None
    _, problems = from_query({"since": "2026-11-29", "until": "2026-11-01"})
    assert problems == ["since 2026-11-29 is after until 2026-11-01"]
    _, problems = from_query({"period": "5y"})
    assert problems and "period='5y'" in problems[0]


def test_dashboard_address_must_be_plain_http():
    assert check_base_url("http://127.0.0.1:8501") and check_base_url("https://reviews.acme.example/lens/")
    for bad in ("javascript:alert(1)", "reviews.acme.example", "https://x.example/?a=1", "ftp://x.example",
                "https://x.example/#top", ""):
        assert not check_base_url(bad), bad


def test_a_link_leaves_out_or_keeps_only_the_suspicious_reviews():
    for value, wanted in (("out", False), ("only", True)):
        view, problems = from_query({"suspicious": value})
        assert view.filters.suspicious is wanted and not problems
        assert ("suspicious", value) in to_query(view)
    view, problems = from_query({"suspicious": "maybe", "product": "Kettle"})
    assert view.filters.suspicious is None and view.filters.products == ("Kettle",)
    assert problems == ["suspicious='maybe' is not out or only"]
