"""A site that breaks, as a weekly user meets it: real Chromium against a small local shop of two products.

The kettle lists 6 reviews a page on 3 pages, the toaster 5 on one. A weekly run is incremental: it stops
after the first page already seen, 6 or 11 reviews. When the kettle's markup changes (its pages yield
nothing while the toaster's still do), or its stars vanish on a run of 6 reviews, the run ends `degraded`
(exit 3) with an alert, whatever path the site config was given by; a quiet week, a review without words
(stars only) are no alarm.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from reviewlens import alerts
from reviewlens.app import jobs
from reviewlens.app.cli import ExitStatus, main
from reviewlens.config import load_settings
from reviewlens.schema import star_identity
from reviewlens.store import Store, reviews
from tests.scraper.helpers import LocalSite

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromedriver").exists() and os.environ.get("REVIEWLENS_REQUIRE_BROWSER") != "1",
    reason="needs chromium-driver (scripts/setup.sh installs it)")

CONFIG = '''match = ["127.0.0.1:*/fjord/*"]
review = "#reviews .review-card"
next = "a.pg-next"

[fields]
text = ".rc-body"
author = ".rc-who"
rating = { selector = ".icon-star.on", count = true }
date = ".rc-when"
id = { attr = "data-rid" }
'''

KETTLE_PAGES, PER_PAGE = 3, 6


class Shop:
    """The two products' pages, drawn from what a test sets: `layout` ("normal", "renamed": other class names,
    "norating": no stars, "emptytext": the second review of each product has stars and no words, "notext": no
    review's text where the site config looks) per product,
    and reviews added at the top of the kettle's list."""

    def __init__(self, site: LocalSite):
        self.site = site
        self.layout = {"kettle": "normal", "toaster": "normal"}
        self.kettle = [self._review("k", i) for i in range(KETTLE_PAGES * PER_PAGE)]
        self.toaster = [self._review("t", i) for i in range(5)]
        for n in range(1, KETTLE_PAGES + 1):
            site.route(f"/fjord/kettle/page-{n}.html", lambda h, n=n: (200, {}, self._page("kettle", n)))
        site.route("/fjord/toaster/page-1.html", lambda h: (200, {}, self._page("toaster", 1)))

    @staticmethod
    def _review(prefix: str, i: int) -> dict:
        return {"id": f"{prefix}{i:03d}", "stars": 1 + i % 5, "text": f"Review {i} of the {prefix}: it boils, mostly.",
                "who": f"User {i}", "when": (datetime(2026, 11, 1) - timedelta(days=i)).strftime("%Y-%m-%d")}

    def add_review(self) -> None:
        self.kettle.insert(0, self._review("knew", len(self.kettle)))

    def url(self, product: str) -> str:
        return f"{self.site.base}/fjord/{product}/page-1.html"

    def _page(self, product: str, n: int) -> str:
        layout = self.layout[product]
        rows = (self.kettle[(n - 1) * PER_PAGE:n * PER_PAGE] if product == "kettle" else self.toaster)
        card = "fb-item" if layout == "renamed" else "review-card"
        body = "fb-content" if layout in ("renamed", "notext") else "rc-body"
        cards = []
        for j, r in enumerate(rows):
            stars = "" if layout == "norating" else "".join(
                f'<i class="icon-star {"on" if k < r["stars"] else "off"}"></i>' for k in range(5))
            text = "" if layout == "emptytext" and n == 1 and j == 1 else r["text"]
            cards.append(f'<article class="{card}" data-rid="{r["id"]}"><div class="stars">{stars}</div>'
                         f'<p class="{body}">{text}</p><span class="rc-who">{r["who"]}</span>'
                         f'<span class="rc-when">{r["when"]}</span></article>')
        last = KETTLE_PAGES if product == "kettle" else 1
        nxt = f'<a class="pg-next" href="page-{n + 1}.html">Next</a>' if n < last else ""
        return f'<html><body><h1>{product}</h1><section id="reviews">{"".join(cards)}</section>{nxt}</body></html>'


@pytest.fixture
def shop():
    site = LocalSite()
    yield Shop(site)
    site.close()


@pytest.fixture
def env(tmp_path, monkeypatch):
    """(store, settings, the site config's path) of a store of this test's own."""
    db = tmp_path / "s.db"
    cfg = tmp_path / "sites" / "fjord.toml"
    cfg.parent.mkdir()
    cfg.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("REVIEWLENS_DATA_DIR", str(tmp_path / "data"))
    settings = load_settings(None, db=str(db), data_dir=str(tmp_path / "data"))
    settings.scraper.delay = 0.0
    return Store(db), settings, cfg


def _scrape_alerts(store) -> list[alerts.Alert]:
    return alerts.scrape_alerts(store, datetime.now(timezone.utc) - timedelta(hours=1))


def test_a_product_whose_pages_stop_yielding_reviews_degrades_the_run(env, shop, capsys):
    store, settings, cfg = env
    urls = [shop.url("kettle"), shop.url("toaster")]
    first = jobs.run_scrape(store, settings, urls, site=str(cfg), quiet=True)
    weekly = jobs.run_scrape(store, settings, urls, site=str(cfg), quiet=True)  # incremental: a page each
    assert (first.status, first.reviews, weekly.status, weekly.reviews) == ("ok", 23, "ok", 11)

    shop.layout["kettle"] = "renamed"  # the kettle's pages change; the toaster's do not
    rc = main(["scrape", *urls, "--site", str(cfg), "--db", settings.db, "--delay", "0", "-q"])
    out = capsys.readouterr().out
    assert rc == ExitStatus.DEGRADED, out
    assert f"degraded: at {shop.url('kettle')}: no reviews on 3 pages (usually 6.0 per page)" in out
    run = store.list_runs()[0]
    assert run["status"] == "degraded" and [d["field"] for d in run["detail"]["degraded"]] == ["reviews"]
    assert run["detail"]["affected_page"] == shop.url("kettle")
    [alert] = _scrape_alerts(store)
    assert "degraded" in alert.title and "no reviews on 3 pages" in alert.lines[0]

    shop.layout["kettle"] = "normal"  # fixed: a quiet week again
    assert jobs.run_scrape(store, settings, urls, site=str(cfg), quiet=True).status == "ok"


def test_a_small_incremental_run_whose_ratings_vanish_is_degraded(env, shop, capsys):
    """A shop of 6 reviews a page: the weekly run reads one page, too few for fill rates; a rating gone
    from all of them, where it always was, is still a layout that changed. A quiet week is not."""
    store, settings, cfg = env
    url = [shop.url("kettle")]
    assert jobs.run_scrape(store, settings, url, site=str(cfg), quiet=True).status == "ok"
    shop.add_review()  # a normal week: one new review, the walk stops at the second page (all seen)
    quiet = jobs.run_scrape(store, settings, url, site=str(cfg), quiet=True)
    assert (quiet.status, quiet.new, quiet.pages, quiet.degraded) == ("ok", 1, 2, [])
    nothing_new = jobs.run_scrape(store, settings, url, site=str(cfg), quiet=True)
    assert (nothing_new.status, nothing_new.reviews) == ("ok", 6)

    shop.layout["kettle"] = "norating"
    rc = main(["scrape", *url, "--site", str(cfg), "--db", settings.db, "--delay", "0", "-q"])
    out = capsys.readouterr().out
    assert rc == ExitStatus.DEGRADED, out
    assert f"degraded: at {url[0]}: rating filled on 0% of 6 reviews (usually 100%)" in out
    # what was read, not what is stored: the ratings stored before are kept
    assert "; read 6 without a rating (what was stored before is kept)" in out
    with store.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).where(reviews.c.rating.is_(None))).scalar_one() == 0
    [alert] = _scrape_alerts(store)
    assert "rating filled on 0% of 6 reviews" in alert.lines[0]


def test_reviews_edited_on_the_site_are_said(env, shop, capsys):
    """A customer who edits a review (2 stars to 5, new words): the run stored it and said only "0 new, 6 already
    seen"; the week's average moved with nothing in the history to explain it."""
    store, settings, cfg = env
    url = [shop.url("kettle")]
    assert jobs.run_scrape(store, settings, url, site=str(cfg), quiet=True).status == "ok"
    shop.kettle[0].update(stars=5, text="Edited: after a replacement it boils well.")  # 1 star before
    shop.kettle[1].update(stars=4)  # a new rating (2 stars before), the same words
    rc = main(["scrape", *url, "--site", str(cfg), "--db", settings.db, "--delay", "0", "-q"])
    out = capsys.readouterr().out
    assert rc == ExitStatus.OK, out
    assert "(0 new, 6 already seen, 2 of them edited on the site since (1 new text, 2 new ratings))" in out, out
    assert store.list_runs()[0]["detail"]["edited"] == {"reviews": 2, "text": 1, "rating": 2}
    with store.engine.connect() as c:
        got = c.execute(sa.select(reviews.c.text, reviews.c.rating).where(reviews.c.site_review_id == "k000")).one()
    assert tuple(got) == ("Edited: after a replacement it boils well.", 5)
    again = jobs.run_scrape(store, settings, url, site=str(cfg), quiet=True)
    assert again.edited["reviews"] == 0 and "edited" not in again.line()


def test_the_history_follows_the_site_config_however_its_path_is_typed(env, shop, capsys, monkeypatch, tmp_path):
    store, settings, cfg = env
    monkeypatch.chdir(tmp_path)
    url = shop.url("kettle")
    base = ["scrape", url, "--db", settings.db, "--delay", "0", "-q", "--full"]
    assert main([*base, "--site", "sites/fjord.toml"]) == ExitStatus.OK
    shop.layout["kettle"] = "norating"
    rc = main([*base, "--site", str(cfg.resolve())])  # the same file, by its absolute path (a cron job)
    out = capsys.readouterr().out
    assert rc == ExitStatus.DEGRADED, out
    assert "rating filled on 0% of 18 reviews (usually 100%)" in out
    assert {r["source"] for r in store.list_runs()} == {"fjord"}
    assert main([*base, "--site", "sites/fjord.toml"]) == ExitStatus.DEGRADED  # still broken, by either path


def test_reviews_without_words_are_counted_not_a_partial_run(env, shop, capsys):
    """Stars without a text: kept as ratings apart from the reviews (an import keeps them so; a scrape skipped
    them) and said, the run still ok, and ok next week, nothing twice; a text selector that no longer matches
    (every review without a text) is still a page error, and nothing of it is kept as ratings."""
    store, settings, cfg = env
    urls = [shop.url("kettle"), shop.url("toaster")]
    shop.layout.update(kettle="emptytext", toaster="emptytext")
    rc = main(["scrape", *urls, "--site", str(cfg), "--db", settings.db, "--delay", "0", "-q"])
    out = capsys.readouterr().out
    assert rc == ExitStatus.OK, out
    assert "run 1 ok:" in out and "error:" not in out and "without a text skipped" not in out
    assert "2 ratings without a text (star-only reviews), 2.0★ on average: kept as ratings, not as reviews" in out
    stored = sorted((r["id"], r["product"], r["rating"]) for r in store.iter_star_ratings())
    assert stored == sorted((star_identity("fjord", rid, None, None, 2.0), p, 2.0)
                            for rid, p in (("k001", "kettle"), ("t001", "toaster")))
    run = store.list_runs()[0]
    assert run["status"] == "ok" and run["errors"] == [] and run["detail"]["star_only"] == 2
    assert "skipped" not in run["detail"]
    weekly = jobs.run_scrape(store, settings, urls, site=str(cfg), quiet=True)
    assert (weekly.status, weekly.star_only, weekly.star_only_new, weekly.errors) == ("ok", 2, 0, [])
    assert "(0 new)" in weekly.line() and len(list(store.iter_star_ratings())) == 2
    assert _scrape_alerts(store) == []
    # undoing the first scrape takes its ratings with its reviews
    store.delete_reviews(run_id=run["id"])
    assert list(store.iter_star_ratings()) == []

    shop.layout.update(kettle="notext", toaster="normal")  # the kettle's texts moved: every review skipped
    res = jobs.run_scrape(store, settings, urls, site=str(cfg), quiet=True)
    assert res.status == "degraded" and [m.split(" (usually")[0] for m in res.degraded] == [
        f"at {urls[0]}: no reviews on 3 pages"]
    assert any("6 review(s) skipped, missing field 'text'" in e["message"] for e in res.errors)
    assert list(store.iter_star_ratings()) == []  # the kettle's reviews, not ratings without words


def test_a_partial_run_raises_a_scrape_alert(env, shop):
    """A first run has no usual to compare with: ratings missing from all of a page's reviews make it partial,
    which the scrape alert tells too (it used to say nothing of a partial run)."""
    store, settings, cfg = env
    shop.layout["kettle"] = "norating"
    res = jobs.run_scrape(store, settings, [shop.url("kettle")], site=str(cfg), quiet=True)
    assert res.status == "partial" and len(res.errors) == 3
    [alert] = _scrape_alerts(store)
    assert alert.title == "Scrape of fjord partial: errors on 3 pages"
    assert "field 'rating'" in alert.lines[1] and "missing in all 6 reviews" in alert.lines[1]
