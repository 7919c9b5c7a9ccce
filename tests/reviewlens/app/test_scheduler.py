"""The scheduler: due times, coalescing of missed runs, and no overlap across threads, processes and machines."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from reviewlens.config import load_settings
from reviewlens.app.scheduler import Scheduler, SourceBusy, source_lock
from reviewlens.schedule import load_schedule

SCHEDULE = """
[schedule]
analyze = false
report = false

[[sources]]
name = "hourly"
url = "http://127.0.0.1:9/p/1"
every = "1h"

[[sources]]
name = "mondays"
urls = ["http://127.0.0.1:9/p/2", "http://127.0.0.1:9/p/3"]
cron = "0 6 * * 1"
"""


@pytest.fixture
def sched_file(tmp_path):
    p = tmp_path / "schedule.toml"
    p.write_text(SCHEDULE)
    return p


def _settings(tmp_path, db):
    return load_settings(None, db=db, data_dir=str(tmp_path / "data"))


class Recorder:
    """A runner that records a scrape run like the real one, and notes overlap."""

    def __init__(self, store, sleep=0.0):
        self.store, self.sleep, self.calls, self.active, self.max_active = store, sleep, [], 0, 0
        self.lock = threading.Lock()

    def __call__(self, src):
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        rid = self.store.start_run("scrape", src.name, "schedule")
        time.sleep(self.sleep)
        self.store.finish_run(rid, "ok")
        with self.lock:
            self.active -= 1
            self.calls.append(src.name)
        return {"scrape": "ok"}


def test_run_once_coalesces_missed_runs(tmp_path, sched_file, store):
    sched = load_schedule(sched_file)
    rec = Recorder(store)
    s = Scheduler(sched, store, _settings(tmp_path, store.url), runner=rec)
    # both sources last ran 10 days ago: many missed runs, one run each
    for name in ("hourly", "mondays"):
        rid = store.start_run("scrape", name, "schedule")
        store.finish_run(rid, "ok")
    from reviewlens.store import runs

    with store.engine.begin() as c:
        c.execute(runs.update().values(started_at=datetime.now(timezone.utc) - timedelta(days=10)))
    assert sorted(s.run_once()) == ["hourly", "mondays"]
    assert sorted(rec.calls) == ["hourly", "mondays"]
    assert s.run_once() == {}  # nothing due any more
    assert len(store.list_runs(kind="scrape", source="hourly")) == 2


def test_no_overlap_between_threads(tmp_path, sched_file, sqlite_store):
    sched = load_schedule(sched_file)
    rec = Recorder(sqlite_store, sleep=0.5)
    s = Scheduler(sched, sqlite_store, _settings(tmp_path, sqlite_store.url), runner=rec)
    src = sched.sources[0]
    results = []
    ts = [threading.Thread(target=lambda: results.append(s.run_source(src))) for _ in range(3)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert rec.max_active == 1 and len(rec.calls) == 1
    assert results.count(None) == 2  # the other two were skipped ...
    skipped = [r for r in sqlite_store.list_runs() if r["status"] == "skipped"]
    assert len(skipped) == 2 and "already running" in skipped[0]["errors"][0]["message"]  # ... and say so


def test_no_overlap_across_processes(tmp_path, sched_file, sqlite_store):
    settings = _settings(tmp_path, sqlite_store.url)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from reviewlens.store import Store
        from reviewlens.app.scheduler import source_lock
        with source_lock(Store({sqlite_store.url.replace('sqlite:///', '')!r}), Path({str(settings.locks_dir)!r}), "hourly"):
            print("locked", flush=True)
            time.sleep(30)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        rec = Recorder(sqlite_store)
        s = Scheduler(load_schedule(sched_file), sqlite_store, settings, runner=rec)
        assert s.run_source(s.schedule.sources[0]) is None
        assert rec.calls == []
    finally:
        holder.kill()
        holder.wait()
    # once the other process is gone, the lock is free again
    assert s.run_source(s.schedule.sources[0]) == {"scrape": "ok"}


def test_postgres_advisory_lock_spans_machines(tmp_path, pg_store):
    """Two 'machines' (separate lock folders) sharing one PostgreSQL store cannot run a source twice."""
    from reviewlens.store import Store

    other = Store(pg_store.url)
    try:
        with source_lock(pg_store, tmp_path / "machine-a", "shared"):
            with pytest.raises(SourceBusy, match="another machine"):
                with source_lock(other, tmp_path / "machine-b", "shared"):
                    pass
        with source_lock(other, tmp_path / "machine-b", "shared"):
            pass
    finally:
        other.close()


def test_runner_failure_is_reported_and_scheduler_goes_on(tmp_path, sched_file, sqlite_store):
    def boom(src):
        raise RuntimeError("site down")

    s = Scheduler(load_schedule(sched_file), sqlite_store, _settings(tmp_path, sqlite_store.url), runner=boom)
    res = s.run_once()
    assert res["hourly"] == {"error": "RuntimeError: site down"} and "mondays" in res


def test_a_scrape_that_failed_is_a_failed_scheduled_run(tmp_path, sched_file, sqlite_store):
    """A scrape the job records as failed without raising (no page scraped: a site down) is a failure to report:
    the --once exit status, its line and --list say so."""
    from reviewlens.app.jobs import JobResult, ScrapeSummary
    from reviewlens.app.scheduler import outcome

    s = Scheduler(load_schedule(sched_file), sqlite_store, _settings(tmp_path, sqlite_store.url))

    class DownSite:
        def run(self, opts):
            rid = sqlite_store.start_run("scrape", opts.source, "schedule")
            sqlite_store.finish_run(rid, "failed", "no pages were scraped")
            return JobResult(scrape=ScrapeSummary(run_id=rid, status="failed", pages=0,
                                                  errors=[{"url": None, "message": "no pages were scraped"}]))

    s.job = DownSite()
    src = s.schedule.sources[0]
    res = s.run_source(src)
    assert res["error"] == "scrape failed: no pages were scraped"
    assert outcome(res) == ("failed: scrape failed: no pages were scraped; "
                            "scraped 0 pages: 0 new reviews, 0 already stored")
    assert s.last_outcome(src) == "failed: scrape failed: no pages were scraped"
    assert s.last_outcome(s.schedule.sources[1]) is None  # never ran


def test_last_outcome_of_runs_from_before_it_was_kept(tmp_path, sched_file, sqlite_store):
    s = Scheduler(load_schedule(sched_file), sqlite_store, _settings(tmp_path, sqlite_store.url))
    rid = sqlite_store.start_run("scrape", "hourly", "schedule")
    sqlite_store.finish_run(rid, "failed", "gave up on http://127.0.0.1:9/p/1")
    assert s.last_outcome(s.schedule.sources[0]) == "failed: gave up on http://127.0.0.1:9/p/1"
