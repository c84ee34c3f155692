"""``for_each.where``: a per-item obligation kept only for items whose table row has a given value.

Toy rules: the customs notice is needed only where the customs table says ``notice: "yes"``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from atmp_pathways import RulebookError, evaluate, load_rulebook

from .paths import DECISIONS, RULES, copy_rules

BASE = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red"}


def _toy_with(tmp_path: Path, where: str, se_notice: str = "no") -> Path:
    def table(text: str) -> str:
        text = text.replace(
            "columns: {authority: Authority, deadline: Deadline}",
            "columns: {authority: Authority, deadline: Deadline, notice: Notice needed}",
        )
        text = text.replace("deadline: 10 days}", 'deadline: 10 days, notice: "yes"}')
        return text.replace("deadline: 5 days}", f'deadline: 5 days, notice: "{se_notice}"}}')

    def rule(text: str) -> str:
        return text.replace(
            "for_each: {question: ship_to, table: customs}",
            f"for_each: {{question: ship_to, table: customs, where: {where}}}",
        )

    return copy_rules(tmp_path / "rules", {"data/countries.yaml": table, "shipping.yaml": rule})


def test_where_keeps_only_the_items_whose_row_matches(tmp_path: Path) -> None:
    book = load_rulebook(_toy_with(tmp_path, '{notice: ["yes"]}'))
    outcome = evaluate(book, {**BASE, "ship_to": ["NO", "SE"]})
    assert [f.item for f in outcome.applicable if f.obligation == "customs_notice"] == ["NO"]


def test_where_with_no_matching_item_is_not_applicable_and_says_why_in_words(tmp_path: Path) -> None:
    book = load_rulebook(_toy_with(tmp_path, '{notice: ["yes"]}'))
    outcome = evaluate(book, {**BASE, "ship_to": ["SE"]})
    assert not [f for f in outcome.applicable if f.obligation == "customs_notice"]
    (finding,) = [f for f in outcome.not_applicable if f.obligation == "customs_notice"]
    assert "Notice needed is one of yes" in (finding.why_not_text or "")


def test_where_on_an_unknown_column_or_value_is_a_load_problem_with_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(RulebookError) as caught:
        load_rulebook(_toy_with(tmp_path, '{notise: ["yes"]}'))
    assert "shipping.yaml:12:" in str(caught.value) and "unknown column 'notise'" in str(caught.value)
    assert "did you mean 'notice'" in str(caught.value)
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(RulebookError) as caught:
        load_rulebook(_toy_with(other, '{notice: ["maybe"]}'))
    assert "unknown value of column 'notice' 'maybe'" in str(caught.value)


AAV_TRIAL = {
    "product_type": "gene_therapy",
    "human_cells_or_tissues": "none",
    "cls_recombinant_nucleic_acid": "genetic_effect",
    "routes": ["clinical_trial"],
    "manufacturing_location": "eu_eea",
    "ct_imp_manufacturer": "contract_manufacturer",
    "contains_gmo": True,
    "gmo_product_form": "in_vivo_aav",
    "poc_decentralised": False,
}


def test_shipped_deliberate_release_dossier_is_per_state_with_each_row_s_tag() -> None:
    book = load_rulebook(RULES)
    outcome = evaluate(book, {**AAV_TRIAL, "trial_member_states": ["DE", "FR", "MT"]})
    found = {f.item: f for f in outcome.applicable if f.obligation == "gmo_deliberate_release_dossier"}
    assert set(found) == {"DE", "MT"}  # France: contained-use declaration only
    assert found["MT"].verification == "unverified"  # Malta's row is unverified: the instance says so
    rule = book.obligations_by_id["gmo_deliberate_release_dossier"]
    assert rule.verification == "confirmed" and found["DE"].verification == book.table(
        "gmo_trial_regimes"
    ).row_verification.get("DE", "confirmed")
    only_fr = evaluate(book, {**AAV_TRIAL, "trial_member_states": ["FR"]})
    assert "gmo_deliberate_release_dossier" in {f.obligation for f in only_fr.not_applicable}


def test_where_on_a_determination_is_refused_not_silently_ignored(tmp_path: Path) -> None:
    def verdict(text: str) -> str:
        return text.replace(
            "    for_each: {question: markets, table: region_rules}\n    value_from: regime",
            "    for_each: {question: markets, table: region_rules, where: {regime: [notify]}}\n    value_from: regime",
        )

    with pytest.raises(RulebookError) as caught:
        load_rulebook(copy_rules(tmp_path / "rules", {"verdict.yaml": verdict}, src=DECISIONS))
    assert "verdict.yaml:53:" in str(caught.value) and "'where' filters the items of a per-item obligation" in str(
        caught.value
    )
