"""The scorecard (reviewlens.scorecard, `reviewlens scorecard`): every branch of a chain in one table, SQLite and
PostgreSQL. `compare` sets at most eight side by side; a chain's 40 branches had no view that said which of them
to look at first."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from reviewlens.app.cli import main
from reviewlens.filters import Filters
from reviewlens.schema import Analysis, Review, TopicMention
from reviewlens.scorecard import scorecard

NEWEST = date(2026, 11, 20)


def seed(store) -> None:
    """Six branches of 30 reviews, one every 6 days back from NEWEST (15 in the last 90 days, 15 in the 90 before):
    most rated 4 and 5; Altona 2 and 3 with 12 negative about the wait; Bergedorf 4 and 5 before, 2 and 3 since;
    every branch 3 negative about price; Eppendorf replies to all. Zoo: three 1-star reviews (too few to say)."""
    items, analyses = [], []
    branches = {"Altona": (2, 3), "Bergedorf": None, "Curio": (4, 5), "Dammtor": (4, 5), "Eppendorf": (4, 5),
                "Finkenwerder": (5, 4), "Zoo": (1, 1)}
    for branch, ratings in branches.items():
        for i in range(3 if branch == "Zoo" else 30):
            day = NEWEST - timedelta(days=6 * i)
            stars = ((2, 3) if 6 * i < 90 else (4, 5))[i % 2] if ratings is None else ratings[i % 2]
            r = Review(source="maps", text=f"{branch} review {i}", product=f"Roma ({branch})", rating=stars, date=day,
                       reply="Thank you!" if branch == "Eppendorf" else None,
                       extra={"fields": {"city": "Hamburg" if branch != "Zoo" else "Berlin"}})
            topics = []
            if branch == "Altona" and i < 12:
                topics.append(TopicMention("wait_time", "negative"))
            if i in (3, 4, 5):
                topics.append(TopicMention("price", "negative"))
            items.append(r)
            analyses.append(Analysis(content_hash=r.content_hash, model="m", prompt_version="v",
                                     sentiment="negative" if topics else "positive", topics=topics))
    store.upsert_reviews(items)
    store.save_analyses(analyses)


def test_the_branches_that_need_a_look_come_first_and_say_why(store):
    seed(store)
    card = scorecard(store)
    assert card.recent == (date(2026, 8, 23), NEWEST) and card.before == (date(2026, 5, 25), date(2026, 8, 22))
    names = [r.name for r in card.rows]
    # flagged first (the lowest rating first), then by rating, the branch of three reviews last
    assert names[:2] == ["Roma (Altona)", "Roma (Bergedorf)"] and names[-1] == "Roma (Zoo)"
    assert set(names[2:-1]) == {"Roma (Curio)", "Roma (Dammtor)", "Roma (Eppendorf)", "Roma (Finkenwerder)"}
    rows = {r.name: r for r in card.rows}
    altona, bergedorf = rows["Roma (Altona)"], rows["Roma (Bergedorf)"]
    assert altona.flags(card.tests)[0].startswith("rating 2.50★ against 4.")
    assert bergedorf.change == pytest.approx(2.4667 - 4.5333, abs=1e-3)  # 2s and 3s since, 4s and 5s before
    assert any(f.startswith("rating fell 2.07★ to 2.47★") for f in bergedorf.flags(card.tests))
    assert not rows["Roma (Curio)"].flags(card.tests) and not rows["Roma (Zoo)"].flags(card.tests)
    table = card.table().set_index("name")
    assert table.loc["Roma (Altona)", "complaint"] == "Wait time"
    assert table.loc["Roma (Altona)", "complaint_share"] == pytest.approx(40.0)
    assert table.loc["Roma (Curio)", "complaint"] == "Price"
    assert table.loc["Roma (Curio)", "complaint_share"] == pytest.approx(10.0)
    assert table.loc["Roma (Eppendorf)", "reply_rate"] == 100.0 and table.loc["Roma (Curio)", "reply_rate"] == 0.0
    assert table.loc["Roma (Zoo)", "rating"] == 1.0 and pd_isna(table.loc["Roma (Zoo)", "change"])
    text = card.text()
    assert "! Roma (Altona): rating 2.50★ against" in text and "! Roma (Bergedorf): rating" in text
    assert "Needs a look (unlikely to be chance: p <= 0.05 / 6 groups tested)" in text


def pd_isna(v) -> bool:
    return v is None or v != v


def test_a_period_of_the_filters_is_weighed_against_the_one_before(store):
    seed(store)
    card = scorecard(store, f=Filters.of(since=date(2026, 10, 1), until=NEWEST), sort="reviews")
    assert card.recent == (date(2026, 10, 1), NEWEST)
    assert card.before == (date(2026, 8, 11), date(2026, 9, 30))
    assert {r.name: r.reviews for r in card.rows}["Roma (Altona)"] == 9  # the reviews of the period only


def test_sorts_top_and_other_groupings(store):
    seed(store)
    card = scorecard(store, sort="reviews", top=2)
    assert len(card.rows) == 2 and card.groups == 7 and "The first 2 of 7 (--top)" in card.text()
    assert [r.name for r in scorecard(store, sort="change").rows][0] == "Roma (Bergedorf)"
    by_city = scorecard(store, "field:city")
    assert [(r.name, r.reviews) for r in by_city.rows] == [("Hamburg", 180), ("Berlin", 3)]
    with pytest.raises(ValueError, match="no scorecard by 'rating'"):
        scorecard(store, "rating")
    with pytest.raises(ValueError, match="no sort 'best'"):
        scorecard(store, sort="best")


def test_the_command_prints_it_and_its_json(tmp_path, capsys):
    from reviewlens.store import Store

    db = str(tmp_path / "s.db")
    seed(Store(db))
    assert main(["scorecard", "--db", db, "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["Product", "Reviews", "Rating", "Change", "%", "negative", "Top",
                                           "complaint", "Replied", "Newest"]
    assert "! Roma (Altona)" in out and "The first 3 of 7" in out
    assert main(["scorecard", "--db", db, "--json", "--sort", "name", "--top", "0"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [g["name"] for g in got["groups"]][:2] == ["Roma (Altona)", "Roma (Bergedorf)"]
    assert got["recent"] == ["2026-08-23", "2026-11-20"] and got["groups"][0]["newest"] == "2026-11-20"
    assert main(["scorecard", "--db", db, "--product", "Roma (Nowhere)"]) != 0


def test_a_table_wider_than_the_terminal_leaves_out_columns_and_says_which(tmp_path, capsys, monkeypatch):
    """The scorecard with every column is ~130 characters wide; in an 80- or 100-column terminal each row
    wrapped onto two lines, which read as twice the rows. A terminal gets what fits, and is told what was left out;
    a file or a pipe (and --wide) gets every column."""
    import os
    import sys

    from reviewlens.store import Store

    db = str(tmp_path / "s.db")
    seed(Store(db))
    card = scorecard(Store(db))
    whole = card.text()
    assert max(len(line) for line in whole.split("\n\n")[0].splitlines()) > 80 and "Left out" not in whole
    narrow = card.text(80)
    table = narrow.split("\n\n")[0].splitlines()
    assert max(map(len, table)) <= 80 and table[0].split()[:3] == ["Product", "Reviews", "Rating"]
    assert "Left out to fit 80 columns: Newest (--wide" in narrow and "Newest" not in table[0]
    assert "Left out to fit 60 columns: Newest, Replied, % negative" in card.text(60)  # no theme: its topic stays
    assert "! Roma (Altona)" in narrow  # the rows and the flags below them stay
    assert card.text(200) == whole

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # as in a terminal of 80 columns
    monkeypatch.setattr("shutil.get_terminal_size", lambda *a, **k: os.terminal_size((80, 24)))
    assert main(["scorecard", "--db", db]) == 0
    assert "Left out to fit 80 columns" in capsys.readouterr().out
    assert main(["scorecard", "--db", db, "--wide"]) == 0
    out = capsys.readouterr().out
    assert "Left out" not in out and "Newest" in out.splitlines()[0]


def test_the_weekly_summary_names_the_branches_to_look_at(store):
    from datetime import datetime, timezone

    from reviewlens.alerts import find_alerts
    from reviewlens.config import AlertSettings

    seed(store)
    (summary,) = [a for a in find_alerts(store, AlertSettings(), datetime(2026, 11, 25, tzinfo=timezone.utc))
                  if a.kind == "summary"]
    [line] = [x for x in summary.lines if x.startswith("Products to look at")]
    assert line.startswith("Products to look at (of 7; reviewlens scorecard): Roma (Altona): rating 2.50★ against 4.")
    assert "; Roma (Bergedorf): " in line and "rating fell 2.07★ to 2.47★" in line and "Curio" not in line
    assert "(p < 0.001), most of all wait time (40%); Roma (Bergedorf)" in line  # what its reviews say most


def test_the_weekly_summary_says_the_theme_a_flagged_branchs_reviews_are_most_in(store):
    from datetime import datetime, timezone

    from reviewlens.alerts import find_alerts
    from reviewlens.config import AlertSettings
    from reviewlens.schema import ComplaintTheme

    seed(store)
    altona = list(store.reviews_frame(products=["Roma (Altona)"])["id"])
    store.save_complaints([ComplaintTheme("Pizza arrives cold", "", 9, 5.0, review_ids=altona[:9])])
    (summary,) = [a for a in find_alerts(store, AlertSettings(), datetime(2026, 11, 25, tzinfo=timezone.utc))
                  if a.kind == "summary"]
    [line] = [x for x in summary.lines if x.startswith("Products to look at")]
    assert ', most of all "Pizza arrives cold" (30%); Roma (Bergedorf)' in line


def test_a_name_from_a_file_cannot_drive_the_terminal(sqlite_store):
    """Product names come from files and pages: the table prints them with control characters removed and bidi
    controls shown, as `compare` does."""
    sqlite_store.upsert_reviews([Review(source="s", text=f"Review {i}", product=p, rating=3)
                                 for i, p in enumerate(["Evil\x1b[2J\u202eKettle", "Toaster"] * 2)])
    text = scorecard(sqlite_store).text()
    assert "\x1b" not in text and "\u202e" not in text and "⟨U+202E⟩" in text


def test_each_group_names_the_complaint_theme_most_of_its_reviews_are_in(store, tmp_path):
    """The topic ("Wait time") says where; the complaint theme the Overview shows ("Pizza arrives cold") says what
    to fix. Each group's top theme: the one most of its reviews are in, counted within the filters."""
    from reviewlens.schema import ComplaintTheme

    seed(store)
    assert not scorecard(store).has_themes() and "Top theme" not in scorecard(store).text()
    ids = {r: list(store.reviews_frame(products=[f"Roma ({r})"])["id"]) for r in ("Altona", "Bergedorf", "Curio")}
    store.save_complaints([
        ComplaintTheme("Slow service", "", 9, 5.0, review_ids=ids["Curio"][:2] + ids["Bergedorf"][:1]),
        ComplaintTheme("Pizza arrives cold", "", 8, 4.0, review_ids=ids["Altona"][:6] + ids["Bergedorf"][:1]),
        ComplaintTheme("\x1b[2JRude\u202e staff", "", 2, 1.0, review_ids=ids["Curio"][2:4])])
    card = scorecard(store)
    table = card.table().set_index("name")
    assert table.loc["Roma (Altona)", "theme"] == "Pizza arrives cold"
    assert table.loc["Roma (Altona)", "theme_share"] == pytest.approx(20.0)  # 6 of its 30 analyzed reviews (of all time)
    assert table.loc["Roma (Bergedorf)", "theme"] == "Slow service"  # one review each: the higher-ranked theme
    assert table.loc["Roma (Curio)", "theme"] == "Slow service"  # 2 and 2: the higher-ranked
    assert pd_isna(table.loc["Roma (Dammtor)", "theme"]) and table.loc["Roma (Altona)", "complaint"] == "Wait time"
    text = card.text()
    assert "Top theme" in text and "Pizza arrives cold (20%)" in text and "top theme: the complaint theme" in text
    # within the filters: Altona's reviews of the last 30 days are 5, of them 5 in the theme (one every 6 days)
    recent = scorecard(store, f=Filters.of(since=NEWEST - timedelta(days=29), until=NEWEST))
    assert {r.name: r.theme_reviews for r in recent.rows}["Roma (Altona)"] == 5
    # themes found in the last 30 days: the share is of the group's reviews of those days (5 of Altona's)
    store.save_complaints([ComplaintTheme("Pizza arrives cold", "", 4, 4.0, review_ids=ids["Altona"][:4])],
                          scope={"since": str(NEWEST - timedelta(days=29)), "until": str(NEWEST)})
    card = scorecard(store)
    assert {r.name: r.theme_share for r in card.rows}["Roma (Altona)"] == pytest.approx(80.0)
    assert card.themes_of == ("2026-10-22", "2026-11-20") and "of the reviews of 2026-10-22 to 2026-11-20" in card.text()
    assert card.as_dict()["themes_of"] == ["2026-10-22", "2026-11-20"]
    assert {g["name"]: g["theme"] for g in card.as_dict()["groups"]}["Roma (Altona)"] == "Pizza arrives cold"
    # a theme's name is model-made from reviews: neutralized in the terminal
    store.save_complaints([ComplaintTheme("\x1b[2JRude\u202e staff", "", 6, 1.0, review_ids=ids["Curio"][:6])])
    text = scorecard(store).text()
    assert "\x1b" not in text and "Rude⟨U+202E⟩ staff (20%)" in text


def test_a_branch_whose_ones_come_without_words_needs_a_look(store):
    """Three reviews with words, all 4★, and thirty 1★ without words (the oven broke; people left stars, not
    words): too few reviews to test, so it was listed last and never flagged. Counted with its star-only ratings,
    as the site counts its rating, it is flagged and says why."""
    seed(store)
    store.upsert_reviews([Review(source="maps", text=f"Hafen review {i}", product="Roma (Hafen)", rating=4,
                                 date=NEWEST - timedelta(days=i)) for i in range(3)])
    card = scorecard(store)
    assert not {r.name: r for r in card.rows}["Roma (Hafen)"].flags(card.tests)
    store.upsert_star_ratings([{"id": f"h{i:023d}", "source": "maps", "product": "Roma (Hafen)", "rating": 1.0,
                                "date": NEWEST - timedelta(days=i % 20)} for i in range(30)])
    card = scorecard(store)
    hafen = {r.name: r for r in card.rows}["Roma (Hafen)"]
    [why] = hafen.flags(card.tests)
    assert why.startswith(f"rating with star-only {(12 + 30) / 33:.2f}★ against ")
    assert why.endswith("33 ratings, 30 of them without words)")
    assert card.rows[0].name in ("Roma (Altona)", "Roma (Bergedorf)", "Roma (Hafen)")  # flagged: at the top
    assert [r.name for r in card.rows].index("Roma (Hafen)") < 3
    assert "! Roma (Hafen): rating with star-only" in card.text()
