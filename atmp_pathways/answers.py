"""Answers files (YAML or JSON, as written by the app or a person) → validated answers.

Accepted shapes: a plain mapping ``question_id: value``, or a mapping with an
``answers`` key (the app's saved file and the JSON export), optionally with ``as_of``.

>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> parse_answers(book, b"uses_widgets: true\\nship_to: ['NO']\\n").answers
{'uses_widgets': True, 'ship_to': ['NO']}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ._yaml import YamlProblem, decode_text, parse_yaml
from .engine import validate_answers
from .errors import AnswersError
from .models import KINDS, AnswerValue, Rulebook

__all__ = ["MAX_ANSWERS_BYTES", "AnswersFile", "parse_answers", "dump_answers"]

MAX_ANSWERS_BYTES = 256 * 1024


@dataclass(frozen=True)
class AnswersFile:
    answers: dict[str, AnswerValue]
    as_of: date | None = None
    warnings: list[str] = field(default_factory=list)


def parse_answers(book: Rulebook, raw: bytes, name: str = "answers file") -> AnswersFile:
    """Parse and validate an answers file; raise ``AnswersError`` listing every problem."""
    try:
        text = decode_text(raw, MAX_ANSWERS_BYTES)
        data, _ = parse_yaml(text, name)  # JSON is YAML too, and goes through the same guards
    except YamlProblem as err:
        where = f"{name}:{err.line}" if err.line else name
        raise AnswersError([f"{where}: {err.message}" + (f" — {err.hint}" if err.hint else "")]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise AnswersError([f"{name}: expected a mapping of question ids to answers, got {type(data).__name__}"])
    as_of = None
    warnings: list[str] = []
    if "answers" in data and isinstance(data["answers"], dict):
        raw_as_of = data.get("as_of")
        if isinstance(raw_as_of, date):
            as_of = raw_as_of
        elif isinstance(raw_as_of, str):
            try:
                as_of = date.fromisoformat(raw_as_of)
            except ValueError:
                raise AnswersError([f"{name}: as_of {raw_as_of!r} is not a date (YYYY-MM-DD)"]) from None
        stamp = data.get("ruleset")
        if isinstance(stamp, dict) and stamp.get("version") not in (None, book.meta.version):
            warnings.append(
                f"The file was saved with rules version {stamp.get('version')}; these rules are {book.meta.version}."
            )
        data = data["answers"]
    answers = {str(k): _coerce(book, str(k), v) for k, v in data.items()}
    problems = validate_answers(book, answers)
    if problems:
        raise AnswersError([f"{name}: {p}" for p in problems])
    return AnswersFile(answers, as_of, warnings)


def _coerce(book: Rulebook, qid: str, value: Any) -> Any:
    """A value as read from YAML/JSON → the answer type of its question's kind (unknown ids: unchanged)."""
    q = book.questions_by_id.get(qid)
    return value if q is None else KINDS[q.kind].coerce(value)


def dump_answers(answers: dict[str, AnswerValue], as_of: date | None = None, book: Rulebook | None = None) -> str:
    """Answers as a JSON document that ``parse_answers`` reads back."""
    doc: dict[str, Any] = {}
    if book is not None:
        doc["ruleset"] = {"title": book.meta.title, "version": book.meta.version, "digest": book.digest}
    if as_of is not None:
        doc["as_of"] = as_of.isoformat()
    doc["answers"] = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in answers.items()}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
