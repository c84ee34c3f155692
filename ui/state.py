"""Session state of the wizard, and the callbacks that change it.

``st.session_state["answers"]`` (question id → value) is the only domain state. Beside
it the wizard keeps where the user is looking (``view``, ``editing``) and one-shot
messages; everything else — next question, path, outcome — is derived on each rerun.
The answers are mirrored into the URL (``?a=<token>``) so a refresh or a shared link
brings them back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

import streamlit as st

from atmp_pathways import AnswersError, Question, Rulebook, parse_answers
from atmp_pathways._dates import EARLIEST, LATEST, as_of_problem, read_as_of
from atmp_pathways._quote import printable
from atmp_pathways.answers import (
    MAX_ANSWERS_BYTES,
    SHOW_LINK_PROBLEMS,
    AnswersFile,
    decode_answers,
    encode_answers,
)
from atmp_pathways.logic import answer_key
from atmp_pathways.models import KINDS, AnswerValue
from atmp_pathways.wizard import Wizard, WizardState

from . import guard

__all__ = [
    "URL_PARAM",
    "WIDGET_VALUES",
    "View",
    "answers",
    "AS_OF_PARAM",
    "apply_answers_file",
    "as_of",
    "change_answer",
    "change_picked",
    "CHANGE_PICK",
    "confirm_file",
    "keep_answers",
    "pending_file",
    "current_question",
    "flash",
    "go_back",
    "init_state",
    "pop_flashes",
    "save_answer",
    "set_view",
    "start_over",
    "sync_url",
    "widget_key",
    "choice_key",
    "ticks_choices",
]

URL_PARAM = "a"
AS_OF_PARAM = "as_of"  # bound to the date widget (``bind="query-params"``)
_log = logging.getLogger("atmp_pathways.app")
View = Literal["start", "questions", "review", "results"]
Flash = tuple[Literal["success", "warning", "error"], str, list[str]]


def widget_key(question_id: str) -> str:
    return f"q_{question_id}"


TICK_BOXES_UP_TO = 10
"""A many_of question with at most this many choices is asked as a group of labelled tick boxes
(Tab / Space per choice); a longer list (all EU/EEA countries) keeps a searchable multiselect."""


def ticks_choices(choice_count: int) -> bool:
    """Whether a many_of question with ``choice_count`` choices is asked as tick boxes."""
    return choice_count <= TICK_BOXES_UP_TO


def choice_key(question_id: str, choice: str) -> str:
    """The key of one tick box of a many_of question (``q_`` prefix: cleared with the other widgets)."""
    return f"q_{question_id}__{choice}"


def answers() -> dict[str, AnswerValue]:
    value: dict[str, AnswerValue] = st.session_state["answers"]
    return value


def as_of() -> date:
    value = st.session_state.get("as_of")
    return value if isinstance(value, date) else date.today()


def init_state(book: Rulebook) -> None:
    """Set the session up once; restore answers from the URL on the first run."""
    if "answers" in st.session_state:
        return
    st.session_state["answers"] = {}
    st.session_state["view"] = "start"
    st.session_state["editing"] = None
    st.session_state["return_to_review"] = False
    st.session_state["flashes"] = []
    url_as_of = st.query_params.get(AS_OF_PARAM)
    if url_as_of is not None and as_of_problem(url_as_of) is not None:
        flash(
            "warning",
            f"The date in the page address, {as_of_problem(url_as_of)}, was not used: the law is shown as of "
            f"today. Pick a date from {EARLIEST} to {LATEST}.",
        )
        del st.query_params[AS_OF_PARAM]
    token = st.query_params.get(URL_PARAM, "")
    if not token:
        return
    try:
        loaded = decode_answers(book, token)
    except AnswersError as err:
        flash("warning", "The answers in the page address could not be used, so the wizard starts empty.", err.problems)
        return
    except Exception:  # noqa: BLE001 - the boundary: log the detail, show a reference
        ref = guard.reference()
        _log.exception("reading the answers in the page address failed (reference %s)", ref)
        flash("warning", f"The answers in the page address could not be used (error reference {ref}).")
        return
    st.session_state["answers"] = dict(loaded.answers)
    st.session_state["view"] = "questions"
    if loaded.as_of is not None and read_as_of(url_as_of) is None:  # the same rule as for a file
        st.session_state["as_of"] = loaded.as_of
    if loaded.warnings:
        flash("warning", "Answers restored from the page address.", loaded.warnings)


def sync_url(keep_as_of: bool = False) -> None:
    """Mirror the answers into ``?a=``, so a refresh or a shared link restores them.

    ``keep_as_of``: on a page or screen without the date widget (which binds ``?as_of=``
    itself), write the chosen date back too, so none drops it from the address; today's date,
    the default, is written only if the address named it (a link without a date means today).
    """
    token = _token(answers())
    if token and st.query_params.get(URL_PARAM) != token:
        st.query_params[URL_PARAM] = token
    elif not token and URL_PARAM in st.query_params:
        del st.query_params[URL_PARAM]
    chosen = st.session_state.get("as_of")
    if not keep_as_of or not isinstance(chosen, date):
        return
    shown = st.query_params.get(AS_OF_PARAM)
    if shown != chosen.isoformat() and (shown is not None or chosen != date.today()):
        st.query_params[AS_OF_PARAM] = chosen.isoformat()


def _token(current: dict[str, AnswerValue]) -> str:
    """``encode_answers(current)``, reused while the answers are unchanged (most reruns)."""
    snapshot = tuple(answer_key(qid, v) for qid, v in current.items())
    last = st.session_state.get("url_token")
    if isinstance(last, tuple) and last[0] == snapshot:
        return str(last[1])
    token = encode_answers(current)
    st.session_state["url_token"] = (snapshot, token)
    return token


def flash(kind: Literal["success", "warning", "error"], message: str, details: list[str] | None = None) -> None:
    """Queue a message for the next run (callbacks cannot draw)."""
    st.session_state.setdefault("flashes", []).append((kind, message, list(details or [])))


def pop_flashes() -> list[Flash]:
    flashes: list[Flash] = st.session_state.get("flashes", [])
    st.session_state["flashes"] = []
    return [(kind, message, guard.bounded_details(details)) for kind, message, details in flashes]


def set_view(view: View) -> None:
    st.session_state["view"] = view
    st.session_state["editing"] = None
    st.session_state["return_to_review"] = False


def current_question(book: Rulebook, derived: WizardState) -> Question | None:
    """The question on screen: the one being edited, else the engine's next question.

    ``derived`` is ``Wizard.state(answers())``, computed once per rerun.
    """
    editing = st.session_state.get("editing")
    if editing is not None and editing in book.questions_by_id:
        return book.question(editing)
    return derived.next_question


def _clear_widgets() -> None:
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith("q_")]:
        del st.session_state[key]


def _as_list(value: Any) -> Any:
    return list(value or [])


def _as_is(value: Any) -> Any:
    return value


WIDGET_VALUES: dict[str, Callable[[Any], Any]] = {
    "yes_no": _as_is,
    "one_of": _as_is,
    "many_of": _as_list,
    "date": _as_is,
}
"""Question kind → the widget's value as an answer (a multiselect gives a list, never None); then
``models.KINDS[kind].coerce`` turns it into the answer's own type, as for a file or a link."""


def _widget_value(book: Rulebook, question: Question) -> Any:
    raw = st.session_state.get(widget_key(question.id))
    if question.kind == "many_of" and ticks_choices(len(choices := book.choices(question))):
        raw = [c for c in choices if st.session_state.get(choice_key(question.id, c))]
    value = WIDGET_VALUES[question.kind](raw)
    return value if value is None else KINDS[question.kind].coerce(value)


def save_answer(wiz: Wizard, question_id: str) -> None:
    """Next/Continue: store the widget's value, then move on.

    After Back, Next steps to the following answered question (prefilled); after
    Change, it continues with the first unanswered question, or returns to review.
    """
    question = wiz.book.question(question_id)
    value = _widget_value(wiz.book, question)
    if value is None:
        flash("warning", "Choose an answer first.")
        return
    store = answers()
    store[question_id] = value
    if st.session_state.get("return_to_review"):
        st.session_state["editing"] = None
        if wiz.state(store).next_question is None:
            set_view("review")
        return
    path = wiz.path(store)
    position = path.index(question_id) if question_id in path else -1
    following = path[position + 1] if 0 <= position < len(path) - 1 else None
    st.session_state["editing"] = following


def go_back(wiz: Wizard, question_id: str | None) -> None:
    """Back: the previous question on the path, prefilled; from the first, the start screen.

    A choice made on this screen is kept (not lost), as if Next had been pressed.
    """
    question = wiz.book.questions_by_id.get(question_id or "")
    if question is not None:
        value = _widget_value(wiz.book, question)
        if value is not None and value != []:
            answers()[question.id] = value
    path = wiz.path(answers())
    if question_id in path:
        position = path.index(question_id)
        target = path[position - 1] if position > 0 else None
    else:
        target = path[-1] if path else None
    if target is None:
        set_view("start")
        return
    st.session_state["view"] = "questions"
    st.session_state["editing"] = target
    st.session_state["return_to_review"] = False


CHANGE_PICK = "change_pick"
"""The sidebar's "Change an answer" picker (a question id, or None)."""


def change_picked() -> None:
    """The sidebar picker's choice: change that answer, and clear the picker for next time."""
    question_id = st.session_state.get(CHANGE_PICK)
    st.session_state[CHANGE_PICK] = None
    if isinstance(question_id, str):
        change_answer(question_id)


def change_answer(question_id: str) -> None:
    """Change (sidebar or review): jump to the question; afterwards continue, then review."""
    st.session_state["view"] = "questions"
    st.session_state["editing"] = question_id
    st.session_state["return_to_review"] = True


def start_over() -> None:
    """Clear every answer (the UI asks for confirmation first)."""
    st.session_state["answers"] = {}
    _clear_widgets()
    set_view("start")
    flash("success", "All answers cleared.")


def apply_answers_file(book: Rulebook, raw: bytes, name: str) -> list[str]:
    """Load an answers file: replace the answers if it is valid, else keep them.

    A file with no answers is refused (it would silently erase everything); a file that
    would replace answers already given waits for ``confirm_file`` (like Start over).
    Returns the problems ([] on success or while waiting); messages are queued with ``flash``.
    """
    shown = printable(name, 60)
    if len(raw) > MAX_ANSWERS_BYTES:
        problems = [f"{shown}: the file is {len(raw):,} bytes; answers files are at most {MAX_ANSWERS_BYTES:,} bytes."]
    else:
        try:
            loaded = parse_answers(book, raw, name=shown, limit=SHOW_LINK_PROBLEMS)
        except AnswersError as err:
            problems = err.problems
        except Exception:  # noqa: BLE001 - the boundary: log the detail, show a reference
            ref = guard.reference()
            _log.exception("reading an uploaded answers file failed (reference %s)", ref)
            problems = [f"{shown}: the file could not be read (error reference {ref})."]
        else:
            if not loaded.answers:
                problems = [f"{shown}: the file has no answers."]
            elif answers() and loaded.answers != answers():
                st.session_state["pending_file"] = (shown, loaded)
                return []
            else:
                _use_file(shown, loaded)
                return []
    flash("error", f"{shown} was not loaded; your current answers are unchanged.", problems)
    return problems


def pending_file() -> tuple[str, AnswersFile] | None:
    """A valid file waiting for the user to confirm it may replace the current answers."""
    value: tuple[str, AnswersFile] | None = st.session_state.get("pending_file")
    return value


def confirm_file() -> None:
    waiting = pending_file()
    st.session_state["pending_file"] = None
    if waiting is not None:
        _use_file(*waiting)


def keep_answers() -> None:
    waiting = pending_file()
    st.session_state["pending_file"] = None
    if waiting is not None:
        flash("success", f"{waiting[0]} was not loaded; your current answers are unchanged.")


def _use_file(shown: str, loaded: AnswersFile) -> None:
    st.session_state["answers"] = dict(loaded.answers)
    if loaded.as_of is not None:
        st.session_state["as_of"] = loaded.as_of
    _clear_widgets()
    set_view("questions")
    flash("success", f"Loaded {len(loaded.answers)} answers from {shown}.", loaded.warnings)
