"""What reviews say of the names they mention (analysis.entity_sentiment), against what the entities chart
counted before (the sentiment of the whole review), in the same run.

Human polarity per aspect term of the SemEval-2014 training files (restaurants and laptops; positive, neutral,
negative; "conflict" left out): each term stands for a mention, at its character offsets.

- sentences: each SemEval sentence alone (there the review is the sentence: the before is the sentence's
  sentiment, so only clauses cut at "but", "though" and comparisons can differ);
- reviews of 4 sentences: the sampled sentences joined four at a time, in the sample's order (random: real
  reviews mix less than this, so the gap there is an upper bound of what a real review shows).

Methods: the review's sentiment (before); the mention's own clause; the own clause with a compared name read
the other way round ("better than Intel": the default). All through the packaged cascade (the heads, and the
0.5B for what they are unsure of), as `reviewlens analyze` runs it.

    .venv/bin/python bench/bench_entity_sentiment.py [--eval-dir ../shared/eval] [--n 700]
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LABELS = ["positive", "neutral", "negative"]


def load(path: Path, n: int, seed: int = 13) -> list[tuple[str, int, int, str]]:
    """(sentence, start, end, polarity) of up to `n` aspect terms, a fixed shuffle."""
    items = []
    for s in ET.parse(path).getroot().iter("sentence"):
        text = s.findtext("text") or ""
        for t in s.iter("aspectTerm"):
            if t.get("polarity") in LABELS:
                items.append((text, int(t.get("from")), int(t.get("to")), t.get("polarity")))
    random.Random(seed).shuffle(items)
    return items[:n]


def as_reviews(items: list[tuple[str, int, int, str]], size: int = 4) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """The items' sentences joined `size` at a time (distinct sentences, in order), with the terms' offsets."""
    sentences: dict[str, list[tuple[int, int, str]]] = {}
    for text, a, b, pol in items:
        sentences.setdefault(text, []).append((a, b, pol))
    order = list(sentences)
    out = []
    for i in range(0, len(order), size):
        text, terms = "", []
        for sent in order[i:i + size]:
            text += (" " if text else "")
            terms += [(len(text) + a, len(text) + b, pol) for a, b, pol in sentences[sent]]
            text += sent
        out.append((text, terms))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--n", type=int, default=700, help="aspect terms per data set (default 700)")
    args = ap.parse_args()
    from analysis import entity_sentiment as es
    from analysis.analyzer import Analyzer
    from analysis.evaluate import accuracy, macro_f1
    from reviewlens.config import AnalysisSettings
    from reviewlens.schema import Entity

    print(f"machine: {cpu_name()}, {platform.python_version()}")
    cascade = Analyzer(AnalysisSettings()).cascade
    flip = es.compared_against
    print("| data | as | terms | method | accuracy | macro-F1 | predicted pos/neu/neg |")
    print("|---|---|---:|---|---:|---:|---|")
    for name in ("restaurants", "laptops"):
        items = load(args.eval_dir / f"semeval14_{name}_train.xml", args.n)
        for shape, reviews in (("sentences", [(t, [(a, b, p)]) for t, a, b, p in items]),
                               ("reviews of 4 sentences", as_reviews(items))):
            texts = [t for t, _ in reviews]
            gold = [p for _, terms in reviews for _, _, p in terms]
            t0 = time.perf_counter()
            whole = [d[0] for d in cascade.decide(texts)]
            before = [whole[i] for i, (_, terms) in enumerate(reviews) for _ in terms]
            found = [[Entity(t[a:b], "X", a, b) for a, b, _ in terms] for t, terms in reviews]
            variants = {}
            for label, rule in (("own clause", lambda *a: False), ("own clause, compared names reversed", flip)):
                es.compared_against = rule
                got = es.with_sentiment(texts, found, cascade.sentiment_labels)
                variants[label] = [e.sentiment for ents in got for e in ents]
            es.compared_against = flip
            secs = time.perf_counter() - t0
            for label, pred in (("the review's sentiment (before)", before), *variants.items()):
                c = Counter(pred)
                print(f"| {name} | {shape} | {len(gold)} | {label} | {100 * accuracy(gold, pred):.1f}% | "
                      f"{100 * macro_f1(gold, pred, LABELS):.1f}% | {c['positive']}/{c['neutral']}/{c['negative']} |")
            print(f"|  | gold | | | | | {'/'.join(str(Counter(gold)[x]) for x in LABELS)} ({secs:.0f} s) |")
    print(f"cascade decisions: {dict(cascade.counts)}")


if __name__ == "__main__":
    main()
