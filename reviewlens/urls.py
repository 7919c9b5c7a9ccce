"""Web addresses: which strings are http(s) links. One rule for the scrape command, the schedule file,
alert links, the dashboard's links and the dashboard address alerts point to.

A link is an absolute http or https URL with a host, holding nothing a valid URL percent-encodes
(spaces, control or bidi characters, which could hide where it goes): never javascript:, data: or file:.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .display_text import BIDI_CONTROLS

_UNSEEN = re.compile(f"[\\s\\x00-\\x1f\\x7f-\\x9f\\ufffe\\uffff{BIDI_CONTROLS}]")


def http_url(value: Any) -> str | None:
    """`value` without surrounding blanks when it is an http(s) link (above), else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or _UNSEEN.search(url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def page_url(value: str) -> str | None:
    """A page the user names to scrape: `http_url`, with https:// put in front of a bare host name
    ("www.example.com/p/1")."""
    url = value.strip()
    if "://" not in url and "." in url.split("/")[0] and " " not in url:
        url = "https://" + url
    return http_url(url)
