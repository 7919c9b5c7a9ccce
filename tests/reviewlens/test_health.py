"""reviewlens.health: fill rates and page sizes of a scrape run against the source's usual (no browser)."""

from __future__ import annotations

from datetime import date

from reviewlens import health
from reviewlens.schema import Review


def _reviews(n: int, *, rating: int | None = None, date_: int | None = None, author: int | None = None,
             start: int = 0) -> list[Review]:
    """n reviews; the first `rating` (`date_`, `author`) of them have that field (all when None)."""
    out = []
    for i in range(n):
        out.append(Review(source="s", text=f"review {start + i}", site_review_id=str(start + i),
                          rating=4.0 if rating is None or i < rating else None,
                          date=date(2026, 1, 1) if date_ is None or i < date_ else None,
                          author="Ann" if author is None or i < author else None))
    return out


def _run(pages: list[list[Review]], start_url: str = "https://s.example/p") -> dict:
    rh = health.RunHealth()
    for i, revs in enumerate(pages):
        rh.add_page(f"{start_url}?page={i + 1}", start_url, revs)
    return rh.stats()


def test_stats_fill_rates_and_page_size_ignore_the_short_last_page():
    st = _run([_reviews(10), _reviews(10, rating=5, start=10), _reviews(3, start=20)])
    assert st["reviews"] == 23 and st["pages"] == 3
    assert st["fill"]["rating"] == 18 / 23 and st["fill"]["text"] == 1.0
    assert st["per_page"] == 10.0 and st["full_pages"] == 2  # the last, short page does not count
    assert st["by_url"]["https://s.example/p"]["per_page"] == 10.0
    # one page alone counts; a failed page with nothing on it does not
    rh = health.RunHealth()
    rh.add_page("u1", "u", _reviews(7))
    rh.add_page("u2", "u", [], error=True)
    assert rh.stats()["per_page"] == 7.0


def test_no_history_no_alarm_and_a_steady_source_no_alarm():
    broken = _run([_reviews(10, rating=0), _reviews(10, rating=0, start=10)])
    assert health.check(broken, []) == []
    good = _run([_reviews(10), _reviews(10, start=10), _reviews(6, start=20)])
    assert health.check(good, [good, good]) == []
    # a little noise is no alarm: 90% where 100% was usual (a drop of 10 points, still above 85%)
    noisy = _run([_reviews(10, author=8), _reviews(10, start=10)])
    assert health.check(noisy, [good, good]) == []


def test_a_field_that_falls_is_named_with_how_much():
    good = _run([_reviews(10), _reviews(10, start=10), _reviews(10, start=20), _reviews(10, start=30)])
    broken = _run([_reviews(10, rating=2), _reviews(10, rating=1, start=10), _reviews(10, rating=2, start=20),
                   _reviews(10, rating=0, start=30)])
    found = health.check(broken, [good, good])
    assert [f.field for f in found] == ["rating"]
    assert found[0].message == "at https://s.example/p: rating filled on 12% of 40 reviews (usually 100%)"
    # the whole run, without a start URL, when only the source has a past (other URLs)
    other = _run([_reviews(10, rating=2), _reviews(10, rating=1, start=10), _reviews(10, rating=2, start=20),
                  _reviews(10, rating=0, start=30)], start_url="https://s.example/q")
    found = health.check(other, [good, good])
    assert [f.message for f in found] == ["rating filled on 12% of 40 reviews (usually 100%)"]


def test_below_85_where_it_was_above_and_a_20_point_drop():
    base = {"fill": {"text": 1.0, "rating": 0.9, "date": 0.6, "author": 1.0}, "per_page": 10.0}
    cur = {"reviews": 50, "pages": 5, "full_pages": 4, "per_page": 10.0,
           "fill": {"text": 1.0, "rating": 0.84, "date": 0.45, "author": 0.81}}
    found = {f.field: f for f in health.compare(cur, base)}
    assert set(found) == {"rating", "author"}  # date fell 15 points from below 85%: not enough
    cur["fill"]["date"] = 0.40
    assert "date" in {f.field for f in health.compare(cur, base)}


def test_reviews_per_page_collapse():
    good = _run([_reviews(10), _reviews(10, start=10), _reviews(10, start=20)])
    thin = _run([_reviews(2), _reviews(3, start=2), _reviews(2, start=5), _reviews(3, start=7), _reviews(1, start=10)])
    found = health.check(thin, [good, good])
    assert [f.field for f in found] == ["per_page"]
    assert found[0].message == "at https://s.example/p: 2.5 reviews per page on 4 pages (usually 10.0)"
    assert health.check(_run([_reviews(6)]), [good, good]) == []  # 6 of 10: not a collapse


def test_a_small_run_shows_only_a_field_gone_from_all_its_reviews():
    """An incremental run that stopped after a page already seen (6 reviews) is too small for fill rates,
    but a field missing from every one of them, where it was always there, is a layout that changed."""
    good = _run([_reviews(10), _reviews(10, start=10)])
    found = health.check(_run([_reviews(6, rating=0)]), [good])
    assert [f.message for f in found] == ["at https://s.example/p: rating filled on 0% of 6 reviews (usually 100%)"]
    assert health.check(_run([_reviews(6, rating=2)]), [good]) == []      # 2 of 6 without: noise at this size
    assert [f.field for f in health.check(_run([_reviews(2, rating=0)]), [good])] == ["per_page"]  # 2 say no more
    patchy = _run([_reviews(10, author=7), _reviews(10, author=7, start=10)])  # authors on 70%: anonymous ones
    assert health.check(_run([_reviews(6, author=0)]), [patchy]) == []


def test_small_past_runs_pooled():
    # one past run with too few reviews does not set the usual; a few small ones together do
    assert health.usual([_run([_reviews(3)])]) is None
    small = [_run([_reviews(6)]), _run([_reviews(6, rating=5)])]
    base = health.usual(small)
    assert base["fill"]["rating"] == 11 / 12 and base["per_page"] == 6.0
    assert [f.field for f in health.check(_run([_reviews(6, rating=0)]), small)] == ["rating"]


def test_usual_is_the_median_of_the_last_good_runs():
    runs = [{"id": 9, "status": "running", "detail": {"health": {"reviews": 99}}},
            {"id": 8, "status": "degraded", "detail": {"health": _run([_reviews(20, rating=0)])}},
            {"id": 7, "status": "ok", "detail": {"health": _run([_reviews(20, rating=18)])}},
            {"id": 6, "status": "partial", "detail": {"health": _run([_reviews(20)])}},
            {"id": 5, "status": "failed", "detail": {}},
            {"id": 4, "status": "ok", "detail": {"health": _run([_reviews(20, rating=19)])}},
            {"id": 3, "status": "ok", "detail": {}}]
    hist = health.history_stats(runs, exclude_id=9)
    assert len(hist) == 3 and hist[1] == {"by_url": runs[3]["detail"]["health"]["by_url"]}
    assert health.usual(hist)["fill"]["rating"] == 0.925  # a partial run sets no usual for the whole run
    # a partial run recorded before page errors were counted per start URL: not known to be clean, no baseline
    del runs[3]["detail"]["health"]["by_url"]["https://s.example/p"]["errors"]
    assert len(health.history_stats(runs, exclude_id=9)) == 2


def test_affected_page_and_missing_counts():
    rh = health.RunHealth()
    rh.add_page("p1", "u", _reviews(10))
    rh.add_page("p2", "u", _reviews(10, rating=0, start=10))
    f = health.Finding(field="rating", value=0.5, usual=1.0, reviews=20, url="u")
    assert rh.affected_page(f) == "p2"
    assert health.missing_counts(_reviews(4, rating=1, date_=3, author=4)) == {"author": 0, "date": 1, "rating": 3}


def _stats_with_pages(pages: dict[str, list[tuple[list[Review], bool]]]) -> dict:
    rh = health.RunHealth()
    for start, ps in pages.items():
        for i, (revs, err) in enumerate(ps):
            rh.add_page(f"{start}?page={i + 1}", start, revs, error=err)
    return rh.stats()


def test_a_start_url_that_yields_nothing_is_found():
    """Two products; the kettle's pages stop yielding reviews while the toaster's still do."""
    k, t = "https://s.example/kettle", "https://s.example/toaster"
    good = _stats_with_pages({k: [(_reviews(6), False), (_reviews(6, start=6), False)], t: [(_reviews(5), False)]})
    broken = _stats_with_pages({k: [([], True), ([], True), ([], True)], t: [(_reviews(5, start=50), False)]})
    assert broken["by_url"][k]["errors"] == 3
    found = health.check(broken, [good, good])
    assert [f.message for f in found] == [f"at {k}: no reviews on 3 pages (usually 6.0 per page)"]
    # a start URL never seen before yielding nothing is no fall (and a run of nothing at all fails anyway)
    assert health.check(broken, [_stats_with_pages({t: [(_reviews(5), False)]})]) == []


def test_a_partial_run_sets_the_usual_only_for_its_clean_start_urls():
    k, t = "https://s.example/kettle", "https://s.example/toaster"
    broken_first = _stats_with_pages({k: [(_reviews(12, rating=0), True)], t: [(_reviews(12), False)]})
    runs = [{"id": 2, "status": "partial", "detail": {"health": broken_first}},
            {"id": 1, "status": "ok", "detail": {"health": _stats_with_pages({k: [(_reviews(12), False)]})}}]
    hist = health.history_stats(runs)
    assert list(hist[0]["by_url"]) == [t] and "fill" not in hist[0]  # nor the whole run's
    still_broken = _stats_with_pages({k: [(_reviews(12, rating=0), True)]})
    assert [f.field for f in health.check(still_broken, hist)] == ["rating"]


def test_a_reviews_impossible_date_or_rating_is_a_note_not_a_page_error(tmp_path):
    """One review dated 3026 (a customer's typo, a hostile review) made every weekly run `partial`, with an alert
    that the site may have changed or was down: the review is kept without the date, and that is said as a note.
    The scraper hands the notes over apart from the page's errors (`PageNotes`), as it does the review blocks
    without a text: the run's health never reads them back out of an error message."""
    from datetime import date

    from reviewlens.app.jobs import ScrapeSummary
    from scraper import load_site
    from scraper.extract import build_reviews

    url = "http://127.0.0.1:9/p1"
    cfg = tmp_path / "t.toml"
    cfg.write_text('match = "127.0.0.1:*"\nreview = ".r"\n[fields]\ntext = ".b"\ntitle = ".t"\n', encoding="utf-8")
    raw = {"reviews": [{"id": f"r{i}", "text": f"Review {i} is long enough.", "missing": ["title"]} for i in range(6)]}
    raw["reviews"][0]["date"], raw["reviews"][1]["date"] = "3026-11-22", "0001-01-01"
    raw["reviews"][2]["rating"] = "-1"
    raw["reviews"][3]["text"] = ""  # stars without words
    reviews, problems, notes = build_reviews(raw, page_url=url, source="s", site=load_site(str(cfg)),
                                             today=date(2026, 11, 30))
    dates = (f"2 reviews with a date no review can have ('3026-11-22' is in the future, '0001-01-01' is before "
             f"1995), kept without a date, at {url}")
    ratings = f"1 review with a rating that could not be read ('-1') at {url}"
    assert len(reviews) == 5 and notes.data == [dates, ratings] and notes.skipped_ids == ["r3"]
    assert problems == [f"field 'title' (selector '.t') missing in all 6 reviews at {url}: the page layout may "
                        f"have changed"], problems  # the layout's problem, and only it, is the page's error
    s = ScrapeSummary(run_id=1, status="ok", pages=1, reviews=6, new=6, notes=[dates, ratings])
    assert s.line().endswith(f"; {dates}; {ratings}")
