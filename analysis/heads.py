"""Cheap heads over the sentence embeddings: the first, fast opinion in the analysis cascade.

A head reads the MiniLM embedding of a text plus VADER's lexicon scores (all-MiniLM-L6-v2 is ~20x smaller
than the 0.5B LLM and needs no few-shot prompt): an optional ReLU hidden layer, then a softmax layer.
The packaged sentiment head is a logit-averaged ensemble of small MLPs (`fit_mlp_head`: the members'
hidden layers side by side, their output layers averaged, which is again one hidden layer and one
softmax layer); a plain multinomial logistic regression (`fit_head`) is the no-hidden-layer case. Its
probability says how sure it is; the cascade (analysis.cascade) sends only the texts it is unsure of
to the LLM. Weights are JSON in analysis/data/ (the hidden layer as base64 float16), trained
reproducibly by bench/train_sentiment_head.py on the development labels (train splits only); the
user's own labels adapt the softmax layer (`adapt_head`), so the cascade learns from corrections.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

log = logging.getLogger(__name__)

SENTIMENT_HEAD_PATH = Path(__file__).resolve().parent / "data" / "sentiment_head.json"
# the second head: the same kind over all-mpnet-base-v2 (analysis.sharp_encoder), for what the first is unsure of
SHARP_HEAD_PATH = SENTIMENT_HEAD_PATH.with_name("sentiment_head_sharp.json")
# unlabelled reference sentences: `adapt_head` backs off when a change would alter too many of their answers (or of
# the store's own reviews', when it has them)
ANCHORS_PATH = SENTIMENT_HEAD_PATH.with_name("sentiment_anchors.json")
LABELS = ("positive", "neutral", "negative")
N_VADER = 4  # VADER's scores at the end of every head's features: compound, pos, neg, neu


@functools.lru_cache(maxsize=1)
def vader_key() -> str:
    """VADER's scores' key in the vector cache: its version (none installed: a key nothing was kept under)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"vader|{version('vaderSentiment')}|{N_VADER}"
    except PackageNotFoundError:
        return "vader|none"


def vader_features(texts: Sequence[str]) -> np.ndarray:
    """VADER's (compound, pos, neg, neu) per text; zeros for non-English text (VADER is English-only). Within
    `remembering_on_disk()` (an analysis run) they are looked up in and kept in the vector cache: pure Python,
    1-2 ms a review, and new labels read every text again (the heads read these scores beside the vectors)."""
    from analysis import vector_cache

    got = vector_cache.through(vader_key(), list(texts), N_VADER, _vader_rows)
    out = np.zeros((len(texts), N_VADER), dtype=np.float32)
    for i, t in enumerate(texts):
        out[i] = got[t]
    return out


def _vader_rows(texts: list[str]) -> np.ndarray:
    from analysis.sentiment import vader_analyzer, vader_applies

    sia = vader_analyzer()
    out = np.zeros((len(texts), N_VADER), dtype=np.float32)
    for i, t in enumerate(texts):
        if sia is None or not vader_applies(t):
            continue
        s = sia.polarity_scores(t)
        out[i] = (s["compound"], s["pos"], s["neg"], s["neu"])
    return out


def features(texts: Sequence[str], embedder: Any, vecs: np.ndarray | None = None,
             vader: np.ndarray | None = None) -> np.ndarray:
    """[embedding | VADER] per text. `vecs`, `vader`: the parts already computed for these texts (the
    second head reuses the first head's VADER scores: on long reviews VADER costs as much as an encoder)."""
    if vecs is None:
        vecs = embedder.encode(list(texts))
    return np.hstack([np.asarray(vecs, dtype=np.float32), vader_features(texts) if vader is None else vader])


@dataclass
class Head:
    """p = softmax(phi(X) @ coef.T + intercept); phi(X) = relu(X @ w_hidden.T + b_hidden), or X itself
    when the head has no hidden layer."""

    classes: tuple[str, ...]
    coef: np.ndarray        # (n_classes, n_inputs of the softmax layer)
    intercept: np.ndarray   # (n_classes,)
    meta: dict[str, Any]
    w_hidden: np.ndarray | None = None  # (n_hidden, n_features)
    b_hidden: np.ndarray | None = None  # (n_hidden,)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """What the softmax layer reads: the hidden layer's output (or the features themselves)."""
        X = np.asarray(X, dtype=np.float32)
        if self.w_hidden is None:
            return X
        return np.maximum(X @ self.w_hidden.T + self.b_hidden, 0.0)

    def proba(self, X: np.ndarray) -> np.ndarray:
        z = self.transform(X) @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: np.ndarray) -> list[tuple[str, float]]:
        """(label, probability) per row."""
        p = self.proba(X)
        idx = p.argmax(axis=1)
        return [(self.classes[i], float(p[r, i])) for r, i in enumerate(idx)]

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"classes": list(self.classes), "coef": np.round(self.coef, 6).tolist(),
                             "intercept": np.round(self.intercept, 6).tolist(), "meta": self.meta}
        if self.w_hidden is not None:
            d["hidden"] = {"w": _pack(self.w_hidden), "b": _pack(self.b_hidden)}
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Head":
        hidden = d.get("hidden")
        head = cls(classes=tuple(d["classes"]), coef=np.asarray(d["coef"], dtype=np.float32),
                   intercept=np.asarray(d["intercept"], dtype=np.float32), meta=dict(d.get("meta", {})),
                   w_hidden=_unpack(hidden["w"]) if hidden else None, b_hidden=_unpack(hidden["b"]) if hidden else None)
        n_in = head.coef.shape[1]
        if head.intercept.shape != (len(head.classes),) or head.coef.shape[0] != len(head.classes) or (
                hidden and (head.w_hidden.shape[0] != n_in or head.b_hidden.shape != (n_in,))):
            raise ValueError("head weights of inconsistent shapes")
        return head


def _pack(a: np.ndarray) -> dict[str, Any]:
    a16 = np.ascontiguousarray(a, dtype="<f2")
    return {"dtype": "float16", "shape": list(a16.shape), "b64": base64.b64encode(a16.tobytes()).decode("ascii")}


def _unpack(d: dict[str, Any]) -> np.ndarray:
    if d.get("dtype") != "float16":
        raise ValueError(f"unknown weight encoding {d.get('dtype')!r}")
    return np.frombuffer(base64.b64decode(d["b64"]), dtype="<f2").reshape(d["shape"]).astype(np.float32)


def fit_head(X: np.ndarray, y: Sequence[str], *, C: float = 1.0, sample_weight: Sequence[float] | None = None,
             classes: Sequence[str] = LABELS, meta: dict[str, Any] | None = None) -> Head:
    """Train a head (scikit-learn's multinomial logistic regression). Every class in `classes` gets a
    row even when absent from `y` (it then never wins)."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=C, max_iter=2000)
    lr.fit(X, list(y), sample_weight=None if sample_weight is None else np.asarray(sample_weight))
    coef = np.full((len(classes), X.shape[1]), 0.0, dtype=np.float32)
    intercept = np.full(len(classes), -30.0, dtype=np.float32)
    learned = list(lr.classes_)
    if len(learned) == 2:  # binary: scikit-learn keeps one row (for the second class)
        rows = {learned[1]: (lr.coef_[0] / 2, lr.intercept_[0] / 2), learned[0]: (-lr.coef_[0] / 2, -lr.intercept_[0] / 2)}
    else:
        rows = {c: (lr.coef_[i], lr.intercept_[i]) for i, c in enumerate(learned)}
    for i, c in enumerate(classes):
        if c in rows:
            coef[i], intercept[i] = rows[c]
    return Head(tuple(classes), coef, intercept, dict(meta or {}, C=C, n=len(y)))


def fit_mlp_head(X: np.ndarray, y: Sequence[str], *, hidden: int = 128, alpha: float = 0.1, members: int = 5,
                 sample_weight: Sequence[float] | None = None, classes: Sequence[str] = LABELS,
                 meta: dict[str, Any] | None = None, seed: int = 0) -> Head:
    """A logit-averaged ensemble of `members` one-hidden-layer MLPs (scikit-learn, early stopping, seeds
    seed..seed+members-1), as one Head: the hidden layers side by side, the output layers averaged. The
    average of several small nets ranks its certainty more steadily than one (whose held-out accuracy
    varied by 4 points with the seed: bench/RESULTS-analysis.md)."""
    from sklearn.neural_network import MLPClassifier

    sw = None if sample_weight is None else np.asarray(sample_weight)
    W1, B1, W2 = [], [], []
    b2 = np.zeros(len(classes), dtype=np.float64)
    for k in range(members):
        m = MLPClassifier((hidden,), alpha=alpha, max_iter=400, early_stopping=True, random_state=seed + k)
        m.fit(X, list(y), sample_weight=sw)
        learned = list(m.classes_)
        if set(classes) - set(learned) or len(learned) < 3:
            raise ValueError(f"an MLP head needs examples of every class of {list(classes)}, got {learned}")
        cols = [learned.index(c) for c in classes]
        W1.append(m.coefs_[0].T)
        B1.append(m.intercepts_[0])
        W2.append(m.coefs_[1][:, cols].T / members)
        b2 += m.intercepts_[1][cols] / members
    return Head(tuple(classes), np.hstack(W2).astype(np.float32), b2.astype(np.float32),
                dict(meta or {}, kind="mlp-ensemble", hidden=hidden, alpha=alpha, members=members, n=len(y)),
                w_hidden=np.vstack(W1).astype(np.float32), b_hidden=np.concatenate(B1).astype(np.float32))


#: How `adapt_head` learns from labels: part of the analysis version of a store with sentiment labels, so a store
#: whose labels were learnt another way (2: one-sided labels moved the baseline and turned stores negative; 3: the
#: change was measured on the packaged reference sentences only, and one "neutral" label among negative ones turned
#: 24 clearly negative app reviews neutral) is read again; stores without labels keep theirs.
ADAPT_VERSION = "adapt-4"


def adapt_head(head: Head, X: np.ndarray, y: Sequence[str], *, prior: float = 10.0, steps: int = 300,
               anchors: np.ndarray | None = None, reference: np.ndarray | None = None,
               max_flips: float = 0.15, one_sided_flips: float = 0.05) -> Head:
    """The head fitted to the user's labels, pulled toward the packaged head.

    Adapts the softmax layer's weights (the hidden layer, when there is one, stays as packaged): minimises the
    class-balanced cross-entropy on (phi(X), y) plus `prior` * ||W - W0||^2 / 2 (the packaged weights count
    about as much as `prior` labels), by full-batch gradient descent with a step size set by the size of
    phi(X) (a few hundred labels: milliseconds). A handful of labels moves the head only near them (four
    sarcastic complaints teach sarcasm without turning plain praise negative); many labels lead it.
    Labels outside the head's classes are ignored.

    One-sided labels (nine "this is negative" corrections of misreads) once turned 125 of 210 reviews
    negative: every hidden feature is >= 0, so moving one class's weights toward the labels' features moves
    every text that way. So: the intercept (the class prior) moves only as far as the labels are balanced
    (min / max of the classes' counts; one class: not at all); each class present weighs the same; the change
    is measured from the mean of `reference` (features of the store's own reviews) or, without it, of
    `anchors` (the packaged heads.anchor_texts()), as far as the labels are one-sided (a set of one class:
    fully, so the prior holds at the reviews' mean and only texts like the labelled ones move; as many of each
    class: not at all, so a balanced set may move the whole head, which held-out Yelp needed).

    And the change is bounded where it shows: when the adapted head would change more of the answers on the
    anchors, or on the `reference` reviews, than `max_flips` for a balanced set, down to `one_sided_flips` for
    a one-sided one (or, with many balanced labels, labels / (2 x texts), at most half), the pull toward the packaged
    weights doubles until it does not (up to 64x; the meta says `backed_off`); a change still over it then is
    dropped (the packaged weights; the meta says `dropped`). The reference sentences alone missed it: eight
    corrections of an app's reviews, one of them "Dark mode please, my eyes hurt at night." as neutral, changed
    11% of their answers and 37% of the app's reviews' (67 clearly negative ones neutral). `meta["changed"]`:
    the share of each set's answers the returned head changes.
    """
    idx = {c: i for i, c in enumerate(head.classes)}
    keep = [k for k, v in enumerate(y) if v in idx]
    if not keep:
        return head
    X = head.transform(np.asarray(X, dtype=np.float32)[keep]).astype(np.float64)
    Y = np.zeros((len(keep), len(head.classes)))
    Y[np.arange(len(keep)), [idx[y[k]] for k in keep]] = 1.0
    n = len(keep)
    # class-balanced: each class present carries the same share of the labels' weight
    counts = Y.sum(axis=0)
    wts = (1.0 / (np.maximum(counts, 1) * int((counts > 0).sum())))[Y.argmax(axis=1)]
    present = counts[counts > 0]
    balance = float(present.min() / present.max()) if len(present) > 1 else 0.0  # 0: labels of one class
    # (name, phi(texts), the packaged answers) of each set the change is measured on
    checks = [(name, head.transform(np.asarray(T, dtype=np.float32)).astype(np.float64),
               head.proba(np.asarray(T, dtype=np.float32)).argmax(axis=1))
              for name, T in (("reference sentences", anchors), ("reviews", reference)) if T is not None and len(T)]
    mu = np.zeros(X.shape[1])
    if checks:  # the store's own reviews when given: their average answer is what one-sided labels must not move
        mu = (1.0 - balance) * checks[-1][1].mean(axis=0)
    W0, b0 = head.coef.astype(np.float64), head.intercept.astype(np.float64)

    def fit(pull: float) -> tuple[np.ndarray, np.ndarray]:
        W, db = W0.copy(), np.zeros_like(b0)
        strength = pull / n  # the objective divided by n: mean cross-entropy + (pull / n) * ||.||^2 / 2
        # a step the objective's curvature allows (the data term's and the prior's): few labels make the
        # prior's pull strong, and a step of 1 / |X|^2 alone then diverges
        scale = float((X ** 2).sum(axis=1).mean())
        lr = 1.0 / (max(1.0, scale) + strength)
        for _ in range(steps):
            g = (_softmax(X @ W.T + b0 + db - (W - W0) @ mu) - Y) * wts[:, None]
            W -= lr * (g.T @ (X - mu) + strength * (W - W0))
            db -= lr * (balance * g.sum(axis=0) + strength * db)  # the prior moves only as labels of each class do
        return W, b0 + db - (W - W0) @ mu

    def changed(W: np.ndarray, b: np.ndarray) -> dict[str, float]:
        return {name: float(np.mean(_softmax(A @ W.T + b).argmax(axis=1) != before)) for name, A, before in checks}

    # a one-sided set may change fewer answers than a balanced one (which may correct the whole head)
    bar = one_sided_flips + balance * (max(max_flips, one_sided_flips) - one_sided_flips)
    # many labels may lead it, as far as they are balanced (8 one-sided labels of a 32-review store are no licence)
    allowed = {name: max(bar, balance * min(0.5, n / (2 * len(A)))) for name, A, _ in checks}

    def over(share: dict[str, float]) -> list[str]:
        return [f"{100 * share[k]:.0f}% of {len(A)} {k}" for k, A, _ in checks if share[k] > allowed[k]]

    pull, (W, b) = prior, fit(prior)
    share, backed_off, first = changed(W, b), 0, None
    while backed_off < 6 and over(share):
        first = first or over(share)
        backed_off += 1
        pull *= 2
        W, b = fit(pull)
        share = changed(W, b)
    meta = dict(head.meta, adapted_on=n, prior=prior)
    if over(share):
        log.warning("your %d sentiment labels would change the answers of %s (at most %.0f%% for labels this "
                    "one-sided), even pulled %dx toward its packaged weights: the %s sentiment head keeps its packaged "
                    "weights (your labelled reviews keep your labels; labels of every class, in about equal numbers, "
                    "teach it more)", n, " and ".join(over(share)), 100 * bar, 2 ** backed_off, _head_name(head))
        W, b, share = W0, b0, {k: 0.0 for k in share}
        meta["dropped"] = True
    elif backed_off:
        log.info("your %d sentiment labels would have changed the answers of %s (at most %.0f%% for labels this "
                 "one-sided): the %s sentiment head was pulled %dx harder toward its packaged weights", n,
                 " and ".join(first or []), 100 * bar, _head_name(head), 2 ** backed_off)
    if backed_off:
        meta["backed_off"] = 2 ** backed_off
    meta["changed"] = share
    return Head(head.classes, W.astype(np.float32), b.astype(np.float32), meta,
                w_hidden=head.w_hidden, b_hidden=head.b_hidden)


def _head_name(head: Head) -> str:
    """Which head a log line is about: its encoder's name (the first head's meta names none: MiniLM)."""
    return str(head.meta.get("encoder") or "all-MiniLM-L6-v2")


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def anchor_texts() -> list[str]:
    """The packaged unlabelled reference sentences `adapt_head` measures a change from (empty when the file is
    missing)."""
    try:
        return list(json.loads(ANCHORS_PATH.read_text(encoding="utf-8"))["texts"])
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("no sentiment anchors at %s: labels adapt the heads without reference sentences", ANCHORS_PATH)
        return []


_HEADS: dict[str, Head] = {}


def sentiment_head(path: Path = SENTIMENT_HEAD_PATH) -> Head | None:
    """The packaged sentiment head (None when its file is missing: the cascade then asks the LLM)."""
    key = str(path)
    if key not in _HEADS:
        if not path.is_file():
            log.warning("no sentiment head at %s: every text goes to the LLM", path)
            return None
        try:
            _HEADS[key] = Head.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError, AttributeError) as e:  # JSONDecodeError is a ValueError
            log.warning("the sentiment head at %s is unreadable (%s: %s): every text goes to the LLM "
                        "(reinstall ReviewLens, or run bench/train_sentiment_head.py)", path, type(e).__name__, e)
            return None
    return _HEADS[key]
