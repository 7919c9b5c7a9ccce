"""Fixtures for the scraper tests: the demo shop (once per session), quick scraper settings, a tiny
programmable HTTP server for robots/retry/error cases, and the demo shop's ground truth."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reviewlens.config import ScraperSettings
from tests.scraper.helpers import LocalSite

os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")

HAVE_BROWSER = os.path.isfile("/usr/bin/chromium") and os.path.isfile("/usr/bin/chromedriver")
BROWSERLESS = {"test_normalize.py", "test_parts.py", "test_siteconfig.py"}  # pure functions: run everywhere


def pytest_collection_modifyitems(config, items):
    """Without Chromium, browser tests skip with the fix in the reason (or fail when
    REVIEWLENS_REQUIRE_BROWSER=1, as CI should set)."""
    if HAVE_BROWSER or os.environ.get("REVIEWLENS_REQUIRE_BROWSER") == "1":
        return  # with the variable set, they run and fail with ScrapeError's install hint
    here = Path(__file__).parent
    reason = "Chromium is not installed: apt-get install chromium chromium-driver"
    for item in items:
        path = Path(str(item.fspath))
        if path.parent == here and path.name not in BROWSERLESS:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def settings() -> ScraperSettings:
    return ScraperSettings(delay=0.0, timeout=10.0, retries=2, max_pages=50)


@pytest.fixture
def server():
    s = LocalSite()
    yield s
    s.close()


@pytest.fixture(scope="session")
def shop_scrape(demo_site, tmp_path_factory):
    """The whole demo shop scraped once with one browser: (pages, seconds)."""
    import time

    from reviewlens.app.demo_shop import demo_urls
    from scraper import scrape

    t0 = time.monotonic()
    pages = list(scrape(demo_urls(demo_site), ScraperSettings(delay=0.0, timeout=10.0, retries=1),
                        debug_dir=tmp_path_factory.mktemp("debug")))
    return pages, time.monotonic() - t0
