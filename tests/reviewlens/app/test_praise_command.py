"""`reviewlens praise`: what customers love, stored apart from the complaints, in the report and the dashboard."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from dashboard.report import THEMES_SAID
from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.store import Store
from tests.helpers import app_test

BATTERY = ["The battery easily lasts two full days of heavy use.", "Battery life is amazing, three days between charges.",
           "I love how long the battery lasts, almost a week.", "Great battery, it lasts for days."]
SCREEN = ["The screen is bright and sharp, easy to read in the sun.", "Gorgeous display, the colours are vivid.",
          "The display is beautiful and crisp."]
LATE = ["Delivery took three weeks, far too slow.", "The parcel arrived two weeks late.",
        "Shipping was painfully slow, ten days late."]


@pytest.fixture
def store_db(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    rows = ([{"text": t, "rating": 5, "date": "2026-11-10"} for t in BATTERY + SCREEN]
            + [{"text": t, "rating": 1, "date": "2026-11-11"} for t in LATE]
            + [{"text": BATTERY[0], "rating": 5, "date": "2026-09-20"}])  # the previous period
    path = tmp_path / "r.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["text", "rating", "date"])
        w.writeheader()
        w.writerows(rows)
    assert main(["import", str(path), "--db", db, "-q"]) == 0
    capsys.readouterr()
    return db


def test_praise_command_stores_apart_from_complaints(store_db, capsys):
    assert main(["complaints", "--no-llm", "--db", store_db, "-q"]) == 0
    complaints_out = capsys.readouterr().out
    assert main(["praise", "--no-llm", "--db", store_db, "-q", "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("What customers love, 2026-10-13 to 2026-11-11"), out
    assert "battery" in out.lower() and "— 4 reviews" in out and "rated 5.0★" in out
    assert "no comparison (the period before held 1 review" in out, out  # one review is no base for a trend
    assert "at stake" not in out and "late" not in out.lower()  # no complaint quoted as praise
    store = Store(store_db)
    loved, scope = queries.latest_complaints(store, "praise")
    complaints, _ = queries.latest_complaints(store)
    assert loved and complaints and {t.label for t in loved}.isdisjoint({t.label for t in complaints})
    assert "Delivery" in complaints_out
    # --stored reads them back, --rename names one, and --json carries them
    assert main(["praise", "--stored", "--rename", loved[0].label, "Battery lasts for days", "--db", store_db, "-q"]) == 0
    assert "1. Battery lasts for days — 4 reviews" in capsys.readouterr().out
    assert queries.latest_complaints(store)[0][0].label == complaints[0].label  # the complaints untouched
    assert main(["praise", "--stored", "--json", "--db", store_db, "-q"]) == 0
    assert '"label": "Battery lasts for days"' in capsys.readouterr().out


def test_praise_in_the_report_and_the_dashboard(store_db, tmp_path, monkeypatch, capsys):
    assert main(["praise", "--no-llm", "--db", store_db, "-q", "--days", "30"]) == 0
    capsys.readouterr()
    out = tmp_path / "r.xlsx"
    assert main(["report", "-o", str(out), "--db", store_db, "-q"]) == 0
    ws = openpyxl.load_workbook(out)["Praise"]
    rows = list(ws.iter_rows(values_only=True))[THEMES_SAID:]  # below what the themes are of
    assert rows[0][:4] == ("Rank", "Theme", "Topic", "Reviews")
    assert rows[1][3] == 4 and rows[1][5] is None and "battery" in rows[1][8].lower()  # no trend from 1 review
    at = app_test(monkeypatch, store_db).run()
    assert not at.exception
    assert "What customers love" in [s.value for s in at.subheader]
    labels = [e.label for e in at.expander]
    assert any("— 4 reviews" in lab and "attery" in lab for lab in labels), labels
    # "Show the 4 reviews" opens the explorer on them, the theme chosen as "Loved: ..."
    next(b for b in at.button if b.key == "praise_btn_1").click().run()
    assert not at.exception and at.session_state["page"] == "Reviews"
    assert at.selectbox(key="theme").value.startswith("Loved: ")
    assert sorted(at.dataframe[0].value["text"]) == sorted(BATTERY)


def test_no_praise_in_a_store_of_complaints_says_why(tmp_path, capsys):
    path, db = tmp_path / "n.csv", str(tmp_path / "n.db")
    path.write_text("text,rating\n" + "".join(f'"{t}",1\n' for t in LATE), encoding="utf-8")
    assert main(["import", str(path), "--db", db, "-q"]) == 0
    capsys.readouterr()
    assert main(["praise", "--no-llm", "--db", db, "-q"]) == 0
    assert capsys.readouterr().out.startswith("No praise themes in the 3 reviews computed for: a theme needs at least "
                                              "two reviews that praise the same thing")
