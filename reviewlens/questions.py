"""Questions asked in the dashboard's Ask page: what each searches, whether an answerer is running, and
which of an answer's sources may be shown as the customers' words.

The dashboard stores a question (Store.add_question) with its scope; reviewlens.app.answering answers it in
the background and leaves a heartbeat checkpoint; the page shows the answer. Pure data, no models.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from .filters import Filters

HEARTBEAT_KEY = "answers:worker"   # checkpoint: when the background answerer last looked, and with what model
HEARTBEAT_EVERY = 5.0              # seconds between its heartbeats
ALIVE_FOR = 20.0                   # a heartbeat older than this: no answerer is running
MAX_QUESTION = 500                 # characters of a question


def scope_of(f: Filters) -> dict[str, Any]:
    """What a question asked under the filters `f` searches: the period, the products and the sources (the
    other filters choose reviews by their analysis or rating, which the search does not read)."""
    return {"since": f.since.isoformat() if f.since else None, "until": f.until.isoformat() if f.until else None,
            "products": list(f.products), "sources": list(f.sources)}


def describe_scope(scope: Mapping[str, Any]) -> str:
    parts = []
    if scope.get("since") or scope.get("until"):
        parts.append(f"{scope.get('since') or '…'} to {scope.get('until') or '…'}")
    for key in ("products", "sources"):
        if scope.get(key):
            parts.append(", ".join(map(str, scope[key])))
    return "the reviews of " + "; ".join(parts) if parts else "all reviews"


def answerer_alive(heartbeat: Mapping[str, Any] | None, now: datetime | None = None) -> bool:
    """Whether a heartbeat checkpoint is recent enough that a waiting question will be answered."""
    try:
        at = datetime.fromisoformat(str((heartbeat or {})["at"]))
    except (KeyError, ValueError):
        return False
    return ((now or datetime.now(timezone.utc)) - at).total_seconds() <= ALIVE_FOR


def verbatim_sources(result: Mapping[str, Any] | None, texts: Mapping[str, str]) -> list[dict[str, Any]]:
    """The sources of a stored answer whose text is word for word in its review (`texts`: review id -> the
    stored text); any other is left out, so nothing is shown as a customer's words that they did not write."""
    out = []
    for s in (result or {}).get("sources") or []:
        if not isinstance(s, dict) or not isinstance(s.get("text"), str) or not s["text"].strip():
            continue
        if s["text"] in texts.get(str(s.get("review_id")), ""):
            out.append(s)
    return out
