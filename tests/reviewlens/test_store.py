"""The review store on SQLite and PostgreSQL: identity, upsert, runs, checkpoints, analysis cache,
concurrent creators and writers, read-only stores."""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import threading
import uuid
from datetime import date, datetime, timezone
from typing import Callable

import pytest
import sqlalchemy as sa

from reviewlens import queries
from reviewlens.schema import Analysis, ComplaintTheme, Entity, Quote, Review, TopicMention, content_hash
from reviewlens.store import Store, StoreReadOnly, database_url, metadata
from tests.helpers import count_rows


def _reviews(n: int, source: str = "shop") -> list[Review]:
    return [Review(source=source, text=f"Review number {i}: the battery died after {i} days.", author=f"user{i}",
                   rating=1 + i % 5, date=date(2026, 10, 1 + i % 28), product="Headphones",
                   url=f"http://shop.test/p/1#r{i}", site_review_id=f"r{i}") for i in range(n)]


def test_identity_is_stable_and_uses_site_id():
    a = Review(source="s", text="Great", author="Ann", date="2026-01-02", site_review_id="42")
    b = Review(source="s", text="Great (edited)", author="Ann B.", date="2026-01-03", site_review_id="42")
    assert a.id == b.id  # the site's own id wins over content
    c = Review(source="s", text="Great  stuff", author="ann", date="2026-01-02")
    d = Review(source="s", text="Great stuff", author="Ann ", date=date(2026, 1, 2))
    assert c.id == d.id  # whitespace/case of author and text spacing do not make a new review
    e = Review(source="other", text="Great stuff", author="ann", date="2026-01-02")
    assert e.id != c.id
    assert content_hash("a  b") == content_hash("a b")


def test_describe_hides_a_password_and_keeps_the_rest_as_given():
    assert Store.describe("postgresql://me:s3cret@db.example:5432/reviews") == "postgresql://me:***@db.example:5432/reviews"
    assert Store.describe("postgresql://me@db.example/reviews") == "postgresql://me@db.example/reviews"
    assert Store.describe("data/my reviews.db") == "data/my reviews.db"


def test_upsert_adds_nothing_twice(store):
    rs = _reviews(30)
    assert store.upsert_reviews(rs) == (30, 0)
    assert store.upsert_reviews(rs) == (0, 30)
    assert store.upsert_reviews(rs[:10] + _reviews(35)[30:]) == (5, 10)
    assert count_rows(store) == 35
    # duplicates inside one batch count once
    dup = _reviews(1, "dup") * 3
    assert store.upsert_reviews(dup) == (1, 0)


def test_upsert_refreshes_changed_fields(store):
    r = Review(source="s", text="ok", rating=3, site_review_id="x1")
    store.upsert_reviews([r])
    r2 = Review(source="s", text="actually bad", rating=1, site_review_id="x1")
    assert store.upsert_reviews([r2]) == (0, 1)
    got = store.reviews_frame().set_index("id").loc[r.id]
    assert got.text == "actually bad" and got.rating == 1.0


def test_roundtrip_fields_and_unicode(store):
    text = "Ünïcødé 😀 日本語 " + "x" * 50_000 + "\x00-free"
    r = Review(source="s", text=text, author="Zoë", rating=4.5, title="=HYPERLINK(\"x\")", date="2026-02-03",
               url="http://a.test/r?1", product="P", extra={"helpful": 3})
    store.upsert_reviews([r])
    got = store.pending_analysis("m", "v")[0]  # the stored review, read back as a Review
    assert got.id == r.id
    assert got.text == text.replace("\x00", "") and got.author == "Zoë" and got.rating == 4.5 and got.date == date(2026, 2, 3)
    assert got.title == "=HYPERLINK(\"x\")" and got.extra == {"helpful": 3}


def test_runs_history(store):
    rid = store.start_run("scrape", "shop", "manual", detail={"urls": ["u"]})
    store.update_run(rid, pages=1, new=3, seen=1, errors=[{"url": "http://x/2", "message": "no reviews found"}])
    store.update_run(rid, pages=1, new=2)
    store.finish_run(rid, "partial")
    r = store.list_runs()[0]
    assert (r["pages"], r["reviews_new"], r["reviews_seen"], r["status"]) == (2, 5, 1, "partial")
    assert r["errors"][0]["url"] == "http://x/2" and r["finished_at"] >= r["started_at"]
    assert store.list_runs(kind="scrape", source="shop")[0]["id"] == rid


def test_stale_running_run_becomes_interrupted(store):
    rid = store.start_run("scrape", "shop")
    with store.engine.begin() as c:
        c.execute(sa.text("UPDATE runs SET pid = 999999999 WHERE id = :i"), {"i": rid})
    assert store.mark_stale_runs() == 1
    assert store.list_runs()[0]["status"] == "interrupted"
    # `runs --errors` says why (it said nothing of a run found dead)
    assert store.list_runs()[0]["errors"][-1]["message"].startswith("its process ended without finishing the run")


def _set_run(store, rid: int, **values) -> None:
    with store.engine.begin() as c:
        c.execute(sa.text(f"UPDATE runs SET {', '.join(f'{k} = :{k}' for k in values)} WHERE id = :i"),
                  {"i": rid, **values})


def test_run_of_a_killed_container_pid_1_is_not_taken_for_alive(store):
    """pid 1 always exists here: the run that was pid 1 (a container's entrypoint, killed) is known by its start
    time, which is not pid 1's here."""
    from reviewlens.store import _pid_namespace

    rid = store.start_run("scrape", "shop")
    _set_run(store, rid, pid=1, process=f"{_pid_namespace()} 1".strip())
    mine = store.start_run("scrape", "mine")  # this process: alive
    assert store.mark_stale_runs() == 1
    got = {r["id"]: r["status"] for r in store.list_runs()}
    assert got == {rid: "interrupted", mine: "running"}
    store.finish_run(mine, "ok")


def test_run_of_another_host_is_judged_by_its_heartbeat(store):
    """Its pid means nothing here (another machine on one PostgreSQL store, another container): alive while its
    heartbeat is fresh, interrupted once it is older than HEARTBEAT_STALE."""
    from datetime import timedelta

    from reviewlens.store import HEARTBEAT_STALE

    rid = store.start_run("scrape", "shop")
    store.finish_run(rid, "ok")  # this process's heartbeat thread leaves it
    with store.engine.begin() as c:
        c.execute(sa.text("UPDATE runs SET status = 'running', finished_at = NULL, pid = 999999999, "
                          "host = 'elsewhere', heartbeat_at = :t WHERE id = :i"),
                  {"i": rid, "t": datetime.now(timezone.utc) - timedelta(seconds=30)})
    assert store.mark_stale_runs() == 0
    assert store.list_runs()[0]["status"] == "running"
    _set_run(store, rid, heartbeat_at=datetime.now(timezone.utc) - HEARTBEAT_STALE - timedelta(seconds=5))
    assert store.mark_stale_runs() == 1
    assert store.list_runs()[0]["status"] == "interrupted"
    assert "no sign of life from its process on elsewhere for 10 minutes" in store.list_runs()[0]["errors"][-1]["message"]


def test_runs_of_a_store_made_before_hosts_were_recorded(store):
    """An older store's runs table gets host, process and heartbeat_at on opening; its running runs (no host)
    are judged by their pid, as before."""
    dead = store.start_run("scrape", "old")
    store.finish_run(dead, "ok")
    with store.engine.begin() as c:
        for col in ("host", "process", "heartbeat_at"):
            c.execute(sa.text(f"ALTER TABLE runs DROP COLUMN {col}"))
        c.execute(sa.text("UPDATE runs SET status = 'running', pid = 999999999 WHERE id = :i"), {"i": dead})
    reopened = Store(store.url)
    try:
        assert reopened.mark_stale_runs() == 1 and reopened.list_runs()[0]["status"] == "interrupted"
        rid = reopened.start_run("scrape", "new")
        assert reopened.list_runs()[0]["host"] and reopened.mark_stale_runs() == 0
        reopened.finish_run(rid, "ok")
    finally:
        reopened.close()

def test_running_run_keeps_its_heartbeat(store, monkeypatch):
    import time

    from reviewlens import store as store_mod

    monkeypatch.setattr(store_mod, "HEARTBEAT_EVERY", 0.05)
    rid = store.start_run("analyze", "m")
    old = datetime(2020, 1, 1, tzinfo=timezone.utc)
    _set_run(store, rid, heartbeat_at=old)
    deadline = time.monotonic() + 10
    while store.list_runs()[0]["heartbeat_at"] in (None, old) or store.list_runs()[0]["heartbeat_at"].year == 2020:
        assert time.monotonic() < deadline, "no heartbeat"
        time.sleep(0.05)
    store.finish_run(rid, "ok")
    deadline = time.monotonic() + 10
    while store._beat_thread is not None:  # nothing running any more: the thread ends
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_checkpoints(store):
    """Saved and cleared with the pages they belong to, in the upsert's transaction."""
    assert store.load_checkpoint("k") is None
    store.upsert_reviews(_reviews(2), checkpoint=("k", {"next_url": "http://x/?page=3"}))
    store.upsert_reviews(_reviews(4), checkpoint=("k", {"next_url": "http://x/?page=4"}))
    assert store.load_checkpoint("k") == {"next_url": "http://x/?page=4"}
    store.upsert_reviews([], checkpoint=("k", None))
    assert store.load_checkpoint("k") is None


def test_analysis_cache_by_content_model_and_prompt(store):
    rs = _reviews(4)
    rs.append(Review(source="other", text=rs[0].text, author="someone else"))  # same text, other review
    store.upsert_reviews(rs)
    pending = store.pending_analysis("m1", "v1")
    assert len(pending) == 4  # one per distinct text
    res = [Analysis(content_hash=r.content_hash, model="m1", prompt_version="v1", sentiment="negative",
                    sentiment_score=0.9, topics=[TopicMention("performance", "negative")],
                    entities=[Entity("battery", "PRODUCT", r.text.index("battery"), r.text.index("battery") + 7)])
           for r in pending[:3]]
    res.append(Analysis(content_hash=pending[3].content_hash, model="m1", prompt_version="v1", status="failed",
                        error="malformed output"))
    store.save_analyses(res)
    assert store.pending_analysis("m1", "v1") == []
    assert len(store.pending_analysis("m1", "v1", retry_failed=True)) == 1
    assert len(store.pending_analysis("m1", "v2")) == 4  # a new prompt version re-analyzes
    assert len(store.pending_analysis("m2", "v1")) == 4  # so does a new model
    assert count_rows(store, "analyses") == 4
    df = store.reviews_frame()
    assert len(df) == 5
    ok = df[df.content_hash == res[0].content_hash].iloc[0]
    assert ok.topics[0]["topic"] == "performance" and ok.entities[0]["text"] == "battery"
    both = df[df.content_hash == rs[0].content_hash]
    assert len(both) == 2 and both.sentiment.nunique(dropna=False) == 1  # shared by the two reviews with that text
    recs = list(store.iter_export_records())
    failed = [r for r in recs if r["analysis_status"] == "failed"]
    n_failed = sum(1 for r in rs if r.content_hash == res[-1].content_hash)
    assert len(failed) == n_failed and failed[0]["analysis_error"] == "malformed output"
    assert failed[0]["sentiment"] is None
    texts = df.drop_duplicates("content_hash")
    assert len(texts) == 4 and texts.analysis_status.value_counts().to_dict() == {"ok": 3, "failed": 1}


def test_reanalysis_replaces_current_topics(store):
    r = _reviews(1)[0]
    store.upsert_reviews([r])
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="1", sentiment="negative",
                                  topics=[TopicMention("price", "negative")])])
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="2", sentiment="positive",
                                  topics=[TopicMention("quality", "positive")])])
    from reviewlens.store import review_topics

    with store.engine.connect() as c:
        rows = c.execute(sa.select(review_topics.c.topic)).scalars().all()
    assert rows == ["quality"]
    assert store.reviews_frame().iloc[0]["sentiment"] == "positive"


def test_complaints_roundtrip(store):
    t = ComplaintTheme(label="Battery dies fast", summary="Batteries fail within weeks.", count=12, share=0.2,
                       previous_count=4, trend=8.5, topic="performance",
                       quotes=[Quote("abc", "the battery died", "http://x")], review_ids=["abc", "def"])
    store.save_complaints([t], {"since": "2026-01-01"})
    themes, scope = queries.latest_complaints(store)
    assert themes[0].label == "Battery dies fast" and themes[0].quotes[0].text == "the battery died"
    assert themes[0].review_ids == ["abc", "def"] and scope["since"] == "2026-01-01"


def test_concurrent_writers_sqlite(tmp_path):
    """WAL + busy timeout: a reader and two writers at once do not fail."""
    db = tmp_path / "c.db"
    stores = [Store(db) for _ in range(3)]
    errors = []

    def writer(i):
        try:
            for k in range(10):
                stores[i].upsert_reviews(_reviews(20, f"src{i}-{k}"))
        except Exception as e:  # pragma: no cover - the assertion below reports it
            errors.append(e)

    def reader():
        try:
            for _ in range(20):
                count_rows(stores[2])
        except Exception as e:  # pragma: no cover
            errors.append(e)

    ts = [threading.Thread(target=writer, args=(0,)), threading.Thread(target=writer, args=(1,)),
          threading.Thread(target=reader)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert not errors
    assert count_rows(stores[2]) == 400
    with stores[0].engine.connect() as c:
        assert c.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_database_url():
    assert database_url("postgresql://u@h/d").startswith("postgresql+psycopg://")
    assert database_url("postgres://u@h/d").startswith("postgresql+psycopg://")
    assert database_url("/tmp/x/y.db") == "sqlite:////tmp/x/y.db"


def test_store_made_by_an_older_version_gets_missing_indexes(store):
    """`create_all` never adds an index to an existing table: opening the store adds the ones an
    older version did not have (here: two dropped by hand), and keeps the data."""
    store.upsert_reviews(_reviews(3))
    with store.engine.begin() as c:
        c.execute(sa.text("DROP INDEX ix_analyses_current"))
        c.execute(sa.text("DROP INDEX ix_review_entities_hash_text"))
    names = lambda t: {ix["name"] for ix in sa.inspect(store.engine).get_indexes(t)}  # noqa: E731
    assert "ix_analyses_current" not in names("analyses")
    read_only = Store(store.url, read_only=True)  # cannot add them: opens all the same, slower
    try:
        assert len(read_only.reviews_frame()) == 3 and "ix_analyses_current" not in names("analyses")
    finally:
        read_only.close()
    reopened = Store(store.url)
    try:
        assert "ix_analyses_current" in names("analyses")
        assert "ix_review_entities_hash_text" in names("review_entities")
        assert count_rows(reopened) == 3
    finally:
        reopened.close()


# ---------------------------------------------------------------- concurrency and read-only stores
def _fresh_database(store, tmp_path, name: str) -> tuple[str, Callable[[], None]]:
    """A database nobody has opened yet, of the same kind as `store`: a new SQLite file, or a new empty
    PostgreSQL schema next to the fixture's. Returns (url for Store, cleanup)."""
    if store.dialect == "sqlite":
        return str(tmp_path / f"{name}.db"), lambda: None
    schema = "t_" + uuid.uuid4().hex[:10]
    with store.engine.begin() as c:
        c.execute(sa.text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with store.engine.begin() as c:
            c.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    return re.sub(r"search_path%3D\w+", f"search_path%3D{schema}", store.url), drop


def _open_store_at_once(url: str, barrier, results) -> None:
    barrier.wait(timeout=60)
    try:
        Store(url).close()
        results.put("ok")
    except Exception as e:  # noqa: BLE001 - reported to the test
        results.put(f"{type(e).__name__}: {e}")


def test_processes_creating_a_new_store_at_once_all_succeed(store, tmp_path):
    """Two `reviewlens scrape --db new.db` started together: `create_all` checks, then creates, so
    without a lock one process died with "table reviews already exists" (PostgreSQL: a unique
    violation on pg_type). Several processes released together by a barrier, a few times over."""
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    n = 4
    for trial in range(3):
        url, cleanup = _fresh_database(store, tmp_path, f"race{trial}")
        try:
            barrier, results = ctx.Barrier(n), ctx.Queue()
            procs = [ctx.Process(target=_open_store_at_once, args=(url, barrier, results)) for _ in range(n)]
            [p.start() for p in procs]
            outcomes = [results.get(timeout=120) for _ in procs]
            [p.join(timeout=60) for p in procs]
            assert outcomes == ["ok"] * n, outcomes
            s = Store(url, create=False)
            try:
                insp = sa.inspect(s.engine)
                assert set(insp.get_table_names()) == set(metadata.tables)
                for t in metadata.sorted_tables:
                    assert {ix.name for ix in t.indexes} <= {ix["name"] for ix in insp.get_indexes(t.name)}
            finally:
                s.close()
        finally:
            cleanup()


def test_concurrent_upserts_of_the_same_reviews_count_each_new_row_once(store):
    """Two scrapes of one URL at once reported 130 new reviews for 100 stored rows: each writer
    counted "new" from a lookup made before its insert. The count must be what was inserted."""
    rs = _reviews(100)
    n = 4
    stores = [Store(store.url) for _ in range(n)]
    barrier = threading.Barrier(n)
    results: list = []

    def writer(s: Store) -> None:
        barrier.wait(timeout=60)
        try:
            results.append(s.upsert_reviews(rs))
        except Exception as e:  # pragma: no cover - the assertion below reports it
            results.append(e)

    try:
        ts = [threading.Thread(target=writer, args=(s,)) for s in stores]
        [t.start() for t in ts]
        [t.join() for t in ts]
    finally:
        [s.close() for s in stores]
    assert all(isinstance(r, tuple) for r in results), results
    assert sum(new for new, _ in results) == count_rows(store) == 100
    assert all(new + seen == 100 for new, seen in results)


def _write_some(store: Store) -> int:
    store.upsert_reviews(_reviews(5))
    rid = store.start_run("scrape", "shop")
    store.finish_run(rid, "ok")
    return rid


def _reads_work_and_writes_refuse(ro: Store, rid: int) -> None:
    assert ro.read_only
    assert len(ro.reviews_frame()) == 5
    assert ro.list_runs()[0]["id"] == rid
    assert len(ro.pending_analysis("m", "v")) == 5 and ro.load_checkpoint("k") is None
    assert ro.mark_stale_runs() == 0  # housekeeping a reader cannot do: skipped, not an error
    for write in (lambda: ro.start_run("report", "r.xlsx"), lambda: ro.update_run(rid, pages=1),
                  lambda: ro.finish_run(rid, "failed", "x"), lambda: ro.upsert_reviews(_reviews(6)),
                  lambda: ro.save_analyses([Analysis(content_hash="h", model="m", prompt_version="v")]),
                  lambda: ro.save_complaints([ComplaintTheme(label="l", summary="", count=1, share=1.0)])):
        with pytest.raises(StoreReadOnly, match="read-only") as e:
            write()
        assert ro.display_url() in str(e.value)


def test_store_opened_read_only_reads_and_refuses_writes(store):
    """`reviewlens report` on a read-only store failed writing its run row with a raw driver error.
    An explicitly read-only store reads everything and refuses every write with StoreReadOnly."""
    rid = _write_some(store)
    ro = Store(store.url, read_only=True)
    try:
        _reads_work_and_writes_refuse(ro, rid)
        # the driver's own refusal (a store that did not know it was read-only) is translated too
        ro.read_only = False
        with pytest.raises(StoreReadOnly, match="read-only"):
            ro.start_run("report")
    finally:
        ro.close()
    assert count_rows(store, "runs") == 1 and count_rows(store) == 5


def test_sqlite_read_only_uri(tmp_path):
    """A read-only SQLite URI is read-only the same way."""
    s = Store(tmp_path / "r.db")
    rid = _write_some(s)
    s.close()
    ro = Store(f"sqlite:///file:{tmp_path / 'r.db'}?mode=ro&uri=true")
    try:
        _reads_work_and_writes_refuse(ro, rid)
    finally:
        ro.close()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes read-only files anyway")
def test_sqlite_file_without_write_permission_opens_read_only(tmp_path):
    """chmod 444 on the file and 555 on its folder (no -wal/-shm left): opening does not fail on
    the WAL pragma or the index check, reads work, writes raise StoreReadOnly."""
    d = tmp_path / "ro"
    d.mkdir()
    s = Store(d / "r.db")
    rid = _write_some(s)
    s.close()
    assert sorted(p.name for p in d.iterdir()) == ["r.db"]
    (d / "r.db").chmod(0o444)
    d.chmod(0o555)
    try:
        ro = Store(d / "r.db")
        try:
            _reads_work_and_writes_refuse(ro, rid)
        finally:
            ro.close()
    finally:
        d.chmod(0o755)


def test_a_read_only_store_made_before_the_labels_and_alerts_tables_opens(tmp_path):
    """An older store opened read-only (the dashboard on a read-only copy): the tables it lacks read as empty."""
    import sqlalchemy as sa

    from reviewlens.alerts import find_alerts
    from reviewlens.config import AlertSettings

    path = tmp_path / "old.db"
    s = Store(path)
    s.upsert_reviews([Review(source="shop", text="Broke after a day.", rating=1)])
    with s.engine.begin() as c:
        for t in ("labels", "alerts", "alert_deliveries", "alerted_reviews"):
            c.execute(sa.text(f"DROP TABLE {t}"))
    s.close()
    ro = Store(path, read_only=True)
    try:
        assert ro.missing_tables == {"labels", "alerts", "alert_deliveries", "alerted_reviews"}
        assert len(ro.reviews_frame()) == 1 and ro.labels() == [] and ro.label_version() == ""
        assert ro.list_alerts() == [] and ro.undelivered_alerts(["mail"], 8, datetime(2000, 1, 1, tzinfo=timezone.utc)) == []
        assert [a.kind for a in find_alerts(ro, AlertSettings(), record=False)] == ["reviews"]  # a dry run works
    finally:
        ro.close()
    rw = Store(path)  # writable again: the tables are made
    assert rw.missing_tables == set() and rw.list_alerts() == []
    rw.close()


def test_a_page_seen_again_unchanged_marks_no_review_written(store):
    """A weekly scrape that stored nothing new marked the reviews written, so every quiet scheduled run computed
    the themes again (1.5 to 3 minutes on two cores) and the integrity checks with them."""
    from datetime import date

    from reviewlens.store import REVIEWS_WRITTEN

    revs = [Review(source="s", text="The lid leaks.", rating=2, date=date(2026, 11, 2), site_review_id="a"),
            Review(source="s", text="Lovely.", rating=5, site_review_id="b", reply="Thanks!")]
    store.upsert_reviews(revs)
    token = store.load_checkpoint(REVIEWS_WRITTEN)
    again = [Review(source="s", text="The lid leaks.", rating=2, date=date(2026, 11, 2), site_review_id="a"),
             Review(source="s", text="Lovely.", rating=None, site_review_id="b")]  # no rating, no reply: kept
    assert store.upsert_reviews(again) == (0, 2)
    assert store.load_checkpoint(REVIEWS_WRITTEN) == token
    edited = [Review(source="s", text="The lid leaks.", rating=1, date=date(2026, 11, 2), site_review_id="a")]
    store.upsert_reviews(edited)
    assert store.load_checkpoint(REVIEWS_WRITTEN) != token
