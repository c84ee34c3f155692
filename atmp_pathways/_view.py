"""Shared, format-neutral views of an outcome: labels, grouping, stamp and answer rows.

Private to the exporters (``exports`` and ``_xlsx`` / ``_docx`` / ``_pdf``).

>>> from datetime import datetime, timezone
>>> timestamp(datetime(2026, 3, 1, 12, 30, tzinfo=timezone.utc))
'2026-03-01T12:30:00Z'
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from .engine import question_order
from .models import LEGAL_STATUSES, VERIFICATIONS, AnswerValue, Rulebook
from .outcome import Finding, Outcome, ResolvedCitation

__all__ = [
    "CSV_COLUMNS", "DISCLAIMER", "FORMULA_START", "KEPT_NOT_USED", "SECTIONS", "answer_label", "answer_rows", "area_label",
    "checklist_rows", "citation_text", "defuse", "facts", "group", "phase_label", "question_text", "stamp_rows",
    "timestamp", "validity", "xml_safe",
]  # fmt: skip

DISCLAIMER = (
    "Decision support, not legal advice. This checklist is generated from a rulebook and your answers; "
    "it may be incomplete or out of date. Lines tagged secondary or unverified rest on secondary sources "
    "or have not been checked against the primary text: confirm them with the competent authority."
)
KEPT_NOT_USED = "kept, not used"
CSV_COLUMNS = (
    "ruleset_title", "ruleset_version", "ruleset_digest", "as_of", "generated_at", "state", "phase", "area",
    "obligation_id", "title", "actor", "legal_status", "verification", "valid_from", "valid_to",
    "checklist_item", "citations", "disclaimer",
)  # fmt: skip
# Sections with checklists: (Outcome attribute, heading, CSV/JSON state).
SECTIONS = (
    ("applicable", "Applies now", "applies"),
    ("upcoming", "Applies from a later date", "applies_from"),
    ("horizon", "On the horizon (not yet law)", "horizon"),
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ---- helpers ----------------------------------


def timestamp(generated_at: datetime | None) -> str:
    """ISO-8601 UTC time, to the second; now when ``generated_at`` is None (naive means UTC)."""
    when = generated_at or datetime.now(UTC)
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp_rows(outcome: Outcome, generated_at: datetime | None) -> list[tuple[str, str]]:
    s = outcome.ruleset
    return [
        ("Ruleset", s.title),
        ("Version", s.version),
        ("Digest", s.digest),
        ("Jurisdiction", s.jurisdiction),
        ("Rules reviewed", s.reviewed.isoformat()),
        ("As of", outcome.as_of.isoformat()),
        ("Generated at", timestamp(generated_at)),
    ]


def answer_label(book: Rulebook, qid: str, value: AnswerValue) -> str:
    q = book.questions_by_id.get(qid)
    choices = book.choices(q) if q is not None else {}
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(choices.get(v, v) for v in value) or "none"
    return choices.get(value, value)


def answer_rows(outcome: Outcome, book: Rulebook) -> list[tuple[str, str]]:
    """(question text, answer label) in asking order; ignored answers say they were kept, not used."""
    ordered = [q.id for q in question_order(book) if q.id in outcome.answers]
    ordered += [qid for qid in outcome.answers if qid not in ordered]
    rows: list[tuple[str, str]] = []
    for qid in ordered:
        q = book.questions_by_id.get(qid)
        label = answer_label(book, qid, outcome.answers[qid])
        if qid in outcome.ignored_answers:
            label += f" ({KEPT_NOT_USED})"
        rows.append((q.text if q is not None else qid, label))
    return rows


def phase_label(book: Rulebook, phase: str) -> str:
    return book.meta.phases.get(phase, phase)


def area_label(book: Rulebook, area: str) -> str:
    return book.topic_titles.get(area) or area.replace("_", " ").capitalize()


def group(book: Rulebook, findings: Iterable[Finding]) -> list[tuple[str, list[tuple[str, list[Finding]]]]]:
    """Findings by phase (rulebook order, unknown phases last) then area (first seen)."""
    rank = {p: i for i, p in enumerate(book.meta.phases)}
    by_phase: dict[str, dict[str, list[Finding]]] = {}
    for f in findings:
        by_phase.setdefault(f.phase, {}).setdefault(f.area, []).append(f)
    phases = sorted(by_phase, key=lambda p: (rank.get(p, len(rank)), p))
    return [(phase_label(book, p), [(area_label(book, a), fs) for a, fs in by_phase[p].items()]) for p in phases]


def validity(f: Finding) -> str:
    parts = []
    if f.valid_from is not None:
        parts.append(f"applies from {f.valid_from.isoformat()}")
    if f.valid_to is not None:
        parts.append(f"until {f.valid_to.isoformat()}")
    return ", ".join(parts) or "no start or end date in the rules"


def facts(book: Rulebook, f: Finding) -> list[tuple[str, str]]:
    """The short labelled lines under an obligation title."""
    return [
        ("Who", book.meta.actors.get(f.actor, f.actor)),
        ("Legal status", LEGAL_STATUSES.get(f.status, f.status)),
        ("Verification", VERIFICATIONS.get(f.verification, f.verification)),
        ("Validity", validity(f)),
    ]


def citation_text(c: ResolvedCitation) -> str:
    text = f"{c.title}, {c.reference}"
    return text + (f" — “{c.quote}”" if c.quote else "")


def checklist_rows(outcome: Outcome, book: Rulebook, generated_at: datetime | None) -> list[dict[str, str]]:
    """One dict per checklist item (CSV_COLUMNS keys), sections then phase/area order."""
    s = outcome.ruleset
    base = {
        "ruleset_title": s.title, "ruleset_version": s.version, "ruleset_digest": s.digest,
        "as_of": outcome.as_of.isoformat(), "generated_at": timestamp(generated_at), "disclaimer": DISCLAIMER,
    }  # fmt: skip
    rows: list[dict[str, str]] = []
    for attr, _, state in SECTIONS:
        for phase, areas in group(book, getattr(outcome, attr)):
            for area, findings in areas:
                for f in findings:
                    cites = "; ".join(f"{c.title}, {c.reference} ({c.url})" for c in f.citations)
                    row = base | {
                        "state": state, "phase": phase, "area": area, "obligation_id": f.id, "title": f.title,
                        "actor": book.meta.actors.get(f.actor, f.actor),
                        "legal_status": LEGAL_STATUSES.get(f.status, f.status),
                        "verification": VERIFICATIONS.get(f.verification, f.verification),
                        "valid_from": f.valid_from.isoformat() if f.valid_from else "",
                        "valid_to": f.valid_to.isoformat() if f.valid_to else "", "citations": cites,
                    }  # fmt: skip
                    rows.extend(row | {"checklist_item": item} for item in f.checklist)
    if not rows:
        rows.append({k: "" for k in CSV_COLUMNS} | base | {"state": "none"})
    return [{k: row.get(k, "") for k in CSV_COLUMNS} for row in rows]


def defuse(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    >>> print(defuse("=SUM(1)"), defuse("plain"))
    '=SUM(1) plain
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def question_text(book: Rulebook, qid: str) -> str:
    q = book.questions_by_id.get(qid)
    return q.text if q is not None else qid


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_CONTROL_JSON = re.compile(r"\\u00(?:0[0-8bcef]|1[0-9a-f])|\\uff?f[ef]", re.IGNORECASE)


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _strip(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_strip(v) for v in value)
    return value


def xml_safe(outcome: Outcome) -> Outcome:
    """The outcome without control characters that XML (XLSX, DOCX) cannot hold; usually itself."""
    if not _CONTROL_JSON.search(outcome.to_json()):
        return outcome
    stripped: Outcome = _strip(outcome)
    return stripped
