"""The scraper's exceptions."""

from __future__ import annotations


class ScrapeError(Exception):
    """A fatal scraping problem (browser cannot start, robots.txt forbids, bad site config).

    The message says what went wrong and what to do about it.
    """


class SiteConfigError(ScrapeError):
    """A site config file that cannot be used; the message names the file and the key."""
