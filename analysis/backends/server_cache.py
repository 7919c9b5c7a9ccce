"""The server's answers kept on disk for a day, so that a run the server's going away ended continues where
it stopped.

The analysis saves its results per chunk (`Analyzer.chunk_size`, 128 reviews by default): a chunk takes
minutes through a small server, and a server restarted mid-chunk lost all of it (0 of 124 reviews kept after
two minutes). Each answer of the server (HTTP 200, asked at temperature 0, so the same question gets the
same answer) is written here as it arrives; the rerun asks again only what was not answered. Answers are
keyed by the server's URL, the path and the whole request (model id included), and deleted after `KEEP`
seconds: a server that starts serving other weights under the same id is asked again the next day at the
latest. They hold the model's words about reviews (translations included), as the store does.
`REVIEWLENS_SERVER_CACHE=0` turns it off, a path moves it. Erased (`erase`) when reviews are forgotten. A file that cannot be opened or written only costs the rerun.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from analysis.cache_file import erase_cache_file, open_cache_file

log = logging.getLogger(__name__)

KEEP = 24 * 3600.0  # seconds an answer is kept


_OFF = ("0", "false", "no", "off")


def default_path() -> Path | None:
    """`$REVIEWLENS_SERVER_CACHE` when it names a file, None when it turns the cache off, else
    `$REVIEWLENS_CACHE/server-answers.sqlite3` (or ~/.cache/reviewlens/models/, beside the converted models)."""
    env = os.environ.get("REVIEWLENS_SERVER_CACHE", "").strip()
    if env.lower() in _OFF:
        return None
    if env and env != "1":
        return Path(env).expanduser()
    from analysis.models import cache_root

    return cache_root() / "server-answers.sqlite3"


def erase(path: Path | None = None) -> int:
    """Delete every kept answer in the file at `path` (default: `default_path()`), leaving none of their bytes on
    disk (analysis.cache_file.erase_cache_file): the answers hold the model's words about reviews, translations
    too, so reviews that were forgotten (deleted, or their personal data masked) leave nothing here. How many
    answers went; OSError or sqlite3.Error when it cannot be done."""
    path = path or default_path()
    return erase_cache_file(path, "answers") if path is not None else 0


class AnswerCache:
    """A thread-safe key -> JSON answer table in SQLite (WAL: several processes may share the file)."""

    def __init__(self, path: str | os.PathLike[str], keep: float = KEEP):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            db = open_cache_file(self.path)
            db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, at REAL NOT NULL, body TEXT NOT NULL)")
            db.execute("DELETE FROM answers WHERE at < ?", (time.time() - keep,))
            self._db = db
        except (OSError, sqlite3.Error) as e:
            log.warning("cannot keep the server's answers in %s (%s): a run the server's going away ends starts "
                        "its last chunk again", self.path, e)

    @staticmethod
    def key(url: str, payload: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps([url, payload], sort_keys=True, ensure_ascii=False)
                              .encode("utf-8")).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        if self._db is None:
            return None
        try:
            with self._lock:
                row = self._db.execute("SELECT body FROM answers WHERE key = ?", (key,)).fetchone()
            return json.loads(row[0]) if row else None
        except (sqlite3.Error, ValueError) as e:
            log.debug("server answer cache: %s", e)
            return None

    def put(self, key: str, body: dict[str, Any]) -> None:
        if self._db is None:
            return
        try:
            with self._lock:
                self._db.execute("INSERT OR REPLACE INTO answers (key, at, body) VALUES (?, ?, ?)",
                                 (key, time.time(), json.dumps(body, ensure_ascii=False)))
        except (sqlite3.Error, TypeError, ValueError) as e:
            log.debug("server answer cache: %s", e)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
