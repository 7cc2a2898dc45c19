"""Matching what a person typed against a list of options: a number, or part of a label.

Case- and accent-insensitive: text is decomposed (NFD), its combining marks dropped and đ read as d (typing
dien matches Điện sinh hoạt); a typo close enough to one label is accepted through rapidfuzz.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from handlers.numbers import parse_count

# đ and Đ are letters of their own, not d with a mark: NFD keeps them
_D = str.maketrans({"\u0111": "d", "\u0110": "D"})


def fold(text: str) -> str:
    """Lower case without accents, single spaces: the form every comparison uses (Vietnamese to ASCII)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


@dataclass(frozen=True)
class Match:
    value: str | None  # the chosen option's value, if exactly one matched
    candidates: tuple[int, ...] = ()  # indexes of the options that matched when several did


def match_option(text: str, labels: list[str]) -> Match:
    """Pick one of ``labels`` (1-based numbers shown to the person) from typed ``text``."""
    raw = text.strip().rstrip(".").strip()
    n = parse_count(raw)
    if n is not None:
        return Match(str(n - 1)) if 1 <= n <= len(labels) else Match(None)
    if raw.isdigit():  # "²", "١", or more digits than any number: digits, but no option's number
        return Match(None)
    query = fold(raw)
    if not query:
        return Match(None)
    folded = [fold(label) for label in labels]
    exact = [i for i, f in enumerate(folded) if f == query]
    if len(exact) == 1:
        return Match(str(exact[0]))
    contains = [i for i, f in enumerate(folded) if query in f]
    if len(contains) == 1:
        return Match(str(contains[0]))
    if len(contains) > 1:
        return Match(None, tuple(contains))
    if len(query) >= 4:
        scored = process.extract(query, folded, scorer=fuzz.partial_ratio, limit=2)
        if scored and scored[0][1] >= 85 and (len(scored) == 1 or scored[1][1] < scored[0][1] - 5):
            return Match(str(scored[0][2]))
    return Match(None)
