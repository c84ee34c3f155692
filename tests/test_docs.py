"""Docs cannot drift: the rules catalogue, the JSON schemas, the README's commands."""

from __future__ import annotations

import argparse
import json
import re

import pytest

from atmp_pathways.__main__ import _COMMANDS, _parser, main
from atmp_pathways.exports import EXPORTS
from atmp_pathways.models import DataFile, ProposalsFile, RulebookMeta, SourcesFile, TopicFile

from .paths import ROOT


def test_rules_readme_catalogue_is_in_sync(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["catalogue", "--check-readme", str(ROOT / "rules" / "README.md")])
    _, err = capsys.readouterr()
    assert code == 0, err


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("topic", TopicFile),
        ("rulebook", RulebookMeta),
        ("sources", SourcesFile),
        ("data", DataFile),
        ("proposals", ProposalsFile),
    ],
)
def test_committed_schemas_match_the_models(name: str, model: type) -> None:
    committed = json.loads((ROOT / "schema" / f"{name}.schema.json").read_text())
    assert committed == model.model_json_schema(by_alias=True), "run `make schema`"


def _cli_commands() -> dict[str, argparse.ArgumentParser]:
    """The CLI's commands, read from its argparse registry (so a new command is checked at once)."""
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_registered_command_has_a_handler() -> None:
    assert set(_cli_commands()) == set(_COMMANDS)


@pytest.mark.parametrize("command", sorted(_cli_commands()))
def test_readme_documents_every_cli_command(command: str) -> None:
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"python -m atmp_pathways( --rules \S+)? {command}\b", readme), command


def test_readme_documents_the_two_setup_commands_and_check_json() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert re.search(r"python -m atmp_pathways check\b.*--format json", readme)


def test_readme_documents_every_export_format() -> None:
    readme = (ROOT / "README.md").read_text()
    evaluate_line = next(line for line in readme.splitlines() if "python -m atmp_pathways evaluate" in line)
    documented = re.search(r"--format ([\w\\|]+)\]", evaluate_line)
    assert documented, evaluate_line
    assert set(documented.group(1).split("\\|")) == set(EXPORTS), "README: evaluate --format lists the formats"
    downloads = next(line for line in readme.splitlines() if line.startswith("- **Downloads**"))
    for fmt in EXPORTS.values():
        assert fmt.label in downloads, f"README's Downloads line does not name {fmt.label}"


def test_every_rule_file_declares_its_schema() -> None:
    for path in sorted((ROOT / "rules").rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.name)
def test_example_answer_files_are_complete_interviews(example) -> None:  # type: ignore[no-untyped-def]
    from atmp_pathways import evaluate, load_rulebook, parse_answers

    book = load_rulebook(ROOT / "rules")
    parsed = parse_answers(book, example.read_bytes(), example.name)
    out = evaluate(book, parsed.answers)
    assert out.complete and out.applicable
