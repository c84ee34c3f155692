"""Plain, frozen values the store hands out, and the codecs between them and JSON columns.

Nothing here touches the database: the app, the CLI and ``impact`` read these values.

>>> decode_answers(encode_answers({"start": date(2027, 1, 2), "ok": True}))
{'start': datetime.date(2027, 1, 2), 'ok': True}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..models import AnswerValue
from ..outcome import Finding, Outcome

__all__ = [
    "EVERYONE",
    "LOCAL_USER",
    "Assessment",
    "AssessmentSummary",
    "Event",
    "Revision",
    "answer_changes",
    "decode_answers",
    "encode_answers",
    "summarise_outcome",
]

EVERYONE = "*"
"""Share target meaning every signed-in user."""

LOCAL_USER = "local"
"""Owner recorded in single-user local mode (no login configured)."""

_TRACKED_STATES = ("applies", "applies_from", "horizon", "undetermined", "depends")


def encode_answers(answers: Mapping[str, AnswerValue]) -> dict[str, Any]:
    """Answers → JSON-safe data; dates are tagged so they come back as dates without the rulebook."""
    out: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, date):
            out[key] = {"$date": value.isoformat()}
        elif isinstance(value, list | tuple):
            out[key] = [str(v) for v in value]
        else:
            out[key] = value
    return out


def decode_answers(data: Mapping[str, Any]) -> dict[str, AnswerValue]:
    """The inverse of ``encode_answers``."""
    out: dict[str, AnswerValue] = {}
    for key, value in data.items():
        if isinstance(value, dict) and "$date" in value:
            out[key] = date.fromisoformat(str(value["$date"]))
        elif isinstance(value, list):
            out[key] = [str(v) for v in value]
        else:
            out[key] = value
    return out


def _finding_summary(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "obligation": f.obligation,
        "item": f.item,
        "title": f.title,
        "state": f.state,
        "status": f.status,
        "verification": f.verification,
        "valid_from": f.valid_from.isoformat() if f.valid_from else None,
        "valid_to": f.valid_to.isoformat() if f.valid_to else None,
        "citations": [f"{c.title} {c.reference}".strip() for c in f.citations],
    }


def _determinations(outcome: Outcome) -> list[dict[str, Any]]:
    """Determinations, when the outcome has them (a rulebook may define none)."""
    found = getattr(outcome, "determinations", None) or ()
    out = []
    for d in found:
        ident = getattr(d, "key", None) or getattr(d, "id", None)
        if ident is None:
            continue
        out.append(
            {
                "id": str(ident),
                "determination": str(getattr(d, "id", ident)),
                "title": str(getattr(d, "title", ident)),
                "value": _plain(getattr(d, "value", None)),
                "value_label": _plain(getattr(d, "value_label", None)),
                "status": _plain(getattr(d, "status", None)),
            }
        )
    return out


def _plain(value: object) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def summarise_outcome(outcome: Outcome) -> dict[str, Any]:
    """What a revision keeps of its outcome: determinations, every obligation that is not
    ``not_applicable`` (id, state, status, verification, validity, citations) and the
    questions still pending. Enough to list and to compare, small enough to keep forever."""
    findings = [f for f in outcome.all_findings() if f.state in _TRACKED_STATES]
    return {
        "determinations": _determinations(outcome),
        "obligations": [_finding_summary(f) for f in findings],
        "pending_questions": list(outcome.pending_questions),
        "counts": {
            "applies": len(outcome.applicable),
            "applies_from": len(outcome.upcoming),
            "horizon": len(outcome.horizon),
            "undetermined": len(outcome.undetermined),
            "depends": len(outcome.depends),
        },
    }


@dataclass(frozen=True, slots=True)
class Revision:
    """One saved state of an assessment. Revisions are never changed once written.

    ``concurrent`` is true when this save was based on an older revision than the
    latest one at the time (someone else saved in between): both are kept.
    ``acknowledged`` lists the changes (impact lines) the saver confirmed having reviewed.
    """

    assessment_id: int
    number: int
    answers: dict[str, AnswerValue]
    as_of: date
    rulebook_version: str
    rulebook_digest: str
    outcome: dict[str, Any]
    saved_by: str
    saved_at: datetime
    based_on: int | None = None
    concurrent: bool = False
    acknowledged: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AssessmentSummary:
    """One row of the register: enough to list without loading every revision."""

    id: int
    name: str
    product: str
    owner: str
    created_at: datetime
    updated_at: datetime
    revision: int
    last_saved_by: str
    rulebook_version: str
    rulebook_digest: str
    as_of: date
    shared_with: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Assessment:
    """An assessment with its latest revision (``revisions()`` gives the whole history)."""

    id: int
    name: str
    product: str
    owner: str
    created_at: datetime
    updated_at: datetime
    latest: Revision
    shared_with: tuple[str, ...] = ()

    @property
    def answers(self) -> dict[str, AnswerValue]:
        return self.latest.answers

    @property
    def as_of(self) -> date:
        return self.latest.as_of


@dataclass(frozen=True, slots=True)
class Event:
    """A recorded act on an assessment: created, renamed, shared, unshared, deleted."""

    assessment_id: int
    kind: str
    actor: str
    at: datetime
    detail: str = ""


def answer_changes(
    before: Mapping[str, AnswerValue], after: Mapping[str, AnswerValue]
) -> list[tuple[str, AnswerValue | None, AnswerValue | None]]:
    """(question id, old answer, new answer) for every answer added, removed or changed, in
    ``after``'s order then removed ones — for the revision history.

    >>> answer_changes({"a": True, "b": "x"}, {"a": False, "c": ["y"]})
    [('a', True, False), ('c', None, ['y']), ('b', 'x', None)]
    """
    out: list[tuple[str, AnswerValue | None, AnswerValue | None]] = []
    for key, value in after.items():
        if before.get(key) != value:
            out.append((key, before.get(key), value))
    out += [(key, value, None) for key, value in before.items() if key not in after]
    return out
