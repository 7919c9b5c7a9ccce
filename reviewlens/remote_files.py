"""Review exports published at a web address (a spreadsheet published as CSV, a bucket's public link, an
export your own system serves): downloaded to a local file that `records_io.import_file` reads.

The file's kind comes from the address's name (.csv, .xlsx, ...) or else from the server's Content-Type, so
a Google Sheets "publish to the web" link (`.../pub?output=csv`) works. Downloads are capped in size and
time; any failure is an ImportFileError that says what went wrong, as for a local file.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from .records_io import ImportFileError, safe_stem
from .urls import http_url

MAX_BYTES = 500 * 1024 * 1024   # an export larger than this is not a review export
TIMEOUT = 60.0                  # seconds to connect and between bytes
_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".xlsx")
_BY_TYPE = {"text/csv": ".csv", "application/csv": ".csv", "text/tab-separated-values": ".tsv",
            "application/json": ".json", "application/x-ndjson": ".jsonl", "application/jsonl": ".jsonl",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx", "text/plain": ".csv"}


def is_remote(name: str | Path) -> bool:
    """Whether `name` is a web address rather than a file path."""
    return isinstance(name, str) and http_url(name) is not None


def _local_name(url: str, content_type: str | None) -> str:
    """A file name for the download: the address's own when it has a known suffix, else its host (or
    last path part) with the suffix its Content-Type says."""
    parts = urlsplit(url)
    last = PurePosixPath(unquote(parts.path)).name
    stem = safe_stem(PurePosixPath(last).stem or parts.hostname or "export")
    suffix = PurePosixPath(last).suffix.lower()
    if suffix not in _SUFFIXES:
        mime = (content_type or "").split(";")[0].strip().lower()
        suffix = _BY_TYPE.get(mime, "")
        if not suffix:
            raise ImportFileError(f"{url}: the server sent {mime or 'no content type'}, not a CSV, JSON or "
                                  "Excel file (an address ending in .csv, .jsonl, .json or .xlsx, or a "
                                  "spreadsheet published as CSV)")
        stem = stem if last and stem != "pub" else safe_stem((parts.hostname or "export").replace(".", "_"))
    return stem + suffix


def download(url: str, folder: Path) -> Path:
    """Download `url` into `folder`; the local file. ImportFileError when it cannot be had."""
    import httpx

    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=TIMEOUT,
                          headers={"User-Agent": "ReviewLens (review export import)"}) as r:
            if r.status_code >= 400:
                raise ImportFileError(f"{url}: the server answered HTTP {r.status_code}")
            path = folder / _local_name(str(r.url), r.headers.get("content-type"))
            size = 0
            with path.open("wb") as f:
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise ImportFileError(f"{url}: larger than {MAX_BYTES // 2**20} MB; not a review export?")
                    f.write(chunk)
    except httpx.HTTPError as e:
        raise ImportFileError(f"{url}: could not be downloaded ({type(e).__name__}: {e})") from e
    return path
