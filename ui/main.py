"""The app's entry point, kept out of ``app.py`` so the script Streamlit re-executes is tiny.

``app.py`` calls ``main()`` on every rerun; this module is imported once per process.
"""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from atmp_pathways import load_rulebook
from atmp_pathways.wizard import Wizard

from . import assessments, auth, guard, proposals, rule_map, state, wizard

__all__ = ["main", "rules_dir"]

_DEFAULT_RULES = Path(__file__).resolve().parent.parent / "rules"


def rules_dir() -> Path:
    """``ATMP_RULES_DIR`` (read on every rerun; tests point it at the toy rules), else ``rules/``."""
    return Path(os.environ.get("ATMP_RULES_DIR") or _DEFAULT_RULES)


def _fingerprint(root: Path) -> str:
    """Names, sizes and mtimes of the rule files, as a short digest: a changed file means a fresh load."""
    files = sorted(root.rglob("*.y*ml")) if root.is_dir() else []
    parts = []
    for path in files:
        info = path.stat()
        parts.append(f"{path}\0{info.st_size}\0{info.st_mtime_ns}")
    return hashlib.blake2b("\n".join(parts).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


@st.cache_resource(show_spinner="Loading the rules…", max_entries=8)
def _load(rules_dir: str, fingerprint: str) -> Wizard:
    """The rulebook (frozen) and its wizard memos: one copy serves every session (errors are not cached)."""
    wiz = Wizard(load_rulebook(rules_dir))
    wiz.journeys.total([])  # the first screen's journey range, counted once with the load
    # Everything alive now (Streamlit, the libraries, these rules) stays for the process's life:
    # move it out of the collector's sight. A full collection otherwise walked it all, 70–100 ms
    # holding the GIL, a few times per journey of clicks. (A rule file edited while the server
    # runs loads anew; the old rules' reference cycles, if any, are then never collected.)
    gc.freeze()
    return wiz


_RECHECK_SECONDS = 1.0
"""How often a rerun looks at the rule files again (an edit shows on the next rerun a second later)."""
_LAST: dict[str, tuple[float, str, Wizard]] = {}  # rules dir → (checked at, fingerprint, wizard)
_LAST_LOCK = threading.Lock()


def _wizard(root: Path) -> Wizard:
    """The cached wizard (and rulebook) for ``root``; reruns skip the file scan and the cache lookup for a second."""
    key = str(root)
    now = time.monotonic()
    hit = _LAST.get(key)
    if hit is not None and now - hit[0] < _RECHECK_SECONDS:
        return hit[2]
    fingerprint = _fingerprint(root)
    if hit is not None and hit[1] == fingerprint:
        wiz = hit[2]
    else:
        wiz = _load(key, fingerprint)  # raises RulebookError; errors are not remembered
    with _LAST_LOCK:
        _LAST[key] = (now, fingerprint, wiz)
    return wiz


def _wizard_or_stop() -> Wizard:
    try:
        return _wizard(rules_dir())
    except Exception as err:  # noqa: BLE001 - any failure: a clean page, never a traceback
        guard.rules_error_page(err)
        st.stop()


def _wizard_page() -> None:
    wiz = _wizard_or_stop()
    top = st.container()  # the saved assessment's banner goes above the wizard

    def show() -> None:
        wizard.render(wiz)
        assessments.wizard_panel(wiz.book, top, _page(_PAGES[1]))

    guard.guarded("showing this page", show)


def _assessments_page() -> None:
    book = _wizard_or_stop().book

    def show() -> None:
        state.init_state(book)
        state.sync_url(keep_as_of=True)
        assessments.render(book, _page(_PAGES[0]))

    guard.guarded("showing the assessments", show)


def _rule_map_page() -> None:
    st.set_page_config(layout="wide")  # the graph and the source table need the room
    book = _wizard_or_stop().book

    def show() -> None:
        # Switching pages drops the query string: put ?a= and ?as_of= back, so a refresh here
        # keeps the answers and the date (and a shared /rule-map?a=… link brings them to the wizard).
        state.init_state(book)
        state.sync_url(keep_as_of=True)
        rule_map.render(book)

    guard.guarded("showing the rule map", show)


def _proposals_page() -> None:
    book = _wizard_or_stop().book

    def show() -> None:
        state.init_state(book)
        state.sync_url(keep_as_of=True)
        proposals.render_page(book)

    guard.guarded("showing the reform proposals", show)


_PAGES = (
    (_wizard_page, "Wizard", ":material/checklist:", "wizard", True),
    (_assessments_page, "Assessments", ":material/folder_open:", "assessments", False),
    (_rule_map_page, "Rule map", ":material/account_tree:", "rule-map", False),
    (_proposals_page, "Reform proposals", ":material/campaign:", "reform-proposals", False),
)


def _page(spec: tuple[Callable[[], None], str, str, str, bool]) -> StreamlitPage:
    run, title, icon, url, default = spec
    return st.Page(run, title=title, icon=icon, url_path=url, default=default)


def main() -> None:
    """One run of the app: page config, navigation, the chosen page."""
    st.set_page_config(page_title="ATMP Pathways", page_icon=":material/genetics:", layout="centered")
    auth.gate()  # a team deployment shows nothing, not even the page list, before login
    page = st.navigation([_page(spec) for spec in _PAGES])
    auth.sidebar()
    page.run()
