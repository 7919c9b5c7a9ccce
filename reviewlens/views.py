"""A dashboard view as a link: the page, the period, the filters and the complaint theme, written into the
URL's query and read back from it.

The dashboard keeps its address bar in step with what it shows, so the address is a link to the view
(send it to a colleague, bookmark it); an alert links to the view behind it when `[alerts] dashboard_url`
is set (`view_url`). Pure data and parsing, no Streamlit: `to_query` writes, `from_query` reads and says
what it could not understand (a link is typed, truncated and edited by people), keeping everything else.

    ?page=Reviews&since=2026-11-23&until=2026-11-29&theme=Late+delivery
    ?period=30d&product=Kettle&product=Toaster&sentiment=negative&rating=1-2&replied=no&field=country=DE
    ?suspicious=out   (the suspicious reviews left out; only: them alone)
    ?page=Reviews&tag=escalated   (the reviews the team tagged so)
    ?page=Reviews&mentions=DHL    (the reviews that name DHL)
    ?page=Reviews&mentions=Jonas&said=badly    (the reviews that speak badly of Jonas)
    ?page=Reviews&period=all&alert=reviews:3f2a...:12:2026-11-30   (the reviews a digest alert named)
    ?period=12m&by=week   (the trends by week, whatever Auto would choose)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode, urlsplit

from .filters import Filters
from .schema import SENTIMENTS
from .urls import http_url

SAID = {"well": "positive", "badly": "negative"}   # a link's said= -> Filters.said
SAID_NAMES = {v: k for k, v in SAID.items()}
PAGES = ("Overview", "Reviews", "Compare", "Ask", "Import", "Runs")
#: The periods the dashboard offers: key in a link -> (name in the sidebar, days; None: all time). A
#: period of days ends at the newest review in the store; "custom" takes the link's since and until.
PERIODS: dict[str, tuple[str, int | None]] = {
    "30d": ("Last 30 days", 30), "90d": ("Last 90 days", 90), "12m": ("Last 12 months", 365),
    "all": ("All time", None), "custom": ("Custom", -1)}
DEFAULT_PERIOD = "90d"
REPLIED = {"yes": True, "no": False}
SUSPICIOUS = {"out": False, "only": True}  # ?suspicious=out leaves the suspicious reviews out; only: them alone
MAX_TEXT = 200       # a search or a theme name longer than this is no one's link
#: How the explorer names a theme that is not a complaint (its `theme` in a link): "Loved: Long battery life".
THEME_PREFIXES = {"complaints": "", "praise": "Loved: ", "requests": "Asked: "}
MAX_IDS = 200        # review ids a link names (`ids`); more make an address some browsers and mail clients cut
GROUP_BY = ("auto", "week", "month")  # the trends' buckets (a link's by=; auto: by the reviews a week)
STREAMLIT_KEYS = ("embed", "embed_options")  # Streamlit's own (an embedded dashboard): kept, not ours to read


@dataclass(frozen=True)
class View:
    """What the dashboard shows. `filters.since`/`until` count only with period "custom"."""

    page: str = "Overview"
    period: str = DEFAULT_PERIOD
    filters: Filters = field(default_factory=Filters)
    theme: str | None = None          # a complaint theme's name: the Reviews page shows its reviews
    alert: str | None = None          # a digest alert's key: the Reviews page shows the reviews it named
    by: str = "auto"                  # the trend charts' buckets: one of GROUP_BY

    @classmethod
    def dated(cls, since: date, until: date, **kw: Any) -> "View":
        """A view of the days `since` to `until` (the custom period), with `Filters.of` keywords in `kw`
        besides page and theme."""
        page, theme = kw.pop("page", "Overview"), kw.pop("theme", None)
        return cls(page=page, period="custom", filters=Filters.of(since=since, until=until, **kw), theme=theme)


def _fmt(x: float) -> str:
    return f"{x:g}"


def to_query(view: View) -> list[tuple[str, str]]:
    """The view as query pairs (repeated keys for lists), leaving out what is the default."""
    f = view.filters
    out: list[tuple[str, str]] = []
    if view.page != "Overview":
        out.append(("page", view.page))
    if view.period == "custom":
        out += [("since", f.since.isoformat())] if f.since else []
        out += [("until", f.until.isoformat())] if f.until else []
        if not (f.since or f.until):
            out.append(("period", "all"))
    elif view.period != DEFAULT_PERIOD:
        out.append(("period", view.period))
    for key, values in (("source", f.sources), ("product", f.products), ("sentiment", f.sentiments),
                        ("topic", f.topics), ("lang", f.languages), ("version", f.versions), ("tag", f.tags),
                        ("mentions", f.mentions)):
        out += [(key, v) for v in values]
    if f.said and f.mentions:
        out.append(("said", SAID_NAMES[f.said]))
    out += [("field", f"{name}={v}") for name, values in f.fields for v in values]
    if f.min_rating is not None or f.max_rating is not None:
        out.append(("rating", f"{_fmt(f.min_rating or 1)}-{_fmt(f.max_rating or 5)}"))
    if f.replied is not None:
        out.append(("replied", "yes" if f.replied else "no"))
    if f.suspicious is not None:
        out.append(("suspicious", "only" if f.suspicious else "out"))
    if f.search:
        out.append(("q", f.search))
    if view.theme:
        out.append(("theme", view.theme))
    if f.review_ids is not None:
        out.append(("ids", ",".join(f.review_ids[:MAX_IDS])))
    if view.alert:
        out.append(("alert", view.alert))
    if view.by != "auto":
        out.append(("by", view.by))
    return out


def view_url(base_url: str, view: View) -> str:
    """The link to `view` on the dashboard at `base_url` ("http://reviews.acme.internal:8501")."""
    query = urlencode(to_query(view))
    return base_url.rstrip("/") + "/" + (f"?{query}" if query else "")


def check_base_url(url: str) -> bool:
    """Whether `url` can be a dashboard's address: http(s) with a host, no query or fragment."""
    good = http_url(url)
    if good is None:
        return False
    parts = urlsplit(good)
    return not parts.query and not parts.fragment


def _values(params: Mapping[str, Any], key: str) -> list[str]:
    v = params.get(key)
    if v is None:
        return []
    items = [v] if isinstance(v, str) else list(v)
    return [str(x).strip() for x in items if str(x).strip()]


def _one(params: Mapping[str, Any], key: str) -> str | None:
    values = _values(params, key)
    return values[-1] if values else None


def _date(value: str | None, key: str, problems: list[str]) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{key}={value!r} is not a date like 2026-11-30")
        return None


def _rating(value: str | None, problems: list[str]) -> tuple[float | None, float | None]:
    if value is None:
        return None, None
    lo, _, hi = value.partition("-")
    try:
        a, b = float(lo), float(hi or lo)
    except ValueError:
        a = b = -1.0
    if not (1 <= a <= b <= 5):
        problems.append(f"rating={value!r} is not a range of stars like 1-3")
        return None, None
    return (a if a > 1 else None), (b if b < 5 else None)


def from_query(params: Mapping[str, str | Sequence[str]]) -> tuple[View, list[str]]:
    """The view a link's query asks for, and what in it was not understood (each left out, the rest kept).
    `params`: key -> value or values (repeated keys), as `st.query_params` or `urllib.parse.parse_qs` give."""
    problems: list[str] = []
    page = _one(params, "page") or "Overview"
    if page not in PAGES:
        problems.append(f"page={page!r} is not one of {', '.join(PAGES)}")
        page = "Overview"
    since, until = _date(_one(params, "since"), "since", problems), _date(_one(params, "until"), "until", problems)
    if since and until and since > until:
        problems.append(f"since {since} is after until {until}")
        since = until = None
    period = _one(params, "period")
    if since or until:
        period = "custom"
    elif period is None or period == "custom":
        period = DEFAULT_PERIOD
    elif period not in PERIODS:
        problems.append(f"period={period!r} is not one of {', '.join(k for k in PERIODS if k != 'custom')}")
        period = DEFAULT_PERIOD
    sentiments = _values(params, "sentiment")
    if any(s not in SENTIMENTS for s in sentiments):
        problems.append(f"sentiment: only {', '.join(SENTIMENTS)}")
        sentiments = [s for s in sentiments if s in SENTIMENTS]
    languages = [x.lower() for x in _values(params, "lang")]
    if any(not (x.isalpha() and 2 <= len(x) <= 3) for x in languages):
        problems.append("lang: only language codes such as de or fr")
        languages = [x for x in languages if x.isalpha() and 2 <= len(x) <= 3]
    min_rating, max_rating = _rating(_one(params, "rating"), problems)
    replied = _one(params, "replied")
    if replied is not None and replied not in REPLIED:
        problems.append(f"replied={replied!r} is not yes or no")
        replied = None
    suspicious = _one(params, "suspicious")
    if suspicious is not None and suspicious not in SUSPICIOUS:
        problems.append(f"suspicious={suspicious!r} is not out or only")
        suspicious = None
    said = _one(params, "said")
    if said is not None and said not in SAID:
        problems.append(f"said={said!r} is not well or badly")
        said = None
    names = [n for n in _values(params, "mentions") if len(n) <= MAX_TEXT and n.strip()]
    if said and not names:
        problems.append("said: only with the names (mentions=...)")
        said = None
    search, theme, alert = _one(params, "q"), _one(params, "theme"), _one(params, "alert")
    for key, text in (("q", search), ("theme", theme), ("alert", alert)):
        if text and len(text) > MAX_TEXT:
            problems.append(f"{key} is longer than {MAX_TEXT} characters")
    search = search if search and len(search) <= MAX_TEXT else None
    theme = theme if theme and len(theme) <= MAX_TEXT else None
    alert = alert if alert and len(alert) <= MAX_TEXT else None
    by = (_one(params, "by") or "auto").lower()
    if by not in GROUP_BY:
        problems.append(f"by={_one(params, 'by')!r} is not one of {', '.join(GROUP_BY)}")
        by = "auto"
    ids = [i.strip() for v in _values(params, "ids") for i in v.split(",") if i.strip()]
    fields = [v for v in _values(params, "field") if "=" in v and v.partition("=")[0].strip() and len(v) <= MAX_TEXT]
    if len(fields) < len(_values(params, "field")):
        problems.append("field: only NAME=VALUE, such as country=DE")
    filters = Filters.of(since=since, until=until, sources=_values(params, "source"),
                         products=_values(params, "product"), sentiments=sentiments,
                         topics=_values(params, "topic"), languages=languages,
                         versions=[v for v in _values(params, "version") if len(v) <= 100],
                         min_rating=min_rating, max_rating=max_rating, search=search,
                         replied=REPLIED.get(replied or ""), review_ids=ids[:MAX_IDS] if ids else None,
                         fields=fields, suspicious=SUSPICIOUS.get(suspicious or ""),
                         tags=[t for t in _values(params, "tag") if len(t) <= MAX_TEXT],
                         mentions=names, said=SAID.get(said or ""))
    known = {"page", "period", "since", "until", "source", "product", "sentiment", "topic", "lang", "version",
             "rating", "replied", "q", "theme", "ids", "alert", "field", "suspicious", "tag", "mentions", "said", "by"}
    unknown = sorted(set(params) - known - set(STREAMLIT_KEYS))
    if unknown:
        problems.append(f"unknown: {', '.join(unknown)}")
    return View(page=page, period=period, filters=filters, theme=theme, alert=alert, by=by), problems

