#!/usr/bin/env python3
"""Topic learning curve: SemEval-2014 aspect-category micro-F1 on held-out restaurant sentences with
0, 5, 10, 25 and 50 user labels per topic, the way `reviewlens label import` feeds them to the analysis
(a labelled sentence becomes an example of its topic).

Taxonomy: the owner's four topics written as a name and one line (`zero_label_taxonomy("A")`) plus
`other`. Labels are drawn from the TUNE part of the shuffled set (items 200-1000), sentences with exactly
one category, k per topic, three draws (seeds 1-3); the score is on the held-out items 0-200 and
1000-1300 (never used for tuning), without the LLM (the default cascade's topic path).

    .venv/bin/python bench/topic_learning_curve.py [--ks 0,5,10,25,50] [--seeds 1,2,3]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sys
import time
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from analysis import evaluate as ev  # noqa: E402
from analysis import topics as tm  # noqa: E402
from analysis.embeddings import get_embedder  # noqa: E402

HELD_OUT = list(range(0, 200)) + list(range(1000, 1300))
POOL = range(200, 1000)
CATEGORIES = ("food", "service", "price", "ambience")


class CachedEmbedder:
    """The embedder with a per-text cache (the held-out sentences are encoded once for every draw)."""

    def __init__(self, emb):
        self.emb, self.cache, self.dim = emb, {}, emb.dim

    def encode(self, texts, batch_size: int = 64):
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.emb.encode(missing)))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts]).astype(np.float32)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--ks", default="0,5,10,25,50")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--library", type=Path, help="topic library file to use instead of the shipped one (e.g. "
                    "one fitted by `bench/train_topic_library.py --train-items 1300-3044`, so that the labels, "
                    "drawn from items 200-1000, are sentences its detectors never saw)")
    ap.add_argument("--no-library", action="store_true", help="the zero-label rule alone (no topic library)")
    args = ap.parse_args()
    from analysis import topic_library

    if args.library or args.no_library:
        topic_library.LIBRARY_PATH = args.library or ROOT / "no-library.json"
    ks = [int(k) for k in args.ks.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    every = ev.load_semeval(args.eval_dir, None)
    held = [every[i] for i in HELD_OUT]
    pool = [every[i] for i in POOL]
    single = {c: [r.text for r in pool if set(r.categories) == {c}] for c in CATEGORIES}
    base = ev.zero_label_taxonomy("A")
    emb = CachedEmbedder(get_embedder())
    texts = [r.text for r in held]
    gold = [set(r.categories) for r in held]
    print(f"topic library: {topic_library.LIBRARY_PATH} ({', '.join(s.source for s in topic_library.load_library()) or 'none'})")
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores; held-out n={len(held)}; "
          f"label pool per topic: {', '.join(f'{c} {len(v)}' for c, v in single.items())}")
    print("labels per topic | micro-F1 (mean of draws) | per draw | food / service / price / ambience F1 | s")
    for k in ks:
        f1s, per_cat = [], {c: [] for c in CATEGORIES}
        t0 = time.monotonic()
        for seed in seeds if k else seeds[:1]:
            rng = random.Random(seed)
            taught = {c: rng.sample(v, min(k, len(v))) for c, v in single.items()}
            tax = dataclasses.replace(base, topics=[dataclasses.replace(t, examples=[*t.examples, *taught.get(t.name, [])])
                                                    for t in base.topics])
            preds = tm.classify_topics(None, texts, tax, embedder=emb, use_llm=False)
            pred = [{m.topic for m in p} for p in preds]
            f1s.append(ev.multilabel_micro(gold, pred)["f1"])
            for c in CATEGORIES:
                per_cat[c].append(ev.multilabel_micro([{c} & g for g in gold], [{c} & p for p in pred])["f1"])
        secs = time.monotonic() - t0
        cats = " / ".join(f"{np.mean(per_cat[c]):.1%}" for c in CATEGORIES)
        draws = ", ".join(f"{f:.1%}" for f in f1s)
        print(f"{k:>16} | {np.mean(f1s):.1%} | {draws} | {cats} | {secs:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
