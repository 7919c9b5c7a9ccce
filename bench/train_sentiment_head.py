"""Train the packaged sentiment head (analysis/data/sentiment_head.json) and measure the cascade.

Training data (train splits only):
- Yelp labelled sentences except the held-out slice: the first HELD_OUT after `analysis.evaluate`'s
  fixed shuffle (seed 13) are never trained on; `reviewlens eval` reports on them.
- SemEval-2014 restaurants (sentence label = the polarity its aspect categories agree on) and laptops
  (the polarity its aspect terms agree on); sentences with conflicting polarities are left out.
- tests/analysis/data/neutral_sentences.txt is NOT used (the tests check neutral text with it).

Then, on the held-out Yelp slice: the head alone, the LLM alone, and the cascade at each confidence
threshold (a text goes to the LLM when the head's probability is below it): accuracy against the
share of texts sent to the LLM. The default threshold is chosen from that curve (--pick).

    .venv/bin/python bench/train_sentiment_head.py [--eval-dir ../shared/eval] [--no-llm] [--precision fp32]

`--stack MODEL` fits how the cascade combines the head with that LLM (analysis.sentiment.Stack) on training
sentences only (400 Yelp train sentences + 500 SemEval-2014 sentences, drawn with a fixed seed), writes it
to analysis/data/sentiment_stack.json, and prints the held-out curve: the first release's method (the
calibrated LLM alone), the cascade taking the LLM's answer, and the cascade stacking head and LLM.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import heads  # noqa: E402
from analysis.embeddings import get_embedder  # noqa: E402
from analysis.evaluate import load_yelp  # noqa: E402

HELD_OUT = 300
THRESHOLDS = (0.0, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.01)
CURVE = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1.01)  # thresholds of the stacked cascade's curve


def _agree(polarities: list[str]) -> str | None:
    ps = {p for p in polarities if p in ("positive", "negative", "neutral")}
    if not ps or any(p == "conflict" for p in polarities):
        return None
    if len(ps) == 1:
        return ps.pop()
    ps.discard("neutral")  # "the staff was friendly (+), we ordered fish (0)": the opinion wins
    return ps.pop() if len(ps) == 1 else None


def semeval_sentences(eval_dir: Path) -> list[tuple[str, str]]:
    out = []
    for name, tag in (("semeval14_restaurants_train.xml", "aspectCategory"),
                      ("semeval14_laptops_train.xml", "aspectTerm")):
        path = eval_dir / name
        if not path.is_file():
            print(f"  (missing {path}; skipped)")
            continue
        for s in ET.parse(path).getroot().iter("sentence"):
            text = (s.findtext("text") or "").strip()
            label = _agree([a.get("polarity", "") for a in s.iter(tag)])
            if text and label:
                out.append((text, label))
    return out


MLP_GRID = ((128, 0.01), (128, 0.1), (256, 0.01), (256, 0.1))


FOLDS = StratifiedKFold(5, shuffle=True, random_state=0)


def head_training_set(eval_dir: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(training sentences, held-out Yelp sentences)."""
    yelp = load_yelp(eval_dir)
    return yelp[HELD_OUT:] + semeval_sentences(eval_dir), yelp[:HELD_OUT]


def class_weights(y: np.ndarray) -> np.ndarray:
    """The classes weighted equally (neutral is rarer than the others)."""
    counts = {c: int((y == c).sum()) for c in set(y.tolist())}
    return np.array([len(y) / (len(counts) * counts[v]) for v in y])


def cv_accuracy(X: np.ndarray, y: np.ndarray, w: np.ndarray, hidden: int, alpha: float) -> float:
    accs = []
    for tr, te in FOLDS.split(X, y):
        h = heads.fit_mlp_head(X[tr], y[tr], hidden=hidden, alpha=alpha, sample_weight=w[tr])
        accs.append(np.mean(np.array(h.classes)[h.proba(X[te]).argmax(axis=1)] == y[te]))
    return float(np.mean(accs))


def out_of_fold_proba(eval_dir: Path, head: heads.Head, emb) -> dict[str, np.ndarray]:
    """The packaged head's kind of probabilities for every training sentence, each from a head trained
    without its fold (5 folds): what the head says about text it has not seen. The stack is fitted on
    these (in-sample probabilities are overconfident, and would teach the stack to trust the head too much)."""
    train, _ = head_training_set(eval_dir)
    X = heads.features([t for t, _ in train], emb)
    y = np.array([l for _, l in train])
    w = class_weights(y)
    P = np.zeros((len(y), len(head.classes)), dtype=np.float32)
    for tr, te in FOLDS.split(X, y):  # trained as the packaged head was (its meta says how)
        h = heads.fit_mlp_head(X[tr], y[tr], hidden=int(head.meta["hidden"]), alpha=float(head.meta["alpha"]),
                               members=int(head.meta["members"]), sample_weight=w[tr])
        P[te] = h.proba(X[te])
    return {t: P[i] for i, (t, _) in enumerate(train)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--no-llm", action="store_true", help="measure the head alone (no LLM curve)")
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--model", default="qwen2.5-coder-0.5b")
    ap.add_argument("--out", type=Path, default=heads.SENTIMENT_HEAD_PATH)
    ap.add_argument("--learning-curve", action="store_true",
                    help="only measure the packaged head adapted to k user labels per class (k = 0, 5, 10, 25, 50)")
    ap.add_argument("--stack", metavar="MODEL", help="fit the head+LLM stack for this model (see above)")
    args = ap.parse_args()
    if args.learning_curve:
        return learning_curve(args.eval_dir)
    if args.stack:
        return fit_stack_for(args.eval_dir, args.stack, args.precision)

    train, held = head_training_set(args.eval_dir)
    counts = {c: sum(1 for _, y in train if y == c) for c in heads.LABELS}
    print(f"train: {len(train)} sentences {counts}; held-out Yelp: {len(held)}")

    emb = get_embedder()
    t0 = time.perf_counter()
    X = heads.features([t for t, _ in train], emb)
    y = np.array([l for _, l in train])
    w = class_weights(y)
    print(f"features in {time.perf_counter() - t0:.1f} s")
    from sklearn.linear_model import LogisticRegression

    # the first head (a logistic regression, C=3 as chosen by CV before) measured beside the new one
    linear = heads.fit_head(X, y, C=3.0, sample_weight=w)
    scores = {}
    for hidden, alpha in MLP_GRID:
        t0 = time.perf_counter()
        scores[(hidden, alpha)] = cv_accuracy(X, y, w, hidden, alpha)
        print(f"  MLP ensemble hidden {hidden}, alpha {alpha}: 5-fold CV accuracy {scores[(hidden, alpha)]:.1%} "
              f"({time.perf_counter() - t0:.0f} s)")
    lr_cv = float(np.mean([(LogisticRegression(C=3.0, max_iter=2000).fit(X[tr], y[tr], sample_weight=w[tr])
                            .predict(X[te]) == y[te]).mean() for tr, te in FOLDS.split(X, y)]))
    print(f"  logistic regression (the first head): 5-fold CV accuracy {lr_cv:.1%}")
    hidden, alpha = max(scores, key=scores.get)
    head = heads.fit_mlp_head(X, y, hidden=hidden, alpha=alpha, sample_weight=w, meta={
        "features": "all-MiniLM-L6-v2 (normalized) + VADER (compound, pos, neg, neu)",
        "train": f"Yelp minus the first {HELD_OUT} after seed-13 shuffle; SemEval-2014 restaurants + laptops "
                 "(agreeing polarities)", "counts": counts, "cv_accuracy": round(scores[(hidden, alpha)], 4)})
    best = f"MLP ensemble {hidden}/{alpha}"
    lin_acc = np.mean([p == g for (p, _), g in zip(linear.predict(heads.features([t for t, _ in held], emb)),
                                                     [g for _, g in held])])
    print(f"the first head (logistic regression) on held-out Yelp: {lin_acc:.1%}")

    texts, gold = [t for t, _ in held], [l for _, l in held]
    t0 = time.perf_counter()
    Xh = heads.features(texts, emb)
    pred = head.predict(Xh)
    head_ms = 1000 * (time.perf_counter() - t0) / len(texts)
    acc = np.mean([p == g for (p, _), g in zip(pred, gold)])
    print(f"head alone ({best}): held-out Yelp accuracy {acc:.1%}, {head_ms:.1f} ms/sentence")

    curve = []
    if not args.no_llm:
        from analysis.backends.local import LocalBackend
        from analysis.sentiment import sentiment_batch

        be = LocalBackend(args.model, precision=args.precision, batch_size=8)
        be.load()
        t0 = time.perf_counter()
        llm = sentiment_batch(be, texts)
        llm_ms = 1000 * (time.perf_counter() - t0) / len(texts)
        print(f"LLM alone ({args.model}, {be.precision}): {np.mean([p == g for (p, _), g in zip(llm, gold)]):.1%}, "
              f"{llm_ms:.0f} ms/sentence")
        for th in THRESHOLDS:
            routed = [c < th for _, c in pred]
            final = [l[0] if r else p[0] for p, l, r in zip(pred, llm, routed)]
            a = np.mean([f == g for f, g in zip(final, gold)])
            share = np.mean(routed)
            ms = head_ms + share * llm_ms
            curve.append({"threshold": th, "accuracy": round(float(a), 4), "llm_share": round(float(share), 4),
                          "ms_per_text": round(ms, 1)})
            print(f"  threshold {th:4.2f}: accuracy {a:.1%}, sent to the LLM {share:.0%}, ~{ms:.0f} ms/sentence")
    head.meta["held_out"] = {"head_accuracy": round(float(acc), 4), "curve": curve, "n": len(texts)}
    args.out.write_text(json.dumps(head.to_json()) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def fit_stack_for(eval_dir: Path, model: str, precision: str) -> int:
    import random

    from analysis.backends.local import LocalBackend
    from analysis.sentiment import DEFAULT_CALIBRATION, STACK_PATH, combine, fit_stack, label_logprobs, vader_scores

    yelp = load_yelp(eval_dir)
    held, yelp_train = yelp[:HELD_OUT], yelp[HELD_OUT:]
    sem = semeval_sentences(eval_dir)
    random.Random(5).shuffle(sem)
    train = yelp_train[:400] + sem[:500]
    emb, head = get_embedder(), heads.sentiment_head()
    be = LocalBackend(model, precision=precision, batch_size=8)
    be.load()
    order = [head.classes.index(c) for c in ("positive", "neutral", "negative")]

    def score(rows):
        texts = [t for t, _ in rows]
        t0 = time.perf_counter()
        lp = label_logprobs(be, texts)
        ms = 1000 * (time.perf_counter() - t0) / len(texts)
        return lp, head.proba(heads.features(texts, emb))[:, order], np.array([g for _, g in rows]), ms, texts

    lp, _, y, ms, texts = score(train)
    print(f"{model} ({be.precision}): training sentences scored at {ms:.0f} ms each")
    t0 = time.perf_counter()
    oof = out_of_fold_proba(eval_dir, head, emb)
    hp = np.array([oof[t] for t in texts])[:, order]
    print(f"out-of-fold head probabilities in {time.perf_counter() - t0:.0f} s")
    st, info = fit_stack(lp, hp, y)
    print(f"stack: {st} (training accuracy by gate: {info['accuracy_by_gate']})")
    # the threshold's curve on the training sentences (head out of fold): how the default is chosen
    head_label = np.array(heads.LABELS)[hp.argmax(axis=1)]
    stacked_tr = np.array([st.decide(a, b)[0] for a, b in zip(lp, hp)])
    print("training sentences, out of fold: threshold | sent to the LLM | cascade accuracy")
    for th in CURVE:
        routed = hp.max(axis=1) < th
        print(f"{th:9.2f} | {np.mean(routed):15.0%} | {np.mean(np.where(routed, stacked_tr, head_label) == y):.1%}")
    data = json.loads(STACK_PATH.read_text(encoding="utf-8")) if STACK_PATH.is_file() else {"models": {}}
    data["about"] = ("How the sentiment cascade combines its head with each LLM (analysis.sentiment.Stack); "
                     "fitted by bench/train_sentiment_head.py --stack MODEL on training sentences only")
    data["models"][model] = dict(st.to_json(), trained_on=f"{len(train)} sentences (400 Yelp train, 500 SemEval-2014), "
                                 "the head's probabilities out of fold")
    STACK_PATH.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {STACK_PATH}")

    def decisions(rows):
        """Per row: the head's label and probability, the LLM's calibrated answer, the stack's answer (the
        LLM scores each row once), and the gold label."""
        lp, hp, y, _, texts = score(rows)
        return (np.array([("positive", "neutral", "negative")[i] for i in hp.argmax(axis=1)]), hp.max(axis=1),
                np.array([combine(a, v, DEFAULT_CALIBRATION)[0] for a, v in zip(lp, vader_scores(texts))]),
                np.array([st.decide(a, b)[0] for a, b in zip(lp, hp)]), y)

    head_label, head_p, calibrated, stacked, y = decisions(held)
    print(f"held-out Yelp ({len(y)}): the calibrated LLM alone {np.mean(calibrated == y):.1%}")
    print("threshold | sent to the LLM | cascade, LLM's answer | cascade, head + LLM stacked")
    for th in CURVE:
        routed = head_p < th
        print(f"{th:9.2f} | {np.mean(routed):15.0%} | {np.mean(np.where(routed, calibrated, head_label) == y):21.1%} | "
              f"{np.mean(np.where(routed, stacked, head_label) == y):.1%}")
    neutral = [ln.strip() for ln in (ROOT / "tests/analysis/data/neutral_sentences.txt").read_text().splitlines()
               if ln.strip() and not ln.startswith("#")]
    head_label, head_p, calibrated, stacked, y = decisions([(t, "neutral") for t in neutral])
    routed = head_p < 0.6
    print(f"hand-made neutral sentences ({len(y)}), cascade at 0.6: LLM's answer "
          f"{np.mean(np.where(routed, calibrated, head_label) == y):.1%}, "
          f"stacked {np.mean(np.where(routed, stacked, head_label) == y):.1%}")
    return 0


def learning_curve(eval_dir: Path, ks=(0, 5, 10, 25, 50), seeds=(1, 2, 3)) -> int:
    """Held-out Yelp accuracy of the packaged head adapted to k labels per class from the Yelp train part
    (labels a user would give on their own data), mean over a few draws."""
    import random

    yelp = load_yelp(eval_dir)
    held, pool = yelp[:HELD_OUT], yelp[HELD_OUT:]
    emb = get_embedder()
    head = heads.sentiment_head()
    Xh = heads.features([t for t, _ in held], emb)
    gold = [g for _, g in held]
    Xp = heads.features([t for t, _ in pool], emb)
    print("labels per class | held-out Yelp accuracy (mean of 3 draws)")
    for k in ks:
        accs = []
        for seed in seeds:
            rng = random.Random(seed)
            idx = [i for c in ("positive", "negative")
                   for i in rng.sample([j for j, (_, g) in enumerate(pool) if g == c], k)]
            h = heads.adapt_head(head, Xp[idx], [pool[i][1] for i in idx]) if idx else head
            accs.append(np.mean([p == g for (p, _), g in zip(h.predict(Xh), gold)]))
        print(f"{k:>16} | {np.mean(accs):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
