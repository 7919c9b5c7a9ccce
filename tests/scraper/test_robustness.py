"""Politeness and failure handling against a local test server: robots.txt, retries with backoff and
Retry-After, malformed pages, missing fields, a browser that cannot start."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reviewlens.config import ScraperSettings
from scraper import ScrapeError, scrape
from tests.scraper.helpers import jsonld_page


def _reviews(prefix: str, n: int = 3) -> list[dict]:
    return [{"id": f"{prefix}{i}", "text": f"Review number {i} on {prefix}, long enough to be a review."}
            for i in range(n)]


def test_robots_disallow_raises_and_override_works(server, settings):
    server.page("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    server.page("/private/p1", jsonld_page(_reviews("a")))
    with pytest.raises(ScrapeError, match="respect_robots = false") as e:
        list(scrape([server.base + "/private/p1"], settings))
    assert "robots.txt forbids" in str(e.value) and server.hits("/private/p1") == 0
    settings.respect_robots = False
    pages = list(scrape([server.base + "/private/p1"], settings))
    assert len(pages[0].reviews) == 3 and server.hits("/private/p1") == 1


def test_robots_disallowed_next_page_is_reported_not_fetched(server, settings):
    server.page("/robots.txt", "User-agent: *\nDisallow: /p3\n")
    server.page("/p1", jsonld_page(_reviews("a"), "/p2"))
    server.page("/p2", jsonld_page(_reviews("b"), "/p3"))
    server.page("/p3", jsonld_page(_reviews("c")))
    pages = list(scrape([server.base + "/p1"], settings))
    assert [len(p.reviews) for p in pages] == [3, 3, 0]
    assert "robots.txt" in pages[-1].error and server.base + "/p3" in pages[-1].error
    assert server.hits("/p3") == 0


def test_retry_with_backoff_on_503_then_retry_after_on_429(server, settings):
    """Page 1 (navigated) answers 503 once; page 2 (fetched in the browser) answers 429 with
    Retry-After: 1 once. Both are retried and nothing is lost."""
    counts = {"p1": 0, "p2": 0}

    def p1(_h):
        counts["p1"] += 1
        return (503, {}, "busy") if counts["p1"] == 1 else (200, {}, jsonld_page(_reviews("a"), "/p2"))

    def p2(_h):
        counts["p2"] += 1
        if counts["p2"] == 1:
            return 429, {"Retry-After": "1"}, "slow down"
        return 200, {}, jsonld_page(_reviews("b"))

    server.route("/p1", p1)
    server.route("/p2", p2)
    t0 = time.monotonic()
    pages = list(scrape([server.base + "/p1"], settings, backoff=0.3))
    elapsed = time.monotonic() - t0
    assert [len(p.reviews) for p in pages] == [3, 3] and not any(p.error for p in pages)
    assert counts == {"p1": 2, "p2": 2}
    assert elapsed >= 1.3  # 0.3 s backoff + 1 s Retry-After


def test_gives_up_after_retries_with_a_clear_error(server, settings, tmp_path):
    server.page("/down", "<h1>Service Unavailable</h1>", status=503)
    settings.retries = 1
    pages = list(scrape([server.base + "/down"], settings, backoff=0.05, debug_dir=tmp_path))
    assert len(pages) == 1 and pages[0].reviews == []
    assert "gave up on " + server.base + "/down after 2 attempts: HTTP 503" in pages[0].error
    assert pages[0].next_url == server.base + "/down"  # a later run resumes at the failed page
    assert server.hits("/down") == 2 and pages[0].debug_files


def test_http_404_is_reported_without_retry(server, settings):
    pages = list(scrape([server.base + "/missing"], settings, backoff=0.05))
    assert "HTTP 404 at " + server.base + "/missing" in pages[0].error
    assert server.hits("/missing") == 1


def test_malformed_page_reports_and_saves_debug_files(server, settings, tmp_path):
    html = ('<html><head><script type="application/ld+json">{"@type": "Review", "reviewBody": oops</script>'
            '</head><body><div class="review"><p>Looks like a review but has no structure</p></div></body></html>')
    server.page("/broken", html)
    pages = list(scrape([server.base + "/broken"], settings, debug_dir=tmp_path))
    err = pages[0].error
    assert "no reviews found at " + server.base + "/broken" in err
    assert "JSON-LD block 1 is not valid JSON" in err
    files = [Path(f) for f in pages[0].debug_files]
    assert {f.suffix for f in files} == {".png", ".html"}
    assert all(f.is_file() and f.stat().st_size > 0 for f in files)
    assert "Looks like a review" in next(f for f in files if f.suffix == ".html").read_text(encoding="utf-8")


def test_missing_fields_reported_and_nothing_lost(server, settings, tmp_path):
    """A config page where one block lacks text and no block has the configured rating element."""
    blocks = "".join(
        f'<div class="r" data-id="r{i}"><b class="who">User {i}</b><p class="body">{"" if i == 2 else f"Text of review {i} here."}</p></div>'
        for i in range(5))
    server.page("/cfg", f"<html><body><h1>Thing</h1>{blocks}</body></html>")
    cfg = tmp_path / "t.toml"
    cfg.write_text('match = "127.0.0.1:*/cfg"\nreview = ".r"\n[fields]\ntext = ".body"\nauthor = ".who"\n'
                   'rating = ".stars"\nid = { attr = "data-id" }\n', encoding="utf-8")
    pages = list(scrape([server.base + "/cfg"], settings, site=str(cfg), debug_dir=tmp_path / "dbg"))
    p = pages[0]
    assert [r.site_review_id for r in p.reviews] == ["r0", "r1", "r3", "r4"]  # the rest is kept
    assert all(r.rating is None and r.author.startswith("User") for r in p.reviews)
    assert p.skipped_ids == ["r2"] and "missing field 'text'" not in p.error  # one of five: stars without words
    assert "field 'rating' (selector '.stars') missing in all 5 reviews" in p.error
    assert "layout may have changed" in p.error
    assert len(p.debug_files) == 2


def test_browser_that_cannot_start_is_a_clear_error(server, settings):
    server.page("/p", jsonld_page(_reviews("a")))
    settings.chromedriver = "/nonexistent/chromedriver"
    with pytest.raises(ScrapeError, match="apt-get install chromium chromium-driver"):
        list(scrape([server.base + "/p"], settings))
    bad_grid = ScraperSettings(grid_url="http://127.0.0.1:9", timeout=5, respect_robots=False)
    with pytest.raises(ScrapeError, match="remote WebDriver / Selenium Grid at http://127.0.0.1:9"):
        list(scrape([server.base + "/p"], bad_grid))


def test_wrong_page_guesses_are_discarded(server, settings):
    """Without a delay later pages are fetched concurrently on guessed URLs (page=N+1...). A site whose
    next links jump (3 -> 10) must still give exactly its pages, in order."""
    chain = {1: 2, 2: 3, 3: 10, 10: 11, 11: None}
    for n, nxt in chain.items():
        server.page(f"/list?page={n}", jsonld_page(_reviews(f"p{n}-"), f"/list?page={nxt}" if nxt else None))
    server.page("/list", jsonld_page(_reviews("p1-"), "/list?page=2"))
    pages = list(scrape([server.base + "/list"], settings))
    assert [p.url.split("/")[-1] for p in pages] == ["list", "list?page=2", "list?page=3", "list?page=10",
                                                      "list?page=11"]
    assert [r.site_review_id[:3] for p in pages for r in p.reviews][::3] == ["p1-", "p2-", "p3-", "p10", "p11"]
    assert not any(p.error for p in pages)
    assert server.hits("/list?page=4") >= 1  # a guess was made (and thrown away)


def test_pages_fetched_one_by_one_with_a_delay(server, settings):
    for n in range(1, 5):
        server.page(f"/d?page={n}", jsonld_page(_reviews(f"d{n}-"), f"/d?page={n + 1}" if n < 4 else None))
    settings.delay = 0.2
    t0 = time.monotonic()
    pages = list(scrape([server.base + "/d?page=1"], settings))
    assert len(pages) == 4 and time.monotonic() - t0 >= 0.6  # 3 gaps of 0.2 s between 4 pages
    assert server.hits("/d?page=5") == 0  # no guessing when there is a delay


def test_incremental_stop_with_a_delay_fetches_at_most_one_page_ahead(server, settings):
    """With a delay the in-browser fetch job runs at most one page ahead of the consumer: an
    incremental run that stops at page 2 never asks for page 4, even while the same browser goes
    on to scrape another start URL."""
    for n in range(1, 9):
        server.page(f"/inc?page={n}", jsonld_page(_reviews(f"i{n}-"), f"/inc?page={n + 1}" if n < 8 else None))
        server.page(f"/other?page={n}", jsonld_page(_reviews(f"o{n}-"), f"/other?page={n + 1}" if n < 8 else None))
    settings.delay = 0.05
    crawl = scrape([server.base + "/inc?page=1", server.base + "/other?page=1"], settings)
    pages = []
    for page in crawl:
        pages.append(page)
        if len(pages) == 2:
            crawl.stop(page.start_url)  # page 2 of the first start URL is "already seen"
    assert [p.url.split("/")[-1] for p in pages][:2] == ["inc?page=1", "inc?page=2"]
    assert len(pages) == 10  # 2 + all 8 of the second start URL
    assert server.hits("/inc?page=3") <= 1
    assert sum(server.hits(f"/inc?page={n}") for n in range(4, 9)) == 0


def test_closing_a_walk_stops_its_in_browser_job(server, settings):
    """Without a delay the job fetches ahead of the consumer (a bounded buffer plus the concurrent
    window); when the walk is closed the job is stopped: no job is left in the page and the site
    gets no more requests."""
    import threading

    from scraper.browser import make_driver, quit_driver
    from scraper.engine import Walker
    from scraper.politeness import Politeness
    from scraper.retry import RetryPolicy

    for n in range(1, 121):
        server.page(f"/big?page={n}", jsonld_page(_reviews(f"b{n}-"), f"/big?page={n + 1}" if n < 120 else None))
    driver = make_driver(settings)
    try:
        walker = Walker(driver, settings, site=None, max_pages=1000, debug_dir=None, politeness=Politeness(None),
                        retry=RetryPolicy(settings.retries), cancel=threading.Event())
        walk = walker.walk(server.base + "/big?page=1")
        got = [next(walk) for _ in range(3)]  # page 1 navigated, 2 and 3 from the in-browser job
        assert [p.url.split("=")[-1] for p in got] == ["1", "2", "3"]
        assert driver.execute_script("return Object.keys(window.__reviewlensJobs || {}).length") == 1
        walk.close()
        assert driver.execute_script("return Object.keys(window.__reviewlensJobs || {}).length") == 0
        def fetched() -> int:
            return sum(server.hits(f"/big?page={n}") for n in range(1, 121))

        before, deadline = -1, time.monotonic() + 10
        while fetched() != before and time.monotonic() < deadline:  # requests already in flight arrive
            before = fetched()
            time.sleep(0.5)
        time.sleep(0.5)
        assert fetched() == before  # and nothing after them
        # page 1 + one take (16) + the buffer (2 x 16) + the concurrent window (8)
        assert before <= 1 + 16 + 2 * 16 + 8, before
        assert server.hits("/big?page=120") == 0
    finally:
        quit_driver(driver)


def test_page_that_navigates_itself_mid_run_loses_nothing(server, settings):
    """A page whose own script reloads it (once) while the in-browser job is still fetching the next
    pages ends the job; the scraper starts the job again on the new document and gets every page once."""
    reload_js = ("<script>if (!sessionStorage.getItem('reloaded')) { sessionStorage.setItem('reloaded', '1');"
                 " setTimeout(function () { location.reload(); }, 150); }</script>")

    def slow(n):
        def route(h):
            time.sleep(0.12)  # the job is still busy when the page reloads itself
            return 200, {}, jsonld_page(_reviews(f"n{n}-"), f"/nav?page={n + 1}" if n < 6 else None)
        return route

    server.page("/nav?page=1", jsonld_page(_reviews("n1-"), "/nav?page=2").replace("</body>", reload_js + "</body>"))
    for n in range(2, 7):
        server.route(f"/nav?page={n}", slow(n))
    settings.retries = 1
    pages = list(scrape([server.base + "/nav?page=1"], settings))
    got = [r.site_review_id for p in pages for r in p.reviews]
    assert sorted(got) == sorted(f"n{n}-{i}" for n in range(1, 7) for i in range(3)), [p.url for p in pages]
    assert not [p.error for p in pages if p.error]
