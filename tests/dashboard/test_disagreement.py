"""Stars and words that disagree (queries.disagreements, the Overview's note): reviews rated 4 or 5 stars that
read negative (complaints the stars hide) and rated 1 or 2 that read positive, counted within the filters and
one click from the explorer (streamlit AppTest, real SQLite store)."""

from __future__ import annotations

from reviewlens import queries as Q
from reviewlens.filters import Filters
from reviewlens.schema import Analysis, Review
from reviewlens.store import Store
from tests.helpers import app_test

ROWS = [("Five stars, but the lid leaks every single time.", 5, "negative"),
        ("Good kettle, though the handle gets far too hot.", 4, "negative"),
        ("Lovely kettle, boils fast.", 5, "positive"),
        ("Love it!", 1, "positive"),
        ("Broke after a week.", 1, "negative"),
        ("It is a kettle.", 3, "neutral")]


def _store(path) -> Store:
    store = Store(path)
    revs = [Review(source="shop", text=t, rating=r, product="Kettle", date="2026-11-0%d" % (i + 1))
            for i, (t, r, _) in enumerate(ROWS)]
    store.upsert_reviews(revs)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment=s)
                         for r, (_, _, s) in zip(revs, ROWS)])
    return store


def _counts(store, f):
    return {d.name: n for d, n in Q.disagreements(store, f)}


def test_counted_within_the_filters(tmp_path):
    store = _store(tmp_path / "d.db")
    assert _counts(store, Filters()) == {"hidden": 2, "misrated": 1}
    assert _counts(store, Filters.of(min_rating=5)) == {"hidden": 1, "misrated": 0}  # the filter's ratings win
    assert _counts(store, Filters.of(sentiments=["positive"])) == {"hidden": 0, "misrated": 1}
    assert _counts(store, Filters.of(search="lid")) == {"hidden": 1, "misrated": 0}
    hidden = Q.DISAGREEMENTS[0].within(Filters.of(min_rating=2, max_rating=4.5))
    assert (hidden.min_rating, hidden.max_rating, hidden.sentiments) == (4.0, 4.5, ("negative",))
    assert Q.DISAGREEMENTS[0].within(Filters.of(max_rating=3)) is None


def test_the_overview_says_so_and_shows_them(monkeypatch, tmp_path):
    db = str(tmp_path / "d.db")
    _store(db).close()
    at = app_test(monkeypatch, db)
    captions = " ".join(c.value for c in at.caption)
    assert "2 reviews rated 4★ or 5★ read negative: complaints the stars hide" in captions
    assert "1 review rated 1★ or 2★ reads positive: a slip of the finger, irony, or a misreading" in captions
    next(b for b in at.button if b.key == "disagree_hidden").click().run()
    assert not at.exception and at.session_state["page"] == "Reviews"
    assert at.session_state["f_rating"] == (4.0, 5.0) and at.session_state["f_sentiments"] == ["negative"]
    assert sorted(at.dataframe[0].value["text"]) == sorted(t for t, r, s in ROWS if r >= 4 and s == "negative")


def test_the_report_says_so(tmp_path):
    import openpyxl

    from dashboard.report import build_workbook

    store = _store(tmp_path / "d.db")
    out = tmp_path / "r.xlsx"
    build_workbook(store, out, Filters())
    rows = {r[0]: r[1] for r in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert rows["Stars and words disagree"] == (
        "2 reviews rated 4★ or 5★ read negative (complaints the stars hide); 1 review rated 1★ or 2★ reads "
        "positive (a slip of the finger, irony, or a misreading).")
