"""Topic presets: products (default), restaurants, apps, hotels, none; user topics add to or override them."""

from __future__ import annotations

import pytest

from analysis.taxonomy import OTHER, PRESETS, load_taxonomy, preset_topics
from reviewlens.config import TOPIC_PRESETS, AnalysisSettings, ConfigError, load_settings


def test_every_preset_loads_with_one_line_descriptions_and_other_last():
    assert tuple(PRESETS) == TOPIC_PRESETS == ("products", "restaurants", "apps", "hotels", "none")
    for name in TOPIC_PRESETS:
        tax = load_taxonomy(AnalysisSettings(topics_preset=name))
        assert tax.names[-1] == OTHER and len(set(tax.names)) == len(tax.names), name
        for t in tax.topics:
            assert t.description and "\n" not in t.description and len(t.description) <= 120, t
            assert t.title and t.title[0].isupper(), t
    assert load_taxonomy(AnalysisSettings()).names == load_taxonomy(AnalysisSettings(topics_preset="products")).names
    assert load_taxonomy(None).names[0] == "quality"


def test_presets_replace_the_product_topics():
    rest = load_taxonomy(AnalysisSettings(topics_preset="restaurants")).names
    assert {"food", "drinks", "service", "price", "ambience", "cleanliness", "location", "wait_time",
            "booking"} <= set(rest)
    assert not {"delivery", "size_fit", "packaging", "returns"} & set(rest)
    apps = load_taxonomy(AnalysisSettings(topics_preset="apps")).names
    assert {"bugs", "feature_requests", "usability", "performance", "account", "pricing", "ads"} <= set(apps)
    assert "quality" not in apps
    hotels = load_taxonomy(AnalysisSettings(topics_preset="hotels")).names
    assert {"room", "cleanliness", "noise", "service", "check_in", "breakfast", "wifi", "location", "price",
            "booking"} <= set(hotels)
    assert not {"takeaway", "wait_time", "packaging", "delivery"} & set(hotels)
    assert load_taxonomy(AnalysisSettings(topics_preset="none")).names == [OTHER]


def test_user_topics_add_to_or_override_a_preset():
    s = AnalysisSettings(topics_preset="restaurants", topics=[
        {"name": "Dog friendly", "description": "dogs and pets welcome or not"},
        {"name": "price", "description": "cost of the tasting menu", "label": "Tasting menu price"}])
    tax = load_taxonomy(s)
    assert tax.names[-2:] == ["dog_friendly", OTHER] and "food" in tax.names
    assert tax.get("price").description == "cost of the tasting menu"
    assert tax.get("price").title == "Tasting menu price"
    assert tax.get("dog_friendly").title == "Dog friendly" and tax.get("dog_friendly").examples == []
    only = load_taxonomy(AnalysisSettings(topics_preset="none", topics=[{"name": "battery", "description": "battery life"}]))
    assert only.names == ["battery", OTHER]
    # a user "other" replaces the built-in one and stays last
    mine = load_taxonomy(AnalysisSettings(topics_preset="none", topics=[{"name": "other", "description": "the rest"},
                                                                        {"name": "x", "description": "y"}]))
    assert mine.names == ["x", OTHER] and mine.get(OTHER).description == "the rest"


def test_a_bad_preset_is_a_config_error_naming_the_allowed_values(tmp_path):
    with pytest.raises(ConfigError, match="products, restaurants, apps, hotels, none") as e:
        load_taxonomy(AnalysisSettings(topics_preset="motels"))
    assert "motels" in str(e.value) and "topics_preset" in str(e.value)
    with pytest.raises(ConfigError, match="products, restaurants, apps, hotels, none"):
        preset_topics("")
    f = tmp_path / "reviewlens.toml"
    f.write_text('[analysis]\ntopics_preset = "motels"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[analysis\] topics_preset must be one of products, restaurants, apps, hotels, none"):
        load_settings(f)
    f.write_text('[analysis]\ntopics_preset = "Restaurants"\n\n[[analysis.topics]]\nname = "terrace"\n'
                 'description = "the terrace and outdoor seating"\n', encoding="utf-8")
    settings = load_settings(f)
    tax = load_taxonomy(settings.analysis)
    assert "food" in tax.names and tax.names[-2:] == ["terrace", OTHER]
