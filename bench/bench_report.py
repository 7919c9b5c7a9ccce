"""Excel report speed and memory: the streaming (write-only) report at several sizes, against a naive
in-memory export (pandas DataFrame -> openpyxl) of the same reviews, each in its own process.

    .venv/bin/python bench/bench_report.py [--db bench/out/big.db] [--n 100000]

Peak memory is the child process's max RSS; "over baseline" subtracts the RSS measured right before
the export started (Python, pandas, SQLAlchemy, openpyxl imported and the store opened).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(db: str, mode: str, days: int | None, out: str) -> None:
    """Run one export in this process and print a JSON line with its measurements."""
    import openpyxl  # noqa: F401  (imported before the baseline)
    import pandas as pd

    from dashboard.report import write_report
    from reviewlens import queries as Q
    from reviewlens.store import Store

    store = Store(db)
    opts = Q.options(store)
    since = opts.last_date - timedelta(days=days - 1) if days else None
    base = _rss_mb()
    t0 = time.perf_counter()
    if mode == "stream":
        write_report(store, out, since=since)
        n = Q.count_reviews(store, Q.Filters.of(since=since))
    else:  # naive: the whole frame in memory, then a normal (not write-only) workbook
        df = store.reviews_frame(since=since)
        df["topics"] = df["topics"].map(lambda t: ", ".join(x.get("topic", "") for x in t))
        df["entities"] = df["entities"].map(lambda e: ", ".join(x.get("text", "") for x in e))
        df = df.drop(columns=["scraped_at"])
        with pd.ExcelWriter(out, engine="openpyxl") as xw:
            df.to_excel(xw, sheet_name="Reviews", index=False)
        n = len(df)
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "reviews": n, "seconds": secs, "peak_mb": peak, "baseline_mb": base,
                      "file_mb": os.path.getsize(out) / 1e6}))


def run_child(db: str, mode: str, days: int | None, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--db", db, "--out", str(out)]
    if days:
        cmd += ["--days", str(days)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default=str(ROOT / "bench" / "out" / "big.db"))
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--child", choices=["stream", "naive"])
    p.add_argument("--days", type=int)
    p.add_argument("--out")
    p.add_argument("--skip-naive-all", action="store_true", help="skip the naive export of every review")
    args = p.parse_args()
    if args.child:
        child(args.db, args.child, args.days, args.out)
        return 0
    if not Path(args.db).exists():
        from bench_dashboard import ensure_store
        ensure_store(args.db, args.n)
    outdir = ROOT / "bench" / "out"
    outdir.mkdir(parents=True, exist_ok=True)
    print(f"# Excel report benchmark: {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| export | reviews | seconds | reviews/s | peak RSS MB | over baseline MB | file MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    plans = [("stream", 90), ("naive", 90), ("stream", 365), ("naive", 365), ("stream", None)]
    if not args.skip_naive_all:
        plans.append(("naive", None))
    for mode, days in plans:
        r = run_child(args.db, mode, days, outdir / f"report-{mode}-{days or 'all'}.xlsx")
        label = {"stream": "write_report (write-only, streamed)",
                 "naive": "naive (DataFrame -> to_excel, Reviews sheet only)"}[mode]
        print(f"| {label}, {'last %d days' % days if days else 'all'} | {r['reviews']:,} | {r['seconds']:.1f} | "
              f"{r['reviews'] / r['seconds']:,.0f} | {r['peak_mb']:.0f} | {r['peak_mb'] - r['baseline_mb']:.0f} | "
              f"{r['file_mb']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
