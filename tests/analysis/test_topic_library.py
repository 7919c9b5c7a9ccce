"""The topic library: trained detectors that a user's one-line topics use when they mean the same thing
(analysis/topic_library.py, analysis/data/topic_library.json). Real MiniLM, real shipped heads."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from analysis import heads
from analysis import topic_library as lib
from analysis.evaluate import restaurant_taxonomy, zero_label_taxonomy
from analysis.taxonomy import OTHER, load_taxonomy
from analysis.topics import classify_topics, score_threshold, topic_scores
from reviewlens.config import AnalysisSettings


@pytest.fixture
def no_library(monkeypatch, tmp_path):
    """The rule alone, as before the library (its file missing)."""
    monkeypatch.setattr(lib, "LIBRARY_PATH", tmp_path / "missing.json")


def _matched(tax, embedder):
    m = lib.match(tax, embedder)
    return None if m is None else {tax.names[j]: m[0].concepts[c].name for j, c in m[1].items()}


def test_owner_topics_match_the_restaurant_detectors(embedder):
    assert _matched(zero_label_taxonomy("A"), embedder) == {
        "food": "food", "service": "service", "price": "price", "ambience": "ambience"}
    # wording D: other names and lines, never fitted on
    assert _matched(zero_label_taxonomy("D"), embedder) == {
        "meals": "food", "staff": "service", "cost": "price", "atmosphere": "ambience"}
    rest = load_taxonomy(AnalysisSettings(topics_preset="restaurants"))
    assert set(_matched(rest, embedder).values()) == {"food", "service", "price", "ambience"}
    # a shop's price and customer service alone are not a restaurant
    for preset in ("products", "apps"):
        assert _matched(load_taxonomy(AnalysisSettings(topics_preset=preset)), embedder) is None, preset
    only_food = load_taxonomy(AnalysisSettings(topics_preset="none", topics=[{"name": "food", "description": "the dishes"}]))
    assert _matched(only_food, embedder) is None


def test_heads_read_the_larger_encoder_when_allowed(embedder):
    """With all-mpnet-base-v2 installed (scripts/setup.sh does it) the heads that read it too; with
    `sharp=False` (`--no-second-head`) the MiniLM ones: each reads the width it was fitted on."""
    a = zero_label_taxonomy("A")
    sharp, plain = lib.use_for(a, embedder), lib.use_for(a, embedder, sharp=False)
    assert sharp.encoder is not None and plain.encoder is None
    assert all(h.coef.shape[1] == embedder.dim + sharp.encoder.dim + 2 for h in sharp.heads.values())
    assert all(h.coef.shape[1] == embedder.dim + 2 for h in plain.heads.values())
    assert lib.fingerprint(a, embedder) != lib.fingerprint(a, embedder, sharp=False)
    texts = ["Our server was very helpful and friendly.", "The place was packed and so loud we had to shout."]
    for flag in (True, False):
        got = [{m.topic for m in ms} for ms in classify_topics(None, texts, a, embedder=embedder, sharp=flag)]
        assert got == [{"service"}, {"ambience"}], (flag, got)



def test_without_the_larger_encoder_the_minilm_heads_decide(embedder, monkeypatch):
    monkeypatch.setattr(lib, "_sharp_encoder", lambda layers: None)  # as when its packages are not installed
    monkeypatch.setattr(lib, "_use_cache", {})
    use = lib.use_for(zero_label_taxonomy("A"), embedder)
    assert use.encoder is None and all(h.coef.shape[1] == embedder.dim + 2 for h in use.heads.values())
    got = classify_topics(None, ["Our server was very helpful and friendly."], zero_label_taxonomy("A"), embedder=embedder)
    assert {m.topic for m in got[0]} == {"service"}


def test_other_head_only_when_the_taxonomy_is_the_sets_own(embedder):
    a = zero_label_taxonomy("A")
    use = lib.use_for(a, embedder)
    assert a.names.index(OTHER) in use.heads and len(use.heads) == 5
    rest = load_taxonomy(AnalysisSettings(topics_preset="restaurants"))
    use = lib.use_for(rest, embedder)
    assert len(use.heads) == 4 and rest.names.index(OTHER) not in use.heads


def test_detectors_find_what_the_rule_misses(embedder, monkeypatch, tmp_path):
    tax = zero_label_taxonomy("A")
    texts = ["Our server was very helpful and friendly.", "The place was packed and so loud we had to shout.",
             "We went there for my birthday last year."]
    got = [{m.topic for m in ms} for ms in classify_topics(None, texts, tax, embedder=embedder)]
    assert got == [{"service"}, {"ambience"}, {"other"}], got
    monkeypatch.setattr(lib, "LIBRARY_PATH", tmp_path / "missing.json")
    rule = [{m.topic for m in ms} for ms in classify_topics(None, texts, tax, embedder=embedder)]
    assert rule[0] != {"service"}, rule  # the one-line rule alone calls the helpful server "other"


def test_scores_and_decisions_share_one_bar(embedder):
    """topic_scores (read by the complaint themes) is on the rule's scale for detector topics too."""
    tax = zero_label_taxonomy("A")
    texts = ["The waiter was rude, but the pasta was delicious.", "Way overpriced for what you get.",
             "Cramped tables and loud music.", "Nice evening with friends."]
    scores = topic_scores(texts, tax, embedder)
    bar = score_threshold()
    chosen = classify_topics(None, texts, tax, embedder=embedder)
    for row, ms in zip(scores, chosen):
        expect = {tax.names[j] for j in range(len(row)) if row[j] >= bar} or {tax.names[int(row.argmax())]}
        assert {m.topic for m in ms} == expect
    assert {m.topic for m in chosen[0]} >= {"food", "service"}


def test_missing_or_damaged_library_leaves_the_rule(embedder, monkeypatch, tmp_path, caplog):
    tax = zero_label_taxonomy("A")
    texts = ["Our server was very helpful and friendly.", "Great pasta."]
    monkeypatch.setattr(lib, "LIBRARY_PATH", tmp_path / "missing.json")
    rule = topic_scores(texts, tax, embedder)
    bad = tmp_path / "topic_library.json"
    bad.write_text('{"features": "%s", "sets": [{"name": "x", "threshold": 0.5, "concepts": [{"name": "food"}]}]}'
                   % lib.FEATURES, encoding="utf-8")
    monkeypatch.setattr(lib, "LIBRARY_PATH", bad)
    with caplog.at_level(logging.WARNING):
        damaged = topic_scores(texts, tax, embedder)
    assert "damaged" in caplog.text and str(bad) in caplog.text
    np.testing.assert_allclose(damaged, rule)
    assert lib.fingerprint(tax, embedder) == ""


def test_analysis_version_records_the_library_only_where_used(embedder, no_library):
    assert lib.fingerprint(zero_label_taxonomy("A"), embedder) == ""


def test_fingerprint(embedder):
    fp = lib.fingerprint(zero_label_taxonomy("A"), embedder)
    assert fp.startswith("restaurants+mpnet:") and "price=price" in fp
    assert lib.fingerprint(load_taxonomy(AnalysisSettings()), embedder) == ""  # the products preset
    assert lib.fingerprint(restaurant_taxonomy(), embedder, sharp=False).startswith("restaurants:")


def test_adapting_a_head_to_two_labels_stays_finite():
    """heads.adapt_head's step: with few labels the prior's pull is strong, and a step of 1 / |X|^2 alone
    diverged (overflow, then NaN probabilities)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 16)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    head = heads.Head(("no", "yes"), rng.normal(size=(2, 16)).astype(np.float32), np.zeros(2, np.float32), {})
    adapted = heads.adapt_head(head, X, ["yes", "no"], prior=10.0)
    assert np.isfinite(adapted.coef).all() and np.isfinite(adapted.proba(X)).all()
    assert np.abs(adapted.coef - head.coef).max() < 1.0  # pulled toward the shipped weights, not away


def test_detectors_of_another_width_are_not_used(embedder, monkeypatch, tmp_path, caplog):
    """A library fitted for another embedder (other vector width) is refused with a warning, not a crash."""
    import json

    raw = json.loads(lib.LIBRARY_PATH.read_text(encoding="utf-8"))
    for s in raw["sets"]:
        s.pop("sharp", None)
        for h in [c["head"] for c in s["concepts"]] + [s["other"]]:
            h["coef"] = [row[:10] for row in h["coef"]]
        for c in s["concepts"]:
            c.pop("sharp_head", None)
    narrow = tmp_path / "narrow.json"
    narrow.write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setattr(lib, "LIBRARY_PATH", narrow)
    with caplog.at_level(logging.WARNING):
        assert lib.use_for(zero_label_taxonomy("A"), embedder) is None
        scores = topic_scores(["Our server was very helpful and friendly."], zero_label_taxonomy("A"), embedder)
    assert "another width" in caplog.text and scores.shape == (1, 5)


def test_the_fingerprint_is_read_back_without_loading_minilm(embedder, tmp_path, monkeypatch):
    """`reviewlens analyze` with nothing pending spent 5-25 s loading MiniLM to work out the analysis
    version (matching embeds the topics); a fingerprint worked out before is read from a small cache file."""
    import dataclasses
    import json

    cache = tmp_path / "matches.json"
    loads = []

    def load():
        loads.append(1)
        return embedder

    def never():
        raise AssertionError("MiniLM loaded for a fingerprint worked out before")

    restaurants, products = zero_label_taxonomy("A"), load_taxonomy(AnalysisSettings())
    for tax in (restaurants, products):
        first = lib.cached_fingerprint(tax, load, cache_file=cache)
        assert first == lib.fingerprint(tax, embedder)
        assert lib.cached_fingerprint(tax, never, cache_file=cache) == first
    assert len(loads) == 2 and first == "" and len(json.loads(cache.read_text(encoding="utf-8"))) == 2
    # what the match depends on is part of the key: a topic's description, the second encoder's switch,
    # the library file
    wider = dataclasses.replace(restaurants, topics=[
        dataclasses.replace(t, description=t.description + ", drinks") if t.name == "food" else t
        for t in restaurants.topics])
    assert lib.cached_fingerprint(wider, load, cache_file=cache).startswith("restaurants+mpnet:") and len(loads) == 3
    assert lib.cached_fingerprint(restaurants, load, sharp=False, cache_file=cache).startswith("restaurants:")
    assert len(loads) == 4
    monkeypatch.setattr(lib, "LIBRARY_PATH", tmp_path / "missing.json")
    assert lib.cached_fingerprint(restaurants, load, cache_file=cache) == "" and len(loads) == 5
    monkeypatch.undo()
    # a damaged cache file is worked out again and rewritten; an unwritable one is skipped
    cache.write_text("{not json", encoding="utf-8")
    assert lib.cached_fingerprint(restaurants, load, cache_file=cache).startswith("restaurants+mpnet:")
    assert len(json.loads(cache.read_text(encoding="utf-8"))) == 1
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    assert lib.cached_fingerprint(products, load, cache_file=blocked / "matches.json") == ""


def test_a_fingerprint_without_the_failed_encoder_is_not_kept(embedder, tmp_path, monkeypatch):
    """mpnet installed but not loadable: the version says so (no "+mpnet") and is not cached, so the run
    after the repair works it out again."""
    cache = tmp_path / "matches.json"
    monkeypatch.setattr(lib, "_sharp_encoder", lambda layers: None)
    lib._use_cache.clear()
    fp = lib.cached_fingerprint(zero_label_taxonomy("A"), lambda: embedder, cache_file=cache)
    lib._use_cache.clear()
    assert fp.startswith("restaurants:") and not cache.exists()


def test_a_list_of_remarks_gives_each_topic_its_own_item(embedder):
    """The README's own example under the restaurants preset: "Great food, rude waiter." was service alone, positive
    (the heads read the whole sentence, and the one clause gave every topic the same words). Each item of such a
    list is now read too, and each topic's sentiment reads its own item."""
    from analysis.topics import list_items

    assert list_items("Great food, rude waiter.") == ["Great food", "rude waiter"]
    assert list_items("Fresh, delicious and reasonably priced.") == []  # one-word items: left whole
    rest = load_taxonomy(AnalysisSettings(topics_preset="restaurants"))
    labels = {"great food": "positive", "rude waiter": "negative"}
    got = classify_topics(None, ["Great food, rude waiter.", "Rude waiter, great food."], rest, embedder=embedder,
                          sentiment_fn=lambda segs: [labels.get(s.lower(), "neutral") for s in segs])
    for mentions in got:
        assert {(m.topic, m.sentiment) for m in mentions} == {("food", "positive"), ("service", "negative")}, mentions
