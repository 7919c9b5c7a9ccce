"""Owner replies, helpful votes, verified purchase and language in the store: stores made by the first
release gain the columns on start-up (SQLite and PostgreSQL, several processes at once), an upsert
fills in a reply that arrives after its review, and none of it changes a review's identity."""

from __future__ import annotations

import multiprocessing as mp
import re
import uuid
from datetime import date, datetime, timezone
from typing import Callable

import pandas as pd
import pytest
import sqlalchemy as sa

from reviewlens.schema import REPLY_FIELDS, Review
from reviewlens.store import Store, StoreReadOnly, metadata
from tests.helpers import count_rows

# The reviews table as the first release made it (the current definition without the Collect v2 columns).
OLD = sa.MetaData()
OLD_REVIEWS = sa.Table(
    "reviews", OLD,
    sa.Column("id", sa.String(24), primary_key=True),
    sa.Column("source", sa.String(300), nullable=False, index=True),
    sa.Column("product", sa.String(500), index=True),
    sa.Column("url", sa.Text),
    sa.Column("author", sa.String(500)),
    sa.Column("rating", sa.Float, index=True),
    sa.Column("title", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("date", sa.Date, index=True),
    sa.Column("site_review_id", sa.String(300)),
    sa.Column("content_hash", sa.String(32), nullable=False, index=True),
    sa.Column("scraped_at", sa.DateTime(timezone=True)),
    sa.Column("first_run_id", sa.Integer),
    sa.Column("extra", sa.Text),
)
OLD_REVIEW = Review(source="shop", text="Old review: the kettle leaks.", author="Ann", rating=2,
                    date=date(2025, 3, 4), site_review_id="old-1")


def _fresh_database(store: Store, tmp_path, name: str) -> tuple[str, Callable[[], None]]:
    """A database nobody has opened yet, of the same kind as `store` (a new SQLite file or a new
    PostgreSQL schema next to the fixture's). Returns (url for Store, cleanup)."""
    if store.dialect == "sqlite":
        return str(tmp_path / f"{name}.db"), lambda: None
    schema = "t_" + uuid.uuid4().hex[:10]
    with store.engine.begin() as c:
        c.execute(sa.text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with store.engine.begin() as c:
            c.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    return re.sub(r"search_path%3D\w+", f"search_path%3D{schema}", store.url), drop


def _make_old_store(url: str) -> None:
    """The first release's reviews table with one review in it (no other table: Store adds those)."""
    s = Store(url, create=False)
    try:
        with s.engine.begin() as c:
            OLD.create_all(c)
            r = OLD_REVIEW
            c.execute(OLD_REVIEWS.insert().values(
                id=r.id, source=r.source, text=r.text, author=r.author, rating=r.rating, date=r.date,
                site_review_id=r.site_review_id, content_hash=r.content_hash,
                scraped_at=datetime(2025, 3, 5, tzinfo=timezone.utc)))
    finally:
        s.close()


def _columns(store: Store) -> set[str]:
    return {c["name"] for c in sa.inspect(store.engine).get_columns("reviews")}


def test_reply_fields_do_not_change_identity_or_hash():
    plain = Review(source="s", text="Broke after a week.", author="Bo", date="2026-01-02")
    replied = Review(source="s", text="Broke after a week.", author="Bo", date="2026-01-02",
                     reply="Sorry! We sent a new one.", reply_date="2026-01-05T10:00:00Z", helpful_votes="7",
                     verified=1, language="en")
    assert replied.id == plain.id and replied.content_hash == plain.content_hash
    assert (replied.reply_date, replied.helpful_votes, replied.verified) == (date(2026, 1, 5), 7, True)
    d = replied.to_dict()
    assert d["reply_date"] == "2026-01-05" and d["helpful_votes"] == 7 and d["language"] == "en"
    assert Review(source="s", text="x", reply="a\x00b").reply == "ab"  # NUL dropped as in the text


def test_old_store_gains_the_columns_and_keeps_its_rows(store, tmp_path):
    url, cleanup = _fresh_database(store, tmp_path, "old")
    try:
        _make_old_store(url)
        s = Store(url, create=False)
        assert not set(REPLY_FIELDS) & _columns(s)
        s.close()
        s = Store(url)  # start-up adds what is missing
        try:
            assert set(REPLY_FIELDS) <= _columns(s)
            assert set(sa.inspect(s.engine).get_table_names()) >= set(metadata.tables)
            got = s.pending_analysis("m", "v")
            assert [(r.id, r.text, r.author, r.rating, r.date) for r in got] == \
                   [(OLD_REVIEW.id, OLD_REVIEW.text, "Ann", 2.0, date(2025, 3, 4))]
            assert got[0].reply is None and got[0].helpful_votes is None and got[0].verified is None
            rec = next(s.iter_export_records())
            assert rec["reply"] is None and rec["reply_date"] is None and rec["language"] is None
            # the old review, scraped again now that the owner replied, gets the reply
            again = Review(source="shop", text=OLD_REVIEW.text, author="Ann", rating=2, date=date(2025, 3, 4),
                           site_review_id="old-1", reply="We are sorry, a replacement is on its way.",
                           reply_date=date(2025, 3, 6), helpful_votes=4, verified=True, language="en")
            assert s.upsert_reviews([again]) == (0, 1)
            got = s.pending_analysis("m", "v")[0]
            assert (got.reply, got.reply_date, got.helpful_votes, got.verified, got.language) == \
                   ("We are sorry, a replacement is on its way.", date(2025, 3, 6), 4, True, "en")
        finally:
            s.close()
        s = Store(url)  # nothing missing any more: opening writes nothing
        try:
            assert count_rows(s) == 1
        finally:
            s.close()
    finally:
        cleanup()


def test_old_store_read_only_says_how_to_upgrade(store, tmp_path):
    url, cleanup = _fresh_database(store, tmp_path, "old_ro")
    try:
        _make_old_store(url)
        Store(url).close()  # every other table, so only columns could be missing below
        s = Store(url, create=False)
        with s.engine.begin() as c:
            c.execute(sa.text("ALTER TABLE reviews DROP COLUMN language"))
        s.close()
        with pytest.raises(StoreReadOnly, match=r"older version.*reviews\.language.*where it can be written"):
            Store(url, read_only=True)
    finally:
        cleanup()


def _open_at_once(url: str, barrier, results) -> None:
    barrier.wait(timeout=60)
    try:
        Store(url).close()
        results.put("ok")
    except Exception as e:  # noqa: BLE001 - reported to the test
        results.put(f"{type(e).__name__}: {e}")


def test_processes_upgrading_an_old_store_at_once_all_succeed(store, tmp_path):
    """Several processes open one old store together: the columns are added once, under the lock
    (without it, the second ALTER TABLE fails on 'duplicate column')."""
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    n = 4
    url, cleanup = _fresh_database(store, tmp_path, "old_race")
    try:
        _make_old_store(url)
        barrier, results = ctx.Barrier(n), ctx.Queue()
        procs = [ctx.Process(target=_open_at_once, args=(url, barrier, results)) for _ in range(n)]
        [p.start() for p in procs]
        outcomes = [results.get(timeout=120) for _ in procs]
        [p.join(timeout=60) for p in procs]
        assert outcomes == ["ok"] * n, outcomes
        s = Store(url, create=False)
        try:
            assert set(REPLY_FIELDS) <= _columns(s) and count_rows(s) == 1
        finally:
            s.close()
    finally:
        cleanup()


def test_upsert_fills_in_replies_and_votes_and_keeps_them(store):
    first = Review(source="s", text="The lid cracked.", rating=1, site_review_id="r1", helpful_votes=1)
    other = Review(source="s", text="Fine.", rating=4, site_review_id="r2", verified=False)
    assert store.upsert_reviews([first, other]) == (2, 0)
    later = Review(source="s", text="The lid cracked.", rating=1, site_review_id="r1", helpful_votes=9,
                   reply="Please contact us for a new lid.", reply_date="2026-02-01", verified=True, language="en")
    assert store.upsert_reviews([later]) == (0, 1)
    # a scrape that does not carry them (another extraction, the reply scrolled away) keeps them
    bare = Review(source="s", text="The lid cracked.", rating=1, site_review_id="r1")
    assert store.upsert_reviews([bare, other]) == (0, 2)
    df = store.reviews_frame().set_index("id")
    got = df.loc[first.id]
    assert got.reply == "Please contact us for a new lid." and got.reply_date == date(2026, 2, 1)
    assert int(got.helpful_votes) == 9 and bool(got.verified) is True and got.language == "en"
    assert pd.isna(df.loc[other.id].reply) and bool(df.loc[other.id].verified) is False
