"""Site configs' sort keys: sort_param rewrites a start URL to ask for newest first; sort_click is
declared and checked (no browser)."""

from __future__ import annotations

import pytest

from scraper import SiteConfigError, load_site
from scraper.siteconfig import parse_site, with_query


def test_newest_first_url_sets_the_parameter():
    cfg = parse_site({"sort_param": "sort=recency"}, "x", "x.toml")
    assert cfg.can_sort_newest
    assert cfg.newest_first_url("https://s.example/r/acme") == "https://s.example/r/acme?sort=recency"
    assert cfg.newest_first_url("https://s.example/r/acme?page=2&sort=relevance") == \
        "https://s.example/r/acme?page=2&sort=recency"
    two = parse_site({"sort_param": "order=date&dir=desc"}, "x", "x.toml")
    assert two.newest_first_url("https://s.example/r?dir=asc#reviews") == "https://s.example/r?order=date&dir=desc#reviews"
    assert with_query("https://s.example/r?q=1", []) == "https://s.example/r?q=1"
    plain = parse_site({}, "x", "x.toml")
    assert not plain.can_sort_newest and plain.newest_first_url("https://s.example/r") == "https://s.example/r"


def test_sort_click_is_declared_and_checked():
    cfg = parse_site({"sort_click": "button[data-sort='newest']"}, "x", "x.toml")
    assert cfg.sort_click == "button[data-sort='newest']" and cfg.can_sort_newest
    assert cfg.newest_first_url("https://s.example/r") == "https://s.example/r"  # the engine clicks it
    for data, key in (({"sort_param": "recency"}, "sort_param"), ({"sort_param": ""}, "sort_param"),
                      ({"sort_param": 3}, "sort_param"), ({"sort_click": " "}, "sort_click"),
                      ({"sort_click": ["a"]}, "sort_click")):
        with pytest.raises(SiteConfigError, match=f"x.toml: {key} must be"):
            parse_site(data, "x", "x.toml")


def test_demo_sorted_config_asks_for_newest():
    cfg = load_site("demo-sorted")
    assert cfg.newest_first_url("http://127.0.0.1:1/sorted/aurora-headphones") == \
        "http://127.0.0.1:1/sorted/aurora-headphones?sort=newest"


def test_own_fields_are_declared_and_checked():
    cfg = parse_site({"review": ".r", "fields": {"text": ".t"},
                      "own_fields": {"country": ".who", "size": {"selector": ".var", "regex": "Size: (\\w+)"}}},
                     "x", "x.toml")
    assert cfg.own_fields == {"country": {"selector": ".who"}, "size": {"selector": ".var", "regex": "Size: (\\w+)"}}
    assert cfg.js_config()["own_fields"] == cfg.own_fields
    for data, said in (({"own_fields": {"country": {"css": ".who"}}}, "own_fields.country: unknown key"),
                       ({"own_fields": {"country": 3}}, "own_fields.country must be a CSS selector"),
                       ({"own_fields": ".who"}, r"\[own_fields\] must be a table"),
                       ({"own_fields": {" ": ".who"}}, r"\[own_fields\] must be a table of named fields")):
        with pytest.raises(SiteConfigError, match=said):
            parse_site(data, "x", "x.toml")
