"""Escaping and sanitizing untrusted review text for HTML and Excel."""

from __future__ import annotations

import html

from dashboard.safe import (EXCEL_MAX_CELL_CHARS, TRUNCATION_MARKER, display_text, escape_html, escape_markdown,
                            excel_text, highlight_entities, looks_like_formula, safe_url)

from tests.dashboard.seed import XSS_TEXT


def test_escape_html_leaves_no_markup_or_markdown():
    out = escape_html(XSS_TEXT + " $x$ :red[hi] `code` it's \"q\" &amp;")
    for bad in ("<", ">", "[", "]", "(", "*", "$", ":", "`", "\"", "'"):
        assert bad not in out
    assert html.unescape(out) == XSS_TEXT + " $x$ :red[hi] `code` it's \"q\" &amp;"
    assert escape_html(None) == "" and escape_html("a\x00b\x7f") == "ab"


def test_highlight_entities_escapes_every_piece():
    text = "<b>Hi</b> DHL & <i>Berlin</i>"
    out = highlight_entities(text, [{"text": "DHL", "type": "ORG", "start": 10, "end": 13},
                                    {"text": "Berlin", "type": "LOCATION"},          # no offsets: found by text
                                    {"text": "x", "type": "ORG", "start": 900, "end": 901},  # out of range
                                    {"text": "<script>", "type": "<script>", "start": 11, "end": 12}])  # overlap
    assert "<b>" not in out and "<i>" not in out and "<script>" not in out
    assert out.count("<mark") == 2
    assert '<mark class="ent ent-org" title="company">DHL<sup>company</sup></mark>' in out
    assert "&lt;i&gt;<mark" in out
    # entity text itself is escaped too
    hostile = highlight_entities("a <img src=x onerror=alert(1)> b", [{"text": "<img src=x onerror=alert(1)>",
                                                                       "type": "PRODUCT", "start": 2, "end": 30}])
    assert "<img" not in hostile and "&lt;img" in hostile
    assert highlight_entities("line1\nline2", None) == "line1<br>line2"


def test_escape_markdown_for_labels():
    out = escape_markdown('![img](https://evil.example/t.png) **b** <i>x</i> www.evil.example a@b.example')
    plain = out.replace("\u200b", "")
    assert plain == (r"\!\[img\]\(https\:\/\/evil\.example\/t\.png\) \*\*b\*\* \<i\>x\<\/i\> "
                     r"www\.evil\.example a\@b\.example")
    assert "https\u200b" not in out and "https\\:\u200b" in out and "www\u200b" in out and "@\u200b" in out
    assert escape_markdown("line\nbreak\x00") == "line break"


def test_safe_url():
    assert safe_url("https://shop.example.com/p/1#r") == "https://shop.example.com/p/1#r"
    for bad in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>", "file:///etc/passwd",
                "//evil.example", "http://", "https://a.com/\x00x", "https://a.com/ x", None, 42):
        assert safe_url(bad) is None, bad


def test_excel_text():
    assert excel_text("bad\x00char\x0bhere\x1f end") == "badcharhere end"
    assert excel_text("tab\tnew\nline") == "tab\tnew\nline"
    long = excel_text("y" * 50_000)
    assert len(long) == EXCEL_MAX_CELL_CHARS and long.endswith(TRUNCATION_MARKER)
    assert excel_text("short") == "short"
    for s in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1"):
        assert looks_like_formula(s)
    assert not looks_like_formula("fine = ok")


def test_bidi_overrides_and_controls_are_neutralized_for_display():
    spoof = "invoice_\u202egnp.exe"  # displays as "invoice_exe.png"
    shown = "invoice_⟨U+202E⟩gnp.exe"
    assert display_text(spoof) == shown
    for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert display_text(f"a{ch}b") == f"a⟨U+{ord(ch):04X}⟩b"
    assert display_text("a\x1b[31mb\x07\x85c\td\ne\r\nf\rg") == "a[31mbc\td\ne\nf\ng"
    assert display_text("שלום\u200f!") == "שלום\u200f!"  # RLM is ordinary in Hebrew text: kept
    assert display_text(None) is None and display_text("plain") == "plain"
    # the same in HTML, Markdown labels and Excel cells
    assert "\u202e" not in escape_html(spoof) and html.unescape(escape_html(spoof)) == shown
    assert escape_markdown(spoof) == r"invoice\_⟨U\+202E⟩gnp\.exe"
    assert excel_text(spoof) == shown
    assert safe_url("https://shop.example/\u202egnp.exe") is None
