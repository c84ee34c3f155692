"""The wizard's pure logic (atmp_pathways.wizard), the shared wording (present), diffs and share tokens."""

from __future__ import annotations

import base64
import random
import zlib
from datetime import date, timedelta
from typing import Any

import pytest

from atmp_pathways import (
    AnswersError,
    Rulebook,
    RulebookError,
    evaluate,
    load_rulebook,
    next_question,
    pending_questions,
)
from atmp_pathways.answers import MAX_ANSWERS_BYTES, decode_answers, encode_answers
from atmp_pathways.outcome import change_dates, diff_outcomes
from atmp_pathways.present import (
    answer_label,
    escape_markdown,
    group_findings,
    item_tables,
    markdown_link,
    markdown_table,
    status_badge,
    verification_label,
)
from atmp_pathways.wizard import Wizard, review_rows

from .paths import ROOT

FULL = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red", "ship_to": ["NO", "SE"]}


def test_answered_path_follows_the_engine_and_skips_unused_answers(toy_book: Rulebook) -> None:
    wiz = Wizard(toy_book)
    assert wiz.path({}) == []
    assert wiz.path(FULL) == ["uses_widgets", "widget_count_large", "widget_colour", "ship_to"]
    assert wiz.path({**FULL, "uses_widgets": False}) == ["uses_widgets"]
    assert wiz.path({"widget_colour": "red"}) == []  # not reachable before uses_widgets


def test_progress_counts_answered_and_remaining(toy_book: Rulebook) -> None:
    wiz = Wizard(toy_book)
    assert wiz.state({}).progress == (0, 1)
    assert wiz.state({"uses_widgets": True}).progress == (1, 3)
    assert wiz.state(FULL).progress == (4, 0)


@pytest.mark.parametrize(
    ("qid", "value", "label"),
    [
        ("uses_widgets", False, "No"),
        ("widget_colour", "blue", "Blue"),
        ("ship_to", ["FI"], "Finland"),
        ("ship_to", [], "None of these"),
    ],
)
def test_answer_label_uses_choice_labels(toy_book: Rulebook, qid: str, value: object, label: str) -> None:
    assert answer_label(toy_book, qid, value) == label  # type: ignore[arg-type]


def test_review_rows_mark_ignored_answers_kept_not_used(toy_book: Rulebook) -> None:
    answers = {**FULL, "uses_widgets": False}
    rows = review_rows(toy_book, answers, evaluate(toy_book, answers))
    assert [(r.question_id, r.used) for r in rows] == [
        ("uses_widgets", True),
        ("widget_count_large", False),
        ("widget_colour", False),
        ("ship_to", False),
    ]


def test_status_badges(toy_book: Rulebook) -> None:
    outcome = evaluate(toy_book, FULL, date(2026, 6, 1))
    badges = {f.id: status_badge(f) for f in outcome.all_findings()}
    assert badges["register_widgets"] == "Binding"
    assert badges["label_all_widgets"] == "Applies from 2027-01-01"
    assert badges["customs_notice[NO]"] == "National practice"
    assert badges["widget_tax_proposal"] == "Proposed — not law"


def test_group_findings_follows_phase_order(toy_book: Rulebook) -> None:
    outcome = evaluate(toy_book, FULL)
    groups = group_findings(toy_book, outcome.applicable)
    assert [g.phase_title for g in groups] == ["Making", "Shipping"]
    assert [area for area, _ in groups[1].areas] == ["Shipping"]


def test_item_tables_one_row_per_item(toy_book: Rulebook) -> None:
    tables = item_tables(toy_book, evaluate(toy_book, FULL).applicable)
    assert len(tables) == 1
    heading, rows = tables[0]
    assert heading == "Customs authorities"
    assert [(r["Countries"], r["Authority"], r["Verification"]) for r in rows] == [
        ("Norway", "Norwegian Customs", verification_label("confirmed")),
        ("Sweden", "Swedish Customs", verification_label("unverified")),
    ]


def test_diff_outcomes_lists_added_removed_and_unchanged(toy_book: Rulebook) -> None:
    before = evaluate(toy_book, FULL, date(2026, 6, 1))
    after = evaluate(toy_book, FULL, date(2027, 2, 1))
    diff = diff_outcomes(before, after)
    assert [f.id for f in diff.added] == ["label_all_widgets"]
    assert [f.id for f in diff.removed] == ["label_red_widgets"]
    assert "register_widgets" in {f.id for f in diff.unchanged}
    assert not diff_outcomes(before, before).changed


def test_change_dates_name_the_day_an_obligation_starts_or_stops(toy_book: Rulebook) -> None:
    before = evaluate(toy_book, FULL, date(2026, 6, 1))
    starts = {f.valid_from for f in before.upcoming}
    stops = {f.valid_to for f in before.applicable if f.valid_to is not None}
    assert change_dates(before) == [date(2027, 1, 1)]  # label_all_widgets starts the day label_red_widgets stops
    assert starts == {date(2027, 1, 1)} and stops == {date(2026, 12, 31)}
    assert change_dates(evaluate(toy_book, FULL, date(2027, 2, 1))) == []


def test_share_token_round_trips(toy_book: Rulebook) -> None:
    answers = {**FULL, "ship_to": ["NO"]}
    token = encode_answers(answers)
    assert token.isascii() and "=" not in token and "+" not in token and "/" not in token
    assert decode_answers(toy_book, token).answers == answers


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("!!!", "not readable"),
        ("A" * 20_000, "too long"),
        (base64.urlsafe_b64encode(zlib.compress(b" " * (MAX_ANSWERS_BYTES + 10))).decode(), "too big"),
        (encode_answers({"uses_widget": True}), "Did you mean 'uses_widgets'?"),
    ],
    ids=["garbage", "too long", "zip bomb", "unknown id"],
)
def test_decode_answers_refuses_bad_tokens(toy_book: Rulebook, token: str, message: str) -> None:
    with pytest.raises(AnswersError) as err:
        decode_answers(toy_book, token)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "text",
    [
        "[click me](https://evil.example)",
        "<img src=x onerror=alert(1)>",
        "$x^2$ and :red[colour] and **bold** and `code`",
        "# heading\n- list\n1. numbered",
    ],
)
def test_escape_markdown_leaves_no_live_markup_in_streamlit(text: str) -> None:
    escaped = escape_markdown(text, streamlit=True)
    for special in "[]()<>$*`#:":
        assert f"\\{special}" in escaped or special not in text
    assert escaped.replace("\\", "").replace("  \n", "\n") == text


def test_markdown_link_only_links_https() -> None:
    assert markdown_link("Act", "https://example.org/a") == "[Act](https://example.org/a)"
    assert markdown_link("Act", "javascript:alert(1)") == "Act (javascript:alert(1))"  # shown, not linked
    assert markdown_link("Act", "http://example.org/a") == "Act (http://example.org/a)"
    assert markdown_link("Act", "https://example.org/a)b") == "[Act](https://example.org/a%29b)"


def _replay_path(book: Rulebook, answers: dict[str, Any]) -> list[str]:
    """The reference: replay the wizard, one ``next_question`` per answer (the pre-memo algorithm)."""
    path: list[str] = []
    known: dict[str, Any] = {}
    while (question := next_question(book, known)) is not None and question.id in answers:
        known[question.id] = answers[question.id]
        path.append(question.id)
    return path


def _random_answers(book: Rulebook, rng: random.Random, keep: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for q in book.questions:
        if rng.random() > keep:
            continue
        choices = list(book.choices(q))
        if q.kind == "yes_no":
            out[q.id] = rng.random() < 0.5
        elif q.kind == "one_of":
            out[q.id] = rng.choice(choices)
        elif q.kind == "many_of":
            out[q.id] = rng.sample(choices, rng.randint(0, min(3, len(choices))))
        else:
            out[q.id] = date(2025, 1, 1) + timedelta(days=rng.randint(0, 1500))
    return out


def _walk(book: Rulebook, answers: dict[str, Any]) -> dict[str, Any]:
    """What a user who answers every question the wizard asks (from ``answers``) ends up storing."""
    out: dict[str, Any] = {}
    while (q := next_question(book, out)) is not None and q.id in answers:
        out[q.id] = answers[q.id]
    return out


def _books(toy_book: Rulebook) -> list[Rulebook]:
    books = [toy_book]
    try:
        books.append(load_rulebook(ROOT / "rules"))
    except RulebookError:  # the shipped rules are being edited: the toy rules still run
        pass
    return books


def test_memoised_path_and_pending_match_the_replay(toy_book: Rulebook) -> None:
    rng = random.Random(20261125)
    for book in _books(toy_book):
        wiz = Wizard(book)
        cases: list[dict[str, Any]] = [{}]
        for _ in range(60):
            full = _random_answers(book, rng, keep=1.0)
            walked = _walk(book, full)
            cases += [walked, dict(list(walked.items())[: rng.randint(0, len(walked))])]
            cases.append({**walked, **_random_answers(book, rng, keep=0.3)})  # some kept, not used
            cases.append(_random_answers(book, rng, keep=rng.random()))  # anything at all
        for answers in cases + cases[::-1]:  # the second pass answers from the memo
            derived = wiz.state(answers)
            assert list(derived.path) == _replay_path(book, answers) == wiz.path(answers), answers
            assert [q.id for q in derived.pending] == [q.id for q in pending_questions(book, answers)]
            expected = next_question(book, answers)
            assert (derived.next_question.id if derived.next_question else None) == (expected.id if expected else None)
            assert derived.progress == (len(derived.path), len(derived.pending))


def test_memo_keeps_answers_apart_by_type_and_refuses_bad_ones(toy_book: Rulebook) -> None:
    wiz = Wizard(toy_book)
    assert wiz.path({"uses_widgets": True}) == ["uses_widgets"]
    with pytest.raises(AnswersError):
        wiz.path({"uses_widgets": 1})  # 1 == True, but it is not a yes/no answer
    with pytest.raises(AnswersError):
        wiz.state({"uses_widgets": True, "nope": True})
    assert wiz.path({"uses_widgets": True, "nope": True}) == ["uses_widgets"]  # as the replay


def test_wizard_outcome_is_evaluate_memoised(toy_book: Rulebook) -> None:
    outcome_for = Wizard(toy_book).outcome
    answers = {**FULL}
    first = outcome_for(answers, date(2026, 6, 1))
    assert first == evaluate(toy_book, answers, date(2026, 6, 1))
    assert outcome_for(dict(answers), date(2026, 6, 1)) is first  # same snapshot: reused
    later = outcome_for(answers, date(2027, 2, 1))
    assert later == evaluate(toy_book, answers, date(2027, 2, 1)) and later is not first
    answers["uses_widgets"] = False  # a new snapshot, a new outcome
    assert outcome_for(answers, date(2026, 6, 1)) == evaluate(toy_book, answers, date(2026, 6, 1))


def test_markdown_table_escapes_cells_and_keeps_one_line_per_row() -> None:
    table = markdown_table(["Detail", "Value"], [["a|b", "x\ny"], ["[link](javascript:x)", "<b>"]], streamlit=True)
    lines = table.splitlines()
    assert len(lines) == 4
    assert lines[2] == r"| a\|b | x y |"
    assert "javascript\\:" in lines[3] and r"\<b\>" in lines[3]
