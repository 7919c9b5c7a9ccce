"""`reviewlens import` of a retailer's weekly review exports (100k rows a week): what a big, real-world file holds
(day-first dates, edited reviews exported again, malformed rows, a huge text) and a store moved through `export`."""

from __future__ import annotations

import csv
import json
import sqlite3

from reviewlens.app.cli import main
from reviewlens.store import Store


def _import(capsys, *args: str) -> tuple[int, str]:
    """`reviewlens import ARGS`: (exit status, what it printed, errors included)."""
    status = main(["import", *args])
    out = capsys.readouterr()
    return status, out.out + out.err


def test_day_first_dates_are_no_months_without_a_day(tmp_path, capsys):
    """A file of day-first dates (25/03/2025) said "1 date names a month without a day (such as 01/02/2025): read
    as the month's 1st day" of 1 February 2025: the check read the date again month first (January 2nd)."""
    f = tmp_path / "t_dates.csv"
    f.write_text("review_text,rating,date\nGood stuff here,4,01/02/2025\nBad stuff here,2,25/03/2025\n"
                 "Ok stuff,3,2025-04-05 10:00:00\nMonthly,3,2025-06\n")
    db = str(tmp_path / "s.db")
    out = _import(capsys, str(f), "--db", db)[1]
    got = {r.text: r.date.isoformat() for r in Store(db).reviews_frame().itertuples()}
    assert got["Good stuff here"] == "2025-02-01" and got["Monthly"] == "2025-06-01"
    assert "1 date names a month without a day (such as 2025-06): read as the month's 1st day" in out, out
    month_first = tmp_path / "us.csv"  # the same in a month-first file: 02/01/2025 names its day too
    month_first.write_text("text,date\nA,02/01/2025\nB,12/25/2025\n")
    assert "month without a day" not in _import(capsys, str(month_first), "--db", db)[1]


def test_a_row_with_more_or_fewer_fields_than_the_header_says_so(tmp_path, capsys):
    """A text with a comma and no quotes around it (12 fields under 11 columns) was skipped as "could not convert
    string to float: 'UK'" (the country shifted into helpful_votes), a row cut short as "empty review text"; and
    one whose last value was empty read the country as the votes too."""
    head = "review_id,product,source,author,date,rating,title,review_text,country,helpful_votes,verified\r\n"
    rows = ["R1,Nimbus 14,web,Ann,2026-11-01,5,,Fine laptop,DE,3,true\r\n",
            "R2,Nimbus 14,web,Bob,2026-11-02,4,,Great laptop, but the fan is loud,UK,0,true\r\n",  # line 3
            "R3,Nimbus 14,web,Cy,2026-11-03,2\r\n",                                               # line 4
            "R4,Nimbus 14,web,Di,2026-11-04,3,,Loud, but fast,FR,1,\r\n",  # line 5: its last value empty
            "R5,Nimbus 14,web,Ed,2026-11-05,4,,Votes wrong,ES,many,true\r\n"]                     # line 6
    f = tmp_path / "week.csv"
    f.write_bytes((head + "".join(rows)).encode("utf-8"))
    db = str(tmp_path / "s.db")
    out = _import(capsys, str(f), "--db", db)[1]
    assert "line 3: the row has 12 fields, the header 11 (a comma in a text that is not in quotes?)" in out, out
    assert "line 4: the row has 6 fields, the header 11: fix the row" in out, out
    assert "line 5: the row has 12 fields, the header 11" in out, out
    assert "line 6: helpful votes 'many' is not a number; the review is imported without helpful votes" in out, out
    assert "could not convert" not in out and "empty review text" not in out
    assert sorted(Store(db).reviews_frame()["text"]) == ["Fine laptop", "Votes wrong"]  # kept, without votes


def test_a_review_of_200000_characters_is_read_and_cut_as_a_scrape_cuts_it(tmp_path, capsys):
    """One 200,000-character review ended a 102,599-row import: "field larger than field limit (131072)", no line,
    nothing stored, no run recorded. It is read now, and cut to the 100,000 characters a scrape keeps, said."""
    long = ("The battery lasts all day, the screen is sharp. " * 5000)[:200_000]
    long_60k = ("Fan noise, " * 6000)[:60_000]
    f = tmp_path / "week.csv"
    with f.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["review_id", "review_text", "rating", "date"])
        w.writerows([["R1", "Short one", 5, "2026-11-01"], ["R2", long, 2, "2026-11-02"],
                     ["R3", long_60k, 3, "2026-11-03"], ["R4", "After it", 4, "2026-11-04"]])
    db = str(tmp_path / "s.db")
    status, out = _import(capsys, str(f), "--db", db)
    assert status == 0, out
    assert "4 new reviews" in out and "line 3: a text of 200,000 characters: its first 100,000 are stored" in out, out
    with sqlite3.connect(db) as c:
        got = {sid: (text, json.loads(extra or "{}")) for sid, text, extra in
               c.execute("SELECT site_review_id, text, extra FROM reviews")}
    assert got["R2"] == (long[:100_000], {"truncated_from": 200_000})
    assert got["R3"][0] == long_60k and "truncated_from" not in got["R3"][1]  # under the cut: stored whole
    assert Store(db).list_runs(kind="import")[0]["status"] == "partial"


def test_a_csv_error_names_its_line_and_skips_only_that_row(tmp_path, capsys, monkeypatch):
    """Any other csv.Error (here a field over the limit, lowered for the test) ended the import with no line; now
    it names the line and skips only that row (or, inside a quote never closed, the lines it spans)."""
    from reviewlens import records_io

    before = csv.field_size_limit()
    monkeypatch.setattr(records_io, "CSV_FIELD_LIMIT", 1000, raising=False)
    csv.field_size_limit(1000)
    try:
        f = tmp_path / "week.csv"
        f.write_text("text,rating\nFirst,5\n" + "x" * 2000 + ",1\nThird,4\n\"" + "y" * 1500 + "\nmore, in the "
                     "text\" (the quote closed),3\nLast,2\n\"Never closed" + "z" * 1500 + ",1\nGone,5\n", encoding="utf-8")
        db = str(tmp_path / "s.db")
        status, out = _import(capsys, str(f), "--db", db)
    finally:
        csv.field_size_limit(before)
    assert status == 0, out
    assert "line 3: a field longer than 1,000 characters: the row is skipped" in out, out
    assert "line 5: a field longer than 1,000 characters: lines 5 to 6 are skipped (a quote never closed?)" in out
    assert "line 8: a field longer than 1,000 characters: lines 8 to the end of the file are skipped" in out, out
    assert sorted(Store(db).reviews_frame()["text"]) == ["First", "Last", "Third"]


FORMULA_LIKE = ["=HYPERLINK(\"http://evil.example/refund\",\"Refund\")", "+1 for the battery", "-4 RAM slots, 2 bays",
                "@support never answered", "\tindented", " =1+1", "\u200b=SUM(A1)", "'Tis the best kettle",
                "'=1+1 is what I typed", "''-- two of mine", "'", "Plain text - with = inside", "-"]


def _texts(db) -> dict[str, tuple[str, str, str | None, str | None]]:
    with sqlite3.connect(db) as c:
        return {sid: rest for sid, *rest in c.execute(
            "SELECT site_review_id, text, content_hash, title, reply FROM reviews")}


def test_a_store_moved_through_a_csv_export_keeps_every_text_verbatim(tmp_path, capsys):
    """`export` then `import` of the CSV (the README's way to move a store) changed every text starting with
    - = + @: the export's apostrophe (formula neutralisation) stayed, the stored text was overwritten ("'-4 RAM
    slots"), its content hash changed and its analysis was lost, while the import said "0 new reviews". An
    import of ReviewLens's CSV export takes off exactly the apostrophe the export added; a review's own stays."""
    from openpyxl import Workbook

    from reviewlens.records_io import export_records, import_file
    from reviewlens.schema import Review

    db = tmp_path / "a.db"
    store = Store(db)
    store.upsert_reviews([Review(source="shop", text=t, title=t, reply=t, author="Ann", rating=4,
                                 site_review_id=f"s{i}") for i, t in enumerate(FORMULA_LIKE)])
    before = _texts(db)
    for name, raw in (("all.csv", False), ("raw.csv", True), ("all.jsonl", False)):
        out = tmp_path / name
        export_records(store, out, "jsonl" if name.endswith(".jsonl") else "csv", raw=raw)
        moved = tmp_path / f"moved-{name}.db"
        import_file(Store(moved), out)
        assert _texts(moved) == before, name
    exported = (tmp_path / "all.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in exported and "''=1+1 is what I typed" in exported  # still defused for spreadsheets
    res, _, new, seen = import_file(store, tmp_path / "all.csv")  # back into the store it came from
    assert (new, seen) == (0, len(FORMULA_LIKE)) and _texts(db) == before
    wb = Workbook()  # the CSV saved from a spreadsheet app: a text cell with the quote prefix reads as it is
    ws = wb.active
    ws.append(["id", "site_review_id", "source", "text", "analysis_status"])
    ws.append([None, "x1", "shop", "=1+1 as text", "pending"])
    ws["D2"].data_type, ws["D2"].quotePrefix = "s", True
    wb.save(tmp_path / "sheet.xlsx")
    import_file(Store(tmp_path / "sheet.db"), tmp_path / "sheet.xlsx")
    assert [t for t, *_ in _texts(tmp_path / "sheet.db").values()] == ["=1+1 as text"]


def test_an_edited_review_exported_again_is_stored_as_its_latest_row(tmp_path, capsys):
    """Within one file, a review id met again with an edited text (a re-export: the original first, the edit
    later) kept the first, older text, said only as "rows repeat a review id ...: the same review, stored once".
    The latest row wins now (the later "updated" value when the file has one), and the edits are counted.
    Across files, a file that gave stored reviews new words said only their new ratings; both are said now."""
    f = tmp_path / "week1.csv"
    f.write_text("review_id,review_text,rating,date\n"
                 "R1,Battery died in a week,1,2026-11-01\n"
                 "R2,Solid,4,2026-11-02\n"
                 "R3,Good,4,2026-11-03\n"
                 "R2,Solid,4,2026-11-02\n"                                            # the same row again
                 "R1,Battery died in a week. Support replaced it: fine now,4,2026-11-01\n"  # edited: later wins
                 "R2,Solid,4,2026-11-02\n"
                 "R3,Good,,2026-11-03\n", encoding="utf-8")  # its rating left out: the other row's is kept
    db = str(tmp_path / "s.db")
    out = _import(capsys, str(f), "--db", db)[1]
    assert "3 new reviews, 0 already stored, 0 rows skipped, 4 repeated rows" in out, out
    assert ("4 rows repeat a review id met elsewhere in the file: the same review, stored once, as its latest row "
            "has it (the later date, else the row further down); 1 of these reviews reads otherwise in another row")\
        in out, out
    assert _texts(db)["R1"][0] == "Battery died in a week. Support replaced it: fine now"
    with sqlite3.connect(db) as c:
        assert dict(c.execute("SELECT site_review_id, rating FROM reviews")) == {"R1": 4.0, "R2": 4.0, "R3": 4.0}
    again = _import(capsys, str(f), "--db", db)[1]  # again: nothing new, nothing edited
    assert "0 new reviews, 3 already stored, 0 rows skipped, 4 repeated rows" in again and "edited since" not in again
    updated = tmp_path / "play.csv"  # an "updated" column decides, whatever the order of the rows
    updated.write_text("review_id,review_text,rating,Review Last Update Date and Time\n"
                       "P1,Newest words,5,2026-11-20T10:00:00Z\nP1,Older words,2,2026-11-02T10:00:00Z\n")
    out = _import(capsys, str(updated), "--db", db)[1]
    assert "(the later 'Review Last Update Date and Time', else the later date" in out, out
    assert [t for sid, (t, *_) in _texts(db).items() if sid == "P1"] == ["Newest words"]
    week2 = tmp_path / "week2.csv"  # next week's export: R1 edited again, R3 re-rated, R2 as it was, one new
    week2.write_text("review_id,review_text,rating,date\n"
                     "R1,Battery died in a week. Replaced: fine now,4,2026-11-01\nR2,Solid,4,2026-11-02\n"
                     "R3,Good,3,2026-11-03\nR4,New one,5,2026-11-09\n", encoding="utf-8")
    out = _import(capsys, str(week2), "--db", db)[1]
    assert ("1 new review, 3 already stored (2 of them edited since (1 new text, 1 new rating)), 0 rows skipped"
            in out), out
