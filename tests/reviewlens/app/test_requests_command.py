"""What customers ask for (analysis.requests, `reviewlens requests`): which sentences ask for something and which
only sound like it, the themes stored apart from complaints and praise, in the report and the dashboard."""

from __future__ import annotations

import openpyxl
import pytest

from analysis.requests import is_request, request_parts
from dashboard.report import THEMES_SAID
from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.store import Store
from tests.helpers import app_test, write_csv

DARK = ["Great app, but I wish it had a dark mode.", "Please add dark mode, my eyes hurt at night.",
        "Love it. It would be nice if it had a dark theme for night use."]
PDF = ["Why can't I export my notes to PDF?", "Please add export to PDF so I can share notes.",
       "It needs to add an export to PDF option."]
OTHER = ["I wish I had bought the pro version earlier.", "Crashes every time I open it.",
         "Syncs perfectly between my phone and laptop.", "It should have worked out of the box.",
         "Would love to see a widget for the home screen."]


@pytest.mark.parametrize("text", [
    "I wish it had a webcam.", "One drawback, I wish the keys were backlit.", "Please add a dark mode.",
    "PLEASE MAKE THESE!", "If only they delivered, they'd make a mint!", "Just wish they'd expand.",
    "It would be nice if it synced with Google Calendar.", "Would love to see a widget for the home screen.",
    "It should come with a charger.", "They need to add an undo button.", "The keyboard could use some backlight.",
    "Why can't I export to PDF?", "Bring back the old layout.", "I hope they add offline mode soon.",
    "There should be an option to turn off the sounds.",
    # as app reviews ask
    "Can you please add a dark mode?", "Could you add an export button?", "I'd love a widget for the lock screen.",
    "Needs dark mode.", "It needs a search bar.", "Hopefully they add offline mode.",
    "Suggestion: let us sort notes by date.", "It would help if search found tags too.",
    "I'd like to be able to share folders.", "Make it possible to attach PDFs.", "Allow us to change the font size.",
    "We need a Mac version.", "Any chance of an iPad version?", "Will there be a web version?", "Please, more colors!",
    "Only thing missing is a widget.", "Give us back the old icons!",
    "Dark mode please, my eyes hurt at night.", "I wish I could export my runs as GPX files.",
    "A home screen widget would be great.", "An Apple Watch companion app would make this perfect.",
    # as the 0.5B translates "Bitte bietet die Jacke auch in Grün an" and "Pourriez-vous proposer une version ?"
    "Please provide the jacket in either green or blue.", "Could you propose a version in blue?",
])
def test_requests_are_found(text):
    assert is_request(text), text


@pytest.mark.parametrize("text", [
    "I wish I had bought the other one.", "I really wish I had done this years ago.", "I should have returned it.",
    "It should have worked out of the box.", "They should have called it mascarpone.", "Wish them luck.",
    "If you need a cheap laptop, this is it.", "This place is worth going even if only for their beer.",
    "I need to charge it every day.", "I would use an external mouse instead.", "Great battery, love it.",
    "It has an option to save documents in Word format, which eliminates the need for Office.",
    "The delivery was three days late.",
    "If you'd like a light meal, this is the place.", "Needs constant repair.", "It needs to be charged every day.",
    "I'd like to thank the staff.", "I'd love to come back soon.", "It allows me to share folders.",
    "I wish I could give zero stars.", "I wish I could get my money back.", "Never fails to please.",
    "Help please, it crashes.", "Thanks please keep it up.",
])
def test_what_only_sounds_like_a_request_is_not_one(text):
    assert not is_request(text), text


def test_the_asking_clause_of_a_sentence_is_quoted_verbatim():
    sent = "Love the screen, but I wish it had a backlit keyboard."
    (part,) = request_parts(sent)
    assert part == "I wish it had a backlit keyboard." and part in sent
    assert request_parts("The screen is great.") == []


@pytest.fixture
def store_db(tmp_path, capsys):
    db = str(tmp_path / "r.db")
    rows = [{"text": t, "rating": r, "date": f"2026-11-{i + 2:02d}", "product": "Notes"}
            for i, (t, r) in enumerate(zip(DARK + PDF + OTHER, [4, 3, 5, 2, 3, 2, 5, 1, 5, 1, 4]))]
    assert main(["import", write_csv(tmp_path / "r.csv", rows), "--db", db, "-q"]) == 0
    capsys.readouterr()
    return db


def test_requests_command_stores_apart_from_complaints_and_praise(store_db, capsys):
    assert main(["complaints", "--no-llm", "--db", store_db, "-q"]) == 0
    assert main(["requests", "--no-llm", "--db", store_db, "-q"]) == 0
    out = capsys.readouterr().out.split("What customers ask for", 1)[1]
    assert "— 3 reviews" in out and "pdf" in out.lower() and "dark" in out.lower()
    for quote in DARK[1:2] + PDF:
        assert f"“{quote}”" in out
    assert "“I wish it had a dark mode.”" in out  # the asking clause of DARK[0]
    assert "“It would be nice if it had a dark theme for night use.”" in out  # the asking sentence of DARK[2]
    for not_asked in ("bought the pro", "Crashes", "Syncs", "out of the box"):
        assert not_asked not in out
    store = Store(store_db)
    asked, _ = queries.latest_complaints(store, "requests")
    assert sorted(t.count for t in asked) == [3, 3] and queries.latest_complaints(store, "praise") == ([], {})
    assert main(["requests", "--stored", "--json", "--db", store_db, "-q"]) == 0
    assert '"themes"' in capsys.readouterr().out


def test_requests_in_the_report_and_the_dashboard(store_db, tmp_path, monkeypatch, capsys):
    assert main(["requests", "--no-llm", "--db", store_db, "-q"]) == 0
    out = tmp_path / "r.xlsx"
    assert main(["report", "-o", str(out), "--db", store_db, "-q"]) == 0
    rows = list(openpyxl.load_workbook(out)["Requests"].iter_rows(values_only=True))[THEMES_SAID:]
    assert rows[0][:4] == ("Rank", "Theme", "Topic", "Reviews") and [r[3] for r in rows[1:]] == [3, 3]
    at = app_test(monkeypatch, store_db).run()
    assert not at.exception
    assert "What customers ask for" in [s.value for s in at.subheader]
    next(b for b in at.button if b.key == "requests_btn_1").click().run()
    assert not at.exception and at.session_state["page"] == "Reviews"
    assert at.selectbox(key="theme").value.startswith("Asked: ")
    shown = sorted(at.dataframe[0].value["text"])
    assert shown in (sorted(DARK), sorted(PDF))


def test_a_report_without_requests_says_why(tmp_path, capsys):
    db = str(tmp_path / "e.db")
    rows = [{"text": "Crashes every time.", "rating": 1, "date": "2026-11-02"}]
    assert main(["import", write_csv(tmp_path / "e.csv", rows), "--db", db, "-q"]) == 0
    out = tmp_path / "e.xlsx"
    assert main(["report", "-o", str(out), "--db", db, "-q"]) == 0
    rows = list(openpyxl.load_workbook(out)["Requests"].iter_rows(values_only=True))[THEMES_SAID:]
    assert "No request themes computed yet" in rows[1][1]


def test_the_bundled_app_reviews_ask_for_five_things(tmp_path, capsys):
    """data/examples/jotter-app-reviews.csv, as the README has a new user try it: the contact details in two
    reviews are masked on import, and the requests form the five themes written into it."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[3] / "data" / "examples" / "jotter-app-reviews.csv"
    db = str(tmp_path / "jotter.db")
    assert main(["import", str(example), "--db", db, "-q"]) == 0
    assert "masked personal data in 2 reviews (1 e-mail address, 1 phone number)" in capsys.readouterr().out
    assert main(["requests", "--no-llm", "--db", db, "-q", "--json"]) == 0
    import json

    themes = json.loads(capsys.readouterr().out)["themes"]
    found = sorted((t["count"], w) for t in themes for w in ("widget", "dark", "pdf", "calendar", "lock")
                   if all(w in q["text"].lower() for q in t["quotes"]))
    assert found == [(2, "calendar"), (2, "lock"), (3, "pdf"), (4, "dark"), (4, "widget")], themes


def test_a_wish_is_no_complaint_unless_it_says_what_is_wrong():
    """4-star wishes ("Ich würde mir mehr Farben wünschen.", "Please add more colour options ...") that the
    sentiment read negative were counted in the complaint "Color mismatch": a wish is a request, not a complaint,
    however its review reads; one that says what is wrong ("it broke", "there is no ...") is both."""
    from datetime import date

    from analysis.complaints import negative_statements
    from tests.analysis.test_complaints import _frame

    cur = _frame([("Ich würde mir mehr Farben wünschen.", 4.0),
                  ("Please add more colour options, black only is boring.", 4.0),
                  ("Please fix the zipper, it broke after a week.", 4.0),
                  ("There is no option to export my notes.", 4.0)], "w", date(2026, 11, 1))
    cur["sentiment"] = "negative"
    cur["translation"] = ["I would like more colors.", None, None, None]
    cur["detected_language"] = ["de", "en", "en", "en"]
    assert [s.text for s in negative_statements(cur)] == ["Please fix the zipper, it broke after a week.",
                                                          "There is no option to export my notes."]
