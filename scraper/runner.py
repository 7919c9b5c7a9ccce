"""`scrape()`: the scraper's entry point. Checks robots.txt, starts browsers (one, or several in
parallel across start URLs), walks every start URL and yields its PageResults in order."""

from __future__ import annotations

import logging
import queue
import threading
from datetime import date
from pathlib import Path
from typing import Callable, Iterator, Sequence

from reviewlens.config import ScraperSettings
from reviewlens.schema import PageResult, Review

from .browser import make_driver, quit_driver
from .engine import Pacer, Walker
from .errors import ScrapeError
from .robots import Robots
from .siteconfig import SiteConfig, load_site

log = logging.getLogger(__name__)

MAX_BROWSERS = 4  # each headless Chromium needs ~150-300 MB and a CPU core to be useful


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
           stop_check: Callable[[list[Review]], bool] | None = None,
           debug_dir: Path | None = None,
           backoff: float = 1.0,
           chain: int | None = None,
           fetch_in_page: bool | None = None,
           parallel: int = 8,
           sites_dirs: Sequence[str | Path] = (),
           today: date | None = None) -> Iterator[PageResult]:
    """Scrape reviews from `urls` and the pages after them. One PageResult per page (or batch).

    site: a bundled config name, a TOML path or a SiteConfig; None = zero-config first, then a
        bundled config whose `match` fits the URL.
    max_pages: per start URL (default settings.max_pages). resume: start URL -> URL to continue at.
    stop_check(reviews) is called for each page before it is yielded; True stops that start URL
        (the page is still yielded, with next_url None).
    debug_dir: screenshots and HTML of failed pages. backoff: first retry wait in seconds (doubles).
    chain: pages handed over per WebDriver round trip by the in-browser fetch job when there is no
        delay (default 16; with a delay, one page at a time).
    parallel: pages fetched concurrently in the browser when there is no delay (predicted URLs).
    fetch_in_page: None = fetch later pages inside the browser where the site allows it; False = navigate.
    Raises ScrapeError when no browser can start or robots.txt forbids a start URL.
    """
    urls = list(dict.fromkeys(urls))
    if not urls:
        return
    cfg = site if isinstance(site, SiteConfig) else load_site(site, sites_dirs) if site else None
    robots = Robots(settings.user_agent, timeout=min(settings.timeout, 15.0)) if settings.respect_robots else None
    if robots:
        _check_robots(urls, robots)
    elif settings.respect_robots is False:
        log.warning("robots.txt is NOT being checked (respect_robots = false)")
    limit = max_pages if max_pages is not None else settings.max_pages
    if chain is None:
        chain = 16
    resume = resume or {}
    n_browsers = max(1, min(int(settings.browsers or 1), len(urls), MAX_BROWSERS))
    common = dict(site=cfg, max_pages=limit, debug_dir=debug_dir, robots=robots, pacer=Pacer(),
                  backoff=backoff, chain=chain, sites_dirs=tuple(sites_dirs), today=today,
                  fetch_in_page=fetch_in_page, parallel=parallel)
    log.info("scraping %d start URL(s) with %d browser(s)%s", len(urls), n_browsers,
             f", site config '{cfg.name}'" if cfg else "")
    if n_browsers == 1:
        yield from _sequential(urls, settings, resume, stop_check, common)
    else:
        yield from _parallel(urls, settings, resume, stop_check, common, n_browsers)


def _sequential(urls: list[str], settings: ScraperSettings, resume: dict[str, str],
                stop_check: Callable[[list[Review]], bool] | None, common: dict) -> Iterator[PageResult]:
    cancel = threading.Event()
    driver = make_driver(settings)
    try:
        walker = Walker(driver, settings, cancel=cancel, **common)
        for u in urls:
            n = 0
            for page in walker.walk(u, resume.get(u)):
                n += len(page.reviews)
                if stop_check is not None and page.reviews and stop_check(page.reviews):
                    log.info("%s: page already seen; stopping this start URL (incremental)", page.url)
                    walker.stopped = True
                    page.next_url = None
                yield page
            log.info("%s: %d reviews", u, n)
    finally:
        cancel.set()
        quit_driver(driver)


_DONE = object()


def _parallel(urls: list[str], settings: ScraperSettings, resume: dict[str, str],
              stop_check: Callable[[list[Review]], bool] | None, common: dict,
              n_browsers: int) -> Iterator[PageResult]:
    """Several browsers, each taking the next start URL; pages of one URL stay in order.

    Each worker hands a page over and waits for the consumer's stop decision before fetching the
    next page of that URL (so stop_check runs in the consumer's thread); other workers keep going.
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
                    decision: dict = {"event": threading.Event(), "stop": False}
                    out.put((page, decision))
                    while not decision["event"].wait(0.2):
                        if cancel.is_set():
                            return
                    if decision["stop"]:
                        walker.stopped = True
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
            item, info = out.get()
            if item is _DONE:
                running -= 1
                continue
            if isinstance(item, BaseException):
                raise item
            page: PageResult = item
            stop = False
            try:
                if stop_check is not None and page.reviews:
                    stop = bool(stop_check(page.reviews))
            finally:
                info["stop"] = stop
                info["event"].set()
            if stop:
                log.info("%s: page already seen; stopping this start URL (incremental)", page.url)
                page.next_url = None
            yield page
    finally:
        cancel.set()
        for t in threads:
            t.join(timeout=30)
