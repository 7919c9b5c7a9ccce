"""The dashboard's address as a link to what it shows (reviewlens.views holds the format).

`read_link` runs once per browser session: it puts the view a link asks for into the widgets' session
state (page, period, filters, complaint theme) and keeps what it could not use as a message; a value
the store does not hold (a product it never had, a theme no longer among the top complaints) is left out
with a word, never an error. `write_link` runs at the end of every run and sets the address bar's query
to the view on screen, so the address is always a link to it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, MutableMapping, Sequence

from reviewlens import queries as Q
from reviewlens.comparing import own_name
from reviewlens.views import PERIODS, STREAMLIT_KEYS, View, from_query, to_query

PERIOD_NAMES = {key: name for key, (name, _) in PERIODS.items()}  # "30d" -> "Last 30 days" (the sidebar's)
PERIOD_KEYS = {name: key for key, name in PERIOD_NAMES.items()}
REPLIED_NAMES = {None: "All reviews", False: "Without a reply", True: "With a reply"}  # the Owner reply box
SUSPICIOUS_NAMES = {None: "Keep them", False: "Leave them out", True: "Only them"}  # the Suspicious reviews box
SAID_NAMES = {None: "Anything", "positive": "Speak well of them", "negative": "Speak badly of them"}  # under Mentions
#: Session keys of the link's own state (the sidebar's widgets have theirs: f_period, f_sources, ...).
LINK_IDS = "f_ids"               # the review ids a link named (or the digest alert it named)
LINK_ALERT = "f_alert"           # that digest alert's key, kept in the address instead of its ids
LINK_THEME = "_link_theme"       # the theme a link named, until the explorer has looked for it
LINK_PROBLEMS = "_link_problems"  # what the link asked for that is not shown
TREND_BY_NAMES = {"auto": "Auto", "week": "Week", "month": "Month"}  # a link's by= -> the Group by control's
TREND_BY_KEY = "trend_by"  # the Group by choice, kept across pages (the widget's own key, "_trend_by", is not)
FIELD_KEY = "f_field:"  # the sidebar's filter of one of the user's own fields: FIELD_KEY + its name
_READ = "_link_read"


def _known(kind: str, asked: Sequence[str], options: Sequence[str], problems: list[str]) -> list[str]:
    missing = [v for v in asked if v not in options]
    if missing:
        problems.append(f"{kind} {', '.join(repr(v) for v in missing)} not in this store")
    return [v for v in asked if v in options]


def _half_star(x: float | None, default: float) -> float:
    return default if x is None else min(5.0, max(1.0, round(x * 2) / 2))


def read_link(state: MutableMapping[str, Any], params: dict[str, list[str]], opts: Q.Options,
              pages: Sequence[str], alert_reviews: Callable[[str], list[str]] = lambda key: [],
              known_ids: Callable[[list[str]], set[str]] | None = None) -> None:
    """Once per session: the view that the query `params` asks for, into the widgets' `state`
    (`alert_reviews`: a digest alert's key -> the review ids it named; `known_ids`: which of some review ids
    the store holds, so that a link to reviews it lacks says so rather than showing none)."""
    if state.get(_READ):
        return
    state[_READ] = True
    if not params:
        return
    view, problems = from_query(params)
    f = view.filters
    if view.page in pages:
        state["page"] = view.page
    period = view.period
    if period == "custom":
        lo, hi = opts.first_date, opts.last_date
        if lo is None or hi is None:
            problems.append("dates: no review in this store has a date")
            period = "all"
        else:
            since = max(f.since or lo, lo)
            until = min(f.until or hi, hi)
            if since > until:
                problems.append(f"dates: this store's reviews are dated {lo} to {hi}")
                since, until = lo, hi
            state["f_dates"] = (since, until)
    state["f_period"] = PERIOD_NAMES[period]
    for key, kind, asked, options in (("f_sources", "source", f.sources, opts.sources),
                                      ("f_products", "product", f.products, opts.products),
                                      ("f_topics", "topic", f.topics, opts.topics),
                                      ("f_languages", "language", f.languages, opts.languages),
                                      ("f_versions", "version", f.versions, opts.versions),
                                      ("f_tags", "tag", f.tags, opts.tags)):
        if asked:
            state[key] = _known(kind, asked, options, problems)
    if f.mentions:  # names in any case: the sidebar offers each in its commonest spelling
        offered = {name.casefold(): name for name in opts.mentions}
        asked = [offered.get(n.casefold(), n) for n in f.mentions]
        for name in asked:  # a product's own name ("Pulse"): not a mention, as `reviewlens mentions` has it
            own = [p for p in opts.products if name not in opts.mentions and own_name(name, p)]
            if own:
                problems.append(f"name {name!r} is (part of) the name of the product {own[0]!r}: the Mentions "
                                "box leaves a product's own name out; the Product filter shows its reviews")
        state["f_mentions"] = _known("name", [n for n in asked if n in opts.mentions or not any(
            own_name(n, p) for p in opts.products)], list(opts.mentions), problems)
        if f.said:
            state["f_said"] = SAID_NAMES[f.said]
    for name, values in f.fields:
        if name in opts.fields:
            state[FIELD_KEY + name] = _known(f"{name}", values, opts.fields[name], problems)
        else:
            problems.append(f"field {name!r} not in this store")
    if f.sentiments:
        state["f_sentiments"] = list(f.sentiments)
    if f.min_rating is not None or f.max_rating is not None:
        state["f_rating"] = (_half_star(f.min_rating, 1.0), _half_star(f.max_rating, 5.0))
    if f.replied is not None:
        state["f_replied"] = REPLIED_NAMES[f.replied]
    if f.suspicious is not None:
        state["f_suspicious"] = SUSPICIOUS_NAMES[f.suspicious]
    if f.search:
        state["f_search"] = f.search
    ids = list(f.review_ids or ())
    if view.alert:
        named = alert_reviews(view.alert)
        if named and not ids:
            state[LINK_ALERT] = view.alert
        if not named:
            problems.append(f"alert {view.alert!r} not in this store")
        ids += named
    ids = list(dict.fromkeys(ids))
    if ids and known_ids is not None:
        held = known_ids(ids)
        missing = [i for i in ids if i not in held]
        if missing:
            problems.append((f"none of the {len(ids)} reviews the link names is in this store"
                             if len(missing) == len(ids) else
                             f"{len(missing)} of the {len(ids)} reviews the link names "
                             f"{'is' if len(missing) == 1 else 'are'} not in this store")
                            + " (deleted, or a link to another store)")
            ids = [i for i in ids if i in held]
            if not ids:  # nothing to narrow to: the rest of the link's view, as for other values it names
                state.pop(LINK_ALERT, None)
    if ids:
        state[LINK_IDS] = tuple(ids)
    if view.theme:
        state["theme"] = view.theme
        state[LINK_THEME] = view.theme
    if view.by != "auto":
        state[TREND_BY_KEY] = TREND_BY_NAMES[view.by]
    if problems:
        state[LINK_PROBLEMS] = problems


def current_view(state: MutableMapping[str, Any], page: str, f: Any, all_themes: str) -> View:
    """The view on screen: `f` the sidebar's filters (with the link's review ids, if any)."""
    period = PERIOD_KEYS.get(state.get("f_period", ""), "90d")
    theme = state.get("theme") if page == "Reviews" else None
    alert = state.get(LINK_ALERT) if state.get(LINK_IDS) else None
    if alert:  # the digest's key stands for its reviews (a short address, every review of it)
        f = replace(f, review_ids=None)
    by = {name: key for key, name in TREND_BY_NAMES.items()}.get(state.get(TREND_BY_KEY, "Auto"), "auto")
    return View(page=page, period=period, filters=f, theme=theme if theme and theme != all_themes else None,
                alert=alert, by=by)


def write_link(query_params: Any, view: View) -> None:
    """Set the address bar's query to `view` (only when it changed: each set is a message to the browser)."""
    now = {k: query_params.get_all(k) for k in query_params}
    wanted: dict[str, list[str]] = {k: v for k, v in now.items() if k in STREAMLIT_KEYS}
    for k, v in to_query(view):
        wanted.setdefault(k, []).append(v)
    if now != wanted:
        query_params.from_dict({k: v if len(v) > 1 else v[0] for k, v in wanted.items()})


def said_filter(name: str | None) -> str | None:
    """The Mentions' "what they say" box's choice as Filters.said."""
    return {v: k for k, v in SAID_NAMES.items()}.get(name or "")


def replied_filter(name: str) -> bool | None:
    """The Owner reply selectbox's value as the filter's."""
    return {v: k for k, v in REPLIED_NAMES.items()}.get(name)


def suspicious_filter(name: str) -> bool | None:
    """The Suspicious reviews selectbox's value as the filter's."""
    return {v: k for k, v in SUSPICIOUS_NAMES.items()}.get(name)
