"""Walk one start URL in one browser: load, extract, paginate, retry, report. Yields PageResults.

Pagination: a next link or page parameter (resumable: PageResult.next_url), fetched inside the
browser with fetch() + DOMParser when the site allows it, else navigated; a "load more" button; an
infinite scroll; a next button without a link (clicked). Each page's reviews come from one
`execute_script` call.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selenium.common.exceptions import (ElementClickInterceptedException, ElementNotInteractableException,
                                        JavascriptException, StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from reviewlens.config import ScraperSettings
from reviewlens.schema import PageResult, Review

from .debug import save_debug
from .extract import (COUNT_JS, EXTRACT_LIVE, FETCH_INSTALL, FETCH_START, FETCH_STOP, FETCH_TAKE, SCROLL_JS,
                      VISIBLE_JS, build_reviews)
from .robots import Robots
from .siteconfig import SiteConfig, find_site

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 120.0
POLL = 0.05
TAKE_MAX_WAIT_MS = 30    # an in-page fetch job returns what it has this long after its first queued page
ZERO_CONFIG_GRACE = 2.0  # seconds to keep looking for structured data a script may add late


class RetryableError(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_seconds(value: Any) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date)."""
    if value in (None, ""):
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        from email.utils import parsedate_to_datetime

        dt = parsedate_to_datetime(str(value))
        return max(0.0, dt.timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def next_page_url(url: str, param: str, start: int = 1, step: int = 1) -> str:
    """`url` with its page parameter advanced by `step` (added when absent, counting from `start`)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    current = start
    for k, v in query:
        if k == param:
            try:
                current = int(v)
            except ValueError:
                current = start
    query = [(k, v) for k, v in query if k != param] + [(param, str(current + step))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


class Pacer:
    """Keeps at least `delay` seconds between page loads on one host, across browsers."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str, delay: float, cancel: threading.Event | None = None) -> None:
        host = urlsplit(url).netloc
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(host, 0.0))
            self._next[host] = at + max(0.0, delay)
        pause = at - now
        if pause > 0:
            if cancel is not None:
                cancel.wait(pause)
            else:
                time.sleep(pause)


class Walker:
    """Scrapes start URLs one after another with one browser session."""

    def __init__(self, driver: WebDriver, settings: ScraperSettings, *, site: SiteConfig | None,
                 max_pages: int, debug_dir: Path | None, robots: Robots | None, pacer: Pacer,
                 cancel: threading.Event, backoff: float = 1.0, chain: int = 16,
                 sites_dirs: tuple = (), today: date | None = None, fetch_in_page: bool | None = None,
                 parallel: int = 8):
        self.driver = driver
        self.settings = settings
        self.explicit_site = site
        self.max_pages = max_pages
        self.debug_dir = Path(debug_dir) if debug_dir else None
        self.robots = robots
        self.pacer = pacer
        self.cancel = cancel
        self.backoff = backoff
        self.chain = max(1, chain)
        self.sites_dirs = sites_dirs
        self.today = today
        self.fetch_in_page = fetch_in_page  # None = decide per site; False = always navigate
        self.parallel = max(1, parallel)    # concurrent in-browser fetches when there is no delay
        self.stopped = False  # set by the consumer (stop_check) between pages
        self._last: tuple[str, SiteConfig | None, str | None] | None = None  # previous start URL's mode
        self._site_used: SiteConfig | None = None
        self._script_timeout: float | None = None
        self._strategy_used: str | None = None

    # ------------------------------------------------------------------ helpers
    def _done(self) -> bool:
        return self.stopped or self.cancel.is_set()

    def _delay(self, site: SiteConfig | None, url: str) -> float:
        d = site.delay if site and site.delay is not None else self.settings.delay
        if self.robots:
            cd = self.robots.crawl_delay(url)
            if cd:
                d = max(d, cd)
        return max(0.0, float(d))

    def _robots_block(self, url: str) -> str | None:
        if self.robots and not self.robots.allowed(url):
            return (f"robots.txt of {Robots.origin(url)} disallows {url} for {self.robots.user_agent!r}; stopped here. "
                    f"To override (only where you are entitled to), set respect_robots = false under [scraper] "
                    f"in reviewlens.toml or use --ignore-robots")
        return None

    def _sleep_backoff(self, attempt: int, retry_after: float | None, url: str, why: str) -> None:
        wait = min(retry_after, MAX_RETRY_AFTER) if retry_after is not None else self.backoff * (2 ** attempt)
        log.warning("%s: %s; retry %d/%d in %.1f s", url, why, attempt + 1, self.settings.retries, wait)
        self.cancel.wait(wait)

    def _wait(self, timeout: float | None = None) -> WebDriverWait:
        return WebDriverWait(self.driver, timeout if timeout is not None else self.settings.timeout,
                             poll_frequency=POLL)

    def _source(self, site: SiteConfig | None, url: str) -> str:
        return site.source_name if site else urlsplit(url).netloc

    def _result(self, start_url: str, url: str, reviews: list[Review], *, site: SiteConfig | None = None,
                strategy: str | None = None, next_url: str | None = None, problems: list[str] | None = None,
                debug_html: str | None = None, capture: bool = True) -> PageResult:
        error = "; ".join(problems) if problems else None
        files: list[str] = []
        if error and capture:
            files = save_debug(self.debug_dir, url, None if debug_html is not None else self.driver, debug_html)
        if error:
            log.warning("%s", error)
        return PageResult(url=url, reviews=reviews, start_url=start_url, next_url=next_url, error=error,
                          strategy=strategy, debug_files=files)

    # ------------------------------------------------------------------ page preparation
    def _dismiss_cookies(self, site: SiteConfig | None) -> bool:
        if not site or not site.cookie_banner:
            return False
        try:
            for el in self.driver.find_elements(By.CSS_SELECTOR, site.cookie_banner):
                if el.is_displayed():
                    try:
                        el.click()
                    except (ElementClickInterceptedException, ElementNotInteractableException):
                        self.driver.execute_script("arguments[0].click();", el)
                    try:
                        self._wait(2).until(EC.invisibility_of_element(el))
                    except TimeoutException:
                        pass
                    log.info("dismissed the cookie banner (%s)", site.cookie_banner)
                    return True
        except (StaleElementReferenceException, WebDriverException) as e:
            log.debug("cookie banner: %s", e)
        return False

    def _prepare(self, site: SiteConfig | None) -> None:
        """Dismiss the cookie banner and wait for the reviews (TimeoutException when they never come)."""
        if not site:
            return
        self._dismiss_cookies(site)
        if site.wait_for:
            self._wait().until(EC.presence_of_element_located((By.CSS_SELECTOR, site.wait_for)))

    def _extract_live(self, site: SiteConfig | None, skip: int = 0) -> dict[str, Any]:
        cfg = site.js_config() if site else None
        return json.loads(self.driver.execute_script(EXTRACT_LIVE, cfg, {"skip": skip}) or "{}")

    # ------------------------------------------------------------------ loading one page by navigation
    def _navigate(self, url: str, site: SiteConfig | None, decided: bool
                  ) -> tuple[dict[str, Any] | None, SiteConfig | None, str | None]:
        """Load `url`, returning (raw extraction, the site config in use, error). Retries transient failures."""
        last = ""
        for attempt in range(self.settings.retries + 1):
            if self.cancel.is_set():
                return None, site, "cancelled"
            try:
                self.driver.get(url)
                raw = self._extract_live(None if not decided else site)
                status = int(raw.get("status") or 0)
                if status in RETRY_STATUSES:
                    raise RetryableError(f"HTTP {status}")
                if status >= 400:
                    return raw, site, f"HTTP {status} at {url}"
                if decided:
                    if site and (site.wait_for or site.cookie_banner):
                        self._prepare(site)
                        raw = self._extract_live(site)
                    return raw, site, None
                # Auto mode: zero-config first, then a bundled config matching the URL.
                if raw.get("reviews"):
                    return raw, None, None
                match = find_site(url, self.sites_dirs)
                if match:
                    log.info("%s: no structured reviews; using site config '%s'", url, match.name)
                    self._prepare(match)
                    return self._extract_live(match), match, None
                deadline = time.monotonic() + ZERO_CONFIG_GRACE
                while time.monotonic() < deadline and not raw.get("reviews"):
                    time.sleep(0.25)
                    raw = self._extract_live(None)
                return raw, None, None
            except RetryableError as e:
                last = str(e)
                retry_after = e.retry_after
            except TimeoutException as e:
                last = f"timed out after {self.settings.timeout:g} s ({(e.msg or 'waiting for the page').strip()[:120]})"
                retry_after = None
            except JavascriptException as e:
                return None, site, f"extractor failed at {url}: {e.msg}"
            except WebDriverException as e:
                last = (e.msg or str(e)).strip().splitlines()[0][:200] if (e.msg or str(e)) else repr(e)
                if "invalid session" in last.lower() or "no such window" in last.lower():
                    return None, site, f"the browser session died while loading {url}: {last}"
                retry_after = None
            if attempt < self.settings.retries:
                self._sleep_backoff(attempt, retry_after, url, last)
        return None, site, f"gave up on {url} after {self.settings.retries + 1} attempts: {last}"

    # ------------------------------------------------------------------ loading pages inside the browser
    def _script_timeout_at_least(self, seconds: float) -> None:
        if self._script_timeout is None or self._script_timeout < seconds:
            self.driver.set_script_timeout(seconds)
            self._script_timeout = seconds

    def _fetch_stream(self, url: str, site: SiteConfig | None, n: int, prev_url: str | None = None
                      ) -> Iterator[dict[str, Any]]:
        """Up to `n` pages from `url`, fetched in-browser by a background job in the page (FETCH_START):
        one item per page, in order. The job keeps fetching while this side handles what it took, up
        to a buffer; closing the generator stops it. Transient failures of the first page are retried.

        Without a delay, up to `self.parallel` predicted pages are fetched at once, `self.chain` pages
        per round trip; with a delay, one page at a time and at most one fetched ahead."""
        pp = None
        if site and site.page_param:
            pp = {"name": site.page_param, "start": site.page_start, "step": site.page_step}
        delay = self._delay(site, url)
        fast = delay == 0
        want = self.chain if fast else 1
        opts = {"max": n, "delayMs": int(delay * 1000), "timeoutMs": int(self.settings.timeout * 1000),
                "robots": self.robots.rules(url) if self.robots else None, "pageParam": pp,
                "prevUrl": prev_url, "parallel": self.parallel if fast else 1, "buffer": 2 * want if fast else 1}
        cfg = site.js_config() if site else None
        self._script_timeout_at_least(self.settings.timeout + delay + TAKE_MAX_WAIT_MS / 1000 + 5)
        for attempt in range(self.settings.retries + 1):
            try:
                job = self.driver.execute_script(FETCH_START, url, cfg, opts)
                if job is None:  # a new document: install the fetcher (once per page)
                    self.driver.execute_script(FETCH_INSTALL)
                    job = self.driver.execute_script(FETCH_START, url, cfg, opts)
            except WebDriverException as e:  # e.g. the page is navigating: the caller navigates instead
                yield {"url": url, "error": f"in-browser fetch could not start: {_first_line(e)}"}
                return
            expect = url  # the page the job is on (named in an error when a take fails)
            first = True
            try:
                while True:
                    asked = time.monotonic()
                    try:
                        res = json.loads(self.driver.execute_async_script(FETCH_TAKE, job, want, TAKE_MAX_WAIT_MS)
                                         or "{}")
                    except TimeoutException:
                        waited = time.monotonic() - asked
                        why = (f"timed out after {self.settings.timeout:g} s" if waited >= self.settings.timeout
                               else f"interrupted after {waited:.1f} s (the page navigated away?)")
                        res = {"items": [{"url": expect, "error": why}], "done": True}
                    except WebDriverException as e:  # the page navigated away (its own script) or crashed
                        res = {"items": [{"url": expect, "error": f"in-browser fetch failed: {_first_line(e)}"}],
                               "done": True}
                    if res.get("gone"):
                        yield {"url": expect, "error": "the in-page fetch job ended (the page navigated away)"}
                        return
                    for item in res.get("items") or []:
                        if first:
                            first = False
                            status = int(item.get("status") or 0)
                            if (item.get("error") or status in RETRY_STATUSES) and attempt < self.settings.retries:
                                why = f"HTTP {status}" if status else item.get("error")
                                self._stop_job(job)
                                self._sleep_backoff(attempt, retry_after_seconds(item.get("retryAfter")), url,
                                                    f"{why} (in-browser fetch)")
                                break
                        expect = item.get("nextUrl") or expect
                        yield item
                    else:
                        if res.get("done"):
                            return
                        continue
                    break  # retry the first page
            finally:
                self._stop_job(job)
            if self.cancel.is_set():
                return

    def _stop_job(self, job: str) -> None:
        try:
            self.driver.execute_script(FETCH_STOP, job)
        except WebDriverException as e:  # the page (or browser) is gone: so is the job
            log.debug("stopping in-page job %s: %s", job, e)

    def _fetch_allowed(self, site: SiteConfig | None, strategy: str | None) -> bool:
        if self.fetch_in_page is False:
            return False
        if site and site.review:
            return bool(site.fetch_in_page) and not site.load_more and not site.infinite_scroll
        # Zero-config: structured data is in the server's HTML (a fetched page that has none is navigated).
        return strategy in ("jsonld", "microdata", "nextdata", "state")

    # ------------------------------------------------------------------ the walk
    def walk(self, start_url: str, resume_url: str | None = None) -> Iterator[PageResult]:
        """Yield one PageResult per page (or batch) of `start_url`, in order."""
        self.stopped = False
        url = resume_url or start_url
        site = self.explicit_site
        self._site_used, self._strategy_used = site, None
        try:
            yield from self._walk_pages(start_url, url, site, site is not None)
        finally:
            self._last = (Robots.origin(url), self._site_used, self._strategy_used)

    def _first_fetch_ok(self, url: str, site: SiteConfig | None) -> bool:
        """May the first page of a start URL be fetched in-page? Yes when the previous start URL on
        this origin was read from server-rendered HTML (or the named config allows it)."""
        if self.fetch_in_page is False or self._last is None:
            return False
        origin, last_site, last_strategy = self._last
        if origin != Robots.origin(url):
            return False
        if site is not None:
            return self._fetch_allowed(site, None)
        # Auto mode: the origin served its last reviews in static HTML; a fetched page without
        # structured reviews is navigated instead (and may then match a site config).
        return self._fetch_allowed(last_site, last_strategy)

    def _walk_pages(self, start_url: str, url: str | None, site: SiteConfig | None, decided: bool
                    ) -> Iterator[PageResult]:
        strategy: str | None = None
        pages = 0
        last_ids: set[str] | None = None
        prev_url: str | None = None
        while url and pages < self.max_pages and not self._done():
            blocked = self._robots_block(url)
            if blocked:
                yield self._result(start_url, url, [], problems=[blocked], capture=False)
                return
            # ---- later pages (and a first page like the last one): fetched inside the browser when allowed
            first_fetch = pages == 0 and self._first_fetch_ok(url, site)
            if (pages > 0 and self._fetch_allowed(site, strategy)) or first_fetch:
                self.pacer.wait(url, self._delay(site, url), self.cancel)
                stream = self._fetch_stream(url, site, self.max_pages - pages, prev_url)
                try:
                    navigate_url = None
                    for item in stream:
                        if self._done() or pages >= self.max_pages:
                            return
                        item_url = item.get("finalUrl") or item.get("url")
                        status = int(item.get("status") or 0)
                        if pages > 0 and site and site.page_param and (
                                status in (404, 410) or (status == 200 and not item.get("reviews"))):
                            log.info("%s: HTTP %s, no reviews: past the last page", item_url, status)
                            return
                        if item.get("error") or status != 200:
                            why = item.get("error") or f"HTTP {status}"
                            if status and status not in RETRY_STATUSES:
                                yield self._result(start_url, item_url, [], site=site, problems=[f"{why} at {item_url}"],
                                                   debug_html=item.get("html") or "")
                                return
                            navigate_url = item.get("url")  # transient trouble: try a real navigation
                            break
                        if not item.get("reviews"):
                            navigate_url = item.get("url")  # maybe rendered by JavaScript: navigate to it
                            break
                        reviews, problems = build_reviews(item, page_url=item_url, source=self._source(site, start_url),
                                                          site=site, today=self.today)
                        if pages == 0:
                            decided, strategy = True, item.get("strategy")
                            self._strategy_used = strategy
                        ids = {r.id for r in reviews}
                        if last_ids is not None and ids and ids == last_ids:
                            log.info("%s repeats the previous page: end of reviews", item_url)
                            return
                        last_ids = ids
                        nxt = item.get("nextUrl")
                        next_blocked = bool(nxt and self._robots_block(nxt))
                        pages += 1
                        page = self._result(start_url, item_url, reviews, site=site, strategy=item.get("strategy"),
                                            next_url=nxt, problems=problems, debug_html=item.get("html"))
                        prev_url = item_url
                        yield page
                        url = nxt
                        if next_blocked:
                            break  # the robots check at the top of the loop reports it
                        if not nxt:
                            return
                finally:
                    stream.close()
                if navigate_url is None:
                    continue
                url = navigate_url
                if self._done() or pages >= self.max_pages:
                    return
            # ---- navigate
            self.pacer.wait(url, self._delay(site, url), self.cancel)
            raw, site_now, error = self._navigate(url, site, decided)
            if not decided and error is None and raw is not None:
                site, decided = site_now, True
                self._site_used = site
            if self.cancel.is_set():
                return
            past_end = pages > 0 and site is not None and site.page_param and (
                (error or "").startswith(("HTTP 404", "HTTP 410")) or (raw is not None and not error and not raw.get("reviews")))
            if past_end:
                log.info("%s: no reviews: past the last page", url)
                return
            if error:
                pages += 1
                # Resume from the failed page itself: a later run tries it again.
                yield self._result(start_url, url, [], site=site, next_url=url, problems=[error])
                return
            assert raw is not None
            page_url = raw.get("url") or url
            strategy = raw.get("strategy")
            self._strategy_used = strategy
            reviews, problems = build_reviews(raw, page_url=page_url, source=self._source(site, start_url),
                                              site=site, today=self.today)
            if not raw.get("reviews"):
                if site and site.review:
                    tried = f"site config '{site.name}', review selector {site.review!r}"
                elif site:
                    tried = f"JSON-LD, microdata and embedded page state, with site config '{site.name}'"
                else:
                    tried = "JSON-LD, microdata and embedded page state; no site config matches this URL"
                problems.insert(0, f"no reviews found at {page_url} (tried {tried})")
            ids = {r.id for r in reviews}
            if last_ids is not None and ids and ids == last_ids:
                log.info("%s repeats the previous page: end of reviews", page_url)
                return
            last_ids = ids
            # ---- batches on the same page: load more / infinite scroll
            if site and (site.load_more or site.infinite_scroll) and raw.get("reviews"):
                yield from self._batches(start_url, page_url, site, raw, reviews, problems, pages)
                return
            nxt, click = self._next(page_url, site, raw, bool(raw.get("reviews")))
            prev_url = page_url
            pages += 1
            yield self._result(start_url, page_url, reviews, site=site, strategy=strategy, next_url=nxt,
                               problems=problems)
            if not raw.get("reviews"):
                return
            if click and not self._done() and pages < self.max_pages:
                yield from self._click_pages(start_url, page_url, site, pages)
                return
            url = nxt

    def _next(self, url: str, site: SiteConfig | None, raw: dict[str, Any], had_reviews: bool
              ) -> tuple[str | None, bool]:
        """(URL of the next page, whether the next page is reached by clicking a button)."""
        if not had_reviews:
            return None, False
        if site and site.page_param:
            return next_page_url(url, site.page_param, site.page_start, site.page_step), False
        nxt = raw.get("next") or None
        if not nxt:
            return None, False
        if nxt.get("url"):
            return nxt["url"], False
        return None, bool(nxt.get("click"))

    # ------------------------------------------------------------------ same-page batches
    def _batches(self, start_url: str, url: str, site: SiteConfig, raw: dict[str, Any],
                 reviews: list[Review], problems: list[str], pages: int) -> Iterator[PageResult]:
        n = int(raw.get("blocks") or 0)
        pages += 1
        yield self._result(start_url, url, reviews, site=site, strategy="config", problems=problems)
        kind = "load more" if site.load_more else "infinite scroll"
        while pages < self.max_pages and not self._done():
            try:
                if site.load_more:
                    if not self.driver.execute_script(VISIBLE_JS, site.load_more):
                        log.info("%s: no more '%s' button: all reviews loaded", url, site.load_more)
                        return
                    self._click(site, site.load_more)
                    self._wait().until(lambda d: d.execute_script(COUNT_JS, site.review) > n)
                else:
                    if site.scroll_end and self.driver.execute_script(COUNT_JS, site.scroll_end):
                        log.info("%s: end of the infinite list", url)
                        return
                    self.driver.execute_script(SCROLL_JS, site.review)
                    try:
                        WebDriverWait(self.driver, site.scroll_wait, poll_frequency=POLL).until(
                            lambda d: d.execute_script(SCROLL_JS, site.review) > n)
                    except TimeoutException:
                        if site.scroll_end:
                            yield self._result(start_url, url, [], site=site, problems=[
                                f"infinite scroll at {url} stopped after {n} reviews without reaching the end "
                                f"marker {site.scroll_end!r} (a banner or overlay blocking scrolling?)"])
                        else:
                            log.info("%s: nothing more after scrolling: all reviews loaded", url)
                        return
            except TimeoutException:
                yield self._result(start_url, url, [], site=site, problems=[
                    f"no new reviews appeared at {url} within {self.settings.timeout:g} s after clicking "
                    f"'{site.load_more}'"])
                return
            except _ClickBlocked as e:
                yield self._result(start_url, url, [], site=site, problems=[str(e)])
                return
            batch = self._extract_live(site, skip=n)
            n = int(batch.get("blocks") or n)
            got, probs = build_reviews(batch, page_url=url, source=self._source(site, start_url), site=site,
                                       today=self.today, skip=n)
            pages += 1
            log.debug("%s: %s batch %d: %d reviews", url, kind, pages, len(got))
            yield self._result(start_url, url, got, site=site, strategy="config", problems=probs)

    def _click(self, site: SiteConfig, selector: str) -> None:
        """A real click (as a user would); a cookie banner in the way is dismissed once."""
        for attempt in range(2):
            try:
                self.driver.find_element(By.CSS_SELECTOR, selector).click()
                return
            except (ElementClickInterceptedException, ElementNotInteractableException) as e:
                if attempt == 0 and self._dismiss_cookies(site):
                    continue
                raise _ClickBlocked(f"cannot click {selector!r} at {self.driver.current_url}: another element "
                                    f"covers it (a cookie banner or overlay? set cookie_banner in the site config): "
                                    f"{(e.msg or '').splitlines()[0][:160]}") from e

    def _click_pages(self, start_url: str, url: str, site: SiteConfig | None, pages: int) -> Iterator[PageResult]:
        """Pagination by a next button without a link: click, wait for new content, extract."""
        assert site is not None and site.next
        while pages < self.max_pages and not self._done():
            first = self.driver.execute_script(
                "var b = document.querySelector(arguments[0]); return b ? b.textContent.slice(0, 200) : null;",
                site.review)
            try:
                self.pacer.wait(url, self._delay(site, url), self.cancel)
                self._click(site, site.next)
                self._wait().until(lambda d: d.execute_script(
                    "var b = document.querySelector(arguments[0]); return b ? b.textContent.slice(0, 200) : null;",
                    site.review) not in (None, first))
            except (TimeoutException, _ClickBlocked, WebDriverException) as e:
                yield self._result(start_url, url, [], site=site, problems=[
                    f"next button {site.next!r} at {url} led to no new reviews: {str(e).splitlines()[0][:160]}"])
                return
            raw = self._extract_live(site)
            got, probs = build_reviews(raw, page_url=url, source=self._source(site, start_url), site=site,
                                       today=self.today)
            pages += 1
            yield self._result(start_url, url, got, site=site, strategy="config", problems=probs)
            nxt = raw.get("next")
            if not nxt or not got:
                return


def _first_line(e: WebDriverException) -> str:
    msg = (e.msg or str(e) or repr(e)).strip()
    return msg.splitlines()[0][:200] if msg else repr(e)


class _ClickBlocked(Exception):
    pass


