"""Reviews found by a page's layout: a site config guessed from its repeated blocks, for pages that publish no
structured reviews (no JSON-LD, microdata or page state), and the TOML file a user keeps it as.

`guess_layout(driver, url)` runs scraper/js/guess_layout.js on the live page: siblings of one shape, each with a
text of a few sentences and most with a rating (or a date and an author), become a `SiteConfig` whose selectors
were checked against every block. The engine reads such a page with it when zero-config extraction and the site
configs found nothing (`[scraper] guess_layout`); `reviewlens sites make URL -o FILE` writes it as a config to
check and keep, because a guess is made again on every run and a site's next redesign may guess differently.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from . import js
from .errors import SiteConfigError
from .extract import COUNT_JS, SCROLL_JS
from .siteconfig import SiteConfig, parse_site

log = logging.getLogger(__name__)

GUESS_JS = js.with_extractor("guess_layout")
FIELD_ORDER = ("text", "title", "author", "rating", "date", "id")
OPTIONAL_FIELDS = ("reply", "reply_date", "verified", "helpful")  # on some reviews only: written where the guess found them


@dataclass
class LayoutGuess:
    """What a page's layout says of its reviews: the config read from it (None: no review-like blocks, `why`),
    how many blocks it selects, the share of blocks each field was seen in, and the other groups considered."""

    site: SiteConfig | None
    blocks: int = 0
    found: dict[str, float] = field(default_factory=dict)
    why: str | None = None
    others: list[dict[str, Any]] = field(default_factory=list)
    next_link: bool = False  # the page links its next page (found on every page: no scrolling to try)

    def describe(self) -> str:
        """One line: the review selector and how each field is read ("review '.card' (12 blocks): text '.body',
        rating '.stars' [aria-label], ...")."""
        if self.site is None:
            return self.why or "no reviews found by the page's layout"
        parts = []
        for name in FIELD_ORDER + OPTIONAL_FIELDS:
            spec = self.site.fields.get(name)
            if spec is not None:
                parts.append(f"{name} {_spec_words(spec)}")
        more = [f"next {self.site.next!r}"] if self.site.next else []
        more += [f"load more {self.site.load_more!r}"] if self.site.load_more else []
        more += [f"cookie banner {self.site.cookie_banner!r}"] if self.site.cookie_banner else []
        more += ["infinite scroll"] if self.site.infinite_scroll else []
        return (f"review {self.site.review!r} ({self.blocks} blocks): " + ", ".join(parts + more))


def _spec_words(spec: dict[str, Any]) -> str:
    sel = spec.get("selector")
    how = "counted" if spec.get("count") else f"[{spec['attr']}]" if spec.get("attr") else \
        f"style {spec['style']}" if spec.get("style") else ""
    where = repr(sel) if sel else "the block itself"
    if spec.get("all"):
        how = (how + " every match, joined").strip()
    return f"{where} {how}".strip()


def guess_layout(driver: Any, url: str) -> LayoutGuess:
    """Guess the live page's review blocks and fields (see the module doc). Never raises for a page: a script
    error or a guess whose selectors do not make a valid config is a guess of nothing, said in `why`."""
    try:
        raw = json.loads(driver.execute_script(GUESS_JS) or "{}")
    except Exception as e:  # a page that breaks the script is a page without a guess, not a failed scrape
        log.debug("guessing the layout of %s: %s", url, e)
        return LayoutGuess(None, why=f"the layout could not be read ({str(e).splitlines()[0][:120] if str(e) else e})")
    cfg = raw.get("config")
    if not cfg:
        return LayoutGuess(None, why=raw.get("why") or "no review-like blocks")
    host = urlsplit(url).netloc
    # wait_for: the next pages of a site whose script renders the reviews are read once they are there
    data: dict[str, Any] = {"review": cfg["review"], "fields": cfg.get("fields") or {}, "source": host,
                            "description": f"guessed from the layout of {url}", "wait_for": cfg["review"]}
    for key in ("next", "load_more", "cookie_banner", "rating_scale"):
        if cfg.get(key):
            data[key] = cfg[key]
    # pages reached by a next link are fetched inside the browser, as zero-config's are (a fetched page without
    # the blocks, rendered by a script, is navigated, and the site's later pages with it)
    data["fetch_in_page"] = bool(raw.get("next_link")) and not cfg.get("next") and not cfg.get("load_more")
    try:
        site = parse_site(data, f"layout of {host}", f"the layout of {url}")
    except SiteConfigError as e:
        return LayoutGuess(None, why=f"the guess did not make a config: {e}")
    site.guessed = True
    return LayoutGuess(site, blocks=int(raw.get("blocks") or 0), found=dict(raw.get("found") or {}),
                       others=list(raw.get("others") or []), next_link=bool(raw.get("next_link")))


#: Seconds a guessed page is watched for more review blocks after one scroll to its bottom.
SCROLL_PROBE = 2.0


def scrolls_for_more(driver: Any, guess: LayoutGuess, wait: float | None = None) -> bool:
    """Whether the live page adds review blocks when scrolled to its bottom (an infinite list): then the guessed
    config is set to scroll for them. Only a page without a next-page link or button and without a load-more
    button is tried: it is scrolled once, and watched up to `wait` seconds (SCROLL_PROBE)."""
    wait = SCROLL_PROBE if wait is None else wait
    site = guess.site
    if site is None or site.next or site.load_more or guess.next_link or not site.review:
        return False
    try:
        before = int(driver.execute_script(COUNT_JS, site.review) or 0)
        driver.execute_script(SCROLL_JS, site.review)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if int(driver.execute_script(COUNT_JS, site.review) or 0) > before:
                site.infinite_scroll = True
                log.info("the page adds reviews when scrolled: reading it as an infinite list")
                return True
    except Exception as e:  # a page that breaks the probe is read as it stands
        log.debug("scroll probe: %s", e)
    return False


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }" if v else "{}"
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def to_toml(guess: LayoutGuess, url: str, today: date | None = None) -> str:
    """The guessed config as a site config file (scraper/sites/README.md), with comments that say where it came
    from and how to check it. Its `source` is the host, as zero-config extraction and a guessed run store the
    site's reviews under: reviews stored before it was kept stay the same reviews."""
    site = guess.site
    if site is None:
        raise ValueError("no config was guessed")
    parts = urlsplit(url)
    day = (today or date.today()).isoformat()
    lines = [
        f"# Guessed by `reviewlens sites make` from the layout of {url} on {day}:",
        f"# {guess.blocks} review blocks; each field's selector was checked against every block that has it.",
        "# Check it with `reviewlens sites test URL --site THIS_FILE`, adjust what it read wrong, and keep it in",
        "# your sites_dir (reviewlens.toml) so every run reads the site the same way (scraper/sites/README.md).",
        f"description = {_toml_value(site.description)}",
        f"match = [{_toml_value(parts.netloc + '/*')}]",
        f"source = {_toml_value(site.source_name)}   # the name its reviews are stored under (as zero-config's)",
        f"review = {_toml_value(site.review)}",
    ]
    lines.append(f"wait_for = {_toml_value(site.wait_for)}   # pages whose script renders the reviews are read once "
                 f"they are there")
    if site.cookie_banner:
        lines.append(f"cookie_banner = {_toml_value(site.cookie_banner)}   # the consent banner's accept button")
    if site.rating_scale:
        lines.append(f"rating_scale = {_toml_value(site.rating_scale)}   # the top of the scale its ratings are "
                     f"written on")
    if site.fetch_in_page:
        lines.append("fetch_in_page = true   # later pages fetched inside the browser (set false if a script renders "
                     "them)")
    if site.next:
        lines.append(f"next = {_toml_value(site.next)}   # the next-page control")
    else:
        lines.append("# next = \"a.next\"   # a next-page link is found by its role and text; name it here if not")
    if site.load_more:
        lines.append(f"load_more = {_toml_value(site.load_more)}   # a \"show more reviews\" button")
    if site.infinite_scroll:
        lines.append("infinite_scroll = true   # the page adds reviews when scrolled to its bottom")
        lines.append("# scroll_end = \"#feed-end\"   # an element that appears when the list is complete (saves a wait)")
    lines += ["# date_format = \"%d.%m.%Y\"   # when dates are not read right (strptime)", "", "[fields]"]
    for name in FIELD_ORDER + OPTIONAL_FIELDS:
        spec = site.fields.get(name)
        if spec is None:
            if name in FIELD_ORDER:
                lines.append(f"# {name} = \".{name}\"   # not found in most blocks")
            continue
        spec = {k: v for k, v in spec.items() if k != "paragraphs"}
        value = spec["selector"] if set(spec) == {"selector"} else spec
        lines.append(f"{name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
