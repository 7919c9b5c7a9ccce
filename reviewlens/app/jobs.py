"""The work the commands do: scrape, analyze, find the top complaints, write the report — and `Job`,
which wires them together once for the command line, the demo and the scheduler.

Each step records itself in the run history and writes to the store as it goes, so a crash or a
kill loses nothing that was already done, and the next run continues. Stages are imported lazily:
`reviewlens runs` does not load Selenium or torch.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

from tqdm import tqdm

from .. import queries
from ..config import Settings
from ..filters import previous_period
from ..schema import ComplaintTheme, Review
from ..store import Store, StoreReadOnly

log = logging.getLogger(__name__)

Echo = Callable[[str], None]


def _bar(**kw: Any) -> tqdm:
    return tqdm(dynamic_ncols=True, file=sys.stderr, disable=kw.pop("quiet", False) or None, **kw)


def safe_name(name: str) -> str:
    """A file-name-safe form of a free-text name, unique by a short hash of the original."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80] + "-" + hashlib.sha1(name.encode()).hexdigest()[:8]


def report_path(folder: str | Path, name: str = "report") -> Path:
    """Where a report without an explicit path goes: `<folder>/<name>-<YYYY-MM-DD_HHMMSS>.xlsx`."""
    stem = name if re.fullmatch(r"[A-Za-z0-9_.-]+", name) else safe_name(name)
    return Path(folder) / f"{stem}-{datetime.now():%Y-%m-%d_%H%M%S}.xlsx"


# ------------------------------------------------------------------------------------------ scrape
@dataclass
class ScrapeSummary:
    run_id: int
    status: str
    pages: int = 0
    reviews: int = 0
    new: int = 0
    seen: int = 0
    errors: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        return (f"run {self.run_id} {self.status}: {self.pages} pages, {self.reviews} reviews "
                f"({self.new} new, {self.seen} already seen), {len(self.errors)} errors in {self.seconds:.1f} s")


def checkpoint_key(start_url: str) -> str:
    return f"scrape:{start_url}"


def source_label(urls: Sequence[str], site: str | None) -> str:
    if site:
        return site
    hosts = sorted({urlsplit(u).netloc or u for u in urls})
    return ", ".join(hosts)


def run_scrape(store: Store, settings: Settings, urls: Sequence[str], *, site: str | None = None,
               max_pages: int | None = None, full: bool = False, trigger: str = "manual",
               source: str | None = None, quiet: bool = False) -> ScrapeSummary:
    """Scrape `urls` (and the pages after them) into the store, page by page.

    Incremental unless `full`: a start URL stops after a page whose reviews were all seen before.
    Resumable: a run that died leaves a checkpoint per start URL, and the next run continues there.
    """
    import scraper  # the stage; lazily, so the core stays light

    store.mark_stale_runs()
    label = source or source_label(urls, site)
    resume: dict[str, str] = {}
    for u in urls:
        cp = store.load_checkpoint(checkpoint_key(u))
        if cp and cp.get("next_url"):
            resume[u] = cp["next_url"]
            log.info("resuming %s at %s (left by run %s)", u, cp["next_url"], cp.get("run_id"))
    run_id = store.start_run("scrape", label, trigger, detail={"urls": list(urls), "site": site,
                                                                "resumed": resume, "full": full})
    summary = ScrapeSummary(run_id=run_id, status="running")
    t0 = time.monotonic()

    def stop_check(reviews: list[Review]) -> bool:
        """Stop a start URL after a page whose reviews were all stored before."""
        if not reviews:
            return False
        ids = {r.id for r in reviews}
        return store.known_ids(ids) == ids

    bar = _bar(desc=f"scrape {label}"[:40], unit="page", quiet=quiet)
    gen = scraper.scrape(list(urls), settings.scraper, site=site, max_pages=max_pages, resume=resume,
                         stop_check=None if full else stop_check, debug_dir=settings.debug_dir,
                         sites_dirs=[settings.sites_dir] if settings.sites_dir else ())
    try:
        for page in gen:
            key = checkpoint_key(page.start_url or page.url)
            state = {"next_url": page.next_url, "run_id": run_id} if page.next_url else None
            new, seen = store.upsert_reviews(page.reviews, run_id, checkpoint=(key, state))
            errs = []
            if page.error:
                errs.append({"url": page.url, "message": page.error, "debug_files": page.debug_files})
                log.warning("%s: %s", page.url, page.error)
            store.update_run(run_id, pages=1, new=new, seen=seen, errors=errs)
            summary.pages += 1
            summary.reviews += len(page.reviews)
            summary.new += new
            summary.seen += seen
            summary.errors.extend(errs)
            bar.update(1)
            bar.set_postfix(reviews=summary.reviews, new=summary.new, errors=len(summary.errors))
        summary.status = "partial" if summary.errors else "ok"
        if summary.pages == 0:
            summary.status = "failed"
            summary.errors.append({"url": None, "message": "no pages were scraped"})
            store.finish_run(run_id, "failed", "no pages were scraped")
        else:
            store.finish_run(run_id, summary.status)
    except KeyboardInterrupt:
        summary.status = "interrupted"
        store.finish_run(run_id, "interrupted", "interrupted by the user; the next run resumes")
        raise
    except Exception as e:  # noqa: BLE001 - recorded, then re-raised for the caller's message
        summary.status = "failed"
        msg = f"{type(e).__name__}: {e}"
        summary.errors.append({"url": None, "message": msg})
        log.debug("scrape failed:\n%s", traceback.format_exc())
        store.finish_run(run_id, "failed", msg)
        raise
    finally:
        gen.close()
        bar.close()
        summary.seconds = time.monotonic() - t0
    return summary


# ------------------------------------------------------------------------------------------ analyze
@dataclass
class AnalysisSummary:
    run_id: int
    model: str
    prompt_version: str
    analyzed: int = 0
    failed: int = 0
    pending_before: int = 0
    seconds: float = 0.0
    status: str = "ok"

    def line(self) -> str:
        rate = self.analyzed / self.seconds if self.seconds else 0.0
        return (f"run {self.run_id} {self.status}: analyzed {self.analyzed} review texts with {self.model} "
                f"(prompt {self.prompt_version}), {self.failed} failed, {rate:.2f} reviews/s")


def run_analysis(store: Store, analyzer: Any, *, limit: int | None = None, trigger: str = "manual",
                 retry_failed: bool = False, quiet: bool = False) -> AnalysisSummary:
    """Analyze every review text not yet analyzed by this model and analysis version (saved per chunk)."""
    an = analyzer
    pending = store.pending_analysis(an.model_id, an.prompt_version, limit=limit, retry_failed=retry_failed)
    run_id = store.start_run("analyze", an.model_id, trigger, detail={"prompt_version": an.prompt_version,
                                                                    "pending": len(pending)})
    s = AnalysisSummary(run_id=run_id, model=an.model_id, prompt_version=an.prompt_version,
                        pending_before=len(pending))
    t0 = time.monotonic()
    bar = _bar(total=len(pending), desc="analyze", unit="review", quiet=quiet)
    try:
        for results in an.analyze_chunks(pending, progress=bar.update):
            store.save_analyses(results)
            failed = [a for a in results if a.status != "ok"]
            s.analyzed += len(results)
            s.failed += len(failed)
            store.update_run(run_id, new=len(results), errors=[
                {"url": None, "message": f"analysis failed for text {a.content_hash}: {a.error}"} for a in failed])
        s.status = "partial" if s.failed else "ok"
        store.finish_run(run_id, s.status)
    except KeyboardInterrupt:
        s.status = "interrupted"
        store.finish_run(run_id, "interrupted", "interrupted by the user; finished chunks are kept")
        raise
    except Exception as e:
        s.status = "failed"
        store.finish_run(run_id, "failed", f"{type(e).__name__}: {e}")
        raise
    finally:
        bar.close()
        s.seconds = time.monotonic() - t0
    return s


# ------------------------------------------------------------------------------------------ complaints
def complaint_periods(store: Store, since: date | None, until: date | None,
                      days: int = 90) -> tuple[date, date, date, date] | None:
    """The current period [since, until] and the previous period of the same length before it.

    Without dates: the `days` days up to the newest review, against the `days` days before.
    None when the store has no dated review and no `until` was given.
    """
    if until is None:
        until = queries.date_span(store)[1]
        if until is None:
            return None
    if since is None:
        since = until - timedelta(days=days - 1)
    prev_since, prev_until = previous_period(since, until)
    return since, until, prev_since, prev_until


def run_complaints(store: Store, *, since: date | None = None, until: date | None = None,
                   products: Sequence[str] | None = None, top: int = 5, days: int = 90,
                   backend: Any = None, taxonomy: Any = None) -> tuple[list[ComplaintTheme], dict]:
    """Find and store the top complaint themes for a period, with their trend against the period before.

    `backend`: the LLM that names and summarises the themes; None names them from keywords.
    `taxonomy`: the user's topics (the analysis's); None uses the default products preset.
    """
    from analysis.complaints import find_complaints

    periods = complaint_periods(store, since, until, days)
    if periods is None:
        return [], {}
    since, until, prev_since, prev_until = periods
    cur = store.reviews_frame(since=since, until=until, products=products)
    prev = store.reviews_frame(since=prev_since, until=prev_until, products=products)
    themes = find_complaints(cur, prev, top=top, backend=backend, taxonomy=taxonomy)
    scope = {"since": since.isoformat(), "until": until.isoformat(), "previous_since": prev_since.isoformat(),
             "previous_until": prev_until.isoformat(), "products": list(products or []),
             "reviews": int(len(cur)), "previous_reviews": int(len(prev))}
    store.save_complaints(themes, scope)
    return themes, scope


def format_complaints(themes: Sequence[ComplaintTheme], scope: dict) -> str:
    """The top complaints as plain text for a terminal."""
    if not themes:
        return "No complaint themes found (are the reviews analyzed? run `reviewlens analyze`)."
    lines = [f"Top complaints, {scope.get('since')} to {scope.get('until')} "
             f"({scope.get('reviews')} reviews; previous period {scope.get('previous_since')} to "
             f"{scope.get('previous_until')}, {scope.get('previous_reviews')} reviews)", ""]
    for i, t in enumerate(themes, 1):
        if t.trend is None:
            trend = "new"
        else:
            arrow = "▲" if t.trend > 0.5 else "▼" if t.trend < -0.5 else "►"
            trend = f"{arrow} {t.trend:+.1f} pts"
        lines.append(f"{i}. {t.label} — {t.count} reviews ({t.share:.0%}), trend {trend} (previous: {t.previous_count})")
        if t.summary:
            lines.append(f"   {t.summary}")
        for q in t.quotes[:3]:
            text = " ".join(q.text.split())
            text = text if len(text) <= 200 else text[:197] + "..."
            lines.append(f'   “{text}”  [{q.review_id}]{" " + q.url if q.url else ""}')
        lines.append("")
    return "\n".join(lines).rstrip()


# ------------------------------------------------------------------------------------------ report
def run_report(store: Store, path: str | Path, *, since: date | None = None, until: date | None = None,
               products: Sequence[str] | None = None, sources: Sequence[str] | None = None,
               trigger: str = "manual") -> Path:
    """Write the Excel report, recorded in the run history where the store can be written.

    A report only reads the store: on a read-only store it is written all the same, with a warning
    that the run history could not record it.
    """
    from dashboard.report import write_report

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        run_id: int | None = store.start_run("report", str(path), trigger)
    except StoreReadOnly as e:
        log.warning("the report run is not recorded in the run history: %s", e)
        run_id = None
    try:
        out = write_report(store, path, since=since, until=until, products=products, sources=sources)
    except Exception as e:
        if run_id is not None:
            store.finish_run(run_id, "failed", f"{type(e).__name__}: {e}")
        raise
    if run_id is not None:
        store.finish_run(run_id, "ok")
    return Path(out)


# ------------------------------------------------------------------------------------------ the whole job
@dataclass
class JobOptions:
    """What to run. Scrape when there are URLs; analyze, recompute the complaints, write a report when asked."""

    urls: Sequence[str] = ()
    site: str | None = None
    max_pages: int | None = None
    full: bool = False
    source: str | None = None          # the run history's name for the scrape (default: the hosts)
    analyze: bool = True
    limit: int | None = None           # analyze at most this many texts
    retry_failed: bool = False
    complaints: bool = True            # recompute the top complaints after an analysis that analyzed something
    report: bool = False
    report_file: Path | None = None    # default: report_path(reports_dir, report_name)
    report_name: str = "report"
    reports_dir: Path | None = None    # default: the settings' reports folder
    trigger: str = "manual"            # manual, demo, schedule (the run history's column)
    quiet: bool = False                # no progress bars


@dataclass
class JobResult:
    scrape: ScrapeSummary | None = None
    analysis: AnalysisSummary | None = None
    themes: list[ComplaintTheme] | None = None   # None when the complaints were not recomputed
    scope: dict = field(default_factory=dict)
    report: Path | None = None

    @property
    def ok(self) -> bool:
        """False when a step failed outright (partial runs with some page errors are fine)."""
        steps = [s for s in (self.scrape, self.analysis) if s is not None]
        return all(s.status in ("ok", "partial") for s in steps)

    def as_dict(self) -> dict[str, str]:
        """One line per step that ran (the scheduler's log and result)."""
        out: dict[str, str] = {}
        if self.scrape:
            out["scrape"] = self.scrape.line()
        if self.analysis:
            out["analysis"] = self.analysis.line()
        if self.themes is not None:
            out["complaints"] = f"{len(self.themes)} themes"
        if self.report:
            out["report"] = str(self.report)
        return out


class Job:
    """The whole job on one store: scrape, analyze, top complaints, report.

    The analyzer (and its model) is made on first use and kept, so a scheduler that runs many
    sources loads the model once; one analysis runs at a time.
    """

    def __init__(self, store: Store, settings: Settings, analyzer: Any = None):
        self.store = store
        self.settings = settings
        self._analyzer = analyzer
        self._label_version: str | None = None if analyzer is None else store.label_version()
        self._analysis_lock = threading.Lock()

    @property
    def analyzer(self) -> Any:
        """The analysis stage's `Analyzer` for these settings and the store's labels (the model loads
        on first use)."""
        version = self.store.label_version()
        if self._analyzer is None or version != self._label_version:  # new labels: learn from them
            from analysis import Analyzer

            self._analyzer = Analyzer(self.settings.analysis, labels=self.store.labels())
            self._label_version = version
        return self._analyzer

    # ---------------------------------------------------------------- the steps
    def scrape(self, urls: Sequence[str], **kw: Any) -> ScrapeSummary:
        return run_scrape(self.store, self.settings, urls, **kw)

    def analyze(self, **kw: Any) -> AnalysisSummary:
        with self._analysis_lock:
            return run_analysis(self.store, self.analyzer, **kw)

    def complaints(self, *, use_llm: bool = True, **kw: Any) -> tuple[list[ComplaintTheme], dict]:
        """The top complaints in the user's topics, named by the strongest model at hand
        (analysis.backends.best_backend)."""
        from analysis.backends import best_backend

        with self._analysis_lock:
            return run_complaints(self.store, backend=best_backend(self.settings.analysis) if use_llm else None,
                                  taxonomy=self.analyzer.taxonomy, **kw)

    def report(self, path: str | Path | None = None, *, name: str = "report", folder: str | Path | None = None,
               **kw: Any) -> Path:
        return run_report(self.store, path or report_path(folder or self.settings.reports_dir, name), **kw)

    # ---------------------------------------------------------------- all of them
    def run(self, opts: JobOptions, echo: Echo | None = None) -> JobResult:
        """Run the steps `opts` asks for, in order; `echo` gets one line per finished step."""
        say = echo or (lambda line: log.info("%s", line))
        res = JobResult()
        if opts.urls:
            res.scrape = self.scrape(opts.urls, site=opts.site, max_pages=opts.max_pages, full=opts.full,
                                     trigger=opts.trigger, source=opts.source, quiet=opts.quiet)
            say(res.scrape.line())
        if opts.analyze:
            res.analysis = self.analyze(limit=opts.limit, retry_failed=opts.retry_failed, trigger=opts.trigger,
                                        quiet=opts.quiet)
            say(res.analysis.line())
            if opts.complaints and res.analysis.analyzed:
                res.themes, res.scope = self.complaints()
                say(f"top complaints recomputed: {len(res.themes)} themes")
        if opts.report:
            res.report = self.report(opts.report_file, name=opts.report_name, folder=opts.reports_dir,
                                     trigger=opts.trigger)
            say(f"Excel report: {res.report}")
        return res
