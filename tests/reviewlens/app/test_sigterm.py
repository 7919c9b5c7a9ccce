"""SIGTERM (systemd stopping the service, `timeout`) is handled as Ctrl+C: it ended a scrape with no message and
left its chromedriver and Chromium running until the next run; now the command stops as on Ctrl+C (the run
recorded interrupted, its browsers ended in the same clean-up, what was done saved), says so and exits 143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from reviewlens.app import cli
from reviewlens.app.cli import ExitStatus, main
from reviewlens.store import Store

ROOT = Path(__file__).resolve().parents[3]


def test_sigterm_stops_a_command_as_ctrl_c_does(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "s.db")
    Store(db).close()
    cleaned = []

    def long_command(args, settings):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)
        finally:
            cleaned.append(True)  # the command's own clean-up (a scrape's browsers) runs
        return ExitStatus.OK

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setitem(cli.COMMANDS, "runs", long_command)
    t0 = time.monotonic()
    assert main(["runs", "--db", db]) == ExitStatus.TERMINATED == 143
    assert time.monotonic() - t0 < 5 and cleaned == [True]
    assert "reviewlens: stopped (SIGTERM); what was done is saved and the next run continues" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is before  # put back


def test_sigterm_of_a_running_command_marks_its_run_interrupted(tmp_path):
    """A real process: a command that holds a run open is sent SIGTERM; the run is interrupted, not left running."""
    db = str(tmp_path / "s.db")
    script = f"""
import sys, time
from reviewlens.app import cli
from reviewlens.store import Store

def long_command(args, settings):
    store = Store({db!r})
    rid = store.start_run("scrape", "shop")
    try:
        print("started", flush=True)
        time.sleep(30)
    except KeyboardInterrupt:
        store.finish_run(rid, "interrupted", "interrupted by the user; the next run resumes")
        raise
    return cli.ExitStatus.OK

cli.COMMANDS["runs"] = long_command
sys.exit(cli.main(["runs", "--db", {db!r}]))
"""
    Store(db).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env)
    assert p.stdout.readline().strip() == "started"
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=20)
    assert p.returncode == 143, err
    assert "stopped (SIGTERM)" in err
    assert Store(db).list_runs()[0]["status"] == "interrupted"
