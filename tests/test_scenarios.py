"""YAML scenarios: one pytest id per scenario ("gmo.yaml::<name>"), and 100 % coverage
of the shipped rules. The toy scenarios pin the runner's own behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from atmp_pathways import Rulebook, RulebookError, load_rulebook
from atmp_pathways.scenarios import Scenario, coverage, load_scenarios, run_scenario

from .paths import RULES, SCENARIOS, TOY_SCENARIOS


def _shipped() -> tuple[Rulebook | None, list[Scenario], str]:
    try:
        book = load_rulebook(RULES)
        return book, load_scenarios(SCENARIOS.glob("*.yaml"), book), ""
    except RulebookError as err:
        return None, [], str(err)


BOOK, CASES, LOAD_ERROR = _shipped()


def test_shipped_rules_and_scenarios_load() -> None:
    assert not LOAD_ERROR, LOAD_ERROR
    assert len(CASES) >= 12


@pytest.mark.parametrize("case", CASES, ids=[c.test_id for c in CASES])
def test_scenario(case: Scenario) -> None:
    assert BOOK is not None
    _, failures = run_scenario(BOOK, case)
    if failures:
        pytest.fail(
            f"{case.path}\n  Scenario '{case.name}':\n    "
            + "\n    ".join(f.replace("\n", "\n    ") for f in failures),
            pytrace=False,
        )


def test_shipped_scenarios_cover_every_question_and_obligation_both_ways() -> None:
    assert BOOK is not None, LOAD_ERROR
    cov = coverage(BOOK, CASES)
    assert cov.gaps() == []
    assert cov.percent == 100.0


def test_toy_scenarios_pass_and_cover_the_toy_rules(toy_book: Rulebook) -> None:
    cases = load_scenarios(TOY_SCENARIOS.glob("*.yaml"), toy_book)
    assert [run_scenario(toy_book, c)[1] for c in cases] == [[] for _ in cases]
    assert coverage(toy_book, cases).percent == 100.0


def test_failing_scenario_explains_the_reason_from_the_trace(toy_book: Rulebook, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(
        "- name: Wrong expectations are explained\n"
        "  answers: {uses_widgets: true, widget_count_large: false, widget_colour: red, ship_to: []}\n"
        "  applies: [register_widgets]\n"
        "  does_not_apply: [label_red_widgets]\n"
        "  asked: [uses_widgets, widget_colour]\n"
    )
    (case,) = load_scenarios([f], toy_book)
    _, failures = run_scenario(toy_book, case)
    assert (
        failures[0]
        == "expected applies: register_widgets\n    it does not apply, because: when.all[1]: “Do you make more than 100 widgets a year?” needed yes; answered: no"
    )
    assert failures[1].startswith(
        "expected not to apply: label_red_widgets\n    it applies, because: Which colour are the widgets? — Red"
    )
    assert "asked: ['uses_widgets', 'widget_count_large', 'widget_colour', 'ship_to']" in failures[2]


def test_malformed_scenario_files_are_reported_with_file_and_line(toy_book: Rulebook, tmp_path: Path) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text(
        "- name: One\n  answers: {uses_widgets: maybe}\n  aplies: [register_widget]\n  applies: [register_widget]\n"
    )
    with pytest.raises(RulebookError) as info:
        load_scenarios([f], toy_book)
    text = str(info.value)
    assert "broken.yaml:2: [0].answers: 'uses_widgets' needs true or false, got 'maybe'." in text
    assert "broken.yaml:3: [0]: unexpected key 'aplies' — did you mean 'applies'?" in text
    assert (
        "broken.yaml:4: [0].applies[0]: unknown obligation 'register_widget' — did you mean 'register_widgets'?" in text
    )


def test_coverage_reports_gaps(toy_book: Rulebook) -> None:
    cases = [c for c in load_scenarios(TOY_SCENARIOS.glob("*.yaml"), toy_book) if c.name.startswith("Someone")]
    cov = coverage(toy_book, cases)
    assert "question never asked: widget_colour" in cov.gaps()
    assert "obligation never applies: register_widgets" in cov.gaps()
    assert cov.percent < 100
