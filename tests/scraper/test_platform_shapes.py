"""Zero-config on pages shaped like the big review platforms (tests/scraper/platform_pages.py): reviews
found by what they hold in page state (nested authors and dates, JSON:API documents, JSON inside
JSON, an Apollo cache) and in microdata, never in the list of other businesses or products beside
them; pagination found by role, text and ARIA attributes; "show more reviews" clicked by ShowMore."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from scraper import make_driver, scrape
from scraper.extract import EXTRACT_LIVE
from scraper.more import ShowMore
from tests.scraper import platform_pages as pp


def _arg(h, name: str, default: int) -> int:
    return int(parse_qs(urlsplit(h.path).query).get(name, [str(default)])[0])


def _serve(server) -> dict[str, str]:
    """The platforms' pages on the local server; returns {platform: start URL}."""
    server.route("/review/acme.example", lambda h: (200, {}, pp.trustpilot(_arg(h, "page", 1))))
    server.route("/store/apps/details", lambda h: (200, {}, pp.google_play(_arg(h, "page", 1))))
    server.route("/products/example-crm/reviews", lambda h: (200, {}, pp.g2(_arg(h, "page", 1))))
    server.route("/p/123/example-payroll/reviews/", lambda h: (200, {}, pp.capterra(_arg(h, "page", 1))))
    server.route("/biz/cafe-example", lambda h: (200, {}, pp.yelp(_arg(h, "start", 0) // pp.PER_PAGE + 1)))
    server.route("/biz/cafe-example-apollo", lambda h: (200, {}, pp.yelp_apollo()))
    server.route("/fr/app/exemple-notes/id123", lambda h: (200, {}, pp.app_store(_arg(h, "page", 1))))
    b = server.base
    return {"trustpilot": b + "/review/acme.example", "google_play": b + "/store/apps/details?id=com.example.notes",
            "g2": b + "/products/example-crm/reviews", "capterra": b + "/p/123/example-payroll/reviews/",
            "yelp": b + "/biz/cafe-example", "yelp_apollo": b + "/biz/cafe-example-apollo",
            "app_store": b + "/fr/app/exemple-notes/id123"}


PREFIX = {"trustpilot": "Trustpilot", "google_play": "GooglePlay", "g2": "G2", "capterra": "Capterra",
          "yelp": "Yelp", "yelp_apollo": "YelpApollo", "app_store": "AppStore"}
STRATEGY = {"trustpilot": "nextdata"}
TITLES = {"trustpilot", "capterra", "app_store", "g2"}


def test_platform_page_state_two_pages_each(server, settings):
    urls = _serve(server)
    results = list(scrape(list(urls.values()), settings))
    by: dict[str, list] = {}
    for page in results:
        name = next(k for k, u in urls.items() if page.start_url == u)
        by.setdefault(name, []).append(page)
    for name, url in urls.items():
        pages = by.get(name) or []
        n_pages = 1 if name == "yelp_apollo" else 2
        assert len(pages) == n_pages, (name, [(p.url, p.error, len(p.reviews)) for p in pages])
        assert all(p.error is None for p in pages), (name, [p.error for p in pages])
        assert all(p.strategy == STRATEGY.get(name, "state") for p in pages), (name, [p.strategy for p in pages])
        got = [r for p in pages for r in p.reviews]
        want = pp.reviews(PREFIX[name], pp.PER_PAGE * n_pages)
        assert [r.text for r in got] == [w.text for w in want], name  # every review, no decoy, in order
        assert [r.author for r in got] == [w.author for w in want], name
        assert [r.rating for r in got] == [float(w.rating) for w in want], name
        assert [r.date for r in got] == [w.day for w in want], name
        if name in TITLES:
            assert [r.title.strip('"') for r in got] == [w.title for w in want], name
        assert len({r.site_review_id for r in got}) == len(got) and None not in {r.site_review_id for r in got}, name
        if n_pages == 2:
            assert pages[0].next_url and pages[0].next_url != pages[0].url, name
            assert pages[-1].next_url is None, name
    tp = by["trustpilot"][0].reviews
    assert tp[0].site_review_id == "Trustpilot-001" and tp[0].date == date(2026, 3, 28)  # publishedDate, not experiencedDate
    assert by["google_play"][1].url.endswith("page=2")  # the page after the one marked aria-current
    assert by["yelp"][1].url.endswith("?start=5")
    assert by["app_store"][1].url.endswith("?page=2")  # aria-label="Page suivante"


def test_decoy_lists_alone_are_not_reviews(server, settings):
    """A page holding only the other businesses / apps / products yields no reviews."""
    import re

    def strip_reviews(html: str) -> str:
        return re.sub(r'"reviews": \[.*?\], "filters"', '"reviews": [], "filters"', html, flags=re.S)

    server.page("/tp-empty", strip_reviews(pp.trustpilot(1)))
    assert '"reviews": []' in strip_reviews(pp.trustpilot(1))
    pages = list(scrape([server.base + "/tp-empty"], settings))
    assert pages[0].reviews == [] and "no reviews found" in pages[0].error


@pytest.fixture(scope="module")
def driver():
    from reviewlens.config import ScraperSettings

    d = make_driver(ScraperSettings(delay=0.0, timeout=10.0, retries=0))
    yield d
    d.quit()


def _live(driver, url: str) -> dict:
    driver.get(url)
    return json.loads(driver.execute_script(EXTRACT_LIVE, None, {}))


def test_pagination_found_by_role_text_and_aria(server, driver):
    urls = _serve(server)
    server.page("/spa", pp.spa_next_button(1))
    server.page("/bestbuy", pp.bestbuy())
    tp = _live(driver, urls["trustpilot"])
    assert tp["next"] == {"url": urls["trustpilot"] + "?page=2"} and tp["more"] is None  # a[aria-label="Next page"]
    assert _live(driver, urls["trustpilot"] + "?page=2")["next"] is None  # aria-disabled, nothing after the current
    gp = _live(driver, urls["google_play"])
    assert gp["next"]["url"].endswith("?id=com.example.notes&page=2")  # nav aria-label=pagination, aria-current=page
    assert _live(driver, urls["capterra"])["next"]["url"].endswith("reviews/?page=2")  # data-testid only
    assert _live(driver, urls["g2"])["next"]["url"].endswith("reviews?page=2")  # "Next ›"
    spa = _live(driver, server.base + "/spa")
    assert set(spa["next"]) == {"click"} and spa["more"] is None
    # the selector names the pagination button, not the carousel's "Next" before it
    assert driver.execute_script("var e = document.querySelectorAll(arguments[0]); return e.length === 1 && "
                                 "e[0].textContent;", spa["next"]["click"]) == "Next page"
    bb = _live(driver, server.base + "/bestbuy")
    assert bb["strategy"] == "microdata" and len(bb["reviews"]) == 10
    assert bb["next"] is None  # the carousel's "Next" is no page
    assert driver.execute_script("return document.querySelector(arguments[0]).textContent;",
                                 bb["more"]["click"]) == "Show More Reviews"


def test_show_more_clicks_until_the_button_is_gone(server, driver):
    server.page("/bestbuy", pp.bestbuy(total=25, per_click=10))
    raw = _live(driver, server.base + "/bestbuy")
    show = ShowMore(driver, timeout=5.0, poll=0.05)
    batches = list(show.batches(raw))
    assert [len(b["reviews"]) for b in batches] == [10, 5]
    assert [b["skip"] for b in batches] == [10, 20]
    ids = [r["id"] for r in raw["reviews"]] + [r["id"] for b in batches for r in b["reviews"]]
    assert ids == [r.id for r in pp.reviews("BestBuy", 25)]  # every review once, in order
    assert show.problem is None and show.reason
    assert batches[-1]["more"] is None  # the button is gone
    assert show.batch(raw["more"]["click"], 25) is None and show.problem is None


def test_show_more_stops_when_nothing_comes(server, driver):
    page = pp.bestbuy(total=12, per_click=10).replace("btn.addEventListener('click'", "btn.addEventListener('nothing'")
    server.page("/stuck", page)
    raw = _live(driver, server.base + "/stuck")
    assert raw["more"]
    show = ShowMore(driver, timeout=1.0, poll=0.05)
    assert list(show.batches(raw)) == []
    assert show.problem and "no new reviews appeared" in show.problem
    hidden = pp.bestbuy(total=12, per_click=10).replace('type="button">Show More', 'type="button" hidden>Show More')
    server.page("/hidden", hidden)
    raw = _live(driver, server.base + "/hidden")
    assert raw["more"] is None  # a hidden button is not offered
    assert ShowMore(driver, timeout=1.0).batch("button.reviews-show-more", 10) is None


# ---- end to end through scrape(): the walker uses result.more (ShowMore) and result.next.click


def test_bestbuy_show_more_end_to_end(server, settings):
    server.page("/bestbuy", pp.bestbuy(total=25, per_click=10))
    pages = list(scrape([server.base + "/bestbuy"], settings))
    got = [r for p in pages for r in p.reviews]
    assert [r.site_review_id for r in got] == [r.id for r in pp.reviews("BestBuy", 25)]
    assert all(p.error is None for p in pages)


def test_next_button_without_link_end_to_end(server, settings):
    server.route("/spa", lambda h: (200, {}, pp.spa_next_button(_arg(h, "page", 1))))
    pages = list(scrape([server.base + "/spa"], settings))
    got = [r for p in pages for r in p.reviews]
    assert [r.site_review_id for r in got] == [r.id for r in pp.reviews("Spa", 10)]
    assert all(p.error is None for p in pages)
