"""GPU throughput of sentiment + topics with the LLM deciding everything (`--thorough`), batch sizes compared.

Measures reviews/s of `analysis.sentiment.sentiment_batch` and `analysis.topics.classify_topics` (the LLM's
topic distribution and the per-topic sentiment of clauses) on the demo shop's real reviews, at several
batch sizes in one run, with peak GPU memory. The device machines here cannot download a model and carry
at most 64 MiB, so `--random-arch qwen2.5-1.5b` builds the packaged 1.5B's exact architecture (Qwen2.5-1.5B:
28 layers, hidden 1536, 12 heads, 2 KV heads, vocabulary 151,936) with random bf16 weights and the real
Qwen2.5 tokenizer: the compute, the memory and the prompts are the real ones, the answers are not (accuracy
is measured on the CPU and in bench/RESULTS-analysis.md's H100 run with the real weights). With a real
model, pass `--model` (a folder, .gguf or Hugging Face id) instead.

    python bench/bench_gpu.py --random-arch qwen2.5-1.5b --tokenizer DIR --embedder DIR --n 4096 [--cascade]

`--cascade` measures the default path too (`reviewlens analyze` without --thorough): its routing depends on
the heads, not on the LLM's answers, so the share sent to the LLM is real even with random weights.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ARCHS = {
    "qwen2.5-1.5b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                         num_key_value_heads=2, tie_word_embeddings=True),
    "qwen2.5-0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                         num_key_value_heads=2, tie_word_embeddings=True),
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, tie_word_embeddings=True),  # a smoke test of this script on a CPU
}


def random_model(arch: str, tokenizer_dir: Path, out: Path, device: str) -> Path:
    """A Qwen2 model of architecture `arch` with random bf16 weights, saved with the real tokenizer."""
    import shutil

    import torch
    from transformers import AutoModelForCausalLM, Qwen2Config

    cfg = Qwen2Config(vocab_size=151936, max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6,
                      bos_token_id=151643, eos_token_id=151645, pad_token_id=151643, hidden_act="silu",
                      **ARCHS[arch])
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    for f in tokenizer_dir.iterdir():
        if f.name.startswith(("tokenizer", "chat_template", "special_tokens", "vocab", "merges")):
            shutil.copy(f, out / f.name)
    del model
    return out


def reviews(n: int, source: str) -> list[str]:
    """`n` distinct reviews made of real review sentences: from the demo shop's product reviews (five
    sentences each, ~500 characters) or from a Yelp labelled file (three sentences each, ~180 characters).
    Distinct, because identical texts are scored once and would flatter the throughput."""
    if source == "demo":
        data = json.loads((ROOT / "data" / "demo_shop" / "reviews.json").read_text(encoding="utf-8"))
        import re

        pool = [s.strip() for r in data["reviews"] if r.get("text") for s in re.split(r"(?<=[.!?])\s+", r["text"])]
        k = 5
    else:
        pool = [ln.rsplit("\t", 1)[0].strip() for ln in Path(source).read_text(encoding="utf-8").splitlines() if "\t" in ln]
        k = 3
    pool = [s for s in dict.fromkeys(pool) if s]
    rng = random.Random(7)
    out: dict[str, None] = {}
    while len(out) < n:
        out[" ".join(rng.sample(pool, k))] = None
    return list(out)


def cascade(backend, texts: list[str], batch_size: int, device: str) -> dict:
    """Reviews/s of the default path's sentiment and topics (the Analyzer's cascade and its topic step),
    and the share of texts the LLM decided. The embedder is the one `main` made (get_embedder's cache)."""
    import torch

    from analysis import Analyzer
    from reviewlens.config import AnalysisSettings

    an = Analyzer(AnalysisSettings(second_head=False, batch_size=batch_size), backend=backend)
    an.cascade.decide(texts[:batch_size])  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    decided = an.cascade.decide(texts)
    if device == "cuda":
        torch.cuda.synchronize()
    t_sent = time.perf_counter() - t0
    t0 = time.perf_counter()
    an._topics(texts, an.taxonomy, False)
    if device == "cuda":
        torch.cuda.synchronize()
    t_top = time.perf_counter() - t0
    return {"cascade_sentiment_rps": round(len(texts) / t_sent, 1), "cascade_topics_rps": round(len(texts) / t_top, 1),
            "cascade_both_rps": round(len(texts) / (t_sent + t_top), 1),
            "cascade_llm_share": round(sum(d[2] == "llm" for d in decided) / len(texts), 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="a real model (folder, .gguf or hub id)")
    ap.add_argument("--random-arch", choices=sorted(ARCHS))
    ap.add_argument("--tokenizer", type=Path, help="folder with the Qwen2.5 tokenizer files (for --random-arch)")
    ap.add_argument("--embedder", type=Path, help="all-MiniLM-L6-v2 folder (default: the packaged one)")
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--texts", default="demo", help="demo (the demo shop's reviews) or a yelp_labelled.txt path")
    ap.add_argument("--batch-sizes", default="64,128,256,512")
    ap.add_argument("--precision", default="bf16")
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    ap.add_argument("--cascade", action="store_true",
                    help="also the default path (`reviewlens analyze` without --thorough): the MiniLM sentiment "
                         "head decides what it is sure of and the LLM the rest, topics from the embeddings and "
                         "the calibrated rule, per-topic sentiment through the same cascade (second head off: "
                         "all-mpnet-base-v2 does not fit the 64 MiB a device call carries)")
    args = ap.parse_args()

    import torch

    from analysis.backends.local import LocalBackend
    from analysis.embeddings import Embedder
    from analysis.sentiment import sentiment_batch
    from analysis.taxonomy import load_taxonomy
    from analysis.topics import classify_topics
    from reviewlens.config import AnalysisSettings

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = args.model
    if args.random_arch:
        t0 = time.perf_counter()
        model = str(random_model(args.random_arch, args.tokenizer, Path("/tmp") / f"rl-{args.random_arch}", device))
        print(f"random {args.random_arch} built in {time.perf_counter() - t0:.1f} s", flush=True)
    texts = reviews(args.n, args.texts)
    emb = Embedder(args.embedder, device=device)
    if args.cascade:  # the cascade and the topic step ask analysis.embeddings.get_embedder() for the default
        import analysis.embeddings

        analysis.embeddings._cache["::"] = emb
    tax = load_taxonomy(AnalysisSettings())
    gpu = torch.cuda.get_device_name(0) if device == "cuda" else "cpu"
    print(f"device: {gpu}; torch {torch.__version__}; {len(texts)} reviews "
          f"(mean {sum(map(len, texts)) / len(texts):.0f} chars)", flush=True)

    backend = LocalBackend(model, precision=args.precision, batch_size=8)
    backend.load()
    params = inspect.signature(classify_topics).parameters
    results = []
    for bs in [int(b) for b in args.batch_sizes.split(",") if b]:
        backend.batch_size = bs
        sentiment_batch(backend, texts[:bs])  # warm-up: kernels, the prompt prefix cache
        if device == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        sentiment_batch(backend, texts)
        if device == "cuda":
            torch.cuda.synchronize()
        t_sent = time.perf_counter() - t0
        kw = {}
        if "sentiment_fn" in params:
            kw["sentiment_fn"] = lambda ts: [s for s, _ in sentiment_batch(backend, ts)]
        t0 = time.perf_counter()
        classify_topics(backend, texts, tax, embedder=emb, **kw)
        if device == "cuda":
            torch.cuda.synchronize()
        t_top = time.perf_counter() - t0
        mem = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else 0.0
        r = {"batch_size": bs, "sentiment_rps": round(len(texts) / t_sent, 1), "topics_rps": round(len(texts) / t_top, 1),
             "both_rps": round(len(texts) / (t_sent + t_top), 1), "peak_gpu_mb": round(mem)}
        if args.cascade:
            r.update(cascade(backend, texts, bs, device))
        results.append(r)
        print(json.dumps(r), flush=True)
    out = {"device": gpu, "model": args.random_arch or model, "random_weights": bool(args.random_arch),
           "precision": backend.precision, "n": len(texts), "results": results}
    if args.out:
        args.out.write_text(json.dumps(out, indent=1))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
