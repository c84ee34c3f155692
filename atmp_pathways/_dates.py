"""The one range of "as of" dates the app, the share link, the token and the file accept.

Wide on purpose (rules from the 1990s to far-future horizons), and explicit: Streamlit's
date widget would otherwise silently replace anything outside today ± 10 years by today.

>>> as_of_problem(date(2038, 1, 1)) is None, as_of_problem("2026-02-30")
(True, "'2026-02-30' is not a valid date (YYYY-MM-DD)")
>>> as_of_problem(date(2200, 1, 1))
'2200-01-01 is outside 1990-01-01 … 2100-12-31'
"""

from __future__ import annotations

from datetime import date

from ._quote import quote

__all__ = ["EARLIEST", "LATEST", "as_of_problem", "read_as_of"]

EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)


def read_as_of(value: object) -> date | None:
    """``value`` as an in-range date, or None (see ``as_of_problem`` for why)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, date) and EARLIEST <= value <= LATEST:
        return date(value.year, value.month, value.day)  # a datetime becomes its day
    return None


def as_of_problem(value: object) -> str | None:
    """Why ``value`` is not a usable "as of" date, or None when it is."""
    if read_as_of(value) is not None:
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return f"{quote(value)} is not a valid date (YYYY-MM-DD)"
    if isinstance(value, date):
        return f"{value.isoformat()[:10]} is outside {EARLIEST} … {LATEST}"
    return f"{quote(value)} is not a valid date (YYYY-MM-DD)"
