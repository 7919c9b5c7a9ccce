"""Questions asked in the dashboard's Ask page: what each searches, whether an answerer is running, and
which of an answer's sources may be shown as the customers' words.

The dashboard stores a question (Store.add_question) with its scope; reviewlens.app.answering answers it in
the background and leaves a heartbeat checkpoint; the page shows the answer. Pure data, no models.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Mapping, Sequence

from .filters import Filters
from .views import View, from_query, to_query

HEARTBEAT_KEY = "answers:worker"   # checkpoint: when the background answerer last looked, and with what model
HEARTBEAT_EVERY = 5.0              # seconds between its heartbeats
ALIVE_FOR = 20.0                   # a heartbeat older than this: no answerer is running
MAX_QUESTION = 500                 # characters of a question
NOT_ANSWERED = "The reviews do not say."  # what the model answers when no excerpt answers (analysis.answers)


def scope_of(f: Filters) -> dict[str, Any]:
    """What a question asked under the sidebar's filters `f` searches, as stored with it: the filters
    written as a dashboard link's query (reviewlens.views), so every filter applies and reads back the same."""
    return {"query": [[k, v] for k, v in to_query(View(period="custom", filters=f))]}


def filters_of(scope: Mapping[str, Any]) -> Filters:
    """The filters of a stored scope: a link's query (`scope_of`), or since, until, products and sources.
    A scope that cannot be read raises ValueError (the question fails, saying why)."""
    if "query" in scope:
        params: dict[str, list[str]] = {}
        for pair in scope["query"] or []:
            k, v = pair
            params.setdefault(str(k), []).append(str(v))
        view, problems = from_query(params)
        if problems:
            raise ValueError("the question's filters: " + "; ".join(problems))
        return view.filters

    def day(v: Any) -> date | None:
        return v if isinstance(v, date) or v is None else date.fromisoformat(str(v))

    return Filters.of(since=day(scope.get("since")), until=day(scope.get("until")),
                      products=scope.get("products") or None, sources=scope.get("sources") or None)


def describe_scope(scope: Mapping[str, Any]) -> str:
    """What a question searched, in words (the dashboard's own description of filters)."""
    try:
        return filters_of(scope).describe()
    except (ValueError, TypeError):
        return "filters that could not be read"


def answerer_alive(heartbeat: Mapping[str, Any] | None, now: datetime | None = None) -> bool:
    """Whether a heartbeat checkpoint is recent enough that a waiting question will be answered."""
    try:
        at = datetime.fromisoformat(str((heartbeat or {})["at"]))
    except (KeyError, ValueError):
        return False
    return ((now or datetime.now(timezone.utc)) - at).total_seconds() <= ALIVE_FOR


def verbatim_sources(result: Mapping[str, Any] | None, texts: Mapping[str, str]) -> list[dict[str, Any]]:
    """The sources of a stored answer whose text is word for word in its review (`texts`: review id -> the
    stored text); any other is left out, so nothing is shown as a customer's words that they did not write."""
    out = []
    for s in (result or {}).get("sources") or []:
        if not isinstance(s, dict) or not isinstance(s.get("text"), str) or not s["text"].strip():
            continue
        if s["text"] in texts.get(str(s.get("review_id")), ""):
            out.append(s)
    return out


def asked_of(products: Sequence[str], versions: Sequence[str]) -> str:
    """What an answer searched when its question named products or versions, as said after "Searched N
    reviews": " of Budget (named in the question)", " of version 4.2.1 (the question asks about it)"; "" when
    it named none. Names as written: the caller escapes them for where they are shown."""
    out = f" of {', '.join(products)} (named in the question)" if products else ""
    if versions:
        out += (f" of version{'s' if len(versions) > 1 else ''} {', '.join(versions)} "
                f"(the question asks about {'them' if len(versions) > 1 else 'it'})")
    return out


def facts_line(facts: Mapping[str, Any]) -> str:
    """The numbers of an answer (analysis.answers.store_facts) in words: "41 reviews searched; 41 rated,
    average rating 2.93★ (1★ 12, 2★ 9, ...); 11 excerpts speak to the question (...)"."""
    n, rated = int(facts.get("reviews") or 0), int(facts.get("rated") or 0)
    avg = facts.get("average_rating")
    line = f"{n:,} review{'s' * (n != 1)} searched"
    if rated and isinstance(avg, (int, float)):
        stars = ", ".join(f"{k}★ {int(v)}" for k, v in (facts.get("by_rating") or {}).items())
        line += f"; {rated:,} rated, average rating {avg:.2f}★" + (f" ({stars})" if stars else "")
    else:
        line += "; none has a rating"
    if facts.get("matching_excerpts"):
        line += (f"; {int(facts['matching_excerpts'])} excerpts speak to the question (found by meaning, at most 2 "
                 "a review: not a count of reviews)")
    return line


def dropped_note(dropped: int) -> str:
    """How many claims of a written answer were left out (analysis.answers.check), as a note ("" for none)."""
    n = int(dropped or 0)
    return f"{n} claim{'s' * (n != 1)} that no excerpt says {'was' if n == 1 else 'were'} left out" if n else ""
