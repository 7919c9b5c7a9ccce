"""What customers compare with (reviewlens.competitors, `reviewlens competitors`): the other products and
brands reviews name in a comparison, which way the writer went, quoted verbatim (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from reviewlens.app.cli import main
from reviewlens.comparing import direction, own_name
from reviewlens.competitors import competitors
from reviewlens.filters import Filters
from reviewlens.schema import Analysis, Entity, Review, TopicMention
from reviewlens.store import Store


def how(sentence: str, name: str, kind: str = "PRODUCT") -> str | None:
    i = sentence.rindex(name)  # the last time it is named
    return direction(sentence, i, i + len(name), kind)


@pytest.mark.parametrize("sentence, name, expected", [
    ("I returned them and bought the Sony WH-1000XM5 instead.", "Sony WH-1000XM5", "went_to"),
    ("Switching to the Sony WH-1000XM5.", "Sony WH-1000XM5", "went_to"),
    ("Went back to my AirPods Pro 2 after a week.", "AirPods Pro 2", "went_to"),
    ("Sent them back and got the Bose QuietComfort 45 instead.", "Bose QuietComfort 45", "went_to"),
    ("I switched from the Bose QuietComfort 45 and the noise cancelling is just as good.", "Bose QuietComfort 45",
     "came_from"),
    ("Upgraded from the Anker Soundcore Q30 and the clarity is huge.", "Anker Soundcore Q30", "came_from"),
    ("These replaced my Sony WH-1000XM4, which broke at the headband.", "Sony WH-1000XM4", "came_from"),
    ("My old Jabra Elite 85h lasted twice as long on one charge.", "Jabra Elite 85h", "came_from"),
    ("Lighter than the Bose QuietComfort 45, which matters on a long shift.", "Bose QuietComfort 45", "compared"),
    ("Compared to my AirPods Pro 2 the microphone is muffled.", "AirPods Pro 2", "compared"),
    ("The Sony WH-1000XM5 has better noise cancelling but costs twice as much.", "Sony WH-1000XM5", "compared"),
    ("Clear calls, easy pairing with my Pixel 8.", "Pixel 8", None),           # named, not compared
    ("Delivered by DHL, faster this time.", "DHL", None),                   # a brand needs a comparing word
    ("Delivered by DHL, faster than Hermes ever was.", "Hermes", "compared"),
    ("I will never go back to Windows!", "Windows", "came_from"),             # left it for good
    ("But, Mac makes the switch from PC to Mac easy.", "Mac", "went_to"),
    ("I returned the computer to HP and they kept it for 3 months.", "HP", None),   # a repair, not a switch
    ("I've been a Dell fan for more than fifteen years.", "Dell", None),     # a quantity, not a comparison
    ("It would restart as soon as the BIOS launched Windows.", "Windows", None),
    ("I agree with the previous comment that ASUS support is horrible.", "ASUS", None),
    ("For authentic Thai food, look no further than Toons.", "Toons", None),  # a recommendation, no comparison
    ("Other than Dell support, everything went fine.", "Dell", None),
    # an app's reviews name the customer's own phone ("twice" was a comparative on its own)
    ("Reinstalled twice, still crashing on my Galaxy A54.", "Galaxy A54", None),
    ("Runs slower on my Galaxy S23 since 4.2.", "Galaxy S23", None),
    ("It syncs with my Garmin Forerunner 255 in seconds.", "Garmin Forerunner 255", None),
    ("It is twice as loud as the Sony WH-1000XM5.", "Sony WH-1000XM5", "compared"),
    ("The microphone is much worse than on my AirPods Pro 2.", "AirPods Pro 2", "compared"),
])
def test_which_way_a_sentence_compares(sentence, name, expected):
    kind = "ORG" if name in ("DHL", "Hermes", "HP", "Dell", "ASUS", "Toons") else "PRODUCT"
    assert how(sentence, name, kind) == expected


def test_the_products_own_name_is_no_competitor():
    assert own_name("Aurora", "Aurora Wireless Headphones") and own_name("aurora headphones", "Aurora Wireless Headphones")
    assert not own_name("Sony WH-1000XM5", "Aurora Wireless Headphones") and not own_name("Aurora", None)


ROWS = [  # text, product, rating, entities, language, translation
    ("Ear pads peeled after a month. I switched to the Sony WH-1000XM5 and love it.", "Aurora", 2,
     [("Sony WH-1000XM5", "PRODUCT")], None, None),
    ("Returned it and bought the sony wh-1000xm5 instead. The Aurora app is fine.", "Aurora", 1,
     [("sony wh-1000xm5", "PRODUCT"), ("Aurora", "ORG")], None, None),
    ("Much lighter than the Sony WH-1000XM5.", "Aurora", 5, [("Sony WH-1000XM5", "PRODUCT")], None, None),
    ("I switched from Bose and never looked back.", "Aurora", 5, [("Bose", "ORG")], None, None),
    ("Ich bin von Bose umgestiegen, der Klang ist besser.", "Aurora", 4, [("Bose", "ORG")], "de",
     "I switched from Bose, the sound is better."),
    ("Paired with my Pixel 8 at once.", "Aurora", 4, [("Pixel 8", "PRODUCT")], None, None),
    ("Louder than the Sony WH-1000XM5.", "Kettle", 3, [("Sony WH-1000XM5", "PRODUCT")], None, None),
]


def seed(store: Store) -> list[Review]:
    revs = [Review(source="shop", text=t, product=p, rating=r, date=f"2026-11-{i + 1:02d}")
            for i, (t, p, r, *_) in enumerate(ROWS)]
    store.upsert_reviews(revs)
    out = []
    topics = {0: [TopicMention("quality", "negative")],  # why the two who went to the Sony left
              1: [TopicMention("quality", "negative"), TopicMention("price", "positive"),
                  TopicMention("other", "negative")]}
    for i, (r, (text, _, _, ents, lang, tr)) in enumerate(zip(revs, ROWS)):
        found = [Entity(n, t, text.index(n), text.index(n) + len(n)) for n, t in ents]
        out.append(Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="neutral",
                            entities=found, language=lang, translation=tr, topics=topics.get(i, [])))
    store.save_analyses(out)
    return revs


def test_competitors_counted_by_review_with_their_sentences(store):
    revs = seed(store)
    found = competitors(store)
    assert [(c.name, c.type, c.reviews, c.went_to, c.came_from, c.compared) for c in found] == [
        ("Sony WH-1000XM5", "PRODUCT", 4, 2, 0, 2), ("Bose", "ORG", 2, 0, 2, 0)]
    sony, bose = found
    assert sony.rating == pytest.approx((2 + 1 + 5 + 3) / 4)
    assert sony.left_over == [("quality", 2)] and bose.left_over == []  # why they left ("other" says nothing)
    assert [q.text for q in sony.quotes] == ["Returned it and bought the sony wh-1000xm5 instead.",
                                             "I switched to the Sony WH-1000XM5 and love it.",
                                             "Louder than the Sony WH-1000XM5."]  # went to it first, newest first
    assert sony.quotes[0].review_id == revs[1].id
    # the German review is read in its translation and quoted in its own words, the translation apart
    german = next(q for q in bose.quotes if q.language == "de")
    assert german.text == ROWS[4][0] and german.translation == "I switched from Bose, the sound is better."
    assert [(c.name, c.reviews) for c in competitors(store, Filters.of(products=["Kettle"]))] == [("Sony WH-1000XM5", 1)]
    assert [(c.name, c.reviews) for c in competitors(store, Filters.of(since=date(2026, 11, 4)))] == [
        ("Bose", 2), ("Sony WH-1000XM5", 1)]


def test_the_command(tmp_path, capsys):
    db = str(tmp_path / "c.db")
    seed(Store(db))
    assert main(["competitors", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "1. Sony WH-1000XM5 (product): 4 reviews (2 went to it, 2 compared), rated 2.8★" in out
    assert "2. Bose (brand): 2 reviews (2 came from it), rated 4.5★" in out
    assert "“I switched to the Sony WH-1000XM5 and love it.”" in out
    assert "   Those who went to it complained of: Quality (2)" in out
    assert "(machine translation (de): I switched from Bose, the sound is better.)" in out
    assert main(["competitors", "--json", "--top", "1", "--db", db, "-q"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in data["competitors"]] == ["Sony WH-1000XM5"]
    assert main(["competitors", "--product", "Nope", "--db", db]) == 2  # a product the store does not have
    report = tmp_path / "r.xlsx"  # the report's Competitors sheet, read back
    assert main(["report", "-o", str(report), "--db", db, "-q"]) == 0
    rows = list(openpyxl.load_workbook(report)["Competitors"].iter_rows(values_only=True))
    assert rows[0][:7] == ("Compared with", "Type", "Reviews", "Went to it", "Came from it", "Compared", "Rating")
    assert rows[1][:8] == ("Sony WH-1000XM5", "product", 4, 2, 0, 2, 2.75, "Quality (2)")
    assert rows[2][:3] == ("Bose", "brand", 2) and rows[2][9] == "I switched from Bose and never looked back."
    assert rows[2][7] is None  # nobody went to it
    assert rows[2][8] == f"{ROWS[4][0]}\n(machine translation (de): I switched from Bose, the sound is better.)"
    empty = str(tmp_path / "e.db")
    Store(empty).upsert_reviews([Review(source="s", text="Works.")])
    assert main(["competitors", "--db", empty, "-q"]) == 0
    assert "no review compares with another product or brand (1 reviews not analyzed yet" in capsys.readouterr().out


def test_writers_who_left_without_a_complaint_topic_are_said_so(tmp_path, capsys):
    """An app's Competitors sheet had Strava with an empty "Those who went to it complained of": its one review
    had no complaint topic, and the blank read as missing data. The command, the report and the dashboard say so."""
    db = str(tmp_path / "c.db")
    store = Store(db)
    text = "Nice enough app. I switched to Strava anyway."
    [r] = [Review(source="play", text=text, product="RunTrack", rating=3, date="2026-11-02")]
    store.upsert_reviews([r])
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="neutral",
                                  entities=[Entity("Strava", "PRODUCT", text.index("Strava"), text.index("Strava") + 6)],
                                  topics=[TopicMention("usability", "positive")])])
    [strava] = competitors(store)
    assert (strava.name, strava.went_to, strava.left_over) == ("Strava", 1, [])
    assert main(["competitors", "--db", db, "-q"]) == 0
    assert "   Those who went to it complained of: no complaint topic in their reviews" in capsys.readouterr().out
    report = tmp_path / "r.xlsx"
    assert main(["report", "-o", str(report), "--db", db, "-q"]) == 0
    rows = list(openpyxl.load_workbook(report)["Competitors"].iter_rows(values_only=True))
    assert rows[1][0] == "Strava" and rows[1][7] == "no complaint topic in their reviews"


@pytest.mark.slow
def test_the_bundled_headphone_reviews(tmp_path, capsys):
    """data/examples/headphones-reviews.csv as the README has a new user try it: imported and analyzed with the
    packaged model, the names found are the competitors written into it, with which way their writers went."""
    example = Path(__file__).resolve().parents[2] / "data" / "examples" / "headphones-reviews.csv"
    db = str(tmp_path / "hp.db")
    assert main(["import", str(example), "--db", db, "-q"]) == 0
    assert main(["analyze", "--db", db, "-q"]) == 0
    capsys.readouterr()
    assert main(["competitors", "--json", "--db", db, "-q"]) == 0
    got = {c["name"]: (c["reviews"], c["went_to"], c["came_from"])
           for c in json.loads(capsys.readouterr().out)["competitors"]}
    assert got["Sony WH-1000XM5"] == (5, 3, 0) and got["Bose QuietComfort 45"] == (5, 1, 2), got
    assert got["AirPods Pro 2"][:2] == (3, 1) and got["Jabra Elite 85h"] == (2, 0, 2), got
    assert "Aurora" not in got and "Pixel 8" not in got  # the product's own brand; a phone named, not compared


def test_comparisons_are_stored_with_the_analyses_and_found_again_for_an_older_store(store):
    """The comparisons are rows of the store, written with each analysis (so the Overview reads them with SQL); a
    store analyzed before (or by older rules) gets them once, on the first read, and a read-only one is read now."""
    import sqlalchemy as sa

    from reviewlens.store import COMPARISONS_CHECKPOINT, review_comparisons

    seed(store)
    with store.engine.connect() as c:
        stored = c.execute(sa.select(review_comparisons.c.name, review_comparisons.c.direction)).all()
    assert sorted(stored) == sorted([("Sony WH-1000XM5", "went_to"), ("sony wh-1000xm5", "went_to"),
                                     ("Sony WH-1000XM5", "compared"), ("Bose", "came_from"), ("Bose", "came_from"),
                                     ("Sony WH-1000XM5", "compared")])
    before = [(c.name, c.reviews, c.went_to, c.came_from) for c in competitors(store)]
    with store.engine.begin() as c:  # as a store analyzed by an older version has it
        c.execute(review_comparisons.delete())
    store.save_checkpoint(COMPARISONS_CHECKPOINT, {"version": "comparing-0"})
    assert [(c.name, c.reviews, c.went_to, c.came_from) for c in competitors(store)] == before
    assert store.load_checkpoint(COMPARISONS_CHECKPOINT)["texts"] == 7  # the texts naming a product or brand


def test_readers_at_once_fill_the_comparisons_once(store):
    """The Overview reads competitors and names at once, and several processes may share a store: on an older
    store they all want the comparisons filled. One fills them, the others find them filled; no error (two
    checkpoint writes at once failed on PostgreSQL's key), no comparison twice."""
    import threading

    import sqlalchemy as sa

    from reviewlens.store import COMPARISONS_CHECKPOINT, review_comparisons

    seed(store)
    with store.engine.connect() as c:
        want = sorted(c.execute(sa.select(review_comparisons.c.content_hash, review_comparisons.c.start,
                                          review_comparisons.c.direction)).all())
    for _ in range(3):
        with store.engine.begin() as c:  # as a store analyzed by an older version has it
            c.execute(review_comparisons.delete())
        store.save_checkpoint(COMPARISONS_CHECKPOINT, {"version": "comparing-0"})
        go, filled, errors = threading.Barrier(4), [], []

        def fill():
            go.wait()
            try:
                filled.append(store.fill_comparisons())
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=fill) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert sorted(filled) == [0, 0, 0, 7]
        with store.engine.connect() as c:
            got = sorted(c.execute(sa.select(review_comparisons.c.content_hash, review_comparisons.c.start,
                                             review_comparisons.c.direction)).all())
        assert got == want and store.comparisons_current()


def test_a_read_only_store_is_read_now(tmp_path):
    from reviewlens.store import COMPARISONS_CHECKPOINT

    path = str(tmp_path / "ro.db")
    rw = Store(path)
    seed(rw)
    rw.save_checkpoint(COMPARISONS_CHECKPOINT, {"version": "comparing-0"})  # rows of older rules: not trusted
    ro = Store(path, read_only=True)
    assert [(c.name, c.reviews, c.went_to) for c in competitors(ro)] == [("Sony WH-1000XM5", 4, 2), ("Bose", 2, 0)]
    assert rw.load_checkpoint(COMPARISONS_CHECKPOINT) == {"version": "comparing-0"}  # nothing written


def test_a_reader_that_stops_early_is_no_error(tmp_path):
    """`reviewlens competitors | head -1`: the command stops quietly when the pipe closes (no BrokenPipeError)."""
    import subprocess
    import sys

    db = str(tmp_path / "c.db")
    store = Store(db)
    texts = [f"I switched from the Brand{i} X{i} to these, and the sound is far better, a big step up from it."
             for i in range(400)]  # output enough to fill the pipe after head has gone
    revs = [Review(source="shop", text=t, rating=4, product="Aurora") for t in texts]
    store.upsert_reviews(revs)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="positive",
                                  entities=[Entity(f"Brand{i} X{i}", "PRODUCT", 20, 20 + len(f"Brand{i} X{i}"))])
                         for i, r in enumerate(revs)])
    root = Path(__file__).resolve().parents[2]
    cmd = (f"{sys.executable} -m reviewlens.app.cli competitors --db {db} --top 400 -q | head -1; "
           f"exit ${{PIPESTATUS[0]}}")
    res = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, cwd=str(root), timeout=120)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert res.stdout.startswith("What customers compare with")


def test_names_and_sentences_from_reviews_stay_text(tmp_path, capsys):
    """A name and a sentence are the customer's words: a formula in the report stays text, a control character
    in the terminal is shown, not obeyed."""
    db = str(tmp_path / "h.db")
    store = Store(db)
    text = "I switched to the =HYPERLINK(Evil) 5 instead.\x1b[2J"
    name = "=HYPERLINK(Evil) 5"
    r = Review(source="shop", text=text, rating=1, product="Aurora")
    store.upsert_reviews([r])
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="negative",
                                  entities=[Entity(name, "PRODUCT", text.index(name), text.index(name) + len(name))])])
    assert main(["competitors", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "=HYPERLINK(Evil) 5 (product): 1 review (1 went to it)" in out and "\x1b" not in out
    report = tmp_path / "h.xlsx"
    assert main(["report", "-o", str(report), "--db", db, "-q"]) == 0
    cell = openpyxl.load_workbook(report)["Competitors"]["A2"]
    assert cell.value == name and cell.data_type == "s"  # text, not a formula


def test_a_quoted_sentence_is_not_cut_inside_a_version_or_a_price():
    """`mentions` quoted "Can't log in on my iPhone since version 2." of "... since version 2.4.0. Uninstalled ..."."""
    from reviewlens.comparing import sentence_at

    text = "Can't log in on my iPhone since version 2.4.0. Uninstalled it. The Pro plan costs $19.99.No refund."
    i = text.index("iPhone")
    s, e = sentence_at(text, i, i + 6)
    assert text[s:e] == "Can't log in on my iPhone since version 2.4.0."
    i = text.index("Pro")
    s, e = sentence_at(text, i, i + 3)
    assert text[s:e] == "The Pro plan costs $19.99."
