"""Outcome → DOCX document (python-docx): stamp table, disclaimer, headings, ☐ checklist lines."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from ._view import (
    DISCLAIMER,
    SECTIONS,
    answer_rows,
    citation_text,
    facts,
    group,
    stamp_rows,
    xml_safe,
)
from .models import Rulebook
from .outcome import Finding, Outcome

__all__ = ["render_docx"]

BOX = "☐"
_RED = RGBColor(0xB0, 0x3A, 0x2E)


def _hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """Append a clickable, blue underlined link (python-docx has no public API for it)."""
    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    for tag, val in (("w:color", "0563C1"), ("w:u", "single")):
        el = OxmlElement(tag)
        el.set(qn("w:val"), val)
        props.append(el)
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _para(doc: DocumentObject, text: str = "", style_id: str | None = None) -> Paragraph:
    """A paragraph; the style is set by id, as python-docx's lookup by name scans every style each call."""
    p = doc.add_paragraph(text)
    if style_id is not None:
        p._p.style = style_id
    return p


def _heading(doc: DocumentObject, text: str, level: int) -> Paragraph:
    return _para(doc, text, "Title" if level == 0 else f"Heading{level}")


def _table(doc: DocumentObject, headers: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> None:
    table = doc.add_table(rows=0, cols=len(rows[0]) if rows else len(headers or ()))
    table._tbl.tblPr.style = "TableGrid"
    if headers:
        cells = table.add_row().cells
        for cell, text in zip(cells, headers, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text


def _labelled(doc: DocumentObject, label: str, text: str, style: str | None = None) -> Paragraph:
    p = _para(doc, style_id=style)
    p.add_run(f"{label}: ").bold = True
    p.add_run(text)
    return p


def _finding(doc: DocumentObject, book: Rulebook, f: Finding) -> None:
    _heading(doc, f.title, 4)
    line = _para(doc)
    for i, (label, value) in enumerate(facts(book, f)):
        line.add_run(("  ·  " if i else "") + f"{label}: ").bold = True
        run = line.add_run(value)
        if label == "Verification" and f.verification != "confirmed":  # must be confirmed: make it stand out
            run.bold, run.font.color.rgb = True, _RED
    _para(doc, f.description)
    if f.notes:
        _labelled(doc, "Note", f.notes)
    if f.details:
        _table(doc, ["Detail", "Value"], list(f.details.items()))
    _para(doc).add_run("Why it applies").bold = True
    for reason in f.because:
        _para(doc, reason.text, "ListBullet")
    _para(doc).add_run("Sources").bold = True
    for c in f.citations:
        p = _para(doc, citation_text(c) + " — ", "ListBullet")
        if c.url.startswith(("https://", "http://")):
            _hyperlink(p, c.url, c.url)
        else:
            p.add_run(c.url)
    _para(doc).add_run("Checklist").bold = True
    for item in f.checklist:
        _para(doc, f"{BOX} {item}")


def render_docx(outcome: Outcome, book: Rulebook, generated_at: datetime | None) -> bytes:
    outcome = xml_safe(outcome)
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    s = outcome.ruleset
    doc.core_properties.title = f"Checklist — {s.title} v{s.version}"
    _heading(doc, f"Checklist — {s.title}", 0)
    _table(doc, None, stamp_rows(outcome, generated_at))
    disclaimer = _para(doc)
    disclaimer.add_run("Disclaimer. ").bold = True
    disclaimer.add_run(DISCLAIMER).italic = True
    if not outcome.complete:
        warn = _para(doc).add_run(f"Interview incomplete: {len(outcome.pending_questions)} question(s) still open.")
        warn.bold, warn.font.color.rgb = True, _RED
    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = f"{s.title} v{s.version} · digest {s.digest} · as of {outcome.as_of.isoformat()}"
    for attr, heading, _ in SECTIONS:
        findings = getattr(outcome, attr)
        if not findings:
            continue
        _heading(doc, heading, 1)
        for phase, areas in group(book, findings):
            _heading(doc, phase, 2)
            for area, fs in areas:
                _heading(doc, area, 3)
                for f in fs:
                    _finding(doc, book, f)
    if outcome.undetermined:
        _heading(doc, "Still undetermined", 1)
        for f in outcome.undetermined:
            _para(doc, f"{f.title} ({f.id}) — waiting for: {', '.join(f.pending)}", "ListBullet")
        _para(doc, "Questions still to answer:")
        for qid in outcome.pending_questions:
            q = book.questions_by_id.get(qid)
            _para(doc, q.text if q else qid, "ListNumber")
    if outcome.not_applicable:
        _heading(doc, "Does not apply", 1)
        for f in outcome.not_applicable:
            _labelled(doc, f"{f.title} ({f.id})", f.why_not or "", "ListBullet")
    _heading(doc, "Appendix: your answers", 1)
    _table(doc, ["Question", "Answer"], answer_rows(outcome, book))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
