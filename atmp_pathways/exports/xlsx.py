"""Outcome → XLSX workbook (openpyxl): Checklist (a tracker to fill in), Sources, Answers,
Still undetermined, Not applicable, About.

Rows come from ``outline`` (the same content as every other format). The Checklist's
Status cells offer a drop-down (``present.TRACK_STATUSES``, "Not started" filled in);
each row links every citation it rests on (one "Source n" column per citation), and the
Sources sheet lists each citation once with its link and the obligations citing it.
Every text cell is stored as a string, never a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.styles.cell_style import StyleArray  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from .._defuse import formula_like
from ..models import Rulebook
from ..outcome import Outcome, ResolvedCitation
from ..present import DISCLAIMER, TRACK_STATUSES, answer_rows, citation_text, safe_url, stamp_rows, status_label
from ._xlsx_save import save
from .outline import (
    NOT_ASKED,
    NOT_LAW,
    checklist_entries,
    not_applicable_rows,
    pending_texts,
    proposal_rows,
    skipped_rows,
    source_rows,
    undetermined_rows,
    xml_safe,
)

__all__ = ["render"]

# (header, checklist_rows key, width); the "Source n" columns follow, one per citation
_CHECKLIST = (
    ("State", "state", 11), ("Phase", "phase", 12), ("Area", "area", 14), ("Obligation ID", "obligation_id", 18),
    ("Title", "title", 30), ("Checklist item", "checklist_item", 40), ("Actor", "actor", 14),
    ("Legal status", "legal_status", 14), ("Verification", "verification", 26), ("When", "when", 22), ("Valid from", "valid_from", 11),
    ("Valid to", "valid_to", 11), ("Owner", "owner", 14), ("Status", "status", 13), ("Due date", "due_date", 11),
    ("Notes", "notes", 24),
)  # fmt: skip
_SOURCE_WIDTH = 36
_MAX_TEXT = 32767  # characters in a cell; openpyxl cuts longer text there
_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE5F0")
_LINK = Font(color="0563C1", underline="single")


class _Styles:
    """The workbook's cell styles, each registered once (openpyxl hashes a style object on
    every ``cell.font = …``, which took a third of the render) and copied into each cell.

    Registered in the order the cells first use them, so the style tables come out as
    when each cell is styled one by one: text wrap, then bold + fill (the header row),
    then the link font on the first link.
    """

    def __init__(self, ws: Worksheet) -> None:
        self._ws = ws
        self.text = self._styled(alignment=_WRAP)
        self.head = self._styled(alignment=_WRAP, font=_BOLD, fill=_HEAD_FILL)
        self._link_font: int | None = None

    def _styled(self, **style: Any) -> StyleArray:
        probe = Cell(self._ws)  # not placed in the sheet: registers the style, records its ids
        for key, value in style.items():
            setattr(probe, key, value)
        return probe._style

    @property
    def link_font(self) -> int:
        if self._link_font is None:
            self._link_font = int(self._styled(font=_LINK).fontId)
        return self._link_font


def _row(ws: Worksheet, values: Sequence[str], style: StyleArray) -> None:
    """Append one row of text as text: string cells, with Excel's quote prefix when a value looks like a formula.

    What ``cell.value = value`` then ``cell.data_type = "s"`` store, without openpyxl's
    per-cell type sniffing; ``_check_text`` has checked the characters for the whole table.
    """
    cells = []
    for value in values:
        cell = Cell(ws, style_array=style)
        if type(value) is str:
            cell._value = value[:_MAX_TEXT]
        else:  # pragma: no cover - the outline gives text
            cell.value = value
        cell.data_type = "s"
        if formula_like(value):
            cell.quotePrefix = True
        cells.append(cell)
    ws.append(cells)


def _check_text(probe: Cell, rows: Sequence[Sequence[str]]) -> None:
    """Raise openpyxl's ``IllegalCharacterError`` for the first value a cell cannot hold (one scan per table)."""
    if ILLEGAL_CHARACTERS_RE.search("\n".join(v for values in rows for v in values if type(v) is str)):
        for values in rows:
            for value in values:
                probe.check_string(value)


def _table(ws: Worksheet, styles: _Styles, headers: Sequence[tuple[str, int]], rows: Sequence[Sequence[str]]) -> None:
    heads = [head for head, _ in headers]
    _check_text(Cell(ws), [heads, *rows])
    _row(ws, heads, styles.head)
    for col, (_, width) in enumerate(headers, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    widths = [width * 10 for _, width in headers]
    for r, values in enumerate(rows, 2):
        _row(ws, values, styles.text)
        lines = max((-(-len(value) * 11 // w) for value, w in zip(values, widths, strict=True)), default=1)
        ws.row_dimensions[r].height = 15 * min(max(lines, 1), 12)  # viewers do not all auto-fit wrapped rows
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # print: one page wide, as tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(rows), 1) + 1}"


def _link(cell: Any, styles: _Styles, url: str) -> None:
    """Make a cell a link to ``url`` when it is https (the cell keeps its defused text)."""
    safe = safe_url(url)
    if safe is not None:
        cell.hyperlink = safe
        cell._style.fontId = styles.link_font  # each cell has its own copy of the style


def _status_dropdown(ws: Worksheet, col: int, statuses: Sequence[str]) -> None:
    """A drop-down of ``TRACK_STATUSES`` on every row that has a Status (actionable rows, prefilled)."""
    letter = get_column_letter(col)
    cells = " ".join(f"{letter}{r}" for r, status in enumerate(statuses, 2) if status)
    if not cells:
        return
    # the cells at once: ``DataValidation.add`` checks each new cell against all before it
    choices = ",".join(TRACK_STATUSES)
    dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True, showDropDown=False, sqref=cells)
    dv.promptTitle, dv.prompt = "Status", "Choose: " + ", ".join(TRACK_STATUSES)
    dv.errorTitle, dv.error, dv.errorStyle = "Status", "Choose one of: " + ", ".join(TRACK_STATUSES), "warning"
    dv.showInputMessage = dv.showErrorMessage = True
    ws.add_data_validation(dv)


def _sources(ws: Worksheet, styles: _Styles, rows: Sequence[tuple[ResolvedCitation, tuple[str, ...]]]) -> None:
    """One row per citation (source and provision), its link, and the obligations that cite it."""
    heads = [("Source", 44), ("Provision", 30), ("Link", 40), ("Legal status", 16), ("Last reviewed", 12),
             ("Cited by", 40)]  # fmt: skip
    values = [
        (c.title, c.reference, c.url, status_label(c.source_status),
         c.last_reviewed.isoformat() if c.last_reviewed else "", "; ".join(ids))
        for c, ids in rows
    ]  # fmt: skip
    _table(ws, styles, heads, values)
    for r, (c, _) in enumerate(rows, 2):
        _link(ws.cell(row=r, column=3), styles, c.url)


def render(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    outcome = xml_safe(outcome)
    wb = Workbook()
    ws = wb.active
    ws.title = "Checklist"
    entries = checklist_entries(outcome, book, generated_at)
    most = max((len(cites) for _, cites in entries), default=0)
    heads = [(h, w) for h, _, w in _CHECKLIST] + [(f"Source {i}", _SOURCE_WIDTH) for i in range(1, most + 1)]
    table = [
        [row.get(k, "") for _, k, _ in _CHECKLIST] + [citation_text(c) for c in cites] + [""] * (most - len(cites))
        for row, cites in entries
    ]
    styles = _Styles(ws)
    _table(ws, styles, heads, table)
    for r, (_, cites) in enumerate(entries, 2):
        for i, c in enumerate(cites):
            _link(ws.cell(row=r, column=len(_CHECKLIST) + 1 + i), styles, c.url)
    _status_dropdown(ws, [k for _, k, _ in _CHECKLIST].index("status") + 1, [row["status"] for row, _ in entries])
    s = outcome.ruleset
    ws.oddFooter.left.text = f"{s.title} v{s.version} · digest {s.digest} · as of {outcome.as_of.isoformat()}"
    ws.oddFooter.right.text = "Page &P of &N"
    ws.page_setup.orientation = "landscape"

    _sources(wb.create_sheet("Sources"), styles, source_rows(outcome))
    _table(wb.create_sheet("Answers"), styles, [("Question", 70), ("Answer", 40)], answer_rows(outcome, book))
    undetermined = undetermined_rows(outcome, book)
    if undetermined:
        heads = [("Obligation ID", 28), ("Title", 44), ("Waiting for", 90)]
        _table(wb.create_sheet("Still undetermined"), styles, heads, undetermined)
    heads = [("Obligation ID", 28), ("Title", 44), ("Why not", 90)]
    _table(wb.create_sheet("Not applicable"), styles, heads, not_applicable_rows(outcome))
    if outcome.skipped:
        _table(wb.create_sheet(NOT_ASKED), styles, [("Topic", 30), ("Why not asked", 110)], skipped_rows(outcome))
    reform = proposal_rows(outcome, book)
    if reform:  # a sheet of its own: these are not obligations
        heads = [("No.", 6), ("Proposal", 40), ("By", 22), ("Summary", 60), ("Would change", 50), ("Taken up by", 40),
                 ("Source", 40), ("Status", 32)]  # fmt: skip
        _table(wb.create_sheet("Reform proposals (not law)"), styles, heads, [(*r, NOT_LAW) for r in reform])

    about = wb.create_sheet("About")
    pending = "; ".join(pending_texts(book, outcome))
    info = [
        *stamp_rows(outcome, generated_at),
        ("Complete", "Yes" if outcome.complete else f"No — still to answer: {pending}"),
    ]
    _table(about, styles, [("Item", 20), ("Value", 100)], [*info, ("Disclaimer", DISCLAIMER)])
    about.auto_filter.ref = None
    wb.properties.title = f"Checklist — {s.title} v{s.version}"
    wb.properties.creator = "ATMP Pathways"
    return save(wb)
