"""Sentence vectors kept on disk between runs, for the steps that embed the same texts every run.

The theme step embeds every statement of the last 90 days and of the 90 before, at each `analyze`, though most
were embedded the week before (a 20,000-review store: 1,600 sentences, most of a 40 s step); the labels' check
embeds the same 300-review sample with both encoders at each `analyze`; and new labels (or settings) read every
review text again, whose sentences the encoders and the LLM read the same way as before. Within
`embeddings.remembering_on_disk()` (the analysis run, the theme step, the labels' check) an `Embedder` looks its
texts up here first and keeps what it computes: keyed by the encoder (its folder, layers, length, device and
weights' size and date) and the text's SHA-256, as float32 (the vector computed, exactly); the Analyzer keeps
the LLM's sentiment scores of a text the same way (keyed by model, precision, prompt; float64 kept bit for bit).

`$REVIEWLENS_VECTOR_CACHE`: the file (default `$REVIEWLENS_CACHE/sentence-vectors.sqlite3`, beside the converted
models), or 0 to keep nothing. The file holds at most MAX_ROWS vectors (the least recently used go first); one that
cannot be opened or written only costs the time it would have saved. It holds vectors of review sentences, not
their words; as a vector can give its sentence's gist back, the file is erased (`erase`) when reviews are forgotten
(`reviewlens delete --author/--before/--expired`, `privacy --mask`, the scheduler's `[privacy] keep_days`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from analysis.cache_file import erase_cache_file, open_cache_file

log = logging.getLogger(__name__)

MAX_ROWS = 400_000  # about 0.65 GB of MiniLM vectors, 1.3 GB of mpnet ones at most
# Rows of 1.5 to 3 kB: a table with a rowid in 16 kB pages holds them with ~10% to spare. The first layout (a
# WITHOUT ROWID table in 4 kB pages) gave each vector an overflow page: 452 MB for 100,000 MiniLM vectors of 154.
PAGE_SIZE = 16384
# keys this process knows are in the file (not written again), at most: ~150 bytes each, so ~30 MB; past it the set
# starts again (a vector written twice is ignored by the file: only the time of the write)
KEPT_MAX = 200_000
_OFF = ("0", "false", "no", "off")


def default_path() -> Path | None:
    """The file, or None when $REVIEWLENS_VECTOR_CACHE turns the cache off."""
    env = os.environ.get("REVIEWLENS_VECTOR_CACHE", "").strip()
    if env.lower() in _OFF:
        return None
    if env:
        return Path(env).expanduser()
    from analysis.models import cache_root

    return cache_root() / "sentence-vectors.sqlite3"


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _drop_old_layout(db: sqlite3.Connection, path: Path) -> None:
    """A file made by the first layout (WITHOUT ROWID, 4 kB pages: three times the disk): its vectors are dropped
    and the file rebuilt in PAGE_SIZE pages, once (they are computed again as needed). Where another process
    holds the file, the rebuild waits for a later run; the new table is made either way."""
    row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'vectors'").fetchone()
    if not row or "WITHOUT ROWID" not in str(row[0]).upper():
        return
    db.execute("DROP TABLE vectors")
    log.info("sentence vector cache %s: made again in a smaller layout (its vectors are computed again)", path)
    try:  # a page size changes only outside WAL, with VACUUM
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute(f"PRAGMA page_size={PAGE_SIZE}")
        db.execute("VACUUM")
    except sqlite3.Error as e:
        log.debug("sentence vector cache: not rebuilt now (%s)", e)
    finally:
        db.execute("PRAGMA journal_mode=WAL")


class VectorCache:
    """(encoder, text) -> vector in SQLite (WAL: several processes may share the file); thread-safe."""

    def __init__(self, path: str | os.PathLike[str], max_rows: int = MAX_ROWS):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._kept: set[tuple[str, bytes]] = set()  # (encoder, key) known to be in the file: not written again
        try:
            db = open_cache_file(self.path, page_size=PAGE_SIZE)
            _drop_old_layout(db, self.path)
            db.execute("CREATE TABLE IF NOT EXISTS vectors (encoder TEXT NOT NULL, key BLOB NOT NULL, "
                       "used REAL NOT NULL, vec BLOB NOT NULL, UNIQUE (encoder, key))")
            db.execute("CREATE INDEX IF NOT EXISTS ix_vectors_used ON vectors (used)")
            n = db.execute("SELECT count(*) FROM vectors").fetchone()[0]
            if n > max_rows:  # the least recently used go
                db.execute("DELETE FROM vectors WHERE rowid IN (SELECT rowid FROM vectors ORDER BY used LIMIT ?)",
                           (n - max_rows,))
            self._db = db
        except (OSError, sqlite3.Error) as e:
            log.warning("cannot keep sentence vectors in %s (%s): they are computed at each run", self.path, e)

    def get(self, encoder: str, texts: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        """The stored vectors of those of `texts` that have one (marked as used now)."""
        if self._db is None or not texts:
            return {}
        keys = {text_key(t): t for t in texts}
        out: dict[str, np.ndarray] = {}
        try:
            with self._lock:
                ks = list(keys)
                for i in range(0, len(ks), 500):
                    part = ks[i:i + 500]
                    marks = ",".join("?" * len(part))
                    for k, blob in self._db.execute(
                            f"SELECT key, vec FROM vectors WHERE encoder = ? AND key IN ({marks})", [encoder, *part]):
                        v = np.frombuffer(blob, dtype=np.float32)
                        if v.shape == (dim,):
                            out[keys[bytes(k)]] = v.copy()
                            self._kept.add((encoder, bytes(k)))
                    self._db.execute(f"UPDATE vectors SET used = ? WHERE encoder = ? AND key IN ({marks})",
                                     [time.time(), encoder, *part])
                if len(self._kept) > KEPT_MAX:
                    self._kept.clear()
        except sqlite3.Error as e:
            log.debug("sentence vector cache: %s", e)
        return out

    def put(self, encoder: str, texts: Sequence[str], vecs: Sequence[np.ndarray]) -> None:
        """Keep the vectors of those of `texts` not kept yet (a text this process already read or wrote here is
        not written again: a step asks for the same texts several times)."""
        if self._db is None:
            return
        now = time.time()
        rows = [(encoder, k, now, np.asarray(v, dtype=np.float32).tobytes())
                for k, v in zip(map(text_key, texts), vecs) if (encoder, k) not in self._kept]
        if not rows:
            return
        try:
            with self._lock:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR IGNORE INTO vectors (encoder, key, used, vec) VALUES (?, ?, ?, ?)",
                                     rows)
                self._db.execute("COMMIT")
                if len(self._kept) > KEPT_MAX:  # a scheduler or dashboard lives for weeks: forget, write again
                    self._kept.clear()
                self._kept.update((encoder, r[1]) for r in rows)
        except sqlite3.Error as e:
            log.debug("sentence vector cache: %s", e)
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass


_caches: dict[Path, VectorCache] = {}
_caches_lock = threading.Lock()


def open_default() -> VectorCache | None:
    """The process's cache at `default_path()` (opened once per path), or None when it is turned off."""
    path = default_path()
    if path is None:
        return None
    with _caches_lock:
        if path not in _caches:
            _caches[path] = VectorCache(path)
        return _caches[path]


def in_use() -> VectorCache | None:
    """The process's cache within `embeddings.remembering_on_disk()` (in this thread), else None."""
    from analysis.embeddings import remembering

    return open_default() if remembering() else None


def through(key: str, texts: Sequence[str], dim: int,
            compute: Callable[[list[str]], Sequence[np.ndarray]]) -> dict[str, np.ndarray]:
    """text -> its float32 row of `dim` under `key`: those the cache in use (`in_use`) keeps, the others computed
    (`compute`, each distinct text once) and kept there. Outside `remembering_on_disk()` all are computed."""
    cache = in_use() if texts else None
    known = cache.get(key, texts, dim) if cache is not None else {}
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    if todo:
        fresh = list(compute(todo))
        if cache is not None:
            cache.put(key, todo, fresh)
        known.update(zip(todo, fresh))
    return known


def erase(path: Path | None = None) -> int:
    """Delete every vector in the file at `path` (default: `default_path()`), leaving none of their bytes on disk
    (analysis.cache_file.erase_cache_file): reviews that were forgotten (deleted, or their personal data masked)
    leave nothing here. How many vectors went; OSError or sqlite3.Error when it cannot be done."""
    path = path or default_path()
    if path is None:
        return 0
    n = erase_cache_file(path, "vectors")
    with _caches_lock:  # this process's open cache would not write again what it thinks is kept
        open_one = _caches.get(path)
    if open_one is not None:
        with open_one._lock:
            open_one._kept.clear()
    return n
