"""Impact of new rules (or a later date) on saved assessments, through the store and the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from atmp_pathways import Rulebook, load_rulebook
from atmp_pathways.__main__ import main
from atmp_pathways.impact import impact, impact_of
from atmp_pathways.rulediff import diff_rulebooks
from atmp_pathways.store import open_store

from .paths import TOY
from .test_rulediff import _copy, _edit, changed_toy

RED = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red", "ship_to": ["NO"]}
AS_OF = date(2026, 6, 1)


def test_impact_lists_changes_with_the_rule_line_that_caused_them(
    store_url: str, tmp_path: Path, toy_book: Rulebook
) -> None:
    store = open_store(store_url)
    a = store.create("Red widgets", "W", None, RED, AS_OF, toy_book)
    new = load_rulebook(changed_toy(tmp_path))  # a citation added, a condition widened
    [result] = impact(store, new)
    assert result.assessment_id == a.id and result.name == "Red widgets"
    assert [(line.kind, line.id, line.causes) for line in result.lines] == [
        ("changes", "register_widgets", ("citation added: Widget Act Art 9",)),
        (
            "changes",
            "label_red_widgets",
            ("condition `when` changed: widget_colour is one of ['red'] → widget_colour is one of ['red', 'blue']",),
        ),
    ]
    saved = a.latest.saved_at.date().isoformat()
    assert result.banner() == f"2 obligations changed since you saved this on {saved} under v1.2.3 — review"
    assert result.problem is None
    assert store.impact_for(a.id, None, new).banner() == result.banner()
    # Saving under the new rules (acknowledging) leaves nothing to report.
    store.save_revision(a.id, None, RED, AS_OF, new, acknowledged_changes=[line.key for line in result.lines])
    [after] = impact(store, new)
    assert not after.changed and after.banner() == ""
    assert store.get(a.id, None).latest.acknowledged == (
        "obligations:register_widgets:changes",
        "obligations:label_red_widgets:changes",
    )
    store.close()


def test_impact_starts_stops_and_new_questions(tmp_path: Path, toy_book: Rulebook) -> None:
    rules = _copy(tmp_path)
    widgets = rules / "widgets.yaml"
    _edit(widgets, "when: {question: widget_colour, in: [red]}", "when: {question: widget_colour, in: [blue]}")
    _edit(
        widgets,
        "obligations:\n",
        "  - id: widget_weight_heavy\n    kind: yes_no\n    text: Are the widgets heavy?\n    help: Over 1 kg.\n"
        "    when: {question: uses_widgets, is: true}\n    citations: [{source: widget_act, ref: Art 11}]\n"
        "obligations:\n  - id: heavy_widget_notice\n    title: Notify heavy widgets\n    description: Notify.\n"
        "    actor: maker\n    phase: make\n    when: {question: widget_weight_heavy, is: true}\n"
        "    citations: [{source: widget_act, ref: Art 11}]\n    status: binding_law\n"
        "    verification: confirmed\n    checklist: [Notify]\n",
    )
    new = load_rulebook(rules)
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    store.create("Red", "", None, RED, AS_OF, toy_book)
    [result] = impact(store, new)
    stop = next(line for line in result.lines if line.id == "label_red_widgets")
    assert (stop.kind, stop.before, stop.after) == ("stops", "applies", None)
    assert stop.causes == (
        "condition `when` changed: widget_colour is one of ['red'] → widget_colour is one of ['blue']",
    )
    assert result.new_questions == (("widget_weight_heavy", "Are the widgets heavy?"),)
    assert "1 new question to answer" in result.banner()
    store.close()


def test_impact_of_a_later_as_of_date(toy_book: Rulebook, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    store.create("Red", "", None, RED, AS_OF, toy_book)
    assert not impact(store, toy_book)[0].changed  # same rules, same date
    [later] = impact(store, toy_book, date(2027, 6, 1))
    by_id = {line.id: line for line in later.lines}
    assert by_id["label_all_widgets"].kind == "changes"
    assert (by_id["label_all_widgets"].before, by_id["label_all_widgets"].after) == ("applies_from", "applies")
    assert by_id["label_all_widgets"].causes == ("valid from 2027-01-01 (now evaluated as of 2027-06-01)",)
    assert by_id["label_red_widgets"].kind == "stops"
    assert by_id["label_red_widgets"].causes == ("valid until 2026-12-31 (now evaluated as of 2027-06-01)",)
    assert "(evaluated as of 2027-06-01)" in later.banner()
    store.close()


def test_impact_drops_answers_the_new_rules_no_longer_accept(tmp_path: Path, toy_book: Rulebook) -> None:
    rules = _copy(tmp_path)
    _edit(
        rules / "widgets.yaml", "choices: {red: Red, blue: Blue, green: Green}", "choices: {blue: Blue, green: Green}"
    )
    _edit(rules / "widgets.yaml", "in: [red]", "in: [blue]")
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    a = store.create("Red", "", None, RED, AS_OF, toy_book)
    result = impact_of(a.latest, load_rulebook(rules), old_book=toy_book)
    assert result.dropped_answers == ("widget_colour",)
    assert ("widget_colour", "Which colour are the widgets?") in result.new_questions
    store.close()


def test_impact_cli_md_json_and_missing_snapshot(
    tmp_path: Path, toy_book: Rulebook, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = open_store(url)
    a = store.create("Red widgets", "W", None, RED, AS_OF, toy_book)
    store.create("Nothing", "", None, {"uses_widgets": False}, AS_OF, toy_book)
    store.close()
    changed = changed_toy(tmp_path)
    assert main(["--rules", str(changed), "impact", "--database", url]) == 0
    out = capsys.readouterr().out
    assert "2 saved assessments" in out and "1 changed, 1 unchanged." in out
    assert f"## #{a.id} Red widgets (revision 1" in out
    assert "- `register_widgets` changes: applies — citation added: Widget Act Art 9" in out
    assert (
        main(["--rules", str(changed), "impact", "--database", url, "--format", "json", "--as-of", "2027-06-01"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    red = next(i for i in data if i["name"] == "Red widgets")
    assert red["as_of"] == "2027-06-01" and red["banner"].startswith("3 obligations changed")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM rulebooks"))
    engine.dispose()
    assert main(["--rules", str(changed), "impact", "--database", url]) == 1
    captured = capsys.readouterr()
    assert "- `register_widgets` changes: applies" in captured.out  # still listed, without its cause
    lines = captured.err.strip().splitlines()
    assert len(lines) == 2 and all("whose snapshot is not in the database" in x for x in lines)
    assert any(
        x.startswith(f"error: assessment {a.id}: saved under rulebook 1.2.3 (digest {toy_book.digest})") for x in lines
    )
    assert main(["--rules", str(TOY), "impact", "--database", url]) == 0  # same rules: nothing to explain


def test_impact_and_diff_of_a_changed_determination(tmp_path: Path, toy_book: Rulebook) -> None:
    rules = _copy(tmp_path)
    _edit(
        rules / "widgets.yaml",
        "- when: {question: widget_count_large, is: true}\n        value: large",
        "- when: {question: widget_count_large, is: true}\n        value: small",
    )
    new = load_rulebook(rules)
    line = "case 2: value changed: large → small"
    assert diff_rulebooks(toy_book, new).find("determinations", "maker_size").details == (line,)  # type: ignore[union-attr]
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    store.create("Red", "", None, RED, AS_OF, toy_book)
    [result] = impact(store, new)
    [changed] = [x for x in result.lines if x.collection == "determinations"]
    assert (changed.id, changed.kind, changed.before, changed.after, changed.causes) == (
        "maker_size",
        "changes",
        "large",
        "small",
        (line,),
    )
    assert result.banner().startswith("1 determination changed since you saved this")
    store.close()
