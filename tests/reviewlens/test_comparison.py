"""Comparison (reviewlens.comparison and `reviewlens compare`) on a seeded store, SQLite and PostgreSQL:
the numbers per group, the differences it names and the ones it does not."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from reviewlens.comparison import compare
from reviewlens.filters import Filters
from reviewlens.schema import Analysis, Review, TopicMention

NEWEST = date(2026, 11, 20)


def seed(store) -> None:
    """Kettle: 40 reviews, half negative about delivery, rated 2 or 3. Toaster: 40 reviews, 2 negative about
    delivery, rated 4 or 5. Both: 4 negative about price (no real difference). Mug: 3 reviews."""
    items, analyses = [], []
    for product, n_delivery, ratings in (("Kettle", 20, (2, 3)), ("Toaster", 2, (4, 5)), ("Mug", 0, (4, 4))):
        count = 3 if product == "Mug" else 40
        for i in range(count):
            r = Review(source="shop" if i % 2 else "market", text=f"{product} review {i}", product=product,
                       rating=ratings[i % 2], date=NEWEST - timedelta(days=i))
            topics = []
            if i < n_delivery:
                topics.append(TopicMention("delivery", "negative"))
            if 30 <= i < 34:
                topics.append(TopicMention("price", "negative"))
            if i >= 36:
                topics.append(TopicMention("quality", "positive"))
            items.append(r)
            analyses.append(Analysis(content_hash=r.content_hash, model="m", prompt_version="v",
                                     sentiment="negative" if topics and topics[0].sentiment == "negative" else "positive",
                                     topics=topics))
    store.upsert_reviews(items)
    store.save_analyses(analyses)


def test_compare_products_names_the_real_difference_only(store):
    seed(store)
    c = compare(store, "product", top=2)
    assert [g.name for g in c.groups] == ["Kettle", "Toaster"]  # the two with most reviews
    table = c.table()
    assert table.loc["Reviews"].tolist() == [40, 40]
    assert table.loc["Average rating"].tolist() == [2.5, 4.5]
    assert table.loc["Delivery: % complaining"].tolist() == [50.0, 5.0]
    assert table.loc["Price: % complaining"].tolist() == [10.0, 10.0]
    assert table.loc["Quality: % complaining"].tolist() == [0.0, 0.0]
    gaps = c.gaps()
    assert [g.what for g in gaps] == ["rating", "delivery"]  # not price: the same for both
    assert gaps[1].worse == "Kettle" and gaps[1].better == "Toaster" and gaps[1].p < 0.001
    assert gaps[1].text().startswith("Delivery: 50% of reviews complain about it for Kettle vs 5% for Toaster")
    assert gaps[0].text().startswith("Rating: Kettle 2.50★ vs Toaster 4.50★ (2.00★ lower")


def test_small_groups_do_not_make_differences(store):
    seed(store)
    c = compare(store, "product", names=["Toaster", "Mug"])
    assert c.table().loc["Delivery: % complaining"].tolist() == [5.0, 0.0]
    assert c.gaps() == []  # 5% of 40 vs 0% of 3 reviews, 4.5 vs 4.0 stars: too few to tell


def test_compare_sources_and_periods(store):
    seed(store)
    by_source = compare(store, "source", Filters.of(products=["Kettle"]))
    assert sorted(g.name for g in by_source.groups) == ["market", "shop"]
    assert sum(by_source.table().loc["Reviews"]) == 40
    f = Filters.of(since=NEWEST - timedelta(days=9), until=NEWEST, products=["Kettle"])
    periods = compare(store, "period", f)
    assert [g.name for g in periods.groups] == ["2026-11-11 to 2026-11-20", "2026-11-01 to 2026-11-10"]
    assert periods.table().loc["Delivery: % complaining"].tolist() == [100.0, 100.0]
    with pytest.raises(ValueError, match="needs a period"):
        compare(store, "period")
    with pytest.raises(ValueError, match="cannot compare by 'colour'"):
        compare(store, "colour")


def test_compare_command(tmp_path, capsys):
    from reviewlens.app.cli import main
    from reviewlens.store import Store

    db = str(tmp_path / "c.db")
    seed(Store(db))
    assert main(["compare", "--top", "2", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "A = Kettle" in out and "B = Toaster" in out
    assert "Delivery: 50% of reviews complain about it for Kettle vs 5% for Toaster" in out
    assert main(["compare", "--by", "period", "--days", "10", "--product", "Kettle", "--json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by"] == "period" and [g["Reviews"] for g in data["groups"]] == [10.0, 10.0]
    assert main(["compare", "--since", "2026-11-20", "--until", "2026-11-01", "--db", db]) == 2
    capsys.readouterr()
    assert main(["compare", "--product", "Nothing", "--product", "Else", "--db", db]) == 2
    assert "--product 'Nothing': no review in the store is about that product" in capsys.readouterr().err
    assert main(["compare", "--since", "2030-01-01", "--db", db]) == 0
    assert "no reviews to compare" in capsys.readouterr().out


def test_the_extreme_of_several_groups_must_beat_every_pair():
    """The worst and the best of 4 groups are picked after looking: 20% vs 10% of 100 reviews (p = 0.048) would
    pass a test counted once, but not one counted for each of the 6 pairs."""
    from reviewlens.comparison import Comparison, Group
    from reviewlens.queries import Headline, RatingStats

    def group(name, negative):
        return Group(name=name, filters=Filters(), rating=RatingStats(0, 0.0, 0.0), topics={"delivery": (negative, negative)},
                     headline=Headline(reviews=100, avg_rating=None, share_negative=None, net_sentiment=None,
                                       analyzed=100))

    two = Comparison("product", [group("A", 20), group("B", 10)])
    assert [g.worse for g in two.gaps()] == ["A"]  # one pair: 0.048 <= 0.05
    four = Comparison("product", [group("A", 20), group("B", 10), group("C", 12), group("D", 11)])
    assert four.gaps() == []


def test_strengths_are_compared_apart_from_complaints(store):
    """Toaster reviews praise its quality five times as often as the kettle's: a difference named as a strength
    (after the complaints, which it does not change), with its own row in the table."""
    items, analyses = [], []
    for product, praised in (("Kettle", 4), ("Toaster", 24)):
        for i in range(40):
            r = Review(source="shop", text=f"{product} note {i}", product=product, rating=4, date=NEWEST - timedelta(days=i))
            topics = [TopicMention("quality", "positive")] if i < praised else []
            if i >= 36:
                topics.append(TopicMention("delivery", "negative"))
            items.append(r)
            analyses.append(Analysis(content_hash=r.content_hash, model="m", prompt_version="v",
                                     sentiment="positive", topics=topics))
    store.upsert_reviews(items)
    store.save_analyses(analyses)
    c = compare(store, "product", names=["Kettle", "Toaster"])
    table = c.table()
    assert table.loc["Quality: % praising"].tolist() == [10.0, 60.0]
    assert table.loc["Delivery: % complaining"].tolist() == [10.0, 10.0] and "Delivery: % praising" not in table.index
    [gap] = c.gaps()
    assert gap.what == "praise:quality" and gap.better == "Toaster" and gap.worse == "Kettle" and gap.p < 0.001
    assert gap.text().startswith("Quality: 60% of reviews praise it for Toaster vs 10% for Kettle (50 points")


def test_a_topic_that_tripled_in_two_of_five_versions_is_named():
    """`compare --by version` on an app whose 4.2 broke it: Bugs 14-20% of the reviews of 4.0.1-4.1.2, 50% of
    4.2.0's and 4.2.1's (30-43 reviews each). Counting every pair of every topic as a test of its own (90 tests)
    named only the rating; the topic's shares are tested together, then its extreme pair among its 10 pairs.
    Topics whose shares move by chance (Ads, Pricing) stay unnamed, and so does a steady store's."""
    from reviewlens.comparison import Comparison, Group
    from reviewlens.queries import Headline, RatingStats

    versions = {"4.0.1": (43, 2.84), "4.1.0": (28, 3.07), "4.1.2": (41, 3.41), "4.2.0": (30, 2.17), "4.2.1": (39, 2.08)}
    complaints = {"bugs": [7, 4, 8, 15, 20], "pricing": [6, 2, 4, 2, 5], "performance": [2, 5, 5, 6, 0],
                  "account": [8, 4, 0, 1, 2], "ads": [3, 2, 2, 2, 1], "usability": [2, 0, 1, 0, 0],
                  "support": [1, 0, 2, 0, 1]}

    def group(i, name, n, mean, counts):
        return Group(name=name, filters=Filters(), rating=RatingStats(n, mean, 2.0),
                     topics={t: (ks[i], ks[i]) for t, ks in counts.items()},
                     headline=Headline(reviews=n, avg_rating=mean, share_negative=None, net_sentiment=None, analyzed=n))

    c = Comparison("version", [group(i, v, n, m, complaints) for i, (v, (n, m)) in enumerate(versions.items())])
    gaps = c.gaps()
    assert [g.what for g in gaps] == ["rating", "bugs"]
    assert gaps[1].text().startswith("Bugs: 51% of reviews complain about it for 4.2.1 vs 14% for 4.1.0 (37 points")
    steady = {"bugs": [7, 5, 6, 5, 7], "ads": [3, 4, 2, 1, 3]}
    flat = Comparison("version", [group(i, v, 40, 3.4, steady) for i, v in enumerate(versions)])
    assert flat.gaps() == []


def test_shares_of_few_analyzed_reviews_are_said_and_make_no_difference(store):
    """A retailer's store with most reviews not analyzed yet: the shares rest on the newest few analyzed, so the
    table says how many (an Analyzed row), a note above it says so, and no complaint difference is named from them
    ("47% complain ..., p < 0.001" under "Reviews 25,635" of which 99 were analyzed)."""
    seed(store)
    store.upsert_reviews([Review(source="shop", text=f"Kettle old review {i}", product="Kettle", rating=3,
                                 date=NEWEST - timedelta(days=100 + i % 300)) for i in range(400)])
    c = compare(store, "product", top=2)
    table = c.table()
    assert table.loc["Reviews"].tolist() == [440, 40] and table.loc["Analyzed"].tolist() == [40, 40]
    assert table.loc["Delivery: % complaining"].tolist() == [50.0, 5.0]  # of the analyzed: shown, not hidden
    assert [g.what for g in c.gaps()] == ["rating"]  # the rating is of all rated reviews; delivery not named
    note = c.coverage_note()
    assert note.startswith("Few reviews analyzed: Kettle 40 of 440.") and "under 80%" in note
    text = c.text()
    assert "Few reviews analyzed: A 40 of 440." in text.split("Reviews ", 1)[0]  # above the table
    assert "Analyzed " in text and "Delivery: 50%" not in text
    assert c.as_dict()["coverage_note"] == note
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="v", sentiment="neutral",
                                  topics=[TopicMention("delivery", "negative")] * (i % 2))
                         for i, r in enumerate(store.pending_analysis("m", "v"))])
    full = compare(store, "product", top=2)  # all analyzed now: half the old Kettle reviews complain of delivery
    assert full.coverage_note() == "" and "delivery" in [g.what for g in full.gaps()]
    assert "; of 440 and 40 analyzed reviews)" in [g for g in full.gaps() if g.what == "delivery"][0].text()
