"""Comparison: products, sources or two periods side by side, and where they differ most.

A manager's next question after "what do customers complain about?" is "is that us, or everyone?":
our kettle against the competitor's, this shop against that marketplace, this quarter against the
last. `compare` reads the same numbers for each group (reviews, average rating, share negative, and
for each topic the share of the group's reviews that complain about it, and that praise it), and `Comparison.gaps` names
the differences that matter: large enough (`min_points`) and unlikely to be chance, 0.05 family-wise over
the measures compared: a topic's complaint shares when all the groups' differ (a chi-square test, p <= 0.05
divided by the measures) and its worst and best group do too (a two-proportion z-test, p <= 0.05 divided by the
pairs of groups, since the extreme pair is picked after looking); the rating by Welch's t-test of its worst and
best group, p <= 0.05 divided by the pairs and the measures.

Reads only (through reviewlens.queries); the command line, the dashboard and the report present it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import pandas as pd
import sqlalchemy as sa

from . import queries
from .display_text import neutralize
from .filters import Filters, language_name, version_key
from .store import Store, review_fields, reviews

BY = ("product", "source", "language", "version", "period")
#: the filter each narrows
_FIELD = {"product": "products", "source": "sources", "language": "languages", "version": "versions"}
P_MAX = 0.05
MIN_POINTS = 5.0         # a complaint share gap smaller than this (percentage points) is not named
MIN_STARS = 0.2          # a rating gap smaller than this is not named
SUSPICIOUS = "suspicious"  # a Gap's `what` for the share of reviews that look suspicious (reviewlens.integrity)
SUSPICIOUS_ROW = "% suspicious"
WITHOUT_ROW = "Rating without suspicious"
STARS_ROW = "Star-only ratings"   # the group's ratings without words (star-only reviews, kept apart)
STAR_RATING = "rating with star-only"  # a Gap's `what` for the rating with them (`star_rating_gap`)
WITH_STARS_ROW = "Rating with star-only"
GROUPS = 5               # groups compared when none are named: the most reviewed (the newest versions)
MIN_GROUP = 10           # a group with fewer rated (analyzed) reviews takes no part in a rating (topic) difference
#: A group with a smaller share of its reviews analyzed takes no part in a complaint or praise difference: analyze
#: takes the newest reviews first, so the 99 analyzed of a product's 25,635 are its latest weeks, not a sample of it
#: ("47% complain about Performance, p < 0.001" was a finding about those weeks, read as one about the product).
MIN_COVERAGE = 0.8
ANALYZED_ROW = "Analyzed"  # the row that says how many of each group's reviews the analysis-based rows are of


@dataclass
class Group:
    """One side of a comparison: its name, its filters and its numbers."""

    name: str
    filters: Filters
    headline: queries.Headline
    rating: queries.RatingStats
    topics: dict[str, tuple[int, int]] = field(default_factory=dict)  # topic -> (reviews mentioning, negative)
    praised: dict[str, int] = field(default_factory=dict)  # topic -> reviews positive about it
    # the group's reviews that look suspicious (reviewlens.integrity, as last checked), and its average rating
    # without them (None: no rated review would be left)
    suspicious: int = 0
    rating_without: float | None = None
    # its ratings without words (star-only reviews, kept apart: `queries.star_stats`); None: it has none, or the
    # filters select what they have not
    stars: queries.RatingStats | None = None

    @property
    def all_ratings(self) -> queries.RatingStats:
        """Its rated reviews and its ratings without words together: its rating as the site counts it."""
        return self.rating.with_stars(self.stars)

    @property
    def suspicious_share(self) -> float | None:
        """Percent of the group's reviews that look suspicious."""
        return 100.0 * self.suspicious / self.headline.reviews if self.headline.reviews else None

    @property
    def coverage(self) -> float | None:
        """The share (0-1) of the group's reviews that are analyzed; None for a group without reviews."""
        return self.headline.analyzed / self.headline.reviews if self.headline.reviews else None

    @property
    def covered(self) -> bool:
        """Whether the group's analyzed reviews can speak for the group in a difference: MIN_GROUP of them at
        least, and MIN_COVERAGE of its reviews."""
        return self.headline.analyzed >= MIN_GROUP and (self.coverage or 0.0) >= MIN_COVERAGE

    def complaint_share(self, topic: str) -> float | None:
        """Percent of the group's analyzed reviews that are negative about `topic`."""
        if not self.headline.analyzed:
            return None
        return 100.0 * self.topics.get(topic, (0, 0))[1] / self.headline.analyzed

    def praise_share(self, topic: str) -> float | None:
        """Percent of the group's analyzed reviews that are positive about `topic`."""
        if not self.headline.analyzed:
            return None
        return 100.0 * self.praised.get(topic, 0) / self.headline.analyzed


@dataclass(frozen=True)
class Gap:
    """A difference worth reading: `worse` is the group it is worse for."""

    what: str                # a topic slug, "praise:<topic slug>" (`worse`: praised less), or "rating"
    label: str
    worse: str
    better: str
    worse_value: float       # percent complaining, or stars
    better_value: float
    p: float
    # the analyzed reviews of the worse and the better group a complaint or praise share is of (None: not one)
    worse_n: int | None = None
    better_n: int | None = None

    def _base(self, praise: bool = False) -> str:
        """"; of 40 and 38 analyzed reviews": what a complaint or praise share rests on, in the order the text names
        the groups (praise names the better one first)."""
        if self.worse_n is None or self.better_n is None:
            return ""
        first, second = (self.better_n, self.worse_n) if praise else (self.worse_n, self.better_n)
        return f"; of {first:,} and {second:,} analyzed reviews"

    @property
    def size(self) -> float:
        return abs(self.worse_value - self.better_value)

    def text(self) -> str:
        if self.what == "rating":
            return (f"Rating: {self.worse} {self.worse_value:.2f}★ vs {self.better} {self.better_value:.2f}★ "
                    f"({self.size:.2f}★ lower; {p_text(self.p)})")
        if self.what == STAR_RATING:
            return (f"Rating with star-only ratings: {self.worse} {self.worse_value:.2f}★ vs {self.better} "
                    f"{self.better_value:.2f}★ ({self.size:.2f}★ lower; {p_text(self.p)}; of {self.worse_n:,} and "
                    f"{self.better_n:,} ratings, those without words included)")
        if self.what == SUSPICIOUS:
            return (f"Suspicious reviews: {self.worse_value:.0f}% of {self.worse}'s reviews look suspicious vs "
                    f"{self.better_value:.0f}% of {self.better}'s ({self.size:.0f} points; {p_text(self.p)})")
        if self.what.startswith("praise:"):
            return (f"{self.label}: {self.better_value:.0f}% of reviews praise it for {self.better} vs "
                    f"{self.worse_value:.0f}% for {self.worse} ({self.size:.0f} points; {p_text(self.p)}"
                    f"{self._base(praise=True)})")
        return (f"{self.label}: {self.worse_value:.0f}% of reviews complain about it for {self.worse} vs "
                f"{self.better_value:.0f}% for {self.better} ({self.size:.0f} points; {p_text(self.p)}{self._base()})")


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p of a two-proportion z-test (pooled); 1.0 when it cannot be told."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = abs(k1 / n1 - k2 / n2) / se
    return math.erfc(z / math.sqrt(2))


@dataclass
class Comparison:
    by: str
    groups: list[Group]
    # the groups there were but not compared (only the `top` are, when none are named): (name, reviews), as
    # shown (a language's name), the largest (for versions: the newest) first
    left_out: list[tuple[str, int]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # the topics' display names (`queries.topic_labels`)

    def left_out_text(self) -> str:
        """"3 more languages are not compared: Dutch (nl) 3 reviews, ... (only the 5 with the most reviews are;
        name the ones to compare: --language nl)"; "" when none were left out."""
        if not self.left_out:
            return ""
        kinds = {"product": ("product", "products", "--product"), "source": ("source", "sources", "--source"),
                 "language": ("language", "languages", "--language"),
                 "version": ("version", "versions", "--app-version")}
        one, many, flag = kinds.get(self.by) or ("value", "values", f"--field {self.by[len('field:'):]}=VALUE")
        n = len(self.left_out)
        which = "newest" if self.by == "version" else "with the most reviews"
        listed = ", ".join(f"{neutralize(name)} {k} review{'s' * (k != 1)}" for name, k in self.left_out[:8])
        return (f"{n} more {one if n == 1 else many} {'is' if n == 1 else 'are'} not compared: {listed}"
                f"{', ...' if n > 8 else ''} (only the {len(self.groups)} {which} are; name the ones to compare "
                f"with {flag})")

    @property
    def topics(self) -> list[str]:
        """Topics any group mentions, the most mentioned first."""
        total: dict[str, int] = {}
        for g in self.groups:
            for t, (n, _) in g.topics.items():
                total[t] = total.get(t, 0) + n
        return sorted(total, key=lambda t: (-total[t], t))

    @property
    def praised_topics(self) -> list[str]:
        """Topics any group praises, in the order of `topics`."""
        return [t for t in self.topics if any(g.praised.get(t) for g in self.groups)]

    def table(self) -> pd.DataFrame:
        """One row per measure, one column per group: reviews, analyzed reviews (what % negative, net sentiment and
        the topic shares are of), average rating, % negative, net sentiment,
        (when any group has some) % suspicious and the rating without them, (when any group has some) its star-only
        ratings and its rating with them, then "<topic>: % complaining" for
        each topic, then "<topic>: % praising" for each topic praised."""
        rows: dict[str, dict[str, float | None]] = {}
        for g in self.groups:
            h = g.headline
            col = {"Reviews": float(h.reviews), ANALYZED_ROW: float(h.analyzed), "Average rating": h.avg_rating,
                   "% negative": h.share_negative,
                   "Net sentiment": h.net_sentiment}
            if any(x.suspicious for x in self.groups):
                col[SUSPICIOUS_ROW] = g.suspicious_share
                col[WITHOUT_ROW] = g.rating_without
            if any(x.stars for x in self.groups):
                col[STARS_ROW] = float(g.stars.n) if g.stars else 0.0
                col[WITH_STARS_ROW] = g.all_ratings.mean if g.stars else None
            for t in self.topics:
                col[f"{queries.topic_label(t, self.labels)}: % complaining"] = g.complaint_share(t)
            for t in self.praised_topics:
                col[f"{queries.topic_label(t, self.labels)}: % praising"] = g.praise_share(t)
            rows[g.name] = col
        return pd.DataFrame(rows)

    def text(self) -> str:
        """The comparison for a terminal: groups as columns A, B, ... with a legend, then the differences."""
        letters = [chr(ord("A") + i) for i in range(len(self.groups))]
        shown = self.formatted()
        shown.columns = letters
        lines = [f"{k} = {neutralize(' '.join(g.name.split()))}" for k, g in zip(letters, self.groups)]
        if self.left_out:
            lines.append(self.left_out_text())
        note = self.coverage_note(letters=True)
        if note:
            lines += ["", note]
        lines += ["", shown.to_string(), ""]
        gaps = self.gaps()
        if gaps:
            lines.append("Differences that matter (large, and unlikely to be chance):")
            lines += [f"  - {neutralize(g.text())}" for g in gaps]
        else:
            lines.append("No difference large enough and unlikely enough to be chance"
                         f" (at least {MIN_POINTS:g} points of complaints or praise, or {MIN_STARS:g}★; p <= {P_MAX:g} corrected).")
        return "\n".join(lines)

    def coverage_note(self, letters: bool = False) -> str:
        """What the analysis-based rows rest on, when not on all of each group's reviews: "" when every review is
        analyzed; a line saying they are of the analyzed reviews (the Analyzed row) when each group has
        MIN_COVERAGE of its reviews analyzed; else a warning naming the groups short of it, how many of their
        reviews are analyzed, and that no complaint or praise difference is named for them. `letters`: the groups
        named as `text`'s columns (A, B, ...)."""
        partial = [g for g in self.groups if g.headline.analyzed < g.headline.reviews]
        if not partial:
            return ""
        rows = "% negative, net sentiment and the topic shares are of each group's analyzed reviews (the Analyzed row)"
        short = [g for g in self.groups if g.headline.reviews and not g.covered]
        if not short:
            return rows + "."
        name = ({g.name: chr(ord("A") + i) for i, g in enumerate(self.groups)} if letters
                else {g.name: neutralize(" ".join(g.name.split())) for g in self.groups})
        listed = ", ".join(f"{name[g.name]} {g.headline.analyzed:,} of {g.headline.reviews:,}" for g in short[:8])
        return (f"Few reviews analyzed: {listed}{', ...' if len(short) > 8 else ''}. {rows}: the newest ones, analyzed "
                "first, not a sample of the group, so they may not hold for all its reviews. No complaint or praise "
                f"difference is named for a group with under {MIN_COVERAGE:.0%} of its reviews analyzed (or under "
                f"{MIN_GROUP}); the rating rows are of all rated reviews. Analyze the rest first: reviewlens analyze.")

    def formatted(self) -> pd.DataFrame:
        """`table` as text: 1,234 reviews, 3.85★, 42%, +12 (a missing number is "–")."""
        table = self.table()
        return pd.DataFrame([[format_cell(str(m), v) for v in row] for m, row in table.iterrows()],
                            index=table.index, columns=table.columns)

    def as_dict(self) -> dict:
        table = self.table()
        return {"by": self.by,
                "groups": [{"name": g.name, **{k: (None if pd.isna(v) else float(v)) for k, v in table[g.name].items()}}
                           for g in self.groups],
                "differences": [{"what": g.what, "worse": g.worse, "better": g.better, "worse_value": g.worse_value,
                                 "better_value": g.better_value, "p": g.p, "text": g.text()} for g in self.gaps()],
                "left_out": [{"name": name, "reviews": n} for name, n in self.left_out],
                "coverage_note": self.coverage_note()}

    def gaps(self, min_points: float = MIN_POINTS, min_stars: float = MIN_STARS) -> list[Gap]:
        """The differences between the best and the worst group on each topic and on rating that are at
        least `min_points` / `min_stars` and unlikely to be chance, P_MAX family-wise over the measures compared
        (the rating and each topic); largest first. Groups with fewer than MIN_GROUP reviews are shown in the
        table but take no part here, nor in the complaint and praise differences groups with fewer than
        MIN_COVERAGE of their reviews analyzed (`Group.covered`: their analyzed ones are the newest, not a sample).

        A topic's shares differ when the groups' shares together do (`shares_differ`: a chi-square test of all
        of them, P_MAX divided by the measures) and its worst and best group do (P_MAX divided by their pairs:
        the extreme pair is picked after looking). Counting every pair of every topic as a test of its own (90
        for five versions) hid Bugs at 14-20% in three versions against 50% in the two broken ones. The rating's
        worst and best group: Welch's t-test, P_MAX divided by their pairs and the measures."""
        groups = [g for g in self.groups if g.headline.analyzed or g.rating.n]
        if len(groups) < 2:
            return []
        rated = [g for g in groups if g.rating.n >= MIN_GROUP]
        analyzed = [g for g in groups if g.covered]
        topics = [t for t in self.topics if t != "other"] if len(analyzed) >= 2 else []  # "other" names nothing to fix
        measures = (len(rated) >= 2) + len(topics)
        out: list[Gap] = []
        if len(rated) >= 2:
            lo, hi = min(rated, key=lambda g: g.rating.mean), max(rated, key=lambda g: g.rating.mean)
            gap = Gap("rating", "Rating", lo.name, hi.name, lo.rating.mean, hi.rating.mean, lo.rating.welch_p(hi.rating))
            if gap.p <= P_MAX / (_pairs(rated) * measures) and gap.size >= min_stars:
                out.append(gap)
        out += _share_gaps(analyzed, topics, lambda g, t: g.topics.get(t, (0, 0))[1], measures, min_points,
                           labels=self.labels)
        # strengths: a topic one group is praised for more than another; a family of tests of its own (what is
        # found among the complaints does not change with it)
        praised = [t for t in self.praised_topics if t != "other"] if len(analyzed) >= 2 else []
        out += _share_gaps(analyzed, praised, lambda g, t: g.praised.get(t, 0), len(praised), min_points, praise=True,
                           labels=self.labels)
        # suspicious reviews: a test of its own (whether a rating can be trusted is not a complaint)
        counted = [g for g in groups if g.headline.reviews >= MIN_GROUP]
        if len(counted) >= 2 and any(g.suspicious for g in counted):
            hi = max(counted, key=lambda g: g.suspicious_share or 0.0)
            lo = min(counted, key=lambda g: g.suspicious_share or 0.0)
            p = two_proportion_p(hi.suspicious, hi.headline.reviews, lo.suspicious, lo.headline.reviews)
            gap = Gap(SUSPICIOUS, "Suspicious reviews", hi.name, lo.name, hi.suspicious_share or 0.0,
                      lo.suspicious_share or 0.0, p)
            if p <= P_MAX / (len(counted) * (len(counted) - 1) // 2) and gap.size >= min_points:
                out.append(gap)
        return sorted(out, key=lambda c: (c.what != "rating", c.what == SUSPICIOUS, c.what.startswith("praise:"),
                                          -c.size))


def _pairs(groups: Sequence[Group]) -> int:
    """How many pairs `groups` make: the worst and the best of them are the most extreme of these."""
    return len(groups) * (len(groups) - 1) // 2


def shares_differ(counts: Sequence[int], totals: Sequence[int]) -> float:
    """How likely groups with `counts` of `totals` reviews each (complaining about a topic, say) would differ this
    much by chance: Pearson's chi-square test of homogeneity (scipy; the two-proportion z-test for two groups).
    1.0 when no group has one, or every one does."""
    from scipy.stats import chi2_contingency

    if not any(counts) or all(k == n for k, n in zip(counts, totals)):
        return 1.0
    return float(chi2_contingency([[k, n - k] for k, n in zip(counts, totals)], correction=False).pvalue)


def _share_gaps(groups: list[Group], topics: Sequence[str], count: Callable[[Group, str], int], measures: int,
                min_points: float, praise: bool = False, labels: dict[str, str] | None = None) -> list[Gap]:
    """The topics whose share of reviews (`count(group, topic)` of each group's analyzed reviews) differs across
    `groups`, unlikely to be chance among `measures` measures (`Comparison.gaps`): the worst and the best group
    on each, named when all the shares differ and those two do too."""
    out = []
    for t in topics:
        shares = {g.name: 100.0 * count(g, t) / g.headline.analyzed for g in groups}
        hi, lo = max(groups, key=lambda g: shares[g.name]), min(groups, key=lambda g: shares[g.name])
        p = two_proportion_p(count(hi, t), hi.headline.analyzed, count(lo, t), lo.headline.analyzed)
        if shares[hi.name] - shares[lo.name] < min_points or p > P_MAX / _pairs(groups):
            continue
        if shares_differ([count(g, t) for g in groups], [g.headline.analyzed for g in groups]) > P_MAX / measures:
            continue
        worse, better = (lo, hi) if praise else (hi, lo)
        out.append(Gap(f"praise:{t}" if praise else t, queries.topic_label(t, labels), worse.name, better.name,
                       shares[worse.name], shares[better.name], p, worse.headline.analyzed, better.headline.analyzed))
    return out


def star_rating_gap(before: Group, new: Group, min_stars: float = MIN_STARS) -> Gap | None:
    """`new` rated lower than `before` counting their ratings without words (star-only reviews), as the site counts
    a rating: a broken release's 1★ come mostly without words, so its few reviews with words may say nothing yet.
    At least MIN_GROUP ratings each and `min_stars` lower, and unlikely to be chance (Welch's t-test, P_MAX / 2:
    a second look at the rating, beside the reviews' own)."""
    if not (before.stars or new.stars):
        return None
    a, b = before.all_ratings, new.all_ratings
    if a.n < MIN_GROUP or b.n < MIN_GROUP or a.mean - b.mean < min_stars:
        return None
    p = b.welch_p(a)
    return Gap(STAR_RATING, "Rating with star-only", new.name, before.name, b.mean, a.mean, p, b.n, a.n) \
        if p <= P_MAX / 2 else None


def format_cell(measure: str, v: float | None) -> str:
    """One number of `Comparison.table` as people read it: 1,234 reviews, 3.85★, 42%, +12."""
    if v is None or pd.isna(v):
        return "–"
    if measure in ("Reviews", ANALYZED_ROW, STARS_ROW):
        return f"{v:,.0f}"
    if measure in ("Average rating", WITHOUT_ROW, WITH_STARS_ROW):
        return f"{v:.2f}★"
    if measure == "Net sentiment":
        return f"{v:+.0f}"
    return f"{v:.0f}%"


FIELD_BY = "field:"  # compare by the values of one of the user's own fields: "field:country"


def field_of(by: str) -> str | None:
    """The user's field a comparison is by ("field:country" -> "country"), or None."""
    return by[len(FIELD_BY):] if by.startswith(FIELD_BY) and by[len(FIELD_BY):] else None


def with_field(f: Filters, name: str, value: str | None) -> Filters:
    """`f` with the user's field `name` set to `value` (None: not restricted)."""
    rest = tuple(p for p in f.fields if p[0] != name)
    return replace(f, fields=tuple(sorted(rest + (((name, (value,)),) if value is not None else ()))))


def group_names(store: Store, by: str, f: Filters, top: int = GROUPS) -> list[str]:
    """The `top` products, sources, languages (detected) or values of a field of the user's ("field:NAME")
    with the most reviews matching `f`; for versions, the `top` newest (oldest first, so a release reads
    against the one before it)."""
    return [name for name, _ in chosen_groups(group_counts(store, by, f), by, top)]


def chosen_groups(counts: list[tuple[str, int]], by: str, top: int) -> list[tuple[str, int]]:
    """The `top` of `group_counts` compared when none are named: the largest, or for versions the newest."""
    return counts[-top:] if by == "version" else counts[:top]


def group_counts(store: Store, by: str, f: Filters) -> list[tuple[str, int]]:
    """Every product, source, language (detected), version or value of the user's field ("field:NAME") of
    the reviews matching `f`, with how many reviews it has: the most first (ties by name); versions oldest
    first (a release reads against the one before it)."""
    field = field_of(by)
    if field:
        rf = review_fields.c
        src, where = queries.matching(with_field(f, field, None))
        q = (sa.select(rf.value, sa.func.count().label("n")).select_from(src.join(review_fields, sa.and_(
                rf.review_id == reviews.c.id, rf.name == field))).where(*where)
             .group_by(rf.value).order_by(sa.desc("n"), rf.value))
        with store.engine.connect() as c:
            return [(str(r[0]), int(r[1])) for r in c.execute(q)]
    f = replace(f, **{_FIELD[by]: ()})
    if by == "version":
        src, where = queries.matching(f)
        q = (sa.select(reviews.c.version, sa.func.count()).select_from(src)
             .where(reviews.c.version.is_not(None), *where).group_by(reviews.c.version))
        with store.engine.connect() as c:
            return sorted(((str(v), int(n)) for v, n in c.execute(q)), key=lambda p: version_key(p[0]))
    if by == "language":
        a = queries.current_analysis()
        col, src, where = a.c.language, queries.reviews_with_analysis(a), queries.conditions(f, a)
    else:
        col = {"product": reviews.c.product, "source": reviews.c.source}[by]
        src, where = queries.matching(f)
    q = (sa.select(col, sa.func.count().label("n")).select_from(src).where(col.is_not(None), *where)
         .group_by(col).order_by(sa.desc("n"), col))
    with store.engine.connect() as c:
        return [(str(r[0]), int(r[1])) for r in c.execute(q)]


def _group(store: Store, name: str, f: Filters) -> Group:
    topics: dict[str, tuple[int, int]] = {}
    praised: dict[str, int] = {}
    for r in queries.topics_by_sentiment(store, f).itertuples():
        n, neg = topics.get(r.topic, (0, 0))
        topics[r.topic] = (n + int(r.reviews), neg + (int(r.reviews) if r.sentiment == "negative" else 0))
        if r.sentiment == "positive":
            praised[r.topic] = praised.get(r.topic, 0) + int(r.reviews)
    rating = queries.RatingStats.pooled(list(queries.ratings_by_product(store, f).values()))
    n = rated = total = 0
    if f.suspicious is not False:  # (left out: none of the group's reviews is suspicious)
        src, where = queries.matching(replace(f, suspicious=True))
        with store.engine.connect() as c:
            n, rated, total = c.execute(sa.select(sa.func.count(), sa.func.count(reviews.c.rating),
                                                  sa.func.sum(reviews.c.rating)).select_from(src).where(*where)).one()
    left = rating.n - int(rated or 0)
    without = (rating.mean * rating.n - float(total or 0)) / left if left > 0 and rating.n else None
    return Group(name=name, filters=f, headline=queries.headline(store, f, previous=False), rating=rating,
                 topics=topics, praised=praised, suspicious=int(n or 0), rating_without=without,
                 stars=queries.star_stats(store, f))


def compare(store: Store, by: str, f: Filters = Filters(), names: Sequence[str] = (), top: int = 5) -> Comparison:
    """Compare the products or sources `names` (default: the `top` with most reviews) within `f`, or
    (`by="period"`) `f`'s period with the period of the same length before it (which needs `f.since`
    and `f.until`). ValueError for an unknown `by` or a period comparison without dates."""
    field = field_of(by)
    labels = queries.topic_labels(store)
    if by not in BY and not field:
        raise ValueError(f"cannot compare by {by!r}: use one of {', '.join(BY)}, or field:NAME")
    if by == "period":
        prev = f.previous_period()
        if prev is None:
            raise ValueError("comparing periods needs a period: give since and until")
        return Comparison(by, [_group(store, f"{f.since} to {f.until}", f),
                               _group(store, f"{prev.since} to {prev.until}", prev)], labels=labels)
    left_out: list[tuple[str, int]] = []
    names = list(dict.fromkeys(names))
    if not names:  # the largest (newest) `top`; the others are said, not silently dropped
        counts = group_counts(store, by, f)
        chosen = chosen_groups(counts, by, top)
        names = [n for n, _ in chosen]
        left_out = [p for p in counts if p not in chosen]
        if by == "version":
            left_out.reverse()  # the newest of them first
    shown = (lambda n: language_name(n)) if by == "language" else (lambda n: n)
    left_out = [(shown(n), k) for n, k in left_out]
    if field:
        return Comparison(by, [_group(store, n, with_field(f, field, n)) for n in names], left_out, labels)
    if by == "version":
        names.sort(key=version_key)  # each release beside the one before it
    return Comparison(by, [_group(store, shown(n), replace(f, **{_FIELD[by]: (n,)})) for n in names], left_out,
                      labels)
