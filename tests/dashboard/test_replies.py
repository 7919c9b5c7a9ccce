"""Owner replies in the dashboard (AppTest) and the Excel report (read back with openpyxl): the reply
rate and median days to reply, overall and for negative reviews; replies in the review explorer and
the Reviews sheet, neutralised and escaped like review text."""

from __future__ import annotations

import html
import re
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from dashboard.report import write_report
from reviewlens import queries as Q
from reviewlens.filters import Filters
from reviewlens.schema import Review
from reviewlens.store import Store

from tests.dashboard.seed import ANCHOR, seed
from tests.helpers import app_test

pytestmark = pytest.mark.timeout(120)

HOSTILE_REPLY = '=HYPERLINK("http://evil.example","refund") <script>window.__xss=1</script> \u202egnp.exe'


def _with_replies(store: Store) -> dict:
    """The dashboard's seed plus owner replies: on three of its reviews (one hostile) and a new one."""
    s = seed(store)
    by_id = {r.id: r for r in s.reviews}
    negative = [r for r in s.reviews if s.sentiments[r.id] == "negative" and r.date and r.date >= ANCHOR - timedelta(days=80)]
    positive = [r for r in s.reviews if s.sentiments[r.id] == "positive" and r.date and r.date >= ANCHOR - timedelta(days=80)]
    again = []
    for r, days, text in ((negative[0], 2, HOSTILE_REPLY), (negative[1], 6, "Sorry, a refund is on its way."),
                          (positive[0], 1, "Thank you!")):
        again.append(Review(source=r.source, text=r.text, product=r.product, url=r.url, author=r.author,
                            rating=r.rating, title=r.title, date=r.date, site_review_id=r.site_review_id,
                            reply=text, reply_date=r.date + timedelta(days=days), helpful_votes=3, verified=True,
                            language="en"))
    store.upsert_reviews(again)  # the replies arrive on a later scrape
    return {"seed": s, "hostile_id": negative[0].id, "replied": [r.id for r in again], "by_id": by_id}


@pytest.fixture
def replied_sqlite(tmp_path):
    path = tmp_path / "reviews.db"
    st = Store(path)
    info = _with_replies(st)
    yield st, info, str(path)
    st.close()


def test_dashboard_reply_rate_and_explorer(monkeypatch, replied_sqlite):
    store, info, db = replied_sqlite
    at = app_test(monkeypatch, db)
    m = {x.label: x.value for x in at.metric}
    st = Q.reply_stats(store, Filters.of(since=ANCHOR - timedelta(days=89), until=ANCHOR))  # "Last 90 days"
    assert st.replied == 3 and st.negative_replied == 2
    assert m["Reply rate"] == f"{st.reply_rate:.1f}%"
    assert m["Median days to reply"] == "2.0"  # 1, 2, 6
    assert m["Reply rate, negative"] == f"{100 * 2 / st.negative:.1f}%"
    assert m["Median days to reply, negative"] == "4.0"  # 2 and 6
    # the explorer: the reply beside the text, neutralised; the detail escapes it
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.radio(key="page").set_value("Reviews").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert "reply" in df.columns
    shown = [t for t in df["reply"] if t]  # a review without a reply: a blank cell
    assert len(shown) == 3
    hostile = next(t for t in shown if "HYPERLINK" in t)
    assert "\u202e" not in hostile and "⟨U+202E⟩" in hostile
    rows = list(df.index)
    pick = next(i for i in rows if isinstance(df.iloc[i]["reply"], str) and "HYPERLINK" in df.iloc[i]["reply"])
    at.selectbox(key="detail_pick").set_value(pick).run()
    detail = next(x.value for x in at.markdown if 'class="rl-review"' in x.value)
    assert 'data-testid="rl-review-reply"' in detail
    assert "<script" not in detail and "&lt;script&gt;window" in detail
    assert "⟨U+202E⟩" in html.unescape(detail) and "\u202e" not in detail
    assert "verified purchase" in detail and "3 found it helpful" in detail
    assert re.search(r" · \d(\.\d)?★ · ", detail), detail  # "2★", not "★★"


def test_report_reply_rate_and_reviews_sheet(replied_sqlite, tmp_path):
    store, info, _ = replied_sqlite
    path = write_report(store, tmp_path / "report.xlsx")
    wb = load_workbook(path)
    summary = {r[0]: r[1:3] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    st = Q.reply_stats(store, Filters())
    assert summary["Replied"] == (3, 2)
    assert summary["Reply rate (%)"] == (pytest.approx(st.reply_rate), pytest.approx(st.negative_reply_rate))
    assert summary["Median days to reply"] == (2.0, 4.0)
    ws = wb["Reviews"]
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    col = {h: i for i, h in enumerate(header)}
    assert header.index("Owner reply") == header.index("Text") + 1
    by_id = {r[col["Review id"]].value: r for r in rows[1:]}
    hostile = by_id[info["hostile_id"]]
    cell = hostile[col["Owner reply"]]
    assert cell.data_type == "s" and cell.quotePrefix and cell.value.startswith('=HYPERLINK(')  # text, not a formula
    assert "\u202e" not in cell.value and "⟨U+202E⟩" in cell.value
    assert hostile[col["Reply date"]].value is not None
    assert (hostile[col["Helpful votes"]].value, hostile[col["Verified"]].value, hostile[col["Language"]].value) == \
           (3, True, "en")
    assert sum(1 for r in rows[1:] if r[col["Owner reply"]].value) == 3


def test_the_reviews_waiting_for_a_reply(monkeypatch, replied_sqlite, tmp_path):
    """"Owner reply: Without a reply" in the sidebar: the queue of reviews to answer, in every view and in
    the report; "Reset filters" clears it (and the Language filter, which it once left set)."""
    from dashboard.report import report_bytes

    store, info, db = replied_sqlite
    total = Q.count_reviews(store, Filters())
    waiting = Filters.of(replied=False)
    assert Q.count_reviews(store, waiting) == total - 3 and Q.count_reviews(store, Filters.of(replied=True)) == 3
    assert "without the owner's reply" in waiting.describe()
    store.upsert_reviews([Review(source="shop", text="Blank reply.", rating=1, reply="   ")])
    assert Q.count_reviews(store, waiting) == total - 3 + 1  # a reply of spaces is none
    # the report takes the same selection, as Filters or as keywords (languages too: the dashboard's
    # download once failed on a filter the report's keywords did not name)
    for data in (report_bytes(store, waiting), report_bytes(store, replied=False, languages=())):
        ws = load_workbook(io.BytesIO(data))["Reviews"]
        header = [c.value for c in next(ws.iter_rows(max_row=1))]
        replies = [r[header.index("Owner reply")] for r in ws.iter_rows(min_row=2, values_only=True)]
        assert replies and not any((r or "").strip() for r in replies)
    with pytest.raises(TypeError, match="not both"):
        report_bytes(store, waiting, replied=True)

    at = app_test(monkeypatch, db)
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.selectbox(key="f_replied").set_value("Without a reply").run()
    at.sidebar.radio(key="page").set_value("Reviews").run()
    assert not at.exception, [e.value for e in at.exception]
    df = at.dataframe[0].value
    assert len(df) and df["reply"].fillna("").str.strip().eq("").all()
    assert any("without the owner" in c.value and "reply" in c.value for c in at.caption)
    assert [t for t in at.text_area if t.key and t.key.startswith("reply_draft_")]  # the draft is there to edit
    at.sidebar.button[0].click().run()  # Reset filters
    assert at.sidebar.selectbox(key="f_replied").value == "All reviews"


def test_the_overview_leads_to_the_negative_reviews_waiting(monkeypatch, replied_sqlite):
    store, info, db = replied_sqlite
    at = app_test(monkeypatch, db)
    st = Q.reply_stats(store, Filters.of(since=ANCHOR - timedelta(days=89), until=ANCHOR))  # "Last 90 days"
    waiting = st.negative - st.negative_replied
    button = at.button(key="goto_waiting")
    assert button.label == f"Answer the {waiting} negative reviews without a reply"
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.radio(key="page").value == "Reviews"
    assert at.sidebar.selectbox(key="f_replied").value == "Without a reply"
    df = at.dataframe[0].value
    assert len(df) == waiting and set(df["sentiment"]) == {"negative"} and (df["reply"] == "").all()
