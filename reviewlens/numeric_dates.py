"""Which comes first in dates written with numbers only (03/04/2026: 3 April or March 4): shared by an import,
which looks at a file's dates, and a scrape, which looks at a page's."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

#: a date written with numbers only, day and month in either order: 03/04/2026, 3.4.26, 03-04-2026
NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{2}|\d{4})\b")
#: the same inside other words ("Reviewed 03/04/2026", "Posted on 3.4.26 by Ann"), not inside 2026-03-04
NUMERIC_DATE_IN_TEXT = re.compile(r"(?<![\d./-])(\d{1,2})([./-])(\d{1,2})\2(\d{2}|\d{4})(?![\d./-]*\d)")
DATE_ORDERS = ("day", "month")


def date_evidence(values: Iterable[Any]) -> tuple[str | None, str | None]:
    """(`date_order_of` the values, the first numeric date among them that reads either way: 03/04/2026, not
    31/03/2026 nor 03/03/2026), in one pass."""
    day = month = False
    either = None
    for v in values:
        m = NUMERIC_DATE.match(v) if isinstance(v, str) else None
        if m:
            first, second = int(m.group(1)), int(m.group(3))
            day |= first > 12
            month |= second > 12
            if either is None and first != second and first <= 12 and second <= 12:
                either = v.strip()
    return ("day" if day and not month else "month" if month and not day else None), either


def date_order_of(values: Iterable[Any]) -> str | None:
    """Which comes first in numeric dates: "day" when one has a first number over 12 (31/01/2026) and none a
    second, "month" the other way round; None when they do not say."""
    return date_evidence(values)[0]


def numeric_dates_in(values: Iterable[Any]) -> list[str]:
    """The numeric dates written inside `values` (scraped date strings: "Reviewed 03/04/2026" gives "03/04/2026")."""
    out = []
    for v in values:
        m = NUMERIC_DATE_IN_TEXT.search(v) if isinstance(v, str) else None
        if m:
            out.append(m.group(0))
    return out


def swapped(d: date) -> date | None:
    """`d` with its day and month exchanged (2026-03-04 -> 2026-04-03): the same numeric date read the other way;
    None when there is no other way (the 3rd of March read either way, or a day over 12)."""
    if d.day > 12 or d.day == d.month:
        return None
    return date(d.year, d.day, d.month)
