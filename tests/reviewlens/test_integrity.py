"""Suspicious reviews (reviewlens.integrity): copied texts, bursts of same-star reviews, repeat reviewers;
kept with the store's reviews, filtered by, listed by `reviewlens suspicious` and in the report."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import openpyxl
import pytest

from reviewlens import integrity, queries
from reviewlens.app.cli import main
from reviewlens.filters import Filters
from reviewlens.schema import Review

COPY = "I bought this blender for smoothies and it crushes ice in seconds, best purchase of the year for our family."
NEAR = "I bought this blender for smoothies and it crushes ice in seconds, best purchase of the year for my family."
STOCK = "Great product, works as described."  # many people write it: not a copy


def row(i, text, *, product="Blender", author=None, rating=4, day=None, source="shop"):
    return {"id": f"r{i}", "text": text, "product": product, "author": author or f"Person Number{i}",
            "rating": rating, "date": day, "source": source}


def varied(i: int) -> str:
    return f"Review {i}: the lid {'fits' if i % 2 else 'leaks'} and the motor is {i % 7} kinds of loud, colour {i}."


def test_copied_texts_are_found_exact_and_near_but_not_stock_phrases_or_one_review_on_two_sites():
    rows = [row(1, COPY), row(2, COPY, product="Kettle"), row(3, NEAR), row(4, STOCK), row(5, STOCK),
            row(6, varied(6)), row(7, varied(7)),
            # one person's one review shown on two sites: not a copy
            row(8, "The jug cracked after a month of daily use and the shop would not replace it at all.",
                author="Dana Smith", source="shop"),
            row(9, "The jug cracked after a month of daily use and the shop would not replace it at all.",
                author="Dana Smith", source="marketplace")]
    found = integrity.find(rows)
    assert [(f.kind, sorted(f.review_ids)) for f in found] == [("copied", ["r1", "r2", "r3"])]
    f = found[0]
    assert not f.detail["exact"] and f.detail["products"] == ["Blender", "Kettle"]
    assert f.title == "3 reviews with nearly the same text (3 named reviewers, 2 products)"
    # the same person posting the same text for two products is a copy
    again = integrity.find([row(8, COPY, author="Dana Smith"), row(9, COPY, author="Dana Smith", product="Kettle")])
    assert [f.kind for f in again] == ["copied"]


def steady(start: date, days: int, *, every: int = 3, first: int = 100, product: str = "Blender") -> list[dict]:
    """One five-star review every `every` days, with ordinary ratings between."""
    out = []
    for d in range(days):
        if d % every == 0:
            out.append(row(first + d, varied(first + d), rating=5, day=start + timedelta(days=d), product=product))
        if d % 2 == 0:
            out.append(row(first + 1000 + d, varied(first + 1000 + d), rating=3, day=start + timedelta(days=d),
                           product=product))
    return out


def test_a_burst_of_five_star_reviews_and_review_bombing_are_found_against_the_products_usual():
    start = date(2026, 6, 1)
    rows = steady(start, 90)
    burst_day = start + timedelta(days=80)
    rows += [row(500 + i, varied(500 + i), rating=5, day=burst_day) for i in range(9)]
    rows += [row(600 + i, varied(600 + i), rating=5, day=burst_day + timedelta(days=1)) for i in range(6)]
    bomb_day = start + timedelta(days=60)
    rows += [row(700 + i, varied(700 + i), rating=1, day=bomb_day) for i in range(7)]
    found = {f.detail["stars"]: f for f in integrity.find(rows) if f.kind == "burst"}
    five, one = found[5], found[1]
    # two consecutive days are one burst; the day's usual five-star review is part of it
    assert five.detail["start"] == burst_day.isoformat() and five.detail["end"] == (burst_day + timedelta(days=1)).isoformat()
    assert {f"r{500 + i}" for i in range(9)} | {f"r{600 + i}" for i in range(6)} <= set(five.review_ids)
    assert five.detail["usual_per_day"] == pytest.approx(1 / 3, abs=0.02)
    assert "five-star reviews of Blender from 2026-08-20 to 2026-08-21 (about one every 3 days before)" in five.title
    assert one.title == "7 one-star reviews of Blender on 2026-07-31 (none in the 60 days before)"
    assert set(one.review_ids) == {f"r{700 + i}" for i in range(7)} and "one-star" in one.title
    # four a day is within chance at this rate only when... it is under the minimum of five: not a burst
    calm = steady(start, 90) + [row(800 + i, varied(800 + i), rating=5, day=burst_day) for i in range(3)]
    assert not [f for f in integrity.find(calm) if f.kind == "burst"]


def test_a_launch_has_no_usual_and_a_busy_product_no_burst():
    start = date(2026, 6, 1)
    launch = [row(i, varied(i), rating=5, day=start + timedelta(days=i % 3)) for i in range(40)]
    assert not integrity.find(launch + steady(start, 90))
    busy = steady(start, 90, every=1) + [row(900 + i, varied(900 + i), rating=5, day=start + timedelta(days=70))
                                         for i in range(4)]  # 5 that day against a usual of 1 a day
    assert not [f for f in integrity.find(busy) if f.kind == "burst"]


def test_a_repeat_reviewer_needs_a_name_that_tells_people_apart_and_different_texts():
    d = date(2026, 10, 1)
    rows = [row(1, varied(1), author="sofia_h88", day=d), row(2, varied(2), author="Sofia_H88", day=d + timedelta(days=9)),
            row(10, varied(10), author="Ann Lee", day=d), row(11, varied(11), author="Ann Lee", day=d),  # one day
            row(3, varied(3), author="sofia_h88", day=d + timedelta(days=200)),   # months later: an update
            row(4, varied(4), author="Sofia H.", day=d), row(5, varied(5), author="Sofia H.", day=d),
            row(6, varied(6), author="A Customer", day=d), row(7, varied(7), author="a customer", day=d),
            row(8, varied(8), author="Marco Rossi", day=d), row(9, varied(8), author="Marco Rossi", day=d,
                                                                source="other")]
    found = integrity.find(rows)
    assert sorted((f.kind, f.review_ids) for f in found) == [("repeat", ["r1", "r2"]), ("repeat", ["r10", "r11"])]
    assert sorted(f.title for f in found) == ["2 reviews of Blender by one reviewer",
                                              "2 reviews of Blender by one reviewer within 10 days"]
    assert integrity.author_key("  A  Customer ") is None and not integrity.distinctive("sofia h")
    # a name the store holds often is two people when a busy product gets it twice
    busy = [row(100 + i, varied(100 + i), author=f"Buyer Number{i}", day=d + timedelta(days=i % 20))
            for i in range(400)]
    smiths = [row(600 + i, varied(600 + i), author="John Smith", product=f"Other {i}", day=d) for i in range(30)]
    twice = [row(700, varied(700), author="John Smith", day=d), row(701, varied(701), author="John Smith", day=d)]
    assert not integrity.find(busy + smiths + twice)
    assert [f.review_ids for f in integrity.find(busy + twice)] == [["r700", "r701"]]  # found nowhere else


def reviews_of(rows: list[dict]) -> list[Review]:
    return [Review(source=r["source"], text=r["text"], product=r["product"], author=r["author"], rating=r["rating"],
                   date=r["date"], site_review_id=r["id"]) for r in rows]


def test_the_store_keeps_its_findings_checks_again_when_reviews_change_and_filters_by_them(store):
    d = date(2026, 10, 1)
    base = [row(i, varied(i), day=d, rating=5) for i in range(6)] + [row(10, COPY, rating=5, day=d),
                                                                      row(11, COPY, rating=5, day=d)]
    store.upsert_reviews(reviews_of(base))
    found = integrity.current(store)
    assert [f.kind for f in found] == ["copied"] and len(found[0].review_ids) == 2
    assert store.load_checkpoint("integrity")["stamp"] == store.reviews_stamp()
    # read back as saved, not checked again
    assert [f.as_dict() for f in integrity.current(store)] == [f.as_dict() for f in found]
    copies = set(found[0].review_ids)
    assert queries.count_reviews(store, Filters.of(suspicious=True)) == 2
    assert queries.count_reviews(store, Filters.of(suspicious=False)) == 6
    out = store.reviews_frame()
    assert set(out["id"]) - copies == {r.id for r in reviews_of(base)} - copies
    # a third copy, one star: checked again; the summary counts within a selection
    store.upsert_reviews(reviews_of([row(12, COPY, rating=1, day=d)]))
    found = integrity.current(store)
    assert len(found[0].review_ids) == 3
    summary, inside = integrity.in_selection(store, Filters())
    assert (summary.reviews, summary.suspicious, summary.by_kind["copied"]) == (9, 3, 3)
    assert summary.rating == pytest.approx((8 * 5 + 1) / 9) and summary.rating_without == 5
    assert "3 of 9 reviews look suspicious (3 with a text other reviewers posted too)" in summary.line()
    assert "Average rating 4.56★, 5.00★ without them." in summary.line()
    # a deleted review is checked away too
    store.delete_reviews(sources=["shop"], products=["Blender"])
    assert integrity.current(store) == [] and integrity.in_selection(store, Filters())[0].line() == \
        "No suspicious pattern among 0 reviews."


def write_jsonl(path, rows: list[dict]) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"id": r["id"], "text": r["text"], "product": r["product"], "author": r["author"],
                                 "rating": r["rating"], "date": r["date"].isoformat() if r["date"] else None})
                     + "\n")
    return str(path)


@pytest.fixture
def shop(tmp_path, capsys) -> str:
    return make_shop(tmp_path, capsys)


def make_shop(tmp_path, capsys) -> str:
    """A store of a blender's steady reviews, a burst of fives, a copied text (with a terminal escape) and a
    repeat reviewer, imported with `reviewlens import`; its path."""
    start = date(2026, 6, 1)
    rows = steady(start, 90)
    rows += [row(500 + i, varied(500 + i), rating=5, day=start + timedelta(days=80)) for i in range(8)]
    evil = "\x1b[31m" + COPY
    rows += [row(10, evil, rating=5, day=start + timedelta(days=40), product="Kettle"),
             row(11, evil, rating=5, day=start + timedelta(days=41), product="Kettle", author="=cmd|' /C calc'!A0")]
    rows += [row(20, varied(20), rating=1, author="marco_r", day=start + timedelta(days=50)),
             row(21, varied(21), rating=1, author="marco_r", day=start + timedelta(days=52))]
    db = str(tmp_path / "s.db")
    assert main(["import", write_jsonl(tmp_path / "r.jsonl", rows), "--db", db, "-q"]) == 0
    # checked at the import, so the dashboard finds the findings ready
    assert "suspicious reviews: 12 of 87 (reviewlens suspicious lists them)" in capsys.readouterr().out
    from reviewlens.store import Store

    assert Store(db).load_checkpoint(integrity.CHECKPOINT)["stamp"] == Store(db).reviews_stamp()
    return db


def test_the_suspicious_command_lists_each_pattern_with_its_reviews_quoted_safely(shop, capsys):
    assert main(["suspicious", "--db", shop]) == 0
    out = capsys.readouterr().out
    assert out.startswith("All reviews: 12 of ")
    assert "Copied texts (1):\n  * 2 reviews with the same text (2 named reviewers, 1 product)" in out
    assert "Bursts of same-star reviews (1):\n  * 8 five-star reviews of Blender on 2026-08-20" in out
    assert "Repeat reviewers (1):\n  * 2 reviews of Blender by one reviewer within 3 days" in out
    assert '"[31mI bought this blender for smoothies' in out and "\x1b" not in out
    assert main(["suspicious", "--db", shop, "--product", "Kettle", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["reviews"] == 2 and data["summary"]["suspicious"] == 2
    assert [f["kind"] for f in data["findings"]] == ["copied"]
    # a misspelt product is an error naming the nearest
    assert main(["suspicious", "--db", shop, "--product", "Kettel"]) == 2
    assert "did you mean 'Kettle'" in capsys.readouterr().err


def test_a_report_without_the_suspicious_reviews_and_its_suspicious_sheet(shop, tmp_path):
    full, clean = tmp_path / "full.xlsx", tmp_path / "clean.xlsx"
    assert main(["report", "--db", shop, "-o", str(full), "-q"]) == 0
    assert main(["report", "--db", shop, "-o", str(clean), "--suspicious", "out", "-q"]) == 0
    wb = openpyxl.load_workbook(full)
    rows = list(wb["Suspicious"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Pattern", "Finding", "Reviews") and len(rows) == 4
    copied = next(r for r in rows if r[0] == "Copied texts")
    assert copied[4].date() == date(2026, 7, 11) and copied[5] == "Person Number10"  # the first by date
    assert copied[6].endswith(COPY) and "\x1b" not in copied[6]
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if r[0] == "Suspicious reviews"]
    assert summary and summary[0][1].startswith("12 of ")
    n_full = wb["Reviews"].max_row - 1
    clean_wb = openpyxl.load_workbook(clean)
    assert clean_wb["Reviews"].max_row - 1 == n_full - 12
    assert "suspicious reviews left out" in dict((r[0], r[1]) for r in clean_wb["Summary"].iter_rows(values_only=True)
                                                 if r[0])["Filters"]
    assert len(list(clean_wb["Suspicious"].iter_rows())) == 4  # what it left out


def test_a_comparison_shows_each_groups_suspicious_share_and_rating_without_them(tmp_path, capsys):
    """`compare`: a product inflated by a burst of five-star reviews beside one that is not."""
    start = date(2026, 6, 1)
    rows = steady(start, 90) + [row(500 + i, varied(500 + i), rating=5, day=start + timedelta(days=80))
                                for i in range(12)]
    rows += [dict(r, id="t" + r["id"], text=r["text"] + " Toaster.", product="Toaster")
             for r in steady(start, 90, first=5000)]
    db = str(tmp_path / "c.db")
    assert main(["import", write_jsonl(tmp_path / "r.jsonl", rows), "--db", db, "-q"]) == 0
    capsys.readouterr()
    assert main(["compare", "--db", db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    groups = {g["name"]: g for g in data["groups"]}
    assert groups["Blender"]["% suspicious"] == pytest.approx(100 * 12 / 87)
    assert groups["Toaster"]["% suspicious"] == 0
    # the burst's fives left out: the steady reviews' 30 fives and 45 threes
    assert groups["Blender"]["Rating without suspicious"] == pytest.approx((30 * 5 + 45 * 3) / 75)
    assert groups["Toaster"]["Rating without suspicious"] == pytest.approx(groups["Toaster"]["Average rating"])
    gap = next(d for d in data["differences"] if d["what"] == "suspicious")
    assert gap["text"].startswith("Suspicious reviews: 14% of Blender's reviews look suspicious vs 0% of Toaster's")
    assert main(["compare", "--db", db]) == 0
    out = capsys.readouterr().out
    assert re.search(r"% suspicious\s+14%\s+0%\nRating without suspicious\s+3\.80★\s+3\.80★", out)


def test_an_export_says_why_a_review_looks_suspicious_and_an_import_of_it_keeps_no_such_field(shop, tmp_path, capsys):
    out_csv, out_jsonl = tmp_path / "all.csv", tmp_path / "all.jsonl"
    import csv

    assert main(["export", "--db", shop, "-o", str(out_csv)]) == 0
    assert main(["export", "--db", shop, "-o", str(out_jsonl)]) == 0

    with open(out_csv, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    marked = {r["author"]: r["suspicious"] for r in rows if r["suspicious"]}
    assert len(marked) == 11 and marked["Person Number10"] == "copied" and marked["marco_r"] == "repeat"
    lines = [json.loads(x) for x in out_jsonl.read_text(encoding="utf-8").splitlines()]
    assert sum(1 for x in lines if x["suspicious"] == ["burst"]) == 8
    only, out = tmp_path / "only.jsonl", tmp_path / "out.csv"  # an export of them alone, or without them
    assert main(["export", "--db", shop, "--suspicious", "only", "-o", str(only)]) == 0
    assert main(["export", "--db", shop, "--suspicious", "out", "-o", str(out)]) == 0
    only_rows = [json.loads(x) for x in only.read_text(encoding="utf-8").splitlines()]
    with open(out, encoding="utf-8") as fh:
        out_rows = list(csv.DictReader(fh))
    assert all(x["suspicious"] for x in only_rows) and not any(r["suspicious"] for r in out_rows)
    assert len(only_rows) == sum(1 for x in lines if x["suspicious"]) and len(only_rows) + len(out_rows) == len(lines)
    # the export read back: the column is ReviewLens's own, not a field of the user's
    again = str(tmp_path / "again.db")
    assert main(["import", str(out_csv), "--db", again, "-q"]) == 0
    from reviewlens.store import Store

    assert Store(again).field_names() == []


def test_an_edited_review_is_checked_again_and_a_read_only_store_in_memory(tmp_path):
    from reviewlens.store import Store

    d = date(2026, 10, 1)
    path = tmp_path / "s.db"
    store = Store(path)
    store.upsert_reviews(reviews_of([row(1, COPY, day=d), row(2, varied(2), day=d)]))
    assert integrity.current(store) == []
    store.upsert_reviews(reviews_of([row(2, COPY, day=d)]))  # the same review (its site id), edited into a copy
    assert [sorted(f.review_ids) for f in integrity.current(store)] == [sorted(r.id for r in reviews_of(
        [row(1, COPY), row(2, COPY)]))]
    store.upsert_reviews(reviews_of([row(3, COPY, day=d, rating=1)]))
    path.chmod(0o444)
    try:
        ro = Store(path, read_only=True)
        summary, found = integrity.in_selection(ro, Filters())
        assert (summary.reviews, summary.suspicious) == (3, 3) and len(found[0].review_ids) == 3
        assert Store(path).load_checkpoint(integrity.CHECKPOINT)["stamp"] != Store(path).reviews_stamp()  # not saved
    finally:
        path.chmod(0o644)


def test_a_review_spree_is_one_reviewer_giving_many_products_the_same_stars_in_a_day():
    d = date(2026, 10, 3)
    spree = [row(i, varied(i), product=f"Product {i}", author="deal_hunter77", rating=5, day=d) for i in range(5)]
    three = [row(10 + i, varied(10 + i), product=f"Product {i}", author="Ann Lee", rating=5, day=d) for i in range(3)]
    mixed = [row(20 + i, varied(20 + i), product=f"Product {i}", author="Bo Chan", rating=5 - 2 * (i % 2), day=d)
             for i in range(5)]  # 5, 3, 5, 3, 5 stars: three fives
    found = integrity.find(spree + three + mixed)
    assert [(f.kind, f.title) for f in found] == [("spree", "5 products given five stars by one reviewer on 2026-10-03")]
    assert found[0].review_ids == sorted(f"r{i}" for i in range(5)) and found[0].detail["author"] == "deal_hunter77"
    # a name the store holds often on other days: a busy day's reviews hold it four times by chance
    busy = [row(100 + i, varied(100 + i), product=f"Product {i % 9}", author=f"Buyer Number{i}", day=d)
            for i in range(400)]
    common = [row(600 + i, varied(600 + i), author="John Smith", day=d + timedelta(days=1 + i)) for i in range(40)]
    smith = [dict(r, author="John Smith") for r in spree]
    assert not [f for f in integrity.find(busy + common + smith) if f.kind == "spree"]
    assert [f.kind for f in integrity.find(busy + smith) if f.kind == "spree"] == ["spree"]  # found nowhere else
