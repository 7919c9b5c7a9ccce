"""What a model (or a person) writes for others to read, made plain before it is stored or shown: markup,
links, template characters and control characters removed, on one line, cut at a word. Complaint theme
names (analysis.complaints names them; people rename them: `reviewlens complaints --rename`, the
dashboard) and summaries go through here, so a name is the same kind of text whoever wrote it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

LABEL_MAX_CHARS = 60   # a theme name


def strip_markup(text: str) -> str:
    """Model output without HTML/XML tags, markdown links and images (their text kept) and URLs."""
    s = re.sub(r"<[^>]{0,200}>", " ", text)                                  # html/xml tags
    s = re.sub(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)", r"\1", s)         # markdown links/images
    return re.sub(r"(?:https?://|www\.)\S+", " ", s)                          # links


def sanitize_text(value: Any, max_chars: int) -> str:
    """Model output as plain, single-line text: no markup, URLs, control characters or quotes around it."""
    s = strip_markup(unicodedata.normalize("NFKC", str(value or "")))
    s = re.sub(r"\(\s*\)", " ", s)
    s = re.sub(r"[`*_#>|~\[\]{}<>\\$]", " ", s)           # markdown / template characters
    s = "".join(ch if ch.isprintable() else " " for ch in s)
    s = " ".join(s.split()).strip(" \"'.,;:-!?")
    if len(s) > max_chars:
        cut = s.rfind(" ", 0, max_chars)
        s = s[:cut if cut > max_chars // 2 else max_chars].rstrip(" ,;:-")
    return s


def sanitize_label(value: Any) -> str:
    """A theme name: plain text, at most 8 words and LABEL_MAX_CHARS characters, capitalized."""
    s = sanitize_text(value, LABEL_MAX_CHARS)
    words = s.split()
    s = " ".join(words[:8])
    return s[:1].upper() + s[1:] if s else ""
