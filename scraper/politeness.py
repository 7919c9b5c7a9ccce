"""Politeness: may this page be fetched, and when. robots.txt rules and Crawl-delay, the configured
delay per site, and the pacing of requests to one host across browsers, in one place.

The walker asks `blocked(url)` before every page (navigated or fetched in the browser: the in-page
fetch job gets the same rules as `rules(url)`), and `wait(url, ...)` before every request. Nothing
here touches a browser, so it is tested without one.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Protocol
from urllib.parse import urlsplit

from .robots import Robots


class _Cancel(Protocol):
    def wait(self, timeout: float | None = None) -> bool: ...


class Pacer:
    """Keeps at least `delay` seconds between requests to one host, across browsers (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def reserve(self, url: str, delay: float, at_least: float = 0.0) -> float:
        """Book the next request slot for the URL's host; returns how long to wait for it. The slot
        after it is `delay` later; `at_least` pushes this one out (a Retry-After, a backoff)."""
        host = urlsplit(url).netloc
        with self._lock:
            now = self._clock()
            at = max(now + max(0.0, at_least), self._next.get(host, 0.0))
            self._next[host] = at + max(0.0, delay)
        return at - now


class Politeness:
    """robots: None when robots.txt is not respected. delay: the configured seconds between requests
    to one site (a site config's own delay, passed per call, wins; a longer Crawl-delay wins over both)."""

    def __init__(self, robots: Robots | None, delay: float = 0.0, pacer: Pacer | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.robots = robots
        self.default_delay = max(0.0, float(delay or 0.0))
        self.pacer = pacer or Pacer()
        self._sleep = sleep

    @property
    def user_agent(self) -> str | None:
        return self.robots.user_agent if self.robots else None

    def blocked(self, url: str) -> str | None:
        """Why `url` may not be fetched, or None when it may."""
        if self.robots is None or self.robots.allowed(url):
            return None
        return (f"robots.txt of {Robots.origin(url)} disallows {url} for {self.robots.user_agent!r}; stopped here. "
                f"To override (only where you are entitled to), set respect_robots = false under [scraper] "
                f"in reviewlens.toml or use --ignore-robots")

    def delay(self, url: str, site_delay: float | None = None) -> float:
        """Seconds between requests to the URL's site: the site config's delay (else the configured
        one), raised to robots.txt's Crawl-delay."""
        d = self.default_delay if site_delay is None else max(0.0, float(site_delay))
        if self.robots:
            cd = self.robots.crawl_delay(url)
            if cd:
                d = max(d, float(cd))
        return d

    def rules(self, url: str) -> dict | None:
        """robots rules for the in-browser fetch job (None: not checked)."""
        return self.robots.rules(url) if self.robots else None

    def wait(self, url: str, site_delay: float | None = None, cancel: _Cancel | None = None,
             at_least: float = 0.0) -> float:
        """Wait for this host's next request slot (and at least `at_least` seconds). Returns the wait."""
        pause = self.pacer.reserve(url, self.delay(url, site_delay), at_least)
        if pause > 0:
            if cancel is not None:
                cancel.wait(pause)
            else:
                self._sleep(pause)
        return max(0.0, pause)
