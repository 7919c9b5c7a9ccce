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
"""

from __future__ import annotations

import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from analysis.backends.base import BackendError, LLMBackend, Message

log = logging.getLogger(__name__)

TOP_LOGPROBS = 20
MISSING_PENALTY = math.log(2.0)
UNSCORED = -100.0


class OpenAICompatBackend(LLMBackend):
    """Chat completions against `base_url` (with or without a trailing /v1)."""

    def __init__(self, base_url: str, *, model: str = "", api_key: str | None = None, batch_size: int = 8,
                 timeout: float = 120.0, retries: int = 3, backoff: float = 1.0, name: str | None = None,
                 in_flight: int = 64):
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
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0), headers=headers,
                                    limits=httpx.Limits(max_connections=self.in_flight,
                                                        max_keepalive_connections=self.in_flight))
        self._structured_mode: str | None = None   # "response_format", "guided_json" or "none"
        self._logprobs_ok: bool | None = None
        if not name:
            self._name_from_server()
        log.info("analysis model %s served by %s (OpenAI-compatible API)", self.name, self.base_url)

    def _name_from_server(self) -> None:
        """Results are stored under the name of the model that produced them: the id the server
        serves (GET /v1/models), not the local default the settings name. A configured model the
        server does not serve is replaced by the server's (vLLM would answer 404 to it); when the
        server cannot be asked, the name says it came from this server."""
        from analysis import models

        try:
            r = self._client.get(self.base_url + "/models", timeout=10.0)
            ids = [str(m.get("id")) for m in (r.json().get("data") or []) if m.get("id")] if r.status_code == 200 else []
        except Exception as e:  # noqa: BLE001 - any failure: the requests will say what is wrong
            log.debug("cannot list the served models at %s: %s", self.base_url, e)
            ids = []
        if ids and self.model not in ids and (not self.model or self.model in models.PACKAGED):
            log.info("the server at %s serves %s; using it instead of the configured %r", self.base_url,
                     ids[0], self.model)
            self.model = ids[0]
        if ids and self.model in ids:
            self.name = self.model
        else:
            from urllib.parse import urlsplit

            self.name = f"{self.model or 'remote'}@{urlsplit(self.base_url).netloc}"

    # ------------------------------------------------------------------------------------ HTTP
    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST with retries on connection errors, timeouts, 429 and 5xx; BackendError on a 4xx."""
        import httpx

        url = self.base_url + path
        last: str = ""
        for attempt in range(self.retries + 1):
            try:
                r = self._client.post(url, json=payload)
            except (httpx.TimeoutException, httpx.TransportError) as e:
                last = f"{type(e).__name__}: {e}"
            else:
                if r.status_code == 200:
                    try:
                        return r.json()
                    except ValueError as e:
                        raise BackendError(f"{url}: response is not JSON: {r.text[:200]!r}") from e
                # llama-cpp-python's server answers a request it cannot validate with a 500 that says
                # "validation error": that is the request's fault, and repeating it cannot help.
                if (r.status_code != 429 and r.status_code < 500) or "validation error" in r.text[:300]:
                    raise _HTTPClientError(r.status_code, f"{url}: HTTP {r.status_code}: {r.text[:500]}")
                last = f"HTTP {r.status_code}: {r.text[:200]}"
            if attempt < self.retries:
                time.sleep(self.backoff * (2 ** attempt))
        raise BackendError(f"{url}: failed after {self.retries + 1} attempts ({last})")

    def _map(self, fn: Any, items: list[Any]) -> list[Any]:
        if len(items) <= 1:
            return [fn(x) for x in items]
        with ThreadPoolExecutor(max_workers=min(self.in_flight, len(items))) as pool:
            return list(pool.map(fn, items))

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
