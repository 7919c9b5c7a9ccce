"""Which topics preset reviews read like (analysis.preset_fit): each preset's fit (the mean over the reviews of the
best similarity to one of its topics) and the share of reviews it fits best, on review sets of known kinds, and
the hint `reviewlens analyze` would give under the default preset ("products").

- the bundled examples (data/examples: a shop's headphones, a restaurant, an app, a hotel) and the demo shop's
  reviews;
- SemEval-2014 restaurant and laptop sentences (training files, 900 each, shuffled with seed 1, three to a
  review) and the first 300 Yelp sentences (../shared/eval).

    .venv/bin/python bench/bench_preset_fit.py [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def example(name: str) -> list[str]:
    with open(ROOT / "data" / "examples" / name, newline="", encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


def semeval(path: Path) -> list[str]:
    sents = [s.findtext("text") or "" for s in ET.parse(path).getroot().iter("sentence")]
    random.Random(1).shuffle(sents)
    return [" ".join(sents[i:i + 3]) for i in range(0, 900, 3)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    args = ap.parse_args()
    from analysis import preset_fit
    from analysis.embeddings import get_embedder

    print(f"machine: {cpu_name()}, {platform.python_version()}")
    demo = json.loads((ROOT / "data" / "demo_shop" / "reviews.json").read_text(encoding="utf-8"))["reviews"]
    sets = {"demo shop (products)": [r["text"] for r in demo],
            "headphones example (products)": example("headphones-reviews.csv"),
            "trattoria example (restaurants)": example("trattoria-reviews.csv"),
            "jotter example (apps)": example("jotter-app-reviews.csv"),
            "hotel example (hotels)": example("hotel-reviews.csv"),
            "SemEval restaurants, 3 sentences a review (restaurants)":
                semeval(args.eval_dir / "semeval14_restaurants_train.xml"),
            "SemEval laptops, 3 sentences a review (products or apps)":
                semeval(args.eval_dir / "semeval14_laptops_train.xml"),
            "Yelp sentences (restaurants, mostly)": [line.rsplit("\t", 1)[0] for line in (
                args.eval_dir / "yelp_labelled.txt").read_text(encoding="utf-8").splitlines()[:300]]}
    emb = get_embedder()
    print("| reviews | n | products: fit, best for | restaurants | apps | hotels | hint under \"products\" | "
          "under \"restaurants\" | s |")
    print("|---|---:|---|---|---|---|---|---|---:|")
    for name, texts in sets.items():
        t0 = time.perf_counter()
        fits = preset_fit.preset_fits(texts, emb)
        better = preset_fit.better_preset(texts, "products", emb)
        other = preset_fit.better_preset(texts, "restaurants", emb)
        cells = " | ".join(f"{fits[p][0]:.3f}, {100 * fits[p][1]:.0f}%" for p in ("products", "restaurants", "apps", "hotels"))
        print(f"| {name} | {min(len(texts), preset_fit.SAMPLE)} | {cells} | {better[0] if better else '-'} | {other[0] if other else '-'} | "
              f"{time.perf_counter() - t0:.1f} |")


if __name__ == "__main__":
    main()
