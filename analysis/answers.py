"""Cited answers: a question about the reviews, answered from the reviews, with the sentences it rests on.

Three steps, as the other tasks have (prepare, run, parse):

1. **Find** the sentences that speak to the question: every review sentence is scored by TF-IDF
   (scikit-learn) against the question, the best `CANDIDATES` are read again by the sentence embedder
   (all-MiniLM-L6-v2: it finds "arrived two weeks late" for "is delivery slow?"), and the best `k` kept,
   at most two per review and no near-duplicates.
2. **Ask** the LLM to answer from those numbered excerpts only, citing them as [1], [2]. The excerpts
   are untrusted data between review delimiters (analysis.prompts), never instructions.
3. **Check** the answer: citations that name no excerpt are removed; an answer that cites none is not
   shown (the excerpts are, as "what the reviews say"); quotation marks stay only around words that
   are verbatim in a cited review, so the model can never put words in a customer's mouth; markup and
   links are removed.

The sources are always the reviews' own sentences, verbatim, with their review id.

Reviews in other languages are found by their English translation (the analysis stores one, see
analysis.translate): a source is then the review's own sentence with the translation of it beside it
(`Source.translation`, never shown as the customer's words), and the model reads the translation. A
question in another language is translated first when a model is at hand (`answer(translator=...)`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from reviewlens.model_text import strip_markup
from reviewlens.schema import Quote

from .complaints import product_masker
from .topics import split_sentences
from .translate import sentence_pairs

log = logging.getLogger(__name__)

CANDIDATES = 300          # sentences the embedder reads again after TF-IDF
PER_REVIEW = 2            # sentences one review may give
EXCERPT_CHARS = 320       # a found sentence is shown with its neighbours up to this length
DUPLICATE = 0.95          # cosine above which a sentence repeats one already taken
MIN_SIMILARITY = 0.3      # a sentence scoring less than this does not speak to the question
LEXICAL_WEIGHT = 0.3      # how much the TF-IDF match adds to the embedder's cosine
WHOLE_CHARS = 1000        # a translated review whose sentences do not pair with its translation's is shown whole, to this
ANSWER_MAX_CHARS = 1200
NOT_ANSWERED = "The reviews do not say."

_CITE_RE = re.compile(r"\[(\d{1,3})\]")
_QUOTED_RE = re.compile(r"[\"“”„«»]([^\"“”„«»]{1,400})[\"“”„«»]")


@dataclass
class Source(Quote):
    """A found sentence of one review with the sentences around it (`text`, a verbatim span of the review;
    for a review in another language, `language` and the machine `translation` of that span)."""

    score: float = 0.0
    rating: float | None = None
    product: str | None = None
    date: Any = None

    @property
    def english(self) -> str:
        """What the model and the embedder read: the translation when there is one."""
        return self.translation or self.text


@dataclass
class Answer:
    question: str
    answer: str                          # the model's words (checked), or "" when it gave no usable answer
    sources: list[Source] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)   # 1-based numbers of the sources the answer cites
    searched: int = 0                    # reviews searched
    model: str | None = None             # who wrote `answer`
    question_language: str | None = None  # the question's language when it is not English
    question_translation: str | None = None  # then the question searched for (machine translation), if any

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "question_language": self.question_language,
                "question_translation": self.question_translation,
                "answer": self.answer, "model": self.model, "cited": self.cited,
                "searched": self.searched,
                "sources": [{"n": i, "review_id": s.review_id, "text": s.text, "score": round(s.score, 3),
                             "language": s.language, "translation": s.translation,
                             "rating": s.rating, "product": s.product, "url": s.url,
                             "date": None if s.date is None or pd.isna(s.date) else str(s.date)}
                            for i, s in enumerate(self.sources, 1)]}


# ------------------------------------------------------------------------------------ 1. find
def _masked(text: str, masks: Sequence[re.Pattern]) -> str:
    for m in masks:
        text = m.sub("product", text)
    return text


@dataclass
class _Units:
    """What is searched, one entry per review sentence."""

    texts: list[str] = field(default_factory=list)     # the sentence searched (English: a translation's sentence)
    rows: list[int] = field(default_factory=list)      # the frame row it came from
    excerpts: list[tuple[int, int]] = field(default_factory=list)  # the excerpt's span in the review's own text
    translations: list[str | None] = field(default_factory=list)   # the excerpt's translation, if one was read

    def add(self, text: str, row: int, excerpt: tuple[int, int], translation: str | None = None) -> None:
        self.texts.append(text)
        self.rows.append(row)
        self.excerpts.append(excerpt)
        self.translations.append(translation)


def _neighbours(spans: Sequence[tuple[int, int]], j: int) -> tuple[int, int]:
    """The first and last sentence of sentence j's excerpt: it with the sentences around it while they fit
    in EXCERPT_CHARS, so that "Returning it." comes with the reason the customer gave just before."""
    lo, hi = j, j
    for step in (-1, 1, -2, 2):
        k = j + step
        if 0 <= k < len(spans) and (k == lo - 1 or k == hi + 1):
            a, b = min(spans[lo][0], spans[k][0]), max(spans[hi][1], spans[k][1])
            if b - a <= EXCERPT_CHARS:
                lo, hi = min(lo, k), max(hi, k)
    return lo, hi


def _whole(text: str) -> tuple[int, int]:
    """The span of a review's text without its outer spaces, cut at a word after WHOLE_CHARS."""
    a = len(text) - len(text.lstrip())
    b = len(text.rstrip())
    if b - a > WHOLE_CHARS:
        cut = text.rfind(" ", a, a + WHOLE_CHARS)
        b = cut if cut > a + WHOLE_CHARS // 2 else a + WHOLE_CHARS
    return a, b


def _sentences(df: pd.DataFrame) -> _Units:
    """Every sentence of every review, verbatim, with its excerpt (see `_neighbours`). A review with a
    translation (column `translation`) is searched in it: sentence by sentence when the translation has as
    many sentences as the review (each then shown as the review's own sentence with its translation), else
    each translated sentence stands for the whole review."""
    out = _Units()
    english = df["translation"].tolist() if "translation" in df else [None] * len(df)
    for i, text in enumerate(df["text"].fillna("").astype(str)):
        spans = split_sentences(text)
        tr = english[i] if isinstance(english[i], str) and english[i].strip() else None
        if tr is None:
            for j, (s, e) in enumerate(spans):
                if e - s >= 12:
                    lo, hi = _neighbours(spans, j)
                    out.add(text[s:e], i, (spans[lo][0], spans[hi][1]))
            continue
        pairs = sentence_pairs(text, tr)
        if pairs:
            tspans = [t for _, t in pairs]
            for j, (a, b) in enumerate(tspans):
                if b - a >= 12:
                    lo, hi = _neighbours(spans, j)
                    out.add(tr[a:b], i, (spans[lo][0], spans[hi][1]), tr[tspans[lo][0]:tspans[hi][1]])
        elif text.strip():
            whole = _whole(text)
            for a, b in split_sentences(tr):
                if b - a >= 12:
                    out.add(tr[a:b], i, whole, tr.strip())
    return out


def find_sources(question: str, df: pd.DataFrame, embedder: Any, k: int = 8) -> list[Source]:
    """The `k` review sentences that speak to `question` best (see the module's step 1)."""
    if df is None or df.empty or not question.strip():
        return []
    df = df.reset_index(drop=True)
    units = _sentences(df)
    texts, rows, excerpts = units.texts, units.rows, units.excerpts
    review_texts = df["text"].fillna("").astype(str).tolist()
    if not texts:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=1)
        m = tfidf.fit_transform(texts + [question])
        lexical = (m[:-1] @ m[-1].T).toarray().ravel()
    except ValueError:  # only stop words everywhere: no lexical signal
        lexical = np.zeros(len(texts))
    order = np.argsort(-lexical, kind="stable")[:CANDIDATES] if len(texts) > CANDIDATES else np.arange(len(texts))
    cand = [texts[i] for i in order]
    # the product's own name is in most sentences and in the question: it would rank every sentence that
    # names it above one that answers; the embedder reads "the product" instead
    masks = [m for m in map(product_masker, df["product"].dropna().unique()[:50]) if m is not None] \
        if "product" in df else []
    vecs = embedder.encode([_masked(t, masks) for t in cand] + [_masked(question, masks)])
    sims = vecs[:-1] @ vecs[-1] + LEXICAL_WEIGHT * lexical[order]  # meaning first, the question's own words too
    picked: list[int] = []
    per_review: dict[int, int] = {}
    for j in np.argsort(-sims, kind="stable"):
        if len(picked) >= k or sims[j] < MIN_SIMILARITY:
            break
        row = rows[order[j]]
        a, b = excerpts[order[j]]
        if per_review.get(row, 0) >= PER_REVIEW or any(float(vecs[j] @ vecs[p]) > DUPLICATE for p in picked) \
                or any(rows[order[p]] == row and excerpts[order[p]][0] < b and a < excerpts[order[p]][1]
                       for p in picked):  # the same words of the same review twice
            continue
        picked.append(int(j))
        per_review[row] = per_review.get(row, 0) + 1
    out = []
    for j in picked:
        r = df.iloc[rows[order[j]]]
        a, b = excerpts[order[j]]
        translation = units.translations[order[j]]
        lang = r.get("language") if translation and isinstance(r.get("language"), str) else None
        out.append(Source(review_id=str(r["id"]), text=review_texts[rows[order[j]]][a:b], score=float(sims[j]),
                          translation=translation, language=lang,
                          rating=None if pd.isna(r.get("rating")) else float(r["rating"]),
                          product=r.get("product") if isinstance(r.get("product"), str) else None,
                          url=r.get("url") if isinstance(r.get("url"), str) else None, date=r.get("date")))
    return out


# ------------------------------------------------------------------------------------ 2. ask
#: One worked example (made up, not from any store): the qwen2.5-coder 1.5B, told to reply "The reviews do not
#: say." when they do not, said so to every question on the demo shop; with this example and no such escape
#: it answered all three tried, citing the right excerpts.
_EXAMPLE_QUESTION = "Is the strap comfortable?"
_EXAMPLE_EXCERPTS = ["The strap rubs my wrist raw after an hour.", "Comfortable strap, I forget I am wearing it.",
                     "The strap broke after two weeks."]
_EXAMPLE_ANSWER = ("Opinions differ: one customer finds the strap comfortable [2], another says it rubs the wrist "
                   "[1], and one strap broke within weeks [3].")


def _question_block(question: str, excerpts: Sequence[str]) -> str:
    from .prompts import clean_review, embed_review

    blocks = "\n".join(f"[{i}] {embed_review(t, 600)}" for i, t in enumerate(excerpts, 1))
    return f"Question: {clean_review(question, 300)}\n\nExcerpts:\n{blocks}\n\nAnswer with citations."


def conversation(question: str, sources: Sequence[Source]) -> list[dict[str, str]]:
    from .prompts import conversation as chat, system_prompt

    system = system_prompt(
        "You summarize what customer reviews say about a question. You get the question and numbered review "
        "excerpts. Write two to four short sentences in your own words that answer the question from the "
        "excerpts, and end each claim with the numbers of the excerpts it rests on in square brackets, like "
        "[2] or [1][3]. Use only what the excerpts say; do not quote them.")
    example = (_question_block(_EXAMPLE_QUESTION, _EXAMPLE_EXCERPTS), _EXAMPLE_ANSWER)
    return chat(system, _question_block(question, [s.english for s in sources]), [example])


# ------------------------------------------------------------------------------------ 3. check
def _unquote_unless_verbatim(text: str, reviews: Sequence[str]) -> str:
    """Quotation marks kept only around words found verbatim (case aside) in one of `reviews`."""
    lowered = [r.lower() for r in reviews]

    def fix(m: re.Match) -> str:
        inner = m.group(1).strip()
        return m.group(0) if inner and any(inner.lower() in r for r in lowered) else inner

    return _QUOTED_RE.sub(fix, text)


# A citation stands when its excerpt is like its claim (MiniLM cosine of the claim and the excerpt's closest
# sentence at least SUPPORT_OK); else it moves to the excerpt most like the claim when that one is
# SUPPORT_MARGIN closer and at least SUPPORT_MIN, and is dropped when its own is below SUPPORT_DROP. Chosen
# on the 1.5B's answers to six questions about the demo shop (bench/bench_citations.py): the citations it
# got wrong were at 0.12-0.36 with the right excerpt 0.49-0.77; a right one at 0.41 lost to an excerpt at
# 0.80 that says the opposite ("worth the price" / "expected more at this price"), hence SUPPORT_OK
SUPPORT_OK = 0.4
SUPPORT_MIN = 0.3
SUPPORT_MARGIN = 0.15
SUPPORT_DROP = 0.15
_GROUP_RE = re.compile(r"(?:\[\d{1,3}\])+")


def _supported(s: str, sources: Sequence[Source], embedder: Any) -> str:
    """`s` (an answer with [n] citations) with each citation checked against the claim before it: the
    words since the previous citation or sentence end. A small model numbers its citations in order
    whatever the excerpts say ("poor packaging [4]" citing a happy review, when [7] is the packaging
    complaint): a citation whose excerpt does not support its claim moves to the excerpt that does, or
    is dropped when none does."""
    groups = list(_GROUP_RE.finditer(s))
    if not groups or not sources:
        return s
    sentences = [[src.english[a:b] for a, b in split_sentences(src.english)] or [src.english] for src in sources]
    flat = [t for ss in sentences for t in ss]
    owner = [i for i, ss in enumerate(sentences) for _ in ss]
    claims, start = [], 0
    for g in groups:
        head = s[start:g.start()]
        cut = max(head.rfind(". "), head.rfind("; "))
        claims.append(head[cut + 2:] if cut >= 0 else head)
        start = g.end()
    vecs = embedder.encode(flat + [c.strip(" ,.;:") or "-" for c in claims])
    sv, cv = vecs[:len(flat)], vecs[len(flat):]
    out, pos = [], 0
    for g, v in zip(groups, cv):
        sims = sv @ v
        best_of = np.full(len(sources), -1.0)
        for k, i in enumerate(owner):
            best_of[i] = max(best_of[i], float(sims[k]))
        top = int(best_of.argmax())
        keep: list[int] = []
        for m in _CITE_RE.finditer(g.group(0)):
            n = int(m.group(1))
            if not 1 <= n <= len(sources):
                continue
            own = best_of[n - 1]
            log.debug("citation [%d] of %r: %.2f; best [%d] %.2f", n, claims[len(out)][-60:], own, top + 1, best_of[top])
            if own >= SUPPORT_OK:
                pass
            elif best_of[top] >= SUPPORT_MIN and best_of[top] - own >= SUPPORT_MARGIN:
                n = top + 1
            elif own < SUPPORT_DROP:
                n = 0
            if n and n not in keep:
                keep.append(n)
        out.append(s[pos:g.start()] + "".join(f"[{n}]" for n in keep))
        pos = g.end()
    return "".join(out) + s[pos:]


def check_answer(raw: str, sources: Sequence[Source], reviews: Sequence[str] = (),
                 embedder: Any = None) -> tuple[str, list[int]]:
    """The model's answer made safe to show, and the sources it cites (1-based, in order of first citation).
    ("", []) when it cites none or says the reviews do not say. `reviews`: the cited reviews' full texts
    (a quotation is kept only when verbatim in one of them; the sources' sentences count too). With the
    `embedder`, each citation must support its claim (`_supported`)."""
    s = strip_markup(str(raw or ""))
    s = re.sub(r"[`*_#>|~{}\\$]", " ", s)
    s = "".join(ch if ch.isprintable() else " " for ch in s)
    s = " ".join(s.split())
    cited: list[int] = []

    def cite(m: re.Match) -> str:
        n = int(m.group(1))
        if 1 <= n <= len(sources):
            if n not in cited:
                cited.append(n)
            return f"[{n}]"
        return ""

    s = re.sub(r"\[(?!\d{1,3}\])[^\]]*\]", " ", s)               # other bracketed text
    if embedder is not None:
        s = _supported(s, sources, embedder)
    s = _CITE_RE.sub(cite, s)
    s = " ".join(s.split()).replace(" .", ".").replace(" ,", ",")
    if not cited or NOT_ANSWERED.lower().rstrip(".") in s.lower():
        return "", []
    s = _unquote_unless_verbatim(s, [x.text for x in sources] + list(reviews))
    if len(s) > ANSWER_MAX_CHARS:
        cut = s.rfind(". ", 0, ANSWER_MAX_CHARS)
        s = s[:cut + 1] if cut > ANSWER_MAX_CHARS // 2 else s[:ANSWER_MAX_CHARS].rstrip() + "…"
    return s, cited


#: Models too small to write an answer: on the demo shop the packaged 0.5B answered "why do people return the
#: headphones?" with "the product was even better than the photos [3]", and judged every excerpt's relevance
#: alike (yes 0.18-0.32 whatever the excerpt said). The 1.5B, a server or a model of your own writes.
TOO_SMALL_TO_WRITE = frozenset({"qwen2.5-coder-0.5b"})


def can_write(backend: Any) -> bool:
    """Whether `backend` (or analysis settings: their model and llm_url) writes answers: not None, and not
    a model in TOO_SMALL_TO_WRITE (a server always may: it names its own model)."""
    if backend is None:
        return False
    if getattr(backend, "llm_url", None):
        return True
    return (getattr(backend, "name", None) or getattr(backend, "model", None)) not in TOO_SMALL_TO_WRITE


def question_language(question: str) -> str | None:
    """The question's language when it is not English (and long enough to tell), else None (also when the
    language identifier is not installed: the question is then searched as it is, as before it existed)."""
    from .language import LanguageError, detect, needs_translation

    try:
        [lang] = detect([question])
    except LanguageError as e:
        log.warning("the question's language is not checked: %s", e)
        return None
    return lang if needs_translation(lang) else None


def answer(question: str, df: pd.DataFrame, *, embedder: Any, backend: Any = None, k: int = 8,
           translator: Any = None) -> Answer:
    """Answer `question` from the reviews in `df` (columns id, text, rating, product, url, date; with
    `language` and `translation`, reviews in other languages are searched in their translation).

    Without a `backend` that can write (`can_write`), or when its answer is unusable, the answer is empty
    and the sources speak. A question in another language is searched (and answered) in its English
    translation by `translator` (a backend; without one, as it is: the sentences searched are English)."""
    out = Answer(question=question, answer="", searched=int(len(df)) if df is not None else 0,
                 question_language=question_language(question))
    searched = question
    if out.question_language and translator is not None:
        from .translate import translate_question

        try:
            out.question_translation = translate_question(translator, question)
        except Exception as e:  # noqa: BLE001 - the question is still searched as it is
            log.warning("the question could not be translated (%s); searching it as it is", e)
        searched = out.question_translation or question
    out.sources = sources = find_sources(searched, df, embedder, k)
    if not can_write(backend) or not sources:
        return out
    try:
        [raw] = backend.generate([conversation(searched, sources)], max_new_tokens=220)
    except Exception as e:  # noqa: BLE001 - the sources still answer; say why the summary is missing
        log.warning("the model could not answer (%s); showing the review sentences only", e)
        return out
    texts = df.set_index(df["id"].astype(str))["text"].astype(str)
    reviews = [texts.get(s.review_id, "") for s in sources]
    out.answer, out.cited = check_answer(raw, sources, reviews, embedder=embedder)
    out.model = getattr(backend, "name", None) if out.answer else None
    if not out.answer:
        log.info("the model's answer cited no excerpt or said the reviews do not say: %r", raw[:300])
    return out
