"""Debug captures of failed pages: a screenshot and the HTML, saved under debug_dir."""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

_serial = itertools.count(1)


def capture_stem(url: str) -> str:
    """A file name stem unique to this capture: time, host, a hash of the whole URL and a serial
    number (two failures of one URL in one second keep both). Suffixes are appended, never
    substituted: the host's dots are part of the stem."""
    p = urlsplit(url)
    host = re.sub(r"[^A-Za-z0-9.-]+", "_", p.netloc)[:60] or "page"
    digest = hashlib.sha1(url.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{host}-{digest}-{next(_serial)}"


def save_debug(debug_dir: Path | None, url: str, driver: Any = None, html: str | None = None, *,
               screenshot: bool = True) -> list[str]:
    """Save the browser's screenshot and page HTML (or the given `html`) for `url`. Returns the paths.
    No screenshot of a document that is still loading (Chromium would block for a minute)."""
    if debug_dir is None:
        return []
    files: list[str] = []
    try:
        debug_dir = Path(debug_dir)
        debug_dir.mkdir(parents=True, exist_ok=True)
        stem = capture_stem(url)
        if html is None and driver is not None:
            try:
                html = driver.page_source
            except Exception as e:  # noqa: BLE001 - best effort
                log.debug("no page source for %s: %s", url, e)
        if html is not None:
            p = debug_dir / f"{stem}.html"
            p.write_text(f"<!-- ReviewLens debug capture of {url} -->\n{html}", encoding="utf-8")
            files.append(str(p))
        if driver is not None and screenshot:
            p = debug_dir / f"{stem}.png"
            try:
                if driver.execute_script("return document.readyState") != "loading" and driver.save_screenshot(str(p)):
                    files.append(str(p))
            except Exception as e:  # noqa: BLE001 - best effort
                log.debug("no screenshot for %s: %s", url, e)
    except OSError as e:
        log.warning("could not save debug files for %s under %s: %s", url, debug_dir, e)
    if files:
        log.info("saved debug capture of %s: %s", url, ", ".join(files))
    return files
