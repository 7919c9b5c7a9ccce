"""Alert rules: what in the store is worth telling someone about, found after each run.

Eleven rules, each with a threshold in `[alerts]` of the settings (reviewlens.config.AlertSettings; 0 or
false turns one off):

* **scrape**: a scrape that failed, ended degraded (a site changed its layout, a product's pages stopped
  yielding reviews: reviewlens.health), ended partial (pages that failed) or found no reviews, or another
  step of a scheduled run that failed or was stopped: an import of a file that could not be read, the
  analysis, the report (a full disk). One alert per run.
* **complaint**: a complaint theme of the latest top complaints whose share of reviews rose by
  `rising_complaint` points or more against the previous period, or a new one, raised by at least
  `min_reviews` reviews, when a rise that large is unlikely to be chance (one-sided Fisher's exact test,
  p <= 0.05 divided by the themes looked at); never against a period before of fewer than
  `schema.MIN_PREVIOUS_REVIEWS` reviews, which is no base for a trend. At most once a week per theme: a theme
  sharing half its reviews with one raised in the last week is that theme, whatever the LLM names it now.
* **request**: the same for the themes of what customers ask for (`rising_request`): a request rising, or a
  new one, "Asked for more: Dark mode".
* **rating**: the average star rating of the last `period_days` days (up to the newest review) fell by
  `rating_drop` stars or more against the `period_days` before, for all reviews and for each product,
  with at least `min_reviews` rated reviews on each side, when a fall that large is unlikely to be
  chance (Welch's t-test, p <= 0.05 divided by the number of products compared: a product with a few
  reviews a week moves by a star by chance, and one of twenty products would every week).
  At most once a week per product.
* **release**: a new version reviewed worse than the last version reviewed well (`new_release`): per product,
  the newest version with `min_reviews` reviews against the one before it with as many, or the newest earlier
  one not itself reviewed worse than its predecessor (a broken release's hotfix as broken as it), named; a
  lower rating or a topic more reviews complain about, large and unlikely to be chance by the comparison's
  rules (reviewlens.comparison); quoted with the new version's negative reviews of that topic. Once per version.
* **change**: a change the user recorded (`reviewlens changes`) whose measured effect is clear
  (`change_results`): the theme it was meant to fix raised by more, or fewer, reviews since (its own test,
  p <= 0.05), or without a theme the rating moved; with the numbers and a verbatim quote of the theme. Once
  per change and direction, and not while it is too early to tell.
* **burst**: a burst of same-star reviews of a product (`review_bursts`): a day with far more one-star
  (review bombing) or five-star reviews than its usual (reviewlens.integrity), dated within the last 30 days,
  quoted with three of them. Once per burst (a burst that goes on the next day is the same burst).
* **competitor**: `competitor_losses` or more reviewers of the last `period_days` days (up to the newest review)
  left for one competitor ("returned it and bought the Sony instead": reviewlens.competitors), quoted, linked
  to the reviews that name it. At most once a week per competitor.
* **name**: `name_complaints` or more reviews of the last `period_days` days (up to the newest review) speak
  badly of one person, company or place they name ("Jonas was rude again": reviewlens.mentions, by the clause
  that names it, not the review's mood), quoted, linked to the reviews that name it. At most once a week per
  name; products are left to the competitor rule.
* **reviews**: new reviews rated `low_rating` or lower, or that mention one of `keywords`, in one
  digest per check (new: stored since the last look and written within MAX_LOOK_BACK, by the review's date;
  history imported today is counted in a line, not quoted), the keywords mentioned named (whatever the rating) and those reviews quoted first,
  then the lowest rated, the newest first. A review is in one digest only.
* **replies**: once a week, the negative reviews of the last 30 days still without the owner's reply after
  `unanswered_days` days (off by default), quoted, linked to that queue in the dashboard.
* **summary**: once a week (or day, `summary`), the last whole week's reviews, rating and share negative
  against the week before, how many of them look suspicious (reviewlens.integrity), the top complaints
  with their trend, rating at stake and a quote, and the products the scorecard flags (reviewlens.scorecard).

The rules look at what arrived since alerts were first checked (a day before that first check, so a
first check after a run reports it); `find_alerts` only reads the store (but for that first check's
date, and the suspicious-review findings it brings up to date when the reviews changed since they were
last checked: reviewlens.integrity; storing and sending alerts is reviewlens.app.alerting's). Quotes are the reviews' own
words, verbatim (cut at a word, with "…", when long); every text in an alert is untrusted and the
channels escape it for where it goes (reviewlens.app.channels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Sequence

from . import queries
from .changes import Effect
from .comparison import p_text
from .config import AlertSettings
from .filters import Filters, version_key
from .schema import has_periods, no_trend_reason, trend_text
from .store import Store
from .views import THEME_PREFIXES, View, view_url

WATCH_KEY = "alerts:watch"      # the checkpoint that holds when alerts were first checked
FIRST_LOOK_BACK = timedelta(days=1)
MAX_LOOK_BACK = timedelta(days=30)  # runs and reviews older than this never raise an alert
QUOTE_CHARS = 300
DIGEST_QUOTES = 10              # reviews quoted in a digest; the rest are counted
SAME_THEME_FOR = timedelta(days=7)   # a theme raised this recently is not raised again ...
SAME_THEME_OVERLAP = 0.5        # ... when this share of its reviews is the same, whatever its name now
P_MAX = 0.05                    # a rating fall is raised only when chance explains it this rarely
DIGEST_MAX = 20_000             # reviews one digest takes at most; more wait for the next
CHANGES_FOR = 90                # days: a change made this recently is in the summary, with what it did so far
CHANGE_P = 0.05                 # a change's result is raised when chance explains it this rarely
KINDS = ("scrape", "complaint", "request", "rating", "release", "change", "burst", "competitor", "name", "reviews",
         "replies", "summary")
BURST_QUOTES = 3                # reviews quoted in a burst alert  # what the rules raise


@dataclass
class Alert:
    """One finding. `lines` are facts in our own words (numbers, names that came from the store); `quotes`
    are verbatim review text: {review_id, text, rating, product, url}, and for a review in another language
    `translation`, the model's English (shown labelled, apart from the quote). Every string is untrusted."""

    key: str                    # unique: the same finding is never raised twice
    kind: str                   # one of KINDS, or test
    title: str
    lines: list[str] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    review_ids: list[str] = field(default_factory=list)   # the reviews a digest names (kept in one digest)
    members: list[str] = field(default_factory=list)      # a complaint theme's reviews (to know it again)
    period: tuple[date, date] | None = None                # a summary's days (an e-mail may attach their report)
    view: View | None = None       # what the dashboard shows of it (not stored: `link` is)
    products: list[str] = field(default_factory=list)  # what it is about, for routing (none: the whole store)
    link: str | None = None        # that view's address, with `[alerts] dashboard_url` set
    id: int | None = None
    created_at: datetime | None = None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"lines": self.lines, "quotes": self.quotes}
        if self.members:
            out["members"] = self.members
        if self.period:
            out["period"] = [d.isoformat() for d in self.period]
        if self.link:
            out["link"] = self.link
        return out

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Alert":
        """An alert as `Store.list_alerts` / `undelivered_alerts` return it."""
        body = row.get("body") or {}
        lines = [str(x) for x in body.get("lines", []) if isinstance(x, (str, int, float))]
        quotes = [q for q in body.get("quotes", []) if isinstance(q, dict) and isinstance(q.get("text"), str)]
        members = [str(x) for x in body.get("members", []) if isinstance(x, str)]
        try:
            since, until = (date.fromisoformat(str(d)) for d in body["period"])
            period: tuple[date, date] | None = (since, until)
        except (KeyError, TypeError, ValueError):
            period = None
        link = body.get("link") if isinstance(body.get("link"), str) else None
        return cls(key=row["key"], kind=row["kind"], title=row["title"], lines=lines, quotes=quotes,
                   members=members, period=period, link=link, id=row.get("id"), created_at=row.get("created_at"))

    def plain_text(self) -> str:
        """The alert as plain text (a terminal, an e-mail's text part), quotes in quotation marks."""
        out = [self.title, ""] + self.lines
        if self.quotes:
            out.append("")
        for q in self.quotes:
            out.append(f"“{q['text']}”  — {quote_meta(q)}")
            note = translation_of(q)
            if note:
                out.append(f"  ({note})")
        if self.link:
            out += ["", f"In the dashboard: {self.link}"]
        return "\n".join(out).rstrip()


def translation_of(q: dict[str, Any]) -> str:
    """A quote's machine translation note ("machine translation (de): ..."), "" for a quote in English: the
    model's words, shown apart from the quote and labelled, never in quotation marks."""
    t = q.get("translation")
    return t if isinstance(t, str) else ""


def quote_meta(q: dict[str, Any]) -> str:
    """Where a quote comes from: "★2 · Kettle 2000 · review 3f2a…"."""
    parts = []
    if q.get("rating") is not None:
        parts.append(f"★{float(q['rating']):g}")
    if q.get("product"):
        parts.append(str(q["product"]))
    parts.append(f"review {q.get('review_id', '')}")
    return " · ".join(parts)


def review_quote(row: dict[str, Any]) -> dict[str, Any]:
    """A review row (id, text, rating, product, url) as an alert's quote: its own words, cut at a word."""
    return {"review_id": row["id"], "text": verbatim_excerpt(row["text"] or ""), "rating": row["rating"],
            "product": row["product"], "url": row["url"]}


def verbatim_excerpt(text: str, limit: int = QUOTE_CHARS) -> str:
    """The start of a review's text, verbatim, cut at a word with "…" when longer than `limit`."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def sentence_quote(q: Any) -> dict[str, Any]:
    """A quoted sentence (schema.Quote) as an alert's quote: its own words, cut at a word, with the machine
    translation of one in another language apart."""
    return {"review_id": q.review_id, "text": verbatim_excerpt(q.text), "url": q.url,
            **({"translation": q.translation_note()} if q.translation else {})}


def _last_period(store: Store, rules: AlertSettings) -> tuple[date, date] | None:
    """The last `period_days` days, up to the newest review's date; None without dated reviews."""
    until = queries.date_span(store)[1]
    return None if until is None else (until - timedelta(days=rules.period_days - 1), until)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "theme"


def _week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def watch_start(store: Store, now: datetime, record: bool = True) -> datetime:
    """When the rules start looking: a day before alerts were first checked (recorded then, unless
    `record` is False), and never more than MAX_LOOK_BACK ago."""
    state = store.load_checkpoint(WATCH_KEY)
    try:
        since = datetime.fromisoformat(state["since"]) if state else None
    except (KeyError, TypeError, ValueError):
        since = None
    if since is None:
        since = now - FIRST_LOOK_BACK
        if record and not store.read_only:
            store.save_checkpoint(WATCH_KEY, {"since": since.isoformat()})
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return max(since, now - MAX_LOOK_BACK)


# ------------------------------------------------------------------------------------------ the rules
def scrape_alerts(store: Store, since: datetime) -> list[Alert]:
    """A scrape that failed, ended degraded, found no reviews (not counting those older than --since), or
    ended partial: pages that failed (a page not served, a page without reviews, a field missing from all of a
    page's reviews). Reviews without a text skipped on their own make no run partial."""
    out = []
    for r in store.runs_started_since(since, "scrape"):
        d = r["detail"] or {}
        found = (r["reviews_new"] or 0) + (r["reviews_seen"] or 0) + int(d.get("older") or 0)
        source = r["source"] or "a source"
        when = f"{r['started_at']:%Y-%m-%d %H:%M} UTC"
        if r["status"] == "degraded":
            title = f"Scrape of {source} degraded: the site may have changed"
            lines = [f"Run {r['id']} ({when}): {d.get('message') or 'fields or reviews per page fell'}."]
            if d.get("affected_page"):
                lines.append(f"Affected page: {d['affected_page']}")
            if d.get("debug_files"):
                lines.append(f"Saved copy: {', '.join(map(str, d['debug_files']))}")
        elif r["status"] == "failed":
            err = (r["errors"][-1].get("message") if r["errors"] else None) or "no reason recorded"
            title = f"Scrape of {source} failed"
            lines = [f"Run {r['id']} ({when}): {err}"]
        elif r["status"] in ("ok", "partial") and found == 0:
            title = f"Scrape of {source} found no reviews"
            lines = [f"Run {r['id']} ({when}) read {r['pages'] or 0} pages and found no reviews: "
                     f"the site may have changed or blocked the scraper."]
        elif r["status"] == "partial":
            n = len(r["errors"] or [])
            title = f"Scrape of {source} partial: errors on {n} page{'s' * (n != 1)}"
            lines = [f"Run {r['id']} ({when}) stored what it could read; a page the site did not serve is tried "
                     f"again next run, a field or reviews a page no longer shows may be a site that changed."]
        else:
            continue
        if r["errors"] and (r["status"] != "failed" or len(r["errors"]) > 1):  # the page's own reason too
            lines.append(f"{len(r['errors'])} page errors; the first: {r['errors'][0].get('message')}")
        lines.append("Details: reviewlens runs --errors")
        out.append(Alert(key=f"scrape:{r['id']}", kind="scrape", title=title, lines=lines, view=View(page="Runs")))
    for kind in ("import", "analyze", "report"):  # the other steps of a scheduled run: a file that cannot be read,
        for r in store.runs_started_since(since, kind):  # an analysis or a report that failed or was stopped
            if r["status"] not in ("failed", "interrupted") or r["trigger"] != "schedule":
                continue
            err = (r["errors"][-1].get("message") if r["errors"] else None) or (
                "its process ended before it finished (killed, or the machine stopped)"
                if r["status"] == "interrupted" else "no reason recorded")
            of = (r["detail"] or {}).get("schedule") or (r["source"] if kind == "import" else None)
            title = {"import": f"Import for {r['source'] or 'a source'}", "analyze": "Scheduled analysis",
                     "report": f"Scheduled report {r['source'] or ''}".rstrip()}[kind] + \
                (f" ({of})" if of and kind != "import" else "") + f" {r['status']}"
            out.append(Alert(key=f"scrape:{r['id']}", kind="scrape", title=title,
                             lines=[f"Run {r['id']} ({r['started_at']:%Y-%m-%d %H:%M} UTC): {err}",
                                    "Details: reviewlens runs --errors"], view=View(page="Runs")))
    return out


#: The theme rules: kind of themes -> (the alert's kind, its title, where to see more).
THEME_RULES = {"complaints": ("complaint", "Complaint rising", "reviewlens complaints --stored"),
               "requests": ("request", "Asked for more", "reviewlens requests --stored")}


def complaint_alerts(store: Store, rules: AlertSettings, since: datetime) -> list[Alert]:
    """Rising or new complaint themes among the latest top complaints (computed after `since`)."""
    return theme_alerts(store, rules, since, "complaints", rules.rising_complaint)


def request_alerts(store: Store, rules: AlertSettings, since: datetime) -> list[Alert]:
    """Rising or new request themes (what customers ask for), as complaint themes are raised."""
    return theme_alerts(store, rules, since, "requests", rules.rising_request)


def theme_alerts(store: Store, rules: AlertSettings, since: datetime, kind: str, rising: float) -> list[Alert]:
    """Rising (by `rising` points of share) or new themes of `kind` among the latest computed (after `since`),
    raised by at least `min_reviews` reviews, when a rise that large is unlikely to be chance (`rise_p`, P_MAX
    divided by the themes looked at); none against a period before of too few reviews to compare with (a
    store's first 90 days imported at once: every theme was "new"). Once a week per theme, whatever it is named now."""
    if not rising:
        return []
    alert_kind, heading, more = THEME_RULES[kind]
    themes, scope = queries.latest_complaints(store, kind)
    computed = scope.get("computed_at")
    try:
        computed_at = datetime.fromisoformat(computed) if computed else None
        until = date.fromisoformat(scope["until"])
    except (KeyError, TypeError, ValueError):
        return []
    if computed_at is None or computed_at < since:
        return []
    impacts = queries.theme_impacts(store, themes, scope)
    raised = [set(Alert.from_row(r).members) for r in store.alerts_since(computed_at - SAME_THEME_FOR, alert_kind)]
    n_now, n_before = scope.get("reviews"), scope.get("previous_reviews")
    if not n_now or not n_before:  # no period before to compare with (a store's first days): no rise to tell
        return []
    # no trend (None): the period before held too few reviews to compare with (queries.drop_baseless_trends)
    tested = sum(1 for t in themes if t.count >= rules.min_reviews and t.trend is not None)
    out = []
    for t, impact in zip(themes, impacts):
        if t.count < rules.min_reviews or t.trend is None or t.trend < rising:
            continue
        if any(same_theme(t.review_ids, before) for before in raised):
            continue  # raised in the last week under this name or another (the LLM may name it anew)
        p = rise_p(t.count, n_now, t.previous_count, n_before)
        if p > P_MAX / tested:  # Bonferroni: the rising ones are picked among all the themes after looking
            continue
        before = f"{t.previous_count or 'none'} of the {n_before} reviews in the period before"
        what = (f"new this period: {t.count} reviews ({t.share:.0%}), {before}" if not t.previous_count
                else f"up {t.trend:.1f} points to {t.share:.0%} of reviews ({t.count} reviews; {before})")
        what += f"; a rise this large by chance: {p_text(p)}"
        lines = [f"{scope.get('since')} to {scope.get('until')}: {what}."]
        if t.summary:
            lines.append(t.summary)
        if impact is not None:
            lines.append(f"Its reviews: {impact.text()}.")
        lines.append(f"More: {more}, or the dashboard's Overview")
        quotes = [{"review_id": q.review_id, "text": verbatim_excerpt(q.text), "url": q.url,
                   **({"translation": q.translation_note(300)} if q.translation else {})} for q in t.quotes[:3]]
        out.append(Alert(key=f"{alert_kind}:{_slug(t.label)}:{_week(until)}", kind=alert_kind,
                         products=[str(p) for p in scope.get("products") or []],
                         title=f"{heading}: {t.label}", lines=lines, quotes=quotes,
                         members=list(t.review_ids),
                         view=_theme_view(scope, until, THEME_PREFIXES[kind] + t.label)))
    return out


def rise_p(count: int, reviews: int, previous: int, previous_reviews: int) -> float:
    """How likely a theme raised by `count` of `reviews` reviews now and `previous` of `previous_reviews` in the
    period before would rise this much by chance: one-sided Fisher's exact test (scipy), exact for the handful
    of reviews a small store's theme has, where a z-test's normal approximation is not."""
    from scipy.stats import fisher_exact

    table = [[count, max(reviews - count, 0)], [previous, max(previous_reviews - previous, 0)]]
    return float(fisher_exact(table, alternative="greater").pvalue)


def same_theme(members: Sequence[str], before: set[str]) -> bool:
    """Whether a theme is one raised before: at least half of the smaller of the two share reviews."""
    now = set(members)
    small = min(len(now), len(before))
    return small > 0 and len(now & before) >= SAME_THEME_OVERLAP * small


def rating_alerts(store: Store, rules: AlertSettings) -> list[Alert]:
    """The average rating of the last `period_days` against the days before, for all reviews and each
    product: a fall of `rating_drop` stars or more that is unlikely to be chance (P_MAX, Bonferroni-corrected
    for the groups compared). The ratings without words (star-only reviews, kept apart) count as the site counts
    them: a place's or an app's 1★ without words come first when something breaks."""
    if not rules.rating_drop:
        return []
    until = queries.date_span(store)[1]
    if until is None:
        return []
    days = rules.period_days
    since = until - timedelta(days=days - 1)
    prev_since, prev_until = since - timedelta(days=days), since - timedelta(days=1)
    now, before = (queries.ratings_by_product(store, Filters.of(since=a, until=b))
                   for a, b in ((since, until), (prev_since, prev_until)))
    now_stars, before_stars = (queries.star_ratings_by(store, "product", Filters.of(since=a, until=b))
                               for a, b in ((since, until), (prev_since, prev_until)))
    pooled = queries.RatingStats.pooled
    zero = queries.RatingStats(0, 0.0, 0.0)

    def both(reviewed: dict, stars: dict, p: Any) -> queries.RatingStats:
        return pooled([x for x in (reviewed.get(p, zero), stars.get(p, zero)) if x.n])

    products = set(now) | set(now_stars)
    scopes = [("all reviews", None, pooled([*now.values(), *now_stars.values()]),
               pooled([*before.values(), *before_stars.values()]))]
    if len(products | set(before) | set(before_stars)) > 1:
        scopes += [(p, p, both(now, now_stars, p), both(before, before_stars, p))
                   for p in sorted(x for x in products if x is not None)]
    scopes = [s for s in scopes if s[2].n >= rules.min_reviews and s[3].n >= rules.min_reviews]
    out = []
    for name, product, cur, prev in scopes:
        drop = prev.mean - cur.mean
        if drop < rules.rating_drop:
            continue
        p = prev.welch_p(cur, alternative="greater")
        if p > P_MAX / len(scopes):  # Bonferroni: with 20 products, one in 20 weeks would fall by chance
            continue
        k, k_before = (sum(v.n for g, v in stars.items() if product is None or g == product)
                       for stars in (now_stars, before_stars))
        lines = [f"{since} to {until}: {cur.mean:.2f}★ from {_ratings(cur.n, k)}, down {drop:.2f}★ from "
                 f"{prev.mean:.2f}★ ({_ratings(prev.n, k_before)}, {prev_since} to {prev_until}); "
                 f"a fall this large by chance: p = {p:.3f}.",
                 "What is behind it: reviewlens complaints, or the dashboard"]
        out.append(Alert(key=f"rating:{_slug(product) if product else '*'}:{_week(until)}", kind="rating",
                         title=f"Average rating down {drop:.2f}★: {name}", lines=lines,
                         products=[product] if product else [],
                         view=View.dated(since, until, products=[product] if product else None)))
    return out


def _ratings(n: int, stars: int) -> str:
    """"14 rated reviews", or "30 ratings (16 of them star-only, without words)"."""
    if not stars:
        return f"{n} rated reviews"
    return f"{n} ratings ({stars} of them star-only, without words)"


RELEASE_QUOTES = 2  # reviews of the new version quoted in its alert
RELEASE_HISTORY = 10  # the newest versions among which a new release's baseline is looked for


def release_alerts(store: Store, rules: AlertSettings) -> list[Alert]:
    """A new version reviewed worse than the last version reviewed well: per product (or over all reviews, when
    none names a product), the newest version with `min_reviews` reviews (its star-only ratings counted) against
    `release_baseline` (the version before it, unless that one was reviewed worse itself), by the comparison's
    rules (reviewlens.comparison: a lower rating, or a topic more reviews complain about, large and unlikely to be
    chance; the rating with star-only ratings too, `star_rating_gap`). Against the version before it alone, a
    store first checked after a broken release's hotfix (4.2.1 as broken as 4.2.0, both worse than 4.1.2) never
    heard of it. Raised once per version, naming the baseline."""
    if not rules.new_release:
        return []
    from .comparison import STAR_RATING, compare

    counts = queries.version_counts(store)
    scopes = [(p, n) for p, n in sorted(counts.items(), key=lambda x: str(x[0])) if p is not None or len(counts) == 1]
    out = []
    for product, per_version in scopes:
        # a version's ratings without words count toward what it needs to be compared (a crashing release's 1★)
        stars = {v: n for v, (n, _, _) in store.star_rating_stats(
            "version", products=[product] if product else ()).items()}
        ready = sorted((v for v, n in per_version.items() if n + stars.get(v, 0) >= rules.min_reviews),
                       key=version_key)
        if len(ready) < 2:
            continue
        base = Filters.of(products=[product] if product else None)
        compared = compare(store, "version", base, names=ready[-RELEASE_HISTORY:])  # each group read once
        groups = compared.groups
        before, skipped = release_baseline(groups)
        new = groups[-1].name
        gaps = _worse_gaps(before, groups[-1], compared.labels)
        if not gaps:
            continue
        what = next((g.what for g in gaps if g.what not in ("rating", STAR_RATING)), None)  # a topic, to quote
        f = Filters.of(products=[product] if product else None, versions=[new], sentiments=["negative"],
                       topics=[what] if what else None)
        rows, _ = queries.review_page(store, f, page_size=RELEASE_QUOTES, total=0)
        quotes = [review_quote(r) for r in rows.to_dict("records")]
        name = f"{product} {new}" if product else f"version {new}"
        with_stars = {v: f" and {stars[v]} star-only ratings" if stars.get(v) else "" for v in (new, before.name)}
        lines = [f"{new}: {per_version[new]} reviews{with_stars[new]}; compared with {before.name}: "
                 f"{per_version[before.name]} reviews{with_stars[before.name]}, "
                 + (f"the last version reviewed no worse than the one before it ({', '.join(skipped)} in between "
                    f"{'was' if len(skipped) == 1 else 'were'} reviewed worse than {before.name} too)."
                    if skipped else "the version before it.")]
        lines += [g.text() for g in gaps]
        lines.append(f"More: reviewlens compare --by version{' --product ' + repr(product) if product else ''}, "
                     "or the dashboard's Compare page")
        out.append(Alert(key=f"release:{_slug(product) if product else '*'}:{_slug(new)}", kind="release",
                         title=f"Reviewed worse than {before.name}: {name}", lines=lines, quotes=quotes,
                         products=[product] if product else [],
                         view=View(page="Reviews", period="all", filters=Filters.of(
                             products=[product] if product else None, versions=[new]))))
    return out


def release_baseline(groups: Sequence[Any]) -> tuple[Any, list[str]]:
    """What the newest of `groups` (comparison Groups of versions, oldest first) is compared with: the newest
    earlier version not itself reviewed worse than its own baseline (the oldest of them is taken as reviewed
    well), and the versions between it and the newest, each reviewed worse (a broken release, its hotfix)."""
    good, skipped = groups[0], []
    for g in groups[1:-1]:
        if _worse_gaps(good, g):
            skipped.append(g.name)
        else:
            good, skipped = g, []
    return good, skipped


def _worse_gaps(before: Any, new: Any, labels: dict[str, str] | None = None) -> list[Any]:
    """The differences that matter (reviewlens.comparison) by which version `new` is reviewed worse than
    `before`: rated lower, or a topic complained about more (not praised less, nor more suspicious reviews)."""
    from .comparison import SUSPICIOUS, Comparison, star_rating_gap

    gaps = [g for g in Comparison("version", [before, new], labels=labels or {}).gaps()
            if g.worse == new.name and not g.what.startswith("praise:") and g.what != SUSPICIOUS]
    if not any(g.what == "rating" for g in gaps) and (stars := star_rating_gap(before, new)) is not None:
        gaps.insert(0, stars)  # rated lower once its ratings without words count
    return gaps


def change_alerts(store: Store, rules: AlertSettings) -> list[Alert]:
    """A change the user recorded whose last measurement (reviewlens.changes) is clear: the theme it was
    meant to fix is raised by more or fewer reviews since, unlikely by chance (its own test: it was named
    before looking); without a theme, the rating moved so. Not while it is too early to tell. Once per change
    and direction (a fix that worked and later stopped working is raised twice)."""
    if not rules.change_results:
        return []
    out = []
    for c in store.changes():
        if not c["effect"]:
            continue
        e = Effect(**c["effect"])
        n = e.named
        if e.too_early:
            continue
        if n is not None and n.p <= CHANGE_P:
            better = n.points < 0
        elif n is None and not c["theme"] and e.before_rating is not None and e.after_rating is not None \
                and e.rating_p <= CHANGE_P:
            better = e.after_rating > e.before_rating
        else:
            continue
        what = " ".join(str(c["label"]).split())
        quotes = ([{"review_id": n.quote_review, "text": verbatim_excerpt(n.quote), "url": None}]
                  if n is not None and n.quote and n.quote_review else [])
        products = [c["product"]] if c["product"] else []
        out.append(Alert(key=f"change:{c['id']}:{'better' if better else 'worse'}", kind="change",
                         title=f"{'It worked' if better else 'Worse since'}: {what} ({c['day']})",
                         lines=e.lines() + ["More: reviewlens changes, or the dashboard's Compare page"],
                         quotes=quotes, products=products,
                         view=View.dated(date.fromisoformat(e.after_since), date.fromisoformat(e.after_until),
                                         products=products or None, fields=dict(c["fields"]) or None)))
    return out


def burst_alerts(store: Store, rules: AlertSettings, now: datetime,
                 findings: Sequence[Any] | None = None) -> list[Alert]:
    """Bursts of same-star reviews of a product (reviewlens.integrity, checked again first when the reviews
    changed) that end within the last MAX_LOOK_BACK: one-star bursts are review bombing, five-star ones a
    rating someone may be buying. Once per burst. `findings`: `integrity.current(store)`, if read already."""
    if not rules.review_bursts:
        return []
    from . import integrity

    recent = (now - MAX_LOOK_BACK).date()
    out = []
    for x in integrity.current(store) if findings is None else findings:
        d = x.detail
        if x.kind != "burst" or date.fromisoformat(d["end"]) < recent:
            continue
        product = d.get("product") or None
        start, end = date.fromisoformat(d["start"]), date.fromisoformat(d["end"])
        rows, _ = queries.review_page(store, Filters.of(review_ids=x.review_ids), page_size=BURST_QUOTES, total=0)
        bombing = d["stars"] == 1
        products = [product] if product and any(r == product for r in rows["product"]) else []  # not a source
        out.append(Alert(
            key=f"burst:{x.key}", kind="burst",
            title=f"{'Review bombing' if bombing else 'A burst of five-star reviews'}: {x.title}",
            lines=[f"{d['reviews']} {'one' if bombing else 'five'}-star reviews, "
                   f"{integrity.usual_text(d['before'], d['days_before'])}: far more than chance gives at that "
                   f"rate (p < {integrity.BURST_P:g}).",
                   "A reason to look twice, not proof: " + ("a wave of one-star reviews after news, an outage or a "
                                                            "competitor's campaign" if bombing else
                                                            "a launch promotion, or reviews someone paid for") + ".",
                   "More: reviewlens suspicious" + (f" --product {product!r}" if products else "")
                   + ", or the dashboard's sidebar: Suspicious reviews: Only them"],
            quotes=[review_quote(r) for r in rows.to_dict("records")], products=products,
            view=View.dated(start, end, page="Reviews", products=products or None, suspicious=True)))
    return out


COMPETITOR_QUOTES = 3


def competitor_alerts(store: Store, rules: AlertSettings) -> list[Alert]:
    """The competitors that `competitor_losses` or more reviewers of the last `period_days` left for."""
    period = _last_period(store, rules) if rules.competitor_losses else None
    if period is None:
        return []
    since, until = period
    from .competitors import competitors

    out = []
    for c in competitors(store, Filters.of(since=since, until=until), top=100, quotes=COMPETITOR_QUOTES):
        if c.went_to < rules.competitor_losses:
            continue
        others = c.reviews - c.went_to
        lines = [f"{since} to {until}: {c.went_to} reviewers left for {c.name}"
                 + (f"; {others} more reviews compared with it" if others else "")
                 + (f"; the {c.reviews} reviews rated {c.rating:.1f}★ on average" if c.rating is not None else "")
                 + ".",
                 *([f"What they complained of: {c.why_left()}."] if c.left_over else []),
                 f"Why: reviewlens competitors --since {since}, or the reviews that name it in the dashboard"]
        quotes = [sentence_quote(q) for q in c.quotes]
        out.append(Alert(key=f"competitor:{_slug(c.name)}:{_week(until)}", kind="competitor",
                         title=f"Customers leaving for {c.name}", lines=lines, quotes=quotes, products=c.products,
                         view=View.dated(since, until, page="Reviews", mentions=[c.name])))
    return out


NAME_QUOTES = 3
NAMED_KINDS = ("PERSON", "ORG", "LOCATION")  # what the name rule watches (people, companies, places)


def _spoken_badly_of(store: Store, since: date, until: date) -> list:
    """The people, companies and places the reviews of `since` to `until` name, the most spoken badly of first."""
    from .mentions import names_said

    return [x for x in names_said(store, Filters.of(since=since, until=until), types=NAMED_KINDS, top=100,
                                  quotes=NAME_QUOTES, order="negative") if x.negative]


def name_alerts(store: Store, rules: AlertSettings) -> list[Alert]:
    """The people, companies and places that `name_complaints` or more reviews of the last `period_days` speak
    badly of (what the clause that names them says)."""
    period = _last_period(store, rules) if rules.name_complaints else None
    if period is None:
        return []
    since, until = period
    from .mentions import kind_word

    out = []
    for x in _spoken_badly_of(store, since, until):
        if x.negative < rules.name_complaints:
            break
        lines = [f"{since} to {until}: {x.negative} reviews speak badly of {x.name} ({kind_word(x.type)})"
                 + (f", {x.positive} well" if x.positive else "")
                 + f"; {x.reviews} reviews name {'them' if x.type == 'PERSON' else 'it'}"
                 + (f", rated {x.rating:.1f}★ on average" if x.rating is not None else "") + ".",
                 f"More: reviewlens mentions --since {since} --sort negative, or the reviews that name "
                 f"{'them' if x.type == 'PERSON' else 'it'} in the dashboard"]
        quotes = [sentence_quote(q) for q in x.complaints]
        out.append(Alert(key=f"name:{_slug(x.name)}:{_week(until)}", kind="name",
                         title=f"Reviews speaking badly of {x.name}", lines=lines, quotes=quotes,
                         view=View.dated(since, until, page="Reviews", mentions=[x.name], said="negative")))
    return out


def _keyword_patterns(keywords: Sequence[str]) -> dict[str, re.Pattern[str]]:
    """Each configured keyword (as it is spelled there, once) with its pattern: the whole word, any case."""
    words = dict.fromkeys(k.strip() for k in keywords if k.strip())
    return {w: re.compile(r"(?<!\w)" + re.escape(w) + r"(?!\w)", re.IGNORECASE) for w in words}


def _digest_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order a digest quotes its reviews in: those mentioning a keyword first, then by rating (the
    lowest first), each the newest first (review date, then when it was stored)."""
    newest = sorted(rows, key=lambda r: (str(r["date"] or ""), str(r["scraped_at"] or "")), reverse=True)
    return sorted(newest, key=lambda r: (not r["keywords"],
                                         r["rating"] if r["rating"] is not None else float("inf")))


def _reviews_phrase(n: int) -> str:
    return f"{n} new review{'s' if n != 1 else ''}"


def review_alerts(store: Store, rules: AlertSettings, since: datetime, now: datetime | None = None) -> list[Alert]:
    """One digest of the new reviews rated `low_rating` or lower or mentioning a keyword. A review that
    mentions a keyword is counted as such whatever its rating, the keywords it mentions are named (in the
    title too), and it is quoted first; then the lowest rated, the newest first. New is stored since `since` and
    written (by its date; undated: stored) within MAX_LOOK_BACK of `now` or of the newest review, the earlier (as the
    other rules, up to the newest review): the first check after two years of history were imported raised "20000
    new reviews to read" and promised the rest next time; the digest says how many such older reviews it left out."""
    newest = queries.date_span(store)[1]
    today = (now or datetime.now(timezone.utc)).date()
    written_since = min(today, newest or today) - MAX_LOOK_BACK
    patterns = _keyword_patterns(rules.keywords)
    rows = store.new_reviews_to_alert(since, rules.low_rating or None, rules.keywords, limit=DIGEST_MAX,
                                      written_since=written_since)
    found = []
    for r in rows:
        rated_low = bool(rules.low_rating) and r["rating"] is not None and r["rating"] <= rules.low_rating
        r["keywords"] = [w for w, p in patterns.items() if p.search(r["text"] or "")]
        r["rated_low"] = rated_low
        if rated_low or r["keywords"]:
            found.append(r)
    if not found:
        return []
    low = [r for r in found if r["rated_low"]]
    hits = [r for r in found if r["keywords"]]
    counts = {w: sum(w in r["keywords"] for r in hits) for w in patterns}
    named = sorted((w for w in counts if counts[w]), key=lambda w: -counts[w])  # the most mentioned first
    parts = []
    if hits:
        parts.append(f"{len(hits)} mentioning " + ", ".join(f"“{w}” ({counts[w]})" for w in named))
    if low:
        both = sum(1 for r in low if r["keywords"])
        parts.append(f"{len(low)} rated {rules.low_rating:g}★ or lower"
                     + (f" ({both} of them mention{'s' if both == 1 else ''} a keyword too)" if both else ""))
    lines = [f"{_reviews_phrase(len(found))}: {'; '.join(parts)}."]
    history = store.history_stored_since(since, written_since)
    if history:
        lines.append(f"{history:,} more review{'s' * (history != 1)} stored since {since:%Y-%m-%d} "
                     f"{'were' if history != 1 else 'was'} written before {written_since} (history an import or a "
                     "first scrape brought in): not news, so not in this digest; the review explorer has them.")
    if len(rows) >= DIGEST_MAX:
        lines.append(f"More new reviews than one digest takes ({DIGEST_MAX:,}): the rest come in the next one.")
    if len(found) > DIGEST_QUOTES:
        lines.append(f"{DIGEST_QUOTES} are below: {'those mentioning a keyword first, then ' if hits else ''}"
                     "the lowest rated, the newest first; all of them: the dashboard's review explorer.")
    quotes = [review_quote(r) for r in _digest_order(found)[:DIGEST_QUOTES]]
    ids = [r["id"] for r in found]  # the store's order (oldest first): the key stays what it was
    first = min(r["scraped_at"] for r in found)
    key = f"reviews:{ids[0]}:{len(ids)}:{first}"
    title = f"{_reviews_phrase(len(found))} to read"
    if hits:
        title += f", {len(hits)} mentioning " + ", ".join(f"“{w}”" for w in named)
    return [Alert(key=key, kind="reviews", title=title, lines=lines,
                  quotes=quotes, review_ids=ids, products=sorted({str(r["product"]) for r in found if r["product"]}), view=View(page="Reviews", period="all", alert=key))]


UNANSWERED_WINDOW = 30  # days: older negative reviews without a reply are a backlog, not news
UNANSWERED_QUOTES = 3


def unanswered_alerts(store: Store, rules: AlertSettings, now: datetime) -> list[Alert]:
    """Once a week: the negative reviews of the last UNANSWERED_WINDOW days that have waited
    `unanswered_days` days or more and still have no reply from the owner (the reply arrives with the next
    scrape of the page), quoted, linked to that queue in the dashboard."""
    if not rules.unanswered_days:
        return []
    today = now.date()
    until = today - timedelta(days=rules.unanswered_days)
    since = today - timedelta(days=UNANSWERED_WINDOW)
    if until < since:
        return []
    f = Filters.of(since=since, until=until, sentiments=["negative"], replied=False)
    n = queries.count_reviews(store, f)
    if not n:
        return []
    rows, _ = queries.review_page(store, f, page_size=UNANSWERED_QUOTES, total=n)
    dates = [d for d in rows["date"] if d is not None]
    lines = [f"{n} negative review{'s' if n != 1 else ''} from {since} to {until} "
             f"{'have' if n != 1 else 'has'} waited {rules.unanswered_days}+ days without a reply"
             + (f" (the newest of them from {max(dates)})." if dates else "."),
             f"Reply drafts: reviewlens replies --since {since}, or the dashboard's review explorer"]
    quotes = [review_quote(r) for r in rows.to_dict("records")]
    return [Alert(key=f"unanswered:{_week(today)}", kind="replies",
                  title=f"{n} negative review{'s' if n != 1 else ''} waiting {rules.unanswered_days}+ days for a reply",
                  lines=lines, quotes=quotes, view=View.dated(since, until, page="Reviews", sentiments=["negative"],
                                                              replied=False))]


def summary_period(now: datetime, every: str) -> tuple[date, date, str]:
    """The last whole period before `now` (UTC): the ISO week before this one, or yesterday; with its key."""
    today = now.astimezone(timezone.utc).date()
    if every == "daily":
        day = today - timedelta(days=1)
        return day, day, day.isoformat()
    monday = today - timedelta(days=today.weekday())
    since = monday - timedelta(days=7)
    return since, monday - timedelta(days=1), _week(since)


def summary_alerts(store: Store, rules: AlertSettings, now: datetime,
                   findings: Sequence[Any] | None = None) -> list[Alert]:
    """Once a week (or day): the last week's reviews, rating and share negative against the week before, the
    top complaints with their trend and rating at stake, and one verbatim quote for each, the products (a chain's
    branches) the scorecard flags. `findings`: `integrity.current(store)`, if read already."""
    if rules.summary == "off" or not queries.date_span(store)[1]:
        return []
    since, until, key = summary_period(now, rules.summary)
    h = queries.headline(store, Filters.of(since=since, until=until))
    before = h.previous
    word = "week" if rules.summary == "weekly" else "day"
    line = f"{h.reviews} review{'s' if h.reviews != 1 else ''}"
    if before is not None:
        line += f" ({before.reviews} the {word} before)"
    if h.avg_rating is not None:
        line += f"; average {h.avg_rating:.2f}★"
        if before is not None and before.avg_rating is not None:
            line += f" ({h.avg_rating - before.avg_rating:+.2f}★)"
    period = Filters.of(since=since, until=until)
    stars = queries.rating_with_stars(store, period)
    if stars is not None:  # the rating as the site counts it: with the ratings without words (kept apart)
        was = queries.rating_with_stars(store, period.previous_period())
        line += (f"; {stars[1]:.2f}★ with the {stars[0]} star-only rating{'s' if stars[0] != 1 else ''}"
                 + (f" ({stars[1] - was[1]:+.2f}★)" if was is not None else ""))
    if h.share_negative is not None:  # of the analyzed reviews only: said, and no change from a handful of them
        line += f"; {h.share_negative:.0f}% negative" + (f" of the {h.analyzed} analyzed" if h.analyzed < h.reviews else "")
        change, why = h.delta("share_negative"), h.no_change_reason("share_negative")
        if change is not None:
            line += f" ({change:+.0f} pts)"
        elif why:
            line += f" (no change given: {why})"
    elif h.reviews:
        line += "; none of them analyzed yet (reviewlens analyze)"
    lines = [f"{since} to {until}: {line}."]
    replies = queries.reply_stats(store, Filters.of(since=since, until=until))
    if replies.negative:
        waiting = replies.negative - replies.negative_replied
        lines.append(f"Owner replies: {replies.negative_replied} of {replies.negative} negative reviews answered"
                     + (f"; {waiting} waiting (reviewlens replies --since {since} drafts them)." if waiting else "."))
    from . import integrity

    checked, found = integrity.in_selection(store, Filters.of(since=since, until=until), findings)
    if checked.suspicious:
        lines.append(f"Suspicious reviews: {checked.suspicious} of the {word}'s {checked.reviews}"
                     + (f"; average {checked.rating_without:.2f}★ without them" if checked.rating_without is not None
                        else "") + f" ({'; '.join(f.title for f in found[:2])}"
                     + (f"; {len(found) - 2} more" if len(found) > 2 else "") + "; reviewlens suspicious lists them).")
    themes, scope = queries.latest_complaints(store)
    quotes = []
    if themes:
        impacts = queries.theme_impacts(store, themes, scope)
        dated = has_periods(scope)
        lines.append(f"Top complaints ({scope.get('since')} to {scope.get('until')}):" if dated
                     else "Top complaints (of all reviews; they have no dates):")
        for i, (t, m) in enumerate(list(zip(themes, impacts))[:3], 1):
            stake = f"; {m.at_stake:.2f}★ of the rating at stake" if m is not None else ""
            trend = f", {trend_text(t.trend, no_trend_reason(scope.get('previous_reviews')))}" if dated else ""
            lines.append(f"{i}. {t.label}: {t.count} reviews ({t.share:.0%}){trend}{stake}")
            if t.quotes:
                q = t.quotes[0]
                quotes.append({"review_id": q.review_id, "text": verbatim_excerpt(q.text), "url": q.url})
    loved, _ = queries.latest_complaints(store, "praise")
    if loved:
        lines.append("What customers love most: " + "; ".join(f"{t.label} ({t.count} reviews)" for t in loved[:3]))
    asked, _ = queries.latest_complaints(store, "requests")
    if asked:
        lines.append("What customers ask for most: " + "; ".join(f"{t.label} ({t.count} reviews)" for t in asked[:3]))
    from .competitors import competitors

    left = [c for c in competitors(store, Filters.of(since=since, until=until), top=100) if c.went_to]
    if left:
        left.sort(key=lambda c: (-c.went_to, c.name.casefold()))
        lines.append("Left for a competitor: " + "; ".join(f"{c.name} ({c.went_to} review{'s' if c.went_to != 1 else ''})"
                                                           for c in left[:3])
                     + (f"; {len(left) - 3} more" if len(left) > 3 else ""))
    badly = _spoken_badly_of(store, since, until)
    if badly:
        lines.append("Spoken badly of: " + "; ".join(f"{x.name} ({x.negative} review{'s' if x.negative != 1 else ''})"
                                                     for x in badly[:3])
                     + (f"; {len(badly) - 3} more" if len(badly) > 3 else ""))
    look = _products_to_look_at(store, until)
    if look:
        lines.append(look)
    recent = [c for c in store.changes() if c["effect"] and c["day"] > until - timedelta(days=CHANGES_FOR)]
    for c in recent[-3:]:  # the changes the user made lately, and what they did so far
        lines.append(f"Change of {c['day']}, {' '.join(c['label'].split())}: {Effect(**c['effect']).verdict()}")
    lines.append("The full picture: reviewlens report, or the dashboard")
    title = (f"ReviewLens {'weekly' if rules.summary == 'weekly' else 'daily'} summary, "
             f"{key if rules.summary == 'weekly' else since}")
    return [Alert(key=f"summary:{key}", kind="summary", title=title, lines=lines, quotes=quotes,
                  period=(since, until), view=View.dated(since, until))]


def _products_to_look_at(store: Store, until: date) -> str:
    """The summary's line on the products (a chain's branches) `reviewlens scorecard` flags up to `until`: a rating
    below the rest's, or fallen over the last 90 days, unlikely to be chance; "" when none is, or there is one
    product."""
    from .scorecard import scorecard

    card = scorecard(store, "product", Filters.of(until=until))
    flagged = card.flagged()
    if not flagged:
        return ""
    def most(r: Any) -> str:  # what its reviews complain of most: the theme (what to fix), else the topic
        if r.theme and r.theme_share is not None:
            return f", most of all \"{' '.join(r.theme.split())}\" ({r.theme_share:.0f}%)"
        if r.complaint and r.complaint_share is not None:
            return f", most of all {queries.topic_label(r.complaint, card.labels).lower()} ({r.complaint_share:.0f}%)"
        return ""

    shown = "; ".join(f"{' '.join(r.name.split())}: {'; '.join(why)}{most(r)}" for r, why in flagged[:3])
    more = f"; {len(flagged) - 3} more" if len(flagged) > 3 else ""
    return f"Products to look at (of {card.groups}; reviewlens scorecard): {shown}{more}."


def find_alerts(store: Store, rules: AlertSettings, now: datetime | None = None,
                record: bool = True) -> list[Alert]:
    """Everything the rules find now (including what earlier checks raised: their keys say so).
    `record`: a first check records when alerts started (a dry run does not)."""
    now = now or datetime.now(timezone.utc)
    since = watch_start(store, now, record)
    out: list[Alert] = []
    if rules.scrape_problems:
        out += scrape_alerts(store, since)
    out += complaint_alerts(store, rules, since)
    out += request_alerts(store, rules, since)
    out += rating_alerts(store, rules)
    out += release_alerts(store, rules)
    out += change_alerts(store, rules)
    from . import integrity

    findings = integrity.current(store)  # the suspicious reviews: for the burst rule and the summary
    out += burst_alerts(store, rules, now, findings)
    out += competitor_alerts(store, rules)
    out += name_alerts(store, rules)
    if rules.low_rating or rules.keywords:
        out += review_alerts(store, rules, since, now)
    out += unanswered_alerts(store, rules, now)
    out += summary_alerts(store, rules, now, findings)
    if rules.dashboard_url:
        for a in out:
            a.link = view_url(rules.dashboard_url, a.view) if a.view else None
    return out


def _theme_view(scope: dict, until: date, label: str) -> View:
    """The explorer on a complaint theme's reviews, in the period its count is for."""
    try:
        since = date.fromisoformat(str(scope.get("since")))
    except ValueError:
        return View(page="Reviews", period="all", theme=label)
    return View.dated(since, until, page="Reviews", theme=label)
