"""The report's Scorecard sheet (reviewlens.scorecard): every product of a chain in one row, read back from the
.xlsx; a store of one product has none."""

from __future__ import annotations

from openpyxl import load_workbook

from dashboard.report import write_report
from reviewlens.schema import Review
from reviewlens.store import Store
from tests.reviewlens.test_scorecard import seed


def test_the_scorecard_sheet_lists_every_branch_the_ones_to_look_at_first(tmp_path):
    store = Store(tmp_path / "s.db")
    seed(store)
    wb = load_workbook(write_report(store, tmp_path / "r.xlsx"))
    assert wb.sheetnames.index("Scorecard") == wb.sheetnames.index("Products") - 1
    rows = list(wb["Scorecard"].iter_rows(values_only=True))
    assert rows[0] == ("Look", "Product", "Reviews", "Rating", "Change", "% negative", "Top complaint",
                       "% raising it", "Replied %", "Newest review", "Why it needs a look")
    body = [r for r in rows[1:8]]
    assert [r[1] for r in body[:2]] == ["Roma (Altona)", "Roma (Bergedorf)"] and body[-1][1] == "Roma (Zoo)"
    altona = body[0]
    assert altona[0] == "!" and altona[2] == 30 and altona[3] == 2.5 and altona[6] == "Wait time" and altona[7] == 40
    assert altona[10].startswith("rating 2.50★ against 4.")
    assert body[1][4] == -2.07 and "rating fell 2.07★" in body[1][10]
    assert body[-1][0] is None and body[-1][4] is None  # three reviews: no change, no flag
    assert {r[1]: r[8] for r in body}["Roma (Eppendorf)"] == 100
    said = " ".join(str(r[1]) for r in rows[8:] if r and r[1])
    assert "Change: the average rating of 2026-08-23 to 2026-11-20 against 2026-05-25 to 2026-08-22" in said
    assert "p <= 0.05 / 6 products tested" in said
    sheet = wb["Scorecard"]
    assert sheet.auto_filter.ref == "A1:K8" and sheet.conditional_formatting


def test_one_product_has_no_scorecard(tmp_path):
    store = Store(tmp_path / "s.db")
    store.upsert_reviews([Review(source="s", text=f"Fine {i}", product="Kettle", rating=4) for i in range(3)])
    wb = load_workbook(write_report(store, tmp_path / "r.xlsx"))
    assert "Scorecard" not in wb.sheetnames


def test_with_complaint_themes_the_sheet_names_each_products_top_theme(tmp_path):
    from reviewlens.schema import ComplaintTheme

    store = Store(tmp_path / "s.db")
    seed(store)
    altona = list(store.reviews_frame(products=["Roma (Altona)"])["id"])
    store.save_complaints([ComplaintTheme("=HYPERLINK(\"x\") Pizza arrives cold", "", 6, 3.0, review_ids=altona[:6])])
    sheet = load_workbook(write_report(store, tmp_path / "r.xlsx"))["Scorecard"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][6:10] == ("Top complaint", "% raising it", "Top theme", "% in it")
    got = {r[1]: r[8:10] for r in rows[1:8]}
    assert got["Roma (Altona)"] == ("=HYPERLINK(\"x\") Pizza arrives cold", 20)
    theme = sheet.cell(row=1 + [r[1] for r in rows].index("Roma (Altona)"), column=9)
    assert theme.data_type == "s" and theme.quotePrefix  # a model's words from reviews: text, never a formula
    assert got["Roma (Curio)"] == (None, None)
    assert "top theme: the complaint theme of reviewlens complaints" in " ".join(str(r[1]) for r in rows[8:] if r[1])
