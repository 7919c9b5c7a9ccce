#!/usr/bin/env python3
"""SetFit against the current way of learning topics from labels, on the same draws (issue 9, part 2).

The current way (`bench/topic_learning_curve.py`): a labelled sentence becomes an example of its topic
and the embedding rule (`analysis.topics.classify_topics`, MiniLM, no LLM) uses it. SetFit (PyPI
`setfit`) fine-tunes the same MiniLM contrastively on the labels and fits a head; measured two ways:
- SetFit alone: its one-vs-rest head decides the topics (none = other);
- SetFit's fine-tuned body as the embedder of the current rule (descriptions and examples as before).

Labels: k per topic from single-category sentences of the tune part (items 200-1000 of the seed-13
shuffle) plus k sentences whose only category is anecdotes/miscellaneous (`other`, the negatives a
user labels); scored on the held-out items 0-200 and 1000-1300. Same seeds as the learning curve.

    .venv/bin/pip install setfit==1.2.0   # measurement only, not a runtime dependency
    .venv/bin/python bench/topic_setfit.py [--ks 5,10,25,50] [--seeds 1,2] [--steps 300]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_DISABLED", "true")

from analysis import evaluate as ev  # noqa: E402
from analysis import topics as tm  # noqa: E402
from analysis.embeddings import Embedder, get_embedder, model_path  # noqa: E402
from topic_learning_curve import CATEGORIES, HELD_OUT, POOL, CachedEmbedder, cpu_name  # noqa: E402


def micro(gold, pred) -> float:
    return ev.multilabel_micro(gold, pred)["f1"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--ks", default="5,10,25,50")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--steps", type=int, default=300, help="contrastive training steps (batch 16)")
    args = ap.parse_args()
    logging.getLogger("setfit").setLevel(logging.WARNING)
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments

    every = ev.load_semeval(args.eval_dir, None)
    held = [every[i] for i in HELD_OUT]
    pool = [every[i] for i in POOL]
    single = {c: [r.text for r in pool if set(r.categories) == {c}] for c in (*CATEGORIES, "other")}
    base = ev.zero_label_taxonomy("A")
    texts = [r.text for r in held]
    gold = [set(r.categories) for r in held]
    emb = CachedEmbedder(get_embedder())
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores; held-out n={len(held)}; steps {args.steps}")
    print("k | current rule | SetFit alone | rule on SetFit's body | SetFit training s (mean)")
    for k in [int(x) for x in args.ks.split(",")]:
        cur, alone, body, secs = [], [], [], []
        for seed in [int(s) for s in args.seeds.split(",")]:
            rng = random.Random(seed)
            taught = {c: rng.sample(v, min(k, len(v))) for c, v in single.items()}
            tax = dataclasses.replace(base, topics=[dataclasses.replace(t, examples=[*t.examples, *taught.get(t.name, [])])
                                                    for t in base.topics])
            pred = tm.classify_topics(None, texts, tax, embedder=emb, use_llm=False)
            cur.append(micro(gold, [{m.topic for m in p} for p in pred]))

            train_t = [t for c in single for t in taught[c]]
            train_y = [[int(c == cat) for cat in CATEGORIES] for c in single for _ in taught[c]]
            model = SetFitModel.from_pretrained(str(model_path()), multi_target_strategy="one-vs-rest")
            trainer = Trainer(model=model, train_dataset=Dataset.from_dict({"text": train_t, "label": train_y}),
                              args=TrainingArguments(batch_size=16, num_epochs=1, max_steps=args.steps, seed=seed,
                                                     show_progress_bar=False))
            t0 = time.monotonic()
            trainer.train()
            secs.append(time.monotonic() - t0)
            out = np.asarray(model.predict(texts))
            alone.append(micro(gold, [{c for c, v in zip(CATEGORIES, row) if v} or {"other"} for row in out]))
            with tempfile.TemporaryDirectory() as d:
                model.model_body.save(d)
                tuned = CachedEmbedder(Embedder(d))
                pred = tm.classify_topics(None, texts, tax, embedder=tuned, use_llm=False)
            body.append(micro(gold, [{m.topic for m in p} for p in pred]))
        print(f"{k} | {np.mean(cur):.1%} | {np.mean(alone):.1%} | {np.mean(body):.1%} | {np.mean(secs):.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
