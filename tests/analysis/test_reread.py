"""A text read again because the labels or settings changed keeps what they cannot change: the entities found
in it (their spans; their sentiment is read again through the new cascade), as its translation (test_languages),
and the LLM's sentiment scores and the sentence vectors, kept on disk by the run that computed them.
Real 0.5B, real entity finder, real encoders, SQLite."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sqlalchemy as sa

from analysis import Analyzer
from analysis import entities as entities_mod
from analysis import sentiment as sentiment_mod
from analysis.embeddings import remembering_on_disk
from reviewlens.app.jobs import run_analysis
from reviewlens.schema import Label, Review
from reviewlens.store import Store, analyses

TEXTS = ["The DHL driver left the parcel in Berlin at the wrong door. Marco from support never called back.",
         "Great kettle from Philips, boils in a minute and the lid closes well.",
         # spam filler said once before the finder reads it: its words are not the text's, so it is read again
         "The Tefal pan scratched. " + "blah " * 30 + "Never again."]


def _spans(row: sa.Row) -> list[tuple]:
    return [(e["text"], e["type"], e["start"], e["end"]) for e in json.loads(row.entities)]


def _current(store: Store) -> dict[str, sa.Row]:
    with store.engine.connect() as c:
        return {r.content_hash: r for r in c.execute(sa.select(analyses).where(analyses.c.is_current.is_(True)))}


@pytest.mark.slow
def test_new_labels_keep_the_entities_found_and_read_their_sentiment_again(backend, analysis_settings, tmp_path,
                                                                           monkeypatch):
    store = Store(tmp_path / "e.db")
    reviews = [Review(source="t", text=t, product="Kettle") for t in TEXTS]
    store.upsert_reviews(reviews)
    first = Analyzer(analysis_settings, backend=backend)
    run_analysis(store, first, quiet=True)
    before = _current(store)
    assert {r.entities_by for r in before.values()} == {first.entities_key}
    assert "DHL" in before[reviews[0].content_hash].entities and "Berlin" in before[reviews[0].content_hash].entities

    read: list[str] = []
    real = entities_mod.extract_entities

    def spy(backend, texts, types, **kw):
        read.extend(texts)
        return real(backend, texts, types, **kw)

    monkeypatch.setattr(entities_mod, "extract_entities", spy)
    label = Label(content_hash=reviews[1].content_hash, kind="sentiment", value="negative", text=TEXTS[1])
    again = Analyzer(analysis_settings, backend=backend, labels=[label])
    s = run_analysis(store, again, quiet=True)
    assert s.again == 3 and s.entities_reused == 2 and "2 with the entities found before" in s.line()
    assert len(read) == 1 and read[0].startswith("The Tefal pan")  # only the text whose words were collapsed
    after = _current(store)
    for r in reviews:
        assert after[r.content_hash].prompt_version == again.prompt_version
        assert _spans(after[r.content_hash]) == _spans(before[r.content_hash])
        assert all(e["sentiment"] in ("positive", "neutral", "negative")  # each entity's sentiment read again
                   for e in json.loads(after[r.content_hash].entities))

    # more characters read: another finder's reading, so the entities are found anew
    read.clear()
    longer = dataclasses.replace(analysis_settings, max_chars=analysis_settings.max_chars + 100)
    third = Analyzer(longer, backend=backend, labels=[label])
    assert third.entities_key != again.entities_key
    run_analysis(store, third, quiet=True)
    assert len(read) == 3


@pytest.fixture
def asked(monkeypatch) -> list[str]:
    """The texts the LLM is asked to score for sentiment, as they are asked."""
    texts: list[str] = []
    real = sentiment_mod.label_logprobs

    def spy(b, ts, **kw):
        texts.extend(ts)
        return real(b, ts, **kw)

    monkeypatch.setattr(sentiment_mod, "label_logprobs", spy)
    return texts


@pytest.mark.slow
def test_the_llm_scores_a_text_once_within_an_analysis_run(backend, analysis_settings, asked):
    """Analyzer._llm_scores within remembering_on_disk(): a text scored before is not scored again, and its
    scores come back bit for bit; outside it nothing is kept."""
    an = Analyzer(analysis_settings, backend=backend)
    texts = ["It broke on day two.", "Fine, I guess.", "It broke on day two."]
    first = an._llm_scores(texts)
    assert asked == texts[:2] and first[0] == first[2]  # a text given twice is asked once
    an._llm_scores(texts[:1])
    assert asked == texts  # outside remembering_on_disk() nothing is kept
    asked.clear()
    with remembering_on_disk():
        kept = an._llm_scores(texts)
        assert asked == ["It broke on day two.", "Fine, I guess."] and kept[0] == kept[2]
        asked.clear()
        again = Analyzer(analysis_settings, backend=backend)._llm_scores(["Fine, I guess.", "Arrived late."])
    assert asked == ["Arrived late."] and again[0] == kept[1]  # the same floats, read back
    assert max(abs(a - b) for a, b in zip(first[1], kept[1])) < 1e-3
    other = dataclasses.replace(analysis_settings, max_chars=analysis_settings.max_chars + 1)
    asked.clear()
    with remembering_on_disk():
        Analyzer(other, backend=backend)._llm_scores(["Fine, I guess."])
    assert asked == ["Fine, I guess."]  # another prompt length: other scores


@pytest.mark.slow
def test_new_labels_ask_the_llm_nothing_it_answered_before(backend, analysis_settings, tmp_path, asked):
    store = Store(tmp_path / "s.db")
    texts = ["Arrived a week late but works fine now, I suppose.", "Not sure how I feel about the colour.",
             "Good kettle.", "The lid is okay, the handle less so, the price fair."]
    reviews = [Review(source="t", text=t) for t in texts]
    store.upsert_reviews(reviews)
    run_analysis(store, Analyzer(analysis_settings, backend=backend), quiet=True)
    assert asked  # some of these the heads are unsure of
    asked.clear()
    label = Label(content_hash=reviews[2].content_hash, kind="sentiment", value="positive", text=texts[2])
    s = run_analysis(store, Analyzer(analysis_settings, backend=backend, labels=[label]), quiet=True)
    assert s.again == 4 and asked == []


def test_vader_scores_are_kept_within_an_analysis_run(monkeypatch):
    from analysis import heads
    from analysis.sentiment import vader_analyzer

    sia = vader_analyzer()
    calls: list[str] = []
    real = sia.polarity_scores
    monkeypatch.setattr(sia, "polarity_scores", lambda t: calls.append(t) or real(t))
    texts = ["The lid broke, it was awful.", "The colour is lovely and it fits well.", "Die Lieferung war spät."]  # VADER reads English only
    outside = heads.vader_features(texts)
    assert calls == texts[:2]
    calls.clear()
    with remembering_on_disk():
        first = heads.vader_features(texts)
        second = heads.vader_features(texts[::-1])
    assert calls == texts[:2]  # the second call read them back
    assert (first == outside).all() and (second == first[::-1]).all() and not first[2].any()


def test_the_keys_kept_beside_the_results_never_hold_a_servers_password(analysis_settings):
    """translated_by is stored in the store and the scores' key in the cache file: a server's URL is hashed."""

    class Served:
        name = "qwen-served"
        base_url = "http://ann:s3cret@llm.internal:8000/v1"

    settings = dataclasses.replace(analysis_settings, llm_url="http://ann:s3cret@llm.internal:8000/v1?key=abc")
    an = Analyzer(settings, backend=Served())
    for key in (an.translation_key, an.scores_key):
        assert "s3cret" not in key and "ann" not in key and "abc" not in key and key.count("@") == 1
    local = Analyzer(analysis_settings, backend=type("Local", (), {"name": "qwen-local"})())
    assert "@" not in local.scores_key and local.scores_key != an.scores_key
