"""Reviews found by a page's layout (scraper/layout.py, scraper/js/guess_layout.js): real Chromium against local
pages and the demo shop.

A page that publishes no structured reviews and matches no site config is read by its repeated blocks, on every
page of the walk, with each field (text in paragraphs, a rating written five ways, date, author without its "by",
title, id), and a product grid, a Q&A list or a list of short lines beside or instead of the reviews is not taken;
on the demo shop's four config-read layouts the guess reads what the hand-written configs read; `sites make`
writes a config that reads the same reviews under the same identities; `guess_layout = false` turns it off."""

from __future__ import annotations

import json
import pytest

from reviewlens.app.cli import main
from reviewlens.config import ScraperSettings
from reviewlens.store import Store
from scraper import find_site, load_site, scrape
from scraper.browser import make_driver, quit_driver
from scraper.layout import guess_layout, scrolls_for_more
from tests.scraper import widget_pages

SETTINGS = ScraperSettings(delay=0.0, timeout=10.0, retries=1)


@pytest.fixture(autouse=True)
def _static_pages_wait_less(request, monkeypatch):
    """The pages of the tests' own server are static: no script adds structured data late and none adds reviews
    when scrolled, so the 2 s grace for late structured data and the 2 s scroll probe wait for nothing there (about
    4 s a page). Tests marked real_waits, and those on the demo shop, keep them."""
    if "server" in request.fixturenames and not request.node.get_closest_marker("real_waits"):
        from scraper import engine, layout

        monkeypatch.setattr(engine, "ZERO_CONFIG_GRACE", 0.0)
        monkeypatch.setattr(layout, "SCROLL_PROBE", 0.1)


def _stars(rating: int, how: str) -> str:
    if how == "aria":
        return f'<span class="stars" role="img" aria-label="{rating} out of 5 stars">{"★" * rating}{"☆" * (5 - rating)}</span>'
    if how == "text":
        return f'<span class="score">{rating}.0 out of 5</span>'
    if how == "chars":
        return f'<span class="stars">{"★" * rating}{"☆" * (5 - rating)}</span>'
    if how == "bubbles":  # Tripadvisor's: the number of bubbles in tens, in a class
        return f'<span class="ui_bubble_rating bubble_{rating * 10}"></span>'
    if how == "class":
        return f'<div class="c-rating c-rating--{rating}"><i class="c-rating__icon"></i></div>'
    if how == "hundred":
        return f'<span class="score">{rating * 20}/100</span>'
    if how == "icons":
        return '<div class="rating">' + '<i class="star filled"></i>' * rating + '<i class="star"></i>' * (5 - rating) + "</div>"
    assert how == "bar"
    return f'<span class="rating-outer"><span class="rating-inner" style="width:{rating * 20}%"></span></span>'


def _card(i: int, rating: int, how: str = "aria") -> str:
    return (f'<div class="review-card" data-review-id="r{i}"><div class="head"><span class="reviewer-name">by Customer {i}'
            f'</span> <span class="review-date">March {i % 28 + 1}, 2026</span> {_stars(rating, how)}</div>'
            f'<h3 class="title">Title number {i}</h3><div class="body"><p>Kettle number {i} boils fast but the lid is '
            f'flimsy and rattles.</p><p>Second paragraph of review {i}.</p></div>'
            f'<button class="helpful">Helpful</button></div>')


def _tiles() -> str:
    return "".join(f'<a class="tile" href="/p/{i}"><span class="product-title">Other kettle {i} with a long product '
                   f'name here</span><span class="stars" aria-label="4.5 out of 5 stars">★★★★☆</span>'
                   f'<span class="price">$19.99</span></a>' for i in range(1, 7))


def _cards() -> str:  # product cards that are not links: a name, stars, a price and a button
    return "".join(f'<div class="card"><h3 class="product-title">Other kettle {i} with a long product name here</h3>'
                   f'<span class="stars" aria-label="4.5 out of 5 stars">★★★★☆</span><span class="price">€19.99</span>'
                   f'<button>Add to cart</button></div>' for i in range(1, 7))


def _page(n: int, how: str = "aria", last: int = 2, per: int = 6) -> str:
    cards = "".join(_card(10 * n + i, i % 5 + 1, how) for i in range(per))
    nxt = f'<nav class="pagination"><a href="/kettle/p{n + 1}.html">Next</a></nav>' if n < last else ""
    return (f'<html><body><h1>Acme Kettle</h1><section class="related"><h2>You may also like</h2>{_tiles()}</section>'
            f'<section id="reviews"><h2>Reviews</h2><div class="list">{cards}</div>{nxt}</section></body></html>')


def test_a_page_without_structured_reviews_is_read_by_its_layout_on_every_page(server):
    for n in (1, 2):
        server.page(f"/kettle/p{n}.html", _page(n))
    pages = list(scrape([server.base + "/kettle/p1.html"], SETTINGS))
    assert [(p.strategy, len(p.reviews), p.error) for p in pages] == [("layout", 6, None), ("layout", 6, None)]
    r = pages[0].reviews[0]
    assert (r.site_review_id, r.rating, r.date.isoformat(), r.author, r.title) == \
        ("r10", 1.0, "2026-03-11", "Customer 10", "Title number 10")
    assert r.text == "Kettle number 10 boils fast but the lid is flimsy and rattles.\n\nSecond paragraph of review 10."
    assert r.source == server.httpd.server_address[0] + f":{server.httpd.server_address[1]}"  # as zero-config's
    assert [x.rating for x in pages[1].reviews] == [1.0, 2.0, 3.0, 4.0, 5.0, 1.0]
    assert not any("Other kettle" in (x.text or "") for p in pages for x in p.reviews)


@pytest.mark.real_waits
def test_the_second_product_of_a_site_read_by_its_layout_skips_the_waits(server, monkeypatch):
    """A script may add structured data late, so a page without it is given ZERO_CONFIG_GRACE, and a page without
    a next link or load-more button is scrolled once to see whether it is an infinite list; a site whose first
    start URL was read by its layout with the same review blocks is not waited for again (a shop's products share
    a template)."""
    import scraper.engine as engine

    monkeypatch.setattr(engine, "ZERO_CONFIG_GRACE", 6.0)
    for n in (1, 2, 3):
        server.page(f"/kettle/p{n}.html", _page(n, last=n))
    import time

    t0 = time.monotonic()
    pages = list(scrape([server.base + f"/kettle/p{n}.html" for n in (1, 2, 3)], SETTINGS))
    took = time.monotonic() - t0
    assert [(p.strategy, len(p.reviews)) for p in pages] == [("layout", 6)] * 3
    assert 6.0 < took < 11.0, took  # one grace and one scroll probe (2 s), not three of each (24 s)


@pytest.mark.parametrize("how", ["text", "chars", "icons", "bar", "bubbles", "class", "hundred"])
def test_each_way_of_showing_the_stars_is_read(server, how):
    server.page("/kettle/p1.html", _page(1, how, last=1))
    pages = list(scrape([server.base + "/kettle/p1.html"], SETTINGS))
    assert [x.rating for x in pages[0].reviews] == [1.0, 2.0, 3.0, 4.0, 5.0, 1.0], how
    assert pages[0].strategy == "layout"


def test_half_stars_in_a_class_and_scores_out_of_twenty_are_read_on_their_scale(server, capsys):
    """Amazon-like "a-star-4-5" is four and a half; a row of numbered star icons (star-1 ... star-5) is no rating;
    a date written 3/10/2026 is no "3 out of 10"; a French "16/20" is 4 stars; `sites make` keeps the class
    reading with its regex and scale."""
    def card(i: int, stars: str) -> str:
        return (f'<li class="review"><span class="name">Customer {i}</span> <span class="when">3/{i + 10}/2026</span>'
                f'{stars}<p class="words">Review {i}: the lamp is bright enough for reading but the switch is stiff.'
                f'</p></li>')

    def icons() -> str:  # five numbered icons, the rating itself only as a bar
        return "".join(f'<i class="star-{k}"></i>' for k in range(1, 6))

    halves = ["1", "2-5", "3", "4-5", "5", "4"]
    server.page("/half.html", "<html><body><h1>Lamp</h1><ul class='reviews'>" + "".join(
        card(i, f'<i class="a-icon a-star-{h}"></i><span class="icons">{icons()}</span>') for i, h in enumerate(halves))
        + "</ul></body></html>")
    server.page("/bar.html", "<html><body><h1>Lamp</h1><ul class='reviews'>" + "".join(
        card(i, f'<span class="rating-outer"><span class="rating-inner" style="width:{20 * (i % 5 + 1)}%"></span>'
                f'</span>') for i in range(6)) + "</ul></body></html>")
    server.page("/vingt.html", "<html><body><h1>Lampe</h1><ul class='reviews'>" + "".join(
        card(i, f'<b class="note">{4 * (i % 5 + 1)}/20</b>') for i in range(6)) + "</ul></body></html>")
    got = {name: [r.rating for r in list(scrape([f"{server.base}/{name}.html"], SETTINGS))[0].reviews]
           for name in ("half", "bar", "vingt")}
    assert got == {"half": [1.0, 2.5, 3.0, 4.5, 5.0, 4.0], "bar": [1.0, 2.0, 3.0, 4.0, 5.0, 1.0],
                   "vingt": [1.0, 2.0, 3.0, 4.0, 5.0, 1.0]}, got
    server.page("/bubbles.html", _page(1, "bubbles", last=1))
    assert main(["sites", "make", server.base + "/bubbles.html", "-q"]) == 0
    out = capsys.readouterr().out
    assert "rating_scale = 50" in out and 'regex = "(?:^|\\\\s)bubble_(' in out, out


def test_blocks_without_classes_of_their_own_are_found_by_where_they_are(server):
    """Hashed class names (css-1x2y3z) say nothing: the blocks are picked by their place under the section."""
    arts = "".join(f'<article class="css-9f8e7d"><header><b class="sc-bdfBwQ">Reviewer {i}</b>'
                   f'<time datetime="2026-04-0{i + 1}">April {i + 1}</time></header>'
                   f'<div class="css-1a2b3c" aria-label="{i + 1} out of 5 stars"></div>'
                   f'<p class="css-4d5e6f">Review {i}: the grinder is loud but grinds evenly every morning.</p></article>'
                   for i in range(4))
    server.page("/g.html", f'<html><body><h1>Grinder</h1><section id="reviews">{arts}</section></body></html>')
    pages = list(scrape([server.base + "/g.html"], SETTINGS))
    revs = pages[0].reviews
    assert [(x.rating, x.date.isoformat()) for x in revs] == [(i + 1.0, f"2026-04-0{i + 1}") for i in range(4)]
    assert revs[2].text == "Review 2: the grinder is loud but grinds evenly every morning."


SHAPES = {**widget_pages.PAGES, **widget_pages.HELD_OUT}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_review_widgets_and_shop_pages_without_structured_data_are_read_field_by_field(server, shape):
    """Judge.me, Yotpo, WooCommerce, an Amazon-like list, build-hashed classes, Shopify Product Reviews, Stamped,
    Bazaarvoice, Okendo and Trustpilot's HTML cards (tests/scraper/widget_pages.py): every review's author,
    rating, date and text (and its title where the page shows one), and none of the related products beside
    them."""
    server.page(f"/{shape}.html", SHAPES[shape]())
    pages = list(scrape([f"{server.base}/{shape}.html"], SETTINGS))
    assert [(p.strategy, len(p.reviews), p.error) for p in pages] == [("layout", 6, None)]
    want = widget_pages.REVIEWS
    got = pages[0].reviews
    assert [(r.author, r.rating, r.text) for r in got] == [(w.author, float(w.rating), w.text) for w in want]
    if shape not in ("hashed", "bazaarvoice"):  # "1 days ago": relative to the day of the scrape
        assert [r.date.isoformat() for r in got] == [f"2026-03-{w.day:02d}" for w in want]
    if shape not in ("woocommerce", "hashed"):  # no title
        assert [r.title for r in got] == [w.title for w in want]


@pytest.mark.parametrize("shape", sorted(widget_pages.HALVES))
def test_a_review_written_in_two_halves_is_read_whole(server, shape, capsys):
    """G2's "What do you like best?" / "What do you dislike?" and Booking's liked and disliked rows: the dislike,
    the complaint, is the second half, and was lost (the longest half only); scores out of 10 ("Scored 8.0",
    stars-8) are read on that scale, Booking's writer by its avatar block."""
    server.page(f"/{shape}.html", widget_pages.HALVES[shape]())
    url = f"{server.base}/{shape}.html"
    pages = list(scrape([url], SETTINGS))
    assert [(p.strategy, len(p.reviews), p.error) for p in pages] == [("layout", 6, None)]
    want = widget_pages.REVIEWS
    assert [(r.author, r.rating, r.title.strip('"'), r.date.isoformat(), r.text) for r in pages[0].reviews] == [
        (w.author, float(w.rating), w.title, f"2026-03-{w.day:02d}", f"{w.text}\n\n{widget_pages.CONS[i]}")
        for i, w in enumerate(want)]
    assert main(["sites", "make", url, "-q"]) == 0
    assert "all = true" in capsys.readouterr().out


def test_the_owners_reply_a_verified_badge_and_helpful_votes_are_read_where_a_review_has_them(server, capsys):
    """Replies matter downstream: a review read without its reply looks unanswered (reply drafts are made for it).
    The reply's header ("Acme Store replied:") is not the reply, nor the review's title."""
    def card(i: int) -> str:
        reply = (f'<div class="jdgm-rev__reply"><div class="jdgm-rev__replier-wrapper"><b class="jdgm-rev__replier">'
                 f'Acme Store</b> replied:</div><div class="jdgm-rev__reply-content"><p>Sorry to hear that, we sent you '
                 f'a new lid, order {i}.</p></div></div>') if i % 2 else ""
        badge = '<span class="jdgm-rev__buyer-badge">Verified Buyer</span>' if i % 3 else ""
        return (f'<div class="jdgm-rev" data-review-id="jm-{i}"><span class="jdgm-rev__rating" data-score="{i % 5 + 1}">'
                f'</span><span class="jdgm-rev__timestamp">March {i + 1}, 2026</span><span class="jdgm-rev__author">'
                f'Anna {i}</span>{badge}<b class="jdgm-rev__title">Title {i}</b><div class="jdgm-rev__body"><p>The kettle '
                f'{i} boils quickly but the lid rattles badly.</p></div>{reply}<div class="jdgm-rev__actions">'
                f'<span class="jdgm-rev__votes">{i + 1} people found this helpful</span></div></div>')
    server.page("/jm.html", "<html><body><h1>Kettle</h1><div class='jdgm-rev-widg__reviews'>"
                + "".join(card(i) for i in range(6)) + "</div></body></html>")
    page, = scrape([server.base + "/jm.html"], SETTINGS)
    assert [(r.title, r.reply, r.verified, r.helpful_votes) for r in page.reviews] == [
        (f"Title {i}", f"Sorry to hear that, we sent you a new lid, order {i}." if i % 2 else None,
         True if i % 3 else None, i + 1) for i in range(6)]
    assert main(["sites", "make", server.base + "/jm.html", "-q"]) == 0
    out = capsys.readouterr().out
    assert 'reply = "div.jdgm-rev__reply-content > p"\nverified = ".jdgm-rev__buyer-badge"\nhelpful = ".jdgm-rev__votes"' \
        in out, out
    # a reply picked as "the block's p" would read another <p> of a review without a reply as its reply
    server.page("/feed.html", "<html><body><h1>Watch</h1><ul class='feed'>" + "".join(
        f'<li class="feed-item"><b class="who">Ola {i}</b> <time datetime="2026-03-0{i + 1}">Mar {i + 1}</time>'
        f'<span class="stars" aria-label="{i % 5 + 1} out of 5 stars"></span><div class="content">The strap of watch {i} '
        f'broke within a month of light use.</div>'
        + (f'<blockquote class="response"><time datetime="2026-04-0{i + 1}">Apr {i + 1}</time><p>We are sorry, a new '
           f'strap is on its way to you {i}.</p></blockquote>' if i % 2
           else f'<p>Bought in size M, colour blue, for {i} days.</p>') + "</li>" for i in range(6)) + "</ul></body></html>")
    page, = scrape([server.base + "/feed.html"], SETTINGS)
    assert [(r.reply, r.reply_date and r.reply_date.isoformat(), r.date.isoformat()) for r in page.reviews] == [
        (f"We are sorry, a new strap is on its way to you {i}." if i % 2 else None,
         f"2026-04-0{i + 1}" if i % 2 else None, f"2026-03-0{i + 1}") for i in range(6)]


def test_replies_nested_as_comments_are_the_reviews_replies_not_reviews_or_their_text(server):
    """WordPress threads the shop's answer as a comment inside the review's own li.review: it was read as the review's
    text (the longer one) and no selector fitted, so no review at all was found."""
    server.page("/woo.html", widget_pages.woocommerce(replies=True))
    page, = scrape([server.base + "/woo.html"], SETTINGS)
    want = widget_pages.REVIEWS
    assert [(r.author, r.text, r.reply, r.reply_date and r.reply_date.isoformat(), r.date.isoformat())
            for r in page.reviews] == [
        (w.author, w.text, widget_pages.REPLIES.get(i), f"2026-04-{w.day:02d}" if i in widget_pages.REPLIES else None,
         f"2026-03-{w.day:02d}") for i, w in enumerate(want)]


def test_dates_written_in_other_languages_are_found_and_read(server):
    """The guess knew month names of four languages by their first letters: "1 maart 2026", "1 de marzo de 2026",
    "1 de março de 2026" were no dates (none stored), Turkish "1 Mart 2026" was read in English as February, and a
    Japanese "2026年3月1日" made parse_date raise."""
    from datetime import date, timedelta

    written = {"es": "{d} de marzo de 2026", "nl": "{d} maart 2026", "pt": "{d} de março de 2026", "tr": "{d} Mart 2026",
               "ru": "{d} марта 2026 г.", "fi": "{d}. maaliskuuta 2026", "pl": "{d} marca 2026", "ja": "2026年3月{d}日",
               "ko": "2026년 3월 {d}일", "uk": "{d} березня 2026"}
    for lang, fmt in written.items():
        cards = "".join(f'<div class="opinion"><span class="nick">Cliente {i}</span> <span class="when">'
                        f'{fmt.format(d=i + 1)}</span><span class="stars" aria-label="{i % 5 + 1} out of 5 stars"></span>'
                        f'<p>Tetera número {i}: llegó tarde y la caja estaba rota por completo.</p></div>' for i in range(4))
        server.page(f"/{lang}.html", f'<html lang="{lang}"><body><h1>Tetera</h1><div class="list">{cards}</div></body></html>')
    server.page("/ago.html", '<html lang="es"><body><h1>Tetera</h1><div class="list">' + "".join(
        f'<div class="opinion"><span class="nick">Cliente {i}</span> <span class="when">hace {i + 2} días</span>'
        f'<span class="stars" aria-label="4 out of 5 stars"></span><p>Tetera número {i}: llegó tarde y la caja estaba '
        f'rota.</p></div>' for i in range(4)) + "</div></body></html>")
    pages = list(scrape([f"{server.base}/{lang}.html" for lang in (*written, "ago")], SETTINGS))
    got = {p.url.rsplit("/", 1)[1][:-5]: [r.date for r in p.reviews] for p in pages}
    assert got == {**{lang: [date(2026, 3, d) for d in range(1, 5)] for lang in written},
                   "ago": [date.today() - timedelta(days=i + 2) for i in range(4)]}, got


def test_a_title_that_is_only_a_link_to_the_review_is_read_and_other_links_are_not_titles(server):
    """Tripadvisor's title is a link to the review's own page with no class that says "title"; a link to the product
    before the text, and "Read more" to the review's page after it, are not titles."""
    def block(i: int, title: bool) -> str:
        head = (f'<a class="x9k2" href="/ShowUserReviews-g1-d2-r{i}.html"><span class="q7">Lovely stay {i}</span></a>'
                if title else f'<a class="x9k2" href="/products/kettle-{i}">Acme Kettle {i}</a>')
        return (f'<div class="a1b2"><span class="n3">Guest {i}</span><span class="d4">March {i + 1}, 2026</span>'
                f'<span class="s5" aria-label="{i % 5 + 1} out of 5 stars"></span>{head}<p class="t6">Room {i} was '
                f'quiet and clean, breakfast was fine.</p><a href="/reviews/{i}">Read more</a></div>')
    for path, title in (("/linked.html", True), ("/product-link.html", False)):
        body = "".join(block(i, title) for i in range(5))
        server.page(path, f'<html><body><h1>Hotel</h1><div id="reviews">{body}</div></body></html>')
        pages = list(scrape([server.base + path], SETTINGS))
        assert [(p.strategy, len(p.reviews)) for p in pages] == [("layout", 5)], path
        want = [f"Lovely stay {i}" if title else None for i in range(5)]
        assert [r.title for r in pages[0].reviews] == want, path


def test_a_product_grid_or_a_questions_list_is_not_taken_for_reviews(server):
    server.page("/grid.html", f'<html><body><h1>Kettles</h1><section class="grid">{_tiles()}</section></body></html>')
    server.page("/cards.html", f'<html><body><h1>Kettles</h1><div class="shelf">{_cards()}</div></body></html>')
    qa = "".join(f'<div class="question"><span class="author">Sam {i}</span><span class="when">March {i + 1}, '
                 f'2026</span><p class="q">Does this kettle also work with the 110 volt sockets used in the US?</p>'
                 f'</div>' for i in range(5))
    server.page("/qa.html", f'<html><body><h1>Kettle</h1><section class="questions">{qa}</section></body></html>')
    for path in ("/grid.html", "/cards.html", "/qa.html"):
        pages = list(scrape([server.base + path], SETTINGS))
        assert [len(p.reviews) for p in pages] == [0], path
        assert "and the page's layout" in pages[0].error, pages[0].error


def test_signed_and_dated_texts_without_stars_are_reviews_only_where_the_page_says_so(server):
    posts = "".join(f'<div class="entry"><span class="author">Editor {i}</span><span class="date">May {i + 1}, 2026'
                    f'</span><p class="excerpt">Our team tested five new kettles this month and here is what we '
                    f'found out, number {i}.</p></div>' for i in range(4))
    server.page("/blog.html", f'<html><body><h1>Kettle</h1><div class="latest">{posts}</div></body></html>')
    server.page("/rev.html", f'<html><body><h1>Kettle</h1><div id="customer-reviews">{posts}</div></body></html>')
    assert [len(p.reviews) for p in scrape([server.base + "/blog.html"], SETTINGS)] == [0]
    pages = list(scrape([server.base + "/rev.html"], SETTINGS))
    assert [(p.strategy, len(p.reviews)) for p in pages] == [("layout", 4)]
    assert [(r.author, r.rating) for r in pages[0].reviews][:2] == [("Editor 0", None), ("Editor 1", None)]


def test_a_config_that_no_longer_matches_is_told_what_the_page_now_shows(server, tmp_path):
    """A redesign: the config's review selector finds nothing; the error names the blocks the layout now shows and
    how to make a config of them (the run stays failed: nothing is read by a guess under a config)."""
    server.page("/kettle/p1.html", _page(1, last=1))
    old = tmp_path / "kettle.toml"
    old.write_text('review = ".review-item"\n[fields]\ntext = ".review-text"\n', encoding="utf-8")
    pages = list(scrape([server.base + "/kettle/p1.html"], SETTINGS, site=str(old)))
    assert [len(p.reviews) for p in pages] == [0]
    assert "review selector '.review-item'" in pages[0].error
    assert ("the page now shows 6 review-like blocks ('.review-card'): `reviewlens sites make "
            f"{server.base}/kettle/p1.html -o FILE.toml`") in pages[0].error, pages[0].error


@pytest.mark.real_waits
def test_an_infinite_list_without_a_config_is_scrolled_to_its_end(server):
    """No next link, no button: the page adds reviews when scrolled to its bottom (twice here, then no more)."""
    more = [_card(100 + i, i % 5 + 1) for i in range(12)]
    script = ('<script>var more = ' + json.dumps(more) + ', at = 0; window.addEventListener("scroll", function () {'
              'if (at >= more.length || window.innerHeight + window.scrollY < document.body.scrollHeight - 50) return;'
              'var list = document.querySelector(".list"); setTimeout(function () { for (var k = 0; k < 6; k++) '
              'list.insertAdjacentHTML("beforeend", more[at++]); }, 300); });</script>')
    server.page("/feed.html", _page(1, last=1).replace("</body>", '<div style="height:2000px"></div>' + script + "</body>"))
    pages = list(scrape([server.base + "/feed.html"], SETTINGS))
    ids = [r.site_review_id for p in pages for r in p.reviews]
    assert ids == [f"r{10 + i}" for i in range(6)] + [f"r{100 + i}" for i in range(12)], ids
    assert {p.strategy for p in pages} == {"layout"} and not any(p.error for p in pages)


def test_guess_layout_off_leaves_such_a_page_unread(server):
    server.page("/kettle/p1.html", _page(1, last=1))
    pages = list(scrape([server.base + "/kettle/p1.html"],
                        ScraperSettings(delay=0.0, timeout=10.0, retries=1, guess_layout=False)))
    assert [len(p.reviews) for p in pages] == [0]
    assert "layout" not in pages[0].error


@pytest.fixture
def driver():
    d = make_driver(SETTINGS)
    yield d
    quit_driver(d)


@pytest.mark.parametrize("kind", ["static", "js", "load-more", "scroll"])
def test_on_the_demo_shop_the_guess_reads_what_its_hand_written_configs_read(demo_site, driver, kind):
    """The ground truth: the bundled demo-* configs, written by hand for each layout."""
    import json
    import time

    from reviewlens.app.demo_shop import demo_urls
    from scraper.extract import EXTRACT_LIVE, build_reviews

    url = next(u for u in demo_urls(demo_site) if f"/{kind}/" in u)
    driver.get(url)
    deadline = time.monotonic() + 10
    while (guess := guess_layout(driver, url)).site is None and time.monotonic() < deadline:
        time.sleep(0.3)
    assert guess.site is not None, guess.why

    def read(site):
        raw = site.join_parts(json.loads(driver.execute_script(EXTRACT_LIVE, site.js_config(), {})))
        reviews, problems, _ = build_reviews(raw, page_url=url, source="x", site=site)
        assert not problems, problems
        return [(r.text, r.rating, r.date, r.author, r.title) for r in reviews]

    truth = read(find_site(url))
    assert len(truth) == 10 and read(guess.site) == truth
    # an infinite list is found by scrolling once, the banner that locks scrolling dismissed (as a scrape does
    # after its guess); a page with a next link or a load-more button is not scrolled
    if kind != "static":
        assert guess.site.cookie_banner == "#accept-cookies"
        driver.execute_script("document.querySelector(arguments[0]).click()", guess.site.cookie_banner)
    assert scrolls_for_more(driver, guess) == (kind == "scroll") == guess.site.infinite_scroll
    if kind == "load-more":
        assert guess.site.load_more == "#load-more"


@pytest.fixture(scope="module")
def shop_without_configs():
    """The demo shop at an address no bundled demo config matches (127.0.0.2): a site without a config."""
    from reviewlens.app.demo_shop import start_demo_site

    base, stop = start_demo_site(host="127.0.0.2")
    yield base
    stop()


@pytest.mark.parametrize("kind", ["js", "load-more", "scroll"])
def test_a_script_rendered_shop_without_a_config_is_read_whole_by_its_layout(demo_site, shop_without_configs, kind):
    """Every page or batch after the first: rendered by a script after a next link's navigation (read once the
    blocks are there), behind a cookie banner that takes the load-more click, or added when the page is scrolled
    (found by one scroll, the banner that locks scrolling dismissed). The same reviews as the hand-written
    config reads."""
    from reviewlens.app.demo_shop import demo_urls

    url = next(u for u in demo_urls(demo_site) if f"/{kind}/" in u)
    bare = next(u for u in demo_urls(shop_without_configs) if f"/{kind}/" in u)
    assert find_site(bare) is None
    truth = [(r.text, r.rating, r.date) for p in scrape([url], SETTINGS) for r in p.reviews]
    pages = list(scrape([bare], SETTINGS))
    assert {p.strategy for p in pages} == {"layout"} and not any(p.error for p in pages), [p.error for p in pages]
    assert len(truth) > 40 and [(r.text, r.rating, r.date) for p in pages for r in p.reviews] == truth


def test_sites_make_writes_a_config_that_keeps_the_reviews_identities(server, tmp_path, capsys):
    for n in (1, 2):
        server.page(f"/kettle/p{n}.html", _page(n))
    url = server.base + "/kettle/p1.html"
    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text("[scraper]\ndelay = 0.0\ntimeout = 10.0\nretries = 1\n", encoding="utf-8")
    db = str(tmp_path / "s.db")
    common = ["--config", str(cfg), "--db", db, "-q"]
    assert main(["scrape", url, *common]) == 0  # read by the layout, and the summary says how to keep it
    assert f"read by the page's layout (no structured reviews, no site config); `reviewlens sites make {url} -o " \
        in capsys.readouterr().out
    out = tmp_path / "sites" / "kettle.toml"
    assert main(["sites", "make", url, "-o", str(out), *common]) == 0
    said = capsys.readouterr().out
    assert "6 reviews found, read by site config 'kettle'" in said and "rating       6/6" in said, said
    site = load_site(out)
    assert site.review == ".review-card" and site.fields["rating"] == {"selector": ".stars", "attr": "aria-label"}
    assert site.fetch_in_page and site.wait_for == ".review-card"  # a next link: later pages fetched in the browser
    assert site.source_name == f"127.0.0.1:{server.httpd.server_address[1]}"
    # the kept config reads the same reviews: nothing new, nothing changed
    assert main(["scrape", url, "--site", str(out), "--full", *common]) == 0
    assert "0 new, 12 already seen" in capsys.readouterr().out
    assert Store(db).count_reviews() == 12
    # an existing file is not replaced without --force; a page without reviews makes no config (exit 1)
    assert main(["sites", "make", url, "-o", str(out), *common]) == 2
    # a page that is not there, or a site that is down: said as such, not as a page without reviews
    assert main(["sites", "make", server.base + "/missing.html", *common]) == 1
    assert "missing.html did not load (HTTP 404): nothing to guess from" in capsys.readouterr().err
    import socket

    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    assert main(["sites", "make", f"http://127.0.0.1:{closed}/x", "-o", str(tmp_path / "x.toml"), *common]) == 1
    assert "did not load (net::ERR_CONNECTION_REFUSED)" in capsys.readouterr().err
    assert not (tmp_path / "x.toml").exists()
    server.page("/empty.html", "<html><body><h1>Nothing here</h1></body></html>")
    assert main(["sites", "make", server.base + "/empty.html", *common]) == 1
    assert "no site config could be guessed" in capsys.readouterr().err


def test_reviews_read_by_the_layout_are_the_same_reviews_when_the_page_later_gives_json_ld(server, tmp_path, capsys):
    """The blocks carry their data-review-id; the JSON-LD a script adds later carries none: zero-config's reading of
    the same page stores nothing twice (identities: reviewlens.store.Store.recognise)."""
    url = server.base + "/kettle/p1.html"
    server.page("/kettle/p1.html", _page(1, last=1))
    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text("[scraper]\ndelay = 0.0\ntimeout = 10.0\nretries = 1\n", encoding="utf-8")
    common = ["--config", str(cfg), "--db", str(tmp_path / "s.db"), "-q"]
    assert main(["scrape", url, *common]) == 0
    assert "6 new" in capsys.readouterr().out
    ld = {"@context": "https://schema.org", "@type": "Product", "name": "Acme Kettle", "review": [
        {"@type": "Review", "author": {"@type": "Person", "name": f"Customer {i}"},
         "datePublished": f"2026-03-{i % 28 + 1:02d}", "reviewRating": {"@type": "Rating", "ratingValue": i % 5 + 1},
         "reviewBody": f"Kettle number {i} boils fast but the lid is flimsy and rattles. Second paragraph of review {i}."}
        for i in range(10, 16)]}
    server.page("/kettle/p1.html", _page(1, last=1).replace(
        "</body>", f'<script type="application/ld+json">{json.dumps(ld)}</script></body>'))
    assert main(["scrape", url, "--full", *common]) == 0
    said = capsys.readouterr().out
    assert "0 new, 6 already seen" in said, said
    assert Store(str(tmp_path / "s.db")).count_reviews() == 6


def test_sites_make_without_output_prints_the_config(server, capsys):
    server.page("/kettle/p1.html", _page(1, "icons", last=1))
    assert main(["sites", "make", server.base + "/kettle/p1.html", "-q"]) == 0
    out = capsys.readouterr().out
    assert 'rating = { selector = ".rating i.filled", count = true }' in out, out
    assert out.startswith("# Guessed by `reviewlens sites make`")

