"""`reviewlens import` of large files as review tools write them, each against the same rows in a plain file, in the
same run: what reading a shape costs.

    .venv/bin/python bench/bench_import.py [--n 100000] [--only amazon|maps]

- amazon: an Amazon review exporter's CSV ("Reviewed in the United States on November 3, 2025", "4.0 out of 5
  stars", "12 people found this helpful", "Verified Purchase", in five countries' words), against the same rows
  with ISO dates, plain numbers and true/false.
- maps: an Outscraper-shaped Google Maps file of a chain's 40 branches, one name (each branch its own product,
  named by its city), against the same rows without place ids, the name as "place_name" (one product, no
  branch pass).
- stars: the chain's file with a third of its rows star-only (a rating, no words: kept apart as ratings), against
  the same file without those rows.
- files: the same chain exported a branch a file (40 files), imported one after another into one store (each
  import reads the places the store holds, to name a newcomer apart from them), against the same files without
  place ids.

Each import runs as `reviewlens import` in a fresh process into a new SQLite store (files: into one store); printed:
seconds, peak memory (the child's max RSS; files: the largest), the reviews stored and the products they are under.
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
#: review sentences: a review is two or three of them and a number, so texts repeat in groups of tens, as real
#: ones do ("Great sound for the price."), not as one template with a counter (100,000 near-copies of seven
#: sentences made the import's check for copied texts most of its time)
SENTENCES = ["The left earbud stopped charging.", "Great sound for the price.", "Arrived late and the box was crushed.",
             "Battery lasts all day.", "The case is too big for my pocket.", "Customer service never answered.",
             "Comfortable for hours.", "The noise cancelling is weak.", "Pairs instantly with my phone.",
             "The app keeps disconnecting.", "Bass is punchy without being muddy.", "The microphone sounds muffled.",
             "Returned them, the refund took weeks.", "Fits well even when running.", "Too expensive for plastic.",
             "Charging case feels cheap.", "Calls are crystal clear.", "The touch controls are too sensitive.",
             "Lost connection every few minutes.", "Would buy again."]


def review_text(rng: random.Random) -> str:
    parts = rng.sample(SENTENCES, rng.choice([2, 3]))
    return " ".join(parts) + f" Used them for {rng.randint(1, 90)} days."


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DE_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember"]
FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"]


#: (the date, the rating) as Amazon writes them in five countries, and the month names the date uses
AMAZON_FORMS = [
    ("Reviewed in the United States on {M} {d}, {y}", "{s}.0 out of 5 stars", MONTHS),
    ("Reviewed in the United Kingdom on {d} {M} {y}", "{s}.0 out of 5 stars", MONTHS),
    ("Rezension aus Deutschland vom {d}. {M} {y}", "{s},0 von 5 Sternen", DE_MONTHS),
    ("Commenté en France le {d} {M} {y}", "{s},0 sur 5 étoiles", FR_MONTHS),
    ("{y}年{m}月{d}日に日本でレビュー済み", "5つ星のうち{s}.0", MONTHS),
]


def amazon_cells(day: date, stars: int, votes: int, i: int) -> tuple[str, str, str, str]:
    """(date, rating, votes, badge) as Amazon shows them in one of five countries."""
    when, rating, months = AMAZON_FORMS[i % len(AMAZON_FORMS)]
    said = "One person found this helpful" if votes == 1 else f"{votes} people found this helpful" if votes else ""
    return (when.format(M=months[day.month - 1], m=day.month, d=day.day, y=day.year), rating.format(s=stars), said,
            "Verified Purchase" if i % 3 else "")


def write_amazon(folder: Path, n: int) -> tuple[Path, Path]:
    rng = random.Random(7)
    worded, plain = folder / "amazon.csv", folder / "amazon-plain.csv"
    head = ["Date", "Author", "Verified", "Helpful", "Title", "Body", "Rating", "URL", "Variation", "ASIN"]
    with worded.open("w", newline="", encoding="utf-8") as a, plain.open("w", newline="", encoding="utf-8") as b:
        wa, wb = csv.writer(a), csv.writer(b)
        wa.writerow(head)
        wb.writerow(head)
        for i in range(n):
            day = date(2026, 11, 20) - timedelta(days=rng.randrange(700))
            stars, votes = rng.randint(1, 5), rng.choice([0, 0, 1, 3, 12])
            text = review_text(rng)
            rest = [f"Title {i % 50}", text]
            when, rating, said, badge = amazon_cells(day, stars, votes, i)
            url = f"https://www.amazon.example/gp/customer-reviews/R{i}"
            wa.writerow([when, f"Buyer {i}", badge, said, *rest, rating, url, "Colour: Black", f"B0{i % 20:08d}"])
            wb.writerow([day.isoformat(), f"Buyer {i}", "true" if badge else "", votes or "", *rest, stars, url,
                         "Colour: Black", f"B0{i % 20:08d}"])
    return worded, plain


CITIES = ["Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Stuttgart", "Düsseldorf", "Leipzig", "Dortmund",
          "Essen", "Bremen", "Dresden", "Hannover", "Nürnberg", "Duisburg", "Bochum", "Wuppertal", "Bielefeld", "Bonn",
          "Münster", "Mannheim", "Karlsruhe", "Augsburg", "Wiesbaden", "Mönchengladbach", "Gelsenkirchen", "Aachen",
          "Braunschweig", "Kiel", "Chemnitz", "Halle", "Magdeburg", "Freiburg", "Krefeld", "Mainz", "Lübeck",
          "Erfurt", "Oberhausen", "Rostock", "Kassel"]


def write_maps(folder: Path, n: int) -> tuple[Path, Path]:
    rng = random.Random(11)
    chain, single = folder / "maps-chain.csv", folder / "maps-one-place.csv"
    head = ["query", "name", "google_id", "place_id", "full_address", "street", "city", "reviews", "rating",
            "review_id", "author_title", "review_text", "review_rating", "review_datetime_utc"]
    with chain.open("w", newline="", encoding="utf-8") as a, single.open("w", newline="", encoding="utf-8") as b:
        wa, wb = csv.writer(a), csv.writer(b)
        wa.writerow(head)
        wb.writerow([{"name": "place_name"}.get(h, h) for h in head if h not in ("google_id", "place_id")])
        for i in range(n):
            k = i % len(CITIES)
            city = CITIES[k]
            day = date(2026, 11, 20) - timedelta(days=rng.randrange(700))
            row = ["pizza roma", "Pizza Roma", f"0x{k}", f"ChIJ-{k}", f"Hauptstraße {k}, {city}, Germany",
                   f"Hauptstraße {k}", city, 300, 4.2, f"r{i}", f"Guest {i}", review_text(rng),
                   rng.randint(1, 5), f"{day.month:02d}/{day.day:02d}/{day.year} 08:26:40"]
            wa.writerow(row)
            wb.writerow([v for h, v in zip(head, row) if h not in ("google_id", "place_id")])
    return chain, single


#: the child: `reviewlens` with its arguments, then its own peak memory (kB) on stderr's last line
CHILD = ("import resource, sys\nfrom reviewlens.app.cli import main\nstatus = main(sys.argv[1:])\n"
         "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(status)")


def with_star_only(path: Path, folder: Path) -> tuple[Path, Path]:
    """The Maps file with every third row's words taken out (a star-only review), and the file without those rows."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, text = rows[0], rows[0].index("review_text")
    stars, plain = folder / "maps-star-only.csv", folder / "maps-no-star-only.csv"
    with stars.open("w", newline="", encoding="utf-8") as a, plain.open("w", newline="", encoding="utf-8") as b:
        wa, wb = csv.writer(a), csv.writer(b)
        wa.writerow(head)
        wb.writerow(head)
        for i, row in enumerate(rows[1:]):
            if i % 3 == 2:
                wa.writerow([*row[:text], "", *row[text + 1:]])
            else:
                wa.writerow(row)
                wb.writerow(row)
    return stars, plain


def split_by_city(path: Path, folder: Path) -> list[Path]:
    """The rows of a Maps file, a file a branch (by its city column), in the order the branches first appear."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, city = rows[0], rows[0].index("city")
    out: dict[str, list] = {}
    for row in rows[1:]:
        out.setdefault(row[city], []).append(row)
    folder.mkdir(exist_ok=True)
    paths = []
    for i, (name, branch) in enumerate(out.items()):
        with (p := folder / f"{path.stem}-{i:02d}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([head, *branch])
        paths.append(p)
    return paths


def run_import(path: Path | list[Path], folder: Path) -> dict:
    """Import `path` (or each of a list of files in turn, into one store) as `reviewlens import` does."""
    paths = path if isinstance(path, list) else [path]
    db = folder / f"{paths[0].stem}.db"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    peak = 0.0
    for p in paths:
        proc = subprocess.run([sys.executable, "-c", CHILD, "--db", str(db), "-q", "import", str(p)],
                              cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"import of {p.name} failed ({proc.returncode}): {proc.stderr[-2000:]}")
        peak = max(peak, int(proc.stderr.strip().splitlines()[-1]) / 1024)
    seconds = time.perf_counter() - t0
    with sqlite3.connect(db) as c:
        stored, dated, rated, products = c.execute(
            "SELECT count(*), count(date), count(rating), count(DISTINCT product) FROM reviews").fetchone()
        stars = c.execute("SELECT count(*) FROM star_ratings").fetchone()[0]
    return {"seconds": seconds, "peak_mb": peak, "stored": stored, "dated": dated, "rated": rated,
            "products": products, "stars": stars}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="rows a file (default 100,000)")
    ap.add_argument("--only", choices=["amazon", "maps", "stars", "files"], help="one shape only")
    args = ap.parse_args()
    print(f"bench_import: {args.n:,} rows a file; {cpu_name()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pairs = []
        if args.only in (None, "amazon"):
            pairs.append(("Amazon exporter's words", "the same rows, ISO dates and numbers", *write_amazon(folder, args.n)))
        if args.only in (None, "maps"):
            pairs.append(("Google Maps chain, 40 branches", "the same rows, one place, no place ids", *write_maps(folder, args.n)))
        if args.only in (None, "stars"):
            chain, _ = write_maps(folder, args.n)
            pairs.append(("the chain, a third of its rows star-only", "the same file without those rows",
                          *with_star_only(chain, folder)))
        if args.only in (None, "files"):
            chain, single = write_maps(folder, args.n)
            pairs.append(("the chain, a file a branch (40 imports)", "the same files without place ids",
                          split_by_city(chain, folder / "branches"), split_by_city(single, folder / "plain")))
        for shape, plain_name, shaped, plain in pairs:
            got = {name: run_import(path, folder) for name, path in ((shape, shaped), (plain_name, plain))}
            for name, r in got.items():
                print(f"  {name:40s} {r['seconds']:7.1f} s  peak {r['peak_mb']:6.0f} MB  {r['stored']:,} stored, "
                      f"{r['dated']:,} dated, {r['rated']:,} rated, {r['products']} product(s)"
                      + (f", {r['stars']:,} star-only ratings" if r["stars"] else ""))
            a, b = got[shape]["seconds"], got[plain_name]["seconds"]
            print(f"  -> {shape}: {a / b:.2f}x the time of {plain_name}")


if __name__ == "__main__":
    main()
