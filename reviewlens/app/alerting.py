"""Checking for alerts and sending them: the rules (reviewlens.alerts) find, the store keeps, the
channels (reviewlens.app.channels) send.

An alert is stored with a pending delivery per channel before anything is sent, so a channel that is
down loses nothing: its deliveries stay failed and are tried again at every later check (up to
MAX_ATTEMPTS checks, for alerts of the last week). A channel whose delivery failed in a way that may pass (down,
not answering) is not tried again for the other alerts of the same check: they wait, uncounted, for the next. `reviewlens alerts check` and the scheduler (after
every run) call `check_alerts`.

A channel with `attach_report` gets the weekly (or daily) summary with the Excel report of its days,
built once per alert from the store (dashboard.report); a report that cannot be built is logged and
the summary goes without it.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Sequence

from ..alerts import Alert, find_alerts
from ..config import Settings
from ..filters import Filters
from ..store import Store
from .channels import Attachment, Channel, ChannelError, make_channels
from .channels.base import TransientError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8                 # checks that try one delivery before it is given up (still listed)
RETRY_FOR = timedelta(days=7)    # alerts older than this are not sent any more


@dataclass
class Delivery:
    alert: Alert
    channel: str
    error: str | None = None     # None: sent


@dataclass
class AlertCheck:
    found: list[Alert] = field(default_factory=list)     # everything the rules found (dry run: not stored)
    new: list[Alert] = field(default_factory=list)       # stored by this check
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def failed(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.error]

    def line(self) -> str:
        sent = len(self.deliveries) - len(self.failed)
        out = f"{len(self.new)} new alert{'s' if len(self.new) != 1 else ''}; {sent} sent"
        if self.failed:
            out += f", {len(self.failed)} failed (kept; tried again at the next check)"
        return out


def period_report(store: Store, alert: Alert) -> list[Attachment]:
    """The Excel report of a summary's days, as an attachment ([] when it cannot be built: logged)."""
    if not alert.period:
        return []
    from dashboard.report import report_bytes  # openpyxl and the report only when a channel asks

    since, until = alert.period
    try:
        data = report_bytes(store, Filters.of(since=since, until=until))
    except Exception as e:  # noqa: BLE001 - the summary still goes, without its report
        log.warning("the report of %s to %s for alert %s could not be built (%s: %s); sending the summary "
                    "without it", since, until, alert.id, type(e).__name__, e)
        return []
    name = f"reviewlens-{since}.xlsx" if since == until else f"reviewlens-{since}-to-{until}.xlsx"
    return [Attachment(name, data)]


def deliver_pending(store: Store, channels: Sequence[Channel], now: datetime | None = None) -> list[Delivery]:
    """Send every delivery not yet sent to a configured channel (new ones and earlier failures)."""
    now = now or datetime.now(timezone.utc)
    by_name = {c.name: c for c in channels}
    out = []
    reports: dict[int | None, list[Attachment]] = {}
    down: dict[str, str] = {}  # channels that failed in a way that may pass (down, not answering): not tried again
    for row, name in store.undelivered_alerts(list(by_name), MAX_ATTEMPTS, now - RETRY_FOR):
        alert, channel = Alert.from_row(row), by_name[name]
        if name in down:  # a dead channel took each alert's retries and timeouts in turn (8 alerts: 4 minutes)
            out.append(Delivery(alert, name, f"not tried: {down[name]} (earlier in this check)"))
            continue  # left pending, its attempts uncounted: the next check tries it
        if not store.claim_delivery(alert.id, name):
            continue  # another check is sending it right now
        attachments: list[Attachment] = []
        if channel.wants_report and alert.period:
            if alert.id not in reports:
                reports[alert.id] = period_report(store, alert)
            attachments = reports[alert.id]
        try:
            channel.deliver(alert, attachments)
            error = None
            log.info("alert %d %r sent to %s (%s)", alert.id, alert.title, name, channel.describe())
        except TransientError as e:
            error = down[name] = str(e)
        except ChannelError as e:
            error = str(e)
        except Exception as e:  # noqa: BLE001 - a bug in one channel must not stop the others; recorded
            error = f"{type(e).__name__}: {e}"
        if error:
            log.warning("could not send alert %d %r to %s: %s (kept; tried again at the next check)",
                        alert.id, alert.title, name, error)
        store.record_delivery(alert.id, name, error)
        out.append(Delivery(alert, name, error))
    return out


def check_alerts(store: Store, settings: Settings, *, send: bool = True, dry_run: bool = False,
                 now: datetime | None = None, channels: Sequence[Channel] | None = None) -> AlertCheck:
    """Find alerts, store the new ones with a delivery per channel, and (unless `send` is False) send
    what is pending. `dry_run`: only find (nothing stored, nothing sent)."""
    channels = make_channels(settings.alerts.channels) if channels is None else channels
    res = AlertCheck(found=find_alerts(store, settings.alerts, now, record=not dry_run))
    if dry_run:
        return res
    for a in res.found:  # each alert is delivered to the channels that take it (their kinds and products)
        aid = store.add_alert(a.key, a.kind, a.title, a.body(), [c.name for c in channels if c.wants(a)],
                              a.review_ids)
        if aid is not None:
            a.id = aid
            res.new.append(a)
            log.info("alert %d: %s", aid, a.title)
    if send:
        res.deliveries = deliver_pending(store, channels, now)
    return res


def sample_alert() -> Alert:
    """What `reviewlens alerts test` sends: says where it comes from, quotes nothing."""
    return Alert(key="test", kind="test", title="Test alert from ReviewLens",
                 lines=["This channel works: ReviewLens alerts will arrive here.",
                        "Configured in [[alerts.channels]] of reviewlens.toml."])


@dataclass
class ChannelTry:
    """How a test alert went on one channel: `error` None when it was sent; `seconds` it took."""

    channel: Channel
    error: str | None
    seconds: float


def try_channels(channels: Sequence[Channel], alert: Alert | None = None) -> list[ChannelTry]:
    """Send `alert` (default: the test alert) to each channel at once, each in its own thread and once (no
    retries: a test says how the channel answers now, and one that hangs costs its `timeout`, not its
    retries' too), timed; in the channels' order."""
    alert = alert or sample_alert()

    def one(c: Channel) -> ChannelTry:
        start = time.monotonic()
        try:
            c.deliver(alert, attempts=1)
            error = None
        except ChannelError as e:
            error = str(e)
        except Exception as e:  # noqa: BLE001 - a bug in one channel must not hide the others' results
            error = f"{type(e).__name__}: {e}"
        return ChannelTry(c, error, time.monotonic() - start)

    if not channels:
        return []
    with ThreadPoolExecutor(max_workers=min(len(channels), 16), thread_name_prefix="alerts-test") as pool:
        return list(pool.map(one, channels))
