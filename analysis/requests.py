"""What customers ask for: the wishes and requests in reviews ("I wish it had a backlit keyboard", "please
add dark mode", "it would be nice if it synced with Google Calendar") grouped into ranked, named themes.

A request is found by how it is said, in any review whatever its rating (a five-star review asks for as
much as a one-star one): a wish about the product ("I wish it had", "if only it"), a plea ("please add",
"bring back"), a conditional ("it would be nice if", "would love to see"), what it should have ("it
should come with", "they need to add", "it could use a"), an option asked for ("an option to") and "why
can't it ...?". What sounds like one and is not is left out: regrets ("I wish I had bought the other
one", "I should have returned it"), what the product should have done ("it should have worked"), good
wishes ("wish them luck") and advice to other buyers ("if you need a laptop"). A sentence that asks for
one thing and says another yields its asking clause, verbatim. Reviews in other languages are read in
their English translation and quoted in their own words.

From there the theme finder is the complaints' own (analysis.complaints.find_complaints with
kind=REQUESTS): the same clustering, counts of distinct reviews, trend, verbatim quotes, names from the
LLM or from the key words.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from reviewlens.schema import ComplaintTheme

from .complaints import (
    GENERIC_STATEMENTS,
    WORD_RE,
    Statement,
    ThemeKind,
    find_complaints,
    sentence_statements,
    topic_list,
)
from .topics import split_clauses

_THING = r"(?:it|they|there|the\s+\w+|this(?:\s+\w+)?|that|you|he|she|we|its\s+\w+|[A-Z]\w+)"
_PAST_PARTICIPLE = (r"(?:been|done|known|gone|seen|made|taken|given|told|kept|sent|bought|returned|checked|called|"
                    r"read|paid|went|had|got|gotten|thought|listened|asked|ordered|stayed|left|tried|\w+ed)\b")

#: What asks for something (case-insensitive; each is checked against `_NOT_ASKING` around it).
_ASKING = [re.compile(p, re.I) for p in (
    r"\bwish(?:es|ed)?\s+(?:that\s+)?" + _THING + r"\b",               # I wish it had / I wish they would / wish there was
    r"\bwish(?:es)?\s+(?:it|they)\b",
    r"\bif\s+only\s+(?!for\b)" + _THING + r"\b",                       # if only it had (not "if only for the beer")
    r"\bplease\s+(?:add|make|bring(?:\s+back)?|include|allow|let\s+(?:us|me)|give\s+(?:us|me)|consider|offer|"
    r"support|put|fix|update|change|improve|restore|release|enable|provide|produce|sell|stock|introduce|design|"
    r"create|expand|extend)\b",
    r"^\s*(?:please\s+)?(?:bring\s+back|add\s+(?:an?|the|more|some|support|dark)|give\s+us|let\s+us)\b",
    r"\bwould\s+be\s+(?:so\s+|really\s+|very\s+|even\s+|much\s+)?(?:nice|great|better|good|helpful|awesome|useful|"
    r"cool|ideal|perfect|handy|lovely|amazing|wonderful)\s+(?:if|to\s+(?:have|see|get|be\s+able)|addition)\b",
    r"\bwould\s+(?:really\s+)?(?:love|like|appreciate)\s+(?:to\s+see|to\s+have|it\s+if|if|an?|"
    r"the\s+(?:option|ability)|more|some|support)\b",
    r"\b(?:should|ought\s+to)\s+(?:add|include|offer|come\s+with|allow|support|bring|consider|make\s+(?:it|a|an|the)|"
    r"let|provide|be\s+able\s+to|be\s+(?:an?\s+)?(?:option|way|setting|button|choice)|have\s+(?:an?|more|some|the\s+option|better|two|bigger|larger|longer|an\s+option))\b",
    r"\b(?:needs?|need\s+to|needs\s+to)\s+(?:add|include|offer|come\s+with|allow|support|bring\s+back|provide|"
    r"have\s+(?:an?|more|some|better))\b",
    r"\bcould\s+(?:really\s+)?(?:use|do\s+with)\s+(?:an?|more|some|better|bigger|larger|longer|another)\b",
    r"\b(?:an?|the)\s+(?:option|setting|way|ability|button|feature)\s+to\b.*\b(?:would|should|(?<!the\s)need|wish|want|"
    r"please|missing|lacks?|no)\b",
    r"\b(?:want|need|missing|lacks?|no)\b.*\b(?:an?|the)\s+(?:option|setting|ability|button|feature)\s+to\b",
    r"\bwhy\s+(?:can'?t|cannot|can\s+not|doesn'?t|does\s+not|isn'?t|is\s+there\s+no|won'?t)\s+(?:i|we|it|you|"
    r"there|the\s+\w+)\b",
    r"\bhop(?:e|ing)\s+(?:that\s+)?(?:they|you|the\s+\w+|future|the\s+next|a\s+future)\b.*\b(?:add|will|fix|bring|"
    r"make|release|update|improve|include|offer|get)\b",
    r"\bfeature\s+request\b",
    # as app reviews ask
    r"\b(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:add|make|bring|include|allow|let|give|fix|consider|"
    r"support|put|offer|create|implement|update|provide|propose|produce|sell|stock|introduce|design|release)\b",
    r"(?:\bwould|['’]d)\s+(?:really\s+)?(?:love|like|appreciate)\s+(?:to\s+see|to\s+have|to\s+be\s+able|it\s+if|if|"
    r"an?\b|the\s+(?:option|ability)|more|some|support)",
    r"^\s*(?:it\s+|this(?:\s+app)?\s+|the\s+app\s+)?(?:really\s+)?needs\s+(?:an?\s+|more\s+|some\s+|better\s+)?"
    r"(?!to\b)\w+",
    r"\bwe\s+(?:really\s+)?need\s+(?:an?|more|some|better)\b",
    r"\bhopefully\s+(?:they|you|the\s+\w+|a\s+future|the\s+next)\b.*\b(?:add|will|fix|bring|make|release|update|"
    r"improve|include|offer)\b",
    r"^\s*(?:suggestion|feature\s+request|request|wish\s*list)\s*:",
    r"\bit\s+would\s+(?:really\s+|so\s+)?help\s+(?:if|to)\b",
    r"(?:^|[.!]\s+|please\s+)(?:make\s+it\s+possible|allow\s+(?:us|me|users)|let\s+(?:us|me|users))\s+to\b",
    r"\b(?:any|is\s+there\s+a(?:ny)?)\s+chance\s+(?:of|to|for|that|you|they)\b",
    r"\bwill\s+there\s+(?:ever\s+)?be\s+(?:an?|more|some)\b",
    r"^\s*please[,!]?\s+(?:more|an?|some|bring|add)\b",
    r"\bonly\s+thing\s+(?:that\s+is\s+|it\s+is\s+|it['’]?s\s+|i['’]?m\s+)?missing\b",
    # as app-store reviews ask: "Dark mode please, my eyes hurt", "I wish I could export my runs as GPX",
    # "A home screen widget would be great.", "An Apple Watch app would make this perfect."
    r"^\s*(?:an?\s+|more\s+|some\s+)?(?!i\b|it\b|this\b|that\b|thank|thanks\b|help\b|stop\b|fix\b)[a-z][\w-]*"
    r"(?:\s+[\w-]+){0,3}\s+(?<!\bto\s)please\b(?!\s+(?:add|make|bring|include|allow|let|give))",
    r"\bwish\s+(?:i|we)\s+could\s+(?!have\b|give|rate|return|get\s+(?:my|a|our)\s+(?:money|refund)|say|recommend|"
    r"like|love|undo|go\s+back|take\s+(?:it|back)|unsee|leave|use\s+it)\w+",
    r"^\s*(?:an?|some|more)\s+[\w\s-]{2,40}?\s+would\s+be\s+(?:an?\s+)?(?:so\s+|really\s+|very\s+)?(?:nice|great|"
    r"helpful|awesome|useful|cool|ideal|perfect|handy|lovely|amazing|wonderful|welcome|good)\b",
    r"\bwould\s+make\s+(?:it|this(?:\s+app)?|the\s+app)\s+(?:just\s+|absolutely\s+)?(?:perfect|complete|ideal|"
    r"even\s+better|a\s+(?:5|five)[\s-]star)",
)]

#: What sounds like a request and is not (checked on the clause that matched).
_NOT_ASKING = [re.compile(p, re.I) for p in (
    r"\bwish(?:ed)?\s+(?:that\s+)?(?:i|we)\s*(?:'d|had|would\s+have|could\s+have|hadn'?t|knew|did|didn'?t|"
    r"bought|read|went|ordered|got|never|have|were|was|had\s+known)\b",  # regret: I wish I had bought
    r"\bwish(?:ed)?\s+(?:that\s+)?(?:i|we)\s+could\s+(?:have|give|rate|return|get\s+(?:my|a|our)\s+(?:money|refund)|"
    r"say|recommend|like|love|undo|go\s+back|take\s+(?:it|back)|unsee|leave|use\s+it)\b",  # I wish I could give 0 stars
    r"\bwish(?:ed)?\s+(?:him|her|them|you|us|everyone)\s+(?:luck|well|the\s+best|all)\b",   # good wishes
    r"\b(?:should|could|would)\s+have\s+" + _PAST_PARTICIPLE,          # what should have happened
    r"\bif\s+(?:only\s+)?(?:you|u)(?:['’]d|\s+would)?\s+(?:really\s+)?(?:need|want|like|are\s+looking|have\s+to)\b",
    # ... advice to other buyers ("if you'd like a light meal, ...")
    r"\bneeds?\s+(?:constant|frequent|regular|repeated|another)\s+(?:repair|fixing|reset|restart|charging|replac)",
    # ... what it needs because it is broken
    r"\b(?:i|we)\s+(?:really\s+)?(?:need|needed)\s+to\b",               # the customer's own need
    r"\bwish\s+list\b",
)]

_LEADING = re.compile(r"^(?:but|and|though|although|however|yet|plus|only)\b[\s,]*", re.I)  # a clause's joining word

#: Requests that name nothing: dropped before clustering.
GENERIC_REQUESTS = ("Please fix it.", "Please fix this.", "Please improve.", "I wish it was better.",
                    "Hope they fix it.", "Please do something about it.", "Fix it please.",
                    "I wish it worked.", "Please update.", "Make it better.", "Please help.")


def is_request(text: str) -> bool:
    """Whether `text` (a sentence or clause, in English) asks for something."""
    if len(WORD_RE.findall(text)) < 3:
        return False
    return any(p.search(text) for p in _ASKING) and not any(p.search(text) for p in _NOT_ASKING)


def request_parts(sent: str) -> list[str]:
    """The requests in one sentence (verbatim): its asking clauses when it has several ("Love the screen, but
    I wish it had a backlit keyboard" -> "I wish it had a backlit keyboard"), the sentence when it asks as a
    whole, else nothing."""
    if not is_request(sent):
        return []
    spans = split_clauses(sent)
    if len(spans) > 1:
        parts = [_LEADING.sub("", sent[a:b]) for a, b in spans if is_request(sent[a:b])]
        if parts:
            return parts
    return [sent]


def _review_signals(row: dict) -> tuple[bool, bool, list[str]]:
    """Every review with a text is in scope (a request is found by how it is said); its topics of any
    sentiment are the request's topics."""
    topics = [str(t.get("topic")) for t in topic_list(row.get("topics")) if t.get("topic")]
    return True, True, topics


def request_statements(df: pd.DataFrame | None) -> list[Statement]:
    """The requests of a reviews frame (Store.reviews_frame columns), each one verbatim."""
    return sentence_statements(df, _review_signals, request_parts, lambda part, clearly: 1.0)


REQUESTS = ThemeKind(
    name="requests", statements=request_statements, generic=GENERIC_REQUESTS + GENERIC_STATEMENTS,
    noun="request", heading="Requests", names_what="saying what customers ask for", verb="ask for",
    describe="what is asked for", example=(["I wish it had a backlit keyboard.",
                                            "Please add keyboard backlighting, typing at night is hard."],
                                           '{"label": "Backlit keyboard", "summary": "Customers ask for a '
                                           'keyboard that lights up for typing in the dark."}'),
    summary_example=("Request: Customers ask for a keyboard that lights up for typing in the dark.\nName:",
                     "Backlit keyboard"),
    fallback_summary="{reviews} ask{s} about {topic}, mentioning {what}.",
    fallback_summary_untopical="{reviews} ask{s} for something, mentioning {what}.")


def find_requests(current: pd.DataFrame, previous: pd.DataFrame | None, **kw: Any) -> list[ComplaintTheme]:
    """The top request themes of `current` (what customers ask for), with counts, shares, trend against
    `previous` and verbatim quotes; the keyword arguments are find_complaints' (top, backend, embedder,
    taxonomy, sharp, known)."""
    return find_complaints(current, previous, kind=REQUESTS, **kw)
