"""Run the in-page extractor (extract.js) and turn its raw records into `Review`s.

One `execute_script` call returns every review on the current page; `execute_async_script` fetches
later pages inside the browser session (fetch() + DOMParser) and extracts them the same way.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from reviewlens.schema import MAX_TEXT, Review, implausible_date, nth_identity, star_identity

from . import js
from .normalize import (clean_text, is_relative_date, page_date_order, page_rating_scale, parse_date,
                        parse_language, parse_rating, parse_verified, parse_votes)
from .siteconfig import SiteConfig

log = logging.getLogger(__name__)

# The scripts live in scraper/js/*.js; extract.js is prefixed where a script extracts reviews.
EXTRACT_LIVE = js.with_extractor("live")  # current page: reviews + the main document's HTTP status
# Later pages fetched inside the browser, as a background job in the page: FETCH_START starts it
# (after FETCH_INSTALL, once per document) and returns its id at once; the job follows next links
# (or a page parameter) for up to opts.max pages, honouring robots rules and the delay, same-origin
# only, and queues one item per page. FETCH_TAKE (one round trip) waits until `want` items are
# queued (or `maxWait` ms after the first, or the job ended) and returns them; the job keeps
# fetching meanwhile, but pauses while opts.buffer items wait to be taken. FETCH_STOP ends it.
# With opts.parallel > 1 (only used when there is no delay), the URLs of the following pages are
# predicted from the pagination pattern and fetched concurrently; each prediction is checked
# against the next link the page really has, and pages fetched on a wrong guess are discarded.
FETCH_INSTALL = js.with_extractor("fetch_install")
FETCH_START = js.load("fetch_start")
FETCH_TAKE = js.load("fetch_take")
FETCH_STOP = js.load("fetch_stop")
COUNT_JS = js.load("count")
SCROLL_JS = js.load("scroll")
VISIBLE_JS = js.load("visible")
FIRST_TEXT_JS = js.load("first_text")
ERROR_PAGE_JS = js.load("error_page")


def _short(value: Any, limit: int) -> str | None:
    s = clean_text(value)
    if s is None:
        return None
    s = " ".join(s.split())
    return s[:limit] if len(s) > limit else s


#: A field missing from every review of a page is said as a possible layout change when the page holds at least
#: this many: one or two reviews (a product's last page) without a title or a date are nothing unusual. The run's
#: health check (reviewlens.health) compares the fields over all pages with the source's past runs.
MIN_ALL_MISSING = 3


@dataclass
class PageNotes:
    """What `build_reviews` says of single reviews rather than of the page's layout, said in the run's summary and
    not as a page error: review blocks without a text (stars without words, common: kept as ratings apart from the
    reviews when their rating can be read, else counted) and reviews
    whose date no review can have or whose rating cannot be read (kept without it: a customer's typo or a hostile
    review; one review dated 3026 used to make every weekly run `partial` with an alert that the site had changed)."""

    skipped_ids: list[str] = field(default_factory=list)  # blocks without a text or a rating (ids, or #n on the page)
    star_ratings: list[dict] = field(default_factory=list)  # blocks with a rating and no text: PageResult.star_ratings
    data: list[str] = field(default_factory=list)         # "2 reviews with a date no review can have (...) at URL"
    stated: int | None = None  # how many reviews the page says it has (AggregateRating reviewCount / ratingCount)


ELLIPSES = ("…", "...")
#: A cut-off copy must keep this many characters of the review to be told from another review that starts alike.
MIN_CUT_COPY = 20


def _cut_head(text: str) -> str | None:
    """What a text cut off with an ellipsis ("... the blue light is lovely…") keeps, whitespace collapsed; None
    for a text not cut off so."""
    t = " ".join(text.split())
    if not t.endswith(ELLIPSES):
        return None
    return t.rstrip(".… ").rstrip()


def without_cut_copies(reviews: list[Review], page_url: str) -> list[Review]:
    """`reviews` without the shortened copies of others on the page: a "Most helpful review" box shows the first
    90 characters and "…" of a review that the list shows whole, and was stored as one more review, cut off. A
    text ending in an ellipsis whose words begin a longer review's text on the page is that review."""
    heads = [_cut_head(r.text) for r in reviews]
    if not any(heads):
        return reviews
    texts = [h or " ".join(r.text.split()) for r, h in zip(reviews, heads)]
    keep = []
    for i, r in enumerate(reviews):
        head = heads[i]
        if head and len(head) >= MIN_CUT_COPY and any(
                j != i and len(t) > len(head) and t.startswith(head) for j, t in enumerate(texts)):
            log.info("%s: a shortened copy of another review (%r) not kept", page_url, head[:60])
            continue
        keep.append(r)
    return keep


def _star_rating(r: dict[str, Any], source: str, page_product: Any, scale: float | None, fmt: str | None,
                 today: date | None, order: str | None) -> dict | None:
    """A review block without a text as a rating without words (Store.upsert_star_ratings' row), as an import keeps
    one; None when its rating cannot be read (the block is only counted). Its date is left out when it cannot be
    read or no review can have it (a rating needs none); its identity is `star_identity`, a relative date ("2 weeks
    ago", moving from one scrape to the next) no part of it, as of a review's."""
    rating = parse_rating(r.get("rating"), r.get("rating_best"), r.get("rating_worst"), scale)
    if rating is None:
        return None
    try:
        day = parse_date(r.get("date"), fmt, today, order)
    except Exception:  # noqa: BLE001 - an unreadable date: the rating without one
        day = None
    day = None if implausible_date(day, today) else day
    site_id = _short(r.get("id"), 300)
    return {"id": star_identity(source, site_id, _short(r.get("author"), 500),
                                None if is_relative_date(r.get("date")) else day, rating),
            "source": source, "product": _short(r.get("product") or page_product, 500), "rating": rating,
            "date": day, "place": None, "site_review_id": site_id, "version": _short(r.get("version"), 100)}


def _unique(rated: list[dict]) -> list[dict]:
    """`rated` with the n-th rating of an identity the page repeats (no review id, the same author, day and stars:
    two people's "5 stars" a day) its own, as an import makes it (`nth_identity`): the same page read again gives
    each the same identity."""
    seen: Counter[str] = Counter()
    out = []
    for stars in rated:
        seen[stars["id"]] += 1
        n = seen[stars["id"]]
        out.append(stars if n == 1 or stars["site_review_id"] else {**stars, "id": nth_identity(stars["id"], n)})
    return out


def build_reviews(raw: dict[str, Any], *, page_url: str, source: str, site: SiteConfig | None,
                  today: date | None = None, skip: int = 0) -> tuple[list[Review], list[str], PageNotes]:
    """Reviews from the extractor's raw records, the page's problems (each naming the URL) and the notes of
    single reviews (`PageNotes`).

    A record without text is skipped and noted (a page error only when they were as many as the reviews kept: a
    text selector that no longer matches); other missing fields become None (and a field that a site config names
    but no review on the page has is reported as a possible layout change). A date no review can have (in the
    future, before 1995: `implausible_date`) and a rating that cannot be read (including "-1" and "100" without a
    scale) are left out and noted, the review kept; a record that cannot be made a review at all is skipped and
    reported, the page's other reviews kept.
    """
    problems = [f"{p} at {page_url}" for p in raw.get("problems") or []]
    records = raw.get("reviews") or []
    fmt = site.date_format if site else None
    scale = site.rating_scale if site else None
    scale_guessed = False
    if scale is None:  # one scale for the page: its scores out of 10 are all read out of 10, 4/10 as 4/10
        scale, scale_guessed = page_rating_scale((r.get("rating") for r in records if r.get("rating_best") in (None, "")),
                                                 raw.get("rating_best"))
    order, assumed = (None, None) if fmt else page_date_order((r.get("date") for r in records), raw.get("lang"))
    page_product = raw.get("product")
    out: list[Review] = []
    no_text: list[str] = []
    rated: list[tuple[str, dict]] = []  # of those, the ones with a rating (star-only reviews), by their key
    missing: Counter[str] = Counter()
    unreadable: Counter[str] = Counter()  # rating values found but not readable as a rating
    bad_dates: list[str] = []  # dates no review can have (in the future, before 1995): the review kept without
    broken: list[str] = []  # records that could not be made a review (the rest of the page is kept)
    for i, r in enumerate(records):
        for f in r.get("missing") or []:
            missing[f] += 1
        text = clean_text(r.get("text"))
        if not text:
            no_text.append(str(r.get("id") or f"#{skip + i + 1}"))
            if (stars := _star_rating(r, source, page_product, scale, fmt, today, order)) is not None:
                rated.append((no_text[-1], stars))
            continue
        extra: dict[str, Any] = {}
        own = {str(k)[:100]: v for k, v in ((k, _short(clean_text(v), 300)) for k, v in (r.get("own") or {}).items()) if v}
        if own:  # a site config's own_fields: the user's own fields of this review
            extra["fields"] = own
        if len(text) > MAX_TEXT:
            extra["truncated_from"] = len(text)
            text = text[:MAX_TEXT]
        rating = parse_rating(r.get("rating"), r.get("rating_best"), r.get("rating_worst"), scale)
        if r.get("rating") not in (None, "") and rating is None and "rating" not in (r.get("missing") or []):
            unreadable[str(r.get("rating"))[:40]] += 1  # found, but not a rating (a missing one is said below)
        try:
            day = parse_date(r.get("date"), fmt, today, order)
            if why := implausible_date(day, today):  # "3026-11-22", "0001-01-01": kept without it, as an import does
                bad_dates.append(f"{_short(r.get('date'), 40)!r} {why.split(' (')[0]}")
                day = None
            reply_date = parse_date(r.get("reply_date"), fmt, today, order)
            out.append(Review(
                source=source, text=text,
                product=_short(r.get("product") or page_product, 500),
                url=r.get("url") or page_url,
                author=_short(r.get("author"), 500),
                rating=rating,
                title=_short(r.get("title"), 1000),
                date=day,
                date_relative=is_relative_date(r.get("date")),  # "2 weeks ago": no part of the review's identity
                site_review_id=_short(r.get("id"), 300),
                extra=extra,
                reply=clean_text(r.get("reply"), MAX_TEXT),
                reply_date=None if implausible_date(reply_date, today) else reply_date,
                helpful_votes=parse_votes(r.get("helpful")),
                verified=parse_verified(r.get("verified")),
                language=parse_language(r.get("language")),
                version=_short(r.get("version"), 100),
            ))
        except Exception as e:  # noqa: BLE001 - one review that cannot be read never ends the page, or the scrape
            log.warning("review %s at %s could not be read: %s: %s", r.get("id") or skip + i + 1, page_url,
                        type(e).__name__, e)
            broken.append(f"{_short(r.get('id'), 40) or f'#{skip + i + 1}'} ({type(e).__name__}: {str(e)[:200]})")
    out = without_cut_copies(out, page_url)
    notes = PageNotes(skipped_ids=no_text, stated=parse_votes(raw.get("stated")))
    if no_text and len(no_text) < len(out):  # some blocks of the page without words: the customers', kept as ratings
        notes.star_ratings = _unique([stars for _, stars in rated])
        kept = {key for key, _ in rated}
        notes.skipped_ids = [k for k in no_text if k not in kept]
    cut = sum(1 for r in out if r.text.rstrip().endswith(ELLIPSES))
    if cut:  # a "Read more" teaser whose whole text the page does not hold (it loads on the click)
        notes.data.append(f"{cut} review text{'s' if cut != 1 else ''} ending in an ellipsis (kept so) at {page_url}: "
                          f"perhaps cut off at a \"Read more\" whose rest is not in the page")
    if no_text and len(no_text) >= len(out):  # most of the page: the text selector, not the customers
        shown = ", ".join(no_text[:10]) + (" ..." if len(no_text) > 10 else "")
        problems.append(f"{len(no_text)} review(s) skipped, missing field 'text' ({shown}) at {page_url}")
    n = len(records)
    for f, c in sorted(missing.items()):
        if f == "text":
            continue
        if c == n and n >= MIN_ALL_MISSING:
            sel = (site.fields.get(f) or {}).get("selector") if site else None
            problems.append(f"field '{f}' (selector {sel!r}) missing in all {n} reviews at {page_url}: "
                            f"the page layout may have changed")
    if bad_dates:
        c = len(bad_dates)
        notes.data.append(f"{c} review{'s' if c != 1 else ''} with a date no review can have ({', '.join(bad_dates[:3])}"
                        f"{' ...' if c > 3 else ''}), kept without a date, at {page_url}")
    if scale_guessed and any(r.rating is not None for r in out):  # the same words on every page: said once a run
        notes.data.append(f"ratings at {urlsplit(page_url).netloc} read as scores out of 10: the page states no "
                          f"scale and has scores above 5 (if they are stars, set rating_scale in a site config)")
    if assumed and any(r.date is not None for r in out):  # the same words on every page: said once a run
        notes.data.append(f"numeric dates at {urlsplit(page_url).netloc} read month first (03/04/2026 as March 4): "
                          f"no date on the page has a day over 12 and the page does not say its language "
                          f"(if the site writes the day first, set date_format = \"%d/%m/%Y\" in a site config)")
    if broken:
        c = len(broken)
        problems.append(f"{c} review{'s' if c != 1 else ''} skipped, could not be read ({', '.join(broken[:3])}"
                        f"{' ...' if c > 3 else ''}) at {page_url}")
    if unreadable:
        c = sum(unreadable.values())
        shown = ", ".join(repr(v) for v, _ in unreadable.most_common(3))
        notes.data.append(f"{c} review{'s' if c != 1 else ''} with a rating that could not be read ({shown}) at "
                          f"{page_url}")
    return out, problems, notes
