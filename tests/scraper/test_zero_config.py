"""Zero-config extraction on pages shaped like other sites: JSON-LD variants, microdata, and page
state found by its shape (not by key names the demo shop happens to use)."""

from __future__ import annotations

import json
from datetime import date

from scraper import scrape

LONG = "This is a long enough review text to count as the body of a review, {n}."


def _page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body><h1>Fallback title</h1>{body}</body></html>"


def _ld(data) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_zero_config_variants(server, settings):
    pages = {
        # top-level array, @type as a list, rating as a string out of 10, author as a list, itemReviewed
        "/ld-array": _page(_ld([
            {"@context": "https://schema.org", "@type": ["Review"], "reviewBody": LONG.format(n=1),
             "author": [{"@type": "Person", "name": "Ann"}], "datePublished": "2026-02-03",
             "reviewRating": {"ratingValue": "8", "bestRating": "10"}, "itemReviewed": {"@type": "Product", "name": "Lamp"}},
            {"@type": "Review", "description": LONG.format(n=2), "author": "Bob", "reviewRating": 4},
        ])),
        # a Review nested in a LocalBusiness inside @graph, plus an invalid second block (reported, not fatal)
        "/ld-graph": _page(_ld({"@graph": [{"@type": "LocalBusiness", "name": "Cafe Uno", "reviews": [
            {"@type": "Review", "reviewBody": LONG.format(n=3), "author": {"name": "Cy"},
             "reviewRating": {"ratingValue": 5}, "datePublished": "2026-03-04T10:00:00+01:00"}]}]})
            + '<script type="application/ld+json">{oops</script>'),
        # microdata without a Product around it, itemReviewed inside, meta tags for values
        "/md": _page(body='<div itemscope itemtype="http://schema.org/Review" itemid="urn:r:9">'
                          '<div itemprop="itemReviewed" itemscope itemtype="http://schema.org/Thing"><span itemprop="name">Kettle</span></div>'
                          '<meta itemprop="datePublished" content="2026-04-05">'
                          '<span itemprop="author">Dee</span><div itemprop="reviewRating" itemscope itemtype="http://schema.org/Rating">'
                          '<meta itemprop="ratingValue" content="2"></div>'
                          f'<p itemprop="reviewBody">{LONG.format(n=4)}</p></div>'),
        # page state under other key names: epoch-ms timestamps, nested rating object, a decoy array
        "/state": _page(body='<script>window.__APP__ = ' + json.dumps({
            "nav": [{"label": "Home", "href": "/"}, {"label": "Deals", "href": "/deals"}],
            "pdp": {"ugc": {"list": [
                {"key": "a1", "comment": LONG.format(n=5), "grade": {"value": 3}, "customer": {"handle": "eve"},
                 "postedAt": 1767225600000},
                {"key": "a2", "comment": LONG.format(n=6), "grade": {"value": 5}, "customer": {"handle": "fay"},
                 "postedAt": 1767312000000}]}}}) + ';</script>'),
        # a JSON script tag (not Next.js) with snake_case keys
        "/json": _page(body='<script type="application/json" id="initial-data">' + json.dumps({
            "data": {"product_reviews": [{"review_id": 77, "review_text": LONG.format(n=7), "star_rating": 4,
                                          "user_name": "Gus", "created_date": "2026-05-06"}]}}) + '</script>'),
    }
    for path, html in pages.items():
        server.page(path, html)
    results = list(scrape([server.base + p for p in pages], settings))
    by = {r.url.split("/")[-1]: r for r in results}
    assert by["ld-array"].strategy == "jsonld"
    a, b = by["ld-array"].reviews
    assert (a.rating, a.author, a.date, a.product) == (4.0, "Ann", date(2026, 2, 3), "Lamp")
    assert (b.rating, b.author, b.text) == (4.0, "Bob", LONG.format(n=2))
    g = by["ld-graph"]
    assert [(r.author, r.product, r.date) for r in g.reviews] == [("Cy", "Cafe Uno", date(2026, 3, 4))]
    assert "JSON-LD block 2 is not valid JSON" in g.error and g.reviews  # reported, nothing lost
    m = by["md"]
    assert m.strategy == "microdata"
    assert [(r.site_review_id, r.product, r.author, r.rating, r.date) for r in m.reviews] == \
           [("urn:r:9", "Kettle", "Dee", 2.0, date(2026, 4, 5))]
    s = by["state"]
    assert s.strategy == "state"
    assert [(r.site_review_id, r.rating, r.author, r.date) for r in s.reviews] == \
           [("a1", 3.0, "eve", date(2026, 1, 1)), ("a2", 5.0, "fay", date(2026, 1, 2))]
    j = by["json"]
    assert [(r.site_review_id, r.rating, r.author, r.date, r.text) for r in j.reviews] == \
           [("77", 4.0, "Gus", date(2026, 5, 6), LONG.format(n=7))]
    assert all(r.product == "Fallback title" for r in s.reviews + j.reviews)  # the page's h1
