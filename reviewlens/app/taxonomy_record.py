"""The taxonomy a store's analyses were made with, kept in the store, and the check that stops an analysis
(or a label import) under another one.

The topics come from the settings (`[analysis] topics_preset` and `[[analysis.topics]]`), and the settings
from the current folder's reviewlens.toml (or `--config FILE`): a weekly `reviewlens --db shop.db analyze`
run from another folder would re-analyze a restaurant's store under the default `products` topics and throw
its taxonomy away. So each analysis records, in the checkpoint TAXONOMY, the preset, the topic names (the
user's own apart) and a fingerprint of them; an analysis whose settings give another set of topics stops
with a `TaxonomyMismatch` (a ConfigError: exit 2) that says which taxonomy the store has, which one these
settings give and where they come from, and how to go on (the folder with the config, `--config FILE`, or
`reviewlens analyze --retopic` to re-analyze under the new topics). Topics changed in the same settings file
the store's taxonomy came from are the user's own edit: recorded, not stopped (every review is read again
under them, as the analysis version names the topics); so are descriptions and examples changed under the
same topic names. So is the preset the last analysis said the reviews read like (`analysis.preset_fit`): setting
it is doing what that hint said.

A store written before this record has none: its current analyses' topics stand for it (an analysis whose
topics the new taxonomy does not have stops the same way), and the next analysis records it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from ..config import ConfigError, Settings
from ..store import Store

from ..queries import TAXONOMY  # the checkpoint that holds the taxonomy of the store's analyses


class TaxonomyMismatch(ConfigError):
    """These settings give other topics than the store's analyses were made with."""


def describe(settings: Settings) -> dict[str, Any]:
    """The taxonomy these settings give: preset, topic names, the user's own topics, a fingerprint of the
    names, the settings file they come from ("" for the built-in defaults), and the topics' display names
    (what the dashboard, the report and the replies call them: `queries.topic_labels`)."""
    from analysis.taxonomy import load_taxonomy, slugify

    tax = load_taxonomy(settings.analysis)
    preset = str(settings.analysis.topics_preset or "products").strip().lower()
    names = tax.names
    own = [t["name"] if isinstance(t, dict) else getattr(t, "name", str(t)) for t in settings.analysis.topics or []]
    return {"preset": preset, "topics": names, "own": [slugify(n) for n in own if n],
            "fingerprint": fingerprint(preset, names), "config": settings.config_file or "",
            "labels": {t.name: t.title for t in tax.topics}}


def fingerprint(preset: str, names: list[str]) -> str:
    """A short hash of the preset and the topic names (their order aside)."""
    return hashlib.sha256(json.dumps([preset, sorted(names)]).encode("utf-8")).hexdigest()[:12]


def recorded(store: Store) -> dict[str, Any] | None:
    """The taxonomy recorded for the store's analyses, or None (a store analyzed before it was recorded)."""
    return store.load_checkpoint(TAXONOMY)


def _stored_topics(store: Store) -> list[str]:
    """The topics the store's current analyses name (a store without a recorded taxonomy)."""
    import sqlalchemy as sa

    from ..store import review_topics

    with store.engine.connect() as c:
        return sorted(r[0] for r in c.execute(sa.select(review_topics.c.topic).distinct()))


def _where(d: dict[str, Any]) -> str:
    return (f"(from {d['config']})" if d.get("config") else
            "(the built-in defaults: no reviewlens.toml in this folder and no --config)")


def _words(d: dict[str, Any]) -> str:
    own = d.get("own") or []
    return (f"the {d['preset']!r} preset" + (f" plus your topics {', '.join(own)}" if own else "")
            + f" (topics: {', '.join(d['topics'])})")


def _preset_of(topics: list[str]) -> str:
    """`the 'restaurants' preset's topics` when a preset has them all, else `other topics`."""
    from analysis.taxonomy import PRESETS

    for name, preset in PRESETS.items():
        if topics and set(topics) <= {t.name for t in preset}:
            return f"the {name!r} preset's topics"
    return "other topics"


def check(store: Store, settings: Settings, *, what: str = "analyze") -> dict[str, Any]:
    """Stop (TaxonomyMismatch) when these settings give other topics than the store's analyses were made with;
    else the taxonomy these settings give (`describe`). `what`: the command, for the message."""
    new = describe(settings)
    old = recorded(store)
    how = (f"Run it from the folder whose reviewlens.toml set up this store, or give that file: "
           f"`reviewlens --config FILE --db {settings.db} {what}`"
           + ("; or, to re-analyze every review under the new topics (replacing the store's topics and "
              "themes), `reviewlens analyze --retopic`." if what == "analyze" else
              "; or re-analyze the store under the new topics first (`reviewlens analyze --retopic`)."))
    if old is not None:
        if old.get("fingerprint") == new["fingerprint"]:
            return new
        if old.get("config") == new["config"]:
            # the same settings file (or the defaults again, after an upgrade): the user changed the topics on
            # purpose, and every review is read again under them (the analysis version names the topics)
            return new
        if new["preset"] == _hinted_preset(store) and new["preset"] != old.get("preset"):
            # the preset the last analysis said these reviews read like: the user did what it said (a new
            # reviewlens.toml beside a store set up without one), and every review is read again under it
            return new
        raise TaxonomyMismatch(f"this store's reviews were analyzed with {_words(old)} {_where(old)}; these "
                               f"settings {_where(new)} give {_words(new)}. {how}")
    stored = _stored_topics(store)
    missing = [t for t in stored if t not in new["topics"]]
    if missing:
        raise TaxonomyMismatch(f"this store's reviews were analyzed with {_preset_of(stored)} ({', '.join(stored)}); "
                               f"these settings {_where(new)} give {_words(new)}, without "
                               f"{', '.join(missing)}. {how}")
    return new


def _hinted_preset(store: Store) -> str | None:
    """The topics preset the last analysis said the store's reviews read like (`queries.preset_hint`), or None."""
    from ..queries import PRESET_HINT

    state = store.load_checkpoint(PRESET_HINT) or {}
    hint = state.get("hint")
    if not hint:
        return None
    said = re.search(r'topics_preset = "(\w+)"', hint)  # a hint saved before the preset was saved with it
    return state.get("preset") or (said.group(1) if said else None)


def record(store: Store, taxonomy: dict[str, Any]) -> None:
    """Record `taxonomy` (`describe`) as the one the store's analyses are made with."""
    if not store.read_only and recorded(store) != taxonomy:
        store.save_checkpoint(TAXONOMY, taxonomy)
