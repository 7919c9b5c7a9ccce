"""The review store: SQLite by default (WAL, busy timeout), PostgreSQL by URL. SQLAlchemy Core.

One class, `Store`, owns every table; stages get plain records (Review, Analysis, DataFrames) in
and out, never SQL.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .schema import Analysis, ComplaintTheme, Entity, Review, TopicMention

log = logging.getLogger(__name__)

metadata = sa.MetaData()

reviews = sa.Table(
    "reviews", metadata,
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

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False, default="scrape"),  # scrape, import, analyze, report
    sa.Column("source", sa.Text),
    sa.Column("trigger", sa.String(20), default="manual"),  # manual, schedule, demo
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(20), nullable=False, default="running"),  # running, ok, partial, failed, interrupted
    sa.Column("pages", sa.Integer, default=0),
    sa.Column("reviews_new", sa.Integer, default=0),
    sa.Column("reviews_seen", sa.Integer, default=0),
    sa.Column("errors", sa.Text, default="[]"),
    sa.Column("detail", sa.Text, default="{}"),
    sa.Column("pid", sa.Integer),
)

checkpoints = sa.Table(
    "checkpoints", metadata,
    sa.Column("key", sa.String(500), primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)

analyses = sa.Table(
    "analyses", metadata,
    sa.Column("content_hash", sa.String(32), primary_key=True),
    sa.Column("model", sa.String(300), primary_key=True),
    sa.Column("prompt_version", sa.String(40), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("sentiment", sa.String(10), index=True),
    sa.Column("sentiment_score", sa.Float),
    sa.Column("topics", sa.Text, default="[]"),
    sa.Column("entities", sa.Text, default="[]"),
    sa.Column("analyzed_at", sa.DateTime(timezone=True)),
    sa.Column("is_current", sa.Boolean, nullable=False, default=True, index=True),
    # Covering index for joining each review to its current analysis's sentiment (dashboard aggregates).
    sa.Index("ix_analyses_current", "content_hash", "is_current", "sentiment"),
)

# Flattened views of the *current* analysis of each text, for aggregation in the database.
review_topics = sa.Table(
    "review_topics", metadata,
    sa.Column("content_hash", sa.String(32), primary_key=True),
    sa.Column("topic", sa.String(100), primary_key=True),
    sa.Column("sentiment", sa.String(10), nullable=False),
    sa.Index("ix_review_topics_topic", "topic", "sentiment"),
)

review_entities = sa.Table(
    "review_entities", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("content_hash", sa.String(32), nullable=False, index=True),
    sa.Column("text", sa.String(500), nullable=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Index("ix_review_entities_text", "type", "text"),
    sa.Index("ix_review_entities_hash_text", "content_hash", "type", "text"),  # covering, for entity counts
)

complaint_themes = sa.Table(
    "complaint_themes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch", sa.String(40), nullable=False, index=True),
    sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("scope", sa.Text, default="{}"),  # the filters it was computed for (since, product, ...)
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("summary", sa.Text),
    sa.Column("topic", sa.String(100)),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("share", sa.Float, nullable=False),
    sa.Column("previous_count", sa.Integer, default=0),
    sa.Column("trend", sa.Float),
    sa.Column("quotes", sa.Text, default="[]"),
    sa.Column("review_ids", sa.Text, default="[]"),
)

REVIEW_FIELDS = ["id", "source", "product", "url", "author", "rating", "title", "text", "date"]


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def database_url(db: str | os.PathLike) -> str:
    """A file path means SQLite; anything with '://' is an SQLAlchemy URL."""
    s = str(db)
    if "://" in s:
        if s.startswith("postgres://"):
            s = "postgresql://" + s[len("postgres://"):]
        if s.startswith("postgresql://"):
            s = "postgresql+psycopg://" + s[len("postgresql://"):]
        return s
    p = Path(s).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{p}"


def _no_nul(value: str | None) -> str | None:
    """NUL cannot be stored in PostgreSQL text (and is never meaningful in a review): drop it."""
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _dt(value: Any) -> datetime | None:
    """Datetimes come back naive from SQLite: make them UTC-aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


class Store:
    """All reads and writes of ReviewLens data."""

    def __init__(self, db: str | os.PathLike, create: bool = True):
        self.url = database_url(db)
        kwargs: dict[str, Any] = {"future": True}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = sa.create_engine(self.url, **kwargs)
        if self.url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if create:
            metadata.create_all(self.engine)
            self._add_missing_indexes()

    def _add_missing_indexes(self) -> None:
        """A small migration: `create_all` creates missing tables but never adds an index to a table
        that exists, so a store made by an older version gets the indexes defined since then here."""
        insp = sa.inspect(self.engine)
        for table in metadata.sorted_tables:
            have = {ix["name"] for ix in insp.get_indexes(table.name)}
            for idx in table.indexes:
                if idx.name in have:
                    continue
                try:
                    idx.create(self.engine)
                    log.info("store: added index %s on %s", idx.name, table.name)
                except Exception as e:  # noqa: BLE001 - read-only database or no privilege: slower, still correct
                    log.warning("store: could not add index %s (%s); queries will be slower", idx.name, e)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- reviews
    def _insert(self, table: sa.Table):
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        elif self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:  # pragma: no cover
            raise RuntimeError(f"unsupported database: {self.dialect}")
        return insert(table)

    @staticmethod
    def _review_row(r: Review, run_id: int | None) -> dict[str, Any]:
        z = _no_nul
        return {
            "id": r.id, "source": z(r.source), "product": z(r.product), "url": z(r.url),
            "author": z(r.author), "rating": r.rating, "title": z(r.title), "text": z(r.text),
            "date": r.date, "site_review_id": r.site_review_id, "content_hash": r.content_hash,
            "scraped_at": r.scraped_at or _utcnow(), "first_run_id": run_id,
            "extra": json.dumps(r.extra, ensure_ascii=False, default=str) if r.extra else None,
        }

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(ids))
        found: set[str] = set()
        with self.engine.connect() as c:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                found.update(c.execute(sa.select(reviews.c.id).where(reviews.c.id.in_(chunk))).scalars())
        return found

    def upsert_reviews(self, items: Sequence[Review], run_id: int | None = None, *,
                       checkpoint: tuple[str, dict | None] | None = None,
                       known: set[str] | None = None) -> tuple[int, int]:
        """Insert new reviews, refresh changed fields of known ones. Returns (new, already_seen).

        One transaction: committed when this returns, so a crash afterwards loses nothing. With
        `checkpoint=(key, state)` the resume point is saved (state) or cleared (None) in the same
        transaction, so the stored pages and the place to continue can never disagree. `known`: the
        result of `known_ids` for these reviews when the caller has just asked (saves the query).
        """
        unique: dict[str, Review] = {}
        for r in items:
            unique.setdefault(r.id, r)
        seen = (known & unique.keys() if known is not None else self.known_ids(unique)) if unique else set()
        rows = [self._review_row(r, run_id) for r in unique.values()]
        stmt = self._insert(reviews)
        stmt = stmt.on_conflict_do_update(
            index_elements=[reviews.c.id],
            set_={k: stmt.excluded[k] for k in ("product", "url", "author", "rating", "title", "text",
                                                   "date", "content_hash")},
        )
        with self.engine.begin() as c:
            for i in range(0, len(rows), 500):
                c.execute(stmt, rows[i:i + 500])
            if checkpoint is not None:
                key, state = checkpoint
                c.execute(checkpoints.delete().where(checkpoints.c.key == key))
                if state is not None:
                    c.execute(checkpoints.insert().values(key=key, state=json.dumps(state, default=str),
                                                          updated_at=_utcnow()))
        return len(unique) - len(seen), len(seen)

    def count_reviews(self) -> int:
        with self.engine.connect() as c:
            return c.execute(sa.select(sa.func.count()).select_from(reviews)).scalar_one()

    def get_reviews(self, ids: Sequence[str] | None = None, source: str | None = None,
                    limit: int | None = None) -> list[Review]:
        q = sa.select(reviews).order_by(reviews.c.date.desc().nulls_last(), reviews.c.id)
        if ids is not None:
            q = q.where(reviews.c.id.in_(list(ids)))
        if source:
            q = q.where(reviews.c.source == source)
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as c:
            return [self._row_to_review(r) for r in c.execute(q).mappings()]

    @staticmethod
    def _row_to_review(r: Any) -> Review:
        d = r["date"]
        if isinstance(d, str):
            d = date.fromisoformat(d)
        return Review(source=r["source"], text=r["text"], product=r["product"], url=r["url"],
                      author=r["author"], rating=r["rating"], title=r["title"], date=d,
                      site_review_id=r["site_review_id"], id=r["id"], scraped_at=_dt(r["scraped_at"]),
                      extra=json.loads(r["extra"]) if r["extra"] else {})

    # ---------------------------------------------------------------- runs
    def start_run(self, kind: str = "scrape", source: str | None = None, trigger: str = "manual",
                  detail: dict | None = None) -> int:
        with self.engine.begin() as c:
            res = c.execute(runs.insert().values(
                kind=kind, source=source, trigger=trigger, started_at=_utcnow(), status="running",
                pages=0, reviews_new=0, reviews_seen=0, errors="[]",
                detail=json.dumps(detail or {}, default=str), pid=os.getpid()))
            return int(res.inserted_primary_key[0])

    def update_run(self, run_id: int, *, pages: int = 0, new: int = 0, seen: int = 0,
                   errors: Sequence[dict] = (), detail: dict | None = None) -> None:
        """Add to the run's counters and errors (committed at once)."""
        with self.engine.begin() as c:
            row = c.execute(sa.select(runs.c.errors, runs.c.detail).where(runs.c.id == run_id)).one()
            errs = json.loads(row.errors or "[]") + [dict(e) for e in errors]
            det = json.loads(row.detail or "{}")
            det.update(detail or {})
            c.execute(runs.update().where(runs.c.id == run_id).values(
                pages=runs.c.pages + pages, reviews_new=runs.c.reviews_new + new,
                reviews_seen=runs.c.reviews_seen + seen, errors=json.dumps(errs, default=str),
                detail=json.dumps(det, default=str)))

    def finish_run(self, run_id: int, status: str, error: str | None = None) -> None:
        with self.engine.begin() as c:
            if error:
                row = c.execute(sa.select(runs.c.errors).where(runs.c.id == run_id)).one()
                errs = json.loads(row.errors or "[]") + [{"url": None, "message": error}]
                c.execute(runs.update().where(runs.c.id == run_id).values(errors=json.dumps(errs)))
            c.execute(runs.update().where(runs.c.id == run_id).values(status=status, finished_at=_utcnow()))

    def mark_stale_runs(self) -> int:
        """Runs left 'running' by a process that no longer exists become 'interrupted'."""
        n = 0
        with self.engine.begin() as c:
            for row in c.execute(sa.select(runs.c.id, runs.c.pid).where(runs.c.status == "running")).all():
                alive = False
                if row.pid:
                    try:
                        os.kill(row.pid, 0)
                        alive = True
                    except (ProcessLookupError, PermissionError, OSError):
                        alive = False
                if not alive:
                    c.execute(runs.update().where(runs.c.id == row.id).values(
                        status="interrupted", finished_at=_utcnow()))
                    n += 1
        return n

    def list_runs(self, limit: int = 50, kind: str | None = None, source: str | None = None) -> list[dict]:
        q = sa.select(runs).order_by(runs.c.id.desc()).limit(limit)
        if kind:
            q = q.where(runs.c.kind == kind)
        if source:
            q = q.where(runs.c.source == source)
        with self.engine.connect() as c:
            out = []
            for r in c.execute(q).mappings():
                d = dict(r)
                d["errors"] = json.loads(d["errors"] or "[]")
                d["detail"] = json.loads(d["detail"] or "{}")
                d["started_at"] = _dt(d["started_at"])
                d["finished_at"] = _dt(d["finished_at"])
                out.append(d)
            return out

    def last_run(self, source: str, kind: str = "scrape", status: str | None = None) -> dict | None:
        q = sa.select(runs).where(runs.c.source == source, runs.c.kind == kind).order_by(runs.c.id.desc()).limit(1)
        if status:
            q = q.where(runs.c.status == status)
        with self.engine.connect() as c:
            r = c.execute(q).mappings().first()
            if not r:
                return None
            d = dict(r)
            d["started_at"] = _dt(d["started_at"])
            d["finished_at"] = _dt(d["finished_at"])
            return d

    # ---------------------------------------------------------------- checkpoints (resume)
    def save_checkpoint(self, key: str, state: dict) -> None:
        stmt = self._insert(checkpoints).values(key=key, state=json.dumps(state, default=str), updated_at=_utcnow())
        stmt = stmt.on_conflict_do_update(index_elements=[checkpoints.c.key],
                                          set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at})
        with self.engine.begin() as c:
            c.execute(stmt)

    def load_checkpoint(self, key: str) -> dict | None:
        with self.engine.connect() as c:
            v = c.execute(sa.select(checkpoints.c.state).where(checkpoints.c.key == key)).scalar()
            return json.loads(v) if v else None

    def clear_checkpoint(self, key: str) -> None:
        with self.engine.begin() as c:
            c.execute(checkpoints.delete().where(checkpoints.c.key == key))

    # ---------------------------------------------------------------- analysis
    def pending_analysis(self, model: str, prompt_version: str, limit: int | None = None,
                         retry_failed: bool = False) -> list[Review]:
        """Reviews whose text has no analysis yet for this model and prompt version.

        One review per distinct text: identical texts share one analysis.
        """
        done = sa.select(analyses.c.content_hash).where(
            analyses.c.model == model, analyses.c.prompt_version == prompt_version)
        if retry_failed:
            done = done.where(analyses.c.status == "ok")
        first = (sa.select(sa.func.min(reviews.c.id))
                 .where(reviews.c.content_hash.not_in(done))
                 .group_by(reviews.c.content_hash))
        q = (sa.select(reviews).where(reviews.c.id.in_(first))
             .order_by(reviews.c.date.desc().nulls_last(), reviews.c.id))
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as c:
            return [self._row_to_review(r) for r in c.execute(q).mappings()]

    def cached_analyses(self, hashes: Iterable[str], model: str, prompt_version: str) -> dict[str, Analysis]:
        hashes = list(dict.fromkeys(hashes))
        out: dict[str, Analysis] = {}
        with self.engine.connect() as c:
            for i in range(0, len(hashes), 500):
                q = sa.select(analyses).where(analyses.c.content_hash.in_(hashes[i:i + 500]),
                                              analyses.c.model == model,
                                              analyses.c.prompt_version == prompt_version)
                for r in c.execute(q).mappings():
                    out[r["content_hash"]] = self._row_to_analysis(r)
        return out

    @staticmethod
    def _row_to_analysis(r: Any) -> Analysis:
        return Analysis(content_hash=r["content_hash"], model=r["model"], prompt_version=r["prompt_version"],
                        status=r["status"], error=r["error"], sentiment=r["sentiment"],
                        sentiment_score=r["sentiment_score"], topics=json.loads(r["topics"] or "[]"),
                        entities=json.loads(r["entities"] or "[]"), analyzed_at=_dt(r["analyzed_at"]))

    def save_analyses(self, items: Sequence[Analysis]) -> None:
        """Store results; each becomes the current analysis of its text (one transaction)."""
        if not items:
            return
        with self.engine.begin() as c:
            for a in items:
                row = {
                    "content_hash": a.content_hash, "model": a.model, "prompt_version": a.prompt_version,
                    "status": a.status, "error": a.error, "sentiment": a.sentiment,
                    "sentiment_score": a.sentiment_score,
                    "topics": json.dumps([asdict(t) for t in a.topics], ensure_ascii=False),
                    "entities": json.dumps([asdict(e) for e in a.entities], ensure_ascii=False),
                    "analyzed_at": a.analyzed_at or _utcnow(), "is_current": True,
                }
                c.execute(analyses.update().where(analyses.c.content_hash == a.content_hash)
                          .values(is_current=False))
                stmt = self._insert(analyses).values(**row)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[analyses.c.content_hash, analyses.c.model, analyses.c.prompt_version],
                    set_={k: stmt.excluded[k] for k in row if k not in ("content_hash", "model", "prompt_version")})
                c.execute(stmt)
                c.execute(review_topics.delete().where(review_topics.c.content_hash == a.content_hash))
                c.execute(review_entities.delete().where(review_entities.c.content_hash == a.content_hash))
                if a.status == "ok":
                    topics = {t.topic: t.sentiment for t in a.topics}
                    if topics:
                        c.execute(review_topics.insert(), [
                            {"content_hash": a.content_hash, "topic": t, "sentiment": s} for t, s in topics.items()])
                    if a.entities:
                        c.execute(review_entities.insert(), [
                            {"content_hash": a.content_hash, "text": e.text[:500], "type": e.type,
                             "start": e.start, "end": e.end} for e in a.entities])

    def analysis_counts(self) -> dict[str, int]:
        with self.engine.connect() as c:
            total = c.execute(sa.select(sa.func.count(sa.distinct(reviews.c.content_hash)))).scalar_one()
            rows = c.execute(sa.select(analyses.c.status, sa.func.count()).where(analyses.c.is_current)
                             .group_by(analyses.c.status)).all()
        d = {"texts": total, "ok": 0, "failed": 0}
        d.update({s: n for s, n in rows})
        return d

    # ---------------------------------------------------------------- frames (reviews + current analysis)
    def reviews_frame(self, *, since: date | None = None, until: date | None = None,
                      products: Sequence[str] | None = None, sources: Sequence[str] | None = None,
                      limit: int | None = None) -> pd.DataFrame:
        """Reviews joined with their current analysis, newest first. Topics/entities as parsed lists."""
        a = analyses.alias("a")
        q = (sa.select(*[reviews.c[f] for f in REVIEW_FIELDS], reviews.c.content_hash, reviews.c.scraped_at,
                       a.c.status.label("analysis_status"), a.c.error.label("analysis_error"),
                       a.c.sentiment, a.c.sentiment_score, a.c.topics, a.c.entities, a.c.model)
             .select_from(reviews.outerjoin(a, sa.and_(a.c.content_hash == reviews.c.content_hash, a.c.is_current)))
             .order_by(reviews.c.date.desc().nulls_last(), reviews.c.id))
        if since:
            q = q.where(reviews.c.date >= since)
        if until:
            q = q.where(reviews.c.date <= until)
        if products:
            q = q.where(reviews.c.product.in_(list(products)))
        if sources:
            q = q.where(reviews.c.source.in_(list(sources)))
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as c:
            df = pd.DataFrame(c.execute(q).mappings().all())
        cols = REVIEW_FIELDS + ["content_hash", "scraped_at", "analysis_status", "analysis_error", "sentiment",
                                "sentiment_score", "topics", "entities", "model"]
        if df.empty:
            return pd.DataFrame(columns=cols)
        df["date"] = pd.to_datetime(df["date"]).dt.date
        df["topics"] = df["topics"].map(lambda v: json.loads(v) if isinstance(v, str) else [])
        df["entities"] = df["entities"].map(lambda v: json.loads(v) if isinstance(v, str) else [])
        return df

    def iter_export_records(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """One plain dict per review (export schema): missing values are None, dates ISO 8601."""
        df = self.reviews_frame(**filters)
        df = df.astype(object).where(df.notna(), None)
        for rec in df.to_dict("records"):
            yield {
                "id": rec["id"], "source": rec["source"], "product": rec["product"], "url": rec["url"],
                "author": rec["author"], "rating": rec["rating"],
                "title": rec["title"], "text": rec["text"],
                "date": rec["date"].isoformat() if rec["date"] else None,
                "sentiment": rec["sentiment"], "sentiment_score": rec["sentiment_score"],
                "topics": rec["topics"] or [], "entities": rec["entities"] or [],
                "analysis_status": rec["analysis_status"], "analysis_error": rec["analysis_error"],
            }

    # ---------------------------------------------------------------- complaint themes
    def save_complaints(self, themes: Sequence[ComplaintTheme], scope: dict | None = None) -> str:
        batch = _utcnow().strftime("%Y%m%dT%H%M%S.%f")
        now = _utcnow()
        rows = [{
            "batch": batch, "computed_at": now, "scope": json.dumps(scope or {}, default=str), "rank": i + 1,
            "label": t.label, "summary": t.summary, "topic": t.topic, "count": t.count, "share": t.share,
            "previous_count": t.previous_count, "trend": t.trend,
            "quotes": json.dumps([asdict(q) for q in t.quotes], ensure_ascii=False),
            "review_ids": json.dumps(t.review_ids),
        } for i, t in enumerate(themes)]
        with self.engine.begin() as c:
            if rows:
                c.execute(complaint_themes.insert(), rows)
        return batch

    def latest_complaints(self) -> tuple[list[ComplaintTheme], dict]:
        """The most recently computed complaint themes and the scope they were computed for."""
        with self.engine.connect() as c:
            batch = c.execute(sa.select(complaint_themes.c.batch).order_by(complaint_themes.c.id.desc()).limit(1)).scalar()
            if not batch:
                return [], {}
            rows = c.execute(sa.select(complaint_themes).where(complaint_themes.c.batch == batch)
                             .order_by(complaint_themes.c.rank)).mappings().all()
        themes = [ComplaintTheme(label=r["label"], summary=r["summary"] or "", count=r["count"], share=r["share"],
                                 previous_count=r["previous_count"] or 0, trend=r["trend"], topic=r["topic"],
                                 quotes=json.loads(r["quotes"] or "[]"), review_ids=json.loads(r["review_ids"] or "[]"))
                  for r in rows]
        scope = json.loads(rows[0]["scope"] or "{}") if rows else {}
        scope["computed_at"] = str(_dt(rows[0]["computed_at"])) if rows else None
        return themes, scope
