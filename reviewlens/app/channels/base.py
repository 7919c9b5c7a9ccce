"""What every alert channel is: a name, a way to send one alert, and retries for a channel that is
briefly down (tenacity), so that a class for a new channel only says how to send."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ...alerts import KINDS, Alert
from ...config import ConfigError

log = logging.getLogger(__name__)


class ChannelError(RuntimeError):
    """The channel refused the alert or cannot be reached; the message says why (no secrets in it)."""


class TransientError(ChannelError):
    """A failure that may pass (a connection refused, a timeout, HTTP 429 or 5xx, SMTP 4xx): retried."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with an alert (the Excel report of a summary's days)."""

    filename: str
    data: bytes
    mime: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Channel:
    """One place alerts go. Subclasses set `kind` and `OPTIONS` and implement `send`.

    Every entry of `[[alerts.channels]]` takes `name` (default: the type; deliveries are recorded by it),
    `retries` (attempts within one check, default 3) and `retry_wait` (seconds before the first retry,
    doubling, default 2), and may route: `kinds` (the alerts it takes, of alerts.KINDS; default all) and
    `products` (it takes the alerts about these products, and those about no product in particular, such as
    a broken site or the weekly summary; default all). Options a channel does not know are a ConfigError.
    """

    kind: ClassVar[str] = ""
    OPTIONS: ClassVar[dict[str, type | tuple[type, ...]]] = {}   # option -> its type(s), beyond the common ones
    COMMON: ClassVar[dict[str, type | tuple[type, ...]]] = {"type": str, "name": str, "retries": int,
                                                          "retry_wait": (int, float), "kinds": list,
                                                          "products": list}

    def __init__(self, entry: dict[str, Any], where: str = "[[alerts.channels]]"):
        self.where = where
        known = {**self.COMMON, **self.OPTIONS}
        for key, value in entry.items():
            if key not in known:
                raise ConfigError(f"{where}: unknown option '{key}' for a {self.kind} channel "
                                  f"(known: {', '.join(sorted(known))})")
            types = known[key]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
                raise ConfigError(f"{where}: '{key}' must be {_type_words(types)}, not {value!r}")
        self.entry = entry
        self.name = str(entry.get("name") or self.kind).strip()
        if not self.name or len(self.name) > 100:
            raise ConfigError(f"{where}: 'name' must be 1 to 100 characters (deliveries are recorded by it)")
        self.retries = int(entry.get("retries", 3))
        self.retry_wait = float(entry.get("retry_wait", 2.0))
        if self.retries < 1 or self.retry_wait < 0:
            raise ConfigError(f"{where}: 'retries' must be at least 1 and 'retry_wait' at least 0")
        self.kinds = [str(k) for k in entry.get("kinds", [])]
        bad = [k for k in self.kinds if k not in KINDS]
        if bad or not all(isinstance(k, str) for k in entry.get("kinds", [])):
            raise ConfigError(f"{where}: 'kinds' takes alert kinds of {', '.join(KINDS)}, not {bad or entry['kinds']!r}")
        self.products = [p.strip() for p in entry.get("products", []) if isinstance(p, str) and p.strip()]
        if len(self.products) != len(entry.get("products", [])):
            raise ConfigError(f"{where}: 'products' must be a list of product names")

    def wants(self, alert: Alert) -> bool:
        """Whether this channel takes `alert` (its `kinds` and `products`; a test alert always)."""
        if alert.kind == "test":
            return True
        if self.kinds and alert.kind not in self.kinds:
            return False
        return not (self.products and alert.products) or bool(set(self.products) & set(alert.products))

    #: Whether this channel sends a summary with the Excel report of its days (`attach_report`)
    wants_report: bool = False

    def send(self, alert: Alert, attachments: Sequence[Attachment] = ()) -> None:  # pragma: no cover
        """Send one alert (with `attachments`, where the channel carries files); TransientError for what
        may pass, ChannelError for the rest."""
        raise NotImplementedError

    def describe(self) -> str:
        """Where it sends, without secrets: for messages and `reviewlens alerts list`."""
        return self.kind

    def deliver(self, alert: Alert, attachments: Sequence[Attachment] = (), attempts: int | None = None) -> None:
        """`send`, retried on a TransientError up to `attempts` (default: the channel's `retries`) with a
        doubling wait; each retry is logged with the channel's name, where it sends and why."""
        attempts = self.retries if attempts is None else max(1, attempts)
        for attempt in Retrying(retry=retry_if_exception_type(TransientError), stop=stop_after_attempt(attempts),
                                wait=wait_exponential(multiplier=self.retry_wait, max=60), reraise=True,
                                before_sleep=self._retry_logger(attempts)):
            with attempt:
                self.send(alert, attachments)

    def _retry_logger(self, attempts: int):
        """tenacity's `before_sleep`: its own before_sleep_log names the function retried, which a
        `Retrying` block does not have ("Retrying <unknown> ..."); this names the channel."""
        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            log.info("channel %s (%s): attempt %d of %d failed (%s); retrying in %.3g s", self.name,
                     self.describe(), state.attempt_number, attempts, error, wait)
        return log_retry

    def secret(self, key: str) -> str | None:
        """An option given directly (`password`) or through an environment variable (`password_env`)."""
        env = self.entry.get(f"{key}_env")
        return self.from_env(env, f"'{key}_env'") if env else self.entry.get(key)

    def from_env(self, variable: str, what: str) -> str:
        """The value of an environment variable a setting names (`what`, for the message); ChannelError if unset."""
        value = os.environ.get(variable)
        if not value:
            raise ChannelError(f"channel '{self.name}': the environment variable {variable} ({what}) is not set")
        return value


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _type_words(types: type | tuple[type, ...]) -> str:
    words = {str: "text", int: "a whole number", float: "a number", bool: "true or false", list: "a list",
             dict: "a table"}
    return " or ".join(words.get(t, t.__name__) for t in _as_tuple(types))
