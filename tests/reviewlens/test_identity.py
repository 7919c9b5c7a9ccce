"""A review's identity when the site gives no review id: a date counted back from the day of the scrape
("2 weeks ago") takes no part in it, so the same review is recognised however that date drifts; and stores
written while it did (the date then worked out in the identity) keep their reviews recognised."""

from __future__ import annotations

from datetime import date, timedelta

from reviewlens.schema import Review, review_identity
from reviewlens.store import Store
from scraper.extract import build_reviews

TODAY = date.today()
URL = "https://shop.example/p/kettle"
CARDS = [  # what the page says of its reviews, as the extractor reads them (no site id)
    {"text": "The lid cracked after two weeks.", "author": "Anna K.", "rating": "2", "date": "2 weeks ago"},
    {"text": "Boils really fast.", "author": "Ben T.", "rating": "5", "date": "1 month ago"},
    {"text": "Great value.", "author": "Chloe R.", "rating": "4", "date": "yesterday"},
    {"text": "Leaks from the bottom.", "author": "Dev P.", "rating": "1", "date": "12 March 2026"},
]


def scraped(cards=CARDS, days_later: int = 0, source: str = "shop") -> list[Review]:
    """The reviews a scrape `days_later` days from now reads from `cards`."""
    reviews, problems, _ = build_reviews({"reviews": [dict(c) for c in cards]}, page_url=URL, source=source, site=None,
                                      today=TODAY + timedelta(days=days_later))
    assert not problems, problems
    return reviews


def test_a_relative_date_that_moves_to_another_day_keeps_the_identity():
    first, later = scraped(), scraped(days_later=3)
    assert [r.date for r in first] != [r.date for r in later]  # "2 weeks ago" is another day three days later
    assert [r.id for r in first] == [r.id for r in later]
    # a month on, the page says it coarser: still the same reviews
    older = scraped([{**c, "date": {"2 weeks ago": "6 weeks ago", "1 month ago": "2 months ago",
                                    "yesterday": "1 month ago"}.get(c["date"], c["date"])} for c in CARDS],
                    days_later=30)
    assert [r.id for r in older] == [r.id for r in first]
    # a calendar date still tells two reviews with the same words apart
    a, b = scraped([{**CARDS[3], "date": "12 March 2026"}, {**CARDS[3], "date": "14 March 2026"}])
    assert a.id != b.id
    from scraper.normalize import is_relative_date

    assert [is_relative_date(s) for s in ("2 weeks ago", "yesterday", "Today", "12 March 2026", "2026-03-12",
                                          None, "")] == [True, True, True, False, False, False, False]


def test_the_same_review_scraped_days_later_is_not_stored_twice(tmp_path):
    store = Store(tmp_path / "s.db")
    assert store.upsert_reviews(scraped()) == (4, 0)
    assert store.upsert_reviews(scraped(days_later=3)) == (0, 4)
    assert store.count_reviews() == 4


def _write_as_before(store: Store, days_ago: int = 3) -> None:
    """What a version that hashed the relative date into the identity stored `days_ago` days ago."""
    then = scraped(days_later=-days_ago)
    for r in then:  # the identity it gave them: source, author, the date worked out that day, text
        r.id = review_identity(r.source, None, r.author, r.date, r.text)
    store.upsert_reviews(then)


def test_a_store_written_before_keeps_its_reviews_recognised(store):  # SQLite and PostgreSQL
    _write_as_before(store)
    stored = dict(store.reviews_frame()[["text", "id"]].itertuples(index=False))
    again = scraped()
    # the scrape's "page already seen" asks before storing: the page is seen, every review under its stored id
    assert store.recognise(again) == 3  # the three with a relative date; the calendar-dated one is unchanged
    assert store.known_ids(r.id for r in again) == {r.id for r in again}
    assert {r.text: r.id for r in again} == stored
    assert store.upsert_reviews(scraped()) == (0, 4) and store.count_reviews() == 4
    # a month on (the page says it coarser), still recognised
    later = scraped([{**c, "date": {"2 weeks ago": "6 weeks ago", "1 month ago": "2 months ago",
                                    "yesterday": "1 month ago"}.get(c["date"], c["date"])} for c in CARDS],
                    days_later=30)
    assert store.upsert_reviews(later) == (0, 4) and store.count_reviews() == 4


def test_a_new_review_with_the_words_of_an_old_one_is_new(tmp_path):
    # "Great value." by the same name, stored a year ago (a calendar date) and said again "yesterday": another review
    store = Store(tmp_path / "s.db")
    store.upsert_reviews([Review(source="shop", text="Great value.", author="Chloe R.", url=URL,
                                 date=TODAY - timedelta(days=400))])
    assert store.upsert_reviews(scraped([CARDS[2]])) == (1, 0)


def test_a_relative_date_never_replaces_a_stored_date_and_a_calendar_date_does(store):  # SQLite and PostgreSQL
    card = {"text": "Stopped working.", "author": "Elif S.", "rating": "1"}
    store.upsert_reviews(scraped([{**card, "date": "3 days ago"}]))
    first = TODAY - timedelta(days=3)
    # a month on the page says "1 month ago" (30 days before then): the nearer date seen first is kept
    store.upsert_reviews(scraped([{**card, "date": "1 month ago"}], days_later=30))
    assert store.reviews_frame()["date"].tolist() == [first]
    # the site shows older reviews with their calendar date: the same review, its date now exact
    exact = first - timedelta(days=1)
    assert store.upsert_reviews(scraped([{**card, "date": exact.strftime("%d %B %Y")}], days_later=30)) == (0, 1)
    assert store.reviews_frame()["date"].tolist() == [exact] and store.count_reviews() == 1


def test_one_page_read_with_and_without_the_sites_review_ids_is_one_set_of_reviews(store):  # SQLite and PostgreSQL
    """A review widget's blocks read by the page's layout carry their data-review-id; the JSON-LD a script adds in
    another run carries none (or a config kept later reads the ids zero-config did not): the same reviews."""
    with_ids = [{**c, "id": f"r{i}"} for i, c in enumerate(CARDS)]
    assert store.upsert_reviews(scraped(with_ids)) == (4, 0)
    assert store.upsert_reviews(scraped(CARDS, days_later=2)) == (0, 4)
    assert store.upsert_reviews(scraped(with_ids, days_later=3)) == (0, 4)
    assert store.count_reviews() == 4
    # the other way round, on another source: stored without ids first
    assert store.upsert_reviews(scraped(CARDS, source="other")) == (4, 0)
    assert store.upsert_reviews(scraped(with_ids, source="other")) == (0, 4)
    assert store.count_reviews() == 8
    # two stored reviews alike but for their ids: a read without ids is neither of them
    twins = [{**CARDS[3], "id": "a"}, {**CARDS[3], "id": "b"}]
    assert store.upsert_reviews(scraped(twins, source="twins")) == (2, 0)
    assert store.upsert_reviews(scraped([CARDS[3]], source="twins")) == (1, 0)
    # another date is another review
    assert store.upsert_reviews(scraped([{**CARDS[3], "date": "13 March 2026"}])) == (1, 0)
