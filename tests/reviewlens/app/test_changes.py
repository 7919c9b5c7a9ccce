"""`reviewlens changes`: a change the user made, and what the reviews said before and since (real store,
real sentence embedder, the complaint finder without an LLM)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from reviewlens.app.cli import main
from reviewlens.changes import Effect, ThemeShift, named_shift, windows
from reviewlens.store import Store
from tests.helpers import write_csv

LATE = ["Delivery took three weeks, far too slow.", "The parcel arrived two weeks late.",
        "Shipping was painfully slow, ten days late.", "My order came a fortnight after the promised date.",
        "Delivery was late again, nine days.", "It took forever to arrive, three weeks of waiting.",
        "The courier was a week late with my parcel.", "Slow delivery, it arrived twelve days late.",
        "Waited almost a month for the delivery.", "The package was delayed for two weeks."]
CRASH = ["The app crashes every time I open it.", "The companion app keeps crashing on start.",
         "App crashed three times today.", "Since the update the app crashes constantly.",
         "The app freezes and crashes when syncing.", "Constant app crashes make it useless."]
GOOD = ["Lovely kettle, boils fast and looks great.", "Great value, works perfectly.",
        "Very happy with it, solid build.", "Does exactly what it should, recommended.",
        "Nice design and quiet.", "Excellent, my second one."]
CHANGE = date(2026, 10, 21)


def _rows(texts: list[str], rating: int, start: date) -> list[dict]:
    return [{"text": t, "rating": rating, "date": (start + timedelta(days=i % 20)).isoformat(),
             "product": "Acme Kettle"} for i, t in enumerate(texts)]


def make_store(tmp_path) -> str:
    """A kettle's reviews: late deliveries before CHANGE, app crashes after it, happy reviews on both sides
    (and one toaster review); imported, with the top complaints computed without an LLM."""
    before = CHANGE - timedelta(days=20)
    rows = (_rows(LATE, 1, before) + _rows(GOOD * 2, 5, before)
            + _rows(LATE[:1] + CRASH, 1, CHANGE) + _rows(GOOD * 2, 5, CHANGE)
            + [{"text": "Fine.", "rating": 4, "date": "2026-11-09", "product": "Acme Toaster"}])
    out = str(tmp_path / "s.db")
    assert main(["import", write_csv(tmp_path / "r.csv", rows), "--db", out, "-q"]) == 0
    assert main(["complaints", "--no-llm", "--db", out, "-q"]) == 0
    return out


@pytest.fixture
def db(tmp_path, capsys):
    out = make_store(tmp_path)
    capsys.readouterr()
    return out


def delivery_theme(db: str) -> str:
    from reviewlens import queries

    themes, _ = queries.latest_complaints(Store(db))
    return next(t.label for t in themes if sum(r in " ".join(q.text for q in t.quotes) for r in ("late", "slow", "weeks")))


def test_windows_are_as_long_on_both_sides():
    assert windows(date(2026, 10, 21), date(2026, 11, 9)) == (date(2026, 10, 1), date(2026, 10, 20),
                                                               date(2026, 10, 21), date(2026, 11, 9))
    assert windows(date(2026, 10, 21), date(2026, 12, 31), days=10) == (date(2026, 10, 11), date(2026, 10, 20),
                                                                        date(2026, 10, 21), date(2026, 10, 30))
    assert windows(date(2026, 10, 21), date(2026, 10, 20)) is None and windows(date(2026, 10, 21), None) is None


def test_a_fix_that_worked_and_a_complaint_that_came_with_it(db, tmp_path, capsys):
    theme = delivery_theme(db)
    assert main(["changes", "add", CHANGE.isoformat(), "Switched courier", "--theme", theme.upper(),
                 "--no-llm", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert f"Fewer reviews raise {theme!r} since the change: 45% before, 5% since" in out
    assert "before: 2026-10-01 to 2026-10-20, 22 reviews" in out and "since:  2026-10-21 to 2026-11-09, 20 reviews" in out
    effect = Effect(**Store(db).changes()[0]["effect"])  # stored, and read back as it was measured
    assert effect.named.before == 10 and effect.named.after == 1 and effect.named.p < 0.01
    # the crashes only came after the change: found anyway (the themes of both periods together), and named
    crash = [t for t in effect.moved if t.after > t.before]
    assert crash and crash[0].before == 0 and crash[0].after >= 5 and crash[0].quote in CRASH
    assert "Other complaints that moved (unlikely to be chance):" in out
    assert main(["changes", "list", "--json", "--db", db]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["label"] == "Switched courier" and rows[0]["theme"] == theme  # as the store names it
    assert len(rows[0]["theme_reviews"]) == 11
    assert rows[0]["effect"]["named"]["label"] == theme
    # the report's Changes sheet, read back
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    assert main(["report", "-o", str(out), "--db", db, "-q"]) == 0
    ws = load_workbook(out)["Changes"]
    head = [c.value for c in ws[1]]
    row = dict(zip(head, [c.value for c in ws[2]]))
    assert row["Day"].date() == CHANGE and row["What changed"] == "Switched courier" and row["Meant to fix"] == theme
    assert row["Verdict"].startswith(f"Fewer reviews raise {theme!r} since the change")
    assert (row["Its share before"], row["Its share since"]) == (pytest.approx(10 / 22), pytest.approx(1 / 20))
    assert "0% of reviews before, 30% since" in row["Other complaints that moved"]


def test_too_early_and_not_yet(db, capsys):
    assert main(["changes", "add", "2026-11-08", "New lid", "--no-llm", "--db", db, "-q"]) == 0
    assert ("Nothing to compare with: no review is dated in the days before the change (2026-11-06 to 2026-11-07); "
            "1 review since.") in capsys.readouterr().out
    assert main(["changes", "add", "2026-12-01", "Price cut", "--db", db, "-q"]) == 0
    assert "not measured: no review is dated on or after that day yet" in capsys.readouterr().out
    assert main(["changes", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "[1] 2026-11-08  New lid" in out and "[2] 2026-12-01  Price cut" in out
    assert "not measured yet (reviewlens changes measure)" in out


def test_a_product_change_counts_that_products_reviews(db, capsys):
    assert main(["changes", "add", "2026-11-09", "New toaster slot", "--product", "Acme Toaster", "--no-llm",
                 "--db", db, "-q"]) == 0
    out = capsys.readouterr().out  # the toaster's one review, not the kettle's twenty
    assert "no review is dated in the days before the change" in out and "; 1 review since." in out
    assert "(product 'Acme Toaster')" in out


def test_bad_input(db, capsys):
    assert main(["changes", "add", "2026-10-21", "Lid", "--product", "Acme Kettel", "--db", db, "-q"]) == 2
    assert "did you mean 'Acme Kettle'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["changes", "add", "21.10.2026", "Lid", "--db", db, "-q"])
    assert "not an ISO date (YYYY-MM-DD): '21.10.2026'" in capsys.readouterr().err
    assert main(["changes", "add", "2026-10-21", "  ", "--db", db, "-q"]) == 2
    assert main(["changes", "measure", "7", "--db", db, "-q"]) == 2
    assert main(["changes", "delete", "7", "--db", db, "-q"]) == 2
    assert "there is no change 7" in capsys.readouterr().err
    assert Store(db).changes() == []
    assert main(["changes", "add", "2026-10-21", "Lid", "--theme", "No such theme", "--no-llm", "--db", db]) == 2
    err = capsys.readouterr().err
    assert "--theme 'No such theme': not among the stored top complaints (they are: 'Delivery" in err
    assert Store(db).changes() == []


def test_a_misspelled_theme_is_a_did_you_mean_error(db, capsys, tmp_path):
    """`--theme "Delivery delays"` was saved as given and measured for ever as a theme no review raises; only
    while no theme is stored yet is an unknown one recorded (with a note)."""
    theme = delivery_theme(db)
    assert main(["changes", "add", "2026-10-21", "Courier", "--theme", theme + "s", "--no-llm", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reviewlens changes: --theme") and f"did you mean {theme!r}" in err
    assert Store(db).changes() == []
    fresh = str(tmp_path / "fresh.db")
    assert main(["import", write_csv(tmp_path / "f.csv", _rows(LATE, 1, CHANGE)), "--db", fresh, "-q"]) == 0
    assert main(["changes", "add", "2026-10-21", "Lid", "--theme", "No such theme", "--no-llm", "--db", fresh]) == 0
    out = capsys.readouterr().out
    assert "note: --theme 'No such theme': no complaint themes are stored yet" in out
    assert Store(fresh).changes()[0]["theme"] == "No such theme"


def test_a_change_before_every_review_says_there_is_nothing_before(db, capsys):
    """A day before every review was "Too early to tell", as if waiting would help."""
    assert main(["changes", "add", "2020-01-01", "Old", "--no-llm", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "Nothing to compare with: no review is dated in the days before the change (2019-10-03 to 2019-12-31), " \
           "nor since (2020-01-01 to 2020-03-30)." in out and "Too early" not in out


def test_the_verdict_words():
    shift = ThemeShift("Late delivery", 10, 9, 40.0, 36.0, 0.7)
    e = Effect("2026-10-01", "2026-10-20", "2026-10-21", "2026-11-09", 25, 25, theme="late delivery",
               named=named_shift([shift], "late  DELIVERY"))
    assert e.verdict().startswith("No clear change in 'Late delivery' yet: 40% before, 36% since (p = 0.700")
    assert ThemeShift("Late delivery", 10, 9, 5.2, 4.8, 0.24).text() == \
        "Late delivery: 5% of reviews before, 5% since (-0.4 points; p = 0.240)"
    worse = Effect(**{**e.as_dict(), "named": ThemeShift("Late delivery", 2, 12, 8.0, 48.0, 0.001)})
    assert worse.verdict().startswith("More reviews raise 'Late delivery' since the change")
    rated = Effect("a", "b", "c", "d", 30, 30, before_rating=4.1, after_rating=3.2, rating_p=0.01)
    assert rated.verdict().startswith("Rated lower since the change: 4.10★ before, 3.20★ since")
    sour = Effect("a", "b", "c", "d", 80, 80, before_negative=56.0, after_negative=71.0, negative_p=0.04)
    assert sour.verdict().startswith("More reviews are negative since the change: 56% before, 71% since (p = 0.040")
    assert Effect(**{**sour.as_dict(), "negative_p": 0.2}).verdict().startswith("No clear change")


def test_changes_are_kept_in_either_database(store):
    """Recorded, measured (the effect as JSON), listed oldest first and forgotten: SQLite and PostgreSQL."""
    late = store.add_change(date(2026, 11, 2), "Firmware 2.3 — “fixes” battery", "Pulse", "Battery drain")
    early = store.add_change(date(2026, 10, 1), "New box")
    effect = Effect("2026-10-01", "2026-10-20", "2026-10-21", "2026-11-09", 25, 30,
                    themes=[ThemeShift("Battery drain", 10, 2, 40.0, 6.7, 0.004, "Dies by noon.", "r1")])
    effect.named = effect.themes[0]
    store.save_change_effect(late, effect.as_dict())
    rows = store.changes()
    assert [r["id"] for r in rows] == [early, late] and rows[0]["day"] == date(2026, 10, 1)
    assert rows[1]["label"] == "Firmware 2.3 — “fixes” battery" and rows[1]["product"] == "Pulse"
    assert rows[0]["effect"] is None and rows[1]["measured_at"] is not None
    assert Effect(**rows[1]["effect"]) == effect
    assert store.delete_change(early) and not store.delete_change(early)
    assert [r["id"] for r in store.changes()] == [late]


def _import_more(db: str, tmp_path, rows: list[dict]) -> None:
    assert main(["import", write_csv(tmp_path / "more.csv", rows), "--db", db, "-q"]) == 0


def test_an_effect_is_outgrown_by_new_reviews(db, tmp_path, capsys):
    from reviewlens.app.change_effects import measure_changes, outgrown

    store = Store(db)
    assert main(["changes", "add", CHANGE.isoformat(), "Switched courier", "--no-llm", "--db", db, "-q"]) == 0
    [change] = store.changes()
    assert not outgrown(store, change) and measure_changes(store, stale=True) == []
    # reviews of a day inside the windows arrive late (an import): the counts are not the ones measured
    _import_more(db, tmp_path, _rows(["Arrived a week late."], 1, CHANGE + timedelta(days=3)))
    assert outgrown(store, store.changes()[0])
    [(_, effect)] = measure_changes(store, stale=True)
    assert effect.after_reviews == 21 and not outgrown(store, store.changes()[0])
    # newer reviews: the windows grow
    _import_more(db, tmp_path, _rows(["Great kettle."], 5, date(2026, 11, 12)))
    assert outgrown(store, store.changes()[0])


@pytest.mark.slow
def test_a_scheduled_run_measures_the_changes_again(db, tmp_path, capsys):
    """Job.run (what `schedule`, `analyze` and the dashboard's analyzer run) analyzes the new reviews,
    recomputes the themes, and measures again the changes the new reviews fall in (the real model)."""
    from reviewlens.app.jobs import Job, JobOptions
    from reviewlens.config import load_settings

    assert main(["changes", "add", CHANGE.isoformat(), "Switched courier", "--no-llm", "--db", db, "-q"]) == 0
    _import_more(db, tmp_path, _rows(["Lovely, fast delivery this time.", "Works well."], 5, date(2026, 11, 10)))
    store = Store(db)
    lines: list[str] = []
    Job(store, load_settings(None, db=db)).run(JobOptions(analyze=True, complaints=True, quiet=True), lines.append)
    assert "changes you made: 1 measured again (reviewlens changes shows them)" in lines, lines
    effect = Effect(**store.changes()[0]["effect"])
    assert effect.after_until == "2026-11-11" and effect.after_reviews == 22
    assert effect.before_negative is not None  # analyzed now: the share negative is known on both sides
