"""What customers compare your products with: the other products and brands reviews name in a comparison,
and who the reviewers left for or came from.

A review counts for a name (a PRODUCT or ORG the analysis found in it, not part of the reviewed product's
own name) when the sentence that names it compares, read by reviewlens.comparing as the analysis is stored:
**went to** it ("returned it and bought the Sony instead"), **came from** it ("switched from Bose", "my old
Jabra lasted longer") or **compared** ("louder than the Sony"). Each review counts once per name (by its
plainest sentence: went to, then came from); the quotes are the reviews' own sentences, verbatim, and a
review in another language is quoted in its own words with its English translation apart.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from .comparing import KINDS, find, own_name
from .filters import Filters
from .queries import conditions, current_analysis, topic_label, topic_labels
from .quoting import name_quote, read_in_translation, translations
from .schema import Entity, Quote
from .store import (Store, analyses, review_comparisons, review_entities, review_topics,
                    reviews)

_RANK = {"went_to": 0, "came_from": 1, "compared": 2}
CATCH_ALL = {"other", "anecdotes/miscellaneous"}  # topics that say nothing of why a customer left


NO_COMPLAINT = "no complaint topic in their reviews"


@dataclass
class Competitor:
    """One product or brand customers compare with, within the filters."""

    name: str                 # as most reviews write it
    type: str                 # PRODUCT or ORG
    reviews: int = 0          # distinct reviews that compare with it
    went_to: int = 0          # of those, the reviews whose writer left for it
    came_from: int = 0        # ... and those whose writer came from it
    rating: float | None = None  # their average star rating
    quotes: list[Quote] = field(default_factory=list)  # their comparing sentences, verbatim (went to first)
    review_ids: list[str] = field(default_factory=list)  # those reviews, the writers who went to it first
    products: list[str] = field(default_factory=list)    # the products of the reviews whose writers went to it
    # what the writers who went to it complained of: (topic, reviews), the most raised first (why they left)
    left_over: list[tuple[str, int]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # the topics' display names (`queries.topic_labels`)

    @property
    def compared(self) -> int:
        return self.reviews - self.went_to - self.came_from

    def why_left(self, top: int = 3) -> str:
        """What the writers who went to it complained of, in words: "Quality (2), Battery (1)"; "" for none."""
        return ", ".join(f"{topic_label(t, self.labels)} ({n})" for t, n in self.left_over[:top])

    def why_left_said(self, top: int = 3) -> str:
        """`why_left`, or when writers went to it without a complaint topic in their reviews, that (an empty
        "complained of" read as missing data); "" when nobody went to it."""
        return self.why_left(top) or (NO_COMPLAINT if self.went_to else "")

    def ways(self) -> str:
        """Which way its reviews went, in words: "3 went to it, 2 compared"."""
        parts = [(self.went_to, "went to it"), (self.came_from, "came from it"), (self.compared, "compared")]
        return ", ".join(f"{n} {what}" for n, what in parts if n)


def _rows(store: Store, f: Filters) -> list[dict[str, Any]]:
    """One row per (review, name it compares with) within `f`, newest review first: the review's id, product,
    rating, url, text and language, the name, its type, the comparing sentence's span and the direction."""
    a = current_analysis() if f.needs_analysis else None  # joined only when a filter reads it (the cost)
    x = review_comparisons.c
    # a store analyzed before comparisons were stored, or by older rules: filled once; a read-only one is read now
    if not store.comparisons_current() and not (store.fill_comparisons() and store.comparisons_current()):
        return _rows_read_now(store, f, a)
    joined = reviews.join(review_comparisons, x.content_hash == reviews.c.content_hash)
    q = (sa.select(reviews.c.id, reviews.c.content_hash, reviews.c.text, reviews.c.product, reviews.c.rating,
                   reviews.c.url, x.name, x.type, x.sentence_start, x.sentence_end, x.direction)
         .select_from(joined if a is None else joined.join(a, a.c.content_hash == reviews.c.content_hash))
         .where(*conditions(f, a))
         .order_by(reviews.c.date.desc().nulls_last(), reviews.c.id, x.start))
    with store.engine.connect() as c:
        return [dict(r) for r in c.execute(q).mappings()]


def _rows_read_now(store: Store, f: Filters, a: Any) -> list[dict[str, Any]]:
    """`_rows` for a store that cannot be written: the comparisons found now from the stored entities."""
    e, an = review_entities.c, analyses.c
    joined = reviews.join(review_entities, e.content_hash == reviews.c.content_hash)
    q = (sa.select(reviews.c.id, reviews.c.content_hash, reviews.c.text, reviews.c.product, reviews.c.rating,
                   reviews.c.url, e.text.label("name"), e.type, e.start, e.end)
         .select_from(joined if a is None else joined.join(a, a.c.content_hash == reviews.c.content_hash))
         .where(e.type.in_(KINDS), *conditions(f, a))
         .order_by(reviews.c.date.desc().nulls_last(), reviews.c.id, e.start))
    tq = sa.select(an.content_hash, an.translation).where(*read_in_translation())
    with store.engine.connect() as c:
        rows = c.execute(q).mappings().all()
        translated = dict(c.execute(tq).all())
    out = []
    for r in rows:
        for x in find(r["text"] or "", [Entity(r["name"], r["type"], r["start"], r["end"])],
                      translated.get(r["content_hash"])):
            out.append({**r, "sentence_start": x.sentence_start, "sentence_end": x.sentence_end,
                        "direction": x.direction})
    return out


def competitors(store: Store, f: Filters | None = None, *, top: int = 10, quotes: int = 3) -> list[Competitor]:
    """The products and brands the reviews within `f` compare with, the most compared first (ties: most
    left for it), each with its reviews' count, direction, average rating and verbatim sentences."""
    f = f or Filters()
    rows = _rows(store, f)
    found: dict[str, dict] = defaultdict(lambda: {"spellings": Counter(), "types": Counter(), "reviews": {},
                                                  "products": {}})
    own: dict[tuple[str, str | None], bool] = {}
    for r in rows:
        key = (r["name"], r["product"])
        if key not in own:
            own[key] = own_name(*key)
        if own[key]:
            continue
        how = r["direction"]
        entry = found[" ".join(r["name"].split()).casefold()]
        entry["spellings"][r["name"]] += 1
        entry["types"][r["type"]] += 1
        entry["products"][r["id"]] = r["product"]
        seen = entry["reviews"].get(r["id"])
        if seen is None or _RANK[how] < _RANK[seen[0]]:  # a review counts once, by its plainest sentence
            entry["reviews"][r["id"]] = (how, r["rating"], r["content_hash"],
                                         (r["text"] or "")[r["sentence_start"]:r["sentence_end"]], r["url"], r["name"])
    translated = translations(store, {v[2] for e in found.values() for v in e["reviews"].values()})
    complaints = _complaints_of(store, {v[2] for e in found.values() for v in e["reviews"].values()
                                        if v[0] == "went_to"})
    labels = topic_labels(store)
    out = []
    for entry in found.values():
        picked = entry["reviews"]
        ratings = [v[1] for v in picked.values() if v[1] is not None]
        ordered = sorted(picked.items(), key=lambda kv: _RANK[kv[1][0]])
        out.append(Competitor(
            name=entry["spellings"].most_common(1)[0][0], type=entry["types"].most_common(1)[0][0],
            reviews=len(picked), went_to=sum(v[0] == "went_to" for v in picked.values()),
            came_from=sum(v[0] == "came_from" for v in picked.values()),
            rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
            quotes=[_quote(rid, v, translated) for rid, v in ordered[:quotes]],
            review_ids=[rid for rid, _ in ordered],
            products=sorted({entry["products"][rid] for rid, v in picked.items()
                             if v[0] == "went_to" and entry["products"][rid]}),
            left_over=Counter(t for v in picked.values() if v[0] == "went_to"
                              for t in complaints.get(v[2], ()) if t not in CATCH_ALL).most_common(),
            labels=labels))
    out.sort(key=lambda x: (-x.reviews, -x.went_to, x.name.casefold()))
    return out[:top]


def _complaints_of(store: Store, hashes: set[str]) -> dict[str, list[str]]:
    """content hash -> the topics its analysis found negative (review_topics)."""
    t = review_topics.c
    out: dict[str, list[str]] = defaultdict(list)
    todo = sorted(hashes)
    with store.engine.connect() as c:
        for i in range(0, len(todo), 500):
            for h, topic in c.execute(sa.select(t.content_hash, t.topic).where(
                    t.content_hash.in_(todo[i:i + 500]), t.sentiment == "negative").order_by(t.topic)):
                out[h].append(topic)
    return out


def _quote(review_id: str, v: tuple, found: dict[str, tuple[str, str]]) -> Quote:
    """A comparing sentence as a verbatim quote; in another language with its translated sentence apart."""
    _, _, h, sentence, url, name = v
    return name_quote(review_id, sentence, url, name, found.get(h))
