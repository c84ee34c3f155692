"""The engine on the toy rulebook: asking order, relevance, three-valued outcome,
traces, why-not, validity windows, per-item expansion, errors."""

from __future__ import annotations

from datetime import date

import pytest

from atmp_pathways import AnswersError, Rulebook, evaluate, next_question, pending_questions

FULL = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red", "ship_to": ["NO", "FI"]}


def test_next_question_starts_with_the_first_relevant_question(toy_book: Rulebook) -> None:
    q = next_question(toy_book, {})
    assert q is not None and q.id == "uses_widgets"


def test_next_question_skips_irrelevant_questions(toy_book: Rulebook) -> None:
    assert next_question(toy_book, {"uses_widgets": False}) is None
    assert pending_questions(toy_book, {"uses_widgets": False}) == []


def test_next_question_follows_file_order_for_relevant_questions(toy_book: Rulebook) -> None:
    asked = []
    answers: dict[str, object] = {}
    while (q := next_question(toy_book, answers)) is not None:  # type: ignore[arg-type]
        asked.append(q.id)
        answers[q.id] = FULL[q.id]
    assert asked == ["uses_widgets", "widget_count_large", "widget_colour", "ship_to"]


def test_next_question_skips_a_question_that_can_no_longer_change_anything(toy_book: Rulebook) -> None:
    # With a small count, registration is settled; the colour still matters for labels.
    answers = {"uses_widgets": True, "widget_count_large": False}
    assert [q.id for q in pending_questions(toy_book, answers)] == ["widget_colour", "ship_to"]


def test_evaluate_sorts_findings_into_states(toy_book: Rulebook) -> None:
    out = evaluate(toy_book, FULL, date(2026, 6, 1))
    assert [f.id for f in out.applicable] == [
        "register_widgets",
        "label_red_widgets",
        "customs_notice[NO]",
        "customs_notice[FI]",
    ]
    assert [f.id for f in out.upcoming] == ["label_all_widgets"]
    assert [f.id for f in out.horizon] == ["widget_tax_proposal"]
    assert out.not_applicable == () and out.undetermined == () and out.complete


def test_evaluate_trace_names_the_answers_that_met_each_condition(toy_book: Rulebook) -> None:
    reg = evaluate(toy_book, FULL).applicable[0]
    paths = [r.path for r in reg.because]
    assert paths == ["when.all[0]", "when.all[1]", "unless"]
    assert reg.because[1].text == "Do you make more than 100 widgets a year? — yes"
    assert reg.because[2].text == "Which colour are the widgets? — Red (needed anything but Green)"


def test_evaluate_why_not_gives_the_first_failing_condition(toy_book: Rulebook) -> None:
    out = evaluate(toy_book, {**FULL, "widget_count_large": False})
    reg = next(f for f in out.not_applicable if f.id == "register_widgets")
    assert reg.why_not == "when.all[1]: “Do you make more than 100 widgets a year?” needed yes; answered: no"
    assert reg.why_not_text == (
        "Not for you because you said “Do you make more than 100 widgets a year?” — no "
        "(this applies when the answer is yes)."
    )


def test_evaluate_why_not_names_the_exception(toy_book: Rulebook) -> None:
    out = evaluate(toy_book, {**FULL, "widget_colour": "green"})
    reg = next(f for f in out.not_applicable if f.id == "register_widgets")
    assert reg.why_not is not None and reg.why_not.startswith(
        "unless: the exception applies — Which colour are the widgets? — Green"
    )


def test_evaluate_why_not_explains_a_question_that_was_not_asked(toy_book: Rulebook) -> None:
    out = evaluate(toy_book, {"uses_widgets": False})
    label = next(f for f in out.not_applicable if f.id == "label_red_widgets")
    assert label.why_not == "when: “Which colour are the widgets?” was not asked (its own condition does not hold)"
    assert label.why_not_text == "Not for you because “Which colour are the widgets?” does not arise for your answers."


def test_evaluate_respects_validity_windows_as_of_a_date(toy_book: Rulebook) -> None:
    before = evaluate(toy_book, FULL, date(2026, 12, 31))
    after = evaluate(toy_book, FULL, date(2027, 1, 1))
    assert "label_red_widgets" in {f.id for f in before.applicable}
    assert "label_all_widgets" in {f.id for f in before.upcoming}
    ended = next(f for f in after.not_applicable if f.id == "label_red_widgets")
    assert ended.why_not == "validity: ceased to apply after 2026-12-31 (as of 2027-01-01)"
    assert ended.why_not_text == "No longer applies: it ceased to apply after 2026-12-31."
    assert "label_all_widgets" in {f.id for f in after.applicable}


def test_evaluate_defaults_to_the_rulebook_review_date(toy_book: Rulebook) -> None:
    assert evaluate(toy_book, {}).as_of == toy_book.meta.as_of


def test_per_item_obligation_expands_with_row_facts_and_weakest_verification(toy_book: Rulebook) -> None:
    out = evaluate(toy_book, {**FULL, "ship_to": ["SE", "FI"]})
    se, fi = (f for f in out.applicable if f.obligation == "customs_notice")
    assert se.title == "Customs notice for Sweden"
    assert se.description == "File with Swedish Customs within 5 days."
    assert se.checklist == ("Notify Swedish Customs",)
    assert se.details == {"Authority": "Swedish Customs", "Deadline": "5 days"}
    assert se.verification == "unverified"  # row_verification wins over the rule's 'confirmed'
    assert fi.verification == "unverified" and "confirm with the competent authority" in fi.description


def test_undetermined_obligations_list_the_questions_they_wait_for(toy_book: Rulebook) -> None:
    out = evaluate(toy_book, {"uses_widgets": True})
    waiting = {f.id: f.pending for f in out.undetermined}
    assert waiting["register_widgets"] == ("widget_count_large", "widget_colour")
    assert waiting["customs_notice"] == ("ship_to",)
    assert out.pending_questions == ("widget_count_large", "widget_colour", "ship_to")
    assert not out.complete


def test_changed_answers_are_kept_but_ignored_when_their_question_is_not_asked(toy_book: Rulebook) -> None:
    out = evaluate(toy_book, {**FULL, "uses_widgets": False})
    assert set(out.ignored_answers) == {"widget_count_large", "widget_colour", "ship_to"}
    assert out.answers["widget_colour"] == "red"
    assert out.applicable == ()


def test_outcome_does_not_depend_on_answer_order(toy_book: Rulebook) -> None:
    reordered = dict(reversed(list(FULL.items())))
    a = evaluate(toy_book, FULL).to_dict()
    b = evaluate(toy_book, reordered).to_dict()
    a.pop("answers"), b.pop("answers")
    assert a == b


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"uses_widget": True}, "Answer given for unknown question 'uses_widget'. Did you mean 'uses_widgets'?"),
        ({"uses_widgets": "yes"}, "'uses_widgets' needs true or false, got 'yes'."),
        ({"widget_colour": "pink"}, "'widget_colour' needs one of red, blue, green; got 'pink'."),
        ({"ship_to": "NO"}, "'ship_to' needs a list of choices, got 'NO'."),
        ({"ship_to": ["XX"]}, "'ship_to': 'XX' not among its choices"),
        ({"ship_to": ["SE", "SE"]}, "'ship_to' lists a choice twice."),
    ],
)
def test_invalid_answers_raise_a_clear_error(toy_book: Rulebook, answers: dict[str, object], message: str) -> None:
    with pytest.raises(AnswersError) as info:
        evaluate(toy_book, answers)  # type: ignore[arg-type]
    assert message in str(info.value)
    with pytest.raises(AnswersError):
        next_question(toy_book, answers)  # type: ignore[arg-type]
