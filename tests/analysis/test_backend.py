"""The local transformers backend on the real packaged 0.5B model: loading, scoring, batching, generation."""

from __future__ import annotations

import logging

import pytest

from analysis.backends import get_backend
from analysis.backends.base import BackendError
from analysis.backends.local import LocalBackend, effective_precision
from analysis.prompts import review_conversations, system_prompt

pytestmark = pytest.mark.slow

SYSTEM = system_prompt("Classify the sentiment of the customer review. Answer with one word: positive, neutral or negative.")
TEXTS = ["The food was cold and the waiter was rude.",
         "Absolutely loved it, best pizza in town! Friendly staff too, we will be back for sure.",
         "We went there on a Tuesday.",
         "Terrible."]


def convs(texts=TEXTS):
    return review_conversations(SYSTEM, texts, instruction="Sentiment:")


def test_loaded_with_clear_log_line(caplog):
    caplog.set_level(logging.INFO, logger="analysis.backends.local")
    b = LocalBackend("qwen2.5-coder-0.5b", precision="auto")
    b.load()
    line = " ".join(r.getMessage() for r in caplog.records)
    assert "qwen2.5-coder-0.5b" in line and (" on cpu" in line or " on cuda" in line)
    assert f"precision {b.precision}" in line
    assert b.name == "qwen2.5-coder-0.5b"


def test_precision_resolution():
    assert effective_precision("auto", "cuda") == "4bit"
    assert effective_precision("auto", "cpu") in ("bf16", "fp32", "4bit")
    assert effective_precision("8bit", "cpu") == "8bit"
    with pytest.raises(BackendError, match="unknown precision"):
        effective_precision("int3", "cpu")


def test_score_choices_ranks_sensibly(backend):
    s = backend.score_choices(convs(), ["positive", "neutral", "negative"])
    assert len(s) == 4 and all(len(r) == 3 for r in s)
    assert all(v <= 0 for r in s for v in r)
    assert s[0][2] > s[0][0] and s[1][0] > s[1][2] and s[3][2] > s[3][0]


@pytest.mark.parametrize("choices", [["positive", "neutral", "negative"],
                                     ["very positive", "not sure at all", "negative"]])
def test_batched_equals_one_by_one(backend, choices):
    """Padding, the shared-prefix cache and multi-token continuations do not change the scores."""
    batched = backend.score_choices(convs(), choices)
    single = [backend.score_choices([c], choices)[0] for c in convs()]
    tol = 0.05 if backend.precision == "fp32" else 0.35  # bf16/4-bit matmuls differ slightly by batch shape
    for b, s in zip(batched, single):
        assert b == pytest.approx(s, abs=tol, rel=0.02)  # multi-token sums add per-token noise
        assert max(range(len(choices)), key=b.__getitem__) == max(range(len(choices)), key=s.__getitem__)
    # a multi-token choice is the sum of its token log-probs: longer choices are much less likely
    if choices[1] == "not sure at all":
        assert all(r[1] < r[2] - 5 for r in batched)


def test_multi_token_choices_equal_a_plain_forward_pass(backend):
    """A choice of several tokens scores what the model gives the prompt followed by the choice in one plain
    forward pass (no cache, no padding, no shared prefix): the choices' tokens share one continuation pass
    (a 4-D mask: each sees its prompt and its own earlier tokens) at the positions they would have."""
    import torch

    from analysis.prompts import conversation, embed_review

    choices = ["customer service", "not sure at all", "negative", "size fit"]
    # the plain prompts, and several questions about one review (a shared group prefix, computed once)
    sp = system_prompt("You classify customer reviews by topic.")
    grouped = [conversation(sp, f"{embed_review('The delivery was late and the box was crushed.')}\n"
                                f"What does this review say about {t}?") for t in ("delivery", "the price")]
    asked = convs() + grouped
    got = backend.score_choices(asked, choices)
    ids = [backend.tokenizer(c, add_special_tokens=False)["input_ids"] for c in choices]
    assert sorted(len(i) for i in ids)[-1] >= 3 and min(len(i) for i in ids) == 1
    prompts = [backend.prompt_ids(c) for c in asked]
    shared = backend.shared_prefix_len(prompts)
    groups = backend._group_prefixes(prompts, shared)
    assert groups[-1] == groups[-2] > shared  # the two questions about one review form a group
    tol = 0.02 if backend.precision == "fp32" else 0.35
    with torch.inference_mode():
        for row, conv in zip(got, asked):
            prompt = backend.prompt_ids(conv)
            for score, choice in zip(row, ids):
                x = torch.tensor([prompt + choice], device=backend.model.device)
                lp = torch.log_softmax(backend.model(input_ids=x).logits[0].float(), dim=-1)
                ref = sum(float(lp[len(prompt) - 1 + i, t]) for i, t in enumerate(choice))
                assert score == pytest.approx(ref, abs=tol), (conv[-1]["content"][-60:], choice)


def test_generate_batched_equals_single(backend):
    c = convs()[:3]
    batched = backend.generate(c, max_new_tokens=4)
    single = [backend.generate([x], max_new_tokens=4)[0] for x in c]
    assert [b.lower() for b in batched] == [s.lower() for s in single]
    assert batched[0].lower().startswith("negative") and batched[1].lower().startswith("positive")


def test_empty_inputs(backend):
    assert backend.score_choices([], ["a"]) == []
    assert backend.generate([]) == []
    assert backend.score_choices(convs()[:1], []) == [[]]


def test_get_backend_is_cached_and_lazy(analysis_settings):
    b1 = get_backend(analysis_settings)
    b2 = get_backend(analysis_settings)
    assert b1 is b2 and isinstance(b1, LocalBackend) and b1.name == "qwen2.5-coder-0.5b"


def test_missing_model_is_a_clear_backend_error(tmp_path):
    b = LocalBackend(str(tmp_path / "nothing.gguf"))
    with pytest.raises(BackendError, match="GGUF file not found"):
        b.load()


@pytest.mark.gpu
def test_gpu_4bit_default():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    b = LocalBackend("qwen2.5-coder-0.5b", precision="auto")
    b.load()
    assert b.precision == "4bit" and b.model.device.type == "cuda"
    s = b.score_choices(convs(), ["positive", "neutral", "negative"])
    assert s[0][2] > s[0][0] and s[1][0] > s[1][2]


def test_grouped_prefixes_equal_one_by_one(backend):
    """Several questions about the same review share system prompt + review: computed once, same scores."""
    from analysis.prompts import conversation, embed_review

    sp = system_prompt("You classify customer reviews by topic. Answer with one word: yes or no.")
    reviews = ["The delivery was late and the box was crushed.", "Great kettle, boils fast, fair price."]
    c = [conversation(sp, f"{embed_review(r)}\nDoes this review talk about {t}? Answer yes or no.")
         for r in reviews for t in ("delivery", "price")]
    prompts = [backend.prompt_ids(x) for x in c]
    g = backend.shared_prefix_len(prompts)
    groups = backend._group_prefixes(prompts, g)
    assert groups[0] == groups[1] > g and groups[2] == groups[3] > g  # one group per review
    batched = backend.score_choices(c, ["yes", "no"])
    single = [backend.score_choices([x], ["yes", "no"])[0] for x in c]
    for b, s in zip(batched, single):
        assert b == pytest.approx(s, abs=0.05 if backend.precision == "fp32" else 0.35)
    assert batched[0][0] > batched[1][0] - 0.5  # "delivery" is at least as likely as "price" for review 1


def test_batched_prompt_ids_equal_one_by_one_and_the_frame_ends_after_the_review_delimiter(backend):
    """The fast path (the template rendered once, the messages tokenized together) gives exactly the ids of
    rendering each prompt alone; the review delimiter that opens every review message is part of the
    frame (computed once), and a call where a text after it starts with whitespace keeps the plain frame."""
    from analysis.prompts import REVIEW_OPEN
    from analysis.sentiment import sentiment_conversations

    texts = ["The lid broke.", "😡👎", "Très bon restaurant !", "'Quoted' start", "123 dollars, really?",
             "-- dashes", "<review> nested </review>", "Two\nlines\n\nand a gap", "x" * 3000]
    convs = sentiment_conversations(texts)
    ids, frame = backend._prompts_and_frame(convs)
    assert ids == [backend.prompt_ids(c) for c in convs]
    assert backend.tokenizer.decode(ids[0][:frame]).endswith(REVIEW_OPEN + "\n")
    odd = [c[:-1] + [{"role": "user", "content": REVIEW_OPEN + "\n \n" + REVIEW_OPEN}] for c in convs[:1]]
    ids2, frame2 = backend._prompts_and_frame(convs[:1] + odd)
    assert ids2 == [backend.prompt_ids(c) for c in convs[:1] + odd]
    assert not backend.tokenizer.decode(ids2[0][:frame2]).endswith(REVIEW_OPEN + "\n") and 0 < frame2 < frame


def test_cpu_batches_cut_where_padding_and_passes_cost_least():
    """On a CPU a call's prompts are cut into the batches of least cost, (rows x longest) + one pass's cost
    per batch, checked against every possible cut; on a GPU batches stay full."""
    import itertools
    import random

    from analysis.backends.local import BATCH_COST_TOKENS

    def cost(batches, lengths):
        return sum(len(b) * max(lengths[i] for i in b) + BATCH_COST_TOKENS for b in batches)

    cpu = LocalBackend("qwen2.5-coder-0.5b", batch_size=5, device="cpu")
    rnd = random.Random(3)
    for _ in range(30):
        lengths = sorted(rnd.choice([3, 8, 14, 20, 25, 38, 60, 90]) for _ in range(rnd.randint(1, 9)))
        order = list(range(len(lengths)))
        got = cpu._split(order, lengths)
        assert [i for b in got for i in b] == order and all(1 <= len(b) <= 5 for b in got)
        best = min(cost([order[a:b] for a, b in zip((0,) + cuts, cuts + (len(order),))], lengths)
                   for k in range(len(order)) for cuts in itertools.combinations(range(1, len(order)), k)
                   if all(b - a <= 5 for a, b in zip((0,) + cuts, cuts + (len(order),))))
        assert cost(got, lengths) == best
    lengths = [14, 14, 17, 18, 20, 20, 23, 25, 28, 31, 33, 38]  # 12 held-out Yelp prompts (new tokens)
    cpu.batch_size = 16
    assert len(cpu._split(list(range(12)), lengths)) > 1  # one batch computed 456 rows for 281
    gpu = LocalBackend("qwen2.5-coder-0.5b", batch_size=5, device="cuda")
    assert gpu._split(list(range(12)), lengths) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
