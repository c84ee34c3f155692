"""Determinations: FIRST-hit decision tables between answers and obligations.

On the toy rulebook tests/fixtures/toy_decisions (a gadget class that gates
questions and obligations, a determination on a determination, a per-region one
read from a table, a dated one), plus small rule folders built in tmp_path.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atmp_pathways import Rulebook, evaluate, load_rulebook, next_question, pending_questions
from atmp_pathways.__main__ import main
from atmp_pathways.catalogue import catalogue_data, catalogue_markdown
from atmp_pathways.outcome import law_change_dates
from atmp_pathways.scenarios import Scenario, coverage, load_scenarios, run_scenario

from .paths import DECISION_SCENARIOS, DECISIONS, TOY


def _value(book: Rulebook, answers: dict[str, object], did: str, item: str | None = None, **kw: object) -> object:
    got = evaluate(book, answers, **kw).determination(did, item)  # type: ignore[arg-type]
    assert got is not None, f"no result for {did}"
    return got.value


# ---- values, words, citations ------------------------------------------------------------------


def test_a_case_that_holds_gives_its_value_because_and_citations(decisions_book: Rulebook) -> None:
    out = evaluate(decisions_book, {"kind_declared": "alpha"})
    got = out.determination("gadget_class")
    assert got is not None
    assert (got.value, got.value_label, got.meaning) == ("alpha", "Alpha gadget", "The alpha rules apply.")
    assert got.because == "You said it is an alpha gadget." and got.case == 0 and got.pending == ()
    assert [(c.source, c.reference) for c in got.citations] == [("gadget_act", "Art 1(a)")]
    assert [r.question for r in got.trace] == [None] or "What kind of gadget is it?" in got.trace[0].text
    assert (got.status, got.verification) == ("binding_law", "confirmed")
    support = out.determination("support_level")
    assert support is not None and support.to_confirm == "Ask the Board for its support charter."


def test_determinations_come_in_rulebook_order(decisions_book: Rulebook) -> None:
    out = evaluate(decisions_book, {"kind_declared": "alpha", "markets": ["south", "north"]})
    assert [d.key for d in out.determinations] == [
        "gadget_class",
        "support_level",
        "market_regime[south]",
        "market_regime[north]",
        "launch_regime",
    ]


def test_first_hit_the_earlier_of_two_matching_cases_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = _toy_with(
        tmp_path,
        monkeypatch,
        """
title: Extra
determinations:
  - id: extra_d
    title: Overlap
    help: h
    values: {warm: {label: Warm, meaning: m}, big: {label: Big, meaning: m}, other: {label: Other, meaning: m}}
    cases:
      - when: {question: widget_colour, is: red}
        value: warm
        because: red
        citations: [{source: widget_act, ref: Art 1}]
      - when: {question: widget_count_large, is: true}
        value: big
        because: large
        citations: [{source: widget_act, ref: Art 1}]
      - value: other
        because: neither
        citations: [{source: widget_act, ref: Art 1}]
    status: binding_law
    verification: confirmed
""",
    )
    book = load_rulebook(rules)
    both = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red"}
    assert _value(book, both, "extra_d") == "warm"
    assert _value(book, {**both, "widget_colour": "blue"}, "extra_d") == "big"
    other = evaluate(book, {**both, "widget_colour": "blue", "widget_count_large": False}).determination("extra_d")
    assert other is not None and other.value == "other" and other.case == 2
    assert len(other.trace) == 2 and "needed Red" in other.trace[0].text  # why no earlier case held


# ---- three-valued: undetermined, pending, asking --------------------------------------------


def test_an_unknown_case_leaves_it_undetermined_waiting_for_what_settles_it(decisions_book: Rulebook) -> None:
    out = evaluate(decisions_book, {"kind_declared": "unsure"})
    got = out.determination("gadget_class")
    assert got is not None and got.value is None and got.case is None and got.because is None
    assert got.pending == ("has_core", "core_powered")  # asking order; core_powered follows has_core
    assert out.determination("support_level").pending == ("has_core", "core_powered")  # type: ignore[union-attr]
    # Conditions on an undetermined determination are unknown, so the obligation waits too.
    assert "gadget_duties" in [f.id for f in out.undetermined]
    assert next_question(decisions_book, {"kind_declared": "unsure"}).id == "has_core"  # type: ignore[union-attr]


def test_a_question_is_asked_because_a_determination_needs_it(decisions_book: Rulebook) -> None:
    """No obligation reads launch_planned: only the launch_regime determination does."""
    answers = {"kind_declared": "unsure", "has_core": False}
    assert [q.id for q in pending_questions(decisions_book, answers)] == ["launch_planned"]
    out = evaluate(decisions_book, answers)
    assert out.pending_questions == ("launch_planned",)
    assert out.determination("launch_regime").pending == ("launch_planned",)  # type: ignore[union-attr]


def test_an_outcome_is_complete_only_when_its_determinations_are_settled(decisions_book: Rulebook) -> None:
    answers = {"kind_declared": "unsure", "has_core": False}
    waiting = evaluate(decisions_book, answers)
    assert not dataclasses.replace(waiting, undetermined=()).complete  # launch_regime still waits
    assert evaluate(decisions_book, {**answers, "launch_planned": False}).complete


def test_a_question_gated_by_a_determination_waits_for_it(decisions_book: Rulebook) -> None:
    """alpha_batch is asked only once gadget_class is alpha; not while it is undetermined."""
    assert "alpha_batch" not in [q.id for q in pending_questions(decisions_book, {"kind_declared": "unsure"})]
    assert "alpha_batch" in [q.id for q in pending_questions(decisions_book, {"kind_declared": "alpha"})]
    ignored = evaluate(decisions_book, {"kind_declared": "unsure", "has_core": False, "alpha_batch": True})
    assert ignored.ignored_answers == ("alpha_batch",)


def test_not_a_gadget_ends_the_gadget_journey(decisions_book: Rulebook) -> None:
    answers = {"kind_declared": "unsure", "has_core": False, "launch_planned": False}
    out = evaluate(decisions_book, answers)
    assert out.determination("gadget_class").value == "not_gadget"  # type: ignore[union-attr]
    assert [f.obligation for f in out.applicable] == []
    assert next_question(decisions_book, answers) is None
    why = {f.id: f.why_not for f in out.not_applicable}
    assert why["gadget_duties"] == (
        "when: “Gadget class” needed one of: Alpha gadget; Beta gadget; concluded: Not a gadget"
    )
    assert out.determination("market_regime") is None  # its for_each question was not asked


# ---- conditions on a determination, for_each + value_from, dates -----------------------------------


def test_obligations_follow_a_determination(decisions_book: Rulebook) -> None:
    out = evaluate(decisions_book, {"kind_declared": "alpha", "alpha_batch": True, "markets": []})
    applies = {f.id: f for f in out.applicable}
    assert {"register_alpha", "gadget_duties"} <= applies.keys()
    assert applies["register_alpha"].because[0].text == "Gadget class — Alpha gadget"


def test_for_each_value_from_gives_one_result_per_item_from_the_table(decisions_book: Rulebook) -> None:
    out = evaluate(decisions_book, {"kind_declared": "alpha", "markets": ["north", "south", "east"]})
    north, south, east = (out.determination("market_regime", r) for r in ("north", "south", "east"))
    assert north is not None and south is not None and east is not None
    assert (north.value, north.title, north.verification) == ("notify", "Market regime in North", "confirmed")
    assert north.because == "North: the regional table lists notify (North Office)."
    assert [c.reference for c in north.citations] == ["Art 5(2)"]
    assert (south.value, south.verification) == ("licence", "secondary")  # the row's own verification
    assert (east.value, east.verification, east.pending) == (None, "unverified", ())
    assert east.because == "East: not in our data — confirm with the competent authority"


def test_for_each_before_the_items_are_known_is_one_open_result(decisions_book: Rulebook) -> None:
    out = evaluate(decisions_book, {"kind_declared": "alpha"})
    open_ = [d for d in out.determinations if d.id == "market_regime"]
    assert [(d.item, d.value, d.pending) for d in open_] == [(None, None, ("markets",))]


def test_dated_cases_follow_the_assessment_date_and_the_memo_keeps_dates_apart(decisions_book: Rulebook) -> None:
    answers = {"kind_declared": "alpha", "alpha_batch": True, "markets": [], "launch_planned": True}
    for day, regime, files in ((date(2026, 6, 1), "old_rules", False), (date(2027, 1, 1), "new_rules", True)):
        for _ in range(2):  # the second time from the per-rulebook memo
            out = evaluate(decisions_book, answers, day)
            assert out.determination("launch_regime").value == regime  # type: ignore[union-attr]
            assert ("new_launch_file" in [f.id for f in out.applicable]) is files


def test_dated_cases_count_as_law_change_dates(decisions_book: Rulebook) -> None:
    assert date(2027, 1, 1) in law_change_dates(decisions_book, date(2026, 6, 1))


# ---- scenarios, coverage, catalogue, graph, CLI ------------------------------------------------------


def test_scenarios_assert_determinations_and_coverage_counts_their_values(decisions_book: Rulebook) -> None:
    cases = load_scenarios(DECISION_SCENARIOS.glob("*.yaml"), decisions_book)
    for sc in cases:
        assert run_scenario(decisions_book, sc)[1] == [], sc.name
    cov = coverage(decisions_book, cases)
    assert cov.values["gadget_class = borderline"] and cov.percent == 100.0
    fewer = coverage(decisions_book, cases[:1])
    assert "determination value never reached: gadget_class = not_gadget" in fewer.gaps()


def test_a_failing_determination_assertion_says_what_was_concluded_and_why(decisions_book: Rulebook) -> None:
    sc = Scenario("x.yaml", 1, "wrong", {"kind_declared": "alpha"}, determinations={"gadget_class": "beta"})
    failures = run_scenario(decisions_book, sc)[1]
    assert failures == [
        "expected gadget_class = beta\n    it concluded alpha, because: You said it is an alpha gadget.; "
        "What kind of gadget is it? — Alpha gadget"
    ]
    open_ = Scenario("x.yaml", 1, "open", {"kind_declared": "unsure"}, determinations={"gadget_class": "alpha"})
    assert "still waiting for: has_core, core_powered" in run_scenario(decisions_book, open_)[1][0]


def test_scenario_files_name_known_determinations_and_values(tmp_path: Path, decisions_book: Rulebook) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- name: typo\n  answers: {}\n  determinations:\n    gadget_clas: alpha\n    support_level: ful\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception) as info:
        load_scenarios([bad], decisions_book)
    text = str(info.value)
    assert "unknown determination 'gadget_clas' — did you mean 'gadget_class'?" in text
    assert "'ful' is not a value of determination 'support_level' — did you mean 'full'?" in text
    assert f"{bad.as_posix()}:4:" in text


def test_evaluate_json_carries_determinations(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("kind_declared: unsure\n", encoding="utf-8")
    code = main(["--rules", str(DECISIONS), "evaluate", str(answers), "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    first = data["determinations"][0]
    assert first["id"] == "gadget_class" and first["value"] is None
    assert first["pending"] == [
        {"id": "has_core", "text": "Does it have a core?"},
        {"id": "core_powered", "text": "Is the core powered?"},
    ]
    answers.write_text("kind_declared: alpha\n", encoding="utf-8")
    main(["--rules", str(DECISIONS), "evaluate", str(answers), "--format", "json"])
    first = json.loads(capsys.readouterr().out)["determinations"][0]
    assert (first["value"], first["value_label"], first["because"]) == (
        "alpha",
        "Alpha gadget",
        "You said it is an alpha gadget.",
    )
    assert [{k: c[k] for k in ("source", "title", "reference", "url")} for c in first["citations"]] == [
        {
            "source": "gadget_act",
            "title": "Gadget Act",
            "reference": "Art 1(a)",
            "url": "https://example.org/gadget-act",
        }
    ]


def test_the_catalogue_lists_determinations_with_their_values(decisions_book: Rulebook) -> None:
    cat = catalogue_data(decisions_book)
    entry = next(d for d in cat["determinations"] if d["id"] == "gadget_class")
    assert [v["id"] for v in entry["values"]] == ["not_gadget", "alpha", "beta", "borderline"]
    assert entry["cases"][0]["when"] == "kind_declared is 'alpha'" and entry["cases"][3]["when"] is None
    support = next(d for d in cat["determinations"] if d["id"] == "support_level")
    assert support["to_confirm"] == "Ask the Board for its support charter."
    text = catalogue_markdown(decisions_book)
    assert "Gadget class" in text and "`gadget_class`" in text and "Alpha gadget" in text


# ---- property: a conclusion never changes when more answers come in ----------------------------------


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_determined_value_stays_when_more_questions_are_answered(data: st.DataObject) -> None:
    book = load_decisions()
    answers: dict[str, object] = {}
    seen: dict[str, str] = {}
    while (q := next_question(book, answers)) is not None:  # type: ignore[arg-type]
        if q.kind == "yes_no":
            answers[q.id] = data.draw(st.booleans())
        elif q.kind == "one_of":
            answers[q.id] = data.draw(st.sampled_from(sorted(book.choices(q))))
        else:
            answers[q.id] = data.draw(st.lists(st.sampled_from(sorted(book.choices(q))), unique=True))
        for d in evaluate(book, answers).determinations:  # type: ignore[arg-type]
            if d.value is not None and not d.pending:
                assert seen.setdefault(d.key, d.value) == d.value, (d.key, answers)
    final = evaluate(book, answers)  # type: ignore[arg-type]
    assert all(d.pending == () for d in final.determinations)  # the wizard ends with everything settled
    assert _oracle(answers) == final.determination("gadget_class").value  # type: ignore[union-attr]


def _oracle(answers: dict[str, object]) -> str:
    """gadget_class written out by hand from verdict.yaml."""
    if answers["kind_declared"] == "alpha":
        return "alpha"
    if answers.get("has_core") is True and answers.get("core_powered") is True:
        return "beta"
    if answers.get("has_core") is False:
        return "not_gadget"
    return "borderline"


_BOOKS: dict[str, Rulebook] = {}


def load_decisions() -> Rulebook:
    if "b" not in _BOOKS:
        _BOOKS["b"] = load_rulebook(DECISIONS)
    return _BOOKS["b"]


def _toy_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str) -> Path:
    monkeypatch.chdir(tmp_path)
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    (dest / "extra.yaml").write_text(extra.lstrip(), encoding="utf-8")
    meta = dest / "rulebook.yaml"
    meta.write_text(meta.read_text().replace("topics: [widgets, shipping]", "topics: [widgets, shipping, extra]"))
    return dest
