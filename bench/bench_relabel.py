"""New labels read every review text again: what that costs in a store with reviews in other languages, before
and after the stored translations are taken instead of new ones (commit after ce420bd).

    .venv/bin/python bench/bench_relabel.py [--precision fp32] [--before-ref ce420bd]

A store of bench/data/reviews_multilingual.jsonl (120 short reviews, 20 each in de, fr, es, it, nl, pt) and
the first 200 Yelp sentences of ../shared/eval, analyzed once; then one sentiment label is imported (the labels
are part of the analysis version, so all 320 texts are pending) and `reviewlens analyze --no-complaints` runs
on two copies of the store, in the same run, each in a fresh process: the code before (a git worktree of
`--before-ref`, which translates the 120 again) and this code (which reads them in their stored translation).
This code also keeps the entities found before in the texts read as they are (their sentiment is read again).
Printed: wall seconds of each, what was reused, and whether the two copies' analyses agree (sentiment, topics
and entities of every text).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench/data/reviews_multilingual.jsonl"
YELP = ROOT.parent / "shared/eval/yelp_labelled.txt"


def reviewlens(repo: Path, *args: str, log: Path | None = None) -> float:
    """Run the CLI of the code at `repo` in a fresh process; its wall seconds."""
    env = {**os.environ, "PYTHONPATH": str(repo), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    code = "import sys; from reviewlens.app.cli import run; sys.argv[0] = 'reviewlens'; sys.exit(run())"
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=repo, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if log is not None:
        log.write_text(out.stdout + out.stderr)
    if out.returncode != 0:
        raise SystemExit(f"reviewlens {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return dt


def current(db: Path) -> dict[str, tuple]:
    with closing(sqlite3.connect(db)) as c:
        return {h: (s, json.dumps(sorted(t["topic"] for t in json.loads(tp))),
                    json.dumps(sorted((e["text"], e["start"], e["type"], e.get("sentiment")) for e in json.loads(en))))
                for h, s, tp, en in c.execute("SELECT content_hash, sentiment, topics, entities FROM analyses "
                                              "WHERE is_current")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--precision", default=None, help="fp32 for what a CPU without native bf16 runs")
    ap.add_argument("--before-ref", default="ce420bd")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-relabel-"))
    before = work / "before"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(before), args.before_ref],
                   check=True)
    try:
        rows = [json.loads(ln) for ln in DATA.read_text().splitlines() if ln.strip()]
        yelp = [ln.rsplit("\t", 1)[0] for ln in YELP.read_text().splitlines()[:200]]
        with open(work / "reviews.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["text", "product"])
            w.writerows([[r["text"], "Kettle"] for r in rows] + [[t, "Bistro"] for t in yelp])
        cfg = work / "settings.toml"
        cfg.write_text(f'[analysis]\nprecision = "{args.precision}"\n' if args.precision else "")
        db = work / "store.db"
        common = ["--config", str(cfg), "-q"]
        env_cache = {"REVIEWLENS_VECTOR_CACHE": str(work / "vectors.sqlite3")}
        os.environ.update(env_cache)
        reviewlens(ROOT, "import", str(work / "reviews.csv"), "--db", str(db), *common)
        first = reviewlens(ROOT, "analyze", "--no-complaints", "--db", str(db), *common)
        with closing(sqlite3.connect(db)) as c:  # closed: an open connection keeps the store's -wal file
            translated = c.execute("SELECT count(*) FROM analyses WHERE translation IS NOT NULL").fetchone()[0]
            hid = c.execute("SELECT id FROM reviews WHERE product = 'Bistro' ORDER BY id LIMIT 1").fetchone()[0]
        (work / "label.csv").write_text(f"id,sentiment\n{hid},negative\n")
        reviewlens(ROOT, "label", "import", str(work / "label.csv"), "--db", str(db), *common)
        out = {}
        for name, repo in (("before", before), ("now", ROOT)):
            copy = work / f"{name}.db"
            shutil.copy(db, copy)
            log = work / f"{name}.log"
            secs = reviewlens(repo, "analyze", "--no-complaints", "--db", str(copy), "--config", str(cfg), "-v",
                              log=log)
            line = next((ln for ln in log.read_text().splitlines() if "read again" in ln), "")
            if not line:
                raise SystemExit(f"{name}: no text was read again:\n{log.read_text()[-3000:]}")
            out[name] = {"seconds": round(secs, 1), "line": line.strip()[:300], "db": copy}
        a, b = current(out["before"]["db"]), current(out["now"]["db"])
        same = sum(a[h] == b.get(h) for h in a)
        print(f"CPU: {cpu_name()}; precision {args.precision or 'default'}; {len(rows)} reviews in 6 other "
              f"languages + {len(yelp)} English; first analysis {first:.1f} s ({translated} read in translation)")
        for name in ("before", "now"):
            print(f"  after 1 new label, {name:6s}: analyze {out[name]['seconds']:6.1f} s   {out[name]['line']}")
        print(f"  the two copies agree on sentiment, topics and entities (spans, types, sentiment) of {same} of "
              f"{len(a)} texts")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
