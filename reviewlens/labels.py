"""The user's labels in and out of files: `reviewlens label import` (CSV / JSONL) and `label export`.

A label file has one label row per line. A row names its review by `id` (a review in the store) or by
its `text` (labels for texts not in the store are training examples too), and gives a `sentiment`, a
`topic` (optionally with `topic_sentiment`, the sentiment of that topic in the text), or both:

    id,sentiment,topic,topic_sentiment
    3f2a...,negative,delivery,negative
    {"text": "Arrived late and broken.", "topic": "delivery", "topic_sentiment": "negative"}

Values are checked, because a wrong label teaches the analysis something wrong: sentiments are
positive, neutral or negative in any case, or pos/neu/neg; topics are the taxonomy's slugs, which the
caller passes in (the core does not know the analysis stage), written any way that slugifies to one
("Customer service" is customer_service). An id must name a review in the store, unless the row also
gives the text (a file exported from another store): then the text is labelled. As `reviewlens
import` does, a bad row is reported with its line and skipped, and the good rows are imported. File reading (formats, encodings, streaming) is
reviewlens.records_io's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from .privacy import Masker
from .records_io import COLUMN_ALIASES, ImportFileError, _key, read_rows, write_rows
from .schema import SENTIMENTS, Label, content_hash
from .store import Store

__all__ = ["LABEL_COLUMNS", "LabelFileResult", "read_labels_file", "import_labels", "write_labels",
           "parse_sentiment", "topic_slug"]

#: Accepted column names (case-insensitive, spaces or dashes for underscores) for each field.
LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "review_id"),
    "text": COLUMN_ALIASES["text"],
    "sentiment": ("sentiment",),
    "topic": ("topic",),
    "topic_sentiment": ("topic_sentiment",),
    "source": ("source",),
    "created_at": ("created_at",),
    "content_hash": ("content_hash",),
}
#: What `write_labels` writes, one label per row: exactly what `read_labels_file` reads back.
EXPORT_COLUMNS = ["id", "text", "sentiment", "topic", "topic_sentiment", "source", "created_at", "content_hash"]

_SENTIMENT_SPELLINGS = {**{s: s for s in SENTIMENTS}, "pos": "positive", "neu": "neutral", "neg": "negative"}
_HASH = re.compile(r"[0-9a-f]{32}")


@dataclass
class LabelFileResult:
    rows: int = 0
    labels: list[Label] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"line": n, "message": ...}, as records_io's import
    encoding: str | None = None


def parse_sentiment(value: Any) -> str | None:
    """'Positive', ' pos ' -> 'positive'; None for anything that is not a sentiment."""
    return _SENTIMENT_SPELLINGS.get(str(value).strip().lower())


def topic_slug(value: Any) -> str:
    """A topic as written by a person, as the taxonomy's slug ('Customer service' -> 'customer_service')."""
    return re.sub(r"[^a-z0-9_]+", "_", str(value).strip().lower()).strip("_")


def _column_map(keys: Iterable[Any]) -> dict[str, str]:
    lower = {_key(k): k for k in keys if isinstance(k, str)}
    return {fld: lower[_key(a)] for fld, aliases in LABEL_COLUMNS.items() for a in reversed(aliases)
            if _key(a) in lower}  # reversed: the most specific alias is set last and wins


def _value(row: dict, mapping: dict[str, str], name: str) -> str | None:
    v = row.get(mapping[name]) if name in mapping else None
    return None if v is None or not str(v).strip() else str(v)


def _topic_said(slug: str, name: str | None) -> str:
    """A topic as a label file may give it: "check_in (Check-in and check-out)"; "room" where its name only
    spells the slug out ("Room")."""
    plain = slug.replace("_", " ").casefold()
    return f"{slug} ({name})" if name and name.casefold() not in (slug.casefold(), plain) else slug


def read_labels_file(path: str | Path, store: Store, topics: Iterable[str], *, source: str | None = None,
                     encoding: str | None = None, masker: Masker | None = None) -> LabelFileResult:
    """The labels of a CSV/TSV/JSONL/JSON file, checked: `topics` are the allowed topic slugs (a topic may also
    be written by its name, as the dashboard shows it: `queries.topic_labels`); ids are looked up in `store`.
    Bad rows are reported in the result with their line and left out; a file that cannot be read at all
    (missing, unknown format, no label columns) raises ImportFileError.

    `source` is the label's source for rows without a `source` column (default import:<file name>).
    `masker`: the personal data masked in the texts, as in the reviews they label (the settings'
    `Masker.from_settings(settings.privacy, store)`; default: every kind), so that a label of a review's text as
    the customer wrote it names the review as stored."""
    from .queries import topic_labels

    masker = Masker() if masker is None else masker
    path = Path(path)
    allowed = set(topics)
    res = LabelFileResult()
    res.encoding, rows = read_rows(path, encoding)
    default_source = source or f"import:{path.name}"
    # a topic may be written as the dashboard and the report name it ("Check-in and check-out" for check_in)
    names = {slug: name for slug, name in topic_labels(store).items() if slug in allowed}
    by_name = {" ".join(name.split()).casefold(): slug for slug, name in names.items()}
    allowed_text = ", ".join(_topic_said(t, names.get(t)) for t in sorted(allowed))
    pending: list[tuple] = []  # rows checked but for their id, looked up all at once afterwards
    checked_header = False

    def bad(line: int, message: str) -> None:
        res.errors.append({"line": line, "message": message})

    for line, row in rows:
        res.rows += 1
        if "__error__" in row:
            bad(line, row["__error__"])
            continue
        m = _column_map(row.keys())
        if not checked_header:  # a CSV's header; a JSONL file's first object
            checked_header = True
            if not {"id", "text"} & m.keys() or not {"sentiment", "topic"} & m.keys():
                raise ImportFileError(
                    f"{path}: a label file needs an id or text column and a sentiment and/or topic column "
                    f"(found: {', '.join(map(str, row.keys()))})")
        rid, text = _value(row, m, "id"), _value(row, m, "text")
        text = masker.text(text.replace("\x00", "")) if text else text  # as a Review's: hashed as it would be stored
        sentiment, topic, topic_sentiment = (_value(row, m, k) for k in ("sentiment", "topic", "topic_sentiment"))
        if rid is None and text is None:
            bad(line, "no review: give its id or its text")
            continue
        if sentiment is None and topic is None and topic_sentiment is None:
            bad(line, "no label: give a sentiment and/or a topic")
            continue
        found: list[tuple[str, str, str | None]] = []
        errors = []
        if sentiment is not None:
            if parse_sentiment(sentiment) is None:
                errors.append(f"sentiment {sentiment!r} is not one of {', '.join(SENTIMENTS)}")
            else:
                found.append(("sentiment", parse_sentiment(sentiment), None))
        if topic is None and topic_sentiment is not None:
            errors.append("topic_sentiment without a topic")
        elif topic is not None:
            ts = parse_sentiment(topic_sentiment) if topic_sentiment is not None else None
            slug = topic_slug(topic)
            slug = slug if slug in allowed else by_name.get(" ".join(topic.split()).casefold())
            if slug is None:
                errors.append(f"topic {topic!r} is not in the taxonomy (allowed: {allowed_text})")
            elif topic_sentiment is not None and ts is None:
                errors.append(f"topic_sentiment {topic_sentiment!r} is not one of {', '.join(SENTIMENTS)}")
            else:
                found.append(("topic", slug, ts))
        created = None
        if _value(row, m, "created_at") is not None:
            try:
                created = datetime.fromisoformat(_value(row, m, "created_at").strip())
                created = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
            except ValueError:
                errors.append(f"created_at {_value(row, m, 'created_at')!r} is not an ISO date and time")
        if errors:
            bad(line, "; ".join(errors))
            continue
        given_hash = _value(row, m, "content_hash")
        pending.append((line, rid.strip() if rid else None, text, found, _value(row, m, "source") or default_source,
                        created, given_hash.strip().lower() if given_hash else None))

    stored = store.review_texts(p[1] for p in pending if p[1] is not None)
    # an id that is no review's in the store may be the user's own (the id column of the file they imported, the
    # site's review id): the review stored with it, when only one is
    theirs = store.ids_of_site_ids(p[1] for p in pending if p[1] is not None and p[1] not in stored)
    stored.update(store.review_texts(ids[0] for ids in theirs.values() if len(ids) == 1))
    lines: list[int] = []  # each label's line, for the conflicts between them
    for line, rid, text, found, src, created, given_hash in pending:
        key = None
        if text is not None:
            key = content_hash(text)
            if given_hash and _HASH.fullmatch(given_hash) and given_hash != key:
                # `label export` wrote the text made safe for spreadsheets; its content_hash names the original
                key = given_hash
                if text.startswith("'") and content_hash(text[1:]) == key:
                    text = text[1:]
        if rid is not None and rid not in stored and len(theirs.get(rid, ())) > 1 and text is None:
            bad(line, f"id {rid!r} is the own id of {len(theirs[rid])} stored reviews (from different sources): "
                      "give the review's text, or its id as `reviewlens export` writes it")
            continue
        if rid is not None and rid not in stored and len(theirs.get(rid, ())) == 1:
            rid = theirs[rid][0]  # the user's own id of the review: the store's id from here on
        if rid is not None and rid in stored:
            if key is not None and key != content_hash(stored[rid]):
                bad(line, f"id {rid!r} names a review with another text than this row's")
                continue
            text, key = stored[rid], content_hash(stored[rid])
        elif text is None:
            bad(line, f"id {rid!r} is not a review in the store")
            continue
        else:  # an id from another store (an exported file), with its text: the text is what is labelled
            rid = None
        res.labels += [Label(key, text, kind, value, ts, rid, src, created) for kind, value, ts in found]
        lines += [line] * len(found)
    _drop_conflicts(res, lines)
    res.errors.sort(key=lambda e: e["line"])
    return res


def _drop_conflicts(res: LabelFileResult, lines: list[int]) -> None:
    """Labels of one file that say two things of one review (its sentiment positive on one line, negative on
    another; a topic said of it both ways): the store kept the last one without a word. Both are left out, each
    line an error naming the other, for the user to decide."""
    said: dict[tuple, list[int]] = {}
    for i, lb in enumerate(res.labels):
        said.setdefault((lb.content_hash, lb.kind, lb.value if lb.kind == "topic" else None), []).append(i)
    out: set[int] = set()
    for idx in said.values():
        values = {(res.labels[i].value, res.labels[i].topic_sentiment) for i in idx}
        if len(values) > 1:
            out.update(idx)
            for i in idx:
                others = ", ".join(str(lines[j]) for j in idx if j != i)
                lb = res.labels[i]
                what = (f"sentiment {lb.value}" if lb.kind == "sentiment" else
                        f"topic {lb.value}" + (f" ({lb.topic_sentiment})" if lb.topic_sentiment else ""))
                res.errors.append({"line": lines[i], "message": f"{what} of this review, which line {others} "
                                   "labels otherwise: both left out, keep the one you mean"})
    res.labels = [lb for i, lb in enumerate(res.labels) if i not in out]


def import_labels(store: Store, path: str | Path, topics: Iterable[str], **kw: Any) -> tuple[LabelFileResult, int, int]:
    """Read a label file (`read_labels_file`, same keywords) and store its good labels.
    Returns (result, added, replaced)."""
    res = read_labels_file(path, store, topics, **kw)
    added, replaced = store.add_labels(res.labels)
    return res, added, replaced


def _export_row(lb: Label) -> dict[str, Any]:
    return {"id": lb.review_id, "text": lb.text,
            "sentiment": lb.value if lb.kind == "sentiment" else None,
            "topic": lb.value if lb.kind == "topic" else None, "topic_sentiment": lb.topic_sentiment,
            "source": lb.source, "created_at": lb.created_at.isoformat() if lb.created_at else None,
            "content_hash": lb.content_hash}


def write_labels(labels: Sequence[Label], path: str | Path) -> int:
    """Write labels, one a row, as CSV or JSONL by the file's suffix (.csv, .jsonl/.ndjson); returns the
    number written. `label import` reads the file back to the same labels.

    As `reviewlens export` does: JSONL keeps the text exactly (unsafe characters JSON-escaped); CSV is
    for spreadsheets, its cells neutralised and prefixed against formulas, and its content_hash column
    still names the original text."""
    if Path(path).suffix.lower() not in (".csv", ".jsonl", ".ndjson"):
        raise ValueError(f"{path}: unknown label file format '{Path(path).suffix.lower()}' (use .csv or .jsonl)")
    return write_rows([_export_row(lb) for lb in labels], path, EXPORT_COLUMNS)
