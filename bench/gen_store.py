"""Generate a large synthetic ReviewLens store (reviews, current analyses, topics, entities,
complaint and praise themes, runs), written in bulk through the `reviewlens.store` table objects.

    .venv/bin/python bench/gen_store.py --n 100000 --db bench/out/big.db

Deterministic for a given --seed. Used by bench_dashboard.py and bench_report.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from reviewlens.schema import content_hash
from reviewlens.store import (
    Store,
    analyses,
    complaint_themes,
    praise_themes,
    review_entities,
    review_fields,
    review_topics,
    reviews,
    runs,
)

log = logging.getLogger(__name__)

COUNTRIES = ["DE", "FR", "US", "UK", "ES", "IT", "NL", "PL"]
SOURCES = ["shop.example.com", "reviews.example.org", "marketplace.example.net", "app-store.example.io"]
PRODUCTS = [f"{b} {m}" for b in ("Acme", "Globex", "Initech", "Umbrella", "Hooli") for m in ("Kettle", "Blender", "Toaster", "Air Fryer")]
TOPICS = ["quality", "delivery", "price", "customer_service", "usability", "performance", "size_fit", "packaging", "returns", "other"]
PHRASES = {
    "quality": ("the build quality is excellent", "it broke after two weeks"),
    "delivery": ("delivery was fast", "the parcel arrived a week late"),
    "price": ("great value for the price", "way too expensive for what it is"),
    "customer_service": ("support answered within an hour", "customer service never replied"),
    "usability": ("very easy to use", "the buttons are confusing"),
    "performance": ("heats up really quickly", "it takes forever to boil"),
    "size_fit": ("fits nicely on the counter", "much bigger than the pictures suggest"),
    "packaging": ("nicely packed", "the box was crushed"),
    "returns": ("the return was painless", "they refused my return"),
    "other": ("it looks nice", "the smell is odd"),
}
PEOPLE = ["Maria", "John", "Aisha", "Chen", "Olga"]
PLACES = ["Berlin", "Lyon", "Austin", "Osaka", "Leeds"]
ORGS = ["DHL", "UPS", "Amazon", "FedEx"]
THEMES = [
    ("Late deliveries", "delivery", "Parcels arrive days after the promised date."),
    ("Breaks quickly", "quality", "Units fail within weeks of normal use."),
    ("Unresponsive support", "customer_service", "Emails and calls go unanswered."),
    ("Too expensive", "price", "Customers feel the price is not justified."),
    ("Refused returns", "returns", "Return requests are rejected or delayed."),
    ("Damaged packaging", "packaging", "Boxes arrive crushed or open."),
    ("Slow to heat", "performance", "Takes much longer than advertised."),
    ("Confusing controls", "usability", "Buttons and modes are hard to understand."),
]


def generate(store: Store, n: int = 100_000, seed: int = 7, days: int = 730, end: date | None = None) -> dict:
    """Fill `store` with `n` synthetic reviews and everything the dashboard shows. Returns counts."""
    rng = random.Random(seed)
    end = end or date(2026, 11, 1)
    now = datetime.now(timezone.utc)
    model, pv = "synthetic", "v1"
    theme_members: dict[str, list[str]] = {t[0]: [] for t in THEMES}
    theme_quotes: dict[str, list[dict]] = {t[0]: [] for t in THEMES}
    by_topic = {t[1]: t[0] for t in THEMES}
    rv, an, tp, en, fl = [], [], [], [], []
    for i in range(n):
        rating = rng.choices([1, 2, 3, 4, 5], weights=[12, 8, 12, 30, 38])[0]
        sentiment = "negative" if rating <= 2 else ("neutral" if rating == 3 else "positive")
        if rng.random() < 0.08:
            sentiment = rng.choice(["positive", "neutral", "negative"])
        chosen = rng.sample(TOPICS, rng.choice([1, 1, 2, 2, 3]))
        parts, topics, ents = [], [], []
        product = rng.choice(PRODUCTS)
        text = f"Review {i}: bought the {product}. "
        ents.append({"text": product, "type": "PRODUCT", "start": len("Review {}: bought the ".format(i)),
                     "end": len("Review {}: bought the ".format(i)) + len(product)})
        for t in chosen:
            neg = sentiment == "negative" or (sentiment == "neutral" and rng.random() < 0.5)
            phrase = PHRASES[t][1 if neg else 0]
            parts.append(phrase)
            topics.append({"topic": t, "sentiment": "negative" if neg else "positive"})
        text += ". ".join(p.capitalize() for p in parts) + "."
        if rng.random() < 0.3:
            who = rng.choice(ORGS + PEOPLE + PLACES)
            typ = "ORG" if who in ORGS else ("PERSON" if who in PEOPLE else "LOCATION")
            extra = f" Shipped by {who}." if typ == "ORG" else (f" Thanks {who}!" if typ == "PERSON" else f" I live in {who}.")
            start = len(text) + extra.index(who)
            text += extra
            ents.append({"text": who, "type": typ, "start": start, "end": start + len(who)})
        rid = f"r{i:09d}"
        d = end - timedelta(days=int(rng.random() ** 0.8 * days))
        ch = content_hash(text)
        rv.append({"id": rid, "source": rng.choice(SOURCES), "product": product,
                   "url": f"https://{rng.choice(SOURCES)}/p/{i}#review", "author": f"user{rng.randrange(50000)}",
                   "rating": float(rating), "title": f"{sentiment.title()} experience", "text": text, "date": d,
                   "site_review_id": str(i), "content_hash": ch, "scraped_at": now, "first_run_id": 1, "extra": None})
        fl += [{"review_id": rid, "name": "country", "value": rng.choice(COUNTRIES)},  # the user's own fields
               {"review_id": rid, "name": "plan", "value": rng.choice(["Free", "Plus", "Pro"])}]
        an.append({"content_hash": ch, "model": model, "prompt_version": pv, "status": "ok", "error": None,
                   "sentiment": sentiment, "sentiment_score": round(rng.uniform(0.55, 0.99), 3),
                   "topics": json.dumps(topics), "entities": json.dumps(ents), "analyzed_at": now, "is_current": True})
        tp.extend({"content_hash": ch, **t} for t in topics)
        en.extend({"content_hash": ch, **e} for e in ents)
        for t in topics:
            if t["sentiment"] == "negative" and t["topic"] in by_topic and d >= end - timedelta(days=90):
                label = by_topic[t["topic"]]
                theme_members[label].append(rid)
                if len(theme_quotes[label]) < 3:
                    theme_quotes[label].append({"review_id": rid, "text": PHRASES[t["topic"]][1].capitalize(),
                                                "url": rv[-1]["url"]})
    t0 = time.perf_counter()
    with store.engine.begin() as c:
        for table, rows in ((reviews, rv), (analyses, an), (review_topics, tp), (review_entities, en),
                            (review_fields, fl)):
            for k in range(0, len(rows), 5000):
                c.execute(table.insert(), rows[k:k + 5000])
        store._mark_reviews_written(c)  # as Store.upsert_reviews does: the reviews changed
        recent = sum(1 for r in rv if r["date"] >= end - timedelta(days=90)) or 1
        ranked = sorted(THEMES, key=lambda t: -len(theme_members[t[0]]))
        theme_rows = [{
            "batch": "bench", "computed_at": now, "scope": json.dumps({"since": str(end - timedelta(days=89))}),
            "rank": k + 1, "label": label, "summary": summary, "topic": topic,
            "count": len(theme_members[label]), "share": len(theme_members[label]) / recent,
            "previous_count": int(len(theme_members[label]) * rng.uniform(0.6, 1.3)),
            "trend": round(rng.uniform(-3, 3), 2), "quotes": json.dumps(theme_quotes[label]),
            "review_ids": json.dumps(theme_members[label])} for k, (label, topic, summary) in enumerate(ranked)]
        c.execute(complaint_themes.insert(), theme_rows)
        # praise themes as large as the complaints (the Overview recounts both within the filters)
        c.execute(praise_themes.insert(), [{**r, "label": "Praised: " + r["label"]} for r in theme_rows])
        run_rows = []
        for k in range(60):
            st = now - timedelta(hours=6 * (60 - k))
            status = rng.choices(["ok", "partial", "failed"], weights=[8, 2, 1])[0]
            errs = [] if status == "ok" else [{"url": f"https://{SOURCES[k % 4]}/p/{k}?page=3",
                                               "message": "TimeoutException: page did not load in 20 s"}]
            run_rows.append({"kind": "scrape", "source": f"https://{SOURCES[k % 4]}/p/{k}", "trigger": "schedule",
                             "started_at": st, "finished_at": st + timedelta(seconds=rng.randint(20, 400)),
                             "status": status, "pages": rng.randint(1, 40), "reviews_new": rng.randint(0, 500),
                             "reviews_seen": rng.randint(0, 2000), "errors": json.dumps(errs), "detail": "{}",
                             "pid": None})
        c.execute(runs.insert(), run_rows)
    if store.dialect == "sqlite":
        with store.engine.begin() as c:
            c.execute(sa.text("ANALYZE"))
    log.info("wrote %d reviews in %.1f s", n, time.perf_counter() - t0)
    return {"reviews": len(rv), "topics": len(tp), "entities": len(en),
            "theme_members": sum(len(v) for v in theme_members.values())}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--db", default="bench/out/big.db", help="SQLite path or database URL")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if "://" not in args.db and Path(args.db).exists():
        print(f"{args.db} exists; delete it first", file=sys.stderr)
        return 2
    store = Store(args.db)
    t0 = time.perf_counter()
    counts = generate(store, args.n, args.seed)
    print(f"generated {counts} in {time.perf_counter() - t0:.1f} s -> {store.display_url()}")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
