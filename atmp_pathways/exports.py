"""Outcome → checklist documents: Markdown, CSV, JSON, XLSX, DOCX and PDF. Pure; no UI imports.

Every export carries the stamp (ruleset title, version, digest, as-of date,
generation time), the disclaimer and — except CSV — the answers.

CSV is ONE clean table, one row per checklist item, so it sorts, filters and
imports into any tracker. The stamp and the disclaimer are columns on every row
(rows stay self-describing when copied elsewhere). The answers are deliberately
left out: they do not fit the row shape, and a second table or a repeated JSON
blob would break that. The same run's JSON, XLSX, Markdown, DOCX and PDF carry
them, and ``ruleset_digest`` + ``as_of`` identify the run. When nothing applies,
one row with ``state`` ``none`` keeps the stamp. Cells starting with ``=``, ``+``,
``-``, ``@``, tab or CR get a leading apostrophe (OWASP CSV injection guidance).

>>> from datetime import datetime, timezone
>>> from atmp_pathways.engine import evaluate
>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> outcome = evaluate(book, {"uses_widgets": True, "widget_count_large": True})
>>> print(to_markdown(outcome, book, datetime(2026, 3, 1, tzinfo=timezone.utc)).splitlines()[0])
# Checklist — Toy widget rules
>>> export_filename(outcome, "xlsx")
'atmp-checklist-2026-01-01-v1.2.3.xlsx'
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ._view import (
    CSV_COLUMNS,
    DISCLAIMER,
    SECTIONS,
    answer_rows,
    checklist_rows,
    defuse,
    facts,
    group,
    question_text,
    stamp_rows,
    timestamp,
)
from .engine import question_order
from .models import AnswerValue, Rulebook
from .outcome import Finding, Outcome

__all__ = [
    "DISCLAIMER",
    "EXPORTS",
    "ExportFormat",
    "export_filename",
    "to_csv",
    "to_docx",
    "to_json",
    "to_markdown",
    "to_pdf",
    "to_xlsx",
]

# ---- Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")  # with [ ] escaped, ( ) and ! cannot form links
_MD_LEAD = re.compile(r"^(\d+(?=[.)])|(?=[-+=]))")  # list/setext markers: escape the next character


def md_escape(text: str, block: bool = False) -> str:
    """Text that Markdown shows literally: no HTML, links, emphasis, code; one line.

    With ``block`` (text that starts a line or follows a list marker) a leading
    list or underline marker is escaped too.

    >>> print(md_escape("<b>[x](javascript:go)</b> # |"))
    \\<b\\>\\[x\\](javascript:go)\\</b\\> \\# \\|
    >>> print(md_escape("1. one", block=True), md_escape("1.2.3"))
    1\\. one 1.2.3
    """
    flat = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MD_LEAD.sub(r"\1\\", flat, count=1) if block else flat


def _md_link(text: str, url: str) -> str:
    if not url.startswith(("https://", "http://")):
        return md_escape(f"{text} ({url})")
    safe = "".join(ch if ch not in " ()<>\"'`\\" else f"%{ord(ch):02X}" for ch in url)
    return f"[{md_escape(text)}]({safe})"


def _md_finding(book: Rulebook, f: Finding) -> list[str]:
    out = [f"##### {md_escape(f.title)}", ""]
    out += [f"- **{k}:** {md_escape(v)}" for k, v in facts(book, f)] + ["", md_escape(f.description, block=True), ""]
    if f.notes:
        out += [f"*Note:* {md_escape(f.notes)}", ""]
    if f.details:
        out += ["| Detail | Value |", "|---|---|"] + [
            f"| {md_escape(k)} | {md_escape(v)} |" for k, v in f.details.items()
        ]
        out.append("")
    out += (
        ["**Why it applies**", ""] + [f"- {md_escape(r.text, block=True)}" for r in f.because] + ["", "**Sources**", ""]
    )
    for c in f.citations:
        quote = f" — “{md_escape(c.quote)}”" if c.quote else ""
        out.append(f"- {_md_link(c.title, c.url)}, {md_escape(c.reference)}{quote}")
    return out + ["", "**Checklist**", ""] + [f"- [ ] {md_escape(item, block=True)}" for item in f.checklist] + [""]


def to_markdown(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str:
    """A Markdown checklist: stamp, disclaimer, obligations by phase and area, answers."""
    out = [f"# Checklist — {md_escape(outcome.ruleset.title)}", "", "| Item | Value |", "|---|---|"]
    out += [f"| {k} | {md_escape(v)} |" for k, v in stamp_rows(outcome, generated_at)]
    out += ["", f"> **Disclaimer.** {md_escape(DISCLAIMER)}", ""]
    if not outcome.complete:
        out += [f"**Interview incomplete:** {len(outcome.pending_questions)} question(s) still open.", ""]
    for attr, heading, _ in SECTIONS:
        findings = getattr(outcome, attr)
        if not findings:
            continue
        out += [f"## {heading}", ""]
        for phase, areas in group(book, findings):
            out += [f"### {md_escape(phase)}", ""]
            for area, fs in areas:
                out += [f"#### {md_escape(area)}", ""]
                for f in fs:
                    out += _md_finding(book, f)
    if outcome.undetermined:
        out += ["## Still undetermined", ""]
        for f in outcome.undetermined:
            waiting = ", ".join(book.questions_by_id[q].text if q in book.questions_by_id else q for q in f.pending)
            out.append(f"- **{md_escape(f.title)}** ({md_escape(f.id)}) — waiting for: {md_escape(waiting)}")
        out += ["", "Questions still to answer:", ""]
        out += [
            f"{i}. {md_escape(question_text(book, q), block=True)}" for i, q in enumerate(outcome.pending_questions, 1)
        ]
        out.append("")
    if outcome.not_applicable:
        out += ["## Does not apply", ""]
        out += [
            f"- **{md_escape(f.title)}** ({md_escape(f.id)}) — {md_escape(f.why_not or '')}"
            for f in outcome.not_applicable
        ]
        out.append("")
    out += ["## Your answers", "", "| Question | Answer |", "|---|---|"]
    out += [f"| {md_escape(q)} | {md_escape(a)} |" for q, a in answer_rows(outcome, book)]
    return "\n".join(out) + "\n"


# ---- CSV and JSON -----------------------------------------------------------------------------


def to_csv(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str:
    """One row per checklist item (see the module docstring for why answers are not here)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in checklist_rows(outcome, book, generated_at):
        writer.writerow([defuse(row[k]) for k in CSV_COLUMNS])
    return buf.getvalue()


def _json_finding(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id, "obligation": f.obligation, "item": f.item, "item_label": f.item_label, "title": f.title,
        "description": f.description, "actor": f.actor, "phase": f.phase, "area": f.area, "status": f.status,
        "verification": f.verification,
        "valid_from": f.valid_from.isoformat() if f.valid_from else None,
        "valid_to": f.valid_to.isoformat() if f.valid_to else None,
        "citations": [
            {"source": c.source, "title": c.title, "reference": c.reference, "url": c.url, "quote": c.quote}
            for c in f.citations
        ],
        "checklist": list(f.checklist), "details": dict(f.details), "notes": f.notes,
        "because": [r.text for r in f.because],
    }  # fmt: skip


def to_json(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str:
    """The stable machine-readable outcome; ``parse_answers`` reads it back as an answers file."""
    s = outcome.ruleset
    order = [q.id for q in question_order(book)]
    ids = sorted(outcome.answers, key=lambda q: (order.index(q) if q in order else len(order), q))
    doc = {
        "ruleset": {
            "title": s.title, "version": s.version, "digest": s.digest,
            "jurisdiction": s.jurisdiction, "reviewed": s.reviewed.isoformat(),
        },
        "as_of": outcome.as_of.isoformat(),
        "generated_at": timestamp(generated_at),
        "disclaimer": DISCLAIMER,
        "complete": outcome.complete,
        "answers": {q: _plain(outcome.answers[q]) for q in ids},
        "ignored_answers": list(outcome.ignored_answers),
        "obligations": [_json_finding(f) for f in outcome.applicable],
        "applies_from": [_json_finding(f) for f in outcome.upcoming],
        "horizon": [_json_finding(f) for f in outcome.horizon],
        "not_applicable": [{"id": f.id, "title": f.title, "why_not": f.why_not} for f in outcome.not_applicable],
        "undetermined": [{"id": f.id, "title": f.title, "pending": list(f.pending)} for f in outcome.undetermined],
        "pending_questions": [{"id": q, "text": question_text(book, q)} for q in outcome.pending_questions],
    }  # fmt: skip
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _plain(value: AnswerValue) -> bool | str | list[str]:
    return value.isoformat() if isinstance(value, date) else value


# ---- binary formats (renderers live in private modules, imported on first use) ----------------


def to_xlsx(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    """A workbook: Checklist (to fill in), Answers, Not applicable, About."""
    from ._xlsx import render_xlsx

    return render_xlsx(outcome, book, generated_at)


def to_docx(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    """A Word document with headings per phase and area and ☐ checklist lines."""
    from ._docx import render_docx

    return render_docx(outcome, book, generated_at)


def to_pdf(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    """A PDF (embedded DejaVu Sans) with the stamp on page 1 and "Page X of Y" footers."""
    from ._pdf import render_pdf

    return render_pdf(outcome, book, generated_at)


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    extension: str
    mime: str
    render: Callable[[Outcome, Rulebook, datetime | None], str | bytes]


EXPORTS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("md", "Markdown", "md", "text/markdown", to_markdown),
        ExportFormat("csv", "CSV", "csv", "text/csv", to_csv),
        ExportFormat("json", "JSON", "json", "application/json", to_json),
        ExportFormat(
            "xlsx", "Excel", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx
        ),
        ExportFormat(
            "docx", "Word", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", to_docx
        ),
        ExportFormat("pdf", "PDF", "pdf", "application/pdf", to_pdf),
    )
}


def export_filename(outcome: Outcome, fmt: str) -> str:
    """``atmp-checklist-<as of>-v<version>.<extension>``; raises ValueError for an unknown format."""
    if fmt not in EXPORTS:
        raise ValueError(f"Unknown export format '{fmt}'. Choose one of: {', '.join(EXPORTS)}.")
    return f"atmp-checklist-{outcome.as_of.isoformat()}-v{outcome.ruleset.version}.{EXPORTS[fmt].extension}"
