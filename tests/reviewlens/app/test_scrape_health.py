"""Sites that break silently, and dates at scrape time, end to end: real Chromium against the demo shop.

A product page whose markup changes (the demo shop's changed layout) makes the next run `degraded`,
with the field and how much it fell, a debug capture, a non-zero exit and a failure in the scheduler
(that the demo shop's normal runs never raise the alarm is checked with its full scrape in test_jobs.py). `--since` with `--sort newest` stores nothing older
and stops paging at the first page of only older reviews.
"""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from reviewlens.app import jobs
from reviewlens.app.cli import ExitStatus, main
from reviewlens.app.demo_shop import shop_at, start_demo_site
from reviewlens.config import load_settings
from reviewlens.store import Store, reviews

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromedriver").exists() and os.environ.get("REVIEWLENS_REQUIRE_BROWSER") != "1",
    reason="needs chromium-driver (scripts/setup.sh installs it)")

SLUG = "aurora-headphones"


def _settings(tmp_path, db):
    s = load_settings(None, db=str(db), data_dir=str(tmp_path / "data"))
    s.scraper.delay = 0.0
    return s


@pytest.fixture
def own_shop():
    """A demo shop of this test's own: its changed-layout switch affects no other test."""
    base, stop = start_demo_site(js_delay_ms=0)
    yield base
    stop()


def test_changed_layout_degrades_the_run(tmp_path, own_shop, capsys, monkeypatch):
    db = tmp_path / "s.db"
    store = Store(db)
    settings = _settings(tmp_path, db)
    url = f"{own_shop}/static/{SLUG}"
    first = jobs.run_scrape(store, settings, [url], quiet=True)
    second = jobs.run_scrape(store, settings, [url], quiet=True)  # incremental: one page
    assert (first.status, second.status) == ("ok", "ok") and first.reviews == 56 and second.pages == 1
    health = store.list_runs()[0]["detail"]["health"]
    assert health["fill"] == {"text": 1.0, "rating": 1.0, "date": 1.0, "author": 1.0} and health["per_page"] == 10.0

    shop_at(own_shop).changed_layout.add(SLUG)
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    rc = main(["scrape", url, "--db", str(db), "--delay", "0", "-q"])
    out = capsys.readouterr().out
    assert rc == ExitStatus.DEGRADED
    assert f"degraded: at {url}: rating filled on 0% of 10 reviews (usually 100%)" in out
    assert f"degraded: at {url}: date filled on 0% of 10 reviews (usually 100%)" in out
    assert "read 10 without a date, 10 without a rating (what was stored before is kept)" in out
    run = store.list_runs()[0]
    assert run["status"] == "degraded"
    assert [d["field"] for d in run["detail"]["degraded"]] == ["rating", "date"]
    assert "rating filled on 0% of 10 reviews (usually 100%)" in run["detail"]["message"]
    capture = Path(run["detail"]["debug_files"][0])
    assert capture.parent == tmp_path / "data" / "debug" and 'class="stars"' in capture.read_text(encoding="utf-8")
    # the broken run did not blank what the good runs stored
    with store.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).where(reviews.c.rating.is_(None) | reviews.c.date.is_(None))
                         ).scalar_one() == 0
    # the history shows it, with the message
    assert main(["runs", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "degraded" in out and "rating filled on 0% of 10 reviews (usually 100%)" in out
    # still broken next time: a degraded run never becomes the usual
    assert jobs.run_scrape(store, settings, [url], quiet=True).status == "degraded"
    # fixed: ok again
    shop_at(own_shop).changed_layout.discard(SLUG)
    assert jobs.run_scrape(store, settings, [url], quiet=True).status == "ok"


def test_scheduled_degraded_run_is_reported_as_a_failure(tmp_path, own_shop, caplog):
    from reviewlens.app.scheduler import Scheduler
    from reviewlens.schedule import load_schedule

    db = tmp_path / "s.db"
    store = Store(db)
    sched_file = tmp_path / "schedule.toml"
    sched_file.write_text(f'[schedule]\nanalyze = false\nreport = false\n\n[[sources]]\nname = "aurora"\n'
                          f'url = "{own_shop}/static/{SLUG}"\nevery = "1h"\nsince = "3650d"\n')
    sched = load_schedule(sched_file)
    s = Scheduler(sched, store, _settings(tmp_path, db))
    src = sched.sources[0]
    for _ in range(2):
        res = s.run_source(src)
        assert "error" not in res, res
    assert store.list_runs()[0]["detail"]["since"] == src.since_date().isoformat()
    shop_at(own_shop).changed_layout.add(SLUG)
    with caplog.at_level(logging.ERROR, logger="reviewlens.app.scheduler"):
        res = s.run_source(src)
    assert res["error"].startswith("scrape degraded: at ") and "rating filled on 0%" in res["error"]
    assert any("scheduled run of aurora failed" in r.getMessage() for r in caplog.records)
    assert store.list_runs()[0]["status"] == "degraded"


def test_since_with_newest_first_stops_early_and_stores_nothing_older(tmp_path, demo_site, truth, capsys):
    db = tmp_path / "s.db"
    newest_first = [r for r in truth["reviews"] if r["product"] == SLUG]  # the shop's data is newest first
    since = date.fromisoformat(newest_first[14]["date"])        # page 2 is partly older, page 3 all older
    assert date.fromisoformat(newest_first[19]["date"]) < since
    expected = {r["id"] for r in newest_first if date.fromisoformat(r["date"]) >= since}
    url = f"{demo_site}/sorted/{SLUG}"
    shop = shop_at(demo_site)
    before = len(shop.page_loads(f"/sorted/{SLUG}"))
    rc = main(["scrape", url, "--sort", "newest", "--since", since.isoformat(), "--db", str(db), "--delay", "0", "-q"])
    out = capsys.readouterr().out
    assert rc == ExitStatus.OK, out
    loads = shop.page_loads(f"/sorted/{SLUG}")[before:]
    assert len(loads) <= 4 and all("sort=newest" in p for p in loads), loads  # of 6 pages: stopped at page 3
    assert "3 pages" in out and f"{30 - len(expected)} older than {since.isoformat()} not stored" in out
    store = Store(db)
    with store.engine.connect() as c:
        stored = dict(c.execute(sa.select(reviews.c.site_review_id, reviews.c.date)).all())
    assert set(stored) == expected and min(stored.values()) >= since
    run = store.list_runs()[0]
    assert run["detail"]["since"] == since.isoformat() and run["detail"]["sort"] == "newest"
    assert run["detail"]["urls"] == [url + "?sort=newest"]
    assert store.load_checkpoint(jobs.checkpoint_key(url + "?sort=newest")) is None  # stopped: no resume point

    # without --sort the shop lists the most helpful first: no early stop, and still nothing older stored
    db2 = tmp_path / "s2.db"
    before = len(shop.page_loads(f"/sorted/{SLUG}"))
    assert main(["scrape", url, "--since", since.isoformat(), "--db", str(db2), "--delay", "0", "-q"]) == 0
    assert len(shop.page_loads(f"/sorted/{SLUG}")[before:]) >= 6
    with Store(db2).engine.connect() as c:
        stored = dict(c.execute(sa.select(reviews.c.site_review_id, reviews.c.date)).all())
    assert set(stored) == expected
