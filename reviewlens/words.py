"""Counts in words for people: "1 review", "2,345 reviews"."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """`count` and `noun`, plural unless it is one ("1 row", "2 rows", "1,204 reviews")."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
