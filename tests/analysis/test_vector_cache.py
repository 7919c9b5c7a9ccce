"""Sentence vectors kept on disk between runs (analysis.vector_cache): the theme step and the labels' check
embedded the same texts at every `analyze`."""

from __future__ import annotations

import io
import sqlite3
from datetime import date, timedelta

import numpy as np
from tqdm import tqdm

from analysis import vector_cache
from analysis.embeddings import counting_on, get_embedder, remembering_on_disk
from analysis.vector_cache import VectorCache
from reviewlens.app import jobs
from reviewlens.schema import Review


def _bar() -> tqdm:
    return tqdm(file=io.StringIO(), disable=False)


def _rows(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0]


def test_vectors_kept_within_are_read_back_by_the_next_run_exactly(tmp_path, monkeypatch):
    path = tmp_path / "v.sqlite3"
    monkeypatch.setenv("REVIEWLENS_VECTOR_CACHE", str(path))
    embedder = get_embedder()
    texts = [f"Kept on disk for the next run, sentence {i}." for i in range(5)]
    monkeypatch.setattr(embedder, "_memo", {})
    embedder.encode(texts[:2])  # outside: nothing kept
    assert not path.exists() or _rows(path) == 0
    with remembering_on_disk():
        first = embedder.encode(texts)
    assert _rows(path) == 5
    monkeypatch.setattr(embedder, "_memo", {})  # as a new process: only the disk remembers
    with _bar() as bar, counting_on(bar), remembering_on_disk():
        again = embedder.encode(texts + ["One sentence not seen before, for the disk cache test."])
    assert bar.n == 1  # only the new one was computed
    assert np.array_equal(again[:5], first) and _rows(path) == 6


def test_off_or_unwritable_costs_only_the_time(tmp_path, monkeypatch, caplog):
    embedder = get_embedder()
    monkeypatch.setenv("REVIEWLENS_VECTOR_CACHE", "0")
    monkeypatch.setattr(embedder, "_memo", {})
    with remembering_on_disk():
        assert embedder.encode(["Nothing is kept with the cache off."]).shape == (1, embedder.dim)
    assert not list(tmp_path.iterdir())
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("REVIEWLENS_VECTOR_CACHE", str(blocker / "v.sqlite3"))  # its folder cannot be made
    with remembering_on_disk():
        v = embedder.encode(["Still embedded when the cache cannot be written."])
    assert v.shape == (1, embedder.dim) and abs(float(np.linalg.norm(v[0])) - 1) < 1e-4
    assert "cannot keep sentence vectors" in caplog.text


def test_each_encoder_has_its_own_vectors_and_the_least_used_go_first(tmp_path):
    path = tmp_path / "v.sqlite3"
    cache = VectorCache(path)
    vecs = np.eye(4, dtype=np.float32)
    cache.put("minilm", ["a", "b", "c", "d"], vecs)
    assert set(cache.get("minilm", ["a", "d", "x"], 4)) == {"a", "d"}
    assert cache.get("mpnet", ["a"], 4) == {} and cache.get("minilm", ["a"], 8) == {}  # another encoder, size
    np.testing.assert_array_equal(cache.get("minilm", ["c"], 4)["c"], vecs[2])
    VectorCache(path, max_rows=2)  # a, d and c were used after b was kept: b and the oldest of them go
    assert _rows(path) == 2 and set(VectorCache(path).get("minilm", list("abcd"), 4)) <= {"a", "c", "d"}
    assert vector_cache.text_key("a") != vector_cache.text_key("b")


def test_the_theme_step_computes_the_window_once_and_finds_the_same_themes(store, monkeypatch):
    said = ["The battery died after {} days.", "Delivery took {} weeks, far too slow.", "The strap broke on day {}.",
            "Support never answered my {} emails.", "The screen cracked after {} drops."]
    until = date(2026, 11, 30)
    reviews = [Review(source="shop", text=said[i % 5].format(i + 3), product="Watch", rating=1 + i % 2, author=f"b{i}",
                      date=until - timedelta(days=i * 4)) for i in range(40)]
    store.upsert_reviews(reviews)
    embedder = get_embedder()
    real = embedder._embed
    runs, computed = [], []
    monkeypatch.setattr(embedder, "_embed", lambda texts, bs: computed[-1].extend(texts) or real(texts, bs))
    for _ in range(2):
        monkeypatch.setattr(embedder, "_memo", {})  # each run as a new process
        computed.append([])
        themes, _ = jobs.run_complaints(store, since=until - timedelta(days=89), until=until, backend=None,
                                        taxonomy=None, sharp=False)
        runs.append([(t.label, t.count, t.review_ids) for t in themes])
    assert runs[0] == runs[1] and runs[0]
    assert any(r.text in computed[0] for r in reviews)  # the first run embedded the reviews' statements
    assert not set(computed[0]) & set(computed[1]), set(computed[0]) & set(computed[1])  # none of it again
    assert not any(r.text in computed[1] for r in reviews)  # (the second only the names of the themes it found)


def test_the_file_holds_a_vector_in_little_more_than_its_size(tmp_path):
    """1.5 kB vectors in a WITHOUT ROWID table of 4 kB pages each took an overflow page (452 MB for 100,000)."""
    path = tmp_path / "size.sqlite3"
    vc = VectorCache(path)
    rng = np.random.default_rng(0)
    vc.put("enc", [f"sentence {i}" for i in range(3000)], rng.random((3000, 384), dtype=np.float32))
    vc._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert path.stat().st_size < 1.25 * 3000 * 384 * 4, path.stat().st_size


def test_a_file_of_the_first_layout_is_made_again_smaller(tmp_path, caplog):
    import logging

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # as stop 37 made it
        db.execute("CREATE TABLE vectors (encoder TEXT NOT NULL, key BLOB NOT NULL, used REAL NOT NULL, "
                   "vec BLOB NOT NULL, PRIMARY KEY (encoder, key)) WITHOUT ROWID")
        db.executemany("INSERT INTO vectors VALUES (?, ?, 0, ?)",
                       [("enc", bytes([i % 256, i // 256]), np.zeros(384, np.float32).tobytes()) for i in range(500)])
    db.close()
    caplog.set_level(logging.INFO, logger="analysis.vector_cache")
    vc = VectorCache(path)
    assert "made again in a smaller layout" in caplog.text and _rows(path) == 0
    assert vc._db.execute("PRAGMA page_size").fetchone()[0] == vector_cache.PAGE_SIZE
    vc.put("enc", ["a text"], [np.ones(384, np.float32)])
    assert np.array_equal(vc.get("enc", ["a text"], 384)["a text"], np.ones(384, np.float32))
    caplog.clear()
    VectorCache(path)  # the next opening finds the new layout: nothing dropped
    assert "smaller layout" not in caplog.text and _rows(path) == 1


def test_a_long_lived_process_remembers_a_bounded_number_of_keys(tmp_path, monkeypatch):
    """The keys known to be in the file (not written again) start again past KEPT_MAX: a scheduler analyzing for
    weeks would otherwise hold every text's key in memory."""
    monkeypatch.setattr(vector_cache, "KEPT_MAX", 50)
    vc = VectorCache(tmp_path / "k.sqlite3")
    texts = [f"text {i}" for i in range(120)]
    for i in range(0, 120, 10):
        vc.put("enc", texts[i:i + 10], np.ones((10, 4), np.float32) * i)
        assert len(vc._kept) <= 60
    assert len(vc.get("enc", texts, 4)) == 120 and len(vc._kept) <= 60  # all still in the file
    vc.put("enc", texts[:10], np.full((10, 4), 7, np.float32))  # written again: the file keeps the first
    assert (vc.get("enc", texts[:1], 4)["text 0"] == 0).all() and _rows(tmp_path / "k.sqlite3") == 120
