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


def test_a_large_store_is_read_on_a_sixteenth_of_its_reviews(store, monkeypatch):
    """Over RESTATE_CHECK_ROWS field rows the check reads the reviews whose id starts with "0" (ids are hex digests:
    a random sixteenth): the rest is not read, so a value that parts from its version only there is missed."""
    monkeypatch.setattr(Q, "RESTATE_CHECK_ROWS", 0)
    sampled = [Review(id=f"0{i:023x}", source="s", text=f"In the sample {i}", version=f"1.{i % 3}",
                      extra={"fields": {"code": str(100 + i % 3), "device": f"phone {i % 2}"}}) for i in range(12)]
    rest = [Review(id=f"f{i:023x}", source="s", text=f"Outside {i}", version="1.0",
                   extra={"fields": {"code": "999", "device": "phone 1"}}) for i in range(12)]
    store.upsert_reviews(sampled + rest)
    fields = Q.field_values(store)
    assert "code" not in fields and "device" in fields  # code read as the version again (999 never read)
    monkeypatch.setattr(Q, "RESTATE_CHECK_ROWS", 10_000)  # all of them read: 999 is a second code of 1.0
    assert "code" in Q.field_values(store)
