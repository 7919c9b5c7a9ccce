"""The webhook channel: one HTTP POST per alert, as JSON (your own receiver), as a Slack message (Slack,
Mattermost, Rocket.Chat, Discord's /slack endpoint) or as a Microsoft Teams Adaptive Card (a Teams
Workflows webhook), with httpx."""

from __future__ import annotations

from typing import Any, Sequence
from urllib.parse import urlsplit

import httpx

from ...alerts import Alert
from ...config import ConfigError
from . import render
from .base import Attachment, Channel, ChannelError, TransientError

FORMATS = {"json": render.as_json, "slack": render.slack, "teams": render.teams}


class WebhookChannel(Channel):
    """`type = "webhook"`: `url` or `url_env` (the name of an environment variable holding it: webhook URLs
    are secrets), `format` (json, slack or teams; default json), `headers` (a table, e.g. an Authorization header;
    a value may name an environment variable as "env:NAME"), `timeout` (seconds, default 10)."""

    kind = "webhook"
    OPTIONS = {"url": str, "url_env": str, "format": str, "headers": dict, "timeout": (int, float)}

    def __init__(self, entry: dict[str, Any], where: str = "[[alerts.channels]]"):
        super().__init__(entry, where)
        if not entry.get("url") and not entry.get("url_env"):
            raise ConfigError(f"{where}: a webhook channel needs 'url' or 'url_env'")
        if entry.get("url"):
            self._check_url(entry["url"], ConfigError)
        self.format = str(entry.get("format", "json")).lower()
        if self.format not in FORMATS:
            raise ConfigError(f"{where}: 'format' must be one of {', '.join(FORMATS)}, not {self.format!r}")
        self.headers = entry.get("headers") or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.headers.items()):
            raise ConfigError(f"{where}: 'headers' must be a table of text values")
        self.timeout = float(entry.get("timeout", 10))

    def _check_url(self, url: str, err: type[Exception]) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise err(f"{self.where}: the webhook URL must be an http(s) URL (from 'url' or 'url_env')")
        return url

    def _shown(self, url: str | None = None) -> str:
        """The URL without its path and query, which often hold the secret (Slack's do)."""
        parts = urlsplit(url or self.entry.get("url") or "")
        return f"{parts.scheme}://{parts.netloc}/…" if parts.netloc else f"${self.entry.get('url_env')}"

    def describe(self) -> str:
        return f"webhook ({self.format}) to {self._shown()}"

    def _headers(self) -> dict[str, str]:
        out = {"User-Agent": "ReviewLens alerts"}
        for k, v in self.headers.items():
            out[k] = self.from_env(v[4:], f"header {k}") if v.startswith("env:") else v
        return out

    def send(self, alert: Alert, attachments: Sequence[Attachment] = ()) -> None:
        """POST the alert (a webhook carries no files: `attachments` are not sent)."""
        url = self._check_url(self.secret("url") or "", ChannelError)
        shown = self._shown(url)
        try:
            r = httpx.post(url, json=FORMATS[self.format](alert), headers=self._headers(), timeout=self.timeout,
                           follow_redirects=False)
        except httpx.ConnectTimeout:
            raise TransientError(f"cannot reach the webhook {shown}: no connection within {self.timeout:g} s") from None
        except httpx.TimeoutException:  # connected, the request sent or being sent: it was reached
            raise TransientError(f"the webhook {shown} did not answer within {self.timeout:g} s") from None
        except httpx.NetworkError as e:
            raise TransientError(f"cannot reach the webhook {shown}: {type(e).__name__}: {e}") from None
        except httpx.HTTPError as e:
            raise ChannelError(f"the webhook {shown}: {type(e).__name__}: {e}") from None
        if r.status_code < 300:
            return
        said = " ".join(r.text.split())[:200]
        err = TransientError if r.status_code == 429 or r.status_code >= 500 else ChannelError
        raise err(f"the webhook {shown} answered HTTP {r.status_code}{': ' + said if said else ''}")
