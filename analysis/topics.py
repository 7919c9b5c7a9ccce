"""Complaint topics: multi-label topic classification, each topic with its own sentiment.

How (measured in bench/RESULTS-eval.md, chosen for 2 CPU cores):
1. Each review is split into clauses (sentences, cut again at "but", "however", ";", ...), verbatim spans,
   and the clauses into fragments (at commas, "and", "with"); its content words are listed too.
2. Detection works for any taxonomy, also topics written as a name and one line without examples:
   each topic's prototypes are its "name: description" line, its examples and its phrases (the name and
   the parts of the description: "prices and value for money" -> "prices", "value for money",
   `topic_phrases`). MiniLM embeddings of the clauses and fragments are compared with the prototypes,
   and the content words with the phrases ("pricey", "penny" sit near "prices"; the whole clause "fresh,
   delicious and reasonably priced" sits near food, its fragment near price). From these, taxonomy-
   agnostic features per (text, topic) (`pair_features`: best scores, gaps to the other topics, an
   "is other" indicator) go into a tiny logistic regression (weights in
   analysis/data/topic_calibration.json, fit by bench/train_topic_calibration.py on a SemEval-2014 tune
   split, with one-line and hand-written topics): a topic is kept when its probability passes the
   calibrated bar, at least the most probable one; `other` is decided by the same model. With an LLM
   backend, the LLM's distribution over the topic names (one scoring call per review, shared prefix
   cached) adds four features ("hybrid" model); `use_llm` skips it per review ("embed" model). Without
   the calibration file a fixed rule decides. Multi-label: the union over the text.
   Topics that mean what the topic library knows (analysis.topic_library: restaurant food, service,
   price, ambience) take its trained detectors' probability instead, read from the text's sentences and
   clauses and the rule's own probability, on the rule's scale (so the LLM's distribution only moves the
   topics the library does not know).
3. Sentiment per topic: the review's own clauses about that topic (the most similar ones) get a label from
   `sentiment_fn` when the caller gives one, else from analysis.sentiment (LLM label scoring), so "great
   food, rude waiter" gives food positive and service negative. `other` uses the whole text. Without a
   backend a small lexicon decides (baseline only).
4. A text with no specific topic gets `other` (when the taxonomy has it).

`topic_scores` and `topic_similarity` give the same evidence to other stages (analysis.complaints).
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

from reviewlens.comparing import NOT_A_SENTENCE_END
from reviewlens.schema import TopicMention
from reviewlens.word_polarity import polarity_counts

from . import topic_library
from .taxonomy import OTHER, Taxonomy, Topic

log = logging.getLogger(__name__)

PROMPT_VERSION = "topics-v3"  # v2: calibrated hybrid decision; v3: topic phrases, fragments, words; recalibrated

MAX_CLAUSES = 24          # clauses looked at per review (long reviews: the first ones)
MAX_CLAUSE_CHARS = 600    # a clause longer than this is cut (still a verbatim prefix)
CANDIDATE_SIM = 0.22      # a clause counts as "about" a topic (for its sentiment) above this similarity
EMBED_ONLY_BAR = 0.25     # embedding-only decision bar (no backend), tuned on SemEval dev sentences
HYBRID_BAR = 0.35         # bar for similarity + LLM_WEIGHT * p(topic)
LLM_WEIGHT = 0.2
MARGIN = 0.10             # a topic is kept for a clause within this of the clause's best topic
TOP_K = 3                 # prototype similarity = mean of the k best (description and examples)

# A sentence ends at . ! ? (with closing quotes or brackets), not inside "2.4.0", "$19.99", "3.5 stars" or
# "shop.example.com" (followed by a digit or a small letter): "since version 2.4.0 it crashes" was cut after "2.";
# "No space.Here" still ends at the period; nor after "Mr.", "Dr.", "e.g." ("the night manager, Mr. Kessler, ..."
# was quoted as "... the night manager, Mr.").
_SENT_RE = re.compile(r"(?:[^.!?\n]|" + NOT_A_SENTENCE_END + r")+(?:[.!?]+[\"')\]]*|$)|[.!?]+", re.MULTILINE)
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
# A topic written as a name and one line ("price: prices and value for money") has one prototype, and a
# whole review clause rarely sits close to it: "a bit pricey" or "$20 for a burger" share no words with
# it, and in "fresh, delicious and reasonably priced" the food words dominate the clause's embedding.
# So each topic is also split into the short phrases it is made of (its name and the parts of its
# description: "price", "prices", "value for money"), which MiniLM matches well against short pieces
# of text: the clause, its fragments (cut at commas, "and", "with") and its content words.
_PART_SPLIT_RE = re.compile(r"\s*(?:[,;/()]|\band\b|\bor\b|\bincluding\b|\bsuch as\b|\be\.g\.|\betc\b\.?)\s*",
                            re.IGNORECASE)
_LEADING_WORD_RE = re.compile(r"^(?:the|a|an|its|their|your|our|any|all|how|what)\s+", re.IGNORECASE)
_VAGUE_PARTS = {"etc", "things", "thing", "anything", "anything else", "everything", "everything else", "other",
                "others", "more", "stuff", "it", "them"}
_FRAGMENT_CUT_RE = re.compile(r"\s*(?:,|\band\b|\bwith\b|\bbut\b|--|\()\s*", re.IGNORECASE)
MAX_FRAGMENTS = 48        # clause fragments looked at per review
MAX_WORDS = 60            # content words looked at per review
_STOPWORDS = frozenset("""a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having he
her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
off on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves also really even get got one it's i'm
i've don't didn't doesn't isn't wasn't won't can't couldn't ever still much many well back like us let lets quite
definitely since though although yet however every everything anything something nothing thing things way""".split())


def topic_phrases(topic: Topic) -> list[str]:
    """The short phrases a topic is made of: its name and the parts of its description (split at ":",
    commas, "and", "or"), lowercased, without leading articles. "price" with "prices and value for
    money" gives ["price", "prices", "value for money"]."""
    head, _, tail = topic.description.partition(":")
    found = [topic.name.replace("_", " ")]
    for chunk in (head, tail):
        for part in _PART_SPLIT_RE.split(chunk):
            part = _LEADING_WORD_RE.sub("", part.strip(" .!?\"'-"))
            if len(part) > 1 and part.lower() not in _VAGUE_PARTS and len(part.split()) <= 6:
                found.append(part)
    return list(dict.fromkeys(p.lower() for p in found))[:16]


@dataclass
class _Prototypes:
    names: list[str]
    vectors: list[np.ndarray]  # per topic: (k, dim), row 0 "name: description", then the examples
    phrases: list[np.ndarray]  # per topic: (m, dim), topic_phrases()


_proto_cache: dict[tuple, _Prototypes] = {}


def _topic_key(t: Topic) -> tuple:
    return (t.name, t.description, tuple(t.examples))


def _prototypes(taxonomy: Taxonomy, embedder: Any) -> _Prototypes:
    key = (id(embedder),) + tuple(_topic_key(t) for t in taxonomy.topics)
    if key not in _proto_cache:
        vecs, phrases = [], []
        for t in taxonomy.topics:
            label = t.name.replace("_", " ")
            vecs.append(embedder.encode([f"{label}: {t.description}"] + list(t.examples)))
            phrases.append(embedder.encode(topic_phrases(t)))
        if len(_proto_cache) > 32:
            _proto_cache.clear()
        _proto_cache[key] = _Prototypes(taxonomy.names, vecs, phrases)
    return _proto_cache[key]


def clause_topic_similarity(clause_vecs: np.ndarray, protos: _Prototypes, k: int = 1,
                            with_phrases: bool = False) -> np.ndarray:
    """(n_clauses, n_topics): per topic, the mean of the k best prototype similarities (k=1: the best).
    Prototypes: the description and examples, plus the topic's phrases when `with_phrases`."""
    if clause_vecs.shape[0] == 0:
        return np.zeros((0, len(protos.names)), dtype=np.float32)
    cols = []
    for p, ph in zip(protos.vectors, protos.phrases):
        if with_phrases and len(ph):
            p = np.concatenate([p, ph])
        sims = clause_vecs @ p.T
        kk = min(k, sims.shape[1])
        cols.append(np.sort(sims, axis=1)[:, -kk:].mean(axis=1))
    return np.stack(cols, axis=1)


def topic_similarity(vectors: np.ndarray, taxonomy: Taxonomy, embedder: Any = None, *, k: int = 1,
                     with_phrases: bool = False) -> np.ndarray:
    """(n, n_topics): how close each embedding vector (rows, from the same embedder) is to each topic of
    `taxonomy` (columns in `taxonomy.names` order): the mean of its k best prototype similarities
    (prototypes: "name: description" and the examples, plus `topic_phrases` when `with_phrases`)."""
    protos = _prototypes(taxonomy, _resolve_embedder(embedder))
    return clause_topic_similarity(np.asarray(vectors, dtype=np.float32), protos, k, with_phrases)


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
    convs = _topic_conversations(texts, taxonomy, max_chars)
    scores = backend.score_choices(convs, list(words)) if convs else []  # the backend batches
    return np.array([_softmax(s) for s in scores], dtype=np.float32).reshape(len(texts), len(words))


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
    pos, neg = polarity_counts([w.lower() for w in _WORD_RE.findall(text or "")], _POS, _NEG, _NEGATORS)
    return max(-1.0, min(1.0, (pos - neg) / 2))


def _lexicon_label(text: str) -> str:
    p = lexicon_polarity(text)
    return "positive" if p > 0 else "negative" if p < 0 else "neutral"


# ------------------------------------------------------------------------------------- evidence
@dataclass
class _TextClauses:
    spans: list[tuple[int, int]]
    clauses: list[str]
    sims: np.ndarray  # (n_clauses, n_topics): top-3 prototype mean (description and examples)
    evidence: np.ndarray | None = None  # (n_topics, N_EVIDENCE): embedding features for the decision
    sentence_vecs: np.ndarray | None = None  # (n_pieces, dim): what the topic library's heads read
    sentence_texts: list[str] | None = None  # those pieces: the text's sentences, then its clauses, then list items
    items: list[tuple[int, str]] | None = None  # the list items of its clauses (`list_items`): (clause, item)
    item_sims: np.ndarray | None = None  # (n_items, n_topics), as `sims`


N_EVIDENCE = 9
_word_cache: dict[tuple[int, str], np.ndarray] = {}


def clause_sentiment(backend: Any, segments: list[str], max_chars: int = 2000) -> list[str]:
    """Sentiment labels of text segments: analysis.sentiment with a backend, else the lexicon."""
    if backend is None:
        return [_lexicon_label(seg) for seg in segments]
    from .sentiment import sentiment_batch

    return [lab for lab, _ in sentiment_batch(backend, segments, max_chars=max_chars)]


def list_items(clause: str) -> list[str]:
    """A clause that is a short list of remarks, "Great food, rude waiter.", cut at its commas: 2 to 4 items of 2 to 4
    words each, else none. Each item is about one thing: the topic library's heads, which read whole sentences and
    clauses, found service in "Great food, rude waiter." but not food (0.18 against 0.96 for "Great food. Rude
    waiter."), and the topics' sentiment read the one clause for both. Longer or one-word items ("fresh, delicious
    and reasonably priced") are left whole: cutting at every comma and "and" lost precision (SemEval tune items
    1500-2300: micro-F1 0.906 -> 0.850); this narrow cut changed no held-out sentence and fixed the README's case."""
    parts = [p.strip(" .!?;:") for p in clause.split(",")]
    if not 2 <= len(parts) <= 4 or any(not 2 <= len(p.split()) <= 4 for p in parts):
        return []
    return parts


def _fragments(clause: str) -> list[str]:
    """A clause's pieces between commas, "and", "with", "but" (at least 2 words each; none when the
    clause does not split): "fresh, delicious and reasonably priced" -> [..., "reasonably priced"]."""
    parts = [f.strip(" .!?,;:-()") for f in _FRAGMENT_CUT_RE.split(clause)]
    parts = [f for f in parts if len(f.split()) >= 2]
    return parts if len(parts) > 1 else []


def content_words(text: str) -> list[str]:
    """The distinct content words of a text (lowercased, no stopwords, at least 3 letters), in order."""
    words = (w.lower().strip("'-") for w in _WORD_RE.findall(text or ""))
    return list(dict.fromkeys(w for w in words if len(w) > 2 and w not in _STOPWORDS))[:MAX_WORDS]


def _encode_words(embedder: Any, words: list[str]) -> np.ndarray:
    """Embeddings of single words, cached per process (a review vocabulary repeats a lot)."""
    key = id(embedder)
    missing = [w for w in dict.fromkeys(words) if (key, w) not in _word_cache]
    if missing:
        if len(_word_cache) > 200_000:
            _word_cache.clear()
        for w, v in zip(missing, embedder.encode(missing)):
            _word_cache[(key, w)] = v
    if not words:
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([_word_cache[(key, w)] for w in words]).astype(np.float32)


def _gaps(scores: np.ndarray) -> np.ndarray:
    """Per column j: scores[j] minus the best other column (0 with a single column)."""
    n = scores.shape[0]
    if n < 2:
        return np.zeros(n, dtype=np.float32)
    order = np.argsort(-scores)
    best, second = scores[order[0]], scores[order[1]]
    return np.where(np.arange(n) == order[0], best - second, scores - best).astype(np.float32)


def _row_gaps(matrix: np.ndarray) -> np.ndarray:
    """Per topic: the largest margin by which one row (clause, fragment, word) prefers it to every other topic."""
    n_rows, n = matrix.shape
    if n_rows == 0 or n < 2:
        return np.zeros(n, dtype=np.float32)
    top2 = np.sort(matrix, axis=1)[:, -2:]
    best_other = np.where(matrix >= top2[:, [1]], top2[:, [0]], top2[:, [1]])
    return (matrix - best_other).max(axis=0).astype(np.float32)


def _evidence(pieces: np.ndarray, words: np.ndarray, protos: _Prototypes) -> np.ndarray:
    """(n_topics, N_EVIDENCE) embedding features of one text: its clauses and fragments against all
    prototypes (top-3 mean) and against the "name: description" line alone; its content words against the
    topic phrases. For each: the best score, its gap to the best other topic, the best per-row margin."""
    n = len(protos.names)
    if pieces.shape[0] == 0:
        return np.zeros((n, N_EVIDENCE), dtype=np.float32)
    s_all = clause_topic_similarity(pieces, protos, TOP_K, with_phrases=True)
    s_desc = np.stack([pieces @ p[0] for p in protos.vectors], axis=1)
    cols = []
    for m in (s_all, s_desc):
        best = m.max(axis=0)
        cols += [best, _gaps(best), _row_gaps(m)]
    if words.shape[0]:
        w = np.stack([(words @ ph.T).max(axis=1) for ph in protos.phrases], axis=1)
        best = w.max(axis=0)
        cols += [best, _gaps(best), _row_gaps(w)]
    else:
        cols += [np.zeros(n, dtype=np.float32)] * 3
    return np.stack(cols, axis=1).astype(np.float32)


def _analyse_clauses(texts: Sequence[str], taxonomy: Taxonomy, embedder: Any,
                     sentences: bool = False) -> list[_TextClauses]:
    """Clauses, their similarities and the evidence per text; with `sentences`, also the sentence vectors
    the topic library's heads read."""
    protos = _prototypes(taxonomy, embedder)
    per_text: list[tuple[list[tuple[int, int]], list[str], list[str], list[str], list[tuple[int, str]], list[str]]] = []
    flat: list[str] = []
    for t in texts:
        t = t or ""
        spans = split_clauses(t)[:MAX_CLAUSES] or ([(0, min(len(t), MAX_CLAUSE_CHARS))] if t.strip() else [])
        clauses = [t[s:e] for s, e in spans]
        frags = [f for c in clauses for f in _fragments(c)][:MAX_FRAGMENTS]
        # sentences for the topic library's heads (most are also a clause: the embedder encodes each once)
        sents = [t[s:e][:MAX_CLAUSE_CHARS] for s, e in split_sentences(t)[:MAX_CLAUSES]] if clauses and sentences else []
        items = [(k, item) for k, c in enumerate(clauses) for item in list_items(c)]
        per_text.append((spans, clauses, frags, sents, items, content_words(" ".join(clauses))))
        flat.extend(clauses + frags + sents + [item for _, item in items])
    n_topics = len(protos.names)
    vecs = embedder.encode(flat) if flat else np.zeros((0, 1), dtype=np.float32)
    _encode_words(embedder, [w for *_, words in per_text for w in words])  # one batch for all texts
    out, pos = [], 0
    for spans, clauses, frags, sents, items, words in per_text:
        n, m, k, q = len(clauses), len(frags), len(sents), len(items)
        cv = vecs[pos:pos + n]
        sims = clause_topic_similarity(cv, protos, TOP_K) if n else np.zeros((0, n_topics), dtype=np.float32)
        evidence = _evidence(vecs[pos:pos + n + m], _encode_words(embedder, words), protos)
        iv = vecs[pos + n + m + k:pos + n + m + k + q]
        sv = np.concatenate([vecs[pos + n + m:pos + n + m + k], cv, iv]) if sentences else None
        out.append(_TextClauses(spans, clauses, sims, evidence, sv,
                                sents + clauses + [item for _, item in items] if sentences else None,
                                items, clause_topic_similarity(iv, protos, TOP_K) if q else None))
        pos += n + m + k + q
    return out


def _topic_text(tc: _TextClauses, j: int, full_text: str, others: Sequence[int] = ()) -> str:
    """The clauses of one text that talk about topic j (at least the most similar one); of a clause that is a
    list of remarks ("Great food, rude waiter"), the item closer to j than to the text's `others` topics."""
    if not tc.clauses:
        return full_text
    col = tc.sims[:, j]
    best = float(col.max())
    keep = [i for i in range(len(tc.clauses)) if col[i] >= max(CANDIDATE_SIM, best - 0.08)] or [int(col.argmax())]
    return " ".join(_list_item_about(tc, i, j, others) for i in keep[:4])


def _list_item_about(tc: _TextClauses, i: int, j: int, others: Sequence[int]) -> str:
    """Clause i, or the one of its list items most about topic j when it is a list and the text has other topics."""
    rows = [r for r, (k, _) in enumerate(tc.items or ()) if k == i]
    if not rows or not others or tc.item_sims is None:
        return tc.clauses[i]
    r = max(rows, key=lambda r: float(tc.item_sims[r, j]))
    mine = float(tc.item_sims[r, j])
    return tc.items[r][1] if all(mine > float(tc.item_sims[r, o]) for o in others) else tc.clauses[i]


def _choose(sims: np.ndarray, boost: np.ndarray | None, bar: float, specific: list[int],
            other_j: int | None) -> list[int]:
    """Topics of one text from its clause x topic similarities (plus a per-topic LLM boost): the rule
    used when the calibration file is missing."""
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
# The topics of a text are decided by a tiny logistic regression over taxonomy-agnostic features of each
# (text, topic) pair (`pair_features`: the embedding evidence above, the LLM's probability when asked,
# an "is other" indicator), so it works for any taxonomy, also one whose topics are only a name and a
# line. Two models: "hybrid" (with the LLM's topic distribution) and "embed" (without it: no backend, or
# a text the caller did not send to the LLM). Fit by bench/train_topic_calibration.py on a SemEval-2014
# tune split, with topics written as one line each (held-out figures in bench/RESULTS-eval.md); shipped
# as numbers in analysis/data/topic_calibration.json.
CALIBRATION_PATH = Path(__file__).resolve().parent / "data" / "topic_calibration.json"
FEATURES_VERSION = "topics-v3"
N_FEATURES = {"embed": 5 + N_EVIDENCE, "hybrid": 9 + N_EVIDENCE}  # pair_features without / with the LLM
_calibration: dict | None = None


def pair_features(evidence: np.ndarray, dist: np.ndarray | None, other_j: int | None) -> np.ndarray:
    """(n_topics, d) features of one text's topics: `evidence` (n_topics, N_EVIDENCE, from the
    embeddings), `dist` (n_topics, the LLM's probabilities; None when the LLM was not asked)."""
    n = evidence.shape[0]
    is_o = np.zeros(n, dtype=np.float32)
    if other_j is not None:
        is_o[other_j] = 1.0
    cols = [np.ones(n, dtype=np.float32), is_o, is_o * evidence[:, 0]]
    spec = [j for j in range(n) if j != other_j]  # "other" also looks at the best specific topic
    cols += [is_o * float(evidence[spec, 0].max()) if spec else np.zeros(n, dtype=np.float32),
             is_o * float(evidence[spec, 6].max()) if spec else np.zeros(n, dtype=np.float32)]
    if dist is not None:
        p = np.asarray(dist, dtype=np.float32)
        cols += [p, _gaps(p), np.log(np.maximum(p, 1e-4)), is_o * p]
    return np.concatenate([np.stack(cols, axis=1), evidence], axis=1).astype(np.float32)


def load_calibration() -> dict | None:
    """The shipped calibration ({"hybrid": {coef, threshold}, "embed": {coef, threshold}}); None when the
    file is missing or made for other features (then the fallback rules decide)."""
    global _calibration
    if _calibration is None and CALIBRATION_PATH.is_file():
        import json

        raw = json.loads(CALIBRATION_PATH.read_text(encoding="utf-8"))
        if raw.get("features") != FEATURES_VERSION or any(len(raw.get(k, {}).get("coef", [])) != d
                                                          for k, d in N_FEATURES.items()):
            log.warning("%s was made for other features (%s); using the fallback rule", CALIBRATION_PATH,
                        raw.get("features"))
            return None
        _calibration = {k: {"coef": np.asarray(raw[k]["coef"], dtype=np.float32),
                            "threshold": float(raw[k]["threshold"])} for k in N_FEATURES}
    return _calibration


def calibrated_choose(features: np.ndarray, model: dict) -> list[int]:
    """Topics whose calibrated probability passes the model's threshold (at least the most probable one)."""
    return _choose_above(1.0 / (1.0 + np.exp(-(features @ model["coef"]))), model["threshold"])


def _choose_above(prob: np.ndarray, bar: float) -> list[int]:
    """The topics whose probability reaches `bar`, else the most probable one."""
    return [j for j in range(len(prob)) if prob[j] >= bar] or [int(prob.argmax())]


# ------------------------------------------------------------------------------------- public API
SentimentFn = Callable[[list[str]], list[str]]


def _rule_proba(tcs: Sequence[_TextClauses], other_j: int | None, model: dict,
                dist: np.ndarray | None = None) -> np.ndarray:
    """(n_texts, n_topics): the calibrated rule's probabilities (0 for a text without clauses)."""
    n = tcs[0].evidence.shape[0] if tcs else 0
    out = np.zeros((len(tcs), n), dtype=np.float32)
    for i, tc in enumerate(tcs):
        if tc.clauses:
            z = pair_features(tc.evidence, None if dist is None else dist[i], other_j) @ model["coef"]
            out[i] = 1.0 / (1.0 + np.exp(-z))
    return out


def _decided_proba(tcs: Sequence[_TextClauses], other_j: int | None, cal: dict, use: Any,
                   asked: Sequence[int] = (), dist: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(n_texts, n_topics) probabilities and the bar of each text they are decided by: the calibrated rule,
    "hybrid" for the texts the LLM was asked about (`asked`, its distribution `dist`), else "embed", each
    with its own bar; topics the topic library knows (`use`) take its heads' probability (they read the
    "embed" one), on the same bar."""
    embed = _rule_proba(tcs, other_j, cal["embed"])
    prob = embed.copy()
    bar = np.full(len(tcs), cal["embed"]["threshold"], dtype=np.float32)
    if len(asked):
        prob[asked] = _rule_proba([tcs[i] for i in asked], other_j, cal["hybrid"], dist[asked])
        bar[asked] = cal["hybrid"]["threshold"]
    if use is not None:
        lib = topic_library.apply(use, [tc.sentence_vecs for tc in tcs], [tc.sentence_texts for tc in tcs], embed, bar)
        cols = list(use.heads)
        prob[:, cols] = lib[:, cols]
    return prob, bar


def _library_use(taxonomy: Taxonomy, embedder: Any, sharp: bool) -> Any:
    """The topic library's heads for this taxonomy (analysis.topic_library), or None (also without the
    calibration: the heads read the calibrated rule's probability). `sharp`: the heads that read
    all-mpnet-base-v2 too, when it is installed."""
    return topic_library.use_for(taxonomy, embedder, sharp=sharp) if load_calibration() is not None else None


def topic_scores(texts: Sequence[str], taxonomy: Taxonomy, embedder: Any = None, *, sharp: bool = True) -> np.ndarray:
    """(n_texts, n_topics): how likely each text is about each topic of `taxonomy`, as classify_topics
    decides without the LLM (the calibrated "embed" probability, or the topic library's head mapped onto
    its scale; compare with `score_threshold()`).
    Without the calibration file: the best prototype similarity (description, examples, phrases)."""
    n = len(taxonomy.names)
    if not len(texts):
        return np.zeros((0, n), dtype=np.float32)
    embedder = _resolve_embedder(embedder)
    use = _library_use(taxonomy, embedder, sharp)
    tcs = _analyse_clauses([t if isinstance(t, str) else "" for t in texts], taxonomy, embedder, use is not None)
    cal = load_calibration()
    if cal is None:
        return np.stack([tc.evidence[:, 0] if tc.clauses else np.zeros(n, dtype=np.float32) for tc in tcs])
    other_j = taxonomy.names.index(OTHER) if OTHER in taxonomy.names else None
    return _decided_proba(tcs, other_j, cal, use)[0]


def score_threshold() -> float:
    """The bar a `topic_scores` value must reach for classify_topics to keep the topic (without the LLM)."""
    cal = load_calibration()
    return cal["embed"]["threshold"] if cal is not None else EMBED_ONLY_BAR


def _use_llm_mask(use_llm: Sequence[bool] | bool, n: int) -> list[bool]:
    if isinstance(use_llm, (bool, np.bool_)):
        return [bool(use_llm)] * n
    mask = [bool(x) for x in use_llm]
    if len(mask) != n:
        raise ValueError(f"use_llm has {len(mask)} values for {n} texts")
    return mask


def _sentiments(backend: Any, segments: list[str], max_chars: int, sentiment_fn: SentimentFn | None) -> list[str]:
    """Labels of segments from `sentiment_fn` when given (checked), else clause_sentiment."""
    if sentiment_fn is None or not segments:
        return clause_sentiment(backend, segments, max_chars)
    labels = list(sentiment_fn(list(segments)))
    if len(labels) != len(segments):
        raise ValueError(f"sentiment_fn returned {len(labels)} labels for {len(segments)} texts")
    return [lab if lab in ("positive", "neutral", "negative") else "neutral" for lab in labels]


def classify_topics(backend: Any, texts: list[str], taxonomy: Taxonomy, *, embedder: Any = None,
                    method: str = "auto", max_chars: int = 2000, use_llm: Sequence[bool] | bool = True,
                    sentiment_fn: SentimentFn | None = None, sharp: bool = True) -> list[list[TopicMention]]:
    """Multi-label topics of each text, each with its own sentiment.

    method: "auto" (hybrid when a backend is given, else embeddings), "hybrid" (embeddings plus the
    LLM's topic distribution), "embed" (embeddings only), "llm" (the LLM's topic distribution alone,
    for comparison).
    use_llm: per text (or for all), whether the hybrid asks the LLM for its topic distribution; a text
    with False is decided from the embeddings alone (one LLM call fewer per text).
    sentiment_fn: labels (positive/neutral/negative) for a list of texts, used for each topic's
    clauses; None: the LLM (analysis.sentiment) with a backend, a small lexicon without.
    sharp: topics the topic library knows may use its detectors that read all-mpnet-base-v2 too (when
    installed; more accurate, ~15 ms more per sentence on 2 CPU cores); False: the MiniLM ones.
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
    ask = _use_llm_mask(use_llm, len(texts))
    embedder = _resolve_embedder(embedder)
    names = taxonomy.names
    specific = [j for j, n in enumerate(names) if n != OTHER]
    other_j = names.index(OTHER) if OTHER in names else None
    use = _library_use(taxonomy, embedder, sharp) if method != "llm" else None
    tcs = _analyse_clauses(texts, taxonomy, embedder, use is not None)

    live = [i for i, tc in enumerate(tcs) if tc.clauses]
    asked = [i for i in live if ask[i]] if method != "embed" else []
    dist = np.zeros((len(texts), len(names)), dtype=np.float32)
    if asked:
        dist[asked] = llm_topic_distribution(backend, [texts[i] for i in asked], taxonomy, max_chars)
    asked_set = set(asked)
    cal = load_calibration()
    prob = bar = None
    if cal is not None and method != "llm":
        prob, bar = _decided_proba(tcs, other_j, cal, use, asked, dist)
    chosen: list[list[int]] = [[] for _ in texts]
    for i in live:
        if method == "llm" and i in asked_set:
            p = dist[i]
            chosen[i] = sorted({int(p.argmax())} | {j for j in specific if p[j] >= 0.3})
            chosen[i] = [j for j in chosen[i] if j != other_j]
        elif prob is not None:
            chosen[i] = _choose_above(prob[i], bar[i])
        elif i in asked_set:
            chosen[i] = _choose(tcs[i].sims, LLM_WEIGHT * dist[i], HYBRID_BAR, specific, other_j)
        else:
            chosen[i] = _choose(tcs[i].sims, None, EMBED_ONLY_BAR, specific, other_j)
        if not chosen[i] and other_j is not None:
            chosen[i] = [other_j]

    # sentiment per (text, topic), from the topic's own clauses
    jobs: list[tuple[int, int, str]] = []
    for i, js in enumerate(chosen):
        for j in js:
            seg = texts[i] if j == other_j or len(js) == 1 else _topic_text(tcs[i], j, texts[i],
                                                                          [o for o in js if o not in (j, other_j)])
            jobs.append((i, j, seg))
    labels = _sentiments(backend, [seg for _, _, seg in jobs], max_chars, sentiment_fn)
    out: list[list[TopicMention]] = [[] for _ in texts]
    for (i, j, _), lab in zip(jobs, labels):
        out[i].append(TopicMention(topic=names[j], sentiment=lab))
    return out


def topic_sentiments(backend: Any, texts: list[str], topics_per_text: list[list[str]], taxonomy: Taxonomy,
                     *, embedder: Any = None, max_chars: int = 2000,
                     sentiment_fn: SentimentFn | None = None) -> list[dict[str, str]]:
    """The sentiment of given topics in each text ({topic: label}), from each topic's own clauses.

    sentiment_fn: labels (positive/neutral/negative) for a list of texts; None: the LLM
    (analysis.sentiment) with a backend, a small lexicon without."""
    embedder = _resolve_embedder(embedder)
    names = taxonomy.names
    tcs = _analyse_clauses(texts, taxonomy, embedder)
    jobs = []
    for i, ts in enumerate(topics_per_text):
        for name in ts:
            if name not in names:
                continue
            j = names.index(name)
            others = [names.index(o) for o in ts if o in names and o not in (name, OTHER)]
            seg = texts[i] if name == OTHER or len(ts) == 1 else _topic_text(tcs[i], j, texts[i], others)
            jobs.append((i, name, seg))
    labels = _sentiments(backend, [seg for _, _, seg in jobs], max_chars, sentiment_fn)
    out: list[dict[str, str]] = [{} for _ in texts]
    for (i, name, _), lab in zip(jobs, labels):
        out[i][name] = lab
    return out
