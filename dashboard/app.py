"""The ReviewLens Streamlit dashboard: `streamlit run dashboard/app.py` with env REVIEWLENS_DB.

Pages: Overview (headline numbers, top complaints, charts), Reviews (paginated explorer with a
detail view, where the user corrects a review's sentiment and topics: labels the analysis learns
from), Compare (products, sources or two periods side by side, and where they differ most), Ask
(questions answered from the reviews, with the sentences they rest on: dashboard/ask.py), Runs
(scrape history, alerts and schedule). Every view follows the sidebar filters; all
aggregation happens in the database and results are cached per filter set.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import replace
from datetime import date, datetime, timezone

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard import link as L
from dashboard.ask import ask_page
from dashboard.changes import change_marks, changes_view
from dashboard.format import MISSING, entities_text, entity_word, fmt_delta, fmt_num, fmt_stars, topics_text
from dashboard.safe import display_text, escape_html, escape_markdown, highlight_entities, safe_url
from dashboard.scorecard import scorecard_view
from dashboard.settings import settings as settings_file
from dashboard.suspicious import flag_titles, suspicious_note
from dashboard.upload import import_page
from dashboard.waiting import rerun_when_done, start_watching
from reviewlens import integrity
from reviewlens import queries as Q
from reviewlens.analysis_queue import analyzer_alive, analyzer_state, open_request, request_analysis
from reviewlens.buckets import MAX_WEEKLY_DAYS, MIN_PER_WEEK
from reviewlens.comparison import FIELD_BY, MIN_COVERAGE, MIN_GROUP, Comparison, compare, field_of, group_names, with_field
from reviewlens.competitors import Competitor
from reviewlens.mentions import NameSaid, names_said
from reviewlens.config import ReplySettings
from reviewlens.filters import SENTIMENT_OPTIONS, Filters, field_filter, language_name
from reviewlens.replies import draft_for
from reviewlens.schedule import load_schedule
from reviewlens.schema import SENTIMENTS, Label, content_hash, has_periods
from reviewlens.scorecard import Scorecard, scorecard
from reviewlens.store import Store, StoreReadOnly
from reviewlens.views import PAGES, THEME_PREFIXES, PERIODS as LINK_PERIODS
from reviewlens.words import counted

log = logging.getLogger(__name__)

PERIODS = dict(LINK_PERIODS.values())  # the sidebar's name -> days (None: all time; -1: custom dates)
DEFAULT_PERIOD = L.PERIOD_NAMES["90d"]
CACHE_TTL = 60  # seconds; "Refresh data" clears at once
THEMES_SEEN = "_themes_seen"  # the background analyzer's last finish this session saw (dashboard.waiting)
MAX_FIELD_FILTERS = 8  # the user's own fields offered in the sidebar (Q.field_values: those worth filtering by)
ALL_THEMES = "All reviews"
CSS = """
<style>
mark.ent { background: #fff3bf; padding: 0 2px; border-radius: 3px; }
mark.ent-org { background: #d0ebff; } mark.ent-person { background: #e5dbff; }
mark.ent-location { background: #d3f9d8; } mark.ent-product { background: #fff3bf; }
mark.ent sup { font-size: 0.6em; color: #555; margin-left: 2px; }
.rl-quote { border-left: 3px solid #c62828; padding: 2px 10px; margin: 4px 0; color: #333; }
.rl-quote.rl-praise { border-left-color: #2e7d32; }
.rl-quote.rl-request { border-left-color: #1565c0; }
.rl-review { border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; line-height: 1.6; }
.rl-reply { border-left: 3px solid #1f4e78; background: #f4f8fb; padding: 4px 10px; margin: 6px 0; }
.rl-quote.rl-suspicious { border-left-color: #e67700; }
.rl-suspicious-mark { color: #b35c00; }
.rl-translation { border-left: 3px dashed #999; color: #555; padding: 2px 10px; margin: 4px 0 6px 0; font-style: italic; }
</style>
"""


# ------------------------------------------------------------------------------------------ data access (cached)
def db_location() -> str:
    """The database the dashboard reads: env REVIEWLENS_DB, default data/reviewlens.db."""
    return os.environ.get("REVIEWLENS_DB") or "data/reviewlens.db"


@st.cache_resource(show_spinner=False)
def get_store(db: str) -> Store:
    """One Store (connection pool) per database for the whole server."""
    log.info("dashboard opening %s", db)
    return Store(db)  # Store adds any index a store made by an older version lacks


# Cached wrappers of reviewlens.queries (the read layer: the dashboard has no SQL of its own), keyed
# by the database and the (hashable) filters. Shared by all sessions of the server; entries live
# CACHE_TTL seconds.
@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_options(db: str) -> Q.Options:
    return Q.options(get_store(db))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_overview(db: str, f: Filters, opts: Q.Options, by: str = "auto") -> Q.Overview:
    """The overview of `f` (`opts`, the store's options, keys the cache to what the store holds), its trends
    by `by` (the Group by control's choice: `trend_by`)."""
    return Q.overview(get_store(db), f, by=by)


#: The Trends' Group by control: what it offers -> what `Q.granularity_for` takes.
TREND_BY = {name: key for key, name in L.TREND_BY_NAMES.items()}  # "Auto" -> "auto", ...
TREND_BY_KEY = L.TREND_BY_KEY


def trend_by() -> str:
    """The trends' bucket the user chose: "auto" (by the reviews a week), "week" or "month"."""
    return TREND_BY.get(st.session_state.get(TREND_BY_KEY, "Auto"), "auto")


def group_by_control(gran: str) -> None:
    """Group by: Auto / Week / Month, above the trend charts; under Auto, what it chose (`gran`) and why."""
    st.session_state.setdefault(TREND_BY_KEY, "Auto")
    st.session_state["_trend_by"] = st.session_state[TREND_BY_KEY]  # a widget's state is dropped off its page
    left, right = st.columns([2, 3], vertical_alignment="center")
    left.radio("Group by", list(TREND_BY), key="_trend_by", horizontal=True,
               on_change=lambda: st.session_state.update({TREND_BY_KEY: st.session_state["_trend_by"]}))
    if trend_by() == "auto":
        right.caption(f"Auto: by {gran}. Weeks when the selection has at least {MIN_PER_WEEK} reviews a week on "
                      f"average and spans up to {MAX_WEEKLY_DAYS} days; with fewer, one review moves a week's "
                      "share by tens of points, so months.")


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_chart_specs(db: str, f: Filters, opts: Q.Options, by: str = "auto") -> dict[str, dict]:
    """The overview's Vega-Lite specs, built once per filter set (Altair's validation is not free)."""
    ov = c_overview(db, f, opts, by)
    specs: dict[str, dict] = {"ratings": charts.rating_distribution(ov.ratings).to_dict()}
    marks = change_marks(get_store(db).changes(), f.products)  # the changes the user made, on the time axes

    def within(periods: pd.Series) -> pd.DataFrame:
        start, end = pd.Timestamp(periods.min()), pd.Timestamp(periods.max())
        return marks[(marks["day"] >= start) & (marks["day"] <= end + pd.Timedelta(days=31))]
    if not ov.timeseries.empty:
        specs["sentiment"] = charts.sentiment_over_time(ov.timeseries, ov.granularity).to_dict()
        specs["rating"] = charts.rating_over_time(ov.timeseries, ov.granularity,
                                                  within(ov.timeseries["period"])).to_dict()
    if not ov.theme_series.empty:
        specs["themes"] = charts.complaints_over_time(ov.theme_series, ov.granularity,
                                                      within(ov.theme_series["period"])).to_dict()
    if not ov.topics.empty:
        specs["topics"] = charts.topics_by_sentiment(ov.topics).to_dict()
    if not ov.entities.empty:
        specs["entities"] = charts.entities(ov.entities).to_dict()
    return specs


@st.cache_data(ttl=CACHE_TTL, show_spinner="Checking the reviews for suspicious patterns…")
def c_findings(db: str) -> list[integrity.Finding]:
    """The store's suspicious reviews (checked again first when its reviews changed)."""
    return integrity.current(get_store(db))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_integrity(db: str, f: Filters) -> tuple[integrity.Summary, list[integrity.Finding]]:
    """The suspicious reviews among `f`'s."""
    return integrity.in_selection(get_store(db), f, c_findings(db))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_count(db: str, f: Filters) -> int:
    return Q.count_reviews(get_store(db), f)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_page(db: str, f: Filters, page: int, size: int, total: int) -> tuple[pd.DataFrame, int]:
    return Q.review_page(get_store(db), f, page, size, total=total)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_runs(db: str) -> pd.DataFrame:
    return Q.runs_frame(get_store(db))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_compare(db: str, by: str, f: Filters, names: tuple[str, ...]) -> Comparison:
    return compare(get_store(db), by, f, names=names)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_scorecard(db: str, by: str, f: Filters) -> Scorecard:
    return scorecard(get_store(db), by, f)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_rating_with_stars(db: str, f: Filters) -> tuple[int, float] | None:
    return Q.rating_with_stars(get_store(db), f)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_group_names(db: str, by: str, f: Filters) -> list[str]:
    return group_names(get_store(db), by, f)  # as many as `reviewlens compare` takes


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_alerts(db: str) -> pd.DataFrame:
    return Q.alerts_frame(get_store(db))


# ------------------------------------------------------------------------------------------ navigation callbacks
PRAISE_PREFIX = THEME_PREFIXES["praise"]  # a praise theme in the explorer's theme list (and in a link's `theme=`)
REQUEST_PREFIX = THEME_PREFIXES["requests"]  # a request theme there
#: The themes the Overview shows below the complaints: kind -> (heading, caption, the explorer's prefix, quote style).
OTHER_THEMES = {
    "praise": ("What customers love", "The praise themes, recounted within the current filters: what to keep, in the "
               "customers' words.", PRAISE_PREFIX, "rl-praise"),
    "requests": ("What customers ask for", "The wishes and requests in reviews of any rating (\"I wish it had…\", "
                 "\"please add…\"), recounted within the current filters: what to build next, in the customers' "
                 "words.", REQUEST_PREFIX, "rl-request"),
}


def goto_theme(label: str) -> None:
    """Complaint card button: open the explorer on the reviews behind a theme."""
    st.session_state["page"] = "Reviews"
    st.session_state["theme"] = label
    st.session_state["explorer_page"] = 1


def goto_waiting() -> None:
    """Reply metrics button: the explorer on the negative reviews without the owner's reply."""
    st.session_state["page"] = "Reviews"
    st.session_state["f_replied"] = "Without a reply"
    st.session_state["f_sentiments"] = ["negative"]
    st.session_state["theme"] = ALL_THEMES
    st.session_state["explorer_page"] = 1


def goto_disagreeing(low: float, high: float, sentiment: str) -> None:
    """Stars-and-words button: the explorer on the reviews rated `low`..`high` whose text reads `sentiment`."""
    st.session_state["page"] = "Reviews"
    st.session_state["f_rating"] = (low, high)
    st.session_state["f_sentiments"] = [sentiment]
    st.session_state["theme"] = ALL_THEMES
    st.session_state["explorer_page"] = 1


def goto_mentions(name: str | None = None, said: str | None = None) -> None:
    """The explorer on the reviews that name `name` (under the entities chart: the one picked beside the button);
    `said` ("positive", "negative"): only those that speak so of it."""
    name = name or st.session_state.get("mention_pick")
    if name:
        st.session_state["page"] = "Reviews"
        st.session_state["f_mentions"] = [name]
        st.session_state["f_said"] = L.SAID_NAMES[said]
        st.session_state["theme"] = ALL_THEMES
        st.session_state["explorer_page"] = 1


def disagreement_note(found: list[tuple[Q.Disagreement, int]], f: Filters) -> None:
    """Under the headline numbers: the reviews whose stars and words disagree (rated 4-5 yet negative: the
    complaints the stars hide; rated 1-2 yet positive), each a click from the explorer."""
    shown = [(d, n) for d, n in found if n and (d.low, d.high) != (f.min_rating, f.max_rating)]
    for d, n in shown:
        stars = f"{d.low:g}★ or {d.high:g}★"
        left, right = st.columns([5, 1])
        left.caption(f"{n:,} review{'s' if n != 1 else ''} rated {stars} read{'s' if n == 1 else ''} {d.sentiment}: "
                     f"{d.words}")
        right.button("Show them", key=f"disagree_{d.name}", on_click=goto_disagreeing,
                     args=(d.low, d.high, d.sentiment),
                     help=f"The review explorer on the reviews rated {stars} whose text the analysis reads as "
                          f"{d.sentiment} (the sidebar's Rating and Sentiment). Where it misread one, correct its "
                          "sentiment under the review: the analysis learns from your labels.")


#: The sidebar's filter widgets (their session keys), and the review ids of a link: what "Reset filters" clears.
FILTER_KEYS = ("f_tags", "f_mentions", "f_said", "f_suspicious", "f_period", "f_dates", "f_sources", "f_products", "f_rating", "f_sentiments", "f_topics", "f_languages",
               "f_versions", "f_replied", "f_search", L.LINK_IDS, L.LINK_ALERT)


#: The multi-choice filters: reset to no choice.
_MULTI_KEYS = ("f_tags", "f_mentions", "f_sources", "f_products", "f_sentiments", "f_topics", "f_languages",
               "f_versions")


def reset_filters() -> None:
    """Every filter back to its default. Set to it, not only deleted: a widget whose key is deleted is drawn with
    the value its browser side still holds (the Product and Search boxes kept theirs after a reset, and the next
    change brought them back into the selection)."""
    state = st.session_state
    defaults = {"f_period": DEFAULT_PERIOD, "f_rating": (1.0, 5.0), "f_replied": L.REPLIED_NAMES[None],
                "f_suspicious": L.SUSPICIOUS_NAMES[None], "f_search": "", "f_said": next(iter(L.SAID_NAMES.values())),
                **{k: [] for k in _MULTI_KEYS}}
    fields = tuple(k for k in state if str(k).startswith(L.FIELD_KEY))
    for k in FILTER_KEYS + ("theme",) + fields:
        if k in defaults or k in fields:
            state[k] = defaults.get(k, [])
        else:
            state.pop(k, None)


def refresh_data() -> None:
    st.cache_data.clear()


def clear_link_ids() -> None:
    st.session_state.pop(L.LINK_IDS, None)
    st.session_state.pop(L.LINK_ALERT, None)


# ------------------------------------------------------------------------------------------ sidebar
def sidebar_filters(opts: Q.Options) -> Filters:
    """Draw the filter widgets and return the selection."""
    sb = st.sidebar
    sb.header("Filters")
    state = st.session_state  # defaults go into the session (not the widgets), so a link can set any of them
    state.setdefault("f_period", DEFAULT_PERIOD)
    state.setdefault("f_rating", (1.0, 5.0))
    state.setdefault("f_replied", L.REPLIED_NAMES[None])
    state.setdefault("f_suspicious", L.SUSPICIOUS_NAMES[None])
    if opts.last_date is None:  # no review has a date (an import without them): a period would hold none
        state["f_period"] = "All time"
    period = sb.selectbox("Period", list(PERIODS), key="f_period", disabled=opts.last_date is None,
                          help="Periods end at the newest review in the store." if opts.last_date else
                          "The reviews have no dates, so every period is all time.")
    days = PERIODS[period]
    if days == -1:
        lo, hi = Q.default_period(opts, 90)
        state.setdefault("f_dates", (lo, hi))
        picked = sb.date_input("Date range", min_value=opts.first_date, max_value=opts.last_date, key="f_dates")
        if isinstance(picked, (tuple, list)) and len(picked) == 2:
            since, until = picked
        else:  # the user has picked only the first day so far
            since = picked[0] if isinstance(picked, (tuple, list)) and picked else lo
            until = opts.last_date
    elif days is None:  # all time: no date condition at all (cheaper than a range covering everything)
        since = until = None
    else:
        since, until = Q.default_period(opts, days)
    sources = sb.multiselect("Source / site", opts.sources, key="f_sources", placeholder="All sources")
    products = sb.multiselect("Product", opts.products, key="f_products", placeholder="All products")
    rating = sb.slider("Rating", 1.0, 5.0, step=0.5, key="f_rating")
    sentiments = sb.multiselect("Sentiment", list(SENTIMENT_OPTIONS), key="f_sentiments",
                                placeholder="All sentiments", format_func=str.capitalize)
    topics = sb.multiselect("Topic", opts.topics, key="f_topics", placeholder="All topics",
                            format_func=opts.topic)
    languages = (sb.multiselect("Language", opts.languages, key="f_languages", placeholder="All languages",
                                format_func=language_name) if len(opts.languages) > 1 else [])
    versions = (sb.multiselect("Version", opts.versions, key="f_versions", placeholder="All versions",
                               help="The version reviewed (an app's release), newest first.")
                if opts.versions else [])
    fields = {name: sb.multiselect(name, values, key=L.FIELD_KEY + name, placeholder=f"All ({len(values)} values)",
                                   help="Your own field: a column of the imported file.")
              for name, values in list(opts.fields.items())[:MAX_FIELD_FILTERS]}
    replied = sb.selectbox("Owner reply", list(L.REPLIED_NAMES.values()), key="f_replied",
                           help="Without a reply: the reviews still waiting for an answer (the review explorer "
                                "drafts one for each).")
    tags = (sb.multiselect("Tag", opts.tags, key="f_tags", placeholder="All reviews",
                           help="Your team's tags (set in the review explorer, or `reviewlens tag`): the reviews "
                                "with any of those chosen.") if opts.tags else [])
    mentions = (sb.multiselect("Mentions", list(opts.mentions), key="f_mentions", placeholder="Any names",
                               format_func=lambda n: f"{n} ({entity_word(opts.mentions.get(n))})",
                               help="People, companies, places and products the analysis found in the reviews "
                                    "(the most named first): the reviews that name any of those chosen.")
                if opts.mentions else [])
    said = (L.said_filter(sb.selectbox("What they say of them", list(L.SAID_NAMES.values()), key="f_said",
                                       help="What the clause that names them says: only the reviews that speak "
                                            "well (or badly) of one of the names chosen."))
            if mentions else None)
    suspicious = sb.selectbox("Suspicious reviews", list(L.SUSPICIOUS_NAMES.values()), key="f_suspicious",
                              help="Reviews that look suspicious: a text other reviewers posted too, a burst of "
                                   "same-star reviews, one reviewer reviewing a product again and again or many "
                                   "products the same on one day "
                                   "(`reviewlens suspicious` lists them). Leave them out of every view, or look "
                                   "at them alone.")
    search = sb.text_input("Search text", key="f_search", placeholder="words in title or text")
    ids = state.get(L.LINK_IDS)
    if ids:
        sb.info(f"Only the {len(ids):,} reviews the link names.")
        sb.button("Show all reviews", on_click=clear_link_ids, width="stretch")
    c1, c2 = sb.columns(2)
    c1.button("Reset filters", on_click=reset_filters, width="stretch")
    c2.button("Refresh data", on_click=refresh_data, width="stretch",
              help=f"Data is cached for {CACHE_TTL} s; this reloads it now.")
    return Filters.of(since=since, until=until, sources=sources, products=products, sentiments=sentiments,
                      topics=topics, languages=languages, versions=versions,
                      min_rating=rating[0] if rating[0] > 1.0 else None,
                      max_rating=rating[1] if rating[1] < 5.0 else None, search=search,
                      replied=L.replied_filter(replied), review_ids=ids or None,
                      fields={k: v for k, v in fields.items() if v}, suspicious=L.suspicious_filter(suspicious),
                      tags=tags, mentions=mentions, said=said)


def download_button(db: str, f: Filters) -> None:
    """Sidebar button that builds the Excel report for the current filters when clicked, its trends grouped as
    the Overview's. Streamlit calls `build` outside the page's run, where the session's Group by choice cannot be
    read (it fell back to Auto: the report said "per month" under weekly charts): the choice is read here."""
    by = trend_by()

    def build() -> bytes:
        from dashboard.report import report_bytes  # imported lazily: openpyxl is only needed here
        return report_bytes(get_store(db), f, by=by)

    st.sidebar.divider()
    st.sidebar.download_button(
        "Download Excel report", data=build, file_name=f"reviewlens-report-{date.today():%Y%m%d}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
        on_click="ignore", width="stretch", help="All reviews and summaries for the current filters (.xlsx).")


# ------------------------------------------------------------------------------------------ pages
FEW_BEFORE = 10  # fewer reviews than this in the previous period: its changes are said to be examples (as Compare)


def headline_metrics(h: Q.Headline) -> None:
    cols = st.columns(4)
    prev_note = "vs the previous period of the same length" if h.previous else "no previous period to compare"
    cols[0].metric("Reviews", fmt_num(h.reviews), fmt_delta(h.delta("reviews"), "{:+,.0f}"), help=prev_note)
    cols[1].metric("Average rating", fmt_num(h.avg_rating, "{:.2f} ★"), fmt_delta(h.delta("avg_rating"), "{:+.2f}"),
                   help=prev_note)
    why = h.no_change_reason("share_negative")  # a change between 317 analyzed reviews and 8 is none
    analyzed_note = f"{prev_note}; no change shown: {why}" if why else prev_note
    cols[2].metric("Share negative", fmt_num(h.share_negative, "{:.1f}%"),
                   fmt_delta(h.delta("share_negative"), "{:+.1f} pp"), delta_color="inverse",
                   help=f"{h.base_text()[0].upper()}{h.base_text()[1:]}; {analyzed_note}")
    cols[3].metric("Net sentiment", fmt_num(h.net_sentiment, "{:+.1f}"),
                   fmt_delta(h.delta("net_sentiment"), "{:+.1f} pp"),
                   help=f"% positive minus % negative, {h.base_text()}; {analyzed_note}")
    if h.analyzed < h.reviews and h.share_negative is not None:
        st.caption(f"Share negative and net sentiment are {h.base_text()}"
                   + (f"; no change is shown for them: {why}." if why else "."))
    few = h.previous.reviews if h.previous is not None else None
    if few is not None and 0 < few < FEW_BEFORE:  # "+85.7 pp" against one review read as a finding
        st.caption(f"The previous period has only {reviews_word(few)}: its changes move by tens of points on one "
                   "review, so read them as examples, not as trends.")


def reply_metrics(r: Q.ReplyStats | None) -> None:
    """How the owner answers: reply rate and median days to reply, overall and for negative reviews."""
    if r is None or not r.reviews:
        return
    cols = st.columns(4)
    cols[0].metric("Reply rate", fmt_num(r.reply_rate, "{:.1f}%"),
                   help=f"{r.replied:,} of {r.reviews:,} reviews have a reply from the owner")
    cols[1].metric("Median days to reply", fmt_num(r.median_days, "{:.1f}"),
                   help="From the review's date to the reply's, over replies with both dates")
    cols[2].metric("Reply rate, negative", fmt_num(r.negative_reply_rate, "{:.1f}%"),
                   help=f"{r.negative_replied:,} of {r.negative:,} negative reviews (by the analysis; "
                        "not analyzed yet: 2 stars or less)")
    cols[3].metric("Median days to reply, negative", fmt_num(r.negative_median_days, "{:.1f}"))
    waiting = r.negative - r.negative_replied
    if waiting > 0:
        st.button(f"Answer the {waiting:,} negative review{'s' if waiting != 1 else ''} without a reply",
                  key="goto_waiting", on_click=goto_waiting, icon=":material/reply:",
                  help="The review explorer on the negative reviews that have no reply yet, each with a draft "
                       "in its own language.")


def rename_theme(db: str, old: str, key: str, products: tuple[str, ...] = (), fields: dict | None = None) -> None:
    """Rename button: the theme gets the name typed (later analyses keep it while they find the theme);
    `products`: those the themes shown were computed for (their scope's)."""
    try:
        name = Q.rename_theme(get_store(db), old, st.session_state.get(key, ""), products=products, fields=fields)
    except (ValueError, StoreReadOnly) as e:
        st.session_state["_renamed"] = (False, f"Not renamed: {e}")
        return
    st.cache_data.clear()
    st.session_state["_renamed"] = (True, f"Renamed “{old}” to “{name}”; later analyses keep the name while they "
                                          "find the theme again.")


def _themes_again(db: str, products: tuple[str, ...], fields: dict | None, rule, why: str, failed: str, done: str,
                  how: str) -> None:
    """Record a rule about the themes (`rule(store)`: a merge, a split) and have the background analyzer of
    `reviewlens dashboard` compute the themes again by it; what happened goes to the page's next run."""
    store = get_store(db)
    try:
        rule(store)
        alive = analyzer_alive(analyzer_state(store))
        if alive:
            request_analysis(store, why[:200], products=list(products), themes=True, fields=fields)
    except (ValueError, StoreReadOnly) as e:
        st.session_state["_renamed"] = (False, f"{failed}: {e}")
        return
    st.session_state["_renamed"] = (True, f"{done}: " + (
        "the themes are being computed again; this page refreshes when they are ready." if alive else
        f"`reviewlens complaints` (or the next scheduled run) computes them again, {how}."))


def merge_theme(db: str, old: str, key: str, products: tuple[str, ...] = (), fields: dict | None = None) -> None:
    """Merge button: the theme joins the one chosen (now, and in every later computation)."""
    into = st.session_state.get(key) or ""
    _themes_again(db, products, fields, lambda store: Q.merge_themes(store, old, into, products=products, fields=fields),
                  f"themes again after merging {old!r} into {into!r}", "Not merged", f"“{old}” merged into “{into}”",
                  "merged")


def split_theme(db: str, name: str, products: tuple[str, ...] = (), fields: dict | None = None) -> None:
    """Split button: the theme is two complaints; split by the next computation, kept apart by every later one."""
    _themes_again(db, products, fields, lambda store: Q.split_theme(store, name, products=products, fields=fields),
                  f"themes again after splitting {name!r}", "Not split", f"“{name}” will be split in two", "split")


def quotes_html(quotes: list, style: str = "") -> list[str]:
    """Verbatim quotes as HTML (escaped), each with a link to its review and the machine translation apart
    (`style`: "rl-praise" marks them green instead of red, "rl-request" blue)."""
    html = []
    css = f"rl-quote {style}".strip()
    for q in quotes:
        url = safe_url(q.url)
        link = (f' <a href="{escape_html(url)}" target="_blank" rel="noopener noreferrer nofollow">review ↗</a>'
                if url else "")
        html.append(f'<div class="{css}">“{escape_html(q.text)}”{link}</div>')
        if q.translation:  # the model's words, never shown as the customer's
            html.append(f'<div class="rl-translation"><small>{escape_html(q.translation_note())}</small></div>')
    return html


def reviews_word(n: int) -> str:
    """'1 review', '2,345 reviews'."""
    return counted(n, "review")


def complaints_section(db: str, themes: list[Q.ThemeView], scope: dict, filtered: bool,
                       names: dict[str, str] | None = None) -> None:
    """The top complaint themes within the filters (`names`: the topics' display names), each with its count,
    trend, impact and quotes, and the tools to rename, merge and split them."""
    st.subheader("Top complaints")
    renamed = st.session_state.pop("_renamed", None)
    if renamed:
        (st.success if renamed[0] else st.error)(escape_markdown(renamed[1]))
    if not themes:
        at = Q.themes_computed_at(get_store(db), "complaints")
        st.info(f"No complaint is raised by two or more reviews (computed {escape_html(at[:16].replace('T', ' '))}): a theme needs at "
                "least two reviews that raise the same complaint." if at else
                "No complaint themes computed yet. They appear after `reviewlens analyze`.")
        return
    dated = has_periods(scope)
    st.caption(f"Computed {escape_html(str(scope.get('computed_at', ''))[:16])}. "
               + ("Counts are recounted within the current filters. " if filtered else "")
               + (f"No trend: {escape_html(themes[0].no_trend)}, too few to compare with. " if themes[0].no_trend
                  else "")
               + "A review that raises several complaints counts in each of their themes.")
    computed, themes = len(themes), [t for t in themes if t.filtered_count]  # "Dirty bathroom — 0 reviews" said nothing
    if not themes:
        st.info(f"None of the {computed} complaint themes is raised by a review within these filters.")
        return
    stakes = Q.by_stake([t.label for t in themes[:10]], [t.impact for t in themes[:10]])
    if stakes:
        st.caption("Average rating at stake, the most first (what to fix first; the list goes by count): "
                   f"{escape_markdown(stakes)}")
    for i, t in enumerate(themes[:10]):
        trend = "" if t.filtered_trend is None else f" {t.arrow} {t.filtered_trend:+.1f} pp"
        title = (f"{i + 1}. {escape_markdown(t.label)} — {reviews_word(t.filtered_count)} ({t.filtered_share:.1%})"
                 f"{trend}")
        with st.expander(title, expanded=i < 3):
            html = [f"<p>{escape_html(t.summary)}</p>"] if t.summary else []
            if t.impact is not None:
                html.append(f"<p>Its reviews are {escape_html(t.impact.text())}.</p>")
            if t.topic:
                html.append(f"<p><small>Topic: {escape_html(Q.topic_label(t.topic, names))} · "
                            f"computed count {t.count:,} ({t.share:.1%})"
                            + ((f", no comparison: {t.no_trend}" if t.no_trend else
                                f", previous period {t.previous_count:,}") if dated else ", no dates: no trend")
                            + "</small></p>")
            html += quotes_html(t.quotes[:5]) or ["<p><small>No quote stored for this theme comes from a review "
                                                  "within these filters (the button shows them).</small></p>"]
            st.markdown("\n".join(html), unsafe_allow_html=True)
            left, right = st.columns([3, 1])
            left.button(f"Show the {reviews_word(t.filtered_count)}", key=f"theme_btn_{t.rank}", on_click=goto_theme,
                        args=(t.label,), disabled=t.filtered_count == 0)
            products = tuple(scope.get("products") or ())
            fields = dict(scope.get("fields") or [])  # a segment's themes (the user's own fields)
            with right.popover("Rename, merge or split", width="stretch"):
                st.text_input("Name", value=t.label, key=f"rename_{t.rank}", max_chars=60,
                              help="Your name for this complaint; later analyses keep it while they find it again.")
                st.button("Save the name", key=f"rename_btn_{t.rank}", on_click=rename_theme,
                          args=(db, t.label, f"rename_{t.rank}", products, fields))
                others = [o.label for o in themes if o.label != t.label]
                if others:
                    st.selectbox("Or: the same complaint as", others, key=f"merge_{t.rank}",
                                 help="Two names for one complaint: this theme joins that one, now and in later "
                                      "analyses.")
                    st.button("Merge", key=f"merge_btn_{t.rank}", on_click=merge_theme,
                              args=(db, t.label, f"merge_{t.rank}", products, fields))
                st.button("Split in two", key=f"split_btn_{t.rank}", on_click=split_theme,
                          args=(db, t.label, products, fields),
                          help="Two complaints under one name: the next computation splits it by what its "
                               "statements say; the larger part keeps the name.")


def themes_status(db: str, f: Filters, scope: dict) -> None:
    """Under the top complaints: while the background analyzer of `reviewlens dashboard` computes the themes
    again (asked for here: after a merge, or for the products filtered to), say so and refresh the page when
    they are ready. Filtered to products whose own themes were not computed, the Overview shows the store's
    themes recounted for them: say so, and offer to find theirs."""
    store = get_store(db)
    state, asked = analyzer_state(store), open_request(store)
    rerun_when_done(state, THEMES_SEEN, clear_cache=True)  # done since this page last looked (between polls)
    computing = analyzer_alive(state) and (bool(asked and asked.get("themes"))
                                           or (state.get("state") == "running" and bool(state.get("themes"))))
    shown = (tuple(sorted(scope.get("products") or [])), field_filter(dict(scope.get("fields") or []))) if scope else None
    offer = bool((f.products or f.fields) and scope and shown != (tuple(sorted(f.products)), f.fields))
    if computing or offer:
        st.fragment(_themes_status, run_every=2.0 if computing else None)(
            db, list(f.products), [[n, list(v)] for n, v in f.fields], offer)


def _themes_status(db: str, products: list[str], fields: list, offer: bool) -> None:
    """`themes_status`'s polled part: `products` and `fields` (the user's own, [[name, values]]) filtered to."""
    store = get_store(db)
    state, asked = analyzer_state(store), open_request(store)
    names = "; ".join([", ".join(products)] * bool(products) + [f"{n}: {', '.join(v)}" for n, v in fields])
    if analyzer_alive(state) and ((asked and asked.get("themes")) or state.get("state") == "running"):
        st.info(f"Computing the top complaints{' of ' + escape_markdown(names) if offer else ''} in the "
                "background…")
    elif offer:
        st.caption(f"These are the top complaints of all {'reviews' if fields else 'products'}, recounted for "
                   f"{escape_html(names)}: a complaint of its own that is not among them is not shown.")
        if not analyzer_alive(state):
            def code(x: str) -> str:  # in a code span: shown as typed, never markup
                return x.replace("`", "'").replace('"', "'")
            opts = " ".join([f'--product "{code(p)}"' for p in products[:1]]
                            + [f'--field "{code(n)}={code(v)}"' for n, vs in fields for v in vs])
            st.caption(f"`reviewlens complaints {opts}` finds its own (or "
                       "start the dashboard with `reviewlens dashboard`, which finds them when asked here).")
        elif st.button(f"Find the top complaints of {names}"[:120], key="own_themes_btn"):
            try:
                request_analysis(store, f"the top complaints of {names}"[:200], products=products,
                                 fields=dict(fields))
            except StoreReadOnly as e:
                st.error(f"The store is read-only here: {escape_markdown(str(e))}")
                return
            st.rerun(scope="app")  # the whole page, so that it polls while they are found
    rerun_when_done(state, THEMES_SEEN, clear_cache=True)  # they are ready: every number on the page changes
    start_watching(state, THEMES_SEEN)


def other_themes_section(themes: list[Q.ThemeView], kind: str) -> None:
    """What customers love (`reviewlens praise`: what to keep) or ask for (`reviewlens requests`: what to build
    next), computed with the complaints."""
    heading, caption, prefix, style = OTHER_THEMES[kind]
    themes = [t for t in themes if t.filtered_count][:5]
    if not themes:
        return
    st.subheader(heading)
    st.caption(caption)
    for i, t in enumerate(themes):
        trend = "" if t.filtered_trend is None else f" {t.arrow} {t.filtered_trend:+.1f} pp"
        with st.expander(f"{escape_markdown(t.label)} — {reviews_word(t.filtered_count)} ({t.filtered_share:.1%}){trend}",
                         expanded=i == 0):
            html = [f"<p>{escape_html(t.summary)}</p>"] if t.summary else []
            if t.impact is not None:
                html.append(f"<p>Its reviews are {escape_html(t.impact.means_text())}.</p>")
            html += quotes_html(t.quotes[:3], style)
            st.markdown("\n".join(html), unsafe_allow_html=True)
            st.button(f"Show the {reviews_word(t.filtered_count)}", key=f"{kind}_btn_{t.rank}", on_click=goto_theme,
                      args=(prefix + t.label,))


def competitors_section(found: list[Competitor], opts: Q.Options) -> None:
    """What customers compare with (`reviewlens competitors`): the other products and brands the reviews
    name in a comparison, who left for them and who came from them, each a click from its reviews."""
    if not found:
        return
    st.subheader("What customers compare with")
    st.caption("Other products and brands the reviews name in a comparison (\"better than\", \"switched to\", "
               "\"my old ...\"). Went to it: the writer left you for it; came from it: switched from it to yours.")
    offered = {n.casefold(): n for n in opts.mentions}
    for i, c in enumerate(found):
        stars = f", rated {c.rating:.1f}★" if c.rating is not None else ""
        with st.expander(f"{escape_markdown(c.name)} — {c.reviews:,} review{'s' if c.reviews != 1 else ''} "
                         f"({c.ways()}){stars}", expanded=i == 0):
            why = (f"<p>Those who went to it complained of: {escape_html(c.why_left_said())}.</p>" if c.went_to
                   else "")
            st.markdown(why + "\n".join(quotes_html(c.quotes[:3])), unsafe_allow_html=True)
            name = offered.get(c.name.casefold())
            if name:
                st.button(f"Show the reviews that name {c.name}", key=f"competitor_btn_{i}", on_click=goto_mentions,
                          args=(name,))


NAME_ORDERS = {"reviews": "Most named", "negative": "Most spoken badly of", "positive": "Most spoken well of"}


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def c_names(db: str, f: Filters, order: str) -> list[NameSaid]:
    """What reviews say of the names they mention, in another order than the Overview's (the most named)."""
    return names_said(get_store(db), f, top=Q.OVERVIEW_NAMES, order=order)


def names_section(db: str, f: Filters, found: list[NameSaid], opts: Q.Options) -> None:
    """What reviews say of the people, companies, places and products they name (`reviewlens mentions`): the
    sentiment of the clause that names each, with its sentences, each a click from its reviews; the most
    named first, or the most spoken badly (well) of: the staff customers complain of."""
    if not found:
        return
    st.subheader("What reviews say of the names they mention")
    st.caption("People, companies, places and products the reviews name. What a review says of a name is what "
               "the clause that names it says (\"The pasta was cold. Marco was lovely though.\" speaks well of "
               "Marco), not the whole review's mood.")
    order = st.radio("Names", list(NAME_ORDERS), key="names_order", horizontal=True, format_func=NAME_ORDERS.get,
                     label_visibility="collapsed")
    if order != "reviews":
        found = [x for x in c_names(db, f, order) if (x.negative if order == "negative" else x.positive)]
        if not found:
            st.caption("None of these reviews speaks " + ("badly" if order == "negative" else "well")
                       + " of a name.")
            return
    offered = {n.casefold(): n for n in opts.mentions}
    for i, x in enumerate(found):
        stars = f", rated {x.rating:.1f}★" if x.rating is not None else ""
        with st.expander(f"{escape_markdown(x.name)} ({entity_word(x.type)}) — {x.reviews:,} "
                         f"review{'s' if x.reviews != 1 else ''}: "
                         f"{escape_markdown(x.said())}{stars}", expanded=i == 0):
            st.markdown("\n".join(quotes_html(x.praise, "rl-praise") + quotes_html(x.complaints)),
                        unsafe_allow_html=True)
            name = offered.get(x.name.casefold())
            if name:
                said = order if order != "reviews" else None
                what = {"negative": "speak badly of", "positive": "speak well of"}.get(order, "name")
                st.button(f"Show the reviews that {what} {x.name}", key=f"name_btn_{i}", on_click=goto_mentions,
                          args=(name, said))


def overview_page(db: str, f: Filters, opts: Q.Options,
                  suspicious: tuple[integrity.Summary, list[integrity.Finding]] | None = None) -> None:
    ov = c_overview(db, f, opts, trend_by())
    h = ov.headline
    headline_metrics(h)
    if (stars := c_rating_with_stars(db, f)) is not None:  # Google's star-only reviews, kept apart
        st.caption(f"With the {stars[0]:,} rating{'s' if stars[0] != 1 else ''} without words (star-only reviews, "
                   f"kept apart: nothing in them to read), the average rating is {stars[1]:.2f} ★, as the site "
                   "counts it; every other figure here is of the reviews with words.")
    if suspicious is not None:
        suspicious_note(get_store(db), f, *suspicious)
    reply_metrics(ov.replies)
    disagreement_note(ov.disagree, f)
    if h.reviews == 0:
        st.warning("No reviews match these filters. Widen the period or clear some filters.")
        return
    if h.analyzed < h.reviews:
        st.info(f"{h.reviews - h.analyzed:,} of these {h.reviews:,} reviews have no analysis yet, so their "
                "sentiment, topics and complaints are missing here: the Import page analyzes them (with "
                "`reviewlens dashboard` running), or run `reviewlens analyze`.")
    hint = Q.preset_hint(get_store(db))
    if hint:  # a restaurant's reviews under a shop's topics: the themes would speak of packaging
        st.info(f"The topics may not fit: {hint}.", icon="💡")  # our own words (analysis.preset_fit.hint)
    said = Q.translation_hint(get_store(db))
    if said:  # many reviews read in the 0.5B's translation: their themes may split (our own words: jobs)
        st.info(f"{said}.", icon="🌐")
    complaints_section(db, ov.themes, ov.scope, filtered=True, names=opts.topic_names)
    themes_status(db, f, ov.scope)
    other_themes_section(ov.praise, "praise")
    other_themes_section(ov.requests, "requests")
    competitors_section(ov.competitors, opts)
    names_section(db, f, ov.names, opts)
    st.subheader("Trends")
    group_by_control(ov.granularity)
    specs = c_chart_specs(db, f, opts, trend_by())
    if "themes" in specs:
        st.vega_lite_chart(spec=specs["themes"], width="stretch")
        st.caption(f"Within the period the complaints were computed for ({escape_html(str(ov.scope.get('since') or '…'))}"
                   f" to {escape_html(str(ov.scope.get('until') or '…'))}) and the filters: a theme's reviews are "
                   "known only there.")
    left, right = st.columns(2)
    if "sentiment" in specs:
        left.vega_lite_chart(spec=specs["sentiment"], width="stretch")
        right.vega_lite_chart(spec=specs["rating"], width="stretch")
    left, right = st.columns(2)
    if "topics" in specs:
        left.vega_lite_chart(spec=specs["topics"], width="stretch")
    else:
        left.info("No topics for these reviews yet (run `reviewlens analyze`).")
    if ov.ratings["reviews"].sum():
        right.vega_lite_chart(spec=specs["ratings"], width="stretch")
    else:
        right.info("No star ratings in these reviews (imported without a rating column?).")
    if "entities" in specs:
        st.vega_lite_chart(spec=specs["entities"], width="stretch")
        charted = {str(n).casefold() for n in ov.entities["entity"]}
        names = [n for n in opts.mentions if n.casefold() in charted]  # the most named first, in any case
        if names:
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            c1.selectbox("The reviews that name", names, key="mention_pick",
                         format_func=lambda n: f"{n} ({entity_word(opts.mentions.get(n))})")
            c2.button("Show them", key="mention_go", on_click=goto_mentions, width="stretch")


def _present(v: object) -> bool:
    """False for None, NaN and empty strings (missing values come back from pandas as NaN)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return False
    return v != ""


def labels_text(labels: list[Label], names: dict[str, str] | None = None) -> str:
    """The user's labels of a text as one line: 'sentiment negative · topics Delivery (negative), Price'.
    `names`: the topics' display names (`Q.topic_labels`)."""
    sentiment = [lb.value for lb in labels if lb.kind == "sentiment"]
    topics = sorted(Q.topic_label(lb.value, names) + (f" ({lb.topic_sentiment})" if lb.topic_sentiment else "")
                    for lb in labels if lb.kind == "topic")
    return " · ".join(([f"sentiment {sentiment[0]}"] if sentiment else []) + ([f"topics {', '.join(topics)}"]
                                                                              if topics else []))


def review_detail(row: pd.Series, labels: list[Label] = (), own: dict[str, str] | None = None,
                  suspicious: list[str] = (), names: dict[str, str] | None = None) -> None:
    """One review's full text with its entities highlighted, its own fields (`own`: an import's other
    columns), why it looks suspicious (`suspicious`: the findings' titles), and the user's labels next to
    the analysis; everything from the review is escaped. `names`: the topics' display names."""
    row = row.map(lambda v: v if isinstance(v, list) or _present(v) else None)
    stars = fmt_stars(row["rating"])
    meta = " · ".join(escape_html(x) for x in (row["date"] or "no date", stars, row["sentiment"] or "not analyzed",
                                                row["source"], row["product"] or "") if x)
    url = safe_url(row["url"])
    link = (f' · <a href="{escape_html(url)}" target="_blank" rel="noopener noreferrer nofollow">open source ↗</a>'
            if url else "")
    title = f"<strong>{escape_html(row['title'])}</strong><br>" if row["title"] else ""
    author = f" · by {escape_html(row['author'])}" if row["author"] else ""
    body = highlight_entities(row["text"], row["entities"])
    yours = (f'<br><small data-testid="rl-review-labels">Your labels: {escape_html(labels_text(labels, names))}</small>'
             if labels else "")
    facts = [x for x in (f"version {row['version']}" if row.get("version") else None,
                         "verified purchase" if row.get("verified") else None,
                         f"{int(row['helpful_votes']):,} found it helpful" if row.get("helpful_votes") else None,
                         f"written in {language_name(row['language'])}" if row.get("language") else None) if x]
    facts += [f"{name}: {value}" for name, value in sorted((own or {}).items())]
    extra = f"<br><small>{' · '.join(escape_html(x) for x in facts)}</small>" if facts else ""
    if suspicious:
        extra += (f'<br><small class="rl-suspicious-mark" data-testid="rl-review-suspicious">⚠️ Looks suspicious: '
                  f'{escape_html("; ".join(suspicious))}</small>')
    reply = ""
    if row.get("reply"):
        when = f" · {escape_html(row['reply_date'])}" if row.get("reply_date") else ""
        reply = (f'<div class="rl-reply" data-testid="rl-review-reply"><small>Reply from the owner{when}</small>'
                 f'<p>{escape_html(row["reply"]).replace(chr(10), "<br>")}</p></div>')
    english = ""
    if isinstance(row.get("translation"), str) and row["translation"].strip():  # the model's words, labelled so
        english = (f'<div class="rl-translation" data-testid="rl-review-translation"><small>Machine translation '
                   f'(not the customer\'s words; the analysis read it)</small><p>{escape_html(row["translation"])}'
                   f'</p></div>')
    st.markdown(f'<div class="rl-review" data-testid="rl-review-detail">{title}<small>{meta}{author}{link}</small>'
                f'{extra}<p>{body}</p>{english}{reply}<small>Topics: '
                f'{escape_html(topics_text(row["topics"], names=names)) or "—"}</small>'
                f'{yours}</div>',
                unsafe_allow_html=True)


def reply_settings() -> tuple[ReplySettings, str | None]:
    """`[replies]` of the settings file, and the error that made the defaults stand in, if any."""
    cfg, problem = settings_file()
    return cfg.replies, problem


def reply_draft(db: str, row: pd.Series, names: dict[str, str] | None = None, app: bool = False) -> None:
    """For a review without the owner's reply: a draft built from its analysis (`names`: the topics' display
    names; `app`: the reviews are an app's), to edit and copy; naming no topic while the Overview says the topics
    may not fit (`Q.preset_hint`)."""
    if isinstance(row.get("reply"), str) and row["reply"].strip():
        return
    cfg, problem = reply_settings()
    unfit = Q.preset_hint(get_store(db))
    draft = draft_for(row, cfg, topics_fit=not unfit, labels=names, app=app)
    with st.expander("Reply draft"):
        st.text_area("Edit it, then copy it into the site's reply box", value=draft, height=200,
                     key=f"reply_draft_{row['id']}")
        st.caption("Built from the review's rating and topics, in the review's language when ReviewLens has "
                   "phrases for it (English, German, French, Spanish, Italian, Dutch, Portuguese); it never "
                   "repeats the review's words or promises anything. Signature, contact, phrases and language: "
                   "[replies] in reviewlens.toml.")
        if unfit:  # our own words (analysis.preset_fit.hint)
            st.caption(f"It names no topic: the topics may not fit these reviews ({unfit}).")
        if problem:
            st.warning(f"reviewlens.toml could not be read, so the default signature is used: {problem}")


def save_labels(db: str, review_id: str, text: str, key: str, labels: list[Label]) -> None:
    """The correction form's Save: a callback, so the labels are stored before the page is drawn again
    and the detail shows them at once. A topic keeps the topic sentiment a label file gave it."""
    sentiment = st.session_state.get(f"{key}_sentiment")
    given = {lb.value: lb.topic_sentiment for lb in labels if lb.kind == "topic"}
    topics = {t: given.get(t) for t in st.session_state.get(f"{key}_topics") or []}
    try:
        changed = get_store(db).set_review_labels(content_hash(text), text, sentiment=sentiment, topics=topics,
                                                  review_id=review_id, source="dashboard")
    except StoreReadOnly as e:
        st.session_state["label_saved"] = (review_id, False, f"Not saved: {e}")
        return
    st.session_state["label_saved"] = (review_id, True, "Saved your labels: the analysis learns from them."
                                       if changed else "Your labels were already these; nothing changed.")


def save_tags(db: str, review_id: str, key: str) -> None:
    """The tag editor's change: the review's tags become those in the box (a callback, before the page runs)."""
    try:
        added, removed = get_store(db).set_tags(review_id, st.session_state.get(key) or [])
    except (ValueError, StoreReadOnly) as e:
        st.session_state["tags_saved"] = (review_id, False, f"Not saved: {e}")
        return
    c_options.clear()  # a new tag is offered in the sidebar at once
    c_page.clear()
    c_count.clear()
    done = [f"tagged {', '.join(repr(t) for t in added)}"] if added else []
    done += [f"took off {', '.join(repr(t) for t in removed)}"] if removed else []
    said = "; ".join(done)
    st.session_state["tags_saved"] = (review_id, True, said[:1].upper() + said[1:] + "." if said else "")


def tag_editor(db: str, review_id: str, known: list[str]) -> None:
    """The shown review's tags: pick the team's, or type a new one."""
    have = get_store(db).tags_of([review_id]).get(review_id, [])  # uncached: a change shows at once
    key = f"tags_{review_id}"
    st.multiselect("Tags", sorted(set(known) | set(have)), default=have, key=key, accept_new_options=True,
                   on_change=save_tags, args=(db, review_id, key), placeholder="Add a tag: type one, or pick",
                   help="Your team's words on this review (escalated, bug 1234, called back): the sidebar's Tag "
                        "filter finds them again, and exports and reports carry them.")
    saved = st.session_state.get("tags_saved")
    if saved and saved[0] == review_id:
        del st.session_state["tags_saved"]
        if saved[2]:
            (st.caption if saved[1] else st.error)(escape_markdown(saved[2]))


def correction_form(db: str, row: pd.Series, labels: list[Label], topic_options: list[str],
                    names: dict[str, str] | None = None) -> None:
    """Correct the analysis of one review: its sentiment and topics (named by `names`, the topics' display
    names), prefilled with the user's labels where there are some, else with the analysis. Saved as labels
    (source "dashboard")."""
    model_topics = [t["topic"] for t in row["topics"] if isinstance(t, dict) and t.get("topic")]
    label_sentiment = next((lb.value for lb in labels if lb.kind == "sentiment"), None)
    label_topics = [lb.value for lb in labels if lb.kind == "topic"]
    sentiment = label_sentiment or (row["sentiment"] if row["sentiment"] in SENTIMENTS else None)
    topics = label_topics or model_topics
    options = sorted(set(topic_options) | set(model_topics) | set(label_topics))
    key = f"label_{row['id']}"
    with st.expander("Correct this review", expanded=bool(labels)), st.form(key=f"{key}_form", border=False):
        c1, c2 = st.columns([1, 3])
        c1.selectbox("Sentiment", list(SENTIMENTS), index=SENTIMENTS.index(sentiment) if sentiment else None,
                     key=f"{key}_sentiment", format_func=str.capitalize, placeholder="No label")
        c2.multiselect("Topics", options, default=topics, key=f"{key}_topics",
                       format_func=lambda t: Q.topic_label(t, names),
                       placeholder="No topics")
        st.form_submit_button("Save my labels", on_click=save_labels, args=(db, row["id"], row["text"], key, labels),
                              help="Records the sentiment and the topics as shown as your labels of this text "
                                   "(every review with the same text); the analysis learns from them.")
    saved = st.session_state.get("label_saved")
    if saved and saved[0] == row["id"]:  # said once, after the save
        del st.session_state["label_saved"]
        (st.success if saved[1] else st.error)(saved[2])


def _cell(value: object) -> str:
    """A text cell of the explorer's table: the text as written, blank where there is none (a missing reply
    showed "None")."""
    return display_text(value) if isinstance(value, str) else ""


def reviews_page(db: str, f: Filters, opts: Q.Options, flags: dict[str, list[str]] | None = None) -> None:
    st.subheader("Review explorer")
    ov = c_overview(db, f, opts, trend_by())  # usually cached already by the overview page
    themes = {t.label: t for t in ov.themes}  # the complaints, then what customers love ("Loved: ...")
    for prefix, others in ((PRAISE_PREFIX, ov.praise), (REQUEST_PREFIX, ov.requests)):
        themes.update((prefix + t.label, t) for t in others if prefix + t.label not in themes)
    labels = [ALL_THEMES] + list(themes)
    asked = st.session_state.pop(L.LINK_THEME, None)
    if asked is not None and asked not in labels:
        st.warning(f"The link's theme “{escape_markdown(asked)}” is not among the top complaints, praise or requests for "
                   "these filters now (they are computed anew by each analysis): showing all reviews.")
    if st.session_state.get("theme") not in labels:
        st.session_state["theme"] = ALL_THEMES
    c1, c2, c3 = st.columns([3, 1, 1])
    theme = c1.selectbox("Theme", labels, key="theme",
                         help="Only the reviews behind one of the top complaints, or of what customers love "
                              f"(“{PRAISE_PREFIX}…”) or ask for (“{REQUEST_PREFIX}…”).")
    size = c2.selectbox("Rows per page", [25, 50, 100], index=1, key="page_size")
    view = f
    if theme != ALL_THEMES:
        view = replace(f, review_ids=tuple(themes[theme].filtered_ids))
    key = (view, size)
    if st.session_state.get("_explorer_key") != key:
        st.session_state["_explorer_key"] = key
        st.session_state["explorer_page"] = 1
    total = c_count(db, view)
    pages = max(1, math.ceil(total / size))
    if st.session_state.get("explorer_page", 1) > pages:
        st.session_state["explorer_page"] = pages
    page = c3.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, step=1, key="explorer_page")
    df, total = c_page(db, view, int(page), size, total)
    st.caption(f"{total:,} review{' matches' if total == 1 else 's match'} · {escape_html(view.describe())}")
    if df.empty:
        st.info("No reviews match these filters.")
        return
    table = pd.DataFrame({
        "date": df["date"], "rating": df["rating"], "sentiment": df["sentiment"].fillna("—"),
        "topics": df["topics"].map(lambda t: topics_text(t, names=opts.topic_names)),
        "entities": df["entities"].map(entities_text),
        "text": df["text"].map(display_text), "reply": df["reply"].map(_cell),
        "source": df["source"].map(display_text),
        "product": df["product"].map(display_text),
        "language": df["language"].map(_cell),
        **({"version": df["version"].map(_cell)}
           if df["version"].notna().any() else {}),
        "link": df["url"].map(safe_url),
    })
    st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 600),
                 placeholder=MISSING, column_config={
        "date": st.column_config.DateColumn("Date"),
        "rating": st.column_config.NumberColumn("Rating", format="%.1f ★"),
        "sentiment": st.column_config.TextColumn("Sentiment"),
        "language": st.column_config.TextColumn("Lang.", help="detected by the analysis (else as the page states)"),
        "version": st.column_config.TextColumn("Version", help="the version reviewed (an app's release)"),
        "topics": st.column_config.TextColumn("Topics"),
        "entities": st.column_config.TextColumn("Entities"),
        "text": st.column_config.TextColumn("Text", width="large"),
        "reply": st.column_config.TextColumn("Owner reply", width="medium"),
        "link": st.column_config.LinkColumn("Source", display_text="open ↗"),
    })
    st.subheader("Review detail")
    choices = list(range(len(df)))

    def label(i: int) -> str:
        r = df.iloc[i]
        text = " ".join((display_text(r["text"]) or "").split())
        return f"{r['date'] or 'no date'} · {fmt_stars(r['rating'], 'no rating')} · {text[:90]}"

    pick = st.selectbox("Review", choices, format_func=label, key="detail_pick")
    row = df.iloc[pick if pick is not None and pick < len(df) else 0]
    labels = Q.labels_for(get_store(db), [content_hash(row["text"])]).get(content_hash(row["text"]), [])
    review_detail(row, labels, get_store(db).fields_of([row["id"]]).get(row["id"]),  # uncached: a correction shows at once
                  (flags or {}).get(row["id"], []), names=opts.topic_names)
    reply_draft(db, row, opts.topic_names, app=opts.topics_preset == "apps")
    tag_editor(db, row["id"], opts.tags)
    correction_form(db, row, labels, opts.topics, opts.topic_names)


def compare_page(db: str, f: Filters, opts: Q.Options) -> None:
    st.subheader("Compare")
    own = [FIELD_BY + name for name in list(opts.fields)[:MAX_FIELD_FILTERS]]  # the user's own fields
    kinds = ["product", "source", "language"] + (["version"] if opts.versions else []) + own + ["period", "changes"]
    names = {"product": "Products", "source": "Sources / sites", "language": "Languages", "version": "Versions",
             "period": "This period with the one before", "changes": "Before and since a change you made",
             **{k: f"By {k[len(FIELD_BY):]}" for k in own}}
    by = st.radio("Compare", kinds, key="cmp_by", horizontal=True, format_func=names.get)
    if by == "changes":
        themes, _ = Q.latest_complaints(get_store(db))
        changes_view(get_store(db), opts.products, [t.label for t in themes], opts.fields)
        return
    if by == "period":
        since, until = f.since, f.until
        if since is None or until is None:
            since, until = Q.default_period(opts, 90)
            st.caption("The sidebar's period is all time: comparing the last 90 days with the 90 before.")
        if since is None or until is None:
            st.info("No dated reviews to compare periods of.")
            return
        result = c_compare(db, by, replace(f, since=since, until=until), ())
    else:
        own = field_of(by)  # a field of the user's: its values are the groups
        choices = opts.fields[own] if own else {"product": opts.products, "source": opts.sources,
                                                "language": opts.languages, "version": opts.versions}[by]
        field = plural = f"values of {own}" if own else {"product": "products", "source": "sources",
                                                          "language": "languages", "version": "versions"}[by]
        chosen = dict(f.fields).get(own, ()) if own else getattr(f, field)
        every = with_field(f, own, None) if own else replace(f, **{field: ()})  # the other filters
        scorecard_view(c_scorecard(db, by, every), plural, own or by.capitalize())
        default = list(chosen) if chosen else c_group_names(db, by, f)
        names = st.multiselect(f"{plural[0].upper() + plural[1:]} to compare", choices, key=f"cmp_{by}", max_selections=8,
                               default=[n for n in default if n in choices],
                               format_func=language_name if by == "language" else str)
        if len(names) < 2:
            st.info(f"Pick at least two {plural} to compare."
                    + (" The analysis found reviews in one language only." if by == "language"
                       and len(choices) < 2 else ""))
            return
        result = c_compare(db, by, every, tuple(names))
    table = result.table()
    shown = result.formatted()
    note = result.coverage_note()  # what the analysis-based rows rest on: a warning when few reviews are analyzed
    if note:
        (st.caption if all(g.covered for g in result.groups if g.headline.reviews) else st.warning)(
            escape_markdown(note))
    if not st.toggle("Strengths too (the share of reviews praising each topic)", key="cmp_praise", value=False):
        shown = shown[~shown.index.str.endswith(": % praising")]  # the complaints first; a long table otherwise
    st.dataframe(shown, width="stretch", height=38 + 35 * len(shown))
    shares = table[table.index.str.endswith(": % complaining")]
    if not shares.empty:
        long = (shares.rename(index=lambda s: s.removesuffix(": % complaining")).reset_index(names="topic")
                .melt(id_vars="topic", var_name="group", value_name="percent").dropna())
        sizes = {g.name: g.headline.analyzed for g in result.groups}
        st.altair_chart(charts.complaint_shares(long, [str(c) for c in shares.columns], sizes, MIN_GROUP),
                        width="stretch")
        few = [g.name for g in result.groups if g.headline.analyzed < MIN_GROUP]
        if few:
            st.caption(f"Pale: {', '.join(escape_markdown(n) for n in few)}, with fewer than {MIN_GROUP} analyzed "
                       "reviews: one review there moves a share by 10 points or more, so read those bars as examples, "
                       "not as rates.")
    gaps = result.gaps()
    if gaps:
        st.markdown("**Differences that matter** (large, and unlikely to be chance)")
        for g in gaps:
            st.markdown(f"- {escape_markdown(g.text())}")
    else:
        st.caption("No difference is both large (5 points of complaints or praise, 0.2★) and unlikely to be chance "
                   "(p ≤ 0.05, corrected for the comparisons made) between groups of 10 or more reviews (for complaints "
                   f"and praise: with {MIN_COVERAGE:.0%} or more of their reviews analyzed).")


def runs_page(db: str) -> None:
    st.subheader("Runs")
    st.caption("Every scrape, import, analysis and report, newest first (`reviewlens runs`).")
    runs = c_runs(db)
    if runs.empty:
        st.info("No runs yet. Start one with `reviewlens scrape URL`.")
    else:
        degraded = runs[runs.status == "degraded"].drop_duplicates("source")  # the newest per source
        for r in degraded.itertuples():
            st.warning(f"Run {r.id} of {escape_markdown(r.source or '')} is **degraded** "
                       f"({r.started_at:%Y-%m-%d %H:%M} UTC): {escape_markdown(r.message)}. The site may have changed "
                       "its layout; a copy of an affected page is in the debug folder.")
        shown = runs.drop(columns=["errors"] + ([] if runs["star_only_new"].any() else ["star_only_new"]))
        st.dataframe(shown, hide_index=True, width="stretch", placeholder=MISSING,
                     column_config={
            "id": st.column_config.NumberColumn("Run"), "kind": "Kind", "source": "Source", "trigger": "Started by",
            "status": "Status", "pages": st.column_config.NumberColumn("Pages"),
            "reviews_new": st.column_config.NumberColumn("New reviews", help="reviews stored for the first time"),
            "reviews_seen": st.column_config.NumberColumn("Already stored", help="reviews found again (a scrape "
                                                          "stops at those it already has)"),
            "star_only_new": st.column_config.NumberColumn("New star-only", help="ratings without words stored for "
                                                           "the first time (kept apart from the reviews)"),
            "message": st.column_config.TextColumn("Message", help="what a degraded run found"),
            "started_at": st.column_config.DatetimeColumn("Started (UTC)", format="YYYY-MM-DD HH:mm"),
            "finished_at": st.column_config.DatetimeColumn("Finished (UTC)", format="YYYY-MM-DD HH:mm"),
            "duration_s": st.column_config.NumberColumn("Duration (s)", format="%.0f"),
            "error_count": st.column_config.NumberColumn("Errors"),
        })
        errs = [{"run": r.id, "started": r.started_at, "status": r.status, "url": e.get("url"),
                 "message": e.get("message")} for r in runs.itertuples() for e in r.errors]
        if errs:
            st.markdown(f"**Errors** ({len(errs):,})")
            st.dataframe(pd.DataFrame(errs), hide_index=True, width="stretch")
    alerts_section(db)
    st.subheader("Schedule")
    path = os.environ.get("REVIEWLENS_SCHEDULE_FILE")
    if not path:
        st.caption("No schedule file (set REVIEWLENS_SCHEDULE_FILE or use `reviewlens schedule`).")
        return
    try:
        sources = load_schedule(path).sources
    except ValueError as e:  # ConfigError: names the file and the problem
        st.error(str(e))
        return
    last_by_source: dict[str, datetime] = {}
    if not runs.empty:
        for r in runs.itertuples():  # newest first
            if r.source and r.source not in last_by_source and r.status != "skipped":
                last_by_source[r.source] = r.started_at
    now = datetime.now(timezone.utc)
    rows = []
    for s in sources:
        # the scheduler records runs under the source's name; manual scrapes of its URLs count too
        last = max((last_by_source[k] for k in [s.name, *s.urls] if k in last_by_source), default=None)
        rows.append({"name": s.name, "site": s.site or "auto", "schedule": s.when,
                     "urls": "\n".join(s.urls) or f"files: {s.files}",
                     "last run": last, "next due": s.next_due(last, now)})
    st.caption(f"From {escape_html(path)}")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def alerts_section(db: str) -> None:
    st.subheader("Alerts")
    alerts = c_alerts(db)
    if alerts.empty:
        st.caption("No alerts yet. `reviewlens alerts check` raises them (the scheduler does after every run); "
                   "[[alerts.channels]] in reviewlens.toml sends them by e-mail or webhook (`reviewlens alerts --help`).")
        return
    failed = alerts[alerts.sent.str.contains(": failed", regex=False)]
    if not failed.empty:
        st.warning(f"{len(failed)} alert(s) could not be sent to every channel; they are tried again at the next "
                   "check (`reviewlens alerts list` shows why).")
    st.dataframe(alerts, hide_index=True, width="stretch", column_config={
        "created_at": st.column_config.DatetimeColumn("Raised (UTC)", format="YYYY-MM-DD HH:mm"),
        "sent": st.column_config.TextColumn("Sent", help="each channel: sent, pending, or failed (with why)"),
        "text": st.column_config.TextColumn("Details", help="the facts, and quotes in the reviews' own words",
                                            width="large"),
    })


def empty_store(db: str) -> None:
    st.title("ReviewLens")
    st.info("No reviews yet. Collect some with `reviewlens scrape URL` (any product page with reviews), "
            "or load sample data with `reviewlens demo`, then reload this page; or add a file of reviews below.")
    st.caption(f"Database: {escape_html(get_store(db).display_url())}")
    import_page(get_store(db), first=True)


# ------------------------------------------------------------------------------------------ main
def main() -> None:
    st.set_page_config(page_title="ReviewLens", page_icon="🔎", layout="wide")
    st.markdown(CSS, unsafe_allow_html=True)
    db = db_location()
    try:
        opts = c_options(db)
    except Exception as e:  # a wrong URL or unreachable server: say so instead of a traceback
        log.exception("cannot open the review store %s", db)
        st.error(f"Cannot open the review database {db!r}: {e}")
        return
    if opts.total == 0:
        empty_store(db)
        return
    L.read_link(st.session_state, {k: st.query_params.get_all(k) for k in st.query_params}, opts, PAGES,
                get_store(db).alert_review_ids, get_store(db).known_ids)
    st.session_state.setdefault("page", "Overview")
    page = st.sidebar.radio("View", PAGES, key="page", horizontal=True)
    f = sidebar_filters(opts)
    download_button(db, f)
    st.title("ReviewLens")
    st.caption(f"{escape_html(f.describe())} · {opts.total:,} review{'' if opts.total == 1 else 's'} in the store")
    problems = st.session_state.pop(L.LINK_PROBLEMS, None)
    if problems:
        st.warning("Some of the link could not be used, the rest is shown: "
                   + escape_markdown("; ".join(problems)) + ".")
    # the suspicious reviews (checked again when the reviews changed, before a filter or a comparison reads them)
    c_findings(db)
    suspicious = c_integrity(db, f) if page in ("Overview", "Reviews") else None
    if page == "Overview":
        overview_page(db, f, opts, suspicious)
    elif page == "Reviews":
        reviews_page(db, f, opts, flag_titles(suspicious[1]) if suspicious else None)
    elif page == "Compare":
        compare_page(db, f, opts)
    elif page == "Ask":
        ask_page(get_store(db), f, [t.label for t in c_overview(db, f, opts, trend_by()).themes if t.filtered_count])
    elif page == "Import":
        import_page(get_store(db))
    else:
        runs_page(db)
    L.write_link(st.query_params, L.current_view(st.session_state, page, f, ALL_THEMES))


main()
