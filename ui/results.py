"""The results screen: obligations by phase and area, why-not, per country, what changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Literal

import streamlit as st

from atmp_pathways import Finding, Rulebook
from atmp_pathways.exports import EXPORTS, export_filename
from atmp_pathways.exports.outline import (
    DECISION_PENDING,
    NOT_ASKED,
    by_area,
    conclusion_label,
    decision_pending,
    depends_on,
    depends_rows,
    determination_heading,
    settled_by,
    skipped_rows,
)
from atmp_pathways.models import AnswerValue
from atmp_pathways.outcome import Determined, Outcome, change_dates, diff_outcomes, law_change_dates
from atmp_pathways.present import (
    DISCLAIMER,
    actor_label,
    due_label,
    group_findings,
    item_tables,
    phase_label,
    status_badge,
    status_label,
    verification_label,
)
from atmp_pathways.present import escape_markdown as _escape
from atmp_pathways.present import markdown_link as _link
from atmp_pathways.present import markdown_table as _table
from atmp_pathways.wizard import Wizard

from . import compare as compare_panel
from . import proposals, state

__all__ = ["card_anchor", "compare_default", "render", "skipped"]

BadgeColour = Literal["blue", "violet", "gray", "green", "orange"]
_STATUS_COLOURS: dict[str, BadgeColour] = {
    "binding_law": "blue",
    "gmp_guideline": "violet",
    "guidance": "gray",
    "national_practice": "green",
    "agreed_not_in_force": "gray",
    "proposed": "gray",
}


_DECISION_ICON = ":material/help:"
"""The icon of what depends on a planning answer left "not decided yet" (tab note, cards, pathway)."""


def escape_markdown(text: str) -> str:
    return _escape(text, streamlit=True)


def compare_default(book: Rulebook, as_of: date) -> date:
    """The first day after ``as_of`` on which the law in the rulebook changes (else ``as_of``)."""
    return next(iter(law_change_dates(book, as_of)), as_of)


def render(wiz: Wizard, answers: dict[str, AnswerValue], as_of: date) -> None:
    book = wiz.book
    outcome = wiz.outcome(answers, as_of)  # once per rerun (and reused while the answers stay)
    stamp = outcome.ruleset
    st.title("Your obligations", anchor="your-obligations")  # the page's main heading (h1); focus lands here
    # A card's title keeps its id (the "At a glance" rows jump to it) but not Streamlit's "Link to
    # heading" icon, a link: one more Tab stop per card between the summary and the downloads.
    # Style only, so Streamlit draws it in no space; a constant (tests/test_hostile.py checks).
    st.html(
        '<style>[data-testid="stMain"] h3[id^="card-"] [data-testid="stHeaderActionElements"] {display: none}</style>'
    )
    st.caption(
        f"{escape_markdown(stamp.title)} · ruleset v{escape_markdown(stamp.version)} (reviewed {stamp.reviewed.isoformat()}) · "
        f"law as of **{outcome.as_of.isoformat()}** · {len(answers)} answers"
    )
    st.markdown(
        "Skip to: [At a glance](#at-a-glance) · [the obligations by tab](#obligations) · [the downloads](#downloads)"
    )
    st.warning(escape_markdown(DISCLAIMER), icon=":material/gavel:")
    _downloads(book, outcome)
    _pathway(book, outcome)
    keep = _filters(book, outcome)
    applicable, upcoming, horizon = (
        tuple(filter(keep, fs)) for fs in (outcome.applicable, outcome.upcoming, outcome.horizon)
    )
    _summary(book, applicable)
    if outcome.undetermined:
        st.info(
            f"{len(outcome.undetermined)} obligation(s) still wait for answers; go back to the review screen to finish."
        )
    st.header("Obligations", anchor="obligations")
    depends = tuple(filter(keep, outcome.depends))
    labels = [
        f"Applies now ({len(applicable)})",
        f"Applies later ({len(upcoming)})",
        f"On the horizon ({len(horizon)})",
        *([f"{DECISION_PENDING} ({len(depends)})"] if outcome.depends else []),
        f"Why not ({len(outcome.not_applicable)})",
        "Per country",
        "What changes",
        "Compare options",
    ]
    tabs = dict(zip(labels, st.tabs(labels), strict=True))
    with tabs[labels[0]]:
        _grouped(book, applicable, "Nothing applies now for these answers (or the filters).")
    with tabs[labels[1]]:
        st.caption("These obligations apply to you from a later date.")
        _grouped(book, upcoming, "Nothing is scheduled to start applying later.")
    with tabs[labels[2]]:
        st.warning(
            "**Not law.** Proposals and agreed texts that are not yet in force. Watch them; they bind no one yet.",
            icon=":material/visibility:",
        )
        _grouped(book, horizon, "Nothing on the horizon for these answers.")
    if outcome.depends:
        with tabs[labels[3]]:
            _depends(book, outcome, depends)
    rest = labels[-4:]
    with tabs[rest[0]]:
        _why_not(book, outcome)
    with tabs[rest[1]]:
        _per_item(book, outcome)
    with tabs[rest[2]]:
        _what_changes(wiz, answers, outcome)
    with tabs[rest[3]]:
        compare_panel.render(wiz, answers, outcome)
    st.button(
        "Back to review", key="results_back", icon=":material/arrow_back:", on_click=state.set_view, args=("review",)
    )


def _pathway(book: Rulebook, outcome: Outcome) -> None:
    """ "Your pathway": what the rules conclude from the answers, before the obligations."""
    if not outcome.determinations:
        return
    st.header("Your pathway", anchor="your-pathway")
    for d in outcome.determinations:
        _determined(book, d)


def _determined(book: Rulebook, d: Determined) -> None:
    """One line per conclusion (collapsed: heading and result), its reasons and sources inside —
    so the whole pathway and the "At a glance" table fit the first screens."""
    conclusion = conclusion_label(d)
    pending_decision = decision_pending(d) and not d.value_label  # as the "Depends on your decision" tab and cards
    label = f"{escape_markdown(determination_heading(d))}: **{escape_markdown(conclusion)}**"
    if d.verification != "confirmed":
        label += f" · :orange[{escape_markdown(verification_label(d.verification))}]"
    icon = ":material/check_circle:"
    if pending_decision:
        icon = _DECISION_ICON
    elif d.value is None or d.verification != "confirmed":
        icon = ":material/warning:"
    with st.container(key=f"pathway_{d.key}"), st.expander(label, icon=icon):
        colour: BadgeColour = "blue" if d.value else "violet" if pending_decision else "orange"
        badges = [_badge(conclusion, colour)]
        if d.verification != "confirmed":
            badges.append(_badge(verification_label(d.verification), "orange", ":material/warning:"))
        body = [" ".join(badges)]
        if d.value is None and d.pending:
            body.append(f"Settled by your answer to: {escape_markdown(settled_by(book, d))}")
        if d.because:
            body.append(f"**Because** {escape_markdown(d.because)}")
        if d.citations:
            body.append(
                "\n".join(
                    f"- {_link(c.title, c.url, streamlit=True)}, {escape_markdown(c.reference)}" for c in d.citations
                )
            )
        st.markdown("\n\n".join(body))
        if d.meaning:
            st.caption(escape_markdown(d.meaning))


def _filters(book: Rulebook, outcome: Outcome) -> Callable[[Finding], bool]:
    """Filters by phase, actor, status, verification and text; returns the test a finding must pass."""
    findings = outcome.applicable + outcome.upcoming + outcome.horizon + outcome.depends
    if not findings:
        return lambda f: True

    def options(attr: str) -> list[str]:
        return sorted({getattr(f, attr) for f in findings})

    with st.expander("Filter the obligations", icon=":material/filter_list:"):
        row = st.columns(4)
        phases = row[0].multiselect(
            "Phase", options("phase"), format_func=lambda p: phase_label(book, p), key="flt_phase"
        )
        actors = row[1].multiselect(
            "Who", options("actor"), format_func=lambda a: actor_label(book, a), key="flt_actor"
        )
        statuses = row[2].multiselect("Legal status", options("status"), format_func=status_label, key="flt_status")
        checks = row[3].multiselect(
            "Verification", options("verification"), format_func=verification_label, key="flt_verification"
        )
        text = st.text_input("Search titles, descriptions and checklists", key="flt_text").strip().casefold()

    def keep(f: Finding) -> bool:
        if (phases and f.phase not in phases) or (actors and f.actor not in actors):
            return False
        if (statuses and f.status not in statuses) or (checks and f.verification not in checks):
            return False
        if text:
            haystack = " ".join((f.title, f.description, *f.checklist)).casefold()
            return text in haystack
        return True

    return keep


def _summary(book: Rulebook, findings: tuple[Finding, ...]) -> None:
    """At a glance: one row per obligation that applies now (its card below carries the same title)."""
    st.header("At a glance", anchor="at-a-glance")
    if not findings:
        st.caption("Nothing applies now for these answers (or the filters).")
        return
    rows = [
        f"| [{escape_markdown(f.title)}](#{card_anchor(f)}) | {escape_markdown(phase_label(book, f.phase))} "
        f"| {escape_markdown(actor_label(book, f.actor))} | {escape_markdown(status_badge(f))} "
        f"| {escape_markdown(verification_label(f.verification))} | {escape_markdown(due_label(book, f) or '—')} |"
        for group in group_findings(book, findings)
        for _, items in group.areas
        for f in items
    ]
    head = "| Obligation | Phase | Who | Status | Verification | When |\n|---|---|---|---|---|---|\n"
    st.markdown(head + "\n".join(rows))


def _downloads(book: Rulebook, outcome: Outcome) -> None:
    st.header("Download the checklist", anchor="downloads")
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
    st.caption(
        "Excel and CSV are trackers (Owner, Status, Due date, Notes). For a screen reader use the Word "
        "or Markdown export — the PDF is not tagged."
    )


def _grouped(book: Rulebook, findings: tuple[Finding, ...], empty: str) -> None:
    if not findings:
        st.caption(empty)
        return
    for group in group_findings(book, findings):
        st.header(escape_markdown(group.phase_title), anchor=False)  # h2 per phase, h3 per card
        for area, items in group.areas:
            if area != group.phase_title:
                st.markdown(f"**{escape_markdown(area)}**")
            for finding in items:
                _finding(book, finding)


def card_anchor(f: Finding) -> str:
    """The in-page id of a finding's card (the "At a glance" rows link to it)."""
    return "card-" + re.sub(r"[^a-z0-9]+", "-", f.id.casefold()).strip("-")


def _finding(book: Rulebook, f: Finding) -> None:
    # The card's title is a heading (h3, with an id for the summary's links but no link icon: see
    # render()); the collapsed expander under it carries the badges and opens on the details.
    st.subheader(escape_markdown(f.title), anchor=card_anchor(f))
    label = f"Details · {escape_markdown(status_badge(f))}"
    if f.state == "depends":  # not "applies": it hangs on an answer not decided yet
        label += f" · :violet[{_DECISION_ICON} {DECISION_PENDING}]"
    if f.due:
        label += f" · {escape_markdown(due_label(book, f))}"
    if f.verification != "confirmed":
        label += " · :orange[:material/warning: " + escape_markdown(verification_label(f.verification)) + "]"
    with st.expander(label, expanded=False):
        # The badges in one Markdown element (``st.badge`` is this same directive, one element each).
        colour = "orange" if f.state == "applies_from" else _STATUS_COLOURS.get(f.status, "gray")
        badges = [
            _badge(status_badge(f), colour),
            _badge(actor_label(book, f.actor), "gray", ":material/person:"),
        ]
        if f.due:
            badges.append(_badge(due_label(book, f), "gray", ":material/schedule:"))
        if f.valid_to is not None:  # e.g. a Directive replaced by a Regulation: say when it stops
            badges.append(_badge(f"Until {f.valid_to.isoformat()}", "gray", ":material/event_busy:"))
        if f.verification != "confirmed":
            badges.append(_badge(verification_label(f.verification), "orange", ":material/warning:"))
        st.markdown(" ".join(badges))
        # One Markdown element for the body (a Markdown table, not st.table: no DataFrame per finding).
        body = [escape_markdown(f.description)]
        if f.details:
            body.append(_table(["Detail", "Value"], list(f.details.items()), streamlit=True))
        # Plain bullets: a "- [ ]" task item renders as a disabled, unlabelled checkbox that looks
        # tickable and does nothing (axe "label", critical); the exports keep their tick boxes.
        body.append("**Checklist**\n" + "\n".join(f"- {escape_markdown(item)}" for item in f.checklist))
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
        if f.state == "depends":
            st.markdown(f"**Whether this applies**\n- {escape_markdown(depends_on(book, f.undecided))}")
            return
        st.markdown(
            "**Why this applies**\n"
            + ("\n".join(f"- {escape_markdown(r.text)}" for r in f.because) or "No conditions.")
        )


def _badge(label: str, colour: BadgeColour, icon: str | None = None) -> str:
    """A Markdown badge, the directive ``st.badge`` draws; ``label`` is plain text (escaped here)."""
    return f":{colour}-badge[{icon + ' ' if icon else ''}{escape_markdown(label)}]"


def _depends(book: Rulebook, outcome: Outcome, shown: tuple[Finding, ...]) -> None:
    """Obligations of every branch of a planning answer left "not decided yet": apart from what applies."""
    st.info(
        "You answered some planning questions **not decided yet**. Whether these obligations apply depends on "
        "that decision; the obligations of every branch are listed. Decide, then change the answer to see which apply.",
        icon=_DECISION_ICON,
    )
    keep = set(map(id, shown))
    for heading, findings in depends_rows(book, outcome):
        st.header(escape_markdown(heading), anchor=False)  # h2 per decision, h3 per card
        visible = tuple(f for f in findings if id(f) in keep)
        if not visible:
            st.caption("None match the filters.")
        for area, items in by_area(book, visible):
            st.markdown(f"**{escape_markdown(area)}**")
            for finding in items:
                _finding(book, finding)


def skipped(outcome: Outcome) -> None:
    """Why whole topics were not asked (shared by the review screen and the Why not tab)."""
    if outcome.skipped:
        st.markdown(f"**{NOT_ASKED}**\n" + "\n".join(f"- {escape_markdown(text)}" for _, text in skipped_rows(outcome)))


def _why_not(book: Rulebook, outcome: Outcome) -> None:
    skipped(outcome)
    if not outcome.not_applicable:
        st.caption("Every obligation in the rules applies, or waits for an answer.")
        return
    st.caption("Obligations in the rules that do not apply to you, by topic, and what rules each one out.")
    for area, items in by_area(book, outcome.not_applicable):
        with st.expander(f"{escape_markdown(area)} ({len(items)})", expanded=False):
            st.markdown(
                "\n".join(
                    f"- **{escape_markdown(f.title)}** — {escape_markdown(f.why_not_text or f.why_not or '')}"
                    for f in items
                )
            )


def _per_item(book: Rulebook, outcome: Outcome) -> None:
    tables = item_tables(book, outcome.applicable + outcome.upcoming)
    if not tables:
        st.caption("No country-by-country obligations for these answers.")
        return
    st.caption("One entry per country you named; national positions change, so check the date of the information.")
    for heading, rows in tables:
        st.subheader(escape_markdown(heading), anchor=False)
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
            + "\n".join(
                f"- :material/add: {escape_markdown(f.title)}{compare_panel.relief_note(f, True)}{_on(f.valid_from, 'from')}"
                for f in diff.added
            )
        )
    if diff.removed:
        st.markdown(
            f"**Apply on {base}, no longer on {then}**\n"
            + "\n".join(
                f"- :material/remove: {escape_markdown(f.title)}{compare_panel.relief_note(f, False)}{_on(f.valid_to, 'until')}"
                for f in diff.removed
            )
        )
    st.caption(f"{len(diff.unchanged)} obligation(s) apply on both dates.")


def _on(day: date | None, word: str) -> str:
    """`` *(from 2027-08-07)*``: when an obligation starts or stops applying, if the rules say."""
    return f" *({word} {day.isoformat()})*" if day is not None else ""
