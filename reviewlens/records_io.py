"""Reviews in and out of files: `reviewlens import` (CSV / TSV / JSON / JSONL / .xlsx) and `reviewlens export`
(JSONL / CSV).

Import streams: rows are read, checked and stored a batch at a time, so memory does not grow with the
file. Files come from many tools, so their encoding is not assumed: UTF-8 (with or without BOM) is
read as such, anything else is detected with charset-normalizer unless the caller names the encoding.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, NamedTuple, Sequence

from charset_normalizer import from_bytes
from dateutil import parser as dateparser

from .display_text import escape_unsafe_json, neutralize
from .language_dates import in_other_language, other_language_date, written_date_in
from .numeric_dates import DATE_ORDERS, NUMERIC_DATE as _NUMERIC_DATE, date_evidence
from .places import (ADDRESS_COLUMNS, CITY_COLUMNS, PLACE_FIGURES, PLACE_IDS, STREET_COLUMNS, Branches,
                     place_id_column)
from .privacy import Masker
from .review_values import VARIATION_COLUMNS, out_of, parse_verified, parse_votes, variation_parts
from .schema import MAX_TEXT, Review, implausible_date, nth_identity, review_identity, star_identity, without_surrogates
from .store import Store
from .words import counted

log = logging.getLogger(__name__)

# Accepted column names (case-insensitive) for each field, most specific first.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "review", "review_text", "body", "content", "comment", "review_body", "review_description"),
    "rating": ("rating", "stars", "star_rating", "score", "star rating", "rating_score", "overall_rating"),
    "date": ("date", "review_date", "created_at", "created", "time", "timestamp", "review date",
             "review submit date and time", "create_time", "at", "date_created", "created_date", "creation_date",
             "date_submitted", "submitted_at", "submission_date", "published_at", "date_published", "posted_at",
             "date_posted", "published_at_date", "published_at_datetime", "datetime_utc", "published_date",
             "published_at_ms"),
    "author": ("author", "user", "username", "reviewer", "reviewer_display_name", "consumer_display_name",
               "author_name", "user_display_name", "author_title",  # Outscraper's reviewer (its "name": the place)
               "name", "user_name", "reviewer_name", "nickname", "display_name",
               "customer_name", "guest_name", "guest", "consumer_user", "consumer_name"),
    "title": ("title", "review_title", "headline", "summary", "review title"),
    # a shop's product handle (its URL name, "kids-raincoat": Judge.me, Okendo), or else its id or SKU
    "product": ("product", "product_name", "item", "app", "package name", "app_name", "product_title",
                "product_handle", "product_id", "sku", "asin", "product_asin",  # Amazon's product id
                # the place reviewed (Google Maps scrapers' exports, a hotel's or a chain's own files)
                "place_name", "business_name", "property_name", "hotel_name", "restaurant_name", "store_name"),
    "url": ("url", "link", "review_url", "review link"),
    "site_review_id": ("site_review_id", "review_id", "id", "reviewid"),
    "source": ("source", "site", "platform"),
    # the owner's reply and the rest (Google Play's review export names included)
    "reply": ("reply", "reply_text", "reply_content", "owner_reply", "owner_response", "developer_reply_text",
              "developer_reply", "company_reply", "business_reply", "public_reply", "property_reply",
              "property_response", "management_response", "hotel_response", "reply_comment", "company_reply_text",
              "developer_response_body", "response_from_owner", "response_from_owner_text", "owner_answer"),
    "reply_date": ("reply_date", "replied_at", "developer_reply_date_and_time", "reply_at", "company_reply_date",
                   "reply_created", "response_date", "reply_update_time", "company_reply_created_at",
                   "developer_response_modified", "response_from_owner_date", "owner_answer_timestamp_datetime_utc",
                   "owner_answer_date"),
    "helpful_votes": ("helpful_votes", "helpful", "thumbs_up_count", "thumbsupcount", "upvotes", "likes", "votes_up",
                      "helpful_count", "likes_count", "total_likes", "found_helpful", "review_reaction"),
    "verified": ("verified", "verified_purchase", "is_verified", "verified_buyer", "is_verified_buyer",
                 "verified_reviewer"),
    "language": ("language", "lang", "reviewer_language", "review_language"),
    # the version reviewed: Google Play's "App Version Name", App Store Connect's "Version"
    "version": ("version", "app_version_name", "app_version", "version_name", "appversion", "reviewed_version",
                "software_version"),
}

EXPORT_FIELDS = ["id", "source", "product", "url", "author", "rating", "title", "text", "date",
                 "reply", "reply_date", "helpful_votes", "verified", "language", "version",
                 "site_review_id",  # the site's own review id (or the imported file's): `id` is the store's
                 "sentiment", "sentiment_score", "topics", "entities", "analysis_status",
                 "detected_language", "translation",  # the analysis's language, and its English translation
                 "suspicious",  # why a review looks suspicious (reviewlens.integrity: copied, burst, repeat)
                 "tags"]        # the team's tags (reviewlens.tags)


#: Columns of ReviewLens's own export that are no field of the user's (the analysis, and what the store keeps)
_NOT_FIELDS = {*EXPORT_FIELDS, "analysis_error", "content_hash", "scraped_at", "model", "fields"}
FIELD_PREFIX = "field:"  # how an export names the user's own fields ("field:country"), read back as theirs
STAR_PLACE_FIELD = PLACE_IDS[0]  # the field an export writes a star-only rating's place id in, read back from
MAX_FIELDS = 30          # of a row's other columns, the first this many are kept as its fields
MAX_FIELD_CHARS = 300


@functools.cache
def _not_field_keys() -> frozenset[str]:
    return frozenset(_key(x) for x in _NOT_FIELDS)


def _field_value(v: Any) -> str | None:
    if v is None or isinstance(v, (dict, list, tuple, set)):
        return None
    if isinstance(v, float):
        if v != v:  # NaN: an empty spreadsheet cell
            return None
        if v.is_integer():
            v = int(v)
    text = " ".join(str(v).split())
    return text[:MAX_FIELD_CHARS] or None


def row_tags(row: dict[str, Any], line: int | None = None) -> list[str]:
    """The team's tags of one imported row: a "tags" column (any case) as ReviewLens's export writes it ("a; b")
    or a JSON list; a bad tag (too long) is left out with a warning naming its `line` (the review is kept)."""
    from .tags import clean_tag

    value = next((v for k, v in row.items() if isinstance(k, str) and k.strip().lower() == "tags"), None)
    items = value if isinstance(value, list) else str(value).split(";") if isinstance(value, str) else []
    out = []
    for item in items:
        if not str(item).strip():
            continue
        try:
            out.append(clean_tag(item))
        except ValueError as e:
            log.warning("line %s: tag left out, the review imported without it: %s", line, e)
    return list(dict.fromkeys(out))


def user_fields(row: dict[str, Any], mapping: dict[str, str], restated: Iterable[str] = ()) -> dict[str, str]:
    """The user's own fields of one imported row: its columns that are none of the review's (`mapping`) nor
    of ReviewLens's export ("country", "Store", "Plan"), and an export's "field:NAME" columns (or a JSON
    line's "fields" object) under their own names; empty values left out, and so are the columns `restated`
    (the row's columns that restate another's moment: `_restates`). A variant written as "Name: value" pairs
    (Amazon's "Variation": "Size: M | Colour: Black") is kept as one field a pair (Size, Colour)."""
    used = set(mapping.values()) | set(restated)
    out: dict[str, str] = {}
    nested = row.get("fields")
    items = list(nested.items()) if isinstance(nested, dict) else []
    for col, v in row.items():
        if not isinstance(col, str) or col in used:
            continue
        if col.lower().startswith(FIELD_PREFIX):
            items.append((col[len(FIELD_PREFIX):], v))
        elif _key(col) not in _not_field_keys() and not col.startswith("__") and not _place_figure(col, row):
            items.append((col, v))
    for name, v in items:
        name = " ".join(str(name).split())[:100]
        value = _field_value(v)
        if name and value is not None and _key(name) in VARIATION_COLUMNS and (parts := variation_parts(value)):
            for attribute, part in parts:  # "Size: M | Colour: Black": Size and Colour, each to compare by
                if len(out) < MAX_FIELDS:
                    out.setdefault(attribute[:100], part)
        elif name and value is not None and len(out) < MAX_FIELDS:
            out.setdefault(name, value)
    return out


#: Reviews stored per transaction by `import_file`: big enough to be fast, small enough to keep memory flat.
IMPORT_BATCH = 1000

#: Encodings tried when a file is not UTF-8: those spreadsheet apps and exporting tools write. Leaving
#: out DOS and Mac code pages (cp437, cp775, mac_latin2, ...) matters: on a short French file mac_latin2
#: scores better than cp1252 and turns "très" into something else.
_ENCODINGS = ["utf_8", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be", "cp1252", "cp1250",
              "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "iso8859_2", "iso8859_5",
              "iso8859_7", "iso8859_15", "koi8_r", "koi8_u", "cp932", "euc_jp", "gb18030", "big5", "cp949", "cp874"]
#: What `read_rows` says a file was read as when it is UTF-8 but for a few bytes (`_mostly_utf8`): UTF-8, those bytes
#: as U+FFFD, each row that holds one noted with its line (`_reviews`). Passed back to `read_rows`, it reads so again.
UTF8_REPLACED = "utf-8 (bytes that are not UTF-8 read as \ufffd)"
_ENCODING_HINT = "give the file's encoding with --encoding (for example --encoding cp1252 or --encoding utf-16)"


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unknown format, unreadable encoding, no text column)."""


@dataclass
class ImportResult:
    rows: int = 0
    reviews: list[Review] = field(default_factory=list)  # read_reviews_file only: import_file streams them
    errors: list[dict] = field(default_factory=list)  # {"line": n, "message": ...}
    encoding: str | None = None  # what the file was read as (given, or detected when not UTF-8)
    date_order: str | None = None  # "day" or "month" first in numeric dates (given, or what the file shows)
    masked: int = 0  # import_file: reviews whose personal data was masked ([privacy] mask)
    masked_kinds: dict[str, int] = field(default_factory=dict)  # what was masked: {"email": 2, ...}
    # rows imported without a value that could not be read (a rating): {"line": n, "message": ...}; not skipped
    notes: list[dict] = field(default_factory=list)
    repeated: int = 0  # rows repeating a review id met elsewhere in the file: one review, stored once (its latest row)
    differing: int = 0  # of the reviews several rows carry, those whose rows differ in text or rating (edited)
    updated_column: str | None = None  # the column saying when a review was last changed, deciding between its rows
    remarks: list[str] = field(default_factory=list)  # what the import assumed or found about the whole file
    rerated: int = 0  # import_file: reviews already stored whose rating this file changed
    retexted: int = 0  # import_file: reviews already stored whose words this file changed (edited since)
    edited: int = 0  # import_file: reviews already stored whose words or rating this file changed
    # which column each field was read from (the header's, or the first record's): {"text": "Review Text", ...}
    columns: dict[str, str] = field(default_factory=dict)
    own_columns: list[str] = field(default_factory=list)  # the other columns, kept as the user's own fields
    withheld: list[str] = field(default_factory=list)  # import_file: columns of the reviewers' contact details, not kept
    restated: dict[str, str] = field(default_factory=dict)  # columns restating another's moment, not kept: {col: it}
    empty: list[str] = field(default_factory=list)  # other columns without a value in any row: nothing to keep
    filled: set[str] | None = None  # the columns with a value in some row (None: not known, every one counts)
    rated_only: int = 0  # rows with a rating and no text (Google's star-only reviews): not reviews, said in `remarks`
    # those ratings, to store apart (`Store.upsert_star_ratings`): {id, source, product, rating, date, place} each
    # (import_file stores them a batch at a time and empties it)
    star_ratings: list[dict] = field(default_factory=list)
    stars_new: int = 0  # import_file: of these, those not stored before
    unread: list[str] = field(default_factory=list)  # columns read as nothing (an export's analysis columns)
    undated: int = 0  # reviews imported without a date (no date column, an empty cell, a date in the future)
    future: int = 0  # of these, the reviews whose date was in the future, left out (noted with their line)
    date_like: tuple[str, str] | None = None  # no date column: (a column whose values read as dates, one of them)
    moved: int = 0  # rows of a ReviewLens export that kept the identity they had in the store they came from
    # import_file: stored reviews of a chain's place to store under its branch's name (chain, place's ids, branch)
    place_renames: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)


def _stars_alone(value: Any, scale: float | None) -> float | None:
    """The rating of a row without a text, when it has one that reads as a rating (a star-only review), else None."""
    if value in (None, ""):
        return None
    try:
        return _norm_rating(value, scale)
    except ValueError:
        return None


def _on_five(num: float, scale: float) -> float:
    """A score out of `scale` (from 0: an NPS 0-10, a percentage) on the 1-5 star scale, linearly: 0 is 1 star,
    `scale` is 5, and no two scores become one (10 -> 5, 9 -> 4.6, 1 -> 1.4, 0 -> 1)."""
    return 1.0 + 4.0 * num / scale


_NUM = r"(\d+(?:[.,]\d+)?)"
#: ratings as exports and surveys write them besides plain numbers
_STARS = re.compile(r"^([★⭐]*)(☆*)$")                                     # ★★★★ or ★★★☆☆
# 5 stars, 1 star, 4 Sterne, 5 étoiles, 4 estrellas, 3 stelle, 4 sterren, 5 stjärnor
_N_STARS = re.compile(rf"^{_NUM}\s*(?:stars?|sterne?n?|étoiles?|estrellas?|stelle|sterren|stjärnor)$", re.I)
_PERCENT = re.compile(rf"^{_NUM}\s*%$")                                  # 80%
_RATING_FORMS = "such as 4, 4.5, 4/5, 4 out of 5, 4 stars, ★★★★☆ or 80%"


def _number(text: str) -> float:
    return float(text.replace(",", "."))  # a decimal comma as much of Europe writes it: 4,5


def _fraction(num: float, den: float, value: Any) -> float:
    """`num` out of `den` on the 1-5 scale: out of 5 as it is (from 1), out of another scale linearly (`_on_five`)."""
    if not 0 <= num <= den or den <= 0:
        raise ValueError(f"rating {value!r} is not a score between 0 and what it is out of")
    return max(1.0, min(5.0, float(num))) if den == 5 else _on_five(num, den)


def _stars(num: float, value: Any) -> float:
    if not 0 < num <= 5.0001:
        raise ValueError(f"rating {value!r} is not on a 1-5 scale (use --rating-scale)")
    return min(5.0, num)


def _written_rating(text: str, value: Any) -> float | None:
    """A rating written in words or signs, on the 1-5 scale: stars counted (★★★★ is 4; with empty ones, the
    filled out of all of them: ★★★☆☆ is 3 of 5), "5 stars", a fraction ("4/5", "3.0 out of 5 stars", "8/10",
    Amazon's in other languages: "4,0 von 5 Sternen", "5つ星のうち4.0";
    scaled as `_fraction` does) or a percentage of five stars (80% is 4). None when it is none of these."""
    compact = "".join(text.split()).replace("\ufe0f", "")  # ⭐️ carries an emoji variation selector
    if compact and (m := _STARS.match(compact)):
        filled, empty = len(m.group(1)), len(m.group(2))
        return _fraction(filled, filled + empty if empty else 5, value)
    if scored := out_of(text, whole=True):  # 4/5, 3.0 out of 5 stars, 8 of 10, 4,0 von 5 Sternen, 5つ星のうち4.0
        return _fraction(*scored, value)
    if m := _N_STARS.match(text):
        return _stars(_number(m.group(1)), value)
    if m := _PERCENT.match(text):
        if _number(m.group(1)) > 100:
            raise ValueError(f"rating {value!r} is over 100%")
        return max(1.0, _number(m.group(1)) / 20)
    return _STAR_WORDS.get(text.strip().lower().replace("_stars", "").replace(" stars", ""))


#: Star ratings written as words (Google Business Profile's "starRating": "FOUR")
_STAR_WORDS = {"one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0}


def _norm_rating(value: Any, scale: float | None) -> float | None:
    """A rating on the 1-5 scale: stars as they are; written forms read by `_written_rating` ("4/5", "★★★★☆",
    "5 stars", "80%"); a score out of `scale` (`--rating-scale`) mapped linearly (`_on_five`). A 0 is no
    star rating, so it is reported as 6 is (an NPS 0-10 takes --rating-scale 10, where 0 is the lowest)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        written = _written_rating(text, value)
        if written is not None:
            return written
        try:
            num = _number(text)
        except ValueError:
            raise ValueError(f"rating {value!r} is not a rating ({_RATING_FORMS})") from None
    else:
        try:
            num = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"rating {value!r} is not a rating ({_RATING_FORMS})") from None
    if math.isnan(num):
        return None
    if scale and scale != 5:
        if not 0 <= num <= scale * 1.0001:
            raise ValueError(f"rating {value!r} is not on the 0-{scale:g} scale given (--rating-scale)")
        return min(5.0, _on_five(num, scale))
    return _stars(num, value)


def date_order_of(values: Iterable[Any]) -> str | None:
    """Which comes first in a file's numeric dates: "day" when one has a first number over 12 (31/01/2026)
    and none a second, "month" the other way round; None when they do not say (then `_norm_date` reads a
    dotted date day first, as it is written wherever dots are used, and a slashed one month first)."""
    return date_evidence(values)[0]


#: a number and nothing else: a date only when it is a Unix time (`_number_date`), or YYYYMMDD
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_UNIX_FROM = 1e8            # 1973-03-03: a smaller number is no time a review was written at (5, 2026, 46000)
_EXCEL_LAST = 2_958_465     # the serial number of 9999-12-31, the last date a spreadsheet has


def _number_date(num: float, value: Any, excel_epoch: datetime | None) -> date:
    """A date given as a number: in a workbook (`excel_epoch`: its calendar) a spreadsheet's date serial
    (46000 is 2025-12-09); a Unix time in seconds or milliseconds; else no date at all, said so, never a day
    of January 1970."""
    try:
        if excel_epoch is not None and 0 < num <= _EXCEL_LAST:
            from openpyxl.utils.datetime import from_excel

            return from_excel(num, excel_epoch).date()
        if num >= _UNIX_FROM:
            return datetime.fromtimestamp(num / 1000 if num > 1e11 else num).date()
    except (OverflowError, OSError, ValueError):
        pass
    hint = "; an Excel date number? format the column as dates, or import the .xlsx" if 20_000 <= num <= 80_000 else ""
    raise ValueError(f"date {value!r} is a number, not a date (for example 2026-11-30 or 30 Nov 2026){hint}")


def _parse_date(text: str, day_first: bool, default_day: int = 1) -> datetime:
    """dateutil's reading of `text`: a part it leaves out is taken from January `default_day` of this year,
    so "2026-03" and "Mar 2026" are March 1 (dateutil's own default, today, made them March 3 in April)."""
    return dateparser.parse(text, dayfirst=day_first, default=datetime(date.today().year, 1, default_day))


def _day_first(text: str, order: str | None) -> bool:
    """Whether `text` is read day first: a numeric date with day and month (`_NUMERIC_DATE`) in the file's
    `order` ("day" or "month" first; None: day first when written with dots, else month first)."""
    m = _NUMERIC_DATE.match(text)
    return bool(m) and (order == "day" or (order is None and m.group(2) == "."))


def _norm_date(value: Any, order: str | None = None, excel_epoch: datetime | None = None) -> date | None:
    """A date from a file: ISO 8601, a Unix time, a spreadsheet's date serial in a workbook (`excel_epoch`),
    or anything dateutil reads; a month without a day is its 1st. A numeric date with day and month
    (`_NUMERIC_DATE`) is read in `order` ("day" or "month" first; None: day first when written with dots,
    else month first); dateutil would read 03.04.2026 as March 4 and swap only impossible ones."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):  # a spreadsheet's date cell
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"date {value!r} is not a date (for example 2026-11-30 or 30 Nov 2026)")
    if isinstance(value, (int, float)):
        return _number_date(float(value), value, excel_epoch)
    s = str(value).strip()
    if _PLAIN_NUMBER.match(s) and not (s.isdigit() and len(s) == 8):  # 20260315 is a date, 5 and 2026 are not
        return _number_date(float(s), value, excel_epoch)
    if in_other_language(s):  # "12. März 2026", "2 Mart 2026", "2026年3月2日": dateutil refused or misread them
        day, relative = other_language_date(s, date.today())
        if day is not None and not relative:
            return day
        if relative:  # "vor 2 Wochen": two weeks before a day the file does not give
            raise ValueError(f"date {value!r} counts back from the day it was written, which the file does not "
                             f"say (export calendar dates: 2026-11-30 or 30 Nov 2026)")
    try:
        return _parse_date(s, _day_first(s, order)).date()
    except (ValueError, OverflowError):
        pass
    if (written := written_date_in(s)) is not None:  # "Reviewed in the United States on November 3, 2025"
        try:
            return _norm_date(written, order)
        except ValueError:
            pass
    raise ValueError(f"date {value!r} is not a date (for example 2026-11-30 or 30 Nov 2026)")


def _month_only(value: Any, day: date | None, order: str | None) -> bool:
    """Whether `day`, read from `value` in the file's date `order` (as `_norm_date` read it), is the 1st only
    because `value` named no day ("2026-03", "Mar 2026"); 01/02/2025 read day first names its day."""
    if day is None or day.day != 1 or not isinstance(value, str) or _PLAIN_NUMBER.match(value.strip()):
        return False
    s = value.strip()
    try:
        return _parse_date(s, _day_first(s, order), default_day=2).day == 2
    except (ValueError, OverflowError):
        return False


def _norm_version(value: Any) -> str | None:
    """A version as written ("3.2.1", "v2"); a number a spreadsheet made of it keeps its digits (3.2, not 3.20)."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    v = " ".join(str(value).split())
    return v[:100] or None


def _norm_votes(value: Any) -> int | None:
    """Helpful votes: a number ("3", "1,234", a spreadsheet's 3.0), or as a page writes them ("12 people found
    this helpful", "One person found this helpful": `parse_votes`); ValueError for anything else."""
    if value is None or value == "":
        return None
    try:
        n = float(str(value).replace(",", ""))
        if math.isfinite(n) and n >= 0:
            return int(n)
    except ValueError:  # words: read as a page's
        if (votes := parse_votes(value)) is not None:
            return votes
    raise ValueError(f"helpful votes {value!r} is not a number")


def _norm_bool(value: Any) -> bool | None:
    """Verified or not: true/false, yes/no, 1/0, or as a page writes it ("Verified Purchase", "Verifizierter
    Kauf": `parse_verified`); ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, int, float)):
        return bool(value)
    if (verified := parse_verified(value)) is not None:
        return verified
    raise ValueError(f"verified {value!r} is not true or false")


def _undecodable(path: Path, encoding: str) -> tuple[int, int, str] | None:
    """(byte offset, line number, reason) of the first bytes of `path` that `encoding` cannot decode,
    or None when the whole file decodes. One pass in 1 MB chunks: memory stays flat, and a UTF-8 file
    (the usual case) costs a few milliseconds per 10 MB."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = lines = 0
    with path.open("rb") as f:
        while True:
            chunk = f.read(1 << 20)
            try:
                lines += decoder.decode(chunk, final=not chunk).count("\n")
            except UnicodeDecodeError as e:  # e.object: bytes held back from the last chunk + this one
                line = lines + 1 + e.object[:e.start].decode(encoding, "replace").count("\n")
                bad = e.object[e.start:e.end]
                where = f"bytes {bad.hex(' ')}" if bad else "end of file"
                return offset - (len(e.object) - len(chunk)) + e.start, line, f"{e.reason} at {where}"
            if not chunk:
                return None
            offset += len(chunk)


def _detect(path: Path, offset: int) -> str | None:
    """charset-normalizer's guess from 1 MB around `offset` (the first byte that is not UTF-8: the
    file's ASCII start reads the same in every candidate, so it says nothing), or None when nothing fits.

    Short Western European text often decodes identically, or scores the same, in several Windows
    code pages; cp1252 is then chosen, the one spreadsheet apps write by far the most."""
    with path.open("rb") as f:
        start = max(0, offset - (1 << 19))
        f.seek(start)
        sample = f.read(1 << 20)
    if start:
        sample = sample[sample.find(b"\n") + 1:]  # start on a line, not inside a character
    matches = from_bytes(sample, cp_isolation=_ENCODINGS)
    best = matches.best()
    if best is None:
        return None
    for m in matches:
        if (m.chaos, m.coherence) == (best.chaos, best.coherence) and "cp1252" in m.could_be_from_charset:
            return "cp1252"
    return best.encoding


def _file_encoding(path: Path, encoding: str | None) -> str:
    """The encoding to read `path` with, checked over the whole file before any row is read, so an
    unreadable file fails at once, naming the line, rather than halfway through an import.

    `encoding` when given; else UTF-8 when the whole file is UTF-8 (a BOM is skipped when reading);
    else charset-normalizer's guess. NUL bytes near the start mean UTF-16/32 without a BOM, which
    would otherwise pass as UTF-8."""
    if encoding == UTF8_REPLACED:  # read again as it was read first (`_reviews` reads the file twice)
        return encoding
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ImportFileError(f"{path}: unknown encoding {encoding!r}") from None
    elif bom := _bom_encoding(path):  # Google Play's review exports: UTF-16 with its byte order mark, nothing to guess
        encoding = bom
    else:
        bad = _undecodable(path, "utf-8")
        with path.open("rb") as f:
            nul = b"\x00" in f.read(4096)
        if bad is None and not nul:
            return "utf-8"
        if bad is not None and not nul and _mostly_utf8(path):
            log.warning("%s is UTF-8 but for a few bytes (the first on line %d, %s): reading it as UTF-8, those "
                        "bytes as \ufffd", path, bad[1], bad[2])
            return UTF8_REPLACED
        encoding = _detect(path, 0 if bad is None else bad[0]) or ("utf-8" if bad is None else None)
        if encoding is None:
            raise ImportFileError(f"{path}, line {bad[1]}: not UTF-8 text ({bad[2]}) and its encoding could "
                                  f"not be detected; {_ENCODING_HINT}")
        if bad is None and codecs.lookup(encoding).name == "utf-8":
            return "utf-8"  # UTF-8 with a NUL byte near its start (not UTF-16 after all): it is UTF-8
        log.warning("%s %s: reading it as %s (detected)", path,
                    "is not UTF-8" if bad is not None else "holds NUL bytes (UTF-16 or UTF-32 without a byte order mark?)",
                    encoding)
    bad = _undecodable(path, encoding)
    if bad is not None:
        raise ImportFileError(f"{path}, line {bad[1]}: cannot be read as {encoding} ({bad[2]}); {_ENCODING_HINT}")
    return encoding


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-32 LE's mark begins with UTF-16 LE's: it is looked for first


def _bom_encoding(path: Path) -> str | None:
    """UTF-16 or UTF-32 when the file begins with that encoding's byte order mark (the codec reads it), else None."""
    with path.open("rb") as f:
        head = f.read(4)
    return next((enc for bom, enc in _BOMS if head.startswith(bom)), None)


def _mostly_utf8(path: Path) -> bool:
    """Whether `path`, which is not all UTF-8, is UTF-8 but for a few bytes: more of its lines that hold letters
    beyond ASCII are UTF-8 than not (a file in another encoding has hardly a line that is valid UTF-8 beyond ASCII;
    one bad byte in a UTF-8 file made the whole file read as ISO-8859-2, every accented letter garbled)."""
    good = bad = 0
    with path.open("rb") as f:
        for raw in f:
            if raw.isascii():
                continue
            try:
                raw.decode("utf-8")
                good += 1
            except UnicodeDecodeError:
                bad += 1
    return good > bad


def _open_text(path: Path, encoding: str, newline: str | None = None) -> IO[str]:
    """`path` opened for reading as `encoding`, past a byte order mark if it has one (`UTF8_REPLACED`: as UTF-8,
    bytes that are not UTF-8 read as U+FFFD)."""
    if encoding == UTF8_REPLACED:
        f = path.open(encoding="utf-8", errors="replace", newline=newline)
    else:
        f = path.open(encoding=encoding, newline=newline)
    if f.read(1) != "\ufeff":
        f.seek(0)
    return f


#: a JSON escape of a UTF-16 surrogate ("\\ud83d"): JSON can write half an emoji, which no text file can hold
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _no_surrogates(value: Any) -> Any:
    """A JSON value with each lone UTF-16 surrogate in its texts (keys too) replaced by U+FFFD (`without_surrogates`):
    such text cannot be written as UTF-8, and one such review failed the whole import."""
    if isinstance(value, str):
        return without_surrogates(value)
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_no_surrogates(k): _no_surrogates(v) for k, v in value.items()}
    return value


def _json_lines(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of JSON lines; a line that is not a JSON object is {"__error__": why}."""
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            yield i, {"__error__": f"not valid JSON: {e.msg} at column {e.colno}"}
            continue
        if _SURROGATE_ESCAPE.search(line):
            row = _no_surrogates(row)
        yield i, row if isinstance(row, dict) else {"__error__": "a JSON line must be an object"}


def _json_kind(value: Any) -> str:
    """A JSON value's kind in JSON's words (a message names it: "a list of text values")."""
    return ("true/false" if isinstance(value, bool) else "number" if isinstance(value, (int, float))
            else "text" if isinstance(value, str) else "list" if isinstance(value, list)
            else "object" if isinstance(value, dict) else "null")


def _object_lists(obj: dict, prefix: str = "") -> Iterator[tuple[str, list]]:
    """(dotted path, list) of each list of objects in `obj`, through its nested objects ("data.items");
    lists inside the records themselves are theirs (a review's images), not looked into."""
    for k, v in obj.items():
        if isinstance(v, list) and all(isinstance(x, dict) for x in v):
            yield f"{prefix}{k}", v
        elif isinstance(v, dict):
            yield from _object_lists(v, f"{prefix}{k}.")


def _json_records(path: Path, data: Any) -> list:
    """The review records of a JSON document, as APIs and tools wrap them: a list as it is; an object with a
    review text (`{"text": "..."}`) as one review; else the one list of objects inside the object, however
    deep ({"reviews": [...]}, {"data": {"items": [...]}}, {"results": [...]}). Several such lists: the one
    whose records have a text field, else an ImportFileError naming them; none, or any other value: an
    ImportFileError saying what the document is."""
    if isinstance(data, list):
        if data and not any(isinstance(x, dict) for x in data):
            raise ImportFileError(f"{path}: a JSON list of {_json_kind(data[0])} values, not of reviews (objects "
                                  'such as {"text": "...", "rating": 5})')
        return data
    if not isinstance(data, dict):
        raise ImportFileError(f"{path}: the JSON document is a {_json_kind(data)}, not reviews (a list of "
                              'objects such as {"text": "...", "rating": 5}, or one such object)')
    text = _column_map(data).get("text")
    if text is not None and isinstance(data[text], str):
        return [data]
    lists = dict(_object_lists(data))
    found = {k: v for k, v in lists.items() if v}
    if len(found) > 1:
        found = {k: v for k, v in found.items() if "text" in _column_map(v[0])} or found
    if len(found) > 1:
        raise ImportFileError(f"{path}: the JSON document holds several lists of records ({', '.join(found)}); "
                              f"save the one with the reviews alone (for example jq '.{next(iter(found))}')")
    if not found and not lists:
        keys = ", ".join(map(str, data))
        raise ImportFileError(f"{path}: no list of reviews in the JSON document (its keys: {keys[:300] or 'none'})")
    return next(iter(found.values()), [])


def _json_document_rows(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(record number, record) of a .json file, read whole: `_json_records` of its document; JSON lines
    saved as .json (one object a line: the first line is a whole document) are read as lines."""
    with _open_text(path, encoding) as f:
        text = f.read()
    try:
        data = json.loads(text)
        if _SURROGATE_ESCAPE.search(text):
            data = _no_surrogates(data)
    except json.JSONDecodeError as e:
        if e.msg == "Extra data" and "\n" not in text[:e.pos].strip():
            yield from _json_lines(io.StringIO(text))
            return
        more = ("; several JSON documents one after another? JSON lines hold one object a line"
                if e.msg == "Extra data" else "")
        raise ImportFileError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}){more}") from None
    for i, row in enumerate(_json_records(path, data), 1):
        yield i, row if isinstance(row, dict) else {"__error__": f"a {_json_kind(row)}, not a review object"}


def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A JSON record with its nested objects' values under dotted names (Google Business Profile's
    {"reviewer": {"displayName": "Anna"}, "reviewReply": {"comment": ...}} -> "reviewer.displayName",
    "reviewReply.comment"), which the fields' usual names then find; an export's own "fields" object stays one."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, dict) and not (k == "fields" and not prefix):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _rows(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) for each record of the file, one at a time (a .json document is read whole); a JSON
    record's nested objects are read by their dotted names (`_flat`)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        yield from ((i, row if "__error__" in row else _flat(row)) for i, row in _json_document_rows(path, encoding))
    elif suffix in (".jsonl", ".ndjson"):
        with _open_text(path, encoding) as f:
            yield from ((i, row if "__error__" in row else _flat(row)) for i, row in _json_lines(f))
    elif suffix in (".csv", ".tsv", ".txt"):
        with _open_text(path, encoding, newline="") as f:
            start = f.tell()
            sample = f.read(8192)
            f.seek(start)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
                # a quote inside a quoted text is written doubled (RFC 4180); the sniffer says otherwise when
                # its sample had none, and a quote never closed then goes unnoticed
                dialect.doublequote = True
            except csv.Error:
                dialect = csv.excel_tab if suffix == ".tsv" else csv.excel
            yield from _csv_rows(f, dialect)


#: The longest field a CSV record may have. csv's own limit (131,072 characters) ended a whole import at one long
#: review ("field larger than field limit", no line, nothing stored); this one is far beyond any review (a longer
#: text is cut to MAX_TEXT once read), yet bounds what a quote never closed reads into memory before it is said.
CSV_FIELD_LIMIT = 16 * 1024 * 1024


def _raise_csv_field_limit() -> None:
    """csv's field limit is one setting of the whole process: raised to CSV_FIELD_LIMIT, never lowered."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)


def _csv_error(e: csv.Error) -> str:
    """A csv.Error in words: the one a field over CSV_FIELD_LIMIT gives, or csv's own."""
    if _over_limit(e):
        return f"a field longer than {CSV_FIELD_LIMIT:,} characters"
    return f"it is no CSV row ({e})"


def _over_limit(e: csv.Error) -> bool:
    return "field limit" in str(e)


def _csv_rows(f, dialect) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) of a CSV file, as csv.DictReader reads them, but a row with more or fewer fields than the
    header is an error row saying so (`_field_count`), and a quote that is never closed is one naming its lines:
    the lenient reader took every line up to the next quote in the file as the text of one review ("Great
    kettle,5,... Leaks from the lid,1,..." read as one row, the rest of its fields shifted). The file is read
    strictly, and a record it rejects within one line (a stray quote: `"Nice" kettle`) is read leniently. A record
    csv cannot read at all (a field over CSV_FIELD_LIMIT) is an error row naming its lines, and the file is read
    on after it."""
    raw: list[str] = []  # the lines of the record being read

    def lines() -> Iterator[str]:
        for text in f:
            raw.append(text)
            yield text

    _raise_csv_field_limit()
    source = lines()
    reader = csv.reader(source, dialect=dialect, strict=True)
    past = 0  # lines read past the reader (the rest of a field over the limit): its line_num does not count them
    header: list[str] | None = None
    line = 1
    while True:
        raw.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            end = reader.line_num + past
            if _over_limit(e):
                # csv reads on from the next line as a new record: within a quote still open that is the middle of
                # the field, read as rows; its lines up to where the quote closes are skipped with it
                closed, q = True, dialect.quotechar
                if q and "".join(raw).count(q) % 2:
                    closed = False
                    for text in source:
                        past += 1
                        if text.count(q) % 2:
                            closed = True
                            break
                    end = reader.line_num + past
                lines_said = ("the row is skipped" if end == line else
                              f"lines {line} to {end if closed else 'the end of the file'} are skipped (a quote never "
                              "closed?)")
                yield line, {"__error__": f"{_csv_error(e)}: {lines_said}"}
                line = end + 1
                continue
            if end > line:
                ends = "the end of the file" if "end of data" in str(e) else str(end)
                yield line, {"__error__": f"a quote opened on line {line} is not closed (or a quote inside a text is "
                                          f"not doubled, \"\"): lines {line} to {ends} could not be read as rows; "
                                          "fix the quote and import the file again (what is stored is kept)"}
                line = end + 1
                continue
            try:
                row = next(csv.reader(raw, dialect=dialect), [])
            except csv.Error as e:  # a line not even a lenient reader reads: that line alone is skipped
                yield line, {"__error__": f"the row could not be read: {_csv_error(e)}"}
                line = end + 1
                continue
        if header is None:
            header = row
        elif row:  # DictReader skips blank lines
            if wrong := _field_count(row, header):
                yield line, {"__error__": wrong}
            else:
                yield line, dict(zip(header, row))
        line = reader.line_num + past + 1


def _field_count(row: list[str], header: list[str]) -> str | None:
    """Why `row` cannot be read against `header` when it has another number of fields, else None. Its values
    would land in other columns: a text with a comma and no quotes around it gave 12 fields under 11 columns,
    the country read as the helpful votes ("could not convert string to float: 'UK'"), and a row cut short was
    "empty review text". An empty field too many is one too (its text's comma, the last value empty)."""
    n, h = len(row), len(header)
    if n > h:
        return (f"the row has {n} fields, the header {h} (a comma in a text that is not in quotes?): put such a text "
                "in quotes, or fix the row, and import the file again")
    if n < h:
        return f"the row has {n} field{'s' if n != 1 else ''}, the header {h}: fix the row and import the file again"
    return None


def _sheet_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, row) of an Excel workbook's first sheet (or the one called "Reviews"): the first row
    with a value is the header; rows without any value are skipped. Read only, streamed."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)  # data_only: a formula's cached value, never the formula
    try:
        ws = wb["Reviews"] if "Reviews" in wb.sheetnames else wb.worksheets[0]
        header: list[str] | None = None
        for i, values in enumerate(ws.iter_rows(values_only=True), 1):
            if not any(v is not None and str(v).strip() for v in values):
                continue
            if header is None:
                header = [str(v).strip() if v is not None else f"column {j}" for j, v in enumerate(values, 1)]
                continue
            yield i, {h: v for h, v in zip(header, values)}
    finally:
        wb.close()


def read_rows(path: Path, encoding: str | None = None) -> tuple[str, Iterator[tuple[int, dict[str, Any]]]]:
    """(encoding, (line number, row) of each record) of a CSV/TSV/JSONL/JSON file or an Excel workbook
    (.xlsx; "xlsx" for its encoding), streamed; a row that cannot be parsed is {"__error__": why}. Shared
    by every file import (reviews, labels). Raises ImportFileError at once for a missing file, an unknown
    format, an undecodable encoding or a workbook that does not open."""
    if path.is_dir():
        raise ImportFileError(f"{path}: is a folder: give the files (e.g. {path / '*.csv'})")
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from zipfile import BadZipFile, is_zipfile

        if not is_zipfile(path):
            raise ImportFileError(f"{path}: not an Excel workbook (.xlsx); save it again from the spreadsheet app")
        try:
            from openpyxl import load_workbook

            load_workbook(path, read_only=True).close()  # a broken workbook fails here, not mid-import
        except (BadZipFile, KeyError, OSError, ValueError) as e:
            raise ImportFileError(f"{path}: the workbook does not open ({type(e).__name__}: {e})") from e
        return "xlsx", _sheet_rows(path)
    if suffix not in (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".txt"):
        hint = " (save it as .xlsx or .csv)" if suffix in (".xls", ".ods", ".numbers") else ""
        raise ImportFileError(f"{path}: unknown format '{suffix}' (use .csv, .tsv, .jsonl, .json or .xlsx){hint}")
    encoding = _file_encoding(path, encoding)
    return encoding, _rows(path, encoding)


def safe_stem(name: str, default: str = "export") -> str:
    """A file name's stem from untrusted text (a browser's upload name, a web address's last part): letters,
    digits, dots, dashes and underscores only, at most 80 characters; `default` when nothing is left."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:80] or default


@functools.lru_cache(maxsize=4096)  # asked per column of every row read: a file's few names
def _key(name: str) -> str:
    """A column name as compared: "Review Created (UTC)" -> "review_created"; camelCase split as words are
    ("createdAt", "reviewReply.comment": the JSON of Google's, Trustpilot's and the app stores' APIs) ->
    "created_at", "review_reply_comment"."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    name = re.sub(r"\([^)]*\)", " ", name.lower())  # a unit or zone in brackets says nothing of the field
    return re.sub(r"[\s_\-.]+", "_", name).strip("_")


def column_mapping(items: Iterable[str]) -> dict[str, str]:
    """The columns the user named for fields (`reviewlens import --column date=when`, the Import page's
    Columns box), each "FIELD=NAME": {field: column name}. ValueError, saying why, for an unknown field, no
    name, a field named twice or a column named for two fields."""
    out: dict[str, str] = {}
    for item in items:
        fld, eq, name = str(item).partition("=")
        fld, name = fld.strip().lower(), name.strip()
        if not eq or not fld or not name:
            raise ValueError(f"{item!r}: give FIELD=COLUMN, for example date=when")
        if fld not in COLUMN_ALIASES:
            raise ValueError(f"{item!r}: no field {fld!r} (the fields: {', '.join(COLUMN_ALIASES)})")
        if fld in out and out[fld] != name:
            raise ValueError(f"{fld} is given two columns: {out[fld]!r} and {name!r}")
        if other := next((f for f, n in out.items() if _key(n) == _key(name) and f != fld), None):
            raise ValueError(f"the column {name!r} is given for both {other} and {fld}: a column serves one field")
        out[fld] = name
    return out


def _given_column(keys: Sequence[Any], name: str) -> Any:
    """The key of `keys` the user's column `name` is: the same, else the same by `_key` ("when " is "When")."""
    if name in keys:
        return name
    return next((k for k in keys if isinstance(k, str) and _key(k) == _key(name)), None)


def _column_map(keys: Iterable[str], given: dict[str, str] | None = None) -> dict[str, str]:
    """Which column each field comes from: the column the user named for it (`given`: {field: name}; a record
    without that column has no value for the field), else a column named as one of the field's aliases,
    else one named so after "review " ("Review Content", "Review Stars": the way review platforms' exports
    name theirs). A column serves one field."""
    keys = list(keys)
    mapping: dict[str, str] = {}
    for fld, name in (given or {}).items():
        if (col := _given_column(keys, name)) is not None:
            mapping[fld] = col
    named = {_key(k): k for k in keys if isinstance(k, str)}
    for k in list(named):
        if k.startswith("review_") and k[7:] and k[7:] not in named:
            named.setdefault(k[7:], named[k])
    for exact in (True, False):
        for fld, aliases in COLUMN_ALIASES.items():
            if fld in mapping or fld in (given or {}):
                continue
            for a in aliases:
                col = named.get(_key(a))
                if col is not None and col not in mapping.values() and (_key(col) == _key(a)) == exact:
                    # "Review Rating" beside "Rating": the review's own; the other is the place's or product's
                    # (a Google Maps scraper's "rating" is the place's average, "review_rating" the review's)
                    own = named.get(f"review_{_key(a)}") if exact and not _key(a).startswith("review_") else None
                    mapping[fld] = own if own is not None and own not in mapping.values() else col
                    break
    if "product" not in mapping and "product" not in (given or {}) and place_id_column(named) is not None:
        # a Google Maps scraper's file names the place reviewed: Apify's "title" (its reviews have none), or
        # Outscraper's "name" (its reviewer is "author_title")
        title, name = named.get("title"), named.get("name")
        if title is not None and mapping.get("title") == title and "title" not in (given or {}):
            mapping["product"] = mapping.pop("title")
        elif name is not None and name not in mapping.values():
            mapping["product"] = name
    return mapping


def _place_figure(col: Any, keys: Iterable[Any]) -> bool:
    """Whether `col` is one of the place's figures (`places.PLACE_FIGURES`) in a file of places' reviews (its columns
    `keys` name a place id)."""
    return (isinstance(col, str) and _key(col) in PLACE_FIGURES
            and any(isinstance(k, str) and _key(k) in PLACE_IDS for k in keys))


#: Exports that write a review in two halves, what the customer liked and what not (Booking.com's "Positive review"
#: and "Negative review", G2's and Capterra's "Pros" and "Cons"): with no text column, the text is both, a blank
#: line apart, as a page read in halves is (the complaint is the second half: it is never left out).
TEXT_HALVES: tuple[tuple[str, str], ...] = (
    ("positive_review", "negative_review"), ("pros", "cons"), ("liked", "disliked"), ("likes", "dislikes"),
    ("what_do_you_like_best", "what_do_you_dislike"), ("positive_comments", "negative_comments"),
    ("positive", "negative"))


def _text_halves(keys: Sequence[Any], mapping: dict[str, str]) -> tuple[str, str] | None:
    """The two columns a review's text is written in (`TEXT_HALVES`), when the file has no text column; a name
    may go on after the words ("What do you like best about Acme CRM?", as G2 asks)."""
    named = {_key(k): k for k in keys if isinstance(k, str) and k not in mapping.values()}

    def col(start: str) -> str | None:
        return named.get(start) or next((c for k, c in named.items() if k.startswith(start + "_")), None)

    for a, b in TEXT_HALVES:
        if (first := col(a)) and (second := col(b)):
            return first, second
    return None


def _joined(row: dict[str, Any], halves: tuple[str, str]) -> str:
    return "\n\n".join(t for t in (str(row.get(h) or "").strip() for h in halves) if t)


#: Google's reviews in another language come with Google's translation in the same text: "(Translated by Google)
#: <English>\n\n(Original)\n<own words>", or the own words first and the translation after.
_GOOGLE_TRANSLATED = (re.compile(r"^\s*\(Translated by Google\)\s*.*?\n\s*\(Original\)\s*\n(?P<own>.+)$", re.DOTALL),
                      re.compile(r"^(?P<own>.+?)\s*\n\s*\(Translated by Google\).*$", re.DOTALL))


def without_google_translation(text: str) -> str:
    """A Google review's own words without the translation Google put beside them (`_GOOGLE_TRANSLATED`); the
    text as it is when it is not written so."""
    for pattern in _GOOGLE_TRANSLATED:
        if (m := pattern.match(text)) and m.group("own").strip():
            return m.group("own").strip()
    return text


def _with_columns(rows: Iterable[tuple[int, dict[str, Any]]],
                  given: dict[str, str] | None = None) -> Iterator[tuple[int, dict[str, Any], dict | None]]:
    """Each (line, row) with the columns its fields come from (`_column_map`, `given` the user's), found once
    per set of keys: a CSV has one; JSON lines may each leave out the fields they have no value for (a review
    without a reply), and a later line's are still read. A row that could not be parsed comes with None. A file
    that writes its texts in two halves (`TEXT_HALVES`) gets a text column of both ("Pros + Cons")."""
    maps: dict[tuple, tuple[dict[str, str], tuple[str, str] | None]] = {}
    for line, row in rows:
        if "__error__" in row:
            yield line, row, None
            continue
        keys = tuple(row.keys())
        if keys not in maps:
            mapping = _column_map(keys, given)
            halves = _text_halves(keys, mapping) if "text" not in mapping and "text" not in (given or {}) else None
            if halves:  # the halves are read (not kept as the user's own fields): under names no field has
                mapping = {**mapping, "text": f"{halves[0]} + {halves[1]}", "__half1": halves[0], "__half2": halves[1]}
            maps[keys] = (mapping, halves)
        mapping, halves = maps[keys]
        if halves:
            row = {**row, mapping["text"]: _joined(row, halves)}
        yield line, row, mapping


#: the columns of ReviewLens's CSV export where a cell that runs as a formula shows it was written with --raw
_RAW_SHOWN_IN = ("text", "title", "reply", "author")


def _read_with(row: dict, mapping: dict[str, str], given: dict[str, str] | None) -> tuple[str | None, dict[str, str]]:
    """(the identity a row of ReviewLens's export keeps (`_export_identity`), the columns its fields are read from)."""
    kept_id = _export_identity(row, given)
    if kept_id and mapping.get("site_review_id") == "id":  # an export written before it had site_review_id
        mapping = {f: c for f, c in mapping.items() if f != "site_review_id"}
    return kept_id, mapping


def _id_of(row: dict, mapping: dict[str, str], kept_id: str | None, default_source: str) -> str | None:
    """The identity of a row with a review id (the site's, or the store's in ReviewLens's export), as its Review
    gets it; None for a row without one (another row with its words is another person's)."""
    if kept_id:
        return kept_id
    sid = row.get(mapping["site_review_id"]) if "site_review_id" in mapping else None
    if sid in (None, ""):
        return None
    src = row.get(mapping["source"]) if "source" in mapping else None
    r = Review(source=str(src or default_source), text="", site_review_id=str(sid), scraped_at=datetime.min)
    return r.id if r.site_review_id else None


@dataclass
class _FirstPass:
    """What one pass over the whole file tells before its reviews are read (`_first_pass`)."""
    order: str | None          # `date_evidence`: day or month first, as the file's dates show
    either: str | None         # a numeric date that reads either way
    found: set[str]            # the fields of the user's --column whose column some record has
    raw_export: bool           # ReviewLens's export written with --raw: its cells as stored
    repeated: set[str]         # the identities of the reviews whose id more than one row carries
    scale: float | None = None  # the ratings are scores out of 10 or 100 (`rating_scale_of`), else None
    # columns no field reads that restate a moment another column gives (`_restated`): {column: that column}
    restated: dict[str, str] = field(default_factory=dict)
    filled: set[str] = field(default_factory=set)  # the columns with a value in some row
    # a chain's branches in a file of places' reviews (`places.Branches`): {(name, place id): the branch's product}
    branches: dict[tuple[str, str], str] = field(default_factory=dict)
    branch_remarks: list[str] = field(default_factory=list)
    # the store's reviews to store under a branch's name: (the chain's name, the place's ids, the branch's name)
    renames: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)


#: A rating column is read as scores out of 10 (Booking.com's "Review score", an NPS) or 100 when it has at least
#: SCALE_MIN numbers and at least SCALE_SHARE of them are above 5 (and all at most 10, or 100): one stray 6 in a
#: file of stars is that row's error, not a scale, and a file of one or two rows shows none.
SCALE_SHARE = 0.2
SCALE_MIN = 5


def rating_scale_of(numbers: Sequence[float]) -> float | None:
    """10 or 100 when the plain numbers of a rating column are scores on that scale (`SCALE_SHARE`), else None."""
    if len(numbers) < SCALE_MIN or sum(n > 5 for n in numbers) < SCALE_SHARE * len(numbers) or min(numbers) < 0:
        return None
    top = max(numbers)
    return 10.0 if top <= 10 else 100.0 if top <= 100 else None


def _first_pass(path: Path, encoding: str | None, given: dict[str, str] | None, default_source: str,
                stored_places: Callable[[], Iterable[tuple]] | None = None) -> _FirstPass:
    """`date_evidence` of the file's review and reply dates, the fields of `given` whose column some record has,
    whether the file is ReviewLens's export written with --raw (a text that runs as a formula without the
    apostrophe `_csv_safe` adds), and the review ids more than one row carries (an edited review exported again:
    its rows are read before one is stored). One more pass over the file, streamed; what grows with the file is
    a set of the identities of the rows with an id. `stored_places`: the places a store holds reviews of
    (`Store.places`), read when the file is of places, so that a chain's branches imported a file each are told
    apart too."""
    _, rows = read_rows(path, encoding)
    found: set[str] = set()
    keysets: set[tuple] = set()
    raw = False
    ids: set[str] = set()
    repeated: set[str] = set()
    scores: list[float] = []  # the rating column's plain numbers, at most 100,000 of them
    head: list[tuple[dict, dict[str, str]]] = []  # the first RESTATE_SAMPLE rows, for `_restated`
    filled: set[Any] = set()
    branches = Branches()
    places: dict[int, dict[str, Any] | None] = {}  # each column map's columns by compared name, of a file of places

    def values() -> Iterator[Any]:
        nonlocal raw
        for _, row, mapping in _with_columns(rows, given):
            if not mapping:
                continue
            if id(mapping) not in places:
                named = {_key(k): k for k in row if isinstance(k, str)}
                places[id(mapping)] = named if "product" in mapping and "product" not in (given or {}) \
                    and place_id_column(named) is not None else None
            if (named := places[id(mapping)]) is not None:
                branches.add(row.get(mapping["product"]), row, named)
            if len(head) < RESTATE_SAMPLE:
                head.append((row, mapping))
            filled.update(k for k, v in row.items() if v is not None and v != "")
            if "rating" in mapping and len(scores) < 100_000 and (n := _plain_number(row.get(mapping["rating"]))) \
                    is not None:
                scores.append(n)
            if given and (keys := tuple(row.keys())) not in keysets:
                keysets.add(keys)
                found.update(f for f in given if f in mapping)
            if not raw and "analysis_status" in row:
                raw = any(_runs_as_formula(row.get(k)) for k in _RAW_SHOWN_IN)
            kept_id, read_with = _read_with(row, mapping, given)
            if (key := _id_of(row, read_with, kept_id, default_source)) is not None:
                (repeated if key in ids else ids).add(key)
            yield from (row.get(mapping[f]) for f in ("date", "reply_date") if f in mapping)

    order, either = date_evidence(values())
    if stored_places is not None and any(places.values()):
        for product, ids, *where in stored_places():
            branches.add_stored(product, ids, *where)
    naming = branches.names()
    return _FirstPass(order, either, found, raw, repeated, rating_scale_of(scores), _restated(head, order),
                      {str(k) for k in filled if k is not None}, naming.products, naming.remarks, naming.renames)


#: The rows `_restated` reads: a column that restates another does so in every row (it is the same value written
#: another way), so a file's first rows tell
RESTATE_SAMPLE = 1000
_TIME_OF_DAY = re.compile(r"\d:\d\d")
_RESTATED_FIELDS = {"date": "the review's date", "reply_date": "the reply's date"}


def _instant(value: Any, order: str | None) -> datetime | None:
    """The moment to the second a cell gives with its time of day, in UTC (a time without a zone read as UTC:
    `_moment`): a Unix time in seconds or milliseconds, a date and time; None for anything else (a date without a
    time, a count, words). ISO 8601 (Google Play's "2026-11-12T01:00:00Z") is read without dateutil: this runs a
    row at a time."""
    if isinstance(value, str):
        text = value.strip()
        if _PLAIN_NUMBER.match(text):
            value = float(text)
        elif not (_TIME_OF_DAY.search(text) and (_YEAR.search(text) or _NUMERIC_DATE.match(text))):
            return None
        else:
            try:
                value = datetime.fromisoformat(text)
            except ValueError:
                value = text
    elif isinstance(value, bool) or not isinstance(value, (int, float, datetime)):
        return None
    if isinstance(value, float | int) and value < _UNIX_FROM:
        return None
    d = _moment(value, order, None)
    return None if d is None else d.replace(microsecond=0)


def _unix_time(value: Any) -> bool:
    return not isinstance(value, bool) and (isinstance(value, (int, float)) or bool(
        isinstance(value, str) and _PLAIN_NUMBER.match(value.strip())))


def _restated(head: Sequence[tuple[dict, dict[str, str]]], order: str | None) -> dict[str, str]:
    """The columns no field reads that only restate, to the second, a moment another column gives, in every one of
    the rows `head` (the file's first rows) where they have a value: a Unix time beside the date and time it is
    (Google Play's "Review Submit Millis Since Epoch" beside "Review Submit Date and Time"), or a date and time
    beside the Unix time the review's date is read from (Outscraper's review_datetime_utc beside review_timestamp).
    Kept, they were shown with every review ("Review Submit Millis Since Epoch: 1794445200000"). A column saying
    when a review was last changed is kept (it tells edited reviews: `_UPDATED`), and so is every column that a
    file's first rows do not show restating another. {column: the column it restates}."""
    targets: dict[str, set[str]] = {}  # column -> the columns it has restated in every row so far
    dead: set[str] = set()
    fields: dict[str, str] = {}  # the columns the review's and the reply's dates are read from -> which
    for row, mapping in head:
        read = {mapping[f]: f for f in _RESTATED_FIELDS if f in mapping}
        fields.update(read)
        used = set(mapping.values())
        moments = {k: m for k, v in row.items() if isinstance(k, str) and (k in read or k not in used)
                   and not k.lower().startswith(FIELD_PREFIX) and (m := _instant(v, order)) is not None}
        for col, v in row.items():
            if not isinstance(col, str) or col in used or col in dead or v is None or v == "":
                continue
            if col not in moments or col.lower().startswith(FIELD_PREFIX):
                dead.add(col)
                continue
            unix, updated = _unix_time(v), bool(_UPDATED.search(_key(col)))
            # a Unix time restates any column read or written as a date; a date and time only the one read; a
            # column saying when the review was last changed only its own other form (else the edits it tells)
            same = {k for k, m in moments.items() if k != col and m == moments[col]
                    and (k in read and not updated or (unix and k not in read and not _unix_time(row.get(k))))}
            targets[col] = same if col not in targets else targets[col] & same
            if not targets[col]:
                dead.add(col)
    return {col: min(same, key=lambda k: (k not in fields, k))  # the review's date before another column
            for col, same in targets.items() if col not in dead and same}


def _restating(row: dict, res: ImportResult) -> list[str]:
    """The columns of `row` that restate another's moment (`res.restated`, as `_restated` found them in the file's
    first rows); one that does not in this row is kept from here on, as the reviews' own field."""
    out = []
    for col, target in list(res.restated.items()):
        if _restates(row, col, target, res.date_order):
            out.append(col)
        else:
            del res.restated[col]
            res.own_columns.append(col)
    return out


def _restates(row: dict, col: str, target: str, order: str | None) -> bool:
    """Whether `row`'s `col` is empty or the same moment as its `target` (`_restated` found it so in the file's
    first rows: a row after them that differs keeps its value)."""
    v = row.get(col)
    return v is None or v == "" or (_instant(v, order) or 0) == (_instant(row.get(target), order) or 1)


def _plain_number(value: Any) -> float | None:
    """A rating cell that is a plain number ("7.5", 8, "7,5"), else None (stars, "4/5", words: read as written)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    m = re.fullmatch(r"\s*(\d{1,3}(?:[.,]\d+)?)\s*", str(value or ""))
    return _number(m.group(1)) if m else None


#: how a column saying when a review was last changed is named ("updated_at", Google Play's "Review Last Update
#: Date and Time", "last_modified", "edited"): of a review's rows, the one changed last is its later state
_UPDATED = re.compile(r"(?:^|_)(?:updated?|last_update|modified|last_modified|edited)(?:_|$)")


def _updated_column(keys: Sequence[Any], mapping: dict[str, str]) -> str | None:
    used = set(mapping.values())
    return next((k for k in keys if isinstance(k, str) and k not in used and _UPDATED.search(_key(k))), None)


def _moment(value: Any, order: str | None, epoch: datetime | None) -> datetime | None:
    """When a review was last changed, from an "updated" column's value (a date and time, a Unix time or a
    spreadsheet's date); None when it reads as none. Times with a zone, and Unix times, are compared in UTC."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, datetime):
            d = value
        elif isinstance(value, date):
            d = datetime(value.year, value.month, value.day)
        elif isinstance(value, (int, float)) or _PLAIN_NUMBER.match(str(value).strip()):
            num = float(value)
            d = (datetime.fromtimestamp(num / 1000 if num > 1e11 else num, tz=timezone.utc) if num >= _UNIX_FROM
                 else datetime.combine(_number_date(num, value, epoch), datetime.min.time()))
        else:
            s = str(value).strip()
            d = _parse_date(s, _day_first(s, order))
    except (ValueError, OverflowError, OSError, TypeError):
        return None
    return d.astimezone(timezone.utc).replace(tzinfo=None) if d.tzinfo else d


@dataclass
class _Row:
    """One row of a review whose id more than one row of the file carries, read and held until the file is read."""
    review: Review
    line: int
    updated: datetime | None
    notes: list[dict]
    month_only: str | None
    future: bool


#: what a review's latest row that lacks it takes from its other rows (as a scrape that lacks a field keeps the stored)
_FILLED = ("product", "url", "author", "rating", "title", "date", "reply", "reply_date", "helpful_votes", "verified",
           "language", "version")


def _latest(new: _Row, held: _Row) -> _Row:
    """Of two rows of one review, `new` further down the file, the later state (`_later`), with what it lacks
    (an empty rating, no reply yet) taken from the other."""
    latest, other = (new, held) if _later(new, held) else (held, new)
    lacking = {f: getattr(other.review, f) for f in _FILLED
               if getattr(latest.review, f) is None and getattr(other.review, f) is not None}
    return replace(latest, review=replace(latest.review, **lacking)) if lacking else latest


def _later(new: _Row, held: _Row) -> bool:
    """Whether `new`, a row further down the file, is a later state of its review than `held`: the later "updated"
    value, else the later date, else the row further down (an export lists a review again after it changed)."""
    if new.updated and held.updated and new.updated != held.updated:
        return new.updated > held.updated
    if new.review.date and held.review.date and new.review.date != held.review.date:
        return new.review.date > held.review.date
    return True


#: a year as dates are written: 1990 to 2099
_YEAR = re.compile(r"\b(?:199\d|20\d\d)\b")
DATE_SAMPLE = 50  # values of each other column looked at when the file has no date column


def _looks_like_date(value: Any, order: str | None, epoch: datetime | None) -> bool:
    """Whether `value`, of a column no field reads, is a date as `_norm_date` reads it: a spreadsheet's date
    cell, or text with a year or a numeric date (03/04/26); never a plain number (an id, a count)."""
    if isinstance(value, (datetime, date)):
        return True
    if not isinstance(value, str) or _PLAIN_NUMBER.match(value.strip()):
        return False
    if not (_YEAR.search(value) or _NUMERIC_DATE.match(value)):
        return False
    try:
        return _norm_date(value, order, epoch) is not None
    except (ValueError, OverflowError):
        return False


def _date_like(sample: dict[Any, list[Any]], order: str | None, epoch: datetime | None) -> tuple[str, str] | None:
    """The first column of `sample` ({column: its first values}) whose values read as dates (4 in 5 of those
    not empty), with one of them; None when none does."""
    for col, values in sample.items():
        filled = [v for v in values if v is not None and str(v).strip()]
        dates = [v for v in filled if _looks_like_date(v, order, epoch)]
        if filled and len(dates) >= 0.8 * len(filled):
            shown = dates[0].isoformat()[:10] if isinstance(dates[0], (datetime, date)) else str(dates[0]).strip()
            return str(col), shown
    return None


def _add_columns(res: ImportResult, keys: Sequence[Any], mapping: dict[str, str]) -> None:
    """What the import makes of a set of columns (a CSV's header; each JSON record's keys, as they differ), added
    to `res`: which column each field is read from, the others kept as the user's own fields (`user_fields`),
    and those read as nothing."""
    for fld, col in mapping.items():
        res.columns.setdefault(fld, col)
    used = set(mapping.values())
    for col in keys:
        name = str(col)
        if col is None or col in used or name in res.own_columns or name in res.unread or name in res.restated \
                or name in res.empty:
            continue
        if res.filled is not None and name not in res.filled and not name.lower().startswith(FIELD_PREFIX):
            res.empty.append(name)  # "Developer Reply Millis Since Epoch" of an app never answered: not "kept"
            continue
        if name.lower().startswith(FIELD_PREFIX) or name == "fields" or (
                _key(name) not in _not_field_keys() and not name.startswith("__") and not _place_figure(name, keys)
                and len(res.own_columns) < MAX_FIELDS):
            res.own_columns.append(name)
        elif _key(name) != "tags":  # the team's tags are read (`row_tags`)
            res.unread.append(name)


def edited_words(res: ImportResult) -> str:
    """What the file changed of the reviews already stored, as a scrape says it: "4 of them edited since (3 new
    texts, 2 new ratings)"; "" when nothing."""
    if not res.edited:
        return ""
    what = ", ".join(f"{n} new {k}{'s' if n != 1 else ''}" for k, n in (("text", res.retexted),
                                                                       ("rating", res.rerated)) if n)
    return f"{res.edited} of them edited since ({what})"


def columns_line(res: ImportResult) -> str:
    """The columns the import read, as it says them: "text ← Review Text, rating ← Stars, date ← (none);
    kept as the reviews' own fields: when; not read: sentiment"."""
    shown = [f"{f} ← {neutralize(res.columns[f])}" for f in COLUMN_ALIASES if f in res.columns]
    if "date" not in res.columns:
        shown.append("date ← (none)")
    out = "columns read: " + ", ".join(shown)
    if res.own_columns:
        out += "; kept as the reviews' own fields: " + ", ".join(
            neutralize(c) + (" (each “Name: value” in it a field of its own: Size, Colour, ...)"
                             if _key(c) in VARIATION_COLUMNS else "") for c in res.own_columns)
    if res.withheld:
        out += ("; not kept, the reviewers' contact details ([privacy] mask): "
                + ", ".join(neutralize(c) for c in res.withheld))
    if res.restated:
        said = {col: _RESTATED_FIELDS[f] for f, col in res.columns.items() if f in _RESTATED_FIELDS}
        out += ("; not kept, the same moment as another column: "
                + ", ".join(f"{neutralize(c)} ({neutralize(said.get(t, t))})" for c, t in res.restated.items()))
    if res.unread:
        out += "; not read: " + ", ".join(_unread_words(c, res.columns) for c in res.unread)
    if res.empty:
        out += "; empty in every row: " + ", ".join(neutralize(c) for c in res.empty)
    return out


def _unread_words(col: str, columns: dict[str, str]) -> str:
    """A column not read, as said: with the review's own column beside it ("rating (the review's own: review_rating)",
    a Google Maps scraper's place average beside the review's rating)."""
    own = next((c for c in columns.values() if _key(c) == f"review_{_key(col)}"), None)
    if own:
        return f"{neutralize(col)} (the review's own: {neutralize(own)})"
    return neutralize(col) + (" (the place's)" if _key(col) in PLACE_FIGURES else "")


def _shell_word(text: str) -> str:
    """`text` as a shell reads it as one word: quoted when it holds a space, a quote or the like."""
    return text if re.fullmatch(r"[\w=.,:/+-]+", text) else '"' + text.replace('"', '\\"') + '"'


NO_DATE_COLUMN = "no date column found"  # how the import's remarks say so (the Import page shows them as warnings)
UNDATED = "stored without a date"
_IMPORT_WITH = "import the file with "


def _undated_remarks(res: ImportResult, columns: Sequence[Any]) -> list[str]:
    """What the import says of reviews it stored without a date: a file without a date column (naming a
    column whose values read as dates, and how to have it read), and how many are undated."""
    out = []
    if "date" not in res.columns:
        found = ", ".join(neutralize(str(c)) for c in columns if c is not None)
        if res.date_like:
            col, example = res.date_like
            option = _shell_word("date=" + neutralize(col))
            out.append(f"{NO_DATE_COLUMN} (columns: {found}); the column {neutralize(col)!r} holds dates "
                       f"(such as {neutralize(example)}): {_IMPORT_WITH}--column {option} to read them as the "
                       "reviews' dates")
        else:
            out.append(f"{NO_DATE_COLUMN} (columns: {found}); name the file's date column with "
                       f"--column date=NAME")
    if res.undated:
        n = res.undated
        out.append(f"{n} review{'s' if n != 1 else ''} {'are' if n != 1 else 'is'} {UNDATED}: a period "
                   "(the dashboard's Last 90 days, --since) leaves "
                   f"{'them' if n != 1 else 'it'} out; the dashboard's All time shows "
                   f"{'them' if n != 1 else 'it'}")
    return out


def _workbook_epoch(path: Path) -> datetime:
    """The calendar of a workbook's date serials: 1900 (Windows), or 1904 (a workbook from an old Mac Excel)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return wb.epoch
    finally:
        wb.close()


def _star_rating(row: dict, keys: tuple, get: Callable[[str], Any], stars: float, known: _FirstPass,
                 res: ImportResult, epoch: datetime | None, default_source: str, product: str | None,
                 met: dict[str, int], kept_id: str | None) -> dict[str, Any]:
    """A row's rating without words, to store apart from the reviews: its identity as a review's would be (its
    site id, else source, author and day; the n-th such row of the file its own; the one it had in the store a
    ReviewLens export (`kept_id`) came from), its product (a chain's branch's: `_branch`), day (None when it cannot
    be read: a rating needs none), place id (an export's in its field: `STAR_PLACE_FIELD`) and app version."""
    try:
        day = _norm_date(get("date"), res.date_order, epoch)
    except (ValueError, OverflowError, TypeError):
        day = None
    day = None if day is not None and implausible_date(day) else day
    source = str(get("source") or default_source)
    site_id = str(get("site_review_id")) if get("site_review_id") not in (None, "") else None
    rid = star_identity(source, site_id, str(get("author")) if get("author") not in (None, "") else None, day, stars)
    if kept_id:
        rid = kept_id
    elif not site_id:
        met[rid] = n = met.get(rid, 0) + 1
        rid = nth_identity(rid, n) if n > 1 else rid
    place = row.get(_place_id_of(keys))
    if place in ("", None) and kept_id:
        nested = row.get("fields")
        place = nested.get(STAR_PLACE_FIELD) if isinstance(nested, dict) else row.get(FIELD_PREFIX + STAR_PLACE_FIELD)
    return {"id": rid, "source": source, "rating": stars, "date": day, "place": place if place not in ("", None) else None,
            "site_review_id": site_id, "version": _norm_version(get("version")),
            "product": _branch(known, row, keys, str(get("product"))) if get("product") not in (None, "") else product}


def _date_remarks(res: ImportResult, given: str | None, shown: str | None, either: str | None,
                  month_only: list[str]) -> list[str]:
    """What the file's dates made the import assume, said once: the order of day and month when nothing in the
    file says it (else the caller says what the file showed), and months read as their 1st day."""
    out = []
    if either and not given and not shown:
        read, other = ("day", "month") if "." in either else ("month", "day")
        out.append(f"dates such as {either} read {read} first{', as dotted dates are written' if read == 'day' else ''}"
                   f": no date in the file says which (--date-order {other} if not)")
    if month_only:
        n = len(month_only)
        out.append(f"{n} date{'s' if n != 1 else ''} name{'' if n != 1 else 's'} a month without a day "
                   f"(such as {month_only[0]}): read as the month's 1st day")
    if res.repeated:
        latest = f"the later {res.updated_column!r}, else " if res.updated_column else ""
        out.append(f"{res.repeated} row{'s' if res.repeated != 1 else ''} repeat a review id met elsewhere in the "
                   f"file: the same review, stored once, as its latest row has it ({latest}the later date, else the "
                   "row further down)"
                   + (f"; {res.differing} of these reviews read{'s' if res.differing == 1 else ''} otherwise in "
                      "another row (another text or rating: an edited review exported again)" if res.differing else ""))
    return out


_IDENTITY = re.compile(r"[0-9a-f]{24}")  # schema.review_identity's form


def _export_identity(row: dict, given: dict[str, str] | None) -> str | None:
    """For a row of ReviewLens's own export (its `id` and `analysis_status` columns), the identity the review had
    in the store it was exported from: kept, so that a store moved through an export and an import (a new machine,
    SQLite to PostgreSQL) knows its reviews again when the same pages are scraped (their identity comes from the
    site's review id, or from the text and a date the export may write in another form). None for other files,
    or when the user named a column for the review id."""
    if "site_review_id" in (given or {}) or "analysis_status" not in row:
        return None
    value = str(row.get("id") or "").strip()
    return value if _IDENTITY.fullmatch(value) else None


def _or_noted(read: Any, value: Any, notes: list[dict], line: int, what: str) -> Any:
    """`read(value)`, or None with a note of the row's `line` saying the review is imported without `what`."""
    try:
        return read(value)
    except ValueError as e:
        notes.append({"line": line, "message": f"{e}; the review is imported without {what}"})
        return None


def _branch(known: _FirstPass, row: dict[str, Any], keys: tuple, name: str) -> str:
    """A row's product: `name`, or its branch's name when several places share it (`_FirstPass.branches`)."""
    if not known.branches:
        return name
    pid = row.get(_place_id_of(keys))
    return known.branches.get((name, str(pid)), name) if pid not in (None, "") else name


@functools.lru_cache(maxsize=64)
def _place_id_of(keys: tuple) -> Any:
    return place_id_column({_key(k): k for k in keys if isinstance(k, str)})


def _reviews(path: Path, res: ImportResult, *, source: str | None = None, rating_scale: float | None = None,
             product: str | None = None, encoding: str | None = None, date_order: str | None = None,
             columns: dict[str, str] | None = None,
             stored_places: Callable[[], Iterable[tuple]] | None = None) -> Iterator[tuple[Review, int]]:
    """The reviews of a CSV/JSONL/JSON file or workbook, one at a time, each with how many rows of the file so
    far gave its identity (1 for the first). Rows are counted in `res`; bad rows are reported there with their
    line and skipped; a rating that cannot be read is noted (`res.notes`) and the review kept without it (a
    date is part of a review's identity: a row whose date cannot be read is skipped, to be imported once
    corrected). Every row is a review: an identical row without an id gets its own identity (`nth_identity`);
    a row repeating a review id is the same review, counted in `res.repeated`. Problems with the whole file
    (no rows at all included) raise ImportFileError when the first review is asked for. `date_order`: "day"
    or "month", which comes first in numeric dates such as 03/04/2026; None: what the file's own dates show
    (`date_order_of`). `columns`: the columns the user named for fields ({"date": "when"}: `column_mapping`),
    read before the columns' usual names; one that no record has raises ImportFileError. `stored_places`: the
    places a store holds reviews of (`_first_pass`); the stored reviews to rename go to `res.place_renames`.

    A date in the future, or before 1995 (a placeholder such as 0001-01-01), is no review's: the review is kept
    without it (noted with its line). Reviews stored
    without a date are counted (`res.undated`) and said, with, when the file has no date column, a column
    whose values read as dates (`res.date_like`)."""
    if date_order not in (None, *DATE_ORDERS):
        raise ImportFileError(f"date order {date_order!r}: use day or month")
    res.encoding, rows = read_rows(path, encoding)
    default_source = source or f"import:{path.stem}"
    known = _first_pass(path, res.encoding, columns, default_source, stored_places)
    res.place_renames = known.renames
    shown, either = known.order, known.either
    # ReviewLens's CSV export prefixed the cells a spreadsheet would run as formulas ("'=HYPERLINK(...)", "'- 4 RAM
    # slots"): taken off again, else a store moved through it got those texts changed and their analysis lost
    unprefix = path.suffix.lower() in (".csv", ".tsv", ".txt") and not known.raw_export
    if missing := [f for f in columns or {} if f not in known.found]:
        keys = next((row.keys() for _, row in read_rows(path, res.encoding)[1] if "__error__" not in row), ())
        raise ImportFileError(f"{path}: no column {', '.join(repr(columns[f]) for f in missing)} in the file (its "
                              f"columns: {', '.join(str(k) for k in keys if k is not None) or 'none'}), named with "
                              f"--column {' --column '.join(f'{f}={columns[f]}' for f in missing)}")
    res.date_order = date_order or shown
    res.restated, res.filled = dict(known.restated), known.filled
    res.remarks += known.branch_remarks
    if rating_scale is None and known.scale:  # Booking.com's scores: 7.5 out of 10 is not 7.5 stars
        rating_scale = known.scale
        res.remarks.append(f"the ratings are scores out of {known.scale:g} (more than {SCALE_SHARE:.0%} of them are "
                           f"above 5): read on that scale, {known.scale:g} as 5 stars; if they are stars after all, "
                           "import it again with --rating-scale 5")
    epoch = _workbook_epoch(path) if res.encoding == "xlsx" else None  # a number in a date cell is a date serial
    first = True
    # the rows of the reviews whose id several rows carry: {identity: (the latest state so far, each row's words and
    # rating)}, stored once the file is read (the first row's words were kept, an edited review's older ones)
    held: dict[str, tuple[_Row, set[str], set[float]]] = {}
    updated_in: dict[tuple, str | None] = {}  # each set of columns' "updated" column (`_updated_column`)
    met: dict[str, int] = {}  # each identity met so far: a short key a row, the only thing that grows with the file
    month_only: list[str] = []
    header: Sequence[Any] = ()
    mappings: set[int] = set()  # the column maps met (one per set of columns: `_with_columns`)
    sample: dict[Any, list[Any]] = {}  # no date column: the first values of the columns no field reads
    latest = date.today() + timedelta(days=1)  # a day ahead: a review written today where the day is later
    replaced = 0  # rows with bytes that are not UTF-8, read as U+FFFD (UTF8_REPLACED)
    rated_only: list[float] = []  # the ratings of rows with a rating and no text (star-only reviews): not reviews
    star_met: dict[str, int] = {}  # each star-only identity met so far (a row of the same rating, day and author)
    for line, row, mapping in _with_columns(rows, columns):
        res.rows += 1
        if mapping is None:
            res.errors.append({"line": line, "message": row["__error__"]})
            continue
        if unprefix and "analysis_status" in row:
            row = {k: _csv_unsafe(v) for k, v in row.items()}
        if first and "text" not in mapping:  # the header (a JSON file's first object) has no text column
            raise ImportFileError(
                f"{path}: no review text column; expected one of {', '.join(COLUMN_ALIASES['text'])}, or name "
                f"it with --column text=NAME (found: {', '.join(map(str, row.keys()))})")
        keys = tuple(row.keys())
        if first:
            header = keys
        if id(mapping) not in mappings:  # the first row with these columns
            mappings.add(id(mapping))
            _add_columns(res, keys, mapping)
        first = False
        if "date" not in mapping and len(next(iter(sample.values()), ())) < DATE_SAMPLE:
            used = set(mapping.values())
            for k in keys:
                if k is not None and k not in used:
                    sample.setdefault(k, []).append(row[k])
        kept_id, mapping = _read_with(row, mapping, columns)
        if kept_id and "site_review_id" not in mapping and res.columns.get("site_review_id") == "id":
            del res.columns["site_review_id"]  # an export written before it had site_review_id: `id` is the store's
        get = lambda f: row.get(mapping[f]) if f in mapping else None  # noqa: E731
        text = get("text")
        if "text" not in mapping or text is None or not str(text).strip():
            if (stars := _stars_alone(get("rating"), rating_scale)) is not None:
                rated_only.append(stars)  # Google's star-only reviews: a rating and no words; said once, below
                res.star_ratings.append(_star_rating(row, keys, get, stars, known, res, epoch, default_source,
                                                     product, star_met, kept_id))
                continue
            if "text" not in mapping:
                res.errors.append({"line": line, "message": "no review text field (one of "
                                   f"{', '.join(COLUMN_ALIASES['text'])}) in {', '.join(map(str, keys)) or 'nothing'}"})
            else:
                res.errors.append({"line": line, "message": "empty review text"})
            continue
        notes = []
        text, cut = str(text), {}
        if "(Translated by Google)" in text:  # the review in its own words; the analysis makes its own translation
            text = without_google_translation(text)
        if len(text) > MAX_TEXT:  # as a scrape cuts it: one review cannot bloat the store
            notes.append({"line": line, "message": f"a text of {len(text):,} characters: its first {MAX_TEXT:,} are "
                                                   "stored (the longest a review is kept)"})
            text, cut = text[:MAX_TEXT], {"truncated_from": len(text)}
        if res.encoding == UTF8_REPLACED and any("\ufffd" in str(v) for v in row.values() if v):
            replaced += 1
            notes.append({"line": line, "message": "bytes that are not UTF-8 are read as \ufffd in this row (the rest "
                                                   "of the file is UTF-8): correct them in the file"})
        future = False
        try:
            rating = _norm_rating(get("rating"), rating_scale)
        except ValueError as e:  # not part of the review's identity: the file corrected and imported again fills it in
            rating = None
            notes.append({"line": line, "message": f"{e}; the review is imported without a rating"})
        # nor are its votes and badge: a count written in words of no language known keeps the review
        votes, verified = _or_noted(_norm_votes, get("helpful_votes"), notes, line, "helpful votes"), \
            _or_noted(_norm_bool, get("verified"), notes, line, "whether it is verified")
        try:
            day = _norm_date(get("date"), res.date_order, epoch)
            if why := implausible_date(day):  # in the future, or before 1995: no review's date
                future = day > latest
                notes.append({"line": line, "message": f"date {get('date')!r} {why}: the review is imported "
                                                       "without a date"})
                day = None
            r = Review(
                id=kept_id or "", source=str(get("source") or default_source), text=text,
                product=_branch(known, row, keys, str(get("product"))) if get("product") not in (None, "") else product,
                url=str(get("url")) if get("url") else None,
                author=str(get("author")) if get("author") not in (None, "") else None,
                rating=rating,
                title=str(get("title")) if get("title") not in (None, "") else None,
                date=day,
                site_review_id=str(get("site_review_id")) if get("site_review_id") not in (None, "") else None,
                reply=str(get("reply")) if get("reply") not in (None, "") else None,
                reply_date=_norm_date(get("reply_date"), res.date_order, epoch),
                helpful_votes=votes,
                verified=verified,
                language=str(get("language"))[:35] if get("language") not in (None, "") else None,
                version=_norm_version(get("version")),
                extra={**({"fields": own} if (own := user_fields(row, mapping, _restating(row, res))) else {}),
                       **({"tags": tags} if (tags := row_tags(row, line)) else {}), **cut},
            )
        except (ValueError, OverflowError, TypeError) as e:
            res.errors.append({"line": line, "message": str(e) if type(e) is ValueError else f"{type(e).__name__}: {e}"})
            continue
        res.moved += bool(kept_id)
        if (r.site_review_id or kept_id) and r.id in known.repeated:  # held until its last row is read
            if keys not in updated_in:
                updated_in[keys] = _updated_column(keys, mapping)
            col = updated_in[keys]
            this = _Row(r, line, _moment(row.get(col), res.date_order, epoch) if col else None, notes,
                        str(get("date")).strip() if _month_only(get("date"), r.date, res.date_order) else None, future)
            ratings = {r.rating} if r.rating is not None else set()
            if r.id not in held:
                held[r.id] = (this, {r.content_hash}, ratings)
                continue
            res.repeated += 1
            latest_row, texts, rated = held[r.id]
            held[r.id] = (_latest(this, latest_row), texts | {r.content_hash}, rated | ratings)
            continue
        n = met[r.id] = met.get(r.id, 0) + 1
        if n > 1:
            if r.site_review_id or kept_id:
                res.repeated += 1
                continue
            r.id = nth_identity(r.id, n)
        if _month_only(get("date"), r.date, res.date_order):
            month_only.append(str(get("date")).strip())
        res.notes += notes
        res.undated += r.date is None
        res.future += future
        yield r, n
    for kept, texts, rated in held.values():  # each review several rows carry, as its latest row has it
        res.differing += len(texts) > 1 or len(rated) > 1
        if kept.month_only:
            month_only.append(kept.month_only)
        res.notes += kept.notes
        res.undated += kept.review.date is None
        res.future += kept.future
        yield kept.review, 1
    res.updated_column = next((c for c in updated_in.values() if c), None)
    if rated_only:  # not the file's fault (Google keeps star-only reviews): no error per row, no partial run
        res.rated_only = len(rated_only)
        res.remarks.append(f"{counted(len(rated_only), 'rating')} without a text (star-only reviews), "
                           f"{sum(rated_only) / len(rated_only):.1f}★ on average: kept as ratings, not as reviews "
                           "(ReviewLens reads what reviews say: its counts, analyses and average ratings are of the "
                           "reviews with words; `reviewlens scorecard` shows each product's rating with them too)")
    if not res.rows:
        raise ImportFileError(f"{path}: the file holds no reviews (it is empty, or has only a header)")
    if res.encoding == UTF8_REPLACED:
        res.remarks.append(f"the file is UTF-8 but for bytes in {replaced} row{'s' if replaced != 1 else ''} (listed "
                           "below): read as UTF-8, those bytes as \ufffd")
    elif not encoding and res.encoding not in ("utf-8", "xlsx") and res.encoding != _bom_encoding(path):
        # detected: said, as a guess may be wrong (a byte order mark is no guess)
        res.remarks.append(f"WARNING: the file is not UTF-8 and was read as {res.encoding} (detected); if letters "
                           "such as é or ü look wrong in its reviews, delete this import's run and import the file "
                           "again with its encoding (--encoding NAME)")
    if res.moved:
        res.remarks.append(f"a ReviewLens export: {res.moved} review{'s' if res.moved != 1 else ''} keep the identity "
                           "they had in the store they came from, so a scrape of their pages knows them again")
    res.remarks += _date_remarks(res, date_order, shown, either, month_only)
    if "date" not in res.columns:
        res.date_like = _date_like(sample, res.date_order, epoch)
    if header and ("date" not in res.columns or res.undated):
        res.remarks += _undated_remarks(res, header)


def read_reviews_file(path: str | Path, *, source: str | None = None, rating_scale: float | None = None,
                      product: str | None = None, encoding: str | None = None,
                      date_order: str | None = None, columns: dict[str, str] | None = None) -> ImportResult:
    """Read a CSV/JSONL/JSON file of reviews into memory. Bad rows are reported with their line and skipped
    (`errors`); a review whose rating cannot be read is kept without it, noted with its line (`notes`).

    `encoding`: the file's encoding (a Python codec name); None reads UTF-8, or detects the encoding
    when the file is not UTF-8. `columns`: the columns the user named for fields ({"date": "when"})."""
    res = ImportResult()
    res.reviews = [r for r, _ in _reviews(Path(path), res, source=source, rating_scale=rating_scale,
                                          product=product, encoding=encoding, date_order=date_order,
                                          columns=columns)]
    return res


def _other_imports(store: Store, own: str) -> list[str]:
    """The sources other files' imports stored their reviews under by default ("import:<file name>"), the first
    imported first: where an overlapping export's reviews (March's and April's both hold late March) already
    are. Read from the run history: an import run records its source; one made before it did, its file's path."""
    names = []
    for run in reversed(store.list_runs(limit=1_000_000, kind="import")):
        detail = run.get("detail") if isinstance(run.get("detail"), dict) else {}
        names.append(detail.get("review_source") or f"import:{Path(str(run.get('source') or '')).stem}")
    return [n for n in dict.fromkeys(names) if n.startswith("import:") and n != own]


def _identity_under(source: str, r: Review, n: int) -> str:
    """The identity `r`, the `n`-th of its kind in its file, would have under `source`."""
    first = review_identity(source, r.site_review_id, r.author, r.date, r.text)
    return first if r.site_review_id or n == 1 else nth_identity(first, n)


def _stored_elsewhere(store: Store, pairs: list[tuple[Review, int]], own: str, others: list[str],
                      moved: Counter, alike: Counter) -> list[Review]:
    """The batch's reviews to store. One under this file's default source (`own`) that is not stored there yet
    but whose review id is, under another file's (`others`: an overlapping export of the same reviews), is
    that stored review: kept under its first source, so it counts as already stored rather than twice
    (counted in `moved`). One without an id that is stored alike (the same text, author and date) under
    another file's source is only counted in `alike`: without an id, the same words may be another review."""
    mine = [(i, r, n) for i, (r, n) in enumerate(pairs) if r.source == own and (r.site_review_id or r.author or r.date)]
    where = {_identity_under(o, r, n): (i, o) for i, r, n in mine for o in others}
    known = store.known_ids([r.id for _, r, _ in mine] + list(where))
    first: dict[int, str] = {}
    for rid, (i, o) in where.items():
        if rid in known:
            first.setdefault(i, o)
    out = [r for r, _ in pairs]
    for i, o in first.items():
        if out[i].id in known:  # stored under this file's source already (imported before): as it is
            continue
        if out[i].site_review_id:
            out[i] = replace(out[i], source=o, id="")
            moved[o] += 1
        else:
            alike[o] += 1
    return out


def _store_stars(store: Store, res: ImportResult, own: str, others: list[str], run_id: int) -> None:
    """Store the ratings without words read so far (`res.star_ratings`, emptied), each after the reviews of its
    batch (one whose words the file also has is that review), counting the new ones in `res.stars_new`."""
    if res.star_ratings:
        res.stars_new += store.upsert_star_ratings(_stars_elsewhere(store, res.star_ratings, own, others), run_id)[0]
        res.star_ratings.clear()


def _stars_elsewhere(store: Store, rows: list[dict], own: str, others: list[str]) -> list[dict]:
    """Ratings without words to store: one with a site id under this file's default source (`own`) that is stored
    under another file's (an overlapping export) is kept there, as `_stored_elsewhere` keeps a review."""
    mine = [(i, r) for i, r in enumerate(rows) if r["source"] == own and r.get("site_review_id")] if others else []
    if not mine:
        return rows
    where = {review_identity(o, r["site_review_id"], None, None, ""): (i, o) for i, r in mine for o in others}
    known = store.known_star_ids([rows[i]["id"] for i, _ in mine] + list(where))
    out = list(rows)
    for rid, (i, o) in where.items():
        if rid in known and out[i]["id"] not in known and out[i]["source"] == own:
            out[i] = {**out[i], "id": rid, "source": o}
    return out


def _elsewhere_remarks(moved: Counter, alike: Counter) -> list[str]:
    return ([f"{n} of these reviews are already stored from {o} (the same review id): counted as already stored, "
             f"and kept under {o}" for o, n in moved.items()]
            + [f"{n} of these reviews are already stored from {o} (the same text, author and date); give both files "
               "the same --source to count them once" for o, n in alike.items()])


def import_file(store: Store, path: str | Path, *, batch_size: int = IMPORT_BATCH, trigger: str = "manual",
                run_source: str | None = None, run_detail: dict | None = None, masker: Masker | None = None,
                **kw: Any) -> tuple[ImportResult, int, int, int]:
    """Import a file into the store as one run. Returns (result, run_id, new, seen).

    Streams: reviews are stored `batch_size` at a time as they are read, so memory stays flat however
    big the file is, and `result.reviews` stays empty. The first batch is read before the run is
    recorded, so a file that cannot be imported at all (missing, unknown format, undecodable, no text
    column, no rows) raises ImportFileError with no run, as it always has. Keyword arguments are those of
    `read_reviews_file` (source, rating_scale, product, encoding, date_order, columns). `run_source`: the run history's
    name for the run (default: the file's path), `run_detail` what else it records; `trigger`: manual,
    schedule, dashboard. `masker`: what personal data is masked before reviews are stored (the settings'
    `Masker.from_settings(settings.privacy, store)`; default: every kind, names kept).

    Without a `source`, the file's reviews are stored under "import:<file name>"; those already stored from
    another file so named are found (`_stored_elsewhere`): by their review id, counted as already stored;
    alike without one, said in `result.remarks`."""
    masker = Masker() if masker is None else masker
    res = ImportResult()
    path = Path(path)
    own = kw.get("source") or f"import:{path.stem}"
    reviews = _reviews(path, res, stored_places=lambda: _stored_places(store), **kw)
    batch = list(islice(reviews, batch_size))
    others = [] if kw.get("source") else _other_imports(store, own)
    run_id = store.start_run("import", run_source or str(path), trigger,
                             detail={**(run_detail or {}), "review_source": own})  # read by `_other_imports`
    new = seen = 0
    others_stars = bool(others) and store.has_star_ratings()  # stored before this import, by other files
    moved: Counter = Counter()
    alike: Counter = Counter()
    try:
        while batch:
            items = _stored_elsewhere(store, batch, own, others, moved, alike) if others else [r for r, _ in batch]
            items = masker.reviews(items, stored=store)  # counts what it masks itself
            edited = store.edited(items)  # before the file's words replace the stored ones: said, as a scrape says
            res.edited += edited["reviews"]
            res.retexted += edited["text"]
            res.rerated += edited["rating"]
            n, s = store.upsert_reviews(items, run_id)
            if others and others_stars:  # a rating without words another file stored, with words here: a review
                store.drop_star_ratings([review_identity(o, r.site_review_id, None, None, "") for r in items
                                         if r.site_review_id for o in others])
            new += n
            seen += s
            _store_stars(store, res, own, others, run_id)  # those read so far: memory stays flat
            batch = list(islice(reviews, batch_size))
        _store_stars(store, res, own, others, run_id)
    except Exception as e:
        store.update_run(run_id, pages=1, new=new, seen=seen)
        store.finish_run(run_id, "failed", error=f"{type(e).__name__}: {e}")
        raise
    res.remarks += _elsewhere_remarks(moved, alike)
    res.remarks += _rename_places(store, res.place_renames)
    if res.date_like and new:  # read with their dates, the same reviews would be others: undo this import first
        undo = (f"undo this import first (`reviewlens delete --run {run_id} --yes`; else its {new} new "
                f"review{'s are' if new != 1 else ' is'} stored twice, undated and dated), then import the file "
                "again with ")
        res.remarks = [r.replace(_IMPORT_WITH, undo) if r.startswith(NO_DATE_COLUMN) else r for r in res.remarks]
    if res.rerated:  # another --rating-scale, or a corrected file: said, as `delete --run` cannot take it back
        res.remarks.append(f"{res.rerated} already stored review{'s' if res.rerated != 1 else ''} got a new rating "
                           "from this file (another --rating-scale, or corrected ratings); importing the file again "
                           "as before restores the earlier ones")
    res.masked, res.masked_kinds = masker.masked, masker.counts
    res.withheld = [c for c in res.own_columns if masker.drops_field(c)]  # the masker left them out of every review
    res.own_columns = [c for c in res.own_columns if c not in res.withheld]
    problems = sorted(res.errors + res.notes, key=lambda e: e["line"])
    store.update_run(run_id, pages=1, new=new, seen=seen,
                     errors=[{"url": f"{path}:{e['line']}", "message": e["message"]} for e in problems],
                     detail={**({"masked": {"reviews": res.masked, **res.masked_kinds}} if res.masked else {}),
                             **({"star_only": res.rated_only, "star_only_new": res.stars_new}
                                if res.rated_only else {})} or None)
    store.finish_run(run_id, "partial" if problems else "ok")
    return res, run_id, new, seen


def _place_fields(store: Store) -> list[list[str]]:
    """The store's own fields that hold a place's id (the most specific first, as `PLACE_IDS`), its city, its
    street and its address, as the files they came from named them."""
    names = store.field_names()
    ids = sorted((n for n in names if _key(n) in PLACE_IDS), key=lambda n: PLACE_IDS.index(_key(n)))
    return [ids, *([n for n in names if _key(n) in kind] for kind in (CITY_COLUMNS, STREET_COLUMNS, ADDRESS_COLUMNS))]


def _stored_places(store: Store) -> list[tuple]:
    """The places the store holds reviews of: (product, place ids, city, street, address) each (`Store.places`)."""
    return store.places(*_place_fields(store))


def _rename_places(store: Store, renames: list[tuple[str, tuple[str, ...], str]]) -> list[str]:
    """Store the reviews of a chain's place stored under the chain's name (imported before, a file of one branch)
    under its branch's name; the remarks saying so."""
    ids = _place_fields(store)[0] if renames else []  # read again: this file's own id columns are stored by now
    said = []
    for name, pids, branch in renames:
        if n := store.rename_place(name, ids, pids, branch):
            said.append(f"{n} review{'s' if n != 1 else ''} of {name!r} stored before (place {pids[0]}) "
                        f"{'are' if n != 1 else 'is'} now {branch!r}, that branch's")
    return said


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")  # "\n": `neutralize` writes a CR as one
#: what a cell may start with before a formula's = + - @ that an app may skip: spaces, line breaks, zero-width
#: and other invisible characters (" =1+1", "\u200b=1+1")
_BEFORE_FORMULA = re.compile(r"[\s\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]*")


def _runs_as_formula(value: Any) -> bool:
    """Whether a spreadsheet app runs a cell of `value` as a formula: it starts with = + - @, also after a line
    break, spaces or invisible characters, or with a tab or a line break (which may start one)."""
    return isinstance(value, str) and (value[_BEFORE_FORMULA.match(value).end():].startswith(_FORMULA_START[:4])
                                       or value.startswith(_FORMULA_START))


def _csv_safe(value: Any) -> Any:
    """A cell a spreadsheet app would run as a formula (`_runs_as_formula`), prefixed with an apostrophe. So is one
    that is such a cell behind apostrophes of its own ("'=1+1"): then an apostrophe before a cell that runs as a
    formula without it is always one the export added, and an import takes off exactly that one (`_csv_unsafe`)."""
    if isinstance(value, str) and _runs_as_formula(value.lstrip("'")):
        return "'" + value
    return value


def _csv_unsafe(value: Any) -> Any:
    """A cell of ReviewLens's CSV export as it was before `_csv_safe`: the apostrophe it added taken off, a
    review's own ("'Tis great", "'=1+1" written "''=1+1") kept."""
    if isinstance(value, str) and value.startswith("'") and _runs_as_formula(value[1:].lstrip("'")):
        return value[1:]
    return value


def write_rows(rows: Sequence[dict[str, Any]], path: str | Path, columns: Sequence[str] | None = None) -> int:
    """Write plain rows as CSV or JSONL by the file's suffix (.csv, .jsonl/.ndjson), atomically; returns the
    number written. As `export_records` does: JSONL keeps the text exactly (unsafe characters JSON-escaped);
    CSV is for spreadsheets, its cells neutralised and prefixed against formulas. ValueError for another
    suffix. `columns`: the CSV header (default: the first row's keys)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise ValueError(f"{path}: unknown file format '{suffix}' (use .csv or .jsonl)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        if suffix == ".csv":
            w = csv.DictWriter(f, fieldnames=list(columns or (rows[0].keys() if rows else [])))
            w.writeheader()
            for row in rows:
                w.writerow({k: _csv_safe(neutralize(v)) if isinstance(v, str) else v for k, v in row.items()})
        else:
            for row in rows:
                f.write(escape_unsafe_json(json.dumps(row, ensure_ascii=False, default=str)) + "\n")
    tmp.replace(path)
    return len(rows)


class Exported(NamedTuple):
    """What `export_records` wrote: reviews, and ratings without words (star-only reviews)."""
    reviews: int
    star_only: int


def _star_export_record(r: dict[str, Any]) -> dict[str, Any]:
    """A stored rating without words as an export row: a review's columns, its text empty (what an import keeps as
    a star-only rating again, under the same identity: `_export_identity`), its place id a field."""
    return {**dict.fromkeys(EXPORT_FIELDS), "id": r["id"], "source": r["source"], "product": r["product"],
            "rating": r["rating"], "text": "", "date": r["date"].isoformat() if r["date"] else None,
            "version": r["version"],
            "topics": [], "entities": [], "suspicious": [], "tags": [],
            "fields": {STAR_PLACE_FIELD: r["place"]} if r["place"] else {}}


def export_records(store: Store, path: str | Path, fmt: str, *, raw: bool = False, star_only: bool = False,
                   **filters: Any) -> Exported:
    """Write one record per review (with the analysis fields), then, with `star_only`, one per rating without words
    of the period, products, sources and versions (`filters` since, until, products, sources, versions; the caller
    leaves them out when it filters by what such a rating has not: `queries.stars_apply`), its text empty. Returns
    how many of each.

    CSV is for people and spreadsheets: text is `neutralize`d (control characters removed, bidi
    overrides shown as "⟨U+202E⟩") and, unless `raw`, formula-like cells are prefixed with '.
    JSONL is data and keeps the text exactly, with those characters written as \\uXXXX escapes so
    the file still displays safely in a terminal."""
    from . import integrity

    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown export format {fmt!r} (jsonl or csv)")
    integrity.current(store)  # the `suspicious` column reads the findings, checked again if the reviews changed
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rated = (_star_export_record(r) for r in store.iter_star_ratings(
        filters.get("since"), filters.get("until"), filters.get("products") or (), filters.get("sources") or (),
        versions=filters.get("versions") or ())) if star_only else iter(())
    written = [0, 0]  # reviews, ratings without words
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        if fmt == "csv":
            names = store.field_names()  # the user's own fields, a column each ("field:country")
            if star_only and STAR_PLACE_FIELD not in names and store.has_star_ratings(placed=True):
                names = [*names, STAR_PLACE_FIELD]
            w = csv.DictWriter(f, fieldnames=EXPORT_FIELDS + [FIELD_PREFIX + n for n in names])
            w.writeheader()
        for i, records in enumerate((store.iter_export_records(**filters), rated)):
            for rec in records:
                if fmt == "jsonl":
                    out = {k: rec[k] for k in EXPORT_FIELDS} | ({"fields": rec["fields"]} if rec["fields"] else {})
                    f.write(escape_unsafe_json(json.dumps(out, ensure_ascii=False)) + "\n")
                else:
                    w.writerow(_csv_export_row(rec, raw))
                written[i] += 1
    tmp.replace(path)
    return Exported(*written)


def _csv_export_row(rec: dict[str, Any], raw: bool) -> dict[str, Any]:
    row = {k: rec[k] for k in EXPORT_FIELDS}
    row.update({FIELD_PREFIX + n: v for n, v in rec["fields"].items()})
    row["topics"] = json.dumps(row["topics"], ensure_ascii=False)
    row["entities"] = json.dumps(row["entities"], ensure_ascii=False)
    row["suspicious"] = "; ".join(row["suspicious"])
    row["tags"] = "; ".join(row["tags"])
    row = {k: neutralize(v) if isinstance(v, str) else v for k, v in row.items()}
    return row if raw else {k: _csv_safe(v) for k, v in row.items()}
