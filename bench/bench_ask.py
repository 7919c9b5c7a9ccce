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


#: Questions that presuppose which way the answer goes (written for this benchmark on 2026-12-04, with the
#: ranking change they measure): each asks what is wrong with, or what is loved about, one category.
WAY_QUESTIONS = {
    ("food", "negative"): ["What is wrong with the food?", "Why do people complain about the dishes?",
                           "What do people dislike about the menu?"],
    ("service", "negative"): ["What do people complain about regarding the service?",
                              "Why are guests unhappy with the staff?", "What is bad about the waiters?"],
    ("price", "negative"): ["Why do people complain about the prices?", "What is wrong with the value for money?",
                            "What do people dislike about the cost?"],
    ("ambience", "negative"): ["What is wrong with the atmosphere?", "Why do people complain about the decor?",
                               "What do people dislike about the place inside?"],
    ("food", "positive"): ["What do people love about the food?", "Which dishes do people enjoy?",
                           "What do people praise about the menu?"],
    ("service", "positive"): ["What do people love about the service?", "What do people praise about the staff?",
                              "Why are guests happy with the waiters?"],
    ("price", "positive"): ["What do people like about the prices?", "Why do people praise the value for money?",
                            "What do people love about the cost?"],
    ("ambience", "positive"): ["What do people love about the atmosphere?", "What do people enjoy about the decor?",
                               "What do people praise about the place?"],
}


#: Written after the weight was chosen on WAY_QUESTIONS: held out for it (other wordings, "guests", "diners")
WAY_QUESTIONS_HELD_OUT = {
    ("food", "negative"): ["What do diners complain about in the dishes?", "What problems do guests have with the meals?"],
    ("service", "negative"): ["What do guests complain about in the service at dinner?",
                              "Which issues do diners have with the waitstaff?"],
    ("price", "negative"): ["What is the worst thing about the bill?", "What do guests dislike about what it costs?"],
    ("ambience", "negative"): ["What do guests complain about in the dining room?",
                               "What is wrong with the music and the noise?"],
    ("food", "positive"): ["What do diners enjoy most in the dishes?", "What is the best thing on the menu?"],
    ("service", "positive"): ["What do guests praise about the waitstaff?", "Why are diners happy with the hosts?"],
    ("price", "positive"): ["What do guests like about the bill?", "Why do diners recommend it for the price?"],
    ("ambience", "positive"): ["What do guests love about the dining room?", "What do diners enjoy about the setting?"],
}


def way_main(eval_dir: Path) -> None:
    """Questions that ask what goes wrong or what is loved: the share of the five sentences found that speak of
    the category that way (the SemEval polarity of that category), with the question's way read
    (analysis.answers.INTENT_WEIGHT) against the ranking by meaning alone, in the same run."""
    import pandas as pd

    from analysis import answers
    from analysis.embeddings import get_embedder

    root = ET.parse(eval_dir / "semeval14_restaurants_train.xml").getroot()
    rows = [(s.get("id"), s.find("text").text, {c.get("category"): c.get("polarity") for c in s.iter("aspectCategory")})
            for s in root.iter("sentence")]
    gold = {i: c for i, _, c in rows}
    df = pd.DataFrame([{"id": i, "text": t, "rating": None, "product": None, "url": None, "date": None}
                       for i, t, _ in rows])
    emb = get_embedder()
    default = answers.INTENT_WEIGHT
    for questions, title in ((WAY_QUESTIONS, "the 24 questions the weight was chosen on"),
                             (WAY_QUESTIONS_HELD_OUT, "16 held-out wordings")):
        print(title)
        for weight in (0.0, 0.1, default, 0.3):
            answers.INTENT_WEIGHT = weight
            about = both = n = 0
            per: dict[str, int] = {"negative": 0, "positive": 0}
            for (cat, way), qs in questions.items():
                for q in qs:
                    found = [s.review_id for s in answers.find_sources(q, df, emb, k=K)]
                    about += sum(cat in gold[i] for i in found)
                    hit = sum(gold[i].get(cat) == way for i in found)
                    both += hit
                    per[way] = per.get(way, 0) + hit
                    n += len(found)
            name = ("meaning alone" if weight == 0 else f"way read, weight {weight}"
                    + (" (default)" if weight == default else ""))
            asked = {w: K * sum(len(qs) for (_, way), qs in questions.items() if way == w) for w in per}
            print(f"  {name}: of the category {about / n:.1%}; of the category, the asked way {both / n:.1%} "
                  f"(complaints {per['negative']}/{asked['negative']}, praise {per['positive']}/{asked['positive']})")
    answers.INTENT_WEIGHT = default


if __name__ == "__main__":
    main()
    way_main(ROOT.parent / "shared" / "eval")
