"""The analysis cascade: cheap heads decide what they are sure of, the LLM decides the rest.

For sentiment, the head (analysis.heads: MiniLM embedding + VADER, a small MLP ensemble) gives a label and
a probability for every text in milliseconds. Where the second head is at hand (its weights packaged and
its encoder, all-mpnet-base-v2, installed: analysis.sharp_encoder), a text the first head is not sure of
(probability below its routing bar, or below `confidence` if that is higher) is read again by it (the
encoder's first 7 layers: a few times the first head's cost, a small fraction of the LLM's), and it
decides if it is sure. A text whose probability (the last head's) is below `confidence` is scored by the
LLM. Where the model has a fitted stack for that head (analysis.sentiment.Stack: the packaged models),
head and LLM decide such a text together; otherwise the LLM's calibrated answer decides
(analysis.sentiment.sentiment_batch). `thorough` sends every text to the LLM (stacked the same way;
without a stack, the LLM's answer alone: the first release's method). The user's labels adapt both
heads (`heads.adapt_head`), and a text the user labelled gets its label. The threshold's trade-off
(accuracy against the share of texts sent to the LLM) is measured by bench/train_sentiment_head.py and
recorded in bench/RESULTS-analysis.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis import heads
from analysis.embeddings import remembering_on_disk
from analysis.sentiment import Stack
from reviewlens.schema import Label, content_hash

log = logging.getLogger(__name__)

Decision = tuple[str, float, str]  # (label, confidence, decided by: "head", "head2", "llm" or "label")
MEMO = 4096
THOROUGH_BAR = 2.0  # the head's bar when thorough: no probability reaches it, so every text goes to the LLM


def has_letters(text: str) -> bool:
    """Whether `text` has a letter of any script (a word for the heads to read)."""
    return any(c.isalpha() for c in text)


def sharp_available() -> bool:
    """Whether the second head can run: its weights are packaged and its encoder's parts installed (cheap:
    nothing is loaded)."""
    from analysis import sharp_encoder

    return heads.SHARP_HEAD_PATH.is_file() and sharp_encoder.installed()


def cascade_version(confidence: float, thorough: bool, labels: dict[str, str] | Sequence[Label],
                    stack: Stack | None = None, sharp: bool = False, clause_confidence: float | None = None) -> str:
    """What decides sentiment, for the analysis version: the threshold, the packaged heads' weights and
    the user's sentiment labels (changing any re-analyzes). Computed without loading anything, so
    asking for the version (every `reviewlens analyze`, even with nothing pending) stays cheap."""
    path = heads.SENTIMENT_HEAD_PATH
    if (thorough and stack is None) or not path.is_file():
        return "llm"
    if not isinstance(labels, dict):
        labels = {lb.content_hash: lb.value for lb in labels if lb.kind == "sentiment"}
    h = hashlib.sha256(path.read_bytes())
    if sharp:
        h.update(heads.SHARP_HEAD_PATH.read_bytes())
    h.update(json.dumps([THOROUGH_BAR if thorough else confidence, sorted(labels.items())]).encode())
    if labels:  # how the heads learn from them
        h.update(heads.ADAPT_VERSION.encode())
    if clause_confidence is not None and not thorough:
        h.update(f"clauses {clause_confidence:g}".encode())
    if stack is not None:
        h.update(json.dumps(stack.to_json(), sort_keys=True).encode())
    return f"c{confidence:g}-{h.hexdigest()[:8]}"


def _reference_texts(reference: Sequence[str], labelled: set[str]) -> list[str]:
    """The store's reviews a label's change is measured on: English ones (the heads read others in translation,
    which the store does not keep) with a letter, not labelled (a labelled text is meant to change)."""
    from analysis import language

    texts = [t for t in dict.fromkeys(reference) if t not in labelled and has_letters(t)]
    return [t for t, lang in zip(texts, language.detect(texts)) if not language.needs_translation(lang)]


def _changed_note(adapted: Sequence[heads.Head], n_reviews: int) -> str:
    """What the adapted heads change, for analyze's log: "; they change the answers of 3% of 200 of your reviews
    (first head) and 6% (second)", with any head pulled back or left as packaged."""
    parts = []
    for name, h in zip(("first head", "second head"), adapted):
        share = h.meta.get("changed", {}).get("reviews")
        how = ("left as packaged: the labels would change too many answers" if h.meta.get("dropped") else
               f"pulled back {h.meta['backed_off']}x" if h.meta.get("backed_off") else "")
        said = ", ".join(x for x in (f"{100 * share:.0f}%" if share is not None else "", how) if x)
        if said:
            parts.append(f"{name}: {said}")
    if not parts:
        return ""
    where = f" of {n_reviews} of your reviews" if n_reviews else ""
    return f" (answers changed{where}: " + "; ".join(parts) + ")"


@dataclass
class SentimentCascade:
    """Sentiment for many texts at once, the LLM asked only where the head is unsure."""

    llm: Callable[[list[str]], list[tuple[str, float]]]  # LLM sentiment for texts (called only when needed)
    embedder: Any
    confidence: float = 0.7
    thorough: bool = False
    clause_confidence: float | None = None  # the bar for topic clauses (`sentiment_labels`); None: `confidence`
    head: heads.Head | None = None
    labels: dict[str, str] = field(default_factory=dict)  # content hash -> the user's sentiment label
    stack: Stack | None = None  # for this model: combine the head with the LLM's raw label scores
    llm_scores: Callable[[list[str]], list[list[float]]] | None = None  # the LLM's raw label log-probs
    sharp: heads.Head | None = None  # the second head (over all-mpnet-base-v2) and its stack with the LLM
    sharp_stack: Stack | None = None
    sharp_embedder: Callable[[int | None], Any] | None = None  # loads the encoder's first N layers on first use
    # (N from the second head's meta; returns None when the encoder is not installed)
    counts: Counter = field(default_factory=Counter)      # how many texts each part decided
    _memo: dict[str, Decision] = field(default_factory=dict, repr=False)  # a review and its only topic's
    # clause are the same text: decided once (bounded: the last MEMO texts)

    @classmethod
    def build(cls, llm: Callable[[list[str]], list[tuple[str, float]]], embedder: Any, *, confidence: float,
              thorough: bool, labels: Sequence[Label] = (), stack: Stack | None = None,
              clause_confidence: float | None = None,
              llm_scores: Callable[[list[str]], list[list[float]]] | None = None,
              sharp_stack: Stack | None = None,
              sharp_embedder: Callable[[int | None], Any] | None = None,
              reference: Sequence[str] = ()) -> "SentimentCascade":
        """The packaged heads, adapted to the user's sentiment labels when there are any. With a `stack`
        (and `llm_scores`), a text the head is unsure of is decided by the head and the LLM together.
        `sharp_embedder` (a loader of the second head's encoder) turns the second head on. `reference`: the
        store's own review texts (a sample), on which the labels' change is measured and bounded besides the
        packaged reference sentences (read only when there are sentiment labels)."""
        if llm_scores is None:
            stack = sharp_stack = None
        head = None if thorough and stack is None and sharp_stack is None else heads.sentiment_head()
        sharp = heads.sentiment_head(heads.SHARP_HEAD_PATH) if head is not None and sharp_embedder else None
        mine = [lb for lb in labels if lb.kind == "sentiment"]
        if head is not None and mine:
            texts, values = [lb.text for lb in mine], [lb.value for lb in mine]
            # the change is held back when it would change too many answers of the packaged reference sentences or
            # of the store's own reviews (the sentences alone, unlike an app's reviews, let one "neutral" label
            # among negative ones turn 24 crash reports neutral: heads.adapt_head)
            anchors = heads.anchor_texts()
            own = _reference_texts(reference, set(texts))
            # VADER's scores once for both heads (on a store's long reviews it costs as much as an encoder)
            vt, va, vo = (heads.vader_features(ts) if ts else None for ts in (texts, anchors, own))

            def feats(ts: list[str], vader: np.ndarray | None, enc: Any) -> np.ndarray | None:
                return heads.features(ts, enc, vader=vader) if ts else None

            with remembering_on_disk():  # the same sample and sentences at every analyze: kept on disk
                head = heads.adapt_head(head, feats(texts, vt, embedder), values,
                                        anchors=feats(anchors, va, embedder), reference=feats(own, vo, embedder))
                enc = (sharp_embedder(sharp.meta.get("encoder_layers")) if sharp is not None and sharp_embedder
                       else None)
                if sharp is not None and enc is not None:
                    sharp = heads.adapt_head(sharp, feats(texts, vt, enc), values,
                                             anchors=feats(anchors, va, enc), reference=feats(own, vo, enc))
            log.info("sentiment heads adapted to %d labels%s", len(mine), _changed_note(
                [h for h in (head, sharp) if h is not None], len(own)))
        return cls(llm=llm, embedder=embedder, confidence=confidence, thorough=thorough, head=head,
                   clause_confidence=clause_confidence,
                   labels={lb.content_hash: lb.value for lb in mine},
                   stack=stack if head is not None else None, llm_scores=llm_scores, sharp=sharp,
                   sharp_stack=sharp_stack if sharp is not None else None,
                   sharp_embedder=sharp_embedder if sharp is not None else None)

    def version(self) -> str:
        """What decides, for the analysis version (see `cascade_version`)."""
        sharp = self.sharp is not None
        return cascade_version(self.confidence, self.thorough or self.head is None, self.labels,
                               self.sharp_stack if sharp else self.stack, sharp, self.clause_confidence)

    def _second_opinion(self, texts: list[str], unsure: dict[int, np.ndarray], bar: float,
                        out: list[Decision | None], vader: dict[int, np.ndarray]) -> bool:
        """The second head reads the texts the first was unsure of; it decides those it is sure of
        (probability >= `bar`), and its probabilities replace the first head's for the rest. False when
        its encoder cannot be loaded (the first head's probabilities then stand)."""
        if self.sharp is None or self.sharp_embedder is None:
            return False
        enc = self.sharp_embedder(self.sharp.meta.get("encoder_layers"))
        if enc is None:
            return False
        idx = list(unsure)
        P = self.sharp.proba(heads.features([texts[i] for i in idx], enc, vader=np.stack([vader[i] for i in idx])))
        for i, row in zip(idx, P):
            k = int(row.argmax())
            if row[k] >= bar:
                out[i] = (self.sharp.classes[k], float(row[k]), "head2")
                del unsure[i]
            else:
                unsure[i] = row
        return True

    def decide(self, texts: Sequence[str], vecs: np.ndarray | None = None,
               confidence: float | None = None) -> list[Decision]:
        """(label, confidence, decided_by) per text; `vecs`: the texts' embeddings when already computed;
        `confidence`: the bar below which the LLM decides (default: the cascade's)."""
        texts = list(texts)
        out: list[Decision | None] = [self._memo.get(t) for t in texts]
        for i, t in enumerate(texts):
            lb = self.labels.get(content_hash(t))
            if lb:
                out[i] = (lb, 1.0, "label")
        # A text without a letter ("😡👎", "⭐⭐⭐⭐⭐") has no words for the heads' encoders (every one embeds
        # alike, and the head read them all as positive); the LLM reads emoji well: it decides them alone.
        todo = [i for i, d in enumerate(out) if d is None and has_letters(texts[i])]
        proba: dict[int, np.ndarray] = {}
        bar = THOROUGH_BAR if self.thorough else (self.confidence if confidence is None else confidence)
        stack = self.stack
        if todo and self.head is not None:
            X = heads.features([texts[i] for i in todo], self.embedder,
                               None if vecs is None else np.asarray(vecs)[todo])
            P = self.head.proba(X)
            first_bar = max(bar, float(self.sharp.meta.get("route_below", 0.9))) if self.sharp is not None else bar
            for i, row in zip(todo, P):
                k = int(row.argmax())
                if row[k] >= first_bar:
                    out[i] = (self.head.classes[k], float(row[k]), "head")
                else:
                    proba[i] = row
            if self.sharp is not None and proba and self._second_opinion(
                    texts, proba, bar, out, {i: X[k, -heads.N_VADER:] for k, i in enumerate(todo) if i in proba}):
                stack = self.sharp_stack
            else:  # no second head: the first head decides what it is sure of by the cascade's own bar
                for i in [i for i, row in proba.items() if row.max() >= bar]:
                    row = proba.pop(i)
                    out[i] = (self.head.classes[int(row.argmax())], float(row.max()), "head")
        rest = [i for i, d in enumerate(out) if d is None]
        stacked = [i for i in rest if i in proba] if stack is not None and self.llm_scores is not None else []
        if stacked:  # the head's probabilities and the LLM's scores decide together
            order = [self.head.classes.index(c) for c in ("positive", "neutral", "negative")]  # type: ignore[union-attr]
            for i, lp in zip(stacked, self.llm_scores([texts[i] for i in stacked])):
                label, p = stack.decide(lp, [float(proba[i][j]) for j in order])
                out[i] = (label, p, "llm")
        alone = [i for i in rest if out[i] is None]
        if alone:
            for i, (label, p) in zip(alone, self.llm([texts[i] for i in alone])):
                out[i] = (label, float(p), "llm")
        self.counts.update(d[2] for d in out)  # type: ignore[index]
        if len(self._memo) > MEMO:
            self._memo.clear()
        self._memo.update(zip(texts, out))  # type: ignore[arg-type]
        return out  # type: ignore[return-value]

    def sentiment_labels(self, texts: list[str]) -> list[str]:
        """Just the labels, at the clause bar (the per-topic sentiment of clauses uses this). A text already
        decided as a review keeps that decision."""
        return [d[0] for d in self.decide(texts, confidence=self.clause_confidence)]
