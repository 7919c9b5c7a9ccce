"""Repair the JSON that small models write: code fences, chatter around it, trailing commas,
single quotes, unquoted keys, Python literals, comments and output cut off by the token limit.

`parse_json(text)` returns the parsed value or raises `JSONRepairError` saying why; it never evaluates
anything (no `eval`), so model output built from untrusted review text is safe to feed it.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["JSONRepairError", "parse_json", "repair_json"]

_FENCE_RE = re.compile(r"```(?:json|JSON)?\s*(.*?)(?:```|$)", re.DOTALL)
_PY_LITERALS = {"True": "true", "False": "false", "None": "null"}


class JSONRepairError(ValueError):
    """Model output that holds no JSON that can be recovered."""


def parse_json(text: str | None, expect: type | tuple[type, ...] | None = (dict, list)) -> Any:
    """The JSON value in `text`, repaired if needed; `expect` restricts the top-level type."""
    if text is None or not str(text).strip():
        raise JSONRepairError("empty model output")
    text = str(text)
    candidates = [text]
    fenced = _FENCE_RE.search(text)
    if fenced:
        candidates.insert(0, fenced.group(1))
    last_error = "no JSON object found"
    for cand in candidates:
        start = _first_open(cand)
        if start < 0:
            continue
        try:
            value = json.loads(cand[start:])
        except json.JSONDecodeError:
            try:
                value = json.loads(repair_json(cand[start:]))
            except json.JSONDecodeError as e:
                last_error = f"unrepairable JSON ({e.msg} at char {e.pos})"
                continue
        if expect is not None and not isinstance(value, expect):
            last_error = f"expected {_names(expect)}, got {type(value).__name__}"
            continue
        return value
    raise JSONRepairError(f"{last_error}: {text[:120]!r}")


def _names(expect: type | tuple[type, ...]) -> str:
    types = expect if isinstance(expect, tuple) else (expect,)
    return " or ".join(t.__name__ for t in types)


def _first_open(text: str) -> int:
    idx = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    return min(idx) if idx else -1


def repair_json(text: str) -> str:
    """A best-effort valid JSON text for the first JSON value in `text` (a single pass tokenizer).

    Quotes keys and single-quoted strings, drops comments and trailing commas, maps Python literals,
    stops at the end of the first complete value and closes whatever a truncated output left open.
    """
    out: list[str] = []
    stack: list[str] = []
    i, n = 0, len(text)
    started = False
    while i < n:
        ch = text[i]
        if ch in "\"'":
            s, i = _read_string(text, i)
            out.append(s)
            continue
        if ch == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if ch == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if ch in "{[":
            stack.append("}" if ch == "{" else "]")
            started = True
            out.append(ch)
        elif ch in "}]":
            _drop_trailing_comma(out)
            if stack:
                out.append(stack.pop())
            if started and not stack:
                break
        elif ch.isalpha() or ch == "_":
            m = re.match(r"[A-Za-z_][A-Za-z0-9_\-]*", text[i:])
            word = m.group(0)
            i += len(word)
            rest = text[i:].lstrip()
            if rest.startswith(":"):
                out.append(json.dumps(word))  # unquoted key
            elif word in ("true", "false", "null"):
                out.append(word)
            elif word in _PY_LITERALS:
                out.append(_PY_LITERALS[word])
            else:
                out.append(json.dumps(word))  # bare word value
            continue
        elif ch in ",:" or ch.isspace() or ch in "-+.0123456789eE":
            out.append(ch)
        # anything else (stray characters) is dropped
        i += 1
    # close a truncated value: drop a dangling comma / key without value, then close brackets
    _drop_trailing_comma(out)
    joined = "".join(out).rstrip()
    if joined.endswith(":"):
        joined = joined[:-1].rstrip()
        # drop the orphan key
        joined = re.sub(r',?\s*"(?:[^"\\]|\\.)*"\s*$', "", joined)
    joined = re.sub(r",\s*$", "", joined)
    return joined + "".join(reversed(stack))


def _drop_trailing_comma(out: list[str]) -> None:
    k = len(out) - 1
    while k >= 0 and out[k].isspace():
        k -= 1
    if k >= 0 and out[k] == ",":
        del out[k]


def _read_string(text: str, i: int) -> tuple[str, int]:
    """A JSON string for the quoted string starting at i (either quote); an unterminated one is closed."""
    quote = text[i]
    j = i + 1
    buf: list[str] = []
    while j < len(text):
        c = text[j]
        if c == "\\" and j + 1 < len(text):
            nxt = text[j + 1]
            if nxt == quote:
                buf.append(quote)
            else:
                try:
                    buf.append(json.loads(f'"\\{nxt}"') if nxt != "u" else json.loads(f'"{text[j:j + 6]}"'))
                    if nxt == "u":
                        j += 4
                except json.JSONDecodeError:
                    buf.append(nxt)
            j += 2
            continue
        if c == quote:
            return json.dumps("".join(buf), ensure_ascii=False), j + 1
        if c == "\n" and quote == "'":
            break  # an apostrophe in a bare word, not a string: stop at the line end
        buf.append(c)
        j += 1
    return json.dumps("".join(buf), ensure_ascii=False), j
