"""Analysis asked for in the dashboard (reviewlens.analysis_queue): of several analyzers on one store (each
analyst's `reviewlens dashboard` on a team's PostgreSQL), exactly one takes a request."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from reviewlens.analysis_queue import (ALIVE_FOR, analyzer_alive, claim_request, open_request,
                                       request_analysis)
from reviewlens.store import Store


def test_one_analyzer_takes_a_request(store):
    assert open_request(store) is None and claim_request(store) is None
    req = request_analysis(store, "12 reviews imported")
    assert open_request(store) == req
    got: list = []
    stores = [Store(store.url) for _ in range(6)]  # six processes' connections, racing
    try:
        start = threading.Barrier(len(stores))

        def claim(s: Store) -> None:
            start.wait()
            got.append(claim_request(s))

        threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        for s in stores:
            s.close()
    won = [g for g in got if g is not None]
    assert len(got) == 6 and len(won) == 1 and won[0]["why"] == "12 reviews imported" and won[0]["taken"]
    assert open_request(store) is None  # taken
    again = request_analysis(store, "asked again")  # a new request is open again
    assert open_request(store) == again and claim_request(store)["at"] == again["at"]


def test_an_analyzer_is_alive_while_it_beats():
    now = datetime.now(timezone.utc)
    assert analyzer_alive({"at": now.isoformat()}, now)
    assert not analyzer_alive({"at": (now - timedelta(seconds=ALIVE_FOR + 1)).isoformat()}, now)
    assert not analyzer_alive({}, now) and not analyzer_alive({"at": "never"}, now)
