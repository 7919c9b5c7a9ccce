"""The alert rules (reviewlens.alerts) on a seeded store, SQLite and PostgreSQL: what each rule raises,
what it leaves alone, and that nothing is raised twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from reviewlens.alerts import WATCH_KEY, Alert, find_alerts, verbatim_excerpt
from reviewlens.config import AlertSettings
from reviewlens.schema import ComplaintTheme, Quote, Review

NEWEST = date(2026, 11, 20)
NOW = datetime.now(timezone.utc)


def _review(text: str, rating: float | None, day: date, product: str = "Kettle", **kw) -> Review:
    return Review(source="shop", text=text, product=product, rating=rating, date=day, author=text[:12], **kw)


def seed(store) -> dict:
    """Two weeks of reviews: the Kettle falls from ~4.5 to ~2.3 stars in the last week, the Toaster
    stays at 4; runs of every status; complaint themes rising, new, small and falling."""
    this_week = [NEWEST - timedelta(days=i) for i in range(6)]
    last_week = [NEWEST - timedelta(days=7 + i) for i in range(6)]
    old = NOW - timedelta(days=3)  # stored before alerts were first checked (a day's look back)
    reviews = [_review(f"Kettle was great, week one #{i}", 5 if i % 2 else 4, d, scraped_at=old)
               for i, d in enumerate(last_week)]
    reviews += [_review(f"Toaster fine #{i}", 4, d, product="Toaster", scraped_at=old) for i, d in enumerate(last_week)]
    reviews += [_review(f"Kettle leaks from the lid #{i} <script>alert(1)</script>", 2, d)
                for i, d in enumerate(this_week[:4])]
    reviews += [_review(f"Kettle is loud #{i}", 3, d) for i, d in enumerate(this_week[4:])]
    reviews += [_review(f"Toaster fine again #{i}", 4, d, product="Toaster") for i, d in enumerate(this_week[:5])]
    reviews += [_review("Toaster works but I asked for a Refund of the shipping.", 4, this_week[5], product="Toaster"),
                _review("Prefunded gift card, toaster ok.", 4, this_week[5], product="Toaster"),
                _review("Old one-star review before alerts existed", 1, last_week[0], scraped_at=old)]
    store.upsert_reviews(reviews)
    runs = {}
    for status, detail, new in (("degraded", {"message": "rating fell from 100% to 0% of reviews",
                                              "affected_page": "http://shop.example/p/2"}, 5),
                                ("failed", {}, 0), ("ok", {}, 0), ("ok", {}, 12), ("ok", {"older": 7}, 0)):
        rid = store.start_run("scrape", f"shop-{status}-{new}", "schedule")
        store.update_run(rid, pages=2, new=new, detail=detail)
        store.finish_run(rid, status, "TimeoutException: page load took too long" if status == "failed" else None)
        runs[(status, new, "older" in detail)] = rid
    runs["running"] = store.start_run("scrape", "shop-running", "schedule")
    q = Quote(review_id="r1", text="The lid leaks every time <b>I</b> pour.", url="javascript:alert(1)")
    themes = [ComplaintTheme(label="Leaking lid", summary="Water leaks from the lid.", count=12, share=0.3,
                             previous_count=1, trend=27.5, quotes=[q]),
              ComplaintTheme(label="Loud boil", summary="", count=8, share=0.2, previous_count=0, trend=20.0),
              ComplaintTheme(label="Tiny theme", summary="", count=2, share=0.05, trend=5.0),
              ComplaintTheme(label="Falling theme", summary="", count=9, share=0.225, previous_count=10, trend=-2.5)]
    store.save_complaints(themes, {"since": "2026-08-23", "until": NEWEST.isoformat(),
                                   "previous_since": "2026-05-25", "previous_until": "2026-08-22",
                                   "reviews": 40, "previous_reviews": 40})
    return runs


def by_kind(alerts: list[Alert]) -> dict[str, list[Alert]]:
    out: dict[str, list[Alert]] = {}
    for a in alerts:
        out.setdefault(a.kind, []).append(a)
    return out


def test_each_rule_raises_what_it_should(store):
    runs = seed(store)
    found = by_kind(find_alerts(store, AlertSettings(keywords=["refund"]), NOW))

    scrape = {a.key: a for a in found["scrape"]}
    assert set(scrape) == {f"scrape:{runs[('degraded', 5, False)]}", f"scrape:{runs[('failed', 0, False)]}",
                           f"scrape:{runs[('ok', 0, False)]}"}  # not the good run, nor the one whose reviews were older
    degraded = scrape[f"scrape:{runs[('degraded', 5, False)]}"]
    assert "degraded" in degraded.title and "rating fell from 100% to 0%" in degraded.lines[0]
    assert any("http://shop.example/p/2" in line for line in degraded.lines)
    assert "TimeoutException" in scrape[f"scrape:{runs[('failed', 0, False)]}"].lines[0]
    assert "found no reviews" in scrape[f"scrape:{runs[('ok', 0, False)]}"].title

    complaints = {a.title: a for a in found["complaint"]}
    assert set(complaints) == {"Complaint rising: Leaking lid", "Complaint rising: Loud boil"}
    lid = complaints["Complaint rising: Leaking lid"]
    assert "up 27.5 points" in lid.lines[0] and "1 of the 40 reviews in the period before" in lid.lines[0]
    assert "p < 0.001" in lid.lines[0] and lid.key == "complaint:leaking-lid:2026-W47"
    assert lid.quotes == [{"review_id": "r1", "text": "The lid leaks every time <b>I</b> pour.",
                           "url": "javascript:alert(1)"}]  # verbatim here; the channels escape and drop the link
    assert "new this period: 8 reviews (20%), none of the 40 reviews" in complaints["Complaint rising: Loud boil"].lines[0]

    rating = {a.title for a in found["rating"]}
    # Kettle: (4+5+4+5+4+5+1)/7 = 4.00 before, (2+2+2+2+3+3)/6 = 2.33 now, p = 0.010 (Welch, one-sided);
    # all reviews: 52/13 = 4.00 -> 42/13 = 3.23, p = 0.027: not below 0.05 / 3 groups compared, so not raised
    assert rating == {"Average rating down 1.67★: Kettle"}
    [kettle] = found["rating"]
    assert "p = 0.010" in kettle.lines[0] and kettle.products == ["Kettle"]  # routed to the Kettle's channels
    loose = by_kind(find_alerts(store, AlertSettings(rating_drop=0.5), NOW))["rating"]
    assert [a.title for a in loose] == ["Average rating down 1.67★: Kettle"]  # the threshold is in stars too

    [digest] = found["reviews"]
    texts = [q["text"] for q in digest.quotes]
    assert texts[0] == "Toaster works but I asked for a Refund of the shipping."  # the keyword first
    assert len(texts) == 5 and all("leaks" in t for t in texts[1:])  # then the low ratings, the newest first
    assert [t.split("#")[1][0] for t in texts[1:]] == ["0", "1", "2", "3"]
    assert "Prefunded" not in " ".join(texts)  # a keyword is a word, not a part of one
    assert digest.products == ["Kettle", "Toaster"]
    assert "Old one-star" not in " ".join(texts)  # stored before the look back
    assert digest.lines[0] == "5 new reviews: 1 mentioning “refund” (1); 4 rated 2★ or lower."
    assert digest.title == "5 new reviews to read, 1 mentioning “refund”"


def test_a_low_rated_review_with_a_keyword_is_named_and_quoted_first(store):
    """A one-star review that says "lawyer" among many one- and two-star ones: counted as mentioning
    "lawyer" (not only as rated low), the keywords it says named in the title and the facts, and quoted
    first however the store orders the reviews; the rest the lowest rated first, the newest first."""
    day = NEWEST - timedelta(days=3)
    reviews = [_review(f"The room was cold, night {i}", 2, day) for i in range(12)]
    reviews += [_review("Bedbugs everywhere. My LAWYER will hear of it; I want a refund.", 1, day - timedelta(days=5)),
                _review("Noisy all night", 1, NEWEST), _review("Noisy bar below us", 1, day),
                _review("Fine hotel, but I still asked for a refund of the minibar.", 4, day)]
    store.upsert_reviews(reviews)
    rules = AlertSettings(low_rating=2, keywords=["refund", "lawyer", "bedbugs", "mould"], summary="off")
    [digest] = [a for a in find_alerts(store, rules, NOW) if a.kind == "reviews"]
    texts = [q["text"] for q in digest.quotes]
    assert texts[:4] == ["Bedbugs everywhere. My LAWYER will hear of it; I want a refund.",
                         "Fine hotel, but I still asked for a refund of the minibar.",
                         "Noisy all night", "Noisy bar below us"]  # keywords, then 1★ newest first, then 2★
    assert len(texts) == 10 and all("cold" in t for t in texts[4:])
    assert digest.title == "16 new reviews to read, 2 mentioning “refund”, “lawyer”, “bedbugs”"
    assert digest.lines[0] == ("16 new reviews: 2 mentioning “refund” (2), “lawyer” (1), “bedbugs” (1); "
                               "15 rated 2★ or lower (1 of them mentions a keyword too).")
    assert "those mentioning a keyword first" in digest.lines[1] and "mould" not in " ".join(digest.lines)


def test_nothing_is_raised_twice_and_new_reviews_make_a_new_digest(store):
    seed(store)
    rules = AlertSettings()
    first = find_alerts(store, rules, NOW)
    stored = [store.add_alert(a.key, a.kind, a.title, a.body(), ["mail"], a.review_ids) for a in first]
    assert all(stored)
    again = find_alerts(store, rules, NOW)
    assert [store.add_alert(a.key, a.kind, a.title, a.body(), ["mail"], a.review_ids) for a in again
            if a.kind != "reviews"] == [None] * len([a for a in again if a.kind != "reviews"])
    assert not [a for a in again if a.kind == "reviews"]  # every low review is in the first digest
    store.upsert_reviews([_review("Kettle broke after a day", 1, NEWEST)])
    [digest] = [a for a in find_alerts(store, rules, NOW) if a.kind == "reviews"]
    assert [q["text"] for q in digest.quotes] == ["Kettle broke after a day"]
    rows = store.list_alerts()
    assert len(rows) == len(first) and all(r["deliveries"][0]["status"] == "pending" for r in rows)
    assert Alert.from_row(rows[-1]).title == first[0].title


def test_a_fall_that_chance_explains_raises_nothing(store):
    days = [NEWEST - timedelta(days=i) for i in range(14)]
    noisy = [5, 1, 5, 1, 5, 1, 5] + [1, 5, 1, 5, 1, 4, 1]  # 3.29 -> 2.57 stars: -0.71, with a spread of 2
    store.upsert_reviews([_review(f"noisy #{i}", r, d) for i, (r, d) in enumerate(zip(noisy, reversed(days)))])
    assert [a for a in find_alerts(store, AlertSettings(), NOW) if a.kind == "rating"] == []
    steady_fall = [5, 4, 5, 4, 5, 4, 5] + [3, 2, 3, 2, 3, 2, 3]  # 4.57 -> 2.57: unmistakable
    store.upsert_reviews([_review(f"steady #{i}", r, d, product="Mug") for i, (r, d)
                          in enumerate(zip(steady_fall, reversed(days)))])
    titles = [a.title for a in find_alerts(store, AlertSettings(), NOW) if a.kind == "rating"]
    assert titles == ["Average rating down 1.36★: all reviews", "Average rating down 2.00★: Mug"]  # not "Kettle"


def test_a_request_rising_or_new_is_raised_once_a_week_with_its_link(store):
    """What customers ask for, as complaints are raised: a new request theme of 5+ reviews and one whose share
    rose 5+ points; not a small one or a steady one; linked to its reviews as the explorer names them."""
    from urllib.parse import parse_qs, urlsplit

    from reviewlens.views import from_query

    seed(store)
    q = Quote(review_id="r9", text="Please add a bigger lid <b>now</b>.")
    store.save_complaints([ComplaintTheme(label="Bigger lid", summary="A lid you can fill through.", count=6,
                                          share=0.2, trend=20.0, quotes=[q], review_ids=list("abcdef")),
                           ComplaintTheme(label="Longer cord", summary="", count=9, share=0.3, previous_count=1,
                                          trend=26.7, review_ids=list("ghijklmno")),
                           ComplaintTheme(label="Blue colour", summary="", count=2, share=0.05, trend=6.7),
                           ComplaintTheme(label="Tea mode", summary="", count=8, share=0.27, previous_count=8, trend=0.0)],
                          {"since": "2026-08-23", "until": NEWEST.isoformat(), "previous_since": "2026-05-25",
                           "previous_until": "2026-08-22", "reviews": 30, "previous_reviews": 30}, kind="requests")
    rules = AlertSettings(dashboard_url="https://reviews.acme.example/")
    found = {a.title: a for a in find_alerts(store, rules, NOW) if a.kind == "request"}
    assert set(found) == {"Asked for more: Bigger lid", "Asked for more: Longer cord"}
    lid = found["Asked for more: Bigger lid"]
    assert "new this period: 6 reviews" in lid.lines[0] and lid.key == "request:bigger-lid:2026-W47"
    assert lid.quotes[0]["text"] == "Please add a bigger lid <b>now</b>." and "reviewlens requests" in lid.lines[-1]
    view, _ = from_query(parse_qs(urlsplit(lid.link).query))
    assert (view.page, view.theme) == ("Reviews", "Asked: Bigger lid")
    for a in found.values():
        assert store.add_alert(a.key, a.kind, a.title, a.body(), [], a.review_ids) is not None
    # computed again a day later and named anew by the LLM: the same request, not raised again
    store.save_complaints([ComplaintTheme(label="A lid to fill through", summary="", count=7, share=0.23, trend=23.3,
                                          review_ids=list("abcdefz"))],
                          {"since": "2026-08-23", "until": NEWEST.isoformat(), "reviews": 30, "previous_reviews": 30},
                          kind="requests")
    assert [a for a in find_alerts(store, rules, NOW) if a.kind == "request"] == []
    assert [a for a in find_alerts(store, AlertSettings(rising_request=0), NOW) if a.kind == "request"] == []


def test_rules_can_be_turned_off_and_a_dry_run_records_nothing(store):
    seed(store)
    off = AlertSettings(scrape_problems=False, rising_complaint=0, rating_drop=0, low_rating=0, summary="off")
    assert find_alerts(store, off, NOW, record=False) == []
    assert store.load_checkpoint(WATCH_KEY) is None
    find_alerts(store, off, NOW)
    assert store.load_checkpoint(WATCH_KEY) is not None


def test_the_look_back_starts_a_day_before_the_first_check(store):
    seed(store)
    later = NOW + timedelta(days=3)  # the first check three days after the reviews and runs were stored
    found = find_alerts(store, AlertSettings(), later)
    assert {a.kind for a in found} == {"rating", "summary"}  # no run, review or complaint computation is that recent


def test_verbatim_excerpt_cuts_at_a_word():
    text = "word " * 100
    out = verbatim_excerpt(text, 50)
    assert out.endswith("…") and text.startswith(out[:-1]) and len(out) <= 51
    assert verbatim_excerpt("  short  ") == "short"


def test_each_alert_links_to_its_view_in_the_dashboard(store):
    """With `dashboard_url`, an alert links to what is behind it: the link, read back as the dashboard
    reads it, is the theme's reviews in its period, the product's two weeks, the digest's reviews, the
    summary's week, the runs; without it, no link."""
    from urllib.parse import parse_qs, urlsplit

    from reviewlens.views import from_query

    seed(store)
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    found = find_alerts(store, AlertSettings(dashboard_url="https://reviews.acme.example/lens/"), monday)
    views = {}
    for a in found:
        assert a.link.startswith("https://reviews.acme.example/lens/"), a.link
        view, problems = from_query(parse_qs(urlsplit(a.link).query))
        assert problems == []
        views.setdefault(a.kind, []).append(view)
    [lid] = [v for v in views["complaint"] if v.theme == "Leaking lid"]
    assert (lid.page, lid.filters.since, lid.filters.until) == ("Reviews", date(2026, 8, 23), NEWEST)
    [kettle] = views["rating"]
    assert kettle.page == "Overview" and kettle.filters.products == ("Kettle",)
    assert (kettle.filters.since, kettle.filters.until) == (NEWEST - timedelta(days=6), NEWEST)
    [digest], [digest_alert] = views["reviews"], [a for a in found if a.kind == "reviews"]
    assert (digest.page, digest.period, digest.alert) == ("Reviews", "all", digest_alert.key)  # its reviews by key
    assert len(digest_alert.link) < 200
    [summary] = views["summary"]
    assert (summary.filters.since, summary.filters.until) == (date(2026, 11, 16), date(2026, 11, 22))
    assert {v.page for v in views["scrape"]} == {"Runs"}
    # the link is kept with the alert, and said in its text
    stored = Alert.from_row({"key": "k", "kind": "summary", "title": "t", "body": found[0].body()})
    assert stored.link == found[0].link and stored.plain_text().endswith(f"In the dashboard: {found[0].link}")
    assert all(a.link is None for a in find_alerts(store, AlertSettings(), monday, record=False))


@pytest.mark.parametrize("bad", ['summary = "monthly"', 'dashboard_url = "javascript:alert(1)"',
                                 'dashboard_url = "reviews.acme.example"', "rising_complaint = -1",
                                 "rising_request = -2", "rating_drop = -0.5", "low_rating = 6", "period_days = 0",
                                 'keywords = ["", "x"]', "min_reviews = 0", "competitor_losses = -1",
                                 "name_complaints = -2", "nope = 1"])
def test_bad_alert_settings_are_clear_errors(tmp_path, bad):
    from reviewlens.config import ConfigError, load_settings

    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text(f"[alerts]\n{bad}\n")
    with pytest.raises(ConfigError, match=r"\[alerts\]|unknown setting 'nope'"):
        load_settings(cfg)


def test_a_theme_raised_under_another_name_is_not_raised_again(store):
    scope = {"since": "2026-08-23", "until": NEWEST.isoformat(), "previous_since": "2026-05-25",
             "previous_until": "2026-08-22", "reviews": 20, "previous_reviews": 40}
    lid = ComplaintTheme(label="Leaking lid", summary="", count=6, share=0.3, trend=27.5, previous_count=1,
                         review_ids=["a", "b", "c", "d", "e", "f"])
    store.save_complaints([lid], scope)
    for a in find_alerts(store, AlertSettings(), NOW):
        store.add_alert(a.key, a.kind, a.title, a.body(), [], a.review_ids)
    renamed = ComplaintTheme(label="Lid leaks", summary="", count=7, share=0.35, trend=32.5, previous_count=1,
                             review_ids=["a", "b", "c", "d", "x", "y", "z"])  # recomputed a day later
    other = ComplaintTheme(label="Cracked base", summary="", count=5, share=0.25, trend=25.0,
                           review_ids=["p", "q", "r", "s", "e"])
    store.save_complaints([renamed, other], scope)
    titles = [a.title for a in find_alerts(store, AlertSettings(), NOW) if a.kind == "complaint"]
    assert titles == ["Complaint rising: Cracked base"]


def test_the_weekly_and_the_daily_summary(store):
    from reviewlens import queries
    from reviewlens.filters import Filters

    seed(store)
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    [weekly] = [a for a in find_alerts(store, AlertSettings(), monday) if a.kind == "summary"]
    n = queries.count_reviews(store, Filters.of(since=date(2026, 11, 16), until=date(2026, 11, 22)))
    assert weekly.key == "summary:2026-W47" and weekly.title == "ReviewLens weekly summary, 2026-W47"
    assert weekly.lines[0].startswith(f"2026-11-16 to 2026-11-22: {n} reviews (")
    assert any("1. Leaking lid: 12 reviews (30%), ▲ +27.5 pts" in line for line in weekly.lines)
    st = queries.reply_stats(store, Filters.of(since=date(2026, 11, 16), until=date(2026, 11, 22)))
    assert st.negative > 0 and st.negative_replied == 0  # no reply in the seed
    assert weekly.lines[1] == (f"Owner replies: 0 of {st.negative} negative reviews answered; {st.negative} waiting "
                               "(reviewlens replies --since 2026-11-16 drafts them).")
    assert weekly.quotes[0]["text"] == "The lid leaks every time <b>I</b> pour."
    assert not any("love" in line for line in weekly.lines)  # no praise computed yet: no line
    from reviewlens.schema import ComplaintTheme
    store.save_complaints([ComplaintTheme(label="Keeps tea hot", summary="", count=5, share=0.2, review_ids=["a"])],
                          {"since": "2026-08-23", "until": "2026-11-22"}, kind="praise")
    [weekly] = [a for a in find_alerts(store, AlertSettings(), monday) if a.kind == "summary"]
    assert "What customers love most: Keeps tea hot (5 reviews)" in weekly.lines
    assert not any("ask for" in line for line in weekly.lines)  # no requests computed: no line
    store.save_complaints([ComplaintTheme(label="A bigger lid", summary="", count=3, share=0.1, review_ids=["b"])],
                          {"since": "2026-08-23", "until": "2026-11-22"}, kind="requests")
    [weekly] = [a for a in find_alerts(store, AlertSettings(), monday) if a.kind == "summary"]
    assert "What customers ask for most: A bigger lid (3 reviews)" in weekly.lines
    # a change the user made lately, and what it did so far (an older one is not news)
    from reviewlens.changes import Effect, ThemeShift

    shift = ThemeShift("Leaking lid", 9, 2, 36.0, 8.0, 0.01)
    effect = Effect("2026-10-18", "2026-11-01", "2026-11-02", "2026-11-22", 25, 25, theme="Leaking lid", named=shift)
    store.save_change_effect(store.add_change(date(2026, 11, 2), "New  lid seal", theme="Leaking lid"), effect.as_dict())
    store.save_change_effect(store.add_change(date(2026, 5, 1), "Old change"), effect.as_dict())
    [weekly] = [a for a in find_alerts(store, AlertSettings(), monday) if a.kind == "summary"]
    assert [line for line in weekly.lines if line.startswith("Change of")] == [
        "Change of 2026-11-02, New lid seal: Fewer reviews raise 'Leaking lid' since the change: 36% before, 8% since "
        "(p = 0.010; 25 reviews since, 25 in as many days before)."]
    sunday = datetime(2026, 11, 29, 23, 0, tzinfo=timezone.utc)  # the same week: the same summary
    assert [a.key for a in find_alerts(store, AlertSettings(), sunday) if a.kind == "summary"] == ["summary:2026-W47"]
    [daily] = [a for a in find_alerts(store, AlertSettings(summary="daily"), monday) if a.kind == "summary"]
    assert daily.key == "summary:2026-11-22" and daily.lines[0].startswith("2026-11-22 to 2026-11-22: 0 reviews")
    assert not any(line.startswith("Owner replies") for line in daily.lines)  # no negative review that day
    assert not [a for a in find_alerts(store, AlertSettings(summary="off"), monday) if a.kind == "summary"]


def test_a_delivery_is_claimed_once(store):
    aid = store.add_alert("k", "test", "t", {"lines": []}, ["mail", "hook"])
    assert store.claim_delivery(aid, "mail") and not store.claim_delivery(aid, "mail")
    assert store.claim_delivery(aid, "hook")
    store.record_delivery(aid, "mail", "down")  # failed: the next check may claim it again
    assert store.claim_delivery(aid, "mail")
    store.record_delivery(aid, "mail")
    assert not store.claim_delivery(aid, "mail")  # sent: never again


def test_negative_reviews_waiting_for_a_reply(store):
    """`unanswered_days`: once a week, the negative reviews of the last 30 days that have waited that long
    without the owner's reply; answered, recent, positive and old ones are left out. SQLite and PostgreSQL."""
    from reviewlens.alerts import unanswered_alerts
    from reviewlens.schema import Analysis

    today = NOW.date()
    rows = [("The lid leaks, and nobody answers.", 1, 5, None), ("Broke on day two.", 2, 10, None),
            ("Late and dented.", 1, 8, "Sorry, a new one is on its way."),  # answered
            ("Arrived broken yesterday.", 1, 1, None),                        # too recent to count as waiting
            ("Broken last spring.", 1, 60, None),                             # the backlog, not news
            ("Lovely kettle.", 5, 6, None)]                                   # not negative
    store.upsert_reviews([_review(t, r, today - timedelta(days=d), reply=reply) for t, r, d, reply in rows])
    frame = store.reviews_frame()
    store.save_analyses([Analysis(content_hash=h, model="m", prompt_version="v", status="ok",
                                  sentiment="positive" if t.startswith("Lovely") else "negative", sentiment_score=0.9)
                         for h, t in zip(frame["content_hash"], frame["text"])])
    assert unanswered_alerts(store, AlertSettings(), NOW) == []  # off by default
    [a] = unanswered_alerts(store, AlertSettings(unanswered_days=3), NOW)
    assert a.kind == "replies" and a.title == "2 negative reviews waiting 3+ days for a reply"
    assert sorted(q["text"] for q in a.quotes) == ["Broke on day two.", "The lid leaks, and nobody answers."]
    assert a.view.filters.replied is False and a.view.filters.sentiments == ("negative",)
    assert a.key.startswith("unanswered:")
    assert [x.kind for x in find_alerts(store, AlertSettings(unanswered_days=3), NOW, record=False)].count("replies") == 1


def test_a_change_with_a_clear_result_is_raised_once_per_direction(store):
    """`change_results`: a fix whose theme fell (it worked), one whose theme rose (worse since), and none for
    a change too early to tell or without a clear result."""
    from reviewlens.changes import Effect, ThemeShift
    from reviewlens.views import to_query

    def effect(before: int, after: int, p: float, n: int = 40, label: str = "Leaking lid") -> dict:
        shift = ThemeShift(label, before, after, 100 * before / n, 100 * after / n, p, "The lid leaks <b>badly</b>.", "r7")
        return Effect("2026-10-01", "2026-10-20", "2026-10-21", "2026-11-09", n, n, theme=label,
                      named=shift, themes=[shift]).as_dict()

    worked = store.add_change(date(2026, 10, 21), "New lid seal", "Kettle", "Leaking lid",
                              fields=[("country", ("DE",))])
    store.save_change_effect(worked, effect(12, 2, 0.003))
    worse = store.add_change(date(2026, 10, 21), "Cheaper lid", None, "Leaking lid")
    store.save_change_effect(worse, effect(2, 12, 0.003))
    store.save_change_effect(store.add_change(date(2026, 10, 21), "Too soon", None, "Leaking lid"), effect(2, 6, 0.01, n=8))
    store.save_change_effect(store.add_change(date(2026, 10, 21), "Unclear", None, "Leaking lid"), effect(8, 6, 0.5))
    found = [a for a in find_alerts(store, AlertSettings(), NOW) if a.kind == "change"]
    assert [(a.key, a.title) for a in found] == [
        (f"change:{worked}:better", "It worked: New lid seal (2026-10-21)"),
        (f"change:{worse}:worse", "Worse since: Cheaper lid (2026-10-21)")]
    first = found[0]
    assert first.lines[0].startswith("Fewer reviews raise 'Leaking lid' since the change: 30% before, 5% since")
    assert first.quotes == [{"review_id": "r7", "text": "The lid leaks <b>badly</b>.", "url": None}]
    assert first.products == ["Kettle"]
    query = to_query(first.view)
    assert ("since", "2026-10-21") in query and ("product", "Kettle") in query and ("field", "country=DE") in query
    assert not [a for a in find_alerts(store, AlertSettings(change_results=False), NOW) if a.kind == "change"]


def test_the_summary_says_how_many_of_the_weeks_reviews_look_suspicious(store):
    from tests.reviewlens.test_integrity import reviews_of, row, steady, varied

    start = date(2026, 8, 24)
    rows = steady(start, 91) + [row(500 + i, varied(500 + i), rating=5, day=date(2026, 11, 18)) for i in range(8)]
    store.upsert_reviews(reviews_of(rows))
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    [weekly] = [a for a in find_alerts(store, AlertSettings(), monday) if a.kind == "summary"]
    week = [r for r in rows if date(2026, 11, 16) <= r["date"] <= date(2026, 11, 22)]
    fives = sum(r["rating"] == 5 for r in week) - 8
    without = (fives * 5 + (len(week) - 8 - fives) * 3) / (len(week) - 8)
    assert f"Suspicious reviews: 8 of the week's {len(week)}; average {without:.2f}★ without them (8 five-star " \
           "reviews of Blender on 2026-11-18 (about one every 3 days before); reviewlens suspicious lists them)." \
           in weekly.lines


def test_history_imported_today_is_not_new_to_read(store):
    """Two years of reviews imported today: the first check raised "20000 new reviews to read" and promised the rest
    next time. Only those written in the last 30 days (by their date) are new; the older ones are counted, not quoted."""
    history = [_review(f"Old complaint {i}", 1, NEWEST - timedelta(days=40 + 3 * i)) for i in range(200)]
    recent = [_review(f"Fresh complaint {i}", 1, NEWEST - timedelta(days=i)) for i in range(3)]
    store.upsert_reviews(history + recent + [_review("Undated complaint", 2, None)])
    [digest] = [a for a in find_alerts(store, AlertSettings(summary="off"), NOW, record=False) if a.kind == "reviews"]
    assert digest.title == "4 new reviews to read"
    assert sorted(q["text"] for q in digest.quotes) == ["Fresh complaint 0", "Fresh complaint 1", "Fresh complaint 2",
                                                       "Undated complaint"]
    assert digest.lines[1].startswith(f"200 more reviews stored since {NOW - timedelta(days=1):%Y-%m-%d} were "
                                      f"written before {NEWEST - timedelta(days=30)} (history")
    assert not any("the rest come in the next one" in line for line in digest.lines)


def test_a_fall_in_ratings_without_words_raises_the_rating_alert(store):
    """A release that crashes, a branch whose oven broke: the 1★ come first without words. The Kettle's few reviews
    with words hold at 4★; its star-only ratings fall from 5★ to 1★. The rating alert counted the reviews alone
    (no fall, nothing raised); it now counts the ratings as the site does, and says how many had no words."""
    this_week = [NEWEST - timedelta(days=i % 6) for i in range(12)]
    last_week = [NEWEST - timedelta(days=7 + i % 6) for i in range(12)]
    store.upsert_reviews([_review(f"Kettle fine #{i}", 4, d) for i, d in enumerate(this_week[:3] + last_week[:3])])
    store.upsert_star_ratings([{"id": f"{'n' if i < 12 else 'b'}{i:023d}", "source": "shop", "product": "Kettle",
                                "rating": 1.0 if i < 12 else 5.0, "date": d}
                               for i, d in enumerate(this_week + last_week)])
    [alert] = by_kind(find_alerts(store, AlertSettings(), NOW))["rating"]
    assert alert.title == "Average rating down 3.20★: all reviews"  # one product: its scope is all reviews
    assert "15 ratings (12 of them star-only, without words)" in alert.lines[0]
    assert f"{(3 * 4 + 12) / 15:.2f}★" in alert.lines[0] and f"{(3 * 4 + 60) / 15:.2f}★" in alert.lines[0]
    # without them, as before: three reviews a week at 4★, no fall
    store.drop_star_ratings([f"{'n' if i < 12 else 'b'}{i:023d}" for i in range(24)])
    assert "rating" not in by_kind(find_alerts(store, AlertSettings(), NOW))


def test_the_summary_says_the_weeks_rating_with_its_star_only_ratings(store):
    """The weekly summary's rating was of the reviews with words alone; the site's counts its ratings without
    words too (a Google place's third), so the summary now says that one beside it, and how it moved."""
    from reviewlens import queries
    from reviewlens.filters import Filters

    seed(store)
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    [weekly] = [a for a in find_alerts(store, AlertSettings(), monday) if a.kind == "summary"]
    assert "star-only" not in weekly.lines[0]  # none stored: nothing said
    week = [date(2026, 11, 16) + timedelta(days=i) for i in range(7)]
    store.upsert_star_ratings([{"id": f"w{i:023d}", "source": "shop", "product": "Kettle", "rating": 5.0, "date": d}
                               for i, d in enumerate(week)]
                              + [{"id": f"b{i:023d}", "source": "shop", "product": "Kettle", "rating": 3.0,
                                  "date": d - timedelta(days=7)} for i, d in enumerate(week[:2])])
    now = queries.rating_with_stars(store, Filters.of(since=week[0], until=week[-1]))
    was = queries.rating_with_stars(store, Filters.of(since=week[0] - timedelta(days=7), until=week[0] - timedelta(days=1)))
    assert now[0] == 7 and was[0] == 2
    [weekly] = [a for a in find_alerts(store, AlertSettings(), monday) if a.kind == "summary"]
    assert f"; {now[1]:.2f}★ with the 7 star-only ratings ({now[1] - was[1]:+.2f}★)" in weekly.lines[0]
