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
