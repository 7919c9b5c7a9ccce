"""The scrape job's decisions that need no browser: --since (which pages stop a start URL, what is
stored), --sort newest (start URLs rewritten by the site config, or a clear error), the summary line."""

from __future__ import annotations

from datetime import date

import pytest

from reviewlens.app import jobs
from reviewlens.app.cli import main
from reviewlens.config import ConfigError
from reviewlens.schema import Review


def _page(*days: int | None) -> list[Review]:
    return [Review(source="s", text=f"t{i}", date=None if d is None else date(2026, 10, d)) for i, d in enumerate(days)]


def test_page_is_all_older():
    since = date(2026, 10, 10)
    assert jobs.page_is_all_older(_page(9, 5, 1), since)
    assert not jobs.page_is_all_older(_page(12, 9, 1), since)     # some are new enough
    assert not jobs.page_is_all_older(_page(10, 9), since)        # the date itself is kept
    assert not jobs.page_is_all_older(_page(9, None, 1), since)   # an undated review says nothing
    assert not jobs.page_is_all_older(_page(1, 5, 9), since)      # not newest first: the site sorts otherwise
    assert not jobs.page_is_all_older([], since) and not jobs.page_is_all_older(_page(1), None)


def test_since_filter_keeps_undated_and_the_day_itself():
    keep, older = jobs.since_filter(_page(12, 10, 9, None, 1), date(2026, 10, 10))
    assert [r.date for r in keep] == [date(2026, 10, 12), date(2026, 10, 10), None] and older == 2
    page = _page(1)
    assert jobs.since_filter(page, None) == (page, 0)


def test_newest_first_urls(tmp_path):
    sorted_url = "http://127.0.0.1:5/reviewlens-demo/sorted/aurora-headphones?page=2"
    urls, click = jobs.newest_first_urls([sorted_url], None)
    assert urls == ["http://127.0.0.1:5/reviewlens-demo/sorted/aurora-headphones?page=2&sort=newest"] and click == []
    with pytest.raises(ConfigError, match=r"--sort newest: cannot ask http://127.0.0.1:5/jsonld/x .*no site config"):
        jobs.newest_first_urls(["http://127.0.0.1:5/jsonld/x"], None)
    with pytest.raises(ConfigError, match="'demo-static' .* has neither sort_param nor sort_click"):
        jobs.newest_first_urls(["http://127.0.0.1:5/reviewlens-demo/static/x"], None)
    toml = tmp_path / "clicky.toml"
    toml.write_text('match = "shop.example/*"\nreview = ".r"\nsort_click = "#sort-newest"\n[fields]\ntext = "p"\n')
    urls, click = jobs.newest_first_urls(["https://shop.example/p/1"], str(toml))
    assert urls == click == ["https://shop.example/p/1"]


def test_cli_sort_without_a_way_to_sort_is_a_config_error(tmp_path, capsys):
    rc = main(["scrape", "http://127.0.0.1:9/jsonld/x", "--sort", "newest", "--db", str(tmp_path / "s.db"), "-q"])
    assert rc == 2 and "cannot ask http://127.0.0.1:9/jsonld/x for its newest reviews first" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["scrape", "http://x", "--since", "last week"])
    assert "bad since" in capsys.readouterr().err


def test_scrape_help_describes_since_and_sort(capsys):
    with pytest.raises(SystemExit):
        main(["scrape", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--since DATE" in out and "30d" in out and "--sort {newest}" in out and "sort_param" in out
    assert "degraded" in out


def test_summary_line_reports_missing_fields_and_older():
    s = jobs.ScrapeSummary(run_id=1, status="ok", pages=2, reviews=20, new=12, seen=0, older=8,
                           since=date(2026, 10, 1), missing={"author": 0, "date": 2, "rating": 12})
    line = s.line()
    assert "8 older than 2026-10-01 not stored" in line
    assert "; read 2 without a date, 12 without a rating" in line and "author" not in line
    assert "stored before is kept" not in line  # all new: nothing was stored before
    s.seen, s.skipped, s.skipped_ids = 3, 1, ["k001"]
    assert "; read 2 without a date, 12 without a rating (what was stored before is kept); " \
           "1 review without a text skipped (k001)" in s.line()
    assert s.problem is None
    assert jobs.ScrapeSummary(run_id=1, status="ok", pages=1).problem == "no reviews were found"
    d = jobs.ScrapeSummary(run_id=1, status="degraded", pages=1, reviews=10, degraded=["rating filled on 0% ..."])
    assert d.problem == "degraded: rating filled on 0% ..."
    assert jobs.JobResult(scrape=d).as_dict()["error"] == "scrape degraded: rating filled on 0% ..."
