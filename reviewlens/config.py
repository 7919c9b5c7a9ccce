"""Configuration: defaults, an optional TOML file, then environment variables, then the command line.

Looked up in this order (later wins): built-in defaults, `reviewlens.toml` in the working directory
(or the file named by `--config` / REVIEWLENS_CONFIG), environment variables REVIEWLENS_DB,
REVIEWLENS_DATA_DIR, REVIEWLENS_GRID_URL, REVIEWLENS_MODEL, REVIEWLENS_LLM_URL, REVIEWLENS_LLM_API_KEY
(the server's API key; OPENAI_API_KEY, the OpenAI clients' variable, when neither it nor the file sets one).
The key has no command-line option: a secret typed on the command line stays in the shell's history and
shows in `ps` to every user of the machine.

Every value is checked where it comes in, against the field's type and the allowed range below, so a
mistake is reported with the file (or the option) and the key, not later as a bare ValueError.
"""

from __future__ import annotations

import math
import os
import sys
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from .privacy import DEFAULT_REGIONS as PHONE_REGIONS, KINDS as PRIVACY_KINDS, NAME_MODES, check_kinds, check_regions
from .reply_phrases import PHRASEBOOKS
from .views import check_base_url

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(ValueError):
    """A configuration file or value that cannot be used; the message says which and why."""


@dataclass
class ScraperSettings:
    grid_url: str | None = None          # remote WebDriver / Selenium Grid; None = local Chromium
    browsers: int = 1                    # parallel browsers for JS-rendered sites (bounded)
    delay: float = 1.0                   # seconds between page loads on one site
    timeout: float = 20.0                # page load / wait timeout
    retries: int = 3                     # on timeouts, 429 and 5xx, with exponential backoff
    max_pages: int = 50
    respect_robots: bool = True
    user_agent: str = "ReviewLensBot/0.1 (+https://github.com/reviewlens/reviewlens)"
    chromium: str = "/usr/bin/chromium"
    chromedriver: str = "/usr/bin/chromedriver"
    guess_layout: bool = True            # a page without structured reviews or a site config: read by its layout


@dataclass
class AnalysisSettings:
    model: str = "qwen2.5-coder-0.5b"    # packaged alias, HF id, local folder or .gguf file
    llm_url: str | None = None           # OpenAI-compatible server (vLLM, TGI, llama.cpp)
    # a secret: never in a repr; better in REVIEWLENS_LLM_API_KEY (or OPENAI_API_KEY) than in a shared file
    llm_api_key: str | None = field(default=None, repr=False)
    llm_in_flight: int = 64              # requests to the server at once (vLLM batches them on the GPU)
    llm_timeout: float = 120.0           # seconds a request to the server may take before it is sent again
    llm_retry_seconds: float = 120.0     # how long a server that stopped answering (a restart) is waited for
    precision: str = "auto"              # auto, 4bit, 8bit, bf16, fp32, int8 (CPU)
    batch_size: int = 16                 # most prompts per LLM batch (a CPU cuts smaller ones where padding costs more; a chunk of the run is 8 batches); 16 was 7% faster than 8 on 2 CPU cores
    max_chars: int = 2000                # longer reviews are truncated for the model
    confidence: float = 0.75             # the cheap heads decide when at least this sure; the LLM decides the rest
    clause_confidence: float = 0.6       # the same for a topic's own clauses (its sentiment)
    thorough: bool = False               # every text goes to the LLM (slower; stacked with the head when fitted)
    translate: bool = True               # reviews in other languages are read in English translation (the LLM's)
    second_head: bool = True             # all-mpnet-base-v2: a second sentiment head, and the topic detectors that read it
    topics_preset: str = "products"      # the base topics: products, restaurants, apps, hotels or none
    topics: list[dict[str, Any]] = field(default_factory=list)  # extra/override taxonomy entries
    entity_types: list[str] = field(default_factory=list)       # extra entity types


@dataclass
class AlertSettings:
    """What raises an alert (`reviewlens alerts check`, and after every scheduled run), and where it goes.
    A threshold of 0 turns its rule off."""

    scrape_problems: bool = True         # a scrape that failed, ended degraded (a site changed) or found nothing,
                                         # or a scheduled import, analysis or report that failed
    rising_complaint: float = 5.0        # a complaint theme whose share rose this many points (or a new one)
    rising_request: float = 5.0          # ... and a request theme (what customers ask for), the same way
    min_reviews: int = 5                 # ... raised by at least this many reviews; also the rating rule's minimum
    rating_drop: float = 0.3             # the average rating of the last `period_days` down this many stars
    period_days: int = 7                 # ... against the `period_days` before
    new_release: bool = True             # a new version reviewed worse than the last one reviewed well (lower rating, more complaints)
    change_results: bool = True          # a change the user recorded that shows a clear result (reviewlens changes)
    review_bursts: bool = True           # a burst of same-star reviews of a product (review bombing, or a burst of fives)
    competitor_losses: int = 3           # this many reviewers of the last `period_days` left for one competitor (0: off)
    name_complaints: int = 3             # this many reviews of the last `period_days` speak badly of one person,
                                         # company or place (reviewlens mentions; 0: off)
    low_rating: float = 2.0              # each new review rated this or lower (1..5) goes into a digest
    keywords: list[str] = field(default_factory=list)   # each new review that mentions one goes into the digest
    unanswered_days: int = 0             # negative reviews of the last 30 days still without a reply after this
                                         # many days, once a week (0: off)
    summary: str = "weekly"              # a summary of the last week (or day): weekly, daily or off
    channels: list[dict[str, Any]] = field(default_factory=list)  # [[alerts.channels]]: email, webhook
    dashboard_url: str = ""              # where your team opens the dashboard: each alert links to its view there


@dataclass
class ReplySettings:
    """`[replies]`: reply drafts (reviewlens.replies): who signs, how customers reach you, your own phrases."""

    signature: str = "The team"
    contact: str = ""                    # "support@acme.example", "our help page": said to unhappy customers
    phrases: dict[str, str] = field(default_factory=dict)  # topic -> the sentence a draft says about it
    language: str = "auto"               # the review's own language when there is a phrasebook for it; or "en", "de", ...
    localized_phrases: dict[str, dict[str, str]] = field(default_factory=dict)  # "de" -> {topic: sentence}


@dataclass
class PrivacySettings:
    """`[privacy]`: personal data customers write into reviews, masked as reviews are stored (reviewlens.privacy)."""

    mask: list[str] = field(default_factory=lambda: list(PRIVACY_KINDS))  # email, phone, card, iban; [] keeps all
    phone_regions: list[str] = field(default_factory=lambda: list(PHONE_REGIONS))  # national phone formats known
    keep_days: int = 0                   # reviews dated longer ago are deleted after each scheduled run (0: kept)
    reviewer_names: str = "keep"         # keep, pseudonym ("Reviewer 3fa91c2e07", the same for the same name), drop


@dataclass
class Settings:
    db: str = ""
    data_dir: str = ""
    scraper: ScraperSettings = field(default_factory=ScraperSettings)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    replies: ReplySettings = field(default_factory=ReplySettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    sites_dir: str | None = None         # extra site configs (TOML) beyond the bundled ones
    config_file: str = ""                # the settings file read (set by load_settings; "" for none)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def sites_dirs(self) -> list[str]:
        """The folders of the user's own site configs, as the scraper takes them (none, or `sites_dir`)."""
        return [str(self.sites_dir)] if self.sites_dir else []

    @property
    def reports_dir(self) -> Path:
        return self.data_path / "reports"

    @property
    def debug_dir(self) -> Path:
        return self.data_path / "debug"

    @property
    def locks_dir(self) -> Path:
        return self.data_path / "locks"


PRECISIONS = ("auto", "4bit", "8bit", "bf16", "fp32", "int8")  # as analysis.backends.local reads them
TOPIC_PRESETS = ("products", "restaurants", "apps", "hotels", "none")  # as analysis.taxonomy defines them


#: What a value may be beyond its field's type, by "section.key": (check, the allowed values in words,
#: for the message). The type itself is checked from the dataclass fields above.
RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "scraper.browsers": (lambda v: v >= 1, "a whole number of at least 1"),
    "scraper.delay": (lambda v: v >= 0, "a number of seconds, at least 0"),
    "scraper.timeout": (lambda v: v > 0, "a number of seconds, more than 0"),  # 0 fails every page at once
    "scraper.retries": (lambda v: v >= 0, "a whole number of at least 0"),
    "scraper.max_pages": (lambda v: v >= 1, "a whole number of at least 1"),
    "analysis.precision": (lambda v: v.lower() in PRECISIONS, f"one of {', '.join(PRECISIONS)}"),
    "analysis.batch_size": (lambda v: v >= 1, "a whole number of at least 1"),
    "analysis.llm_in_flight": (lambda v: v >= 1, "a whole number of at least 1"),
    "analysis.llm_timeout": (lambda v: v > 0, "a number of seconds, more than 0"),
    "analysis.llm_retry_seconds": (lambda v: v >= 0, "a number of seconds, at least 0 (0: fail at once)"),
    "analysis.max_chars": (lambda v: v >= 1, "a whole number of at least 1"),
    "analysis.topics_preset": (lambda v: v.strip().lower() in TOPIC_PRESETS, f"one of {', '.join(TOPIC_PRESETS)}"),
    "analysis.confidence": (lambda v: 0 <= v <= 1, "a number from 0 (the heads decide everything) to 1 "
                                                   "(the LLM decides everything)"),
    "alerts.rising_complaint": (lambda v: v >= 0, "a number of percentage points, at least 0 (0: off)"),
    "alerts.rising_request": (lambda v: v >= 0, "a number of percentage points, at least 0 (0: off)"),
    "alerts.min_reviews": (lambda v: v >= 1, "a whole number of at least 1"),
    "alerts.competitor_losses": (lambda v: v >= 0, "a whole number of reviews, at least 0 (0: off)"),
    "alerts.name_complaints": (lambda v: v >= 0, "a whole number of reviews, at least 0 (0: off)"),
    "alerts.rating_drop": (lambda v: v >= 0, "a number of stars, at least 0 (0: off)"),
    "alerts.period_days": (lambda v: v >= 1, "a whole number of days, at least 1"),
    "alerts.low_rating": (lambda v: 0 <= v <= 5, "a rating from 1 to 5 (0: off)"),
    "alerts.unanswered_days": (lambda v: 0 <= v <= 30, "a whole number of days from 1 to 30 (0: off)"),
    "alerts.keywords": (lambda v: all(w.strip() for w in v), "a list of words or phrases, none empty"),
    "alerts.summary": (lambda v: v in ("weekly", "daily", "off"), "weekly, daily or off"),
    "alerts.dashboard_url": (lambda v: v == "" or check_base_url(v),
                             "the dashboard's address, like \"http://reviews.acme.internal:8501\" (http or https, "
                             "no query)"),
    "replies.phrases": (lambda v: all(isinstance(k, str) and isinstance(x, str) and x.strip() for k, x in v.items()),
                        "a table of topic = \"sentence\""),
    "replies.language": (lambda v: v.strip().lower() in ("auto", *PHRASEBOOKS),
                         f"auto (each review's own language) or one of {', '.join(PHRASEBOOKS)}"),
    "replies.localized_phrases": (lambda v: all(lang in PHRASEBOOKS and isinstance(x, dict) and all(
        isinstance(p, str) and p.strip() for p in x.values()) for lang, x in v.items()),
        f"tables by language ({', '.join(PHRASEBOOKS)}) of topic = \"sentence\""),
    "replies.signature": (lambda v: 0 < len(v.strip()) <= 200, "text of 1 to 200 characters"),
    "replies.contact": (lambda v: len(v) <= 300, "text of at most 300 characters"),
    "privacy.mask": (lambda v: _privacy_ok(check_kinds, v),
                     f"a list of the kinds of personal data to mask: {', '.join(PRIVACY_KINDS)} ([] masks nothing)"),
    "privacy.reviewer_names": (lambda v: v in NAME_MODES, f"one of {', '.join(NAME_MODES)}"),
    "privacy.keep_days": (lambda v: v >= 0, "a whole number of days, at least 0 (0: reviews are kept)"),
    "privacy.phone_regions": (lambda v: _privacy_ok(check_regions, v),
                              "a list of two-letter country codes whose phone numbers are written without "
                              "+ (\"US\", \"GB\", \"DE\")"),
    "analysis.clause_confidence": (lambda v: 0 <= v <= 1, "a number from 0 (the heads decide everything) to 1 "
                                                          "(the LLM decides everything)"),
}


def _privacy_ok(check: Callable[[list[str]], Any], values: list[str]) -> bool:
    try:
        check(values)
    except ValueError:
        return False
    return True


_TYPE_WORDS = {int: "a whole number", float: "a number", bool: "true or false", str: "text", list: "a list",
               dict: "a table"}
_BOOL_WORDS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


def _convert(value: Any, tp: Any, text: bool) -> Any:
    """`value` as the field type `tp` (int, float, str, bool, X | None, list[...]); TypeError if it is not.

    TOML values have types, so they must match (an int is fine for a float). `text`: the value came
    from the command line or an environment variable, where a number may arrive as a string."""
    if type(None) in typing.get_args(tp):
        if value is None:
            return None
        tp = next(a for a in typing.get_args(tp) if a is not type(None))
    kind = typing.get_origin(tp) or tp
    if text and isinstance(value, str) and kind in (int, float, bool):
        word = value.strip().lower()
        try:
            value = _BOOL_WORDS[word] if kind is bool else kind(word)
        except (KeyError, ValueError):
            raise TypeError from None
    if kind is str and isinstance(value, os.PathLike):
        value = os.fspath(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)) \
            or (kind is float and not math.isfinite(value)):
        raise TypeError
    if kind is list:
        item = typing.get_args(tp)[0] if typing.get_args(tp) else object
        item = typing.get_origin(item) or item
        if not all(isinstance(v, item) for v in value):
            raise TypeError
    return value


def _describe(tp: Any) -> str:
    """The field type in words, for messages: "a whole number", "text", "a list of tables"."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    kind = typing.get_origin(tp) or tp
    if kind is list:
        item = typing.get_origin(args[0]) or args[0] if args else None
        return {dict: "a list of tables", str: "a list of text"}.get(item, "a list")
    if type(None) in typing.get_args(tp):
        return _describe(args[0])
    return _TYPE_WORDS.get(kind, str(tp))


def _set(obj: Any, key: str, value: Any, where: str, section: str = "", text: bool = False) -> None:
    """Check `value` for the field `key` of the settings dataclass `obj` (in `section`) and set it;
    a ConfigError names where the value came from, the key and what it may be."""
    known = {f.name for f in fields(obj)}
    if key not in known:
        raise ConfigError(f"{where}: unknown setting '{key}'{f' in [{section}]' if section else ''} "
                          f"(known: {', '.join(sorted(known))})")
    tp = typing.get_type_hints(type(obj))[key]
    check, allowed = RULES.get(f"{section}.{key}" if section else key, (None, _describe(tp)))
    try:
        checked = _convert(value, tp, text)
        ok = check is None or checked is None or check(checked)
    except TypeError:
        ok = False
    if not ok:
        name = f"[{section}] {key}" if section else key
        raise ConfigError(f"{where}: {name} must be {allowed}, not {value!r}")
    setattr(obj, key, checked)


def _merge(obj: Any, values: dict[str, Any], where: str, section: str = "") -> None:
    """Set the values of one TOML table (`where`: the file) on the settings dataclass `obj`, checked."""
    for key, value in values.items():
        current = getattr(obj, key, None)
        if hasattr(current, "__dataclass_fields__"):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [{key}] must be a table")
            _merge(current, value, where, key)
        else:
            _set(obj, key, value, where, section)


def read_toml(path: Path, what: str, hint: str = "") -> dict[str, Any]:
    """A TOML file as a dict, or a ConfigError that names the file and the problem."""
    if not path.is_file():
        raise ConfigError(f"{what} not found: {path}{hint}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text: {e}") from e


def load_settings(config_file: str | os.PathLike | None = None, **overrides: Any) -> Settings:
    s = Settings()
    s.data_dir = os.environ.get("REVIEWLENS_DATA_DIR", "data")
    path = config_file or os.environ.get("REVIEWLENS_CONFIG")
    if not path and Path("reviewlens.toml").is_file():
        path = "reviewlens.toml"
    if path:
        p = Path(path)
        data = read_toml(p, "config file")
        data.pop("schedule", None)  # read by the scheduler
        data.pop("sources", None)
        _merge(s, data, str(p))
        s.config_file = str(p.resolve())
    env = os.environ
    if env.get("REVIEWLENS_DB"):
        s.db = env["REVIEWLENS_DB"]
    if env.get("REVIEWLENS_GRID_URL"):
        s.scraper.grid_url = env["REVIEWLENS_GRID_URL"]
    if env.get("REVIEWLENS_MODEL"):
        s.analysis.model = env["REVIEWLENS_MODEL"]
    if env.get("REVIEWLENS_LLM_URL"):
        s.analysis.llm_url = env["REVIEWLENS_LLM_URL"]
    if env.get("REVIEWLENS_LLM_API_KEY"):
        s.analysis.llm_api_key = env["REVIEWLENS_LLM_API_KEY"]
    elif not s.analysis.llm_api_key and env.get("OPENAI_API_KEY"):  # the OpenAI clients' own variable
        s.analysis.llm_api_key = env["OPENAI_API_KEY"]
    for key, value in overrides.items():
        if value is None:
            continue
        section, _, name = key.rpartition(".")
        target = getattr(s, section, None) if section else s
        if not hasattr(target, "__dataclass_fields__"):
            raise ConfigError(f"command line: unknown setting '{key}'")
        _set(target, name, value, "command line", section, text=True)
    if not s.db:
        s.db = str(Path(s.data_dir) / "reviewlens.db")
    return s
