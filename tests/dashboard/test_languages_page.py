"""Reviews in other languages in the dashboard (AppTest) and the report: the sidebar's Language filter, the
explorer's machine translation (labelled as such, escaped), the Compare page by language, the report's
translation column and a translated quote's note."""

from __future__ import annotations

from datetime import timedelta

import html

import pytest
from openpyxl import load_workbook

from dashboard.report import write_report
from reviewlens.schema import Analysis, ComplaintTheme, Quote, Review, TopicMention
from reviewlens.store import Store

from tests.dashboard.seed import ANCHOR, seed
from tests.helpers import app_test

pytestmark = pytest.mark.timeout(120)

GERMAN = "Der Wasserkocher leckt <b>schon</b> nach zwei Tagen. Sehr enttäuschend."
ENGLISH_OF_IT = "The kettle leaks <script>window.__xss=1</script> after two days. Very disappointing."


@pytest.fixture
def multilingual(tmp_path):
    path = tmp_path / "reviews.db"
    store = Store(path)
    s = seed(store)  # English: analyses without a language (made before languages), then marked "en"
    store.save_analyses([Analysis(content_hash=r.content_hash, model="test-model", prompt_version="v1",
                                  sentiment=s.sentiments[r.id], sentiment_score=0.9,
                                  topics=[TopicMention(t, v) for t, v in s.topics[r.id]], language="en")
                         for r in s.reviews])
    german = [Review(source="https://shop.example.de/p/kettle", text=f"{GERMAN} ({i})", product="Kettle",
                     rating=1.0, date=ANCHOR - timedelta(days=i), author=f"Kunde {i}") for i in range(12)]
    store.upsert_reviews(german)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="test-model", prompt_version="v1",
                                  sentiment="negative", sentiment_score=0.9,
                                  topics=[TopicMention("quality", "negative")], language="de",
                                  translation=ENGLISH_OF_IT) for r in german])
    store.save_complaints([ComplaintTheme(
        label="Leaks", summary="The kettle leaks.", count=12, share=0.3, topic="quality",
        quotes=[Quote(german[0].id, german[0].text, None, language="de", translation=ENGLISH_OF_IT)],
        review_ids=[r.id for r in german])], scope={"since": str(ANCHOR - timedelta(days=89))})
    yield store, german, str(path)
    store.close()


def test_language_filter_translation_and_compare(monkeypatch, multilingual):
    store, german, db = multilingual
    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    # the overview's theme shows the customer's words, and the translation apart, labelled and escaped
    themes = "\n".join(x.value for x in at.markdown if "rl-quote" in x.value)
    assert "<script>" not in themes and "<b>schon" not in themes  # escaped: shown as text, never markup
    shown = html.unescape(themes)
    assert "“Der Wasserkocher leckt <b>schon</b> nach zwei Tagen. Sehr enttäuschend. (0)”" in shown
    assert 'class="rl-translation"' in themes and "machine translation (de): The kettle leaks <script>" in shown
    langs = at.sidebar.multiselect(key="f_languages")
    assert langs.options == ["English (en)", "German (de)"]  # the most reviewed first
    langs.select("de").run()
    assert not at.exception
    assert {x.label: x.value for x in at.metric}["Reviews"] == "12"
    at.sidebar.radio(key="page").set_value("Reviews").run()
    df = at.dataframe[0].value
    assert len(df) == 12 and set(df["language"]) == {"de"}
    at.selectbox(key="detail_pick").set_value(list(df.index)[0]).run()
    detail = next(x.value for x in at.markdown if 'class="rl-review"' in x.value)
    assert 'data-testid="rl-review-translation"' in detail and "Machine translation" in detail
    assert "not the customer's words" in html.unescape(detail)
    assert "<script>" not in detail and "<script>window.__xss=1</script> after two days" in html.unescape(detail)
    assert "written in German (de)" in html.unescape(detail)
    # Compare by language
    at.sidebar.multiselect(key="f_languages").unselect("de").run()
    at.sidebar.radio(key="page").set_value("Compare").run()
    at.radio(key="cmp_by").set_value("language").run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table.columns) == ["English (en)", "German (de)"]


def test_report_translation_column_and_quote_note(multilingual, tmp_path):
    store, german, _ = multilingual
    wb = load_workbook(write_report(store, tmp_path / "r.xlsx"))
    rows = list(wb["Reviews"].iter_rows(values_only=True))
    col = {h: i for i, h in enumerate(rows[0])}
    tr = col["Machine translation (not the customer's words)"]
    by_text = {r[col["Text"]]: r for r in rows[1:]}
    assert by_text[german[0].text][tr] == ENGLISH_OF_IT and by_text[german[0].text][col["Language"]] == "de"
    assert sum(1 for r in rows[1:] if r[tr]) == 12  # English reviews have none
    comp = {r[1]: r for r in wb["Top complaints"].iter_rows(min_row=2, values_only=True) if r[1]}
    assert f"“{german[0].text}”\n    (machine translation (de): The kettle leaks" in comp["Leaks"][9]
