"""Zero-config scraping of pages shaped like review sites and shop widgets (real Chromium, local pages): a
Trustpilot-like page with its reviews in JSON-LD and in __NEXT_DATA__, a product whose JSON-LD holds fewer reviews
than its microdata, a page that states more reviews than it shows."""

from __future__ import annotations

import json

import pytest

from reviewlens.app import jobs
from reviewlens.config import load_settings
from reviewlens.store import Store
from scraper import scrape

TEXTS = [
    "Ordered on Monday, arrived Thursday. The kettle boils fast and is quiet.\n\nOnly gripe: the lid sticks.",
    "Stopped working after three weeks. Customer service took 9 days to answer. Not impressed.",
    "Great value for the price. My wife loves the colour and it matches our kitchen.",
    "The handle gets hot and the water tastes of plastic for the first few days.",
    "Fast delivery, well packed, works as described. Would buy again.",
    "I returned it. The base wobbles on the counter and the cable is far too short.",
]
REPLY = "Hi, we are sorry to read this. Please contact us with your order number so we can make it right."


def _tp_reviews(n: int = 6) -> list[dict]:
    return [{"id": f"60{i:02d}abc", "author": f"Customer {i}", "rating": 1 + i % 5, "date": f"2026-11-{20 - i:02d}",
             "text": TEXTS[i % len(TEXTS)], "reply": REPLY if i in (1, 3) else None} for i in range(n)]


def trustpilot_page(recs: list[dict], *, ld_reviews: bool = True) -> str:
    """A Trustpilot-like business page: JSON-LD @graph (a LocalBusiness and Review nodes whose @id is a URL
    ending in the review id), __NEXT_DATA__ with the same reviews (owner replies, the review's verified label,
    a consumer who is not verified), and a heading that holds the review count."""
    state = {"props": {"pageProps": {
        "businessUnit": {"id": "5f1", "displayName": "KettleCo", "trustScore": 4.1, "numberOfReviews": len(recs)},
        "reviews": [{"id": r["id"], "text": r["text"], "rating": r["rating"], "title": r["text"].split(".")[0],
                     "labels": {"verification": {"isVerified": True}}, "likes": 0,
                     "dates": {"experiencedDate": r["date"] + "T00:00:00.000Z",
                               "publishedDate": r["date"] + "T09:12:44.000Z"},
                     "consumer": {"id": "c" + r["id"], "displayName": r["author"], "isVerified": False},
                     "reply": ({"message": r["reply"], "publishedDate": r["date"] + "T15:00:00.000Z"}
                               if r["reply"] else None), "language": "en"} for r in recs]}}}
    graph: list[dict] = [{"@type": "LocalBusiness", "@id": "https://kettleco.example/#lb", "name": "KettleCo",
                          "aggregateRating": {"@type": "AggregateRating", "ratingValue": "4.1",
                                              "reviewCount": str(len(recs))}}]
    if ld_reviews:
        graph += [{"@type": "Review", "@id": f"https://www.trustpilot.com/#/schema/Review/kettleco.example/{r['id']}",
                   "itemReviewed": {"@id": "https://kettleco.example/#lb"},
                   "author": {"@type": "Person", "name": r["author"]}, "datePublished": r["date"] + "T09:12:44.000Z",
                   "reviewBody": r["text"], "reviewRating": {"@type": "Rating", "ratingValue": str(r["rating"])}}
                  for r in recs]
    cards = "".join(f'<article><span>{r["author"]}</span><p>{r["text"]}</p></article>' for r in recs)
    return (f'<!doctype html><html><head><title>KettleCo Reviews</title><script type="application/ld+json">'
            f'{json.dumps({"@context": "https://schema.org", "@graph": graph})}</script></head><body>'
            f'<h1><span>KettleCo</span> Reviews {len(recs)} • Great</h1><section>{cards}</section>'
            f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(state)}</script></body></html>')


@pytest.fixture
def env(tmp_path, monkeypatch):
    """(store, settings) of a store of this test's own."""
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    settings = load_settings(None, db=str(tmp_path / "s.db"), data_dir=str(tmp_path / "data"))
    settings.scraper.delay = 0.0
    return Store(tmp_path / "s.db"), settings


def test_a_site_that_drops_its_json_ld_reviews_does_not_store_them_again(env, server):
    """The same review read from JSON-LD (site id: a URL ending in the id) and, once the site dropped its JSON-LD
    reviews, from page state (the bare id) is one review: the second run finds nothing new."""
    store, settings = env
    recs = _tp_reviews()
    server.page("/tp", trustpilot_page(recs))
    first = jobs.run_scrape(store, settings, [server.base + "/tp"], quiet=True)
    assert (first.status, first.new) == ("ok", 6)
    server.page("/tp", trustpilot_page(recs, ld_reviews=False))
    again = jobs.run_scrape(store, settings, [server.base + "/tp"], quiet=True)
    assert (again.status, again.new, again.seen) == ("ok", 0, 6)
    assert store.count_reviews() == 6
    # and back: a store written from page state, then the site adds its JSON-LD reviews
    recs2 = [dict(r, id=r["id"] + "x", author=r["author"] + " B", text=r["text"] + " (B)") for r in recs]
    server.page("/tp2", trustpilot_page(recs2, ld_reviews=False))
    assert jobs.run_scrape(store, settings, [server.base + "/tp2"], quiet=True).new == 6
    server.page("/tp2", trustpilot_page(recs2))
    assert jobs.run_scrape(store, settings, [server.base + "/tp2"], quiet=True).new == 0
    assert store.count_reviews() == 12


def _md_review(i: int, text: str | None = None) -> str:
    return (f'<div itemprop="review" itemscope itemtype="https://schema.org/Review" data-review-id="m{i}">'
            f'<span itemprop="author">Reader {i}</span><meta itemprop="datePublished" content="2026-10-{i + 1:02d}">'
            f'<div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">'
            f'<meta itemprop="ratingValue" content="{1 + i % 5}"></div>'
            f'<div itemprop="reviewBody">{text or _paras(TEXTS[i % len(TEXTS)] + f" (review {i})")}</div></div>')


def _paras(text: str) -> str:
    return "".join(f"<p>{p}</p>" for p in text.split("\n\n"))


def test_the_extraction_holding_more_of_the_reviews_wins(server, settings):
    """A shop theme's Product JSON-LD holds the first 3 reviews, its widget's microdata all 8: all 8 are read."""
    ld = {"@context": "https://schema.org", "@type": "Product", "name": "Kettle 2000",
          "aggregateRating": {"@type": "AggregateRating", "ratingValue": "3.4", "reviewCount": "8"},
          "review": [{"@type": "Review", "reviewBody": TEXTS[i % len(TEXTS)] + f" (review {i})",
                      "author": {"@type": "Person", "name": f"Reader {i}"}, "datePublished": f"2026-10-{i + 1:02d}",
                      "reviewRating": {"@type": "Rating", "ratingValue": 1 + i % 5}} for i in range(3)]}
    server.page("/p", f'<!doctype html><html><head><script type="application/ld+json">{json.dumps(ld)}</script>'
                      f'</head><body><h1>Kettle 2000</h1><div itemscope itemtype="https://schema.org/Product">'
                      f'<span itemprop="name">Kettle 2000</span>{"".join(_md_review(i) for i in range(8))}</div>'
                      f'</body></html>')
    page, = scrape([server.base + "/p"], settings)
    assert (page.strategy, len(page.reviews), page.stated) == ("microdata", 8, 8)


def test_a_page_that_says_it_has_far_more_reviews_than_were_read_is_noted(env, server):
    """Infinite scroll (not followed by zero-config) shows 5 of the 15 reviews its AggregateRating counts: the
    run is ok, and its summary says the page counts 15 and the run read 5. A page read whole says nothing."""
    store, settings = env
    agg = ('<div itemprop="aggregateRating" itemscope itemtype="https://schema.org/AggregateRating">'
           '<meta itemprop="ratingValue" content="3.9"><meta itemprop="reviewCount" content="{n}"></div>')
    body = "".join(_md_review(i) for i in range(5))
    server.page("/scroll", f'<!doctype html><html><body><div itemscope itemtype="https://schema.org/Product">'
                           f'<h1 itemprop="name">Lamp</h1>{agg.format(n=15)}{body}</div></body></html>')
    server.page("/whole", f'<!doctype html><html><body><div itemscope itemtype="https://schema.org/Product">'
                          f'<h1 itemprop="name">Lamp</h1>{agg.format(n=6)}'
                          f'{"".join(_md_review(i) for i in range(100, 105))}</div></body></html>')
    run = jobs.run_scrape(store, settings, [server.base + "/scroll"], quiet=True)
    assert (run.status, run.new) == ("ok", 5)
    assert any("says it has 15 reviews, this run read 5" in n for n in run.notes), run.notes
    assert "says it has 15 reviews" in run.line()
    whole = jobs.run_scrape(store, settings, [server.base + "/whole"], quiet=True)
    assert whole.new == 5
    assert not any("says it has" in n for n in whole.notes)


def test_the_product_is_named_by_structured_data_not_by_a_heading_with_the_review_count(server, settings):
    """The heading "KettleCo Reviews 6 • Great" changes with every review: the name comes from the JSON-LD
    node the reviews point at (itemReviewed {"@id"}), from page state (the business beside the reviews), and a
    heading or title is read without its count."""
    recs = _tp_reviews()
    no_ld = trustpilot_page(recs).replace('type="application/ld+json"', 'type="text/plain"')
    server.page("/ld", trustpilot_page(recs))
    server.page("/state", no_ld)
    server.page("/heading", "<!doctype html><html><body><h1>Aurora Lamp (23 reviews)</h1>"
                            + "".join(_md_review(i) for i in range(3)) + "</body></html>")
    pages = {p.url.rsplit("/", 1)[-1]: p for p in scrape([server.base + u for u in ("/ld", "/state", "/heading")],
                                                          settings)}
    assert pages["ld"].strategy == "jsonld" and {r.product for r in pages["ld"].reviews} == {"KettleCo"}
    assert pages["state"].strategy == "nextdata" and {r.product for r in pages["state"].reviews} == {"KettleCo"}
    assert {r.product for r in pages["heading"].reviews} == {"Aurora Lamp"}


def test_replies_and_verified_come_from_page_state_when_json_ld_lacks_them(server, settings):
    """JSON-LD holds the reviews without the owner's replies; __NEXT_DATA__ holds the same reviews with them and
    with the review's verified label (its consumer is not a verified account): both are kept."""
    server.page("/tp", trustpilot_page(_tp_reviews()))
    page, = scrape([server.base + "/tp"], settings)
    assert page.strategy == "jsonld"
    replies = {r.site_review_id.rsplit("/", 1)[-1]: r for r in page.reviews if r.reply}
    assert set(replies) == {"6001abc", "6003abc"}
    assert replies["6001abc"].reply == REPLY and str(replies["6001abc"].reply_date) == "2026-11-19"
    assert {r.verified for r in page.reviews} == {True}
    server.page("/state", trustpilot_page(_tp_reviews(), ld_reviews=False))
    page, = scrape([server.base + "/state"], settings)
    assert page.strategy == "nextdata" and {r.verified for r in page.reviews} == {True}


def test_a_highlight_box_showing_a_shortened_copy_of_a_review_is_not_one_more_review(server, settings):
    """A "Most helpful review" box shows the first 90 characters and "…" of a review the list shows whole."""
    long = ("I really wanted to like this kettle. The glass looks stunning and the blue light is lovely. But after "
            "a month the presets drift and support was useless.")
    box = f'<section class="highlights"><h3>Most helpful critical review</h3>{_md_review(9, long[:90] + "…")}</section>'
    server.page("/p", '<!doctype html><html><body><div itemscope itemtype="https://schema.org/Product">'
                      f'<h1 itemprop="name">Kettle</h1>{box}<section>{_md_review(9, long)}'
                      f'{"".join(_md_review(i) for i in range(3))}</section></div></body></html>')
    page, = scrape([server.base + "/p"], settings)
    assert sorted(r.text for r in page.reviews) == sorted([long] + [TEXTS[i] + f" (review {i})" for i in range(3)])


def test_a_read_more_teaser_is_read_whole_when_the_page_holds_the_rest(server, settings):
    """An Okendo-like widget shows 120 characters and "…" and keeps the whole text in a display:none span that
    its "Read more" button reveals: the whole text is stored. A teaser whose rest is not in the page is kept and
    said in the notes."""
    long = ("Packaging was damaged and the box had clearly been opened before. The kettle itself was scratched on "
            "the side. Support sent a replacement within two days, which is why I give 3 stars.")
    body = (f'<span class="oke-truncated">{long[:120]}…</span><span class="oke-full" style="display:none">'
            f'<p>{long}</p></span>')
    html = ('<!doctype html><html><body><div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">'
            f'Kettle</h1>{_md_review(0, body)}<button>Read more</button>{_md_review(1, TEXTS[3][:50] + "…")}'
            f'{_md_review(2)}</div></body></html>')
    server.page("/p", html)
    page, = scrape([server.base + "/p"], settings)
    texts = sorted(r.text for r in page.reviews)
    assert texts == sorted([long, TEXTS[3][:50] + "…", TEXTS[2] + " (review 2)"])
    assert any("1 review text ending in an ellipsis" in n for n in page.notes), page.notes


def test_paragraphs_of_html_texts_are_kept(env, server, settings, tmp_path):
    """Microdata and site-config texts written in paragraphs (<p>, <br><br>) keep them as a blank line, <br> as a
    line break: "toaster.</p><p>Refund" is no longer read
    "toaster.Refund". A store written when paragraphs were glued finds the same review already stored."""
    from reviewlens.schema import Review

    body = "\n  <p>I returned it. The base wobbles on the counter.</p>\n  <p>Refund was quick<br>though, credit where due.</p>"
    server.page("/md", '<!doctype html><html><body><div itemscope itemtype="https://schema.org/Product"><h1 '
                       f'itemprop="name">Kettle</h1>{_md_review(0, body)}</div></body></html>')
    server.page("/cfg", '<!doctype html><html><body><h1>Kettle</h1><div class="r"><span class="who">Ann</span>'
                        '<div class="body">Too loud.<br><br>Returned it the next day.</div></div></body></html>')
    site = tmp_path / "para.toml"
    site.write_text('match = ["127.0.0.1:*/cfg"]\nreview = ".r"\n[fields]\ntext = ".body"\nauthor = ".who"\n')
    md, = scrape([server.base + "/md"], settings)
    cfg, = scrape([server.base + "/cfg"], settings, site=str(site))
    assert [r.text for r in md.reviews] == [
        "I returned it. The base wobbles on the counter.\n\nRefund was quick\nthough, credit where due."]
    assert [r.text for r in cfg.reviews] == ["Too loud.\n\nReturned it the next day."]
    # a store written before: the same review (no site id: its identity holds the text), its paragraphs glued
    store, run_settings = env
    store.upsert_reviews([Review(source="para", text="Too loud.Returned it the next day.", author="Ann",
                                 url=server.base + "/cfg")])
    run = jobs.run_scrape(store, run_settings, [server.base + "/cfg"], site=str(site), quiet=True)
    assert (run.new, run.seen, run.edited["text"]) == (0, 1, 0)
    assert store.count_reviews() == 1


def test_a_hotel_review_in_liked_and_disliked_halves_keeps_both(server, settings):
    """Booking-like page state: positiveText and negativeText are both the review, the liked half first, on
    their own lines; a review with only one half (all praise, or a short complaint) is kept, not skipped."""
    reviews = [
        {"reviewId": "bk0", "guest": {"name": "Peter"}, "reviewScore": 8.0, "reviewedDate": "2026-03-12",
         "positiveText": "Great location, 2 minutes from the station.", "negativeText": "The room was tiny."},
        {"reviewId": "bk1", "guest": {"name": "Rosa"}, "reviewScore": 10, "reviewedDate": "2026-05-20",
         "positiveText": "Everything! Spotless room, comfy bed, quiet.", "negativeText": ""},
        {"reviewId": "bk2", "guest": {"name": "Oliver"}, "reviewScore": 2.5, "reviewedDate": "2026-06-01",
         "positiveText": "", "negativeText": "Overpriced for what you get. Hair in the bathroom."},
    ]
    state = {"hotel": {"name": "Hotel Am Bahnhof", "reviewScore": 7.4, "reviewCount": 3}, "reviews": reviews}
    server.page("/hotel", '<!doctype html><html><body><h2>Hotel Am Bahnhof</h2><script>window.__BOOKING_STATE__ = '
                          f'{json.dumps(state)};</script></body></html>')
    page, = scrape([server.base + "/hotel"], settings)
    assert {r.author: r.text for r in page.reviews} == {
        "Peter": "Great location, 2 minutes from the station.\n\nThe room was tiny.",
        "Rosa": "Everything! Spotless room, comfy bed, quiet.",
        "Oliver": "Overpriced for what you get. Hair in the bathroom."}
    assert {r.product for r in page.reviews} == {"Hotel Am Bahnhof"}
