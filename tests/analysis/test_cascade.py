"""The cascade's routing: the head decides what it is sure of, the LLM the rest; labels win and teach.

The LLM here is a recorder (the real LLM's sentiment is tested in test_sentiment.py): what matters is
which texts reach it. The head and the embeddings are the real packaged ones.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis import heads
from analysis.cascade import SentimentCascade
from reviewlens.schema import Label
from tests.helpers import RecordingLLM

CLEAR = ["Absolutely wonderful, the best kettle I have ever owned!",
         "Terrible. It broke after two days and support ignored me.",
         "I love it, fantastic quality and fast delivery."]
HARD = ["It is a kettle.", "Well, it does what it says, I guess, mostly."]


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


def test_a_store_with_labels_is_read_again_when_the_heads_learn_another_way(monkeypatch):
    """Stores whose labels turned them negative (the heads learnt one-sided labels another way) kept those readings:
    the version named the labels, not how they are learnt. Stores without labels keep their version."""
    from analysis.cascade import cascade_version

    labels = {"h1": "negative"}
    with_labels, without = cascade_version(0.8, False, labels), cascade_version(0.8, False, {})
    monkeypatch.setattr(heads, "ADAPT_VERSION", "adapt-next")
    assert cascade_version(0.8, False, labels) != with_labels
    assert cascade_version(0.8, False, {}) == without


def test_one_sided_labels_do_not_turn_praise_negative(embedder):
    """Nine "this is really negative" corrections of mixed reviews the head read as positive (an analyst
    correcting misreads) turned 125 of 210 restaurant reviews negative, 32 of 55 five-star ones: the bias and
    the all-positive hidden features moved every text toward the labelled class. Praise, mixed praise
    included, stays praise; a text like the labelled ones still moves toward their label."""
    taught = ["The pasta was good but the waiter was rude and we waited an hour for the check.",
              "Nice decor, but the food came cold and nobody apologized.",
              "The view is lovely, too bad the staff ignored us all evening.",
              "Great location, but the fish was dry and overpriced.",
              "Friendly host, yet the kitchen got two of our orders wrong.",
              "Good wine list, but the service was painfully slow.",
              "The bread was fresh, but the main courses were bland and greasy.",
              "Cute place, but the tables are crammed together and it is very loud.",
              "Dessert was fine, the rest of the meal was a disappointment."]
    praise = ["The spicy tuna and salmon are the best we've ever had, we'll be back.",
              "Great food, friendly staff, a lovely evening.",
              "Excellent pizza, the crust was perfect.",
              "The waiters were attentive and the steak was cooked just right.",
              "Delicious dumplings and fair prices, highly recommended.",
              "Lovely terrace, fresh seafood and a great wine list.",
              "Our server was wonderful and the dessert was amazing.",
              "Best brunch in town, although it gets busy on Sundays.",
              "The food was very good, the wait a little long but worth it.",
              "A fantastic meal from start to finish."]
    labels = [Label(content_hash="", text=t, kind="sentiment", value="negative") for t in taught]
    base, _ = _cascade(embedder, confidence=0.0)
    learned, _ = _cascade(embedder, confidence=0.0, labels=labels)
    assert [d[0] for d in base.decide(praise)] == ["positive"] * len(praise)
    assert [d[0] for d in learned.decide(praise)] == ["positive"] * len(praise)
    neg = heads.LABELS.index("negative")
    X = heads.features(taught, embedder)  # the labelled texts themselves lean toward their label
    assert learned.head.proba(X)[:, neg].mean() > base.head.proba(X)[:, neg].mean() + 0.05


def test_adapt_head_follows_many_labels_and_ignores_unknown_ones():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5)).astype(np.float32)
    y = ["positive" if x[0] > 0 else "negative" for x in X]
    prior = heads.Head(heads.LABELS, np.zeros((3, 5), np.float32), np.zeros(3, np.float32), {})
    fitted = heads.adapt_head(prior, X, y + [])
    acc = np.mean([p == t for (p, _), t in zip(fitted.predict(X), y)])
    assert acc > 0.9
    assert heads.adapt_head(prior, X[:2], ["bogus", "also-bogus"]) is prior


def test_mlp_head_learns_a_nonlinear_rule_round_trips_and_adapts_its_softmax_layer():
    """The packaged kind of head: an ensemble of small MLPs as one hidden layer + one softmax layer. It
    learns what a linear head cannot (XOR-like), survives JSON (float16 hidden weights), and the user's
    labels move only its softmax layer."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4)).astype(np.float32)
    y = np.where(X[:, 0] * X[:, 1] > 0, "positive", np.where(X[:, 2] > 1.0, "neutral", "negative"))
    mlp = heads.fit_mlp_head(X, y, hidden=32, alpha=1e-3, members=3)
    linear = heads.fit_head(X, y)
    acc = lambda h: np.mean([p == t for (p, _), t in zip(h.predict(X), y)])  # noqa: E731
    assert acc(mlp) > 0.85 > acc(linear) + 0.15
    assert mlp.w_hidden.shape == (3 * 32, 4) and mlp.coef.shape == (3, 3 * 32)
    back = heads.Head.from_json(json.loads(json.dumps(mlp.to_json())))
    assert np.abs(back.proba(X) - mlp.proba(X)).max() < 0.02  # float16 hidden weights
    flipped = ["negative" if t == "positive" else "positive" if t == "negative" else t for t in y[:200]]
    adapted = heads.adapt_head(back, X[:200], flipped)
    assert adapted.w_hidden is back.w_hidden and adapted.meta["adapted_on"] == 200
    assert np.mean([p == t for (p, _), t in zip(adapted.predict(X[:200]), flipped)]) > 0.6 > \
        np.mean([p == t for (p, _), t in zip(back.predict(X[:200]), flipped)])
    broken = back.to_json()
    broken["hidden"]["b"]["shape"] = [5]
    with pytest.raises(ValueError):
        heads.Head.from_json(broken)


def test_an_unreadable_head_file_sends_every_text_to_the_llm(tmp_path, caplog):
    bad = tmp_path / "head.json"
    bad.write_text('{"classes": ["positive"], "coef": "x"}')
    with caplog.at_level("WARNING"):
        assert heads.sentiment_head(bad) is None
    assert "unreadable" in caplog.text


def test_packaged_head_is_the_mlp_ensemble_and_sure_of_clear_text(embedder):
    head = heads.sentiment_head()
    assert head.meta["kind"] == "mlp-ensemble" and head.w_hidden is not None
    P = head.proba(heads.features(CLEAR + HARD, embedder))
    assert [head.classes[i] for i in P[:3].argmax(axis=1)] == ["positive", "negative", "positive"]
    assert P[:3].max(axis=1).min() > 0.8 and P[3:].max(axis=1).max() < P[:3].max(axis=1).min()


@pytest.mark.parametrize("bad", [-0.1, 1.5, "high"])
@pytest.mark.parametrize("key", ["analysis.confidence", "analysis.clause_confidence"])
def test_confidence_setting_is_checked(bad, key):
    from reviewlens.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match=key.split(".")[1]):
        load_settings(None, **{key: bad})


def test_topic_clauses_have_their_own_bar(embedder):
    """A topic's clauses go to the LLM only below the clause bar; a review keeps the review bar, and a text
    decided as a review keeps that decision as a clause."""
    cas, llm = _cascade(embedder, confidence=1.0, clause_confidence=0.0)
    assert cas.sentiment_labels(HARD) and llm.seen == []  # clauses: the heads decide all
    assert [d[2] for d in cas.decide(CLEAR)] == ["llm"] * 3 and llm.seen == CLEAR  # reviews: all to the LLM
    assert cas.sentiment_labels(CLEAR) == ["neutral"] * 3 and llm.seen == CLEAR  # decided once, as a review
    other, _ = _cascade(embedder, confidence=1.0, clause_confidence=0.5)
    assert other.version() != cas.version()  # the bar is part of the analysis version


def test_stacked_decision_combines_head_and_llm_for_unsure_texts(embedder):
    """With a stack, an unsure text is decided by the head and the LLM's raw label scores together; sure
    texts never reach the LLM; the stack is part of the version (changing it re-analyzes)."""
    from analysis.sentiment import Stack

    scored: list[str] = []

    def llm_scores(texts):
        scored.extend(texts)
        return [[-0.1, -4.0, -2.5] for _ in texts]  # the LLM: clearly positive, not neutral

    llm = RecordingLLM()
    st = Stack(w_llm=1.0, w_head=0.0, bias=0.0, neutral_gate=0.9)
    cas = SentimentCascade.build(llm, embedder, confidence=0.7, thorough=False, stack=st, llm_scores=llm_scores)
    out = cas.decide(CLEAR + HARD)
    assert llm.seen == []  # the calibrated LLM answer is not asked for
    assert scored and set(scored) <= set(HARD)
    for text, d in zip(CLEAR + HARD, out):
        if text in scored:
            assert d[0] == "positive" and d[2] == "llm" and d[1] > 0.9
    # a gate the texts' mean neutral probability passes makes them neutral
    cas2 = SentimentCascade.build(llm, embedder, confidence=0.7, thorough=False,
                                  stack=Stack(1.0, 0.0, 0.0, neutral_gate=0.0), llm_scores=llm_scores)
    assert {d[0] for d, t in zip(cas2.decide(HARD), HARD)} == {"neutral"}
    assert cas.version() != cas2.version() != _cascade(embedder)[0].version()
    # thorough: every text, even a clear one, goes to the LLM and is decided by the stack
    scored.clear()
    cas3 = SentimentCascade.build(llm, embedder, confidence=0.7, thorough=True, stack=st, llm_scores=llm_scores)
    assert [d[2] for d in cas3.decide(CLEAR)] == ["llm"] * 3 and scored == CLEAR and llm.seen == []
    assert cas3.version() not in ("llm", cas.version())
    # without a stack, thorough is the first release's method: the LLM's answer alone
    cas4 = SentimentCascade.build(llm, embedder, confidence=0.7, thorough=True, llm_scores=llm_scores)
    assert cas4.head is None and [d[2] for d in cas4.decide(CLEAR[:1])] == ["llm"] and llm.seen == CLEAR[:1]
    assert cas4.version() == "llm"


def test_stack_decide_and_lookup(tmp_path):
    import json

    from analysis.sentiment import Stack, fit_stack, stack_for

    st = Stack(w_llm=1.0, w_head=1.0, bias=0.0, neutral_gate=0.5)
    assert st.decide([-0.6, -3.0, -1.0], [0.2, 0.1, 0.7])[0] == "negative"  # the head outweighs a mild LLM
    assert st.decide([-0.01, -6.0, -6.0], [0.4, 0.1, 0.5])[0] == "positive"
    assert st.decide([-3.0, -0.05, -3.0], [0.1, 0.8, 0.1]) == ("neutral", pytest.approx(0.853, abs=0.005))
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"models": {"qwen2.5-coder-0.5b": st.to_json()}}))
    assert stack_for("qwen2.5-coder-0.5b", path) == st
    assert stack_for("/models/qwen2.5-coder-0.5b.gguf", path) == st  # a llama.cpp server's model name
    assert stack_for("some/other-model", path) is None
    assert stack_for("x", tmp_path / "missing.json") is None
    # a broken file or entry is ignored with a warning, never a crash of the analysis
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert stack_for("qwen2.5-coder-0.5b", bad) is None
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"models": {"qwen2.5-coder-0.5b": {"w_llm": "x", "bias": 0}}}))
    assert stack_for("qwen2.5-coder-0.5b", partial) is None
    # fitting recovers the obvious: positive when the LLM says so, the gate from the neutral examples
    lps = [[-0.1, -3, -3]] * 20 + [[-3, -3, -0.1]] * 20 + [[-2, -0.2, -2]] * 10
    hps = [[0.6, 0.2, 0.2]] * 20 + [[0.2, 0.2, 0.6]] * 20 + [[0.2, 0.6, 0.2]] * 10
    gold = ["positive"] * 20 + ["negative"] * 20 + ["neutral"] * 10
    fitted, info = fit_stack(lps, hps, gold)
    assert fitted.w_llm > 0 and [fitted.decide(a, b)[0] for a, b in zip(lps, hps)] == gold


def test_a_long_run_loads_the_llm_in_the_background(embedder, monkeypatch):
    """From PREFETCH_AT reviews the LLM is loaded in a background thread while the heads work (even when
    no text then needs it); a failing load there loses nothing: the head's answers stand."""
    import threading

    from analysis import Analyzer, analyzer as analyzer_mod
    from analysis.backends.base import BackendError, LLMBackend
    from reviewlens.config import AnalysisSettings
    from reviewlens.schema import Review

    class Loading(LLMBackend):
        name = "fake-llm"
        loads_safely_in_background = True

        def __init__(self, fail):
            self.fail, self.loaded_in, self.done = fail, [], threading.Event()

        def load(self):
            self.loaded_in.append(threading.current_thread().name)
            self.done.set()
            if self.fail:
                raise BackendError("model missing")

        def score_choices(self, conversations, choices):
            raise AssertionError("no text needed the LLM")

        def generate(self, conversations, **kw):
            raise AssertionError("no text needed the LLM")

    revs = [Review(source="t", text=f"Absolutely wonderful, I love it. ({i})") for i in range(analyzer_mod.PREFETCH_AT)]
    for fail in (False, True):
        be = Loading(fail)
        out = Analyzer(AnalysisSettings(), backend=be).analyze(revs)
        assert be.done.wait(30) and be.loaded_in == ["llm-prefetch"]
        assert [a.status for a in out] == ["ok"] * len(revs) and {a.sentiment for a in out} == {"positive"}
    be = Loading(False)
    Analyzer(AnalysisSettings(), backend=be).analyze(revs[:analyzer_mod.PREFETCH_AT - 1])
    assert be.loaded_in == []  # a short run loads the LLM only if a text needs it


def test_a_text_without_letters_is_the_llms_alone(embedder):
    """Emoji-only reviews ("😡👎", "⭐⭐⭐⭐⭐") have no words for the heads' encoders: every one embedded alike
    and the stacked head read them all as positive. They go to the LLM's own answer, neither the head nor
    the stack; texts with words are routed as before."""
    from analysis.sentiment import Stack

    scored: list[str] = []

    def llm_scores(texts):
        scored.extend(texts)
        return [[-0.1, -4.0, -2.5] for _ in texts]

    llm = RecordingLLM()
    emoji = ["😡😡😡 👎👎", "⭐⭐⭐⭐⭐", "10/10"]
    cas = SentimentCascade.build(llm, embedder, confidence=0.7, thorough=False,
                                 stack=Stack(w_llm=1.0, w_head=0.0, bias=0.0, neutral_gate=0.9), llm_scores=llm_scores)
    out = cas.decide(CLEAR + emoji + HARD)
    assert llm.seen == emoji and set(scored) <= set(HARD)
    assert [d[2] for d in out[len(CLEAR):len(CLEAR) + len(emoji)]] == ["llm"] * 3
    assert all(d[2] == "head" for d in out[:len(CLEAR)])


APP_COMPLAINTS = ["Since the 4.2 update the app crashes on launch. Every single time. Samsung Galaxy S21.",
                  "App won't open anymore after updating to 4.2. Just closes itself.",
                  "It opens for a second and then crashes. Started after the November update.",
                  "Crash on startup after the latest update. Pixel 8 Pro, Android 14. Please fix ASAP.",
                  "Keeps crashing since the update to 4.2. I pay for premium and can't even open it.",
                  "App crashes on launch. Cleared cache, restarted phone, nothing helps.",
                  "Crashes every time I open the workout tab since 4.2.",
                  "Since v4.2 it crashes when I try to start a run. Useless now.",
                  "Won't launch since updating. White screen then it closes.",
                  "Sign in with Google doesn't work on my Pixel 7.",
                  "Workouts don't sync to Apple Health anymore.",
                  "Lost two weeks of workout history after a failed sync.",
                  "Every update logs me out and I have to do the 2FA dance again.",
                  "Charged me after the free trial even though I cancelled on day 5.",
                  "Was billed twice this month for premium. Still waiting for a refund.",
                  "Turning off notifications in settings doesn't work, I still get them."]
APP_OTHERS = ["Accurate step counting and nice badges.", "Love the interval workouts, really helped me train.",
              "Intuitive interface, my mum uses it too.", "The heart rate zones feature is brilliant.",
              "Support team was friendly and refunded me immediately.", "Very reliable, never lost a workout.",
              "Beautiful charts and stats. I check them every day.", "The sleep tracking is surprisingly good.",
              "Clean design and very easy to use.", "Great audio cues during runs.",
              "I wish I could export my runs as GPX files.", "Can you add support for Wear OS watches?",
              "Needs a way to export workouts to GPX or CSV.", "A home screen widget would be great.",
              "Please add an Apple Watch app so I can leave my phone at home.", "Would love a dark theme."]


def test_a_few_labels_of_an_apps_reviews_do_not_turn_its_crash_reports_neutral(embedder):
    """Eight corrections of an app's reviews (five sarcastic ones negative, one thank-you positive, "Dark mode
    please, my eyes hurt at night." neutral) turned 24 clearly negative reviews neutral, 1-star crash reports
    among them: the change was bounded on the packaged reference sentences only (11% of theirs changed), unlike
    an app's reviews (37% of theirs). Measured on the store's own reviews too, the crash reports stay negative
    and the labelled texts still move toward their labels."""
    from analysis.sharp_encoder import get_sharp_embedder

    taught = {"Oh great, another update that logs me out. Love typing my password every morning. 10/10.": "negative",
              "Wow, the app crashed right at the finish line of my marathon. Thanks for the memories.": "negative",
              "Love paying $15 a month to watch ads. Brilliant business model.": "negative",
              "Fantastic battery saver: the app kills my phone so I can't use it anyway.": "negative",
              "Amazing how every update makes it slower. Truly impressive engineering.": "negative",
              "Thanks for fixing the 2FA problem so quickly.": "positive",
              "Dark mode please, my eyes hurt at night.": "neutral"}
    labels = [Label(content_hash="", text=t, kind="sentiment", value=v) for t, v in taught.items()]
    store = APP_COMPLAINTS + APP_OTHERS
    kw = {"confidence": 0.0, "sharp_embedder": get_sharp_embedder}  # the heads decide every text, as packaged
    base, _ = _cascade(embedder, **kw)
    learned, _ = _cascade(embedder, labels=labels, reference=store, **kw)
    assert [d[0] for d in base.decide(APP_COMPLAINTS)] == ["negative"] * len(APP_COMPLAINTS)
    # before: 10 of the 16 neutral; one borderline billing complaint may still move
    assert sum(d[0] != "negative" for d in learned.decide(APP_COMPLAINTS)) <= 1
    for h in (learned.head, learned.sharp):  # labels this one-sided may change at most ~7% of the store's answers
        assert h is None or h.meta["changed"]["reviews"] <= 0.07
    neg = heads.LABELS.index("negative")
    sarcastic = [t for t, v in taught.items() if v == "negative"]
    X = heads.features(sarcastic, embedder)  # the labelled texts themselves still lean toward their label
    assert learned.head.proba(X)[:, neg].mean() > base.head.proba(X)[:, neg].mean() + 0.02
