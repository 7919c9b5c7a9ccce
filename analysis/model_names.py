"""Model names in review text: "iPhone 15 Pro", "Dell XPS 13", "Sony WH-1000XM4", "Windows 7 Home".

A model name is a name (capitalized words, or a lower-case-first maker's word such as "iPhone") followed by a
model number ("13", "S23", "WH-1000XM4", "L305D-S5934") and the words that belong to it ("Pro", "Max",
"Home", "MKII"). What only looks like one is not: dates ("July 17", "Christmas 2023"), counts and
amounts ("Apple 19 times", "2 hours", "100%"), numbered places and parts ("Room 214", "Gate 12", "Step 4",
"Size 10"), score lines ("Liverpool 2 Everton 1"), and a capitalized sentence opener with a number
("Table 7 waited").

The entity typer (analysis.entities), trained mostly on news and tweets, cuts such a name at the number
("Dell XPS") or keeps the maker alone ("Samsung" in "Samsung Galaxy S23"); the pipeline types a model name
found here as one PRODUCT. Rules, not a model: no labelled product names were at hand; measured by
bench/bench_products.py on laptop review sentences and on held-out sentences of other kinds of product.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# a word with its inner hyphens, slashes and dots ("WH-1000XM4", "MC373LL/A", "2.3"); punctuation around it is not part
_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|[-/.](?=[A-Za-z0-9]))*")
_CAMEL = re.compile(r"^[a-z]{1,2}[A-Z][A-Za-z]+$")             # iPhone, iPad, eBay, iMac
_PURE_NUMBER = re.compile(r"^\d{1,4}$")
_NUMERIC = re.compile(r"^\d[\d.,:/-]*$")                          # 114, 292-8, 0-0, 2.3
_DETERMINERS = {"the", "a", "an", "my", "our", "your", "his", "her", "their", "this", "that", "these", "those",
                "new", "old", "another", "same", "its"}
_GLUED_UNIT = re.compile(
    r"^\d+(?:\.\d+)?(?:gb|mb|tb|kb|ghz|mhz|hz|mah|mm|cm|m|km|in|inch|ft|k|kg|g|lbs?|oz|w|kw|v|hrs?|mins?|s|"
    r"x|p|th|st|nd|rd|am|pm|yo|yrs?|gig|gigs)$", re.IGNORECASE)
_DIMENSION = re.compile(r"^\d+x\d+$", re.IGNORECASE)            # 1920x1080
_NOT_A_MODEL = re.compile(r"^(?:[QH][1-4]|B4|(?:under|over|covid|u)-?\d+)$", re.IGNORECASE)  # Q2, H1, Under-21

_DATE_WORDS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "tues", "wed", "thu", "thur",
    "thurs", "fri", "sat", "sun", "christmas", "xmas", "easter", "summer", "winter", "spring", "fall", "autumn",
    "thanksgiving", "halloween", "ramadan", "diwali", "hanukkah", "new", "year", "years", "early", "late", "mid",
    "covid", "covid19"}
# words that number something other than a product: places, parts, steps, sizes, versions of a text
_COUNTERS = {
    "room", "rooms", "gate", "interstates", "olympic", "euro", "ftse", "dax", "nasdaq", "dow", "table", "platform", "route", "highway", "interstate", "version", "ver", "season",
    "chapter", "step", "size", "level", "page", "day", "days", "week", "weeks", "month", "months", "part", "episode",
    "ep", "volume", "vol", "no", "nr", "number", "floor", "seat", "row", "terminal", "exit", "track", "phase",
    "stage", "round", "grade", "class", "section", "unit", "apartment", "apt", "suite", "building", "bldg", "box",
    "line", "bus", "tram", "train", "flight", "order", "ticket", "item", "question", "figure", "fig", "act",
    "scene", "book", "lot", "booth", "aisle", "pier", "dock", "bay", "block", "zone", "area", "ward", "bed", "car",
    "coach", "cabin", "deck", "hole", "lane", "lap", "mile", "court", "field", "studio", "station", "stop",
    "street", "st", "avenue", "ave", "road", "rd", "top", "age", "ages", "rank", "game", "match", "tier", "plan",
    "option", "point", "points", "set", "pack", "qty", "quantity", "star", "stars", "rating", "score", "team",
    "player", "group", "module", "lesson", "period", "quarter", "batch", "rev", "revision", "release", "update",
    "patch", "build", "model", "type", "series", "pages", "verse", "psalm", "john", "number", "kids", "under",
    "over", "only", "just", "about", "around", "approx", "maybe"}
# what a number counts or measures when it follows it ("19 times", "2 hours", "10 out of")
_UNITS = {
    "time", "times", "hour", "hours", "hr", "hrs", "minute", "minutes", "min", "mins", "second", "seconds", "sec",
    "secs", "day", "days", "week", "weeks", "month", "months", "year", "years", "yr", "yrs", "star", "stars",
    "dollar", "dollars", "bucks", "euro", "euros", "pound", "pounds", "cents", "people", "persons", "guests",
    "reviews", "pm", "am", "percent", "inch", "inches", "ft", "feet", "foot", "gb", "mb", "tb", "ghz", "mhz",
    "mah", "mm", "cm", "m", "km", "kg", "g", "lbs", "lb", "oz", "ml", "l", "litre", "liter", "litres", "liters",
    "out", "of", "x", "pieces", "pcs", "pack", "packs", "items", "units", "points", "pts",
    "miles", "mile", "degrees", "calls", "emails", "orders", "replies", "tries", "attempts", "nights", "night",
    "kids", "children", "adults", "plates", "bottles", "cups", "k", "mins.", "gig", "gigs", "million", "billion",
    "thousand", "hundred", "yo", "th", "st", "nd", "rd", "metres", "meters", "index", "points", "runs",
    "wickets", "goals", "overs", "innings"}
# the words of a model name after its number ("iPhone 15 Pro", "Windows 7 Home Premium", "Canon 5D MKII")
_SUFFIXES = {
    "Pro", "Max", "Plus", "Ultra", "Mini", "Air", "Lite", "SE", "XL", "XS", "XR", "FE", "Edge", "Neo", "Note",
    "Slim", "Duo", "Fold", "Flip", "Classic", "Sport", "Home", "Starter", "Premium", "Professional", "Ultimate",
    "Enterprise", "Edition", "OLED", "MKII", "MKIII", "Mk", "II", "III", "IV", "Gen", "Turbo", "Elite", "Prime"}


# ... written in lower case by the maker too ("iPhone 13 mini") or by its owners ("Galaxy S23 ultra")
_LOWER_SUFFIXES = {"mini", "pro", "max", "ultra"}


def _suffix(word: str) -> bool:
    """A model word after a model number ("Pro", "SE", "mini")."""
    return word in _SUFFIXES or word in _LOWER_SUFFIXES


def _stop_words() -> frozenset:
    try:
        from spacy.lang.en.stop_words import STOP_WORDS
        return frozenset(STOP_WORDS)
    except ImportError:  # spaCy is a dependency; this keeps the module importable without it
        return frozenset({"the", "a", "an", "my", "i", "and", "of", "to", "in", "on", "at", "for", "with"})


_STOP = _stop_words()


@dataclass(frozen=True)
class ModelName:
    start: int
    end: int
    strong: bool  # a model number with letters ("S23", "G4"), a camel-case maker's name ("iPhone 15"), or a model
    #              word after the number ("Pro"): may replace what the typer took for a person or a place


def _is_name(word: str) -> bool:
    low = word.lower()
    if low in _STOP or low in _COUNTERS or any(part in _DATE_WORDS for part in low.split("-")):
        return False
    if _CAMEL.match(word):
        return True
    letters = word.replace("-", "")
    return len(letters) >= 2 and letters.isalpha() and word[0].isupper()


def _model_kind(word: str) -> str | None:
    """"number" (a plain number of up to 4 digits), "code" (letters and digits: "S23", "WH-1000XM4"), or None."""
    if _PURE_NUMBER.match(word):
        return "number"
    if not any(ch.isdigit() for ch in word) or not any(ch.isalpha() for ch in word) or len(word) > 20:
        return None
    if _GLUED_UNIT.match(word) or _DIMENSION.match(word) or _NOT_A_MODEL.match(word):
        return None
    return "code"


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;\n\"*-•"


def find(text: str, pos_at: Callable[[int], str | None] | None = None, limit: int | None = None) -> list[ModelName]:
    """The model names in `text` (its first `limit` characters), in order. `pos_at(offset)`: the part of speech
    of the word starting at that character (spaCy's, when the caller has parsed the text): a capitalized
    word is a name only as a noun ("Loved my iPhone 15": "Loved" is not), and a sentence opener only as a
    proper noun."""
    text = text[:limit] if limit else text
    toks = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    letters = [ch for ch in text if ch.isalpha()]
    shouting = len(letters) >= 12 and sum(ch.isupper() for ch in letters) / len(letters) > 0.6
    out: list[ModelName] = []
    i = 0
    while i < len(toks):
        j = i
        names: list[int] = []
        while j < len(toks) and _is_name(toks[j][2]) and _joined(text, toks, names, j) \
                and _noun_like(text, toks[j], pos_at, shouting):
            names.append(j)
            j += 1
        numbered = bool(names) and j < len(toks) and text[toks[j - 1][1]:toks[j][0]] == " " \
            and _model_kind(toks[j][2]) is not None
        if not numbered and len(names) >= 2 and _CAMEL.match(toks[names[0]][2]) and _suffix(toks[names[1]][2]):
            # a maker's camel-case name and a model word, no number: "iPhone SE", "iPad Air", "iPad Pro"
            out.append(ModelName(toks[names[0]][0], toks[names[1]][1], True))
            i = names[1] + 1
            continue
        if not names or j >= len(toks) or text[toks[j - 1][1]:toks[j][0]] != " ":
            i = max(j, i + 1)
            continue
        kind = _model_kind(toks[j][2])
        names = names[-4:]  # a model name has at most four names before its number
        if kind is None or not _plausible(text, toks, names, j, kind):
            i = j + 1 if kind is None else j
            continue
        end = j
        while end + 1 < len(toks) and text[toks[end][1]:toks[end + 1][0]] == " " and \
                (_suffix(toks[end + 1][2]) or _model_kind(toks[end + 1][2]) == "code"):
            end += 1
        strong = kind == "code" or _CAMEL.match(toks[names[0]][2]) is not None or end > j
        out.append(ModelName(toks[names[0]][0], toks[end][1], strong))
        i = end + 1
    return out


def _joined(text: str, toks: list, names: list[int], j: int) -> bool:
    """The j-th word continues the run of names: the first one, or one space after the last."""
    return not names or text[toks[names[-1]][1]:toks[j][0]] == " "


def _noun_like(text: str, tok: tuple, pos_at: Callable[[int], str | None] | None, shouting: bool) -> bool:
    start, _, word = tok
    if shouting and word.isupper() and word.lower() in _STOP:
        return False
    pos = pos_at(start) if pos_at else None
    if _sentence_start(text, start):
        return pos == "PROPN" if pos_at else not shouting
    return pos in (None, "PROPN", "NOUN", "X")


def _plausible(text: str, toks: list, names: list[int], j: int, kind: str) -> bool:
    """A model number, not a count, amount, date or score. A plain number ("Dell XPS 13") also needs what
    tells a product from a team, a player or a county in a table of results ("Durham 114 and 211", "b Gough
    4"): a maker's camel-case name ("iPhone 15"), a model word after it ("... 15 Pro"), an article or
    possessive before it ("my Pixel 8", "the Garmin Forerunner 255", "my 7 year old Pentium 4"), or two
    names in a text with few numbers ("runs Microsoft Office 2003")."""
    if kind == "code":
        return True
    start, end, _ = toks[j]
    after = text[end:end + 1]
    if after in ("%", ":", "$", "€", "£") or text[end:end + 2] in (".5", ",5") or after.isalpha():
        return False
    nxt = toks[j + 1][2] if j + 1 < len(toks) and text[end:toks[j + 1][0]].strip() in ("", ",") else None
    if nxt is not None and (nxt.lower() in _UNITS or _NUMERIC.match(nxt)):
        return False
    suffixed = nxt is not None and _suffix(nxt) and text[end:end + 1] == " "  # "... 8 Pro", "... 13 mini"
    k = j + 1  # a score line: "Liverpool 2 Everton 1", "San Francisco 6 NEW YORK 4" (not "Pixel 8 Pro, Android 14")
    while k < len(toks) and (toks[k][2][:1].isupper() or toks[k][2] == "of"):
        k += 1
    if k > j + 1 and k < len(toks) and _PURE_NUMBER.match(toks[k][2]) and not suffixed:
        return False
    first = names[0]
    if first > 0 and _NUMERIC.match(toks[first - 1][2]) and text[toks[first - 1][1]:toks[first][0]].strip() in ("", ","):
        return False
    if len(names) == 1 and _sentence_start(text, toks[first][0]) and not suffixed:
        return False  # "Table 7 waited", "Spent 2 hours" (but "Pixel 8 Pro, Android 14.")
    if _CAMEL.match(toks[first][2]) or suffixed:
        return True
    for k in range(first - 1, max(-1, first - 5), -1):  # an article or possessive in the four words before
        if text[toks[k][1]:toks[k + 1][0]].strip():
            break  # punctuation between: another clause
        if toks[k][2].lower() in _DETERMINERS:
            return True
    numbers = sum(1 for _, _, w in toks if _NUMERIC.match(w))
    return len(names) >= 2 and numbers <= 2
