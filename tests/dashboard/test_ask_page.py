"""The Ask page (dashboard/ask.py) with streamlit's AppTest on the seeded store: a question is stored with
the sidebar's scope, answered as `reviewlens dashboard` would in the background, and shown with its sources
word for word; a source whose words are not in its review is never shown."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from reviewlens.app.answering import Answerer, answer_waiting
from reviewlens.config import Settings
from reviewlens.questions import HEARTBEAT_KEY
from reviewlens.store import questions
from tests.dashboard.seed import ANCHOR, CURRENT, seeded_sqlite  # noqa: F401  (fixture)
from tests.helpers import app_test

pytestmark = pytest.mark.timeout(180)


def _ask(at, question: str):
    at.text_area[0].input(question)
    next(b for b in at.button if b.label == "Ask").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_ask_a_question_and_read_the_answer(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    at.sidebar.multiselect(key="f_products").select("Acme Kettle").run()
    at.sidebar.radio(key="page").set_value("Ask").run()
    assert any("No answering process is running" in w.value for w in at.warning)
    assert any("No question yet" in i.value for i in at.info)
    _ask(at, "Did it   arrive late and broken?")
    [row] = store.list_questions()
    assert row["question"] == "Did it arrive late and broken?" and row["status"] == "pending"
    assert row["scope"] == {"query": [["since", str(CURRENT[0])], ["until", str(ANCHOR)], ["product", "Acme Kettle"]]}
    assert any("Waiting for an answer" in i.value for i in at.info)

    store.save_checkpoint(HEARTBEAT_KEY, {"at": datetime.now(timezone.utc).isoformat(),
                                          "model": "review sentences only (no model)"})
    assert answer_waiting(store, Answerer(Settings(), use_llm=False, k=4)) == 1
    at.run()
    assert not at.warning and any("Questions are answered in the background" in c.value for c in at.caption)
    result = store.list_questions()[0]["result"]
    page = html.unescape("\n".join(m.value for m in at.markdown))
    kettle = {r.id: r.text for r in seed.reviews if r.product == "Acme Kettle"}
    assert result["sources"] and all(s["review_id"] in kettle for s in result["sources"])
    for s in result["sources"]:
        assert f"“{s['text']}”" in page
    assert "arrived late" in page
    assert any("No written answer: no model was asked" in c.value for c in at.caption)

    # a stored source that is not word for word in its review is not shown, and says so
    forged = dict(result, sources=result["sources"] + [{"n": 9, "review_id": result["sources"][0]["review_id"],
                                                        "text": "Best kettle I ever bought!"}])
    with store.engine.begin() as c:
        c.execute(sa.update(questions).values(result=json.dumps(forged)))
    at.run()
    page = html.unescape("\n".join(m.value for m in at.markdown))
    assert "Best kettle I ever bought" not in page
    assert any("1 source(s) not shown" in c.value for c in at.caption)


def test_hostile_questions_and_sources_stay_text(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.radio(key="page").set_value("Ask").run()
    _ask(at, "Is it <script>window.__xss=1</script> [click](javascript:alert(1)) nice?")
    answer_waiting(store, Answerer(Settings(), use_llm=False, k=8))
    at.run()
    page = "\n".join(m.value for m in at.markdown)
    assert "<script>" not in page and "](javascript" not in page
    assert "&lt;script&gt;window" in page  # the hostile review, quoted as text
    assert at.query_params == {"page": "Ask", "period": "all"}


def test_a_question_in_another_language_says_how_it_was_searched(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    at.sidebar.radio(key="page").set_value("Ask").run()
    _ask(at, "Warum kommt die Lieferung immer so spät an?")
    answer_waiting(store, Answerer(Settings(), use_llm=False))  # no model to translate it
    at.run()
    assert any("The question looks German" in c.value and "ask in English" in c.value for c in at.caption)


def test_every_sidebar_filter_applies_to_the_question(monkeypatch, seeded_sqlite):
    """A question asked with the sentiment and rating filters set searches only those reviews."""
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.multiselect(key="f_sentiments").select("positive").run()
    at.sidebar.slider(key="f_rating").set_value((5.0, 5.0)).run()
    at.sidebar.radio(key="page").set_value("Ask").run()
    _ask(at, "Does it work well?")  # names no product (a question that names one searches its reviews only)
    answer_waiting(store, Answerer(Settings(), use_llm=False, k=8))
    at.run()
    result = store.list_questions()[0]["result"]
    five_star = {r.id for r in seed.reviews if r.rating == 5 and seed.sentiments[r.id] == "positive"}
    assert result["searched"] == len(five_star)
    assert result["sources"] and {s["review_id"] for s in result["sources"]} <= five_star
    captions = [html.unescape(c.value) for c in at.caption]
    assert any(c.startswith("Searches sentiment: positive; rating 5–5 (the sidebar's filters)") for c in captions), \
        captions


def test_a_question_that_names_a_product_says_it_searched_that_products_reviews(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.radio(key="page").set_value("Ask").run()
    _ask(at, "Does the toaster work well?")
    answer_waiting(store, Answerer(Settings(), use_llm=False, k=8))
    at.run()
    result = store.list_questions()[0]["result"]
    assert result["products"] == ["Globex Toaster"] and {s["product"] for s in result["sources"]} == {"Globex Toaster"}
    captions = [html.unescape(c.value) for c in at.caption]
    # the names are escaped for Markdown (a product's name is the page's or the file's words)
    assert any(c.startswith(f"Searched {result['searched']} reviews of Globex Toaster \\(named in the question\\)")
               for c in captions), captions


def test_the_top_complaints_are_offered_as_questions(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    at.sidebar.radio(key="page").set_value("Ask").run()
    offered = [b for b in at.button if (b.key or "").startswith("ask_theme_")]
    labels = [b.label.replace("\\", "") for b in offered]  # Markdown-escaped: a theme name is untrusted
    assert {"Breaks quickly", "Late delivery"} < set(labels) and len(labels) == 3  # with reviews in these filters
    assert any("Boom" in lbl for lbl in labels)  # the hostile theme's name, as text
    offered[0].click().run()
    assert store.list_questions()[0]["question"] == f"What exactly do customers say about {labels[0].lower()}?"


def test_the_page_says_what_was_left_out(monkeypatch, seeded_sqlite):
    """Bug hunt 3: the list was cut at 8 excerpts without a word; a written answer's removed claims, the
    reviews not saying, and the numbers of a question about numbers are said as such."""
    store, seed, db = seeded_sqlite
    r = next(r for r in seed.reviews if r.text)
    source = {"n": 1, "review_id": r.id, "text": r.text, "rating": r.rating, "product": r.product}
    written = {"answer": "Guests say so [1].", "model": "big", "cited": [1], "searched": 40, "matched": 11,
               "dropped": 2, "sources": [source],
               "facts": {"reviews": 40, "rated": 39, "average_rating": 3.5, "by_rating": {"1": 9, "5": 30}}}
    unsaid = {"answer": "", "model": "big", "cited": [], "searched": 40, "matched": 1, "not_answered": True,
              "sources": [source]}
    for result in (written, unsaid):
        store.add_question("How many?", {})
        store.finish_question(store.claim_question()["id"], result=result)
    at = app_test(monkeypatch, db)
    at.sidebar.radio(key="page").set_value("Ask").run()
    assert not at.exception, [e.value for e in at.exception]
    page = re.sub(r"\\(.)", r"\1", html.unescape("\n".join(m.value for m in at.markdown)))  # markdown escapes
    captions = "\n".join(c.value for c in at.caption)
    assert "Guests say so [1]" in page and "2 claims that no excerpt says were left out" in captions
    assert "1 of 11 matching excerpts shown (`reviewlens ask -k 11` shows them all)" in captions
    assert "40 reviews searched; 39 rated, average rating 3.50★ (1★ 9, 5★ 30)" in page
    assert "The reviews do not say." in page and "So says big" in captions
