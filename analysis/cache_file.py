"""The SQLite files the analysis keeps beside its models (the server's answers, sentence vectors): opened for
several processes and threads at once (WAL, autocommit), with writes that a power cut may lose (each is only a
time saving: what is lost is computed or asked again)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_cache_file(path: Path) -> sqlite3.Connection:
    """The file at `path` (its folder made), in WAL mode with synchronous=NORMAL; OSError or sqlite3.Error when it
    cannot be opened or written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db
