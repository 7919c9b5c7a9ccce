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

`--sharp` trains the second head (analysis/data/sentiment_head_sharp.json): the same kind of head over the
all-mpnet-base-v2 embedding (analysis.sharp_encoder) + VADER, which decides the texts the first head is
unsure of before anything reaches the LLM; its routing bar (which first-head probabilities it reads) is
chosen on the training sentences out of fold.

`--stack MODEL` fits how the cascade combines the head with that LLM (analysis.sentiment.Stack) on training
sentences only (400 Yelp train sentences + 500 SemEval-2014 sentences, drawn with a fixed seed), writes it
to analysis/data/sentiment_stack.json, and prints the held-out curve: the first release's method (the
calibrated LLM alone), the cascade taking the LLM's answer, and the cascade stacking head and LLM.
With the second head trained and its encoder installed, it also fits the stack of the second head with
the LLM (what the cascade uses for the texts the second head sends on), and prints the three-stage curve.
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
    ap.add_argument("--sharp", action="store_true", help="train the second head over all-mpnet-base-v2 (see above)")
    args = ap.parse_args()
    if args.learning_curve:
        return learning_curve(args.eval_dir)
    if args.sharp:
        return train_sharp(args.eval_dir)
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


SHARP_BARS = (0.7, 0.8, 0.9, 0.95, 1.01)  # first-head probabilities below which the second head reads a text


LAYERS = (5, 6, 7, 8, 12)  # all-mpnet-base-v2 layers whose mean-pooled output the second head may read


def layer_features(texts: list[str], layers=LAYERS) -> dict[int, np.ndarray]:
    """[mean-pooled output of layer k (unit vectors) | VADER] per text for each k, from one pass of the full
    model (the same vectors as `Embedder(..., layers=k)`)."""
    import torch

    from analysis.sharp_encoder import get_sharp_embedder

    tr = get_sharp_embedder().model[0]
    out = {k: np.zeros((len(texts), tr.auto_model.config.hidden_size), dtype=np.float32) for k in layers}
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    with torch.inference_mode():
        for s in range(0, len(order), 64):
            idx = order[s:s + 64]
            enc = tr.tokenizer([texts[i][:2000] or " " for i in idx], padding=True, truncation="longest_first",
                               max_length=tr.max_seq_length, return_tensors="pt")
            hidden = tr.auto_model(**enc, output_hidden_states=True).hidden_states
            mask = enc["attention_mask"].unsqueeze(-1).float()
            for k in layers:
                v = (hidden[k] * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[k][idx] = torch.nn.functional.normalize(v, p=2, dim=1).numpy()
    va = heads.vader_features(texts)
    return {k: np.hstack([v, va]) for k, v in out.items()}


def train_sharp(eval_dir: Path) -> int:
    """Train the second head over mpnet (+ VADER) as the first one is trained (MLP grid by 5-fold CV), on the
    layer whose output the 5-fold CV prefers (the middle layers carry more sentiment than the last, and
    cost less), and choose its routing bar on the training sentences out of fold: the lowest bar whose
    two-head accuracy is within 0.2 points of the best (every text it reads costs an mpnet pass)."""
    from analysis.sharp_encoder import get_sharp_embedder

    if get_sharp_embedder() is None:
        print("the sentence encoder all-mpnet-base-v2 is not installed (see analysis/sharp_encoder.py)")
        return 1
    train, held = head_training_set(eval_dir)
    texts = [t for t, _ in train]
    y = np.array([l for _, l in train])
    w = class_weights(y)
    t0 = time.perf_counter()
    by_layer = layer_features(texts)
    print(f"mpnet features of {len(texts)} sentences, layers {LAYERS}, in {time.perf_counter() - t0:.0f} s")
    layer_cv = {k: cv_accuracy(X, y, w, 256, 0.01) for k, X in by_layer.items()}
    for k, a in layer_cv.items():
        print(f"  layer {k:2}: 5-fold CV accuracy {a:.1%} (MLP ensemble 256/0.01)")
    layer = max(layer_cv, key=layer_cv.get)
    X = by_layer[layer]
    sharp = get_sharp_embedder(layer)
    scores = {}
    for hidden, alpha in MLP_GRID:
        scores[(hidden, alpha)] = cv_accuracy(X, y, w, hidden, alpha)
        print(f"  MLP ensemble hidden {hidden}, alpha {alpha}: 5-fold CV accuracy {scores[(hidden, alpha)]:.1%}")
    hidden, alpha = max(scores, key=scores.get)
    # out of fold: the first head's and the second head's probabilities for every training sentence
    first = heads.sentiment_head()
    emb = get_embedder()
    oof = out_of_fold_proba(eval_dir, first, emb)
    p1 = np.array([oof[t] for t in texts])
    c1 = np.array(first.classes)
    p2 = np.zeros_like(p1)
    for tr, te in FOLDS.split(X, y):
        p2[te] = heads.fit_mlp_head(X[tr], y[tr], hidden=hidden, alpha=alpha, sample_weight=w[tr]).proba(X[te])
    acc = {}
    print("routing bar (first head's probability below it) | read by the second head | two-head accuracy (out of fold)")
    for bar in SHARP_BARS:
        routed = p1.max(axis=1) < bar
        pred = np.where(routed, c1[p2.argmax(axis=1)], c1[p1.argmax(axis=1)])
        acc[bar] = float(np.mean(pred == y))
        print(f"  {bar:4.2f} | {np.mean(routed):6.0%} | {acc[bar]:.1%}")
    bar = min(b for b in SHARP_BARS if acc[b] >= max(acc.values()) - 0.002)
    counts = {c: int((y == c).sum()) for c in heads.LABELS}
    head = heads.fit_mlp_head(X, y, hidden=hidden, alpha=alpha, sample_weight=w, meta={
        "features": f"all-mpnet-base-v2, layer {layer} of 12, mean-pooled (normalized) + VADER (compound, pos, neg, "
                    "neu)", "encoder": "all-mpnet-base-v2", "encoder_layers": layer,
        "layer_cv": {str(k): round(a, 4) for k, a in layer_cv.items()},
        "train": f"Yelp minus the first {HELD_OUT} after seed-13 shuffle; SemEval-2014 restaurants + laptops "
                 "(agreeing polarities)", "counts": counts, "cv_accuracy": round(scores[(hidden, alpha)], 4),
        "route_below": bar, "route_curve": {f"{b:g}": round(a, 4) for b, a in acc.items()}})
    Xh = heads.features([t for t, _ in held], sharp)
    gold = np.array([l for _, l in held])
    h_acc = float(np.mean(np.array(head.classes)[head.proba(Xh).argmax(axis=1)] == gold))
    p1h = first.proba(heads.features([t for t, _ in held], emb))
    routed = p1h.max(axis=1) < bar
    both = np.where(routed, np.array(head.classes)[head.proba(Xh).argmax(axis=1)], c1[p1h.argmax(axis=1)])
    print(f"chosen: layer {layer}, MLP {hidden}/{alpha}, bar {bar}; held-out Yelp: second head alone {h_acc:.1%}, "
          f"two heads {np.mean(both == gold):.1%} ({np.mean(routed):.0%} read by the second)")
    head.meta["held_out"] = {"head_accuracy": round(h_acc, 4), "two_heads": round(float(np.mean(both == gold)), 4),
                             "n": len(gold)}
    heads.SHARP_HEAD_PATH.write_text(json.dumps(head.to_json()) + "\n", encoding="utf-8")
    print(f"wrote {heads.SHARP_HEAD_PATH}")
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
    if heads.SHARP_HEAD_PATH.is_file():
        return fit_sharp_stack(eval_dir, model, be, train, lp, held, oof)
    return 0


def fit_sharp_stack(eval_dir: Path, model: str, be, train: list, lp, held: list,
                    oof1: dict[str, np.ndarray]) -> int:
    """The stack of the second head with this LLM (section "sharp_models"), fitted like the first one's
    (on the same training sentences, the second head's probabilities out of fold; `oof1`: the first head's,
    as fit_stack_for computed them); then the three-stage
    cascade's curve, on those training sentences and on the held-out Yelp slice."""
    from analysis.sentiment import STACK_PATH, fit_stack, label_logprobs
    from analysis.sharp_encoder import get_sharp_embedder

    first, second, emb = heads.sentiment_head(), heads.sentiment_head(heads.SHARP_HEAD_PATH), get_embedder()
    sharp = get_sharp_embedder(second.meta.get("encoder_layers"))
    if sharp is None:
        print("all-mpnet-base-v2 is not installed: no stack for the second head")
        return 1
    bar2 = float(second.meta["route_below"])
    order = [first.classes.index(c) for c in heads.LABELS]
    texts, y = [t for t, _ in train], np.array([g for _, g in train])
    t0 = time.perf_counter()
    oof2 = out_of_fold_proba(eval_dir, second, sharp)
    p1 = np.array([oof1[t] for t in texts])[:, order]
    p2 = np.array([oof2[t] for t in texts])[:, order]
    print(f"out-of-fold probabilities of the second head in {time.perf_counter() - t0:.0f} s")
    st, info = fit_stack(lp, p2, y)
    print(f"second head's stack: {st} (training accuracy by gate: {info['accuracy_by_gate']})")

    def three_stage(lp, p1, p2, th):
        """Labels and whether the LLM was asked, for the cascade at threshold `th` (as analysis.cascade)."""
        lab = np.array(heads.LABELS)
        read = p1.max(axis=1) < max(th, bar2)
        asked = read & (p2.max(axis=1) < th)
        stacked = np.array([st.decide(a, b)[0] for a, b in zip(lp, p2)])
        return np.where(asked, stacked, np.where(read, lab[p2.argmax(axis=1)], lab[p1.argmax(axis=1)])), asked, read

    print(f"training sentences, out of fold, second head reading what the first is under {bar2:g} on: "
          "threshold | read by the second head | sent to the LLM | accuracy")
    for th in CURVE:
        pred, asked, read = three_stage(lp, p1, p2, th)
        print(f"{th:9.2f} | {np.mean(read):6.0%} | {np.mean(asked):6.0%} | {np.mean(pred == y):.1%}")
    data = json.loads(STACK_PATH.read_text(encoding="utf-8"))
    data.setdefault("sharp_models", {})[model] = dict(
        st.to_json(), trained_on=f"{len(train)} sentences (400 Yelp train, 500 SemEval-2014), the second head's "
        "probabilities out of fold")
    STACK_PATH.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {STACK_PATH} (sharp_models.{model})")
    htexts, gold = [t for t, _ in held], np.array([g for _, g in held])
    hlp = np.array(label_logprobs(be, htexts))
    h1 = first.proba(heads.features(htexts, emb))[:, order]
    h2 = second.proba(heads.features(htexts, sharp))[:, order]
    print(f"held-out Yelp ({len(gold)}): threshold | read by the second head | sent to the LLM | accuracy")
    for th in CURVE:
        pred, asked, read = three_stage(hlp, h1, h2, th)
        print(f"{th:9.2f} | {np.mean(read):6.0%} | {np.mean(asked):6.0%} | {np.mean(pred == gold):.1%}")
    return 0


def learning_curve(eval_dir: Path, ks=(0, 5, 10, 25, 50), seeds=(1, 2, 3)) -> int:
    """Held-out Yelp accuracy of the packaged head adapted to k labels per class from the Yelp train part
    (labels a user would give on their own data), mean over a few draws; with the second head installed,
    also the two heads together (both adapted to the same labels, as the cascade does; no LLM)."""
    import random

    from analysis.sharp_encoder import get_sharp_embedder

    yelp = load_yelp(eval_dir)
    held, pool = yelp[:HELD_OUT], yelp[HELD_OUT:]
    emb = get_embedder()
    head = heads.sentiment_head()
    second = heads.sentiment_head(heads.SHARP_HEAD_PATH) if heads.SHARP_HEAD_PATH.is_file() else None
    sharp = get_sharp_embedder(second.meta.get("encoder_layers")) if second is not None else None
    htexts, ptexts = [t for t, _ in held], [t for t, _ in pool]
    Xh, Xp = heads.features(htexts, emb), heads.features(ptexts, emb)
    Sh, Sp = (heads.features(htexts, sharp), heads.features(ptexts, sharp)) if sharp is not None else (None, None)
    gold = np.array([g for _, g in held])
    anchors = heads.anchor_texts()  # replayed beside the labels, as the cascade does
    A1 = heads.features(anchors, emb) if anchors else None
    A2 = heads.features(anchors, sharp) if anchors and sharp is not None else None
    print("labels per class | held-out Yelp accuracy, first head | both heads (mean of 3 draws)")
    for k in ks:
        accs, both = [], []
        for seed in seeds:
            rng = random.Random(seed)
            idx = [i for c in ("positive", "negative")
                   for i in rng.sample([j for j, (_, g) in enumerate(pool) if g == c], k)]
            ys = [pool[i][1] for i in idx]
            # the held-out sentences stand for the store's own reviews the cascade measures the change on
            h = heads.adapt_head(head, Xp[idx], ys, anchors=A1, reference=Xh) if idx else head
            P1 = h.proba(Xh)
            accs.append(np.mean(np.array(h.classes)[P1.argmax(axis=1)] == gold))
            if sharp is not None:
                h2 = heads.adapt_head(second, Sp[idx], ys, anchors=A2, reference=Sh) if idx else second
                read = P1.max(axis=1) < float(second.meta["route_below"])
                pred = np.where(read, np.array(h2.classes)[h2.proba(Sh).argmax(axis=1)],
                                np.array(h.classes)[P1.argmax(axis=1)])
                both.append(np.mean(pred == gold))
        print(f"{k:>16} | {np.mean(accs):.1%} | " + (f"{np.mean(both):.1%}" if both else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
