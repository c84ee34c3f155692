"""Planning answers "not decided yet", and why a topic was not asked.

On the toy rulebook tests/fixtures/toy_undecided: ``own_workshop`` (yes_no) and
``sells_abroad`` (one_of) offer "Not decided yet"; the ``site`` topic hangs on an own
workshop, the ``export`` topic (with an author's ``skipped_because``) on selling abroad.
Then the shipped rules: the hospital-exemption journey says why point-of-care was not asked.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from atmp_pathways import Rulebook, RulebookError, evaluate, load_rulebook, next_question
from atmp_pathways.answers import decode_answers, dump_answers, encode_answers, parse_answers
from atmp_pathways.engine import pending_questions, validate_answers
from atmp_pathways.errors import AnswersError
from atmp_pathways.explain import skipped_topics
from atmp_pathways.exports import EXPORTS
from atmp_pathways.exports.outline import (
    DECISION_PENDING,
    DEPENDS,
    NOT_ASKED,
    UNDETERMINED,
    Heading,
    checklist_rows,
    conclusion_label,
    depends_on,
    outline,
    pathway_rows,
)
from atmp_pathways.logic import resolve
from atmp_pathways.models import UNDECIDED, AnswerValue
from atmp_pathways.present import answer_label, state_label
from atmp_pathways.progress import JourneyCounter
from atmp_pathways.scenarios import load_scenarios, run_scenario
from atmp_pathways.wizard import Wizard

from .paths import ROOT, RULES, TOY, UNDECIDED_SCENARIOS
from .paths import UNDECIDED as TOY_UNDECIDED
from .test_export_consistency import read_back

UNSURE: dict[str, AnswerValue] = {"makes_gadgets": True, "own_workshop": UNDECIDED, "sells_abroad": UNDECIDED}


@pytest.fixture(scope="module")
def book() -> Rulebook:
    return load_rulebook(TOY_UNDECIDED)


# ---- the engine ----------------------------------------------------------------------------------


def test_an_undecided_answer_is_answered_and_what_hangs_on_it_is_not_asked(book: Rulebook) -> None:
    assert [q.id for q in pending_questions(book, {"makes_gadgets": True})] == ["own_workshop", "sells_abroad"]
    assert pending_questions(book, UNSURE) == []  # not asked again; site_large and export_licence_held not asked
    decided = {**UNSURE, "own_workshop": True}
    assert [q.id for q in pending_questions(book, decided)] == ["site_large", "site_shared"]


def test_obligations_of_both_branches_depend_on_the_undecided_answer(book: Rulebook) -> None:
    out = evaluate(book, UNSURE)
    assert [f.id for f in out.applicable] == ["register_maker", "write_sales_plan"]  # answered: true holds
    depends = {f.id: f.undecided for f in out.depends}
    assert depends == {
        "workshop_licence": ("own_workshop",),  # own workshop: yes
        "contract_maker_agreement": ("own_workshop",),  # own workshop: no
        "large_site_permit": ("own_workshop",),  # behind a question not asked
        "shared_site_agreement": ("own_workshop",),
        "export_licence": ("sells_abroad",),
    }
    assert all(f.state == "depends" for f in out.depends) and not out.undetermined
    assert out.undecided == ("own_workshop", "sells_abroad") and out.complete
    route = out.determination("maker_route")
    assert route is not None and route.value is None and route.undecided == ("own_workshop",)


def test_depends_only_when_nothing_left_to_ask_could_settle_it(book: Rulebook) -> None:
    out = evaluate(book, {"makes_gadgets": True, "own_workshop": UNDECIDED})  # sells_abroad still to ask
    assert {f.id for f in out.undetermined} == {"export_licence", "write_sales_plan"}
    assert "export_licence" not in {f.id for f in out.depends} and not out.complete


def test_undecided_and_unanswered_are_remembered_apart(book: Rulebook) -> None:
    """The plan's memo is keyed by resolved values; `answered` tells the two apart."""
    for _ in range(2):  # either order, the memo must not hand one the other's finding
        unanswered = evaluate(book, {"makes_gadgets": True, "own_workshop": False})
        undecided = evaluate(book, {"makes_gadgets": True, "own_workshop": False, "sells_abroad": UNDECIDED})
        assert "write_sales_plan" in {f.id for f in unanswered.undetermined}
        assert "write_sales_plan" in {f.id for f in undecided.applicable}


def test_undecided_is_refused_on_a_question_that_does_not_offer_it(book: Rulebook) -> None:
    assert validate_answers(book, UNSURE) == []
    problems = validate_answers(book, {"makes_gadgets": UNDECIDED})
    assert problems == [
        "'makes_gadgets' cannot be left undecided: only planning questions offer “not decided yet”; "
        "answer “Do you make gadgets?” instead."
    ]
    with pytest.raises(AnswersError, match=r"^mine\.json: 'makes_gadgets' cannot be left undecided"):
        parse_answers(book, b'{"answers": {"makes_gadgets": "undecided"}}', "mine.json")


def test_undecided_round_trips_through_file_token_and_json_export(book: Rulebook) -> None:
    assert parse_answers(book, dump_answers(dict(UNSURE), None, book).encode()).answers == UNSURE
    assert decode_answers(book, encode_answers(UNSURE)).answers == UNSURE
    exported = EXPORTS["json"].render(evaluate(book, UNSURE), book)
    assert isinstance(exported, str) and parse_answers(book, exported.encode()).answers == UNSURE


def test_the_answer_reads_as_its_label(book: Rulebook) -> None:
    assert answer_label(book, "own_workshop", UNDECIDED) == "Not decided yet"
    assert answer_label(book, "sells_abroad", UNDECIDED) == "Not decided yet"
    assert answer_label(book, "sells_abroad", "home") == "At home only"


@pytest.mark.parametrize(
    ("yaml_text", "problem"),
    [
        ("kind: many_of\n    choices: {a: A, b: B}\n    undecided: Not decided yet", "'undecided' fits only yes_no"),
        ("kind: one_of\n    choices: {undecided: Maybe, b: B}\n    undecided: Not decided yet", "no choice may be"),
    ],
)
def test_the_flag_is_refused_where_it_cannot_work(tmp_path: Path, yaml_text: str, problem: str) -> None:
    root = tmp_path / "rules"
    shutil.copytree(TOY_UNDECIDED, root)
    path = root / "plans.yaml"
    question = "    text: Will you make them in your own workshop?\n    help: A plan; you may not have decided.\n"
    old = "    kind: yes_no\n" + question + "    undecided: Not decided yet\n"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, f"    {yaml_text}\n{question}"))
    with pytest.raises(RulebookError) as err:
        load_rulebook(root)
    text = str(err.value)
    assert "plans.yaml:" in text and problem in text


def test_scenarios_expect_depends(book: Rulebook) -> None:
    cases = load_scenarios(UNDECIDED_SCENARIOS.glob("*.yaml"), book)
    assert len(cases) == 3
    for sc in cases:
        assert run_scenario(book, sc)[1] == [], sc.name
    wrong = load_scenarios(UNDECIDED_SCENARIOS.glob("*.yaml"), book)[0]
    wrong = type(wrong)(wrong.path, wrong.line, wrong.name, wrong.answers, expect={"applies": ("workshop_licence",)})
    assert "it depends on answers not decided yet: own_workshop" in run_scenario(book, wrong)[1][0]


def test_progress_counts_not_decided_yet_as_a_way_to_answer(book: Rulebook) -> None:
    counter = JourneyCounter(book)
    assert UNDECIDED in counter.classes(book.question("own_workshop"))
    wiz = Wizard(book)
    state = wiz.state(UNSURE)
    assert state.path == ("makes_gadgets", "own_workshop", "sells_abroad") and state.next_question is None
    lo, hi = counter.total([("makes_gadgets", True)])
    assert lo == 3  # own_workshop and sells_abroad both "not decided yet"
    assert hi >= 5


def test_a_saved_assessment_keeps_what_depends(book: Rulebook) -> None:
    from atmp_pathways.store._values import summarise_outcome

    kept = summarise_outcome(evaluate(book, UNSURE))
    assert kept["counts"]["depends"] == 5
    assert {o["id"] for o in kept["obligations"] if o["state"] == "depends"} >= {"workshop_licence", "export_licence"}


def test_a_conclusion_left_to_a_decision_reads_as_such_not_as_undetermined(book: Rulebook) -> None:
    """ "Depends on your decision" (as the results tab) when only a "not decided yet" answer settles
    it; "Not yet determined" while a question is still to ask; the value once decided."""
    route = evaluate(book, UNSURE).determination("maker_route")
    assert route is not None and conclusion_label(route) == DECISION_PENDING
    row = next(r for r in pathway_rows(evaluate(book, UNSURE), book) if r[0] == route.title)
    assert row[1] == DECISION_PENDING and "(not decided yet)" in row[2]
    waiting = evaluate(book, {"makes_gadgets": True}).determination("maker_route")
    assert waiting is not None and waiting.pending and conclusion_label(waiting) == UNDETERMINED
    decided = evaluate(book, {**UNSURE, "own_workshop": True}).determination("maker_route")
    assert decided is not None and conclusion_label(decided) == "In your own workshop"


# ---- why a topic was not asked -------------------------------------------------------------------


def test_a_topic_ruled_out_by_an_answer_says_why_in_plain_words() -> None:
    toy = load_rulebook(TOY)
    skipped = skipped_topics(toy, resolve(toy, {"uses_widgets": False}))
    assert [(s.topic, s.text) for s in skipped] == [
        (
            "shipping",
            "Shipping questions were not asked because you said “Do you make widgets?” — no "
            "(they are asked when the answer is yes).",
        )
    ]
    assert skipped_topics(toy, resolve(toy, {"uses_widgets": True})) == ()  # asked (or still to come)


def test_the_authors_reason_and_the_undecided_answer_that_holds_a_topic_back(book: Rulebook) -> None:
    out = evaluate(book, {**UNSURE, "sells_abroad": "home"})
    texts = {s.topic: s for s in out.skipped}
    assert texts["export"].text == (
        "Selling abroad questions were not asked because you sell at home only (these rules concern sales abroad)."
    )
    assert texts["site"].undecided == ("own_workshop",)
    assert texts["site"].text == (
        "Workshop site questions were not asked yet: they depend on your answer to "
        "“Will you make them in your own workshop?” (not decided yet)."
    )
    assert "plans" not in texts  # asked
    site = {s.topic: s.text for s in evaluate(book, {**UNSURE, "own_workshop": False}).skipped}["site"]
    assert site == (  # two entry questions ruled out by the same answer: said once
        "Workshop site questions were not asked because you said “Will you make them in your own workshop?” — no "
        "(they are asked when the answer is yes)."
    )


# ---- exports ------------------------------------------------------------------------------------


def test_outline_lists_depending_obligations_apart_and_topics_not_asked(book: Rulebook) -> None:
    out = evaluate(book, {**UNSURE, "sells_abroad": "home"})
    heads = [(b.level, b.text) for b in outline(out, book, None) if isinstance(b, Heading) and b.level <= 2]
    sentence = "Depends on your answer to “Will you make them in your own workshop?” (not decided yet)"
    assert depends_on(book, ("own_workshop",)) == sentence
    assert (1, DEPENDS) in heads and (2, sentence) in heads and (1, NOT_ASKED) in heads
    assert heads.index((1, DEPENDS)) > heads.index((1, "Applies now"))
    rows = [r for r in checklist_rows(out, book, None) if r["state"] == state_label("depends")]
    ids = {"workshop_licence", "contract_maker_agreement", "large_site_permit", "shared_site_agreement"}
    assert {r["obligation_id"] for r in rows} == ids
    assert all(r["title"].endswith(sentence) for r in rows)


@pytest.mark.parametrize("fmt", list(EXPORTS))
def test_every_export_says_what_depends_and_why_topics_were_not_asked(fmt: str, book: Rulebook, tmp_path: Path) -> None:
    out = evaluate(book, {**UNSURE, "sells_abroad": "home"})
    text = read_back(fmt, out, book, tmp_path)
    assert "Contract maker" in text or "contract maker" in text
    assert "Sign an agreement with your contract maker" in text and "Licence your workshop" in text
    assert "“Will you make them in your own workshop?” (not decided yet)" in text
    if fmt != "csv":  # CSV is one row per checklist item: no place for topics (see exports/csv_.py)
        assert "Selling abroad questions were not asked because you sell at home only" in text


# ---- the app ------------------------------------------------------------------------------------


def _app(monkeypatch: pytest.MonkeyPatch, rules: Path, answers: dict[str, Any] | None = None) -> AppTest:
    monkeypatch.setenv("ATMP_RULES_DIR", str(rules))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if answers is not None:
        at.query_params["a"] = encode_answers(answers)
    at.run()
    assert not at.exception
    return at


def _page(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "header", "subheader", "info") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_the_wizard_offers_not_decided_yet_and_the_results_show_what_depends(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app(monkeypatch, TOY_UNDECIDED)
    at.button(key="start").click().run()
    for qid, value in (("makes_gadgets", True), ("own_workshop", UNDECIDED), ("sells_abroad", UNDECIDED)):
        radio = at.radio(key=f"q_{qid}")
        if qid != "makes_gadgets":
            assert "Not decided yet" in radio.options
        else:
            assert "Not decided yet" not in radio.options
        radio.set_value(value)
        at.button(key="next").click().run()
        assert not at.exception
    assert at.title[0].value == "Review your answers"
    review = _page(at)
    assert "Not decided yet" in review
    assert "Workshop site questions were not asked yet: they depend on your answer to" in review
    at.button(key="see_results").click().run()
    assert not at.exception
    tab = next(t for t in at.tabs if t.label.startswith("Depends on your decision ("))
    assert tab.label == "Depends on your decision (5)"
    shown = "\n".join(str(e.value) for e in [*tab.subheader, *tab.markdown]).replace("\\", "")  # card titles are h3
    assert "Licence your workshop" in shown and "Sign an agreement with your contract maker" in shown
    applies = next(t for t in at.tabs if t.label.startswith("Applies now ("))
    assert "Licence your workshop" not in "\n".join(str(e.value) for e in [*applies.subheader, *applies.markdown])
    # "Your pathway": the route left to the decision reads as the tab does, with its icon, not "Not yet determined"
    route = next(e for e in at.expander if e.label.startswith("How you make gadgets:"))
    assert route.label == f"How you make gadgets: **{DECISION_PENDING}**" and route.proto.icon == ":material/help:"
    assert tab.label.startswith(DECISION_PENDING)


def test_hospital_exemption_journey_says_why_point_of_care_was_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        rules = load_rulebook(RULES)
    except RulebookError as err:
        pytest.skip(f"rules/ does not load right now (rules are being edited): {str(err).splitlines()[-1]}")
    answers: dict[str, AnswerValue] = {}  # first choices, with the hospital exemption as the only route
    while (q := next_question(rules, answers)) is not None:
        first = next(iter(rules.choices(q)), "")
        plain = {"yes_no": True, "one_of": first, "many_of": [first], "date": rules.meta.as_of}[q.kind]
        answers[q.id] = ["hospital_exemption"] if q.id == "routes" else plain
    assert answers.get("routes") == ["hospital_exemption"], "the journey never asked for the routes"
    poc = rules.topic_titles["point_of_care"]
    at = _app(monkeypatch, RULES, answers)
    assert at.title[0].value == "Review your answers"
    review = _page(at)
    assert f"{poc} questions were not asked because you said" in review and "Hospital exemption" in review
    at.button(key="see_results").click().run()
    assert not at.exception
    why_not = next(t for t in at.tabs if t.label.startswith("Why not ("))
    shown = "\n".join(str(e.value) for e in why_not.markdown).replace("\\", "")
    assert f"{poc} questions were not asked because" in shown


# ---- the shipped rules: "not decided yet" never claims more than every decision would --------------


def _journey(rules: Rulebook, fixed: dict[str, AnswerValue]) -> dict[str, AnswerValue]:
    """Answer what the wizard asks: ``fixed`` where given, else the first choice (yes, first, [first])."""
    answers: dict[str, AnswerValue] = {}
    while (q := next_question(rules, answers)) is not None:
        first = next(iter(rules.choices(q)), "")
        plain = {"yes_no": True, "one_of": first, "many_of": [first], "date": rules.meta.as_of}[q.kind]
        answers[q.id] = fixed.get(q.id, plain)
    return answers


def test_undecided_applies_only_what_every_decision_applies_on_the_shipped_rules() -> None:
    """Three-valued logic is monotone: what applies (or not) while a planning answer is "not decided
    yet" applies (or not) whatever is decided; what depends on it is settled by some decision."""
    try:
        rules = load_rulebook(RULES)
    except RulebookError as err:
        pytest.skip(f"rules/ does not load right now (rules are being edited): {str(err).splitlines()[-1]}")
    flagged = [q for q in rules.questions if q.undecided is not None]
    assert flagged, "no shipped question offers “not decided yet”"
    reach: dict[str, AnswerValue] = {
        "routes": ["clinical_trial", "marketing_authorisation"],
        "manufacturing_location": "both",
        "poc_decentralised": True,
    }
    for q in flagged:
        unsure = _journey(rules, {**reach, q.id: UNDECIDED})
        assert unsure.get(q.id) == UNDECIDED, f"{q.id} is never asked on this journey"
        base = evaluate(rules, unsure)
        assert base.depends, f"nothing depends on {q.id}"
        options: list[AnswerValue] = [True, False] if q.kind == "yes_no" else list(rules.choices(q))
        decided = [evaluate(rules, _journey(rules, {**reach, q.id: v})) for v in options]
        for out in decided:
            states = {f.id: f.state for f in out.all_findings()}
            for f in base.applicable:
                assert states.get(f.id) == "applies", f"{f.id} applies while {q.id} is undecided, not once decided"
            for f in base.not_applicable:
                assert states.get(f.id) == "not_applicable", f"{f.id}: {q.id} undecided rules it out, a decision not"
        for f in base.depends:
            assert any({g.id: g.state for g in out.all_findings()}.get(f.id) != "depends" for out in decided)
