"""Typed, frozen models of a rulebook and of an evaluation outcome.

Every model forbids unknown keys and is strict about types, so a YAML slip
(``NO`` read as a boolean, a number where text belongs) is reported at load
time instead of silently changing a rule.

>>> Condition.model_validate({"question": "q", "is": True}).describe()
'q is true'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from ._quote import quote
from .errors import did_you_mean

if TYPE_CHECKING:
    from .plan import Plan

__all__ = [
    "ID_PATTERN",
    "KINDS",
    "OPERATORS",
    "KindSpec",
    "EFFECTS",
    "LEGAL_STATUSES",
    "VERIFICATIONS",
    "AnswerValue",
    "Case",
    "Citation",
    "Condition",
    "Determination",
    "DeterminationValue",
    "FrozenDict",
    "DataList",
    "DataTable",
    "ForEach",
    "Milestone",
    "Obligation",
    "Prefill",
    "Proposal",
    "ProposalsFile",
    "Question",
    "Retired",
    "Rulebook",
    "RulebookMeta",
    "Source",
    "TopicFile",
    "UNDECIDED",
    "UNDECIDED_KINDS",
    "DataFile",
    "SourcesFile",
]

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=80)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]

QuestionKind = Literal["yes_no", "one_of", "many_of", "date"]  # the keys of KINDS (a test checks)
LegalStatus = Literal[
    "binding_law",
    "gmp_guideline",
    "guidance",
    "national_practice",
    "agreed_not_in_force",
    "proposed",
    "stakeholder_proposal",
]
Verification = Literal["confirmed", "secondary", "unverified"]
Effect = Literal["duty", "relief"]

LEGAL_STATUSES: dict[str, str] = {
    "binding_law": "Binding law",
    "gmp_guideline": "GMP guideline",
    "guidance": "Guidance",
    "national_practice": "National practice",
    "agreed_not_in_force": "Agreed, not in force",
    "proposed": "Proposed",
    "stakeholder_proposal": "Industry proposal — not law",
}
# Statuses of items that are not law yet; a milestone date in the past on one of them is a
# prompt to re-check it (``check`` warns).
PENDING_STATUSES = frozenset({"agreed_not_in_force", "proposed"})
EFFECTS: dict[str, str] = {
    "duty": "Duty",
    "relief": "Relief or exemption",
}
"""An obligation's effect: a duty to meet, or a relief / exemption / derogation the user may rely on."""
VERIFICATIONS: dict[str, str] = {
    "confirmed": "Confirmed against the primary text",
    "secondary": "Secondary source only — confirm with the competent authority",
    "unverified": "Unverified — confirm with the competent authority",
}


# ---------------------------------------------------------------------------
# The vocabulary: question kinds and the leaf tests (operators) on them.
# Every module that handles an operator or a kind reads these tables; the test
# tests/test_vocabulary.py fails when a kind or an operator lacks a handler
# (evaluation, wording, satisfiability, validation, coercion, display).
# ---------------------------------------------------------------------------

#: Leaf tests on one question's answer → how ``Condition.describe`` words them.
OPERATORS: dict[str, str] = {
    "is": "is",
    "in": "is one of",
    "includes": "includes",
    "answered": "is answered",
    "before": "is before",
    "on_or_after": "is on or after",
}

AnswerProblem = Callable[[str, object, Mapping[str, str]], list[str]]
OperandProblem = Callable[[str, str, object], "tuple[str, str] | None"]


def _no_operand_problem(qid: str, op: str, value: object) -> tuple[str, str] | None:
    return None


@dataclass(frozen=True)
class KindSpec:
    """One question kind.

    ``operators``: the leaf tests that fit it (checked at load).
    ``takes_choices``: whether it needs ``choices``/``choices_from``.
    ``validate(qid, value, choices)``: every problem with an answer, in words ([] if it fits).
    ``coerce(value)``: a value read from YAML, JSON or a URL → the answer's Python type (or unchanged).
    ``show(value, choices)``: an answer in the user's words.
    ``operand_problem(qid, op, operand)``: (message, hint) when a rule's operand cannot match this kind.
    """

    label: str
    operators: tuple[str, ...]
    takes_choices: bool
    validate: AnswerProblem
    coerce: Callable[[object], object]
    show: Callable[[object, Mapping[str, str]], str]
    operand_problem: OperandProblem = _no_operand_problem


def _validate_yes_no(qid: str, value: object, choices: Mapping[str, str]) -> list[str]:
    return [] if isinstance(value, bool) else [f"'{qid}' needs true or false, got {quote(value)}."]


def _validate_one_of(qid: str, value: object, choices: Mapping[str, str]) -> list[str]:
    if isinstance(value, str) and value in choices:
        return []
    hint = did_you_mean(value, choices) if isinstance(value, str) and len(value) <= 64 else ""
    listed = ", ".join(list(choices)[:12]) + ("…" if len(choices) > 12 else "")
    return [f"'{qid}' needs one of {listed}; got {quote(value)}." + (f" {hint}" if hint else "")]


def _validate_many_of(qid: str, value: object, choices: Mapping[str, str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [f"'{qid}' needs a list of choices, got {quote(value)}."]
    problems = []
    bad = [v for v in value if v not in choices]
    if bad:
        shown = ", ".join(list(choices)[:12]) + ("…" if len(choices) > 12 else "")
        listed = ", ".join(quote(b, 40) for b in bad[:5]) + (f" and {len(bad) - 5:,} more" if len(bad) > 5 else "")
        problems.append(f"'{qid}': {listed} not among its choices ({shown}).")
    if len(set(value)) != len(value):
        problems.append(f"'{qid}' lists a choice twice.")
    return problems


def _validate_date(qid: str, value: object, choices: Mapping[str, str]) -> list[str]:
    if isinstance(value, date) and not isinstance(value, bool):
        return []
    return [f"'{qid}' needs a date (YYYY-MM-DD), got {quote(value)}."]


def _same(value: object) -> object:
    return value


def _coerce_many_of(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _coerce_date(value: object) -> object:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _show_yes_no(value: object, choices: Mapping[str, str]) -> str:
    return "yes" if value else "no"


def _show_one_of(value: object, choices: Mapping[str, str]) -> str:
    return choices.get(str(value), str(value))


def _show_many_of(value: object, choices: Mapping[str, str]) -> str:
    items = value if isinstance(value, list | tuple) else [value]
    return ", ".join(choices.get(str(v)) or str(v) for v in items) or "none"


def _show_date(value: object, choices: Mapping[str, str]) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _operand_yes_no(qid: str, op: str, value: object) -> tuple[str, str] | None:
    if op == "is" and not isinstance(value, bool):
        return (
            f"yes_no question '{qid}' needs true or false, got '{value}'",
            "write true or false unquoted (yes/no/on/off/NO are text here)",
        )
    return None


def _operand_one_of(qid: str, op: str, value: object) -> tuple[str, str] | None:
    if op == "is" and isinstance(value, bool):
        return f"one_of question '{qid}' needs a choice id, got {str(value).lower()}", "quote the choice id"
    return None


#: Question kinds → what fits them. ``QuestionKind`` lists the same names.
KINDS: dict[str, KindSpec] = {
    "yes_no": KindSpec("yes or no", ("is", "answered"), False, _validate_yes_no, _same, _show_yes_no, _operand_yes_no),
    "one_of": KindSpec(
        "one choice", ("is", "in", "answered"), True, _validate_one_of, _same, _show_one_of, _operand_one_of
    ),
    "many_of": KindSpec(
        "several choices", ("includes", "answered"), True, _validate_many_of, _coerce_many_of, _show_many_of
    ),
    "date": KindSpec("a date", ("before", "on_or_after", "answered"), False, _validate_date, _coerce_date, _show_date),
}


class FrozenDict(dict):  # type: ignore[type-arg]
    """A dict that refuses changes: the cached rulebook is shared by every session.

    >>> d = FrozenDict({"a": 1})
    >>> d["b"] = 2
    Traceback (most recent call last):
    TypeError: rulebook data is read-only
    """

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("rulebook data is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[object, object]]]:
        return (FrozenDict, (dict(self),))


def _freeze(value: dict[K, V]) -> dict[K, V]:
    return FrozenDict(value)


K = TypeVar("K")
V = TypeVar("V")
_FROZEN = AfterValidator(_freeze)
Frozen = Annotated[dict[K, V], _FROZEN]

AnswerValue = bool | str | list[str] | date
UNDECIDED = "undecided"
"""The stored answer "not decided yet" on a question with ``undecided`` (the same in files, links and JSON)."""
UNDECIDED_KINDS = ("yes_no", "one_of")
ScalarValue = bool | str


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class Condition(_Frozen):
    """A condition tree: ``all`` / ``any`` / ``not`` over leaves on one question or determination.

    Leaves: ``{question, is}``, ``{question, in}``, ``{question, includes}``
    (a many_of answer contains the item, or any of a list of items),
    ``{question, answered}``, and for date questions ``{question, before}`` /
    ``{question, on_or_after}``. A determination is tested like a one_of
    question: ``{determination, is}`` or ``{determination, in}``.

    >>> Condition.model_validate({"determination": "d", "in": ("a", "b")}).describe()
    "d is one of ['a', 'b']"
    """

    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    question: Id | None = None
    determination: Id | None = None
    is_: ScalarValue | None = Field(default=None, alias="is")
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    includes: str | tuple[str, ...] | None = None
    answered: bool | None = None
    before: date | None = None
    on_or_after: date | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        combinators = [k for k in ("all", "any", "not_") if getattr(self, k) is not None]
        operators = [k for k in _LEAF_OPERATORS if getattr(self, k) is not None]
        if self.question is not None and self.determination is not None:
            raise ValueError("a condition tests either a 'question' or a 'determination', not both")
        if self.subject is None:
            if len(combinators) != 1 or operators:
                raise ValueError(
                    "a condition needs exactly one of 'all', 'any', 'not', or 'question' "
                    "with one test ('is', 'in', 'includes', 'answered', 'before', 'on_or_after'), "
                    "or 'determination' with 'is' or 'in'"
                )
            for key in ("all", "any"):
                value = getattr(self, key)
                if value is not None and len(value) == 0:
                    raise ValueError(f"'{key}' needs at least one condition")
        elif self.determination is not None:
            if combinators or len(operators) != 1 or operators[0] not in ("is_", "in_"):
                raise ValueError(
                    f"the condition on determination '{self.determination}' needs exactly one test: 'is' or 'in'"
                )
        else:
            if combinators or len(operators) != 1:
                raise ValueError(
                    f"the condition on question '{self.question}' needs exactly one test: "
                    "'is', 'in', 'includes', 'answered', 'before' or 'on_or_after'"
                )
        return self

    @property
    def subject(self) -> str | None:
        """The question or determination id a leaf tests; None for ``all``/``any``/``not``."""
        return self.question if self.question is not None else self.determination

    @cached_property
    def operator(self) -> str:
        """The leaf test ('is', 'in', ...) or the combinator name."""
        for key in ("all", "any", "not_", *_LEAF_OPERATORS):
            if getattr(self, key) is not None:
                return key.rstrip("_")
        return ""  # pragma: no cover - validator guarantees a form

    @cached_property
    def operand(self) -> object:
        for key in _LEAF_OPERATORS:
            value = getattr(self, key)
            if value is not None:
                return value
        return None

    def children(self) -> tuple[Condition, ...]:
        if self.all is not None:
            return self.all
        if self.any is not None:
            return self.any
        if self.not_ is not None:
            return (self.not_,)
        return ()

    def questions(self) -> set[str]:
        """Every question id named anywhere in this condition."""
        found = {self.question} if self.question else set()
        for child in self.children():
            found |= child.questions()
        return found

    def determinations(self) -> set[str]:
        """Every determination id named anywhere in this condition."""
        found = {self.determination} if self.determination else set()
        for child in self.children():
            found |= child.determinations()
        return found

    def leaves(self) -> Iterator[Condition]:
        """Every leaf (question or determination test), depth first."""
        if self.subject is not None:
            yield self
        for child in self.children():
            yield from child.leaves()

    @cached_property
    def description(self) -> str:
        """``describe()`` computed once (conditions are immutable)."""
        return self.describe()

    def describe(self) -> str:
        """The condition in plain words with ids, e.g. ``q is true``."""
        if self.subject is None:
            parts = [c.describe() for c in self.children()]
            if self.not_ is not None:
                return f"not ({parts[0]})"
            joiner = " and " if self.all is not None else " or "
            return "(" + joiner.join(parts) + ")" if len(parts) > 1 else parts[0]
        op, value = self.operator, self.operand
        shown = _show(value)
        words = OPERATORS[op] if op != "answered" or value else "is not answered"
        if op == "answered":
            return f"{self.subject} {words}"
        if op == "includes" and isinstance(value, tuple):
            words = "includes any of"
        return f"{self.subject} {words} {shown}"


# Condition's field for each operator ("is" and "in" are Python keywords, so "is_" / "in_").
_LEAF_OPERATORS = tuple(op if op in Condition.model_fields else f"{op}_" for op in OPERATORS)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, date):
        return value.isoformat()
    return f"'{value}'"


class Citation(_Frozen):
    """A pointer into a registered source: which instrument, which provision."""

    source: Id
    ref: Text = Field(description="Article, section or paragraph, e.g. 'Art 3(7)'.")
    quote: str | None = Field(default=None, max_length=1000)


Day = date  # a field below is called ``date``


class Milestone(_Frozen):
    """A dated step expected for an item that is not law yet (e.g. "draft expected Sept 2026")."""

    date: Day = Field(description="when it is expected; for a month, its last day")
    what: Text = Field(description="what is expected then, and who said so")


class Source(_Frozen):
    """A legal or guidance instrument in the source registry."""

    id: Id
    title: Text
    kind: Id = Field(description="e.g. regulation, directive, gmp_guideline, guidance, national_page")
    identifier: Text = Field(description="CELEX number, ELI, EMA or Commission reference")
    url: Annotated[str, Field(pattern=r"^https://\S+$", max_length=500)]
    status: LegalStatus
    valid_from: date | None = None
    valid_to: date | None = None
    last_reviewed: date
    milestones: tuple[Milestone, ...] = Field(
        default=(), description="expected steps (proposed / agreed_not_in_force sources); check warns once one is past"
    )
    notes: str | None = Field(default=None, max_length=2000)


class Prefill(_Frozen):
    """A value the wizard pre-selects when ``when`` holds; the user still confirms it (Next).

    Never an answer by itself: nothing is stored until the user confirms, and a stored
    answer always wins. ``because`` is the one line the question shows under the widget.
    """

    value: bool | str | tuple[str, ...]
    when: Condition
    because: Text


class Question(_Frozen):
    id: Id
    text: Text
    help: Text
    kind: QuestionKind
    choices: Frozen[str, Text] | None = None
    choices_from: Id | None = Field(default=None, description="id of a shared list in rules/data/")
    when: Condition | None = None
    prefill: Prefill | None = Field(
        default=None, description="a value to pre-select (the user still confirms it) when its condition holds"
    )
    citations: tuple[Citation, ...] = Field(min_length=1)
    undecided: Annotated[str, Field(min_length=1, max_length=80)] | None = Field(
        default=None,
        description=(
            "planning questions only (yes_no, one_of): the label of an extra answer meaning "
            "'not decided yet', e.g. \"Not decided yet\"; stored as the answer 'undecided' and "
            "evaluated as unknown, so the obligations of every branch show as depending on it"
        ),
    )

    @field_validator("help")
    @classmethod
    def _no_trailing_newline(cls, value: str) -> str:
        return value.rstrip()

    @model_validator(mode="after")
    def _choices_fit_kind(self) -> Question:
        has_choices = self.choices is not None or self.choices_from is not None
        if self.choices is not None and self.choices_from is not None:
            raise ValueError("give either 'choices' or 'choices_from', not both")
        if KINDS[self.kind].takes_choices and not has_choices:
            raise ValueError(f"a '{self.kind}' question needs 'choices' or 'choices_from'")
        if not KINDS[self.kind].takes_choices and has_choices:
            raise ValueError(f"a '{self.kind}' question takes no 'choices'")
        if self.choices is not None and len(self.choices) < 2:
            raise ValueError("'choices' needs at least two entries")
        if self.undecided is not None and self.kind not in UNDECIDED_KINDS:
            raise ValueError(
                f"'undecided' fits only {' and '.join(UNDECIDED_KINDS)} questions, not '{self.kind}' "
                "(a many_of answer can already be left empty; a date can be left unanswered)"
            )
        if self.undecided is not None and self.choices is not None and UNDECIDED in self.choices:
            raise ValueError(f"with 'undecided', no choice may be called '{UNDECIDED}' (that is the stored answer)")
        return self


class ForEach(_Frozen):
    """Expand one obligation per item chosen in a many_of answer, with a data-table row.

    ``where`` keeps only the items whose row has one of the given values in a column, e.g.
    ``{procedure: [deliberate_release, both]}``: the rule states the duty once and the table says,
    per item (with the row's own verification), whether it is triggered.
    """

    question: Id
    table: Id
    where: Frozen[Id, tuple[Annotated[str, Field(min_length=1, max_length=80)], ...]] | None = Field(
        default=None,
        description="column → the values for which an item is kept; items whose row has another value are left out",
    )

    def keeps(self, row: Mapping[str, str] | None) -> bool:
        """Whether an item with this table row is kept by ``where``."""
        if not self.where:
            return True
        return row is not None and all(row.get(col) in values for col, values in self.where.items())


class Obligation(_Frozen):
    id: Id
    title: Text
    description: Text
    actor: Id
    phase: Id
    area: Id | None = Field(default=None, description="defaults to the topic (file stem)")
    when: Condition | None = None
    unless: Condition | None = None
    for_each: ForEach | None = None
    citations: tuple[Citation, ...] = Field(min_length=1)
    status: LegalStatus
    verification: Verification
    verified_in: str | None = Field(
        default=None,
        max_length=1000,
        description="Where it was confirmed: which text (OJ, consolidated version, EudraLex copy), which provision, when read",
    )
    to_confirm: str | None = Field(
        default=None,
        max_length=1000,
        description="For secondary/unverified items: in one line, what would confirm it",
    )
    valid_from: date | None = None
    valid_to: date | None = None
    due: Id | None = Field(
        default=None,
        description="milestone id from rulebook.yaml `milestones`, when the phase's default milestone is wrong for this obligation",
    )
    milestones: tuple[Milestone, ...] = Field(
        default=(), description="expected steps (proposed / agreed_not_in_force items); check warns once one is past"
    )
    effect: Effect = Field(
        default="duty",
        description="duty (default): something to do; relief: an exemption, waiver or derogation the user may rely on — 'What changes' says 'relief no longer available' rather than 'stops applying'",
    )
    checklist: tuple[Text, ...] = Field(min_length=1)
    notes: str | None = Field(default=None, max_length=4000)

    @field_validator("status")
    @classmethod
    def _not_a_proposal(cls, value: str) -> str:
        if value == "stakeholder_proposal":
            raise ValueError("an obligation cannot be an industry proposal — put it in rules/proposals.yaml")
        return value

    @field_validator("description", "notes")
    @classmethod
    def _no_trailing_newline(cls, value: str | None) -> str | None:
        """YAML's folded ``>`` style leaves a final newline; it would show as a blank line."""
        return value.rstrip() if value is not None else None


class DeterminationValue(_Frozen):
    """One possible conclusion of a determination: a label and what it means for the user."""

    label: Text
    meaning: Text

    @field_validator("meaning")
    @classmethod
    def _no_trailing_newline(cls, value: str) -> str:
        return value.rstrip()


class Case(_Frozen):
    """One row of a determination's table: when it holds, the determination takes ``value``.

    A case without ``when`` is the catch-all (only allowed last). A case with a
    validity window counts only for assessment dates inside it.
    """

    when: Condition | None = None
    value: Id
    because: Text = Field(description="Why this value, in plain words the user reads")
    citations: tuple[Citation, ...] = Field(min_length=1)
    valid_from: date | None = None
    valid_to: date | None = None

    @field_validator("because")
    @classmethod
    def _no_trailing_newline(cls, value: str) -> str:
        return value.rstrip()

    @property
    def catch_all(self) -> bool:
        """A case without `when` and without a validity window always holds."""
        return self.when is None and self.valid_from is None and self.valid_to is None

    def in_force(self, day: date | None) -> bool:
        """Whether the case counts on ``day`` (None: every day)."""
        return _within(self.valid_from, self.valid_to, day)


def _within(start: date | None, end: date | None, day: date | None) -> bool:
    return day is None or ((start is None or day >= start) and (end is None or day <= end))


class Determination(_Frozen):
    """A conclusion drawn from answers (and other determinations), first matching case wins.

    With ``for_each`` there is one result per item chosen in that many_of answer;
    ``value_from`` then names the table column that gives the value when no case matches.
    """

    id: Id
    title: Text
    help: Text
    values: Frozen[Id, DeterminationValue] = Field(min_length=1)
    cases: tuple[Case, ...] = ()
    status: LegalStatus
    verification: Verification
    verified_in: str | None = Field(default=None, max_length=1000)
    to_confirm: str | None = Field(default=None, max_length=1000)
    valid_from: date | None = None
    valid_to: date | None = None
    for_each: ForEach | None = None
    value_from: Id | None = Field(default=None, description="with for_each: the table column that gives the value")
    because: Text | None = Field(
        default=None,
        description="with value_from: why, in plain words; may use {item}, {item_label} and the table's columns",
    )
    citations: tuple[Citation, ...] = Field(default=(), description="with value_from: what the table rests on")
    notes: str | None = Field(default=None, max_length=4000)

    @field_validator("help", "because", "notes")
    @classmethod
    def _no_trailing_newline(cls, value: str | None) -> str | None:
        return value.rstrip() if value is not None else None

    def in_force(self, day: date | None) -> bool:
        """Whether the determination holds on ``day`` (None: every day)."""
        return _within(self.valid_from, self.valid_to, day)

    def inputs(self) -> set[str]:
        """Question and determination ids it reads: its cases' conditions and its for_each question."""
        found = {leaf.subject for c in self.cases if c.when is not None for leaf in c.when.leaves() if leaf.subject}
        if self.for_each is not None:
            found.add(self.for_each.question)
        return found

    @model_validator(mode="after")
    def _cases_or_table(self) -> Determination:
        if self.value_from is not None and self.for_each is None:
            raise ValueError("'value_from' needs 'for_each' (the table whose column gives the value)")
        if not self.cases and self.value_from is None:
            raise ValueError("a determination needs 'cases' (or 'for_each' with 'value_from')")
        if self.value_from is not None and not self.citations:
            raise ValueError("a determination with 'value_from' needs 'citations' for its table")
        return self


class Proposal(_Frozen):
    """A reform proposal made by a stakeholder (never law), linked to the rules it would change."""

    id: Id
    number: Annotated[str, Field(min_length=1, max_length=12, description="the numbering stated in rules/README.md")]
    title: Text
    summary: Text
    by: Text = Field(description="who makes the proposal")
    bucket: Id = Field(description="one of the file's buckets")
    citation: Citation = Field(description="where in the source the proposal is made (section, line)")
    affects: tuple[Id, ...] = Field(min_length=1, description="obligation or question ids it would change")
    taken_up_by: tuple[Id, ...] = Field(
        default=(), description="obligation (on the horizon) or source ids of pending legislation that take it up"
    )

    @field_validator("summary")
    @classmethod
    def _no_trailing_newline(cls, value: str) -> str:
        return value.rstrip()


class DataList(_Frozen):
    """A shared list of choices, e.g. the EU/EEA states (item id → label)."""

    id: Id
    title: Text
    items: Frozen[str, Text] = Field(min_length=1)


class DataTable(_Frozen):
    """Facts per item of a list, used by ``for_each`` obligations."""

    id: Id
    title: Text
    list: Id
    columns: Frozen[Id, Text] = Field(min_length=1)
    rows: Frozen[str, Frozen[Id, str]]
    row_verification: Frozen[str, Verification] = Field(default_factory=FrozenDict)
    row_citations: Frozen[str, tuple[Citation, ...]] = Field(default_factory=FrozenDict)


class Retired(_Frozen):
    """A question id the rulebook no longer asks, for reading older answers files.

    ``because``: one line the user reads. ``moved_to`` + ``choice``: the yes/no answer now
    lives in that one_of/many_of question — yes becomes ``choice`` (a many_of answer gathers
    the choices of every retired id moved into it; a one_of with a "no" is asked again).
    """

    because: Text
    moved_to: Id | None = None
    choice: Annotated[str, Field(min_length=1, max_length=80)] | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> Retired:
        if (self.moved_to is None) != (self.choice is None):
            raise ValueError("give both 'moved_to' and 'choice', or neither")
        return self


class RulebookMeta(_Frozen):
    title: Text
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    jurisdiction: Text
    as_of: date
    scope: Text
    topics: tuple[Id, ...] = Field(min_length=1)
    actors: Frozen[Id, Text] = Field(min_length=1)
    phases: Frozen[Id, Text] = Field(min_length=1)
    milestones: Frozen[Id, Text] = Field(
        default_factory=dict,
        description="When in the product's life an obligation falls due: milestone id → label (e.g. at_maa: At MAA submission)",
    )
    phase_milestones: Frozen[Id, Id] = Field(
        default_factory=dict,
        description="phase id → its default milestone; an obligation's own `due` overrides it",
    )
    review_max_age_days: int | None = Field(
        default=None, ge=1, description="check warns when a source's last_reviewed is older than this many days"
    )
    retired_questions: Frozen[Id, Retired] = Field(
        default_factory=dict,
        description="question ids no longer asked → why, and where their answer moved (older answers files still load)",
    )


class TopicFile(_Frozen):
    """One ``rules/<topic>.yaml`` file."""

    title: Text
    skipped_because: Text | None = Field(
        default=None,
        description=(
            "why none of this topic's questions is asked, in plain words, when the reason derived "
            "from the questions' `when` would read badly (e.g. 'you chose the hospital exemption')"
        ),
    )
    questions: tuple[Question, ...] = ()
    determinations: tuple[Determination, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    sources: tuple[Source, ...] = ()


class SourcesFile(_Frozen):
    sources: tuple[Source, ...] = ()


class ProposalsFile(_Frozen):
    """``rules/proposals.yaml``: stakeholders' reform proposals, shown beside the law, never as law."""

    title: Text
    buckets: Frozen[Id, Text] = Field(min_length=1)
    proposals: tuple[Proposal, ...] = ()
    sources: tuple[Source, ...] = ()


class DataFile(_Frozen):
    lists: tuple[DataList, ...] = ()
    tables: tuple[DataTable, ...] = ()


class Rulebook(_Frozen):
    """The whole rulebook, loaded and checked. Build it with ``load_rulebook``."""

    meta: RulebookMeta
    questions: tuple[Question, ...]
    obligations: tuple[Obligation, ...]
    sources: tuple[Source, ...]
    lists: tuple[DataList, ...]
    tables: tuple[DataTable, ...]
    topic_of: Frozen[str, str] = Field(description="question/determination/obligation id → topic (file stem)")
    topic_titles: Frozen[str, str]
    topic_skipped_because: Frozen[str, str] = Field(
        default_factory=FrozenDict, description="topic → the author's reason it was not asked (TopicFile)"
    )
    digest: str
    locations: Frozen[str, tuple[str, int]] = Field(
        default_factory=FrozenDict, description="id → (file, line) where it is defined"
    )
    determinations: tuple[Determination, ...] = Field(default=(), description="in topic order, then file order")
    proposals: tuple[Proposal, ...] = ()
    proposal_buckets: Frozen[str, str] = Field(default_factory=FrozenDict)

    @cached_property
    def proposals_by_target(self) -> dict[str, tuple[Proposal, ...]]:
        """Obligation or question id → the reform proposals that would change it."""
        index: dict[str, list[Proposal]] = {}
        for p in self.proposals:
            for target in p.affects:
                index.setdefault(target, []).append(p)
        return FrozenDict({k: tuple(v) for k, v in index.items()})

    @cached_property
    def plan(self) -> Plan:
        """What every evaluation needs, computed once: asking order, ancestors, finding templates."""
        from .plan import Plan  # local import: plan builds on these models

        return Plan(self)

    @cached_property
    def questions_by_id(self) -> dict[str, Question]:
        return FrozenDict({q.id: q for q in self.questions})

    @cached_property
    def obligations_by_id(self) -> dict[str, Obligation]:
        return FrozenDict({o.id: o for o in self.obligations})

    @cached_property
    def determinations_by_id(self) -> dict[str, Determination]:
        return FrozenDict({d.id: d for d in self.determinations})

    @cached_property
    def sources_by_id(self) -> dict[str, Source]:
        return FrozenDict({s.id: s for s in self.sources})

    @cached_property
    def lists_by_id(self) -> dict[str, DataList]:
        return FrozenDict({lst.id: lst for lst in self.lists})

    @cached_property
    def tables_by_id(self) -> dict[str, DataTable]:
        return FrozenDict({t.id: t for t in self.tables})

    def question(self, question_id: str) -> Question:
        return self.questions_by_id[question_id]

    def obligation(self, obligation_id: str) -> Obligation:
        return self.obligations_by_id[obligation_id]

    def determination(self, determination_id: str) -> Determination:
        return self.determinations_by_id[determination_id]

    def source(self, source_id: str) -> Source:
        return self.sources_by_id[source_id]

    def list_items(self, list_id: str) -> dict[str, str]:
        return self.lists_by_id[list_id].items

    def table(self, table_id: str) -> DataTable:
        return self.tables_by_id[table_id]

    def choices(self, question: Question) -> dict[str, str]:
        """The choice ids and labels of a question (its own or its shared list's)."""
        if question.choices is not None:
            return question.choices
        if question.choices_from is not None:
            return self.list_items(question.choices_from)
        return {}

    def area_of(self, obligation: Obligation) -> str:
        return obligation.area or self.topic_of[obligation.id]
