"""The cascade's routing: the head decides what it is sure of, the LLM the rest; labels win and teach.

The LLM here is a recorder (the real LLM's sentiment is tested in test_sentiment.py): what matters is
which texts reach it. The head and the embeddings are the real packaged ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis import heads
from analysis.cascade import SentimentCascade
from reviewlens.schema import Label

CLEAR = ["Absolutely wonderful, the best kettle I have ever owned!",
         "Terrible. It broke after two days and support ignored me.",
         "I love it, fantastic quality and fast delivery."]
HARD = ["It is a kettle.", "Well, it does what it says, I guess, mostly."]


class RecordingLLM:
    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, texts):
        self.seen.extend(texts)
        return [("neutral", 0.55) for _ in texts]


def _cascade(embedder, **kw):
    llm = RecordingLLM()
    return SentimentCascade.build(llm, embedder, **{"confidence": 0.7, "thorough": False, **kw}), llm


def test_clear_texts_stay_with_the_head_and_only_unsure_ones_reach_the_llm(embedder):
    cas, llm = _cascade(embedder)
    out = cas.decide(CLEAR + HARD)
    assert [d[0] for d in out[:3]] == ["positive", "negative", "positive"]
    assert all(d[2] == "head" and d[1] >= 0.7 for d in out[:3])
    assert set(llm.seen) <= set(HARD) and llm.seen  # the unsure ones, and only those
    for text, d in zip(CLEAR + HARD, out):
        assert (d[2] == "llm") == (text in llm.seen)


def test_thorough_and_zero_confidence(embedder):
    cas, llm = _cascade(embedder, thorough=True)
    assert [d[2] for d in cas.decide(CLEAR)] == ["llm"] * 3 and llm.seen == CLEAR
    assert cas.version() == "llm"
    cas, llm = _cascade(embedder, confidence=0.0)
    assert {d[2] for d in cas.decide(CLEAR + HARD)} == {"head"} and llm.seen == []


def test_a_labelled_text_reports_its_label(embedder):
    text = "Absolutely wonderful, the best kettle I have ever owned!"
    lab = Label(content_hash="", text=text, kind="sentiment", value="negative", source="test")
    cas, llm = _cascade(embedder, labels=[lab])
    assert cas.decide([text]) == [("negative", 1.0, "label")]
    assert llm.seen == []


def test_labels_teach_the_head_and_change_the_version(embedder):
    """Sarcasm the packaged head reads as praise: a few labelled examples move similar texts."""
    taught = ["Oh great, another charger that died in a week. Just perfect.",
              "Wonderful, the strap snapped on day one. Exactly what I wanted.",
              "Fantastic, it arrived broken. Love that for me.",
              "Brilliant, the app crashes every time I open it. Amazing work."]
    probe = "Perfect, the zipper broke the first time I used it. Great job."
    base, _ = _cascade(embedder, confidence=0.0)
    before = base.head.proba(heads.features([probe], embedder))[0][heads.LABELS.index("negative")]
    labels = [Label(content_hash="", text=t, kind="sentiment", value="negative") for t in taught]
    learned, _ = _cascade(embedder, confidence=0.0, labels=labels)
    after = learned.head.proba(heads.features([probe], embedder))[0][heads.LABELS.index("negative")]
    assert after > before + 0.1
    assert learned.version() != base.version()
    # plain praise is still praise: the labels moved the head, not everything
    assert learned.decide(["I love it, fantastic quality and fast delivery."])[0][0] == "positive"


def test_adapt_head_follows_many_labels_and_ignores_unknown_ones():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5)).astype(np.float32)
    y = ["positive" if x[0] > 0 else "negative" for x in X]
    prior = heads.Head(heads.LABELS, np.zeros((3, 5), np.float32), np.zeros(3, np.float32), {})
    fitted = heads.adapt_head(prior, X, y + [])
    acc = np.mean([p == t for (p, _), t in zip(fitted.predict(X), y)])
    assert acc > 0.9
    assert heads.adapt_head(prior, X[:2], ["bogus", "also-bogus"]) is prior


@pytest.mark.parametrize("bad", [-0.1, 1.5, "high"])
def test_confidence_setting_is_checked(bad):
    from reviewlens.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="confidence"):
        load_settings(None, **{"analysis.confidence": bad})
