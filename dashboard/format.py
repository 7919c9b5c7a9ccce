"""Small display formatters shared by the dashboard and the Excel report (plain text in, plain text out).

No Streamlit and no openpyxl here; escaping for HTML, Markdown or Excel is `dashboard.safe`'s job,
done by the caller on the text these return.
"""

from __future__ import annotations

import math

from reviewlens.display_text import neutralize
from reviewlens.mentions import kind_word
from reviewlens.queries import topic_label

#: What a missing number or date reads as (a table's empty cell: Streamlit's own "None" read as a word)
MISSING = "—"

#: The dashboard's compact sentiment marks (the report spells the sentiment out).
SENTIMENT_MARKS = {"positive": "+", "negative": "−", "neutral": "·"}


def fmt_num(v: float | None, pattern: str = "{:,.0f}", none: str = MISSING) -> str:
    """`pattern` applied to a number; `none` for a missing value (None or NaN)."""
    return none if v is None or (isinstance(v, float) and math.isnan(v)) else pattern.format(v)


def fmt_stars(v: float | None, none: str = "no rating") -> str:
    """A review's rating as written elsewhere in the app: "1★", "4.5★" (not one star drawn per point, which
    showed a 1-star review as a lone "★" and, rounded half to even, a 4.5 as four)."""
    return none if v is None or (isinstance(v, float) and math.isnan(v)) else f"{round(float(v), 1):g}★"


def fmt_delta(v: float | None, pattern: str) -> str | None:
    """A change as text, None when there is nothing to compare with."""
    return None if v is None else pattern.format(v)


def topics_text(topics: list, *, words: bool = False, names: dict[str, str] | None = None) -> str:
    """A review's topics as one line: 'Delivery (−), Price (+)' or, with `words`, 'Delivery (negative), ...'.
    `names`: the topics' display names (`reviewlens.queries.topic_labels`)."""
    def sentiment(t: dict) -> str:
        s = t.get("sentiment")
        if words:
            return s if isinstance(s, str) and s else "?"
        return SENTIMENT_MARKS.get(s, "?")

    return ", ".join(f"{topic_label(t.get('topic'), names)} ({sentiment(t)})" for t in topics if isinstance(t, dict))


def entities_text(entities: list) -> str:
    """A review's distinct entities as one line in the words the charts and `reviewlens mentions` use:
    'ACME Corp (company), Berlin (place)'.

    Entities are spans of review text: bidi overrides and control characters are neutralised here."""
    seen: dict[str, None] = {}
    for e in entities:
        if isinstance(e, dict) and e.get("text"):
            seen.setdefault(neutralize(f"{e['text']} ({entity_word(e.get('type'))})"))
    return ", ".join(seen)


def entity_word(kind: str | None) -> str:
    """An entity type in words ("ORG" -> "company"); a type of the user's own in lower case; "name" for none."""
    return kind_word(str(kind)) if kind else "name"
