"""Which topics preset the reviews read like: a hint when another preset fits them much better than the one set.

Restaurant reviews analyzed with the default (a shop's) topics get "packaging" for a burnt pizza, and reply
drafts that apologize for it; the user only has to set `[analysis] topics_preset = "restaurants"`, if they
know it exists. Each review (a sample of up to SAMPLE) is embedded once (MiniLM, as the topics are) and
compared with every preset's topics: their names with descriptions and their examples. A preset's fit is the
mean over the reviews of the best similarity to one of its topics. Another preset is suggested when its fit
beats the one set by at least MIN_MARGIN and it fits at least MIN_SHARE of the reviews better than the one set.

Measured (bench/RESULTS.md, stop 32; `bench/bench_preset_fit.py`): fits (products / restaurants / apps / hotels)
of the demo shop's reviews .445 / .288 / .301 / .285; the bundled trattoria reviews .302 / .469 / .203 / .390,
app reviews .318 / .215 / .440 / .231, hotel reviews .284 / .423 / .218 / .506; SemEval-2014 restaurant
sentences three to a review .275 / .424 / .201 / .412 (restaurants under "products", nothing under
"restaurants"); laptop sentences .340 / .210 / .343 / .241 (a tie of products and apps: no hint under
"products").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .taxonomy import OTHER, PRESETS

SAMPLE = 300         # reviews looked at (the first of the run)
MIN_TEXTS = 10       # fewer reviews say too little
MIN_MARGIN = 0.06    # the better preset's fit over the one set
MIN_SHARE = 0.5      # ... and the share of reviews it fits best

_phrases_cache: dict[int, dict[str, np.ndarray]] = {}


def _preset_vectors(embedder: Any) -> dict[str, np.ndarray]:
    """Per preset (not "none"), the unit vectors of its topics' "name: description" and examples."""
    key = id(embedder)
    if key not in _phrases_cache:
        out = {}
        for name, topics in PRESETS.items():
            mine = [t for t in topics if t.name != OTHER]
            if not mine:
                continue
            phrases = [f"{t.name.replace('_', ' ')}: {t.description}" for t in mine]
            phrases += [e for t in mine for e in t.examples]
            out[name] = np.asarray(embedder.encode(phrases), dtype=np.float32)
        _phrases_cache[key] = out
    return _phrases_cache[key]


def _best(texts: Sequence[str], embedder: Any) -> dict[str, np.ndarray]:
    """preset -> each text's best similarity to one of its topics, over the first SAMPLE texts."""
    # whole texts, as the analysis embedded them (the embedder remembers their vectors: no second embedding)
    sample = [t for t in texts if t and t.strip()][:SAMPLE]
    if not sample:
        return {}
    vecs = np.asarray(embedder.encode(sample), dtype=np.float32)
    return {name: (vecs @ m.T).max(axis=1) for name, m in _preset_vectors(embedder).items()}


def _fits(best: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """`preset_fits` of the similarities `_best` found."""
    if not best:
        return {}
    stack = np.stack(list(best.values()))
    wins = np.bincount(stack.argmax(axis=0), minlength=len(best)) / stack.shape[1]
    return {name: (float(v.mean()), float(wins[i])) for i, (name, v) in enumerate(best.items())}


def preset_fits(texts: Sequence[str], embedder: Any) -> dict[str, tuple[float, float]]:
    """preset -> (fit: mean best similarity, share of the texts it fits best of all presets)."""
    return _fits(_best(texts, embedder))


def better_preset(texts: Sequence[str], current: str, embedder: Any) -> tuple[str, dict] | None:
    """(the preset the texts read like, the fits) when it fits them clearly better than `current`: its fit is
    MIN_MARGIN higher and it fits at least MIN_SHARE of the texts better than `current` does (a share of its
    own, not of all presets: restaurant reviews fit the hotels preset's breakfast and staff too). None
    otherwise, for fewer than MIN_TEXTS texts, and for "none" (a taxonomy of the user's own)."""
    if current not in PRESETS or current == "none" or sum(1 for t in texts if t and t.strip()) < MIN_TEXTS:
        return None
    best = _best(texts, embedder)
    if current not in best:
        return None
    name = max(best, key=lambda k: float(best[k].mean()))
    fits = _fits(best)  # the same similarities, not computed again
    beats = float((best[name] > best[current]).mean())
    if name != current and float(best[name].mean() - best[current].mean()) >= MIN_MARGIN and beats >= MIN_SHARE:
        return name, fits
    return None


def hint(name: str) -> str:
    """What to tell the user."""
    kind = {"restaurants": "restaurant (or café, bar) reviews", "apps": "reviews of an app or software",
            "hotels": "hotel (or holiday let) reviews",
            "products": "reviews of products bought in a shop"}.get(name, f"{name} reviews")
    return (f"these reviews read like {kind}: for topics that fit them, set `[analysis] topics_preset = "
            f"\"{name}\"` in reviewlens.toml (then `reviewlens analyze` reads them again)")
