"""`dashboard.serve.serve`: the Streamlit child stops with its parent (signals forwarded; on Linux even
after a SIGKILL of the parent) instead of staying behind on the port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.dashboard.seed import seeded_sqlite  # noqa: F401  (fixture)

pytestmark = [pytest.mark.timeout(150), pytest.mark.skipif(os.name != "posix", reason="POSIX signals")]

ROOT = Path(__file__).resolve().parents[2]
STOP_WITHIN_S = 8.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _streamlit_pids(port: int) -> list[int]:
    """Processes running `streamlit run ... --server.port PORT` (from /proc)."""
    out = []
    for d in Path("/proc").glob("[0-9]*"):
        try:
            args = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in args and b"--server.port" in args:
            i = args.index(b"--server.port")
            if i + 1 < len(args) and args[i + 1] == str(port).encode():
                out.append(int(d.name))
    return out


def _start(db: str, port: int, log_path: Path) -> tuple[subprocess.Popen, object]:
    code = f"from dashboard.serve import serve; import sys; sys.exit(serve({db!r}, port={port}))"
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).text == "ok":
                return proc, log
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            raise RuntimeError(f"the dashboard did not start: {log_path.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)


def _wait_gone(port: int) -> tuple[bool, list[int]]:
    """Wait until nothing listens on `port` and no streamlit process for it is left."""
    deadline = time.monotonic() + STOP_WITHIN_S
    while time.monotonic() < deadline:
        if not _listening(port) and not _streamlit_pids(port):
            return True, []
        time.sleep(0.1)
    return not _listening(port), _streamlit_pids(port)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_to_the_parent_stops_streamlit(seeded_sqlite, tmp_path, sig):
    _, _, db = seeded_sqlite
    port = _free_port()
    proc, log = _start(db, port, tmp_path / "serve.log")
    try:
        children = _streamlit_pids(port)
        assert children and proc.pid not in children  # Streamlit runs as a child process
        proc.send_signal(sig)
        closed, left = _wait_gone(port)
        assert closed, f"port {port} still accepts connections {STOP_WITHIN_S} s after {sig.name}"
        assert not left, f"streamlit processes left behind: {left}"
        assert proc.wait(STOP_WITHIN_S) == 0  # stopped as asked
    finally:
        _cleanup(proc, port, log)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_sigkill_of_the_parent_stops_streamlit(seeded_sqlite, tmp_path):
    _, _, db = seeded_sqlite
    port = _free_port()
    proc, log = _start(db, port, tmp_path / "serve.log")
    try:
        assert _streamlit_pids(port)
        proc.kill()
        proc.wait(5)
        closed, left = _wait_gone(port)
        assert closed, f"port {port} still accepts connections {STOP_WITHIN_S} s after SIGKILL of the parent"
        assert not left, f"streamlit processes left behind: {left}"
    finally:
        _cleanup(proc, port, log)


def _cleanup(proc: subprocess.Popen, port: int, log) -> None:
    """Never leave a server behind, whatever the test found (these are processes this test started)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(5)
    for pid in _streamlit_pids(port):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    log.close()
