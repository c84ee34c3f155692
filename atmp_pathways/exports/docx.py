"""Outline → DOCX document (python-docx): stamp table, disclaimer, headings, ☐ checklist lines.

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

from ..models import Rulebook
from ..outcome import Outcome
from ..present import safe_url
from .outline import Block, Bullets, Checklist, Facts, Heading, Label, Links, Paragraph, Table, outline, xml_safe

__all__ = ["render"]

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
            out.append("<w:tr><w:trPr><w:tblHeader/></w:trPr>" if bold else "<w:tr>")  # repeats; read as headers
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


def _block(out: _Body, b: Block) -> None:
    if isinstance(b, Heading):
        out.heading(b.text, b.level)
    elif isinstance(b, Facts):
        runs = []
        for i, (label, value) in enumerate(b.rows):
            runs.append(_run(("  ·  " if i else "") + f"{label}: ", bold=True))
            runs.append(_run(value, bold=True, color=_RED) if label == b.warn else _run(value))
        out.para("".join(runs))
    elif isinstance(b, Paragraph):
        if b.tone == "warning":
            out.para(_run(f"{b.lead} {b.text}".strip(), bold=True, color=_RED))
        elif b.lead:
            out.para(_run(f"{b.lead} ", bold=True) + _run(b.text, italic=b.tone == "disclaimer"))
        else:
            out.text(b.text)
    elif isinstance(b, Label):
        out.bold(b.text)
    elif isinstance(b, Bullets):
        style = "ListNumber" if b.numbered else "ListBullet"
        for item in b.items:
            out.para((_run(f"{item.lead} ", bold=True) if item.lead else "") + _run(item.text), style)
    elif isinstance(b, Links):
        for link in b.items:
            url = safe_url(link.url)
            tail = out.link(url) if url is not None else _run(link.url)
            out.para(_run(f"{link.title}{link.detail} — ") + tail, "ListBullet")
    elif isinstance(b, Checklist):
        for line in b.items:
            out.text(f"{BOX} {line}")
    elif isinstance(b, Table):
        out.table(b.headers, b.rows)


def render(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    outcome = xml_safe(outcome)
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    s = outcome.ruleset
    doc.core_properties.title = f"Checklist — {s.title} v{s.version}"
    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = f"{s.title} v{s.version} · digest {s.digest} · as of {outcome.as_of.isoformat()}"
    out = _Body(doc)
    for block in outline(outcome, book, generated_at):
        _block(out, block)
    out.into()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
