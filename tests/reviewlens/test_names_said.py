"""What reviews say of the names they mention (reviewlens.mentions, `reviewlens mentions`): each review counted
once per name by what the clauses that name it say, quoted verbatim (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from reviewlens import queries as Q
from reviewlens.app.cli import main
from reviewlens.filters import Filters
from reviewlens.mentions import entity_type, names_said
from reviewlens.schema import Analysis, Entity, Review

ROWS = [  # text, product, rating, date, review sentiment, [(name, type, its sentiment)], language, translation
    ("The pasta was cold. Our waiter Marco was lovely though.", "Trattoria", 2, "2026-11-02", "negative",
     [("Marco", "PERSON", "positive")], None, None),
    ("Marco was rude and the wine was warm.", "Trattoria", 1, "2026-11-05", "negative",
     [("Marco", "PERSON", "negative")], None, None),
    ("Marco was lovely. Later Marco forgot our drinks for half an hour.", "Trattoria", 3, "2026-11-09", "neutral",
     [("Marco", "PERSON", "positive"), ("Marco", "PERSON", "negative")], None, None),
    ("We booked a table for Marco's birthday.", "Trattoria", 4, "2026-11-10", "positive",
     [("Marco", "PERSON", "neutral")], None, None),
    ("Lovely evening, but DHL lost the voucher we ordered.", "Trattoria", 5, "2026-11-11", "positive",
     [("DHL", "ORG", "negative")], None, None),
    ("Unser Kellner MARCO war sehr freundlich.", "Trattoria", 5, "2026-11-12", "positive",
     [("MARCO", "PERSON", "positive")], "de", "Our waiter MARCO was very friendly."),
    ("The Trattoria app is great.", "Trattoria", 5, "2026-11-13", "positive",
     [("Trattoria", "ORG", "positive")], None, None),
    ("Returned it and got the Bose QuietComfort 45 instead.", "Aurora Headphones", 2, "2026-10-01", "negative",
     [("Bose QuietComfort 45", "PRODUCT", "negative")], None, None),
    # the writer came from it: what the clause says is of the product reviewed as often: only named
    ("Upgraded from the Anker Soundcore Q30 and the difference in clarity is huge.", "Aurora Headphones", 5,
     "2026-10-02", "positive", [("Anker Soundcore Q30", "PRODUCT", "positive")], None, None),
    # analyzed before mention sentiment was stored: the review's sentiment counts
    ("Thanks to Giulia for the tip.", "Trattoria", 5, "2026-09-01", "positive",
     [("Giulia", "PERSON", None)], None, None),
]


def seed(store) -> list[Review]:
    revs = []
    for i, (text, product, rating, day, *_rest) in enumerate(ROWS):
        revs.append(Review(source="shop", text=text, product=product, rating=rating, date=date.fromisoformat(day),
                           url=f"https://shop.example/r/{i}", site_review_id=str(i)))
    store.upsert_reviews(revs)
    analyses = []
    for r, (text, *_x, sentiment, names, lang, translation) in zip(revs, ROWS):
        found, at = [], 0
        for name, kind, said in names:
            at = text.index(name, at)
            found.append(Entity(name, kind, at, at + len(name), sentiment=said))
            at += len(name)
        analyses.append(Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment=sentiment,
                                 entities=found, language=lang, translation=translation))
    store.save_analyses(analyses)
    return revs


def by_name(found):
    return {x.name: x for x in found}


def test_what_reviews_say_of_each_name(store):
    revs = seed(store)
    found = names_said(store, ids=True)
    got = by_name(found)
    marco = got["Marco"]  # "MARCO" in the German review is the same name; the commonest spelling is shown
    assert (marco.reviews, marco.positive, marco.negative, marco.both, marco.neutral) == (5, 3, 2, 1, 1)
    assert marco.said() == "3 speak well of them, 2 badly, 1 only names them" and marco.type == "PERSON"
    assert marco.rating == pytest.approx((2 + 1 + 3 + 4 + 5) / 5)
    # quoted verbatim, newest first; the German review in its own words with its translation apart
    assert [q.text for q in marco.praise] == ["Unser Kellner MARCO war sehr freundlich.", "Marco was lovely."]
    assert marco.praise[0].translation == "Our waiter MARCO was very friendly." and marco.praise[0].language == "de"
    assert [q.text for q in marco.complaints] == ["Later Marco forgot our drinks for half an hour.",
                                                  "Marco was rude and the wine was warm."]
    assert marco.complaints[1].url == "https://shop.example/r/1"
    assert marco.review_ids == [revs[5].id, revs[3].id, revs[2].id, revs[1].id, revs[0].id]
    dhl = got["DHL"]  # a positive review that faults DHL
    assert (dhl.reviews, dhl.positive, dhl.negative) == (1, 0, 1) and dhl.said() == "1 speaks badly of it"
    # the writer left for it: spoken well of, whatever the sentence says of the product left
    assert (got["Bose QuietComfort 45"].positive, got["Bose QuietComfort 45"].negative) == (1, 0)
    assert "Trattoria" not in got   # the reviewed product's own name
    anker = got["Anker Soundcore Q30"]
    assert (anker.positive, anker.negative, anker.neutral) == (0, 0, 1) and anker.said() == "1 only names it"
    assert (got["Giulia"].positive, got["Giulia"].negative) == (1, 0)  # an older analysis: its review's sentiment
    assert [x.name for x in found][:1] == ["Marco"]
    assert [x.name for x in names_said(store, order="negative")][:2] == ["Marco", "DHL"]
    assert names_said(store, top=1, quotes=1)[0].praise == marco.praise[:1]
    assert names_said(store)[0].review_ids == []  # only when asked


def test_names_follow_the_filters_and_types(store):
    seed(store)
    assert [x.name for x in names_said(store, types=("ORG",))] == ["DHL"]
    assert by_name(names_said(store, Filters.of(since=date(2026, 11, 6))))["Marco"].reviews == 3
    assert "Bose QuietComfort 45" not in by_name(names_said(store, Filters.of(products=["Trattoria"])))
    assert names_said(store, Filters.of(since=date(2027, 1, 1))) == []
    with pytest.raises(ValueError, match="order"):
        names_said(store, order="best")
    assert (entity_type("person"), entity_type("Company"), entity_type("place"), entity_type("dish name")) == \
        ("PERSON", "ORG", "LOCATION", "DISH_NAME")


def test_a_name_typed_two_ways_counts_the_same_under_its_type(store):
    """The typer now and then types a name otherwise ("Our waitress Giulia" was once a place): the name is of
    the type most of its mentions have, and `--type person` counts all its reviews, as the list of all does."""
    seed(store)
    for text in ("Giulia was wonderful to our kids.", "Giulia remembered our order from last time."):
        extra = Review(source="shop", text=text, product="Trattoria", rating=5, date=date(2026, 11, 20))
        store.upsert_reviews([extra])
        store.save_analyses([Analysis(content_hash=extra.content_hash, model="m", prompt_version="p",
                                      sentiment="positive", entities=[Entity("Giulia", "PERSON", 0, 6, "positive")])])
    odd = Review(source="shop", text="Giulia knew every wine on the list.", product="Trattoria", rating=4,
                 date=date(2026, 11, 21))
    store.upsert_reviews([odd])
    store.save_analyses([Analysis(content_hash=odd.content_hash, model="m", prompt_version="p", sentiment="positive",
                                  entities=[Entity("Giulia", "LOCATION", 0, 6, "positive")])])
    everyone = by_name(names_said(store))["Giulia"]
    people = by_name(names_said(store, types=("PERSON",), ids=True))["Giulia"]
    assert everyone.type == people.type == "PERSON"
    assert (people.reviews, people.positive) == (everyone.reviews, everyone.positive) == (4, 4)
    assert len(people.review_ids) == 4 and odd.id in people.review_ids
    assert "Giulia" not in by_name(names_said(store, types=("LOCATION",)))   # a person, not a place


def test_the_entities_chart_counts_what_each_mention_says(store):
    seed(store)
    top = Q.top_entities(store, Filters()).set_index("entity")
    # "MARCO" of the German review is the same name (as in the names section): its positive mention counts too
    assert (top.loc["Marco", "positive"], top.loc["Marco", "negative"], top.loc["Marco", "neutral"]) == (3, 2, 1)
    assert (top.loc["DHL", "positive"], top.loc["DHL", "negative"]) == (0, 1)   # its review was positive
    assert top.loc["Giulia", "positive"] == 1                                   # no stored sentiment: the review's


def test_the_dashboard_leaves_out_the_products_own_name_as_the_command_does(store):
    """The entities chart and the sidebar's Mentions box offered "Trattoria" in the Trattoria's own reviews,
    which `reviewlens mentions` leaves out; a filter still takes it (the CLI's --mentions check)."""
    seed(store)
    r = Review(source="shop", text="Nicer than the Trattoria down the road.", product="Osteria", rating=4,
               date=date(2026, 11, 14), site_review_id="x")
    store.upsert_reviews([r])
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="positive",
                                  entities=[Entity("Trattoria", "ORG", 15, 24, sentiment="negative")])])
    top = Q.top_entities(store, Filters()).set_index("entity")
    assert top.loc["Trattoria", "mentions"] == 1 and top.loc["Trattoria", "negative"] == 1   # the Osteria's only
    assert top.loc["Marco", "mentions"] == 6
    assert "Trattoria" not in set(Q.top_entities(store, Filters(products=["Trattoria"]))["entity"])
    offered = {name: (typ, n) for name, typ, n in Q.mention_counts(store)}
    assert offered["Trattoria"] == ("ORG", 1) and offered["Marco"] == ("PERSON", 5)
    assert dict((n, c) for n, _, c in Q.mention_counts(store, own=True))["Trattoria"] == 2


def test_the_mentions_command(store, capsys):
    seed(store)
    url = store.url
    assert main(["mentions", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "1. Marco (person): named in 5 reviews: 3 speak well of them, 2 badly, 1 only names them, rated 3.0★" in out
    assert "   + “Unser Kellner MARCO war sehr freundlich.”" in out and "(machine translation (de): Our waiter" in out
    assert "   + “Our waiter Marco was lovely though.”" not in out  # two quotes each way, newest first
    assert "   - “Later Marco forgot our drinks for half an hour.”" in out and "   - “Marco was rude" in out
    assert main(["mentions", "--db", url, "--type", "company", "--sort", "negative"]) == 0
    out = capsys.readouterr().out
    assert "1. DHL (company): named in 1 review: 1 speaks badly of it, rated 5.0★" in out and "Marco" not in out
    assert main(["mentions", "--db", url, "--json", "--top", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["names"][0]["name"] == "Marco" and data["names"][0]["neutral"] == 1
    assert len(data["names"][0]["review_ids"]) == 5 and data["names"][0]["praise"][0]["language"] == "de"
    assert main(["mentions", "--db", url, "--type", "place"]) == 0
    assert "no review names a place" in capsys.readouterr().out
    assert main(["mentions", "--db", url, "--type", "dish"]) == 2
    assert "--type 'dish': no analyzed review names one (the store has: person, company, product)" in \
        capsys.readouterr().err


def test_names_in_a_hostile_review_are_shown_not_obeyed(sqlite_store, capsys):
    text = "=HYPERLINK(\"http://x\") Ask for \u202eMarco\x1b[31m, he was lovely."
    r = Review(source="s", text=text, rating=5)
    sqlite_store.upsert_reviews([r])
    k = text.index("\u202eMarco")
    sqlite_store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="positive",
                                         entities=[Entity("\u202eMarco\x1b[31m", "PERSON", k, k + 11, "positive")])])
    assert main(["mentions", "--db", str(sqlite_store.url)]) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out and "\x1b" not in out and "⟨U+202E⟩" in out


def test_the_reports_names_sheet(store, tmp_path):
    import openpyxl

    from dashboard.report import write_report

    seed(store)
    path = write_report(store, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["Names"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:7] == ["Name", "Type", "Reviews", "Speak well", "Speak badly", "Only name it", "Rating"]
    marco = next(r for r in rows if r[0] == "Marco")
    assert marco[1:7] == ["person", 5, 3, 2, 1, 3.0]
    assert marco[7].startswith("Unser Kellner MARCO war sehr freundlich.\n(machine translation (de): Our waiter")
    assert marco[9] == "Later Marco forgot our drinks for half an hour."
    dhl = next(r for r in rows if r[0] == "DHL")
    assert dhl[1:6] == ["company", 1, 0, 1, 0] and dhl[7] is None and dhl[9].startswith("Lovely evening")
    assert not any(r[0] == "Trattoria" for r in rows)


@pytest.mark.slow
def test_the_bundled_trattoria_reviews(tmp_path, capsys):
    """data/examples/trattoria-reviews.csv as the README has a new user try it: imported and analyzed with the
    packaged model and the example's settings (a restaurant's topics), the staff written into it are spoken of
    as written, whatever each review's mood: Marco praised also in the 2-star reviews, Jonas faulted, Uber Eats
    faulted in reviews that praise the food; the reply drafts speak of food and service, not of packaging."""
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "data" / "examples"
    db = str(tmp_path / "t.db")
    assert main(["import", str(examples / "trattoria-reviews.csv"), "--db", db, "-q"]) == 0
    assert main(["analyze", "--db", db, "--config", str(examples / "trattoria.toml"), "-q"]) == 0
    drafts = tmp_path / "drafts.jsonl"
    assert main(["replies", "--db", db, "--config", str(examples / "trattoria.toml"), "-o", str(drafts), "-q"]) == 0
    text = drafts.read_text(encoding="utf-8").lower()
    assert "service" in text and "packaging" not in text and "parcel" not in text
    capsys.readouterr()
    assert main(["mentions", "--json", "--db", db, "-q"]) == 0
    got = {x["name"]: x for x in json.loads(capsys.readouterr().out)["names"]}
    marco, jonas, uber = got["Marco"], got["Jonas"], got["Uber Eats"]
    assert marco["reviews"] == 9 and marco["positive"] >= 8 and marco["negative"] == 0, marco
    assert jonas["reviews"] == 5 and jonas["negative"] >= 4 and jonas["positive"] == 0, jonas
    assert uber["reviews"] == 3 and uber["negative"] >= 2 and uber["positive"] == 0, uber
    assert got["Giulia"]["positive"] >= 2 and got["Giulia"]["negative"] == 0
    assert got["Lieferando"]["type"] == "ORG", got["Lieferando"]     # "Ordered on Lieferando": not a place
    # the reviews' own sentiment would have said otherwise: two of Marco's are negative reviews
    assert main(["export", "--mentions", "Marco", "--db", db, "-o", str(tmp_path / "m.csv"), "-q"]) == 0
    import csv
    with open(tmp_path / "m.csv", newline="", encoding="utf-8") as fh:
        assert sum(r["sentiment"] == "negative" for r in csv.DictReader(fh)) >= 1


def test_a_name_with_letters_beyond_ascii_keeps_its_spelling(store):
    """SQLite lowers only ASCII letters ("ÖBB" -> "Öbb"): the name is still shown as written, with its quotes."""
    text = "The ÖBB train was two hours late, the hotel was lovely."
    r = Review(source="s", text=text, rating=3)
    store.upsert_reviews([r])
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="neutral",
                                  entities=[Entity("ÖBB", "ORG", 4, 7, sentiment="negative")])])
    (x,) = names_said(store)
    assert (x.name, x.negative, [q.text for q in x.complaints]) == ("ÖBB", 1, [text])


def test_the_reviews_that_speak_well_or_badly_of_a_name(store, tmp_path, capsys):
    """Filters.said (the sidebar's "What they say of them", a link's said=, `--said`): with the names, only the
    reviews that speak so of one of them, by the same reading as `reviewlens mentions`."""
    import csv

    from reviewlens.views import View, from_query, to_query

    revs = seed(store)
    badly = Filters.of(mentions=["marco"], said="badly")
    assert badly.said == "negative" and badly.describe() == "speaking badly of: marco"
    assert Q.count_reviews(store, badly) == 2            # "rude", and the review that does both
    assert Q.count_reviews(store, Filters.of(mentions=["Marco"], said="positive")) == 3
    assert Q.count_reviews(store, Filters.of(mentions=["Marco"])) == 5
    assert Q.count_reviews(store, Filters.of(mentions=["Bose QuietComfort 45"], said="well")) == 1  # left for it
    assert Q.count_reviews(store, Filters.of(mentions=["Anker Soundcore Q30"], said="well")) == 0   # came from it
    assert Q.count_reviews(store, Filters.of(mentions=["Giulia"], said="well")) == 1  # an older analysis: the review's
    with pytest.raises(ValueError, match="needs the names"):
        Filters.of(said="badly")
    with pytest.raises(ValueError, match="well or badly"):
        Filters.of(mentions=["Marco"], said="so-so")
    # a link keeps it, and says what it cannot use
    query = to_query(View(page="Reviews", period="all", filters=badly))
    assert ("said", "badly") in query and ("mentions", "marco") in query
    view, problems = from_query({"page": ["Reviews"], "mentions": ["Marco"], "said": ["badly"]})
    assert view.filters.said == "negative" and not problems
    view, problems = from_query({"said": ["badly"]})
    assert view.filters.said is None and problems == ["said: only with the names (mentions=...)"]
    view, problems = from_query({"mentions": ["Marco"], "said": ["meh"]})
    assert view.filters.said is None and problems == ["said='meh' is not well or badly"]
    # the command line
    out = tmp_path / "badly.csv"
    assert main(["export", "--db", store.url, "--mentions", "Marco", "--said", "badly", "-o", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as fh:
        assert sorted(r["id"] for r in csv.DictReader(fh)) == sorted([revs[1].id, revs[2].id])
    assert main(["export", "--db", store.url, "--said", "badly", "-o", str(out)]) == 2
    assert "--said badly: say of whom, with --mentions NAME" in capsys.readouterr().err


def test_the_entities_chart_counts_a_name_once_under_its_commonest_type(store):
    """"Sofia", typed a person in 3 reviews and a place in 2, was two bars (3 and 2) beside "Sofia — 5 reviews"
    in the names section: one row, of its commonest type, in its commonest spelling."""
    revs = [Review(source="shop", text=f"Sofia at reception was lovely, visit {i}.", product="Hotel", rating=5,
                   date=date(2026, 11, 1 + i), site_review_id=f"s{i}") for i in range(5)]
    revs.append(Review(source="shop", text="SOFIA was lovely.", product="Hotel", rating=5, date=date(2026, 11, 9),
                       site_review_id="s9"))
    store.upsert_reviews(revs)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="positive",
                                  entities=[Entity(r.text[:5], "PERSON" if i % 2 == 0 or i == 5 else "LOCATION", 0, 5,
                                                   sentiment="positive")])
                         for i, r in enumerate(revs)])
    top = Q.top_entities(store, Filters())
    assert top[["entity", "type", "mentions", "positive"]].values.tolist() == [["Sofia", "PERSON", 6, 6]]
