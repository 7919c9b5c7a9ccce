"""Run the dashboard as a `streamlit run` child process that never outlives its parent.

`serve(db)` starts Streamlit on `APP_PATH` and waits for it. A SIGTERM, SIGINT or SIGHUP to the
parent is passed on to the child, and `serve` returns once the child has stopped (a second signal,
or a child still running GRACE_S seconds after the first, gets SIGKILL). On Linux the child also
carries a parent-death signal (prctl PR_SET_PDEATHSIG), so even a SIGKILL of the parent, which no
handler sees, takes the child down instead of leaving it listening on the port.

The child runs in its own process group, so a Ctrl+C in a terminal reaches it once (forwarded by
the parent) rather than twice.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable

from . import APP_PATH

log = logging.getLogger(__name__)

#: Seconds the child gets to stop after the first forwarded signal before it is killed.
GRACE_S = 10.0
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_FORWARDED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))


def streamlit_command(address: str = "127.0.0.1", port: int = 8501) -> list[str]:
    """The `streamlit run` command line for the dashboard (headless, no usage statistics)."""
    return [sys.executable, "-m", "streamlit", "run", str(APP_PATH), "--server.headless", "true",
            "--server.address", address, "--server.port", str(port), "--browser.gatherUsageStats", "false"]


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn for the child: its own process group and, on Linux, SIGTERM when the parent dies."""
    if os.name != "posix":
        return None
    prctl = None
    if sys.platform.startswith("linux"):
        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here: the child only calls it
        except (OSError, AttributeError) as e:  # pragma: no cover - no libc prctl: signals still work
            log.warning("dashboard: no prctl (%s); a SIGKILL of this process would leave Streamlit running", e)
    parent = os.getpid()

    def preexec() -> None:  # runs in the child between fork and exec: no logging, no locks
        os.setpgid(0, 0)
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)

    return preexec


#: Set to "off" in the dashboard's environment when no analyzer runs beside it (`reviewlens dashboard --no-analysis`)
ANALYSIS_ENV = "REVIEWLENS_ANALYSIS"


def serve(db: str, address: str = "127.0.0.1", port: int = 8501, schedule_file: Path | None = None,
          config_file: Path | None = None, analysis: bool = True) -> int:
    """Serve the dashboard for the store `db` on http://address:port until stopped; returns an exit status.

    0 when it stopped because this process was asked to (a forwarded signal), else Streamlit's own
    exit status (128 + N when it died of signal N). `schedule_file`, when given, is shown on the
    Runs page; `config_file`: the settings file the dashboard reads (reply drafts' [replies]); `analysis`: whether
    the process that serves analyzes what the Import page adds (False: the page says analysis is off here).
    Call it from the main thread (only there can Python handle signals; elsewhere the child is still tied to
    the parent's death on Linux, but signals are not forwarded).
    """
    env = dict(os.environ, REVIEWLENS_DB=str(db))
    if schedule_file is not None:
        env["REVIEWLENS_SCHEDULE_FILE"] = str(Path(schedule_file).resolve())
    if config_file is not None:
        env["REVIEWLENS_CONFIG"] = str(Path(config_file).resolve())
    if analysis:
        env.pop(ANALYSIS_ENV, None)
    else:
        env[ANALYSIS_ENV] = "off"
    proc: subprocess.Popen | None = None
    pending: list[int] = []  # signals that came before the child existed
    stopping: dict[str, Any] = {"signal": None, "timer": None}

    def kill() -> None:
        if proc is not None and proc.poll() is None:
            log.warning("dashboard: Streamlit did not stop; killing it")
            proc.kill()

    def forward(signum: int, _frame: Any) -> None:
        if proc is None:
            pending.append(signum)
            return
        if stopping["signal"] is not None:  # asked twice: do not wait any longer
            kill()
            return
        stopping["signal"] = signum
        if proc.poll() is None:
            try:
                proc.send_signal(signum)
            except ProcessLookupError:
                pass
        timer = threading.Timer(GRACE_S, kill)
        timer.daemon = True
        timer.start()
        stopping["timer"] = timer

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in _FORWARDED:
            previous[sig] = signal.signal(sig, forward)
    try:
        proc = subprocess.Popen(streamlit_command(address, port), env=env, preexec_fn=_die_with_parent())
        for sig in pending:
            forward(sig, None)
        rc = proc.wait()
    finally:
        if proc is not None and proc.poll() is None:  # an exception while waiting: do not leave it behind
            proc.kill()
            proc.wait()
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        if stopping["timer"] is not None:
            stopping["timer"].cancel()
    if stopping["signal"] is not None and rc in (0, -stopping["signal"]):
        return 0
    return 128 - rc if rc < 0 else rc
