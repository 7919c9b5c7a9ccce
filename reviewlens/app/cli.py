"""The `reviewlens` program: what each subcommand does (the options are declared in reviewlens.app.parser).

A command reads its options, opens the store, runs its part of the job (reviewlens.app.jobs) and prints
what happened; `main` maps failures to a clear message and a named exit status.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import errno
import json
import logging
import os
import shlex
import signal
import sys
import time
from dataclasses import asdict
from datetime import date, timedelta
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from .. import queries
from ..config import ConfigError, Settings, load_settings
from ..filters import SAID_WORDS, Filters, mention_filter
from ..store import Store
from ..words import counted as _n
from .parser import parse_args

if TYPE_CHECKING:
    from .forgetting import Erased

log = logging.getLogger("reviewlens")


class ExitStatus(IntEnum):
    """What `reviewlens` exits with."""

    OK = 0
    ERROR = 1           # the command failed (a failed scrape, a scheduled source with an error, an exception)
    CONFIG_ERROR = 2    # the user's mistake: a bad settings or schedule file, option value or date range, a missing
                        # file, a folder or wrong extension where a file belongs (argparse uses 2 as well)
    DEGRADED = 3        # a scrape ran but a site seems to have changed: a field or the page size fell (runs shows it)
    INTERRUPTED = 130   # Ctrl+C (128 + SIGINT); what was done is saved
    TERMINATED = 143    # SIGTERM (128 + 15: systemd stopping it, `timeout`, `kill`), handled as Ctrl+C


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
                      ("precision", "analysis.precision"), ("batch_size", "analysis.batch_size"),
                      ("confidence", "analysis.confidence"), ("clause_confidence", "analysis.clause_confidence"),
                      ("llm_in_flight", "analysis.llm_in_flight"), ("llm_timeout", "analysis.llm_timeout")):
        if getattr(args, attr, None) is not None:
            over[key] = getattr(args, attr)
    if getattr(args, "ignore_robots", False):
        over["scraper.respect_robots"] = False
    if getattr(args, "thorough", False):
        over["analysis.thorough"] = True
    if getattr(args, "no_second_head", False):
        over["analysis.second_head"] = False
    if getattr(args, "no_translate", False):
        over["analysis.translate"] = False
    return load_settings(args.config, **over)


def _status(ok: bool) -> ExitStatus:
    return ExitStatus.OK if ok else ExitStatus.ERROR


def error_line(e: dict) -> str:
    """A scrape error as one line: its message, with its page's URL in front when the message does not name it."""
    url, msg = e.get("url") or "", str(e.get("message") or "")
    return f"{url}: {msg}" if url and url not in msg else msg


def _print_errors(errors: Sequence[dict]) -> None:
    for e in errors[:10]:
        print(f"  error: {error_line(e)}")
    if len(errors) > 10:
        print(f"  ... and {len(errors) - 10} more (reviewlens runs --errors)")


def _check_dates(args: argparse.Namespace) -> None:
    """`--since` after `--until` selects no day: said once here for every command that takes both, before
    one reports 0 reviews as if the store were empty (or a Filters deep inside raises ValueError)."""
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if isinstance(since, date) and isinstance(until, date) and since > until:
        raise ConfigError(f"--since {since} is after --until {until}: no day is in that range")


def _users_mistake(e: BaseException) -> str | None:
    """What to tell the user when `e` comes from what they typed (a bad option value, a missing or unreadable
    file, a folder where a file belongs): said plainly, without a Python class name or the -vv hint, which
    stay for errors nobody expected. None for those."""
    from ..records_io import ImportFileError

    site_errors = sys.modules.get("scraper.errors")  # loaded when a scrape raised one (the stage, not imported here)
    if isinstance(e, (ConfigError, ImportFileError)) or (site_errors and isinstance(e, site_errors.SiteConfigError)):
        return str(e)  # a site config that cannot be used is the user's file, as a settings file is
    backends = sys.modules.get("analysis.backends.base")  # a server that refused the key or the model set
    if backends and isinstance(e, backends.BackendSetupError):
        return str(e)
    if isinstance(e, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)) and e.filename:
        return f"{e.filename}: {(e.strerror or str(e)).lower()}"
    return None


def _sentence(text: str) -> str:
    """`text` with its first letter upper case and the rest as written (str.capitalize lowers a product's
    "Pulse Fitness Smartwatch" to "pulse fitness smartwatch")."""
    return text[:1].upper() + text[1:]


# ------------------------------------------------------------------------------------------ commands
def cmd_scrape(args, settings) -> ExitStatus:
    from .jobs import Job, JobOptions

    res = Job(Store(settings.db), settings).run(
        JobOptions(urls=args.urls, site=args.site, max_pages=args.max_pages, full=args.full, analyze=args.analyze,
                   since=args.since, sort=args.sort, quiet=args.quiet),
        echo=print)
    s = res.scrape
    errors = s.errors
    if s.status == "failed" and errors and errors[-1].get("url") is None:  # why the run failed, said last
        why = str(errors[-1].get("message") or "")
        _print_errors([e for e in errors[:-1] if error_line(e) not in why])  # not the page error it quotes
        print(f"  failed: {why}")
    else:
        _print_errors(errors)
    for msg in s.degraded:
        print(f"  degraded: {msg}")
    for f in s.debug_files:
        print(f"  debug capture: {f}")
    if s.status != "failed" and s.reviews == 0:
        print("  no reviews were found (reviewlens runs --errors; the debug captures are in the debug folder)")
        return ExitStatus.ERROR
    if s.status == "degraded":
        return ExitStatus.DEGRADED
    return _status(res.ok)


def cmd_import(args, settings) -> ExitStatus:
    import tempfile

    from ..privacy import Masker, masked_line
    from ..records_io import ImportFileError, column_mapping, columns_line, edited_words, import_file
    from ..remote_files import download, is_remote

    try:
        columns = column_mapping(args.column or ())
    except ValueError as e:
        raise ConfigError(f"--column {e}") from None
    store = Store(settings.db)
    bad = []
    added = 0
    for path in args.file:
        try:
            with tempfile.TemporaryDirectory(prefix="reviewlens-download-") as tmp:
                local = download(path, Path(tmp)) if is_remote(path) else Path(path)
                res, run_id, new, seen = import_file(store, local, source=args.source, product=args.product,
                                                     rating_scale=args.rating_scale, encoding=args.encoding,
                                                     date_order=args.date_order, columns=columns,
                                                     run_source=path if is_remote(path) else None,
                                                     masker=Masker.from_settings(settings.privacy, store))
        except ImportFileError as e:
            if len(args.file) == 1:
                raise
            log.error("%s", e)  # the others are still imported
            bad.append(str(path))
            continue
        added += new
        edited = edited_words(res)
        print(f"run {run_id}: read {_n(res.rows, 'row')} from {path}: {_n(new, 'new review')}, {seen} already "
              f"stored{f' ({edited})' if edited else ''}, {_n(len(res.errors), 'row')} skipped"
              + (f", {_n(res.repeated, 'repeated row')}" if res.repeated else "")
              + (f"; {masked_line(res.masked, res.masked_kinds)}" if res.masked else ""))
        print(f"  {columns_line(res)}")
        if res.date_order and not args.date_order:
            print(f"  dates such as 03/04/2026 read {res.date_order} first, as the file's other dates show "
                  f"(--date-order {'month' if res.date_order == 'day' else 'day'} if not)")
        for remark in res.remarks:  # what the import assumed or found about the whole file
            print(f"  {remark}")
        said = sorted(res.errors + res.notes, key=lambda e: e["line"])  # skipped rows, and rows kept without a value
        for e in said[:10]:
            print(f"  line {e['line']}: {e['message']}")
        if len(said) > 10:
            print(f"  ... and {len(said) - 10} more (reviewlens runs --kind import --errors lists them)")
    if added:  # checked now, so that the dashboard and the filters find the findings ready
        from .jobs import Job

        found = Job(store, settings).check_reviews()
        if found.suspicious:
            print(f"suspicious reviews: {found.suspicious} of {found.reviews} (reviewlens suspicious lists them)")
    if bad:
        print(f"{len(bad)} of {len(args.file)} files could not be imported: {', '.join(bad)}")
        return ExitStatus.ERROR
    return ExitStatus.OK


def cmd_delete(args, settings) -> ExitStatus:
    from .. import captures
    from ..display_text import neutralize

    if args.expired:
        if not settings.privacy.keep_days:
            raise ConfigError("--expired deletes the reviews older than [privacy] keep_days, which is 0 (kept for "
                              "good): set it, or give --before DATE")
        if args.before or args.run is not None or args.source or args.author or args.product:
            raise ConfigError("--expired takes nothing else: it deletes every review older than [privacy] keep_days")
        args.before = date.today() - timedelta(days=settings.privacy.keep_days)
    if args.run is None and not args.source and not args.author and args.before is None:
        raise ConfigError("delete which reviews? give --run ID (reviewlens runs shows them), --source NAME, "
                          "--author NAME, --before DATE or --expired")
    if args.product and not (args.source or args.author or args.before):
        raise ConfigError("--product narrows a --source (or --author, --before); give the source too")
    store = Store(settings.db)
    if args.run is not None and not store.has_run(args.run):
        raise ConfigError(f"there is no run {args.run} (reviewlens runs shows them)")
    _check_names(store, sources=args.source, products=args.product)
    which = {"run_id": args.run, "sources": args.source or (), "products": args.product or (),
             "authors": args.author or (), "before": args.before}
    what = Store.deletion(**which)
    for name in args.author or ():
        if not store.delete_reviews(authors=[name], dry_run=True)[1]:
            raise ConfigError(f"no stored review is by {neutralize(name)!r} (the name exactly as stored: "
                              "`reviewlens export` shows them)")
    later = store.stored_again(args.run) if args.run is not None else []  # also brought by a later run
    forget = bool(args.author or args.before)
    # the debug captures of pages that show their words or names (reviewlens.captures): they go too
    held = captures.holding(settings.debug_dir, store.deletion_words(**which), args.author or ()) if forget else []
    if not args.yes:
        print(f"would delete {_n(store.delete_reviews(**which, dry_run=True)[1], 'review')} ({what}); add --yes to "
              "delete them"
              + (" with their analyses, your labels of their texts and their quotes in the stored themes, alerts "
                 "and answers; the sentence vectors and server answers cached on this machine are erased"
                 if forget else ""))
        for line in _stored_again_lines(later, done=False):
            print(f"  {line}")
        if held:
            print(f"  {_n(len(held), 'debug capture')} under {settings.debug_dir} (pages saved as the site served "
                  "them) show their words or names: deleted too")
        return ExitStatus.OK
    run_id, n = store.delete_reviews(**which)
    traces = next((r["detail"] for r in store.list_runs(limit=20, kind="delete") if r["id"] == run_id), {})
    also = [f"{_n(traces[k], w)}" for k, w in (("themes", "stored theme"), ("alerts", "alert"),
                                                ("questions", "answer to a question")) if traces.get(k)]
    print(f"run {run_id}: deleted {_n(n, 'review')} ({what})"
          + (", with their analyses and labels" if n and (args.author or args.before) else "")
          + (f"; their quotes taken out of {', '.join(also)}" if also else "")
          + ("; `reviewlens complaints` recomputes the top complaints without them" if n else ""))
    for line in _stored_again_lines(later, done=True, store=store):
        print(f"  {line}")
    if held:
        print(f"  deleted {_n(captures.remove(held), 'debug capture')} under {settings.debug_dir} that showed their "
              "words or names (pages saved as the site served them)")
    return _said_erased(_erase_caches(n if forget else 0))


def _erase_caches(forgotten: int) -> "Erased | None":
    """After `forgotten` reviews were forgotten (deleted by author or date, or masked): erase what this machine
    keeps of review texts outside the store (reviewlens.app.forgetting.Erased; None when none was forgotten)."""
    if not forgotten:
        return None
    from .forgetting import erase_caches

    return erase_caches()


def _said_erased(erased: "Erased | None") -> ExitStatus:
    """Say what `_erase_caches` did; ERROR when a cache could not be erased (it may hold the forgotten texts)."""
    if erased is None:
        return ExitStatus.OK
    for line in erased.lines():
        print(f"  {line}", file=sys.stderr if erased.failed and line.startswith("could not") else sys.stdout)
    return ExitStatus.ERROR if erased.failed else ExitStatus.OK


def _stored_again_lines(later: list[dict], *, done: bool, store: Store | None = None) -> list[str]:
    """What `delete --run` says of the run's reviews that a later run stored again (Store.stored_again): they go
    too (they are one review each, first stored by the deleted run), and how they come back; after the deletion
    (`done`), a later scheduled import's file is forgotten, so that the next scheduled check imports it again."""
    from .scheduler import forget_import

    out = []
    for r in later:
        file = (r.get("detail") or {}).get("file")
        what = f"run {r['run']}'s {r.get('kind') or 'run'}" + (f" ({file})" if file else "")
        line = f"{r['reviews']} of these {'were' if r['reviews'] != 1 else 'was'} also in {what}, a later run: "
        again = forget_import(store, r) if done and store is not None else None
        if again:
            line += f"deleted too; the next scheduled check (`reviewlens schedule --once`) imports {again} again"
        elif r.get("kind") == "import" and r.get("trigger") == "schedule":
            line += ("they go too; the scheduler then imports that file again at its next check" if not done else
                     "deleted too; that file is no longer in its folder as it was: `reviewlens import FILE` brings "
                     "them back")
        elif r.get("kind") == "import":
            line += ("they go too" if not done else "deleted too") + (
                f"; `reviewlens import {file}` brings them back" if file else "; importing that file again brings them back")
        else:
            line += ("they go too" if not done else "deleted too") + "; `reviewlens scrape --full` of those pages brings them back"
        out.append(line)
    return out


def _export_format(args) -> str:
    """The format `export` writes: the output's suffix says it (.csv: CSV; .jsonl, .json, .ndjson or none: JSON
    lines); a --format that contradicts it is an error rather than JSON lines in a file named .csv."""
    suffix = Path(args.output).suffix.lower()
    named = "csv" if suffix == ".csv" else "jsonl" if suffix else None
    if args.format and named and args.format != named:
        raise ConfigError(f"--format {args.format}, but {args.output} ends in {suffix}: give the file a "
                          f"{'.csv' if args.format == 'csv' else '.jsonl'} name, or leave out --format")
    return args.format or named or "jsonl"


def _without_part(path: Path, write: Callable[[], int]) -> int:
    """`write()`, and the writer's PATH.part gone if it fails (a full disk, a folder in the way): a half
    file is never left beside the one asked for."""
    part = path.with_name(path.name + ".part")
    had = part.exists()
    try:
        return write()
    except BaseException:
        if not had:
            part.unlink(missing_ok=True)
        raise


def cmd_export(args, settings) -> ExitStatus:
    from ..records_io import export_records

    fmt = _export_format(args)
    store = Store(settings.db)
    _check_names(store, products=args.product, sources=args.source, versions=args.versions)
    fields = _fields(args)
    _check_fields(store, fields)
    suspicious = _marks(store, args)
    languages = _languages(store, args)
    said, mentions = _said(args), mention_filter(args.mentions)
    # ratings without words have a period, a product and a source, nothing else to select them by
    stars = args.star_only and not (fields or languages or suspicious is not None or args.tag or mentions or said)
    n = _without_part(args.output, lambda: export_records(
        store, args.output, fmt, raw=args.raw, star_only=stars, since=args.since, until=args.until,
        products=args.product, sources=args.source, fields=fields, languages=languages, suspicious=suspicious,
        tags=args.tag or (), mentions=mentions, said=said, versions=args.versions or ()))
    also = (f" and {_n(n.star_only, 'rating')} without a text (star-only reviews, their text empty)"
            if n.star_only else "")
    print(f"wrote {_n(n.reviews, 'review')}{also} to {args.output} ({fmt.upper()})")
    return ExitStatus.OK


def cmd_label(args, settings) -> ExitStatus:
    from ..display_text import neutralize
    from ..labels import import_labels, write_labels
    from ..privacy import Masker

    store = Store(settings.db)
    if args.label_command == "import":
        from .taxonomy_record import check

        topics = check(store, settings, what=f"label import {args.file}")["topics"]  # those of the store's analyses
        res, added, replaced = import_labels(store, args.file, topics, source=args.source, encoding=args.encoding,
                                             masker=Masker.from_settings(settings.privacy, store))
        print(f"read {_n(res.rows, 'row')} from {args.file}: {_n(len(res.labels), 'label')}, {added} added, "
              f"{replaced} replaced, {len(res.labels) - added - replaced} already stored; "
              f"{_n(len(res.errors), 'row')} skipped")
        for e in res.errors[:20]:
            print(f"  {args.file}, line {e['line']}: {e['message']}")
        if len(res.errors) > 20:
            print(f"  ... and {len(res.errors) - 20} more")
        if added or replaced:
            print("the next `reviewlens analyze` learns from them: it reads the analyzed review texts again, keeping "
                  "what labels cannot change (translations, the names found, what the models read before)")
        return ExitStatus.OK
    if args.label_command == "export":
        n = _without_part(args.output, lambda: write_labels(store.labels(), args.output))
        print(f"wrote {n} labels to {args.output}")
        return ExitStatus.OK
    rows = store.labels(kind=args.kind, limit=args.limit)
    if not rows:
        print("no labels yet (reviewlens label import FILE, or correct a review in the dashboard)")
        return ExitStatus.OK
    print(f"{'created (UTC)':16} {'kind':9} {'label':24} {'source':20} text")
    for lb in rows:
        label = lb.value + (f" ({lb.topic_sentiment})" if lb.topic_sentiment else "")
        text = " ".join(neutralize(lb.text).split())
        print(f"{lb.created_at:%Y-%m-%d %H:%M} {lb.kind:9} {label:24} {lb.source[:20]:20} "
              f"{text[:70] + ('…' if len(text) > 70 else '')}")
    print(f"label version {store.label_version()}")
    return ExitStatus.OK


def cmd_runs(args, settings) -> ExitStatus:
    store = Store(settings.db)
    store.mark_stale_runs()
    rows = store.list_runs(limit=args.limit, kind=args.kind)
    if args.json:
        print(json.dumps(rows, default=str, indent=1))
        return ExitStatus.OK
    if not rows:
        print(f"no {args.kind} runs yet" if args.kind and store.list_runs(limit=1) else
              "no runs yet (try `reviewlens demo` or `reviewlens scrape URL`)")
        return ExitStatus.OK
    print(f"{'id':>4}  {'kind':8} {'status':11} {'started (UTC)':19} {'secs':>6} {'pages':>5} {'new':>5} "
          f"{'seen':>5} {'errs':>4}  source")
    for r in rows:
        secs = (r["finished_at"] - r["started_at"]).total_seconds() if r["finished_at"] else None
        new, seen, source = r["reviews_new"] or 0, r["reviews_seen"] or 0, (r["source"] or "")[:60]
        if r["kind"] == "delete":  # the store counts what a deletion took in reviews_seen: neither new nor seen
            new, seen, source = "", "", f"deleted {seen}: {source}"
        print(f"{r['id']:>4}  {r['kind']:8} {r['status']:11} {r['started_at']:%Y-%m-%d %H:%M:%S} "
              f"{'' if secs is None else f'{secs:.1f}':>6} {r['pages'] or 0:>5} {new:>5} "
              f"{seen:>5} {len(r['errors']):>4}  {source}")
        if r["status"] == "degraded" and r["detail"].get("message"):
            print(f"        degraded: {r['detail']['message']}")
        if r["detail"].get("star_only"):  # an import's or a scrape's ratings without words, kept apart
            print(f"        and {_n(r['detail']['star_only'], 'star-only rating')} (no words; "
                  f"{r['detail'].get('star_only_new', 0)} new), kept apart from the reviews")
        if r["kind"] == "analyze" and r["status"] != "ok" and r["detail"].get("step") == "themes":
            print("        " + ("computing the top complaints" if r["status"] == "running" else
                                 "stopped while computing the top complaints: `reviewlens analyze` computes them"))
        if args.errors:
            for e in r["errors"]:
                print(f"        {error_line(e)}")
    return ExitStatus.OK


def cmd_alerts(args, settings) -> ExitStatus:
    from .alerting import check_alerts, try_channels
    from .channels import make_channels

    store = Store(settings.db)
    channels = make_channels(settings.alerts.channels)
    if args.alerts_command == "test":
        chosen = [c for c in channels if args.channel in (None, c.name)]
        if not chosen:
            known = ", ".join(c.name for c in channels) or "none"
            raise ConfigError(f"no alert channel {'named ' + repr(args.channel) if args.channel else 'is configured'} "
                              f"(channels: {known}); add [[alerts.channels]] to reviewlens.toml (see alerts --help)")
        if len(chosen) > 1:
            print(f"sending a test alert to {len(chosen)} channels at once (once each; each waits up to its timeout)")
        tries = try_channels(chosen)
        for t in tries:
            if t.error is None:
                print(f"{t.channel.name}: sent in {t.seconds:.1f} s ({t.channel.describe()})")
            else:
                print(f"{t.channel.name}: FAILED after {t.seconds:.1f} s ({t.channel.describe()}): {t.error}")
        return _status(not any(t.error for t in tries))
    if args.alerts_command == "list":
        rows = queries.alerts_frame(store, limit=args.limit)  # the dashboard's list: texts neutralised
        if rows.empty:
            print("no alerts yet (reviewlens alerts check)")
        for r in rows.itertuples():
            print(f"{r.id:>4}  {r.created_at:%Y-%m-%d %H:%M}  {r.kind:9} {r.title[:90]}  [{r.sent}]")
            if args.full:
                for line in r.text.splitlines():
                    print(f"      {line}")
        if not channels:
            print("no channels configured: alerts are stored, not sent (see `reviewlens alerts --help`)")
        return ExitStatus.OK
    from ..display_text import neutralize

    res = check_alerts(store, settings, send=not args.no_send, dry_run=args.dry_run, channels=channels)
    shown = res.found if args.dry_run else res.new
    for a in shown:  # review text on a terminal: control and bidi characters neutralised
        print("\n".join(f"  {line}" if i else f"* {line}"
                        for i, line in enumerate(neutralize(a.plain_text()).splitlines())))
        print()
    if args.dry_run:
        print(f"{len(res.found)} finding{'s' if len(res.found) != 1 else ''} (dry run: nothing stored or sent; "
              f"those already raised are included)")
        return ExitStatus.OK
    for d in res.failed:
        print(f"could not send alert {d.alert.id} to {d.channel}: {d.error}")
    print(res.line() + ("" if channels else "; no channels configured (alerts are stored: `reviewlens alerts list`)"))
    return _status(not res.failed)


def cmd_schedule(args, settings) -> ExitStatus:
    import textwrap

    from ..schedule import load_schedule
    from .scheduler import Scheduler, outcome

    sched = load_schedule(args.schedule_file)
    s = Scheduler(sched, Store(settings.db), settings)
    if args.list:
        due = {x.name for x in s.due()}
        for src in sched.sources:
            last, status = s.last_start(src), s.last_outcome(src)
            when = f"last run {last:%Y-%m-%d %H:%M} UTC" if last else "never run"
            if status:  # a source that fails every run must not look healthy
                when += ", " + textwrap.shorten(status, 100, placeholder=" …")
            print(f"{src.name}: {src.when}, {when}" + (" (due)" if src.name in due else ""))
        channels = ", ".join(f"{c.name} ({c.describe()})" for c in s.channels)
        print(f"alerts after each run go to: {channels}" if channels else
              "alerts after each run are stored, not sent: no [[alerts.channels]] (reviewlens alerts --help)")
        return ExitStatus.OK
    if args.once:
        results = s.run_once()
        if not results and not args.quiet:
            print("nothing is due")
        for name, res in results.items():
            if not args.quiet or (res and res.get("error")):  # -q (cron, a log file): only the failures
                print(f"{name}: {outcome(res)}")
        return _status(not any(r and "error" in r for r in results.values()))
    s.run_forever()
    return ExitStatus.OK


DEMO_TOP = 5  # the top complaints the demo prints (it keeps more, as `reviewlens complaints` does)


def cmd_demo(args, settings) -> ExitStatus:
    from .demo_shop import demo_urls, start_demo_site
    from .jobs import Job, JobOptions, format_complaints

    if args.delay is None:
        settings.scraper.delay = 0.05  # our own local server: no need to wait between pages
    store = Store(settings.db)
    job = Job(store, settings)
    try:
        base, stop = start_demo_site(port=args.port)
    except OSError as e:
        if e.errno != errno.EADDRINUSE:  # a missing data file or a refused port is not "busy": say what it is
            raise
        # reviews found without a site config are identified by host:port, so another port means
        # a second copy of those reviews in this store: say so rather than guess
        log.warning("port %s is busy (%s); serving the demo shop on a free port instead. Its reviews get new "
                    "identities: use a fresh --db, or free port %s, to avoid a second copy.", args.port, e, args.port)
        base, stop = start_demo_site(port=0)
    print(f"demo shop running at {base}")
    try:
        res = job.run(JobOptions(urls=demo_urls(base), source="demo-shop", trigger="demo", analyze=False,
                                 quiet=args.quiet), echo=print)
        for msg in res.scrape.degraded:
            print(f"  degraded: {msg}")
        if args.serve:
            print(f"the demo shop stays up at {base} (Ctrl+C stops it)")
    finally:
        if not args.serve:
            stop()
    opts = JobOptions(analyze=not args.no_analyze, limit=args.limit, complaints=True, report=True,
                      report_file=args.output, report_name="demo-report", trigger="demo", quiet=args.quiet)
    done = job.run(opts, echo=print)
    if done.analysis is not None:
        themes, scope = (done.themes, done.scope) if done.themes is not None else queries.latest_complaints(store)
        print()
        impacts = queries.theme_impacts(store, themes, scope)  # of all the kept themes, as `complaints` has them
        print(format_complaints(themes[:DEMO_TOP], scope, impacts[:DEMO_TOP]))
        print()
        loved = done.praise if done.praise is not None else queries.latest_complaints(store, "praise")[0]
        if loved:
            print("What customers love most: " + ", ".join(f"{t.label} ({t.count} reviews)" for t in loved[:3]))
            print()
        asked = done.requests if done.requests is not None else queries.latest_complaints(store, "requests")[0]
        if asked:
            print("What customers ask for most: " + ", ".join(f"{t.label} ({t.count} reviews)" for t in asked[:3]))
            print()
    if res.suspicious is not None and res.suspicious.suspicious:
        print(f"Look twice: {res.suspicious.line()}")
        print()
    print(f"Review store: {store.display_url()}")
    shown = Store.describe(settings.db)  # a password shows as ***
    db_arg = "" if settings.db == str(Path(settings.data_dir) / "reviewlens.db") else f" --db {shlex.quote(shown)}"
    if shown != settings.db:
        print("(*** below stands for the database password; or set REVIEWLENS_DB and leave out --db)")
    print(f"Open the dashboard:  .venv/bin/reviewlens dashboard{db_arg}   (then http://127.0.0.1:8501)")
    print(f"Products compared:   .venv/bin/reviewlens compare{db_arg}")
    print(f"Every product:       .venv/bin/reviewlens scorecard{db_arg}   (the ones to look at first at the top)")
    print(f"What they love:      .venv/bin/reviewlens praise --stored{db_arg}")
    print(f"Suspicious reviews:  .venv/bin/reviewlens suspicious{db_arg}")
    print(f"What would alert:    .venv/bin/reviewlens alerts check --dry-run{db_arg}   "
          "(e-mail and Slack: see `reviewlens alerts --help`)")
    if args.serve:
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            stop()
    if done.ok and res.scrape is not None and res.scrape.status == "degraded":
        return ExitStatus.DEGRADED  # as `reviewlens scrape` says it: the shop's layout seems to have changed
    return _status(res.ok and done.ok)


def cmd_analyze(args, settings) -> ExitStatus:
    from .jobs import Job, JobOptions

    if args.retranslate and not settings.analysis.translate:
        raise ConfigError("--retranslate: translation is off ([analysis] translate = false, or --no-translate)")
    if args.since and args.until and args.since > args.until:
        raise ConfigError(f"--since {args.since} is after --until {args.until}")
    store = Store(settings.db)
    _check_names(store, products=args.product, sources=args.source)  # a misspelt name would analyze nothing
    only = {"products": args.product, "sources": args.source, "since": args.since, "until": args.until}
    res = Job(store, settings).run(
        JobOptions(limit=args.limit, retry_failed=args.retry_failed, retranslate=args.retranslate,
                   retopic=args.retopic, complaints=not args.no_complaints, quiet=args.quiet,
                   only={k: v for k, v in only.items() if v} or None),
        echo=print)
    if res.themes is not None:
        print("(reviewlens complaints --stored prints them)")
    return _status(res.ok)


_NAMED = {"products": ("--product", "no review in the store is about that product"),
          "sources": ("--source", "no review in the store comes from that source"),
          "versions": ("--app-version", "no review in the store names that version"),
          "languages": ("--language", "no analyzed review is in that language (ISO 639-1 codes, as detected)")}


def _fields(args) -> tuple:
    """`--field NAME=VALUE` (repeatable) as the filter's fields; a clear error for one without NAME=."""
    from ..filters import field_filter

    try:
        return field_filter(getattr(args, "field", None))
    except ValueError as e:
        raise ConfigError(f"--field: {e}") from None


def _languages(store: Store, args) -> tuple[str, ...]:
    """`--language de,fr` (repeatable) as the filter's languages (`Filters.of` checks the codes), each one the
    analysis detected in some review, else a ConfigError naming the nearest: a selection of no reviews would
    read as an empty store."""
    from ..filters import Filters

    given = [code for item in getattr(args, "language", None) or () for code in str(item).split(",")]
    try:
        languages = Filters.of(languages=given).languages
    except ValueError as e:
        raise ConfigError(f"--language: {e}") from None
    _check_names(store, languages=list(languages))
    return languages


def _nearest(word: str, known: Sequence[str], cutoff: float) -> list[str]:
    """The known names nearest `word`, case aside: one that differs only in case first ('de' → 'DE', which
    difflib alone finds too far), then the closest by spelling."""
    import difflib

    folded: dict[str, list[str]] = {}
    for k in known:
        folded.setdefault(k.casefold(), []).append(k)
    same = folded.get(word.casefold(), [])
    near = [k for f in difflib.get_close_matches(word.casefold(), list(folded), n=3, cutoff=cutoff)
            for k in folded[f]]
    return list(dict.fromkeys(same + near))[:3]


def _check_fields(store: Store, fields: tuple) -> None:
    """A --field whose name or value the store does not have is an error naming the nearest."""
    if not fields:
        return
    names = store.field_names()
    for name, values in fields:
        if name not in names:
            near = _nearest(name, names, cutoff=0.5)
            raise ConfigError(f"--field {name}=...: no review has a field {name!r}" + (
                f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else
                f" (the store's fields: {', '.join(repr(n) for n in names[:12]) or 'none; they come from the other columns of an imported file'})"))
        known = queries.field_value_list(store, name)
        for v in values:
            if v not in known:
                near = _nearest(v, known, cutoff=0.4)
                raise ConfigError(f"--field {name}={v}: no review has that value" + (
                    f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else
                    f" (its values: {', '.join(repr(k) for k in known[:12])}{', ...' if len(known) > 12 else ''})"))


def _check_names(store: Store, **given: list[str] | None) -> None:
    """A --product, --source, --app-version or --language that names nothing in the store is an error naming the nearest
    ones: the command would otherwise find nothing and say so as if the store were empty (a report of 0 reviews,
    "are the reviews analyzed?")."""
    import difflib

    given = {k: v for k, v in given.items() if v}
    if not given:
        return
    opts = queries.options(store)
    for key, names in given.items():
        flag, missing = _NAMED[key]
        known = [str(k) for k in getattr(opts, key)]
        for p in names:
            if p in known:
                continue
            stored = store.sources_stored_by(p) if key == "sources" else []
            if stored:  # a schedule's (or a scrape run's) name, not the reviews' source
                raise ConfigError(
                    f"--source {p!r}: the reviews come from no source of that name; it names runs in the history "
                    f"(a schedule's source), whose reviews are stored under the source"
                    f"{'s' if len(stored) > 1 else ''} {', '.join(repr(x) for x in stored)} (a site config's name, "
                    f"or the site's host): give {' '.join(f'--source {x!r}' for x in stored)}")
            near = difflib.get_close_matches(p, known, n=3, cutoff=0.4) or \
                [k for k in known if p.lower() in k.lower()][:3]
            hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else \
                (f" (the store has: {', '.join(repr(k) for k in known[:8])}{', ...' if len(known) > 8 else ''})"
                 if known else " (the store has none)")
            raise ConfigError(f"{flag} {p!r}: {missing}{hint}")


#: `--days` when the user gives none (reviewlens.app.parser): a --stored with another --days asks for another period.
_THEME_DAYS = 90


def _check_stored_period(args, scope: dict, kind: str) -> None:
    """`--stored` prints the saved themes as they were computed, for their own period: a --since, --until or
    --days naming another period is an error saying which period is saved, rather than that period printed as
    if it were the one asked for (the saved themes are never recounted for another)."""
    from .jobs import THEME_WORDS

    since, until = scope.get("since"), scope.get("until")
    asked = [f"--since {args.since}"] * bool(args.since and str(args.since) != since) + \
        [f"--until {args.until}"] * bool(args.until and str(args.until) != until)
    if args.days != _THEME_DAYS and not args.since:
        length = (date.fromisoformat(until) - date.fromisoformat(since)).days + 1 if since and until else None
        asked += [f"--days {args.days}"] * (length != args.days)
    if asked:
        period = f"of {since} to {until}" if since else "of all reviews (they have no dates)"
        raise ConfigError(f"{' '.join(asked)}: --stored shows the saved {THEME_WORDS[kind][0]} themes {period}, "
                          f"as they were computed; leave out {' and '.join(a.split()[0] for a in asked)}, or run "
                          "without --stored to compute them for that period")


def _nothing_stored(args, kind: str, fields: tuple) -> str:
    """What `--stored` says when no themes of `kind` are saved for the selection (not "are the reviews
    analyzed?": they may well be; a computation that finds no theme saves none)."""
    from .jobs import THEME_WORDS

    if args.product or fields:
        return "No themes stored for this selection yet: run the same command without --stored to compute them."
    return (f"No {THEME_WORDS[kind][0]} themes stored yet: `reviewlens {kind}` (without --stored) computes them "
            "(a computation that finds none stores none).")


def cmd_complaints(args, settings) -> ExitStatus:
    """`complaints`, `praise` and `requests` (args.kind): compute (or read) the themes and print them.

    A computation keeps analysis.complaints.KEPT themes whatever --top (more only for a larger --top), and
    their rating impacts are worked out over all of them: the report, the dashboard and the alerts read what
    is kept, so `--top 3` must not cut it for them, nor change a theme's figures; --top limits what is
    printed. With --json, stdout is the JSON alone: what was done goes to stderr."""
    from analysis.complaints import KEPT

    from .jobs import Job, format_complaints, themes_in_languages

    kind = getattr(args, "kind", "complaints")
    say = (lambda line: print(line, file=sys.stderr)) if args.json else print
    store = Store(settings.db)
    _check_names(store, products=args.product)
    fields = _fields(args)
    _check_fields(store, fields)
    languages = _languages(store, args)
    if not args.stored or args.rename or args.merge or args.split:  # it will store themes: said before the work
        store.check_writable()
    if args.rename:
        old, new = args.rename
        try:
            name = queries.rename_theme(store, old, new, kind, args.product, fields)
        except ValueError as e:
            raise ConfigError(f"--rename: {e}") from e
        say(f"renamed {old!r} to {name!r}; later computations keep the name while they find the theme again")
    if args.merge:
        try:
            queries.merge_themes(store, args.merge[0], args.merge[1], kind, args.product, fields)
        except ValueError as e:
            raise ConfigError(f"--merge: {e}") from e
        say(f"{args.merge[0]!r} merged into {args.merge[1]!r}; computing the themes again "
            "(later computations keep them merged)")
    if args.split:
        if args.merge:
            raise ConfigError("--split and --merge: one at a time")
        try:
            queries.split_theme(store, args.split, kind, args.product, fields)
        except ValueError as e:
            raise ConfigError(f"--split: {e}") from e
        say(f"splitting {args.split!r} in two; computing the themes again (later computations keep the parts apart)")
    kept = max(args.top, KEPT)
    if (args.stored or args.rename) and not (args.merge or args.split):
        themes, scope = queries.latest_complaints(store, kind, args.product, fields)
        if args.stored and scope:
            _check_stored_period(args, scope, kind)
    else:
        themes, scope = Job(store, settings).complaints(since=args.since, until=args.until, products=args.product,
                                                        top=kept, days=args.days, use_llm=not args.no_llm,
                                                        kind=kind, fields=fields, quiet=args.quiet)
    for name, parts in scope.get("split") or []:
        say(f"{name!r} split into {parts[0]!r} and {parts[1]!r}" if parts else
            f"{name!r} was not split: it was not found again, or one part would have had fewer than two reviews "
            f"or would not be among the top {kept}")
    if not themes and not scope and args.stored:
        say(_nothing_stored(args, kind, fields))
        if args.json:
            print(json.dumps({"scope": {}, "themes": []}))
        return ExitStatus.OK
    if languages and scope:  # the themes of all languages, counted in these (as the dashboard's Language filter)
        themes, scope, impacts = themes_in_languages(store, kind, args.product, fields, languages)
    else:
        impacts = queries.theme_impacts(store, themes, scope)  # all kept themes held equal, whatever --top shows
    themes, impacts = themes[:args.top], impacts[:args.top]
    if args.json:
        rows = [{**asdict(t), "rating_impact": None if m is None else {**asdict(m), "gap": round(m.gap, 3),
                                                                        "at_stake": round(m.at_stake, 3)}}
                for t, m in zip(themes, impacts)]
        print(json.dumps({"scope": scope, "themes": rows}, default=str, indent=1, ensure_ascii=False))
    else:
        print(format_complaints(themes, scope, impacts, kind))
    hint = queries.translation_hint(store)
    if hint and themes:  # the themes of reviews read in a weak translation: said where they are read
        say(f"Note: {hint}.")
    return ExitStatus.OK


def cmd_compare(args, settings) -> ExitStatus:
    from .. import integrity
    from ..comparison import compare
    from ..filters import Filters
    from .jobs import complaint_periods

    store = Store(settings.db)
    integrity.current(store)  # the share of suspicious reviews of each group reads the findings
    _check_names(store, products=args.product, sources=args.source, versions=args.versions)
    fields = _fields(args)
    field = args.by[len("field:"):] if args.by.startswith("field:") else None
    _check_fields(store, fields + (((field, ()),) if field else ()))
    languages = _languages(store, args)
    since, until = args.since, args.until
    if args.by == "period":
        try:
            periods = complaint_periods(store, since, until, args.days)  # as `complaints` chooses its period
        except ValueError as e:
            raise ConfigError(str(e)) from None
        if periods is None:
            print("no dated reviews to compare periods of (reviewlens demo, or scrape some)")
            return ExitStatus.OK
        since, until = periods[:2]
    try:
        base = Filters.of(since=since, until=until,
                          products=args.product if args.by != "product" else None,
                          sources=args.source if args.by != "source" else None,
                          languages=languages if args.by != "language" else None,
                          versions=args.versions if args.by != "version" else None,
                          fields={k: v for k, v in fields if k != field})
        names = {"product": args.product, "source": args.source, "version": args.versions,
                 "language": languages}.get(args.by) or ()
        if field:  # --field NAME=VALUE with --by field:NAME: the values to compare
            names = dict(fields).get(field, ())
    except ValueError as e:
        raise ConfigError(str(e)) from None
    result = compare(store, args.by, base, names=names, top=args.top)
    if args.json:
        print(json.dumps(result.as_dict(), indent=1, ensure_ascii=False))
        return ExitStatus.OK
    if not any(g.headline.reviews for g in result.groups):
        if args.by == "version" and not args.versions and not queries.version_counts(store):
            print("no review says which version it was written about: versions come from an export's version "
                  "column (Google Play's App Version Name) or a site config's `version` field")
            return ExitStatus.OK
        print("no reviews to compare (is the store empty, or do the filters exclude everything?)")
        return ExitStatus.OK
    print(result.text())
    return ExitStatus.OK


def cmd_scorecard(args, settings) -> ExitStatus:
    from ..filters import Filters
    from ..scorecard import scorecard

    store = Store(settings.db)
    _check_names(store, products=args.product, sources=args.source, versions=args.versions)
    fields = _fields(args)
    field = args.by[len("field:"):] if args.by.startswith("field:") else None
    _check_fields(store, fields + (((field, ()),) if field else ()))
    if args.top < 0:
        raise ConfigError("--top: 0 (all) or more")
    try:
        f = Filters.of(since=args.since, until=args.until, products=args.product, sources=args.source,
                       languages=_languages(store, args), versions=args.versions, fields=dict(fields))
    except ValueError as e:
        raise ConfigError(str(e)) from None
    card = scorecard(store, args.by, f, sort=args.sort, top=args.top or None)
    if args.json:
        print(json.dumps(card.as_dict(), indent=1, ensure_ascii=False))
    elif not card.rows:
        print("no reviews in these filters" if not field else f"no review has a value of your field {field!r} in "
              "these filters")
    else:
        import shutil

        # to a terminal: as wide as it is (a file or a pipe: every column)
        width = None if args.wide or not sys.stdout.isatty() else shutil.get_terminal_size().columns
        print(card.text(width))
    return ExitStatus.OK


def _change_theme(store: Store, theme: str, product: str | None, fields: tuple):
    """The stored complaint theme `changes add --theme` names (case and spacing aside). A name no stored theme
    has is a did-you-mean error: the change would be measured against a theme no review raises, for ever.
    Only while no theme is stored yet (`reviewlens complaints` not run) is it recorded as given, with a note."""
    import difflib

    from ..changes import stored_theme, stored_themes

    found = stored_theme(store, theme, product, fields)
    if found is not None:
        return found
    labels = list(dict.fromkeys(t.label for t in stored_themes(store, product, fields)))
    if not labels:
        print(f"note: --theme {theme!r}: no complaint themes are stored yet (reviewlens complaints finds them); "
              "recorded as given")
        return None
    near = difflib.get_close_matches(theme, labels, n=3, cutoff=0.4)
    raise ConfigError(f"--theme {theme!r}: not among the stored top complaints" + (
        f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else
        f" (they are: {', '.join(repr(n) for n in labels[:8])}{', ...' if len(labels) > 8 else ''})"))


def cmd_changes(args, settings) -> ExitStatus:
    """`changes add|measure|list|delete`: the changes the user made and what the reviews said before and since."""
    from ..changes import Effect
    from ..display_text import neutralize
    from .jobs import Job

    store = Store(settings.db)
    action = args.changes_command or "list"
    if action == "delete":
        if not store.delete_change(args.id):
            raise ConfigError(f"there is no change {args.id} (reviewlens changes lists them)")
        print(f"forgot change {args.id}")
        return ExitStatus.OK
    ids = None
    if action == "add":
        if not args.description.strip():
            raise ConfigError("changes add needs a description of what changed")
        _check_names(store, products=[args.product] if args.product else None)
        fields = _fields(args)
        _check_fields(store, fields)
        theme = _change_theme(store, args.theme, args.product, fields) if args.theme else None
        ids = [store.add_change(args.day, args.description.strip(), args.product,
                                theme.label if theme else args.theme, theme.review_ids if theme else (), fields)]
        print(f"change {ids[0]} recorded: {args.day} {args.description.strip()!r}")
    elif action == "measure":
        known = {c["id"] for c in store.changes()}
        for i in args.ids or []:
            if i not in known:
                raise ConfigError(f"there is no change {i} (reviewlens changes lists them)")
        ids = args.ids or None
    if action in ("add", "measure"):
        Job(store, settings).measure_changes(ids, days=args.days, use_llm=not args.no_llm)
    rows = [c for c in store.changes() if ids is None or c["id"] in ids]
    if action == "list" and getattr(args, "json", False):
        print(json.dumps(rows, default=str, indent=1, ensure_ascii=False))
        return ExitStatus.OK
    if not rows:
        print("no changes recorded yet: reviewlens changes add YYYY-MM-DD \"what changed\" [--theme NAME]")
        return ExitStatus.OK
    for c in rows:
        scope = ", ".join(x for x in (c["product"] and f"product {c['product']!r}",
                                      *(f"{n}: {', '.join(v)}" for n, v in c["fields"]),
                                      c["theme"] and f"meant to fix {c['theme']!r}") if x)
        print(f"[{c['id']}] {c['day']}  {' '.join(neutralize(c['label']).split())}"
              + (f"  ({neutralize(scope)})" if scope else ""))
        if c["effect"] is None:
            print("  not measured: no review is dated on or after that day yet" if action != "list" else
                  "  not measured yet (reviewlens changes measure)")
        else:
            for line in Effect(**c["effect"]).lines():
                print(f"  {neutralize(line)}")
            if action == "list" and c["measured_at"] is not None:
                print(f"  (measured {c['measured_at']:%Y-%m-%d %H:%M} UTC; reviewlens changes measure for new reviews)")
        print()
    return ExitStatus.OK


def cmd_ask(args, settings) -> ExitStatus:
    from ..alerts import quote_meta
    from ..display_text import neutralize
    from ..filters import Filters, language_name
    from ..questions import NOT_ANSWERED, asked_of, dropped_note, facts_line
    from .answering import Answerer, answer_waiting

    store = Store(settings.db)
    answerer = Answerer(settings, use_llm=not args.no_llm, k=args.k)
    if args.pending:
        if args.question:
            raise ConfigError("ask --pending answers the dashboard's waiting questions: give it no question of its own")
        n = answer_waiting(store, answerer)
        print(f"answered {n} question(s) asked in the dashboard" if n else "no question from the dashboard is waiting")
        return ExitStatus.OK
    if not (args.question or "").strip():
        raise ConfigError("ask needs a question, e.g. reviewlens ask \"why do people return it?\"")
    fields = _fields(args)
    _check_fields(store, fields)
    try:
        f = Filters.of(since=args.since, until=args.until, products=args.product, sources=args.source,
                       sentiments=args.sentiment, languages=_languages(store, args), min_rating=args.min_rating,
                       max_rating=args.max_rating, fields=dict(fields))
    except ValueError as e:
        raise ConfigError(str(e)) from None
    _check_names(store, products=args.product, sources=args.source)
    res = answerer.answer(store, args.question, f)
    if not res.searched:
        print("no reviews to search (is the store empty, or do the filters exclude everything?)")
        return ExitStatus.OK
    if args.json:
        print(json.dumps(res.as_dict(), indent=1, ensure_ascii=False, default=str))
        return ExitStatus.OK
    print(f"Q: {' '.join(neutralize(args.question).split())}")
    if res.question_translation:
        print(f"   (searched in English as: {' '.join(neutralize(res.question_translation).split())}  "
              "- a machine translation)")
    elif res.question_language:
        why = ("--no-llm" if args.no_llm else "translation is off ([analysis] translate)"
               if not settings.analysis.translate else "the model could not translate it")
        print(f"   (the question looks {language_name(res.question_language)}: it was searched as it is ({why}), "
              f"which finds the reviews written in it by their words; ask in English to find the others too)")
    if res.facts:
        print(f"Numbers (counted in the store, not written by the model): {facts_line(res.facts)}. "
              "`reviewlens complaints` and `praise` count reviews by theme.")
    if not res.sources:
        print(f"No review among the {res.searched:,} searched speaks to this question.")
        return ExitStatus.OK
    if res.answer:
        print(f"A: {neutralize(res.answer)}")
        left_out = f"; {dropped_note(res.dropped)}" if res.dropped else ""
        print(f"   (written by {res.model} from the numbered excerpts below{left_out}; read them before you rely "
              "on it)")
    elif res.not_answered:
        print(f"A: {NOT_ANSWERED} (so says {res.model}: the excerpts below are the closest the reviews come)")
    elif answerer.writer is not None:
        print(f"A: (no written answer: {answerer.why_no_answer(res)})")
    print()
    print("What the reviews say (their own words):")
    for i, s in enumerate(res.sources, 1):
        meta = quote_meta({"rating": s.rating, "product": s.product, "review_id": s.review_id})
        mark = "*" if i in res.cited else " "
        print(f"{mark}[{i}] “{neutralize(s.text)}”  — {neutralize(meta)}")
        if s.translation:
            print(f"      ({neutralize(s.translation_note(300))})")
    print()
    shown = f"{len(res.sources)} of {res.matched} matching excerpts shown (-k N for more)" \
        if res.matched > len(res.sources) else ""
    cited = "* = cited in the answer" if res.cited else ""
    of = neutralize(asked_of(res.products, res.versions))
    print("; ".join(x for x in (f"Searched {res.searched:,} reviews{of}", shown, cited) if x))
    return ExitStatus.OK


REPLIES_SHOWN = 20  # drafts printed without --limit (-o writes them all)


def _text_or_none(v: object) -> str | None:
    """A frame's text cell as text, or None where it is empty (None or NaN)."""
    return v if isinstance(v, str) and v else None


def cmd_replies(args, settings) -> ExitStatus:
    from ..display_text import neutralize
    from ..filters import language_name
    from ..records_io import write_rows
    from ..replies import draft_for, reply_language, review_of_language

    store = Store(settings.db)
    _check_names(store, products=args.product, sources=args.source)
    fields = _fields(args)
    _check_fields(store, fields)
    df = store.reviews_frame(since=args.since, until=args.until, products=args.product, sources=args.source,
                             fields=fields, languages=_languages(store, args))
    if args.max_rating is not None:
        df = df[df["rating"].notna() & (df["rating"] <= args.max_rating)]
    if not args.all:
        df = df[df["reply"].isna() | (df["reply"].astype(str).str.strip() == "")]
    total = len(df)
    limit = args.limit if args.limit is not None else (None if args.output else REPLIES_SHOWN)
    if limit is not None:
        df = df.head(limit)
    which = "reviews" if args.all else "reviews without a reply"
    left_out = (f" of the {total:,} {which} (--limit N for more)" if len(df) < total else "")
    if df.empty:
        print("no reviews to draft replies for (they all have replies, or the filters exclude everything; "
              "--all includes answered ones)")
        return ExitStatus.OK
    rows = []
    hint = queries.preset_hint(store)  # the topics may not fit these reviews: the drafts name none
    if hint:
        print(f"Note: {hint}. Until then the drafts name no topic.\n", file=sys.stderr)
    labels, app = queries.topic_labels(store), queries.topics_preset(store) == "apps"
    for r in df.to_dict("records"):
        rating = None if r["rating"] is None or r["rating"] != r["rating"] else float(r["rating"])
        undated = r["date"] is None or r["date"] != r["date"]  # None, or NaT (which is truthy, and "NaT" as text)
        # the site's own id and the author beside ours: what Play Console or App Store Connect finds a review by
        rows.append({"id": r["id"], "site_review_id": _text_or_none(r.get("site_review_id")),
                     "author": _text_or_none(r.get("author")), "date": None if undated else r["date"].isoformat(),
                     "rating": rating, "product": r["product"], "url": r["url"], "text": r["text"],
                     "reply_language": reply_language(review_of_language(r), settings.replies),
                     "draft_reply": draft_for(r, settings.replies, topics_fit=not hint, labels=labels, app=app)})
    if args.output:
        try:
            n = write_rows(rows, args.output)
        except ValueError as e:
            raise ConfigError(str(e)) from None
        print(f"wrote {n} reply {'draft' if n == 1 else 'drafts'}{left_out} to {args.output}")
        return ExitStatus.OK
    for row in rows:
        text = " ".join(neutralize(row["text"] or "").split())
        stars = "" if row["rating"] is None else f"★{row['rating']:g}"
        print(f"review {row['id']}  {row['date'] or ''}  {stars}")
        print(f"  “{text[:200] + ('…' if len(text) > 200 else '')}”")
        print("  draft:" if row["reply_language"] == "en" else f"  draft ({language_name(row['reply_language'])}):")
        print("\n".join("    " + line for line in row["draft_reply"].splitlines()))
        print()
    print(f"{len(rows)} {'draft' if len(rows) == 1 else 'drafts'}{left_out}; edit before you send them. "
          "-o drafts.csv writes them with the reviews")
    return ExitStatus.OK


def _marks(store: Store, args) -> bool | None:
    """`--suspicious out|only` as Filters.suspicious (the findings checked again first if the reviews changed),
    after checking that each `--tag` is in use (a ConfigError naming the tags that are; `args.tag` becomes
    every stored spelling of each, as tags match case and spacing aside) and each `--mentions` name is named."""
    from ..tags import spellings

    suspicious = {"out": False, "only": True}.get(args.suspicious)
    if suspicious is not None:
        from .. import integrity

        integrity.current(store)
    known = [t for t, _ in store.tag_counts()]
    stored = []
    for t in args.tag or ():
        try:
            same = spellings(t, known)
        except ValueError as e:
            raise ConfigError(f"--tag {t!r}: {e}") from None
        if not same:
            raise ConfigError(f"--tag {t!r}: no review is tagged so" + (
                f" (the tags: {', '.join(repr(k) for k in known[:12])})" if known else " (no tags yet)"))
        stored += same
    if args.tag:
        args.tag = list(dict.fromkeys(stored))
    if args.mentions:
        folded = {name.casefold() for name, _, _ in queries.mention_counts(store, limit=None, own=True)}
        for n in mention_filter(args.mentions):
            if n.casefold() not in folded:
                raise ConfigError(f"--mentions {n!r}: no analyzed review names it" + _names_like(store, n))
    if args.said and not args.mentions:
        raise ConfigError(f"--said {args.said}: say of whom, with --mentions NAME")
    return suspicious


def _names_like(store: Store, name: str) -> str:
    """The names to suggest for a --mentions `name` no review names: only those `reviewlens mentions` lists (a
    part of a product's own name, "Pulse" of "Pulse Fitness Smartwatch", filters but is no mention to offer)."""
    from ..mentions import names_said

    found = [n for n, _, _ in queries.mention_counts(store, limit=None, own=True)]
    listed = {x.name.casefold() for x in names_said(store, top=10**6, quotes=0)} if found else set()
    named = [n for n in found if n.casefold() in listed]  # in the spelling the filter goes by
    close = [x for x in named if name.casefold() in x.casefold() or x.casefold() in name.casefold()][:8]
    if close:
        return f" (names like it: {', '.join(repr(c) for c in close)})"
    if named:
        return f" (the most named: {', '.join(repr(c) for c in named[:8])})"
    if found:
        return " (the reviews name only their products' own names)"
    return " (no names found yet: run `reviewlens analyze`)"


def _said(args) -> str | None:
    """`--said well|badly` as the sentiment of the clause that names the --mentions names."""
    return SAID_WORDS.get(args.said) if args.said else None


def cmd_report(args, settings) -> ExitStatus:
    """`report`: the Excel report of the selection; a selection without reviews is an error and writes no file
    (a report of 0 reviews beside the themes computed for another period says nothing, and said it silently)."""
    from .jobs import Job

    store = Store(settings.db)
    _check_names(store, products=args.product, sources=args.source, versions=args.versions)
    fields = _fields(args)
    _check_fields(store, fields)
    selection = dict(since=args.since, until=args.until, products=args.product, sources=args.source,
                     versions=args.versions, fields=fields, languages=_languages(store, args),
                     suspicious=_marks(store, args), tags=args.tag, mentions=mention_filter(args.mentions),
                     said=_said(args))
    chosen = Filters.of(**selection)
    if not queries.count_reviews(store, chosen):
        raise ConfigError(f"no reviews in the selection ({chosen.describe()}): no report written"
                          + ("; the store has none yet" if not queries.count_reviews(store) else ""))
    out = Job(store, settings).report(args.output, **selection)
    print(f"wrote {out}")
    return ExitStatus.OK


def _selection(store: Store, args) -> Filters:
    """The reviews `selection_opts` name (products, sources, dates, own fields), each checked against the store."""
    _check_names(store, products=args.product, sources=args.source)
    fields = _fields(args)
    _check_fields(store, fields)
    return Filters.of(since=args.since, until=args.until, products=args.product, sources=args.source, fields=fields,
                      languages=_languages(store, args))


def cmd_competitors(args, settings) -> ExitStatus:
    """`competitors`: the products and brands the selection's reviews compare with, and who left for them."""
    from ..competitors import competitors
    from ..display_text import neutralize

    store = Store(settings.db)
    f = _selection(store, args)
    found = competitors(store, f, top=args.top, quotes=args.quotes)
    if args.json:
        print(json.dumps({"selection": f.describe(), "competitors": [asdict(c) for c in found]},
                         default=str, indent=1, ensure_ascii=False))
        return ExitStatus.OK
    if not found:
        unanalyzed = queries.count_unanalyzed(store)
        print(f"{_sentence(f.describe())}: no review compares with another product or brand"
              + (f" ({unanalyzed} reviews not analyzed yet: run `reviewlens analyze`)." if unanalyzed else "."))
        return ExitStatus.OK
    print(f"What customers compare with, {f.describe()}:")
    for i, c in enumerate(found, 1):
        kind = "product" if c.type == "PRODUCT" else "brand"
        stars = f", rated {c.rating:.1f}★" if c.rating is not None else ""
        print(f"\n{i}. {neutralize(c.name)} ({kind}): {c.reviews} review{'s' if c.reviews != 1 else ''}"
              f" ({c.ways()}){stars}")
        if c.went_to:
            print(f"   Those who went to it complained of: {neutralize(c.why_left_said())}")
        _print_quotes(c.quotes, "   ")
    print("\nwent to it: the writer left you for it; came from it: switched from it to yours. "
          "`reviewlens export --mentions NAME` writes the reviews that name one.")
    return ExitStatus.OK


def cmd_mentions(args, settings) -> ExitStatus:
    """`mentions`: the names the selection's reviews mention, and what they say of each."""
    from ..display_text import neutralize
    from ..mentions import KIND_WORDS, entity_type, kind_word, names_said, types_in

    store = Store(settings.db)
    f = _selection(store, args)
    types = tuple(dict.fromkeys(entity_type(t) for t in args.type or ()))
    held = types_in(store)
    unknown = [t for t in types if t not in held and t not in KIND_WORDS]  # of the user's own, and none found
    if unknown:
        raise ConfigError(f"--type {unknown[0].lower()!r}: no analyzed review names one (the store has: "
                          f"{', '.join(kind_word(t) for t in held) or 'no names yet'})")
    found = names_said(store, f, types=types, top=args.top, quotes=args.quotes, order=args.sort, ids=args.json)
    if args.json:
        print(json.dumps({"selection": f.describe(), "types": list(types),
                          "names": [{**asdict(x), "neutral": x.neutral} for x in found]},
                         default=str, indent=1, ensure_ascii=False))
        return ExitStatus.OK
    if not found:
        unanalyzed = queries.count_unanalyzed(store)
        print(f"{_sentence(f.describe())}: no review names "
              + (" or ".join(f"a {kind_word(t)}" for t in types) if types else "a person, company, place or product")
              + (f" ({unanalyzed} reviews not analyzed yet: run `reviewlens analyze`)." if unanalyzed else "."))
        return ExitStatus.OK
    print(f"What reviews say of the names they mention, {f.describe()}:")
    for i, x in enumerate(found, 1):
        stars = f", rated {x.rating:.1f}★" if x.rating is not None else ""
        print(f"\n{i}. {neutralize(x.name)} ({kind_word(x.type)}): named in {x.reviews} review"
              f"{'s' if x.reviews != 1 else ''}: {x.said()}{stars}")
        _print_quotes(x.praise, "   + ")
        _print_quotes(x.complaints, "   - ")
    print("\n+ a sentence that speaks well of the name, - badly (what the clause that names it says). "
          "`reviewlens export --mentions NAME` writes the reviews that name one.")
    return ExitStatus.OK


def _print_quotes(quotes, lead: str) -> None:
    """Verbatim quotes, one a line after `lead`, with the review's id and address, and the machine translation
    of one in another language on the next line (shown, never obeyed: control characters neutralized)."""
    from ..display_text import neutralize

    for q in quotes:
        print(f"{lead}“{neutralize(' '.join(q.text.split()))}”  [{q.review_id}]" + (f" {neutralize(q.url)}" if q.url else ""))
        if q.translation:
            print(f"{' ' * (len(lead) + 2)}({neutralize(q.translation_note())})")


def cmd_suspicious(args, settings) -> ExitStatus:
    """`suspicious`: the reviews that look suspicious in the selection, the rating with and without them."""
    from .. import integrity
    from ..display_text import neutralize
    from ..filters import Filters

    store = Store(settings.db)
    f = _selection(store, args)
    summary, findings = integrity.in_selection(store, f)
    if args.json:
        print(json.dumps({"selection": f.describe(), "summary": asdict(summary),
                          "findings": [x.as_dict() for x in findings]}, default=str, indent=1, ensure_ascii=False))
        return ExitStatus.OK
    print(f"{_sentence(f.describe())}: {summary.line()}")
    for kind, what in integrity.KINDS.items():
        mine = [x for x in findings if x.kind == kind]
        if not mine:
            continue
        print(f"\n{what} ({len(mine)}):")
        for x in mine[:args.show]:
            print(f"  * {neutralize(x.title)}")
            rows, _ = queries.review_page(store, Filters(review_ids=tuple(x.review_ids)), page_size=3)
            for r in rows.itertuples():
                text = neutralize(" ".join(str(r.text).split()))
                text = text if len(text) <= 110 else text[:109] + "…"
                who = neutralize(str(r.author)) if isinstance(r.author, str) and r.author else "no name"
                stars = f"{r.rating:g}★" if r.rating == r.rating and r.rating is not None else "no rating"
                print(f"      {r.date or 'undated'}  {stars}  {who} ({neutralize(str(r.product or r.source))}): \"{text}\"")
            if len(x.review_ids) > 3:
                print(f"      ... and {len(x.review_ids) - 3} more")
        if len(mine) > args.show:
            print(f"  ... and {len(mine) - args.show} more (--show {len(mine)}, or --json)")
    if summary.suspicious:
        print("\nA reason to look twice, not proof of a fake. `reviewlens report --suspicious out` writes a report "
              "without them; the dashboard's sidebar can leave them out of every view.")
    return ExitStatus.OK


def cmd_privacy(args, settings) -> ExitStatus:
    """`privacy`: the stored reviews that hold personal data (shown masked); `--mask` masks it in the store. The
    debug captures of pages (Settings.debug_dir) are looked through too, and `--mask` deletes those that hold some."""
    from .. import captures, privacy
    from ..display_text import neutralize
    from .jobs import progress

    kinds = args.kind or settings.privacy.mask
    if not kinds:
        raise ConfigError("[privacy] mask is empty (nothing is masked): give the kinds to look for with --kind "
                          f"({', '.join(privacy.KINDS)})")
    names = settings.privacy.reviewer_names
    store = Store(settings.db)
    # the store's own key only when names are given pseudonyms now; counting which would change needs none
    key = bytes.fromhex(store.pseudonym_key()) if names == "pseudonym" and args.mask else b"look"
    masker = privacy.Masker(kinds, settings.privacy.phone_regions, names=names, key=key)
    renamed = 0  # reviews whose name as stored `reviewer_names` would change (stored before it was set)

    def rows():
        nonlocal renamed
        for r in store.written_rows():
            bar.update(1)
            renamed += masker.author(r["author"]) != r["author"]
            yield r

    with progress(total=store.count_reviews(), desc="look through", unit="review", quiet=args.quiet or args.json) as bar:
        n, holders = privacy.look(rows(), masker)
    counts: dict[str, int] = {}
    for h in holders:
        for k, c in h.counts.items():
            counts[k] = counts.get(k, 0) + c
    counts = {k: counts[k] for k in privacy.KINDS if k in counts}
    # columns of the reviewers' contact details an import kept as own fields before it left them out
    contact = store.field_counts([f for f in store.field_names() if masker.drops_field(f) and (
        not args.kind or privacy.contact_column(f) in masker.kinds)])  # --kind card: not the IP addresses
    masked = store.rewrite_written(masker.text, masker.author if names != "keep" else None) \
        if args.mask and (holders or renamed) else None
    dropped = store.drop_fields(list(contact)) if args.mask and contact else None
    # the pages a scrape could not read, saved as the site served them: deleted, not masked (reviewlens.captures)
    n_caps, cap_holders = captures.look(settings.debug_dir, masker)
    cap_counts: dict[str, int] = {}
    for ch in cap_holders:
        for k, c in ch.counts.items():
            cap_counts[k] = cap_counts.get(k, 0) + c
    cap_counts = {k: cap_counts[k] for k in privacy.KINDS if k in cap_counts}
    caps_gone = captures.remove(ch.capture for ch in cap_holders) if args.mask and cap_holders else None
    erased = _erase_caches(sum(masked.values()) if masked else 0)
    if args.json:
        print(json.dumps({"reviews": n, "with_personal_data": len(holders), "counts": counts, "kinds": list(masker.kinds),
                          "reviewer_names": names, "names_to_replace": renamed, "masked": masked,
                          "contact_fields": contact, "contact_fields_removed_from": dropped,
                          "found": [h.as_dict() for h in holders],
                          "debug_captures": {"folder": str(settings.debug_dir), "looked": n_caps,
                                             "with_personal_data": len(cap_holders), "counts": cap_counts,
                                             "files": [ch.capture.name for ch in cap_holders], "deleted": caps_gone},
                          "caches_erased": erased.rows if erased else None,
                          "caches_not_erased": [{"cache": w, "path": p, "error": e} for w, p, e in erased.failed]
                          if erased else []},
                         indent=1, ensure_ascii=False))
        return ExitStatus.ERROR if erased and erased.failed else ExitStatus.OK
    looked = ", ".join(privacy.WORDS[k][1] for k in masker.kinds)
    if not holders:
        print(f"No personal data in the {n} stored reviews (looked for {looked}).")
    else:
        print(f"Personal data in {len(holders)} of {n} stored reviews: {privacy.in_words(counts)}.")
    for h in holders[:args.show]:
        where = neutralize(str(h.product or h.source))
        print(f"  {h.id}  {where}  ({', '.join(h.fields)}): \"{neutralize(h.excerpt)}\"")
    if len(holders) > args.show:
        print(f"  ... and {len(holders) - args.show} more (--show {len(holders)}, or --json)")
    if cap_holders:
        print(f"Personal data in {len(cap_holders)} of {n_caps} debug captures under {settings.debug_dir} (pages a "
              f"scrape could not read, saved as the site served them): {privacy.in_words(cap_counts)}."
              + (f" Deleted {caps_gone} of them (with their screenshots): a page's HTML cannot be masked safely "
                 "(markup splits a number, the screenshot shows it)." if caps_gone is not None else
                 " `reviewlens privacy --mask` deletes them (with their screenshots): a page's HTML cannot be "
                 "masked safely."))
    elif n_caps:
        print(f"No personal data in the {n_caps} debug captures under {settings.debug_dir}.")
    if contact:
        cols = ", ".join(f"{neutralize(k)} ({v} review{'s' if v != 1 else ''})" for k, v in contact.items())
        print(f"Columns of the reviewers' contact details kept as own fields by an earlier import: {cols}."
              + (f" Removed from the {dropped} reviews that had them." if dropped is not None else
                 " `reviewlens privacy --mask` removes them (imports leave them out now)."))
    what = {"pseudonym": "pseudonyms", "drop": "no name"}.get(names, "")
    if masked is not None:
        also = [f"{masked[k]} {w}" for k, w in (("names", f"reviewer names ({what})"), ("fields", "own field values"),
                                               ("labels", "of your labels"), ("themes", "stored themes"),
                                               ("alerts", "alerts"), ("questions", "answers to questions")) if masked[k]]
        print(f"\nMasked in the store: {masked['reviews']} reviews" + (f"; {', '.join(also)}" if also else "")
              + (f". {masked['analyses']} analyses of the old texts were deleted: `reviewlens analyze` analyzes the "
                 "masked texts." if masked["analyses"] else "."))
        return _said_erased(erased)
    if renamed:
        print(f"{renamed} reviews carry their reviewer's name as written; [privacy] reviewer_names = \"{names}\" gives "
              f"new reviews {what}, and `reviewlens privacy --mask` these.")
    if holders:
        on = settings.privacy.mask
        print(f"\n`reviewlens privacy --mask` masks {'it' if len(holders) == 1 else 'them'} in the store (and every copy: "
              "labels, stored quotes, alerts, answers). "
              + (f"New reviews are masked as they are stored ([privacy] mask = {', '.join(on)})." if on else
                 "New reviews are stored as written: [privacy] mask is empty."))
    return ExitStatus.OK


def _tag_counts(store: Store) -> list[tuple[str, list[str], int]]:
    """Every tag in use (spelled as the store first had it), its spellings, and how many reviews have any of
    them: a store tagged before tags were matched case aside may hold "Escalated" and "escalated", one tag."""
    from ..filters import Filters

    groups: dict[str, list[tuple[str, int]]] = {}
    for t, n in store.tag_counts():
        groups.setdefault(" ".join(t.split()).casefold(), []).append((t, n))
    out = []
    for same in groups.values():
        names = [t for t, _ in same]
        n = same[0][1] if len(same) == 1 else queries.review_page(store, Filters.of(tags=names), page_size=1)[1]
        out.append((names[0], names, n))
    return sorted(out, key=lambda x: (-x[2], x[0]))


def cmd_tag(args, settings) -> ExitStatus:
    """`tag add|remove TAG ID...` (or --theme), `tag list [TAG]`. A tag is matched case and spacing aside
    (reviewlens.tags.tag_key) and written as the store first spelled it."""
    from ..display_text import neutralize
    from ..filters import Filters
    from ..tags import as_stored, spellings

    store = Store(settings.db)
    action = args.tag_command or "list"
    if action in ("add", "remove"):
        ids = list(args.ids)
        if args.theme:
            themes = {t.label: t for kind in ("complaints", "praise", "requests")
                      for t in queries.latest_complaints(store, kind)[0]}
            folded = {" ".join(label.split()).casefold(): t for label, t in themes.items()}
            theme = folded.get(" ".join(args.theme.split()).casefold())  # "delivery delay" is "Delivery delay"
            if theme is None:
                import difflib

                near = difflib.get_close_matches(args.theme, list(themes), n=3, cutoff=0.4)
                raise ConfigError(f"--theme {args.theme!r}: not among the last computed top complaints or praise"
                                  + (f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else
                                     "" if themes else "; none are computed yet: run `reviewlens complaints` "
                                     "(or `reviewlens analyze`) first"))
            ids += theme.review_ids
        if not ids:
            raise ConfigError(f"tag {action}: which reviews? give their ids, or --theme")
        known = [t for t, _ in store.tag_counts()]
        try:
            if action == "add":
                tag = as_stored(args.tag, known)
                n = store.add_tags(ids, [tag])
                print(f"tagged {n} review{'s' if n != 1 else ''} {neutralize(tag)!r}"
                      + (f" ({len(set(ids)) - n} had it already)" if len(set(ids)) > n else ""))
            else:
                names = spellings(args.tag, known) or [as_stored(args.tag, known)]
                n = store.remove_tags(ids, names)
                print(f"took {neutralize(names[0])!r} off {n} review{'s' if n != 1 else ''}")
        except (ValueError, KeyError) as e:
            raise ConfigError(str(e.args[0] if isinstance(e, KeyError) else e)) from None
        return ExitStatus.OK
    counts = _tag_counts(store)
    tag, as_json = getattr(args, "tag", None), getattr(args, "json", False)
    if tag is None:
        if as_json:
            print(json.dumps([{"tag": t, "reviews": n} for t, _, n in counts], ensure_ascii=False, indent=1))
        elif not counts:
            print("no tags yet (reviewlens tag add TAG ID, or the dashboard's review explorer)")
        for t, _, n in ([] if as_json else counts):
            print(f"{n:6,}  {neutralize(t)}")
        return ExitStatus.OK
    try:
        names = spellings(tag, [t for t, _ in store.tag_counts()])
    except ValueError as e:
        raise ConfigError(str(e)) from None
    if not names:
        import difflib

        near = difflib.get_close_matches(tag, [t for t, _, _ in counts], n=3, cutoff=0.4)
        raise ConfigError(f"no review is tagged {tag!r}" + (
            f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""))
    tag = names[0]
    rows, total = queries.review_page(store, Filters.of(tags=names), page_size=1000)
    if as_json:
        print(json.dumps([{"id": r.id, "date": None if r.date is None else str(r.date), "rating": r.rating,
                           "product": r.product, "text": r.text} for r in rows.itertuples()],
                         ensure_ascii=False, indent=1, default=str))
        return ExitStatus.OK
    print(f"{total:,} review{'s' if total != 1 else ''} tagged {neutralize(tag)!r}:")
    for r in rows.itertuples():
        text = neutralize(" ".join(str(r.text).split()))
        stars = f"{r.rating:g}★" if r.rating == r.rating and r.rating is not None else "no rating"
        print(f"  {r.id}  {r.date or 'undated'}  {stars}  {neutralize(str(r.product or r.source))}: "
              f"{text[:90] + ('…' if len(text) > 90 else '')}")
    return ExitStatus.OK


def cmd_dashboard(args, settings) -> ExitStatus:
    from dashboard.serve import serve

    if args.address not in ("127.0.0.1", "localhost", "::1"):
        log.warning("binding to %s: anyone who can reach this port sees every review and run", args.address)
    schedule = args.schedule_file.resolve() if args.schedule_file and args.schedule_file.is_file() else None
    shown = Store.describe(settings.db)
    print(f"dashboard on http://{args.address}:{args.port}  (store: {shown}; Ctrl+C stops)")
    config = Path(args.config) if args.config else None
    workers = []
    if not args.no_answers:
        from .answering import start_background

        workers.append(start_background(settings.db, settings, use_llm=not args.no_llm))
    if not args.no_analysis:
        from .analyzing import start_background as start_analysis

        workers.append(start_analysis(settings.db, settings))
    try:
        return _status(serve(settings.db, args.address, args.port, schedule, config,
                             analysis=not args.no_analysis) == 0)
    finally:
        for _, stop in workers:
            stop.set()


def eval_folder() -> Path:
    """The default folder of `reviewlens eval`'s labelled data: REVIEWLENS_EVAL_DIR, else shared/eval beside
    the project's folder (it was ../shared/eval from the current folder: not found outside the repository)."""
    env = os.environ.get("REVIEWLENS_EVAL_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "eval"


def cmd_eval(args, settings) -> ExitStatus:
    from analysis.evaluate import EvalDataMissing, format_report, run_eval

    from .demo_shop import default_root

    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    eval_dir = args.eval_dir or eval_folder()
    try:
        metrics = run_eval(settings.analysis, eval_dir, limit=args.limit, tasks=tasks,
                           complaints_truth=default_root() / "reviews.json")
    except EvalDataMissing as e:
        raise ConfigError(f"{e}. The labelled data must be in {eval_dir.resolve()}"
                          + ("" if args.eval_dir else " (from REVIEWLENS_EVAL_DIR)" if os.environ.get("REVIEWLENS_EVAL_DIR")
                             else " (the default)")
                          + ": give its folder with --eval-dir FOLDER or REVIEWLENS_EVAL_DIR") from None
    table = format_report(metrics)
    if "topics" in tasks:
        table += ("\nThe topics rows measure the packaged restaurant categories (SemEval-2014: food, service, "
                  "price, ambience), not your taxonomy, and your labels are not used.")
    print(table)
    if args.output:
        args.output.write_text(table + "\n", encoding="utf-8")
    return ExitStatus.OK


def cmd_sites(args, settings) -> ExitStatus:
    """`sites [list]`: the site configs, bundled and in sites_dir; `sites test URL [--site]`: what one finds."""
    from . import sitetest

    if getattr(args, "sites_command", None) == "test":
        return ExitStatus.OK if sitetest.try_page(args.url, settings, args.site) else ExitStatus.ERROR
    if getattr(args, "sites_command", None) == "make":
        if args.output is not None:
            if args.output.suffix != ".toml":
                raise ConfigError(f"--output must be a .toml file (a site config), not {str(args.output)!r}")
            if args.output.exists() and not args.force:
                raise ConfigError(f"{args.output} exists; pass --force to replace it")
        return ExitStatus.OK if sitetest.make_config(args.url, settings, args.output) else ExitStatus.ERROR
    for line in sitetest.list_lines(settings):
        print(line)
    return ExitStatus.OK


def cmd_models(args, settings) -> ExitStatus:
    from analysis import models

    if args.prepare:
        print(f"ready: {models.prepare_model(args.prepare)}")
        return ExitStatus.OK
    from analysis import sharp_encoder

    for name, info in models.packaged_models().items():
        print(f"{name}: {info.description}, from {info.upstream} [{models.state(name)}]")
    print(f"{sharp_encoder.NAME}: the second sentiment head's sentence encoder [{sharp_encoder.state()}]")
    from analysis import topic_library

    for cs in topic_library.load_library():
        print(f"topic detectors '{cs.name}': {', '.join(c.name for c in cs.concepts)}"
              f"{' (and other)' if cs.other is not None else ''}, trained on {cs.source} [packaged]")
    return ExitStatus.OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], ExitStatus]] = {
    "scrape": cmd_scrape, "import": cmd_import, "delete": cmd_delete, "export": cmd_export, "label": cmd_label, "runs": cmd_runs,
    "schedule": cmd_schedule, "alerts": cmd_alerts,
    "demo": cmd_demo, "analyze": cmd_analyze, "complaints": cmd_complaints, "praise": cmd_complaints,
    "requests": cmd_complaints, "compare": cmd_compare, "scorecard": cmd_scorecard,
    "changes": cmd_changes, "ask": cmd_ask,
    "replies": cmd_replies,
    "report": cmd_report, "suspicious": cmd_suspicious, "competitors": cmd_competitors, "mentions": cmd_mentions, "tag": cmd_tag, "privacy": cmd_privacy,
    "dashboard": cmd_dashboard, "eval": cmd_eval, "sites": cmd_sites, "models": cmd_models,
}


#: The commands that read a store's reviews: on a SQLite file that is not there (a mistyped --db) they would make
#: an empty store and answer "no runs yet", "are the reviews analyzed?"; the others may start a store.
READS_REVIEWS = frozenset({"delete", "export", "runs", "analyze", "complaints", "praise", "requests", "compare", "scorecard",
                           "ask", "replies", "report", "suspicious", "competitors", "mentions", "tag", "privacy"})


def _check_store(command: str, db: str) -> None:
    """ConfigError when `command` reads reviews from a SQLite file that does not exist (a database URL: the
    server says)."""
    if command not in READS_REVIEWS or "://" in str(db):
        return
    path = Path(str(db)).expanduser()
    if not path.exists():
        raise ConfigError(f"no store at {path} (a mistyped --db?): `reviewlens scrape`, `import` or `demo` make "
                          "one there")


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl+C's KeyboardInterrupt is, so a run stops as it does on Ctrl+C: the run recorded
    interrupted, its browsers ended, what was done saved."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (systemd stopping the service, `timeout`) handled as Ctrl+C while a command runs; the handler
    before it put back after (a Python process embedding main keeps its own)."""
    try:
        before = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    settings = None
    try:
        with _sigterm_as_interrupt():
            settings = _settings(args)
            _check_dates(args)
            _check_store(args.command, settings.db)
            return int(COMMANDS[args.command](args, settings))
    except _Terminated:
        print("\nreviewlens: stopped (SIGTERM); what was done is saved and the next run continues", file=sys.stderr)
        return ExitStatus.TERMINATED
    except KeyboardInterrupt:
        print("\nreviewlens: interrupted; what was done is saved and the next run continues", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:  # `reviewlens competitors | head`: the reader has all it wanted; nothing to say
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own flush at exit fails too
        except (OSError, ValueError):
            pass
        return ExitStatus.OK
    except Exception as e:  # the user's mistake said plainly (exit 2); the rest with its class, the traceback with -vv
        said = _users_mistake(e)
        if said is not None:
            where = "configuration error: " if settings is None else ""  # the settings file, not the command's input
            print(f"reviewlens {args.command}: {where}{said}", file=sys.stderr)
            return ExitStatus.CONFIG_ERROR
        if args.verbose >= 2:
            raise
        db = _database_trouble(e)
        if db is not None:
            print(f"reviewlens {args.command}: the database: {db}", file=sys.stderr)
            return ExitStatus.ERROR
        print(f"reviewlens {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        print("(run again with -vv for the full traceback)", file=sys.stderr)
        return ExitStatus.ERROR


def _database_trouble(e: BaseException) -> str | None:
    """The database driver's own words when the database could not be used (a server down, a wrong password, a
    database that is not there), without SQLAlchemy's statement and background link; None for other errors."""
    import sqlalchemy.exc

    if not isinstance(e, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)):
        return None
    said = " ".join(str(getattr(e, "orig", None) or e).split())
    return said.split("[SQL:")[0].strip() or type(e).__name__


def run() -> None:
    """The console entry point: `main()`, then a quick exit once the work is saved and the output flushed.

    With torch and the models loaded, Python's own teardown (collecting every module and tensor) took
    1.2 s of a 17 s `reviewlens analyze` (bench/RESULTS-analysis.md). The exit handlers (atexit: logging,
    temporary folders, ...) still run; only the teardown after them is skipped. Commands that never
    load torch exit normally.
    """
    rc = main()
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if "torch" not in sys.modules or run_exit_handlers is None:
        sys.exit(rc)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said there
            pass
    os._exit(rc)


if __name__ == "__main__":
    run()
