"""Honest progress: over every shipped journey scenario (tests/scenarios/journeys*.yaml), the journey's length range only
narrows as answers come in, never says fewer than the questions already asked plus the one
on screen, and the final count lies inside the first range (and every later one)."""

from __future__ import annotations

import threading
import types
from collections.abc import Mapping

import pytest

from atmp_pathways import Rulebook, RulebookError, load_rulebook
from atmp_pathways.models import AnswerValue, Question
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


def test_sessions_counting_the_same_new_answers_at_once_count_them_once(
    toy_book: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Single flight: while one thread counts a journey, a second thread asking for the same answers
    waits for that count (one server, many sessions on the same screen) instead of counting again."""
    from atmp_pathways import _memo, engine, progress

    counter = progress.JourneyCounter(toy_book)
    start = {"uses_widgets": True}
    inside, release, progressed = threading.Event(), threading.Event(), threading.Event()
    calls: list[int] = []
    real = engine.pending_questions

    def slow_pending(book: Rulebook, answers: Mapping[str, AnswerValue]) -> list[Question]:
        if answers == start:
            calls.append(1)
            progressed.set()
            inside.set()
            assert release.wait(30), "the test never released the first count"
        return real(book, answers)

    class NoticedEvent(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            progressed.set()  # the second thread is waiting for the first one's count
            return super().wait(timeout)

    monkeypatch.setattr(progress, "pending_questions", slow_pending)
    monkeypatch.setattr(_memo, "threading", types.SimpleNamespace(Lock=threading.Lock, Event=NoticedEvent))
    results: list[int | None] = []
    first = threading.Thread(target=lambda: results.append(counter.fewest(start)))
    first.start()
    assert inside.wait(30)
    progressed.clear()
    second = threading.Thread(target=lambda: results.append(counter.fewest(start)))
    second.start()
    assert progressed.wait(30), "the second thread neither waited nor counted"
    release.set()
    first.join(30)
    second.join(30)
    assert len(calls) == 1, f"the same answers were counted {len(calls)} times"
    assert len(results) == 2 and results[0] == results[1] == progress.JourneyCounter(toy_book).fewest(start)


def test_the_next_answers_count_reuses_the_pending_questions_the_last_count_walked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counting the journey after one more answer walks (part of) the tree the previous count walked:
    those engine calls are remembered (fewer engine calls than search steps), and the range is the
    same as a fresh count's."""
    from atmp_pathways import engine, progress

    _, book, answers = _journeys()[0]
    asked, _ = replay(book, answers)  # type: ignore[arg-type]
    path = [(qid, answers[qid]) for qid in asked if qid in answers]
    engine_calls, steps = [0], [0]
    real_pending, real_within = engine.pending_questions, progress.JourneyCounter._within

    def counted_pending(book: Rulebook, answers: Mapping[str, AnswerValue]) -> list[Question]:
        engine_calls[0] += 1
        return real_pending(book, answers)

    def counted_within(
        self: progress.JourneyCounter, answers: dict[str, object], depth: int, budget: list[int]
    ) -> bool:
        steps[0] += budget[0] > 0  # a step that looks at the pending questions
        return real_within(self, answers, depth, budget)  # type: ignore[arg-type]

    shared = progress.JourneyCounter(book)
    fresh = [progress.JourneyCounter(book).total(path[:end]) for end in range(len(path) + 1)]  # type: ignore[arg-type]
    monkeypatch.setattr(progress, "pending_questions", counted_pending)
    monkeypatch.setattr(progress.JourneyCounter, "_within", counted_within)
    for end in range(len(path) + 1):
        assert shared.total(path[:end]) == fresh[end]  # type: ignore[arg-type]
    assert steps[0] > 0
    assert engine_calls[0] < steps[0], f"{engine_calls[0]} engine calls for {steps[0]} search steps: nothing reused"
