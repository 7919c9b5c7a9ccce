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
