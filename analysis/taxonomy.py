"""The topic taxonomy: a preset of topics plus user-defined ones from the configuration.

A topic is a slug `name`, a one-line `description` (used in prompts and for embeddings), a few
optional example phrases and an optional display `label` (complaint themes are named with it). A name
and a line are enough: analysis.topics matches reviews against the description's parts as well.

`[analysis] topics_preset` picks the base topics: "products" (the default: quality, delivery, price,
customer service, ...), "restaurants" (food, drinks, service, price, ambience, cleanliness, location,
wait time, booking, takeaway), "apps" (apps and software: bugs, feature requests, usability, performance,
account, pricing, ads, support), "hotels" (room, cleanliness, noise, staff and service, check-in, breakfast,
wifi and amenities, location, price, booking) or "none" (only your own topics).
Users add topics, or override a preset's topic by using its name, with
`[[analysis.topics]] name = "..."  description = "..."  examples = ["..."]` in reviewlens.toml.
Every taxonomy ends with `other` (anything else), unless a user topic overrides it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from reviewlens.config import TOPIC_PRESETS, AnalysisSettings, ConfigError

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
    label: str = ""  # display name ("Returns and refunds"); default: the name, capitalized

    @property
    def title(self) -> str:
        """The topic's display name: its label, else its name with spaces, capitalized."""
        if self.label:
            return self.label
        words = self.name.replace("_", " ").strip()
        return words[:1].upper() + words[1:]


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


OTHER_TOPIC = Topic(OTHER, "anything else: general impressions, overall experience, recommendations",
                    ["Would recommend.", "Overall a good experience."], label="General")

PRODUCT_TOPICS: tuple[Topic, ...] = (
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
          ["The shoes run a size small.", "Fits perfectly."], label="Size and fit"),
    Topic("packaging", "packaging: box, wrapping, sealed, damaged packaging, excessive plastic",
          ["The box was crushed.", "Nicely packaged."]),
    Topic("returns", "returns and refunds: sending items back, refund delays, exchanges, warranty claims",
          ["Still waiting for my refund.", "Returning it was easy."], label="Returns and refunds"),
    OTHER_TOPIC,
)

RESTAURANT_TOPICS: tuple[Topic, ...] = (
    Topic("food", "the food: dishes, taste, freshness, portions, the menu, cooking",
          ["The pasta was delicious.", "My steak was overcooked and cold."]),
    Topic("drinks", "drinks: wine, beer, cocktails, coffee, the bar",
          ["Great wine list.", "The cocktails were watered down."]),
    Topic("service", "service and staff: waiters, friendliness, attentiveness, mistakes with orders",
          ["Our waiter was rude.", "The staff were friendly and attentive."]),
    Topic("price", "prices and value for money: expensive, cheap, the bill, worth it",
          ["Way overpriced for what you get.", "Great value for the money."], label="Price and value"),
    Topic("ambience", "ambience: atmosphere, decor, music, noise, seating",
          ["Cozy place with nice music.", "Way too loud to talk."]),
    Topic("cleanliness", "cleanliness and hygiene: dirty tables, restrooms, bugs, smells",
          ["The bathroom was filthy.", "Spotless dining room."]),
    Topic("location", "location and access: neighbourhood, parking, getting there",
          ["Easy to find, right by the station.", "No parking anywhere nearby."]),
    Topic("wait_time", "waiting: for a table, for the food, for the bill, queues, slow kitchen",
          ["We waited an hour for our food.", "Seated right away."], label="Wait time"),
    Topic("booking", "reservations and booking: availability, lost reservations, deposits, booking online",
          ["They lost our reservation.", "Booking a table online was easy."]),
    Topic("takeaway", "takeaway and delivery orders: arriving cold or late, missing items, packaging",
          ["The delivery arrived cold.", "Half the order was missing."], label="Takeaway and delivery"),
    OTHER_TOPIC,
)

APP_TOPICS: tuple[Topic, ...] = (
    Topic("bugs", "bugs and crashes: the app crashes, freezes, shows errors, features that do not work",
          ["The app crashes every time I open it.", "It freezes on the payment screen."], label="Bugs and crashes"),
    Topic("feature_requests", "feature requests: missing features, wishes, please add",
          ["Please add a dark mode.", "I wish I could export my data."]),
    Topic("usability", "ease of use: interface, navigation, design, confusing screens",
          ["The menus are confusing.", "Clean and simple interface."]),
    Topic("performance", "speed and resources: slow loading, lag, battery drain, storage, data use",
          ["It takes forever to load.", "It drains my battery."]),
    Topic("account", "account and login: sign-in, passwords, verification codes, locked accounts",
          ["I can't log in since the update.", "I never got the verification code."], label="Account and login"),
    Topic("pricing", "pricing and subscription: cost, free trial, charges, cancelling, refunds",
          ["Too expensive for a monthly subscription.", "They charged me after I cancelled."],
          label="Pricing and subscription"),
    Topic("ads", "advertising: too many ads, pop-ups, video ads, paying to remove ads",
          ["An ad after every click.", "Way too many pop-up ads."], label="Ads"),
    Topic("support", "customer support: answers, help, responsiveness",
          ["Support never replied.", "The developer fixed my problem within a day."], label="Customer support"),
    OTHER_TOPIC,
)

HOTEL_TOPICS: tuple[Topic, ...] = (
    Topic("room", "the room: size, bed, comfort, view, furniture, air conditioning, heating, the shower",
          ["The room was tiny and the bed was hard.", "Spacious room with a great view."]),
    Topic("cleanliness", "cleanliness and hygiene: dirty rooms and bathrooms, sheets, towels, smells, housekeeping",
          ["The bathroom was filthy.", "Spotless room, fresh towels every day."]),
    Topic("noise", "noise: a loud room, street or bar noise, thin walls, construction, neighbours, could not sleep",
          ["We could not sleep because of the bar downstairs.", "A quiet room, we slept well."]),
    Topic("service", "staff and service: reception, friendliness, helpfulness, rude or unhelpful staff",
          ["The receptionist was rude to us.", "The staff went out of their way to help."], label="Staff and service"),
    Topic("check_in", "check-in and check-out: queues at reception, early check-in, late check-out, room keys",
          ["Check-in took forty minutes.", "Quick and easy check-in."], label="Check-in and check-out"),
    Topic("breakfast", "breakfast, the hotel's restaurant and bar: food, choice, coffee, opening hours",
          ["The breakfast buffet was excellent.", "Breakfast had run out of everything by nine."],
          label="Breakfast and food"),
    Topic("wifi", "wifi and amenities: internet, TV, pool, gym, spa, parking, lifts",
          ["The wifi never worked.", "Great pool and gym."], label="Wi-Fi and amenities"),
    Topic("location", "location: the neighbourhood, transport, distance to the sights, getting there",
          ["Right next to the station.", "Far from everything."]),
    Topic("price", "price and value for money: expensive, worth it, extra charges, city tax, deposits",
          ["Way overpriced for what you get.", "Great value for the money."], label="Price and value"),
    Topic("booking", "booking and reservations: overbooking, the wrong room type, cancellations, booking sites",
          ["They had no record of our booking.", "We got a smaller room than we booked."]),
    OTHER_TOPIC,
)

PRESETS: dict[str, tuple[Topic, ...]] = {"products": PRODUCT_TOPICS, "restaurants": RESTAURANT_TOPICS,
                                         "apps": APP_TOPICS, "hotels": HOTEL_TOPICS, "none": (OTHER_TOPIC,)}
assert tuple(PRESETS) == TOPIC_PRESETS, "reviewlens.config.TOPIC_PRESETS must list the presets"
DEFAULT_TOPICS = PRODUCT_TOPICS  # the default preset ("products")


def preset_topics(name: str | None) -> tuple[Topic, ...]:
    """The topics of a preset ("products", "restaurants", "apps", "none"); a ConfigError names the allowed ones."""
    key = str(name if name is not None else "products").strip().lower()
    if key not in PRESETS:
        raise ConfigError(f"[analysis] topics_preset must be one of {', '.join(PRESETS)}, not {name!r}")
    return PRESETS[key]


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
    unknown = set(entry) - {"name", "description", "examples", "label"}
    if unknown:
        raise ConfigError(f"[analysis] topics[{index}]: unknown keys {sorted(unknown)} "
                          "(allowed: name, description, examples, label)")
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
    label = " ".join(str(entry.get("label") or "").split())[:60]
    return Topic(name=name, description=description[:300], examples=[str(e)[:300] for e in examples][:10],
                 label=label)


def build_taxonomy(topics: Iterable[Topic], user_topics: Iterable[Any] = (),
                   entity_types: Iterable[str] = ()) -> Taxonomy:
    """Merge user topics into a base list (same name replaces, new names go before `other`)."""
    merged: dict[str, Topic] = {t.name: Topic(t.name, t.description, list(t.examples), t.label) for t in topics}
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


def load_taxonomy(settings: AnalysisSettings | None = None) -> Taxonomy:
    """The topics of `settings.topics_preset` (default "products"), with `settings.topics` added (a
    same-named one replaces the preset's) and `settings.entity_types`. None: the default settings."""
    settings = settings if settings is not None else AnalysisSettings()
    base = preset_topics(getattr(settings, "topics_preset", "products"))
    return build_taxonomy(base, settings.topics or [], settings.entity_types or [])
