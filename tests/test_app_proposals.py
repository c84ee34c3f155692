"""The app shows the industry reform proposals beside the law, and every source's last-reviewed date."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from atmp_pathways import RulebookError, load_rulebook
from atmp_pathways.answers import encode_answers

from .paths import RULES, TOY

TIMEOUT = 60
GMO_TRIAL = {  # journey 1 of tests/scenarios/journeys_a.yaml: a complete interview
    "product_type": "gene_therapy",
    "human_cells_or_tissues": "none",
    "cls_recombinant_nucleic_acid": "genetic_effect",
    "routes": ["clinical_trial", "marketing_authorisation"],
    "manufacturing_location": "eu_eea",
    "automated_closed_system": False,
    "electronic_gmp_records": True,
    "ai_in_gmp": False,
    "biological_raw_materials": True,
    "ct_imp_manufacturer": "contract_manufacturer",
    "contains_gmo": True,
    "gmo_product_form": "in_vivo_aav",
    "trial_member_states": ["DE", "FR", "NL", "ES"],
    "gmo_part_b_consents": True,
    "poc_decentralised": False,
}


def _real_rules() -> None:
    try:
        load_rulebook(RULES)
    except RulebookError as err:
        pytest.skip(f"rules/ does not load right now: {str(err).splitlines()[-1]}")


def _page_script(rules_dir: str) -> None:
    from atmp_pathways import load_rulebook
    from ui import proposals

    proposals.render_page(load_rulebook(rules_dir))


def _text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "subheader", "title", "warning") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_reform_proposals_page_lists_all_23_with_the_legislation_that_takes_them_up() -> None:
    _real_rules()
    at = AppTest.from_function(_page_script, args=(str(RULES),), default_timeout=TIMEOUT).run()
    assert not at.exception
    text = _text(at)
    assert "Industry reform proposals — not law" in at.warning[0].value
    book = load_rulebook(RULES)
    # A logical outline: the page's h1, an h2 per bucket, an h3 per proposal (no anchor links).
    buckets = [
        title for bucket, title in book.proposal_buckets.items() if any(p.bucket == bucket for p in book.proposals)
    ]
    assert [str(h.value).replace("\\", "") for h in at.header] == buckets and all(
        h.proto.hide_anchor for h in at.header
    )
    proposals = [str(h.value).replace("\\", "") for h in at.subheader]
    assert len(proposals) == len(book.proposals) == 23 and all(h.proto.hide_anchor for h in at.subheader)
    for number in ("R01", "R16", "R23"):
        assert any(p.startswith(f"{number} · ") for p in proposals), proposals
    assert "Biotech Act I (proposed)" in text  # R16 is taken up by the Biotech Act's GMO exemptions
    assert "last reviewed 2026-12-02" in text


def test_reform_proposals_page_without_proposals_says_so() -> None:
    at = AppTest.from_function(_page_script, args=(str(TOY),), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "No reform proposals are recorded" in _text(at)


def test_results_show_reform_proposals_under_the_obligations_they_would_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _real_rules()
    book = load_rulebook(RULES)
    answers = {k: v for k, v in GMO_TRIAL.items() if k in book.questions_by_id}
    monkeypatch.setenv("ATMP_RULES_DIR", str(RULES))
    at = AppTest.from_file(str(RULES.parent / "app.py"), default_timeout=TIMEOUT)
    at.query_params["a"] = encode_answers(answers)
    at.run()
    assert not at.exception
    at.button(key="see_results").click().run()
    assert not at.exception
    text = _text(at)
    assert "Reform proposals (not law):" in text
    assert "R16 Full exemption of therapeutic ATMPs from the GMO framework" in text
    assert "proposed by EUCOPE (industry association)" in text
    assert "(last reviewed 20" in text
