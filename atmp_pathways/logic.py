"""Three-valued evaluation of conditions: true, false, or not yet known (``None``).

A question whose own ``when`` is false is *not asked* (``NA``); tests on it are
false, except ``answered: false``, which holds. A question not yet answered is
``UNKNOWN``; tests on it are unknown.

Determinations are resolved with the questions, each as soon as what it reads is
known (``book.plan.steps``): the first case whose ``when`` holds gives its value
(DMN's FIRST hit policy); a case that is unknown leaves it ``UNKNOWN``, waiting for
the questions that would settle that case; no case (or out of force) leaves it
``NA``. Conditions test a determination's value like a one_of answer.

>>> from atmp_pathways.models import Condition
>>> leaf(Condition.model_validate({"question": "q", "is": True}), UNKNOWN) is None
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from .models import UNDECIDED, AnswerValue, Condition, Determination, Rulebook

__all__ = [
    "LEAF_TESTS",
    "NA",
    "UNKNOWN",
    "Tri",
    "Values",
    "answer_key",
    "evaluate_condition",
    "frozen",
    "leaf",
    "leaf_undecided",
    "resolve",
    "undecided",
]


class _NA:
    """A question that is not asked: its `when` is false."""

    def __repr__(self) -> str:
        return "not asked"


class _Unknown:
    def __repr__(self) -> str:
        return "not answered yet"


NA = _NA()
UNKNOWN = _Unknown()
Tri = bool | None


def _includes(value: object, operand: object) -> bool:
    wanted = (operand,) if isinstance(operand, str) else operand
    return isinstance(value, list) and isinstance(wanted, tuple) and any(w in value for w in wanted)


def _before(value: object, operand: object) -> bool:
    return isinstance(value, date) and isinstance(operand, date) and value < operand


def _on_or_after(value: object, operand: object) -> bool:
    return isinstance(value, date) and isinstance(operand, date) and value >= operand


#: operator → test of a given answer against the rule's operand (one per ``models.OPERATORS``).
LEAF_TESTS: dict[str, Callable[[object, object], bool]] = {
    "is": lambda value, operand: value == operand and type(value) is type(operand),
    "in": lambda value, operand: isinstance(operand, tuple) and value in operand,
    "includes": _includes,
    "answered": lambda value, operand: bool(operand),
    "before": _before,
    "on_or_after": _on_or_after,
}


class Values(dict[str, object]):
    """Resolved answers and determinations (id → answer or value, ``NA`` or ``UNKNOWN``).

    Once complete, ``memo`` caches combinator results for the one evaluation that
    owns it (so it needs no lock). ``case`` gives, per determination, the index of
    the case that decided it (or is still open); ``waiting`` the questions that
    would settle an undetermined one; ``undecided`` the asked questions answered
    "not decided yet" (their value is ``UNKNOWN``).
    """

    __slots__ = ("case", "memo", "undecided", "waiting")

    def __init__(self) -> None:
        super().__init__()
        self.memo: dict[int, Tri] | None = None
        self.case: dict[str, int | None] = {}
        self.waiting: dict[str, frozenset[str]] = {}
        self.undecided: set[str] = set()


def resolve(book: Rulebook, answers: Mapping[str, AnswerValue], as_of: date | None = None) -> Values:
    """question id → answer, NA (not asked) or UNKNOWN; determination id → value, NA or UNKNOWN.

    ``as_of`` (default: the rulebook's review date) matters only to determinations
    and cases with a validity window. A "not decided yet" answer (``UNDECIDED`` on a
    question that offers it) is ``UNKNOWN`` to every test but ``answered``, for which
    it is an answer (and it is not asked again).
    """
    values = Values()
    day = as_of or book.meta.as_of
    for step in book.plan.steps:
        if isinstance(step, Determination):
            _determine(step, values, day)
            continue
        relevant: Tri = True if step.when is None else evaluate_condition(step.when, values)
        if relevant is False:
            values[step.id] = NA
        elif relevant is None:
            values[step.id] = UNKNOWN
        else:
            value = answers.get(step.id, UNKNOWN)
            if step.undecided is not None and value == UNDECIDED:
                values.undecided.add(step.id)
                value = UNKNOWN
            values[step.id] = value
    values.memo = {}  # values are final: conditions may now be cached
    return values


_SETTLED: frozenset[str] = frozenset()


def _determine(d: Determination, values: Values, day: date) -> None:
    """First hit: the first case in force whose `when` holds; an unknown case stops the search."""
    values[d.id], values.case[d.id], values.waiting[d.id] = NA, None, _SETTLED
    if d.for_each is not None and values.get(d.for_each.question) is UNKNOWN:
        values[d.id], values.waiting[d.id] = UNKNOWN, frozenset({d.for_each.question})
        return
    if not d.in_force(day):
        return
    for j, case in enumerate(d.cases):
        if not case.in_force(day):
            continue
        holds = True if case.when is None else evaluate_condition(case.when, values)
        if holds is False:
            continue
        values.case[d.id] = j
        if holds is None:
            assert case.when is not None
            values[d.id], values.waiting[d.id] = UNKNOWN, frozenset(undecided(case.when, values))
        else:
            values[d.id] = case.value
        return


def frozen(value: object) -> object:
    """A hashable form of an answer or resolved value, for cache keys (a list becomes a tuple)."""
    return tuple(value) if isinstance(value, list) else value


def answer_key(question_id: str, value: object) -> tuple[object, ...]:
    """A hashable, exact key for one answer (``True`` and ``1``, lists and tuples stay apart)."""
    return (question_id, type(value), frozen(value))


def answers_key(answers: Mapping[str, object]) -> frozenset[tuple[object, ...]]:
    """A hashable, exact key for a whole answer set (``answer_key`` of each answer)."""
    return frozenset(answer_key(qid, value) for qid, value in answers.items())


def leaf_undecided(cond: Condition) -> Tri:
    """A leaf on a question answered "not decided yet": an answer to ``answered``, unknown to every other test."""
    return bool(cond.operand) if cond.operator == "answered" else None


def leaf(cond: Condition, value: object) -> Tri:
    op = cond.operator
    if value is NA:
        return cond.operand is False if op == "answered" else False
    if value is UNKNOWN:
        return None
    return LEAF_TESTS[op](value, cond.operand)


def evaluate_condition(cond: Condition, values: Mapping[str, object]) -> Tri:
    if cond.question is not None:
        value = values.get(cond.question, UNKNOWN)
        if value is UNKNOWN and isinstance(values, Values) and cond.question in values.undecided:
            return leaf_undecided(cond)
        return leaf(cond, value)
    if cond.determination is not None:
        return leaf(cond, values.get(cond.determination, UNKNOWN))
    memo = values.memo if isinstance(values, Values) else None
    if memo is None:
        return _tree(cond, values)
    key = id(cond)  # per-evaluation memo: the rulebook (and so the condition) outlives it
    if key not in memo:
        memo[key] = _tree(cond, values)
    return memo[key]


def _tree(cond: Condition, values: Mapping[str, object]) -> Tri:
    if cond.not_ is not None:
        inner = evaluate_condition(cond.not_, values)
        return None if inner is None else not inner
    results = [evaluate_condition(c, values) for c in cond.children()]
    if cond.all is not None:
        return False if False in results else (None if None in results else True)
    return True if True in results else (None if None in results else False)


def undecided(cond: Condition, values: Mapping[str, object]) -> set[str]:
    """Questions whose answers could still decide ``cond`` (only in undecided branches)."""
    if evaluate_condition(cond, values) is not None:
        return set()
    if cond.question is not None:
        return {cond.question}
    if cond.determination is not None:
        waiting = values.waiting if isinstance(values, Values) else {}
        return set(waiting.get(cond.determination, ()))
    found: set[str] = set()
    for child in cond.children():
        found |= undecided(child, values)
    return found
