"""A site config meeting a changed or failing site, with real Chromium against a local site: a `wait_for`
that never appears (a served page, said as such, not retried), a page that fails mid-walk (the attempts
counted honestly; a page parameter walks on past it), and which config a URL gets."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

from reviewlens.config import ScraperSettings
from scraper import find_site, scrape
from scraper.extract import build_reviews

CARDS = 'review = "#reviews .rev"\n[fields]\ntext = ".body"\nid = { attr = "data-id" }\n'


def _page(n: int, last: int = 4, card: str = "rev", param: bool = False) -> str:
    revs = "".join(f'<div class="{card}" data-id="p{n}{c}"><p class="body">Page {n} review {c}: a fine kettle.</p>'
                   f'</div>' for c in "ab")
    href = f"/p?page={n + 1}" if param else f"/p{n + 1}.html"
    nxt = f'<a class="next" href="{href}">Next</a>' if n < last else ""
    return f'<html><body><h1>Kettle</h1><div id="reviews">{revs}</div>{nxt}</body></html>'


def _config(tmp_path, text: str):
    path = tmp_path / "kettle.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_wait_for_that_never_appears_is_a_served_page_said_as_such_and_not_retried(server, tmp_path):
    """The layout changed (the cards got another class): the page loaded, only the config's wait_for is not
    on it. One load, a message naming the selector, and the page is not marked as unserved (next_url is not
    the page itself, the engine's mark of a page the site did not serve)."""
    server.page("/p1.html", _page(1, last=1, card="review-card"))
    site = _config(tmp_path, 'wait_for = ".rev"\n' + CARDS)
    settings = ScraperSettings(delay=0.0, timeout=1.0, retries=3)
    t0 = time.monotonic()
    pages = list(scrape([server.base + "/p1.html"], settings, site=site))
    took = time.monotonic() - t0
    assert len(pages) == 1 and pages[0].reviews == []
    err = pages[0].error
    assert "wait_for '.rev' never appeared" in err and "layout may have changed" in err, err
    assert "timed out" not in err and "gave up" not in err, err
    assert pages[0].next_url != pages[0].url
    assert server.hits("/p1.html") == 1  # not retried like a site that is down
    assert took < 8, took


def test_a_wait_for_found_late_still_waits_and_a_missing_one_with_reviews_is_reported(server, tmp_path):
    server.page("/p1.html", _page(1, last=1))
    site = _config(tmp_path, 'wait_for = ".gone"\n' + CARDS)
    pages = list(scrape([server.base + "/p1.html"], ScraperSettings(delay=0.0, timeout=1.0, retries=3), site=site))
    assert [len(p.reviews) for p in pages] == [2]
    assert "wait_for '.gone' never appeared" in pages[0].error and "fix or remove wait_for" in pages[0].error
    assert server.hits("/p1.html") == 1


def test_a_failed_page_of_a_page_parameter_walk_is_passed_and_its_attempts_counted(server, tmp_path):
    """Page 2 answers HTTP 500 every time. The config's pages are a page parameter, so the walk goes on to
    pages 3 and 4. Page 2 was fetched in the browser and then navigated to: the error counts every one of
    those requests."""
    def route(h):
        n = int(parse_qs(urlsplit(h.path).query).get("page", ["1"])[0])
        if n == 2:
            return 500, {}, "Internal error"
        return (200, {}, _page(n, param=True)) if n <= 4 else (404, {}, "no such page")

    server.route("/p", route)
    site = _config(tmp_path, 'page_param = "page"\nfetch_in_page = true\n' + CARDS)
    pages = list(scrape([server.base + "/p?page=1"], ScraperSettings(delay=0.0, timeout=5.0, retries=2),
                        site=site, backoff=0.05))
    got = {p.url.split("page=")[1]: (len(p.reviews), p.error) for p in pages}
    assert got["1"][0] == 2 and got["3"][0] == 2 and got["4"][0] == 2, got
    failed = [p for p in pages if p.error]
    assert len(failed) == 1 and failed[0].next_url == failed[0].url  # its own resume point: not served
    hits = server.hits("/p?page=2")
    assert f"after {hits} attempts" in failed[0].error, (hits, failed[0].error)


def test_a_failed_page_of_a_next_link_walk_ends_the_walk_there(server, tmp_path):
    for n in (1, 3):
        server.page(f"/p{n}.html", _page(n))
    server.page("/p2.html", "Internal error", status=500)
    site = _config(tmp_path, 'next = "a.next"\n' + CARDS)
    pages = list(scrape([server.base + "/p1.html"], ScraperSettings(delay=0.0, timeout=5.0, retries=1),
                        site=site, backoff=0.05))
    assert [len(p.reviews) for p in pages] == [2, 0] and pages[-1].next_url == pages[-1].url
    assert "after 2 attempts" in pages[-1].error and server.hits("/p2.html") == 2
    assert server.hits("/p3.html") == 0


def test_the_demo_configs_match_only_the_demo_shop(tmp_path):
    """A user's own local site under /static/ is not the demo shop."""
    assert find_site("http://127.0.0.1:8000/static/my-product") is None
    assert find_site("http://localhost:8000/load-more/x") is None
    from reviewlens.app.demo_shop import demo_urls

    urls = demo_urls("http://127.0.0.1:8765")
    static = next(u for u in urls if "/static/" in u)
    assert find_site(static).name == "demo-static"


def test_two_configs_matching_one_url_are_both_named(tmp_path, caplog):
    for name in ("a-shop", "b-shop"):
        (tmp_path / f"{name}.toml").write_text('match = "127.0.0.1:*/kettle/*"\n' + CARDS, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="scraper.siteconfig"):
        cfg = find_site("http://127.0.0.1:9/kettle/1", [tmp_path])
    other = "a-shop" if cfg.name == "b-shop" else "b-shop"
    assert f"site config '{cfg.name}'" in caplog.text and f"'{other}'" in caplog.text and "also matches" in caplog.text


def test_a_rating_missing_in_every_review_is_said_once(tmp_path):
    """A star count that found no stars is a missing rating, not also 'an unreadable rating 0'."""
    from scraper import load_site

    cfg = load_site(_config(tmp_path, 'review = ".rev"\n[fields]\ntext = ".body"\n'
                                      'rating = { selector = ".star.on", count = true }\n'))
    raw = {"reviews": [{"text": f"Review {i} is long enough.", "rating": 0, "missing": ["rating"]} for i in range(6)]}
    _, problems, notes = build_reviews(raw, page_url="http://x/p", source="s", site=cfg)
    assert len(problems) == 1 and "missing in all 6 reviews" in problems[0] and not notes.data, (problems, notes)
    raw = {"reviews": [{"text": f"Review {i} is long enough.", "rating": "great", "missing": []} for i in range(2)]}
    _, problems, notes = build_reviews(raw, page_url="http://x/p", source="s", site=cfg)
    assert not problems and notes.data == ["2 reviews with a rating that could not be read ('great') at http://x/p"]


def test_a_short_last_page_without_titles_is_no_layout_change(tmp_path):
    """A product's last page held one review, without a title (15% of the demo's have none): the run was 'partial',
    "field 'title' missing in all 1 reviews: the page layout may have changed", a debug capture and an alert."""
    from scraper import load_site

    cfg = load_site(_config(tmp_path, 'review = ".rev"\n[fields]\ntext = ".body"\ntitle = ".t"\n'))
    for n, said in ((1, False), (2, False), (3, True)):
        raw = {"reviews": [{"text": f"Review {i} is long enough.", "missing": ["title"]} for i in range(n)]}
        _, problems, _ = build_reviews(raw, page_url="http://x/p", source="s", site=cfg)
        assert bool(problems) == said and all("field 'title'" in p for p in problems), (n, problems)



def test_a_config_whose_next_link_no_longer_matches_is_noted_by_the_page_count(server, tmp_path):
    """The shop renamed its "next" link: the config reads page 1 of 4 and the run said "ok" with 2 of 8 reviews.
    The page's AggregateRating counts 8: the summary says so, and points at the config's selector."""
    agg = ('<div itemscope itemtype="https://schema.org/Product"><meta itemprop="name" content="Kettle">'
           '<div itemprop="aggregateRating" itemscope itemtype="https://schema.org/AggregateRating">'
           '<meta itemprop="ratingValue" content="4.1"><meta itemprop="reviewCount" content="8"></div></div>')
    for n in range(1, 5):
        server.page(f"/p{n}.html", _page(n).replace('class="next"', 'class="pager-next"').replace("<h1>", agg + "<h1>"))
    from reviewlens.app import jobs
    from reviewlens.config import load_settings
    from reviewlens.store import Store

    settings = load_settings(None, db=str(tmp_path / "s.db"), data_dir=str(tmp_path / "data"))
    settings.scraper.delay = 0.0
    run = jobs.run_scrape(Store(tmp_path / "s.db"), settings, [server.base + "/p1.html"],
                          site=_config(tmp_path, 'next = "a.next"\n' + CARDS), quiet=True)
    assert (run.status, run.pages, run.new) == ("ok", 1, 2)
    said = [n for n in run.notes if "says it has 8 reviews, this run read 2" in n]
    assert len(said) == 1 and "site config's next-page or load-more selector" in said[0] and "read 1 page" in said[0]


def test_a_port_browsers_block_and_a_name_that_does_not_resolve_are_said_plainly():
    """Chromium refuses ports such as 6000 (X11) before connecting: the error said only "(ERR_UNSAFE_PORT)"."""
    settings = ScraperSettings(delay=0.0, timeout=5.0, retries=1)
    for url, said in (("http://127.0.0.1:6000/reviews", "does not open this port"),
                      ("http://nowhere.invalid/reviews", "the host name does not resolve")):
        pages = list(scrape([url], settings))
        assert len(pages) == 1 and not pages[0].reviews, url
        assert said in pages[0].error, pages[0].error
