"""Zero-config "show more reviews": the button extract.js found on a page (`raw["more"]`) is clicked,
the page is watched until it holds more reviews (or the button is gone), and only the new reviews are
extracted, as one batch. One class, one job; the walk (engine.py) decides when to use it.

    show = ShowMore(driver, timeout=settings.timeout, poll=0.05)
    for batch in show.batches(raw):           # raw: the first extraction of the page
        reviews, problems, notes = build_reviews(batch, page_url=url, ..., skip=batch["skip"])
    if show.problem: ...                      # it stopped on a failure, not at the end of the reviews
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Iterator

from selenium.common.exceptions import (ElementClickInterceptedException, ElementNotInteractableException,
                                        NoSuchElementException, StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from . import js
from .extract import EXTRACT_LIVE

log = logging.getLogger(__name__)

STATE_JS = js.with_extractor("more")  # scraper/js/more.js: the button and the review count, in one round trip
COVERING_JS = js.load("covering")  # scraper/js/covering.js: the overlay a real click on the button hit instead
SETTLE = 1.0  # seconds to wait for reviews to appear after the button went away
# Seconds to wait for reviews after a click from script, when an overlay took the real click: a page that reacts to
# such a click does so at once, and many ignore it (a consent wall that lets no click through until it is answered).
COVERED_WAIT = 3.0


def describe_overlay(o: dict[str, Any]) -> str:
    """The overlay as the page's HTML names it: <div id="cmp" class="..." role="dialog" aria-label="Cookie consent">."""
    attrs = "".join(f' {name}="{o[key]}"' for key, name in (("id", "id"), ("cls", "class"), ("role", "role"),
                                                              ("label", "aria-label")) if o.get(key))
    return f"<{o.get('tag') or 'div'}{attrs}>"


def covered_problem(selector: str, overlay: dict[str, Any], waited: float) -> str:
    """What a run says when an overlay takes the clicks on the show-more button: which element, what it most
    likely is, and the fix (a site config that clicks the banner away)."""
    what = ("a cookie or consent banner, most likely" if overlay.get("consent")
            else "an overlay: a cookie or consent banner, or a popup?")
    return (f"the show-more button {selector!r} is covered by {describe_overlay(overlay)} ({what}): the browser's "
            f"click landed on it, and a click from script brought no new reviews within {waited:g} s. Write a site "
            f"config for this site that clicks the banner away, cookie_banner = \"CSS selector of its accept "
            f"button\" (scraper/sites/README.md), try it with `reviewlens sites test URL --site FILE`, then scrape "
            f"with --site FILE")


class ShowMore:
    """Clicks a page's "show more reviews" button until it is gone, hidden, or brings no new reviews."""

    def __init__(self, driver: WebDriver, timeout: float = 10.0, poll: float = 0.05,
                 cfg: dict[str, Any] | None = None) -> None:
        self.driver = driver
        self.timeout = float(timeout)
        self.poll = poll
        self.cfg = cfg  # None: zero-config extraction, as extract.js found the button
        self.reason = ""                 # why the last call stopped (for the log)
        self.problem: str | None = None  # set when it stopped on a failure, not at the end of the reviews
        self.covered: dict[str, Any] | None = None  # the overlay that took the last real click (covering.js)

    def _state(self, selector: str) -> dict[str, Any]:
        return json.loads(self.driver.execute_script(STATE_JS, "state", selector, self.cfg) or "{}")

    def _overlay(self, selector: str) -> dict[str, Any] | None:
        """The element over the button's centre that took the real click, or None (covering.js)."""
        try:
            found = self.driver.execute_script(COVERING_JS, selector)
        except WebDriverException:
            return None
        return found if isinstance(found, dict) else None

    def _click(self, selector: str) -> bool:
        self.covered = None
        try:
            el = self.driver.find_element(By.CSS_SELECTOR, selector)
            try:
                el.click()  # a real click, as a user would
            except (ElementClickInterceptedException, ElementNotInteractableException) as e:
                self.covered = self._overlay(selector)
                log.info("show more %r: real click blocked (%s); clicking from script", selector,
                         describe_overlay(self.covered) + " covers it" if self.covered else
                         (e.msg or "").splitlines()[0][:120] if e.msg else type(e).__name__)
                if not self.driver.execute_script(STATE_JS, "click", selector, self.cfg):
                    raise NoSuchElementException(selector) from e
            return True
        except (NoSuchElementException, StaleElementReferenceException):
            self.reason = f"the button {selector!r} is gone"
        except WebDriverException as e:
            self.problem = self.reason = f"cannot click show-more button {selector!r}: {str(e).strip().splitlines()[0][:160]}"
        return False

    def batch(self, selector: str, seen: int) -> dict[str, Any] | None:
        """Click `selector` and return the raw extraction of the reviews after the first `seen`
        (like Walker._extract_live(site, skip=seen), plus "skip": seen), or None when there are no more:
        the button is gone, hidden or disabled, or no new reviews came within the timeout."""
        self.reason, self.problem = "", None
        try:
            st = self._state(selector)
        except WebDriverException as e:
            self.problem = self.reason = f"show more: the page cannot be read: {str(e).strip().splitlines()[0][:160]}"
            return None
        b = st.get("button") or {}
        if not (b.get("present") and b.get("visible") and b.get("enabled")):
            self.reason = f"no visible show-more button {selector!r}: all reviews loaded"
            return None
        if seen <= 0:
            seen = int(st.get("blocks") or 0)
        if not self._click(selector):
            return None
        gone_at: list[float] = []

        def grown_or_gone(_: Any) -> bool:
            s = self._state(selector)
            if int(s.get("blocks") or 0) > seen:
                return True
            bt = s.get("button") or {}
            if not (bt.get("present") and bt.get("visible")):
                if not gone_at:
                    gone_at.append(time.monotonic())
                return time.monotonic() - gone_at[0] >= SETTLE  # gone: give late reviews a moment
            return False

        wait = min(self.timeout, COVERED_WAIT) if self.covered else self.timeout
        try:
            WebDriverWait(self.driver, wait, poll_frequency=self.poll).until(grown_or_gone)
        except TimeoutException:
            self.problem = self.reason = (covered_problem(selector, self.covered, wait) if self.covered else
                                          f"no new reviews appeared within {wait:g} s after clicking "
                                          f"the show-more button {selector!r}")
            return None
        except WebDriverException as e:
            self.problem = self.reason = f"show more: the page cannot be read: {str(e).strip().splitlines()[0][:160]}"
            return None
        raw = json.loads(self.driver.execute_script(EXTRACT_LIVE, self.cfg, {"skip": seen}) or "{}")
        if int(raw.get("blocks") or 0) <= seen or not raw.get("reviews"):
            self.reason = f"the show-more button {selector!r} brought no new reviews"
            return None
        raw["skip"] = seen
        return raw

    def batches(self, raw: dict[str, Any], limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Batches after the page's first extraction `raw` (which holds raw["more"] = {"click": selector}),
        until the button is gone or brings nothing (see .reason / .problem), at most `limit` batches."""
        seen = int(raw.get("blocks") or 0)
        more = raw.get("more") or None
        n = 0
        while more and more.get("click") and (limit is None or n < limit):
            got = self.batch(str(more["click"]), seen)
            if got is None:
                log.info("show more: %s", self.reason)
                return
            seen = int(got.get("blocks") or seen)
            more = got.get("more") or None
            n += 1
            yield got
        if not self.reason:
            self.reason = "no show-more button: all reviews loaded"
