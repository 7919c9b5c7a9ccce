"""A review's sentence as a quote: the customer's words verbatim, and for a review read in an English
translation (another language), the translated sentence that holds the same name apart (names survive
translation as written). Used by what customers compare with (reviewlens.competitors) and what reviews say
of the names they mention (reviewlens.mentions)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .comparing import sentence_at
from .schema import Quote
from .store import Store, analyses


def read_in_translation() -> tuple[Any, ...]:
    """The conditions on `analyses` of the current analyses that read their text in an English translation."""
    an = analyses.c
    return (an.is_current.is_(True), an.translation.is_not(None), an.language.is_not(None), an.language != "en")


def translations(store: Store, hashes: set[str]) -> dict[str, tuple[str, str]]:
    """content hash -> (language, English translation) of those texts read in translation."""
    an = analyses.c
    out: dict[str, tuple[str, str]] = {}
    todo = sorted(hashes)
    with store.engine.connect() as c:
        for i in range(0, len(todo), 500):
            out.update((h, (lang, t)) for h, lang, t in c.execute(
                sa.select(an.content_hash, an.language, an.translation).where(
                    an.content_hash.in_(todo[i:i + 500]), *read_in_translation())))
    return out


def name_quote(review_id: str, sentence: str, url: str | None, name: str,
               translated: tuple[str, str] | None) -> Quote:
    """`sentence` (verbatim, naming `name`) as a quote; for a review read in translation (`translated`:
    its language and English translation) with the translated sentence that names it apart."""
    lang, translation = translated or (None, None)
    note = None
    if translation:
        k = translation.find(name)
        s, t = sentence_at(translation, k, k + len(name)) if k >= 0 else (0, len(translation))
        note = translation[s:t]
    return Quote(review_id=review_id, text=sentence, url=url, language=lang if translation else None,
                 translation=note)
