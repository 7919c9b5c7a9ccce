"""The scraper's download parts without a browser: the retry policy, politeness (robots.txt rules,
Crawl-delay, pacing), next-page prediction, debug capture names, the orphan-browser registry."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scraper import orphans
from scraper.debug import capture_stem, save_debug
from scraper.engine import predict_next, site_selectors
from scraper.politeness import Pacer, Politeness
from scraper.retry import RetryPolicy, retry_after_seconds
from scraper.robots import Robots
from scraper.siteconfig import SiteConfig


# ---------------------------------------------------------------- retry policy
def test_retry_policy_classifies_statuses():
    p = RetryPolicy(retries=2)
    assert all(p.retryable_status(s) for s in (429, 500, 502, 503, 504))
    assert not any(p.retryable_status(s) for s in (0, 200, 301, 403, 404, 410))
    assert p.may_retry(0) and p.may_retry(1) and not p.may_retry(2)


def test_retry_waits_for_retry_after_backoff_and_the_site_delay():
    p = RetryPolicy(retries=3, backoff=0.5, max_retry_after=60)
    assert [p.wait_seconds(a) for a in range(3)] == [0.5, 1.0, 2.0]  # exponential
    assert p.wait_seconds(0, retry_after=2.0) == 2.0                    # the server asked for 2 s
    assert p.wait_seconds(2, retry_after=0.1) == 2.0                    # never shorter than the backoff
    assert p.wait_seconds(0, retry_after=3600) == 60                    # a silly Retry-After is capped
    assert p.wait_seconds(0, site_delay=5.0) == 5.0                     # the site's delay still holds


def test_retry_after_header_forms():
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds("") is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)


# ---------------------------------------------------------------- politeness
class _Robots(BaseHTTPRequestHandler):
    body = ""

    def log_message(self, *a):
        pass

    def do_GET(self):  # noqa: N802
        data = self.body.encode()
        self.send_response(200 if self.path == "/robots.txt" else 404)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def robots_site():
    handler = type("H", (_Robots,), {"body": "User-agent: ReviewLensBot\nDisallow: /private/\nCrawl-delay: 2\n\n"
                                             "User-agent: *\nDisallow: /\n"})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_politeness_obeys_the_rules_for_our_agent(robots_site):
    pol = Politeness(Robots("ReviewLensBot/0.1 (+https://example.org)"), delay=0.5)
    assert pol.blocked(robots_site + "/reviews?page=2") is None
    why = pol.blocked(robots_site + "/private/x")
    assert why and "robots.txt" in why and "ReviewLensBot" in why and "--ignore-robots" in why
    assert pol.delay(robots_site + "/reviews") == 2.0            # Crawl-delay beats the configured 0.5 s
    assert pol.delay(robots_site + "/reviews", site_delay=3.0) == 3.0
    rules = pol.rules(robots_site + "/")
    assert rules["all"] is None and ["/private/", False] in rules["rules"]
    other = Politeness(Robots("SomeOtherBot/1.0"))
    assert other.blocked(robots_site + "/reviews")               # everyone else is disallowed


def test_politeness_without_robots_allows_everything():
    pol = Politeness(None, delay=1.5)
    assert pol.blocked("http://x/a") is None and pol.rules("http://x/a") is None and pol.delay("http://x/a") == 1.5


def test_pacer_spaces_requests_per_host_and_honours_at_least():
    now = [100.0]
    pacer = Pacer(clock=lambda: now[0])
    assert pacer.reserve("http://a/1", 2.0) == 0.0
    assert pacer.reserve("http://a/2", 2.0) == 2.0     # the next slot on host a
    assert pacer.reserve("http://b/1", 2.0) == 0.0     # another host is not held up
    assert pacer.reserve("http://b/2", 0.0, at_least=5.0) == 5.0  # a Retry-After pushes it out
    slept: list[float] = []
    pol = Politeness(None, delay=1.0, pacer=pacer, sleep=slept.append)
    pol.wait("http://c/1")
    pol.wait("http://c/2")
    assert slept == [1.0]


def test_pacer_is_shared_safely_across_threads():
    pacer = Pacer(clock=lambda: 0.0)
    waits: list[float] = []
    lock = threading.Lock()

    def book():
        w = pacer.reserve("http://h/", 1.0)
        with lock:
            waits.append(w)

    threads = [threading.Thread(target=book) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == [float(i) for i in range(20)]  # every request got its own slot


# ---------------------------------------------------------------- walking
def test_predict_next_follows_one_increasing_number():
    assert predict_next("http://h/r?page=2", "http://h/r?page=3") == "http://h/r?page=4"
    assert predict_next("http://h/r/page/1", "http://h/r/page/2") == "http://h/r/page/3"
    assert predict_next("http://h/r?start=10", "http://h/r?start=20") == "http://h/r?start=30"
    assert predict_next(None, "http://h/r?page=3") is None
    assert predict_next("http://h/a?page=2", "http://h/b?page=3") is None  # two things changed
    assert predict_next("http://h/r?page=3", "http://h/r?page=2") is None  # going backwards


def test_site_selectors_lists_every_selector_of_a_config():
    site = SiteConfig(name="x", review="div.r", fields={"text": {"selector": "p"}, "rating": {"selector": "div[[[["}},
                      next="a.next", wait_for="div.r")
    assert site_selectors(site) == {"review": "div.r", "next": "a.next", "wait_for": "div.r",
                                    "fields.text": "p", "fields.rating": "div[[[["}
    assert site_selectors(None) == {}


def test_debug_captures_of_one_host_do_not_overwrite_each_other(tmp_path):
    a = save_debug(tmp_path, "https://www.example-shop.com/p/1", html="<p>one</p>")
    b = save_debug(tmp_path, "https://www.example-shop.com/p/2", html="<p>two</p>")
    c = save_debug(tmp_path, "https://www.example-shop.com/p/2", html="<p>two again</p>")
    assert len({*a, *b, *c}) == 3 and all(p.endswith(".html") for p in a + b + c)
    assert all("www.example-shop.com" in p for p in a + b + c)  # the host's dots survive
    assert "one" in open(a[0]).read() and "two again" in open(c[0]).read()
    assert capture_stem("http://h/x") != capture_stem("http://h/x")


# ---------------------------------------------------------------- orphans
def test_reap_ends_the_browsers_of_a_dead_owner_only(tmp_path, monkeypatch):
    """A fake "chromium" in its own session, recorded for an owner that is gone, is ended; one
    recorded for a live owner (this process) is left alone."""
    monkeypatch.setenv("REVIEWLENS_RUNTIME_DIR", str(tmp_path))
    fake = tmp_path / "chromium"
    os.symlink(sys.executable, fake)
    code = "import time; time.sleep(60)"

    def start():
        return subprocess.Popen([str(fake), "-c", code], start_new_session=True)

    dead_owner, live_owner = start(), start()
    try:
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        (tmp_path / f"{dead_owner.pid}.json").write_text(
            f'{{"session": {dead_owner.pid}, "owner": {gone.pid}, "owner_started": 1.0}}')
        orphans.register(live_owner.pid)  # owned by this (living) process
        time.sleep(0.2)
        assert [p.pid for p in orphans.session_browsers(dead_owner.pid)] == [dead_owner.pid]
        assert orphans.reap() == 1
        assert dead_owner.wait(timeout=5) is not None
        assert live_owner.poll() is None
        assert not (tmp_path / f"{dead_owner.pid}.json").exists() and (tmp_path / f"{live_owner.pid}.json").exists()
    finally:
        for p in (dead_owner, live_owner):
            if p.poll() is None:
                p.kill()
                p.wait()
