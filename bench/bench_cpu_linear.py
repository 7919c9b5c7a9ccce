"""fp32 linear layers on the CPU: torch's default (an MKL sgemm) against oneDNN (analysis.cpu_kernels), in the
same process, alternating, best of `--repeat`.

Three levels: the matrix shapes of the models (GFLOPS), the LLM scoring the held-out Yelp sentences as the
cascade does (seconds per text, and how far the label log-probs move), and the two sentence encoders
embedding them. ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 in the environment caps both libraries
to AVX2, as on a CPU without AVX-512.

    .venv/bin/python bench/bench_cpu_linear.py --texts 48 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (M rows, N out, K in): the 0.5B LLM's MLP and attention projections for a batch of 12 prompts of 24 new
# tokens; MiniLM's and mpnet's layers for 64 sentences of 16 word pieces
SHAPES = {"LLM up/gate 896->4864": (288, 4864, 896), "LLM down 4864->896": (288, 896, 4864),
          "LLM q/o 896->896": (288, 896, 896), "MiniLM ffn 384->1536": (1024, 1536, 384),
          "mpnet ffn 768->3072": (1024, 3072, 768)}


def cpu() -> str:
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    name = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")),
                platform.processor())
    flags = next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), [])
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    caps = {k: os.environ[k] for k in ("ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS") if k in os.environ}
    return f"{name} ({', '.join(isa) or 'no AVX2'}){' capped ' + str(caps) if caps else ''}"


def best(fn, repeat: int, inner: int = 1) -> float:
    fn()  # warm: oneDNN makes its kernel for a shape on first use
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        out.append((time.perf_counter() - t) / inner)
    return min(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=48, help="held-out Yelp sentences the LLM scores")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    import torch

    from analysis import cpu_kernels
    from analysis.backends.local import LocalBackend
    from analysis.embeddings import Embedder
    from analysis.evaluate import load_yelp
    from analysis.sentiment import LABELS, sentiment_conversations
    from analysis.sharp_encoder import get_sharp_embedder

    if not cpu_kernels.available():
        print("this torch has no oneDNN fp32 linear: nothing to compare")
        return 1
    print(f"machine: {cpu()}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    res: dict = {"machine": cpu(), "shapes": {}, "llm": {}, "encoders": {}}
    gen = torch.Generator().manual_seed(0)
    for name, (m, n, k) in SHAPES.items():
        x, w, b = torch.randn(m, k, generator=gen), torch.randn(n, k, generator=gen), torch.randn(n, generator=gen)
        flops = 2 * m * n * k
        t_torch = best(lambda: torch.nn.functional.linear(x, w, b), args.repeat, 10)
        t_dnn = best(lambda: torch.ops.mkldnn._linear_pointwise(x, w, b, "none", [], ""), args.repeat, 10)
        res["shapes"][name] = {"torch_gflops": round(flops / t_torch / 1e9), "onednn_gflops": round(flops / t_dnn / 1e9)}
        print(f"{name:24} torch {flops / t_torch / 1e9:5.0f} GFLOPS   oneDNN {flops / t_dnn / 1e9:5.0f} GFLOPS   "
              f"x{t_torch / t_dnn:.2f}", flush=True)

    texts = [t for t, _ in load_yelp(args.eval_dir)[:max(args.texts, 200)]]
    llm = LocalBackend("qwen2.5-coder-0.5b", precision="fp32", batch_size=16, device="cpu")
    llm.load()
    conv = sentiment_conversations(texts[:args.texts])
    llm.score_choices(conv[:2], list(LABELS))  # the prompt frame's KV cache, once

    def score(on: bool) -> list[list[float]]:
        (cpu_kernels.use_onednn if on else cpu_kernels.restore)(llm.model)
        return llm.score_choices(conv, list(LABELS))

    times: dict[bool, list[float]] = {False: [], True: []}
    scores: dict[bool, list[list[float]]] = {}
    for _ in range(args.repeat):
        for on in (False, True):
            t = time.perf_counter()
            scores[on] = score(on)
            times[on].append(time.perf_counter() - t)
    a, b_ = np.array(scores[False]), np.array(scores[True])
    t_torch, t_dnn = min(times[False]), min(times[True])
    res["llm"] = {"texts": len(conv), "torch_s_per_text": round(t_torch / len(conv), 4),
                  "onednn_s_per_text": round(t_dnn / len(conv), 4), "max_logprob_diff": float(np.abs(a - b_).max()),
                  "same_argmax": float(np.mean(a.argmax(1) == b_.argmax(1)))}
    print(f"LLM fp32 scoring {len(conv)} texts: torch {t_torch / len(conv):.3f} s/text, oneDNN "
          f"{t_dnn / len(conv):.3f} s/text (x{t_torch / t_dnn:.2f}); label log-probs differ by at most "
          f"{res['llm']['max_logprob_diff']:.1e}, same top label {res['llm']['same_argmax']:.0%}", flush=True)
    llm.close()

    encoders = [("all-MiniLM-L6-v2", Embedder())]
    sharp = get_sharp_embedder(7)  # the second sentiment head's encoder (None when not installed)
    if sharp is not None:
        encoders.append(("all-mpnet-base-v2, 7 layers", sharp))
    for name, emb in encoders:
        model = emb.model[0].auto_model

        def run(on: bool) -> np.ndarray:
            (cpu_kernels.use_onednn if on else cpu_kernels.restore)(model)
            return emb._embed(texts[:200], 64)

        t_torch = best(lambda: run(False), args.repeat)
        t_dnn = best(lambda: run(True), args.repeat)
        diff = float(np.abs(run(False) - run(True)).max())
        res["encoders"][name] = {"texts": 200, "torch_s": round(t_torch, 3), "onednn_s": round(t_dnn, 3),
                                 "max_diff": diff}
        print(f"{name:28} 200 sentences: torch {t_torch:.2f} s, oneDNN {t_dnn:.2f} s (x{t_torch / t_dnn:.2f}), "
              f"vectors differ by at most {diff:.1e}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
