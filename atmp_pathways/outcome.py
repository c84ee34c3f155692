"""The result of evaluating a rulebook: plain, frozen values that exports and the UI read."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .models import AnswerValue

__all__ = ["Finding", "Outcome", "Reason", "ResolvedCitation", "Stamp", "FindingState"]

FindingState = Literal["applies", "applies_from", "horizon", "not_applicable", "undetermined"]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reason(_Value):
    """One step of a trace: which answer met (or failed) which condition."""

    path: str
    question: str | None = None
    text: str


class ResolvedCitation(_Value):
    source: str
    title: str
    reference: str
    url: str
    quote: str | None = None
    source_status: str


class Stamp(_Value):
    """Which rules answered: title, semantic version and content digest."""

    title: str
    version: str
    digest: str
    jurisdiction: str
    reviewed: date


class Finding(_Value):
    """One obligation (or one per-item instance of it) and where it stands."""

    id: str
    obligation: str
    item: str | None = None
    item_label: str | None = None
    title: str
    description: str
    topic: str
    area: str
    actor: str
    phase: str
    status: str
    verification: str
    valid_from: date | None = None
    valid_to: date | None = None
    citations: tuple[ResolvedCitation, ...]
    checklist: tuple[str, ...]
    details: dict[str, str] = {}
    notes: str | None = None
    state: FindingState
    because: tuple[Reason, ...] = ()
    why_not: str | None = None
    pending: tuple[str, ...] = ()


class Outcome(_Value):
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
