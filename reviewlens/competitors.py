"""What customers compare your products with: the other products and brands reviews name in a comparison,
and who the reviewers left for or came from.

A review counts for a name (a PRODUCT or ORG the analysis found in it, not part of the reviewed product's
own name) when the sentence that names it compares: "better than", "compared to", "vs", "instead",
"switched to", "upgraded from", "my old ...". Each such sentence is read for its direction:

* **went to** the other one: "switched to the Sony", "returned it and bought the Bose instead", "went back
  to my AirPods Pro 2" (customers lost to it);
* **came from** it: "switched from Bose", "upgraded from the Sony WH-1000XM4", "replaced my old Jabra",
  "my old Fitbit Charge 5 lasted longer" (customers won from it, and what they miss);
* otherwise **compared** ("louder than the Sony", "compared to the MacBook Air M2").

Rules for English; a review in another language is read in its stored English translation and quoted in
its own words. The quotes are the reviews' own sentences, verbatim.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from .filters import Filters
from .queries import conditions, current_analysis
from .schema import Quote
from .store import Store, review_entities, reviews

KINDS = ("PRODUCT", "ORG")

# a sentence that names another product or brand and says one of these near the name (NEAR characters either
# side) compares
_COMPARING = re.compile(
    r"\b(?:than(?!\s+(?:an?\s+)?(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|fifty|hundred|thousand|several|many|once|twice|few|couple|half|year|month|week|day|hour|minute|"
    r"dollar|buck|expected|advertised|usual|i\b|we\b|it\b|they\b|ever|before|needed|necessary))|"
    r"compared\s+(?:to|with)|in\s+comparison|comparison\s+(?:to|with)|used\s+to\s+(?:have|use|own)|vs\.?|versus|"
    r"(?<![.!?]\s)(?<!^)instead|instead\s+of|unlike|(?:same|similar)\s+(?:as|to)|switch(?:ed|ing)?|went\s+back|"
    r"go(?:ing)?\s+back|mov(?:ed|ing)\s+(?:to|from)|(?:up|down)grad(?:ed|ing|e)\s+(?:from|to)|"
    r"replac(?:ed|ing|e)\s+(?:my|our)\b|replac(?:ed|ing|e)\s+(?:it|them)\s+with|"
    r"return(?:ed|ing)?\b.{0,40}\b(?:for\s+(?:an?|the|my)|and\s+(?:bought|got|ordered))|my\s+(?:old|previous|last)|"
    r"previous(?:ly)?(?!\s+(?:comment|review|reviewer|post|poster|owner|answer))|"
    r"coming\s+from|came\s+from|(?:chose|choose|picked|pick|prefer(?:red)?)\b.{0,40}\bover|rather\s+than|beats?|"
    r"outperforms?)\b", re.IGNORECASE)
# ... and one that names another product (not a brand: "DHL was faster this time" compares no product) and
# says one of these near it
_COMPARATIVE = re.compile(
    r"\b(?:better|worse|cheaper|pricier|louder|quieter|lighter|heavier|smaller|bigger|larger|clearer|"
    r"sharper|faster|slower|twice|half\s+the|as\s+(?!soon|long|well|far)\w+\s+as\s+(?:an?|the|my|our|any|mine|those|that|other)|"
    r"(?:more|less)\s+\w+\s+than)\b", re.IGNORECASE)
NEAR = 60
# just before the name (its clause): the reviewer went to it
_TO_BEFORE = re.compile(
    r"\b(?:switch(?:ed|ing)?|went|go(?:ing)?|mov(?:ed|ing)|chang(?:ed|ing)|stick(?:ing)?|stuck)\s+(?:back\s+)?"
    r"(?:over\s+)?(?:to|with)\b|\b(?:return(?:ed|ing)?|sent)\b.{0,60}\b(?:for\s+(?:an?|the|my)|and\s+(?:got|bought|ordered|went\s+with))\b|"
    r"\b(?:bought|got|ordered|chose|picked|went\s+with|getting|buying)\b(?=.{0,60}\binstead\b)|\bprefer\b|"
    r"\breplac(?:ed|ing|e)\s+(?:it|them)\s+with\b",
    re.IGNORECASE)
_INSTEAD_AFTER = re.compile(r"^\W*(?:\w+\W+){0,4}?instead\b", re.IGNORECASE)
# just before the name (its clause): the reviewer came from it
_FROM_BEFORE = re.compile(
    r"\b(?:switch(?:ed|ing)?|upgrad(?:ed|ing)|downgrad(?:ed|ing)|mov(?:ed|ing)|com(?:e|ing)|came|chang(?:ed|ing))"
    r"\s+(?:over\s+)?from\b|\breplac(?:ed|ing|e)\s+(?:my|our)\b|\bmy\s+(?:old|previous|last)\s+(?:\w+\s+)?$|"
    r"\b(?:used\s+to\s+(?:have|use|own)|previously\s+(?:had|used|owned)|had\s+(?:an?|the)\s+(?:\w+\s+)?for\s+years)\b",
    re.IGNORECASE)
_NEVER_BEFORE = re.compile(r"\b(?:never|won'?t|will\s+not|not|n't|no\s+longer)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_TO_JUST_BEFORE = re.compile(r"\bto\s+(?:the\s+|an?\s+|my\s+|our\s+)?$", re.IGNORECASE)  # "... from PC to Mac"
_CLAUSE_START = re.compile(r".*[,;:(]", re.DOTALL)  # what is before the last comma is another clause
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_WORD = re.compile(r"\w+", re.UNICODE)


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

    @property
    def compared(self) -> int:
        return self.reviews - self.went_to - self.came_from

    def ways(self) -> str:
        """Which way its reviews went, in words: "3 went to it, 2 compared"."""
        parts = [(self.went_to, "went to it"), (self.came_from, "came from it"), (self.compared, "compared")]
        return ", ".join(f"{n} {what}" for n, what in parts if n)


def sentence_at(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence of `text` that holds [start, end) (from the last . ! ? or line break)."""
    for m in _SENTENCE.finditer(text):
        if m.start() <= start < m.end() or (m.start() < end <= m.end()):
            s, e = m.start(), m.end()
            while s < e and text[s].isspace():
                s += 1
            return s, max(e, end)
    return start, end


def direction(sentence: str, start: int, end: int, kind: str = "PRODUCT") -> str | None:
    """How `sentence` speaks of the name at [start, end) (a PRODUCT or an ORG): "went_to", "came_from",
    "compared", or None when it does not compare at all."""
    near = sentence[max(0, start - NEAR):end + NEAR]
    if not (_COMPARING.search(near) or (kind == "PRODUCT" and _COMPARATIVE.search(near))):
        return None
    before, after = sentence[:start], sentence[end:]
    before = before[m.end():] if (m := _CLAUSE_START.match(before)) else before
    after = after[:min((after.find(p) for p in ",;:(" if p in after), default=len(after))]
    came = _FROM_BEFORE.search(before)
    if came and not _TO_JUST_BEFORE.search(before):
        return "came_from"
    went = _TO_BEFORE.search(before)
    if went and _NEVER_BEFORE.search(before[:went.start()]):  # "I will never go back to Windows": left it
        return "came_from"
    if went or came or _INSTEAD_AFTER.search(after):
        return "went_to"
    return "compared"


def own_name(name: str, product: str | None) -> bool:
    """Whether `name` is (part of) the reviewed product's own name ("Aurora" of "Aurora Wireless Headphones")."""
    words = [w.casefold() for w in _WORD.findall(name)]
    own = {w.casefold() for w in _WORD.findall(product or "")}
    return bool(words) and all(w in own for w in words)


def competitors(store: Store, f: Filters | None = None, *, top: int = 10, quotes: int = 3) -> list[Competitor]:
    """The products and brands the reviews within `f` compare with, the most compared first (ties: most
    left for it), each with its reviews' count, direction, average rating and verbatim sentences."""
    f = f or Filters()
    e, a = review_entities, current_analysis()
    q = (sa.select(reviews.c.id, reviews.c.text, reviews.c.product, reviews.c.rating, reviews.c.url,
                   e.c.text.label("name"), e.c.type, e.c.start, e.c.end, a.c.translation, a.c.language)
         .select_from(reviews.join(e, e.c.content_hash == reviews.c.content_hash)
                      .outerjoin(a, a.c.content_hash == reviews.c.content_hash))
         .where(e.c.type.in_(KINDS), *conditions(f, a))
         .order_by(reviews.c.date.desc().nulls_last(), reviews.c.id, e.c.start))
    found: dict[str, dict] = defaultdict(lambda: {"spellings": Counter(), "types": Counter(), "reviews": {},
                                                  "products": {}})
    with store.engine.connect() as c:
        rows = c.execute(q).mappings().all()
    for r in rows:
        text, name = r["text"] or "", r["name"]
        if own_name(name, r["product"]) or text[r["start"]:r["end"]] != name:
            continue
        s, t = sentence_at(text, r["start"], r["end"])
        sentence = text[s:t]
        how = direction(sentence, r["start"] - s, r["end"] - s, r["type"])
        translation = r["translation"] if r["language"] and r["language"] != "en" else None
        if translation:  # read in its English translation, quoted in its own words
            k = translation.find(name)
            ts, tt = sentence_at(translation, k, k + len(name)) if k >= 0 else (0, 0)
            how = direction(translation[ts:tt], k - ts, k - ts + len(name), r["type"]) if k >= 0 else None
        if how is None:
            continue
        entry = found[" ".join(name.split()).casefold()]
        entry["spellings"][name] += 1
        entry["types"][r["type"]] += 1
        entry["products"][r["id"]] = r["product"]
        seen = entry["reviews"].get(r["id"])
        if seen is None or _RANK[how] < _RANK[seen[0]]:  # a review counts once, by its plainest sentence
            entry["reviews"][r["id"]] = (how, r["rating"], Quote(review_id=r["id"], text=sentence, url=r["url"],
                                                                 language=r["language"] if translation else None,
                                                                 translation=translation and translation[ts:tt]))
    out = []
    for entry in found.values():
        picked = entry["reviews"]
        ratings = [rating for _, rating, _ in picked.values() if rating is not None]
        ordered = sorted(picked.items(), key=lambda kv: _RANK[kv[1][0]])
        out.append(Competitor(
            name=entry["spellings"].most_common(1)[0][0], type=entry["types"].most_common(1)[0][0],
            reviews=len(picked), went_to=sum(h == "went_to" for h, _, _ in picked.values()),
            came_from=sum(h == "came_from" for h, _, _ in picked.values()),
            rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
            quotes=[qt for _, (_, _, qt) in ordered[:quotes]], review_ids=[rid for rid, _ in ordered],
            products=sorted({entry["products"][rid] for rid, (h, _, _) in picked.items()
                             if h == "went_to" and entry["products"][rid]})))
    out.sort(key=lambda x: (-x.reviews, -x.went_to, x.name.casefold()))
    return out[:top]


_RANK = {"went_to": 0, "came_from": 1, "compared": 2}
