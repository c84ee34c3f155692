"""Question ``prefill`` (pre-selected, never stored until Next) and ``retired_questions``
(older answers files keep loading), on toy rules; plus the real rules' retired ids."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from atmp_pathways import RulebookError, load_rulebook, parse_answers
from atmp_pathways.models import Rulebook
from atmp_pathways.wizard import prefill

from .paths import ROOT, RULES, TOY
from .question_widget import question_widget

ASKED_IF_MANY = "    when: {question: uses_widgets, is: true}\n    citations: [{source: widget_act, ref: Art 2}]\n"
COLOUR_CHOICES = "    choices: {red: Red, blue: Blue, green: Green}\n"

PREFILL_COUNT = """    prefill:
      value: true
      when: {question: uses_widgets, is: true}
      because: You make widgets; most makers make many.
"""
PREFILL_COLOUR = """    prefill:
      value: {value}
      when: {when}
      because: Large makers mostly paint them red.
"""
RETIRED = """retired_questions:
  old_red: {because: colour is asked as one question now., moved_to: widget_colour, choice: red}
  old_norway: {because: countries are ticked on one screen., moved_to: ship_to, choice: "NO"}
  old_sweden: {because: countries are ticked on one screen., moved_to: ship_to, choice: SE}
  gone: {because: it never changed anything.}
"""


def _toy(
    tmp_path: Path,
    *,
    colour_value: str = "red",
    colour_when: str = "{question: widget_count_large, is: true}",
    retired: str = RETIRED,
) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(TOY, rules)
    widgets = rules / "widgets.yaml"
    text = widgets.read_text(encoding="utf-8")
    assert ASKED_IF_MANY in text and COLOUR_CHOICES in text
    text = text.replace(ASKED_IF_MANY, ASKED_IF_MANY.replace("    citations", PREFILL_COUNT + "    citations"))
    text = text.replace(COLOUR_CHOICES, COLOUR_CHOICES + PREFILL_COLOUR.format(value=colour_value, when=colour_when))
    widgets.write_text(text, encoding="utf-8")
    meta = rules / "rulebook.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + retired, encoding="utf-8")
    return rules


@pytest.fixture
def book(tmp_path: Path) -> Rulebook:
    return load_rulebook(_toy(tmp_path))


def test_prefill_is_offered_only_when_its_condition_holds_and_nothing_is_stored(book: Rulebook) -> None:
    colour = book.questions_by_id["widget_colour"]
    found = prefill(book, colour, {"uses_widgets": True, "widget_count_large": True})
    assert found is not None and found[0] == "red" and "paint them red" in found[1].because
    assert prefill(book, colour, {"uses_widgets": True, "widget_count_large": False}) is None  # condition false
    assert prefill(book, colour, {"uses_widgets": True}) is None  # condition not known yet
    # a stored answer always wins
    assert prefill(book, colour, {"uses_widgets": True, "widget_count_large": True, "widget_colour": "blue"}) is None
    assert prefill(book, book.questions_by_id["uses_widgets"], {}) is None  # no prefill on it


def test_prefill_value_that_does_not_fit_is_reported_at_its_line(tmp_path: Path) -> None:
    rules = _toy(tmp_path, colour_value="purple")
    with pytest.raises(RulebookError) as err:
        load_rulebook(rules)
    text = str(err.value)
    line = next(i for i, ln in enumerate((rules / "widgets.yaml").read_text().splitlines(), 1) if "purple" in ln)
    assert f"widgets.yaml:{line}:" in text
    assert "prefill value does not fit" in text and "choices are: red, blue, green" in text


def test_prefill_condition_on_an_unknown_question_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RulebookError) as err:
        load_rulebook(_toy(tmp_path, colour_when="{question: widget_count_larg, is: true}"))
    assert "prefill.when.question" in str(err.value)
    assert "unknown question 'widget_count_larg'" in str(err.value) and "did you mean 'widget_count_large'?" in str(
        err.value
    )


def test_old_answers_move_to_the_question_that_asks_them_now_with_a_sentence_each(book: Rulebook) -> None:
    raw = b"uses_widgets: true\nwidget_count_large: true\nold_red: true\nold_norway: true\nold_sweden: false\ngone: true\n"
    got = parse_answers(book, raw)
    assert got.answers == {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red", "ship_to": ["NO"]}
    assert len(got.warnings) == 4
    assert any(
        "'gone' is no longer asked: it never changed anything. Your answer to it was dropped." in w
        for w in got.warnings
    )
    assert any("'old_red'" in w and "carried over" in w for w in got.warnings)


def test_a_no_to_every_retired_tick_still_answers_the_many_of_with_none(book: Rulebook) -> None:
    got = parse_answers(book, b"uses_widgets: true\nold_norway: false\nold_sweden: false\n")
    assert got.answers["ship_to"] == []


def test_a_no_cannot_be_moved_into_a_one_of_so_it_is_asked_again(book: Rulebook) -> None:
    got = parse_answers(book, b"uses_widgets: true\nold_red: false\n")
    assert "widget_colour" not in got.answers
    assert any("asked again" in w for w in got.warnings)


def test_an_answer_to_the_new_question_wins_over_a_retired_one(book: Rulebook) -> None:
    got = parse_answers(book, b"uses_widgets: true\nwidget_colour: blue\nold_red: true\n")
    assert got.answers["widget_colour"] == "blue"
    assert any("is kept" in w for w in got.warnings)


@pytest.mark.parametrize(
    ("retired", "words"),
    [
        (
            "retired_questions:\n  widget_colour: {because: x.}\n",
            "'widget_colour' is retired but still defined as a question",
        ),
        (
            "retired_questions:\n  old: {because: x., moved_to: widget_colour, choice: rd}\n",
            "'rd' is not a choice of question 'widget_colour'",
        ),
        (
            "retired_questions:\n  old: {because: x., moved_to: uses_widgets, choice: red}\n",
            "'uses_widgets' is a yes_no question",
        ),
        (
            "retired_questions:\n  old: {because: x., moved_to: widget_colr, choice: red}\n",
            "unknown question 'widget_colr'",
        ),
    ],
)
def test_bad_retired_questions_are_reported_in_rulebook_yaml(tmp_path: Path, retired: str, words: str) -> None:
    with pytest.raises(RulebookError) as err:
        load_rulebook(_toy(tmp_path, retired=retired))
    assert "rulebook.yaml:" in str(err.value) and words in str(err.value)


def test_real_rules_read_an_old_file_with_covid19_and_the_six_he_ids() -> None:
    book = load_rulebook(RULES)
    old = (
        b"product_type: somatic_cell_therapy\nroutes: [hospital_exemption, clinical_trial]\n"
        b"covid19_product: false\nct_hospital_manufactures_imp: true\n"
        b"he_non_routine: true\nhe_specific_quality_standards: true\nhe_same_member_state: false\n"
        b"he_in_hospital: true\nhe_practitioner_responsibility: true\nhe_individual_prescription: true\n"
    )
    got = parse_answers(book, old)
    assert got.answers["he_conditions_met"] == [
        "non_routine",
        "specific_quality_standards",
        "in_hospital",
        "practitioner_responsibility",
        "individual_prescription",
    ]
    assert got.answers["ct_imp_manufacturer"] == "hospital_or_academic"
    assert "covid19_product" not in got.answers
    assert any("'covid19_product' is no longer asked" in w for w in got.warnings)


def test_real_rules_prefill_gmo_for_genetically_modified_cells_only() -> None:
    book = load_rulebook(RULES)
    q = book.questions_by_id["contains_gmo"]
    base = {"product_type": "gene_therapy", "cls_recombinant_nucleic_acid": "genetic_effect"}
    found = prefill(book, q, {**base, "human_cells_or_tissues": "autologous"})
    assert found is not None and found[0] is True and "still ask" in found[1].because
    assert prefill(book, q, {**base, "human_cells_or_tissues": "none"}) is None  # an in-vivo vector: no guess


def test_app_preselects_the_prefill_and_stores_it_only_on_next(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATMP_RULES_DIR", str(_toy(tmp_path)))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.button(key="start").click().run()
    at.radio(key="q_uses_widgets").set_value(True)
    at.button(key="next").click().run()
    assert not at.exception
    radio = at.radio(key="q_widget_count_large")
    assert radio.value is True  # pre-selected
    assert any("Pre-selected: You make widgets" in str(c.value) for c in at.caption)
    assert "widget_count_large" not in at.session_state["answers"]  # nothing stored yet
    radio.set_value(False)  # the user may change it
    at.button(key="next").click().run()
    assert at.session_state["answers"]["widget_count_large"] is False
    colour = at.radio(key="q_widget_colour")
    assert colour.value is None  # its condition (many widgets) is false: nothing pre-selected
    assert not any("Pre-selected" in str(c.value) for c in at.caption)


def test_app_takes_an_empty_many_of_selection_as_the_answer_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """The six hospital-exemption conditions are one many_of: ticking none must be answerable."""
    monkeypatch.setenv("ATMP_RULES_DIR", str(TOY))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.button(key="start").click().run()
    for key, value in (("q_uses_widgets", True), ("q_widget_count_large", True), ("q_widget_colour", "red")):
        at.radio(key=key).set_value(value)
        at.button(key="next").click().run()
    widget = question_widget(at)  # three countries: tick boxes (a long list would be a multiselect)
    assert widget is not None and widget.key == "q_ship_to"
    widget.set_value([])
    at.button(key="next").click().run()
    assert not at.exception
    assert at.session_state["answers"]["ship_to"] == []
    assert not any("Choose an answer first" in str(w.value) for w in at.warning)


def test_saved_assessments_move_retired_answers_and_report_only_what_could_not_move(book: Rulebook) -> None:
    from atmp_pathways.impact import usable_answers

    kept, dropped = usable_answers(book, {"uses_widgets": True, "old_norway": True, "gone": True, "old_red": False})
    assert kept == {"uses_widgets": True, "ship_to": ["NO"]}
    assert dropped == ["gone", "old_red"]  # old_red: a "no" cannot become a colour, so it is asked again


def test_the_app_modules_import_in_a_fresh_interpreter() -> None:
    """AppTest shares one process with modules already imported; the server starts from nothing."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import ui.assessments, ui.main"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]


def _touches_the_store(path: Path) -> bool:
    """Modules in or importing the store package: the one place an import cycle has bitten."""
    return "store" in path.parts or any(
        line.lstrip().startswith(("from .store", "from ..store", "import atmp_pathways.store"))
        for line in path.read_text(encoding="utf-8").splitlines()
    )


_MODULES = sorted(
    "atmp_pathways." + ".".join(p.relative_to(ROOT / "atmp_pathways").with_suffix("").parts)
    for p in (ROOT / "atmp_pathways").rglob("*.py")
    if p.name != "__init__.py" and "migrations" not in p.parts and _touches_the_store(p)
)


@pytest.mark.parametrize("module", _MODULES)
def test_each_package_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    """No import cycle hides behind import order (``atmp_pathways.impact`` once failed when imported first)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
