"""What every export says, once: an outcome as format-neutral blocks, and as rows for tables.

``outline`` walks stamp → disclaimer → your pathway (in brief) → action tables per phase → your pathway
(why) → sections → phases → areas → obligations →
depends on answers not decided yet → still undetermined → does not apply → topics not asked → answers, and
returns a flat list of blocks;
the Markdown, Word and PDF renderers only draw them. ``checklist_rows``,
``undetermined_rows`` and ``not_applicable_rows`` are the same content as rows, for
CSV, JSON and the spreadsheet. All wording comes from ``atmp_pathways.present``.

>>> from atmp_pathways.engine import evaluate
>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> blocks = outline(evaluate(book, {"uses_widgets": True}), book, None)
>>> [b.text for b in blocks if isinstance(b, Heading) and b.level == 1]
['Your pathway', 'Actions by phase', 'Your pathway: why', 'Applies from a later date', 'On the horizon (not yet law)', 'Still undetermined', 'Your answers']
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..models import Proposal, Rulebook
from ..outcome import Determined, Finding, Outcome, ResolvedCitation
from ..present import (
    DISCLAIMER,
    SECTIONS,
    TRACK_STATUSES,
    actor_label,
    answer_rows,
    area_label,
    citation_detail,
    citation_text,
    due_label,
    facts,
    group_findings,
    phase_label,
    question_text,
    stamp_rows,
    state_label,
    status_badge,
    status_label,
    timestamp,
    verification_label,
)

__all__ = [
    "CSV_COLUMNS",
    "NOT_LAW",
    "Block",
    "Bullets",
    "Checklist",
    "Facts",
    "Heading",
    "Item",
    "Label",
    "Link",
    "Links",
    "Paragraph",
    "ROW_FIELDS",
    "Table",
    "DEPENDS",
    "NOT_ASKED",
    "UNDETERMINED",
    "DECISION_PENDING",
    "conclusion_label",
    "decision_pending",
    "depends_on",
    "depends_rows",
    "skipped_rows",
    "by_area",
    "checklist_rows",
    "determination_heading",
    "settled_by",
    "source_rows",
    "not_applicable_rows",
    "outline",
    "PATHWAY_COLUMNS",
    "PATHWAY_DETAILS",
    "pathway",
    "pathway_details",
    "pathway_rows",
    "pending_texts",
    "ACTIONS",
    "ACTION_COLUMNS",
    "TRACK_COLUMNS",
    "action_rows",
    "checklist_entries",
    "proposal_rows",
    "relevant_proposals",
    "summary",
    "undetermined_rows",
    "waiting_for",
    "xml_safe",
]


@dataclass(frozen=True, slots=True)
class Heading:
    """Level 0 is the document title; 1 a section, 2 a phase, 3 an area, 4 an obligation."""

    text: str
    level: int


@dataclass(frozen=True, slots=True)
class Facts:
    """Short labelled values under an obligation's title; ``warn`` names the one to make stand out."""

    rows: tuple[tuple[str, str], ...]
    warn: str = ""


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    lead: str = ""
    """A bold lead-in ("Disclaimer.", "Note:")."""
    tone: Literal["plain", "note", "disclaimer", "warning"] = "plain"


@dataclass(frozen=True, slots=True)
class Label:
    """A small bold caption over the next block ("Why it applies")."""

    text: str


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    lead: str = ""
    """Bold text before ``text`` (an obligation's title)."""


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[Item, ...]
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    """``title`` linked to ``url`` (when it is https), then ``detail`` as text."""

    title: str
    detail: str
    url: str


@dataclass(frozen=True, slots=True)
class Links:
    items: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class Checklist:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...] | None
    rows: tuple[tuple[str, ...], ...]
    role: Literal["stamp", "details", "answers", "compare", "actions", "pathway"]


Block = Heading | Facts | Paragraph | Label | Bullets | Links | Checklist | Table


def waiting_for(book: Rulebook, f: Finding) -> str:
    """The questions an undetermined obligation waits for, as their texts."""
    return "; ".join(question_text(book, q) for q in f.pending)


def pending_texts(book: Rulebook, outcome: Outcome) -> list[str]:
    """The questions still to answer, as texts, in asking order."""
    return [question_text(book, q) for q in outcome.pending_questions]


UNDETERMINED = "Not yet determined"
DECISION_PENDING = "Depends on your decision"
"""What hangs only on planning answers left "not decided yet" (a conclusion, the app's tab and cards)."""


def decision_pending(d: Determined) -> bool:
    """Whether only answers left "not decided yet" settle the determination."""
    return d.value is None and bool(d.undecided)


def conclusion_label(d: Determined) -> str:
    """A determination's conclusion: its value's label; else "Depends on your decision" when only
    answers left "not decided yet" settle it; else "Not yet determined"."""
    if d.value_label:
        return d.value_label
    return DECISION_PENDING if decision_pending(d) else UNDETERMINED


def settled_by(book: Rulebook, d: Determined) -> str:
    """The questions that would settle an undetermined determination, as their texts
    (an answer left "not decided yet" says so)."""
    return "; ".join(question_text(book, q) + (f" ({NOT_DECIDED})" if q in d.undecided else "") for q in d.pending)


DEPENDS = "Depends on answers not decided yet"
NOT_DECIDED = "not decided yet"
NOT_ASKED = "Topics not asked"


def depends_on(book: Rulebook, undecided: tuple[str, ...]) -> str:
    """ "Depends on your answer to “…” (not decided yet)": what a depending obligation waits for."""
    shown = " and ".join(f"“{question_text(book, q)}”" for q in undecided)
    return f"Depends on your answer{'s' if len(undecided) > 1 else ''} to {shown} ({NOT_DECIDED})"


def depends_rows(book: Rulebook, outcome: Outcome) -> list[tuple[str, tuple[Finding, ...]]]:
    """(depends-on sentence, findings) per set of undecided answers, in first-seen order."""
    groups: dict[tuple[str, ...], list[Finding]] = {}
    for f in outcome.depends:
        groups.setdefault(f.undecided, []).append(f)
    return [(depends_on(book, ids), tuple(fs)) for ids, fs in groups.items()]


def skipped_rows(outcome: Outcome) -> list[tuple[str, str]]:
    """(topic title, why none of its questions was asked)."""
    return [(s.title, s.text) for s in outcome.skipped]


def determination_heading(d: Determined) -> str:
    """``Title`` or ``Title — item``: the heading of one determination's result."""
    return f"{d.title} — {d.item_label or d.item}" if d.item is not None else d.title


def _determined(book: Rulebook, d: Determined) -> list[Block]:
    rows = [("Conclusion", conclusion_label(d))]
    rows += [("Legal status", status_label(d.status)), ("Verification", verification_label(d.verification))]
    out: list[Block] = [
        Heading(determination_heading(d), 2),
        Facts(tuple(rows), "Verification" if d.verification != "confirmed" else ""),
    ]
    if d.value is None and d.pending:
        out.append(Paragraph(settled_by(book, d), lead="Settled by your answer to:", tone="warning"))
    if d.meaning:
        out.append(Paragraph(d.meaning))
    if d.because:
        out += [Label("Because"), Paragraph(d.because)]
    if d.citations:
        links = tuple(Link(c.title, citation_detail(c), c.url) for c in d.citations)
        out += [Label("Sources"), Links(links)]
    return out


def by_area(book: Rulebook, findings: tuple[Finding, ...]) -> list[tuple[str, tuple[Finding, ...]]]:
    """Findings by topic (area heading), in first-seen order, as the main list groups them."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(area_label(book, f.area), []).append(f)
    return [(a, tuple(fs)) for a, fs in groups.items()]


PATHWAY_COLUMNS = ("Determination", "Conclusion", "Verification")
PATHWAY_DETAILS = "Your pathway: why"


def pathway(outcome: Outcome, book: Rulebook) -> list[Block]:
    """ "Your pathway" in brief: what the rules conclude from the answers, one row each (the
    reasons follow the action tables, under ``PATHWAY_DETAILS``)."""
    if not outcome.determinations:
        return []
    rows = tuple(
        (determination_heading(d), conclusion_label(d), verification_label(d.verification))
        for d in outcome.determinations
    )
    return [Heading("Your pathway", 1), Table(PATHWAY_COLUMNS, rows, "pathway")]


def pathway_details(outcome: Outcome, book: Rulebook) -> list[Block]:
    """Each conclusion with its meaning, reasons and sources."""
    if not outcome.determinations:
        return []
    out: list[Block] = [Heading(PATHWAY_DETAILS, 1)]
    for d in outcome.determinations:
        out += _determined(book, d)
    return out


ACTION_COLUMNS = ("Obligation", "Who", "When", "Legal status", "Verification", "Owner", "Status")
"""The action table: what to do, by whom, when; Owner and Status are the tracker's, to fill in."""


def action_rows(book: Rulebook, findings: tuple[Finding, ...]) -> list[tuple[str, list[tuple[str, ...]]]]:
    """(phase title, rows) per phase: obligation · who · when · legal status · verification · owner · status."""
    return [
        (group.phase_title, [
            (f.title, actor_label(book, f.actor), due_label(book, f) or "—", status_badge(f),
             verification_label(f.verification), "", TRACK_STATUSES[0])
            for _, items in group.areas for f in items
        ])
        for group in group_findings(book, findings)
    ]  # fmt: skip


ACTIONS = "Actions by phase"


def summary(outcome: Outcome, book: Rulebook) -> list[Block]:
    """The action tables, one per phase, before the long text: every obligation with a checklist."""
    findings = outcome.applicable + outcome.upcoming + outcome.horizon
    if not findings:
        return []
    out: list[Block] = [
        Heading(ACTIONS, 1),
        Paragraph("Owner and Status are yours to fill in; the details of each obligation follow.", tone="note"),
    ]
    for phase, rows in action_rows(book, findings):
        out += [Heading(phase, 2), Table(ACTION_COLUMNS, tuple(rows), "actions")]
    return out


def _finding(book: Rulebook, f: Finding) -> list[Block]:
    out: list[Block] = [
        Heading(f.title, 4),
        Facts(tuple(facts(book, f)), "Verification" if f.verification != "confirmed" else ""),
        Paragraph(f.description),
    ]
    if f.notes:
        out.append(Paragraph(f.notes, lead="Note:", tone="note"))
    if f.details:
        out.append(Table(("Detail", "Value"), tuple(f.details.items()), "details"))
    if f.state == "depends":
        out += [Label("Whether it applies"), Bullets((Item(depends_on(book, f.undecided)),))]
    else:
        out += [Label("Why it applies"), Bullets(tuple(Item(r.text) for r in f.because))]
    links = tuple(Link(c.title, citation_detail(c), c.url) for c in f.citations)
    out += [Label("Sources"), Links(links)]
    reform = book.proposals_by_target.get(f.obligation, ())
    if reform:
        out += [
            Label(f"Reform proposals ({NOT_LAW_SHORT})"),
            Bullets(tuple(Item(f"{p.title} — proposed by {p.by}", p.number) for p in reform)),
        ]
    out += [Label("Checklist"), Checklist(f.checklist)]
    return out


NOT_LAW = "Industry reform proposals — not law"
NOT_LAW_SHORT = "industry, not law"


def relevant_proposals(outcome: Outcome, book: Rulebook) -> list[Proposal]:
    """The reform proposals that concern this outcome: they would change an obligation shown
    (in force, from a date, on the horizon) or a question answered."""
    shown = {f.obligation for f in (*outcome.applicable, *outcome.upcoming, *outcome.horizon)} | set(outcome.answers)
    return [p for p in book.proposals if shown.intersection(p.affects)]


def proposal_rows(outcome: Outcome, book: Rulebook) -> list[tuple[str, str, str, str, str, str, str]]:
    """(number, title, by, summary, would change, taken up by, where in the source) per relevant proposal."""
    rows = []
    for p in relevant_proposals(outcome, book):
        change = "; ".join(_name(book, t) for t in p.affects)
        taken = "; ".join(_name(book, t) for t in p.taken_up_by) or "no pending legislation found"
        source = book.sources_by_id.get(p.citation.source)
        where = f"{source.title if source else p.citation.source}, {p.citation.ref}"
        rows.append((p.number, p.title, p.by, p.summary, change, taken, where))
    return rows


def _name(book: Rulebook, ident: str) -> str:
    if ident in book.obligations_by_id:
        return book.obligation(ident).title
    if ident in book.questions_by_id:
        return f"the question “{book.question(ident).text}”"
    if ident in book.sources_by_id:
        return book.source(ident).title
    return ident


def _proposals_section(outcome: Outcome, book: Rulebook) -> list[Block]:
    rows = proposal_rows(outcome, book)
    if not rows:
        return []
    items = tuple(
        Item(f"{summary} Proposed by {by} ({where}). Would change: {change}. Taken up by: {taken}.", f"{no} {title}")
        for no, title, by, summary, change, taken, where in rows
    )
    note = (
        "Recommendations an industry association makes to change the law. They are not law and create no "
        "obligation; they show where some would like the rules above to go."
    )
    return [Heading(NOT_LAW, 1), Paragraph(note, lead="Not law.", tone="note"), Bullets(items)]


def _depends_section(outcome: Outcome, book: Rulebook) -> list[Block]:
    """Obligations of every branch of an answer not decided yet: apart from what applies."""
    if not outcome.depends:
        return []
    note = (
        "You answered some planning questions “not decided yet”. Whether these obligations apply depends on "
        "that decision: the obligations of every branch are listed. Decide, then change the answer to see which apply."
    )
    out: list[Block] = [Heading(DEPENDS, 1), Paragraph(note, lead="Not decided yet.", tone="note")]
    for heading, findings in depends_rows(book, outcome):
        out.append(Heading(heading, 2))
        for area, items in by_area(book, findings):
            out.append(Heading(area, 3))
            for f in items:
                out += _finding(book, f)
    return out


def outline(outcome: Outcome, book: Rulebook, generated_at: datetime | None) -> list[Block]:
    """The checklist document as blocks, in reading order."""
    out: list[Block] = [
        Heading(f"Checklist — {outcome.ruleset.title}", 0),
        Table(None, tuple(stamp_rows(outcome, generated_at)), "stamp"),
        Paragraph(DISCLAIMER, lead="Disclaimer.", tone="disclaimer"),
    ]
    if not outcome.complete:
        text = f"{len(outcome.pending_questions)} question(s) still open."
        out.append(Paragraph(text, lead="Interview incomplete:", tone="warning"))
    out += pathway(outcome, book)  # in brief, then the action tables, then the long text
    out += summary(outcome, book)
    out += pathway_details(outcome, book)
    for attr, heading, _ in SECTIONS:
        findings: tuple[Finding, ...] = getattr(outcome, attr)
        if not findings:
            continue
        out.append(Heading(heading, 1))
        for group in group_findings(book, findings):
            out.append(Heading(group.phase_title, 2))
            for area, items in group.areas:
                out.append(Heading(area, 3))
                for f in items:
                    out += _finding(book, f)
    out += _depends_section(outcome, book)
    out += _proposals_section(outcome, book)
    if outcome.undetermined:
        out.append(Heading("Still undetermined", 1))
        out.append(
            Bullets(
                tuple(Item(f"({f.id}) — waiting for: {waiting_for(book, f)}", f.title) for f in outcome.undetermined)
            )
        )
        out.append(Label("Questions still to answer"))
        out.append(Bullets(tuple(Item(t) for t in pending_texts(book, outcome)), numbered=True))
    if outcome.not_applicable:
        out.append(Heading("Does not apply", 1))
        for area, items in by_area(book, outcome.not_applicable):
            out.append(Heading(area, 2))
            out.append(Bullets(tuple(Item(f.why_not_text or f.why_not or "", f.title) for f in items)))
    if outcome.skipped:
        out.append(Heading(NOT_ASKED, 1))
        out.append(Bullets(tuple(Item(text) for _, text in skipped_rows(outcome))))
    out.append(Heading("Your answers", 1))
    out.append(Table(("Question", "Answer"), tuple(answer_rows(outcome, book)), "answers"))
    return out


# ---- rows, for CSV, JSON and the spreadsheet ----------------------------------------------------

TRACK_COLUMNS = ("owner", "status", "due_date", "notes")
"""The tracker's columns, to fill in: Status starts as "Not started" on every actionable row."""
CSV_COLUMNS = (
    "ruleset_title", "ruleset_version", "ruleset_digest", "as_of", "generated_at", "state", "phase", "area",
    "obligation_id", "title", "actor", "legal_status", "verification", "valid_from", "valid_to",
    "checklist_item", "citations", "when", *TRACK_COLUMNS, "disclaimer",
)  # fmt: skip
ROW_FIELDS = CSV_COLUMNS
"""The keys of a ``checklist_rows`` row (each row's citations come with ``checklist_entries``)."""


def checklist_rows(outcome: Outcome, book: Rulebook, generated_at: datetime | None) -> list[dict[str, str]]:
    """One dict per checklist item (``ROW_FIELDS`` keys), sections then phase/area order.

    ``state`` is a label ("Applies from a later date"), never a code. An obligation still
    undetermined gets one row ("Waits for an answer") whose item is to answer the questions
    it waits for. With no row at all, one row ("Nothing applies") keeps the stamp.
    """
    return [row for row, _ in checklist_entries(outcome, book, generated_at)]


def checklist_entries(
    outcome: Outcome, book: Rulebook, generated_at: datetime | None
) -> list[tuple[dict[str, str], tuple[ResolvedCitation, ...]]]:
    """``checklist_rows`` with each row's citations (the spreadsheet links every one)."""
    s = outcome.ruleset
    base = {
        "ruleset_title": s.title, "ruleset_version": s.version, "ruleset_digest": s.digest,
        "as_of": outcome.as_of.isoformat(), "generated_at": timestamp(generated_at), "disclaimer": DISCLAIMER,
    }  # fmt: skip
    rows: list[tuple[dict[str, str], tuple[ResolvedCitation, ...]]] = []
    for d in outcome.determinations:
        rows.append((base | {
            "state": state_label("determination"), "phase": "Your pathway", "obligation_id": d.key,
            "title": determination_heading(d), "legal_status": status_label(d.status),
            "verification": verification_label(d.verification),
            "checklist_item": _conclusion(book, d),
            "citations": "; ".join(f"{citation_text(c)} ({c.url})" for c in d.citations),
        }, d.citations))  # fmt: skip
    for attr, _, state in SECTIONS:
        for group in group_findings(book, getattr(outcome, attr)):
            for area, findings in group.areas:
                for f in findings:
                    cites = "; ".join(f"{citation_text(c)} ({c.url})" for c in f.citations)
                    row = base | {
                        "state": state_label(state), "phase": group.phase_title, "area": area, "obligation_id": f.id,
                        "title": f.title, "actor": actor_label(book, f.actor), "legal_status": status_label(f.status),
                        "verification": verification_label(f.verification), "when": due_label(book, f),
                        "valid_from": f.valid_from.isoformat() if f.valid_from else "",
                        "valid_to": f.valid_to.isoformat() if f.valid_to else "", "citations": cites,
                        "status": TRACK_STATUSES[0],
                    }  # fmt: skip
                    rows.extend((row | {"checklist_item": item}, f.citations) for item in f.checklist)
    for f in outcome.depends:
        cites = "; ".join(f"{citation_text(c)} ({c.url})" for c in f.citations)
        row = base | {
            "state": state_label("depends"), "phase": phase_label(book, f.phase), "area": area_label(book, f.area),
            "obligation_id": f.id, "title": f"{f.title} — {depends_on(book, f.undecided)}",
            "actor": actor_label(book, f.actor), "legal_status": status_label(f.status),
            "verification": verification_label(f.verification), "when": due_label(book, f), "citations": cites,
            "status": TRACK_STATUSES[0],
        }  # fmt: skip
        rows.extend((row | {"checklist_item": item}, f.citations) for item in f.checklist)
    for f in outcome.undetermined:
        item = f"Answer: {waiting_for(book, f)}"
        row = {"state": state_label("undetermined"), "obligation_id": f.id, "title": f.title, "checklist_item": item}
        rows.append((base | row | {"status": TRACK_STATUSES[0]}, ()))
    if not rows:
        rows.append((base | {"state": state_label("none")}, ()))
    return [({k: row.get(k, "") for k in ROW_FIELDS}, cites) for row, cites in rows]


def source_rows(outcome: Outcome) -> list[tuple[ResolvedCitation, tuple[str, ...]]]:
    """Every citation of the checklist once (source, provision), with the ids citing it, in first-cited order."""
    cited: dict[tuple[str, str], tuple[ResolvedCitation, list[str]]] = {}
    keyed = [(d.key, d.citations) for d in outcome.determinations]
    keyed += [(f.id, f.citations) for f in (*outcome.applicable, *outcome.upcoming, *outcome.horizon, *outcome.depends)]
    for ident, citations in keyed:
        for c in citations:
            ids = cited.setdefault((c.source, c.reference), (c, []))[1]
            if ident not in ids:
                ids.append(ident)
    return [(c, tuple(ids)) for c, ids in cited.values()]


def _conclusion(book: Rulebook, d: Determined) -> str:
    if d.value is None:
        return (
            f"{conclusion_label(d)} — settled by your answer to: {settled_by(book, d)}" if d.pending else UNDETERMINED
        )
    return f"{d.value_label} — {d.because}" if d.because else d.value_label or d.value or ""


def pathway_rows(outcome: Outcome, book: Rulebook) -> list[tuple[str, str, str, str, str]]:
    """(determination, conclusion, because or what settles it, verification, sources), one per result."""
    rows = []
    for d in outcome.determinations:
        why = d.because or ""
        if d.value is None and d.pending:
            why = f"Settled by your answer to: {settled_by(book, d)}"
        cites = "; ".join(citation_text(c) for c in d.citations)
        rows.append((determination_heading(d), conclusion_label(d), why, verification_label(d.verification), cites))
    return rows


def undetermined_rows(outcome: Outcome, book: Rulebook) -> list[tuple[str, str, str]]:
    """(obligation id, title, the questions it waits for as texts)."""
    return [(f.id, f.title, waiting_for(book, f)) for f in outcome.undetermined]


def not_applicable_rows(outcome: Outcome) -> list[tuple[str, str, str]]:
    """(obligation id, title, the first condition that rules it out)."""
    return [(f.id, f.title, f.why_not_text or f.why_not or "") for f in outcome.not_applicable]


# ---- XML-safe text ----------------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _strip(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_strip(v) for v in value)
    return value


def _texts(value: Any) -> list[str]:
    """Every string ``_strip`` would look at (values of dataclasses, dicts, lists and tuples)."""
    texts: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
    return texts


def xml_safe(outcome: Outcome) -> Outcome:
    """The outcome without control characters that XML (XLSX, DOCX) cannot hold; usually itself."""
    if not _CONTROL.search("\n".join(_texts(outcome))):  # one scan ("\n" is allowed)
        return outcome
    stripped: Outcome = _strip(outcome)
    return stripped
