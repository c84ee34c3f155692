"""The results page's "Compare options" panel: one answer changed, side by side.

The user picks one answered question and another answer; the page shows what that
alternative changes (``atmp_pathways.compare``). The main answers stay as they are until
"Use this option" — then only that one answer is replaced (every other answer is kept,
and questions the alternative still needs are asked next).
"""

from __future__ import annotations

import streamlit as st

from atmp_pathways import Question, Rulebook
from atmp_pathways.compare import Comparison, compare, conclusion, state_label
from atmp_pathways.exports.outline import determination_heading
from atmp_pathways.models import AnswerValue
from atmp_pathways.outcome import Finding, Outcome
from atmp_pathways.present import RELIEF, answer_label, change_words, escape_markdown, question_text
from atmp_pathways.wizard import Wizard

from . import state

__all__ = ["relief_note", "render"]

_KINDS = ("yes_no", "one_of", "many_of")  # a date answer has no short list of alternatives


def _esc(text: str) -> str:
    return escape_markdown(text, streamlit=True)


def relief_note(f: Finding, starts: bool) -> str:
    """`` :violet-badge[relief] relief no longer available`` for a relief or exemption; "" for a duty.

    "What changes" (dates) and "Compare options" both mark reliefs so that losing one does not
    read like good news ("stops applying").
    """
    if f.effect != "relief":
        return ""
    return f" :violet-badge[{RELIEF}] {_esc(change_words(f.effect, starts))}"


def _choosable(book: Rulebook, outcome: Outcome) -> list[Question]:
    """Answered questions that were used (not ignored), in asking order, that have alternatives."""
    out = []
    for q in book.questions:
        if q.id in outcome.answers and q.id not in outcome.ignored_answers and q.kind in _KINDS:
            out.append(q)
    return out


def _alternative(book: Rulebook, q: Question, current: AnswerValue) -> AnswerValue | None:
    choices = book.choices(q)
    key = f"cmp_value_{q.id}"
    if q.kind == "yes_no":
        options = [v for v in (True, False) if v != current]
        return st.radio("Alternative answer", options, format_func=lambda v: "Yes" if v else "No", key=key)
    if q.kind == "one_of":
        others = [c for c in choices if c != current]
        return st.radio("Alternative answer", others, format_func=lambda c: choices[c], key=key, index=None)
    picked = st.multiselect(
        "Alternative answer",
        list(choices),
        default=list(current) if isinstance(current, list) else [],
        format_func=lambda c: choices[c],
        key=key,
    )
    return list(picked)


def render(wiz: Wizard, answers: dict[str, AnswerValue], outcome: Outcome) -> None:
    book = wiz.book
    st.caption(
        "Change one answer to see what that option would change. Your answers stay as they are "
        "until you choose “Use this option”."
    )
    questions = _choosable(book, outcome)
    if not questions:
        st.caption("No answered question has an alternative to compare.")
        return
    by_id = {q.id: q for q in questions}
    qid = st.selectbox(
        "Question to change",
        list(by_id),
        format_func=lambda q: question_text(book, q),
        key="cmp_question",
    )
    if qid is None:
        return
    q = by_id[qid]
    st.markdown(f"Your answer: **{_esc(answer_label(book, qid, answers[qid]))}**")
    value = _alternative(book, q, answers[qid])
    if value is None or value == answers[qid]:
        st.caption("Choose another answer to compare.")
        return
    alt = {**answers, qid: value}
    result = compare(book, answers, alt, outcome.as_of, base_outcome=outcome)
    _show(book, result, answer_label(book, qid, answers[qid]), answer_label(book, qid, value))
    st.button(
        "Use this option",
        key="cmp_use",
        type="primary",
        icon=":material/check:",
        on_click=_use,
        args=(qid, value, bool(result.needs)),
    )


def _use(question_id: str, value: AnswerValue, needs_more: bool) -> None:
    store = state.answers()
    store[question_id] = value
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith("cmp_value_")]:
        del st.session_state[key]
    if needs_more:
        state.set_view("questions")
        state.flash("success", "Option chosen. A few more questions complete it.")
    else:
        state.flash("success", "Option chosen: your answers now use it.")


def _show(book: Rulebook, c: Comparison, mine: str, theirs: str) -> None:
    if not c.changed:
        st.success("This alternative changes no conclusion and no obligation.")
        return
    left, right = st.columns(2)
    left.markdown(f"**Your answer:** {_esc(mine)}")
    right.markdown(f"**Alternative:** {_esc(theirs)}")
    for before, after in c.determinations:
        d = after or before
        if d is None:  # pragma: no cover - a pair always has one side
            continue
        left.markdown(f"{_esc(determination_heading(d))}: **{_esc(conclusion(before))}**")
        right.markdown(f"{_esc(determination_heading(d))}: **{_esc(conclusion(after))}**")
    if c.stops:
        left.markdown(
            "**Applies only with your answer**\n"
            + "\n".join(f"- :material/remove: {_esc(f.title)}{relief_note(f, False)}" for f in c.stops)
        )
    if c.starts:
        right.markdown(
            "**Applies only with the alternative**\n"
            + "\n".join(f"- :material/add: {_esc(f.title)}{relief_note(f, True)}" for f in c.starts)
        )
    if c.changes:
        st.markdown(
            "**Changes state**\n"
            + "\n".join(
                f"- {_esc(ch.alt.title)}: {_esc(state_label(ch.base.state))} → {_esc(state_label(ch.alt.state))}"
                for ch in c.changes
            )
        )
    if c.needs:
        st.info(
            "The alternative still needs answers to: "
            + "; ".join(_esc(question_text(book, q)) for q in c.needs)
            + ". “Use this option” asks them next.",
            icon=":material/help:",
        )
    unchanged = len(c.base.applicable) - len(c.stops)
    st.caption(f"{unchanged} obligation(s) apply either way.")
