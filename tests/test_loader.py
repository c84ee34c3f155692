"""The loader reports every problem at once as file:line: where: what — how to fix.

One broken fixture per error kind (tests/fixtures/invalid/), each with the words
its message must contain and the line it must point at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from atmp_pathways import RulebookError, load_rulebook

from .paths import INVALID, ROOT, TOY

# fixture file → (expected line or None, words the message must contain)
CASES: dict[str, tuple[int | None, list[str]]] = {
    "bad_yaml": (5, ["YAML syntax error", "check indentation and quoting"]),
    "extra_key": (6, ["unexpected key 'choice'", "did you mean 'choices'?"]),
    "missing_key": (3, ["missing key 'help'", "add it"]),
    "norway": (5, ["needs true or false, got 'no'", "yes/no/on/off/NO are text"]),
    "wrong_type": (4, ["obligations[0].title", "Input should be a valid string"]),
    "duplicate_id": (3, ["duplicate id 'register_widgets'", "already defined at", "widgets.yaml:"]),
    "unknown_question": (
        8,
        [
            "obligations[0].when.all[1].question",
            "unknown question 'widget_count_larg'",
            "did you mean 'widget_count_large'?",
        ],
    ),
    "unknown_choice": (5, ["'blu' is not a choice of question 'widget_colour'", "did you mean 'blue'?"]),
    "unknown_source": (9, ["unknown source 'widget_ac'", "did you mean 'widget_act'?"]),
    "unknown_list": (6, ["unknown list 'countrie'", "did you mean 'countries'?"]),
    "inverted_window": (7, ["validity window is inverted", "2027-01-01 is after valid_to 2026-01-01"]),
    "cycle": (3, ["questions form a cycle", "cyc_a → cyc_b → cyc_a"]),
    "never_asked": (3, ["question 'extra_q' can never be asked"]),
    "unused_question": (3, ["question 'extra_q' is never used", "refer to it in a `when`"]),
    "never_applies": (3, ["obligation 'extra_o' can never apply"]),
    "uncited_source": (3, ["source 'lonely_act' is never cited"]),
    "duplicate_key": (5, ["duplicate key 'title'"]),
    "alias": (4, ["anchors and aliases", "write the value out in full"]),
    "python_tag": (1, ["tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"]),
    "unknown_milestone": (8, ["unknown milestone 'yearli'", "did you mean 'yearly'?"]),
    "unknown_actor": (7, ["unknown actor 'makr'", "did you mean 'maker'?"]),
    "bad_operator": (5, ["'is' does not fit many_of question 'ship_to'", "use 'includes' or 'answered'"]),
    "bad_placeholder": (4, ["unknown placeholder '{item_lable}'", "{item_label}"]),
    "data_bad_row": (7, ["'DK' is not an item of list 'countries'"]),
    "det_gap": (
        7,
        ["determinations[0].cases", "determination 'extra_d' has a gap", "widget_colour = green", "catch-all"],
    ),
    "det_shadowed": (12, ["cases[1]", "case 1 of determination 'extra_d' (value 'big') can never match"]),
    "det_unknown_value": (8, ["'smal' is not a value of determination 'maker_size'", "did you mean 'small'?"]),
    "det_unknown": (8, ["unknown determination 'maker_siz'", "did you mean 'maker_size'?"]),
    "det_cycle": (3, ["determinations form a cycle: extra_a → extra_b → extra_a"]),
    "det_catch_all": (8, ["case 0 of determination 'extra_d' has no `when` (a catch-all) but is not the last case"]),
}


def _copy_with(tmp_path: Path, fixture: str) -> Path:
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    text = (INVALID / f"{fixture}.yaml").read_text(encoding="utf-8")
    if fixture.startswith("data_"):
        (dest / "data" / f"{fixture}.yaml").write_text(text, encoding="utf-8")
    else:
        (dest / "extra.yaml").write_text(text, encoding="utf-8")
        meta = dest / "rulebook.yaml"
        meta.write_text(meta.read_text().replace("topics: [widgets, shipping]", "topics: [widgets, shipping, extra]"))
    return dest


DETERMINATION_CODES = {
    "det_gap": "gap",
    "det_shadowed": "shadowed",
    "det_unknown_value": "unknown_choice",
    "det_unknown": "unknown_ref",
    "det_cycle": "cycle",
    "det_catch_all": "catch_all_not_last",
}


@pytest.mark.parametrize("fixture", sorted(DETERMINATION_CODES))
def test_determination_problems_carry_their_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RulebookError) as info:
        load_rulebook(_copy_with(tmp_path, fixture))
    assert [p.code for p in info.value.problems] == [DETERMINATION_CODES[fixture]], str(info.value)
    if fixture == "det_unknown":
        assert (info.value.problems[0].ref, info.value.problems[0].suggestion) == ("maker_siz", "maker_size")


def test_every_invalid_fixture_has_a_case() -> None:
    assert sorted(p.stem for p in INVALID.glob("*.yaml")) == sorted(CASES)


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_loader_reports_each_error_kind_with_file_line_and_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture: str
) -> None:
    monkeypatch.chdir(tmp_path)
    rules = _copy_with(tmp_path, fixture)
    with pytest.raises(RulebookError) as info:
        load_rulebook(rules)
    line, words = CASES[fixture]
    text = str(info.value)
    target = f"rules/data/{fixture}.yaml" if fixture.startswith("data_") else "rules/extra.yaml"
    mine = [p for p in info.value.problems if p.path == target]
    assert mine, text
    first = str(mine[0])
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"
    if line is not None:
        assert any(p.line == line for p in mine), f"no problem at line {line}:\n{text}"
    assert first.startswith(f"{target}:")
    assert "Traceback" not in text
    assert text.splitlines()[-1].endswith("Fix them, then run `python -m atmp_pathways check`.")


def test_loader_reports_problems_in_several_files_in_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A syntax error in one file does not hide the problems in the others."""
    monkeypatch.chdir(tmp_path)
    rules = _copy_with(tmp_path, "bad_yaml")
    widgets = rules / "widgets.yaml"
    widgets.write_text(
        widgets.read_text().replace("{question: widget_colour, in: [red]}", "{question: widget_color, in: [red]}")
    )
    shipping = rules / "shipping.yaml"
    shipping.write_text(shipping.read_text().replace("actor: shipper", "actor: shiper"))
    (rules / "data" / "countries.yaml").write_text(
        (rules / "data" / "countries.yaml").read_text().replace("list: countries", "list: country")
    )
    with pytest.raises(RulebookError) as info:
        load_rulebook(rules)
    text = str(info.value)
    assert "rules/extra.yaml:5: YAML syntax error" in text
    assert (
        "rules/widgets.yaml:41: obligations[1].when.question: unknown question 'widget_color' — did you mean 'widget_colour'?"
        in text
    )
    assert "rules/shipping.yaml:15: obligations[0].actor: unknown actor 'shiper' — did you mean 'shipper'?" in text
    assert "rules/data/countries.yaml:8: tables[0].list: unknown list 'country' — did you mean 'countries'?" in text
    assert "in 4 files" in text.splitlines()[-1]


def test_loader_reads_norway_as_text_not_false(toy_book) -> None:  # type: ignore[no-untyped-def]
    assert "NO" in toy_book.list_items("countries")
    assert toy_book.table("customs").rows["NO"]["authority"] == "Norwegian Customs"


def test_loader_refuses_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="rules folder not found"):
        load_rulebook(tmp_path / "nope")


def test_loader_flags_yaml_file_not_listed_as_topic(tmp_path: Path) -> None:
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    (dest / "stray.yaml").write_text("title: Stray\n")
    with pytest.raises(RulebookError, match="file is not a topic listed in rulebook.yaml — add 'stray' to topics"):
        load_rulebook(dest)


def test_rulebook_is_frozen(toy_book) -> None:  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        toy_book.questions[0].text = "changed"  # type: ignore[misc]


def test_digest_changes_when_a_rule_changes(tmp_path: Path, toy_book) -> None:  # type: ignore[no-untyped-def]
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    assert load_rulebook(dest).digest == toy_book.digest
    (dest / "widgets.yaml").write_text(
        (dest / "widgets.yaml").read_text().replace("Register as a widget maker", "Register")
    )
    assert load_rulebook(dest).digest != toy_book.digest


def test_libyaml_and_pure_python_parsers_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast libyaml parser feeds the same guarded composer as the pure-Python one."""
    from atmp_pathways import _yaml

    monkeypatch.chdir(tmp_path)
    assert _yaml._Loader is not _yaml._PyLoader, "PyYAML here has libyaml; the fast path should be on"
    fast = load_rulebook(ROOT / "rules")
    fast_errors = {}
    for fixture in ("bad_yaml", "alias", "python_tag", "duplicate_key"):
        with pytest.raises(RulebookError) as info:
            load_rulebook(_copy_with(tmp_path / f"fast_{fixture}", fixture))
        fast_errors[fixture] = [(p.line, p.message) for p in info.value.problems]
    monkeypatch.setattr(_yaml, "_Loader", _yaml._PyLoader)
    assert load_rulebook(ROOT / "rules") == fast
    for fixture, expected in fast_errors.items():
        with pytest.raises(RulebookError) as info:
            load_rulebook(_copy_with(tmp_path / f"slow_{fixture}", fixture))
        got = [(p.line, p.message) for p in info.value.problems]
        if fixture == "bad_yaml":  # the two parsers word syntax errors differently; both give the line
            assert [line for line, _ in got] == [line for line, _ in expected]
        else:
            assert got == expected
