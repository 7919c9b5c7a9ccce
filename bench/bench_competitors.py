"""Competitors (reviewlens.competitors) on review sentences the rules were not written on: the SemEval-2014
laptop sentences, their names found by the entity pipeline (analysis.entities, as `reviewlens analyze`
finds them), each sentence that names a PRODUCT or ORG read for whether it compares and which way its
writer went. Prints the counts, the time, and every comparing sentence with its reading, for a person to
judge (no labelled set of comparisons was at hand: the precision in bench/RESULTS.md was judged so).

    .venv/bin/python bench/bench_competitors.py [--eval-dir ../shared/eval] [--limit N]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--limit", type=int, default=None, help="the first N laptop sentences (default: all)")
    args = ap.parse_args()
    from analysis.entities import extract_entities
    from analysis.taxonomy import DEFAULT_ENTITY_TYPES
    from reviewlens.comparing import KINDS, direction, sentence_at

    texts = [e.text for e in ET.parse(args.eval_dir / "semeval14_laptops_train.xml").iter("text") if e.text]
    texts = texts[:args.limit] if args.limit else texts
    print(f"machine: {cpu_name()}, {platform.python_version()}; {len(texts)} SemEval-2014 laptop sentences")
    t0 = time.perf_counter()
    found = extract_entities(None, texts, list(DEFAULT_ENTITY_TYPES))
    t1 = time.perf_counter()
    counts: Counter = Counter()
    comparing = []
    for text, ents in zip(texts, found):
        for e in ents:
            if e.type not in KINDS:
                continue
            counts["names"] += 1
            s, t = sentence_at(text, e.start, e.end)
            how = direction(text[s:t], e.start - s, e.end - s, e.type)
            counts[how or "not comparing"] += 1
            if how:
                comparing.append((how, e.text, e.type, text[s:t]))
    t2 = time.perf_counter()
    print(f"entities: {t1 - t0:.1f} s ({1000 * (t1 - t0) / len(texts):.1f} ms a sentence); the comparison rules: "
          f"{1000 * (t2 - t1):.0f} ms for {counts['names']} names ({1e6 * (t2 - t1) / max(1, counts['names']):.0f} µs each)")
    print(f"PRODUCT/ORG names: {counts['names']}; comparing: {len(comparing)} (went to {counts['went_to']}, came "
          f"from {counts['came_from']}, compared {counts['compared']}); not comparing: {counts['not comparing']}")
    for how, name, typ, sentence in sorted(comparing, key=lambda x: x[0]):
        print(f"  {how:9s} {name} ({typ}) | {' '.join(sentence.split())[:160]}")


if __name__ == "__main__":
    main()
