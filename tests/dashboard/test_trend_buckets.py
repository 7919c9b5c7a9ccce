"""The trends group by week only when the selection has reviews enough a week (reviewlens.buckets): a small store
(26 reviews in three months) had weekly complaint shares leaping between 0% and 50% on the Overview and in the
report; now it gets months there, a big one weeks, and the Overview's Group by control overrides either."""

from __future__ import annotations

import json
from datetime import date

import pytest
from openpyxl import load_workbook

from dashboard import charts
from dashboard.report import write_report
from reviewlens import queries as Q
from reviewlens.filters import Filters
from reviewlens.store import Store

from tests.dashboard.volume_seed import ANCHOR, BIG, FIRST, SMALL, fill
from tests.helpers import app_test, as_read

pytestmark = pytest.mark.timeout(120)

F = Filters.of(since=FIRST, until=ANCHOR)


@pytest.fixture
def small(tmp_path) -> tuple[Store, str]:
    path = tmp_path / "small.db"
    st = Store(path)
    fill(st, SMALL)
    yield st, str(path)
    st.close()


@pytest.fixture
def big(tmp_path) -> Store:
    st = Store(tmp_path / "big.db")
    fill(st, BIG)
    yield st
    st.close()


def _first_days(periods) -> bool:
    return all(p.day == 1 for p in periods)


def _mondays(periods) -> bool:
    return all(p.weekday() == 0 for p in periods)


def test_overview_and_its_charts_by_volume(small, big):
    ov = Q.overview(small[0], F)
    assert ov.granularity == "month"
    assert _first_days(ov.timeseries["period"]) and len(ov.timeseries) == 3  # August to October
    assert _first_days(ov.theme_series["period"]) and not ov.theme_series.empty
    spec = charts.complaints_over_time(ov.theme_series, ov.granularity).to_dict()
    assert spec["title"] == "Top complaints per month (% of the month's reviews)"
    assert spec["layer"][0]["encoding"]["x"]["axis"]["tickCount"] == "month"
    assert charts.sentiment_over_time(ov.timeseries, ov.granularity).to_dict()["title"] == "Sentiment per month"

    ov = Q.overview(big, F)
    assert ov.granularity == "week"
    assert _mondays(ov.timeseries["period"]) and len(ov.timeseries) == 14
    assert _mondays(ov.theme_series["period"])
    assert charts.complaints_over_time(ov.theme_series, ov.granularity).to_dict()["title"].startswith(
        "Top complaints per week")
    # asked for: the small store by week after all
    assert Q.overview(small[0], F, by="week").granularity == "week"


def _trend_tables(path) -> dict[str, tuple]:
    """The report's trend tables: their title -> (the period column's header, its dates, their number format)."""
    wb = load_workbook(path)
    out = {}
    for sheet, col in (("Summary", 0), ("Top complaints", 1)):
        rows = list(wb[sheet].iter_rows())
        at = next(i for i, r in enumerate(rows) if str(r[col].value or "").startswith(("Sentiment per",
                                                                                       "Top complaints per")))
        cells = []
        for r in rows[at + 2:]:
            if r[col].value is None:
                break
            cells.append(r[col])
        out[sheet] = (rows[at][col].value, rows[at + 1][col].value, [c.value for c in cells],
                      {c.number_format for c in cells})
    return out


def test_report_trends_by_volume(small, big, tmp_path):
    tables = _trend_tables(write_report(small[0], tmp_path / "small.xlsx", F))
    title, header, dates, formats = tables["Summary"]
    assert (title, header, formats) == ("Sentiment per month", "Month", {"mmm yyyy"})
    assert _first_days(dates) and len(dates) == 3
    title, header, dates, formats = tables["Top complaints"]
    assert title.startswith("Top complaints per month") and header == "Month" and _first_days(dates)

    tables = _trend_tables(write_report(big, tmp_path / "big.xlsx", F))
    title, header, dates, formats = tables["Summary"]
    assert (title, header, formats) == ("Sentiment per week", "Week of", {"yyyy-mm-dd"})
    assert _mondays(dates) and len(dates) == 14
    assert tables["Top complaints"][0].startswith("Top complaints per week")

    tables = _trend_tables(write_report(small[0], tmp_path / "asked.xlsx", F, by="week"))
    assert tables["Summary"][:2] == ("Sentiment per week", "Week of") and _mondays(tables["Summary"][2])


def _titles(at) -> str:
    return json.dumps([json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")])


def test_group_by_overrides_auto(monkeypatch, small):
    """Auto groups the small store by month; Week and Month are kept across pages (in session state)."""
    at = app_test(monkeypatch, small[1])
    assert at.session_state["trend_by"] == "Auto"
    assert "Top complaints per month" in _titles(at) and "Sentiment per month" in _titles(at)
    assert any("Auto: by month" in c.value for c in at.caption)
    at.radio(key="_trend_by").set_value("Week").run()
    assert not at.exception
    assert at.session_state["trend_by"] == "Week"
    assert "Top complaints per week" in _titles(at) and "Sentiment per week" in _titles(at)
    assert "per month" not in _titles(at) and not any("Auto: by" in c.value for c in at.caption)
    at.sidebar.radio(key="page").set_value("Reviews").run()
    at.sidebar.radio(key="page").set_value("Overview").run()
    assert at.radio(key="_trend_by").value == "Week" and "Top complaints per week" in _titles(at)
    at.radio(key="_trend_by").set_value("Auto").run()
    assert "Top complaints per month" in _titles(at)


def test_group_by_is_kept_in_the_link(monkeypatch, small):
    """A link sent to a colleague showed the trends by Auto's month where the sender had chosen Week."""
    from tests.dashboard.test_link import _open

    at = app_test(monkeypatch, small[1])
    at.radio(key="_trend_by").set_value("Week").run()
    assert at.query_params["by"] == "week"
    opened = _open(monkeypatch, small[1], by="week")
    assert opened.radio(key="_trend_by").value == "Week" and "Top complaints per week" in _titles(opened)
    bad = _open(monkeypatch, small[1], by="fortnight")
    assert "Top complaints per month" in _titles(bad)
    assert any("by='fortnight' is not one of auto, week, month" in as_read(w.value) for w in bad.warning)


def test_the_downloaded_report_follows_group_by(monkeypatch, small, tmp_path):
    """The sidebar's Excel report said "per month" under weekly charts: Streamlit builds the file when the button
    is clicked, outside the page's run, where the session's Group by choice was not to be read (Auto). Here the
    file is built as Streamlit builds it, from the button's deferred id, after the run."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test as apptest_module

    managers: list[MediaFileManager] = []

    class Kept(MediaFileManager):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            managers.append(self)

    monkeypatch.setattr(apptest_module, "MediaFileManager", Kept)
    at = app_test(monkeypatch, small[1])
    at.radio(key="_trend_by").set_value("Week").run()
    assert not at.exception
    [button] = [b for b in at.get("download_button") if "Excel" in b.proto.label]
    url = managers[-1].execute_deferred(button.proto.deferred_file_id)
    data = managers[-1]._storage.get_file(url.rsplit("/", 1)[-1].split(".")[0]).content
    (tmp_path / "got.xlsx").write_bytes(data)
    tables = _trend_tables(tmp_path / "got.xlsx")
    assert tables["Summary"][:2] == ("Sentiment per week", "Week of"), tables["Summary"][:2]


def test_part_buckets_of_the_selection_are_marked(big):
    """A selection from a Thursday to a Friday had its first and last weeks charted as full weeks (on the demo,
    "Last 30 days" began with a week of 2 days and 5 reviews with a theme at 40%); a 3-day period was one
    month's point "of the month's reviews". Now the overview's series say how many of each bucket's days the
    selection covers, and the charts mark the part ones."""
    f = Filters.of(since=date(2026, 10, 15), until=ANCHOR)  # Thursday 15 Oct to Friday 30 Oct
    ov = Q.overview(big, f, by="week")
    ts = ov.timeseries
    assert [p.date() for p in ts["period"]] == [date(2026, 10, 12), date(2026, 10, 19), date(2026, 10, 26)]
    assert list(ts["days"]) == [4, 7, 5] and list(ts["bucket_days"]) == [7, 7, 7]
    assert list(ts["partial"]) == [True, False, True]
    th = ov.theme_series
    assert not th.empty and list(th["days"]) == [4, 7, 5] and list(th["partial"]) == [True, False, True]
    assert list(th["total"]) == list(ts["reviews"])  # the week's reviews, which the percent is of
    spec = charts.complaints_over_time(th, ov.granularity).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert rows[0]["covers"] == f"4 of 7 days, {ts['reviews'][0]} reviews" and rows[1]["covers"].startswith("all 7")
    assert spec["layer"][0]["encoding"]["x"]["title"].startswith("Hollow points")

    three = Q.overview(big, Filters.of(since=date(2026, 10, 20), until=date(2026, 10, 22)))
    assert three.granularity == "month" and list(three.timeseries["days"]) == [3]
    assert list(three.timeseries["bucket_days"]) == [31] and bool(three.timeseries["partial"][0])
    spec = charts.sentiment_over_time(three.timeseries, three.granularity).to_dict()
    n = int(three.timeseries["reviews"][0])
    assert {r["covers"] for r in next(iter(spec["datasets"].values()))} == {f"3 of 31 days, {n} reviews"}

    whole = Q.overview(big, Filters.of(since=date(2026, 10, 5), until=date(2026, 10, 25)), by="week")
    assert not whole.timeseries["partial"].any() and not whole.theme_series["partial"].any()


def test_the_report_marks_part_buckets(big, tmp_path):
    """The dashboard draws a part week hollow ("4 of 7 days"); the report's tables listed it as a full week, so a
    week of four days' reviews read as a drop in volume. Now both trend tables say which are part ones."""
    f = Filters.of(since=date(2026, 10, 15), until=ANCHOR)  # Thursday 15 Oct to Friday 30 Oct
    wb = load_workbook(write_report(big, tmp_path / "part.xlsx", f, by="week"))
    rows = [[c.value for c in r] for r in wb["Summary"].iter_rows()]
    at = next(i for i, r in enumerate(rows) if r[0] == "Sentiment per week")
    assert rows[at + 1][:7] == ["Week of", "Positive", "Neutral", "Negative", "Average rating", "Reviews", "Part"]
    assert [r[6] for r in rows[at + 2:at + 5]] == ["4 of 7 days", None, "5 of 7 days"]
    assert wb["Summary"].cell(at + 3, 1).font.i and not wb["Summary"].cell(at + 4, 1).font.i
    rows = [[c.value for c in r] for r in wb["Top complaints"].iter_rows()]
    at = next(i for i, r in enumerate(rows) if str(r[1] or "").startswith("Top complaints per week"))
    part = rows[at + 1].index("Part")
    assert [r[part] for r in rows[at + 2:at + 5]] == ["4 of 7 days", None, "5 of 7 days"]
    [chart] = wb["Top complaints"]._charts
    assert chart.anchor._from.col >= part + 1  # the chart right of the table, not over its Part column
