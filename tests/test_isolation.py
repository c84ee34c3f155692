"""Sessions share one cached, frozen rulebook and nothing else.

* The rulebook and its parts refuse attribute assignment; the engine and the
  exports never change it.
* Many threads evaluating the same rulebook, or sharing the app's one ``Wizard`` (its
  memos), get what sequential calls get.
* AppTest sessions interleaved step by step each end with exactly their own answers
  and results.
"""

from __future__ import annotations

import copy
import itertools
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from atmp_pathways import Rulebook, evaluate, load_rulebook, next_question, pending_questions
from atmp_pathways.exports import EXPORTS
from atmp_pathways.wizard import Wizard

from .paths import ROOT, TOY
from .question_widget import question_widget

TOY_ANSWERS: list[dict[str, Any]] = [
    {"uses_widgets": False},
    {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red", "ship_to": ["NO", "FI"]},
    {"uses_widgets": True, "widget_count_large": False, "widget_colour": "green", "ship_to": []},
    {"uses_widgets": True, "widget_count_large": True, "widget_colour": "blue", "ship_to": ["SE"]},
    {"uses_widgets": True, "widget_count_large": False, "widget_colour": "red", "ship_to": ["NO", "SE", "FI"]},
    {"uses_widgets": True, "widget_count_large": True, "widget_colour": "green", "ship_to": ["FI"]},
    {"uses_widgets": True},
    {"uses_widgets": True, "widget_colour": "red"},
]


def _snapshot(book: Rulebook) -> Any:
    return copy.deepcopy(book.model_dump())


# Immutability -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target, field, value",
    [
        ("book", "digest", "tampered"),
        ("book", "questions", ()),
        ("question", "text", "tampered"),
        ("question", "when", None),
        ("obligation", "title", "tampered"),
        ("condition", "is_", False),
        ("meta", "version", "9.9.9"),
    ],
)
def test_rulebook_parts_refuse_attribute_assignment(toy_book: Rulebook, target: str, field: str, value: Any) -> None:
    obj = {
        "book": toy_book,
        "question": toy_book.question("widget_count_large"),
        "obligation": toy_book.obligation("register_widgets"),
        "condition": toy_book.question("widget_count_large").when,
        "meta": toy_book.meta,
    }[target]
    before = getattr(obj, field)
    with pytest.raises(ValidationError, match="frozen"):
        setattr(obj, field, value)
    assert getattr(obj, field) == before


def test_rulebook_sequences_are_tuples(toy_book: Rulebook) -> None:
    assert isinstance(toy_book.questions, tuple) and isinstance(toy_book.obligations, tuple)
    assert isinstance(toy_book.obligation("label_red_widgets").checklist, tuple)
    with pytest.raises(TypeError):
        toy_book.questions[0] = toy_book.questions[1]  # type: ignore[index]


def _dict_fields_mutable() -> bool:
    book = load_rulebook(TOY)
    try:
        book.topic_of["uses_widgets"] = "tampered"
        book.list_items("countries")["XX"] = "Nowhere"
    except TypeError:
        return False
    return True


def test_rulebook_dict_fields_cannot_be_mutated() -> None:
    assert not _dict_fields_mutable()


def test_the_app_cache_hands_every_session_the_same_wizard_until_a_rule_file_changes(tmp_path: Path) -> None:
    from ui import main

    rules = tmp_path / "rules"
    shutil.copytree(TOY, rules)
    main._load.clear()
    main._LAST.clear()
    first = main._wizard(rules)
    main._LAST.clear()  # past the one-second shortcut: the app's st.cache_resource answers
    assert main._wizard(rules) is first  # shared: any mutation would leak between sessions
    assert isinstance(first.book, Rulebook)
    meta = rules / "rulebook.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    main._LAST.clear()
    changed = main._wizard(rules)
    assert changed is not first and changed.book.meta == first.book.meta  # a fresh load of the edited rules
    main._load.clear()
    main._LAST.clear()


def test_a_rules_load_moves_what_is_alive_out_of_the_collectors_sight(tmp_path: Path) -> None:
    """A full collection walked Streamlit, the libraries and the rules: 70–100 ms holding the GIL, a few
    times per journey of clicks (gc.callbacks on the bench server). The app freezes them once loaded."""
    import gc

    from ui import main

    rules = tmp_path / "rules"
    shutil.copytree(TOY, rules)
    main._load.clear()
    main._LAST.clear()
    gc.unfreeze()
    try:
        wiz = main._wizard(rules)
        assert gc.get_freeze_count() > 1_000  # Streamlit alone is tens of thousands of objects
        assert not any(o is wiz.book for o in gc.get_objects())  # frozen objects are no longer walked
    finally:
        gc.unfreeze()
        main._load.clear()
        main._LAST.clear()


def test_engine_and_exports_never_mutate_the_rulebook(toy_book: Rulebook) -> None:
    before = _snapshot(toy_book)
    for answers in TOY_ANSWERS:
        evaluate(toy_book, answers)
        evaluate(toy_book, answers, date(2030, 1, 1))
        next_question(toy_book, answers)
        pending_questions(toy_book, answers)
    for answers in TOY_ANSWERS[:3]:
        outcome = evaluate(toy_book, answers)
        for fmt in EXPORTS.values():
            fmt.render(outcome, toy_book, None)
    assert _snapshot(toy_book) == before


def test_evaluate_does_not_keep_or_change_the_callers_answers(toy_book: Rulebook) -> None:
    answers = {"uses_widgets": True, "ship_to": ["NO"]}
    outcome = evaluate(toy_book, answers)
    answers["ship_to"].append("SE")
    answers["widget_colour"] = "red"
    assert "widget_colour" not in outcome.answers
    again = evaluate(toy_book, {"uses_widgets": True, "ship_to": ["NO"]})
    assert [f.id for f in again.applicable] == [f.id for f in outcome.applicable]


# Engine concurrency ---------------------------------------------------------------------------


def test_many_threads_evaluating_one_rulebook_match_sequential_calls(toy_book: Rulebook, tmp_path: Path) -> None:
    from tests.generate import generate_rules

    gen = generate_rules(tmp_path / "gen", 200, seed=11)
    big = load_rulebook(tmp_path / "gen")
    items = list(gen.witness.items())
    cases: list[tuple[Rulebook, dict[str, Any]]] = [(toy_book, a) for a in TOY_ANSWERS]
    cases += [(big, dict(items[: len(items) * k // 8])) for k in range(9)]
    expected = [(evaluate(b, a).to_dict(), getattr(next_question(b, a), "id", None)) for b, a in cases]
    barrier = threading.Barrier(8)

    def work(i: int) -> tuple[int, Any, Any]:
        if i < 8:
            barrier.wait(timeout=30)
        b, a = cases[i % len(cases)]
        return i % len(cases), evaluate(b, a).to_dict(), getattr(next_question(b, a), "id", None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(len(cases) * 6)))
    for i, dump, qid in results:
        assert (dump, qid) == expected[i], f"case {i} differs under concurrency"


def test_many_threads_sharing_one_wizard_match_a_fresh_wizard_called_in_turn(toy_book: Rulebook) -> None:
    """The app shares one ``Wizard`` (trie, outcome memo, one lock) between all sessions."""
    cases = [dict(list(a.items())[:k]) for a in TOY_ANSWERS for k in range(len(a) + 1)]
    days = (date(2026, 6, 1), date(2027, 2, 1))
    fresh = Wizard(toy_book)
    expected = [(fresh.state(a), fresh.path(a), [fresh.outcome(a, d).to_dict() for d in days]) for a in cases]
    shared = Wizard(toy_book)
    workers = 8
    barrier = threading.Barrier(workers)

    def work(start: int) -> list[tuple[int, Any]]:
        barrier.wait(timeout=30)  # every thread starts on the cold memos at once
        out = []
        for n in range(len(cases) * 3):
            i = (start * 7 + n) % len(cases)
            a = cases[i]
            out.append((i, (shared.state(a), shared.path(a), [shared.outcome(a, d).to_dict() for d in days])))
        return out

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = [r for chunk in pool.map(work, range(workers)) for r in chunk]
    assert len(results) == workers * len(cases) * 3
    for i, got in results:
        assert got == expected[i], f"case {cases[i]} differs when the wizard is shared"


# App sessions ---------------------------------------------------------------------------------


# AppTest installs a mock streamlit Runtime as a process-wide singleton for each run, so two
# runs at the same instant break each other ("Runtime hasn't been created!"). Runs are therefore
# serialised by this lock: sessions interleave step by step (not truly at once) and share the
# cached rulebook and wizard. Threads truly at once are tested above on the shared Wizard; a real
# concurrent server is exercised by the browser test and `make bench` (bench/browser.py).
RUN_LOCK = threading.Lock()


def _run(at: Any) -> None:
    with RUN_LOCK:
        at.run()


def _walk(answers: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One AppTest session: answer the wizard from ``answers``, open the results; (answers, text)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    _run(at)
    at.button(key="start").click()
    _run(at)
    for _ in range(10):
        assert not at.exception, at.exception
        if at.session_state["view"] != "questions":
            break
        widget = question_widget(at)
        assert widget is not None, "no question widget on the question screen"
        qid = widget.key[2:]
        widget.set_value(answers[qid])
        at.button(key="next").click()
        _run(at)
    if at.session_state["view"] == "review":
        at.button(key="see_results").click()
        _run(at)
    assert not at.exception, at.exception
    text = [m.value for m in at.markdown] + [h.value for h in [*at.header, *at.subheader]]
    return dict(at.session_state["answers"]), text


@pytest.fixture()
def toy_app_env(monkeypatch: pytest.MonkeyPatch) -> None:
    if not (ROOT / "app.py").exists():
        pytest.skip("app.py not written yet")
    monkeypatch.setenv("ATMP_RULES_DIR", str(TOY))
    monkeypatch.chdir(ROOT)


def _expected_answers(book: Rulebook, answers: dict[str, Any]) -> dict[str, Any]:
    """What the wizard stores when it asks only what it needs, from ``answers``."""
    out: dict[str, Any] = {}
    while (q := next_question(book, out)) is not None:
        out[q.id] = answers[q.id]
    return out


def test_interleaved_app_sessions_keep_their_own_answers_and_results(toy_app_env: None, toy_book: Rulebook) -> None:
    full = [a for a in TOY_ANSWERS if _expected_answers(toy_book, {**a, **_defaults(a)}) is not None][:8]
    cases = [{**a, **_defaults(a)} for a in full]
    sequential = [_walk(a) for a in cases]
    for a, (got, _) in zip(cases, sequential, strict=True):
        assert got == _expected_answers(toy_book, a)
    assert len({tuple(map(str, text)) for _, text in sequential}) > 1, "cases should give different results"
    order = list(itertools.chain.from_iterable([range(len(cases))] * 2))
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda i: (i, _walk(cases[i])), order))
    for i, (got, text) in parallel:
        assert got == sequential[i][0], f"session {i} ended with someone else's answers"
        assert text == sequential[i][1], f"session {i} shows someone else's results"
    assert os.environ["ATMP_RULES_DIR"] == str(TOY)


def _defaults(answers: dict[str, Any]) -> dict[str, Any]:
    """Fill the questions a partial case leaves open, so the wizard can always finish."""
    base = {"uses_widgets": True, "widget_count_large": False, "widget_colour": "blue", "ship_to": []}
    return {k: v for k, v in base.items() if k not in answers}
