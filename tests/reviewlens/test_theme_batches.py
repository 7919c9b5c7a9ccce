"""Stored themes on SQLite and PostgreSQL: complaints and praise apart, the batch for all products apart from
one product's, the user's merges, and a rename that the merges follow."""

from __future__ import annotations

import pytest

from reviewlens import queries
from reviewlens.schema import ComplaintTheme


def _theme(label: str, ids: list[str]) -> ComplaintTheme:
    return ComplaintTheme(label=label, summary="", count=len(ids), share=0.1, review_ids=ids)


def test_batches_by_kind_and_products(store):
    assert queries.latest_complaints(store) == ([], {})
    store.save_complaints([_theme("Late delivery", ["a", "b"]), _theme("Broken lid", ["c", "d"])],
                          {"since": "2026-11-01", "until": "2026-11-30", "products": []})
    store.save_complaints([_theme("Keeps tea hot", ["e", "f"])], {"products": []}, kind="praise")
    store.save_complaints([_theme("Leaks", ["c", "d"])], {"products": ["Kettle"]})  # newer, one product
    themes, scope = queries.latest_complaints(store)
    assert [t.label for t in themes] == ["Late delivery", "Broken lid"] and scope["products"] == []
    assert [t.label for t in queries.latest_complaints(store, products=["Kettle"])[0]] == ["Leaks"]
    assert queries.latest_complaints(store, products=["Toaster"]) == ([], {})
    assert [t.label for t in queries.latest_complaints(store, "praise")[0]] == ["Keeps tea hot"]
    with pytest.raises(ValueError, match="no themes of kind 'nope'"):
        queries.latest_complaints(store, "nope")
    # merges: recorded per kind, checked against the last computed themes, and they follow a rename
    with pytest.raises(ValueError, match="no theme named 'Leaks' among the last computed ones"):
        queries.merge_themes(store, "Leaks", "Late delivery")  # Leaks is the kettle's, not the store's
    queries.merge_themes(store, "Broken lid", "Late delivery")
    assert store.theme_merges() == [("Broken lid", "Late delivery")] and store.theme_merges("praise") == []
    queries.rename_theme(store, "Late delivery", "Slow shipping")
    assert store.theme_merges() == [("Broken lid", "Slow shipping")]
    assert [t.label for t in queries.latest_complaints(store)[0]] == ["Slow shipping", "Broken lid"]
    assert [t.label for t in queries.latest_complaints(store, products=["Kettle"])[0]] == ["Leaks"]  # untouched
    with pytest.raises(ValueError, match="cannot be merged into itself"):
        queries.merge_themes(store, "Slow shipping", "Slow shipping")
