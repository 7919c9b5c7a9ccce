"""`reviewlens sites`: the site configs there are, and `sites test URL`: what a config (or zero-config
extraction) finds on one page, field by field, without storing anything.

Writing a site config is trial and error; each try with `scrape` stores what it found (a wrong rating
selector stores wrong ratings). `sites test` loads the first page in Chromium as a scrape would (robots
rules, cookie banner, wait_for, the config's extraction), and prints how many reviews it found, how many
have each field, the first reviews' values, the warnings, and which config was used and why.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Sequence

from ..config import Settings

SAMPLE = 3  # reviews shown with their values

# (label, how to read it from a Review): the fields a site config can name, as a Review holds them
FIELDS: list[tuple[str, Callable[[Any], Any]]] = [
    ("text", lambda r: r.text), ("title", lambda r: r.title), ("author", lambda r: r.author),
    ("rating", lambda r: r.rating), ("date", lambda r: r.date), ("id", lambda r: r.site_review_id),
    ("product", lambda r: r.product), ("url", lambda r: r.url), ("reply", lambda r: r.reply),
    ("reply_date", lambda r: r.reply_date), ("helpful", lambda r: r.helpful_votes),
    ("verified", lambda r: r.verified), ("language", lambda r: r.language), ("version", lambda r: r.version),
]


def list_lines(settings: Settings) -> list[str]:
    """One line per site config: name, file, match patterns and description; the bundled ones, then those in
    sites_dir (a file there with a bundled one's name is the one used)."""
    import scraper

    dirs = settings.sites_dirs
    bundled = Path(scraper.__file__).resolve().parent / "sites"
    catalog = scraper.site_catalog(dirs)
    names_in_dirs = {f.stem for f, _, _ in catalog if f.parent.resolve() != bundled}
    lines: list[str] = []
    for f, cfg, err in catalog:
        mine = f.parent.resolve() != bundled
        head = f"{f.stem:20} {'sites_dir' if mine else 'bundled'}"
        if cfg is None:
            lines.append(f"{head}  CANNOT BE READ: {err}")
            continue
        note = "" if mine or f.stem not in names_in_dirs else "  (replaced by the one in sites_dir)"
        match = ", ".join(cfg.match) or "(no match: only with --site)"
        lines.append(f"{head}  match {match}{note}" + (f"\n{'':21}{cfg.description}" if cfg.description else "")
                     + (f"\n{'':21}{f}" if mine else ""))
    if not dirs:
        lines.append("(no sites_dir set: your own configs can live in a folder named by sites_dir in reviewlens.toml, "
                     "or be passed as --site FILE)")
    return lines


def _short(value: Any, limit: int = 70) -> str:
    if value is None:
        return "-"
    s = " ".join(str(value).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if msg not in self.messages:
            self.messages.append(msg)


def try_page(url: str, settings: Settings, site: str | None = None,
              say: Callable[[str], None] = print) -> bool:
    """Load `url` (its first page only), extract with `site` (a name or a file; None: as a scrape would choose),
    and say what was found. Stores nothing. True when reviews were found."""
    import scraper

    dirs = settings.sites_dirs
    cfg = scraper.load_site(site, dirs) if site else None  # a broken config: SiteConfigError, said plainly
    found: Sequence[Any] = []
    if cfg is not None:
        fits = "" if not cfg.match or cfg.matches(url) else " (its match does not fit this URL: only with --site)"
        say(f"site config '{cfg.name}' ({cfg.path}), named with --site{fits}")
    else:
        found = scraper.find_sites(url, dirs)
        if found:
            say(f"zero-config extraction first; if it finds nothing, site config '{found[0].name}' "
                f"({scraper.match_reason(found[0], url)})")
            for other in found[1:]:
                say(f"  also matches, not used: '{other.name}' ({scraper.match_reason(other, url)}); sites_dir "
                    f"configs win over bundled ones, and within a folder the name last in A-Z order")
        else:
            say("no site config matches this URL: zero-config extraction (JSON-LD, microdata, page state)"
                + (", then the page's layout" if settings.scraper.guess_layout else " only (guess_layout = false)"))
    catcher = _Warnings()
    logger = logging.getLogger("scraper")
    logger.addHandler(catcher)
    crawl = scraper.scrape([url], settings.scraper, site=cfg, max_pages=1, sites_dirs=dirs, debug_dir=None)
    try:
        page = next(iter(crawl), None)
    finally:
        crawl.close()
        logger.removeHandler(catcher)
    reviews = list(page.reviews) if page else []
    if page is None:
        say(f"{url}: no page came back")
    else:
        if page.strategy == "config":
            by = f"site config '{(cfg or found[0]).name}'" if (cfg or found) else "a site config"
        elif page.strategy == "layout":
            by = "the page's layout (no structured reviews, no site config: `reviewlens sites make URL -o FILE` " \
                 "writes it as a config)"
        elif page.strategy:
            by = f"zero-config extraction ({page.strategy})"
        else:
            by = f"site config '{cfg.name}'" if cfg else ""
        say(f"{page.url}: {len(reviews)} review{'s' if len(reviews) != 1 else ''} found, read by {by}" if by else
            f"{page.url}: no reviews found by zero-config extraction, and no site config was used")
    if reviews:
        named = set(cfg.fields) if cfg is not None else set(found[0].fields) if found and page.strategy == "config" \
            else set()
        say("field        filled")
        for name, get in FIELDS:
            n = sum(1 for r in reviews if get(r) not in (None, ""))
            if n or name in named:
                say(f"  {name:10} {n:>3}/{len(reviews)}" + ("   <- named by the config, found on none" if not n else ""))
        own = sorted({k for r in reviews for k in (r.extra.get("fields") or {})})
        for name in own:
            n = sum(1 for r in reviews if (r.extra.get("fields") or {}).get(name))
            say(f"  {name:10} {n:>3}/{len(reviews)}   (own field)")
        for i, r in enumerate(reviews[:SAMPLE], 1):
            say(f"review {i}:")
            for name, get in FIELDS:
                v = get(r)
                if v not in (None, "") or name in named:
                    say(f"  {name:10} {_short(v)}")
            for name, v in (r.extra.get("fields") or {}).items():
                say(f"  {name:10} {_short(v)}")
    if page is not None and page.next_url and page.next_url != page.url:
        say(f"next page: {page.next_url}")
    if catcher.messages:
        say("warnings:")
        for m in catcher.messages:
            say(f"  {m}")
    # notes of single reviews: no page error in a scrape, but while writing a config an unreadable rating is
    # more often the selector than the customer
    if page is not None and (page.notes or page.skipped_ids or page.star_ratings):
        say("notes:")
        for m in page.notes:
            say(f"  {m}")
        if page.star_ratings:
            n = len(page.star_ratings)
            say(f"  {n} review block{'s' * (n != 1)} with a rating and no text (" + ", ".join(
                r["site_review_id"] or "no id" for r in page.star_ratings[:10]) + (" ..." if n > 10 else "")
                + "): a scrape keeps them as star-only ratings, apart from the reviews; if they have words, the "
                  "text selector misses them")
        if page.skipped_ids:
            n = len(page.skipped_ids)
            say(f"  {n} review block{'s' * (n != 1)} without a text skipped (" + ", ".join(page.skipped_ids[:10])
                + (" ..." if n > 10 else "") + "): stars without words, or a text selector that misses them")
    say("nothing was stored" + ("" if reviews else "; no reviews found: see scraper/sites/README.md"))
    return bool(reviews)


def make_config(url: str, settings: Settings, output: Path | None = None,
                say: Callable[[str], None] = print) -> bool:
    """`sites make URL [-o FILE]`: guess a site config from the page's layout (scraper/layout.py) and write it to
    `output` (then try it there as `sites test URL --site FILE` does), or print it. Stores nothing. True when a
    config was made."""
    import sys

    import scraper

    guess, structured = scraper.guess_site(url, settings.scraper)
    note = say if output is not None else (lambda line: print(line, file=sys.stderr))
    if structured:
        note(f"zero-config extraction already reads {structured} review{'s' * (structured != 1)} on this page "
             f"(JSON-LD, microdata or page state): a scrape needs no site config for it")
    if guess.site is None:
        note(f"{url}: no site config could be guessed: {guess.why}. Write one by hand (scraper/sites/README.md) "
             f"and try it with `reviewlens sites test URL --site FILE`")
        return False
    note(f"guessed from the page's layout: {guess.describe()}")
    missing = [f for f in ("rating", "date", "author") if f not in guess.site.fields]
    if missing:
        note(f"not found in most blocks: {', '.join(missing)} (add selectors for them by hand if the page shows them)")
    text = scraper.to_toml(guess, url)
    if output is None:
        print(text, end="")
        return True
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    say(f"wrote {output}; trying it on the page:")
    try_page(url, settings, str(output), say=say)
    say(f"to use it: put it in your sites_dir (reviewlens.toml), or `reviewlens scrape URL --site {output}`")
    return True
