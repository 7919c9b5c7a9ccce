"""`reviewlens export` streams the store: a chunk of reviews at a time, each with its own fields, tags and
findings, in the order and with the values of the whole frame (bench/bench_export.py measures it at 100,000)."""

from __future__ import annotations

import json
import tracemalloc
from datetime import date, timedelta

from reviewlens.records_io import export_records
from reviewlens.schema import Review


def _reviews(n: int, words: int = 1) -> list[Review]:
    body = "The hinge broke after a week and the packaging was crushed. " * words
    return [Review(source="shop", text=f"Review {i}: {body}", rating=None if i % 7 == 0 else 1 + i % 5,
                   date=None if i % 11 == 0 else date(2026, 1, 1) + timedelta(days=i % 200), site_review_id=f"r{i}",
                   helpful_votes=i % 3 or None, verified=(i % 2 == 0) if i % 5 else None,
                   extra={"fields": {"country": "DE" if i % 8 == 0 else "FR"} if i % 4 == 0 else {},
                          "tags": ["follow up"] if i % 9 == 0 else []})
            for i in range(n)]


def test_every_chunk_carries_its_own_fields_and_tags_in_the_order_of_the_frame(store):
    store.upsert_reviews(_reviews(23))
    whole = list(store.iter_export_records(chunk=1000))
    small = list(store.iter_export_records(chunk=4))  # 6 chunks, the last one short
    assert small == whole and len(whole) == 23
    assert [r["id"] for r in whole] == store.reviews_frame()["id"].tolist()  # newest first, undated last
    by_site = {r["site_review_id"]: r for r in small}
    assert by_site["r16"]["fields"] == {"country": "DE"} and by_site["r20"]["fields"] == {"country": "FR"}
    assert by_site["r21"]["fields"] == {}
    assert by_site["r18"]["tags"] == ["follow up"] and by_site["r19"]["tags"] == []
    assert by_site["r7"]["rating"] is None and by_site["r8"]["rating"] == 4.0
    assert by_site["r11"]["date"] is None and by_site["r12"]["date"] == "2026-01-13"
    assert (by_site["r4"]["helpful_votes"], by_site["r4"]["verified"], by_site["r5"]["verified"]) == (1, True, None)
    only_de = list(store.iter_export_records(chunk=2, fields=[("country", ["DE"])]))
    assert {r["site_review_id"] for r in only_de} == {f"r{i}" for i in range(0, 23, 8)}


def test_an_export_holds_one_chunk_not_the_store(sqlite_store, tmp_path, monkeypatch):
    """2,000 reviews of 3 kB, 250 at a time: the whole frame (as before) held all 6 MB of text at once, and more
    (10.6 MB traced at its peak)."""
    from reviewlens import integrity

    monkeypatch.setattr("reviewlens.store.EXPORT_CHUNK", 250)
    sqlite_store.upsert_reviews(_reviews(2000, words=50))
    integrity.current(sqlite_store)  # the export's check for suspicious reviews, done before (its own memory)
    out = tmp_path / "out.jsonl"
    tracemalloc.start()
    try:
        n = export_records(sqlite_store, out, "jsonl").reviews
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 2000 and len(out.read_text(encoding="utf-8").splitlines()) == 2000
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["text"].startswith("Review ")
    assert peak < 4_000_000, f"{peak / 1e6:.1f} MB traced at the peak of the export"
