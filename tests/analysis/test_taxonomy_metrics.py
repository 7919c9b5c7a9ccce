"""Taxonomy merging and the evaluation metrics/loaders on tiny hand-made inputs (no models)."""

from __future__ import annotations

import pytest

from analysis import evaluate as ev
from analysis.taxonomy import DEFAULT_ENTITY_TYPES, load_taxonomy
from reviewlens.config import AnalysisSettings, ConfigError


def test_default_taxonomy_has_the_product_topics():
    tax = load_taxonomy(AnalysisSettings())
    assert tax.names == ["quality", "delivery", "price", "customer_service", "usability", "performance",
                         "size_fit", "packaging", "returns", "other"]
    assert all(t.description for t in tax.topics)
    assert tax.entity_types == list(DEFAULT_ENTITY_TYPES)


def test_user_topics_add_and_override_and_types():
    s = AnalysisSettings(topics=[{"name": "Battery Life", "description": "battery, charging", "examples": ["dies fast"]},
                                 {"name": "price", "description": "cost of the subscription"}],
                         entity_types=["feature", "PRODUCT"])
    tax = load_taxonomy(s)
    assert tax.names[-1] == "other" and "battery_life" in tax.names
    assert tax.get("price").description == "cost of the subscription"
    assert tax.get("battery_life").examples == ["dies fast"]
    assert tax.entity_types == ["PRODUCT", "ORG", "PERSON", "LOCATION", "FEATURE"]


@pytest.mark.parametrize("bad", [{"description": "no name"}, {"name": "x"}, "just a string",
                                 {"name": "x", "description": "d", "colour": "red"}])
def test_bad_user_topics_are_config_errors(bad):
    with pytest.raises(ConfigError):
        load_taxonomy(AnalysisSettings(topics=[bad]))


def test_prf_accuracy_macro_f1():
    assert ev.prf(2, 1, 1)["f1"] == pytest.approx(2 / 3)
    assert ev.prf(0, 0, 0)["f1"] == 0.0
    assert ev.accuracy(["a", "b", "a"], ["a", "a", "a"]) == pytest.approx(2 / 3)
    # positive F1 = 2/3 (tp1 fp0 fn1), negative F1 = 0.8 (tp2 fp1 fn0)
    gold, pred = ["positive", "positive", "negative", "negative"], ["positive", "negative", "negative", "negative"]
    assert ev.macro_f1(gold, pred, ["positive", "negative"]) == pytest.approx((2 / 3 + 0.8) / 2)
    with pytest.raises(ValueError):
        ev.accuracy(["a"], [])


def test_multilabel_micro():
    m = ev.multilabel_micro([{"food", "service"}, {"price"}], [{"food"}, {"price", "ambience"}])
    assert (m["tp"], m["fp"], m["fn"]) == (2, 1, 1)


def test_span_f1_modes_and_ignored_spans():
    gold = [[(0, 5, "PERSON"), (10, 16, "LOCATION")]]
    pred = [[(0, 5, "PERSON"), (10, 14, "LOCATION"), (20, 25, "ORG"), (30, 34, "ORG")]]
    ignored = [[(29, 40)]]  # the last prediction overlaps an unmapped gold span: not counted
    exact = ev.span_f1(gold, pred, ignored, mode="exact")
    assert (exact["tp"], exact["fp"], exact["fn"]) == (1, 2, 1)
    partial = ev.span_f1(gold, pred, ignored, mode="partial")
    assert (partial["tp"], partial["fp"], partial["fn"]) == (2, 1, 0)
    untyped = ev.span_f1(gold, [[(0, 5, "ORG")]], mode="untyped")
    assert untyped["tp"] == 1 and ev.span_f1(gold, [[(0, 5, "ORG")]])["tp"] == 0
    with pytest.raises(ValueError):
        ev.span_f1(gold, pred, mode="fuzzy")


def test_load_wnut_spans(tmp_path):
    f = tmp_path / "ner.txt"
    f.write_text("Empire\tB-facility\nState\tI-facility\nin\tO\nNYC\tB-geo-loc\n!\tO\n\t\n"
                 "@bob\tO\nloves\tO\nStar\tB-movie\nWars\tI-movie\nand\tO\nJohn\tB-person\n", encoding="utf-8")
    rows = {r.text: r for r in ev.load_wnut(path=f)}
    a = rows["Empire State in NYC !"]
    assert [(a.text[s:e], t) for s, e, t in a.gold] == [("Empire State", "LOCATION"), ("NYC", "LOCATION")]
    b = rows["@bob loves Star Wars and John"]
    assert [(b.text[s:e], t) for s, e, t in b.gold] == [("John", "PERSON")]
    assert [b.text[s:e] for s, e in b.ignored] == ["Star Wars"]


def test_load_semeval_and_yelp(tmp_path):
    (tmp_path / "semeval14_restaurants_train.xml").write_text(
        '<sentences><sentence id="1"><text>Great food, rude waiter.</text><aspectCategories>'
        '<aspectCategory category="food" polarity="positive"/><aspectCategory category="service" polarity="negative"/>'
        '</aspectCategories></sentence><sentence id="2"><text>We went on Monday.</text><aspectCategories>'
        '<aspectCategory category="anecdotes/miscellaneous" polarity="neutral"/></aspectCategories></sentence></sentences>',
        encoding="utf-8")
    (tmp_path / "yelp_labelled.txt").write_text("Loved it.\t1\nCold soup.\t0\nbroken line\n", encoding="utf-8")
    rows = {r.id: r for r in ev.load_semeval(tmp_path)}
    assert rows["1"].categories == {"food": "positive", "service": "negative"}
    assert rows["2"].categories == {"other": "neutral"}
    assert sorted(ev.load_yelp(tmp_path)) == [("Cold soup.", "negative"), ("Loved it.", "positive")]
    with pytest.raises(ev.EvalDataMissing):
        ev.load_yelp(tmp_path / "nowhere")


def test_format_report_is_a_markdown_table():
    m = {"model": "m", "sentiment": {"n": 10, "accuracy": 0.9, "macro_f1": 0.89, "ms_per_item": 5},
         "entities": {"n": 5, "ms_per_item": 3, "per_type_f1": {"PERSON": 0.5},
                      **{k: ev.prf(1, 1, 1) for k in ("exact", "partial", "untyped")}}}
    out = ev.format_report(m)
    assert "| sentiment (Yelp) | accuracy | 90.0% | 10 |" in out
    assert "F1 exact (P 50.0%, R 50.0%) | 50.0%" in out
    with pytest.raises(ValueError):
        ev.run_eval(AnalysisSettings(), ".", tasks=["nope"], backend=object())
