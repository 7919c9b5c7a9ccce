"""Reviews that look suspicious: the checks ReviewMeta-style tools run before anyone trusts a rating.

Four patterns, each one a reason a reader should look twice, never proof of a fake:

* **copied**: the same (or nearly the same) text of ten words or more, posted by different reviewers
  or for different products. Short stock phrases ("Great product, works as described.") are not
  counted: many people write them. Near copies are found with MinHash LSH (datasketch) over word
  3-shingles and confirmed with the exact Jaccard similarity.
* **burst**: a product's day with far more five-star (or one-star: review bombing) reviews than its
  usual: at least five, and a Poisson tail probability under 1 in 10,000 against the product's rate of
  such reviews over the 60 days before. A product's first 14 days have no usual and are not judged.
* **repeat**: one reviewer reviewing the same product two or more times with different texts within 30
  days. Only a name that tells people apart counts: a full name ("Sofia Hernandez") or a user name with
  digits or an underscore ("sofia_h88"); a first name, a first name and an initial ("Sofia H.", which
  many reviewers of a busy product share) and generic names ("A Customer") do not, nor a platform's numbered
  placeholder for an anonymous reviewer ("Guest 689", "Anonymous 12", "user_5521"), nor a name so common
  in the store that a busy product gets it twice by chance ("John Smith").
* **spree**: one reviewer (a name that tells people apart, as above) giving four or more different
  products the same five (or one) stars on one day: how review farms and paid accounts work. A name so
  common that a day's reviews hold it that often by chance is not counted.

`find(rows)` is pure (rows in, findings out); `current(store)` keeps the store's findings (table
`review_flags`) up to date with its reviews, so that filters and the dashboard read them with SQL.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
import time
from array import array
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from itertools import accumulate, groupby
from typing import Any, Iterable, Mapping, Sequence

from .store import FLAGS_CHECKPOINT as CHECKPOINT

log = logging.getLogger(__name__)

KINDS = {  # what a finding of each kind is, as a heading
    "copied": "Copied texts",
    "burst": "Bursts of same-star reviews",
    "repeat": "Repeat reviewers",
    "spree": "Review sprees",
}
REVIEWS_OF_KIND = {  # what the reviews of each kind are, after a number
    "copied": "with a text other reviewers posted too",
    "burst": "in a burst of same-star reviews",
    "repeat": "by a reviewer who reviewed the product again within 30 days",
    "spree": "by a reviewer who gave many products the same stars on one day",
}
MIN_WORDS = 10            # a copied text has at least this many words
NEAR = 0.8                # Jaccard similarity of word 3-shingles for a near copy
BURST_MIN = 5             # reviews of one star on one day, at least
BURST_P = 1e-4            # Poisson tail probability under the product's usual rate
BURST_LOOKBACK = 60       # days before a day that make its usual
BURST_WARMUP = 14         # a product's first days have no usual
SPREE_MIN = 4             # products one reviewer rates the same on one day, at least
REPEAT_DAYS = 30          # one reviewer's reviews of a product within this many days of each other
SAY_FROM = 20_000         # reviews: a check of this many takes a second or more, said before it starts
GENERIC_AUTHORS = {
    "", "anonymous", "anon", "a customer", "customer", "verified buyer", "verified purchaser", "verified customer",
    "verified reviewer", "guest", "user", "amazon customer", "a google user", "google user", "kindle customer",
    "n a", "na", "none", "unknown", "reviewer", "client", "shopper", "a shopper", "buyer", "someone", "deleted",
    "a guest", "guest user", "a user", "deleted user", "anonymous user", "anonymous reviewer", "anonymous customer",
    "anonymous guest", "verified guest", "traveler", "traveller", "member", "visitor", "diner", "google reviewer",
    "tripadvisor member", "tripadvisor reviewer", "facebook user", "yelp user", "amazon buyer", "former customer",
}
_WORD = re.compile(r"\w+", re.UNICODE)
#: a platform's number after (or on) a placeholder name: "Guest 689", "user_1234", "Customer #42", "guest689"
#: (at most 9 digits: a privacy pseudonym, "Reviewer 3fa91c2e07", has 10 hex digits and stays a name)
_PLACEHOLDER_NUMBER = re.compile(r"(?:(?<=[^\W\d_])_?\d{1,9}|\b\d{1,9})\b")


@dataclass
class Finding:
    """One suspicious pattern and the reviews in it."""

    kind: str                  # copied | burst | repeat
    key: str                   # stable across checks of the same reviews
    title: str                 # one line for people (no review text in it)
    review_ids: list[str]
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def words(text: str | None) -> list[str]:
    return _WORD.findall((text or "").lower())


def author_key(author: str | None) -> str | None:
    """A reviewer's name as compared (lower case, letters and digits); None for a missing or generic name, and
    for a platform's numbered placeholder ("Guest 689", "Anonymous 12", "user_5521": an export's anonymous
    reviewers, whose numbers repeat by chance in a store of a few hundred reviews)."""
    key = " ".join(words(author))
    if key in GENERIC_AUTHORS or len(key) < 3:
        return None
    bare = " ".join(_PLACEHOLDER_NUMBER.sub(" ", key).split())
    return None if bare != key and bare in GENERIC_AUTHORS else key


def _star(rating: Any) -> int | None:
    try:
        r = float(rating)
    except (TypeError, ValueError):
        return None
    return 5 if r >= 4.5 else 1 if r <= 1.5 else None


def _day(v: Any) -> date | None:
    if v is None or v != v:  # None or NaN/NaT
        return None
    if isinstance(v, date):
        return v if type(v) is date else v.date() if hasattr(v, "date") else v
    try:
        return date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass
class _Rows:
    """The reviews as the four checks read them, worked out once for all four (each worked out the words, names
    and dates again, review by review): at each index, a row and what the checks take from it."""

    rows: list[Mapping[str, Any]]
    text: list[str]            # the text's words, lower case, joined by single spaces: what copies compare
    words: list[int]           # how many words
    day: list[date | None]
    star: list[int | None]     # 5, 1, or None for other ratings and none
    product: list[str]         # the product, else the source
    key: list[str | None]      # the reviewer's name as compared (author_key)
    distinct: list[bool]       # whether that name tells people apart (distinctive)


def _prepare(rows: list[Mapping[str, Any]]) -> _Rows:
    t = _Rows(rows, [], [], [], [], [], [], [])
    names: dict[Any, tuple[str | None, bool]] = {}  # a store's reviewers write many reviews each
    for r in rows:
        ws = words(r.get("text"))
        t.text.append(" ".join(ws))
        t.words.append(len(ws))
        t.day.append(_day(r.get("date")))
        t.star.append(_star(r.get("rating")))
        t.product.append(r.get("product") or r.get("source") or "")
        author = r.get("author")
        if author not in names:
            key = author_key(author)
            names[author] = (key, distinctive(key))
        key, distinct = names[author]
        t.key.append(key)
        t.distinct.append(distinct)
    return t


# ------------------------------------------------------------------------------------- copied texts
_CHUNK = 1 << 16  # shingles, pairs or elements handled at once: bounds the memory the copy check takes


def _shingle_sets(texts: Sequence[str]) -> tuple[Any, Any, Any]:
    """Each text's distinct word 3-shingles as integers, not strings (a store's shingles as Python strings
    took most of the check's memory): text i's are `ids[ptr[i]:ptr[i + 1]]`, and `hashes[s]` is what
    datasketch hashes shingle s to (sha1_hash32 of its words joined by spaces), worked out once per distinct
    shingle of the store, not once per text that holds it. `texts`: words joined by single spaces, three at
    least. Worked out a chunk of texts at a time, so that the memory taken is the shingles' numbers."""
    import numpy as np
    import pandas as pd

    vocab: defaultdict[str, int] = defaultdict()
    vocab.default_factory = vocab.__len__  # a word not seen yet gets the next number
    codes = array("i")
    lens = np.empty(len(texts), np.int64)
    for i, text in enumerate(texts):
        n = len(codes)
        codes.extend(map(vocab.__getitem__, text.split(" ")))
        lens[i] = len(codes) - n
    c = np.frombuffer(codes, np.int32)
    v = np.int64(len(vocab))
    starts = np.cumsum(lens) - lens
    # a shingle's number: its three words' (exact in 63 bits for up to 2 million words), else its first two
    # words' pair numbered among the store's pairs, then the third word
    pairs = None if v < 1 << 21 else pd.factorize(c[:-1].astype(np.int64) * v + c[1:])
    key = np.empty(int((lens - 2).sum()), np.int64)  # each text's distinct shingles, text after text
    ptr = np.zeros(len(texts) + 1, np.int64)
    cut = np.searchsorted(starts, np.arange(0, len(c), _CHUNK))
    for lo, hi in zip(cut, list(cut[1:]) + [len(texts)]):
        n = lens[lo:hi] - 2
        pos = _spread(starts[lo:hi], n)
        head = c[pos].astype(np.int64) * v + c[pos + 1] if pairs is None else pairs[0][pos].astype(np.int64)
        local, found = pd.factorize(head * v + c[pos + 2])  # numbered within the chunk: by text in one key
        both = np.sort(np.repeat(np.arange(hi - lo, dtype=np.int64), n) * len(found) + local)
        both = both[np.concatenate(([True], both[1:] != both[:-1]))]  # a text's shingle once
        ptr[lo + 1:hi + 1] = ptr[lo] + np.cumsum(np.bincount(both // len(found), minlength=hi - lo))
        key[ptr[lo]:ptr[hi]] = found[both % len(found)]
    key = key[:ptr[-1]]
    ids, distinct = pd.factorize(key)  # the store's distinct shingles, numbered
    ids = ids.astype(np.int32 if len(distinct) < 1 << 31 else np.int64)
    del key
    head, third = np.divmod(distinct, v)
    if pairs is not None:
        head = pairs[1][head]
    first, second = np.divmod(head, v)
    del head, distinct, c, codes
    encoded = [w.encode("utf-8") for w in vocab]
    sha1 = hashlib.sha1
    hashes = np.concatenate([np.zeros(0, np.uint32)] + [
        np.frombuffer(b"".join([sha1(b" ".join((encoded[x], encoded[y], encoded[z]))).digest()[:4] for x, y, z
                                in zip(first[k:k + _CHUNK].tolist(), second[k:k + _CHUNK].tolist(),
                                       third[k:k + _CHUNK].tolist())]), "<u4").astype(np.uint32)
        for k in range(0, len(first), _CHUNK)])
    return ptr, ids, hashes


def _fmix32(h: Any) -> Any:
    """MurmurHash3's finalizer on uint32s: datasketch's pre-mix of the input hashes (its affine32 scheme)."""
    import numpy as np

    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _signatures(ptr: Any, ids: Any, hashes: Any, num_perm: int = 64) -> Any:
    """Every text's MinHash at once (one row a text), the very values datasketch's MinHash gives the same
    shingles (its permutations, seed and scheme): computed text by text (MinHash.bulk) they took a third of
    the check at 100,000 reviews; here one permutation at a time over every text's shingles."""
    import numpy as np
    from datasketch import MinHash

    ref = MinHash(num_perm=num_perm)
    a, b = ref.permutations
    if getattr(ref, "scheme", "legacy") == "legacy":  # datasketch before 2.0
        prime, top = np.uint64((1 << 61) - 1), np.uint64((1 << 32) - 1)
        h, permute = hashes.astype(np.uint64)[ids], (lambda h, a, b: ((a * h + b) % prime) & top)
    else:
        h, permute = _fmix32(hashes)[ids], (lambda h, a, b: a * h + b)  # affine32: uint32 arithmetic wraps
    sig = np.empty((len(ptr) - 1, num_perm), ref.hashvalues.dtype)
    with np.errstate(over="ignore"):
        for k in range(num_perm):
            sig[:, k] = np.minimum.reduceat(permute(h, a[k], b[k]), ptr[:-1])
    return sig


def _bucket_pairs(sig: Any, bands: int, rows: int) -> Iterable[tuple[Any, Any]]:
    """The candidate pairs of MinHash LSH: texts whose signatures agree on every row of some band, as datasketch's
    MinHashLSH finds them (the same bands and rows), in chunks of about _CHUNK pairs (i < j)."""
    import numpy as np

    for band in range(bands):
        cols = sig[:, band * rows:(band + 1) * rows]
        order = np.lexsort(cols.T[::-1])  # texts with the same band side by side
        cols = cols[order]
        start = np.flatnonzero(np.concatenate(([True], (cols[1:] != cols[:-1]).any(axis=1))))
        size = np.diff(np.concatenate((start, [len(order)])))
        at = np.arange(len(order)) - np.repeat(start, size)  # place within its bucket
        later = np.repeat(size, size) - 1 - at                # partners after it in its bucket
        ends = np.cumsum(later)
        cut = np.unique(np.searchsorted(ends, np.arange(0, ends[-1] if len(ends) else 0, _CHUNK), side="right"))
        for lo, hi in zip(cut, list(cut[1:]) + [len(order)]):
            n = later[lo:hi]
            if not n.sum():
                continue
            first = np.repeat(np.arange(lo, hi), n)
            second = first + 1 + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
            i, j = order[first], order[second]
            yield np.minimum(i, j), np.maximum(i, j)


def _spread(starts: Any, lens: Any) -> Any:
    """The indexes start, start + 1, ... of each (start, len) run, one after the other."""
    import numpy as np

    return np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))


def _near(ptr: Any, ids: Any, i: Any, j: Any) -> Any:
    """Which pairs (i, j) of texts have a Jaccard similarity of NEAR or more, exactly, on the integer shingles."""
    import numpy as np

    li, lj = ptr[i + 1] - ptr[i], ptr[j + 1] - ptr[j]
    ok = np.minimum(li, lj) >= NEAR * np.maximum(li, lj)  # a shorter set by more than that cannot be near
    out = np.zeros(len(i), bool)
    idx = np.flatnonzero(ok)
    s = np.int64(ids.max()) + 1 if len(ids) else 1
    ends = np.cumsum(li[idx] + lj[idx])
    cut = np.unique(np.searchsorted(ends, np.arange(0, ends[-1] if len(ends) else 0, 4 * _CHUNK), side="right"))
    for lo, hi in zip(cut, list(cut[1:]) + [len(idx)]):
        k = idx[lo:hi]
        tag = np.arange(len(k))
        both = np.concatenate((np.repeat(tag, li[k]) * s + ids[_spread(ptr[i[k]], li[k])],
                               np.repeat(tag, lj[k]) * s + ids[_spread(ptr[j[k]], lj[k])]))
        both.sort()
        inter = np.bincount(both[1:][both[1:] == both[:-1]] // s, minlength=len(k))
        out[k] = inter >= NEAR * (li[k] + lj[k] - inter)
    return out


def _near_groups(texts: Sequence[str]) -> list[list[int]]:
    """Indexes of `texts` grouped by near-copy (union of pairs with Jaccard >= NEAR); singletons left out.

    MinHash LSH as datasketch does it (its MinHash values, its bands and rows for the threshold), for all texts
    at once with numpy: datasketch's per-text MinHash.bulk and MinHashLSH insert and query calls took 12 of the
    check's 16 s at 100,000 reviews. Pairs already joined through others are not compared again."""
    import numpy as np
    from datasketch import MinHashLSH
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ptr, ids, hashes = _shingle_sets(texts)
    lsh = MinHashLSH(threshold=NEAR * 0.9, num_perm=64)  # a little below: LSH misses some pairs at the bar
    sig = _signatures(ptr, ids, hashes, 64)
    group = np.arange(len(texts))
    for i, j in _bucket_pairs(sig, lsh.b, lsh.r):
        apart = group[i] != group[j]
        i, j = i[apart], j[apart]
        hit = _near(ptr, ids, i, j)
        if hit.any():
            n = len(texts)
            graph = coo_matrix((np.ones(int(hit.sum())), (group[i[hit]], group[j[hit]])), shape=(n, n))
            group = connected_components(graph, directed=False)[1][group]
    members: dict[int, list[int]] = defaultdict(list)
    for k, g in enumerate(group.tolist()):
        members[g].append(k)
    return [g for g in members.values() if len(g) > 1]


def _copied(t: _Rows) -> list[Finding]:
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, (text, n) in enumerate(zip(t.text, t.words)):
        if n >= MIN_WORDS:
            by_text[text].append(i)
    texts = list(by_text)
    near = _near_groups(texts) if len(texts) > 1 else []
    grouped = {i for g in near for i in g}
    groups = near + [[i] for i, text in enumerate(texts) if i not in grouped and len(by_text[text]) > 1]
    rows, out = t.rows, []
    for g in groups:
        members = [k for i in g for k in by_text[texts[i]]]
        if len(members) < 2:
            continue
        # one person posting one review on two sites is not a copy: a reviewer is a name and a product
        # (a review without a usable name counts as its own reviewer)
        people = {(t.key[k] or f"id:{rows[k]['id']}", rows[k].get("product") or "") for k in members}
        if len(people) < 2:
            continue
        products = sorted({t.product[k] for k in members})
        authors = {t.key[k] for k in members} - {None}
        ids = sorted(rows[k]["id"] for k in members)
        exact = len(g) == 1
        title = (f"{len(ids)} reviews with {'the same' if exact else 'nearly the same'} text"
                 f" ({len(authors) or 'no'} named reviewer{'' if len(authors) == 1 else 's'}, "
                 f"{len(products)} product{'' if len(products) == 1 else 's'})")
        out.append(Finding("copied", "copied:" + _digest(*sorted(texts[i] for i in g)), title, ids,
                           {"reviews": len(ids), "exact": exact, "products": products,
                            "words": min(len(texts[i].split()) for i in g)}))
    return out


# ------------------------------------------------------------------------------------------- bursts
def usual_text(before: int, days: int) -> str:
    """How many such reviews the days before a burst had, in words: "none in the 60 days before", "about one
    every 3 days before", "about 2.5 a day before"."""
    if before == 0:
        return f"none in the {days} days before"
    if before < days:
        return f"about one every {round(days / before):g} days before"
    return f"about {before / days:.1f} a day before"


def _bursts(t: _Rows) -> list[Finding]:
    from scipy.stats import poisson

    by_product: dict[str, list[tuple[date, int, str]]] = defaultdict(list)
    for r, day, star, product in zip(t.rows, t.day, t.star, t.product):
        if day is not None:
            by_product[product].append((day, star or 0, r["id"]))
    judged = []  # (product, star, day, ids, reviews the days before, days before) of each day that may be a burst
    for product, items in by_product.items():
        first = min(d for d, _, _ in items)
        for star in (5, 1):
            per_day: dict[date, list[str]] = defaultdict(list)
            for d, s, rid in items:
                if s == star:
                    per_day[d].append(rid)
            days = sorted(per_day)
            upto = list(accumulate((len(per_day[d]) for d in days), initial=0))  # such reviews before each day
            for n, day in enumerate(days):
                ids = per_day[day]
                known = (day - first).days
                if len(ids) < BURST_MIN or known < BURST_WARMUP:
                    continue
                span = min(known, BURST_LOOKBACK)
                before = upto[n] - upto[bisect.bisect_left(days, day - timedelta(days=span))]
                judged.append((product, star, day, ids, before, span))
    # a rate never seen is not a rate of zero; every day's tail in one call (one call a day took seconds)
    tails = poisson.sf([len(j[3]) - 1 for j in judged], [max(j[4] / j[5], 1 / j[5]) for j in judged]) if judged else []
    out = []
    for (product, star), days_ in groupby(zip(judged, tails), key=lambda x: x[0][:2]):
        hot = [(day, ids, (before, span), float(p)) for (_, _, day, ids, before, span), p in days_ if p < BURST_P]
        # consecutive burst days are one burst
        runs: list[list[tuple]] = []
        for item in hot:
            if runs and (item[0] - runs[-1][-1][0]).days == 1:
                runs[-1].append(item)
            else:
                runs.append([item])
        for run in runs:
            ids = sorted(i for _, day_ids, _, _ in run for i in day_ids)
            start, end = run[0][0], run[-1][0]
            before, span = run[0][2]
            when = f"on {start}" if start == end else f"from {start} to {end}"
            stars = "five-star" if star == 5 else "one-star"
            title = f"{len(ids)} {stars} reviews of {product or 'one source'} {when} ({usual_text(before, span)})"
            out.append(Finding("burst", f"burst:{_digest(product, str(star), start.isoformat())}", title, ids,
                               {"product": product, "stars": star, "start": start.isoformat(),
                                "end": end.isoformat(), "reviews": len(ids), "before": before, "days_before": span,
                                "usual_per_day": round(before / span, 3), "p": min(x[3] for x in run)}))
    return out


# ---------------------------------------------------------------------------------- repeat reviewers
def distinctive(key: str | None) -> bool:
    """Whether a reviewer's name (an `author_key`) tells people apart: two words of two letters or more, or
    one with a digit or an underscore."""
    if key is None:
        return False
    parts = key.split()
    return sum(len(w) >= 2 for w in parts) >= 2 or any(ch.isdigit() or ch == "_" for ch in key)


def _by_chance(k: Sequence[int], others: Sequence[int], total: int, draws: Sequence[int]) -> list[bool]:
    """Whether each name whose reviews elsewhere are `others` of the store's `total` turns up `k` times among
    `draws` reviews with a Poisson tail probability of 0.01 or more; never for a name found nowhere else. All
    in one call: one a name took seconds at 100,000 reviews."""
    import numpy as np
    from scipy.stats import poisson

    if not len(k):
        return []
    k, others, draws = np.asarray(k), np.asarray(others), np.asarray(draws)
    return ((others > 0) & (poisson.sf(k - 1, draws * others / total) >= 0.01)).tolist()


def _repeats(t: _Rows) -> list[Finding]:
    by_person: dict[tuple[str, str], list[int]] = defaultdict(list)
    name_count: dict[str, int] = defaultdict(int)
    product_days: dict[str, list[int]] = defaultdict(list)  # each product's review dates, as ordinals
    for n, (key, product, d, distinct) in enumerate(zip(t.key, t.product, t.day, t.distinct)):
        if d is not None:
            product_days[product].append(d.toordinal())
        if distinct:
            by_person[(key, product)].append(n)
            name_count[key] += 1
    for days_ in product_days.values():
        days_.sort()
    seen = []  # (key, product, reviews, days, the name's reviews elsewhere, the product's reviews around them)
    for (key, product), items in by_person.items():
        if len({t.text[n] for n in items}) < 2:
            continue  # the same review seen twice (on two sites, or edited by nothing but spacing)
        dated = sorted(((d, n) for n in items if (d := t.day[n]) is not None), key=lambda x: x[0])
        clusters: list[list[int]] = []
        last: date | None = None
        for d, n in dated:
            if last is not None and (d - last).days <= REPEAT_DAYS:
                clusters[-1].append(n)
            else:
                clusters.append([n])
            last = d
        undated = [n for n in items if t.day[n] is None]
        if len(undated) > 1:
            clusters.append(undated)
        for cluster in clusters:
            if len(cluster) < 2 or len({t.text[n] for n in cluster}) < 2:
                continue
            days = sorted({d for n in cluster if (d := t.day[n])})
            # the product's reviews in those days and REPEAT_DAYS either side: how many draws a common name had
            draws = 0
            if days:
                on = product_days[product]
                draws = (bisect.bisect_right(on, days[-1].toordinal() + REPEAT_DAYS)
                         - bisect.bisect_left(on, days[0].toordinal() - REPEAT_DAYS))
            seen.append((key, product, cluster, days, name_count[key] - len(items), draws))
    # a name so common that a busy product gets it twice by chance ("John Smith") is not a repeat reviewer
    chance = _by_chance([len(s[2]) for s in seen], [s[4] for s in seen], len(t.rows), [s[5] for s in seen])
    out = []
    for (key, product, cluster, days, _, _), common in zip(seen, chance):
        if days and common:
            continue
        ids = sorted(t.rows[n]["id"] for n in cluster)
        name = next((a for n in cluster if (a := t.rows[n].get("author"))), key)
        when = f" within {(days[-1] - days[0]).days + 1} days" if len(days) > 1 else ""
        title = f"{len(ids)} reviews of {product or 'one source'} by one reviewer{when}"
        out.append(Finding("repeat", f"repeat:{_digest(key, product, *ids)}", title, ids,
                           {"author": name, "product": product, "reviews": len(ids),
                            "first": days[0].isoformat() if days else None,
                            "last": days[-1].isoformat() if days else None}))
    return out


# ------------------------------------------------------------------------------------------- sprees
def _sprees(t: _Rows) -> list[Finding]:
    by_day: dict[tuple[str, date], list[int]] = defaultdict(list)
    day_total: dict[date, int] = defaultdict(int)
    name_count: dict[str, int] = defaultdict(int)
    for n, (day, key, distinct) in enumerate(zip(t.day, t.key, t.distinct)):
        if day is None:
            continue
        day_total[day] += 1
        if distinct:
            by_day[(key, day)].append(n)
            name_count[key] += 1
    seen = []  # (key, day, star, reviews, products, the name's reviews that day)
    for (key, day), items in by_day.items():
        if len(items) < SPREE_MIN:
            continue  # fewer products than a spree, whatever the stars
        for star in (5, 1):
            same = [n for n in items if t.star[n] == star]
            products = sorted({t.product[n] for n in same})
            if len(products) >= SPREE_MIN:
                seen.append((key, day, star, same, products, len(items)))
    # a name so common that a day's reviews hold it that often by chance is not counted
    chance = _by_chance([len(s[3]) for s in seen], [name_count[s[0]] - s[5] for s in seen], len(t.rows),
                        [day_total[s[1]] for s in seen])
    out = []
    for (key, day, star, same, products, _), common in zip(seen, chance):
        if common:
            continue
        ids = sorted(t.rows[n]["id"] for n in same)
        name = next((a for n in same if (a := t.rows[n].get("author"))), key)
        stars = "five" if star == 5 else "one"
        out.append(Finding("spree", f"spree:{_digest(key, day.isoformat(), str(star))}",
                           f"{len(products)} products given {stars} stars by one reviewer on {day}", ids,
                           {"author": name, "day": day.isoformat(), "stars": star, "products": products,
                            "reviews": len(ids)}))
    return out


def find(rows: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """The suspicious patterns among `rows` (mappings with id, source, product, author, rating, date,
    text), the largest first within each kind: copied, burst, repeat, spree."""
    t = _prepare([r for r in rows if r.get("id")])
    out = []
    for check in (_copied, _bursts, _repeats, _sprees):
        out.extend(sorted(check(t), key=lambda f: (-len(f.review_ids), f.key)))
    return out


def flagged_ids(findings: Iterable[Finding]) -> set[str]:
    return {i for f in findings for i in f.review_ids}


@dataclass
class Summary:
    """What the findings mean for a selection of reviews: how many are suspicious, and the average rating
    with and without them."""

    reviews: int
    suspicious: int
    by_kind: dict[str, int]
    rating: float | None
    rating_without: float | None

    def line(self) -> str:
        if not self.suspicious:
            return f"No suspicious pattern among {self.reviews} reviews."
        kinds = ", ".join(f"{n} {REVIEWS_OF_KIND[k]}" for k, n in self.by_kind.items() if n)
        out = (f"{self.suspicious} of {self.reviews} reviews look suspicious ({kinds}): worth a look before "
               "you trust the numbers.")
        if self.rating is not None and self.rating_without is not None:
            out += f" Average rating {self.rating:.2f}★, {self.rating_without:.2f}★ without them."
        return out


def summarize(findings: Sequence[Finding], ratings: Mapping[str, float | None]) -> Summary:
    """`ratings`: review id -> rating of the selection judged (the findings' reviews outside it are left out)."""
    flagged = flagged_ids(findings) & set(ratings)
    by_kind = {k: len({i for f in findings if f.kind == k for i in f.review_ids} & set(ratings)) for k in KINDS}

    def mean(ids: Iterable[str]) -> float | None:
        vals = [float(v) for i in ids if (v := ratings[i]) is not None and v == v]
        return sum(vals) / len(vals) if vals else None

    return Summary(len(ratings), len(flagged), by_kind, mean(ratings), mean(set(ratings) - flagged))


# ------------------------------------------------------------------------------------------ in the store
def current(store: Any) -> list[Finding]:
    """The store's findings, checked again first when its reviews changed since the last check (a new,
    changed or deleted review); a read-only store is checked in memory, not saved."""
    stamp = store.reviews_stamp()
    saved = store.load_checkpoint(CHECKPOINT)
    if saved and saved.get("stamp") == stamp and saved.get("version") == VERSION:
        return [Finding(**f) for f in store.flag_findings()]
    started = time.perf_counter()
    rows = store.integrity_rows()
    if len(rows) >= SAY_FROM:  # seconds of silence otherwise, after an import or scrape that added reviews
        log.info("integrity: the reviews changed: checking all %d for suspicious patterns (copied texts, bursts, "
                 "repeat reviewers, sprees)...", len(rows))
    found = find(rows)
    log.info("integrity: %d suspicious patterns among %d reviews (%d reviews), checked in %.1f s", len(found),
             len(rows), len(flagged_ids(found)), time.perf_counter() - started)
    if not getattr(store, "read_only", False):
        store.save_flags([f.as_dict() for f in found], {"stamp": stamp, "version": VERSION})
    return found


VERSION = 4  # of the checks: a new version checks every store again (4: numbered placeholder names)


def in_selection(store: Any, f: Any, findings: Sequence[Finding] | None = None) -> tuple[Summary, list[Finding]]:
    """The findings that hold reviews of the selection `f` (reviewlens.filters.Filters; its own
    `suspicious` setting is ignored) and what they mean for it (counted within it). `findings`: the store's
    as `current` gave them (default: `current(store)`, checked again first when the reviews changed).
    Counted in the database from the saved findings; a read-only store's, checked in memory, in Python."""
    import sqlalchemy as sa

    from . import queries as Q
    from .store import review_flags, reviews

    findings = current(store) if findings is None else findings
    src, where = Q.matching(replace(f, suspicious=None))
    if getattr(store, "read_only", False):
        with store.engine.connect() as c:
            ratings = dict(c.execute(sa.select(reviews.c.id, reviews.c.rating).select_from(src).where(*where)).all())
        inside = [x for x in findings if any(i in ratings for i in x.review_ids)]
        return summarize(inside, ratings), inside
    flags = review_flags.c
    stats = sa.select(sa.func.count(), sa.func.count(reviews.c.rating), sa.func.sum(reviews.c.rating))
    flagged = reviews.c.id.in_(sa.select(flags.review_id))
    joined = src.join(review_flags, flags.review_id == reviews.c.id)
    with store.engine.connect() as c:
        n, rated, total = c.execute(stats.select_from(src).where(*where)).one()
        fn, frated, ftotal = c.execute(stats.select_from(src).where(*where, flagged)).one()
        by_kind = dict(c.execute(sa.select(flags.kind, sa.func.count(sa.distinct(reviews.c.id))).select_from(joined)
                                 .where(*where).group_by(flags.kind)).all())
        keys = set(c.execute(sa.select(flags.finding).select_from(joined).where(*where).distinct()).scalars())

    def mean(k: Any, t: Any) -> float | None:
        return float(t) / int(k) if k else None

    summary = Summary(int(n), int(fn), {k: int(by_kind.get(k, 0)) for k in KINDS}, mean(rated, total),
                      mean((rated or 0) - (frated or 0), float(total or 0) - float(ftotal or 0)))
    return summary, [x for x in findings if x.key[:120] in keys]
