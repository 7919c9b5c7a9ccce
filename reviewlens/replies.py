"""Reply drafts: a first draft of the owner's answer to a review, built from what the analysis found in it.

The draft thanks the customer, names what went wrong (or well) topic by topic from a phrasebook, says
how to reach you, and signs off. It is built from the review's rating, sentiment and topics only: it
never repeats the review's words (untrusted text has no way into it), never promises a refund or a
fix, and never states a fact the analysis did not find. A person reads and edits it before sending;
the dashboard shows it beside the review, `reviewlens replies` writes drafts for many reviews.

Why not let the LLM write it: a generated reply can promise what the business does not offer or
repeat a customer's claim as fact, and the packaged 0.5B writes poorly (see analysis.answers). The
phrasebook is the user's to change: `[replies] phrases = { delivery = "..." }` in reviewlens.toml.
"""

from __future__ import annotations

import re
import math
from typing import Any, Mapping, Sequence

from .config import ReplySettings

#: What the draft says about a topic the review is negative about. Keys are taxonomy topic names (the
#: presets': products, restaurants, apps); a topic without a phrase gets GENERIC_NEGATIVE.
NEGATIVE = {
    "quality": "We're sorry the product did not hold up the way it should.",
    "delivery": "We're sorry your order took longer to reach you than it should have.",
    "price": "We hear you on the price, and we have passed your view on to the team.",
    "customer_service": "We're sorry our support did not help you as it should have.",
    "support": "We're sorry our support did not help you as it should have.",
    "usability": "We're sorry it was harder to use than it should be.",
    "performance": "We're sorry it did not perform as you expected.",
    "size_fit": "We're sorry the size was not right for you.",
    "packaging": "We're sorry about the state of the packaging.",
    "returns": "We're sorry the return or refund was not as simple as it should be.",
    "food": "We're sorry the food did not live up to what you expected.",
    "drinks": "We're sorry the drinks did not live up to what you expected.",
    "service": "We're sorry the service fell short during your visit.",
    "ambience": "We're sorry the atmosphere did not suit your visit.",
    "cleanliness": "We're sorry about the cleanliness; we take it seriously.",
    "location": "We're sorry getting to us was difficult.",
    "wait_time": "We're sorry you had to wait so long.",
    "booking": "We're sorry about the trouble with your booking.",
    "takeaway": "We're sorry your takeaway order did not arrive as it should have.",
    "bugs": "We're sorry the app let you down with errors.",
    "feature_requests": "Thank you for the suggestion; we have shared it with the product team.",
    "account": "We're sorry about the trouble with your account.",
    "pricing": "We hear you on the pricing, and we have passed your view on to the team.",
    "ads": "Thank you for the feedback on ads; we have shared it with the team.",
}
GENERIC_NEGATIVE = "Thank you for the feedback about {label}; we have shared it with the team."
POSITIVE = "We're glad you liked {what}."
MAX_TOPICS = 3

_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '.-]+[^\W\d_]+){0,2}\.?$")


def first_name(author: Any) -> str | None:
    """The first word of an author name that looks like a person's name (letters, up to three words, at
    most 30 characters), else None: "Anna K." -> "Anna"; "xX_gamer99", "Verified buyer" -> None."""
    if not isinstance(author, str):
        return None
    a = " ".join(author.split())
    if not a or len(a) > 30 or not _NAME_RE.match(a) or a.lower() in {"anonymous", "verified buyer", "customer",
                                                                       "a customer", "guest"}:
        return None
    first = a.split()[0].rstrip(".")
    return first[:1].upper() + first[1:] if len(first) >= 2 else None


def _tone(rating: float | None, sentiment: str | None) -> str:
    if rating is not None:
        return "negative" if rating <= 2 else "positive" if rating >= 4 else "mixed"
    return {"negative": "negative", "positive": "positive"}.get(sentiment or "", "mixed")


def draft_reply(*, rating: float | None, sentiment: str | None, topics: Sequence[dict], author: Any = None,
                labels: dict[str, str] | None = None, settings: ReplySettings | None = None) -> str:
    """A reply draft for one review. `topics`: the analysis's [{topic, sentiment}]; `labels`: topic ->
    display name (for topics without a phrase); nothing of the review's own text is used."""
    cfg = settings or ReplySettings()
    labels = labels or {}
    tone = _tone(rating, sentiment)
    name = first_name(author)
    neg = list(dict.fromkeys(t.get("topic") for t in topics if t.get("sentiment") == "negative" and t.get("topic")))
    pos = list(dict.fromkeys(t.get("topic") for t in topics if t.get("sentiment") == "positive" and t.get("topic")))
    neg = [t for t in neg if t != "other"][:MAX_TOPICS]
    pos = [t for t in pos if t != "other"][:2]
    lines = [f"Hi {name}," if name else "Hello,", ""]
    if tone == "positive":
        lines.append("Thank you for your kind review!")
    elif tone == "mixed":
        lines.append("Thank you for taking the time to share your experience.")
    else:
        lines.append("Thank you for telling us about your experience, and we're sorry it fell short.")
    if pos and tone != "negative":
        what = " and ".join(labels.get(t, t.replace("_", " ")).lower() for t in pos)
        lines.append(POSITIVE.format(what=f"the {what}"))
    for t in neg:
        phrase = cfg.phrases.get(t) or NEGATIVE.get(t)
        lines.append(phrase or GENERIC_NEGATIVE.format(label=labels.get(t, t.replace("_", " ")).lower()))
    if tone != "positive" or neg:
        contact = " ".join(cfg.contact.split())
        lines.append(f"Please get in touch with us at {contact} so we can look into it." if contact else
                     "Please get in touch with our support team so we can look into it.")
    else:
        lines.append("We hope to see you again soon.")
    lines += ["", "Best regards,", " ".join(cfg.signature.split()) or "The team"]
    return "\n".join([lines[0], lines[1], " ".join(lines[2:-3])] + lines[-3:])


def _value(v: Any) -> Any:
    """None for missing values (None, NaN: what a DataFrame row holds for them)."""
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def draft_for(review: Mapping[str, Any], settings: ReplySettings | None = None) -> str:
    """`draft_reply` for a review as the store's frames and pages hold it (rating, sentiment, topics, author;
    missing values as None or NaN): what `reviewlens replies` and the dashboard's explorer draft."""
    from .queries import topic_label

    topics = review.get("topics")
    topics = topics if isinstance(topics, list) else []
    rating = _value(review.get("rating"))
    sentiment = _value(review.get("sentiment"))
    return draft_reply(rating=None if rating is None else float(rating),
                       sentiment=sentiment if isinstance(sentiment, str) else None, topics=topics,
                       author=_value(review.get("author")),
                       labels={t.get("topic"): topic_label(t.get("topic")) for t in topics}, settings=settings)
