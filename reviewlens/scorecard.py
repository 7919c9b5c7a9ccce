"""The scorecard: every product (a chain's branches, a shop's catalogue), source, version or value of a field of
yours in one table, the ones that need a look first at the top.

`compare` sets up to eight groups side by side on every measure; a chain with 40 branches, or a shop with 300
products, first needs the other view: one row each, with its reviews, its average rating and how that moved
(its latest period against the one before), its share of negative reviews, the topic its reviews are most often
negative about, the complaint theme (the Overview's top complaints) most of them are in, and its reply rate. A
group is flagged when its rating is below the rest's, or fell, by at least MIN_STARS and unlikely to be chance
(Welch's t-test, P_MAX divided by the groups tested: 40 branches are 40 chances for one to look worse by luck).
Groups whose ratings are too few to say (under MIN_RATED) are listed last.

Grouped SQL, three queries whatever the number of groups (a `compare` of each would be four a group), and one a
thousand reviews of the complaint themes. Reads
only; the command line (`reviewlens scorecard`), the dashboard's Compare page and the report present it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from . import queries
from .comparison import P_MAX, field_of, p_text
from .display_text import neutralize
from .filters import Filters, language_name, version_key
from .store import Store, review_fields, review_topics, reviews
from .words import counted

BY = ("product", "source", "language", "version")
SORTS = ("attention", "rating", "reviews", "negative", "change", "name")
MIN_RATED = 10      # a group with fewer rated reviews (in a period: in each) is not ranked nor flagged by its rating
MIN_STARS = 0.2     # a rating below the rest's, or a fall, smaller than this is not flagged
RECENT_DAYS = 90    # the latest period when the filters give none: the last 90 days to the newest review


@dataclass
class Row:
    """One group of the scorecard."""

    name: str
    reviews: int
    rating: queries.RatingStats
    analyzed: int = 0
    negative: int = 0
    replied: int = 0
    newest: date | None = None
    recent: queries.RatingStats = field(default_factory=lambda: queries.RatingStats(0, 0.0, 0.0))
    before: queries.RatingStats = field(default_factory=lambda: queries.RatingStats(0, 0.0, 0.0))
    complaint: str | None = None   # the topic its analyzed reviews are most often negative about ("other" aside)
    complaint_reviews: int = 0
    theme: str | None = None       # the complaint theme (`reviewlens complaints`) most of its reviews are in
    theme_reviews: int = 0
    theme_base: int = 0            # its analyzed reviews of the themes' period: what the theme's share is of
    # its ratings without words (star-only reviews, kept apart): None where the filters select what they lack
    stars: queries.RatingStats | None = None
    below_p: float | None = None   # its rating below the rest's: how likely by chance (None: not tested)
    rest_rating: float | None = None
    fell_p: float | None = None    # its rating fell from the period before: how likely by chance
    # its rating with its star-only ratings below the rest's with theirs (a second look, for groups with them)
    all_below_p: float | None = None
    all_rest: float | None = None

    @property
    def all_ratings(self) -> queries.RatingStats:
        """Its rated reviews and its ratings without words together (its rating as the site counts it)."""
        return self.rating.with_stars(self.stars)

    @property
    def avg_rating(self) -> float | None:
        return self.rating.mean if self.rating.n else None

    @property
    def change(self) -> float | None:
        """The latest period's average rating less the one before's; None unless both have MIN_RATED ratings."""
        if self.recent.n < MIN_RATED or self.before.n < MIN_RATED:
            return None
        return self.recent.mean - self.before.mean

    @property
    def share_negative(self) -> float | None:
        return 100.0 * self.negative / self.analyzed if self.analyzed else None

    @property
    def complaint_share(self) -> float | None:
        return 100.0 * self.complaint_reviews / self.analyzed if self.analyzed and self.complaint else None

    @property
    def all_rating(self) -> float | None:
        """Its average rating with its ratings without words (None without any of those)."""
        return self.all_ratings.mean if self.stars and self.stars.n else None

    @property
    def theme_share(self) -> float | None:
        return 100.0 * self.theme_reviews / self.theme_base if self.theme_base and self.theme else None

    @property
    def reply_rate(self) -> float | None:
        return 100.0 * self.replied / self.reviews if self.reviews else None

    def flags(self, tests: int) -> list[str]:
        """Why it needs a look: its rating below the rest's, or fallen, each by MIN_STARS or more and with
        p <= P_MAX / `tests` (the groups tested)."""
        out = []
        limit = P_MAX / max(tests, 1)
        if self.below_p is not None and self.below_p <= limit and self.rest_rating is not None \
                and self.rest_rating - self.rating.mean >= MIN_STARS:
            out.append(f"rating {self.rating.mean:.2f}★ against {self.rest_rating:.2f}★ for the rest "
                       f"({p_text(self.below_p)})")
        if self.fell_p is not None and self.fell_p <= limit and (self.change or 0) <= -MIN_STARS:
            out.append(f"rating fell {-(self.change or 0):.2f}★ to {self.recent.mean:.2f}★ ({p_text(self.fell_p)})")
        if not out and self.all_below_p is not None and self.all_below_p <= limit and self.all_rest is not None \
                and self.all_rest - self.all_ratings.mean >= MIN_STARS:  # its 1★ mostly without words
            out.append(f"rating with star-only {self.all_ratings.mean:.2f}★ against {self.all_rest:.2f}★ for the "
                       f"rest ({p_text(self.all_below_p)}; {self.all_ratings.n:,} ratings, {self.stars.n:,} of them "
                       "without words)")
        return out


@dataclass
class Scorecard:
    by: str
    rows: list[Row]
    recent: tuple[date, date] | None    # the latest period the change is of, and the one before it
    before: tuple[date, date] | None
    labels: dict[str, str] = field(default_factory=dict)  # the topics' display names (`queries.topic_labels`)
    sort: str = "attention"
    tests: int = 0       # the groups whose ratings were tested (MIN_RATED or more), shown or not: P_MAX's divisor
    groups: int = 0      # the groups there are (`rows` may be the first `top` of them)
    themes_of: tuple[str, str] | None = None  # the period the complaint themes were computed for (since, until)

    def tested(self, what: str = "group") -> str:
        """"8 groups tested": what P_MAX is divided by, in words."""
        return f"{counted(self.tests, what)} tested"

    def flagged(self) -> list[tuple[Row, list[str]]]:
        return [(r, why) for r in self.rows if (why := r.flags(self.tests))]

    def change_header(self) -> str:
        if not self.recent or not self.before:
            return "Rating change"
        return f"Rating change ({self.recent[0]} to {self.recent[1]} vs {self.before[0]} to {self.before[1]})"

    def table(self) -> pd.DataFrame:
        """One row per group, in the scorecard's order: the numbers (None where there is none)."""
        return pd.DataFrame([{
            "name": r.name, "reviews": r.reviews, "rating": r.avg_rating, "change": r.change,
            "negative": r.share_negative, "complaint": queries.topic_label(r.complaint, self.labels)
            if r.complaint else None, "complaint_share": r.complaint_share, "theme": r.theme,
            "theme_share": r.theme_share, "reply_rate": r.reply_rate, "newest": r.newest,
            "star_only": r.stars.n if r.stars else None, "all_rating": r.all_rating,
            "flag": "; ".join(r.flags(self.tests)) or None} for r in self.rows],
            columns=["name", "reviews", "rating", "change", "negative", "complaint", "complaint_share", "theme",
                     "theme_share", "reply_rate", "newest", "star_only", "all_rating", "flag"])

    def has_stars(self) -> bool:
        """Whether some group has ratings without words (star-only reviews) in the filters."""
        return any(r.stars and r.stars.n for r in self.rows)

    def theme_said(self, code: str = "`") -> str:
        """What the top theme is, and its share of: said beside the table."""
        said = THEME_SAID.replace("`", code)
        return said + (f" (its share: of the reviews of {self.themes_of[0]} to {self.themes_of[1]}, the period they "
                       "were found in)" if self.themes_of else "")

    def has_themes(self) -> bool:
        """Whether some group's reviews are in a complaint theme (none are before `reviewlens complaints` ran)."""
        return any(r.theme for r in self.rows)

    def formatted(self) -> pd.DataFrame:
        """`table` as text for a screen: 1,234 reviews, 3.85★, -0.31★, 42%, "Wait time (18%)", "!" flagged."""
        def num(v: Any, fmt: str) -> str:
            return "–" if v is None or pd.isna(v) else fmt.format(v)

        tests, themes, stars = self.tests, self.has_themes(), self.has_stars()
        return pd.DataFrame([{
            "": "!" if r.flags(tests) else "",
            _NAMES.get(self.by) or field_of(self.by) or self.by: neutralize(" ".join(r.name.split())),
            "Reviews": f"{r.reviews:,}", "Rating": num(r.avg_rating, "{:.2f}★"),
            "Change": num(r.change, "{:+.2f}★"), "% negative": num(r.share_negative, "{:.0f}%"),
            "Top complaint": f"{neutralize(queries.topic_label(r.complaint, self.labels))} ({r.complaint_share:.0f}%)"
            if r.complaint and r.complaint_share is not None else "–",
            **({"Top theme": f"{neutralize(' '.join(r.theme.split()))} ({r.theme_share:.0f}%)"
                if r.theme and r.theme_share is not None else "–"} if themes else {}),
            "Replied": num(r.reply_rate, "{:.0f}%"), "Newest": str(r.newest) if r.newest else "–",
            **({"With star-only": f"{r.all_rating:.2f}★ (+{r.stars.n:,})" if r.stars and r.stars.n
                and r.all_rating is not None else "–"} if stars else {})}
            for r in self.rows])

    def text(self, width: int | None = None) -> str:
        """The scorecard for a terminal: the table, what its columns are of, then the groups that need a look.
        `width`: the terminal's columns; a table wider leaves out columns (`NARROW_FIRST`, in turn) until it fits,
        and says which (a row wrapped over two lines reads as two rows)."""
        if not self.rows:
            return "No reviews in these filters."
        shown = self.formatted()
        table = shown.to_string(index=False)
        left: list[str] = []
        for col in NARROW_FIRST:
            if width is None or max(map(len, table.splitlines())) <= width:
                break
            if col in shown.columns and not (col == "Top complaint" and "Top theme" not in shown.columns):
                shown = shown.drop(columns=[col])
                left.append(col)
                table = shown.to_string(index=False)
        lines = [table, ""]
        if left:
            lines.append(f"Left out to fit {width} columns: {', '.join(left)} (--wide shows every column; --json has "
                         "them all).")
        if self.groups > len(self.rows):
            lines.append(f"The first {len(self.rows)} of {self.groups} (--top); all of them with --top 0.")
        if self.recent and self.before:
            lines.append(f"Change: the average rating of {self.recent[0]} to {self.recent[1]} against {self.before[0]} "
                         f"to {self.before[1]} (groups with {MIN_RATED}+ ratings in each). % negative and the top "
                         "complaint (the topic most of them are negative about) are of the analyzed reviews"
                         f"{self.theme_said() if self.has_themes() else ''}; Replied: reviews with an owner's "
                         f"reply{STARS_SAID if self.has_stars() else ''}.")
        flagged = self.flagged()
        if flagged:
            lines += ["", f"Needs a look (unlikely to be chance: p <= {P_MAX:g} / {self.tested()}):"]
            lines += [f"  ! {neutralize(' '.join(r.name.split()))}: {'; '.join(why)}" for r, why in flagged]
        else:
            lines += ["", f"No group's rating is below the rest's or fell by {MIN_STARS:g}★ or more, unlikely to be "
                          f"chance (p <= {P_MAX:g} / {self.tested()}, {MIN_RATED}+ ratings each)."]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        table = self.table()
        return {"by": self.by, "sort": self.sort,
                "recent": [str(d) for d in self.recent] if self.recent else None,
                "before": [str(d) for d in self.before] if self.before else None,
                "themes_of": list(self.themes_of) if self.themes_of else None,
                "groups": [{k: (None if v is None or (not isinstance(v, str) and pd.isna(v)) else
                                str(v) if isinstance(v, date) else v) for k, v in row.items()}
                           for row in table.to_dict("records")]}


#: The columns a scorecard too wide for its terminal leaves out, in turn: what is least often the reason to look
#: first (the top complaint's topic only where the top theme says what is wrong)
NARROW_FIRST = ("Newest", "Replied", "Top complaint", "% negative", "Change")

#: what the scorecard's "With star-only" is, said beside it
STARS_SAID = ("; with star-only: the average rating with the ratings without words (star-only reviews: kept apart, "
              "as nothing in them can be read), and how many those are")

#: what the scorecard's "Top theme" is, said beside it
THEME_SAID = ("; top theme: the complaint theme of `reviewlens complaints` (the Overview's top complaints) most "
              "of them are in")

_NAMES = {"product": "Product", "source": "Source", "language": "Language", "version": "Version"}


def _sort_key(sort: str, tests: int):
    def key(r: Row) -> tuple:
        few = r.rating.n < MIN_RATED  # a rating of a few reviews says little: such groups come last
        if sort == "reviews":
            return (-r.reviews, r.name)
        if sort == "name":
            return (r.name.lower(),)
        if sort == "negative":
            return (r.share_negative is None, -(r.share_negative or 0.0), r.name)
        if sort == "change":
            return (r.change is None, r.change or 0.0, r.name)
        rating = (few, r.avg_rating is None, r.avg_rating or 0.0, -r.reviews, r.name)
        return rating if sort == "rating" else (not r.flags(tests),) + rating
    return key


def _periods(store: Store, f: Filters, group: Any, src: Any, where: list) -> tuple[tuple[date, date], tuple[date, date]] | None:
    """The latest period (the filters', closed at the newest review; else the last RECENT_DAYS days to the newest
    review) and the one of the same length before it; None without dated reviews."""
    until = f.until
    if until is None:
        with store.engine.connect() as c:
            newest = c.execute(sa.select(sa.func.max(reviews.c.date)).select_from(src)
                               .where(group.is_not(None), *where)).scalar()
        until = queries.as_date(newest)
        if until is None:
            return None
    since = f.since or until - timedelta(days=RECENT_DAYS - 1)
    days = (until - since).days + 1
    return (since, until), (since - timedelta(days=days), since - timedelta(days=1))


def _stats(n: Any, mean: Any, squares: Any) -> queries.RatingStats:
    n = int(n or 0)
    if not n:
        return queries.RatingStats(0, 0.0, 0.0)
    mean = float(mean)
    return queries.RatingStats(n, mean, max(0.0, (float(squares) - n * mean ** 2) / (n - 1)) if n > 1 else 0.0)


def _source(by: str, f: Filters) -> tuple[Any, Any, Filters]:
    """(the group's column, what to select from, the filters) for grouping by `by`: a review's product, source or
    version; its detected language (the analysis's); a field of the user's (its value)."""
    a = queries.current_analysis()
    src = queries.reviews_with_analysis(a)
    own = field_of(by)
    if own:
        rf = review_fields.alias("sf")
        src = src.join(rf, sa.and_(rf.c.review_id == reviews.c.id, rf.c.name == own))
        return rf.c.value, src, a
    if by == "language":
        return a.c.language, src, a
    if by not in BY:
        raise ValueError(f"no scorecard by {by!r}: use one of {', '.join(BY)}, or field:NAME")
    return reviews.c[by], src, a


def scorecard(store: Store, by: str = "product", f: Filters = Filters(), sort: str = "attention",
              top: int | None = None) -> Scorecard:
    """The scorecard of every `by` group of the reviews matching `f` (`top`: the first so many, in `sort`'s
    order: "attention" (flagged first, then the lowest rating), "rating", "reviews", "negative", "change" (the
    largest fall first) or "name"). ValueError for an unknown `by` or `sort`."""
    if sort not in SORTS:
        raise ValueError(f"no sort {sort!r}: use one of {', '.join(SORTS)}")
    group, src, a = _source(by, f)
    where = queries.conditions(f, a)
    r, s = reviews.c.rating, a.c.sentiment
    with store.engine.connect() as c:
        base = c.execute(sa.select(
            group, sa.func.count(), sa.func.count(r), sa.func.avg(r), sa.func.sum(r * r), sa.func.count(s),
            sa.func.sum(sa.case((s == "negative", 1), else_=0)),
            sa.func.sum(sa.case((reviews.c.reply.is_not(None), 1), else_=0)), sa.func.max(reviews.c.date))
            .select_from(src).where(group.is_not(None), *where).group_by(group)).all()
    rows = {str(g): Row(name=str(g), reviews=int(n), rating=_stats(rated, mean, sq), analyzed=int(analyzed or 0),
                        negative=int(neg or 0), replied=int(replied or 0), newest=queries.as_date(newest))
            for g, n, rated, mean, sq, analyzed, neg, replied, newest in base}
    periods = _periods(store, f, group, src, where) if rows else None
    if periods:
        (r0, r1), (b0, b1) = periods
        wide = queries.conditions(replace(f, since=b0, until=r1), a)

        def window(lo: date, hi: date) -> list:
            inside = sa.and_(reviews.c.date >= lo, reviews.c.date <= hi)
            return [sa.func.count(sa.case((inside, r))), sa.func.avg(sa.case((inside, r))),
                    sa.func.sum(sa.case((inside, r * r)))]

        with store.engine.connect() as c:
            for g, *w in c.execute(sa.select(group, *window(r0, r1), *window(b0, b1)).select_from(src)
                                   .where(group.is_not(None), r.is_not(None), *wide).group_by(group)):
                if str(g) in rows:
                    rows[str(g)].recent, rows[str(g)].before = _stats(*w[:3]), _stats(*w[3:])
    _complaints(store, group, src, where, rows)
    themes_of = _themes(store, group, src, a, where, rows)
    _star_ratings(store, by, f, rows)
    _tests(list(rows.values()))
    tests = sum(max(x.rating.n, x.all_ratings.n) >= MIN_RATED for x in rows.values())
    ordered = sorted(rows.values(), key=_sort_key(sort, tests))
    if by == "language":
        for row in ordered:
            row.name = language_name(row.name)
    elif by == "version" and sort == "name":
        ordered.sort(key=lambda x: version_key(x.name))
    return Scorecard(by, ordered[:top] if top else ordered, *(periods or (None, None)),
                     labels=queries.topic_labels(store), sort=sort, tests=tests, groups=len(ordered),
                     themes_of=themes_of)


def _complaints(store: Store, group: Any, src: Any, where: list, rows: dict[str, Row]) -> None:
    """Each group's top complaint: the topic most of its analyzed reviews are negative about ("other" names
    nothing to fix), ties by the topic's name."""
    rt = review_topics
    texts = sa.select(group.label("g"), reviews.c.content_hash).select_from(src).where(group.is_not(None), *where)
    if store.dialect == "sqlite":
        texts = texts.limit(-1)  # not flattened: the join starts from the filtered reviews (as queries does)
    fr = texts.subquery("sfr")
    q = (sa.select(fr.c.g, rt.c.topic, sa.func.count()).select_from(fr.join(rt, rt.c.content_hash == fr.c.content_hash))
         .where(rt.c.sentiment == "negative", rt.c.topic != "other").group_by(fr.c.g, rt.c.topic))
    with store.engine.connect() as c:
        for g, topic, n in c.execute(q):
            row = rows.get(str(g))
            if row is not None and (int(n) > row.complaint_reviews
                                    or (int(n) == row.complaint_reviews and topic < (row.complaint or topic))):
                row.complaint, row.complaint_reviews = topic, int(n)


def _themes(store: Store, group: Any, src: Any, a: Any, where: list, rows: dict[str, Row]) -> tuple[str, str] | None:
    """Each group's top theme: the complaint theme (the latest computed for all products: the Overview's) most of
    its reviews are in, ties by the theme's rank, and its share of the group's analyzed reviews of the period the
    themes were found in (returned: (since, until), None when they were of all time). A theme names its reviews:
    one query a thousand of them, and one for the groups' reviews of the period."""
    themes, scope = queries.latest_complaints(store)
    if not themes:
        return None
    since, until = queries.as_date(scope.get("since")), queries.as_date(scope.get("until"))
    period = [reviews.c.date >= since] if since else []
    period += [reviews.c.date <= until] if until else []
    of: dict[str, list[int]] = {}  # review id -> the themes it is in
    for i, theme in enumerate(themes):
        for rid in dict.fromkeys(theme.review_ids):
            of.setdefault(rid, []).append(i)
    counts: Counter = Counter()
    ids = list(of)
    with store.engine.connect() as c:
        for k in range(0, len(ids), 1000):
            q = sa.select(group, reviews.c.id).select_from(src).where(
                group.is_not(None), reviews.c.id.in_(ids[k:k + 1000]), *where, *period)
            for g, rid in c.execute(q):
                counts.update((str(g), i) for i in of[rid])
    for (g, i), n in sorted(counts.items(), key=lambda x: x[0][1]):  # the higher-ranked theme first on a tie
        row = rows.get(g)
        if row is not None and n > row.theme_reviews:
            row.theme, row.theme_reviews = themes[i].label, n
    with store.engine.connect() as c:
        for g, n in c.execute(sa.select(group, sa.func.count(a.c.sentiment)).select_from(src)
                              .where(group.is_not(None), *where, *period).group_by(group)):
            if (row := rows.get(str(g))) is not None:
                row.theme_base = int(n)
    return (str(since), str(until)) if since and until else None


def _star_ratings(store: Store, by: str, f: Filters, rows: dict[str, Row]) -> None:
    """Each product's (source's, app version's) ratings without words, when the filters select only what those
    have: a period, products, sources, versions, a rating range (a star-only review has no topic, sentiment, words
    or fields of its own). A product with such ratings and no review with words in the filters is a row of its own
    (no reviews, its rating with star-only theirs alone): a branch whose customers only gave stars this month is not
    left off the table."""
    if by not in ("product", "source", "version"):
        return
    for g, stats in queries.star_ratings_by(store, by, f).items():
        row = rows.setdefault(g, Row(name=g, reviews=0, rating=_stats(0, None, None)))
        row.stars = stats


def _tests(rows: list[Row]) -> None:
    """Each group's rating against the pooled rest (Welch, one-sided: below) and its latest period against the
    one before (one-sided: fell), for groups with MIN_RATED ratings (in each period, for the fall)."""
    rated = [r for r in rows if r.rating.n >= MIN_RATED]
    for row in rated:
        rest = queries.RatingStats.pooled([o.rating for o in rows if o is not row and o.rating.n])
        if rest.n >= MIN_RATED:
            row.rest_rating = rest.mean
            row.below_p = rest.welch_p(row.rating, alternative="greater")
        if row.recent.n >= MIN_RATED and row.before.n >= MIN_RATED:
            row.fell_p = row.before.welch_p(row.recent, alternative="greater")
    # a second look where ratings without words are counted (`_star_ratings`): a group whose 1★ come mostly
    # without words (a crashing release, a branch whose oven broke) has few reviews to test, or none that say it
    if any(r.stars for r in rows):
        for row in (r for r in rows if r.stars and r.all_ratings.n >= MIN_RATED):
            rest = queries.RatingStats.pooled([o.all_ratings for o in rows if o is not row and o.all_ratings.n])
            if rest.n >= MIN_RATED:
                row.all_rest = rest.mean
                row.all_below_p = rest.welch_p(row.all_ratings, alternative="greater")
