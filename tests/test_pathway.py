"""The shipped determinations (rules/pathway.yaml) on the real rules: "not an ATMP" ends the
ATMP journey, "not sure" leads to the definitional questions, and the answers win over the
declared product type.
"""

from __future__ import annotations

from datetime import date

import pytest

from atmp_pathways import Rulebook, evaluate, pending_questions
from atmp_pathways.scenarios import replay

# What a product that is not an ATMP may still be told: why, which regime applies instead,
# and the classification re-checks. Anything else would be ATMP work it does not need.
NOT_ATMP_RESULTS = {
    "not_atmp_atmp_rules_do_not_apply",
    "not_atmp_tissues_and_cells_directive",
    "not_atmp_soho_regulation",
    "classification_engineered_criteria_not_met",
    "cat_classification_recommendation",
    # the non-ATMP tissues-and-cells / SoHO duties of rules/soho.yaml (legal accuracy pass 2)
    "not_atmp_tissue_establishment_full_scope",
    "not_atmp_soho_entity_registration",
    "not_atmp_soho_preparation_authorisation",
    "not_atmp_soho_establishment_authorisation",
    "biotech_act_soho_amendment",  # the proposed amendment of the SoHO Regulation concerns non-ATMP SoHO too
}
DEFINITIONAL = {
    "product_type",
    "human_cells_or_tissues",
    "cls_recombinant_nucleic_acid",
    "cls_cells_substantially_manipulated",
    "cls_same_essential_function",
}
TODAY, AFTER_SOHO = date(2026, 12, 1), date(2027, 9, 1)


def _not_atmp_answers(declared: str, cells: str) -> dict[str, object]:
    return {
        "product_type": declared,
        "human_cells_or_tissues": cells,
        "cls_recombinant_nucleic_acid": "none",
        "cls_cells_substantially_manipulated": False,
        "cls_same_essential_function": True,
    }


@pytest.mark.parametrize("as_of", [TODAY, AFTER_SOHO], ids=str)
@pytest.mark.parametrize("cells", ["autologous", "allogeneic"])
@pytest.mark.parametrize("declared", ["not_atmp", "somatic_cell_therapy", "tissue_engineered", "unsure"])
def test_not_an_atmp_ends_the_atmp_journey(rulebook: Rulebook, declared: str, cells: str, as_of: date) -> None:
    answers = _not_atmp_answers(declared, cells)
    out = evaluate(rulebook, answers, as_of)  # type: ignore[arg-type]
    got = out.determination("atmp_classification")
    assert got is not None and got.value == "not_atmp"
    shown = {f.obligation for f in (*out.applicable, *out.upcoming, *out.horizon)}
    assert shown <= NOT_ATMP_RESULTS, f"ATMP obligations shown for a non-ATMP: {sorted(shown - NOT_ATMP_RESULTS)}"
    assert "not_atmp_atmp_rules_do_not_apply" in shown
    assert out.undetermined == () and pending_questions(rulebook, answers, as_of) == []  # type: ignore[arg-type]
    asked, missing = replay(rulebook, answers, as_of)  # type: ignore[arg-type]
    assert missing is None and set(asked) <= DEFINITIONAL, f"asked beyond the definitions: {asked}"
    regime = out.determination("soho_regime")
    assert regime is not None
    assert regime.value == ("directive_full" if as_of < date(2027, 8, 7) else "soho_regulation_full")


def test_not_sure_leads_to_the_definitional_questions_before_any_route(rulebook: Rulebook) -> None:
    answers: dict[str, object] = {"product_type": "unsure", "human_cells_or_tissues": "allogeneic"}
    seen = []
    for answer in ("none", True, True, "regenerate_repair_replace", "no"):
        pending = pending_questions(rulebook, answers)  # type: ignore[arg-type]
        assert "routes" not in [q.id for q in pending], "routes asked before the classification is settled"
        seen.append(pending[0].id)
        answers[pending[0].id] = answer
    assert seen == [
        "cls_recombinant_nucleic_acid",
        "cls_cells_substantially_manipulated",
        "cls_same_essential_function",
        "cls_intended_action",
        "cls_integral_device",
    ]
    out = evaluate(rulebook, answers)  # type: ignore[arg-type]
    got = out.determination("atmp_classification")
    assert got is not None and got.value == "tissue_engineered"
    assert [q.id for q in pending_questions(rulebook, answers)][:1] == ["routes"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "declared", ["somatic_cell_therapy", "tissue_engineered", "combined_atmp", "not_atmp", "unsure"]
)
def test_the_answers_win_over_the_declared_type(rulebook: Rulebook, declared: str) -> None:
    answers = {
        "product_type": declared,
        "human_cells_or_tissues": "autologous",
        "cls_recombinant_nucleic_acid": "genetic_effect",
        "cls_integral_device": "no",
    }
    out = evaluate(rulebook, answers)  # type: ignore[arg-type]
    got = out.determination("atmp_classification")
    assert got is not None and got.value == "gene_therapy"
    flagged = {f.obligation for f in out.applicable} & {"classification_differs_from_declared"}
    assert bool(flagged) == (declared != "unsure")
    assert "routes" in [q.id for q in pending_questions(rulebook, answers)]  # type: ignore[arg-type]


def test_every_shipped_determination_cites_and_says_how_sure_it_is(rulebook: Rulebook) -> None:
    ids = [d.id for d in rulebook.determinations]
    assert {"atmp_classification", "pathway", "gmo_procedure", "import_testing", "soho_regime"} <= set(ids)
    for d in rulebook.determinations:
        assert all(case.citations for case in d.cases) and (d.cases or d.citations)
        if d.verification != "confirmed":
            assert d.to_confirm, f"{d.id}: say what would confirm it"
