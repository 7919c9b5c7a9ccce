"""The whole demo shop through the real scraper (headless Chromium): every extraction strategy and
pagination pattern, checked review by review against reviews.json."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from urllib.parse import urlsplit

import httpx

from reviewlens.app.demo_shop import PATTERN_PATH, demo_urls

EXPECTED_STRATEGY = {"static": "config", "jsonld": "jsonld", "microdata": "microdata", "nextdata": "nextdata",
                     "state": "state", "js": "config", "loadmore": "config", "scroll": "config"}


def _by_product(pages):
    out = defaultdict(list)
    for p in pages:
        out[urlsplit(p.start_url).path.split("/")[-1]].extend(p.reviews)
    return out


def test_demo_site_serves_every_pattern(demo_site, truth):
    urls = demo_urls(demo_site)
    assert len(urls) == len(truth["products"]) == 8
    assert {urlsplit(u).path.split("/")[2] for u in urls} == set(PATTERN_PATH.values())
    with httpx.Client() as c:
        robots = c.get(demo_site + "/robots.txt").text
        assert "Disallow: /admin/" in robots
        assert c.get(demo_site + "/admin/").status_code == 403
        assert c.get(demo_site + "/static/aurora-headphones?page=99").status_code == 404
        assert c.get(demo_site + "/nope").status_code == 404
        api = c.get(demo_site + "/api/reviews/vortex-blender?page=2&per_page=10").json()
        assert api["total"] == 54 and len(api["reviews"]) == 10
        # untrusted text is escaped in HTML and in embedded JSON
        md = c.get(demo_site + "/microdata/stride-running-shoes?page=" + str(_page_of(truth, "html_injection"))).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "<script>alert(1)" not in md


def _page_of(truth, tag):
    r = next(r for r in truth["reviews"] if r["hostile"] == tag)
    idx = [x["id"] for x in truth["reviews"] if x["product"] == r["product"]].index(r["id"])
    return idx // 10 + 1


def test_generator_is_deterministic_and_documented(truth):
    import importlib.util

    from reviewlens.app.demo_shop import default_root

    spec = importlib.util.spec_from_file_location("demo_generate", default_root() / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    again = mod.generate()
    assert [r["id"] for r in again["reviews"]] == [r["id"] for r in truth["reviews"]]
    assert again["reviews"] == [{k: v for k, v in r.items()} for r in truth["reviews"]]
    n = len(truth["reviews"])
    assert 300 <= n <= 500 and len({r["id"] for r in truth["reviews"]}) == n
    # the trend: shipping delays grow in the last 8 weeks
    recent = truth["recent_window_start"]
    ship_new = sum(1 for r in truth["reviews"] if "shipping_delay" in r["themes"] and r["date"] >= recent)
    ship_old = sum(1 for r in truth["reviews"] if "shipping_delay" in r["themes"] and r["date"] < recent)
    n_new = sum(1 for r in truth["reviews"] if r["date"] >= recent)
    assert ship_new / n_new > 2 * ship_old / (n - n_new)
    readme = (default_root() / "README.md").read_text(encoding="utf-8")
    assert f"| shipping_delay | {ship_new + ship_old} |" in readme
    assert {r["hostile"] for r in truth["reviews"]} >= {"prompt_injection", "formula_injection", "html_injection",
                                                        "emoji_only", "german", "spanish", "very_long", "control_chars"}


def test_whole_shop_every_review_exactly(shop_scrape, truth):
    pages, seconds = shop_scrape
    errors = [p.error for p in pages if p.error]
    assert not errors, errors
    got = _by_product(pages)
    for prod in truth["products"]:
        want = [r for r in truth["reviews"] if r["product"] == prod["slug"]]
        have = got[prod["slug"]]
        assert [r.site_review_id for r in have] == [r["id"] for r in want], prod["slug"]  # order kept, no dupes
        for r in have:
            t = truth["by_id"][r.site_review_id]
            assert r.rating == t["rating"], (r.site_review_id, r.rating)
            assert r.date == date.fromisoformat(t["date"]), (r.site_review_id, r.date)
            assert r.author == t["author"]
            assert r.title == (t["title"] and " ".join(t["title"].replace("\x07", "").split()))
            assert r.product == prod["name"]
            assert r.url and r.url.startswith("http://127.0.0.1")
            if t["hostile"] not in ("control_chars", "very_long"):
                assert r.text == t["text"], r.site_review_id
    assert sum(len(p.reviews) for p in pages) == len(truth["reviews"])
    print(f"whole demo shop: {len(truth['reviews'])} reviews, {len(pages)} pages in {seconds:.1f} s")


def test_strategies_and_sources(shop_scrape, truth, demo_site):
    pages, _ = shop_scrape
    host = urlsplit(demo_site).netloc
    for prod in truth["products"]:
        mine = [p for p in pages if p.start_url.endswith("/" + prod["slug"])]
        assert {p.strategy for p in mine} == {EXPECTED_STRATEGY[prod["pattern"]]}, prod["pattern"]
        sources = {r.source for p in mine for r in p.reviews}
        if EXPECTED_STRATEGY[prod["pattern"]] == "config":
            assert sources == {f"demo-{ {'static': 'static', 'js': 'js', 'loadmore': 'load-more', 'scroll': 'scroll'}[prod['pattern']] }"}
        else:
            assert sources == {host}  # zero-config: the URL's host:port


def test_pagination_shapes(shop_scrape, truth):
    pages, _ = shop_scrape
    by = defaultdict(list)
    for p in pages:
        by[urlsplit(p.start_url).path.split("/")[-2]].append(p)
    # next link / page parameter: one page each, resumable next_url chaining to the following page
    for kind in ("static", "jsonld", "microdata", "nextjs", "state", "js"):
        ps = by[kind]
        assert len(ps) >= 5
        for a, b in zip(ps, ps[1:]):
            assert a.next_url == b.url and "page=" in b.url
        assert ps[-1].next_url is None
    # load more / infinite scroll: batches of 10 on the same URL, not resumable
    for kind in ("load-more", "scroll"):
        ps = by[kind]
        assert len(ps) == 6 and {p.url for p in ps} == {ps[0].start_url}
        assert [len(p.reviews) for p in ps[:-1]] == [10] * 5
        assert all(p.next_url is None for p in ps)


def test_hostile_reviews_arrive_safe_and_whole(shop_scrape, truth):
    pages, _ = shop_scrape
    got = {r.site_review_id: r for p in pages for r in p.reviews}
    by_tag = {r["hostile"]: r for r in truth["reviews"] if r["hostile"]}
    assert got[by_tag["prompt_injection"]["id"]].text == by_tag["prompt_injection"]["text"]
    assert got[by_tag["formula_injection"]["id"]].text.startswith('=HYPERLINK("http://evil.example","click")')
    assert got[by_tag["html_injection"]["id"]].text.startswith("<script>alert(1)</script>")
    assert got[by_tag["emoji_only"]["id"]].text == by_tag["emoji_only"]["text"]
    assert got[by_tag["german"]["id"]].text == by_tag["german"]["text"]
    assert got[by_tag["spanish"]["id"]].text == by_tag["spanish"]["text"]
    long = got[by_tag["very_long"]["id"]].text
    assert len(long) == len(by_tag["very_long"]["text"]) == 50_000
    ctrl = got[by_tag["control_chars"]["id"]].text
    assert ctrl == "The hinge broke after a week. Packaging was crushed."
    assert not any(ord(c) < 32 and c not in "\n\t" for r in got.values() for c in r.text)


def test_ratings_and_dates_spread(shop_scrape):
    pages, _ = shop_scrape
    reviews = [r for p in pages for r in p.reviews]
    assert Counter(r.rating for r in reviews).keys() == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert min(r.date for r in reviews) >= date(2026, 5, 17) and max(r.date for r in reviews) <= date(2026, 11, 15)
