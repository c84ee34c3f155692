"""The results screen: obligations by phase and area, why-not, per country, what changes."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Literal

import streamlit as st

from atmp_pathways import Finding, Rulebook
from atmp_pathways.exports import EXPORTS, export_filename
from atmp_pathways.models import AnswerValue
from atmp_pathways.outcome import Outcome, change_dates, diff_outcomes, law_change_dates
from atmp_pathways.present import (
    DISCLAIMER,
    actor_label,
    group_findings,
    item_tables,
    status_badge,
    verification_label,
)
from atmp_pathways.present import escape_markdown as _escape
from atmp_pathways.present import markdown_link as _link
from atmp_pathways.present import markdown_table as _table
from atmp_pathways.wizard import Wizard

from . import proposals, state

__all__ = ["compare_default", "render"]

BadgeColour = Literal["blue", "violet", "gray", "green", "orange"]
_STATUS_COLOURS: dict[str, BadgeColour] = {
    "binding_law": "blue",
    "gmp_guideline": "violet",
    "guidance": "gray",
    "national_practice": "green",
    "agreed_not_in_force": "gray",
    "proposed": "gray",
}


def escape_markdown(text: str) -> str:
    return _escape(text, streamlit=True)


def compare_default(book: Rulebook, as_of: date) -> date:
    """The first day after ``as_of`` on which the law in the rulebook changes (else ``as_of``)."""
    return next(iter(law_change_dates(book, as_of)), as_of)


def render(wiz: Wizard, answers: dict[str, AnswerValue], as_of: date) -> None:
    book = wiz.book
    outcome = wiz.outcome(answers, as_of)  # once per rerun (and reused while the answers stay)
    stamp = outcome.ruleset
    st.header("Your obligations")
    st.caption(
        f"{escape_markdown(stamp.title)} · ruleset v{escape_markdown(stamp.version)} (reviewed {stamp.reviewed.isoformat()}) · "
        f"law as of **{outcome.as_of.isoformat()}** · {len(answers)} answers"
    )
    st.warning(escape_markdown(DISCLAIMER), icon=":material/gavel:")
    counts = st.columns(4)
    counts[0].metric("Apply now", len(outcome.applicable))
    counts[1].metric("Apply later", len(outcome.upcoming))
    counts[2].metric("On the horizon", len(outcome.horizon))
    counts[3].metric("Do not apply", len(outcome.not_applicable))
    _downloads(book, outcome)
    if outcome.undetermined:
        st.info(
            f"{len(outcome.undetermined)} obligation(s) still wait for answers; go back to the review screen to finish."
        )
    tabs = st.tabs(["Applies now", "Applies later", "On the horizon", "Why not", "Per country", "What changes"])
    with tabs[0]:
        _grouped(book, outcome.applicable, "Nothing applies now for these answers.")
    with tabs[1]:
        st.caption("These obligations apply to you from a later date.")
        _grouped(book, outcome.upcoming, "Nothing is scheduled to start applying later.")
    with tabs[2]:
        st.warning(
            "**Not law.** Proposals and agreed texts that are not yet in force. Watch them; they bind no one yet.",
            icon=":material/visibility:",
        )
        _grouped(book, outcome.horizon, "Nothing on the horizon for these answers.")
    with tabs[3]:
        _why_not(outcome)
    with tabs[4]:
        _per_item(book, outcome)
    with tabs[5]:
        _what_changes(wiz, answers, outcome)
    st.button(
        "Back to review", key="results_back", icon=":material/arrow_back:", on_click=state.set_view, args=("review",)
    )


def _downloads(book: Rulebook, outcome: Outcome) -> None:
    st.markdown("**Download the checklist**")
    row = st.container(horizontal=True, gap="small")
    for name, fmt in EXPORTS.items():
        row.download_button(
            fmt.label,
            data=partial(fmt.render, outcome, book),  # built only when clicked
            file_name=export_filename(outcome, name),
            mime=fmt.mime,
            on_click="ignore",
            key=f"export_{name}",
            icon=":material/download:",
        )


def _grouped(book: Rulebook, findings: tuple[Finding, ...], empty: str) -> None:
    if not findings:
        st.caption(empty)
        return
    for group in group_findings(book, findings):
        st.subheader(escape_markdown(group.phase_title))
        for area, items in group.areas:
            if area != group.phase_title:
                st.markdown(f"##### {escape_markdown(area)}")
            for finding in items:
                _finding(book, finding)


def _finding(book: Rulebook, f: Finding) -> None:
    with st.container(border=True):
        # Title and badges in one Markdown element (``st.badge`` is this same directive, one element each).
        colour = "orange" if f.state == "applies_from" else _STATUS_COLOURS.get(f.status, "gray")
        badges = [
            _badge(status_badge(f), colour),
            _badge(actor_label(book, f.actor), "gray", ":material/person:"),
        ]
        if f.valid_to is not None:  # e.g. a Directive replaced by a Regulation: say when it stops
            badges.append(_badge(f"Until {f.valid_to.isoformat()}", "gray", ":material/event_busy:"))
        if f.verification != "confirmed":
            badges.append(_badge(verification_label(f.verification), "orange", ":material/warning:"))
        st.markdown(f"**{escape_markdown(f.title)}**  \n" + " ".join(badges))
        # One Markdown element for the body (a Markdown table, not st.table: no DataFrame per finding).
        body = [escape_markdown(f.description)]
        if f.details:
            body.append(_table(["Detail", "Value"], list(f.details.items()), streamlit=True))
        body.append("**Checklist**\n" + "\n".join(f"- [ ] {escape_markdown(item)}" for item in f.checklist))
        basis = []
        for c in f.citations:
            quote = f" — “{escape_markdown(c.quote)}”" if c.quote else ""
            reviewed = f" (last reviewed {c.last_reviewed.isoformat()})" if c.last_reviewed else ""
            basis.append(f"- {_link(c.title, c.url, streamlit=True)}, {escape_markdown(c.reference)}{quote}{reviewed}")
        body.append("**Legal basis**\n" + "\n".join(basis))
        reform = proposals.note_markdown(book, f.obligation)
        if reform:
            body.append(reform)
        st.markdown("\n\n".join(body))
        if f.notes:
            st.caption(escape_markdown(f.notes))
        with st.expander("Why this applies"):
            st.markdown("\n".join(f"- {escape_markdown(r.text)}" for r in f.because) or "No conditions.")


def _badge(label: str, colour: BadgeColour, icon: str | None = None) -> str:
    """A Markdown badge, the directive ``st.badge`` draws; ``label`` is plain text (escaped here)."""
    return f":{colour}-badge[{icon + ' ' if icon else ''}{escape_markdown(label)}]"


def _why_not(outcome: Outcome) -> None:
    if not outcome.not_applicable:
        st.caption("Every obligation in the rules applies, or waits for an answer.")
        return
    st.caption("Obligations in the rules that do not apply to you, and the first condition that rules each one out.")
    st.markdown(
        "\n".join(
            f"- **{escape_markdown(f.title)}** — {escape_markdown(f.why_not or '')}" for f in outcome.not_applicable
        )
    )


def _per_item(book: Rulebook, outcome: Outcome) -> None:
    tables = item_tables(book, outcome.applicable + outcome.upcoming)
    if not tables:
        st.caption("No country-by-country obligations for these answers.")
        return
    st.caption("One entry per country you named; national positions change, so check the date of the information.")
    for heading, rows in tables:
        st.markdown(f"##### {escape_markdown(heading)}")
        for row in rows:  # one small table per country: long legal text wraps instead of being cut off
            (_, item), *rest = row.items()
            st.container(border=True).markdown(
                f"**{escape_markdown(item)}**\n\n" + _table(["Detail", "Value"], rest, streamlit=True)
            )


def _what_changes(wiz: Wizard, answers: dict[str, AnswerValue], outcome: Outcome) -> None:
    st.caption("The same answers, evaluated as the rules stand on another date.")
    dates = change_dates(outcome)
    if dates:
        st.caption(
            "For these answers, obligations start or stop applying on: "
            + ", ".join(d.isoformat() for d in dates)
            + ". Pick a date on or after one of them to see the change."
        )
    other_date = st.date_input(
        "Compare with the law as of",
        value=compare_default(wiz.book, outcome.as_of),
        key="compare_date",
        format="YYYY-MM-DD",
    )
    other = outcome if other_date == outcome.as_of else wiz.outcome(answers, other_date)
    diff = diff_outcomes(outcome, other)
    base, then = outcome.as_of.isoformat(), other.as_of.isoformat()
    if not diff.changed:
        st.success(f"Nothing changes between {base} and {then}: the same {len(diff.unchanged)} obligation(s) apply.")
        return
    if diff.added:
        st.markdown(
            f"**Apply on {then}, not on {base}**\n"
            + "\n".join(f"- :material/add: {escape_markdown(f.title)}{_on(f.valid_from, 'from')}" for f in diff.added)
        )
    if diff.removed:
        st.markdown(
            f"**Apply on {base}, no longer on {then}**\n"
            + "\n".join(
                f"- :material/remove: {escape_markdown(f.title)}{_on(f.valid_to, 'until')}" for f in diff.removed
            )
        )
    st.caption(f"{len(diff.unchanged)} obligation(s) apply on both dates.")


def _on(day: date | None, word: str) -> str:
    """`` *(from 2027-08-07)*``: when an obligation starts or stops applying, if the rules say."""
    return f" *({word} {day.isoformat()})*" if day is not None else ""
