"""Every question kind is asked by a widget, read back from it, and labelled the same everywhere.

The kinds come from the models (``QuestionKind``); adding a kind without a widget in
``ui/wizard.WIDGETS``, a value reader in ``ui/state.WIDGET_VALUES`` or an answer label in
``present.ANSWER_LABELS`` fails here.
"""

from __future__ import annotations

from datetime import date
from typing import Any, get_args

import pytest

from atmp_pathways.models import QuestionKind
from atmp_pathways.present import ANSWER_LABELS, NONE_CHOSEN
from ui.state import WIDGET_VALUES
from ui.wizard import WIDGETS

KINDS = list(get_args(QuestionKind))
CHOICES = {"a": "Alpha", "b": "Beta"}
# kind → (a widget's raw value, the answer it stands for, its label)
SAMPLES: dict[str, tuple[Any, Any, str]] = {
    "yes_no": (True, True, "Yes"),
    "one_of": ("b", "b", "Beta"),
    "many_of": (None, [], NONE_CHOSEN),
    "date": (date(2027, 8, 7), date(2027, 8, 7), "2027-08-07"),
}


def test_the_tables_name_exactly_the_kinds() -> None:
    for table in (WIDGETS, WIDGET_VALUES, ANSWER_LABELS):
        assert set(table) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_read_from_its_widget_and_labelled(kind: str) -> None:
    assert kind in SAMPLES, f"add a sample for kind '{kind}'"
    raw, answer, label = SAMPLES[kind]
    assert WIDGET_VALUES[kind](raw) == answer
    assert ANSWER_LABELS[kind](answer, CHOICES) == label
    assert callable(WIDGETS[kind])


def test_yes_no_reads_the_same_in_every_place() -> None:
    assert ANSWER_LABELS["yes_no"](False, {}) == "No"
    assert ANSWER_LABELS["many_of"](["a", "b"], CHOICES) == "Alpha, Beta"
