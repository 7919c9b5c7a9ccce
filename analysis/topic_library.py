"""Trained detectors for common topics: a topic the user writes that means one of them uses it.

The zero-label rule (analysis.topics) finds a topic written as a name and one line by similarity alone;
it cannot know that "crowded" is ambience or "we waited for a table" is service. A concept set ships what
labelled reviews of one domain taught: the "restaurants" set (food, service, price, ambience and the
`other` of that taxonomy, from SemEval-2014 restaurant reviews) has one logistic head per concept over
[the MiniLM vector of a sentence, the rule's calibrated probability of the matched topic, its log],
and a second head per concept that reads the vector of all-mpnet-base-v2's first layers too (used when
that encoder is installed and allowed: `sharp`), fitted by bench/train_topic_library.py (weights in
analysis/data/topic_library.json, plain numbers).

- Matching: a user topic matches a concept when its "name: description" line (or its name alone) is
  close to one of the concept's wordings (MiniLM cosine >= MATCH_BAR), one topic per concept. A set is
  used when at least MIN_SHARE of its concepts match (3 of 4) (the taxonomy is about that domain: a shop's "price"
  topic alone does not pull in restaurant detectors). The set's `other` head is used only when the
  taxonomy's topics are exactly its concepts (plus `other`): then "other" means what it meant in training.
- Deciding: a matched topic's probability is the head's (the best sentence of the text), mapped onto the
  rule's scale (the head's bar lands on the rule's bar), so one bar decides every topic and
  analysis.complaints reads the same scores.
- Learning: the user's labels (and examples written in reviewlens.toml) are examples of their topics, so
  they move the rule's probability, which the heads read. Adapting the heads themselves to the labels
  (heads.adapt_head) was measured and lost (bench/RESULTS-eval.md, "The topic library").
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import heads
from .taxonomy import OTHER, Taxonomy

log = logging.getLogger(__name__)

LIBRARY_PATH = Path(__file__).resolve().parent / "data" / "topic_library.json"
FEATURES = "minilm-sentence+rule-v1"  # what the heads read; bench/train_topic_library.py writes it
# cosine of a user topic to a concept wording, set by hand between what should match and what should not:
# the unseen wording D's topics ("meals: what we ate...", "cost: what it cost us") match at 0.74-0.81, the
# products and apps presets' other topics ("support", "delivery", "usability") stay at or below 0.50
MATCH_BAR = 0.6
MIN_SHARE = 0.75   # share of a set's concepts that must match for the set to be used


@dataclass
class Concept:
    name: str
    wordings: list[str]
    head: heads.Head
    sharp_head: heads.Head | None = None  # reads the mpnet vector too


@dataclass
class ConceptSet:
    name: str
    source: str
    threshold: float          # the heads' bar (chosen by cross-validation when fitted)
    concepts: list[Concept]
    other: heads.Head | None  # the set's "other" head
    sharp_threshold: float | None = None  # the same for the heads that read the mpnet vector too
    sharp_other: heads.Head | None = None
    sharp_layers: int | None = None  # the mpnet layers those heads read (analysis.sharp_encoder)
    digest: str = ""          # a hash of the file the set came from (the analysis version records it)


@dataclass
class Use:
    """How one taxonomy uses the library: topic index -> head, the heads' bar, and the second encoder
    when the heads read it."""

    set_name: str
    heads: dict[int, heads.Head]
    threshold: float
    matched: dict[str, str]  # topic name -> concept name (for the log and the analysis version)
    version: str             # the set's name and a hash of the file it came from
    encoder: Any = None      # the mpnet Embedder the heads read besides MiniLM (None: MiniLM only)


_libraries: dict[Path, list[ConceptSet]] = {}


def load_library(path: Path | None = None) -> list[ConceptSet]:
    """The concept sets of `path` (default LIBRARY_PATH, the shipped file; read once). [] when the file
    is missing, damaged or made for other features: the rule alone decides then, as before the library."""
    path = Path(path or LIBRARY_PATH)
    if path in _libraries:
        return _libraries[path]
    sets: list[ConceptSet] = []
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
            raw = json.loads(text)
            if raw.get("features") != FEATURES:
                log.warning("%s was made for other features (%s); topic detectors not used", path, raw.get("features"))
            else:
                for s in raw.get("sets", []):
                    sharp = s.get("sharp")
                    sets.append(ConceptSet(
                        name=s["name"], source=s.get("source", ""), threshold=float(s["threshold"]),
                        concepts=[Concept(c["name"], list(c["wordings"]), heads.Head.from_json(c["head"]),
                                          heads.Head.from_json(c["sharp_head"]) if sharp else None)
                                  for c in s["concepts"]],
                        other=heads.Head.from_json(s["other"]) if s.get("other") else None,
                        sharp_threshold=float(sharp["threshold"]) if sharp else None,
                        sharp_other=heads.Head.from_json(sharp["other"]) if sharp and sharp.get("other") else None,
                        sharp_layers=int(sharp["layers"]) if sharp else None, digest=digest))
        except (ValueError, KeyError, TypeError) as e:
            log.warning("%s is damaged (%s); topic detectors not used", path, e)
            sets = []
    _libraries[path] = sets
    return sets


def _line(name: str, description: str) -> str:
    return f"{name.replace('_', ' ')}: {description}" if description else name.replace("_", " ")


def match(taxonomy: Taxonomy, embedder: Any, library: Sequence[ConceptSet] | None = None
          ) -> tuple[ConceptSet, dict[int, int]] | None:
    """The concept set the taxonomy uses and its matches (topic index -> concept index), or None."""
    library = load_library() if library is None else library
    topics = [(j, t) for j, t in enumerate(taxonomy.topics) if t.name != OTHER]
    if not topics or not library:
        return None
    lines = embedder.encode([_line(t.name, t.description) for _, t in topics])
    names = embedder.encode([t.name.replace("_", " ") for _, t in topics])
    best: tuple[float, ConceptSet, dict[int, int]] | None = None
    for cs in library:
        sim = np.zeros((len(topics), len(cs.concepts)), dtype=np.float32)
        for c, concept in enumerate(cs.concepts):
            w = embedder.encode(concept.wordings)
            cname = embedder.encode([concept.name])
            sim[:, c] = np.maximum((lines @ w.T).max(axis=1), (names @ cname.T)[:, 0])
        pairs: dict[int, int] = {}
        # one topic per concept and one concept per topic, the closest pairs first
        for flat in np.argsort(-sim, axis=None):
            r, c = divmod(int(flat), sim.shape[1])
            if sim[r, c] < MATCH_BAR:
                break
            if r not in pairs and c not in pairs.values():
                pairs[r] = c
        if len(pairs) >= max(1, math.ceil(MIN_SHARE * len(cs.concepts))):
            score = float(sum(sim[r, c] for r, c in pairs.items()))
            if best is None or score > best[0]:
                best = (score, cs, {topics[r][0]: c for r, c in pairs.items()})
    return (best[1], best[2]) if best else None


def features(vecs: np.ndarray, rule_p: np.ndarray | float) -> np.ndarray:
    """What a head reads: sentence vectors with the rule's probability of the topic (and its log)."""
    vecs = np.asarray(vecs, dtype=np.float32)
    p = np.broadcast_to(np.asarray(rule_p, dtype=np.float32), (vecs.shape[0],))
    p = np.clip(p, 1e-3, 1.0)
    return np.concatenate([vecs, p[:, None], np.log(p)[:, None]], axis=1)


def _yes(head: heads.Head, X: np.ndarray) -> np.ndarray:
    return head.proba(X)[:, head.classes.index("yes")]


_use_cache: dict[tuple, Use | None] = {}


def _sharp_encoder(layers: int) -> Any:
    """The mpnet encoder's first `layers` layers, or None when it is not installed (logged by it)."""
    from . import sharp_encoder

    return sharp_encoder.get_sharp_embedder(layers) if sharp_encoder.installed() else None


def use_for(taxonomy: Taxonomy, embedder: Any, library: Sequence[ConceptSet] | None = None,
            sharp: bool = True) -> Use | None:
    """The heads this taxonomy uses, or None (cached per taxonomy). With `sharp` and the mpnet encoder
    installed, the heads that read its vector too (more accurate, ~15 ms more per sentence on 2 cores)."""
    library = load_library() if library is None else library
    key = (id(embedder), id(library), sharp, tuple((t.name, t.description) for t in taxonomy.topics))
    if key in _use_cache:
        return _use_cache[key]
    m = match(taxonomy, embedder, library)
    use = None
    if m is not None:
        cs, pairs = m
        encoder = _sharp_encoder(cs.sharp_layers) if sharp and cs.sharp_layers else None
        chosen = {j: (cs.concepts[c].sharp_head if encoder is not None else cs.concepts[c].head)
                  for j, c in pairs.items()}
        names = taxonomy.names
        specific = [j for j, n in enumerate(names) if n != OTHER]
        other = cs.sharp_other if encoder is not None else cs.other
        if other is not None and OTHER in names and set(pairs) == set(specific) and len(pairs) == len(cs.concepts):
            chosen[names.index(OTHER)] = other
        use = Use(cs.name, chosen, cs.sharp_threshold if encoder is not None else cs.threshold,
                  {names[j]: cs.concepts[c].name for j, c in pairs.items()}, f"{cs.name}:{cs.digest}", encoder)
        width = getattr(embedder, "dim", None)
        if width is not None:
            width += 2 + (encoder.dim if encoder is not None else 0)
            if any(h.coef.shape[1] != width for h in chosen.values()):
                log.warning("the %s topic detectors read vectors of another width than this embedder's (%d); "
                            "not used", cs.name, width)
                use = None
    if use is not None:
        log.info("topics use the %s detectors%s (%s)", cs.name, " with all-mpnet-base-v2" if encoder is not None else "",
                 ", ".join(f"{k} -> {v}" for k, v in use.matched.items()))
    if len(_use_cache) > 32:
        _use_cache.clear()
    _use_cache[key] = use
    return use


def fingerprint(taxonomy: Taxonomy, embedder: Any, sharp: bool = True) -> str:
    """What the analysis version records: the set used and a hash of the library file ("" when none is
    used), so a new library re-analyzes the stores whose taxonomy uses it, and nothing else."""
    return _fingerprint_of(use_for(taxonomy, embedder, sharp=sharp))


def _fingerprint_of(use: Use | None) -> str:
    if use is None:
        return ""
    name, digest = use.version.split(":")
    return (f"{name}{'+mpnet' if use.encoder is not None else ''}:{digest}:"
            + ",".join(f"{k}={v}" for k, v in sorted(use.matched.items())))


# ------------------------------------------------------------------ the fingerprint without loading MiniLM
MATCH_CACHE = "topic_matches.json"  # in analysis.models.cache_root(): fingerprints worked out before
MATCH_CACHE_SIZE = 64  # taxonomies remembered (the oldest are forgotten)


def cached_fingerprint(taxonomy: Taxonomy, load_embedder: Callable[[], Any], sharp: bool = True,
                       cache_file: Path | None = None) -> str:
    """`fingerprint`, read from a small cache file when it was worked out before for the same topics
    (names and descriptions), library file, MiniLM files and mpnet state: matching embeds the topics, so
    it needs MiniLM loaded (5-25 s on 2 cores, most of `reviewlens analyze` when nothing is pending).
    `load_embedder` is called only on a miss. A cache that cannot be read or written is skipped (debug
    log); a fingerprint worked out while mpnet failed to load is not kept (it would outlive the repair)."""
    from . import models

    path = cache_file or models.cache_root() / MATCH_CACHE
    key = _match_key(taxonomy, sharp)
    known = _read_cache(path)
    if key is not None and key in known:
        return known[key]
    use = use_for(taxonomy, load_embedder(), sharp=sharp)
    fp = _fingerprint_of(use)
    if key is not None and not (use is not None and use.encoder is None and _mpnet_expected(sharp)):
        known[key] = fp  # a miss: the newest entry, last
        _write_cache(path, dict(list(known.items())[-MATCH_CACHE_SIZE:]))
    return fp


def _mpnet_expected(sharp: bool) -> bool:
    """Whether the version should say "+mpnet": allowed, installed, and a concept set has heads for it."""
    from . import sharp_encoder

    return sharp and sharp_encoder.installed() and any(cs.sharp_layers for cs in load_library())


def _match_key(taxonomy: Taxonomy, sharp: bool) -> str | None:
    """A hash of everything a fingerprint depends on besides arithmetic, or None when a part cannot be
    read (then nothing is cached)."""
    from . import sharp_encoder
    from .embeddings import model_path

    try:
        minilm = model_path()
        files = sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in minilm.iterdir() if f.is_file())
        library = hashlib.sha256(LIBRARY_PATH.read_bytes()).hexdigest() if LIBRARY_PATH.is_file() else ""
        mpnet = sharp_encoder.state() if sharp else "off"
    except Exception as e:  # noqa: BLE001 - a missing model raises its own error when it is loaded
        log.debug("topic matches not cached (%s)", e)
        return None
    parts = {"v": 1, "bar": MATCH_BAR, "share": MIN_SHARE, "features": FEATURES, "minilm": [str(minilm), files],
             "library": library, "mpnet": mpnet,
             "topics": [[t.name, t.description] for t in taxonomy.topics]}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()[:32]


def _read_cache(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        log.debug("topic match cache %s not read (%s)", path, e)
        return {}


def _write_cache(path: Path, data: dict[str, str]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=0), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        log.debug("topic match cache %s not written (%s)", path, e)


def to_rule_scale(p: np.ndarray, threshold: float, bar: float | np.ndarray) -> np.ndarray:
    """A head's probability moved onto the rule's scale: `threshold` lands on `bar` (one, or one per
    row), order kept."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    bar = np.asarray(bar, dtype=np.float64)
    z = np.log(p / (1 - p)) - math.log(threshold / (1 - threshold)) + np.log(bar / (1 - bar))
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def apply(use: Use, sentence_vecs: Sequence[np.ndarray], sentence_texts: Sequence[Sequence[str]], rule: np.ndarray,
          bar: float | np.ndarray) -> np.ndarray:
    """`rule` (n_texts, n_topics, the rule's "embed" probabilities) with the used topics' columns replaced
    by their heads' probabilities (the best sentence or clause of each text: `sentence_vecs`, their MiniLM
    vectors, and `sentence_texts`, the pieces themselves, which the second encoder reads when the heads
    use it; a text without pieces keeps the rule's value), on the scale of `bar` (the rule's bar: one, or
    one per text)."""
    out = np.array(rule, dtype=np.float32, copy=True)
    rows = [i for i, v in enumerate(sentence_vecs) if len(v)]
    if not rows:
        return out
    owner = np.concatenate([[i] * len(sentence_vecs[i]) for i in rows])
    V = np.concatenate([sentence_vecs[i] for i in rows]).astype(np.float32)
    if use.encoder is not None:
        V = np.concatenate([V, use.encoder.encode([t for i in rows for t in sentence_texts[i]])], axis=1)
    for j, head in use.heads.items():
        p = _yes(head, features(V, rule[owner, j]))
        best = np.full(len(rule), -1.0)
        np.maximum.at(best, owner, p)
        out[rows, j] = to_rule_scale(best[rows], use.threshold, np.broadcast_to(bar, (len(rule),))[rows])
    return out
