"""What `complaints`, `praise`, `requests` and `report` print and keep: --top limits only what is printed,
--json is JSON alone, --stored says which period it shows, and the report's theme figures are the command's."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.store import Store
from tests.helpers import write_csv

from tests.reviewlens.app.test_theme_merge import BROKE, LATE, TRACKING  # the same three complaints
FINE = ["Works well and looks nice on the counter.", "Does what it says, happy with it.",
        "Good value, arrived on time.", "Solid kettle, boils quickly.", "Nice design and easy to clean.",
        "We use it every day without trouble."]


@pytest.fixture
def db(tmp_path, capsys) -> str:
    """Complaints and content reviews in the last 90 days (to 2026-11-10), a few in the 90 days before, and
    older ones in neither: all the reviews are more than the themes' period holds."""
    rows = ([{"text": t, "rating": 1, "date": "2026-11-10"} for t in LATE + TRACKING + BROKE]
            + [{"text": t, "rating": r, "date": "2026-11-01"} for t, r in zip(FINE, (5, 4, 5, 3, 5, 4))]
            + [{"text": t, "rating": 1, "date": "2026-07-01"} for t in LATE[:1]]
            + [{"text": f"{t} (an old one {k})", "rating": 4, "date": "2025-01-0{k}"}
               for k, t in enumerate(FINE[:5], 1)])
    out = str(tmp_path / "s.db")
    assert main(["import", write_csv(tmp_path / "r.csv", rows), "--db", out, "-q"]) == 0
    capsys.readouterr()
    return out


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)  # stdout: the JSON alone, nothing before or after it


def test_top_limits_what_is_printed_not_what_is_kept_nor_a_themes_figures(db, capsys):
    """`--top 1` once kept one theme for everyone (the report, the dashboard, the alerts, a later --stored)
    and held only the shown themes equal in the rating at stake, which changed with --top."""
    assert main(["complaints", "--no-llm", "--top", "1", "--db", db, "-q"]) == 0
    capsys.readouterr()
    kept, _ = queries.latest_complaints(Store(db))
    assert len(kept) >= 3
    assert main(["complaints", "--stored", "--top", "8", "--json", "--db", db, "-q"]) == 0
    wide = _json(capsys)["themes"]
    assert [t["label"] for t in wide] == [t.label for t in kept]
    assert main(["complaints", "--stored", "--top", "1", "--json", "--db", db, "-q"]) == 0
    [one] = _json(capsys)["themes"]
    assert one["label"] == wide[0]["label"] and one["rating_impact"] is not None
    assert one["rating_impact"] == wide[0]["rating_impact"]  # the at stake held the same themes equal


def test_json_is_json_alone_after_rename_merge_and_split(db, capsys):
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    capsys.readouterr()
    first, _ = queries.latest_complaints(Store(db))
    assert main(["complaints", "--rename", first[0].label, "Late parcels", "--json", "--db", db, "-q"]) == 0
    out = capsys.readouterr()
    assert "Late parcels" in [t["label"] for t in json.loads(out.out)["themes"]]
    assert "renamed" in out.err  # what was done: on stderr
    assert main(["complaints", "--no-llm", "--merge", first[1].label, "Late parcels", "--json", "--db", db,
                 "-q"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["themes"] and "merged into 'Late parcels'" in out.err
    assert main(["complaints", "--no-llm", "--split", "Late parcels", "--json", "--db", db, "-q"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["scope"]["split"] and "split" in out.err
    assert main(["complaints", "--stored", "--json", "--db", db, "-q"]) == 0
    _json(capsys)


def test_stored_says_its_period_rather_than_ignoring_the_one_asked_for(db, capsys):
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    capsys.readouterr()
    for asked in (["--since", "2026-11-01"], ["--until", "2026-11-05"], ["--days", "30"]):
        assert main(["complaints", "--stored", *asked, "--db", db, "-q"]) == 2, asked
        err = capsys.readouterr().err
        assert "--stored shows the saved complaint themes of 2026-08-13 to 2026-11-10" in err, err
        assert f"leave out {asked[0]}" in err
    # the saved period itself, named, is no contradiction
    assert main(["complaints", "--stored", "--since", "2026-08-13", "--until", "2026-11-10", "--db", db, "-q"]) == 0
    assert "2026-08-13 to 2026-11-10" in capsys.readouterr().out


def test_stored_with_nothing_saved_says_so_and_how_to_compute_them(db, capsys):
    """The reviews are analyzed; no request theme was saved: not "are the reviews analyzed?"."""
    assert main(["requests", "--stored", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "No request themes stored yet: `reviewlens requests` (without --stored) computes them" in out
    assert "analyze" not in out
    assert main(["requests", "--stored", "--json", "--db", db, "-q"]) == 0
    assert _json(capsys) == {"scope": {}, "themes": []}


def test_the_reports_theme_figures_are_the_commands_for_the_themes_period(db, tmp_path, capsys):
    """A report of all reviews divided the themes' members (reviews of their 90 days) by every review in the
    store and worked out the ratings over all of them: its shares and rating at stake were not the command's."""
    assert main(["complaints", "--no-llm", "--json", "--db", db, "-q"]) == 0
    printed = {t["label"]: t for t in _json(capsys)["themes"]}
    assert main(["report", "-o", str(tmp_path / "w.xlsx"), "--db", db, "-q"]) == 0
    rows = list(load_workbook(tmp_path / "w.xlsx", read_only=True)["Top complaints"].iter_rows(values_only=True))
    sheet = {r[1]: r for r in rows[1:] if r and isinstance(r[0], int)}
    assert set(sheet) == set(printed)
    for label, t in printed.items():
        assert sheet[label][3] == t["count"] and sheet[label][4] == pytest.approx(t["share"])
        m = t["rating_impact"]
        assert sheet[label][15] == (None if m is None else pytest.approx(m["at_stake"], abs=0.001))
    assert any(t["rating_impact"] for t in printed.values())


def test_a_report_of_no_reviews_is_an_error_and_no_file(db, tmp_path, capsys):
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    capsys.readouterr()
    out = tmp_path / "e.xlsx"
    assert main(["report", "--since", "2030-01-01", "-o", str(out), "--db", db, "-q"]) == 2
    assert "no reviews in the selection (2030-01-01 to …): no report written" in capsys.readouterr().err
    assert not out.exists()
    # an open period is said as given, with the day it was closed at
    assert main(["report", "--since", "2026-11-01", "-o", str(out), "--db", db, "-q"]) == 0
    summary = {r[0]: r[1] for r in load_workbook(out, read_only=True)["Summary"].iter_rows(values_only=True)
               if len(r) > 1}
    assert summary["Filters"] == "2026-11-01 to … (the newest review: 2026-11-10)"
