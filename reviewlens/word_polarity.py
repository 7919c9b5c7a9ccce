"""Counting a text's words by polarity: word lists with negation ("not clean" counts as negative, "not bad" as
positive). The mechanism the analysis's cheap lexicon baseline (analysis.topics.lexicon_polarity) and the reply
drafts' check on the stars (reviewlens.replies.word_polarity) share, each with its own lists."""

from __future__ import annotations

from collections.abc import Collection, Sequence

NEGATION_WINDOW = 3  # a negator this many words before a word or fewer turns it round


def polarity_counts(words: Sequence[str], positive: Collection[str], negative: Collection[str],
                    negators: Collection[str]) -> tuple[int, int]:
    """(positive, negative) counts of `words` (lower case) in the lists, a word after a negator (or an "…n't"
    word) within NEGATION_WINDOW counted the other way."""
    pos = neg = 0
    for i, w in enumerate(words):
        val = 1 if w in positive else -1 if w in negative else 0
        if val and any(x in negators or x.endswith("n't") for x in words[max(0, i - NEGATION_WINDOW):i]):
            val = -val
        pos, neg = pos + (val > 0), neg + (val < 0)
    return pos, neg
