"""The review store on SQLite and PostgreSQL: identity, upsert, runs, checkpoints, analysis cache."""

from __future__ import annotations

import threading
from datetime import date

import sqlalchemy as sa

from reviewlens.schema import Analysis, ComplaintTheme, Entity, Quote, Review, TopicMention, content_hash
from reviewlens.store import Store, database_url


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


def test_upsert_adds_nothing_twice(store):
    rs = _reviews(30)
    assert store.upsert_reviews(rs) == (30, 0)
    assert store.upsert_reviews(rs) == (0, 30)
    assert store.upsert_reviews(rs[:10] + _reviews(35)[30:]) == (5, 10)
    assert store.count_reviews() == 35
    # duplicates inside one batch count once
    dup = _reviews(1, "dup") * 3
    assert store.upsert_reviews(dup) == (1, 0)


def test_upsert_refreshes_changed_fields(store):
    r = Review(source="s", text="ok", rating=3, site_review_id="x1")
    store.upsert_reviews([r])
    r2 = Review(source="s", text="actually bad", rating=1, site_review_id="x1")
    assert store.upsert_reviews([r2]) == (0, 1)
    got = store.get_reviews([r.id])[0]
    assert got.text == "actually bad" and got.rating == 1.0


def test_roundtrip_fields_and_unicode(store):
    text = "Ünïcødé 😀 日本語 " + "x" * 50_000 + "\x00-free"
    r = Review(source="s", text=text, author="Zoë", rating=4.5, title="=HYPERLINK(\"x\")", date="2026-02-03",
               url="http://a.test/r?1", product="P", extra={"helpful": 3})
    store.upsert_reviews([r])
    got = store.get_reviews([r.id])[0]
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
    assert store.last_run("shop")["id"] == rid


def test_stale_running_run_becomes_interrupted(store):
    rid = store.start_run("scrape", "shop")
    with store.engine.begin() as c:
        c.execute(sa.text("UPDATE runs SET pid = 999999999 WHERE id = :i"), {"i": rid})
    assert store.mark_stale_runs() == 1
    assert store.list_runs()[0]["status"] == "interrupted"


def test_checkpoints(store):
    assert store.load_checkpoint("k") is None
    store.save_checkpoint("k", {"next_url": "http://x/?page=3"})
    store.save_checkpoint("k", {"next_url": "http://x/?page=4"})
    assert store.load_checkpoint("k") == {"next_url": "http://x/?page=4"}
    store.clear_checkpoint("k")
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
    cached = store.cached_analyses([r.content_hash for r in rs], "m1", "v1")
    assert len(cached) == 4
    ok_hash = res[0].content_hash
    assert cached[ok_hash].topics[0].topic == "performance" and cached[ok_hash].entities[0].text == "battery"
    df = store.reviews_frame()
    assert len(df) == 5
    both = df[df.content_hash == rs[0].content_hash]
    assert len(both) == 2 and both.sentiment.nunique(dropna=False) == 1  # shared by the two reviews with that text
    recs = list(store.iter_export_records())
    failed = [r for r in recs if r["analysis_status"] == "failed"]
    n_failed = sum(1 for r in rs if r.content_hash == res[-1].content_hash)
    assert len(failed) == n_failed and failed[0]["analysis_error"] == "malformed output"
    assert failed[0]["sentiment"] is None
    counts = store.analysis_counts()
    assert counts["ok"] == 3 and counts["failed"] == 1 and counts["texts"] == 4


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
    themes, scope = store.latest_complaints()
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
                stores[2].count_reviews()
        except Exception as e:  # pragma: no cover
            errors.append(e)

    ts = [threading.Thread(target=writer, args=(0,)), threading.Thread(target=writer, args=(1,)),
          threading.Thread(target=reader)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert not errors
    assert stores[2].count_reviews() == 400
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
    reopened = Store(store.url)
    try:
        assert "ix_analyses_current" in names("analyses")
        assert "ix_review_entities_hash_text" in names("review_entities")
        assert reopened.count_reviews() == 3
    finally:
        reopened.close()
