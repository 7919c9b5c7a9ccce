"""Suspicious reviews (reviewlens.integrity) on a large store, against the naive way, in the same run.

    .venv/bin/python bench/bench_integrity.py [--n 100000] [--before e3c1a3c] [--eval-dir ../shared/eval]

* the check on a store of --n synthetic reviews (bench/gen_store.py): the first check (read, find, save),
  a second look (the saved findings: nothing changed), and the cost of leaving the suspicious reviews out
  of the headline numbers;
* the check before and after it was vectorized, in the same run: `find` on the same store by the checks of
  --before (read from git history) and by the current ones, each in a fresh process (time, peak memory), and
  whether they find the same patterns (a digest of every finding);
* near copies: MinHash LSH against the naive way, every pair's exact Jaccard similarity, on the same
  sample of reviews: time, and whether they find the same groups;
* false copies: the copy check on the development sentences (SemEval-2014 restaurants and laptops, Yelp),
  each from a different review: what it finds there.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


BEFORE = "e3c1a3c"  # the checks before they were vectorized: datasketch text by text, Python loops


def _shingles(ws: list[str]) -> set[str]:
    return {" ".join(ws[i:i + 3]) for i in range(len(ws) - 2)}


def naive_groups(texts: list[str]) -> set[frozenset[int]]:
    """Every pair's exact Jaccard similarity of word 3-shingles, joined into groups: the naive way."""
    from reviewlens.integrity import NEAR

    sh = [_shingles(t.split()) for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in itertools.combinations(range(len(texts)), 2):
        a, b = sh[i], sh[j]
        if len(a & b) >= NEAR * len(a | b):
            parent[root(i)] = root(j)
    groups: dict[int, set[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(root(i), set()).add(i)
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def checks_of(rev: str):
    """reviewlens/integrity.py as it was at git revision `rev`, as a module of the package (its imports work)."""
    source = subprocess.run(["git", "show", f"{rev}:reviewlens/integrity.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader(f"reviewlens._integrity_{rev}", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "reviewlens"
    sys.modules[spec.name] = module
    exec(compile(source, f"{rev}:reviewlens/integrity.py", "exec"), module.__dict__)
    return module


def find_once(db: str, rev: str | None) -> dict:
    """`find` on every review of the store at `db`, by the checks of `rev` (None: the current ones), in this
    process: seconds, the process's memory before and at its peak, what was found."""
    import psutil

    import scipy.stats  # noqa: F401  (the libraries' code is not the check's memory)
    import datasketch  # noqa: F401
    import pandas  # noqa: F401
    from reviewlens import integrity
    from reviewlens.store import Store

    checks = checks_of(rev) if rev else integrity
    rows = Store(db).integrity_rows()
    rss = psutil.Process().memory_info().rss
    found, seconds = _timed(lambda: checks.find(rows))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    kinds = {k: sum(f.kind == k for f in found) for k in integrity.KINDS}
    digest = hashlib.sha256(json.dumps([f.as_dict() for f in found], default=str).encode()).hexdigest()[:16]
    return {"seconds": seconds, "rss_mb": rss / 2**20, "peak_mb": peak / 2**20, "findings": len(found),
            "kinds": kinds, "reviews": len(rows), "digest": digest}


def before_and_after(db: Path, rev: str) -> None:
    """The check of --before and the current one on the same store, each in a fresh process, one after the other."""
    out = {}
    for name, which in (("before", rev), ("after", "")):
        run = subprocess.run([sys.executable, __file__, "--find-once", str(db), "--before", which],
                             capture_output=True, text=True, cwd=ROOT)
        if run.returncode:
            print(f"{name} ({which or 'current'}): failed: {run.stderr.strip().splitlines()[-1:]}")
            return
        out[name] = json.loads(run.stdout.strip().splitlines()[-1])
    for name, r in out.items():
        print(f"find, {name} ({rev if name == 'before' else 'current'}): {r['seconds']:.1f} s, memory "
              f"+{r['peak_mb'] - r['rss_mb']:.0f} MB (peak {r['peak_mb']:.0f} MB), {r['findings']:,} findings "
              f"{r['kinds']} among {r['reviews']:,} reviews, digest {r['digest']}")
    b, a = out["before"], out["after"]
    print(f"find: {b['seconds'] / max(a['seconds'], 1e-9):.1f}x faster, memory "
          f"{(b['peak_mb'] - b['rss_mb']) / max(a['peak_mb'] - a['rss_mb'], 1):.1f}x less; the same findings: "
          f"{a['digest'] == b['digest']}")


def main() -> None:
    if sys.argv[1:2] == ["--find-once"]:  # one side of before_and_after, in its own process
        print(json.dumps(find_once(sys.argv[2], sys.argv[4] or None)))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="reviews in the store (default 100,000)")
    ap.add_argument("--sample", type=int, default=3000, help="reviews for the naive comparison (default 3,000)")
    ap.add_argument("--before", default=BEFORE, help=f"git revision of the checks to compare with (default {BEFORE})")
    ap.add_argument("--db", type=Path, help="check this store instead of a generated one (before and after only)")
    ap.add_argument("--eval-dir", type=Path, default=Path(os.environ.get("REVIEWLENS_EVAL_DIR", ROOT.parent / "shared/eval")))
    args = ap.parse_args()

    import psutil

    from gen_store import generate
    from reviewlens import integrity, queries as Q
    from reviewlens.filters import Filters
    from reviewlens.integrity import _near_groups, words
    from reviewlens.store import Store

    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if args.db:
        print(f"store: {args.db}")
        before_and_after(args.db, args.before)
        return
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "big.db")
        _, t = _timed(lambda: generate(store, n=args.n))
        print(f"store: {args.n:,} synthetic reviews written in {t:.0f} s")
        before_and_after(Path(tmp) / "big.db", args.before)
        rss0 = psutil.Process().memory_info().rss
        found, t_first = _timed(lambda: integrity.current(store))
        rss1 = psutil.Process().memory_info().rss
        _, t_again = _timed(lambda: integrity.current(store))
        _, t_stamp = _timed(store.reviews_stamp)
        flagged = len(integrity.flagged_ids(found))
        by_kind = {k: sum(1 for f in found if f.kind == k) for k in integrity.KINDS}
        print(f"first check: {t_first:.1f} s (memory +{(rss1 - rss0) / 2**20:.0f} MB): {len(found):,} findings "
              f"({by_kind}), {flagged:,} reviews")
        print(f"second look (nothing changed: the saved findings): {t_again:.2f} s, of which the store's digest "
              f"{t_stamp:.2f} s")
        f = Filters()
        _, t_all = _timed(lambda: Q.headline(store, f, previous=False))
        _, t_out = _timed(lambda: Q.headline(store, Filters.of(suspicious=False), previous=False))
        print(f"headline numbers: all reviews {t_all:.2f} s, suspicious left out {t_out:.2f} s")

        rows = store.integrity_rows()[:args.sample]
        texts = sorted({" ".join(words(r["text"])) for r in rows if len(words(r["text"])) >= integrity.MIN_WORDS})
        lsh, t_lsh = _timed(lambda: {frozenset(g) for g in _near_groups(texts)})
        naive, t_naive = _timed(lambda: naive_groups(texts))
        print(f"near copies among {len(texts):,} distinct texts: MinHash LSH {t_lsh:.2f} s, every pair "
              f"{t_naive:.1f} s ({t_naive / max(t_lsh, 1e-9):.0f}x); groups {len(lsh):,} vs {len(naive):,}, "
              f"the same: {lsh == naive}; reviews in groups {sum(map(len, lsh)):,} vs {sum(map(len, naive)):,}")

    sentences = []
    for name in ("semeval14_restaurants_train.xml", "semeval14_laptops_train.xml"):
        path = args.eval_dir / name
        if path.exists():
            sentences += [s.find("text").text for s in ET.parse(path).getroot().iter("sentence")]
    yelp = args.eval_dir / "yelp_labelled.txt"
    if yelp.exists():
        sentences += [ln.split("\t")[0] for ln in yelp.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if sentences:
        rows = [{"id": f"s{i}", "text": t, "product": "p", "author": None} for i, t in enumerate(sentences)]
        found = integrity.find(rows)
        same = sum(1 for f in found if len({" ".join(words(rows[int(i[1:])]["text"])) for i in f.review_ids}) == 1)
        long = sum(len(words(t)) >= integrity.MIN_WORDS for t in sentences)
        print(f"development sentences ({len(sentences):,}, {long:,} of ten words or more, each from a different "
              f"review): {len(found)} copies found, {same} of them the same sentence held twice by the data set, "
              f"{len(found) - same} near copies of different sentences")


if __name__ == "__main__":
    main()
