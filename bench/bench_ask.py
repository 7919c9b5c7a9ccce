"""How well `reviewlens ask` (and the dashboard's Ask page) finds the sentences that answer a question, on
labelled English review sentences, against the naive way in the same run.

    .venv/bin/python bench/bench_ask.py [--n 3044]

The SemEval-2014 restaurant sentences (../shared/eval/), each a "review", each labelled with the aspect
categories it speaks of. Twelve questions, three per category (food, service, price, ambience), written
for this benchmark and not tuned on: precision at 5 is the share of the five sentences found that carry
the question's category. ReviewLens's search (TF-IDF picks 300 candidates, the embedder ranks them, the
question's words add a little) against the naive way: the embedder alone on every sentence for each
question, no candidates, no lexical term.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = {
    "food": ["How is the food?", "Is the food tasty?", "What do people say about the dishes?"],
    "service": ["How is the service?", "Are the staff friendly?", "Is the waiter attentive?"],
    "price": ["Is it expensive?", "Is it good value for money?", "What do people think of the prices?"],
    "ambience": ["What is the atmosphere like?", "Is it noisy inside?", "How is the decor?"],
}
K = 5


def main() -> None:
    import numpy as np
    import pandas as pd

    from analysis.answers import find_sources
    from analysis.embeddings import get_embedder

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3044, help="sentences searched (a random draw; default all)")
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    args = ap.parse_args()
    root = ET.parse(args.eval_dir / "semeval14_restaurants_train.xml").getroot()
    rows = [(s.get("id"), s.find("text").text, {c.get("category") for c in s.iter("aspectCategory")})
            for s in root.iter("sentence")]
    random.Random(0).shuffle(rows)
    rows = rows[:args.n]
    cats = {i: c for i, _, c in rows}
    df = pd.DataFrame([{"id": i, "text": t, "rating": None, "product": None, "url": None, "date": None}
                       for i, t, _ in rows])
    emb = get_embedder()
    emb.encode(["warm up"])
    print(f"{len(df):,} SemEval-2014 restaurant sentences; {cpu_name()}, 2 threads")

    def ours(q: str) -> list[str]:
        return [s.review_id for s in find_sources(q, df, emb, k=K)]

    def naive(q: str) -> list[str]:  # as a one-off question would: every sentence read for it
        vecs = emb.encode(df["text"].tolist() + [q])
        sims = vecs[:-1] @ vecs[-1]
        return [str(df["id"][j]) for j in np.argsort(-sims)[:K]]

    # cold: each question in a fresh process (`reviewlens ask`): the embedder remembers nothing; warm: the
    # dashboard's background answerer, whose embedder remembers the vectors of the last 50,000 texts
    for name, fn in (("ReviewLens (TF-IDF candidates, embedder, words)", ours),
                     ("naive: the embedder on every sentence", naive)):
        for warm in (False, True):
            emb._memo.clear()
            t0 = time.perf_counter()
            hits, per = 0, {}
            for cat, qs in QUESTIONS.items():
                h = 0
                for q in qs:
                    if not warm:
                        emb._memo.clear()
                    h += sum(cat in cats[i] for i in fn(q))
                per[cat] = h / (K * len(qs))
                hits += h
            took = time.perf_counter() - t0
            n = K * sum(len(q) for q in QUESTIONS.values())
            print(f"{name}, {'warm' if warm else 'cold'}: precision at {K} {hits / n:.1%} ({hits}/{n}); "
                  + ", ".join(f"{c} {p:.0%}" for c, p in per.items()) + f"; {took / 12:.2f} s a question")


if __name__ == "__main__":
    main()
