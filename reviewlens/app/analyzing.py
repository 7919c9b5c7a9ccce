"""Analysis in the background of `reviewlens dashboard`: reviews added in the dashboard get analyzed.

The dashboard stores a request (reviewlens.analysis_queue) after a file is imported there, or when someone
clicks "Analyze now"; `serve_analysis`, in a thread beside Streamlit, takes it and runs the analysis and
the top complaints as `reviewlens analyze` does (the run is in the run history, trigger "dashboard"). The
model is loaded at the first request, not at start-up. A heartbeat (also during a run) tells the page that
requests will be taken.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Any

from ..analysis_queue import BEAT_EVERY, STATE_KEY, claim_request
from ..config import Settings
from ..store import Store
from . import background
from .jobs import Job, JobOptions

log = logging.getLogger(__name__)


def _beat(store: Store, state: dict[str, Any]) -> None:
    store.save_checkpoint(STATE_KEY, {**state, "at": datetime.now(timezone.utc).isoformat()})


def _beating(store: Store, state: dict[str, Any], stop: threading.Event) -> threading.Thread:
    """Heartbeats every BEAT_EVERY seconds until `stop` is set (the analysis itself holds the loop)."""
    def run() -> None:
        while not stop.wait(BEAT_EVERY):
            try:
                _beat(store, state)
            except Exception as e:  # noqa: BLE001 - a missed beat is harmless; the run goes on
                log.debug("analysis heartbeat: %s", e)
    t = threading.Thread(target=run, name="reviewlens-analysis-beat", daemon=True)
    t.start()
    return t


def take_request(store: Store, job: Job, model: str = "") -> str | None:
    """Run the analysis (and the top complaints) for the open request, if there is one, or, when it names
    products, their top complaints, praise and requests, or (`changes`) measure the changes the user recorded: what it
    did in one line, or None when nothing was asked."""
    req = claim_request(store)
    if req is None:
        return None
    state = {"state": "running", "taken": req["at"], "why": req.get("why"), "model": model,
             "themes": bool(req.get("themes") or req.get("products")), "changes": bool(req.get("changes"))}
    _beat(store, state)
    done = threading.Event()
    _beating(store, state, done)
    log.info("analysis asked for in the dashboard (%s)", req.get("why") or "no reason given")
    try:
        if req.get("changes"):  # a change recorded in the dashboard: what the reviews said before and since
            measured = job.measure_changes(stale=True)
            line = f"measured {sum(e is not None for _, e in measured)} of {len(measured)} changes you made"
        elif req.get("themes") or req.get("products"):  # the themes again (of the products the dashboard shows)
            products = req.get("products") or None
            fields = dict(req.get("fields") or [])
            from analysis.complaints import KEPT

            # as many themes as `reviewlens complaints` keeps, whatever its --top (the Overview shows up to 10)
            themes, _ = job.complaints(products=products, fields=fields, top=KEPT)
            loved, _ = job.praise(products=products, fields=fields, top=KEPT)
            asked, _ = job.requests(products=products, fields=fields, top=KEPT)
            seg = ", ".join(products or []) + "; ".join(f"{n}: {', '.join(v)}" for n, v in fields.items())
            line = (f"top complaints{' of ' + seg if seg else ''}: {len(themes)} themes; "
                    f"what customers love: {len(loved)}; what they ask for: {len(asked)}")
        else:
            res = job.run(JobOptions(analyze=True, complaints=True, trigger="dashboard", quiet=True))
            a = res.analysis
            line = (f"analyzed {a.analyzed} review texts ({a.failed} failed)" if a is not None else "nothing analyzed")
            if res.themes is not None:
                line += f"; top complaints recomputed: {len(res.themes)} themes"
    except Exception as e:  # noqa: BLE001 - said in the state the page shows, and logged; the next request may work
        log.exception("the analysis asked for in the dashboard failed")
        line = f"failed: {type(e).__name__}: {e}"
    finally:
        done.set()
    _beat(store, {"state": "idle", "taken": req["at"], "last": line,
                  "finished": datetime.now(timezone.utc).isoformat(), "model": model})
    log.info("dashboard analysis: %s", line)
    return line


def serve_analysis(db: str, settings: Settings, stop: threading.Event, *, poll: float = 2.0) -> None:
    """Take the dashboard's analysis requests until `stop` is set, looking every `poll` seconds."""
    model = settings.analysis.model

    def make(store: Store) -> background.Worker:
        job = Job(store, settings)

        def beat() -> None:  # idle, saying what the last run did
            prev = store.load_checkpoint(STATE_KEY) or {}
            _beat(store, {k: v for k, v in prev.items() if k in ("taken", "last", "finished")}
                  | {"state": "idle", "model": model})
        return beat, lambda: take_request(store, job, model) is not None

    background.serve(db, stop, make, doing="analyzing in the background", poll=poll, beat_every=BEAT_EVERY,
                     read_only="nothing can be added in the dashboard, so nothing is analyzed", log=log)


def start_background(db: str, settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """`serve_analysis` in a daemon thread; set the returned event to stop it."""
    return background.start(serve_analysis, "reviewlens-analysis", db, settings)
