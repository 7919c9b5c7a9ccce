"""`reviewlens export` and the ratings without words (star-only reviews): an export wrote the reviews only, so a
store moved through an export and an import (a new machine, SQLite to PostgreSQL) lost every star-only rating, and
with them the scorecard's "With star-only". They now follow the reviews, a row each with an empty text, which the
import keeps as the same ratings again (their identity, product, date and place)."""

from __future__ import annotations

import csv
import json

import pytest

from reviewlens.app.cli import main
from reviewlens.records_io import import_file, export_records
from reviewlens.store import Store
from tests.reviewlens.test_star_ratings import _berlin, _file


def _chain(store, tmp_path):
    """Berlin (12 reviews, 10 star-only, two undated) and Hamburg (2 and 2): the chain's two branches."""
    import_file(store, _berlin(tmp_path))
    _file(tmp_path / "hamburg.csv", [["Pizza Roma", "H1", "Hamburg", f"h{i}", f"H {i}", "" if i % 2 else "Cold.",
                                      1 + i % 2, f"11/{1 + i:02d}/2026 10:00:00"] for i in range(4)])
    import_file(store, tmp_path / "hamburg.csv")


def _ratings(store):
    return sorted((r["id"], r["source"], r["product"], r["rating"], r["date"], r["place"])
                  for r in store.iter_star_ratings())


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_store_moved_through_an_export_keeps_its_ratings_without_words(store, tmp_path, fmt):
    _chain(store, tmp_path)
    before = _ratings(store)
    assert len(before) == 12 and {r[5] for r in before} == {"B1", "H1"}
    out = tmp_path / f"moved.{fmt}"
    assert export_records(store, out, fmt, star_only=True) == (14, 12)

    moved = Store(str(tmp_path / "moved.db"))
    res, _, new, _ = import_file(moved, out)
    assert new == 14 and res.stars_new == 12 and not res.errors
    assert _ratings(moved) == before  # the same identities, products, ratings, dates (None kept) and places
    assert moved.star_rating_stats("product") == store.star_rating_stats("product")
    # the export imported again, there or back where it came from: nothing new, nothing twice
    assert import_file(moved, out)[0].stars_new == 0 and len(_ratings(moved)) == 12
    assert import_file(store, out)[0].stars_new == 0 and _ratings(store) == before
    # their place came with them: a later file naming Berlin's place under the chain's name finds the branch
    _file(tmp_path / "berlin-later.csv", [["Pizza Roma", "B1", "Berlin", "s99", "Late", "", 5, "11/29/2026 10:00:00"]])
    import_file(moved, tmp_path / "berlin-later.csv")
    assert moved.star_rating_stats("product")["Pizza Roma (Berlin)"][0] == 11


def test_the_rows_of_ratings_without_words_follow_the_reviews(store, tmp_path):
    _chain(store, tmp_path)
    out = tmp_path / "all.jsonl"
    export_records(store, out, "jsonl", star_only=True)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [bool(r["text"]) for r in rows] == [True] * 14 + [False] * 12
    stars = rows[14:]
    assert [r["date"] for r in stars][-2:] == [None, None]  # newest first, the undated last
    assert {r["fields"]["place_id"] for r in stars} == {"B1", "H1"} and not any(r["author"] for r in stars)
    # a product and a period select them as they select the reviews
    part = export_records(store, out, "jsonl", star_only=True, products=["Pizza Roma (Hamburg)"])
    assert part == (2, 2)
    from datetime import date

    assert export_records(store, out, "jsonl", star_only=True, since=date(2026, 10, 6)).star_only == 5 + 2  # Hamburg's too
    # without star_only: the reviews, as before
    assert export_records(store, out, "jsonl") == (14, 0) and len(out.read_text().splitlines()) == 14


def test_the_export_command_writes_them_and_says_so(tmp_path, capsys):
    db = str(tmp_path / "s.db")
    assert main(["import", str(_berlin(tmp_path)), "--db", db]) == 0
    capsys.readouterr()
    out = tmp_path / "out.csv"
    assert main(["export", "-o", str(out), "--db", db]) == 0
    said = capsys.readouterr().out
    assert "wrote 12 reviews and 10 ratings without a text (star-only reviews, their text empty)" in said
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 22 and sum(r["text"] == "" for r in rows) == 10
    assert {r["field:place_id"] for r in rows} == {"B1"} and {r["rating"] for r in rows[12:]} == {"5.0", "4.0"}

    assert main(["export", "-o", str(out), "--no-star-only", "--db", db]) == 0
    assert "wrote 12 reviews to" in capsys.readouterr().out
    # a selection by what a rating has not (the review's marks): the reviews it selects only
    assert main(["export", "-o", str(out), "--suspicious", "out", "--db", db]) == 0
    assert "without a text" not in capsys.readouterr().out

    moved = str(tmp_path / "moved.db")
    assert main(["export", "-o", str(out), "--db", db]) == 0
    assert main(["import", str(out), "--db", moved]) == 0
    assert "10 ratings without a text (star-only reviews), 4.5★ on average: kept as ratings" in capsys.readouterr().out
    assert main(["scorecard", "--db", moved]) == 0
    assert "(+10)" in capsys.readouterr().out
