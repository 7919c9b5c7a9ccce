"""The names reviews mention (people, companies, places, products the analysis found) as a filter: in the
store's queries, the sidebar's options, a dashboard link, `export` and `report` (`--mentions`) (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json

import openpyxl
import pytest

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.filters import Filters
from reviewlens.schema import Analysis, Entity, Review
from reviewlens.store import Store
from reviewlens.views import View, from_query, to_query

ROWS = [("DHL lost the parcel, then DHL found it a week later.", [("DHL", "ORG")]),
        ("The dhl driver left it in the rain.", [("dhl", "ORG")]),
        ("Marco at the Berlin store sorted it out.", [("Marco", "PERSON"), ("Berlin", "LOCATION")]),
        ("My iPhone 15 Pro fits the case well.", [("iPhone 15 Pro", "PRODUCT")]),
        ("Arrived late, box crushed.", [])]


def seed(store: Store) -> list[Review]:
    revs = [Review(source="shop", text=t, rating=2, product="Case") for t, _ in ROWS]
    store.upsert_reviews(revs)
    analyses = []
    for r, (text, ents) in zip(revs, ROWS):
        found = []
        for name, typ in ents:
            start = text.index(name)
            found.append(Entity(name, typ, start, start + len(name)))
        analyses.append(Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="negative",
                                 entities=found))
    store.save_analyses(analyses)
    return revs


def texts(store: Store, f: Filters) -> list[str]:
    rows, _ = queries.review_page(store, f, page_size=50)
    return sorted(rows["text"])


def test_reviews_are_filtered_by_the_names_they_mention(store):
    seed(store)
    assert texts(store, Filters.of(mentions=["DHL"])) == [ROWS[0][0], ROWS[1][0]]  # any case
    assert texts(store, Filters.of(mentions=["berlin", "iPhone 15 Pro"])) == sorted([ROWS[2][0], ROWS[3][0]])
    assert texts(store, Filters.of(mentions=["FedEx"])) == []
    assert queries.mention_counts(store) == [("DHL", "ORG", 2), ("Berlin", "LOCATION", 1),
                                             ("iPhone 15 Pro", "PRODUCT", 1), ("Marco", "PERSON", 1)]
    assert queries.options(store).mentions == {"DHL": "ORG", "Berlin": "LOCATION", "iPhone 15 Pro": "PRODUCT",
                                               "Marco": "PERSON"}
    assert queries.headline(store, Filters.of(mentions=["dhl"])).reviews == 2
    # the export reads the store's own filter
    assert sorted(store.reviews_frame(mentions=["marco"])["text"]) == [ROWS[2][0]]


def test_a_link_and_the_description_carry_the_names():
    f = Filters.of(mentions=["DHL", " dhl ", "Marco  Rossi"])
    assert f.mentions == ("DHL", "Marco Rossi")  # one of each in any case, spaces tidied
    assert "mentioning: DHL, Marco Rossi" in f.describe()
    query = to_query(View(page="Reviews", filters=f))
    assert ("mentions", "DHL") in query and ("mentions", "Marco Rossi") in query
    back, problems = from_query({"page": ["Reviews"], "mentions": ["DHL", "Marco Rossi"]})
    assert back.filters.mentions == ("DHL", "Marco Rossi") and not problems


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "m.db")
    store = Store(path)
    seed(store)
    return path, store


def test_export_and_report_keep_to_the_names(db, tmp_path, capsys):
    path, _ = db
    out = tmp_path / "dhl.jsonl"
    assert main(["export", "--mentions", "dhl", "-o", str(out), "--db", path, "-q"]) == 0
    assert sorted(json.loads(x)["text"] for x in out.read_text(encoding="utf-8").splitlines()) == [
        ROWS[0][0], ROWS[1][0]]
    report = tmp_path / "r.xlsx"
    assert main(["report", "--mentions", "Marco", "-o", str(report), "--db", path, "-q"]) == 0
    book = openpyxl.load_workbook(report)
    sheet = list(book["Reviews"].iter_rows(values_only=True))
    assert [r[sheet[0].index("Text")] for r in sheet[1:]] == [ROWS[2][0]]
    summary = " ".join(str(v) for row in book["Summary"].iter_rows(values_only=True) for v in row if v)
    assert "mentioning: Marco" in summary
    # a name no analyzed review holds: a clear error, with the names like it
    assert main(["export", "--mentions", "iPhone", "-o", str(out), "--db", path]) == 2
    assert "no analyzed review names it (names like it: 'iPhone 15 Pro')" in capsys.readouterr().err
    assert main(["report", "--mentions", "FedEx", "-o", str(report), "--db", path]) == 2
    assert "(the most named: 'DHL', 'Berlin', 'iPhone 15 Pro', 'Marco')" in capsys.readouterr().err
