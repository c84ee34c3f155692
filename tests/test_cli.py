"""The CLI is a stable interface: exit codes, output shapes, no tracebacks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from atmp_pathways import load_rulebook
from atmp_pathways.__main__ import main
from atmp_pathways.exports import EXPORTS
from atmp_pathways.exports.csv_ import BOM

from .paths import ROOT, TOY


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_clean_prints_one_line_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(TOY))
    assert code == 0
    assert len(out.strip().splitlines()) == 1
    assert "clean — 4 questions, 5 obligations, 2 sources, 2 topics; version 1.2.3" in out


def test_check_broken_lists_problems_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    (dest / "widgets.yaml").write_text((dest / "widgets.yaml").read_text().replace("actor: maker", "actor: makr", 1))
    code, out, err = run(capsys, "check", "rules")
    assert code == 1 and out == ""
    assert (
        err.splitlines()[0]
        == "rules/widgets.yaml:25: obligations[0].actor: unknown actor 'makr' — did you mean 'maker'?"
    )
    assert "Traceback" not in err


def test_check_json_lists_problems_as_data(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    (dest / "widgets.yaml").write_text((dest / "widgets.yaml").read_text().replace("actor: maker", "actor: makr", 1))
    code, out, err = run(capsys, "check", "rules", "--format", "json")
    problems = json.loads(out)
    assert code == 1 and err == ""
    assert problems[0] == {
        "path": "rules/widgets.yaml",
        "line": 25,
        "where": "obligations[0].actor",
        "message": "unknown actor 'makr'",
        "hint": "did you mean 'maker'?",
        "severity": "error",
        "code": "unknown_ref",
        "ref": "makr",
        "suggestion": "maker",
    }


def test_check_json_of_clean_rules_is_an_empty_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(TOY), "--format", "json")
    assert code == 0 and json.loads(out) == []


def test_check_prints_warnings_but_passes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    lonely = (
        "  - id: lonely_act\n    title: Lonely Act\n    kind: act\n    identifier: TOY-9\n"
        "    url: https://example.org/lonely\n    status: guidance\n    last_reviewed: 2026-01-01\n"
    )
    (dest / "sources.yaml").write_text((dest / "sources.yaml").read_text() + lonely)
    code, out, err = run(capsys, "check", "rules")
    assert code == 0 and "clean" in out
    assert "warning: rules/sources.yaml" in err and "source 'lonely_act' is never cited" in err


def test_check_as_a_subprocess_has_no_traceback(tmp_path: Path) -> None:
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    (dest / "shipping.yaml").write_bytes(b"title: \xff\xfe bad\n")
    proc = subprocess.run(
        [sys.executable, "-m", "atmp_pathways", "check", str(dest)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 1
    assert "not UTF-8 text (byte 0xff at offset 7) — save the file as UTF-8" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_catalogue_json_has_every_part(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--rules", str(TOY), "catalogue")
    data = json.loads(out)
    assert code == 0
    assert set(data) >= {"ruleset", "questions", "obligations", "sources", "lists", "tables"}
    reg = next(o for o in data["obligations"] if o["id"] == "register_widgets")
    assert reg["unless"] == {"question": "widget_colour", "is": "green"}
    assert reg["citations"][0]["url"] == "https://example.org/widget-act"


def test_evaluate_json_has_the_documented_fields(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("uses_widgets: true\nwidget_count_large: true\nwidget_colour: red\nship_to: ['NO']\n")
    code, out, _ = run(capsys, "--rules", str(TOY), "evaluate", str(answers), "--as-of", "2026-06-01")
    assert code == 0
    data = json.loads(out)
    assert data["ruleset"]["version"] == "1.2.3" and len(data["ruleset"]["digest"]) == 16
    assert data["as_of"] == "2026-06-01"
    assert data["answers"]["ship_to"] == ["NO"]
    first = data["obligations"][0]
    assert {"id", "title", "status", "verification", "valid_from", "valid_to", "citations", "because"} <= set(first)
    assert set(first["citations"][0]) >= {"source", "title", "reference", "url"}
    assert [n["id"] for n in data["not_applicable"]] == []
    assert data["pending_questions"] == []


def test_evaluate_lists_pending_questions_in_asking_order(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text('{"uses_widgets": true}')
    code, out, _ = run(capsys, "--rules", str(TOY), "evaluate", str(answers))
    assert code == 0
    assert [p["id"] for p in json.loads(out)["pending_questions"]] == ["widget_count_large", "widget_colour", "ship_to"]


def test_evaluate_bad_answers_exit_1_with_clear_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("uses_widget: true\n")
    code, _, err = run(capsys, "--rules", str(TOY), "evaluate", str(answers))
    assert code == 1
    assert "a.yaml: Answer given for unknown question 'uses_widget'. Did you mean 'uses_widgets'?" in err


@pytest.mark.parametrize("fmt", list(EXPORTS))
def test_evaluate_writes_every_format(capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("uses_widgets: true\nwidget_count_large: true\nwidget_colour: red\nship_to: ['NO']\n")
    out = tmp_path / f"out.{fmt}"
    code, _, _ = run(capsys, "--rules", str(TOY), "evaluate", str(answers), "--format", fmt, "-o", str(out))
    assert code == 0
    data = out.read_bytes()
    assert len(data) > 200
    magic = {"xlsx": b"PK", "docx": b"PK", "pdf": b"%PDF"}
    if EXPORTS[fmt].binary:
        assert data.startswith(magic.get(fmt, b""))
    else:
        assert load_rulebook(TOY).digest.encode() in data  # the ruleset digest stamp


def test_csv_on_a_terminal_has_no_byte_order_mark_but_a_pipe_keeps_it(tmp_path: Path) -> None:
    """The CSV starts with a UTF-8 byte-order mark for Excel (a file, a redirect, a pipe keep it);
    written to a terminal it would be a stray invisible character, so a terminal gets the rest only."""
    pty = pytest.importorskip("pty", reason="a pseudo-terminal needs a POSIX system")
    answers = tmp_path / "a.yaml"
    answers.write_text("uses_widgets: true\nwidget_count_large: true\nwidget_colour: red\nship_to: ['NO']\n")
    command = [sys.executable, "-m", "atmp_pathways", "--rules", str(TOY), "evaluate", str(answers), "--format", "csv"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    piped = subprocess.run(command, capture_output=True, cwd=ROOT, env=env, check=True).stdout
    assert piped.startswith(BOM.encode()) and b'"obligation_id"' in piped
    terminal, child_end = pty.openpty()
    try:
        proc = subprocess.Popen(command, stdout=child_end, stderr=subprocess.PIPE, cwd=ROOT, env=env)
        os.close(child_end)
        shown = b""
        while True:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        os.close(terminal)
    stamp = re.compile(rb'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"')  # generated_at: the second run's own time
    same = [stamp.sub(b"<generated_at>", text) for text in (shown.replace(b"\r\n", b"\n"), piped[len(BOM.encode()) :])]
    assert same[0] == same[1] and same[0].startswith(b'"ruleset_title"')  # the same text, less the mark


def test_schema_is_json_schema_with_forbidden_extras(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "TopicFile"
    assert schema["$defs"]["Question"]["additionalProperties"] is False
    assert "is" in schema["$defs"]["Condition"]["properties"]


def test_graph_dot_and_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--rules", str(TOY), "graph")[1].startswith("digraph rules {")
    assert run(capsys, "--rules", str(TOY), "graph", "--format", "mermaid", "--topic", "shipping")[1].startswith(
        "flowchart LR"
    )


def test_test_command_passes_on_toy_scenarios_and_fails_on_gaps(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    toy_scen = ROOT / "tests" / "fixtures" / "toy_scenarios"
    code, out, _ = run(capsys, "--rules", str(TOY), "test", "--scenarios", str(toy_scen))
    assert code == 0, out
    assert "4 passed, 0 failed" in out and "coverage: 100.0%" in out
    partial = tmp_path / "s"
    partial.mkdir()
    (partial / "one.yaml").write_text("- name: Only one\n  answers: {uses_widgets: false}\n")
    code, out, _ = run(capsys, "--rules", str(TOY), "test", "--scenarios", str(partial))
    assert code == 1
    assert "gap: question never asked: widget_colour" in out
