"""Sites that break silently: a scrape run's field fill rates and reviews per page, against the usual.

A site whose layout changes rarely fails outright: its pages still load, the review blocks are still
found, but the rating or the date no longer is, or only one review of ten is, or one product's pages
yield nothing while the others still do. Each scrape run records, per start URL and for the whole run,
the share of reviews with each field (text, rating, date, author), the reviews per page and the pages
that failed (`RunHealth`, stored in the run's `detail["health"]`). `check` compares a run with the
usual of previous good runs (per start URL: any run that scraped it; for the whole run: the same
source's) and returns what fell: a start URL that yielded no review where it used to; a fill rate 20
points or more below the usual, or below 85% where it used to be at or above it; on a small run (an
incremental one that stopped after a page already seen: fewer than MIN_REVIEWS reviews) only a field
missing from every review that used to have it; reviews per page under half the usual. No history,
no alarm. A start URL whose pages had errors in a run never sets the usual (a broken `partial` run is
no baseline).

Pure functions and plain dicts: no store, no browser (the job in reviewlens.app.jobs reads the
history and records the result).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Any, Iterable, Mapping, Sequence

from .schema import Review

FIELDS = ("text", "rating", "date", "author")

MIN_REVIEWS = 10        # fewer reviews than this (in the run, or a past run) say little about fill rates...
MIN_SMALL = 3           # ... except a field missing from all of at least this many (where it was >= FLOOR)
HISTORY = 5             # the usual is the median of this many past good runs at most
DROP = 0.20             # a fill rate this far below the usual is degraded...
FLOOR = 0.85            # ... and so is one below this where the usual was at or above it
PER_PAGE_RATIO = 0.5    # reviews per page under this share of the usual is a collapse
GOOD_STATUSES = ("ok", "partial")  # runs that may set the usual (never a degraded or failed one; of a
                                   # partial one only the start URLs without page errors)


def filled(r: Review, name: str) -> bool:
    """Whether review `r` has field `name` (text, rating, date, author)."""
    v = getattr(r, name, None)
    if isinstance(v, str):
        return bool(v.strip())
    return v is not None


def missing_counts(reviews: Iterable[Review]) -> dict[str, int]:
    """How many of `reviews` lack an author, a date, a rating."""
    out = {"author": 0, "date": 0, "rating": 0}
    for r in reviews:
        for k in out:
            if not filled(r, k):
                out[k] += 1
    return out


@dataclass
class PageStats:
    url: str
    start_url: str
    reviews: int
    filled: dict[str, int]
    error: bool = False
    unserved: bool = False      # the site did not serve it (down, refused, 5xx): no word on its layout
    skipped: int = 0            # review blocks without a text, not stored (a note, not an error)

    def rate(self, name: str) -> float | None:
        return self.filled.get(name, 0) / self.reviews if self.reviews else None


@dataclass
class RunHealth:
    """Collects a run's pages; `stats()` gives what is stored and compared."""

    pages: list[PageStats] = field(default_factory=list)
    resumed: frozenset[str] = frozenset()   # start URLs that continued from a checkpoint

    def add_page(self, url: str, start_url: str, reviews: Sequence[Review], error: bool = False,
                 unserved: bool = False, skipped: int = 0) -> PageStats:
        p = PageStats(url=url, start_url=start_url or url, reviews=len(reviews),
                      filled={k: sum(1 for r in reviews if filled(r, k)) for k in FIELDS}, error=error,
                      unserved=unserved, skipped=skipped)
        self.pages.append(p)
        return p

    def _group(self, pages: list[PageStats], resumed: bool) -> dict[str, Any]:
        n = sum(p.reviews for p in pages)
        # the last page of a start URL is often short (the end of the list): it does not count for the
        # page size unless it is the only page, and a resumed run's only page may be that last page
        # a page that failed with nothing on it is an error of its own, not a small page
        sized = [p for p in pages if p.reviews or not p.error]
        full_pages = sized[:-1] if len(sized) > 1 else ([] if resumed else sized)
        per_page = (sum(p.reviews for p in full_pages) / len(full_pages)) if full_pages else None
        return {"reviews": n, "pages": len(pages), "full_pages": len(full_pages), "per_page": per_page,
                "fill": {k: (sum(p.filled[k] for p in pages) / n if n else None) for k in FIELDS},
                "errors": sum(1 for p in pages if p.error), "unserved": sum(1 for p in pages if p.unserved),
                "skipped": sum(p.skipped for p in pages)}

    def stats(self) -> dict[str, Any]:
        """{"reviews", "pages", "full_pages", "per_page", "fill": {field: share or None},
        "by_url": {start_url: the same for its pages}} (JSON-ready)."""
        by_url: dict[str, list[PageStats]] = {}
        for p in self.pages:
            by_url.setdefault(p.start_url, []).append(p)
        groups = {u: self._group(ps, u in self.resumed) for u, ps in by_url.items()}
        n = sum(p.reviews for p in self.pages)
        full = [g for g in groups.values() if g["per_page"] is not None]
        full_pages = sum(g["full_pages"] for g in full)
        out = {"reviews": n, "pages": len(self.pages), "full_pages": full_pages,
               "per_page": (sum(g["per_page"] * g["full_pages"] for g in full) / full_pages) if full_pages else None,
               "fill": {k: (sum(p.filled[k] for p in self.pages) / n if n else None) for k in FIELDS},
               "errors": sum(1 for p in self.pages if p.error), "skipped": sum(p.skipped for p in self.pages),
               "by_url": groups}
        return out

    def affected_page(self, finding: "Finding") -> str | None:
        """The URL of one page that shows the finding (for a debug capture)."""
        pages = [p for p in self.pages if finding.url is None or p.start_url == finding.url]
        if not pages:
            return None
        if finding.field in ("per_page", "reviews"):
            served = [p for p in pages if not p.unserved] or pages
            return min(served, key=lambda p: p.reviews).url
        with_reviews = [p for p in pages if p.reviews]
        if not with_reviews:
            return pages[0].url
        return min(with_reviews, key=lambda p: (p.rate(finding.field), -p.reviews)).url


@dataclass
class Finding:
    """One thing that fell: a field's fill rate, the reviews per page ("per_page"), or every review of a
    start URL ("reviews": none found where there used to be some)."""

    field: str
    value: float
    usual: float
    reviews: int
    pages: int = 0
    url: str | None = None      # the start URL, None for the whole run

    @property
    def message(self) -> str:
        where = f"at {self.url}: " if self.url else ""
        if self.field == "reviews":
            return (f"{where}no reviews on {self.pages} page{'s' * (self.pages != 1)} "
                    + (f"(usually {self.usual:.1f} per page)" if self.usual else "(there used to be some)"))
        if self.field == "per_page":
            return (f"{where}{self.value:.1f} reviews per page on {self.pages} page{'s' * (self.pages != 1)} "
                    f"(usually {self.usual:.1f})")
        return f"{where}{self.field} filled on {self.value:.0%} of {self.reviews} reviews (usually {self.usual:.0%})"

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "usual": self.usual, "reviews": self.reviews,
                "pages": self.pages, "url": self.url, "message": self.message}


def usual(history: Sequence[Mapping[str, Any]], *, min_reviews: int = MIN_REVIEWS,
          last: int = HISTORY) -> dict[str, Any] | None:
    """The usual of stats dicts (newest first): the median fill rate of each field and reviews per page
    over the newest `last` of them with at least `min_reviews` reviews. Where none has that many (a small
    source whose runs are incremental ones of a page or two), the newest `last` with reviews pooled, when
    they have `min_reviews` between them. None when there are not that many reviews."""
    good = [h for h in history if (h.get("reviews") or 0) >= min_reviews][:last]
    per_page = [h["per_page"] for h in good if h.get("per_page")]
    if good:
        fill = {}
        for k in FIELDS:
            vals = [h["fill"][k] for h in good if (h.get("fill") or {}).get(k) is not None]
            fill[k] = median(vals) if vals else None
        return {"fill": fill, "per_page": median(per_page) if per_page else None, "runs": len(good)}
    small = [h for h in history if (h.get("reviews") or 0) > 0 and h.get("fill")][:last]
    total = sum(h["reviews"] for h in small)
    if total < min_reviews:
        return None
    fill = {}
    for k in FIELDS:
        known = [h for h in small if h["fill"].get(k) is not None]
        n = sum(h["reviews"] for h in known)
        fill[k] = sum(h["fill"][k] * h["reviews"] for h in known) / n if n else None
    per_page = [h["per_page"] for h in small if h.get("per_page")]
    return {"fill": fill, "per_page": median(per_page) if per_page else None, "runs": len(small)}


def compare(current: Mapping[str, Any], base: Mapping[str, Any] | None, *, url: str | None = None,
            min_reviews: int = MIN_REVIEWS, drop: float = DROP, floor: float = FLOOR,
            per_page_ratio: float = PER_PAGE_RATIO) -> list[Finding]:
    """What fell in `current` (a stats dict) against `base` (what `usual` returns). A run of fewer than
    `min_reviews` reviews (but MIN_SMALL or more) only shows a field missing from all of them, where it
    used to be on `floor` or more."""
    if not base:
        return []
    out: list[Finding] = []
    n = current.get("reviews") or 0
    for k in FIELDS:
        now, was = (current.get("fill") or {}).get(k), base["fill"].get(k)
        if now is None or was is None or n < min(MIN_SMALL, min_reviews):
            continue
        if n >= min_reviews:
            fell = was - now >= drop - 1e-9 or (was >= floor and now < floor)
        else:
            fell = now == 0 and was >= floor
        if fell:
            out.append(Finding(field=k, value=now, usual=was, reviews=n, pages=current.get("pages") or 0, url=url))
    pp, was_pp = current.get("per_page"), base.get("per_page")
    if n and pp is not None and was_pp and (current.get("full_pages") or 0) >= 1 and pp < per_page_ratio * was_pp:
        out.append(Finding(field="per_page", value=pp, usual=was_pp, reviews=n, pages=current.get("full_pages") or 0,
                           url=url))
    return out


def _went_empty(url: str, cur: Mapping[str, Any], past: Sequence[Mapping[str, Any]]) -> Finding | None:
    """A start URL that yielded no review in this run, where its past good runs yielded some."""
    if (cur.get("reviews") or 0) > 0 or not cur.get("pages"):
        return None
    had = [h for h in past if (h.get("reviews") or 0) > 0][:HISTORY]
    if not had:
        return None
    per_page = [h["per_page"] for h in had if h.get("per_page")]
    return Finding(field="reviews", value=0.0, usual=median(per_page) if per_page else 0.0, reviews=0,
                   pages=cur.get("pages") or 0, url=url)


def check(current: Mapping[str, Any], history: Sequence[Mapping[str, Any]],
          url_history: Sequence[Mapping[str, Any]] | None = None, **kw: Any) -> list[Finding]:
    """What fell in a run (`RunHealth.stats()`) against past good runs' stats (newest first, as
    `history_stats` gives them): per start URL against that URL's past in `url_history` (every run that
    scraped it; `history` when not given), and for the whole run against `history` (the same source's
    past; what a start URL already reports is not repeated for the whole run)."""
    findings: list[Finding] = []
    mr = kw.get("min_reviews", MIN_REVIEWS)
    for u, cur in (current.get("by_url") or {}).items():
        past = [h["by_url"][u] for h in (history if url_history is None else url_history)
                if u in (h.get("by_url") or {})]
        empty = _went_empty(u, cur, past)
        findings += [empty] if empty else compare(cur, usual(past, min_reviews=mr), url=u, **kw)
    seen = {f.field for f in findings}
    whole = compare(current, usual(history, min_reviews=mr), **kw)
    return findings + [f for f in whole if f.field not in seen and not (f.field == "per_page" and "reviews" in seen)]


def history_stats(runs: Iterable[Mapping[str, Any]], exclude_id: int | None = None) -> list[dict[str, Any]]:
    """The health stats of the good runs among `runs` (as `Store.list_runs` gives them, newest first).

    Of a `partial` run only its start URLs without page errors count (a start URL whose layout broke in
    a run without a history to compare with must not become the usual), and not the run as a whole."""
    out = []
    for r in runs:
        if r.get("id") == exclude_id or r.get("status") not in GOOD_STATUSES:
            continue
        h = (r.get("detail") or {}).get("health")
        if not (isinstance(h, dict) and h.get("fill") is not None):
            continue
        if r.get("status") == "partial":
            # a group recorded before page errors were counted per start URL is not known to be clean
            clean = {u: g for u, g in (h.get("by_url") or {}).items() if g.get("errors") == 0}
            if not clean:
                continue
            h = {"by_url": clean}
        out.append(h)
    return out


def summary_message(findings: Sequence[Finding]) -> str:
    return "; ".join(f.message for f in findings)
