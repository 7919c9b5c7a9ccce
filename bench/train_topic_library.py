"""Fit the topic library's "restaurants" detectors (analysis/data/topic_library.json) on SemEval-2014.

Data: /work/shared/eval/semeval14_restaurants_train.xml in `analysis.evaluate.load_semeval()` order (fixed
shuffle, seed 13). Held out (never fitted on, only printed at the end): items [0, 200) and [1000, 1300).
Fitted on the other items (or --train-items, e.g. 1300-3044 for the learning curve, whose labels come
from 200-1000).

One logistic head per concept (food, service, price, ambience, and the taxonomy's `other`), "yes"/"no",
over `analysis.topic_library.features`: the MiniLM vector of the sentence and the calibrated zero-label
rule's probability of the matched topic (its log too); a second set reads the vector of all-mpnet-base-v2's
first 7 layers as well (used when that encoder is installed; `--minilm-only` skips it). Each sentence appears once per wording A, B, C of
the owner's one-line topics (`analysis.evaluate.ZERO_LABEL_TOPICS`), so the heads read the rule as it
behaves under different wordings. C and the bar by 5-fold cross-validation over sentences (seed 0), the bar on the probabilities as the runtime
takes them (the best of a sentence's own vector and its clauses' vectors).
Wording D was written after this fit and is never fitted on (an unseen wording, names included).

    .venv/bin/python bench/train_topic_library.py [--train-items 1300-3044] [--out PATH] [--dry-run]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from analysis import evaluate as ev  # noqa: E402
from analysis import heads  # noqa: E402
from analysis import topic_library as lib  # noqa: E402
from analysis import topics as tm  # noqa: E402
from analysis.embeddings import get_embedder  # noqa: E402
from analysis.taxonomy import OTHER  # noqa: E402

HELDOUT = [(0, 200), (1000, 1300)]
WORDINGS = ("A", "B", "C")
CONCEPTS = ("food", "service", "price", "ambience")
GRID_C = (0.3, 1.0, 3.0)
# the second sentiment head's layers of all-mpnet-base-v2: one encoder loaded for both
SHARP_LAYERS = int(heads.sentiment_head(heads.SHARP_HEAD_PATH).meta["encoder_layers"])
GRID_BAR = tuple(round(x, 2) for x in np.arange(0.2, 0.71, 0.05))


def micro_f1(Y: np.ndarray, P: np.ndarray) -> float:
    tp = int((Y & P).sum())
    return 2 * tp / max(1, 2 * tp + int(((1 - Y) & P).sum()) + int((Y & (1 - P)).sum()))


def decide(prob: np.ndarray, bar: float) -> np.ndarray:
    """Topics at or above the bar, at least the most probable one (as analysis.topics decides)."""
    D = (prob >= bar).astype(int)
    D[np.arange(len(prob)), prob.argmax(axis=1)] = 1
    return D


def rule_probs(texts: list[str], wording: str, emb) -> np.ndarray:
    """The calibrated zero-label rule alone (no library), (n, 5) in CONCEPTS + other order."""
    tax = ev.zero_label_taxonomy(wording)
    cal = tm.load_calibration()
    tcs = tm._analyse_clauses(texts, tax, emb)
    return tm._rule_proba(tcs, tax.names.index(OTHER), cal["embed"])


def fit_variant(name: str, X: np.ndarray, V: np.ndarray, Y: np.ndarray, R: dict, tr: np.ndarray,
                owner: np.ndarray, names: list[str]) -> tuple[dict, float, float, float]:
    """Heads over item vectors X (C and the bar by 5-fold CV, the bar on the runtime's max over the
    pieces V), then refit on all of `tr`: ({concept: head}, C, bar, CV micro-F1)."""
    def rows(idx, j):
        return (np.vstack([lib.features(X[idx], R[w][idx, j]) for w in WORDINGS]),
                np.concatenate([Y[idx, j]] * len(WORDINGS)))

    def runtime(head, idx, w, j):
        """The head's probability of topic j for items idx as the runtime takes it (max over pieces)."""
        sel = np.isin(owner, idx)
        p = head.proba(lib.features(V[sel], R[w][owner[sel], j]))[:, 1]
        best = np.full(len(Y), -1.0)
        np.maximum.at(best, owner[sel], p)
        return best[idx]

    folds = np.random.default_rng(0).permutation(len(tr)) % 5
    best = None
    for C in GRID_C:
        oof = {w: np.zeros((len(tr), len(names))) for w in WORDINGS}
        for f in range(5):
            a, b = tr[folds != f], tr[folds == f]
            for j in range(len(names)):
                Xa, ya = rows(a, j)
                h = heads.fit_head(Xa, ["yes" if v else "no" for v in ya], C=C, classes=("no", "yes"))
                for w in WORDINGS:
                    oof[w][folds == f, j] = runtime(h, b, w, j)
        curve = {bar: float(np.mean([micro_f1(Y[tr], decide(oof[w], bar)) for w in WORDINGS])) for bar in GRID_BAR}
        top = max(curve, key=curve.get)
        print(f"{name}: C={C}: CV micro-F1 (mean of wordings A, B, C) {curve[top]:.3f} at bar {top}", flush=True)
        if best is None or curve[top] > best[0]:
            best = (curve[top], C, top)
    cv, C, bar = best
    print(f"{name}: chosen C={C}, bar={bar} (CV {cv:.3f})")
    out = {}
    for j, n in enumerate(names):
        Xa, ya = rows(tr, j)
        out[n] = heads.fit_head(Xa, ["yes" if v else "no" for v in ya], C=C, classes=("no", "yes"),
                                meta={"concept": n, "set": "restaurants", "reads": name})
    return out, C, bar, cv


def parse_items(spec: str | None, n: int) -> list[int]:
    if not spec:
        held = {i for a, b in HELDOUT for i in range(a, b)}
        return [i for i in range(n) if i not in held]
    out: list[int] = []
    for part in spec.split(","):
        a, b = part.split("-")
        out += range(int(a), min(int(b), n))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=Path(os.environ.get("REVIEWLENS_EVAL_DIR", ROOT.parent / "shared" / "eval")))
    ap.add_argument("--train-items", help="positions fitted on, e.g. 1300-3044 (default: all but the held-out)")
    ap.add_argument("--out", type=Path, default=lib.LIBRARY_PATH)
    ap.add_argument("--dry-run", action="store_true", help="print, write nothing")
    ap.add_argument("--minilm-only", action="store_true", help="skip the heads that read all-mpnet-base-v2 too")
    args = ap.parse_args(argv)

    items = ev.load_semeval(args.eval_dir)
    train = parse_items(args.train_items, len(items))
    held = [i for a, b in HELDOUT for i in range(a, b)]
    assert not set(train) & set(held), "the held-out items are never fitted on"
    names = list(CONCEPTS) + [OTHER]
    texts = [it.text for it in items]
    Y = np.array([[c in it.categories for c in names] for it in items], dtype=int)
    emb = get_embedder()
    print(f"{len(train)} training sentences; embedding and rule probabilities for wordings {', '.join(WORDINGS)} ...")
    X = emb.encode(texts)
    R = {w: rule_probs(texts, w, emb) for w in WORDINGS}

    # what the runtime reads: the best of the text's sentences and clauses (analysis.topics), per item
    tcs = tm._analyse_clauses(texts, ev.zero_label_taxonomy("A"), emb, sentences=True)
    owner = np.concatenate([[i] * len(tc.sentence_vecs) for i, tc in enumerate(tcs)])
    V = np.concatenate([tc.sentence_vecs for tc in tcs])
    variants = {"minilm": (X, V)}
    enc = None if args.minilm_only else lib._sharp_encoder(SHARP_LAYERS)
    if enc is not None:
        print(f"all-mpnet-base-v2 (first {SHARP_LAYERS} layers) over {len(texts)} sentences and their pieces ...", flush=True)
        pieces = [t for tc in tcs for t in tc.sentence_texts]
        variants["sharp"] = (np.concatenate([X, enc.encode(texts)], axis=1),
                             np.concatenate([V, enc.encode(pieces)], axis=1))
    tr = np.asarray(train)
    fitted = {k: fit_variant(k, Xv, Vv, Y, R, tr, owner, names) for k, (Xv, Vv) in variants.items()}
    heads_, C, bar, cv = fitted["minilm"]
    hand = {t.name: f"{t.name}: {t.description}" for t in ev.restaurant_taxonomy().topics}
    concepts = [{"name": n,
                 "wordings": [f"{d['name']}: {d['description']}" for w in WORDINGS
                              for d in ev.ZERO_LABEL_TOPICS[w] if d["name"] == n] + [hand[n]],
                 "head": heads_[n].to_json(),
                 **({"sharp_head": fitted["sharp"][0][n].to_json()} if "sharp" in fitted else {})} for n in CONCEPTS]
    out = {"features": lib.FEATURES, "fitted": dt.date.today().isoformat(),
           "how": "bench/train_topic_library.py" + (f" --train-items {args.train_items}" if args.train_items else ""),
           "sets": [{"name": "restaurants",
                     "source": f"SemEval-2014 Task 4 restaurant sentences ({len(train)}, aspect categories; "
                               "held-out items 0-200 and 1000-1300 never fitted on)",
                     "threshold": bar, "cv_micro_f1": round(cv, 4), "C": C,
                     "concepts": concepts, "other": heads_[OTHER].to_json(),
                     **({"sharp": {"layers": SHARP_LAYERS, "threshold": fitted["sharp"][2], "C": fitted["sharp"][1],
                                   "cv_micro_f1": round(fitted["sharp"][3], 4),
                                   "other": fitted["sharp"][0][OTHER].to_json()}} if "sharp" in fitted else {})}]}
    if args.dry_run:
        print("dry run: nothing written")
    else:
        args.out.write_text(json.dumps(out) + "\n", encoding="utf-8")
        print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
