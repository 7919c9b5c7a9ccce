"""Personal data in reviews (reviewlens.privacy): what it finds that is not personal data, what it misses, and
what masking costs an import, measured in the same run against the import without it.

    .venv/bin/python bench/bench_privacy.py [--eval-dir ../shared/eval] [--n 20000]

* false finds: every sentence of the development data (Yelp, SemEval-2014 restaurants and laptops: review
  text; CoNLL-2003 train and dev: news with score tables, prices, dates and the news desks' own phone
  numbers), each find printed by corpus so that a person can judge it;
* misses: personal data planted in review sentences (each default region's example fixed-line and mobile
  numbers in national and international format, e-mail addresses of several shapes, card test numbers of
  six issuers with and without spaces, IBANs of eight countries), found exactly or not;
* cost: `reviewlens import` of --n reviews (every twentieth with personal data) with masking on and off;
* with --store DB (a copy of a bench store, bench/gen_store.py): personal data planted in every hundredth
  review, then `reviewlens privacy` (look through every review) and `privacy --mask` (mask it and every copy).
"""

from __future__ import annotations

import argparse
import csv
import platform
import random
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def corpora(eval_dir: Path) -> dict[str, list[str]]:
    from analysis.evaluate import conll_path, load_conll, load_semeval, load_yelp

    laptops = [e.text for e in ET.parse(eval_dir / "semeval14_laptops_train.xml").iter("text") if e.text]
    news = []
    for split in ("train", "dev"):
        news += [s.text for s in load_conll(conll_path(eval_dir, split), shuffle=False)]
    return {"yelp": [t for t, _ in load_yelp(eval_dir)],
            "semeval restaurants": [s.text for s in load_semeval(eval_dir)],
            "semeval laptops": laptops, "conll news": news}


def planted() -> list[tuple[str, str]]:
    """(kind, the item) of every shape the bench plants."""
    import phonenumbers as pn

    from reviewlens.privacy import DEFAULT_REGIONS

    items = []
    for region in DEFAULT_REGIONS:
        for kind in (pn.PhoneNumberType.FIXED_LINE, pn.PhoneNumberType.MOBILE):
            num = pn.example_number_for_type(region, kind)
            for fmt in (pn.PhoneNumberFormat.NATIONAL, pn.PhoneNumberFormat.INTERNATIONAL):
                items.append(("phone", pn.format_number(num, fmt)))
    items += [("email", e) for e in ("jane.doe@mail.example", "J.Smith+orders@shop.example.co.uk",
                                     "kundenservice@beispiel.de", "o'neil@example.ie".replace("'", ""),
                                     "user_42@sub.domain.example.org", "ANNA@EXAMPLE.COM")]
    cards = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117",
             "3530111333300000", "30569309025904"]
    for c in cards:
        items.append(("card", c))
        items.append(("card", " ".join(c[i:i + 4] for i in range(0, len(c), 4))))
    ibans = ["DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606",
             "ES9121000418450200051332", "IT60X0542811101000000123456", "NL91ABNA0417164300",
             "BE71096123456769", "AT611904300234573201"]
    for b in ibans:
        items.append(("iban", b))
        items.append(("iban", " ".join(b[i:i + 4] for i in range(0, len(b), 4))))
    return items


SAYINGS = {"phone": "Please call me on {}.", "email": "You can reach me at {} about it.",
           "card": "My card {} was charged twice.", "iban": "Refund it to {} please."}


def run_misses(sentences: list[str]) -> tuple[int, int, list[str]]:
    from reviewlens.privacy import find

    rng = random.Random(7)
    hit = total = 0
    missed = []
    for kind, item in planted():
        for s in rng.sample(sentences, 5):
            text = f"{s} {SAYINGS[kind].format(item)}"
            at = text.index(item)
            total += 1
            if any(f.kind == kind and (f.start, f.end) == (at, at + len(item)) for f in find(text)):
                hit += 1
            else:
                missed.append(f"{kind}: {item}")
    return hit, total, sorted(set(missed))


def run_cost(sentences: list[str], n: int) -> tuple[float, float, int]:
    from reviewlens.privacy import Masker
    from reviewlens.records_io import import_file
    from reviewlens.store import Store

    rng = random.Random(3)
    items = planted()
    rows = []
    for i in range(n):
        text = rng.choice(sentences)
        if i % 20 == 0:
            kind, item = rng.choice(items)
            text = f"{text} {SAYINGS[kind].format(item)}"
        rows.append({"id": f"r{i}", "text": text, "rating": rng.randint(1, 5), "date": "2026-11-02"})
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reviews.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        for name, masker in (("off", Masker([])), ("on", Masker())):
            store = Store(Path(tmp) / f"{name}.db")
            t = time.perf_counter()
            res, *_ = import_file(store, path, masker=masker)
            out.append(time.perf_counter() - t)
            masked = res.masked
            store.close()
    return out[0], out[1], masked


def run_store(db: Path) -> None:
    """Plant personal data in every hundredth review of a copy of `db`, then look through it and mask it."""
    import shutil

    import sqlalchemy as sa

    from reviewlens.privacy import Masker, look
    from reviewlens.schema import content_hash
    from reviewlens.store import Store, reviews

    items = planted()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.db"
        shutil.copy(db, copy)
        store = Store(copy)
        with store.engine.begin() as c:
            rows = c.execute(sa.select(reviews.c.id, reviews.c.text).order_by(reviews.c.id)).all()[::100]
            for i, (rid, text) in enumerate(rows):
                kind, item = items[i % len(items)]
                new = f"{text} {SAYINGS[kind].format(item)}"
                c.execute(reviews.update().where(reviews.c.id == rid).values(text=new, content_hash=content_hash(new)))
        n = store.count_reviews()
        m = Masker()
        t = time.perf_counter()
        read, holders = look(store.written_rows(), m)
        looked = time.perf_counter() - t
        t = time.perf_counter()
        out = store.rewrite_written(m.text)
        masked = time.perf_counter() - t
        print(f"a store of {n:,} reviews, {len(rows):,} with personal data planted: look through {looked:.1f} s "
              f"({read:,} read, {len(holders):,} found); mask them and every copy {masked:.1f} s ({out})")
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--store", type=Path, help="a bench store (bench/gen_store.py) to look through and mask, a copy")
    args = ap.parse_args()
    from reviewlens.privacy import find

    print(f"machine: {cpu_name()}, {platform.python_version()}")
    texts = corpora(args.eval_dir)
    reviews = texts["yelp"] + texts["semeval restaurants"] + texts["semeval laptops"]
    print("\n== false finds (each find printed: judge it)")
    for name, sentences in texts.items():
        t = time.perf_counter()
        finds = [(s, f) for s in sentences for f in find(s)]
        secs = time.perf_counter() - t
        digits = sum(any(c.isdigit() for c in s) for s in sentences)
        print(f"{name}: {len(sentences)} sentences ({digits} with digits), {len(finds)} finds, "
              f"{secs:.2f} s ({len(sentences) / secs:,.0f} sentences/s)")
        for s, f in finds:
            print(f"    {f.kind}: {s[f.start:f.end]!r}   in ...{s[max(0, f.start - 40):f.end + 10]!r}")
    print("\n== misses (planted in review sentences, five sentences each)")
    hit, total, missed = run_misses(reviews)
    print(f"found exactly {hit} of {total} ({100 * hit / total:.1f}%)")
    for m in missed:
        print(f"    missed {m}")
    print(f"\n== cost: import of {args.n} reviews (every twentieth with personal data), the same file")
    off, on, masked = run_cost(reviews, args.n)
    print(f"masking off {off:.2f} s, on {on:.2f} s (+{100 * (on - off) / off:.0f}%), {masked} reviews masked")
    if args.store:
        print("\n== a store filled before masking was on")
        run_store(args.store)


if __name__ == "__main__":
    main()
