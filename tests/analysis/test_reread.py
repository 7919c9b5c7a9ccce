"""A text read again because the labels or settings changed keeps what they cannot change: the entities found
in it (their spans; their sentiment is read again through the new cascade), as its translation (test_languages).
Real 0.5B, real entity finder, SQLite."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sqlalchemy as sa

from analysis import Analyzer
from analysis import entities as entities_mod
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
