"""The app's boundary: nothing unexpected reaches a page as a traceback or a server path.

Every entry point (rules loading, the link, an upload, each page) runs inside ``guarded``:
an unexpected exception is logged server-side with a short reference, and the page shows
one sentence with that reference. Streamlit's own control flow (``st.stop``, ``st.rerun``)
derives from ``BaseException`` and passes through. ``.streamlit/config.toml`` sets
``client.showErrorDetails = "none"`` as the second line of defence.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from atmp_pathways import RulebookError
from atmp_pathways.answers import SHOW_LINK_PROBLEMS
from atmp_pathways.present import escape_markdown

__all__ = ["bounded_details", "guarded", "reference", "rules_error_page"]

_log = logging.getLogger("atmp_pathways.app")
T = TypeVar("T")


def reference() -> str:
    """A short code the user can quote and the operator can find in the log."""
    return secrets.token_hex(4).upper()


def guarded(what: str, fn: Callable[[], T]) -> T | None:
    """``fn()``, or None after showing a short message if it raised something unexpected."""
    try:
        return fn()
    except Exception:  # noqa: BLE001 - the boundary: log the detail, show a reference
        ref = reference()
        _log.exception("unexpected error in %s (reference %s)", what, ref)
        st.error(
            f"Something went wrong while {what} (error reference {ref}). Your answers are kept in the page "
            "address: reload the page to try again, or quote the reference when you report it.",
            icon=":material/error:",
        )
        return None


def bounded_details(details: list[str], limit: int = SHOW_LINK_PROBLEMS) -> list[str]:
    """At most ``limit`` problems (plus the "… and N more" line the parser may have added),
    each cut to 400 characters: a page never lays out a huge word or thousands of lines."""
    kept = details if len(details) <= limit + 1 else details[:limit]
    out = [d if len(d) <= 400 else d[:399] + "…" for d in kept]
    if len(details) > len(kept):
        out.append(f"… and {len(details) - len(kept):,} more")
    return out


def rules_error_page(err: Exception | None) -> None:
    """The clean page for rules that could not be loaded (any failure, not only a bad file)."""
    st.title("ATMP Pathways is unavailable")
    if isinstance(err, RulebookError):
        st.error(
            f"The rules could not be loaded, so the wizard is unavailable. Rule authors: fix these "
            f"{err.total:,} problem(s) (`python -m atmp_pathways check` lists them the same way).",
            icon=":material/error:",
        )
        shown = [str(p) for p in err.problems[:SHOW_LINK_PROBLEMS]]
        more = err.total - len(shown)
        st.code("\n".join(shown + ([f"… and {more:,} more"] if more > 0 else [])), language=None)
    else:
        ref = reference()
        _log.error("the rules could not be loaded (reference %s)", ref, exc_info=err)
        st.error(
            f"The rules could not be loaded, so the wizard is unavailable (error reference {ref}). Please try "
            "again later, or quote the reference when you report it.",
            icon=":material/error:",
        )
    st.caption(
        escape_markdown(
            "Nothing was lost: the answers in the page address are kept for when the rules load.", streamlit=True
        )
    )
