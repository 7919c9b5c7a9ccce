"""The JavaScript the scraper runs in the page, one file per script, loaded once.

extract.js (beside this folder, scraper/extract.js) is the extractor every page script builds on;
`with_extractor(name)` prefixes it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The script scraper/js/<name>.js."""
    return (HERE / f"{name}.js").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def with_extractor(name: str) -> str:
    """extract.js followed by scraper/js/<name>.js (the script can call extractReviews)."""
    return (HERE.parent / "extract.js").read_text(encoding="utf-8") + "\n" + load(name)
