"""Review text made safe to *show*: the dashboard, the CSV export, a terminal.

Stored review text stays verbatim (it is evidence, and the analysis cache key); only what is displayed
or exported for people goes through `neutralize`. Two kinds of characters can make text look like
something it is not:

* Bidirectional overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069) reorder what
  follows them: "invoice_\\u202egnp.exe" displays as "invoice_exe.png". They are replaced with a
  visible marker such as "⟨U+202E⟩" rather than removed, because an analyst reading a review should
  see that someone tried to disguise text; removing them silently would hide that. The implicit
  marks U+200E/U+200F (LRM/RLM) and U+061C (ALM) are kept: they are normal in Arabic and Hebrew
  text, and only move neutral characters such as punctuation next to them; they cannot reverse a
  run of letters.
* C0/C1 control characters (ESC, BEL, backspace, ...) drive terminals and carry no meaning in a
  review, so they are removed, as the dashboard and the Excel report have always done. Tab and
  newline stay; a carriage return becomes a newline (a lone CR would let a line overwrite itself in
  a terminal).
"""

from __future__ import annotations

import re

#: Bidi formatting characters that reorder text: LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CR = re.compile(r"\r\n?")
# Everything `neutralize` changes (all but tab and newline): what the JSONL export writes as \\uXXXX escapes.
_UNSAFE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")


def neutralize(text: str) -> str:
    """`text` for display: bidi controls shown as "⟨U+202E⟩", control characters removed, CR as newline."""
    if not _UNSAFE.search(text):
        return text  # the common case: one scan, no copies
    text = _CR.sub("\n", text)
    text = _CONTROL.sub("", text)
    return _BIDI.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


def escape_unsafe_json(line: str) -> str:
    """A JSON document with the characters `neutralize` handles written as \\uXXXX escapes.

    For the JSONL export, which is data and must keep the text exactly: the escapes decode back to
    the same characters, but the file itself shows no reordered text in a terminal or an editor.
    Only valid on JSON text (these characters can only occur inside its strings).
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
