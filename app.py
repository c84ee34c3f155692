"""ATMP Pathways: the Streamlit wizard. Thin: load the rules, route to a page.

Run with ``streamlit run app.py``. ``ATMP_RULES_DIR`` points at another rules
directory (tests use ``tests/fixtures/toy_rules``).
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from atmp_pathways import Rulebook, RulebookError, load_rulebook
from ui import rule_map, state, wizard

RULES_DIR = Path(os.environ.get("ATMP_RULES_DIR") or Path(__file__).resolve().parent / "rules")


def _fingerprint(rules_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and mtimes of the rule files: a changed file means a fresh load."""
    files = sorted(rules_dir.rglob("*.y*ml")) if rules_dir.is_dir() else []
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


@st.cache_resource(show_spinner="Loading the rules…", max_entries=8)
def _load(rules_dir: str, fingerprint: tuple[tuple[str, int, int], ...]) -> Rulebook:
    """The rulebook is frozen, so one copy serves every session (errors are not cached)."""
    return load_rulebook(rules_dir)


def _book_or_stop() -> Rulebook:
    try:
        return _load(str(RULES_DIR), _fingerprint(RULES_DIR))
    except RulebookError as err:
        rule_map.render_rules_error(err)
        st.stop()


def _wizard_page() -> None:
    wizard.render(_book_or_stop())


def _rule_map_page() -> None:
    st.set_page_config(layout="wide")  # the graph and the source table need the room
    book = _book_or_stop()
    # Switching pages drops the query string: put ?a= back, so a refresh here keeps the answers
    # (and a shared /rule-map?a=… link brings them to the wizard).
    state.init_state(book)
    state.sync_url()
    rule_map.render(book)


st.set_page_config(page_title="ATMP Pathways", page_icon=":material/genetics:", layout="centered")
page = st.navigation(
    [
        st.Page(_wizard_page, title="Wizard", icon=":material/checklist:", url_path="wizard", default=True),
        st.Page(_rule_map_page, title="Rule map", icon=":material/account_tree:", url_path="rule-map"),
    ]
)
page.run()
