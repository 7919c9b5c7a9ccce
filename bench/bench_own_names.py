"""What leaving out the products' own names costs the dashboard's name queries (2026-12-03): the entities
chart (queries.top_entities) and the sidebar's Mentions box (queries.mention_counts), each timed against the
query before the change (no product in it), in the same run on the same store.

    .venv/bin/python bench/bench_own_names.py [--db bench/out/big.db] [--n 100000] [--repeat 5]

The store is bench/gen_store.py's (made when missing): its 20 products' names are most of its mentions,
the dearest case for the own-name recount.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from reviewlens import queries as Q  # noqa: E402
from reviewlens.filters import Filters  # noqa: E402
from reviewlens.store import Store, review_entities  # noqa: E402


def top_entities_before(store: Store, f: Filters, limit: int = 15) -> pd.DataFrame:
    """queries.top_entities as it was: one GROUP BY type, text with its LIMIT in SQL."""
    e = review_entities
    fr = Q._filtered_texts(store, f)
    s = sa.func.coalesce(e.c.sentiment, fr.c.sentiment)
    n = sa.func.count().label("mentions")
    q = (sa.select(e.c.text.label("entity"), e.c.type, n,
                   *[sa.func.sum(sa.case((s == name, 1), else_=0)).label(name)
                     for name in ("positive", "neutral", "negative")])
         .select_from(fr.join(e, e.c.content_hash == fr.c.content_hash)).group_by(e.c.type, e.c.text)
         .order_by(n.desc(), e.c.text).limit(limit))
    with store.engine.connect() as c:
        return pd.DataFrame(c.execute(q).mappings().all())


def mention_counts_before(store: Store, limit: int = Q.MAX_MENTION_OPTIONS) -> list:
    """queries.mention_counts as it was: the names' counts, no product in them."""
    e = review_entities.c
    q = (sa.select(e.text, e.type, sa.func.count(sa.distinct(e.content_hash)).label("n"))
         .group_by(e.text, e.type).order_by(sa.desc("n"), e.text))
    names: dict[str, list] = {}
    with store.engine.connect() as c:
        for text, typ, n in c.execute(q):
            key = " ".join(str(text).split()).casefold()
            names.setdefault(key, [text, typ, 0])[2] += int(n)
    return sorted(names.values(), key=lambda x: (-x[2], x[0].casefold()))[:limit]


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=str(ROOT / "bench" / "out" / "big.db"))
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    if not Path(a.db).exists():
        from gen_store import generate

        Path(a.db).parent.mkdir(parents=True, exist_ok=True)
        s = Store(a.db)
        generate(s, a.n)
        s.close()
    store = Store(a.db)
    opts = Q.options(store)
    print(f"{platform.processor() or platform.machine()}, {a.db}")
    views = {"last 90 days": Filters.of(since=Q.default_period(opts, 90)[0], until=opts.last_date),
             "all time": Filters()}
    print("| query | before ms | after ms |\n|---|---:|---:|")
    for label, f in views.items():
        print(f"| top_entities, {label} | {median_ms(lambda: top_entities_before(store, f), a.repeat):.0f} "
              f"| {median_ms(lambda: Q.top_entities(store, f), a.repeat):.0f} |")
    print(f"| mention_counts (sidebar) | {median_ms(lambda: mention_counts_before(store), a.repeat):.0f} "
          f"| {median_ms(lambda: Q.mention_counts(store), a.repeat):.0f} |")


if __name__ == "__main__":
    main()
