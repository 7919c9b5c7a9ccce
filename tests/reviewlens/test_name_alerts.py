"""The name alert (`[alerts] name_complaints`): reviews of the last period that speak badly of one person,
company or place, quoted and linked to the reviews that name it, once a week; and the weekly summary's line
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from urllib.parse import parse_qs, urlsplit

from reviewlens.alerts import find_alerts
from reviewlens.config import AlertSettings
from reviewlens.schema import Analysis, Entity, Review
from reviewlens.views import from_query

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)  # a Tuesday: the last whole week is 2 to 8 November

ROWS = [  # text, rating, day, review sentiment, [(name, type, what the clause says)]
    ("Jonas at the door was rude to us. The pizza was great.", 4, "2026-11-02", "positive",
     [("Jonas", "PERSON", "negative")]),
    ("Jonas ignored us for twenty minutes.", 1, "2026-11-04", "negative", [("Jonas", "PERSON", "negative")]),
    ("Lovely food, but Jonas argued about the bill.", 3, "2026-11-06", "neutral", [("Jonas", "PERSON", "negative")]),
    ("Marco was lovely, Jonas was fine.", 5, "2026-11-07", "positive",
     [("Marco", "PERSON", "positive"), ("Jonas", "PERSON", "neutral")]),
    ("Uber Eats lost our order.", 2, "2026-11-05", "negative", [("Uber Eats", "ORG", "negative")]),
    ("Uber Eats was late again.", 2, "2026-11-06", "negative", [("Uber Eats", "ORG", "negative")]),
    # a product spoken badly of is the competitor rule's
    ("Much better than the Sony WH-1000XM4.", 5, "2026-11-03", "positive",
     [("Sony WH-1000XM4", "PRODUCT", "negative")]),
    ("Worse than my old Sony WH-1000XM4.", 1, "2026-11-04", "negative", [("Sony WH-1000XM4", "PRODUCT", "negative")]),
    ("The Sony WH-1000XM4 broke.", 1, "2026-11-05", "negative", [("Sony WH-1000XM4", "PRODUCT", "negative")]),
    # a week earlier: not in the period
    ("Jonas was rude in October too.", 1, "2026-10-20", "negative", [("Jonas", "PERSON", "negative")]),
]


def seed(store) -> None:
    revs = [Review(source="site", text=t, product="Trattoria", rating=r, date=date.fromisoformat(d),
                   site_review_id=str(i)) for i, (t, r, d, *_x) in enumerate(ROWS)]
    store.upsert_reviews(revs)
    store.save_analyses([
        Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment=s,
                 entities=[Entity(n, k, t.index(n), t.index(n) + len(n), sentiment=said) for n, k, said in names])
        for r, (t, _, _, s, names) in zip(revs, ROWS)])


def test_reviews_speaking_badly_of_a_name(store):
    seed(store)
    rules = AlertSettings(dashboard_url="https://reviews.acme.example/")
    (a,) = [a for a in find_alerts(store, rules, NOW) if a.kind == "name"]  # Uber Eats: 2, fewer than 3
    assert a.title == "Reviews speaking badly of Jonas" and a.key == "name:jonas:2026-W45"
    assert a.lines[0] == ("2026-11-01 to 2026-11-07: 3 reviews speak badly of Jonas (person); 4 reviews name them, "
                          "rated 3.2★ on average.")
    assert [q["text"] for q in a.quotes] == ["Lovely food, but Jonas argued about the bill.",
                                             "Jonas ignored us for twenty minutes.",
                                             "Jonas at the door was rude to us."]
    view, _ = from_query(parse_qs(urlsplit(a.link).query))
    assert view.page == "Reviews" and view.filters.mentions == ("Jonas",) and view.filters.said == "negative"
    assert (view.filters.since, view.filters.until) == (date(2026, 11, 1), date(2026, 11, 7))
    assert store.add_alert(a.key, a.kind, a.title, a.body(), [], a.review_ids) is not None
    assert store.add_alert(a.key, a.kind, a.title, a.body(), [], a.review_ids) is None  # once a week per name
    two = [a.title for a in find_alerts(store, AlertSettings(name_complaints=2), NOW) if a.kind == "name"]
    assert two == ["Reviews speaking badly of Jonas", "Reviews speaking badly of Uber Eats"]  # not the product
    assert [x for x in find_alerts(store, AlertSettings(name_complaints=0), NOW) if x.kind == "name"] == []


def test_the_summary_names_who_is_spoken_badly_of(store):
    seed(store)
    (summary,) = [a for a in find_alerts(store, AlertSettings(), NOW) if a.kind == "summary"]
    assert "Spoken badly of: Jonas (3 reviews); Uber Eats (2 reviews)" in summary.lines, summary.lines

