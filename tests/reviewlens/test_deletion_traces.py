"""What a deletion reaches besides the reviews: the stored themes' quotes and counts, the alerts and answers that
quote a forgotten reviewer, the debug captures of pages that show their words; what `delete --run` says of
reviews a later run brought again, and the scheduler importing that later file again; the debug captures that
`privacy` looks through and `privacy --mask` deletes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from reviewlens import captures
from reviewlens.app.cli import main
from reviewlens.app.scheduler import Scheduler
from reviewlens.config import load_settings
from reviewlens.queries import latest_complaints
from reviewlens.schedule import load_schedule
from reviewlens.schema import ComplaintTheme, Quote, Review
from reviewlens.store import Store, alerted_reviews, alerts, complaint_themes, praise_themes
from tests.helpers import count_rows

EMAIL = "jane.doe@mail.example.com"


def _themed(store: Store) -> tuple[Review, Review, Review]:
    """Three reviews, two by Hannah; themes and alerts that quote them."""
    h1 = Review(source="shop", text="The order sat in processing for over a week before it shipped.",
                author="Hannah W.", rating=1, product="Lumen")
    h2 = Review(source="shop", text="Only Hannah ever complained about the strap buckle breaking.",
                author="Hannah W.", rating=2, product="Lumen")
    bob = Review(source="shop", text="My order took ten days to arrive, far too slow.", author="Bob", rating=2,
                 product="Lumen")
    store.upsert_reviews([h1, h2, bob])
    store.save_complaints([
        ComplaintTheme(label="Slow delivery", summary="", count=2, share=2 / 3, topic="Delivery",
                       quotes=[Quote(h1.id, "The order sat in processing for over a week"), Quote(bob.id, "far too slow")],
                       review_ids=[h1.id, bob.id]),
        ComplaintTheme(label="Broken buckle", summary="", count=1, share=1 / 3, quotes=[Quote(h2.id, "strap buckle")],
                       review_ids=[h2.id]),
    ], scope={"reviews": 3})
    store.save_complaints([ComplaintTheme(label="Fast", summary="", count=1, share=1 / 3,
                                          quotes=[Quote(h1.id, "shipped")], review_ids=[h1.id])], kind="praise")
    store.add_alert("digest:1", "reviews", "2 new bad reviews",
                    {"lines": ["2 reviews"], "quotes": [{"review_id": h1.id, "text": h1.text}, {"review_id": bob.id,
                                                                                              "text": bob.text}]},
                    ["log"], review_ids=[h1.id, bob.id])
    store.add_alert("complaint:slow", "complaint", "Rising: Slow delivery",
                    {"lines": [], "quotes": [{"review_id": h1.id, "text": "The order sat"}], "members": [h1.id, bob.id]},
                    ["log"])
    qid = store.add_question("why slow?", {})
    store.finish_question(qid, {"answer": "Orders wait [1].", "sources": [{"n": 1, "review_id": h1.id, "text": h1.text},
                                                                          {"n": 2, "review_id": bob.id, "text": bob.text}]})
    return h1, h2, bob


def _everything(store: Store) -> str:
    from reviewlens.store import questions

    with store.engine.connect() as c:
        return "\n".join(str(v) for t in (complaint_themes, praise_themes, alerts, alerted_reviews, questions)
                         for row in c.execute(sa.select(t)) for v in row)


def test_forgetting_a_reviewer_takes_their_words_out_of_themes_alerts_and_answers(store):
    h1, h2, bob = _themed(store)
    rid, n = store.delete_reviews(authors=["Hannah W."])
    assert n == 2
    left = _everything(store)
    for gone in (h1.id, h2.id, "The order sat", "strap buckle"):
        assert gone not in left, gone
    assert bob.id in left and "far too slow" in left  # Bob's words stay
    themes, scope = latest_complaints(store)
    # the theme keeps its name and Bob, its count loses Hannah; the one left with nobody goes; ranks follow
    assert [(t.label, t.count, [q.review_id for q in t.quotes], t.review_ids) for t in themes] == [
        ("Slow delivery", 1, [bob.id], [bob.id])]
    assert scope["deleted_reviews"] == 2 and latest_complaints(store, "praise") == ([], {})
    with store.engine.connect() as c:
        assert list(c.execute(sa.select(alerted_reviews.c.review_id))) == [(bob.id,)]
    run = next(r for r in store.list_runs(kind="delete") if r["id"] == rid)
    assert run["detail"] == {"themes": 3, "alerts": 2, "questions": 1}


def test_deleting_a_source_takes_its_quotes_out_of_the_themes_but_keeps_the_alert_history(store):
    h1, h2, bob = _themed(store)
    other = Review(source="other", text="Nothing to do with the rest.", author="Zed", rating=3)
    store.upsert_reviews([other])
    store.delete_reviews(sources=["shop"], products=["Lumen"])
    assert latest_complaints(store) == ([], {})  # every theme lost all its reviews
    assert h1.text in _everything(store)  # an alert is a record of what was sent: kept without --author


def test_the_complaints_command_says_reviews_were_deleted_since(tmp_path, capsys):
    db = str(tmp_path / "c.db")
    _themed(Store(db))
    assert main(["delete", "--author", "Hannah W.", "--db", db]) == 0
    assert "their quotes in the stored themes, alerts and answers" in capsys.readouterr().out
    assert main(["delete", "--author", "Hannah W.", "--yes", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "their quotes taken out of 3 stored themes, 2 alerts, 1 answer to a question" in out
    assert main(["complaints", "--stored", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "The order sat" not in out and "2 of their reviews were deleted since" in out
    assert "`reviewlens complaints` computes them again" in out


SCHEDULE = """
[schedule]
analyze = false
report = false

[[sources]]
name = "play"
files = "exports/*.csv"
every = "1d"
"""


def test_undoing_an_import_says_what_a_later_import_also_brought_and_imports_that_file_again(tmp_path, capsys):
    """A half-synced file (run 1), then the whole file under the same name (run 2, most of its rows already
    stored by run 1): `delete --run 1` says those go too, and the next scheduled check imports the whole file
    again, so that no review of it is lost."""
    (tmp_path / "exports").mkdir()
    (tmp_path / "schedule.toml").write_text(SCHEDULE)
    db = str(tmp_path / "s.db")
    store = Store(db)
    s = Scheduler(load_schedule(tmp_path / "schedule.toml"), store, load_settings(None, db=db, data_dir=str(tmp_path / "d")))
    rows = [f"2026-11-{i + 1:02d},{i % 5 + 1},user{i},Sentence number {i} about the food." for i in range(10)]
    whole = "date,rating,author,text\n" + "\n".join(rows) + "\n"
    export = tmp_path / "exports" / "play-2026-11.csv"
    export.write_text(whole[:whole.index("user6") + 12])  # cut in the middle of a row, as a sync in progress leaves it
    at = datetime.now(timezone.utc)
    assert s.run_once(at)["play"]["import"]["new"] == 7
    export.write_text(whole)
    res = s.run_once(at + timedelta(days=1, minutes=1))["play"]["import"]
    assert res["new"] == 4 and res["seen"] == 6  # the 7th, cut short ("Sentence nu"), is another text
    first, second = sorted(r["id"] for r in store.list_runs(kind="import"))
    assert [r["reviews"] for r in store.stored_again(first)] == [6]

    assert main(["delete", "--run", str(first), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "would delete 7 reviews" in out and f"6 of these were also in run {second}'s import" in out
    assert "the scheduler then imports that file again at its next check" in out
    assert main(["delete", "--run", str(first), "--yes", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "deleted 7 reviews" in out and f"imports {export} again" in out
    assert count_rows(store) == 4
    res = s.run_once(at + timedelta(days=2, minutes=2))["play"]["import"]
    assert res["files"] == 1 and res["new"] == 6 and count_rows(store) == 10  # the whole file, and nothing else


def _config(tmp_path) -> str:
    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text(f"data_dir = {json.dumps(str(tmp_path / 'data'))}\n")
    return str(cfg)


def _capture(folder, name: str, body: str, png: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.html").write_text(f"<!-- ReviewLens debug capture -->\n<html><body>{body}</body></html>")
    if png:
        (folder / f"{name}.png").write_bytes(b"\x89PNG")


def test_privacy_looks_through_the_debug_captures_and_mask_deletes_those_with_personal_data(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    Store(db).upsert_reviews([Review(source="s", text="Fine kettle.", rating=5)])
    debug = tmp_path / "data" / "debug"
    # an address written with a character reference, a card number split by markup
    _capture(debug, "a", "<p>Mail me: jane.doe&#64;mail.example.com</p><p>card <b>4111</b> 1111 1111 1111</p>")
    _capture(debug, "b", "<p>Fine kettle.</p>")
    assert main(["privacy", "--db", db, "--config", _config(tmp_path), "-q"]) == 0
    out = capsys.readouterr().out
    assert "No personal data in the 1 stored reviews" in out
    assert f"Personal data in 1 of 2 debug captures under {debug}" in out and "1 e-mail address, 1 card number" in out
    assert EMAIL not in out and "`reviewlens privacy --mask` deletes them" in out
    assert main(["privacy", "--db", db, "--config", _config(tmp_path), "--mask", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["debug_captures"]
    assert data["with_personal_data"] == 1 and data["files"] == ["a.html"] and data["deleted"] == 1
    assert sorted(p.name for p in debug.iterdir()) == ["b.html", "b.png"]  # the screenshot went with its page


def test_forgetting_a_reviewer_deletes_the_captures_that_show_their_words(tmp_path, capsys):
    db = str(tmp_path / "f.db")
    store = Store(db)
    store.upsert_reviews([Review(source="s", text=f"Strap broke after two days, mail me {EMAIL}", author="Hannah W.",
                                 rating=1),
                          Review(source="s", text="Lovely sound and a long battery life.", author="Bob", rating=5)])
    debug = tmp_path / "data" / "debug"
    _capture(debug, "hers", '<script>{"text":"Strap broke after two days, mail me jane.doe\\u0040mail.example.com"}</script>')
    _capture(debug, "named", "<span class=author>Hannah W.</span>", png=False)
    _capture(debug, "his", "<p>Lovely sound and a long battery life.</p><p>by Bob</p>")
    args = ["delete", "--author", "Hannah W.", "--db", db, "--config", _config(tmp_path)]
    assert main(args) == 0
    assert f"2 debug captures under {debug}" in capsys.readouterr().out and len(list(debug.iterdir())) == 5
    assert main([*args, "--yes"]) == 0
    assert f"deleted 2 debug captures under {debug}" in capsys.readouterr().out
    assert sorted(p.name for p in debug.iterdir()) == ["his.html", "his.png"]


def test_captures_are_matched_word_for_word():
    assert captures.readable('{"t":"a\\u0040b.example \\"x\\""}').count("a@b.example") == 2


def test_old_debug_captures_are_deleted_by_the_next_scrape(tmp_path):
    """Captures hold reviews as the site served them (personal data included) and were kept for ever: a scrape
    deletes those older than captures.KEEP_DAYS, or [privacy] keep_days when that is shorter."""
    import os
    import time

    from reviewlens import captures
    from reviewlens.app.jobs import _expire_captures
    from reviewlens.config import load_settings

    settings = load_settings(None, db=str(tmp_path / "s.db"), data_dir=str(tmp_path / "data"))
    settings.debug_dir.mkdir(parents=True)
    day = 86400
    for name, age in (("old", 40), ("recent", 10), ("new", 0)):
        for suffix in (".html", ".png"):
            f = settings.debug_dir / f"{name}{suffix}"
            f.write_text("<p>jane@example.com</p>")
            os.utime(f, (time.time() - age * day,) * 2)
    assert _expire_captures(settings) == 1
    assert sorted(p.name for p in settings.debug_dir.iterdir()) == ["new.html", "new.png", "recent.html", "recent.png"]
    settings.privacy.keep_days = 7
    assert _expire_captures(settings) == 1 and [c.name for c in captures.captures(settings.debug_dir)] == ["new.html"]
