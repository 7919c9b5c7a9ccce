"""Normalise raw scraped values: ratings to 1..5 floats, dates to `datetime.date`, text to clean text."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from reviewlens.language_dates import DATE_LANGUAGES, in_other_language as _in_other_language  # noqa: F401
from reviewlens.language_dates import other_language_date as _other_language_date
from reviewlens.numeric_dates import date_evidence, numeric_dates_in
from reviewlens.review_values import out_of, parse_verified, parse_votes  # noqa: F401  (scraper.extract reads them here)
from reviewlens.schema import without_surrogates

log = logging.getLogger(__name__)

_NUM = r"(\d+(?:[.,]\d+)?)"
_PERCENT = re.compile(_NUM + r"\s*%")
_FIRST_NUM = re.compile(_NUM)
_HALF = re.compile(r"(\d{1,2})[-_](?:5|half)", re.I)  # a class's "4-5" or "4-half": four and a half
_NEGATIVE = re.compile(r"\s*[-\u2212]\s*\d")
# C0 and C1 control characters except tab and newline, plus DEL; and ANSI escape sequences.
_CONTROL = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _to_float(s: str) -> float:
    return float(s.replace(",", "."))


def parse_rating(raw: Any, best: Any = None, worst: Any = None, scale: float | None = None) -> float | None:
    """A rating on a 1..5 scale, or None when `raw` holds no usable number.

    Understands numbers, "4.0 out of 5 stars", "Rated 4 out of 5", "8/10", "80%" (a star bar's
    width), "4,5", "4-5" and "4-half" (a class's four and a half) and star counts. `best` (schema.org bestRating) or `scale` (a site config's
    rating_scale) say what the top of the scale is; without either, 0..5 is assumed, and values
    up to 10 are read as out of 10. A negative value ("-1") or one above 10 with no scale said ("100")
    is no rating (None), as `reviewlens import` refuses them: the run counts it among the ratings it
    could not read, rather than storing 1 or 5 stars.
    """
    if raw is None or isinstance(raw, bool):
        return None
    top: float | None = None
    value: float | None = None
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        s = str(raw).strip()
        if not s:
            return None
        scored = out_of(s)
        if (h := _HALF.fullmatch(s)):
            value = int(h.group(1)) + 0.5
        elif scored:
            value, top = scored
        elif (m := _PERCENT.search(s)):
            value, top = _to_float(m.group(1)), 100.0
        elif (m := _FIRST_NUM.search(s)):
            if _NEGATIVE.match(s):
                return None  # "-1": not a rating (reading it as 1 star took a sign away)
            value = _to_float(m.group(1))
        elif set(s) <= set("★☆✩✪⭐ "):  # a row of star characters
            value = float(s.count("★") + s.count("⭐"))
        else:
            return None
    if top is None:
        for candidate in (best, scale):
            try:
                if candidate is not None and float(candidate) > 0:
                    top = float(candidate)
                    break
            except (TypeError, ValueError):
                continue
    if top is None:
        if value > 10:
            return None  # "100" with no scale said: not a star rating (read as out of 100 it became 5 stars)
        top = 5.0 if value <= 5 else 10.0
    if value < 0 or value > top or top <= 0:
        return None
    rating = value / top * 5.0
    if rating <= 0:
        return None  # "0 stars" on a count-based widget means "no rating found"
    return round(min(5.0, max(1.0, rating)), 2)


def _bare_rating(raw: Any) -> float | None:
    """The number of a rating that states no scale of its own (8, "8.0", "4,5"), or None ("8/10", "80%", stars,
    text): what a page's scale is guessed from."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    s = str(raw or "").strip()
    if not re.fullmatch(_NUM, s):
        return None
    return _to_float(s)


def page_rating_scale(raws: Iterable[Any], stated: Any = None) -> tuple[float | None, bool]:
    """The top of the scale of a page's ratings that state none of their own, and whether it was guessed: the
    scale the page states (its AggregateRating's bestRating, 5 to 10) when every score fits under it, else 10 when any
    score is above 5 (a page of scores out of 10: the same scale for every review of the page; read one by one, 8
    became 4 stars and the worst stays, 4/10, became 4 stars), else None (each read as parse_rating reads it)."""
    values = [v for v in (_bare_rating(r) for r in raws) if v is not None and 0 <= v <= 10]
    try:
        top = float(stated) if stated not in (None, "") and not isinstance(stated, bool) else None
    except (TypeError, ValueError):
        top = None
    if top is not None and 5 <= top <= 10 and all(v <= top for v in values):
        return top, False  # (an aggregate out of 100 is often another measure: "92% recommend")
    if any(v > 5 for v in values):
        return 10.0, True
    return None, False


#: The page languages (<html lang>) whose numeric dates come month first: US English, and English not said
#: where (the default of many US sites and of some British ones). Everywhere else the day comes first.
MONTH_FIRST_LANGS = ("en", "en-us", "en-ph")


def page_date_order(raws: Iterable[Any], lang: Any = None) -> tuple[str | None, str | None]:
    """Which comes first in a page's numeric dates ("day", "month", or None: month first, as before), and a date of
    the page that reads either way when that was assumed (None when something said it). The page's own dates
    say it when one has a number over 12 (31/03/2026, 03/31/2026); else its language: a page in German, French or
    British English (<html lang="de">, "fr", "en-GB") writes 03/04/2026 for 3 April. Read month first, a German
    shop's reviews of 3 April were dated March 4 and those of the 13th to 31st on their own days."""
    order, either = date_evidence(numeric_dates_in(raws))
    if order:
        return order, None
    code = str(lang or "").strip().lower().replace("_", "-")
    if code and code not in MONTH_FIRST_LANGS:
        return "day", None
    return None, (either if code != "en-us" else None)


_REL_UNITS = {"second": 1 / 86400, "minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}
_REL = re.compile(r"\b(\d+|an?|one)\s+(second|minute|hour|day|week|month|year)s?\s+ago\b", re.I)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FMT_TOKEN = {"%d": r"\d{1,2}", "%m": r"\d{1,2}", "%Y": r"\d{4}", "%y": r"\d{2}", "%B": r"[A-Za-z]+",
              "%b": r"[A-Za-z]+\.?", "%H": r"\d{1,2}", "%M": r"\d{2}", "%S": r"\d{2}", "%e": r"\d{1,2}"}


@functools.lru_cache(maxsize=64)
def _fmt_regex(fmt: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(fmt):
        tok = fmt[i:i + 2]
        if tok in _FMT_TOKEN:
            out += _FMT_TOKEN[tok]
            i += 2
        else:
            out += re.escape(fmt[i])
            i += 1
    return re.compile(out)


def _relative(s: str, today: date) -> date | None:
    """The day a relative expression in `s` ("2 weeks ago", "yesterday", "last month") counts back to
    from `today`, or None when `s` says none."""
    low = s.lower()
    if re.search(r"\btoday\b|\bjust now\b", low):
        return today
    if re.search(r"\byesterday\b", low):
        return today - timedelta(days=1)
    m = _REL.search(low)
    if m:
        n = 1 if m.group(1) in ("a", "an", "one") else int(m.group(1))
        return today - timedelta(days=int(n * _REL_UNITS[m.group(2)]))
    m = re.search(r"\blast (week|month|year)\b", low)
    if m:
        return today - timedelta(days=_REL_UNITS[m.group(1)])
    return None


def is_relative_date(raw: Any) -> bool:
    """Whether parse_date reads `raw` as a relative date ("2 weeks ago", "yesterday"): a day counted back
    from the day of the scrape, so the same review gives another date on another day ("2 weeks ago" is
    still said a few days later, and "1 month ago" for a month). Such a date is no part of a review's
    identity (schema.review_identity)."""
    if not isinstance(raw, str):
        return False
    s = " ".join(raw.split())
    if not s or _ISO.search(s):
        return False
    today = date.today()
    return _relative(s, today) is not None or (_in_other_language(s) and _other_language_date(s, today)[1])


def parse_date(raw: Any, fmt: str | None = None, today: date | None = None, order: str | None = None) -> date | None:
    """A calendar date from ISO strings, epoch numbers, "2 weeks ago", "yesterday", "March 3, 2024",
    "03/03/2024" (read with `fmt`, a strptime format, when the site's order is known, else in `order`, "day" or
    "month" first as `page_date_order` found; None: month first, day first when written with dots), dates in other
    languages ("12. März 2026", "5 mars 2026", "vor 2 Wochen", "hace 2 semanas": DATE_LANGUAGES), or None:
    a date that cannot be read with confidence is left out, never guessed."""
    if raw is None or raw == "":
        return None
    today = today or date.today()
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        ts = float(raw)
        if ts > 1e11:  # milliseconds
            ts /= 1000.0
        try:
            return datetime.fromtimestamp(ts, tz=timezone.utc).date()
        except (OverflowError, OSError, ValueError):
            return None
    s = " ".join(str(raw).split())
    if not s:
        return None
    m = _ISO.search(s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    rel = _relative(s, today)
    if rel is not None:
        return rel
    if fmt:
        yearless = "%Y" not in fmt and "%y" not in fmt  # "%d %B": strptime's year is 1900
        try:
            d = datetime.strptime(s, fmt).date()
            return _this_year(d, today) if yearless else d
        except ValueError:
            pass
        m = _fmt_regex(fmt).search(s)
        if m:
            try:
                d = datetime.strptime(m.group(0).rstrip("."), fmt.replace("%b.", "%b")).date()
                return _this_year(d, today) if yearless else d
            except ValueError:
                pass
    if _in_other_language(s):  # dateutil would skip "März" and read "12. März 2026" as 1 December
        return _other_language_date(s, today)[0]
    try:
        from dateutil import parser as du

        dayfirst = bool(fmt and fmt.find("%d") != -1 and fmt.find("%d") < fmt.find("%m"))
        if not fmt and order:
            dayfirst = order == "day"
        elif not fmt and re.search(r"(?<![\d.])\d{1,2}\.\d{1,2}\.\d{2,4}\b", s):
            dayfirst = True  # 03.04.2026: wherever dates are written with dots, the day comes first
        d = du.parse(s, fuzzy=True, dayfirst=dayfirst, default=datetime(today.year, 1, 1)).date()
        if du.parse(s, fuzzy=True, dayfirst=dayfirst, default=datetime(today.year - 4, 1, 1)).year != d.year:
            return _this_year(d, today)  # "12 March": no year written
        return d
    except (ValueError, OverflowError, TypeError):
        log.debug("unparseable date %r", s)
        return None


def _this_year(d: date, today: date) -> date:
    """A day and month written without a year ("12 March", "Dec 28"): the latest such day not after `today`
    (a review is not from the future: "28 Dec" read on 2 January is last year's), a day of slack for time zones."""
    for year in (today.year, today.year - 1):
        try:
            day = d.replace(year=year)
        except ValueError:  # 29 February in a year without one
            day = date(year, 2, 28)
        if day <= today + timedelta(days=1):
            return day
    return day


def clean_text(raw: Any, limit: int | None = None) -> str | None:
    """Display-safe text: Unicode NFC, no control characters or ANSI escapes, tidy whitespace, a lone UTF-16
    surrogate (half an emoji, from a site that cut its text at N UTF-16 units) replaced by U+FFFD.

    Kept verbatim otherwise (markup such as "<script>" stays literal text; nothing is interpreted).
    Returns None for empty input.
    """
    if raw is None:
        return None
    s = str(raw)
    if s.isascii() and s.isprintable() and "  " not in s:  # the common case: nothing to clean
        s = s.strip()
        if limit is not None and len(s) > limit:
            s = s[:limit].rstrip()
        return s or None
    s = unicodedata.normalize("NFC", without_surrogates(s))  # half an emoji (a lone surrogate): U+FFFD
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _CONTROL.sub("", s)
    s = "\n".join(_SPACES.sub(" ", line).strip() for line in s.split("\n"))
    s = re.sub(r"\n{3,}", "\n\n", s).strip()
    if limit is not None and len(s) > limit:
        s = s[:limit].rstrip()
    return s or None


_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))*$")


def parse_language(raw: Any) -> str | None:
    """The review's language as the page states it, as a BCP 47 tag: "en", "en_US" -> "en-US",
    "pt-br" -> "pt-BR"; None for anything that is not a language tag (and for "und", undetermined)."""
    if raw is None or isinstance(raw, bool):
        return None
    s = str(raw).strip()
    if not _LANG.match(s) or len(s) > 35:
        return None
    parts = re.split(r"[-_]", s)
    primary = parts[0].lower()
    if primary in ("und", "zxx", "mul", "xx"):
        return None
    rest = [p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p.lower() for p in parts[1:]]
    return "-".join([primary, *rest])
