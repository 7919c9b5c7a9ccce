"""Personal data in review texts: e-mail addresses, phone numbers, payment card numbers and IBANs.

Customers write their contact details into reviews ("call me on 0171 ...", "my order, jane@...").
ReviewLens has no use for them, and they would travel on to every place a review goes: the analysis
(and an LLM server that may be someone else's), the Excel report, the export, an alert in Slack.
So they are replaced as reviews are stored (`[privacy] mask`, on for all four kinds by default), and
`reviewlens privacy` finds and masks what an older store holds.

A masked text says what was there and nothing more: "call me on [phone]". It is still the customer's
text word for word around the marker, so quotes stay verbatim; the marker is in square brackets,
which no finder here matches, so masking twice changes nothing.

What is found, and how sure:
* e-mail: an address with a dotted domain (`name@shop.example`); a bare "@handle" is not one.
* phone: the `phonenumbers` library (Google's libphonenumber) finds numbers valid in one of
  `[privacy] phone_regions` (national format) or anywhere (international, "+44 ..."). A number is
  taken when it is written like a phone number (a leading +, or spaces, dashes, dots or brackets
  between its groups) or follows a word such as "call", "phone" or "tel"; a bare run of digits
  after "order", "ticket", "#" or similar is an order or ticket number and is kept. A number written
  with + is a phone number whatever word is before it, and so is one after "my number" or a
  sentence's "Number:" (the writer's own, not an order's).
* card: 13 to 19 digits (spaces or dashes between groups allowed) that pass the Luhn check
  (`python-stdnum`) and start like a card of a known issuer.
* IBAN: a country code, two check digits and the account, checked by `python-stdnum` (mod 97 and
  the country's length).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

KINDS = ("email", "phone", "card", "iban")
#: What replaces a found item in the text.
MARKERS = {"email": "[email]", "phone": "[phone]", "card": "[card number]", "iban": "[IBAN]"}
#: The kinds in words, for messages: (one, many).
WORDS = {"email": ("e-mail address", "e-mail addresses"), "phone": ("phone number", "phone numbers"),
         "card": ("card number", "card numbers"), "iban": ("IBAN", "IBANs")}
#: What becomes of reviewers' names as reviews are stored (`[privacy] reviewer_names`).
NAME_MODES = ("keep", "pseudonym", "drop")
#: What one is called in messages, beside WORDS.
NAME_WORDS = ("reviewer name", "reviewer names")
_PSEUDONYM = re.compile(r"Reviewer (?:[0-9a-f]{10}|[A-Z]\.)\Z")
#: Regions whose national phone formats are recognised by default (international "+" numbers are
#: found whatever the region).
DEFAULT_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL")

_EMAIL = re.compile(r"(?<![\w.+%-])[\w.+%-]{1,64}@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,24}(?![\w-])")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
# Card issuers' leading digits (IIN ranges): Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37,
# Discover 6011/644-649/65, JCB 3528-3589, Diners 300-305/36/38/39, UnionPay 62, Maestro 50/56-58/6.
_ISSUER = re.compile(r"4|5[0-8]|2(?:2[2-9]|[3-6]|7[01]|720)|3[4-9]|30[0-5]|6")
# A number after one of these words is an order, ticket or similar number, not a phone number.
# "phone number", "tel. no.", "Telefonnr." are not: the word before says what the number is.
_PHONE_NO = r"(?<!phone\s)(?<!phone)(?<!mobile\s)(?<!cell\s)(?<!tel\.\s)(?<!tel\s)(?<!telefon)(?<!fax\s)(?<!contact\s)"
_NOT_PHONE = re.compile(r"(?:#|" + _PHONE_NO + r"\b(?:no\.?|nr\.?|number)|\border|\bticket|\bcase|\bref(?:erence)?"
                        r"|\binvoice|\btracking|\bserial|\bmodel|\bsku|\bitem|\bbestell\w*|\bcommande|\bpedido"
                        r"|\bordine)\W{0,3}$", re.I)
# "my number", "our number", a "Number:" that starts a sentence: the writer's own number, which an order's is
# not ("order number: 1234", "case number 0800 ..."); a valid phone number after it is a phone number.
_OWN_NUMBER = re.compile(r"(?:\b(?:my|our|phone|mobile|cell|contact|tel\.?)\s+number|(?:^|[.!?]\s*)number)"
                         r"(?:\s+is)?\W{0,3}$", re.I)
# ... and after one of these, a bare run of digits is a phone number.
_PHONE_WORD = re.compile(r"(?:\bcall|\bphone|\btel|\bmobile|\bcell|\bnumber is|\btext me|\bwhatsapp|\bring|\breach"
                         r"|\bcontact|\bhandy|\btelefon\w*|\bruf\w*|\bappel\w*|\bllam\w*|\bchiam\w*|\bbel)\b"
                         r"\W{0,3}(?:\w+\W{1,3}){0,2}$", re.I)
_MIN_PHONE_DIGITS = 7
# A column of an export named for the reviewer's contact details or network address (Judge.me's "reviewer_email"
# and "ip_address", Yotpo's "Email", a survey's "Phone number"): what kind of data it holds, by its name's words.
_CONTACT_WORDS = {"email": "email", "mail": "email", "emailaddress": "email", "phone": "phone", "telephone": "phone",
                  "tel": "phone", "mobile": "phone", "phonenumber": "phone", "ip": "ip", "ipaddress": "ip",
                  "ipaddr": "ip", "remoteaddr": "ip"}


@functools.lru_cache(maxsize=1024)  # asked per own field of every review stored: a file's few names
def contact_column(name: str) -> str | None:
    """The kind of contact detail a column holds by its name ("email", "phone" or "ip"): "Reviewer Email",
    "customer_e-mail", "phoneNumber", "IP address"; None for any other ("Email opt-in", "Mobile app version" say
    something else of it: only names whose words are the contact detail, with who it is of, count)."""
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name)).lower().replace("e-mail", "email")
    words = [w for w in re.split(r"[^a-z0-9]+", words) if w]
    joined = "".join(w for w in words if w not in _OF_WHOM)
    kind = _CONTACT_WORDS.get(joined) or _CONTACT_WORDS.get(joined.removesuffix("number").removesuffix("address"))
    return kind if kind and set(words) - _OF_WHOM - {"number", "address", "addr"} else None


_OF_WHOM = {"reviewer", "customer", "user", "author", "consumer", "client", "guest", "buyer", "contact", "your", "the",
            "of", "s"}


@dataclass(frozen=True)
class Found:
    """One item of personal data in a text: its kind and where it is (`text[start:end]`)."""

    kind: str
    start: int
    end: int


def check_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """`kinds` lower-cased and checked; ValueError naming an unknown one and the known ones."""
    out = tuple(dict.fromkeys(k.strip().lower() for k in kinds))
    bad = [k for k in out if k not in KINDS]
    if bad:
        raise ValueError(f"unknown kind of personal data {bad[0]!r} (known: {', '.join(KINDS)})")
    return out


def check_regions(regions: Iterable[str]) -> tuple[str, ...]:
    """Phone regions (ISO 3166 two-letter codes, "US", "GB") upper-cased and checked."""
    import phonenumbers

    out = tuple(dict.fromkeys(r.strip().upper() for r in regions))
    known = phonenumbers.SUPPORTED_REGIONS
    bad = [r for r in out if r not in known]
    if bad:
        raise ValueError(f"unknown phone region {bad[0]!r} (a two-letter country code such as US, GB, DE)")
    return out


def _emails(text: str) -> Iterable[Found]:
    if "@" in text:
        for m in _EMAIL.finditer(text):
            yield Found("email", m.start(), m.end())


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _cards(text: str) -> Iterable[Found]:
    from stdnum import luhn

    for m in _CARD.finditer(text):
        raw = m.group()
        seps = set(re.findall(r"[ -]", raw))
        if len(seps) > 1:  # "1234 5678-..." mixes separators: not how a card number is written
            continue
        number = _digits(raw)
        if _ISSUER.match(number) and luhn.is_valid(number):
            yield Found("card", m.start(), m.end())


def _ibans(text: str) -> Iterable[Found]:
    from stdnum import iban

    for m in _IBAN.finditer(text):
        raw = m.group()
        # the pattern may run into an upper-case word after the IBAN: try it shorter, a group at a time
        cuts = [len(raw)] + [i for i in range(len(raw) - 1, 14, -1) if raw[i] == " "]
        for cut in cuts:
            if iban.is_valid(raw[:cut]):
                yield Found("iban", m.start(), m.start() + cut)
                break


def _phone_shaped(raw: str) -> bool:
    """Whether a candidate is written the way people write phone numbers: digits in groups of two or
    more (one short group allowed, as in "+33 1 42 21 53 81"), one kind of separator besides brackets
    and the +, dots only as the separator of three groups or more ("06.12.34.56.78"), no slashes."""
    if "/" in raw or sum(c.isdigit() for c in raw) < _MIN_PHONE_DIGITS:
        return False
    seps = set(re.findall(r"[ .-]", raw))
    if "." in seps and (len(seps) > 1 or raw.count(".") < 2):
        return False  # "639.55 639.38", "0.20-0.70", "16408.700": prices and decimals
    groups = re.findall(r"\d+", raw)
    return sum(len(g) == 1 for g in groups) <= 1


def _phones(text: str, regions: Sequence[str]) -> Iterable[Found]:
    if sum(c.isdigit() for c in text) < _MIN_PHONE_DIGITS:
        return  # most reviews: no phone number can be in them, and the matcher is the slow part
    import phonenumbers

    seen: set[tuple[int, int]] = set()
    for region in regions or (None,):
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            span = (m.start, m.end)
            if span in seen:
                continue
            before = text[max(0, m.start - 40):m.start]
            raw = m.raw_string
            own = raw.startswith("+") or _OWN_NUMBER.search(before)  # whatever word is before it
            if _NOT_PHONE.search(before) and not own:
                continue
            after = text[m.end:m.end + 2]
            if not _phone_shaped(raw) or re.match(r"[/.,:]?\d|/", after):
                continue  # a score table, odds, prices, a date, or the start of a longer number
            if re.search(r"\d[\s().-]+\d|^\+|\(", raw) or own or _PHONE_WORD.search(before):
                seen.add(span)
                yield Found("phone", m.start, m.end)


def find(text: str, kinds: Sequence[str] = KINDS, regions: Sequence[str] = DEFAULT_REGIONS) -> list[Found]:
    """The personal data of `kinds` in `text`, in order, none overlapping (a card or IBAN wins over a
    phone number read in its digits)."""
    if not text:
        return []
    found: list[Found] = []
    if "email" in kinds:
        found += _emails(text)
    if "iban" in kinds:
        found += _ibans(text)
    if "card" in kinds:
        found += _cards(text)
    if "phone" in kinds:
        found += _phones(text, regions)
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    out: list[Found] = []
    for f in found:
        if not out or f.start >= out[-1].end:
            out.append(f)
    return out


def mask(text: str, found: Sequence[Found]) -> str:
    """`text` with each found item replaced by its marker ("[email]")."""
    if not found:
        return text
    parts, at = [], 0
    for f in found:
        parts += [text[at:f.start], MARKERS[f.kind]]
        at = f.end
    parts.append(text[at:])
    return "".join(parts)


def counted(found: Iterable[Found]) -> dict[str, int]:
    """How many of each kind, in KINDS order, only the kinds found."""
    n: dict[str, int] = {}
    for f in found:
        n[f.kind] = n.get(f.kind, 0) + 1
    return {k: n[k] for k in KINDS if k in n}


def in_words(counts: dict[str, int]) -> str:
    """{"email": 2, "phone": 1} as "2 e-mail addresses, 1 phone number" ("name": reviewer names)."""
    order = {k: i for i, k in enumerate((*KINDS, "name"))}
    return ", ".join(f"{n} {(NAME_WORDS if k == 'name' else WORDS[k])[0 if n == 1 else 1]}"
                     for k, n in sorted(counts.items(), key=lambda kv: order.get(kv[0], 99)))


def is_pseudonym(name: str | None) -> bool:
    """Whether `name` is a pseudonym `pseudonym` gave ("Reviewer 3fa91c2e07", "Reviewer Q.")."""
    return bool(name) and bool(_PSEUDONYM.match(name))  # type: ignore[arg-type]


def pseudonym(author: str | None, key: bytes) -> str | None:
    """A reviewer's name replaced by a pseudonym that is the same for the same name in one store (a keyed hash:
    the key is the store's own, so the name cannot be worked back from it): "Jane Doe" -> "Reviewer 3fa91c2e07".
    A name that does not tell people apart ("Sofia H.") becomes one that does not either ("Reviewer Q."),
    so the suspicious-review checks treat it as before; no name or a generic one ("A Customer") stays."""
    from .integrity import author_key, distinctive  # the checks' own idea of a name

    k = author_key(author)
    if k is None or is_pseudonym(author):  # no one's name, or one already (masking twice changes nothing)
        return author
    digest = hmac.new(key, k.encode("utf-8"), hashlib.sha256).hexdigest()
    # 10 hex digits: two of a million names share one by chance once in about two (the checks would take them
    # for one reviewer); with 8, one in two at 77,000 names
    return f"Reviewer {digest[:10]}" if distinctive(k) else f"Reviewer {chr(ord('A') + int(digest[:4], 16) % 26)}."


def masked_line(reviews: int, counts: dict[str, int]) -> str:
    """What a run masked, in words: "masked personal data in 3 reviews (2 e-mail addresses, 1 phone number)"."""
    return f"masked personal data in {reviews} review{'s' if reviews != 1 else ''} ({in_words(counts)})"


class Masker:
    """Masks the personal data of `kinds` in texts and reviews (the review's text and title and its own
    fields, such as an imported "customer e-mail" column). With no kinds it changes
    nothing. `masked` and `counts` add up what it masked."""

    #: the fields of a review that are masked: what the customer wrote (the owner's reply is the owner's
    #: words, and the address it gives, "contact us at support@...", is the shop's own), and the name it is
    #: shown under: an e-mail address given as the name (survey exports put it there) is masked as in the text
    FIELDS = ("text", "title", "author")

    def __init__(self, kinds: Sequence[str] = KINDS, regions: Sequence[str] = DEFAULT_REGIONS, *,
                 names: str = "keep", key: bytes | None = None) -> None:
        self.kinds = check_kinds(kinds)
        self.regions = check_regions(regions)
        if names not in NAME_MODES:
            raise ValueError(f"reviewer names: {names!r} is not one of {', '.join(NAME_MODES)}")
        if names == "pseudonym" and not key:
            raise ValueError("pseudonyms need the store's key (Store.pseudonym_key)")
        self.names, self.key = names, key
        self.masked = 0  # reviews changed so far
        self.counts: dict[str, int] = {}
        self.already = 0  # reviews the store held masked already (`reviews(..., stored=)`): not in `masked`

    @classmethod
    def from_settings(cls, privacy, store=None) -> "Masker":
        """The masker of a `PrivacySettings` (`[privacy]`); `store`: the store the reviews go to (its key makes
        the pseudonyms, when reviewer_names = "pseudonym")."""
        key = bytes.fromhex(store.pseudonym_key()) if privacy.reviewer_names == "pseudonym" and store else None
        return cls(privacy.mask, privacy.phone_regions, names=privacy.reviewer_names, key=key)

    def __bool__(self) -> bool:
        return bool(self.kinds) or self.names != "keep"

    def drops_field(self, name: str) -> bool:
        """Whether an own field (an imported column, a site config's `[own_fields]`) is not kept at all: one named
        for the reviewer's e-mail address or phone number while that kind is masked, or for their IP address while
        any is (`contact_column`). Its values are of no use masked ("[email]" in every row), and an IP address is
        personal data that no text masking finds."""
        kind = contact_column(name)
        return bool(kind) and (kind in self.kinds or (kind == "ip" and bool(self.kinds)))

    def _kept_fields(self, review) -> dict[str, Any]:
        return {k: v for k, v in ((review.extra or {}).get("fields") or {}).items() if not self.drops_field(k)}

    def author(self, author: str | None) -> str | None:
        """A reviewer's name as stored: kept, a pseudonym, or none."""
        if self.names == "keep" or not author:
            return author
        return None if self.names == "drop" else pseudonym(author, self.key)  # type: ignore[arg-type]

    def find(self, text: str | None) -> list[Found]:
        return find(text, self.kinds, self.regions) if text and self.kinds else []

    def text(self, text: str | None) -> str | None:
        return mask(text, self.find(text)) if text else text

    def review_found(self, review) -> dict[str, list[Found]]:
        """The personal data in each masked field of `review` (a Review or a dict), the fields with some."""
        get = review.get if isinstance(review, dict) else lambda k: getattr(review, k, None)
        out = {}
        for name in self.FIELDS:
            found = self.find(get(name))
            if found:
                out[name] = found
        return out

    def fields_found(self, fields: dict[str, Any] | None) -> dict[str, list[Found]]:
        """The personal data in a review's own fields ({name: value}), the fields with some."""
        return {k: fs for k, v in (fields or {}).items() if isinstance(v, str) for fs in [self.find(v)] if fs}

    def review(self, review, *, count: bool = True):
        """`review` (a schema.Review) with its personal data masked; the same object when it has none.
        `count`: added to `masked` and `counts` (else the caller counts it: `reviews`).

        Its id stays the one the original text gave it, so a review scraped again (with the same
        contact details in it) is still the same review, and one stored before masking was on is
        updated in place rather than stored twice."""
        if not self:
            return review
        found = self.review_found(review)
        given = (review.extra or {}).get("fields") or {}
        own = self._kept_fields(review)
        own_found = self.fields_found(own)
        author = self.author(review.author)
        if not found and not own_found and author == review.author and len(own) == len(given):
            return review
        if count and (found or own_found or author != review.author):
            self._count(found, own_found, author != review.author)
        changes: dict[str, Any] = {name: mask(getattr(review, name), fs) for name, fs in found.items()}
        if own_found or len(own) != len(given):
            fields = {k: mask(v, own_found[k]) if k in own_found else v for k, v in own.items()}
            extra = {**review.extra, "fields": fields}
            if not fields:
                del extra["fields"]
            changes["extra"] = extra
        if author != review.author:
            changes["author"] = author
        return replace(review, **changes)

    def _count(self, found: dict[str, list[Found]], own_found: dict[str, list[Found]], renamed: bool) -> None:
        self.masked += 1
        for fs in [*found.values(), *own_found.values()]:
            for k, n in counted(fs).items():
                self.counts[k] = self.counts.get(k, 0) + n
        if renamed:
            self.counts["name"] = self.counts.get("name", 0) + 1

    def reviews(self, reviews: Iterable, stored=None) -> list:
        """The reviews masked (`review`). `stored`: the store they go to (reviewlens.store.Store): a review it
        already holds as masked (the same text, title, name and own fields: a review seen again by a later run)
        is not counted in `masked` and `counts` but in `already`, so that a run's counts say what it masked
        itself, not what an earlier run did; one it holds unmasked (stored before masking was on) is counted,
        as storing it again masks it in the store."""
        items = list(reviews)
        if not self:
            return items
        out, todo = [], []
        for r in items:
            m = self.review(r, count=stored is None)
            out.append(m)
            if stored is not None and m is not r:
                todo.append((r, m))
        held = stored.stored_written([m.id for _, m in todo]) if todo else {}
        for r, m in todo:
            had = held.get(m.id)
            own = ((m.extra or {}).get("fields") or {})
            if had is not None and (had["text"], had["title"], had["author"]) == (m.text, m.title, m.author) and all(
                    had["fields"].get(k) == (v if not isinstance(v, str) else v[:300]) for k, v in own.items()
                    if isinstance(v, str) and v.strip()):
                self.already += 1
                continue
            # renamed: a pseudonym or no name ([privacy] names); an e-mail as the name is counted as an e-mail;
            # a contact column left out (`drops_field`) is no masking: the import says it of its columns
            found, own_found = self.review_found(r), self.fields_found(self._kept_fields(r))
            if found or own_found or self.author(r.author) != r.author:
                self._count(found, own_found, self.author(r.author) != r.author)
        return out


@dataclass
class Holder:
    """A stored review that holds personal data: what kinds, in which of its fields, and an excerpt of its
    text with the data masked (the excerpt never shows the data itself)."""

    id: str
    source: str
    product: str | None
    counts: dict[str, int]
    fields: list[str]       # "text", "title", or "field NAME" (an own field)
    excerpt: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "product": self.product, "counts": self.counts,
                "fields": self.fields, "excerpt": self.excerpt}


def _excerpt(text: str, found: Sequence[Found], width: int = 110) -> str:
    """`text` masked, cut to about `width` characters around its first masked item."""
    flat = " ".join(mask(text, found).split())
    if len(flat) <= width:
        return flat
    at = flat.find(MARKERS[found[0].kind])
    start = max(0, min(at - width // 2, len(flat) - width))
    end = start + width
    if start:  # whole words only
        start = flat.find(" ", start) + 1 or start
    if end < len(flat):
        end = flat.rfind(" ", start, end) if flat.rfind(" ", start, end) > at else end
    return ("…" if start else "") + flat[start:end].strip() + ("…" if end < len(flat) else "")


def look(rows: Iterable[dict[str, Any]], masker: Masker) -> tuple[int, list[Holder]]:
    """The reviews among `rows` (Store.written_rows) that hold personal data of the masker's kinds:
    (how many reviews were read, the holders)."""
    n, out = 0, []
    for r in rows:
        n += 1
        found = masker.review_found(r)
        own = {f"field {k}": fs for k, fs in masker.fields_found(r.get("fields")).items()}
        if not found and not own:
            continue
        total: dict[str, int] = {}
        for fs in [*found.values(), *own.values()]:
            for k, c in counted(fs).items():
                total[k] = total.get(k, 0) + c
        name, fs = next(iter(found.items())) if found else next(iter(own.items()))
        source_text = r[name] if found else r["fields"][name.removeprefix("field ")]
        out.append(Holder(r["id"], r.get("source") or "", r.get("product"), {k: total[k] for k in KINDS if k in total},
                          [*found, *own], _excerpt(source_text, fs)))
    return n, out
