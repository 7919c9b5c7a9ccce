"""`reviewlens analyze` wall to wall: this version against the first release (commit fcdf49a), same run.

Each side analyzes the same reviews in a fresh store and a fresh process (imports, model load and the
top complaints included, as a user runs it), at each precision asked (fp32 is what CPUs without native
bf16 run). The first release has no int8: this version's int8 is compared with its fp32 (what it ran
on such CPUs), each first-release precision measured once per run. The reviews are the held-out Yelp sentences (the first N after analysis.evaluate's seed-13
shuffle: never trained or tuned on), so the sentiment accuracy of both sides is measured too.

Each side is warmed first by one untimed run on 3 reviews (the VM reclaims idle page cache: the side run first
used to pay for reading its libraries and model files from disk); `--repeat N` alternates N timed runs of each
side and compares the medians.

    .venv/bin/python bench/bench_cascade.py --n 200 --precisions fp32,int8,bf16 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.evaluate import load_yelp  # noqa: E402
from reviewlens.schema import Review  # noqa: E402
from reviewlens.store import Store  # noqa: E402

FIRST_RELEASE = "fcdf49a"
OLD_PRECISION = {"int8": "fp32", "auto": "auto"}  # what the first release ran in place of a precision it lacks


def first_release_tree(where: Path) -> Path:
    """A worktree of the first release (made once)."""
    if not (where / "reviewlens").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), FIRST_RELEASE],
                       check=True, capture_output=True)
    return where


def seed_store(db: Path, rows: list[tuple[str, str]]) -> None:
    s = Store(db)
    s.upsert_reviews([Review(source="yelp-held-out", text=t, site_review_id=str(i)) for i, (t, _) in enumerate(rows)])
    s.close()


def run_analyze(tree: Path, module: str, db: Path, precision: str, extra: tuple[str, ...] = ()) -> tuple[float, float]:
    """Wall seconds and CPU seconds (all threads) of one `reviewlens analyze` process. CPU seconds are
    the fairer figure when other jobs share the cores."""
    env = dict(os.environ, PYTHONPATH=str(tree), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               REVIEWLENS_DATA_DIR=str(db.parent / "data"))
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", module, "analyze", "--db", str(db), "--precision", precision, "-q", *extra],
                   cwd=str(tree), env=env, check=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def accuracy(db: Path, rows: list[tuple[str, str]]) -> float:
    df = Store(db).reviews_frame()
    gold = {t: g for t, g in rows}
    return float((df["sentiment"] == df["text"].map(gold)).mean())


def _at_least_one(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value}: at least 1")
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--precisions", default="fp32,bf16")
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--old-tree", type=Path, default=Path(tempfile.gettempdir()) / "reviewlens-first-release")
    ap.add_argument("--skip-old", action="store_true")
    ap.add_argument("--repeat", type=_at_least_one, default=1,
                    help="timed runs of each side, alternating; the median is compared (single runs of this "
                         "version moved 19-28 s on this VM)")
    ap.add_argument("--no-warm", action="store_true",
                    help="skip the untimed run of each side on 3 reviews before its timed runs (it reads the "
                         "side's libraries and model files into the page cache: the VM reclaims idle cache, "
                         "and the side that runs first paid for reading them from disk)")
    ap.add_argument("--also", action="append", default=[], metavar="ARGS",
                    help="also run this version with these analyze options, e.g. --also='--no-second-head' "
                         "(repeatable)")
    args = ap.parse_args()
    rows = load_yelp(args.eval_dir)[:args.n]
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores; {args.n} held-out Yelp sentences")
    old = first_release_tree(args.old_tree) if not args.skip_old else None
    results = []
    firsts: dict[str, dict] = {}  # first-release runs by the precision it ran
    with tempfile.TemporaryDirectory() as tmp:
        for prec in [p for p in args.precisions.split(",") if p]:
            old_prec = OLD_PRECISION.get(prec, prec)
            sides = [("this version", ROOT, "reviewlens.app.cli", prec, ())]
            for extra in args.also:
                sides.append((f"this version {extra}", ROOT, "reviewlens.app.cli", prec, tuple(extra.split())))
            if old is not None and old_prec not in firsts:
                sides.append((f"first release {FIRST_RELEASE}", old, "reviewlens.cli", old_prec, ()))
            if not args.no_warm:
                for k, (name, tree, module, side_prec, extra) in enumerate(sides):
                    db = Path(tmp) / f"warm-{side_prec}-{k}.db"
                    seed_store(db, rows[:3])
                    run_analyze(tree, module, db, side_prec, extra)
            runs: dict[int, list[dict]] = {}
            for rep in range(args.repeat):
                for k, (name, tree, module, side_prec, extra) in enumerate(sides):
                    db = Path(tmp) / f"{side_prec}-{k}-{rep}.db"
                    seed_store(db, rows)
                    load0 = os.getloadavg()[0]
                    secs, cpu_s = run_analyze(tree, module, db, side_prec, extra)
                    acc = accuracy(db, rows)
                    load = max(load0, os.getloadavg()[0])
                    runs.setdefault(k, []).append({"seconds": secs, "cpu_seconds": cpu_s, "accuracy": acc, "load": load})
                    print(f"{side_prec:5} {name:45} {secs:7.1f} s wall ({secs / args.n:.3f} s/review), "
                          f"{cpu_s:7.1f} CPU s, sentiment accuracy {acc:.1%}, load {load:.1f} (before/after, the "
                          f"higher)", flush=True)
            for k, (name, tree, module, side_prec, extra) in enumerate(sides):
                rs = runs[k]
                med = statistics.median(r["seconds"] for r in rs)
                results.append({"precision": side_prec, "side": name, "seconds": round(med, 1),
                                "runs_seconds": [round(r["seconds"], 1) for r in rs],
                                "cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in rs), 1),
                                "s_per_review": round(med / args.n, 3), "accuracy": round(rs[-1]["accuracy"], 4),
                                "load": round(max(r["load"] for r in rs), 1)})
                if len(rs) > 1:
                    print(f"{side_prec:5} {name:45} median of {len(rs)}: {med:.1f} s wall", flush=True)
                if name.startswith("first release"):
                    firsts[side_prec] = results[-1]
            if old is not None:
                new, first = next(r for r in reversed(results) if r["side"] == "this version"), firsts[old_prec]
                print(f"{prec:5} speed-up vs the first release's {old_prec}: {first['seconds'] / new['seconds']:.1f}x wall, "
                      f"{first['cpu_seconds'] / new['cpu_seconds']:.1f}x CPU time", flush=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
