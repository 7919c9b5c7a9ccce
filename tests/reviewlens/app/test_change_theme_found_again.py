"""A change that names a complaint theme finds it again by the reviews it kept, in the change's own product and
periods: the store's theme then held the reviews of every product and of one period only, so no theme of the
change's two periods shared half of them, and the verdict read "'Food quality issues' is not among the
complaint themes of these two periods, so no review raised it twice" with no share before or since."""

from __future__ import annotations

from datetime import date, timedelta

from reviewlens.app.change_effects import measure_change
from reviewlens.changes import Effect
from reviewlens.schema import ComplaintTheme, Quote, Review

DAY = date(2026, 9, 1)


def _reviews(product: str, start: date, n: int, text: str) -> list[Review]:
    return [Review(source="s", product=product, text=f"{text} ({product} {start} {i})", rating=2,
                   date=start + timedelta(days=i)) for i in range(n)]


def _theme(label: str, topic: str, ids: list[str]) -> ComplaintTheme:
    return ComplaintTheme(label=label, summary="", count=len(ids), share=0.0, topic=topic, review_ids=ids,
                          quotes=[Quote(text="The pasta was cold.", review_id=ids[0])])


def test_the_named_theme_is_found_again_by_its_kept_reviews(sqlite_store, monkeypatch):
    store = sqlite_store
    bella_before = _reviews("Bella Notte", DAY - timedelta(days=20), 20, "Cold pasta")
    bella_since = _reviews("Bella Notte", DAY, 20, "Cold soup")
    others = _reviews("Harbor Grill", DAY, 19, "Soggy fries")  # the store's theme then: every product
    store.upsert_reviews(bella_before + bella_since + others)
    kept = [r.id for r in bella_since[:6]] + [r.id for r in others]  # 6 of 25 are this product's
    found = [  # what the complaint finder gives for Bella Notte's two periods: food complaints on both sides
        _theme("Food: pasta, cold, soup", "food", [r.id for r in bella_before[:12] + bella_since[:12]]),
        _theme("Rude waiters", "service", [r.id for r in bella_since[4:7] + bella_before[15:18]]),
    ]
    monkeypatch.setattr("analysis.complaints.find_complaints", lambda *a, **k: list(found))
    cid = store.add_change(DAY, "New head chef", "Bella Notte", "Food quality issues", kept)
    e = measure_change(store, next(c for c in store.changes() if c["id"] == cid))
    assert e.named is not None and e.named.label == "Food quality issues"
    assert (e.named.before, e.named.after) == (12, 12)  # the service theme holding 1 of them is not it
    assert e.verdict().startswith("No clear change in 'Food quality issues' yet: 60% before, 60% since")
    assert [t.label for t in e.themes].count("Food quality issues") == 1 and "Rude waiters" in {t.label for t in e.themes}


def test_a_theme_whose_kept_reviews_are_elsewhere_says_why(sqlite_store, monkeypatch):
    store = sqlite_store
    before = _reviews("Bella Notte", DAY - timedelta(days=12), 12, "Cold pasta")
    since = _reviews("Bella Notte", DAY, 12, "Cold soup")
    others = _reviews("Harbor Grill", DAY, 5, "Soggy fries")
    store.upsert_reviews(before + since + others)
    monkeypatch.setattr("analysis.complaints.find_complaints",
                        lambda *a, **k: [_theme("Food", "food", [r.id for r in before[:5] + since[:2]])])
    cid = store.add_change(DAY, "New head chef", "Bella Notte", "Soggy fries", [r.id for r in others])
    e = measure_change(store, next(c for c in store.changes() if c["id"] == cid))
    assert e.named is None
    v = e.verdict()
    assert v.startswith("No verdict on 'Soggy fries': none of the 5 reviews that raised it when the change was "
                        "recorded is among the reviews of these two periods") and "twice" not in v
    assert Effect(**e.as_dict()).verdict() == v  # kept with the stored effect


def test_an_old_stored_effect_without_a_note_still_reads():
    e = Effect("a", "b", "c", "d", 30, 30, theme="Late delivery")
    assert e.verdict().startswith("No verdict on 'Late delivery': no complaint theme of these two periods is it")
