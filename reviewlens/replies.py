"""Reply drafts: a first draft of the owner's answer to a review, built from what the analysis found in it.

The draft thanks the customer, passes their kind words on to the staff the review praises by name ("We will
pass your kind words on to Marco": the people whose clause is positive, analysis.entity_sentiment; never one
it speaks badly of), names what went wrong (or well) topic by topic from a phrasebook, says how to reach you,
and signs off. It is built from the review's rating, sentiment, topics and praised names only: it never
repeats the review's words (untrusted text has no way into it but a name that looks like one), never promises a refund or a
fix, and never states a fact the analysis did not find. A person reads and edits it before sending;
the dashboard shows it beside the review, `reviewlens replies` writes drafts for many reviews.

Why not let the LLM write it: a generated reply can promise what the business does not offer or
repeat a customer's claim as fact, and the packaged 0.5B writes poorly (see analysis.answers). The
phrasebook is the user's to change: `[replies] phrases = { delivery = "..." }` in reviewlens.toml.

A review is answered in its own language (the analysis's detected one, else the page's) when there is
a phrasebook for it (reviewlens.reply_phrases: English, German, French, Spanish, Italian, Dutch,
Portuguese), else in English; `[replies] language = "en"` answers every review in one language.
"""

from __future__ import annotations

import re
import math
from typing import Any, Mapping, Sequence

from .config import ReplySettings
from .privacy import is_pseudonym
from .reply_phrases import ENGLISH, PHRASEBOOKS, Phrasebook

#: The English phrasebook's sentences (reviewlens.reply_phrases holds every language's): what the draft says
#: about a topic the review is negative about (keys are the presets' topic names); a topic without a
#: phrase gets GENERIC_NEGATIVE.
NEGATIVE = ENGLISH.negative
GENERIC_NEGATIVE = ENGLISH.generic_negative
POSITIVE = ENGLISH.liked
MAX_TOPICS = 3

_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '.-]+[^\W\d_]+){0,2}\.?$")


def first_name(author: Any) -> str | None:
    """The first word of an author name that looks like a person's name (letters, up to three words, at
    most 30 characters), else None: "Anna K." -> "Anna"; "xX_gamer99", "Verified buyer" -> None."""
    if not isinstance(author, str) or is_pseudonym(author):  # "Reviewer Q." is no one to greet
        return None
    a = " ".join(author.split())
    if not a or len(a) > 30 or not _NAME_RE.match(a) or a.lower() in {"anonymous", "verified buyer", "customer",
                                                                       "a customer", "guest"}:
        return None
    first = a.split()[0].rstrip(".")
    return first[:1].upper() + first[1:] if len(first) >= 2 else None


MAX_STAFF = 2  # people a draft thanks by name


def person_name(text: Any) -> str | None:
    """A name the analysis found in a review, as a draft may write it: letters (with ' . -), one to three
    words, at most 30 characters, not a pseudonym ("Marco", "Lisa Brandt", "Dr. Patel"); else None. It is the
    only thing of the review's own text a draft holds, so nothing else (a link, markup, a formula) gets in."""
    if not isinstance(text, str) or is_pseudonym(text):
        return None
    name = " ".join(text.split())
    return name if name and len(name) <= 30 and _NAME_RE.match(name) and name[0].isupper() else None


def praised_people(entities: Any) -> list[str]:
    """The people a review speaks well of (its PERSON entities whose clause is positive), as `person_name`
    writes them, each once, at most MAX_STAFF."""
    out: dict[str, str] = {}
    for e in entities if isinstance(entities, list) else []:
        if isinstance(e, Mapping) and e.get("type") == "PERSON" and e.get("sentiment") == "positive":
            name = person_name(e.get("text"))
            if name:
                out.setdefault(name.casefold(), name)
    return list(out.values())[:MAX_STAFF]


def _tone(rating: float | None, sentiment: str | None) -> str:
    if rating is not None:
        return "negative" if rating <= 2 else "positive" if rating >= 4 else "mixed"
    return {"negative": "negative", "positive": "positive"}.get(sentiment or "", "mixed")


def reply_language(review_language: Any, settings: ReplySettings | None = None) -> str:
    """The language a draft is written in: `[replies] language` when it names one, else the review's own
    language (an ISO 639-1 code or a tag such as "de-DE") when there is a phrasebook for it, else English."""
    want = ((settings or ReplySettings()).language or "auto").strip().lower()
    if want != "auto":
        return want if want in PHRASEBOOKS else ENGLISH.language
    code = review_language.strip().replace("_", "-").split("-")[0].lower() if isinstance(review_language, str) else ""
    return code if code in PHRASEBOOKS else ENGLISH.language


#: Topics whose name cannot follow "We're glad you liked the ...": a review happy about them is happy there were
#: none ("no bugs, no ads"): "We're glad you liked the bugs." was drafted for three app reviews.
NOT_LIKED = frozenset({"bugs", "ads", "feature_requests", "wait_time", "returns", "account", "noise"})


def _topic_sentence(topic: str, book: Phrasebook, cfg: ReplySettings, labels: dict[str, str]) -> str:
    """What the draft says about a topic the review is unhappy about: the user's phrase in the draft's
    language, else the phrasebook's, else its generic sentence (with the topic's name in English only)."""
    own = cfg.phrases if book is ENGLISH else cfg.localized_phrases.get(book.language, {})
    phrase = own.get(topic) or book.negative.get(topic)
    return phrase or book.generic_negative.format(label=labels.get(topic, topic.replace("_", " ")).lower())


def draft_reply(*, rating: float | None, sentiment: str | None, topics: Sequence[dict], author: Any = None,
                labels: dict[str, str] | None = None, settings: ReplySettings | None = None,
                language: str = "en", praised: Sequence[str] = ()) -> str:
    """A reply draft for one review. `topics`: the analysis's [{topic, sentiment}]; `labels`: topic ->
    display name (for topics without a phrase); `language`: a key of PHRASEBOOKS (see `reply_language`);
    `praised`: the people the review speaks well of (`praised_people`), thanked by name. Nothing else of the
    review's own text is used; a person it speaks badly of is never named."""
    cfg = settings or ReplySettings()
    book = PHRASEBOOKS.get(language, ENGLISH)
    labels = labels or {}
    tone = _tone(rating, sentiment)
    name = first_name(author)
    neg = list(dict.fromkeys(t.get("topic") for t in topics if t.get("sentiment") == "negative" and t.get("topic")))
    pos = list(dict.fromkeys(t.get("topic") for t in topics if t.get("sentiment") == "positive" and t.get("topic")))
    neg = [t for t in neg if t != "other"][:MAX_TOPICS]
    pos = [t for t in pos if t != "other" and t not in NOT_LIKED][:2]
    lines = [book.hello_name.format(name=name) if name else book.hello, ""]
    lines.append({"positive": book.thanks_positive, "mixed": book.thanks_mixed}.get(tone, book.thanks_negative))
    if pos and tone != "negative":
        what = " and ".join(labels.get(t, t.replace("_", " ")).lower() for t in pos)
        lines.append(book.liked.format(what=f"the {what}"))
    names = [n for n in (person_name(p) for p in praised) if n][:MAX_STAFF]
    if names:
        joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {book.and_word} {names[-1]}"
        lines.append(book.staff_thanks.format(names=joined))
    for t in neg:
        lines.append(_topic_sentence(t, book, cfg, labels))
    if tone != "positive" or neg:
        contact = " ".join(cfg.contact.split())
        lines.append(book.contact.format(contact=contact) if contact else book.contact_support)
    else:
        lines.append(book.see_you)
    signature = " ".join(cfg.signature.split())
    if not signature or signature == ReplySettings().signature:
        signature = book.team  # the default signature, in the draft's language
    lines += ["", book.regards, signature]
    return "\n".join([lines[0], lines[1], " ".join(lines[2:-3])] + lines[-3:])


def _value(v: Any) -> Any:
    """None for missing values (None, NaN: what a DataFrame row holds for them)."""
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def draft_for(review: Mapping[str, Any], settings: ReplySettings | None = None) -> str:
    """`draft_reply` for a review as the store's frames and pages hold it (rating, sentiment, topics, entities,
    author, language; missing values as None or NaN), in its language (`reply_language`): what `reviewlens replies`
    and the dashboard's explorer draft."""
    from .queries import topic_label

    topics = review.get("topics")
    topics = topics if isinstance(topics, list) else []
    rating = _value(review.get("rating"))
    sentiment = _value(review.get("sentiment"))
    return draft_reply(rating=None if rating is None else float(rating),
                       sentiment=sentiment if isinstance(sentiment, str) else None, topics=topics,
                       author=_value(review.get("author")),
                       labels={t.get("topic"): topic_label(t.get("topic")) for t in topics}, settings=settings,
                       language=reply_language(review_of_language(review), settings),
                       praised=praised_people(review.get("entities")))


def review_of_language(review: Mapping[str, Any]) -> Any:
    """A review row's language: the analysis's detected one (`detected_language` in Store.reviews_frame),
    else `language` (the page's; the explorer's page holds the two already combined)."""
    detected = _value(review.get("detected_language"))
    return detected if isinstance(detected, str) and detected else _value(review.get("language"))
