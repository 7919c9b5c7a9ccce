"""The Excel report (.xlsx, openpyxl, write-only/streaming): the same numbers as the dashboard.

Sheets: Summary (headline numbers and native charts), Top complaints, Praise, Products, Versions (when
reviews name theirs), Changes (when the user recorded some: what each did), Suspicious, Competitors and
Names (when there are any: what reviews say of the names they mention), Topics, Entities, Reviews
(every review in the filters, streamed from the database in chunks) and Runs.

All text from reviews is written as text: a value that a spreadsheet would read as a formula
(`=`, `+`, `-`, `@` ...) gets an explicit string cell with the quote prefix; control characters
illegal in XML are removed; values over Excel's 32,767 characters are cut with a marker.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from reviewlens import queries as Q
from reviewlens.changes import Effect
from reviewlens.comparison import (ANALYZED_ROW, P_MAX, STARS_ROW, WITH_STARS_ROW, WITHOUT_ROW, Comparison,
                                   compare)
from reviewlens.competitors import Competitor, competitors
from reviewlens.mentions import NameSaid, kind_word, names_said
from reviewlens import integrity
from reviewlens.filters import Filters
from reviewlens.schema import has_periods
from reviewlens.scorecard import MIN_RATED, MIN_STARS as SCORE_STARS, STARS_SAID, Scorecard, scorecard
from reviewlens.store import Store

from reviewlens.records_io import FIELD_PREFIX

from .format import entities_text, topics_text
from .safe import excel_text, looks_like_formula, safe_url

log = logging.getLogger(__name__)

#: Excel refuses more hyperlinks than this on one sheet; later rows keep the URL as plain text.
MAX_HYPERLINKS = 65_000
PRODUCTS_COMPARED = 8      # the Products sheet: the filtered products, or this many with the most reviews
COMPETITORS_LISTED = 20    # the Competitors sheet: the most compared
NAMES_LISTED = 20          # the Names sheet: the most named people, companies, places and products
CHUNK = 2_000
MAX_FIELD_COLUMNS = 30  # of the user's own fields, the Reviews sheet has a column for this many
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="1F4E78", end_color="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_TITLE_FONT = Font(bold=True, size=16)
_LINK_FONT = Font(color="0563C1", underline="single")
_RED = PatternFill("solid", start_color="F8CBAD", end_color="F8CBAD")
_GREEN = PatternFill("solid", start_color="C6EFCE", end_color="C6EFCE")
_GREY = PatternFill("solid", start_color="EDEDED", end_color="EDEDED")

REVIEW_COLUMNS: list[tuple[str, str, float]] = [  # (field, header, max width)
    ("date", "Date", 12), ("rating", "Rating", 8), ("sentiment", "Sentiment", 11), ("sentiment_score", "Confidence", 11),
    ("topics", "Topics", 40), ("entities", "Entities", 40), ("title", "Title", 40), ("text", "Text", 90),
    ("reply", "Owner reply", 60), ("reply_date", "Reply date", 12),  # beside the review it answers
    ("translation", "Machine translation (not the customer's words)", 60),  # of a review in another language
    ("product", "Product", 30), ("source", "Source", 28), ("author", "Author", 20),
    ("site_review_id", "Site's review id", 20),  # beside the author: how Play Console or App Store Connect finds it
    ("helpful_votes", "Helpful votes", 9), ("verified", "Verified", 9), ("language", "Language", 9),
    ("version", "Version", 10),
    ("url", "URL", 50), ("analysis_status", "Analysis", 10), ("id", "Review id", 26),
]


# ------------------------------------------------------------------------------------------ cells
class _Sheet:
    """A write-only worksheet plus the row counter the charts need."""

    def __init__(self, wb: Workbook, title: str, widths: Sequence[float] = ()):
        self.ws = wb.create_sheet(title)
        for i, w in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = w
        self.row = 0
        self.links = 0

    def cell(self, value: Any, *, font: Font | None = None, fill: PatternFill | None = None,
             number_format: str | None = None, wrap: bool = False) -> Any:
        """A value ready for `append`: safe text, or a styled cell (a formula-like text keeps its style too: a
        multi-line "=..." review is wrapped like any other)."""
        styled = font or fill or number_format or wrap
        formula = False
        if isinstance(value, str):
            value = excel_text(value)
            formula = looks_like_formula(value)
        if not styled and not formula:
            return value
        c = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # text, never a formula
        if formula:
            c.quotePrefix = True
        if font:
            c.font = font
        if fill:
            c.fill = fill
        if number_format:
            c.number_format = number_format
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        return c

    def link(self, url: str | None, text: str | None = None) -> Any:
        """A hyperlink cell for an http(s) URL (plain text past MAX_HYPERLINKS or for other schemes)."""
        if not url:
            return None
        safe = safe_url(url)
        if safe is None or self.links >= MAX_HYPERLINKS or len(safe) > 2000:
            return self.cell(url)
        c = WriteOnlyCell(self.ws, value=excel_text(text or safe))
        c.data_type = "s"
        c.hyperlink = Hyperlink(ref="", target=safe)
        c.font = _LINK_FONT
        self.links += 1
        return c

    def append(self, values: Iterable[Any]) -> int:
        self.ws.append(list(values))
        self.row += 1
        return self.row

    def header(self, names: Sequence[str]) -> int:
        return self.append(self.cell(n, font=_HEADER_FONT, fill=_HEADER_FILL) for n in names)

    def blank(self) -> int:
        return self.append([])


# ------------------------------------------------------------------------------------------ data
@dataclass
class ReportData:
    """Everything the report shows except the reviews themselves (those are streamed), read through
    `reviewlens.queries` before any sheet is laid out."""

    filters: Filters            # what the numbers are of (an open period closed at the newest review)
    database: str
    headline: Q.Headline
    granularity: str            # the trends' bucket, "week" or "month" (Q.granularity_for)
    timeseries: pd.DataFrame    # Q.timeseries
    topics: pd.DataFrame        # Q.topic_summary of Q.topics_by_sentiment
    ratings: pd.DataFrame       # Q.rating_distribution
    themes: list[Q.ThemeView]
    scope: dict
    entities: pd.DataFrame      # Q.top_entities, up to 500
    runs: pd.DataFrame          # Q.runs_frame, up to 1000
    replies: Q.ReplyStats | None = None  # Q.reply_stats
    products: Comparison | None = None   # reviewlens.comparison by product (the filtered or the most reviewed)
    versions: Comparison | None = None   # ... by version reviewed (the filtered or the newest), when there are any
    theme_series: pd.DataFrame | None = None  # Q.theme_timeseries: the top complaints per period
    praise: list[Q.ThemeView] = field(default_factory=list)  # Q.complaints(kind="praise"): what customers love
    requests: list[Q.ThemeView] = field(default_factory=list)  # Q.complaints(kind="requests"): what they ask for
    disagree: list[tuple[Q.Disagreement, int]] = field(default_factory=list)  # Q.disagreements: stars vs words
    changes: list[dict] = field(default_factory=list)  # Store.changes of the products filtered to (reviewlens.changes)
    # reviewlens.integrity.in_selection: how many reviews look suspicious, and the findings
    integrity: tuple[integrity.Summary, list[integrity.Finding]] | None = None
    competitors: list[Competitor] = field(default_factory=list)  # reviewlens.competitors: compared with
    names: list[NameSaid] = field(default_factory=list)  # reviewlens.mentions: what reviews say of the names
    given: Filters | None = None  # the filters as the user gave them (the Summary's Filters cell says these)
    # what each kind of themes (complaints, praise, requests) is of within the filters: Q.theme_base
    bases: dict[str, Q.ThemeBase | None] = field(default_factory=dict)
    period: tuple[Any, Any] = (None, None)  # the filters' period, closed at the first and newest review
    topic_names: dict[str, str] = field(default_factory=dict)  # the topics' display names (Q.topic_labels)
    scorecard: Scorecard | None = None  # reviewlens.scorecard of every product, when there are two or more
    # Q.rating_with_stars of the filters and of the period before: (star-only ratings, rating with them) or None
    stars: tuple[tuple[int, float] | None, tuple[int, float] | None] = (None, None)


def report_data(store: Store, f: Filters, opts: Q.Options | None = None, by: str = "auto") -> ReportData:
    """The report's numbers for `f` (the filters as given: `build_workbook` closes an open period first), the
    trends by week or by month as `Q.granularity_for` chooses (`by`: the user's choice)."""
    opts = opts or Q.options(store)
    checked = integrity.in_selection(store, f)  # first: the comparisons read the findings it brings up to date
    h = Q.headline(store, f)
    gran = Q.granularity_for(store, f, by)
    themes, scope = Q.complaints(store, f, h.reviews)
    praise, praise_scope = Q.complaints(store, f, h.reviews, kind="praise")
    requests, requests_scope = Q.complaints(store, f, h.reviews, kind="requests")
    closed = _closed(f, opts)
    return ReportData(theme_series=Q.theme_timeseries(store, f, themes, scope, gran),
        bases={kind: Q.theme_base(store, f, sc) for kind, sc in (("complaints", scope), ("praise", praise_scope),
                                                                  ("requests", requests_scope))},
        period=(closed.since, closed.until),
        filters=f, database=store.display_url(), headline=h, granularity=gran,
        timeseries=Q.timeseries(store, closed, gran), topics=Q.topic_summary(Q.topics_by_sentiment(store, f)),
        ratings=Q.rating_distribution(store, f), themes=themes, scope=scope,
        entities=Q.top_entities(store, f, limit=500), runs=Q.runs_frame(store, limit=1000),
        replies=Q.reply_stats(store, f), praise=praise, requests=requests, disagree=Q.disagreements(store, f),
        products=compare(store, "product", replace(f, products=()), names=f.products, top=PRODUCTS_COMPARED),
        versions=(compare(store, "version", replace(f, versions=()), names=f.versions, top=PRODUCTS_COMPARED)
                  if opts.versions else None),
        changes=[c for c in store.changes() if not f.products or c["product"] is None or c["product"] in f.products],
        integrity=checked, competitors=competitors(store, f, top=COMPETITORS_LISTED),
        names=names_said(store, f, top=NAMES_LISTED), topic_names=opts.topic_names,
        scorecard=scorecard(store, "product", replace(f, products=())) if len(opts.products) > 1 else None,
        stars=(Q.rating_with_stars(store, f), Q.rating_with_stars(store, p) if (p := f.previous_period()) else None))


def _closed(f: Filters, opts: Q.Options) -> Filters:
    """`f` with an open end closed at the store's first or newest review, as the dashboard's "all" period is: the
    first and last weeks of all reviews are covered in part (reviews from a Friday, up to a Thursday), and the
    Summary's weekly table marks them so, as the Top complaints one does within the themes' period."""
    return replace(f, since=f.since or opts.first_date, until=f.until or opts.last_date)


# ------------------------------------------------------------------------------------------ sheets
_SENTIMENT_FILLS = ("2E7D32", "9E9E9E", "C62828")  # positive, neutral, negative


def _summary(wb: Workbook, d: ReportData) -> None:
    """The Summary sheet: header, headline table, the three chart tables, and the charts beside them."""
    s = _Sheet(wb, "Summary", [30, 16, 16, 16, 16, 16, 14])
    # print (and PDF export) on one landscape page wide, charts included
    s.ws.page_setup.orientation = "landscape"
    s.ws.sheet_properties.pageSetUpPr.fitToPage = True
    s.ws.page_setup.fitToWidth, s.ws.page_setup.fitToHeight = 1, 0
    s.append([s.cell("ReviewLens report", font=_TITLE_FONT)])
    s.append(["Generated", s.cell(datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))])
    s.append(["Filters", s.cell(_filters_text(d))])
    s.append(["Database", s.cell(d.database)])
    s.blank()
    _headline_table(s, d.headline, d.period, d.filters.previous_period(), d.stars)
    s.blank()
    _themes_table(s, d.bases)
    if d.integrity is not None and d.integrity[0].suspicious:
        s.append(["Suspicious reviews", s.cell(d.integrity[0].line() + " See the Suspicious sheet.", wrap=True)])
        s.blank()
    said = [f"{n:,} review{'s' if n != 1 else ''} rated {x.low:g}★ or {x.high:g}★ read{'s' if n == 1 else ''} "
            f"{x.sentiment} ({x.words})" for x, n in d.disagree if n]
    if said:
        s.append(["Stars and words disagree", s.cell("; ".join(said) + ".", wrap=True)])
        s.blank()
    if d.replies is not None:
        _replies_table(s, d.replies)
        s.blank()
    ts = _timeseries_table(s, d.timeseries, d.granularity)
    s.blank()
    tp = _topics_table(s, d.topics)
    s.blank()
    rt = _ratings_table(s, d.ratings)
    _summary_charts(s, d.granularity, ts, tp, rt)


def _filters_text(d: ReportData) -> str:
    """The filters as the user gave them, and where an open period was closed, at which day: "2026-11-01 to …"
    said "2026-11-01 to 2026-11-15" before, and a --since past the newest review "2030-01-01 to 2030-01-01"."""
    given = d.given or d.filters
    text = given.describe()
    if given.since and not given.until and d.filters.until and d.filters.until > given.since:
        text += f" (the newest review: {d.filters.until})"
    return text


def _none_shown(reviews: int, themes: Sequence[Q.ThemeView], none_yet: str, scope: dict | None = None) -> str:
    """What a themes sheet says when it lists no theme: no reviews in the selection, none of its `reviews`
    in the computed `themes` (of the period of `scope`, when given), or none computed yet (`none_yet`)."""
    if not reviews:
        return "No reviews in the selection."
    if themes:
        period = f" (computed for {scope['since']} to {scope['until']})" if scope and has_periods(scope) else ""
        return f"None of the {reviews:,} reviews in the selection is in these themes{period}."
    return none_yet


def _headline_table(s: _Sheet, h: Q.Headline, period: tuple[Any, Any], before: Filters | None,
                    stars: tuple[Any, Any] = (None, None)) -> None:
    """The headline numbers of the filters' `period` (closed at the first and newest review) and of the period
    `before` it, each header saying its dates: "This period" of all reviews was no period a reader could name.
    `stars`: (star-only ratings, the rating with them) of each period (`Q.rating_with_stars`), two rows when the
    period has any."""
    prev = h.previous
    s.header(["Headline", "This period" + (f" ({period[0]} to {period[1]})" if period[0] else ""),
              "Previous period" + (f" ({before.since} to {before.until})" if before is not None else ""), "Change"])

    def line(label: str, now: Any, before: Any, change: Any, fmt: str) -> None:
        s.append([s.cell(label, font=_BOLD), s.cell(now, number_format=fmt), s.cell(before, number_format=fmt),
                  s.cell(change, number_format=fmt)])

    line("Reviews", h.reviews, prev.reviews if prev else None, h.delta("reviews"), "#,##0")
    line("Average rating", h.avg_rating, prev.avg_rating if prev else None, h.delta("avg_rating"), "0.00")
    now, was = stars
    if now is not None:  # the ratings without words (star-only reviews, kept apart), as the site counts its rating
        line("Star-only ratings (no words)", now[0], was[0] if was else None, now[0] - was[0] if was else None,
             "#,##0")
        line("Average rating with star-only", now[1], was[1] if was else None, now[1] - was[1] if was else None,
             "0.00")
    line("Share negative (%)", h.share_negative, prev.share_negative if prev else None, h.delta("share_negative"),
         "0.0")
    line("Net sentiment (% pos − % neg)", h.net_sentiment, prev.net_sentiment if prev else None,
         h.delta("net_sentiment"), "0.0")
    line("Analyzed reviews", h.analyzed, prev.analyzed if prev else None, None, "#,##0")


def _replies_table(s: _Sheet, r: Q.ReplyStats) -> None:
    """Reply rate and median days to reply, for all reviews and the negative ones."""
    s.header(["Owner replies", "All reviews", "Negative reviews"])
    s.append([s.cell("Reviews in the filters", font=_BOLD), r.reviews, r.negative])
    s.append([s.cell("Replied", font=_BOLD), r.replied, r.negative_replied])
    s.append([s.cell("Reply rate (%)", font=_BOLD), s.cell(r.reply_rate, number_format="0.0"),
              s.cell(r.negative_reply_rate, number_format="0.0")])
    s.append([s.cell("Median days to reply", font=_BOLD), s.cell(r.median_days, number_format="0.0"),
              s.cell(r.negative_median_days, number_format="0.0")])


#: A trend's period column: its header and its cells' format, by bucket (a week by its Monday, a month by name).
_PERIOD_COLUMN = {"week": ("Week of", "yyyy-mm-dd"), "month": ("Month", "mmm yyyy")}


def _timeseries_table(s: _Sheet, ts: pd.DataFrame, gran: str) -> tuple[int, int]:
    """Rows: period, positive, neutral, negative, average rating, reviews. Returns (header row, last row)."""
    name, fmt = _PERIOD_COLUMN[gran]
    s.append([s.cell(f"Sentiment per {gran}", font=_BOLD)])
    head = s.header([name, "Positive", "Neutral", "Negative", "Average rating", "Reviews", "Part"])
    for r in ts.itertuples():
        part = _part(r, gran)
        s.append([s.cell(r.period.date(), number_format=fmt, font=_PART if part else None),
                  r.positive, r.neutral, r.negative,
                  s.cell(None if r.avg_rating != r.avg_rating else round(r.avg_rating, 3), number_format="0.00"),
                  r.reviews, s.cell(part)])
    return head, s.row


_PART = Font(italic=True, color="808080")  # a part week's or month's period cell


def _part(r: Any, gran: str) -> str | None:
    """For a part week or month of the selection (the first week of "Last 30 days" holds two days' reviews, not
    a week's), "2 of 7 days": what the dashboard draws hollow; None for a full one (`r`: a row of a series with
    days and bucket_days, reviewlens.queries._with_coverage)."""
    days, full = getattr(r, "days", None), getattr(r, "bucket_days", None)
    if days is None or full is None or days >= full:
        return None
    return f"{days} of {full} days"


def _topics_table(s: _Sheet, topics: pd.DataFrame) -> tuple[int, int]:
    s.append([s.cell("Topics by sentiment", font=_BOLD)])
    head = s.header(["Topic", "Positive", "Neutral", "Negative", "Total"])
    for r in topics.itertuples():
        s.append([s.cell(r.label), r.positive, r.neutral, r.negative, r.total])
    return head, s.row


def _ratings_table(s: _Sheet, ratings: pd.DataFrame) -> tuple[int, int]:
    s.append([s.cell("Rating distribution", font=_BOLD)])
    head = s.header(["Rating", "Reviews"])
    for r in ratings.itertuples():
        s.append([s.cell(f"{r.rating} stars"), r.reviews])
    return head, s.row


def _summary_charts(s: _Sheet, gran: str, ts: tuple[int, int], tp: tuple[int, int], rt: tuple[int, int]) -> None:
    """Native Excel charts in column H, stacked, each reading its table (header row, last row) on the sheet."""
    ws = s.ws
    anchor_row = 1
    (ts_head, ts_end), (tp_head, tp_end), (rt_head, rt_end) = ts, tp, rt
    if ts_end > ts_head:
        ch = BarChart()
        ch.type, ch.grouping, ch.overlap = "col", "stacked", 100
        ch.title, ch.y_axis.title = f"Sentiment per {gran}", "Reviews"
        ch.add_data(Reference(ws, min_col=2, max_col=4, min_row=ts_head, max_row=ts_end), titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=1, min_row=ts_head + 1, max_row=ts_end))
        _color_series(ch)
        ch.x_axis.number_format = _PERIOD_COLUMN[gran][1]
        ch.height, ch.width = 8, 22
        ws.add_chart(_axes_shown(ch), f"H{anchor_row}")
        anchor_row += 17
        lc = LineChart()
        lc.title, lc.y_axis.title = f"Average rating per {gran}", "Stars"
        lc.add_data(Reference(ws, min_col=5, min_row=ts_head, max_row=ts_end), titles_from_data=True)
        lc.set_categories(Reference(ws, min_col=1, min_row=ts_head + 1, max_row=ts_end))
        lc.x_axis.number_format = _PERIOD_COLUMN[gran][1]
        lc.y_axis.scaling.min, lc.y_axis.scaling.max = 1, 5
        lc.series[0].smooth = False
        lc.height, lc.width = 7, 22
        ws.add_chart(_axes_shown(lc), f"H{anchor_row}")
        anchor_row += 15
    if tp_end > tp_head:
        bc = BarChart()
        bc.type, bc.grouping, bc.overlap = "bar", "stacked", 100
        bc.title, bc.x_axis.title = "Topics by sentiment", None
        bc.add_data(Reference(ws, min_col=2, max_col=4, min_row=tp_head, max_row=tp_end), titles_from_data=True)
        bc.set_categories(Reference(ws, min_col=1, min_row=tp_head + 1, max_row=tp_end))
        _color_series(bc)
        bc.height, bc.width = 9, 22
        ws.add_chart(_axes_shown(bc), f"H{anchor_row}")
        anchor_row += 19
    rc = BarChart()
    rc.type, rc.title, rc.y_axis.title = "col", "Rating distribution", "Reviews"
    rc.add_data(Reference(ws, min_col=2, min_row=rt_head, max_row=rt_end), titles_from_data=True)
    rc.set_categories(Reference(ws, min_col=1, min_row=rt_head + 1, max_row=rt_end))
    rc.series[0].graphicalProperties.solidFill = "F9A825"
    rc.legend = None
    rc.height, rc.width = 7, 14
    ws.add_chart(_axes_shown(rc), f"H{anchor_row}")


def _axes_shown(chart: BarChart | LineChart) -> BarChart | LineChart:
    """`chart` with both axes marked shown (`<c:delete val="0"/>`): openpyxl 3.1 leaves the element out unless
    `delete` is set, and Excel then hides the axes with their labels (the weeks, the stars, the topics)."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def _color_series(chart: BarChart) -> None:
    """Positive, neutral, negative series in green, grey, red."""
    for series, color in zip(chart.series, _SENTIMENT_FILLS):
        series.graphicalProperties.solidFill = color
        series.graphicalProperties.line.solidFill = color


def _complaints(wb: Workbook, themes: list[Q.ThemeView], scope: dict, series: pd.DataFrame | None = None,
                gran: str = "week", *, reviews: int, base: Q.ThemeBase | None = None,
                names: dict[str, str] | None = None) -> None:
    """The Top complaints sheet: the themes with reviews in the selection (`reviews` of them), recounted within
    it; a theme none of them raises is left out, not listed with 0 reviews beside its computed trend."""
    computed, themes = themes, [t for t in themes if t.filtered_count]
    s = _Sheet(wb, "Top complaints", [6, 30, 16, 10, 10, 12, 10, 8, 50, 80, 50, 14, 14, 18, 10, 16])
    _themes_said(s, base, "complaints")
    s.header(["Rank", "Theme", "Topic", "Reviews", "Share", "Previous", "Trend (pp)", "Up/down", "Summary", "Quotes",
              "First quote's review", "Its rating (★)", "Others (★)", "Held equal (★)", "± (95%)", "At stake (★)"])
    # reviews without dates (an import without them): no period before, no trend
    dated = has_periods(scope)
    for i, t in enumerate(themes, 1):
        m = t.impact
        s.append([i, s.cell(t.label, font=_BOLD), s.cell(Q.topic_label(t.topic, names) if t.topic else None),
                  t.filtered_count, s.cell(t.filtered_share, number_format="0.0%"),
                  t.filtered_previous if dated else None, s.cell(t.filtered_trend, number_format="+0.0;-0.0;0.0"),
                  s.cell(t.arrow if dated and t.filtered_trend is not None else None),
                  s.cell(t.summary, wrap=True), s.cell(_quotes_text(t), wrap=True), _first_review(s, t),
                  s.cell(None if m is None else round(m.mean, 2), number_format="0.00"),
                  s.cell(None if m is None else round(m.others_mean, 2), number_format="0.00"),
                  s.cell(None if m is None or m.effect is None else round(m.effect, 2), number_format="+0.00;-0.00"),
                  s.cell(None if m is None or m.effect_ci is None else round(m.effect_ci, 2), number_format="0.00"),
                  s.cell(None if m is None else round(m.at_stake, 3), number_format="0.00")])
    if not themes:
        s.append([None, s.cell(_none_shown(reviews, computed, "No complaint themes computed yet (`reviewlens analyze` "
                                                              "computes them), or no two reviews raise the same "
                                                              "complaint.", scope))])
    elif scope.get("computed_at"):
        s.blank()
        s.append([None, s.cell(f"Themes computed {scope['computed_at'][:16]}; counts recounted within the filters; "
                               "a review that raises several complaints counts in each of their themes."
                               + (" Previous: the as long period before; for a period narrower than the themes' own, "
                                  "recounted, and empty where that period begins before the themes' own."
                                  if dated else " The reviews have no dates, so there is no previous period "
                                  "and no trend.")
                               + (f" No trend: {themes[0].no_trend}, too few to compare with."
                                  if dated and themes[0].no_trend else ""))])
        s.append([None, s.cell("Its rating: the mean star rating of the theme's reviews; Others: of the other reviews "
                               "in the filters; Held equal: how many stars lower a review raising it is rated with "
                               "the other themes' complaints held equal (least squares over all the themes; ± its "
                               "95% confidence interval); At stake: how much the average rating would rise if the "
                               "theme's reviews were rated like the others, by the held-equal loss where there is "
                               "one (empty: fewer than 3 rated reviews).")])
    if series is not None and not series.empty:
        _complaints_over_time(s, series, gran)


#: What each kind of themes is called in the sentences above its sheet, and its sheet's name.
THEME_SHEET_WORDS = {"complaints": ("These complaints are", "Top complaints"), "praise": ("This praise is", "Praise"),
                     "requests": ("These requests are", "Requests")}
THEMES_SAID = 4  # the rows above a themes sheet's table: what it is of, in words, and a blank one


def _base_lines(base: Q.ThemeBase, kind: str) -> list[str]:
    """What themes recounted within the report's filters are of, in words a manager reads: the period and the
    reviews the shares are of, the previous period (dates, reviews) the trend compares with, and the run that
    computed them. A report of "all reviews" showed 22% for a complaint, then 52% after someone ran
    `complaints --days 21`, and nothing on the sheet said which period or how many reviews."""
    title = THEME_SHEET_WORDS[kind][0]
    if base.since is None and base.own_since is None:
        first = (f"{title} counted from all {base.reviews:,} reviews of this report (the reviews have no dates): "
                 f"each Share is of those {base.reviews:,}.")
    elif base.since is None:
        first = (f"{title} computed for {base.own_since} to {base.own_until}; this report's period lies outside "
                 "it, so none of its reviews is counted.")
    else:
        days = f" ({(base.until - base.since).days + 1} days)" if base.until else ""
        first = (f"{title} of {base.since} to {base.until or 'the newest review'}{days}, counted "
                 f"from the {base.reviews:,} reviews of this report in that period: each Share is of those "
                 f"{base.reviews:,}.")
        if (base.since, base.until, base.reviews) != (base.own_since, base.own_until, base.own_reviews):
            first += (f" The themes were computed for {base.own_since} to {base.own_until} ({base.own_reviews or 0:,} "
                      "reviews); this report's filters keep to a part of that.")
    if base.previous_since is not None:
        before = (f"Previous period, for the Previous and Trend columns: {base.previous_since} to "
                  f"{base.previous_until}, {base.previous_reviews or 0:,} reviews."
                  + (f" No trend: {base.no_trend}, too few to compare with." if base.no_trend else ""))
    elif base.no_trend:
        before = f"No previous period to compare with, so no trend: {base.no_trend}."
    else:
        before = "No previous period to compare with, so no trend."
    at = f" on {base.computed_at[:16]} UTC" if base.computed_at else ""
    run = (f"They come from the last `reviewlens {kind}` run (`reviewlens analyze` runs it too){at}, for "
           f"{base.segment or 'all products'}, over the period that run was given (90 days up to the newest review "
           f"unless --days, --since or --until said otherwise). A later run replaces them here, on the dashboard "
           "and in the alerts.")
    return [first, before, run]


def _themes_said(s: _Sheet, base: Q.ThemeBase | None, kind: str) -> None:
    """The rows above a themes sheet's table (THEMES_SAID of them): `_base_lines`, or that none are computed."""
    s.ws.freeze_panes = f"A{THEMES_SAID + 2}"  # the statements and the header stay in view (set before any row)
    lines = _base_lines(base, kind) if base is not None else [
        f"No {THEME_SHEET_WORDS[kind][1].lower()} themes are stored yet (`reviewlens analyze` or `reviewlens {kind}` "
        "computes them)."]
    for i, line in enumerate((lines + ["", ""])[:THEMES_SAID - 1]):
        s.append([None, s.cell(line or None, font=_BOLD if i == 0 else None)])
    s.blank()


def _themes_table(s: _Sheet, bases: dict[str, Q.ThemeBase | None]) -> None:
    """The Summary's table of the themes' sheets: the period each counts (not the filters' own: the themes are
    of the period their last run was given), its reviews, the previous period and when they were computed."""
    shown = [(kind, b) for kind, b in bases.items() if b is not None]
    if not shown:
        return
    s.header(["Themes (their own period)", "Period counted", "Reviews counted", "Previous period",
              "Its reviews", "Computed (UTC)"])
    for kind, b in shown:
        s.append([s.cell(THEME_SHEET_WORDS[kind][1], font=_BOLD),
                  s.cell(f"{b.since} to {b.until}" if b.since else ("no dates" if b.own_since is None else
                                                                    "outside this report's period")),
                  b.reviews, s.cell(f"{b.previous_since} to {b.previous_until}"
                                    + (" (too few to compare with: no trend)" if b.no_trend else "")
                                    if b.previous_since else f"none ({b.no_trend})" if b.no_trend else "none"),
                  b.previous_reviews if b.previous_since else None,
                  s.cell(b.computed_at[:16] if b.computed_at else None)])
    s.append([None, s.cell("Each themes sheet says at its top what it is of: the period its last `reviewlens "
                           "complaints` / `praise` / `requests` run was given, kept to this report's filters.")])
    s.blank()


#: The sheets of the themes besides the complaints: kind -> (sheet, what none computed yet means).
OTHER_THEME_SHEETS = {"praise": ("Praise", "No praise themes computed yet (`reviewlens analyze` computes them), or "
                                           "no two reviews praise the same thing."),
                      "requests": ("Requests", "No request themes computed yet (`reviewlens analyze` computes them), "
                                               "or no two reviews ask for the same thing.")}


#: Below a quote of a review the report's filters leave out (none of the theme's quotes is of its reviews).
OUTSIDE_NOTE = "(quoted from a review outside this report's filters: none of its quotes is from them)"


def _quotes_text(t: Q.ThemeView) -> str:
    """A theme's quotes, verbatim, of the reviews in the report's filters; where none of its stored quotes is of
    them (a --since that leaves them out), the first stored one marked as from outside them, so the theme still
    speaks in a customer's words; where it has none stored, says so."""
    shown, outside = (t.quotes, False) if t.quotes else (t.quotes_outside[:1], True)
    if not shown:
        return "No quote stored for this theme."
    text = "\n".join(f"“{q.text}”" + (f"\n    ({q.translation_note()})" if q.translation else "") for q in shown)
    return text + (f"\n    {OUTSIDE_NOTE}" if outside else "")


def _first_review(s: _Sheet, t: Q.ThemeView) -> Any:
    """The "First quote's review" cell: a link to the first quote's review on its site, or, for reviews without
    an address (imported ones), the review's id as the Reviews sheet and `reviewlens export` write it (of the
    quote from outside the filters, where that is the one shown: not on this Reviews sheet)."""
    quotes, where = (t.quotes, "the Reviews sheet") if t.quotes else (t.quotes_outside[:1], "outside this report")
    url = next((q.url for q in quotes if q.url), None)
    if url:
        return s.link(url)
    return s.cell(f"review id {quotes[0].review_id} ({where})") if quotes else None


def _other_themes(wb: Workbook, themes: list[Q.ThemeView], kind: str, *, reviews: int,
                  base: Q.ThemeBase | None = None, names: dict[str, str] | None = None) -> None:
    """The Praise sheet (what customers love: `reviewlens praise`) or the Requests sheet (what they ask for:
    `reviewlens requests`), recounted within the filters."""
    sheet, none_yet = OTHER_THEME_SHEETS[kind]
    s = _Sheet(wb, sheet, [6, 30, 16, 10, 10, 12, 10, 50, 80, 50, 14, 14])
    _themes_said(s, base, kind)
    s.header(["Rank", "Theme", "Topic", "Reviews", "Share", "Previous", "Trend (pp)", "Summary", "Quotes",
              "First quote's review", "Its rating (★)", "Others (★)"])
    shown = [t for t in themes if t.filtered_count]
    for i, t in enumerate(shown, 1):
        m = t.impact
        s.append([i, s.cell(t.label, font=_BOLD), s.cell(Q.topic_label(t.topic, names) if t.topic else None),
                  t.filtered_count, s.cell(t.filtered_share, number_format="0.0%"),
                  t.filtered_previous if t.filtered_trend is not None else None,
                  s.cell(t.filtered_trend, number_format="+0.0;-0.0;0.0"),
                  s.cell(t.summary, wrap=True), s.cell(_quotes_text(t), wrap=True),
                  _first_review(s, t),
                  s.cell(None if m is None else round(m.mean, 2), number_format="0.00"),
                  s.cell(None if m is None else round(m.others_mean, 2), number_format="0.00")])
    if not shown:
        s.append([None, s.cell(_none_shown(reviews, themes, none_yet))])


def _changes(wb: Workbook, changes: list[dict]) -> None:
    """The Changes sheet: each change the user recorded (`reviewlens changes`) and what the reviews said in
    the days before and since it (the last measurement)."""
    s = _Sheet(wb, "Changes", [12, 36, 24, 28, 70, 24, 10, 10, 24, 10, 10, 12, 12, 10, 60, 18])
    s.ws.freeze_panes = "A2"
    s.header(["Day", "What changed", "Reviews of", "Meant to fix", "Verdict", "Before", "Reviews", "Rating (★)",
              "Since", "Reviews", "Rating (★)", "Its share before", "Its share since", "p",
              "Other complaints that moved", "Measured (UTC)"])
    for c in changes:
        e = Effect(**c["effect"]) if c["effect"] else None
        segment = "; ".join([c["product"] or "All products"] + [f"{n}: {', '.join(v)}" for n, v in c["fields"]])
        row = [c["day"], s.cell(c["label"], font=_BOLD, wrap=True), s.cell(segment), s.cell(c["theme"])]
        if e is None:
            s.append(row + [s.cell("Not measured yet (`reviewlens changes measure`).")])
            continue
        n = e.named
        s.append(row + [
            s.cell(e.verdict(), wrap=True), f"{e.before_since} to {e.before_until}", e.before_reviews,
            s.cell(None if e.before_rating is None else round(e.before_rating, 2), number_format="0.00"),
            f"{e.after_since} to {e.after_until}", e.after_reviews,
            s.cell(None if e.after_rating is None else round(e.after_rating, 2), number_format="0.00"),
            s.cell(None if n is None else n.before_share / 100, number_format="0%"),
            s.cell(None if n is None else n.after_share / 100, number_format="0%"),
            s.cell(None if n is None else round(n.p, 4), number_format="0.000"),
            s.cell("\n".join(t.text() for t in ([] if e.too_early else e.moved[:5])) or None, wrap=True),
            s.cell(c["measured_at"].replace(tzinfo=None) if c["measured_at"] else None,
                   number_format="yyyy-mm-dd hh:mm")])


def _suspicious(wb: Workbook, store: Store, findings: list[integrity.Finding]) -> None:
    """The Suspicious sheet: each finding of reviewlens.integrity that holds reviews of the report (also of a
    report that leaves them out: what it left out), with its first review quoted as written."""
    s = _Sheet(wb, "Suspicious", [26, 60, 10, 36, 14, 18, 80])
    s.ws.freeze_panes = "A2"
    s.header(["Pattern", "Finding", "Reviews", "Products", "First date", "First reviewer", "One of its reviews"])
    ids = tuple({i for x in findings for i in x.review_ids})
    rows = Q.review_page(store, Filters(review_ids=ids), page_size=max(1, len(ids)))[0]
    by_id = {r.id: r for r in rows.itertuples()}
    for x in findings:
        mine = [by_id[i] for i in x.review_ids if i in by_id]
        r = min(mine, key=lambda m: (m.date is None or m.date != m.date, str(m.date)), default=None)
        products = x.detail.get("products") or [x.detail.get("product") or ""]
        s.append([s.cell(integrity.KINDS[x.kind]), s.cell(x.title, wrap=True), len(x.review_ids),
                  s.cell(", ".join(p for p in products if p) or None, wrap=True),
                  s.cell(r.date if r is not None and r.date else None, number_format="yyyy-mm-dd"),
                  s.cell(r.author if r is not None and isinstance(r.author, str) else None),
                  s.cell(None if r is None else r.text, wrap=True)])
    if s.row > 1:
        s.ws.auto_filter.ref = f"A1:G{s.row}"


def _competitors(wb: Workbook, found: list[Competitor]) -> None:
    """The Competitors sheet (reviewlens.competitors): the products and brands the reviews compare with, which
    way their writers went, and three of their sentences, quoted as written."""
    s = _Sheet(wb, "Competitors", [30, 10, 10, 12, 12, 12, 10, 36, 70, 70, 70])
    s.ws.freeze_panes = "A2"
    s.header(["Compared with", "Type", "Reviews", "Went to it", "Came from it", "Compared", "Rating",
              "Those who went to it complained of", "Quote", "Quote", "Quote"])
    for c in found:
        quotes = [s.cell(q.text + (f"\n({q.translation_note()})" if q.translation else ""), wrap=True)
                  for q in c.quotes[:3]]
        s.append([s.cell(c.name), s.cell("product" if c.type == "PRODUCT" else "brand"), c.reviews, c.went_to,
                  c.came_from, c.compared, s.cell(c.rating, number_format="0.0"),
                  s.cell(c.why_left_said(top=5) or None, wrap=True), *quotes])
    if s.row > 1:
        s.ws.auto_filter.ref = f"A1:K{s.row}"


def _names(wb: Workbook, found: list[NameSaid]) -> None:
    """The Names sheet (reviewlens.mentions): the people, companies, places and products the reviews name, how
    many speak well and badly of each (the clause that names it), and their sentences, quoted as written."""
    s = _Sheet(wb, "Names", [28, 10, 10, 12, 12, 12, 10, 60, 60, 60, 60])
    s.ws.freeze_panes = "A2"
    s.header(["Name", "Type", "Reviews", "Speak well", "Speak badly", "Only name it", "Rating",
              "Speaks well", "Speaks well", "Speaks badly", "Speaks badly"])
    for x in found:
        quotes = [[s.cell(q.text + (f"\n({q.translation_note()})" if q.translation else ""), wrap=True)
                   for q in side[:2]] + [None] * (2 - len(side[:2])) for side in (x.praise, x.complaints)]
        s.append([s.cell(x.name), s.cell(kind_word(x.type)), x.reviews, x.positive, x.negative,
                  x.neutral, s.cell(x.rating, number_format="0.0"), *quotes[0], *quotes[1]])
    if s.row > 1:
        s.ws.auto_filter.ref = f"A1:K{s.row}"


def _complaints_over_time(s: _Sheet, series: pd.DataFrame, gran: str) -> None:
    """A table of the top themes' percent of each period's reviews (columns B on) and its line chart beside it."""
    labels = list(dict.fromkeys(series["theme"]))
    wide = series.pivot(index="period", columns="theme", values="percent").reindex(columns=labels).sort_index()
    s.blank()
    title = f"Top complaints per {gran} (% of the {gran}'s reviews; within the period the themes were computed for)"
    s.append([None, s.cell(title, font=_BOLD)])
    name, fmt = _PERIOD_COLUMN[gran]
    parts = {r.period: _part(r, gran) for r in series.drop_duplicates("period").itertuples()}
    head = s.header([None, name, *labels, "Part"])
    for period, row in wide.iterrows():
        part = parts.get(period)
        s.append([None, s.cell(period.date(), number_format=fmt, font=_PART if part else None),
                  *[s.cell(round(float(v), 2), number_format="0.0") for v in row], s.cell(part)])
    lc = LineChart()
    lc.title, lc.y_axis.title = f"Top complaints per {gran}", f"% of the {gran}'s reviews"
    lc.add_data(Reference(s.ws, min_col=3, max_col=2 + len(labels), min_row=head, max_row=s.row), titles_from_data=True)
    lc.set_categories(Reference(s.ws, min_col=2, min_row=head + 1, max_row=s.row))
    lc.x_axis.number_format = fmt
    for series_ in lc.series:
        series_.smooth = False
    lc.height, lc.width = 9, 24
    s.ws.add_chart(_axes_shown(lc), f"{get_column_letter(max(9, len(labels) + 5))}{head}")  # right of the Part column


def _rating_colours() -> ColorScaleRule:
    """A rating column's colours: 1★ red, 3★ yellow, 5★ green."""
    return ColorScaleRule(start_type="num", start_value=1, start_color="F8696B", mid_type="num", mid_value=3,
                          mid_color="FFEB84", end_type="num", end_value=5, end_color="63BE7B")


def _scorecard(wb: Workbook, card: Scorecard) -> None:
    """The Scorecard sheet (reviewlens.scorecard): every product (a chain's branches) in one row, the ones that need
    a look first, with why; filterable, and sortable in Excel by any column."""
    themes = card.has_themes()  # the complaint themes' columns once they are computed
    stars = card.has_stars()  # and those of the ratings without words, where there are any
    columns = [("Look", 8), ("Product", 36), ("Reviews", 10), ("Rating", 10), ("Change", 10), ("% negative", 12),
               ("Top complaint", 28), ("% raising it", 12), *([("Top theme", 28), ("% in it", 10)] if themes else []),
               ("Replied %", 10), ("Newest review", 14),
               *([("Star-only", 10), ("With star-only", 12)] if stars else []), ("Why it needs a look", 70)]
    s = _Sheet(wb, "Scorecard", [width for _, width in columns])
    s.ws.freeze_panes = "C2"
    s.header([name for name, _ in columns])
    def num(v: Any, fmt: str) -> Any:
        return None if v is None or pd.isna(v) else s.cell(round(float(v), 2), number_format=fmt)

    def text(v: Any) -> Any:
        return s.cell(v if isinstance(v, str) else None)

    for row in card.table().itertuples():
        flag = row.flag if isinstance(row.flag, str) else None
        s.append([s.cell("!" if flag else None, font=_BOLD), s.cell(row.name), row.reviews, num(row.rating, "0.00"),
                  num(row.change, "+0.00;-0.00;0.00"), num(row.negative, "0"), text(row.complaint),
                  num(row.complaint_share, "0"), *([text(row.theme), num(row.theme_share, "0")] if themes else []),
                  num(row.reply_rate, "0"), row.newest,
                  *([num(row.star_only, "#,##0"), num(row.all_rating, "0.00")] if stars else []),
                  s.cell(flag, wrap=True)])
    last = s.row
    s.ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    s.ws.conditional_formatting.add(f"D2:D{last}", _rating_colours())  # as the Reviews sheet colours ratings
    s.ws.conditional_formatting.add(f"E2:E{last}", CellIsRule(operator="lessThanOrEqual",
                                                              formula=[f"-{SCORE_STARS}"], fill=_RED))
    s.blank()
    if card.recent and card.before:
        s.append([None, s.cell(f"Change: the average rating of {card.recent[0]} to {card.recent[1]} against "
                               f"{card.before[0]} to {card.before[1]} (products with {MIN_RATED}+ ratings in each). "
                               "% negative and the top complaint (the topic most of them are negative about) "
                               "are of the analyzed reviews" + (card.theme_said("") if themes else "")
                               + (STARS_SAID if stars else "") + ".")])
    s.append([None, s.cell(f"Needs a look: a rating below the rest's, or fallen, by {SCORE_STARS:g}★ or more and "
                           f"unlikely to be chance (p <= {P_MAX:g} / {card.tested('product')}).")])


def _comparison(wb: Workbook, c: Comparison | None, title: str = "Products") -> None:
    """Products (or versions) side by side (reviewlens.comparison): the measures as rows, a native bar chart
    of each topic's complaint share, and the differences that matter."""
    names = [g.name for g in c.groups] if c else []
    s = _Sheet(wb, title, [34] + [16] * max(len(names), 1))
    if len(names) < 2:
        s.append([s.cell(f"Fewer than two {title.lower()} in these filters: nothing to compare.")])
        return
    s.ws.freeze_panes = "B2"
    table = c.table()
    s.header(["Measure"] + names)
    formats = {"Reviews": "#,##0", ANALYZED_ROW: "#,##0", "Average rating": "0.00", "% negative": "0.0", "Net sentiment": "+0;-0;0",
               WITHOUT_ROW: "0.00", STARS_ROW: "#,##0", WITH_STARS_ROW: "0.00"}
    topic_rows = []
    for measure, row in table.iterrows():
        r = s.append([s.cell(measure, font=_BOLD)] + [
            s.cell(None if pd.isna(v) else round(float(v), 2), number_format=formats.get(measure, "0.0"))
            for v in row])
        if measure.endswith(": % complaining"):
            topic_rows.append(r)
    if topic_rows:
        ch = BarChart()
        ch.type = "bar"
        ch.title = "Reviews complaining about each topic (%)"
        ch.height, ch.width = 9 + 0.6 * len(topic_rows), 18
        for col, name in enumerate(names, 2):  # one series per group, over the topic rows only
            values = Reference(s.ws, min_col=col, min_row=topic_rows[0], max_row=topic_rows[-1])
            ch.series.append(Series(values, title=excel_text(name)[:250]))
        ch.set_categories(Reference(s.ws, min_col=1, min_row=topic_rows[0], max_row=topic_rows[-1]))
        s.ws.add_chart(_axes_shown(ch), f"{get_column_letter(len(names) + 3)}2")
    s.blank()
    note = c.coverage_note()  # what the analysis-based rows rest on
    if note:
        s.append([s.cell(note)])
    gaps = c.gaps()
    s.append([s.cell("Differences that matter (large, and unlikely to be chance)", font=_BOLD)])
    for g in gaps:
        s.append([s.cell(g.text())])
    if not gaps:
        s.append([s.cell("None: no gap of 5+ points of complaints or praise (0.2★) with p <= 0.05, corrected for the "
                         f"comparisons made, between {title.lower()} with 10+ reviews.")])


def _topics(wb: Workbook, topics: pd.DataFrame) -> None:
    s = _Sheet(wb, "Topics", [22, 12, 12, 12, 12, 16])
    s.ws.freeze_panes = "A2"
    s.header(["Topic", "Positive", "Neutral", "Negative", "Total", "Net sentiment (pp)"])
    for r in topics.itertuples():
        s.append([s.cell(r.label), r.positive, r.neutral, r.negative, r.total,
                  s.cell(round(r.net_sentiment, 1), number_format="0.0")])


def _entities(wb: Workbook, df: pd.DataFrame) -> None:
    s = _Sheet(wb, "Entities", [34, 12, 12, 12, 12, 12, 16])
    s.ws.freeze_panes = "A2"
    s.header(["Entity", "Type", "Mentions", "Positive", "Neutral", "Negative", "Net sentiment (pp)"])
    for r in df.itertuples():
        net = None if r.net_sentiment != r.net_sentiment else round(r.net_sentiment, 1)
        s.append([s.cell(r.entity), s.cell(kind_word(str(r.type))), r.mentions, r.positive, r.neutral, r.negative,
                  s.cell(net, number_format="0.0")])
    if s.row > 1:
        s.ws.auto_filter.ref = f"A1:G{s.row}"


def _review_values(r: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {**r, "topics": topics_text(r["topics"], words=True, names=names), "entities": entities_text(r["entities"])}


def _widths(sample: list[dict[str, Any]], columns: Sequence[tuple[str, str, float]]) -> list[float]:
    """Column widths from the header and a sample of rows, capped per column."""
    out = []
    for key, header, cap in columns:
        longest = max([len(header)] + [len(str(r.get(key) or "")) for r in sample] or [len(header)])
        out.append(min(cap, max(8.0, longest * 1.1 + 2)))
    return out


def _with_own_fields(store: Store, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """`rows` with the user's own fields of each review as "field:NAME" keys and the team's tags as "tags"
    ("a; b") (looked up a chunk at a time)."""
    batch: list[dict[str, Any]] = []

    def flush() -> Iterator[dict[str, Any]]:
        ids = [r["id"] for r in batch]
        own, tags = store.fields_of(ids), store.tags_of(ids)
        for r in batch:
            yield {**r, **{FIELD_PREFIX + k: v for k, v in own.get(r["id"], {}).items()},
                   "tags": "; ".join(tags.get(r["id"], [])) or None}
        batch.clear()
    for r in rows:
        batch.append(r)
        if len(batch) >= CHUNK:
            yield from flush()
    yield from flush()


def _reviews(wb: Workbook, store: Store, f: Filters, names: dict[str, str]) -> int:
    """The Reviews sheet: every review of `f`, streamed (`names`: the topics' display names)."""
    # the user's own fields (an import's other columns) after the review's
    columns = (REVIEW_COLUMNS + ([("tags", "Tags", 30)] if store.tag_counts() else [])  # the team's tags
               + [(FIELD_PREFIX + n, n, 24) for n in store.field_names()[:MAX_FIELD_COLUMNS]])
    rows = Q.iter_review_rows(store, f, chunk=CHUNK)
    if len(columns) > len(REVIEW_COLUMNS):
        rows = _with_own_fields(store, rows)
    sample: list[dict[str, Any]] = []
    for r in rows:
        sample.append(_review_values(r, names))
        if len(sample) >= 500:
            break
    s = _Sheet(wb, "Reviews", _widths(sample, columns))
    s.ws.freeze_panes = "A2"
    fields = [c[0] for c in columns]
    s.header([c[1] for c in columns])
    url_col = fields.index("url")

    def emit(r: dict[str, Any]) -> None:
        vals: list[Any] = []
        for i, name in enumerate(fields):
            v = r.get(name)
            if name in ("date", "reply_date"):
                vals.append(s.cell(v, number_format="yyyy-mm-dd") if v else None)
            elif name == "verified":
                vals.append(None if v is None else bool(v))
            elif i == url_col:
                vals.append(s.link(v))
            else:  # a review written on several lines shows them (wrapped), not one run-on line
                vals.append(s.cell(v, wrap=isinstance(v, str) and "\n" in v) if v is not None else None)
        s.append(vals)

    for r in sample:
        emit(r)
    for r in rows:
        emit(_review_values(r, names))
    n = s.row - 1
    last = get_column_letter(len(fields))
    s.ws.auto_filter.ref = f"A1:{last}{max(s.row, 2)}"
    if n:
        sent = get_column_letter(fields.index("sentiment") + 1)
        rating = get_column_letter(fields.index("rating") + 1)
        cf = s.ws.conditional_formatting
        cf.add(f"{sent}2:{sent}{s.row}", CellIsRule(operator="equal", formula=['"negative"'], fill=_RED))
        cf.add(f"{sent}2:{sent}{s.row}", CellIsRule(operator="equal", formula=['"positive"'], fill=_GREEN))
        cf.add(f"{sent}2:{sent}{s.row}", CellIsRule(operator="equal", formula=['"neutral"'], fill=_GREY))
        cf.add(f"{rating}2:{rating}{s.row}", _rating_colours())
    if s.links >= MAX_HYPERLINKS:
        log.info("report: first %d URLs are hyperlinks (Excel's per-sheet limit); the rest are plain text",
                 MAX_HYPERLINKS)
    return n


def _runs(wb: Workbook, df: pd.DataFrame, own: str | None = None) -> None:
    """The Runs sheet: the run history, newest first. The run writing this report (`own`: its file, as the run
    history names it) is still running while the history is read: it is listed as "this report", not as a run
    that never finished."""
    mine = next((r.id for r in df.itertuples() if own and r.kind == "report" and r.status == "running"
                 and r.source == own), None)
    s = _Sheet(wb, "Runs", [8, 10, 50, 10, 12, 18, 18, 12, 8, 10, 10, 12, 8, 80])
    s.ws.freeze_panes = "A2"
    s.header(["Run", "Kind", "Source", "Trigger", "Status", "Started (UTC)", "Finished (UTC)", "Duration (s)",
              "Pages", "New", "Seen", "New star-only", "Errors", "Error messages"])
    for r in df.itertuples():
        started = r.started_at.tz_convert(None).to_pydatetime() if r.started_at is not None and r.started_at == r.started_at else None
        finished = r.finished_at.tz_convert(None).to_pydatetime() if r.finished_at is not None and r.finished_at == r.finished_at else None
        msgs = "\n".join(f"{e.get('url') or ''} {e.get('message') or ''}".strip() for e in r.errors[:50])
        if len(r.errors) > 50:
            msgs += f"\n… and {len(r.errors) - 50} more"
        s.append([r.id, s.cell(r.kind), s.cell(r.source), s.cell(r.trigger),
                  s.cell("this report" if r.id == mine else r.status),
                  s.cell(started, number_format="yyyy-mm-dd hh:mm"), s.cell(finished, number_format="yyyy-mm-dd hh:mm"),
                  s.cell(None if r.duration_s != r.duration_s else r.duration_s, number_format="0"),
                  r.pages, r.reviews_new, r.reviews_seen, r.star_only_new or None, r.error_count,
                  s.cell(msgs or None, wrap=bool(msgs))])
    if s.row > 1:
        s.ws.auto_filter.ref = f"A1:N{s.row}"


# ------------------------------------------------------------------------------------------ public API
def build_workbook(store: Store, target: str | Path | io.BytesIO, f: Filters, by: str = "auto",
                   own: str | None = None) -> int:
    """Write the report for `f` to a path or a binary buffer, its trends by week or by month (`by`: "auto"
    chooses by the reviews a week, as the dashboard does; `own`: the file the run history names this report's
    run by, when it has one). Returns the number of reviews written."""
    t0 = time.perf_counter()
    wb = Workbook(write_only=True)
    opts = Q.options(store)
    given = f
    if f.since and not f.until and opts.last_date:  # "since X" means up to the newest review: a closed
        f = replace(f, until=max(opts.last_date, f.since))  # period has a previous one to compare with
    d = replace(report_data(store, f, opts, by), given=given)
    _summary(wb, d)
    _complaints(wb, d.themes, d.scope, d.theme_series, d.granularity, reviews=d.headline.reviews,
                base=d.bases.get("complaints"), names=d.topic_names)
    _other_themes(wb, d.praise, "praise", reviews=d.headline.reviews, base=d.bases.get("praise"),
                  names=d.topic_names)
    _other_themes(wb, d.requests, "requests", reviews=d.headline.reviews, base=d.bases.get("requests"),
                  names=d.topic_names)
    if d.scorecard is not None and len(d.scorecard.rows) > 1:
        _scorecard(wb, d.scorecard)
    _comparison(wb, d.products)
    if d.versions is not None:
        _comparison(wb, d.versions, "Versions")
    if d.changes:
        _changes(wb, d.changes)
    if d.integrity is not None and d.integrity[1]:
        _suspicious(wb, store, d.integrity[1])
    if d.competitors:
        _competitors(wb, d.competitors)
    if d.names:
        _names(wb, d.names)
    _topics(wb, d.topics)
    _entities(wb, d.entities)
    n = _reviews(wb, store, f, d.topic_names)
    _runs(wb, d.runs, own)
    _save(wb, target)
    log.info("report: %d reviews in %.1f s", n, time.perf_counter() - t0)
    return n


def _save(wb: Workbook, target: str | Path | io.BytesIO) -> None:
    """`wb.save(target)`, leaving nothing behind when it fails (a full disk): the zip archive closed and each
    write-only sheet's open streams closed in order and its temporary file removed. Left to the garbage
    collector they printed some twenty "Exception ignored in: <generator object WorksheetWriter.get_stream>"
    tracebacks into the log (a scheduled run's cron log) after the one error that matters."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    archive = ZipFile(target, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.now(timezone.utc).replace(tzinfo=None)
    try:
        ExcelWriter(wb, archive).save()  # what wb.save does, with the archive in our hands
    except BaseException:
        for ws in wb.worksheets:
            rows, writer = getattr(ws, "_rows", None), getattr(ws, "_writer", None)
            for close in (getattr(rows, "close", None), getattr(getattr(writer, "xf", None), "close", None),
                          getattr(writer, "cleanup", None)):
                if close is not None:
                    with contextlib.suppress(Exception):
                        close()
        with contextlib.suppress(Exception):
            archive.close()
        raise


def _selection(filters: Filters | None, selection: dict[str, Any]) -> Filters:
    """`filters`, or Filters.of(**selection) (a ValueError names what is wrong); not both."""
    if filters is not None and selection:
        raise TypeError(f"give Filters or keyword arguments, not both: {sorted(selection)}")
    return filters if filters is not None else Filters.of(**selection)


def write_report(store: Store, path: str | Path, filters: Filters | None = None, *, by: str = "auto",
                 **selection: Any) -> Path:
    """Write the Excel report of `filters` (or of the keyword arguments of `Filters.of`: since, until,
    products, sources, sentiments, topics, languages, min_rating, max_rating, replied, search) to `path`
    (parent folders created), its trends by `by` ("auto", "week", "month"). Returns the path.

    Written to a temporary file next to `path` and renamed, so a crash never leaves half a report.
    """
    f = _selection(filters, selection)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"report path must end in .xlsx: {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        build_workbook(store, tmp, f, by, own=str(path))  # `reviewlens report` records its run by the path
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def report_bytes(store: Store, filters: Filters | None = None, *, by: str = "auto", **selection: Any) -> bytes:
    """The Excel report of `filters` (or of `Filters.of`'s keyword arguments) as bytes (for the
    dashboard's download button), its trends by `by` ("auto", "week", "month")."""
    f = _selection(filters, selection)
    buf = io.BytesIO()
    build_workbook(store, buf, f, by)
    return buf.getvalue()
