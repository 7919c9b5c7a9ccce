"""The scraper stage: collect reviews from web pages with Selenium (headless Chromium or a Grid).

    from scraper import scrape
    for page in scrape(["https://example.com/product/1"], settings.scraper):
        store.upsert_reviews(page.reviews)

Zero-config extraction (schema.org JSON-LD / microdata, embedded page state) is tried first; site
configs (scraper/sites/*.toml) cover the rest.
"""

from __future__ import annotations

from .browser import make_driver
from .errors import ScrapeError, SiteConfigError
from .normalize import clean_text, parse_date, parse_rating
from .runner import scrape
from .siteconfig import SiteConfig, find_site, find_sites, list_sites, load_site, match_reason, site_catalog

__all__ = ["scrape", "ScrapeError", "SiteConfigError", "SiteConfig", "list_sites", "load_site", "find_site",
           "find_sites", "match_reason", "site_catalog", "make_driver", "parse_rating", "parse_date", "clean_text"]
