"""`reviewlens import` and `reviewlens export`: real files, real store, through the command line."""

from __future__ import annotations

import csv
import json

import pytest

from reviewlens.cli import main
from reviewlens.records_io import ImportFileError, read_reviews_file
from reviewlens.schema import Analysis, TopicMention
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
    rs = {r.text: r for r in store.get_reviews()}
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
    assert [r.rating for r in res.reviews] == [2.0, 5.0]
    assert res.reviews[0].site_review_id == "a1" and res.reviews[0].source == "app-store"
    assert res.errors[0]["line"] == 2 and "not valid JSON" in res.errors[0]["message"]


def test_import_rejects_file_without_text(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(ImportFileError, match="no review text column"):
        read_reviews_file(f)
    with pytest.raises(ImportFileError, match="unknown format"):
        (tmp_path / "x.xls").write_text("")
        read_reviews_file(tmp_path / "x.xls")


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
    for r in store.get_reviews():
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
