"""Stores of a chosen volume for the trend-bucket tests: `fill(store, n)` writes `n` analyzed reviews spread
evenly over the 13 weeks (89 days) up to `ANCHOR`, and a complaint theme of their negative ones."""

from __future__ import annotations

from datetime import date, timedelta

from reviewlens.schema import Analysis, ComplaintTheme, Quote, Review, TopicMention
from reviewlens.store import Store

ANCHOR = date(2026, 10, 30)          # the newest review (a Friday)
FIRST = ANCHOR - timedelta(days=89)  # the oldest: all of them in the dashboard's default "Last 90 days"
SMALL = 26                           # 2 a week: weekly shares of 0% or 50% on one review
BIG = 195                            # 15 a week


def fill(store: Store, n: int, product: str = "Acme Kettle") -> list[Review]:
    """`n` reviews of `product` from FIRST to ANCHOR (every third one negative, of late delivery), analyzed,
    and the theme "Late delivery" of the negative ones, computed for that period."""
    run = store.start_run("scrape", source="https://shop.example.com/p/kettle", trigger="manual")
    items = []
    for i in range(n):
        negative = i % 3 == 0
        day = FIRST + timedelta(days=round(89 * i / max(n - 1, 1)))
        r = Review(source="shop.example.com", text=f"Review {i} of the {product}: "
                   + ("it arrived two weeks late." if negative else "it works well."), product=product,
                   url=f"https://shop.example.com/p/{product[:4]}{i}#r", author=f"user{i}", rating=1 if negative else 5,
                   date=day, site_review_id=f"{product[:4]}{i}")
        items.append((r, "negative" if negative else "positive"))
    store.upsert_reviews([r for r, _ in items], run_id=run)
    store.save_analyses([Analysis(content_hash=r.content_hash, model="test-model", prompt_version="v1",
                                  sentiment=sent, sentiment_score=0.9,
                                  topics=[TopicMention("delivery" if sent == "negative" else "quality", sent)])
                         for r, sent in items])
    store.finish_run(run, "ok")
    late = [r.id for r, sent in items if sent == "negative"]
    store.save_complaints([ComplaintTheme(label="Late delivery", summary="Parcels arrive late.", count=len(late),
                                          share=len(late) / n, topic="delivery",
                                          quotes=[Quote(late[0], "arrived two weeks late", items[0][0].url)],
                                          review_ids=late)],
                          scope={"since": str(FIRST), "until": str(ANCHOR)})
    return [r for r, _ in items]
