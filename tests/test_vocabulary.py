"""The vocabulary table (``models.KINDS`` and ``models.OPERATORS``) is complete everywhere.

Every operator must be handled by evaluation (``logic.LEAF_TESTS``), wording
(``explain.WORDING``) and the satisfiability check (``_sat.SAT_LEAF``); every kind by
answer validation, coercion and display (``KindSpec``) and by ``_sat.COMPLEMENT``.
Adding an operator or a kind without its handlers — or without a sample below — fails here.
Other layers (the UI's widget dispatch, the formatters) extend this file with their own tables.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, get_args

import pytest

from atmp_pathways._sat import COMPLEMENT, SAT_LEAF, satisfiable
from atmp_pathways.answers import _coerce
from atmp_pathways.engine import validate_answers
from atmp_pathways.explain import WORDING, show, words
from atmp_pathways.logic import LEAF_TESTS, NA, UNKNOWN, leaf
from atmp_pathways.models import KINDS, OPERATORS, Condition, Question, QuestionKind, Rulebook
from atmp_pathways.present import ANSWER_LABELS, NONE_CHOSEN
from ui.state import WIDGET_VALUES
from ui.wizard import WIDGETS

# kind → a question of that kind, a good answer, its JSON form, a bad answer, and an operand per operator.
SAMPLES: dict[str, dict[str, Any]] = {
    "yes_no": {
        "question": {},
        "good": True,
        "json": True,
        "bad": "yes",
        "operands": {"is": True, "answered": True},
    },
    "one_of": {
        "question": {"choices": {"a": "Choice A", "b": "Choice B"}},
        "good": "a",
        "json": "a",
        "bad": "c",
        "operands": {"is": "a", "in": ("a", "b"), "answered": True},
    },
    "many_of": {
        "question": {"choices": {"a": "Choice A", "b": "Choice B"}},
        "good": ["a"],
        "json": ["a"],
        "bad": ["c"],
        "operands": {"includes": "a", "answered": False},
    },
    "date": {
        "question": {},
        "good": date(2026, 1, 1),
        "json": "2026-01-01",
        "bad": "someday",
        "operands": {"before": date(2027, 1, 1), "on_or_after": date(2025, 1, 1), "answered": True},
    },
}

PAIRS = [(kind, op) for kind, spec in KINDS.items() for op in spec.operators]


def _book() -> Rulebook:
    questions = [
        Question.model_validate(
            {
                "id": f"q_{kind}",
                "text": f"A {kind} question?",
                "help": "Help.",
                "kind": kind,
                "citations": ({"source": "src", "ref": "Art 1"},),
                **SAMPLES[kind]["question"],
            }
        )
        for kind in KINDS
    ]
    return Rulebook.model_validate(
        {
            "meta": {
                "title": "Vocabulary",
                "version": "1.0.0",
                "jurisdiction": "Nowhere",
                "as_of": date(2026, 1, 1),
                "scope": "Tests.",
                "topics": ("t",),
                "actors": {"a": "Actor"},
                "phases": {"p": "Phase"},
            },
            "questions": tuple(questions),
            "obligations": (),
            "sources": (),
            "lists": (),
            "tables": (),
            "topic_of": {q.id: "t" for q in questions},
            "topic_titles": {"t": "T"},
            "digest": "0" * 16,
        }
    )


def _leaf(kind: str, op: str) -> Condition:
    field = op if op in Condition.model_fields else f"{op}_"
    return Condition.model_validate(
        {"question": f"q_{kind}", Condition.model_fields[field].alias or op: SAMPLES[kind]["operands"][op]}
    )


def test_the_kinds_literal_and_the_table_name_the_same_kinds() -> None:
    assert set(get_args(QuestionKind)) == set(KINDS)


@pytest.mark.parametrize("op", list(OPERATORS))
def test_every_operator_has_a_condition_field_and_every_handler(op: str) -> None:
    aliases = {f.alias or name for name, f in Condition.model_fields.items()}
    assert op in aliases, f"Condition has no field for operator '{op}'"
    for name, table in (("evaluation", LEAF_TESTS), ("wording", WORDING), ("satisfiability", SAT_LEAF)):
        assert op in table, f"operator '{op}' has no {name} handler"
    assert any(op in spec.operators for spec in KINDS.values()), f"no question kind accepts operator '{op}'"


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_handled_by_validation_coercion_display_and_sat(kind: str) -> None:
    assert kind in SAMPLES, f"add a sample for kind '{kind}' to SAMPLES (and handlers wherever this test points)"
    assert set(KINDS[kind].operators) <= set(OPERATORS), "a kind names an operator the table does not list"
    assert kind in COMPLEMENT, f"kind '{kind}' has no complement in _sat.COMPLEMENT"
    book = _book()
    qid, sample = f"q_{kind}", SAMPLES[kind]
    assert validate_answers(book, {qid: sample["good"]}) == []
    assert validate_answers(book, {qid: sample["bad"]}), f"a bad {kind} answer was accepted"
    # What JSON (a file, the URL token) carries comes back as the answer's own type.
    assert _coerce(book, qid, json.loads(json.dumps(sample["json"]))) == sample["good"]
    shown = show(book, qid, sample["good"])
    assert isinstance(shown, str) and shown


@pytest.mark.parametrize(("kind", "op"), PAIRS, ids=[f"{k}-{o}" for k, o in PAIRS])
def test_every_operator_of_every_kind_evaluates_words_and_solves(kind: str, op: str) -> None:
    assert op in SAMPLES[kind]["operands"], f"add an operand for '{op}' on {kind} to SAMPLES"
    book = _book()
    cond = _leaf(kind, op)
    value = SAMPLES[kind]["good"]
    result = leaf(cond, value)
    assert isinstance(result, bool)
    assert leaf(cond, UNKNOWN) is None
    assert isinstance(leaf(cond, NA), bool)
    yes, no = words(book, cond, True), words(book, cond, False)
    assert yes and no and yes != no
    assert satisfiable(cond, book.questions_by_id)
    assert isinstance(satisfiable(Condition.model_validate({"not": cond}), book.questions_by_id), bool)


# The UI's widget dispatch and the answer labels (ui/wizard.WIDGETS, ui/state.WIDGET_VALUES,
# present.ANSWER_LABELS) are tables keyed by kind, like the ones above.

UI_CHOICES = {"a": "Alpha", "b": "Beta"}
# kind → (a widget's raw value, the answer it stands for, its label)
UI_SAMPLES: dict[str, tuple[Any, Any, str]] = {
    "yes_no": (True, True, "Yes"),
    "one_of": ("b", "b", "Beta"),
    "many_of": (None, [], NONE_CHOSEN),
    "date": (date(2027, 8, 7), date(2027, 8, 7), "2027-08-07"),
}


def test_the_ui_and_label_tables_name_exactly_the_kinds() -> None:
    for table in (WIDGETS, WIDGET_VALUES, ANSWER_LABELS):
        assert set(table) == set(KINDS)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_asked_by_a_widget_read_back_and_labelled(kind: str) -> None:
    assert kind in UI_SAMPLES, f"add a sample for kind '{kind}' to UI_SAMPLES"
    raw, answer, label = UI_SAMPLES[kind]
    assert WIDGET_VALUES[kind](raw) == answer
    assert ANSWER_LABELS[kind](answer, UI_CHOICES) == label
    assert callable(WIDGETS[kind])
    assert KINDS[kind].validate("q", answer, UI_CHOICES) == [], "the widget's answer must be a valid answer"


def test_yes_no_reads_the_same_in_every_place() -> None:
    assert ANSWER_LABELS["yes_no"](False, {}) == "No"
    assert ANSWER_LABELS["many_of"](["a", "b"], UI_CHOICES) == "Alpha, Beta"
