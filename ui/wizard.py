"""The wizard page: start → one question at a time → review → results."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache, partial

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from atmp_pathways import Question, Rulebook
from atmp_pathways._dates import EARLIEST, LATEST
from atmp_pathways.answers import MAX_ANSWERS_BYTES, dump_answers
from atmp_pathways.models import UNDECIDED, AnswerValue
from atmp_pathways.present import KEPT_NOT_USED, answer_label, markdown_link
from atmp_pathways.present import escape_markdown as _escape
from atmp_pathways.wizard import Progress, Wizard, WizardState, needs_confirmation, review_rows

from . import results, state

__all__ = ["START_OVER", "WIDGETS", "render"]

START_OVER = "start_over_open"
"""Session key of the sidebar's "Start over" popover: True while it is open."""


@lru_cache(maxsize=4096)
def _escape_cached(text: str) -> str:
    return _escape(text, streamlit=True)


def escape_markdown(text: str) -> str:
    """Streamlit-escaped text; rule texts recur on every rerun, so short ones are remembered."""
    return _escape_cached(text) if len(text) <= 2000 else _escape(text, streamlit=True)


def render(wiz: Wizard) -> None:
    book = wiz.book
    state.init_state(book)
    _show_flashes()
    view = st.session_state["view"]
    # Path, pending questions and progress: derived once per rerun from the answers, passed down.
    derived = wiz.state(state.answers())
    question = state.current_question(book, derived) if view == "questions" else None
    if view == "questions" and question is None:
        state.set_view("review")
        view = "review"
    if view in ("review", "results"):
        # First: the screens below read the date it holds. Not on the start screen (it has its
        # own) nor on question screens: which question comes next never depends on the date,
        # and a date picker redrawn on every Next is the costliest element of the sidebar.
        _as_of_input(st.sidebar)
    # The answers list is drawn after the screen (in its place in the sidebar), so the next
    # question reaches the browser before the list of everything answered so far.
    answers_panel = st.sidebar.container()
    finish: Callable[[], None] | None = None
    try:
        finish = _screen(wiz, view, question, derived)
    finally:  # also when the screen failed: the answers stay reachable (and savable)
        _sidebar(book, derived, answers_panel)
    if finish is not None:
        finish()
    if not st.session_state.get(_FOCUS_SENT):  # installed once per browser tab (see _focus_script)
        _focus_script()
        st.session_state[_FOCUS_SENT] = True
    state.sync_url(keep_as_of=view == "questions")  # no date widget there to keep ?as_of= itself


def _screen(wiz: Wizard, view: str, question: Question | None, derived: WizardState) -> Callable[[], None] | None:
    """Draw the screen; return what is left to do once the rest of the page is out (or None)."""
    if view == "start":
        _start(wiz.book)
    elif question is not None:
        return _question(wiz, question, derived)
    elif view == "review":
        _review(wiz, derived)
    else:
        results.render(wiz, state.answers(), state.as_of())
    return None


_FOCUS_SENT = "focus_script_sent"
"""Session key: the focus script went out on this session's first run. Its observer lives on in
the page after its element leaves the DOM, so later reruns do not redraw it; a reload starts a
new session, which sends it again."""


def _focus_script() -> None:
    """Constant JavaScript (no rule text): when the page's main heading (h1) changes — after Next,
    Back, Change or See results — move the keyboard focus to it, as a screen reader expects; name
    the group of tick boxes of a many_of question by that heading; and let an in-page link (skip
    links, the summary's rows) move the focus to its target. Installed once per browser tab."""
    st.html(
        """<script>
(() => {
  if (window.__atmpFocus) return;
  window.__atmpFocus = true;
  let last = null;
  const update = () => {
    const main = document.querySelector('[data-testid="stMain"]');
    const h1 = main && main.querySelector('h1');
    if (!h1 || h1.closest('[data-stale="true"]')) return;
    if (!h1.id) h1.id = 'page-heading';
    const group = main.querySelector('.st-key-choice_group');
    if (group && group.getAttribute('aria-labelledby') !== h1.id) {
      group.setAttribute('role', 'group');
      group.setAttribute('aria-labelledby', h1.id);
    }
    const text = h1.textContent;
    if (last !== null && text !== last) {
      h1.setAttribute('tabindex', '-1');
      h1.focus();
    }
    last = text;
  };
  let queued = false;  // at most one look per frame, however many nodes a rerun touches
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; update(); });
  };
  new MutationObserver(schedule).observe(document.body, {subtree: true, childList: true, characterData: true});
  update();
  // An in-page link (skip links, "At a glance" rows) moves the focus to its target, not just the view.
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[href^="#"]') : null;
    const target = link ? document.getElementById(decodeURIComponent(link.hash.slice(1))) : null;
    if (!target) return;
    target.setAttribute('tabindex', '-1');
    setTimeout(() => target.focus(), 0);
  });
})();
</script>""",
        unsafe_allow_javascript=True,
    )


def _show_flashes() -> None:
    for kind, message, details in state.pop_flashes():
        text = escape_markdown(message) + "".join(f"\n- {escape_markdown(d)}" for d in details)
        {"success": st.success, "warning": st.warning, "error": st.error}[kind](text)


def _as_of_input(where: DeltaGenerator) -> None:
    where.date_input(
        "Law as of",
        value=date.today(),
        min_value=EARLIEST,  # explicit: Streamlit's default range (today ± 10 years) would
        max_value=LATEST,  # silently replace a shared "as of 2038" link by today
        key="as_of",
        help="Obligations are evaluated as the rules stand on this date.",
        format="YYYY-MM-DD",
        bind="query-params",
        persist_state="session",
    )


def _start(book: Rulebook) -> None:
    meta = book.meta
    st.title(meta.title)
    st.markdown(
        "Answer a few questions about your product and your plans; get the obligations that "
        "apply, with their legal basis and a checklist you can download."
    )
    st.info(
        f"**Decision support, not legal advice.** Rulebook **v{escape_markdown(meta.version)}** "
        f"({escape_markdown(meta.jurisdiction)}), reviewed **{meta.as_of.isoformat()}**. "
        f"{escape_markdown(meta.scope)}",
        icon=":material/info:",
    )
    _as_of_input(st.container())
    count = len(state.answers())
    label = f"Continue ({count} answers so far)" if count else "Start"
    st.button(label, type="primary", key="start", on_click=state.set_view, args=("questions",))
    st.header("Resume")
    st.markdown(
        "The page address keeps your answers: bookmark it, or share it, to come back later. "
        "Or load an answers file you saved earlier."
    )
    st.file_uploader(
        "Load a saved answers file (JSON or YAML)",
        type=["json", "yaml", "yml"],
        key="upload",
        help=f"A file saved with Save answers; at most {MAX_ANSWERS_BYTES // 1024} KiB.",
        on_change=_on_upload,
        args=(book,),
        max_upload_size=1,
    )
    waiting = state.pending_file()
    if waiting is not None:
        name, loaded = waiting
        with st.container(border=True):
            st.markdown(
                f"Replace your **{len(state.answers())}** current answers with the **{len(loaded.answers)}** "
                f"answers in {escape_markdown(name)}? Save your current answers first if you may need them."
            )
            row = st.container(horizontal=True)
            row.button("Yes, replace my answers", key="confirm_file", type="primary", on_click=state.confirm_file)
            row.button("Keep my answers", key="keep_answers", on_click=state.keep_answers)


def _on_upload(book: Rulebook) -> None:
    uploaded = st.session_state.get("upload")
    if uploaded is not None:
        state.apply_answers_file(book, uploaded.getvalue(), uploaded.name)


def _sources(book: Rulebook, question: Question) -> str:
    lines = []
    for citation in question.citations:
        source = book.sources_by_id.get(citation.source)
        if source is None:
            continue
        line = f"- {markdown_link(source.title, source.url, streamlit=True)}, {escape_markdown(citation.ref)}"
        if citation.quote:
            line += f" — “{escape_markdown(citation.quote)}”"
        lines.append(line)
    return "\n".join(lines)


Widget = Callable[[Rulebook, Question, str, str, AnswerValue | None], None]


def _undecided(question: Question) -> list[object]:
    """The extra "not decided yet" option of a planning question (none on other questions)."""
    return [UNDECIDED] if question.undecided is not None else []


def _yes_no(book: Rulebook, question: Question, label: str, key: str, stored: AnswerValue | None) -> None:
    options: list[object] = [True, False, *_undecided(question)]
    index = next((i for i, o in enumerate(options) if o == stored and type(o) is type(stored)), None)
    fmt = partial(answer_label, book, question.id)
    st.radio(label, options, index=index, key=key, format_func=fmt, label_visibility="collapsed")


def _one_of(book: Rulebook, question: Question, label: str, key: str, stored: AnswerValue | None) -> None:
    ids: list[object] = [*book.choices(question), *_undecided(question)]
    index = ids.index(stored) if isinstance(stored, str) and stored in ids else None
    fmt = partial(answer_label, book, question.id)
    st.radio(label, ids, index=index, key=key, format_func=fmt, label_visibility="collapsed")


def _many_of(book: Rulebook, question: Question, label: str, key: str, stored: AnswerValue | None) -> None:
    choices = book.choices(question)
    chosen = set(stored) if isinstance(stored, list) else set()
    if state.ticks_choices(len(choices)):
        # A short list: one labelled tick box per choice (Tab to each, Space ticks it); a
        # multiselect's Enter would pick every option matching what was typed.
        st.caption("Tick all that apply — leave all unticked if none.")
        with st.container(key="choice_group", gap="small"):
            for choice, text in choices.items():
                st.checkbox(escape_markdown(text), value=choice in chosen, key=state.choice_key(question.id, choice))
        return
    st.multiselect(
        label,
        list(choices),
        default=[v for v in stored if v in choices] if isinstance(stored, list) else [],
        key=key,
        format_func=choices.__getitem__,
        placeholder="Type to search; choose all that apply — leave empty if none",
        label_visibility="collapsed",
        select_all=False,  # no "Select all" / "Select N matches": Enter adds the highlighted option only
        filter_mode="contains",
    )


def _date(book: Rulebook, question: Question, label: str, key: str, stored: AnswerValue | None) -> None:
    value = stored if isinstance(stored, date) else None
    st.date_input(
        label,
        value=value,
        min_value=EARLIEST,
        max_value=LATEST,
        key=key,
        format="YYYY-MM-DD",
        label_visibility="collapsed",
    )


WIDGETS: dict[str, Widget] = {"yes_no": _yes_no, "one_of": _one_of, "many_of": _many_of, "date": _date}
"""Question kind → the widget that asks it (a test checks every kind of the vocabulary has one)."""


def _question(wiz: Wizard, question: Question, derived: WizardState) -> Callable[[], None]:
    """Draw a question screen; return the step that narrows its progress line, to run last.

    Counting a new answer's journeys can take longer than the rest of the rerun, so the line
    first shows the range already known (true, perhaps wider) and is narrowed in place once
    the question and the sidebar are out.
    """
    book = wiz.book
    stored = state.answers().get(question.id)
    known = wiz.progress(state.answers(), derived, known=True)
    bar = st.progress(known.fraction, text=known.text)  # narrowed in place at the end
    st.caption(escape_markdown(book.topic_titles.get(book.topic_of.get(question.id, ""), "")))
    label = escape_markdown(question.text)
    st.title(label)  # the page's main heading (h1); the widget keeps the same label for screen readers
    suggested = wiz.prefill(question, state.answers()) if stored is None else None
    shown = suggested[0] if suggested is not None else stored
    WIDGETS[question.kind](book, question, label, state.widget_key(question.id), shown)
    help_text = escape_markdown(question.help)
    if suggested is not None:  # pre-selected, not stored: Next confirms it
        help_text = f"Pre-selected: {escape_markdown(suggested[1].because)}  \n{help_text}"
    st.caption(help_text)
    with st.expander("Why we ask: legal source"):
        st.markdown(_sources(book, question))
    buttons = st.container(horizontal=True)
    buttons.button("Back", key="back", icon=":material/arrow_back:", on_click=state.go_back, args=(wiz, question.id))
    buttons.button(
        "Next",
        key="next",
        type="primary",
        icon=":material/arrow_forward:",
        icon_position="right",
        on_click=state.save_answer,
        args=(wiz, question.id),
    )
    if question.id in state.answers():
        buttons.button(
            "Skip to the first unanswered question",
            key="skip",
            type="tertiary",
            on_click=state.set_view,
            args=("questions",),
        )
    return partial(_narrow_progress, wiz, derived, bar, known)


def _narrow_progress(wiz: Wizard, derived: WizardState, bar: DeltaGenerator, shown: Progress) -> None:
    exact = wiz.progress(state.answers(), derived)
    if exact != shown:
        bar.progress(exact.fraction, text=exact.text)


def _review(wiz: Wizard, derived: WizardState) -> None:
    book = wiz.book
    answers = state.answers()
    outcome = wiz.outcome(answers, state.as_of())
    st.title("Review your answers")  # the page's main heading (h1); focus lands here
    st.caption(
        "Check every answer before you see the results. Change any of them; the wizard then asks whatever else it needs."
    )
    for row in review_rows(book, answers, outcome):
        text, change = st.columns([5, 1], vertical_alignment="center")
        note = "" if row.used else f"  \n*{KEPT_NOT_USED} — this question is no longer asked*"
        text.markdown(f"**{escape_markdown(row.question)}**  \n{escape_markdown(row.answer)}{note}")
        change.button(
            "Change", key=f"review_change_{row.question_id}", on_click=state.change_answer, args=(row.question_id,)
        )
    if not answers:
        st.info("No answers yet.")
    results.skipped(outcome)
    pending = derived.pending
    if pending:
        st.warning(f"{len(pending)} question(s) still to answer; the results will be incomplete.")
    buttons = st.container(horizontal=True)
    path = derived.path
    buttons.button(
        "Back",
        key="review_back",
        icon=":material/arrow_back:",
        on_click=state.go_back,
        args=(wiz, path[-1] if path else None),
    )
    buttons.button("See results", key="see_results", type="primary", on_click=state.set_view, args=("results",))


def _sidebar(book: Rulebook, derived: WizardState, where: DeltaGenerator) -> None:
    answers = state.answers()
    with where:
        st.subheader("Your answers")
        path = derived.path
        if not path:
            st.caption("None yet.")
        else:
            # Two elements however many answers there are: the list, and one labelled picker to
            # change any of them. A rerun (every Next) redraws two elements, not a button per
            # answer, and the keyboard passes the whole panel in one Tab stop.
            labels = {qid: f"{n}. {book.question(qid).text}" for n, qid in enumerate(path, 1)}
            st.markdown(_answers_list(book, path, answers))
            st.selectbox(
                "Change an answer",
                path,
                index=None,
                key=state.CHANGE_PICK,
                format_func=labels.__getitem__,
                placeholder="Choose the question to change",
                on_change=state.change_picked,
            )
        extra = len(answers) - len(path)
        if extra > 0:
            st.caption(f"{extra} more answer(s) kept but not used now; see the review screen.")
        st.download_button(
            "Save answers (JSON)",
            data=partial(dump_answers, dict(answers), state.as_of(), book),  # built only when clicked
            file_name="atmp-answers.json",
            mime="application/json",
            on_click="ignore",
            key="save_answers",
            icon=":material/save:",
            disabled=not answers,
        )
        if needs_confirmation(answers):
            # What it clears is drawn only while it is open (``on_change="rerun"``): one element per Next.
            start_over = st.popover("Start over", icon=":material/restart_alt:", key=START_OVER, on_change="rerun")
            if start_over.open:
                with start_over:
                    st.markdown(f"This clears all **{len(answers)}** answers. Save them first if you may need them.")
                    st.button(
                        "Yes, clear my answers", key="confirm_start_over", type="primary", on_click=state.start_over
                    )


def _answers_list(book: Rulebook, path: tuple[str, ...], answers: dict[str, AnswerValue]) -> str:
    """The answers on the path as one numbered Markdown list: question, then the answer in bold."""
    return "\n".join(
        f"{n}. {escape_markdown(book.question(qid).text)}  \n"
        f"   **{escape_markdown(answer_label(book, qid, answers[qid]))}**"
        for n, qid in enumerate(path, 1)
    )
