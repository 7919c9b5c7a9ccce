"""Ratings without words (Google's and Google Play's star-only reviews, a third or more of a place's): they were
counted and left out of every import, so no figure in ReviewLens could be set beside the place's own rating. They
are now kept apart from the reviews (nothing in them can be read or analyzed), and the scorecard shows each
product's rating with them; an import run that is undone, a re-import, the same review with words later, an
overlapping export and a chain's branches treat them as they treat reviews. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reviewlens.app.cli import main
from reviewlens.filters import Filters
from reviewlens.records_io import export_records, import_file
from reviewlens.scorecard import scorecard
from reviewlens.store import Store
from tests.reviewlens.test_branches import _csv

HEAD = ["name", "place_id", "city", "review_id", "author_title", "review_text", "review_rating", "review_datetime_utc"]


def _file(path, rows):
    return _csv(path, HEAD, rows)


def _berlin(tmp_path, name="berlin.csv"):
    """Twelve reviews with words (2★ and 3★) and ten ratings without (five 5★, five 4★, two of them undated)."""
    rows = [["Pizza Roma", "B1", "Berlin", f"w{i}", f"Guest {i}", f"Slow service, visit {i}.", 2 + i % 2,
             f"11/{1 + i:02d}/2026 10:00:00"] for i in range(12)]
    rows += [["Pizza Roma", "B1", "Berlin", f"s{i}", f"Star {i}", "", 5 - i % 2,
              "" if i < 2 else f"10/{1 + i:02d}/2026 10:00:00"] for i in range(10)]
    return _file(tmp_path / name, rows)


def test_ratings_without_words_are_kept_apart_and_set_beside_the_rating(store, tmp_path):
    res, run, new, _ = import_file(store, _berlin(tmp_path))
    assert new == 12 and store.count_reviews() == 12 and res.rated_only == 10 and res.stars_new == 10
    assert any(r.startswith("10 ratings without a text (star-only reviews), 4.5★ on average: kept as ratings")
               for r in res.remarks)
    card = scorecard(store)
    (row,) = card.rows
    assert row.reviews == 12 and row.avg_rating == pytest.approx(2.5)  # the reviews with words, as before
    assert row.stars.n == 10 and row.all_rating == pytest.approx((12 * 2.5 + 45) / 22)
    table = card.table()
    assert table.loc[0, "star_only"] == 10 and table.loc[0, "all_rating"] == pytest.approx(3.41, abs=0.01)
    text = card.text()
    assert "With star-only" in text and "3.41★ (+10)" in text and "with star-only: the average rating" in text
    # a period: the dated ratings within it only (the undated two are of no period)
    assert scorecard(store, f=Filters.of(since=date(2026, 10, 1))).rows[0].stars.n == 8
    # a filter star ratings know nothing of (a topic, the words): no such column
    assert not scorecard(store, f=Filters.of(search="slow")).has_stars()

    # the same file again: nothing new, nothing twice
    res, _, new, _ = import_file(store, _berlin(tmp_path))
    assert new == 0 and res.stars_new == 0 and scorecard(store).rows[0].stars.n == 10
    # undoing the import takes its ratings too
    rid, n = store.delete_reviews(run_id=run)
    assert n == 12 and store.count_reviews() == 0 and store.star_rating_stats("product") == {}
    assert store.list_runs(kind="delete")[0]["detail"]["star_ratings"] == 10  # said in the run history


def test_a_rating_that_gets_words_is_a_review_and_an_overlapping_export_counts_it_once(store, tmp_path):
    import_file(store, _berlin(tmp_path, "march.csv"))
    # April's export holds the same ten ratings (their review ids) under another file name: counted once
    res, _, _, _ = import_file(store, _berlin(tmp_path, "april.csv"))
    assert res.stars_new == 0 and sum(n for n, *_ in store.star_rating_stats("product").values()) == 10
    # one of them now has words: it is a review (not also a rating)
    _file(tmp_path / "may.csv", [["Pizza Roma", "B1", "Berlin", "s5", "Star 5", "Best crust in town.", 4,
                                  "10/06/2026 10:00:00"]])
    res, _, new, _ = import_file(store, tmp_path / "may.csv")
    assert store.count_reviews() == 13 and store.star_rating_stats("product")["Pizza Roma"][0] == 9


def test_a_chains_branches_take_their_ratings_without_words_with_them(store, tmp_path):
    import_file(store, _berlin(tmp_path))  # one place: the chain's name
    _file(tmp_path / "hamburg.csv", [["Pizza Roma", "H1", "Hamburg", f"h{i}", f"H {i}", "" if i % 2 else "Cold.",
                                      1 + i % 2, f"11/{1 + i:02d}/2026 10:00:00"] for i in range(4)])
    import_file(store, tmp_path / "hamburg.csv")
    stats = store.star_rating_stats("product")
    assert {k: v[0] for k, v in stats.items()} == {"Pizza Roma (Berlin)": 10, "Pizza Roma (Hamburg)": 2}
    rows = {r.name: r for r in scorecard(store).rows}
    assert rows["Pizza Roma (Hamburg)"].stars.n == 2 and rows["Pizza Roma (Berlin)"].stars.n == 10


def test_the_command_shows_them_and_a_source_deleted_takes_them(tmp_path, capsys):
    db = str(tmp_path / "s.db")
    assert main(["import", str(_berlin(tmp_path)), "--db", db]) == 0
    assert "10 ratings without a text (star-only reviews), 4.5★ on average: kept as ratings" in capsys.readouterr().out
    assert main(["scorecard", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "With star-only" in out and "(+10)" in out
    assert main(["delete", "--source", "import:berlin", "--yes", "--db", db]) == 0
    assert Store(db).star_rating_stats("product") == {}


def test_stored_a_batch_at_a_time_and_a_rating_whose_words_come_later_in_the_file_is_that_review(store, tmp_path):
    f = _berlin(tmp_path)
    with f.open("a", encoding="utf-8") as out:  # s3's row again, now with words (the review edited, exported again)
        out.write("Pizza Roma,B1,Berlin,s3,Star 3,Now with words: great crust.,4,11/30/2026 10:00:00\n")
    res, _, new, _ = import_file(store, f, batch_size=2)
    assert new == 13 and res.stars_new == 9 and res.star_ratings == []  # emptied as stored
    assert store.star_rating_stats("product") == {"Pizza Roma": (9, 41.0, 189.0)}


def test_a_branchs_star_only_ratings_imported_alone_become_the_branchs_with_its_first_review(store, tmp_path):
    """Ratings carry no fields to tell a place by: a file of Berlin's star-only ratings alone leaves them under the
    chain's name; once a chain file names Berlin a branch, they are the branch's."""
    _file(tmp_path / "berlin-stars.csv", [["Pizza Roma", "B1", "Berlin", f"s{i}", f"S {i}", "", 5, "10/01/2026 10:00:00"]
                                          for i in range(3)])
    import_file(store, tmp_path / "berlin-stars.csv")
    assert store.star_rating_stats("product") == {"Pizza Roma": (3, 15.0, 75.0)}
    _file(tmp_path / "chain.csv", [["Pizza Roma", pid, city, f"w{pid}", "Guest", "Fine.", 4, "11/01/2026 10:00:00"]
                                   for pid, city in (("B1", "Berlin"), ("H1", "Hamburg"))])
    import_file(store, tmp_path / "chain.csv")
    assert store.star_rating_stats("product") == {"Pizza Roma (Berlin)": (3, 15.0, 75.0)}


def test_a_product_with_only_ratings_without_words_has_a_row(store, tmp_path, capsys):
    """A product whose customers only gave stars (a new branch, a month without words) had no scorecard row: its
    ratings were counted nowhere. Its row has no reviews and its rating with star-only theirs alone."""
    import json

    import_file(store, _berlin(tmp_path))
    _file(tmp_path / "kiosk.csv", [["Roma Kiosk", "K1", "Berlin", f"k{i}", f"K {i}", "", 4 + i % 2,
                                    f"11/{1 + i:02d}/2026 10:00:00"] for i in range(3)])
    import_file(store, tmp_path / "kiosk.csv")
    card = scorecard(store)
    rows = {r.name: r for r in card.rows}
    kiosk = rows["Roma Kiosk"]
    assert kiosk.reviews == 0 and kiosk.avg_rating is None and kiosk.stars.n == 3
    assert kiosk.all_rating == pytest.approx(13 / 3) and not kiosk.flags(card.tests)
    assert [r.name for r in card.rows][-1] == "Roma Kiosk"  # no rating of reviews: last, as groups of a few are
    shown = card.formatted().set_index("Product")
    assert shown.loc["Roma Kiosk", "Reviews"] == "0" and shown.loc["Roma Kiosk", "Rating"] == "–"
    assert shown.loc["Roma Kiosk", "With star-only"] == "4.33★ (+3)"
    # not when the filters select what such a rating has not
    assert "Roma Kiosk" not in [r.name for r in scorecard(store, f=Filters.of(search="slow")).rows]
    # offered wherever products are (the dashboard's filter; --product, which refused it)
    from reviewlens import queries

    assert "Roma Kiosk" in queries.options(store).products
    assert [r.name for r in scorecard(store, f=Filters.of(products=["Roma Kiosk"])).rows] == ["Roma Kiosk"]
    assert main(["scorecard", "--product", "Roma Kiosk", "--db", store.url]) == 0
    assert "4.33★ (+3)" in capsys.readouterr().out

    assert main(["scorecard", "--json", "--db", store.url]) == 0
    got = {g["name"]: g for g in json.loads(capsys.readouterr().out)["groups"]}
    assert got["Roma Kiosk"]["reviews"] == 0 and got["Roma Kiosk"]["star_only"] == 3


PLAY = Path(__file__).resolve().parents[2] / "data/examples/reviews_reviews_com.pennywise.budget_202611.csv"


def test_an_app_releases_ratings_without_words_are_the_releases(store, tmp_path):
    """A crashing release's 1★ come mostly without words: the bundled Play Console export's 4.2.0 has 12 reviews
    and 18 ratings without words. Each is kept with its app version, so the scorecard by version sets each
    release's rating with them beside its reviews', and a version filter selects them."""
    res, _, new, _ = import_file(store, PLAY)
    assert new == 30 and res.stars_new == 34
    rows = {r.name: r for r in scorecard(store, by="version").rows}
    assert {v: r.stars.n for v, r in rows.items()} == {"4.1.0": 8, "4.2.0": 18, "4.2.1": 8}
    assert rows["4.2.0"].all_rating == pytest.approx((20 + 21) / 30)  # 1.67★ of 12 reviews, 21 stars of 18
    picked = scorecard(store, f=Filters.of(versions=["4.2.0"]))  # one release's, by product
    assert picked.rows[0].stars.n == 18 and picked.rows[0].reviews == 12
    # an export of one release: its reviews and its ratings without words
    assert export_records(store, tmp_path / "v.jsonl", "jsonl", star_only=True, versions=["4.2.0"]) == (12, 18)
    assert main(["export", "-o", str(tmp_path / "v.csv"), "--app-version", "4.2.0", "--db", store.url]) == 0
    assert main(["export", "-o", str(tmp_path / "v.csv"), "--app-version", "9.9", "--db", store.url]) != 0
    # the version follows them through an export and an import
    out = tmp_path / "moved.jsonl"
    export_records(store, out, "jsonl", star_only=True)
    moved = Store(str(tmp_path / "moved.db"))
    import_file(moved, out)
    assert moved.star_rating_stats("version") == store.star_rating_stats("version")


def test_a_store_made_before_ratings_had_a_version_gets_the_column(sqlite_store, tmp_path):
    import sqlalchemy as sa

    url = sqlite_store.url
    import_file(sqlite_store, _berlin(tmp_path))
    with sqlite_store.engine.begin() as c:
        c.execute(sa.text("ALTER TABLE star_ratings DROP COLUMN version"))
    sqlite_store.close()
    again = Store(url)  # opened by this version: the column added, the ratings kept
    assert again.star_rating_stats("product") == {"Pizza Roma": (10, 45.0, 205.0)}
    import_file(again, PLAY)
    assert again.star_rating_stats("version")["4.2.0"][0] == 18


def test_compare_sets_each_releases_rating_with_its_star_only_ratings_beside_the_others(sqlite_store, tmp_path,
                                                                                        capsys):
    from reviewlens.comparison import STARS_ROW, WITH_STARS_ROW, compare

    import_file(sqlite_store, PLAY)
    table = compare(sqlite_store, "version").table()
    assert table.loc[STARS_ROW].to_dict() == {"4.1.0": 8.0, "4.2.0": 18.0, "4.2.1": 8.0}
    assert table.loc[WITH_STARS_ROW, "4.2.0"] == pytest.approx(41 / 30)
    # by a field of the reviews (which star-only ratings have not): no such rows
    by_device = compare(sqlite_store, "field:Device").table()
    assert list(by_device.columns) == ["panther"] and STARS_ROW not in by_device.index
    assert main(["compare", "--by", "version", "--db", sqlite_store.url]) == 0
    out = capsys.readouterr().out
    assert "Star-only ratings" in out and "1.37★" in out


def test_a_release_whose_ratings_without_words_fell_raises_the_release_alert(store):
    """A crashing release: two reviews with words so far and twenty 1★ without. It had too few reviews to be
    compared (min_reviews), and its two say nothing for a rating; counted with its ratings without words, it is
    rated far below the version before it, and the release alert says so."""
    from datetime import timedelta

    from reviewlens.alerts import release_alerts
    from reviewlens.config import AlertSettings
    from reviewlens.schema import Review

    day = date(2026, 11, 1)
    store.upsert_reviews([Review(source="play", text=f"Solid budgeting app, version one #{i}.", product="app",
                                 rating=4 + i % 2, date=day + timedelta(days=i % 5), version="1.0") for i in range(12)]
                         + [Review(source="play", text=f"Hm, the new screen is odd #{i}.", product="app", rating=3,
                                   date=day + timedelta(days=10 + i), version="1.1") for i in range(2)])
    assert release_alerts(store, AlertSettings()) == []  # 1.1: two reviews, nothing to compare yet
    store.upsert_star_ratings([{"id": f"s{i:023d}", "source": "play", "product": "app", "rating": 1.0,
                                "date": day + timedelta(days=10 + i % 5), "version": "1.1"} for i in range(20)])
    [alert] = release_alerts(store, AlertSettings())
    assert alert.title == "Reviewed worse than 1.0: app 1.1"
    assert alert.lines[0].startswith("1.1: 2 reviews and 20 star-only ratings; compared with 1.0: 12 reviews, ")
    assert alert.lines[1].startswith(f"Rating with star-only ratings: 1.1 {(6 + 20) / 22:.2f}★ vs 1.0 4.50★")
    assert "of 22 and 12 ratings, those without words included" in alert.lines[1]


def test_the_run_history_says_how_many_ratings_without_words_a_run_kept(tmp_path, capsys):
    db = str(tmp_path / "s.db")
    assert main(["import", str(_berlin(tmp_path)), "--db", db]) == 0
    assert main(["import", str(_berlin(tmp_path)), "--db", db]) == 0  # again: none new
    capsys.readouterr()
    assert main(["runs", "--db", db]) == 0
    said = [line.strip() for line in capsys.readouterr().out.splitlines() if "star-only" in line]
    assert said == ["and 10 star-only ratings (no words; 0 new), kept apart from the reviews",
                    "and 10 star-only ratings (no words; 10 new), kept apart from the reviews"]
    from reviewlens import queries

    assert list(queries.runs_frame(Store(db))["star_only_new"]) == [0, 10]
