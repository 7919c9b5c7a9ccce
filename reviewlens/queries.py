"""Aggregations for the dashboard and the report, computed in the database (SQLite or PostgreSQL).

Every function takes a `Store` and a `Filters` and returns small results: counts per bucket, one
page of reviews. Nothing here loads all rows of a large store into Python.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterator, Sequence

import pandas as pd
import sqlalchemy as sa

from reviewlens.store import Store, analyses, complaint_themes, review_entities, review_topics, reviews, runs

from .filters import Filters, conditions, current_analysis, reviews_with_analysis

log = logging.getLogger(__name__)

TOPIC_LABELS = {
    "quality": "Quality", "delivery": "Delivery", "price": "Price", "customer_service": "Customer service",
    "usability": "Usability", "performance": "Performance", "size_fit": "Size & fit", "packaging": "Packaging",
    "returns": "Returns", "other": "Other",
}
_ID_CHUNK = 2000


def topic_label(slug: str | None) -> str:
    """Display name of a topic slug: known names, else 'some_slug' -> 'Some slug'."""
    if not slug:
        return "—"
    return TOPIC_LABELS.get(slug, slug.replace("_", " ").replace("-", " ").strip().capitalize())


# ------------------------------------------------------------------------------------------ options
@dataclass
class Options:
    """What the sidebar can offer: the values present in the store."""

    total: int
    sources: list[str]
    products: list[str]
    topics: list[str]
    first_date: date | None
    last_date: date | None


def _as_date(v: Any) -> date | None:
    if v is None:
        return None
    if isinstance(v, str):
        return date.fromisoformat(v[:10])
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, pd.Timestamp):
        return v.date()
    return None


def options(store: Store) -> Options:
    """Distinct sources, products and topics, the date span and the review count of the whole store."""
    with store.engine.connect() as c:
        total, first, last = c.execute(
            sa.select(sa.func.count(), sa.func.min(reviews.c.date), sa.func.max(reviews.c.date))).one()
        sources = [r for r in c.execute(sa.select(reviews.c.source).distinct().order_by(reviews.c.source)).scalars()]
        products = [r for r in c.execute(sa.select(reviews.c.product).where(reviews.c.product.is_not(None))
                                         .distinct().order_by(reviews.c.product)).scalars()]
        topics = [r for r in c.execute(sa.select(review_topics.c.topic).distinct()
                                       .order_by(review_topics.c.topic)).scalars()]
    return Options(total=int(total or 0), sources=sources, products=products, topics=topics,
                   first_date=_as_date(first), last_date=_as_date(last))


# ------------------------------------------------------------------------------------------ headline
@dataclass
class Headline:
    """The numbers at the top, for the filtered period and the period of the same length before."""

    reviews: int
    avg_rating: float | None
    share_negative: float | None  # percent of analyzed reviews
    net_sentiment: float | None   # % positive minus % negative, of analyzed reviews
    analyzed: int
    previous: "Headline | None" = None

    def delta(self, name: str) -> float | None:
        """Change of one number against the previous period; None when either side is unknown."""
        if self.previous is None:
            return None
        now, before = getattr(self, name), getattr(self.previous, name)
        if now is None or before is None:
            return None
        if name == "reviews" and before == 0:
            return None
        return now - before


def _headline_row(c: sa.Connection, f: Filters) -> Headline:
    a = current_analysis()
    s = a.c.sentiment
    q = (sa.select(sa.func.count(), sa.func.avg(reviews.c.rating), sa.func.count(s),
                   sa.func.sum(sa.case((s == "positive", 1), else_=0)),
                   sa.func.sum(sa.case((s == "negative", 1), else_=0)))
         .select_from(reviews_with_analysis(a)).where(*conditions(f, a)))
    n, avg, analyzed, pos, neg = c.execute(q).one()
    n, analyzed, pos, neg = int(n or 0), int(analyzed or 0), int(pos or 0), int(neg or 0)
    return Headline(
        reviews=n, avg_rating=float(avg) if avg is not None else None, analyzed=analyzed,
        share_negative=100.0 * neg / analyzed if analyzed else None,
        net_sentiment=100.0 * (pos - neg) / analyzed if analyzed else None)


def headline(store: Store, f: Filters) -> Headline:
    """Reviews, average rating, share negative, net sentiment, each with the previous period."""
    with store.engine.connect() as c:
        h = _headline_row(c, f)
        prev = f.previous_period()
        if prev is not None:
            h.previous = _headline_row(c, prev)
    return h


# ------------------------------------------------------------------------------------------ time series
def granularity_for(f: Filters, opts: Options | None = None) -> str:
    """'week' for ranges up to about six months, else 'month'."""
    since = f.since or (opts.first_date if opts else None)
    until = f.until or (opts.last_date if opts else None)
    if since and until and (until - since).days <= 190:
        return "week"
    return "month"


def _bucket(store: Store, granularity: str) -> sa.ColumnElement:
    d = reviews.c.date
    if store.dialect == "postgresql":
        return sa.cast(sa.func.date_trunc(granularity, d), sa.Date)
    if granularity == "week":
        return sa.func.date(d, "weekday 0", "-6 days")  # the Monday of the week
    if granularity == "month":
        return sa.func.strftime("%Y-%m-01", d)
    raise ValueError(f"unknown granularity {granularity!r} (use week or month)")


def timeseries(store: Store, f: Filters, granularity: str = "week") -> pd.DataFrame:
    """Per period: reviews, average rating and counts per sentiment. Columns: period, reviews,
    avg_rating, positive, neutral, negative, net_sentiment."""
    a = current_analysis()
    s = a.c.sentiment
    b = _bucket(store, granularity).label("period")
    q = (sa.select(b, sa.func.count().label("reviews"), sa.func.avg(reviews.c.rating).label("avg_rating"),
                   *[sa.func.sum(sa.case((s == name, 1), else_=0)).label(name)
                     for name in ("positive", "neutral", "negative")])
         .select_from(reviews_with_analysis(a)).where(reviews.c.date.is_not(None), *conditions(f, a))
         .group_by(b).order_by(b))
    with store.engine.connect() as c:
        df = pd.DataFrame(c.execute(q).mappings().all(),
                          columns=["period", "reviews", "avg_rating", "positive", "neutral", "negative"])
    if df.empty:
        return df.assign(net_sentiment=pd.Series(dtype=float))
    df["period"] = pd.to_datetime(df["period"])
    for col in ("reviews", "positive", "neutral", "negative"):
        df[col] = df[col].fillna(0).astype(int)
    df["avg_rating"] = df["avg_rating"].astype(float)
    analyzed = (df["positive"] + df["neutral"] + df["negative"]).astype(float).replace(0.0, float("nan"))
    df["net_sentiment"] = ((df["positive"] - df["negative"]) * 100.0 / analyzed).astype(float)
    return df


# ------------------------------------------------------------------------------------------ topics, ratings, entities
def _filtered_texts(store: Store, f: Filters) -> sa.Subquery:
    """Subquery of the filtered reviews: (content_hash, sentiment), one row per review.

    On SQLite it carries LIMIT -1 (no limit), which keeps the planner from flattening it: the join
    then starts from the (filtered) reviews and probes the topic/entity tables by key, instead of
    scanning every topic/entity row and looking each review up.
    """
    a = current_analysis()
    q = (sa.select(reviews.c.content_hash, a.c.sentiment).select_from(reviews_with_analysis(a))
         .where(*conditions(f, a)))
    if store.dialect == "sqlite":
        q = q.limit(-1)
    return q.subquery("fr")


def topics_by_sentiment(store: Store, f: Filters) -> pd.DataFrame:
    """Reviews mentioning each topic, split by the topic's sentiment. Columns: topic, label, sentiment, reviews."""
    rt = review_topics
    fr = _filtered_texts(store, f)
    q = (sa.select(rt.c.topic, rt.c.sentiment, sa.func.count().label("reviews"))
         .select_from(fr.join(rt, rt.c.content_hash == fr.c.content_hash)).group_by(rt.c.topic, rt.c.sentiment))
    if f.topics:
        q = q.where(rt.c.topic.in_(f.topics))
    with store.engine.connect() as c:
        df = pd.DataFrame(c.execute(q).mappings().all(), columns=["topic", "sentiment", "reviews"])
    df["label"] = df["topic"].map(topic_label)
    df["reviews"] = df["reviews"].astype(int)
    return df[["topic", "label", "sentiment", "reviews"]].sort_values(["reviews"], ascending=False, ignore_index=True)


def topic_summary(topics_df: pd.DataFrame) -> pd.DataFrame:
    """Pivot of `topics_by_sentiment`: one row per topic with positive/neutral/negative/total/net."""
    if topics_df.empty:
        return pd.DataFrame(columns=["topic", "label", "positive", "neutral", "negative", "total", "net_sentiment"])
    p = topics_df.pivot_table(index=["topic", "label"], columns="sentiment", values="reviews",
                              aggfunc="sum", fill_value=0).reset_index()
    for s in ("positive", "neutral", "negative"):
        if s not in p.columns:
            p[s] = 0
    p["total"] = p["positive"] + p["neutral"] + p["negative"]
    p["net_sentiment"] = (p["positive"] - p["negative"]) * 100.0 / p["total"]
    p.columns.name = None
    return p[["topic", "label", "positive", "neutral", "negative", "total", "net_sentiment"]].sort_values(
        "total", ascending=False, ignore_index=True)


def rating_distribution(store: Store, f: Filters) -> pd.DataFrame:
    """Reviews per star rating 1..5 (ratings rounded; all five rows always present). Columns: rating, reviews."""
    a = current_analysis() if f.needs_analysis else None
    star = sa.cast(sa.func.round(reviews.c.rating), sa.Integer).label("rating")
    src = reviews_with_analysis(a) if a is not None else reviews
    q = (sa.select(star, sa.func.count().label("reviews")).select_from(src)
         .where(reviews.c.rating.is_not(None), *conditions(f, a)).group_by(star))
    with store.engine.connect() as c:
        counts = {int(r): int(n) for r, n in c.execute(q).all() if r is not None}
    return pd.DataFrame({"rating": [1, 2, 3, 4, 5], "reviews": [counts.get(i, 0) for i in range(1, 6)]})


def top_entities(store: Store, f: Filters, limit: int = 15) -> pd.DataFrame:
    """Most-mentioned entities with the sentiment of the reviews that mention them.

    Columns: entity, type, mentions, positive, neutral, negative, net_sentiment (counts are mentions).
    """
    e = review_entities
    fr = _filtered_texts(store, f)
    s = fr.c.sentiment
    n = sa.func.count().label("mentions")
    q = (sa.select(e.c.text.label("entity"), e.c.type, n,
                   *[sa.func.sum(sa.case((s == name, 1), else_=0)).label(name)
                     for name in ("positive", "neutral", "negative")])
         .select_from(fr.join(e, e.c.content_hash == fr.c.content_hash)).group_by(e.c.type, e.c.text)
         .order_by(n.desc(), e.c.text).limit(limit))
    cols = ["entity", "type", "mentions", "positive", "neutral", "negative"]
    with store.engine.connect() as c:
        df = pd.DataFrame(c.execute(q).mappings().all(), columns=cols)
    for col in cols[2:]:
        df[col] = df[col].fillna(0).astype(int)
    analyzed = (df["positive"] + df["neutral"] + df["negative"]).astype(float).replace(0.0, float("nan"))
    df["net_sentiment"] = ((df["positive"] - df["negative"]) * 100.0 / analyzed).astype(float)
    return df


# ------------------------------------------------------------------------------------------ complaints
@dataclass
class ThemeView:
    """A stored complaint theme, recounted within the current filters."""

    rank: int
    label: str
    summary: str
    topic: str | None
    count: int            # as computed by the analysis stage (for its scope)
    share: float          # as computed (0..1)
    previous_count: int
    trend: float | None   # percentage points vs the previous period
    quotes: list[dict[str, Any]]
    review_ids: list[str]
    filtered_count: int = 0     # members inside the current filters
    filtered_share: float = 0.0  # of the filtered reviews (0..1)
    filtered_ids: list[str] = field(default_factory=list)

    @property
    def arrow(self) -> str:
        """▲ more complaints than before, ▼ fewer, → about the same or unknown."""
        if self.trend is None or abs(self.trend) < 0.05:
            return "→"
        return "▲" if self.trend > 0 else "▼"


def _ids_in_filter(c: sa.Connection, f: Filters, ids: Sequence[str]) -> set[str]:
    a = current_analysis() if f.needs_analysis else None
    src = reviews_with_analysis(a) if a is not None else reviews
    found: set[str] = set()
    ids = list(dict.fromkeys(ids))
    for i in range(0, len(ids), _ID_CHUNK):
        q = sa.select(reviews.c.id).select_from(src).where(reviews.c.id.in_(ids[i:i + _ID_CHUNK]),
                                                            *conditions(f, a))
        found.update(c.execute(q).scalars())
    return found


def complaints(store: Store, f: Filters, total: int | None = None) -> tuple[list[ThemeView], dict]:
    """The latest computed complaint themes with their members recounted inside `f`.

    `total` is the number of reviews in `f` (for shares); computed when not given. Returns the
    themes (ranked by filtered count, then stored rank) and the scope they were computed for.
    """
    with store.engine.connect() as c:
        batch = c.execute(sa.select(complaint_themes.c.batch).order_by(complaint_themes.c.id.desc())
                          .limit(1)).scalar()
        if not batch:
            return [], {}
        rows = c.execute(sa.select(complaint_themes).where(complaint_themes.c.batch == batch)
                         .order_by(complaint_themes.c.rank)).mappings().all()
        themes = []
        for r in rows:
            try:
                quotes = [q for q in json.loads(r["quotes"] or "[]") if isinstance(q, dict)]
                ids = [str(x) for x in json.loads(r["review_ids"] or "[]")]
            except (TypeError, ValueError) as e:
                log.warning("complaint theme %r has unreadable JSON (%s); showing it without quotes", r["label"], e)
                quotes, ids = [], []
            themes.append(ThemeView(rank=r["rank"], label=r["label"], summary=r["summary"] or "", topic=r["topic"],
                                    count=r["count"], share=r["share"], previous_count=r["previous_count"] or 0,
                                    trend=r["trend"], quotes=quotes, review_ids=ids))
        inside = _ids_in_filter(c, f, [i for t in themes for i in t.review_ids])
        try:
            scope = json.loads(rows[0]["scope"] or "{}")
        except ValueError:
            scope = {}
        scope["computed_at"] = str(rows[0]["computed_at"])
    if total is None:
        total = headline(store, f).reviews
    for t in themes:
        t.filtered_ids = [i for i in t.review_ids if i in inside]
        t.filtered_count = len(t.filtered_ids)
        t.filtered_share = t.filtered_count / total if total else 0.0
    themes.sort(key=lambda t: (-t.filtered_count, t.rank))
    return themes, scope


# ------------------------------------------------------------------------------------------ explorer
EXPLORER_COLUMNS = ["id", "date", "rating", "sentiment", "sentiment_score", "topics", "entities", "title", "text",
                    "url", "source", "product", "author", "analysis_status"]


def _review_select(f: Filters) -> tuple[sa.Select, sa.Alias]:
    a = current_analysis()
    q = (sa.select(reviews.c.id, reviews.c.date, reviews.c.rating, a.c.sentiment, a.c.sentiment_score,
                   a.c.topics, a.c.entities, reviews.c.title, reviews.c.text, reviews.c.url, reviews.c.source,
                   reviews.c.product, reviews.c.author, a.c.status.label("analysis_status"))
         .select_from(reviews_with_analysis(a)).where(*conditions(f, a)))
    return q, a


def _parse_json_list(v: Any) -> list:
    if not v:
        return []
    try:
        out = json.loads(v) if isinstance(v, str) else v
    except ValueError:
        return []
    return out if isinstance(out, list) else []


def count_reviews(store: Store, f: Filters) -> int:
    """Number of reviews matching `f`."""
    a = current_analysis() if f.needs_analysis else None
    src = reviews_with_analysis(a) if a is not None else reviews
    with store.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(src).where(*conditions(f, a))).scalar_one())


def review_page(store: Store, f: Filters, page: int = 1, page_size: int = 50,
                total: int | None = None) -> tuple[pd.DataFrame, int]:
    """One page (1-based) of reviews, newest first, and the total matching. LIMIT/OFFSET in SQL.

    `topics` is a list of {topic, sentiment}; `entities` a list of {text, type, start, end}.
    Pass `total` when already known to skip counting.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    if total is None:
        total = count_reviews(store, f)
    q, _ = _review_select(f)
    q = (q.order_by(reviews.c.date.desc().nulls_last(), reviews.c.id)
         .limit(page_size).offset(max(page - 1, 0) * page_size))
    with store.engine.connect() as c:
        df = pd.DataFrame(c.execute(q).mappings().all(), columns=EXPLORER_COLUMNS)
    df["topics"] = df["topics"].map(_parse_json_list)
    df["entities"] = df["entities"].map(_parse_json_list)
    df["date"] = df["date"].map(_as_date)
    return df, total


def iter_review_rows(store: Store, f: Filters, chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """All reviews in `f`, newest first, streamed from the database `chunk` rows at a time."""
    q, _ = _review_select(f)
    q = q.order_by(reviews.c.date.desc().nulls_last(), reviews.c.id)
    with store.engine.connect() as c:
        result = c.execution_options(stream_results=True, yield_per=chunk).execute(q).mappings()
        for part in result.partitions(chunk):
            for r in part:
                d = dict(r)
                d["topics"] = _parse_json_list(d["topics"])
                d["entities"] = _parse_json_list(d["entities"])
                d["date"] = _as_date(d["date"])
                yield d


# ------------------------------------------------------------------------------------------ runs
def runs_frame(store: Store, limit: int = 200) -> pd.DataFrame:
    """The latest runs, newest first. Columns: id, kind, source, trigger, status, started_at,
    finished_at, duration_s, pages, reviews_new, reviews_seen, error_count, errors (list of dicts)."""
    q = sa.select(runs).order_by(runs.c.id.desc()).limit(limit)
    cols = ["id", "kind", "source", "trigger", "status", "started_at", "finished_at", "duration_s", "pages",
            "reviews_new", "reviews_seen", "error_count", "errors"]
    out = []
    with store.engine.connect() as c:
        for r in c.execute(q).mappings():
            errs = _parse_json_list(r["errors"])
            started, finished = pd.to_datetime(r["started_at"], utc=True), pd.to_datetime(r["finished_at"], utc=True)
            out.append({
                "id": r["id"], "kind": r["kind"], "source": r["source"], "trigger": r["trigger"],
                "status": r["status"], "started_at": started, "finished_at": finished,
                "duration_s": (finished - started).total_seconds() if r["finished_at"] is not None else None,
                "pages": r["pages"] or 0, "reviews_new": r["reviews_new"] or 0, "reviews_seen": r["reviews_seen"] or 0,
                "error_count": len(errs), "errors": [e if isinstance(e, dict) else {"message": str(e)} for e in errs],
            })
    return pd.DataFrame(out, columns=cols)


def default_period(opts: Options, days: int | None) -> tuple[date | None, date | None]:
    """The last `days` days ending at the newest review (None days: the whole span)."""
    if opts.last_date is None:
        return None, None
    if days is None:
        return opts.first_date, opts.last_date
    return opts.last_date - timedelta(days=days - 1), opts.last_date


# ------------------------------------------------------------------------------------------ overview bundle
@dataclass
class Overview:
    """Everything the overview page shows for one filter set."""

    headline: Headline
    granularity: str
    timeseries: pd.DataFrame
    topics: pd.DataFrame
    ratings: pd.DataFrame
    entities: pd.DataFrame
    themes: list[ThemeView]
    scope: dict


def overview(store: Store, f: Filters, opts: Options | None = None, workers: int = 3) -> Overview:
    """All overview aggregates, run concurrently on separate connections (the database does the work)."""
    gran = granularity_for(f, opts)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rl-query") as ex:
        h = ex.submit(headline, store, f)
        ents = ex.submit(top_entities, store, f)
        ts = ex.submit(timeseries, store, f, gran)
        tp = ex.submit(topics_by_sentiment, store, f)
        rt = ex.submit(rating_distribution, store, f)
        th = ex.submit(lambda: complaints(store, f, h.result().reviews))
        themes, scope = th.result()
        return Overview(headline=h.result(), granularity=gran, timeseries=ts.result(), topics=tp.result(),
                        ratings=rt.result(), entities=ents.result(), themes=themes, scope=scope)

