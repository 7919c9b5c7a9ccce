"""Test helpers for the scraper tests: a programmable local HTTP server and page builders."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Route = Callable[["Handler"], tuple[int, dict, str]]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    routes: dict[str, Route] = {}
    hits: dict[str, int] = {}
    log: list = []  # (path, monotonic time, User-Agent) of every request

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        self.log.append((self.path, time.monotonic(), self.headers.get("User-Agent")))
        route = self.routes.get(self.path) or self.routes.get(self.path.split("?")[0])
        status, headers, body = route(self) if route else (404, {}, "not found")
        data = body.encode("utf-8")
        cut = headers.pop("X-Cut-Off", None)  # send half the body, then close: a page cut off mid-transfer
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("Content-Type", "text/html; charset=utf-8"))
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if cut:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)


class LocalSite:
    """A local site whose paths answer what a test says: `server.route("/p", lambda h: (200, {}, html))`."""

    def __init__(self):
        handler = type("H", (Handler,), {"routes": {}, "hits": {}, "log": []})
        self.handler = handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.route("/robots.txt", lambda h: (200, {"Content-Type": "text/plain"}, "User-agent: *\nAllow: /\n"))

    def route(self, path: str, fn: Route) -> None:
        self.handler.routes[path] = fn

    def page(self, path: str, html: str, status: int = 200, headers: dict | None = None) -> None:
        self.route(path, lambda h: (status, dict(headers or {}), html))

    def hits(self, path: str) -> int:
        return self.handler.hits.get(path, 0)

    def requests(self, path: str | None = None) -> list[tuple[str, float, str]]:
        """(path, time, User-Agent) of each request (to `path` only when given), in order."""
        return [r for r in self.handler.log if path is None or r[0] == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def jsonld_page(reviews: list[dict], next_href: str | None = None, product: str = "Widget") -> str:
    """A product page with schema.org JSON-LD reviews (and a rel=next link)."""
    ld = {"@context": "https://schema.org", "@type": "Product", "name": product, "review": [
        {"@type": "Review", "identifier": r["id"], "reviewBody": r["text"], "author": {"@type": "Person", "name": "A"},
         "datePublished": "2026-01-02", "reviewRating": {"@type": "Rating", "ratingValue": r.get("rating", 4)}}
        for r in reviews]}
    nxt = f'<a rel="next" href="{next_href}">Next</a>' if next_href else ""
    return (f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head>'
            f'<body><h1>{product}</h1>{nxt}</body></html>')
