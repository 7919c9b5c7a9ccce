"""Scores out of 10 and dates in other languages, zero-config: real Chromium against local pages.

A page of scores out of 10 (Booking-like page state, `reviewScore: 8.0`) is read on one scale, whether the page
states it (an AggregateRating's bestRating) or not (a score above 5 says it; the run's notes then say so, once):
read score by score, 8/10 became 4 stars and 4/10 stayed 4 stars. German and French dates are read as the dates
they are ("12. März 2026" was 1 December), and a relative one ("vor 2 Wochen") is no part of a review's identity,
so a weekly run does not store the review again. Relative dates in page state under a camelCase key
(`relativePublishTimeDescription`, Google Places) are read.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa

from reviewlens.app import jobs
from reviewlens.config import load_settings
from reviewlens.store import Store, reviews
from scraper import scrape

SCORES = [("bk1", "Peter", 8.0, "12. März 2026"), ("bk2", "Kenji", 4.0, "3 April 2026"),
          ("bk3", "Oliver", 2.5, "5 mars 2026"), ("bk4", "Grace", 6.0, "vor 2 Wochen")]
TEXTS = {"bk1": "The room was tiny and the shower drained slowly.",
         "bk2": "Construction noise from 7 am, nobody told us when we booked.",
         "bk3": "Overpriced for what you get. Hair in the bathroom, towels not changed.",
         "bk4": "Check-in took 40 minutes, the queue went out of the door."}


def _hotel(reviews, best: int | None = 10, nxt: str | None = None) -> str:
    """A Booking-like hotel page: reviews in page state, scores out of 10; JSON-LD AggregateRating (bestRating)."""
    state = {"hotel": {"name": "Hotel Am Bahnhof", "reviewScore": 7.4, "reviewCount": 6}, "reviews": [
        {"reviewId": rid, "guest": {"name": who, "countryName": "Germany"}, "reviewScore": score,
         "title": "Stay", "negativeText": TEXTS[rid], "reviewedDate": when} for rid, who, score, when in reviews]}
    agg = {"@type": "AggregateRating", "ratingValue": 7.4, "reviewCount": 6}
    if best is not None:
        agg["bestRating"] = best
    ld = {"@context": "https://schema.org", "@type": "Hotel", "name": "Hotel Am Bahnhof", "aggregateRating": agg}
    link = f'<link rel="next" href="{nxt}">' if nxt else ""
    return (f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script>{link}</head><body>'
            f'<h1>Hotel Am Bahnhof</h1><script>window.__BOOKING_STATE__ = {json.dumps(state)};</script></body></html>')


def _stored(store: Store, column: str) -> dict:
    """The stored reviews' `column` by author."""
    with store.engine.connect() as c:
        return dict(c.execute(sa.select(reviews.c.author, reviews.c[column])).all())


def _settings(tmp_path, db):
    settings = load_settings(None, db=str(db), data_dir=str(tmp_path / "data"))
    settings.scraper.delay = 0.0
    return settings


def test_scores_out_of_10_stated_by_the_page_are_all_read_out_of_10(server, settings):
    server.page("/h1", _hotel(SCORES))
    server.page("/h2", _hotel(SCORES[1:3]))  # only scores of 5 or less: the page's bestRating says out of 10
    pages = list(scrape([f"{server.base}/h1", f"{server.base}/h2"], settings))
    assert [p.error for p in pages] == [None, None]
    got = {(p.url.rsplit("/", 1)[1], r.author): r.rating for p in pages for r in p.reviews}
    assert got == {("h1", "Peter"): 4.0, ("h1", "Kenji"): 2.0, ("h1", "Oliver"): 1.25, ("h1", "Grace"): 3.0,
                   ("h2", "Kenji"): 2.0, ("h2", "Oliver"): 1.25}  # 4/10 was 4 stars, 2.5/10 was 2.5
    assert not any(p.notes for p in pages)  # stated: nothing to say


def test_a_scale_guessed_from_the_scores_is_the_same_for_the_page_and_said_once(server, tmp_path):
    server.page("/g1", _hotel(SCORES[:2], best=None, nxt="/g2"))
    server.page("/g2", _hotel(SCORES[2:], best=None))
    db = tmp_path / "s.db"
    settings, store = _settings(tmp_path, db), Store(db)
    summary = jobs.run_scrape(store, settings, [f"{server.base}/g1"], quiet=True)
    assert summary.status == "ok" and summary.pages == 2 and summary.new == 4
    assert _stored(store, "rating") == {"Peter": 4.0, "Kenji": 2.0, "Oliver": 1.25, "Grace": 3.0}
    said = [n for n in summary.notes if "out of 10" in n]
    assert len(said) == 1 and "states no scale" in said[0] and "rating_scale" in said[0], summary.notes
    assert "out of 10" in summary.line()


def test_dates_in_german_and_french_are_read_and_a_relative_one_stores_no_second_review(server, tmp_path):
    def page(weeks: int) -> str:
        rows = [("Priya", "12. März 2026"), ("Claire", "5 mars 2026"), ("Anna", f"vor {weeks} Wochen"),
                ("Tom", f"{weeks + 1} weeks ago"), ("Hugo", "il y a 3 jours"), ("Jonas", "03/04/2026")]
        body = "".join(
            f'<div itemprop="review" itemscope itemtype="https://schema.org/Review"><span itemprop="author">{a}</span>'
            f'<span itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">'
            f'<span itemprop="ratingValue">4</span></span><span itemprop="datePublished">{d}</span>'
            f'<p itemprop="reviewBody">{a} wrote this review about the kettle, which boils fast.</p></div>'
            for a, d in rows)
        return (f'<html><body><div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Kettle</h1>'
                f'{body}</div></body></html>')

    server.page("/k", page(2))
    db = tmp_path / "s.db"
    settings, store = _settings(tmp_path, db), Store(db)
    first = jobs.run_scrape(store, settings, [f"{server.base}/k"], quiet=True)
    today = date.today()
    assert _stored(store, "date") == {"Priya": date(2026, 3, 12), "Claire": date(2026, 3, 5), "Anna": today - timedelta(days=14),
                     "Tom": today - timedelta(days=21), "Hugo": today - timedelta(days=3),
                     "Jonas": date(2026, 3, 4)}  # a numeric date as before (month first without a date_format)
    assert first.new == 6
    server.page("/k", page(3))  # a week later the page says "vor 3 Wochen"
    second = jobs.run_scrape(store, settings, [f"{server.base}/k"], quiet=True)
    assert (second.new, second.seen) == (0, 6)  # Anna's review was stored a second time
    with store.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(reviews)).scalar() == 6


def test_relative_dates_in_page_state_under_a_camelcase_key(server, settings):
    """Google-Places-shaped state: relativePublishTimeDescription "3 weeks ago" (all 8 were stored without a date)."""
    ago = [("2 days ago", 2), ("a week ago", 7), ("3 weeks ago", 21), ("vor 2 Wochen", 14)]
    state = {"place": {"displayName": {"text": "Kaffee Klatsch"}, "rating": 4.2, "userRatingCount": 318, "reviews": [
        {"name": f"places/ChIJ123/reviews/Ci9{i}", "relativePublishTimeDescription": when, "rating": 4,
         "text": {"text": f"Review {i}: good coffee, friendly staff, a bit loud at lunchtime.", "languageCode": "en"},
         "authorAttribution": {"displayName": f"Guest {i}", "uri": f"https://www.google.com/maps/contrib/{i}"}}
        for i, (when, _) in enumerate(ago)]}}
    server.page("/place", f'<html><body><h1>Kaffee Klatsch</h1><script>window.__INITIAL_STATE__ = '
                          f'{json.dumps(state)};</script></body></html>')
    pages = list(scrape([f"{server.base}/place"], settings))
    assert pages[0].error is None and pages[0].strategy == "state"
    today = date.today()
    got = {r.author: (r.date, r.date_relative) for r in pages[0].reviews}
    assert got == {f"Guest {i}": (today - timedelta(days=days), True) for i, (_, days) in enumerate(ago)}
