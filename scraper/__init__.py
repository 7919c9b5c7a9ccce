"""The scraper stage: collect reviews from web pages with Selenium (headless Chromium or a Grid).

    from scraper import scrape
    for page in scrape(["https://example.com/product/1"], settings.scraper):
        store.upsert_reviews(page.reviews)

Zero-config extraction (schema.org JSON-LD / microdata, embedded page state) is tried first; site
configs (scraper/sites/*.toml) cover the rest, and a page with neither is read by its layout (repeated
blocks of one shape: scraper/layout.py), which `guess_site` writes out as a config to keep.
"""

from __future__ import annotations

from .browser import make_driver
from .errors import ScrapeError, SiteConfigError
from .normalize import clean_text, parse_date, parse_rating
from .layout import LayoutGuess, to_toml
from .runner import guess_site, scrape
from .siteconfig import SiteConfig, find_site, find_sites, list_sites, load_site, match_reason, site_catalog

__all__ = ["scrape", "guess_site", "LayoutGuess", "to_toml", "ScrapeError", "SiteConfigError", "SiteConfig", "list_sites", "load_site", "find_site",
           "find_sites", "match_reason", "site_catalog", "make_driver", "parse_rating", "parse_date", "clean_text"]
