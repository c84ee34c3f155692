"""Answers files (YAML or JSON, as written by the app or a person) → validated answers.

Accepted shapes: a plain mapping ``question_id: value``, or a mapping with an
``answers`` key (the app's saved file and the JSON export), optionally with ``as_of``.
The same answers travel in the app's URL as a share token (``encode_answers`` /
``decode_answers``), read back through the same validation.

>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> parse_answers(book, b"uses_widgets: true\\nship_to: ['NO']\\n").answers
{'uses_widgets': True, 'ship_to': ['NO']}
>>> decode_answers(book, encode_answers({"uses_widgets": True})).answers
{'uses_widgets': True}
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ._dates import as_of_problem, read_as_of
from ._quote import quote
from ._yaml import YamlProblem, decode_text, parse_yaml
from .engine import validate_answers
from .errors import SHOW_PROBLEMS, AnswersError
from .models import KINDS, AnswerValue, Rulebook

__all__ = [
    "MAX_ANSWERS_BYTES",
    "MAX_TOKEN_CHARS",
    "SHOW_LINK_PROBLEMS",
    "AnswersFile",
    "decode_answers",
    "dump_answers",
    "encode_answers",
    "migrate_answers",
    "parse_answers",
]

MAX_ANSWERS_BYTES = 256 * 1024
SHOW_LINK_PROBLEMS = 20
"""Problems a page shows for a link or an uploaded file, then "… and N more"."""
MAX_TOKEN_CHARS = 16_000
"""Longest share token (``?a=...``) we try to decode; longer ones are refused unread."""


@dataclass(frozen=True)
class AnswersFile:
    answers: dict[str, AnswerValue]
    as_of: date | None = None
    warnings: list[str] = field(default_factory=list)


def parse_answers(book: Rulebook, raw: bytes, name: str = "answers file", limit: int = SHOW_PROBLEMS) -> AnswersFile:
    """Parse and validate an answers file; raise ``AnswersError`` listing every problem
    (the first ``limit``, then "… and N more")."""
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
        if data.get("as_of") is not None:
            problem = as_of_problem(data["as_of"])
            as_of = read_as_of(data["as_of"])
            if problem is not None:
                warnings.append(f"The date in the {name}, {problem}, was not used; the answers were.")
        stamp = data.get("ruleset")
        if isinstance(stamp, dict) and stamp.get("version") not in (None, book.meta.version):
            warnings.append(
                f"The file was saved with rules version {quote(stamp.get('version'), 40)}; "
                f"these rules are {book.meta.version}."
            )
        data = data["answers"]
    data, moved = migrate_answers(book, {str(k): v for k, v in data.items()})
    warnings += moved
    answers = {str(k): _coerce(book, str(k), v) for k, v in data.items()}
    problems = validate_answers(book, answers, limit)
    if problems:
        raise AnswersError([f"{name}: {p}" for p in problems])
    return AnswersFile(answers, as_of, warnings)


def migrate_answers(book: Rulebook, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Answers to retired question ids (``rulebook.yaml`` ``retired_questions``) → today's ids.

    Returns the answers without the retired ids (their yes/no answers moved where the
    rulebook says, unless the file answers that question itself) and one sentence per
    retired id for the user. Pure; ids that are not retired pass unchanged.
    """
    retired = book.meta.retired_questions
    out = {k: v for k, v in data.items() if k not in retired or k in book.questions_by_id}
    given = set(out)
    notes: list[str] = []
    for old, value in data.items():
        rule = retired.get(old)
        if rule is None or old in book.questions_by_id:
            continue
        note = f"The question '{old}' is no longer asked: {rule.because}"
        target = book.questions_by_id.get(rule.moved_to or "")
        if target is None or rule.choice is None:
            notes.append(note + " Your answer to it was dropped.")
            continue
        if target.id in given:
            notes.append(note + f" Your answer to “{target.text}” is kept.")
            continue
        if target.kind == "many_of" and isinstance(value, bool):
            ticked = out.setdefault(target.id, [])
            if value and rule.choice not in ticked:
                ticked.append(rule.choice)
            notes.append(note + f" Your answer was carried over to “{target.text}” — check it on the review screen.")
        elif target.kind == "one_of" and value is True:
            out[target.id] = rule.choice
            notes.append(note + f" Your answer was carried over to “{target.text}”.")
        else:
            notes.append(note + f" It is asked again as “{target.text}”.")
    return out, notes


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
    if not inflater.eof or inflater.unused_data:  # trailing bytes: a token has one spelling
        raise unreadable
    return parse_answers(book, raw, name="link", limit=SHOW_LINK_PROBLEMS)
