"""What a review says of each name it mentions: the sentiment of the mention's own clause.

"The pasta was cold and we waited an hour. Our waiter Marco was lovely though." is a negative review that
praises Marco: the review's sentiment says nothing of him. Each entity (person, company, place, product)
gets the sentiment of the clause that names it (`analysis.topics.split_clauses`: a sentence, cut again
before contrast words such as "but" and "though"), decided by the same cascade as the per-topic sentiment
of clauses (the heads, and the LLM for what they are unsure of). A name the clause compares against ("much
better than the Sony", "compared to Windows") gets the opposite of what the clause says. A clause that names
several entities is read once; identical clauses across reviews are read once too.

Measured on the SemEval-2014 aspect terms (human polarity per term, `bench/bench_entity_sentiment.py`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from reviewlens.schema import SENTIMENTS, Entity

from .topics import split_clauses

SentimentFn = Callable[[list[str]], list[str]]

# The name a clause compares against: "much better than the Sony", "compared to Windows", "unlike my old Bose":
# what the clause says of the thing reviewed, it says the other way round of that name. Only the comparison
# word, a preposition and the words of a plain noun phrase may stand between ("worse than on my AirPods";
# "less than comfortable meal" compares nothing).
_COMPARED_RE = re.compile(
    r"\b(?:than|compared\s+(?:to|with)|unlike|vs\.?|versus)\s+"
    r"(?:(?:on|in|with|from|at|the|a|an|my|our|your|their|his|her|its|any|most|other|old|previous|last|former)\s+)*$",
    re.IGNORECASE)
_OPPOSITE = {"positive": "negative", "negative": "positive", "neutral": "neutral"}


# "than" that compares nothing with the thing reviewed: "look no further than Toons" recommends Toons, "none other
# than Marco" names him (they were read as spoken badly of)
_NOT_COMPARED_RE = re.compile(r"\b(?:(?:no|any)\s+(?:further|farther)|none\s+other)\s+$", re.IGNORECASE)


def compared_against(text: str, clause_start: int, start: int) -> bool:
    """Whether the mention at `start` is what its clause (starting at `clause_start`) compares against."""
    m = _COMPARED_RE.search(text, clause_start, start)
    return bool(m) and not _NOT_COMPARED_RE.search(text, clause_start, m.start())


def mention_clause(text: str, start: int, end: int, clauses: Sequence[tuple[int, int]] | None = None
                   ) -> tuple[int, int]:
    """The span of the clause of `text` that holds the mention at [start, end): the clause it starts in,
    widened to the end of the mention when a cut falls inside it; the whole text when no clause holds it."""
    for s, e in (split_clauses(text) if clauses is None else clauses):
        if s <= start < e:
            return s, max(e, min(end, len(text)))
    return 0, len(text)


def with_sentiment(texts: Sequence[str], found: Sequence[Sequence[Entity] | None],
                   sentiment_fn: SentimentFn) -> list[list[Entity] | None]:
    """`found` (the entities of each text, None where they could not be found) with each entity's
    `sentiment` set from its own clause; `sentiment_fn` labels a list of clauses (positive, neutral,
    negative; anything else reads neutral)."""
    segments: dict[str, int] = {}
    spans: list[list[tuple[str, bool]]] = []
    for text, ents in zip(texts, found):
        if not ents:
            spans.append([])
            continue
        clauses = split_clauses(text)
        mine = []
        for ent in ents:
            s, e = mention_clause(text, ent.start, ent.end, clauses)
            seg = text[s:e].strip() or text
            segments.setdefault(seg, len(segments))
            mine.append((seg, compared_against(text, s, ent.start)))
        spans.append(mine)
    if not segments:
        return [list(ents) if ents is not None else None for ents in found]
    order = list(segments)
    labels = list(sentiment_fn(order))
    if len(labels) != len(order):
        raise ValueError(f"sentiment_fn returned {len(labels)} labels for {len(order)} clauses")
    label_of = {seg: (lab if lab in SENTIMENTS else "neutral") for seg, lab in zip(order, labels)}
    out: list[list[Entity] | None] = []
    for ents, mine in zip(found, spans):
        if ents is None:
            out.append(None)
            continue
        out.append([dataclasses.replace(ent, sentiment=_OPPOSITE[label_of[seg]] if against else label_of[seg])
                    for ent, (seg, against) in zip(ents, mine)])
    return out
