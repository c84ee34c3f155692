"""The Assessments page and the wizard's save panel: saved assessments that stay current.

Every read goes through the store with the current user, so the server decides what a
user may see: an id typed into the URL that is not yours (and not shared with you) gives
the same "not found" as an id that does not exist. The session keeps only which saved
assessment the wizard is bound to (``assessment``: id, revision it started from, the
changes shown in the banner); everything else is read from the database on each rerun.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.navigation.page import StreamlitPage

from atmp_pathways import Rulebook, dump_answers
from atmp_pathways.answers import encode_answers
from atmp_pathways.impact import usable_answers
from atmp_pathways.models import AnswerValue
from atmp_pathways.present import answer_label

from . import auth, registry, state
from .auth import escape_markdown

__all__ = ["ID_PARAM", "SAVE_PANEL", "answer_changes", "render", "wizard_panel"]

ID_PARAM = "assessment"
"""Query parameter naming the saved assessment (on the wizard and the Assessments page)."""
SAVE_PANEL = "save_new_panel"
"""Session key of the sidebar's "Save to Assessments" panel: True while it is open."""
_BOUND = "assessment"  # session key: id, revision, name, and the impact shown in the banner (see _binding)
_T = TypeVar("_T")


# --- pure helpers -------------------------------------------------------------------------


def answer_changes(book: Rulebook, before: Mapping[str, AnswerValue], after: Mapping[str, AnswerValue]) -> list[str]:
    """The answers that differ between two revisions, in words."""
    lines = []
    for qid, old, new in registry.answer_changes(before, after):
        text = _question_text(book, qid)
        if old is None:
            lines.append(f"{text} — answered {_label(book, qid, new)}")
        elif new is None:
            lines.append(f"{text} — answer {_label(book, qid, old)} removed")
        else:
            lines.append(f"{text} — {_label(book, qid, old)} → {_label(book, qid, new)}")
    return lines


def _question_text(book: Rulebook, qid: str) -> str:
    question = book.questions_by_id.get(qid)
    return question.text if question is not None else qid


def _label(book: Rulebook, qid: str, value: AnswerValue | None) -> str:
    if value is None:
        return "—"
    if qid not in book.questions_by_id:
        return str(value)
    return answer_label(book, qid, value)


def _when(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone().strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


# --- store access: every failure becomes a message on the page ----------------------------


def _attempt(action: Callable[[], _T], where: DeltaGenerator | None = None) -> _T | None:
    """Run a store call; show its problem (never a traceback) and return None when it fails."""
    try:
        return action()
    except registry.StoreError as err:
        (where or st).error(escape_markdown(str(err)), icon=":material/error:")
        return None


def _attempt_in_callback(action: Callable[[], _T], done: str | None = None) -> _T | None:
    try:
        result = action()
    except registry.StoreError as err:
        state.flash("error", str(err))
        return None
    if done:
        state.flash("success", done)
    return result


# --- binding the wizard to a saved assessment --------------------------------------------


def _bound() -> dict[str, Any] | None:
    value = st.session_state.get(_BOUND)
    return value if isinstance(value, dict) else None


def _binding(book: Rulebook, assessment: registry.Assessment) -> dict[str, Any]:
    """What the session remembers of an opened assessment, with what the current rules change."""
    found = registry.impact_for(book, assessment.id, auth.current_user())
    return {
        "id": assessment.id,
        "revision": assessment.latest.number,
        "name": assessment.name,
        "owner": assessment.owner,
        "banner": found.banner(),
        "changes": _impact_lines(found),
        "ack": [line.key for line in found.lines] + [f"questions:{qid}:new" for qid, _ in found.new_questions],
        "problem": found.problem,
    }


def _impact_lines(found: registry.AssessmentImpact) -> list[str]:
    lines = [line.text().replace("`", "") for line in found.lines]
    lines += [f"new question: {text}" for _, text in found.new_questions]
    lines += [f"answer no longer used: {qid}" for qid in found.dropped_answers]
    return lines


def _bind(book: Rulebook, assessment: registry.Assessment) -> None:
    """Put a saved assessment into the wizard: answers, as-of date, and what changed since."""
    st.session_state["answers"] = usable_answers(book, assessment.answers)[0]  # retired ids moved, stale ones out
    st.session_state["as_of"] = assessment.as_of
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith("q_")]:
        del st.session_state[key]
    state.set_view("questions")
    st.session_state[_BOUND] = _binding(book, assessment)


def _unbind() -> None:
    st.session_state.pop(_BOUND, None)


def _restore_from_url(book: Rulebook, where: DeltaGenerator) -> None:
    """A refresh or a bookmark of the wizard keeps ``?assessment=``: re-check it and re-bind.

    The answers themselves come from ``?a=`` (they may hold unsaved edits), so only the
    binding is restored; an id this user may not see is dropped with the not-found message.
    """
    raw = st.query_params.get(ID_PARAM)
    bound = _bound()
    if raw is None or (bound is not None and str(bound["id"]) == raw):
        return
    found = _fetch(raw, where)
    if found is None:
        del st.query_params[ID_PARAM]
        _unbind()
        return
    st.session_state[_BOUND] = _binding(book, found)


def _fetch(raw: str, where: DeltaGenerator | None = None) -> registry.Assessment | None:
    """The assessment ``raw`` names, if this user may see it; else the not-found message."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):  # not an id: the same answer as any other
        (where or st).error(
            f"assessment {escape_markdown(raw)} not found, or not shared with you", icon=":material/error:"
        )
        return None
    return _attempt(lambda: registry.get(int(raw), auth.current_user()), where)


# --- the save panel in the wizard's sidebar, and the banner -------------------------------


def wizard_panel(book: Rulebook, top: DeltaGenerator, register_page: StreamlitPage) -> None:
    """Save / save as new in the sidebar; the "changed since you saved this" banner on top."""
    _restore_from_url(book, top)
    if not state.answers() and _bound() is not None:
        _unbind()  # "Start over" cleared the answers: the next save is a new assessment, not a revision
    bound = _bound()
    if bound is not None:
        if st.query_params.get(ID_PARAM) != str(bound["id"]):
            st.query_params[ID_PARAM] = str(bound["id"])
        _banner(top, bound)
    elif ID_PARAM in st.query_params:
        del st.query_params[ID_PARAM]
    answers = state.answers()
    with st.sidebar:
        st.subheader("Saved assessment")
        if bound is not None:
            st.caption(f"**{escape_markdown(bound['name'])}**, revision {bound['revision']}")
            owner = str(bound.get("owner") or auth.current_user())
            buttons = st.container(horizontal=True)
            if owner == auth.current_user():
                buttons.button(
                    "Save",
                    key="assessment_save",
                    icon=":material/save:",
                    type="primary",
                    disabled=not answers,
                    on_click=_save,
                    args=(book,),
                )
            else:
                st.caption(f"Shared by {escape_markdown(owner)}: only they save revisions. Save as new to keep a copy.")
            buttons.button("Close", key="assessment_close", type="tertiary", on_click=_close)
        # The form is drawn only while its panel is open (``on_change="rerun"``): the sidebar
        # reruns with every Next, and two text boxes and a button cost more than the closed panel.
        panel = st.expander(
            "Save as a new assessment" if bound is not None else "Save to Assessments",
            key=SAVE_PANEL,
            on_change="rerun",
        )
        if panel.open:
            with panel:
                st.text_input("Name", key="assessment_new_name", placeholder="e.g. CAR-T 101 — EU supply")
                st.text_input("Product or programme", key="assessment_new_product")
                st.button(
                    "Save as new",
                    key="assessment_save_new",
                    icon=":material/add:",
                    disabled=not answers,
                    on_click=_save_new,
                    args=(book,),
                )
        if st.button("All assessments", key="to_register", icon=":material/folder_open:", type="tertiary"):
            # Keep the answers token; the as-of date is bound to its widget, which keeps it.
            token = st.query_params.get(state.URL_PARAM)
            st.switch_page(register_page, query_params={state.URL_PARAM: token} if token else {})


def _banner(
    top: DeltaGenerator, bound: Mapping[str, Any], then: str = "the results, then save to record that you did."
) -> None:
    """ "2 obligations changed since you saved this on DATE under vX — review", naming each change."""
    if bound.get("banner"):
        head = f"**{escape_markdown(bound['banner'])}** {then}"
        lines = "".join(f"\n- {escape_markdown(line)}" for line in bound.get("changes") or [])
        top.warning(head + lines, icon=":material/update:")
    if bound.get("problem"):
        top.caption(escape_markdown(bound["problem"]))


def _save(book: Rulebook) -> None:
    bound = _bound()
    if bound is None:
        return
    revision = _attempt_in_callback(
        lambda: registry.save(
            bound["id"],
            auth.current_user(),
            book,
            state.answers(),
            state.as_of(),
            based_on=int(bound["revision"]),
            acknowledged=tuple(bound.get("ack") or ()),
        )
    )
    if revision is None:
        return
    note = f" Recorded that you reviewed {len(bound['ack'])} change(s)." if bound.get("ack") else ""
    if revision.concurrent:
        note += " Someone else saved it meanwhile: both revisions are kept; see its history."
    state.flash("success", f"Saved {bound['name']} (revision {revision.number}).{note}")
    st.session_state[_BOUND] = {**bound, "revision": revision.number, "banner": "", "changes": [], "ack": []}


def _save_new(book: Rulebook) -> None:
    name = str(st.session_state.get("assessment_new_name") or "").strip()
    if not name:
        state.flash("warning", "Give the new assessment a name first.")
        return
    product = str(st.session_state.get("assessment_new_product") or "").strip()
    created = _attempt_in_callback(
        lambda: registry.create(
            auth.current_user(),
            book,
            name,
            product,
            state.answers(),
            state.as_of(),
        )
    )
    if created is None:
        return
    st.session_state["assessment_new_name"] = ""
    st.session_state["assessment_new_product"] = ""
    st.session_state[_BOUND] = {
        "id": created.id,
        "revision": created.latest.number,
        "name": created.name,
        "owner": created.owner,
    }
    state.flash("success", f"Saved as a new assessment: {created.name}.")


def _close() -> None:
    _unbind()


# --- the Assessments page ------------------------------------------------------------------


def render(book: Rulebook, wizard_page: StreamlitPage) -> None:
    """``?assessment=ID`` shows one assessment (if this user may see it); otherwise the register."""
    for kind, message, details in state.pop_flashes():
        text = escape_markdown(message) + "".join(f"\n- {escape_markdown(d)}" for d in details)
        {"success": st.success, "warning": st.warning, "error": st.error}[kind](text)
    raw = st.query_params.get(ID_PARAM)
    if raw is not None:
        _detail(book, raw, wizard_page)
    else:
        _register(book, wizard_page)


def _open_button(book: Rulebook, assessment_id: int, wizard_page: StreamlitPage, key: str) -> None:
    if st.button("Open in the wizard", key=key, icon=":material/open_in_new:", type="primary"):
        found = _attempt(lambda: registry.get(assessment_id, auth.current_user()))
        if found is None:
            return
        _bind(book, found)
        # The as-of date goes into the session (for the widget) and into the URL (for a refresh):
        # the date widget is not on this page, so its query parameter is not bound here.
        params = {state.URL_PARAM: encode_answers(found.answers), ID_PARAM: str(found.id)}
        params["as_of"] = found.as_of.isoformat()
        st.switch_page(wizard_page, query_params=params)


def _register(book: Rulebook, wizard_page: StreamlitPage) -> None:
    st.title("Assessments")
    user = auth.current_user()
    rows = _attempt(lambda: registry.list_for(user))
    if rows is None:
        return
    st.caption(
        "Your saved assessments"
        + (" and those shared with you." if auth.is_team() else ".")
        + " Each is re-checked against the rules in force now; a badge shows where the outcome changed."
    )
    if not rows:
        st.info("Nothing saved yet. Answer the wizard, then use *Save to Assessments* in its sidebar.")
        return
    recheck = st.date_input(
        "Re-check as of",
        value=None,
        key="impact_as_of",
        format="YYYY-MM-DD",
        help="Empty: each assessment at its own as-of date, under the current rules. "
        "A date: what changes by then for every assessment (e.g. when a new regulation applies).",
    )
    impacts = _attempt(lambda: registry.impacts(book, user, recheck)) or {}
    for row in rows:
        with st.container(border=True):
            title = f"**{escape_markdown(row.name)}**"
            if row.product:
                title += f" · {escape_markdown(row.product)}"
            found = impacts.get(row.id)
            if found is not None and found.changed:
                title += f" :orange-badge[:material/update: {escape_markdown(found.banner().split(' since ')[0])}]"
            st.markdown(title)
            st.caption(
                f"Owner {escape_markdown(row.owner)} · last saved {_when(row.updated_at)} by "
                f"{escape_markdown(row.last_saved_by)} · rulebook v{escape_markdown(row.rulebook_version)} · "
                f"law as of {row.as_of.isoformat()} · revision {row.revision}"
            )
            buttons = st.container(horizontal=True)
            with buttons:
                _open_button(book, row.id, wizard_page, key=f"open_{row.id}")
                st.button("Details", key=f"details_{row.id}", on_click=_show_detail, args=(row.id,))


def _show_detail(assessment_id: int) -> None:
    st.query_params[ID_PARAM] = str(assessment_id)


def _back_to_register() -> None:
    if ID_PARAM in st.query_params:
        del st.query_params[ID_PARAM]
    st.session_state.pop("confirm_delete", None)


def _detail(book: Rulebook, raw: str, wizard_page: StreamlitPage) -> None:
    st.button("All assessments", key="back_to_register", icon=":material/arrow_back:", on_click=_back_to_register)
    user = auth.current_user()
    found = _fetch(raw)
    if found is None:
        return
    st.title(escape_markdown(found.name))
    owner = found.owner == user
    shared = ", ".join(found.shared_with) if found.shared_with else "nobody"
    st.caption(
        f"{escape_markdown(found.product) + ' · ' if found.product else ''}Owner {escape_markdown(found.owner)}"
        + (f" · shared with {escape_markdown(shared)}" if auth.is_team() else "")
        + f" · created {_when(found.created_at)}"
    )
    _banner(st.container(), _binding(book, found), then="it in the wizard, then save to record that you did.")
    buttons = st.container(horizontal=True)
    with buttons:
        _open_button(book, found.id, wizard_page, key="detail_open")
        st.download_button(
            "Export answers (JSON)",
            data=dump_answers(dict(found.answers), found.as_of, book),
            file_name=f"atmp-assessment-{found.id}.json",
            mime="application/json",
            on_click="ignore",
            key="detail_export",
            icon=":material/download:",
        )
    if owner:
        _owner_actions(found)
    _history(book, found.id, user)


def _owner_actions(found: registry.Assessment) -> None:
    with st.expander("Rename", icon=":material/edit:"):
        st.text_input("New name", value=found.name, key="rename_to")
        st.button("Rename", key="rename", on_click=_rename, args=(found.id,))
    if auth.is_team():
        with st.expander("Share", icon=":material/share:"):
            st.text_input("Share with (e-mail address)", key="share_with", placeholder="colleague@example.org")
            st.checkbox("Share with everyone who can log in", key="share_everyone")
            st.button("Share", key="share", on_click=_share, args=(found.id,))
            for grantee in found.shared_with:
                shown = "everyone" if grantee == registry.EVERYONE else grantee
                st.button(
                    f"Stop sharing with {escape_markdown(shown)}",
                    key=f"unshare_{grantee}",
                    type="tertiary",
                    icon=":material/person_remove:",
                    on_click=_unshare,
                    args=(found.id, grantee, shown),
                )
    if st.session_state.get("confirm_delete") == found.id:
        st.warning(
            f"Delete **{escape_markdown(found.name)}**? It disappears from every list; the deletion is recorded.",
            icon=":material/delete:",
        )
        confirm = st.container(horizontal=True)
        confirm.button("Yes, delete it", key="confirm_delete_yes", type="primary", on_click=_delete, args=(found.id,))
        confirm.button("Cancel", key="confirm_delete_no", on_click=st.session_state.pop, args=("confirm_delete", None))
    else:
        st.button("Delete…", key="delete", icon=":material/delete:", on_click=_ask_delete, args=(found.id,))


def _rename(assessment_id: int) -> None:
    name = str(st.session_state.get("rename_to") or "").strip()
    if not name:
        state.flash("warning", "A name cannot be empty.")
        return
    _attempt_in_callback(lambda: registry.rename(assessment_id, auth.current_user(), name), f"Renamed to {name}.")
    bound = _bound()
    if bound is not None and bound["id"] == assessment_id:
        st.session_state[_BOUND] = {**bound, "name": name}


def _share(assessment_id: int) -> None:
    everyone = bool(st.session_state.get("share_everyone"))
    email = str(st.session_state.get("share_with") or "").strip().lower()
    if not everyone and "@" not in email:
        state.flash("warning", "Enter an e-mail address, or tick 'everyone'.")
        return
    grantee = registry.EVERYONE if everyone else email
    shown = "everyone" if everyone else email
    _attempt_in_callback(lambda: registry.share(assessment_id, auth.current_user(), grantee), f"Shared with {shown}.")


def _unshare(assessment_id: int, grantee: str, shown: str) -> None:
    _attempt_in_callback(
        lambda: registry.unshare(assessment_id, auth.current_user(), grantee), f"No longer shared with {shown}."
    )


def _ask_delete(assessment_id: int) -> None:
    st.session_state["confirm_delete"] = assessment_id


def _delete(assessment_id: int) -> None:
    st.session_state.pop("confirm_delete", None)

    def delete() -> bool:
        registry.delete(assessment_id, auth.current_user())
        return True

    done = _attempt_in_callback(delete, "Deleted.")
    if done:
        bound = _bound()
        if bound is not None and bound["id"] == assessment_id:
            _unbind()
        _back_to_register()


def _history(book: Rulebook, assessment_id: int, user: str) -> None:
    revisions = _attempt(lambda: registry.revisions(assessment_id, user))
    if not revisions:
        return
    st.header("History", anchor=False)  # h2 under the assessment's name (h1)
    previous: Mapping[str, AnswerValue] = {}
    entries = []
    for revision in revisions:  # oldest first: each is compared with the one before
        changes = answer_changes(book, previous, revision.answers)
        previous = revision.answers
        head = (
            f"**Revision {revision.number}** — saved by {escape_markdown(revision.saved_by)} on "
            f"{_when(revision.saved_at)} under rulebook v{escape_markdown(revision.rulebook_version)}, "
            f"law as of {revision.as_of.isoformat()}"
        )
        if revision.concurrent:
            head += " :orange-badge[saved while another revision was made]"
        body = [f"- {escape_markdown(line)}" for line in changes] or (
            ["- answers unchanged"] if revision.number > 1 else []
        )
        if revision.acknowledged:
            body.append(f"- reviewed {len(revision.acknowledged)} change(s) in the rules:")
            body += [f"    - {escape_markdown(line)}" for line in revision.acknowledged]
        entries.append("\n".join([head, *body]))
    for entry in reversed(entries):  # newest on top
        st.markdown(entry)
