"""Outcome → XLSX workbook (openpyxl): Checklist (to fill in), Answers, Still undetermined, Not applicable, About.

Rows come from ``outline`` (the same content as every other format). Every text cell is
stored as a string, never a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from .._defuse import formula_like
from ..models import Rulebook
from ..outcome import Outcome
from ..present import DISCLAIMER, answer_rows, safe_url, stamp_rows
from .outline import (
    NOT_LAW,
    checklist_rows,
    not_applicable_rows,
    pending_texts,
    proposal_rows,
    undetermined_rows,
    xml_safe,
)

__all__ = ["render"]

# (header, checklist_rows key or "" for a column to fill in, width)
_CHECKLIST = (
    ("State", "state", 11), ("Phase", "phase", 12), ("Area", "area", 14), ("Obligation ID", "obligation_id", 18),
    ("Title", "title", 30), ("Checklist item", "checklist_item", 40), ("Actor", "actor", 14),
    ("Legal status", "legal_status", 14), ("Verification", "verification", 26), ("When", "when", 22), ("Valid from", "valid_from", 11),
    ("Valid to", "valid_to", 11), ("Citations", "citations", 40), ("Link", "link", 26),
    ("Owner", "", 14), ("Status", "", 12), ("Due date", "", 11), ("Notes", "", 24),
)  # fmt: skip
_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE5F0")
_LINK = Font(color="0563C1", underline="single")


def _put(ws: Worksheet, row: int, col: int, value: str) -> None:
    """Write text as text: a string cell, with Excel's quote prefix when it looks like a formula."""
    cell = ws.cell(row=row, column=col)
    cell.value = value
    cell.data_type = "s"
    cell.alignment = _WRAP
    if formula_like(value):
        cell.quotePrefix = True


def _table(ws: Worksheet, headers: Sequence[tuple[str, int]], rows: Sequence[Sequence[str]]) -> None:
    for col, (head, width) in enumerate(headers, 1):
        _put(ws, 1, col, head)
        ws.cell(row=1, column=col).font = _BOLD
        ws.cell(row=1, column=col).fill = _HEAD_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, values in enumerate(rows, 2):
        lines = 1
        for col, (value, (_, width)) in enumerate(zip(values, headers, strict=True), 1):
            _put(ws, r, col, value)
            lines = max(lines, -(-len(value) * 11 // (width * 10)))  # wrapped lines, ~10% slack
        ws.row_dimensions[r].height = 15 * min(lines, 12)  # viewers do not all auto-fit wrapped rows
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # print: one page wide, as tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(rows), 1) + 1}"


def render(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    outcome = xml_safe(outcome)
    wb = Workbook()
    ws = wb.active
    ws.title = "Checklist"
    rows = checklist_rows(outcome, book, generated_at)
    _table(ws, [(h, w) for h, _, w in _CHECKLIST], [[row.get(k, "") for _, k, _ in _CHECKLIST] for row in rows])
    link_col = [k for _, k, _ in _CHECKLIST].index("link") + 1
    for r, row in enumerate(rows, 2):
        url = safe_url(row["link"])
        if url is not None:
            cell = ws.cell(row=r, column=link_col)
            cell.hyperlink = url
            cell.font = _LINK
    s = outcome.ruleset
    ws.oddFooter.left.text = f"{s.title} v{s.version} · digest {s.digest} · as of {outcome.as_of.isoformat()}"
    ws.oddFooter.right.text = "Page &P of &N"
    ws.page_setup.orientation = "landscape"

    _table(wb.create_sheet("Answers"), [("Question", 70), ("Answer", 40)], answer_rows(outcome, book))
    undetermined = undetermined_rows(outcome, book)
    if undetermined:
        heads = [("Obligation ID", 28), ("Title", 44), ("Waiting for", 90)]
        _table(wb.create_sheet("Still undetermined"), heads, undetermined)
    heads = [("Obligation ID", 28), ("Title", 44), ("Why not", 90)]
    _table(wb.create_sheet("Not applicable"), heads, not_applicable_rows(outcome))
    reform = proposal_rows(outcome, book)
    if reform:  # a sheet of its own: these are not obligations
        heads = [("No.", 6), ("Proposal", 40), ("By", 22), ("Summary", 60), ("Would change", 50), ("Taken up by", 40),
                 ("Source", 40), ("Status", 32)]  # fmt: skip
        _table(wb.create_sheet("Reform proposals (not law)"), heads, [(*r, NOT_LAW) for r in reform])

    about = wb.create_sheet("About")
    pending = "; ".join(pending_texts(book, outcome))
    info = [
        *stamp_rows(outcome, generated_at),
        ("Complete", "Yes" if outcome.complete else f"No — still to answer: {pending}"),
    ]
    _table(about, [("Item", 20), ("Value", 100)], [*info, ("Disclaimer", DISCLAIMER)])
    about.auto_filter.ref = None
    wb.properties.title = f"Checklist — {s.title} v{s.version}"
    wb.properties.creator = "ATMP Pathways"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
