"""What customers love: the praise in reviews grouped into ranked, named themes (the complaints' mirror).

The statements are the positive sentences of positive and mixed reviews (overall sentiment positive,
rating >= 4, or a topic with positive sentiment), never of a review rated one or two stars (sarcasm, mostly); a sentence that praises one thing and faults another
("Great food, but the service was slow") yields only its positive clauses, verbatim. From there the theme
finder is the complaints' own (analysis.complaints.find_complaints with kind=PRAISE): the same clustering,
counts of distinct reviews independent of `top`, trend against the previous period, verbatim quotes, names
from the LLM (delimited untrusted data, sanitized) or from the topic and key words.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from reviewlens.schema import ComplaintTheme

from .complaints import (
    COMPLAINT_CUES,
    CONTRAST_RE,
    GENERIC_STATEMENTS,
    WEAK_CUE_RE,
    WORD_RE,
    Statement,
    ThemeKind,
    as_number,
    find_complaints,
    sentence_statements,
    topic_list,
)
from .requests import is_request
from .topics import lexicon_polarity, split_clauses

_PIECE_RE = re.compile(r"[,;]")  # where a sentence that asks for something may also praise

LOWEST_PRAISED = 2        # the praise of a review rated this many stars or fewer is not taken (sarcasm, mostly)
PRAISE_PROBABILITY = 0.5  # a statement is praise when the sentiment head calls it positive this surely,
PRAISE_VADER = 0.4        # ... or VADER's compound score is this high
NOT_NEGATIVE = 0.3        # ... and the head's negative is below this

#: Praise that says nothing specific: dropped before clustering (as "Would not recommend." is for complaints).
GENERIC_PRAISE = ("Great product.", "Love it.", "I love it.", "Highly recommend.", "I would recommend it.",
                  "Five stars.", "Very happy with this purchase.", "Would buy again.", "Excellent.", "Perfect.",
                  "Best purchase ever.", "Exactly as described.", "Works great.", "Very satisfied.",
                  "Great experience overall.", "Thank you!", "So far so good.", "It is great.",
                  "Does what it says.", "Good.", "Everything else is fine.", "Other than that it is fine.")


def _review_signals(row: dict) -> tuple[bool, bool, list[str]]:
    """(clearly positive, mixed, positive topics) for one review row."""
    sentiment = row.get("sentiment")
    sentiment = sentiment if isinstance(sentiment, str) else None
    rating = as_number(row.get("rating"))
    topics = topic_list(row.get("topics"))
    pos_topics = [str(t.get("topic")) for t in topics if t.get("sentiment") == "positive" and t.get("topic")]
    if rating is not None and rating <= LOWEST_PRAISED:
        # a customer who gave one or two stars: what reads as praise is most often sarcasm ("Love typing my
        # password every morning. 10/10.", read positive) or the small print of a complaint, and was shown to a
        # manager under "What customers love", named after it
        return False, False, pos_topics
    positive = sentiment == "positive" or (rating is not None and rating >= 4 and sentiment != "negative")
    mixed = (not positive) and (bool(pos_topics) or (rating is not None and rating >= 3) or sentiment == "neutral")
    if sentiment is None and rating is None and not topics:
        mixed = True  # not analyzed: rely on the sentence lexicon alone
    return positive, mixed, pos_topics


def _faults(clause: str, pol: float) -> bool:
    """Whether a clause faults something (a negative word or a complaint cue): only then is the clause turning
    against it with "but" the praise ("Expensive, but worth every penny"); after one that does not, that clause is
    the complaint half ("The product is correct but an extraordinary speed", the 0.5B's reading of "Produit
    correct mais expédition d'une lenteur incroyable": the word lists read its "speed" as neither)."""
    return pol < 0 or bool(COMPLAINT_CUES.search(WEAK_CUE_RE.sub(" ", clause)))


def _praise_parts(sent: str) -> list[str]:
    """The candidate praise in one sentence (verbatim): its clauses that are not negative when it also faults
    something ("Great food, but the service was slow" -> "Great food") or turns on a contrast word ("First,
    it's good, but the price is too high": the word lists do not know "too high"), else the sentence; a wish
    ("Please provide it in green") is no praise (analysis.requests). Whether a candidate is praise is the
    sentiment head's call (`_positive`), once it is embedded: each clause on its own, so the complaint half
    of a mixed sentence is not praise."""
    spans = split_clauses(sent)
    if len(spans) > 1:
        parts = [sent[a:b] for a, b in spans]
        pols = [lexicon_polarity(p) for p in parts]
        if any(pol < 0 or CONTRAST_RE.match(p) for p, pol in zip(parts, pols)):
            return [p for k, (p, pol) in enumerate(zip(parts, pols))
                    if pol >= 0 and len(WORD_RE.findall(p)) >= 2 and not is_request(p)
                    and not (k and CONTRAST_RE.match(p) and not _faults(parts[k - 1], pols[k - 1]))]
    if is_request(sent):  # "I just love this laptop, I just wish it were all silver" -> its first half
        pieces = [p.strip() for p in _PIECE_RE.split(sent)]
        return [p for p in pieces if len(WORD_RE.findall(p)) >= 2 and not is_request(p)] if len(pieces) > 1 else []
    return [sent]


def _positive(stmts: list[Statement], vecs: np.ndarray) -> np.ndarray:
    """Which statements read as praise: the packaged sentiment head (MiniLM embedding + VADER, the cascade's
    first head) calls them positive at least PRAISE_PROBABILITY, or VADER's compound score is at least
    PRAISE_VADER and the head gives negative under NOT_NEGATIVE ("Works perfectly, setup took two minutes":
    the head, trained on whole reviews, is unsure of short sentences); without the head, the word lexicon."""
    from .heads import LABELS, N_VADER, features, sentiment_head

    head = sentiment_head()
    # what is judged is the statement itself: a review's own clause, or in translation the clause it was read
    # in (the whole translated sentence holds the complaint half of a mixed one)
    texts = [s.text if not s.translation else (s.embed_text or s.translation) for s in stmts]
    if head is None:
        return np.array([lexicon_polarity(t) > 0 for t in texts], dtype=bool)
    X = features(texts, None, vecs=vecs)
    p = head.proba(X)
    pos, neg = p[:, LABELS.index("positive")], p[:, LABELS.index("negative")]
    compound = X[:, -N_VADER]
    return (pos >= PRAISE_PROBABILITY) | ((compound >= PRAISE_VADER) & (neg < NOT_NEGATIVE))


def praise_statements(df: pd.DataFrame | None) -> list[Statement]:
    """The praise sentences of a reviews frame (Store.reviews_frame columns); `weight` is how positive."""
    return sentence_statements(df, _review_signals, _praise_parts,
                               lambda part, positive: lexicon_polarity(part) + (0.5 if positive else 0.0))


PRAISE = ThemeKind(
    name="praise", statements=praise_statements, generic=GENERIC_PRAISE + GENERIC_STATEMENTS,
    noun="praise", heading="Praise", names_what="saying what customers like", verb="praise",
    describe="what is good", example=(["The battery easily lasts two full days of heavy use.",
                                       "Two days between charges, even with GPS on."],
                                      '{"label": "Long battery life", "summary": "The battery lasts for days '
                                      'between charges."}'),
    summary_example=("Praise: The battery lasts for days between charges.\nName:", "Long battery life"),
    fallback_summary="{reviews} praise{s} {topic}, mentioning {what}.",
    fallback_summary_untopical="{reviews} praise{s} it, mentioning {what}.", keep=_positive)


def find_praise(current: pd.DataFrame, previous: pd.DataFrame | None, **kw: Any) -> list[ComplaintTheme]:
    """The top praise themes of `current` (what customers love), with counts, shares, trend against
    `previous` and verbatim quotes; the keyword arguments are find_complaints' (top, backend, embedder,
    taxonomy, sharp, known)."""
    return find_complaints(current, previous, kind=PRAISE, **kw)
