"""The read layer (reviewlens.queries, reviewlens.filters) against real SQLite and PostgreSQL stores."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reviewlens import queries as Q
from reviewlens.filters import Filters, previous_period
from reviewlens.schema import ComplaintTheme, Quote
from reviewlens.store import complaint_themes

from tests.dashboard.seed import ANCHOR, CURRENT, PREVIOUS, Seed, seeded  # noqa: F401  (fixture)


def _expect(seed: Seed, lo: date, hi: date, **kw) -> list:
    out = seed.in_period(lo, hi)
    if "sentiments" in kw:
        out = [r for r in out if seed.sentiments[r.id] in kw["sentiments"]]
    if "topics" in kw:
        out = [r for r in out if any(t in kw["topics"] for t, _ in seed.topics[r.id])]
    if "products" in kw:
        out = [r for r in out if r.product in kw["products"]]
    if "sources" in kw:
        out = [r for r in out if r.source in kw["sources"]]
    return out


def test_options_cover_the_store(seeded):
    store, seed = seeded
    o = Q.options(store)
    assert o.total == len(seed.reviews)
    assert o.last_date == ANCHOR
    assert set(o.sources) == {"shop.example.com", "forum.example.org"}
    assert "Acme Kettle" in o.products and "-2+3" in o.products
    assert set(o.topics) == {"delivery", "quality", "price"}


def test_headline_and_previous_period(seeded):
    store, seed = seeded
    f = Filters.of(since=CURRENT[0], until=CURRENT[1])
    h = Q.headline(store, f)
    cur = _expect(seed, *CURRENT)
    prev = _expect(seed, *PREVIOUS)
    assert h.reviews == len(cur)
    assert h.avg_rating == pytest.approx(sum(r.rating for r in cur) / len(cur))
    neg = sum(seed.sentiments[r.id] == "negative" for r in cur)
    pos = sum(seed.sentiments[r.id] == "positive" for r in cur)
    assert h.share_negative == pytest.approx(100 * neg / len(cur))
    assert h.net_sentiment == pytest.approx(100 * (pos - neg) / len(cur))
    assert h.previous is not None and h.previous.reviews == len(prev) == 10
    assert h.previous.net_sentiment == pytest.approx(100.0)
    assert h.delta("reviews") == len(cur) - 10
    assert h.delta("avg_rating") == pytest.approx(h.avg_rating - h.previous.avg_rating)
    # 10 analyzed reviews before: too few for a change of what the analysis reads (schema.MIN_PREVIOUS_REVIEWS)
    assert h.delta("net_sentiment") is None and h.delta("share_negative") is None
    assert "the period before has 10 analyzed reviews" in h.no_change_reason("net_sentiment")
    assert Q.headline(store, Filters()).previous is None


@pytest.mark.parametrize("kw", [
    {"sentiments": ["negative"]}, {"topics": ["delivery"]}, {"products": ["Globex Toaster"]},
    {"sources": ["forum.example.org"]}, {"sentiments": ["positive", "neutral"], "topics": ["price"]},
])
def test_filters_change_the_numbers(seeded, kw):
    store, seed = seeded
    f = Filters.of(since=CURRENT[0], until=CURRENT[1], **kw)
    expected = _expect(seed, *CURRENT, **kw)
    assert 0 < len(expected) < len(_expect(seed, *CURRENT))
    assert Q.headline(store, f).reviews == len(expected)
    assert Q.count_reviews(store, f) == len(expected)
    assert int(Q.rating_distribution(store, f)["reviews"].sum()) == len(expected)


def test_rating_and_search_filters(seeded):
    store, seed = seeded
    low = Filters.of(max_rating=2)
    assert Q.count_reviews(store, low) == sum(1 for r in seed.reviews if r.rating <= 2)
    assert Q.count_reviews(store, Filters.of(min_rating=4.5)) == sum(1 for r in seed.reviews if r.rating >= 4.5)
    # case-insensitive; LIKE wildcards in the search are literal
    assert Q.count_reviews(store, Filters.of(search="ARRIVED LATE")) == sum(
        1 for r in seed.reviews if "arrived late" in r.text)
    assert Q.count_reviews(store, Filters.of(search="100%_")) == 0
    assert Q.count_reviews(store, Filters.of(search="<script>")) == 1


def test_filters_validate():
    with pytest.raises(ValueError, match="unknown sentiment"):
        Filters.of(sentiments=["angry"])
    with pytest.raises(ValueError, match="date range is empty"):
        Filters.of(since=date(2026, 2, 1), until=date(2026, 1, 1))
    f = Filters.of(since=date(2026, 1, 11), until=date(2026, 1, 20))
    assert f.previous_period() == Filters.of(since=date(2026, 1, 1), until=date(2026, 1, 10))


def test_timeseries_buckets(seeded):
    store, seed = seeded
    f = Filters.of(since=CURRENT[0], until=CURRENT[1])
    # about 2.6 dated reviews a week: too few for weekly shares, so months unless asked (reviewlens.buckets)
    assert Q.granularity_for(store, f) == "month"
    assert Q.granularity_for(store, f, "week") == "week" and Q.granularity_for(store, f, "month") == "month"
    weekly = Q.timeseries(store, f, "week")
    assert int(weekly["reviews"].sum()) == len(_expect(seed, *CURRENT))
    assert all(p.weekday() == 0 for p in weekly["period"])  # Monday-based weeks on both databases
    assert (weekly["positive"] + weekly["neutral"] + weekly["negative"] == weekly["reviews"]).all()
    monthly = Q.timeseries(store, Filters(), "month")
    assert all(p.day == 1 for p in monthly["period"])
    assert int(monthly["reviews"].sum()) == len(seed.reviews)
    oct_row = monthly[monthly["period"] == "2026-10-01"].iloc[0]
    octs = [r for r in seed.reviews if r.date.month == 10 and r.date.year == 2026]
    assert oct_row["reviews"] == len(octs)
    assert oct_row["avg_rating"] == pytest.approx(sum(r.rating for r in octs) / len(octs))


def test_topics_entities(seeded):
    store, seed = seeded
    t = Q.topics_by_sentiment(store, Filters())
    got = {(r.topic, r.sentiment): r.reviews for r in t.itertuples()}
    want: dict = {}
    for r in seed.reviews:
        for topic, s in seed.topics[r.id]:
            want[(topic, s)] = want.get((topic, s), 0) + 1
    assert got == want
    assert set(t["label"]) >= {"Delivery", "Quality", "Price"}
    summary = Q.topic_summary(t)
    assert summary["total"].sum() == sum(want.values())
    only = Q.topics_by_sentiment(store, Filters.of(topics=["price"]))
    assert set(only["topic"]) == {"price"}
    ents = Q.top_entities(store, Filters(), limit=5)
    # each review names its own product: left out, as `reviewlens mentions` leaves it out
    assert not {"Acme Kettle", "Globex Toaster"} & set(ents["entity"])
    assert list(ents["entity"])[:2] == ["Berlin", "DHL"] and ents.iloc[0]["type"] == "LOCATION"
    dhl = ents[ents["entity"] == "DHL"].iloc[0]
    assert dhl["mentions"] == sum(1 for r in seed.reviews if "DHL" in r.text)
    assert dhl["positive"] + dhl["neutral"] + dhl["negative"] == dhl["mentions"]


def test_complaints_recounted_under_filters(seeded):
    store, seed = seeded
    themes, scope = Q.complaints(store, Filters())
    assert [t.label for t in themes][:2] and scope["computed_at"]
    by = {t.label: t for t in themes}
    assert by["Late delivery"].filtered_count == len(seed.theme_ids["Late delivery"])
    assert by["Late delivery"].arrow == "▲" and by["Breaks quickly"].arrow == "▼"
    only_forum = Filters.of(sources=["forum.example.org"])
    themes2, _ = Q.complaints(store, only_forum)
    forum_ids = {r.id for r in seed.reviews if r.source == "forum.example.org"}
    by2 = {t.label: t for t in themes2}
    for label, ids in seed.theme_ids.items():
        assert by2[label].filtered_count == len(set(ids) & forum_ids)
        assert set(by2[label].filtered_ids) == set(ids) & forum_ids
    total = Q.count_reviews(store, only_forum)
    assert by2["Late delivery"].filtered_share == pytest.approx(by2["Late delivery"].filtered_count / total)


def test_review_page_is_paginated_in_sql(seeded):
    store, seed = seeded
    page1, total = Q.review_page(store, Filters(), page=1, page_size=7)
    page2, _ = Q.review_page(store, Filters(), page=2, page_size=7)
    assert total == len(seed.reviews) and len(page1) == 7 and len(page2) == 7
    assert not set(page1["id"]) & set(page2["id"])
    assert page1.iloc[0]["id"] == seed.xss_id  # newest first
    assert list(page1["date"]) == sorted(page1["date"], reverse=True)
    assert isinstance(page1.iloc[0]["topics"], list) and page1.iloc[0]["entities"][0]["type"] == "ORG"
    last, _ = Q.review_page(store, Filters(), page=99, page_size=7)
    assert last.empty
    ids = seed.theme_ids["Breaks quickly"]
    sub, n = Q.review_page(store, Filters(review_ids=tuple(ids)), page=1, page_size=100)
    assert n == len(ids) and set(sub["id"]) == set(ids)
    assert Q.count_reviews(store, Filters(review_ids=())) == 0


def test_streamed_rows_and_runs(seeded):
    store, seed = seeded
    rows = list(Q.iter_review_rows(store, Filters(), chunk=5))
    assert len(rows) == len(seed.reviews) == len({r["id"] for r in rows})
    runs = Q.runs_frame(store)
    assert list(runs["status"]) == ["ok", "partial"]
    partial = runs.iloc[1]
    assert partial["error_count"] == 1 and "Timeout" in partial["errors"][0]["message"]
    assert partial["reviews_new"] == len(seed.reviews) and partial["duration_s"] >= 0


def test_empty_store(store):
    o = Q.options(store)
    assert o.total == 0 and o.last_date is None
    assert Q.headline(store, Filters()).reviews == 0
    assert Q.timeseries(store, Filters(), "week").empty
    assert Q.complaints(store, Filters()) == ([], {})
    df, n = Q.review_page(store, Filters())
    assert df.empty and n == 0
    assert Q.default_period(o, 90) == (None, None)
    assert Q.default_period(Q.Options(1, [], [], [], ANCHOR - timedelta(days=500), ANCHOR), 90)[0] == CURRENT[0]


def test_previous_period():
    assert previous_period(date(2026, 1, 11), date(2026, 1, 20)) == (date(2026, 1, 1), date(2026, 1, 10))
    assert previous_period(date(2026, 3, 1), date(2026, 3, 1)) == (date(2026, 2, 28), date(2026, 2, 28))
    assert previous_period(*CURRENT) == PREVIOUS
    with pytest.raises(ValueError, match="date range is empty"):
        previous_period(date(2026, 1, 2), date(2026, 1, 1))
    assert Filters.of(since=CURRENT[0]).previous_period() is None  # an open period has none


def test_date_span_and_count(seeded):
    store, seed = seeded
    assert Q.date_span(store) == (min(r.date for r in seed.reviews), ANCHOR)
    assert Q.count_reviews(store) == len(seed.reviews) == Q.options(store).total


def test_date_span_of_an_empty_store(store):
    assert Q.date_span(store) == (None, None)
    assert Q.count_reviews(store) == 0


def test_latest_complaints_as_records(seeded):
    store, seed = seeded
    themes, scope = Q.latest_complaints(store)
    assert all(isinstance(t, ComplaintTheme) for t in themes)
    assert [t.label for t in themes][:2] == ["Late delivery", "Breaks quickly"]  # stored rank order
    late = themes[0]
    assert late.review_ids == seed.theme_ids["Late delivery"] and late.trend == pytest.approx(4.5)
    assert late.quotes == [Quote(seed.theme_ids["Late delivery"][0], "arrived late", "https://shop.example.com/p/1#r")]
    assert scope["since"] == str(CURRENT[0])
    assert scope["computed_at"].endswith("+00:00")  # UTC on both databases
    # the dashboard's view is built on the same read
    views, scope2 = Q.complaints(store, Filters())
    assert scope2 == scope and {v.label for v in views} == {t.label for t in themes}
    assert next(v for v in views if v.label == "Late delivery").quotes == late.quotes


def test_latest_complaints_survive_unreadable_json(seeded, caplog):
    store, seed = seeded
    store.save_complaints([ComplaintTheme(label="Good", summary="", count=1, share=0.1, review_ids=[seed.xss_id],
                                          quotes=[Quote(seed.xss_id, "Nice")]),
                           ComplaintTheme(label="Broken", summary="", count=1, share=0.1)])
    with store.engine.begin() as c:
        c.execute(complaint_themes.update().where(complaint_themes.c.label == "Broken")
                  .values(quotes="{not json", review_ids="[1, 2"))
        c.execute(complaint_themes.update().where(complaint_themes.c.label == "Good")
                  .values(quotes='[{"text": "Nice", "review_id": "x", "extra": 1}, "junk"]'))
    themes, scope = Q.latest_complaints(store)
    assert [t.label for t in themes] == ["Good", "Broken"]
    assert themes[0].quotes == [Quote("x", "Nice")] and themes[1].quotes == [] and themes[1].review_ids == []
    assert "unreadable JSON" in caplog.text and scope["computed_at"]
    views, _ = Q.complaints(store, Filters())
    assert {v.label: v.filtered_count for v in views} == {"Good": 1, "Broken": 0}


def test_runs_frame_is_the_store_run_history(seeded):
    store, _ = seeded
    runs = Q.runs_frame(store, limit=1)
    assert list(runs["id"]) == [r["id"] for r in store.list_runs(limit=1)]
    assert str(runs["started_at"].dt.tz) == "UTC"


def test_one_trend_arrow_for_terminal_dashboard_and_report():
    """A trend under half a point is "about the same" everywhere (the terminal used ► under 0.5, the
    dashboard and the report ▼ from 0.05: "-0.5 pp" showed as falling on one and flat on the other)."""
    from reviewlens.app.jobs import format_complaints
    from reviewlens.schema import trend_arrow

    assert [trend_arrow(t) for t in (None, 0.0, 0.49, -0.49, 0.5, -0.5, 12.0)] == ["→", "→", "→", "→", "▲", "▼", "▲"]
    theme = ComplaintTheme(label="Late delivery", summary="", count=3, share=0.1, previous_count=3, trend=-0.49)
    view = Q.ThemeView(**{**theme.__dict__, "rank": 1})
    assert view.arrow == "→"
    assert "trend → -0.5 pts" in format_complaints([theme], {})


def test_rating_impact_is_the_themes_mean_against_the_rest():
    """What a complaint costs in rating: its reviews' mean star rating against the other reviews', and how
    much the average would rise if its reviews were rated like the others."""
    ratings = {"a": 1.0, "b": 2.0, "c": 1.0, "d": 5.0, "e": 4.0, "f": 5.0, "g": 4.0, "h": 2.0}
    m = Q.rating_impact(ratings, ["a", "b", "c", "not-rated"])
    assert (m.rated, m.others_rated) == (3, 5)
    assert m.mean == pytest.approx(4 / 3) and m.others_mean == pytest.approx(20 / 5)
    assert m.gap == pytest.approx(4 / 3 - 4)
    # the average is 24/8; with a, b and c rated 4 like the others it would be 32/8
    assert m.at_stake == pytest.approx(32 / 8 - 24 / 8)
    assert m.text() == "rated 1.3★ (3 rated) vs 4.0★ for the other reviews; 1.00★ of the average rating at stake"
    assert Q.rating_impact(ratings, ["d", "e", "f"]).at_stake == 0.0  # rated above the rest: nothing at stake
    assert Q.rating_impact(ratings, ["a", "b"]) is None  # two rated reviews say little
    assert Q.rating_impact({k: ratings[k] for k in "abcde"}, ["a", "b", "c"]) is None  # two others


def test_a_complaint_that_travels_with_a_costly_one_is_not_charged_for_it():
    """Late delivery costs 2 stars; "box" is raised mostly by reviews that also say "late", and costs nothing
    itself. Its plain gap (its reviews against the rest) charges it for the lateness; the held-equal effect
    does not, and the rating at stake follows the effect."""
    import random

    rng = random.Random(7)
    ratings, late, box = {}, [], []
    for i in range(300):
        rid = f"r{i}"
        is_late = i < 90
        is_box = (i < 60) or (200 <= i < 215)  # 60 of its 75 reviews are also late
        ratings[rid] = min(5.0, max(1.0, round(4.3 - 2.0 * is_late + rng.gauss(0, 0.6))))
        if is_late:
            late.append(rid)
        if is_box:
            box.append(rid)
    m_late, m_box = Q.rating_impacts(ratings, [late, box])
    plain_box = Q.rating_impact(ratings, box)
    assert plain_box.gap < -1.0  # the plain measure: box reviews look 1+ star worse
    assert abs(m_box.effect) < m_box.effect_ci  # held equal: no cost distinguishable from none
    assert m_late.effect == pytest.approx(-2.0, abs=0.3) and m_late.effect_ci < 0.4
    assert m_box.at_stake < 0.05 < plain_box.at_stake  # what to fix first no longer puts the box up there
    assert (m_box.rated, m_box.mean) == (plain_box.rated, plain_box.mean)  # the plain numbers stay shown
    assert "the other complaints held equal, 2.0★ lower (±0.2)" in m_late.text()
    # too few rated reviews to fit: the plain impacts alone
    few = {k: ratings[k] for k in list(ratings)[:7]}  # 7 ratings, 3 coefficients: 4 degrees of freedom
    got = Q.rating_impacts(few, [late[:4], box[:4]])
    assert got[0] is not None and all(m.effect is None for m in got if m is not None)


def test_themes_carry_their_rating_impact_within_the_filters(seeded):
    store, seed = seeded
    views, scope = Q.complaints(store, Filters())
    # all reviews, kept to the period the themes were computed for (their members are that period's reviews)
    ratings = {r.id: r.rating for r in seed.reviews if r.rating is not None and r.date and r.date >= CURRENT[0]}
    late = next(v for v in views if v.label == "Late delivery")
    inside = [ratings[i] for i in seed.theme_ids["Late delivery"] if i in ratings]
    others = [v for k, v in ratings.items() if k not in set(seed.theme_ids["Late delivery"])]
    assert late.impact.rated == len(inside) and late.impact.mean == pytest.approx(sum(inside) / len(inside))
    assert late.impact.others_mean == pytest.approx(sum(others) / len(others))
    # the same numbers for the terminal, within the scope the themes were computed for
    from reviewlens.app.jobs import format_complaints

    themes, _ = Q.latest_complaints(store)
    impacts = Q.theme_impacts(store, themes, {"since": str(CURRENT[0]), "until": None, "products": []})
    assert impacts[[t.label for t in themes].index("Late delivery")] == late.impact
    assert f"Its reviews: {late.impact.text()}." in format_complaints(themes, {}, impacts)
    assert Q.theme_impacts(store, themes, {"since": "not a date"}) == [None] * len(themes)
    # what to fix first: the themes with an impact, most rating at stake first
    low = Q.RatingImpact(rated=3, mean=1.0, others_rated=7, others_mean=4.0)    # 0.9 at stake
    high = Q.RatingImpact(rated=5, mean=2.0, others_rated=5, others_mean=4.0)   # 1.0 at stake
    assert Q.by_stake(["A", "B", "C"], [low, None, high]) == "C 1.00★ · A 0.90★"
    assert Q.by_stake(["A", "B"], [low, None]) == ""
    text = format_complaints(themes, {}, impacts)
    assert text.splitlines()[1].startswith("Average rating at stake, the most first (what to fix first; the list goes by count): ")


def test_a_narrower_period_gets_its_own_previous_count_and_trend(seeded, monkeypatch):
    """`report --since` 30 days into themes computed for 90 showed the 90 days' Previous and Trend beside the
    30 days' counts. The period as long before it is recounted when it lies in the themes' period; when it
    does not (its reviews are no theme's members) it is unknown, not the computed one; about the themes' own
    period keeps the computed numbers."""
    store, seed = seeded
    # the seed's 30 days before hold 10 reviews, no base for a trend (test_no_trend_against_too_few_reviews_before):
    # the bar lowered to see the recount itself
    monkeypatch.setattr("reviewlens.schema.MIN_PREVIOUS_REVIEWS", 5)
    last30 = Filters.of(since=ANCHOR - timedelta(days=29), until=ANCHOR)
    before = (ANCHOR - timedelta(days=59), ANCHOR - timedelta(days=30))
    themes, _ = Q.complaints(store, last30)
    late = next(t for t in themes if t.label == "Late delivery")
    ids = set(seed.theme_ids["Late delivery"])
    now = [r for r in seed.in_period(ANCHOR - timedelta(days=29), ANCHOR) if r.id in ids]
    prior = [r for r in seed.in_period(*before) if r.id in ids]
    assert late.filtered_count == len(now) and late.filtered_previous == len(prior) and prior
    total, total_before = len(seed.in_period(last30.since, ANCHOR)), len(seed.in_period(*before))
    assert late.filtered_trend == pytest.approx(100 * (len(now) / total - len(prior) / total_before))
    assert late.trend != pytest.approx(late.filtered_trend)  # the computed one, for the 90 days, stays apart
    early = Filters.of(since=CURRENT[0] + timedelta(days=20), until=CURRENT[0] + timedelta(days=40))
    early_themes, _ = Q.complaints(store, early)  # the 21 days before it begin before the themes' period
    assert all(t.filtered_previous is None and t.filtered_trend is None and t.arrow == "→" for t in early_themes)
    whole, _ = Q.complaints(store, Filters.of(since=CURRENT[0], until=CURRENT[1]))
    assert all((t.filtered_previous, t.filtered_trend) == (t.previous_count, t.trend) for t in whole)
    # a part of the themes' reviews (one source, a language, a rating) over their own period showed the trend of
    # all reviews beside its own counts: the previous period's members are not kept, so it is unknown
    part, _ = Q.complaints(store, Filters.of(since=CURRENT[0], until=CURRENT[1], sources=["forum.example.org"]))
    assert any(t.filtered_count for t in part) and any(t.trend for t in whole)
    assert all(t.filtered_previous is None and t.filtered_trend is None for t in part)
    everything, _ = Q.complaints(store, Filters())  # no dates: the themes' own reviews, their computed trend
    assert all((t.filtered_previous, t.filtered_trend) == (t.previous_count, t.trend) for t in everything)


def test_theme_quotes_keep_to_the_filters(seeded):
    """A theme's stored quotes were shown whatever the filters: three quotes from outside a 3-day period under a
    theme of 2 reviews in it. Only quotes of reviews within the filters are shown."""
    store, seed = seeded
    late = next(t for t in Q.complaints(store, Filters())[0] if t.label == "Late delivery")
    assert [q.review_id for q in late.quotes] == [seed.theme_ids["Late delivery"][0]]
    quoted = next(r for r in seed.reviews if r.id == late.quotes[0].review_id)
    other = next(r for r in seed.reviews if r.id in seed.theme_ids["Late delivery"] and r.date != quoted.date)
    elsewhere = next(t for t in Q.complaints(store, Filters.of(since=other.date, until=other.date))[0]
                     if t.label == "Late delivery")
    assert elsewhere.quotes == [] and elsewhere.filtered_count == 1
    same = next(t for t in Q.complaints(store, Filters.of(since=quoted.date, until=quoted.date))[0]
                if t.label == "Late delivery")
    assert [q.review_id for q in same.quotes] == [quoted.id]
