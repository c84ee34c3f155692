"""How many questions a journey takes: the shortest and longest paths through the question graph.

The wizard's question path is a replay of ``pending_questions``: the next question is the
first pending one, and each answer decides what is pending next. So the questions still to
come, given the answers so far, are a tree: one branch per answer that can make a difference.
This module walks that tree and returns the fewest and the most questions any journey from
here can take. Because every later journey is one of the journeys counted now, the range
only narrows as answers are added (the lower bound never falls, the upper bound never rises),
and the final count always lies inside every range shown on the way.

Answers are grouped into *classes*: two answers to a question are in one class when every
condition leaf on that question (in obligations' ``when``/``unless`` and questions' ``when``)
judges them alike, so the engine cannot tell them apart. The walk visits one representative
per class, which keeps it small (a 30-country list with one ``includes`` leaf has two classes:
"includes one of those" and "does not").

>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> counter = JourneyCounter(book)
>>> lo, hi = counter.total([])
>>> 1 <= lo <= hi <= len(book.questions)
True
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import date, timedelta

from ._memo import Memo
from .engine import _state, pending_questions
from .logic import NA, answer_key, answers_key, leaf, leaf_undecided, resolve
from .models import UNDECIDED, AnswerValue, Condition, Question, Rulebook

__all__ = ["JourneyCounter"]

_BUDGET = 40  # engine calls (~3 ms each on the shipped rules) for one fewest-questions search
_MAX_GROUPS = 10  # many_of choices grouped by how the leaves judge them; 2**10 unions at most
_Signature = tuple[object, ...]
_MEMO_ENTRIES = 50_000  # answers and answered paths remembered (then start afresh)


def _leaves(cond: Condition | None, out: dict[str, list[Condition]]) -> None:
    if cond is None:
        return
    if cond.question is not None:
        out.setdefault(cond.question, []).append(cond)
        return
    for child in cond.children():
        _leaves(child, out)
    if cond.not_ is not None:
        _leaves(cond.not_, out)


class JourneyCounter:
    """Shortest and longest journeys through one rulebook's questions, memoised per answer classes.

    Safe to share between threads: the memos are ``_memo.Memo`` (bounded, locked), and a count
    is single-flight — sessions that ask for the same new answers at once (one server, many
    users) wait for the one thread counting them instead of each counting them again.
    """

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        leaves: dict[str, list[Condition]] = {}
        for ob in book.obligations:
            _leaves(ob.when, leaves)
            _leaves(ob.unless, leaves)
        for q in book.questions:
            _leaves(q.when, leaves)
        self._leaves = leaves
        self._classes: dict[str, list[AnswerValue]] = {}
        # Fewest and most questions to come per answer classes, each counted by one thread
        # (``_memo.Memo`` is single-flight: sessions on the same screen wait for one count).
        self._memo: Memo[frozenset[tuple[str, _Signature]], int | None] = Memo(_MEMO_ENTRIES)
        self._most: Memo[frozenset[tuple[str, _Signature]], int] = Memo(_MEMO_ENTRIES)
        # Per answer: its signature; per answered path: the running (lo, hi) of ``total``. A rerun
        # then costs one new answer's work, not every leaf of every answer on every prefix again.
        self._signatures: Memo[tuple[object, ...], _Signature] = Memo(_MEMO_ENTRIES)
        self._totals: Memo[tuple[tuple[object, ...], ...], tuple[int, int]] = Memo(_MEMO_ENTRIES)
        # Pending questions per exact answer set seen by the fewest-questions search: the next
        # answer's search walks the subtree the previous one already walked (its budget still
        # counts every call, remembered or not, so the result never depends on what was seen).
        self._pending: Memo[frozenset[tuple[object, ...]], tuple[Question, ...]] = Memo(_MEMO_ENTRIES)

    def signature(self, question_id: str, value: object) -> _Signature:
        """How every leaf on the question judges ``value`` (equal signatures: same journey)."""
        return self._signatures.get(answer_key(question_id, value), lambda: self._signature(question_id, value))

    def _signature(self, question_id: str, value: object) -> _Signature:
        q = self.book.questions_by_id.get(question_id)
        if q is not None and q.undecided is not None and value == UNDECIDED:  # as ``logic.evaluate_condition``
            return tuple(leaf_undecided(c) for c in self._leaves.get(question_id, ()))
        return tuple(leaf(c, value) for c in self._leaves.get(question_id, ()))

    def classes(self, question: Question) -> list[AnswerValue]:
        """One representative answer per class of ``question``'s answers."""
        found = self._classes.get(question.id)
        if found is None:
            found = self._dedupe(question.id, self._candidates(question))
            self._classes[question.id] = found
        return found

    def _dedupe(self, question_id: str, candidates: Iterator[AnswerValue]) -> list[AnswerValue]:
        seen: dict[_Signature, AnswerValue] = {}
        for value in candidates:
            seen.setdefault(self.signature(question_id, value), value)
        return list(seen.values())

    def _candidates(self, question: Question) -> Iterator[AnswerValue]:
        if question.undecided is not None:
            yield UNDECIDED
        if question.kind == "yes_no":
            yield from (True, False)
        elif question.kind == "one_of":
            yield from self.book.choices(question)
        elif question.kind == "many_of":
            groups: dict[_Signature, str] = {}
            for choice in self.book.choices(question):
                groups.setdefault(self.signature(question.id, [choice]), choice)
            reps = list(groups.values())
            if len(reps) > _MAX_GROUPS:  # too many to combine: each alone, none, and all
                yield []
                yield from ([r] for r in reps)
                yield reps
                return
            for size in range(len(reps) + 1):
                yield from (list(combo) for combo in itertools.combinations(reps, size))
        else:  # a date: each threshold any leaf tests, and the day before it
            cuts = {c.before or c.on_or_after for c in self._leaves.get(question.id, ())} - {None}
            days = [
                d for cut in sorted(cut for cut in cuts if isinstance(cut, date)) for d in (cut - timedelta(1), cut)
            ]
            yield from days or [date(2000, 1, 1)]

    def _key(self, answers: Mapping[str, AnswerValue]) -> frozenset[tuple[str, _Signature]]:
        return frozenset((qid, self.signature(qid, value)) for qid, value in answers.items())

    def most(self, answers: Mapping[str, AnswerValue]) -> int:
        """An upper bound on the questions still to come: every unanswered question that some
        way of answering could still ask (not ruled out by its ``when``, and an ancestor of a
        question an undecided obligation waits for). Adding an answer never grows this set."""
        return self._most.get(self._key(answers), lambda: self._count_most(answers))

    def _count_most(self, answers: Mapping[str, AnswerValue]) -> int:
        values = resolve(self.book, answers)
        waiting: set[str] = set()
        for ob in self.book.obligations:
            state, qs = _state(ob, values)
            if state is None:
                waiting |= qs
        needed = self.book.plan.with_ancestors(waiting)
        return sum(1 for q in needed if q not in answers and values.get(q) is not NA)

    def fewest(self, answers: Mapping[str, AnswerValue]) -> int | None:
        """The fewest questions still to come over every way of answering them, or None when
        finding out would take more than a budget of engine calls (then use a weaker bound)."""
        return self._memo.get(self._key(answers), lambda: self._count_fewest(answers))

    def _count_fewest(self, answers: Mapping[str, AnswerValue]) -> int | None:
        budget = [_BUDGET]
        depth = 0
        found: int | None = None
        while found is None and budget[0] > 0:
            if self._within(dict(answers), depth, budget):
                found = depth
            depth += 1
        return found

    def _within(self, answers: dict[str, AnswerValue], depth: int, budget: list[int]) -> bool:
        """Whether some way of answering ends the journey within ``depth`` more questions."""
        budget[0] -= 1
        if budget[0] < 0:
            return False
        pending = self._pending_questions(answers)
        if not pending:
            return True
        if depth == 0:
            return False
        question = pending[0]
        return any(self._within({**answers, question.id: value}, depth - 1, budget) for value in self.classes(question))

    def _pending_questions(self, answers: Mapping[str, AnswerValue]) -> tuple[Question, ...]:
        return self._pending.get(answers_key(answers), lambda: tuple(pending_questions(self.book, answers)))

    def known_total(self, path: list[tuple[str, AnswerValue]]) -> tuple[int, int]:
        """``total(path)`` if already counted, else the range of its longest counted prefix (looser,
        never wrong: it holds for every continuation of that prefix), with no engine call."""
        keys = tuple(answer_key(qid, value) for qid, value in path)
        for i in range(len(path), -1, -1):
            hit = self._totals.peek(keys[:i])
            if hit is not None:
                return hit[0], max(hit)
        return 1, len(self.book.questions)

    def total(self, path: list[tuple[str, AnswerValue]]) -> tuple[int, int]:
        """(fewest, most) questions of a whole journey that starts with the answered ``path``.

        Each prefix of the path gives bounds that hold for all of its continuations, this
        journey among them; the tightest of them is kept, so the range only narrows.
        """
        keys = tuple(answer_key(qid, value) for qid, value in path)
        lo, hi = 1, len(self.book.questions)
        start = 0
        for i in range(len(path), -1, -1):  # the longest prefix already counted (usually all but the last answer)
            hit = self._totals.peek(keys[:i])
            if hit is not None:
                (lo, hi), start = hit, i + 1
                break
        answers: dict[str, AnswerValue] = dict(path[: max(start - 1, 0)])
        for i in range(start, len(path) + 1):
            if i:
                answers[path[i - 1][0]] = path[i - 1][1]
            fewest = self.fewest(answers)
            lo = max(lo, i + (fewest if fewest is not None else min(1, self.most(answers))))
            hi = min(hi, i + self.most(answers))
            self._totals.put(keys[:i], (lo, hi))
        return lo, max(lo, hi)
