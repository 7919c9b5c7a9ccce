"""Questions asked in the dashboard, answered in the background (reviewlens.app.answering): the store's
question queue on SQLite and PostgreSQL, the answerer with the real sentence embedder, the background
thread with its heartbeat, and `reviewlens ask --pending`."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from reviewlens.app.answering import Answerer, answer_waiting, start_background
from reviewlens.app.cli import main
from reviewlens.config import Settings
from reviewlens.questions import HEARTBEAT_KEY, answerer_alive, verbatim_sources
from reviewlens.schema import Review
from reviewlens.store import Store, questions

REVIEWS = [
    ("Shipping took three weeks. The box was fine though.", 1, "Kettle", "shop"),
    ("Great kettle, boils fast. Delivery was quick, two days.", 5, "Kettle", "shop"),
    ("The courier lost my parcel and it arrived ten days late. Returning it.", 1, "Kettle", "forum"),
    ("The battery lasts a whole week on one charge.", 5, "Watch", "shop"),
]


def _fill(store: Store) -> dict[str, str]:
    items = [Review(source=s, text=t, rating=r, product=p, url=f"https://shop.example/{i}")
             for i, (t, r, p, s) in enumerate(REVIEWS)]
    store.upsert_reviews(items)
    return {r.id: r.text for r in items}


def test_the_question_queue(store):
    assert not store.questions_waiting()
    a = store.add_question("Is delivery slow?", {"products": ["Kettle"]})
    assert store.questions_waiting()  # the Ask page polls while one waits
    b = store.add_question("And the battery?", {})
    first = store.claim_question()
    assert first["id"] == a and first["status"] == "answering" and first["scope"] == {"products": ["Kettle"]}
    second = store.claim_question()
    assert second["id"] == b and store.claim_question() is None  # each question goes to one answerer
    store.finish_question(a, result={"answer": "", "sources": [{"n": 1, "text": "x"}]})
    store.finish_question(b, error="ValueError: boom")
    assert not store.questions_waiting()
    rows = store.list_questions()
    assert [r["id"] for r in rows] == [b, a]  # newest first
    assert rows[0]["status"] == "failed" and rows[0]["error"] == "ValueError: boom" and rows[0]["result"] is None
    assert rows[1]["status"] == "answered" and rows[1]["result"]["sources"][0]["text"] == "x"
    # an answerer that died while answering: its claim is taken again once it is stale
    c = store.add_question("Stuck?", {})
    assert store.claim_question()["id"] == c and store.claim_question() is None
    with store.engine.begin() as conn:
        conn.execute(questions.update().where(questions.c.id == c)
                     .values(updated_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    assert store.claim_question()["id"] == c


def test_answers_are_the_reviews_own_sentences_and_a_bad_question_fails_alone(tmp_path):
    store = Store(tmp_path / "q.db")
    texts = _fill(store)
    good = store.add_question("Is delivery slow?", {"products": ["Kettle"], "sources": ["shop"]})
    bad = store.add_question("Anything?", {"since": "2026-13-01"})
    assert answer_waiting(store, Answerer(Settings(), use_llm=False, k=3)) == 2
    rows = {r["id"]: r for r in store.list_questions()}
    res = rows[good]["result"]
    assert rows[good]["status"] == "answered" and res["searched"] == 2  # Kettle reviews from the shop only
    assert res["sources"] and all(s["text"] in texts[s["review_id"]] for s in res["sources"])
    assert any(s["text"].startswith("Shipping took three weeks") for s in res["sources"])
    assert "no model was asked" in res["why_no_answer"]
    assert rows[bad]["status"] == "failed" and "ValueError" in rows[bad]["error"]
    # what the page shows: only sources still word for word in their review
    tampered = dict(res, sources=res["sources"] + [{"n": 9, "review_id": res["sources"][0]["review_id"],
                                                    "text": "The best kettle ever made."}])
    assert verbatim_sources(tampered, texts) == res["sources"]


def test_the_background_answerer_answers_and_says_it_is_alive(tmp_path):
    db = str(tmp_path / "bg.db")
    store = Store(db)
    _fill(store)
    thread, stop = start_background(db, Settings(), use_llm=False)
    try:
        qid = store.add_question("What about the battery?", {})
        deadline = time.monotonic() + 90
        while store.list_questions()[0]["status"] != "answered":
            assert time.monotonic() < deadline, store.list_questions()
            time.sleep(0.2)
        assert store.list_questions()[0]["id"] == qid
        assert store.list_questions()[0]["result"]["sources"][0]["text"].startswith("The battery lasts")
        beat = store.load_checkpoint(HEARTBEAT_KEY)
        assert answerer_alive(beat) and "no model" in beat["model"]
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert not answerer_alive(beat, datetime.now(timezone.utc) + timedelta(minutes=1))
    assert not answerer_alive(None) and not answerer_alive({"at": "yesterday"})


def test_ask_pending_answers_what_the_dashboard_asked(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    store = Store(db)
    _fill(store)
    assert main(["ask", "--pending", "--no-llm", "--db", db]) == 0
    assert "no question from the dashboard is waiting" in capsys.readouterr().out
    store.add_question("Is delivery slow?", {})
    assert main(["ask", "--pending", "--no-llm", "--db", db]) == 0
    assert "answered 1 question(s)" in capsys.readouterr().out
    assert store.list_questions()[0]["status"] == "answered"
    assert main(["ask", "--pending", "Is it loud?", "--db", db]) == 2  # one or the other


def test_two_answerers_never_answer_one_question_twice(store):
    url = store.engine.url.render_as_string(hide_password=False)
    ids = {store.add_question(f"q{i}", {}) for i in range(20)}
    got: list[int] = []
    lock = threading.Lock()

    def work():
        s = Store(url)
        while (row := s.claim_question()) is not None:
            with lock:
                got.append(row["id"])
        s.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(got) == sorted(ids)


def test_what_a_question_searches_follows_every_filter(store):
    """queries.review_texts on both databases: the filters of the sidebar, the analysis's language and
    translation beside each text, newest first."""
    from reviewlens.filters import Filters
    from reviewlens.queries import review_texts
    from reviewlens.schema import Analysis

    texts = _fill(store)
    ids = list(texts)
    reviews = {r["id"]: r for r in review_texts(store, Filters()).to_dict("records")}
    assert set(reviews) == set(ids) and reviews[ids[0]]["translation"] is None
    low = [i for i, (_, rating, _, _) in zip(ids, REVIEWS) if rating <= 2]
    store.save_analyses([Analysis(content_hash=Review(source="x", text=t).content_hash, model="m", prompt_version="p",
                                  sentiment="negative" if i in low else "positive",
                                  language="de" if i == low[0] else "en",
                                  translation="EN text" if i == low[0] else None) for i, t in texts.items()])
    neg = review_texts(store, Filters.of(sentiments=["negative"]))
    assert sorted(neg["id"]) == sorted(low)
    assert neg.set_index("id").loc[low[0], "translation"] == "EN text"
    assert neg.set_index("id").loc[low[0], "language"] == "de"
    assert list(review_texts(store, Filters.of(products=["Watch"], max_rating=5))["product"]) == ["Watch"]
    assert review_texts(store, Filters.of(search="COURIER"))["text"].str.contains("courier").all()


def test_the_answerer_stops_on_a_read_only_store_and_says_a_failure_once(tmp_path, caplog, monkeypatch):
    import logging

    from reviewlens.app.answering import serve_questions
    from reviewlens.store import StoreReadOnly

    db = str(tmp_path / "x.db")
    Store(db).close()
    caplog.set_level(logging.INFO, "reviewlens.app.answering")
    calls = []

    def down(self, *a, **kw):
        calls.append(1)
        raise ConnectionError("the database server is down")

    monkeypatch.setattr(Store, "claim_question", down)
    stop = threading.Event()
    thread = threading.Thread(target=serve_questions, args=(db, Settings(), stop),
                              kwargs={"use_llm": False, "poll": 0.05})
    thread.start()
    deadline = time.monotonic() + 20
    while len(calls) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    assert len(calls) >= 5 and caplog.text.count("the database server is down") == 1  # tried again, said once

    def read_only(self, *a, **kw):
        raise StoreReadOnly("cannot write to the store x.db: it is read-only")

    monkeypatch.setattr(Store, "save_checkpoint", read_only)
    thread = threading.Thread(target=serve_questions, args=(db, Settings(), threading.Event()), kwargs={"use_llm": False})
    thread.start()
    thread.join(20)
    assert not thread.is_alive() and "the store is read-only" in caplog.text  # it stops by itself


def test_a_store_that_cannot_be_opened_ends_the_answerer_with_a_word(caplog):
    import logging

    from reviewlens.app.answering import serve_questions

    caplog.set_level(logging.WARNING, "reviewlens.app.answering")
    serve_questions("postgresql://nobody@127.0.0.1:1/none", Settings(), threading.Event(), use_llm=False)
    assert "cannot open the store" in caplog.text


def test_the_heartbeat_names_the_model_as_soon_as_an_answer_is_stored(tmp_path, monkeypatch):
    """The Ask page read "the models load at the first question" beside the first answer: the heartbeat
    waited for its next beat. Now it is written at once after an answer (here the poll is 30 s)."""
    monkeypatch.setattr("analysis.backends.best_settings", lambda s: s)  # the 0.5B: too small to write, not loaded
    db = str(tmp_path / "beat.db")
    store = Store(db)
    _fill(store)
    store.add_question("Is delivery slow?", {})  # waiting when it starts: answered at its first look
    stop = threading.Event()
    from reviewlens.app.answering import serve_questions

    thread = threading.Thread(target=serve_questions, args=(db, Settings(), stop), kwargs={"poll": 30.0})
    thread.start()
    try:
        deadline = time.monotonic() + 15  # the answer, then the heartbeat, well before the next look in 30 s
        while "too small to write answers" not in (store.load_checkpoint(HEARTBEAT_KEY) or {}).get("model", ""):
            assert time.monotonic() < deadline, store.load_checkpoint(HEARTBEAT_KEY)
            time.sleep(0.1)
        assert store.list_questions()[0]["status"] == "answered"
    finally:
        stop.set()
        thread.join(40)
