"""Topics are shown by the names their taxonomy gives them: a hotel's `check_in` as "Check-in and check-out",
a topic of the user's own by its `label` in reviewlens.toml. The analysis records those names with its taxonomy;
the dashboard, the report, comparisons, competitors and reply drafts read them from the store (the core cannot
import the analysis's presets). A store analyzed before they were recorded falls back to the products preset's
names and spelled-out slugs, and its next analysis records them."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from analysis.taxonomy import PRODUCT_TOPICS
from reviewlens import queries
from reviewlens.app.jobs import Job, JobOptions
from reviewlens.comparison import compare
from reviewlens.config import Settings
from reviewlens.filters import Filters
from reviewlens.replies import _in_sentence, draft_for
from reviewlens.schema import Analysis, Review, TopicMention
from tests.helpers import FixedAnalyzer

KEY = "analysis:taxonomy"


def _check_in(r):
    """Every review complains about check-in, and the ones that say "battery" about the user's own topic."""
    return Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="negative",
                    topics=[TopicMention("check_in", "negative")]
                    + ([TopicMention("battery_life", "negative")] if "battery" in r.text else []))


def _hotel_settings(db: str) -> Settings:
    s = Settings(db=db)
    s.analysis.topics_preset = "hotels"
    s.analysis.topics = [{"name": "battery life", "description": "the key card's battery", "label": "Key cards"}]
    s.config_file = "/hotel/reviewlens.toml"
    return s


def _analyze(store, settings):
    return Job(store, settings, analyzer=FixedAnalyzer(_check_in)).run(JobOptions(complaints=False, quiet=True))


def _hotel(store):
    rows = [Review(source="maps", product="Hotel Adler", text="Check-in took an hour.", rating=2,
                   date=date(2026, 11, 2)),
            Review(source="maps", product="Hotel Adler", text="The key card battery died twice.", rating=1,
                   date=date(2026, 11, 3)),
            Review(source="maps", product="Hotel Borg", text="Queue at check-in.", rating=3, date=date(2026, 11, 4))]
    store.upsert_reviews(rows)
    _analyze(store, _hotel_settings("s.db"))
    return rows


def test_the_fallback_names_are_the_products_presets():
    """A store without recorded names shows the products topics as the analysis names them (its themes say
    "Returns and refunds"; the dashboard said "Returns")."""
    assert queries.TOPIC_LABELS == {t.name: t.title for t in PRODUCT_TOPICS}


def test_the_analysis_records_the_names_and_every_view_reads_them(sqlite_store):
    store = sqlite_store
    rows = _hotel(store)
    names = queries.topic_labels(store)
    assert names["check_in"] == "Check-in and check-out" and names["wifi"] == "Wi-Fi and amenities"
    assert names["battery_life"] == "Key cards"  # the user's own label
    assert queries.topic_label("check_in") == "Check in"  # without the store's names: the slug spelled out
    assert queries.topic_label("check_in", names) == "Check-in and check-out"

    by_topic = queries.topics_by_sentiment(store, Filters())
    assert set(by_topic["label"]) == {"Check-in and check-out", "Key cards"}
    opts = queries.options(store)
    assert opts.topic("check_in") == "Check-in and check-out" and opts.topic("battery_life") == "Key cards"

    frame = compare(store, "product").table()
    assert "Check-in and check-out: % complaining" in frame.index and "Key cards: % complaining" in frame.index

    row = {"rating": 1.0, "sentiment": "negative", "text": rows[1].text,
           "topics": [{"topic": "battery_life", "sentiment": "negative"}]}
    assert "key cards" in draft_for(row, labels=names)
    assert "battery life" in draft_for(row)  # what it said before: the slug


def test_names_recorded_on_the_next_analysis_of_an_older_store(sqlite_store):
    store = sqlite_store
    _hotel(store)
    old = {k: v for k, v in store.load_checkpoint(KEY).items() if k != "labels"}  # as stop 42 recorded it
    store.save_checkpoint(KEY, old)
    assert queries.topic_labels(store) == {}
    assert queries.options(store).topic("check_in") == "Check in"
    store.upsert_reviews([Review(source="maps", product="Hotel Adler", text="Slow check-in again.", rating=2)])
    _analyze(store, _hotel_settings("s.db"))  # the same taxonomy: no mismatch, and the names recorded
    assert queries.options(store).topic("check_in") == "Check-in and check-out"


def test_a_changed_label_is_recorded_without_reading_the_reviews_again(sqlite_store):
    store = sqlite_store
    _hotel(store)
    s = _hotel_settings("s.db")
    s.analysis.topics[0]["label"] = "Room key cards"
    res = _analyze(store, s)
    assert res.analysis.analyzed == 0  # a display name is not a new taxonomy
    assert queries.topic_labels(store)["battery_life"] == "Room key cards"


def test_the_report_names_the_topics_so(sqlite_store, tmp_path):
    from dashboard.report import write_report

    store = sqlite_store
    _hotel(store)
    out = tmp_path / "r.xlsx"
    write_report(store, out, Filters())
    ws = load_workbook(out, read_only=True)["Reviews"]
    rows = list(ws.iter_rows(values_only=True))
    col = rows[0].index("Topics")
    said = {r[col] for r in rows[1:]}
    assert "Check-in and check-out (negative)" in said
    assert "Check-in and check-out (negative), Key cards (negative)" in said


def test_names_in_a_sentence_keep_their_own_capitals():
    assert _in_sentence("Returns and refunds") == "returns and refunds"
    assert _in_sentence("Wi-Fi and amenities") == "Wi-Fi and amenities"
    assert _in_sentence("iOS app") == "iOS app" and _in_sentence("DHL parcels") == "DHL parcels"
    assert _in_sentence("Check-in and check-out") == "check-in and check-out"


def test_a_label_file_may_name_a_topic_as_the_dashboard_does(sqlite_store, tmp_path):
    """The dashboard now says "Check-in and check-out": a label file written from it used that name and every
    such row was refused ("topic 'Check-in and check-out' is not in the taxonomy")."""
    from reviewlens.labels import read_labels_file

    store = sqlite_store
    _hotel(store)
    f = tmp_path / "labels.csv"
    f.write_text("text,topic,topic_sentiment\n"
                 "Check-in took an hour.,Check-in and check-out,negative\n"
                 "The key card battery died twice.,  key CARDS ,negative\n"
                 "Queue at check-in.,check_in,negative\n"
                 "Queue at check-in.,Spa,negative\n", encoding="utf-8")
    topics = queries.topic_labels(store)
    res = read_labels_file(f, store, topics)
    assert [(lb.value, lb.topic_sentiment) for lb in res.labels] == [("check_in", "negative"),
                                                                    ("battery_life", "negative"),
                                                                    ("check_in", "negative")]
    [err] = res.errors
    assert err["line"] == 5 and "check_in (Check-in and check-out)" in err["message"]
    assert "battery_life (Key cards)" in err["message"] and " room," in err["message"]  # "Room" says nothing more
