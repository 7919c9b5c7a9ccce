"""The insight commands on a large store: alerts, comparison, ask; each against the naive way, same run.

    .venv/bin/python bench/bench_insights.py [--db bench/out/big.db]   (bench/gen_store.py makes it)

* alerts: `find_alerts` (SQL reads) on a copy of the store: the first check, the second (the rest of a
  digest that was full), a third with nothing new,
  against the naive way: the whole reviews frame loaded and the digest filtered in pandas.
* compare: `compare(store, "product")` (aggregates in the database, 5 products) against the naive way:
  the reviews frame loaded and the same numbers computed in pandas.
* ask: finding the sentences (TF-IDF, then the embedder on 300 candidates) on the whole store and on a
  5,000-review slice, against the naive way on the slice: the embedder reads every sentence.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=str(ROOT / "bench/out/big.db"))
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import pandas as pd

    from analysis.answers import _sentences, find_sources
    from analysis.embeddings import get_embedder
    from reviewlens.alerts import find_alerts
    from reviewlens.comparison import compare
    from reviewlens.config import AlertSettings
    from reviewlens.filters import Filters
    from reviewlens.queries import review_texts
    from reviewlens.store import Store

    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "copy.db"
        shutil.copy(args.db, db)
        store = Store(db)
        n = len(review_texts(store, Filters()))
        print(f"store: {n:,} reviews ({args.db})")

        rules = AlertSettings()
        found, first = _timed(lambda: find_alerts(store, rules))
        for a in found:
            store.add_alert(a.key, a.kind, a.title, a.body(), [], a.review_ids)
        again, second = _timed(lambda: find_alerts(store, rules))
        for a in again:
            store.add_alert(a.key, a.kind, a.title, a.body(), [], a.review_ids)
        _, quiet = _timed(lambda: find_alerts(store, rules))

        def naive_digest():
            df = store.reviews_frame()
            return df[(df["rating"] <= rules.low_rating)]

        _, naive = _timed(naive_digest)
        digest = sum(len(a.review_ids) for a in found)
        print(f"alerts: first check {first:.2f} s ({len(found)} alerts, a digest of {digest:,} reviews), second "
              f"{second:.2f} s (the digest's rest), third (nothing new) {quiet:.2f} s; naive digest (whole frame "
              f"+ pandas) {naive:.2f} s ({naive / first:.1f}x the first check)")

        cmp, t_cmp = _timed(lambda: compare(store, "product", top=5))

        def naive_compare():
            df = store.reviews_frame()
            names = df["product"].value_counts().index[:5]
            out = {}
            for p in names:
                g = df[df["product"] == p]
                neg = g["topics"].map(lambda ts: {t["topic"] for t in ts if t.get("sentiment") == "negative"})
                out[p] = (len(g), g["rating"].mean(), (g["sentiment"] == "negative").mean(),
                          pd.Series([t for s in neg for t in s]).value_counts() / len(g))
            return out

        _, t_naive = _timed(naive_compare)
        print(f"compare: 5 products {t_cmp:.2f} s ({len(cmp.topics)} topics, {len(cmp.gaps())} differences); "
              f"naive (whole frame + pandas) {t_naive:.2f} s ({t_naive / t_cmp:.1f}x)")

        emb = get_embedder()
        emb.encode(["warm up"])
        q = "why do people return the blender?"
        full = review_texts(store, Filters())
        _, t_all = _timed(lambda: find_sources(q, full, emb, 8))
        part = full.head(5000)
        _, t_part = _timed(lambda: find_sources(q, part, emb, 8))
        texts = _sentences(part).texts
        emb._memo.clear()
        _, t_every = _timed(lambda: emb.encode(texts + [q]))
        print(f"ask (finding the sentences): {len(full):,} reviews {t_all:.2f} s; 5,000 reviews {t_part:.2f} s; "
              f"naive on the 5,000 (embed all {len(texts):,} sentences) {t_every:.2f} s ({t_every / t_part:.1f}x)")
        store.close()


if __name__ == "__main__":
    main()
