"""Alert channels: one class per way of sending an alert (e-mail, webhook), made from the settings'
`[[alerts.channels]]` entries. A new channel is one class with a `kind`, its `OPTIONS` and `send`,
added to CHANNELS."""

from __future__ import annotations

from typing import Any, Sequence

from ...config import ConfigError
from .base import Attachment, Channel, ChannelError, TransientError
from .mail import EmailChannel
from .webhook import WebhookChannel

CHANNELS: dict[str, type[Channel]] = {c.kind: c for c in (EmailChannel, WebhookChannel)}

__all__ = ["CHANNELS", "Attachment", "Channel", "ChannelError", "TransientError", "make_channels"]


def make_channels(entries: Sequence[dict[str, Any]], where: str = "[[alerts.channels]]") -> list[Channel]:
    """The channels of `[[alerts.channels]]`, checked: a ConfigError names the entry and the problem."""
    out: list[Channel] = []
    for i, entry in enumerate(entries, 1):
        here = f"{where} entry {i}"
        kind = entry.get("type")
        if kind not in CHANNELS:
            raise ConfigError(f"{here}: 'type' must be one of {', '.join(CHANNELS)}, not {kind!r}")
        ch = CHANNELS[kind](entry, here)
        if any(c.name == ch.name for c in out):
            raise ConfigError(f"{here}: two channels are named '{ch.name}'; give each its own 'name'")
        out.append(ch)
    return out
