"""Cheap heads over the sentence embeddings: the first, fast opinion in the analysis cascade.

A head is a multinomial logistic regression over the MiniLM embedding of a text plus VADER's lexicon
scores (all-MiniLM-L6-v2 is ~20x smaller than the 0.5B LLM and needs no few-shot prompt). Its
probability says how sure it is; the cascade (analysis.cascade) sends only the texts it is unsure
of to the LLM. Weights are plain JSON in analysis/data/, trained reproducibly by
bench/train_sentiment_head.py on the development labels (train splits only); the user's own labels
train a personal head on top of them (`fit_head`), so the cascade learns from corrections.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

log = logging.getLogger(__name__)

SENTIMENT_HEAD_PATH = Path(__file__).resolve().parent / "data" / "sentiment_head.json"
LABELS = ("positive", "neutral", "negative")


def vader_features(texts: Sequence[str]) -> np.ndarray:
    """VADER's (compound, pos, neg, neu) per text; zeros for non-English text (VADER is English-only)."""
    from analysis.sentiment import vader_analyzer, vader_applies

    sia = vader_analyzer()
    out = np.zeros((len(texts), 4), dtype=np.float32)
    for i, t in enumerate(texts):
        if sia is None or not vader_applies(t):
            continue
        s = sia.polarity_scores(t)
        out[i] = (s["compound"], s["pos"], s["neg"], s["neu"])
    return out


def features(texts: Sequence[str], embedder: Any, vecs: np.ndarray | None = None) -> np.ndarray:
    """[embedding | VADER] per text. `vecs`: embeddings already computed for these texts."""
    if vecs is None:
        vecs = embedder.encode(list(texts))
    return np.hstack([np.asarray(vecs, dtype=np.float32), vader_features(texts)])


@dataclass
class Head:
    """A linear softmax classifier: p = softmax(X @ coef.T + intercept)."""

    classes: tuple[str, ...]
    coef: np.ndarray        # (n_classes, n_features)
    intercept: np.ndarray   # (n_classes,)
    meta: dict[str, Any]

    def proba(self, X: np.ndarray) -> np.ndarray:
        z = X @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: np.ndarray) -> list[tuple[str, float]]:
        """(label, probability) per row."""
        p = self.proba(X)
        idx = p.argmax(axis=1)
        return [(self.classes[i], float(p[r, i])) for r, i in enumerate(idx)]

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "coef": np.round(self.coef, 6).tolist(),
                "intercept": np.round(self.intercept, 6).tolist(), "meta": self.meta}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Head":
        return cls(classes=tuple(d["classes"]), coef=np.asarray(d["coef"], dtype=np.float32),
                   intercept=np.asarray(d["intercept"], dtype=np.float32), meta=dict(d.get("meta", {})))


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


def adapt_head(head: Head, X: np.ndarray, y: Sequence[str], *, strength: float = 0.1, steps: int = 300,
               lr: float = 0.5) -> Head:
    """The head fitted to the user's labels, pulled toward the packaged head.

    Minimises the mean cross-entropy on (X, y) plus `strength` * ||(W, b) - (W0, b0)||^2 / 2 (the packaged weights), by
    full-batch gradient descent (a few hundred labels: milliseconds). With a handful of labels it moves
    only where they disagree with the packaged head; with many it follows them. Labels outside the
    head's classes are ignored.
    """
    idx = {c: i for i, c in enumerate(head.classes)}
    keep = [k for k, v in enumerate(y) if v in idx]
    if not keep:
        return head
    X = np.asarray(X, dtype=np.float64)[keep]
    Y = np.zeros((len(keep), len(head.classes)))
    Y[np.arange(len(keep)), [idx[y[k]] for k in keep]] = 1.0
    W0, b0 = head.coef.astype(np.float64), head.intercept.astype(np.float64)
    W, b = W0.copy(), b0.copy()
    n = len(keep)
    for _ in range(steps):
        z = X @ W.T + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - Y) / n
        W -= lr * (g.T @ X + strength * (W - W0))
        b -= lr * (g.sum(axis=0) + strength * (b - b0))
    return Head(head.classes, W.astype(np.float32), b.astype(np.float32),
                dict(head.meta, adapted_on=n, strength=strength))


_HEADS: dict[str, Head] = {}


def sentiment_head(path: Path = SENTIMENT_HEAD_PATH) -> Head | None:
    """The packaged sentiment head (None when its file is missing: the cascade then asks the LLM)."""
    key = str(path)
    if key not in _HEADS:
        if not path.is_file():
            log.warning("no sentiment head at %s: every text goes to the LLM", path)
            return None
        _HEADS[key] = Head.from_json(json.loads(path.read_text(encoding="utf-8")))
    return _HEADS[key]
