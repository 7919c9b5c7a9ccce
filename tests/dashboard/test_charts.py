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
