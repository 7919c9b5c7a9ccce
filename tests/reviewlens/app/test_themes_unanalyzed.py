"""`complaints`, `praise` and `requests` on reviews the analysis has not read: a retailer with 16,045 of the period's
16,362 reviews not analyzed got themes whose --help said "the analyzed reviews", and nothing in the output said
that most were read from their stars and a word list. Now the help says how a review not analyzed is read, and the
output how many of the period's reviews (and of the period before) were read so."""

from __future__ import annotations

from datetime import date, timedelta

import analysis.complaints
from reviewlens.app import jobs
from reviewlens.app.cli import main
from reviewlens.schema import Analysis, ComplaintTheme, Review

UNTIL = date(2026, 11, 30)


def test_the_output_says_how_many_reviews_were_read_without_the_analysis(store, monkeypatch):
    rs = [Review(source="shop", text=f"The battery died, review {i}", product="Laptop", rating=1 + i % 5,
                 author=f"a{i}", date=UNTIL - timedelta(days=i * 3)) for i in range(60)]  # 30 in each 90 days
    store.upsert_reviews(rs)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="v", sentiment="negative")
                         for r in rs[:4]])  # the 4 newest analyzed
    monkeypatch.setattr(analysis.complaints, "find_complaints", lambda cur, prev, **kw: [ComplaintTheme(
        label="Battery", summary="", count=2, share=0.1, review_ids=list(cur["id"])[:2])])
    themes, scope = jobs.run_complaints(store, since=UNTIL - timedelta(days=89), until=UNTIL, backend=None,
                                        taxonomy=None, sharp=False)
    assert (scope["reviews"], scope["analyzed"], scope["previous_reviews"], scope["previous_analyzed"]) == (30, 4, 30, 0)
    text = jobs.format_complaints(themes, scope)
    assert ("(26 of these 30 reviews are not analyzed yet; of the period before, 30 of 30: they were read by their "
            "stars and a word list instead of the analysis") in text
    assert "not analyzed" not in jobs.format_complaints(themes, {**scope, "analyzed": 30, "previous_analyzed": 30})
    assert "without the analysis's topics" in jobs.format_complaints(themes, scope, kind="requests")


def test_the_help_does_not_say_analyzed_reviews_only(capsys):
    for kind in ("complaints", "praise", "requests"):
        try:
            main([kind, "--help"])
        except SystemExit:
            pass
        out = " ".join(capsys.readouterr().out.split())
        assert "statements of the analyzed reviews" not in out and "not analyzed yet" in out, kind


def test_themes_found_under_other_topics_keep_no_name(store, monkeypatch):
    """A hotel's reviews first analyzed under a shop's topics gave mixed praise themes ("Great reception" holding
    rooms and breakfasts); after the hotels preset was set, the new clusters kept those names as themes "found
    again". Themes found under other topics are now named anew; under the same topics a name is kept."""
    from analysis.taxonomy import PRESETS, Taxonomy

    rs = [Review(source="g", text=f"Lovely room {i}.", rating=5, author=f"a{i}", date=UNTIL - timedelta(days=i))
          for i in range(10)]
    store.upsert_reviews(rs)
    seen = []

    def find(cur, prev, **kw):
        seen.append([t.label for t in kw["known"]])
        return [ComplaintTheme(label=kw["known"][0].label if kw["known"] else "Good room", summary="", count=10,
                               share=1.0, review_ids=list(cur["id"]))]

    monkeypatch.setattr(analysis.complaints, "find_complaints", find)
    shop, hotel = Taxonomy(list(PRESETS["products"])), Taxonomy(list(PRESETS["hotels"]))
    run = lambda tax: jobs.run_complaints(store, since=UNTIL - timedelta(days=89), until=UNTIL, backend=None,  # noqa: E731
                                          taxonomy=tax, sharp=False)
    run(shop)
    store.rename_theme("Good room", "Great reception")  # as the old, mixed theme was named
    assert run(shop)[0][0].label == "Great reception" and seen[-1] == ["Great reception"]  # same topics: kept
    themes, scope = run(hotel)
    assert seen[-1] == [] and themes[0].label == "Good room" and scope["topics"] != ""
    assert run(hotel)[0][0].label == "Good room" and seen[-1] == ["Good room"]  # and kept from then on
