"""Tags: the team's own words on a review ("escalated", "bug 1234", "called back"), to find it again.

What a tag may be: `clean_tag` collapses spaces and refuses an empty or overlong one; one tag in another case or
spacing is the same tag (`tag_key`), spelled as the store first had it (`as_stored`). Tags are stored in
the store (`review_tags`), filtered by (`Filters.tags`, the sidebar, `?tag=` in a link, `--tag`), set in the
dashboard's review explorer or with `reviewlens tag`, and exported with each review.
"""

from __future__ import annotations

from typing import Iterable

TAG_MAX = 60  # characters


def clean_tag(text: object) -> str:
    """`text` as a tag: spaces collapsed, control characters dropped; ValueError for an empty one or one over
    TAG_MAX characters."""
    tag = " ".join("".join(ch for ch in str(text or "") if ch.isprintable()).split())
    if not tag:
        raise ValueError("a tag needs a word or two, e.g. escalated")
    if len(tag) > TAG_MAX:
        raise ValueError(f"a tag is at most {TAG_MAX} characters: {tag[:TAG_MAX]!r}…")
    return tag


def clean_tags(texts: Iterable[object]) -> list[str]:
    """Each of `texts` as a tag (ValueError for a bad one), each once, in the order given."""
    return list(dict.fromkeys(clean_tag(t) for t in texts))


def tag_key(text: object) -> str:
    """What makes two tags one: the cleaned tag, case aside ("  Escalated " is "escalated"); ValueError as
    `clean_tag`. A team types a tag many ways, and a second tag for one word splits the reviews it finds."""
    return clean_tag(text).casefold()


def spellings(text: object, known: Iterable[str]) -> list[str]:
    """The spellings of the tag `text` among `known` (the tags in use, in their order): more than one in a store
    tagged before tags were matched case aside ("Escalated" and "escalated"), and every one of them is meant."""
    key = tag_key(text)
    return [k for k in known if " ".join(str(k).split()).casefold() == key]


def as_stored(text: object, known: Iterable[str]) -> str:
    """The tag `text` spelled as the first of `known` that is the same tag (the store's spelling is kept for
    display), else cleaned: a new tag."""
    return next(iter(spellings(text, known)), None) or clean_tag(text)
