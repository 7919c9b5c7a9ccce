"""Browsers left behind by a scrape that was killed (SIGKILL, OOM, a power cut of the terminal).

Each local chromedriver starts as the leader of a session of its own, and Chromium's processes join
that session. The scrape records the session in a small file (owner pid and start time); `reap()`,
called before every browser start (so by the next run and by the scheduler), ends the sessions
whose owner is gone: only processes of that session that are chromedriver or Chromium, and only
sessions this user's ReviewLens recorded.
"""

from __future__ import annotations

import json
import logging
import os
import signal
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

BROWSER_NAMES = ("chromedriver", "chromium", "chrome", "headless_shell")


def registry_dir() -> Path:
    base = os.environ.get("REVIEWLENS_RUNTIME_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "reviewlens", "browsers")
    return Path(base)


def _started(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def register(session: int) -> None:
    """Record that this process owns the browser session led by pid `session`."""
    try:
        d = registry_dir()
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{session}.json").write_text(json.dumps({"session": session, "owner": os.getpid(),
                                                       "owner_started": _started(os.getpid())}))
    except OSError as e:
        log.debug("cannot record browser session %s: %s", session, e)


def unregister(session: int) -> None:
    try:
        (registry_dir() / f"{session}.json").unlink(missing_ok=True)
    except OSError as e:
        log.debug("cannot remove the record of browser session %s: %s", session, e)


def _owner_alive(rec: dict) -> bool:
    owner = int(rec.get("owner") or 0)
    if not owner:
        return False
    started = _started(owner)
    if started is None:
        return False
    recorded = rec.get("owner_started")
    return recorded is None or abs(started - float(recorded)) < 1.0  # else the pid was reused


def session_browsers(session: int) -> list[psutil.Process]:
    """chromedriver and Chromium processes of session `session` (this user's)."""
    found = []
    me = os.getuid()
    for p in psutil.process_iter(["name", "uids"]):
        try:
            if p.info["uids"] is None or p.info["uids"].real != me or os.getsid(p.pid) != session:
                continue
            name = (p.info["name"] or "").lower()
            if any(n in name for n in BROWSER_NAMES):
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError, PermissionError):
            continue
    return found


def reap() -> int:
    """End the browser sessions whose owning scrape is gone. Returns the number of processes ended."""
    d = registry_dir()
    if not d.is_dir():
        return 0
    ended = 0
    for f in d.glob("*.json"):
        try:
            rec = json.loads(f.read_text())
        except (OSError, ValueError):
            f.unlink(missing_ok=True)
            continue
        if _owner_alive(rec):
            continue
        procs = session_browsers(int(rec.get("session") or 0))
        for p in procs:
            try:
                p.send_signal(signal.SIGKILL)
                ended += 1
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        psutil.wait_procs(procs, timeout=5)
        f.unlink(missing_ok=True)
        if procs:
            log.warning("ended %d browser process(es) left by a scrape that died (pid %s)", len(procs),
                        rec.get("owner"))
    return ended
