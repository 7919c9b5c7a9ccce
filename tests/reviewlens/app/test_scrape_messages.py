"""What a scrape says when a site gives it trouble, and `reviewlens sites` / `sites test`: real Chromium
against local pages.

A first scrape of a site that needs a config says so (not "the site may have changed"); an error names its
URL once; a site config's `wait_for` that no longer appears is a served page without reviews (no "did not
serve", no resume point); `sites` lists the configs in sites_dir; `sites test` tries a config on one page,
storing nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reviewlens.app import jobs
from reviewlens.app.cli import main
from reviewlens.config import load_settings
from reviewlens.store import Store
from tests.scraper.helpers import LocalSite

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromedriver").exists() and os.environ.get("REVIEWLENS_REQUIRE_BROWSER") != "1",
    reason="needs chromium-driver (scripts/setup.sh installs it)")

CONFIG = ('description = "Kettle pages"\nmatch = "127.0.0.1:*/kettle/*"\nreview = "#reviews .rev"\n'
          'next = "a.next"\n[fields]\ntext = ".body"\nauthor = ".who"\nrating = { selector = ".star.on", count = true }\n'
          'id = { attr = "data-id" }\n')


def _page(n: int, last: int = 2) -> str:
    revs = "".join(f'<div class="rev" data-id="k{n}{c}"><span class="who">User {c}</span>'
                   f'<span class="star on"></span><span class="star on"></span><span class="star"></span>'
                   f'<p class="body">Page {n} review {c}: the kettle boils fast.</p></div>' for c in "ab")
    nxt = f'<a class="next" href="/kettle/p{n + 1}.html">Next</a>' if n < last else ""
    return f'<html><body><h1>Kettle</h1><div id="reviews">{revs}</div>{nxt}</body></html>'


@pytest.fixture
def kettle():
    site = LocalSite()
    for n in (1, 2):
        site.page(f"/kettle/p{n}.html", _page(n))
    yield site
    site.close()


def _toml(tmp_path, sites_dir: Path | None = None) -> str:
    path = tmp_path / "reviewlens.toml"
    path.write_text((f'sites_dir = "{sites_dir}"\n' if sites_dir else "")
                    + "[scraper]\ndelay = 0.0\ntimeout = 2.0\nretries = 2\n", encoding="utf-8")
    return str(path)


def test_a_first_scrape_without_a_config_says_to_write_one_and_names_each_url_once(tmp_path, kettle, capsys):
    db = tmp_path / "s.db"
    rc = main(["scrape", f"{kettle.base}/kettle/p1.html", "--db", str(db), "--config", _toml(tmp_path), "-q"])
    out = capsys.readouterr().out
    assert rc != 0
    errors = [line for line in out.splitlines() if line.strip().startswith(("error:", "failed:"))]
    assert errors and all(line.count(kettle.base) <= 1 for line in errors), out
    assert not any(line.strip().startswith(("error:  ", "failed:  ")) for line in errors), out
    last = errors[-1]
    assert last.strip().startswith("failed: ")
    assert "needs one" in last and "sites test" in last and "may have changed" not in last, last
    assert " 1 pages" not in out and " 1 errors" not in out


def test_a_site_that_serves_no_page_is_said_once_with_why(tmp_path, kettle, capsys):
    """A 404 (or a site down) printed its error twice: as the page's error and quoted again in why the run failed."""
    db = tmp_path / "s.db"
    url = f"{kettle.base}/kettle/gone.html"
    assert main(["scrape", url, "--db", str(db), "--config", _toml(tmp_path), "-q"]) != 0
    out = capsys.readouterr().out
    said = [line.strip() for line in out.splitlines() if url in line]
    assert len(said) == 1 and said[0].startswith("failed: the site did not serve the page"), out
    run = Store(db).list_runs()[0]  # the run history keeps both, as before
    assert run["status"] == "failed" and len(run["errors"]) == 2


def test_a_wait_for_that_no_longer_appears_is_a_served_page_without_a_resume_point(tmp_path, kettle):
    cfg = tmp_path / "kettle.toml"
    cfg.write_text('wait_for = ".review-card"\n' + CONFIG, encoding="utf-8")
    db = tmp_path / "s.db"
    settings = load_settings(_toml(tmp_path), db=str(db))
    settings.scraper.timeout = 1.0
    store = Store(db)
    kettle.page("/kettle/p1.html", _page(1, last=1))
    s = jobs.run_scrape(store, settings, [f"{kettle.base}/kettle/p1.html"], site=str(cfg), quiet=True)
    assert s.status == "partial" and s.reviews == 2  # the reviews are there: only the wait_for is stale
    assert any("wait_for '.review-card' never appeared" in e["message"] for e in s.errors), s.errors
    kettle.page("/kettle/p1.html", _page(1, last=1).replace('class="rev"', 'class="card"'))
    s = jobs.run_scrape(store, settings, [f"{kettle.base}/kettle/p1.html"], site=str(cfg), quiet=True, full=True)
    assert s.status == "failed" and kettle.hits("/kettle/p1.html") == 2
    why = s.errors[-1]["message"]
    assert "did not serve" not in why and "no reviews were found on 1 page:" in why, why
    assert "wait_for '.review-card' never appeared" in s.errors[0]["message"]
    assert store.load_checkpoint(jobs.checkpoint_key(f"{kettle.base}/kettle/p1.html")) is None


def test_sites_lists_the_configs_in_sites_dir(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "kettle.toml").write_text(CONFIG, encoding="utf-8")
    assert main(["sites", "--config", _toml(tmp_path, mine), "--db", str(tmp_path / "s.db")]) == 0
    out = capsys.readouterr().out
    assert "demo-static" in out and "kettle" in out and "127.0.0.1:*/kettle/*" in out and "Kettle pages" in out
    assert not (tmp_path / "s.db").exists()


def test_sites_test_tries_a_config_on_one_page_and_stores_nothing(tmp_path, kettle, capsys):
    cfg = tmp_path / "kettle.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    db = tmp_path / "s.db"
    url = f"{kettle.base}/kettle/p1.html"
    rc = main(["sites", "test", url, "--site", str(cfg), "--config", _toml(tmp_path), "--db", str(db), "-q"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "2 reviews found" in out and f"site config 'kettle' ({cfg})" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["text", "2/2"] in lines and ["rating", "2/2"] in lines and ["author", "2/2"] in lines, out
    assert "review 1:" in out and "User a" in out and "2.0" in out
    assert f"next page: {kettle.base}/kettle/p2.html" in out and "nothing was stored" in out
    assert kettle.hits("/kettle/p2.html") == 0 and not db.exists()
    # zero-config on a page without structured data: nothing found, exit 1
    rc = main(["sites", "test", url, "--config", _toml(tmp_path), "--db", str(db), "-q"])
    out = capsys.readouterr().out
    assert rc == 1 and "no site config matches this URL" in out and "no reviews found" in out, out


def test_sites_test_says_what_it_noted_of_single_reviews(tmp_path, kettle, capsys):
    """An unreadable rating and a block without a text are notes of single reviews (no page error in a scrape),
    but the one writing a config needs to see them: a rating selector that reads words, a text selector that
    misses some blocks. `sites test` said nothing of them."""
    kettle.page("/kettle/n1.html", _page(1, last=1).replace(
        '<p class="body">Page 1 review b: the kettle boils fast.</p>', '<p class="body"></p>') + "".join(
        f'<div id="more"><div class="rev" data-id="x{i}"><span class="who">U{i}</span><b class="score">great</b>'
        f'<p class="body">Review {i} of the kettle here.</p></div></div>' for i in range(2)))
    cfg = tmp_path / "kettle.toml"
    cfg.write_text(CONFIG.replace('#reviews .rev', '.rev').replace('{ selector = ".star.on", count = true }',
                                                                   '".score"'), encoding="utf-8")
    rc = main(["sites", "test", f"{kettle.base}/kettle/n1.html", "--site", str(cfg), "--config", _toml(tmp_path),
               "--db", str(tmp_path / "s.db"), "-q"])
    out = capsys.readouterr().out
    assert rc == 0 and "3 reviews found" in out, out
    assert "notes:" in out and "2 reviews with a rating that could not be read ('great')" in out, out
    assert "1 review block without a text skipped (k1b)" in out, out


def test_sites_test_says_which_blocks_it_would_keep_as_star_only_ratings(tmp_path, kettle, capsys):
    """A block with stars and no text: a scrape keeps it as a star-only rating; the one writing a config is told
    so, with its id, in case the text selector misses its words."""
    kettle.page("/kettle/n1.html", _page(1, last=1).replace(
        '<p class="body">Page 1 review b: the kettle boils fast.</p>', '<p class="body"></p>') + "".join(
        f'<div id="more"><div class="rev" data-id="x{i}"><span class="who">U{i}</span>'
        f'<span class="star on"></span><p class="body">Review {i} of the kettle here.</p></div></div>'
        for i in range(2)))
    cfg = tmp_path / "kettle.toml"
    cfg.write_text(CONFIG.replace('#reviews .rev', '.rev'), encoding="utf-8")
    rc = main(["sites", "test", f"{kettle.base}/kettle/n1.html", "--site", str(cfg), "--config", _toml(tmp_path),
               "--db", str(tmp_path / "s.db"), "-q"])
    out = capsys.readouterr().out
    assert rc == 0 and "3 reviews found" in out, out
    assert "1 review block with a rating and no text (k1b): a scrape keeps them as star-only ratings" in out, out
    assert "without a text skipped" not in out


def test_sites_test_says_which_of_two_matching_configs_wins(tmp_path, kettle, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    for name in ("kettle-a", "kettle-b"):
        (mine / f"{name}.toml").write_text(CONFIG, encoding="utf-8")
    rc = main(["sites", "test", f"{kettle.base}/kettle/p1.html", "--config", _toml(tmp_path, mine),
               "--db", str(tmp_path / "s.db"), "-q"])
    out = capsys.readouterr().out
    assert rc == 0 and "site config 'kettle-b'" in out and "also matches, not used: 'kettle-a'" in out, out
    assert "read by site config 'kettle-b'" in out
