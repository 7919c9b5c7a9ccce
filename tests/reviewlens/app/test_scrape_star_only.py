"""Star-only reviews on a scraped page (a review block with a rating and no words: Google's, an app store's, a
shop's "rated 5 stars"): a scrape skipped them, so a scraped product's rating could never be set beside the site's
own, as an imported one's can. They are now kept as an import keeps them, apart from the reviews, and a
star-only review that later gets words is that review. Real Chromium against a local page of JSON-LD reviews."""

from __future__ import annotations

import json
from datetime import date

import pytest

from reviewlens.app import jobs
from reviewlens.config import load_settings
from reviewlens.scorecard import scorecard
from reviewlens.store import Store
from tests.scraper.helpers import LocalSite


def _page(reviews: list[tuple[str, str, int, str]]) -> str:
    """A product page whose JSON-LD holds `reviews` (author, text, stars, day), none with a review id."""
    ld = {"@context": "https://schema.org", "@type": "Product", "name": "Globex Kettle", "review": [
        {"@type": "Review", **({"reviewBody": text} if text else {}), "author": {"@type": "Person", "name": who},
         "datePublished": day, "reviewRating": {"@type": "Rating", "ratingValue": stars, "bestRating": 5}}
        for who, text, stars, day in reviews]}
    return (f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head>'
            f'<body><h1>Globex Kettle</h1></body></html>')


WORDS = [("Cy", "The lid broke after a week.", 2, "2026-11-01"), ("Di", "Leaks from the base.", 1, "2026-11-04"),
         ("Ed", "Slow to boil, loud too.", 2, "2026-11-05"), ("Flo", "Fine, but the cord is short.", 3, "2026-11-06")]
STARS = [("Ann", "", 5, "2026-11-02"), ("Bo", "", 4, "2026-11-03")]


@pytest.fixture
def site():
    s = LocalSite()
    yield s
    s.close()


def test_a_scrape_keeps_the_ratings_without_words_and_one_given_words_later_is_that_review(site, tmp_path):
    site.page("/kettle", _page(WORDS[:2] + STARS + WORDS[2:]))
    settings = load_settings(None, db=str(tmp_path / "s.db"), data_dir=str(tmp_path / "data"))
    settings.scraper.delay = 0.0
    store = Store(settings.db)
    url = site.base + "/kettle"

    first = jobs.run_scrape(store, settings, [url], quiet=True)
    assert (first.status, first.reviews, first.star_only, first.star_only_new, first.skipped) == ("ok", 4, 2, 2, 0)
    assert "2 ratings without a text (star-only reviews), 4.5★ on average: kept as ratings, not as reviews" in first.line()
    assert store.star_rating_stats("product") == {"Globex Kettle": (2, 9.0, 41.0)}
    assert sorted(r["date"] for r in store.iter_star_ratings()) == [date(2026, 11, 2), date(2026, 11, 3)]
    (row,) = scorecard(store).rows
    assert row.avg_rating == pytest.approx(2.0) and row.all_rating == pytest.approx((8 + 9) / 6)

    again = jobs.run_scrape(store, settings, [url], quiet=True)  # the same page next week: nothing twice
    assert (again.star_only, again.star_only_new) == (2, 0) and "(0 new)" in again.line()
    assert store.star_rating_stats("product")["Globex Kettle"][0] == 2

    # Ann gives her five stars words: a review now, no longer also a rating
    site.page("/kettle", _page(WORDS[:2] + [("Ann", "Boils fast and quietly, love it.", 5, "2026-11-02"), STARS[1]]
                               + WORDS[2:]))
    jobs.run_scrape(store, settings, [url], quiet=True)
    assert store.count_reviews() == 5 and store.star_rating_stats("product") == {"Globex Kettle": (1, 4.0, 16.0)}
    (row,) = scorecard(store).rows
    assert row.reviews == 5 and row.all_rating == pytest.approx((8 + 5 + 4) / 6)


def test_a_page_of_blocks_without_words_is_not_kept_as_ratings(site, tmp_path):
    """Every block without a text (a text the extraction no longer finds): a page error, as before, and none of
    it stored as ratings without words."""
    site.page("/kettle", _page([(who, "", stars, day) for who, _, stars, day in WORDS]))
    settings = load_settings(None, db=str(tmp_path / "s.db"), data_dir=str(tmp_path / "data"))
    settings.scraper.delay = 0.0
    store = Store(settings.db)
    res = jobs.run_scrape(store, settings, [site.base + "/kettle"], quiet=True)
    assert res.status == "failed" and res.star_only == 0 and list(store.iter_star_ratings()) == []
