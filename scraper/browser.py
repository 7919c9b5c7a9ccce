"""The browser factory: local headless Chromium (Debian's chromium + chromium-driver) or a remote
WebDriver / Selenium Grid (`settings.grid_url`)."""

from __future__ import annotations

import logging
import os
import shutil
import time
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from reviewlens.config import ScraperSettings

from . import orphans
from .errors import ScrapeError

log = logging.getLogger(__name__)

CHROME_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-quic", "--window-size=1280,900", "--disable-extensions", "--mute-audio",
    # The omnibox popup WebUIs are preloaded even in headless mode: their renderer burns about 0.5 s of CPU
    # in the second after start (measured on Chromium 156; bench/RESULTS.md). Unknown names are ignored.
    "--disable-features=Translate,MediaRouter,OptimizationHints,WebUIOmniboxPopup,WebUIOmniboxAimPopup",
]

# Never let Selenium Manager reach the network for drivers or statistics.
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")


def chrome_options(settings: ScraperSettings, *, local: bool = True) -> Options:
    opts = Options()
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    if settings.user_agent:
        # Pages are requested with the agent whose robots.txt rules were checked (not Chromium's own).
        opts.add_argument(f"--user-agent={settings.user_agent}")
    opts.page_load_strategy = "normal"
    if local and settings.chromium:
        opts.binary_location = settings.chromium
    return opts


def make_driver(settings: ScraperSettings) -> WebDriver:
    """Start one browser session: remote when `settings.grid_url` is set, else local headless Chromium.

    Raises ScrapeError with what to install or check when the browser cannot start.
    """
    t0 = time.monotonic()
    if settings.grid_url:
        try:
            driver = webdriver.Remote(command_executor=settings.grid_url,
                                      options=chrome_options(settings, local=False))
        except Exception as e:  # noqa: BLE001 - urllib3, socket and WebDriver errors all mean "no browser"
            raise ScrapeError(f"cannot start a browser on the remote WebDriver / Selenium Grid at "
                              f"{settings.grid_url}: {str(e).strip().splitlines()[0] if str(e).strip() else e!r}. "
                              f"Check that the Grid is running and reachable (grid_url / REVIEWLENS_GRID_URL).") from e
    else:
        driver_path = settings.chromedriver or shutil.which("chromedriver") or ""
        browser_path = settings.chromium or shutil.which("chromium") or ""
        missing = [p for p in (driver_path, browser_path) if not (p and os.path.isfile(p))]
        if missing:
            raise ScrapeError(f"Chromium is not installed (missing: {', '.join(missing) or 'chromium, chromedriver'}). "
                              f"Install it with `sudo apt-get install chromium chromium-driver` (both, so their "
                              f"versions match), set [scraper] chromium/chromedriver paths, or use a Selenium Grid "
                              f"with grid_url.")
        orphans.reap()
        try:
            # chromedriver leads a session of its own: Chromium's processes join it, so a run killed
            # with SIGKILL leaves one session that the next run can find and end (scraper/orphans.py).
            service = Service(executable_path=driver_path, popen_kw={"start_new_session": True})
            driver = webdriver.Chrome(service=service, options=chrome_options(settings))
            orphans.register(service.process.pid)
        except (WebDriverException, OSError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
            raise ScrapeError(f"cannot start Chromium ({browser_path} with {driver_path}): {first}. "
                              f"Reinstall matching versions with `sudo apt-get install chromium chromium-driver`.") from e
    timeout = max(1.0, float(settings.timeout))
    driver.set_page_load_timeout(timeout)
    driver.set_script_timeout(timeout)
    log.info("browser started (%s) in %.2f s", settings.grid_url or "local chromium", time.monotonic() - t0)
    return driver


def quit_driver(driver: Any) -> None:
    """Quit a session, never raising (used in `finally`)."""
    if driver is None:
        return
    process = getattr(getattr(driver, "service", None), "process", None)
    try:
        driver.quit()
    except Exception as e:  # noqa: BLE001 - a dead browser is already gone
        log.debug("browser quit failed: %s", e)
    if process is not None:
        orphans.unregister(process.pid)
