"""Replies, votes, verified and language out of the store (`reviewlens export` CSV/JSONL) and back in
(`reviewlens import` reads the same columns, and Google Play's export names)."""

from __future__ import annotations

import csv
import json
from datetime import date

from reviewlens.records_io import EXPORT_FIELDS, export_records, read_reviews_file
from reviewlens.schema import Review

HOSTILE_REPLY = '=HYPERLINK("http://evil.example","refund") sorry \u202egnp.exe'


def _store_some(store) -> tuple[Review, Review]:
    a = Review(source="shop", text="The lid broke.", rating=1, date=date(2026, 4, 1), site_review_id="a",
               reply=HOSTILE_REPLY, reply_date=date(2026, 4, 3), helpful_votes=12, verified=True, language="en-GB")
    b = Review(source="shop", text="Lovely.", rating=5, date=date(2026, 4, 2), site_review_id="b")
    store.upsert_reviews([a, b])
    return a, b


def test_export_columns(store, tmp_path):
    a, b = _store_some(store)
    assert EXPORT_FIELDS[9:14] == ["reply", "reply_date", "helpful_votes", "verified", "language"]
    jl = tmp_path / "out.jsonl"
    assert export_records(store, jl, "jsonl").reviews == 2
    recs = {r["id"]: r for r in map(json.loads, jl.read_text(encoding="utf-8").splitlines())}
    assert list(recs[a.id]) == EXPORT_FIELDS
    assert (recs[a.id]["reply"], recs[a.id]["reply_date"], recs[a.id]["helpful_votes"], recs[a.id]["verified"],
            recs[a.id]["language"]) == (HOSTILE_REPLY, "2026-04-03", 12, True, "en-GB")  # data: exact
    assert "\u202e" not in jl.read_text(encoding="utf-8")  # written as an escape
    assert [recs[b.id][k] for k in ("reply", "reply_date", "helpful_votes", "verified", "language")] == [None] * 5
    out = tmp_path / "out.csv"
    export_records(store, out, "csv")
    rows = {r["id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    ra = rows[a.id]
    assert ra["reply"].startswith("'=HYPERLINK(")  # not a formula in a spreadsheet
    assert "⟨U+202E⟩" in ra["reply"] and "\u202e" not in ra["reply"]  # neutralised for people
    assert (ra["reply_date"], ra["helpful_votes"], ra["verified"], ra["language"]) == ("2026-04-03", "12", "True", "en-GB")
    assert rows[b.id]["reply"] == "" and rows[b.id]["verified"] == ""


def test_export_has_the_detected_language_and_the_translation(store, tmp_path):
    """The analysis's language and its machine translation go out too (for BI tools); the page's stated
    language stays in `language`, and an import of the file reads the review, not the translation."""
    from reviewlens.schema import Analysis

    de = Review(source="shop", text="=1+1 Die Lieferung kam zu spät.", rating=2, language="de-AT")
    store.upsert_reviews([de])
    store.save_analyses([Analysis(content_hash=de.content_hash, model="m", prompt_version="p", sentiment="negative",
                                  language="de", translation="=1+1 The delivery came late.")])
    assert EXPORT_FIELDS[-4:] == ["detected_language", "translation", "suspicious", "tags"]
    jl, out = tmp_path / "out.jsonl", tmp_path / "out.csv"
    export_records(store, jl, "jsonl")
    [rec] = map(json.loads, jl.read_text(encoding="utf-8").splitlines())
    assert (rec["language"], rec["detected_language"], rec["translation"]) == \
           ("de-AT", "de", "=1+1 The delivery came late.")
    export_records(store, out, "csv")
    [row] = csv.DictReader(out.open(encoding="utf-8"))
    assert row["translation"] == "'=1+1 The delivery came late." and row["detected_language"] == "de"
    [back] = read_reviews_file(jl, source="shop").reviews
    assert back.text == de.text and back.language == "de-AT"


def test_export_then_import_keeps_them(store, tmp_path):
    a, _ = _store_some(store)
    jl = tmp_path / "out.jsonl"
    export_records(store, jl, "jsonl")
    back = {r.text: r for r in read_reviews_file(jl, source="shop").reviews}
    got = back[a.text]
    assert (got.reply, got.reply_date, got.helpful_votes, got.verified, got.language) == \
           (HOSTILE_REPLY, date(2026, 4, 3), 12, True, "en-GB")


def test_import_google_play_columns(tmp_path):
    f = tmp_path / "reviews_app_202604.csv"
    f.write_text("Package Name,Reviewer Language,Review Submit Date and Time,Star Rating,Review Text,"
                 "Developer Reply Date and Time,Developer Reply Text\n"
                 "com.example,de,2026-04-01T10:00:00Z,2,Stürzt ständig ab,2026-04-04T09:00:00Z,Bitte aktualisieren\n"
                 "com.example,en,2026-04-02T10:00:00Z,5,Great app,,\n", encoding="utf-8")
    res = read_reviews_file(f)
    assert not res.errors, res.errors
    a, b = res.reviews
    assert (a.reply, a.reply_date, a.language) == ("Bitte aktualisieren", date(2026, 4, 4), "de")
    assert (b.reply, b.reply_date, b.language) == (None, None, "en")


def test_a_store_moved_through_an_export_knows_its_reviews_again(store, tmp_path):
    """A store moved through `export` and `import` (a new machine, SQLite to PostgreSQL): the next scrape of the
    same pages stored every review again (123 new of 123 seen on the tester's store, the store doubled): the
    export's `id` (the store's identity) was read back as the site's review id, and the site's own id was not in
    the export. Now the export carries site_review_id and an import of ReviewLens's export keeps the identity."""
    from reviewlens.records_io import import_file
    from reviewlens.store import Store

    a, b = _store_some(store)
    relative = Review(source="shop", text="Arrived late, box crushed.", rating=2, author="Kim",
                      date=date(2026, 4, 20), date_relative=True)  # "2 weeks ago": no part of its identity
    store.upsert_reviews([relative])
    scraped_again = [Review(source="shop", text=r.text, rating=r.rating, date=r.date, site_review_id=r.site_review_id,
                            author=r.author, date_relative=r.date_relative) for r in (a, b, relative)]
    jl, out = tmp_path / "moved.jsonl", tmp_path / "moved.csv"
    export_records(store, jl, "jsonl")
    export_records(store, out, "csv")
    assert {json.loads(x)["site_review_id"] for x in jl.read_text(encoding="utf-8").splitlines()} == {"a", "b", None}
    old = tmp_path / "old.jsonl"  # an export written before it had site_review_id
    old.write_text("".join(json.dumps({k: v for k, v in json.loads(x).items() if k != "site_review_id"}) + "\n"
                           for x in jl.read_text(encoding="utf-8").splitlines()), encoding="utf-8")
    for i, path in enumerate((jl, out, old)):
        moved = Store(tmp_path / f"moved{i}.db")
        res = import_file(moved, path)[0]
        assert any("keep the identity they had" in x for x in res.remarks), res.remarks
        assert "site_review_id" not in res.columns or res.columns["site_review_id"] == "site_review_id"
        assert moved.upsert_reviews(scraped_again) == (0, 3), path.name  # nothing new: the same reviews
        assert moved.count_reviews() == 3
        moved.close()
