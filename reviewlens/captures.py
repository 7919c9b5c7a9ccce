"""Debug captures: the HTML (and screenshot) of a page a scrape could not read, saved under
`Settings.debug_dir` (data/debug/) for the user to see what the site served.

A capture is the page as the site served it, so it holds the reviews on it as written: the e-mail
addresses, phone numbers, card numbers and IBANs that the store masks (reviewlens.privacy), and the
words and names of reviewers who later ask to be forgotten. `reviewlens privacy` looks through the
captures too, and `privacy --mask` deletes those that hold personal data rather than masking them in
place: in HTML a number can be split by markup (`<b>4111</b> 1111 ...`), written as character
references (`jane&#64;mail.example`) or escaped in a script's JSON (`\\u0040`), so a masked page could
still hold it, and the capture's screenshot shows the same page as pixels, which no finder reads. A
capture only helps to debug a page, and the next failure of that page captures it again: each scrape
deletes the captures older than KEEP_DAYS (or `[privacy] keep_days`, when shorter).
`reviewlens delete --author/--before` deletes the captures that hold a deleted review's words or its
reviewer's name, for the same reason.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .privacy import KINDS, Masker, counted

_TAG = re.compile(r"<[^>]*>")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_JSON_CHAR = re.compile(r'\\[nrt"/\\]')
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"[ \t\xa0]+")
MIN_WORDS = 4  # a deleted review's words are looked for when at least this many (fewer say nothing of anyone)


@dataclass
class Capture:
    """One capture: its files (the HTML, and the screenshot of the same page when there is one)."""

    html: Path
    files: list[Path]

    @property
    def name(self) -> str:
        return self.html.name


def captures(folder: str | Path | None) -> list[Capture]:
    """The captures under `folder` (each HTML file with the files of the same name: its screenshot), by name."""
    if folder is None or not Path(folder).is_dir():
        return []
    folder = Path(folder)
    by_stem: dict[str, list[Path]] = {}
    for p in folder.iterdir():
        if p.is_file():
            by_stem.setdefault(p.stem, []).append(p)
    return [Capture(folder / f"{stem}.html", sorted(files)) for stem, files in sorted(by_stem.items())
            if folder / f"{stem}.html" in files]


#: Captures are kept this many days (each scrape deletes the older ones): they hold reviews as written, personal
#: data included, and the next failure of a page captures it again. A shorter `[privacy] keep_days` wins.
KEEP_DAYS = 30


def older_than(folder: str | Path | None, days: float, now: float | None = None) -> list[Capture]:
    """The captures under `folder` last written more than `days` days ago."""
    limit = (time.time() if now is None else now) - days * 86400
    out = []
    for cap in captures(folder):
        try:
            if cap.html.stat().st_mtime < limit:
                out.append(cap)
        except OSError:
            continue
    return out


def readable(raw: str) -> str:
    """What a capture says, as text to look through: the page with its character references and JSON escapes
    undone, and again without its markup (so that "<b>4111</b> 1111" reads as one number)."""
    text = _JSON_CHAR.sub(lambda m: "/" if m.group() == "\\/" else " ",
                          _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw))
    return html.unescape(text) + "\n" + _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text)))


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


@dataclass
class Holder:
    """A capture that holds personal data: how much of each kind (counted once, however often it is found)."""

    capture: Capture
    counts: dict[str, int]


def look(folder: str | Path | None, masker: Masker) -> tuple[int, list[Holder]]:
    """The captures under `folder` that hold personal data of the masker's kinds: (how many captures were read,
    the holders)."""
    found: list[Holder] = []
    every = captures(folder)
    for cap in every:
        raw = _read(cap.html)
        if not raw:
            continue
        text = readable(raw)
        items = masker.find(text)
        if items:
            distinct: dict[str, set[str]] = {}
            for f in items:
                distinct.setdefault(f.kind, set()).add(re.sub(r"\W", "", text[f.start:f.end]).lower())
            counts = counted(items)
            found.append(Holder(cap, {k: len(distinct[k]) for k in KINDS if k in counts}))
    return len(every), found


def remove(items: Iterable[Capture]) -> int:
    """Delete the captures' files; how many captures went (a file that cannot be deleted is left, said by the
    count)."""
    n = 0
    for cap in items:
        ok = True
        for p in cap.files:
            try:
                p.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                ok = False
        n += ok
    return n


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def holding(folder: str | Path | None, texts: Iterable[str], names: Iterable[str] = ()) -> list[Capture]:
    """The captures under `folder` that hold one of `texts` (deleted reviews' words: the longest piece of each
    between masking markers such as "[email]", when it has MIN_WORDS words or more) or one of `names`
    (reviewers' names), word for word, case and punctuation aside."""
    pieces: set[tuple[str, ...]] = set()
    for t in texts:
        parts = [tuple(_words(x)) for x in re.split(r"\[(?:email|phone|card number|IBAN)\]", t or "")]
        best = max(parts, key=len, default=())
        if len(best) >= MIN_WORDS:
            pieces.add(best)
    pieces |= {w for w in (tuple(_words(n or "")) for n in names) if w}
    if not pieces:
        return []
    out = []
    for cap in captures(folder):
        raw = _read(cap.html)
        if not raw:
            continue
        words = _words(readable(raw))
        page = " " + " ".join(words) + " "
        starts = {tuple(words[i:i + k]) for k in (1, 2, 3) for i in range(len(words) - k + 1)}
        if any(p[:3] in starts and f" {' '.join(p)} " in page for p in pieces):  # a look-up first: many pieces
            out.append(cap)
    return out
