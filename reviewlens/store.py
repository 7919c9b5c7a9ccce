"""The review store: SQLite by default (WAL, busy timeout), PostgreSQL by URL. SQLAlchemy Core.

One class, `Store`, owns every table, every write and the reads the jobs need (pending analyses,
known ids, the run history, a frame of reviews for the complaint finder); the reads for presentation
are in `reviewlens.queries`. SQL stays in the core: stages get plain records (Review, Analysis,
DataFrames) in and out, never a query.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import os
import random
import re
import socket
import sqlite3
import threading
import time
import weakref
from collections import Counter
from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import quote

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import comparing
from .config import ConfigError
from .numeric_dates import swapped
from .schema import (REPLY_FIELDS, Analysis, ComplaintTheme, Entity, Label, Review, content_hash, normalize_text,
                     review_identity, star_identity)

log = logging.getLogger(__name__)


class StoreReadOnly(RuntimeError):
    """A write to a store that cannot be written (read-only file, folder, URI or database session).

    Reading commands catch it where they record something incidental (a report's run row)."""


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
    # added in Collect v2 (stores made before gain them on start-up, see Store._create_schema)
    sa.Column("reply", sa.Text),
    sa.Column("reply_date", sa.Date),
    sa.Column("helpful_votes", sa.Integer),
    sa.Column("verified", sa.Boolean),
    sa.Column("language", sa.String(35)),
    sa.Column("version", sa.String(100), index=True),  # added with version comparison (an app's release)
    # the last run that stored the review, new or again (a later import of a file that holds it too, a scrape
    # that saw it again): `delete --run` says which of a run's reviews a later run also brought (NULL: stored
    # before the column was added, or by no run)
    sa.Column("last_run_id", sa.Integer),
)

# The user's own fields of a review (the columns of an import that are none of the review's: country,
# store, plan, channel): what the sidebar and `--field NAME=VALUE` filter by and `compare --by field:NAME`
# compares. One row per review and field; a review imported again with the field refreshes it.
review_fields = sa.Table(
    "review_fields", metadata,
    sa.Column("review_id", sa.String(24), primary_key=True),
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("value", sa.String(300), nullable=False),
    sa.Index("ix_review_fields_name_value", "name", "value"),
)

# Ratings without words (Google's and Google Play's star-only reviews): nothing to read, but part of the place's or
# app's rating. Kept apart from the reviews, which are what every analysis reads; no name is kept (the identity,
# as a review's, may be a hash of it). `place`: the place id of a Google Maps file's row, for its branch's name;
# `version`: the app version of a Play Console export's row (a crashing release's 1★ come mostly without words).
star_ratings = sa.Table(
    "star_ratings", metadata,
    sa.Column("id", sa.String(24), primary_key=True),  # as a review's identity: its words, once written, make it one
    sa.Column("source", sa.String(300), nullable=False, index=True),
    sa.Column("product", sa.String(500), index=True),
    sa.Column("rating", sa.Float, nullable=False),
    sa.Column("date", sa.Date, index=True),
    sa.Column("place", sa.String(300)),
    sa.Column("first_run_id", sa.Integer),
    sa.Column("last_run_id", sa.Integer),
    sa.Column("version", sa.String(100)),  # the app version rated (Google Play's export has it): a release's ratings
)

# The team's tags on reviews (reviewlens.tags): "escalated", "bug 1234"; one row per review and tag.
review_tags = sa.Table(
    "review_tags", metadata,
    sa.Column("review_id", sa.String(24), primary_key=True),
    sa.Column("tag", sa.String(60), primary_key=True, index=True),
    sa.Column("tagged_at", sa.DateTime(timezone=True)),
)

# Reviews that look suspicious (reviewlens.integrity): one row per finding and review, the finding's
# title and numbers repeated on each (a finding is read whole; the filter reads review_id alone).
review_flags = sa.Table(
    "review_flags", metadata,
    sa.Column("finding", sa.String(120), primary_key=True),
    sa.Column("review_id", sa.String(24), primary_key=True, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default="{}"),
)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False, default="scrape"),  # scrape, import, analyze, report
    sa.Column("source", sa.Text),
    sa.Column("trigger", sa.String(20), default="manual"),  # manual, schedule, demo
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    # running, ok, partial, degraded (reviewlens.health), failed, interrupted, skipped
    sa.Column("status", sa.String(20), nullable=False, default="running"),
    sa.Column("pages", sa.Integer, default=0),
    sa.Column("reviews_new", sa.Integer, default=0),
    sa.Column("reviews_seen", sa.Integer, default=0),
    sa.Column("errors", sa.Text, default="[]"),
    sa.Column("detail", sa.Text, default="{}"),
    sa.Column("pid", sa.Integer),
    # where the pid means something and which process it was (Store.mark_stale_runs): the host name, and
    # "<pid namespace> <start time>" from /proc on Linux, so a reused pid, or pid 1 of a container, is not the run
    sa.Column("host", sa.String(255)),
    sa.Column("process", sa.String(80)),
    sa.Column("heartbeat_at", sa.DateTime(timezone=True)),  # renewed while the run's process lives (HEARTBEAT_EVERY)
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
    sa.Column("language", sa.String(8)),   # added with languages: detected, ISO 639-1
    sa.Column("translation", sa.Text),     # the model's English translation (never shown as the customer's words)
    sa.Column("translated_by", sa.String(200)),  # who translated it (Analyzer.translation_key), for reading it again
    sa.Column("entities_by", sa.String(200)),    # the entity finder that found the entities (Analyzer.entities_key)
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
    sa.Column("sentiment", sa.String(10)),  # of the clause that names it (None: analyzed before entities-v6)
    sa.Index("ix_review_entities_text", "type", "text"),
    sa.Index("ix_review_entities_hash_text", "content_hash", "type", "text"),  # covering, for entity counts
)

# The names a review text compares with (reviewlens.comparing), found as its analysis is stored: one row per
# name a comparing sentence holds, with that sentence's span in the text and which way its writer went.
review_comparisons = sa.Table(
    "review_comparisons", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("content_hash", sa.String(32), nullable=False, index=True),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("sentence_start", sa.Integer, nullable=False),
    sa.Column("sentence_end", sa.Integer, nullable=False),
    sa.Column("direction", sa.String(12), nullable=False),  # went_to, came_from, compared
)
COMPARISONS_CHECKPOINT = "comparisons"  # the rules' version the stored comparisons were found by
COMPARED_KINDS = comparing.KINDS  # the entity types a review can compare with (products, brands)


def _themes_table(name: str) -> sa.Table:
    """A table of computed themes (one batch per computation, ranked)."""
    return sa.Table(
        name, metadata,
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


complaint_themes = _themes_table("complaint_themes")  # the top complaints
praise_themes = _themes_table("praise_themes")        # what customers love (analysis.praise)
request_themes = _themes_table("request_themes")      # what customers ask for (analysis.requests)
#: the themes table of each kind (analysis.complaints.ThemeKind.name)
THEME_TABLES = {"complaints": complaint_themes, "praise": praise_themes, "requests": request_themes}

def theme_table(kind: str) -> sa.Table:
    """The themes table of `kind` ("complaints", "praise" or "requests"); ValueError for another."""
    try:
        return THEME_TABLES[kind]
    except KeyError:
        raise ValueError(f"no themes of kind {kind!r} (one of: {', '.join(THEME_TABLES)})") from None


# What the user says about texts (reviewlens.schema.Label): one sentiment per text, any number of topics.
labels = sa.Table(
    "labels", metadata,
    sa.Column("content_hash", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),  # sentiment, topic
    sa.Column("value", sa.String(100), primary_key=True),
    sa.Column("topic_sentiment", sa.String(10)),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("review_id", sa.String(24)),
    sa.Column("source", sa.String(300)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# What the user changed, and when ("switched courier", "firmware 2.3"): reviewlens.changes measures what
# the reviews said before and after it; `effect` keeps the last measurement (JSON) for the dashboard.
changes = sa.Table(
    "changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("product", sa.Text),  # None: every product
    sa.Column("theme", sa.Text),    # the complaint it was meant to fix, when the user named one
    sa.Column("theme_reviews", sa.Text),  # JSON: that theme's reviews when the change was recorded (to find it again)
    sa.Column("fields", sa.Text),   # JSON [[name, [values]]]: a segment of the user's own fields it was made for
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("effect", sa.Text),
    sa.Column("measured_at", sa.DateTime(timezone=True)),
)

# Alerts (reviewlens.alerts finds them, reviewlens.app.alerting sends them): one row per alert, its key
# unique so that the same finding is never raised twice, and one delivery row per channel it goes to.
alerts = sa.Table(
    "alerts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(300), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False),  # scrape, complaint, rating, reviews, test
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # JSON: lines (facts), quotes (verbatim), link
)

alert_deliveries = sa.Table(
    "alert_deliveries", metadata,
    sa.Column("alert_id", sa.Integer, primary_key=True),
    sa.Column("channel", sa.String(100), primary_key=True),
    # pending, sending (claimed by one check: Store.claim_delivery), sent, failed (tried again next check)
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.Text),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)

# The reviews a digest alert named, so that a review is in one digest only.
alerted_reviews = sa.Table(
    "alerted_reviews", metadata,
    sa.Column("review_id", sa.String(24), primary_key=True),
    sa.Column("alert_id", sa.Integer, nullable=False),
)

# Questions asked in the dashboard's Ask page, answered in the background by reviewlens.app.answering
# (`reviewlens dashboard` runs it; `reviewlens ask --pending` answers what waits) and kept as a history.
questions = sa.Table(
    "questions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("scope", sa.Text, nullable=False),   # JSON: the reviews searched (since, until, products, sources)
    sa.Column("status", sa.String(10), nullable=False),  # pending, answering (claimed), answered, failed
    sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
    sa.Column("result", sa.Text),                  # JSON: analysis.answers.Answer.as_dict()
    sa.Column("error", sa.Text),
)

#: Tables a store can do without when it is read-only and older than them: reading them finds nothing.
FLAGS_CHECKPOINT = "integrity"  # what the stored findings were found on (Store.save_flags)
PSEUDONYM_KEY = "privacy:pseudonym-key"  # the key of reviewers' pseudonyms in this store (Store.pseudonym_key)
REVIEWS_WRITTEN = "reviews:written"  # the checkpoint whose token every write of reviews renews (Store.reviews_stamp)
OPTIONAL_TABLES = frozenset({"labels", "alerts", "alert_deliveries", "alerted_reviews", "questions", "review_flags",
                             "review_tags", "request_themes", "review_comparisons", "star_ratings"})

REVIEW_FIELDS = ["id", "source", "product", "url", "author", "rating", "title", "text", "date"]
EXPORT_CHUNK = 2000  # reviews an export holds at once (with their fields and tags)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


#: A running run's heartbeat is renewed this often (seconds) while its process lives, and a run on another host
#: (or container) whose heartbeat is older than HEARTBEAT_STALE is taken for dead: its process table is not ours.
HEARTBEAT_EVERY = 60.0
HEARTBEAT_STALE = timedelta(minutes=10)


def _pid_namespace() -> str:
    """This process's pid namespace ("pid:[4026531836]"; "" where there is no /proc): pids mean the same only within one."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _start_time(pid: int) -> str | None:
    """When process `pid` started, in clock ticks since boot (/proc/PID/stat, field 22); None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]  # fields from the 3rd on follow the command's ")"
    except (OSError, IndexError):
        return None


def _process_alive(pid: int, process: str | None) -> bool:
    """Whether process `pid` of this pid namespace lives and, when `process` ("<namespace> <start time>") was
    recorded, is the same process (a pid reused since, or pid 1 of a container that was killed, is not)."""
    try:
        os.kill(pid, 0)
    except PermissionError:
        pass  # it exists (another user's)
    except (ProcessLookupError, OSError):
        return False
    started = (process or "").rpartition(" ")[2]
    now = _start_time(pid)
    return not (started and now) or started == now


def process_stamp() -> dict[str, Any]:
    """This process as the run history records it (Store.start_run): host, pid, process."""
    return {"host": socket.gethostname()[:255], "pid": os.getpid(),
            "process": f"{_pid_namespace()} {_start_time(os.getpid()) or ''}".strip()[:80]}


def process_gone(stamp: Mapping[str, Any], last_sign: datetime | None) -> bool:
    """Whether the process of `stamp` (process_stamp's, or a run's row) has ended: on its own host and container
    by its pid and start time; from another host or container, whose processes cannot be seen from here, when its
    last sign of life (`last_sign`: a heartbeat) is older than HEARTBEAT_STALE. No host recorded: by the pid."""
    theirs, ns = (stamp.get("process") or "").rpartition(" ")[0], _pid_namespace()
    host = stamp.get("host")
    if host is None or (host == socket.gethostname()[:255] and (not theirs or not ns or theirs == ns)):
        return not (stamp.get("pid") and _process_alive(stamp["pid"], stamp.get("process")))
    last = _dt(last_sign)
    return last is None or _utcnow() - last >= HEARTBEAT_STALE


def _beat(ref: "weakref.ref[Store]", stop: threading.Event) -> None:
    """The heartbeat thread of a store's running runs (Store._beat_runs): renews their heartbeat_at every
    HEARTBEAT_EVERY seconds; ends when no run of this process is running any more, or the store is gone."""
    while not stop.wait(HEARTBEAT_EVERY):
        store = ref()
        if store is None:
            return
        with store._beat_lock:
            ids = sorted(store._beating)
            if not ids:
                store._beat_thread = None
                return
        try:
            with store._write() as c:
                c.execute(runs.update().where(runs.c.id.in_(ids), runs.c.status == "running")
                          .values(heartbeat_at=_utcnow()))
        except Exception as e:  # noqa: BLE001 - a busy or lost database: the next beat tries again
            log.debug("run heartbeat failed: %s", e)
        del store


def database_url(db: str | os.PathLike) -> str:
    """A file path means SQLite; anything with '://' is a database URL: PostgreSQL (postgresql://, postgres://, any
    postgresql+driver://, all through psycopg 3, the driver installed) or SQLite (sqlite:///path). ConfigError
    for another database, or a URL whose password holds an unescaped @ (its rest was taken for the host)."""
    s = str(db)
    if "://" in s:
        scheme, rest = s.split("://", 1)
        kind = scheme.split("+", 1)[0].lower()
        if kind in ("postgres", "postgresql"):
            s = "postgresql+psycopg://" + rest
            if rest.split("/", 1)[0].count("@") > 1:
                raise ConfigError("the database URL's password holds an '@': write it as %40 (URL-encoded), e.g. "
                                  "postgresql://user:p%40ss@host/db")
        elif kind != "sqlite":
            raise ConfigError(f"{scheme}:// databases are not supported: ReviewLens stores in SQLite (a file path) "
                              "or PostgreSQL (postgresql://user:password@host/db)")
        return s
    p = Path(s).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{p}"


def _no_nul(value: str | None) -> str | None:
    """NUL cannot be stored in PostgreSQL text (and is never meaningful in a review): drop it."""
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # Switching a new file to WAL upgrades a shared lock: when several processes open a new store at
    # once, SQLite answers all but one "database is locked" at once (no busy wait, which could
    # deadlock). So retry for a while; once a process has switched it, this is a no-op read.
    for attempt in itertools.count():
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt >= 300:
                raise
            time.sleep(0.01 + random.random() * 0.05)
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    # what is deleted is overwritten with zeros, not left in free pages (the default of some builds only):
    # a review deleted or masked for privacy must not stay readable in the file
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def _sqlite_read_only_pragmas(dbapi_conn, _record) -> None:
    """No journal_mode: switching to WAL is a write (a store made by this class is WAL already)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _pg_read_only_session(dbapi_conn, _record) -> None:
    """The server itself refuses writes (SQLSTATE 25006), as SQLite's mode=ro does."""
    cur = dbapi_conn.cursor()
    cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cur.close()
    dbapi_conn.commit()


def _sqlite_file_read_only(path: Path) -> bool:
    """A store file this process cannot write, or whose folder it cannot write (SQLite must create the
    -wal/-shm files there to write; as root both are always writable)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _sqlite_read_only_url(url: sa.URL, path: Path) -> sa.URL:
    """The file as a read-only SQLite URI: `mode=ro`, plus `immutable=1` when the folder is not
    writable and the -wal/-shm files are gone: SQLite cannot read a WAL database read-only without
    them unless told that nothing can change it (true: nobody can create them, so nobody writes)."""
    query = {**url.query, "mode": "ro", "uri": "true"}
    wal_files = all(Path(f"{path}{ext}").exists() for ext in ("-wal", "-shm"))
    if not os.access(path.parent, os.W_OK) and not wal_files:
        query["immutable"] = "1"
    return url.set(database="file:" + quote(str(path.resolve())), query=query)


def _rewrite_strings(data: Any, rewrite: Callable[[str], str]) -> Any:
    """`data` (parsed JSON) with every string passed through `rewrite`, keys too."""
    if isinstance(data, str):
        return rewrite(data)
    if isinstance(data, list):
        return [_rewrite_strings(v, rewrite) for v in data]
    if isinstance(data, dict):
        return {rewrite(k): _rewrite_strings(v, rewrite) for k, v in data.items()}
    return data


def _is_read_only_error(e: sa.exc.DBAPIError) -> bool:
    """The driver's "this database cannot be written" (SQLite SQLITE_READONLY*, PostgreSQL 25006
    read-only transaction or 42501 no privilege to write)."""
    orig = e.orig
    if getattr(orig, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
        return True
    if "readonly database" in str(orig):  # Python < 3.11 has no sqlite_errorname
        return True
    return getattr(orig, "sqlstate", None) in ("25006", "42501")


def _star_ids(items: Iterable[Review]) -> list[str]:
    """The identities the reviews `items` had as ratings without words (`star_identity`), of those without a site
    review id (a review with one has its identity either way) that name their author: a star-only review the
    customer later gave words, read again (the same author, day and stars). One without a name is anyone's."""
    return [star_identity(r.source, None, r.author, None if r.date_relative else r.date, float(r.rating))
            for r in items if not r.site_review_id and r.author and r.rating is not None]


def _star_conditions(since: date | None, until: date | None, products: Sequence[str], sources: Sequence[str],
                     versions: Sequence[str], min_rating: float | None = None,
                     max_rating: float | None = None) -> list[sa.ColumnElement[bool]]:
    """The WHERE of the ratings without words within a period, products, sources, versions and a rating range
    (each optional)."""
    sr = star_ratings.c
    return ([sr.date >= since] if since else []) + ([sr.date <= until] if until else []) \
        + ([sr.product.in_(list(products))] if products else []) + ([sr.source.in_(list(sources))] if sources else []) \
        + ([sr.version.in_(list(versions))] if versions else []) \
        + ([sr.rating >= min_rating] if min_rating is not None else []) \
        + ([sr.rating <= max_rating] if max_rating is not None else [])


def _as_date(value: Any) -> date | None:
    """A stored date (SQLite may give back ISO text) as a date."""
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    if isinstance(value, float):  # NaN: missing, as pandas has it
        return None
    return date.fromisoformat(str(value)[:10])


def _json_list(value: Any) -> list:
    """A stored JSON list (topics, entities) as a list; [] for none."""
    return json.loads(value) if isinstance(value, str) else []


def mention_said(a: Any, x: Any) -> sa.ColumnElement[str]:
    """What a mention says of its name, in SQL (`a`: the current analyses, `x`: review_comparisons, outer-joined
    on the mention): positive when its writer left you for it (a stored comparison "went_to"), nothing when the
    writer came from it ("upgraded from the Anker and the difference is huge", "my old Jabra lasted longer":
    what the clause says is of your product as often as of the old one), else the sentiment of its clause,
    else (an analysis from before entities-v6) its review's."""
    e = review_entities.c
    return sa.case((x.direction == "went_to", "positive"), (x.direction == "came_from", "neutral"),
                   else_=sa.func.coalesce(e.sentiment, a.c.sentiment))


def mentioning(names: Sequence[str], said: str | None = None) -> sa.ColumnElement[bool]:
    """Reviews whose current analysis found one of `names` in the text (any case; SQLite's lower() folds
    only ASCII, so the name as given matches too); with `said` ("positive", "negative"), only where a mention
    of one of them says so (`mention_said`)."""
    e = review_entities.c
    folded = sorted({n.lower() for n in names})
    named = sa.or_(sa.func.lower(e.text).in_(folded), e.text.in_(list(names)))
    if said is None:
        return reviews.c.content_hash.in_(sa.select(e.content_hash).where(named))
    a = analyses.alias("said_analysis")
    x = review_comparisons.c
    joined = (review_entities.join(a, sa.and_(a.c.content_hash == e.content_hash, a.c.is_current.is_(True)))
              .outerjoin(review_comparisons, sa.and_(x.content_hash == e.content_hash, x.start == e.start)))
    return reviews.c.content_hash.in_(sa.select(e.content_hash).select_from(joined)
                                      .where(named, mention_said(a, x) == said))


def _dt(value: Any) -> datetime | None:
    """Datetimes come back naive from SQLite: make them UTC-aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def _dates_agree(said: date, seen: date, other: date | None) -> bool:
    """Whether `other` can be the date of a review that was said on `seen` to be from `said`, a relative date
    ("2 weeks ago": 14 days before `seen`). Such a date is off by up to its unit (a week, a month), and a unit is
    at most the age it counts (one unit ago); half again for sites that round ("a month ago" of 45 days), and a
    week at least."""
    if other is None:
        return True
    age = max(0, (seen - said).days)
    return abs((other - said).days) <= age + max(7, age // 2)


def _alike_key(source: str, author: str | None, text: str | None) -> tuple[str, str, str]:
    """What two reviews without a site id share when they are the same review: source, author and text."""
    return source, normalize_text(author).lower(), normalize_text(text)


def _glued(text: str | None) -> str:
    """A text with its line breaks and the spaces around them taken out: how paragraphs of an HTML review text
    (<p>, <br>) were read before they were kept, "toaster.</p><p>Refund" as "toaster.Refund"."""
    return re.sub(r"[ \t]*\n\s*", "", text or "")


def _same_site_id(a: str, b: str) -> bool:
    """Whether two site review ids are one id written two ways: the bare id and a URL or path that ends in it
    ("6001abc01", "https://site/#/schema/Review/shop/6001abc01"), or two such that end in the same one."""
    tail_a, tail_b = (re.split(r"[/#:]", x.rstrip("/#:"))[-1] for x in (a, b))
    return bool(tail_a) and tail_a == tail_b


class Store:
    """All reads and writes of ReviewLens data.

    `read_only=True` opens the store for reading only (SQLite `mode=ro`, a read-only PostgreSQL
    session); a SQLite file or folder this process cannot write, or a `sqlite:///file:...?mode=ro&uri=true`
    URL, is opened that way by itself. Reads then work as usual and every write raises StoreReadOnly.
    """

    def __init__(self, db: str | os.PathLike, create: bool = True, *, read_only: bool = False):
        self.url = database_url(db)
        kwargs: dict[str, Any] = {"future": True}
        url = sa.engine.make_url(self.url)
        sqlite = url.get_backend_name() == "sqlite"
        if sqlite:
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
            if url.query.get("uri") == "true":  # SQLite's own URI says whether it is read-only
                read_only = read_only or url.query.get("mode") == "ro" or url.query.get("immutable") == "1"
                if read_only:
                    url = url.update_query_dict({"mode": "ro"})
            elif url.database and url.database != ":memory:":
                path = Path(url.database)
                read_only = read_only or _sqlite_file_read_only(path)
                if read_only:
                    url = _sqlite_read_only_url(url, path)
        else:
            kwargs["pool_pre_ping"] = True
        self.read_only = read_only
        self._beating: set[int] = set()  # runs this process started and has not finished: their heartbeat
        self._beat_lock = threading.Lock()
        self._beat_thread: threading.Thread | None = None
        self.missing_tables: set[str] = set()  # optional tables a read-only store made by an older version lacks
        self.engine: Engine = sa.create_engine(url, **kwargs)
        # closed at exit at the latest (also when the console script skips Python's teardown), so SQLite
        # folds its write-ahead log into the file: the .db alone holds everything written
        self._dispose = weakref.finalize(self, self.engine.dispose)
        if sqlite:
            event.listen(self.engine, "connect", _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)
        elif read_only:
            event.listen(self.engine, "connect", _pg_read_only_session)
        if create:
            self._create_schema()

    def _missing_schema(self, c: sa.Connection) -> tuple[list[sa.Table], list[sa.Index], list[sa.Column]]:
        """Tables, and indexes and columns of existing tables, that the database lacks. `create_all`
        never adds an index or a column to a table that exists, so a store made by an older version
        gets newer ones from here."""
        insp = sa.inspect(c)
        have = set(insp.get_table_names())
        tables = [t for t in metadata.sorted_tables if t.name not in have]
        indexes = []
        columns = []
        for t in metadata.sorted_tables:
            if t.name in have:
                named = {ix["name"] for ix in insp.get_indexes(t.name)}
                indexes += [ix for ix in t.indexes if ix.name not in named]
                cols = {col["name"] for col in insp.get_columns(t.name)}
                columns += [col for col in t.columns if col.name not in cols]
        return tables, indexes, columns

    def _add_column(self, c: sa.Connection, col: sa.Column) -> None:
        """ALTER TABLE ... ADD COLUMN for a nullable column without a default (every added column is)."""
        prep = c.dialect.identifier_preparer
        ddl = sa.schema.CreateColumn(col).compile(dialect=c.dialect)
        c.exec_driver_sql(f"ALTER TABLE {prep.format_table(col.table)} ADD COLUMN {ddl}")
        log.info("store: added column %s to %s", col.name, col.table.name)

    def _create_schema(self) -> None:
        """Create missing tables and indexes; safe when several processes open a new store at once.

        `create_all` looks, then creates: two processes starting on a new store both saw no table and
        one died on "table reviews already exists" (PostgreSQL: a unique violation on pg_type). So
        the creation runs under a lock that serialises the creators, and `create_all` looks again
        under it: SQLite `BEGIN EXCLUSIVE`, PostgreSQL a transaction-scoped advisory lock for this
        schema (DDL is transactional there). The look without a lock comes first, so opening a
        complete store writes nothing: it never waits behind another process's long write, and a
        read-only store opens.
        """
        with self.engine.connect() as c:
            tables, indexes, columns = self._missing_schema(c)
        if not tables and not indexes and not columns:
            return
        try:
            if self.read_only:
                raise StoreReadOnly(f"the store {self.display_url()} is read-only")
            with self.engine.connect() as c:
                if self.dialect == "sqlite":
                    c.exec_driver_sql("BEGIN EXCLUSIVE")
                else:
                    c.execute(sa.text("SELECT pg_advisory_xact_lock(20260, hashtext(current_schema()))"))
                metadata.create_all(c)
                _, _, columns = self._missing_schema(c)  # looked at again under the lock
                for col in columns:  # columns first: a new index may be on a new column
                    self._add_column(c, col)
                for idx in self._missing_schema(c)[1]:
                    idx.create(c)
                    log.info("store: added index %s on %s", idx.name, idx.table.name)
                c.commit()
        except (StoreReadOnly, sa.exc.DBAPIError) as e:
            if columns and (isinstance(e, StoreReadOnly) or _is_read_only_error(e)):
                raise StoreReadOnly(
                    f"the store {self.display_url()} was made by an older version of ReviewLens and lacks "
                    f"the columns {', '.join(f'{col.table.name}.{col.name}' for col in columns)}; open it once "
                    f"where it can be written (any command) to add them") from e
            read_only_error = isinstance(e, StoreReadOnly) or _is_read_only_error(e)
            if not read_only_error or not {t.name for t in tables} <= OPTIONAL_TABLES:
                raise
            if tables:  # a read-only store made before these existed: reads of them find nothing
                self.missing_tables = {t.name for t in tables}
                log.warning("store: %s is read-only and has no %s tables (made by an older version); they read "
                            "as empty", self.display_url(), ", ".join(sorted(self.missing_tables)))
            if not indexes:
                return
            # an older store that cannot be written: slower without the new indexes, still correct
            log.warning("store: could not add indexes %s (%s); queries will be slower",
                        ", ".join(ix.name for ix in indexes), e)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One write transaction. Every write goes through here, so a store that cannot be written
        fails the same way everywhere: StoreReadOnly naming the store, not a driver error."""
        if self.read_only:
            raise StoreReadOnly(f"cannot write to the store {self.display_url()}: it is read-only")
        try:
            with self.engine.begin() as c:
                yield c
        except sa.exc.DBAPIError as e:
            if _is_read_only_error(e):
                raise StoreReadOnly(f"cannot write to the store {self.display_url()}: it is read-only "
                                    f"({e.orig})") from e
            raise

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @staticmethod
    def describe(db: str) -> str:
        """A store's path or URL as given, its password (if any) shown as ***: fit for logs and terminals."""
        try:
            url = sa.engine.make_url(db)
        except sa.exc.ArgumentError:
            return db  # a file path
        return url.render_as_string(hide_password=True) if url.password else db

    def display_url(self) -> str:
        """The store as it was named (not the read-only SQLite URI it may be opened through)."""
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self._dispose()  # once: the exit handler then has nothing left to do

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
            "scraped_at": r.scraped_at or _utcnow(), "first_run_id": run_id, "last_run_id": run_id,
            "extra": json.dumps(r.extra, ensure_ascii=False, default=str) if r.extra else None,
            "reply": z(r.reply), "reply_date": r.reply_date, "helpful_votes": r.helpful_votes,
            "verified": r.verified, "language": z(r.language)[:35] if r.language else None,
            "version": z(r.version)[:100] if r.version else None,
        }

    @staticmethod
    def deletion(run_id: int | None = None, sources: Sequence[str] = (), products: Sequence[str] = (),
                 authors: Sequence[str] = (), before: date | None = None) -> str:
        """What `delete_reviews` with these arguments deletes, in words (its run's name). Authors are
        counted, not named: the run history must not keep the name of someone who asked to be forgotten."""
        return "; ".join(x for x in (f"stored first by run {run_id}" if run_id is not None else "",
                                     f"source {', '.join(sources)}" if sources else "",
                                     f"product {', '.join(products)}" if products else "",
                                     (f"{len(authors)} reviewer name{'s' if len(authors) != 1 else ''}"
                                      if authors else ""),
                                     f"dated before {before.isoformat()}" if before else "") if x)

    @staticmethod
    def _deletion_where(run_id: int | None, sources: Sequence[str], products: Sequence[str],
                        authors: Sequence[str], before: date | None) -> list[sa.ColumnElement[bool]]:
        """The reviews `delete_reviews` with these arguments deletes, as conditions on the reviews table."""
        if run_id is None and not sources and not authors and before is None:
            raise ValueError("delete which reviews? give a run, a source, an author or a day")
        where = []
        if run_id is not None:
            where.append(reviews.c.first_run_id == run_id)
        if sources:
            where.append(reviews.c.source.in_(list(sources)))
        if products:
            where.append(reviews.c.product.in_(list(products)))
        if authors:
            where.append(reviews.c.author.in_(list(authors)))
        if before is not None:
            where.append(reviews.c.date < before)
        return where

    def _star_where(self, run_id: int | None, sources: Sequence[str], products: Sequence[str],
                    before: date | None) -> list[sa.ColumnElement[bool]] | None:
        """The ratings without words `delete_reviews` deletes with the reviews: those of the run, the sources (and
        products), dated before the day; None when it deletes none (a reviewer's: no name is kept with them)."""
        if "star_ratings" in self.missing_tables or (run_id is None and not sources and before is None):
            return None
        sr = star_ratings.c
        where = [sr.first_run_id == run_id] if run_id is not None else []
        where += [sr.source.in_(list(sources))] if sources else []
        where += [sr.product.in_(list(products))] if products else []
        where += [sr.date < before] if before is not None else []
        return where

    def upsert_star_ratings(self, rows: Sequence[dict[str, Any]], run_id: int | None = None) -> tuple[int, int]:
        """Store ratings without words ({id, source, product, rating, date, place, version} each; `id` as a review's
        identity): (new, already stored). One stored again takes the row's product, rating and date; one whose
        id a review with words has is that review's (left out)."""
        if not rows or "star_ratings" in self.missing_tables:
            return 0, 0
        unique = list({r["id"]: r for r in rows}.values())
        put = self._insert(star_ratings)
        put = put.on_conflict_do_update(index_elements=[star_ratings.c.id], set_={
            **{k: put.excluded[k] for k in ("product", "rating", "date", "place", "version")},
            "last_run_id": put.excluded.last_run_id})
        new = 0
        with self._write() as c:
            for i in range(0, len(unique), 500):
                chunk = [{"id": r["id"], "source": _no_nul(str(r["source"]))[:300],
                          "product": _no_nul(str(r["product"]))[:500] if r.get("product") else None,
                          "rating": float(r["rating"]), "date": r.get("date"),
                          "place": _no_nul(str(r["place"]))[:300] if r.get("place") else None,
                          "version": _no_nul(str(r["version"]))[:100] if r.get("version") else None,
                          "first_run_id": run_id, "last_run_id": run_id} for r in unique[i:i + 500]]
                ids = [r["id"] for r in chunk]
                worded = set(c.execute(sa.select(reviews.c.id).where(reviews.c.id.in_(ids))).scalars())
                had = set(c.execute(sa.select(star_ratings.c.id).where(star_ratings.c.id.in_(ids))).scalars())
                chunk = [r for r in chunk if r["id"] not in worded]
                new += sum(r["id"] not in had for r in chunk)
                if chunk:
                    c.execute(put, chunk)
        return new, len(unique) - new

    def drop_star_ratings(self, ids: Sequence[str]) -> int:
        """Delete the ratings without words of `ids` (a review with words now: another file's identity of it)."""
        if not ids or "star_ratings" in self.missing_tables:
            return 0
        n = 0
        with self._write() as c:
            for i in range(0, len(ids), 500):
                n += int(c.execute(star_ratings.delete().where(star_ratings.c.id.in_(list(ids[i:i + 500]))))
                         .rowcount or 0)
        return n

    def has_star_ratings(self, placed: bool = False) -> bool:
        """Whether any rating without words is stored (`placed`: any with a place's id, a chain's branch's)."""
        if "star_ratings" in self.missing_tables:
            return False
        q = sa.select(star_ratings.c.id).limit(1)
        with self.engine.connect() as c:
            return c.execute(q.where(star_ratings.c.place.is_not(None)) if placed else q).first() is not None

    def known_star_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` are stored ratings without words."""
        if not ids or "star_ratings" in self.missing_tables:
            return set()
        out: set[str] = set()
        with self.engine.connect() as c:
            for i in range(0, len(ids), 500):
                out |= set(c.execute(sa.select(star_ratings.c.id).where(star_ratings.c.id.in_(list(ids[i:i + 500]))))
                           .scalars())
        return out

    def iter_star_ratings(self, since: date | None = None, until: date | None = None, products: Sequence[str] = (),
                          sources: Sequence[str] = (), chunk: int | None = None, versions: Sequence[str] = ()
                          ) -> Iterator[dict[str, Any]]:
        """The ratings without words within the period, products, sources and versions, newest first (undated
        last), as plain dicts {id, source, product, rating, date (a date or None), place, version}; streamed `chunk`
        rows at a time."""
        if "star_ratings" in self.missing_tables:
            return
        sr = star_ratings.c
        q = (sa.select(sr.id, sr.source, sr.product, sr.rating, sr.date, sr.place, sr.version)
             .where(*_star_conditions(since, until, products, sources, versions))
             .order_by(sr.date.is_(None), sr.date.desc(), sr.id))
        chunk = chunk or EXPORT_CHUNK
        with self.engine.connect().execution_options(stream_results=True, yield_per=chunk) as c:
            for part in c.execute(q).mappings().partitions(chunk):
                for r in part:
                    yield {**r, "rating": float(r["rating"]), "date": _as_date(r["date"])}

    def star_rating_stats(self, by: str, since: date | None = None, until: date | None = None,
                          products: Sequence[str] = (), sources: Sequence[str] = (), min_rating: float | None = None,
                          max_rating: float | None = None, versions: Sequence[str] = ()
                          ) -> dict[str, tuple[int, float, float]]:
        """The ratings without words of each product (`by` "product"), source ("source") or app version ("version"),
        within the period, products, sources, ratings and versions: {group: (how many, their sum, the sum of their
        squares)}."""
        if "star_ratings" in self.missing_tables or by not in ("product", "source", "version"):
            return {}
        sr = star_ratings.c
        q = sa.select(sr[by], sa.func.count(), sa.func.sum(sr.rating), sa.func.sum(sr.rating * sr.rating)).where(
            sr[by].is_not(None), *_star_conditions(since, until, products, sources, versions, min_rating, max_rating))
        with self.engine.connect() as c:
            return {str(g): (int(n), float(total), float(squares)) for g, n, total, squares in c.execute(q.group_by(sr[by]))}

    def deletion_words(self, *, run_id: int | None = None, sources: Sequence[str] = (), products: Sequence[str] = (),
                       authors: Sequence[str] = (), before: date | None = None) -> list[str]:
        """The texts and titles of the reviews `delete_reviews` with these arguments deletes (to find the other
        copies of their words, outside the store: reviewlens.captures)."""
        where = self._deletion_where(run_id, sources, products, authors, before)
        with self.engine.connect() as c:
            return [x for row in c.execute(sa.select(reviews.c.text, reviews.c.title).where(*where)) for x in row if x]

    def delete_reviews(self, *, run_id: int | None = None, sources: Sequence[str] = (),
                       products: Sequence[str] = (), authors: Sequence[str] = (), before: date | None = None,
                       dry_run: bool = False, trigger: str = "manual") -> tuple[int | None, int]:
        """Delete the reviews a run stored first (`run_id`: undo an import or a scrape) and/or of `sources`
        (and `products`), or every review by `authors` (a reviewer who asked to be forgotten), or dated
        `before` a day (reviews kept no longer than a retention period; undated ones are kept), recorded in
        the run history as a run of kind "delete" (`trigger`: manual, dashboard, schedule): (that run's id,
        how many). `dry_run`: only counted, nothing recorded (None, how many). At least one of run_id,
        sources, authors and before is needed. Their analyses stay (kept by text: a review imported again is
        not analyzed again), as do labels; but with `authors` or `before` every trace of their texts goes
        (the analyses, with their translations, and the labels of texts no other review has; their quotes in
        the stored alerts and answers to questions, and the alerts' record of naming them).
        Always, the stored themes (complaints, praise, requests) lose the deleted reviews: their quotes go,
        and their counts lose them (`_drop_from_themes`). What else went is in the run's detail ("themes",
        "alerts", "questions": how many rows changed)."""
        where = self._deletion_where(run_id, sources, products, authors, before)
        if dry_run:
            with self.engine.connect() as c:
                return None, int(c.execute(sa.select(sa.func.count()).select_from(reviews).where(*where)).scalar_one())
        rid = self.start_run("delete", self.deletion(run_id, sources, products, authors, before)[:300], trigger)
        forget = bool(authors) or before is not None
        traces: dict[str, int] = {}
        with self._write() as c:
            gone = c.execute(sa.select(reviews.c.id, reviews.c.content_hash).where(*where)).all()
            hashes = [h for _, h in gone] if forget else []
            c.execute(review_fields.delete().where(review_fields.c.review_id.in_(sa.select(reviews.c.id).where(*where))))
            c.execute(review_tags.delete().where(review_tags.c.review_id.in_(sa.select(reviews.c.id).where(*where))))
            n = int(c.execute(reviews.delete().where(*where)).rowcount or 0)
            if (stars := self._star_where(run_id, sources, products, before)) is not None:
                traces["star_ratings"] = int(c.execute(star_ratings.delete().where(*stars)).rowcount or 0)
            if hashes:
                self._forget_texts(c, hashes, labels_too=True)
            ids = {i for i, _ in gone}
            traces.update({"themes": self._drop_from_themes(c, ids)} if ids else {})
            if ids and forget:
                traces.update(self._drop_from_alerts(c, ids))
            if n:
                self._mark_reviews_written(c)
        if n and forget:
            self._cut_write_ahead_log()
        self.update_run(rid, seen=n, detail={k: v for k, v in traces.items() if v} or None)
        self.finish_run(rid, "ok")
        return rid, n

    def stored_again(self, run_id: int) -> list[dict[str, Any]]:
        """Of the reviews run `run_id` stored first, those a later run stored again (a later import of a file
        that holds them too, a scrape that saw them again), by that later run (the last one that did), oldest
        first: [{"run": id, "reviews": how many, "kind", "source", "trigger", "detail"}]. Reviews stored before
        the store kept the last run (`last_run_id`) are not counted."""
        q = (sa.select(reviews.c.last_run_id, sa.func.count().label("n")).where(
            reviews.c.first_run_id == run_id, reviews.c.last_run_id > run_id).group_by(reviews.c.last_run_id))
        with self.engine.connect() as c:
            counts = {int(r): int(n) for r, n in c.execute(q)}
            rows = {r["id"]: self._run_row(r) for r in c.execute(sa.select(runs).where(
                runs.c.id.in_(list(counts)))).mappings()} if counts else {}
        return [{"run": rid, "reviews": n, **{k: (rows.get(rid) or {}).get(k) for k in ("kind", "source", "trigger")},
                 "detail": (rows.get(rid) or {}).get("detail") or {}} for rid, n in sorted(counts.items())]

    @staticmethod
    def _drop_from_themes(c: sa.Connection, ids: set[str]) -> int:
        """In the transaction `c`: take the deleted reviews `ids` out of every stored theme (complaints, praise,
        requests): their quotes go, and the theme's review ids and count lose them. A theme left with no review
        goes, and its computation's themes are ranked again. The computation's scope then says how many of its
        reviews were deleted since (`deleted_reviews`), for the commands to say that its shares and trends are
        as computed: `reviewlens complaints` computes them again. Returns how many theme rows changed."""
        changed = 0
        for table in THEME_TABLES.values():
            touched: dict[str, int] = {}
            rows = c.execute(sa.select(table.c.id, table.c.batch, table.c.quotes, table.c.review_ids,
                                       table.c.count)).mappings().all()
            for r in rows:
                try:
                    quotes, members = json.loads(r["quotes"] or "[]"), json.loads(r["review_ids"] or "[]")
                except ValueError:
                    continue
                if not isinstance(quotes, list) or not isinstance(members, list):
                    continue
                kept_quotes = [q for q in quotes if not (isinstance(q, dict) and q.get("review_id") in ids)]
                kept = [i for i in members if i not in ids]
                if len(kept_quotes) == len(quotes) and len(kept) == len(members):
                    continue
                changed += 1
                touched[r["batch"]] = touched.get(r["batch"], 0) + len(members) - len(kept)
                count = max(0, int(r["count"] or 0) - (len(members) - len(kept)))
                if count == 0 and members:
                    c.execute(table.delete().where(table.c.id == r["id"]))
                    continue
                c.execute(table.update().where(table.c.id == r["id"]).values(
                    quotes=json.dumps(kept_quotes, ensure_ascii=False), review_ids=json.dumps(kept), count=count))
            for batch, n in touched.items():
                left = c.execute(sa.select(table.c.id, table.c.scope).where(table.c.batch == batch)
                                 .order_by(table.c.rank, table.c.id)).all()
                for rank, (tid, raw) in enumerate(left, 1):
                    try:
                        scope = json.loads(raw or "{}")
                    except ValueError:
                        scope = None
                    values: dict[str, Any] = {"rank": rank}
                    if isinstance(scope, dict):
                        scope["deleted_reviews"] = int(scope.get("deleted_reviews") or 0) + n
                        values["scope"] = json.dumps(scope, default=str)
                    c.execute(table.update().where(table.c.id == tid).values(**values))
        return changed

    def _drop_from_alerts(self, c: sa.Connection, ids: set[str]) -> dict[str, int]:
        """In the transaction `c`: take the deleted reviews `ids` (a reviewer forgotten, reviews expired) out of
        the stored alerts (their quotes; a complaint alert's members), the alerts' record of the reviews they
        named (alerted_reviews), and the sources of the answers to questions. How many alerts and questions
        changed: {"alerts": n, "questions": n}."""
        out = {"alerts": 0, "questions": 0}
        if "alerts" not in self.missing_tables:
            for r in c.execute(sa.select(alerts.c.id, alerts.c.body)).mappings().all():
                try:
                    body = json.loads(r["body"] or "{}")
                except ValueError:
                    continue
                if not isinstance(body, dict):
                    continue
                quotes = [q for q in body.get("quotes") or [] if not (isinstance(q, dict) and q.get("review_id") in ids)]
                members = [i for i in body.get("members") or [] if i not in ids]
                if len(quotes) == len(body.get("quotes") or []) and len(members) == len(body.get("members") or []):
                    continue
                body["quotes"] = quotes
                if "members" in body:
                    body["members"] = members
                c.execute(alerts.update().where(alerts.c.id == r["id"]).values(
                    body=json.dumps(body, ensure_ascii=False, default=str)))
                out["alerts"] += 1
            listed = list(ids)
            for i in range(0, len(listed), 500):
                c.execute(alerted_reviews.delete().where(alerted_reviews.c.review_id.in_(listed[i:i + 500])))
        if "questions" not in self.missing_tables:
            for r in c.execute(sa.select(questions.c.id, questions.c.result).where(
                    questions.c.result.is_not(None))).mappings().all():
                try:
                    result = json.loads(r["result"])
                except ValueError:
                    continue
                if not isinstance(result, dict) or not isinstance(result.get("sources"), list):
                    continue
                sources = [x for x in result["sources"] if not (isinstance(x, dict) and x.get("review_id") in ids)]
                if len(sources) == len(result["sources"]):
                    continue
                result["sources"] = sources
                c.execute(questions.update().where(questions.c.id == r["id"]).values(
                    result=json.dumps(result, ensure_ascii=False, default=str)))
                out["questions"] += 1
        return out

    def _forget_texts(self, c: sa.Connection, hashes: Iterable[str], *, labels_too: bool = False) -> int:
        """In the transaction `c`: delete the analyses (with their translations and entities) of the texts
        `hashes` that no review has any more, and with `labels_too` their labels. Returns how many
        analyses were deleted."""
        hashes = list(set(hashes))
        still = set()
        for i in range(0, len(hashes), 500):
            still |= {h for (h,) in c.execute(sa.select(reviews.c.content_hash).where(
                reviews.c.content_hash.in_(hashes[i:i + 500])))}
        return self._delete_analyses(c, [h for h in hashes if h not in still], labels_too=labels_too)

    @staticmethod
    def _delete_analyses(c: sa.Connection, hashes: Sequence[str], *, labels_too: bool = False) -> int:
        """In the transaction `c`: delete every analysis (any model, any version) of the texts `hashes`, with
        their topics and entities, and with `labels_too` their labels. Returns how many analyses."""
        n = 0
        for i in range(0, len(hashes), 500):
            part = list(hashes[i:i + 500])
            n += int(c.execute(analyses.delete().where(analyses.c.content_hash.in_(part))).rowcount or 0)
            c.execute(review_topics.delete().where(review_topics.c.content_hash.in_(part)))
            c.execute(review_entities.delete().where(review_entities.c.content_hash.in_(part)))
            c.execute(review_comparisons.delete().where(review_comparisons.c.content_hash.in_(part)))
            if labels_too:
                c.execute(labels.delete().where(labels.c.content_hash.in_(part)))
        return n

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(ids))
        found: set[str] = set()
        with self.engine.connect() as c:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                found.update(c.execute(sa.select(reviews.c.id).where(reviews.c.id.in_(chunk))).scalars())
        return found

    def _stored_by_text(self, items: Sequence[Review]) -> list[Any]:
        """The stored reviews whose text is the text of one of `items` (by content hash): what `recognise` compares
        them with, read once for all its rules."""
        hashes = sorted({r.content_hash for r in items if r.text})
        cols = [reviews.c.id, reviews.c.source, reviews.c.author, reviews.c.text, reviews.c.date, reviews.c.scraped_at,
                reviews.c.site_review_id]
        out: list[Any] = []
        with self.engine.connect() as c:
            for i in range(0, len(hashes), 500):
                out += c.execute(sa.select(*cols).where(reviews.c.content_hash.in_(hashes[i:i + 500]))).mappings().all()
        return out

    def recognise(self, items: Sequence[Review]) -> int:
        """Give a review without a site id that is not stored under its identity the id of the stored review it is,
        when one is stored under another identity; returns how many were given one. Called before deciding
        what is new (the scrape's "page already seen") and by upsert_reviews.

        A relative date ("2 weeks ago") is no part of an identity (schema.Review.date_relative), but was in
        stores written before that: a review with a relative date is the stored one alike (same source, author
        and text, no site id) whose date agrees with it (_dates_agree; the nearest). And a site that says
        "3 days ago" of a new review and "12 March 2026" once it is older: a review with a calendar date is the
        one stored alike under the identity without a date, when the date stored with it (from a relative one)
        agrees; one stored with no date at all stays another, as before.

        And a review whose site id is the same id written another way (_same_site_id) is that review, as is one
        read with a site id where it was stored without one, or the other way round (_recognise_site_ids); one
        without a site id whose paragraphs were read glued before (_glued), or whose numeric date was read with day
        and month the other way round (_recognise_swapped_dates), is the one stored so."""
        unknown = [r for r in items if r.text]
        known = self.known_ids(r.id for r in unknown)
        unknown = [r for r in unknown if r.id not in known]
        stored = self._stored_by_text(unknown)
        found = self._recognise_site_ids(unknown, stored)
        found += self._recognise_glued([r for r in items if not r.site_review_id and r.text and "\n" in r.text])
        found += self._recognise_swapped_dates([r for r in items if not r.site_review_id and r.text and r.date
                                                and not r.date_relative and swapped(r.date)])
        todo = [r for r in items if not r.site_review_id and r.text and r.date is not None]
        if not todo:
            return found
        known = self.known_ids(r.id for r in todo)
        todo = [r for r in todo if r.id not in known]
        if not todo:
            return found
        alike: dict[tuple[str, str, str], list[Any]] = {}
        for row in stored:  # the stored reviews without a site id alike them (same source, author and text)
            if row["site_review_id"] is None:
                alike.setdefault(_alike_key(row["source"], row["author"], row["text"]), []).append(row)
        for r in todo:
            rows = alike.get(_alike_key(r.source, r.author, r.text)) or []
            if r.date_relative:
                seen = (r.scraped_at or _utcnow()).date()
                fits = [row for row in rows if _dates_agree(r.date, seen, _as_date(row["date"]))]
                fits.sort(key=lambda row: (abs(((_as_date(row["date"]) or r.date) - r.date).days),
                                           _dt(row["scraped_at"]) or _utcnow()))
            else:
                undated = review_identity(r.source, None, r.author, None, r.text)
                fits = [row for row in rows if row["id"] == undated and row["date"] is not None
                        and row["scraped_at"] is not None
                        and _dates_agree(_as_date(row["date"]), _dt(row["scraped_at"]).date(), r.date)]
            if fits:
                r.id = fits[0]["id"]
                found += 1
        return found

    def _recognise_glued(self, items: Sequence[Review]) -> int:
        """Give a review without a site id whose text has paragraphs, not stored under its identity, the identity
        of the same review with its paragraphs glued together, when that is stored: HTML texts were read so
        before ("...behind the toaster.Refund was quick"), and their identity holds the text."""
        known = self.known_ids(r.id for r in items)
        todo = {r.id: r for r in items if r.id not in known}
        if not todo:
            return 0
        glued = {review_identity(r.source, None, r.author, None if r.date_relative else r.date, _glued(r.text)): r
                 for r in todo.values()}
        found = 0
        for gid in self.known_ids(glued):
            glued[gid].id = gid
            found += 1
        return found

    def _recognise_swapped_dates(self, items: Sequence[Review]) -> int:
        """Give a review without a site id, not stored under its identity, the identity of the same review with
        its day and month exchanged, when that is stored: a page's 03/04/2026 was read month first before the page's
        language or its other dates said the day comes first (scraper.normalize.page_date_order), and the date is
        part of the identity. The stored review keeps its identity; its date is then set right."""
        known = self.known_ids(r.id for r in items)
        other = {review_identity(r.source, None, r.author, swapped(r.date), r.text): r
                 for r in items if r.id not in known}
        found = 0
        for oid in self.known_ids(other):
            other[oid].id = oid
            found += 1
        return found

    def _recognise_site_ids(self, todo: Sequence[Review], rows: Sequence[Any]) -> int:
        """Give each of `todo` (reviews not stored under their identity) the id of the stored review of the same
        source and text (`rows`, from `_stored_by_text`) that is the same review with its site id read another way:

        - its site id is the same id written another way (_same_site_id): a site that gives
          "https://site/#/schema/Review/shop/6001abc01" in its JSON-LD and "6001abc01" in its page state, where
          the extraction moved from one to the other (a site that dropped its JSON-LD reviews), stored every review
          a second time. The stored review keeps its identity and site id.
        - it lacks the site id the one stored review of the same author and date has, or has one that review
          lacks: one page read two ways (a review widget's blocks read by the page's layout with their
          data-review-id, the JSON-LD a script added in another run without one; a site config that reads the
          ids, kept after zero-config runs). Where two stored reviews fit (two "Great!" by "Anonymous" the same
          day, each with its id), none is taken."""
        stored: dict[tuple[str, str], list[Any]] = {}
        for row in rows:
            stored.setdefault((row["source"], normalize_text(row["text"])), []).append(row)
        found = 0
        for r in todo:
            same_text = stored.get((r.source, normalize_text(r.text)), ())
            same = [row for row in same_text if r.site_review_id and row["site_review_id"]
                    and _same_site_id(row["site_review_id"], r.site_review_id)]
            if not same:
                day = None if r.date_relative else r.date
                author = normalize_text(r.author).lower()
                same = [row for row in same_text if bool(row["site_review_id"]) != bool(r.site_review_id)
                        and normalize_text(row["author"]).lower() == author
                        and (_as_date(row["date"]) == day
                             or (r.date_relative and row["date"] is not None
                                 and _dates_agree(r.date, (r.scraped_at or _utcnow()).date(), _as_date(row["date"]))))]
                same = same if len(same) == 1 else []
            if same:
                r.id = same[0]["id"]
                found += 1
        return found

    def stored_under_other_sources(self, items: Sequence[Review]) -> dict[str, int]:
        """How many of `items` not stored under their own identity are stored alike (same text, author and URL)
        under another source, by that source: the same pages scraped under another name (a site config
        renamed or moved: its name is its file's unless it sets `source`). Imports' sources are left out."""
        todo = [r for r in items if r.text]
        if not todo:
            return {}
        known = self.known_ids(r.id for r in todo)
        todo = [r for r in todo if r.id not in known]
        hashes = sorted({r.content_hash for r in todo})
        stored: dict[tuple[str, str, str | None], set[str]] = {}
        with self.engine.connect() as c:
            for i in range(0, len(hashes), 500):
                q = sa.select(reviews.c.source, reviews.c.author, reviews.c.text, reviews.c.url).where(
                    reviews.c.content_hash.in_(hashes[i:i + 500]))
                for row in c.execute(q).mappings():
                    if not str(row["source"]).startswith("import:"):
                        key = (normalize_text(row["text"]), normalize_text(row["author"]).lower(), row["url"])
                        stored.setdefault(key, set()).add(row["source"])
        out: dict[str, int] = {}
        for r in todo:
            for other in stored.get((normalize_text(r.text), normalize_text(r.author).lower(), r.url), ()):
                if other != r.source:
                    out[other] = out.get(other, 0) + 1
        return out

    def ratings_of(self, ids: Iterable[str]) -> dict[str, float]:
        """The stored rating of each of `ids` that is stored with one."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, float] = {}
        with self.engine.connect() as c:
            for i in range(0, len(ids), 500):
                q = sa.select(reviews.c.id, reviews.c.rating).where(reviews.c.id.in_(ids[i:i + 500]),
                                                                     reviews.c.rating.is_not(None))
                out.update({rid: float(r) for rid, r in c.execute(q)})
        return out

    def sources_stored_by(self, run_source: str) -> list[str]:
        """The review sources (what --source filters by) of the reviews first stored by the runs named
        `run_source` in the history (a schedule's source, "demo-shop", whose URLs' reviews are stored under each
        site config's name or the site's host), the most reviews first."""
        ids = sa.select(runs.c.id).where(runs.c.source == run_source).scalar_subquery()
        q = (sa.select(reviews.c.source, sa.func.count().label("n")).where(reviews.c.first_run_id.in_(ids))
             .group_by(reviews.c.source).order_by(sa.desc("n"), reviews.c.source))
        with self.engine.connect() as c:
            return [src for src, _ in c.execute(q)]

    def edited(self, items: Sequence[Review]) -> dict[str, int]:
        """Of `items`, those stored before whose words or rating the site has changed since (a customer who
        edited a review: 2★ to 5★): {"reviews": n, "text": n, "rating": n} (a review with new words and a new
        rating counts in both). Called before upsert_reviews, which then stores the new words (their analysis is
        made again)."""
        ids = list(dict.fromkeys(r.id for r in items))
        stored: dict[str, tuple[str, float | None]] = {}
        with self.engine.connect() as c:
            for i in range(0, len(ids), 500):
                q = sa.select(reviews.c.id, reviews.c.content_hash, reviews.c.rating).where(
                    reviews.c.id.in_(ids[i:i + 500]))
                stored.update({rid: (h, rating) for rid, h, rating in c.execute(q)})
        out = {"reviews": 0, "text": 0, "rating": 0}
        for r in {r.id: r for r in items}.values():
            if r.id not in stored:
                continue
            h, rating = stored[r.id]
            text = bool(r.text) and h != r.content_hash and h != content_hash(_glued(r.text))  # paragraphs, now kept
            rated = r.rating is not None and rating is not None and abs(float(rating) - float(r.rating)) > 1e-6
            out["text"] += text
            out["rating"] += rated
            out["reviews"] += text or rated
        return out

    def upsert_reviews(self, items: Sequence[Review], run_id: int | None = None, *,
                       checkpoint: tuple[str, dict | None] | None = None) -> tuple[int, int]:
        """Insert new reviews, refresh changed fields of known ones. Returns (new, already_seen).

        "New" is what this call inserted (INSERT ... ON CONFLICT DO NOTHING RETURNING id), not what
        a lookup beforehand missed: two scrapes of one URL at once both counted the same rows as new.
        The rest, already stored, then get their changed fields refreshed.

        One transaction: committed when this returns, so a crash afterwards loses nothing. With
        `checkpoint=(key, state)` the resume point is saved (state) or cleared (None) in the same
        transaction, so the stored pages and the place to continue can never disagree.
        """
        self.recognise(items)
        unique: dict[str, Review] = {}
        for r in items:
            unique.setdefault(r.id, r)
        rows = [self._review_row(r, run_id) for r in unique.values()]
        # a relative date ("2 weeks ago") fills in a missing date but never replaces a stored one: it was as
        # near when first seen ("3 days ago") and coarsens as the review ages; a calendar date replaces it
        relative = {r.id for r in unique.values() if r.date_relative}
        add = self._insert(reviews).on_conflict_do_nothing(index_elements=[reviews.c.id]).returning(reviews.c.id)
        refresh = self._insert(reviews)
        refresh = refresh.on_conflict_do_update(
            index_elements=[reviews.c.id],
            set_={**{k: refresh.excluded[k] for k in ("text", "content_hash")},
                  # a scrape that lacks a field (a site that changed its layout: a degraded run) keeps
                  # what is stored rather than blanking it; one that has it refreshes it
                  **{k: sa.func.coalesce(refresh.excluded[k], reviews.c[k])
                     for k in ("product", "url", "author", "rating", "title", "date")},
                  # replies and votes arrive after the review: a scrape that carries them fills them
                  # in (votes change, so the newer count wins); one that does not keeps what is stored
                  **{k: sa.func.coalesce(refresh.excluded[k], reviews.c[k]) for k in REPLY_FIELDS},
                  "last_run_id": sa.func.coalesce(refresh.excluded.last_run_id, reviews.c.last_run_id)},
        )
        fields = [{"review_id": r.id, "name": _no_nul(str(k))[:100], "value": _no_nul(str(v))[:300]}
                  for r in unique.values() for k, v in ((r.extra or {}).get("fields") or {}).items()
                  if str(k).strip() and v is not None and str(v).strip()]
        tags = [{"review_id": r.id, "tag": _no_nul(str(t))[:60], "tagged_at": _utcnow()}
                for r in unique.values() for t in (r.extra or {}).get("tags") or () if str(t).strip()]
        put_tag = self._insert(review_tags).on_conflict_do_nothing(
            index_elements=[review_tags.c.review_id, review_tags.c.tag])
        put_field = self._insert(review_fields)
        put_field = put_field.on_conflict_do_update(index_elements=[review_fields.c.review_id, review_fields.c.name],
                                                    set_={"value": put_field.excluded.value})
        new, changed = 0, False
        with self._write() as c:
            for i in range(0, len(rows), 500):
                chunk = rows[i:i + 500]
                inserted = set(c.execute(add, chunk).scalars())
                new += len(inserted)
                existing = [{**r, "date": None} if r["id"] in relative else r for r in chunk if r["id"] not in inserted]
                if existing:
                    changed = changed or self._would_change(c, existing)
                    c.execute(refresh, existing)
            if "star_ratings" not in self.missing_tables:  # a star-only review that got words is a review now
                worded = [r["id"] for r in rows] + _star_ids(unique.values())
                for i in range(0, len(worded), 500):
                    c.execute(star_ratings.delete().where(star_ratings.c.id.in_(worded[i:i + 500])))
            for i in range(0, len(fields), 500):
                c.execute(put_field, fields[i:i + 500])
            for i in range(0, len(tags), 500):  # an import's tags (a file ReviewLens exported): added, never removed
                c.execute(put_tag, tags[i:i + 500])
            if new or changed or tags:  # a page seen again unchanged changes nothing that is computed from them
                self._mark_reviews_written(c)
            if checkpoint is not None:
                key, state = checkpoint
                c.execute(checkpoints.delete().where(checkpoints.c.key == key))
                if state is not None:
                    c.execute(checkpoints.insert().values(key=key, state=json.dumps(state, default=str),
                                                          updated_at=_utcnow()))
        return new, len(unique) - new

    @staticmethod
    def _row_to_review(r: Any) -> Review:
        d = r["date"]
        if isinstance(d, str):
            d = date.fromisoformat(d)
        return Review(source=r["source"], text=r["text"], product=r["product"], url=r["url"],
                      author=r["author"], rating=r["rating"], title=r["title"], date=d,
                      site_review_id=r["site_review_id"], id=r["id"], scraped_at=_dt(r["scraped_at"]),
                      extra=json.loads(r["extra"]) if r["extra"] else {},
                      reply=r.get("reply"), reply_date=_as_date(r.get("reply_date")),
                      helpful_votes=r.get("helpful_votes"),
                      verified=None if r.get("verified") is None else bool(r.get("verified")),
                      language=r.get("language"), version=r.get("version"))

    # ---------------------------------------------------------------- runs
    def start_run(self, kind: str = "scrape", source: str | None = None, trigger: str = "manual",
                  detail: dict | None = None) -> int:
        with self._write() as c:
            res = c.execute(runs.insert().values(
                kind=kind, source=source, trigger=trigger, started_at=_utcnow(), status="running",
                pages=0, reviews_new=0, reviews_seen=0, errors="[]",
                detail=json.dumps(detail or {}, default=str), **process_stamp(), heartbeat_at=_utcnow()))
            run_id = int(res.inserted_primary_key[0])
        self._beat_runs(add=run_id)
        return run_id

    def _beat_runs(self, add: int | None = None, drop: int | None = None) -> None:
        """Keep the heartbeat of this process's running runs (the thread `_beat` starts with the first)."""
        with self._beat_lock:
            if add is not None:
                self._beating.add(add)
            self._beating.discard(drop)
            if self._beating and self._beat_thread is None:
                self._beat_thread = threading.Thread(target=_beat, args=(weakref.ref(self), threading.Event()),
                                                     name="reviewlens-run-heartbeat", daemon=True)
                self._beat_thread.start()

    def update_run(self, run_id: int, *, pages: int = 0, new: int = 0, seen: int = 0,
                   errors: Sequence[dict] = (), detail: dict | None = None) -> None:
        """Add to the run's counters and errors (committed at once)."""
        with self._write() as c:
            row = c.execute(sa.select(runs.c.errors, runs.c.detail).where(runs.c.id == run_id)).one()
            errs = json.loads(row.errors or "[]") + [dict(e) for e in errors]
            det = json.loads(row.detail or "{}")
            det.update(detail or {})
            c.execute(runs.update().where(runs.c.id == run_id).values(
                pages=runs.c.pages + pages, reviews_new=runs.c.reviews_new + new,
                reviews_seen=runs.c.reviews_seen + seen, errors=json.dumps(errs, default=str),
                detail=json.dumps(det, default=str), heartbeat_at=_utcnow()))

    def finish_run(self, run_id: int, status: str, error: str | None = None) -> None:
        with self._write() as c:
            if error:
                row = c.execute(sa.select(runs.c.errors).where(runs.c.id == run_id)).one()
                errs = json.loads(row.errors or "[]") + [{"url": None, "message": error}]
                c.execute(runs.update().where(runs.c.id == run_id).values(errors=json.dumps(errs)))
            c.execute(runs.update().where(runs.c.id == run_id).values(status=status, finished_at=_utcnow()))
        self._beat_runs(drop=run_id)

    def mark_stale_runs(self) -> int:
        """Runs left 'running' by a process that no longer exists become 'interrupted'.

        A run started on this host (and pid namespace: a container is a host of its own) is alive while its
        process is, the same process (its start time, so a reused pid or a container's pid 1 is not taken
        for it); a run started on another host or container, whose processes cannot be seen from here, while
        its heartbeat is younger than HEARTBEAT_STALE. Runs recorded before hosts were (no host): by the pid.
        Housekeeping that reading commands do first: a read-only store skips it (returns 0)."""
        if self.read_only:
            return 0
        n = 0
        with self._write() as c:
            for row in c.execute(sa.select(runs.c.id, runs.c.pid, runs.c.host, runs.c.process, runs.c.started_at,
                                           runs.c.heartbeat_at, runs.c.errors)
                                 .where(runs.c.status == "running")).mappings().all():
                if process_gone(row, row["heartbeat_at"] or row["started_at"]):
                    here = row["host"] in (None, socket.gethostname()[:255])
                    why = ("its process ended without finishing the run (killed, out of memory, or the machine "
                           "stopped)" if here else
                           f"no sign of life from its process on {row['host']} for "
                           f"{int(HEARTBEAT_STALE.total_seconds() // 60)} minutes (killed, or the machine stopped)")
                    errs = json.loads(row["errors"] or "[]") + [{"url": None, "message": why}]
                    c.execute(runs.update().where(runs.c.id == row["id"]).values(
                        status="interrupted", finished_at=_utcnow(), errors=json.dumps(errs)))
                    n += 1
        return n

    def has_run(self, run_id: int) -> bool:
        with self.engine.connect() as c:
            return c.execute(sa.select(runs.c.id).where(runs.c.id == run_id)).first() is not None

    def list_runs(self, limit: int = 50, kind: str | None = None, source: str | None = None) -> list[dict]:
        q = sa.select(runs).order_by(runs.c.id.desc()).limit(limit)
        if kind:
            q = q.where(runs.c.kind == kind)
        if source:
            q = q.where(runs.c.source == source)
        with self.engine.connect() as c:
            return [self._run_row(r) for r in c.execute(q).mappings()]

    @staticmethod
    def _run_row(r: Any) -> dict[str, Any]:
        d = dict(r)
        d["errors"] = json.loads(d["errors"] or "[]")
        d["detail"] = json.loads(d["detail"] or "{}")
        d["started_at"] = _dt(d["started_at"])
        d["finished_at"] = _dt(d["finished_at"])
        d["heartbeat_at"] = _dt(d.get("heartbeat_at"))
        return d

    # ---------------------------------------------------------------- suspicious reviews (reviewlens.integrity)
    _INTEGRITY = ("id", "source", "product", "author", "rating", "date")

    #: What a review seen again may change (upsert_reviews' refresh: a None keeps what is stored)
    _REFRESHED = ("text", "product", "url", "author", "rating", "title", "date", *REPLY_FIELDS)

    def _would_change(self, c: sa.Connection, rows: Sequence[dict[str, Any]]) -> bool:
        """Whether storing `rows` (reviews already stored) changes any of them: a page seen again unchanged
        marks no review written, so the themes and the integrity checks are not computed again for nothing
        (every quiet scheduled run recomputed the themes for minutes)."""
        cols = [reviews.c.id, *(reviews.c[k] for k in self._REFRESHED)]
        stored = {r["id"]: r for r in c.execute(sa.select(*cols).where(
            reviews.c.id.in_([r["id"] for r in rows]))).mappings()}
        for row in rows:
            had = stored.get(row["id"])
            if had is None:
                return True
            for k in self._REFRESHED:
                v = row.get(k)
                if v is None and k != "text":
                    continue  # kept as stored
                was = had[k]
                if isinstance(v, float) or isinstance(was, float):
                    if was is None or v is None or abs(float(was) - float(v)) > 1e-9:
                        return True
                elif (was.date() if isinstance(was, datetime) else was) != v:
                    return True
        return False

    def _mark_reviews_written(self, c: sa.Connection) -> None:
        """Record, in the transaction `c` that writes reviews, that the reviews changed (a new token)."""
        put = self._insert(checkpoints)
        put = put.on_conflict_do_update(index_elements=[checkpoints.c.key],
                                        set_={"state": put.excluded.state, "updated_at": put.excluded.updated_at})
        c.execute(put, {"key": REVIEWS_WRITTEN, "state": json.dumps({"token": os.urandom(8).hex()}),
                        "updated_at": _utcnow()})

    def reviews_stamp(self) -> str:
        """What changes when a review is added, deleted or changed: the token the last write of reviews left
        and how many there are; for a store written before the token, a digest of what the integrity checks
        read of every review but its text (its content hash instead)."""
        written = self.load_checkpoint(REVIEWS_WRITTEN)
        if written and written.get("token"):
            return f"{written['token']}:{self.count_reviews()}"
        h = hashlib.sha256()
        q = sa.select(*[reviews.c[k] for k in self._INTEGRITY], reviews.c.content_hash).order_by(reviews.c.id)
        with self.engine.connect() as c:
            for row in c.execute(q):
                h.update("\x1f".join("" if v is None else str(v) for v in row).encode("utf-8"))
                h.update(b"\x1e")
        return h.hexdigest()[:32]

    def integrity_rows(self) -> list[dict[str, Any]]:
        """Every review's id, source, product, author, rating, date and text (what the checks read)."""
        q = sa.select(*[reviews.c[k] for k in self._INTEGRITY], reviews.c.text)
        with self.engine.connect() as c:
            rows = [dict(r) for r in c.execute(q).mappings()]
        for r in rows:
            r["date"] = _as_date(r["date"])
        return rows

    def save_flags(self, findings: Sequence[dict[str, Any]], checkpoint: dict) -> None:
        """Replace the stored findings (dicts of reviewlens.integrity.Finding) and record what they were found
        on (`checkpoint`), in one transaction."""
        rows = [{"finding": f["key"][:120], "review_id": i, "kind": f["kind"], "title": f["title"],
                 "detail": json.dumps(f["detail"], default=str, ensure_ascii=False)}
                for f in findings for i in f["review_ids"]]
        with self._write() as c:
            c.execute(review_flags.delete())
            for i in range(0, len(rows), 1000):
                c.execute(review_flags.insert(), rows[i:i + 1000])
            c.execute(checkpoints.delete().where(checkpoints.c.key == FLAGS_CHECKPOINT))
            c.execute(checkpoints.insert().values(key=FLAGS_CHECKPOINT, state=json.dumps(checkpoint),
                                                  updated_at=_utcnow()))

    def flag_kinds(self) -> dict[str, list[str]]:
        """Review id -> the kinds of the stored findings it is in (copied, burst, repeat), for the reviews in any."""
        if "review_flags" in self.missing_tables:
            return {}
        out: dict[str, set[str]] = {}
        with self.engine.connect() as c:
            for rid, kind in c.execute(sa.select(review_flags.c.review_id, review_flags.c.kind).distinct()):
                out.setdefault(rid, set()).add(kind)
        return {k: sorted(v) for k, v in out.items()}

    def flag_findings(self) -> list[dict[str, Any]]:
        """The stored findings, as dicts of reviewlens.integrity.Finding, in the order they were saved."""
        if "review_flags" in self.missing_tables:
            return []
        out: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as c:
            for r in c.execute(sa.select(review_flags).order_by(review_flags.c.kind, review_flags.c.finding)):
                f = out.setdefault(r.finding, {"kind": r.kind, "key": r.finding, "title": r.title,
                                               "review_ids": [], "detail": json.loads(r.detail or "{}")})
                f["review_ids"].append(r.review_id)
        order = {"copied": 0, "burst": 1, "repeat": 2, "spree": 3}
        return sorted(out.values(), key=lambda f: (order.get(f["kind"], 3), -len(f["review_ids"]), f["key"]))

    # ---------------------------------------------------------------- checkpoints (resume)
    def load_checkpoint(self, key: str) -> dict | None:
        with self.engine.connect() as c:
            v = c.execute(sa.select(checkpoints.c.state).where(checkpoints.c.key == key)).scalar()
            return json.loads(v) if v else None

    # ---------------------------------------------------------------- analysis
    def pending_analysis(self, model: str, prompt_version: str, limit: int | None = None,
                         retry_failed: bool = False, retranslate: bool = False,
                         only: Sequence[sa.ColumnElement] | None = None) -> list[Review]:
        """Reviews whose text has no analysis yet for this model and prompt version (`retry_failed`: or
        whose analysis failed; `retranslate`: or whose analysis found it in another language than English,
        to read it again in a new translation, by a larger model installed since), the newest first (by review
        date); `only`: of the reviews these conditions keep (queries.conditions of an `analyze` selection).

        One review per distinct text: identical texts share one analysis.
        """
        q = (sa.select(reviews).where(reviews.c.id.in_(self._pending_ids(model, prompt_version, retry_failed,
                                                                          retranslate, only)))
             .order_by(reviews.c.date.desc().nulls_last(), reviews.c.id))
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as c:
            return [self._row_to_review(r) for r in c.execute(q).mappings()]

    def count_pending(self, model: str, prompt_version: str, only: Sequence[sa.ColumnElement] | None = None) -> int:
        """How many review texts `pending_analysis` would give (without a limit): what is still not analyzed."""
        ids = self._pending_ids(model, prompt_version, False, False, only).subquery()
        with self.engine.connect() as c:
            return int(c.execute(sa.select(sa.func.count()).select_from(ids)).scalar() or 0)

    def _pending_ids(self, model: str, prompt_version: str, retry_failed: bool, retranslate: bool,
                     only: Sequence[sa.ColumnElement] | None) -> sa.Select:
        """One review id per text that has no (successful, with `retry_failed`; English, with `retranslate`)
        analysis for this model and prompt version, among the reviews the conditions `only` keep."""
        done = sa.select(analyses.c.content_hash).where(
            analyses.c.model == model, analyses.c.prompt_version == prompt_version)
        if retry_failed:
            done = done.where(analyses.c.status == "ok")
        if retranslate:
            done = done.where(sa.or_(analyses.c.language.is_(None), analyses.c.language == "en"))
        return (sa.select(sa.func.min(reviews.c.id))
                .where(reviews.c.content_hash.not_in(done), *(only or ()))
                .group_by(reviews.c.content_hash))

    def current_sentiments(self, hashes: Iterable[str]) -> dict[str, str]:
        """content hash -> the sentiment of its current analysis (before a new one replaces it), of those
        texts analyzed with success."""
        a = analyses.c
        todo = sorted(set(hashes))
        out: dict[str, str] = {}
        with self.engine.connect() as c:
            for i in range(0, len(todo), 500):
                out.update((h, s) for h, s in c.execute(sa.select(a.content_hash, a.sentiment).where(
                    a.content_hash.in_(todo[i:i + 500]), a.is_current.is_(True), a.status == "ok")) if s)
        return out

    def current_models(self, hashes: Iterable[str]) -> Counter:
        """The model of each current analysis among `hashes` (texts analyzed with success), counted: which
        earlier results a run is about to read again (`reviewlens analyze` says so before it starts)."""
        a = analyses.c
        todo = sorted(set(hashes))
        out: Counter = Counter()
        with self.engine.connect() as c:
            for i in range(0, len(todo), 500):
                out.update(m for (m,) in c.execute(sa.select(a.model).where(
                    a.content_hash.in_(todo[i:i + 500]), a.is_current.is_(True), a.status == "ok")))
        return out

    def redo_analyses(self, select: Callable[[str], bool], key: str) -> int:
        """Once per `key` (a checkpoint records it): delete the analyses, of every model and version, of the
        texts `select` picks, so that the next analysis reads them again (a fix that changes how some
        texts are read, without re-analyzing every review). Returns how many analyzed texts it picked;
        0 when done before or when the store is read-only."""
        if self.read_only or self.load_checkpoint(key) is not None:
            return 0
        with self.engine.connect() as c:
            hashes = sorted({h for h, text in c.execute(sa.select(reviews.c.content_hash, reviews.c.text))
                             if select(text or "")})
        redone = 0
        with self._write() as c:
            for i in range(0, len(hashes), 500):
                redone += int(c.execute(sa.select(sa.func.count(sa.distinct(analyses.c.content_hash)))
                                        .where(analyses.c.content_hash.in_(hashes[i:i + 500]))).scalar_one())
            self._delete_analyses(c, hashes)
        self.save_checkpoint(key, {"texts": redone})
        return redone

    def analyses_at(self, model: str, versions: Sequence[str], *, not_at: str, after: str = "",
                    limit: int = 500) -> list[tuple[str, Analysis]]:
        """(text, analysis) of up to `limit` texts, in content-hash order after `after`, whose successful
        current analysis by `model` has one of `versions` and none at `not_at` (the analyses that a newer
        version of one task can bring up to date without analyzing the text again)."""
        if not versions:
            return []
        newer = sa.select(analyses.c.content_hash).where(analyses.c.model == model,
                                                         analyses.c.prompt_version == not_at)
        text = (sa.select(reviews.c.text).where(reviews.c.content_hash == analyses.c.content_hash)
                .limit(1).scalar_subquery())
        q = (sa.select(analyses, text.label("review_text"))
             .where(analyses.c.model == model, analyses.c.prompt_version.in_(list(versions)),
                    analyses.c.status == "ok", analyses.c.is_current.is_(True),
                    analyses.c.content_hash > after, analyses.c.content_hash.not_in(newer))
             .order_by(analyses.c.content_hash).limit(limit))
        with self.engine.connect() as c:
            return [(r["review_text"], self._row_to_analysis(r)) for r in c.execute(q).mappings()
                    if r["review_text"] is not None]

    def known_translations(self, hashes: Iterable[str], translated_by: str) -> dict[str, tuple[str, str]]:
        """The English translations `translated_by` (Analyzer.translation_key) made before of the texts `hashes`,
        in any of their stored analyses: content hash -> (language, translation). A text analyzed again because
        the labels or settings changed is then not translated again: the same translator gives the same words."""
        rows = self._earlier_analyses(hashes, analyses.c.translated_by == translated_by,
                                      analyses.c.translation.is_not(None), cols=("language", "translation"))
        return {h: (lang, tr) for h, lang, tr in rows if lang and tr}

    def known_entities(self, hashes: Iterable[str], found_by: str) -> dict[str, list[Entity]]:
        """The entities the finder `found_by` (Analyzer.entities_key) found before in the texts `hashes`, in any of
        their stored analyses: content hash -> entities (an empty list: it found none). The latest wins."""
        rows = self._earlier_analyses(hashes, analyses.c.entities_by == found_by, cols=("entities",))
        return {h: [Entity(**e) for e in _json_list(ents)] for h, ents in rows}

    def _earlier_analyses(self, hashes: Iterable[str], *where: sa.ColumnElement[bool],
                          cols: Sequence[str]) -> list[tuple]:
        """(content hash, *cols) of the successful stored analyses of `hashes` that `where` keeps, oldest first
        (so that a dict made of them keeps the latest), 500 hashes a statement."""
        hashes = list(dict.fromkeys(hashes))
        out: list[tuple] = []
        with self.engine.connect() as c:
            for i in range(0, len(hashes), 500):
                q = (sa.select(analyses.c.content_hash, *[analyses.c[k] for k in cols])
                     .where(analyses.c.content_hash.in_(hashes[i:i + 500]), analyses.c.status == "ok", *where)
                     .order_by(analyses.c.analyzed_at))
                out += [tuple(r) for r in c.execute(q)]
        return out

    @staticmethod
    def _row_to_analysis(r: Any) -> Analysis:
        return Analysis(content_hash=r["content_hash"], model=r["model"], prompt_version=r["prompt_version"],
                        status=r["status"], error=r["error"], sentiment=r["sentiment"],
                        sentiment_score=r["sentiment_score"], topics=json.loads(r["topics"] or "[]"),
                        entities=json.loads(r["entities"] or "[]"), analyzed_at=_dt(r["analyzed_at"]),
                        language=r["language"], translation=r["translation"], translated_by=r["translated_by"],
                        entities_by=r["entities_by"])

    def save_analyses(self, items: Sequence[Analysis]) -> None:
        """Store results; each becomes the current analysis of its text (one transaction)."""
        if not items:
            return
        with self._write() as c:
            texts = self._texts_of(c, [a.content_hash for a in items  # only texts that name a product or brand
                                       if a.status == "ok" and any(e.type in COMPARED_KINDS for e in a.entities)])
            for a in items:
                row = {
                    "content_hash": a.content_hash, "model": a.model, "prompt_version": a.prompt_version,
                    "status": a.status, "error": a.error, "sentiment": a.sentiment,
                    "sentiment_score": a.sentiment_score,
                    "topics": json.dumps([asdict(t) for t in a.topics], ensure_ascii=False),
                    "entities": json.dumps([asdict(e) for e in a.entities], ensure_ascii=False),
                    "analyzed_at": a.analyzed_at or _utcnow(), "is_current": True,
                    "language": (a.language or None) and a.language[:8], "translation": a.translation,
                    "translated_by": (a.translated_by or None) and a.translated_by[:200],
                    "entities_by": (a.entities_by or None) and a.entities_by[:200],
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
                if "review_comparisons" not in self.missing_tables:
                    c.execute(review_comparisons.delete().where(review_comparisons.c.content_hash == a.content_hash))
                if a.status == "ok":
                    topics = {t.topic: t.sentiment for t in a.topics}
                    if topics:
                        c.execute(review_topics.insert(), [
                            {"content_hash": a.content_hash, "topic": t, "sentiment": s} for t, s in topics.items()])
                    if a.entities:
                        c.execute(review_entities.insert(), [
                            {"content_hash": a.content_hash, "text": e.text[:500], "type": e.type,
                             "start": e.start, "end": e.end, "sentiment": e.sentiment} for e in a.entities])
                        self._save_comparisons(c, a.content_hash, texts.get(a.content_hash), a.entities,
                                               a.translation if a.language and a.language != "en" else None)

    @staticmethod
    def _texts_of(c: sa.Connection, hashes: Sequence[str]) -> dict[str, str]:
        """The text of each of `hashes` (a review's; identical texts share a hash)."""
        out: dict[str, str] = {}
        for i in range(0, len(hashes), 500):
            part = list(hashes[i:i + 500])
            out.update(c.execute(sa.select(reviews.c.content_hash, reviews.c.text)
                                 .where(reviews.c.content_hash.in_(part))).all())
        return out

    def _save_comparisons(self, c: sa.Connection, content_hash: str, text: str | None, entities: Sequence[Any],
                          translation: str | None) -> None:
        """The names the text compares with (reviewlens.comparing), as rows of review_comparisons."""
        if text is None or "review_comparisons" in self.missing_tables:
            return
        rows = [{"content_hash": content_hash, "name": x.name[:500], "type": x.type, "start": x.start, "end": x.end,
                 "sentence_start": x.sentence_start, "sentence_end": x.sentence_end, "direction": x.direction}
                for x in comparing.find(text, entities, translation)]
        if rows:
            c.execute(review_comparisons.insert(), rows)

    def comparisons_current(self) -> bool:
        """Whether the stored comparisons are those of the current rules (`comparing.VERSION`), for every text."""
        return "review_comparisons" not in self.missing_tables and \
            (self.load_checkpoint(COMPARISONS_CHECKPOINT) or {}).get("version") == comparing.VERSION

    def fill_comparisons(self) -> int:
        """Once per version of the comparison rules (a checkpoint records it): find the comparisons of every
        current analysis again (a store analyzed before they were stored, or by older rules). Returns how many
        texts it read; 0 when done before or when the store is read-only."""
        if self.read_only or self.comparisons_current():
            return 0
        a = analyses.c
        q = (sa.select(a.content_hash, a.entities, a.language, a.translation)
             .where(a.is_current.is_(True), a.status == "ok",
                    a.content_hash.in_(sa.select(review_entities.c.content_hash)
                                       .where(review_entities.c.type.in_(COMPARED_KINDS)))))
        n = 0
        with self._write() as c:
            # one filler at a time (the Overview reads competitors and names at once; several processes may
            # share a store): the write lock first, then whether another filled them meanwhile
            self._lock_writes(c)
            state = c.execute(sa.select(checkpoints.c.state).where(checkpoints.c.key == COMPARISONS_CHECKPOINT)).scalar()
            if state and json.loads(state).get("version") == comparing.VERSION:
                return 0
            rows = c.execute(q).all()
            c.execute(review_comparisons.delete())
            for i in range(0, len(rows), 500):
                part = rows[i:i + 500]
                texts = self._texts_of(c, [r.content_hash for r in part])
                for r in part:
                    ents = [Entity(**e) for e in json.loads(r.entities or "[]")]
                    self._save_comparisons(c, r.content_hash, texts.get(r.content_hash), ents,
                                           r.translation if r.language and r.language != "en" else None)
                    n += 1
            self._set_checkpoint(c, COMPARISONS_CHECKPOINT, {"version": comparing.VERSION, "texts": n})
        return n

    def _lock_writes(self, c: sa.Connection) -> None:
        """Within a write transaction: wait for the store's write lock now (PostgreSQL: a transaction-scoped
        advisory lock of this schema; SQLite: a write, which takes the database's one write lock), so what
        the transaction reads next no other writer of this kind changes before it commits."""
        if self.dialect == "postgresql":
            c.execute(sa.text("SELECT pg_advisory_xact_lock(20261, hashtext(current_schema()))"))
        else:
            c.execute(checkpoints.delete().where(checkpoints.c.key == "\x00lock"))

    # ---------------------------------------------------------------- frames (reviews + current analysis)
    @staticmethod
    def _within(q: sa.Select, since: date | None, until: date | None, products: Sequence[str] | None,
                sources: Sequence[str] | None, fields: Sequence[tuple[str, Sequence[str]]] = (),
                tags: Sequence[str] = (), suspicious: bool | None = None, mentions: Sequence[str] = (),
                said: str | None = None) -> sa.Select:
        """`q` limited to reviews dated `since`..`until` (each optional) of `products` and `sources` (when given),
        with `fields` (the user's own: (name, values) pairs, as `Filters.fields`), any of `tags`, (`suspicious`)
        only or none of those that look suspicious (the findings last saved), and naming any of `mentions`."""
        if mentions:
            q = q.where(mentioning(mentions, said))
        if tags:
            q = q.where(reviews.c.id.in_(sa.select(review_tags.c.review_id).where(review_tags.c.tag.in_(list(tags)))))
        if suspicious is not None:
            flagged = reviews.c.id.in_(sa.select(review_flags.c.review_id))
            q = q.where(flagged if suspicious else ~flagged)
        for name, values in fields or ():
            rf = review_fields.c
            q = q.where(reviews.c.id.in_(sa.select(rf.review_id).where(rf.name == name, rf.value.in_(list(values)))))
        if since:
            q = q.where(reviews.c.date >= since)
        if until:
            q = q.where(reviews.c.date <= until)
        if products:
            q = q.where(reviews.c.product.in_(list(products)))
        if sources:
            q = q.where(reviews.c.source.in_(list(sources)))
        return q

    def reviews_frame(self, *, since: date | None = None, until: date | None = None,
                      products: Sequence[str] | None = None, sources: Sequence[str] | None = None,
                      limit: int | None = None, fields: Sequence[tuple[str, Sequence[str]]] = (),
                      tags: Sequence[str] = (), suspicious: bool | None = None,
                      mentions: Sequence[str] = (), said: str | None = None,
                      languages: Sequence[str] = ()) -> pd.DataFrame:
        """Reviews joined with their current analysis, newest first. Topics/entities as parsed lists; `fields`:
        only reviews with these values of the user's own fields ((name, values) pairs); `languages`: only those
        the current analysis found in one of these (as `Filters.languages`); `tags`: with any of
        these tags; `suspicious`: only (True) or none (False) of those that look suspicious; `mentions`: naming
        any of these names (`mentioning`; `said`: speaking so of one of them)."""
        q = self._reviews_select(since=since, until=until, products=products, sources=sources, limit=limit,
                                 fields=fields, tags=tags, suspicious=suspicious, mentions=mentions, said=said,
                                 languages=languages)
        with self.engine.connect() as c:
            df = pd.DataFrame(c.execute(q).mappings().all())
        cols = REVIEW_FIELDS + list(REPLY_FIELDS) + ["content_hash", "scraped_at", "site_review_id", "analysis_status", "analysis_error", "sentiment",
                                "sentiment_score", "topics", "entities", "model"]
        if df.empty:
            return pd.DataFrame(columns=cols)
        df["date"] = pd.to_datetime(df["date"]).dt.date
        df["reply_date"] = df["reply_date"].map(_as_date)
        df["topics"] = df["topics"].map(_json_list)
        df["entities"] = df["entities"].map(_json_list)
        return df

    def _reviews_select(self, *, since: date | None = None, until: date | None = None,
                        products: Sequence[str] | None = None, sources: Sequence[str] | None = None,
                        limit: int | None = None, fields: Sequence[tuple[str, Sequence[str]]] = (),
                        tags: Sequence[str] = (), suspicious: bool | None = None, mentions: Sequence[str] = (),
                        said: str | None = None, languages: Sequence[str] = (), versions: Sequence[str] = ()
                        ) -> sa.Select:
        """The SELECT of `reviews_frame` (its filters, newest first), for it and for the streamed export;
        `versions`: only reviews of these app versions."""
        a = analyses.alias("a")
        q = (sa.select(*[reviews.c[f] for f in REVIEW_FIELDS + list(REPLY_FIELDS)], reviews.c.content_hash,
                       reviews.c.scraped_at, reviews.c.site_review_id,
                       a.c.status.label("analysis_status"), a.c.error.label("analysis_error"),
                       a.c.sentiment, a.c.sentiment_score, a.c.topics, a.c.entities, a.c.model,
                       a.c.language.label("detected_language"), a.c.translation)
             .select_from(reviews.outerjoin(a, sa.and_(a.c.content_hash == reviews.c.content_hash, a.c.is_current)))
             .order_by(reviews.c.date.desc().nulls_last(), reviews.c.id))
        if suspicious is not None and "review_flags" in self.missing_tables:  # a read-only older store: none saved
            q, suspicious = (q.where(sa.false()) if suspicious else q), None
        q = self._within(q, since, until, products, sources, fields, tags, suspicious, mentions, said)
        if languages:
            q = q.where(a.c.language.in_(list(languages)))
        if versions:
            q = q.where(reviews.c.version.in_(list(versions)))
        if limit:
            q = q.limit(limit)
        return q

    def _of_reviews(self, table: sa.Table, ids: Sequence[str], *columns: str) -> Iterator[tuple]:
        """(review_id, *columns) of `table`'s rows for the reviews `ids` (in chunks: a statement takes so many
        parameters), ordered by the columns; none when a read-only older store lacks the table."""
        if table.name in self.missing_tables:
            return
        ids = list(dict.fromkeys(map(str, ids)))
        cols = [table.c[k] for k in columns]
        with self.engine.connect() as c:
            for i in range(0, len(ids), 900):
                yield from c.execute(sa.select(table.c.review_id, *cols)
                                     .where(table.c.review_id.in_(ids[i:i + 900])).order_by(*cols))

    def fields_of(self, ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """The user's own fields (an import's other columns) of the reviews `ids`: id -> {name: value}."""
        out: dict[str, dict[str, str]] = {}
        for rid, name, value in self._of_reviews(review_fields, ids, "name", "value"):
            out.setdefault(rid, {})[name] = value
        return out

    def field_counts(self, names: Sequence[str]) -> dict[str, int]:
        """How many reviews have each of the own fields `names` (those with none left out)."""
        if not names or "review_fields" in self.missing_tables:
            return {}
        with self.engine.connect() as c:
            q = (sa.select(review_fields.c.name, sa.func.count()).where(review_fields.c.name.in_(list(names)))
                 .group_by(review_fields.c.name))
            return {name: n for name, n in c.execute(q)}

    def drop_fields(self, names: Sequence[str]) -> int:
        """Delete the own fields `names` of every review (`privacy --mask`: columns of the reviewers' contact details
        an import kept before it left them out), where they are read from and in each review's `extra`, in one
        transaction. Returns how many reviews had any."""
        names = list(names)
        if not names or "review_fields" in self.missing_tables:
            return 0
        with self._write() as c:
            ids = list(c.execute(sa.select(review_fields.c.review_id).distinct()
                                 .where(review_fields.c.name.in_(names))).scalars())
            c.execute(review_fields.delete().where(review_fields.c.name.in_(names)))
            for i in range(0, len(ids), 500):
                q = sa.select(reviews.c.id, reviews.c.extra).where(reviews.c.id.in_(ids[i:i + 500]))
                for rid, extra in c.execute(q).all():
                    try:
                        data = json.loads(extra) if extra else {}
                    except ValueError:
                        continue
                    own = data.get("fields") if isinstance(data, dict) else None
                    if isinstance(own, dict) and any(k in own for k in names):
                        data["fields"] = {k: v for k, v in own.items() if k not in names}
                        if not data["fields"]:
                            del data["fields"]
                        c.execute(reviews.update().where(reviews.c.id == rid)
                                  .values(extra=json.dumps(data, ensure_ascii=False, default=str)))
            if ids:
                self._mark_reviews_written(c)  # a dashboard's field filters are read again
        if ids:
            self._cut_write_ahead_log()
        return len(ids)

    # ---------------------------------------------------------------- tags (reviewlens.tags)
    def tags_of(self, ids: Sequence[str]) -> dict[str, list[str]]:
        """The tags of the reviews `ids`: id -> tags (sorted), for those that have any."""
        out: dict[str, list[str]] = {}
        for rid, tag in self._of_reviews(review_tags, ids, "tag"):
            out.setdefault(rid, []).append(tag)
        return out

    def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag in use and how many reviews have it, the most used first."""
        if "review_tags" in self.missing_tables:
            return []
        t = review_tags.c
        n = sa.func.count().label("n")
        with self.engine.connect() as c:
            return [(tag, int(k)) for tag, k in c.execute(sa.select(t.tag, n).group_by(t.tag)
                                                            .order_by(sa.desc("n"), t.tag))]

    def add_tags(self, ids: Sequence[str], tags: Sequence[str]) -> int:
        """Tag the reviews `ids` (they must be stored: KeyError naming one that is not) with `tags` (cleaned
        by reviewlens.tags.clean_tag; ValueError for a bad one; a tag in use in another case or spacing is that
        tag, in its stored spelling). Returns how many (review, tag) pairs are new."""
        from .tags import as_stored, clean_tags

        known = [t for t, _ in self.tag_counts()]
        tags = list(dict.fromkeys(as_stored(t, known) for t in clean_tags(tags)))
        ids = list(dict.fromkeys(map(str, ids)))
        known = self.known_ids(ids)
        missing = [i for i in ids if i not in known]
        if missing:
            raise KeyError(f"no review with id {missing[0]!r} in the store")
        put = self._insert(review_tags).on_conflict_do_nothing(
            index_elements=[review_tags.c.review_id, review_tags.c.tag]).returning(review_tags.c.review_id)
        now = _utcnow()
        rows = [{"review_id": i, "tag": t, "tagged_at": now} for i in ids for t in tags]
        new = 0
        with self._write() as c:
            for k in range(0, len(rows), 500):
                new += len(c.execute(put, rows[k:k + 500]).all())
        return new

    def remove_tags(self, ids: Sequence[str], tags: Sequence[str]) -> int:
        """Take `tags` off the reviews `ids`; how many (review, tag) pairs there were."""
        from .tags import clean_tags

        tags, ids = clean_tags(tags), list(dict.fromkeys(map(str, ids)))
        t = review_tags.c
        n = 0
        with self._write() as c:
            for k in range(0, len(ids), 900):
                n += int(c.execute(review_tags.delete().where(t.review_id.in_(ids[k:k + 900]), t.tag.in_(tags)))
                         .rowcount or 0)
        return n

    def set_tags(self, review_id: str, tags: Sequence[str]) -> tuple[list[str], list[str]]:
        """Make `tags` the tags of one review: (added, removed); a tag in use in another case or spacing is that
        tag (the dashboard's tag box: "escalated" typed where "Escalated" is in use)."""
        from .tags import as_stored, clean_tags

        known = [t for t, _ in self.tag_counts()]
        wanted = list(dict.fromkeys(as_stored(t, known) for t in clean_tags(tags)))
        have = self.tags_of([review_id]).get(review_id, [])
        added, removed = [t for t in wanted if t not in have], [t for t in have if t not in wanted]
        if removed:
            self.remove_tags([review_id], removed)
        if added:
            self.add_tags([review_id], added)
        return added, removed

    def field_names(self) -> list[str]:
        """Every name of the user's own fields in the store, alphabetically."""
        if "review_fields" in self.missing_tables:
            return []
        with self.engine.connect() as c:
            return list(c.execute(sa.select(review_fields.c.name).distinct().order_by(review_fields.c.name)).scalars())

    def places(self, ids: Sequence[str], city: Sequence[str] = (), street: Sequence[str] = (),
               address: Sequence[str] = ()) -> list[tuple[str, tuple[str, ...], str, str, str]]:
        """The places the stored reviews are of, by the user's own fields that hold a place's id (`ids`: a
        scraper may give a review two, Outscraper's place_id and google_id) and say where it is: one (product,
        the place's ids in the order of `ids` ("" where a review has none), city, street, address) for each
        product and set of ids, where it is as one of its reviews says ("" for what it does not). A grouped
        query, whatever the number of reviews, and one of the fields of a review a place."""
        if not ids or "review_fields" in self.missing_tables:
            return []
        joined: Any = reviews
        id_cols = []
        for i, name in enumerate(ids):
            f = review_fields.alias(f"id{i}")
            joined = joined.outerjoin(f, sa.and_(f.c.review_id == reviews.c.id, f.c.name == name))
            id_cols.append(f.c.value)
        q = (sa.select(reviews.c.product, *id_cols, sa.func.min(reviews.c.id)).select_from(joined)
             .where(reviews.c.product.is_not(None), sa.or_(*(c.is_not(None) for c in id_cols)))
             .group_by(reviews.c.product, *id_cols))
        kinds = {name: k for k, names in enumerate((city, street, address)) for name in names}
        with self.engine.connect() as c:
            groups = [(r[0], tuple(v or "" for v in r[1:-1]), r[-1]) for r in c.execute(q)]
            where: dict[str, list[str]] = {}
            one = sorted({rid for *_, rid in groups})
            for k in range(0, len(one) if kinds else 0, 500):
                for rid, name, value in c.execute(sa.select(review_fields.c.review_id, review_fields.c.name,
                                                            review_fields.c.value).where(
                        review_fields.c.review_id.in_(one[k:k + 500]), review_fields.c.name.in_(list(kinds)))):
                    slots = where.setdefault(rid, ["", "", ""])
                    slots[kinds[name]] = slots[kinds[name]] or value
        return [(product, pids, *(where.get(rid) or ("", "", ""))) for product, pids, rid in groups]

    def rename_place(self, product: str, ids: Sequence[str], pids: Sequence[str], new: str) -> int:
        """Store the reviews of `product` whose own field of a place's id (any of `ids`) is one of `pids` under the
        product `new` (a chain's name becoming the branch's: `places.Branches`). Returns how many."""
        if not ids or not pids or "review_fields" in self.missing_tables:
            return 0
        with self._write() as c:
            n = c.execute(reviews.update().where(
                reviews.c.product == product,
                reviews.c.id.in_(sa.select(review_fields.c.review_id).where(review_fields.c.name.in_(list(ids)),
                                                                            review_fields.c.value.in_(list(pids)))))
                .values(product=new)).rowcount
            if "star_ratings" not in self.missing_tables:  # its ratings without words, by their place
                c.execute(star_ratings.update().where(star_ratings.c.product == product,
                                                      star_ratings.c.place.in_(list(pids))).values(product=new))
            if n:
                self._mark_reviews_written(c)
        return n

    def iter_export_records(self, *, chunk: int | None = None, **filters: Any) -> Iterator[dict[str, Any]]:
        """One plain dict per review (export schema), newest first as `reviews_frame`: missing values are None,
        dates ISO 8601; `fields`: the user's own fields ({name: value}); `suspicious`: why it looks suspicious
        (reviewlens.integrity's kinds, as last checked; [] for none); `tags`: the team's tags.

        Streamed: `chunk` rows (EXPORT_CHUNK) at a time from one query (a server-side cursor on PostgreSQL), with
        their fields and tags read per chunk, so an export of any size holds a chunk or two in memory, not the
        whole store as a frame and a list of dicts as before (bench/bench_export.py)."""
        chunk = chunk or EXPORT_CHUNK
        flags = self.flag_kinds()
        q = self._reviews_select(**filters)
        with self.engine.connect().execution_options(stream_results=True, yield_per=chunk) as c:
            for part in c.execute(q).mappings().partitions(chunk):
                ids = [r["id"] for r in part]
                fields, tags = self.fields_of(ids), self.tags_of(ids)
                for rec in part:
                    yield self._export_record(rec, fields, flags, tags)

    @staticmethod
    def _export_record(rec: Any, fields: dict, flags: dict, tags: dict) -> dict[str, Any]:
        def num(v: Any, kind: type) -> Any:
            return None if v is None else kind(v)

        day, replied = _as_date(rec["date"]), _as_date(rec["reply_date"])
        return {
            "id": rec["id"], "source": rec["source"], "product": rec["product"], "url": rec["url"],
            "author": rec["author"], "rating": num(rec["rating"], float),
            "title": rec["title"], "text": rec["text"],
            "date": day.isoformat() if day else None,
            "reply": rec["reply"], "reply_date": replied.isoformat() if replied else None,
            "helpful_votes": num(rec["helpful_votes"], int), "verified": num(rec["verified"], bool),
            "language": rec["language"], "version": rec["version"],
            "site_review_id": rec["site_review_id"],  # the site's (or the imported file's) own id
            "sentiment": rec["sentiment"], "sentiment_score": num(rec["sentiment_score"], float),
            "topics": _json_list(rec["topics"]), "entities": _json_list(rec["entities"]),
            "analysis_status": rec["analysis_status"], "analysis_error": rec["analysis_error"],
            "detected_language": rec["detected_language"], "translation": rec["translation"],
            "fields": fields.get(rec["id"], {}),
            "suspicious": flags.get(rec["id"], []),
            "tags": tags.get(rec["id"], []),
        }

    # ---------------------------------------------------------------- complaint themes
    def save_complaints(self, themes: Sequence[ComplaintTheme], scope: dict | None = None,
                        kind: str = "complaints") -> str:
        """Store one computation of themes (`kind`: complaints or praise, see THEME_TABLES); its batch id."""
        table = theme_table(kind)
        batch = _utcnow().strftime("%Y%m%dT%H%M%S.%f")
        now = _utcnow()
        rows = [{
            "batch": batch, "computed_at": now, "scope": json.dumps(scope or {}, default=str), "rank": i + 1,
            "label": t.label, "summary": t.summary, "topic": t.topic, "count": t.count, "share": t.share,
            "previous_count": t.previous_count, "trend": t.trend,
            "quotes": json.dumps([asdict(q) for q in t.quotes], ensure_ascii=False),
            "review_ids": json.dumps(t.review_ids),
        } for i, t in enumerate(themes)]
        with self._write() as c:
            if rows:
                c.execute(table.insert(), rows)
        return batch

    def check_writable(self) -> None:
        """StoreReadOnly at once, with the message every write gives, when the store cannot be written: for a
        command that writes only after long work (`complaints` computes for minutes, then stores the themes)."""
        with self._write() as c:  # a write that changes nothing: the database says whether it may write
            c.execute(checkpoints.update().where(sa.false()).values(key=checkpoints.c.key))

    def analyses_changed_at(self) -> datetime | None:
        """When the newest analysis was saved, or the reviews last changed (added, edited, deleted), whichever
        is later: themes computed before it are out of date (reviewlens.app.jobs.themes_outdated). None when no
        review is analyzed."""
        with self.engine.connect() as c:
            newest = c.execute(sa.select(sa.func.max(analyses.c.analyzed_at)).where(analyses.c.status == "ok")).scalar()
            if newest is None:
                return None
            written = c.execute(sa.select(checkpoints.c.updated_at).where(checkpoints.c.key == REVIEWS_WRITTEN)).scalar()
        return max(t for t in (_dt(newest), _dt(written)) if t is not None)

    # ---------------------------------------------------------------- alerts
    def save_checkpoint(self, key: str, state: dict) -> None:
        with self._write() as c:
            self._set_checkpoint(c, key, state)

    def _set_checkpoint(self, c: sa.Connection, key: str, state: dict) -> None:
        """Checkpoint `key` set to `state` in one statement (two writers at once: the last one's stands; a
        delete and an insert let both insert on PostgreSQL, and the second failed on the key)."""
        stmt = self._insert(checkpoints).values(key=key, state=json.dumps(state, default=str), updated_at=_utcnow())
        c.execute(stmt.on_conflict_do_update(index_elements=[checkpoints.c.key],
                                             set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at}))

    def replace_checkpoint(self, key: str, old: dict, new: dict) -> bool:
        """Set checkpoint `key` to `new` only if it still holds `old` (as `load_checkpoint` read it), in one
        UPDATE: of several processes that read the same state, one wins (True)."""
        with self._write() as c:
            done = c.execute(checkpoints.update()
                             .where(checkpoints.c.key == key, checkpoints.c.state == json.dumps(old, default=str))
                             .values(state=json.dumps(new, default=str), updated_at=_utcnow()))
            return done.rowcount == 1

    def runs_started_since(self, since: datetime, kind: str) -> list[dict]:
        """The finished runs of `kind` started at or after `since`, oldest first (for the alert rules)."""
        q = (sa.select(runs).where(runs.c.kind == kind, runs.c.started_at >= since, runs.c.status != "running")
             .order_by(runs.c.id))
        with self.engine.connect() as c:
            return [self._run_row(r) for r in c.execute(q).mappings()]

    def new_reviews_to_alert(self, since: datetime, max_rating: float | None, keywords: Sequence[str],
                             limit: int = 5000, written_since: date | None = None) -> list[dict[str, Any]]:
        """Reviews stored at or after `since` that no alert has named yet and that are rated `max_rating`
        or lower or mention one of `keywords` (a case-insensitive substring here; the caller checks words),
        oldest first; with `written_since`, only those dated then or later (or undated): two years of history
        imported today are not new to read."""
        wanted = []
        if max_rating:
            wanted.append(sa.and_(reviews.c.rating.is_not(None), reviews.c.rating <= max_rating))
        wanted += [sa.func.lower(reviews.c.text).contains(k.lower(), autoescape=True) for k in keywords]
        if not wanted:
            return []
        if "alerted_reviews" not in self.missing_tables:
            named = sa.select(alerted_reviews.c.review_id).where(alerted_reviews.c.review_id == reviews.c.id)
            wanted_new = [~sa.exists(named)]
        else:
            wanted_new = []
        q = (sa.select(reviews.c.id, reviews.c.source, reviews.c.product, reviews.c.url, reviews.c.rating,
                       reviews.c.title, reviews.c.text, reviews.c.date, reviews.c.scraped_at)
             .where(reviews.c.scraped_at >= since, sa.or_(*wanted), *wanted_new, *self._written_since(written_since))
             .order_by(reviews.c.scraped_at, reviews.c.id).limit(limit))
        with self.engine.connect() as c:
            return [dict(r) for r in c.execute(q).mappings()]

    @staticmethod
    def _written_since(day: date | None) -> list[sa.ColumnElement]:
        """The condition "dated `day` or later, or undated" (none without a day)."""
        return [] if day is None else [sa.or_(reviews.c.date.is_(None), reviews.c.date >= day)]

    def history_stored_since(self, since: datetime, written_before: date) -> int:
        """How many reviews stored at or after `since` were written before `written_before` (by their date): history
        an import or a first scrape brought in, which the new-reviews digest leaves out."""
        q = (sa.select(sa.func.count()).select_from(reviews)
             .where(reviews.c.scraped_at >= since, reviews.c.date < written_before))
        with self.engine.connect() as c:
            return int(c.execute(q).scalar() or 0)

    def add_alert(self, key: str, kind: str, title: str, body: dict, channels: Sequence[str],
                  review_ids: Sequence[str] = ()) -> int | None:
        """Store an alert, with a pending delivery for each channel and the reviews it names, in one
        transaction. None (nothing stored) when an alert with this key exists already."""
        with self._write() as c:
            new = c.execute(self._insert(alerts).on_conflict_do_nothing(index_elements=[alerts.c.key])
                            .returning(alerts.c.id),
                            {"key": key[:300], "kind": kind, "created_at": _utcnow(), "title": _no_nul(title),
                             "body": json.dumps(body, ensure_ascii=False, default=str)}
                            ).scalar()
            if new is None:
                return None
            if channels:
                c.execute(alert_deliveries.insert(), [{"alert_id": new, "channel": ch, "status": "pending",
                                                       "attempts": 0, "updated_at": _utcnow()} for ch in channels])
            ids = list(dict.fromkeys(review_ids))
            if ids:
                c.execute(self._insert(alerted_reviews).on_conflict_do_nothing(
                    index_elements=[alerted_reviews.c.review_id]), [{"review_id": i, "alert_id": new} for i in ids])
            return int(new)

    @staticmethod
    def _alert_row(r: Any) -> dict[str, Any]:
        d = dict(r)
        try:
            body = json.loads(d.pop("body") or "{}")
        except ValueError:
            body = {}
        d["body"] = body if isinstance(body, dict) else {}
        d["created_at"] = _dt(d["created_at"])
        return d

    def alerts_since(self, since: datetime, kind: str | None = None) -> list[dict[str, Any]]:
        """The alerts (of `kind`) created at or after `since`, oldest first (without their deliveries)."""
        if "alerts" in self.missing_tables:
            return []
        q = sa.select(alerts).where(alerts.c.created_at >= since).order_by(alerts.c.id)
        if kind:
            q = q.where(alerts.c.kind == kind)
        with self.engine.connect() as c:
            return [self._alert_row(r) for r in c.execute(q).mappings()]

    def undelivered_alerts(self, channels: Sequence[str], max_attempts: int, since: datetime) -> list[tuple[dict, str]]:
        """(alert, channel) for every delivery to one of `channels` not yet sent, tried fewer than
        `max_attempts` times, of an alert created at or after `since`; oldest first."""
        if not channels or "alerts" in self.missing_tables:
            return []
        d = alert_deliveries
        q = (sa.select(alerts, d.c.channel).select_from(alerts.join(d, d.c.alert_id == alerts.c.id))
             .where(d.c.channel.in_(list(channels)), d.c.status.in_(("pending", "failed", "sending")),
                   d.c.attempts < max_attempts,
                    alerts.c.created_at >= since)
             .order_by(alerts.c.id, d.c.channel))
        with self.engine.connect() as c:
            out = []
            for r in c.execute(q).mappings():
                row = dict(r)
                channel = row.pop("channel")
                out.append((self._alert_row(row), channel))
            return out

    def claim_delivery(self, alert_id: int, channel: str, stale_after: timedelta = timedelta(minutes=10)) -> bool:
        """Mark one unsent delivery as being sent, atomically: True for the one caller that may send it now.
        Another check (a thread, a process, a machine) that tries at the same time gets False, so an alert
        goes out once. A claim older than `stale_after` (a check that died while sending) can be taken again."""
        d = alert_deliveries
        now = _utcnow()
        with self._write() as c:
            res = c.execute(d.update().where(
                d.c.alert_id == alert_id, d.c.channel == channel,
                sa.or_(d.c.status.in_(("pending", "failed")),
                       sa.and_(d.c.status == "sending", d.c.updated_at < now - stale_after)))
                .values(status="sending", updated_at=now))
            return res.rowcount == 1

    def record_delivery(self, alert_id: int, channel: str, error: str | None = None) -> None:
        """A delivery attempt: sent when `error` is None, else failed with the error (tried again later)."""
        d = alert_deliveries
        with self._write() as c:
            c.execute(d.update().where(d.c.alert_id == alert_id, d.c.channel == channel).values(
                status="failed" if error else "sent", attempts=d.c.attempts + 1,
                error=_no_nul(error[:2000]) if error else None, updated_at=_utcnow()))

    def list_alerts(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest alerts, each with `deliveries`: [{channel, status, attempts, error, updated_at}]."""
        if "alerts" in self.missing_tables:
            return []
        with self.engine.connect() as c:
            rows = [self._alert_row(r) for r in
                    c.execute(sa.select(alerts).order_by(alerts.c.id.desc()).limit(limit)).mappings()]
            by_id: dict[int, list[dict]] = {r["id"]: [] for r in rows}
            if by_id:
                q = (sa.select(alert_deliveries).where(alert_deliveries.c.alert_id.in_(list(by_id)))
                     .order_by(alert_deliveries.c.channel))
                for dr in c.execute(q).mappings():
                    dd = dict(dr)
                    dd["updated_at"] = _dt(dd["updated_at"])
                    by_id[dd.pop("alert_id")].append(dd)
        for r in rows:
            r["deliveries"] = by_id[r["id"]]
        return rows

    def alert_review_ids(self, key: str) -> list[str]:
        """The reviews a digest alert named, by the alert's key ([] when there is no such alert)."""
        if "alerted_reviews" in self.missing_tables:
            return []
        q = (sa.select(alerted_reviews.c.review_id)
             .select_from(alerted_reviews.join(alerts, alerts.c.id == alerted_reviews.c.alert_id))
             .where(alerts.c.key == key).order_by(alerted_reviews.c.review_id))
        with self.engine.connect() as c:
            return list(c.execute(q).scalars())

    def theme_merges(self, kind: str = "complaints") -> list[tuple[str, str]]:
        """The user's merges of themes of `kind` (from name, into name), oldest first."""
        state = self.load_checkpoint(f"themes:merges:{theme_table(kind).name}") or {}
        return [(str(a), str(b)) for a, b in state.get("merges", []) if a and b]

    def add_theme_merge(self, old: str, into: str, kind: str = "complaints") -> None:
        """Record that the theme named `old` is the one named `into` (later computations merge them); a
        split that kept the two apart is forgotten."""
        merges = [m for m in self.theme_merges(kind) if m[0] != old] + [(old, into)]
        self.save_checkpoint(f"themes:merges:{theme_table(kind).name}", {"merges": merges})
        splits = self.theme_splits(kind)
        if any(old in g and into in g for g in splits):
            self.save_theme_splits([g for g in splits if not (old in g and into in g)], kind)

    def theme_splits(self, kind: str = "complaints") -> list[list[str]]:
        """The user's splits of themes of `kind`: [name] asks the next computation to split that theme in two;
        [name, name, ...] are the parts a split made, kept apart by every later computation."""
        state = self.load_checkpoint(f"themes:splits:{theme_table(kind).name}") or {}
        return [[str(x) for x in g] for g in state.get("splits", []) if g]

    def save_theme_splits(self, splits: Sequence[Sequence[str]], kind: str = "complaints") -> None:
        self.save_checkpoint(f"themes:splits:{theme_table(kind).name}", {"splits": [list(g) for g in splits]})

    def add_theme_split(self, name: str, kind: str = "complaints") -> None:
        """Ask the next computation to split the theme `name` in two (`theme_splits`); a merge into it is
        forgotten (the themes merged into it come apart again)."""
        self.save_theme_splits([g for g in self.theme_splits(kind) if g != [name]] + [[name]], kind)
        merges = self.theme_merges(kind)
        if any(b == name for _, b in merges):
            self.save_checkpoint(f"themes:merges:{theme_table(kind).name}",
                                 {"merges": [m for m in merges if m[1] != name]})

    # ---------------------------------------------------------------- changes the user made
    def add_change(self, day: date, label: str, product: str | None = None, theme: str | None = None,
                   theme_reviews: Sequence[str] = (), fields: Sequence[tuple[str, Sequence[str]]] = ()) -> int:
        """Record a change the user made on `day` (for `product` and the segment `fields` of the user's own,
        as `Filters.fields`; meant to fix `theme`, whose reviews were `theme_reviews` then); its id."""
        with self._write() as c:
            return int(c.execute(changes.insert().values(
                day=day, label=_no_nul(label), product=_no_nul(product) if product else None,
                theme=_no_nul(theme) if theme else None, theme_reviews=json.dumps([str(r) for r in theme_reviews]),
                fields=json.dumps([[n, list(v)] for n, v in fields], ensure_ascii=False) if fields else None,
                created_at=_utcnow())).inserted_primary_key[0])

    def changes(self) -> list[dict]:
        """The changes recorded, oldest first, each with its last measured effect (a dict, or None)."""
        if "changes" in self.missing_tables:
            return []
        with self.engine.connect() as c:
            rows = c.execute(sa.select(changes).order_by(changes.c.day, changes.c.id)).mappings().all()
        return [{**dict(r), "day": r["day"] if isinstance(r["day"], date) else date.fromisoformat(str(r["day"])),
                 "effect": json.loads(r["effect"]) if r["effect"] else None,
                 "theme_reviews": json.loads(r["theme_reviews"]) if r["theme_reviews"] else [],
                 "fields": [(str(n), tuple(v)) for n, v in json.loads(r["fields"])] if r["fields"] else []}
                for r in rows]

    def save_change_effect(self, change_id: int, effect: dict) -> None:
        with self._write() as c:
            c.execute(changes.update().where(changes.c.id == change_id)
                      .values(effect=json.dumps(effect, default=str), measured_at=_utcnow()))

    def delete_change(self, change_id: int) -> bool:
        with self._write() as c:
            return bool(c.execute(changes.delete().where(changes.c.id == change_id)).rowcount)

    def rename_theme(self, old: str, new: str, kind: str = "complaints", batch: str | None = None) -> int:
        """Rename a theme of computed themes of `kind`: of `batch` (reviewlens.queries.latest_complaints says
        which), or of the latest computed ones (the next computation keeps the name of a theme it finds
        again); the number of rows renamed (0: no theme of that name)."""
        ct = theme_table(kind)
        with self._write() as c:
            if batch is None:
                batch = c.execute(sa.select(ct.c.batch).order_by(ct.c.id.desc()).limit(1)).scalar()
            if not batch:
                return 0
            res = c.execute(ct.update().where(ct.c.batch == batch, ct.c.label == old).values(label=_no_nul(new)))
            renamed = int(res.rowcount or 0)
        merges = self.theme_merges(kind)
        if renamed and any(old in m for m in merges):  # a merge into (or of) the renamed theme follows the name
            self.save_checkpoint(f"themes:merges:{ct.name}",
                                 {"merges": [[new if x == old else x for x in m] for m in merges]})
        splits = self.theme_splits(kind)
        if renamed and any(old in g for g in splits):  # ... and so does a split
            self.save_theme_splits([[new if x == old else x for x in g] for g in splits], kind)
        return renamed

    # ---------------------------------------------------------------- questions (the dashboard's Ask page)
    def add_question(self, question: str, scope: dict[str, Any]) -> int:
        """Store a question to answer from the reviews within `scope` (JSON-able); its id."""
        with self._write() as c:
            return int(c.execute(questions.insert().returning(questions.c.id), {
                "question": _no_nul(question), "scope": json.dumps(scope, default=str), "status": "pending",
                "asked_at": _utcnow(), "updated_at": _utcnow()}).scalar())

    def claim_question(self, stale_after: timedelta = timedelta(minutes=10)) -> dict[str, Any] | None:
        """The oldest question waiting for an answer, marked as being answered, atomically: one answerer
        gets it. A claim older than `stale_after` (an answerer that died) can be taken again. None: none waits.
        One UPDATE statement per try (no read first, which two SQLite writers would deadlock on); on
        PostgreSQL a question taken by another answerer between the two is tried again."""
        q = questions
        for _ in range(5):
            now = _utcnow()
            waiting = sa.or_(q.c.status == "pending",
                             sa.and_(q.c.status == "answering", q.c.updated_at < now - stale_after))
            oldest = sa.select(q.c.id).where(waiting).order_by(q.c.id).limit(1).scalar_subquery()
            with self._write() as c:
                row = c.execute(q.update().where(q.c.id == oldest, waiting)
                                .values(status="answering", updated_at=now).returning(*q.c)).mappings().first()
                if row is not None:
                    return self._question_row(row)
                if c.execute(sa.select(q.c.id).where(waiting).limit(1)).first() is None:
                    return None
        return None

    def finish_question(self, question_id: int, result: dict[str, Any] | None = None, error: str | None = None) -> None:
        """A question's answer (`result`), or why there is none (`error`)."""
        with self._write() as c:
            c.execute(questions.update().where(questions.c.id == question_id).values(
                status="failed" if error else "answered", updated_at=_utcnow(),
                result=None if result is None else json.dumps(result, ensure_ascii=False, default=str),
                error=_no_nul(error[:2000]) if error else None))

    def questions_waiting(self) -> bool:
        """Whether a question waits for its answer or is being answered (one look; no question is read)."""
        if "questions" in self.missing_tables:
            return False
        with self.engine.connect() as c:
            return c.execute(sa.select(questions.c.id).where(questions.c.status.in_(("pending", "answering")))
                             .limit(1)).first() is not None

    def list_questions(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest questions, newest first, with `scope` and `result` read back (None where unreadable)."""
        if "questions" in self.missing_tables:
            return []
        with self.engine.connect() as c:
            rows = c.execute(sa.select(questions).order_by(questions.c.id.desc()).limit(limit)).mappings()
            return [self._question_row(r) for r in rows]

    @staticmethod
    def _question_row(r: Any) -> dict[str, Any]:
        d = dict(r)
        for key in ("scope", "result"):
            try:
                v = json.loads(d[key]) if d[key] else None
            except ValueError:
                v = None
            d[key] = v if isinstance(v, dict) else ({} if key == "scope" else None)
        d["asked_at"], d["updated_at"] = _dt(d["asked_at"]), _dt(d["updated_at"])
        return d

    # ---------------------------------------------------------------- what reviewers wrote (privacy)
    #: the columns of a review that hold what its customer wrote
    WRITTEN = ("text", "title")

    def count_reviews(self) -> int:
        with self.engine.connect() as c:
            return int(c.execute(sa.select(sa.func.count()).select_from(reviews)).scalar_one())

    def pseudonym_key(self) -> str:
        """This store's own key for reviewers' pseudonyms (reviewlens.privacy.pseudonym), hex; made on first use
        (two processes at once agree: the first one's is kept)."""
        found = self.load_checkpoint(PSEUDONYM_KEY)
        if found and found.get("key"):
            return str(found["key"])
        with self._write() as c:
            c.execute(self._insert(checkpoints).on_conflict_do_nothing(index_elements=[checkpoints.c.key]),
                      {"key": PSEUDONYM_KEY, "state": json.dumps({"key": os.urandom(32).hex()}),
                       "updated_at": _utcnow()})
        return str(self.load_checkpoint(PSEUDONYM_KEY)["key"])

    def written_rows(self) -> Iterator[dict[str, Any]]:
        """Every review's id, source, product, author and what was written (WRITTEN), and its own fields, a
        chunk of reviews at a time (for reviewlens.privacy's look through the store)."""
        with self.engine.connect() as c:
            ids = [r[0] for r in c.execute(sa.select(reviews.c.id).order_by(reviews.c.id))]
            for i in range(0, len(ids), 1000):
                chunk = ids[i:i + 1000]
                q = sa.select(reviews.c.id, reviews.c.source, reviews.c.product, reviews.c.author,
                              *[reviews.c[k] for k in self.WRITTEN]).where(reviews.c.id.in_(chunk)).order_by(reviews.c.id)
                rows = [dict(r) for r in c.execute(q).mappings()]
                fields = self.fields_of(chunk)
                for r in rows:
                    r["fields"] = fields.get(r["id"], {})
                    yield r

    def stored_written(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """What the reviews among `ids` that the store holds say as stored: {id: {text, title, author, fields}}
        (reviewlens.privacy.Masker.reviews tells by it a review stored masked before from one it masks now)."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as c:
            for i in range(0, len(ids), 500):
                q = sa.select(reviews.c.id, reviews.c.text, reviews.c.title, reviews.c.author).where(
                    reviews.c.id.in_(ids[i:i + 500]))
                out.update({r["id"]: {**r, "fields": {}} for r in c.execute(q).mappings()})
        for rid, fields in self.fields_of(list(out)).items():
            out[rid]["fields"] = fields
        return out

    def rewrite_written(self, rewrite: Callable[[str], str],
                        author: Callable[[str | None], str | None] | None = None) -> dict[str, int]:
        """Pass every stored copy of what reviewers wrote through `rewrite` (reviewlens.privacy's masking), in one
        transaction: the reviews' text and title, their own fields and what else their page or file said
        (`extra`); the labels' texts; the quotes and names of the stored themes (complaints, praise,
        requests); the alerts' titles and bodies; the questions and their answers.
        A review whose text changed is analyzed again: the analyses of its old text (which hold its
        translation and entities) are deleted when no review has that text any more. `author`: the reviewers'
        names pass through it too (a pseudonym, or none). Returns how many rows of each changed ("reviews",
        "names", "fields", "labels", "themes", "alerts", "questions", "analyses")."""

        def json_cell(value: str | None) -> str | None:
            if not value:
                return value
            try:
                data = json.loads(value)
            except ValueError:
                return rewrite(value)
            new = _rewrite_strings(data, rewrite)
            return value if new == data else json.dumps(new, ensure_ascii=False, default=str)

        out = dict.fromkeys(("reviews", "names", "fields", "labels", "themes", "alerts", "questions", "analyses"), 0)
        with self._write() as c:
            old_hashes: set[str] = set()
            cols = [reviews.c.id, reviews.c.content_hash, reviews.c.extra, reviews.c.author,
                    *[reviews.c[k] for k in self.WRITTEN]]
            changed = []
            for r in c.execute(sa.select(*cols)).mappings().all():
                new = {k: rewrite(r[k]) if r[k] else r[k] for k in self.WRITTEN}
                new["extra"] = json_cell(r["extra"])  # what else the page or file said (its own fields)
                # a name is masked as the text is (an e-mail address given as the name), unless `author` renames it
                new["author"] = author(r["author"]) if author else rewrite(r["author"]) if r["author"] else r["author"]
                out["names"] += author is not None and new["author"] != r["author"]  # renamed (a masked one: "reviews")
                if any(new[k] != r[k] for k in (*self.WRITTEN, "extra", "author")):
                    changed.append((r["id"], new))
                    if new["text"] != r["text"]:
                        old_hashes.add(r["content_hash"])
                        new["content_hash"] = content_hash(new["text"])
            for rid, new in changed:
                c.execute(reviews.update().where(reviews.c.id == rid).values(**new))
            out["reviews"] = len(changed)
            for r in c.execute(sa.select(review_fields)).mappings().all():
                value = rewrite(r["value"])
                if value != r["value"]:
                    c.execute(review_fields.update().where(review_fields.c.review_id == r["review_id"],
                                                           review_fields.c.name == r["name"]).values(value=value[:300]))
                    out["fields"] += 1
            for r in c.execute(sa.select(labels)).mappings().all():
                text = rewrite(r["text"])
                if text != r["text"]:
                    key = (labels.c.content_hash == r["content_hash"], labels.c.kind == r["kind"],
                           labels.c.value == r["value"])
                    c.execute(labels.delete().where(*key))
                    row = {**r, "text": text, "content_hash": content_hash(text)}
                    c.execute(self._insert(labels).values(**row).on_conflict_do_nothing(
                        index_elements=[labels.c.content_hash, labels.c.kind, labels.c.value]))
                    out["labels"] += 1
            jsons = [(t, ("quotes", "label", "summary")) for t in THEME_TABLES.values()]
            jsons += [(alerts, ("title", "body")), (questions, ("question", "result"))]
            for table, names in jsons:
                for r in c.execute(sa.select(table.c.id, *[table.c[k] for k in names])).mappings().all():
                    new = {k: json_cell(r[k]) if k in ("quotes", "body", "result") else
                           (rewrite(r[k]) if r[k] else r[k]) for k in names}
                    if any(new[k] != r[k] for k in names):
                        c.execute(table.update().where(table.c.id == r["id"]).values(**new))
                        out["themes" if table in THEME_TABLES.values() else table.name] += 1
            out["analyses"] = self._forget_texts(c, old_hashes)
            if changed:
                self._mark_reviews_written(c)
        if any(out.values()):
            self._cut_write_ahead_log()
        return out

    def _cut_write_ahead_log(self) -> None:
        """After reviews were forgotten (deleted by author or date, or masked), on SQLite: their old words are
        overwritten in the file (secure_delete), but copies of the pages that held them stay in the write-ahead
        log (store.db-wal) while any other connection keeps it open (the dashboard, a scheduler); copy it into
        the file and cut it to nothing. A reader in the middle of a read for the whole wait leaves it as it is,
        said at WARNING after 5 s (the next forgetting, or the last connection closing, cuts it)."""
        if self.dialect != "sqlite":
            return
        with self.engine.connect() as c:
            c.exec_driver_sql("PRAGMA busy_timeout=5000")  # the wait for a reader to finish: 5 s, not the 30 of writes
            try:
                busy = c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            finally:
                c.exec_driver_sql("PRAGMA busy_timeout=30000")
        if not busy or not busy[0]:
            return
        log.warning("another process was reading %s throughout: the forgotten words stay in its write-ahead log "
                    "(the file ending in -wal) until the last process using the store closes it",
                    self.display_url())

    # ---------------------------------------------------------------- labels (what the user says)
    def review_texts(self, ids: Iterable[str]) -> dict[str, str]:
        """The text of each stored review among `ids` (for labels that name a review by id)."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, str] = {}
        with self.engine.connect() as c:
            for i in range(0, len(ids), 500):
                q = sa.select(reviews.c.id, reviews.c.text).where(reviews.c.id.in_(ids[i:i + 500]))
                out.update((r.id, r.text) for r in c.execute(q))
        return out

    def text_sample(self, limit: int = 300) -> list[str]:
        """Up to `limit` of the stored review texts, the first by content hash: a sample of the store's own reviews
        that stays nearly the same as reviews are added (the sentiment labels' change is measured on it, so one
        label set learns alike from run to run)."""
        q = (sa.select(sa.func.min(reviews.c.text)).group_by(reviews.c.content_hash)
             .order_by(reviews.c.content_hash).limit(limit))
        with self.engine.connect() as c:
            return [t for (t,) in c.execute(q) if t]

    def ids_of_site_ids(self, site_ids: Iterable[str]) -> dict[str, list[str]]:
        """The stored reviews each of `site_ids` is the site's (or an imported file's) own id of: {site id: [review
        ids]} (more than one where two sources use the same id), for a label file that names reviews by the ids
        of the user's own system."""
        site_ids = list(dict.fromkeys(site_ids))
        out: dict[str, list[str]] = {}
        with self.engine.connect() as c:
            for i in range(0, len(site_ids), 500):
                q = (sa.select(reviews.c.site_review_id, reviews.c.id)
                     .where(reviews.c.site_review_id.in_(site_ids[i:i + 500])).order_by(reviews.c.id))
                for sid, rid in c.execute(q):
                    out.setdefault(sid, []).append(rid)
        return out

    @staticmethod
    def _label_key(lb: Label) -> tuple[str, str, str]:
        """A sentiment label is one per text, whatever its value; a topic label one per topic."""
        return lb.content_hash, lb.kind, "" if lb.kind == "sentiment" else lb.value

    def _stored_labels(self, c: sa.Connection, hashes: Sequence[str]) -> dict[tuple[str, str, str], Any]:
        found = {}
        for i in range(0, len(hashes), 500):
            q = sa.select(labels).where(labels.c.content_hash.in_(hashes[i:i + 500]))
            for r in c.execute(q):
                found[(r.content_hash, r.kind, "" if r.kind == "sentiment" else r.value)] = r
        return found

    def _put_labels(self, c: sa.Connection, items: Iterable[Label],
                    replace_kinds: dict[str, set[str]] | None = None) -> tuple[int, int, int]:
        """Store `items` (the last of several with one key wins), in the open transaction `c`.
        Returns (added, replaced, removed). A label equal in meaning (value, topic_sentiment) to the
        stored one is left alone, keeping its source and date and the label version. With
        `replace_kinds` {content_hash: kinds}, stored labels of those kinds not in `items` are removed."""
        wanted = {self._label_key(lb): lb for lb in items}
        hashes = list(dict.fromkeys([k[0] for k in wanted] + list(replace_kinds or {})))
        stored = self._stored_labels(c, hashes)
        added = replaced = removed = 0
        for key, old in stored.items():
            if key not in wanted and key[1] in (replace_kinds or {}).get(key[0], ()):
                c.execute(labels.delete().where(labels.c.content_hash == old.content_hash,
                                                labels.c.kind == old.kind, labels.c.value == old.value))
                removed += 1
        for key, lb in wanted.items():
            old = stored.get(key)
            if old is not None and (old.value, old.topic_sentiment) == (lb.value, lb.topic_sentiment):
                continue
            if old is not None:
                c.execute(labels.delete().where(labels.c.content_hash == old.content_hash,
                                                labels.c.kind == old.kind, labels.c.value == old.value))
            row = {"content_hash": lb.content_hash, "kind": lb.kind, "value": lb.value,
                   "topic_sentiment": lb.topic_sentiment, "text": _no_nul(lb.text), "review_id": lb.review_id,
                   "source": _no_nul(lb.source)[:300], "created_at": lb.created_at or _utcnow()}
            stmt = self._insert(labels).values(**row)
            c.execute(stmt.on_conflict_do_update(  # another process may have stored it meanwhile
                index_elements=[labels.c.content_hash, labels.c.kind, labels.c.value],
                set_={k: stmt.excluded[k] for k in row if k not in ("content_hash", "kind", "value")}))
            added += old is None
            replaced += old is not None
        return added, replaced, removed

    def add_labels(self, items: Iterable[Label]) -> tuple[int, int]:
        """Store labels (one transaction). Returns (added, replaced): a label replaces the stored one
        with its key, and a sentiment label replaces the text's sentiment label. Labels already
        stored as they are count in neither."""
        with self._write() as c:
            added, replaced, _ = self._put_labels(c, items)
        return added, replaced

    _KEEP: Any = object()

    def set_review_labels(self, content_hash: str, text: str, *, sentiment: str | None = _KEEP,
                          topics: Mapping[str, str | None] | Iterable[str] = _KEEP, review_id: str | None = None,
                          source: str = "dashboard") -> int:
        """Make a text's labels of a kind exactly these: what a correction in the dashboard does.

        `sentiment`: the text's sentiment, or None for no sentiment label; `topics`: its topics, as
        slugs or {slug: topic sentiment or None}. A kind not passed is left as it is. Returns how
        many labels were added, replaced or removed (0: nothing changed)."""
        items: list[Label] = []
        kinds: set[str] = set()
        if sentiment is not self._KEEP:
            kinds.add("sentiment")
            if sentiment is not None:
                items.append(Label(content_hash, text, "sentiment", sentiment, review_id=review_id, source=source))
        if topics is not self._KEEP:
            kinds.add("topic")
            pairs = topics.items() if isinstance(topics, Mapping) else ((t, None) for t in topics)
            items += [Label(content_hash, text, "topic", t, s, review_id=review_id, source=source) for t, s in pairs]
        with self._write() as c:
            return sum(self._put_labels(c, items, {content_hash: kinds}))

    def labels(self, hashes: Iterable[str] | None = None, *, kind: str | None = None,
               limit: int | None = None) -> list[Label]:
        """Stored labels, newest first: all of them, or those of the texts `hashes` (and `kind`)."""
        if "labels" in self.missing_tables:
            return []
        q = sa.select(labels).order_by(labels.c.created_at.desc(), labels.c.content_hash, labels.c.kind,
                                       labels.c.value)
        if kind:
            q = q.where(labels.c.kind == kind)
        with self.engine.connect() as c:
            if hashes is None:
                rows = c.execute(q.limit(limit) if limit else q).mappings().all()
            else:
                hashes = list(dict.fromkeys(hashes))
                rows = [r for i in range(0, len(hashes), 500)
                        for r in c.execute(q.where(labels.c.content_hash.in_(hashes[i:i + 500]))).mappings()]
                rows = sorted(rows, key=lambda r: _dt(r["created_at"]), reverse=True)[:limit]
        return [Label(r["content_hash"], r["text"], r["kind"], r["value"], r["topic_sentiment"], r["review_id"],
                      r["source"] or "", _dt(r["created_at"])) for r in rows]

    def label_version(self) -> str:
        """A short hash of what the labels say (texts, kinds, values, topic sentiments; not their
        sources or dates): it changes exactly when the labels change, "" when there are none. The
        analysis puts it into its version, so new labels lead to a new analysis."""
        if "labels" in self.missing_tables:
            return ""
        q = sa.select(labels.c.content_hash, labels.c.kind, labels.c.value, labels.c.topic_sentiment)
        with self.engine.connect() as c:  # sorted here: PostgreSQL's collation may order text differently
            rows = sorted("\x1f".join((r[0], r[1], r[2], r[3] or "")) for r in c.execute(q))
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:12] if rows else ""
