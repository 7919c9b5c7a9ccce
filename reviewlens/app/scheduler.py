"""Scheduled runs: scrape (or import the new files), then analyze, then report, for each configured
source, on time.

The schedule file (its format is in reviewlens.schedule, which reads and checks it) names the
sources; each run is the whole job of reviewlens.app.jobs for one source. A source of `files` imports
each file matching its pattern once (known by its content, so a file renamed or copied again is not
imported twice, and one exported again with new rows is), as `reviewlens import` does.

A run never overlaps another run of the same source: a lock file per source (flock, so it also
holds across processes), plus a PostgreSQL advisory lock when the store is PostgreSQL (so it holds
across machines). Missed runs are coalesced: a source that missed several runs runs once.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import itertools
import logging
import re
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Sequence

from ..config import ConfigError, Settings
from ..words import counted as _count
from ..privacy import Masker
from ..records_io import ImportFileError, import_file
from ..remote_files import download, is_remote
from ..schedule import Schedule, Source
from ..store import process_gone, process_stamp
from .alerting import check_alerts
from .channels import make_channels
from .jobs import Job, JobOptions, JobResult, expire_reviews, safe_name

log = logging.getLogger(__name__)

OUTCOME_KEY = "schedule:outcome:"  # + a source's name: the checkpoint of how its last scheduled run ended

class SourceBusy(RuntimeError):
    """Another run of the same source holds its lock."""


@contextlib.contextmanager
def source_lock(store, locks_dir: Path, name: str) -> Iterator[None]:
    """Exclusive, non-blocking lock for one source: across threads, processes and (on PostgreSQL) machines."""
    locks_dir.mkdir(parents=True, exist_ok=True)
    f = open(locks_dir / f"{safe_name(name)}.lock", "a+")
    try:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SourceBusy(f"source {name!r} is already running (lock {f.name})") from None
        conn = None
        try:
            if store.dialect == "postgresql":
                import sqlalchemy as sa

                key = int(hashlib.sha1(f"reviewlens:{name}".encode()).hexdigest()[:15], 16)
                conn = store.engine.connect()
                got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
                if not got:
                    raise SourceBusy(f"source {name!r} is already running on another machine (advisory lock)")
            yield
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    import sqlalchemy as sa

                    conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
                conn.close()
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    finally:
        f.close()


Runner = Callable[["Source"], dict]


class Scheduler:
    """Runs sources when due. `runner` does one source's work (the default: scrape, analyze, report)."""

    def __init__(self, schedule: Schedule, store, settings: Settings, runner: Runner | None = None):
        self.schedule = schedule
        self.store = store
        self.settings = settings
        self.job = Job(store, settings)  # one analyzer (one model in memory) for every source
        self.runner = runner or self.default_runner
        self.channels = make_channels(settings.alerts.channels)  # a bad channel is a ConfigError at start
        check_sites(schedule, settings)  # so is a source's site config that cannot be used
        self._alerts_lock = threading.Lock()  # sources finishing together (run_forever's threads) check one by one

    def check_alerts(self) -> None:
        """After a run: raise and send alerts (reviewlens.app.alerting); a failure here is logged, never
        the run's."""
        try:
            with self._alerts_lock:
                res = check_alerts(self.store, self.settings, channels=self.channels)
        except Exception as e:  # noqa: BLE001 - alerts must not stop the schedule
            log.error("alert check failed: %s: %s", type(e).__name__, e)
            return
        if res.new or res.deliveries:
            log.info("alerts: %s", res.line())

    def default_runner(self, src: Source) -> dict:
        """The whole job for one source: scrape (or import its new files), analyze, top complaints, a dated
        report."""
        imported = self.import_files(src) if src.files else None
        res = self.job.run(JobOptions(
            urls=src.urls, site=src.site, max_pages=src.max_pages, source=src.name, analyze=src.analyze,
            since=src.since_date(),
            report=src.report, report_name=src.name, reports_dir=self.schedule.reports_dir,
            trigger="schedule", quiet=True))
        out = res.as_dict()
        if res.scrape and res.scrape.status == "failed":  # nothing scraped (a site down): as_dict has no error
            why = res.scrape.errors[-1]["message"] if res.scrape.errors else "see reviewlens runs --errors"
            out.setdefault("error", f"scrape failed: {why}")
        if imported is not None:
            out["import"] = imported
            if imported.get("error"):
                out.setdefault("error", imported["error"])
            elif imported.get("failed"):
                out.setdefault("error", f"{imported['failed']} file(s) could not be imported (reviewlens runs --errors)")
        out["summary"] = summary(res, imported)
        return out

    def import_files(self, src: Source) -> dict:
        """Import the files matching `src.files` not imported before (by their SHA-256, kept in a checkpoint):
        one import run each, named after the source; a check that finds none records one run saying so."""
        key = f"import-files:{src.name}"
        done: dict[str, str] = self.store.load_checkpoint(key) or {}
        out = {"files": 0, "new": 0, "seen": 0, "skipped_rows": 0, "failed": 0}
        with tempfile.TemporaryDirectory(prefix="reviewlens-download-") as tmp:
            if is_remote(src.files):  # an export published online: fetched each run, imported when it changed
                try:
                    paths = [download(src.files, Path(tmp))]
                except ImportFileError as e:
                    self._failed_import(src, src.files, str(e), out)
                    return out
            else:
                folder = pattern_folder(src.files)
                if not folder.is_dir():  # a sync or a mount that broke: not the same as "no new file"
                    out["error"] = f"the folder {folder} does not exist (a sync or a mount that broke?)"
                    self._failed_import(src, src.files, out["error"], out, count=False)
                    return out
                paths = sorted(p for p in map(Path, glob.glob(src.files)) if p.is_file())
            self._import_paths(src, paths, done, key, out)
        if not out["files"] and not out["failed"]:
            said = (f"{_count(out['waiting'], 'file')} still being written, left for the next check"
                    if out.get("waiting") else "no new file")
            rid = self.store.start_run("import", src.name, "schedule", detail={"message": said})
            self.store.finish_run(rid, "ok")
        return out

    def _failed_import(self, src: Source, file: str, why: str, out: dict, count: bool = True) -> None:
        """A file, an address or a folder that could not be imported: logged, and a failed run that says why
        (the scrape_problems alert rule raises an alert for it); `count`: one more file in out["failed"]."""
        log.error("scheduled import of %s: %s", file, why)
        rid = self.store.start_run("import", src.name, "schedule", detail={"file": file})
        self.store.finish_run(rid, "failed", why)
        out["failed"] += 1 if count else 0

    def _import_paths(self, src: Source, paths: list[Path], done: dict[str, str], key: str, out: dict) -> None:
        growing = _being_written(paths)
        for path in paths:
            if path in growing:  # a copy or a sync still writing it: its last row may be cut ("Serv")
                log.warning("scheduled import of %s: the file is still growing (being copied or synced?): left "
                            "for the next check", path)
                out["waiting"] = out.get("waiting", 0) + 1
                continue
            digest = _sha256(path)
            if digest in done:
                continue
            try:
                res, _, new, seen = import_file(self.store, path, source=src.name, product=src.product,
                                                trigger="schedule", run_source=src.name,
                                                run_detail={"file": src.files if is_remote(src.files) else str(path),
                                                            "sha256": digest},  # forget_import finds it
                                                masker=Masker.from_settings(self.settings.privacy, self.store))
            except ImportFileError as e:  # the whole file: said in a failed run; a corrected file is new content
                self._failed_import(src, str(path), str(e), out)
            else:
                out["files"] += 1
                out["new"] += new
                out["seen"] += seen
                out["skipped_rows"] += len(res.errors)
                log.info("scheduled import of %s: %d new reviews, %d already stored, %d rows skipped",
                         path, new, seen, len(res.errors))
                for remark in res.remarks:  # what `reviewlens import` says of the file (star-only rows, no dates)
                    (log.warning if remark.startswith("WARNING") else log.info)("%s: %s", path.name, remark)
            done[digest] = path.name
            self.store.save_checkpoint(key, done)

    def run_source(self, src: Source) -> dict | None:
        """Run one source under its lock. Returns None when it was skipped because it is running."""
        try:
            with source_lock(self.store, self.settings.locks_dir, src.name):
                log.info("scheduled run of %s starts", src.name)
                self._keep_start(src)
                try:
                    res = self.runner(src)
                except Exception as e:  # noqa: BLE001 - the run history has it; the scheduler goes on
                    log.error("scheduled run of %s failed: %s", src.name, e)
                    res = {"error": f"{type(e).__name__}: {e}"}
                else:
                    if res and res.get("error"):  # e.g. a degraded scrape: a failure to report
                        log.error("scheduled run of %s failed: %s", src.name, res["error"])
                    else:
                        log.info("scheduled run of %s done: %s", src.name, outcome(res))
                self._keep_outcome(src, res)
                try:
                    expire_reviews(self.store, self.settings)  # [privacy] keep_days
                except Exception as e:  # noqa: BLE001 - logged; the next run tries again
                    log.error("deleting the reviews older than [privacy] keep_days failed: %s", e)
                self.check_alerts()  # a failed or degraded run is what an alert is for
                return res
        except SourceBusy as e:
            log.warning("%s; skipped", e)
            rid = self.store.start_run("import" if src.files else "scrape", src.name, "schedule",
                                       detail={"skipped": str(e)})
            self.store.finish_run(rid, "skipped", str(e))
            return None

    def _keep_outcome(self, src: Source, res: dict | None) -> None:
        """Keep how the run ended, for last_outcome; a store that cannot take it is logged, never the run's end."""
        try:
            self.store.save_checkpoint(OUTCOME_KEY + src.name, {"error": (res or {}).get("error")})
        except Exception as e:  # noqa: BLE001 - the next run tries again
            log.error("keeping the outcome of %s's run failed: %s", src.name, e)

    def _keep_start(self, src: Source) -> None:
        """Keep that a run of `src` started, and after which run of the history, for last_outcome: until it ends,
        what its runs say is the truth (a run killed halfway left the outcome of the one before)."""
        try:
            last = self.store.list_runs(limit=1)
            self.store.save_checkpoint(OUTCOME_KEY + src.name, {
                "running": True, "started_at": datetime.now(timezone.utc).isoformat(),
                "after_run": last[0]["id"] if last else 0, **process_stamp()})
        except Exception as e:  # noqa: BLE001 - the run goes on; --list then shows the last outcome kept
            log.error("keeping the start of %s's run failed: %s", src.name, e)

    def _runs_of(self, src: Source, after: int) -> list[dict]:
        """The runs of the scheduled run of `src` that started after run `after`, oldest first: its scrape or
        imports (named after the source), its analysis and report (their detail names it)."""
        rows = [r for r in self.store.list_runs(limit=200) if r["id"] > after and r["trigger"] == "schedule"]
        return sorted((r for r in rows if (r["kind"] in ("scrape", "import") and r["source"] == src.name)
                       or (r["detail"] or {}).get("schedule") == src.name), key=lambda r: r["id"])

    def last_start(self, src: Source) -> datetime | None:
        for r in self.store.list_runs(limit=20, kind="import" if src.files else "scrape", source=src.name):
            if r["status"] != "skipped":
                return r["started_at"]
        return None

    def last_outcome(self, src: Source) -> str | None:
        """How the last scheduled run of `src` ended: "ok" or "failed: why" (None: it never ran); one that
        started and did not end: "running (scrape ok, analyze running)", or "interrupted: ..." when its
        runs are no longer running (its process was killed; Store.mark_stale_runs says which are not).

        The scheduler's own verdict (kept by run_source), not the last run in the history: a source whose
        first file failed and whose second was imported, or whose scrape was fine and whose analysis failed,
        failed. Runs from before it was kept: the status of the last run in the history."""
        state = self.store.load_checkpoint(OUTCOME_KEY + src.name)
        if state is not None and state.get("running"):  # started and not ended: what its runs say now
            steps = self._runs_of(src, int(state.get("after_run") or 0))
            said = ", ".join(f"{r['kind']} {r['status']}" for r in steps if r["status"] != "skipped")
            signs = [state.get("started_at")] + [r["heartbeat_at"] for r in steps] + \
                [r["finished_at"] for r in steps if r["status"] != "interrupted"]  # not the time it was found dead
            last = max((datetime.fromisoformat(t) if isinstance(t, str) else t for t in signs if t), default=None)
            if any(r["status"] == "running" for r in steps) or not process_gone(state, last):  # between steps too
                return "running" + (f" ({said})" if said else "")
            return "interrupted: it ended before it finished" + (f" ({said})" if said else " (before its first step)")
        if state is not None:
            return f"failed: {state['error']}" if state.get("error") else "ok"
        for r in self.store.list_runs(limit=20, kind="import" if src.files else "scrape", source=src.name):
            if r["status"] != "skipped":
                why = r["errors"][-1].get("message") if r["errors"] and r["status"] != "ok" else None
                return f"{r['status']}: {why}" if why else r["status"]
        return None

    def due(self, now: datetime | None = None) -> list[Source]:
        from scraper import orphans  # the stage, lazily

        now = now or datetime.now(timezone.utc)
        self.store.mark_stale_runs()  # once per check, not once per source
        orphans.reap()  # browsers left by a scrape that was killed (kill -9, OOM) are ended here too
        return [s for s in self.schedule.sources if s.is_due(self.last_start(s), now)]

    def run_once(self, now: datetime | None = None) -> dict[str, dict | None]:
        """Run every source that is due (each once, however many runs it missed), then return."""
        results = {}
        for src in self.due(now):
            results[src.name] = self.run_source(src)
        return results

    def run_forever(self) -> None:  # pragma: no cover - exercised by hand and by run_once in tests
        from apscheduler.schedulers.blocking import BlockingScheduler

        sched = BlockingScheduler(timezone=timezone.utc,
                                  job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        now = datetime.now(timezone.utc)
        for src in self.schedule.sources:
            first = now if src.is_due(self.last_start(src), now) else None
            kwargs = {"next_run_time": first} if first else {}
            sched.add_job(self.run_source, src.trigger(), args=[src], id=src.name, name=src.name, **kwargs)
            log.info("scheduled %s: %s%s", src.name, src.cron or f"every {src.every}",
                     " (due now)" if first else "")
        print(f"scheduler running {len(self.schedule.sources)} source(s); Ctrl+C (or SIGTERM) to stop",
              file=sys.stderr)
        try:
            sched.start()
        except SystemExit:
            pass
        except KeyboardInterrupt:  # Ctrl+C, or SIGTERM (the CLI raises it for both): no new run starts
            with contextlib.suppress(Exception):  # already shut down
                sched.shutdown(wait=False)
            log.warning("scheduler stopping: a run in progress finishes first (a second SIGTERM ends it now; "
                        "the next run then resumes it)")
            raise


_WILDCARD = re.compile(r"[*?[]")


def check_sites(schedule: Schedule, settings: Settings) -> None:
    """ConfigError naming the schedule file and the source when a source's `site` is no site config that can be
    used (a misspelled name, a TOML file missing or broken): said when the schedule starts, not when the
    source first comes due."""
    from scraper import SiteConfigError, load_site

    dirs = settings.sites_dirs
    for i, src in enumerate(schedule.sources, 1):
        if src.site:
            try:
                load_site(src.site, dirs)
            except (SiteConfigError, OSError) as e:
                raise ConfigError(f"{schedule.path}: source {src.name!r} ([[sources]] #{i}): site: {e}") from None


def pattern_folder(pattern: str) -> Path:
    """The folder a file pattern looks in: its parts up to the first with a wildcard (`exports/play` for
    `exports/play/*.csv`, `exports` for `exports/*/reviews.csv`; a plain file's folder)."""
    parts = Path(pattern).parts
    fixed = list(itertools.takewhile(lambda part: not _WILDCARD.search(part), parts))
    return Path(*fixed[:len(parts) - 1]) if fixed else Path(".")


def summary(res: JobResult, imported: dict | None) -> str:
    """What a scheduled run did, in one line: "imported 1 file: 4 new reviews, 0 already stored; analyzed 4"."""
    parts = []
    if imported is not None and imported["files"]:
        parts.append(f"imported {_count(imported['files'], 'file')}: {_count(imported['new'], 'new review')}, "
                     f"{imported['seen']} already stored"
                     + (f", {_count(imported['skipped_rows'], 'row')} skipped" if imported["skipped_rows"] else ""))
    elif imported is not None and not imported["failed"] and not imported.get("error") and not imported.get("waiting"):
        parts.append("no new file")
    if imported is not None and imported.get("waiting"):
        parts.append(f"{_count(imported['waiting'], 'file')} still being written, left for the next check")
    if res.scrape:
        s = res.scrape
        parts.append(f"scraped {_count(s.pages, 'page')}: {_count(s.new, 'new review')}, {s.seen} already stored"
                     + (f", {_count(s.older, 'older review')} not stored" if s.older else ""))
    if res.analysis:
        parts.append(f"analyzed {res.analysis.analyzed}"
                     + (f" ({res.analysis.failed} failed)" if res.analysis.failed else ""))
    if res.report:
        parts.append(f"report {res.report}")
    return "; ".join(parts)


def outcome(res: dict | None) -> str:
    """A scheduled run's result (run_source's) in one line for a person: "skipped (already running)",
    "failed: why; what it did", or what it did."""
    if res is None:
        return "skipped (already running)"
    done = res.get("summary") if "summary" in res else "; ".join(  # another runner's result: its own words
        f"{k}: {v}" for k, v in res.items() if k != "error")
    if res.get("error"):
        return f"failed: {res['error']}" + (f"; {done}" if done else "")
    return done or "ok"


def forget_import(store, run: dict) -> str | None:
    """Let the next scheduled check import again the file of the scheduled import `run` (a run dict, as
    `Store.stored_again` or `list_runs` give it): its content is forgotten (the source's record of imported
    files, by SHA-256), because reviews it brought were deleted (`reviewlens delete --run` of an earlier import
    they were also in). The file as the run names it, or None when `run` is no scheduled import of a file this
    machine can tell again (a run recorded without the file's SHA-256 whose file is gone or changed)."""
    if run.get("kind") != "import" or run.get("trigger") != "schedule" or not run.get("source"):
        return None
    detail = run.get("detail") or {}
    file = detail.get("file")
    digest = detail.get("sha256")
    if not digest and file and not is_remote(file) and Path(file).is_file():
        digest = _sha256(Path(file))  # a run recorded before the digest was: the file as it is now
    key = f"import-files:{run['source']}"
    done: dict[str, str] = store.load_checkpoint(key) or {}
    if not digest or digest not in done:
        return None
    del done[digest]
    store.save_checkpoint(key, done)
    return str(file)


#: Files changed less than this many seconds ago are watched for SETTLE_WAIT seconds before they are imported.
SETTLE_RECENT, SETTLE_WAIT = 10.0, 1.0


def _being_written(paths: Sequence[Path]) -> set[Path]:
    """Those of `paths` still being written: changed in the last SETTLE_RECENT seconds and growing or changing
    while watched for SETTLE_WAIT seconds, all of them in the same wait (a second per fresh file made a synced
    folder of 30 monthly exports wait half a minute). A half-copied export imported as it stood stored its cut
    last row as a review of its own ("Serv"), and the complete file, arriving under the same name, the review
    again."""
    now = time.time()
    recent = {}
    for path in paths:
        try:
            st = path.stat()
        except OSError:  # gone since the folder was listed: the import says so
            continue
        if now - st.st_mtime <= SETTLE_RECENT:
            recent[path] = (st.st_size, st.st_mtime_ns)
    if not recent:
        return set()
    time.sleep(SETTLE_WAIT)
    growing = set()
    for path, before in recent.items():
        try:
            st = path.stat()
        except OSError:
            growing.add(path)  # removed while watched (a sync replacing it): the next check sees what it became
            continue
        if (st.st_size, st.st_mtime_ns) != before:
            growing.add(path)
    return growing


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
