"""The places a file of Google Maps reviews is of (Outscraper's, Apify's and lobstr's exports): the columns
that name a place (its id, its own figures, where it is), and a chain's branches told apart.

A scraper's file of a chain's branches names every branch as the chain does ("Pizza Roma"): read as one
product, the branches' reviews were one pile, and a manager could not see which branch the complaints come
from. `Branches` collects each name's places (one pass over the file, one entry a place) and names each branch
of a name that several places share by where it is: its city when the branches' cities differ, else its city
and street, else its street or address, else its place id ("Pizza Roma (Berlin)", "Pizza Roma (Hamburg,
Hafenstraße 2)"). Column names are compared as `records_io` compares them (lower case, words joined by "_")."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

#: Column names of a place's id, the most specific first (Outscraper has both "place_id" and "google_id"; Apify
#: names it "placeId", lobstr "place_id"). Not a bare "cid" (lobstr's too): a survey's customer id is called so.
PLACE_IDS = ("place_id", "google_place_id", "google_id")
#: The place's own figures such a file repeats on each of its reviews (Outscraper's "reviews", the place's count;
#: lobstr's "place_average_score" and "total_reviews"; Apify's "totalScore" and "reviewsCount"): not read, as its
#: "rating" (the place's average) is not. Kept, they were shown beside each review as if they were its own
#: ("reviews: 812") and offered as a segment to compare by.
PLACE_FIGURES = frozenset({"reviews", "total_reviews", "place_average_score", "total_score", "reviews_count",
                           "user_ratings_total", "place_rating", "place_reviews_count", "average_rating"})
#: Where a place is, as the scrapers name it: its city, its street, its whole address
CITY_COLUMNS = ("city", "place_city", "locality", "town")
STREET_COLUMNS = ("street", "place_street", "street_address", "address_line_1")
ADDRESS_COLUMNS = ("full_address", "address", "place_address", "formatted_address")


def place_id_column(named: Mapping[str, Any]) -> Any:
    """The column of a place's id among `named` ({compared name: column}), or None: the file is not of places."""
    return next((named[k] for k in PLACE_IDS if k in named), None)


@dataclass(frozen=True)
class _Where:
    city: str
    street: str
    address: str


def _cell(row: Mapping[Any, Any], named: Mapping[str, Any], names: tuple[str, ...]) -> str:
    col = next((named[k] for k in names if k in named), None)
    value = row.get(col) if col is not None else None
    return " ".join(str(value).split()) if value not in (None, "") else ""


#: How a branch is named, tried in turn: the first whose values every branch of the name has, each its own
_NAMINGS: tuple[tuple[str, Callable[[str, _Where], str]], ...] = (
    ("city", lambda pid, w: w.city),
    ("city and street", lambda pid, w: f"{w.city}, {w.street or w.address.split(',')[0].strip()}" if w.city else ""),
    ("street", lambda pid, w: w.street or w.address.split(",")[0].strip()),
    ("address", lambda pid, w: w.address),
    ("place id", lambda pid, w: pid),
)


class Branches:
    """The places of each name in a file (`add` each row), and the name each branch is stored under (`names`)."""

    def __init__(self) -> None:
        self._places: dict[str, dict[str, _Where]] = {}

    def add(self, name: Any, row: Mapping[Any, Any], named: Mapping[str, Any]) -> None:
        """Note the place of one row: `name` its product as the file gives it, `named` its columns by compared
        name. A row without a place id or a name tells nothing."""
        pid_col = place_id_column(named)
        pid = row.get(pid_col) if pid_col is not None else None
        if name in (None, "") or pid in (None, ""):
            return
        places = self._places.setdefault(str(name), {})
        if str(pid) not in places:
            places[str(pid)] = _Where(_cell(row, named, CITY_COLUMNS), _cell(row, named, STREET_COLUMNS),
                                      _cell(row, named, ADDRESS_COLUMNS))

    def names(self) -> tuple[dict[tuple[str, str], str], list[str]]:
        """({(name, place id): the branch's product name} for each name several places share, the import's
        remarks saying so)."""
        out: dict[tuple[str, str], str] = {}
        remarks = []
        for name, places in self._places.items():
            if len(places) < 2:
                continue
            for what, naming in _NAMINGS:
                wheres = {pid: naming(pid, w) for pid, w in places.items()}
                if all(wheres.values()) and len(set(wheres.values())) == len(wheres):
                    break
            named = {pid: f"{name} ({where})" for pid, where in wheres.items()}
            out.update(((name, pid), product) for pid, product in named.items())
            shown = sorted(named.values())
            remarks.append(f"{len(places)} places share the name {name!r} (a chain's branches): each is its own "
                           f"product, named by its {what}: {', '.join(map(repr, shown[:4]))}"
                           f"{f' and {len(shown) - 4} more' if len(shown) > 4 else ''} (to keep them one product, "
                           "import with --column product=COLUMN)")
        return out, remarks
