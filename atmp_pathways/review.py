"""Pure helpers for the wizard screens: paths, review rows, labels, diffs, share tokens.

Nothing here imports streamlit, so every screen decision is testable without a UI.

>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> answers = {"uses_widgets": True, "widget_count_large": False}
>>> answered_path(book, answers)
['uses_widgets', 'widget_count_large']
>>> answer_label(book, "uses_widgets", True)
'Yes'
>>> decode_answers(book, encode_answers(answers)).answers == answers
True
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .answers import MAX_ANSWERS_BYTES, AnswersFile, dump_answers, parse_answers
from .engine import evaluate, pending_questions
from .errors import AnswersError
from .models import LEGAL_STATUSES, AnswerValue, Question, Rulebook
from .outcome import Finding, Outcome

__all__ = [
    "MAX_TOKEN_CHARS",
    "FindingGroup",
    "OutcomeDiff",
    "ReviewRow",
    "WizardState",
    "answer_label",
    "answered_path",
    "area_title",
    "change_dates",
    "decode_answers",
    "diff_outcomes",
    "encode_answers",
    "escape_markdown",
    "group_findings",
    "item_tables",
    "markdown_link",
    "markdown_table",
    "needs_confirmation",
    "outcome_for",
    "progress",
    "review_rows",
    "status_badge",
    "wizard_state",
]

MAX_TOKEN_CHARS = 16_000
"""Longest share token (``?a=...``) we try to decode; longer ones are refused unread."""

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&])")


def escape_markdown(text: str) -> str:
    """Escape text so Markdown renders it literally (no links, HTML, maths or colour tags).

    >>> escape_markdown("[click](javascript:alert(1)) <b>x</b> $1")
    '\\\\[click\\\\]\\\\(javascript\\\\:alert\\\\(1\\\\)\\\\) \\\\<b\\\\>x\\\\</b\\\\> \\\\$1'
    >>> escape_markdown("line one\\nline two")
    'line one  \\nline two'
    """
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\r", "").replace("\n", "  \n")


def markdown_link(text: str, url: str) -> str:
    """A Markdown link with escaped text; only https URLs become links.

    >>> markdown_link("Act (2020)", "https://example.org/a_(b)")
    '[Act \\\\(2020\\\\)](https://example.org/a_%28b%29)'
    >>> markdown_link("x", "javascript:alert(1)")
    'x'
    """
    if not re.fullmatch(r"https://[^\s<>\"]+", url):
        return escape_markdown(text)
    safe = url.replace("(", "%28").replace(")", "%29")
    return f"[{escape_markdown(text)}]({safe})"


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table with every cell escaped; a line break in a cell becomes a space.

    Cheaper to draw than ``st.table`` (no DataFrame, no Arrow) and renders the same text.

    >>> print(markdown_table(["Detail", "Value"], [["Fee", "100 | 200"], ["Note", "a\\nb"]]))
    | Detail | Value |
    | --- | --- |
    | Fee | 100 \\| 200 |
    | Note | a b |
    """

    def cell(text: str) -> str:
        return escape_markdown(" ".join(text.splitlines()))

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def answer_label(book: Rulebook, question_id: str, value: AnswerValue) -> str:
    """The answer as the user saw it: choice labels, Yes/No, ISO dates.

    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> answer_label(book, "ship_to", ["NO", "SE"]), answer_label(book, "ship_to", [])
    ('Norway, Sweden', 'None of these')
    """
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    question = book.questions_by_id.get(question_id)
    choices = book.choices(question) if question is not None else {}
    if isinstance(value, list):
        return ", ".join(choices.get(v, v) for v in value) or "None of these"
    return choices.get(value, value)


# The engine is pure, so ``pending_questions`` is memoised on an immutable snapshot of the
# answers it is given. The wizard's path is a replay (``pending_questions`` on each answered
# prefix), so the memo is a trie: a node per answered prefix, its child keyed by the next
# answer. A rerun walks the trie in O(answers) and asks the engine only about prefixes it has
# not seen (usually one: the answer just given), instead of once per answer on every rerun.
_TRIE_NODES = 50_000  # then start afresh (a node is small; misses only cost time)
_FULL_ENTRIES = 512  # pending questions for whole answer sets that are not a plain path


@dataclass
class _Node:
    pending: tuple[Question, ...]
    children: dict[tuple[Any, ...], _Node]


@dataclass
class _Memo:
    book: Rulebook
    root: _Node | None = None
    nodes: int = 0
    full: OrderedDict[frozenset[tuple[Any, ...]], tuple[Question, ...]] = field(default_factory=OrderedDict)
    outcomes: OrderedDict[tuple[frozenset[tuple[Any, ...]], date], Outcome] = field(default_factory=OrderedDict)


_MEMOS: dict[int, _Memo] = {}
_MEMO_LOCK = threading.Lock()


def _memo(book: Rulebook) -> _Memo:
    hit = _MEMOS.get(id(book))
    if hit is not None and hit.book is book:
        return hit
    with _MEMO_LOCK:
        if len(_MEMOS) >= 16:
            _MEMOS.clear()
        made = _MEMOS[id(book)] = _Memo(book)
    return made


def _item(question_id: str, value: AnswerValue) -> tuple[Any, ...]:
    """A hashable, exact key for one answer (``True`` and ``1``, lists and tuples stay apart)."""
    return (question_id, type(value), tuple(value) if isinstance(value, list) else value)


def _pending(book: Rulebook, answers: Mapping[str, AnswerValue]) -> tuple[Question, ...]:
    return tuple(pending_questions(book, answers))


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
        return len(self.path), len(self.pending)


def wizard_state(book: Rulebook, answers: Mapping[str, AnswerValue]) -> WizardState:
    """The path and the pending questions for ``answers``, with the engine memoised.

    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> s = wizard_state(book, {"uses_widgets": True})
    >>> s.path, s.next_question.id, s.progress
    (('uses_widgets',), 'widget_count_large', (1, 3))
    """
    memo = _memo(book)
    path, pending = _walk_path(book, memo, answers)
    if pending is None:  # some answers are off the path (kept, not used): ask about all of them
        pending = _pending_full(book, memo, answers)
    return WizardState(path, pending)


def _walk_path(
    book: Rulebook, memo: _Memo, answers: Mapping[str, AnswerValue]
) -> tuple[tuple[str, ...], tuple[Question, ...] | None]:
    """The replayed path, and the pending questions if every answer is on it (else None)."""
    node = memo.root
    if node is None:
        node = memo.root = _Node(_pending(book, {}), {})
    known: dict[str, AnswerValue] = {}
    path: list[str] = []
    while node.pending and (qid := node.pending[0].id) in answers:
        value = answers[qid]
        known[qid] = value
        path.append(qid)
        key = _item(qid, value)
        child = node.children.get(key)
        if child is None:
            child = _Node(_pending(book, known), {})  # raises AnswersError for a bad answer
            with _MEMO_LOCK:
                if memo.nodes >= _TRIE_NODES:
                    memo.root, memo.nodes = None, 0  # drop the old trie; this branch lives on
                node.children[key] = child
                memo.nodes += 1
        node = child
    return tuple(path), (node.pending if len(known) == len(answers) else None)


def _pending_full(book: Rulebook, memo: _Memo, answers: Mapping[str, AnswerValue]) -> tuple[Question, ...]:
    """Pending questions for answers that include some off the path (kept, not used)."""
    full = memo.full
    key = frozenset(_item(qid, value) for qid, value in answers.items())
    hit = full.get(key)
    if hit is not None:
        with _MEMO_LOCK:
            if key in full:
                full.move_to_end(key)
        return hit
    pending = _pending(book, answers)
    with _MEMO_LOCK:
        full[key] = pending
        while len(full) > _FULL_ENTRIES:
            full.popitem(last=False)
    return pending


_OUTCOMES = 32  # outcomes kept per rulebook (each answer set × date shown recently)


def outcome_for(book: Rulebook, answers: Mapping[str, AnswerValue], as_of: date) -> Outcome:
    """``evaluate(book, answers, as_of)``, memoised on a snapshot of the answers and the date.

    A rerun of the review or results screen with the same answers reuses the outcome
    (outcomes are frozen; nothing here changes them).
    """
    memo = _memo(book)
    key = (frozenset(_item(qid, value) for qid, value in answers.items()), as_of)
    hit = memo.outcomes.get(key)
    if hit is not None:
        with _MEMO_LOCK:
            if key in memo.outcomes:
                memo.outcomes.move_to_end(key)
        return hit
    outcome = evaluate(book, answers, as_of)
    with _MEMO_LOCK:
        memo.outcomes[key] = outcome
        while len(memo.outcomes) > _OUTCOMES:
            memo.outcomes.popitem(last=False)
    return outcome


def answered_path(book: Rulebook, answers: Mapping[str, AnswerValue]) -> list[str]:
    """The questions the wizard asks, in order, as far as ``answers`` reach.

    Replays the engine (``next_question`` on each answered prefix, memoised), so the
    path (and the Back button built on it) can never disagree with the answers: an
    answer the engine no longer needs is not on it.
    """
    return list(_walk_path(book, _memo(book), answers)[0])


def progress(book: Rulebook, answers: Mapping[str, AnswerValue]) -> tuple[int, int]:
    """(questions answered on the current path, questions likely still to come).

    >>> from atmp_pathways.loader import load_rulebook
    >>> progress(load_rulebook("tests/fixtures/toy_rules"), {"uses_widgets": True})
    (1, 3)
    """
    return wizard_state(book, answers).progress


@dataclass(frozen=True)
class ReviewRow:
    question_id: str
    question: str
    answer: str
    used: bool


def review_rows(book: Rulebook, answers: Mapping[str, AnswerValue], outcome: Outcome) -> list[ReviewRow]:
    """Every stored answer in asking order; ``used`` is False when the engine ignores it.

    >>> from atmp_pathways.engine import evaluate
    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> answers = {"uses_widgets": False, "widget_colour": "red"}
    >>> [(r.question_id, r.answer, r.used) for r in review_rows(book, answers, evaluate(book, answers))]
    [('uses_widgets', 'No', True), ('widget_colour', 'Red', False)]
    """
    ignored = set(outcome.ignored_answers)
    order = [q.id for q in book.questions]
    rank = {qid: i for i, qid in enumerate(order)}
    rows = []
    for qid in sorted(answers, key=lambda q: rank.get(q, len(rank))):
        question = book.questions_by_id.get(qid)
        text = question.text if question is not None else qid
        rows.append(ReviewRow(qid, text, answer_label(book, qid, answers[qid]), qid not in ignored))
    return rows


def needs_confirmation(answers: Mapping[str, AnswerValue]) -> bool:
    """Whether clearing the answers would lose anything the user typed.

    >>> needs_confirmation({}), needs_confirmation({"a": True})
    (False, True)
    """
    return bool(answers)


def status_badge(finding: Finding) -> str:
    """A short status label: binding, applies from a date, guideline, proposal...

    >>> from atmp_pathways.engine import evaluate
    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> out = evaluate(book, {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red"})
    >>> [status_badge(f) for f in out.applicable + out.upcoming + out.horizon]
    ['Binding', 'Binding', 'Applies from 2027-01-01', 'Proposed — not law']
    """
    if finding.state == "applies_from" and finding.valid_from is not None:
        return f"Applies from {finding.valid_from.isoformat()}"
    if finding.status == "binding_law":
        return "Binding"
    if finding.status in ("proposed", "agreed_not_in_force"):
        return f"{LEGAL_STATUSES[finding.status]} — not law"
    return LEGAL_STATUSES.get(finding.status, finding.status)


def area_title(book: Rulebook, area: str) -> str:
    """A heading for an area id: its topic title, or the id in words."""
    return book.topic_titles.get(area) or area.replace("_", " ").capitalize()


@dataclass(frozen=True)
class FindingGroup:
    phase: str
    phase_title: str
    areas: tuple[tuple[str, tuple[Finding, ...]], ...]


def group_findings(book: Rulebook, findings: Iterable[Finding]) -> list[FindingGroup]:
    """Findings grouped by phase (rulebook order) then area (first-seen order).

    >>> from atmp_pathways.engine import evaluate
    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> out = evaluate(book, {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red"})
    >>> [(g.phase_title, [a for a, _ in g.areas]) for g in group_findings(book, out.applicable)]
    [('Making', ['Widgets'])]
    """
    phases = list(book.meta.phases)
    by_phase: dict[str, dict[str, list[Finding]]] = {}
    for finding in findings:
        by_phase.setdefault(finding.phase, {}).setdefault(area_title(book, finding.area), []).append(finding)
    ordered = sorted(by_phase, key=lambda p: phases.index(p) if p in phases else len(phases))
    return [
        FindingGroup(
            phase,
            book.meta.phases.get(phase, phase),
            tuple((area, tuple(items)) for area, items in by_phase[phase].items()),
        )
        for phase in ordered
    ]


def item_tables(book: Rulebook, findings: Iterable[Finding]) -> list[tuple[str, list[dict[str, str]]]]:
    """Per-item (e.g. per Member State) findings as tables: one per obligation.

    >>> from atmp_pathways.engine import evaluate
    >>> from atmp_pathways.loader import load_rulebook
    >>> book = load_rulebook("tests/fixtures/toy_rules")
    >>> out = evaluate(book, {"uses_widgets": True, "ship_to": ["NO"], "widget_count_large": False, "widget_colour": "red"})
    >>> item_tables(book, out.applicable)[0][1][0]
    {'Countries': 'Norway', 'Authority': 'Norwegian Customs', 'Deadline': '10 days', 'Status': 'National practice', 'Verification': 'confirmed'}
    """
    tables: dict[str, tuple[str, list[dict[str, str]]]] = {}
    for f in findings:
        if f.item is None:
            continue
        ob = book.obligations_by_id.get(f.obligation)
        heading, column = f.obligation, "Item"
        if ob is not None and ob.for_each is not None:
            table = book.table(ob.for_each.table)
            heading, column = table.title, book.lists_by_id[table.list].title
        row = {column: f.item_label or f.item, **f.details, "Status": status_badge(f), "Verification": f.verification}
        tables.setdefault(f.obligation, (heading, []))[1].append(row)
    return list(tables.values())


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

    >>> from datetime import date
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
    """Days after ``outcome.as_of`` on which an obligation starts, or stops, applying.

    A start is an upcoming obligation's ``valid_from``; a stop is the day after an
    applicable obligation's ``valid_to`` (so a Directive ending on 6 August and a
    Regulation starting on 7 August give one date).

    >>> from datetime import date
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


def encode_answers(answers: Mapping[str, AnswerValue]) -> str:
    """Answers as a compact URL-safe token (zlib-compressed JSON, base64url, no padding).

    >>> encode_answers({})
    ''
    """
    if not answers:
        return ""
    raw = dump_answers(dict(answers)).encode("utf-8")
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


def decode_answers(book: Rulebook, token: str) -> AnswersFile:
    """Read a share token back; raise ``AnswersError`` for anything malformed or too big.

    >>> from atmp_pathways.loader import load_rulebook
    >>> decode_answers(load_rulebook("tests/fixtures/toy_rules"), "not a token!")
    Traceback (most recent call last):
    ...
    atmp_pathways.errors.AnswersError: link: the answers in the link are not readable
    """
    if len(token) > MAX_TOKEN_CHARS:
        raise AnswersError([f"link: the answers in the link are too long (over {MAX_TOKEN_CHARS} characters)"])
    unreadable = AnswersError(["link: the answers in the link are not readable"])
    token = token.rstrip("=")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise unreadable
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_ANSWERS_BYTES + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise unreadable from None
    if len(raw) > MAX_ANSWERS_BYTES or inflater.unconsumed_tail:
        raise AnswersError(["link: the answers in the link are too big"])
    if not inflater.eof:
        raise unreadable
    return parse_answers(book, raw, name="link")
