#!/usr/bin/env python3
"""Scraper benchmark on the demo shop, everything measured in the same run:

1. Server-rendered pages (JSON-LD, microdata, __NEXT_DATA__, plain HTML + site config):
   reviews/s of the Selenium path (navigating every page; the in-browser fetch job one page at a
   time, and with 8 pages in flight, the default) against a plain-HTTP baseline (httpx + lxml
   parsing the same pages).
2. JavaScript-rendered pages (delayed rendering, load more, infinite scroll): 1 browser vs several.
3. Peak memory: PSS (proportional set size; RSS double-counts Chromium's shared pages) of this
   Python process plus its chromedriver/chromium descendants, from /proc/<pid>/smaps_rollup.

The shop is served from a separate process and scaled up (each product's reviews repeated with new
ids) so that steady-state rates are measured over hundreds of pages: Chromium keeps working for about
half a second after it starts (about 0.5 s of CPU on top of the start itself), which a short run
counts against the Selenium path.

    .venv/bin/python bench/bench_scrape.py [--scale 40] [--browsers 1,2,3]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

import httpx
from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewlens.config import ScraperSettings  # noqa: E402
from reviewlens.app.demo_shop import PATTERN_PATH, default_root  # noqa: E402
from reviewlens.schema import Review  # noqa: E402
from scraper import scrape  # noqa: E402
from scraper.normalize import clean_text, parse_date, parse_rating  # noqa: E402

STATIC_PATTERNS = ("jsonld", "microdata", "nextdata", "static")
JS_PATTERNS = ("js", "loadmore", "scroll")


# --------------------------------------------------------------------------- the scaled shop
def make_shop(scale: int, js_copies: int) -> Path:
    """A copy of data/demo_shop with every product's reviews repeated `scale` times (new ids), and
    `js_copies` extra copies of each JavaScript-rendered product (more start URLs for parallel runs)."""
    src = default_root()
    dst = Path(tempfile.mkdtemp(prefix="reviewlens-bench-shop-"))
    shutil.copytree(src / "assets", dst / "assets")
    data = json.loads((src / "reviews.json").read_text(encoding="utf-8"))
    products, reviews = list(data["products"]), []
    for p in data["products"]:
        if p["pattern"] in JS_PATTERNS:
            for c in range(js_copies):
                products.append({**p, "slug": f"{p['slug']}-{c + 2}", "name": f"{p['name']} ({c + 2})"})
    for p in products:
        base_slug = p["slug"].rsplit("-", 1)[0] if p["slug"][-1].isdigit() and p["slug"][-2] == "-" else p["slug"]
        own = [r for r in data["reviews"] if r["product"] == base_slug]
        n = scale if p["pattern"] in STATIC_PATTERNS else 1
        for k in range(n):
            for r in own:
                reviews.append({**r, "id": f"{r['id']}-{p['slug'][:3]}{k}", "product": p["slug"]})
    (dst / "reviews.json").write_text(json.dumps({**data, "products": products, "reviews": reviews}), encoding="utf-8")
    return dst


def serve(root: Path) -> tuple[subprocess.Popen, str]:
    code = ("import sys, time; from reviewlens.app.demo_shop import start_demo_site; "
            "url, stop = start_demo_site(0, root=sys.argv[1]); print(url, flush=True); time.sleep(10**6)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(root)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    base = proc.stdout.readline().strip()
    return proc, base


# --------------------------------------------------------------------------- memory sampling
def _tree_mem_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB of `pid` and all its descendants. RSS counts memory shared between Chromium's
    processes once per process; PSS splits it fairly, so the sum of PSS is the honest total."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            children.setdefault(int(stat[stat.rindex(")") + 2:].split()[1]), []).append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    rss = pss = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


class PeakMemory:
    """Samples the memory (PSS, and RSS) of this process and all its descendants every 0.1 s."""

    def __enter__(self) -> "PeakMemory":
        self.peak = 0
        self.peak_rss = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.1)

    def _sample(self) -> None:
        rss, pss = _tree_mem_kb(os.getpid())
        self.peak, self.peak_rss = max(self.peak, pss), max(self.peak_rss, rss)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join()
        self._sample()

    @property
    def mib(self) -> float:
        return self.peak / 1024


# --------------------------------------------------------------------------- plain-HTTP baseline
def _baseline_page(doc, url: str, pattern: str, source: str) -> tuple[list[Review], str | None]:
    out: list[Review] = []
    if pattern == "jsonld":
        for s in doc.xpath('//script[@type="application/ld+json"]/text()'):
            data = json.loads(s)
            for node in data.get("@graph", [data]):
                for r in node.get("review", []) if isinstance(node, dict) else []:
                    rr = r.get("reviewRating") or {}
                    out.append(Review(source=source, text=clean_text(r.get("reviewBody")), url=url,
                                      product=node.get("name"), author=(r.get("author") or {}).get("name"),
                                      rating=parse_rating(rr.get("ratingValue"), rr.get("bestRating")),
                                      title=r.get("name"), date=parse_date(r.get("datePublished")),
                                      site_review_id=r.get("identifier")))
    elif pattern == "microdata":
        product = (doc.xpath('//*[@itemtype="https://schema.org/Product"]/*[@itemprop="name"]/text()') or [None])[0]
        for el in doc.xpath('//*[@itemtype="https://schema.org/Review"]'):
            def prop(name: str, el=el):
                found = el.xpath(f'.//*[@itemprop="{name}"]')
                if not found:
                    return None
                f = found[0]
                return f.get("content") or f.get("datetime") or f.text_content().strip()
            out.append(Review(source=source, text=clean_text(prop("reviewBody")), url=url, product=product,
                              author=prop("author"), rating=parse_rating(prop("ratingValue"), prop("bestRating")),
                              title=prop("name"), date=parse_date(prop("datePublished")),
                              site_review_id=el.get("data-review-id")))
    elif pattern == "nextdata":
        state = json.loads(doc.xpath('//script[@id="__NEXT_DATA__"]/text()')[0])
        pp = state["props"]["pageProps"]
        for r in pp["reviewsPage"]["items"]:
            out.append(Review(source=source, text=clean_text(r["body"]), url=url, product=pp["product"]["title"],
                              author=r["reviewer"]["displayName"], rating=parse_rating(r["stars"]),
                              title=r["headline"], date=parse_date(r["createdAt"]), site_review_id=r["reviewId"]))
    else:  # static HTML
        product = doc.xpath('string(//h1[@class="product-name"])')
        for el in doc.xpath('//div[@class="review"]'):
            def txt(cls: str, el=el):
                v = el.xpath(f'string(.//*[contains(concat(" ", @class, " "), " {cls} ")])').strip()
                return v or None
            out.append(Review(source=source, text=clean_text(txt("text")), url=url, product=product,
                              author=(txt("author") or "").removeprefix("by ") or None,
                              rating=parse_rating(txt("rating")), title=txt("review-title"),
                              date=parse_date(txt("date"), "%B %d, %Y"), site_review_id=el.get("data-review-id")))
    nxt = doc.xpath('//link[@rel="next"]/@href | //a[@rel="next"]/@href | //a[@class="pager-next"]/@href')
    return out, urljoin(url, nxt[0]) if nxt else None


def baseline(urls: dict[str, str], ids: set[str] | None = None) -> tuple[int, int, float]:
    n_reviews = n_pages = 0
    t0 = time.perf_counter()
    with httpx.Client(timeout=20) as client:
        for pattern, start in urls.items():
            url: str | None = start
            while url:
                r = client.get(url)
                r.raise_for_status()
                reviews, url = _baseline_page(lxml_html.fromstring(r.content), str(r.url), pattern, "bench")
                n_reviews += len(reviews)
                if ids is not None:
                    ids.update(x.site_review_id for x in reviews)
                n_pages += 1
    return n_reviews, n_pages, time.perf_counter() - t0


# --------------------------------------------------------------------------- Selenium runs
def selenium_run(urls: list[str], settings: ScraperSettings, memory: bool = False, **kw) -> dict:
    """One timed scrape. With `memory`, a second identical run samples peak memory (sampling /proc
    costs CPU, so it never runs during the timed pass)."""
    t0 = time.perf_counter()
    first_at = last_at = None
    first_n = n = pages = errors = 0
    ids: set[str] = set()
    for page in scrape(urls, settings, **kw):
        last_at = time.perf_counter()
        ids.update(r.site_review_id for r in page.reviews)
        if first_at is None:
            first_at, first_n = last_at, len(page.reviews)
        n += len(page.reviews)
        pages += 1
        errors += bool(page.error)
    total = time.perf_counter() - t0  # browser start and quit included
    steady = last_at - first_at if first_at and last_at else total  # first page to last page
    mib = 0.0
    if memory:
        with PeakMemory() as mem:
            for _ in scrape(urls, settings, **kw):
                pass
        mib = mem.mib
    return {"reviews": n, "pages": pages, "errors": errors, "seconds": total, "ids": ids,
            "rate": n / total, "steady_rate": (n - first_n) / steady if steady > 0 else 0.0, "pss_mib": mib}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=40, help="repeat each static product's reviews N times")
    ap.add_argument("--navigate-pages", type=int, default=25,
                    help="pages per start URL for the (slow) every-page-navigated row")
    ap.add_argument("--browsers", default="1,2,3", help="browser counts for the JavaScript pages")
    ap.add_argument("--js-copies", type=int, default=1, help="extra copies of each JavaScript product")
    ap.add_argument("--js-pages", type=int, default=4, help="pages/batches per JavaScript start URL")
    ap.add_argument("--repeat", type=int, default=2, help="timed runs per server-rendered variant (best counts)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    root = make_shop(args.scale, args.js_copies)
    proc, base = serve(root)
    try:
        data = json.loads((root / "reviews.json").read_text(encoding="utf-8"))
        static = {p["pattern"]: f"{base}/{PATTERN_PATH[p['pattern']]}/{p['slug']}"
                  for p in data["products"] if p["pattern"] in STATIC_PATTERNS}
        js = [f"{base}/{PATTERN_PATH[p['pattern']]}/{p['slug']}" for p in data["products"] if p["pattern"] in JS_PATTERNS]
        settings = ScraperSettings(delay=0.0, timeout=20.0, max_pages=10_000)
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
              f"{platform.platform()}; load average {os.getloadavg()[0]:.1f}")
        print(f"shop: {len(data['reviews'])} reviews; static start URLs: {len(static)}, JavaScript start URLs: {len(js)}\n")

        # warm-up (page cache, robots, first Chromium start)
        baseline({k: v for k, v in list(static.items())[:1]})
        list(scrape([static["jsonld"]], settings, max_pages=2))

        rows = []
        n, pages, secs = min((baseline(static) for _ in range(args.repeat)), key=lambda r: r[2])
        base_ids: set[str] = set()
        with PeakMemory() as mem:
            baseline(static, base_ids)
        rows.append(("plain HTTP: httpx + lxml (baseline)", n, pages, secs, n / secs, n / secs, mem.mib))
        base_rate = n / secs
        urls = list(static.values())
        variants = [
            (f"Selenium, every page navigated ({args.navigate_pages} pages/URL)",
             dict(fetch_in_page=False, max_pages=args.navigate_pages)),
            ("Selenium, fetch job, 1 page at a time, 1/round trip", dict(chain=1, parallel=1)),
            ("Selenium, fetch job, 1 page at a time, 16/round trip", dict(chain=16, parallel=1)),
            ("Selenium, fetch job, 8 at once, 16/round trip (default)", dict(chain=16, parallel=8, memory=True)),
        ]
        for label, kw in variants:
            mem = kw.pop("memory", False)
            runs = [selenium_run(urls, settings, memory=mem and i == args.repeat - 1, **kw) for i in range(args.repeat)]
            r = max(runs, key=lambda x: x["steady_rate"])
            complete = "max_pages" not in kw
            assert all((x["ids"] == base_ids if complete else x["ids"] <= base_ids) and not x["errors"]
                       for x in runs), f"{label}: different reviews"
            r["pss_mib"] = max(x["pss_mib"] for x in runs)
            rows.append((label, r["reviews"], r["pages"], r["seconds"], r["rate"], r["steady_rate"], r["pss_mib"]))

        print("Server-rendered pages (one browser; Selenium times include starting Chromium):")
        print(f"{'method':56} {'reviews':>8} {'pages':>6} {'seconds':>8} {'rev/s':>8} {'rev/s*':>8} {'vs base':>8} {'peak PSS':>9}")
        for label, n, pages, secs, rate, steady, mib in rows:
            mem_s = f"{mib:5.0f} MiB" if mib else "        -"
            print(f"{label:56} {n:8d} {pages:6d} {secs:8.2f} {rate:8.0f} {steady:8.0f} {steady / base_rate:7.0%} {mem_s}")
        print("rev/s* = steady state, from the first page to the last (excludes starting and quitting the browser); "
              "vs base compares rev/s* with the baseline's rev/s\n")

        print(f"JavaScript-rendered pages ({len(js)} start URLs x {args.js_pages} pages/batches; "
              f"300-800 ms render delay each):")
        print(f"{'browsers':>8} {'reviews':>8} {'pages':>6} {'seconds':>8} {'rev/s':>8} {'speed-up':>9} {'peak PSS':>9}")
        one = None
        for b in [int(x) for x in args.browsers.split(",")]:
            s = ScraperSettings(delay=0.0, timeout=20.0, browsers=b)
            r = selenium_run(js, s, max_pages=args.js_pages, memory=True)
            one = one or r["seconds"]
            print(f"{b:8d} {r['reviews']:8d} {r['pages']:6d} {r['seconds']:8.2f} {r['rate']:8.1f} "
                  f"{one / r['seconds']:8.2f}x {r['pss_mib']:7.0f} MiB")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
