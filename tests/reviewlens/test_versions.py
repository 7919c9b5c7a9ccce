"""The version a review was written about (an app's release): read from an app-store export, kept in the
store, exported, filtered on, compared release by release (`compare --by version`), and linked to."""

from __future__ import annotations

import json
import random

import pytest

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.comparison import compare, group_names
from reviewlens.filters import Filters, version_key
from reviewlens.records_io import import_file
from reviewlens.schema import Analysis, Review, TopicMention
from reviewlens.store import Store
from reviewlens.views import View, from_query, to_query
from tests.helpers import write_csv

CRASH = "The app crashes every time I open the camera."
GOOD = "Works great, fast and simple."


def test_versions_sort_as_people_read_them():
    got = sorted(["3.10.1", "3.9", "v2", "3.10", "2.0-beta", "2.0", "10.0", "3.10.0", "2.0.1"], key=version_key)
    assert got == ["v2", "2.0-beta", "2.0", "2.0.1", "3.9", "3.10", "3.10.0", "3.10.1", "10.0"]


def _play_console_export(path, counts: dict[str, tuple[int, int]]) -> str:
    """Google Play's review export (its column names) with `counts`: version -> (crash reviews, good ones)."""
    rows, rng = [], random.Random(4)
    for month, (version, (crash, good)) in enumerate(counts.items(), start=9):
        for i in range(crash + good):
            bad = i < crash
            rows.append({"Package Name": "com.acme.notes", "App Version Name": version, "Reviewer Language": "en",
                         "Review Submit Date and Time": f"2026-{month:02d}-{rng.randint(1, 28):02d}T10:00:00Z",
                         "Star Rating": 1 if bad else 5, "Review Text": f"{CRASH if bad else GOOD} (#{len(rows)})",
                         "Developer Reply Text": ""})
    return write_csv(path, rows)


def _analyzed_store(tmp_path, counts: dict[str, tuple[int, int]], name: str = "a.db",
                    store: Store | None = None) -> Store:
    """The export imported into a new SQLite store (or `store`) and analyzed by hand (the crash reviews
    negative about bugs, the others positive), so the tests need no model."""
    path = _play_console_export(tmp_path / f"{name}.csv", counts)
    if store is None:
        assert main(["import", path, "--db", str(tmp_path / name), "-q"]) == 0
        store = Store(str(tmp_path / name))
    else:
        import_file(store, path)
    df = store.reviews_frame()
    store.save_analyses([Analysis(content_hash=h, model="m", prompt_version="v", status="ok",
                                  sentiment="negative" if CRASH in t else "positive", sentiment_score=0.9,
                                  topics=[TopicMention("bugs", "negative")] if CRASH in t else [])
                         for h, t in zip(df["content_hash"], df["text"])])
    return store


@pytest.fixture()
def releases(tmp_path, capsys):
    """A store of three releases: 3.10.0 broke the camera (crashes), 3.10.1 fixed it."""
    store = _analyzed_store(tmp_path, {"3.9.0": (2, 23), "3.10.0": (15, 10), "3.10.1": (3, 22)}, "app.db")
    capsys.readouterr()
    return store, str(tmp_path / "app.db")


def test_imported_versions_are_stored_exported_and_offered_newest_first(releases, tmp_path):
    store, db = releases
    opts = queries.options(store)
    assert opts.versions == ["3.10.1", "3.10.0", "3.9.0"]
    assert queries.count_reviews(store, Filters.of(versions=["3.10.0"])) == 25
    assert queries.count_reviews(store, Filters.of(versions=["3.10.0", "3.10.1"])) == 50
    assert "versions: 3.10.0" in Filters.of(versions="3.10.0").describe()
    out = tmp_path / "out.jsonl"
    assert main(["export", "-o", str(out), "--db", db, "-q"]) == 0
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["version"] for r in recs} == {"3.9.0", "3.10.0", "3.10.1"}
    back = tmp_path / "back.db"  # an export imports again with its versions
    assert main(["import", str(out), "--db", str(back), "-q"]) == 0
    assert queries.options(Store(str(back))).versions == ["3.10.1", "3.10.0", "3.9.0"]


def test_compare_by_version_finds_the_release_that_broke_it(releases, capsys):
    store, db = releases
    assert group_names(store, "version", Filters(), top=2) == ["3.10.0", "3.10.1"]  # the newest, oldest first
    result = compare(store, "version", Filters())
    assert [g.name for g in result.groups] == ["3.9.0", "3.10.0", "3.10.1"]
    gaps = {g.what: g for g in result.gaps()}
    assert gaps["bugs"].worse == "3.10.0" and gaps["rating"].worse == "3.10.0"
    assert main(["compare", "--by", "version", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "A = 3.9.0" in out and "B = 3.10.0" in out and "C = 3.10.1" in out
    assert "Bugs: 60% of reviews complain about it for 3.10.0" in out
    assert main(["compare", "--by", "version", "--app-version", "3.10.1", "--app-version", "3.10.0",
                 "--db", db]) == 0
    out = capsys.readouterr().out
    assert "A = 3.10.0" in out and "B = 3.10.1" in out and "3.9.0" not in out
    assert main(["compare", "--by", "product", "--app-version", "3.10.0", "--db", db]) == 0
    assert "25" in capsys.readouterr().out.split("Reviews", 1)[1].split("\n", 1)[0]  # only that release's


def test_compare_by_version_without_versions_says_where_they_come_from(tmp_path, capsys):
    db = str(tmp_path / "plain.db")
    plain = tmp_path / "r.csv"
    plain.write_text("text\nFine.\n", encoding="utf-8")
    assert main(["import", str(plain), "--db", db, "-q"]) == 0
    capsys.readouterr()
    assert main(["compare", "--by", "version", "--db", db]) == 0
    assert "no review says which version it was written about" in capsys.readouterr().out


def test_a_link_keeps_the_versions():
    view = View(page="Reviews", filters=Filters.of(versions=["3.10.0", "3.9"]))
    query = to_query(view)
    assert ("version", "3.9") in query and ("version", "3.10.0") in query
    back, problems = from_query({"page": "Reviews", "version": ["3.10.0", "3.9"]})
    assert not problems and back.filters.versions == ("3.9", "3.10.0")


@pytest.mark.timeout(120)
def test_dashboard_filters_and_compares_versions(releases, monkeypatch):
    from tests.helpers import app_test

    store, db = releases
    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    versions = at.sidebar.multiselect(key="f_versions")
    assert versions.options == ["3.10.1", "3.10.0", "3.9.0"]
    versions.set_value(["3.10.0"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric}["Reviews"] == "25"
    assert at.query_params["version"] in ("3.10.0", ["3.10.0"])  # the address is a link to this view
    at.sidebar.multiselect(key="f_versions").set_value([]).run()
    at.sidebar.radio(key="page").set_value("Compare").run()
    at.radio(key="cmp_by").set_value("version").run()
    assert not at.exception, [e.value for e in at.exception]
    assert sorted(at.dataframe[0].value["name"]) == ["3.10.0", "3.10.1", "3.9.0"]  # the scorecard: every version
    assert list(at.dataframe[-1].value.columns) == ["3.9.0", "3.10.0", "3.10.1"]  # then the three side by side
    spec = json.loads((at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"))[0].proto.spec)
    domain = [d.split(" (")[0] for d in spec["encoding"]["color"]["scale"]["domain"]]  # "3.9.0 (25 reviews)"
    assert domain == ["3.9.0", "3.10.0", "3.10.1"]  # not A-Z (3.10 < 3.9)
    said = " ".join(m.value for m in at.markdown).replace("\\", "").replace("\u200b", "")
    assert "60% of reviews complain about it for 3.10.0" in said


def test_a_release_reviewed_worse_than_the_one_before_raises_an_alert(tmp_path, capsys):
    from reviewlens.alerts import find_alerts, release_alerts
    from reviewlens.config import AlertSettings

    store = _analyzed_store(tmp_path, {"3.9.0": (2, 23), "3.10.0": (15, 10)})
    [alert] = release_alerts(store, AlertSettings())
    assert alert.kind == "release" and alert.key == "release:com-acme-notes:3-10-0"
    assert alert.title == "Reviewed worse than 3.9.0: com.acme.notes 3.10.0"
    text = "\n".join(alert.lines)
    assert "3.10.0: 25 reviews; compared with 3.9.0: 25 reviews, the version before it." in text
    assert "Bugs: 60% of reviews complain about it for 3.10.0 vs 8% for 3.9.0" in text and "Rating: 3.10.0" in text
    assert len(alert.quotes) == 2 and all(q["text"].startswith(CRASH) for q in alert.quotes)  # verbatim, on topic
    assert alert.view.filters.versions == ("3.10.0",)
    assert any(a.kind == "release" for a in find_alerts(store, AlertSettings(), record=False))
    assert not release_alerts(store, AlertSettings(new_release=False))
    assert not release_alerts(store, AlertSettings(min_reviews=30))  # too few reviews of each to tell

    fixed = _analyzed_store(tmp_path, {"3.9.0": (2, 23), "3.10.0": (15, 10), "3.10.1": (2, 23)}, "b.db")
    assert not release_alerts(fixed, AlertSettings())  # the newest is no worse than the one before it
    db = str(tmp_path / "a.db")
    assert main(["alerts", "check", "--dry-run", "--db", db]) == 0
    assert "Reviewed worse than 3.9.0: com.acme.notes 3.10.0" in capsys.readouterr().out


def test_a_hotfix_as_broken_as_its_release_is_compared_with_the_last_version_reviewed_well(tmp_path):
    """A store first checked after 4.2.1, a hotfix as broken as 4.2.0: the rule compared 4.2.1 with 4.2.0 only
    and never said either was worse than 4.1.2. It compares with the last version reviewed well and says so;
    versions reviewed alike raise nothing."""
    from reviewlens.alerts import release_alerts
    from reviewlens.config import AlertSettings

    store = _analyzed_store(tmp_path, {"4.1.0": (3, 27), "4.1.2": (3, 27), "4.2.0": (15, 15), "4.2.1": (16, 14)})
    [alert] = release_alerts(store, AlertSettings())
    assert alert.title == "Reviewed worse than 4.1.2: com.acme.notes 4.2.1" and alert.key == "release:com-acme-notes:4-2-1"
    assert alert.lines[0] == ("4.2.1: 30 reviews; compared with 4.1.2: 30 reviews, the last version reviewed no worse "
                              "than the one before it (4.2.0 in between was reviewed worse than 4.1.2 too).")
    assert any(line.startswith("Bugs: 53% of reviews complain about it for 4.2.1 vs 10% for 4.1.2") for line in alert.lines)

    steady = _analyzed_store(tmp_path, {"4.0.0": (3, 27), "4.1.0": (5, 25), "4.1.2": (2, 28), "4.2.0": (4, 26),
                                        "4.2.1": (6, 24)}, "steady.db")
    assert release_alerts(steady, AlertSettings()) == []
    assert compare(steady, "version", Filters()).gaps() == []


def test_the_report_has_a_versions_sheet_when_reviews_name_their_version(releases, tmp_path):
    import openpyxl

    store, db = releases
    out = tmp_path / "r.xlsx"
    assert main(["report", "-o", str(out), "--db", db, "-q"]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames.index("Versions") == wb.sheetnames.index("Products") + 1
    ws = wb["Versions"]
    assert [c.value for c in ws[1]][:4] == ["Measure", "3.9.0", "3.10.0", "3.10.1"]
    rows = {r[0].value: [c.value for c in r[1:4]] for r in ws.iter_rows(min_row=2) if r[0].value}
    assert rows["Reviews"] == [25, 25, 25] and rows["Bugs: % complaining"][1] == 60
    assert ws._charts  # the complaint shares, a native chart
    headers = [c.value for c in wb["Reviews"][1]]
    assert "Version" in headers
    one = tmp_path / "one.xlsx"  # the report of one release
    assert main(["report", "-o", str(one), "--app-version", "3.10.0", "--db", db, "-q"]) == 0
    wb = openpyxl.load_workbook(one)
    headers = [c.value for c in wb["Reviews"][1]]
    col = headers.index("Version")
    assert wb["Reviews"].max_row == 1 + 25 and "versions: 3.10.0" in str(wb["Summary"]["B3"].value)
    assert {r[col].value for r in wb["Reviews"].iter_rows(min_row=2)} == {"3.10.0"}
    plain = tmp_path / "plain.db"  # a store without versions has no such sheet
    Store(str(plain)).upsert_reviews([Review(source="shop", text="Works fine.", rating=4)])
    assert main(["report", "-o", str(tmp_path / "p.xlsx"), "--db", str(plain), "-q"]) == 0
    assert "Versions" not in openpyxl.load_workbook(tmp_path / "p.xlsx").sheetnames


def test_versions_on_both_databases(store, tmp_path):
    """The filter, the options, the comparison and the alert in SQL that SQLite and PostgreSQL both run."""
    from reviewlens.alerts import release_alerts
    from reviewlens.config import AlertSettings

    _analyzed_store(tmp_path, {"3.9.0": (2, 23), "3.10.0": (15, 10)}, store=store)
    assert queries.options(store).versions == ["3.10.0", "3.9.0"]
    assert queries.count_reviews(store, Filters.of(versions=["3.9.0"])) == 25
    assert queries.version_counts(store) == {"com.acme.notes": {"3.9.0": 25, "3.10.0": 25}}
    assert [g.name for g in compare(store, "version", Filters()).groups] == ["3.9.0", "3.10.0"]
    [alert] = release_alerts(store, AlertSettings())
    assert alert.title == "Reviewed worse than 3.9.0: com.acme.notes 3.10.0"


def test_a_release_praised_less_is_not_reviewed_worse(tmp_path):
    """3.10.1's reviews praise usability less than 3.9.0's but rate and complain alike: the comparison names
    the strength, and no release alert is raised for it."""
    from reviewlens.alerts import release_alerts
    from reviewlens.config import AlertSettings

    store = _analyzed_store(tmp_path, {"3.9.0": (2, 23), "3.10.1": (2, 23)}, "p.db")
    df = store.reviews_frame()
    store.save_analyses([Analysis(content_hash=h, model="m", prompt_version="v", status="ok",
                                  sentiment="negative" if CRASH in t else "positive", sentiment_score=0.9,
                                  topics=[TopicMention("bugs", "negative")] if CRASH in t else
                                  [TopicMention("usability", "positive")] if v == "3.9.0" else [])
                         for h, t, v in zip(df["content_hash"], df["text"], df["version"])])
    gaps = compare(store, "version", Filters()).gaps()
    assert [(g.what, g.worse) for g in gaps] == [("praise:usability", "3.10.1")]
    assert not release_alerts(store, AlertSettings())
