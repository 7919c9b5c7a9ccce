"""A backend for any OpenAI-compatible server (vLLM, TGI, llama.cpp server, OpenAI itself) over HTTP.

generate: `POST /v1/chat/completions`, requests sent concurrently (the server batches them).
With a `json_schema`, structured output is requested as `response_format: {type: json_schema}`
(OpenAI, vLLM, llama.cpp's own server, TGI >= 3); if the server rejects that,
`{type: json_object, schema}` (llama-cpp-python's server), then vLLM's `guided_json` are tried, then
plain output (the caller repairs the JSON). The working mode is remembered.

score_choices: `POST /v1/chat/completions` with `max_tokens: 1, logprobs: true, top_logprobs: 20`
(temperature 0). The first token of the assistant reply has a log-probability for each of the
20 likeliest tokens; a choice gets the log-prob of the longest of those tokens that is a prefix of
the choice (compared exactly, then ignoring leading whitespace and case). For the single-word choices
the analysis uses (positive/neutral/negative, yes/no, ...) this is exactly the local backend's score.
Multi-token choices are scored by their first token only; a choice whose first token is not among the
top 20 gets the lowest listed log-prob minus ln 2 (an upper bound, so ranking is preserved).
Servers without logprobs (some TGI versions) fall back to generating the answer and scoring the
choice it starts with as log(1) and the others as -inf-like (-100).

Trouble with the server (tenacity retries each request, with exponential backoff):
- not answering (connection refused or reset, HTTP 429/502/503/504: a restart, a model loading), once it has
  answered: retried for up to `retry_seconds` (said once at WARNING, and again when it answers); before
  it ever answered (a wrong URL, a server not started) only `retries` times, so a typo fails in seconds;
- no answer within `timeout` (a server slower than that with `in_flight` requests at once), or another 5xx:
  retried `retries` times, each timeout said at WARNING with how many so far, and once most requests time
  out, which setting to change;
- 401/403: BackendSetupError naming where the API key goes; a model the server does not serve (its
  /v1/models): BackendSetupError listing what it serves.
Answers are kept on disk for a day when `answers` is given (analysis.backends.server_cache), so a run that
failed mid-chunk continues where it stopped.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential

from analysis.backends.base import BackendError, BackendSetupError, LLMBackend, Message

log = logging.getLogger(__name__)

TOP_LOGPROBS = 20
MISSING_PENALTY = math.log(2.0)
UNSCORED = -100.0
MAX_WAIT = 15.0         # seconds between two attempts at most (the backoff doubles up to this)
DOWN_STATUSES = (429, 502, 503, 504)  # a server busy, restarting or loading (or a proxy whose server is)
KEY_HELP = ("the environment variable REVIEWLENS_LLM_API_KEY (OPENAI_API_KEY is read too), or llm_api_key under "
            "[analysis] in reviewlens.toml")


class _Unanswered(Exception):
    """One attempt that got no usable answer but may get one later. `down`: the server is not there or not
    ready (retried for up to `retry_seconds` once it has answered); else a timeout or a 500 (`retries` times)."""

    def __init__(self, why: str, *, down: bool, timed_out: bool = False):
        super().__init__(why)
        self.down = down
        self.timed_out = timed_out


class OpenAICompatBackend(LLMBackend):
    """Chat completions against `base_url` (with or without a trailing /v1)."""

    def __init__(self, base_url: str, *, model: str = "", api_key: str | None = None, batch_size: int = 8,
                 timeout: float = 120.0, retries: int = 3, backoff: float = 1.0, name: str | None = None,
                 in_flight: int = 64, retry_seconds: float = 120.0, answers: str | Path | None = None):
        import httpx

        url = base_url.rstrip("/")
        self.base_url = url if url.endswith("/v1") else url + "/v1"
        self.model = model
        self.name = name or model or "remote"
        self.batch_size = max(1, int(batch_size))
        # requests in flight at once: enough for vLLM's continuous batching to fill a GPU
        self.in_flight = max(1, int(in_flight))
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.timeout = float(timeout)
        self.retry_seconds = max(0.0, float(retry_seconds))
        self._key = api_key or ""
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
                                    headers=headers,
                                    limits=httpx.Limits(max_connections=self.in_flight,
                                                        max_keepalive_connections=self.in_flight))
        self._structured_mode: str | None = None   # "response_format", "guided_json" or "none"
        self._logprobs_ok: bool | None = None
        self._lock = threading.Lock()
        self._answered = False        # the server answered once: from then on a restart is waited for
        self._down_since: float | None = None
        self._ok = self._timeouts = 0
        self._slow_said = False
        self._stopping = threading.Event()  # set when a batch is abandoned (Ctrl+C): retries stop waiting
        self._answers = None
        if answers is not None:
            from analysis.backends.server_cache import AnswerCache

            self._answers = AnswerCache(answers)
        if not name:
            self._name_from_server()
        log.info("analysis model %s served by %s (OpenAI-compatible API)", self.name, self.base_url)

    def _name_from_server(self) -> None:
        """Results are stored under the name of the model that produced them: the id the server
        serves (GET /v1/models), not the local default the settings name. The packaged default is replaced
        by the server's first model; another model the server does not serve stops here, naming those it
        does (the results would be stored as that model's, the requests answered by another). A served
        id that is a file path (llama.cpp's server names its model by the path it was started with) is
        stored as its file name, so the same model gives the same name on every host. When the server
        cannot be asked, the name says it came from this server."""
        from analysis import models

        import httpx

        try:
            r = self._client.get(self.base_url + "/models", timeout=min(10.0, self.timeout))
        except httpx.ConnectError as e:  # nothing listens there (or no such host): every request would fail
            self._client.close()
            raise BackendSetupError(
                f"nothing answers at {self.base_url} ({_why(e)}): start the server there, or correct the address "
                "(--llm-url, REVIEWLENS_LLM_URL, or llm_url under [analysis] in reviewlens.toml)") from e
        except Exception as e:  # noqa: BLE001 - any other failure (a timeout): the requests will say what is wrong
            log.debug("cannot list the served models at %s: %s", self.base_url, e)
            r = None
        if r is not None and r.status_code in (401, 403):
            raise self._refused(r.status_code, r.text)
        ids: list[str] = []
        if r is not None and r.status_code == 200:
            self._answered = True
            try:
                ids = [str(m.get("id")) for m in (r.json().get("data") or []) if m.get("id")]
            except (ValueError, AttributeError, TypeError) as e:
                log.debug("unexpected /models answer from %s: %s", self.base_url, e)
        if ids and self.model not in ids:
            by_file = [i for i in ids if stored_name(i) == self.model]  # the file name of a served path
            if by_file:
                self.model = by_file[0]
            elif not self.model or self.model in models.PACKAGED:
                log.info("the server at %s serves %s; using it instead of the configured %r", self.base_url,
                         ids[0], self.model)
                self.model = ids[0]
            else:
                raise BackendSetupError(
                    f"the server at {self.base_url} does not serve the model {self.model!r}; it serves "
                    f"{', '.join(repr(i) for i in ids[:10])}{' and more' if len(ids) > 10 else ''}. Name one of "
                    "those with --model (or model under [analysis] in reviewlens.toml, or REVIEWLENS_MODEL), or "
                    "leave the model out to use the server's")
        if ids:
            self.name = stored_name(self.model)
        else:
            from urllib.parse import urlsplit

            self.name = f"{self.model or 'remote'}@{urlsplit(self.base_url).netloc}"

    def _refused(self, status: int, body: str) -> BackendSetupError:
        """The 401/403 as what to set (the key itself never in the message)."""
        said = body[:200].replace(self._key, "***") if self._key else body[:200]
        if self._key:
            return BackendSetupError(f"the server at {self.base_url} refused the API key ReviewLens sent "
                                     f"(HTTP {status}: {said}); check the key in {KEY_HELP}")
        return BackendSetupError(f"the server at {self.base_url} needs an API key (HTTP {status}: {said}); "
                                 f"set it in {KEY_HELP}")

    # ------------------------------------------------------------------------------------ HTTP
    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST, retried as the module docstring says; the answer from the day's cache when it is there.
        BackendError when the server does not answer in time, or answers a 4xx."""
        url = self.base_url + path
        key = None
        if self._answers is not None and not payload.get("temperature"):  # sampled answers are meant to vary
            key = self._answers.key(url, payload)
            kept = self._answers.get(key)
            if kept is not None:
                return kept
        retrying = Retrying(stop=self._stop, wait=wait_exponential(multiplier=self.backoff, max=MAX_WAIT),
                            retry=retry_if_exception_type(_Unanswered), before_sleep=self._say_retry,
                            sleep=self._sleep, reraise=True)
        started = time.monotonic()
        try:
            body = retrying(self._attempt, url, payload)
        except _Unanswered as e:
            attempts = retrying.statistics.get("attempt_number", 1)
            kept = ("; its answers so far are kept for a day: run again when it is back, and the run continues "
                    "there" if e.down and self._answered and self._answers is not None else
                    f"; the server is slower than the {self.timeout:g} s timeout with {self.in_flight} requests at "
                    "once: lower --llm-in-flight or raise --llm-timeout" if e.timed_out else "")
            raise BackendError(f"{url}: failed after {attempts} attempts in {time.monotonic() - started:.0f} s "
                               f"({e}){kept}") from None
        if key is not None:
            self._answers.put(key, body)
        return body

    def _attempt(self, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One POST: the JSON answer, or _Unanswered (retried), _HTTPClientError or BackendSetupError (not)."""
        import httpx

        if self._stopping.is_set():
            raise BackendError(f"{url}: stopped")
        try:
            r = self._client.post(url, json=payload)
        except httpx.ConnectTimeout:
            raise _Unanswered("no connection within 10 s", down=True) from None
        except httpx.TimeoutException:
            with self._lock:
                self._timeouts += 1
            self._say_slow()
            raise _Unanswered(f"no answer within {self.timeout:g} s", down=False, timed_out=True) from None
        except httpx.TransportError as e:
            raise _Unanswered(_why(e), down=True) from None
        if r.status_code == 200:
            try:
                body = r.json()
            except ValueError as e:
                raise BackendError(f"{url}: response is not JSON: {r.text[:200]!r}") from e
            self._say_back()
            return body
        if r.status_code in (401, 403):
            raise self._refused(r.status_code, r.text)
        # llama-cpp-python's server answers a request it cannot validate with a 500 that says
        # "validation error": that is the request's fault, and repeating it cannot help.
        if (r.status_code != 429 and r.status_code < 500) or "validation error" in r.text[:300]:
            raise _HTTPClientError(r.status_code, f"{url}: HTTP {r.status_code}: {r.text[:500]}")
        raise _Unanswered(f"HTTP {r.status_code}: {r.text[:200]}", down=r.status_code in DOWN_STATUSES)

    def _stop(self, state: RetryCallState) -> bool:
        """tenacity's stop: a server that answered before and is not there now is waited for up to
        `retry_seconds` (a restart); anything else gets `retries` more attempts."""
        e = state.outcome.exception() if state.outcome is not None else None
        if isinstance(e, _Unanswered) and e.down and self._answered:
            return state.seconds_since_start >= self.retry_seconds
        return state.attempt_number > self.retries

    def _sleep(self, seconds: float) -> None:
        """tenacity's sleep, cut short when the batch is abandoned (the next attempt then stops)."""
        self._stopping.wait(seconds)

    def _say_retry(self, state: RetryCallState) -> None:
        """tenacity's before_sleep: a server gone away said once (not once per request in flight), each
        timed-out request with how many so far, and other failures as they come."""
        e = state.outcome.exception() if state.outcome is not None else None
        if not isinstance(e, _Unanswered):
            return
        if e.down:
            with self._lock:
                first = self._down_since is None
                if first:
                    self._down_since = time.monotonic()
            if first and self._answered:
                log.warning("server at %s not answering (%s), retrying for up to %g s (llm_retry_seconds)",
                            self.base_url, e, self.retry_seconds)
            elif first:
                log.warning("server at %s not answering (%s), trying %d times", self.base_url, e, self.retries + 1)
        elif e.timed_out:
            with self._lock:
                timeouts, done = self._timeouts, self._timeouts + self._ok
            log.warning("a request to %s got no answer within %g s (%d of the %d requests finished so far timed "
                        "out); sending it again (attempt %d of %d)", self.base_url, self.timeout, timeouts, done,
                        state.attempt_number + 1, self.retries + 1)
        else:
            log.warning("server at %s answered %s; trying again (attempt %d of %d)", self.base_url, e,
                        state.attempt_number + 1, self.retries + 1)

    def _say_back(self) -> None:
        with self._lock:
            self._answered = True
            self._ok += 1
            since, self._down_since = self._down_since, None
        if since is not None:
            log.warning("server at %s answers again (after %.0f s)", self.base_url, time.monotonic() - since)

    def _say_slow(self) -> None:
        """Once most requests time out, say which settings fit a server this slow."""
        with self._lock:
            timeouts, done = self._timeouts, self._timeouts + self._ok
            say = not self._slow_said and timeouts >= 3 and 2 * timeouts > done
            self._slow_said = self._slow_said or say
        if say:
            log.warning("most requests to %s time out (%d of the %d finished so far): the server is slower than "
                        "the %g s timeout with %d requests at once; lower --llm-in-flight (the server then works "
                        "on fewer at a time) or raise the timeout (--llm-timeout, or llm_timeout under [analysis] "
                        "in reviewlens.toml)", self.base_url, timeouts, done, self.timeout, self.in_flight)

    def _map(self, fn: Any, items: list[Any]) -> list[Any]:
        if len(items) <= 1:
            return [fn(x) for x in items]
        self._stopping.clear()
        pool = ThreadPoolExecutor(max_workers=min(self.in_flight, len(items)))
        try:
            return list(pool.map(fn, items))
        except BaseException:
            self._stopping.set()  # Ctrl+C, or a request that failed for good: the others stop waiting to retry
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _base_payload(self, conv: list[Message]) -> dict[str, Any]:
        payload: dict[str, Any] = {"messages": conv}
        if self.model:
            payload["model"] = self.model
        return payload

    # ------------------------------------------------------------------------------------ generate
    def generate(self, conversations: list[list[Message]], *, max_new_tokens: int = 256,
                 json_schema: dict | None = None, temperature: float = 0.0) -> list[str]:
        """One chat completion per conversation, concurrently; structured output when a schema is given."""
        def one(conv: list[Message]) -> str:
            payload = self._base_payload(conv)
            payload.update(max_tokens=max_new_tokens, temperature=float(temperature))
            return self._complete_structured(payload, json_schema) if json_schema else self._text(self._post(
                "/chat/completions", payload))
        return self._map(one, conversations)

    def _complete_structured(self, payload: dict[str, Any], schema: dict) -> str:
        modes = ([self._structured_mode] if self._structured_mode
                 else ["response_format", "json_object_schema", "guided_json", "none"])
        for mode in modes:
            p = dict(payload)
            if mode == "response_format":
                p["response_format"] = {"type": "json_schema",
                                        "json_schema": {"name": "result", "schema": schema, "strict": True}}
            elif mode == "json_object_schema":  # llama-cpp-python's server: a JSON object held to `schema`
                p["response_format"] = {"type": "json_object", "schema": schema}
            elif mode == "guided_json":
                p["guided_json"] = schema
            try:
                text = self._text(self._post("/chat/completions", p))
            except _HTTPClientError as e:
                if mode == modes[-1]:
                    raise BackendError(str(e)) from e
                log.info("server rejected structured output mode %s (%s); trying the next", mode, e.status)
                continue
            if self._structured_mode != mode:
                self._structured_mode = mode
                log.info("structured output mode: %s", mode)
            return text
        raise BackendError("no structured output mode worked")  # pragma: no cover

    @staticmethod
    def _text(resp: dict[str, Any]) -> str:
        try:
            return (resp["choices"][0]["message"].get("content") or "").strip()
        except (KeyError, IndexError, TypeError, AttributeError) as e:
            raise BackendError(f"unexpected chat completion response: {str(resp)[:300]}") from e

    # ------------------------------------------------------------------------------------ scoring
    def score_choices(self, conversations: list[list[Message]], choices: list[str]) -> list[list[float]]:
        """First-token log-probs of each choice from the server's top-20 logprobs (see module docstring)."""
        if not choices:
            return [[] for _ in conversations]

        def one(conv: list[Message]) -> list[float]:
            if self._logprobs_ok is False:
                return self._score_by_generation(conv, choices)
            payload = self._base_payload(conv)
            payload.update(max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=TOP_LOGPROBS)
            try:
                resp = self._post("/chat/completions", payload)
                top = resp["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
                table = {t["token"]: float(t["logprob"]) for t in top}
            except (_HTTPClientError, KeyError, IndexError, TypeError) as e:
                if self._logprobs_ok:
                    raise BackendError(f"server stopped returning logprobs: {e}") from e
                log.warning("server gives no logprobs (%s); scoring choices by generation instead", e)
                self._logprobs_ok = False
                return self._score_by_generation(conv, choices)
            self._logprobs_ok = True
            return match_choices(table, choices)

        return self._map(one, conversations)

    def _score_by_generation(self, conv: list[Message], choices: list[str]) -> list[float]:
        text = self.generate([conv], max_new_tokens=8)[0].strip().lower()
        best = max((c for c in choices if text.startswith(c.lower())), key=len, default=None)
        return [0.0 if c == best else UNSCORED for c in choices]

    def close(self) -> None:
        self._client.close()
        if self._answers is not None:
            self._answers.close()


class _HTTPClientError(BackendError):
    """A 4xx answer (not retried)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def match_choices(top: dict[str, float], choices: list[str]) -> list[float]:
    """Each choice's log-prob from a first-token top-logprob table (see the module docstring)."""
    floor = (min(top.values()) if top else 0.0) - MISSING_PENALTY
    out = []
    for c in choices:
        best_len, best_lp = 0, None
        for tok, lp in top.items():
            if tok and c.startswith(tok) and len(tok) > best_len:
                best_len, best_lp = len(tok), lp
        if best_lp is None:
            cl = c.strip().lower()
            for tok, lp in top.items():
                t = tok.strip().lower()
                if t and cl.startswith(t) and len(t) > best_len:
                    best_len, best_lp = len(t), lp
        out.append(best_lp if best_lp is not None else floor)
    return out


def stored_name(served: str) -> str:
    """The name results are stored under for a served model id: the id, or its file name when the id is a
    file path ("/root/.cache/reviewlens/models/gguf/qwen2.5-coder-0.5b.gguf" -> "qwen2.5-coder-0.5b.gguf"), so
    the name does not change with the host or the folder the server was started from. A Hugging Face id
    ("Qwen/Qwen2.5-7B-Instruct") is not a path and is kept."""
    if served.startswith(("/", "./", "../", "~")) or "\\" in served or re.match(r"^[A-Za-z]:[\\/]", served):
        return re.split(r"[\\/]", served.rstrip("/\\"))[-1] or served
    return served


def _why(e: Exception) -> str:
    """A connection failure in a few words, for the log line said while waiting for the server."""
    import httpx

    text = str(e)
    if isinstance(e, httpx.ConnectError):
        return "connection refused" if "refused" in text.lower() else f"cannot connect: {text}"
    if isinstance(e, httpx.RemoteProtocolError):
        return "the connection closed without an answer"
    if isinstance(e, httpx.ReadError):
        return "the connection was reset"
    return f"{type(e).__name__}: {text}"
