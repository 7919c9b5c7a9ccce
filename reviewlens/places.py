"""The places a file of Google Maps reviews is of (Outscraper's, Apify's and lobstr's exports): the columns
that name a place (its id, its own figures, where it is), and a chain's branches told apart.

A scraper's file of a chain's branches names every branch as the chain does ("Pizza Roma"): read as one
product, the branches' reviews were one pile, and a manager could not see which branch the complaints come
from. `Branches` collects each name's places (one pass over the file, one entry a place) and names each branch
of a name that several places share by where it is: its city when the branches' cities differ, else its city
and street, else its street or address, else its place id ("Pizza Roma (Berlin)", "Pizza Roma (Hamburg,
Hafenstraße 2)"). Column names are compared as `records_io` compares them (lower case, words joined by "_").

A manager who exports each branch on its own imports the chain one file at a time: each file has one place, so
`Branches` is also told the places a store already holds under the name (`add_stored`). A place stored under a
branch's name keeps it (its file imported again does not rename it back to the chain's); a newcomer is named so
that it differs from those; what the store holds under the chain's bare name of a place that is now a branch (its
reviews, its star-only ratings) becomes the branch's (`Naming.renames`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
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


@dataclass
class Naming:
    """What `Branches.names` decided: the product of each (name, place id) of the file, the import's remarks, and
    the stored reviews to name anew: (the chain's name they are stored under, their place's ids, the branch's
    name)."""

    products: dict[tuple[str, str], str]
    remarks: list[str]
    renames: list[tuple[str, tuple[str, ...], str]]


def branch_of(product: str, name: str) -> bool:
    """Whether `product` is a branch of the chain `name` as `Branches` names them ("Pizza Roma (Berlin)")."""
    return product.startswith(f"{name} (") and product.endswith(")")


@dataclass
class _Place:
    """One place of a name: its ids (a scraper may give two: Outscraper's place_id and google_id), where it is, the
    products the store holds its reviews under, and its id in the file (None: only stored)."""

    ids: list[str]
    where: _Where
    products: set[str] = field(default_factory=set)
    in_file: str | None = None


class Branches:
    """The places of each name in a file (`add` each row) and in the store (`add_stored`), and the name each
    branch is stored under (`names`)."""

    def __init__(self) -> None:
        self._places: dict[str, dict[str, _Where]] = {}
        self._stored: list[tuple[str, tuple[str, ...], _Where]] = []  # (product, place ids, where) of the store's

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

    def add_stored(self, product: str, ids: tuple[str, ...], city: str = "", street: str = "",
                   address: str = "") -> None:
        """Note a place the store holds reviews of: under `product` (a name, or a branch's name), with the place
        ids its reviews carry (the most specific first), and where it is."""
        ids = tuple("" if i is None else str(i) for i in ids)  # "" where its reviews have none of that kind
        if any(ids):
            self._stored.append((product, ids, _Where(*(" ".join((v or "").split()) for v in (city, street,
                                                                                                address)))))

    def _stored_by_name(self) -> dict[str, list[tuple[str, tuple[str, ...], _Where]]]:
        """The store's places by each name they may be of: their product, and what precedes each " (" of a
        branch's name ("Pizza Roma (Frankfurt (Oder))" may be of "Pizza Roma" or "Pizza Roma (Frankfurt")."""
        out: dict[str, list[tuple[str, tuple[str, ...], _Where]]] = {}
        # those with the most specific id first: a place's first id is the most specific any of its reviews has
        for stored in sorted(self._stored, key=lambda s: [not i for i in s[1]]):
            product = stored[0]
            names = {product} | ({product[:m.start()] for m in re.finditer(r" \(", product)}
                                 if product.endswith(")") else set())
            for name in names:
                out.setdefault(name, []).append(stored)
        return out

    def _places_of(self, name: str, stored: list[tuple[str, tuple[str, ...], _Where]]) -> list[_Place]:
        """The places of `name`, the store's (`stored`: those that may be of it) and the file's: one a place,
        however many ids its reviews give."""
        out: list[_Place] = []
        for product, ids, where in stored:
            if product == name or branch_of(product, name):
                ids = tuple(i for i in ids if i)
                place = next((p for p in out if set(p.ids) & set(ids)), None)
                if place is None:
                    out.append(place := _Place([], where))
                place.ids += [i for i in ids if i not in place.ids]
                place.products.add(product)
        for pid, where in self._places[name].items():
            place = next((p for p in out if pid in p.ids), None)
            if place is None:
                out.append(place := _Place([pid], where))
            place.where, place.in_file = where, pid
        return out

    def names(self) -> Naming:
        """The branch's product for each (name, place id) of a name several places share, in the file or with
        the store, the remarks saying so, and the stored reviews to rename (`Naming`)."""
        out: dict[tuple[str, str], str] = {}
        remarks: list[str] = []
        renames: list[tuple[str, tuple[str, ...], str]] = []
        stored = self._stored_by_name()
        for name in self._places:
            places = self._places_of(name, stored.get(name, []))
            # a place stored under a branch's name keeps it (its file imported again is not the chain's again)
            kept = {id(p): min(p.products - {name}) for p in places if p.products - {name}}
            for p in places:
                if id(p) in kept and p.in_file is not None:
                    out[(name, p.in_file)] = kept[id(p)]
                if id(p) in kept and (name in p.products or p.in_file is not None):
                    renames.append((name, tuple(p.ids), kept[id(p)]))
            fresh = [p for p in places if id(p) not in kept]
            if len(places) < 2 or not fresh:
                continue
            taken = set(kept.values())
            for what, naming in _NAMINGS:
                wheres = [naming(p.in_file or p.ids[0], p.where) for p in fresh]
                called = [f"{name} ({w})" for w in wheres]
                if all(wheres) and len(set(called)) == len(called) and not taken & set(called):
                    break
            for p, branch in zip(fresh, called):
                if p.in_file is not None:
                    out[(name, p.in_file)] = branch
                # a place of the file too: what the store holds of it under the chain's name and no review's
                # fields tell (its star-only ratings, kept with their place id) becomes the branch's
                if name in p.products or p.in_file is not None:
                    renames.append((name, tuple(p.ids), branch))
            shown = sorted(called)
            before = sum(p.in_file is None for p in places)
            remarks.append(f"{len(places)} places share the name {name!r} (a chain's branches"
                           f"{f', {before} of them stored before' if before else ''}): each is its own product, "
                           f"named by its {what}: {', '.join(map(repr, shown[:4]))}"
                           f"{f' and {len(shown) - 4} more' if len(shown) > 4 else ''}"
                           f"{f' beside {len(taken)} named before' if taken else ''} (to keep them one product, "
                           "import with --column product=COLUMN)")
        return Naming(out, remarks, renames)
