"""The Excel report, read back with openpyxl (and unzipped for the chart parts)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from dashboard.report import THEMES_SAID, report_bytes, write_report
from dashboard.safe import EXCEL_MAX_CELL_CHARS, TRUNCATION_MARKER
from reviewlens import queries as Q
from reviewlens.filters import Filters

from tests.dashboard.seed import CURRENT, FORMULA_TEXT, LONG_TEXT, XSS_TEXT, seeded, seeded_sqlite  # noqa: F401  (fixtures)

SHEETS = ["Summary", "Top complaints", "Praise", "Requests", "Products", "Topics", "Entities", "Reviews", "Runs"]
# with two products or more, every product in one row (reviewlens.scorecard) before the few side by side
FULL = SHEETS[:4] + ["Scorecard"] + SHEETS[4:]
NAMED = FULL[:6] + ["Names"] + FULL[6:]  # with reviews that name someone or something: what they say of them


def test_report_products_sheet(seeded_sqlite, tmp_path):
    """The Products sheet: the products side by side as reviewlens.comparison has them, formula-looking names as
    text, a native bar chart of the complaint shares over the topic rows only, and the differences."""
    from reviewlens.comparison import compare

    store, seed, _ = seeded_sqlite
    wb = load_workbook(write_report(store, tmp_path / "r.xlsx"))
    ws = wb["Products"]
    rows = list(ws.iter_rows())
    expected = compare(store, "product", top=8)
    names = [g.name for g in expected.groups]
    assert [c.value for c in rows[0]] == ["Measure"] + names and "-2+3" in names
    formula = rows[0][1 + names.index("-2+3")]
    assert formula.data_type == "s" and formula.quotePrefix
    [formula] = [r[1] for r in wb["Scorecard"].iter_rows(min_row=2) if r[1].value == "-2+3"]  # there too: text
    assert formula.data_type == "s" and formula.quotePrefix
    table = expected.table()
    by_measure = {r[0].value: [c.value for c in r[1:]] for r in rows[1:] if r[0].value in table.index}
    assert list(by_measure) == list(table.index)
    assert by_measure["Reviews"] == table.loc["Reviews"].tolist()
    [chart] = ws._charts
    assert len(chart.series) == len(names)
    topic_rows = [i + 1 for i, r in enumerate(rows) if str(r[0].value).endswith(": % complaining")]
    assert chart.series[0].val.numRef.f == f"'Products'!$B${topic_rows[0]}:$B${topic_rows[-1]}"
    said = [r[0].value for r in rows if r[0].value]
    assert "Differences that matter (large, and unlikely to be chance)" in said
    assert [g.text() for g in expected.gaps()] == said[said.index("Differences that matter (large, and unlikely "
                                                                  "to be chance)") + 1:] or not expected.gaps()


def test_report_top_complaints_per_week(seeded_sqlite, tmp_path):
    """The Top complaints sheet ends with the top themes' percent of each week's reviews (asked for: the seed's
    2.6 reviews a week are grouped by month by default) and a native line chart of it, the same numbers as the
    dashboard's (reviewlens.queries.theme_timeseries)."""
    from reviewlens import queries as Q
    from reviewlens.filters import Filters

    store, seed, _ = seeded_sqlite
    f = Filters.of(since=CURRENT[0], until=CURRENT[1])
    wb = load_workbook(write_report(store, tmp_path / "r.xlsx", f, by="week"))
    ws = wb["Top complaints"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    at = next(i for i, r in enumerate(rows) if str(r[1] or "").startswith("Top complaints per week"))
    header = rows[at + 1]
    ov = Q.overview(store, f, by="week")
    themes = list(dict.fromkeys(ov.theme_series["theme"]))
    assert header[1] == "Week of" and header[2:2 + len(themes)] == themes and "Late delivery" in themes
    table = [r for r in rows[at + 2:] if r[1] is not None]
    assert len(table) == ov.theme_series["period"].nunique()
    late = ov.theme_series[ov.theme_series["theme"] == "Late delivery"]
    col = 2 + themes.index("Late delivery")
    assert [r[col] for r in table] == [round(v, 2) for v in late.sort_values("period")["percent"]]
    [chart] = ws._charts
    assert len(chart.series) == len(themes)
    assert chart.series[0].val.numRef.f == f"'Top complaints'!$C${at + 3}:$C${at + 2 + len(table)}"


def _reviews_by_id(wb) -> tuple[list[str], dict[str, tuple]]:
    ws = wb["Reviews"]
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    idx = header.index("Review id")
    return header, {r[idx].value: r for r in rows[1:]}


def test_report_sheets_values_and_safety(seeded, tmp_path):
    store, seed = seeded
    path = write_report(store, tmp_path / "out" / "report.xlsx")
    assert path.is_file() and not list(path.parent.glob(".*.tmp"))
    wb = load_workbook(path)  # a normal (not read-only) load: hyperlinks, freeze panes, filters are readable
    assert wb.sheetnames == NAMED

    header, rows = _reviews_by_id(wb)
    assert len(rows) == len(seed.reviews)
    ws = wb["Reviews"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{get_column_letter(len(header))}{len(seed.reviews) + 1}"
    assert ws.column_dimensions["H"].width > ws.column_dimensions["B"].width  # text wider than rating
    ranges = {str(cf.sqref) for cf in ws.conditional_formatting}
    assert f"C2:C{len(seed.reviews) + 1}" in ranges and f"B2:B{len(seed.reviews) + 1}" in ranges

    col = {name: header.index(name) for name in header}
    # formula-looking text stays text: string type, no formula, quote prefix
    f = rows[seed.formula_id]
    for name, expected in (("Text", FORMULA_TEXT), ("Title", "+cmd|' /C calc'!A0"), ("Author", "@SUM(1+1)"),
                           ("Product", "-2+3")):
        cell = f[col[name]]
        assert cell.value == expected and cell.data_type == "s", name
        assert cell.quotePrefix, name
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    # control characters removed, over-long text cut with a marker
    assert rows[seed.control_id][col["Text"]].value == "badcharhere end"
    long = rows[seed.long_id][col["Text"]].value
    assert len(long) == EXCEL_MAX_CELL_CHARS and long.endswith(TRUNCATION_MARKER) and LONG_TEXT.startswith(long[:100])
    # hyperlinks to the source; a javascript: URL is plain text, not a link
    link_cell = rows[seed.formula_id][col["URL"]]
    assert link_cell.hyperlink is not None and link_cell.hyperlink.target == "https://shop.example.com/p/h2"
    xss = rows[seed.xss_id]
    assert xss[col["URL"]].hyperlink is None and xss[col["URL"]].value == "javascript:window.__xss=1"
    assert xss[col["Text"]].value == XSS_TEXT and xss[col["Sentiment"]].value == "negative"
    assert "ACME Corp (company)" in xss[col["Entities"]].value and "Quality" in xss[col["Topics"]].value

    summary = {r[0].value: [c.value for c in r[1:4]] for r in wb["Summary"].iter_rows() if r and r[0].value}
    assert summary["Reviews"][0] == len(seed.reviews) and summary["Reviews"][1] is None  # no date range: no previous
    assert summary["Average rating"][0] == pytest.approx(sum(r.rating for r in seed.reviews) / len(seed.reviews))

    comp = list(wb["Top complaints"].iter_rows(values_only=True))[THEMES_SAID:]  # below what the themes are of
    assert comp[0][:5] == ("Rank", "Theme", "Topic", "Reviews", "Share")
    by_label = {r[1]: r for r in comp[1:] if r[1]}
    assert by_label["Late delivery"][3] == len(seed.theme_ids["Late delivery"])
    assert by_label["Late delivery"][6] == pytest.approx(4.5) and by_label["Late delivery"][7] == "▲"
    assert "“<script>window.__xss=1</script>”" in by_label["Breaks quickly"][9]
    # what each complaint costs in rating: its reviews' mean against the others' (the filters: everything, kept
    # to the period the themes were computed for, as their members are)
    assert comp[0][11:16] == ("Its rating (★)", "Others (★)", "Held equal (★)", "± (95%)", "At stake (★)")
    ratings = {r.id: r.rating for r in seed.in_period(*CURRENT) if r.rating is not None}
    late = [ratings[i] for i in seed.theme_ids["Late delivery"] if i in ratings]
    rest = [v for k, v in ratings.items() if k not in set(seed.theme_ids["Late delivery"])]
    assert by_label["Late delivery"][11] == pytest.approx(sum(late) / len(late), abs=0.005)
    assert by_label["Late delivery"][12] == pytest.approx(sum(rest) / len(rest), abs=0.005)
    # held equal: the least-squares loss over all the themes at once; the rating at stake follows it
    views, _ = Q.complaints(store, Filters())
    m = next(v.impact for v in views if v.label == "Late delivery")
    assert m.effect is not None and by_label["Late delivery"][13] == pytest.approx(m.effect, abs=0.005)
    assert by_label["Late delivery"][14] == pytest.approx(m.effect_ci, abs=0.005)
    stake = -m.effect * len(late) / len(ratings)
    assert by_label["Late delivery"][15] == pytest.approx(stake, abs=0.0005) and stake > 0
    broke = [c for c in wb["Top complaints"].iter_rows(min_row=2) if c[1].value == "Breaks quickly"][0]
    assert broke[8].value == "<b>Units</b> fail =SUM(A1) early." and broke[8].data_type == "s"

    topics = {r[0]: r for r in wb["Topics"].iter_rows(min_row=2, values_only=True)}
    assert set(topics) == {"Delivery", "Quality", "Price"}
    assert sum(r[4] for r in topics.values()) == sum(len(v) for v in seed.topics.values())
    ents = {r[0]: r for r in wb["Entities"].iter_rows(min_row=2, values_only=True)}
    assert ents["DHL"][1] == "company" and ents["DHL"][2] == sum("DHL" in r.text for r in seed.reviews)

    runs = list(wb["Runs"].iter_rows(min_row=2, values_only=True))
    assert [r[4] for r in runs] == ["ok", "partial"]
    assert "TimeoutException" in runs[1][13] and runs[1][12] == 1 and runs[1][11] is None  # no star-only ratings

    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = "".join(z.read(n).decode() for n in charts)
    # Summary: sentiment over time, rating over time, topics by sentiment, rating distribution; Top complaints:
    # over time; Products: complaints
    assert len(charts) == 6
    assert len(re.findall(r"<(?:c:)?barChart>", xml)) == 4 and len(re.findall(r"<(?:c:)?lineChart>", xml)) == 2
    assert "Summary" in xml  # series reference the Summary sheet's data


def test_report_follows_filters(seeded_sqlite, tmp_path):
    store, seed, _ = seeded_sqlite
    data = report_bytes(store, since=CURRENT[0], until=CURRENT[1], sentiments=["negative"], topics="delivery")
    wb = load_workbook(io.BytesIO(data), read_only=True)
    rows = list(wb["Reviews"].iter_rows(min_row=2, values_only=True))
    expected = [r for r in seed.in_period(*CURRENT) if seed.sentiments[r.id] == "negative"
                and any(t == "delivery" for t, _ in seed.topics[r.id])]
    assert len(rows) == len(expected) > 0
    assert all(r[2] == "negative" and "Delivery" in r[4] for r in rows)
    summary = {r[0]: r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Reviews"][1] == len(expected) and summary["Reviews"][2] is not None  # previous period present
    assert "sentiment: negative" in summary["Filters"][1]
    wb.close()
    # search with no match: a valid, empty report
    empty = load_workbook(io.BytesIO(report_bytes(store, search="no such words anywhere")))
    assert empty["Reviews"].max_row == 1
    assert empty.sheetnames == SHEETS
    # ... that says so, and lists no theme with 0 reviews beside the trend of the period it was computed for
    for sheet in ("Top complaints", "Praise"):
        assert [r[1] for r in empty[sheet].iter_rows(min_row=THEMES_SAID + 2, values_only=True)] == [
            "No reviews in the selection."]


def test_report_path_must_be_xlsx(seeded_sqlite, tmp_path):
    store, _, _ = seeded_sqlite
    with pytest.raises(ValueError, match=r"\.xlsx"):
        write_report(store, tmp_path / "report.csv")
    with pytest.raises(ValueError, match="unknown sentiment"):
        write_report(store, tmp_path / "r.xlsx", sentiments=["furious"])


def test_report_on_empty_store(sqlite_store, tmp_path):
    path = write_report(sqlite_store, tmp_path / "empty.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS
    assert wb["Reviews"].max_row == 1
    assert wb["Top complaints"][f"B{THEMES_SAID + 2}"].value == "No reviews in the selection."


@pytest.mark.timeout(180)
def test_libreoffice_opens_it_and_keeps_text_as_text(seeded_sqlite, tmp_path):
    """Round trip through LibreOffice (xlsx -> xlsx and -> pdf): it opens, and hostile text stays text."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice not installed (apt-get install libreoffice-calc)")
    store, seed, _ = seeded_sqlite
    src = write_report(store, tmp_path / "report.xlsx")
    out = tmp_path / "lo"
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    for fmt in ("xlsx", "pdf"):
        subprocess.run([soffice, profile, "--headless", "--convert-to", fmt, "--outdir", str(out), str(src)],
                       check=True, capture_output=True, timeout=150)
    assert (out / "report.pdf").stat().st_size > 10_000
    wb = load_workbook(out / "report.xlsx")
    assert wb.sheetnames == NAMED
    header, rows = _reviews_by_id(wb)
    cell = rows[seed.formula_id][header.index("Text")]
    assert cell.value == FORMULA_TEXT and cell.data_type == "s"
    assert rows[seed.xss_id][header.index("Text")].value == XSS_TEXT


def test_report_before_analysis(sqlite_store, tmp_path):
    from datetime import date, timedelta

    from reviewlens.schema import Review

    sqlite_store.upsert_reviews([Review(source="s.example", text=f"=cmd {i}", rating=4, url="https://s.example/r",
                                        date=date(2026, 10, 1) - timedelta(days=i)) for i in range(5)])
    wb = load_workbook(write_report(sqlite_store, tmp_path / "raw.xlsx"))
    rows = list(wb["Reviews"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 5 and all(r[2] is None and r[7].startswith("=cmd") for r in rows)
    summary = {r[0]: r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Reviews"][1] == 5 and summary["Share negative (%)"][1] is None


def test_a_quote_without_an_address_names_its_review(sqlite_store, tmp_path):
    """Imported reviews have no address: the "First quote's review" column was empty for every theme, so a quote
    could not be traced from the spreadsheet. It names the review's id, as the Reviews sheet has it."""
    from reviewlens.schema import Analysis, ComplaintTheme, Quote, Review, TopicMention

    revs = [Review(source="import:mine", text=f"Cold soup again, visit {i}.", rating=2) for i in range(3)]
    sqlite_store.upsert_reviews(revs)
    sqlite_store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p",
                                         sentiment="negative", topics=[TopicMention("quality", "negative")])
                                for r in revs])
    sqlite_store.save_complaints([ComplaintTheme(label="Cold soup", summary="Soup served cold.", count=3, share=1.0,
                                                 topic="quality", quotes=[Quote(revs[1].id, "Cold soup again")],
                                                 review_ids=[r.id for r in revs])])
    wb = load_workbook(write_report(sqlite_store, tmp_path / "r.xlsx", Filters()))
    ws = wb["Top complaints"]
    head, row = [c.value for c in ws[THEMES_SAID + 1]], [c.value for c in ws[THEMES_SAID + 2]]
    assert row[head.index("First quote's review")] == f"review id {revs[1].id} (the Reviews sheet)"
    ids = [r[-1] for r in wb["Reviews"].iter_rows(min_row=2, values_only=True)]
    assert revs[1].id in ids
