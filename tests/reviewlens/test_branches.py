"""A chain's branches in one Google Maps scraper's file are told apart: every branch's reviews were stored under
the chain's name ("Pizza Roma"), one product, so the dashboard, `compare --by product` and the report could not
say which branch the complaints come from. Each branch of a name several places share is now its own product,
named by where it is; a place alone keeps its name, and a product column the user names is read as written."""

from __future__ import annotations

import csv
import io
import json

import pytest

from reviewlens.places import Branches, Naming
from reviewlens.records_io import import_file, read_reviews_file
from reviewlens.store import Store

OUTSCRAPER = ["query", "name", "google_id", "place_id", "full_address", "street", "city", "reviews", "rating",
              "review_id", "author_title", "review_text", "review_rating", "review_datetime_utc"]


def _csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _outscraper(tmp_path):
    return _csv(tmp_path / "outscraper.csv", OUTSCRAPER, [
        ["pizza roma", "Pizza Roma", "0x1", "ChIJ-b1", "Torstraße 1, 10119 Berlin, Germany", "Torstraße 1", "Berlin",
         310, 4.1, "r1", "Ana", "Cold pizza, slow waiter.", 2, "11/22/2025 08:26:40"],
        ["pizza roma", "Pizza Roma", "0x2", "ChIJ-h1", "Hafenstraße 2, 20359 Hamburg, Germany", "Hafenstraße 2",
         "Hamburg", 120, 4.6, "r2", "Ben", "Lovely crust.", 5, "11/21/2025 04:40:00"],
        ["pizza roma", "Pizza Roma", "0x1", "ChIJ-b1", "Torstraße 1, 10119 Berlin, Germany", "Torstraße 1", "Berlin",
         310, 4.1, "r3", "Cem", "Waited an hour.", 1, "11/20/2025 04:40:00"],
        ["harbour", "Harbour View", "0x3", "ChIJ-x", "Kai 3, Kiel, Germany", "Kai 3", "Kiel", 80, 4.0, "r4", "Dee",
         "Nice view.", 4, "11/19/2025 04:40:00"]])


def test_a_chains_branches_are_each_their_own_product_named_by_their_city(tmp_path):
    res = read_reviews_file(_outscraper(tmp_path))
    assert not res.errors, res.errors
    assert sorted((r.author, r.product) for r in res.reviews) == [
        ("Ana", "Pizza Roma (Berlin)"), ("Ben", "Pizza Roma (Hamburg)"), ("Cem", "Pizza Roma (Berlin)"),
        ("Dee", "Harbour View")]  # a place alone keeps its name
    said = [r for r in res.remarks if "share the name" in r]
    assert said == ["2 places share the name 'Pizza Roma' (a chain's branches): each is its own product, named by "
                    "its city: 'Pizza Roma (Berlin)', 'Pizza Roma (Hamburg)' (to keep them one product, import with "
                    "--column product=COLUMN)"]


def test_branches_in_one_city_are_named_by_city_and_street_and_a_file_without_addresses_by_place_id(tmp_path):
    apify = [{"title": "Pizza Roma", "placeId": pid, "city": "Berlin", "address": address, "name": who,
              "stars": 3, "text": text, "publishedAtDate": "2025-11-22T08:26:40.000Z", "reviewId": rid}
             for pid, address, who, text, rid in [
                 ("P1", "Torstraße 1, 10119 Berlin, Germany", "Ana", "Too loud.", "a"),
                 ("P2", "Kantstraße 9, 10623 Berlin, Germany", "Ben", "Fine.", "b"),
                 ("P3", "Torstraße 1, 10119 Berlin, Germany", "Cem", "Same street, another door?", "c")]]
    f = tmp_path / "apify.json"
    f.write_text(json.dumps(apify), encoding="utf-8")
    got = {r.author: r.product for r in read_reviews_file(f).reviews}
    # P1 and P3 share city and street: only their place ids tell them apart, so every branch is named by its id
    assert got == {"Ana": "Pizza Roma (P1)", "Ben": "Pizza Roma (P2)", "Cem": "Pizza Roma (P3)"}
    apify = [row for row in apify if row["placeId"] != "P3"]
    f.write_text(json.dumps(apify), encoding="utf-8")
    got = {r.author: r.product for r in read_reviews_file(f).reviews}
    assert got == {"Ana": "Pizza Roma (Berlin, Torstraße 1)", "Ben": "Pizza Roma (Berlin, Kantstraße 9)"}


def test_lobstrs_address_names_the_branch_by_its_first_part(tmp_path):
    f = _csv(tmp_path / "lobstr.csv", ["place_id", "place_name", "place_address", "user_name", "score", "text",
                                       "published_at_datetime"], [
        ["A", "Pizza Roma", "Torstraße 1, 10119 Berlin", "Ana", 2, "Cold.", "2025-11-22T08:26:40Z"],
        ["B", "Pizza Roma", "Hafenstraße 2, 20359 Hamburg", "Ben", 5, "Hot.", "2025-11-21T08:26:40Z"]])
    assert {r.author: r.product for r in read_reviews_file(f).reviews} == {
        "Ana": "Pizza Roma (Torstraße 1)", "Ben": "Pizza Roma (Hafenstraße 2)"}


def test_a_product_column_the_user_names_is_read_as_written(tmp_path):
    res = read_reviews_file(_outscraper(tmp_path), columns={"product": "name"})
    assert {r.product for r in res.reviews} == {"Pizza Roma", "Harbour View"}
    assert not [r for r in res.remarks if "share the name" in r]


def test_a_store_that_held_the_chain_as_one_product_gets_its_branches_at_the_next_import(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    f = _outscraper(tmp_path)
    res, _, new, _ = import_file(store, f, columns={"product": "name"})  # as every import read it before
    assert new == 4 and set(store.reviews_frame()["product"]) == {"Pizza Roma", "Harbour View"}
    res, _, new, _ = import_file(store, f)
    assert new == 0  # the same reviews (their identity is not their product), now under their branch
    assert sorted(store.reviews_frame()["product"]) == [
        "Harbour View", "Pizza Roma (Berlin)", "Pizza Roma (Berlin)", "Pizza Roma (Hamburg)"]


@pytest.mark.parametrize("row", [{"place_id": "", "name": "X"}, {"place_id": "P", "name": ""}, {"name": "X"}])
def test_a_row_without_a_place_or_a_name_tells_nothing(row):
    b = Branches()
    b.add(row.get("name"), row, {k: k for k in row})
    assert b.names() == Naming({}, [], [])


# A manager who exports each branch on its own imports the chain a file at a time: each file has one place, so
# every branch was stored under the chain's name, and importing a branch's own file after the chain's renamed its
# reviews back to the chain's name.

def _branch_file(tmp_path, pid, street, city, rows):
    return _csv(tmp_path / f"{pid}.csv", OUTSCRAPER, [
        ["pizza roma", "Pizza Roma", f"0x{pid}", pid, f"{street}, {city}, Germany", street, city, 100, 4.0, rid, who,
         text, stars, "11/22/2025 08:26:40"] for rid, who, text, stars in rows])


def test_branches_imported_a_file_each_are_each_their_own_product(store, tmp_path):
    berlin = _branch_file(tmp_path, "ChIJ-b1", "Torstraße 1", "Berlin", [("r1", "Ana", "Cold pizza.", 2),
                                                                         ("r3", "Cem", "Waited an hour.", 1)])
    res, _, new, _ = import_file(store, berlin)
    assert new == 2 and set(store.reviews_frame()["product"]) == {"Pizza Roma"}  # one place: the chain's name
    assert not [r for r in res.remarks if "Pizza Roma" in r]
    hamburg = _branch_file(tmp_path, "ChIJ-h1", "Hafenstraße 2", "Hamburg", [("r2", "Ben", "Lovely crust.", 5)])
    res, _, new, _ = import_file(store, hamburg)
    assert new == 1
    assert {r["author"]: r["product"] for _, r in store.reviews_frame().iterrows()} == {
        "Ana": "Pizza Roma (Berlin)", "Cem": "Pizza Roma (Berlin)", "Ben": "Pizza Roma (Hamburg)"}
    assert "2 reviews of 'Pizza Roma' stored before (place ChIJ-b1) are now 'Pizza Roma (Berlin)', that branch's" \
        in res.remarks
    assert any(r.startswith("2 places share the name 'Pizza Roma' (a chain's branches, 1 of them stored before)")
               for r in res.remarks), res.remarks

    # the Berlin branch's own file again: its reviews stay the branch's (they went back to "Pizza Roma")
    res, _, new, _ = import_file(store, berlin)
    assert new == 0 and not [r for r in res.remarks if "Pizza Roma" in r]
    assert sorted(store.reviews_frame()["product"]) == ["Pizza Roma (Berlin)", "Pizza Roma (Berlin)",
                                                        "Pizza Roma (Hamburg)"]

    # a second Berlin branch: "Pizza Roma (Berlin)" is taken, so it is named by its city and street
    kant = _branch_file(tmp_path, "ChIJ-b2", "Kantstraße 9", "Berlin", [("r4", "Dee", "Too loud.", 3)])
    res, _, new, _ = import_file(store, kant)
    assert new == 1
    got = {r["author"]: r["product"] for _, r in store.reviews_frame().iterrows()}
    assert got["Dee"] == "Pizza Roma (Berlin, Kantstraße 9)" and got["Ana"] == "Pizza Roma (Berlin)"
    assert any("beside 2 named before" in r for r in res.remarks), res.remarks


def test_the_chains_file_after_a_branchs_own_names_the_stored_branch_as_the_file_does(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    import_file(store, _branch_file(tmp_path, "ChIJ-b1", "Torstraße 1", "Berlin", [("r1", "Ana", "Cold.", 2)]))
    res, _, new, _ = import_file(store, _outscraper(tmp_path))  # the whole chain: Berlin's r1 again, r2, r3, r4
    assert new == 3
    assert {r["author"]: r["product"] for _, r in store.reviews_frame().iterrows()} == {
        "Ana": "Pizza Roma (Berlin)", "Cem": "Pizza Roma (Berlin)", "Ben": "Pizza Roma (Hamburg)",
        "Dee": "Harbour View"}


def test_the_store_tells_its_places_by_their_ids_and_a_place_is_one_whichever_id_a_file_gives(store, tmp_path):
    import_file(store, _outscraper(tmp_path))
    ids = ["place_id", "google_id"]  # an Outscraper review has both
    assert sorted(store.places(ids, ["city"], ["street"], ["full_address"])) == [
        ("Harbour View", ("ChIJ-x", "0x3"), "Kiel", "Kai 3", "Kai 3, Kiel, Germany"),
        ("Pizza Roma (Berlin)", ("ChIJ-b1", "0x1"), "Berlin", "Torstraße 1", "Torstraße 1, 10119 Berlin, Germany"),
        ("Pizza Roma (Hamburg)", ("ChIJ-h1", "0x2"), "Hamburg", "Hafenstraße 2",
         "Hafenstraße 2, 20359 Hamburg, Germany")]
    assert store.places([]) == []
    # another scraper's file that names Harbour View by its google_id only: the same place, still one product
    header = ["title", "google_id", "city", "name", "text", "stars"]
    res, _, new, _ = import_file(store, _csv(tmp_path / "other.csv", header, [
        ["Harbour View", "0x3", "Kiel", "Eve", "Windy terrace.", 3]]))
    assert new == 1 and not [r for r in res.remarks if "Harbour" in r]
    assert sorted(set(store.reviews_frame()["product"])) == ["Harbour View", "Pizza Roma (Berlin)",
                                                             "Pizza Roma (Hamburg)"]
    # and one of another Harbour View: both are branches now, the stored one renamed
    res, _, new, _ = import_file(store, _csv(tmp_path / "luebeck.csv", header, [
        ["Harbour View", "0x9", "Lübeck", "Fay", "Salty air.", 4]]))
    assert "2 reviews of 'Harbour View' stored before (place ChIJ-x) are now 'Harbour View (Kiel)', that branch's" \
        in res.remarks
    assert {r["author"]: r["product"] for _, r in store.reviews_frame().iterrows() if "Harbour" in r["product"]} \
        == {"Dee": "Harbour View (Kiel)", "Eve": "Harbour View (Kiel)", "Fay": "Harbour View (Lübeck)"}
    assert store.rename_place("Harbour View (Kiel)", ids, ["nowhere"], "X") == 0


def test_a_stored_branch_whose_place_has_brackets_is_found_and_many_places_are_named_at_once():
    b = Branches()
    b.add_stored("Pizza Roma (Frankfurt (Oder))", ("F1", ""), "Frankfurt (Oder)")
    b.add("Pizza Roma", {"place_id": "H1", "city": "Hamburg"}, {"place_id": "place_id", "city": "city"})
    naming = b.names()
    assert naming.products == {("Pizza Roma", "H1"): "Pizza Roma (Hamburg)"}
    assert naming.renames == [("Pizza Roma", ("H1",), "Pizza Roma (Hamburg)")]  # whatever is stored of it unnamed
    assert naming.remarks[0].startswith("2 places share the name 'Pizza Roma' (a chain's branches, 1 of them "
                                        "stored before)") and "beside 1 named before" in naming.remarks[0]
    # a scraper's file of 2,000 restaurants beside a store of 20,000 places: each name looks only at its own
    # (each of the 2,000 looked through all 20,000 stored: 40 million comparisons)
    b = Branches()
    for i in range(20_000):
        b.add_stored(f"Place {i}", (f"S{i}",), "Berlin")
    for i in range(2_000):
        b.add(f"Place {i}", {"place_id": f"N{i}", "city": "Hamburg"}, {"place_id": "place_id", "city": "city"})
    naming = b.names()
    assert len(naming.products) == 2_000 and len(naming.renames) == 4_000  # the stored place and the file's
    assert naming.products[("Place 7", "N7")] == "Place 7 (Hamburg)" and ("Place 7", ("S7",), "Place 7 (Berlin)") \
        in naming.renames
