"""Measure the changes the user recorded (`reviewlens changes`): what the reviews said before and since.

For each change: the days since it and as many days before (reviewlens.changes.windows), the two periods
compared as `compare --by period` compares them (rating, share negative, topics), and the complaint themes
of both periods together (analysis.complaints over the reviews of both, so a complaint that only appeared
after the change is found too) counted on each side. The effect is stored with the change, for the
dashboard and the report.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Sequence

import pandas as pd

from .. import queries
from ..changes import Effect, named_shift, theme_shifts, windows
from ..comparison import compare, two_proportion_p
from ..filters import Filters
from ..schema import ComplaintTheme
from ..store import Store

log = logging.getLogger(__name__)

BEFORE, SINCE = "the days before", "the days since"


def _negatives(h: queries.Headline) -> int:
    return round((h.share_negative or 0.0) * h.analyzed / 100)


def measure_change(store: Store, change: dict, *, days: int = 90, backend: Any = None, taxonomy: Any = None,
                   sharp: bool = True) -> Effect | None:
    """The effect of one change (a row of `Store.changes`); None when no review is dated on or after its
    day yet. `backend`, `taxonomy`, `sharp`: as for the top complaints (the themes found again keep the
    names the store's themes have)."""
    from analysis.complaints import CANDIDATES, find_complaints

    products = [change["product"]] if change.get("product") else None
    fields = tuple(change.get("fields") or ())  # a segment of the user's own fields
    span = windows(change["day"], queries.date_span(store, products, fields)[1], days)
    if span is None:
        return None
    before_since, before_until, after_since, after_until = span
    cmp = compare(store, "period", Filters.of(since=after_since, until=after_until, products=products, fields=fields))
    since_g, before_g = cmp.groups
    since_g.name, before_g.name = SINCE, BEFORE
    before = store.reviews_frame(since=before_since, until=before_until, products=products, fields=fields)
    after = store.reviews_frame(since=after_since, until=after_until, products=products, fields=fields)
    shifts, note = [], ""
    if len(before) and len(after):
        before_ids, after_ids = set(before["id"].astype(str)), set(after["id"].astype(str))
        known = queries.latest_complaints(store, "complaints", products, fields)[0]
        if products or fields:
            known += queries.latest_complaints(store)[0]
        themes = find_complaints(pd.concat([before, after], ignore_index=True), None, top=CANDIDATES,
                                 backend=backend, taxonomy=taxonomy, sharp=sharp, known=known,
                                 merges=store.theme_merges(), splits=store.theme_splits())
        if change.get("theme") and change.get("theme_reviews"):  # the theme named, found by its reviews then
            themes, note = _found_again(themes, change["theme"], change["theme_reviews"], before_ids | after_ids)
        rows = []
        for t in themes:
            ids = set(map(str, t.review_ids))
            b, a = ids & before_ids, ids & after_ids
            larger = a if len(a) / max(len(after), 1) > len(b) / max(len(before), 1) else b
            q = next((q for q in t.quotes if str(q.review_id) in larger), t.quotes[0] if t.quotes else None)
            rows.append((t.label, b, a, q.text if q else "", str(q.review_id) if q else ""))
        shifts = theme_shifts(rows, len(before), len(after))
    hs, hb = since_g.headline, before_g.headline
    effect = Effect(
        before_since=before_since.isoformat(), before_until=before_until.isoformat(),
        after_since=after_since.isoformat(), after_until=after_until.isoformat(),
        before_reviews=int(len(before)), after_reviews=int(len(after)),
        before_rating=before_g.rating.mean if before_g.rating.n else None,
        after_rating=since_g.rating.mean if since_g.rating.n else None,
        rating_p=since_g.rating.welch_p(before_g.rating),
        before_negative=hb.share_negative, after_negative=hs.share_negative,
        negative_p=two_proportion_p(_negatives(hs), hs.analyzed, _negatives(hb), hb.analyzed),
        themes=shifts, topic_gaps=[g.text() for g in cmp.gaps() if g.what not in ("rating", "suspicious")],
        theme=change.get("theme"), named=named_shift(shifts, change.get("theme")), theme_note=note)
    log.info("change %s (%s): %d reviews before, %d since; %d themes", change.get("id"), change["day"],
             effect.before_reviews, effect.after_reviews, len(shifts))
    return effect


def _found_again(themes: list[ComplaintTheme], name: str, kept: Sequence[str],
                 scope: set[str]) -> tuple[list[ComplaintTheme], str]:
    """The themes of the change's two periods with the one the change named found again by the reviews it kept
    (`kept`: the theme's reviews when the change was recorded; `scope`: the ids of the two periods' reviews),
    under its name; and, when it is not found, why (Effect.theme_note).

    The kept reviews are those of the theme's period and segment then (the store's top complaints, often of
    every product and of the last 90 days): only those in `scope` count, and they cover one side at most, so
    the theme is the themes now holding them, each a share of it that the larger-share rule of
    `match_known` cannot see. The theme holding most of them, and those of its topic that each hold a quarter
    of them (at least two), are made one, with any theme found again under the same name, when together they
    hold at least half: its reviews before and since give the verdict."""
    mine = set(map(str, kept)) & scope
    want = " ".join(name.split()).casefold()
    if not mine:
        return themes, (f"none of the {len(kept)} reviews that raised it when the change was recorded is among "
                        f"the reviews of these two periods")
    held = [set(map(str, t.review_ids)) & mine for t in themes]
    most = max(range(len(themes)), key=lambda i: (len(held[i]), len(themes[i].review_ids)), default=None)
    topic = themes[most].topic if most is not None and held[most] else None
    parts = {i for i, h in enumerate(held) if len(h) * 4 >= len(mine) and len(h) >= min(2, len(mine))
             and (i == most or themes[i].topic == topic)}
    covered = set().union(*(held[i] for i in parts))
    parts |= {i for i, t in enumerate(themes) if " ".join(t.label.split()).casefold() == want}
    if len(covered) * 2 < len(mine):
        return themes, (f"{len(mine)} of its reviews then are in these two periods, but "
                        f"{'only ' + str(len(covered)) if covered else 'none'} of them raise one complaint "
                        f"theme of these periods")
    ordered = sorted(parts)
    first = themes[ordered[0]]
    ids = list(dict.fromkeys(str(r) for i in ordered for r in themes[i].review_ids))
    quotes = [q for i in ordered for q in themes[i].quotes]
    one = replace(first, label=name, review_ids=ids, count=len(ids), quotes=quotes)
    return [one if i == ordered[0] else t for i, t in enumerate(themes) if i not in parts or i == ordered[0]], ""


def outgrown(store: Store, change: dict, days: int = 90) -> bool:
    """Whether the change's stored effect is out of date: never measured, its windows have grown (newer
    reviews), or the reviews in them are not the ones counted (an import of older reviews, a deletion)."""
    e = change.get("effect")
    if not e:
        return True
    products = [change["product"]] if change.get("product") else None
    fields = tuple(change.get("fields") or ())
    span = windows(change["day"], queries.date_span(store, products, fields)[1], days)
    if span is None or [d.isoformat() for d in span] != [e["before_since"], e["before_until"], e["after_since"],
                                                         e["after_until"]]:
        return True
    count = [queries.headline(store, Filters.of(since=a, until=b, products=products, fields=fields),
                              previous=False).reviews
             for a, b in (span[:2], span[2:])]
    return count != [e["before_reviews"], e["after_reviews"]]


def measure_changes(store: Store, ids: list[int] | None = None, *, stale: bool = False,
                    **kw: Any) -> list[tuple[dict, Effect | None]]:
    """Measure the changes `ids` (default: all; `stale`: only those `outgrown`) and store each effect;
    (change, effect) pairs."""
    out = []
    for change in store.changes():
        if ids and change["id"] not in ids:
            continue
        if stale and not outgrown(store, change, kw.get("days", 90)):
            continue
        effect = measure_change(store, change, **kw)
        if effect is not None:
            store.save_change_effect(change["id"], effect.as_dict())
        out.append((change, effect))
    return out
