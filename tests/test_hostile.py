"""Hostile input: rule files and answers files that try to exhaust, execute or inject.

Each is refused quickly with a message naming the file (and line where known)
and how to fix it. The time limit asserted is generous (shared CI); `make bench`
reports the real figures. Exports neutralise Markdown and spreadsheet formulas.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from atmp_pathways import AnswersError, RulebookError, evaluate, load_rulebook, parse_answers
from atmp_pathways.answers import MAX_ANSWERS_BYTES
from atmp_pathways.exports import EXPORTS

from .paths import ROOT, TOY

LIMIT_S = 5.0  # refused "within 1 s" on a quiet machine; generous for shared CI


def _bomb() -> bytes:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


SENTINEL = Path("/tmp/atmp-hostile-pwned")

# name → (bytes, words the message must contain, line where the problem is, or None)
HOSTILE: dict[str, tuple[Callable[[], bytes], tuple[str, ...], int | None]] = {
    "billion_laughs": (_bomb, ("anchors and aliases", "write the value out in full"), 2),
    "deep_lists": (lambda: b"title: " + b"[" * 10_000 + b"]" * 10_000 + b"\n", ("nesting deeper than", "flatten"), 1),
    "deep_flow_mappings": (
        lambda: b"title: " + b"{a: " * 10_000 + b"1" + b"}" * 10_000 + b"\n",
        ("nesting deeper than", "flatten"),
        1,
    ),
    "deep_block_lists": (lambda: b"title:\n  " + b"- " * 10_000 + b"x\n", ("nesting deeper than", "flatten"), 2),
    "fifty_megabytes": (
        lambda: b"# " + b"x" * (50 * 1024 * 1024) + b"\ntitle: big\n",
        ("bytes; the limit is", "split"),
        None,
    ),
    "non_utf8": (lambda: b"title: Widgets\nquestions:\n  - id: caf\xe9\n", ("not UTF-8", "save the file as UTF-8"), 3),
    "utf16": (lambda: "title: Widgets\n".encode("utf-16"), ("not UTF-8", "save the file as UTF-8"), 1),
    "duplicate_keys": (
        lambda: b"title: Widgets\nquestions: []\ntitle: Again\n",
        ("duplicate key 'title'", "each key may appear once"),
        3,
    ),
    "python_object_apply": (
        lambda: f"title: !!python/object/apply:os.system ['touch {SENTINEL}']\n".encode(),
        ("tag", "not allowed", "write plain data"),
        1,
    ),
    "python_name": (lambda: b"title: !!python/name:os.system\n", ("tag", "not allowed", "write plain data"), 1),
    "python_module_key": (lambda: b"? !!python/module:os\n: 1\n", ("not allowed",), 1),
    "custom_local_tag": (lambda: b"title: !evil x\n", ("tag", "not allowed"), 1),
    "nul_byte": (lambda: b"title: Wid\x00gets\n", ("special characters", ""), 1),
    "nul_in_key": (lambda: b"ti\x00tle: Widgets\n", ("special characters", ""), 1),
}


def _params() -> list[Any]:
    out = []
    for name in HOSTILE:
        out.append(pytest.param(name, id=name))
    return out


@pytest.fixture()
def toy_copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(TOY, root)
    return root


def _timed(fn: Callable[[], Any]) -> tuple[BaseException | None, float]:
    start = time.perf_counter()
    try:
        fn()
    except Exception as err:  # noqa: BLE001 - returned for the caller to check
        return err, time.perf_counter() - start
    return None, time.perf_counter() - start


@pytest.mark.parametrize("name", _params())
def test_hostile_rule_file_is_refused_quickly_with_where_what_and_how(toy_copy: Path, name: str) -> None:
    make, words, line = HOSTILE[name]
    (toy_copy / "widgets.yaml").write_bytes(make())
    SENTINEL.unlink(missing_ok=True)
    err, elapsed = _timed(lambda: load_rulebook(toy_copy))
    assert isinstance(err, RulebookError), f"expected RulebookError, got {type(err).__name__}: {err}"
    assert elapsed < LIMIT_S, f"took {elapsed:.2f} s"
    assert not SENTINEL.exists(), "a YAML tag ran a command"
    mine = [p for p in err.problems if p.path.endswith("widgets.yaml")]
    assert len(mine) == 1, str(err)
    assert mine[0].line == line, str(err)
    text = str(mine[0])
    assert text.startswith(mine[0].path + (f":{line}:" if line else ":"))
    for word in words:
        assert word in text, text
    assert mine[0].hint, "the message must say how to fix it"
    assert "Fix them, then run" in str(err)


@pytest.mark.parametrize("name", _params())
def test_hostile_answers_file_is_refused_quickly_with_where_what_and_how(toy_book: Any, name: str) -> None:
    make, words, line = HOSTILE[name]
    SENTINEL.unlink(missing_ok=True)
    raw = make()
    err, elapsed = _timed(lambda: parse_answers(toy_book, raw, "answers.yaml"))
    assert isinstance(err, AnswersError), f"expected AnswersError, got {type(err).__name__}: {err}"
    assert elapsed < LIMIT_S, f"took {elapsed:.2f} s"
    assert not SENTINEL.exists(), "a YAML tag ran a command"
    assert len(err.problems) == 1, err.problems
    message = err.problems[0]
    if name == "fifty_megabytes":
        assert f"the limit is {MAX_ANSWERS_BYTES:,}" in message
    else:
        assert message.startswith(f"answers.yaml:{line}:" if line else "answers.yaml:"), message
        for word in words:
            assert word in message, message
    assert " — " in message, "the message must say how to fix it"


def test_answers_just_over_the_size_cap_are_refused_and_just_under_are_read(toy_book: Any) -> None:
    body = b"uses_widgets: true\n"
    under = body + b"#" * (MAX_ANSWERS_BYTES - len(body) - 1) + b"\n"
    assert parse_answers(toy_book, under).answers == {"uses_widgets": True}
    with pytest.raises(AnswersError, match="the limit is"):
        parse_answers(toy_book, under + b"#")


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x1b", "\ufffe"])
def test_control_characters_are_refused_with_answers_error(toy_book: Any, char: str) -> None:
    with pytest.raises(AnswersError, match="answers file:1"):
        parse_answers(toy_book, f"uses_widgets: true{char}\n".encode())


# Source scans --------------------------------------------------------------------------------


def _sources() -> list[Path]:
    files = sorted((ROOT / "atmp_pathways").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py"))
    return files + ([ROOT / "app.py"] if (ROOT / "app.py").exists() else [])


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def test_no_code_execution_or_unsafe_deserialisation_in_the_package_or_the_app() -> None:
    banned_calls = {
        "eval",
        "exec",
        "compile",
        "yaml.load",
        "yaml.unsafe_load",
        "yaml.full_load",
        "yaml.load_all",
        "yaml.unsafe_load_all",
        "__import__",
    }
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and _dotted(node.func) in banned_calls:
                found.append(f"{where}: call to {_dotted(node.func)}")
            if isinstance(node, ast.Call) and _dotted(node.func).endswith("yaml.load"):
                found.append(f"{where}: call to {_dotted(node.func)}")
            if (
                isinstance(node, ast.keyword)
                and node.arg == "Loader"
                and _dotted(node.value)
                in {"yaml.Loader", "yaml.UnsafeLoader", "yaml.FullLoader", "Loader", "UnsafeLoader"}
            ):
                found.append(f"{where}: Loader={_dotted(node.value)}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
                )
                for n in names:
                    if n.split(".")[0] in {"pickle", "cPickle", "dill", "marshal", "shelve"} or n in {
                        "UnsafeLoader",
                        "FullLoader",
                    }:
                        found.append(f"{where}: import {n}")
            if isinstance(node, ast.Attribute) and node.attr in {"unsafe_load", "UnsafeLoader"}:
                found.append(f"{where}: .{node.attr}")
    assert not found, "\n".join(found)


def test_unsafe_allow_html_only_ever_renders_constant_strings() -> None:
    """Rule text must never reach st.markdown(..., unsafe_allow_html=True) or st.html."""
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            unsafe = any(
                k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                for k in node.keywords
            )
            if _dotted(node.func).endswith(("st.html", "components.html", "components.v1.html")):
                unsafe = True
            if unsafe and not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args):
                found.append(f"{where}: {_dotted(node.func)}(…, unsafe_allow_html) with non-constant content")
    assert not found, "\n".join(found)


# Exports --------------------------------------------------------------------------------------

HOSTILE_TEXT = [
    '=HYPERLINK("http://evil")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _hostile_rules(root: Path) -> None:
    import yaml

    widgets = yaml.safe_load((root / "widgets.yaml").read_text(encoding="utf-8"))
    reg = widgets["obligations"][0]
    reg["title"] = HOSTILE_TEXT[0]
    reg["description"] = " ".join(HOSTILE_TEXT)
    reg["checklist"] = list(HOSTILE_TEXT)
    reg["notes"] = HOSTILE_TEXT[4]
    widgets["questions"][2]["choices"] = {"red": HOSTILE_TEXT[1], "blue": HOSTILE_TEXT[5], "green": HOSTILE_TEXT[4]}
    widgets["questions"][0]["text"] = HOSTILE_TEXT[3] + " " + HOSTILE_TEXT[5]
    (root / "widgets.yaml").write_text(yaml.safe_dump(widgets, allow_unicode=True, sort_keys=False), encoding="utf-8")
    data = yaml.safe_load((root / "data" / "countries.yaml").read_text(encoding="utf-8"))
    data["lists"][0]["items"]["SE"] = HOSTILE_TEXT[2]
    data["tables"][0]["rows"]["SE"]["authority"] = HOSTILE_TEXT[0]
    data["tables"][0]["rows"]["NO"]["authority"] = HOSTILE_TEXT[4]
    (root / "data" / "countries.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


@pytest.fixture()
def hostile_outcome(toy_copy: Path) -> tuple[Any, Any]:
    _hostile_rules(toy_copy)
    book = load_rulebook(toy_copy)
    answers = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red", "ship_to": ["SE", "NO"]}
    return evaluate(book, answers, date(2026, 6, 1)), book


def _exports() -> Any:
    return EXPORTS


def test_csv_export_defuses_formulas_from_rule_text_and_answers(hostile_outcome: tuple[Any, Any]) -> None:
    outcome, book = hostile_outcome
    text = _exports()["csv"].render(outcome, book, None)
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert any(HOSTILE_TEXT[0] in c for c in cells), "the hostile text should be present, only defused"
    bad = [c for c in cells if c.startswith(FORMULA_START)]
    assert not bad, bad
    assert any(c == "'" + HOSTILE_TEXT[0] for c in cells)


def test_xlsx_export_has_no_formula_cells(hostile_outcome: tuple[Any, Any]) -> None:
    outcome, book = hostile_outcome
    data = _exports()["xlsx"].render(outcome, book, None)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    seen.append(cell.value)
    assert any(HOSTILE_TEXT[0] in v for v in seen)
    assert any(HOSTILE_TEXT[1] in v for v in seen), "the answer label should be in the workbook"


def test_markdown_export_has_no_raw_html_or_javascript_links(hostile_outcome: tuple[Any, Any]) -> None:
    outcome, book = hostile_outcome
    text = _exports()["md"].render(outcome, book, None)
    assert not re.search(r"(?<!\\)<script", text, re.I), "raw <script> in Markdown"
    assert not re.search(r"(?<!\\)\]\(javascript:", text, re.I), "a javascript: link in Markdown"
    shown = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)  # what a reader sees
    for hostile in HOSTILE_TEXT:
        assert hostile in shown, f"{hostile!r} should be present, only escaped"
    # The checklist items start lines: '=', '+' and '-' there would make a setext heading or a
    # nested list, so each is escaped (the rule text puts every hostile string in the checklist).
    items = [line.removeprefix("- [ ] ") for line in text.splitlines() if line.startswith("- [ ] ")]
    for hostile in HOSTILE_TEXT[:3]:
        escaped = [i for i in items if re.sub(r"\\(.)", r"\1", i) == hostile]
        assert escaped and escaped[0].startswith("\\" + hostile[0]), f"{hostile!r} as a checklist item: {escaped}"


def test_json_export_keeps_hostile_text_as_inert_strings(hostile_outcome: tuple[Any, Any]) -> None:
    outcome, book = hostile_outcome
    doc = json.loads(_exports()["json"].render(outcome, book, None))
    assert doc["answers"]["widget_colour"] == "red"
    assert any(f["title"] == HOSTILE_TEXT[0] for f in doc["obligations"])
