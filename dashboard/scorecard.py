"""The Compare page's scorecard: every product (a chain's branches), source, language, version or value of a
field of yours in one table (reviewlens.scorecard), the ones that need a look first, above the side-by-side
comparison of the few picked. Names come from reviews and files: shown as table cells (never markup), and
escaped where they go into Markdown."""

from __future__ import annotations

import streamlit as st

from dashboard.format import MISSING
from dashboard.safe import escape_markdown
from reviewlens.comparison import P_MAX
from reviewlens.scorecard import MIN_RATED, MIN_STARS, STARS_SAID, Scorecard


def scorecard_view(card: Scorecard, plural: str, singular: str) -> None:
    """The table (sortable: click a column), what its change is of, and the groups flagged, with why: `plural` and
    `singular` name the groups ("products", "Product")."""
    if len(card.rows) < 2:
        return
    st.markdown(f"**All {len(card.rows):,} {plural} at a glance**" + (" (the ones to look at first at the top)"
                                                                      if card.sort == "attention" else ""))
    table = card.table()
    # rounded here as the CLI and the comparison below round them (62.5% is 62% there; the grid's own "%.0f" made it
    # 63% beside the comparison's 62% for the same reviews)
    table = table.astype({c: float for c in ("rating", "change", "negative", "complaint_share", "theme_share",
                                             "reply_rate", "all_rating")})
    table = table.round({"rating": 2, "change": 2, "negative": 0, "complaint_share": 0, "theme_share": 0,
                         "reply_rate": 0, "all_rating": 2})
    if not card.has_themes():  # before `reviewlens complaints` (or the Overview) computed them
        table = table.drop(columns=["theme", "theme_share"])
    if not card.has_stars():  # no ratings without words in these filters (or filters they know nothing of)
        table = table.drop(columns=["star_only", "all_rating"])
    table.insert(0, "look", table.pop("flag").map(lambda v: "!" if isinstance(v, str) and v else ""))
    if card.has_stars():  # the rating with them beside the rating (at the end they were off the page's right edge)
        table = table[["look", "name", "reviews", "rating", "all_rating", "star_only",
                       *(c for c in table.columns if c not in ("look", "name", "reviews", "rating", "all_rating",
                                                               "star_only"))]]
    st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 420), placeholder=MISSING,
                 column_config={
        "look": st.column_config.TextColumn("", width=20, help="needs a look: its rating is below the rest's, or "
                                            "fell (see below the table)"),
        "name": st.column_config.TextColumn(singular),
        "reviews": st.column_config.NumberColumn("Reviews", format="%d"),
        "rating": st.column_config.NumberColumn("Rating", format="%.2f★"),
        "change": st.column_config.NumberColumn(
            "Change", format="%+.2f★", help=card.change_header() + f"; groups with {MIN_RATED}+ ratings in each"),
        "negative": st.column_config.NumberColumn("% negative", format="%.0f%%", help="of the analyzed reviews"),
        "complaint": st.column_config.TextColumn("Top complaint", help="the topic most of its analyzed reviews "
                                                 "are negative about"),
        "complaint_share": st.column_config.NumberColumn("% raising it", format="%.0f%%"),
        "theme": st.column_config.TextColumn("Top theme", help="the complaint theme (the Overview's top "
                                             "complaints) most of its reviews are in"),
        "theme_share": st.column_config.NumberColumn("% in it", format="%.0f%%",
                                                     help="of its analyzed reviews"),
        "reply_rate": st.column_config.NumberColumn("Replied", format="%.0f%%", help="reviews with an owner's reply"),
        "newest": st.column_config.DateColumn("Newest review", format="YYYY-MM-DD"),
        "star_only": st.column_config.NumberColumn("Star-only", format="%d", help="ratings without words (Google's "
                                                   "star-only reviews): kept apart, as nothing in them can be read"),
        "all_rating": st.column_config.NumberColumn("With star-only", format="%.2f★", help="the average rating "
                                                    "with the ratings without words, as the site counts it"),
    })
    if card.recent and card.before:
        st.caption(f"Change: the average rating of {card.recent[0]} to {card.recent[1]} against {card.before[0]} to "
                   f"{card.before[1]}{card.theme_said() if card.has_themes() else ''}"
                   f"{STARS_SAID if card.has_stars() else ''}. `reviewlens scorecard` prints this table.")
    flagged = card.flagged()
    for row, why in flagged:
        st.markdown(f"- **{escape_markdown(' '.join(row.name.split()))}**: {escape_markdown('; '.join(why))}")
    if not flagged and card.tests >= 2:
        st.caption(f"No rating below the rest's or fallen by {MIN_STARS:g}★ or more, unlikely to be chance (p ≤ "
                   f"{P_MAX:g} / {card.tested()}).")
