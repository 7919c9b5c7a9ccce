"""The read layer for presentation: the dashboard's and the report's questions, answered in SQL.

`reviewlens.store` owns the tables and every write, and gives the stages that collect and analyze
plain records. Presentation asks a different kind of question: aggregates over any combination of
filters (reviews per week, per topic, per entity; one page of a sorted selection), which only the
database can answer without loading every row into Python. So here, as in datasette, SQL is openly
this layer's interface to the data: this module reads the store's tables directly (SQLAlchemy Core,
the `Table` objects `reviewlens.store` defines, so a schema change shows up here too) and translates
a `Filters` into WHERE conditions (`conditions`, `current_analysis`, `reviews_with_analysis`). It
never writes. Where the store already has a read (the run history), it builds on that instead of
querying twice.

Every public function takes a `Store` (most also a `Filters`) and returns small plain results:
dataclasses, records of `reviewlens.schema`, or DataFrames of bucket counts; reviews themselves come
one page or one chunk at a time. The dashboard and the Excel report read through here and contain
no SQL of their own.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator, Sequence

import pandas as pd
import sqlalchemy as sa

from .buckets import bucket_days, coverage
from .buckets import choose as choose_bucket
from .comparing import KINDS, own_name
from .display_text import neutralize
from .filters import SENTIMENT_OPTIONS, Filters, field_filter, version_key
from .schema import MIN_PREVIOUS_REVIEWS, ComplaintTheme, Label, Quote, has_periods, no_trend_reason, trend_arrow
from .model_text import sanitize_label
from .store import (Store, analyses, mentioning, review_entities, review_fields, review_flags, review_tags, review_topics,
                    reviews, star_ratings, theme_table)

__all__ = [
    "SENTIMENT_OPTIONS", "Filters", "TOPIC_LABELS", "TAXONOMY", "topic_label", "topic_labels", "topics_preset",
    "conditions", "current_analysis", "reviews_with_analysis",
    "Options", "options", "date_span", "default_period", "Headline", "headline", "granularity_for", "timeseries",
    "theme_timeseries", "theme_window", "rename_theme",
    "topics_by_sentiment", "topic_summary", "rating_distribution", "top_entities", "mention_counts",
    "ThemeView", "latest_complaints", "themes_computed_at", "THEMES_COMPUTED", "complaints", "EXPLORER_COLUMNS", "count_reviews", "review_page",
    "iter_review_rows", "review_texts", "labels_for", "runs_frame", "Overview", "overview", "ReplyStats", "reply_stats",
]

log = logging.getLogger(__name__)

#: The products preset's topic names (analysis.taxonomy's titles), for a store whose taxonomy has no labels yet
TOPIC_LABELS = {
    "quality": "Quality", "delivery": "Delivery", "price": "Price", "customer_service": "Customer service",
    "usability": "Usability", "performance": "Performance", "size_fit": "Size and fit", "packaging": "Packaging",
    "returns": "Returns and refunds", "other": "General",
}
_ID_CHUNK = 2000

#: The checkpoint the analysis records its taxonomy in (`reviewlens.app.taxonomy_record`): preset, topic names,
#: and their display names ("labels": the presets' "Check-in and check-out", a topic's `label` in reviewlens.toml).
TAXONOMY = "analysis:taxonomy"


def topic_labels(store: Store) -> dict[str, str]:
    """The display names of the store's topics, as its last analysis recorded them ({} for a store analyzed
    before they were recorded: `topic_label` then names the products preset's topics and spells the others'
    slugs out)."""
    labels = (store.load_checkpoint(TAXONOMY) or {}).get("labels")
    if not isinstance(labels, dict):
        return {}
    return {str(k): " ".join(v.split()) for k, v in labels.items() if isinstance(v, str) and v.strip()}


def topics_preset(store: Store) -> str | None:
    """The topics preset of the store's taxonomy ("products", "apps", ...), as its last analysis recorded it; None
    before one did."""
    preset = (store.load_checkpoint(TAXONOMY) or {}).get("preset")
    return preset if isinstance(preset, str) else None


def topic_label(slug: str | None, labels: dict[str, str] | None = None) -> str:
    """Display name of a topic slug: its name in `labels` (`topic_labels` of the store), else the products
    preset's, else 'some_slug' -> 'Some slug'."""
    if not slug:
        return "—"
    if labels and slug in labels:
        return labels[slug]
    return TOPIC_LABELS.get(slug, slug.replace("_", " ").replace("-", " ").strip().capitalize())


MAX_MENTION_OPTIONS = 300  # names the sidebar offers (the most named)


# ------------------------------------------------------------------------------------------ Filters -> SQL
def conditions(f: Filters, a: sa.Table | sa.Alias | None) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions on `reviews` (and the current-analysis alias `a` when sentiments are filtered)."""
    c = reviews.c
    out: list[sa.ColumnElement[bool]] = []
    if f.since:
        out.append(c.date >= f.since)
    if f.until:
        out.append(c.date <= f.until)
    if f.products:
        out.append(c.product.in_(f.products))
    if f.sources:
        out.append(c.source.in_(f.sources))
    if f.versions:
        out.append(c.version.in_(f.versions))
    if f.min_rating is not None:
        out.append(c.rating >= f.min_rating)
    if f.max_rating is not None:
        out.append(c.rating <= f.max_rating)
    if f.search:
        out.append(sa.or_(c.text.icontains(f.search, autoescape=True),
                          c.title.icontains(f.search, autoescape=True)))
    if f.replied is not None:  # a reply of only spaces is no reply (as `reviewlens replies` counts it)
        has = sa.and_(c.reply.is_not(None), sa.func.trim(c.reply) != "")
        out.append(has if f.replied else sa.not_(has))
    if f.topics:
        out.append(c.content_hash.in_(
            sa.select(review_topics.c.content_hash).where(review_topics.c.topic.in_(f.topics))))
    if f.sentiments or f.languages:
        if a is None:
            raise ValueError("a sentiment or language filter needs the analyses join")
        if f.sentiments:
            out.append(a.c.sentiment.in_(f.sentiments))
        if f.languages:
            out.append(a.c.language.in_(f.languages))
    if f.review_ids is not None:
        out.append(c.id.in_(f.review_ids) if f.review_ids else sa.false())
    for name, values in f.fields:
        rf = review_fields.c
        out.append(c.id.in_(sa.select(rf.review_id).where(rf.name == name, rf.value.in_(values))))
    if f.tags:
        out.append(c.id.in_(sa.select(review_tags.c.review_id).where(review_tags.c.tag.in_(f.tags))))
    if f.mentions:
        out.append(mentioning(f.mentions, f.said))  # Store's: exports filter by it too
    if f.suspicious is not None:  # as last checked: integrity.current(store) checks again first
        flagged = c.id.in_(sa.select(review_flags.c.review_id))
        out.append(flagged if f.suspicious else sa.not_(flagged))
    return out


def current_analysis() -> sa.Alias:
    """An alias of `analyses` for joining the current analysis of each review's text."""
    return analyses.alias("a")


def reviews_with_analysis(a: sa.Alias) -> sa.Join:
    """reviews LEFT JOIN the current analysis of their text."""
    return reviews.outerjoin(a, sa.and_(a.c.content_hash == reviews.c.content_hash, a.c.is_current))


def matching(f: Filters) -> tuple[Any, list[sa.ColumnElement[bool]]]:
    """What to select `f`'s reviews from (reviews, joined with their current analysis when `f` filters on
    it) and the WHERE conditions."""
    a = current_analysis() if f.needs_analysis else None
    return (reviews_with_analysis(a) if a is not None else reviews), conditions(f, a)


def mention_counts(store: Store, limit: int | None = MAX_MENTION_OPTIONS, *,
                   own: bool = False) -> list[tuple[str, str, int]]:
    """The names the analyses found (name, its commonest type, review texts naming it), the most named
    first; one row per name in any case (the commonest spelling). A product's or company's name that is (part
    of) the reviewed product's own name is left out where it is ("Pulse" in reviews of "Pulse Fitness
    Smartwatch"), as `reviewlens mentions` leaves it out; `own`: with those (every name a filter can take)."""
    e = review_entities.c
    q = (sa.select(e.text, e.type, sa.func.count(sa.distinct(e.content_hash)).label("n"))
         .group_by(e.text, e.type).order_by(sa.desc("n"), e.text))
    with store.engine.connect() as c:
        rows = [(text, typ, int(n)) for text, typ, n in c.execute(q)]
        if not own:  # only names that could be a product's own are counted again by product (the join is dear)
            products = [p for (p,) in c.execute(sa.select(reviews.c.product).distinct()) if p]
            maybe = sorted({t for t, typ, _ in rows if typ in KINDS and any(own_name(t, p) for p in products)})
            mine: Counter = Counter()
            for i in range(0, len(maybe), _ID_CHUNK):
                q = (sa.select(e.text, e.type, reviews.c.product, sa.func.count(sa.distinct(e.content_hash)))
                     .select_from(review_entities.join(reviews, reviews.c.content_hash == e.content_hash))
                     .where(e.text.in_(maybe[i:i + _ID_CHUNK])).group_by(e.text, e.type, reviews.c.product))
                mine.update({(t, typ): int(n) for t, typ, p, n in c.execute(q) if own_name(t, p)})
            rows = [(t, typ, n - mine[(t, typ)]) for t, typ, n in rows if n > mine[(t, typ)]]
    names: dict[str, list] = {}
    for text, typ, n in rows:
        key = " ".join(str(text).split()).casefold()
        if key not in names:
            names[key] = [text, Counter(), 0]
        names[key][1][typ] += n
        names[key][2] += n
    return sorted(((t, types.most_common(1)[0][0], n) for t, types, n in names.values()),
                  key=lambda x: (-x[2], x[0].casefold()))[:limit]


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
    languages: list[str] = field(default_factory=list)  # detected, of the current analyses
    versions: list[str] = field(default_factory=list)   # the versions reviewed, newest first
    # the user's own fields worth filtering by (2 to MAX_FIELD_VALUES values): name -> values, commonest first
    fields: dict[str, list[str]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)  # the team's tags in use, the most used first
    # the names the analyses found, the most named first (at most MAX_MENTION_OPTIONS): name -> its type
    mentions: dict[str, str] = field(default_factory=dict)
    topic_names: dict[str, str] = field(default_factory=dict)  # the topics' display names (`topic_labels`)
    topics_preset: str | None = None  # the taxonomy's preset (`topics_preset`): "apps" drafts replies for an app

    def topic(self, slug: str | None) -> str:
        """A topic's display name (`topic_label` with the store's names)."""
        return topic_label(slug, self.topic_names)


def as_date(v: Any) -> date | None:
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


def date_span(store: Store, products: Sequence[str] | None = None,
              fields: Any = ()) -> tuple[date | None, date | None]:
    """The oldest and the newest review date in the store (of `products`, and with the user's `fields`, when
    given); (None, None) when no review has a date."""
    q = sa.select(sa.func.min(reviews.c.date), sa.func.max(reviews.c.date))
    if products or fields:
        q = q.where(*conditions(Filters.of(products=products, fields=fields), None))
    with store.engine.connect() as c:
        first, last = c.execute(q).one()
    return as_date(first), as_date(last)


def count_unanalyzed(store: Store) -> int:
    """Reviews whose text has no current analysis (imported or scraped since the last `analyze`)."""
    a = current_analysis()
    q = sa.select(sa.func.count()).select_from(reviews_with_analysis(a)).where(a.c.content_hash.is_(None))
    with store.engine.connect() as c:
        return int(c.execute(q).scalar_one())


def analysis_progress(store: Store) -> tuple[int, int] | None:
    """(texts analyzed so far, texts it set out to analyze) of the analysis run going on, or None."""
    for r in store.list_runs(limit=5, kind="analyze"):
        if r["status"] == "running":
            detail = r.get("detail") if isinstance(r.get("detail"), dict) else {}
            return int(r["reviews_new"] or 0), int(detail.get("pending") or 0)
    return None


def count_undated(store: Store, products: Sequence[str] | None = None, fields: Any = ()) -> int:
    """The reviews (of `products` and with the user's `fields`, when given) that have no date: no period
    holds them."""
    q = sa.select(sa.func.count()).select_from(reviews).where(
        reviews.c.date.is_(None), *conditions(Filters.of(products=products, fields=fields), None))
    with store.engine.connect() as c:
        return int(c.execute(q).scalar_one())


def version_counts(store: Store) -> dict[str | None, dict[str, int]]:
    """Reviews per version reviewed, per product (None: reviews without a product)."""
    r = reviews.c
    q = sa.select(r.product, r.version, sa.func.count()).where(r.version.is_not(None)).group_by(r.product, r.version)
    out: dict[str | None, dict[str, int]] = {}
    with store.engine.connect() as c:
        for product, version, n in c.execute(q):
            out.setdefault(product, {})[version] = int(n)
    return out


def options(store: Store) -> Options:
    """Distinct sources, products and topics, the date span and the review count of the whole store."""
    with store.engine.connect() as c:
        total = c.execute(sa.select(sa.func.count()).select_from(reviews)).scalar_one()
        sources = [r for r in c.execute(sa.select(reviews.c.source).distinct().order_by(reviews.c.source)).scalars()]
        products = [r for r in c.execute(sa.select(reviews.c.product).where(reviews.c.product.is_not(None))
                                         .distinct().order_by(reviews.c.product)).scalars()]
        topics = [r for r in c.execute(sa.select(review_topics.c.topic).distinct()
                                       .order_by(review_topics.c.topic)).scalars()]
        lang = analyses.c.language
        languages = [r for r in c.execute(sa.select(lang).where(analyses.c.is_current, lang.is_not(None))
                                          .group_by(lang).order_by(sa.func.count().desc(), lang)).scalars()]
        versions = list(c.execute(sa.select(reviews.c.version).where(reviews.c.version.is_not(None)).distinct())
                        .scalars())
        if "star_ratings" not in store.missing_tables:  # a product or version whose ratings all came without words
            sr = star_ratings.c
            products = sorted({*products, *c.execute(sa.select(sr.product).where(sr.product.is_not(None)).distinct())
                               .scalars()})
            versions += c.execute(sa.select(sr.version).where(sr.version.is_not(None)).distinct()).scalars()
        versions = sorted(set(versions), key=version_key, reverse=True)
    first, last = date_span(store)
    return Options(total=int(total or 0), sources=sources, products=products, topics=topics,
                   first_date=first, last_date=last, languages=languages, versions=versions,
                   fields=field_values(store), tags=[t for t, _ in store.tag_counts()],
                   mentions={name: typ for name, typ, _ in mention_counts(store)}, topic_names=topic_labels(store),
                   topics_preset=topics_preset(store))


def field_value_list(store: Store, name: str) -> list[str]:
    """Every value of the user's field `name` in the store, the commonest first."""
    if "review_fields" in store.missing_tables:
        return []
    rf = review_fields.c
    q = sa.select(rf.value).where(rf.name == name).group_by(rf.value).order_by(sa.func.count().desc(), rf.value)
    with store.engine.connect() as c:
        return list(c.execute(q).scalars())


MAX_FIELD_VALUES = 100  # a field with more distinct values (an order number, a timestamp) is not offered to filter by


def field_values(store: Store, limit: int = MAX_FIELD_VALUES) -> dict[str, list[str]]:
    """The user's fields (an import's other columns) with 2 to `limit` distinct values, each value on two
    reviews on average: name -> values, the commonest first. A field with one value tells nothing apart; one
    with more, or with a value per review, is an identifier (an order number, a timestamp)."""
    if "review_fields" in store.missing_tables:
        return {}
    rf = review_fields.c
    with store.engine.connect() as c:
        counted_rows = {n: rows for n, k, rows in c.execute(
            sa.select(rf.name, sa.func.count(sa.distinct(rf.value)), sa.func.count()).group_by(rf.name).order_by(rf.name))
            if 2 <= k <= limit and 2 * k <= rows}  # values that repeat: not one per review (an id)
        names = list(counted_rows)
        restating = _restating_fields(c, names, sum(counted_rows.values()))
        names = [n for n in names if n not in restating]
        out: dict[str, list[str]] = {n: [] for n in names}
        if names:
            q = (sa.select(rf.name, rf.value).where(rf.name.in_(names)).group_by(rf.name, rf.value)
                 .order_by(rf.name, sa.func.count().desc(), rf.value))
            for name, value in c.execute(q):
                out[name].append(value)
    return out


#: Field rows above which `_restating_fields` reads a sixteenth of them: the reviews whose id starts with "0" (ids are
#: hex digests, so a random sixteenth), found by the primary key's range; all of 100,000 reviews' rows took 0.5 to
#: 1.7 s of every `options`, these 0.1 s
RESTATE_CHECK_ROWS = 20_000


def _restating_fields(c: sa.Connection, names: Sequence[str], rows: int = 0) -> set[str]:
    """Of the fields `names` (`rows` field rows in all), those that only restate the product or the version: one
    value a product (a version) and one product a value, on the reviews with both. A chain's branches are each a
    product; their place ids, addresses and cities from a Google Maps file were offered as four more ways to compare
    the same groups, and Google Play's "App Version Code" as another way to compare its versions. Over
    RESTATE_CHECK_ROWS rows, read on a random sixteenth of the reviews: a value that parts from its product only in
    the rest is missed, and the field is then offered by `reviewlens compare --by field:NAME` alone."""
    if not names:
        return set()
    rf, r = review_fields.c, reviews.c

    def counts(col: Any) -> list[Any]:
        both = col.is_not(None)
        return [sa.func.count(sa.distinct(sa.case((both, rf.value)))), sa.func.count(sa.distinct(col)),
                sa.func.count(sa.distinct(sa.case((both, rf.value + "\x1f" + col))))]

    sample = rows > RESTATE_CHECK_ROWS
    # sampled: the names compared and grouped as `name || ''`, so SQLite reads the sixteenth by the primary key's
    # range rather than every row of the names by their index (0.29 s against 0.07 s on 100,000 reviews)
    name = rf.name + "" if sample else rf.name
    q = (sa.select(name, *counts(r.product), *counts(r.version))
         .select_from(review_fields.join(reviews, r.id == rf.review_id)).where(name.in_(names)).group_by(name))
    if sample:
        q = q.where(rf.review_id < "1")
    return {n for n, *k in c.execute(q)
            if any(k[i] == k[i + 1] == k[i + 2] and k[i] > 1 for i in (0, 3))}


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
        """Change of one number against the previous period; None when either side is unknown, or (share
        negative, net sentiment) rests on too few analyzed reviews (`no_change_reason`)."""
        if self.previous is None or self.no_change_reason(name):
            return None
        now, before = getattr(self, name), getattr(self.previous, name)
        if now is None or before is None:
            return None
        if name == "reviews" and before == 0:
            return None
        return now - before


    def no_change_reason(self, name: str) -> str | None:
        """Why share negative or net sentiment (`name`) gets no change against the previous period: "the period
        before has 8 analyzed reviews" when either side has fewer than schema.MIN_PREVIOUS_REVIEWS analyzed, the
        bar themes' trends have (a change between 317 reviews and 8 read "negative down 34 points"); else None."""
        if name not in ANALYZED_MEASURES or self.previous is None:
            return None
        for side, h in (("this period", self), ("the period before", self.previous)):
            if h.analyzed < MIN_PREVIOUS_REVIEWS:
                held = "no analyzed reviews" if not h.analyzed else analyzed_phrase(h.analyzed)
                return f"{side} has {held}, fewer than the {MIN_PREVIOUS_REVIEWS} a change needs"
        return None

    def base_text(self) -> str:
        """What share negative and net sentiment are of: "of the 3 analyzed of 1,858 reviews", "of all 40
        reviews (all analyzed)"."""
        if self.analyzed >= self.reviews:
            return f"of all {self.reviews:,} reviews (all analyzed)"
        return f"of the {self.analyzed:,} analyzed of {self.reviews:,} reviews"


#: The headline numbers that are of the analyzed reviews only
ANALYZED_MEASURES = ("share_negative", "net_sentiment")


def analyzed_phrase(n: int) -> str:
    return f"{n:,} analyzed review{'s' * (n != 1)}"


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


def headline(store: Store, f: Filters, previous: bool = True) -> Headline:
    """Reviews, average rating, share negative, net sentiment, each with the previous period (unless
    `previous` is False)."""
    with store.engine.connect() as c:
        h = _headline_row(c, f)
        prev = f.previous_period() if previous else None
        if prev is not None:
            h.previous = _headline_row(c, prev)
    return h


def stars_apply(f: Filters) -> bool:
    """Whether a selection can count the ratings without words (star-only reviews, kept apart): it selects only
    what they have, a period, products, sources, app versions and a range of ratings (they have no words, topic,
    sentiment, language, reply or fields of their own)."""
    return f == Filters(since=f.since, until=f.until, products=f.products, sources=f.sources,
                        min_rating=f.min_rating, max_rating=f.max_rating, versions=f.versions)


def star_stats(store: Store, f: Filters) -> RatingStats | None:
    """The selection's ratings without words (star-only reviews, kept apart): how many, their mean and variance;
    None when it has none or cannot count them (`stars_apply`)."""
    stats = RatingStats.pooled(list(star_ratings_by(store, "source", f).values()))
    return stats if stats.n else None


def rating_with_stars(store: Store, f: Filters) -> tuple[int, float] | None:
    """(how many ratings without words the selection has, the average rating of its reviews and those), as the
    site counts its rating; None when it has none or cannot count them (`stars_apply`)."""
    stars = star_stats(store, f)
    if stars is None:
        return None
    a = current_analysis()
    with store.engine.connect() as c:
        rated, total = c.execute(sa.select(sa.func.count(reviews.c.rating), sa.func.sum(reviews.c.rating))
                                 .select_from(reviews_with_analysis(a)).where(*conditions(f, a))).one()
    return stars.n, (float(total or 0) + stars.mean * stars.n) / (int(rated or 0) + stars.n)


# ------------------------------------------------------------------------------------------ time series
def granularity_for(store: Store, f: Filters, by: str = "auto") -> str:
    """'week' or 'month': the trend's bucket for the dated reviews of `f`, by how many there are a week
    (`reviewlens.buckets.choose`); `by` "week" or "month" is the user's own choice."""
    if by != "auto":
        return choose_bucket(0, None, None, by)
    a = current_analysis()
    q = (sa.select(sa.func.count(), sa.func.min(reviews.c.date), sa.func.max(reviews.c.date))
         .select_from(reviews_with_analysis(a)).where(reviews.c.date.is_not(None), *conditions(f, a)))
    with store.engine.connect() as c:
        n, first, last = c.execute(q).one()
    return choose_bucket(int(n or 0), as_date(first), as_date(last))


def _bucket(store: Store, granularity: str) -> sa.ColumnElement:
    d = reviews.c.date
    if store.dialect == "postgresql":
        return sa.cast(sa.func.date_trunc(granularity, d), sa.Date)
    if granularity == "week":
        return sa.func.date(d, "weekday 0", "-6 days")  # the Monday of the week
    if granularity == "month":
        return sa.func.strftime("%Y-%m-01", d)
    raise ValueError(f"unknown granularity {granularity!r} (use week or month)")


def _with_coverage(df: pd.DataFrame, f: Filters, granularity: str) -> pd.DataFrame:
    """`df` (a column period: each bucket's first day) with days (how many of the bucket's days `f`'s
    period covers), bucket_days (how many it has) and partial (days < bucket_days): the first week of
    "Last 30 days" holds two days' reviews, not a week's (reviewlens.buckets.coverage)."""
    starts = [p.date() for p in df["period"]]
    days = [coverage(p, granularity, f.since, f.until) for p in starts]
    full = [bucket_days(p, granularity) for p in starts]
    return df.assign(days=pd.Series(days, index=df.index, dtype=int),
                     bucket_days=pd.Series(full, index=df.index, dtype=int),
                     partial=pd.Series([d < n for d, n in zip(days, full)], index=df.index, dtype=bool))


def timeseries(store: Store, f: Filters, granularity: str = "week") -> pd.DataFrame:
    """Per period: reviews, average rating and counts per sentiment. Columns: period, reviews,
    avg_rating, positive, neutral, negative, net_sentiment, and days, bucket_days, partial: how many of
    the period's days `f` covers, of how many (a part week or month holds those days' reviews only)."""
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
        return df.assign(net_sentiment=pd.Series(dtype=float), days=pd.Series(dtype=int),
                         bucket_days=pd.Series(dtype=int), partial=pd.Series(dtype=bool))
    df["period"] = pd.to_datetime(df["period"])
    for col in ("reviews", "positive", "neutral", "negative"):
        df[col] = df[col].fillna(0).astype(int)
    df["avg_rating"] = df["avg_rating"].astype(float)
    analyzed = (df["positive"] + df["neutral"] + df["negative"]).astype(float).replace(0.0, float("nan"))
    df["net_sentiment"] = ((df["positive"] - df["negative"]) * 100.0 / analyzed).astype(float)
    return _with_coverage(df, f, granularity)


# ------------------------------------------------------------------------------------------ topics, ratings, entities
def _filtered_texts(store: Store, f: Filters) -> sa.Subquery:
    """Subquery of the filtered reviews: (content_hash, product, sentiment), one row per review.

    On SQLite it carries LIMIT -1 (no limit), which keeps the planner from flattening it: the join
    then starts from the (filtered) reviews and probes the topic/entity tables by key, instead of
    scanning every topic/entity row and looking each review up.
    """
    a = current_analysis()
    q = (sa.select(reviews.c.content_hash, reviews.c.product, a.c.sentiment).select_from(reviews_with_analysis(a))
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
    labels = topic_labels(store)
    df["label"] = df["topic"].map(lambda t: topic_label(t, labels))
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
    star = sa.cast(sa.func.round(reviews.c.rating), sa.Integer).label("rating")
    src, where = matching(f)
    q = (sa.select(star, sa.func.count().label("reviews")).select_from(src)
         .where(reviews.c.rating.is_not(None), *where).group_by(star))
    with store.engine.connect() as c:
        counts = {int(r): int(n) for r, n in c.execute(q).all() if r is not None}
    return pd.DataFrame({"rating": [1, 2, 3, 4, 5], "reviews": [counts.get(i, 0) for i in range(1, 6)]})


def top_entities(store: Store, f: Filters, limit: int = 15) -> pd.DataFrame:
    """Most-mentioned entities with what the reviews say of them: each mention counts by the sentiment of the
    clause that names it (analysis.entity_sentiment), or, in analyses made before that was stored, by its
    review's sentiment. A product's or company's name that is (part of) the reviewed product's own name is
    left out in that product's reviews, as in `reviewlens mentions`; a name is one row in any case, of the type
    most of its mentions have (as there).

    Columns: entity, type, mentions, positive, neutral, negative, net_sentiment (counts are mentions).
    """
    e = review_entities
    fr = _filtered_texts(store, f)
    s = sa.func.coalesce(e.c.sentiment, fr.c.sentiment)
    n = sa.func.count().label("mentions")
    q = (sa.select(e.c.text.label("entity"), e.c.type, fr.c.product, n,
                   *[sa.func.sum(sa.case((s == name, 1), else_=0)).label(name)
                     for name in ("positive", "neutral", "negative")])
         .select_from(fr.join(e, e.c.content_hash == fr.c.content_hash)).group_by(e.c.type, e.c.text, fr.c.product))
    cols = ["entity", "type", "mentions", "positive", "neutral", "negative"]
    with store.engine.connect() as c:
        rows = [r for r in c.execute(q).mappings()
                if not (r["type"] in KINDS and own_name(str(r["entity"]), r["product"]))]
    df = pd.DataFrame(rows, columns=[*cols, "product"]).drop(columns="product")
    for col in cols[2:]:
        df[col] = df[col].fillna(0).astype(int)
    # one row a name in any case and type ("Sofia", typed a person three times and a place twice, was two bars
    # beside one name of 5 reviews in the names section): its commonest spelling, of its commonest type
    df["key"] = df["entity"].map(lambda t: " ".join(str(t).split()).casefold())
    commonest = lambda col: (df.groupby(["key", col], sort=False)["mentions"].sum().reset_index()  # noqa: E731
                             .sort_values(["key", "mentions"], ascending=[True, False], kind="stable")
                             .drop_duplicates("key").set_index("key")[col])
    spelling, kind = commonest("entity"), commonest("type")
    df = (df.groupby("key", sort=False)[cols[2:]].sum().reset_index()
          .assign(entity=lambda d: d["key"].map(spelling), type=lambda d: d["key"].map(kind))[cols]
          .sort_values(["mentions", "entity"], ascending=[False, True], kind="stable").head(limit)
          .reset_index(drop=True))
    analyzed = (df["positive"] + df["neutral"] + df["negative"]).astype(float).replace(0.0, float("nan"))
    df["net_sentiment"] = ((df["positive"] - df["negative"]) * 100.0 / analyzed).astype(float)
    return df


# ------------------------------------------------------------------------------------------ complaints
def _utc_text(v: Any) -> str | None:
    """A stored timestamp as text, UTC-aware on both databases (SQLite gives naive datetimes back)."""
    if v is None:
        return None
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v)
        except ValueError:
            return v
    if isinstance(v, datetime) and v.tzinfo is None:
        v = v.replace(tzinfo=timezone.utc)
    return str(v)


def _stored_theme(r: Any) -> ComplaintTheme:
    """One complaint_themes row as a ComplaintTheme; unreadable quotes/ids JSON is logged and left out."""
    try:
        raw_quotes = json.loads(r["quotes"] or "[]")
        ids = [str(x) for x in json.loads(r["review_ids"] or "[]")]
        quotes = [Quote(review_id=str(q.get("review_id") or ""), text=str(q.get("text") or ""),
                        url=q.get("url") if isinstance(q.get("url"), str) else None,
                        language=q.get("language") if isinstance(q.get("language"), str) else None,
                        translation=q.get("translation") if isinstance(q.get("translation"), str) else None)
                  for q in raw_quotes if isinstance(q, dict)]
    except (TypeError, ValueError) as e:
        log.warning("complaint theme %r has unreadable JSON (%s); showing it without quotes", r["label"], e)
        quotes, ids = [], []
    return ComplaintTheme(label=r["label"], summary=r["summary"] or "", count=r["count"], share=r["share"],
                          previous_count=r["previous_count"] or 0, trend=r["trend"], topic=r["topic"],
                          quotes=quotes, review_ids=ids)


def _scope_key(raw: Any) -> tuple | None:
    """What a stored scope (JSON) was computed for: (products, fields), each sorted (() = all; fields as
    `Filters.fields`); None when unreadable."""
    try:
        scope = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return None
    if not isinstance(scope, dict):
        return None
    products = scope.get("products") or []
    if not isinstance(products, list):
        return None
    try:
        fields = field_filter(dict(scope.get("fields") or []))
    except (TypeError, ValueError):
        return None
    return tuple(sorted(str(p) for p in products)), fields


THEMES_COMPUTED = "themes:computed:"  # + kind: when the themes of all reviews were last computed (found or none)


def themes_computed_at(store: Store, kind: str = "complaints") -> str | None:
    """When the themes of all reviews (`kind`: complaints, praise, requests) were last computed, as ISO text, found
    or none (a store where no two reviews raise the same complaint has none to store): None when never."""
    return (store.load_checkpoint(THEMES_COMPUTED + kind) or {}).get("at") or \
        latest_complaints(store, kind)[1].get("computed_at")


def latest_complaints(store: Store, kind: str = "complaints", products: Sequence[str] | None = None,
                      fields: Any = ()) -> tuple[list[ComplaintTheme], dict]:
    """The most recently computed complaint themes (`kind="praise"`: praise themes) for `products` (None
    or empty: those computed for all products, as the scheduled runs and the demo compute them; a
    `reviewlens complaints --product X` computation does not replace them) and the user's `fields` (as
    `Filters.of` takes them; none: not computed for a segment), in their stored rank order, and their scope.

    The scope is the dict the analysis stored (since, until, products, ...) plus `computed_at`
    (UTC, as text) and `batch`. Nothing stored for those products: `([], {})`. Unreadable JSON in a
    row is logged and that theme comes back without quotes; an unreadable scope is taken for all
    products and comes back as just `computed_at` and `batch`.
    """
    ct = theme_table(kind)
    if ct.name in store.missing_tables:  # a read-only store made before praise themes
        return [], {}
    want = (tuple(sorted(products or ())), field_filter(fields))
    with store.engine.connect() as c:
        batch = None
        heads = c.execute(sa.select(ct.c.batch, ct.c.scope).where(ct.c.rank == 1).order_by(ct.c.id.desc()))
        for b, raw in heads:  # newest first; usually the first or second one is it
            if (_scope_key(raw) or ((), ())) == want:
                batch = b
                break
        if not batch:
            return [], {}
        rows = c.execute(sa.select(ct).where(ct.c.batch == batch).order_by(ct.c.rank)).mappings().all()
    if not rows:
        return [], {}
    themes = [_stored_theme(r) for r in rows]
    try:
        scope = json.loads(rows[0]["scope"] or "{}")
    except (TypeError, ValueError):
        scope = None
    if not isinstance(scope, dict):
        log.warning("complaint themes %s have an unreadable scope; showing them without it", batch)
        scope = {}
    scope["computed_at"] = _utc_text(rows[0]["computed_at"])
    scope["batch"] = batch
    drop_baseless_trends(themes, scope)  # themes stored before the rule, with a trend against 2 reviews
    return themes, scope


def drop_baseless_trends(themes: Sequence[ComplaintTheme], scope: dict) -> str | None:
    """No trend (None) for themes whose period before held too few reviews to compare with
    (`schema.MIN_PREVIOUS_REVIEWS`): a store's first 90 days against the 2 reviews before them are no rise of
    every complaint. Returns why, as the commands, the report and the alerts say it, or None when there is a base."""
    reason = no_trend_reason(scope.get("previous_reviews")) if scope.get("since") else None
    if reason:
        for t in themes:
            t.trend = None
    return reason


@dataclass(frozen=True)
class RatingImpact:
    """What a complaint costs in rating within one set of reviews (a period, the dashboard's filters).

    Two measures. The plain one: the mean star rating of the theme's reviews against the other reviews'
    (`gap`). A review that raises several complaints lowers each of their means, so the plain gap of a
    complaint that merely travels with a costly one looks costly too. Hence `effect`: the stars a review
    raising this complaint loses with the other themes' complaints held equal (a least-squares fit of the
    rating on every theme's membership at once, `rating_impacts`), with its 95% confidence half-width.
    `at_stake`, how much the mean rating of all the reviews would rise if the theme's reviews were rated
    like the others (its share of the rated reviews times the loss), uses `effect` when there is one.
    Both are associations in the reviews, not experiments."""

    rated: int            # the theme's reviews with a rating
    mean: float           # their mean rating (1..5)
    others_rated: int     # the other reviews with a rating
    others_mean: float
    effect: float | None = None     # stars, the other themes held equal (negative: lower ratings)
    effect_ci: float | None = None  # 95% confidence half-width of `effect`

    @property
    def gap(self) -> float:
        """Stars below (negative) or above the other reviews."""
        return self.mean - self.others_mean

    @property
    def at_stake(self) -> float:
        """Stars the mean rating would gain if these reviews were rated like the others (0 when higher):
        the loss with the other complaints held equal where it was worked out, else the plain gap."""
        loss = self.effect if self.effect is not None else self.gap
        return max(0.0, -loss) * self.rated / (self.rated + self.others_rated)

    def text(self) -> str:
        """`rated 1.9★ (12 rated) vs 4.3★ for the other reviews; the other complaints held equal, 1.2★ lower
        (±0.4); 0.21★ of the average rating at stake`."""
        held = ""
        if self.effect is not None:
            way = "lower" if self.effect < 0 else "higher"
            held = (f"; the other complaints held equal, {abs(self.effect):.1f}★ {way}"
                    + (f" (±{self.effect_ci:.1f})" if self.effect_ci is not None else ""))
        return f"{self.means_text()}{held}; {self.at_stake:.2f}★ of the average rating at stake"

    def means_text(self) -> str:
        """`rated 4.6★ (30 rated) vs 3.8★ for the other reviews` (what a praise theme shows)."""
        return f"rated {self.mean:.1f}★ ({self.rated} rated) vs {self.others_mean:.1f}★ for the other reviews"


MIN_RATED = 3  # fewer rated reviews on either side: no rating impact (a mean of one or two says little)
MIN_DOF = 5    # fewer rated reviews than themes + 6: no held-equal effects (too few to fit them)


def by_stake(labels: Sequence[str], impacts: Sequence[RatingImpact | None]) -> str:
    """The themes ordered by the rating at stake ("Late delivery 0.31★ · Rude staff 0.20★"), those with an
    impact only; "" when fewer than two have one (nothing to order)."""
    pairs = sorted(((m.at_stake, label) for label, m in zip(labels, impacts) if m is not None),
                   key=lambda p: -p[0])
    return " · ".join(f"{label} {stake:.2f}★" for stake, label in pairs) if len(pairs) > 1 else ""


def rating_impact(ratings: dict[str, float], members: Sequence[str], min_rated: int = MIN_RATED) -> RatingImpact | None:
    """The plain rating impact of a theme whose reviews are `members`, against the other reviews of
    `ratings` (review id -> rating: the rated reviews of the period or filters). None when fewer than
    `min_rated` reviews on either side have a rating."""
    inside = {i for i in members if i in ratings}
    n_in, n_out = len(inside), len(ratings) - len(inside)
    if n_in < min_rated or n_out < min_rated:
        return None
    total = sum(ratings.values())
    sum_in = sum(ratings[i] for i in inside)
    return RatingImpact(rated=n_in, mean=sum_in / n_in, others_rated=n_out, others_mean=(total - sum_in) / n_out)


def rating_impacts(ratings: dict[str, float], themes: Sequence[Sequence[str]],
                   min_rated: int = MIN_RATED) -> list[RatingImpact | None]:
    """The rating impact of each theme (its member review ids), with `effect`: the ordinary least-squares
    fit of the rating on an intercept and one 0/1 column per theme (those with an impact), so a review
    that raises two complaints is not counted as the full cost of both. With 0/1 columns the normal
    equations need only counts and sums (X'X: how many rated reviews each pair of themes shares; X'y: the
    themes' rating sums), so no reviews-by-themes matrix is built: 100,000 ratings and 8 themes take
    milliseconds. Textbook standard errors; numpy and scipy.special (a regression library for this was
    not worth a dependency). Without enough rated reviews for the fit (`MIN_DOF`), the plain impacts alone."""
    import numpy as np
    from scipy.special import stdtrit

    plain = [rating_impact(ratings, m, min_rated) for m in themes]
    cols = [k for k, p in enumerate(plain) if p is not None]
    n, p = len(ratings), len(cols) + 1
    if not cols or n - p < MIN_DOF:
        return plain
    members = [{i for i in themes[k] if i in ratings} for k in cols]
    xtx = np.empty((p, p))
    xty = np.empty(p)
    xtx[0, 0], xty[0] = n, sum(ratings.values())
    for a, ma in enumerate(members, 1):
        xtx[0, a] = xtx[a, 0] = len(ma)
        xty[a] = sum(ratings[i] for i in ma)
        for b in range(a, p):
            xtx[a, b] = xtx[b, a] = len(ma & members[b - 1]) if b != a else len(ma)
    inv = np.linalg.pinv(xtx)
    beta = inv @ xty
    rss = max(0.0, sum(r * r for r in ratings.values()) - float(beta @ xty))  # y'y - b'X'y at the fit
    half = float(stdtrit(n - p, 0.975)) * np.sqrt(np.clip(np.diag(inv) * rss / (n - p), 0.0, None))
    out = list(plain)
    for c, k in enumerate(cols, 1):
        out[k] = replace(plain[k], effect=float(beta[c]), effect_ci=float(half[c]))  # type: ignore[arg-type]
    return out


def ratings_in(store: Store, f: Filters = Filters()) -> dict[str, float]:
    """Review id -> rating for the rated reviews matching `f`."""
    src, where = matching(f)
    q = sa.select(reviews.c.id, reviews.c.rating).select_from(src).where(reviews.c.rating.is_not(None), *where)
    with store.engine.connect() as c:
        return {str(i): float(r) for i, r in c.execute(q)}


@dataclass(frozen=True)
class RatingStats:
    """The rated reviews of a group: how many, their mean rating and its sample variance."""

    n: int
    mean: float
    var: float

    @classmethod
    def of_sums(cls, n: int, total: float, squares: float) -> "RatingStats":
        """From how many, their sum and the sum of their squares (what a grouped query gives)."""
        if not n:
            return cls(0, 0.0, 0.0)
        return cls(n, total / n, max(0.0, (squares - total ** 2 / n) / (n - 1)) if n > 1 else 0.0)

    def with_stars(self, stars: "RatingStats | None") -> "RatingStats":
        """These rated reviews and `stars`, a group's ratings without words (star-only reviews, kept apart),
        together: its rating as the site counts it."""
        return RatingStats.pooled([x for x in (self, stars) if x is not None and x.n])

    @classmethod
    def pooled(cls, groups: Sequence["RatingStats"]) -> "RatingStats":
        n = sum(g.n for g in groups)
        if n == 0:
            return cls(0, 0.0, 0.0)
        mean = sum(g.n * g.mean for g in groups) / n
        squares = sum((g.n - 1) * g.var + g.n * g.mean ** 2 for g in groups)
        return cls(n, mean, max(0.0, (squares - n * mean ** 2) / (n - 1)) if n > 1 else 0.0)

    def welch_p(self, other: "RatingStats", alternative: str = "two-sided") -> float:
        """How likely a difference of means this large is by chance (Welch's t-test, scipy): two-sided, or
        ("greater") that this group's mean is above `other`'s. 1.0 when either group has under 2 ratings."""
        from scipy import stats

        if self.n < 2 or other.n < 2:
            return 1.0
        if self.var == 0 and other.var == 0:
            above = self.mean > other.mean if alternative == "greater" else self.mean != other.mean
            return 0.0 if above else 1.0
        return float(stats.ttest_ind_from_stats(self.mean, self.var ** 0.5, self.n, other.mean, other.var ** 0.5,
                                                other.n, equal_var=False, alternative=alternative).pvalue)


def ratings_by_product(store: Store, f: Filters = Filters()) -> dict[str | None, RatingStats]:
    """Product (None: reviews without one) -> the stats of its rated reviews matching `f`."""
    src, where = matching(f)
    r = reviews.c.rating
    q = (sa.select(reviews.c.product, sa.func.count(r), sa.func.avg(r), sa.func.sum(r * r))
         .select_from(src).where(r.is_not(None), *where).group_by(reviews.c.product))
    out = {}
    with store.engine.connect() as c:
        for product, n, mean, squares in c.execute(q):
            n, mean = int(n), float(mean)
            if n:
                var = max(0.0, (float(squares) - n * mean ** 2) / (n - 1)) if n > 1 else 0.0
                out[product] = RatingStats(n, mean, var)
    return out


def star_ratings_by(store: Store, by: str, f: Filters = Filters()) -> dict[str, RatingStats]:
    """Product (`by` "product"), source or app version -> the stats of its ratings without words (star-only
    reviews, kept apart) matching `f`; {} when the filters select what such a rating has not (`stars_apply`)."""
    if not stars_apply(f):
        return {}
    stats = store.star_rating_stats(by, f.since, f.until, f.products, f.sources, f.min_rating, f.max_rating,
                                    f.versions)
    return {g: RatingStats.of_sums(n, total, squares) for g, (n, total, squares) in stats.items()}


def theme_impacts(store: Store, themes: Sequence[ComplaintTheme], scope: dict) -> list[RatingImpact | None]:
    """The rating impact of each theme within the period, products and segment of the user's fields its
    `scope` names (what `run_complaints` stores: since, until, products, fields; the report recounts a
    segment's themes within it too); None for a theme too few rated reviews speak for."""
    if not themes:
        return []
    try:
        f = Filters.of(since=date.fromisoformat(scope["since"]) if scope.get("since") else None,
                       until=date.fromisoformat(scope["until"]) if scope.get("until") else None,
                       products=scope.get("products") or None, fields=dict(scope.get("fields") or []))
    except (TypeError, ValueError) as e:
        log.warning("complaint scope %r unreadable (%s); no rating impact", scope, e)
        return [None] * len(themes)
    return rating_impacts(ratings_in(store, f), [t.review_ids for t in themes])


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
    quotes: list[Quote]
    review_ids: list[str]
    filtered_count: int = 0     # members inside the current filters
    filtered_share: float = 0.0  # of the filtered reviews (0..1)
    filtered_ids: list[str] = field(default_factory=list)
    impact: RatingImpact | None = None  # within the current filters
    # the period before the filters' own, and the trend against it: the computed ones when the filters keep
    # the themes' period, recounted when they narrow it, None when that period before is not known
    filtered_previous: int | None = None
    filtered_trend: float | None = None
    # the stored quotes of reviews outside the current filters (none of `quotes` is inside): what a list of the
    # theme can quote instead, marked as such, rather than nothing in the customers' words
    quotes_outside: list[Quote] = field(default_factory=list)
    # why there is no `filtered_trend` where the period before held too few reviews ("the period before held 2
    # reviews"); None otherwise
    no_trend: str | None = None

    @property
    def arrow(self) -> str:
        """▲ more complaints than before, ▼ fewer, → about the same or unknown (`schema.trend_arrow`), within
        the filters (`filtered_trend`)."""
        return trend_arrow(self.filtered_trend)


def _ids_in_filter(store: Store, f: Filters, ids: Sequence[str]) -> set[str]:
    src, where = matching(f)
    found: set[str] = set()
    ids = list(dict.fromkeys(ids))
    with store.engine.connect() as c:
        for i in range(0, len(ids), _ID_CHUNK):
            q = sa.select(reviews.c.id).select_from(src).where(reviews.c.id.in_(ids[i:i + _ID_CHUNK]), *where)
            found.update(c.execute(q).scalars())
    return found


def complaints(store: Store, f: Filters, total: int | None = None,
               kind: str = "complaints") -> tuple[list[ThemeView], dict]:
    """The latest computed complaint themes (`latest_complaints`) with their members recounted inside `f`.

    `total` is the number of reviews in `f` (for shares); computed when not given. Returns the
    themes (ranked by filtered count, then stored rank) and the scope they were computed for.
    `kind="praise"`: the praise themes, the same way.

    The themes' members are reviews of the period they were computed for, so they are recounted within `f`
    inside that period (`theme_window`): the shares and the ratings are of the same reviews as the counts (a
    report of all reviews divided the 44 late-delivery reviews of the last 90 days by all 412 reviews, 10.7%
    against the command's 21%). `total` is then recounted for that window; nothing of `f` is in it: all 0.
    """
    stored, scope = latest_complaints(store, kind, f.products, f.fields) if f.fields else ([], {})
    if not stored and f.products:  # none for this segment: the products' own, recounted within the filters
        stored, scope = latest_complaints(store, kind, f.products)
    if not stored:  # none computed for exactly these products: those for all, recounted within the filters
        stored, scope = latest_complaints(store, kind)
    if not stored:
        return [], scope
    no_trend = drop_baseless_trends(stored, scope)
    themes = [ThemeView(rank=i, label=t.label, summary=t.summary, topic=t.topic, count=t.count, share=t.share,
                        previous_count=t.previous_count, trend=t.trend, quotes=t.quotes, review_ids=t.review_ids,
                        filtered_previous=None if no_trend else t.previous_count, filtered_trend=t.trend,
                        no_trend=no_trend)
              for i, t in enumerate(stored, 1)]
    window = theme_window(f, scope)
    if window != f:  # the shares and ratings are of the themes' period, as their members are
        total = 0 if window is None else None
    inside = (_ids_in_filter(store, window, [i for t in themes for i in (*t.review_ids, *(q.review_id for q in t.quotes))])
              if window else set())
    if total is None:
        total = count_reviews(store, window)
    for t in themes:
        t.filtered_ids = [i for i in t.review_ids if i in inside]
        t.quotes_outside = [q for q in t.quotes if q.review_id not in inside]
        t.quotes = [q for q in t.quotes if q.review_id in inside]  # the filters' reviews speak (none: none shown)
        t.filtered_count = len(t.filtered_ids)
        t.filtered_share = t.filtered_count / total if total else 0.0
    ratings = ratings_in(store, window) if window else {}
    for t, m in zip(themes, rating_impacts(ratings, [t.filtered_ids for t in themes])):
        t.impact = m
    _trends_within(store, themes, window, scope, total)
    themes.sort(key=lambda t: (-t.filtered_count, t.rank))
    return themes, scope


SAME_PERIOD = 0.75  # a window this much of the themes' period or more is theirs, for the trend


def _themes_own_reviews(window: Filters, scope: dict) -> bool:
    """Whether `window`, its dates aside, selects the reviews the themes were computed for (their products and
    segment of the user's fields), not a part of them."""
    own = Filters.of(products=scope.get("products") or None, fields=dict(scope.get("fields") or []))
    return replace(window, since=None, until=None) == own


def _trends_within(store: Store, themes: list[ThemeView], window: Filters | None, scope: dict, total: int) -> None:
    """Each theme's previous count and trend for a `window` narrower in time than the themes' period (the last
    30 days of themes computed for 90): against the as long a period before it, recounted, when that lies in the
    themes' period too (their members are known there); else unknown (None). A window of the themes' own
    period (`SAME_PERIOD` of it or more) keeps the computed ones."""
    if window is None:
        return
    # about the themes' own period (the dashboard's last 90 days a day or two off theirs): their computed trend,
    # unless the window is a part of their reviews (a language, a source, a rating): the previous period's
    # members are not kept, and the trend of all reviews is no trend of that part (none: unknown)
    how, before = _period_before(window, scope)
    if how == "own":
        return
    if before is None:
        for t in themes:
            t.filtered_previous = t.filtered_trend = t.no_trend = None
        return
    inside = _ids_in_filter(store, before, [i for t in themes for i in t.review_ids])
    prior = count_reviews(store, before)
    no_trend = no_trend_reason(prior)
    if no_trend:  # as for the themes' own period: too few reviews before to compare with
        for t in themes:
            t.filtered_previous = t.filtered_trend = None
            t.no_trend = no_trend
        return
    for t in themes:
        t.no_trend = None
        t.filtered_previous = sum(1 for i in t.review_ids if i in inside)
        t.filtered_trend = (100.0 * (t.filtered_count / total - t.filtered_previous / prior)
                            if total and prior else None)


@dataclass(frozen=True)
class ThemeBase:
    """What a list of themes recounted within some filters is of, for a reader beside it (the report's themes
    sheets say it at their top): the period and the reviews its counts and shares are of, the period its
    Previous and Trend compare with, and when the themes were computed, for which products and segment."""

    since: date | None           # the period counted: the filters kept to the themes' own (None: no dates)
    until: date | None
    reviews: int                 # the shares' base: the filters' reviews in that period
    own_since: date | None       # the period the themes were computed for, and how many reviews it held
    own_until: date | None
    own_reviews: int | None
    previous_since: date | None = None   # the period the trend compares with (None: there is none)
    previous_until: date | None = None
    previous_reviews: int | None = None
    no_trend: str | None = None          # why there is no trend, in words, where there is none
    computed_at: str | None = None       # when the themes were computed (UTC, as text)
    segment: str = ""                    # the products and values of the user's fields they were computed for


def _period_before(window: Filters, scope: dict) -> tuple[str, Filters | None]:
    """How the trend of themes recounted within `window` is had: ("own", None): about the themes' own period
    (`SAME_PERIOD` of it or more) and reviews, the computed trend; ("part", None): a part of their reviews (a
    language, a source, a rating) over it, unknown (the previous period's members are not kept); ("before", None):
    a narrower window whose as long period before begins before the themes' own, unknown (no members known there);
    ("recount", before): against that period before, recounted."""
    since, until = _scope_date(scope, "since"), _scope_date(scope, "until")
    days = (window.until - window.since).days + 1 if window.since and window.until else None
    if days is None or (since and days >= SAME_PERIOD * (((until or window.until) - since).days + 1)):
        return ("own" if _themes_own_reviews(window, scope) else "part"), None
    before = replace(window, since=window.since - timedelta(days=days), until=window.since - timedelta(days=1))
    if since is None or before.since < since:
        return "before", None
    return "recount", before


def theme_base(store: Store, f: Filters, scope: dict) -> ThemeBase | None:
    """What the themes of `scope` recounted within `f` (`complaints`) are of: the period and reviews their shares
    are of, and the period their trend compares with (as `_trends_within` has it); None without themes."""
    if not scope:
        return None
    own_since, own_until = _scope_date(scope, "since"), _scope_date(scope, "until")
    window = theme_window(f, scope)
    segment = "; ".join([", ".join(scope.get("products") or [])] * bool(scope.get("products"))
                        + [f"{n}: {', '.join(v)}" for n, v in scope.get("fields") or []])
    last = (window.until or own_until or date_span(store)[1]) if window else None  # an open end: the newest review
    base = ThemeBase(since=window.since if window else None, until=last,
                     reviews=count_reviews(store, window) if window else 0, own_since=own_since, own_until=own_until,
                     own_reviews=scope.get("reviews"), computed_at=scope.get("computed_at"), segment=segment)
    if window is None or not has_periods(scope) or own_since is None:
        return replace(base, no_trend="the reviews have no dates" if window is not None else None)
    how, before = _period_before(window, scope)
    if how == "part":
        return replace(base, no_trend="the period before is not counted for a part of the themes' reviews (a "
                                      "language, a source, a rating)")
    if how == "before":
        return replace(base, no_trend=f"the period as long before {window.since} begins before the themes' own "
                                      f"({own_since}), and the themes know only its reviews")
    if how == "own":
        prev = (_scope_date(scope, "previous_since"), _scope_date(scope, "previous_until"),
                scope.get("previous_reviews"))
    else:
        prev = (before.since, before.until, count_reviews(store, before))
    return replace(base, previous_since=prev[0], previous_until=prev[1], previous_reviews=prev[2],
                   no_trend=no_trend_reason(prev[2]))


# ------------------------------------------------------------------------------------------ owner replies
@dataclass
class ReplyStats:
    """How the owner answers: the share of reviews with a reply and the median days from review to
    reply, for all reviews in the filters and for the negative ones (negative by the current analysis;
    a review not analyzed yet counts as negative when rated 2 stars or less)."""

    reviews: int
    replied: int
    median_days: float | None      # of replies whose review and reply are both dated
    negative: int
    negative_replied: int
    negative_median_days: float | None

    @property
    def reply_rate(self) -> float | None:
        """Percent of reviews with a reply; None without reviews."""
        return 100.0 * self.replied / self.reviews if self.reviews else None

    @property
    def negative_reply_rate(self) -> float | None:
        return 100.0 * self.negative_replied / self.negative if self.negative else None


def _median(counts: dict[float, int]) -> float | None:
    """The median of a histogram {value: count}."""
    n = sum(counts.values())
    if not n:
        return None
    lo, hi = (n - 1) // 2, n // 2
    seen, low_v = 0, None
    for v in sorted(counts):
        seen += counts[v]
        if low_v is None and seen > lo:
            low_v = v
        if seen > hi:
            return (low_v + v) / 2
    return None  # pragma: no cover


def reply_stats(store: Store, f: Filters) -> ReplyStats:
    """Reply rate and median time to reply (days), overall and for negative reviews, within `f`.

    Counted in the database; the medians come from a histogram of whole days (one row per distinct
    delay), so no review row is loaded. A reply dated before its review is counted as replied but
    left out of the median (a wrong date on the page, not a negative delay)."""
    a = current_analysis()
    s, r = a.c.sentiment, reviews.c
    negative = sa.case((s.is_not(None), sa.case((s == "negative", 1), else_=0)), (r.rating <= 2, 1), else_=0)
    replied = sa.case((r.reply.is_not(None), 1), else_=0)
    src = reviews_with_analysis(a)
    q = (sa.select(sa.func.count(), sa.func.sum(replied), sa.func.sum(negative),
                   sa.func.sum(sa.case((sa.and_(r.reply.is_not(None), negative == 1), 1), else_=0)))
         .select_from(src).where(*conditions(f, a)))
    if store.dialect == "postgresql":
        days = r.reply_date - r.date
    else:
        days = sa.cast(sa.func.julianday(r.reply_date) - sa.func.julianday(r.date), sa.Integer)
    days = days.label("days")
    neg = negative.label("neg")
    h = (sa.select(days, neg, sa.func.count()).select_from(src)
         .where(r.reply.is_not(None), r.reply_date.is_not(None), r.date.is_not(None), r.reply_date >= r.date,
                *conditions(f, a))
         .group_by(days, neg))
    with store.engine.connect() as c:
        n, n_replied, n_neg, n_neg_replied = c.execute(q).one()
        hist = c.execute(h).all()
    every: dict[float, int] = {}
    negs: dict[float, int] = {}
    for d, is_neg, count in hist:
        d = float(d.days if hasattr(d, "days") else d)
        every[d] = every.get(d, 0) + count
        if is_neg:
            negs[d] = negs.get(d, 0) + count
    return ReplyStats(reviews=int(n or 0), replied=int(n_replied or 0), median_days=_median(every),
                      negative=int(n_neg or 0), negative_replied=int(n_neg_replied or 0),
                      negative_median_days=_median(negs))


# ------------------------------------------------------------------------------------------ explorer
EXPLORER_COLUMNS = ["id", "date", "rating", "sentiment", "sentiment_score", "topics", "entities", "title", "text",
                    "url", "source", "product", "author", "analysis_status",
                    "reply", "reply_date", "helpful_votes", "verified", "language", "translation", "version",
                    "site_review_id"]  # the site's own id: what Play Console or App Store Connect finds a review by


def _review_select(f: Filters) -> tuple[sa.Select, sa.Alias]:
    a = current_analysis()
    q = (sa.select(reviews.c.id, reviews.c.date, reviews.c.rating, a.c.sentiment, a.c.sentiment_score,
                   a.c.topics, a.c.entities, reviews.c.title, reviews.c.text, reviews.c.url, reviews.c.source,
                   reviews.c.product, reviews.c.author, a.c.status.label("analysis_status"),
                   reviews.c.reply, reviews.c.reply_date, reviews.c.helpful_votes, reviews.c.verified,
                   sa.func.coalesce(a.c.language, reviews.c.language).label("language"), a.c.translation,
                   reviews.c.version, reviews.c.site_review_id)
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


def count_reviews(store: Store, f: Filters = Filters()) -> int:
    """Number of reviews matching `f` (all reviews in the store by default)."""
    src, where = matching(f)
    with store.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(src).where(*where)).scalar_one())


# ------------------------------------------------------------------------------------------ stars and words
@dataclass(frozen=True)
class Disagreement:
    """Reviews whose stars and words disagree: rated `low`..`high` stars, yet their text reads `sentiment`."""

    name: str        # "hidden", "misrated"
    low: float
    high: float
    sentiment: str
    words: str       # what it means, for people

    def within(self, f: Filters) -> Filters | None:
        """`f` narrowed to these reviews; None when `f` leaves none of them (its ratings or sentiments)."""
        low = max(self.low, f.min_rating if f.min_rating is not None else self.low)
        high = min(self.high, f.max_rating if f.max_rating is not None else self.high)
        if low > high or (f.sentiments and self.sentiment not in f.sentiments):
            return None
        return replace(f, min_rating=low, max_rating=high, sentiments=(self.sentiment,))


#: Rated 4 or 5 stars, reads negative: a complaint the average rating does not show. Rated 1 or 2, reads
#: positive: a slip of the finger (or irony) that pulls the average down, or a review the analysis misread
#: (corrected in the explorer, it becomes a label the analysis learns from).
DISAGREEMENTS = (Disagreement("hidden", 4.0, 5.0, "negative", "complaints the stars hide"),
                 Disagreement("misrated", 1.0, 2.0, "positive", "a slip of the finger, irony, or a misreading"))


def disagreements(store: Store, f: Filters) -> list[tuple[Disagreement, int]]:
    """How many reviews within `f` each of DISAGREEMENTS holds (by their current analysis)."""
    return [(d, count_reviews(store, g) if (g := d.within(f)) is not None else 0) for d in DISAGREEMENTS]


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
    df["date"] = df["date"].map(as_date)
    df["reply_date"] = df["reply_date"].map(as_date)
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
                d["date"] = as_date(d["date"])
                d["reply_date"] = as_date(d["reply_date"])
                yield d


def review_texts(store: Store, f: Filters) -> pd.DataFrame:
    """The texts of `f`'s reviews, newest first, for searching them (`reviewlens ask`, the Ask page): id,
    text, rating, product, url, date, version, language (the analysis's, else the page's) and the current
    analysis's English translation where it made one. A third of the time of the explorer's rows on 100,000."""
    cols = ["id", "text", "rating", "product", "url", "date", "version"]
    a = current_analysis()
    q = (sa.select(*[reviews.c[c] for c in cols],
                   sa.func.coalesce(a.c.language, reviews.c.language).label("language"), a.c.translation)
         .select_from(reviews_with_analysis(a)).where(*conditions(f, a))
         .order_by(reviews.c.date.desc().nulls_last(), reviews.c.id))
    with store.engine.connect() as c:
        return pd.DataFrame(c.execute(q).all(), columns=cols + ["language", "translation"])


# ------------------------------------------------------------------------------------------ labels
def labels_for(store: Store, hashes: Sequence[str]) -> dict[str, list[Label]]:
    """The user's labels of the texts `hashes` (review content hashes), by hash; texts without any are absent.
    Built on `Store.labels`, the one read of the labels table."""
    out: dict[str, list[Label]] = {}
    for lb in store.labels(hashes):
        out.setdefault(lb.content_hash, []).append(lb)
    return out


# ------------------------------------------------------------------------------------------ runs
def runs_frame(store: Store, limit: int = 200) -> pd.DataFrame:
    """The latest runs (`Store.list_runs`), newest first. Columns: id, kind, source, trigger, status,
    started_at, finished_at (UTC timestamps), duration_s, pages, reviews_new, reviews_seen, star_only_new (the
    ratings without words an import or a scrape stored for the first time), error_count, message (what a degraded
    run found, else empty), errors (list of dicts)."""
    cols = ["id", "kind", "source", "trigger", "status", "started_at", "finished_at", "duration_s", "pages",
            "reviews_new", "reviews_seen", "star_only_new", "error_count", "message", "errors"]
    out = []
    for r in store.list_runs(limit=limit):
        errs = r["errors"] if isinstance(r["errors"], list) else []
        started, finished = pd.to_datetime(r["started_at"], utc=True), pd.to_datetime(r["finished_at"], utc=True)
        out.append({
            "id": r["id"], "kind": r["kind"], "source": r["source"], "trigger": r["trigger"],
            "status": r["status"], "started_at": started, "finished_at": finished,
            "duration_s": (finished - started).total_seconds() if r["finished_at"] is not None else None,
            "pages": r["pages"] or 0, "reviews_new": r["reviews_new"] or 0, "reviews_seen": r["reviews_seen"] or 0,
            "star_only_new": (r["detail"].get("star_only_new") or 0) if isinstance(r.get("detail"), dict) else 0,
            "error_count": len(errs),
            "message": (r["detail"].get("message") or "") if isinstance(r.get("detail"), dict) else "",
            "errors": [e if isinstance(e, dict) else {"message": str(e)} for e in errs],
        })
    return pd.DataFrame(out, columns=cols)


def alerts_frame(store: Store, limit: int = 100) -> pd.DataFrame:
    """The newest alerts (`Store.list_alerts`), newest first. Columns: id, created_at (UTC), kind, title,
    sent (each channel and how its delivery stands), text (the facts and quotes, plain). Texts neutralised."""
    from .alerts import Alert  # the rules' record: for its plain text

    cols = ["id", "created_at", "kind", "title", "sent", "text"]
    rows = []
    for r in store.list_alerts(limit=limit):
        sent = "; ".join(f"{d['channel']}: {d['status']}" + (f" ({d['error']})" if d["status"] == "failed" else "")
                         for d in r["deliveries"]) or "no channel"
        body = "\n".join(Alert.from_row(r).plain_text().splitlines()[2:])
        rows.append({"id": r["id"], "created_at": pd.to_datetime(r["created_at"], utc=True), "kind": r["kind"],
                     "title": " ".join(neutralize(r["title"]).split()), "sent": neutralize(sent),
                     "text": neutralize(body)})
    return pd.DataFrame(rows, columns=cols)


def default_period(opts: Options, days: int | None) -> tuple[date | None, date | None]:
    """The last `days` days ending at the newest review (None days: the whole span)."""
    if opts.last_date is None:
        return None, None
    if days is None:
        return opts.first_date, opts.last_date
    return opts.last_date - timedelta(days=days - 1), opts.last_date


# ------------------------------------------------------------------------------------------ overview bundle
THEME_SERIES_TOP = 5  # the complaint themes drawn over time


def _scope_date(scope: dict, key: str) -> date | None:
    try:
        return date.fromisoformat(str(scope[key])) if scope.get(key) else None
    except ValueError:
        return None


def theme_window(f: Filters, scope: dict) -> Filters | None:
    """`f` kept to the period the themes of `scope` were computed for (their members are that period's
    reviews; before and after it they are not known); a bound the scope lacks stays open, and `f` itself when
    it lies within the period. None when `f` and the period share no day."""
    since, until = _scope_date(scope, "since"), _scope_date(scope, "until")
    inside = replace(f, since=max(d for d in (since, f.since) if d) if since or f.since else None,
                     until=min(d for d in (until, f.until) if d) if until or f.until else None)
    if inside.since and inside.until and inside.since > inside.until:
        return None
    return inside


def rename_theme(store: Store, old: str, new: str, kind: str = "complaints",
                 products: Sequence[str] | None = None, fields: Any = ()) -> str:
    """Give a theme of the latest computed complaints the name `new` (made plain: reviewlens.model_text);
    later computations keep it while they find the theme again. The name as stored; ValueError when the
    name is not usable or no latest theme is called `old`."""
    name = sanitize_label(new)
    if not name:
        raise ValueError(f"{new!r} is not a usable theme name (plain words, up to 8)")
    themes, scope = latest_complaints(store, kind, products, fields)
    if name != old and name in {t.label for t in themes}:
        raise ValueError(f"another theme is already called {name!r}")
    if not scope or not store.rename_theme(old, name, kind, batch=scope["batch"]):
        known = ", ".join(repr(t.label) for t in themes) or "none computed yet"
        raise ValueError(f"no theme named {old!r} among the last computed ones ({known})")
    return name


def merge_themes(store: Store, old: str, into: str, kind: str = "complaints",
                 products: Sequence[str] | None = None, fields: Any = ()) -> None:
    """Record that the theme named `old` is the one named `into` (both among the last computed ones for
    `products`): the next computation makes them one, called `into`, and so does every later one that finds
    them again. ValueError when either is not among them, or they are one."""
    themes, _ = latest_complaints(store, kind, products, fields)
    labels = [t.label for t in themes]
    for name in (old, into):
        if name not in labels:
            raise ValueError(f"no theme named {name!r} among the last computed ones "
                             f"({', '.join(repr(x) for x in labels) or 'none computed yet'})")
    if old == into:
        raise ValueError("a theme cannot be merged into itself")
    store.add_theme_merge(old, into, kind)


def split_theme(store: Store, name: str, kind: str = "complaints", products: Sequence[str] | None = None,
                fields: Any = ()) -> None:
    """Ask the next computation to split the theme `name` (among the last computed ones for `products` and
    `fields`) in two; every later one keeps the parts apart (`settle_splits`). ValueError when it is not
    among them."""
    themes, _ = latest_complaints(store, kind, products, fields)
    labels = [t.label for t in themes]
    if name not in labels:
        raise ValueError(f"no theme named {name!r} among the last computed ones "
                         f"({', '.join(repr(x) for x in labels) or 'none computed yet'})")
    store.add_theme_split(name, kind)


def settle_splits(store: Store, known: Sequence[ComplaintTheme], themes: Sequence[ComplaintTheme],
                  kind: str = "complaints") -> list[tuple[str, list[str]]]:
    """After a computation that was asked to split themes (`split_theme`): each such theme's parts, the two
    computed themes most of whose reviews were that theme's (`known`: the themes before), become a split
    kept apart from now on; a theme that was not split (too small, not found, a part not among the top) is
    dropped from the rules. (name, parts) for each ([]: not split)."""
    splits = store.theme_splits(kind)
    asked = [g[0] for g in splits if len(g) == 1]
    if not asked:
        return []
    before = {t.label: set(map(str, t.review_ids)) for t in known}
    kept, out = [g for g in splits if len(g) > 1], []
    for name in asked:
        was = before.get(name, set())
        overlap = [(len(was & ids), len(ids), t.label) for t in themes if (ids := set(map(str, t.review_ids)))]
        parts = sorted(((n, label) for n, size, label in overlap if n >= 0.5 * size), reverse=True)
        names = [label for _, label in parts[:2]]
        if len(names) == 2:
            kept.append(names)
        out.append((name, names if len(names) == 2 else []))
    store.save_theme_splits(kept, kind)
    return out


def theme_timeseries(store: Store, f: Filters, themes: Sequence[ThemeView], scope: dict,
                     granularity: str = "week", top: int = THEME_SERIES_TOP) -> pd.DataFrame:
    """How the top complaint themes moved: per period of the themes' own scope (their members are that
    period's reviews; before it they are not known) and inside `f`, the reviews of each theme and their
    percent of the period's dated reviews. Columns: period, theme, reviews, percent, total (the period's
    dated reviews), days, bucket_days, partial (how many of the period's days are inside, of how many:
    `timeseries`); every period of the range for every theme (0 where none). Empty without themes or
    dated reviews."""
    cols = ["period", "theme", "reviews", "percent", "total", "days", "bucket_days", "partial"]
    themes = [t for t in themes[:top] if t.filtered_ids]
    if not themes:
        return pd.DataFrame(columns=cols)
    inside = theme_window(f, scope)
    if inside is None:
        return pd.DataFrame(columns=cols)
    bounds = ([reviews.c.date >= inside.since] if inside.since else []) + \
        ([reviews.c.date <= inside.until] if inside.until else [])
    totals = timeseries(store, inside, granularity)[["period", "reviews", "days", "bucket_days", "partial"]].rename(
        columns={"reviews": "total"})
    if totals.empty:
        return pd.DataFrame(columns=cols)
    b = _bucket(store, granularity).label("period")
    ids = list(dict.fromkeys(i for t in themes for i in t.filtered_ids))
    buckets: dict[str, Any] = {}
    with store.engine.connect() as c:
        for k in range(0, len(ids), _ID_CHUNK):
            q = sa.select(reviews.c.id, b).where(reviews.c.id.in_(ids[k:k + _ID_CHUNK]), reviews.c.date.is_not(None),
                                                 *bounds)
            buckets.update((rid, period) for rid, period in c.execute(q))
    rows = []
    for t in themes:
        counts = pd.Series([buckets[i] for i in t.filtered_ids if i in buckets], dtype=object).value_counts()
        counts.index = pd.to_datetime(counts.index)
        for p in totals.itertuples(index=False):
            n = int(counts.get(p.period, 0))
            rows.append({"period": p.period, "theme": t.label, "reviews": n,
                         "percent": 100.0 * n / p.total if p.total else 0.0, "total": int(p.total),
                         "days": int(p.days), "bucket_days": int(p.bucket_days), "partial": bool(p.partial)})
    return pd.DataFrame(rows, columns=cols)


@dataclass
class Overview:
    """Everything the overview page shows for one filter set."""

    headline: Headline
    granularity: str  # the trends' bucket: "week" or "month" (granularity_for)
    timeseries: pd.DataFrame
    topics: pd.DataFrame
    ratings: pd.DataFrame
    entities: pd.DataFrame
    themes: list[ThemeView]
    scope: dict
    replies: ReplyStats | None = None
    theme_series: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["period", "theme", "reviews",
                                                                                     "percent"]))
    praise: list[ThemeView] = field(default_factory=list)  # what customers love, recounted the same way
    requests: list[ThemeView] = field(default_factory=list)  # what customers ask for, recounted the same way
    disagree: list[tuple[Disagreement, int]] = field(default_factory=list)  # stars and words that disagree
    competitors: list = field(default_factory=list)  # reviewlens.competitors: what customers compare with
    names: list = field(default_factory=list)  # reviewlens.mentions: what reviews say of the names they mention


OVERVIEW_COMPETITORS = 5  # the most compared-with products the Overview lists
OVERVIEW_NAMES = 5        # the most named people, companies, places and products it lists


def overview(store: Store, f: Filters, workers: int = 3, by: str = "auto") -> Overview:
    """All overview aggregates, run concurrently on separate connections (the database does the work);
    the trends by week or by month as `granularity_for` chooses (`by`: the user's choice)."""
    gran = granularity_for(store, f, by)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rl-query") as ex:
        h = ex.submit(headline, store, f)
        ents = ex.submit(top_entities, store, f)
        ts = ex.submit(timeseries, store, f, gran)
        tp = ex.submit(topics_by_sentiment, store, f)
        rt = ex.submit(rating_distribution, store, f)
        rp = ex.submit(reply_stats, store, f)
        th = ex.submit(lambda: complaints(store, f, h.result().reviews))
        pr = ex.submit(lambda: complaints(store, f, h.result().reviews, kind="praise"))
        rq = ex.submit(lambda: complaints(store, f, h.result().reviews, kind="requests"))
        dis = ex.submit(disagreements, store, f)
        from .competitors import competitors  # (it reads through this module)

        from .mentions import names_said  # (it reads through this module)

        comp = ex.submit(competitors, store, f, top=OVERVIEW_COMPETITORS)
        names = ex.submit(names_said, store, f, top=OVERVIEW_NAMES)
        themes, scope = th.result()
        series = theme_timeseries(store, f, themes, scope, gran)
        return Overview(headline=h.result(), granularity=gran, timeseries=ts.result(), topics=tp.result(),
                        ratings=rt.result(), entities=ents.result(), themes=themes, scope=scope,
                        replies=rp.result(), theme_series=series, praise=pr.result()[0], requests=rq.result()[0],
                        disagree=dis.result(), competitors=comp.result(), names=names.result())


#: The checkpoint of the last topics-preset check of `reviewlens analyze` (analysis.preset_fit):
#: {"hint": what to tell the user, or None, "run_id"}; a later check (after the preset was set) clears it.
PRESET_HINT = "analysis:preset-hint"


#: The checkpoint of the last analysis's note on machine translation (reviewlens.app.jobs): {"hint": what to tell the
#: user, or None, "run_id"}: many reviews read in the small packaged model's translations.
TRANSLATION_HINT = "analysis:translation-hint"


def translation_hint(store: Store) -> str | None:
    """What the last analysis said of the translations it read reviews in ("41 of the 124 reviews ... were read in
    the packaged 0.5B's machine translation ..."), or None."""
    state = store.load_checkpoint(TRANSLATION_HINT) or {}
    return state.get("hint") or None


def preset_hint(store: Store) -> str | None:
    """What the last analysis said of the topics preset ("these reviews read like restaurant ... reviews: ...
    set [analysis] topics_preset = "restaurants" ..."), or None."""
    state = store.load_checkpoint(PRESET_HINT) or {}
    return state.get("hint") or None
