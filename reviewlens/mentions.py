"""What reviews say of the people, companies, places and products they name: "Marco (person): named in 12
reviews, 10 speak well of him, 1 badly", with their sentences quoted.

Each mention has the sentiment of the clause that names it (analysis.entity_sentiment: "The pasta was cold.
Our waiter Marco was lovely though." praises Marco in a negative review), stored with the entity; a product or
brand the writer left you for ("returned them and got the Bose instead", reviewlens.comparing) is spoken well
of whatever the sentence says of yours, and one the writer came from ("upgraded from the Anker") is only named.
A review
counts once per name: it **speaks well** of it when a mention of it is positive, **badly** when one is
negative (a review that does both counts in both), and otherwise only names it. Analyses made before mention
sentiment was stored count by the review's sentiment until `reviewlens analyze` finds their entities again.
The quotes are the reviews' own sentences, verbatim (a review in another language: in its own words, with
the English translation apart), newest first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from .comparing import KINDS, own_name, sentence_at
from .filters import Filters
from .queries import conditions, current_analysis
from .quoting import name_quote, translations
from .schema import Quote
from .store import Store, mention_said, review_comparisons, review_entities, reviews

#: The words a user may name an entity type by (`--type person`); a type of the user's own by its name.
TYPE_WORDS = {"person": "PERSON", "people": "PERSON", "staff": "PERSON", "company": "ORG", "companies": "ORG",
              "organization": "ORG", "brand": "ORG", "place": "LOCATION", "location": "LOCATION",
              "places": "LOCATION", "product": "PRODUCT", "products": "PRODUCT"}
KIND_WORDS = {"PERSON": "person", "ORG": "company", "LOCATION": "place", "PRODUCT": "product"}

ORDERS = ("reviews", "negative", "positive")  # the most named first; the most spoken badly (well) of first


@dataclass
class NameSaid:
    """One name the reviews within the filters mention, and what they say of it."""

    name: str                 # as most reviews write it
    type: str                 # PERSON, ORG, LOCATION, PRODUCT or a type of the user's own
    reviews: int = 0          # distinct reviews that name it
    positive: int = 0         # of those, the reviews that speak well of it
    negative: int = 0         # ... and badly (a review that does both counts in both)
    both: int = 0             # the reviews that speak both well and badly of it
    rating: float | None = None  # their average star rating
    praise: list[Quote] = field(default_factory=list)      # sentences that speak well of it, newest first
    complaints: list[Quote] = field(default_factory=list)  # ... and badly
    review_ids: list[str] = field(default_factory=list)    # the reviews that name it, newest first (if asked)

    @property
    def neutral(self) -> int:
        """The reviews that only name it."""
        return self.reviews - self.positive - self.negative + self.both

    @property
    def net(self) -> float | None:
        """(speak well - speak badly) / reviews, -1 to 1; None without reviews."""
        return (self.positive - self.negative) / self.reviews if self.reviews else None

    def said(self) -> str:
        """What its reviews say of it, in words: "10 speak well of them, 1 badly, 1 only names them" for a
        person, "it" for the rest."""
        it = "them" if self.type == "PERSON" else "it"
        parts = [(self.positive, f"speaks well of {it}", f"speak well of {it}"),
                 (self.negative, "badly", "badly") if self.positive else
                 (self.negative, f"speaks badly of {it}", f"speak badly of {it}"),
                 (self.neutral, f"only names {it}", f"only name {it}")]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)


def kind_word(kind: str) -> str:
    """An entity type in the words `--type` takes ("ORG" -> "company"); a type of the user's own in lower case."""
    return KIND_WORDS.get(kind, kind.replace("_", " ").lower())


def entity_type(word: str) -> str:
    """The entity type a user's word names ("person" -> PERSON, "company" -> ORG); another word is taken as
    a type of the user's own, in upper case ("dish" -> DISH)."""
    w = " ".join(word.split()).casefold()
    return TYPE_WORDS.get(w, w.upper().replace(" ", "_"))


def types_in(store: Store) -> list[str]:
    """The entity types the store's analyses found, the commonest first."""
    e = review_entities.c
    with store.engine.connect() as c:
        return [t for t, _ in c.execute(sa.select(e.type, sa.func.count()).group_by(e.type)
                                        .order_by(sa.func.count().desc(), e.type))]


def _mentions(f: Filters) -> tuple[Any, Any, list[Any]]:
    """The join of reviews, their mentions, their current analysis and their stored comparisons, what each
    mention says, and the conditions of `f`."""
    a = current_analysis()
    e, x = review_entities.c, review_comparisons.c
    joined = (reviews.join(review_entities, e.content_hash == reviews.c.content_hash)
              .join(a, a.c.content_hash == reviews.c.content_hash)
              .outerjoin(review_comparisons, sa.and_(x.content_hash == e.content_hash, x.start == e.start)))
    return joined, mention_said(a, x), conditions(f, a)


def _counts(store: Store, f: Filters) -> list[Any]:
    """Per (name in lower case, product, type): reviews naming it, speaking well, badly, both, and the sum and
    count of their ratings. A review counts once per name (its mentions' type: the first A-Z)."""
    e = review_entities.c
    joined, said, where = _mentions(f)
    key = sa.func.lower(e.text)
    one = lambda v: sa.func.max(sa.case((said == v, 1), else_=0))  # noqa: E731
    per_review = (sa.select(reviews.c.id, reviews.c.product, reviews.c.rating, key.label("k"),
                            sa.func.min(e.type).label("type"), one("positive").label("well"),
                            one("negative").label("badly"))
                  .select_from(joined).where(*where)
                  .group_by(reviews.c.id, reviews.c.product, reviews.c.rating, key)).subquery()
    r = per_review.c
    q = (sa.select(r.k, r.product, r.type, sa.func.count().label("reviews"), sa.func.sum(r.well).label("well"),
                   sa.func.sum(r.badly).label("badly"), sa.func.sum(r.well * r.badly).label("both"),
                   sa.func.sum(r.rating).label("stars"), sa.func.count(r.rating).label("rated"))
         .group_by(r.k, r.product, r.type))
    with store.engine.connect() as c:
        return c.execute(q).all()


def _spellings(store: Store, keys: list[str]) -> dict[str, str]:
    """name in lower case -> its commonest spelling in the store."""
    e = review_entities.c
    key = sa.func.lower(e.text)
    out: dict[str, tuple[int, str]] = {}
    with store.engine.connect() as c:  # the key as the database writes it (SQLite lowers ASCII letters only)
        for k, text, n in c.execute(sa.select(key, e.text, sa.func.count()).where(key.in_(keys))
                                    .group_by(key, e.text)):
            if k not in out or (n, text) > out[k]:
                out[k] = (n, text)
    return {k: v[1] for k, v in out.items()}


def _quotes(store: Store, f: Filters, key: str, side: str, n: int) -> list[Quote]:
    """The newest `n` reviews' sentences that say `side` (positive, negative) of the name `key`, verbatim."""
    e = review_entities.c
    joined, said, where = _mentions(f)
    q = (sa.select(reviews.c.id, reviews.c.content_hash, reviews.c.text, reviews.c.url, reviews.c.product,
                   e.text.label("name"), e.type, e.start, e.end)
         .select_from(joined).where(*where, sa.func.lower(e.text) == key, said == side)
         .order_by(reviews.c.date.desc().nulls_last(), reviews.c.id, e.start).limit(n * 4))
    picked: dict[str, tuple[str, Any]] = {}
    with store.engine.connect() as c:
        for r in c.execute(q):
            if r.id in picked or (r.type in KINDS and own_name(r.name, r.product)):
                continue
            text = r.text or ""
            s, t = sentence_at(text, r.start, r.end)
            picked[r.id] = (text[s:t], r)
            if len(picked) == n:
                break
    translated = translations(store, {r.content_hash for _, r in picked.values()})
    return [name_quote(rid, sentence, r.url, r.name, translated.get(r.content_hash))
            for rid, (sentence, r) in picked.items()]


def _review_ids(store: Store, f: Filters, key: str) -> list[str]:
    """The reviews within `f` that name `key` (any case), newest first."""
    e = review_entities.c
    joined, _, where = _mentions(f)
    q = (sa.select(reviews.c.id).select_from(joined).where(*where, sa.func.lower(e.text) == key)
         .group_by(reviews.c.id, reviews.c.date).order_by(reviews.c.date.desc().nulls_last(), reviews.c.id))
    with store.engine.connect() as c:
        return [r for (r,) in c.execute(q)]


def names_said(store: Store, f: Filters | None = None, *, types: tuple[str, ...] = (), top: int = 10,
               quotes: int = 2, order: str = "reviews", ids: bool = False) -> list[NameSaid]:
    """The names the reviews within `f` mention (of `types`, or all), each with how many reviews name it,
    speak well and badly of it, their rating and sentences. `order`: "reviews" (the most named first),
    "negative" (the most spoken badly of first) or "positive"; `ids`: with the ids of the reviews that name
    each (`review_ids`). A product's or brand's name that is (part of)
    the reviewed product's own name is left out ("Aurora" in reviews of "Aurora Wireless Headphones")."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    f = f or Filters()
    if not store.comparisons_current():
        store.fill_comparisons()  # once, for a store analyzed before comparisons were stored (read-only: not)
    found: dict[str, dict] = defaultdict(lambda: {"types": Counter(), "reviews": 0, "well": 0, "badly": 0,
                                                  "both": 0, "stars": 0.0, "rated": 0})
    # A name is of the type most of its mentions have ("Giulia": twice a person, once typed a place), and
    # `types` picks names by that type, each with all its mentions: `--type person` counts Giulia's three
    # reviews, as the list of all types does.
    for k, product, typ, n, well, badly, both, stars, rated in _counts(store, f):
        if typ in KINDS and own_name(k, product):
            continue
        entry = found[k]
        entry["types"][typ] += n
        for name, v in (("reviews", n), ("well", well), ("badly", badly), ("both", both), ("stars", stars),
                        ("rated", rated)):
            entry[name] += v or 0
    if types:
        found = {k: v for k, v in found.items() if v["types"].most_common(1)[0][0] in types}
    first = {"negative": lambda k, v: (-v["badly"], -v["reviews"]), "positive": lambda k, v: (-v["well"], -v["reviews"]),
             "reviews": lambda k, v: (-v["reviews"], -v["badly"])}[order]
    shown = sorted(found.items(), key=lambda kv: (*first(*kv), kv[0]))[:top]
    spelling = _spellings(store, [k for k, _ in shown])
    out = []
    for k, v in shown:
        out.append(NameSaid(
            name=spelling.get(k, k), type=v["types"].most_common(1)[0][0], reviews=v["reviews"],
            positive=v["well"], negative=v["badly"], both=v["both"],
            rating=round(v["stars"] / v["rated"], 2) if v["rated"] else None,
            praise=_quotes(store, f, k, "positive", quotes) if v["well"] else [],
            complaints=_quotes(store, f, k, "negative", quotes) if v["badly"] else [],
            review_ids=_review_ids(store, f, k) if ids else []))
    return out
