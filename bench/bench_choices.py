"""Multi-token choices: one pass over every choice's tokens (a 4-D mask) against the cache repeated per choice.

`LocalBackend.score_choices` scores a choice of several tokens ("customer service") by continuing each
prompt's KV cache. The first way (before 2026-12-01, kept here as the baseline) repeated every prompt's
cache once per multi-token choice and ran the choices as k times the rows; the current way extends the
cache once with all the choices' tokens side by side, each seeing its prompt and its own earlier tokens.
Both run here in the same process on the same prompts, alternating, with the same answers (checked):
the topic question of the products preset (10 topics, 4 of them two tokens) over Yelp sentences.

    python bench/bench_choices.py --precision fp32 --n 64 --batch-sizes 16,64 --repeat 2
    python bench/bench_choices.py --precision bf16 --n 2048 --batch-sizes 128,512   # a GPU
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def repeated_continuations(self: Any, cache: Any, mask: Any, pos: Any, tails: list[list[int]]) -> Any:
    """The first way: every prompt's cache repeated per multi-token choice (k x the rows)."""
    import torch

    b, k = mask.shape[0], len(tails)
    width = max(len(t) for t in tails) - 1
    cache.batch_repeat_interleave(k)
    dev = mask.device
    inp = torch.full((k, width), self.tokenizer.pad_token_id, dtype=torch.long)
    tmask = torch.zeros((k, width), dtype=torch.long)
    target = torch.zeros((k, width), dtype=torch.long)
    for j, t in enumerate(tails):
        n = len(t) - 1
        inp[j, :n] = torch.tensor(t[:-1])
        target[j, :n] = torch.tensor(t[1:])
        tmask[j, :n] = 1
    inp, tmask, target = (x.to(dev).repeat(b, 1) for x in (inp, tmask, target))
    full_mask = torch.cat([mask.repeat_interleave(k, 0), tmask], dim=1)
    start = pos[:, -1:].repeat_interleave(k, 0) + 1
    tpos = start + torch.arange(width, device=dev).unsqueeze(0)
    res = self.model(input_ids=inp, attention_mask=full_mask, position_ids=tpos, past_key_values=cache,
                     use_cache=False)
    lp = torch.log_softmax(res.logits.float(), dim=-1)
    picked = lp.gather(-1, target.unsqueeze(-1)).squeeze(-1) * tmask
    return picked.sum(-1).view(b, k)


def main() -> None:
    import torch

    from analysis.backends.local import LocalBackend
    from analysis.taxonomy import load_taxonomy
    from analysis.topics import _topic_conversations
    from reviewlens.config import AnalysisSettings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="qwen2.5-coder-0.5b")
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--n", type=int, default=64, help="prompts (Yelp sentences, repeated when more are asked)")
    ap.add_argument("--batch-sizes", default="16")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--yelp", type=Path, default=ROOT.parent / "shared" / "eval" / "yelp_labelled.txt")
    args = ap.parse_args()

    lines = [ln.split("\t")[0] for ln in args.yelp.read_text(encoding="utf-8").splitlines() if "\t" in ln]
    texts = [f"{lines[i % len(lines)]} ({i // len(lines)})" if i >= len(lines) else lines[i] for i in range(args.n)]
    tax = load_taxonomy(AnalysisSettings())
    words = [t.name.replace("_", " ") for t in tax.topics]
    convs = _topic_conversations(texts, tax, 600)
    cuda = torch.cuda.is_available()
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    print(f"device: {torch.cuda.get_device_name(0) if cuda else cpu} ({os.cpu_count()} cores); torch "
          f"{torch.__version__}; {args.model} {args.precision}; {len(convs)} prompts, choices {words}")
    new_way = LocalBackend._continuations
    for bs in [int(x) for x in args.batch_sizes.split(",")]:
        b = LocalBackend(args.model, precision=args.precision, batch_size=bs)
        b.load()
        b.score_choices(convs[:bs], words)  # warm-up (and the prefix cache)
        times: dict[str, list[float]] = {"repeated": [], "one pass": []}
        mem: dict[str, float] = {}
        answers: dict[str, list[list[float]]] = {}
        for _ in range(args.repeat):
            for name, fn in (("repeated", repeated_continuations), ("one pass", new_way)):
                LocalBackend._continuations = fn
                if cuda:
                    torch.cuda.synchronize()
                    torch.cuda.reset_peak_memory_stats()
                t0 = time.perf_counter()
                answers[name] = b.score_choices(convs, words)
                if cuda:
                    torch.cuda.synchronize()
                    mem[name] = torch.cuda.max_memory_allocated() / 2**20
                times[name].append(time.perf_counter() - t0)
        LocalBackend._continuations = new_way
        diff = max(abs(x - y) for r, s in zip(answers["repeated"], answers["one pass"]) for x, y in zip(r, s))
        same = all(max(range(len(words)), key=r.__getitem__) == max(range(len(words)), key=s.__getitem__)
                   for r, s in zip(answers["repeated"], answers["one pass"]))
        best = {k: min(v) for k, v in times.items()}
        print(f"batch {bs}: repeated {best['repeated']:.2f} s ({len(convs) / best['repeated']:.0f}/s), one pass "
              f"{best['one pass']:.2f} s ({len(convs) / best['one pass']:.0f}/s): {best['repeated'] / best['one pass']:.2f}x"
              + (f"; peak GPU MB {mem['repeated']:.0f} -> {mem['one pass']:.0f}" if cuda else "")
              + f"; max |difference| {diff:.2g}, same top topic: {same}; runs {times}")
        b.close()
        del b


if __name__ == "__main__":
    main()
