"""The user's own fields: an import's other columns (country, plan) kept with each review, filtered by
(`--field`, the dashboard's sidebar, a link), compared (`compare --by field:NAME`) and exported and read back."""

from __future__ import annotations

import csv
import json

import pytest

from reviewlens import queries
from reviewlens.app.cli import main
from reviewlens.comparison import compare
from reviewlens.filters import Filters, field_filter
from reviewlens.records_io import import_file
from reviewlens.store import Store
from reviewlens.views import View, from_query, to_query
from tests.helpers import write_csv as _write

LATE = "Delivery took three weeks, far too slow."
GOOD = ["Great kettle, boils fast.", "Works well, nice design.", "Lovely colour and quiet."]


def shop_rows(n: int = 60) -> list[dict]:
    """Three countries; half of the German reviews complain of late delivery (1 star), the rest are happy."""
    rows = []
    for i in range(n):
        country = ["DE", "FR", "US"][i % 3]
        late = country == "DE" and i % 2 == 0
        rows.append({"Review": f"{LATE} Order {i}." if late else f"{GOOD[i % 3]} Order {i}.",
                     "Stars": 1 if late else 5, "Date": f"2026-11-{1 + i % 28:02d}", "Product": "Kettle",
                     "Country": country, "Plan": ["Free", "Pro"][i % 2], "Order ID": f"A{i:04d}", "Notes": ""})
    return rows


@pytest.fixture
def db(tmp_path, capsys) -> str:
    out = str(tmp_path / "s.db")
    assert main(["import", _write(tmp_path / "shop.csv", shop_rows()), "--db", out, "-q"]) == 0
    capsys.readouterr()
    return out


def test_an_imports_other_columns_are_the_reviews_own_fields(db):
    store = Store(db)
    df = store.reviews_frame()
    fields = store.fields_of(df["id"].tolist())
    assert len(df) == 60 and all(set(f) == {"Country", "Plan", "Order ID"} for f in fields.values())  # not Notes
    assert sorted(store.field_names()) == ["Country", "Order ID", "Plan"]
    # offered to filter by: the fields whose values repeat (the order number is an identifier)
    assert queries.field_values(store) == {"Country": ["DE", "FR", "US"], "Plan": ["Free", "Pro"]}
    de = queries.headline(store, Filters.of(fields={"Country": ["DE"]}), previous=False)
    both = queries.headline(store, Filters.of(fields=["Country=DE", "Country=FR", "Plan=Pro"]), previous=False)
    assert de.reviews == 20 and both.reviews == 20 and de.avg_rating == pytest.approx((10 * 1 + 10 * 5) / 20)


def test_filter_compare_and_export_by_a_field(db, tmp_path, capsys):
    assert main(["compare", "--by", "field:Country", "--json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {g["name"]: g["Reviews"] for g in data["groups"]} == {"DE": 20, "FR": 20, "US": 20}
    assert any(d["what"] == "rating" and d["worse"] == "DE" for d in data["differences"])
    result = compare(Store(db), "field:Plan", Filters.of(fields={"Country": ["DE"]}))
    assert [(g.name, g.headline.reviews) for g in result.groups] == [("Free", 10), ("Pro", 10)]
    assert result.groups[0].rating.mean == pytest.approx(1.0) and result.groups[1].rating.mean == pytest.approx(5.0)

    out = tmp_path / "de.csv"
    assert main(["export", "-o", str(out), "--field", "Country=DE", "--field", "Plan=Free", "--db", db, "-q"]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 10 and {r["field:Country"] for r in rows} == {"DE"} and all(r["rating"] == "1.0" for r in rows)
    # read back into another store: the same fields
    again = Store(tmp_path / "again.db")
    res = import_file(again, out)[0]
    assert res.rows == 10 and not res.errors
    assert {tuple(sorted(f.items())) for f in again.fields_of(again.reviews_frame()["id"]).values()} == \
        {(("Country", "DE"), ("Order ID", f"A{i:04d}"), ("Plan", "Free")) for i in range(0, 60, 6)}
    jl = tmp_path / "all.jsonl"
    assert main(["export", "-o", str(jl), "--db", db, "-q"]) == 0
    first = json.loads(jl.read_text(encoding="utf-8").splitlines()[0])
    assert set(first["fields"]) == {"Country", "Plan", "Order ID"}
    third = Store(tmp_path / "third.db")
    import_file(third, jl)
    assert queries.field_values(third) == queries.field_values(Store(db))


def test_report_follows_the_field(db, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "fr.xlsx"
    assert main(["report", "-o", str(out), "--field", "Country=FR", "--db", db, "-q"]) == 0
    ws = load_workbook(out, read_only=True)["Reviews"]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    assert len(rows) == 21 and head[-3:] == ["Country", "Order ID", "Plan"]  # its own fields, a column each
    assert {r[head.index("Country")] for r in rows[1:]} == {"FR"} and all(r[head.index("Plan")] for r in rows[1:])


def test_bad_field_arguments_name_what_is_there(db, tmp_path, capsys):
    for argv, said in ((["--field", "Contry=DE"], "no review has a field 'Contry'; did you mean 'Country'?"),
                       (["--field", "Country=De"], "--field Country=De: no review has that value; did you mean 'DE'?"),
                       # differing only in case: difflib alone finds 'de' too far from 'DE' (README: "did you mean 'DE'?")
                       (["--field", "Country=de"], "--field Country=de: no review has that value; did you mean 'DE'?"),
                       (["--field", "country=FR"], "no review has a field 'country'; did you mean 'Country'?"),
                       (["--field", "Country"], "--field: not a field filter: 'Country'; give NAME=VALUE")):
        assert main(["export", "-o", str(tmp_path / "x.csv"), *argv, "--db", db, "-q"]) == 2
        assert said in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["compare", "--by", "field:", "--db", db])
    assert main(["compare", "--by", "field:Land", "--db", db]) == 2
    assert "no review has a field 'Land'" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_a_field_in_a_link():
    f = Filters.of(products=["Kettle"], fields={"Country": ["DE", "FR"]})
    query = to_query(View(filters=f))
    assert ("field", "Country=DE") in query and ("field", "Country=FR") in query
    view, problems = from_query({k: [v for kk, v in query if kk == k] for k, _ in query})
    assert view.filters == f and not problems
    view, problems = from_query({"field": ["Country"]})
    assert view.filters.fields == () and problems == ["field: only NAME=VALUE, such as country=DE"]
    assert field_filter({"plan": "Pro", "country": ["DE", "", "FR"]}) == (("country", ("DE", "FR")), ("plan", ("Pro",)))


def test_fields_are_kept_in_either_database(store, tmp_path):
    """Imported, refreshed by a later import of the same reviews, deleted with them: SQLite and PostgreSQL."""
    rows = shop_rows(6)
    import_file(store, _write(tmp_path / "a.csv", rows))
    rows[0]["Plan"] = "Enterprise"
    import_file(store, _write(tmp_path / "b.csv", rows), source="import:a")  # the same reviews again
    ids = store.reviews_frame()["id"].tolist()
    plans = sorted(f["Plan"] for f in store.fields_of(ids).values())
    assert plans == ["Enterprise", "Free", "Free", "Pro", "Pro", "Pro"]
    assert queries.headline(store, Filters.of(fields={"Plan": ["Enterprise"]}), previous=False).reviews == 1
    store.delete_reviews(sources=["import:a"])
    assert store.fields_of(ids) == {}


def test_the_top_complaints_of_a_segment_are_kept_apart(db, capsys):
    """`complaints --field country=DE`: the segment's own themes, stored apart from those of all reviews
    (which the report, the alerts and the dashboard read), read back with --stored and by a dashboard
    filtered to the segment."""
    store = Store(db)
    assert main(["complaints", "--no-llm", "--db", db, "-q"]) == 0
    everything, scope = queries.latest_complaints(store)
    assert main(["complaints", "--no-llm", "--field", "Country=DE", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "Top complaints (Country: DE), " in out and "(20 reviews;" in out
    de, de_scope = queries.latest_complaints(store, fields={"Country": ["DE"]})
    assert de_scope["fields"] == [["Country", ["DE"]]] and de and de_scope["batch"] != scope["batch"]
    again, scope2 = queries.latest_complaints(store)
    assert scope2["batch"] == scope["batch"] and [t.label for t in again] == [t.label for t in everything]
    assert main(["complaints", "--stored", "--field", "Country=DE", "--db", db, "-q"]) == 0
    assert "Top complaints (Country: DE)" in capsys.readouterr().out
    assert main(["complaints", "--stored", "--field", "Country=FR", "--db", db, "-q"]) == 0
    assert "No themes stored for this selection yet" in capsys.readouterr().out
    views, vscope = queries.complaints(store, Filters.of(fields={"Country": ["DE"]}))
    assert vscope["batch"] == de_scope["batch"]
    views, vscope = queries.complaints(store, Filters.of(fields={"Country": ["FR"]}))
    assert vscope["batch"] == scope["batch"]  # none of its own: the store's, recounted


def test_a_change_made_for_a_segment_compares_its_reviews(db, capsys):
    """`changes add ... --field Country=DE`: only the German reviews before and since; the verdict about
    the theme named, found among the segment's own themes."""
    assert main(["complaints", "--no-llm", "--field", "Country=DE", "--db", db, "-q"]) == 0
    de, _ = queries.latest_complaints(Store(db), fields={"Country": ["DE"]})
    late = next(t for t in de if any(LATE in q.text for q in t.quotes))
    capsys.readouterr()
    assert main(["changes", "add", "2026-11-15", "DHL in Germany", "--field", "Country=DE", "--theme", late.label,
                 "--no-llm", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "(Country: DE, meant to fix" in out
    [change] = Store(db).changes()
    assert change["fields"] == [("Country", ("DE",))] and len(change["theme_reviews"]) == 10
    effect = change["effect"]
    assert effect["before_reviews"] + effect["after_reviews"] == 20  # the German reviews only (60 in all)
    assert effect["named"]["label"] == late.label
    assert main(["changes", "add", "2026-11-15", "x", "--field", "Country=XX", "--db", db, "-q"]) == 2
    assert len(Store(db).changes()) == 1
