"""Whether a sentence that names another product or brand compares with it, and which way its writer went:
the rules `reviewlens competitors` counts by (reviewlens.competitors), applied as analyses are stored.

* **went to** the other one: "switched to the Sony", "returned it and bought the Bose instead", "went back
  to my AirPods Pro 2" (a customer lost to it);
* **came from** it: "switched from Bose", "upgraded from the Sony WH-1000XM4", "replaced my old Jabra",
  "my old Fitbit Charge 5 lasted longer", "I will never go back to Windows" (a customer won from it);
* otherwise **compared** ("louder than the Sony", "compared to the MacBook Air M2").

A comparing word must be near the name ("better than", "compared to", "vs", "instead", "switched",
"upgraded from", "my old ..."; for a product also a comparative: "better", "lighter", "as good as the");
quantities ("more than a year"), "as soon as", "the previous comment" are not comparisons. Rules for
English, written for this (no maintained library reads the direction of a comparison): a review in another
language is read in its English translation and its sentence quoted in its own words. Pure text in, spans
out; `VERSION` names the rules, and stored rows of an older version are found again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

VERSION = "comparing-2"
KINDS = ("PRODUCT", "ORG")

# a sentence that names another product or brand and says one of these near the name (NEAR characters either
# side) compares
_COMPARING = re.compile(
    r"\b(?:(?<!further )(?<!farther )(?<!other )than(?!\s+(?:an?\s+)?(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
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
    r"sharper|faster|slower|twice\s+(?:as|the)|half\s+the|as\s+(?!soon|long|well|far)\w+\s+as\s+(?:an?|the|my|our|any|mine|those|that|other)|"
    r"(?:more|less)\s+\w+\s+than)\b", re.IGNORECASE)
NEAR = 60
# just before the name (its clause): the reviewer went to it
_TO_BEFORE = re.compile(
    r"\b(?:switch(?:ed|ing)?|went|go(?:ing)?|mov(?:ed|ing)|chang(?:ed|ing)|stick(?:ing)?|stuck)\s+(?:back\s+)?"
    r"(?:over\s+)?(?:to|with)\b|\b(?:return(?:ed|ing)?|sent)\b.{0,60}\b(?:for\s+(?:an?|the|my)|and\s+(?:got|bought|ordered|went\s+with))\b|"
    r"\b(?:bought|got|ordered|chose|picked|went\s+with|getting|buying)\b(?=.{0,60}\binstead\b)|\bprefer\b|"
    r"\breplac(?:ed|ing|e)\s+(?:it|them)\s+with\b",
    re.IGNORECASE)
# just before the name: the customer's own device or thing the product runs on or with ("still crashing on my
# Galaxy A54", "pairs with my Pixel 8", "slower on our iPads"): named, not compared with (not "went back to my ...",
# nor "worse than on my AirPods Pro 2")
_OWN_BEFORE = re.compile(
    r"(?<!\bthan\s)(?<!\bas\s)\b(?:on|in|for|(?:pair|connect|sync|work)(?:s|ed|ing)?\s+(?:with|to))\s+(?:my|our)\s+"
    r"(?:new\s+|current\s+)?$",
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
#: A period (or ! ?) that ends no sentence: inside "2.4.0", "$19.99" or "shop.example.com" (a digit or a small
#: letter follows), or after a title or "e.g." ("the night manager, Mr. Kessler, ..."). Used by the
#: analysis's sentence splitter too (analysis.topics), so quotes and clauses are cut alike.
NOT_A_SENTENCE_END = r"[.!?]+(?=[0-9a-zß-ÿ])|(?<=\bMr)\.|(?<=\bMrs)\.|(?<=\bMs)\.|(?<=\bDr)\.|(?<=\bSt)\.|(?<=\bvs)\.|(?<=\bProf)\.|(?<=\bMt)\.|(?<=\bapprox)\.|(?<=\be\.g)\.|(?<=\bi\.e)\."
_SENTENCE = re.compile(rf"(?:[^.!?\n]|{NOT_A_SENTENCE_END})+(?:[.!?]+|$)")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Comparing:
    """A name of a review text that a sentence compares with: the name's span in the text and the sentence's
    (the customer's own words, to quote), and which way (`direction`)."""

    name: str
    type: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    direction: str


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
    if _OWN_BEFORE.search(before):
        return None
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


def find(text: str, entities: Iterable[Any], translation: str | None = None) -> list[Comparing]:
    """The comparisons in one review text: of its `entities` (anything with text, type, start, end: the
    analysis's, placed in `text`), the PRODUCT and ORG names a sentence compares with. `translation`: the
    text's English translation when it is in another language (read for the comparing words; names survive
    translation as written)."""
    out = []
    for e in entities:
        if e.type not in KINDS or text[e.start:e.end] != e.text:
            continue
        s, t = sentence_at(text, e.start, e.end)
        how = direction(text[s:t], e.start - s, e.end - s, e.type)
        if translation:
            k = translation.find(e.text)
            if k >= 0:
                ts, tt = sentence_at(translation, k, k + len(e.text))
                how = direction(translation[ts:tt], k - ts, k - ts + len(e.text), e.type)
            else:
                how = None
        if how:
            out.append(Comparing(e.text, e.type, e.start, e.end, s, t, how))
    return out
