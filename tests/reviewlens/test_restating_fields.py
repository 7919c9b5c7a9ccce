"""A field of the user's that only restates the product or the version is not offered as another way to filter or
compare: a chain's place ids, addresses and cities (each branch is a product: "By place_id", "By full_address",
"By street", "By city" were the same four groups again) and Google Play's "App Version Code" beside its versions."""

from __future__ import annotations

from pathlib import Path

from reviewlens import queries as Q
from reviewlens.records_io import import_file
from reviewlens.schema import Review

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


def test_a_chains_place_columns_are_the_branches_again(sqlite_store):
    import_file(sqlite_store, EXAMPLES / "pizza-roma-google-maps.csv")
    assert len(Q.options(sqlite_store).products) == 4
    assert Q.field_values(sqlite_store) == {}  # place_id, google_id, full_address, street, city: one a branch


def test_the_app_version_code_is_the_version_again(sqlite_store):
    import_file(sqlite_store, EXAMPLES / "reviews_reviews_com.pennywise.budget_202611.csv")
    assert "App Version Code" in sqlite_store.field_names()  # kept with each review (its detail shows it)
    assert "App Version Code" not in Q.field_values(sqlite_store)  # not one more way to compare the versions


def test_a_field_that_splits_a_product_or_joins_products_is_kept(store):
    rows = [("Kettle", "DE"), ("Kettle", "FR"), ("Toaster", "DE"), ("Toaster", "DE"),  # country: splits Kettle
            ("Kettle", "DE"), ("Toaster", "FR")]
    store.upsert_reviews([Review(source="s", text=f"Review {i}", product=p, extra={"fields": {
        "country": c, "line": "kitchen" if p == "Kettle" else "breakfast", "colour": "red" if i % 2 else "blue"}})
        for i, (p, c) in enumerate(rows)])
    fields = Q.field_values(store)
    assert set(fields) == {"country", "colour"}  # "line" is one a product: the products again
