"""Owner replies, helpful votes, verified purchase and language through the real scraper (headless
Chromium): every demo shop pattern against reviews.json, and the shapes of other sites (schema.org
Comment, microdata, page state of the big platforms, a site config) on local pages."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from urllib.parse import urlsplit

from scraper import scrape

# What each demo shop pattern shows besides the review (see reviewlens/app/demo_shop.py).
CARRIES = {
    "static": {"reply", "reply_date", "helpful", "verified", "language"},   # site config + lang attribute
    "jsonld": {"reply", "reply_date", "helpful", "language"},               # Comment, LikeAction, inLanguage
    "microdata": {"reply", "reply_date", "helpful", "language"},            # Comment, upvoteCount, lang
    "nextdata": {"reply", "reply_date", "helpful", "verified", "language"},  # reply: {message, publishedDate}
    "state": {"reply", "reply_date", "helpful", "verified", "language"},     # ownerResponse: {text, postedAt}
    "js": {"reply", "reply_date", "helpful", "verified"},                   # site config over the API's JSON
    "loadmore": {"reply", "reply_date"},
    "scroll": {"reply", "reply_date"},
}
LANG = {"en": "en", "de": "de", "es": "es", "und": None}


def _expected(t: dict, carries: set[str], pattern: str) -> dict:
    """What the scraper should find for one review of the ground truth."""
    helpful = t["helpful"]
    verified = t["verified"]
    if pattern == "static":  # the page omits "0 people found this helpful" and shows only the badge
        helpful = helpful or None
        verified = True if verified else None
    elif pattern == "js":
        verified = True if verified else None
    return {
        "reply": t["reply"] if "reply" in carries else None,
        "reply_date": date.fromisoformat(t["reply_date"]) if t["reply_date"] and "reply_date" in carries else None,
        "helpful_votes": helpful if "helpful" in carries else None,
        "verified": verified if "verified" in carries else None,
        "language": LANG[t["lang"]] if "language" in carries else None,
    }


def test_demo_shop_replies_votes_verified_language(shop_scrape, truth):
    pages, _ = shop_scrape
    got = defaultdict(list)
    for p in pages:
        got[urlsplit(p.start_url).path.split("/")[-1]].extend(p.reviews)
    replies = 0
    for prod in truth["products"]:
        carries = CARRIES[prod["pattern"]]
        have = got[prod["slug"]]
        assert have, prod["slug"]
        for r in have:
            t = truth["by_id"][r.site_review_id]
            want = _expected(t, carries, prod["pattern"])
            if prod["pattern"] == "loadmore" and t["reply_date"]:
                # relative dates ("3 days ago") are read against today, as the shop writes them
                assert (r.reply_date is not None) == (want["reply_date"] is not None), r.site_review_id
                want["reply_date"] = r.reply_date
            have_fields = {k: getattr(r, k) for k in want}
            assert have_fields == want, (prod["pattern"], r.site_review_id)
            replies += r.reply is not None
    assert replies == sum(1 for t in truth["reviews"] if t["reply"])
    hostile = next(t for t in truth["reviews"] if t["hostile"] == "formula_injection")
    mine = next(r for p in pages for r in p.reviews if r.site_review_id == hostile["id"])
    assert mine.reply.startswith('=HYPERLINK(') and "<script>" in mine.reply  # stored verbatim, neutralised on display


LONG = "This is a long enough review text to count as the body of a review, {n}."


def _page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html lang=\"en\"><head>{head}</head><body><h1>Widget</h1>{body}</body></html>"


def _ld(data) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _state(name: str, data) -> str:
    return f"<script>window.{name} = {json.dumps(data)};</script>"


def test_zero_config_shapes_of_other_sites(server, settings):
    pages = {
        # schema.org: a customer's comment is not the owner's reply; upvoteCount; inLanguage as an object
        "/ld": _page(_ld({"@context": "https://schema.org", "@type": "Product", "name": "Kettle", "review": [
            {"@type": "Review", "reviewBody": LONG.format(n=1), "author": {"@type": "Person", "name": "Ann"},
             "datePublished": "2026-02-03", "reviewRating": {"ratingValue": 2}, "upvoteCount": 14,
             "inLanguage": {"@type": "Language", "name": "English", "alternateName": "en-GB"},
             "comment": [{"@type": "Comment", "text": "Same here!", "author": {"@type": "Person", "name": "Bo"}},
                         {"@type": "Comment", "text": "Sorry Ann, a new one is on its way.",
                          "dateCreated": "2026-02-05", "author": {"@type": "Organization", "name": "Kettle Co"}}]},
            {"@type": "Review", "reviewBody": LONG.format(n=2), "author": "Cy", "reviewRating": 5,
             "datePublished": "2026-02-01"},
        ]})),
        # microdata: Comment by an Organization, upvoteCount, the review element's lang attribute
        "/md": _page(body='<div itemscope itemtype="https://schema.org/Review" lang="de-de" itemid="m1">'
                          '<span itemprop="author">Dee</span><meta itemprop="datePublished" content="2026-04-05">'
                          '<meta itemprop="ratingValue" content="2"><meta itemprop="upvoteCount" content="3">'
                          f'<p itemprop="reviewBody">{LONG.format(n=3)}</p>'
                          '<div itemprop="comment" itemscope itemtype="https://schema.org/Comment">'
                          '<div itemprop="author" itemscope itemtype="https://schema.org/Organization">'
                          '<span itemprop="name">Kettle Co</span></div>'
                          '<time itemprop="dateCreated" datetime="2026-04-07">April 7</time>'
                          '<span itemprop="text">Danke, Dee! We fixed it.</span></div></div>'),
        # Trustpilot-like page state: reply {message, publishedDate}, likes, consumer.isVerified, language
        "/tp": _page(body=_state("__TP__", {"reviews": [
            {"id": "t1", "text": LONG.format(n=4), "rating": 1, "consumer": {"displayName": "Eve", "isVerified": True},
             "publishedDate": "2026-03-01T10:00:00Z", "likes": 5, "language": "en",
             "reply": {"message": "We are sorry, Eve.", "publishedDate": "2026-03-04T08:00:00Z"}},
            {"id": "t2", "text": LONG.format(n=5), "rating": 5, "consumer": {"displayName": "Fay", "isVerified": False},
             "publishedDate": "2026-03-02T10:00:00Z", "likes": 0, "language": "da", "reply": None}]})),
        # Google Play-like: flat replyContent / repliedAt, thumbsUpCount, epoch-ms dates
        "/gp": _page(body=_state("__GP__", {"data": {"reviews": [
            {"reviewId": "g1", "userName": "Gus", "content": LONG.format(n=6), "score": 2, "thumbsUpCount": 31,
             "at": "2026-05-01T09:00:00Z", "replyContent": "Please update to 2.3, it fixes this.",
             "repliedAt": "2026-05-03T09:00:00Z", "appVersion": "2.2.0"},
            {"reviewId": "g2", "userName": "Hal", "content": LONG.format(n=7), "score": 4, "thumbsUpCount": 0,
             "at": "2026-05-02T09:00:00Z", "replyContent": None, "repliedAt": None}]}})),
        # App Store-like: developerResponse {body, modified}, voteCount-free, a Yelp-like list of owner replies
        "/as": _page(body=_state("__AS__", {"userReviews": [
            {"id": "a1", "review": LONG.format(n=8), "rating": 1, "userName": "Ivy", "date": "2026-06-01",
             "developerResponse": {"id": 9, "body": "Thanks Ivy, fixed in 4.1.", "modified": "2026-06-09"},
             "helpfulVotes": "12"},
            {"id": "a2", "review": LONG.format(n=9), "rating": 3, "userName": "Jo", "date": "2026-06-02",
             "businessOwnerReplies": [{"comment": {"text": "Thank you, Jo."}, "localizedDate": "6/5/2026"}]}]})),
    }
    for path, html in pages.items():
        server.page(path, html)
    results = list(scrape([server.base + p for p in pages], settings))
    by = {r.url.split("/")[-1]: r for r in results}
    x = lambda r: (r.reply, r.reply_date, r.helpful_votes, r.verified, r.language)  # noqa: E731
    ld = by["ld"]
    assert ld.strategy == "jsonld" and [x(r) for r in ld.reviews] == [
        ("Sorry Ann, a new one is on its way.", date(2026, 2, 5), 14, None, "en-GB"),
        (None, None, None, None, None)]
    md = by["md"]
    assert md.strategy == "microdata"
    assert [x(r) for r in md.reviews] == [("Danke, Dee! We fixed it.", date(2026, 4, 7), 3, None, "de-DE")]
    tp = by["tp"]
    assert tp.strategy == "state" and [x(r) for r in tp.reviews] == [
        ("We are sorry, Eve.", date(2026, 3, 4), 5, True, "en"), (None, None, 0, False, "da")]
    gp = by["gp"]
    assert [r.date for r in gp.reviews] == [date(2026, 5, 1), date(2026, 5, 2)]  # not the reply's date
    assert [x(r) for r in gp.reviews] == [
        ("Please update to 2.3, it fixes this.", date(2026, 5, 3), 31, None, None), (None, None, 0, None, None)]
    assert [r.version for r in gp.reviews] == ["2.2.0", None]  # the version reviewed (appVersion)
    assert all(r.version is None for r in ld.reviews + tp.reviews + by["as"].reviews)
    asr = by["as"]
    assert [x(r) for r in asr.reviews] == [
        ("Thanks Ivy, fixed in 4.1.", date(2026, 6, 9), 12, None, None),
        ("Thank you, Jo.", date(2026, 6, 5), None, None, None)]
    # identity does not depend on the reply: the same review without it has the same id
    assert all(r.reply is None or r.id for r in asr.reviews)


def test_site_config_fields(server, settings, tmp_path):
    """The optional config fields, read like the others; a page without any reply reports nothing missing."""
    cards = [
        ('<div class="rv" data-id="c1" lang="fr"><p class="t">{}</p><span class="d">03/04/2026</span>'
         '<span class="h">One person found this helpful</span><b class="v">Achat vérifié</b>'
         '<small class="ver">Version 4.1.2 (build 77)</small><span class="who">Berlin, DE</span><i class="var">Size: M</i>'
         '<div class="resp"><em>Reply from the owner &middot; 03/09/2026</em><p>Merci !</p></div></div>'),
        '<div class="rv" data-id="c2"><p class="t">{}</p><span class="d">03/05/2026</span></div>',
    ]
    server.page("/with", _page(body="".join(c.format(LONG.format(n=i)) for i, c in enumerate(cards))))
    server.page("/without", _page(body=cards[1].format(LONG.format(n=9))))
    toml = tmp_path / "cfg.toml"
    toml.write_text('''
match = "127.0.0.1:*/*"
review = ".rv"
date_format = "%m/%d/%Y"
[fields]
text = ".t"
date = ".d"
id = { attr = "data-id" }
reply = ".resp p"
reply_date = { selector = ".resp em", regex = "(\\\\d+/\\\\d+/\\\\d+)" }
helpful = ".h"
verified = ".v"
version = { selector = ".ver", regex = "[0-9][0-9.]*[0-9]" }
[own_fields]
country = { selector = ".who", regex = "[A-Z]{2}$" }
"Size bought" = { selector = ".var", regex = "Size: (\\\\w+)" }
''', encoding="utf-8")
    with_, without = list(scrape([server.base + "/with", server.base + "/without"], settings, site=str(toml)))
    a, b = with_.reviews
    assert (a.reply, a.reply_date, a.helpful_votes, a.verified, a.language) == \
           ("Merci !", date(2026, 3, 9), 1, True, "fr")
    assert (b.reply, b.reply_date, b.helpful_votes, b.verified, b.language) == (None, None, None, None, None)
    assert (a.version, b.version) == ("4.1.2", None)
    assert a.extra["fields"] == {"country": "DE", "Size bought": "M"} and "fields" not in b.extra  # the user's own
    assert with_.error is None and without.error is None  # optional fields are never "missing"
