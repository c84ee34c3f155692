"""Compare two answer sets (toy rules): the pure comparison, its wording and the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from atmp_pathways import Rulebook, evaluate
from atmp_pathways.__main__ import main
from atmp_pathways.compare import compare, comparison_json, comparison_outline
from atmp_pathways.exports.markdown import render_blocks

from .paths import TOY

BASE: dict[str, Any] = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red", "ship_to": ["NO"]}
JUNE = date(2026, 6, 1)


def test_same_answers_change_nothing(toy_book: Rulebook) -> None:
    c = compare(toy_book, BASE, dict(BASE), JUNE)
    assert not c.changed and c.answers_changed == () and c.determinations == ()
    assert c.starts == () and c.stops == () and c.changes == () and c.needs == ()


def test_an_alternative_answer_changes_determinations_and_obligations(toy_book: Rulebook) -> None:
    alt = {**BASE, "widget_count_large": False}
    c = compare(toy_book, BASE, alt, JUNE)
    assert c.answers_changed == ("widget_count_large",)
    [(before, after)] = c.determinations
    assert before is not None and after is not None
    assert (before.key, before.value, after.value) == ("maker_size", "large", "small")
    assert [f.id for f in c.stops] == ["register_widgets"]
    assert c.starts == () and c.needs == ()
    # the same obligations as two separate evaluations say
    base_ids = {f.id for f in evaluate(toy_book, BASE, JUNE).applicable}
    alt_ids = {f.id for f in evaluate(toy_book, alt, JUNE).applicable}
    assert {f.id for f in c.stops} == base_ids - alt_ids and {f.id for f in c.starts} == alt_ids - base_ids


def test_obligations_that_start_applying(toy_book: Rulebook) -> None:
    c = compare(toy_book, {**BASE, "widget_colour": "green"}, BASE, JUNE)
    assert [f.id for f in c.starts] == ["register_widgets", "label_red_widgets"] and c.stops == ()


def test_questions_the_alternative_still_needs(toy_book: Rulebook) -> None:
    base = {"uses_widgets": False}
    c = compare(toy_book, base, {"uses_widgets": True}, JUNE)
    assert c.needs == ("widget_count_large", "widget_colour", "ship_to")
    [(before, after)] = c.determinations
    assert before is not None and before.value == "none"
    assert after is not None and after.value is None and after.pending == ("widget_count_large",)
    # obligations waiting for an answer under the alternative are a change of state, not a start
    assert {ch.alt.state for ch in c.changes} >= {"undetermined", "applies_from"}


def test_the_base_outcome_can_be_passed_in(toy_book: Rulebook) -> None:
    alt = {**BASE, "widget_count_large": False}
    fresh = compare(toy_book, BASE, alt, JUNE)
    reused = compare(toy_book, BASE, alt, JUNE, base_outcome=evaluate(toy_book, BASE, JUNE))
    assert comparison_json(fresh, toy_book) == comparison_json(reused, toy_book)


def test_the_comparison_reads_as_a_document(toy_book: Rulebook) -> None:
    c = compare(toy_book, BASE, {**BASE, "widget_count_large": False}, JUNE)
    md = render_blocks(comparison_outline(c, toy_book, None))
    assert "| Do you make more than 100 widgets a year? | Yes | No |" in md
    assert "| Maker size | Large maker | Small maker |" in md
    assert "## Stops applying with the alternative" in md and "**Register as a widget maker**" in md
    assert "Decision support, not legal advice" in md


def _files(tmp_path: Path, alt: str) -> tuple[str, str]:
    base = tmp_path / "base.yaml"
    base.write_text("uses_widgets: true\nwidget_count_large: true\nwidget_colour: red\n")
    other = tmp_path / "alt.yaml"
    other.write_text(alt)
    return str(base), str(other)


def test_cli_compare_markdown_and_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base, alt = _files(tmp_path, "uses_widgets: true\nwidget_count_large: false\n")
    assert main(["--rules", str(TOY), "compare", base, alt, "--as-of", "2026-06-01"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Comparison — Toy widget rules") and "1. Which colour are the widgets?" in md
    assert main(["--rules", str(TOY), "compare", base, alt, "--as-of", "2026-06-01", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data["determinations"]] == ["maker_size"]
    assert data["determinations"][0]["alternative"]["value"] == "small"
    assert {s["id"] for s in data["stops"]} == {"register_widgets", "label_red_widgets"}
    assert [n["id"] for n in data["needs"]] == ["widget_colour"]


def test_cli_compare_pdf(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base, alt = _files(tmp_path, "uses_widgets: true\nwidget_count_large: false\nwidget_colour: red\n")
    assert main(["--rules", str(TOY), "compare", base, alt, "--format", "pdf"]) == 2  # binary needs -o
    out = tmp_path / "c.pdf"
    assert main(["--rules", str(TOY), "compare", base, alt, "--format", "pdf", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; PDF text cannot be read back")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout.decode()
    assert "Stops applying with the alternative" in text and "Register as a widget maker" in text


def test_cli_compare_bad_answers_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base, alt = _files(tmp_path, "uses_widget: true\n")
    assert main(["--rules", str(TOY), "compare", base, alt]) == 1
    assert "Did you mean 'uses_widgets'?" in capsys.readouterr().err
