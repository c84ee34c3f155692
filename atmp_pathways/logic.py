"""Three-valued evaluation of conditions: true, false, or not yet known (``None``).

A question whose own ``when`` is false is *not asked* (``NA``); tests on it are
false, except ``answered: false``, which holds. A question not yet answered is
``UNKNOWN``; tests on it are unknown.

>>> from atmp_pathways.models import Condition
>>> leaf(Condition.model_validate({"question": "q", "is": True}), UNKNOWN) is None
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from .models import AnswerValue, Condition, Rulebook

__all__ = ["LEAF_TESTS", "NA", "UNKNOWN", "Tri", "Values", "evaluate_condition", "leaf", "resolve", "undecided"]


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
    """Resolved answers (id → answer, ``NA`` or ``UNKNOWN``); once complete, ``memo``
    caches combinator results for the one evaluation that owns it (so it needs no lock)."""

    __slots__ = ("memo",)

    def __init__(self) -> None:
        super().__init__()
        self.memo: dict[int, Tri] | None = None


def resolve(book: Rulebook, answers: Mapping[str, AnswerValue]) -> Values:
    """question id → answer, NA (not asked) or UNKNOWN, in asking order."""
    values = Values()
    for q in book.plan.order:
        relevant: Tri = True if q.when is None else evaluate_condition(q.when, values)
        if relevant is False:
            values[q.id] = NA
        elif relevant is None:
            values[q.id] = UNKNOWN
        else:
            values[q.id] = answers.get(q.id, UNKNOWN)
    values.memo = {}  # values are final: conditions may now be cached
    return values


def leaf(cond: Condition, value: object) -> Tri:
    op = cond.operator
    if value is NA:
        return cond.operand is False if op == "answered" else False
    if value is UNKNOWN:
        return None
    return LEAF_TESTS[op](value, cond.operand)


def evaluate_condition(cond: Condition, values: Mapping[str, object]) -> Tri:
    if cond.question is not None:
        return leaf(cond, values.get(cond.question, UNKNOWN))
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
    found: set[str] = set()
    for child in cond.children():
        found |= undecided(child, values)
    return found
