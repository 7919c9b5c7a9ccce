"""Site configs: one small declarative TOML file per site (scraper/sites/*.toml).

A config says where the reviews are on a site's pages (CSS selectors for the review block and its
fields), how to read the rating and the date, and how to reach more reviews (next link, page URL
parameter, "load more" button, infinite scroll). See scraper/sites/README.md for every key.
"""

from __future__ import annotations

import fnmatch
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import SiteConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

SITES_DIR = Path(__file__).resolve().parent / "sites"
FIELDS = ("text", "title", "author", "rating", "date", "id", "product", "url",
          # optional, on some reviews only (never reported missing): the owner's reply and its date,
          # helpful votes, a verified-purchase badge, the review's language (default: the block's lang),
          # the version reviewed (an app's release: "Version 3.2.1")
          "reply", "reply_date", "helpful", "verified", "language", "version")
FIELD_KEYS = {"selector", "attr", "style", "count", "regex", "scope", "inner_text", "fallback_page", "all"}
# Fields a review block shows reported missing when no block has them (the others are on some reviews only).
CORE_FIELDS = ("text", "title", "author", "rating", "date", "id", "product", "url")
# A field written as a list of parts (text = [".liked", ".disliked"]) travels to the in-page extractor as own
# fields under these names, one per part, and is joined back in Python (SiteConfig.join_parts).
PART = "\u241fpart:"
PART_SEP = "\n\n"
TOP_KEYS = {"name", "match", "best_effort", "description", "source", "review", "fields", "own_fields", "date_format",
            "rating_scale", "wait_for", "cookie_banner", "next", "page_param", "page_start", "load_more",
            "page_step", "infinite_scroll", "scroll_end", "scroll_wait", "fetch_in_page", "delay",
            "sort_param", "sort_click"}


@dataclass
class SiteConfig:
    """One site's scraping recipe (see scraper/sites/README.md)."""

    name: str
    match: list[str] = field(default_factory=list)
    best_effort: bool = False
    description: str = ""
    source: str | None = None            # Review.source; default: the config name
    review: str | None = None            # CSS selector of one review block; None = zero-config extraction
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    # the user's own fields a review block shows (the reviewer's country, the size bought): name -> spec
    own_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    date_format: str | None = None       # strptime format, e.g. "%m/%d/%Y"
    rating_scale: float | None = None    # top of the site's rating scale when the text does not say
    wait_for: str | None = None          # CSS selector to wait for before extracting
    cookie_banner: str | None = None     # CSS selector of the button that dismisses a cookie banner
    next: str | None = None              # CSS selector of the "next page" link (or button)
    page_param: str | None = None        # URL query parameter holding the page number
    page_start: int = 1
    page_step: int = 1                  # added per page (e.g. 10 for an offset parameter like ?start=)
    load_more: str | None = None         # CSS selector of a "load more" button
    infinite_scroll: bool = False
    scroll_end: str | None = None        # CSS selector that appears when an infinite list is complete
    scroll_wait: float = 3.0             # seconds to wait for more items after scrolling
    fetch_in_page: bool = False          # later pages may be fetched with fetch() inside the browser
    delay: float | None = None           # seconds between page loads; overrides the settings
    sort_param: str | None = None        # query parameter(s) that ask for newest first, e.g. "sort=recency"
    sort_click: str | None = None        # CSS selector of a control that sorts newest first (clicked)
    path: str | None = None
    guessed: bool = False                # read from the page's layout (scraper/layout.py), not from a file

    @property
    def can_sort_newest(self) -> bool:
        return bool(self.sort_param or self.sort_click)

    def newest_first_url(self, url: str) -> str:
        """`url` with `sort_param` set in its query (a parameter already there is replaced), so the site
        lists its reviews newest first. Unchanged when the config has no `sort_param`."""
        if not self.sort_param:
            return url
        return with_query(url, parse_qsl(self.sort_param, keep_blank_values=True))

    @property
    def source_name(self) -> str:
        return self.source or self.name

    def matches(self, url: str) -> bool:
        return any(url_matches(p, url) for p in self.match)

    def js_config(self) -> dict[str, Any] | None:
        """What the in-page extractor needs (None = zero-config extraction). A field of parts is sent as one
        own field per part: the extractor reads one element per field, and `join_parts` joins them."""
        if not self.review:
            return {"next": self.next} if self.next else None
        fields = {k: v for k, v in self.fields.items() if "parts" not in v}
        own = dict(self.own_fields)
        for name, spec in self.fields.items():
            for i, part in enumerate(spec.get("parts") or ()):
                own[f"{PART}{name}:{i}"] = part
        return {"review": self.review, "fields": fields, "own_fields": own, "next": self.next,
                "strategy": "layout" if self.guessed else "config"}

    def join_parts(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The extractor's records (`raw`, from js_config) with each field of parts made one value: the texts
        of the parts a review has, in the config's order, joined by a blank line (a hotel review's "liked" and
        "disliked" halves). A field none of whose parts a review has is None, and reported missing as any field
        is. Changes `raw` in place and returns it."""
        parted = {name: len(spec["parts"]) for name, spec in self.fields.items() if "parts" in spec}
        if not parted:
            return raw
        for rec in raw.get("reviews") or []:
            own = rec.get("own") or {}
            for name, n in parted.items():
                texts = [str(v).strip() for v in (own.pop(f"{PART}{name}:{i}", None) for i in range(n))
                         if v is not None and str(v).strip()]
                rec[name] = PART_SEP.join(texts) or None
                if not texts and name in CORE_FIELDS:
                    rec.setdefault("missing", []).append(name)
        return raw


def with_query(url: str, params: Sequence[tuple[str, str]]) -> str:
    """`url` with each (name, value) of `params` set in the query: replacing the same name, else added."""
    parts = urlsplit(url)
    names = {k for k, _ in params}
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in names]
    query += list(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _check_sort(data: dict[str, Any], where: str) -> None:
    sp, sc = data.get("sort_param"), data.get("sort_click")
    if sp is not None:
        pairs = parse_qsl(sp, keep_blank_values=True) if isinstance(sp, str) else []
        if not pairs or any(not k for k, _ in pairs) or not all("=" in part for part in str(sp).split("&")):
            raise SiteConfigError(f"{where}: sort_param must be a query parameter and its value that list the "
                                  f"reviews newest first, e.g. sort_param = \"sort=recency\", not {sp!r}")
    if sc is not None and not (isinstance(sc, str) and sc.strip()):
        raise SiteConfigError(f"{where}: sort_click must be the CSS selector of the control that sorts the reviews "
                              f"newest first, e.g. sort_click = \"button[data-sort='newest']\", not {sc!r}")


def url_matches(pattern: str, url: str) -> bool:
    """`pattern` is a glob over "host[:port]/path?query" (case-insensitive), or "re:REGEX" over the whole URL."""
    if pattern.startswith("re:"):
        return re.search(pattern[3:], url) is not None
    parts = urlsplit(url)
    target = (parts.netloc + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")).lower()
    pat = pattern.lower()
    if "://" in pat:
        pat = pat.split("://", 1)[1]
    return fnmatch.fnmatchcase(target, pat) or fnmatch.fnmatchcase(target, pat.rstrip("/") + "/*") \
        or fnmatch.fnmatchcase(target, pat + "?*")


def _field(name: str, value: Any, where: str, table: str = "fields") -> dict[str, Any]:
    if isinstance(value, list) and table == "fields":
        # parts of one field, each read like a field; the selectors together are the field's selector (checked
        # by the browser, named in messages)
        if not value or any(isinstance(v, list) for v in value):
            raise SiteConfigError(f"{where}: {table}.{name}: a list must hold the parts of the field, each a CSS "
                                  f"selector or a table (text = [\".liked\", \".disliked\"])")
        parts = [_field(name, v, where, table) for v in value]
        return {"selector": ", ".join(p["selector"] for p in parts if p.get("selector")), "parts": parts}
    if isinstance(value, str):
        return {"selector": value}
    if not isinstance(value, dict):
        raise SiteConfigError(f"{where}: {table}.{name} must be a CSS selector string or a table"
                              + (", or a list of them (its parts)" if table == "fields" else ""))
    unknown = set(value) - FIELD_KEYS
    if unknown:
        raise SiteConfigError(f"{where}: {table}.{name}: unknown key(s) {sorted(unknown)} (known: {sorted(FIELD_KEYS)})")
    if "all" in value and (not isinstance(value["all"], bool) or not value.get("selector")
                           or value.get("count") or value.get("style")):
        raise SiteConfigError(f"{where}: {table}.{name}: all = true joins the texts of every element the selector "
                              f"picks in a review (a review in halves); it needs a selector, and no count or style")
    return dict(value)


def parse_site(data: dict[str, Any], name: str, where: str) -> SiteConfig:
    """Validate a config table and build the SiteConfig."""
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise SiteConfigError(f"{where}: unknown key(s) {sorted(unknown)} (known: {sorted(TOP_KEYS)})")
    match = data.get("match", [])
    if isinstance(match, str):
        match = [match]
    fields_raw = data.get("fields", {})
    if not isinstance(fields_raw, dict):
        raise SiteConfigError(f"{where}: [fields] must be a table")
    bad = set(fields_raw) - set(FIELDS)
    if bad:
        raise SiteConfigError(f"{where}: unknown field(s) {sorted(bad)} (known: {', '.join(FIELDS)})")
    fields = {k: _field(k, v, where) for k, v in fields_raw.items()}
    own_raw = data.get("own_fields", {})
    if not isinstance(own_raw, dict) or any(not str(k).strip() for k in own_raw):
        raise SiteConfigError(f"{where}: [own_fields] must be a table of named fields (country = \".country\")")
    own = {str(k).strip(): _field(k, v, where, "own_fields") for k, v in own_raw.items()}
    _check_sort(data, where)
    if data.get("review") and "text" not in fields:
        raise SiteConfigError(f"{where}: a config with `review` needs fields.text")
    kwargs = {k: v for k, v in data.items() if k not in ("fields", "own_fields", "match", "name")}
    try:
        cfg = SiteConfig(name=str(data.get("name") or name), match=list(match), fields=fields, own_fields=own,
                         **kwargs)
    except TypeError as e:  # pragma: no cover - guarded by TOP_KEYS
        raise SiteConfigError(f"{where}: {e}") from e
    cfg.path = where
    return cfg


def _site_files(extra_dirs: Iterable[str | Path] = ()) -> list[Path]:
    files = sorted(SITES_DIR.glob("*.toml"))
    for d in extra_dirs:
        if d:
            files.extend(sorted(Path(d).expanduser().glob("*.toml")))
    return files


def list_sites(extra_dirs: Sequence[str | Path] = ()) -> list[str]:
    """Names of the bundled site configs (and those in `extra_dirs`)."""
    return [p.stem for p in _site_files(extra_dirs)]


def site_catalog(extra_dirs: Sequence[str | Path] = ()) -> list[tuple[Path, SiteConfig | None, str | None]]:
    """Every config file, bundled first then those in `extra_dirs`: (file, its config, or None and why it
    cannot be read)."""
    out: list[tuple[Path, SiteConfig | None, str | None]] = []
    for f in _site_files(extra_dirs):
        try:
            out.append((f, load_site(f), None))
        except SiteConfigError as e:
            out.append((f, None, str(e)))
    return out


def load_site(name_or_path: str | Path, extra_dirs: Sequence[str | Path] = ()) -> SiteConfig:
    """A bundled config by name ("trustpilot"), or any TOML file by path."""
    p = Path(name_or_path).expanduser()
    if not (p.suffix == ".toml" and p.is_file()):
        candidates = [f for f in _site_files(extra_dirs) if f.stem == str(name_or_path)]
        if not candidates:
            raise SiteConfigError(f"unknown site config '{name_or_path}': not a .toml file and not one of "
                                  f"{', '.join(list_sites(extra_dirs))}")
        p = candidates[-1]
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise SiteConfigError(f"{p}: not valid TOML: {e}") from e
    return parse_site(data, p.stem, str(p))


def find_sites(url: str, extra_dirs: Sequence[str | Path] = ()) -> list[SiteConfig]:
    """Every config whose `match` fits the URL, the one used first: those in `extra_dirs` (the user's
    sites_dir) before the bundled ones, and within a folder by file name, Z to A."""
    out = []
    for f in reversed(_site_files(extra_dirs)):
        try:
            cfg = load_site(f)
        except SiteConfigError as e:
            log.warning("skipping site config: %s", e)
            continue
        if cfg.matches(url):
            out.append(cfg)
    return out


def match_reason(cfg: SiteConfig, url: str) -> str:
    """Why `cfg` was picked for `url`: its file and the `match` pattern that fits."""
    pattern = next((p for p in cfg.match if url_matches(p, url)), None)
    where = cfg.path or cfg.name
    return f"{where}: match {pattern!r}" if pattern else where


def find_site(url: str, extra_dirs: Sequence[str | Path] = ()) -> SiteConfig | None:
    """The first config (extra dirs win over bundled ones) whose `match` fits the URL; when others fit
    too, a warning names them."""
    found = find_sites(url, extra_dirs)
    if len(found) > 1:
        log.warning("%s: site config '%s' (%s) is used; %s also match%s it. Narrow their `match`, or pass "
                    "--site", url, found[0].name, found[0].path,
                    ", ".join(f"'{c.name}' ({c.path})" for c in found[1:]), "es" if len(found) == 2 else "")
    return found[0] if found else None
