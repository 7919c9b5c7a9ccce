"""The pipeline steps the command line and the scheduler run: scrape, analyze, complaints, report.

Each step records itself in the run history and writes to the store as it goes, so a crash or a
kill loses nothing that was already done, and the next run continues. Stages are imported lazily:
`reviewlens runs` does not load Selenium or torch.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlsplit

from tqdm import tqdm

from .config import Settings
from .schema import ComplaintTheme, Review
from .store import Store

log = logging.getLogger(__name__)


def _bar(**kw: Any) -> tqdm:
    return tqdm(dynamic_ncols=True, file=sys.stderr, disable=kw.pop("quiet", False) or None, **kw)


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

    last_lookup: list = [None, None]  # (the page's ids, those already stored): the upsert reuses it

    def stop_check(reviews: list[Review]) -> bool:
        if full or not reviews:
            return False
        ids = frozenset(r.id for r in reviews)
        last_lookup[:] = [ids, store.known_ids(ids)]
        return len(last_lookup[1]) == len(ids)

    bar = _bar(desc=f"scrape {label}"[:40], unit="page", quiet=quiet)
    gen = scraper.scrape(list(urls), settings.scraper, site=site, max_pages=max_pages, resume=resume,
                         stop_check=None if full else stop_check, debug_dir=settings.debug_dir,
                         sites_dirs=[settings.sites_dir] if settings.sites_dir else ())
    try:
        for page in gen:
            key = checkpoint_key(page.start_url or page.url)
            state = {"next_url": page.next_url, "run_id": run_id} if page.next_url else None
            known = last_lookup[1] if last_lookup[0] == frozenset(r.id for r in page.reviews) else None
            new, seen = store.upsert_reviews(page.reviews, run_id, checkpoint=(key, state), known=known)
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


def make_analyzer(settings: Settings):
    from analysis import Analyzer

    return Analyzer(settings.analysis)


def run_analysis(store: Store, settings: Settings, *, limit: int | None = None, trigger: str = "manual",
                 retry_failed: bool = False, analyzer=None, quiet: bool = False) -> AnalysisSummary:
    """Analyze every review text not yet analyzed by this model and prompt version (saved per chunk)."""
    an = analyzer or make_analyzer(settings)
    pending = store.pending_analysis(an.model_id, an.prompt_version, limit=limit, retry_failed=retry_failed)
    run_id = store.start_run("analyze", an.model_id, trigger, detail={"prompt_version": an.prompt_version,
                                                                    "pending": len(pending)})
    s = AnalysisSummary(run_id=run_id, model=an.model_id, prompt_version=an.prompt_version,
                        pending_before=len(pending))
    t0 = time.monotonic()
    chunk = max(1, settings.analysis.batch_size) * 4
    bar = _bar(total=len(pending), desc="analyze", unit="review", quiet=quiet)
    try:
        for i in range(0, len(pending), chunk):
            part = pending[i:i + chunk]
            results = an.analyze(part, progress=bar.update)
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


def complaint_periods(store: Store, since: date | None, until: date | None,
                      days: int = 90) -> tuple[date, date, date, date] | None:
    """The current period [since, until] and the previous period of the same length before it.

    Without dates: the `days` days up to the newest review, against the `days` days before.
    """
    import sqlalchemy as sa

    from .store import reviews

    if until is None:
        with store.engine.connect() as c:
            newest = c.execute(sa.select(sa.func.max(reviews.c.date))).scalar()
        if newest is None:
            return None
        until = newest if isinstance(newest, date) else date.fromisoformat(str(newest)[:10])
    if since is None:
        since = until - timedelta(days=days - 1)
    length = (until - since).days + 1
    prev_until = since - timedelta(days=1)
    prev_since = prev_until - timedelta(days=length - 1)
    return since, until, prev_since, prev_until


def run_complaints(store: Store, settings: Settings, *, since: date | None = None, until: date | None = None,
                   products: Sequence[str] | None = None, top: int = 5, days: int = 90,
                   use_llm: bool = True, backend=None) -> tuple[list[ComplaintTheme], dict]:
    """Find and store the top complaint themes for a period, with their trend against the period before."""
    from analysis.complaints import find_complaints

    periods = complaint_periods(store, since, until, days)
    if periods is None:
        return [], {}
    since, until, prev_since, prev_until = periods
    cur = store.reviews_frame(since=since, until=until, products=products)
    prev = store.reviews_frame(since=prev_since, until=prev_until, products=products)
    if use_llm and backend is None:
        from analysis.backends import get_backend

        backend = get_backend(settings.analysis)
    themes = find_complaints(cur, prev, top=top, backend=backend if use_llm else None)
    scope = {"since": since.isoformat(), "until": until.isoformat(), "previous_since": prev_since.isoformat(),
             "previous_until": prev_until.isoformat(), "products": list(products or []),
             "reviews": int(len(cur)), "previous_reviews": int(len(prev))}
    store.save_complaints(themes, scope)
    return themes, scope


def format_complaints(themes: Sequence[ComplaintTheme], scope: dict) -> str:
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


def run_report(store: Store, settings: Settings, path: str | Path | None = None, *, since: date | None = None,
               until: date | None = None, products: Sequence[str] | None = None,
               sources: Sequence[str] | None = None, trigger: str = "manual", name: str = "report") -> Path:
    """Write the Excel report (recorded in the run history)."""
    from dashboard.report import write_report

    if path is None:
        stamp = datetime.now().strftime("%Y-%m-%d_%H%M")
        path = settings.reports_dir / f"{name}-{stamp}.xlsx"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    run_id = store.start_run("report", str(path), trigger)
    try:
        out = write_report(store, path, since=since, until=until, products=products, sources=sources)
    except Exception as e:
        store.finish_run(run_id, "failed", f"{type(e).__name__}: {e}")
        raise
    store.finish_run(run_id, "ok")
    return Path(out)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
