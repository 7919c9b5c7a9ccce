"""What customers ask for (analysis.requests): every sentence of the development data the request rules
take for a request, printed by corpus for a person to judge, and how fast the rules read.

    .venv/bin/python bench/bench_requests.py [--eval-dir ../shared/eval]

The rules were written on the Yelp and SemEval-2014 restaurant sentences; the SemEval-2014 laptop sentences
were read only after (bench/RESULTS.md has the judged figures). No labelled set of requests was at hand, so
this prints what is found (precision, judged by reading) and says nothing of what is missed.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    args = ap.parse_args()
    from analysis.evaluate import load_semeval, load_yelp
    from analysis.requests import request_parts
    from analysis.topics import split_sentences

    print(f"machine: {cpu_name()}, {platform.python_version()}")
    corpora = {"yelp (tuned on)": [t for t, _ in load_yelp(args.eval_dir)],
               "semeval restaurants (tuned on)": [s.text for s in load_semeval(args.eval_dir)],
               "semeval laptops (held out)": [e.text for e in ET.parse(args.eval_dir / "semeval14_laptops_train.xml")
                                              .iter("text") if e.text]}
    for name, texts in corpora.items():
        t = time.perf_counter()
        found = [p for text in texts for s, e in split_sentences(text) for p in request_parts(text[s:e])]
        secs = time.perf_counter() - t
        print(f"\n== {name}: {len(texts)} texts, {len(found)} requests found, {secs:.2f} s "
              f"({len(texts) / secs:,.0f} texts/s)")
        for p in found:
            print(f"    {p}")


if __name__ == "__main__":
    main()
