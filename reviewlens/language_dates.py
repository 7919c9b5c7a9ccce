"""Dates written in other languages than English ("12. März 2026", "2 Mart 2026", "2026年3月2日", "vor 2 Wochen",
"il y a 3 jours"), read by dateparser in the language whose date words they use, and a date written inside other
words ("Reviewed in the United States on November 3, 2025", as Amazon dates reviews): one reading for scraped pages
(scraper.normalize.parse_date) and imported files (reviewlens.records_io). English, ISO and numeric dates keep their
own reading (dateutil, a site's date_format, a file's date order), which never needs this module."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from typing import Any

#: The languages whose dates are read besides English: dateparser's words for them (month and weekday names,
#: units of time, "vor 2 Wochen", "il y a 3 jours", "hace 2 semanas", "gestern"). English, ISO and numeric dates
#: keep their own reading (dateutil, the site's date_format), which never needs these.
DATE_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "nb", "fi", "cs", "ru", "tr", "uk", "el",
                  "ja", "zh", "ko")
_WORD = re.compile(r"[^\W\d_]+")
_NUMERIC_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")  # 03/04/2026, 03.04.2026: read as before, by dateutil
_SHIFT = timedelta(days=40)  # a relative date moves with the day it is read on; "März 2026" does not
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")  # a year written: the date is no relative one
#: A day, a month's name and a year inside other words, as Amazon dates its reviews in each country: "Reviewed in
#: the United States on November 3, 2025", "Rezension aus Deutschland vom 5. November 2025", "Revisado en España
#: el 5 de noviembre de 2025", "Recenzja z Polski z dnia 5 listopada 2025", "Granskad i Sverige den 5 november 2025",
#: "2025年11月5日に日本でレビュー済み". Only the span is read, so the words around it cannot be taken for a date's.
_MONTH_WORD = r"[^\W\d_]{3,}\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th|er|\.)?"
_WRITTEN_DATE = re.compile(
    rf"(?<!\d)(?:{_DAY}\s+(?:de\s+)?{_MONTH_WORD}\s+(?:de\s+)?(?:19|20)\d{{2}}"  # 5. November 2025, 5 de ... de 2025
    rf"|{_MONTH_WORD}\s+{_DAY},?\s+(?:19|20)\d{{2}}"                                # November 3, 2025
    r"|(?:19|20)\d{2}\s*[年년]\s*\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일])(?!\d)")            # 2025年11月5日


def written_date_in(s: str) -> str | None:
    """The date written inside other words (`_WRITTEN_DATE`): "November 3, 2025" of "Reviewed in the United States
    on November 3, 2025"; None when `s` holds none, or is nothing else."""
    m = _WRITTEN_DATE.search(s)
    return m.group(0) if m and m.group(0) != s.strip() else None


@functools.lru_cache(maxsize=1)
def english_date_words() -> frozenset[str]:
    """The words dateutil reads in an English date ("on", "of", month and weekday names): a date made only of
    them and numbers needs no other language, and dateparser is not even imported for it."""
    from dateutil.parser import parserinfo

    info = parserinfo()
    words: set[str] = set(info.JUMP) | set(info.PERTAIN) | set(info.UTCZONE)
    for group in (info.MONTHS, info.WEEKDAYS, info.HMS, info.AMPM):
        for names in group:
            words.update(names)
    return frozenset(w.lower() for w in words)


@functools.lru_cache(maxsize=1)
def foreign_date_words() -> frozenset[str]:
    """The date words of every language of DATE_LANGUAGES but English (`date_words_by_language`)."""
    return frozenset(w for words in date_words_by_language().values() for w in words)


def languages_of(s: str) -> list[list[str]]:
    """The languages to read `s` in, one try after another: those of DATE_LANGUAGES whose date words it holds, then
    all of them. Given all at once, dateparser reads "2 Mart 2026" (Turkish: 2 March) in English, "Mart" a time
    zone's name and the date February."""
    words = {w.lower() for w in _WORD.findall(s)}
    by_lang = date_words_by_language()
    first = [code for code in DATE_LANGUAGES[1:] if words & by_lang[code]]
    return [first, list(DATE_LANGUAGES)] if first else [list(DATE_LANGUAGES)]


@functools.lru_cache(maxsize=1)
def date_words_by_language() -> dict[str, frozenset[str]]:
    """Words of dates in DATE_LANGUAGES that English dates do not have ("märz", "mars", "wochen", "jours",
    "hace", "gestern"), from dateparser's language data; words under three letters ("w", "mo") say too little,
    but for the words of "ago" ("il y a un an", "un anno fa"). dateutil's fuzzy reading skips such a word and
    reads what is left: "12. März 2026" was 1 December."""
    from dateparser.languages.loader import default_loader

    keys = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
            "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
            "year", "month", "week", "day", "hour", "minute", "second")

    def words(code: str) -> set[str]:
        info = default_loader.get_locale(code).info
        names = [n for k in keys for n in info.get(k) or []]
        names += [n for ns in (info.get("relative-type") or {}).values() for n in ns if " " not in n.strip()]
        ago = {w for n in info.get("ago") or [] for w in _WORD.findall(n.lower()) if len(w) >= 2}
        return {w for n in names for w in _WORD.findall(n.lower()) if len(w) >= 3} | ago

    english = words("en") | english_date_words()
    return {code: frozenset(words(code) - english) for code in DATE_LANGUAGES[1:]}


def in_other_language(s: str) -> bool:
    """Whether `s` is a date written in another language than English ("12. März 2026", "5 mars 2026",
    "vor 2 Wochen"): it has a date word of DATE_LANGUAGES, or a word with letters English does not use.
    A numeric date ("03/04/2026", "Bewertet am 03.04.2026") is read as before, whatever words surround it."""
    words = [w.lower() for w in _WORD.findall(s)]
    if not words or _NUMERIC_DATE.search(s):
        return False
    english = english_date_words()
    if all(w.isascii() and w in english for w in words):
        return False  # "12 March 2026", "Mar 5, 2026": dateparser is not needed (nor imported)
    foreign = foreign_date_words()
    return any(not w.isascii() or w in foreign for w in words)


def dateparser_date(s: str, base: date, day: str) -> tuple[date, str] | None:
    """dateparser's reading of `s` (the day and its period: "day", "week", "month", "year") as said on `base`;
    a day or month left out is the first (`day` = "first") or `base`'s ("current")."""
    for languages in languages_of(s):
        data = _parser(tuple(languages), base, day).get_date_data(s)
        if data and data.date_obj:
            return data.date_obj.date(), data.period or "day"
    return None


@functools.lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...], base: date, day: str) -> Any:
    """dateparser's parser for `languages` as said on `base` (one for a file's or a page's dates: making one for
    each date was most of an import of 2,000 dates in other languages)."""
    from dateparser.date import DateDataParser

    return DateDataParser(languages=list(languages), settings={
        "RELATIVE_BASE": datetime(base.year, base.month, base.day), "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": day, "RETURN_AS_TIMEZONE_AWARE": False})


@functools.lru_cache(maxsize=4096)
def other_language_date(s: str, today: date) -> tuple[date | None, bool]:
    """A date in another language (`in_other_language`) read by dateparser, and whether it is relative to the
    day ("vor 2 Wochen", "il y a 3 jours", "gestern"): (None, False) when dateparser cannot read it, so that it is
    left out rather than guessed. A date inside other words ("Rezension aus Deutschland vom 12. März 2026",
    "Bearbeitet vor 2 Monaten") is searched for. A relative date is the one that moves with the day it is read on."""
    # a date inside other words ("Recenzja z Polski z dnia 5 listopada 2025", as Amazon writes them) is read alone:
    # the words around it made dateparser try every language, and lose the year
    read = dateparser_date(written, today, "first") if (written := written_date_in(s)) else None
    if read is not None:
        s = written
    else:
        read = dateparser_date(s, today, "first")
    if read is None:
        from dateparser.search import search_dates

        found = search_dates(s, languages=languages_of(s)[0], settings={
            "RELATIVE_BASE": datetime(today.year, today.month, today.day), "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": False}) or []  # None when it finds nothing
        found = [hit for hit, _ in found if _WORD.search(hit)]  # a bare "2026" from "12. Märzz 2026" is no date
        if not found:
            return None, False
        s = found[0]
        read = dateparser_date(s, today, "first")
        if read is None:
            return None, False
    if _YEAR.search(s):
        return read[0], False
    earlier, later = dateparser_date(s, today - _SHIFT, "first"), dateparser_date(s, today + _SHIFT, "first")
    if earlier and later and earlier[0] != read[0] and later[0] != read[0]:
        exact = dateparser_date(s, today, "current")  # "vor einem Monat": today a month back, not its 1st
        return (exact or read)[0], True
    return read[0], False
