"""Reading the scrape schedule file (REVIEWLENS_SCHEDULE_FILE) for display on the runs page.

Format: `[[sources]]` tables with `name`, `url` or `urls`, optional `site`, and `every = "6h"` or
`cron = "0 6 * * 1"`. Only read here; the scheduler itself lives in reviewlens.scheduler.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass
class ScheduledSource:
    """One scheduled source as configured."""

    name: str
    urls: list[str]
    site: str | None = None
    every: str | None = None
    cron: str | None = None
    interval: timedelta | None = field(default=None, repr=False)

    @property
    def when(self) -> str:
        """Human description of the schedule."""
        if self.every:
            return f"every {self.every}"
        if self.cron:
            return f"cron {self.cron}"
        return "not scheduled"


def parse_interval(text: str) -> timedelta:
    """'6h' -> 6 hours; units s, m/min, h, d, w; several parts allowed ('1h30m')."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(min|[smhdw])", text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != re.sub(r"\s+", "", text.strip().lower()):
        raise ValueError(f"cannot read interval {text!r} (use e.g. 30m, 6h, 1d)")
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def load_schedule(path: str | Path) -> list[ScheduledSource]:
    """The sources of a schedule TOML file. Raises ValueError with the file and reason when unusable."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ValueError(f"schedule file not found: {p}") from e
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{p}: not valid TOML: {e}") from e
    items = data.get("sources", [])
    if not isinstance(items, list):
        raise ValueError(f"{p}: 'sources' must be an array of tables ([[sources]])")
    out = []
    for i, s in enumerate(items, 1):
        if not isinstance(s, dict):
            raise ValueError(f"{p}: sources entry {i} is not a table")
        urls = s.get("urls") or ([s["url"]] if s.get("url") else [])
        if isinstance(urls, str):
            urls = [urls]
        every = s.get("every")
        interval = None
        if every:
            try:
                interval = parse_interval(str(every))
            except ValueError as e:
                raise ValueError(f"{p}: sources entry {i}: {e}") from e
        out.append(ScheduledSource(name=str(s.get("name") or (urls[0] if urls else f"source {i}")),
                                   urls=[str(u) for u in urls], site=s.get("site"), every=every,
                                   cron=s.get("cron"), interval=interval))
    return out
