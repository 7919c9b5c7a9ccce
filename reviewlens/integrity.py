"""Reviews that look suspicious: the checks ReviewMeta-style tools run before anyone trusts a rating.

Four patterns, each one a reason a reader should look twice, never proof of a fake:

* **copied**: the same (or nearly the same) text of ten words or more, posted by different reviewers
  or for different products. Short stock phrases ("Great product, works as described.") are not
  counted: many people write them. Near copies are found with MinHash LSH (datasketch) over word
  3-shingles and confirmed with the exact Jaccard similarity.
* **burst**: a product's day with far more five-star (or one-star: review bombing) reviews than its
  usual: at least five, and a Poisson tail probability under 1 in 10,000 against the product's rate of
  such reviews over the 60 days before. A product's first 14 days have no usual and are not judged.
* **repeat**: one reviewer reviewing the same product two or more times with different texts within 30
  days. Only a name that tells people apart counts: a full name ("Sofia Hernandez") or a user name with
  digits or an underscore ("sofia_h88"); a first name, a first name and an initial ("Sofia H.", which
  many reviewers of a busy product share) and generic names ("A Customer") do not, nor a platform's numbered
  placeholder for an anonymous reviewer ("Guest 689", "Anonymous 12", "user_5521"), nor a name so common
  in the store that a busy product gets it twice by chance ("John Smith").
* **spree**: one reviewer (a name that tells people apart, as above) giving four or more different
  products the same five (or one) stars on one day: how review farms and paid accounts work. A name so
  common that a day's reviews hold it that often by chance is not counted.

`find(rows)` is pure (rows in, findings out); `current(store)` keeps the store's findings (table
`review_flags`) up to date with its reviews, so that filters and the dashboard read them with SQL.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Iterable, Mapping, Sequence

from .store import FLAGS_CHECKPOINT as CHECKPOINT

log = logging.getLogger(__name__)

KINDS = {  # what a finding of each kind is, as a heading
    "copied": "Copied texts",
    "burst": "Bursts of same-star reviews",
    "repeat": "Repeat reviewers",
    "spree": "Review sprees",
}
REVIEWS_OF_KIND = {  # what the reviews of each kind are, after a number
    "copied": "with a text other reviewers posted too",
    "burst": "in a burst of same-star reviews",
    "repeat": "by a reviewer who reviewed the product again within 30 days",
    "spree": "by a reviewer who gave many products the same stars on one day",
}
MIN_WORDS = 10            # a copied text has at least this many words
NEAR = 0.8                # Jaccard similarity of word 3-shingles for a near copy
BURST_MIN = 5             # reviews of one star on one day, at least
BURST_P = 1e-4            # Poisson tail probability under the product's usual rate
BURST_LOOKBACK = 60       # days before a day that make its usual
BURST_WARMUP = 14         # a product's first days have no usual
SPREE_MIN = 4             # products one reviewer rates the same on one day, at least
REPEAT_DAYS = 30          # one reviewer's reviews of a product within this many days of each other
GENERIC_AUTHORS = {
    "", "anonymous", "anon", "a customer", "customer", "verified buyer", "verified purchaser", "verified customer",
    "verified reviewer", "guest", "user", "amazon customer", "a google user", "google user", "kindle customer",
    "n a", "na", "none", "unknown", "reviewer", "client", "shopper", "a shopper", "buyer", "someone", "deleted",
    "a guest", "guest user", "a user", "deleted user", "anonymous user", "anonymous reviewer", "anonymous customer",
    "anonymous guest", "verified guest", "traveler", "traveller", "member", "visitor", "diner", "google reviewer",
    "tripadvisor member", "tripadvisor reviewer", "facebook user", "yelp user", "amazon buyer", "former customer",
}
_WORD = re.compile(r"\w+", re.UNICODE)
#: a platform's number after (or on) a placeholder name: "Guest 689", "user_1234", "Customer #42", "guest689"
#: (at most 9 digits: a privacy pseudonym, "Reviewer 3fa91c2e07", has 10 hex digits and stays a name)
_PLACEHOLDER_NUMBER = re.compile(r"(?:(?<=[^\W\d_])_?\d{1,9}|\b\d{1,9})\b")


@dataclass
class Finding:
    """One suspicious pattern and the reviews in it."""

    kind: str                  # copied | burst | repeat
    key: str                   # stable across checks of the same reviews
    title: str                 # one line for people (no review text in it)
    review_ids: list[str]
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def words(text: str | None) -> list[str]:
    return _WORD.findall((text or "").lower())


def author_key(author: str | None) -> str | None:
    """A reviewer's name as compared (lower case, letters and digits); None for a missing or generic name, and
    for a platform's numbered placeholder ("Guest 689", "Anonymous 12", "user_5521": an export's anonymous
    reviewers, whose numbers repeat by chance in a store of a few hundred reviews)."""
    key = " ".join(words(author))
    if key in GENERIC_AUTHORS or len(key) < 3:
        return None
    bare = " ".join(_PLACEHOLDER_NUMBER.sub(" ", key).split())
    return None if bare != key and bare in GENERIC_AUTHORS else key


def _star(rating: Any) -> int | None:
    try:
        r = float(rating)
    except (TypeError, ValueError):
        return None
    return 5 if r >= 4.5 else 1 if r <= 1.5 else None


def _day(v: Any) -> date | None:
    if v is None or v != v:  # None or NaN/NaT
        return None
    if isinstance(v, date):
        return v if type(v) is date else v.date() if hasattr(v, "date") else v
    try:
        return date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


# ------------------------------------------------------------------------------------- copied texts
def _shingles(ws: list[str]) -> set[str]:
    return {" ".join(ws[i:i + 3]) for i in range(len(ws) - 2)}


def _near_groups(texts: list[str], shingles: list[set[str]]) -> list[list[int]]:
    """Indexes of `texts` grouped by near-copy (union of pairs with Jaccard >= NEAR); singletons left out."""
    from datasketch import MinHash, MinHashLSH

    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hashes = MinHash.bulk([[s.encode("utf-8") for s in sh] for sh in shingles], num_perm=64)
    lsh = MinHashLSH(threshold=NEAR * 0.9, num_perm=64)  # a little below: LSH misses some pairs at the bar
    for i, m in enumerate(hashes):
        for j in lsh.query(m):
            a, b = shingles[i], shingles[j]
            if len(a & b) >= NEAR * len(a | b):
                parent[root(i)] = root(j)
        lsh.insert(i, m)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(texts)):
        groups[root(i)].append(i)
    return [g for g in groups.values() if len(g) > 1]


def _copied(rows: Sequence[Mapping[str, Any]]) -> list[Finding]:
    by_text: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        ws = words(r.get("text"))
        if len(ws) >= MIN_WORDS:
            by_text[" ".join(ws)].append(r)
    texts = list(by_text)
    groups = [[i] for i in range(len(texts))]
    if len(texts) > 1:
        near = _near_groups(texts, [_shingles(t.split()) for t in texts])
        grouped = {i for g in near for i in g}
        groups = near + [[i] for i in range(len(texts)) if i not in grouped]
    out = []
    for g in groups:
        members = [r for i in g for r in by_text[texts[i]]]
        if len(members) < 2:
            continue
        # one person posting one review on two sites is not a copy: a reviewer is a name and a product
        # (a review without a usable name counts as its own reviewer)
        people = {(author_key(r.get("author")) or f"id:{r['id']}", r.get("product") or "") for r in members}
        if len(people) < 2:
            continue
        products = sorted({r.get("product") or r.get("source") or "" for r in members})
        authors = {author_key(r.get("author")) for r in members} - {None}
        ids = sorted(r["id"] for r in members)
        exact = len(g) == 1
        title = (f"{len(ids)} reviews with {'the same' if exact else 'nearly the same'} text"
                 f" ({len(authors) or 'no'} named reviewer{'' if len(authors) == 1 else 's'}, "
                 f"{len(products)} product{'' if len(products) == 1 else 's'})")
        out.append(Finding("copied", "copied:" + _digest(*sorted(texts[i] for i in g)), title, ids,
                           {"reviews": len(ids), "exact": exact, "products": products,
                            "words": min(len(texts[i].split()) for i in g)}))
    return out


# ------------------------------------------------------------------------------------------- bursts
def _poisson_tail(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam)."""
    from scipy.stats import poisson

    return float(poisson.sf(k - 1, lam))


def usual_text(before: int, days: int) -> str:
    """How many such reviews the days before a burst had, in words: "none in the 60 days before", "about one
    every 3 days before", "about 2.5 a day before"."""
    if before == 0:
        return f"none in the {days} days before"
    if before < days:
        return f"about one every {round(days / before):g} days before"
    return f"about {before / days:.1f} a day before"


def _bursts(rows: Sequence[Mapping[str, Any]]) -> list[Finding]:
    by_product: dict[str, list[tuple[date, int, str]]] = defaultdict(list)
    for r in rows:
        day, star = _day(r.get("date")), _star(r.get("rating"))
        if day is not None:
            by_product[r.get("product") or r.get("source") or ""].append((day, star or 0, r["id"]))
    out = []
    for product, items in by_product.items():
        first = min(d for d, _, _ in items)
        for star in (5, 1):
            per_day: dict[date, list[str]] = defaultdict(list)
            for d, s, rid in items:
                if s == star:
                    per_day[d].append(rid)
            hot = []
            for day, ids in sorted(per_day.items()):
                known = (day - first).days
                if len(ids) < BURST_MIN or known < BURST_WARMUP:
                    continue
                span = min(known, BURST_LOOKBACK)
                before = sum(len(v) for d, v in per_day.items() if day - timedelta(days=span) <= d < day)
                usual = max(before / span, 1 / span)  # a rate never seen is not a rate of zero
                p = _poisson_tail(len(ids), usual)
                if p < BURST_P:
                    hot.append((day, ids, (before, span), p))
            # consecutive burst days are one burst
            runs: list[list[tuple]] = []
            for item in hot:
                if runs and (item[0] - runs[-1][-1][0]).days == 1:
                    runs[-1].append(item)
                else:
                    runs.append([item])
            for run in runs:
                ids = sorted(i for _, day_ids, _, _ in run for i in day_ids)
                start, end = run[0][0], run[-1][0]
                before, span = run[0][2]
                when = f"on {start}" if start == end else f"from {start} to {end}"
                stars = "five-star" if star == 5 else "one-star"
                title = f"{len(ids)} {stars} reviews of {product or 'one source'} {when} ({usual_text(before, span)})"
                out.append(Finding("burst", f"burst:{_digest(product, str(star), start.isoformat())}", title, ids,
                                   {"product": product, "stars": star, "start": start.isoformat(),
                                    "end": end.isoformat(), "reviews": len(ids), "before": before, "days_before": span,
                                    "usual_per_day": round(before / span, 3), "p": min(x[3] for x in run)}))
    return out


# ---------------------------------------------------------------------------------- repeat reviewers
def distinctive(key: str | None) -> bool:
    """Whether a reviewer's name (an `author_key`) tells people apart: two words of two letters or more, or
    one with a digit or an underscore."""
    if key is None:
        return False
    parts = key.split()
    return sum(len(w) >= 2 for w in parts) >= 2 or any(ch.isdigit() or ch == "_" for ch in key)


def _common_name(k: int, others: int, total: int, product_days: list[int], first: date, last: date) -> bool:
    """Whether `k` reviews of one product under one name within days of each other are what chance gives a
    name this common: the name's reviews of other products (`others` of the store's `total`) make its share, the
    product's reviews in those days (and REPEAT_DAYS either side) how many draws (Poisson tail p >= 0.01;
    "John Smith" on a busy product). A name found nowhere else is not common."""
    lo = bisect.bisect_left(product_days, first.toordinal() - REPEAT_DAYS)
    hi = bisect.bisect_right(product_days, last.toordinal() + REPEAT_DAYS)
    return _by_chance(k, others, total, hi - lo)


def _by_chance(k: int, others: int, total: int, draws: int) -> bool:
    """Whether a name whose reviews elsewhere are `others` of the store's `total` turns up `k` times among
    `draws` reviews with a Poisson tail probability of 0.01 or more; never for a name found nowhere else."""
    return others > 0 and _poisson_tail(k, draws * others / total) >= 0.01


def _repeats(rows: Sequence[Mapping[str, Any]]) -> list[Finding]:
    by_person: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    name_count: dict[str, int] = defaultdict(int)
    product_days: dict[str, list[int]] = defaultdict(list)  # each product's review dates, as ordinals
    for r in rows:
        key = author_key(r.get("author"))
        product = r.get("product") or r.get("source") or ""
        if (d := _day(r.get("date"))) is not None:
            product_days[product].append(d.toordinal())
        if distinctive(key):
            by_person[(key, product)].append(r)
            name_count[key] += 1
    for days_ in product_days.values():
        days_.sort()
    out = []
    for (key, product), items in by_person.items():
        if len({" ".join(words(r.get("text"))) for r in items}) < 2:
            continue  # the same review seen twice (on two sites, or edited by nothing but spacing)
        dated = sorted(((d, r) for r in items if (d := _day(r.get("date"))) is not None), key=lambda x: x[0])
        clusters: list[list[Mapping[str, Any]]] = []
        last: date | None = None
        for d, r in dated:
            if last is not None and (d - last).days <= REPEAT_DAYS:
                clusters[-1].append(r)
            else:
                clusters.append([r])
            last = d
        undated = [r for r in items if _day(r.get("date")) is None]
        if len(undated) > 1:
            clusters.append(undated)
        for cluster in clusters:
            texts = {" ".join(words(r.get("text"))) for r in cluster}
            if len(cluster) < 2 or len(texts) < 2:
                continue
            ids = sorted(r["id"] for r in cluster)
            name = next((r.get("author") for r in cluster if r.get("author")), key)
            days = sorted({d for r in cluster if (d := _day(r.get("date")))})
            if days and _common_name(len(cluster), name_count[key] - len(items), len(rows),
                                     product_days[product], days[0], days[-1]):
                continue
            when = f" within {(days[-1] - days[0]).days + 1} days" if len(days) > 1 else ""
            title = f"{len(ids)} reviews of {product or 'one source'} by one reviewer{when}"
            out.append(Finding("repeat", f"repeat:{_digest(key, product, *ids)}", title, ids,
                               {"author": name, "product": product, "reviews": len(ids),
                                "first": days[0].isoformat() if days else None,
                                "last": days[-1].isoformat() if days else None}))
    return out


# ------------------------------------------------------------------------------------------- sprees
def _sprees(rows: Sequence[Mapping[str, Any]]) -> list[Finding]:
    by_day: dict[tuple[str, date], list[Mapping[str, Any]]] = defaultdict(list)
    day_total: dict[date, int] = defaultdict(int)
    name_count: dict[str, int] = defaultdict(int)
    for r in rows:
        day = _day(r.get("date"))
        if day is None:
            continue
        day_total[day] += 1
        key = author_key(r.get("author"))
        if distinctive(key):
            by_day[(key, day)].append(r)
            name_count[key] += 1
    out = []
    for (key, day), items in by_day.items():
        for star in (5, 1):
            same = [r for r in items if _star(r.get("rating")) == star]
            products = sorted({r.get("product") or r.get("source") or "" for r in same})
            if len(products) < SPREE_MIN or _by_chance(len(same), name_count[key] - len(items), len(rows),
                                                       day_total[day]):
                continue
            ids = sorted(r["id"] for r in same)
            name = next((r.get("author") for r in same if r.get("author")), key)
            stars = "five" if star == 5 else "one"
            out.append(Finding("spree", f"spree:{_digest(key, day.isoformat(), str(star))}",
                               f"{len(products)} products given {stars} stars by one reviewer on {day}", ids,
                               {"author": name, "day": day.isoformat(), "stars": star, "products": products,
                                "reviews": len(ids)}))
    return out


def find(rows: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """The suspicious patterns among `rows` (mappings with id, source, product, author, rating, date,
    text), the largest first within each kind: copied, burst, repeat, spree."""
    rows = [r for r in rows if r.get("id")]
    out = []
    for check in (_copied, _bursts, _repeats, _sprees):
        out.extend(sorted(check(rows), key=lambda f: (-len(f.review_ids), f.key)))
    return out


def flagged_ids(findings: Iterable[Finding]) -> set[str]:
    return {i for f in findings for i in f.review_ids}


@dataclass
class Summary:
    """What the findings mean for a selection of reviews: how many are suspicious, and the average rating
    with and without them."""

    reviews: int
    suspicious: int
    by_kind: dict[str, int]
    rating: float | None
    rating_without: float | None

    def line(self) -> str:
        if not self.suspicious:
            return f"No suspicious pattern among {self.reviews} reviews."
        kinds = ", ".join(f"{n} {REVIEWS_OF_KIND[k]}" for k, n in self.by_kind.items() if n)
        out = (f"{self.suspicious} of {self.reviews} reviews look suspicious ({kinds}): worth a look before "
               "you trust the numbers.")
        if self.rating is not None and self.rating_without is not None:
            out += f" Average rating {self.rating:.2f}★, {self.rating_without:.2f}★ without them."
        return out


def summarize(findings: Sequence[Finding], ratings: Mapping[str, float | None]) -> Summary:
    """`ratings`: review id -> rating of the selection judged (the findings' reviews outside it are left out)."""
    flagged = flagged_ids(findings) & set(ratings)
    by_kind = {k: len({i for f in findings if f.kind == k for i in f.review_ids} & set(ratings)) for k in KINDS}

    def mean(ids: Iterable[str]) -> float | None:
        vals = [float(v) for i in ids if (v := ratings[i]) is not None and v == v]
        return sum(vals) / len(vals) if vals else None

    return Summary(len(ratings), len(flagged), by_kind, mean(ratings), mean(set(ratings) - flagged))


# ------------------------------------------------------------------------------------------ in the store
def current(store: Any) -> list[Finding]:
    """The store's findings, checked again first when its reviews changed since the last check (a new,
    changed or deleted review); a read-only store is checked in memory, not saved."""
    stamp = store.reviews_stamp()
    saved = store.load_checkpoint(CHECKPOINT)
    if saved and saved.get("stamp") == stamp and saved.get("version") == VERSION:
        return [Finding(**f) for f in store.flag_findings()]
    rows = store.integrity_rows()
    found = find(rows)
    log.info("integrity: %d suspicious patterns among %d reviews (%d reviews)", len(found), len(rows),
             len(flagged_ids(found)))
    if not getattr(store, "read_only", False):
        store.save_flags([f.as_dict() for f in found], {"stamp": stamp, "version": VERSION})
    return found


VERSION = 4  # of the checks: a new version checks every store again (4: numbered placeholder names)


def in_selection(store: Any, f: Any, findings: Sequence[Finding] | None = None) -> tuple[Summary, list[Finding]]:
    """The findings that hold reviews of the selection `f` (reviewlens.filters.Filters; its own
    `suspicious` setting is ignored) and what they mean for it (counted within it). `findings`: the store's
    as `current` gave them (default: `current(store)`, checked again first when the reviews changed).
    Counted in the database from the saved findings; a read-only store's, checked in memory, in Python."""
    import sqlalchemy as sa

    from . import queries as Q
    from .store import review_flags, reviews

    findings = current(store) if findings is None else findings
    src, where = Q.matching(replace(f, suspicious=None))
    if getattr(store, "read_only", False):
        with store.engine.connect() as c:
            ratings = dict(c.execute(sa.select(reviews.c.id, reviews.c.rating).select_from(src).where(*where)).all())
        inside = [x for x in findings if any(i in ratings for i in x.review_ids)]
        return summarize(inside, ratings), inside
    flags = review_flags.c
    stats = sa.select(sa.func.count(), sa.func.count(reviews.c.rating), sa.func.sum(reviews.c.rating))
    flagged = reviews.c.id.in_(sa.select(flags.review_id))
    joined = src.join(review_flags, flags.review_id == reviews.c.id)
    with store.engine.connect() as c:
        n, rated, total = c.execute(stats.select_from(src).where(*where)).one()
        fn, frated, ftotal = c.execute(stats.select_from(src).where(*where, flagged)).one()
        by_kind = dict(c.execute(sa.select(flags.kind, sa.func.count(sa.distinct(reviews.c.id))).select_from(joined)
                                 .where(*where).group_by(flags.kind)).all())
        keys = set(c.execute(sa.select(flags.finding).select_from(joined).where(*where).distinct()).scalars())

    def mean(k: Any, t: Any) -> float | None:
        return float(t) / int(k) if k else None

    summary = Summary(int(n), int(fn), {k: int(by_kind.get(k, 0)) for k in KINDS}, mean(rated, total),
                      mean((rated or 0) - (frated or 0), float(total or 0) - float(ftotal or 0)))
    return summary, [x for x in findings if x.key[:120] in keys]
