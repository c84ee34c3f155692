"""AppTest journeys through saved assessments (toy rules, a temporary SQLite store per test).

Save, reopen (answers and as-of restored), rename, delete only after confirmation, revision
history with the answer changes, the "changed since you saved this" banner after the rules
change, a corrupt database file, and who may see what when a login is configured.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from atmp_pathways.store import NotFound, open_store
from ui.assessments import SAVE_PANEL
from ui.wizard import START_OVER

from .paths import ROOT, TOY
from .test_app import TOY_ANSWERS, _answer_all, _change, _text

TIMEOUT = 60
AS_OF = date(2026, 6, 1)  # fixed, so the toy's dated obligations do not move with the calendar
TEAM_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret-not-for-production",
        "client_id": "atmp",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
    }
}


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'assessments.db'}"
    monkeypatch.setenv("ATMP_DATABASE_URL", url)
    monkeypatch.setenv("ATMP_RULES_DIR", str(TOY))
    return url


def _session(user: str | None = None) -> AppTest:
    """A fresh browser session; ``user`` logs into a team deployment (``[auth]`` configured)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if user is not None:
        at.secrets = TEAM_SECRETS
        at.user = {"is_logged_in": True, "email": user}
    at.run()
    assert not at.exception
    return at


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return _run(at)


def _answered(at: AppTest, answers: dict[str, Any] = TOY_ANSWERS, as_of: date = AS_OF) -> None:
    at.date_input(key="as_of").set_value(as_of)
    _click(at, "start")
    _answer_all(at, answers)
    assert at.title[0].value == "Review your answers"


def _save_new_attempt(at: AppTest, name: str) -> None:
    if "assessment_new_name" not in {w.key for w in at.text_input}:
        _open_save_panel(at)
    at.text_input(key="assessment_new_name").set_value(name)
    _click(at, "assessment_save_new")


def _save_new(at: AppTest, name: str) -> int:
    _save_new_attempt(at, name)
    assert f"Saved as a new assessment: {name}." in _text(at)
    raw = at.query_params["assessment"]
    return int(raw[0] if isinstance(raw, list) else raw)


def _open_save_panel(at: AppTest) -> None:
    """Open the sidebar's save panel, as a click on it does: its form is drawn only while open."""
    at.session_state[SAVE_PANEL] = True
    _run(at)


def test_the_save_panel_draws_its_form_only_while_open(db_url: str) -> None:
    """Closed (every Next reruns the sidebar), the panel is one element; opened, its form is there."""
    at = _session()
    _answered(at)
    keys = {w.key for w in at.text_input} | {b.key for b in at.button}
    assert not keys & {"assessment_new_name", "assessment_new_product", "assessment_save_new"}
    _open_save_panel(at)
    assert {w.key for w in at.sidebar.text_input} == {"assessment_new_name", "assessment_new_product"}
    assert "assessment_save_new" in {b.key for b in at.sidebar.button}


def _to_register(at: AppTest) -> None:
    _click(at, "to_register")
    assert [t.value for t in at.title] == ["Assessments"]


def _ids_listed(at: AppTest) -> list[int]:
    return [int(str(b.key)[5:]) for b in at.button if str(b.key).startswith("open_")]


def _open_from_register(at: AppTest, assessment_id: int) -> None:
    _click(at, f"open_{assessment_id}")


def _details(at: AppTest, assessment_id: int) -> None:
    _click(at, f"details_{assessment_id}")


def test_save_then_reopen_in_a_new_session_restores_answers_and_as_of(db_url: str) -> None:
    at = _session()
    _answered(at)
    ident = _save_new(at, "Widget plan")
    assert "Widget plan" in _text(at) and "revision 1" in _text(at)

    st.cache_resource.clear()  # as if on another replica: only the database is shared
    fresh = _session()  # another browser, same database: nothing of the first session is needed
    assert fresh.date_input(key="as_of").value == date.today()
    _to_register(fresh)
    assert _ids_listed(fresh) == [ident]
    text = _text(fresh)
    assert "Widget plan" in text and "Owner local" in text and "rulebook v1.2.3" in text
    assert f"law as of {AS_OF.isoformat()}" in text
    _open_from_register(fresh, ident)
    assert fresh.title[0].value == "Review your answers"
    assert fresh.date_input(key="as_of").value == AS_OF
    sidebar = "\n".join(m.value for m in fresh.sidebar.markdown)
    for label in ("Yes", "Red", "Norway, Sweden"):
        assert label in sidebar
    assert fresh.query_params["assessment"] in (str(ident), [str(ident)])
    assert "a" in fresh.query_params  # the URL token stays: a refresh or a shared link still works
    assert fresh.query_params["as_of"] in (AS_OF.isoformat(), [AS_OF.isoformat()])  # so does the date


def test_the_wizard_works_without_saving(db_url: str) -> None:
    at = _session()
    _answered(at)
    _click(at, "see_results")
    assert "Register as a widget maker" in _text(at)
    assert open_store(db_url).list_for(None) == []


def test_start_over_leaves_the_saved_assessment_alone(db_url: str) -> None:
    at = _session()
    _answered(at)
    ident = _save_new(at, "Widget plan")
    at.session_state[START_OVER] = True  # open the "Start over" popover
    _run(at)
    _click(at, "confirm_start_over")
    assert "assessment" not in at.query_params and not any(b.key == "assessment_save" for b in at.button)
    assert open_store(db_url).get(ident, None).latest.number == 1


def test_rename(db_url: str) -> None:
    at = _session()
    _answered(at)
    ident = _save_new(at, "Widget plan")
    _to_register(at)
    _details(at, ident)
    at.text_input(key="rename_to").set_value("Widget plan — EU")
    _click(at, "rename")
    assert [t.value for t in at.title] == ["Widget plan — EU"]
    assert open_store(db_url).get(ident, None).name == "Widget plan — EU"


def test_delete_needs_confirmation(db_url: str) -> None:
    at = _session()
    _answered(at)
    ident = _save_new(at, "Widget plan")
    _to_register(at)
    _details(at, ident)

    _click(at, "delete")  # asks; deletes nothing
    assert "Delete **Widget plan**?" in "\n".join(w.value for w in at.warning)
    assert open_store(db_url).get(ident, None).name == "Widget plan"
    _click(at, "confirm_delete_no")  # cancel
    assert open_store(db_url).get(ident, None).name == "Widget plan"
    assert not any(b.key == "confirm_delete_yes" for b in at.button)

    _click(at, "delete")
    _click(at, "confirm_delete_yes")
    assert "Deleted." in _text(at)
    assert [t.value for t in at.title] == ["Assessments"] and _ids_listed(at) == []
    with pytest.raises(NotFound):
        open_store(db_url).get(ident, None)


def test_revision_history_shows_who_when_and_the_answer_changes(db_url: str) -> None:
    at = _session()
    _answered(at)
    ident = _save_new(at, "Widget plan")
    _change(at, "widget_colour")
    _run(at)
    at.radio(key="q_widget_colour").set_value("blue")
    _click(at, "next")
    _click(at, "assessment_save")
    assert "Saved Widget plan (revision 2)." in _text(at)

    _to_register(at)
    _details(at, ident)
    history = _text(at)
    assert re.search(r"Revision 2.* — saved by local on \d{4}-\d\d-\d\d \d\d:\d\d under rulebook v1.2.3", history)
    assert "Which colour are the widgets? — Red → Blue" in history
    assert "Revision 1" in history and "Do you make widgets? — answered Yes" in history
    assert history.index("Revision 2") < history.index("Revision 1")  # newest first

    _click(at, "detail_open")  # the same session, whose wizard had the date bound to the URL before
    assert at.date_input(key="as_of").value == AS_OF
    assert at.query_params["as_of"] in (AS_OF.isoformat(), [AS_OF.isoformat()])


def _changed_rules(tmp_path: Path) -> Path:
    """The toy rules with one citation and one condition changed (and the version bumped)."""
    copy = tmp_path / "rules_v2"
    shutil.copytree(TOY, copy)
    widgets = copy / "widgets.yaml"
    text = widgets.read_text(encoding="utf-8")
    text = text.replace("ref: Art 4, quote:", "ref: Art 4a, quote:", 1)  # register_widgets: a citation
    text = text.replace("when: {question: widget_colour, in: [red]}", "when: {question: widget_colour, in: [blue]}")
    widgets.write_text(text, encoding="utf-8")
    meta = copy / "rulebook.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("version: 1.2.3", "version: 1.3.0"), encoding="utf-8")
    return copy


def test_banner_after_the_rules_change_names_the_changes_and_saving_acknowledges(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _session()
    _answered(at)
    ident = _save_new(at, "Widget plan")

    monkeypatch.setenv("ATMP_RULES_DIR", str(_changed_rules(tmp_path)))  # "restart on the copy"
    at = _session()
    _to_register(at)
    assert "2 obligations changed" in _text(at)
    _open_from_register(at, ident)
    banner = "\n".join(w.value for w in at.warning).replace("\\", "")
    assert "2 obligations changed since you saved this on" in banner and "under v1.2.3 — review" in banner
    # Each change is named with the rule line that caused it (from the stored snapshot of v1.2.3).
    assert "register_widgets changes: applies — citation added: Widget Act Art 4a" in banner
    assert "label_red_widgets stops: does not apply (was: applies) — condition when changed" in banner

    _click(at, "assessment_save")
    assert "Recorded that you reviewed 2 change(s)." in _text(at)
    assert not any("obligations changed since" in w.value for w in at.warning)
    latest = open_store(db_url).get(ident, None).latest
    assert latest.number == 2 and latest.rulebook_version == "1.3.0"
    assert set(latest.acknowledged) == {"obligations:register_widgets:changes", "obligations:label_red_widgets:stops"}
    _to_register(at)
    assert "obligations changed" not in _text(at)


def test_a_corrupt_database_file_gives_a_message_and_deletes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.db"
    garbage = b"this is not a database\n" * 200
    broken.write_bytes(garbage)
    monkeypatch.setenv("ATMP_DATABASE_URL", f"sqlite:///{broken}")
    monkeypatch.setenv("ATMP_RULES_DIR", str(TOY))
    at = _session()
    _answered(at)
    _save_new_attempt(at, "Widget plan")
    _click(at, "to_register")
    errors = "\n".join(e.value for e in at.error).replace("\\", "")
    assert str(broken) in errors or "broken.db" in errors, errors
    assert "Traceback" not in _text(at)
    assert broken.read_bytes() == garbage


@pytest.fixture
def team(db_url: str) -> Iterator[tuple[AppTest, int]]:
    """A team deployment: alice@example.org has saved one assessment, shared with nobody."""
    alice = _session("Alice@Example.org")
    assert "Logged in as" in _text(alice)
    _answered(alice)
    ident = _save_new(alice, "Alice's widget plan")
    yield alice, ident


def test_a_user_cannot_list_open_or_export_an_unshared_assessment(team: tuple[AppTest, int]) -> None:
    _, ident = team
    bob = _session("bob@example.org")
    _to_register(bob)
    assert _ids_listed(bob) == [] and "Alice's widget plan" not in _text(bob)

    for raw in (str(ident), "999999"):  # hers and a missing one: the same answer
        bob = _session("bob@example.org")
        _to_register(bob)
        bob.query_params["assessment"] = raw
        _run(bob)
        errors = [e.value for e in bob.error]
        assert errors == [f"assessment {raw} not found, or not shared with you"], errors
        assert not bob.get("download_button") and "Alice" not in _text(bob)


def test_sharing_by_email_lets_the_other_user_open_it(team: tuple[AppTest, int]) -> None:
    alice, ident = team
    _to_register(alice)
    _details(alice, ident)
    alice.text_input(key="share_with").set_value("Bob@example.org")
    _click(alice, "share")
    assert "Shared with bob@example.org." in _text(alice)

    bob = _session("bob@example.org")
    _to_register(bob)
    assert _ids_listed(bob) == [ident]
    _open_from_register(bob, ident)
    assert bob.title[0].value == "Review your answers"
    assert not any(b.key == "assessment_save" for b in bob.button)  # only the owner saves revisions
    assert "Shared by alice@example.org: only they save revisions." in _text(bob)

    _click(alice, "unshare_bob@example.org")
    assert "No longer shared with bob@example.org." in _text(alice)
    bob = _session("bob@example.org")
    _to_register(bob)
    assert _ids_listed(bob) == []


def test_the_first_save_creates_the_default_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make run` on a fresh machine: no ATMP_DATABASE_URL, no data folder yet — saving just works."""
    monkeypatch.delenv("ATMP_DATABASE_URL", raising=False)
    monkeypatch.delenv("ATMP_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh-home" / ".local" / "share"))
    monkeypatch.setenv("ATMP_RULES_DIR", str(TOY))
    at = _session()
    _answered(at)
    ident = _save_new(at, "Widget plan")
    created = tmp_path / "fresh-home" / ".local" / "share" / "atmp-pathways" / "assessments.db"
    assert created.is_file()
    assert open_store(f"sqlite:///{created}").get(ident, None).name == "Widget plan"


def test_save_reopen_and_history_on_each_database_engine(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same journey on SQLite and on a real PostgreSQL (skips, saying why, without one)."""
    monkeypatch.setenv("ATMP_DATABASE_URL", store_url)
    monkeypatch.setenv("ATMP_RULES_DIR", str(TOY))
    at = _session()
    _answered(at)
    ident = _save_new(at, "Widget plan")
    _change(at, "widget_colour")
    _run(at)
    at.radio(key="q_widget_colour").set_value("green")
    _click(at, "next")
    _click(at, "assessment_save")
    fresh = _session()
    _to_register(fresh)
    _details(fresh, ident)
    assert "Which colour are the widgets? — Red → Green" in _text(fresh)
    _click(fresh, "detail_open")
    assert fresh.date_input(key="as_of").value == AS_OF
    assert "Green" in "\n".join(m.value for m in fresh.sidebar.markdown)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ({}, "log in to see and save your assessments"),
        ({"is_logged_in": True}, "did not send an e-mail address"),
        ({"is_logged_in": True, "email": "eve@example.org", "email_verified": False}, "not verified yet"),
    ],
    ids=["logged-out", "no-email", "unverified-email"],
)
def test_a_team_deployment_shows_nothing_without_a_usable_login(
    db_url: str, user: dict[str, Any], expected: str
) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.secrets = TEAM_SECRETS
    at.user = user
    _run(at)
    assert expected in _text(at)
    assert not at.date_input and not any(b.key in ("start", "to_register") for b in at.button)
