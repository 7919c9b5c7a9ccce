"""The Excel report as a manager reads it (read back with openpyxl, the charts' XML from the zip): which
period and which reviews each number is of, part weeks, the store's own review ids, the charts' axes."""

from __future__ import annotations

import re
import zipfile

from openpyxl import load_workbook

from dashboard.report import write_report

from tests.dashboard.seed import seeded_sqlite  # noqa: F401  (fixture)


def test_every_chart_shows_its_axes(seeded_sqlite, tmp_path):
    """openpyxl 3.1 leaves `<c:delete val="0"/>` out of an axis unless told, and Excel then hides the axes and
    their labels: every chart's category and value axis says it is shown."""
    store, _, _ = seeded_sqlite
    path = write_report(store, tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as z:
        charts = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")}
    assert len(charts) == 6
    for name, xml in charts.items():
        axes = re.findall(r"<(?:c:)?(catAx|valAx|dateAx)>(.*?)</(?:c:)?\1>", xml, re.S)
        assert len(axes) == 2, name
        for kind, body in axes:
            assert re.search(r'<(?:c:)?delete val="0"\s*/>', body), (name, kind)


def test_the_arrow_column_has_a_header(seeded_sqlite, tmp_path):
    """The Top complaints sheet's ▲/▼ column had an empty header: a manager could not tell what it was."""
    store, _, _ = seeded_sqlite
    ws = load_workbook(write_report(store, tmp_path / "r.xlsx"))["Top complaints"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(r for r in rows if r[0] == "Rank")
    arrows = [r[head.index("Trend (pp)") + 1] for r in rows[rows.index(head) + 1:] if isinstance(r[0], int)]
    assert "▲" in arrows and head[head.index("Trend (pp)") + 1] == "Up/down"


def test_a_review_on_several_lines_is_wrapped(sqlite_store, tmp_path):
    """A review written on several lines ("Pros:\\n- ...") was stored intact but its cell was not wrap-formatted,
    so Excel showed it as one run-on line; a formula-like one is wrapped too and stays text."""
    from reviewlens.schema import Review

    lines = "Pros:\n- great plans 💪\nCons:\n- crashes"
    formula = "=1+1\nand a second line"
    sqlite_store.upsert_reviews([Review(source="app-stores", text=t, rating=3, site_review_id=str(i))
                                 for i, t in enumerate([lines, formula, "One line only."])])
    ws = load_workbook(write_report(sqlite_store, tmp_path / "r.xlsx"))["Reviews"]
    head = [c.value for c in ws[1]]
    cells = {r[head.index("Text")].value: r[head.index("Text")] for r in ws.iter_rows(min_row=2)}
    assert cells[lines].alignment.wrap_text
    assert cells[formula].alignment.wrap_text and cells[formula].quotePrefix and cells[formula].data_type == "s"
    assert not cells["One line only."].alignment.wrap_text


def test_the_reports_own_run_is_listed_as_this_report(seeded_sqlite, tmp_path):
    """The Runs sheet listed the report's own run as 'running' with no finish time, as if it had hung; it is
    'this report' there, and recorded 'ok' in the run history once written."""
    from reviewlens.app.jobs import run_report

    store, _, _ = seeded_sqlite
    path = run_report(store, tmp_path / "weekly.xlsx")
    runs = list(load_workbook(path)["Runs"].iter_rows(min_row=2, values_only=True))
    mine = [r for r in runs if r[1] == "report"]
    assert len(mine) == 1 and mine[0][2] == str(path) and mine[0][4] == "this report"
    assert {r[4] for r in runs} == {"this report", "ok", "partial"}
    assert store.list_runs(limit=1)[0]["status"] == "ok"


def test_the_summary_marks_part_weeks_of_all_reviews(sqlite_store, tmp_path):
    """The Summary's "Sentiment per week" of a report of all reviews left the first and the last week unmarked
    (reviews from a Friday to a Thursday: 3 and 4 of 7 days), while the Top complaints table marked them: 20
    reviews in 4 days read as a flat week. Both mark them now (italic week, "4 of 7 days")."""
    from datetime import date, timedelta

    from reviewlens.schema import Analysis, Review

    first = date(2026, 9, 4)  # a Friday
    revs = [Review(source="app-stores", text=f"Review {i}", rating=1 + i % 5, date=first + timedelta(days=i))
            for i in range(91)]  # ... to Thursday 2026-12-03
    sqlite_store.upsert_reviews(revs)
    sqlite_store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p",
                                         sentiment="neutral") for r in revs])
    ws = load_workbook(write_report(sqlite_store, tmp_path / "r.xlsx", by="week"))["Summary"]
    rows = list(ws.iter_rows())
    head = next(i for i, r in enumerate(rows) if r[0].value == "Week of")
    part = [c.value for c in rows[head]].index("Part")
    weeks = [r for r in rows[head + 1:] if r[0].value is not None][:14]
    assert weeks[0][0].value.date() == date(2026, 8, 31) and weeks[-1][0].value.date() == date(2026, 11, 30)
    assert weeks[0][part].value == "3 of 7 days" and weeks[0][0].font.i
    assert weeks[-1][part].value == "4 of 7 days" and weeks[-1][0].font.i
    assert all(w[part].value is None and not w[0].font.i for w in weeks[1:-1])


def _scope(since, until, store) -> dict:
    """The scope `run_complaints` stores for themes of `since` to `until` (and the as long period before)."""
    from reviewlens import queries as Q
    from reviewlens.filters import Filters, previous_period

    before = previous_period(since, until)
    return {"since": str(since), "until": str(until), "previous_since": str(before[0]),
            "previous_until": str(before[1]), "products": [],
            "reviews": Q.count_reviews(store, Filters.of(since=since, until=until)),
            "previous_reviews": Q.count_reviews(store, Filters.of(since=before[0], until=before[1])), "undated": 0}


def _said(ws) -> list[str]:
    """What a themes sheet says above its table (column B of the rows before the header)."""
    from dashboard.report import THEMES_SAID

    return [ws.cell(i, 2).value or "" for i in range(1, THEMES_SAID)]


def test_the_themes_sheets_say_which_period_and_reviews_they_count(sqlite_store, tmp_path):
    """A report of "all reviews, 202 reviews" showed App crash 22% (44 of the themes' 200 reviews), then 52%
    after someone ran `complaints --days 21`, and no cell said which period or base. Each themes sheet now says
    at its top the period, the reviews its shares are of, the previous period with its dates and reviews, and
    the run that computed it; the Summary lists the same."""
    from datetime import date, timedelta

    from reviewlens import queries as Q
    from reviewlens.schema import ComplaintTheme, Review

    first = date(2026, 9, 4)
    revs = [Review(source="app-stores", text=f"Review {i}", rating=1 + i % 5, date=first + timedelta(days=i // 2))
            for i in range(182)]  # two a day, 2026-09-04 to 2026-12-03
    revs += [Review(source="app-stores", text=f"Older {i}", rating=4, date=date(2026, 6, 10) + timedelta(days=3 * i))
             for i in range(25)]
    sqlite_store.upsert_reviews(revs)
    store = sqlite_store
    ninety = _scope(date(2026, 9, 5), date(2026, 12, 3), store)
    assert (ninety["reviews"], ninety["previous_reviews"]) == (180, 27)
    crash = [r.id for r in revs[2:182:4]]  # 45 of the 180
    store.save_complaints([ComplaintTheme(label="App crash", summary="Crashes.", count=45, share=0.25,
                                          previous_count=0, trend=25.0, review_ids=crash)], ninety)
    store.save_complaints([ComplaintTheme(label="Great plans", summary="Plans.", count=3, share=3 / 180,
                                          previous_count=0, trend=1.7, review_ids=crash[:3])], ninety, kind="praise")
    wb = load_workbook(write_report(store, tmp_path / "all.xlsx"))
    said = _said(wb["Top complaints"])
    assert "These complaints are of 2026-09-05 to 2026-12-03 (90 days)" in said[0]
    assert "counted from the 180 reviews of this report in that period: each Share is of those 180." in said[0]
    assert said[1] == "Previous period, for the Previous and Trend columns: 2026-06-07 to 2026-09-04, 27 reviews."
    at = Q.latest_complaints(store)[1]["computed_at"][:16]
    assert f"the last `reviewlens complaints` run (`reviewlens analyze` runs it too) on {at} UTC" in said[2]
    ws = wb["Top complaints"]
    head = [c.value for c in ws[len(said) + 2]]
    row = [c.value for c in ws[len(said) + 3]]
    assert head[:5] == ["Rank", "Theme", "Topic", "Reviews", "Share"] and row[1] == "App crash"
    assert ws.freeze_panes == f"A{len(said) + 3}"  # what it is of and the header stay in view
    assert row[4] == 45 / 180
    assert "This praise are of 2026-09-05" not in _said(wb["Praise"])[0]
    assert _said(wb["Praise"])[0].startswith("This praise is of 2026-09-05 to 2026-12-03 (90 days)")
    summary = {r[0]: r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Top complaints"][1:6] == ("2026-09-05 to 2026-12-03", 180, "2026-06-07 to 2026-09-04", 27, at)
    assert any(str(v).startswith("This period (2026-06-10 to 2026-12-03)") for v in summary["Headline"])

    # someone runs `complaints --days 21`: the same "all reviews" report says it counts those 21 days now
    store.save_complaints([ComplaintTheme(label="App crash", summary="Crashes.", count=11, share=11 / 42,
                                          previous_count=10, trend=2.4, review_ids=crash[-11:])],
                          _scope(date(2026, 11, 13), date(2026, 12, 3), store))
    wb = load_workbook(write_report(store, tmp_path / "all2.xlsx"))
    said = _said(wb["Top complaints"])
    assert "are of 2026-11-13 to 2026-12-03 (21 days), counted from the 42 reviews" in said[0]
    assert said[1].endswith("2026-10-23 to 2026-11-12, 42 reviews.")
    assert "2026-09-05 to 2026-12-03 (90 days)" in _said(wb["Praise"])[0]  # praise: its own last run's
    summary = {r[0]: r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Top complaints"][1:3] == ("2026-11-13 to 2026-12-03", 42)
    assert summary["Praise"][1:3] == ("2026-09-05 to 2026-12-03", 180)

    # a narrower report of the 90-day praise: its period, its base, and the themes' own period named
    said = _said(load_workbook(write_report(store, tmp_path / "30.xlsx", since=date(2026, 11, 4)))["Praise"])
    assert "is of 2026-11-04 to 2026-12-03 (30 days), counted from the 60 reviews" in said[0]
    assert "computed for 2026-09-05 to 2026-12-03 (180 reviews)" in said[0]
    assert said[1].endswith("2026-10-05 to 2026-11-03, 60 reviews.")


def test_the_reviews_sheet_has_the_sites_own_review_id(sqlite_store, tmp_path):
    """The Reviews sheet had only ReviewLens's own hash id, so a review could not be found in Play Console or App
    Store Connect: the site's own id (as imported: "sf-0017") is beside the author, formula-like ids kept text."""
    from reviewlens.schema import Review

    revs = [Review(source="app-stores", text="Crashes on launch.", rating=1, author="Olga", site_review_id="sf-0017"),
            Review(source="app-stores", text="Billed twice.", rating=2, author="@SUM(1)", site_review_id="=sf-0018"),
            Review(source="app-stores", text="No id here.", rating=4)]
    sqlite_store.upsert_reviews(revs)
    ws = load_workbook(write_report(sqlite_store, tmp_path / "r.xlsx"))["Reviews"]
    head = [c.value for c in ws[1]]
    rows = {r[head.index("Review id")].value: r for r in ws.iter_rows(min_row=2)}
    site, author = head.index("Site's review id"), head.index("Author")
    assert site == author + 1
    assert (rows[revs[0].id][site].value, rows[revs[0].id][author].value) == ("sf-0017", "Olga")
    formula = rows[revs[1].id][site]
    assert formula.value == "=sf-0018" and formula.data_type == "s" and formula.quotePrefix
    assert rows[revs[2].id][site].value is None


def test_a_theme_whose_quotes_the_filters_leave_out_still_quotes_a_customer(seeded_sqlite, tmp_path):
    """A theme none of whose stored quotes is of the report's reviews (report --since ...) showed nothing in the
    customers' words: it shows a stored quote, verbatim, marked as from outside the filters."""
    from datetime import timedelta

    from dashboard.report import THEMES_SAID
    from tests.dashboard.seed import ANCHOR, CURRENT

    store, seed, _ = seeded_sqlite
    quoted = seed.theme_ids["Late delivery"][0]  # its one quote's review, of ANCHOR - 11 days
    assert [r.date for r in seed.reviews if r.id == quoted] == [ANCHOR - timedelta(days=11)]
    ws = load_workbook(write_report(store, tmp_path / "r.xlsx", since=CURRENT[0],
                                    until=ANCHOR - timedelta(days=20)))["Top complaints"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[THEMES_SAID]
    late = next(r for r in rows[THEMES_SAID + 1:] if r[1] == "Late delivery")
    assert late[3] > 0  # some of its reviews are in the filters, not the quoted one
    said = late[head.index("Quotes")] or ""
    assert said.startswith("“arrived late”\n") and "quoted from a review outside this report's filters" in said
    assert late[head.index("First quote's review")] == "https://shop.example.com/p/1#r"
