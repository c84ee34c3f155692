"""The benchmark generator writes a rulebook that loads clean and answers completely."""

from __future__ import annotations

from pathlib import Path

from atmp_pathways import evaluate, load_rulebook, next_question

from .generate import generate_rules


def test_generate_rules_1k_loads_clean_and_its_witness_answers_everything(tmp_path: Path) -> None:
    gen = generate_rules(tmp_path, 1000, seed=7)
    book = load_rulebook(tmp_path)  # strict: lint warnings (unused, uncited, unsatisfiable) are fatal too
    assert len(book.questions) + len(book.obligations) == 1000
    assert len(book.meta.topics) == gen.n_topics > 1
    assert {d for d, n in gen.depth_counts.items() if n} == {1, 2, 3, 4}
    assert gen.gated > 0 and gen.for_each > 0
    outcome = evaluate(book, gen.witness)
    assert outcome.complete and not outcome.pending_questions
    assert next_question(book, gen.witness) is None
    assert len(outcome.applicable) + len(outcome.upcoming) + len(outcome.horizon) >= len(book.obligations) * 0.8


def test_generate_rules_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    generate_rules(tmp_path / "a", 120, seed=3)
    generate_rules(tmp_path / "b", 120, seed=3)
    for path in sorted((tmp_path / "a").rglob("*.yaml")):
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()
