"""The rule graph is derived from conditions; DOT and Mermaid exports."""

from __future__ import annotations

import shutil
from pathlib import Path

from atmp_pathways import Rulebook, build_graph, lint_rulebook, load_rulebook, to_dot, to_mermaid

from .paths import ROOT, TOY


def test_graph_edges_come_from_conditions_and_citations(toy_book: Rulebook) -> None:
    g = build_graph(toy_book)
    assert g.edges["q:uses_widgets", "q:widget_count_large"]["role"] == "when"
    assert g.edges["q:widget_colour", "o:register_widgets"]["role"] == "unless"
    assert g.edges["q:ship_to", "o:customs_notice"]["role"] == "for_each"
    assert g.edges["o:register_widgets", "s:widget_act"]["role"] == "cites"
    assert g.number_of_nodes() == 4 + 1 + 5 + 2  # questions, determinations, obligations, sources


def test_determinations_are_their_own_node_kind(toy_book: Rulebook, decisions_book: Rulebook) -> None:
    g = build_graph(toy_book)
    assert g.nodes["d:maker_size"]["kind"] == "determination"
    assert g.edges["q:widget_count_large", "d:maker_size"]["role"] == "when"
    g = build_graph(decisions_book)
    assert g.edges["d:gadget_class", "q:markets"]["role"] == "when"  # determination → question
    assert g.edges["d:gadget_class", "d:support_level"]["role"] == "when"  # determination → determination
    assert g.edges["d:gadget_class", "o:register_alpha"]["role"] == "when"  # determination → obligation
    assert g.edges["q:markets", "d:market_regime"]["role"] == "for_each"
    assert "shape=diamond" in to_dot(decisions_book)
    assert '{"gadget_class"}' in to_mermaid(decisions_book)


def test_lint_is_clean_on_the_toy_rulebook(toy_book: Rulebook) -> None:
    assert lint_rulebook(toy_book) == []


def test_dot_export_lists_every_node_and_filters_by_topic(toy_book: Rulebook) -> None:
    dot = to_dot(toy_book)
    assert dot.startswith("digraph rules {") and '"q:uses_widgets" -> "q:widget_count_large"' in dot
    shipping = to_dot(toy_book, {"shipping"})
    assert "q:ship_to" in shipping and "q:uses_widgets" not in shipping


def test_mermaid_export_is_a_flowchart(toy_book: Rulebook) -> None:
    text = to_mermaid(toy_book)
    assert text.startswith("flowchart LR\n")
    assert '["uses_widgets"]' in text and "-->|when|" in text and "-.->|cites|" in text


def test_dot_export_draws_reform_proposals(tmp_path: Path) -> None:
    """A rules folder with proposals.yaml drew no graph at all (KeyError on the proposal node kind)."""
    root = tmp_path / "rules"
    shutil.copytree(TOY, root)
    shutil.copy(ROOT / "tests" / "fixtures" / "toy_proposals" / "proposals.yaml", root / "proposals.yaml")
    book = load_rulebook(root)
    assert book.proposals
    dot = to_dot(book)
    assert f'"p:{book.proposals[0].id}" [label=' in dot and "shape=hexagon" in dot
    assert f'"p:{book.proposals[0].id}" -> "s:' in dot
