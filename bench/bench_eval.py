"""Run the analysis evaluation (sentiment, topics, entities) and print/write markdown tables.

Usage:
    .venv/bin/python bench/bench_eval.py --limit 300 --tasks topics,entities --baselines \
        --out /tmp/eval.md --json /tmp/eval.json
    .venv/bin/python bench/bench_eval.py --no-llm --limit 1000     # model-free baselines only

Held-out sets (not used for training/tuning): entities = the first 600 tweets (`--entity-limit 600`;
the typer is trained on the rest by bench/train_entity_typer.py); topics = the first 200 sentences
(`--limit 200`; the calibration is fit on items 200-1000 and 1300-2000 by bench/train_topic_calibration.py,
whose --eval also prints held-out items 1000-1300).
--entity-method picks the entity method of the LLM run (default auto = the trained typer; hybrid = LLM typing).
--baselines also measures the embeddings-only topic classifier and spaCy-only entities (no LLM);
--no-llm measures only those. Samples are the first N items after a fixed shuffle (seed 13).
Complaint themes: `--tasks complaints` (demo shop's planted themes: purity, coverage, names by the
strongest installed model) and `--tasks complaints-semeval --no-llm` (coverage and purity of the top 5
themes on the held-out half of the SemEval-2014 restaurant sentences).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from analysis import evaluate as ev  # noqa: E402
from reviewlens.config import AnalysisSettings  # noqa: E402

log = logging.getLogger("bench_eval")
DEMO_REVIEWS = ROOT / "data" / "demo_shop" / "reviews.json"  # the demo shop's planted complaint themes


def machine() -> str:
    """A one-line description of this machine."""
    gpu = "no GPU"
    try:
        import torch

        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name(0)
    except Exception:  # noqa: BLE001 - torch optional here
        pass
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, {gpu}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval"))
    p.add_argument("--limit", type=int, default=300, help="items per task (0 = all)")
    p.add_argument("--entity-limit", type=int, default=None, help="tweets for the entity task (default --limit)")
    p.add_argument("--tasks", default="sentiment,topics,entities")
    p.add_argument("--model", default=None, help="model alias/path (default: settings default)")
    p.add_argument("--baselines", action="store_true", help="also embeddings-only topics and spaCy-only entities")
    p.add_argument("--entity-method", default=None, help="entity method for the LLM run (auto, typer, hybrid, llm)")
    p.add_argument("--no-llm", action="store_true", help="only the model-free baselines")
    p.add_argument("--out", type=Path, help="write the markdown here")
    p.add_argument("--json", type=Path, help="write the raw metrics here")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    limit = args.limit or None
    elimit = args.entity_limit if args.entity_limit is not None else limit
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    sections: list[str] = [f"Machine: {machine()}\n"]
    raw: dict = {}
    if args.baselines or args.no_llm:
        base: dict = {"model": "baselines (no LLM)"}
        if "topics" in tasks:
            base["topics"] = ev.eval_topics(None, args.eval_dir, limit, method="embed")
        if "entities" in tasks:
            base["entities"] = ev.eval_entities(None, elimit, method="spacy")
        if "complaints-semeval" in tasks:  # coverage and purity of the themes; no LLM (fallback names)
            base["complaints_semeval"] = ev.eval_complaints_semeval(args.eval_dir, split="heldout")
        if "complaints" in tasks:
            base["complaints"] = ev.eval_complaints(DEMO_REVIEWS, backend=None)
        raw["baselines"] = base
        sections.append("### Embeddings-only topics, spaCy-only entities\n\n" + ev.format_report(base))
    if not args.no_llm:
        settings = AnalysisSettings()
        if args.model:
            settings.model = args.model
        from analysis.backends import get_backend

        backend = get_backend(settings)
        t0 = time.perf_counter()
        metrics: dict = {"model": backend.name, "limit": limit}
        if "sentiment" in tasks:
            metrics["sentiment"] = ev.eval_sentiment(backend, args.eval_dir, limit)
        if "topics" in tasks:
            metrics["topics"] = ev.eval_topics(backend, args.eval_dir, limit)
        if "entities" in tasks:
            metrics["entities"] = ev.eval_entities(backend, elimit, method=args.entity_method)
        if "complaints" in tasks:  # themes named by the strongest model at hand, as the job names them
            from analysis.backends import best_backend

            metrics["complaints"] = ev.eval_complaints(DEMO_REVIEWS, backend=best_backend(settings))
        metrics["seconds"] = time.perf_counter() - t0
        raw["llm"] = metrics
        sections.append(f"### {backend.name} (hybrid)\n\n" + ev.format_report(metrics))
    text = "\n".join(sections)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
