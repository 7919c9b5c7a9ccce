"""The Overview's note on the reviews that look suspicious (reviewlens.integrity), and the explorer's mark
on one of them.

The note says how many of the filtered reviews look suspicious and what the average rating is without
them, offers to leave them out (the sidebar's "Suspicious reviews" box, kept in the page's link), and
lists the findings with one of each finding's reviews quoted as written. Everything from reviews is escaped.
"""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from dashboard import link as L
from dashboard.safe import escape_html, escape_markdown
from reviewlens import queries as Q
from reviewlens.filters import Filters
from reviewlens.integrity import KINDS, Finding, Summary
from reviewlens.store import Store

SHOWN = 8  # findings listed, the largest first


def _leave_out() -> None:
    st.session_state["f_suspicious"] = L.SUSPICIOUS_NAMES[False]


def suspicious_note(store: Store, f: Filters, summary: Summary, findings: Sequence[Finding]) -> None:
    """Under the headline numbers: the suspicious reviews among those filtered (nothing when there are none)."""
    if f.suspicious is False:
        if summary.suspicious:
            st.caption(f"{summary.suspicious:,} suspicious reviews left out (sidebar: Suspicious reviews).")
        return
    if not summary.suspicious or f.suspicious:
        return
    box = st.container(border=True)
    left, right = box.columns([5, 1])
    left.markdown(f"⚠️ {escape_markdown(summary.line())}")
    right.button("Leave them out", on_click=_leave_out, key="leave_out_suspicious",
                 help="Leave the suspicious reviews out of every view (the sidebar's Suspicious reviews box).")
    with box.expander(f"What looks suspicious ({len(findings):,} finding{'s' if len(findings) != 1 else ''})"):
        shown = list(findings)[:SHOWN]
        ids = tuple({i for x in shown for i in x.review_ids[:1]})
        rows = {r.id: r for r in Q.review_page(store, Filters(review_ids=ids), page_size=max(1, len(ids)))[0]
                .itertuples()} if ids else {}
        parts = []
        for x in shown:
            r = rows.get(x.review_ids[0])
            quote = ""
            if r is not None:
                who = f" — {escape_html(r.author)}" if isinstance(r.author, str) and r.author else ""
                when = f", {escape_html(r.date)}" if r.date is not None and r.date == r.date else ""
                quote = f'<div class="rl-quote rl-suspicious">“{escape_html(r.text)}”<small>{who}{when}</small></div>'
            parts.append(f'<p data-testid="rl-suspicious-finding"><strong>{escape_html(KINDS[x.kind])}</strong>: '
                         f'{escape_html(x.title)}</p>{quote}')
        st.markdown("".join(parts), unsafe_allow_html=True)
        if len(findings) > SHOWN:
            st.caption(f"… and {len(findings) - SHOWN:,} more: `reviewlens suspicious --show {len(findings)}` "
                       "lists them all; the sidebar's Suspicious reviews: Only them shows their reviews.")
        st.caption("A reason to look twice, not proof of a fake: a copied text of ten words or more, a day with "
                   "far more five-star (or one-star) reviews than the product's usual, one reviewer reviewing a "
                   "product again within 30 days, or giving four or more products the same stars on one day.")


def flag_titles(findings: Sequence[Finding]) -> dict[str, list[str]]:
    """Review id -> the titles of the findings it is in (the explorer's mark)."""
    out: dict[str, list[str]] = {}
    for x in findings:
        for i in x.review_ids:
            out.setdefault(i, []).append(x.title)
    return out
