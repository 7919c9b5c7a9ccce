"""Walk one start URL in one browser: load, extract, paginate. Yields PageResults.

Pagination: a next link or page parameter (resumable: PageResult.next_url), fetched inside the
browser (scraper/fetch.py) when the site allows it, else navigated; a "load more" button; an
infinite scroll; a next button without a link (clicked). Each page's reviews come from one
`execute_script` call. Whether a request may go out and when is the politeness component's
(scraper/politeness.py); whether a failure is retried and after how long is the retry policy's
(scraper/retry.py); when to stop a start URL early is the caller's (`should_stop`).

A page that loads but yields nothing (invalid JSON-LD, HTML cut off halfway, a changed layout) is
reported with its cause, and the walk goes on to the next page when it can find one: the page's
own next link, or the next URL of the pattern the previous pages followed.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selenium.common.exceptions import (ElementClickInterceptedException, ElementNotInteractableException,
                                        InvalidSelectorException, JavascriptException,
                                        StaleElementReferenceException, TimeoutException, WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from reviewlens.config import ScraperSettings
from reviewlens.schema import PageResult, Review

from . import js
from .debug import save_debug
from .errors import SiteConfigError
from .extract import (COUNT_JS, ERROR_PAGE_JS, EXTRACT_LIVE, FIRST_TEXT_JS, SCROLL_JS, VISIBLE_JS,
                      PageNotes, build_reviews)
from .fetch import InPageFetcher, first_line
from .layout import guess_layout, scrolls_for_more
from .more import ShowMore
from .politeness import Politeness
from .retry import RetryPolicy, retry_after_seconds
from .robots import Robots
from .siteconfig import SiteConfig, find_site, match_reason

log = logging.getLogger(__name__)

OUT_OF_REACH_JS = js.with_extractor("out_of_reach")
POLL = 0.05
ZERO_CONFIG_GRACE = 2.0  # seconds to keep looking for structured data a script may add late
MAX_EMPTY_PAGES = 3      # consecutive pages that yield nothing before a start URL is given up
SELECTOR_KEYS = ("review", "wait_for", "cookie_banner", "next", "load_more", "scroll_end", "sort_click")
# Chromium's own error pages: these codes are worth another try; the rest are final.
TRANSIENT_NET_ERRORS = {"ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED",
                        "ERR_CONNECTION_TIMED_OUT", "ERR_TIMED_OUT", "ERR_EMPTY_RESPONSE", "ERR_NETWORK_CHANGED",
                        "ERR_INTERNET_DISCONNECTED", "ERR_ADDRESS_UNREACHABLE", "ERR_CONNECTION_ABORTED"}
NET_ERROR_HINTS = {
    "ERR_TOO_MANY_REDIRECTS": "a redirect loop: the site keeps redirecting this URL",
    "ERR_NAME_NOT_RESOLVED": "the host name does not resolve",
    "ERR_UNSAFE_PORT": "Chromium does not open this port (one of those browsers block for safety, such as 6000 or "
                       "6667): serve the site on another port",
    "ERR_INCOMPLETE_CHUNKED_ENCODING": "the server cut the page off mid-transfer",
    "ERR_CONTENT_LENGTH_MISMATCH": "the server cut the page off mid-transfer",
}
CUT_OFF = "the server cut the page off mid-transfer (fewer bytes than its Content-Length)"
_NET_ERROR = re.compile(r"net::(ERR_[A-Z_]+)")


class _WaitForMissing(Exception):
    """A site config's `wait_for` selector never appeared on a page that loaded."""

    def __init__(self, site: SiteConfig, timeout: float):
        super().__init__(f"the site config's wait_for {site.wait_for!r} never appeared on the page within "
                         f"{timeout:g} s: the layout may have changed (site config '{site.name}')")
        self.site = site


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


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


def predict_next(prev_url: str | None, url: str) -> str | None:
    """The page after `url` when `prev_url` -> `url` changed exactly one number, increasing (page=2 ->
    page=3, /page/4 -> /page/5, start=10 -> start=20); else None."""
    if not prev_url:
        return None
    a, b = re.split(r"(\d+)", prev_url), re.split(r"(\d+)", url)
    if len(a) != len(b):
        return None
    idx = -1
    for i, (x, y) in enumerate(zip(a, b)):
        if x == y:
            continue
        if i % 2 == 0 or idx >= 0:
            return None
        idx = i
    if idx < 0 or int(b[idx]) <= int(a[idx]):
        return None
    out = list(b)
    out[idx] = str(int(b[idx]) + int(b[idx]) - int(a[idx]))
    return "".join(out)


def site_selectors(site: SiteConfig | None) -> dict[str, str]:
    """Every CSS selector a site config names, keyed by where it is written (`fields.rating`, `next`)."""
    if site is None:
        return {}
    out = {k: getattr(site, k) for k in SELECTOR_KEYS if isinstance(getattr(site, k, None), str) and getattr(site, k)}
    for name, spec in (site.fields or {}).items():
        if isinstance(spec, dict) and spec.get("selector"):
            out[f"fields.{name}"] = spec["selector"]
    return out


def out_of_reach(found: dict[str, Any]) -> str | None:
    """What to do about the reviews a page without any holds where extraction does not reach
    (scraper/js/out_of_reach.js found them): an iframe's own URL can be scraped; a shadow root can be read by
    neither zero-config extraction nor a site config, so writing one is no way out. None when there are none."""
    said = []
    for f in found.get("frames") or []:
        if f.get("reviews"):
            said.append(f"the reviews are inside an iframe ({_n(f['reviews'], 'review')} found in it), which neither "
                        f"zero-config extraction nor a site config's selectors enter: scrape the frame's own URL "
                        f"instead: reviewlens scrape {f['url']}")
        else:
            said.append(f"the page holds an iframe from another site that looks like a review widget"
                        f"{' (' + repr(f['title']) + ')' if f.get('title') else ''}, which extraction cannot enter: "
                        f"scrape the frame's own URL instead: reviewlens scrape {f['url']}")
    for h in found.get("shadows") or []:
        what = _n(h["reviews"], "review") if h.get("reviews") else _n(h.get("reviewish") or 0, "review-like element")
        said.append(f"<{h['host']}> holds {what} in its shadow root (a web component), which neither zero-config "
                    f"extraction nor a site config's selectors reach: scrape the widget's own review page if it has "
                    f"one, or import the reviews from the widget provider's export (reviewlens import)")
    return "; ".join(said[:2]) or None


def _n(k: int, noun: str) -> str:
    return f"{k} {noun}{'s' if k != 1 else ''}"


class Walker:
    """Scrapes start URLs one after another with one browser session."""

    def __init__(self, driver: WebDriver, settings: ScraperSettings, *, site: SiteConfig | None,
                 max_pages: int, debug_dir: Path | None, politeness: Politeness, retry: RetryPolicy,
                 cancel: threading.Event, should_stop: Callable[[str], bool] = lambda start_url: False,
                 chain: int = 16, sites_dirs: tuple = (), today: date | None = None,
                 fetch_in_page: bool | None = None, parallel: int = 8, newest_first: bool = False):
        self.driver = driver
        self.settings = settings
        self.explicit_site = site
        self.max_pages = max_pages
        self.debug_dir = Path(debug_dir) if debug_dir else None
        self.politeness = politeness
        self.retry = retry
        self.cancel = cancel
        self.should_stop = should_stop
        self.sites_dirs = sites_dirs
        self.today = today
        self.fetch_in_page = fetch_in_page  # None = decide per site; False = always navigate
        self.newest_first = newest_first    # click the site config's sort_click on each start URL
        self.fetcher = InPageFetcher(driver, timeout=settings.timeout, politeness=politeness, retry=retry,
                                     cancel=cancel, chain=chain, parallel=parallel)
        self._last: tuple[str, SiteConfig | None, str | None] | None = None  # previous start URL's mode
        self._site_used: SiteConfig | None = None
        self._strategy_used: str | None = None
        self._checked_sites: set[int] = set()
        self._start_url = ""

    # ------------------------------------------------------------------ helpers
    def _done(self) -> bool:
        return self.cancel.is_set() or self.should_stop(self._start_url)

    def _site_delay(self, site: SiteConfig | None) -> float | None:
        return site.delay if site and site.delay is not None else None

    def _delay(self, site: SiteConfig | None, url: str) -> float:
        return self.politeness.delay(url, self._site_delay(site))

    def _pace(self, url: str, site: SiteConfig | None, at_least: float = 0.0) -> None:
        self.politeness.wait(url, self._site_delay(site), self.cancel, at_least=at_least)

    def _wait(self, timeout: float | None = None) -> WebDriverWait:
        return WebDriverWait(self.driver, timeout if timeout is not None else self.settings.timeout,
                             poll_frequency=POLL)

    def _source(self, site: SiteConfig | None, url: str) -> str:
        return site.source_name if site else urlsplit(url).netloc

    def _result(self, start_url: str, url: str, reviews: list[Review], *, site: SiteConfig | None = None,
                strategy: str | None = None, next_url: str | None = None, problems: list[str] | None = None,
                notes: PageNotes | None = None, debug_html: str | None = None, capture: bool = True,
                screenshot: bool = True, out_of_reach: str | None = None) -> PageResult:
        error = "; ".join(problems) if problems else None
        notes = notes or PageNotes()
        for note in notes.data:  # single reviews, no fault of the page: no capture, said in the run's summary
            log.info("%s", note)
        files: list[str] = []
        if error and capture:
            files = save_debug(self.debug_dir, url, self.driver if debug_html is None else None, debug_html,
                               screenshot=screenshot)
        if error:
            log.warning("%s", error)
        return PageResult(url=url, reviews=reviews, start_url=start_url, next_url=next_url, error=error,
                          out_of_reach=out_of_reach,
                          strategy=strategy, debug_files=files, skipped_ids=notes.skipped_ids,
                          star_ratings=notes.star_ratings, notes=notes.data,
                          stated=notes.stated)

    def check_site(self, site: SiteConfig | None) -> None:
        """Raise SiteConfigError naming each selector of the config that the browser rejects (once per
        config): a broken config is the user's to fix, not a failure to retry."""
        if site is None or id(site) in self._checked_sites:
            return
        selectors = site_selectors(site)
        if selectors:
            bad = self.driver.execute_script(js.load("check_selectors"), selectors) or {}
            if bad:
                where = site.path or f"site config '{site.name}'"
                raise SiteConfigError("; ".join(f"{where}: {k} = {selectors[k]!r} is not a valid CSS selector"
                                                for k in sorted(bad)) + ". Fix the selector and run again.")
        self._checked_sites.add(id(site))

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
        """Check the config's selectors, dismiss the cookie banner and wait for the reviews
        (_WaitForMissing when the config's `wait_for` never appears: the page came, its layout did not)."""
        if not site:
            return
        self.check_site(site)
        self._dismiss_cookies(site)
        if site.wait_for:
            try:
                self._wait().until(EC.presence_of_element_located((By.CSS_SELECTOR, site.wait_for)))
            except TimeoutException:
                raise _WaitForMissing(site, self.settings.timeout) from None

    def _sort_newest(self, site: SiteConfig | None) -> None:
        """Click the site config's control that orders reviews newest first, and wait for the reviews
        to change."""
        sel = site.sort_click if site else None
        if not (self.newest_first and sel):
            return
        first = self.driver.execute_script(FIRST_TEXT_JS, site.review) if site.review else None
        self._click(site, sel)
        if site.review:
            try:
                self._wait().until(lambda d: d.execute_script(FIRST_TEXT_JS, site.review) not in (None, first))
            except TimeoutException:
                log.info("sorting by %r did not change the first review (already newest first?)", sel)
        log.info("sorted newest first (%s)", sel)

    def _extract_live(self, site: SiteConfig | None, skip: int = 0) -> dict[str, Any]:
        cfg = site.js_config() if site else None
        raw = json.loads(self.driver.execute_script(EXTRACT_LIVE, cfg, {"skip": skip}) or "{}")
        return site.join_parts(raw) if site else raw

    def _layout_site(self, url: str) -> bool:
        """Whether the previous start URL was on `url`'s site and read by its layout."""
        return bool(self._last and self._last[0] == Robots.origin(url) and self._last[1] is not None
                    and self._last[1].guessed)

    def _by_layout(self, url: str) -> tuple[dict[str, Any], SiteConfig, None] | None:
        """A page without structured reviews and without a site config, read by its layout (scraper/layout.py):
        (raw extraction, the guessed config, None), or None when its layout shows no reviews. The walk goes on
        with the guessed config, so every page of the start URL is read the same way."""
        guess = guess_layout(self.driver, url)
        if guess.site is None:
            log.debug("%s: no reviews by the layout either: %s", url, guess.why)
            return None
        self._dismiss_cookies(guess.site)  # it takes the clicks, and locks scrolling on some sites
        last = self._last[1] if self._layout_site(url) and self._last else None
        if last is not None and last.review == guess.site.review:
            guess.site.infinite_scroll = last.infinite_scroll  # the site's last product, the same template: known
        else:
            scrolls_for_more(self.driver, guess)
        raw = self._extract_live(guess.site)
        if not raw.get("reviews"):
            return None
        log.info("%s: no structured reviews and no site config; read by the page's layout: %s. To keep it, "
                 "`reviewlens sites make %s -o FILE.toml`", url, guess.describe(), url)
        return raw, guess.site, None

    def _out_of_reach(self) -> str | None:
        """On a live page without reviews: where its reviews seem to be that extraction does not reach (an
        iframe, a shadow root) and what to do, or None (see `out_of_reach`)."""
        try:
            return out_of_reach(json.loads(self.driver.execute_script(OUT_OF_REACH_JS) or "{}"))
        except (WebDriverException, ValueError) as e:
            log.debug("looking into frames and shadow roots: %s", e)
            return None

    def _browser_error(self, url: str) -> str | None:
        """Chromium's error code when it shows its own error page instead of the site's."""
        try:
            return self.driver.execute_script(ERROR_PAGE_JS)
        except WebDriverException:
            return None

    def _retry_after(self) -> float | None:
        try:
            return retry_after_seconds(self.driver.execute_script(js.load("retry_after")))
        except WebDriverException:
            return None

    # ------------------------------------------------------------------ loading one page by navigation
    def _navigate(self, url: str, site: SiteConfig | None, decided: bool, *, attempt: int = 0,
                  first: bool = False) -> tuple[dict[str, Any] | None, SiteConfig | None, str | None]:
        """Load `url`, returning (raw extraction, the site config in use, error). Transient failures
        are retried by the retry policy, counting on from `attempt` (the in-browser fetches of the page that
        already failed). On a start URL's `first` page, newest first is asked for when wanted."""
        sort = first and self.newest_first
        fetched = attempt
        last, cut = "", False
        while True:
            if self.cancel.is_set():
                return None, site, "cancelled"
            retry_after = None
            try:
                self.driver.get(url)
                code = self._browser_error(url)
                if code:
                    raise WebDriverException(f"net::{code}")
                if self.driver.execute_script(js.load("cut_off")):
                    cut = True
                    raise _Transient(CUT_OFF)
                if decided:
                    self.check_site(site)  # once per config: a broken selector is the user's to fix
                raw = self._extract_live(None if not decided else site)
                status = int(raw.get("status") or 0)
                if self.retry.retryable_status(status):
                    raise _Transient(f"HTTP {status}", self._retry_after() if status in (429, 503) else None)
                if status >= 400:
                    return raw, site, f"HTTP {status} at {url}"
                if decided:
                    if site and (site.wait_for or site.cookie_banner or sort):
                        self._prepare(site)
                        if sort:
                            self._sort_newest(site)
                        raw = self._extract_live(site)
                    return raw, site, None
                # Auto mode: zero-config first, then a bundled config matching the URL.
                if raw.get("reviews"):
                    return raw, None, None
                match = find_site(url, self.sites_dirs)
                if match:
                    log.info("%s: no structured reviews; using site config '%s' (%s)", url, match.name,
                             match_reason(match, url))
                    self._prepare(match)
                    if sort:
                        self._sort_newest(match)
                    return self._extract_live(match), match, None
                # a script may add structured data late; not on a site whose last start URL, waited for, had none
                # and was read by its layout (a shop's product pages share one template)
                grace = 0.0 if self._layout_site(url) else ZERO_CONFIG_GRACE
                deadline = time.monotonic() + grace
                while time.monotonic() < deadline and not raw.get("reviews"):
                    time.sleep(0.25)
                    raw = self._extract_live(None)
                if not raw.get("reviews") and self.settings.guess_layout:
                    guessed = self._by_layout(url)
                    if guessed is not None:
                        return guessed
                return raw, None, None
            except _WaitForMissing as e:
                # The site served the page; only the config's marker of the reviews is not on it (a changed
                # layout): extracted as it is, reported as such, not retried like a site that is down.
                raw = self._extract_live(e.site)
                raw["wait_missing"] = str(e)
                return raw, e.site, None
            except _Transient as e:
                last, retry_after = str(e), e.retry_after
            except TimeoutException as e:
                last = f"timed out after {self.settings.timeout:g} s ({(e.msg or 'waiting for the page').strip()[:120]})"
            except InvalidSelectorException as e:
                raise SiteConfigError(f"site config '{site.name if site else '?'}': a selector is not valid CSS: "
                                      f"{first_line(e)}") from e
            except JavascriptException as e:
                return None, site, f"extractor failed at {url}: {e.msg}"
            except WebDriverException as e:
                last = first_line(e)
                m = _NET_ERROR.search(last)
                if m:
                    code = m.group(1)
                    if code not in TRANSIENT_NET_ERRORS:
                        hint = NET_ERROR_HINTS.get(code)
                        return None, site, f"{url}: {hint + ' ' if hint else ''}({code})"
                    last = code
                elif "invalid session" in last.lower() or "no such window" in last.lower():
                    return None, site, f"the browser session died while loading {url}: {last}"
            if not self.retry.may_retry(attempt):
                if cut and last == CUT_OFF:  # a broken page, not a site that is down: the walk can go on
                    return {"reviews": [], "status": 200, "url": url, "truncated": CUT_OFF}, site, None
                how = (f" ({fetched} in-browser fetch{'es' if fetched != 1 else ''}, then {attempt + 1 - fetched} "
                       f"navigation{'s' if attempt + 1 - fetched != 1 else ''})" if fetched else "")
                return None, site, f"gave up on {url} after {attempt + 1} attempts{how}: {last}"
            wait = self.retry.wait_seconds(attempt, retry_after, self._delay(site, url))
            log.warning("%s: %s; retry %d/%d in %.1f s", url, last, attempt + 1, self.retry.retries, wait)
            self._pace(url, site, at_least=wait)
            attempt += 1

    # ------------------------------------------------------------------ which pages may be fetched in-page
    def _fetch_allowed(self, site: SiteConfig | None, strategy: str | None) -> bool:
        if self.fetch_in_page is False:
            return False
        if site and site.review:
            return bool(site.fetch_in_page) and not site.load_more and not site.infinite_scroll
        # Zero-config: structured data is in the server's HTML (a fetched page that has none is navigated).
        return strategy in ("jsonld", "microdata", "nextdata", "state")

    def _first_fetch_ok(self, url: str, site: SiteConfig | None) -> bool:
        """May the first page of a start URL be fetched in-page? Yes when the previous start URL on
        this origin was read from server-rendered HTML (or the named config allows it)."""
        if self.fetch_in_page is False or self._last is None or self.newest_first:
            return False
        origin, last_site, last_strategy = self._last
        if origin != Robots.origin(url) or (last_site is not None and last_site.guessed):
            return False  # (a guess is made on the navigated first page of each start URL)
        if site is not None:
            return self._fetch_allowed(site, None)
        return self._fetch_allowed(last_site, last_strategy)

    # ------------------------------------------------------------------ the walk
    def walk(self, start_url: str, resume_url: str | None = None) -> Iterator[PageResult]:
        """Yield one PageResult per page (or batch) of `start_url`, in order."""
        self._start_url = start_url
        url = resume_url or start_url
        site = self.explicit_site
        self._site_used, self._strategy_used = site, None
        try:
            yield from _Walk(self, start_url, url, site).pages()
        finally:
            self._last = (Robots.origin(url), self._site_used, self._strategy_used)

    # ------------------------------------------------------------------ same-page batches
    def _batches(self, start_url: str, url: str, site: SiteConfig, raw: dict[str, Any],
                 reviews: list[Review], problems: list[str], notes: PageNotes, pages: int) -> Iterator[PageResult]:
        n = int(raw.get("blocks") or 0)
        pages += 1
        how = raw.get("strategy") or "config"
        yield self._result(start_url, url, reviews, site=site, strategy=how, problems=problems, notes=notes)
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
            got, probs, notes = build_reviews(batch, page_url=url, source=self._source(site, start_url), site=site,
                                       today=self.today, skip=n)
            pages += 1
            log.debug("%s: %s batch %d: %d reviews", url, kind, pages, len(got))
            yield self._result(start_url, url, got, site=site, strategy=how, problems=probs, notes=notes)

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

    def _first_review(self, site: SiteConfig | None) -> str | None:
        """The start of the first review's text: tells whether a click replaced the reviews."""
        if site and site.review:
            return self.driver.execute_script(FIRST_TEXT_JS, site.review)
        reviews = self._extract_live(None).get("reviews") or []
        return str(reviews[0].get("text") or "")[:200] if reviews else None

    def _click_pages(self, start_url: str, url: str, site: SiteConfig | None, pages: int, selector: str
                     ) -> Iterator[PageResult]:
        """Pagination by a next button without a link (a site config's `next`, or the button
        zero-config found by its role and text): click, wait for other reviews, extract."""
        while pages < self.max_pages and not self._done():
            first = self._first_review(site)
            try:
                self._pace(url, site)
                self._click(site, selector)
                self._wait().until(lambda d: self._first_review(site) not in (None, first))
            except (TimeoutException, _ClickBlocked, WebDriverException) as e:
                yield self._result(start_url, url, [], site=site, problems=[
                    f"next button {selector!r} at {url} led to no new reviews: {str(e).splitlines()[0][:160]}"])
                return
            raw = self._extract_live(site)
            got, probs, notes = build_reviews(raw, page_url=url, source=self._source(site, start_url), site=site,
                                       today=self.today)
            pages += 1
            yield self._result(start_url, url, got, site=site, strategy=raw.get("strategy") or "config",
                               problems=probs, notes=notes)
            nxt = raw.get("next") or {}
            if not got or not nxt:
                return
            if not (site and site.next):
                selector = nxt.get("click") if isinstance(nxt.get("click"), str) else None
                if not selector:
                    return

    def _show_more(self, start_url: str, url: str, raw: dict[str, Any], pages: int,
                   site: SiteConfig | None = None) -> Iterator[PageResult]:
        """Zero-config "show more reviews": click the button extract.js found until it is gone or
        brings nothing new; each click's new reviews are one batch. `site`: a config without a `review`
        selector (zero-config extraction after its cookie_banner or wait_for), whose source and formats apply."""
        show = ShowMore(self.driver, timeout=self.settings.timeout, poll=POLL)
        seen, more = int(raw.get("blocks") or 0), raw.get("more")
        while more and pages < self.max_pages and not self._done():
            self._pace(url, site)
            batch = show.batch(more["click"], seen)
            if batch is None:
                if show.problem:  # a failure (timeout, click refused), not the end of the reviews
                    yield self._result(start_url, url, [], site=site, problems=[f"{show.problem} at {url}"])
                else:
                    log.info("%s: %s", url, show.reason or "no more reviews behind the show-more button")
                return
            got, probs, notes = build_reviews(batch, page_url=url, source=self._source(site, start_url), site=site,
                                       today=self.today, skip=batch["skip"])
            pages += 1
            yield self._result(start_url, url, got, site=site, strategy=batch.get("strategy"), problems=probs,
                               notes=notes)
            seen, more = int(batch.get("blocks") or seen), batch.get("more")


class _Walk:
    """One start URL's walk: where it is, what it has seen, and the pages it yields."""

    def __init__(self, walker: Walker, start_url: str, url: str, site: SiteConfig | None) -> None:
        self.w = walker
        self.start_url = start_url
        self.url: str | None = url
        self.site = site
        self.decided = site is not None
        self.strategy: str | None = None
        self.count = 0                         # pages yielded
        self.empty = 0                         # consecutive pages that yielded nothing
        self.last_ids: set[str] | None = None
        self.prev_url: str | None = None
        self.nav_attempt = 0                   # attempts already made at self.url (failed in-browser fetches)
        self.failed = 0                        # consecutive pages that failed to load
        self.nav_wait = 0.0                    # seconds the retry policy asks before navigating to it
        self._hinted = False                   # a config that found nothing was told what the layout shows

    def room(self) -> bool:
        return self.count < self.w.max_pages and not self.w._done()

    def pages(self) -> Iterator[PageResult]:
        w = self.w
        while self.url and self.room():
            blocked = w.politeness.blocked(self.url)
            if blocked:
                yield w._result(self.start_url, self.url, [], problems=[blocked], capture=False)
                return
            first_fetch = self.count == 0 and w._first_fetch_ok(self.url, self.site)
            if (self.count > 0 and w._fetch_allowed(self.site, self.strategy)) or first_fetch:
                w._pace(self.url, self.site)
                outcome = yield from self._fetched()
                if outcome == "end":
                    return
                if outcome == "continue":
                    continue
                if not self.room():
                    return
            outcome = yield from self._navigated()
            if outcome == "end":
                return

    def _repeats(self, reviews: list[Review], url: str) -> bool:
        ids = {r.id for r in reviews}
        if self.last_ids is not None and ids and ids == self.last_ids:
            log.info("%s repeats the previous page: end of reviews", url)
            return True
        if ids:
            self.last_ids = ids
        return False

    def _past_end(self, status: int, has_reviews: bool) -> bool:
        """A page parameter walked past the last page (404/410, or a page without reviews)."""
        return bool(self.count > 0 and self.site is not None and self.site.page_param
                    and (status in (404, 410) or (status in (0, 200) and not has_reviews)))

    # ---- pages fetched inside the browser
    def _fetched(self) -> Iterator[PageResult]:
        w, site = self.w, self.site
        pp = ({"name": site.page_param, "start": site.page_start, "step": site.page_step}
              if site and site.page_param else None)
        stream = w.fetcher.stream(self.url, site.js_config() if site else None, w.max_pages - self.count,
                                  delay=w._delay(site, self.url), page_param=pp, prev_url=self.prev_url)
        try:
            for item in stream:
                if not self.room():
                    return "end"
                item_url = item.get("finalUrl") or item.get("url")
                status = int(item.get("status") or 0)
                if not item.get("error") and self._past_end(status, bool(item.get("reviews"))):
                    log.info("%s: HTTP %s, no reviews: past the last page", item_url, status)
                    return "end"
                if item.get("error") or status != 200:
                    why = item.get("error") or f"HTTP {status}"
                    if status and not w.retry.retryable_status(status):
                        yield w._result(self.start_url, item_url, [], site=site, problems=[f"{why} at {item_url}"],
                                        debug_html=item.get("html") or "")
                        return "end"
                    # Transient trouble: a real navigation, after the wait the retry policy asks for.
                    self.url = item.get("url")
                    self.nav_attempt = int(item.get("attempts") or 1)  # the navigation counts on from these
                    self.nav_wait = w.retry.wait_seconds(0, retry_after_seconds(item.get("retryAfter")),
                                                         w._delay(site, self.url))
                    log.warning("%s: %s (in-browser fetch); navigating to it in %.1f s", self.url, why, self.nav_wait)
                    return "navigate"
                if not item.get("reviews"):
                    self.url = item.get("url")  # maybe rendered by JavaScript, or broken: navigate to it
                    if site is not None and site.guessed:
                        site.fetch_in_page = False  # a guessed site's pages are rendered by its script: navigated
                    return "navigate"
                if not item.get("nextUrl") and (item.get("more") or (item.get("next") or {}).get("click")):
                    self.url = item.get("url")  # more behind a button: a fetched document has nothing to click
                    return "navigate"
                if site:
                    site.join_parts(item)  # the parts of a field (a hotel review's liked and disliked halves)
                reviews, problems, notes = build_reviews(item, page_url=item_url, source=w._source(site, self.start_url),
                                                  site=site, today=w.today)
                how = item.get("strategy")
                if self.count == 0:
                    self.decided, self.strategy = True, how
                    w._strategy_used = self.strategy
                if self._repeats(reviews, item_url):
                    return "end"
                nxt = item.get("nextUrl")
                self.count += 1
                self.empty = 0
                page = w._result(self.start_url, item_url, reviews, site=site, strategy=how,
                                 next_url=nxt, problems=problems, notes=notes, debug_html=item.get("html"))
                self.prev_url = item_url
                yield page
                self.url = nxt
                if not nxt:
                    return "end"
                if w.politeness.blocked(nxt):
                    return "continue"  # the check at the top of the walk reports it
            return "continue"
        finally:
            stream.close()

    # ---- a page loaded by navigation
    def _navigated(self) -> Iterator[PageResult]:
        w = self.w
        url = self.url
        assert url is not None
        w._pace(url, self.site, at_least=self.nav_wait)
        raw, site_now, error = w._navigate(url, self.site, self.decided, attempt=self.nav_attempt,
                                           first=self.count == 0)
        self.nav_attempt, self.nav_wait = 0, 0.0
        if not self.decided and error is None and raw is not None:
            self.site, self.decided = site_now, True
            w._site_used = self.site
        if w.cancel.is_set():
            return "end"
        site = self.site
        if raw is not None and self._past_end(int(raw.get("status") or 0), bool(raw.get("reviews"))):
            log.info("%s: no reviews: past the last page", url)
            return "end"
        if error:
            self.count += 1
            self.failed += 1
            # The page is its own resume point (a later run tries it again). A config whose pages are a page
            # parameter knows the next page's URL without this one: the walk goes on past one failed page
            # (two in a row: the site is unwell, stop); otherwise the walk of this start URL stops here.
            yield w._result(self.start_url, url, [], site=site, next_url=url, problems=[error],
                            screenshot=not (error.startswith("gave up") and "timed out" in error))
            if (site is not None and site.page_param and self.failed < 2 and not error.startswith("the browser")
                    and error != "cancelled" and self.room()):
                self.url = next_page_url(url, site.page_param, site.page_start, site.page_step)
                log.info("%s failed; going on to %s (the page parameter gives the next page)", url, self.url)
                return "continue"
            return "end"
        self.failed = 0
        assert raw is not None
        page_url = raw.get("url") or url
        if not page_url.startswith(("http://", "https://")):
            page_url = url
        self.strategy = raw.get("strategy") or self.strategy
        w._strategy_used = self.strategy
        reviews, problems, notes = build_reviews(raw, page_url=page_url, source=w._source(site, self.start_url),
                                          site=site, today=w.today)
        has = bool(raw.get("reviews"))
        reach = None if has or raw.get("truncated") else w._out_of_reach()
        if not has:
            problems.insert(0, self._nothing_found(page_url, raw, reach) + self._new_layout(site, raw, reach))
        elif raw.get("wait_missing"):
            problems.insert(0, f"{raw['wait_missing']} at {page_url}; the reviews were found without it: fix or "
                               f"remove wait_for in {site.path if site and site.path else 'the site config'}")
        if self._repeats(reviews, page_url):
            return "end"
        # ---- batches on the same page: load more / infinite scroll
        if site and (site.load_more or site.infinite_scroll) and has:
            yield from w._batches(self.start_url, page_url, site, raw, reviews, problems, notes, self.count)
            return "end"
        nxt, click = self._next(page_url, raw, has)
        self.count += 1
        self.empty = 0 if has else self.empty + 1
        yield w._result(self.start_url, page_url, reviews, site=site, strategy=self.strategy, next_url=nxt,
                        problems=problems, notes=notes, screenshot=not raw.get("truncated"), out_of_reach=reach)
        # ---- zero-config "show more reviews" on the same page (no link to a next page)
        # (also under a config without a `review` selector: one that only clicks a cookie banner away)
        if not (site and site.review) and has and raw.get("more") and not nxt and self.room():
            yield from w._show_more(self.start_url, page_url, raw, self.count, site)
            return "end"
        if not has:
            if not nxt:
                return "end"
            if self.empty >= MAX_EMPTY_PAGES:
                log.warning("%s: %d pages in a row without reviews; giving up this start URL", self.start_url,
                            self.empty)
                return "end"
            log.info("%s yielded nothing; going on to %s", page_url, nxt)
        if click and self.room():
            selector = site.next if site and site.next else (raw.get("next") or {}).get("click")
            yield from w._click_pages(self.start_url, page_url, site, self.count, selector)
            return "end"
        self.prev_url = page_url
        self.url = nxt
        return "continue"

    def _new_layout(self, site: SiteConfig | None, raw: dict[str, Any], reach: str | None) -> str:
        """When a site config's selectors found nothing on a live page (a redesign), what the page's layout now
        shows and how to make a config of it ("" when it shows no reviews either, or nothing was configured)."""
        if not (site and site.review and not site.guessed) or raw.get("truncated") or raw.get("wait_missing") \
                or reach or self._hinted:
            return ""
        self._hinted = True  # once per walk: every page after it has the same layout
        guess = guess_layout(self.w.driver, self.url or "")
        if guess.site is None:
            return ""
        return (f"; the page now shows {guess.blocks} review-like blocks ({guess.site.review!r}): `reviewlens "
                f"sites make {self.start_url} -o FILE.toml` writes a config that reads them")

    def _nothing_found(self, page_url: str, raw: dict[str, Any], reach: str | None = None) -> str:
        """The page's error when it yielded no reviews: what was tried, and where the reviews seem to be when
        the page holds them out of reach (`reach`, from Walker._out_of_reach)."""
        if raw.get("truncated"):
            return f"no reviews at {page_url}: {raw['truncated']}"
        if raw.get("wait_missing"):
            return f"no reviews at {page_url}: {raw['wait_missing']}"
        site = self.site
        w_guess = self.w.settings.guess_layout
        if site and site.guessed:
            tried = f"the layout guessed on the start URL's first page, review selector {site.review!r}"
        elif site and site.review:
            tried = f"site config '{site.name}', review selector {site.review!r}"
        elif site:
            tried = f"JSON-LD, microdata and embedded page state, with site config '{site.name}'"
        else:
            tried = ("JSON-LD, microdata, embedded page state" + (" and the page's layout" if w_guess else "")
                     + "; no site config matches this URL")
        return f"no reviews found at {page_url} (tried {tried})" + (f": {reach}" if reach else "")

    def _next(self, url: str, raw: dict[str, Any], has_reviews: bool) -> tuple[str | None, bool]:
        """(URL of the next page, whether the next page is reached by clicking a button). A page
        without reviews still leads on through its next link, or the URL pattern of the pages before."""
        site = self.site
        if site and site.page_param:
            return (next_page_url(url, site.page_param, site.page_start, site.page_step), False) if has_reviews \
                else (None, False)
        nxt = raw.get("next") or None
        if nxt and nxt.get("url"):
            return nxt["url"], False
        if not has_reviews:
            return predict_next(self.prev_url, url), False
        click = nxt.get("click") if nxt else None
        return None, bool(click) and (isinstance(click, str) or bool(site and site.next))



class _ClickBlocked(Exception):
    pass
