"""Outcome → checklist documents. ``EXPORTS`` is the one list of formats.

Every format says the same thing: ``outline.outline`` turns an outcome into
format-neutral blocks once (and ``outline.checklist_rows`` & co. into rows for the
tabular formats); each module here only renders them. The CLI's ``--format``
choices, the UI's download buttons and the tests' format lists read ``EXPORTS``.

To add a format: write ``<module>.py`` with ``render(outcome, book, generated_at)``
and add one ``ExportFormat`` line below. Renderers are imported on first use, so the
binary formats' libraries do not slow the app's start.

>>> from datetime import datetime, timezone
>>> from atmp_pathways.engine import evaluate
>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> outcome = evaluate(book, {"uses_widgets": True, "widget_count_large": True})
>>> print(EXPORTS["md"].render(outcome, book, datetime(2026, 3, 1, tzinfo=timezone.utc)).splitlines()[0])
# Checklist — Toy widget rules
>>> export_filename(outcome, "xlsx")
'atmp-checklist-2026-01-01-v1.2.3.xlsx'
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .._gc import paused
from ..models import Rulebook
from ..outcome import Outcome
from ..present import DISCLAIMER

__all__ = ["DISCLAIMER", "EXPORTS", "ExportFormat", "export_filename"]


class Renderer(Protocol):
    def __call__(self, outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str | bytes: ...


@dataclass(frozen=True)
class ExportFormat:
    """One export: its ``--format`` name, button label, file extension, MIME type and renderer module."""

    name: str
    label: str
    extension: str
    mime: str
    module: str
    binary: bool = False

    def render(self, outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str | bytes:
        """The document; ``generated_at`` defaults to now (UTC).

        Rendered with the cyclic garbage collector paused (``_gc.paused``): a document is many
        small objects freed at the end, and a collection started midway walked every object of
        the app (rules, libraries) for nothing: +20–80 % of an Excel or PDF download's time.
        """
        renderer: Renderer = importlib.import_module(f"{__name__}.{self.module}").render
        with paused():
            return renderer(outcome, book, generated_at)


_OOXML = "application/vnd.openxmlformats-officedocument"

EXPORTS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("md", "Markdown", "md", "text/markdown", "markdown"),
        ExportFormat("csv", "CSV", "csv", "text/csv", "csv_"),
        ExportFormat("json", "JSON", "json", "application/json", "json_"),
        ExportFormat("xlsx", "Excel", "xlsx", f"{_OOXML}.spreadsheetml.sheet", "xlsx", binary=True),
        ExportFormat("docx", "Word", "docx", f"{_OOXML}.wordprocessingml.document", "docx", binary=True),
        ExportFormat("pdf", "PDF", "pdf", "application/pdf", "pdf", binary=True),
    )
}


def export_filename(outcome: Outcome, fmt: str) -> str:
    """``atmp-checklist-<as of>-v<version>.<extension>``; raises ValueError for an unknown format."""
    if fmt not in EXPORTS:
        raise ValueError(f"Unknown export format '{fmt}'. Choose one of: {', '.join(EXPORTS)}.")
    return f"atmp-checklist-{outcome.as_of.isoformat()}-v{outcome.ruleset.version}.{EXPORTS[fmt].extension}"
