"""`reviewlens import` and `reviewlens export`: real files, real store, through the command line."""

from __future__ import annotations

import codecs
import csv
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from reviewlens.app.cli import main
from reviewlens.records_io import ImportFileError, columns_line, export_records, import_file, read_reviews_file
from reviewlens.records_io import _column_map as column_map
from reviewlens.schema import Analysis, Review, TopicMention
from reviewlens.store import Store


def test_import_csv_with_aliases_scales_and_bad_rows(tmp_path, capsys):
    f = tmp_path / "play_console.csv"
    f.write_text(
        "Review Text,Star Rating,Review Submit Date and Time,Package Name,Review Link\n"
        "Crashes on start,1,2026-03-01T10:00:00Z,com.acme.app,http://x/1\n"
        "\"Love it, works great\",5,2026-03-02T10:00:00Z,com.acme.app,http://x/2\n"
        ",,2026-03-02,com.acme.app,\n"  # neither words nor stars (stars alone: a star-only review, left out)
        "Bad date,2,not a date at all,com.acme.app,\n", encoding="utf-8")
    db = tmp_path / "s.db"
    assert main(["import", str(f), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "2 new reviews" in out and "2 rows skipped" in out
    assert "line 4: empty review text" in out and "line 5:" in out
    store = Store(db)
    rs = {r.text: r for r in store.reviews_frame().itertuples()}
    assert rs["Crashes on start"].rating == 1.0 and rs["Crashes on start"].product == "com.acme.app"
    assert rs["Love it, works great"].date.isoformat() == "2026-03-02"
    assert rs["Crashes on start"].source == "import:play_console"
    # importing again adds nothing
    assert main(["import", str(f), "--db", str(db)]) == 0
    assert "0 new reviews, 2 already stored" in capsys.readouterr().out
    runs = store.list_runs(kind="import")
    assert len(runs) == 2 and runs[0]["status"] == "partial" and runs[0]["errors"]


def test_import_jsonl_ten_point_scale_and_broken_line(tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text(json.dumps({"body": "Too small", "score": 4, "id": "a1", "author": "Kim"}) + "\n"
                 + "{broken json\n"
                 + json.dumps({"body": "Perfect 😀", "score": 10, "id": "a2"}) + "\n", encoding="utf-8")
    res = read_reviews_file(f, rating_scale=10, source="app-store")
    assert [r.rating for r in res.reviews] == [pytest.approx(2.6), 5.0]  # 4 of 10: 1 + 4 * 0.4
    assert res.reviews[0].site_review_id == "a1" and res.reviews[0].source == "app-store"
    assert res.errors[0]["line"] == 2 and "not valid JSON" in res.errors[0]["message"]


def test_jsonl_lines_may_leave_out_fields_and_a_bad_value_is_named(tmp_path):
    """Each JSON line is read by its own keys: a field the first line leaves out (it had no reply, no date)
    was dropped from every later line. A value that is not a date or a rating says so, not "ValueError"; the
    review with a bad rating is kept without it."""
    f = tmp_path / "r.jsonl"
    lines = [{"text": "First, no extras"},
             {"text": "Late again", "date": "2026-11-03", "rating": 2, "reply": "Sorry, we are on it.",
              "reply_date": "2026-11-04", "author": "Ana"},
             {"review": "Another key for the text", "stars": 5},
             {"title": "a title alone"},
             {"text": "When?", "date": "next tuesday"},
             {"text": "How good?", "rating": "great"}]
    f.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    res = read_reviews_file(f)
    by_text = {r.text: r for r in res.reviews}
    late = by_text["Late again"]
    assert (late.date.isoformat(), late.rating, late.reply, late.author) == ("2026-11-03", 2.0, "Sorry, we are on it.", "Ana")
    assert late.reply_date.isoformat() == "2026-11-04"
    assert by_text["Another key for the text"].rating == 5.0
    errors = {e["line"]: e["message"] for e in res.errors}
    assert set(errors) == {4, 5}
    assert errors[4].startswith("no review text field") and "title" in errors[4]
    assert errors[5] == "date 'next tuesday' is not a date (for example 2026-11-30 or 30 Nov 2026)"
    assert res.notes == [{"line": 6, "message": "rating 'great' is not a rating (such as 4, 4.5, 4/5, 4 out of 5, "
                          "4 stars, ★★★★☆ or 80%); the review is imported without a rating"}]
    assert by_text["How good?"].rating is None


def test_day_or_month_first_follows_the_file(tmp_path, capsys):
    """03/04/2026 is 3 April in a file that also has 31/03/2026, 4 March in one that has 12/25/2025; with
    dots (03.04.2026) the day comes first; ISO dates stay what they are; --date-order decides when asked."""
    def dates(name: str, body: str, *args: str) -> dict[str, str]:
        f = tmp_path / name
        f.write_text(body, encoding="utf-8")
        db = tmp_path / f"{name}.db"
        assert main(["import", str(f), "--db", str(db), *args]) == 0
        return {r.text: r.date.isoformat() for r in Store(db).reviews_frame().itertuples()}

    uk = dates("uk.csv", "text,date,reply,reply_date\nA,03/04/2026,Thanks,04/04/2026\nB,31/03/2026,,\n")
    assert uk == {"A": "2026-04-03", "B": "2026-03-31"}
    assert "read day first, as the file's other dates show (--date-order month if not)" in capsys.readouterr().out
    assert read_reviews_file(tmp_path / "uk.csv").reviews[0].reply_date.isoformat() == "2026-04-04"
    assert dates("us.csv", "text,date\nA,03/04/2026\nB,12/25/2025\n") == {"A": "2026-03-04", "B": "2025-12-25"}
    assert "read month first" in capsys.readouterr().out
    assert dates("de.csv", "text;date\nA;03.04.2026\nB;4.5.26\nC;2026-04-05\n") == {
        "A": "2026-04-03", "B": "2026-05-04", "C": "2026-04-05"}
    same = "text,date\nA,03/04/2026\nB,2026-01-02\n"  # nothing says: month first, unless asked
    assert dates("a.csv", same) == {"A": "2026-03-04", "B": "2026-01-02"}
    assert dates("b.csv", same, "--date-order", "day") == {"A": "2026-04-03", "B": "2026-01-02"}


@pytest.mark.parametrize("header, row", [
    # named like Trustpilot's business export
    ("Review ID,Review Created (UTC),Review Consumer User ID,Review Title,Review Content,Review Stars,"
     "Review Language,Company Reply Date (UTC),Reply Content",
     "t-1,2026-11-02T09:00:00Z,u9,Broken lid,The lid broke on day two.,2,en,2026-11-03T10:00:00Z,Sorry to hear that!"),
    # like Yotpo's
    ("Review Title,Review Content,Review Score,Date,Product Title,Reviewer Display Name",
     "Broken lid,The lid broke on day two.,2,2026-11-02,Kettle,Ann"),
    # like Judge.me's
    ("title,body,rating,review_date,reviewer_name,product_title,reply,reply_date",
     "Broken lid,The lid broke on day two.,2,2026-11-02,Ann,Kettle,Sorry to hear that!,2026-11-03"),
    # like App Store Connect's
    ("Date,Nickname,Rating,Title,Review,Version,Territory", "2026-11-02,Ann,2,Broken lid,The lid broke on day two.,3.2,US"),
])
def test_review_platform_exports_are_read_by_their_own_column_names(tmp_path, header, row):
    f = tmp_path / "export.csv"
    f.write_text(header + "\n" + row + "\n", encoding="utf-8")
    res = read_reviews_file(f)
    assert not res.errors, res.errors
    [r] = res.reviews
    assert (r.text, r.rating, r.date.isoformat(), r.title) == ("The lid broke on day two.", 2.0, "2026-11-02", "Broken lid")
    if "Reply" in header or "reply" in header:
        assert r.reply == "Sorry to hear that!" and r.reply_date.isoformat() == "2026-11-03"
    if "Product Title" in header or "product_title" in header:
        assert r.product == "Kettle"
    if "Nickname" in header or "reviewer" in header.lower():
        assert r.author == "Ann"
    if "Version" in header:
        assert r.version == "3.2"


OUTSCRAPER = (  # Outscraper's Google Maps reviews: "rating" and "reviews" are the place's, "name" the place
    "query,name,google_id,place_id,reviews,rating,review_id,author_title,author_id,review_text,owner_answer,"
    "owner_answer_timestamp_datetime_utc,review_link,review_rating,review_timestamp,review_datetime_utc,review_likes\n"
    "Harbour View Hotel,Harbour View Hotel,0x47a8,ChIJ123,812,4.4,Ch1,Maria G.,1111,\"Thin walls, we heard the bar.\","
    "We are sorry.,11/23/2025 12:13:20,https://maps.example/r1,2,1763800000,11/22/2025 08:26:40,3\n"
    "Harbour View Hotel,Harbour View Hotel,0x47a8,ChIJ123,812,4.4,Ch2,Tom B.,2222,\"Lovely staff.\",,,"
    "https://maps.example/r2,5,1763700000,11/21/2025 04:40:00,0\n")
APIFY = [  # Apify's Google Maps reviews (JSON): "title" is the place, "totalScore" its average, "name" the reviewer
    {"title": "Harbour View Hotel", "placeId": "ChIJ123", "totalScore": 4.4, "name": "Maria G.", "stars": 2,
     "text": "Thin walls, we heard the bar.", "publishedAtDate": "2025-11-22T08:26:40.000Z", "likesCount": 3,
     "reviewId": "Ch1", "reviewUrl": "https://maps.example/r1", "responseFromOwnerText": "We are sorry.",
     "responseFromOwnerDate": "2025-11-23T12:13:20.000Z"},
    {"title": "Harbour View Hotel", "placeId": "ChIJ123", "totalScore": 4.4, "name": "Tom B.", "stars": 5,
     "text": "Lovely staff.", "publishedAtDate": "2025-11-21T04:40:00.000Z", "likesCount": 0, "reviewId": "Ch2",
     "reviewUrl": "https://maps.example/r2", "responseFromOwnerText": None, "responseFromOwnerDate": None}]
LOBSTR = (  # lobstr.io's: "score" the review's, "place_average_score" the place's
    "cid,place_id,place_name,user_name,score,published_at_datetime,review_link,text,response_from_owner,total_likes,"
    "lang,place_average_score\n"
    "6617,ChIJ123,Harbour View Hotel,Maria G.,2,2025-11-22T08:26:40Z,https://maps.example/r1,"
    "\"Thin walls, we heard the bar.\",We are sorry.,3,en,4.4\n"
    "6617,ChIJ123,Harbour View Hotel,Tom B.,5,2025-11-21T04:40:00Z,https://maps.example/r2,Lovely staff.,,0,en,4.4\n")


REAPX = [  # another Apify actor's: "placeRating" the place's, "placeName", the date in epoch milliseconds
    {"text": "Thin walls, we heard the bar.", "rating": 2, "reviewId": "Ch1", "placeRating": 4.4, "authorName": "Maria G.",
     "placeName": "Harbour View Hotel", "placeId": "ChIJ123", "publishedAtMs": 1763800000000,
     "scrapedAt": "2026-11-30T10:00:00Z"},
    {"text": "Lovely staff.", "rating": 5, "reviewId": "Ch2", "placeRating": 4.4, "authorName": "Tom B.",
     "placeName": "Harbour View Hotel", "placeId": "ChIJ123", "publishedAtMs": 1763700000000,
     "scrapedAt": "2026-11-30T10:00:00Z"}]


@pytest.mark.parametrize("name, content", [("outscraper.csv", OUTSCRAPER), ("apify.json", json.dumps(APIFY)),
                                           ("lobstr.csv", LOBSTR), ("reapx.json", json.dumps(REAPX))])
def test_google_maps_scrapers_files_are_read_with_the_review_s_own_rating_and_the_place_as_product(
        tmp_path, name, content):
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    res = read_reviews_file(f)
    assert not res.errors, res.errors
    got = sorted(((r.author, r.rating, r.date.isoformat(), r.product, r.title, r.reply, r.helpful_votes, r.url)
                  for r in res.reviews))
    if name == "outscraper.csv":  # the place's average is said as not read, beside the review's own
        assert "not read: reviews (the place's), rating (the review's own: review_rating)" in columns_line(res)
    # the place's figures (its review count, its average) are no review's own fields: not read, and said so
    figures = {"reviews", "totalScore", "place_average_score", "placeRating"}
    assert not any(figures & set(r.extra.get("fields") or {}) for r in res.reviews)
    assert not figures & set(res.own_columns)
    assert "(the place's)" in columns_line(res)
    if name == "reapx.json":  # no reply, likes nor review address in that one
        got = [g[:5] for g in got]
        assert got == [("Maria G.", 2.0, "2025-11-22", "Harbour View Hotel", None),
                       ("Tom B.", 5.0, "2025-11-21", "Harbour View Hotel", None)]
        return
    assert got == [("Maria G.", 2.0, "2025-11-22", "Harbour View Hotel", None, "We are sorry.", 3, "https://maps.example/r1"),
                   ("Tom B.", 5.0, "2025-11-21", "Harbour View Hotel", None, None, 0, "https://maps.example/r2")]


def test_star_only_reviews_are_left_out_and_said_once_not_as_errors(tmp_path, capsys):
    """Google keeps reviews that are only stars (a third or more of a place's); a Google Maps scraper's file has
    them as rows with a rating and no text. Each was an "empty review text" error, and the run "partial": a weekly
    scheduled import raised a broken-import alert every week. A row with neither a text nor a rating still is one."""
    rows = OUTSCRAPER.splitlines()
    star = rows[2].replace('\"Lovely staff.\"', "").replace(",Ch2,", ",Ch3,")
    broken = rows[2].replace('\"Lovely staff.\"', "").replace(",Ch2,", ",Ch4,").replace(",5,1763700000,", ",,1763700000,")
    f = tmp_path / "outscraper.csv"
    f.write_text("\n".join(rows + [star, star.replace(",Ch3,", ",Ch5,").replace(",5,1763700000,", ",4,1763700000,"),
                                  broken]) + "\n", encoding="utf-8")
    db = str(tmp_path / "s.db")
    assert main(["import", str(f), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "read 5 rows from" in out and "2 new reviews, 0 already stored, 1 row skipped" in out
    assert "2 ratings without a text (star-only reviews), 4.5★ on average: kept as ratings, not as reviews" in out
    assert "line 6: empty review text" in out and "line 4" not in out and "line 5" not in out
    store = Store(db)
    run = store.list_runs(kind="import")[0]
    assert store.count_reviews() == 2 and run["status"] == "partial"  # the broken row
    assert run["detail"]["star_only"] == 2  # kept in the run history
    f.write_text("\n".join(rows + [star]) + "\n", encoding="utf-8")
    assert main(["import", str(f), "--db", str(tmp_path / "t.db")]) == 0
    assert Store(str(tmp_path / "t.db")).list_runs(kind="import")[0]["status"] == "ok"


def test_a_column_named_review_x_is_the_review_s_own_beside_x():
    assert column_map(["rating", "review_rating", "text"])["rating"] == "review_rating"
    assert column_map(["Rating", "Review Rating", "Text"])["rating"] == "Review Rating"
    assert column_map(["date", "review_date", "text"])["date"] == "review_date"
    assert column_map(["rating", "text"])["rating"] == "rating"
    assert column_map(["title", "name", "text"]) == {"title": "title", "author": "name", "text": "text"}  # no place id
    assert column_map(["cid", "title", "text"])["title"] == "title"  # a survey's customer id names no place


@pytest.mark.parametrize("header, row, want", [
    # Okendo's import/export template: the product by its Shopify id, the date in camelCase, a verified buyer
    ("name,body,title,productId,rating,dateCreated,countryCode,email,isVerifiedBuyer",
     "Ann,The lid broke on day two.,Broken lid,8123456789,2,2026-11-02T14:21:03Z,gb,ann@example.com,true",
     {"product": "8123456789", "verified": True}),
    # Judge.me's export as it is written: the product by its handle, the reviewer's e-mail and IP address
    ("title,body,rating,review_date,source,curated,reviewer_name,reviewer_email,product_id,product_handle,reply,"
     "reply_date,picture_urls,ip_address,location,metaobject_handle",
     "Broken lid,The lid broke on day two.,2,2026-11-02 09:02:44 UTC,web,ok,Ann,ann@example.org,8123456789,kettle-1l,"
     ",,,198.51.100.23,,", {"product": "kettle-1l"}),
    # Yotpo's: the date as "Review Creation Date", helpful votes as "Votes Up"
    ("Review ID,Review Creation Date,Review Title,Review Content,Review Score,Product ID,Product Title,"
     "Reviewer Display Name,Reviewer Email,Verified Purchase,Votes Up,Votes Down",
     "101,2026-11-02,Broken lid,The lid broke on day two.,2,8123,Kettle,Ann,ann@example.com,true,3,0",
     {"product": "Kettle", "helpful_votes": 3, "verified": True, "site_review_id": "101"}),
    # Trustpilot's business export: the reviewer as "Review Consumer User"
    ("Review Created (UTC),Review Stars,Review Title,Review Content,Review Consumer User,Review Language,Review Id",
     "2026-11-02 14:21:03,2,Broken lid,The lid broke on day two.,Ann,en,5f1", {"language": "en"}),
])
def test_shop_review_apps_exports_are_read_with_product_date_and_author(tmp_path, header, row, want):
    f = tmp_path / "export.csv"
    f.write_text(header + "\n" + row + "\n", encoding="utf-8")
    res = read_reviews_file(f)
    assert not res.errors, res.errors
    [r] = res.reviews
    assert (r.text, r.rating, r.date.isoformat(), r.title, r.author) == (
        "The lid broke on day two.", 2.0, "2026-11-02", "Broken lid", "Ann")
    assert {k: getattr(r, k) for k in want} == want
    assert "email" not in res.columns.values() and "productId" not in (r.extra.get("fields") or {})


def test_import_an_excel_workbook(tmp_path, capsys):
    """A spreadsheet as it is saved: a title row above the header, date cells, numbers, an empty row, a
    formula (read as its saved value, never run), and a second sheet that is not the reviews."""
    from datetime import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["exported from the shop"])
    ws = wb.create_sheet("Reviews")
    ws.append(["Product Title", "Review Content", "Review Score", "Date", "Reviewer Display Name", "Version"])
    ws.append(["Kettle", "The lid broke on day two.", 2, dt(2026, 11, 2, 9, 30), "Ann", "3.2.1"])
    ws.append([None, None, None, None, None, None])
    ws.append(["Kettle", "=HYPERLINK(\"http://evil.example\",\"click\")", 5, dt(2026, 11, 3), 42, 3.2])
    ws.append(["Kettle", "Boils fast, quiet.", 5, "03.11.2026", "Bo", None])
    f = tmp_path / "reviews.xlsx"
    wb.save(f)
    db = tmp_path / "x.db"
    assert main(["import", str(f), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    # the formula's row (no value saved for it) has stars only: left out as a star-only review is
    assert "read 3 rows" in out and "2 new reviews" in out and "1 rating without a text" in out, out
    got = {r.text: r for r in Store(db).reviews_frame().itertuples()}
    lid = got["The lid broke on day two."]
    assert (lid.product, lid.rating, lid.date.isoformat(), lid.author, lid.version) == (
        "Kettle", 2.0, "2026-11-02", "Ann", "3.2.1")
    assert got["Boils fast, quiet."].date.isoformat() == "2026-11-03"
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    with pytest.raises(ImportFileError, match="save it as .xlsx or .csv"):
        read_reviews_file(tmp_path / "old.xls")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ImportFileError, match="broken.xlsx"):
        read_reviews_file(tmp_path / "broken.xlsx")


def test_import_several_files_one_run_each(tmp_path, capsys, caplog):
    for name, text in (("a.csv", "Broke on day two."), ("b.jsonl", None), ("c.csv", "Lovely.")):
        p = tmp_path / name
        p.write_text(f"text\n{text}\n" if text else "{broken\n")
    (tmp_path / "d.csv").write_text("x,y\n1,2\n")  # no text column: said, and the others still imported
    db = tmp_path / "m.db"
    files = [str(tmp_path / n) for n in ("a.csv", "b.jsonl", "c.csv", "d.csv")]
    assert main(["import", *files, "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert out.count(" new review") == 3 and "line 1: not valid JSON" in out
    assert f"1 of 4 files could not be imported: {files[3]}" in out
    assert "d.csv: no review text column" in caplog.text
    assert sorted(Store(db).reviews_frame()["text"]) == ["Broke on day two.", "Lovely."]
    assert [r["source"] for r in Store(db).list_runs(kind="import")] == files[2::-1]


def test_import_rejects_file_without_text(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(ImportFileError, match="no review text column"):
        read_reviews_file(f)
    with pytest.raises(ImportFileError, match="unknown format"):
        (tmp_path / "x.xls").write_text("")
        read_reviews_file(tmp_path / "x.xls")


def test_scores_out_of_10_keep_every_step_and_a_zero(tmp_path):
    """An NPS survey (0-10): 0 was read as no rating, and 0, 1 and 2 all as one star; mapped linearly now,
    every score stays itself. A fraction out of 5 is stars as written."""
    f = tmp_path / "nps.csv"
    f.write_text("comment,score\n" + "".join(f"answer {s},{s}\n" for s in range(11)) + "over,11\n"
                 "as stars,4/5\nas a fraction,8/10\n", encoding="utf-8")
    res = read_reviews_file(f, rating_scale=10)
    ratings = [r.rating for r in res.reviews]
    assert ratings[:11] == pytest.approx([1 + 0.4 * s for s in range(11)]) and ratings[0] == 1.0
    assert ratings[11:] == [None, 4.0, pytest.approx(4.2)]  # 11 of 10: kept, without a rating, and said
    assert not res.errors and [e["line"] for e in res.notes] == [13] and "0-10 scale" in res.notes[0]["message"]


def test_an_out_of_scale_rating_is_said_and_the_review_kept(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("text,rating\nhello,42\n")
    res = read_reviews_file(f)
    assert [r.rating for r in res.reviews] == [None] and not res.errors and "rating-scale" in res.notes[0]["message"]


def test_a_booking_export_in_two_halves_with_scores_out_of_10_is_read_whole(tmp_path, capsys):
    """Booking.com's export has no text column: "Positive review" and "Negative review", a "Review score" out of
    10, the guest's name and the property's reply. It failed ("no review text column"); with --column text= one
    half was lost, and 4.0 out of 10 was stored as four stars. The complaint, the second half, is never lost."""
    f = tmp_path / "booking.csv"
    head = "Review date,Guest name,Reservation number,Review title,Positive review,Negative review,Review score," \
           "Cleanliness,Property reply\n"
    rows = ['2026-11-20,Anna,40123,Nice stay,"Great location, friendly staff.","The room was noisy at night.",7.5,7,',
            '2026-11-21,Marco,40124,Bad,,"Dirty bathroom, nobody cleaned the room.",4.0,2,"We are sorry, Marco."',
            '2026-11-22,Li,40125,Perfect,"Everything was spotless.",,10,10,',
            '2026-11-23,Sam,40126,Fine,"Good breakfast.","Small room.",8,8,',
            '2026-11-24,Ola,40127,Empty,,,6,6,']
    f.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    db = str(tmp_path / "s.db")
    assert main(["import", str(f), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "text ← Positive review + Negative review" in out and "author ← Guest name" in out
    assert "reply ← Property reply" in out and "scores out of 10" in out and "4 new reviews" in out
    assert "Positive review," not in out.split("kept as the reviews' own fields:")[-1]  # read, not kept as fields
    got = {r["author"]: r for r in Store(db).reviews_frame().to_dict("records")}
    assert got["Anna"]["text"] == "Great location, friendly staff.\n\nThe room was noisy at night."
    assert got["Marco"]["text"] == "Dirty bathroom, nobody cleaned the room." and got["Marco"]["reply"]
    assert got["Li"]["text"] == "Everything was spotless."
    assert [round(got[n]["rating"], 2) for n in ("Anna", "Marco", "Li", "Sam")] == [4.0, 2.6, 5.0, 4.2]
    assert "Ola" not in got  # neither half: no text, said as such
    # told they are stars: as before, each score above 5 said and kept without a rating
    res = read_reviews_file(f, rating_scale=5)
    assert [r.rating for r in res.reviews][1] == 4.0 and res.reviews[0].rating is None


def test_pros_and_cons_are_a_text_only_where_the_file_has_none_and_a_stray_six_is_no_scale(tmp_path):
    f = tmp_path / "g2.csv"
    f.write_text("Title,Pros,Cons,Rating\nGood,Fast and simple.,Pricey.,4\n", encoding="utf-8")
    assert [r.text for r in read_reviews_file(f).reviews] == ["Fast and simple.\n\nPricey."]
    f.write_text("Title,What do you like best about Acme CRM?,What do you dislike about Acme CRM?,Stars\n"
                 "Good,Fast and simple.,Pricey.,4\n", encoding="utf-8")  # as G2 asks
    assert [r.text for r in read_reviews_file(f).reviews] == ["Fast and simple.\n\nPricey."]
    f.write_text("Text,Pros,Cons,Rating\nThe review itself.,Fast.,Pricey.,4\n", encoding="utf-8")
    res = read_reviews_file(f)
    assert [r.text for r in res.reviews] == ["The review itself."] and {"Pros", "Cons"} <= set(res.own_columns)
    f.write_text("text,rating\n" + "".join(f"review {i},{1 + i % 5}\n" for i in range(20)) + "typo,6\n",
                 encoding="utf-8")
    res = read_reviews_file(f)  # stars with one 6 in 21: not scores out of 10
    assert [r.rating for r in res.reviews][:5] == [1, 2, 3, 4, 5] and res.reviews[-1].rating is None
    assert not any("scores out of" in r for r in res.remarks)


def test_google_business_profile_reviews_are_read_with_their_nested_names_and_star_words(tmp_path, capsys):
    """The reviews of a Google Business Profile (its API's and Takeout's JSON) nest the reviewer and the owner's
    reply and write the stars as words: the reviewer was stored as "{'displayName': ...}", no rating, no date,
    no reply. A star-only review (no comment) is said as such."""
    doc = {"reviews": [
        {"reviewId": "g1", "reviewer": {"displayName": "Anna K.", "profilePhotoUrl": "https://photo.example/a"},
         "starRating": "FOUR", "comment": "Lovely pasta, slow service on Friday night.",
         "createTime": "2026-11-20T19:02:11.123Z", "updateTime": "2026-11-20T19:02:11.123Z",
         "reviewReply": {"comment": "Thank you, Anna!", "updateTime": "2026-11-21T08:00:00Z"},
         "name": "accounts/1/locations/2/reviews/g1"},
        {"reviewId": "g2", "reviewer": {"displayName": "Marco"}, "starRating": "ONE",
         "comment": "Cold food and a rude waiter.", "createTime": "2026-11-22T12:00:00Z"},
        {"reviewId": "g3", "reviewer": {"displayName": "Li"}, "starRating": "FIVE", "createTime": "2026-11-23T12:00:00Z"},
        {"reviewId": "g4", "reviewer": {"displayName": "Jonas"}, "starRating": "TWO", "createTime": "2026-11-24T12:00:00Z",
         "comment": "(Translated by Google) The soup was cold.\n\n(Original)\nDie Suppe war kalt."},
        {"reviewId": "g5", "reviewer": {"displayName": "Eva"}, "starRating": "THREE", "createTime": "2026-11-25T12:00:00Z",
         "comment": "Il servizio era lento.\n\n(Translated by Google)\nThe service was slow."}]}
    f = tmp_path / "reviews.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    db = str(tmp_path / "s.db")
    assert main(["import", str(f), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "author ← reviewer.displayName" in out and "reply ← reviewReply.comment" in out and "date ← createTime" in out
    assert "1 rating without a text (star-only reviews), 5.0★ on average: kept as ratings, not as reviews" in out
    assert "line 3" not in out and "0 rows skipped" in out
    got = {r["author"]: r for r in Store(db).reviews_frame().to_dict("records")}
    assert set(got) == {"Anna K.", "Marco", "Jonas", "Eva"}
    # a review in another language in its own words, not with Google's translation (the analysis makes its own)
    assert (got["Jonas"]["text"], got["Eva"]["text"]) == ("Die Suppe war kalt.", "Il servizio era lento.")
    assert (got["Anna K."]["rating"], got["Marco"]["rating"]) == (4.0, 1.0)
    assert str(got["Anna K."]["date"])[:10] == "2026-11-20" and got["Anna K."]["reply"] == "Thank you, Anna!"
    assert str(got["Anna K."]["reply_date"])[:10] == "2026-11-21"
    lines = tmp_path / "reviews.jsonl"  # JSON lines nest the same way
    lines.write_text("\n".join(json.dumps(r) for r in doc["reviews"][:2]), encoding="utf-8")
    assert [(r.author, r.rating, r.reply) for r in read_reviews_file(lines).reviews] == [
        ("Anna K.", 4.0, "Thank you, Anna!"), ("Marco", 1.0, None)]


API_RECORDS = {  # one review as each API (or the scraper libraries people use on it) gives it, camelCase and nested
    "trustpilot": {"id": "tp1", "stars": 2, "title": "Late", "text": "The parcel came a week late.", "language": "en",
                   "createdAt": "2026-11-20T10:00:00Z", "consumer": {"id": "c1", "displayName": "Anna"},
                   "companyReply": {"text": "Sorry, Anna.", "createdAt": "2026-11-21T09:00:00Z"}},
    "google-play-scraper": {"reviewId": "gp1", "userName": "Anna", "content": "The parcel came a week late.",
                            "score": 2, "thumbsUpCount": 12, "at": "2026-11-20 10:00:00", "replyContent": "Sorry, Anna.",
                            "repliedAt": "2026-11-21 09:00:00", "appVersion": "4.2.0"},
    "app-store-scraper": {"id": 99, "date": "2026-11-20T10:00:00Z", "review": "The parcel came a week late.",
                          "rating": 2, "userName": "Anna", "title": "Late",
                          "developerResponse": {"id": 1, "body": "Sorry, Anna.", "modified": "2026-11-21T09:00:00Z"}},
}


@pytest.mark.parametrize("api", sorted(API_RECORDS))
def test_the_json_of_review_apis_is_read_by_its_camel_case_and_nested_names(tmp_path, api):
    """createdAt, consumer.displayName, companyReply.text, repliedAt: the names were compared squashed
    ("createdat") and missed, so the reviews came without date, author or reply."""
    f = tmp_path / f"{api}.json"
    f.write_text(json.dumps([API_RECORDS[api]]), encoding="utf-8")
    [r] = read_reviews_file(f).reviews
    assert (r.text, r.rating, r.author, r.reply) == ("The parcel came a week late.", 2.0, "Anna", "Sorry, Anna.")
    assert r.date.isoformat()[:10] == "2026-11-20" and r.reply_date.isoformat()[:10] == "2026-11-21"
    assert r.site_review_id


def test_export_jsonl_and_csv_with_analysis(tmp_path):
    db = tmp_path / "s.db"
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(d) for d in [
        {"text": "=HYPERLINK(\"http://evil\",\"click\")", "rating": 1, "date": "2026-01-05"},
        {"text": "Fine product, slow delivery", "rating": 3, "date": "March 3, 2026", "author": "Ann"},
    ]), encoding="utf-8")
    assert main(["import", str(src), "--db", str(db)]) == 0
    store = Store(db)
    for r in store.reviews_frame().itertuples():
        store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="1",
                                      sentiment="negative", sentiment_score=0.8,
                                      topics=[TopicMention("delivery", "negative")])])
    out = tmp_path / "out.jsonl"
    assert main(["export", "--format", "jsonl", "-o", str(out), "--db", str(db)]) == 0
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(recs) == 2
    for k in ("id", "source", "product", "url", "author", "rating", "title", "text", "date", "sentiment",
              "sentiment_score", "topics", "entities"):
        assert k in recs[0]
    by_text = {r["text"]: r for r in recs}
    assert by_text["Fine product, slow delivery"]["date"] == "2026-03-03"
    assert by_text["Fine product, slow delivery"]["topics"] == [{"topic": "delivery", "sentiment": "negative"}]
    out_csv = tmp_path / "out.csv"
    assert main(["export", "--format", "csv", "-o", str(out_csv), "--db", str(db)]) == 0
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    texts = {r["text"] for r in rows}
    assert "'=HYPERLINK(\"http://evil\",\"click\")" in texts  # defused for spreadsheet apps
    assert main(["export", "--format", "csv", "--raw", "-o", str(out_csv), "--db", str(db)]) == 0
    assert "=HYPERLINK(\"http://evil\",\"click\")" in {r["text"] for r in csv.DictReader(out_csv.open())}
    assert main(["export", "--format", "jsonl", "-o", str(out), "--since", "2026-02-01", "--db", str(db)]) == 0
    assert len(out.read_text().splitlines()) == 1
    # without --format, the output's name says which (a .csv was written as JSON lines before)
    assert main(["export", "-o", str(tmp_path / "by-name.CSV"), "--db", str(db)]) == 0
    assert {r["text"] for r in csv.DictReader((tmp_path / "by-name.CSV").open(encoding="utf-8"))} == texts
    assert main(["export", "-o", str(tmp_path / "by-name.ndjson"), "--db", str(db)]) == 0
    assert all(json.loads(line)["id"] for line in (tmp_path / "by-name.ndjson").read_text().splitlines())


ROOT = Path(__file__).resolve().parents[2]


def test_a_quote_never_closed_is_said_not_merged(tmp_path, capsys):
    """A CSV whose text opens a quote it never closes: the reviews after it were read as that one review's text
    (its rating and date taken from other columns: "date '4' is a number"). Now the lines it spans are an error
    naming them; a stray quote within one line, a doubled quote and a text over several lines read as before."""
    f = tmp_path / "export.csv"
    f.write_text('text,rating,date\nGood,5,2026-11-01\n"Nice" kettle,4,2026-11-02\n'
                 '"Multi\nline ""quoted"" text",3,2026-11-03\n"Great kettle, boils fast,5,2026-11-04\n'
                 'Leaks from the lid,1,2026-11-05\n"Fine, ok",4,2026-11-06\nLast,2,2026-11-07\n'
                 '"Never closed,1,2026-11-08\nAfter it,2,2026-11-09\n', encoding="utf-8")
    db = tmp_path / "s.db"
    assert main(["import", str(f), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert ("line 6: a quote opened on line 6 is not closed (or a quote inside a text is not doubled, \"\"): "
            "lines 6 to 8 could not be read as rows") in out
    assert "line 10: a quote opened on line 10 is not closed" in out and "lines 10 to the end of the file" in out
    assert "4 new reviews" in out and "2 rows skipped" in out
    assert _stored_texts(db) == ["Good", "Last", 'Multi\nline "quoted" text', "Nice kettle"]


def _stored_texts(db) -> list[str]:
    with sqlite3.connect(db) as c:
        return [t for (t,) in c.execute("SELECT text FROM reviews ORDER BY text")]


def test_import_detects_legacy_encodings(tmp_path):
    rows = "text,rating\nLe café était très bon,5\nGrüße aus Köln,4\n"
    for enc in ("latin-1", "cp1252", "utf-16", "utf-8-sig", "utf-8"):
        f = tmp_path / f"{enc}.csv"
        f.write_bytes(rows.encode(enc))
        assert [r.text for r in read_reviews_file(f).reviews] == ["Le café était très bon", "Grüße aus Köln"], enc
    res, _, new, _ = import_file(Store(tmp_path / "s.db"), tmp_path / "latin-1.csv")
    assert new == 2 and res.encoding == "cp1252"  # Latin-1's letters, read as its Windows superset
    assert _stored_texts(tmp_path / "s.db") == ["Grüße aus Köln", "Le café était très bon"]
    f = tmp_path / "r.jsonl"  # JSONL too; a given encoding is used as given
    f.write_bytes('{"text": "Très bien, merci €"}\n'.encode("cp1252"))
    assert read_reviews_file(f).reviews[0].text == "Très bien, merci €"
    assert read_reviews_file(f, encoding="cp1252").encoding == "cp1252"


def test_a_file_with_a_utf16_byte_order_mark_is_read_without_a_warning(tmp_path):
    """Google Play's review exports are UTF-16 with a byte order mark: nothing is guessed, so the import says
    nothing of the encoding (every weekly import warned "not UTF-8 ... if letters look wrong, import it again");
    a file without a mark whose encoding was detected still says so."""
    rows = "Review Text,Star Rating,Review Submit Date and Time\n\"Super App, läuft schnell\",5,2026-11-18T08:00:00Z\n"
    for enc, data in (("utf-16", rows.encode("utf-16")), ("utf-32", rows.encode("utf-32")),
                      ("utf-16", codecs.BOM_UTF16_BE + rows.encode("utf-16-be"))):
        f = tmp_path / "play.csv"
        f.write_bytes(data)
        res = read_reviews_file(f)
        assert [r.text for r in res.reviews] == ["Super App, läuft schnell"] and res.encoding == enc
        assert not any("not UTF-8" in r for r in res.remarks), res.remarks
    f.write_bytes(rows.encode("cp1252"))
    assert any("not UTF-8" in r for r in read_reviews_file(f).remarks)


def test_import_names_the_line_it_cannot_decode(tmp_path):
    f = tmp_path / "export.csv"
    f.write_bytes(b"text,rating\n" + b"fine, really fine,5\n" * 60_000 + b"caf\xe9,3\n")  # past the first MB
    with pytest.raises(ImportFileError) as e:
        read_reviews_file(f, encoding="utf-8")
    assert str(f) in str(e.value) and "line 60002" in str(e.value) and "--encoding" in str(e.value)
    store = Store(tmp_path / "s.db")
    with pytest.raises(ImportFileError, match="line 60002"):
        import_file(store, f, encoding="utf-8")
    assert store.list_runs() == [] and _stored_texts(tmp_path / "s.db") == []  # nothing half-imported
    with pytest.raises(ImportFileError, match="unknown encoding"):
        read_reviews_file(f, encoding="klingon")


def _import_peak_rss_mb(path: Path, db: Path) -> tuple[int, float]:
    """(new reviews, peak RSS in MB) of `import_file` in a fresh interpreter."""
    code = ("import resource, sys\n"
            "from reviewlens.records_io import import_file\nfrom reviewlens.store import Store\n"
            "res, run_id, new, seen = import_file(Store(sys.argv[2]), sys.argv[1])\n"
            "print(new, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(path), str(db)], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert out.returncode == 0, out.stderr
    new, kb = out.stdout.split()
    return int(new), int(kb) / 1024  # ru_maxrss is in KiB on Linux


def test_import_streams_with_flat_memory(tmp_path):
    body = "The hinge broke after a week and the packaging was crushed. " * 32

    def write(path: Path, rows: int) -> Path:
        with path.open("w", encoding="utf-8") as f:
            f.write("text,rating,date,author\n")
            for i in range(rows):
                f.write(f'"Review {i}: {body}",{1 + i % 5},2026-03-{1 + i % 28:02d},user{i}\n')
        return path

    big = write(tmp_path / "big.csv", 20_000)
    assert big.stat().st_size > 38_000_000
    new_small, small_mb = _import_peak_rss_mb(write(tmp_path / "small.csv", 10), tmp_path / "small.db")
    new_big, big_mb = _import_peak_rss_mb(big, tmp_path / "big.db")
    assert (new_small, new_big) == (10, 20_000)
    # holding all the file's reviews in memory cost about 38 MB more than 10 rows; a batch at a time, ~0
    assert big_mb - small_mb < 25, (small_mb, big_mb)


def test_export_neutralizes_bidi_and_controls_the_store_keeps_them(tmp_path):
    db = tmp_path / "s.db"
    store = Store(db)
    text = "See invoice_\u202egnp.exe\x1b[2J\r\nbye\tend"
    store.upsert_reviews([Review(source="shop", text=text, author="\u202eevil")])
    assert _stored_texts(db) == [text]  # stored verbatim
    out_csv = tmp_path / "out.csv"
    export_records(store, out_csv, "csv")
    row = next(csv.DictReader(out_csv.open(encoding="utf-8", newline="")))
    assert row["text"] == "See invoice_⟨U+202E⟩gnp.exe[2J\nbye\tend"  # does not display as "exe.png"
    assert row["author"] == "⟨U+202E⟩evil"
    out = tmp_path / "out.jsonl"
    export_records(store, out, "jsonl")
    line = out.read_text(encoding="utf-8")
    assert "\u202e" not in line and "\x1b" not in line and "\\u202e" in line  # escaped, safe in a terminal
    assert json.loads(line)["text"] == text and json.loads(line)["author"] == "\u202eevil"  # and lossless


def test_an_import_is_undone_with_delete(store, tmp_path, capsys):
    """Imported with the wrong date order: `delete --run` removes what that run stored (and nothing older),
    and the file imports again right; the deletion is in the run history. SQLite and PostgreSQL."""
    f = tmp_path / "eu.csv"
    f.write_text("text,date\nKeeps crashing.,03/04/2026\nLovely.,05/04/2026\n", encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text("text\nOlder review.\n", encoding="utf-8")
    import_file(store, other)
    _, run_id, new, _ = import_file(store, f)  # month first: March 4 and May 4, wrong for this shop
    assert new == 2
    assert main(["delete", "--run", str(run_id), "--db", store.url]) == 0
    assert f"would delete 2 reviews (stored first by run {run_id}); add --yes" in capsys.readouterr().out
    assert main(["delete", "--run", str(run_id), "--yes", "--db", store.url]) == 0
    assert "deleted 2 reviews" in capsys.readouterr().out
    assert sorted(store.reviews_frame()["text"]) == ["Older review."]
    assert store.list_runs()[0]["kind"] == "delete" and store.list_runs()[0]["reviews_seen"] == 2
    assert main(["import", str(f), "--date-order", "day", "--db", store.url]) == 0
    dates = {r.text: r.date.isoformat() for r in store.reviews_frame().itertuples() if r.text != "Older review."}
    assert dates == {"Keeps crashing.": "2026-04-03", "Lovely.": "2026-04-05"}
    assert main(["delete", "--source", "import:other", "--yes", "--db", store.url]) == 0
    assert len(store.reviews_frame()) == 2
    assert main(["delete", "--run", "99999", "--db", store.url]) == 2
    assert "there is no run 99999" in capsys.readouterr().err
    assert main(["delete", "--db", store.url]) == 2


def _import(capsys, *args: str) -> tuple[int, str]:
    """`reviewlens import ARGS`: (exit status, what it printed, errors included)."""
    status = main(["import", *args])
    out = capsys.readouterr()
    return status, out.out + out.err


def test_identical_rows_are_each_a_review_and_the_counts_add_up(tmp_path, capsys):
    """A survey export without ids, authors or dates: two people answering "Great, 5" are two answers. The
    identical rows were merged into one review and the output said "read 7 rows: 3 new reviews, 0 already
    stored, 0 rows skipped". A row repeating a review id is the same review, and said so."""
    f = tmp_path / "survey.csv"
    f.write_text("comment,score\nGreat,5\nGreat,5\nGreat,4\nGood,5\nGood,5\nToo expensive,2\nToo expensive,2\n")
    db = str(tmp_path / "s.db")
    assert _import(capsys, str(f), "--db", db)[1].startswith(f"run 1: read 7 rows from {f}: 7 new reviews, 0 already")
    assert sorted(Store(db).reviews_frame()["rating"]) == [2, 2, 4, 5, 5, 5, 5]
    again = _import(capsys, str(f), "--db", db)[1]
    assert "read 7 rows from" in again and "0 new reviews, 7 already" in again
    ids = tmp_path / "ids.csv"
    ids.write_text("id,text\n1,Great\n2,Great\n1,Great\n")
    out = _import(capsys, str(ids), "--db", db)[1]
    assert "read 3 rows from" in out and "2 new reviews, 0 already stored, 0 rows skipped, 1 repeated row" in out
    assert "1 row repeat a review id met elsewhere in the file" in out


def test_a_month_is_its_first_day_and_a_bare_number_no_date(tmp_path, capsys):
    """"2026-03" and "Mar 2026" took their day from today (2026-03-03 on the 3rd) and "5" became the 5th
    of this month; a month is its 1st day now, said once, and a number that is no Unix time is no date."""
    f = tmp_path / "d.csv"
    f.write_text("text,date\nA,2026-03\nB,Mar 2026\nC,5\nD,2026\nE,20260304\nF,1772582400\n")
    db = str(tmp_path / "s.db")
    out = _import(capsys, str(f), "--db", db)[1]
    got = {r.text: r.date.isoformat() for r in Store(db).reviews_frame().itertuples()}
    assert got == {"A": "2026-03-01", "B": "2026-03-01", "E": "2026-03-04", "F": "2026-03-04"}
    assert "2 dates name a month without a day (such as 2026-03): read as the month's 1st day" in out
    assert "line 4: date '5' is a number, not a date" in out and "line 5: date '2026' is a number" in out


def test_dates_written_in_other_languages_are_read_as_the_scraper_reads_them(tmp_path, capsys):
    """A German shop's export ("12. März 2026") lost every row: dateutil reads no month name but English; the file's
    dates are read in the language whose date words they use, and a date counted back from an unknown day is
    refused with the reason."""
    f = tmp_path / "de.csv"
    f.write_text("text,date\nA,12. März 2026\nB,5 de marzo de 2026\nC,2 Mart 2026\nD,2026年3月2日\nE,vor 2 Wochen\n"
                 "F,2026-03-05\n", encoding="utf-8")
    db = str(tmp_path / "s.db")
    out = _import(capsys, str(f), "--db", db)[1]
    got = {r.text: r.date.isoformat() for r in Store(db).reviews_frame().itertuples()}
    assert got == {"A": "2026-03-12", "B": "2026-03-05", "C": "2026-03-02", "D": "2026-03-02", "F": "2026-03-05"}, out
    assert "line 6: date 'vor 2 Wochen' counts back from the day it was written, which the file does not say" in out


def test_a_date_order_nothing_in_the_file_shows_is_said(tmp_path, capsys):
    f = tmp_path / "ambiguous.csv"
    f.write_text("text,date\nfirst,03/04/2026\nsecond,05/06/2026\n")
    out = _import(capsys, str(f), "--db", str(tmp_path / "s.db"))[1]
    assert "dates such as 03/04/2026 read month first: no date in the file says which (--date-order day if not)" in out
    dotted = tmp_path / "dotted.csv"
    dotted.write_text("text,date\nfirst,03.04.2026\n")
    assert "read day first, as dotted dates are written: no date in the file says which (--date-order month if not)" \
        in _import(capsys, str(dotted), "--db", str(tmp_path / "s.db"))[1]
    asked = _import(capsys, str(f), "--date-order", "day", "--db", str(tmp_path / "t.db"))[1]
    assert "no date in the file says" not in asked


@pytest.mark.parametrize("body, texts", [
    ('{"text":"l1","rating":5}\n{"text":"l2","rating":4}\n', ["l1", "l2"]),  # JSON lines saved as .json
    ('{"data":{"items":[{"text":"deep","images":[{"url":"x"}]}]},"meta":{"page":1}}', ["deep"]),
    ('{"results":[{"body":"a"}],"included":[{"type":"user"}]}', ["a"]),  # the list whose records have text
    ('{"text":"single"}', ["single"]),
    ('{"reviews":[{"text":"wrapped a"},{"text":"wrapped b"}]}', ["wrapped a", "wrapped b"]),
])
def test_json_documents_as_tools_write_them(tmp_path, body, texts):
    """JSON lines saved as .json raised "JSONDecodeError: Extra data", a nested document "AttributeError", a
    single object was read as 0 rows."""
    f = tmp_path / "r.json"
    f.write_text(body)
    assert [r.text for r in read_reviews_file(f).reviews] == texts


@pytest.mark.parametrize("body, message", [
    ('{"a":[{"text":"x"}],"b":[{"body":"y"}]}', r"several lists of records \(a, b\)"),
    ('["great","bad"]', "a JSON list of text values, not of reviews"),
    ("42", "the JSON document is a number, not reviews"),
    ('{"meta":{"page":1}}', r"no list of reviews in the JSON document \(its keys: meta\)"),
    ('{"text": ', "not valid JSON"),
    ('{"reviews":[]}', "the file holds no reviews"),
])
def test_a_json_document_without_reviews_says_why(tmp_path, body, message):
    f = tmp_path / "r.json"
    f.write_text(body)
    with pytest.raises(ImportFileError, match=message):
        read_reviews_file(f)


def test_a_spreadsheet_date_number_is_a_date_never_1970(tmp_path):
    """An .xlsx date cell formatted as a number (46000) was stored as 1970-01-01: it is the spreadsheet's
    date serial; in a CSV such a number is no date, said with a hint."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["text", "date", "reply", "reply_date"])
    wb.active.append(["serial", 46000, "Thanks", 46001.5])
    wb.active.append(["unix", 1772582400, None, None])
    wb.save(tmp_path / "r.xlsx")
    got = {r.text: (r.date, r.reply_date) for r in read_reviews_file(tmp_path / "r.xlsx").reviews}
    assert got == {"serial": (date(2025, 12, 9), date(2025, 12, 10)), "unix": (date(2026, 3, 4), None)}
    (tmp_path / "r.csv").write_text("text,date\nserial,46000\n")
    res = read_reviews_file(tmp_path / "r.csv")
    assert not res.reviews and "an Excel date number?" in res.errors[0]["message"]


@pytest.mark.parametrize("written, rating", [
    ("★★★★", 4.0), ("★★★☆☆", 3.0), ("⭐⭐⭐⭐⭐", 5.0), ("5 stars", 5.0), ("1 star", 1.0),
    ("3.0 out of 5", 3.0),
    ("8 out of 10", 4.2), ("80%", 4.0), ("★★★★★★★☆☆☆", 3.8),
])
def test_ratings_as_exports_write_them(tmp_path, written, rating):
    f = tmp_path / "r.csv"
    f.write_text(f"text,rating\nhello,{written}\n", encoding="utf-8")
    res = read_reviews_file(f)
    assert [r.rating for r in res.reviews] == [pytest.approx(rating)] and not res.notes and not res.errors


def test_a_bad_rating_keeps_the_review_and_a_zero_is_said(tmp_path, capsys):
    """A rating that could not be read threw the whole review away ("line 2: rating ... is not a number"),
    and a 0 on the 1-5 scale was stored as no rating without a word, while a 6 was reported."""
    f = tmp_path / "r.csv"
    f.write_text("text,rating\nGood one,great\nZero,0\nSix,6\n")
    db = str(tmp_path / "s.db")
    out = _import(capsys, str(f), "--db", db)[1]
    assert "3 new reviews, 0 already stored, 0 rows skipped" in out
    assert "line 2: rating 'great' is not a rating" in out and "the review is imported without a rating" in out
    assert "line 3: rating '0' is not on a 1-5 scale" in out and "line 4: rating '6' is not on a 1-5 scale" in out
    assert Store(db).reviews_frame()["rating"].isna().all()
    run = Store(db).list_runs(kind="import")[0]
    assert run["status"] == "partial" and len(run["errors"]) == 3


def test_a_new_rating_of_a_stored_review_is_said(tmp_path, capsys):
    """Imported again with another --rating-scale, the stored ratings changed while the import said only
    "0 new reviews, 2 already stored" (and `delete --run` of that run cannot take it back)."""
    f = tmp_path / "nps.csv"
    f.write_text("text,rating,date\nnps a,7,2026-10-01\nnps b,10,2026-10-02\n")
    db = str(tmp_path / "s.db")
    _import(capsys, str(f), "--db", db, "--rating-scale", "10")
    before = sorted(Store(db).reviews_frame()["rating"])
    out = _import(capsys, str(f), "--db", db, "--rating-scale", "10")[1]
    assert "got a new rating" not in out                       # the same file, the same scale: nothing changed
    out = _import(capsys, str(f), "--db", db, "--rating-scale", "7")[1]
    assert "0 new reviews, 2 already stored" in out
    assert "1 already stored review got a new rating from this file (another --rating-scale" in out, out
    assert sorted(Store(db).reviews_frame()["rating"]) != before


def test_a_file_without_reviews_or_a_folder_is_refused(tmp_path, capsys):
    """An empty or header-only CSV was an ok run, exit 0, "read 0 rows"; a folder was "no such file"."""
    db = str(tmp_path / "s.db")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("text,rating,date\n")
    for name in ("empty.csv", "header.csv"):
        status, out = _import(capsys, str(tmp_path / name), "--db", db)
        assert status != 0 and f"{name}: the file holds no reviews (it is empty, or has only a header)" in out
    status, out = _import(capsys, str(tmp_path / "empty.csv"), str(tmp_path / "header.csv"), "--db", db)
    assert status == 1 and "2 of 2 files could not be imported" in out
    assert Store(db).list_runs(kind="import") == []
    status, out = _import(capsys, str(tmp_path), "--db", db)
    assert status != 0 and f"{tmp_path}: is a folder: give the files (e.g. {tmp_path / '*.csv'})" in out


def test_overlapping_exports_count_shared_reviews_once(store, tmp_path, capsys):
    """March's and April's exports both hold the last days of March: each file had its own source, so the
    shared reviews were stored twice, review ids and all. A review id already stored from another file's
    import is that review; a review without an id stored alike from another file is said. SQLite and PostgreSQL."""
    head = "Review ID,Review Text,Star Rating,Review Submit Date and Time\n"
    march, april = tmp_path / "play_2026_03.csv", tmp_path / "play_2026_04.csv"
    march.write_text(head + "r1,Great app,5,2026-03-01T10:00:00Z\nr2,Crashes on start,1,2026-03-30T10:00:00Z\n")
    april.write_text(head + "r2,Crashes on start,1,2026-03-30T10:00:00Z\nr3,Login broken,2,2026-04-02T10:00:00Z\n")
    assert _import(capsys, str(march), "--db", store.url)[0] == 0
    out = _import(capsys, str(april), "--db", store.url)[1]
    assert "1 new review, 1 already stored" in out
    assert "1 of these reviews are already stored from import:play_2026_03 (the same review id)" in out
    assert "0 new reviews, 2 already stored" in _import(capsys, str(april), "--db", store.url)[1]
    frame = store.reviews_frame()
    assert sorted(zip(frame["text"], frame["source"])) == [("Crashes on start", "import:play_2026_03"),
                                                           ("Great app", "import:play_2026_03"),
                                                           ("Login broken", "import:play_2026_04")]
    # without ids: said, not merged (the same words may be another review)
    (tmp_path / "shop_a.csv").write_text("text,author,date\nToo slow,Ann,2026-03-30\nFine,Bo,2026-03-01\n")
    (tmp_path / "shop_b.csv").write_text("text,author,date\nToo slow,Ann,2026-03-30\n")
    _import(capsys, str(tmp_path / "shop_a.csv"), "--db", store.url)
    out = _import(capsys, str(tmp_path / "shop_b.csv"), "--db", store.url)[1]
    assert "1 new review," in out and ("1 of these reviews are already stored from import:shop_a (the same text, "
                                       "author and date); give both files the same --source to count them once") in out


def _when_file(tmp_path) -> tuple[Path, str]:
    """A file whose date column is named "when" (no name the import knows), one of its dates in the future."""
    future = date.today() + timedelta(days=30)
    f = tmp_path / "up.csv"
    f.write_text("review,stars,when,product\n"
                 "\"Great pool, terrible lift\",5,03/04/2026,Harbour View Hotel\n"
                 "Bad,abc,30/11/2025,Harbour View Hotel\n"
                 ",,30/11/2025,Harbour View Hotel\n"
                 f"Room fine,4,{future:%d/%m/%Y},Harbour View Hotel\n", encoding="utf-8")
    return f, f"{future:%d/%m/%Y}"


def test_a_date_column_named_otherwise_is_said_and_read_with_column(tmp_path, capsys):
    """A date column named "when" was kept as a field of the reviews, and every review stored undated without a
    word (a date in the future among them): the columns read are said, the column that holds dates is named
    with how to read it (--column date=when, after undoing the import), the undated reviews counted; read with
    --column, the future date is left out, said."""
    f, future = _when_file(tmp_path)
    db = str(tmp_path / "s.db")
    status, out = _import(capsys, str(f), "--db", db)
    assert status == 0 and "3 new reviews, 0 already stored, 1 row skipped" in out, out  # not "1 rows"
    assert ("columns read: text ← review, rating ← stars, product ← product, date ← (none); kept as the reviews' "
            "own fields: when") in out
    assert ("no date column found (columns: review, stars, when, product); the column 'when' holds dates (such as "
            "03/04/2026): undo this import first (`reviewlens delete --run 1 --yes`; else its 3 new reviews are stored "
            "twice, undated and dated), then import the file again with --column date=when") in out
    assert ("3 reviews are stored without a date: a period (the dashboard's Last 90 days, --since) leaves them out; "
            "the dashboard's All time shows them") in out
    assert Store(db).reviews_frame()["date"].isna().all()

    assert main(["delete", "--run", "1", "--yes", "--db", db]) == 0
    status, out = _import(capsys, str(f), "--db", db, "--column", "date=When")  # the name in any case
    assert status == 0 and "columns read: text ← review, rating ← stars, date ← when, product ← product" in out, out
    assert "no date column" not in out and "kept as the reviews' own fields" not in out
    assert (f"line 5: date '{future}' is in the future (today is {date.today()}): the review is imported without "
            "a date") in out
    assert "1 review is stored without a date: a period" in out
    stored = {r.text: r.date for r in Store(db).reviews_frame().itertuples()}
    assert str(stored["Great pool, terrible lift"]) == "2026-04-03" and str(stored["Bad"]) == "2025-11-30"
    assert stored["Room fine"] is None or stored["Room fine"] != stored["Room fine"]  # undated (None or NaT)
    assert "fields" not in str(Store(db).field_names())


def test_the_column_option_is_checked_before_anything_is_stored(tmp_path, capsys):
    f, _ = _when_file(tmp_path)
    db = str(tmp_path / "s.db")
    status, out = _import(capsys, str(f), "--db", db, "--column", "date=whenn")
    assert status != 0 and ("no column 'whenn' in the file (its columns: review, stars, when, product), named with "
                            "--column date=whenn") in out
    for bad, said in (("dat=when", "no field 'dat' (the fields: text, rating, date,"), ("date", "give FIELD=COLUMN"),
                      ("date=", "give FIELD=COLUMN")):
        status, out = _import(capsys, str(f), "--db", db, "--column", bad)
        assert status != 0 and said in out, (bad, out)
    status, out = _import(capsys, str(f), "--db", db, "--column", "date=when", "--column", "title=when")
    assert status != 0 and "the column 'when' is given for both date and title" in out
    assert Store(db).list_runs(kind="import") == []


def test_column_names_a_field_before_the_usual_names(tmp_path):
    """--column reads a field from the column named, before a column with the field's usual name (which is then
    said to be read as nothing); JSON lines may leave the column out of their first record."""
    f = tmp_path / "r.csv"
    f.write_text("text,rating,Our score,date\nNice,2,5,2026-03-01\n", encoding="utf-8")
    res = read_reviews_file(f, columns={"rating": "our score"})
    assert res.reviews[0].rating == 5 and "fields" not in res.reviews[0].extra
    assert res.columns == {"text": "text", "rating": "Our score", "date": "date"} and res.unread == ["rating"]
    assert columns_line(res) == "columns read: text ← text, rating ← Our score, date ← date; not read: rating"
    j = tmp_path / "r.jsonl"
    j.write_text(json.dumps({"body": "No date here"}) + "\n" + json.dumps({"body": "Dated", "posted": "2026-03-02"})
                 + "\n", encoding="utf-8")
    res = read_reviews_file(j, columns={"date": "posted"})
    assert [str(r.date) for r in res.reviews] == ["None", "2026-03-02"] and res.undated == 1
    assert res.columns["date"] == "posted" and not any("no date column" in r for r in res.remarks)


def test_no_date_column_is_said_and_ids_or_counts_are_not_taken_for_dates(tmp_path):
    f = tmp_path / "survey.csv"
    f.write_text("comment,score,respondent,Answered on\nGood,5,1700000001,2026-03-04 10:00\nBad,1,1700000002,"
                 "2026-03-05 11:00\n", encoding="utf-8")
    res = read_reviews_file(f)
    assert res.date_like == ("Answered on", "2026-03-04 10:00") and res.undated == 2
    assert 'import the file with --column "date=Answered on" to read them' in res.remarks[0]  # as a shell reads it
    g = tmp_path / "ids.csv"
    g.write_text("comment,score,respondent,plan\nGood,5,1700000001,Pro 2\nBad,1,1700000002,Free\n", encoding="utf-8")
    res = read_reviews_file(g)
    assert res.date_like is None and res.own_columns == ["respondent", "plan"]
    assert ("no date column found (columns: comment, score, respondent, plan); name the file's date column with "
            "--column date=NAME") in res.remarks
    assert "2 reviews are stored without a date" in " ".join(res.remarks)
    h = tmp_path / "export.csv"  # ReviewLens's own export: its analysis columns are read as nothing
    h.write_text("text,date,sentiment,tags,country\nFine,2026-03-01,positive,a; b,FR\n", encoding="utf-8")
    res = read_reviews_file(h)
    assert res.unread == ["sentiment"] and res.own_columns == ["country"] and res.undated == 0 and not res.remarks


def test_import_help_names_every_field_column_takes(capsys):
    from reviewlens.records_io import COLUMN_ALIASES

    with pytest.raises(SystemExit):
        main(["import", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--column FIELD=NAME" in out and "Fields: " + ", ".join(COLUMN_ALIASES) in out


def test_half_an_emoji_in_a_json_line_loses_no_review(tmp_path, capsys):
    """A lone UTF-16 surrogate ("\\ud800": a site or tool that cut its text at N UTF-16 units) in one JSON line
    failed the whole import: UnicodeEncodeError in content_hash, 0 of 4 stored. It is read as U+FFFD."""
    f = tmp_path / "big.jsonl"
    f.write_text('{"id": "a", "text": "Fine kettle."}\n'
                 '{"id": "lone", "text": "Lone surrogate \\ud800 here", "author": "Ann \\udc00"}\n'
                 '{"id": "pair", "text": "Halves apart \\ud83d\\ude00 make one"}\n'
                 '{"id": "d", "text": "Last one."}\n', encoding="utf-8")
    db = tmp_path / "s.db"
    assert main(["import", str(f), "--db", str(db)]) == 0
    assert "4 new reviews" in capsys.readouterr().out
    assert _stored_texts(db) == ["Fine kettle.", "Halves apart \U0001f600 make one", "Last one.",
                                 "Lone surrogate \ufffd here"]
    g = tmp_path / "doc.json"  # a JSON document too
    g.write_text('[{"text": "Cut off \\ud83d"}]', encoding="utf-8")
    assert [r.text for r in read_reviews_file(g).reviews] == ["Cut off \ufffd"]


def test_a_date_before_1995_is_no_reviews_and_is_said(tmp_path):
    """0001-01-01 and 1900-01-01 (a date field's empty default) were stored: the dashboard's all-time charts ran
    from year 1 and the Excel report wrote a negative date serial. Kept without the date, said with the line, as a
    date in the future is."""
    f = tmp_path / "old.csv"
    f.write_text("text,date\nYear one,0001-01-01\nNineteen hundred,1900-01-01\nFirst year,1995-01-01\n"
                 "Last year,1994-12-31\n", encoding="utf-8")
    res = read_reviews_file(f)
    assert [r.date for r in res.reviews] == [None, None, date(1995, 1, 1), None]
    assert [n["line"] for n in res.notes] == [2, 3, 5] and res.future == 0 and res.undated == 3
    assert res.notes[0]["message"] == ("date '0001-01-01' is before 1995 (no review on the web is that old): the "
                                       "review is imported without a date")


def test_a_utf8_file_with_a_few_bad_bytes_is_read_as_utf8_and_the_row_said(tmp_path, caplog):
    """One invalid byte made a UTF-8 file read as ISO-8859-2 as a whole ("CafĂŠ"), said only at INFO. It is
    read as UTF-8, the bad bytes as U+FFFD, the row noted with its line; a detected encoding is said."""
    f = tmp_path / "mixed.csv"
    rows = "".join(f"Café review {i}. Último ñ,4\n" for i in range(20))
    f.write_bytes(("text,rating\n" + rows).encode("utf-8") + b"Bad bytes \xff\xfe\xc3\x28 here,1\n")
    res = read_reviews_file(f)
    assert [r.text for r in res.reviews][:2] == ["Café review 0. Último ñ", "Café review 1. Último ñ"]
    assert res.reviews[-1].text == "Bad bytes \ufffd\ufffd\ufffd( here"
    assert [n["line"] for n in res.notes] == [22] and "not UTF-8" in res.notes[0]["message"]
    assert any("UTF-8 but for bytes in 1 row" in r for r in res.remarks)
    store = Store(tmp_path / "s.db")
    res, _, new, _ = import_file(store, f)
    assert new == 21 and store.list_runs(kind="import")[0]["status"] == "partial"
    g = tmp_path / "cp1252.csv"  # a file in another encoding: detected, and said in the summary
    g.write_bytes("text,rating\nLe café était très bon,5\nGrüße aus Köln,4\n".encode("cp1252"))
    res = read_reviews_file(g)
    assert res.encoding == "cp1252" and any("read as cp1252 (detected)" in r for r in res.remarks)
    h = tmp_path / "nul.csv"  # valid UTF-8 holding a NUL byte: not "is not UTF-8: reading it as utf_8"
    h.write_bytes("text,rating\nNul\x00 here café,5\n".encode("utf-8"))
    caplog.clear()
    res = read_reviews_file(h)
    assert res.encoding == "utf-8" and [r.text for r in res.reviews] == ["Nul here café"]
    assert not any("UTF-8" in r for r in res.remarks)
    assert "is not UTF-8" not in caplog.text


def test_csv_cells_that_a_spreadsheet_runs_as_formulas_are_defused(store, tmp_path):
    """A cell starting with a carriage return (written as a line break) and "=", or with a space or a zero-width
    space before "=", was written without the apostrophe: `neutralize` turned CR into LF before the check, and
    "\\n" was not in the list. The export and the replies' drafts CSV (write_rows) alike."""
    from reviewlens.records_io import write_rows

    cells = ["\r=3+4", " =1+1", "\u200b=HYPERLINK(\"http://x\",\"y\")", "\n@SUM(A1)", "\t-2+3", "Plain = text"]
    store.upsert_reviews([Review(source="s", text=t, title=t, site_review_id=str(i)) for i, t in enumerate(cells)])
    out = tmp_path / "all.csv"
    export_records(store, out, "csv")
    got = {r["site_review_id"]: (r["text"], r["title"]) for r in csv.DictReader(out.open(encoding="utf-8", newline=""))}
    for i, t in enumerate(cells[:-1]):
        assert got[str(i)][0].startswith("'") and got[str(i)][1].startswith("'"), (t, got[str(i)])
    assert got["5"] == ("Plain = text", "Plain = text")
    drafts = tmp_path / "drafts.csv"
    write_rows([{"text": t, "draft": t} for t in cells], drafts)
    rows = list(csv.DictReader(drafts.open(encoding="utf-8", newline="")))
    assert [r["text"][0] == "'" and r["draft"][0] == "'" for r in rows] == [True] * 5 + [False]
