"""Reliefs and exemptions (``effect: relief``) are labelled as such wherever differences are shown.

Losing a relief adds work; losing a duty removes it. "What changes" (another date), "Compare
options" (another answer), the comparison export and the assessments' impact lines must not
word both as "stops applying".
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from atmp_pathways import Rulebook, evaluate, load_rulebook
from atmp_pathways.compare import compare, comparison_json, comparison_outline
from atmp_pathways.exports.markdown import render_blocks
from atmp_pathways.impact import ImpactLine
from atmp_pathways.outcome import diff_outcomes
from atmp_pathways.present import change_words
from ui.compare import relief_note

from .paths import copy_rules

SCENARIOS = Path(__file__).parent / "scenarios"
ANSWERS: dict[str, Any] = {"uses_widgets": True, "widget_count_large": False, "widget_colour": "red"}


@pytest.fixture(scope="module")
def relief_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy rules with ``label_red_widgets`` (valid until 2026-12-31) marked as a relief."""

    def relief(text: str) -> str:
        actor = text.index("\n    actor:", text.index("- id: label_red_widgets"))
        return text[:actor] + "\n    effect: relief" + text[actor:]

    return copy_rules(tmp_path_factory.mktemp("relief") / "rules", {"widgets.yaml": relief})


@pytest.fixture(scope="module")
def relief_book(relief_dir: Path) -> Rulebook:
    return load_rulebook(relief_dir)


def test_effect_defaults_to_duty_and_reads_from_the_rule(toy_book: Rulebook, relief_book: Rulebook) -> None:
    assert {o.effect for o in toy_book.obligations} == {"duty"}
    assert relief_book.obligations_by_id["label_red_widgets"].effect == "relief"
    out = evaluate(relief_book, {**ANSWERS, "widget_count_large": True}, date(2026, 6, 1))
    effects = {f.id: f.effect for f in out.applicable}
    assert effects.pop("label_red_widgets") == "relief"
    assert effects and set(effects.values()) == {"duty"}


def test_what_changes_marks_a_relief_that_is_no_longer_available(relief_book: Rulebook) -> None:
    diff = diff_outcomes(
        evaluate(relief_book, ANSWERS, date(2026, 6, 1)), evaluate(relief_book, ANSWERS, date(2027, 2, 1))
    )
    [gone] = diff.removed
    [new] = diff.added
    assert gone.id == "label_red_widgets" and new.id == "label_all_widgets"
    assert relief_note(gone, False) == " :violet-badge[relief] relief no longer available"
    assert relief_note(new, True) == ""  # a duty: no badge, the list heading says it starts


def test_compare_words_a_lost_relief_and_a_lost_duty_differently(relief_book: Rulebook) -> None:
    base = {**ANSWERS, "widget_count_large": True}
    c = compare(relief_book, base, {**base, "widget_colour": "green"}, date(2026, 6, 1))
    assert {f.id for f in c.stops} == {"register_widgets", "label_red_widgets"}
    md = render_blocks(comparison_outline(c, relief_book, None))
    assert "**Label red widgets** (label\\_red\\_widgets) — relief: relief no longer available" in md
    assert "**Register as a widget maker** (register\\_widgets)\n" in md + "\n"  # a duty: no relief words
    stops = {o["id"]: o["effect"] for o in comparison_json(c, relief_book)["stops"]}
    assert stops == {"register_widgets": "duty", "label_red_widgets": "relief"}


def test_impact_lines_say_relief_no_longer_available() -> None:
    duty = ImpactLine("stops", "obligations", "x", "X", "applies", None)
    relief = ImpactLine("stops", "obligations", "y", "Y", "applies", None, effect="relief")
    assert duty.text().startswith("`x` stops: does not apply")
    assert relief.text().startswith("`y` relief no longer available: does not apply")
    assert change_words("relief", True) == "relief becomes available"


def _scenario(name_start: str) -> dict[str, Any]:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if str(case.get("name", "")).startswith(name_start):
                answers: dict[str, Any] = case["answers"]
                return answers
    raise AssertionError(f"no scenario named {name_start!r}…")


def test_shipped_reliefs_are_marked_and_a_lost_11_17_exemption_says_so(rulebook: Rulebook) -> None:
    reliefs = {o.id for o in rulebook.obligations if o.effect == "relief"}
    assert {"atmp_retesting_exemption_1117", "soho_no_preparation_authorisation"} <= reliefs
    assert "eu_batch_retesting" not in reliefs and "qp_certification_imported_batches" not in reliefs
    base = _scenario("Journey - the same US-made CAR-T with a short shelf life")
    alt = {**base, "short_shelf_life_or_limited_material": False}
    c = compare(rulebook, base, alt, rulebook.meta.as_of)
    lost = [f for f in c.stops if f.id == "atmp_retesting_exemption_1117"]
    assert lost and lost[0].effect == "relief"
    assert [(b.value, a.value) for b, a in c.determinations if a and b] == [("exemption_1117", "full_retesting")]
    md = render_blocks(comparison_outline(c, rulebook, None))
    assert "relief: relief no longer available" in md


def test_the_app_s_what_changes_shows_the_relief_badge_and_the_screen_reader_note(
    relief_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from .paths import ROOT
    from .test_app import TIMEOUT, _text, _to_results

    monkeypatch.setenv("ATMP_RULES_DIR", str(relief_dir))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.date_input(key="as_of").set_value(date(2026, 6, 1)).run()
    _to_results(app, {**ANSWERS, "ship_to": []})
    app.date_input(key="compare_date").set_value(date(2027, 2, 1)).run()
    assert not app.exception
    text = _text(app)
    removed = text.split("Apply on 2026-06-01, no longer on 2027-02-01")[1]
    assert "Label red widgets :violet-badge[relief] relief no longer available *(until 2026-12-31)*" in removed
    assert "For a screen reader use the Word or Markdown export — the PDF is not tagged." in text
