"""The records that pass between stages: plain dataclasses, no behaviour beyond identity."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

SENTIMENTS = ("positive", "neutral", "negative")

_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """`text` with each lone UTF-16 surrogate replaced by U+FFFD (a site that cuts text at N UTF-16 units leaves
    half an emoji, "Great kettle \\ud83d"; such text cannot be written as UTF-8, so it could be neither hashed nor
    stored); two halves of one character, written apart, become that character."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


#: The longest review text stored: a longer one (a pasted manual, a log) is cut to this, scraped or imported, so one
#: review cannot bloat the store; the cut is flagged in its extra ("truncated_from": its length).
MAX_TEXT = 100_000


#: No review on the web is older: a date before it ("0001-01-01", "1900-01-01", a date field's empty default) is
#: a placeholder, and it stretched every all-time chart over centuries (an Excel report wrote a negative serial).
EARLIEST_REVIEW_DATE = date(1995, 1, 1)


def implausible_date(day: date | None, today: date | None = None) -> str | None:
    """Why `day` cannot be the date a review was written: "is in the future" (after tomorrow, a day of slack
    for time zones) or "is before 1995"; None when it can be (or is None). Import and scrape keep such a review
    without its date, and say so."""
    if day is None:
        return None
    today = today or date.today()
    if day > today + timedelta(days=1):
        return f"is in the future (today is {today})"
    if day < EARLIEST_REVIEW_DATE:
        return f"is before {EARLIEST_REVIEW_DATE.year} (no review on the web is that old)"
    return None


def normalize_text(text: str | None) -> str:
    """Unicode-normalized, whitespace-collapsed text used for hashing (never for display)."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFC", text).split())


def content_hash(text: str | None) -> str:
    """Hash of the review text alone: the analysis cache key (same text, same analysis)."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()[:32]


def review_identity(source: str, site_review_id: str | None, author: str | None,
                    date_: date | str | None, text: str | None) -> str:
    """Stable identity of one review.

    The site's own review id when there is one, otherwise a hash of source + author + date + text,
    so that scraping the same review twice yields the same id. A date worked out from a relative
    expression ("2 weeks ago") moves from one scrape to the next, so a Review passes None for it
    (`Review.date_relative`): the review is then identified as one without a date.
    """
    if site_review_id:
        key = f"{source}\x1fid\x1f{site_review_id}"
    else:
        d = date_.isoformat() if isinstance(date_, (date, datetime)) else (date_ or "")
        key = f"{source}\x1f{normalize_text(author).lower()}\x1f{d}\x1f{normalize_text(text)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def nth_identity(first: str, n: int) -> str:
    """The identity of the `n`-th row of a file (or review block of a page) that repeats, without a review id, the
    review of the one with identity `first` (n > 1): a survey's second "Great, 5" is another person's answer, not
    the first one again, and the same file imported again gives it the same identity, so nothing is added twice."""
    return hashlib.sha256(f"{first}\x1f{n}".encode("utf-8")).hexdigest()[:24]


def star_identity(source: str, site_review_id: str | None, author: str | None, date_: date | str | None,
                  stars: float) -> str:
    """The identity of a rating without words (a star-only review): a review's (`review_identity`: its site id, else
    source, author and day) with its stars in place of a text, never a text's (a review of these words is another).
    The same whether imported (reviewlens.records_io) or scraped (scraper.extract)."""
    return review_identity(source, site_review_id, author, date_, f"\x1fstars {stars:g}")


_TEXT_FIELDS = ("source", "text", "product", "url", "author", "title", "site_review_id", "reply", "language", "version")

#: What a page may say about a review besides the review itself: the owner's reply, helpful votes,
#: a verified purchase, the review's language, the product version it was written about. Optional, and
#: not part of a review's identity or content hash (the same review scraped before the owner replied
#: is the same review).
REPLY_FIELDS = ("reply", "reply_date", "helpful_votes", "verified", "language", "version")


@dataclass
class Review:
    """One customer review, as collected. `rating` is on a 1 to 5 scale; `date` is a calendar date."""

    source: str
    text: str
    product: str | None = None
    url: str | None = None
    author: str | None = None
    rating: float | None = None
    title: str | None = None
    date: date | None = None
    site_review_id: str | None = None
    id: str = ""
    scraped_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    reply: str | None = None            # the owner's / company's reply
    reply_date: date | None = None
    helpful_votes: int | None = None    # "12 people found this helpful"
    verified: bool | None = None        # verified purchase / verified customer
    language: str | None = None         # as the page states it ("en", "de-DE"); never guessed
    version: str | None = None          # the version reviewed, as the page or file says ("3.2.1", an app's release)
    # `date` was counted back from the day of the scrape ("2 weeks ago"): no part of the identity, and it never
    # replaces a date stored before (Store.upsert_reviews). Not stored: the scraper says it of each sighting.
    date_relative: bool = field(default=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # NUL is dropped here, where a review is made, not only where it is stored (PostgreSQL text
        # cannot hold it): the content hash and the identity must come from the text as stored, or
        # an analysis is saved under a hash no stored row has and the review is analyzed forever.
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str) and "\x00" in value:
                setattr(self, name, value := value.replace("\x00", ""))
            if isinstance(value, str) and _SURROGATE.search(value):  # half an emoji: one review never ends a run
                setattr(self, name, without_surrogates(value))
        if isinstance(self.date, datetime):
            self.date = self.date.date()
        elif isinstance(self.date, str) and self.date:
            self.date = date.fromisoformat(self.date[:10])
        if self.rating is not None:
            self.rating = float(self.rating)
        if isinstance(self.reply_date, datetime):
            self.reply_date = self.reply_date.date()
        elif isinstance(self.reply_date, str):
            self.reply_date = date.fromisoformat(self.reply_date[:10]) if self.reply_date else None
        if self.helpful_votes is not None:
            self.helpful_votes = int(self.helpful_votes)
        if self.verified is not None:
            self.verified = bool(self.verified)
        if not self.id:
            self.id = review_identity(self.source, self.site_review_id, self.author,
                                      None if self.date_relative else self.date, self.text)
        if self.scraped_at is None:
            self.scraped_at = datetime.now(timezone.utc)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["date_relative"]
        d["date"] = self.date.isoformat() if self.date else None
        d["reply_date"] = self.reply_date.isoformat() if self.reply_date else None
        d["scraped_at"] = self.scraped_at.isoformat() if self.scraped_at else None
        return d


@dataclass
class TopicMention:
    topic: str
    sentiment: str  # one of SENTIMENTS


@dataclass
class Entity:
    text: str
    type: str  # PRODUCT, ORG, PERSON, LOCATION, or a user type
    start: int
    end: int
    # what the review says of it: the sentiment of the clause that names it (analysis.entity_sentiment);
    # None in analyses made before entities-v6. Not part of an entity's identity (equality is the span).
    sentiment: str | None = field(default=None, compare=False)


@dataclass
class Analysis:
    """The analysis of one review text. Keyed by (content_hash, model, prompt_version)."""

    content_hash: str
    model: str
    prompt_version: str
    status: str = "ok"  # "ok" or "failed"
    error: str | None = None
    sentiment: str | None = None
    sentiment_score: float | None = None  # confidence of `sentiment`, 0..1
    topics: list[TopicMention] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    analyzed_at: datetime | None = None
    language: str | None = None     # detected (ISO 639-1, "de"); None: too short to tell
    translation: str | None = None  # the model's English translation, read by the English-trained parts; never
    #                                 the customer's words (shown only labelled as a machine translation)
    translated_by: str | None = None  # who made `translation` (Analyzer.translation_key): a later reading of the
    #                                   text (new labels, settings) by the same translator takes it, not a new one
    entities_by: str | None = None    # the entity finder that found `entities` (Analyzer.entities_key): a later
    #                                   reading by the same finder takes their spans (their sentiment is read again)

    def __post_init__(self) -> None:
        self.topics = [t if isinstance(t, TopicMention) else TopicMention(**t) for t in self.topics]
        self.entities = [e if isinstance(e, Entity) else Entity(**e) for e in self.entities]
        if self.analyzed_at is None:
            self.analyzed_at = datetime.now(timezone.utc)


@dataclass
class Quote:
    review_id: str
    text: str  # verbatim substring of the review text
    url: str | None = None
    language: str | None = None     # the review's language when it is not English ("de")
    translation: str | None = None  # then the model's English translation of it: never the customer's words

    def translation_note(self, max_chars: int = 200) -> str:
        """`machine translation (de): The delivery took ...`, or "" for a quote in English."""
        if not self.translation:
            return ""
        text = " ".join(self.translation.split())
        text = text if len(text) <= max_chars else text[:max_chars - 3] + "..."
        return f"machine translation ({self.language or '?'}): {text}"


FLAT_TREND_PP = 0.5  # a change in share smaller than this (percentage points) is "about the same"


def has_periods(scope: dict) -> bool:
    """Whether top complaints computed for `scope` (what `run_complaints` stores) have a period and a previous
    one to trend against: False when the reviews have no dates and all of them were counted together."""
    return bool(scope.get("since")) or not scope.get("undated")


#: A period before with fewer reviews is no base for a trend. Under 20, one review in it moves a theme's share by
#: 5 points or more (the rising alerts' default bar): a store's first 90 days against the 2 reviews before them
#: showed every complaint "▲ +22 pts (previous: 0)", and a complaint fixed months ago as rising.
MIN_PREVIOUS_REVIEWS = 20


def no_trend_reason(previous_reviews: int | None) -> str | None:
    """Why themes have no trend against a period before that held `previous_reviews` reviews ("the period before
    held 2 reviews"), or None when that period is a base for one (or its size is not known)."""
    if previous_reviews is None or previous_reviews >= MIN_PREVIOUS_REVIEWS:
        return None
    held = "no reviews" if not previous_reviews else f"{previous_reviews} review{'s' * (previous_reviews != 1)}"
    return f"the period before held {held}"


def trend_text(trend: float | None, no_trend: str | None = None) -> str:
    """A theme's trend for people: "▲ +16.4 pts", or "no comparison (the period before held 2 reviews)" when
    there is none (`no_trend`: why, as `no_trend_reason` says it)."""
    if trend is None:
        return f"no comparison ({no_trend})" if no_trend else "no comparison"
    return f"{trend_arrow(trend)} {trend:+.1f} pts"


def trend_arrow(trend: float | None) -> str:
    """▲ a larger share of reviews raise it than in the previous period, ▼ a smaller one, → about the same
    (under FLAT_TREND_PP points) or unknown. One rule for the terminal, the dashboard and the report."""
    if trend is None or abs(trend) < FLAT_TREND_PP:
        return "→"
    return "▲" if trend > 0 else "▼"


@dataclass
class ComplaintTheme:
    """A group of negative statements across reviews (or of praise: analysis.praise), ranked by how many
    reviews raise it."""

    label: str
    summary: str
    count: int
    share: float  # of reviews in the period
    previous_count: int = 0
    trend: float | None = None  # change in share against the previous period, percentage points
    topic: str | None = None
    quotes: list[Quote] = field(default_factory=list)
    review_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.quotes = [q if isinstance(q, Quote) else Quote(**q) for q in self.quotes]


LABEL_KINDS = ("sentiment", "topic")


@dataclass
class Label:
    """What the user says about one text: its sentiment, or one topic it raises (with, optionally, the
    sentiment of that topic in it). Keyed by (content_hash, kind, value); a text has at most one
    sentiment label. The text is kept, not only its hash: a label for a text not (yet) in the store is
    still a training example. `review_id` is the review it was given on, when known."""

    content_hash: str
    text: str
    kind: str  # one of LABEL_KINDS
    value: str  # a sentiment (one of SENTIMENTS) or a topic slug
    topic_sentiment: str | None = None  # topic labels only: one of SENTIMENTS, or None when not said
    review_id: str | None = None
    source: str = ""  # where it came from: "import:labels.csv", "dashboard", ...
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        # checked here so no caller (file reader, dashboard, the analysis) can store a label the
        # analysis cannot learn from
        self.text = self.text.replace("\x00", "")  # as a Review's text, before it is hashed
        if not self.content_hash:
            self.content_hash = content_hash(self.text)
        if self.kind not in LABEL_KINDS:
            raise ValueError(f"label kind {self.kind!r} is not one of {', '.join(LABEL_KINDS)}")
        if self.kind == "sentiment" and self.value not in SENTIMENTS:
            raise ValueError(f"sentiment {self.value!r} is not one of {', '.join(SENTIMENTS)}")
        if not self.value:
            raise ValueError("a topic label needs a topic")
        if self.topic_sentiment is not None and (self.kind != "topic" or self.topic_sentiment not in SENTIMENTS):
            raise ValueError(f"topic_sentiment {self.topic_sentiment!r}: only for topic labels, one of "
                             f"{', '.join(SENTIMENTS)}")
        if self.created_at is None:
            self.created_at = datetime.now(timezone.utc)


@dataclass
class PageResult:
    """What a scraper yields for each page (or each batch of a load-more / infinite-scroll page)."""

    url: str
    reviews: list[Review]
    start_url: str = ""  # the URL the user asked for, which this page continues
    next_url: str | None = None  # where a resumed run may continue; None when not resumable
    error: str | None = None
    # a page without reviews: where its reviews seem to be that extraction does not reach (an iframe, a shadow
    # root), and what to do instead; the run's message says it in place of "write a site config"
    out_of_reach: str | None = None
    strategy: str | None = None  # which extraction found the reviews (jsonld, microdata, nextdata, config)
    debug_files: list[str] = field(default_factory=list)
    skipped_ids: list[str] = field(default_factory=list)  # review blocks without a text or a rating, not stored
    # review blocks with a rating and no words (star-only reviews): stored apart (Store.upsert_star_ratings), as an
    # import stores them; {id (`star_identity`), source, product, rating, date, place, site_review_id, version} each
    star_ratings: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # single reviews kept without an impossible date or rating
    stated: int | None = None  # how many reviews the page says it has (its AggregateRating), when it says
