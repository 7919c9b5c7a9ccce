"""The team's tags on reviews (reviewlens.tags): stored (SQLite and PostgreSQL), filtered by, set with
`reviewlens tag` and in the dashboard's explorer, carried by reports and exports and read back by imports."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.filters import Filters
from reviewlens.schema import ComplaintTheme, Review
from reviewlens.store import Store
from reviewlens.tags import TAG_MAX, clean_tag
from reviewlens.views import from_query, to_query, View

TEXTS = ["The kettle leaks from the lid.", "Arrived late, box crushed.", "Lovely kettle, boils fast.",
         "Handle got hot, burned my hand.", "Works fine."]


def reviews() -> list[Review]:
    return [Review(source="shop", text=t, product="Kettle", rating=r, site_review_id=f"k{i}")
            for i, (t, r) in enumerate(zip(TEXTS, [2, 1, 5, 1, 4]))]


def test_what_a_tag_may_be():
    assert clean_tag("  bug \t 1234 ") == "bug 1234" and clean_tag("esc\x1balated") == "escalated"
    for bad in ("", "   ", "x" * (TAG_MAX + 1)):
        with pytest.raises(ValueError):
            clean_tag(bad)


def test_tags_are_stored_filtered_by_and_deleted_with_their_review(store):
    rs = reviews()
    store.upsert_reviews(rs)
    a, b, c = rs[0].id, rs[1].id, rs[3].id
    assert store.add_tags([a, b], ["escalated", " escalated "]) == 2
    assert store.add_tags([a, c], ["escalated", "bug 12"]) == 3  # (a, escalated) was there
    assert store.tags_of([a, b, c, rs[2].id]) == {a: ["bug 12", "escalated"], b: ["escalated"], c: ["bug 12", "escalated"]}
    assert store.tag_counts() == [("escalated", 3), ("bug 12", 2)]
    with pytest.raises(KeyError, match="no review with id 'nope'"):
        store.add_tags([a, "nope"], ["x"])
    assert store.tag_counts() == [("escalated", 3), ("bug 12", 2)]  # nothing added
    assert queries.count_reviews(store, Filters.of(tags=["bug 12"])) == 2
    assert queries.count_reviews(store, Filters.of(tags=["bug 12", "escalated"])) == 3
    assert queries.options(store).tags == ["escalated", "bug 12"]
    assert store.set_tags(a, ["called back", "escalated"]) == (["called back"], ["bug 12"])
    # the dashboard's tag box: a tag in use typed in another case or spacing is that tag, in its spelling
    assert store.add_tags([rs[2].id], ["Bug  12"]) == 1 and store.tags_of([rs[2].id]) == {rs[2].id: ["bug 12"]}
    assert store.set_tags(rs[2].id, ["BUG 12", "Called Back"]) == (["called back"], [])
    store.remove_tags([rs[2].id], ["bug 12", "called back"])
    assert store.remove_tags([b, c], ["escalated"]) == 2
    assert store.tag_counts() == [("bug 12", 1), ("called back", 1), ("escalated", 1)]
    store.delete_reviews(sources=["shop"])
    assert store.tag_counts() == []


def test_a_link_and_the_description_carry_the_tags():
    f = Filters.of(tags=["escalated", "bug 12"])
    assert ("tag", "bug 12") in to_query(View(filters=f)) and "tags: bug 12, escalated" in f.describe()
    view, problems = from_query({"tag": ["escalated"], "page": "Reviews"})
    assert view.filters.tags == ("escalated",) and not problems


@pytest.fixture
def db(tmp_path, capsys) -> tuple[str, Store, list[Review]]:
    path = str(tmp_path / "t.db")
    store = Store(path)
    rs = reviews()
    store.upsert_reviews(rs)
    store.save_complaints([ComplaintTheme(label="Leaks and burns", summary="", count=2, share=0.4,
                                          review_ids=[rs[0].id, rs[3].id])], {"since": None, "until": None})
    return path, store, rs


def test_the_tag_command(db, capsys):
    path, store, rs = db
    assert main(["tag", "--db", path]) == 0
    assert "no tags yet" in capsys.readouterr().out
    assert main(["tag", "add", "escalated", rs[1].id, "--db", path]) == 0
    assert capsys.readouterr().out.strip() == "tagged 1 review 'escalated'"
    assert main(["tag", "add", "escalated", rs[1].id, "--theme", "Leaks and burns", "--db", path]) == 0
    assert capsys.readouterr().out.strip() == "tagged 2 reviews 'escalated' (1 had it already)"
    assert main(["tag", "--db", path]) == 0
    assert capsys.readouterr().out.strip() == "3  escalated"
    assert main(["tag", "list", "escalated", "--db", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 reviews tagged 'escalated':") and rs[3].id in out and "Handle got hot" in out
    assert main(["tag", "list", "escalated", "--json", "--db", path]) == 0
    assert {r["id"] for r in json.loads(capsys.readouterr().out)} == {rs[0].id, rs[1].id, rs[3].id}
    assert main(["tag", "remove", "escalated", rs[0].id, "--db", path]) == 0
    assert capsys.readouterr().out.strip() == "took 'escalated' off 1 review"
    assert main(["tag", "add", "hot", "--theme", "  leaks AND burns", "--db", path]) == 0  # a theme, case aside
    assert capsys.readouterr().out.strip() == "tagged 2 reviews 'hot'"
    assert main(["tag", "remove", "hot", rs[0].id, rs[3].id, "--db", path]) == 0
    capsys.readouterr()
    # clear errors, nothing changed
    for argv, msg in ((["tag", "add", "x", "nope"], "no review with id 'nope' in the store"),
                      (["tag", "add", "x"], "which reviews? give their ids, or --theme"),
                      (["tag", "add", " ", rs[0].id], "a tag needs a word or two"),
                      (["tag", "add", "x", "--theme", "Leaks and burn"], "did you mean 'Leaks and burns'?"),
                      (["tag", "list", "escalatd"], "did you mean 'escalated'?"),
                      (["report", "--tag", "escalatd", "-o", "r.xlsx"], "no review is tagged so (the tags: 'escalated')")):
        assert main([*argv, "--db", path]) == 2
        assert msg in capsys.readouterr().err
    assert store.tag_counts() == [("escalated", 2)]


def test_a_theme_before_any_is_computed_says_how_to_compute_them(tmp_path, capsys):
    path = str(tmp_path / "n.db")
    Store(path).upsert_reviews(reviews())
    assert main(["tag", "add", "x", "--theme", "Leaks", "--db", path]) == 2
    assert "none are computed yet: run `reviewlens complaints`" in capsys.readouterr().err


def test_a_tag_is_one_tag_whatever_its_case_and_spacing(db, tmp_path, capsys):
    """`tag add "  Escalated "` made a tag apart from `escalated`, and `tag list "  Escalated "` found none."""
    path, store, rs = db
    assert main(["tag", "add", "escalated", rs[0].id, "--db", path]) == 0
    assert main(["tag", "add", "  Escalated ", rs[1].id, "--db", path]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "tagged 1 review 'escalated'"  # the first spelling kept
    assert store.tag_counts() == [("escalated", 2)]
    assert main(["tag", "list", "  ESCALATED ", "--db", path]) == 0
    assert capsys.readouterr().out.startswith("2 reviews tagged 'escalated':")
    assert main(["tag", "remove", "Escalated", rs[0].id, "--db", path]) == 0
    assert store.tag_counts() == [("escalated", 1)]
    # a store tagged before keeps working: both spellings are one tag, listed and filtered together
    from reviewlens.store import review_tags  # as an older version wrote it, without matching the spelling
    with store.engine.begin() as c:
        c.execute(review_tags.insert().values(review_id=rs[2].id, tag="Escalated"))
    assert main(["tag", "--db", path]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "     2  Escalated"
    assert main(["tag", "list", "escalated", "--json", "--db", path]) == 0
    assert {r["id"] for r in json.loads(capsys.readouterr().out)} == {rs[1].id, rs[2].id}
    out = tmp_path / "e.jsonl"
    assert main(["export", "--tag", "ESCALATED", "-o", str(out), "--db", path, "-q"]) == 0
    assert {json.loads(x)["id"] for x in out.read_text().splitlines()} == {rs[1].id, rs[2].id}


def test_reports_and_exports_carry_the_tags_and_imports_read_them_back(db, tmp_path, capsys):
    path, store, rs = db
    store.add_tags([rs[1].id, rs[3].id], ["escalated"])
    store.add_tags([rs[3].id], ["bug 12"])
    report = tmp_path / "r.xlsx"
    assert main(["report", "--tag", "escalated", "-o", str(report), "--db", path, "-q"]) == 0
    sheet = list(openpyxl.load_workbook(report)["Reviews"].iter_rows(values_only=True))
    tags = sheet[0].index("Tags")
    assert sorted((r[sheet[0].index("Text")], r[tags]) for r in sheet[1:]) == [
        ("Arrived late, box crushed.", "escalated"), ("Handle got hot, burned my hand.", "bug 12; escalated")]
    out_csv, out_jsonl = tmp_path / "all.csv", tmp_path / "all.jsonl"
    assert main(["export", "-o", str(out_csv), "--db", path]) == 0
    assert main(["export", "-o", str(out_jsonl), "--db", path]) == 0
    with open(out_csv, encoding="utf-8") as fh:
        assert {r["text"]: r["tags"] for r in csv.DictReader(fh)}["Handle got hot, burned my hand."] == "bug 12; escalated"
    lines = [json.loads(x) for x in out_jsonl.read_text(encoding="utf-8").splitlines()]
    assert {x["text"]: x["tags"] for x in lines}["Handle got hot, burned my hand."] == ["bug 12", "escalated"]
    tagged = tmp_path / "tagged.jsonl"  # an export of the tagged reviews alone
    assert main(["export", "--tag", "bug 12", "--tag", "escalated", "-o", str(tagged), "--db", path]) == 0
    assert sorted(json.loads(x)["text"] for x in tagged.read_text(encoding="utf-8").splitlines()) == [
        "Arrived late, box crushed.", "Handle got hot, burned my hand."]
    assert main(["export", "--tag", "escalatd", "-o", str(tagged), "--db", path]) == 2
    assert "no review is tagged so (the tags: 'escalated', 'bug 12')" in capsys.readouterr().err
    for f in (out_csv, out_jsonl):
        again = str(tmp_path / f"again-{f.suffix[1:]}.db")
        assert main(["import", str(f), "--db", again, "-q"]) == 0
        other = Store(again)
        assert other.tag_counts() == [("escalated", 2), ("bug 12", 1)] and other.field_names() == []


def test_an_imported_tag_too_long_is_left_out_with_a_warning_and_the_review_kept(tmp_path, caplog):
    path = tmp_path / "in.csv"
    path.write_text("text,tags\nThe lid leaks.,escalated; " + "x" * 61 + "\n", encoding="utf-8")
    db = str(tmp_path / "t.db")
    with caplog.at_level("WARNING"):
        assert main(["import", str(path), "--db", db, "-q"]) == 0
    assert "line 2: tag left out, the review imported without it: a tag is at most 60 characters" in caplog.text
    assert Store(db).tag_counts() == [("escalated", 1)]
