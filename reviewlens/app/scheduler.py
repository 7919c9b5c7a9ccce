"""Scheduled runs: scrape, then analyze, then report, for each configured source, on time.

The schedule is a TOML file:

    [schedule]
    analyze = true              # run the analysis after each scrape
    report = true               # write an Excel report per run into reports_dir
    reports_dir = "data/reports"

    [[sources]]
    name = "acme-headphones"    # the run history groups runs by this name
    urls = ["https://shop.example/p/headphones"]
    site = "trustpilot"         # optional: a bundled site config or a TOML path
    every = "6h"                # an interval (30m, 6h, 1d, 1w) ...
    # cron = "0 6 * * 1"        # ... or a cron expression (min hour day month weekday)
    max_pages = 20

A run never overlaps another run of the same source: a lock file per source (flock, so it also
holds across processes), plus a PostgreSQL advisory lock when the store is PostgreSQL (so it holds
across machines). Missed runs are coalesced: a source that missed several runs runs once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import re
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from .config import ConfigError, Settings, read_toml

log = logging.getLogger(__name__)

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hour|hours|d|day|days|w|week|weeks)\s*$", re.I)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "hours": 3600,
          "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800}


def parse_interval(text: str) -> timedelta:
    m = _INTERVAL.match(str(text))
    if not m:
        raise ConfigError(f"bad interval {text!r}: use a number and a unit, e.g. 30m, 6h, 1d, 1w")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2).lower()])


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
    every: timedelta | None = None
    cron: str | None = None
    max_pages: int | None = None
    analyze: bool = True
    report: bool = True

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
    raw: dict[str, Any] = field(default_factory=dict)


def load_schedule(path: str | Path) -> Schedule:
    p = Path(path)
    data = read_toml(p, "schedule file", " (see `reviewlens schedule --help` for the format)")
    top = data.get("schedule", {})
    sched = Schedule(sources=[], analyze=bool(top.get("analyze", True)), report=bool(top.get("report", True)),
                     reports_dir=Path(top["reports_dir"]) if top.get("reports_dir") else None, path=p, raw=data)
    names = set()
    for i, s in enumerate(data.get("sources", []), 1):
        where = f"{p} [[sources]] #{i}"
        name = s.get("name") or f"source-{i}"
        if name in names:
            raise ConfigError(f"{where}: duplicate name {name!r}")
        names.add(name)
        urls = s.get("urls") or ([s["url"]] if s.get("url") else [])
        if not urls:
            raise ConfigError(f"{where}: needs `url` or `urls`")
        every, cron = s.get("every"), s.get("cron")
        if bool(every) == bool(cron):
            raise ConfigError(f"{where}: give exactly one of `every` (e.g. \"6h\") or `cron` (e.g. \"0 6 * * 1\")")
        src = Source(name=name, urls=list(urls), site=s.get("site"),
                     every=parse_interval(every) if every else None, cron=cron,
                     max_pages=s.get("max_pages"), analyze=bool(s.get("analyze", sched.analyze)),
                     report=bool(s.get("report", sched.report)))
        if cron:
            try:
                src.trigger()
            except ValueError as e:
                raise ConfigError(f"{where}: bad cron expression {cron!r}: {e}") from e
        sched.sources.append(src)
    if not sched.sources:
        raise ConfigError(f"{p}: no [[sources]] to schedule")
    return sched


class SourceBusy(RuntimeError):
    """Another run of the same source holds its lock."""


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80] + "-" + hashlib.sha1(name.encode()).hexdigest()[:8]


@contextlib.contextmanager
def source_lock(store, locks_dir: Path, name: str) -> Iterator[None]:
    """Exclusive, non-blocking lock for one source: across threads, processes and (on PostgreSQL) machines."""
    locks_dir.mkdir(parents=True, exist_ok=True)
    f = open(locks_dir / f"{_safe_name(name)}.lock", "a+")
    try:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SourceBusy(f"source {name!r} is already running (lock {f.name})") from None
        conn = None
        try:
            if store.dialect == "postgresql":
                import sqlalchemy as sa

                key = int(hashlib.sha1(f"reviewlens:{name}".encode()).hexdigest()[:15], 16)
                conn = store.engine.connect()
                got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
                if not got:
                    raise SourceBusy(f"source {name!r} is already running on another machine (advisory lock)")
            yield
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    import sqlalchemy as sa

                    conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
                conn.close()
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    finally:
        f.close()


Runner = Callable[["Source"], dict]


class Scheduler:
    """Runs sources when due. `runner` does one source's work (the default: scrape, analyze, report)."""

    def __init__(self, schedule: Schedule, store, settings: Settings, runner: Runner | None = None):
        self.schedule = schedule
        self.store = store
        self.settings = settings
        self.runner = runner or self.default_runner
        self._analyzer = None
        self._analysis_lock = threading.Lock()

    # ---------------------------------------------------------------- the work of one run
    def default_runner(self, src: Source) -> dict:
        from . import pipeline

        out: dict[str, Any] = {}
        summ = pipeline.run_scrape(self.store, self.settings, src.urls, site=src.site, max_pages=src.max_pages,
                                   trigger="schedule", source=src.name, quiet=True)
        out["scrape"] = summ.line()
        if src.analyze:
            with self._analysis_lock:  # one model in memory, one analysis at a time
                if self._analyzer is None:
                    self._analyzer = pipeline.make_analyzer(self.settings)
                a = pipeline.run_analysis(self.store, self.settings, trigger="schedule", analyzer=self._analyzer,
                                          quiet=True)
                out["analysis"] = a.line()
                pipeline.run_complaints(self.store, self.settings, backend=self._analyzer.backend
                                        if hasattr(self._analyzer, "backend") else None)
        if src.report:
            stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
            folder = self.schedule.reports_dir or self.settings.reports_dir
            path = pipeline.run_report(self.store, self.settings, Path(folder) / f"{_safe_name(src.name)}-{stamp}.xlsx",
                                       trigger="schedule")
            out["report"] = str(path)
        return out

    def run_source(self, src: Source) -> dict | None:
        """Run one source under its lock. Returns None when it was skipped because it is running."""
        try:
            with source_lock(self.store, self.settings.locks_dir, src.name):
                log.info("scheduled run of %s starts", src.name)
                try:
                    res = self.runner(src)
                except Exception as e:  # noqa: BLE001 - the run history has it; the scheduler goes on
                    log.error("scheduled run of %s failed: %s", src.name, e)
                    return {"error": f"{type(e).__name__}: {e}"}
                log.info("scheduled run of %s done: %s", src.name, res)
                return res
        except SourceBusy as e:
            log.warning("%s; skipped", e)
            rid = self.store.start_run("scrape", src.name, "schedule", detail={"skipped": str(e)})
            self.store.finish_run(rid, "skipped", str(e))
            return None

    def last_start(self, src: Source) -> datetime | None:
        for r in self.store.list_runs(limit=20, kind="scrape", source=src.name):
            if r["status"] != "skipped":
                return r["started_at"]
        return None

    def due(self, now: datetime | None = None) -> list[Source]:
        now = now or datetime.now(timezone.utc)
        self.store.mark_stale_runs()  # once per check, not once per source
        return [s for s in self.schedule.sources if s.is_due(self.last_start(s), now)]

    def run_once(self, now: datetime | None = None) -> dict[str, dict | None]:
        """Run every source that is due (each once, however many runs it missed), then return."""
        results = {}
        for src in self.due(now):
            results[src.name] = self.run_source(src)
        return results

    def run_forever(self) -> None:  # pragma: no cover - exercised by hand and by run_once in tests
        from apscheduler.schedulers.blocking import BlockingScheduler

        sched = BlockingScheduler(timezone=timezone.utc,
                                  job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        now = datetime.now(timezone.utc)
        for src in self.schedule.sources:
            first = now if src.is_due(self.last_start(src), now) else None
            kwargs = {"next_run_time": first} if first else {}
            sched.add_job(self.run_source, src.trigger(), args=[src], id=src.name, name=src.name, **kwargs)
            log.info("scheduled %s: %s%s", src.name, src.cron or f"every {src.every}",
                     " (due now)" if first else "")
        print(f"scheduler running {len(self.schedule.sources)} source(s); Ctrl+C to stop", file=sys.stderr)
        try:
            sched.start()
        except (KeyboardInterrupt, SystemExit):
            pass
