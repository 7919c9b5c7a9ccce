"""`reviewlens import` and `reviewlens export`: real files, real store, through the command line."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reviewlens.app.cli import main
from reviewlens.records_io import ImportFileError, export_records, import_file, read_reviews_file
from reviewlens.schema import Analysis, Review, TopicMention
from reviewlens.store import Store


def test_import_csv_with_aliases_scales_and_bad_rows(tmp_path, capsys):
    f = tmp_path / "play_console.csv"
    f.write_text(
        "Review Text,Star Rating,Review Submit Date and Time,Package Name,Review Link\n"
        "Crashes on start,1,2026-03-01T10:00:00Z,com.acme.app,http://x/1\n"
        "\"Love it, works great\",5,2026-03-02T10:00:00Z,com.acme.app,http://x/2\n"
        ",3,2026-03-02,com.acme.app,\n"
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
    was dropped from every later line. A value that is not a date or a rating says so, not "ValueError"."""
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
    assert set(errors) == {4, 5, 6}
    assert errors[4].startswith("no review text field") and "title" in errors[4]
    assert errors[5] == "date 'next tuesday' is not a date (for example 2026-11-30 or 30 Nov 2026)"
    assert errors[6] == "rating 'great' is not a number (or a fraction such as 4/5)"


def test_day_or_month_first_follows_the_file(tmp_path, capsys):
    """03/04/2026 is 3 April in a file that also has 31/03/2026, 4 March in one that has 12/25/2026; with
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
    assert dates("us.csv", "text,date\nA,03/04/2026\nB,12/25/2026\n") == {"A": "2026-03-04", "B": "2026-12-25"}
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
    assert "read 3 rows" in out and "2 new reviews" in out and "line 4: empty review text" in out, out
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
    assert out.count("new reviews") == 3 and "line 1: not valid JSON" in out
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
    assert ratings[11:] == [4.0, pytest.approx(4.2)]
    assert [e["line"] for e in res.errors] == [13] and "0-10 scale" in res.errors[0]["message"]


def test_import_rejects_out_of_scale_rating(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("text,rating\nhello,42\n")
    res = read_reviews_file(f)
    assert not res.reviews and "rating-scale" in res.errors[0]["message"]


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
