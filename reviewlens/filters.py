"""The filters every dashboard view and report follows: one selection of reviews, as plain data.

Pure data, validation and a description; no SQL. Their translation into SQL conditions lives in
`reviewlens.queries`, the read layer that applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Iterable, Mapping, Sequence

from .schema import SENTIMENTS

SENTIMENT_OPTIONS = SENTIMENTS


def previous_period(since: date, until: date) -> tuple[date, date]:
    """The period of the same length that ends the day before `since` (both ends inclusive).

    `previous_period(date(2026, 1, 11), date(2026, 1, 20)) == (date(2026, 1, 1), date(2026, 1, 10))`.
    """
    if since > until:
        raise ValueError(f"date range is empty: since {since} is after until {until}")
    days = (until - since).days + 1
    return since - timedelta(days=days), since - timedelta(days=1)


def field_filter(fields: Mapping[str, Sequence[str] | str] | Sequence[str] | None
                 ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The user's-fields part of a filter, from {name: values}, ["name=value", ...] (`--field country=DE`,
    repeatable: the values of one name are alternatives) or a filter's own ((name, values), ...); ValueError
    for an item without a name."""
    if not fields:
        return ()
    if not isinstance(fields, (str, Mapping)) and all(isinstance(x, tuple) and len(x) == 2 for x in fields):
        fields = dict(fields)  # already a filter's: ((name, values), ...)
    pairs: dict[str, set[str]] = {}
    if isinstance(fields, Mapping):
        for name, values in fields.items():
            pairs.setdefault(str(name).strip(), set()).update(str(v).strip() for v in _tuple(values))
    else:
        for item in ([fields] if isinstance(fields, str) else fields):
            name, eq, value = str(item).partition("=")
            if not eq or not name.strip():
                raise ValueError(f"not a field filter: {item!r}; give NAME=VALUE, e.g. country=DE")
            pairs.setdefault(name.strip(), set()).add(value.strip())
    if "" in pairs:
        raise ValueError("a field filter needs a field name")
    return tuple((name, tuple(sorted(v for v in values if v))) for name, values in sorted(pairs.items())
                 if any(values))


#: The words for speaking of a name (`--said`, a link's `said=`) -> the sentiment of the clause that names it.
SAID_WORDS = {"well": "positive", "badly": "negative", "positive": "positive", "negative": "negative"}


def mention_filter(names: Sequence[str] | str | None) -> tuple[str, ...]:
    """Names to filter by, spaces tidied, one of each in any case ("dhl" and "DHL" are one), sorted."""
    seen: dict[str, str] = {}
    for n in _tuple(names):
        n = " ".join(str(n).split())
        if n:
            seen.setdefault(n.casefold(), n)
    return tuple(sorted(seen.values(), key=str.casefold))


def _tuple(values: Iterable[Any] | str | None) -> tuple:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,) if values else ()
    return tuple(v for v in values if v is not None and v != "")


@dataclass(frozen=True)
class Filters:
    """One selection of reviews. Immutable and hashable, so it can key a cache.

    Empty tuples and None mean "no restriction". `review_ids` restricts to an explicit set (the
    reviews behind a complaint theme).
    """

    since: date | None = None
    until: date | None = None
    products: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()  # detected by the analysis (ISO 639-1: "de")
    versions: tuple[str, ...] = ()   # the version reviewed, as stored ("3.2.1")
    min_rating: float | None = None
    max_rating: float | None = None
    search: str | None = None
    replied: bool | None = None     # True: only reviews with the owner's reply; False: only those without
    review_ids: tuple[str, ...] | None = None
    # the user's own fields (an import's other columns: country, store, plan): ((name, (value, ...)), ...);
    # a review matches when, for every name, its value is one of those given
    fields: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # the reviews that look suspicious (reviewlens.integrity): False leaves them out, True keeps only them
    suspicious: bool | None = None
    tags: tuple[str, ...] = ()      # the team's tags (reviewlens.tags): reviews with any of them
    # names the analysis found in the text (people, companies, places, products: "DHL", "Marco", "iPhone 15
    # Pro"): reviews that mention any of them, in any case
    mentions: tuple[str, ...] = ()
    # with `mentions`: only the reviews that speak so of one of those names ("positive": well, "negative":
    # badly; what the clause that names it says, reviewlens.mentions)
    said: str | None = None

    @classmethod
    def of(cls, *, since: date | None = None, until: date | None = None,
           products: Sequence[str] | str | None = None, sources: Sequence[str] | str | None = None,
           sentiments: Sequence[str] | str | None = None, topics: Sequence[str] | str | None = None,
           languages: Sequence[str] | str | None = None, min_rating: float | None = None,
           max_rating: float | None = None, search: str | None = None, replied: bool | None = None,
           review_ids: Sequence[str] | None = None, versions: Sequence[str] | str | None = None,
           fields: Mapping[str, Sequence[str] | str] | Sequence[str] | None = None,
           suspicious: bool | None = None, tags: Sequence[str] | str | None = None,
           mentions: Sequence[str] | str | None = None, said: str | None = None) -> "Filters":
        """Build from loose arguments (lists, single strings, blanks), validating what can be wrong."""
        sents = _tuple(sentiments)
        bad = [s for s in sents if s not in SENTIMENT_OPTIONS]
        if bad:
            raise ValueError(f"unknown sentiment {bad[0]!r}; use one of {', '.join(SENTIMENT_OPTIONS)}")
        langs = tuple(sorted({str(x).strip().lower() for x in _tuple(languages)}))
        bad = [x for x in langs if not (x.isalpha() and 2 <= len(x) <= 3)]
        if bad:
            raise ValueError(f"not a language code: {bad[0]!r}; use a two-letter ISO 639-1 code such as de or fr")
        if since and until and since > until:
            raise ValueError(f"date range is empty: since {since} is after until {until}")
        if min_rating is not None and max_rating is not None and float(min_rating) > float(max_rating):
            raise ValueError(f"rating range is empty: min {min_rating} > max {max_rating}")
        search = (search or "").strip() or None
        said = SAID_WORDS.get(str(said).strip().lower(), str(said)) if said else None
        if said is not None and said not in ("positive", "negative"):
            raise ValueError(f"unknown way to speak of a name {said!r}; use well or badly")
        names = mention_filter(mentions)
        if said and not names:
            raise ValueError("speaking well or badly of a name needs the names (mentions)")
        return cls(since=since, until=until, products=tuple(sorted(_tuple(products))),
                   sources=tuple(sorted(_tuple(sources))), sentiments=tuple(sorted(sents)),
                   topics=tuple(sorted(_tuple(topics))), languages=langs,
                   versions=tuple(sorted({str(v).strip() for v in _tuple(versions)} - {""}, key=version_key)),
                   min_rating=None if min_rating is None else float(min_rating),
                   max_rating=None if max_rating is None else float(max_rating),
                   search=search, replied=None if replied is None else bool(replied),
                   review_ids=None if review_ids is None else tuple(review_ids), fields=field_filter(fields),
                   suspicious=None if suspicious is None else bool(suspicious),
                   tags=tuple(sorted({" ".join(str(t).split()) for t in _tuple(tags)} - {""})),
                   mentions=names, said=said)

    @property
    def needs_analysis(self) -> bool:
        return bool(self.sentiments or self.languages)

    def previous_period(self) -> "Filters | None":
        """The same filters over the period of the same length just before; None without a date range."""
        if not (self.since and self.until):
            return None
        since, until = previous_period(self.since, self.until)
        return replace(self, since=since, until=until)

    def describe(self) -> str:
        """A one-line human description, for report headers and captions."""
        parts = []
        if self.since or self.until:
            parts.append(f"{self.since or '…'} to {self.until or '…'}")
        for label, vals in (("sources", self.sources), ("products", self.products),
                            ("sentiment", self.sentiments), ("topics", self.topics),
                            ("languages", self.languages), ("versions", self.versions), ("tags", self.tags),
                            ("speaking well of" if self.said == "positive" else "speaking badly of"
                             if self.said == "negative" else "mentioning", self.mentions),
                            *self.fields):
            if vals:
                parts.append(f"{label}: {', '.join(vals)}")
        if self.min_rating is not None or self.max_rating is not None:
            parts.append(f"rating {self.min_rating or 1:g}–{self.max_rating or 5:g}")
        if self.search:
            parts.append(f"text contains “{self.search}”")
        if self.replied is not None:
            parts.append("with the owner's reply" if self.replied else "without the owner's reply")
        if self.review_ids is not None:
            parts.append(f"{len(self.review_ids)} selected reviews")
        if self.suspicious is not None:
            parts.append("only the suspicious reviews" if self.suspicious else "suspicious reviews left out")
        return "; ".join(parts) or "all reviews"


_VERSION_PART = re.compile(r"(\d+)|([^\d.\-_ ]+)")


def version_key(version: str) -> tuple:
    """Sorts versions as people read them: 3.9 < 3.10 < 3.10.1, 2.0-beta < 2.0 (a pre-release word before
    the release it names), "v2" as 2; anything else after the numbers, alphabetically."""
    parts = []
    for num, word in _VERSION_PART.findall(str(version).lower().lstrip("v")):
        parts.append((1, int(num), "") if num else (0, 0, word))
    return (*parts, (0.5, 0, ""))  # a release sorts after its own pre-releases ("2.0" > "2.0-beta")


#: English names of the languages reviews are most often written in (ISO 639-1); others show their code.
LANGUAGE_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish",
    "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "nl": "Dutch",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian",
    "vi": "Vietnamese", "zh": "Chinese",
}


def language_name(code: str | None) -> str:
    """"German (de)" for "de"; the code alone for a language not in LANGUAGE_NAMES; "unknown" for None."""
    if not code:
        return "unknown"
    name = LANGUAGE_NAMES.get(code)
    return f"{name} ({code})" if name else code
