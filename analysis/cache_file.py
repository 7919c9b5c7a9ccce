"""The SQLite files the analysis keeps beside its models (the server's answers, sentence vectors): opened for
several processes and threads at once (WAL, autocommit), with writes that a power cut may lose (each is only a
time saving: what is lost is computed or asked again)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_cache_file(path: Path, page_size: int | None = None) -> sqlite3.Connection:
    """The file at `path` (its folder made), in WAL mode with synchronous=NORMAL; OSError or sqlite3.Error when it
    cannot be opened or written. `page_size`: the page size of a file made now (a file made before keeps its
    own)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    if page_size:
        db.execute(f"PRAGMA page_size={int(page_size)}")  # before WAL: the first write fixes it
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def erase_cache_file(path: Path, table: str) -> int:
    """Delete every row of `table` in the cache file at `path` so that none of their bytes stay on disk: the rows
    are overwritten with zeros as they go (secure_delete), the file is rebuilt without its free pages (VACUUM) and
    its write-ahead log cut to nothing. How many rows went (0 when there is no file); OSError or sqlite3.Error when
    it cannot be done (another process holding a transaction open for the whole wait, a file that is not a
    database)."""
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        db.execute("PRAGMA secure_delete = ON")
        has = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
        n = int(db.execute(f"DELETE FROM {table}").rowcount or 0) if has else 0
        db.execute("VACUUM")
        busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy and busy[0]:
            raise sqlite3.OperationalError("another process is reading it: its write-ahead log could not be cut")
        return n
    finally:
        db.close()
