"""Reviews the extraction cannot reach, and what the user is told (real Chromium against local pages): reviews
inside a same-origin iframe or an open shadow root (no config can read them: the error says where they are and
what to do instead of "write a site config"), a consent wall that takes the click on "show more reviews" (the
error names the overlay and the fix, without waiting the whole timeout), and the bundled booking config on
Booking-like markup (both halves of a review, without their labels; the score read once)."""

from __future__ import annotations

import json
import time

from reviewlens.app.jobs import no_reviews_reason
from reviewlens.config import ScraperSettings
from scraper import scrape
from scraper.normalize import parse_rating


def _md_review(n: int, text: str, rating: int = 4) -> str:
    return (f'<div class="review" itemprop="review" itemscope itemtype="https://schema.org/Review">'
            f'<span itemprop="author" itemscope itemtype="https://schema.org/Person"><b itemprop="name">Guest {n}</b>'
            f'</span><span itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">'
            f'<meta itemprop="ratingValue" content="{rating}"><meta itemprop="bestRating" content="5"></span>'
            f'<meta itemprop="datePublished" content="2026-02-{10 + n}"><div itemprop="reviewBody"><p>{text} (#{n})</p>'
            f'</div></div>')


REVIEWS = "".join(_md_review(i, f"The kettle is fine, review number {i}") for i in range(1, 6))
SETTINGS = ScraperSettings(delay=0.0, timeout=10.0, retries=1)


def test_reviews_in_a_same_origin_iframe_name_the_frame_url_to_scrape(server):
    server.page("/p.html", '<html><body><h1>Kettle</h1><iframe title="Customer reviews" src="/widget.html" '
                           'style="width:100%;height:600px"></iframe></body></html>')
    server.page("/widget.html", f'<html><body><div itemscope itemtype="https://schema.org/Product">'
                                f'<h2 itemprop="name">Kettle</h2>{REVIEWS}</div></body></html>')
    pages = list(scrape([server.base + "/p.html"], SETTINGS))
    assert [len(p.reviews) for p in pages] == [0]
    err = pages[0].error
    assert "inside an iframe" in err and "5 reviews found in it" in err, err
    assert f"reviewlens scrape {server.base}/widget.html" in err, err
    assert pages[0].out_of_reach and "widget.html" in pages[0].out_of_reach
    # the run's message says the same, not "this site needs one (a site config). Write it"
    why = no_reviews_reason(1, [], configured=False, out_of_reach=[pages[0].out_of_reach])
    assert "widget.html" in why and "needs one" not in why, why
    # and what it advises works: the frame's own URL has the reviews
    assert [len(p.reviews) for p in scrape([server.base + "/widget.html"], SETTINGS)] == [5]


def test_reviews_in_an_open_shadow_root_are_said_out_of_reach_of_any_config(server, tmp_path):
    html = ('<html><body><h1>Kettle</h1><reviews-widget></reviews-widget><script>customElements.define('
            '"reviews-widget", class extends HTMLElement { connectedCallback() { this.attachShadow({mode: "open"})'
            f'.innerHTML = {REVIEWS!r}; }} }});</script></body></html>')
    server.page("/p.html", html)
    pages = list(scrape([server.base + "/p.html"], SETTINGS))
    err = pages[0].error
    assert "<reviews-widget> holds 5 reviews in its shadow root" in err, err
    assert "reviewlens import" in err and "neither zero-config extraction nor a site config" in err, err
    # a config's selectors do not reach in either, and its error says why
    cfg = tmp_path / "shadow.toml"
    cfg.write_text('review = ".review"\n[fields]\ntext = "[itemprop=reviewBody]"\n', encoding="utf-8")
    pages = list(scrape([server.base + "/p.html"], SETTINGS, site=str(cfg)))
    assert pages[0].reviews == [] and "holds 5 reviews in its shadow root" in pages[0].error, pages[0].error


COOKIE_WALL = ('<html><body><div id="cmp" role="dialog" aria-label="Cookie consent" style="position:fixed;inset:0;'
               'background:rgba(0,0,0,.85);z-index:9999"><p>We value your privacy</p>'
               '<button id="accept">Accept all cookies</button></div>'
               '<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Kettle</h1>'
               f'<div id="list">{REVIEWS}</div><button id="more" type="button">Show more reviews</button></div><script>'
               'var R = ' + json.dumps([_md_review(i, f"Later review {i}") for i in range(6, 9)]) + ';'
               'document.getElementById("accept").onclick = function () { document.getElementById("cmp").remove(); };'
               'document.getElementById("more").addEventListener("click", function (ev) {'
               '  if (!ev.isTrusted && document.getElementById("cmp")) return;'  # the wall lets no click through
               '  R.forEach(function (h) { document.getElementById("list").insertAdjacentHTML("beforeend", h); });'
               '  this.remove(); });</script></body></html>')


def test_a_consent_wall_over_show_more_is_named_with_its_fix_without_waiting_the_timeout(server, tmp_path):
    server.page("/p.html", COOKIE_WALL)
    t0 = time.monotonic()
    pages = list(scrape([server.base + "/p.html"], SETTINGS))
    took = time.monotonic() - t0
    assert sum(len(p.reviews) for p in pages) == 5
    err = "; ".join(p.error for p in pages if p.error)
    assert '<div id="cmp" role="dialog" aria-label="Cookie consent">' in err, err
    assert "cookie or consent banner" in err and "cookie_banner" in err and "--site" in err, err
    assert took < SETTINGS.timeout - 2, took  # no wait of the whole timeout for a click that never reached
    # the fix it gives: a config that only clicks the banner away, zero-config extraction and show more the rest
    cfg = tmp_path / "shop.toml"
    cfg.write_text('cookie_banner = "#accept"\n', encoding="utf-8")
    pages = list(scrape([server.base + "/p.html"], SETTINGS, site=str(cfg)))
    assert sum(len(p.reviews) for p in pages) == 8 and not any(p.error for p in pages), [p.error for p in pages]
    assert {r.source for p in pages for r in p.reviews} == {"shop"}


def _booking_card(author: str, score: str, liked: str | None, disliked: str | None) -> str:
    parts = (f'<div data-testid="review-positive-text"><span>Liked ·</span> {liked}</div>' if liked else "") + \
            (f'<div data-testid="review-negative-text"><span>Disliked ·</span> {disliked}</div>' if disliked else "")
    return (f'<div data-testid="review-card" class="c-review-block"><div data-testid="review-avatar"><div>{author}'
            f'</div></div><div data-testid="review-score"><div class="ac4a7896c7">Scored {score}</div><div>{score}'
            f'</div></div><span data-testid="review-date">Reviewed: 12 March 2026</span><h3 data-testid='
            f'"review-title">Pleasant stay</h3>{parts}</div>')


def test_the_booking_config_keeps_both_halves_without_labels_and_reads_the_score_once(server):
    cards = (_booking_card("Peter", "8.0", "Great location, 2 minutes from the station.", "The room was tiny.")
             + _booking_card("Rosa", "10", "Everything! Spotless room, comfy bed, quiet.", None)
             + _booking_card("Oliver", "2.5", None, "Overpriced for what you get."))
    server.page("/hotel/de/am-bahnhof.html", f'<html><body><h2>Hotel Am Bahnhof</h2><div id="reviewCardsSection">'
                                             f'{cards}</div></body></html>')
    pages = list(scrape([server.base + "/hotel/de/am-bahnhof.html"], SETTINGS, site="booking"))
    got = {r.author: r for p in pages for r in p.reviews}
    assert not any(p.error for p in pages), [p.error for p in pages]
    assert got["Peter"].text == "Great location, 2 minutes from the station.\n\nThe room was tiny."
    assert got["Rosa"].text == "Everything! Spotless room, comfy bed, quiet."
    assert got["Oliver"].text == "Overpriced for what you get."
    # each score read once, out of 10 ("Scored 8.0" and "8.0" were read as 8.08; "Scored 10" and "10" not at all)
    assert {a: r.rating for a, r in got.items()} == {a: parse_rating(s, None, None, 10) for a, s in
                                                     (("Peter", "8.0"), ("Rosa", "10"), ("Oliver", "2.5"))}
    assert got["Rosa"].rating == 5.0
