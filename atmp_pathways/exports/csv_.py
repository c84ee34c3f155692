"""Outcome → CSV: ONE clean table, one row per checklist item (``outline.checklist_rows``).

The table sorts, filters and imports into any tracker. The stamp and the disclaimer
are columns on every row, so rows stay self-describing when copied elsewhere. The
answers are left out: they do not fit the row shape; the same run's other formats
carry them, and ``ruleset_digest`` + ``as_of`` identify the run. When nothing applies,
one row with ``state`` ``none`` keeps the stamp. Cells starting with ``=``, ``+``,
``-``, ``@``, tab or CR get a leading apostrophe (OWASP CSV injection guidance).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from .._defuse import FORMULA_START, defuse
from ..models import Rulebook
from ..outcome import Outcome
from ..present import DISCLAIMER
from .outline import CSV_COLUMNS, NOT_LAW, checklist_rows, proposal_rows

__all__ = ["FORMULA_START", "defuse", "render"]


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
            "state": "reform_proposal_not_law", "obligation_id": no, "title": title, "actor": by,
            "legal_status": NOT_LAW, "checklist_item": f"{summary} Would change: {change}. Taken up by: {taken}.",
            "citations": where, "disclaimer": DISCLAIMER,
        }  # fmt: skip
        writer.writerow([defuse(row.get(k, "")) for k in CSV_COLUMNS])
    return buf.getvalue()
