"""`reviewlens export` on a large store: streamed against the whole frame at once, in the same run.

    .venv/bin/python bench/bench_export.py [--n 100000] [--db STORE] [--format csv|jsonl]

Each side runs in a fresh process on the same store (bench/gen_store.py, --n synthetic reviews, or --db): the
current export, which reads the reviews a chunk at a time (Store.iter_export_records), and the way it was before
(stop 36 and earlier: the whole `reviews_frame`, a copy of it as objects and a list of dicts, then the fields
and tags of every review), with `Store.iter_export_records` swapped for it. Printed: seconds, the process's
memory before the export and at its peak, and whether the two files are the same bytes (a digest).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def whole_frame_records(self, **filters: Any) -> Iterator[dict[str, Any]]:
    """Store.iter_export_records before it was streamed: the whole frame in memory, then one dict per review."""
    df = self.reviews_frame(**filters)
    df = df.astype(object).where(df.notna(), None)
    fields = self.fields_of(df["id"].tolist()) if len(df) else {}
    flags = self.flag_kinds() if len(df) else {}
    tags = self.tags_of(df["id"].tolist()) if len(df) else {}
    for rec in df.to_dict("records"):
        yield {
            "id": rec["id"], "source": rec["source"], "product": rec["product"], "url": rec["url"],
            "author": rec["author"], "rating": rec["rating"],
            "title": rec["title"], "text": rec["text"],
            "date": rec["date"].isoformat() if rec["date"] else None,
            "reply": rec["reply"], "reply_date": rec["reply_date"].isoformat() if rec["reply_date"] else None,
            "helpful_votes": None if rec["helpful_votes"] is None else int(rec["helpful_votes"]),
            "verified": None if rec["verified"] is None else bool(rec["verified"]),
            "language": rec["language"], "version": rec["version"],
            "site_review_id": rec["site_review_id"],
            "sentiment": rec["sentiment"], "sentiment_score": rec["sentiment_score"],
            "topics": rec["topics"] or [], "entities": rec["entities"] or [],
            "analysis_status": rec["analysis_status"], "analysis_error": rec["analysis_error"],
            "detected_language": rec["detected_language"], "translation": rec["translation"],
            "fields": fields.get(rec["id"], {}),
            "suspicious": flags.get(rec["id"], []),
            "tags": tags.get(rec["id"], []),
        }


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_once(db: str, out: str, fmt: str, way: str) -> dict:
    """One side, in this process: (seconds, memory before and at the peak, rows, digest of the file)."""
    from reviewlens import integrity
    from reviewlens.records_io import export_records
    from reviewlens.store import Store

    store = Store(db)
    integrity.current(store)  # done by main() before either side: here a look at the saved findings
    if way == "whole":
        Store.iter_export_records = whole_frame_records
    before = _rss_mb()
    t = time.perf_counter()
    n = export_records(store, out, fmt).reviews
    seconds = time.perf_counter() - t
    digest = hashlib.sha256(Path(out).read_bytes()).hexdigest()[:16]
    return {"seconds": seconds, "before_mb": before, "peak_mb": _rss_mb(), "rows": n, "digest": digest}


def main() -> None:
    if sys.argv[1:2] == ["--once"]:  # one side, in its own process
        _, _, db, out, fmt, way = sys.argv
        print(json.dumps(export_once(db, out, fmt, way)))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="reviews in the generated store (default 100,000)")
    ap.add_argument("--db", help="export this store instead of a generated one")
    ap.add_argument("--format", default="csv", choices=["csv", "jsonl"])
    args = ap.parse_args()
    print(f"machine: {cpu_name()}, {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if not db:
            db = str(Path(tmp) / "big.db")
            t = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "bench" / "gen_store.py"), "--n", str(args.n), "--db", db],
                           check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
            print(f"generated {args.n:,} reviews in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()  # the check every export starts with, done once for both sides, in a process of
        # its own (a child's peak memory starts at its parent's on Linux: ru_maxrss is kept across exec)
        subprocess.run([sys.executable, "-c", "import sys; from reviewlens import integrity; "
                        "from reviewlens.store import Store; integrity.current(Store(sys.argv[1]))", db],
                       check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        print(f"suspicious-review check before both: {time.perf_counter() - t:.1f} s")
        got = {}
        for way in ("whole", "streamed"):
            out = str(Path(tmp) / f"{way}.{args.format}")
            run = subprocess.run([sys.executable, __file__, "--once", db, out, args.format, way],
                                 capture_output=True, text=True, cwd=ROOT)
            if run.returncode:
                sys.exit(run.stderr[-3000:])
            r = got[way] = json.loads(run.stdout.strip().splitlines()[-1])
            name = "whole frame (before)" if way == "whole" else "streamed (now)"
            print(f"{name:22} {r['rows']:,} rows in {r['seconds']:.1f} s, memory {r['before_mb']:.0f} MB before, "
                  f"peak {r['peak_mb']:.0f} MB (+{r['peak_mb'] - r['before_mb']:.0f} MB)")
        same = got["whole"]["digest"] == got["streamed"]["digest"]
        print(f"the same file: {'yes' if same else 'NO'} ({got['whole']['digest']} / {got['streamed']['digest']})")


if __name__ == "__main__":
    main()
