"""Honest progress: over every shipped journey scenario (tests/scenarios/journeys*.yaml), the journey's length range only
narrows as answers come in, never says fewer than the questions already asked plus the one
on screen, and the final count lies inside the first range (and every later one)."""

from __future__ import annotations

import pytest

from atmp_pathways import Rulebook, RulebookError, load_rulebook
from atmp_pathways.scenarios import load_scenarios, replay
from atmp_pathways.wizard import Progress, Wizard

from .paths import ROOT


def _journeys() -> list[tuple[str, Rulebook, dict[str, object]]]:
    try:
        book = load_rulebook(ROOT / "rules")
    except RulebookError as err:  # the shipped rules are being edited: say so, do not hide it
        pytest.fail(f"the shipped rules do not load: {err}")
    scenarios = load_scenarios((ROOT / "tests" / "scenarios").glob("journeys*.yaml"), book)
    return [(sc.test_id, book, dict(sc.answers)) for sc in scenarios]


def _ranges(wiz: Wizard, answers: dict[str, object]) -> tuple[list[Progress], int | None]:
    """The progress shown on each screen, and the journey's length (None if the answers stop short)."""
    asked, missing = replay(wiz.book, answers)  # type: ignore[arg-type]
    given: dict[str, object] = {}
    seen: list[Progress] = []
    for qid in asked:
        if qid not in answers:
            break
        seen.append(wiz.progress(given, wiz.state(given)))  # type: ignore[arg-type]
        given[qid] = answers[qid]
    return seen, (len(given) if missing is None else None)


def test_journey_range_only_narrows_and_holds_the_final_count() -> None:
    journeys = _journeys()
    assert journeys, "no journey scenarios found"
    wiz = Wizard(journeys[0][1])
    checked = 0
    for name, _book, answers in journeys:
        seen, final = _ranges(wiz, answers)
        if not seen:
            continue
        for i, p in enumerate(seen):
            assert p.number == i + 1, f"{name}: the answered count stood still at question {i + 1}"
            assert p.fewest >= p.number, f"{name}: question {p.number} says the journey may take {p.fewest}"
            if final is not None:
                assert p.fewest <= final <= p.most, (
                    f"{name}: {final} questions, outside {p.fewest}–{p.most} at {p.number}"
                )
        for before, after in zip(seen, seen[1:], strict=False):
            assert after.fewest >= before.fewest, f"{name}: lower bound fell at question {after.number}"
            assert after.most <= before.most, f"{name}: upper bound grew at question {after.number}"
        checked += final is not None
    assert checked > 5


def test_first_screen_never_says_about_one_to_go() -> None:
    book = load_rulebook(ROOT / "rules")
    wiz = Wizard(book)
    first = wiz.progress({}, wiz.state({}))
    assert first.number == 1
    assert first.most > 1
    assert "to go" not in first.text


def test_toy_progress_is_exact_when_the_journey_has_one_length(toy_book: Rulebook) -> None:
    wiz = Wizard(toy_book)
    answers = {"uses_widgets": True}
    p = wiz.progress(answers, wiz.state(answers))
    assert p.number == 2
    assert 2 <= p.fewest <= p.most <= len(toy_book.questions)


def test_remembered_ranges_match_a_fresh_count_whatever_the_order_of_screens() -> None:
    """A rerun continues from the longest prefix already counted: the same range as counting afresh,
    also when screens come in another order (Back, Change, another session on the same server)."""
    for _, book, answers in _journeys()[:4]:
        shared = Wizard(book)
        asked, _ = replay(book, answers)  # type: ignore[arg-type]
        path = [(qid, answers[qid]) for qid in asked if qid in answers]
        for end in (len(path), 1, len(path) // 2, len(path) - 1, 0, len(path)):
            fresh = Wizard(book).journeys.total(path[:end])  # type: ignore[arg-type]
            assert shared.journeys.total(path[:end]) == fresh  # type: ignore[arg-type]


def test_the_range_shown_at_once_is_never_narrower_than_the_exact_one() -> None:
    """The question screen first shows the range already known (no engine call), then narrows it:
    the first never excludes what the second says, and is the previous screen's range."""
    _, book, answers = _journeys()[0]
    wiz = Wizard(book)
    asked, _ = replay(book, answers)  # type: ignore[arg-type]
    given: dict[str, object] = {}
    previous: Progress | None = None
    for qid in [q for q in asked if q in answers]:
        derived = wiz.state(given)  # type: ignore[arg-type]
        shown = wiz.progress(given, derived, known=True)  # type: ignore[arg-type]
        exact = wiz.progress(given, derived)  # type: ignore[arg-type]
        assert shown.number == exact.number
        assert shown.fewest <= exact.fewest <= exact.most <= shown.most
        if previous is None:
            assert (shown.fewest, shown.most) == (1, len(book.questions))  # nothing counted yet
        else:
            assert (shown.fewest, shown.most) == (previous.fewest, previous.most)
        assert wiz.progress(given, derived, known=True) == exact  # type: ignore[arg-type]
        previous = exact
        given[qid] = answers[qid]
