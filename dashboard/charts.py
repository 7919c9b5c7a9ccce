"""Altair chart specifications for the dashboard (data in, chart out; no Streamlit here)."""

from __future__ import annotations

import logging

import altair as alt
import pandas as pd

log = logging.getLogger(__name__)

SENTIMENT_COLORS = {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}
_SENT_SCALE = alt.Scale(domain=list(SENTIMENT_COLORS), range=list(SENTIMENT_COLORS.values()))

#: An axis of counts: whole numbers (a count of one had ticks at 0.05, 0.10, ...).
_COUNT_AXIS = alt.Axis(format="d", tickMinStep=1)


#: How a period's date reads, by bucket: a week by its Monday, a month by name.
_PERIOD_FORMAT = {"week": "%d %b %Y", "month": "%b %Y"}
_PERIOD_TITLE = {"week": "Week of", "month": "Month"}


def _dt(t: pd.Timestamp) -> alt.DateTime:
    """`t` as a Vega-Lite date-time, in local time as the data's dates are ("2026-10-12T00:00:00")."""
    return alt.DateTime(year=t.year, month=t.month, date=t.day, hours=t.hour, minutes=t.minute)


def _bucket_length(start: pd.Timestamp, granularity: str) -> pd.Timedelta:
    return pd.Timedelta(days=7 if granularity == "week" else start.days_in_month)


def _bucket_starts(periods: pd.Series, granularity: str) -> list[pd.Timestamp]:
    """Every bucket's first day from the first of `periods` to the last, those with no reviews too."""
    first, last = pd.Timestamp(periods.min()), pd.Timestamp(periods.max())
    return list(pd.date_range(first, last, freq="W-MON" if granularity == "week" else "MS"))


def _time_x(field: str, periods: pd.Series, granularity: str, partial_note: str | None = None,
            marks: pd.DataFrame | None = None) -> alt.X:
    """The trend charts' shared time axis: a tick and label at each bucket's first day, where the bucket's
    point (or the middle of its bar) sits, the same on every trend chart (Vega-Lite's own ticks fell on 13,
    17, 21 Oct between the weekly points); half a bucket either side, so the first and last bars fit; and,
    when some bucket is a part one, what marks it as the axis title."""
    starts = _bucket_starts(periods, granularity)
    lo = starts[0] - _bucket_length(starts[0], granularity) / 2
    hi = starts[-1] + _bucket_length(starts[-1], granularity) / 2
    if marks is not None and not marks.empty:  # a change after the last bucket's middle is still drawn
        lo, hi = min(lo, pd.Timestamp(marks["day"].min())), max(hi, pd.Timestamp(marks["day"].max()))
    # one tick a month for monthly points (Vega-Lite's default ticks, twice a month, labelled "Aug 2026,
    # Aug 2026, Sep 2026, ..."): the values say so, tickCount too where they are not used
    extra = {"tickCount": "month"} if granularity == "month" else {}
    axis = alt.Axis(format=_PERIOD_FORMAT[granularity], values=[_dt(t) for t in starts], labelAngle=-45,
                    labelOverlap=True, titleFontWeight="normal", titleColor="#666", **extra)
    return alt.X(f"{field}:T", title=partial_note, axis=axis, scale=alt.Scale(domain=[_dt(lo), _dt(hi)]))


def _covers(df: pd.DataFrame, reviews: str = "reviews") -> pd.DataFrame:
    """`df` with partial (False where the query did not say) and covers, what its bucket holds: "all 7 days,
    40 reviews", or "2 of 7 days, 5 reviews" for a bucket the selected period covers only in part (its
    first week of "Last 30 days"; the month of a 3-day period): columns days, bucket_days of
    reviewlens.queries.timeseries."""
    if not {"days", "bucket_days"} <= set(df.columns):
        return df.assign(partial=False, covers=[f"{n:,} review{'s' if n != 1 else ''}" for n in df[reviews]])
    covers = [f"{d} of {b} days, {n:,} review{'s' if n != 1 else ''}" if d < b
              else f"all {b} days, {n:,} review{'s' if n != 1 else ''}"
              for d, b, n in zip(df["days"], df["bucket_days"], df[reviews])]
    return df.assign(partial=df["days"] < df["bucket_days"], covers=covers)


def _partial_note(df: pd.DataFrame, granularity: str, how: str) -> str | None:
    """The axis title that says what marks a part bucket (`how`: "Hollow points", "Pale bars"), or None."""
    if not df["partial"].any():
        return None
    return f"{how}: part {granularity}s, only some of their days selected"


def sentiment_over_time(ts: pd.DataFrame, granularity: str) -> alt.Chart:
    """Stacked bars of reviews per period by sentiment, each centred on its period's first day (the trend
    charts' shared time axis); a period the selection covers only in part is pale."""
    ts = _covers(ts)
    long = ts[["period", "partial", "covers", "positive", "neutral", "negative"]].melt(
        id_vars=["period", "partial", "covers"], var_name="sentiment", value_name="reviews")
    # each bar spans 80% of its period, centred on the period's first day; stacked here, positive at the
    # bottom (Vega-Lite does not stack bars that have an x2)
    width = pd.Series([_bucket_length(p, granularity) * 0.4 for p in long["period"]], index=long.index)
    long = long.assign(start=long["period"] - width, end=long["period"] + width,
                       order=long["sentiment"].map(list(SENTIMENT_COLORS).index)).sort_values(["period", "order"])
    long["top"] = long.groupby("period")["reviews"].cumsum()
    long["bottom"] = long["top"] - long["reviews"]
    fmt = _PERIOD_FORMAT[granularity]
    return (alt.Chart(long, title=f"Sentiment per {granularity}")
            .mark_bar()
            .encode(x=_time_x("start", ts["period"], granularity, _partial_note(ts, granularity, "Pale bars")),
                    x2="end:T",
                    y=alt.Y("top:Q", title="Reviews", axis=_COUNT_AXIS), y2="bottom:Q",
                    color=alt.Color("sentiment:N", scale=_SENT_SCALE, sort=list(SENTIMENT_COLORS), title="Sentiment"),
                    opacity=alt.condition("datum.partial", alt.value(0.4), alt.value(1.0)),
                    tooltip=[alt.Tooltip("period:T", title=_PERIOD_TITLE[granularity], format=fmt),
                             "sentiment:N", "reviews:Q", alt.Tooltip("covers:N", title=f"The {granularity}")]))


def _change_rules(marks: pd.DataFrame | None) -> list[alt.Chart]:
    """A dashed vertical rule at each change the user made (columns day, change; dashboard.changes), with
    its description as the tooltip: [] when there is none."""
    if marks is None or marks.empty:
        return []
    return [alt.Chart(marks).mark_rule(color="#555", strokeDash=[2, 2], strokeWidth=1.5, clip=True).encode(
        x="day:T", tooltip=[alt.Tooltip("day:T", title="Change on", format="%d %b %Y"),
                            alt.Tooltip("change:N", title="What changed")])]


def _points(base: alt.Chart, tooltip: list) -> list[alt.Chart]:
    """A line's points: filled, and hollow where the period is covered only in part (column partial)."""
    return [base.mark_point(filled=True, size=45, opacity=1).encode(tooltip=tooltip)
            .transform_filter("!datum.partial"),
            base.mark_point(filled=False, fill="white", size=45, strokeWidth=2, opacity=1).encode(tooltip=tooltip)
            .transform_filter("datum.partial")]


def complaints_over_time(long: pd.DataFrame, granularity: str, marks: pd.DataFrame | None = None) -> alt.Chart:
    """One line per top complaint theme: the percent of each period's reviews that raise it, a hollow point
    where the period is covered only in part. Columns: period, theme, reviews, percent, and total, days,
    bucket_days (reviewlens.queries.theme_timeseries); `marks`: the changes to mark."""
    fmt = _PERIOD_FORMAT[granularity]
    long = _covers(long, "total" if "total" in long.columns else "reviews")
    order = list(dict.fromkeys(long["theme"]))  # the themes' rank order, for the legend
    base = alt.Chart(long).encode(
        x=_time_x("period", long["period"], granularity, _partial_note(long, granularity, "Hollow points"), marks),
        y=alt.Y("percent:Q", title="% of reviews"),
        color=alt.Color("theme:N", title=None, sort=order, legend=alt.Legend(labelLimit=220)))
    tooltip = ["theme:N", alt.Tooltip("period:T", title=_PERIOD_TITLE[granularity], format=fmt),
               alt.Tooltip("reviews:Q", title="Reviews with it"),
               alt.Tooltip("percent:Q", title=f"% of the {granularity}'s reviews", format=".1f"),
               alt.Tooltip("covers:N", title=f"The {granularity}")]
    return alt.layer(base.mark_line(), *_points(base, tooltip), *_change_rules(marks)).properties(
        title=f"Top complaints per {granularity} (% of the {granularity}'s reviews)", height=260)


#: The rating chart's two lines, named in its legend (they were a blue and a dashed orange line, unnamed).
RATING_SERIES = {"Average rating": "#1565c0", "Net sentiment (pp)": "#ef6c00"}


def rating_over_time(ts: pd.DataFrame, granularity: str, marks: pd.DataFrame | None = None) -> alt.Chart:
    """Average rating (line, left axis) and net sentiment (dashed line, right axis) per period, named in a
    legend and by their axes' colours; a hollow point where the period is covered only in part. `marks`:
    the changes to mark."""
    fmt = _PERIOD_FORMAT[granularity]
    ts = _covers(ts)
    x = _time_x("period", ts["period"], granularity, _partial_note(ts, granularity, "Hollow points"), marks)
    colors = alt.Scale(domain=list(RATING_SERIES), range=list(RATING_SERIES.values()))
    legend = alt.Legend(title=None, orient="top", symbolType="stroke", symbolStrokeWidth=2.5)
    when = [alt.Tooltip("period:T", title=_PERIOD_TITLE[granularity], format=fmt),
            alt.Tooltip("covers:N", title=f"The {granularity}")]

    def series(name: str, field: str, scale: list[float], dash: list[int] | None) -> alt.LayerChart:
        base = alt.Chart()
        line = base.mark_line(strokeDash=dash) if dash else base.mark_line()
        tooltip = [alt.Tooltip(f"{field}:Q", title=name, format=".2f" if field == "avg_rating" else ".1f"), *when]
        return alt.layer(line, *_points(base, tooltip), data=ts).encode(
            x=x, y=alt.Y(f"{field}:Q", title=name, scale=alt.Scale(domain=scale),
                         axis=alt.Axis(titleColor=RATING_SERIES[name])),
            color=alt.Color(datum=name, scale=colors, legend=legend))

    chart = alt.layer(series("Average rating", "avg_rating", [1, 5], None),
                      series("Net sentiment (pp)", "net_sentiment", [-100, 100], [4, 3])).resolve_scale(
        y="independent")
    rules = _change_rules(marks)
    if rules:
        chart = alt.layer(chart, *rules)
    return chart.properties(title=f"Average rating and net sentiment per {granularity}")


def topics_by_sentiment(df: pd.DataFrame) -> alt.Chart:
    """Horizontal stacked bars: reviews per topic, split by the topic's sentiment."""
    order = df.groupby("label")["reviews"].sum().sort_values(ascending=False).index.tolist()
    return (alt.Chart(df, title="Topics by sentiment").mark_bar()
            .encode(y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
                    x=alt.X("reviews:Q", title="Reviews", stack="zero"),
                    color=alt.Color("sentiment:N", scale=_SENT_SCALE, sort=list(SENTIMENT_COLORS), title="Sentiment"),
                    order=alt.Order("sentiment_order:Q"),
                    tooltip=["label:N", "sentiment:N", "reviews:Q"])
            .transform_calculate(sentiment_order="indexof(['positive','neutral','negative'], datum.sentiment)"))


def rating_distribution(df: pd.DataFrame) -> alt.Chart:
    """Bars of reviews per star rating."""
    d = df.assign(stars=df["rating"].map(lambda r: f"{r} ★"))
    return (alt.Chart(d, title="Rating distribution").mark_bar(color="#f9a825")
            .encode(x=alt.X("stars:N", sort=[f"{i} ★" for i in range(1, 6)], title=None, axis=alt.Axis(labelAngle=0)),
                    y=alt.Y("reviews:Q", title="Reviews", axis=_COUNT_AXIS), tooltip=["stars:N", "reviews:Q"]))


def entities(df: pd.DataFrame) -> alt.Chart:
    """Horizontal stacked bars: mentions per entity by what each says of it (the sentiment of the clause that
    names it; the review's sentiment in analyses made before that was stored: queries.top_entities)."""
    from reviewlens.mentions import kind_word  # "company", as the sidebar and `reviewlens mentions` say ORG

    d = df.assign(name=df["entity"] + " (" + df["type"].map(kind_word) + ")")
    long = d.melt(id_vars=["name", "mentions"], value_vars=["positive", "neutral", "negative"],
                  var_name="sentiment", value_name="count")
    order = d.sort_values("mentions", ascending=False)["name"].tolist()
    return (alt.Chart(long, title="Most-mentioned entities").mark_bar()
            .encode(y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
                    x=alt.X("count:Q", title="Mentions", stack="zero", axis=_COUNT_AXIS),
                    color=alt.Color("sentiment:N", scale=_SENT_SCALE, sort=list(SENTIMENT_COLORS), title="Sentiment"),
                    order=alt.Order("sentiment_order:Q"),
                    tooltip=["name:N", "sentiment:N", "count:Q", "mentions:Q"])
            .transform_calculate(sentiment_order="indexof(['positive','neutral','negative'], datum.sentiment)"))


def complaint_shares(long: pd.DataFrame, groups: list[str] | None = None, sizes: dict[str, int] | None = None,
                     min_group: int = 0) -> alt.Chart:
    """Grouped bars: for each topic, the percent of each group's reviews that complain about it.
    Columns: topic, group, percent. `groups`: their order (the table's: versions oldest first), not A-Z.
    `sizes`: each group's analyzed reviews, named in the legend ("iOS (1 review)"); a group with fewer than
    `min_group` is drawn pale, as a share of one review's 100% is no finding (comparison.MIN_GROUP)."""
    order = groups or sorted(long["group"].unique())
    sizes = sizes or {}

    def label(g: str) -> str:
        n = sizes.get(g)
        return g if n is None else f"{g} ({n:,} review{'s' if n != 1 else ''})"

    labels = [label(g) for g in order]
    long = long.assign(group=long["group"].map(label),
                       few=long["group"].map(lambda g: sizes.get(g, min_group) < min_group))
    return (alt.Chart(long, title="Reviews complaining about each topic")
            .mark_bar()
            .encode(y=alt.Y("topic:N", title=None, sort="-x"),
                    yOffset=alt.YOffset("group:N", sort=labels),
                    x=alt.X("percent:Q", title="% of the group's reviews"),
                    color=alt.Color("group:N", title=None, sort=labels, scale=alt.Scale(domain=labels),
                                    # a column of names: one line of five groups cut the last ones off
                                    legend=alt.Legend(orient="top", direction="vertical", labelLimit=400)),
                    opacity=alt.condition("datum.few", alt.value(0.3), alt.value(1.0)),
                    tooltip=["group:N", "topic:N", alt.Tooltip("percent:Q", format=".1f")])
            .properties(height=alt.Step(9)))  # per bar: the chart grows with topics x groups, compactly
