"""robots.txt: fetched once per origin with httpx, parsed with urllib.robotparser."""

from __future__ import annotations

import logging
import threading
import urllib.robotparser
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)


class Robots:
    """Answers "may this user agent fetch that URL?" and the Crawl-delay, per origin, cached."""

    def __init__(self, user_agent: str, timeout: float = 10.0):
        self.user_agent = user_agent
        self.timeout = timeout
        self._cache: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._lock = threading.Lock()

    @staticmethod
    def origin(url: str) -> str:
        p = urlsplit(url)
        return f"{p.scheme}://{p.netloc}"

    def _parser(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        origin = self.origin(url)
        with self._lock:
            if origin in self._cache:
                return self._cache[origin]
        rp: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            r = httpx.get(origin + "/robots.txt", headers={"User-Agent": self.user_agent},
                          timeout=self.timeout, follow_redirects=True)
            if r.status_code in (401, 403):
                rp.disallow_all = True
                log.info("robots.txt at %s answers %s: treating the site as disallowed", origin, r.status_code)
            elif r.status_code >= 400:
                rp.allow_all = True
                log.info("no robots.txt at %s (HTTP %s): everything allowed", origin, r.status_code)
            else:
                rp.parse(r.text.splitlines())
                log.info("robots.txt read from %s", origin)
        except httpx.HTTPError as e:
            log.warning("robots.txt at %s could not be read (%s): proceeding as allowed", origin, e)
            rp = None
        with self._lock:
            self._cache[origin] = rp
        return rp

    def allowed(self, url: str) -> bool:
        rp = self._parser(url)
        return True if rp is None else rp.can_fetch(self.user_agent, url)

    def crawl_delay(self, url: str) -> float | None:
        rp = self._parser(url)
        if rp is None:
            return None
        d = rp.crawl_delay(self.user_agent)
        return float(d) if d is not None else None

    def rules(self, url: str) -> dict:
        """The rules that apply to us at the URL's origin, for the in-browser page chain:
        {"all": True|False|None, "rules": [[path_prefix, allowed], ...]} checked first-match like robotparser."""
        rp = self._parser(url)
        if rp is None or rp.allow_all:
            return {"all": True, "rules": []}
        if rp.disallow_all:
            return {"all": False, "rules": []}
        entry = None
        for e in rp.entries:
            if e.applies_to(self.user_agent):
                entry = e
                break
        if entry is None:
            entry = rp.default_entry
        if entry is None:
            return {"all": True, "rules": []}
        return {"all": None, "rules": [[line.path, bool(line.allowance)] for line in entry.rulelines]}
