"""What a change did: the reviews before a change the user made against the reviews after it.

The top complaints say what to fix first; after the fix ("switched courier on 15 November") the next
question is whether it worked. A change has a day, a description, optionally a product and the complaint
theme it was meant to fix. Its effect compares the days since it (up to `days`, or the newest review)
with as many days before it: reviews, average rating (Welch's t-test), share negative, the topics whose
complaint or praise share moved (reviewlens.comparison, corrected for the number of comparisons), and
each complaint theme's share of the reviews on either side (two-proportion z-test).

The theme the user named was chosen before looking, so its own test is not corrected; the other themes
are a family, as in `compare` (p <= 0.05 divided by how many were tested). Finding the themes needs the
analysis (reviewlens.app.change_effects does it and passes them in as review ids per side); this module
only counts, tests and words the result. Descriptions are the user's; quotes are verbatim from reviews.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Sequence

from . import queries
from .comparison import P_MAX, p_text, two_proportion_p
from .display_text import neutralize
from .schema import ComplaintTheme
from .store import Store

#: fewer reviews than this on either side: too early to tell
MIN_REVIEWS = 10


def stored_themes(store: Store, product: str | None = None, fields: Any = ()) -> list[ComplaintTheme]:
    """The stored top complaints a change may name: the segment's own themes (`product`, the user's `fields`),
    then the product's, then the store's (one name may come more than once)."""
    products = [product] if product else None
    return ((queries.latest_complaints(store, "complaints", products, fields)[0] if fields else [])
            + (queries.latest_complaints(store, "complaints", products)[0] if product else [])
            + queries.latest_complaints(store)[0])


def stored_theme(store: Store, theme: str, product: str | None = None, fields: Any = ()) -> ComplaintTheme | None:
    """The stored top complaint called `theme` (case and spacing aside), the segment's first (`stored_themes`);
    None when there is none. A change records its name and reviews, to find it again."""
    want = " ".join(theme.split()).casefold()
    return next((t for t in stored_themes(store, product, fields) if " ".join(t.label.split()).casefold() == want),
                None)


def windows(day: date, newest: date | None, days: int = 90) -> tuple[date, date, date, date] | None:
    """(before since, before until, after since, after until): from `day` to the newest review (at most
    `days` days), and as many days just before `day`. None when no review is dated on or after `day`."""
    if newest is None or newest < day:
        return None
    after_until = min(newest, day + timedelta(days=max(days, 1) - 1))
    n = (after_until - day).days + 1
    return day - timedelta(days=n), day - timedelta(days=1), day, after_until


@dataclass
class ThemeShift:
    """One complaint theme on both sides of a change."""

    label: str
    before: int          # reviews raising it before the change
    after: int           # ... and since
    before_share: float  # percent of the reviews of that side
    after_share: float
    p: float
    quote: str = ""      # a verbatim statement of it, from the side it is larger on
    quote_review: str = ""

    @property
    def points(self) -> float:
        return self.after_share - self.before_share

    def text(self) -> str:
        points = f"{self.points:+.0f}" if abs(self.points) >= 1 else f"{self.points:+.1f}"  # not "-0"
        return (f"{self.label}: {self.before_share:.0f}% of reviews before, {self.after_share:.0f}% since "
                f"({points} points; {p_text(self.p)})")


@dataclass
class Effect:
    """What the reviews said before and after a change."""

    before_since: str
    before_until: str
    after_since: str
    after_until: str
    before_reviews: int
    after_reviews: int
    before_rating: float | None = None
    after_rating: float | None = None
    rating_p: float = 1.0
    before_negative: float | None = None  # percent of analyzed reviews
    after_negative: float | None = None
    negative_p: float = 1.0
    themes: list[ThemeShift] = field(default_factory=list)
    topic_gaps: list[str] = field(default_factory=list)  # reviewlens.comparison.Gap.text(), A = since the change
    theme: str | None = None      # the theme the change was meant to fix, as the user named it
    named: ThemeShift | None = None  # that theme's shift, when it was found
    theme_note: str = ""          # why that theme was not found again, when it was not (from its reviews)

    def __post_init__(self) -> None:
        self.themes = [t if isinstance(t, ThemeShift) else ThemeShift(**t) for t in self.themes]
        if isinstance(self.named, dict):
            self.named = ThemeShift(**self.named)

    @property
    def too_early(self) -> bool:
        return min(self.before_reviews, self.after_reviews) < MIN_REVIEWS

    @property
    def moved(self) -> list[ThemeShift]:
        """The themes other than the named one whose share moved beyond chance (corrected for how many
        were tested), the largest move first."""
        others = [t for t in self.themes if self.named is None or t.label != self.named.label]
        bar = P_MAX / max(len(others), 1)
        return sorted([t for t in others if t.p <= bar], key=lambda t: -abs(t.points))

    def verdict(self) -> str:
        """One line: did it work? (for the named theme; else for the rating and the share negative)."""
        since = f"{_reviews(self.after_reviews)} since, {self.before_reviews} in as many days before"
        if not self.before_reviews:  # not "too early": waiting adds reviews since, never before
            return (f"Nothing to compare with: no review is dated in the days before the change ({self.before_since} "
                    f"to {self.before_until})" + (f"; {_reviews(self.after_reviews)} since." if self.after_reviews else
                                                  f", nor since ({self.after_since} to {self.after_until})."))
        if self.too_early:
            return f"Too early to tell: {since} (at least {MIN_REVIEWS} on each side are needed)."
        if self.theme and self.named is None:
            why = neutralize(self.theme_note) if self.theme_note else \
                "no complaint theme of these two periods is it (no two reviews raise it)"
            return (f"No verdict on {neutralize(self.theme)!r}: {why}; it cannot be counted before and since "
                    f"({since}).")
        if self.named is not None:
            t = self.named
            if t.p <= P_MAX:
                word = "Fewer" if t.points < 0 else "More"
                return (f"{word} reviews raise {t.label!r} since the change: {t.before_share:.0f}% before, "
                        f"{t.after_share:.0f}% since ({p_text(t.p)}; {since}).")
            return (f"No clear change in {t.label!r} yet: {t.before_share:.0f}% before, {t.after_share:.0f}% "
                    f"since ({p_text(t.p)}, could be chance; {since}).")
        if self.before_rating is not None and self.after_rating is not None and self.rating_p <= P_MAX:
            word = "higher" if self.after_rating > self.before_rating else "lower"
            return (f"Rated {word} since the change: {self.before_rating:.2f}★ before, {self.after_rating:.2f}★ "
                    f"since ({p_text(self.rating_p)}; {since}).")
        if self.before_negative is not None and self.after_negative is not None and self.negative_p <= P_MAX:
            word = "More" if self.after_negative > self.before_negative else "Fewer"
            return (f"{word} reviews are negative since the change: {self.before_negative:.0f}% before, "
                    f"{self.after_negative:.0f}% since ({p_text(self.negative_p)}; {since}).")
        return f"No clear change in the rating or the complaints yet ({since})."

    def lines(self) -> list[str]:
        """The effect as text lines for a terminal or an alert (the verdict first)."""
        out = [self.verdict(),
               f"  before: {self.before_since} to {self.before_until}, {_reviews(self.before_reviews)}"
               + _rating_neg(self.before_rating, self.before_negative),
               f"  since:  {self.after_since} to {self.after_until}, {_reviews(self.after_reviews)}"
               + _rating_neg(self.after_rating, self.after_negative)]
        if self.named is not None:
            out.append(f"  {self.named.text()}")
        if self.too_early:
            return out
        moved = self.moved
        if moved:
            out.append("  Other complaints that moved (unlikely to be chance):")
            out += [f"    {t.text()}" for t in moved[:5]]
        if self.topic_gaps:
            out.append("  Topics that moved:")
            out += [f"    {g}" for g in self.topic_gaps[:5]]
        return out

    def as_dict(self) -> dict:
        return asdict(self)


def _reviews(n: int) -> str:
    return f"{n} review" if n == 1 else f"{n} reviews"


def _rating_neg(rating: float | None, negative: float | None) -> str:
    parts = ([f"{rating:.2f}★"] if rating is not None else []) + \
        ([f"{negative:.0f}% negative"] if negative is not None else [])
    return f" ({', '.join(parts)})" if parts else ""


def theme_shifts(themes: Sequence[tuple[str, set[str], set[str], str, str]], before_reviews: int,
                 after_reviews: int) -> list[ThemeShift]:
    """`themes`: (label, review ids raising it before, ids since, a verbatim statement, its review id) ->
    each theme's shift, the largest move first."""
    out = []
    for label, before_ids, after_ids, quote, review_id in themes:
        b, a = len(before_ids), len(after_ids)
        out.append(ThemeShift(label=label, before=b, after=a,
                              before_share=100.0 * b / before_reviews if before_reviews else 0.0,
                              after_share=100.0 * a / after_reviews if after_reviews else 0.0,
                              p=two_proportion_p(b, before_reviews, a, after_reviews), quote=quote,
                              quote_review=review_id))
    return sorted(out, key=lambda t: (-abs(t.points), t.label))


def named_shift(shifts: Sequence[ThemeShift], theme: str | None) -> ThemeShift | None:
    """The shift of the theme the user named (its name, case and spacing aside)."""
    if not theme:
        return None
    want = " ".join(theme.split()).casefold()
    return next((t for t in shifts if " ".join(t.label.split()).casefold() == want), None)
