"""The review record: what is hashed and identified is what is stored."""

from __future__ import annotations

from reviewlens.schema import Analysis, Review
from reviewlens.store import Store


def test_review_with_nul_is_analyzed_once(tmp_path):
    # The store drops NUL (PostgreSQL cannot hold it); the analysis must be keyed by the stored text.
    r = Review(source="shop", text="Broke\x00 after a week", author="K\x00im", title="Bad\x00")

    store = Store(tmp_path / "x.db")
    store.upsert_reviews([r])
    pending = store.pending_analysis("m", "1")
    assert [p.id for p in pending] == [r.id]
    store.save_analyses([Analysis(content_hash=pending[0].content_hash, model="m", prompt_version="1",
                                  sentiment="negative")])
    assert store.pending_analysis("m", "1") == []

    # the record itself holds the stored values, and its identity is computed from them
    assert (r.text, r.author, r.title) == ("Broke after a week", "Kim", "Bad")
    assert r.content_hash == Review(source="shop", text="Broke after a week").content_hash
    assert r.id == Review(source="shop", text="Broke after a week", author="Kim").id
