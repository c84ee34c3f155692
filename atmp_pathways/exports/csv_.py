"""Outcome → CSV: ONE clean table, one row per checklist item (``outline.checklist_rows``).

The table sorts, filters and imports into any tracker. The stamp and the disclaimer
are columns on every row, so rows stay self-describing when copied elsewhere. The
answers are left out: they do not fit the row shape; the same run's other formats
carry them, and ``ruleset_digest`` + ``as_of`` identify the run. When nothing applies,
one row ("Nothing applies") keeps the stamp. Like the spreadsheet it is a tracker: ``owner``,
``status`` (prefilled "Not started"), ``due_date`` and ``notes`` columns; states are labels,
not codes. Cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR get a leading
apostrophe (OWASP CSV injection guidance).

The text starts with a byte-order mark (U+FEFF; EF BB BF once saved as UTF-8): without it,
Excel reads a double-clicked CSV in the system's legacy code page and garbles accented text
("Ã©" for "é"). Python reads it back with ``encoding="utf-8-sig"``. The CLI leaves it out only
when it writes to a terminal (``evaluate --format csv`` with no ``-o``, not redirected): a file,
a redirect and a pipe keep it.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from .._defuse import FORMULA_START, defuse
from ..models import Rulebook
from ..outcome import Outcome
from ..present import DISCLAIMER, state_label
from .outline import CSV_COLUMNS, NOT_LAW, checklist_rows, proposal_rows

__all__ = ["BOM", "FORMULA_START", "defuse", "render"]

BOM = "\ufeff"


def render(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = checklist_rows(outcome, book, generated_at)
    for row in rows:
        writer.writerow([defuse(row[k]) for k in CSV_COLUMNS])
    stamp = {k: rows[0][k] for k in ("ruleset_title", "ruleset_version", "ruleset_digest", "as_of", "generated_at")}
    for no, title, by, summary, change, taken, where in proposal_rows(outcome, book):
        row = stamp | {
            "state": state_label("reform_proposal_not_law"), "obligation_id": no, "title": title, "actor": by,
            "legal_status": NOT_LAW, "checklist_item": f"{summary} Would change: {change}. Taken up by: {taken}.",
            "citations": where, "disclaimer": DISCLAIMER,
        }  # fmt: skip
        writer.writerow([defuse(row.get(k, "")) for k in CSV_COLUMNS])
    return BOM + buf.getvalue()
