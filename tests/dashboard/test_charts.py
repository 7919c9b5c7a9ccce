"""The charts' Vega-Lite specs where a default of Vega-Lite reads wrong."""

from __future__ import annotations

import pandas as pd

from dashboard import charts


def test_monthly_points_get_one_tick_a_month():
    """Monthly points on the default time axis were labelled "Aug 2026, Aug 2026, Aug 2026, Sep 2026, ..." (two
    ticks a month), and November's point sat past the last label; weeks keep their dates."""
    themes = pd.DataFrame({"period": pd.to_datetime(["2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01"]),
                           "theme": ["Late"] * 4, "reviews": [1, 2, 3, 4], "percent": [10.0, 20.0, 30.0, 40.0]})
    ratings = pd.DataFrame({"period": themes["period"], "avg_rating": [3.0, 3.5, 2.5, 4.0],
                            "net_sentiment": [0.0, 10.0, -10.0, 20.0], "reviews": [1, 2, 3, 4]})
    for chart in (charts.complaints_over_time(themes, "month"), charts.rating_over_time(ratings, "month")):
        axis = chart.to_dict()["layer"][0]["encoding"]["x"]["axis"]
        assert axis["tickCount"] == "month" and axis["format"] == "%b %Y", axis
    weekly = charts.complaints_over_time(themes, "week").to_dict()["layer"][0]["encoding"]["x"]["axis"]
    assert "tickCount" not in weekly and weekly["format"] == "%d %b %Y"


def test_entity_types_and_counts_read_as_elsewhere():
    """The entities chart said "Pulse (ORG)" where the sidebar and `reviewlens mentions` say company, and a count
    of one had ticks at 0.05, 0.10, ..."""
    df = pd.DataFrame({"entity": ["Pulse", "Marco"], "type": ["ORG", "PERSON"], "mentions": [1, 1],
                       "positive": [1, 0], "neutral": [0, 0], "negative": [0, 1]})
    spec = charts.entities(df).to_dict()
    names = {row["name"] for row in spec["datasets"][spec["data"]["name"]]}
    assert names == {"Pulse (company)", "Marco (person)"}, names
    assert spec["encoding"]["x"]["axis"] == {"format": "d", "tickMinStep": 1}


def test_complaint_shares_name_each_groups_size_and_pale_the_small_ones():
    long = pd.DataFrame({"topic": ["Delivery", "Delivery", "Price", "Price"], "group": ["Kettle", "Mug"] * 2,
                         "percent": [50.0, 33.3, 10.0, 0.0]})
    spec = charts.complaint_shares(long, ["Kettle", "Mug"], {"Kettle": 40, "Mug": 1}, 10).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Kettle (40 reviews)", "Mug (1 review)"]
    rows = next(iter(spec["datasets"].values()))
    assert {r["group"]: r["few"] for r in rows} == {"Kettle (40 reviews)": False, "Mug (1 review)": True}
    plain = charts.complaint_shares(long, ["Kettle", "Mug"]).to_dict()  # without sizes: as before
    assert plain["encoding"]["color"]["scale"]["domain"] == ["Kettle", "Mug"]
    assert not any(r["few"] for r in next(iter(plain["datasets"].values())))


def _weekly(partial_first: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three weeks' trends with the week of 19 Oct empty: the timeseries and the complaint theme series; the
    first week, when `partial_first`, holds 2 of its 7 days (as "Last 30 days" from a Saturday does)."""
    periods = pd.to_datetime(["2026-10-12", "2026-10-26", "2026-11-02"])
    days = [2 if partial_first else 7, 7, 7]
    ts = pd.DataFrame({"period": periods, "reviews": [5, 20, 1], "avg_rating": [2.2, 3.0, 4.0],
                       "positive": [1, 10, 1], "neutral": [0, 2, 0], "negative": [4, 8, 0],
                       "net_sentiment": [-60.0, 10.0, 100.0], "days": days, "bucket_days": [7, 7, 7],
                       "partial": [d < 7 for d in days]})
    themes = pd.DataFrame({"period": periods, "theme": ["Packaging"] * 3, "reviews": [2, 3, 0],
                           "percent": [40.0, 15.0, 0.0], "total": [5, 20, 1], "days": days, "bucket_days": [7, 7, 7],
                           "partial": [d < 7 for d in days]})
    return ts, themes


def _leaves(spec: dict) -> list[dict]:
    """The unit specs of a (nested) layer spec, with the encoding of the layers above them merged in."""
    out = []

    def walk(node: dict, encoding: dict) -> None:
        enc = {**encoding, **node.get("encoding", {})}
        if "layer" in node:
            for child in node["layer"]:
                walk(child, enc)
        else:
            out.append({**node, "encoding": enc})
    walk(spec, {})
    return out


def _rows(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def test_sentiment_counts_get_whole_number_ticks():
    """The weekly sentiment bars' axis read 0.0, 0.5, 1.0 ... reviews."""
    spec = charts.sentiment_over_time(_weekly()[0], "week").to_dict()
    assert spec["encoding"]["y"]["axis"] == {"format": "d", "tickMinStep": 1}


def test_rating_chart_names_its_two_lines():
    """"Average rating and net sentiment" drew a blue and a dashed orange line and named neither."""
    spec = charts.rating_over_time(_weekly()[0], "week").to_dict()
    colors = [leaf["encoding"].get("color") for leaf in _leaves(spec) if leaf["mark"]["type"] == "line"]
    assert [c["datum"] for c in colors] == ["Average rating", "Net sentiment (pp)"], colors
    assert colors[0]["scale"]["domain"] == ["Average rating", "Net sentiment (pp)"]
    assert colors[0]["legend"] is not None  # a legend, not legend=None
    titles = [leaf["encoding"]["y"]["axis"]["titleColor"] for leaf in _leaves(spec) if leaf["mark"]["type"] == "line"]
    assert titles == list(charts.RATING_SERIES.values())  # each axis in its line's colour


def test_trend_charts_tick_each_bucket_start_alike():
    """The three trend charts had different ticks for the same weeks (13, 17, 21 Oct on the lines; the bars'
    week starts) and the lines' points fell between the labels: now each has a tick at every week's Monday
    (the empty week of 19 Oct too), where its point, or the middle of its bar, sits."""
    ts, themes = _weekly()
    mondays = [{"year": 2026, "month": m, "date": d, "hours": 0, "minutes": 0}
               for m, d in ((10, 12), (10, 19), (10, 26), (11, 2))]
    specs = {"themes": charts.complaints_over_time(themes, "week").to_dict(),
             "sentiment": charts.sentiment_over_time(ts, "week").to_dict(),
             "rating": charts.rating_over_time(ts, "week").to_dict()}
    for name, spec in specs.items():
        leaves = [leaf for leaf in _leaves(spec) if "x" in leaf["encoding"]]
        for leaf in leaves:
            x = leaf["encoding"]["x"]
            assert x["axis"]["values"] == mondays and x["axis"]["format"] == "%d %b %Y", (name, x)
            assert x["scale"]["domain"] == [{"year": 2026, "month": 10, "date": 8, "hours": 12, "minutes": 0},
                                            {"year": 2026, "month": 11, "date": 5, "hours": 12, "minutes": 0}], name
        if name == "sentiment":  # bars centred on the Monday
            for r in _rows(spec):
                start, end, period = (pd.Timestamp(r[k]) for k in ("start", "end", "period"))
                assert start + (end - start) / 2 == period
        else:  # points on it
            assert {leaf["encoding"]["x"]["field"] for leaf in leaves} == {"period"}


def test_part_buckets_are_marked_not_drawn_as_full():
    """A week the selected period covers 2 days of (5 reviews, Packaging at 40%) was drawn as a full week: its
    points are now hollow, its bars pale, the tooltip says "2 of 7 days, 5 reviews" and the axis says why."""
    ts, themes = _weekly()
    spec = charts.complaints_over_time(themes, "week").to_dict()
    assert [r["covers"] for r in _rows(spec)] == ["2 of 7 days, 5 reviews", "all 7 days, 20 reviews",
                                                  "all 7 days, 1 review"]
    points = [leaf for leaf in _leaves(spec) if leaf["mark"]["type"] == "point"]
    assert {(p["mark"]["filled"], p["transform"][0]["filter"]) for p in points} == {
        (True, "!datum.partial"), (False, "datum.partial")}
    assert any(t.get("field") == "covers" for t in points[0]["encoding"]["tooltip"])
    assert spec["layer"][0]["encoding"]["x"]["title"].startswith("Hollow points: part weeks")
    rating = charts.rating_over_time(ts, "week").to_dict()
    assert sum(leaf["mark"]["type"] == "point" and not leaf["mark"]["filled"] for leaf in _leaves(rating)) == 2
    bars = charts.sentiment_over_time(ts, "week").to_dict()
    assert bars["encoding"]["opacity"]["condition"]["test"] == "datum.partial"
    assert bars["encoding"]["x"]["title"].startswith("Pale bars: part weeks")
    assert {r["covers"] for r in _rows(bars) if r["partial"]} == {"2 of 7 days, 5 reviews"}
    # every week whole: nothing marked, no note
    full = charts.complaints_over_time(_weekly(partial_first=False)[1], "week").to_dict()
    assert not any(r["partial"] for r in _rows(full)) and full["layer"][0]["encoding"]["x"].get("title") is None
