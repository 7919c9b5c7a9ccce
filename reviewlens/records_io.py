"""Reviews in and out of files: `reviewlens import` (CSV / JSONL) and `reviewlens export` (JSONL / CSV)."""

from __future__ import annotations

import csv
import json
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from dateutil import parser as dateparser

from .schema import Review
from .store import Store

log = logging.getLogger(__name__)

# Accepted column names (case-insensitive) for each field, most specific first.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "review", "review_text", "body", "content", "comment", "review_body"),
    "rating": ("rating", "stars", "star_rating", "score", "star rating"),
    "date": ("date", "review_date", "created_at", "created", "time", "timestamp", "review date",
             "review submit date and time"),
    "author": ("author", "user", "username", "reviewer", "name", "user_name"),
    "title": ("title", "review_title", "headline", "summary", "review title"),
    "product": ("product", "product_name", "item", "app", "package name", "app_name"),
    "url": ("url", "link", "review_url", "review link"),
    "site_review_id": ("site_review_id", "review_id", "id", "reviewid"),
    "source": ("source", "site", "platform"),
}

EXPORT_FIELDS = ["id", "source", "product", "url", "author", "rating", "title", "text", "date",
                 "sentiment", "sentiment_score", "topics", "entities", "analysis_status"]


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unknown format, no text column)."""


@dataclass
class ImportResult:
    rows: int = 0
    reviews: list[Review] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"line": n, "message": ...}


def _norm_rating(value: Any, scale: float | None) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        v = value.strip().split("/")
        num = float(v[0].replace(",", "."))
        if len(v) == 2 and v[1].strip():
            return max(1.0, min(5.0, num / float(v[1]) * 5))
    else:
        num = float(value)
    if math.isnan(num):
        return None
    if scale and scale != 5:
        num = num / scale * 5
    if not 0 <= num <= 5.0001:
        raise ValueError(f"rating {value!r} is not on a 1-5 scale (use --rating-scale)")
    return max(1.0, min(5.0, num)) if num else None


def _norm_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value).date()
    s = str(value).strip()
    if s.isdigit() and len(s) >= 9:
        return _norm_date(int(s))
    return dateparser.parse(s).date()


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        with path.open(encoding="utf-8-sig") as f:
            if suffix == ".json":
                data = json.load(f)
                if isinstance(data, dict):
                    data = data.get("reviews") or data.get("data") or []
                for i, row in enumerate(data, 1):
                    yield i, row
                return
            for i, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    yield i, {"__error__": f"not valid JSON: {e.msg} at column {e.colno}"}
                    continue
                yield i, row if isinstance(row, dict) else {"__error__": "a JSON line must be an object"}
    elif suffix in (".csv", ".tsv", ".txt"):
        with path.open(encoding="utf-8-sig", newline="") as f:
            sample = f.read(8192)
            f.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel_tab if suffix == ".tsv" else csv.excel
            reader = csv.DictReader(f, dialect=dialect)
            for i, row in enumerate(reader, 2):  # line 1 is the header
                yield i, row
    else:
        raise ImportFileError(f"{path}: unknown format '{suffix}' (use .csv, .tsv, .jsonl or .json)")


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "_", name.strip().lower())


def _column_map(keys: Iterable[str]) -> dict[str, str]:
    lower = {_key(k): k for k in keys if isinstance(k, str)}
    mapping = {}
    for fld, aliases in COLUMN_ALIASES.items():
        for a in aliases:
            if _key(a) in lower:
                mapping[fld] = lower[_key(a)]
                break
    return mapping


def read_reviews_file(path: str | Path, *, source: str | None = None, rating_scale: float | None = None,
                      product: str | None = None) -> ImportResult:
    """Read a CSV/JSONL/JSON file of reviews. Bad rows are reported with their line and skipped."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    res = ImportResult()
    mapping: dict[str, str] | None = None
    default_source = source or f"import:{path.stem}"
    for line, row in _rows(path):
        res.rows += 1
        if "__error__" in row:
            res.errors.append({"line": line, "message": row["__error__"]})
            continue
        if mapping is None:
            mapping = _column_map(row.keys())
            if "text" not in mapping:
                raise ImportFileError(
                    f"{path}: no review text column; expected one of {', '.join(COLUMN_ALIASES['text'])} "
                    f"(found: {', '.join(map(str, row.keys()))})")
        get = lambda f: row.get(mapping[f]) if f in mapping else None  # noqa: E731
        text = get("text")
        if text is None or not str(text).strip():
            res.errors.append({"line": line, "message": "empty review text"})
            continue
        try:
            r = Review(
                source=str(get("source") or default_source), text=str(text),
                product=str(get("product")) if get("product") not in (None, "") else product,
                url=str(get("url")) if get("url") else None,
                author=str(get("author")) if get("author") not in (None, "") else None,
                rating=_norm_rating(get("rating"), rating_scale),
                title=str(get("title")) if get("title") not in (None, "") else None,
                date=_norm_date(get("date")),
                site_review_id=str(get("site_review_id")) if get("site_review_id") not in (None, "") else None,
            )
        except (ValueError, OverflowError, TypeError) as e:
            res.errors.append({"line": line, "message": f"{type(e).__name__}: {e}"})
            continue
        res.reviews.append(r)
    return res


def import_file(store: Store, path: str | Path, **kw: Any) -> tuple[ImportResult, int, int, int]:
    """Import a file into the store as one run. Returns (result, run_id, new, seen)."""
    res = read_reviews_file(path, **kw)
    run_id = store.start_run("import", str(path), "manual")
    new = seen = 0
    for i in range(0, len(res.reviews), 1000):
        n, s = store.upsert_reviews(res.reviews[i:i + 1000], run_id)
        new += n
        seen += s
    store.update_run(run_id, pages=1, new=new, seen=seen,
                     errors=[{"url": f"{path}:{e['line']}", "message": e["message"]} for e in res.errors])
    store.finish_run(run_id, "partial" if res.errors else "ok")
    return res, run_id, new, seen


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: Any) -> Any:
    """Spreadsheet apps run cells that start with = + - @ as formulas: prefix them with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_records(store: Store, path: str | Path, fmt: str, *, raw: bool = False, **filters: Any) -> int:
    """Write one record per review (with the analysis fields). Returns the number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        if fmt == "jsonl":
            for rec in store.iter_export_records(**filters):
                f.write(json.dumps({k: rec[k] for k in EXPORT_FIELDS}, ensure_ascii=False) + "\n")
                n += 1
        elif fmt == "csv":
            w = csv.DictWriter(f, fieldnames=EXPORT_FIELDS)
            w.writeheader()
            for rec in store.iter_export_records(**filters):
                row = {k: rec[k] for k in EXPORT_FIELDS}
                row["topics"] = json.dumps(row["topics"], ensure_ascii=False)
                row["entities"] = json.dumps(row["entities"], ensure_ascii=False)
                if not raw:
                    row = {k: _csv_safe(v) for k, v in row.items()}
                w.writerow(row)
                n += 1
        else:
            raise ValueError(f"unknown export format {fmt!r} (jsonl or csv)")
    tmp.replace(path)
    return n
