"""Model names as products (analysis.model_names): the entity pipeline with and without the model-name
rules, in the same run, on

- model names in review sentences: bench/data/product_names_dev.jsonl (56 SemEval-2014 laptop sentences
  the rules were written with) and bench/data/product_names_heldout.jsonl (40 sentences of other products,
  places and counts, written with their answers before the rules and not used to tune them): exact-span
  precision and recall of the PRODUCT entities that hold a digit (the model names; products without a
  number are not what the rules change);
- CoNLL-2003 English dev (news; PER/ORG/LOC F1, a gold ORG typed PRODUCT is a miss) and the held-out
  WNUT-16 tweets (items 0-600), so that what the rules take away elsewhere shows; also without the rule
  that makes a name after a role word a person ("our waitress Giulia", `entities._after_role_word`) and the one
  that makes a name after the words for what an order went through a company ("Ordered on Lieferando",
  `entities._after_service_word`).

    .venv/bin/python bench/bench_products.py [--eval-dir ../shared/eval] [--conll-limit N]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SETS = {"laptop sentences (dev: the rules were written with them)": ROOT / "bench/data/product_names_dev.jsonl",
        "other products, places, counts (held out)": ROOT / "bench/data/product_names_heldout.jsonl"}


def model_name_scores(rows: list[dict], preds: list) -> dict:
    tp = fp = fn = 0
    misses, wrong = [], []
    for r, ents in zip(rows, preds):
        gold = set(r["products"])
        got = {e.text for e in ents if e.type == "PRODUCT" and any(ch.isdigit() for ch in e.text)}
        tp += len(gold & got)
        fp += len(got - gold)
        fn += len(gold - got)
        misses += sorted(gold - got)
        wrong += sorted(got - gold)
    p = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"gold": tp + fn, "p": p, "r": rec, "f1": 2 * p * rec / (p + rec) if p + rec else 0.0,
            "misses": misses, "wrong": wrong}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--conll-limit", type=int, default=None, help="CoNLL dev sentences (default: all)")
    args = ap.parse_args()
    from analysis import entities
    from analysis import evaluate as ev
    from analysis.taxonomy import DEFAULT_ENTITY_TYPES

    print(f"machine: {cpu_name()}, {platform.python_version()}")
    rules = ("_prefer_model_names", "_after_role_word", "_after_service_word")
    now = {r: getattr(entities, r) for r in rules}
    variants = {"without the model-name rules (before)": {**now, "_prefer_model_names": lambda text, cands, keep: keep},
                "with them, no service-word rule (stop 31)": {**now, "_after_service_word": lambda text, c: False},
                "with them, the role and service words (now)": now}
    entities.extract_entities(None, ["Warm-up: the Dell XPS 13 from Best Buy."], list(DEFAULT_ENTITY_TYPES))
    for label, path in SETS.items():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        print(f"\n{label}: {len(rows)} sentences, {sum(len(r['products']) for r in rows)} model names")
        for name, rule in variants.items():
            for attr, fn in rule.items():
                setattr(entities, attr, fn)
            preds = entities.extract_entities(None, [r["text"] for r in rows], list(DEFAULT_ENTITY_TYPES))
            s = model_name_scores(rows, preds)
            print(f"  {name:40s} P {100 * s['p']:5.1f}%  R {100 * s['r']:5.1f}%  F1 {100 * s['f1']:5.1f}%")
            print(f"      missed: {s['misses']}\n      wrong:  {s['wrong']}")
    conll = ev.conll_path(args.eval_dir, "dev")
    print(f"\nCoNLL-2003 dev ({args.conll_limit or 'all'} sentences) and WNUT-16 held-out tweets (600)")
    for name, rule in variants.items():
        for attr, fn in rule.items():
            setattr(entities, attr, fn)
        t = time.perf_counter()
        c = ev.eval_entities_conll(conll, args.conll_limit, baseline=False)["pipeline"]
        w = ev.eval_entities(None, 600)
        per = " ".join(f"{k} {100 * v['f1']:.1f}" for k, v in c["per_type"].items())
        print(f"  {name:40s} CoNLL F1 {100 * c['exact']['f1']:.2f}% ({per}), {c['ms_per_item']:.1f} ms/sentence; "
              f"tweets F1 {100 * w['exact']['f1']:.2f}%, PRODUCT {100 * w['per_type_f1']['PRODUCT']:.1f}% "
              f"({time.perf_counter() - t:.0f} s)")
    for attr, fn in now.items():
        setattr(entities, attr, fn)


if __name__ == "__main__":
    main()
