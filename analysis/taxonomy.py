"""The topic taxonomy: the built-in product topics plus user-defined ones from the configuration.

A topic is a slug `name`, a one-line `description` (used in prompts and for embeddings) and a few
optional example phrases. Users add topics (or override a built-in one by using its name) with
`[analysis] topics = [{name = "...", description = "...", examples = ["..."]}]` in reviewlens.toml.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from reviewlens.config import AnalysisSettings, ConfigError

log = logging.getLogger(__name__)

DEFAULT_ENTITY_TYPES: tuple[str, ...] = ("PRODUCT", "ORG", "PERSON", "LOCATION")
OTHER = "other"

_SLUG_RE = re.compile(r"[^a-z0-9_]+")


@dataclass
class Topic:
    """One topic of the taxonomy."""

    name: str
    description: str
    examples: list[str] = field(default_factory=list)


@dataclass
class Taxonomy:
    """The topics reviews are classified into, and the entity types extracted from them."""

    topics: list[Topic]
    entity_types: list[str] = field(default_factory=lambda: list(DEFAULT_ENTITY_TYPES))

    @property
    def names(self) -> list[str]:
        """Topic names, in order."""
        return [t.name for t in self.topics]

    def get(self, name: str) -> Topic | None:
        """The topic called `name`, or None."""
        for t in self.topics:
            if t.name == name:
                return t
        return None


DEFAULT_TOPICS: tuple[Topic, ...] = (
    Topic("quality", "product quality, defects, build, materials, durability, things broken or faulty",
          ["It broke after two days.", "The material feels cheap.", "Very well made and sturdy."]),
    Topic("delivery", "delivery and shipping: speed, delays, tracking, courier, arriving late or damaged",
          ["The package arrived a week late.", "Fast shipping, got it in two days."]),
    Topic("price", "price and value for money: expensive, cheap, overpriced, worth it, discounts",
          ["Way too expensive for what you get.", "Great value for the money."]),
    Topic("customer_service", "customer service and support: staff, help, responsiveness, politeness",
          ["Support never answered my emails.", "The staff were friendly and helpful."]),
    Topic("usability", "ease of use: setup, instructions, interface, comfort, convenience",
          ["Setup was confusing and the manual is useless.", "Really easy to use."]),
    Topic("performance", "performance and reliability: speed, battery, works as expected, stops working, bugs",
          ["The battery dies in an hour.", "It keeps crashing.", "Works perfectly every time."]),
    Topic("size_fit", "size and fit: too small, too large, dimensions, fits well, runs small",
          ["The shoes run a size small.", "Fits perfectly."]),
    Topic("packaging", "packaging: box, wrapping, sealed, damaged packaging, excessive plastic",
          ["The box was crushed.", "Nicely packaged."]),
    Topic("returns", "returns and refunds: sending items back, refund delays, exchanges, warranty claims",
          ["Still waiting for my refund.", "Returning it was easy."]),
    Topic(OTHER, "anything else: general impressions, overall experience, recommendations",
          ["Would recommend.", "Overall a good experience."]),
)


def slugify(name: str) -> str:
    """A topic name as a lowercase slug (letters, digits, underscores), at most 40 characters."""
    slug = _SLUG_RE.sub("_", str(name).strip().lower()).strip("_")
    return slug[:40]


def _user_topic(entry: Any, index: int) -> Topic:
    """Validate one user topic entry from the configuration."""
    if isinstance(entry, Topic):
        return entry
    if not isinstance(entry, dict):
        raise ConfigError(f"[analysis] topics[{index}] must be a table with name and description, got {entry!r}")
    unknown = set(entry) - {"name", "description", "examples"}
    if unknown:
        raise ConfigError(f"[analysis] topics[{index}]: unknown keys {sorted(unknown)} "
                          "(allowed: name, description, examples)")
    name = slugify(entry.get("name") or "")
    if not name:
        raise ConfigError(f"[analysis] topics[{index}]: 'name' is required")
    description = str(entry.get("description") or "").strip()
    if not description:
        raise ConfigError(f"[analysis] topics[{index}] ({name}): 'description' is required")
    examples = entry.get("examples") or []
    if isinstance(examples, str):
        examples = [examples]
    if not isinstance(examples, list):
        raise ConfigError(f"[analysis] topics[{index}] ({name}): 'examples' must be a list of strings")
    return Topic(name=name, description=description[:300], examples=[str(e)[:300] for e in examples][:10])


def build_taxonomy(topics: Iterable[Topic], user_topics: Iterable[Any] = (),
                   entity_types: Iterable[str] = ()) -> Taxonomy:
    """Merge user topics into a base list (same name replaces, new names go before `other`)."""
    merged: dict[str, Topic] = {t.name: Topic(t.name, t.description, list(t.examples)) for t in topics}
    for i, entry in enumerate(user_topics):
        t = _user_topic(entry, i)
        if t.name in merged:
            log.debug("user topic %s overrides the default", t.name)
        merged[t.name] = t
    ordered = [t for n, t in merged.items() if n != OTHER]
    if OTHER in merged:
        ordered.append(merged[OTHER])
    types = list(DEFAULT_ENTITY_TYPES)
    for et in entity_types:
        et = re.sub(r"[^A-Z0-9_]+", "_", str(et).strip().upper()).strip("_")[:40]
        if et and et not in types:
            types.append(et)
    return Taxonomy(topics=ordered, entity_types=types)


def load_taxonomy(settings: AnalysisSettings) -> Taxonomy:
    """The default product taxonomy plus `settings.topics` and `settings.entity_types`."""
    return build_taxonomy(DEFAULT_TOPICS, settings.topics or [], settings.entity_types or [])
