"""The retry policy: which failures are worth another try, and how long to wait before it.

One policy serves the navigated path and the in-browser fetch path. It never sleeps itself: the
walker asks `wait_seconds()` and waits on its cancel event, so a cancelled run stops at once.

- HTTP 429 and 5xx gateway statuses (500, 502, 503, 504), timeouts and dropped connections are
  transient: retried up to `retries` times.
- The wait is exponential (`backoff * 2**attempt`), at least the server's Retry-After (capped at
  `max_retry_after`) and never shorter than the site's own delay between requests.
- Everything else (404, 403, a broken site config, a redirect loop) is final: retrying would only
  repeat it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_after_seconds(value: Any, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header value (delta-seconds or an HTTP date); None when absent
    or unreadable."""
    if value in (None, ""):
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        when = parsedate_to_datetime(str(value)).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


@dataclass(frozen=True)
class RetryPolicy:
    """retries: further attempts after the first; backoff: the first wait in seconds (doubles)."""

    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 120.0

    def retryable_status(self, status: int | None) -> bool:
        return bool(status) and int(status) in RETRY_STATUSES

    def may_retry(self, attempt: int) -> bool:
        """May attempt number `attempt` (0 = the first) be followed by another?"""
        return attempt < self.retries

    def wait_seconds(self, attempt: int, retry_after: float | None = None, site_delay: float = 0.0) -> float:
        """How long to wait after failed attempt `attempt` (0-based) before the next one."""
        wait = self.backoff * (2 ** max(0, attempt))
        if retry_after is not None:
            wait = max(wait, min(float(retry_after), self.max_retry_after))
        return max(wait, float(site_delay or 0.0))
