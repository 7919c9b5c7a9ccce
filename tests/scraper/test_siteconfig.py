"""Site configs' sort keys: sort_param rewrites a start URL to ask for newest first; sort_click is
declared and checked (no browser)."""

from __future__ import annotations

import pytest

from scraper import SiteConfigError, load_site
from reviewlens.config import ScraperSettings
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


def test_a_field_that_joins_every_match_needs_a_selector_and_is_no_count(server):
    """all = true: every element the selector picks in the block, a blank line apart (real Chromium)."""
    cfg = parse_site({"review": ".r", "fields": {"text": {"selector": ".half", "all": True}, "author": ".who"}},
                     "x", "x.toml")
    assert cfg.fields["text"] == {"selector": ".half", "all": True}
    for spec, said in (({"selector": ".half", "all": "yes"}, "all = true joins"),
                       ({"all": True}, "it needs a selector"),
                       ({"selector": ".star", "count": True, "all": True}, "no count or style")):
        with pytest.raises(SiteConfigError, match=said):
            parse_site({"review": ".r", "fields": {"text": spec}}, "x", "x.toml")
    from scraper import scrape

    server.page("/r.html", "<html><body>" + "".join(
        f'<div class="r"><b class="who">W{i}</b><div><p class="half">Good part of review {i}.</p></div>'
        f'<div><p class="half">Bad part of review {i}.</p></div></div>' for i in range(2)) + "</body></html>")
    site = parse_site({"match": ["127.0.0.1*"], "review": ".r", "fields": {"text": {"selector": ".half", "all": True},
                                                                         "author": ".who"}}, "x", "x.toml")
    page, = scrape([server.base + "/r.html"], ScraperSettings(delay=0.0, timeout=10.0, retries=1), site=site)
    assert [r.text for r in page.reviews] == [f"Good part of review {i}.\n\nBad part of review {i}." for i in (0, 1)]


def test_a_field_in_parts_is_read_part_by_part_and_joined_in_order():
    """text = [".liked", ".disliked"]: each part travels to the extractor as an own field (it reads one element
    per field), and the parts a review has are joined by a blank line, in the config's order."""
    cfg = parse_site({"review": ".r", "fields": {"text": [".liked", {"selector": ".disliked", "regex": "x(.*)"}],
                                                 "title": [".t1", ".t2"]}}, "x", "x.toml")
    assert cfg.fields["text"]["selector"] == ".liked, .disliked"  # checked by the browser as one selector
    js = cfg.js_config()
    assert "text" not in js["fields"] and len(js["own_fields"]) == 4
    raw = {"reviews": [{"own": dict(zip(js["own_fields"], ["Great view.", " Noisy. ", None, None]))},
                       {"own": dict(zip(js["own_fields"], [None, "Dirty.", None, ""])), "missing": []}]}
    cfg.join_parts(raw)
    assert [r["text"] for r in raw["reviews"]] == ["Great view.\n\nNoisy.", "Dirty."]
    assert [r["own"] for r in raw["reviews"]] == [{}, {}]
    assert [r["title"] for r in raw["reviews"]] == [None, None]
    assert raw["reviews"][1]["missing"] == ["title"]
    with pytest.raises(SiteConfigError, match="parts of the field"):
        parse_site({"review": ".r", "fields": {"text": []}}, "x", "x.toml")
    with pytest.raises(SiteConfigError, match="parts of the field"):
        parse_site({"review": ".r", "fields": {"text": [[".a"]]}}, "x", "x.toml")


def test_the_booking_config_reads_both_halves_of_a_review():
    cfg = load_site("booking")
    assert [p["selector"] for p in cfg.fields["text"]["parts"]] == ["[data-testid='review-positive-text']",
                                                                    "[data-testid='review-negative-text']"]
