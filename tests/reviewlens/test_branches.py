"""A chain's branches in one Google Maps scraper's file are told apart: every branch's reviews were stored under
the chain's name ("Pizza Roma"), one product, so the dashboard, `compare --by product` and the report could not
say which branch the complaints come from. Each branch of a name several places share is now its own product,
named by where it is; a place alone keeps its name, and a product column the user names is read as written."""

from __future__ import annotations

import csv
import io
import json

import pytest

from reviewlens.places import Branches
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
    assert b.names() == ({}, [])
