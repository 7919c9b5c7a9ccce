"""Which comes first in a page's numeric dates, zero-config: real Chromium against local pages.

03/04/2026 is 3 April on a German, French or British page and March 4 on an American one. Read month first
everywhere, a German shop's reviews of the 1st to 12th of each month were dated in another month (and those of
the 13th to 31st on their own days, so the trend mixed both). The page's own dates say it when one has a day over
12; else its language (<html lang>); else month first, as before, said once in the run's notes. A review stored
before under the month-first reading is the same review: not stored again, its date set right.
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa

from reviewlens.app import jobs
from reviewlens.config import load_settings
from reviewlens.schema import Review
from reviewlens.store import Store, reviews
from scraper import scrape

ROWS = [("r1", "Jonas", "03/04/2026"), ("r2", "Lena", "05/02/2026"), ("r3", "Aylin", "11/10/2025")]


def _page(rows, lang: str | None = None, nxt: str | None = None) -> str:
    """A shop page with its reviews in JSON-LD, dates as the shop writes them; `lang` on <html>."""
    ld = {"@context": "https://schema.org", "@type": "Product", "name": "Wasserkocher", "review": [
        {"@type": "Review", "author": {"@type": "Person", "name": who}, "datePublished": when,
         "reviewRating": {"@type": "Rating", "ratingValue": 4},
         "reviewBody": f"{who}: kocht schnell, aber der Deckel klemmt nach ein paar Wochen."} for _, who, when in rows]}
    attr = f' lang="{lang}"' if lang else ""
    link = f'<link rel="next" href="{nxt}">' if nxt else ""
    return (f'<html{attr}><head><script type="application/ld+json">{json.dumps(ld)}</script>{link}</head>'
            f'<body><h1>Wasserkocher</h1></body></html>')


def _dates(store: Store) -> dict:
    with store.engine.connect() as c:
        return dict(c.execute(sa.select(reviews.c.author, reviews.c.date)).all())


def _settings(tmp_path, db):
    settings = load_settings(None, db=str(db), data_dir=str(tmp_path / "data"))
    settings.scraper.delay = 0.0
    return settings


def test_a_page_in_german_or_british_english_writes_the_day_first(server, settings):
    server.page("/de", _page(ROWS, "de"))
    server.page("/gb", _page(ROWS, "en-GB"))
    server.page("/us", _page(ROWS, "en-US"))
    pages = list(scrape([f"{server.base}/de", f"{server.base}/gb", f"{server.base}/us"], settings))
    assert [p.error for p in pages] == [None, None, None]
    got = [{r.author: r.date for r in p.reviews} for p in pages]
    day_first = {"Jonas": date(2026, 4, 3), "Lena": date(2026, 2, 5), "Aylin": date(2025, 10, 11)}
    assert got[0] == day_first and got[1] == day_first  # were March 4, May 2 and November 10
    assert got[2] == {"Jonas": date(2026, 3, 4), "Lena": date(2026, 5, 2), "Aylin": date(2025, 11, 10)}
    assert not any(p.notes for p in pages)  # each page said which: nothing to note


def test_a_day_over_12_on_the_page_says_the_day_comes_first_whatever_its_language(server, settings):
    server.page("/p", _page(ROWS + [("r4", "Chloé", "Reviewed 25/03/2026")]))  # no lang
    server.page("/q", _page(ROWS + [("r4", "Chloé", "03/25/2026")], "de"))  # a US widget on a German page
    pages = list(scrape([f"{server.base}/p", f"{server.base}/q"], settings))
    first, second = ({r.author: r.date for r in p.reviews} for p in pages)
    assert first == {"Jonas": date(2026, 4, 3), "Lena": date(2026, 2, 5), "Aylin": date(2025, 10, 11),
                     "Chloé": date(2026, 3, 25)}
    assert second == {"Jonas": date(2026, 3, 4), "Lena": date(2026, 5, 2), "Aylin": date(2025, 11, 10),
                      "Chloé": date(2026, 3, 25)}


def test_nothing_says_which_comes_first_month_first_as_before_and_said_once(server, tmp_path):
    server.page("/a", _page(ROWS[:2], nxt="/b"))
    server.page("/b", _page(ROWS[2:]))
    db = tmp_path / "s.db"
    store = Store(db)
    summary = jobs.run_scrape(store, _settings(tmp_path, db), [f"{server.base}/a"], quiet=True)
    assert summary.status == "ok" and summary.new == 3
    assert _dates(store) == {"Jonas": date(2026, 3, 4), "Lena": date(2026, 5, 2), "Aylin": date(2025, 11, 10)}
    said = [n for n in summary.notes if "read month first" in n]
    assert len(said) == 1 and "03/04/2026 as March 4" in said[0] and 'date_format = "%d/%m/%Y"' in said[0], summary.notes


def test_a_review_stored_under_the_month_first_reading_is_not_stored_again(server, tmp_path):
    db = tmp_path / "s.db"
    store = Store(db)
    source = f"127.0.0.1:{server.base.rsplit(':', 1)[1]}"
    text = "Jonas: kocht schnell, aber der Deckel klemmt nach ein paar Wochen."
    old = Review(source=source, text=text, author="Jonas", date=date(2026, 3, 4), rating=4.0)  # read before
    store.upsert_reviews([old])
    server.page("/de", _page(ROWS[:1], "de"))
    summary = jobs.run_scrape(store, _settings(tmp_path, db), [f"{server.base}/de"], quiet=True)
    assert (summary.new, summary.seen) == (0, 1), summary.line()  # stored a second time, dated 3 April
    with store.engine.connect() as c:
        rows = c.execute(sa.select(reviews.c.id, reviews.c.date)).all()
    assert rows == [(old.id, date(2026, 4, 3))]  # the stored review, its date set right
    assert summary.edited["reviews"] == 0
