"""Columns that only restate a moment another column gives are not kept as the reviews' own fields: Google Play's
"Review Submit Millis Since Epoch" beside "Review Submit Date and Time" was shown with every review in the
dashboard ("Review Submit Millis Since Epoch: 1794445200000") and written as a column of the report; Outscraper's
review_datetime_utc beside the review_timestamp the date is read from, too. The import says which it left out
and why; a column that differs from the date anywhere, or gives no time of day, or says when a review was last
changed, is kept."""

from __future__ import annotations

import csv
import io

from reviewlens.records_io import columns_line, import_file, read_reviews_file

PLAY = ["Package Name", "App Version Code", "App Version Name", "Reviewer Language", "Device",
        "Review Submit Date and Time", "Review Submit Millis Since Epoch", "Review Last Update Date and Time",
        "Review Last Update Millis Since Epoch", "Star Rating", "Review Title", "Review Text",
        "Developer Reply Date and Time", "Developer Reply Millis Since Epoch", "Developer Reply Text", "Review Link"]


def _csv(path, header, rows, encoding="utf-8"):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding=encoding)
    return path


def test_google_plays_unix_times_are_not_kept(tmp_path, sqlite_store):
    f = _csv(tmp_path / "reviews_reviews_com.example_202611.csv", PLAY, [
        ["com.example", 421, "4.2.1", "en", "panther", "2026-11-12T01:00:00Z", 1794445200000, "2026-11-13T08:30:00Z",
         1794558600000, 4, "", "Fixed the crash.", "2026-11-14T09:00:00Z", 1794646800000, "Thanks!", "https://x/1"],
        ["com.example", 420, "4.2.0", "en", "oriole", "2026-10-20T10:15:30Z", 1792491330000, "2026-10-20T10:15:30Z",
         1792491330000, 1, "", "Crashes on start.", "", "", "", "https://x/2"],
    ], encoding="utf-16")
    res, _, new, _ = import_file(sqlite_store, f)
    assert new == 2 and not res.errors
    line = columns_line(res)
    assert ("not kept, the same moment as another column: Review Submit Millis Since Epoch (the review's date), "
            "Review Last Update Millis Since Epoch (Review Last Update Date and Time), Developer Reply Millis Since "
            "Epoch (the reply's date)") in line
    assert res.own_columns == ["App Version Code", "Device", "Review Last Update Date and Time"]
    assert "empty in every row" not in line  # the reply's millis have a value in the first row
    fields = sqlite_store.fields_of([r.id for r in read_reviews_file(f).reviews])
    assert all(set(v) <= {"App Version Code", "Device", "Review Last Update Date and Time"} for v in fields.values())
    assert {v["Review Last Update Date and Time"] for v in fields.values()} == {"2026-11-13T08:30:00Z",
                                                                               "2026-10-20T10:15:30Z"}


def test_outscrapers_second_form_of_the_date_is_not_kept(tmp_path):
    f = _csv(tmp_path / "outscraper.csv",
             ["name", "place_id", "review_text", "review_rating", "review_timestamp", "review_datetime_utc",
              "owner_answer", "owner_answer_timestamp", "owner_answer_timestamp_datetime_utc", "place_address"],
             [["Hotel", "ChIJ1", "Great stay.", 5, 1788253200, "09/01/2026 09:00:00", "Thank you", 1788339600,
               "09/02/2026 09:00:00", "Elbchaussee 12"],
              ["Hotel", "ChIJ1", "Noisy room.", 2, 1788426000, "09/03/2026 09:00:00", "", "", "", "Elbchaussee 12"]])
    res = read_reviews_file(f)
    assert res.restated == {"review_datetime_utc": "review_timestamp",
                            "owner_answer_timestamp": "owner_answer_timestamp_datetime_utc"}
    assert "review_datetime_utc (the review's date)" in columns_line(res)
    assert all("review_datetime_utc" not in (r.extra.get("fields") or {}) for r in res.reviews)
    assert res.reviews[0].extra["fields"]["place_address"] == "Elbchaussee 12"  # what restates nothing stays


def test_columns_that_differ_give_no_time_or_tell_edits_are_kept(tmp_path):
    f = _csv(tmp_path / "r.csv", ["text", "rating", "date", "experienced", "day", "updated_at", "checked"], [
        ["Good.", 5, "2026-11-01T10:00:00", "2026-11-01T10:00:00", "2026-11-01", "2026-11-01T10:00:00", 1793570400],
        ["Bad.", 1, "2026-11-02T10:00:00", "2026-10-28T19:00:00", "2026-11-02", "2026-11-02T10:00:00", 1793656800],
    ])
    res = read_reviews_file(f)
    # "experienced" differs in the second row; "day" has no time of day; "updated_at" tells edits (kept even equal);
    # "checked" is a Unix time twelve hours after the date in every row (another moment)
    assert res.restated == {}
    assert res.own_columns == ["experienced", "day", "updated_at", "checked"]
    assert res.reviews[1].extra["fields"]["experienced"] == "2026-10-28T19:00:00"


def test_a_unix_time_in_seconds_beside_a_time_without_a_zone(tmp_path):
    f = _csv(tmp_path / "r.csv", ["text", "date", "ts"], [["Fine.", "2026-11-01 10:00:00", 1793527200]])
    res = read_reviews_file(f)
    assert res.restated == {"ts": "date"} and "ts (the review's date)" in columns_line(res)


def test_a_row_after_the_first_ones_that_differs_keeps_its_value(tmp_path, monkeypatch):
    """The first rows decide which columns restate another; a later row where one differs loses nothing."""
    from reviewlens import records_io

    monkeypatch.setattr(records_io, "RESTATE_SAMPLE", 2)
    f = _csv(tmp_path / "r.csv", ["text", "date", "ts"], [
        ["One.", "2026-11-01T10:00:00Z", 1793527200], ["Two.", "2026-11-02T10:00:00Z", 1793613600],
        ["Three.", "2026-11-03T10:00:00Z", 1793527200], ["Four.", "2026-11-04T10:00:00Z", ""]])
    res = read_reviews_file(f)
    assert res.restated == {} and res.own_columns == ["ts"]
    assert [r.extra.get("fields") for r in res.reviews] == [None, None, {"ts": "1793527200"}, None]


def test_a_column_without_a_value_in_any_row_is_said_empty_not_kept(tmp_path):
    """An app never answered: Google Play's "Developer Reply Millis Since Epoch" was listed among the columns "kept
    as the reviews' own fields", though nothing of it was."""
    f = _csv(tmp_path / "r.csv", ["text", "date", "Device", "Developer Reply Millis Since Epoch", "field:plan"],
             [["One.", "2026-11-01", "panther", "", ""], ["Two.", "2026-11-02", "", "", ""]])
    res = read_reviews_file(f)
    assert res.own_columns == ["Device", "field:plan"] and res.empty == ["Developer Reply Millis Since Epoch"]
    assert columns_line(res).endswith("; empty in every row: Developer Reply Millis Since Epoch")


def test_the_bundled_google_play_export(tmp_path, sqlite_store):
    """data/examples' Google Play export (the README's version comparison) imports as the README says."""
    from pathlib import Path

    from reviewlens import queries

    f = Path(__file__).resolve().parents[2] / "data/examples/reviews_reviews_com.pennywise.budget_202611.csv"
    res, _, new, _ = import_file(sqlite_store, f)
    assert new == 30 and not res.errors and res.encoding != "utf-8"
    assert set(res.restated) == {"Review Submit Millis Since Epoch", "Review Last Update Millis Since Epoch"}
    assert queries.options(sqlite_store).versions == ["4.2.1", "4.2.0", "4.1.0"]
