#!/usr/bin/env python3
"""Reviews read by the page's layout against the hand-written site configs, on the demo shop, in the same run.

The demo shop's plain-HTML and JavaScript-rendered products (static pages with a next link, JS pages with a next
link, a load-more button, infinite scroll) each have a config written by hand (scraper/sites/demo-*.toml). For
every such product this scrapes all of its pages twice with one browser: with its config, and as a site without a
config (the same shop served at 127.0.0.2, which no bundled config matches: zero-config extraction finds nothing
and the page is read by its layout, scraper/layout.py). Printed per
layout: the guess's time on the page, reviews read each way, how many are the same review field by field
(text, rating, date, author, title, the owner's reply and its date), and the wall time of each scrape.

Then the review widget and shop shapes of tests/scraper/widget_pages.py (no config exists for them): per shape,
how many of its 6 reviews have each field right; those the guess was tuned on, and those written after it was
frozen (HELD_OUT), apart; and reviews written in two halves (HALVES: the text is both).

    .venv/bin/python bench/bench_layout.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import cpu_name  # noqa: E402
from reviewlens.app.demo_shop import PATTERN_PATH, demo_urls, read_shop_data, default_root, start_demo_site  # noqa: E402
from reviewlens.config import ScraperSettings  # noqa: E402
from scraper import find_site, scrape  # noqa: E402
from scraper.browser import make_driver, quit_driver  # noqa: E402
from scraper.layout import guess_layout  # noqa: E402

KINDS = ("static", "js", "loadmore", "scroll")


def _fields(reviews):
    return [(r.text, r.rating, r.date, r.author, r.title, r.reply, r.reply_date) for r in reviews]


def main() -> int:
    settings = ScraperSettings(delay=0.0, timeout=15.0, retries=1)
    base, stop = start_demo_site()
    # the same shop at an address no bundled demo config matches: scraped as a site without a config is
    base2, stop2 = start_demo_site(host="127.0.0.2")
    data = read_shop_data(default_root())
    urls, urls2 = demo_urls(base), demo_urls(base2)
    rows = []
    try:
        for kind in KINDS:
            for slug in [p["slug"] for p in data["products"] if p["pattern"] == kind]:
                tail = f"/{PATTERN_PATH[kind]}/{slug}"
                url, url2 = (next(u for u in us if u.endswith(tail)) for us in (urls, urls2))
                driver = make_driver(settings)
                try:
                    driver.get(url)
                    deadline = time.monotonic() + 10
                    while True:
                        t0 = time.perf_counter()
                        guess = guess_layout(driver, url)
                        took = time.perf_counter() - t0
                        if guess.site is not None or time.monotonic() > deadline:
                            break
                        time.sleep(0.3)
                finally:
                    quit_driver(driver)
                timed = []
                for u, site in ((url, find_site(url)), (url2, None)):
                    t0 = time.perf_counter()
                    pages = list(scrape([u], settings, site=site))
                    timed.append((_fields([r for p in pages for r in p.reviews]), time.perf_counter() - t0,
                                  {p.strategy for p in pages}))
                (truth, t_cfg, _), (got, t_guess, how) = timed
                same = sum(1 for g in got if g in set(truth))
                rows.append((kind, slug, took, len(truth), len(got), same, t_cfg, t_guess,
                             f"{guess.describe()} [read by: {', '.join(sorted(filter(None, how)))}]"))
    finally:
        stop()
        stop2()
    print(f"CPU: {cpu_name()}")
    print(f"{'layout':9} {'product':24} {'guess ms':>8} {'config':>7} {'layout':>7} {'same':>5} "
          f"{'config s':>8} {'layout s':>8}")
    for kind, slug, took, nt, ng, same, tc, tg, how in rows:
        print(f"{kind:9} {slug:24} {took * 1000:8.1f} {nt:7d} {ng:7d} {same:5d} {tc:8.2f} {tg:8.2f}")
    for kind, slug, *_, how in rows:
        print(f"  {kind}/{slug}: {how}")
    widgets(settings)
    return 0


def widgets(settings: ScraperSettings) -> None:
    import functools
    import http.server
    import threading

    from tests.scraper import widget_pages as wp

    pages = {**{k: ("tuned", f) for k, f in wp.PAGES.items()}, **{k: ("held out", f) for k, f in wp.HELD_OUT.items()},
             **{k: ("halves", f) for k, f in wp.HALVES.items()},
             "woocommerce+replies": ("replies", lambda: wp.woocommerce(replies=True))}
    html = {f"/{k}.html": f().encode("utf-8") for k, (_, f) in pages.items()}

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):  # noqa: N802
            body = html.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=functools.partial(srv.serve_forever, 0.2), daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    want = wp.REVIEWS
    print(f"\n{'shape':20} {'set':9} {'read':>4} {'text':>4} {'rating':>6} {'author':>6} {'date':>4} {'title':>5} {'reply':>5}")
    try:
        for name, (kind, _) in pages.items():
            got = [r for p in scrape([f"{base}/{name}.html"], settings) for r in p.reviews]
            pairs = list(zip(got, want))
            dated = sum(1 for r, w in pairs if r.date and (r.date.month, r.date.day) == (3, w.day))
            relative = name in ("hashed", "bazaarvoice")  # "1 days ago", "1 months ago": relative to today
            texts = [w.text if kind != "halves" else f"{w.text}\n\n{wp.CONS[i]}" for i, w in enumerate(want)]
            titled = sum((r.title or "").strip('"') == w.title for r, w in pairs)
            replied = sum(r.reply == (wp.REPLIES.get(i) if kind == "replies" else None) for i, (r, w) in enumerate(pairs))
            print(f"{name:20} {kind:9} {len(got):4d} {sum(r.text == t for r, t in zip(got, texts)):4d} "
                  f"{sum(r.rating == w.rating for r, w in pairs):6d} {sum(r.author == w.author for r, w in pairs):6d} "
                  f"{'rel.' if relative else dated:>4} {titled:5d} {replied:5d}")
    finally:
        srv.shutdown()
    print("(woocommerce and hashed show no titles, tripadvisor's is a link to the review's page; rel.: a "
          "relative date, read against today; halves: the text is both halves, a blank line apart; reply: the shop's "
          "reply where there is one, none where there is none)")


if __name__ == "__main__":
    sys.exit(main())
