"""The ratings without words (star-only reviews, kept apart from the reviews) beside each product's rating: the
Excel report's Scorecard sheet (read back from the .xlsx) and the dashboard's Compare page (AppTest)."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboard import APP_PATH
from dashboard.report import write_report
from reviewlens.records_io import import_file
from reviewlens.store import Store
from tests.dashboard.test_compare_page import compare_page_of
from tests.reviewlens.test_star_ratings import _berlin, _file

pytestmark = pytest.mark.timeout(120)


def _chain(tmp_path) -> str:
    db = str(tmp_path / "s.db")
    store = Store(db)
    import_file(store, _berlin(tmp_path))
    _file(tmp_path / "hamburg.csv", [["Pizza Roma", "H1", "Hamburg", f"h{i}", f"H {i}", "Cold." if i < 12 else "",
                                      1 + i % 2, f"11/{1 + i % 28:02d}/2026 10:00:00"] for i in range(14)])
    import_file(store, tmp_path / "hamburg.csv")
    store.close()
    return db


def test_the_report_and_the_compare_page_show_the_rating_with_them(tmp_path, monkeypatch):
    db = _chain(tmp_path)
    rows = list(load_workbook(write_report(Store(db), tmp_path / "r.xlsx"))["Scorecard"].iter_rows(values_only=True))
    head = rows[0]
    assert head[-3:] == ("Star-only", "With star-only", "Why it needs a look")
    got = {r[1]: r[-3:-1] for r in rows[1:3]}
    assert got["Pizza Roma (Berlin)"] == (10, round((12 * 2.5 + 45) / 22, 2))
    assert got["Pizza Roma (Hamburg)"] == (2, round((12 * 1.5 + 2 + 1) / 14, 2))  # 12 with words, 2★ and 1★ without
    assert "with star-only: the average rating with the ratings without words" in " ".join(
        str(r[1]) for r in rows[3:] if r and r[1])

    card = compare_page_of(monkeypatch, db).dataframe[0].value.set_index("name")
    assert card.loc["Pizza Roma (Berlin)", "star_only"] == 10
    assert card.loc["Pizza Roma (Berlin)", "all_rating"] == round((12 * 2.5 + 45) / 22, 2)


def test_the_overview_says_the_rating_with_them_and_a_filter_they_lack_hides_it(tmp_path, monkeypatch):
    db = _chain(tmp_path)
    monkeypatch.setenv("REVIEWLENS_DB", db)
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.run()
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    assert not at.exception, [e.value for e in at.exception]
    said = [c.value for c in at.caption if "without words" in c.value]
    # 24 reviews rated 2.5 and 1.5 on average, 12 ratings without words: 45 + 3 stars
    assert said == [f"With the 12 ratings without words (star-only reviews, kept apart: nothing in them to read), the "
                    f"average rating is {(12 * 2.5 + 12 * 1.5 + 48) / 36:.2f} ★, as the site counts it; every other "
                    "figure here is of the reviews with words."]
    at.sidebar.text_input(key="f_search").set_value("cold").run()  # words: the ratings without have none
    assert not [c.value for c in at.caption if "without words" in c.value]


def test_a_product_with_only_ratings_without_words_is_a_row_of_the_report_and_the_compare_page(tmp_path, monkeypatch):
    db = _chain(tmp_path)
    _file(tmp_path / "kiosk.csv", [["Roma Kiosk", "K1", "Berlin", f"k{i}", f"K {i}", "", 4 + i % 2,
                                    f"11/{1 + i:02d}/2026 10:00:00"] for i in range(3)])
    import_file(Store(db), tmp_path / "kiosk.csv")
    rows = list(load_workbook(write_report(Store(db), tmp_path / "r.xlsx"))["Scorecard"].iter_rows(values_only=True))
    kiosk = next(r for r in rows if r and r[1] == "Roma Kiosk")
    assert kiosk[2] == 0 and kiosk[3] is None and kiosk[-3:-1] == (3, round(13 / 3, 2))

    page = compare_page_of(monkeypatch, db)
    card = page.dataframe[0].value.set_index("name")
    assert card.loc["Roma Kiosk", "reviews"] == 0 and card.loc["Roma Kiosk", "all_rating"] == round(13 / 3, 2)
    # its missing rating (and every missing number) reads as a dash, not as Streamlit's "None"
    assert pd.isna(card.loc["Roma Kiosk", "rating"]) and page.dataframe[0].proto.placeholder == "—"


def test_the_reports_summary_has_the_rating_with_them(tmp_path):
    db = _chain(tmp_path)
    rows = list(load_workbook(write_report(Store(db), tmp_path / "r.xlsx"))["Summary"].iter_rows(values_only=True))
    got = {r[0]: r[1:4] for r in rows if r and r[0] in ("Average rating", "Star-only ratings (no words)",
                                                          "Average rating with star-only")}
    assert got["Star-only ratings (no words)"][0] == 12
    assert got["Average rating with star-only"][0] == pytest.approx((12 * 2.5 + 12 * 1.5 + 48) / 36, abs=0.005)
    # a selection by what such a rating has not: no such rows
    from reviewlens.filters import Filters

    rows = list(load_workbook(write_report(Store(db), tmp_path / "s.xlsx", Filters.of(search="cold")))["Summary"]
                .iter_rows(values_only=True))
    assert not [r for r in rows if r and r[0] == "Average rating with star-only"]


def test_the_runs_page_has_the_new_star_only_ratings_of_each_run(tmp_path, monkeypatch):
    db = _chain(tmp_path)
    monkeypatch.setenv("REVIEWLENS_DB", db)
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.query_params["page"] = "Runs"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    runs = at.dataframe[0].value
    assert list(runs["star_only_new"]) == [2, 10]  # Hamburg's import, then Berlin's (newest first)


def test_a_product_with_only_ratings_without_words_can_be_chosen_in_the_sidebar(tmp_path, monkeypatch):
    db = _chain(tmp_path)
    _file(tmp_path / "kiosk.csv", [["Roma Kiosk", "K1", "Berlin", f"k{i}", f"K {i}", "", 4 + i % 2,
                                    f"11/{1 + i:02d}/2026 10:00:00"] for i in range(3)])
    import_file(Store(db), tmp_path / "kiosk.csv")
    monkeypatch.setenv("REVIEWLENS_DB", db)
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.run()
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    assert "Roma Kiosk" in at.sidebar.multiselect(key="f_products").options
    at.sidebar.multiselect(key="f_products").set_value(["Roma Kiosk"]).run()
    assert not at.exception, [e.value for e in at.exception]
    said = [c.value for c in at.caption if "without words" in c.value]
    assert said and "the 3 ratings without words" in said[0] and f"{13 / 3:.2f} ★" in said[0]


def test_the_reports_runs_sheet_has_the_new_star_only_ratings_of_each_run(tmp_path):
    db = _chain(tmp_path)
    ws = load_workbook(write_report(Store(db), tmp_path / "r.xlsx"))["Runs"]
    head = [c.value for c in ws[1]]
    col = head.index("New star-only")
    imports = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "import"]
    assert [r[col] for r in imports] == [2, 10] and ws.auto_filter.ref.startswith("A1:N")
