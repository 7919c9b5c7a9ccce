"""Fit the calibrated topic decision (analysis/data/topic_calibration.json) on a TUNE split of SemEval-2014.

Data: /work/shared/eval/semeval14_restaurants_train.xml in `analysis.evaluate.load_semeval()` order (fixed
shuffle, seed 13). Held out (never used here): items [0, 200) and [1000, 1300).

Two logistic regressions over `analysis.topics.pair_features` (one row per (sentence, topic),
taxonomy-agnostic):
- "hybrid" (with the LLM's topic distribution): TUNE = items [200, 800) with the zero-label taxonomy
  (wording A: the four categories as a name and one line each, `analysis.evaluate.zero_label_taxonomy`);
  LLM topic distributions from `llm_topic_distribution` (one scoring call per sentence; cached in
  --cache-dir, computed when missing: about 1 s per sentence on 2 CPU cores).
- "embed" (without it): TUNE = items [200, 1000) with the wordings A, B, C and the hand-written
  `restaurant_taxonomy()` (so it is fit on topics with and without examples, in several wordings).
C and the threshold by 5-fold CV over sentences (seed 0).

    .venv/bin/python bench/train_topic_calibration.py [--dry-run] [--eval]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
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
from analysis.taxonomy import OTHER  # noqa: E402

TUNE_HYBRID = {"A": [(200, 800)], "hand": [(200, 600)]}
TUNE_EMBED = {"A": [(200, 1000)], "B": [(200, 1000)], "C": [(200, 1000)], "hand": [(200, 1000)]}
HELDOUT = {"items 0-200": [(0, 200)], "items 1000-1300": [(1000, 1300)]}
GRID_C = (0.3, 1.0, 3.0, 10.0, 30.0)
GRID_THRESHOLD = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


class CachedEmbedder:
    """The embedder with an in-memory cache per text (the same sentences are encoded for every taxonomy)."""

    def __init__(self, emb):
        self.emb, self.cache, self.dim = emb, {}, emb.dim

    def encode(self, texts, batch_size: int = 64):
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.emb.encode(missing)))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts]).astype(np.float32)


def taxonomy(wording: str):
    return ev.restaurant_taxonomy() if wording == "hand" else ev.zero_label_taxonomy(wording)


def tax_hash(tax) -> str:
    return hashlib.sha1(json.dumps([(t.name, t.description, t.examples) for t in tax.topics]).encode()).hexdigest()[:10]


def _chunks(ranges):
    for lo, hi in ranges:
        for a in range(lo, hi, 100):
            yield a, min(a + 100, hi)


def distributions(rows, ranges, cache_dir: Path, tax) -> np.ndarray:
    """The LLM's topic distributions of rows in `ranges` (cached per taxonomy and 100 items)."""
    out, backend = [], None
    for lo, hi in _chunks(ranges):
        f = cache_dir / f"dist_{tax_hash(tax)}_{lo}_{hi}.npy"
        if not f.is_file():
            if backend is None:
                from analysis.backends import get_backend
                from reviewlens.config import AnalysisSettings

                backend = get_backend(AnalysisSettings())
            cache_dir.mkdir(parents=True, exist_ok=True)
            np.save(f, tm.llm_topic_distribution(backend, [r.text for r in rows[lo:hi]], tax))
            print(f"LLM distributions {lo}-{hi} computed", flush=True)
        out.append(np.load(f))
    return np.concatenate(out)


def dataset(rows, ranges, tax, emb, dist=None):
    """Features (one (n_topics, d) matrix per sentence), labels and gold sets."""
    idx = [i for lo, hi in ranges for i in range(lo, hi)]
    tcs = tm._analyse_clauses([rows[i].text for i in idx], tax, emb)
    other_j = tax.names.index(OTHER)
    feats = [tm.pair_features(tc.evidence, None if dist is None else dist[n], other_j) for n, tc in enumerate(tcs)]
    gold = [set(rows[i].categories) for i in idx]
    y = [np.array([1 if name in g else 0 for name in tax.names]) for g in gold]
    return feats, y, gold, [tax.names] * len(idx)


def predict(feats, names, coef, thr):
    pred = []
    for F, nm in zip(feats, names):
        chosen = tm.calibrated_choose(F, {"coef": coef, "threshold": thr})
        pred.append({nm[j] for j in chosen})
    return pred


def f1(feats, gold, names, coef, thr) -> float:
    return ev.multilabel_micro(gold, predict(feats, names, coef, thr))["f1"]


def fit(feats, y, C):
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=C, max_iter=5000, fit_intercept=False)  # column 0 is the bias
    m.fit(np.vstack(feats), np.concatenate(y))
    return m.coef_[0]


def choose(feats, y, gold, names, label: str):
    """C and threshold by 5-fold CV over sentences; the model refit on all of them."""
    folds = np.random.RandomState(0).randint(0, 5, len(feats))
    res = {}
    for C in GRID_C:
        coefs = [fit([feats[n] for n in range(len(feats)) if folds[n] != k],
                     [y[n] for n in range(len(feats)) if folds[n] != k], C) for k in range(5)]
        for thr in GRID_THRESHOLD:
            preds = [None] * len(feats)
            for k in range(5):
                te = [n for n in range(len(feats)) if folds[n] == k]
                for n, p in zip(te, predict([feats[n] for n in te], [names[n] for n in te], coefs[k], thr)):
                    preds[n] = p
            res[(C, thr)] = ev.multilabel_micro(gold, preds)["f1"]
        print(f"{label} C={C}: " + " ".join(f"thr {t}: {res[(C, t)]:.3f}" for t in GRID_THRESHOLD), flush=True)
    (C, thr), best = max(res.items(), key=lambda kv: kv[1])
    coef = fit(feats, y, C)
    print(f"{label}: best C={C} threshold={thr} CV micro-F1 {best:.3f}; fit on all {f1(feats, gold, names, coef, thr):.3f}")
    return coef, C, thr, best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval"))
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/rl"))
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--eval", action="store_true", help="also print the held-out figures (wording A)")
    args = ap.parse_args()
    rows = ev.load_semeval(args.eval_dir, None)
    emb = CachedEmbedder(get_embedder())

    hf, hy, hg, hn = [], [], [], []
    for w, ranges in TUNE_HYBRID.items():
        tax = taxonomy(w)
        f, y, g, n = dataset(rows, ranges, tax, emb, distributions(rows, ranges, args.cache_dir, tax))
        hf, hy, hg, hn = hf + f, hy + y, hg + g, hn + n
    ef, ey, eg, en = [], [], [], []
    for w, ranges in TUNE_EMBED.items():
        f, y, g, n = dataset(rows, ranges, taxonomy(w), emb)
        ef, ey, eg, en = ef + f, ey + y, eg + g, en + n
    models = {"hybrid": choose(hf, hy, hg, hn, "hybrid"), "embed": choose(ef, ey, eg, en, "embed")}

    if args.eval:
        tax = taxonomy("A")
        for name, rr in HELDOUT.items():
            d = distributions(rows, rr, args.cache_dir, tax)
            for kind, dist in (("hybrid", d), ("embed", None)):
                coef, _, thr, _ = models[kind]
                f, _, g, n = dataset(rows, rr, tax, emb, dist)
                print(f"held-out {name}, wording A, {kind}: micro-F1 {f1(f, g, n, coef, thr):.3f} (n={len(f)})")
    if args.dry_run:
        return 0
    out = {"about": "calibrated topic decision for analysis/topics.py: logistic regressions over "
                    "analysis.topics.pair_features, fit by bench/train_topic_calibration.py on SemEval-2014 restaurant "
                    "sentences of the seed-13 shuffle: hybrid on items 200-800 with the zero-label taxonomy (wording A), "
                    "embed on items 200-1000 with wordings A, B, C and the hand-written taxonomy; "
                    + "; ".join(f"{k}: C={m[1]}, threshold={m[2]}, 5-fold CV micro-F1 {m[3]:.3f}" for k, m in models.items()),
           "created": dt.date.today().isoformat(), "features": tm.FEATURES_VERSION,
           **{k: {"threshold": m[2], "coef": np.round(m[0], 5).tolist()} for k, m in models.items()}}
    tm.CALIBRATION_PATH.parent.mkdir(parents=True, exist_ok=True)
    tm.CALIBRATION_PATH.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(f"wrote {tm.CALIBRATION_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
