"""Analysis asked for in the dashboard: the request, and the background analyzer's state.

The dashboard cannot run the analysis itself (it loads no model), so after reviews are added there (an
uploaded file) or when someone clicks "Analyze now", it stores a request (`request_analysis`);
reviewlens.app.analyzing, which `reviewlens dashboard` runs in a thread beside Streamlit, sees it, runs the
analysis and the top complaints as `reviewlens analyze` would, and keeps its state in a checkpoint the
page reads (`analyzer_state`). Pure data, no models.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .filters import field_filter
from .store import Store

REQUEST_KEY = "analysis:request"   # checkpoint: {"at": ISO time, "why": text, "taken": when an analyzer took it,
#                                    "themes": only the themes, "products": of these products,
#                                    "fields": of the reviews with these fields of the user's,
#                                    "changes": measure the changes the user recorded}
STATE_KEY = "analysis:worker"      # checkpoint: the background analyzer's heartbeat and what it is doing
BEAT_EVERY = 5.0                   # seconds between its heartbeats when idle
ALIVE_FOR = 30.0                   # a heartbeat older than this (and no run going on): no analyzer is running


def request_analysis(store: Store, why: str, products: list[str] | None = None,
                     themes: bool = False, changes: bool = False, fields: Any = ()) -> dict[str, Any]:
    """Ask the background analyzer to analyze what waits (`why`: shown in the run's log); with `themes`
    (or `products`), to compute the top complaints and praise again instead (of those products: the
    dashboard filtered to them, and to the user's `fields`: a segment; after a merge of two themes); with
    `changes`, to measure the changes the user recorded (reviewlens.changes) instead."""
    req: dict[str, Any] = {"at": datetime.now(timezone.utc).isoformat(), "why": why[:200]}
    if products:
        req["products"] = sorted(str(p) for p in products)
    if fields:
        req["fields"] = [[n, list(v)] for n, v in field_filter(fields)]
    if themes or products or fields:
        req["themes"] = True
    if changes:
        req["changes"] = True
    store.save_checkpoint(REQUEST_KEY, req)
    return req


def open_request(store: Store) -> dict[str, Any] | None:
    """The newest request when no analyzer has taken it yet, else None."""
    req = store.load_checkpoint(REQUEST_KEY)
    return req if req and not req.get("taken") else None


def claim_request(store: Store) -> dict[str, Any] | None:
    """The open request, taken by this analyzer: of several dashboards on one store (a team's PostgreSQL),
    one runs it. None when there is none, or another took it first."""
    req = open_request(store)
    if req is None:
        return None
    taken = {**req, "taken": datetime.now(timezone.utc).isoformat()}
    return taken if store.replace_checkpoint(REQUEST_KEY, req, taken) else None


def analyzer_state(store: Store) -> dict[str, Any]:
    """The background analyzer's checkpoint ({} when none ever ran): `at` (heartbeat), `state` ("idle" or
    "running"), `taken` (the request it took last), `last` (what its last run did), `model`."""
    return store.load_checkpoint(STATE_KEY) or {}


def analyzer_alive(state: dict[str, Any], now: datetime | None = None) -> bool:
    """Whether a background analyzer is running: a recent heartbeat (it beats during a run too)."""
    try:
        at = datetime.fromisoformat(str(state.get("at")))
    except ValueError:
        return False
    now = now or datetime.now(timezone.utc)
    return (now - at).total_seconds() <= ALIVE_FOR
