"""Scraped reviews into the real store (SQLite and PostgreSQL): a re-scrape adds no duplicates, and an
incremental scrape stops at the first page it has fully seen."""

from __future__ import annotations

from reviewlens.config import ScraperSettings
from scraper import scrape
from tests.helpers import count_rows


def test_rescrape_adds_no_duplicates_and_incremental_stops(store, demo_site, truth):
    settings = ScraperSettings(delay=0.0, timeout=10.0, retries=2, max_pages=50)
    urls = [demo_site + "/jsonld/brewmaster-coffee-maker", demo_site + "/microdata/stride-running-shoes"]
    want = sum(1 for r in truth["reviews"] if r["product"] in ("brewmaster-coffee-maker", "stride-running-shoes"))
    new_total = 0
    ids = {}  # site review id -> store id
    for page in scrape(urls, settings):
        new, seen = store.upsert_reviews(page.reviews)
        new_total += new
        ids.update((r.site_review_id, r.id) for r in page.reviews)
    assert new_total == want == count_rows(store)

    again_new = again_seen = 0
    for page in scrape(urls, settings):
        new, seen = store.upsert_reviews(page.reviews)
        again_new += new
        again_seen += seen
    assert (again_new, again_seen) == (0, want) and count_rows(store) == want

    crawl = scrape(urls, settings)
    pages = []
    for page in crawl:  # the scrape job's rule: a page whose reviews are all stored ends its start URL
        pages.append(page)
        if len(store.known_ids(r.id for r in page.reviews)) == len({r.id for r in page.reviews}):
            crawl.stop(page.start_url)
    assert len(pages) == 2  # one page per start URL, then stop
    frame = store.reviews_frame().set_index("id")
    stored = {site_id: frame.loc[i] for site_id, i in ids.items()}
    t = truth["by_id"]["BCM-1051"]
    assert stored["BCM-1051"].rating == t["rating"] and stored["BCM-1051"].date.isoformat() == t["date"]
    hostile = next(r for r in truth["reviews"] if r["hostile"] == "html_injection")
    assert stored[hostile["id"]].text == hostile["text"]
