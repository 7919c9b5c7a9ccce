"""A review's rating, counts and flags as pages and files write them, read one way for a scrape (scraper.normalize,
scraper.extract) and an import (reviewlens.records_io): a rating out of a scale ("4.0 out of 5 stars", "4,0 von 5
Sternen", "5つ星のうち4.0": Amazon's in each country), helpful votes ("12 people found this helpful", "Helpful
(1,234)", "1.2K", "Eine Person fand diese Informationen hilfreich"), a verified purchase ("Verified Purchase",
"Verifizierter Kauf", "Unverified") and the variant reviewed ("Size: M | Colour: Black": each its own field)."""

from __future__ import annotations

import re
from typing import Any

_NUM = r"(\d+(?:[.,]\d+)?)"
#: a score and its scale: "4/5", "4 out of 5", "8 of 10", "4,0 von 5 Sternen", "4,0 sur 5 étoiles", "4,0 de 5
#: estrellas", "4,0 su 5 stelle", "4,0 van 5 sterren", "4,0 av 5 stjärnor", "4,0 z 5 gwiazdek", "4 из 5"
_OUT_OF = re.compile(_NUM + r"\s*(?:/|out\s+of|of|von|sur|de|su|van|av|z|из)\s*" + _NUM, re.I)
#: the scale first: "5つ星のうち4.0" (Amazon Japan: "of five stars, 4.0"), "5 yıldız üzerinden 4,0" (Amazon Türkiye)
_SCALE_FIRST = re.compile(_NUM + r"\s*(?:つ星のうち|yıldız\s+üzerinden)\s*" + _NUM, re.I)


def _number(text: str) -> float:
    return float(text.replace(",", "."))  # a decimal comma as much of Europe writes it: 4,5


def out_of(text: str, whole: bool = False) -> tuple[float, float] | None:
    """(score, scale) of a rating written out of a scale (`_OUT_OF`, `_SCALE_FIRST`): "4.0 out of 5 stars" is
    (4.0, 5.0), "5つ星のうち3.0" (3.0, 5.0); None when `text` writes none. `whole`: only when no other number is
    written around it (an import's rating cell: "4.0 out of 5 stars" is one, "2 of 3 items, 4/5" none); else
    anywhere in the text ("Rated 4 out of 5", as a page writes it)."""
    for pattern, scale_first in ((_SCALE_FIRST, True), (_OUT_OF, False)):
        if m := pattern.search(text):
            if whole and any(c.isdigit() for c in text[:m.start()] + text[m.end():]):
                return None
            a, b = _number(m.group(1)), _number(m.group(2))
            return (b, a) if scale_first else (a, b)
    return None


_WORD_NUMBERS = {"no": 0, "none": 0, "zero": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4,
                 "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_VOTES = re.compile(r"(\d[\d,.\u00a0\u202f ]*\d|\d)\s*([kKmM])?(?![\d])")
_VOTE_WORD = re.compile(r"\b(no|none|zero|one|a|an|two|three|four|five|six|seven|eight|nine|ten)\s+"
                        r"(?:person|people|user|users|customer|customers|shopper|shoppers|reader|readers|"
                        r"traveller|travellers|traveler|travelers|vote|votes|other)", re.I)
#: one person, as Amazon says it in other languages: "Eine Person fand diese Informationen hilfreich", "Une personne
#: a trouvé cela utile", "A una persona le ha parecido útil", "Een persoon vond dit nuttig", "En person tyckte ..."
_ONE_PERSON = re.compile(r"\b(?:eine?|une|una|uno|een|en|jedna|bir)\s+(?:person|personne|persona|persoon|osoba|"
                         r"osobie|kişi)\b", re.I)


def parse_votes(raw: Any) -> int | None:
    """Helpful votes as an int: 12, "12", "12 people found this helpful", "One person found this
    helpful", "Helpful (1,234)", "1.2K" -> 1200; None when `raw` holds no count."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return int(raw) if raw >= 0 and raw == raw else None
    s = " ".join(str(raw).split())
    if not s:
        return None
    m = _VOTES.search(s)
    if m:
        digits, suffix = m.group(1), (m.group(2) or "").lower()
        if suffix:  # 1.2K, 3,5k
            value = float(re.sub(r"[\s\u00a0\u202f]", "", digits).replace(",", "."))
            return int(round(value * (1000 if suffix == "k" else 1_000_000)))
        return int(re.sub(r"[^\d]", "", digits))
    m = _VOTE_WORD.search(s)
    if m:
        return _WORD_NUMBERS[m.group(1).lower()]
    return 1 if _ONE_PERSON.search(s) else None


_NOT_VERIFIED = re.compile(r"\b(not|un|non)[\s-]?verified\b|^(false|no|0|n)$", re.I)
_VERIFIED = re.compile(r"verified|verifiziert|vérifié|verificad|verificat|geverifieerd|verifierat|verificeret|"
                       r"verifisert|zweryfikowan|doğrulanmış|^(true|yes|1|y)$", re.I)


def parse_verified(raw: Any) -> bool | None:
    """Verified purchase as a bool: True, "true", "Verified Purchase", "Verified buyer", "Verifizierter Kauf",
    "Achat vérifié", "Compra verificada" -> True;
    False, "false", "Unverified" -> False; None when the page says nothing."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return bool(raw)
    s = " ".join(str(raw).split())
    if not s:
        return None
    if _NOT_VERIFIED.search(s):
        return False
    return True if _VERIFIED.search(s) else None


#: Columns (compared as records_io compares names) that give the variant reviewed as "Name: value" pairs: Amazon's
#: "Variation" / "Style" ("Size: M | Colour: Black", "Size Name: Large Colour Name: Blue"), a shop's "Variant"
VARIATION_COLUMNS = frozenset({"variation", "variant", "variation_attributes", "product_variation", "style",
                               "variant_title"})
#: an attribute's name: one word, or Amazon's "<word> Name", at the start or after a space or a separator
_ATTRIBUTE = re.compile(r"(?:(?<=[\s|;,/])|^)([^\W\d_]+(?: Name)?):\s*")


def variation_parts(value: str) -> list[tuple[str, str]]:
    """[(attribute, value)] of a variant written as "Name: value" pairs, in order: "Size: M | Colour: Black" is
    [("Size", "M"), ("Colour", "Black")], "Size Name: Extra Large Colour Name: Blue" [("Size", "Extra Large"),
    ("Colour", "Blue")] (Amazon's "Name" left out); [] when it is not so written ("Black", "M / Black")."""
    marks = list(_ATTRIBUTE.finditer(value))
    if not marks or marks[0].start() != 0:
        return []
    out = []
    for m, after in zip(marks, marks[1:] + [None]):
        part = value[m.end():after.start() if after else len(value)].strip(" |;,/")
        if not part:
            return []
        name = m.group(1).removesuffix(" Name")
        out.append((name, part))
    return out if len({n.lower() for n, _ in out}) == len(out) else []
