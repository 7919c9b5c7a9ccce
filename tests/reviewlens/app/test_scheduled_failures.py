"""What an operator running the schedule from cron is told when a scheduled run goes wrong past its scrape: a
report that fails (a full disk) or an analysis that fails raises an alert through the channels, as a scrape
problem does (it raised none); and `schedule --list` tells a run that was killed halfway (it said "ok", the
outcome of the run before) or is still running."""

from __future__ import annotations

import errno
from datetime import datetime, timedelta, timezone

from reviewlens.alerts import scrape_alerts
from reviewlens.app.scheduler import OUTCOME_KEY, Scheduler
from reviewlens.config import load_settings
from reviewlens.schedule import load_schedule
from reviewlens.store import Store

SCHEDULE = """
[schedule]
analyze = false
report = true
reports_dir = "reports"

[[sources]]
name = "google-play"
files = "exports/*.csv"
every = "1d"
"""


def _scheduler(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # reports_dir is the working folder's: the reports go to the test's folder
    (tmp_path / "exports").mkdir(exist_ok=True)
    (tmp_path / "schedule.toml").write_text(SCHEDULE)
    store = Store(str(tmp_path / "s.db"))
    return Scheduler(load_schedule(tmp_path / "schedule.toml"), store,
                     load_settings(None, db=store.url, data_dir=str(tmp_path / "data"))), store


def test_a_scheduled_report_that_fails_raises_an_alert(tmp_path, monkeypatch):
    import dashboard.report

    def full_disk(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dashboard.report, "write_report", full_disk)
    s, store = _scheduler(tmp_path, monkeypatch)
    res = s.run_once()["google-play"]
    assert "No space left on device" in res["error"]
    report = store.list_runs(kind="report")[0]
    assert (report["status"], report["trigger"], report["detail"]["schedule"]) == ("failed", "schedule", "google-play")
    [alert] = scrape_alerts(store, datetime.now(timezone.utc) - timedelta(hours=1))
    assert alert.title.startswith("Scheduled report ") and alert.title.endswith("(google-play) failed")
    assert "No space left on device" in alert.lines[0]
    assert [a["title"] for a in store.list_alerts()] == [alert.title]  # raised by the scheduler's own check


def test_list_tells_a_run_killed_halfway_from_the_last_outcome(tmp_path, monkeypatch):
    s, store = _scheduler(tmp_path, monkeypatch)
    [src] = s.schedule.sources
    s.run_once()
    assert s.last_outcome(src) == "ok"
    # the next run, killed (kill -9) while its report was written: its process is gone, its runs still "running"
    s._keep_start(src)
    imp = store.start_run("import", src.name, "schedule")
    store.finish_run(imp, "ok")
    rep = store.start_run("report", "reports/google-play.xlsx", "schedule", detail={"schedule": src.name})
    assert s.last_outcome(src) == "running (import ok, report running)"  # this process: alive
    gone = {"host": "gone-host", "pid": 999999999, "process": "pid:[1] 1",
            "heartbeat_at": datetime.now(timezone.utc) - timedelta(hours=1)}
    with store.engine.begin() as c:
        import sqlalchemy as sa

        c.execute(sa.text("UPDATE runs SET host = :host, pid = :pid, process = :process, heartbeat_at = :heartbeat_at "
                          "WHERE id = :i"), {**gone, "i": rep})
        c.execute(sa.text("UPDATE runs SET finished_at = :t, heartbeat_at = :t WHERE id = :i"),
                  {"t": gone["heartbeat_at"], "i": imp})  # an hour ago
    state = store.load_checkpoint(OUTCOME_KEY + src.name)
    store.save_checkpoint(OUTCOME_KEY + src.name, {**state, "host": "gone-host", "pid": 999999999,
                                                   "started_at": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()})
    store.mark_stale_runs()  # what --list does first (Scheduler.due)
    assert s.last_outcome(src) == "interrupted: it ended before it finished (import ok, report interrupted)"
    store._beat_runs(drop=rep)
