"""The Streamlit app's logic, page by page, with streamlit.testing.v1.AppTest on a real SQLite store."""

from __future__ import annotations

import html
import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import APP_PATH
from reviewlens import queries as Q
from reviewlens.filters import Filters
from reviewlens.store import Store

from tests.dashboard.seed import CURRENT, PREVIOUS, seed, seeded_sqlite  # noqa: F401  (fixture)
from tests.helpers import app_test, as_read

pytestmark = pytest.mark.timeout(120)


def _metrics(at: AppTest) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def _all_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_empty_store_says_how_to_collect(monkeypatch, tmp_path):
    db = str(tmp_path / "empty.db")
    Store(db).close()
    at = app_test(monkeypatch, db)
    text = " ".join(i.value for i in at.info)
    assert "reviewlens scrape URL" in text and "reviewlens demo" in text
    assert not at.metric


def test_overview_numbers_charts_and_complaints(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    cur, prev = seed.in_period(*CURRENT), seed.in_period(*PREVIOUS)
    m = _metrics(at)
    assert m["Reviews"] == (f"{len(cur):,}", f"{len(cur) - len(prev):+,}")
    avg = sum(r.rating for r in cur) / len(cur)
    assert m["Average rating"][0] == f"{avg:.2f} ★"
    assert m["Average rating"][1] == f"{avg - 5.0:+.2f}"  # the previous period is all 5-star
    neg = sum(seed.sentiments[r.id] == "negative" for r in cur)
    pos = sum(seed.sentiments[r.id] == "positive" for r in cur)
    assert m["Share negative"][0] == f"{100 * neg / len(cur):.1f}%"
    # the previous period's handful of analyzed reviews is no base for a change in them (schema.MIN_PREVIOUS_REVIEWS)
    assert len(prev) < 20 and m["Net sentiment"] == (f"{100 * (pos - neg) / len(cur):+.1f}", "")
    assert m["Share negative"][1] == ""
    helps = {x.label: x.proto.help for x in at.metric}
    assert f"no change shown: the period before has {len(prev)} analyzed reviews" in helps["Share negative"]

    assert not any("have no analysis yet" in i.value for i in at.info)  # every seeded review is analyzed
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    titles = json.dumps(specs)
    assert len(specs) == 6
    # the seed has about 2.6 reviews a week: Auto groups the trends by month (reviewlens.buckets)
    for t in ("Top complaints per month", "Sentiment per month", "Average rating and net sentiment per month",
              "Topics by sentiment", "Rating distribution", "Most-mentioned entities"):
        assert t in titles, t
    # the complaints over time: each theme's weekly counts add up to its reviews in the period
    ov = Q.overview(store, Filters.of(since=CURRENT[0], until=CURRENT[1]), by="week")
    late_weekly = ov.theme_series[ov.theme_series["theme"] == "Late delivery"]
    in_period = {r.id for r in cur if r.date}
    assert late_weekly["reviews"].sum() == len([i for i in seed.theme_ids["Late delivery"] if i in in_period]) > 0
    assert len(late_weekly) == ov.theme_series["period"].nunique() >= 8  # every week, zeros included
    totals = ov.timeseries.set_index("period")["reviews"]
    for _, r in late_weekly.iterrows():
        assert r["percent"] == pytest.approx(100 * r["reviews"] / totals[r["period"]])

    labels = [e.label for e in at.expander]
    late = len([i for i in seed.theme_ids["Late delivery"] if i in {r.id for r in cur}])
    assert any(lbl.startswith("Late delivery") or "Late delivery —" in lbl for lbl in labels)
    assert any(f"Late delivery — {late} reviews" in lbl and "▲ +4.5 pp" in lbl for lbl in labels), labels
    assert any("Breaks quickly" in lbl and "▼ -2.0 pp" in lbl for lbl in labels)
    # an LLM-written label from hostile reviews cannot become a Markdown image, link or HTML
    hostile = next(lbl for lbl in labels if "Boom" in lbl).replace("\u200b", "")
    assert hostile.startswith(r"3. \!\[img\]\(https\:\/\/evil\.example") and r"\<img src\=x" in hostile
    md = _all_markdown(at)
    assert "Parcels arrive after the promised date" in html.unescape(md)
    # what the complaint costs in rating, within the period the filters show
    ratings = {r.id: r.rating for r in cur}
    late_r = [ratings[i] for i in seed.theme_ids["Late delivery"] if i in ratings]
    rest = [v for k, v in ratings.items() if k not in set(seed.theme_ids["Late delivery"])]
    assert f"Its reviews are rated {sum(late_r) / len(late_r):.1f}★ ({len(late_r)} rated) vs " \
           f"{sum(rest) / len(rest):.1f}★ for the other reviews" in html.unescape(md)
    assert any("what to fix first" in c.value for c in at.caption)
    # hostile quote and summary are escaped; the javascript: quote URL is not linked
    assert "&lt;script&gt;window" in md and "<script>" not in md
    assert "&lt;b&gt;Units&lt;&#47;b&gt;" in md or "&lt;b&gt;Units&lt;/b&gt;" in md
    assert "javascript" not in md.replace("javascript&#58;", "")  # never as a link target
    assert 'href="https://shop.example.com/p/1#r"' in html.unescape(md)
    assert at.get("download_button"), "the Excel download button is missing"


def test_filters_change_every_number(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    before = _metrics(at)["Reviews"][0]
    at.sidebar.multiselect(key="f_sentiments").select("negative").run()
    cur = seed.in_period(*CURRENT)
    negs = [r for r in cur if seed.sentiments[r.id] == "negative"]
    m = _metrics(at)
    assert m["Reviews"][0] == f"{len(negs):,}" != before
    assert m["Share negative"][0] == "100.0%"
    # the complaint counts are recounted within the filter
    labels = [e.label for e in at.expander]
    broke = len(set(seed.theme_ids["Breaks quickly"]) & {r.id for r in negs})
    assert any(f"Breaks quickly — {broke} reviews" in lbl for lbl in labels), labels
    assert any("counts in each of their themes" in c.value for c in at.caption), [c.value for c in at.caption]

    at.sidebar.multiselect(key="f_sentiments").unselect("negative").run()
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    value, delta = _metrics(at)["Reviews"]
    assert value == f"{len(seed.reviews):,}" and not delta  # nothing before all time to compare with
    at.sidebar.multiselect(key="f_sources").select("forum.example.org").run()
    assert _metrics(at)["Reviews"][0] == str(sum(r.source == "forum.example.org" for r in seed.reviews))
    at.sidebar.multiselect(key="f_sources").unselect("forum.example.org").run()
    at.sidebar.multiselect(key="f_topics").select("price").run()
    assert _metrics(at)["Reviews"][0] == str(sum(any(t == "price" for t, _ in seed.topics[r.id])
                                                 for r in seed.reviews))
    at.sidebar.multiselect(key="f_topics").unselect("price").run()
    at.sidebar.slider(key="f_rating").set_value((4.0, 5.0)).run()
    assert _metrics(at)["Reviews"][0] == str(sum(r.rating >= 4 for r in seed.reviews))
    at.sidebar.slider(key="f_rating").set_value((1.0, 5.0)).run()
    at.sidebar.text_input(key="f_search").input("arrived late").run()
    assert _metrics(at)["Reviews"][0] == str(sum("arrived late" in r.text for r in seed.reviews))
    at.sidebar.text_input(key="f_search").input("zzz no match").run()
    assert _metrics(at)["Reviews"][0] == "0"
    assert any("No reviews match" in w.value for w in at.warning)
    assert not at.exception


def test_complaint_click_through_to_explorer(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    btn = next(b for b in at.button if b.key and b.key.startswith("theme_btn_") and "reviews" in b.label
               and b.key == "theme_btn_2")
    btn.click().run()
    assert not at.exception
    assert at.session_state["page"] == "Reviews"
    assert at.selectbox(key="theme").value == "Breaks quickly"
    in_period = {r.id for r in seed.in_period(*CURRENT)}
    expected = set(seed.theme_ids["Breaks quickly"]) & in_period
    table = at.dataframe[0].value
    assert len(table) == len(expected)
    assert any(f"{len(expected)} reviews match" in c.value for c in at.caption)
    at.selectbox(key="theme").set_value("All reviews").run()
    assert len(at.dataframe[0].value) == min(50, len(in_period))


def test_explorer_table_detail_and_pagination(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.radio(key="page").set_value("Reviews").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert len(df) == min(50, len(seed.reviews))
    assert list(df.columns)[:6] == ["date", "rating", "sentiment", "topics", "entities", "text"]
    first = df.iloc[0]
    assert first["text"].startswith("Nice <script>")  # shown as data in the grid, not as HTML
    assert pd.isna(first["link"])  # javascript: URL dropped
    assert df["link"].dropna().str.startswith("https://").all()
    assert "Quality (−)" in first["topics"] and "ACME Corp (company)" in first["entities"]
    assert "badcharhere end" in set(df["text"])  # control characters dropped for display
    assert not df["reply"].isna().any() and "" in set(df["reply"])  # no reply: a blank cell, not "None"
    # the detail view: escaped text with the entity highlighted
    detail = next(m.value for m in at.markdown if 'class="rl-review"' in m.value)
    assert "<script" not in detail and "<img" not in detail and "onerror=" not in detail.replace("onerror&#61;", "")
    assert "&lt;script&gt;window" in detail and "<script>window.__xss=1</script>" in html.unescape(detail)
    assert '<mark class="ent ent-org" title="company">ACME Corp<sup>company</sup></mark>' in detail
    assert "&lt;b&gt;mallory&lt;/b&gt;" in detail
    # pick another review for the detail view
    at.selectbox(key="detail_pick").set_value(4).run()
    detail = next(m.value for m in at.markdown if 'class="rl-review"' in m.value)
    assert df.iloc[4]["text"].startswith("Review number 0:")
    assert detail.count("<mark") == 3 and "Review number 0" in html.unescape(detail)
    assert ">DHL<sup>company</sup></mark>" in detail and ">Berlin<sup>place</sup></mark>" in detail
    at.selectbox(key="detail_pick").set_value(2).run()  # a review without a title or entities
    detail = next(m.value for m in at.markdown if 'class="rl-review"' in m.value)
    assert "<strong>" not in detail and "nan" not in detail and "<mark" not in detail
    # pagination in SQL: 25 per page, page 2 holds the rest
    at.selectbox(key="page_size").set_value(25).run()
    page1 = at.dataframe[0].value
    at.number_input(key="explorer_page").set_value(2).run()
    page2 = at.dataframe[0].value
    assert len(page1) == 25 and len(page2) == len(seed.reviews) - 25
    assert not set(page1["text"]) & set(page2["text"])
    # a filter change sends the explorer back to page 1
    at.sidebar.multiselect(key="f_sentiments").select("positive").run()
    assert at.number_input(key="explorer_page").value == 1


def test_runs_page_and_schedule(monkeypatch, seeded_sqlite, tmp_path):
    store, seed, db = seeded_sqlite
    sched = tmp_path / "schedule.toml"
    sched.write_text('[[sources]]\nname = "Kettle"\nurl = "https://shop.example.com/p/kettle"\nevery = "6h"\n\n'
                     '[[sources]]\nname = "Forum"\nurls = ["https://forum.example.org/t/1"]\ncron = "0 6 * * 1"\n',
                     encoding="utf-8")
    at = app_test(monkeypatch, db, REVIEWLENS_SCHEDULE_FILE=str(sched))
    at.sidebar.radio(key="page").set_value("Runs").run()
    assert not at.exception
    # it lists analyses, imports and reports too: not titled "Scrape runs"
    assert at.subheader[0].value == "Runs" and any("Every scrape, import, analysis and report" in c.value for c in at.caption)
    runs, errors, schedule = (d.value for d in at.dataframe)
    assert list(runs["status"]) == ["ok", "partial"] and list(runs["error_count"]) == [0, 1]
    import json

    shown = {k: v.get("label") for k, v in json.loads(at.dataframe[0].proto.columns).items()}
    assert {shown[k] for k in ("pages", "reviews_new", "reviews_seen", "id")} == {"Pages", "New reviews",
                                                                                  "Already stored", "Run"}
    assert "TimeoutException" in errors.iloc[0]["message"]
    assert list(schedule["name"]) == ["Kettle", "Forum"]
    assert list(schedule["schedule"]) == ["every 6h", "cron 0 6 * * 1"]
    assert schedule["next due"].notna().all()  # interval and cron entries both say when they are due
    forum_last = schedule.iloc[1]["last run"]
    assert schedule.iloc[1]["next due"].weekday() == 0 and schedule.iloc[1]["next due"] > forum_last
    # a broken schedule file is reported, not a crash
    sched.write_text("[[sources]\n", encoding="utf-8")
    at.run()
    assert not at.exception and any("not valid TOML" in e.value for e in at.error)


def test_query_param_opens_a_page_and_bad_db_is_reported(monkeypatch, seeded_sqlite, tmp_path):
    store, seed, db = seeded_sqlite
    monkeypatch.setenv("REVIEWLENS_DB", db)
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.query_params["page"] = "Runs"
    at.run()
    assert at.session_state["page"] == "Runs" and not at.exception
    monkeypatch.setenv("REVIEWLENS_DB", "postgresql://nobody@127.0.0.1:1/none")
    bad = AppTest.from_file(str(APP_PATH), default_timeout=60).run()
    assert not bad.exception and any("Cannot open the review database" in e.value for e in bad.error)


def test_custom_date_range(monkeypatch, seeded_sqlite):
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("Custom").run()
    lo, hi = min(r.date for r in seed.reviews), PREVIOUS[1]  # inside the widget's bounds (the data's span)
    at.sidebar.date_input(key="f_dates").set_value((lo, hi)).run()
    assert not at.exception
    assert _metrics(at)["Reviews"][0] == str(len(seed.in_period(lo, hi)))


def test_overview_on_postgresql(monkeypatch, pg_store):
    """The whole app against PostgreSQL (date_trunc buckets, ILIKE search, the same numbers)."""
    seed_data = seed(pg_store)
    url = pg_store.engine.url.render_as_string(hide_password=False)
    at = app_test(monkeypatch, url)
    cur = seed_data.in_period(*CURRENT)
    assert _metrics(at)["Reviews"][0] == f"{len(cur):,}"
    assert len(at.get("vega_lite_chart")) == 6  # the complaints over time too (date_trunc buckets)
    at.sidebar.text_input(key="f_search").input("ARRIVED late").run()
    assert _metrics(at)["Reviews"][0] == str(sum("arrived late" in r.text for r in cur))
    at.sidebar.radio(key="page").set_value("Reviews").run()
    assert not at.exception and len(at.dataframe[0].value) == sum("arrived late" in r.text for r in cur)


def test_reviews_not_analyzed_yet(monkeypatch, tmp_path):
    """Scraped but not analyzed: numbers without sentiment, hints instead of empty charts, no crash."""
    from datetime import timedelta

    from reviewlens.schema import Review

    db = str(tmp_path / "raw.db")
    s = Store(db)
    s.upsert_reviews([Review(source="shop.example.com", text=f"plain review {i}", rating=1 + i % 5,
                             date=CURRENT[1] - timedelta(days=i)) for i in range(12)])
    s.close()
    at = app_test(monkeypatch, db)
    m = _metrics(at)
    assert m["Reviews"][0] == "12" and m["Share negative"][0] == "—" and m["Net sentiment"][0] == "—"
    assert any("No complaint themes computed yet" in i.value for i in at.info)
    assert any("No topics for these reviews yet" in i.value for i in at.info)
    assert any(i.value.startswith("12 of these 12 reviews have no analysis yet") for i in at.info)
    at.sidebar.radio(key="page").set_value("Reviews").run()
    assert not at.exception and len(at.dataframe[0].value) == 12
    assert "not analyzed" in next(m.value for m in at.markdown if 'class="rl-review"' in m.value)


def test_the_overview_says_when_the_topics_may_not_fit(monkeypatch, seeded_sqlite):
    """The last analysis found the reviews read like another topics preset's: the Overview says which to set,
    until a later analysis (with the preset set) finds nothing to say."""
    store, _, db = seeded_sqlite
    from analysis.preset_fit import hint

    store.save_checkpoint(Q.PRESET_HINT, {"hint": hint("restaurants"), "run_id": 1})
    at = app_test(monkeypatch, db)
    assert [i.value for i in at.info if "topics may not fit" in i.value] == [
        f"The topics may not fit: {hint('restaurants')}."], [i.value for i in at.info]
    assert '`[analysis] topics_preset = "restaurants"`' in hint("restaurants")
    store.save_checkpoint(Q.PRESET_HINT, {"hint": None, "run_id": 2})
    at = app_test(monkeypatch, db)
    assert not [i.value for i in at.info if "topics may not fit" in i.value]


def test_correcting_a_review_stores_labels(monkeypatch, seeded_sqlite, tmp_path):
    """The explorer's correction form: prefilled with the analysis, Save stores the labels (source
    "dashboard"), says so, and the detail shows them next to the analysis; a read-only store says why not."""
    from reviewlens.schema import content_hash

    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.radio(key="page").set_value("Reviews").run()
    assert at.dataframe[0].value.iloc[0]["text"].startswith("Nice <script>")  # the detail shows the first row
    rid = seed.xss_id
    key = f"label_{rid}"
    assert at.selectbox(key=f"{key}_sentiment").value == "negative"  # prefilled with the analysis
    assert at.multiselect(key=f"{key}_topics").value == ["quality"]
    assert {"Quality", "Delivery", "Price"} <= set(at.multiselect(key=f"{key}_topics").options)
    at.selectbox(key=f"{key}_sentiment").set_value("positive")
    at.multiselect(key=f"{key}_topics").set_value(["delivery", "price"])
    next(b for b in at.button if b.label == "Save my labels").click().run()
    assert not at.exception
    assert any("Saved your labels" in s.value for s in at.success)
    h = content_hash(next(r.text for r in seed.reviews if r.id == rid))
    labels = store.labels([h])
    assert {(lb.kind, lb.value) for lb in labels} == {("sentiment", "positive"), ("topic", "delivery"),
                                                      ("topic", "price")}
    assert {lb.source for lb in labels} == {"dashboard"} and {lb.review_id for lb in labels} == {rid}
    detail = next(m.value for m in at.markdown if 'class="rl-review"' in m.value)
    assert "Your labels: sentiment positive · topics Delivery, Price" in detail
    assert "negative" in detail  # the analysis is still shown beside the labels
    # saving the same again changes nothing, and the form is now prefilled with the labels
    at.run()
    assert at.selectbox(key=f"{key}_sentiment").value == "positive"
    next(b for b in at.button if b.label == "Save my labels").click().run()
    assert any("nothing changed" in s.value for s in at.success)
    version = store.label_version()
    # a read-only store: the form says the labels were not saved
    ro = AppTest.from_file(str(APP_PATH), default_timeout=60)
    monkeypatch.setenv("REVIEWLENS_DB", f"sqlite:///file:{db}?mode=ro&uri=true")
    ro.run()
    ro.sidebar.selectbox(key="f_period").set_value("All time").run()
    ro.sidebar.radio(key="page").set_value("Reviews").run()
    ro.selectbox(key=f"{key}_sentiment").set_value("neutral")
    next(b for b in ro.button if b.label == "Save my labels").click().run()
    assert not ro.exception and any("Not saved" in e.value and "read-only" in e.value for e in ro.error)
    assert store.label_version() == version


def test_rename_a_complaint_theme_from_the_overview(monkeypatch, seeded_sqlite):
    """A theme's Rename box: the name is stored for the latest themes (later analyses keep it), made plain
    like a model's name; a name another theme has, or an empty one, is refused with a reason."""
    store, seed, db = seeded_sqlite
    at = app_test(monkeypatch, db)
    rank = next(i for i, t in enumerate(Q.latest_complaints(store)[0], 1) if t.label == "Breaks quickly")
    at.text_input(key=f"rename_{rank}").input("Falls <b>apart</b> [fast](javascript:alert(1))")
    at.button(key=f"rename_btn_{rank}").click().run()
    assert not at.exception and any("Renamed" in s.value for s in at.success), [s.value for s in at.success]
    labels = [t.label for t in Q.latest_complaints(store)[0]]
    assert "Falls apart fast" in labels and "Breaks quickly" not in labels
    assert any(". Falls apart fast — " in e.label for e in at.expander), [e.label for e in at.expander]
    at.text_input(key=f"rename_{rank}").input("Late delivery")
    at.button(key=f"rename_btn_{rank}").click().run()
    assert any("already called" in e.value for e in at.error)
    at.text_input(key=f"rename_{rank}").input("<>")
    at.button(key=f"rename_btn_{rank}").click().run()
    assert any("not a usable theme name" in e.value for e in at.error)
    assert "Falls apart fast" in [t.label for t in Q.latest_complaints(store)[0]]


def test_changes_against_a_previous_period_of_few_reviews_are_said_to_be_examples(monkeypatch, tmp_path):
    """Net sentiment "+85.7 pp" against a previous period of one review stood as a finding."""
    from datetime import date, timedelta

    from reviewlens.schema import Analysis, Review
    from reviewlens.store import Store
    from tests.helpers import app_test

    db = str(tmp_path / "few.db")
    store = Store(db)
    last = date(2026, 11, 30)
    revs = [Review(source="s", text=f"Lovely kettle number {i}.", rating=5, date=last - timedelta(days=i),
                   site_review_id=f"n{i}") for i in range(12)]
    revs.append(Review(source="s", text="Broke at once.", rating=1, date=last - timedelta(days=120), site_review_id="o"))
    store.upsert_reviews(revs)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p",
                                  sentiment="negative" if r.rating == 1 else "positive") for r in revs])
    store.close()
    at = app_test(monkeypatch, db)
    said = " ".join(c.value for c in at.caption)
    assert "The previous period has only 1 review: its changes move by tens of points" in said, said


def test_themes_computed_and_none_found_are_not_said_to_be_missing(tmp_path, monkeypatch):
    """A store where no two reviews raise the same complaint has no theme to store: the Overview said "No complaint
    themes computed yet. They appear after `reviewlens analyze`" after the analysis had computed them."""
    from reviewlens.schema import Analysis, Review

    db = str(tmp_path / "few.db")
    store = Store(db)
    revs = [Review(source="s", text=t, rating=1) for t in ("The lid leaks.", "Arrived three weeks late.")]
    store.upsert_reviews(revs)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="negative")
                         for r in revs])
    at = app_test(monkeypatch, db)
    assert any("No complaint themes computed yet" in i.value for i in at.info)
    store.save_checkpoint(Q.THEMES_COMPUTED + "complaints", {"at": "2026-12-03T10:00:00+00:00"})
    at = app_test(monkeypatch, db)
    said = " ".join(as_read(i.value) for i in at.info)
    assert "No complaint is raised by two or more reviews (computed 2026-12-03 10:00)" in said, said
    assert "computed yet" not in said
