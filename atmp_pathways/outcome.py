"""The result of evaluating a rulebook: plain, frozen values that exports and the UI read,
and how two outcomes of the same answers on different dates differ.

Plain frozen dataclasses, not pydantic models: they are built from already validated
rule data on every Streamlit rerun, where validation would be pure cost.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from .models import AnswerValue, Rulebook

__all__ = [
    "Determined",
    "Finding",
    "FindingState",
    "Outcome",
    "OutcomeDiff",
    "Reason",
    "ResolvedCitation",
    "SkippedTopic",
    "Stamp",
    "change_dates",
    "diff_outcomes",
    "law_change_dates",
    "to_plain",
]

FindingState = Literal["applies", "applies_from", "horizon", "not_applicable", "undetermined", "depends"]


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
    last_reviewed: date | None = None
    """When the rule authors last reviewed the source (shown beside every citation)."""


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
    due: str | None = None
    """Milestone id: when in the product's life it falls due (the obligation's own, else its phase's)."""
    details: dict[str, str] = field(default_factory=dict)
    notes: str | None = None
    because: tuple[Reason, ...] = ()
    why_not: str | None = None
    """The first condition that rules it out, with its path in the rule (for tools and rule authors)."""
    why_not_text: str | None = None
    """The same in plain words, for people: "Not for you because you said …"."""
    pending: tuple[str, ...] = ()
    effect: str = "duty"
    """``duty`` or ``relief`` (an exemption or derogation to rely on), as the rule says."""
    undecided: tuple[str, ...] = ()
    """With state ``depends``: the questions answered "not decided yet" that settle it (asking order)."""


@dataclass(frozen=True, slots=True)
class SkippedTopic(_Plain):
    """A topic none of whose questions was asked, and why, in plain words.

    ``undecided`` names the "not decided yet" answers that hold its questions back
    (then they are asked once those are decided); otherwise the answers rule them out.
    """

    topic: str
    title: str
    text: str
    undecided: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Determined(_Plain):
    """What a determination concluded from the answers (one per item for for_each ones).

    ``value`` is None while undetermined (then ``pending`` lists, in asking order,
    the questions that would settle it) or when no case matches / it is not in
    force (then ``because`` says which). ``case`` is the index of the case that
    gave the value; ``trace`` the answers that made that case hold.
    """

    id: str
    title: str
    status: str
    verification: str
    item: str | None = None
    item_label: str | None = None
    value: str | None = None
    value_label: str | None = None
    meaning: str | None = None
    because: str | None = None
    citations: tuple[ResolvedCitation, ...] = ()
    verified_in: str | None = None
    to_confirm: str | None = None
    pending: tuple[str, ...] = ()
    case: int | None = None
    trace: tuple[Reason, ...] = ()
    undecided: tuple[str, ...] = ()
    """The "not decided yet" answers that settle it, when it waits for nothing else."""

    @property
    def key(self) -> str:
        """``id``, or ``id[item]`` for a per-item result (as scenarios name it)."""
        return f"{self.id}[{self.item}]" if self.item is not None else self.id

    @property
    def determined(self) -> bool:
        return self.value is not None


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
    determinations: tuple[Determined, ...] = ()
    depends: tuple[Finding, ...] = ()
    """Obligations settled only by answers "not decided yet" (both branches' obligations)."""
    undecided: tuple[str, ...] = ()
    """Asked questions answered "not decided yet", in asking order."""
    skipped: tuple[SkippedTopic, ...] = ()
    """Topics with obligations none of whose questions was asked, and why."""

    @property
    def complete(self) -> bool:
        """True when no obligation and no determination waits for an answer still to give
        (one left "not decided yet" was given)."""
        return not self.undetermined and not any(d.pending and not d.undecided for d in self.determinations)

    def determination(self, determination_id: str, item: str | None = None) -> Determined | None:
        """The result of one determination (of one item, for for_each ones), or None."""
        for d in self.determinations:
            if d.id == determination_id and d.item == item:
                return d
        return None

    def all_findings(self) -> tuple[Finding, ...]:
        return self.applicable + self.upcoming + self.horizon + self.not_applicable + self.undetermined + self.depends


@dataclass(frozen=True)
class OutcomeDiff:
    """What applies on a later (or earlier) date compared with the base date."""

    added: tuple[Finding, ...]
    removed: tuple[Finding, ...]
    unchanged: tuple[Finding, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def diff_outcomes(base: Outcome, other: Outcome) -> OutcomeDiff:
    """Obligations in force under ``other`` but not ``base`` (added), and the reverse.

    >>> from atmp_pathways.engine import evaluate
    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> answers = {"uses_widgets": True, "widget_count_large": False, "widget_colour": "red"}
    >>> d = diff_outcomes(evaluate(book, answers, date(2026, 6, 1)), evaluate(book, answers, date(2027, 2, 1)))
    >>> [f.id for f in d.added], [f.id for f in d.removed]
    (['label_all_widgets'], ['label_red_widgets'])
    """
    before = {f.id: f for f in base.applicable}
    after = {f.id: f for f in other.applicable}
    return OutcomeDiff(
        added=tuple(f for fid, f in after.items() if fid not in before),
        removed=tuple(f for fid, f in before.items() if fid not in after),
        unchanged=tuple(f for fid, f in after.items() if fid in before),
    )


def change_dates(outcome: Outcome) -> list[date]:
    """Days after ``outcome.as_of`` on which one of ITS obligations starts, or stops, applying.

    A start is an upcoming obligation's ``valid_from``; a stop is the day after an
    applicable obligation's ``valid_to`` (so a Directive ending on 6 August and a
    Regulation starting on 7 August give one date).

    >>> from atmp_pathways.engine import evaluate
    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> answers = {"uses_widgets": True, "widget_count_large": False, "widget_colour": "red"}
    >>> change_dates(evaluate(book, answers, date(2026, 6, 1)))
    [datetime.date(2027, 1, 1)]
    >>> change_dates(evaluate(book, answers, date(2027, 2, 1)))
    []
    """
    days = {f.valid_from for f in outcome.upcoming if f.valid_from is not None}
    days |= {f.valid_to + timedelta(days=1) for f in outcome.applicable if f.valid_to is not None}
    return sorted(d for d in days if d > outcome.as_of)


def law_change_dates(book: Rulebook, after: date) -> list[date]:
    """Days after ``after`` on which any source, obligation, determination or case starts or stops applying.

    >>> from atmp_pathways.loader import load_rulebook
    >>> law_change_dates(load_rulebook("tests/fixtures/toy_rules"), date(2026, 1, 1))
    [datetime.date(2027, 1, 1)]
    """
    days: set[date] = set()
    windows = [(s.valid_from, s.valid_to) for s in book.sources]
    windows += [(o.valid_from, o.valid_to) for o in book.obligations]
    windows += [(d.valid_from, d.valid_to) for d in book.determinations]
    windows += [(c.valid_from, c.valid_to) for d in book.determinations for c in d.cases]
    for start, end in windows:
        if start is not None:
            days.add(start)
        if end is not None:
            days.add(end + timedelta(days=1))
    return sorted(d for d in days if d > after)
