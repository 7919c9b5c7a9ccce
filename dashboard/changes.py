"""The dashboard's "Changes you made" view (Compare page): record a change, read what it did.

A change (a fix, a release, a new courier) is stored here; its effect (reviewlens.changes: the days since
against as many days before) needs the complaint finder, so the background analyzer of `reviewlens
dashboard` measures it when asked (as `reviewlens changes measure` does), and this view reads the stored
effect. Everything from reviews or the user is escaped; quotes are the reviews' own sentences.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard.format import fmt_num
from dashboard.safe import escape_html, escape_markdown
from dashboard.waiting import rerun_when_done, start_watching
from reviewlens import queries as Q
from reviewlens.analysis_queue import analyzer_alive, analyzer_state, open_request, request_analysis
from reviewlens.changes import Effect, stored_theme
from reviewlens.filters import field_filter
from reviewlens.store import Store, StoreReadOnly

ALL_PRODUCTS = "All products"
CHANGES_SEEN = "_changes_seen"  # the background analyzer's last finish this view saw (dashboard.waiting)
NO_THEME = "(none: watch the rating and every complaint)"


def _measuring(store: Store) -> bool:
    state, asked = analyzer_state(store), open_request(store)
    return analyzer_alive(state) and (bool(asked and asked.get("changes"))
                                      or (state.get("state") == "running" and bool(state.get("changes"))))


def _record(store: Store, key: str) -> None:
    """The form's button: store the change, and ask the background analyzer to measure it."""
    s = st.session_state
    what = " ".join(str(s.get(f"{key}_what") or "").split())
    if not what:
        s["_change_msg"] = (False, "Say what changed (e.g. “Switched courier to DHL”).")
        return
    product = s.get(f"{key}_product")
    theme = s.get(f"{key}_theme")
    try:
        product = None if product in (None, ALL_PRODUCTS) else product
        fields = field_filter(list(s.get(f"{key}_fields") or []))  # "name=value" picks: a segment of their own
        found = None if theme in (None, NO_THEME) else stored_theme(store, theme, product, fields)
        store.add_change(s.get(f"{key}_day") or date.today(), what[:300], product,
                         found.label if found else None, found.review_ids if found else (), fields)
        alive = analyzer_alive(analyzer_state(store))
        if alive:
            request_analysis(store, f"measure the change {what!r}"[:200], changes=True)
    except StoreReadOnly as e:
        s["_change_msg"] = (False, f"Not recorded: {e}")
        return
    st.cache_data.clear()  # the charts' markers
    s[f"{key}_what"] = ""
    s["_change_msg"] = (True, f"Recorded “{what}”. " + (
        "Measuring what the reviews said before and since; this page refreshes when it is done." if alive else
        "`reviewlens changes measure` measures it (or start the dashboard with `reviewlens dashboard`, which "
        "measures it at once)."))


def _forget(store: Store, change_id: int, what: str) -> None:
    try:
        store.delete_change(change_id)
    except StoreReadOnly as e:
        st.session_state["_change_msg"] = (False, f"Not forgotten: {e}")
        return
    st.cache_data.clear()
    st.session_state["_change_msg"] = (True, f"Forgot “{what}”.")


def effect_table(e: Effect) -> pd.DataFrame:
    """Before and since, side by side: the period, reviews, rating, share negative, the named theme."""
    rows = {"Period": [f"{e.before_since} to {e.before_until}", f"{e.after_since} to {e.after_until}"],
            "Reviews": [f"{e.before_reviews:,}", f"{e.after_reviews:,}"],
            "Average rating": [fmt_num(e.before_rating, "{:.2f}★"), fmt_num(e.after_rating, "{:.2f}★")],
            "% negative": [fmt_num(e.before_negative, "{:.0f}%"), fmt_num(e.after_negative, "{:.0f}%")]}
    if e.named is not None:
        rows[f"{e.named.label}: % of reviews"] = [f"{e.named.before_share:.0f}%", f"{e.named.after_share:.0f}%"]
    return pd.DataFrame(rows, index=["Before", "Since"]).T


def _poll(store: Store) -> None:
    if _measuring(store):
        st.info("Measuring the changes in the background…")
    state = analyzer_state(store)
    rerun_when_done(state, CHANGES_SEEN)  # measured: show the new effects
    start_watching(state, CHANGES_SEEN)


def changes_view(store: Store, products: list[str], theme_labels: list[str],
                 fields: dict[str, list[str]] | None = None) -> None:
    """Record a change; each change recorded, newest first, with the verdict and the numbers on both sides
    (`fields`: the user's own fields a change may be made for, name -> values)."""
    st.caption("What did a fix, a release or a new courier do? Record the day it took effect; the reviews of the "
               "days since are compared with as many days before (at most 90): rating, share negative, and each "
               "complaint's share of the reviews. Name the complaint it was meant to fix and the verdict is "
               "about that one. The change also marks the Overview's charts.")
    msg = st.session_state.pop("_change_msg", None)
    if msg:
        (st.success if msg[0] else st.error)(escape_markdown(msg[1]))
    with st.form("change_form", clear_on_submit=False, border=True):
        left, mid, right = st.columns([1, 2, 2])
        left.date_input("Day it took effect", key="chg_day", value=date.today(), format="YYYY-MM-DD")
        mid.text_input("What changed", key="chg_what", max_chars=300, placeholder="Switched courier to DHL")
        right.selectbox("Meant to fix", [NO_THEME] + theme_labels, key="chg_theme")
        left, right = st.columns(2)
        left.selectbox("Product", [ALL_PRODUCTS] + products, key="chg_product")
        if fields:
            right.multiselect("Only reviews with (your own fields)", [f"{n}={v}" for n, vs in fields.items() for v in vs],
                              key="chg_fields", placeholder="All reviews",
                              help="A change made for a segment (a new courier in Germany: country=DE): only its "
                                   "reviews are compared.")
        st.form_submit_button("Record the change", on_click=_record, args=(store, "chg"))
    measuring = _measuring(store)
    if measuring or st.session_state.get(CHANGES_SEEN) is not None:
        st.fragment(_poll, run_every=2.0 if measuring else None)(store)
    changes = store.changes()
    if not changes:
        st.info("No change recorded yet.")
        return
    for c in reversed(changes):
        what = " ".join(str(c["label"]).split())
        e = Effect(**c["effect"]) if c["effect"] else None
        head = (f"{c['day']} · {what}" + (f" · {c['product']}" if c["product"] else "")
                + "".join(f" · {n}: {', '.join(v)}" for n, v in c["fields"]))
        with st.expander(escape_markdown(head), expanded=c is changes[-1]):
            if c["theme"]:
                st.caption(f"Meant to fix: {escape_html(c['theme'])}")
            if e is None:
                newest = Q.date_span(store, [c["product"]] if c["product"] else None, c["fields"])[1]
                st.info(f"Not measured yet: no review is dated on or after {c['day']} (the newest is from {newest}); "
                        "it is measured when reviews since come in." if newest is None or newest < c["day"] else
                        "Not measured yet: the measurement waits (`reviewlens changes measure`, or "
                        "`reviewlens dashboard` running).")
            else:
                (st.success if e.named is not None and e.named.points < 0 and e.named.p <= 0.05 and not e.too_early
                 else st.warning if e.named is not None and e.named.points > 0 and e.named.p <= 0.05
                 else st.info)(escape_markdown(e.verdict()))
                st.table(effect_table(e))
                moved = [] if e.too_early else e.moved
                if moved:
                    st.markdown("**Other complaints that moved** (unlikely to be chance)")
                    html = []
                    for t in moved[:5]:
                        html.append(f"<p>{escape_html(t.text())}</p>")
                        if t.quote:
                            html.append(f'<div class="rl-quote">“{escape_html(t.quote)}”</div>')
                    st.markdown("\n".join(html), unsafe_allow_html=True)
                if e.topic_gaps and not e.too_early:
                    st.markdown("**Topics that moved**")
                    for g in e.topic_gaps[:5]:
                        st.markdown(f"- {escape_markdown(g)}")
                if c["measured_at"] is not None:
                    st.caption(f"Measured {escape_html(str(c['measured_at'])[:16])} UTC.")
            st.button("Forget this change", key=f"chg_forget_{c['id']}", on_click=_forget,
                      args=(store, c["id"], what))


def change_marks(changes: list[dict], products: tuple[str, ...]) -> pd.DataFrame:
    """The changes to mark on the charts of reviews filtered to `products` (all: every change): day, label."""
    rows = [{"day": pd.Timestamp(c["day"]), "change": " ".join(str(c["label"]).split())[:80]}
            for c in changes if not products or c["product"] is None or c["product"] in products]
    return pd.DataFrame(rows, columns=["day", "change"])

