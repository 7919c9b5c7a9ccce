"""A small, realistic store for the dashboard and report tests, written through the Store API.

`seed(store)` fills a store and returns `Seed`, the facts the tests check against (computed from
the same data, not hard-coded twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from reviewlens.schema import Analysis, ComplaintTheme, Entity, Quote, Review, TopicMention
from reviewlens.store import Store

ANCHOR = date(2026, 10, 31)          # the newest review
CURRENT = (ANCHOR - timedelta(days=89), ANCHOR)                 # "Last 90 days"
PREVIOUS = (ANCHOR - timedelta(days=179), ANCHOR - timedelta(days=90))

XSS_TEXT = ('Nice <script>window.__xss=1</script> kettle <img src=x onerror="window.__xss=1"> '
            '**bold** [click](javascript:window.__xss=1) from ACME Corp')
FORMULA_TEXT = '=HYPERLINK("http://evil.example","click")'
CONTROL_TEXT = "bad\x00char\x0bhere\x1f end"
LONG_TEXT = "long review " + "x" * 40_000
HOSTILE_LABEL = '![img](https://evil.example/t.png) **Boom** <img src=x onerror="window.__xss=1">'
SENT = {1: "negative", 2: "negative", 3: "neutral", 4: "positive", 5: "positive"}
RATINGS = [5, 4, 1, 2, 5, 3]


@dataclass
class Seed:
    """What was written, for the assertions."""

    reviews: list[Review] = field(default_factory=list)
    sentiments: dict[str, str] = field(default_factory=dict)  # review id -> sentiment
    topics: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    theme_ids: dict[str, list[str]] = field(default_factory=dict)
    xss_id: str = ""
    formula_id: str = ""
    control_id: str = ""
    long_id: str = ""

    def in_period(self, lo: date, hi: date) -> list[Review]:
        return [r for r in self.reviews if r.date and lo <= r.date <= hi]


def _topics_for(i: int, sentiment: str) -> list[TopicMention]:
    neg = sentiment == "negative"
    out = [TopicMention("delivery" if i % 2 else "quality", "negative" if neg else "positive")]
    if i % 3 == 0:
        out.append(TopicMention("price", "negative" if neg else "neutral"))
    return out


def seed(store: Store) -> Seed:
    """30 reviews in the current 90 days, 10 in the previous 90, 4 hostile ones; analyses, themes, runs."""
    s = Seed()
    run = store.start_run("scrape", source="https://shop.example.com/p/kettle", trigger="manual")
    items: list[tuple[Review, str, list[TopicMention], list[Entity]]] = []
    for i in range(30):
        rating = RATINGS[i % 6]
        product = "Globex Toaster" if i % 3 == 0 else "Acme Kettle"
        text = f"Review number {i}: the {product} " + ("arrived late and broke." if rating <= 2 else "works well.")
        if i % 4 == 0:
            text += " Shipped by DHL to Berlin."
        r = Review(source="shop.example.com" if i % 2 == 0 else "forum.example.org", text=text, product=product,
                   url=f"https://shop.example.com/p/{i}#r", author=f"user{i}", rating=rating,
                   title=f"Title {i}", date=ANCHOR - timedelta(days=2 + 3 * i), site_review_id=f"c{i}")
        ents = [Entity(product, "PRODUCT", text.index(product), text.index(product) + len(product))]
        if "DHL" in text:
            ents.append(Entity("DHL", "ORG", text.index("DHL"), text.index("DHL") + 3))
            ents.append(Entity("Berlin", "LOCATION", text.index("Berlin"), text.index("Berlin") + 6))
        items.append((r, SENT[rating], _topics_for(i, SENT[rating]), ents))
    for j in range(10):
        text = f"Older review {j}: the Acme Kettle is great."
        r = Review(source="shop.example.com", text=text, product="Acme Kettle", url=f"https://shop.example.com/o/{j}",
                   author=f"old{j}", rating=5, title=f"Old {j}", date=PREVIOUS[1] - timedelta(days=5 * j),
                   site_review_id=f"o{j}")
        items.append((r, "positive", [TopicMention("quality", "positive")], []))
    hostile = [
        ("xss_id", Review(source="shop.example.com", text=XSS_TEXT, product="Acme Kettle",
                          url="javascript:window.__xss=1", author="<b>mallory</b>", rating=1,
                          title="<i>x</i>", date=ANCHOR, site_review_id="h1")),
        ("formula_id", Review(source="shop.example.com", text=FORMULA_TEXT, product="-2+3",
                              url="https://shop.example.com/p/h2", author="@SUM(1+1)", rating=1,
                              title="+cmd|' /C calc'!A0", date=ANCHOR - timedelta(days=1), site_review_id="h2")),
        ("control_id", Review(source="shop.example.com", text=CONTROL_TEXT, product="Acme Kettle",
                              url="https://shop.example.com/p/h3", rating=3, date=ANCHOR - timedelta(days=1),
                              site_review_id="h3")),
        ("long_id", Review(source="shop.example.com", text=LONG_TEXT, product="Acme Kettle",
                           url="https://shop.example.com/p/h4", rating=4, date=ANCHOR - timedelta(days=1),
                           site_review_id="h4")),
    ]
    for attr, r in hostile:
        setattr(s, attr, r.id)
        ents = []
        if r.text == XSS_TEXT:
            k = XSS_TEXT.index("ACME Corp")
            ents = [Entity("ACME Corp", "ORG", k, k + 9)]
        sent = SENT[int(r.rating)]
        items.append((r, sent, [TopicMention("quality", sent)], ents))
    store.upsert_reviews([it[0] for it in items], run_id=run)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="test-model", prompt_version="v1",
                                  sentiment=sent, sentiment_score=0.9, topics=topics, entities=ents)
                         for r, sent, topics, ents in items])
    store.update_run(run, pages=3, new=len(items), seen=0,
                     errors=[{"url": "https://shop.example.com/p/kettle?page=4", "message": "TimeoutException: slow"}])
    store.finish_run(run, "partial")
    run2 = store.start_run("scrape", source="https://forum.example.org/t/1", trigger="schedule")
    store.update_run(run2, pages=1, new=0, seen=5)
    store.finish_run(run2, "ok")
    for r, sent, topics, _ in items:
        s.reviews.append(r)
        s.sentiments[r.id] = sent
        s.topics[r.id] = [(t.topic, t.sentiment) for t in topics]
    late = [r.id for r, sent, topics, _ in items if sent == "negative" and any(t.topic == "delivery" for t in topics)]
    broke = [r.id for r, sent, topics, _ in items if sent == "negative" and any(t.topic == "quality" for t in topics)]
    s.theme_ids = {"Late delivery": late, "Breaks quickly": broke}
    store.save_complaints([
        ComplaintTheme(label="Late delivery", summary="Parcels arrive after the promised date.", count=len(late),
                       share=len(late) / 34, previous_count=1, trend=4.5, topic="delivery",
                       quotes=[Quote(late[0], "arrived late", "https://shop.example.com/p/1#r")], review_ids=late),
        ComplaintTheme(label="Breaks quickly", summary="<b>Units</b> fail =SUM(A1) early.", count=len(broke),
                       share=len(broke) / 34, previous_count=5, trend=-2.0, topic="quality",
                       quotes=[Quote(s.xss_id, "<script>window.__xss=1</script>", "javascript:alert(1)")],
                       review_ids=broke),
        # raised by the hostile review itself (a theme no review raises is not shown)
        ComplaintTheme(label=HOSTILE_LABEL, summary="", count=1, share=1 / 34, quotes=[], review_ids=[s.xss_id]),
    ], scope={"since": str(CURRENT[0])})
    return s


@pytest.fixture
def seeded(store) -> tuple[Store, Seed]:
    """The seeded store on SQLite and PostgreSQL."""
    return store, seed(store)


@pytest.fixture
def seeded_sqlite(tmp_path) -> tuple[Store, Seed, str]:
    """A seeded SQLite store and its file path (for REVIEWLENS_DB)."""
    path = tmp_path / "reviews.db"
    st = Store(path)
    data = seed(st)
    yield st, data, str(path)
    st.close()
