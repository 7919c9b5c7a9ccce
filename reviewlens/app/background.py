"""The loop of a worker that `reviewlens dashboard` runs in a thread beside Streamlit (the answerer of the Ask
page, the analyzer of the Import page): it leaves a heartbeat the page reads, looks for work every `poll`
seconds, stops by itself on a read-only store (nothing can be asked there), and says a failing store once
while it keeps trying (a database server that is briefly down).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from ..store import Store, StoreReadOnly

#: A worker made on the opened store: (leave a heartbeat, do what waits: True when it did something).
Worker = tuple[Callable[[], None], Callable[[], bool]]


def serve(db: str, stop: threading.Event, make: Callable[[Store], Worker], *, doing: str, poll: float,
          beat_every: float, read_only: str, log: logging.Logger) -> None:
    """Run the worker `make` builds on the store `db` until `stop` is set. `doing`: what it does, for the
    log ("answering the dashboard's questions"); `read_only`: why it stops on a read-only store. After work,
    it beats and looks again at once (the page sees what was done); otherwise it waits `poll` seconds."""
    try:
        store = Store(db)
    except Exception as e:  # noqa: BLE001 - the dashboard says the same about the store
        log.warning("not %s: cannot open the store (%s: %s)", doing, type(e).__name__, e)
        return
    try:
        beat, work = make(store)
        last_beat = 0.0
        failing: str | None = None
        while not stop.is_set():
            now = time.time()
            try:
                if now - last_beat >= beat_every:
                    beat()
                    last_beat = now
                did = work()
                failing = None
            except StoreReadOnly:
                log.info("the store is read-only: %s", read_only)
                return
            except Exception as e:  # noqa: BLE001 - a store that is briefly down: try again at the next look
                if f"{type(e).__name__}: {e}" != failing:  # said once, not at every look
                    failing = f"{type(e).__name__}: {e}"
                    log.warning("%s: %s (trying again every %g s)", doing, failing, poll)
                did = False
            if did:
                last_beat = 0.0  # a heartbeat at once
            else:
                stop.wait(poll)
    finally:
        store.close()


def start(target: Callable[..., None], name: str, *args: object, **kwargs: object) -> tuple[threading.Thread, threading.Event]:
    """`target(*args, stop, **kwargs)` in a daemon thread called `name`; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(*args, stop), kwargs=kwargs, name=name, daemon=True)
    thread.start()
    return thread, stop
