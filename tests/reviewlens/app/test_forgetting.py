"""Forgotten reviews leave nothing readable on this machine: not in the store's file or its write-ahead log, not in
the sentence vectors or the server's answers kept beside the models (reviewlens.app.forgetting).

Each check reads the files' bytes: a row deleted by SQL can stay readable in a page it freed, and in the
write-ahead log while another connection (the dashboard, a scheduler) keeps the store open."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from analysis.backends.server_cache import AnswerCache
from analysis.vector_cache import VectorCache
from reviewlens.app.cli import main
from reviewlens.app.jobs import expire_reviews
from reviewlens.config import load_settings
from reviewlens.schema import Review
from reviewlens.store import Store

SECRET = "Marigold-7731 wrote that the blender lid cracked"
EMAIL = "marigold.7731@mail.example.com"


def _bytes(path: Path) -> bytes:
    """The file and its write-ahead log, as they are on disk."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def _caches(vector_text: str = SECRET) -> tuple[Path, Path]:
    """The two caches (at the paths tests/conftest.py gives each test), each holding one row made from the text."""
    vpath, apath = Path(os.environ["REVIEWLENS_VECTOR_CACHE"]), Path(os.environ["REVIEWLENS_SERVER_CACHE"])
    vc = VectorCache(vpath)
    vc.put("enc", [vector_text], [np.full(4, 0.25, dtype=np.float32)])
    ac = AnswerCache(apath)
    ac.put("k", {"choices": [{"message": {"content": f"Translation: {vector_text}"}}]})
    ac.close()
    return vpath, apath


def _rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _seeded(db: str) -> tuple[Store, Review, Review]:
    store = Store(db)
    gone = Review(source="shop", text=f"{SECRET}. Mail me at {EMAIL}", author="Marigold", rating=1)
    kept = Review(source="shop", text="Sturdy jug, quiet motor.", author="Bob", rating=5)
    store.upsert_reviews([gone, kept])
    return store, gone, kept


def test_a_forgotten_reviewer_leaves_nothing_in_the_store_file_or_its_log(tmp_path):
    """With another connection holding the store open (so its write-ahead log stays), the words of a deleted
    reviewer and a masked e-mail address are in neither the file nor the log afterwards."""
    db = tmp_path / "s.db"
    store, gone, kept = _seeded(str(db))
    other = sqlite3.connect(db)  # the dashboard, say
    other.execute("SELECT count(*) FROM reviews").fetchone()
    try:
        assert SECRET.encode() in _bytes(db)
        with store.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA secure_delete").scalar() == 1  # set by the store, whatever the build
        store.delete_reviews(authors=["Marigold"])
        assert SECRET.encode() not in _bytes(db) and EMAIL.encode() not in _bytes(db)
        assert store.review_texts([gone.id, kept.id]) == {kept.id: kept.text}
        # masking: the address as written goes from the file and the log too
        again = Review(source="shop", text=f"Broken again, write to {EMAIL}", author="Ann", rating=1)
        store.upsert_reviews([again])
        assert EMAIL.encode() in _bytes(db)
        from reviewlens.privacy import Masker

        assert store.rewrite_written(Masker().text)["reviews"] == 1
        assert EMAIL.encode() not in _bytes(db)
    finally:
        other.close()


def test_delete_erases_the_caches_on_this_machine(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    store, gone, kept = _seeded(db)
    store.upsert_reviews([Review(source="other", text="Another site's review.", rating=3)])
    vpath, apath = _caches()
    # a deletion that does not forget (a source or a run undone: the texts may come back, their analyses and
    # labels stay) leaves the caches as they are
    assert main(["delete", "--source", "other", "--yes", "--db", db]) == 0
    assert "deleted 1 review" in capsys.readouterr().out
    assert _rows(vpath, "vectors") == 1 and _rows(apath, "answers") == 1
    assert main(["delete", "--author", "Marigold", "--db", db]) == 0  # without --yes: says what would go
    assert "the sentence vectors and server answers cached on this machine are erased" in capsys.readouterr().out
    assert _rows(vpath, "vectors") == 1
    assert main(["delete", "--author", "Marigold", "--yes", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "erased 1 sentence vector and 1 server answer kept on this machine" in out
    assert _rows(vpath, "vectors") == 0 and _rows(apath, "answers") == 0
    assert SECRET.encode() not in _bytes(apath)  # the answer's words are not left in a freed page
    assert np.full(4, 0.25, dtype=np.float32).tobytes() not in _bytes(vpath)


def test_privacy_mask_erases_the_caches_and_json_says_so(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    _seeded(db)
    vpath, apath = _caches(f"Mail me at {EMAIL}")
    assert main(["privacy", "--db", db, "-q"]) == 0  # looking only: nothing erased
    capsys.readouterr()
    assert _rows(vpath, "vectors") == 1
    assert main(["privacy", "--mask", "--json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["masked"]["reviews"] == 1
    assert data["caches_erased"] == {"sentence vector": 1, "server answer": 1} and data["caches_not_erased"] == []
    assert EMAIL.encode() not in _bytes(apath) and _rows(vpath, "vectors") == 0
    assert main(["privacy", "--mask", "--db", db, "-q"]) == 0  # nothing left to mask: nothing to erase, no line
    assert "erased" not in capsys.readouterr().out


def test_a_cache_that_cannot_be_erased_is_said_and_the_command_fails(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "f.db")
    store, gone, kept = _seeded(db)
    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_bytes(b"this is no SQLite file " * 100)
    monkeypatch.setenv("REVIEWLENS_VECTOR_CACHE", str(bad))
    AnswerCache(Path(os.environ["REVIEWLENS_SERVER_CACHE"])).put("k", {"text": SECRET})
    assert main(["delete", "--author", "Marigold", "--yes", "--db", db]) == 1
    out, err = capsys.readouterr()
    assert "deleted 1 review" in out and store.review_texts([gone.id]) == {}  # the store's part is done
    assert "erased 1 server answer kept on this machine" in out
    assert f"could not erase the sentence vectors kept in {bad} (file is not a database): delete that file by hand" \
        in err
    assert bad.read_bytes() == b"this is no SQLite file " * 100  # left as it was
    assert main(["delete", "--author", "Bob", "--yes", "--db", db, "-q"]) == 1  # and again next time


def test_reviews_past_keep_days_take_the_caches_with_them(tmp_path):
    db = str(tmp_path / "k.db")
    store = Store(db)
    store.upsert_reviews([Review(source="s", text=SECRET, rating=2, date=date.today() - timedelta(days=400)),
                          Review(source="s", text="Recent and fine.", rating=5, date=date.today())])
    vpath, apath = _caches()
    cfg = tmp_path / "keep.toml"
    cfg.write_text("[privacy]\nkeep_days = 365\n")
    settings = load_settings(cfg, db=db, data_dir=str(tmp_path / "data"))
    assert expire_reviews(store, settings, today=date.today() - timedelta(days=100))[1] == 0  # none expired yet
    assert _rows(vpath, "vectors") == 1 and _rows(apath, "answers") == 1
    assert expire_reviews(store, settings)[1] == 1
    assert _rows(vpath, "vectors") == 0 and _rows(apath, "answers") == 0 and SECRET.encode() not in _bytes(apath)
