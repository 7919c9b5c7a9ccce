"""Schedule files: which sources run when (an interval or a cron expression), read and checked.

The format (TOML):

    [schedule]
    analyze = true              # run the analysis after each scrape
    report = true               # write an Excel report per run into reports_dir
    reports_dir = "data/reports"

    [[sources]]
    name = "acme-headphones"    # the run history groups runs by this name
    urls = ["https://shop.example/p/headphones"]
    site = "trustpilot"         # optional: a bundled site config or a TOML path (relative to this file)
    every = "6h"                # an interval (30m, 6h, 1d, 1w) ...
    # cron = "0 6 * * 1"        # ... or a cron expression (min hour day month weekday)
    max_pages = 20
    since = "30d"               # optional: only reviews of the last 30 days (a rolling window, or a date)

    [[sources]]
    name = "google-play"        # exports dropped into a folder (a synced bucket, a mail rule, a script)
    files = "exports/play/*.csv"   # a glob, relative to this file; each file is imported once (by content);
                                   # or a web address of an export (a spreadsheet published as CSV)
    every = "1d"
    product = "com.acme.notes"  # optional: for rows that name none

The core reads it (the dashboard shows it, the scheduler in reviewlens.app runs it).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .config import ConfigError, read_toml
from .urls import http_url

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hour|hours|d|day|days|w|week|weeks)\s*$", re.I)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "hours": 3600,
          "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800}


def parse_interval(text: str) -> timedelta:
    m = _INTERVAL.match(str(text))
    if not m:
        raise ConfigError(f"bad interval {text!r}: use a number and a unit, e.g. 30m, 6h, 1d, 1w")
    td = timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2).lower()])
    if td.total_seconds() <= 0:
        raise ConfigError(f"bad interval {text!r}: must be longer than zero")
    return td


_WINDOW = re.compile(r"^\s*(\d+)\s*(d|day|days|w|week|weeks)\s*$", re.I)


def parse_since(text: str | date, today: date | None = None) -> date:
    """The first review date to keep: an ISO date ("2026-10-01"), or a rolling window counted back
    from `today` ("30d", "2w": reviews of the last 30 days, of the last 2 weeks)."""
    if isinstance(text, date):
        return text
    s = str(text).strip()
    m = _WINDOW.match(s)
    if m:
        days = int(m.group(1)) * (7 if m.group(2).lower().startswith("w") else 1)
        return (today or date.today()) - timedelta(days=days)
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise ConfigError(f"bad since {text!r}: use an ISO date (2026-10-01) or a number of days or weeks "
                          f"back from today (30d, 2w)") from None


_DOW = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def cron_to_apscheduler(expr: str) -> str:
    """Standard cron counts weekdays from Sunday = 0 (7 too); APScheduler 3 from Monday = 0. Use names."""
    parts = expr.split()
    if len(parts) != 5:
        raise ValueError(f"a cron expression has 5 fields (minute hour day month weekday), got {len(parts)}")
    parts[4] = re.sub(r"(?<![/\d])\d+", lambda m: _DOW[int(m.group())] if int(m.group()) <= 7 else m.group(),
                      parts[4])
    return " ".join(parts)


def _human(td: timedelta | None) -> str:
    if td is None:
        return "?"
    secs = int(td.total_seconds())
    for unit, n in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if secs % n == 0 and secs >= n:
            return f"{secs // n}{unit}"
    return f"{secs}s"


@dataclass
class Source:
    name: str
    urls: list[str]
    site: str | None = None
    files: str | None = None            # a glob of review files to import (instead of urls), absolute
    product: str | None = None          # with files: the product of rows that name none
    every: timedelta | None = None
    cron: str | None = None
    max_pages: int | None = None
    analyze: bool = True
    report: bool = True
    since: str | None = None            # a rolling window ("30d") or an ISO date; None = every review

    def since_date(self, today: date | None = None) -> date | None:
        """The first review date this run keeps (a rolling window moves with `today`)."""
        return parse_since(self.since, today) if self.since else None

    def trigger(self):
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        if self.cron:
            return CronTrigger.from_crontab(cron_to_apscheduler(self.cron), timezone=timezone.utc)
        return IntervalTrigger(seconds=self.every.total_seconds(), timezone=timezone.utc)

    @property
    def when(self) -> str:
        """The schedule in words: 'every 6:00:00' or 'cron 0 6 * * 1'."""
        return f"cron {self.cron}" if self.cron else f"every {_human(self.every)}"

    def next_due(self, last_start: datetime | None, now: datetime) -> datetime:
        """When the next run is due: now if it never ran, else the first run time after the last run."""
        if last_start is None:
            return now
        if self.every is not None:
            return last_start + self.every
        return self.trigger().get_next_fire_time(None, last_start + timedelta(seconds=1))

    def is_due(self, last_start: datetime | None, now: datetime) -> bool:
        """Due when it never ran, or when a run time has passed since the last run started.

        However many run times were missed, the answer is one run (coalescing).
        """
        if last_start is None:
            return True
        nxt = self.next_due(last_start, now)
        return nxt is not None and nxt <= now


@dataclass
class Schedule:
    sources: list[Source]
    analyze: bool = True
    report: bool = True
    reports_dir: Path | None = None
    path: Path | None = None


#: The keys each part of a schedule file may hold; any other is a typo to report, not a setting to ignore.
TOP_KEYS = ("schedule", "sources")
SCHEDULE_KEYS = ("analyze", "report", "reports_dir")
SOURCE_KEYS = ("name", "url", "urls", "files", "site", "product", "every", "cron", "max_pages", "since",
               "analyze", "report")


def _check_keys(table: dict, known: tuple[str, ...], where: str) -> None:
    """Refuse keys that are not in `known`: a typo (`sinse`, `analyse`) silently ignored would run the source
    without the setting (no date filter, an analysis meant off), and nothing would say so. Each unknown key
    is named with the known key it most resembles."""
    unknown = [k for k in table if k not in known]
    if not unknown:
        return
    said = []
    for key in unknown:
        near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        said.append(f"{key!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    raise ConfigError(f"{where}: unknown key{'s' if len(said) > 1 else ''} {', '.join(said)}; "
                      f"known: {', '.join(known)}")


def _flag(table: dict, key: str, default: bool, where: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where} {key} must be true or false, not {value!r}")
    return value


def load_schedule(path: str | Path) -> Schedule:
    """Read and check a schedule file; every ConfigError names the file (and the source and the key)."""
    p = Path(path)
    data = read_toml(p, "schedule file", " (see `reviewlens schedule --help` for the format)")
    _check_keys(data, TOP_KEYS, str(p))
    top = data.get("schedule", {})
    if not isinstance(top, dict):
        raise ConfigError(f"{p}: [schedule] must be a table")
    _check_keys(top, SCHEDULE_KEYS, f"{p} [schedule]")
    reports_dir = top.get("reports_dir")
    if reports_dir is not None and (not isinstance(reports_dir, str) or not reports_dir.strip()):
        raise ConfigError(f"{p} [schedule] reports_dir must be a folder, e.g. \"data/reports\", not {reports_dir!r}")
    sched = Schedule(sources=[], analyze=_flag(top, "analyze", True, f"{p} [schedule]"),
                     report=_flag(top, "report", True, f"{p} [schedule]"),
                     reports_dir=Path(reports_dir) if reports_dir else None, path=p)
    tables = data.get("sources", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{p}: sources must be tables, each under a [[sources]] line")
    names = set()
    for i, table in enumerate(tables, 1):
        src = _source(table, i, p, sched)
        if src.name in names:
            raise ConfigError(f"{p}: source {src.name!r} ([[sources]] #{i}): duplicate name {src.name!r}")
        names.add(src.name)
        sched.sources.append(src)
    if not sched.sources:
        raise ConfigError(f"{p}: no [[sources]] to schedule")
    return sched


def _source(s: dict, i: int, p: Path, sched: Schedule) -> Source:
    """The `i`-th [[sources]] table of the schedule file `p`, checked; errors say which file and source."""
    name = str(s.get("name") or f"source-{i}")
    where = f"{p}: source {name!r} ([[sources]] #{i})"
    _check_keys(s, SOURCE_KEYS, where)
    urls = s.get("urls") or ([s["url"]] if s.get("url") else [])
    files = _files(s.get("files"), bool(urls), p, where)
    if not isinstance(urls, list) or not all(isinstance(u, str) and u for u in urls):
        raise ConfigError(f"{where}: urls must be a list of URLs, e.g. urls = [\"https://shop.example/p/1\"]")
    if not urls and not files:
        raise ConfigError(f"{where}: needs `url` or `urls` (pages to scrape), or `files` (files to import)")
    bad = [u for u in urls if http_url(u) is None]
    if bad:
        raise ConfigError(f"{where}: {bad[0]!r} is not a web address (http:// or https://)")
    site = s.get("site")
    if site is not None and (not isinstance(site, str) or not site.strip()):
        raise ConfigError(f"{where}: site must be a site config's name or a TOML file, not {site!r}")
    if site and site.strip().endswith(".toml") and not Path(site.strip()).expanduser().is_absolute():
        site = str(p.parent / site.strip())  # a config file next to the schedule file, wherever it is run from
    every, cron = s.get("every"), s.get("cron")
    if bool(every) == bool(cron):
        raise ConfigError(f"{where}: give exactly one of `every` (e.g. \"6h\") or `cron` (e.g. \"0 6 * * 1\")")
    if cron is not None and not isinstance(cron, str):
        raise ConfigError(f"{where}: cron must be a cron expression in quotes, e.g. \"0 6 * * 1\", not {cron!r}")
    max_pages = s.get("max_pages")
    if max_pages is not None and (isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1):
        raise ConfigError(f"{where}: max_pages must be a whole number of at least 1, not {max_pages!r}")
    try:
        interval = parse_interval(every) if every else None
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from None
    src = Source(name=name, urls=list(urls), site=site, since=_since(s.get("since"), where), files=files,
                 product=str(s["product"]) if s.get("product") else None,
                 every=interval, cron=cron, max_pages=max_pages,
                 analyze=_flag(s, "analyze", sched.analyze, f"{where}:"),
                 report=_flag(s, "report", sched.report, f"{where}:"))
    if cron:
        try:
            src.trigger()
        except ValueError as e:
            raise ConfigError(f"{where}: bad cron expression {cron!r}: {e}") from e
    return src


def _files(files, has_urls: bool, p: Path, where: str) -> str | None:
    """A source's `files`, checked: a pattern made absolute (relative to the schedule file), or a web address."""
    if files is None:
        return None
    if not isinstance(files, str) or not files.strip():
        raise ConfigError(f"{where}: files must be a file pattern, e.g. files = \"exports/*.csv\"")
    if has_urls:
        raise ConfigError(f"{where}: give `urls` (pages to scrape) or `files` (files to import), not both")
    if http_url(files) is not None:  # a web address stays one (an export published online)
        return files
    pattern = Path(files.strip()).expanduser()
    return str(pattern if pattern.is_absolute() else p.resolve().parent / pattern)


def _since(since, where: str) -> str | None:
    """A source's `since`, checked: a rolling window ("30d") or an ISO date, as text."""
    if since is None:
        return None
    if not isinstance(since, (str, date)) or isinstance(since, datetime):
        raise ConfigError(f"{where}: since must be a rolling window such as \"30d\" or a date, not {since!r}")
    try:
        parse_since(since)
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from None
    return since.isoformat() if isinstance(since, date) else since.strip()
