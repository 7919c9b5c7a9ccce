"""The KV cache of a task's prompt frame kept on disk, so that a new process does not compute it again.

Every task prompt starts with the same frame (system prompt + few-shot examples, ~400 tokens); the
local backend computes its KV cache once per process (analysis.backends.local). On a CPU without native
bf16 that forward pass takes 1-1.5 s of each `reviewlens analyze` run (bench/RESULTS-analysis.md); loading
the ~10 MB of saved tensors takes milliseconds and gives exactly the same tensors.

A file is named after everything its tensors depend on: the model's files (path, size and modification
time of each), the precision, the device, the torch and transformers versions and the frame's token ids.
Change any of them and a new file is written. Unreadable or mismatched files are ignored (and replaced);
at most `KEEP` files are kept (the oldest go). `REVIEWLENS_KV_CACHE=0` turns the store off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEEP = 16  # frame files kept (each ~10 MB for the 0.5B in fp32)


def enabled() -> bool:
    return os.environ.get("REVIEWLENS_KV_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def kv_dir() -> Path:
    """`$REVIEWLENS_CACHE/kv` (or ~/.cache/reviewlens/models/kv beside the converted models)."""
    from analysis.models import cache_root

    return cache_root() / "kv"


def model_fingerprint(path: str | os.PathLike[str]) -> list[Any]:
    """Name, size and mtime of each file of a model folder (or of one model file)."""
    p = Path(path)
    files = sorted(f for f in p.iterdir() if f.is_file()) if p.is_dir() else [p]
    return [[str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns] for f in files]


def frame_key(model_path: str, precision: str, device: str, prefix: Sequence[int]) -> str:
    import torch
    import transformers

    ident = {"model": model_fingerprint(model_path), "precision": precision, "device": device,
             "torch": torch.__version__, "transformers": transformers.__version__, "prefix": list(prefix)}
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode("utf-8")).hexdigest()[:32]


def load(key: str, n_tokens: int, config: Any) -> Any | None:
    """The saved DynamicCache for `key`, or None (missing, unreadable or of another length)."""
    path = kv_dir() / f"{key}.pt"
    if not path.is_file():
        return None
    try:
        import torch
        from transformers import DynamicCache

        layers = torch.load(path, map_location="cpu", weights_only=True)
        if not layers or any(k.shape[-2] != n_tokens or v.shape != k.shape for k, v in layers):
            raise ValueError("tensors of another shape")
        cache = DynamicCache(ddp_cache_data=[(k, v) for k, v in layers], config=config)
        os.utime(path)  # recently used: kept longest
        return cache
    except Exception as e:  # noqa: BLE001 - a bad file only costs the recomputation
        log.warning("ignoring the saved prompt-frame KV cache %s (%s: %s); computing it again",
                    path, type(e).__name__, e)
        return None


def save(key: str, cache: Any) -> None:
    """Write the cache's tensors atomically (a crash never leaves a half-written file under the name)."""
    try:
        import torch

        d = kv_dir()
        d.mkdir(parents=True, exist_ok=True)
        layers = [(k.detach().contiguous(), v.detach().contiguous()) for k, v, *_ in cache]
        fd, tmp = tempfile.mkstemp(dir=d, suffix=".part")
        os.close(fd)
        try:
            torch.save(layers, tmp)
            os.replace(tmp, d / f"{key}.pt")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        _prune(d)
    except Exception as e:  # noqa: BLE001 - saving is an optimization only
        log.debug("could not save the prompt-frame KV cache: %s: %s", type(e).__name__, e)


def _prune(d: Path) -> None:
    files = sorted(d.glob("*.pt"), key=lambda f: f.stat().st_mtime, reverse=True)
    for f in files[KEEP:]:
        try:
            f.unlink()
        except OSError:
            pass
