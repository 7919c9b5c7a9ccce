"""Later pages fetched inside the browser session (fetch() + DOMParser, scraper/js/fetch_install.js):
a background job in the page follows the next links and queues the extracted pages; `stream()`
hands them over in order, several per WebDriver round trip.

Transient trouble with the first page of a stream is retried here by the retry policy (waiting the
server's Retry-After, the backoff and the site's delay); on later pages the item is handed over with
its status and Retry-After, and the walker navigates to it after the same wait.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Iterator

from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver

from .extract import FETCH_INSTALL, FETCH_START, FETCH_STOP, FETCH_TAKE
from .politeness import Politeness
from .retry import RetryPolicy, retry_after_seconds

log = logging.getLogger(__name__)

TAKE_MAX_WAIT_MS = 30  # a take returns what it has this long after its first queued page


def first_line(e: BaseException) -> str:
    msg = (getattr(e, "msg", None) or str(e) or repr(e)).strip()
    return msg.splitlines()[0][:200] if msg else repr(e)


class InPageFetcher:
    """Streams pages fetched by the in-page job. One per browser session."""

    def __init__(self, driver: WebDriver, *, timeout: float, politeness: Politeness, retry: RetryPolicy,
                 cancel: threading.Event, chain: int = 16, parallel: int = 8) -> None:
        self.driver = driver
        self.timeout = timeout
        self.politeness = politeness
        self.retry = retry
        self.cancel = cancel
        self.chain = max(1, chain)
        self.parallel = max(1, parallel)
        self._script_timeout: float | None = None

    def _script_timeout_at_least(self, seconds: float) -> None:
        if self._script_timeout is None or self._script_timeout < seconds:
            self.driver.set_script_timeout(seconds)
            self._script_timeout = seconds

    def stream(self, url: str, cfg: dict | None, n: int, *, delay: float, page_param: dict | None = None,
               prev_url: str | None = None) -> Iterator[dict[str, Any]]:
        """Up to `n` pages from `url`, one item per page, in order. The job keeps fetching while this
        side handles what it took, up to a buffer; closing the generator stops it.

        Without a delay, up to `parallel` predicted pages are fetched at once, `chain` pages per round
        trip; with a delay, one page at a time and at most one fetched ahead."""
        fast = delay == 0
        want = self.chain if fast else 1
        opts = {"max": n, "delayMs": int(delay * 1000), "timeoutMs": int(self.timeout * 1000),
                "robots": self.politeness.rules(url), "pageParam": page_param,
                "prevUrl": prev_url, "parallel": self.parallel if fast else 1, "buffer": 2 * want if fast else 1}
        self._script_timeout_at_least(self.timeout + delay + TAKE_MAX_WAIT_MS / 1000 + 5)
        attempt = 0
        while True:
            try:
                job = self.driver.execute_script(FETCH_START, url, cfg, opts)
                if job is None:  # a new document: install the fetcher (once per page)
                    self.driver.execute_script(FETCH_INSTALL)
                    job = self.driver.execute_script(FETCH_START, url, cfg, opts)
            except WebDriverException as e:  # e.g. the page is navigating: the caller navigates instead
                yield {"url": url, "error": f"in-browser fetch could not start: {first_line(e)}"}
                return
            retry_wait = None
            try:
                retry_wait = yield from self._take_all(job, url, want, attempt, delay)
            finally:
                self.stop_job(job)
            if retry_wait is None or self.cancel.is_set():
                return
            attempt += 1
            self.politeness.wait(url, delay, self.cancel, at_least=retry_wait)
            if self.cancel.is_set():
                return

    def _take_all(self, job: str, url: str, want: int, attempt: int, delay: float
                  ) -> Iterator[dict[str, Any]]:
        """Hand over the job's items; returns the seconds to wait before retrying the first page, or None."""
        expect = url  # the page the job is on (named in an error when a take fails)
        first = True
        while True:
            asked = time.monotonic()
            try:
                res = json.loads(self.driver.execute_async_script(FETCH_TAKE, job, want, TAKE_MAX_WAIT_MS) or "{}")
            except TimeoutException:
                waited = time.monotonic() - asked
                why = (f"timed out after {self.timeout:g} s" if waited >= self.timeout
                       else f"interrupted after {waited:.1f} s (the page navigated away?)")
                res = {"items": [{"url": expect, "error": why}], "done": True}
            except WebDriverException as e:  # the page navigated away (its own script) or crashed
                res = {"items": [{"url": expect, "error": f"in-browser fetch failed: {first_line(e)}"}], "done": True}
            if res.get("gone"):
                yield {"url": expect, "error": "the in-page fetch job ended (the page navigated away)"}
                return None
            for item in res.get("items") or []:
                if first:
                    first = False
                    item["attempts"] = attempt + 1  # fetches of this page so far (a navigation counts on)
                    status = int(item.get("status") or 0)
                    transient = item.get("error") or self.retry.retryable_status(status)
                    if transient and self.retry.may_retry(attempt):
                        retry_after = retry_after_seconds(item.get("retryAfter"))
                        wait = self.retry.wait_seconds(attempt, retry_after, delay)
                        why = f"HTTP {status}" if status else item.get("error")
                        log.warning("%s: %s (in-browser fetch); retry %d/%d in %.1f s", url, why, attempt + 1,
                                    self.retry.retries, wait)
                        return wait
                expect = item.get("nextUrl") or expect
                yield item
            if res.get("done"):
                return None

    def stop_job(self, job: str) -> None:
        try:
            self.driver.execute_script(FETCH_STOP, job)
        except WebDriverException as e:  # the page (or browser) is gone: so is the job
            log.debug("stopping in-page job %s: %s", job, e)
