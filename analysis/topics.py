"""Complaint topics: multi-label topic classification, each topic with its own sentiment.

How (measured in bench/RESULTS-eval.md, chosen for 2 CPU cores):
1. Each review is split into clauses (sentences, cut again at "but", "however", ";", ...), verbatim spans.
2. Detection: every clause is embedded with MiniLM and compared with each topic's prototypes (its
   description and examples; the mean of the 3 best similarities). With an LLM backend, the LLM's
   distribution over the topic names (one scoring call per review, few-shot prefix shared and cached)
   is combined with them by a tiny trained logistic regression over taxonomy-agnostic (text, topic)
   features (`pair_features`; weights in analysis/data/topic_calibration.json, fit on a SemEval-2014
   tune split by bench/train_topic_calibration.py); without that file, or without a backend, the rule
   below decides: the LLM distribution is added with a small weight. Per clause, topics near the clause's best score and above a bar are
   kept; `other` competes: a clause closest to `other` adds no specific topic. Multi-label = the union
   over clauses. (The LLM alone was much weaker than the embeddings; together they are best.)
3. Sentiment per topic: the review's own clauses about that topic (the most similar ones) go through
   analysis.sentiment (LLM label scoring), so "great food, rude waiter" gives food positive and service
   negative. `other` uses the whole text. Without a backend a small lexicon decides (baseline only).
4. A text with no specific topic gets `other` (when the taxonomy has it).

Review text is untrusted: it goes into prompts only through analysis.prompts (delimited, neutralized).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from reviewlens.schema import TopicMention

from .taxonomy import OTHER, Taxonomy, Topic

log = logging.getLogger(__name__)

PROMPT_VERSION = "topics-v2"  # v2: calibrated hybrid decision

MAX_CLAUSES = 24          # clauses looked at per review (long reviews: the first ones)
MAX_CLAUSE_CHARS = 600    # a clause longer than this is cut (still a verbatim prefix)
CANDIDATE_SIM = 0.22      # a clause counts as "about" a topic (for its sentiment) above this similarity
EMBED_ONLY_BAR = 0.25     # embedding-only decision bar (no backend), tuned on SemEval dev sentences
HYBRID_BAR = 0.35         # bar for similarity + LLM_WEIGHT * p(topic)
LLM_WEIGHT = 0.2
MARGIN = 0.10             # a topic is kept for a clause within this of the clause's best topic
TOP_K = 3                 # prototype similarity = mean of the k best (description and examples)

_SENT_RE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"')\]]*|$)|[.!?]+", re.MULTILINE)
_CLAUSE_CUT_RE = re.compile(
    r"(?:[;:]\s+|,?\s+(?=(?:but|however|although|though|whereas|yet|except|while|otherwise)\b)|\s+-\s+)",
    re.IGNORECASE)
_WORD_RE = re.compile(r"[A-Za-z\u00C0-\u024F']+")


# ------------------------------------------------------------------------------------- splitting
def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of `text`; `text[start:end]` is the stripped, verbatim sentence."""
    spans = []
    for m in _SENT_RE.finditer(text or ""):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s and any(ch.isalnum() for ch in text[s:e]):
            spans.append((s, e))
    return spans


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Clause spans: sentences cut again before contrast words (but, however, although...) and at ; or :."""
    out = []
    for s, e in split_sentences(text):
        pos = s
        for m in _CLAUSE_CUT_RE.finditer(text, s, e):
            if m.start() - pos >= 8:
                out.append((pos, m.start()))
                pos = m.end()
        out.append((pos, e))
    clean = []
    for s, e in out:
        while s < e and (text[s].isspace() or text[s] in ",;:-"):
            s += 1
        while e > s and (text[e - 1].isspace() or text[e - 1] in ",;:-"):
            e -= 1
        if e > s and any(ch.isalnum() for ch in text[s:e]):
            clean.append((s, min(e, s + MAX_CLAUSE_CHARS)))
    return clean


# ------------------------------------------------------------------------------------- prototypes
@dataclass
class _Prototypes:
    names: list[str]
    vectors: list[np.ndarray]  # per topic: (k, dim), row 0 the description


_proto_cache: dict[tuple, _Prototypes] = {}


def _topic_key(t: Topic) -> tuple:
    return (t.name, t.description, tuple(t.examples))


def _prototypes(taxonomy: Taxonomy, embedder: Any) -> _Prototypes:
    key = (id(embedder),) + tuple(_topic_key(t) for t in taxonomy.topics)
    if key not in _proto_cache:
        vecs = []
        for t in taxonomy.topics:
            label = t.name.replace("_", " ")
            vecs.append(embedder.encode([f"{label}: {t.description}"] + list(t.examples)))
        _proto_cache[key] = _Prototypes(taxonomy.names, vecs)
    return _proto_cache[key]


def clause_topic_similarity(clause_vecs: np.ndarray, protos: _Prototypes, k: int = 1) -> np.ndarray:
    """(n_clauses, n_topics): per topic, the mean of the k best prototype similarities (k=1: the best)."""
    if clause_vecs.shape[0] == 0:
        return np.zeros((0, len(protos.names)), dtype=np.float32)
    cols = []
    for p in protos.vectors:
        sims = clause_vecs @ p.T
        kk = min(k, sims.shape[1])
        cols.append(np.sort(sims, axis=1)[:, -kk:].mean(axis=1))
    return np.stack(cols, axis=1)


def _resolve_embedder(embedder: Any) -> Any:
    if embedder is not None:
        return embedder
    from .embeddings import get_embedder

    return get_embedder()


# ------------------------------------------------------------------------------------- the LLM part
def _softmax(scores: Sequence[float]) -> list[float]:
    finite = [s for s in scores if s is not None and math.isfinite(s)]
    if not finite:
        return [1.0 / len(scores)] * len(scores)
    m = max(finite)
    ex = [math.exp(s - m) if s is not None and math.isfinite(s) else 0.0 for s in scores]
    z = sum(ex) or 1.0
    return [x / z for x in ex]


def _topic_conversations(texts: Sequence[str], taxonomy: Taxonomy, max_chars: int) -> list[list[dict]]:
    """One conversation per text asking for its main topic; the system prompt and few-shot examples
    (from the taxonomy) come first, so the backend computes that shared prefix once."""
    from .prompts import review_conversations, system_prompt

    words = [t.name.replace("_", " ") for t in taxonomy.topics]
    listing = "\n".join(f"- {w}: {t.description}" for w, t in zip(words, taxonomy.topics))
    system = system_prompt(f"You classify customer reviews by topic. Topics:\n{listing}\n"
                           "Answer with the one topic the review talks about most.")
    examples = [(t.examples[0], w) for w, t in zip(words, taxonomy.topics) if t.examples][:12]
    return review_conversations(system, list(texts), instruction=f"Topic ({', '.join(words)}):",
                                examples=examples, max_chars=max_chars)


def llm_topic_distribution(backend: Any, texts: Sequence[str], taxonomy: Taxonomy,
                           max_chars: int = 2000) -> np.ndarray:
    """(n_texts, n_topics): the LLM's probability of each topic name as the answer."""
    words = [t.name.replace("_", " ") for t in taxonomy.topics]
    scores = _batched_scores(backend, _topic_conversations(texts, taxonomy, max_chars), words)
    return np.array([_softmax(s) for s in scores], dtype=np.float32).reshape(len(texts), len(words))


def _batched_scores(backend: Any, convs: list[list[dict]], choices: Sequence[str]) -> list[list[float]]:
    if not convs:
        return []
    size = max(1, int(getattr(backend, "batch_size", 8) or 8)) * 4
    out: list[list[float]] = []
    for i in range(0, len(convs), size):
        out.extend(backend.score_choices(convs[i:i + size], list(choices)))
    return out


# ------------------------------------------------------------------------------------- lexicon baseline
_POS = {"good", "great", "excellent", "amazing", "love", "loved", "perfect", "best", "friendly", "nice",
        "delicious", "fast", "quick", "easy", "awesome", "fantastic", "helpful", "recommend", "wonderful",
        "beautiful", "fresh", "tasty", "happy", "comfortable", "reasonable", "affordable", "cheap", "worth",
        "well", "pleasant", "attentive", "cozy", "sturdy", "reliable", "superb", "outstanding", "enjoyed",
        "fine", "decent", "solid", "glad", "satisfied"}
_NEG = {"bad", "terrible", "awful", "horrible", "worst", "poor", "rude", "slow", "late", "broke", "broken",
        "never", "disappointed", "disappointing", "overpriced", "expensive", "cold", "dirty", "damaged",
        "defective", "useless", "waste", "wrong", "missing", "stopped", "crash", "crashes", "crashed", "fail",
        "failed", "fails", "refund", "noisy", "loud", "bland", "stale", "small", "tiny", "unhelpful", "hate",
        "problem", "problems", "issue", "issues", "cheaply", "flimsy", "dies", "died", "waited", "waiting",
        "mediocre", "nasty", "unfriendly", "ignored", "lost", "leak", "leaks", "leaking", "scratched", "return",
        "returned", "delay", "delayed", "overcooked", "undercooked", "burnt", "greasy", "soggy", "crowded"}
_NEGATORS = {"not", "no", "never", "n't", "dont", "don't", "didn't", "isn't", "wasn't", "won't", "can't",
             "couldn't", "hardly", "nothing", "without"}


def lexicon_polarity(text: str) -> float:
    """A crude polarity in [-1, 1] from word lists with negation (no model; a cheap baseline and filter)."""
    words = [w.lower() for w in _WORD_RE.findall(text or "")]
    score = 0
    for i, w in enumerate(words):
        val = 1 if w in _POS else -1 if w in _NEG else 0
        if val and any(x in _NEGATORS or x.endswith("n't") for x in words[max(0, i - 3):i]):
            val = -val
        score += val
    return max(-1.0, min(1.0, score / 2))


def _lexicon_label(text: str) -> str:
    p = lexicon_polarity(text)
    return "positive" if p > 0 else "negative" if p < 0 else "neutral"


# ------------------------------------------------------------------------------------- public API
@dataclass
class _TextClauses:
    spans: list[tuple[int, int]]
    clauses: list[str]
    sims: np.ndarray  # (n_clauses, n_topics)
    sims1: np.ndarray | None = None  # the same with the single best prototype (k=1)


def clause_sentiment(backend: Any, segments: list[str], max_chars: int = 2000) -> list[str]:
    """Sentiment labels of text segments: analysis.sentiment with a backend, else the lexicon."""
    if backend is None:
        return [_lexicon_label(seg) for seg in segments]
    from .sentiment import sentiment_batch

    return [lab for lab, _ in sentiment_batch(backend, segments, max_chars=max_chars)]


def _analyse_clauses(texts: Sequence[str], taxonomy: Taxonomy, embedder: Any) -> list[_TextClauses]:
    protos = _prototypes(taxonomy, embedder)
    per_text: list[tuple[list[tuple[int, int]], list[str]]] = []
    flat: list[str] = []
    for t in texts:
        t = t or ""
        spans = split_clauses(t)[:MAX_CLAUSES] or ([(0, min(len(t), MAX_CLAUSE_CHARS))] if t.strip() else [])
        clauses = [t[s:e] for s, e in spans]
        per_text.append((spans, clauses))
        flat.extend(clauses)
    vecs = embedder.encode(flat) if flat else np.zeros((0, 1), dtype=np.float32)
    sims_all = clause_topic_similarity(vecs, protos, TOP_K) if flat else np.zeros((0, len(protos.names)))
    sims1_all = clause_topic_similarity(vecs, protos, 1) if flat else np.zeros((0, len(protos.names)))
    out, pos = [], 0
    for spans, clauses in per_text:
        n = len(clauses)
        out.append(_TextClauses(spans, clauses, sims_all[pos:pos + n], sims1_all[pos:pos + n]))
        pos += n
    return out


def _topic_text(tc: _TextClauses, j: int, full_text: str) -> str:
    """The clauses of one text that talk about topic j (at least the most similar one)."""
    if not tc.clauses:
        return full_text
    col = tc.sims[:, j]
    best = float(col.max())
    keep = [i for i in range(len(tc.clauses)) if col[i] >= max(CANDIDATE_SIM, best - 0.08)] or [int(col.argmax())]
    return " ".join(tc.clauses[i] for i in keep[:4])


def _choose(sims: np.ndarray, boost: np.ndarray | None, bar: float, specific: list[int],
            other_j: int | None) -> list[int]:
    """Topics of one text from its clause x topic similarities (plus a per-topic LLM boost)."""
    chosen: list[int] = []
    for row in sims:
        score = row + boost if boost is not None else row
        best_spec = max(float(score[j]) for j in specific) if specific else -1.0
        if other_j is not None and float(score[other_j]) > best_spec:
            continue  # the clause is closest to "other": no specific topic
        for j in specific:
            if score[j] >= bar and score[j] >= best_spec - MARGIN and j not in chosen:
                chosen.append(j)
    return sorted(chosen)


# ------------------------------------------------------------------------------------- calibrated decision
# With a backend, the topics of a text are decided by a tiny logistic regression over taxonomy-agnostic
# features of each (text, topic) pair (similarities, the LLM's probability, margins, ranks), so it works
# for any taxonomy. Trained by bench/train_topic_calibration.py on SemEval-2014 restaurant sentences
# (a tune split; held-out figures in bench/RESULTS-eval.md); shipped as numbers in
# analysis/data/topic_calibration.json.
CALIBRATION_PATH = Path(__file__).resolve().parent / "data" / "topic_calibration.json"
_calibration: dict | None = None


def pair_features(sims: np.ndarray, dist: np.ndarray, other_j: int | None,
                  sims1: np.ndarray | None = None) -> np.ndarray:
    """(n_topics, d) features of one text's topics: `sims` (n_clauses, n_topics, top-3 prototype mean),
    `dist` (n_topics, the LLM), `sims1` (like sims, best single prototype; defaults to sims)."""
    n = sims.shape[1]
    s = sims.max(axis=0) if sims.shape[0] else np.zeros(n, dtype=np.float32)
    if sims1 is None:
        sims1 = sims
    s1 = sims1.max(axis=0) if sims1.shape[0] else np.zeros(n, dtype=np.float32)
    best_share = (np.bincount(sims.argmax(axis=1), minlength=n) / sims.shape[0]) if sims.shape[0] else np.zeros(n)
    p = np.asarray(dist, dtype=np.float32)
    rows = []
    for j in range(n):
        others = [q for q in range(n) if q != j]
        s_gap = float(s[j] - max(s[q] for q in others)) if others else 0.0
        p_gap = float(p[j] - max(p[q] for q in others)) if others else 0.0
        if sims.shape[0] and others:
            clause_gap = float(max(sims[c, j] - sims[c, others].max() for c in range(sims.shape[0])))
        else:
            clause_gap = 0.0
        is_o = 1.0 if j == other_j else 0.0
        rows.append([1.0, float(s[j]), s_gap, clause_gap, float(p[j]), p_gap, math.log(max(float(p[j]), 1e-4)),
                     is_o, is_o * float(s[j]), is_o * float(p[j]), 1.0 if s_gap > 0 else 0.0,
                     1.0 if p_gap > 0 else 0.0, float(s1[j]),
                     float(s1[j] - max(s1[q] for q in others)) if others else 0.0, float(best_share[j]),
                     float(s[j]) * float(p[j])])
    return np.array(rows, dtype=np.float32)


def load_calibration() -> dict | None:
    """The shipped calibration ({coef (d), threshold}); None when the file is missing (fallback rule)."""
    global _calibration
    if _calibration is None and CALIBRATION_PATH.is_file():
        import json

        raw = json.loads(CALIBRATION_PATH.read_text(encoding="utf-8"))
        _calibration = {"coef": np.asarray(raw["coef"], dtype=np.float32), "threshold": float(raw["threshold"])}
    return _calibration


def calibrated_choose(sims: np.ndarray, dist: np.ndarray, other_j: int | None, cal: dict,
                      sims1: np.ndarray | None = None) -> list[int]:
    """Topics whose calibrated probability passes the threshold (at least the most probable one)."""
    z = pair_features(sims, dist, other_j, sims1) @ cal["coef"]
    prob = 1.0 / (1.0 + np.exp(-z))
    chosen = [j for j in range(len(prob)) if prob[j] >= cal["threshold"]]
    return sorted(chosen) if chosen else [int(prob.argmax())]


def classify_topics(backend: Any, texts: list[str], taxonomy: Taxonomy, *, embedder: Any = None,
                    method: str = "auto", max_chars: int = 2000, use_llm: Sequence[bool] | bool = True,
                    sentiment_fn: Callable[[list[str]], list[str]] | None = None) -> list[list[TopicMention]]:
    """Multi-label topics of each text, each with its own sentiment.

    method: "auto" (hybrid when a backend is given, else embeddings), "hybrid" (embeddings plus the
    LLM's topic distribution; sentiment by the LLM), "embed" (embeddings and a lexicon only: the
    baseline), "llm" (the LLM's topic distribution alone, for comparison).
    use_llm: in hybrid mode, which texts get the LLM's topic distribution (one flag per text, or one for
    all); the others are decided from the embeddings alone (the cascade asks the LLM only for hard texts).
    sentiment_fn: texts -> sentiment labels, for each topic's clauses (default: the LLM's label scoring).
    Empty texts get no topics. Never raises on odd input (emoji, markup, very long or non-English text).
    """
    if method == "auto":
        method = "hybrid" if backend is not None else "embed"
    if method not in ("hybrid", "embed", "llm"):
        raise ValueError(f"unknown topic method {method!r} (auto, hybrid, embed, llm)")
    if method != "embed" and backend is None:
        raise ValueError(f"topic method {method!r} needs an LLM backend")
    if not texts:
        return []
    texts = [t if isinstance(t, str) else "" for t in texts]
    embedder = _resolve_embedder(embedder)
    names = taxonomy.names
    specific = [j for j, n in enumerate(names) if n != OTHER]
    other_j = names.index(OTHER) if OTHER in names else None
    tcs = _analyse_clauses(texts, taxonomy, embedder)

    live = [i for i, tc in enumerate(tcs) if tc.clauses]
    flags = [bool(use_llm)] * len(texts) if isinstance(use_llm, bool) else [bool(f) for f in use_llm]
    asked = [i for i in live if flags[i]] if method == "hybrid" else live
    dist = np.zeros((len(texts), len(names)), dtype=np.float32)
    if method != "embed" and asked:
        dist[asked] = llm_topic_distribution(backend, [texts[i] for i in asked], taxonomy, max_chars)
    chosen: list[list[int]] = [[] for _ in texts]
    for i in live:
        if method == "embed" or (method == "hybrid" and not flags[i]):
            chosen[i] = _choose(tcs[i].sims, None, EMBED_ONLY_BAR, specific, other_j)
        elif method == "hybrid":
            cal = load_calibration()
            if cal is not None:
                chosen[i] = calibrated_choose(tcs[i].sims, dist[i], other_j, cal, tcs[i].sims1)
            else:
                chosen[i] = _choose(tcs[i].sims, LLM_WEIGHT * dist[i], HYBRID_BAR, specific, other_j)
        else:
            p = dist[i]
            chosen[i] = sorted({int(p.argmax())} | {j for j in specific if p[j] >= 0.3})
            chosen[i] = [j for j in chosen[i] if j != other_j]
        if not chosen[i] and other_j is not None:
            chosen[i] = [other_j]

    # sentiment per (text, topic), from the topic's own clauses
    jobs: list[tuple[int, int, str]] = []
    for i, js in enumerate(chosen):
        for j in js:
            seg = texts[i] if j == other_j or len(js) == 1 else _topic_text(tcs[i], j, texts[i])
            jobs.append((i, j, seg))
    segs = [seg for _, _, seg in jobs]
    labels = sentiment_fn(segs) if sentiment_fn and segs else clause_sentiment(backend, segs, max_chars)
    out: list[list[TopicMention]] = [[] for _ in texts]
    for (i, j, _), lab in zip(jobs, labels):
        out[i].append(TopicMention(topic=names[j], sentiment=lab))
    return out


def topic_sentiments(backend: Any, texts: list[str], topics_per_text: list[list[str]], taxonomy: Taxonomy,
                     *, embedder: Any = None, max_chars: int = 2000,
                     sentiment_fn: Callable[[list[str]], list[str]] | None = None) -> list[dict[str, str]]:
    """The sentiment of given topics in each text ({topic: label}); used to evaluate polarity alone."""
    embedder = _resolve_embedder(embedder)
    names = taxonomy.names
    tcs = _analyse_clauses(texts, taxonomy, embedder)
    jobs = []
    for i, ts in enumerate(topics_per_text):
        for name in ts:
            if name not in names:
                continue
            j = names.index(name)
            seg = texts[i] if name == OTHER or len(ts) == 1 else _topic_text(tcs[i], j, texts[i])
            jobs.append((i, name, seg))
    segs = [seg for _, _, seg in jobs]
    labels = sentiment_fn(segs) if sentiment_fn and segs else clause_sentiment(backend, segs, max_chars)
    out: list[dict[str, str]] = [{} for _ in texts]
    for (i, name, _), lab in zip(jobs, labels):
        out[i][name] = lab
    return out
