"""reviewlens.urls: the one rule for what is an http(s) link (scrape, schedule, alerts, dashboard)."""

from __future__ import annotations

import pytest

from reviewlens.urls import http_url, page_url


@pytest.mark.parametrize("url", ["https://shop.example/p/1?page=2#reviews", "http://127.0.0.1:8765/static/x",
                                 "HTTPS://Shop.Example/p", "  https://shop.example/p  ", "http://[::1]:8501/"])
def test_links(url):
    assert http_url(url) == url.strip()


@pytest.mark.parametrize("url", [None, 42, "", "   ", "javascript:alert(1)", "data:text/html,<b>x</b>",
                                 "file:///etc/passwd", "ftp://shop.example/p", "https://", "http://:80/",
                                 "//shop.example/p", "shop.example/p", "https://shop.example/a b",
                                 "https://shop.example/\u202egnp.exe", "https://shop.example/\x00",
                                 "http://[::1", "http://shop.example:port/"])
def test_not_links(url):
    assert http_url(url) is None


def test_a_page_to_scrape_may_leave_out_https():
    assert page_url("www.example.com/p/1") == "https://www.example.com/p/1"
    assert page_url("http://shop.example/p") == "http://shop.example/p"
    assert page_url("notaurl") is None and page_url("two words.com") is None
