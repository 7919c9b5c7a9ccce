"""A scrape that found nothing, and a site config fixed after it: real Chromium against local pages.

A site config whose review selector no longer matches walks pages and finds nothing: that run is `failed` (in the
run history and for the alerts, as its exit status says) and leaves no resume point, so the next run with the
config fixed starts at the first page. `--full` starts at the first page even where an interrupted run left one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reviewlens.app import jobs
from reviewlens.app.cli import main
from reviewlens.config import load_settings
from reviewlens.store import Store
from tests.helpers import count_rows
from tests.scraper.helpers import LocalSite

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromedriver").exists() and os.environ.get("REVIEWLENS_REQUIRE_BROWSER") != "1",
    reason="needs chromium-driver (scripts/setup.sh installs it)")

FIXED = 'review = "#reviews .rev"\nnext = "a.next"\n[fields]\ntext = ".body"\nauthor = ".who"\n'
BROKEN = 'review = "#reviews .review-card"\nnext = "a.next"\n[fields]\ntext = ".body"\n'


def _page(n: int, last: int) -> str:
    revs = "".join(f'<div class="rev"><span class="who">User{n}{c}</span><p class="body">Page {n} review {c}: '
                   f'{"bright" if c == "a" else "dim"} light.</p></div>' for c in "ab")
    nxt = f'<a class="next" href="/p/list{n + 1}.html">Next</a>' if n < last else ""
    return f'<html><body><h1>Lamp</h1><div id="reviews">{revs}</div>{nxt}</body></html>'


@pytest.fixture
def lamp_site():
    site = LocalSite()
    for n in (1, 2, 3):
        site.page(f"/p/list{n}.html", _page(n, 3))
    yield site
    site.close()


def _settings(tmp_path, db):
    s = load_settings(None, db=str(db), data_dir=str(tmp_path / "data"))
    s.scraper.delay = 0.0
    return s


def test_a_scrape_that_found_nothing_fails_and_leaves_no_resume_point(tmp_path, lamp_site, capsys):
    db, url = tmp_path / "s.db", f"{lamp_site.base}/p/list1.html"
    broken, fixed = tmp_path / "broken.toml", tmp_path / "fixed.toml"
    broken.write_text(BROKEN, encoding="utf-8")
    fixed.write_text(FIXED, encoding="utf-8")
    store, settings = Store(db), _settings(tmp_path, db)

    first = jobs.run_scrape(store, settings, [url], site=str(broken), quiet=True)
    assert first.status == "failed" and first.reviews == 0 and first.pages >= 1, first
    run = store.list_runs(kind="scrape")[0]
    assert run["status"] == "failed" and run["errors"][-1]["message"].startswith("no reviews were found on 3 pages: "), run
    assert store.load_checkpoint(jobs.checkpoint_key(url)) is None  # nothing to resume from
    from datetime import datetime, timedelta

    from reviewlens.alerts import scrape_alerts
    alert = scrape_alerts(store, datetime.utcnow() - timedelta(hours=1))[0]
    assert alert.title.endswith("failed") and "no reviews were found on 3 pages" in alert.lines[0], alert
    assert "the first: no reviews found at" in alert.lines[1], alert   # the page's own reason

    second = jobs.run_scrape(store, settings, [url], site=str(fixed), quiet=True)
    assert second.status == "ok" and second.new == 6 and count_rows(store) == 6, second
    assert store.list_runs(kind="scrape")[0]["detail"]["resumed"] == {}

    # the command says so too, with a non-zero exit
    os.environ["REVIEWLENS_DATA_DIR"] = str(tmp_path / "data")
    try:
        rc = main(["scrape", url, "--site", str(broken), "--db", str(tmp_path / "other.db"), "--delay", "0", "-q"])
    finally:
        del os.environ["REVIEWLENS_DATA_DIR"]
    assert rc == 1 and "no reviews were found" in capsys.readouterr().out


def test_full_starts_at_the_first_page_whatever_was_left(tmp_path, lamp_site):
    db, url = tmp_path / "s.db", f"{lamp_site.base}/p/list1.html"
    fixed = tmp_path / "fixed.toml"
    fixed.write_text(FIXED, encoding="utf-8")
    store, settings = Store(db), _settings(tmp_path, db)
    # a resume point an interrupted run left at the last page
    store.upsert_reviews([], None, checkpoint=(jobs.checkpoint_key(url),
                                               {"next_url": f"{lamp_site.base}/p/list3.html", "run_id": 0}))
    full = jobs.run_scrape(store, settings, [url], site=str(fixed), full=True, quiet=True)
    assert full.new == 6 and lamp_site.hits("/p/list1.html") == 1, full
    assert store.list_runs(kind="scrape")[0]["detail"]["resumed"] == {}
    assert store.load_checkpoint(jobs.checkpoint_key(url)) is None


def test_a_resumed_run_still_looks_at_the_first_page_for_new_reviews(tmp_path, lamp_site):
    # A page the site did not serve is where the next run resumes; that run walks from the first page too, so a
    # review that came in meanwhile is stored then, not a run later (it reported "ok, 0 new" having never looked).
    db, url = tmp_path / "s.db", f"{lamp_site.base}/p/list1.html"
    fixed = tmp_path / "lamp.toml"
    fixed.write_text(FIXED, encoding="utf-8")
    store, settings = Store(db), _settings(tmp_path, db)
    settings.scraper.retries = 0
    down = {"list2": True}
    lamp_site.route("/p/list2.html", lambda h: (500, {}, "Internal error") if down["list2"] else (200, {}, _page(2, 3)))
    first = jobs.run_scrape(store, settings, [url], site=str(fixed), quiet=True)
    assert first.status == "partial" and first.new == 2, first
    key = jobs.checkpoint_key(url)
    assert store.load_checkpoint(key)["next_url"] == f"{lamp_site.base}/p/list2.html"

    # a new review on the first page; page 2 still fails
    lamp_site.page("/p/list1.html", _page(1, 3).replace(
        '<div id="reviews">', '<div id="reviews"><div class="rev"><span class="who">Newcomer</span>'
                              '<p class="body">Brand new: the switch broke.</p></div>'))
    second = jobs.run_scrape(store, settings, [url], site=str(fixed), quiet=True)
    assert second.new == 1 and count_rows(store) == 3, second
    # the page not served again stays the place to continue from (the walk from the top does not move it)
    assert store.load_checkpoint(key)["next_url"] == f"{lamp_site.base}/p/list2.html"

    down["list2"] = False
    third = jobs.run_scrape(store, settings, [url], site=str(fixed), quiet=True)
    assert third.status == "ok" and third.new == 4 and count_rows(store) == 7, third
    assert store.load_checkpoint(key) is None
    assert lamp_site.hits("/p/list1.html") == 3 and lamp_site.hits("/p/list3.html") == 1


def test_a_renamed_site_config_says_its_reviews_are_stored_under_its_old_name(tmp_path, lamp_site, caplog):
    # A config's file name is its reviews' source, part of each review's identity: a renamed or moved config stores
    # every review again. The run says so, and how to keep them: `source = "<old name>"`.
    db, url = tmp_path / "s.db", f"{lamp_site.base}/p/list1.html"
    old, moved = tmp_path / "lamp.toml", tmp_path / "moved" / "lamp-v2.toml"
    moved.parent.mkdir()
    old.write_text(FIXED, encoding="utf-8")
    moved.write_text(FIXED, encoding="utf-8")
    store, settings = Store(db), _settings(tmp_path, db)
    assert jobs.run_scrape(store, settings, [url], site=str(old), quiet=True).new == 6
    with caplog.at_level("WARNING", logger="reviewlens.app.jobs"):
        again = jobs.run_scrape(store, settings, [url], site=str(moved), quiet=True)
    assert again.new == 6, again
    said = [r.getMessage() for r in caplog.records if "stored already" in r.getMessage()]
    assert len(said) == 1 and "under the source 'lamp'" in said[0] and 'source = "lamp"' in said[0], said


def test_a_page_parameter_walk_past_a_failed_page_resumes_at_that_page(tmp_path):
    """Page 2 of 4 failed (HTTP 500) and the page-parameter walk went on to pages 3 and 4, whose resume points
    replaced page 2's: the next run never tried page 2 again. Now the failed page stays the resume point, and
    the next run, with the site well again, stores its reviews."""
    site, broken = LocalSite(), {"on": True}

    def route(h):
        n = int(h.path.split("page=")[1]) if "page=" in h.path else 1
        if n == 2 and broken["on"]:
            return 500, {}, "Internal error"
        revs = "".join(f'<div class="rev" data-id="q{n}{c}"><span class="who">U{n}{c}</span><p class="body">Page {n} '
                       f'review {c}: {"warm" if c == "a" else "cold"} light.</p></div>' for c in "ab")
        nxt = f'<a class="next" href="/q?page={n + 1}">Next</a>' if n < 4 else ""
        return (200, {}, f'<html><body><div id="reviews">{revs}</div>{nxt}</body></html>') if n <= 4 else (404, {}, "")

    site.route("/q", route)
    try:
        cfg = tmp_path / "lamp.toml"
        cfg.write_text('review = "#reviews .rev"\npage_param = "page"\n[fields]\ntext = ".body"\n'
                       'author = ".who"\nid = { attr = "data-id" }\n', encoding="utf-8")
        db, url = tmp_path / "s.db", f"{site.base}/q?page=1"
        store, settings = Store(db), _settings(tmp_path, db)
        settings.scraper.retries = 1
        first = jobs.run_scrape(store, settings, [url], site=str(cfg), quiet=True)
        assert first.new == 6 and first.status == "partial", first
        point = store.load_checkpoint(jobs.checkpoint_key(url))
        assert point and point["next_url"].endswith("page=2"), point
        broken["on"] = False
        second = jobs.run_scrape(store, settings, [url], site=str(cfg), quiet=True)
        assert second.new == 2 and count_rows(store) == 8, second
    finally:
        site.close()
