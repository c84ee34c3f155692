"""Text that a spreadsheet would run as a formula, and how to make it inert.

A spreadsheet skips leading spaces, zero-width and control characters before it looks for
``=``, ``+``, ``-`` or ``@``; so does this check, so ``"\\u200b=HYPERLINK(…)"`` or
``"\\x0b=1+1"`` are caught as well as ``"=HYPERLINK(…)"``.

>>> defuse("=SUM(1)"), defuse("  \\u200b@SUM(1)"), defuse("plain"), defuse("1-2")
("'=SUM(1)", "'  \\u200b@SUM(1)", 'plain', '1-2')
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_START", "defuse", "formula_like", "lead_length"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Whitespace, C0/C1 controls, zero-width and bidirectional marks, word joiners, BOM.
_LEAD = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]*")


def lead_length(text: str) -> int:
    """How many invisible characters (spaces, controls, zero-width) start ``text``."""
    match = _LEAD.match(text)
    return match.end() if match else 0


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    if text[:1].isalnum():  # most text: a letter or digit first is neither invisible nor a formula start
        return False
    return text.startswith(FORMULA_START) or text[lead_length(text) :].startswith(FORMULA_START[:4])


def defuse(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    return "'" + text if formula_like(text) else text
