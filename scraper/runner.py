"""`scrape()`: the scraper's entry point. Checks robots.txt, starts browsers (one, or several in
parallel across start URLs), walks every start URL and yields its PageResults in order.

The caller decides when a start URL is done: `crawl.stop(start_url)` between pages (for example
after a page of reviews it has already stored). The scraper never calls back into the caller and
never changes a page it has handed over.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
from datetime import date
from pathlib import Path
from typing import Iterator, Sequence

from selenium.common.exceptions import WebDriverException

from reviewlens.config import ScraperSettings
from reviewlens.schema import PageResult

from .browser import make_driver, quit_driver
from .engine import Walker
from .errors import ScrapeError
from .extract import ERROR_PAGE_JS, EXTRACT_LIVE
from .fetch import first_line
from .layout import LayoutGuess, guess_layout, scrolls_for_more
from .politeness import Politeness
from .retry import RetryPolicy
from .robots import Robots
from .siteconfig import SiteConfig, load_site

log = logging.getLogger(__name__)

MAX_BROWSERS = 4  # each headless Chromium needs ~150-300 MB and a CPU core to be useful


class Crawl:
    """What `scrape()` returns: iterate it for PageResults; `stop(start_url)` ends that start URL after
    the page in hand (the pages already fetched ahead are dropped); `close()` ends everything."""

    def __init__(self) -> None:
        self._stopped: set[str] = set()
        self._lock = threading.Lock()
        self._pages: Iterator[PageResult] = iter(())

    def __iter__(self) -> Crawl:
        return self

    def __next__(self) -> PageResult:
        return next(self._pages)

    def stop(self, start_url: str) -> None:
        with self._lock:
            self._stopped.add(start_url)
        log.info("%s: stopped by the caller", start_url)

    def stopped(self, start_url: str) -> bool:
        with self._lock:
            return start_url in self._stopped

    def close(self) -> None:
        close = getattr(self._pages, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Crawl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_robots(urls: Sequence[str], robots: Robots) -> None:
    blocked = [u for u in urls if not robots.allowed(u)]
    if blocked:
        raise ScrapeError(
            f"robots.txt forbids {robots.user_agent!r} to fetch {', '.join(blocked)}. Nothing was scraped. "
            f"If you are entitled to scrape it anyway, set respect_robots = false under [scraper] in "
            f"reviewlens.toml (or pass --ignore-robots).")


def scrape(urls: Sequence[str], settings: ScraperSettings, *,
           site: str | SiteConfig | None = None,
           max_pages: int | None = None,
           resume: dict[str, str] | None = None,
           debug_dir: Path | None = None,
           backoff: float = 1.0,
           chain: int | None = None,
           fetch_in_page: bool | None = None,
           parallel: int = 8,
           sites_dirs: Sequence[str | Path] = (),
           today: date | None = None,
           newest_first: bool = False) -> Crawl:
    """Scrape reviews from `urls` and the pages after them. Returns a Crawl: one PageResult per page
    (or batch), and `crawl.stop(start_url)` to end a start URL early.

    site: a bundled config name, a TOML path or a SiteConfig; None = zero-config first, then a
        bundled config whose `match` fits the URL.
    max_pages: per start URL (default settings.max_pages). resume: start URL -> URL to continue at.
    debug_dir: screenshots and HTML of failed pages. backoff: first retry wait in seconds (doubles).
    chain: pages handed over per WebDriver round trip by the in-browser fetch job when there is no
        delay (default 16; with a delay, one page at a time).
    parallel: pages fetched concurrently in the browser when there is no delay (predicted URLs).
    fetch_in_page: None = fetch later pages inside the browser where the site allows it; False = navigate.
    newest_first: click the site config's `sort_click` control on each start URL first.
    Raises ScrapeError (when iterated) when no browser can start or robots.txt forbids a start URL.
    """
    crawl = Crawl()
    crawl._pages = _run(crawl, list(dict.fromkeys(urls)), settings, site=site, max_pages=max_pages,
                        resume=resume or {}, debug_dir=debug_dir, backoff=backoff,
                        chain=16 if chain is None else chain, fetch_in_page=fetch_in_page, parallel=parallel,
                        sites_dirs=tuple(sites_dirs), today=today, newest_first=newest_first)
    return crawl


def _run(crawl: Crawl, urls: list[str], settings: ScraperSettings, *, site, max_pages, resume, debug_dir,
         backoff, chain, fetch_in_page, parallel, sites_dirs, today, newest_first
         ) -> Iterator[PageResult]:
    if not urls:
        return
    cfg = site if isinstance(site, SiteConfig) else load_site(site, sites_dirs) if site else None
    robots = Robots(settings.user_agent, timeout=min(settings.timeout, 15.0)) if settings.respect_robots else None
    if robots:
        _check_robots(urls, robots)
    elif settings.respect_robots is False:
        log.warning("robots.txt is NOT being checked (respect_robots = false)")
    common = dict(site=cfg, max_pages=max_pages if max_pages is not None else settings.max_pages,
                  debug_dir=debug_dir, politeness=Politeness(robots, settings.delay),
                  retry=RetryPolicy(retries=settings.retries, backoff=backoff), should_stop=crawl.stopped,
                  chain=chain, sites_dirs=sites_dirs, today=today, fetch_in_page=fetch_in_page, parallel=parallel,
                  newest_first=newest_first)
    n_browsers = max(1, min(int(settings.browsers or 1), len(urls), MAX_BROWSERS))
    log.info("scraping %d start URL(s) with %d browser(s)%s", len(urls), n_browsers,
             f", site config '{cfg.name}'" if cfg else "")
    pages = (_sequential(urls, settings, resume, common) if n_browsers == 1
             else _parallel(urls, settings, resume, common, n_browsers))
    try:
        yield from pages
    finally:
        pages.close()


def guess_site(url: str, settings: ScraperSettings, *, wait: float = 4.0) -> tuple[LayoutGuess, int]:
    """Load `url` in Chromium (robots rules applied) and guess its reviews' site config from the page's layout
    (scraper/layout.py), waiting up to `wait` seconds for a script to render them. Returns (the guess, how many
    reviews zero-config extraction reads on the page: a page that publishes structured reviews needs no config).
    Raises ScrapeError when robots.txt forbids the page or no browser starts."""
    robots = Robots(settings.user_agent, timeout=min(settings.timeout, 15.0)) if settings.respect_robots else None
    if robots:
        _check_robots([url], robots)
    driver = make_driver(settings)
    try:
        try:
            driver.get(url)
        except WebDriverException as e:  # a refused connection, a timeout: one line, not the driver's stack
            m = re.search(r"net::(ERR_[A-Z_]+)", str(e))
            raise ScrapeError(f"{url} did not load ({f'net::{m.group(1)}' if m else first_line(e)}): nothing to guess "
                              f"from") from None
        failed = driver.execute_script(ERROR_PAGE_JS)
        status = int(json.loads(driver.execute_script(EXTRACT_LIVE, None, {}) or "{}").get("status") or 0)
        if failed or status >= 400:  # not a page without reviews: no page at all
            raise ScrapeError(f"{url} did not load ({f'net::{failed}' if failed else f'HTTP {status}'}): "
                              f"nothing to guess from")
        deadline = time.monotonic() + wait
        while True:
            guess = guess_layout(driver, url)
            if guess.site is not None or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        if guess.site is not None:
            if guess.site.cookie_banner:  # it locks scrolling on some sites
                driver.execute_script("var b = document.querySelector(arguments[0]); if (b) b.click();",
                                      guess.site.cookie_banner)
            scrolls_for_more(driver, guess)
        raw = json.loads(driver.execute_script(EXTRACT_LIVE, None, {}) or "{}")
        return guess, len(raw.get("reviews") or [])
    finally:
        quit_driver(driver)


def _sequential(urls: list[str], settings: ScraperSettings, resume: dict[str, str], common: dict
                ) -> Iterator[PageResult]:
    cancel = threading.Event()
    driver = make_driver(settings)
    try:
        walker = Walker(driver, settings, cancel=cancel, **common)
        for u in urls:
            n = 0
            for page in walker.walk(u, resume.get(u)):
                n += len(page.reviews)
                yield page  # the consumer may call crawl.stop(u) before asking for the next page
            log.info("%s: %d reviews", u, n)
    finally:
        cancel.set()
        quit_driver(driver)


_DONE = object()


def _parallel(urls: list[str], settings: ScraperSettings, resume: dict[str, str], common: dict,
              n_browsers: int) -> Iterator[PageResult]:
    """Several browsers, each taking the next start URL; pages of one URL stay in order.

    Each worker hands a page over and waits until the consumer comes back for the next one before
    fetching the next page of that URL (so a `crawl.stop` made in between is seen); other workers
    keep going.
    """
    cancel = threading.Event()
    todo: queue.Queue[str] = queue.Queue()
    for u in urls:
        todo.put(u)
    out: queue.Queue = queue.Queue()

    def worker(idx: int) -> None:
        driver = None
        try:
            driver = make_driver(settings)
            walker = Walker(driver, settings, cancel=cancel, **common)
            while not cancel.is_set():
                try:
                    u = todo.get_nowait()
                except queue.Empty:
                    return
                for page in walker.walk(u, resume.get(u)):
                    handed = threading.Event()
                    out.put((page, handed))
                    while not handed.wait(0.2):
                        if cancel.is_set():
                            return
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            out.put((e, None))
        finally:
            quit_driver(driver)
            out.put((_DONE, idx))

    threads = [threading.Thread(target=worker, args=(i,), name=f"scraper-browser-{i}", daemon=True)
               for i in range(n_browsers)]
    for t in threads:
        t.start()
    running = len(threads)
    try:
        while running:
            item, handed = out.get()
            if item is _DONE:
                running -= 1
                continue
            if isinstance(item, BaseException):
                raise item
            try:
                yield item
            finally:
                handed.set()
    finally:
        cancel.set()
        for t in threads:
            t.join(timeout=30)
