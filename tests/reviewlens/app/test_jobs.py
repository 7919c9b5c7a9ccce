"""The jobs end to end: real Chromium against the demo shop, real store, real processes.

Covers what only the jobs can: every review of the shop lands once, a re-scrape adds nothing and
stops early, a run killed midway keeps what it had and the next run completes it, the run history,
and `schedule --once` doing a real scheduled run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from reviewlens.app import jobs
from reviewlens.app.demo_shop import default_root, demo_urls
from reviewlens.config import load_settings
from reviewlens.store import Store, reviews
from tests.helpers import count_rows

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromedriver").exists() and os.environ.get("REVIEWLENS_REQUIRE_BROWSER") != "1",
    reason="needs chromium-driver (scripts/setup.sh installs it)")


@pytest.fixture(scope="module")
def shop(demo_site):
    return demo_site


@pytest.fixture(scope="module")
def shop_reviews():
    data = json.loads((default_root() / "reviews.json").read_text(encoding="utf-8"))
    return data["reviews"]


def _settings(tmp_path, db, **kw):
    s = load_settings(None, db=str(db), data_dir=str(tmp_path / "data"))
    s.scraper.delay = kw.get("delay", 0.0)
    return s


def test_demo_scrape_collects_every_review_once_and_raises_no_alarm(tmp_path, shop, shop_reviews):
    db = tmp_path / "s.db"
    store = Store(db)
    settings = _settings(tmp_path, db)
    urls = demo_urls(shop)
    first = jobs.run_scrape(store, settings, urls, source="demo-shop", quiet=True)
    assert first.status in ("ok", "partial"), first.errors
    assert count_rows(store) == len(shop_reviews) == first.new
    with store.engine.connect() as c:  # by the site's own review ids: plain SQL
        stored = dict(c.execute(sa.select(reviews.c.site_review_id, reviews.c.text)).all())
    assert set(stored) == {r["id"] for r in shop_reviews}
    # hostile and unusual reviews arrive intact
    long_one = max(shop_reviews, key=lambda r: len(r["text"]))
    assert len(stored[long_one["id"]]) >= 40_000
    # a second run adds nothing and stops early at already-seen pages
    second = jobs.run_scrape(store, settings, urls, source="demo-shop", quiet=True)
    assert second.new == 0 and count_rows(store) == len(shop_reviews)
    assert second.pages < first.pages
    # everything again (--full): still nothing new
    third = jobs.run_scrape(store, settings, urls, source="demo-shop", quiet=True, full=True)
    assert third.new == 0 and third.pages == first.pages
    runs = store.list_runs(kind="scrape")
    assert [r["status"] for r in runs] == [third.status, second.status, first.status]
    assert runs[2]["reviews_new"] == len(shop_reviews) and runs[2]["pages"] == first.pages
    # the demo shop's normal runs (everything, incremental, everything again) never raise the alarm of a site
    # that broke (tests/reviewlens/app/test_scrape_health.py: the changed layout that does)
    for summary in (first, second, third):
        assert summary.status in ("ok", "partial") and not summary.degraded, (summary.status, summary.degraded)
        assert summary.missing == {"author": 0, "date": 0, "rating": 0}
    for run in runs:
        h = run["detail"]["health"]
        assert set(h["by_url"]) == set(urls) and "degraded" not in run["detail"]
        assert all(v == 1.0 for v in h["fill"].values()), h["fill"]


def _paginated_url(shop) -> str:
    return next(u for u in demo_urls(shop) if "/jsonld/" in u)


def test_killed_run_keeps_its_pages_and_next_run_completes(tmp_path, shop, shop_reviews):
    db = tmp_path / "s.db"
    url = _paginated_url(shop)
    slug = url.rstrip("/").split("/")[-1].split("?")[0]
    expected = sum(1 for r in shop_reviews if r["product"] == slug)
    env = dict(os.environ, REVIEWLENS_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen([sys.executable, "-m", "reviewlens.app.cli", "scrape", url, "--db", str(db), "--delay", "0.6",
                             "-q"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    store = Store(db)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            runs = store.list_runs()
            if runs and (runs[0]["pages"] or 0) >= 2:
                break
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.1)
        else:
            pytest.fail("the scrape did not get to page 2 within 60 s")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    kept = count_rows(store)
    assert 0 < kept < expected
    assert store.load_checkpoint(jobs.checkpoint_key(url)) is not None
    # the next run: the dead run is marked interrupted, the scrape resumes at the checkpoint and completes
    settings = _settings(tmp_path, db)
    summary = jobs.run_scrape(store, settings, [url], quiet=True)
    assert count_rows(store) == expected
    # resumed after the stored pages; then from the first page for what came in since: nothing (seen, it stops)
    assert summary.new == expected - kept and 0 < summary.seen <= kept
    runs = store.list_runs(kind="scrape")
    assert runs[1]["status"] == "interrupted"
    assert runs[0]["detail"]["resumed"] == {url: store_checkpoint_was(runs[0])}
    assert store.load_checkpoint(jobs.checkpoint_key(url)) is None


def store_checkpoint_was(run: dict) -> str:
    return next(iter(run["detail"]["resumed"].values()))


def test_cli_scrape_reports_errors_and_runs(tmp_path, shop, capsys):
    from reviewlens.app.cli import main

    db = tmp_path / "s.db"
    url = _paginated_url(shop)
    assert main(["scrape", url, "--db", str(db), "--delay", "0", "--max-pages", "2", "-q"]) == 0
    out = capsys.readouterr().out
    assert "2 pages" in out and "new" in out
    missing = shop.rstrip("/") + "/no-such-page"
    rc = main(["scrape", missing, "--db", str(db), "--delay", "0", "-q"])
    out = capsys.readouterr()
    assert rc in (0, 1)
    assert "no-such-page" in out.out + out.err
    runs = Store(db).list_runs(kind="scrape")
    assert runs[0]["errors"] and "no-such-page" in json.dumps(runs[0]["errors"])


def test_schedule_once_runs_a_real_scrape_and_report(tmp_path, shop):
    from reviewlens.app.cli import main

    db = tmp_path / "s.db"
    reports = tmp_path / "reports"
    sched = tmp_path / "schedule.toml"
    sched.write_text(f'[schedule]\nanalyze = false\nreport = true\nreports_dir = "{reports}"\n\n'
                     f'[[sources]]\nname = "shop-jsonld"\nurl = "{_paginated_url(shop)}"\nevery = "1h"\nmax_pages = 2\n')
    env_data = str(tmp_path / "data")
    os.environ["REVIEWLENS_DATA_DIR"] = env_data
    try:
        assert main(["schedule", str(sched), "--once", "--db", str(db), "--delay", "0", "-q"]) == 0
        assert main(["schedule", str(sched), "--once", "--db", str(db), "-q"]) == 0  # not due again
    finally:
        os.environ.pop("REVIEWLENS_DATA_DIR", None)
    store = Store(db)
    scrapes = store.list_runs(kind="scrape")
    assert len(scrapes) == 1 and scrapes[0]["trigger"] == "schedule" and scrapes[0]["source"] == "shop-jsonld"
    assert count_rows(store) > 0
    files = list(reports.glob("shop-jsonld*.xlsx"))
    assert len(files) == 1 and re.fullmatch(r"shop-jsonld-\d{4}-\d\d-\d\d_\d{6}\.xlsx", files[0].name)
    from openpyxl import load_workbook

    assert "Reviews" in load_workbook(files[0], read_only=True).sheetnames


@pytest.mark.slow
def test_new_labels_re_analyze_and_the_label_is_reported(tmp_path):
    """The analysis job learns from labels given since its last run: the version changes, every text is
    analyzed again (the heads changed), and the labelled review reports its label."""
    from reviewlens.schema import Label, Review

    db = tmp_path / "s.db"
    store = Store(db)
    texts = ["Great blender, smoothies in seconds.", "The jar cracked after a week.", "It is a blender."]
    store.upsert_reviews([Review(source="t", text=t) for t in texts])
    job = jobs.Job(store, _settings(tmp_path, db))
    first = job.analyze(quiet=True)
    assert first.analyzed == 3 and job.analyze(quiet=True).analyzed == 0  # nothing twice
    store.add_labels([Label(content_hash="", text=texts[2], kind="sentiment", value="positive", source="test")])
    again = job.analyze(quiet=True)
    assert again.analyzed == 3 and again.prompt_version != first.prompt_version
    frame = store.reviews_frame().set_index("text")
    assert frame.loc[texts[2], "sentiment"] == "positive" and frame.loc[texts[2], "sentiment_score"] == 1.0
