"""The result of evaluating a rulebook: plain, frozen values that exports and the UI read.

Plain frozen dataclasses, not pydantic models: they are built from already validated
rule data on every Streamlit rerun, where validation would be pure cost.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from .models import AnswerValue

__all__ = ["Finding", "FindingState", "Outcome", "Reason", "ResolvedCitation", "Stamp", "to_plain"]

FindingState = Literal["applies", "applies_from", "horizon", "not_applicable", "undetermined"]


def to_plain(value: Any, *, json_safe: bool = False) -> Any:
    """Dataclasses, tuples and dicts → plain dicts and lists (dates as ISO text if ``json_safe``)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name), json_safe=json_safe) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: to_plain(v, json_safe=json_safe) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v, json_safe=json_safe) for v in value]
    if json_safe and isinstance(value, date):
        return value.isoformat()
    return value


class _Plain:
    def to_dict(self) -> dict[str, Any]:
        """This value as plain data (for comparison, JSON and tests)."""
        data: dict[str, Any] = to_plain(self)
        return data

    def to_json(self) -> str:
        return json.dumps(to_plain(self, json_safe=True), ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Reason(_Plain):
    """One step of a trace: which answer met (or failed) which condition."""

    path: str
    text: str
    question: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedCitation(_Plain):
    source: str
    title: str
    reference: str
    url: str
    source_status: str
    quote: str | None = None


@dataclass(frozen=True, slots=True)
class Stamp(_Plain):
    """Which rules answered: title, semantic version and content digest."""

    title: str
    version: str
    digest: str
    jurisdiction: str
    reviewed: date


@dataclass(frozen=True, slots=True)
class Finding(_Plain):
    """One obligation (or one per-item instance of it) and where it stands."""

    id: str
    obligation: str
    title: str
    description: str
    topic: str
    area: str
    actor: str
    phase: str
    status: str
    verification: str
    citations: tuple[ResolvedCitation, ...]
    checklist: tuple[str, ...]
    state: FindingState
    item: str | None = None
    item_label: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    details: dict[str, str] = field(default_factory=dict)
    notes: str | None = None
    because: tuple[Reason, ...] = ()
    why_not: str | None = None
    pending: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome(_Plain):
    ruleset: Stamp
    as_of: date
    answers: dict[str, AnswerValue]
    ignored_answers: tuple[str, ...] = ()
    applicable: tuple[Finding, ...] = ()
    upcoming: tuple[Finding, ...] = ()
    horizon: tuple[Finding, ...] = ()
    not_applicable: tuple[Finding, ...] = ()
    undetermined: tuple[Finding, ...] = ()
    pending_questions: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when no obligation waits for an answer."""
        return not self.undetermined

    def all_findings(self) -> tuple[Finding, ...]:
        return self.applicable + self.upcoming + self.horizon + self.not_applicable + self.undetermined
