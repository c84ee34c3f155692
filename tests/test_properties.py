"""Property-based tests (hypothesis) of the engine, the loader and the answers reader.

On the toy rulebook and on small generated rulebooks: any valid answers never
make the engine raise; the wizard always ends within one step per question,
only asks questions whose own `when` holds, and ends with nothing
undetermined; the outcome does not depend on the order answers were given.
Randomly broken rule folders and answers files raise only our own errors.
"""

from __future__ import annotations

import atexit
import random
import shutil
import tempfile
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atmp_pathways import (
    AnswersError,
    Condition,
    Question,
    Rulebook,
    RulebookError,
    evaluate,
    load_rulebook,
    next_question,
    parse_answers,
    pending_questions,
)

from .generate import generate_rules
from .paths import TOY

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_KEEP = Path(tempfile.mkdtemp(prefix="atmp-props-"))
atexit.register(shutil.rmtree, _KEEP, ignore_errors=True)


@lru_cache(maxsize=1)
def _toy() -> Rulebook:
    return load_rulebook(TOY)


@lru_cache(maxsize=32)
def _generated(seed: int, size: int) -> Rulebook:
    root = _KEEP / f"g{seed}_{size}"
    if not root.exists():
        generate_rules(root, size, seed=seed)
    return load_rulebook(root)


books = st.one_of(
    st.just(("toy", 0, 0)),
    st.tuples(st.just("generated"), st.integers(0, 11), st.sampled_from([10, 24, 40])),
)


def _book(spec: tuple[str, int, int]) -> Rulebook:
    return _toy() if spec[0] == "toy" else _generated(spec[1], spec[2])


def answer_for(book: Rulebook, q: Question) -> st.SearchStrategy[Any]:
    if q.kind == "yes_no":
        return st.booleans()
    if q.kind == "one_of":
        return st.sampled_from(sorted(book.choices(q)))
    if q.kind == "many_of":
        return st.lists(st.sampled_from(sorted(book.choices(q))), unique=True, max_size=4)
    return st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@st.composite
def book_and_answers(draw: st.DrawFn) -> tuple[Rulebook, dict[str, Any]]:
    """A rulebook and valid answers to a random subset of its questions (relevant or not)."""
    book = _book(draw(books))
    chosen = draw(st.lists(st.sampled_from([q.id for q in book.questions]), unique=True))
    return book, {qid: draw(answer_for(book, book.question(qid))) for qid in chosen}


# An independent three-valued reading of the documented semantics, used as the oracle.
NA, UNKNOWN = object(), object()


def _value(book: Rulebook, answers: dict[str, Any], qid: str) -> object:
    q = book.question(qid)
    asked = True if q.when is None else _holds(book, answers, q.when)
    if asked is False:
        return NA
    if asked is None:
        return UNKNOWN
    return answers.get(qid, UNKNOWN)


def _holds(book: Rulebook, answers: dict[str, Any], cond: Condition) -> bool | None:
    if cond.question is None:
        if cond.not_ is not None:
            inner = _holds(book, answers, cond.not_)
            return None if inner is None else not inner
        results = [_holds(book, answers, c) for c in cond.children()]
        if cond.all is not None:
            return False if False in results else None if None in results else True
        return True if True in results else None if None in results else False
    value, op, operand = _value(book, answers, cond.question), cond.operator, cond.operand
    if value is NA:
        return op == "answered" and operand is False
    if value is UNKNOWN:
        return None
    if op == "answered":
        return bool(operand)
    if op == "is":
        return type(value) is type(operand) and value == operand
    if op == "in":
        return value in operand  # type: ignore[operator]
    if op == "includes":
        wanted = (operand,) if isinstance(operand, str) else operand
        return any(w in value for w in wanted)  # type: ignore[union-attr, operator]
    if op == "before":
        return value < operand  # type: ignore[operator]
    return value >= operand  # type: ignore[operator]


@SLOW
@given(spec=books, data=st.data())
def test_wizard_walk_terminates_asks_only_relevant_questions_and_ends_complete(
    spec: tuple[str, int, int], data: st.DataObject
) -> None:
    book = _book(spec)
    answers: dict[str, Any] = {}
    steps = 0
    while (q := next_question(book, answers)) is not None:
        steps += 1
        assert steps <= len(book.questions), "the wizard asked more questions than the rulebook has"
        assert q.id not in answers, f"asked '{q.id}' twice"
        pending = pending_questions(book, answers)
        assert pending and pending[0].id == q.id
        assert q.when is None or _holds(book, answers, q.when) is True, (
            f"asked '{q.id}' though its `when` does not hold"
        )
        answers[q.id] = data.draw(answer_for(book, q), label=q.id)
        evaluate(book, answers)
    outcome = evaluate(book, answers)
    assert outcome.complete, f"wizard ended with undetermined obligations: {[f.id for f in outcome.undetermined]}"
    assert outcome.pending_questions == ()


@FAST
@given(book_and_answers())
def test_any_valid_answers_evaluate_and_next_question_is_relevant(case: tuple[Rulebook, dict[str, Any]]) -> None:
    book, answers = case
    outcome = evaluate(book, answers)
    q = next_question(book, answers)
    if q is None:
        assert outcome.pending_questions == ()
    else:
        assert q.id not in answers
        assert q.id == outcome.pending_questions[0]
        assert q.when is None or _holds(book, answers, q.when) is True
    for qid in outcome.ignored_answers:
        assert _value(book, answers, qid) is NA


@FAST
@given(book_and_answers(), st.randoms(use_true_random=False))
def test_outcome_does_not_depend_on_answer_order(case: tuple[Rulebook, dict[str, Any]], rnd: random.Random) -> None:
    book, answers = case
    items = list(answers.items())
    rnd.shuffle(items)
    shuffled = dict(items)
    first, second = evaluate(book, answers), evaluate(book, shuffled)
    a, b = first.to_dict(), second.to_dict()
    assert a == b  # dict fields compare as mappings
    assert next_question(book, answers) == next_question(book, shuffled)


def test_ignored_answers_do_not_depend_on_answer_order() -> None:
    book = _toy()
    one = {"uses_widgets": False, "widget_count_large": False, "widget_colour": "blue"}
    two = dict(reversed(one.items()))
    assert (
        evaluate(book, one).ignored_answers
        == evaluate(book, two).ignored_answers
        == ("widget_count_large", "widget_colour")
    )


# Broken rule folders ------------------------------------------------------------------------

_MUTATIONS = ("delete", "duplicate", "indent", "dedent", "replace", "insert", "truncate", "swap", "bytes")
_TOKENS = [
    "yes",
    "no",
    "NO",
    "true",
    "~",
    "null",
    "[",
    "]",
    "{",
    "}",
    ":",
    "- ",
    "&a",
    "*a",
    "!!python/name:os.system",
    "'",
    '"',
    "\t",
    "when:",
    "id: uses_widgets",
    "question: nope",
    "is: maybe",
    "2026-13-45",
    "12",
    "- {all: []}",
    "\x00",
    "é",
]


def _mutate(text: str, rnd: random.Random, steps: int) -> bytes:
    lines = text.splitlines(keepends=True) or ["\n"]
    raw_tail = b""
    for _ in range(steps):
        op = rnd.choice(_MUTATIONS)
        i = rnd.randrange(len(lines)) if lines else 0
        if not lines:
            lines = ["\n"]
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip()
        elif op == "replace":
            words = lines[i].split(" ")
            words[rnd.randrange(len(words))] = rnd.choice(_TOKENS)
            lines[i] = " ".join(words)
        elif op == "insert":
            pos = rnd.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + rnd.choice(_TOKENS) + lines[i][pos:]
        elif op == "truncate":
            lines = lines[: max(1, i)]
        elif op == "swap" and len(lines) > 1:
            j = rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "bytes":
            raw_tail += bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
    return "".join(lines).encode("utf-8") + raw_tail


@SLOW
@given(
    st.randoms(use_true_random=False),
    st.integers(1, 6),
    st.sets(
        st.sampled_from(["rulebook.yaml", "widgets.yaml", "shipping.yaml", "sources.yaml", "data/countries.yaml"]),
        min_size=1,
        max_size=3,
    ),
)
def test_randomly_broken_rule_folders_load_or_raise_rulebook_error(
    rnd: random.Random, steps: int, files: set[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rules"
        shutil.copytree(TOY, root)
        for name in sorted(files):
            path = root / name
            path.write_bytes(_mutate(path.read_text(encoding="utf-8"), rnd, steps))
        try:
            load_rulebook(root)
        except RulebookError as err:
            assert err.problems and str(err)


yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20), st.dates()
)
yaml_data = st.recursive(
    yaml_scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=20,
)


@FAST
@given(yaml_data)
def test_random_yaml_data_as_a_topic_file_loads_or_raises_rulebook_error(data: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rules"
        shutil.copytree(TOY, root)
        (root / "widgets.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        with pytest.raises(RulebookError):
            load_rulebook(root)  # never a valid topic file: it lacks the widgets questions


# Answers files ---------------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=400))
def test_parse_answers_on_random_bytes_succeeds_or_raises_answers_error(raw: bytes) -> None:
    try:
        parse_answers(_toy(), raw)
    except AnswersError as err:
        assert err.problems


@FAST
@given(st.text(max_size=300))
def test_parse_answers_on_random_text_succeeds_or_raises_answers_error(text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    try:
        parse_answers(_toy(), raw)
    except AnswersError as err:
        assert err.problems


answer_keys = st.sampled_from(
    ["uses_widgets", "widget_count_large", "widget_colour", "ship_to", "answers", "as_of", "ruleset", "nope"]
)


@FAST
@given(st.dictionaries(answer_keys, yaml_data, max_size=6), st.booleans())
def test_parse_answers_on_random_mappings_succeeds_or_raises_answers_error(doc: dict[str, Any], wrap: bool) -> None:
    import json

    body = {"answers": doc, "as_of": "2026-01-01"} if wrap else doc
    for raw in (yaml.safe_dump(body, allow_unicode=True).encode(), json.dumps(body, default=str).encode()):
        try:
            got = parse_answers(_toy(), raw)
        except AnswersError as err:
            assert err.problems
        else:
            evaluate(_toy(), got.answers, got.as_of)  # accepted answers always evaluate
