"""Browser sessions: a remote WebDriver endpoint (chromedriver --port speaks the Grid's W3C protocol),
several browsers in parallel, and browsers quit when the consumer stops early."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from reviewlens.config import ScraperSettings
from reviewlens.app.demo_shop import demo_urls
from scraper import make_driver, scrape


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def remote_endpoint():
    port = _free_port()
    proc = subprocess.Popen(["/usr/bin/chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(url + "/status", timeout=1).json()["value"]["ready"]:
                    break
            except (httpx.HTTPError, KeyError, ValueError):
                time.sleep(0.05)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _children(name: str) -> list[int]:
    """Live processes called `name` whose parent is this test process."""
    me = str(os.getpid())
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1: stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if comm == name and fields[1] == me and fields[0] != "Z":
            found.append(int(d.name))
    return found


def test_remote_webdriver_path(remote_endpoint, demo_site, truth):
    endpoint, endpoint_pid = remote_endpoint
    settings = ScraperSettings(grid_url=endpoint, delay=0.0, timeout=10.0)
    driver = make_driver(settings)
    try:
        assert driver.capabilities["browserName"] in ("chrome", "chromium", "chrome-headless-shell")
    finally:
        driver.quit()
    pages = list(scrape([demo_site + "/jsonld/brewmaster-coffee-maker", demo_site + "/js/shellguard-phone-case"],
                        settings, max_pages=2))
    assert [len(p.reviews) for p in pages] == [10, 10, 10, 10]
    assert _children("chromedriver") == [endpoint_pid]  # no local driver was started


def test_parallel_browsers_same_reviews_as_one(demo_site, shop_scrape):
    js_urls = [u for u in demo_urls(demo_site) if any(k in u for k in ("/js/", "/load-more/", "/scroll/", "/jsonld/"))]
    settings = ScraperSettings(delay=0.0, timeout=10.0, browsers=2)
    t0 = time.monotonic()
    pages = list(scrape(js_urls, settings))
    seconds = time.monotonic() - t0
    one, _ = shop_scrape
    want = {u: [r.id for p in one if p.start_url == u for r in p.reviews] for u in js_urls}
    got = {u: [r.id for p in pages if p.start_url == u for r in p.reviews] for u in js_urls}
    assert got == want  # same reviews, same order per start URL
    assert not any(p.error for p in pages)
    print(f"2 browsers, {len(js_urls)} start URLs: {sum(map(len, got.values()))} reviews in {seconds:.1f} s")
    assert not _children("chromedriver")


@pytest.mark.parametrize("browsers", [1, 2])
def test_browsers_quit_when_consumer_stops_early(demo_site, browsers):
    settings = ScraperSettings(delay=0.0, timeout=10.0, browsers=browsers)
    gen = scrape(demo_urls(demo_site)[:3], settings)
    first = next(gen)
    assert first.reviews
    assert _children("chromedriver")
    gen.close()
    deadline = time.monotonic() + 10
    while _children("chromedriver") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _children("chromedriver")
