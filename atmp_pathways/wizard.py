"""The wizard's screen logic, without a UI: asked path, progress, review rows, remembered outcomes.

Nothing here imports streamlit, so every screen decision is testable without one. A
``Wizard`` belongs to one ``Rulebook`` (the app keeps one per loaded rulebook, shared by
every session) and owns the only memos that pay for themselves on a rerun, each thread-safe:

- the asked path is a replay (``pending_questions`` on each answered prefix), so the
  pending questions are memoised in a trie — a node per answered prefix, its child keyed
  by the next answer. A rerun walks it in O(answers) and asks the engine only about the
  prefix it has not seen (usually the answer just given);
- outcomes per (answers, as-of date), so the review and results screens rerun without
  evaluating again;
- pre-selected values per (question, answers), so a question screen redraws without
  resolving its pre-fill condition again.

>>> from atmp_pathways.loader import load_rulebook
>>> wiz = Wizard(load_rulebook("tests/fixtures/toy_rules"))
>>> s = wiz.state({"uses_widgets": True})
>>> s.path, s.next_question.id, s.progress
(('uses_widgets',), 'widget_count_large', (1, 3))
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ._memo import Memo
from .engine import evaluate, pending_questions
from .logic import answer_key, answers_key, evaluate_condition, resolve
from .models import KINDS, AnswerValue, Prefill, Question, Rulebook
from .outcome import Outcome
from .present import answer_label, question_text
from .progress import JourneyCounter

__all__ = ["Progress", "ReviewRow", "Wizard", "WizardState", "needs_confirmation", "prefill", "review_rows"]

_TRIE_NODES = 50_000  # then start afresh (a node is small; misses only cost time)
_FULL_ENTRIES = 512  # pending questions for whole answer sets that are not a plain path
_OUTCOMES = 32  # outcomes kept (each answer set × date shown recently)
_PREFILLS = 256  # pre-selected values kept (question × answers on screen recently)

_Key = frozenset[tuple[Any, ...]]


@dataclass
class _Node:
    pending: tuple[Question, ...]
    children: dict[tuple[Any, ...], _Node]


@dataclass(frozen=True)
class WizardState:
    """What one rerun of the wizard needs, derived once from the answers.

    ``path``: the questions the wizard asks, in order, as far as the answers reach;
    ``pending``: unanswered questions still to ask (``engine.pending_questions``).
    """

    path: tuple[str, ...]
    pending: tuple[Question, ...]

    @property
    def next_question(self) -> Question | None:
        return self.pending[0] if self.pending else None

    @property
    def progress(self) -> tuple[int, int]:
        """(questions answered on the path, questions likely still to come)."""
        return len(self.path), len(self.pending)


@dataclass(frozen=True)
class Progress:
    """Where the user is: question ``number``, in a journey of ``fewest``–``most`` questions."""

    number: int
    fewest: int
    most: int

    @property
    def text(self) -> str:
        """ "Question N of …": the range narrows as answers come in, and never moves back.

        >>> Progress(3, 12, 20).text
        'Question 3 · journeys like yours take 12–20 questions, depending on your answers'
        >>> Progress(5, 9, 9).text
        'Question 5 of 9'
        """
        if self.fewest == self.most:
            return f"Question {self.number} of {self.most}"
        return f"Question {self.number} · journeys like yours take {self.fewest}–{self.most} questions, depending on your answers"

    @property
    def fraction(self) -> float:
        """Answered against the longest journey still possible, so the bar only moves forward."""
        return min((self.number - 1) / max(self.most, 1), 1.0)


class Wizard:
    """One rulebook's wizard logic and memos; safe to share between sessions (threads)."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self._lock = threading.Lock()
        self._root: _Node | None = None
        self._nodes = 0
        self._full: Memo[_Key, tuple[Question, ...]] = Memo(_FULL_ENTRIES)
        self._outcomes: Memo[tuple[_Key, date], Outcome] = Memo(_OUTCOMES)
        self._prefills: Memo[tuple[str, _Key], tuple[AnswerValue, Prefill] | None] = Memo(_PREFILLS)
        self.journeys = JourneyCounter(book)

    def state(self, answers: Mapping[str, AnswerValue]) -> WizardState:
        """The path and the pending questions for ``answers``."""
        path, pending = self._walk(answers)
        if pending is None:  # some answers are off the path (kept, not used): ask about all of them
            pending = self._pending_full(answers)
        return WizardState(path, pending)

    def progress(self, answers: Mapping[str, AnswerValue], derived: WizardState, *, known: bool = False) -> Progress:
        """The question number and the journey's length range (``progress.JourneyCounter``).

        ``known``: without counting anything new (no engine call), the range already known for
        these answers or a looser one that still holds — shown at once, then narrowed.
        """
        if not derived.pending:  # the journey is over: its length is known
            return Progress(len(derived.path) + 1, len(derived.path), len(derived.path))
        path = [(qid, answers[qid]) for qid in derived.path]
        lo, hi = self.journeys.known_total(path) if known else self.journeys.total(path)
        return Progress(len(derived.path) + 1, lo, hi)

    def path(self, answers: Mapping[str, AnswerValue]) -> list[str]:
        """The questions the wizard asks, in order, as far as ``answers`` reach.

        A replay of the engine, so the path (and the Back button built on it) never
        disagrees with the answers: an answer the engine no longer needs is not on it.
        """
        return list(self._walk(answers)[0])

    def outcome(self, answers: Mapping[str, AnswerValue], as_of: date) -> Outcome:
        """``evaluate(book, answers, as_of)``, remembered for recent (answers, date) pairs."""
        return self._outcomes.get((answers_key(answers), as_of), lambda: evaluate(self.book, answers, as_of))

    def prefill(self, question: Question, answers: Mapping[str, AnswerValue]) -> tuple[AnswerValue, Prefill] | None:
        """``prefill(book, question, answers)``, remembered (a question screen reruns on every click)."""
        if question.prefill is None or question.id in answers:
            return None
        return self._prefills.get((question.id, answers_key(answers)), lambda: prefill(self.book, question, answers))

    def _pending(self, answers: Mapping[str, AnswerValue]) -> tuple[Question, ...]:
        return tuple(pending_questions(self.book, answers))

    def _walk(self, answers: Mapping[str, AnswerValue]) -> tuple[tuple[str, ...], tuple[Question, ...] | None]:
        """The replayed path, and the pending questions if every answer is on it (else None)."""
        node = self._root
        if node is None:
            node = _Node(self._pending({}), {})
            with self._lock:
                self._root = self._root or node
                node = self._root
        known: dict[str, AnswerValue] = {}
        path: list[str] = []
        while node.pending and (qid := node.pending[0].id) in answers:
            value = answers[qid]
            known[qid] = value
            path.append(qid)
            key = answer_key(qid, value)
            child = node.children.get(key)
            if child is None:
                child = _Node(self._pending(known), {})  # raises AnswersError for a bad answer
                with self._lock:
                    if self._nodes >= _TRIE_NODES:
                        self._root, self._nodes = None, 0  # drop the old trie; this branch lives on
                    child = node.children.setdefault(key, child)
                    self._nodes += 1
            node = child
        return tuple(path), (node.pending if len(known) == len(answers) else None)

    def _pending_full(self, answers: Mapping[str, AnswerValue]) -> tuple[Question, ...]:
        return self._full.get(answers_key(answers), lambda: self._pending(answers))


@dataclass(frozen=True)
class ReviewRow:
    question_id: str
    question: str
    answer: str
    used: bool


def review_rows(book: Rulebook, answers: Mapping[str, AnswerValue], outcome: Outcome) -> list[ReviewRow]:
    """Every stored answer in rulebook order; ``used`` is False when the engine ignores it.

    >>> from atmp_pathways.engine import evaluate
    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> answers = {"uses_widgets": False, "widget_colour": "red"}
    >>> [(r.question_id, r.answer, r.used) for r in review_rows(book, answers, evaluate(book, answers))]
    [('uses_widgets', 'No', True), ('widget_colour', 'Red', False)]
    """
    ignored = set(outcome.ignored_answers)
    rank = {q.id: i for i, q in enumerate(book.questions)}
    return [
        ReviewRow(qid, question_text(book, qid), answer_label(book, qid, answers[qid]), qid not in ignored)
        for qid in sorted(answers, key=lambda q: rank.get(q, len(rank)))
    ]


def prefill(
    book: Rulebook, question: Question, answers: Mapping[str, AnswerValue]
) -> tuple[AnswerValue, Prefill] | None:
    """The value to pre-select for ``question`` and why, or None (pure: stores nothing).

    None when the question is answered (a stored answer always wins), has no ``prefill``,
    or its condition does not hold (yet) on ``answers``.

    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> prefill(book, book.questions_by_id["uses_widgets"], {}) is None  # it has no prefill
    True
    """
    rule = question.prefill
    if rule is None or question.id in answers:
        return None
    if evaluate_condition(rule.when, resolve(book, answers)) is not True:
        return None
    raw = list(rule.value) if isinstance(rule.value, tuple) else rule.value
    value = KINDS[question.kind].coerce(raw)
    return value, rule  # type: ignore[return-value]  # checked at load to fit the kind


def needs_confirmation(answers: Mapping[str, AnswerValue]) -> bool:
    """Whether clearing the answers would lose anything the user typed.

    >>> needs_confirmation({}), needs_confirmation({"a": True})
    (False, True)
    """
    return bool(answers)
