"""Numbers that come from people — typed after a command, or carried by a button's data.

Only ASCII digits count ("²", "١٢" or "１２" are digits to ``str.isdigit`` and to ``int``, not to us), and an
issue number must lie in 1 … 2**53 (SQLite's integers end at 2**63 - 1; 2**53 is also the largest a JSON
reader keeps exact). Anything else is None, and the caller answers the polite "no such issue". No imports:
the button-data codec can call these from anywhere.
"""

from __future__ import annotations

import re

MAX_NUMBER = 2**53
_ASCII_DIGITS = re.compile(r"[0-9]{1,20}")


def parse_count(text: str) -> int | None:
    """A whole number 0 … 2**53 written in ASCII digits (a page, an index), else None."""
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    n = int(text)
    return n if n <= MAX_NUMBER else None


def parse_issue_number(text: str) -> int | None:
    """An issue number 1 … 2**53 — "12" or "#12", ASCII digits only, nothing around it — else None."""
    n = parse_count(text.strip().removeprefix("#"))
    return n if n is not None and n >= 1 else None


def looks_like_number(text: str) -> bool:
    """Whether a word was meant as a number (any script's digits, after an optional '#'): such a word that
    is not a valid issue number is answered "no such issue", not with the command's usage."""
    word = text.strip().removeprefix("#")
    return bool(word) and any(ch.isdigit() for ch in word)


ISSUE_LINK = "issue_"  # the /start payload of an "open in private chat" link: issue_12
