"""Outcome → PDF (fpdf2) with embedded DejaVu Sans, so any European text renders.

Reads the two font files shipped in ``atmp_pathways/fonts/`` (licence next to them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from ._view import DISCLAIMER, SECTIONS, answer_rows, citation_text, facts, group, stamp_rows, xml_safe
from .models import Rulebook
from .outcome import Finding, Outcome

__all__ = ["render_pdf"]

FONT_DIR = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
BOX = "☐"
_INK = (30, 30, 30)
_GREY = (110, 110, 110)
_BLUE = (5, 99, 193)
_RED = (176, 58, 46)


class _Checklist(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(*_GREY)
        self.cell(self.epw - 25, 5, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap in linear time, from the current TTF font's glyph widths.

    fpdf2's own breaker re-measures the line for every character, which is slow
    for long texts. Words wider than the line (long URLs) are cut between characters.
    """
    font = pdf.current_font
    if not isinstance(font, TTFFont):  # pragma: no cover - render_pdf only selects the embedded TTF
        raise TypeError("the PDF export needs a TrueType font")
    widths = font.cw  # code point → width in 1/1000 em
    scale = pdf.font_size * 0.001

    def measure(s: str) -> float:
        return sum(widths[ord(c)] for c in s) * scale

    lines: list[str] = []
    space = measure(" ")
    for paragraph in text.replace("\t", " ").split("\n"):
        line, used = "", 0.0
        for word in paragraph.split(" "):
            w = measure(word)
            if line and used + space + w <= width:
                line, used = f"{line} {word}", used + space + w
                continue
            if line:
                lines.append(line)
            while w > width:
                cut, cut_w = 0, 0.0
                for ch in word:
                    if cut and cut_w + measure(ch) > width:
                        break
                    cut, cut_w = cut + 1, cut_w + measure(ch)
                lines.append(word[:cut])
                word, w = word[cut:], w - cut_w
            line, used = word, w
        lines.append(line)
    return lines


def _para(pdf: FPDF, text: str, size: float = 9.5, bold: bool = False, color: tuple[int, int, int] = _INK, link: str | None = None, indent: float = 0, bullet: str = "") -> None:  # fmt: skip
    """Wrapped text; a ``bullet`` hangs in the margin so continuation lines align with the text."""
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.set_text_color(*color)
    hang = pdf.get_string_width(bullet) if bullet else 0.0
    for i, line in enumerate(_wrap(pdf, text.strip(), pdf.epw - indent - hang - 2 * pdf.c_margin)):
        pdf.set_x(pdf.l_margin + indent + (hang if i else 0.0))
        shown = bullet + line if i == 0 else line
        pdf.cell(0, size * 0.5, shown, align="L", link=link or "", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _fit(pdf: FPDF, head: str, tail: str, width: float) -> str:
    """``head + tail``, shortening ``head`` with an ellipsis until it fits ``width``."""
    while head and pdf.get_string_width(head + tail) > width:
        head = head[: max(len(head) - 4, 0)].rstrip() + "…" if len(head) > 4 else ""
    return head + tail


def _heading(pdf: FPDF, text: str, level: int) -> None:
    size = (15.0, 13.0, 11.5, 10.5)[level]
    if pdf.get_y() > pdf.page_break_trigger - 35:  # keep a heading with what follows
        pdf.add_page()
    pdf.ln(2.5 if level else 4)
    if level < 3:
        pdf.start_section(text, level=level)
    _para(pdf, text, size=size, bold=True)
    pdf.ln(1)


def _table(pdf: FPDF, rows: Sequence[tuple[str, str]], widths: tuple[int, int], headers: tuple[str, str] | None = None) -> None:  # fmt: skip
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_text_color(*_INK)
    with pdf.table(col_widths=widths, text_align="LEFT", first_row_as_headings=headers is not None, line_height=4.2, padding=1) as table:  # fmt: skip
        for values in [headers, *rows] if headers else rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(2)


def _finding(pdf: FPDF, book: Rulebook, f: Finding) -> None:
    _heading(pdf, f.title, 3)
    for label, value in facts(book, f):
        warn = label == "Verification" and f.verification != "confirmed"
        _para(pdf, f"{label}: {value}", size=8.5, bold=warn, color=_RED if warn else _GREY)
    pdf.ln(1)
    _para(pdf, f.description)
    if f.notes:
        _para(pdf, f"Note: {f.notes}", size=8.5)
    pdf.ln(1)
    for label, value in f.details.items():
        _para(pdf, f"{label}: {value}", size=8.5, indent=3)
    _para(pdf, "Why it applies", size=8.5, bold=True)
    for reason in f.because:
        _para(pdf, reason.text, size=8.5, indent=3, bullet="• ")
    _para(pdf, "Sources", size=8.5, bold=True)
    for c in f.citations:
        _para(pdf, citation_text(c), size=8.5, indent=3, bullet="• ")
        _para(pdf, c.url, size=8, color=_BLUE, link=c.url if c.url.startswith("https://") else None, indent=5.5)
    _para(pdf, "Checklist", size=8.5, bold=True)
    for item in f.checklist:
        _para(pdf, item, indent=3, bullet=f"{BOX}  ")
    pdf.ln(2)


def render_pdf(outcome: Outcome, book: Rulebook, generated_at: datetime | None) -> bytes:
    outcome = xml_safe(outcome)
    pdf = _Checklist(format="A4")
    pdf.add_font(FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    s = outcome.ruleset
    pdf.set_font(FAMILY, "", 7.5)
    pdf.footer_text = _fit(
        pdf, s.title, f" v{s.version} · digest {s.digest} · as of {outcome.as_of.isoformat()}", pdf.epw - 27
    )
    pdf.set_title(f"Checklist — {s.title} v{s.version}")
    pdf.set_creator("ATMP Pathways")
    pdf.add_page()
    _para(pdf, f"Checklist — {s.title}", size=17, bold=True)
    pdf.ln(3)
    _table(pdf, stamp_rows(outcome, generated_at), (35, 139))
    _para(pdf, f"Disclaimer. {DISCLAIMER}", size=8.5, color=_GREY)
    if not outcome.complete:
        pdf.ln(1)
        _para(pdf, f"Interview incomplete: {len(outcome.pending_questions)} question(s) still open.", bold=True, color=_RED)  # fmt: skip
    for attr, heading, _ in SECTIONS:
        findings = getattr(outcome, attr)
        if not findings:
            continue
        _heading(pdf, heading, 0)
        for phase, areas in group(book, findings):
            _heading(pdf, phase, 1)
            for area, fs in areas:
                _heading(pdf, area, 2)
                for f in fs:
                    _finding(pdf, book, f)
    if outcome.undetermined:
        _heading(pdf, "Still undetermined", 0)
        for f in outcome.undetermined:
            _para(pdf, f"{f.title} ({f.id}) — waiting for: {', '.join(f.pending)}", indent=3, bullet="• ")
        _para(pdf, "Questions still to answer:", bold=True)
        for i, qid in enumerate(outcome.pending_questions, 1):
            q = book.questions_by_id.get(qid)
            _para(pdf, q.text if q else qid, indent=3, bullet=f"{i}. ")
    if outcome.not_applicable:
        _heading(pdf, "Does not apply", 0)
        for f in outcome.not_applicable:
            _para(pdf, f"{f.title} ({f.id}) — {f.why_not or ''}", size=8.5, indent=3, bullet="• ")
    _heading(pdf, "Appendix: your answers", 0)
    _table(pdf, answer_rows(outcome, book), (110, 64), ("Question", "Answer"))
    return bytes(pdf.output())
