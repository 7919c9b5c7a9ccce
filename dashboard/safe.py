"""Making untrusted review text safe to show: HTML escaping for the dashboard, cell values for Excel.

Everything that came from a review (text, title, author, product, URL, entity text) is treated as
hostile: in HTML it is escaped before any markup of ours is wrapped around it; in Excel it is written
as plain text (never a formula), with XML-illegal control characters removed and over-long values cut.
Everywhere, `reviewlens.display_text.neutralize` first removes control characters and shows
bidirectional overrides as visible markers, so "gnp.exe" after U+202E cannot display as "exe.png".
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterable, Mapping

from reviewlens.display_text import neutralize
from reviewlens.mentions import kind_word
from reviewlens.urls import http_url

log = logging.getLogger(__name__)

#: Excel's limit on the characters in one cell.
EXCEL_MAX_CELL_CHARS = 32_767
TRUNCATION_MARKER = "… [truncated]"
#: A string starting with one of these would be read as a formula by a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 does not allow (openpyxl raises IllegalCharacterError on them).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# In HTML we also drop the remaining C0/C1 controls except tab and newline.
_NONCHAR = re.compile(r"[\ufffe\uffff]")


def strip_control(text: str) -> str:
    """Remove control characters that XML (and so .xlsx) cannot hold; keep tab, newline, CR."""
    return _ILLEGAL_XML.sub("", text)


# Characters Streamlit's Markdown renderer would interpret even inside HTML: emphasis, links, code,
# headings, tables, math ($), emoji/color directives (:), escapes. Written as numeric entities they
# display literally.
_ESCAPES = str.maketrans({**{ch: f"&#{ord(ch)};" for ch in "\\`*_{}[]()#+-.!|~$:^='\""},
                          "&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _plain(value: Any) -> str:
    """`neutralize`d text, without the noncharacters U+FFFE/U+FFFF either."""
    return _NONCHAR.sub("", neutralize(str(value)))


def display_text(value: Any) -> str | None:
    """Text for plain-text display (a table cell, a label): control characters removed (tab and
    newline kept), bidi overrides shown as markers; None stays None."""
    if value is None:
        return None
    return _plain(value)


def escape_html(value: Any) -> str:
    """HTML-escape any value (quotes too) after dropping control characters; None becomes ''.

    Markdown syntax characters are entity-encoded as well, so the result shows literally when
    passed to `st.markdown(..., unsafe_allow_html=True)`.
    """
    if value is None:
        return ""
    return _plain(value).translate(_ESCAPES)


_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_AUTOLINK = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*:|www(?=\.))|@")


def escape_markdown(value: Any) -> str:
    """Plain text for a Streamlit label that renders Markdown (expander, button): every ASCII
    punctuation character backslash-escaped, so no link, image, emphasis or HTML comes through.

    GFM also turns bare `http://...` and `www.` text into links after parsing, escapes or not: a
    zero-width space after the scheme's colon, after `www` and after `@` stops that.
    """
    if value is None:
        return ""
    text = " ".join(_plain(value).split())
    text = _AUTOLINK.sub(lambda m: m.group(0) + "\u200b", text)
    return _MD_PUNCT.sub(r"\\\1", text)


def safe_url(url: Any) -> str | None:
    """The URL if it is an absolute http(s) URL, else None (no javascript:, data:, file: links, and
    none with control or bidi-override characters, which a valid URL percent-encodes)."""
    return http_url(url)


def highlight_entities(text: str | None, entities: Iterable[Mapping[str, Any]] | None) -> str:
    """Review text as safe HTML with each entity span wrapped in <mark> (its title: the type, and what the
    review says of it where the analysis stored that: "person: positive"), a superscript naming the type in words.

    Every piece of the review text is escaped separately; only our own <mark> tags are markup.
    Offsets that do not fit the text, or overlap an earlier span, are ignored; when an entity's
    offsets are missing its first occurrence in the text is used.
    """
    text = text or ""
    spans: list[tuple[int, int, str, str]] = []
    for e in entities or ():
        etype = str(e.get("type") or "")
        start, end = e.get("start"), e.get("end")
        etext = str(e.get("text") or "")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            start = text.find(etext) if etext else -1
            if start < 0:
                continue
            end = start + len(etext)
        said = e.get("sentiment")
        word = kind_word(etype) if etype else "name"  # "company", as the charts and `reviewlens mentions` say ORG
        spans.append((start, end, etype, f"{word}: {said}" if said in ("positive", "neutral", "negative") else word))
    spans.sort()
    out: list[str] = []
    pos = 0
    for start, end, etype, title in spans:
        if start < pos:
            continue  # overlaps a span already marked
        out.append(escape_html(text[pos:start]))
        cls = re.sub(r"[^a-z0-9_-]", "", etype.lower()) or "entity"
        out.append(f'<mark class="ent ent-{cls}" title="{escape_html(title)}">{escape_html(text[start:end])}'
                   f'<sup>{escape_html(title.split(":")[0])}</sup></mark>')
        pos = end
    out.append(escape_html(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def excel_text(value: Any, limit: int = EXCEL_MAX_CELL_CHARS) -> str:
    """A string fit for one Excel cell: control characters removed, bidi overrides shown as markers,
    cut to `limit` with a marker."""
    s = strip_control(neutralize(str(value)))
    if len(s) > limit:
        s = s[: limit - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER
    return s


def looks_like_formula(s: str) -> bool:
    """Whether a spreadsheet would treat this string as a formula (CSV/formula injection)."""
    return s.startswith(FORMULA_PREFIXES)
