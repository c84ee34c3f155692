"""How an outcome reads to a person: labels, badges, grouping, Markdown text and links.

One place for every wording the exports and the UI share, so an answer, a status or an
empty list reads the same in the app, the Markdown, the spreadsheet, the Word file and
the PDF. Pure; never imports streamlit.

>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> answer_label(book, "uses_widgets", True), answer_label(book, "ship_to", ["NO", "SE"])
('Yes', 'Norway, Sweden')
>>> answer_label(book, "ship_to", [])
'None of these'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ._defuse import lead_length
from .engine import question_order
from .models import LEGAL_STATUSES, UNDECIDED, VERIFICATIONS, AnswerValue, Rulebook
from .outcome import Finding, Outcome, ResolvedCitation

__all__ = [
    "ANSWER_LABELS",
    "DISCLAIMER",
    "KEPT_NOT_USED",
    "NONE_CHOSEN",
    "RELIEF",
    "SECTIONS",
    "STATE_LABELS",
    "TRACK_STATUSES",
    "FindingGroup",
    "actor_label",
    "answer_label",
    "answer_rows",
    "change_words",
    "area_label",
    "citation_text",
    "due_label",
    "escape_markdown",
    "facts",
    "group_findings",
    "item_tables",
    "markdown_link",
    "markdown_table",
    "phase_label",
    "question_text",
    "safe_url",
    "stamp_rows",
    "state_label",
    "status_badge",
    "status_label",
    "timestamp",
    "validity",
    "verification_label",
]

DISCLAIMER = (
    "Decision support, not legal advice. This checklist is generated from a rulebook and your answers; "
    "it may be incomplete or out of date. Lines tagged secondary or unverified rest on secondary sources "
    "or have not been checked against the primary text: confirm them with the competent authority."
)
KEPT_NOT_USED = "kept, not used"
NONE_CHOSEN = "None of these"
"""The label of an empty ``many_of`` answer, in the app and in every export."""

# Sections with checklists: (Outcome attribute, heading, machine-readable state).
SECTIONS = (
    ("applicable", "Applies now", "applies"),
    ("upcoming", "Applies from a later date", "applies_from"),
    ("horizon", "On the horizon (not yet law)", "horizon"),
)
STATE_LABELS = {
    "applies": "Applies now",
    "applies_from": "Applies from a later date",
    "horizon": "On the horizon (not yet law)",
    "not_applicable": "Does not apply",
    "undetermined": "Waits for an answer",
    "depends": "Depends on an answer not decided yet",
    "determination": "Your pathway",
    "none": "Nothing applies",
    "reform_proposal_not_law": "Reform proposal (not law)",
}
"""A row's or an obligation's state as people read it (the JSON keeps the codes for tools)."""
TRACK_STATUSES = ("Not started", "In progress", "Done", "Not applicable")
"""The tracker's Status choices (spreadsheet drop-down, CSV, action tables); the first is the default."""


# ---- answers ----------------------------------------------------------------------------------


def _yes_no(value: AnswerValue, choices: Mapping[str, str]) -> str:
    return "Yes" if value else "No"


def _one_of(value: AnswerValue, choices: Mapping[str, str]) -> str:
    return choices.get(str(value), str(value))


def _many_of(value: AnswerValue, choices: Mapping[str, str]) -> str:
    items = value if isinstance(value, list) else [value]
    return ", ".join(choices.get(str(v), str(v)) for v in items) or NONE_CHOSEN


def _date(value: AnswerValue, choices: Mapping[str, str]) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


ANSWER_LABELS: dict[str, Callable[[AnswerValue, Mapping[str, str]], str]] = {
    "yes_no": _yes_no,
    "one_of": _one_of,
    "many_of": _many_of,
    "date": _date,
}
"""Question kind → its answer as the user saw it (a test checks every kind of the vocabulary has one)."""


def answer_label(book: Rulebook, question_id: str, value: AnswerValue) -> str:
    """An answer as the user saw it: Yes/No, ISO dates, choice labels joined by ", "."""
    question = book.questions_by_id.get(question_id)
    if question is None:  # not a question of these rules: read the value's own type
        kind = {bool: "yes_no", list: "many_of", str: "one_of"}.get(type(value), "date")
        return ANSWER_LABELS[kind](value, {})
    if question.undecided is not None and value == UNDECIDED:
        return question.undecided
    return ANSWER_LABELS[question.kind](value, book.choices(question))


def question_text(book: Rulebook, question_id: str) -> str:
    question = book.questions_by_id.get(question_id)
    return question.text if question is not None else question_id


def answer_rows(outcome: Outcome, book: Rulebook) -> list[tuple[str, str]]:
    """(question text, answer label) in asking order; ignored answers say they were kept, not used."""
    ordered = [q.id for q in question_order(book) if q.id in outcome.answers]
    ordered += [qid for qid in outcome.answers if qid not in ordered]
    rows: list[tuple[str, str]] = []
    for qid in ordered:
        label = answer_label(book, qid, outcome.answers[qid])
        if qid in outcome.ignored_answers:
            label += f" ({KEPT_NOT_USED})"
        rows.append((question_text(book, qid), label))
    return rows


# ---- labels and badges -----------------------------------------------------------------------


def phase_label(book: Rulebook, phase: str) -> str:
    return book.meta.phases.get(phase, phase)


def area_label(book: Rulebook, area: str) -> str:
    """A heading for an area id: its topic title, or the id in words."""
    return book.topic_titles.get(area) or area.replace("_", " ").capitalize()


def actor_label(book: Rulebook, actor: str) -> str:
    return book.meta.actors.get(actor, actor)


def status_label(status: str) -> str:
    return LEGAL_STATUSES.get(status, status)


def state_label(state: str) -> str:
    """``applies_from`` → "Applies from a later date" (unknown codes as they are)."""
    return STATE_LABELS.get(state, state)


def verification_label(verification: str) -> str:
    return VERIFICATIONS.get(verification, verification)


def status_badge(finding: Finding) -> str:
    """A short status label: binding, applies from a date, guideline, proposal...

    >>> from atmp_pathways.engine import evaluate
    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> out = evaluate(book, {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red"})
    >>> [status_badge(f) for f in out.applicable + out.upcoming + out.horizon]
    ['Binding', 'Binding', 'Applies from 2027-01-01', 'Proposed — not law']
    """
    if finding.state == "applies_from" and finding.valid_from is not None:
        return f"Applies from {finding.valid_from.isoformat()}"
    if finding.status == "binding_law":
        return "Binding"
    if finding.status in ("proposed", "agreed_not_in_force"):
        return f"{status_label(finding.status)} — not law"
    return status_label(finding.status)


RELIEF = "relief"
"""The badge of an obligation whose ``effect`` is ``relief`` (an exemption, waiver or derogation)."""
_CHANGE_WORDS = {
    ("duty", True): "starts applying",
    ("duty", False): "stops applying",
    ("relief", True): "relief becomes available",
    ("relief", False): "relief no longer available",
}


def change_words(effect: str, starts: bool) -> str:
    """How a difference reads in "What changes" and comparisons: a duty stops applying, a relief
    is no longer available (losing a relief adds work; losing a duty removes it).

    >>> change_words("duty", False), change_words("relief", False), change_words("relief", True)
    ('stops applying', 'relief no longer available', 'relief becomes available')
    """
    return _CHANGE_WORDS.get((effect, starts), _CHANGE_WORDS[("duty", starts)])


def due_label(book: Rulebook, f: Finding) -> str:
    """When in the product's life it falls due: the milestone's label ("" when the rules name none)."""
    if f.due is None:
        return ""
    return book.meta.milestones.get(f.due, f.due)


def validity(f: Finding) -> str:
    parts = []
    if f.valid_from is not None:
        parts.append(f"applies from {f.valid_from.isoformat()}")
    if f.valid_to is not None:
        parts.append(f"until {f.valid_to.isoformat()}")
    return ", ".join(parts) or "no start or end date in the rules"


def facts(book: Rulebook, f: Finding) -> list[tuple[str, str]]:
    """The short labelled lines under an obligation title."""
    return [
        ("Who", actor_label(book, f.actor)),
        ("Legal status", status_label(f.status)),
        ("Verification", verification_label(f.verification)),
        ("When", due_label(book, f) or "—"),
        ("Validity", validity(f)),
    ]


def citation_text(c: ResolvedCitation) -> str:
    return c.title + citation_detail(c)


def citation_detail(c: ResolvedCitation) -> str:
    """What follows the source's title: the provision, the quote, when the source was last reviewed."""
    text = f", {c.reference}" + (f" — “{c.quote}”" if c.quote else "")
    return text + (f" (last reviewed {c.last_reviewed.isoformat()})" if c.last_reviewed else "")


def timestamp(generated_at: datetime | None) -> str:
    """ISO-8601 UTC time, to the second; now when ``generated_at`` is None (naive means UTC).

    >>> timestamp(datetime(2026, 3, 1, 12, 30, tzinfo=UTC))
    '2026-03-01T12:30:00Z'
    """
    when = generated_at or datetime.now(UTC)
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp_rows(outcome: Outcome, generated_at: datetime | None) -> list[tuple[str, str]]:
    s = outcome.ruleset
    return [
        ("Ruleset", s.title),
        ("Version", s.version),
        ("Digest", s.digest),
        ("Jurisdiction", s.jurisdiction),
        ("Rules reviewed", s.reviewed.isoformat()),
        ("As of", outcome.as_of.isoformat()),
        ("Generated at", timestamp(generated_at)),
    ]


# ---- grouping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingGroup:
    phase: str
    phase_title: str
    areas: tuple[tuple[str, tuple[Finding, ...]], ...]
    """(area heading, findings) in first-seen order."""


def group_findings(book: Rulebook, findings: Iterable[Finding]) -> list[FindingGroup]:
    """Findings by phase (rulebook order; unknown phases last, by id) then area (first seen).

    >>> from atmp_pathways.engine import evaluate
    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> out = evaluate(book, {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red"})
    >>> [(g.phase_title, [a for a, _ in g.areas]) for g in group_findings(book, out.applicable)]
    [('Making', ['Widgets'])]
    """
    rank = {p: i for i, p in enumerate(book.meta.phases)}
    by_phase: dict[str, dict[str, list[Finding]]] = {}
    for f in findings:
        by_phase.setdefault(f.phase, {}).setdefault(area_label(book, f.area), []).append(f)
    phases = sorted(by_phase, key=lambda p: (rank.get(p, len(rank)), p))
    return [
        FindingGroup(p, phase_label(book, p), tuple((a, tuple(fs)) for a, fs in by_phase[p].items())) for p in phases
    ]


def item_tables(book: Rulebook, findings: Iterable[Finding]) -> list[tuple[str, list[dict[str, str]]]]:
    """Per-item (e.g. per Member State) findings as tables: one per obligation.

    >>> from atmp_pathways.engine import evaluate
    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> out = evaluate(book, {"uses_widgets": True, "ship_to": ["NO"], "widget_count_large": False, "widget_colour": "red"})
    >>> item_tables(book, out.applicable)[0][1][0]
    {'Countries': 'Norway', 'Authority': 'Norwegian Customs', 'Deadline': '10 days', 'Status': 'National practice', 'Verification': 'Confirmed against the primary text'}
    """
    tables: dict[str, tuple[str, list[dict[str, str]]]] = {}
    for f in findings:
        if f.item is None:
            continue
        ob = book.obligations_by_id.get(f.obligation)
        heading, column = f.obligation, "Item"
        if ob is not None and ob.for_each is not None:
            table = book.table(ob.for_each.table)
            heading, column = table.title, book.lists_by_id[table.list].title
        row = {
            column: f.item_label or f.item,
            **f.details,
            "Status": status_badge(f),
            "Verification": verification_label(f.verification),
        }
        tables.setdefault(f.obligation, (heading, []))[1].append(row)
    return list(tables.values())


# ---- Markdown ---------------------------------------------------------------------------------

# CommonMark: with [ ] escaped, ( ) and ! cannot form links; the rest stops HTML, emphasis, code,
# headings, tables and strike-through.
_MD_SPECIAL = r"\\`*_\[\]<>#|~&"
# Streamlit's Markdown adds maths ($), colour and badge directives (:red[...]), emoji
# shortcodes (:smile:) and stray list markers inside a text with hard line breaks.
_ST_SPECIAL = _MD_SPECIAL + r"{}()+\-.!$:=^"
_MD = re.compile(f"([{_MD_SPECIAL}])")
_ST = re.compile(f"([{_ST_SPECIAL}])")
_MD_LEAD = re.compile(r"^(\d+(?=[.)])|(?=[-+=]))")  # list/setext markers: escape the next character


def escape_markdown(text: str, *, streamlit: bool = False, block: bool = False) -> str:
    """Text that Markdown shows literally: no HTML, links, emphasis, code.

    Plain (exports): one line, whitespace collapsed; with ``block`` (text that starts a
    line) a leading list or underline marker is escaped too. ``streamlit``: Streamlit's
    dialect (maths, colour directives) with line breaks kept as hard breaks.

    >>> print(escape_markdown("<b>[x](javascript:go)</b> # |"))
    \\<b\\>\\[x\\](javascript:go)\\</b\\> \\# \\|
    >>> print(escape_markdown("1. one", block=True), escape_markdown("1.2.3"))
    1\\. one 1.2.3
    >>> escape_markdown("[a](b) $1\\nnext", streamlit=True).split("\\n")
    ['\\\\[a\\\\]\\\\(b\\\\) \\\\$1  ', 'next']
    """
    if streamlit:
        return _ST.sub(r"\\\1", text).replace("\r", "").replace("\n", "  \n")
    flat = _MD.sub(r"\\\1", " ".join(text.split()))
    flat = flat[lead_length(flat) :]  # a zero-width or control character must not hide what follows
    if flat.startswith(("=", "+", "-", "@")):  # a formula if the text is pasted into a spreadsheet
        return "\\" + flat
    return _MD_LEAD.sub(r"\1\\", flat, count=1) if block else flat


_URL = re.compile(r"https://[^\s<>\"'`\\]+")


def safe_url(url: str) -> str | None:
    """``url`` when it may become a link (https only), with ``(`` and ``)`` percent-encoded; else None.

    >>> safe_url("https://example.org/a_(b)"), safe_url("javascript:alert(1)"), safe_url("http://x.org")
    ('https://example.org/a_%28b%29', None, None)
    """
    if not _URL.fullmatch(url):
        return None
    return url.replace("(", "%28").replace(")", "%29")


def markdown_link(text: str, url: str, *, streamlit: bool = False) -> str:
    """A Markdown link with escaped text; only https URLs become links (others are shown as text).

    >>> markdown_link("Act (2020)", "https://example.org/a_(b)")
    '[Act (2020)](https://example.org/a_%28b%29)'
    >>> markdown_link("x", "javascript:alert(1)")
    'x (javascript:alert(1))'
    """
    safe = safe_url(url)
    if safe is None:
        return escape_markdown(f"{text} ({url})", streamlit=streamlit)
    return f"[{escape_markdown(text, streamlit=streamlit)}]({safe})"


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[str]], *, streamlit: bool = False) -> str:
    """A Markdown table with every cell escaped; a line break in a cell becomes a space.

    >>> print(markdown_table(["Detail", "Value"], [["Fee", "100 | 200"], ["Note", "a\\nb"]]))
    | Detail | Value |
    |---|---|
    | Fee | 100 \\| 200 |
    | Note | a b |
    """

    def cell(text: str) -> str:
        return escape_markdown(" ".join(text.split()), streamlit=streamlit)

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
