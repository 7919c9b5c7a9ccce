"""The CPU paths of the local backend: the int8 precision (accepted, validated, same answers as fp32) and the
memoized prompt prefix (reused by every later call of a task, whatever its size, with the same scores)."""

from __future__ import annotations

import pytest

from analysis.backends.base import BackendError
from analysis.backends.local import LocalBackend, effective_precision
from analysis.sentiment import DEFAULT_CALIBRATION, combine, label_logprobs, vader_scores

TEXTS = ["The food was cold and the waiter was rude.",
         "Absolutely loved it, best pizza in town! Friendly staff too, we will be back for sure.",
         "We went there on a Tuesday.",
         "Terrible.",
         "The service was a bit slow but the pasta made up for it.",
         "Not worth the money, the portions were tiny."]
# int8 (dynamic, per-tensor; down projections and the output head in fp32) against fp32: on the 79 held-out
# texts the cascade sends to the LLM the label log-probs moved by at most 1.2 and 9 answers changed
# (bench/RESULTS-analysis.md); on these clear texts the calibrated labels are the same.
INT8_TOL = 1.5


def test_int8_is_a_known_precision_and_cpu_only():
    assert effective_precision("int8", "cpu") == "int8"
    assert effective_precision("INT8", "cpu") == "int8"
    with pytest.raises(BackendError, match="CPU only"):
        effective_precision("int8", "cuda")
    assert effective_precision("auto", "cpu") in ("bf16", "fp32")  # int8 is opt-in (it changes answers)


def test_int8_accepted_by_the_settings_and_the_command_line(tmp_path):
    from reviewlens.app.parser import build_parser
    from reviewlens.config import ConfigError, load_settings

    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text('[analysis]\nprecision = "int8"\n', encoding="utf-8")
    assert load_settings(cfg).analysis.precision == "int8"
    cfg.write_text('[analysis]\nprecision = "int4"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="fp32, int8"):
        load_settings(cfg)
    assert build_parser().parse_args(["analyze", "--precision", "int8"]).precision == "int8"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["analyze", "--precision", "int4"])


@pytest.fixture(scope="module")
def fp32():
    b = LocalBackend("qwen2.5-coder-0.5b", precision="fp32", batch_size=4, device="cpu")
    b.load()
    yield b
    b.close()


@pytest.mark.slow
def test_int8_gives_the_labels_of_fp32(fp32):
    import torch

    b = LocalBackend("qwen2.5-coder-0.5b", precision="int8", batch_size=4, device="cpu")
    b.load()
    try:
        assert b.precision == "int8"
        assert any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in b.model.modules())
        assert isinstance(b.model.lm_head, torch.nn.Linear)  # the output head stays fp32
        ref, got = label_logprobs(fp32, TEXTS), label_logprobs(b, TEXTS)
        for r, g in zip(ref, got):
            assert g == pytest.approx(r, abs=INT8_TOL)
        vader = vader_scores(TEXTS)
        assert ([combine(g, v, DEFAULT_CALIBRATION)[0] for g, v in zip(got, vader)]
                == [combine(r, v, DEFAULT_CALIBRATION)[0] for r, v in zip(ref, vader)])
    finally:
        b.close()


@pytest.mark.slow
def test_prompt_prefix_is_memoized_once_per_task(fp32):
    """A call of one text, and a call whose texts all begin alike, reuse the task's memoized prefix (the
    chat frame) instead of computing a prefix of their own; the scores equal a fresh, uncached backend's."""
    fp32._prefix_kv.clear()
    label_logprobs(fp32, TEXTS[:3])
    assert [len(k) for k in fp32._prefix_kv] == [len(next(iter(fp32._prefix_kv)))]
    frame = len(next(iter(fp32._prefix_kv)))
    assert frame > 100  # system prompt + the few-shot examples
    single = label_logprobs(fp32, [TEXTS[3]])
    alike = label_logprobs(fp32, [TEXTS[0], TEXTS[4]])  # both begin with "The"
    assert len(fp32._prefix_kv) == 1  # nothing new computed
    fp32.reuse_prefix = False
    try:
        plain = label_logprobs(fp32, [TEXTS[3], TEXTS[0], TEXTS[4]])
    finally:
        fp32.reuse_prefix = True
    for got, ref in zip(single + alike, plain):
        assert got == pytest.approx(ref, abs=0.02)


def test_embedder_gives_the_sentence_transformers_vectors(embedder):
    """MiniLM run with transformers directly (no sentence-transformers import: 2.8 s per process) gives the
    vectors sentence-transformers gave: mean pooling, normalized, 256 word pieces at most."""
    import numpy as np

    st = pytest.importorskip("sentence_transformers")
    from analysis.embeddings import model_path

    texts = TEXTS + ["", "😡👎", "Très bon restaurant, service impeccable.", "word " * 400]
    ref = st.SentenceTransformer(str(model_path()), device="cpu", local_files_only=True).encode(
        [t or " " for t in texts], normalize_embeddings=True, convert_to_numpy=True)
    got = embedder.encode(texts)
    assert got.shape == (len(texts), embedder.dim) == ref.shape
    assert np.abs(got - ref).max() < 1e-5
    assert embedder.model[0].auto_model is not None and embedder.model[0].tokenizer is not None  # entities reads these


def test_embedder_remembers_texts_it_embedded(embedder, monkeypatch):
    """A text embedded once is not embedded again (a short review is also its own clause); the remembered
    vectors are the computed ones, also for repeats within one call."""
    import numpy as np

    fresh = [f"A text seen only by this test, number {i}." for i in range(3)]
    first = embedder.encode([fresh[0], fresh[1], fresh[0]])
    assert np.array_equal(first[0], first[2])
    asked = []
    real = embedder._embed
    monkeypatch.setattr(embedder, "_embed", lambda texts, bs: asked.append(list(texts)) or real(texts, bs))
    again = embedder.encode([fresh[1], fresh[2], fresh[0]])
    assert asked == [[fresh[2]]]  # only the new text was computed
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[0])
    again[0] += 1.0  # the caller's array is its own
    assert np.array_equal(embedder.encode([fresh[1]])[0], first[1])
    assert np.abs(embedder._embed([fresh[2]], 64)[0] - again[1]).max() < 1e-5


@pytest.mark.slow
def test_prompt_frame_kv_cache_is_kept_on_disk(fp32, tmp_path, monkeypatch, caplog):
    """The frame's KV cache is written once, then read back by a new process (here: the memo cleared)
    with exactly the same scores; a damaged file is ignored, recomputed and replaced."""
    from analysis.backends import kvstore

    monkeypatch.setattr(kvstore, "kv_dir", lambda: tmp_path)
    fp32._prefix_kv.clear()
    first = label_logprobs(fp32, TEXTS[:3])
    files = list(tmp_path.glob("*.pt"))
    assert len(files) == 1 and files[0].stat().st_size > 1_000_000  # the frame only, not other shared prefixes
    fp32._prefix_kv.clear()
    calls = []
    monkeypatch.setattr(kvstore, "save", lambda *a: calls.append(a))
    assert label_logprobs(fp32, TEXTS[:3]) == first  # read from disk: the same tensors, the same scores
    assert calls == []  # nothing computed, nothing written
    files[0].write_bytes(b"not a torch file")
    fp32._prefix_kv.clear()
    monkeypatch.undo()
    monkeypatch.setattr(kvstore, "kv_dir", lambda: tmp_path)
    with caplog.at_level("WARNING"):
        assert label_logprobs(fp32, TEXTS[:3]) == first
    assert "ignoring the saved prompt-frame KV cache" in caplog.text
    assert files[0].stat().st_size > 1_000_000  # replaced by a good one
    monkeypatch.setenv("REVIEWLENS_KV_CACHE", "0")
    assert fp32._frame_key(list(next(iter(fp32._prefix_kv)))) is None


def test_frame_key_follows_what_the_tensors_depend_on(tmp_path):
    from analysis.backends import kvstore

    model = tmp_path / "m"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"x")
    k = kvstore.frame_key(str(model), "fp32", "cpu", [1, 2, 3])
    assert k == kvstore.frame_key(str(model), "fp32", "cpu", [1, 2, 3])
    assert len({k, kvstore.frame_key(str(model), "bf16", "cpu", [1, 2, 3]),
                kvstore.frame_key(str(model), "fp32", "cpu", [1, 2, 4])}) == 3
    (model / "model.safetensors").write_bytes(b"xy")  # the weights changed
    assert kvstore.frame_key(str(model), "fp32", "cpu", [1, 2, 3]) != k


def test_sentence_encoders_run_where_torch_sees_a_gpu_or_where_asked(monkeypatch):
    """The encoders follow the GPU when there is one (on a GPU machine a CPU encoder would hold the LLM back);
    REVIEWLENS_EMBED_DEVICE overrides it, and a wrong value is a clear error before anything loads."""
    import torch

    from analysis.embeddings import default_device

    monkeypatch.delenv("REVIEWLENS_EMBED_DEVICE", raising=False)
    assert default_device() == ("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert default_device() == "cuda"
    monkeypatch.setenv("REVIEWLENS_EMBED_DEVICE", "cpu")
    assert default_device() == "cpu"
    monkeypatch.setenv("REVIEWLENS_EMBED_DEVICE", "gpu please")
    with pytest.raises(ValueError, match="REVIEWLENS_EMBED_DEVICE"):
        default_device()


@pytest.mark.slow
def test_fp32_model_runs_its_layers_in_onednn_with_torchs_answers(fp32, embedder):
    """The fp32 LLM and the sentence encoder load with oneDNN's fp32 linear (analysis.cpu_kernels: faster than
    MKL off Intel CPUs); their label log-probs and vectors are torch's own path's within fp32 rounding."""
    import numpy as np

    from analysis import cpu_kernels

    if not cpu_kernels.available():
        pytest.skip("this torch has no oneDNN fp32 linear")
    names = {type(m).__name__ for m in fp32.model.modules()}
    assert "OneDNNLinear" in names and "Linear" not in names
    assert "OneDNNLinear" in {type(m).__name__ for m in embedder.model[0].auto_model.modules()}
    got, vecs = label_logprobs(fp32, TEXTS), embedder._embed(TEXTS, 8)
    restored = cpu_kernels.restore(fp32.model), cpu_kernels.restore(embedder.model[0].auto_model)
    try:
        assert all(restored)
        ref, ref_vecs = label_logprobs(fp32, TEXTS), embedder._embed(TEXTS, 8)
    finally:
        cpu_kernels.use_onednn(fp32.model)
        cpu_kernels.use_onednn(embedder.model[0].auto_model)
    for g, r in zip(got, ref):
        assert g == pytest.approx(r, abs=1e-3)
    assert np.allclose(vecs, ref_vecs, atol=1e-4)


def test_encoder_batches_hold_a_word_piece_budget():
    """Texts are batched longest first; a batch holds at most `most` texts and, padded to its longest, at most
    `budget` word pieces (a text longer than the budget goes alone); every text is in exactly one batch."""
    from analysis.embeddings import _batches

    lengths = [5, 120, 7, 7, 300, 60, 61, 2, 2, 2, 2, 2]
    got = _batches(lengths, most=4, budget=128)
    assert sorted(i for b in got for i in b) == list(range(len(lengths)))
    assert got[0] == [4] and got[1] == [1]  # 300 alone (over the budget), 120 alone (two would be 240)
    for b in got:
        assert len(b) <= 4 and len(b) * max(lengths[i] for i in b) <= max(128, lengths[b[0]])
        assert lengths[b[0]] == max(lengths[i] for i in b)
    assert [lengths[b[0]] for b in got] == sorted((lengths[b[0]] for b in got), reverse=True)
