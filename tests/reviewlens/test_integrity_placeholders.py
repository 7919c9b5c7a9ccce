"""A platform's placeholder for an anonymous reviewer ("Guest 689", "Anonymous 12", "A Google user") tells
nobody apart: an export of 210 reviews whose authors were "Guest NNN" (900 possible numbers) made 11% of the
store "repeat reviewers" by chance, and a "worth a look before you trust the numbers" warning."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from reviewlens import integrity


def _rows(authors: list[str]) -> list[dict]:
    start = date(2026, 6, 1)
    return [{"id": f"r{i}", "text": f"Review {i}: the risotto was {i % 9} kinds of good, table {i}.",
             "product": "Bella Notte", "author": a, "rating": 1 + i % 5, "date": start + timedelta(days=i % 180),
             "source": "myexport"} for i, a in enumerate(authors)]


def test_numbered_guests_are_not_repeat_reviewers():
    rnd = random.Random(8)
    rows = _rows([f"Guest {rnd.randint(100, 999)}" for _ in range(210)])
    rows += _rows(["Dana Whitfield", "Dana Whitfield"])  # a real name twice in a month still is one
    rows[-1].update(id="d2", date=rows[-2]["date"] + timedelta(days=3))
    rows[-2].update(id="d1")
    found = [f for f in integrity.find(rows) if f.kind == "repeat"]
    assert [sorted(f.review_ids) for f in found] == [["d1", "d2"]]


@pytest.mark.parametrize("name", ["Guest 689", "guest_1234", "Guest #42", "user123", "Anonymous 3", "A Google User",
                                  "Amazon Customer 7", "Verified Buyer", "Customer", "Deleted user 5"])
def test_placeholder_names_tell_nobody_apart(name):
    assert integrity.author_key(name) is None and not integrity.distinctive(integrity.author_key(name))


@pytest.mark.parametrize("name", ["sofia_h88", "Sofia Hernandez", "jsmith1990", "Reviewer 3fa91c2e07",
                                  "Reviewer 1234567890"])  # a privacy pseudonym too, even all digits
def test_names_with_numbers_still_tell_people_apart(name):
    assert integrity.distinctive(integrity.author_key(name))


def test_a_store_checked_before_is_checked_again(sqlite_store):
    """The stored findings of the checks before (version 3) held the guests' "repeats": checked again."""
    from reviewlens.schema import Review

    store = sqlite_store
    revs = [Review(source="myexport", product="Bella Notte", author="Guest 689", text=f"Visit {i}: fine pasta {i}.",
                   rating=4, date=date(2026, 9, 1) + timedelta(days=i)) for i in range(3)]
    store.upsert_reviews(revs)
    old = integrity.Finding("repeat", "repeat:x", "3 reviews of Bella Notte by one reviewer", [r.id for r in revs])
    store.save_flags([old.as_dict()], {"stamp": store.reviews_stamp(), "version": 3})
    assert integrity.current(store) == []
