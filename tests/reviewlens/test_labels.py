"""The user's labels: the Label record, reading label files (good and bad rows), export and import back,
and the store's labels table on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from reviewlens.labels import import_labels, read_labels_file, write_labels
from reviewlens.records_io import ImportFileError
from reviewlens.schema import Label, Review, content_hash
from reviewlens.store import Store, StoreReadOnly

TOPICS = ["quality", "delivery", "price", "customer_service"]
LATE = "Arrived a week late and the box was crushed."
GOOD = "Lovely kettle, boils fast."


def _reviews(store: Store) -> tuple[Review, Review]:
    late = Review(source="shop", text=LATE, site_review_id="r1")
    good = Review(source="shop", text=GOOD, site_review_id="r2")
    store.upsert_reviews([late, good])
    return late, good


def _meaning(labels: list[Label]) -> set[tuple]:
    return {(lb.content_hash, lb.kind, lb.value, lb.topic_sentiment) for lb in labels}


# ------------------------------------------------------------------------------------------ the record
def test_label_checks_its_values():
    lb = Label("", "some text", "sentiment", "positive")
    assert lb.content_hash == content_hash("some text") and lb.created_at.tzinfo is not None
    for bad in [{"kind": "rating", "value": "5"}, {"kind": "sentiment", "value": "Positive"},
                {"kind": "topic", "value": ""},
                {"kind": "sentiment", "value": "negative", "topic_sentiment": "negative"},
                {"kind": "topic", "value": "price", "topic_sentiment": "bad"}]:
        with pytest.raises(ValueError):
            Label("", "t", **bad)


# ------------------------------------------------------------------------------------------ reading files
def test_good_csv_by_id_and_by_text(sqlite_store, tmp_path):
    late, good = _reviews(sqlite_store)
    f = tmp_path / "labels.csv"
    f.write_text("id,text,sentiment,topic,topic_sentiment\n"
                 f"{late.id},,Negative,Delivery,neg\n"
                 f"{good.id},,pos,,\n"
                 ",A review from elsewhere about support.,NEUTRAL,Customer service,\n"
                 f"{late.id},{LATE},,price,\n"
                 "id-in-another-store,From another store,negative,,\n", encoding="utf-8")
    res = read_labels_file(f, sqlite_store, TOPICS)
    assert res.errors == [] and res.rows == 5 and res.encoding == "utf-8"
    elsewhere = res.labels.pop()  # an unknown id with its text: the text is labelled, the id dropped
    assert (elsewhere.text, elsewhere.review_id) == ("From another store", None)
    h = content_hash
    other = "A review from elsewhere about support."
    assert _meaning(res.labels) == {
        (late.content_hash, "sentiment", "negative", None), (late.content_hash, "topic", "delivery", "negative"),
        (good.content_hash, "sentiment", "positive", None), (h(other), "sentiment", "neutral", None),
        (h(other), "topic", "customer_service", None), (late.content_hash, "topic", "price", None)}
    by_value = {(lb.content_hash, lb.value): lb for lb in res.labels}
    assert by_value[(late.content_hash, "delivery")].text == LATE  # the stored text, named by the id
    assert by_value[(late.content_hash, "delivery")].review_id == late.id
    assert by_value[(h(other), "neutral")].review_id is None
    assert {lb.source for lb in res.labels} == {"import:labels.csv"}


def test_labels_by_the_users_own_review_ids(sqlite_store, tmp_path):
    """An analyst labelled reviews by the id column of the file they imported ("r0005"): "id 'r0005' is not a
    review in the store". That id is stored as the review's own id (site_review_id): it names the review."""
    late, good = _reviews(sqlite_store)  # their own ids: r1 and r2
    twin = Review(source="other-shop", text="Another shop's review r1.", site_review_id="r1")
    sqlite_store.upsert_reviews([twin])
    f = tmp_path / "labels.csv"
    f.write_text("id,sentiment\nr2,positive\nr1,negative\nr9,neutral\n", encoding="utf-8")
    res = read_labels_file(f, sqlite_store, TOPICS)
    assert [(lb.review_id, lb.value) for lb in res.labels] == [(good.id, "positive")]
    assert [e["line"] for e in res.errors] == [3, 4], res.errors
    assert "'r1' is the own id of 2 stored reviews" in res.errors[0]["message"]
    assert "'r9' is not a review in the store" in res.errors[1]["message"]


def test_good_jsonl_keeps_source_and_date(sqlite_store, tmp_path):
    late, _ = _reviews(sqlite_store)
    f = tmp_path / "labels.jsonl"
    f.write_text(json.dumps({"text": LATE, "topic": "quality", "topic_sentiment": "Negative"}) + "\n\n"
                 + json.dumps({"id": late.id, "sentiment": "negative", "source": "team-a",
                               "created_at": "2026-01-02T03:04:05"}) + "\n"
                 + json.dumps({"text": "With a\x00 NUL", "sentiment": "neutral"}) + "\n", encoding="utf-8")
    res = read_labels_file(f, sqlite_store, TOPICS, source="mine")
    assert res.errors == []
    topic, sentiment, nul = res.labels
    # NUL dropped before hashing, as from a Review: the label names the text as the store has it
    assert nul.text == "With a NUL" and nul.content_hash == Review(source="x", text="With a\x00 NUL").content_hash
    assert (topic.kind, topic.value, topic.topic_sentiment, topic.source) == ("topic", "quality", "negative", "mine")
    assert (sentiment.source, sentiment.created_at) == ("team-a", datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))


def test_bad_rows_are_reported_with_their_line_and_skipped(sqlite_store, tmp_path):
    late, good = _reviews(sqlite_store)
    f = tmp_path / "bad.csv"
    f.write_text("id,text,sentiment,topic,topic_sentiment\n"
                 f"{late.id},,negative,,\n"                      # 2: good
                 ",some text,,shipping,\n"                        # 3: topic not in the taxonomy
                 ",some text,great,,\n"                           # 4: not a sentiment
                 "nosuchid,,negative,,\n"                         # 5: unknown id, no text
                 ",,,,\n"                                         # 6: empty row
                 ",some text,,,\n"                                # 7: no label
                 ",some text,,,negative\n"                        # 8: topic sentiment without a topic
                 f"{good.id},{LATE},positive,,\n"                 # 9: the id names another text
                 ",\"multi\nline\",,price,meh\n"                  # 10: bad topic sentiment (a quoted newline)
                 ",fine text,positive,,\n", encoding="utf-8")     # 12: good
    res, added, replaced = import_labels(sqlite_store, f, TOPICS)
    errors = {e["line"]: e["message"] for e in res.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10], errors
    assert "topic 'shipping' is not in the taxonomy" in errors[3] and "customer_service, delivery" in errors[3]
    assert "sentiment 'great' is not one of positive, neutral, negative" in errors[4]
    assert "id 'nosuchid' is not a review in the store" in errors[5]
    assert "no review" in errors[6] and "no label" in errors[7] and "without a topic" in errors[8]
    assert "another text" in errors[9] and "topic_sentiment 'meh'" in errors[10]
    assert (added, replaced) == (2, 0)
    assert _meaning(sqlite_store.labels()) == {(late.content_hash, "sentiment", "negative", None),
                                                (content_hash("fine text"), "sentiment", "positive", None)}


def test_labels_that_contradict_each_other_are_said_not_kept(sqlite_store, tmp_path):
    """One file labelling a review positive on one line and negative on another: the store kept the last one
    without a word. Both are left out, each line naming the other; the same label twice is no conflict."""
    late, good = _reviews(sqlite_store)
    f = tmp_path / "twice.csv"
    f.write_text("id,text,sentiment,topic,topic_sentiment\n"
                 f"{late.id},,negative,,\n"                      # 2: conflicts with 4
                 f"{good.id},,positive,,\n"                      # 3: the same as 5: fine
                 f",{LATE},positive,,\n"                          # 4: the same review by its text
                 f"{good.id},,positive,,\n"                      # 5
                 f"{good.id},,,delivery,negative\n"              # 6: conflicts with 7
                 f"{good.id},,,delivery,positive\n"              # 7
                 f"{good.id},,,price,negative\n", encoding="utf-8")  # 8: another topic: fine
    res, added, _ = import_labels(sqlite_store, f, TOPICS)
    errors = {e["line"]: e["message"] for e in res.errors}
    assert sorted(errors) == [2, 4, 6, 7], errors
    assert errors[2].startswith("sentiment negative of this review, which line 4 labels otherwise: both left out")
    assert errors[7].startswith("topic delivery (positive) of this review, which line 6 labels otherwise")
    assert _meaning(sqlite_store.labels()) == {(good.content_hash, "sentiment", "positive", None),
                                                (good.content_hash, "topic", "price", "negative")}


def test_files_that_cannot_be_read(sqlite_store, tmp_path):
    with pytest.raises(ImportFileError, match="no such file"):
        read_labels_file(tmp_path / "missing.csv", sqlite_store, TOPICS)
    f = tmp_path / "nolabels.csv"
    f.write_text("text,rating\nnice,5\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="needs an id or text column and a sentiment and/or topic"):
        read_labels_file(f, sqlite_store, TOPICS)
    f = tmp_path / "legacy.csv"  # not UTF-8: read through records_io's encoding detection
    f.write_bytes("text,sentiment\nTrès déçu, arrivé cassé,negative\n".replace(", arr", " arr").encode("cp1252"))
    res = read_labels_file(f, sqlite_store, TOPICS)
    assert res.encoding == "cp1252" and res.labels[0].text == "Très déçu arrivé cassé"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_export_then_import_gives_the_same_labels(store, tmp_path, suffix):
    late, _ = _reviews(store)
    hostile = '=HYPERLINK("http://evil.example","x")'
    bidi = "invoice_\u202egnp.exe\x1b[31m"
    store.add_labels([
        Label(late.content_hash, LATE, "sentiment", "negative", review_id=late.id, source="dashboard"),
        Label(late.content_hash, LATE, "topic", "delivery", "negative", review_id=late.id, source="dashboard"),
        Label("", hostile, "topic", "price", source="import:a.csv"),
        Label("", bidi, "sentiment", "neutral", source="import:a.csv"),
    ])
    before = store.labels()
    out = tmp_path / f"labels{suffix}"
    assert write_labels(before, out) == 4
    if suffix == ".csv":
        assert "'=HYPERLINK" in out.read_text(encoding="utf-8")  # safe to open in a spreadsheet
    assert "\u202e" not in out.read_text(encoding="utf-8")
    res = read_labels_file(out, store, TOPICS)
    assert res.errors == []
    got, want = (sorted(ls, key=lambda lb: (lb.content_hash, lb.kind, lb.value)) for ls in (res.labels, before))
    assert [(lb.content_hash, lb.kind, lb.value, lb.topic_sentiment, lb.review_id, lb.source, lb.created_at)
            for lb in got] == [(lb.content_hash, lb.kind, lb.value, lb.topic_sentiment, lb.review_id, lb.source,
                                lb.created_at) for lb in want]
    texts = {lb.content_hash: lb.text for lb in got}
    assert texts[content_hash(hostile)] == hostile  # the formula guard is undone: the same text
    if suffix == ".jsonl":
        assert texts[content_hash(bidi)] == bidi  # JSONL is exact
    assert store.add_labels(res.labels) == (0, 0)  # importing it back changes nothing
    with pytest.raises(ValueError, match="use .csv or .jsonl"):
        write_labels(before, tmp_path / "labels.xlsx")


# ------------------------------------------------------------------------------------------ the store
def test_add_replace_list_and_version(store):
    assert store.labels() == [] and store.label_version() == ""
    h = content_hash(LATE)
    assert store.add_labels([Label(h, LATE, "sentiment", "positive"), Label(h, LATE, "topic", "delivery")]) == (2, 0)
    v1 = store.label_version()
    assert len(v1) == 12
    # the same labels again, from elsewhere: nothing changes, not even the version or the source
    assert store.add_labels([Label(h, LATE, "sentiment", "positive", source="other")]) == (0, 0)
    assert store.label_version() == v1 and {lb.source for lb in store.labels()} == {""}
    # another sentiment for the text replaces it (one sentiment per text)
    assert store.add_labels([Label(h, LATE, "sentiment", "negative")]) == (0, 1)
    v2 = store.label_version()
    assert v2 != v1
    assert [lb.value for lb in store.labels(kind="sentiment")] == ["negative"]
    # a topic sentiment is part of what a label says
    assert store.add_labels([Label(h, LATE, "topic", "delivery", "negative"),
                             Label("", GOOD, "topic", "quality", "positive")]) == (1, 1)
    v3 = store.label_version()
    assert v3 not in (v1, v2)
    assert len(store.labels()) == 3 and len(store.labels(limit=2)) == 2
    assert _meaning(store.labels([h])) == {(h, "sentiment", "negative", None), (h, "topic", "delivery", "negative")}
    assert store.labels(["0" * 32]) == []
    # within one call, the last label of a key wins
    assert store.add_labels([Label(h, LATE, "sentiment", "positive"), Label(h, LATE, "sentiment", "negative")]) \
        == (0, 0)
    assert store.label_version() == v3


def test_set_review_labels_replaces_a_kind(store):
    h = content_hash(LATE)
    store.add_labels([Label(h, LATE, "sentiment", "positive"), Label(h, LATE, "topic", "price", "negative"),
                      Label(h, LATE, "topic", "quality")])
    other = Label("", GOOD, "topic", "quality")
    store.add_labels([other])
    assert store.set_review_labels(h, LATE, topics={"price": "negative", "delivery": None}) == 2  # +delivery -quality
    assert _meaning(store.labels([h])) == {(h, "sentiment", "positive", None), (h, "topic", "price", "negative"),
                                           (h, "topic", "delivery", None)}
    v = store.label_version()
    assert store.set_review_labels(h, LATE, sentiment="positive", topics=["price", "delivery"]) == 1  # price: no ts
    assert store.set_review_labels(h, LATE, sentiment="positive", topics=["price", "delivery"]) == 0
    assert store.label_version() != v
    assert store.set_review_labels(h, LATE, sentiment=None, topics=[], review_id="x") == 3
    assert store.labels([h]) == [] and _meaning(store.labels()) == _meaning([other])
    assert store.set_review_labels(h, LATE, sentiment="neutral", review_id="r1", source="dashboard") == 1
    (lb,) = store.labels([h])
    assert (lb.value, lb.review_id, lb.source, lb.text) == ("neutral", "r1", "dashboard", LATE)


def test_labels_table_added_to_an_older_store_and_read_only_refused(tmp_path):
    from reviewlens.store import labels

    db = tmp_path / "old.db"
    Store(db).close()
    s = Store(db)
    with s.engine.begin() as c:  # a store made before labels existed
        labels.drop(c)
    s.close()
    s = Store(db)
    assert "labels" in sa.inspect(s.engine).get_table_names()
    s.add_labels([Label("", GOOD, "sentiment", "positive")])
    s.close()
    ro = Store(db, read_only=True)
    assert len(ro.labels()) == 1 and ro.label_version()
    with pytest.raises(StoreReadOnly):
        ro.add_labels([Label("", LATE, "sentiment", "negative")])
    with pytest.raises(StoreReadOnly):
        ro.set_review_labels(content_hash(GOOD), GOOD, sentiment=None)
    ro.close()
