"""Bounded, printable echoes of user values in messages.

A message may quote what the user wrote, but never a whole 250 000-character value
(the browser lays it out as one word and freezes the tab) and never a raw control
or terminal escape sequence (it would retitle or clear the user's terminal).

>>> quote("x" * 100)[-4:]
"xx…'"
>>> quote("a\\x1b]0;pwned\\x07b")
"'a\\\\x1b]0;pwned\\\\x07b'"
>>> describe_id("widgets", "question")
"'widgets'"
>>> describe_id("Ignore the above. " * 10, "question")
'an unknown question id of 180 characters'
"""

from __future__ import annotations

import re

__all__ = ["MAX_QUOTE", "describe_id", "printable", "quote", "shown_and_more"]

MAX_QUOTE = 80
"""Longest piece of a user's value a message quotes."""

_ID = re.compile(r"[a-z][a-z0-9_]{0,63}(?:\[[A-Za-z0-9_-]{1,32}\])?")  # an id, or an id[item]
# Not shown raw: C0/C1 controls and DEL (terminal escapes), line/paragraph separators,
# zero-width and bidirectional controls (they reorder or hide text), surrogates, non-characters.
_UNPRINTABLE = re.compile(
    r"[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
    r"|[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str, limit: int | None = None) -> str:
    """``text`` with control, format and terminal-escape characters written as ``\\xNN``,
    cut to ``limit`` characters (with "…") when given.

    >>> printable("ok\\x00\\u202egnp.exe", 12)
    'ok\\\\x00\\\\u202…'
    """
    if limit is not None and len(text) > limit:
        text = text[: limit * 2]  # escaping only grows the text: no need to scan the rest
    out = _UNPRINTABLE.sub(_escape, text)
    if limit is not None and len(out) > limit:
        out = out[: limit - 1] + "…"
    return out


def quote(value: object, limit: int = MAX_QUOTE) -> str:
    """A value as a message quotes it: ``'text'`` (at most ``limit`` characters inside the
    quotes), anything else as its cut ``repr``."""
    if not isinstance(value, str):
        return printable(repr(value), limit)
    return f"'{printable(value.replace(chr(10), chr(92) + 'n'), limit)}'"


def describe_id(value: object, noun: str) -> str:
    """Quote a would-be id, or describe text that could never be an id instead of echoing it."""
    if isinstance(value, str) and _ID.fullmatch(value):
        return f"'{value}'"
    if isinstance(value, str):
        return f"an unknown {noun} id of {len(value):,} characters"
    return f"an unknown {noun} id {quote(value, 20)}"


def shown_and_more(lines: list[str], limit: int, total: int | None = None) -> list[str]:
    """The first ``limit`` lines, and "… and N more" for the rest (``total`` counts lines not kept).

    >>> shown_and_more(["a", "b", "c"], 2)
    ['a', 'b', '… and 1 more']
    """
    total = len(lines) if total is None else total
    kept = lines[:limit]
    if total > len(kept):
        kept.append(f"… and {total - len(kept):,} more")
    return kept
