"""The `--llm-url` backend when the server is not simply there and fast (hunt10 #6, #9, #10, #11), against small
HTTP servers on real sockets: one that needs an API key, one restarted mid-run, one slower than the timeout,
one that serves another model. No model is loaded: the servers answer with fixed texts.

- an API key comes from REVIEWLENS_LLM_API_KEY (or OPENAI_API_KEY); a 401 said which to set, never the key;
- a server that answered once and then went away is waited for (`llm_retry_seconds`), said once at WARNING;
- answers are kept, so a run that failed mid-chunk asks again only what was not answered;
- each timed-out request is said with how many so far, and once most time out, which setting to change;
- a --model the server does not serve stops naming those it does.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from analysis.backends.base import BackendError, BackendSetupError
from analysis.backends.openai_compat import OpenAICompatBackend

KEY = "s3cret-team-key"
CONV = [{"role": "user", "content": "Sentiment of: the zipper broke"}]


class Server:
    """A tiny OpenAI-compatible server in a thread: GET /v1/models, POST /v1/chat/completions answering
    "negative". `key`: requests without `Bearer key` get 401; `delay`: seconds each answer takes, one at a time
    (a serial server); `served`: the ids /v1/models lists. `stop()` closes the socket (connection refused)
    and `start()` opens it again on the same port (a restart)."""

    def __init__(self, *, key: str | None = None, delay: float = 0.0, served: tuple[str, ...] = ("tiny.gguf",)):
        self.key, self.delay, self.served = key, delay, served
        self.posts: list[dict] = []
        self.auth: list[str | None] = []
        self.serial = threading.Lock()
        self.port = 0
        self.httpd: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, code, obj):
                body = json.dumps(obj).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (a timeout)
                    pass

            def _allowed(self) -> bool:
                server.auth.append(self.headers.get("Authorization"))
                if server.key and self.headers.get("Authorization") != f"Bearer {server.key}":
                    self._send(401, {"detail": "Invalid API key"})
                    return False
                return True

            def do_GET(self):
                if self._allowed():
                    self._send(200, {"object": "list", "data": [{"id": i, "object": "model"} for i in server.served]})

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if not self._allowed():
                    return
                server.posts.append(req)
                with server.serial:
                    time.sleep(server.delay)
                self._send(200, {"choices": [{"message": {"role": "assistant",
                                                          "content": f"negative {len(server.posts)}"}}]})
        return Handler

    def start(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


@pytest.fixture
def server():
    made: list[Server] = []

    def make(**kw) -> Server:
        made.append(Server(**kw))
        return made[-1]
    yield make
    for s in made:
        s.stop()


def _store(path) -> str:
    from reviewlens.schema import Review
    from reviewlens.store import Store

    Store(str(path)).upsert_reviews([Review(source="s", text="Der Reißverschluss ist kaputt.", rating=1)])
    return str(path)


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# ------------------------------------------------------------------------------------------ #9 the API key
def test_the_key_comes_from_the_environment_not_the_command_line(monkeypatch, tmp_path):
    """REVIEWLENS_LLM_API_KEY, else OPENAI_API_KEY (the OpenAI clients' convention), else the file's; before, only
    an undocumented llm_api_key in the TOML worked. The settings' repr never shows it."""
    from reviewlens.config import load_settings

    monkeypatch.chdir(tmp_path)
    for var in ("REVIEWLENS_LLM_API_KEY", "OPENAI_API_KEY", "REVIEWLENS_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "from-openai")
    assert load_settings().analysis.llm_api_key == "from-openai"
    (tmp_path / "reviewlens.toml").write_text('[analysis]\nllm_api_key = "from-file"\n')
    assert load_settings().analysis.llm_api_key == "from-file"  # a generic variable does not beat the file
    monkeypatch.setenv("REVIEWLENS_LLM_API_KEY", KEY)
    s = load_settings()
    assert s.analysis.llm_api_key == KEY and KEY not in repr(s)


def test_a_refused_key_says_what_to_set_and_never_shows_it(server, monkeypatch, tmp_path, capsys):
    """A server started with an API key: `analyze` without one, or with a wrong one, ended with
    "_HTTPClientError: ... HTTP 401" and no hint. Now exit 2 and what to set; the key is never printed, logged or
    stored; with the right key from the environment the server gets it."""
    from reviewlens.app.cli import main

    srv = server(key=KEY)
    db = _store(tmp_path / "x.db")
    monkeypatch.chdir(tmp_path)
    for var in ("REVIEWLENS_LLM_API_KEY", "OPENAI_API_KEY", "REVIEWLENS_LLM_URL", "REVIEWLENS_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    assert main(["analyze", "--db", db, "--llm-url", srv.url]) == 2
    err = capsys.readouterr().err
    assert "needs an API key" in err and "REVIEWLENS_LLM_API_KEY" in err and "Error" not in err, err

    wrong = "wrong-" + KEY
    monkeypatch.setenv("REVIEWLENS_LLM_API_KEY", wrong)
    assert main(["analyze", "--db", db, "--llm-url", srv.url, "-vv"]) == 2
    out = capsys.readouterr()
    assert "refused the API key" in out.err and "REVIEWLENS_LLM_API_KEY" in out.err
    assert wrong not in out.err + out.out
    assert f"Bearer {wrong}" in srv.auth  # sent, as a header only
    for f in tmp_path.glob("x.db*"):
        assert wrong.encode() not in f.read_bytes()

    monkeypatch.setenv("REVIEWLENS_LLM_API_KEY", KEY)
    backend = OpenAICompatBackend(srv.url, model="qwen2.5-coder-0.5b", api_key=KEY)
    assert backend.generate([CONV], max_new_tokens=3) and srv.auth[-1] == f"Bearer {KEY}"


# ------------------------------------------------------------------------------------------ #10 a restart
def test_a_server_restarted_mid_run_is_waited_for(server, caplog):
    """The retries lasted 1 + 2 + 4 s, so a server that took longer to come back ended the run. Now a server that
    answered before is waited for up to `retry_seconds`, said once (not once per request in flight)."""
    srv = server()
    b = OpenAICompatBackend(srv.url, model="tiny.gguf", backoff=0.2, retry_seconds=30, in_flight=4)
    assert b.generate([CONV], max_new_tokens=3) == ["negative 1"]
    srv.stop()
    threading.Timer(4.0, srv.start).start()  # longer than the old retries with this backoff (0.2+0.4+0.8 s)
    caplog.set_level(logging.INFO)
    t0 = time.monotonic()
    out = b.generate([CONV + [{"role": "user", "content": str(i)}] for i in range(4)], max_new_tokens=3)
    assert len(out) == 4 and time.monotonic() - t0 >= 3.5
    said = _warnings(caplog)
    assert said.count(f"server at {srv.url} not answering (connection refused), retrying for up to 30 s "
                      "(llm_retry_seconds)") == 1, said
    assert any(m.startswith(f"server at {srv.url} answers again") for m in said), said


def test_a_server_that_never_answered_fails_in_seconds(tmp_path, capsys):
    """A wrong URL still fails fast (the report's "server down at the start: a clear failure within 10 s"). And at
    once, said plainly: a few reviews the sentiment heads were sure of came out "ok: analyzed 3 review texts with
    qwen2.5-coder-0.5b@127.0.0.1:9", the results stored under a server that had never answered."""
    from reviewlens.app.cli import main
    from reviewlens.store import Store

    t0 = time.monotonic()
    with pytest.raises(BackendSetupError, match=r"nothing answers at http://127.0.0.1:9/v1 \(connection refused\): "
                                                r"start the server there, or correct the address \(--llm-url"):
        OpenAICompatBackend("http://127.0.0.1:9")
    assert time.monotonic() - t0 < 5
    db = _store(tmp_path / "d.db")
    assert main(["analyze", "--db", db, "--llm-url", "http://127.0.0.1:9/v1", "-q"]) == 2
    err = capsys.readouterr().err
    assert "reviewlens analyze: nothing answers at http://127.0.0.1:9/v1 (connection refused)" in err, err
    assert "BackendError" not in err and "traceback" not in err
    assert Store(db).list_runs(kind="analyze") == [] or Store(db).list_runs(kind="analyze")[0]["status"] != "ok"
    b = OpenAICompatBackend("http://127.0.0.1:9", name="tiny", backoff=0.1, retry_seconds=60)  # named: not asked
    t0 = time.monotonic()
    with pytest.raises(BackendError, match="failed after 4 attempts .*connection refused"):
        b.generate([CONV], max_new_tokens=2)
    assert time.monotonic() - t0 < 5


def test_answers_are_kept_so_a_rerun_asks_only_what_was_not_answered(server, tmp_path):
    """A server gone for good mid-chunk lost the whole chunk (0 of 124 reviews kept after 2 minutes). Each answer
    is now kept as it arrives: the rerun sends only the requests that were not answered."""
    srv = server()
    cache = tmp_path / "answers.sqlite3"
    convs = [CONV + [{"role": "user", "content": str(i)}] for i in range(4)]
    b = OpenAICompatBackend(srv.url, model="tiny.gguf", in_flight=1, backoff=0.05, retry_seconds=0.5, answers=cache)
    first = b.generate(convs[:2], max_new_tokens=3)
    srv.stop()
    with pytest.raises(BackendError, match="connection refused.*answers so far are kept for a day: run again"):
        b.generate(convs, max_new_tokens=3)
    b.close()
    srv.start()
    again = OpenAICompatBackend(srv.url, model="tiny.gguf", in_flight=1, answers=cache)
    out = again.generate(convs, max_new_tokens=3)
    assert out[:2] == first and len(srv.posts) == 4  # 2 before the failure, 2 after: none asked twice
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == 4


def test_the_settings_reach_the_backend(monkeypatch, tmp_path, server):
    """`llm_timeout` and `llm_retry_seconds` are settings (the timeout was fixed at 120 s), `--llm-timeout` an
    option; the answers are kept in the cache folder."""
    from analysis.backends import clear_backends, get_backend
    from reviewlens.app.cli import _settings
    from reviewlens.app.parser import build_parser

    srv = server()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REVIEWLENS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("REVIEWLENS_SERVER_CACHE")  # the default place: in the cache folder
    (tmp_path / "reviewlens.toml").write_text("[analysis]\nllm_retry_seconds = 300\n")
    args = build_parser().parse_args(["analyze", "--llm-url", srv.url, "--llm-timeout", "600", "--llm-in-flight", "2"])
    s = _settings(args).analysis
    try:
        b = get_backend(s)
        assert (b.timeout, b.retry_seconds, b.in_flight) == (600.0, 300.0, 2)
        b.generate([CONV], max_new_tokens=2)
        assert (tmp_path / "cache" / "server-answers.sqlite3").is_file()
    finally:
        clear_backends()


# ------------------------------------------------------------------------------------------ #11 a slow server
def test_timeouts_are_said_with_counts_and_what_to_change(server, caplog):
    """A serial server slower than the timeout: 11 of 42 requests were abandoned and sent again with no log line
    even at -v. Each timeout is now said with how many so far, and once most time out, which settings fit."""
    srv = server(delay=0.6)
    b = OpenAICompatBackend(srv.url, model="tiny.gguf", timeout=1.0, retries=1, backoff=0.01, in_flight=4)
    caplog.set_level(logging.INFO)
    with pytest.raises(BackendError, match="no answer within 1 s.; the server is slower than the 1 s timeout with 4 "
                                           "requests at once: lower --llm-in-flight or raise --llm-timeout"):
        b.generate([CONV + [{"role": "user", "content": str(i)}] for i in range(6)], max_new_tokens=3)
    said = _warnings(caplog)
    timeouts = [m for m in said if m.startswith(f"a request to {srv.url} got no answer within 1 s (")]
    assert timeouts and "sending it again (attempt 2 of 2)" in timeouts[0], said
    [hint] = [m for m in said if m.startswith(f"most requests to {srv.url} time out")]
    assert "slower than the 1 s timeout with 4 requests at once" in hint
    assert "--llm-in-flight" in hint and "llm_timeout" in hint


# ------------------------------------------------------------------------------------------ #6 the model name
def test_a_model_the_server_does_not_serve_stops_naming_what_it_serves(server, tmp_path, monkeypatch, capsys):
    """`--model Qwen/Qwen2.5-7B-Instruct` against a server of the 0.5B ran, and stored its results as the 7B's. It
    now stops (exit 2) listing what the server serves; the file name of a served path is accepted for it."""
    from reviewlens.app.cli import main

    srv = server(served=("/root/.cache/reviewlens/models/gguf/qwen2.5-coder-0.5b.gguf",))
    with pytest.raises(BackendSetupError, match=r"does not serve the model 'Qwen/Qwen2.5-7B-Instruct'; it serves "
                                                r"'/root/\.cache/.*qwen2\.5-coder-0\.5b\.gguf'"):
        OpenAICompatBackend(srv.url, model="Qwen/Qwen2.5-7B-Instruct")
    b = OpenAICompatBackend(srv.url, model="qwen2.5-coder-0.5b.gguf")  # the file's name: that model
    assert b.model == srv.served[0] and b.name == "qwen2.5-coder-0.5b.gguf"
    default = OpenAICompatBackend(srv.url, model="qwen2.5-coder-0.5b")  # the packaged default: the server's
    assert default.name == "qwen2.5-coder-0.5b.gguf"  # the same on every host, not the server's path

    monkeypatch.chdir(tmp_path)
    for var in ("REVIEWLENS_LLM_URL", "REVIEWLENS_MODEL", "REVIEWLENS_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    assert main(["analyze", "--db", _store(tmp_path / "d.db"), "--llm-url", srv.url,
                 "--model", "Qwen/Qwen2.5-7B-Instruct"]) == 2
    err = capsys.readouterr().err
    assert "does not serve the model 'Qwen/Qwen2.5-7B-Instruct'" in err and "--model" in err
