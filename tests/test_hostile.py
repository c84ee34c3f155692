"""Hostile input: rule files and answers files that try to exhaust, execute or inject.

Each is refused quickly with a message naming the file (and line where known)
and how to fix it. The time limit asserted is generous (shared CI); `make bench`
reports the real figures. Exports neutralise Markdown and spreadsheet formulas.
"""

from __future__ import annotations

import ast
import base64
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zlib
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


# Hardening 2 (issue 13): every finding, as the attacker or the careless user sent it ----------
#
# Each operation runs in a worker with a generous timeout: a hang guard, not a speed assert.


def _within(fn: Callable[[], Any], seconds: float = LIMIT_S) -> Any:
    """``fn()``'s result, or the exception it raised, returned; fails the test if it hangs."""
    import concurrent.futures

    pool = concurrent.futures.ThreadPoolExecutor(1)
    future = pool.submit(fn)
    try:
        return future.result(timeout=seconds)
    except concurrent.futures.TimeoutError:
        pytest.fail(f"did not finish within {seconds} s")
    except Exception as err:  # noqa: BLE001 - returned for the caller to check
        return err
    finally:
        pool.shutdown(wait=False)


def _cli(*args: str, timeout: float = 60, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process, killed after ``timeout`` s (a FIFO must not hang the suite)."""
    return subprocess.run(
        [sys.executable, "-m", "atmp_pathways", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


# value as written in YAML → the exact problem (after "file:line: ")
BAD_SCALARS = {
    "impossible_date": ("2026-02-30", "'2026-02-30' is not a valid date — write YYYY-MM-DD"),
    "impossible_time": ("2026-01-01T25:99:99", "'2026-01-01T25:99:99' is not a valid date — write YYYY-MM-DD"),
    "int_tag": ("!!int abc", "'abc' is not a valid whole number — write digits only, at most 4,300 of them"),
    "float_tag": ("!!float abc", "'abc' is not a valid number — write digits with one decimal point, e.g. 2.5"),
    "bool_tag": ("!!bool maybe", "'maybe' is not a valid boolean — write true or false"),
    "timestamp_tag": ("!!timestamp garbage", "'garbage' is not a valid date — write YYYY-MM-DD"),
    "huge_int": (
        "9" * 5000,
        f"'{'9' * 79}…' is not a valid whole number — write digits only, at most 4,300 of them",
    ),
}


@pytest.mark.parametrize("name", list(BAD_SCALARS))
def test_malformed_scalar_in_an_answers_file_is_a_problem_not_a_crash(toy_book: Any, name: str) -> None:
    written, problem = BAD_SCALARS[name]
    raw = f"uses_widgets: true\nproduct_type: {written}\n".encode()
    err = _within(lambda: parse_answers(toy_book, raw, "answers.yaml"))
    assert isinstance(err, AnswersError), f"{type(err).__name__}: {err}"
    assert err.problems == [f"answers.yaml:2: {problem}"]


def test_five_thousand_digit_key_is_a_problem_not_a_crash(toy_book: Any) -> None:
    err = _within(lambda: parse_answers(toy_book, b"9" * 5000 + b": true\n", "answers.yaml"))
    assert isinstance(err, AnswersError), f"{type(err).__name__}: {err}"
    assert err.problems[0].startswith("answers.yaml:1: '999") and "is not a valid whole number" in err.problems[0]
    assert len(err.problems[0]) < 200


@pytest.mark.parametrize("name", list(BAD_SCALARS))
def test_malformed_scalar_in_a_share_link_is_the_links_problem(toy_book: Any, name: str) -> None:
    from atmp_pathways.answers import decode_answers

    written, problem = BAD_SCALARS[name]
    token = _token(f"product_type: {written}\n".encode())
    err = _within(lambda: decode_answers(toy_book, token))
    assert isinstance(err, AnswersError), f"{type(err).__name__}: {err}"
    assert err.problems == [f"link:1: {problem}"]


def test_impossible_date_in_an_uploaded_files_as_of_is_a_problem(toy_book: Any) -> None:
    raw = b'{"as_of": 2026-02-30, "answers": {"uses_widgets": true}}'
    err = _within(lambda: parse_answers(toy_book, raw, "saved.json"))
    assert isinstance(err, AnswersError) and err.problems == [
        "saved.json:1: '2026-02-30' is not a valid date — write YYYY-MM-DD"
    ]


@pytest.mark.parametrize("as_of", ['"2026-02-30"', '"2200-01-01"', '"soon"'])
def test_an_unusable_quoted_as_of_is_a_warning_and_the_answers_still_load(toy_book: Any, as_of: str) -> None:
    raw = f'{{"as_of": {as_of}, "answers": {{"uses_widgets": true}}}}'.encode()
    parsed = _within(lambda: parse_answers(toy_book, raw, "saved.json"))
    assert not isinstance(parsed, Exception), parsed
    assert parsed.answers == {"uses_widgets": True} and parsed.as_of is None
    assert len(parsed.warnings) == 1 and parsed.warnings[0].startswith("The date in the saved.json, ")
    assert parsed.warnings[0].endswith(", was not used; the answers were.")


@pytest.mark.parametrize("name", list(BAD_SCALARS))
def test_malformed_scalar_in_a_rule_file_is_a_file_line_problem(toy_copy: Path, name: str) -> None:
    written, problem = BAD_SCALARS[name]
    path = toy_copy / "widgets.yaml"
    before = path.read_text(encoding="utf-8")
    path.write_text(before.replace("valid_from: 2027-01-01", f"valid_from: {written}"), encoding="utf-8")
    err = _within(lambda: load_rulebook(toy_copy))
    assert isinstance(err, RulebookError), f"{type(err).__name__}: {err}"
    mine = [str(p) for p in err.problems if p.path.endswith("widgets.yaml")]
    assert len(mine) == 1 and f"widgets.yaml:56: {problem}" in mine[0], mine


def test_malformed_date_in_a_scenario_is_a_file_line_problem(toy_book: Any, tmp_path: Path) -> None:
    from atmp_pathways.scenarios import load_scenarios

    path = tmp_path / "s.yaml"
    path.write_text("- name: Bad date\n  as_of: 2026-02-30\n  answers: {uses_widgets: false}\n", encoding="utf-8")
    err = _within(lambda: load_scenarios([path], toy_book))
    assert isinstance(err, RulebookError), f"{type(err).__name__}: {err}"
    assert [str(p) for p in err.problems] == [
        f"{path.as_posix()}:2: '2026-02-30' is not a valid date — write YYYY-MM-DD"
    ]


ESCAPED_CONTROLS = {
    "nul_formula": ('"\\0=HYPERLINK(\\"http://evil\\")"', "U+0000"),
    "vertical_tab_formula": ('"\\x0b=1+1"', "U+000B"),
    "terminal_title": ('"\\e]0;all checks passed\\a"', "U+001B"),
    "c1_csi": ('"\\x9b2J"', "U+009B"),
    "delete": ('"\\x7f"', "U+007F"),
}


@pytest.mark.parametrize("name", list(ESCAPED_CONTROLS))
@pytest.mark.parametrize("where", ["value", "key"])
def test_control_characters_written_as_yaml_escapes_are_refused(toy_book: Any, name: str, where: str) -> None:
    escaped, code = ESCAPED_CONTROLS[name]
    raw = (f"widget_colour: {escaped}\n" if where == "value" else f"{escaped}: red\n").encode()
    err = _within(lambda: parse_answers(toy_book, raw, "answers.yaml"))
    assert isinstance(err, AnswersError), f"{type(err).__name__}: {err}"
    assert err.problems == [
        f"answers.yaml:1: special characters are not allowed (found {code}) — remove it; save the file as plain UTF-8 text"
    ]


def test_escaped_control_character_in_a_rule_file_is_refused(toy_copy: Path) -> None:
    path = toy_copy / "widgets.yaml"
    path.write_text(path.read_text().replace("title: Widgets", 'title: "\\x0b=1+1"', 1), encoding="utf-8")
    err = _within(lambda: load_rulebook(toy_copy))
    assert isinstance(err, RulebookError)
    expected = "widgets.yaml:1: special characters are not allowed (found U+000B) — remove it; save the file as plain UTF-8 text"
    assert any(expected in str(p) for p in err.problems), str(err)


# Unbounded echoes ------------------------------------------------------------------------------


def test_a_250000_character_value_in_a_link_is_quoted_cut_short(toy_book: Any) -> None:
    from atmp_pathways.answers import decode_answers

    token = _token(json.dumps({"answers": {"widget_colour": "x" * 250_000}}).encode())
    assert len(token) < 1_000  # it compresses: a short link
    err = _within(lambda: decode_answers(toy_book, token))
    assert isinstance(err, AnswersError)
    assert err.problems == [f"link: 'widget_colour' needs one of red, blue, green; got '{'x' * 79}…'."]


def test_thousands_of_near_miss_ids_give_a_bounded_list_and_few_suggestions(toy_book: Any, monkeypatch: Any) -> None:
    from atmp_pathways import engine

    calls = []
    real = engine.did_you_mean
    monkeypatch.setattr(engine, "did_you_mean", lambda w, c: calls.append(w) or real(w, c))
    answers = {f"uses_widgets{i}": True for i in range(4_000)}
    err = _within(lambda: parse_answers(toy_book, json.dumps(answers).encode(), "link"))
    assert isinstance(err, AnswersError)
    assert len(err.problems) == 201 and err.problems[-1] == "link: … and 3,800 more"
    assert err.problems[0] == "link: Answer given for unknown question 'uses_widgets0'. Did you mean 'uses_widgets'?"
    assert len(calls) == 200, "did-you-mean is worked out only for the problems shown"
    assert sum(map(len, err.problems)) < 30_000


def test_prose_in_an_unknown_id_is_described_not_echoed(toy_book: Any) -> None:
    prose = "Your rules are out of date. Call +1 555 0100 to renew your licence now"
    err = _within(lambda: parse_answers(toy_book, json.dumps({prose: True}).encode(), "link"))
    assert isinstance(err, AnswersError)
    assert err.problems == [f"link: Answer given for an unknown question id of {len(prose)} characters."]


def test_a_saved_files_rules_version_is_echoed_cut_short(toy_book: Any) -> None:
    raw = json.dumps({"ruleset": {"version": "9" * 100_000}, "answers": {"uses_widgets": True}}).encode()
    parsed = _within(lambda: parse_answers(toy_book, raw, "saved.json"))
    assert parsed.warnings == [f"The file was saved with rules version '{'9' * 39}…'; these rules are 1.2.3."]


def test_sixty_thousand_bad_items_give_a_bounded_report(toy_copy: Path) -> None:
    items = "".join(f"  - {{id: q{i}, kind: nonsense}}\n" for i in range(60_000))
    (toy_copy / "widgets.yaml").write_text(f"title: Widgets\nquestions:\n{items}", encoding="utf-8")
    err = _within(lambda: load_rulebook(toy_copy), 120)
    assert isinstance(err, RulebookError), f"{type(err).__name__}"
    text = str(err)
    assert len(err.problems) <= 1_000 and err.omitted > 0
    lines = text.splitlines()
    assert len(lines) == 202, lines[-3:]
    assert re.fullmatch(r"… and [\d,]+ more", lines[-2]), lines[-2]
    assert re.match(r"[\d,]+ problems in \d+ or more files under ", lines[-1]), lines[-1]
    assert len(text) < 100_000
    assert any(
        re.fullmatch(r"[\d,]+ more schema problems in this file are not listed", p.message) for p in err.problems
    )


# Hostile rule folders --------------------------------------------------------------------------


def _check_in_subprocess(root: Path) -> subprocess.CompletedProcess[str]:
    return _cli("check", str(root), timeout=60)


def test_a_rule_file_linked_to_dev_zero_is_refused_unread(toy_copy: Path) -> None:
    (toy_copy / "data" / "countries.yaml").unlink()
    (toy_copy / "data" / "countries.yaml").symlink_to("/dev/zero")
    proc = _check_in_subprocess(toy_copy)  # before: read until memory ran out
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "data/countries.yaml: the file leads outside the rules folder — copy the file into the folder" in proc.stderr


def test_a_fifo_in_the_rules_folder_is_refused_without_hanging(toy_copy: Path) -> None:
    (toy_copy / "shipping.yaml").unlink()
    os.mkfifo(toy_copy / "shipping.yaml")
    proc = _check_in_subprocess(toy_copy)  # before: blocked forever (the timeout kills it)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (
        "shipping.yaml: not a regular file (a device, pipe or socket) — replace it with a plain text file"
        in proc.stderr
    )


def test_a_symlink_leading_outside_the_rules_folder_is_not_followed(toy_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("title: Secret\nquestions: []\nobligations: []\n", encoding="utf-8")
    (toy_copy / "shipping.yaml").unlink()
    (toy_copy / "shipping.yaml").symlink_to(secret)
    err = _within(lambda: load_rulebook(toy_copy))
    assert isinstance(err, RulebookError)
    mine = [str(p) for p in err.problems if p.path.endswith("shipping.yaml")]
    assert mine == [
        f"{mine[0].split(':')[0]}: the file leads outside the rules folder — copy the file into the folder instead of linking"
    ]


def test_a_symlink_inside_the_rules_folder_is_read(toy_copy: Path) -> None:
    (toy_copy / "real").mkdir()
    (toy_copy / "shipping.yaml").rename(toy_copy / "real" / "shipping.yaml")
    (toy_copy / "shipping.yaml").symlink_to(toy_copy / "real" / "shipping.yaml")
    assert _within(lambda: load_rulebook(toy_copy)).digest


def test_an_oversized_rule_file_is_refused_after_reading_at_most_the_limit(toy_copy: Path, monkeypatch: Any) -> None:
    from atmp_pathways import _files

    read: list[int] = []

    class CountingOs:
        def __getattr__(self, name: str) -> Any:
            return getattr(os, name)

        def read(self, fd: int, n: int) -> bytes:
            data = os.read(fd, n)
            read.append(len(data))
            return data

    monkeypatch.setattr(_files, "os", CountingOs())
    big = toy_copy / "shipping.yaml"
    with big.open("ab") as fh:
        fh.truncate(50 * 1024 * 1024)
    err = _within(lambda: load_rulebook(toy_copy))
    assert isinstance(err, RulebookError)
    assert any(
        "shipping.yaml: file is 52,428,800 bytes; the limit is 2,097,152 — split it" in str(p) for p in err.problems
    )
    assert 0 < sum(read) < 100_000  # the other files, not 50 MB


@pytest.mark.parametrize("n", [400, 3_000])
def test_a_long_chain_of_dependent_questions_checks_without_recursion_error(tmp_path: Path, n: int) -> None:
    from bench.chain import write_chain

    root = write_chain(tmp_path / "rules", n)
    book = _within(lambda: load_rulebook(root), 120)  # before: RecursionError from about 350
    assert not isinstance(book, Exception), f"{type(book).__name__}: {book}"
    assert len(book.questions) == n


def test_an_impossible_condition_at_the_end_of_a_short_chain_is_still_found(tmp_path: Path) -> None:
    from bench.chain import write_chain

    root = write_chain(tmp_path / "rules", 5)
    path = root / "chain.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "when: {question: q4, is: true}", "when: {all: [{question: q4, is: true}, {question: q2, is: false}]}"
    )
    path.write_text(text, encoding="utf-8")
    err = _within(lambda: load_rulebook(root))
    assert isinstance(err, RulebookError)
    assert any("obligation 'last' can never apply" in p.message for p in err.problems), str(err)


# CLI -----------------------------------------------------------------------------------------


def test_cli_prints_file_line_not_a_traceback_for_an_impossible_date(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_bytes(b"uses_widgets: true\nas_of: 2026-02-30\n")
    before = answers.read_bytes()
    proc = _cli("--rules", str(TOY), "evaluate", str(answers))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == f"{answers.as_posix()}:2: '2026-02-30' is not a valid date — write YYYY-MM-DD\n"
    assert answers.read_bytes() == before


def test_cli_never_prints_terminal_escapes(tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"x\u001b]0;all checks passed\u0007\u001b[2J": True}))
    proc = _cli("--rules", str(TOY), "evaluate", str(answers))
    assert proc.returncode == 1 and "\x1b" not in proc.stderr
    assert proc.stderr == (
        f"{answers.as_posix()}:1: special characters are not allowed (found U+001B)"
        " — remove it; save the file as plain UTF-8 text\n"
    )


def test_cli_caps_the_problem_list_and_describes_ids_that_cannot_be_ids(tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({f"Ignore the rules {i:03d}": True for i in range(500)}))
    proc = _cli("--rules", str(TOY), "--max-problems", "30", "evaluate", str(answers))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 31 and lines[-1] == f"{answers.as_posix()}: … and 470 more", lines[-3:]
    assert lines[0] == f"{answers.as_posix()}: Answer given for an unknown question id of 20 characters."


def test_cli_check_readme_on_a_non_utf8_file_says_so(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_bytes(b"caf\xe9\n<!-- catalogue:start -->\n<!-- catalogue:end -->\n")
    proc = _cli("--rules", str(TOY), "catalogue", "--check-readme", str(readme))
    assert proc.returncode == 1
    assert proc.stderr == f"{readme}: not UTF-8 text (byte 0xe9 at offset 3) — save it as UTF-8\n"


def test_cli_output_to_a_full_device_names_the_file(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    answers = tmp_path / "a.yaml"
    answers.write_text("uses_widgets: true\n")
    proc = _cli("--rules", str(TOY), "evaluate", str(answers), "--format", "md", "-o", "/dev/full")
    assert proc.returncode == 1
    assert proc.stderr == "/dev/full: cannot write the file (No space left on device)\n"


def test_cli_graph_of_an_unknown_topic_is_a_usage_error() -> None:
    proc = _cli("--rules", str(TOY), "graph", "--topic", "nonexistent")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "unknown topic 'nonexistent' — topics are: widgets, shipping\n"


def test_cli_test_with_a_missing_scenarios_folder_says_it_is_missing() -> None:
    proc = _cli("--rules", str(TOY), "test", "--scenarios", "/nonexistent")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "/nonexistent: scenarios folder not found — pass the folder that holds the scenario files\n"


def test_cli_as_of_outside_the_range_is_a_usage_error(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("uses_widgets: true\n")
    proc = _cli("--rules", str(TOY), "evaluate", str(answers), "--as-of", "2026-02-30")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.rstrip().endswith(
        "argument --as-of: '2026-02-30' is not a valid date (YYYY-MM-DD); use a date from 1990-01-01 to 2100-12-31"
    )


def test_cli_internal_error_is_one_line_with_exit_3(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    from atmp_pathways import __main__ as cli

    def boom(args: Any) -> int:
        raise RuntimeError("/srv/secret/path exploded")

    monkeypatch.setitem(cli._COMMANDS, "graph", boom)
    assert cli.main(["--rules", str(TOY), "graph"]) == 3
    err = capsys.readouterr().err
    assert err == "internal error (RuntimeError); please report it with the command you ran\n"


# Exports: defence in depth -------------------------------------------------------------------

HIDDEN_FORMULAS = ['\u200b=HYPERLINK("http://evil")', "\x0b=1+1", "  \t@SUM(A1)", "\ufeff+1", "\x00-1"]


@pytest.mark.parametrize("text", HIDDEN_FORMULAS)
def test_formula_hidden_behind_invisible_characters_is_defused_in_csv_and_markdown(
    hostile_outcome: tuple[Any, Any], text: str
) -> None:
    import dataclasses

    from atmp_pathways._defuse import defuse

    assert defuse(text) == "'" + text
    outcome, book = hostile_outcome
    first = dataclasses.replace(outcome.applicable[0], title=text)
    outcome = dataclasses.replace(outcome, applicable=(first, *outcome.applicable[1:]))
    cells = [c for row in csv.reader(io.StringIO(_exports()["csv"].render(outcome, book, None))) for c in row]
    assert "'" + text in cells
    md = _exports()["md"].render(outcome, book, None)
    heading = next(
        line
        for line in md.splitlines()
        if line.startswith("##### ") and line[6:].lstrip("\\")[:1] in "=+-@" or line.startswith("##### \\")
    )
    assert heading.startswith("##### \\"), heading


def test_pdf_shows_a_replacement_mark_and_a_warning_for_glyphs_its_font_lacks(
    hostile_outcome: tuple[Any, Any],
) -> None:
    import dataclasses

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; the PDF text cannot be read back")
    outcome, book = hostile_outcome
    first = dataclasses.replace(outcome.applicable[0], title="Widgets \u6f22\u5b57 end")
    outcome = dataclasses.replace(outcome, applicable=(first, *outcome.applicable[1:]))
    data = _within(lambda: _exports()["pdf"].render(outcome, book, None), 60)
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    flat = " ".join(text.split())
    assert "Widgets \ufffd\ufffd end" in flat, "a character must never be dropped silently"
    assert "Warning: 2 character(s) in this checklist cannot be shown in this PDF's font" in flat
    assert "(U+5B57, U+6F22)" in flat


# The app: link, upload, pages (AppTest, in process) -----------------------------------------

APP_TIMEOUT = 60


def _app(monkeypatch: Any, **query: str) -> Any:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ATMP_RULES_DIR", str(TOY))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def _page_text(at: Any) -> str:
    parts = [
        e.value for kind in ("markdown", "caption", "header", "subheader", "title", "code") for e in getattr(at, kind)
    ]
    parts += [e.value for kind in ("error", "warning", "info", "success") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def _no_leak(at: Any) -> None:
    """No exception element, traceback or server path on the page."""
    assert not at.exception
    text = _page_text(at)
    assert "Traceback" not in text and str(ROOT) not in text and "site-packages" not in text


def test_app_link_with_an_impossible_date_shows_the_apps_warning(monkeypatch: Any) -> None:
    at = _within(lambda: _app(monkeypatch, a=_token(b"product_type: 2026-02-30\n")).run(), 120)
    _no_leak(at)
    assert at.session_state["answers"] == {}
    warning = at.warning[0].value.replace("\\", "")
    assert warning.startswith("The answers in the page address could not be used, so the wizard starts empty.")
    assert "link:1: '2026-02-30' is not a valid date — write YYYY-MM-DD" in warning


def test_app_link_with_a_huge_value_and_many_ids_shows_a_bounded_warning(monkeypatch: Any) -> None:
    raw = json.dumps({"answers": {"widget_colour": "x" * 150_000} | {f"uses_widgets{i}": True for i in range(4_000)}})
    token = _token(raw.encode())
    at = _within(lambda: _app(monkeypatch, a=token).run(), 120)
    _no_leak(at)
    warning = at.warning[0].value
    assert len(warning) < 10_000, len(warning)
    assert warning.count("\n- ") == 21 and warning.rstrip().endswith("… and 3,981 more"), warning[-200:]


def test_app_uses_the_as_of_inside_a_link_like_a_file(monkeypatch: Any) -> None:
    from atmp_pathways import dump_answers

    token = _token(dump_answers({"uses_widgets": True}, date(2038, 1, 1)).encode())
    at = _within(lambda: _app(monkeypatch, a=token).run(), 120)
    _no_leak(at)
    assert at.session_state["answers"] == {"uses_widgets": True}
    assert at.session_state["as_of"] == date(2038, 1, 1)


def test_app_keeps_a_far_future_as_of_from_the_address(monkeypatch: Any) -> None:
    at = _within(lambda: _app(monkeypatch, as_of="2038-01-19").run(), 120)
    _no_leak(at)
    assert at.session_state["as_of"] == date(2038, 1, 19)  # before: silently today (widget range today ± 10 y)
    assert not at.warning


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2200-01-01", "2200-01-01 is outside 1990-01-01 … 2100-12-31"),
        ("2026-02-30", "'2026-02-30' is not a valid date"),
    ],
)
def test_app_warns_when_it_refuses_a_date_in_the_address(monkeypatch: Any, value: str, why: str) -> None:
    at = _within(lambda: _app(monkeypatch, as_of=value).run(), 120)
    _no_leak(at)
    warning = at.warning[0].value.replace("\\", "")
    assert warning.startswith(f"The date in the page address, {why}") and "was not used" in warning
    assert at.session_state["as_of"] == date.today()


def _upload(at: Any, raw: bytes, name: str = "answers.json") -> Any:
    return at.file_uploader(key="upload").set_value((name, raw, "application/json")).run()


def _app_with_one_answer(monkeypatch: Any) -> Any:
    at = _app(monkeypatch, a=_token(b'{"answers": {"uses_widgets": true}}'))
    at.run()
    at.button(key="back").click().run()  # to the answered question,
    at.button(key="back").click().run()  # then to the start screen, where the uploader is
    assert at.session_state["answers"] == {"uses_widgets": True}
    return at


@pytest.mark.parametrize(
    "raw",
    [b"", b"~\n", b"null\n", b"{}\n", b'{"answers": {}}'],
    ids=["empty", "tilde", "null", "mapping", "no_answers"],
)
def test_app_refuses_an_upload_with_no_answers_and_keeps_the_current_ones(monkeypatch: Any, raw: bytes) -> None:
    at = _app_with_one_answer(monkeypatch)
    at = _within(lambda: _upload(at, raw), 120)
    _no_leak(at)
    assert at.session_state["answers"] == {"uses_widgets": True}  # before: replaced by nothing
    errors = "\n".join(e.value for e in at.error).replace("\\", "")
    assert "answers.json was not loaded; your current answers are unchanged." in errors
    assert "answers.json: the file has no answers." in errors


def test_app_upload_with_an_impossible_as_of_is_refused_and_changes_nothing(monkeypatch: Any) -> None:
    at = _app_with_one_answer(monkeypatch)
    at = _within(lambda: _upload(at, b'{"as_of": 2026-02-30, "answers": {"uses_widgets": false}}'), 120)
    _no_leak(at)
    assert at.session_state["answers"] == {"uses_widgets": True}
    errors = "\n".join(e.value for e in at.error).replace("\\", "")
    assert "answers.json:1: '2026-02-30' is not a valid date — write YYYY-MM-DD" in errors


@pytest.mark.parametrize("choice", ["confirm_file", "keep_answers"])
def test_app_asks_before_a_file_replaces_the_current_answers(monkeypatch: Any, choice: str) -> None:
    at = _app_with_one_answer(monkeypatch)
    at = _within(lambda: _upload(at, b'{"answers": {"uses_widgets": false}}'), 120)
    _no_leak(at)
    assert at.session_state["answers"] == {"uses_widgets": True}, "nothing replaced before the user confirms"
    assert "Replace your 1 current answers with the 1 answers in answers.json?" in _page_text(at).replace("**", "")
    at.button(key=choice).click().run()
    _no_leak(at)
    expected = {"uses_widgets": False} if choice == "confirm_file" else {"uses_widgets": True}
    assert at.session_state["answers"] == expected


def test_app_page_failure_shows_a_reference_not_a_traceback(monkeypatch: Any, caplog: Any) -> None:
    import ui.main
    import ui.wizard

    def boom(book: Any) -> None:
        raise RuntimeError(f"{ROOT}/secret exploded")

    monkeypatch.setattr(ui.wizard, "render", boom)
    at = _within(lambda: _app(monkeypatch).run(), 120)
    _no_leak(at)
    message = at.error[0].value
    assert re.fullmatch(
        r"Something went wrong while showing this page \(error reference [0-9A-F]{8}\)\. Your answers are kept in "
        r"the page address: reload the page to try again, or quote the reference when you report it\.",
        message,
    ), message
    ref = re.search(r"reference ([0-9A-F]{8})", message)
    assert ref is not None and any(ref.group(1) in r.getMessage() for r in caplog.records), "the detail is logged"
    assert ui.main is not None


def test_app_link_failure_shows_a_reference_and_starts_empty(monkeypatch: Any) -> None:
    import ui.state

    def boom(book: Any, token: str) -> Any:
        raise MemoryError("/srv/atmp/app.py line 1")

    monkeypatch.setattr(ui.state, "decode_answers", boom)
    at = _within(lambda: _app(monkeypatch, a="abc").run(), 120)
    _no_leak(at)
    assert at.session_state["answers"] == {}
    assert re.fullmatch(
        r"The answers in the page address could not be used \(error reference [0-9A-F]{8}\)\.",
        at.warning[0].value.replace("\\", ""),
    )


def test_app_rules_failure_of_any_kind_shows_the_unavailable_page(monkeypatch: Any) -> None:
    import ui.main

    def boom(root: Path) -> Any:
        raise RecursionError("maximum recursion depth exceeded in /srv/atmp/_sat.py")

    monkeypatch.setattr(ui.main, "_wizard", boom)
    at = _within(lambda: _app(monkeypatch).run(), 120)
    _no_leak(at)
    assert at.title[0].value == "ATMP Pathways is unavailable"
    assert re.match(
        r"The rules could not be loaded, so the wizard is unavailable \(error reference [0-9A-F]{8}\)",
        at.error[0].value,
    )


def test_streamlit_config_never_shows_error_details() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def test_a_token_with_trailing_bytes_after_the_stream_is_refused(toy_book: Any) -> None:
    from atmp_pathways.answers import decode_answers, encode_answers

    good = encode_answers({"uses_widgets": True})
    packed = base64.urlsafe_b64decode(good + "=" * (-len(good) % 4)) + b"trailing"
    bad = base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")
    assert decode_answers(toy_book, good).answers == {"uses_widgets": True}
    err = _within(lambda: decode_answers(toy_book, bad))
    assert isinstance(err, AnswersError) and err.problems == ["link: the answers in the link are not readable"]
