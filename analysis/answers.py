"""Cited answers: a question about the reviews, answered from the reviews, with the sentences it rests on.

Three steps, as the other tasks have (prepare, run, parse):

1. **Find** the sentences that speak to the question: every review sentence is scored by TF-IDF
   (scikit-learn) against the question, the best `CANDIDATES` are read again by the sentence embedder
   (all-MiniLM-L6-v2: it finds "arrived two weeks late" for "is delivery slow?"), and the best `k` kept,
   at most two per review and no near-duplicates.
2. **Ask** the LLM to answer from those numbered excerpts only, citing them as [1], [2]. The excerpts
   are untrusted data between review delimiters (analysis.prompts), never instructions.
3. **Check** the answer (`check`): each claim must be said by an excerpt it cites (the sentence embedder,
   and which way the words read: "the breakfast was cold" is not said by "the breakfast was good value");
   a citation moves to the excerpt that says its claim clearly better, and a claim that no excerpt says,
   or that cites nothing, is removed and counted. An answer left citing none is not shown (the excerpts
   are, as "what the reviews say"), nor is "The reviews do not say." (the model may answer so); quotation
   marks stay only around words that are verbatim in a cited review, so the model can never put words in
   a customer's mouth; markup and links are removed.

A question about numbers (how many, the average rating) gets the store's own counts of the reviews
searched (`store_facts`), never the model's.

The sources are always the reviews' own sentences, verbatim, with their review id.

Reviews in other languages are found by their English translation (the analysis stores one, see
analysis.translate) and by their own words: a German question finds "Reißverschluss" in the German reviews
even where the small model's translation lost the word ("reiss ending"). A source is the review's own
sentence either way, with the translation of it beside it (`Source.translation`, never shown as the
customer's words), and the model reads the translation. A question in another language is translated first
when a model is at hand (`answer(translator=...)`), and searched both as asked and as translated.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from reviewlens.filters import version_key
from reviewlens.model_text import ADDRESSED_RE, strip_markup
from reviewlens.questions import NOT_ANSWERED  # the answer to a question no excerpt answers
from reviewlens.schema import Quote

from .complaints import WORD_RE, product_masker, product_words
from .topics import split_sentences
from .translate import sentence_pairs

log = logging.getLogger(__name__)

CANDIDATES = 300          # sentences the embedder reads again after TF-IDF
PER_REVIEW = 2            # sentences one review may give
EXCERPT_CHARS = 320       # a found sentence is shown with its neighbours up to this length
DUPLICATE = 0.95          # cosine above which a sentence repeats one already taken
MIN_SIMILARITY = 0.3      # a sentence scoring less than this does not speak to the question
LEXICAL_WEIGHT = 0.3      # how much the TF-IDF match adds to the embedder's cosine
INTENT_WEIGHT = 0.2       # how far a sentence's leaning (-1 to 1) moves it when a question presupposes a way
WHOLE_INTENT_WEIGHT = 1.0  # ... when it asks of the reviews as a whole ("why do people hate 4.2.0?": `search`)
WHOLE_CHARS = 1000        # a translated review whose sentences do not pair with its translation's is shown whole, to this
ANSWER_MAX_CHARS = 1200

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
    matched: int = 0                     # excerpts that speak to the question (`sources` are the first k of them)
    products: list[str] = field(default_factory=list)  # the products the question names, whose reviews were searched
    versions: list[str] = field(default_factory=list)  # the versions it asks about ("the latest update"), searched so
    dropped: int = 0                     # claims of the model's answer removed: no excerpt says them (`check`)
    not_answered: bool = False           # the model said the reviews do not say
    facts: dict[str, Any] | None = None  # the selection's numbers, for a question about numbers (`store_facts`)

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "question_language": self.question_language,
                "question_translation": self.question_translation,
                "answer": self.answer, "model": self.model, "cited": self.cited,
                "searched": self.searched, "products": self.products, "versions": self.versions,
                "matched": self.matched, "dropped": self.dropped,
                "not_answered": self.not_answered, "facts": self.facts,
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

    texts: list[str] = field(default_factory=list)     # the sentence searched: the review's, or its translation's
    rows: list[int] = field(default_factory=list)      # the frame row it came from
    excerpts: list[tuple[int, int]] = field(default_factory=list)  # the excerpt's span in the review's own text
    translations: list[str | None] = field(default_factory=list)   # the excerpt's translation, if one was read
    # the sentence is a translated review's own words (not English: the embedder reads them poorly, so they
    # count only where they share a word with the question)
    own: list[bool] = field(default_factory=list)

    def add(self, text: str, row: int, excerpt: tuple[int, int], translation: str | None = None,
            own: bool = False) -> None:
        self.texts.append(text)
        self.rows.append(row)
        self.excerpts.append(excerpt)
        self.translations.append(translation)
        self.own.append(own)


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
    translation (column `translation`) is searched in it and in its own words: sentence by sentence when the
    translation has as many sentences as the review (each then shown as the review's own sentence with its
    translation), else each sentence, translated or not, stands for the whole review. Its own sentences are
    searched too because the translation is the small model's: "Reißverschluss" came out "reiss ending", and a
    German question found 1 of the 4 German reviews that name it."""
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
            for j, ((s, e), (a, b)) in enumerate(zip(spans, tspans)):
                lo, hi = _neighbours(spans, j)
                excerpt, translated = (spans[lo][0], spans[hi][1]), tr[tspans[lo][0]:tspans[hi][1]]
                if b - a >= 12:
                    out.add(tr[a:b], i, excerpt, translated)
                if e - s >= 12:
                    out.add(text[s:e], i, excerpt, translated, own=True)
        elif text.strip():
            whole = _whole(text)
            for a, b in split_sentences(tr):
                if b - a >= 12:
                    out.add(tr[a:b], i, whole, tr.strip())
            for s, e in spans:
                if e - s >= 12 and s < whole[1]:
                    out.add(text[s:min(e, whole[1])], i, whole, tr.strip(), own=True)
    return out


_WORD_RE = re.compile(r"\w\w+")  # a word as TfidfVectorizer's default token pattern reads one


@functools.lru_cache(maxsize=64)
def _language_stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words of language `lang` (ISO 639-1; none for one spaCy does not know), single words only."""
    import spacy.util

    try:
        words = spacy.util.get_lang_class(lang).Defaults.stop_words
    except (ImportError, AttributeError, KeyError):
        return frozenset()
    return frozenset(w.lower() for w in words if _WORD_RE.fullmatch(w.lower()))


def stop_words(languages: Sequence[str]) -> list[str]:
    """English stop words and those of `languages` (the reviews read in translation): "die", "den", "über" of a
    German question would otherwise match every German sentence by its words."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = set(ENGLISH_STOP_WORDS)
    for lang in dict.fromkeys(languages):
        if isinstance(lang, str) and lang.isalpha() and lang != "en":
            words |= _language_stop_words(lang)
    return sorted(words)


# A question that presupposes which way the answer goes: "why do people return it?", "what is wrong with the
# service?" ask for complaints; "what do they love about it?" for praise. A yes/no question ("is the food bad?")
# presupposes nothing: both sides answer it.
_WH_RE = re.compile(r"^\W*(why|what|which|where|who|how come)\b", re.IGNORECASE)
_NEGATIVE_ASK_RE = re.compile(
    r"\b(return(s|ed|ing)?|send(s|ing)? (it |them )?back|complain\w*|problems?|issues?|wrong|worst|hate[sd]?|"
    r"dislike[sd]?|disappoint\w*|refunds?|broke|break(s|ing)?|broken|fail\w*|defect\w*|unhappy|annoy\w*|faults?|"
    r"flaws?|downsides?|cons|bad|negative)\b", re.IGNORECASE)
_POSITIVE_ASK_RE = re.compile(r"\b(love[sd]?|like (most|best|about)|praise[sd]?|best|favou?rite|enjoy\w*|happy|"
                              r"pros|strengths?|upsides?|positive|recommend\w*)\b", re.IGNORECASE)


def question_intent(questions: Sequence[str]) -> int:
    """-1 when a question asks why or what goes wrong, +1 when it asks what is liked, 0 otherwise (and when a
    question says both)."""
    neg = pos = False
    for q in questions:
        if _WH_RE.search(q or ""):
            neg = neg or bool(_NEGATIVE_ASK_RE.search(q))
            pos = pos or bool(_POSITIVE_ASK_RE.search(q))
    return -1 if neg and not pos else 1 if pos and not neg else 0


def _leaning(texts: Sequence[str], vecs: np.ndarray) -> np.ndarray:
    """Which way each sentence reads, from -1 (a complaint) to 1 (praise): the packaged sentiment head over the
    sentence's MiniLM vector (`vecs`) and VADER, P(positive) - P(negative); the word lists without the head."""
    from .heads import LABELS, features, sentiment_head

    head = sentiment_head()
    if head is not None:
        try:
            p = head.proba(features(list(texts), None, vecs=vecs))
            return p[:, LABELS.index("positive")] - p[:, LABELS.index("negative")]
        except Exception as e:  # noqa: BLE001 - another embedder's vectors: the word lists instead
            log.debug("sentence leaning by the word lists (%s)", e)
    return np.array([np.sign(_polarity(t)) for t in texts], dtype=float)


def _stem(word: str) -> str:
    w = word.lower()
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def named_products(questions: Sequence[str], products: Sequence[str]) -> list[str]:
    """The products of `products` that a question names by what they are (the last word of the name: "the
    headphones", "a backpack") or by their line or brand (its first: "the Aurora"), singular or plural; a
    word the names share ("Pro", "wireless" in the middle of a name) names none of them. Asked "Why do people
    return the headphones?" of a store of seven products, the excerpts came from the coffee maker and the
    running shoes too (product names are masked so that they do not outrank the answer)."""
    asked = {_stem(w) for q in questions for w in WORD_RE.findall(q or "")}
    out = []
    for p in dict.fromkeys(products):
        words = product_words(p)
        if words and {_stem(words[0]), _stem(words[-1])} & asked:
            out.append(p)
    return out


#: How a question asks about an app's newest release: "the latest update", "the new version", "this release"
LATEST_RE = re.compile(r"\b(?:latest|newest|last|most\s+recent|recent|current|new|this)\s+(?:app\s+)?"
                       r"(?:update|version|release|build)s?\b", re.IGNORECASE)
#: A version a question names: "4.2.0", "v4.2" (then every 4.2.x), "version 5" (every 5.x)
_VERSION_ASKED = re.compile(r"(?<![\w.])v?(\d+(?:\.\d+){1,3})(?![\w.]*\d)|\bversion\s+v?(\d+)\b(?!\.\d)",
                            re.IGNORECASE)


#: Words of a question that name no subject of the reviews ("what do people say about ...", "why do users hate
#: ...") besides English stop words and the words of the way a question leans (`_NEGATIVE_ASK_RE`)
_NO_SUBJECT = frozenset("did does people customers users reviewers reviews review say saying said think thinks feel "
                        "opinion opinions like liked likes love loved hate hated dislike complain complaining "
                        "complaints praise happy unhappy good bad app update updates version versions release "
                        "releases build latest newest new current recent last most guys folks "
                        # where a product is a place: "in the Hamburg branch", "at this store" (not "the place" nor
                        # "the location": a restaurant's reviews speak of its ambience and its location so)
                        "branch branches store stores shop shops restaurant restaurants outlet outlets".split())


#: The words of a question's leaning that name nothing of the reviews ("complain", "love"); not "return", "refund",
#: "broken", "fail": a question about those asks about returns and breakages, searched by them ("Why do people return
#: the headphones?" is not "what do people dislike about the headphones?")
_LEANING_ONLY = re.compile(r"complain\w*|problems?|issues?|wrong|worst|hate[sd]?|dislike[sd]?|disappoint\w*|unhappy|"
                           r"annoy\w*|faults?|flaws?|downsides?|cons|bad|negative|love[sd]?|like[sd]?|praise[sd]?|"
                           r"best|favou?rite|enjoy\w*|happy|pros|strengths?|upsides?|positive", re.IGNORECASE)


def about_nothing_else(questions: Sequence[str], products: Sequence[str] = ()) -> bool:
    """Whether a question names no subject besides the version it asks about (`asked_versions`) and the `products`
    it names (`named_products`): "What do people say about the latest update?", "Why do users hate 4.2.0?",
    "What do people complain about in the Hamburg branch?"; not "Is login fixed in 4.2.1?"."""
    english = set(stop_words(()))
    own = {_stem(w) for p in products for w in product_words(p)}
    for q in questions:
        rest = _VERSION_ASKED.sub(" ", LATEST_RE.sub(" ", q or ""))
        words = {w.lower() for w in WORD_RE.findall(rest)}
        if any(w not in english and w not in _NO_SUBJECT and _stem(w) not in own and not _LEANING_ONLY.fullmatch(w)
               and not w.isdigit() for w in words):
            return False
    return True


def asked_versions(questions: Sequence[str], df: pd.DataFrame) -> tuple[pd.Series | None, list[str]]:
    """The reviews of the versions a question asks about, as a mask of `df` (columns product, version), and how
    they are said ("4.2.1", "Budget 4.2.1"): the versions it names ("in 4.2.0", "v4.2": every 4.2.x the store
    has), else, asked about "the latest update" (`LATEST_RE`), each product's newest version (`version_key`).
    (None, []) when it asks about none the store has. Asked "what do people say about the latest update?" of an
    app's reviews, the sentences came from every release, "since the last update" of two versions ago among them."""
    if "version" not in df or not df["version"].notna().any():
        return None, []
    versions = df["version"].astype("string")
    known = sorted({str(v) for v in versions.dropna()}, key=version_key)
    named: list[str] = []
    for q in questions:
        for m in _VERSION_ASKED.finditer(q or ""):
            want = (m.group(1) or m.group(2) or "").lower()
            named += [v for v in known if v.lower().lstrip("v") == want
                      or v.lower().lstrip("v").startswith(want + ".")]
    if named:
        named = list(dict.fromkeys(named))
        return versions.isin(named).fillna(False).astype(bool), named
    if not any(LATEST_RE.search(q or "") for q in questions):
        return None, []
    products = df["product"].astype("string").fillna("") if "product" in df else pd.Series("", index=df.index)
    newest = {p: max(g.dropna().astype(str), key=version_key)
              for p, g in versions.groupby(products, sort=True) if g.notna().any()}
    mask = pd.Series([newest.get(p) == v for p, v in zip(products, versions.fillna(""))], index=df.index)
    said = [f"{p} {v}" if p and len(newest) > 1 else v for p, v in newest.items()]
    return mask, said


def find_sources(question: str | Sequence[str], df: pd.DataFrame, embedder: Any, k: int = 8) -> list[Source]:
    """The `k` review sentences that speak to `question` best (see the module's step 1)."""
    return search(question, df, embedder, k)[0]


def search(question: str | Sequence[str], df: pd.DataFrame, embedder: Any, k: int = 8,
           whole: bool = False) -> tuple[list[Source], int]:
    """`find_sources`, and how many excerpts speak to the question in all (the same rules, without `k`; at
    most CANDIDATES sentences are read), so that a list cut at `k` can say so. `question` may be several
    wordings of one question (as asked, and its translation): a sentence scores as the one it matches best.
    `whole`: the question asks about these reviews as a whole, no subject of theirs ("what do people say about
    the latest update?", its reviews those of that version: `asked_versions`): every sentence speaks to it, the
    most typical first (the nearest to their mean), the way the question leans too."""
    questions = [q for q in dict.fromkeys([question] if isinstance(question, str) else question) if q.strip()]
    if df is None or df.empty or not questions:
        return [], 0
    df = df.reset_index(drop=True)
    units = _sentences(df)
    texts, rows, excerpts = units.texts, units.rows, units.excerpts
    review_texts = df["text"].fillna("").astype(str).tolist()
    if not texts:
        return [], 0
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(questions)
    read = [str(x) for x, tr in zip(df["language"], df["translation"]) if isinstance(tr, str) and tr.strip()] \
        if "language" in df and "translation" in df else []
    try:
        tfidf = TfidfVectorizer(stop_words=stop_words(read), sublinear_tf=True, ngram_range=(1, 2), min_df=1)
        m = tfidf.fit_transform(texts + questions)
        lexicals = (m[:-n] @ m[-n:].T).toarray()  # sentence x wording
    except ValueError:  # only stop words everywhere: no lexical signal
        lexicals = np.zeros((len(texts), n))
    lexical = lexicals.max(axis=1)
    order = np.argsort(-lexical, kind="stable")[:CANDIDATES] if len(texts) > CANDIDATES else np.arange(len(texts))
    cand = [texts[i] for i in order]
    # the product's own name is in most sentences and in the question: it would rank every sentence that
    # names it above one that answers; the embedder reads "the product" instead
    masks = [m for m in map(product_masker, df["product"].dropna().unique()[:50]) if m is not None] \
        if "product" in df else []
    vecs = embedder.encode([_masked(t, masks) for t in cand] + [_masked(q, masks) for q in questions])
    vecs, asked = vecs[:-n], vecs[-n:]
    # meaning first, the question's own words too; each sentence by the wording it matches best
    sims = (vecs @ asked.T + LEXICAL_WEIGHT * lexicals[order]).max(axis=1)
    # asked why people return it, a sentence that praises it answers less than one that complains
    intent = question_intent(questions)
    meant = sims  # whether a sentence speaks to the question at all is its meaning's and words' call alone
    if whole:
        centre = vecs.mean(axis=0)
        sims = vecs @ (centre / (np.linalg.norm(centre) or 1.0))
        meant = np.ones(len(cand))
    if intent and INTENT_WEIGHT:  # asked of reviews as a whole, the way it leans is all there is to go by
        sims = sims + (WHOLE_INTENT_WEIGHT if whole else INTENT_WEIGHT) * intent * _leaning(cand, vecs)
    # a translated review's own words are found by the words they share with the question, never by the
    # English embedder's reading of German alone (it puts any two German sentences near each other)
    sims[(lexical[order] <= 0) & np.array([units.own[i] for i in order], dtype=bool)] = -1.0
    picked: list[int] = []
    per_review: dict[int, int] = {}
    for j in np.argsort(-sims, kind="stable"):
        if meant[j] < MIN_SIMILARITY:
            continue
        row = rows[order[j]]
        a, b = excerpts[order[j]]
        if per_review.get(row, 0) >= PER_REVIEW or (picked and float((vecs[picked] @ vecs[j]).max()) > DUPLICATE) \
                or any(rows[order[p]] == row and excerpts[order[p]][0] < b and a < excerpts[order[p]][1]
                       for p in picked):  # the same words of the same review twice
            continue
        picked.append(int(j))
        per_review[row] = per_review.get(row, 0) + 1
    out = []
    for j in picked[:k]:
        r = df.iloc[rows[order[j]]]
        a, b = excerpts[order[j]]
        translation = units.translations[order[j]]
        lang = r.get("language") if translation and isinstance(r.get("language"), str) else None
        out.append(Source(review_id=str(r["id"]), text=review_texts[rows[order[j]]][a:b], score=float(sims[j]),
                          translation=translation, language=lang,
                          rating=None if pd.isna(r.get("rating")) else float(r["rating"]),
                          product=r.get("product") if isinstance(r.get("product"), str) else None,
                          url=r.get("url") if isinstance(r.get("url"), str) else None, date=r.get("date")))
    return out, len(picked)


# ------------------------------------------------------------------------------------ 2. ask
#: Worked examples (made up, not from any store), one for each shape of answer: customers agree, they differ,
#: the excerpts do not answer. With only the first, every answer of the served 0.5B on the hotel example began
#: "Opinions differ: one customer ... another ... and one ...", whatever the excerpts said, and none said the
#: reviews do not say (the 1.5B, told to say so with no example of when, said it to every question).
EXAMPLES = [
    ("Is the strap comfortable?", ["The strap rubs my wrist raw after an hour.",
                                   "Comfortable strap, I forget I am wearing it.", "The strap broke after two weeks."],
     "Opinions differ: one customer finds the strap comfortable [2], another says it rubs the wrist [1], and one "
     "strap broke within weeks [3]."),
    ("Does it come with a warranty?", ["The strap broke after two weeks.", "Battery lasts three days."],
     NOT_ANSWERED),
    ("Is delivery fast?", ["Arrived the next day, well packed.", "Delivery took two days, faster than promised.",
                           "The colour is lovely."],
     "Delivery is fast: one parcel came the next day [1] and another in two days [2]."),
]


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
        "[2] or [1][3]. Use only what the excerpts say; do not quote them. Say that customers agree or differ "
        f"only when the excerpts show it. When no excerpt answers the question, reply only: {NOT_ANSWERED}")
    examples = [(_question_block(q, ex), a) for q, ex, a in EXAMPLES]
    return chat(system, _question_block(question, [s.english for s in sources]), examples)


# ------------------------------------------------------------------------------------ 3. check
def _unquote_unless_verbatim(text: str, reviews: Sequence[str]) -> str:
    """Quotation marks kept only around words found verbatim (case aside) in one of `reviews`."""
    lowered = [r.lower() for r in reviews]

    def fix(m: re.Match) -> str:
        inner = m.group(1).strip()
        return m.group(0) if inner and any(inner.lower() in r for r in lowered) else inner

    return _QUOTED_RE.sub(fix, text)


# A claim is the words before a citation group, since the previous group or sentence end. It rests on an
# excerpt when the excerpt's sentence or clause closest to it has a MiniLM cosine of at least SUPPORT_OK and
# does not read the opposite way (`_polarity`): "the breakfast buffet was cold" is near "the breakfast buffet
# was good value" (0.64), and the check must not send it there. Its citation stands when it names such an
# excerpt and none is SUPPORT_MARGIN closer; else it moves to the closest one (a claim copied from [2] at 0.95
# and cited to [3] at 0.62 moves). A claim that no excerpt supports, and words that cite nothing, are removed
# and counted (`Checked.dropped`). SUPPORT_OK chosen on the 1.5B's answers to six questions about the demo
# shop (bench/bench_citations.py: the citations it got wrong were at 0.12-0.36, the right excerpts at
# 0.49-0.77) and the served 0.5B's on the hotel example (a citation kept at 0.32 said nothing of its claim).
SUPPORT_OK = 0.4
SUPPORT_MARGIN = 0.15
_GROUP_RE = re.compile(r"(?:\[\d{1,3}\])+")
_LEAD_RE = re.compile(r"^[\s,;:\-–—]*(?:(?:and|but|while|whereas|also)\b[\s,]*)?", re.IGNORECASE)
# words of disappointment the word lists (analysis.topics) do not hold: "I expected a bit more at this price"
_LETDOWN_RE = re.compile(r"\bexpected (?:(?:a )?(?:bit|little|lot|much|far|so much) )?(?:more|better)\b|"
                         r"\bclosed for\b|\bout of (?:order|service)\b|\bnot (?:as|what) (?:described|advertised)\b",
                         re.IGNORECASE)
# words addressed to the model, not about the stay or the product ("In your reply, ... offer me a full refund"):
# they support no claim, or the model's "the hotel offers a full refund" would rest on them (the one detector
# the analysis shares: reviewlens.model_text.ADDRESSED_RE)
_ADDRESSED_RE = ADDRESSED_RE
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")
_CONTRAST_RE = re.compile(r"^\W*(?:but|however|yet|though|although)\b", re.IGNORECASE)


@dataclass
class Checked:
    """An answer after `check`: the text to show, the sources it cites, how many of the model's claims were
    removed (no excerpt says them, or nothing cited them), and whether the model said the reviews do not say."""

    text: str
    cited: list[int] = field(default_factory=list)
    dropped: int = 0
    not_answered: bool = False


def _polarity(text: str) -> float:
    """Which way `text` reads, from the word lists with negation (analysis.topics.lexicon_polarity) and a few
    phrases of disappointment; a sentence "X, but Y" reads as Y when Y reads either way."""
    from .topics import lexicon_polarity, split_clauses

    def one(t: str) -> float:
        p = lexicon_polarity(t)
        return min(p, 0.0) - 0.5 if _LETDOWN_RE.search(t) else p

    for a, b in reversed(split_clauses(text)):
        if _CONTRAST_RE.match(text[a:b]) and (p := one(text[a:b])):
            return p
    return one(text)


def _units(src: Source) -> tuple[list[str], list[float]]:
    """The sentences, clauses and comma-separated phrases (of two words or more: "Defective unit" says
    "defects") of a source's (English) text, each with the way it reads; one that reads neither way takes
    the review's rating's way (2 stars or less: negative, 4 or more: positive), so that "a pool that is closed
    for renovation" in a 2-star review does not support "the pool is superb"."""
    from .topics import split_clauses

    text = src.english
    clauses = split_clauses(text)
    phrases = [(a + m.start(), a + m.end()) for a, b in clauses for m in re.finditer(r"[^,]+", text[a:b])
               if len(m.group(0).split()) >= 2 and m.group(0).strip() != text[a:b].strip()]
    phrases = [(a + len(text[a:b]) - len(text[a:b].lstrip()), b) for a, b in phrases]
    sentences = split_sentences(text)
    addressed = [(a, b) for a, b in sentences if _ADDRESSED_RE.search(text[a:b])]
    spans = [(a, b) for a, b in dict.fromkeys(sentences + clauses + phrases)
             if not any(x <= a and b <= y for x, y in addressed)] or [(0, 0)]
    rated = 0.0 if src.rating is None else -0.5 if src.rating <= 2 else 0.5 if src.rating >= 4 else 0.0
    units = [text[a:b] or "-" for a, b in spans]
    return units, [_polarity(u) or rated for u in units]


def _support(claims: Sequence[str], sources: Sequence[Source], embedder: Any) -> np.ndarray:
    """(claims, sources): how closely each source says each claim: the cosine of its closest sentence or
    clause that does not read the other way, 0 when its closest one does (it says the opposite), or when the
    claim has a number the source does not (its text or its rating): MiniLM finds "a full refund of 500
    euros" near "I want a refund"."""
    units = [_units(s) for s in sources]
    flat = [u for us, _ in units for u in us]
    pols = np.array([p for _, ps in units for p in ps])
    owner = np.array([i for i, (us, _) in enumerate(units) for _ in us])
    vecs = embedder.encode(flat + [_LEAD_RE.sub("", c).strip(" ,.;:") or "-" for c in claims])
    sims = vecs[len(flat):] @ vecs[:len(flat)].T
    out = np.zeros((len(claims), len(sources)))
    numbers = [set(_NUMBER_RE.findall(s.english + " " + s.text)) | ({f"{s.rating:g}"} if s.rating is not None else set())
               for s in sources]
    for c, claim in enumerate(claims):
        cp = _polarity(_LEAD_RE.sub("", claim))
        said = set(_NUMBER_RE.findall(claim))
        against = pols * cp < 0
        for i in range(len(sources)):
            mine = owner == i
            agree = float(sims[c][mine & ~against].max(initial=-1.0))
            oppose = float(sims[c][mine & against].max(initial=-1.0))
            out[c, i] = agree if agree > oppose and said <= numbers[i] else 0.0
    return out


def _pieces(s: str) -> list[tuple[list[tuple[str, list[int]]], str]]:
    """The answer as sentences, each a list of (claim words, the citation numbers after them) and its end
    ("." or ""): words after the last citation of a sentence are a claim citing nothing."""
    s = re.sub(r"([.!?])\s*((?:\[\d{1,3}\])+)", r"\2\1", s)  # "claim. [1]" cites the claim before it
    out = []
    for a, b in split_sentences(s):
        sent = s[a:b]
        m = re.search(r"[.!?]+$", sent)
        end = m.group(0) if m else ""
        body = sent[:len(sent) - len(end)]
        parts, pos = [], 0
        for g in _GROUP_RE.finditer(body):
            parts.append((body[pos:g.start()], [int(n) for n in _CITE_RE.findall(g.group(0))]))
            pos = g.end()
        if body[pos:].strip():
            parts.append((body[pos:], []))
        out.append((parts, end))
    return out


def check(raw: str, sources: Sequence[Source], reviews: Sequence[str] = (), embedder: Any = None) -> Checked:
    """The model's answer made safe to show (see the module's step 3). Every claim keeps only citations that
    name an excerpt; with the `embedder`, only those whose excerpt says it (see SUPPORT_OK): a citation moves
    to the excerpt that says the claim clearly better, and a claim no excerpt says is removed, as are words
    that cite nothing; `dropped` counts them. `reviews`: the cited reviews' full texts (a quotation is kept
    only when verbatim in one of them; the sources' sentences count too)."""
    s = strip_markup(str(raw or ""))
    s = re.sub(r"[`*_#>|~{}\\$]", " ", s)
    s = "".join(ch if ch.isprintable() else " " for ch in s)
    s = " ".join(s.split())
    s = re.sub(r"\[(?!\d{1,3}\])[^\]]*\]", " ", s)               # other bracketed text
    if NOT_ANSWERED.lower().rstrip(".") in s.lower():
        return Checked("", not_answered=True)
    sentences = _pieces(s)
    claims = [(i, j) for i, (parts, _) in enumerate(sentences) for j, (_, ns) in enumerate(parts)
              if any(1 <= n <= len(sources) for n in ns)]
    support = _support([sentences[i][0][j][0] for i, j in claims], sources, embedder) \
        if embedder is not None and claims and sources else None
    dropped, kept_sentences = 0, []
    for i, (parts, end) in enumerate(sentences):
        kept = []
        for j, (words, ns) in enumerate(parts):
            ns = list(dict.fromkeys(n for n in ns if 1 <= n <= len(sources)))
            if ns and support is not None:
                row = support[claims.index((i, j))]
                best = int(row.argmax())
                ok = [n for n in ns if row[n - 1] >= SUPPORT_OK and row[best] - row[n - 1] < SUPPORT_MARGIN]
                new = ok or ([best + 1] if row[best] >= SUPPORT_OK else [])
                log.debug("claim %r cites %s (%s); closest [%d] %.2f -> %s", words.strip()[-60:], ns,
                          ", ".join(f"{row[n - 1]:.2f}" for n in ns), best + 1, row[best], new or "removed")
                ns = new
            if ns:
                kept.append((j, words, ns))
            elif re.search(r"\w", words):
                dropped += 1
        if kept:
            j, first, ns = kept[0]
            if j > 0:  # the sentence's start was removed: ", another says ..." begins it now
                first = _LEAD_RE.sub("", first)
                kept[0] = (j, first[:1].upper() + first[1:], ns)
            kept_sentences.append("".join(f"{w.rstrip()} {''.join(f'[{n}]' for n in ns)}" for _, w, ns in kept) + end)
    text = " ".join(kept_sentences)
    text = " ".join(text.split()).replace(" .", ".").replace(" ,", ",")
    cited = list(dict.fromkeys(int(n) for n in _CITE_RE.findall(text)))
    if not cited:
        return Checked("", dropped=dropped)
    text = _unquote_unless_verbatim(text, [x.text for x in sources] + list(reviews))
    if len(text) > ANSWER_MAX_CHARS:
        cut = text.rfind(". ", 0, ANSWER_MAX_CHARS)
        text = text[:cut + 1] if cut > ANSWER_MAX_CHARS // 2 else text[:ANSWER_MAX_CHARS].rstrip() + "…"
    return Checked(text, cited, dropped)


def check_answer(raw: str, sources: Sequence[Source], reviews: Sequence[str] = (),
                 embedder: Any = None) -> tuple[str, list[int]]:
    """`check`'s text and the sources it cites (1-based, in order of first citation); ("", []) when it cites
    none or says the reviews do not say."""
    c = check(raw, sources, reviews, embedder)
    return c.text, c.cited


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


#: A question about numbers: the excerpts cannot answer it (a handful of sentences), the store's counts can.
NUMBERS_RE = re.compile(r"\b(?:how many|how often|number of|count|average|mean|median|ratings?|rated|stars?|"
                        r"percent(?:age)?|proportion|share of|what fraction)\b", re.IGNORECASE)


def store_facts(df: pd.DataFrame, matched: int = 0) -> dict[str, Any]:
    """The numbers of the reviews searched (`df`): how many, how many rated, their average rating and how many
    gave each star; and how many excerpts speak to the question (`search`)."""
    ratings = pd.to_numeric(df["rating"], errors="coerce").dropna() if "rating" in df else pd.Series(dtype=float)
    return {"reviews": int(len(df)), "rated": int(len(ratings)),
            "average_rating": round(float(ratings.mean()), 2) if len(ratings) else None,
            "by_rating": {str(r): int(n) for r, n in ratings.round().astype(int).value_counts().sort_index().items()},
            "matching_excerpts": int(matched)}


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
    # a question that names some of the store's products is answered from their reviews
    if df is not None and "product" in df and df["product"].nunique() > 1:
        named = named_products([searched, question], df["product"].dropna().unique().tolist())
        if named and len(named) < df["product"].nunique():
            df = df[df["product"].isin(named)]
            out.products, out.searched = named, int(len(df))
            log.info("the question names %s: searching its %d reviews", ", ".join(named), len(df))
    # a question about a version ("the latest update", "in 4.2.0") is answered from its reviews
    whole = False
    if df is not None and not df.empty:
        mask, said = asked_versions([searched, question], df)
        if mask is not None and 0 < int(mask.sum()) < len(df):
            df = df[mask]
            out.versions, out.searched = said, int(len(df))
            whole = about_nothing_else([searched], out.products)
            log.info("the question asks about version %s: searching its %d reviews%s", ", ".join(said), len(df),
                     " (all of them: it names nothing else)" if whole else "")
        elif ((leaning := question_intent([searched])) or out.products) \
                and about_nothing_else([searched], out.products):
            # "what do people complain about?", "what do they love about the Berlin branch?": no subject to match
            # a sentence by (one sentence, or none, was near enough to the bare question), so these reviews'
            # most typical sentences, the way the question leans first
            whole = True
            log.info("the question names no subject of the reviews: their most typical sentences%s",
                     ", the way it leans first" if leaning else "")
    # as translated, for the translations, and as asked, for the reviews written in the question's language
    out.sources, out.matched = search([searched, question], df, embedder, k, whole=whole)
    sources = out.sources
    if NUMBERS_RE.search(searched) and df is not None and not df.empty:
        out.facts = store_facts(df, out.matched)
    if not can_write(backend) or not sources:
        return out
    try:
        [raw] = backend.generate([conversation(searched, sources)], max_new_tokens=220)
    except Exception as e:  # noqa: BLE001 - the sources still answer; say why the summary is missing
        log.warning("the model could not answer (%s); showing the review sentences only", e)
        return out
    log.debug("the model wrote: %r", raw[:1000])
    texts = df.set_index(df["id"].astype(str))["text"].astype(str)
    reviews = [texts.get(s.review_id, "") for s in sources]
    checked = check(raw, sources, reviews, embedder=embedder)
    out.answer, out.cited, out.dropped, out.not_answered = checked.text, checked.cited, checked.dropped, \
        checked.not_answered
    out.model = getattr(backend, "name", None) if out.answer or out.not_answered else None
    if not out.answer:
        log.info("the model's answer %s: %r", "says the reviews do not say" if out.not_answered else
                 f"has no claim an excerpt supports ({out.dropped} removed)", raw[:300])
    return out
