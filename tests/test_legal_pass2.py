"""Legal accuracy pass 2 (REVIEW-2026-12-01), for the classification, route, hospital-exemption,
point-of-care, GMO, product and profile topics: the corrected citations, addressees and
verification tags stay as the review required. Scenarios pin *when* a rule applies; these pin
*what it says and on what authority*."""

from __future__ import annotations

import re
from datetime import date

import pytest

from atmp_pathways import Rulebook
from atmp_pathways.catalogue import catalogue_data

TOPICS = ("profile", "classification", "route", "hospital_exemption", "point_of_care", "gmo", "product")


def _obligations(rulebook: Rulebook) -> list:  # type: ignore[type-arg]
    return [o for o in rulebook.obligations if rulebook.topic_of[o.id] in TOPICS]


def test_at_least_85_percent_of_these_topics_obligations_are_confirmed(rulebook: Rulebook) -> None:
    obligations = _obligations(rulebook)
    confirmed = sum(o.verification == "confirmed" for o in obligations)
    assert confirmed / len(obligations) >= 0.85, f"{confirmed}/{len(obligations)}"


def test_gmo_ma_risk_assessment_cites_the_deliberate_release_annexes(rulebook: Rulebook) -> None:
    o = rulebook.obligations_by_id["gmo_ma_environmental_risk_assessment"]
    refs = [c.ref for c in o.citations if c.source == "dir_2001_18"]
    assert any("Annex II" in r and "Annexes III and IV" in r for r in refs)
    assert any("Arts 13–24" in r for r in refs)


@pytest.mark.parametrize(
    "oid", ["he_equivalent_quality_standards", "he_equivalent_traceability", "he_equivalent_pharmacovigilance"]
)
def test_hospital_exemption_equivalence_is_addressed_to_member_states(rulebook: Rulebook, oid: str) -> None:
    o = rulebook.obligations_by_id[oid]
    art_3_7 = [c for c in o.citations if c.source == "dir_2001_83"]
    assert art_3_7 and all("addressed to Member States" in c.ref and "national law" in c.ref for c in art_3_7)
    assert "Member State" in o.description and "national law" in o.description


def test_part_iv_hospital_exemption_sentence_is_quoted(rulebook: Rulebook) -> None:
    o = rulebook.obligations_by_id["he_equivalent_quality_standards"]
    quotes = [c.quote or "" for c in o.citations if c.source == "gmp_part_iv_c2017_7694"]
    assert any("'hospital exemption'" in q and "equivalent quality standards" in q for q in quotes)


def test_pharma_package_regulation_amends_rather_than_absorbs_and_carries_the_gmo_trial_change(
    rulebook: Rulebook,
) -> None:
    assert "com_2023_193_regulation" in rulebook.sources_by_id
    o = rulebook.obligations_by_id["gpl_gmo_single_application"]
    assert any(c.source == "com_2023_193_regulation" and "536/2014" in c.ref for c in o.citations)
    assert "does not absorb" in o.description


def test_gmo_rows_resting_only_on_2017_fiches_are_not_confirmed(rulebook: Rulebook) -> None:
    table = rulebook.tables_by_id["gmo_trial_regimes"]
    for state, cites in table.row_citations.items():
        if all(c.source == "ec_gmo_imp_page" for c in cites):
            assert table.row_verification.get(state) != "confirmed", state


def test_tissue_directive_cross_reference_stops_when_the_directives_are_repealed(rulebook: Rulebook) -> None:
    old = rulebook.obligations_by_id["traceability_compatible_with_tissue_blood_systems"]
    new = rulebook.obligations_by_id["traceability_soho_link_after_2027"]
    assert old.valid_to == date(2027, 8, 6) and new.valid_from == date(2027, 8, 7)


def test_non_atmp_tissue_line_states_the_full_scope_not_the_carve_out(rulebook: Rulebook) -> None:
    o = rulebook.obligations_by_id["not_atmp_tissues_and_cells_directive"]
    assert "processing" in o.description and "distribution" in o.description
    assert any("first subparagraph" in c.ref for c in o.citations)


def test_catalogue_json_says_where_each_line_was_confirmed_and_when_each_source_was_reviewed(
    rulebook: Rulebook,
) -> None:
    data = catalogue_data(rulebook)
    rows = {o["id"]: o for o in data["obligations"]}
    assert rows["ct_authorisation_ctis"]["verified_in"]
    assert rows["glp_non_clinical_studies"]["verification"] == "confirmed"
    assert rows["he_national_extra_conditions"]["to_confirm"]
    assert all(s["last_reviewed"] for s in data["sources"])


def test_investigational_atmp_traceability_rests_on_ctr_article_51_not_on_the_mah_duty(rulebook: Rulebook) -> None:
    o = rulebook.obligations_by_id["imp_atmp_traceability"]
    assert o.verification == "confirmed" and o.verified_in and "Art 51" in o.verified_in
    assert any(c.source == "reg_536_2014" and c.ref.startswith("Art 51(1)") for c in o.citations)
    assert "not re-read" in o.description


# --- Whole rulebook (issue #11 point 3) ---------------------------------------------------------
#: Issue #11 asks for 85 %. Pass 3 (2026-12-02) reached 98/118, pass 3b 100/118, pass 3c (the per-state
#: deliberate-release dossier) 102/119 = 85.7 %. The rest need texts not reachable in primary form yet
#: (Part IV body, Dir 2001/83 Arts 49-50, Annex 1 cover, EMA pages, the pharma-package proposals'
#: articles — docs/rules-notes-part-a.md and -part-b.md "Pass 3").
WHOLE_RULEBOOK_FLOOR = 0.85  # issue #11 goal; raise it as lines are confirmed, never lower it
#: Source kinds that are never law or an authority's own text: a line citing only these cannot be confirmed.
SECONDARY_KINDS = frozenset({"position_paper", "news", "commentary", "law_firm_note", "trade_press"})


def test_whole_rulebook_confirmed_share_stays_above_the_floor(rulebook: Rulebook) -> None:
    obligations = rulebook.obligations
    confirmed = sum(o.verification == "confirmed" for o in obligations)
    assert confirmed / len(obligations) >= WHOLE_RULEBOOK_FLOOR, f"{confirmed}/{len(obligations)}"


def test_whole_rulebook_every_confirmed_line_says_where_and_every_other_line_what_would_confirm_it(
    rulebook: Rulebook,
) -> None:
    for o in rulebook.obligations:
        if o.verification == "confirmed":
            assert o.verified_in and re.search(r"20\d\d-\d\d-\d\d", o.verified_in), (
                f"{o.id}: confirmed without where/when"
            )
        else:
            assert o.to_confirm, f"{o.id}: {o.verification} without to_confirm"


def test_no_line_is_confirmed_on_secondary_sources_alone(rulebook: Rulebook) -> None:
    kinds = {s.id: s.kind for s in rulebook.sources}
    assert SECONDARY_KINDS & set(kinds.values()), "no secondary-kind source in the rulebook: the check below is vacuous"
    for o in rulebook.obligations:
        if o.verification == "confirmed":
            assert o.citations and not all(kinds[c.source] in SECONDARY_KINDS for c in o.citations), o.id
