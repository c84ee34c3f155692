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
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .answers import MAX_ANSWERS_BYTES, AnswersFile, dump_answers, parse_answers
from .engine import next_question, pending_questions
from .errors import AnswersError
from .models import LEGAL_STATUSES, AnswerValue, Rulebook
from .outcome import Finding, Outcome

__all__ = [
    "MAX_TOKEN_CHARS",
    "FindingGroup",
    "OutcomeDiff",
    "ReviewRow",
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
    "needs_confirmation",
    "progress",
    "review_rows",
    "status_badge",
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


def answered_path(book: Rulebook, answers: Mapping[str, AnswerValue]) -> list[str]:
    """The questions the wizard asks, in order, as far as ``answers`` reach.

    Replays the engine, so the path (and the Back button built on it) can never
    disagree with the answers: an answer the engine no longer needs is not on it.
    """
    path: list[str] = []
    known: dict[str, AnswerValue] = {}
    while (question := next_question(book, known)) is not None and question.id in answers:
        known[question.id] = answers[question.id]
        path.append(question.id)
    return path


def progress(book: Rulebook, answers: Mapping[str, AnswerValue]) -> tuple[int, int]:
    """(questions answered on the current path, questions likely still to come).

    >>> from atmp_pathways.loader import load_rulebook
    >>> progress(load_rulebook("tests/fixtures/toy_rules"), {"uses_widgets": True})
    (1, 3)
    """
    return len(answered_path(book, answers)), len(pending_questions(book, answers))


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
