"""Top complaints of reviews without dates (an import of a survey or an export without them): every
review counts, there is no trend; reviews without a date beside dated ones are said to be left out."""

from __future__ import annotations


import openpyxl

from dashboard.report import THEMES_SAID
from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.store import Store
from tests.helpers import app_test, write_csv as _write

LATE = ["Delivery took three weeks, far too slow.", "The parcel arrived two weeks late.",
        "Shipping was painfully slow, ten days late.", "My order came a fortnight after the promised date."]
BROKE = ["The handle snapped off after two days.", "It broke in the first week, the hinge cracked.",
         "Mine stopped working after three uses."]
HAPPY = ["Lovely lamp, works perfectly.", "Great value, would buy again."]


def test_undated_reviews_have_top_complaints_without_a_trend(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "u.db")
    rows = [{"text": t} for t in LATE + BROKE + HAPPY]  # no date, no rating
    assert main(["import", _write(tmp_path / "survey.csv", rows), "--db", db, "-q"]) == 0
    capsys.readouterr()
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "Top complaints in all 9 reviews (they have no dates, so no trend)" in out, out
    assert "1. " in out and "trend" not in out.split("\n", 1)[1]  # no made-up trend ("new") per theme
    themes, scope = queries.latest_complaints(Store(db))
    assert themes and scope["since"] is None and scope["undated"] == 9
    assert sum(t.count for t in themes) >= 4  # the late and the broken ones (by the lexicon: not analyzed)
    assert not {q.text for t in themes for q in t.quotes} & set(HAPPY)
    assert max(t.count for t in themes) >= 3
    report = str(tmp_path / "r.xlsx")
    assert main(["report", "-o", report, "--db", db, "-q"]) == 0
    ws = openpyxl.load_workbook(report)["Top complaints"]
    first = [c.value for c in ws[THEMES_SAID + 2]]
    assert first[1] == themes[0].label and first[5] is None and first[7] is None  # no "previous: 0", no arrow
    assert any("no dates, so there is no previous period" in str(c.value) for row in ws.iter_rows() for c in row)

    # the dashboard: no period to pick, no "previous period 0", no empty rating chart
    at = app_test(monkeypatch, db)
    period = at.sidebar.selectbox(key="f_period")
    assert period.value == "All time" and period.disabled
    assert f"— {themes[0].count} reviews" in at.expander[0].label
    html = "\n".join(m.value for m in at.markdown)
    assert "no dates: no trend" in html and "previous period" not in html
    assert any("No star ratings in these reviews" in i.value for i in at.info)

    # dated reviews arrive (a scrape): the periods come from them and the undated ones are said to be left out
    dated = [{"text": t, "rating": 1, "date": "2026-11-20"} for t in LATE] + [{"text": "Nice.", "rating": 5,
                                                                                "date": "2026-11-21"}]
    assert main(["import", _write(tmp_path / "shop.csv", dated), "--source", "shop", "--db", db, "-q"]) == 0
    capsys.readouterr()
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "Top complaints, 2026-08-24 to 2026-11-21 (5 reviews;" in out, out
    assert "(9 reviews without a date are in no period and not counted)" in out
    assert "trend" in out
