"""Reform proposals (``proposals.yaml``): loaded beside the law, checked for links, never law."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from atmp_pathways import Rulebook, RulebookError, load_rulebook
from atmp_pathways.catalogue import catalogue_data, catalogue_markdown

from .paths import ROOT, TOY

PROPOSALS = ROOT / "tests" / "fixtures" / "toy_proposals"


def _toy_with(tmp_path: Path, fixture: str) -> Path:
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    shutil.copy(PROPOSALS / fixture, dest / "proposals.yaml")
    return dest


def test_toy_proposals_load_beside_the_rules(tmp_path: Path) -> None:
    book = load_rulebook(_toy_with(tmp_path, "proposals.yaml"))
    assert [p.number for p in book.proposals] == ["P1", "P2"]
    assert [p.id for p in book.proposals_by_target["label_all_widgets"]] == ["toy_p1_fewer_labels"]
    assert [p.id for p in book.proposals_by_target["widget_count_large"]] == ["toy_p1_fewer_labels"]
    assert book.source("toy_position_paper").status == "stakeholder_proposal"
    assert book.proposal_buckets["tax"] == "2. Taxes"
    # a proposal is not an obligation: nothing the engine evaluates changed
    assert {o.id for o in book.obligations} == {o.id for o in load_rulebook(TOY).obligations}
    assert book.locations["toy_p2_no_tax"][1] == 16


def test_broken_proposals_are_reported_with_file_line_and_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RulebookError) as info:
        load_rulebook(_toy_with(tmp_path, "broken_proposals.yaml"))
    text = str(info.value)
    assert "rules/proposals.yaml:11: proposals[0].bucket: unknown bucket 'label' — did you mean 'labels'?" in text
    assert (
        "rules/proposals.yaml:12: proposals[0].citation.source: unknown source 'toy_position_papr'"
        " — did you mean 'toy_position_paper'?" in text
    )
    assert (
        "rules/proposals.yaml:13: proposals[0].affects[0]: unknown obligation or question 'label_all_widget'"
        " — did you mean 'label_all_widgets'?" in text
    )
    assert "rules/proposals.yaml:14: proposals[0].taken_up_by[0]: 'register_widgets' is not pending legislation" in text
    assert "Traceback" not in text


def test_an_obligation_cannot_be_a_stakeholder_proposal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    widgets = dest / "widgets.yaml"
    widgets.write_text(widgets.read_text().replace("status: proposed", "status: stakeholder_proposal"))
    with pytest.raises(RulebookError, match="an obligation cannot be an industry proposal"):
        load_rulebook(dest)


def test_catalogue_lists_proposals_apart_from_the_law(tmp_path: Path) -> None:
    book = load_rulebook(_toy_with(tmp_path, "proposals.yaml"))
    data = catalogue_data(book)
    assert [p["id"] for p in data["proposals"]] == ["toy_p1_fewer_labels", "toy_p2_no_tax"]
    assert "### Industry reform proposals — not law (2)" in catalogue_markdown(book)


def test_shipped_proposals_are_the_papers_23_recommendations(rulebook: Rulebook) -> None:
    numbers = [p.number for p in rulebook.proposals]
    assert numbers == [f"R{i:02d}" for i in range(1, 24)]
    assert len(rulebook.proposal_buckets) == 5
    for p in rulebook.proposals:
        assert rulebook.source(p.citation.source).status == "stakeholder_proposal", p.id
        assert p.affects, p.id
    assert all(o.status != "stakeholder_proposal" for o in rulebook.obligations)


def test_coverage_counts_each_proposal_as_shown_only_when_what_it_would_change_is_on_screen(tmp_path: Path) -> None:
    from atmp_pathways.scenarios import coverage, load_scenarios

    book = load_rulebook(_toy_with(tmp_path, "proposals.yaml"))
    file = tmp_path / "cases.yaml"
    file.write_text("- name: No widgets\n  answers: {uses_widgets: false}\n")
    cov = coverage(book, load_scenarios([file], book))
    assert cov.proposals == {"toy_p1_fewer_labels": False, "toy_p2_no_tax": False}
    assert "reform proposal never shown: toy_p2_no_tax" in cov.gaps()
    file.write_text("- name: Widgets\n  answers: {uses_widgets: true, widget_count_large: true}\n")
    assert coverage(book, load_scenarios([file], book)).proposals == {
        "toy_p1_fewer_labels": True,
        "toy_p2_no_tax": True,
    }


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "xlsx", "docx", "pdf"])
def test_every_export_has_the_proposals_apart_from_the_law_and_the_review_dates(tmp_path: Path, fmt: str) -> None:
    from atmp_pathways import evaluate

    from .test_export_consistency import read_back

    book = load_rulebook(_toy_with(tmp_path, "proposals.yaml"))
    outcome = evaluate(book, {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red"})
    text = read_back(fmt, outcome, book, tmp_path)
    assert "Industry reform proposals — not law" in text
    assert "Label only large batches" in text and "Drop the widget tax" in text
    assert "Toy Widget Makers' Association" in text
    assert "last reviewed 2026-01-01" in text
