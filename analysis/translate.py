"""Reviews in other languages, read in English: the LLM translates them, and the English-trained parts
(the sentiment heads, the topic detectors, the complaint themes) read the translation.

Measured on 120 short reviews in six languages (bench/bench_languages.py, bench/RESULTS.md): analyzed as
they are, 59% of sentiments and a topic micro-F1 of 0.28 (the heads and MiniLM were trained on English);
read in the packaged 0.5B's translation, 90% and 0.79 (the 1.5B's: 93% and 0.81), and about 0.3 s a review
more on 2 CPU cores (0.4 s in fp32).

A translation is the model's, never the customer's words: it is stored beside the analysis, shown only
labelled as a machine translation, and quotes always come from the review itself.

One task, three steps (as every analysis task): `conversations` (prepare), `translate` (one batched
generate per length bucket), `parse` (the reply cleaned, or None when unusable: the text is then analyzed
as it is).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from analysis.prompts import clean_review, review_conversations, system_prompt

PROMPT_VERSION = "translate-v2"  # v2: two examples; entities from the translation

SYSTEM = system_prompt(
    "You translate customer reviews into plain English. Reply with the English translation only: keep the "
    "meaning, the tone and every complaint and praise; add nothing, explain nothing.")
INSTRUCTION = "The review in English:"
# Two short examples of different languages and content. Measured on the 120 reviews (bf16, the 0.5B;
# bench/RESULTS.md): one about a late delivery leaked into 19 translations ("Nach zwei Tagen ist der Griff
# abgebrochen" became "The delivery was two days late ..."): 86.7% sentiment, topic F1 0.756; without an
# example the model repeated the system prompt: 79.2%, 0.562; these two: 90.0%, 0.783.
EXAMPLES = [
    ("Ich habe es gestern bekommen und noch nicht ausprobiert.", "I got it yesterday and have not tried it yet."),
    ("Muy bonito, pero el tamaño es demasiado grande.", "Very nice, but the size is too big."),
]
# A question (`reviewlens ask` in another language) has its own prompt: with the review prompt the 0.5B
# turned questions into statements ("Kann ich es zurückgeben ...?" -> "I can return it and get my money
# back.") and missed more ("Passt die Größe?" -> "Does the size?"); measured on 17 questions in six
# languages and by `ask` precision in bench/bench_languages.py
QUESTION_SYSTEM = system_prompt(
    "You translate a question about customer reviews into plain English. Reply with the English question "
    "only: keep its meaning; add nothing, answer nothing.")
QUESTION_INSTRUCTION = "The question in English:"
QUESTION_EXAMPLES = [("Wie lange hält der Akku?", "How long does the battery last?"),
                     ("¿Es fácil de montar?", "Is it easy to assemble?")]
QUESTION_MAX_CHARS = 300
# Phrases of our own prompt: a reply that repeats one (and the review does not) is no translation
_PROMPT_PHRASES = ("untrusted data", "written by a stranger", "reply with the english translation",
                   "the review in english", "reply with the english question", "the question in english")
# reply length: about a token per 3 characters of the source, with room; never more than this
MAX_NEW_TOKENS = 384
# the most of a review that is translated (the analysis passes it): a longer one's start (2/3) and end (1/3),
# as analysis.prompts.truncate_middle cuts it; it bounds a translation's cost (a 50,000-character spam review
# read as Indonesian took 5 minutes at 2,000 characters on 2 CPU cores)
MAX_SOURCE_CHARS = 1000
_PREFIX_RE = re.compile(r"^\s*(?:\*\*)?(?:english(?: translation)?|translation|the (?:review|question) in english)"
                        r"\s*:?\s*(?:\*\*)?\s*",
                        re.IGNORECASE)


def conversations(texts: Sequence[str], max_chars: int) -> list[list[dict[str, str]]]:
    """One chat per text: the task, a one-shot example, the review between its delimiters."""
    return review_conversations(SYSTEM, texts, instruction=INSTRUCTION, examples=EXAMPLES, max_chars=max_chars)


def parse(reply: str, source: str) -> str | None:
    """The translation in `reply`, or None when there is none to use (empty, the source echoed back in full,
    or far longer than the source could say)."""
    text = _PREFIX_RE.sub("", reply or "").strip()
    for a, b in ('""', "“”", "''", "«»"):
        if len(text) > 1 and text[0] == a and text[-1] == b:
            text = text[1:-1].strip()
    text = " ".join(text.replace("<review>", " ").replace("</review>", " ").split())
    if not text or len(text) > 3 * len(source) + 80:
        return None
    low, src = text.casefold(), source.casefold()
    if any(p in low and p not in src for p in _PROMPT_PHRASES):
        return None  # the model repeated its instructions
    if text.casefold() == " ".join(source.split()).casefold() and len(source) > 40:
        return None  # nothing translated (the model copied it): the original is analyzed as it is
    return text


def translate(backend: Any, texts: Sequence[str], *, max_chars: int = 2000, batch: int = 16) -> list[str | None]:
    """The English translation of each text (None where unusable), in order. Texts of similar length share
    a batch, so a short review does not wait on a long one's tokens."""
    out: list[str | None] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for k in range(0, len(order), max(1, batch)):
        idx = order[k:k + max(1, batch)]
        src = [clean_review(texts[i], max_chars) for i in idx]
        budget = min(MAX_NEW_TOKENS, 24 + max(len(s) for s in src) // 2)
        replies = backend.generate(conversations([texts[i] for i in idx], max_chars), max_new_tokens=budget)
        for i, s, r in zip(idx, src, replies):
            out[i] = parse(r, s)
    return out


def translate_question(backend: Any, question: str) -> str | None:
    """The English translation of a question about the reviews (None where unusable), with the question
    prompt (see QUESTION_SYSTEM)."""
    src = clean_review(question, QUESTION_MAX_CHARS)
    [reply] = backend.generate(review_conversations(QUESTION_SYSTEM, [question], instruction=QUESTION_INSTRUCTION,
                                                    examples=QUESTION_EXAMPLES, max_chars=QUESTION_MAX_CHARS),
                               max_new_tokens=24 + len(src) // 2)
    return parse(reply, src)


def sentence_pairs(text: str, english: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """A review's sentences paired one to one with its translation's, as (span in `text`, span in
    `english`), when both have as many sentences (more than one); else [] (the whole review goes with the
    whole translation). What quotes a translated review in its own words, sentence by sentence."""
    from .topics import split_sentences

    spans, tspans = split_sentences(text), split_sentences(english)
    return list(zip(spans, tspans)) if len(spans) == len(tspans) > 1 else []


#: Words that begin a contrasting clause ("Sehr bequem, aber die Lieferung ..."), in the languages reviews are
#: most often in: a sentence is cut before them as its translation is cut before "but", "however" ...
#: (analysis.topics.split_clauses), so each clause can be quoted with its own translation. A short list per
#: language, not one for all: Italian "ma" (but) is French "ma" (my).
_CONTRAST_WORDS = {
    "de": "aber|jedoch|allerdings|obwohl|obgleich|trotzdem",
    "fr": "mais|cependant|pourtant|toutefois|bien\\s+que|sauf\\s+que|par\\s+contre|en\\s+revanche",
    "es": "pero|sin\\s+embargo|aunque|aun\\s+así|excepto|salvo",
    "it": "ma|però|tuttavia|anche\\s+se|sebbene|eppure|tranne",
    "nl": "maar|echter|hoewel|behalve",
    "pt": "mas|porém|contudo|embora|exceto",
    "pl": "ale|jednak|chociaż|choć|lecz",
    "sv": "men|dock|även\\s+om",
    "da": "men|dog|selvom",
    "no": "men|likevel|selv\\s+om",
}
_CONTRAST_CUTS = {lang: re.compile(r"(?:[;:]\s+|,?\s+(?=(?:" + words + r"|but|however)\b)|\s+-\s+)", re.IGNORECASE)
                  for lang, words in _CONTRAST_WORDS.items()}  # (with English's: "super comfy, but the zipper broke")


def clause_pairs(sentence: str, english: str, language: str | None) -> list[tuple[str, str]]:
    """A sentence's clauses paired one to one with its translation's, as (clause, translated clause), when the
    sentence is cut before contrast words of its `language` into as many clauses (more than one) as its
    translation is cut before English ones; else [] (the sentence goes with the whole translation). What
    quotes the praising half of "Sehr bequem, aber die Lieferung hat über zwei Wochen gedauert." on its own."""
    from .topics import split_clauses

    cut = _CONTRAST_CUTS.get((language or "").split("-")[0].lower())
    if cut is None:
        return []
    own, theirs = _clauses(sentence, cut), [english[a:b] for a, b in split_clauses(english)]
    return list(zip(own, theirs)) if len(own) == len(theirs) > 1 else []


def _clauses(sentence: str, cut: re.Pattern) -> list[str]:
    """A sentence's clauses (verbatim), cut where `cut` matches as analysis.topics.split_clauses cuts English:
    not within the first 8 characters of a clause, and without the punctuation at their ends."""
    out, pos = [], 0
    for m in cut.finditer(sentence):
        if m.start() - pos >= 8:
            out.append(sentence[pos:m.start()])
            pos = m.end()
    out.append(sentence[pos:])
    return [c.strip(" \t\n,;:-") for c in out if any(ch.isalnum() for ch in c)]
