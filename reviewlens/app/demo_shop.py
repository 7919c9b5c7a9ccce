"""Serve the bundled demo shop (data/demo_shop) on 127.0.0.1: one product page per scraping pattern.

Standard library only. `start_demo_site()` runs a ThreadingHTTPServer in a daemon thread and returns
(base_url, stop); `demo_urls()` lists the start URLs that cover the whole shop.

Pages (each product uses one pattern, see data/demo_shop/README.md), under the path prefix /reviewlens-demo
(PREFIX: the bundled demo-* site configs match it, and so never a user's own local site's /static/ pages):
  /static/<slug>?page=N     server-rendered HTML, rel=next link      (needs a site config)
  /jsonld/<slug>?page=N     schema.org JSON-LD Product.review        (zero-config)
  /microdata/<slug>?page=N  schema.org microdata                     (zero-config)
  /nextjs/<slug>?page=N     Next.js __NEXT_DATA__ page state         (zero-config)
  /state/<slug>?page=N      window.__INITIAL_STATE__ page state      (zero-config)
  /js/<slug>?page=N         rendered by JavaScript after a delay, cookie banner   (site config)
  /load-more/<slug>         "Load more" button, cookie banner                     (site config)
  /scroll/<slug>            infinite scroll, cookie banner that locks scrolling   (site config)
  /api/reviews/<slug>?page=N&per_page=M   the JSON the JavaScript pages load
  /sorted/<slug>?page=N[&sort=newest]      server-rendered like /static, "most helpful" first unless
                                           sort=newest (site config demo-sorted: `sort_param`)

A changed layout for some products (`start_demo_site(changed_layout={slug})`, the environment variable
REVIEWLENS_DEMO_CHANGED_LAYOUT=slug,slug, or `shop_at(base_url).changed_layout` while it runs): their
/static pages mark the rating and the date up differently, so the demo-static config finds neither,
as when a real site changes its markup (the run is then `degraded`, see reviewlens.health).
Every request's path is kept in `shop_at(base_url).requests` (the tests count page loads).
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
import re
import sys
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

PER_PAGE = 10
PATTERN_PATH = {"static": "static", "jsonld": "jsonld", "microdata": "microdata", "nextdata": "nextjs",
                "state": "state", "js": "js", "loadmore": "load-more", "scroll": "scroll"}
PAGINATED = {"static", "jsonld", "microdata", "nextjs", "state", "js"}
PREFIX = "/reviewlens-demo"  # every page's path starts with it; base URLs (start_demo_site) end with it
ROBOTS = f"User-agent: *\nDisallow: /admin/\nDisallow: {PREFIX}/admin/\nAllow: /\n"


def default_root() -> Path:
    """data/demo_shop in the repository checkout this module belongs to."""
    return Path(__file__).resolve().parents[2] / "data" / "demo_shop"


def read_shop_data(root: Path) -> dict:
    """The shop's products and reviews (reviews.json under `root`); a clear error when the file is missing."""
    path = Path(root) / "reviews.json"
    if not path.is_file():
        raise FileNotFoundError(f"the demo shop's data is missing: {path} (it comes with the repository; "
                                "`git checkout -- data/demo_shop` restores it)")
    return json.loads(path.read_text(encoding="utf-8"))


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _script_json(data: Any) -> str:
    """JSON that is safe inside <script>: no '</script>' or '<!--' can end the element early."""
    return (json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _long_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.strftime('%B')} {d.day}, {d.year}"


def _helpful_text(n: int) -> str:
    return "One person found this helpful" if n == 1 else f"{n} people found this helpful"


class Shop:
    """The shop's data and its page renderers."""

    def __init__(self, root: Path, js_delay_ms: int = 500):
        self.root = root
        data = read_shop_data(root)
        self.products: dict[str, dict] = {p["slug"]: p for p in data["products"]}
        self.reviews: dict[str, list[dict]] = {slug: [] for slug in self.products}
        for r in data["reviews"]:  # already newest first within a product
            self.reviews[r["product"]].append(r)
        self.js_delay_ms = js_delay_ms
        self.changed_layout: set[str] = set()   # slugs whose pages use the changed markup
        self.requests: list[str] = []           # every request's path and query, in order
        self._requests_lock = threading.Lock()

    def record(self, path: str) -> None:
        with self._requests_lock:
            self.requests.append(path)

    def page_loads(self, prefix: str) -> list[str]:
        """The requests so far whose path starts with `prefix` (e.g. "/sorted/aurora-headphones")."""
        with self._requests_lock:
            return [r for r in self.requests if r.split("?")[0] == prefix or r.startswith(prefix + "?")]

    @staticmethod
    def changed(page: str) -> str:
        """A /static page in the changed layout: the rating as stars with an aria-label and the date in
        a <time> of another class, which the demo-static config (.rating, .date) no longer finds."""
        page = re.sub(r'<span class="rating">([\d.]+) out of 5 stars</span>',
                      lambda m: f'<span class="stars" aria-label="{m.group(1)} stars">'
                                f'{"★" * round(float(m.group(1)))}</span>', page)
        return re.sub(r'<span class="date">Reviewed on ([^<]*)</span>', r'<time class="posted">\1</time>', page)

    def sorted_page(self, slug: str, page: int, newest: bool) -> str:
        """Like /static, in "most helpful" order (rating, then id), or newest first with sort=newest;
        the pager keeps the order."""
        p = self.products[slug]
        ordered = self.reviews[slug] if newest else sorted(self.reviews[slug], key=lambda r: (-r["rating"], r["id"]))
        pages = max(1, math.ceil(len(ordered) / PER_PAGE))
        cards = []
        for r in ordered[(page - 1) * PER_PAGE: page * PER_PAGE]:
            title = f'<h3 class="review-title">{_esc(r["title"])}</h3>' if r["title"] else ""
            cards.append(
                f'<div class="review" data-review-id="{_esc(r["id"])}">{title}'
                f'<span class="rating">{r["rating"]:.1f} out of 5 stars</span> '
                f'<span class="author">by {_esc(r["author"])}</span> '
                f'<span class="date">Reviewed on {_long_date(r["date"])}</span>'
                f'<p class="text">{_esc(r["text"])}</p></div>')
        base = f"{PREFIX}/sorted/{slug}"
        pager = self._pager(base, page, pages)
        if newest:
            pager = pager.replace('?page=', '?sort=newest&amp;page=')
        order = ('<a href="?sort=newest">Newest first</a>' if not newest else
                 '<a href="?">Most helpful</a>')
        body = (f'<h1 class="product-name">{_esc(p["name"])}</h1><p>${p["price"]:.2f}</p>'
                f'<p class="sort">Sort: {order}</p><section id="reviews">{"".join(cards)}</section>{pager}')
        return self._layout(p["name"], body)

    # ------------------------------------------------------------------ helpers
    def page_of(self, slug: str, page: int, per_page: int = PER_PAGE) -> tuple[list[dict], int]:
        items = self.reviews[slug]
        pages = max(1, math.ceil(len(items) / per_page))
        return items[(page - 1) * per_page: page * per_page], pages

    def _layout(self, title: str, body: str, head: str = "", body_attrs: str = "", script: bool = False) -> str:
        js = f'<script src="{PREFIX}/assets/shop.js"></script>' if script else ""
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
                f'<link rel="stylesheet" href="{PREFIX}/assets/shop.css">{head}</head><body {body_attrs}>'
                f'<header><a href="{PREFIX}/">ReviewLens Demo Shop</a></header><main>{body}</main>{js}</body></html>')

    @staticmethod
    def _pager(base: str, page: int, pages: int, rel: bool = True, css: str = "next") -> str:
        parts = []
        if page > 1:
            parts.append(f'<a class="prev" href="{base}?page={page - 1}">&lsaquo; Previous</a>')
        parts.append(f"<span>Page {page} of {pages}</span>")
        if page < pages:
            r = ' rel="next"' if rel else ""
            parts.append(f'<a class="{css}"{r} href="{base}?page={page + 1}">Next &rsaquo;</a>')
        return f'<nav class="pager">{" ".join(parts)}</nav>'

    def index(self) -> str:
        items = "".join(
            f'<li><a href="{PREFIX}/{PATTERN_PATH[p["pattern"]]}/{p["slug"]}">{_esc(p["name"])}</a> '
            f'&mdash; ${p["price"]:.2f} ({len(self.reviews[p["slug"]])} reviews)</li>'
            for p in self.products.values())
        return self._layout("ReviewLens Demo Shop", f'<h1>Products</h1><ul class="product-list">{items}</ul>')

    # ------------------------------------------------------------------ server-rendered patterns
    def static(self, slug: str, page: int) -> str:
        p = self.products[slug]
        items, pages = self.page_of(slug, page)
        cards = []
        for r in items:
            title = f'<h3 class="review-title">{_esc(r["title"])}</h3>' if r["title"] else ""
            badge = ' <span class="verified">Verified Purchase</span>' if r.get("verified") else ""
            helpful = f'<span class="helpful">{_helpful_text(r["helpful"])}</span>' if r.get("helpful") else ""
            reply = (f'<div class="owner-reply"><span class="reply-date">Response from the owner on '
                     f'{_long_date(r["reply_date"])}</span><p class="reply-text">{_esc(r["reply"])}</p></div>'
                     if r.get("reply") else "")
            cards.append(
                f'<div class="review" lang="{_esc(r["lang"])}" data-review-id="{_esc(r["id"])}">{title}'
                f'<span class="rating">{r["rating"]:.1f} out of 5 stars</span> '
                f'<span class="author">by {_esc(r["author"])}</span> '
                f'<span class="date">Reviewed on {_long_date(r["date"])}</span>{badge}'
                f'<p class="text">{_esc(r["text"])}</p>{helpful}{reply}</div>')
        base = f"{PREFIX}/static/{slug}"
        head = f'<link rel="next" href="{base}?page={page + 1}">' if page < pages else ""
        body = (f'<h1 class="product-name">{_esc(p["name"])}</h1><p>${p["price"]:.2f}</p>'
                f'<section id="reviews">{"".join(cards)}</section>{self._pager(base, page, pages)}')
        return self._layout(p["name"], body, head=head)

    def jsonld(self, slug: str, page: int) -> str:
        p = self.products[slug]
        items, pages = self.page_of(slug, page)
        ld = {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "Organization", "name": "ReviewLens Demo Shop"},
                {"@type": "Product", "name": p["name"], "sku": slug,
                 "offers": {"@type": "Offer", "price": p["price"], "priceCurrency": "USD"},
                 "aggregateRating": {"@type": "AggregateRating", "ratingValue": 3.1, "reviewCount": len(self.reviews[slug])},
                 "review": [{
                     "@type": "Review", "@id": f"#review-{r['id']}", "identifier": r["id"],
                     "name": r["title"], "reviewBody": r["text"], "datePublished": r["date"],
                     "author": {"@type": "Person", "name": r["author"]},
                     "reviewRating": {"@type": "Rating", "ratingValue": r["rating"], "bestRating": 5, "worstRating": 1},
                     "inLanguage": r["lang"],
                     "interactionStatistic": {"@type": "InteractionCounter", "interactionType": "https://schema.org/LikeAction",
                                              "userInteractionCount": r.get("helpful", 0)},
                     **({"comment": {"@type": "Comment", "text": r["reply"], "dateCreated": r["reply_date"],
                                     "author": {"@type": "Organization", "name": "ReviewLens Demo Shop"}}}
                        if r.get("reply") else {}),
                 } for r in items]},
            ],
        }
        visible = "".join(f'<blockquote>{_esc(r["text"][:300])}</blockquote>' for r in items)
        base = f"{PREFIX}/jsonld/{slug}"
        body = f'<h1>{_esc(p["name"])}</h1><div class="reviews">{visible}</div>{self._pager(base, page, pages)}'
        head = f'<script type="application/ld+json">{_script_json(ld)}</script>'
        return self._layout(p["name"], body, head=head)

    def microdata(self, slug: str, page: int) -> str:
        p = self.products[slug]
        items, pages = self.page_of(slug, page)
        cards = []
        for r in items:
            title = f'<h4 itemprop="name">{_esc(r["title"])}</h4>' if r["title"] else ""
            reply = (f'<div class="reply" itemprop="comment" itemscope itemtype="https://schema.org/Comment">'
                     f'<span itemprop="author" itemscope itemtype="https://schema.org/Organization">'
                     f'<meta itemprop="name" content="Stride"></span>'
                     f'<time itemprop="dateCreated" datetime="{r["reply_date"]}">{_long_date(r["reply_date"])}</time>'
                     f'<p itemprop="text">{_esc(r["reply"])}</p></div>' if r.get("reply") else "")
            cards.append(
                f'<div itemprop="review" itemscope itemtype="https://schema.org/Review" lang="{_esc(r["lang"])}" '
                f'id="review-{_esc(r["id"])}" data-review-id="{_esc(r["id"])}">'
                f'<meta itemprop="upvoteCount" content="{r.get("helpful", 0)}">{reply}'
                f'{title}<div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">'
                f'<meta itemprop="worstRating" content="1"><span itemprop="ratingValue">{r["rating"]:g}</span>/'
                f'<span itemprop="bestRating">5</span></div>'
                f'<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
                f'<span itemprop="name">{_esc(r["author"])}</span></span> '
                f'<time itemprop="datePublished" datetime="{r["date"]}">{_long_date(r["date"])}</time>'
                f'<p itemprop="reviewBody">{_esc(r["text"])}</p></div>')
        base = f"{PREFIX}/microdata/{slug}"
        body = (f'<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">{_esc(p["name"])}</h1>'
                f'<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
                f'<meta itemprop="priceCurrency" content="USD"><span itemprop="price">{p["price"]:.2f}</span></div>'
                f'{"".join(cards)}</div>{self._pager(base, page, pages)}')
        return self._layout(p["name"], body)

    def nextjs(self, slug: str, page: int) -> str:
        p = self.products[slug]
        items, pages = self.page_of(slug, page)
        state = {
            "props": {"pageProps": {
                "product": {"slug": slug, "title": p["name"], "price": {"amount": p["price"], "currency": "USD"}},
                "reviewsPage": {
                    "page": page, "totalPages": pages,
                    "items": [{"reviewId": r["id"], "headline": r["title"], "body": r["text"],
                               "stars": r["rating"], "reviewer": {"displayName": r["author"], "verified": r["verified"]},
                               "createdAt": r["date"] + "T09:30:00.000Z", "helpfulVotes": r["helpful"],
                               "language": r["lang"],
                               "reply": {"message": r["reply"], "publishedDate": r["reply_date"] + "T16:00:00.000Z"}
                               if r.get("reply") else None} for r in items],
                },
            }},
            "page": "/nextjs/[slug]", "query": {"slug": slug, "page": str(page)}, "buildId": "demo",
        }
        base = f"{PREFIX}/nextjs/{slug}"
        more = (f'<nav><a class="pager-next" href="{base}?page={page + 1}">Next page</a></nav>'
                if page < pages else "")
        body = f'<div id="__next"><h1>{_esc(p["name"])}</h1><div class="reviews-loading">Loading reviews...</div>{more}</div>'
        body += f'<script id="__NEXT_DATA__" type="application/json">{_script_json(state)}</script>'
        return self._layout(p["name"], body)

    def state(self, slug: str, page: int) -> str:
        p = self.products[slug]
        items, pages = self.page_of(slug, page)
        state = {
            "session": {"locale": "en-US", "currency": "USD"},
            "catalog": {"current": {"sku": slug, "label": p["name"], "price": p["price"]}},
            "feedback": {"cursor": {"page": page, "of": pages}, "entries": [
                {"uid": r["id"], "content": r["text"], "summary": r["title"], "score": r["rating"],
                 "user": {"nick": r["author"]}, "ts": r["date"], "likes": r["helpful"], "isVerified": r["verified"],
                 "lang": r["lang"],
                 **({"ownerResponse": {"text": r["reply"], "postedAt": r["reply_date"]}} if r.get("reply") else {})}
                for r in items]},
        }
        base = f"{PREFIX}/state/{slug}"
        head = f'<link rel="next" href="{base}?page={page + 1}">' if page < pages else ""
        body = (f'<div id="app"><h1>{_esc(p["name"])}</h1></div>'
                f'<script>window.__INITIAL_STATE__ = {_script_json(state)};</script>'
                f'{self._pager(base, page, pages, rel=False)}')
        return self._layout(p["name"], body, head=head)

    # ------------------------------------------------------------------ JavaScript-rendered patterns
    def js_shell(self, slug: str, pattern: str, page: int = 1) -> str:
        p = self.products[slug]
        attrs = (f'data-pattern="{pattern}" data-slug="{_esc(slug)}" data-page="{page}" '
                 f'data-delay="{self._delay(slug, page)}"')
        if pattern == "js":
            inner = '<section id="reviews"><p class="loading">Loading reviews...</p></section><nav id="pager" class="pager"></nav>'
        elif pattern == "loadmore":
            inner = ('<section id="reviews"><p class="loading">Loading reviews...</p></section>'
                     '<button id="load-more" type="button" style="display:none">Load more reviews</button>')
        else:
            inner = '<ul id="reviews" class="feed"></ul><p id="feed-end"></p>'
        body = f'<h1 class="product-title">{_esc(p["name"])}</h1><p>${p["price"]:.2f}</p>{inner}'
        return self._layout(p["name"], body, body_attrs=attrs, script=True)

    def _delay(self, slug: str, page: int) -> int:
        """A fixed, page-dependent delay in [js_delay_ms - 200, js_delay_ms + 300] (300..800 ms by default)."""
        if self.js_delay_ms <= 0:
            return 0
        return max(0, self.js_delay_ms - 200 + (sum(map(ord, slug)) * 31 + page * 97) % 501)

    def api(self, slug: str, page: int, per_page: int) -> dict:
        items, pages = self.page_of(slug, page, per_page)
        return {"product": slug, "page": page, "pages": pages, "total": len(self.reviews[slug]),
                "reviews": [{k: r.get(k) for k in ("id", "author", "rating", "title", "text", "date", "reply", "reply_date",
                                                   "helpful", "verified")} for r in items]}


def _make_handler(shop: Shop) -> type[BaseHTTPRequestHandler]:
    assets = shop.root / "assets"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ReviewLensDemo/1.0"
        disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stalls

        def log_message(self, fmt: str, *args: Any) -> None:  # quiet: debug log only
            log.debug("demo site: " + fmt, *args)

        def _send(self, status: int, body: str | bytes, ctype: str = "text/html; charset=utf-8") -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            q = parse_qs(parts.query)
            path = parts.path
            if path == PREFIX or path.startswith(PREFIX + "/"):
                path = path[len(PREFIX):] or "/"
            elif path not in ("/", "/robots.txt"):  # the shop lives under PREFIX only
                shop.record(self.path)
                return self._send(404, "<h1>Not found</h1>")
            segs = [s for s in path.split("/") if s]
            try:
                page = max(1, int(q.get("page", ["1"])[0]))
            except ValueError:
                page = 1
            shop.record(path + (f"?{parts.query}" if parts.query else ""))  # the path within the shop
            try:
                self._route(segs, page, q)
            except (BrokenPipeError, ConnectionResetError):
                pass
            except Exception:  # a bug in the demo site must not kill the server
                log.exception("demo site error on %s", self.path)
                self._send(500, "<h1>500 Internal Server Error</h1>")

        def _route(self, segs: list[str], page: int, q: dict) -> None:
            if not segs:
                return self._send(200, shop.index())
            if segs == ["robots.txt"]:
                return self._send(200, ROBOTS, "text/plain; charset=utf-8")
            if segs[0] == "admin":
                return self._send(403, "<h1>Forbidden</h1>")
            if segs[0] == "assets" and len(segs) == 2 and segs[1] in ("shop.js", "shop.css"):
                ctype = "text/javascript" if segs[1].endswith(".js") else "text/css"
                return self._send(200, (assets / segs[1]).read_bytes(), f"{ctype}; charset=utf-8")
            if len(segs) == 3 and segs[:2] == ["api", "reviews"] and segs[2] in shop.products:
                try:
                    per_page = min(100, max(1, int(q.get("per_page", [PER_PAGE])[0])))
                except ValueError:
                    per_page = PER_PAGE
                return self._send(200, json.dumps(shop.api(segs[2], page, per_page), ensure_ascii=False),
                                  "application/json; charset=utf-8")
            if len(segs) == 2 and segs[1] in shop.products:
                kind, slug = segs
                _, pages = shop.page_of(slug, 1)
                if kind in PAGINATED and page > pages:
                    return self._send(404, "<h1>No such page</h1>")
                render: dict[str, Callable[[], str]] = {
                    "static": lambda: shop.static(slug, page),
                    "jsonld": lambda: shop.jsonld(slug, page),
                    "microdata": lambda: shop.microdata(slug, page),
                    "nextjs": lambda: shop.nextjs(slug, page),
                    "state": lambda: shop.state(slug, page),
                    "js": lambda: shop.js_shell(slug, "js", page),
                    "load-more": lambda: shop.js_shell(slug, "loadmore"),
                    "scroll": lambda: shop.js_shell(slug, "scroll"),
                    "sorted": lambda: shop.sorted_page(slug, page, q.get("sort", [""])[0] == "newest"),
                }
                if kind == "sorted" and page > pages:
                    return self._send(404, "<h1>No such page</h1>")
                if kind in render:
                    body = render[kind]()
                    if kind == "static" and slug in shop.changed_layout:
                        body = shop.changed(body)
                    return self._send(200, body)
            return self._send(404, "<h1>Not found</h1>")

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """A browser that drops a connection (a page it no longer needs) is not an error worth a traceback."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - socketserver's signature
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            log.debug("client %s dropped the connection", client_address)
            return
        super().handle_error(request, client_address)


_SHOPS: dict[str, Shop] = {}  # base URL -> the shop it serves, while it runs


def shop_at(base_url: str) -> Shop:
    """The Shop a running demo site serves (its request log, its changed-layout switch)."""
    return _SHOPS[base_url.rstrip("/")]


def start_demo_site(port: int = 0, *, root: str | Path | None = None, js_delay_ms: int = 500,
                    host: str = "127.0.0.1", changed_layout: Iterable[str] | None = None
                    ) -> tuple[str, Callable[[], None]]:
    """Serve the demo shop in a background thread. Returns (base_url, stop). Port 0 picks a free port.

    changed_layout: products whose /static pages use the changed markup (default: the comma-separated
    slugs in REVIEWLENS_DEMO_CHANGED_LAYOUT)."""
    shop = Shop(Path(root) if root else default_root(), js_delay_ms=js_delay_ms)
    if changed_layout is None:
        changed_layout = [s.strip() for s in os.environ.get("REVIEWLENS_DEMO_CHANGED_LAYOUT", "").split(",") if s.strip()]
    shop.changed_layout.update(changed_layout)
    server = _QuietServer((host, port), _make_handler(shop))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="demo-site", daemon=True)
    thread.start()
    base_url = f"http://{host}:{server.server_address[1]}{PREFIX}"
    _SHOPS[base_url] = shop
    log.info("demo shop serving %s at %s", shop.root, base_url)

    def stop() -> None:
        _SHOPS.pop(base_url, None)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return base_url, stop


def demo_urls(base_url: str, root: str | Path | None = None) -> list[str]:
    """The start URLs (first page of every product) that cover the whole shop."""
    data = read_shop_data(Path(root) if root else default_root())
    base = base_url.rstrip("/")
    if not base.endswith(PREFIX):  # the server's address without the shop's path prefix
        base += PREFIX
    return [f"{base}/{PATTERN_PATH[p['pattern']]}/{p['slug']}" for p in data["products"]]


if __name__ == "__main__":  # python -m reviewlens.app.demo_shop [port]
    import time

    logging.basicConfig(level=logging.INFO)
    url, _stop = start_demo_site(int(sys.argv[1]) if len(sys.argv) > 1 else 8765)
    print("\n".join(demo_urls(url)))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        _stop()
