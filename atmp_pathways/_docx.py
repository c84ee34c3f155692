"""Outcome → DOCX document (python-docx): stamp table, disclaimer, headings, ☐ checklist lines.

The body is written as WordprocessingML text and parsed once: python-docx's object API
adds text character by character and searches each parent's children on every insert,
which made a large checklist take ~0.3 s. The markup is what that API writes (same
styles by id, runs, ``<w:br/>`` for newlines, ``TableGrid`` tables with equal columns).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt

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
_RED = "B03A2E"
_LINK = '<w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr>'
_BREAKS = re.compile(r"([\t\r\n])")
_SPECIAL = {"\t": "<w:tab/>", "\r": "<w:br/>", "\n": "<w:br/>"}


def _run(text: str, bold: bool = False, italic: bool = False, color: str | None = None) -> str:
    """One ``<w:r>``; tabs and newlines become ``<w:tab/>`` / ``<w:br/>`` as in python-docx's ``run.text``."""
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "") + (f'<w:color w:val="{color}"/>' if color else "")
    parts = [f"<w:r><w:rPr>{props}</w:rPr>" if props else "<w:r>"]
    for piece in _BREAKS.split(text) if ("\t" in text or "\n" in text or "\r" in text) else (text,):
        if piece in _SPECIAL:
            parts.append(_SPECIAL[piece])
        elif piece:
            keep = ' xml:space="preserve"' if piece[0].isspace() or piece[-1].isspace() else ""
            parts.append(f"<w:t{keep}>{escape(piece)}</w:t>")
    parts.append("</w:r>")
    return "".join(parts)


class _Body:
    """Collects body markup; ``into`` parses it once and appends it before the section properties."""

    def __init__(self, doc: DocumentObject) -> None:
        self.doc = doc
        self.chunks: list[str] = []
        section = doc.sections[-1]
        block = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
        self.block_emu = int(block)

    def para(self, runs: str = "", style_id: str | None = None) -> None:
        style = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>' if style_id else ""
        self.chunks.append(f"<w:p>{style}{runs}</w:p>")

    def text(self, text: str, style_id: str | None = None) -> None:
        self.para(_run(text) if text else "", style_id)

    def heading(self, text: str, level: int) -> None:
        self.text(text, "Title" if level == 0 else f"Heading{level}")

    def bold(self, text: str) -> None:
        self.para(_run(text, bold=True))

    def labelled(self, label: str, text: str, style_id: str | None = None) -> None:
        self.para(_run(f"{label}: ", bold=True) + _run(text), style_id)

    def link(self, url: str) -> str:
        """A clickable, blue underlined link (python-docx has no public API for it)."""
        rel = self.doc.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        return f'<w:hyperlink r:id={quoteattr(rel)}><w:r>{_LINK}<w:t xml:space="preserve">{escape(url)}</w:t></w:r></w:hyperlink>'  # fmt: skip

    def table(self, headers: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> None:
        """A ``TableGrid`` table with equal columns across the text block, as ``add_table`` makes it."""
        cols = len(rows[0]) if rows else len(headers or ())
        twips = (self.block_emu // cols) // 635 if cols else 0
        cell = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{twips}"/></w:tcPr><w:p>'
        out = [
            '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/>'
            '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" '
            'w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>',
            f'<w:gridCol w:w="{twips}"/>' * cols,
            "</w:tblGrid>",
        ]
        for values, bold in ([(headers, True)] if headers else []) + [(r, False) for r in rows]:
            out.append("<w:tr>")
            out.extend(f"{cell}{_run(v, bold=bold) if v else ''}</w:p></w:tc>" for v in values)
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.chunks.append("".join(out))

    def into(self) -> None:
        frag = parse_xml(f"<w:body {nsdecls('w', 'r')}>{''.join(self.chunks)}</w:body>")
        body = self.doc.element.body
        end = body.sectPr
        for el in list(frag):
            if end is not None:
                end.addprevious(el)
            else:  # pragma: no cover - the default template always has a sectPr
                body.append(el)


def _finding(out: _Body, book: Rulebook, f: Finding) -> None:
    out.heading(f.title, 4)
    runs = []
    for i, (label, value) in enumerate(facts(book, f)):
        runs.append(_run(("  ·  " if i else "") + f"{label}: ", bold=True))
        warn = label == "Verification" and f.verification != "confirmed"  # must be confirmed: make it stand out
        runs.append(_run(value, bold=True, color=_RED) if warn else _run(value))
    out.para("".join(runs))
    out.text(f.description)
    if f.notes:
        out.labelled("Note", f.notes)
    if f.details:
        out.table(["Detail", "Value"], list(f.details.items()))
    out.bold("Why it applies")
    for reason in f.because:
        out.text(reason.text, "ListBullet")
    out.bold("Sources")
    for c in f.citations:
        url = c.url
        tail = out.link(url) if url.startswith(("https://", "http://")) else _run(url)
        out.para(_run(citation_text(c) + " — ") + tail, "ListBullet")
    out.bold("Checklist")
    for item in f.checklist:
        out.text(f"{BOX} {item}")


def render_docx(outcome: Outcome, book: Rulebook, generated_at: datetime | None) -> bytes:
    outcome = xml_safe(outcome)
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    s = outcome.ruleset
    doc.core_properties.title = f"Checklist — {s.title} v{s.version}"
    out = _Body(doc)
    out.heading(f"Checklist — {s.title}", 0)
    out.table(None, stamp_rows(outcome, generated_at))
    out.para(_run("Disclaimer. ", bold=True) + _run(DISCLAIMER, italic=True))
    if not outcome.complete:
        warning = f"Interview incomplete: {len(outcome.pending_questions)} question(s) still open."
        out.para(_run(warning, bold=True, color=_RED))
    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = f"{s.title} v{s.version} · digest {s.digest} · as of {outcome.as_of.isoformat()}"
    for attr, heading, _ in SECTIONS:
        findings = getattr(outcome, attr)
        if not findings:
            continue
        out.heading(heading, 1)
        for phase, areas in group(book, findings):
            out.heading(phase, 2)
            for area, fs in areas:
                out.heading(area, 3)
                for f in fs:
                    _finding(out, book, f)
    if outcome.undetermined:
        out.heading("Still undetermined", 1)
        for f in outcome.undetermined:
            out.text(f"{f.title} ({f.id}) — waiting for: {', '.join(f.pending)}", "ListBullet")
        out.text("Questions still to answer:")
        for qid in outcome.pending_questions:
            q = book.questions_by_id.get(qid)
            out.text(q.text if q else qid, "ListNumber")
    if outcome.not_applicable:
        out.heading("Does not apply", 1)
        for f in outcome.not_applicable:
            out.labelled(f"{f.title} ({f.id})", f.why_not or "", "ListBullet")
    out.heading("Appendix: your answers", 1)
    out.table(["Question", "Answer"], answer_rows(outcome, book))
    out.into()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
