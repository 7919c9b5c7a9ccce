"""The LLM's share of the CPU cascade: precision (fp32, bf16, dynamic int8), batch size and threads, measured
side by side with the sentiment accuracy they give.

The texts are what the cascade sends to the LLM: the held-out Yelp sentences (the first N after
analysis.evaluate's seed-13 shuffle, never trained or tuned on) that the sentiment head is unsure of
(probability below `--confidence`, the default 0.6). They are scored as `reviewlens analyze` scores them:
one call per analyzer chunk (32 reviews: batch 8 x 4), through `analysis.sentiment` (calibrated label
log-probs + VADER). Each configuration runs in a fresh process: model load (with the int8 quantization),
the first call (which computes the shared prompt prefix's KV cache once), then the calls of every chunk.

Accuracy: the cascade's (the head's confident answers + this configuration's LLM answers) on all N, the
LLM's on the texts it was sent, and how many labels differ from fp32's.

    .venv/bin/python bench/bench_cpu_llm.py --configs fp32,bf16,int8,int8:16,int8:8:1
    (a configuration is precision[:batch_size[:threads]]; int8 variants: int8-all also quantizes the MLP's
    down projection, int8-head that and the output head, int8-attn only the attention projections)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 32  # reviews per analyzer chunk (batch_size 8 x analyzer.CHUNK_FACTOR 4)
# int8 schemes other than the backend's (`int8`: INT8_KEEP_FP32): the linear layers kept in fp32
VARIANTS = {"int8-all": ("lm_head",), "int8-head": (), "int8-attn": ("gate_proj", "up_proj", "down_proj", "lm_head")}


def routed(eval_dir: Path, n: int, confidence: float) -> dict:
    """The held-out slice, the head's answers and which texts the cascade sends to the LLM."""
    from analysis import heads
    from analysis.embeddings import get_embedder
    from analysis.evaluate import load_yelp

    rows = load_yelp(eval_dir)[:n]
    texts = [t for t, _ in rows]
    pred = heads.sentiment_head().predict(heads.features(texts, get_embedder()))
    calls: list[list[int]] = []
    for start in range(0, n, CHUNK):
        idx = [i for i in range(start, min(n, start + CHUNK)) if pred[i][1] < confidence]
        if idx:
            calls.append(idx)
    return {"texts": texts, "gold": [g for _, g in rows], "head": [lb for lb, _ in pred], "calls": calls}


def one(config: str, data_path: Path) -> dict:
    """Run one configuration (in this fresh process) and return its measurements."""
    import torch

    from analysis import sentiment as S
    from analysis.backends.local import LocalBackend, quantize_int8

    parts = config.split(":")
    prec, batch, threads = parts + ["", "8", "2"][len(parts):]
    torch.set_num_threads(int(threads))
    data = json.loads(data_path.read_text())
    texts, calls = data["texts"], data["calls"]
    variant = VARIANTS.get(prec)
    b = LocalBackend("qwen2.5-coder-0.5b", precision="fp32" if variant is not None else prec, batch_size=int(batch),
                     device="cpu")
    w0, c0 = time.perf_counter(), time.process_time()
    b.load()
    if variant is not None:
        quantize_int8(b.model, keep=variant)
    load = (time.perf_counter() - w0, time.process_time() - c0)
    # the first call computes the shared prompt prefix once (a call of one text, as the analyzer makes)
    w0, c0 = time.perf_counter(), time.process_time()
    first = S.label_logprobs(b, [texts[calls[0][0]]])
    prefix = (time.perf_counter() - w0, time.process_time() - c0)
    w0, c0 = time.perf_counter(), time.process_time()
    lps: dict[int, list[float]] = {}
    for idx in calls:
        for i, lp in zip(idx, S.label_logprobs(b, [texts[i] for i in idx])):
            lps[i] = lp
    score = (time.perf_counter() - w0, time.process_time() - c0)
    vader = dict(zip(lps, S.vader_scores([texts[i] for i in lps])))
    labels = {i: S.combine(lp, vader[i], S.DEFAULT_CALIBRATION)[0] for i, lp in lps.items()}
    n = len(lps)
    return {"config": f"{prec}:{batch}:{threads}", "precision": prec, "batch": int(batch), "threads": int(threads),
            "load_s": round(load[0], 2), "load_cpu_s": round(load[1], 2),
            "first_call_s": round(prefix[0], 2), "first_call_cpu_s": round(prefix[1], 2),
            "score_s_per_text": round(score[0] / n, 4), "score_cpu_s_per_text": round(score[1] / n, 4),
            "llm_texts": n, "llm_calls": len(calls), "first_logprobs": first[0],
            "logprobs": {str(i): v for i, v in lps.items()}, "labels": {str(i): v for i, v in labels.items()},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "load_avg": round(os.getloadavg()[0], 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="fp32,bf16,int8,int8-all,int8-attn,fp32:16,int8:16,int8:4,fp32:8:1,int8:8:1")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--confidence", type=float, default=0.6)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.data)))
        return 0

    data = routed(args.eval_dir, args.n, args.confidence)
    sent = sum(len(c) for c in data["calls"])
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, torch threads per config as given; load {os.getloadavg()}")
    print(f"{args.n} held-out Yelp sentences; the head is unsure of {sent} ({sent / args.n:.0%}) at confidence "
          f"{args.confidence}: {len(data['calls'])} LLM calls (one per chunk of {CHUNK})")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.json"
        path.write_text(json.dumps(data))
        for cfg in [c for c in args.configs.split(",") if c]:
            out = subprocess.run([sys.executable, __file__, "--one", cfg, "--data", str(path)], env=env,
                                 capture_output=True, text=True)
            if out.returncode:
                print(f"{cfg}: failed\n{out.stderr[-2000:]}", flush=True)
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            labels = {int(k): v for k, v in r["labels"].items()}
            casc = [labels.get(i, h) for i, h in enumerate(data["head"])]
            r["cascade_accuracy"] = round(sum(p == g for p, g in zip(casc, data["gold"])) / args.n, 4)
            r["llm_accuracy"] = round(sum(labels[i] == data["gold"][i] for i in labels) / len(labels), 4)
            base = next((x for x in results if x["precision"] == "fp32"), None)
            if base is not None:
                r["labels_differ_from_fp32"] = sum(base["labels"][k] != v for k, v in r["labels"].items())
                r["max_abs_logprob_diff_vs_fp32"] = round(max(
                    abs(a - b) for k, v in r["logprobs"].items() for a, b in zip(v, base["logprobs"][k])), 3)
            results.append(r)
            print(f"{r['config']:14} load {r['load_s']:5.1f} s ({r['load_cpu_s']:5.1f} CPU)  first call "
                  f"{r['first_call_s']:5.1f} s ({r['first_call_cpu_s']:5.1f} CPU)  scoring {r['score_s_per_text']:.3f} "
                  f"s/text ({r['score_cpu_s_per_text']:.3f} CPU)  RSS {r['peak_rss_mb']} MB  cascade "
                  f"{r['cascade_accuracy']:.1%}  LLM on its {r['llm_texts']} {r['llm_accuracy']:.1%}  differ from fp32 "
                  f"{r.get('labels_differ_from_fp32', '-')} (max |dlogprob| {r.get('max_abs_logprob_diff_vs_fp32', '-')})"
                  f"  load avg {r['load_avg']}", flush=True)
    if args.json:
        slim = [{k: v for k, v in r.items() if k not in ("logprobs", "labels")} for r in results]
        args.json.write_text(json.dumps({"machine": cpu_name(), "n": args.n, "confidence": args.confidence,
                                         "llm_texts": sent, "results": slim}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
