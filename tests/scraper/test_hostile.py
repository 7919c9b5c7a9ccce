"""A hostile world against a local paginated JSON-LD site: broken pages, rate limits, redirect loops,
bad configs, a killed scrape, and the agent robots.txt rules are checked for. Each test reproduces a
defect found by trying to break the scraper."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from scraper import ScrapeError, scrape
from scraper.siteconfig import SiteConfig
from tests.scraper.helpers import jsonld_page


def _reviews(page: int, n: int = 10) -> list[dict]:
    return [{"id": f"p{page}-{i}", "text": f"Review {i} of page {page}, long enough to count as a review."}
            for i in range(n)]


def _site(server, pages: int = 10, path: str = "/r") -> None:
    for n in range(1, pages + 1):
        server.page(f"{path}?page={n}", jsonld_page(_reviews(n), f"{path}?page={n + 1}" if n < pages else None))


def _ids(pages) -> set[str]:
    return {r.site_review_id for p in pages for r in p.reviews}


@pytest.mark.parametrize("fetch_in_page", [None, False], ids=["in-page", "navigated"])
def test_one_bad_page_does_not_end_the_scrape(server, settings, tmp_path, fetch_in_page):
    """Page 2 has invalid JSON-LD, page 4 is cut off halfway (no pager left on it): both are
    reported with their cause, and the other 80 reviews are all collected."""
    _site(server)
    broken = jsonld_page(_reviews(2), "/r?page=3").replace('"@type": "Product"', '"@type": "Product",,')
    server.page("/r?page=2", broken)
    server.page("/r?page=4", jsonld_page(_reviews(4), "/r?page=5"), headers={"X-Cut-Off": "1"})
    settings.retries = 1
    t0 = time.monotonic()
    pages = list(scrape([server.base + "/r?page=1"], settings, fetch_in_page=fetch_in_page, backoff=0.1,
                        debug_dir=tmp_path))
    took = time.monotonic() - t0
    got = _ids(pages)
    want = {f"p{n}-{i}" for n in range(1, 11) if n not in (2, 4) for i in range(10)}
    assert got == want, sorted({r.split("-")[0] for r in want - got})
    errors = {p.url.rsplit("=", 1)[-1]: p.error for p in pages if p.error}
    assert set(errors) == {"2", "4"}, errors
    assert "not valid JSON" in errors["2"]
    assert "cut the page off" in errors["4"]
    # Each broken page says where the walk goes on, so a resumed run does not stop there either.
    assert [p.next_url for p in pages if p.error and p.url.endswith("=2")][0].endswith("page=3")
    assert took < 40  # no minute-long stall in a screenshot of the cut-off page


def test_retry_after_and_backoff_are_waited_for(server, settings):
    """A 429 with Retry-After: 2 on page 3 is asked again no sooner than 2 s later; a 500 on page 5
    after the backoff (1 s)."""
    _site(server, pages=6)
    calls = {"3": 0, "5": 0}

    def flaky(n, status, headers):
        def route(h):
            calls[str(n)] += 1
            if calls[str(n)] == 1:
                return status, dict(headers), "busy"
            return 200, {}, jsonld_page(_reviews(n), f"/r?page={n + 1}")
        return route

    server.route("/r?page=3", flaky(3, 429, {"Retry-After": "2"}))
    server.route("/r?page=5", flaky(5, 500, {}))
    settings.delay = 0.0
    pages = list(scrape([server.base + "/r?page=1"], settings, backoff=1.0))
    assert _ids(pages) == {f"p{n}-{i}" for n in range(1, 7) for i in range(10)}
    t3 = [t for path, t, _ in server.requests("/r?page=3")]
    t5 = [t for path, t, _ in server.requests("/r?page=5")]
    # A HEAD for Retry-After may come between (navigated 429s); the page itself is asked again later.
    assert len(t3) >= 2 and t3[-1] - t3[0] >= 1.95, t3
    assert len(t5) >= 2 and t5[-1] - t5[0] >= 0.95, t5


def test_redirect_loop_is_reported_under_the_url_that_loops(server, settings):
    server.page("/loop", "", status=302, headers={"Location": "/loop"})
    settings.retries = 1
    pages = list(scrape([server.base + "/loop"], settings, backoff=0.1))
    assert len(pages) == 1 and pages[0].url == server.base + "/loop"
    assert "redirect loop" in pages[0].error and "ERR_TOO_MANY_REDIRECTS" in pages[0].error
    assert not pages[0].url.startswith("chrome-error")


def test_an_invalid_selector_is_a_config_error_not_a_retry(server, settings):
    _site(server, pages=1)
    site = SiteConfig(name="broken", review="div.review", fields={"text": {"selector": "p"}},
                      wait_for="div[[[[")
    with pytest.raises(ScrapeError, match=r"wait_for = 'div\[\[\[\[' is not a valid CSS selector"):
        list(scrape([server.base + "/r?page=1"], settings, site=site))
    assert server.hits("/r?page=1") == 1


def test_pages_are_fetched_with_the_agent_robots_txt_was_checked_for(server, settings):
    _site(server, pages=4)
    settings.user_agent = "ReviewLensTestBot/9.9 (+https://example.org/bot)"
    pages = list(scrape([server.base + "/r?page=1"], settings))
    assert len(pages) == 4
    agents = {ua for path, _, ua in server.requests() if path.startswith("/r?page=")}
    assert agents == {settings.user_agent}  # navigated page 1 and in-page fetched pages 2-4 alike
    assert {ua for path, _, ua in server.requests("/robots.txt")} == {settings.user_agent}


def test_browsers_of_a_killed_scrape_are_ended_by_the_next_run(server, settings, tmp_path):
    """kill -9 of a scrape leaves chromedriver and Chromium behind; the next browser start finds the
    session the dead run recorded and ends it."""
    from scraper import orphans

    server.page("/slow", "<html><body>waiting</body></html>")
    env = dict(os.environ, REVIEWLENS_RUNTIME_DIR=str(tmp_path), SE_OFFLINE="true")
    code = textwrap.dedent(f"""
        import time
        from reviewlens.config import ScraperSettings
        from scraper.browser import make_driver
        d = make_driver(ScraperSettings())
        d.get({server.base + "/slow"!r})
        print(d.service.process.pid, flush=True)
        time.sleep(120)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env,
                             cwd=os.getcwd())
    try:
        session = int(child.stdout.readline())
        assert len(orphans.session_browsers(session)) >= 2  # chromedriver + Chromium
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        time.sleep(0.5)
        assert orphans.session_browsers(session), "the browsers outlived the killed scrape"
        os.environ["REVIEWLENS_RUNTIME_DIR"] = str(tmp_path)
        try:
            pages = list(scrape([server.base + "/slow"], settings))  # the next run
        finally:
            del os.environ["REVIEWLENS_RUNTIME_DIR"]
        assert len(pages) == 1
        deadline = time.monotonic() + 10
        while orphans.session_browsers(session) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert orphans.session_browsers(session) == []
        assert list(tmp_path.glob("*.json")) == []
    finally:
        if child.poll() is None:
            child.kill()
