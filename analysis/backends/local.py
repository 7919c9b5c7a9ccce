"""The local backend: a causal LM run in-process with transformers + torch (CUDA GPU or CPU).

Precision (`settings.precision`):
- `auto`: on a CUDA GPU bitsandbytes 4-bit NF4 with bf16 compute; on the CPU the measured fastest
  (see `CPU_AUTO_PRECISION` and bench/RESULTS-analysis.md);
- `4bit`, `8bit` (bitsandbytes), `bf16`, `fp32`;
- `int8` (CPU, opt-in): the fp32 model with its attention and MLP input projections quantized to int8 by
  torch's dynamic quantization (`quantize_int8`): faster than fp32, slightly different answers.

The KV cache of the prompt part that every prompt of a task shares (system prompt + few-shot examples, up to
the review) is computed once and reused by every later call of that task, whatever its size; on a CPU it is
also kept on disk for the next process (analysis.backends.kvstore).

Packaged models and GGUF files are converted once to safetensors (analysis.models) and loaded from there.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from analysis.backends import kvstore
from analysis.backends.base import BackendError, LLMBackend, Message
from analysis.models import ModelError, ResolvedModel, resolve_model
from analysis.prompts import REVIEW_OPEN

log = logging.getLogger(__name__)

MIN_SHARED_PREFIX = 16   # tokens; shorter common prefixes are not worth caching
PREFIX_CACHE_SIZE = 4    # distinct prompt prefixes (task system prompts + examples) kept
# on a CPU, what one more forward pass costs in token rows: it streams every weight from memory once (~125 ms
# for the 0.5B in fp32 on 2 cores) where a token row costs ~4 ms of arithmetic; measured on 48 held-out Yelp
# prompts (one pass per prompt 10.7 s, one per 12 prompts 8.1 s); in bf16 both halve (the same 48 prompts: 4.4-5.0 s
# in full batches, 3.9 s cut by this cost), in larger models both grow with the parameters
BATCH_COST_TOKENS = 30
PRECISIONS = ("auto", "4bit", "8bit", "bf16", "fp32", "int8")
# Measured on a 2-core x86_64 CPU with AVX512-BF16/AMX and the 0.5B model (bench/RESULTS-analysis.md):
# bf16 is several times faster than fp32 and bitsandbytes 4-bit there. CPUs without native bf16 fall back
# to fp32 (bf16 is emulated and slow on them). Dynamic int8 scored 1.6x faster than fp32 but changed 9 of
# the 79 held-out answers the LLM gave, 1.6 points of cascade accuracy lower (bench/bench_cpu_llm.py): an
# option, not the default.
CPU_AUTO_PRECISION = "bf16"
CPU_FALLBACK_PRECISION = "fp32"
GPU_AUTO_PRECISION = "4bit"


def pick_device() -> str:
    """"cuda" when a CUDA GPU is usable, else "cpu"."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def effective_precision(precision: str, device: str) -> str:
    """The precision actually used for `precision` on `device` (resolves `auto`)."""
    precision = (precision or "auto").lower()
    if precision not in PRECISIONS:
        raise BackendError(f"unknown precision '{precision}' (use one of {', '.join(PRECISIONS)})")
    if precision == "auto":
        if device == "cuda":
            return GPU_AUTO_PRECISION
        return CPU_AUTO_PRECISION if cpu_has_native_bf16() else CPU_FALLBACK_PRECISION
    if precision == "int8" and device != "cpu":
        raise BackendError("precision 'int8' (torch dynamic quantization) runs on the CPU only; "
                           "on a GPU use 8bit (bitsandbytes), 4bit or bf16")
    return precision


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX); unknown counts as no."""
    try:
        import torch.cpu as tcpu

        return bool(tcpu._is_avx512_bf16_supported() or tcpu._is_amx_tile_supported())
    except Exception:  # noqa: BLE001 - private torch helpers may move between versions
        return False


# Linear layers that stay fp32 under `int8`: the MLP's down projection reads the SiLU-gated activations,
# whose outlier channels per-tensor int8 cannot represent (quantized too, 47 of the 79 held-out answers
# changed; kept, 9: bench/RESULTS-analysis.md), and the output head.
INT8_KEEP_FP32 = ("down_proj", "lm_head")


def quantize_int8(model: Any, *, keep: Sequence[str] = INT8_KEEP_FP32) -> Any:
    """`model` with its nn.Linear layers dynamically quantized to int8 (in place), except those whose
    name ends with one of `keep`.

    Weights are quantized once (per tensor); activations per batch at run time, so no calibration data is
    needed. The output head stays fp32 by default: it runs on one position per prompt, and the label
    log-probs are read from it.
    """
    import warnings

    import torch
    from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

    from analysis.cpu_kernels import restore

    restore(model)  # quantize_dynamic swaps plain nn.Linear layers only
    spec = {name: default_dynamic_qconfig for name, m in model.named_modules()
            if isinstance(m, torch.nn.Linear) and name.split(".")[-1] not in keep}
    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, spec, dtype=torch.qint8, inplace=True)


def _load_kwargs(precision: str, device: str) -> dict[str, Any]:
    import torch

    kwargs: dict[str, Any] = {}
    if precision in ("4bit", "8bit"):
        try:
            from transformers import BitsAndBytesConfig
            import bitsandbytes  # noqa: F401
        except ImportError as e:
            raise BackendError(f"precision '{precision}' needs bitsandbytes: pip install bitsandbytes ({e})") from e
        if precision == "4bit":
            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16,
                bnb_4bit_use_double_quant=False)
        else:
            kwargs["quantization_config"] = BitsAndBytesConfig(load_in_8bit=True)
        kwargs["dtype"] = torch.bfloat16
        kwargs["device_map"] = {"": 0} if device == "cuda" else {"": "cpu"}
    else:
        kwargs["dtype"] = torch.bfloat16 if precision == "bf16" else torch.float32  # int8: quantized after loading
        if device == "cuda":
            kwargs["device_map"] = {"": 0}
    return kwargs


class LocalBackend(LLMBackend):
    """A transformers causal LM loaded lazily on first use (thread-safe)."""

    def __init__(self, model: str = "qwen2.5-coder-0.5b", *, precision: str = "auto", batch_size: int = 8,
                 device: str | None = None, name: str | None = None):
        self.model_name = model
        self.requested_precision = precision
        self.batch_size = max(1, int(batch_size))
        self._device = device
        self._resolved: ResolvedModel | None = None
        self._model: Any = None
        self._tok: Any = None
        self._lock = threading.Lock()
        self._prefix_kv: dict[tuple[int, ...], Any] = {}
        self._frames: set[tuple[int, ...]] = set()  # the task frames seen (only these are kept on disk)
        self.reuse_prefix = True  # memoize the KV cache of prompt prefixes shared by the calls of a task
        self.precision: str | None = None
        self.load_seconds: float | None = None
        if name:
            self.name = name
        elif model.strip().lower().endswith(".gguf"):
            self.name = os.path.splitext(os.path.basename(model.strip()))[0]
        elif os.path.isdir(os.path.expanduser(model)):
            self.name = os.path.basename(os.path.abspath(os.path.expanduser(model)))
        else:
            self.name = model.strip()

    # ------------------------------------------------------------------------------------ loading
    @property
    def device(self) -> str:
        if self._device is None:
            self._device = pick_device()
        return self._device

    def load(self) -> None:
        """Resolve, convert if needed, and load the model and tokenizer (once)."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            if not self._is_hub_id():
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # packaged/local models never touch the hub
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            if self.device == "cpu":
                # grouped-query attention inside SDPA instead of copying each KV head 7 times per layer
                # (transformers does so only without an attention mask): the same scores, 8% less time on a CPU
                os.environ.setdefault("TRANSFORMERS_SDPA_FORCE_GQA", "1")
            t0 = time.monotonic()
            try:
                resolved = resolve_model(self.model_name)
            except ModelError as e:
                raise BackendError(str(e)) from e
            device = self.device
            precision = effective_precision(self.requested_precision, device)
            kwargs = _load_kwargs(precision, device)
            try:
                tok = AutoTokenizer.from_pretrained(resolved.path, gguf_file=resolved.gguf_file)
                model = AutoModelForCausalLM.from_pretrained(resolved.path, gguf_file=resolved.gguf_file, **kwargs)
            except Exception as e:  # noqa: BLE001 - report any loader failure with the model named
                raise BackendError(f"could not load model '{self.model_name}' from {resolved.path} "
                                   f"({precision} on {device}): {type(e).__name__}: {e}") from e
            if device == "cuda" and "device_map" not in kwargs:
                model = model.to("cuda")
            model.eval()
            if precision == "int8":
                model = quantize_int8(model)
            kernels = ""
            if device == "cpu":
                from analysis.cpu_kernels import use_onednn

                # fp32 layers (int8's output head too) through oneDNN: faster than MKL on the AMD EPYC measured
                kernels = ", fp32 layers in oneDNN" if use_onednn(model) else ""
            tok.padding_side = "left"
            if tok.pad_token_id is None:
                tok.pad_token = tok.eos_token
            if not getattr(tok, "chat_template", None):
                raise BackendError(f"model '{self.model_name}' has no chat template: use an instruct/chat model")
            self._tok, self._model, self._resolved = tok, model, resolved
            self.precision = precision
            self.load_seconds = time.monotonic() - t0
            torch_threads = torch.get_num_threads()
            log.info("analysis model %s (%s) loaded from %s on %s%s, precision %s%s, in %.1f s",
                     self.name, resolved.kind, resolved.path, device,
                     f" ({torch.cuda.get_device_name(0)})" if device == "cuda" else f" ({torch_threads} threads)",
                     precision, kernels, self.load_seconds)

    @property
    def loads_safely_in_background(self) -> bool:
        """Whether `load` may run in a background thread while this process computes. transformers sets
        torch's process-wide default dtype while it builds a bf16 (or fp16) model, so another thread's new
        tensors would be bf16 meanwhile (seen: the topics' matrix products failing); an fp32 load (int8
        too: it loads fp32, then quantizes) leaves the default dtype alone."""
        try:
            return effective_precision(self.requested_precision, self.device) in ("fp32", "int8")
        except BackendError:
            return False

    def _is_hub_id(self) -> bool:
        m = self.model_name.strip()
        return m.count("/") == 1 and not os.path.exists(os.path.expanduser(m)) and not m.endswith(".gguf")

    @property
    def model(self) -> Any:
        self.load()
        return self._model

    @property
    def tokenizer(self) -> Any:
        self.load()
        return self._tok

    # ------------------------------------------------------------------------------------ helpers
    def prompt_ids(self, conversation: Sequence[Message]) -> list[int]:
        """Token ids of the chat prompt, ending where the assistant reply starts."""
        text = self.tokenizer.apply_chat_template(list(conversation), tokenize=False, add_generation_prompt=True)
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def prompts_ids(self, conversations: Sequence[Sequence[Message]]) -> list[list[int]]:
        """`prompt_ids` of many conversations at once, the same ids, much faster (see `_prompts_and_frame`)."""
        return self._prompts_and_frame(conversations)[0]

    def _prompts_and_frame(self, conversations: Sequence[Sequence[Message]]) -> tuple[list[list[int]], int]:
        """(`prompt_ids` of each conversation, the length of the chat frame they all start with, or 0).

        Rendering the chat template and tokenizing the few-shot prompt again for every review cost
        4.6 ms per review on a CPU core: with a GPU, that (not the model) capped the throughput. The
        conversations of one call differ only in their last user message, so the template is
        rendered once around a sentinel, the part before the message is tokenized once, and the
        messages (with what follows them) are tokenized together by the fast tokenizer. The split
        falls right after the template's "user" header and its newline, where the tokenizer's
        pre-tokenizer always splits; conversations of another shape take the one-by-one path (frame 0).
        The frame (system prompt, examples, the last user header) is the same for every call of a task:
        its KV cache is the one memoized and reused (`_cached_prefix_len`).
        """
        convs = [list(c) for c in conversations]
        if not convs or not getattr(self.tokenizer, "is_fast", False):
            return [self.prompt_ids(c) for c in convs], 0
        frame = convs[0][:-1]
        if convs[0][-1]["role"] != "user" or any(c[:-1] != frame or c[-1]["role"] != "user" for c in convs):
            return [self.prompt_ids(c) for c in convs], 0
        sentinel = "\u2063RL-SENTINEL\u2063"
        text = self.tokenizer.apply_chat_template(frame + [{"role": "user", "content": sentinel}], tokenize=False,
                                                  add_generation_prompt=True)
        if text.count(sentinel) != 1 or not text.split(sentinel)[0].endswith("\n"):
            return [self.prompt_ids(c) for c in convs], 0
        head, tail = text.split(sentinel)
        # every review prompt's message opens with the review delimiter (analysis.prompts): it joins the frame
        # (3 tokens fewer per text to compute). The text after it never starts with whitespace (cleaned), so
        # the tokenizer splits there as it does after the header; otherwise the call keeps the plain frame.
        lead = REVIEW_OPEN + "\n"
        cut = len(lead) if all(c[-1]["content"].startswith(lead) and c[-1]["content"][len(lead):][:1].strip()
                               for c in convs) else 0
        head += lead[:cut]
        head_ids = self.tokenizer(head, add_special_tokens=False)["input_ids"]
        if len(self._frames) >= PREFIX_CACHE_SIZE * 4:
            self._frames.clear()
        self._frames.add(tuple(head_ids))
        rest = self.tokenizer([c[-1]["content"][cut:] + tail for c in convs], add_special_tokens=False)["input_ids"]
        return [head_ids + r for r in rest], len(head_ids)

    def _left_pad(self, seqs: list[list[int]]) -> tuple[Any, Any]:
        import torch

        width = max(len(s) for s in seqs)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((len(seqs), width), pad, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, s in enumerate(seqs):
            if s:
                ids[i, width - len(s):] = torch.tensor(s, dtype=torch.long)
                mask[i, width - len(s):] = 1
        dev = self.model.device
        return ids.to(dev), mask.to(dev)

    @staticmethod
    def shared_prefix_len(prompts: list[list[int]]) -> int:
        """Length of the token prefix common to all prompts (0 if shorter than MIN_SHARED_PREFIX).

        At least one token of every prompt is left out of the prefix, so each row has logits to read.
        """
        if len(prompts) < 2:
            return 0
        first = prompts[0]
        n = min(len(p) for p in prompts) - 1
        k = 0
        while k < n and all(p[k] == first[k] for p in prompts):
            k += 1
        return k if k >= MIN_SHARED_PREFIX else 0

    def _cached_prefix_len(self, prompts: list[list[int]], frame_len: int = 0) -> int:
        """How many leading tokens of the call's prompts to take from a memoized KV cache (0: none).

        In order: the longest prefix already memoized that every prompt starts with; else the chat
        frame (`frame_len`: the same for every call of a task, so one memoized entry serves a call of
        one prompt as well as the next call, whose prompts may share a token or two more); else the
        prompts' common prefix (`shared_prefix_len`). Before, a call of one prompt computed its whole
        prompt, and a call whose reviews all began with "The" computed the 424-token prefix again.
        At least one token of every prompt is left out, so each row has logits to read.
        """
        if not prompts or not self.reuse_prefix:
            return 0
        room = min(len(p) for p in prompts) - 1
        common = room if len(prompts) == 1 else self.shared_prefix_len(prompts)
        first = prompts[0]
        best = 0
        for key in self._prefix_kv:
            k = len(key)
            if best < k <= common and tuple(first[:k]) == key:
                best = k
        if best:
            return best
        if MIN_SHARED_PREFIX <= frame_len <= common:
            return frame_len
        return common if len(prompts) > 1 else 0

    def _prefix_cache(self, prefix: list[int], batch: int) -> Any:
        """A KV cache of `prefix` repeated `batch` times (the prefix is computed once and memoized)."""
        import torch

        key = tuple(prefix)
        base = self._prefix_kv.pop(key, None)
        if base is None:
            t0 = time.monotonic()
            disk = self._frame_key(prefix)
            base = kvstore.load(disk, len(prefix), self.model.config) if disk else None
            if base is None:
                ids = torch.tensor([prefix], dtype=torch.long, device=self.model.device)
                with torch.inference_mode():
                    base = self.model(input_ids=ids, use_cache=True, logits_to_keep=1).past_key_values
                if disk:
                    kvstore.save(disk, base)
            log.debug("KV cache of a %d-token prompt prefix %s in %.2f s", len(prefix),
                      "computed" if not disk else "ready", time.monotonic() - t0)
            if len(self._prefix_kv) >= PREFIX_CACHE_SIZE:
                self._prefix_kv.pop(next(iter(self._prefix_kv)))  # the least recently used
        self._prefix_kv[key] = base  # (re)inserted last: most recently used
        cache = copy.deepcopy(base)
        cache.batch_repeat_interleave(batch)
        return cache

    def _frame_key(self, prefix: list[int]) -> str | None:
        """The on-disk name of a prefix's KV cache (analysis.backends.kvstore), or None where it is not kept:
        only a task's chat frame is (other shared prefixes come and go), and only on a CPU (on a GPU the
        frame costs milliseconds)."""
        if (self.device != "cpu" or self._resolved is None or tuple(prefix) not in self._frames
                or not kvstore.enabled()):
            return None
        try:
            return kvstore.frame_key(self._resolved.path, self.precision or "", self.device, prefix)
        except OSError as e:
            log.debug("no on-disk KV cache for this model (%s)", e)
            return None

    def _batch_inputs(self, prompts: list[list[int]], prefix_len: int) -> tuple[Any, Any, Any, Any]:
        """(suffix ids, full attention mask, suffix position ids, cache or None) for one chunk.

        Rows are [shared prefix][left padding][own suffix]; padding is masked and positions continue
        the prefix, so the result equals running each prompt alone.
        """
        import torch

        ids, mask = self._left_pad([p[prefix_len:] for p in prompts])
        if not prefix_len:
            return ids, mask, (mask.cumsum(-1) - 1).clamp(min=0), None
        full = torch.cat([torch.ones((len(prompts), prefix_len), dtype=mask.dtype, device=mask.device), mask], 1)
        pos = (full.cumsum(-1) - 1).clamp(min=0)[:, prefix_len:]
        return ids, full, pos, self._prefix_cache(prompts[0][:prefix_len], len(prompts))

    def _split(self, order: list[int], lengths: list[int]) -> list[list[int]]:
        """`order` cut into consecutive batches of at most batch_size. On a GPU: full batches. On a CPU, where
        a batch pads every row to its longest and each forward pass reads all the weights once, the cut
        that costs least: sum over batches of (rows x longest row) + BATCH_COST_TOKENS (a dynamic program
        over the cut points; `order` is by length within groups, so neighbours are alike). 12 prompts of 14
        to 38 new tokens in one batch computed 456 token rows for 281 real ones."""
        n, most = len(order), self.batch_size
        if self.device != "cpu" or n <= 1:
            return [order[i:i + most] for i in range(0, n, most)]
        best = [0.0] + [float("inf")] * n  # best[j]: the cheapest cut of the first j
        cut = [0] * (n + 1)
        for j in range(1, n + 1):
            longest = 0
            for i in range(j - 1, max(-1, j - most - 1), -1):  # the batch order[i:j]
                longest = max(longest, lengths[i])
                cost = best[i] + (j - i) * longest + BATCH_COST_TOKENS
                if cost < best[j]:
                    best[j], cut[j] = cost, i
        out, j = [], n
        while j > 0:
            out.append(order[cut[j]:j])
            j = cut[j]
        return out[::-1]

    def _chunks(self, lengths: list[int]) -> list[list[int]]:
        """Indices grouped into batches of similar length (less padding), each at most batch_size."""
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        return [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    # ------------------------------------------------------------------------------------ interface
    def score_choices(self, conversations: list[list[Message]], choices: list[str]) -> list[list[float]]:
        """Sum of token log-probs of each choice after each prompt (see LLMBackend.score_choices).

        One forward pass over the padded prompts gives every choice's first token; choices of
        several tokens continue from the prompt's KV cache in one more pass (`_continuations`), so a
        prompt is never computed twice.
        """
        import torch

        if not conversations:
            return []
        if not choices:
            return [[] for _ in conversations]
        tok = self.tokenizer
        choice_ids = [tok(c, add_special_tokens=False)["input_ids"] for c in choices]
        for c, ids in zip(choices, choice_ids):
            if not ids:
                raise ValueError(f"choice {c!r} has no tokens")
        multi = [j for j, ids in enumerate(choice_ids) if len(ids) > 1]
        all_prompts, frame_len = self._prompts_and_frame(conversations)
        # identical prompts (the same text asked twice in a call) are scored once
        where: dict[tuple[int, ...], int] = {}
        slot = [where.setdefault(tuple(p), len(where)) for p in all_prompts]
        prompts = [list(p) for p in where]
        out: list[list[float]] = [[] for _ in prompts]
        model = self.model
        with torch.inference_mode():
            prefix_len = self._cached_prefix_len(prompts, frame_len)
            group_len = self._group_prefixes(prompts, prefix_len)
            # prompts that share a group prefix side by side, and by length within it (length-bucketed
            # batches: little padding); prompts with only the global prefix in common: by length alone
            order = sorted(range(len(prompts)), key=lambda i: (prompts[i][:group_len[i]], len(prompts[i])))
            for chunk in self._split(order, [len(prompts[i]) - prefix_len for i in order]):
                ids, mask, pos, cache = self._grouped_inputs([prompts[i] for i in chunk],
                                                             [group_len[i] for i in chunk], prefix_len)
                res = model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache,
                            use_cache=bool(multi) or cache is not None, logits_to_keep=1)
                first = torch.log_softmax(res.logits[:, -1, :].float(), dim=-1)
                scores = first[:, [c[0] for c in choice_ids]].clone()  # (batch, n_choices)
                if multi:
                    scores[:, multi] += self._continuations(res.past_key_values, mask, pos,
                                                            [choice_ids[j] for j in multi])
                for row, i in enumerate(chunk):
                    out[i] = [float(x) for x in scores[row].tolist()]
        return [out[k] for k in slot]

    def _group_prefixes(self, prompts: list[list[int]], global_len: int) -> list[int]:
        """Per prompt, the length of a prefix it shares with other prompts of the call (>= global_len).

        Prompts that ask several questions about the same review share system prompt + review; that
        part is computed once per group. Groups are runs of lexicographically sorted prompts whose
        common prefix extends the global one by at least MIN_SHARED_PREFIX tokens.
        """
        lens = [global_len] * len(prompts)
        order = sorted(range(len(prompts)), key=lambda i: prompts[i])

        def lcp(a: list[int], b: list[int]) -> int:
            n = min(len(a), len(b)) - 1
            k = global_len
            while k < n and a[k] == b[k]:
                k += 1
            return k

        i = 0
        while i < len(order):
            j, common = i + 1, None
            while j < len(order):
                c = lcp(prompts[order[i]], prompts[order[j]])
                c = c if common is None else min(common, c)
                if c < global_len + MIN_SHARED_PREFIX:
                    break
                common = c
                j += 1
            if common is not None:
                for k in order[i:j]:
                    lens[k] = common
            i = j
        return lens

    def _grouped_inputs(self, prompts: list[list[int]], group_lens: list[int],
                        global_len: int) -> tuple[Any, Any, Any, Any]:
        """Inputs for one chunk: [global prefix][pad][group prefix][pad][own suffix] per row.

        The global prefix comes from the memoized cache; each distinct group prefix is computed once
        (one padded forward pass), then its cache rows are gathered for the members.
        """
        import torch

        if all(g == global_len for g in group_lens):
            return self._batch_inputs(prompts, global_len)
        keys: dict[tuple[int, ...], int] = {}
        member = []
        for p, g in zip(prompts, group_lens):
            member.append(keys.setdefault(tuple(p[global_len:g]), len(keys)))
        extras = [list(k) for k in keys]
        # group rows (k) on top of the global prefix
        width = max(len(e) for e in extras)
        pad = self.tokenizer.pad_token_id
        dev = self.model.device
        eids = torch.full((len(extras), max(width, 1)), pad, dtype=torch.long)
        emask = torch.zeros((len(extras), max(width, 1)), dtype=torch.long)
        for r, e in enumerate(extras):
            if e:
                eids[r, eids.shape[1] - len(e):] = torch.tensor(e)
                emask[r, emask.shape[1] - len(e):] = 1
        eids, emask = eids.to(dev), emask.to(dev)
        if global_len:
            cache = self._prefix_cache(prompts[0][:global_len], len(extras))
            gmask = torch.cat([torch.ones((len(extras), global_len), dtype=emask.dtype, device=dev), emask], 1)
        else:
            cache, gmask = None, emask
        gpos = (gmask.cumsum(-1) - 1).clamp(min=0)[:, global_len:]
        res = self.model(input_ids=eids, attention_mask=gmask, position_ids=gpos, past_key_values=cache,
                         use_cache=True, logits_to_keep=1)
        cache = res.past_key_values
        idx = torch.tensor(member, dtype=torch.long, device=dev)
        cache.batch_select_indices(idx)
        sids, smask = self._left_pad([p[g:] for p, g in zip(prompts, group_lens)])
        full = torch.cat([gmask[idx], smask], 1)
        pos = (full.cumsum(-1) - 1).clamp(min=0)[:, full.shape[1] - sids.shape[1]:]
        return sids, full, pos, cache

    def _continuations(self, cache: Any, mask: Any, pos: Any, tails: list[list[int]]) -> Any:
        """Log-probs of tokens 2..n of each multi-token choice after each prompt: one pass over all the
        choices' tokens side by side, each attending to its prompt (the cache, as `mask` allows) and to its
        own earlier tokens only (a 4-D mask), at the positions it would have after the prompt. The prompt's
        cache is extended once, not copied per choice: with k choices the old way repeated it k times
        (70 GB at batch 512 on a GPU for the topic question, bench/RESULTS-analysis.md)."""
        import torch

        b, dev = mask.shape[0], mask.device
        inp, target, offset, owner = [], [], [], []
        for j, t in enumerate(tails):
            inp += t[:-1]
            target += t[1:]
            offset += range(len(t) - 1)
            owner += [j] * (len(t) - 1)
        n = len(inp)
        own = torch.tensor(owner, device=dev)
        off = torch.tensor(offset, device=dev)
        # new token q sees new token r when both belong to one choice and r comes no later than q
        tree = (own[:, None] == own[None, :]) & (off[None, :] <= off[:, None])
        seen = torch.cat([mask.bool()[:, None, :].expand(b, n, mask.shape[1]), tree.expand(b, n, n)], dim=-1)
        if getattr(self.model.config, "_attn_implementation", "sdpa") == "eager":  # adds the mask to the scores
            dtype = self.model.dtype
            seen = torch.zeros(seen.shape, dtype=dtype, device=dev).masked_fill_(~seen, torch.finfo(dtype).min)
        ids = torch.tensor([inp], dtype=torch.long, device=dev).expand(b, n)
        tpos = pos[:, -1:] + 1 + off[None, :]
        res = self.model(input_ids=ids, attention_mask=seen[:, None], position_ids=tpos, past_key_values=cache,
                         use_cache=False)
        lp = torch.log_softmax(res.logits.float(), dim=-1)
        picked = lp.gather(-1, torch.tensor([target], device=dev).expand(b, n).unsqueeze(-1)).squeeze(-1)
        out = torch.zeros((b, len(tails)), dtype=picked.dtype, device=dev)
        return out.index_add_(1, own, picked)

    def generate(self, conversations: list[list[Message]], *, max_new_tokens: int = 256,
                 json_schema: dict | None = None, temperature: float = 0.0) -> list[str]:
        """Batched generation with left padding, chunked by batch size; greedy unless temperature > 0.

        `json_schema` is best effort here: it is not enforced (callers repair/validate the JSON).
        """
        import torch

        if not conversations:
            return []
        tok = self.tokenizer
        prompts, frame_len = self._prompts_and_frame(conversations)
        out: list[str] = [""] * len(conversations)
        gen_kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "pad_token_id": tok.pad_token_id}
        if temperature and temperature > 0:
            gen_kwargs.update(do_sample=True, temperature=float(temperature), top_p=1.0, top_k=0)
        else:
            gen_kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with torch.inference_mode():
            prefix_len = self._cached_prefix_len(prompts, frame_len)
            for chunk in self._chunks([len(p) for p in prompts]):
                ids, mask, _pos, cache = self._batch_inputs([prompts[i] for i in chunk], prefix_len)
                if cache is not None:  # generate() skips the cached prefix tokens itself
                    head = torch.tensor([prompts[chunk[0]][:prefix_len]], dtype=ids.dtype, device=ids.device)
                    ids = torch.cat([head.expand(len(chunk), -1), ids], 1)
                seqs = self.model.generate(input_ids=ids, attention_mask=mask, past_key_values=cache,
                                           **gen_kwargs)
                new = seqs[:, ids.shape[1]:]
                for row, i in enumerate(chunk):
                    out[i] = tok.decode(new[row], skip_special_tokens=True).strip()
        return out

    def close(self) -> None:
        """Drop the model (frees memory; a later call loads it again)."""
        with self._lock:
            self._model = None
            self._tok = None
