"""Fit the calibrated topic decision (analysis/data/topic_calibration.json) on a TUNE split of SemEval-2014.

Data: /work/shared/eval/semeval14_restaurants_train.xml in `analysis.evaluate.load_semeval()` order (fixed
shuffle, seed 13). TUNE = items [200, 1000) and [1300, 2000) (1500 sentences). Held out (never used here): items [0, 200)
(the slice of the earlier results) and [1000, 1300). Features: `analysis.topics.pair_features` (one row per
(sentence, topic), taxonomy-agnostic); LLM topic distributions from `llm_topic_distribution` (one scoring
call per sentence; cached in --cache-dir). C and the threshold by 5-fold CV over sentences (seed 0).

    .venv/bin/python bench/train_topic_calibration.py [--dry-run] [--eval]
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
from analysis import topics as tm  # noqa: E402
from analysis.embeddings import get_embedder  # noqa: E402

TUNE = [(200, 500), (500, 800), (800, 1000), (1300, 1650), (1650, 2000)]
HELDOUT = {"items 0-200": [(0, 200)], "items 1000-1300": [(1000, 1300)]}


def distributions(rows, ranges, cache_dir: Path, tax):
    out = []
    for lo, hi in ranges:
        f = cache_dir / f"dist_{lo}_{hi}.npy"
        if f.is_file():
            out.append(np.load(f))
            continue
        from analysis.backends import get_backend
        from reviewlens.config import AnalysisSettings

        d = tm.llm_topic_distribution(get_backend(AnalysisSettings()), [r.text for r in rows[lo:hi]], tax)
        cache_dir.mkdir(parents=True, exist_ok=True)
        np.save(f, d)
        out.append(d)
    return np.concatenate(out)


def dataset(rows, ranges, cache_dir, tax, emb):
    idx = [i for lo, hi in ranges for i in range(lo, hi)]
    dist = distributions(rows, ranges, cache_dir, tax)
    tcs = tm._analyse_clauses([rows[i].text for i in idx], tax, emb)
    other_j = tax.names.index("other")
    feats = [tm.pair_features(tc.sims, dist[n], other_j, tc.sims1) for n, tc in enumerate(tcs)]
    gold = [set(rows[i].categories) for i in idx]
    y = [[1 if name in g else 0 for name in tax.names] for g in gold]
    return feats, np.array(y), gold, tcs, dist


def f1(feats, gold, names, coef, thr):
    other_j = names.index("other")
    pred = []
    for F in feats:
        prob = 1 / (1 + np.exp(-(F @ coef)))
        ch = [j for j in range(len(prob)) if prob[j] >= thr] or [int(prob.argmax())]
        pred.append({names[j] for j in ch})
    return ev.multilabel_micro(gold, pred)["f1"]


def fit(feats, y, C):
    from sklearn.linear_model import LogisticRegression

    X = np.vstack(feats)
    m = LogisticRegression(C=C, max_iter=5000, fit_intercept=False)  # column 0 is the bias
    m.fit(X, y.reshape(-1))
    return m.coef_[0]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval"))
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/rl"))
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--eval", action="store_true", help="also print the held-out figures")
    args = ap.parse_args()
    rows = ev.load_semeval(args.eval_dir, None)
    tax = ev.restaurant_taxonomy()
    emb = get_embedder()
    feats, y, gold, _, _ = dataset(rows, TUNE, args.cache_dir, tax, emb)
    folds = np.random.RandomState(0).randint(0, 5, len(feats))
    res = {}
    for C in (1.0, 10.0, 100.0, 1000.0):
        for thr in (0.3, 0.35, 0.4, 0.45, 0.5):
            preds_gold, preds = [], []
            scores = []
            for k in range(5):
                tr = [n for n in range(len(feats)) if folds[n] != k]
                te = [n for n in range(len(feats)) if folds[n] == k]
                coef = fit([feats[n] for n in tr], y[tr], C)
                scores.append((f1([feats[n] for n in te], [gold[n] for n in te], tax.names, coef, thr), len(te)))
            res[(C, thr)] = sum(s * n for s, n in scores) / sum(n for _, n in scores)
            print(f"C={C} thr={thr}: CV micro-F1 {res[(C, thr)]:.3f}", flush=True)
    (C, thr), best = max(res.items(), key=lambda kv: kv[1])
    coef = fit(feats, y, C)
    print(f"best C={C} thr={thr} CV {best:.3f}; tune-fit F1 {f1(feats, gold, tax.names, coef, thr):.3f}")
    if args.eval:
        for name, rr in HELDOUT.items():
            hf, _, hg, _, _ = dataset(rows, rr, args.cache_dir, tax, emb)
            print(f"held-out {name}: micro-F1 {f1(hf, hg, tax.names, coef, thr):.3f} (n={len(hf)})")
    if args.dry_run:
        return 0
    out = {"about": "calibrated topic decision for analysis/topics.py (hybrid): logistic regression over "
                    "analysis.topics.pair_features; fit by bench/train_topic_calibration.py on SemEval-2014 "
                    f"restaurant sentences, items 200-1000 and 1300-2000 of the seed-13 shuffle; C={C}, threshold={thr} by "
                    f"5-fold CV (CV micro-F1 {best:.3f}).",
           "created": dt.date.today().isoformat(), "threshold": thr, "coef": np.round(coef, 5).tolist()}
    tm.CALIBRATION_PATH.parent.mkdir(parents=True, exist_ok=True)
    tm.CALIBRATION_PATH.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(f"wrote {tm.CALIBRATION_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
