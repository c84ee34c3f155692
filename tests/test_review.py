"""The wizard's pure helpers (atmp_pathways.review), on the toy rules."""

from __future__ import annotations

import base64
import zlib
from datetime import date

import pytest

from atmp_pathways import AnswersError, Rulebook, evaluate
from atmp_pathways.answers import MAX_ANSWERS_BYTES
from atmp_pathways.review import (
    answer_label,
    answered_path,
    change_dates,
    decode_answers,
    diff_outcomes,
    encode_answers,
    escape_markdown,
    group_findings,
    item_tables,
    markdown_link,
    progress,
    review_rows,
    status_badge,
)

FULL = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red", "ship_to": ["NO", "SE"]}


def test_answered_path_follows_the_engine_and_skips_unused_answers(toy_book: Rulebook) -> None:
    assert answered_path(toy_book, {}) == []
    assert answered_path(toy_book, FULL) == ["uses_widgets", "widget_count_large", "widget_colour", "ship_to"]
    assert answered_path(toy_book, {**FULL, "uses_widgets": False}) == ["uses_widgets"]
    assert answered_path(toy_book, {"widget_colour": "red"}) == []  # not reachable before uses_widgets


def test_progress_counts_answered_and_remaining(toy_book: Rulebook) -> None:
    assert progress(toy_book, {}) == (0, 1)
    assert progress(toy_book, {"uses_widgets": True}) == (1, 3)
    assert progress(toy_book, FULL) == (4, 0)


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
        ("Norway", "Norwegian Customs", "confirmed"),
        ("Sweden", "Swedish Customs", "unverified"),
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
def test_escape_markdown_leaves_no_live_markup(text: str) -> None:
    escaped = escape_markdown(text)
    for special in "[]()<>$*`#:":
        assert f"\\{special}" in escaped or special not in text
    assert escaped.replace("\\", "").replace("  \n", "\n") == text


def test_markdown_link_only_links_https() -> None:
    assert markdown_link("Act", "https://example.org/a") == "[Act](https://example.org/a)"
    assert markdown_link("Act", "javascript:alert(1)") == "Act"
    assert markdown_link("Act", "https://example.org/a)b") == "[Act](https://example.org/a%29b)"
