"""A newer entity finder on a store already analyzed: `reviewlens analyze` finding the entities of the stored
analyses again (jobs.refresh_entities: entities only, sentiment and topics kept) against analyzing every
review again (what a new entities version did before), both wall to wall with `reviewlens analyze` in the
same run, on a copy of the store.

    .venv/bin/python bench/bench_entity_refresh.py --store data/reviewlens.db [--precision fp32]

The store must have been analyzed by this version (the demo's store: `bash scripts/demo.sh` first).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def analyze(db: Path, precision: str | None) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "reviewlens.app.cli", "--db", str(db), "analyze", "-q"]
    cmd += ["--precision", precision] if precision else []
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(ROOT))
    if res.returncode:
        sys.exit(f"reviewlens analyze failed:\n{res.stderr[-2000:]}")
    return time.perf_counter() - t, next((ln for ln in res.stdout.splitlines() if ln.startswith("run ")), "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=ROOT / "data" / "reviewlens.db", help="an analyzed SQLite store")
    ap.add_argument("--precision", help="the local model's precision for both runs (default: the settings')")
    args = ap.parse_args()
    from analysis import entities

    old, new = (v.replace("entities-", ".e") + "." for v in (entities.REFRESH_FROM[0], entities.PROMPT_VERSION))
    print(f"machine: {cpu_name()}, {os.cpu_count()} CPUs, {platform.python_version()}; precision "
          f"{args.precision or 'from the settings'}; store {args.store}")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "copy.db"
        shutil.copy(args.store, db)
        with sqlite3.connect(db) as c:
            c.execute("DELETE FROM analyses WHERE NOT is_current")  # analyses kept from earlier versions
            n = c.execute("UPDATE analyses SET prompt_version = replace(prompt_version, ?, ?) "
                          "WHERE is_current AND status = 'ok' AND prompt_version LIKE ?", (new, old, f"%{new}%")).rowcount
        if not n:
            sys.exit(f"no analysis of this version ({new.strip('.')}) in {args.store}: run `reviewlens analyze` on it")
        print(f"{n} analyses set back to the entity finder before ({old.strip('.')})")
        refresh, line = analyze(db, args.precision)
        print(f"  entities found again, the rest kept:  {refresh:6.1f} s   {line}")
        with sqlite3.connect(db) as c:
            c.execute("DELETE FROM analyses")
            c.execute("DELETE FROM review_topics")
            c.execute("DELETE FROM review_entities")
        full, line = analyze(db, args.precision)
        print(f"  every review analyzed again (before): {full:6.1f} s   {line}")
    print(f"  -> {full / refresh:.1f}x faster, {n / refresh:.1f} reviews/s (wall to wall, with the model and "
          f"encoders loaded in each run)")


if __name__ == "__main__":
    main()
