"""Altair chart specifications for the dashboard (data in, chart out; no Streamlit here)."""

from __future__ import annotations

import logging

import altair as alt
import pandas as pd

log = logging.getLogger(__name__)

SENTIMENT_COLORS = {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}
_SENT_SCALE = alt.Scale(domain=list(SENTIMENT_COLORS), range=list(SENTIMENT_COLORS.values()))


def sentiment_over_time(ts: pd.DataFrame, granularity: str) -> alt.Chart:
    """Stacked bars of reviews per period by sentiment."""
    long = ts[["period", "positive", "neutral", "negative"]].melt(
        id_vars=["period"], var_name="sentiment", value_name="reviews")
    fmt = "%b %Y" if granularity == "month" else "%d %b %Y"
    return (alt.Chart(long, title=f"Sentiment per {granularity}")
            .mark_bar()
            .encode(x=alt.X("yearmonthdate(period):O", title=None, axis=alt.Axis(format=fmt, labelAngle=-45,
                                                                                  labelOverlap=True)),
                    y=alt.Y("reviews:Q", title="Reviews", stack="zero"),
                    color=alt.Color("sentiment:N", scale=_SENT_SCALE, sort=list(SENTIMENT_COLORS), title="Sentiment"),
                    order=alt.Order("sentiment_order:Q"),
                    tooltip=[alt.Tooltip("period:T", format=fmt), "sentiment:N", "reviews:Q"])
            .transform_calculate(sentiment_order="indexof(['positive','neutral','negative'], datum.sentiment)"))


def _change_rules(marks: pd.DataFrame | None) -> list[alt.Chart]:
    """A dashed vertical rule at each change the user made (columns day, change; dashboard.changes), with
    its description as the tooltip: [] when there is none."""
    if marks is None or marks.empty:
        return []
    return [alt.Chart(marks).mark_rule(color="#555", strokeDash=[2, 2], strokeWidth=1.5).encode(
        x="day:T", tooltip=[alt.Tooltip("day:T", title="Change on", format="%d %b %Y"),
                            alt.Tooltip("change:N", title="What changed")])]


#: An axis of counts: whole numbers (a count of one had ticks at 0.05, 0.10, ...).
_COUNT_AXIS = alt.Axis(format="d", tickMinStep=1)


def _time_axis(granularity: str) -> alt.Axis:
    """A period axis: one tick per month for monthly points (the default ticks, twice a month, labelled
    "Aug 2026, Aug 2026, Sep 2026, ..." and put the last month past the last label), a date for weeks."""
    if granularity == "month":
        return alt.Axis(format="%b %Y", tickCount="month", labelAngle=-45)
    return alt.Axis(format="%d %b %Y")


def complaints_over_time(long: pd.DataFrame, granularity: str, marks: pd.DataFrame | None = None) -> alt.Chart:
    """One line per top complaint theme: the percent of each period's reviews that raise it. Columns:
    period, theme, reviews, percent (reviewlens.queries.theme_timeseries); `marks`: the changes to mark."""
    fmt = "%b %Y" if granularity == "month" else "%d %b %Y"
    order = list(dict.fromkeys(long["theme"]))  # the themes' rank order, for the legend
    lines = (alt.Chart(long).mark_line(point=True)
             .encode(x=alt.X("period:T", title=None, axis=_time_axis(granularity)),
                     y=alt.Y("percent:Q", title="% of reviews"),
                     color=alt.Color("theme:N", title=None, sort=order, legend=alt.Legend(labelLimit=220)),
                     tooltip=["theme:N", alt.Tooltip("period:T", format=fmt), "reviews:Q",
                              alt.Tooltip("percent:Q", format=".1f")]))
    return alt.layer(lines, *_change_rules(marks)).properties(
        title=f"Top complaints per {granularity} (% of the {granularity}'s reviews)", height=260)


def rating_over_time(ts: pd.DataFrame, granularity: str, marks: pd.DataFrame | None = None) -> alt.Chart:
    """Average rating (line, left axis) and net sentiment (dashed line, right axis) per period; `marks`:
    the changes to mark."""
    fmt = "%b %Y" if granularity == "month" else "%d %b %Y"
    base = alt.Chart(ts).encode(x=alt.X("period:T", title=None, axis=_time_axis(granularity)))
    rating = base.mark_line(point=True, color="#1565c0").encode(
        y=alt.Y("avg_rating:Q", title="Average rating", scale=alt.Scale(domain=[1, 5])),
        tooltip=[alt.Tooltip("period:T", format=fmt), alt.Tooltip("avg_rating:Q", format=".2f"), "reviews:Q"])
    net = base.mark_line(strokeDash=[4, 3], color="#ef6c00").encode(
        y=alt.Y("net_sentiment:Q", title="Net sentiment (pp)", scale=alt.Scale(domain=[-100, 100])),
        tooltip=[alt.Tooltip("period:T", format=fmt), alt.Tooltip("net_sentiment:Q", format=".1f")])
    chart = alt.layer(rating, net).resolve_scale(y="independent")
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
                                    legend=alt.Legend(orient="top", labelLimit=400)),
                    opacity=alt.condition("datum.few", alt.value(0.3), alt.value(1.0)),
                    tooltip=["group:N", "topic:N", alt.Tooltip("percent:Q", format=".1f")])
            .properties(height=alt.Step(9)))  # per bar: the chart grows with topics x groups, compactly
