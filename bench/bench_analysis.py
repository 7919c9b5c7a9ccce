"""Analysis throughput and precision benchmark, every comparison measured in the same run.

1. throughput: the batched Analyzer (sentiment by label scoring + topics + entities, and sentiment +
   topics alone) against the naive loop of one `generate()` call per review asking for JSON
   {sentiment, topics} - reviews per second and the speed-up;
2. precision (CPU, and GPU when present): load time, seconds per review (label scoring and JSON
   generation) and peak RSS / CUDA memory, each precision in its own subprocess;
3. sentiment accuracy on the Yelp labelled sentences (+ the hand-made neutral set).

    .venv/bin/python bench/bench_analysis.py --n 24                # 1 + 2 (CPU)
    .venv/bin/python bench/bench_analysis.py --accuracy 1000       # 3 on all 1000 sentences
    .venv/bin/python bench/bench_analysis.py --gpu                 # on a CUDA machine: 1.5B 4-bit vs bf16
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

YELP = Path(os.environ.get("REVIEWLENS_EVAL_DIR", "/work/shared/eval")) / "yelp_labelled.txt"
NEUTRAL = ROOT / "tests" / "analysis" / "data" / "neutral_sentences.txt"
log = logging.getLogger("bench_analysis")


def yelp_rows() -> list[tuple[str, str]]:
    rows = []
    for line in YELP.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            text, lab = line.rsplit("\t", 1)
            rows.append((text.strip(), "positive" if lab.strip() == "1" else "negative"))
    return rows


def cpu_s() -> float:
    """CPU seconds used by this process so far (all threads): robust to other jobs sharing the cores."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Timer:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> "Timer":
        self.w0, self.c0 = time.perf_counter(), cpu_s()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.w0, cpu_s() - self.c0


def bench_reviews(n: int) -> list[str]:
    """n review-length texts: three Yelp sentences each (deterministic)."""
    sents = [t for t, _ in yelp_rows()]
    random.Random(7).shuffle(sents)
    return [" ".join(sents[3 * i:3 * i + 3]) for i in range(n)]


def machine() -> str:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, {gpu}, torch {torch.__version__}"


# ---------------------------------------------------------------------------------------- naive loop
NAIVE_SYSTEM = None


def naive_conversation(text: str, topic_names: list[str]) -> list[dict]:
    from analysis.prompts import conversation, embed_review, system_prompt

    system = system_prompt(
        "You analyze customer reviews. Reply with JSON only: "
        '{"sentiment": "positive|neutral|negative", "topics": [{"topic": "<name>", "sentiment": '
        '"positive|neutral|negative"}]}. Topics come from this list: ' + ", ".join(topic_names) + ".")
    return conversation(system, embed_review(text))


def naive_loop(backend, texts: list[str], topic_names: list[str]) -> tuple[Timer, int]:
    """One generate() per review, JSON parsed with the repairer; returns (timer, parse failures)."""
    from analysis.jsonrepair import JSONRepairError, parse_json

    timer = Timer().__enter__()
    bad = 0
    for t in texts:
        raw = backend.generate([naive_conversation(t, topic_names)], max_new_tokens=128)[0]
        try:
            obj = parse_json(raw, expect=dict)
            if obj.get("sentiment") not in ("positive", "neutral", "negative"):
                bad += 1
        except JSONRepairError:
            bad += 1
    timer.__exit__()
    return timer, bad


def throughput(n: int, precision: str, model: str, batch_size: int) -> dict:
    from analysis.analyzer import Analyzer
    from analysis.backends.local import LocalBackend
    from analysis.sentiment import sentiment_batch
    from reviewlens.config import AnalysisSettings
    from reviewlens.schema import Review

    texts = bench_reviews(n)
    settings = AnalysisSettings(model=model, precision=precision, batch_size=batch_size)
    backend = LocalBackend(model, precision=precision, batch_size=batch_size)
    backend.load()
    an = Analyzer(settings, backend=backend)
    an.analyze([Review(source="warm", text="Warm-up review: nice staff, slow delivery.")])  # load spaCy/embeddings
    res: dict = {"n": n, "precision": backend.precision, "model": backend.name, "batch_size": batch_size}

    with Timer() as t:
        out = an.analyze([Review(source="bench", text=t) for t in texts])
    res["analyzer_full"] = t
    res["analyzer_failed"] = sum(a.status != "ok" for a in out)

    from analysis.topics import classify_topics

    with Timer() as t:
        sentiment_batch(backend, texts)
        classify_topics(backend, texts, an.taxonomy)
    res["sent_topics"] = t

    with Timer() as t:
        sentiment_batch(backend, texts)
    res["sentiment_only"] = t

    naive_n = max(4, n // 2)  # the naive loop is slow: time half the reviews, report per review
    res["naive_n"] = naive_n
    res["naive"], res["naive_parse_failures"] = naive_loop(backend, texts[:naive_n], an.taxonomy.names)
    return res


# ---------------------------------------------------------------------------------------- precision
def precision_worker(precision: str, model: str, n: int, batch_size: int = 8) -> dict:
    """Runs in a subprocess: load time, s/review for scoring and for JSON generation (batched, and the
    naive one-generate()-per-review loop on the same reviews), peak memory."""
    import torch

    from analysis.backends.local import LocalBackend
    from analysis.sentiment import sentiment_batch

    texts = bench_reviews(n)
    b = LocalBackend(model, precision=precision, batch_size=batch_size)
    with Timer() as load:
        b.load()
    sentiment_batch(b, texts[:2])  # warm-up
    with Timer() as score:
        labels = sentiment_batch(b, texts)
    gen_n = max(2, n // 4)
    convs = [naive_conversation(t, ["food", "service", "price"]) for t in texts[:gen_n]]
    with Timer() as gen:
        b.generate(convs, max_new_tokens=64)
    naive_n = max(2, gen_n // 2)
    with Timer() as naive:
        for c in convs[:naive_n]:
            b.generate([c], max_new_tokens=64)
    out = {"precision": b.precision, "device": b.device, "load_s": load.wall,
           "score_s_per_review": score.wall / n, "score_cpu_per_review": score.cpu / n,
           "gen_s_per_review_batched": gen.wall / gen_n, "gen_cpu_per_review": gen.cpu / gen_n,
           "gen_s_per_review_naive": naive.wall / naive_n, "batch_size": batch_size,
           "labels": [lab for lab, _ in labels],
           "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if b.device == "cuda":
        out["cuda_max_mem_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return out


def run_worker(precision: str, model: str, n: int, batch_size: int = 8) -> dict:
    cmd = [sys.executable, __file__, "--_worker", precision, "--model", model, "--n", str(n),
           "--batch-size", str(batch_size)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return {"precision": precision, "error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "failed"}
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------- accuracy
def accuracy(n: int, precision: str, model: str, skip: int = 0) -> dict:
    from analysis.backends.local import LocalBackend
    from analysis.sentiment import sentiment_batch

    rows = yelp_rows()
    random.Random(0).shuffle(rows)  # rows[:400] were used to tune the calibration
    rows = rows[skip:skip + n]
    neutral = [s.strip() for s in NEUTRAL.read_text(encoding="utf-8").splitlines() if s.strip()]
    b = LocalBackend(model, precision=precision, batch_size=16)
    b.load()
    t0 = time.perf_counter()
    pred = sentiment_batch(b, [t for t, _ in rows] + neutral)
    dt = time.perf_counter() - t0
    yp, np_ = pred[:len(rows)], pred[len(rows):]
    acc = sum(p[0] == g for p, (_, g) in zip(yp, rows)) / len(rows)
    return {"yelp_n": len(rows), "yelp_accuracy": acc,
            "yelp_predicted_neutral": sum(p[0] == "neutral" for p in yp) / len(rows),
            "neutral_n": len(neutral), "neutral_accuracy": sum(p[0] == "neutral" for p in np_) / len(neutral),
            "s_per_text": dt / (len(rows) + len(neutral)), "precision": b.precision}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=24, help="reviews for the throughput and precision runs")
    ap.add_argument("--model", default="qwen2.5-coder-0.5b")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--precision", default="auto", help="for the throughput and accuracy runs")
    ap.add_argument("--precisions", default="bf16,fp32,4bit", help="compared in subprocesses ('' to skip)")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--accuracy", type=int, default=0, help="Yelp sentences for the sentiment accuracy run")
    ap.add_argument("--accuracy-skip", type=int, default=0,
                    help="skip this many shuffled Yelp sentences (400 = only those not used for tuning)")
    ap.add_argument("--gpu", action="store_true", help="GPU comparison: --model 1.5B, precisions 4bit,bf16")
    ap.add_argument("--_worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._worker:
        logging.basicConfig(level=logging.WARNING)
        print(json.dumps(precision_worker(args._worker, args.model, args.n, args.batch_size)))
        return
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.gpu:
        args.model = "qwen2.5-coder-1.5b" if args.model == "qwen2.5-coder-0.5b" else args.model
        args.precisions = "4bit,8bit,bf16" if args.precisions == ap.get_default("precisions") else args.precisions
    print(f"# machine: {machine()}")
    if not args.skip_throughput:
        r = throughput(args.n, args.precision, args.model, args.batch_size)
        nv = r["naive"]
        print(f"\n## Throughput ({r['model']}, {r['precision']}, batch {r['batch_size']}, {r['n']} reviews)")
        print("| method | reviews/s (wall) | s/review (wall) | CPU s/review | speed-up vs naive (wall) "
              "| speed-up (CPU time) |\n|---|---|---|---|---|---|")
        for label, t, n in [("naive loop: 1 generate() per review, JSON sentiment+topics", nv, r["naive_n"]),
                            ("batched Analyzer: sentiment + topics + entities", r["analyzer_full"], r["n"]),
                            ("batched: sentiment + topics", r["sent_topics"], r["n"]),
                            ("batched: sentiment only", r["sentiment_only"], r["n"])]:
            print(f"| {label} | {n / t.wall:.3f} | {t.wall / n:.2f} | {t.cpu / n:.2f} | "
                  f"{(nv.wall / r['naive_n']) / (t.wall / n):.1f}x | {(nv.cpu / r['naive_n']) / (t.cpu / n):.1f}x |")
        print(f"\nnaive JSON parse failures (after repair): {r['naive_parse_failures']}/{r['naive_n']}; "
              f"Analyzer failures: {r['analyzer_failed']}/{r['n']}")
    precs = [p for p in args.precisions.split(",") if p]
    if precs:
        rows = [run_worker(p, args.model, args.n, args.batch_size) for p in precs]
        base = next((x["labels"] for x in rows if "labels" in x), None)
        print(f"\n## Precision ({args.model}, {args.n} reviews, batch {args.batch_size}, each in a fresh process)")
        print("| precision | device | load s | s/review scoring (CPU s) | reviews/s scoring | s/review JSON gen, "
              "batched (CPU s) | s/review JSON gen, one per call | batched vs one per call | peak RSS MB "
              "| CUDA max MB | labels = first row |\n|---|---|---|---|---|---|---|---|---|---|---|")
        for x in rows:
            if "error" in x:
                print(f"| {x['precision']} | error: {x['error']} |")
                continue
            agree = sum(a == b for a, b in zip(x["labels"], base)) / len(base)
            print(f"| {x['precision']} | {x['device']} | {x['load_s']:.1f} | {x['score_s_per_review']:.3f} "
                  f"({x['score_cpu_per_review']:.3f}) | {1 / x['score_s_per_review']:.1f} | "
                  f"{x['gen_s_per_review_batched']:.3f} ({x['gen_cpu_per_review']:.2f}) | "
                  f"{x['gen_s_per_review_naive']:.3f} | "
                  f"{x['gen_s_per_review_naive'] / x['gen_s_per_review_batched']:.1f}x | {x['rss_mb']:.0f} | "
                  f"{x.get('cuda_max_mem_mb', 0):.0f} | {agree:.0%} |")
    if args.accuracy:
        a = accuracy(args.accuracy, args.precision, args.model, args.accuracy_skip)
        print(f"\n## Sentiment accuracy ({a['precision']})")
        print(f"Yelp: {a['yelp_accuracy']:.1%} of {a['yelp_n']} sentences (after skipping {args.accuracy_skip}) "
              f"({a['yelp_predicted_neutral']:.1%} predicted neutral); hand-made neutral set: "
              f"{a['neutral_accuracy']:.1%} of {a['neutral_n']}; {a['s_per_text']:.3f} s/text")


if __name__ == "__main__":
    main()
