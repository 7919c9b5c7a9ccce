"""The suspicious-review checks at a store's scale: every import or scrape that adds reviews checks the whole store
again, which took 38 s and 960 MB at 100,000 reviews, silently. They now find the very same patterns (datasketch's
own MinHash values and bands, computed for all texts at once), in a fraction of the memory, and say so before."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import tracemalloc
from datetime import date, timedelta

import numpy as np
from datasketch import MinHash, MinHashLSH

from reviewlens import integrity
from reviewlens.schema import Review

WORDS = ("the a it this my our and but so very not too quite really lid motor jug kettle blender toaster cord "
         "button handle base jar blade filter plug light timer screen box noise smell taste water coffee tea "
         "soup ice bread crust steam heat power speed price order parcel support refund month week day year "
         "works broke leaks fits cracked arrived stopped cleans heats boils crushes burns hums rattles shines "
         "loud quiet cheap solid flimsy easy hard fast slow great awful lovely decent sturdy wobbly hot cold "
         "after before since within every each again twice once never always still only just even").split()


def _text(rnd: random.Random, n: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n)) + "."


def _variant(rnd: random.Random, text: str, changes: int) -> str:
    """`text` with `changes` words replaced: near the Jaccard bar of 0.8 for one to three changes."""
    ws = text.rstrip(".").split()
    for k in rnd.sample(range(len(ws)), changes):
        ws[k] = rnd.choice([w for w in WORDS if w != ws[k]])
    return " ".join(ws) + "."


def _families(seed: int, n: int) -> list[str]:
    """`n` texts of 12 to 60 words, each with up to four variants around the bar, and unrelated texts."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        base = _text(rnd, rnd.randint(12, 60))
        out += [base] + [_variant(rnd, base, rnd.randint(1, 3)) for _ in range(rnd.randint(0, 4))]
        out.append(_text(rnd, rnd.randint(10, 40)))
    return out


def _datasketch_groups(texts: list[str]) -> set[frozenset[int]]:
    """Near copies as the check found them with datasketch's MinHash and MinHashLSH, text by text."""
    shingles = [{" ".join(t.split()[i:i + 3]) for i in range(len(t.split()) - 2)} for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    lsh = MinHashLSH(threshold=integrity.NEAR * 0.9, num_perm=64)
    for i, m in enumerate(MinHash.bulk([[s.encode("utf-8") for s in sh] for sh in shingles], num_perm=64)):
        for j in lsh.query(m):
            if len(shingles[i] & shingles[j]) >= integrity.NEAR * len(shingles[i] | shingles[j]):
                parent[root(i)] = root(j)
        lsh.insert(i, m)
    groups: dict[int, set[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(root(i), set()).add(i)
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def _normal(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(" ".join(integrity.words(t)) for t in texts))


def test_near_copies_are_the_ones_datasketch_finds_with_its_own_minhash_values():
    texts = _normal(_families(5, 400))
    ptr, ids, hashes = integrity._shingle_sets(texts)
    sig = integrity._signatures(ptr, ids, hashes)
    shingles = [[" ".join(t.split()[i:i + 3]).encode("utf-8") for i in range(len(t.split()) - 2)] for t in texts]
    assert np.array_equal(sig, np.array([m.hashvalues for m in MinHash.bulk(shingles, num_perm=64)]))
    ours = {frozenset(g) for g in integrity._near_groups(texts)}
    assert ours == _datasketch_groups(texts)
    assert sum(map(len, ours)) > 300  # 345 texts in near copies; the pairs LSH misses at the bar: the same ones


def _store_rows(seed: int = 11) -> list[dict]:
    """A shop's reviews with every pattern in it: copies and near copies, a burst and a one-star bombing, repeat
    reviewers, a spree, common names, generic and numbered placeholder names, reviews without a date."""
    rnd = random.Random(seed)
    start = date(2026, 1, 1)
    products = [f"Product {k}" for k in range(8)]
    people = [f"{f} {s}" for f in ("Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo")
              for s in ("Lee", "Moss", "Nash", "Ortiz", "Park", "Quinn", "Ruiz", "Shah")]
    names = people + [f"user_{k}" for k in range(40)] + ["Guest 12", "A Customer", "Ann L.", "John Smith"] * 10
    rows = []

    def add(text: str, **kw) -> None:
        r = {"id": f"r{len(rows)}", "text": text, "product": rnd.choice(products), "author": rnd.choice(names),
             "rating": rnd.choice([1, 2, 3, 4, 5, 5, None]), "source": rnd.choice(["shop", "market"]),
             "date": None if rnd.random() < 0.03 else start + timedelta(days=rnd.randrange(240))}
        rows.append(r | kw)

    for text in _families(seed, 900):
        add(text)
    for _ in range(200):
        add(rnd.choice(["Great product, works as described.", "Love it!", "Broke after a week, avoid."]))
    for k in range(9):  # a burst of five-star reviews and a one-star bombing
        add(_text(rnd, 20), product="Product 1", rating=5, date=start + timedelta(days=150))
        add(_text(rnd, 20), product="Product 2", rating=1, date=start + timedelta(days=90 + k % 2))
    for k in range(6):  # a spree
        add(_text(rnd, 15), product=products[k], rating=5, author="Zed Quarry", date=start + timedelta(days=33))
    return rows


def _findings(rows: list[dict]) -> tuple[dict[str, int], str]:
    found = integrity.find(rows)
    kinds = {k: sum(f.kind == k for f in found) for k in integrity.KINDS}
    return kinds, hashlib.sha256(json.dumps([f.as_dict() for f in found], default=str).encode()).hexdigest()[:16]


def test_what_is_found_in_a_shop_is_what_the_checks_found_before_they_were_vectorized():
    # counted and digested with the checks as they were at 3af15ca (datasketch text by text, Python loops)
    assert _findings(_store_rows()) == ({"copied": 315, "burst": 2, "repeat": 19, "spree": 1}, "b538e4d54e113b73")


def test_the_copy_check_takes_the_memory_of_the_shingles_numbers_not_of_strings():
    rows = [{"id": f"r{i}", "text": t, "product": "p", "author": None}
            for i, t in enumerate(_text(random.Random(i), 40) for i in range(8000))]
    integrity.find(_store_rows()[:200])  # the libraries imported first: their code is not the check's memory
    tracemalloc.start()
    try:
        integrity.find(rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20, f"{peak / 2**20:.0f} MB"  # 24 MB; as strings, sets and MinHash objects: 66 MB


def test_a_check_of_a_large_store_is_said_before_it_starts(store, monkeypatch, caplog):
    monkeypatch.setattr(integrity, "SAY_FROM", 3)
    store.upsert_reviews([Review(source="shop", text=f"Review {i}: fine.", product="Kettle", site_review_id=f"s{i}")
                          for i in range(4)])
    with caplog.at_level(logging.INFO, logger="reviewlens.integrity"):
        integrity.current(store)
    said = [r.getMessage() for r in caplog.records if r.name == "reviewlens.integrity"]
    assert said[0] == ("integrity: the reviews changed: checking all 4 for suspicious patterns (copied texts, "
                       "bursts, repeat reviewers, sprees)...")
    assert said[1].startswith("integrity: 0 suspicious patterns among 4 reviews (0 reviews), checked in ")
