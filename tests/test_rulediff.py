"""Semantic rule diff: on toy rules changed in a copy, and on the shipped rules against git."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from atmp_pathways import Rulebook, load_rulebook
from atmp_pathways.__main__ import main
from atmp_pathways.rulediff import diff_rulebooks
from atmp_pathways.store import open_store

from .paths import ROOT, TOY


def _copy(tmp_path: Path, name: str = "rules") -> Path:
    target = tmp_path / name
    shutil.copytree(TOY, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text moved: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def changed_toy(tmp_path: Path) -> Path:
    """The toy rules with one citation added and one condition changed (what a rule author does)."""
    rules = _copy(tmp_path, "changed")
    widgets = rules / "widgets.yaml"
    _edit(
        widgets,
        'citations: [{source: widget_act, ref: Art 4, quote: "Every large maker shall register."}]',
        'citations: [{source: widget_act, ref: Art 4, quote: "Every large maker shall register."}, '
        "{source: widget_act, ref: Art 9}]",
    )
    _edit(widgets, "when: {question: widget_colour, in: [red]}", "when: {question: widget_colour, in: [red, blue]}")
    return rules


def test_rulediff_names_a_citation_and_a_condition_change_in_words(tmp_path: Path, toy_book: Rulebook) -> None:
    diff = diff_rulebooks(toy_book, load_rulebook(changed_toy(tmp_path)))
    lines = [line for c in diff.changes for line in c.lines()]
    assert lines == [
        "`register_widgets`: citation added: Widget Act Art 9",
        "`label_red_widgets`: condition `when` changed: widget_colour is one of ['red'] → "
        "widget_colour is one of ['red', 'blue']",
    ]
    assert diff.find("obligations", "register_widgets") is not None
    assert diff.find("obligations", "label_all_widgets") is None


def test_rulediff_added_removed_and_field_changes(tmp_path: Path, toy_book: Rulebook) -> None:
    rules = _copy(tmp_path)
    widgets = rules / "widgets.yaml"
    _edit(widgets, "valid_from: 2027-01-01", "valid_from: 2027-03-01")
    _edit(widgets, "    verification: secondary\n", "    verification: confirmed\n")
    _edit(widgets, "checklist: [Print labels, Fix labels to every red widget]", "checklist: [Print labels]")
    _edit(widgets, "    status: proposed\n", "    status: agreed_not_in_force\n")
    _edit(widgets, "choices: {red: Red, blue: Blue, green: Green}", "choices: {red: Red, blue: Navy, green: Green}")
    _edit(
        widgets,
        "  - id: widget_tax_proposal",
        "  - id: widget_export_record\n    title: Keep an export record\n    description: Keep it.\n"
        "    actor: maker\n    phase: make\n    citations: [{source: widget_act, ref: Art 10}]\n"
        "    status: binding_law\n    verification: confirmed\n    checklist: [Keep the record]\n"
        "  - id: widget_tax_proposal",
    )
    _edit(rules / "sources.yaml", "url: https://example.org/widget-act", "url: https://example.org/widget-act-2")
    _edit(rules / "rulebook.yaml", "version: 1.2.3", "version: 1.3.0")
    diff = diff_rulebooks(toy_book, load_rulebook(rules))
    text = diff.to_markdown()
    for expected in (
        "- `rulebook`: version 1.2.3 → 1.3.0",
        "- `widget_colour`: choice blue changed: Blue → Navy",
        "- `label_all_widgets`: valid from changed: 2027-01-01 → 2027-03-01",
        "- `label_red_widgets`: verification changed: secondary → confirmed",
        "- `label_red_widgets`: checklist line removed: 'Fix labels to every red widget'",
        "- `widget_tax_proposal`: status changed: proposed → agreed not in force",
        "- `widget_export_record` added: Keep an export record",
        "- `widget_act`: url changed: https://example.org/widget-act → https://example.org/widget-act-2",
    ):
        assert expected in text
    back = diff_rulebooks(load_rulebook(rules), toy_book)
    assert back.find("obligations", "widget_export_record") is not None
    assert back.find("obligations", "widget_export_record").change == "removed"  # type: ignore[union-attr]
    changelog = diff.changelog()
    assert changelog.startswith(f"## 1.3.0 — {date(2026, 1, 1).isoformat()}\n")
    assert "### Added\n\n- Obligation `widget_export_record`: Keep an export record" in changelog
    assert "### Changed" in changelog and "- Obligation `label_all_widgets`: valid from changed" in changelog


def test_diff_cli_formats_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    changed = changed_toy(tmp_path)
    assert main(["diff", str(TOY), str(changed), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["old"]["version"] == data["new"]["version"] == "1.2.3"
    assert data["old"]["digest"] != data["new"]["digest"]
    assert [(c["id"], c["change"]) for c in data["changes"]] == [
        ("register_widgets", "changed"),
        ("label_red_widgets", "changed"),
    ]
    assert main(["diff", str(TOY), "--changelog", str(changed)]) == 0  # flags may come before NEW
    assert "### Changed" in capsys.readouterr().out
    for args in (["diff", str(tmp_path / "nowhere")], ["diff", "git:no-such-ref-anywhere"], ["diff", "digest:12"]):
        assert main(args) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, err
    with pytest.raises(SystemExit) as usage:
        main(["diff"])
    assert usage.value.code == 2


def test_diff_cli_reads_a_stored_rulebook_by_digest(
    tmp_path: Path, toy_book: Rulebook, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = open_store(url)
    store.create("A", "", None, {"uses_widgets": True}, date(2026, 6, 1), toy_book)
    store.close()
    changed = changed_toy(tmp_path)
    args = ["diff", f"digest:{toy_book.digest[:8]}", str(changed), "--database", url]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"# Rule changes: 1.2.3 (digest {toy_book.digest})" in out
    assert "- `register_widgets`: citation added: Widget Act Art 9" in out
    assert main(["diff", "digest:ffffffff", str(changed), "--database", url]) == 1
    assert "no stored rulebook has that digest" in capsys.readouterr().err


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def test_diff_shipped_rules_against_git(capsys: pytest.CaptureFixture[str], rulebook: Rulebook) -> None:
    """The shipped rules against the commit before the last version bump of rulebook.yaml."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        bump = _git("log", "-1", "--format=%H", "-G", "^version:", "--", "rules/rulebook.yaml")
        _git("rev-parse", "--verify", f"{bump}~1")
    except subprocess.CalledProcessError:
        pytest.skip("not a git checkout with the history of rules/rulebook.yaml (shallow clone?)")
    if not bump:
        pytest.skip("rules/rulebook.yaml has no version change in this checkout's history")
    assert main(["diff", f"git:{bump}~1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["new"]["digest"] == rulebook.digest
    assert data["old"]["version"] != rulebook.meta.version
    meta = next(c for c in data["changes"] if c["kind"] == "rulebook")
    assert f"version {data['old']['version']} → {rulebook.meta.version}" in meta["details"]
    assert main(["diff", f"git:{bump}", f"git:{bump}"]) == 0
    assert "No semantic change." in capsys.readouterr().out
