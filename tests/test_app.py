"""AppTest journeys through the wizard (toy rules), plus one smoke journey on the real rules."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from atmp_pathways import RulebookError, dump_answers, evaluate, load_rulebook
from atmp_pathways.answers import encode_answers
from atmp_pathways.exports import EXPORTS
from atmp_pathways.present import escape_markdown
from ui.wizard import START_OVER

from .paths import ROOT, TOY
from .question_widget import TickGroup, question_widget

TIMEOUT = 60
TOY_ANSWERS: dict[str, Any] = {
    "uses_widgets": True,
    "widget_count_large": True,
    "widget_colour": "red",
    "ship_to": ["NO", "SE"],
}


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ATMP_RULES_DIR", str(TOY))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def _text(at: AppTest) -> str:
    """Every Markdown-ish text on the page (main area and sidebar), joined."""
    parts = [e.value for kind in ("markdown", "caption", "header", "subheader", "title") for e in getattr(at, kind)]
    parts += [e.value for kind in ("error", "warning", "info", "success") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def _tab_text(at: AppTest, label: str) -> str:
    tab = next(t for t in at.tabs if t.label == label or t.label.startswith(f"{label} ("))  # "Applies now (3)"
    parts = [e.value for kind in ("header", "subheader", "markdown") for e in getattr(tab, kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


_question_widget = question_widget


def _answer(at: AppTest, value: Any) -> str:
    widget = _question_widget(at)
    assert widget is not None, "expected a question on screen"
    widget.set_value(value)
    at.button(key="next").click().run()
    assert not at.exception
    return str(widget.key)[2:]


def _answer_all(at: AppTest, answers: dict[str, Any]) -> list[str]:
    """Answer whatever the wizard asks from ``answers``; return the asked ids in order."""
    asked = []
    while (widget := _question_widget(at)) is not None:
        qid = str(widget.key)[2:]
        assert qid in answers, f"the wizard asked {qid!r}, which the test does not answer"
        asked.append(_answer(at, answers[qid]))
    return asked


def _to_results(at: AppTest, answers: dict[str, Any] = TOY_ANSWERS) -> None:
    at.button(key="start").click().run()
    _answer_all(at, answers)
    at.button(key="see_results").click().run()
    assert not at.exception


def test_journey_reaches_results_with_expected_obligations(app: AppTest) -> None:
    app.button(key="start").click().run()
    assert _answer_all(app, TOY_ANSWERS) == ["uses_widgets", "widget_count_large", "widget_colour", "ship_to"]
    assert app.title[0].value == "Review your answers"
    app.button(key="see_results").click().run()
    assert not app.exception
    text = _text(app)
    assert "Register as a widget maker" in text
    assert "Customs notice for Norway" in text
    assert "Pay the proposed widget tax" in text  # on the horizon
    assert "Not law" in text
    per_country = _tab_text(app, "Per country")
    assert "**Norway**" in per_country and "**Sweden**" in per_country
    downloads = {b.key for b in app.get("download_button")}
    assert {f"export_{name}" for name in EXPORTS} <= downloads
    assert app.session_state["answers"] == TOY_ANSWERS


def test_review_lists_every_answer_with_a_change_button(app: AppTest) -> None:
    app.button(key="start").click().run()
    _answer_all(app, TOY_ANSWERS)
    text = _text(app)
    for question, label in [
        ("Do you make widgets?", "Yes"),
        ("Do you make more than 100 widgets a year?", "Yes"),
        ("Which colour are the widgets?", "Red"),
        ("Where do you ship widgets?", "Norway, Sweden"),
    ]:
        assert f"**{question}**  \n{label}" in text
    assert {f"review_change_{qid}" for qid in TOY_ANSWERS} <= {b.key for b in app.button}


def test_back_shows_the_previous_answer_and_next_steps_forward(app: AppTest) -> None:
    app.button(key="start").click().run()
    _answer(app, True)
    _answer(app, False)
    assert _question_widget(app).key == "q_widget_colour"
    app.button(key="back").click().run()
    widget = _question_widget(app)
    assert (widget.key, widget.value) == ("q_widget_count_large", False)
    app.button(key="back").click().run()
    widget = _question_widget(app)
    assert (widget.key, widget.value) == ("q_uses_widgets", True)
    app.button(key="next").click().run()
    assert _question_widget(app).key == "q_widget_count_large"
    app.button(key="back").click().run()
    app.button(key="back").click().run()  # back from the first question: the start screen
    assert not app.exception
    assert app.button(key="start").label == "Continue (2 answers so far)"


def test_changing_an_answer_keeps_later_answers_and_changes_the_outcome(app: AppTest) -> None:
    _to_results(app)
    assert "Register as a widget maker" in _text(app)
    _change(app, "uses_widgets").run()  # the sidebar's "Change an answer"
    assert _question_widget(app).value is True
    _answer(app, False)
    assert app.title[0].value == "Review your answers"  # nothing else to ask
    assert app.session_state["answers"] == {**TOY_ANSWERS, "uses_widgets": False}
    assert _text(app).count("kept, not used") == 3
    app.button(key="see_results").click().run()
    assert "Register as a widget maker" not in _tab_text(app, "Applies now")
    assert "Register as a widget maker" in _tab_text(app, "Why not")
    app.button(key="results_back").click().run()
    app.button(key="review_change_uses_widgets").click().run()
    _answer(app, True)  # the kept answers come back; nothing is asked again
    assert app.title[0].value == "Review your answers"
    assert "kept, not used" not in _text(app)
    app.button(key="see_results").click().run()
    assert "Register as a widget maker" in _tab_text(app, "Applies now")


def _change(app: AppTest, question_id: str) -> AppTest:
    """Pick ``question_id`` in the sidebar's "Change an answer" (the caller runs the app)."""
    picker = app.sidebar.selectbox(key="change_pick")
    assert picker.label == "Change an answer"
    picker.set_value(question_id)
    return app


def test_sidebar_lists_the_answers_and_changes_any_of_them(app: AppTest) -> None:
    app.button(key="start").click().run()
    _answer(app, True)
    _answer(app, False)
    [listing] = [m.value for m in app.sidebar.markdown if m.value.startswith("1. ")]
    second = _question_text("widget_count_large")
    assert listing.replace("\\", "") == f"1. Do you make widgets?  \n   **Yes**\n2. {second}  \n   **No**"
    picker = app.sidebar.selectbox(key="change_pick")
    assert picker.options == ["1. Do you make widgets?", f"2. {second}"]
    assert picker.value is None  # nothing picked: nothing changes on a rerun
    _change(app, "widget_count_large").run()
    widget = _question_widget(app)
    assert (widget.key, widget.value) == ("q_widget_count_large", False)
    assert app.sidebar.selectbox(key="change_pick").value is None  # cleared for the next change
    _answer(app, True)  # the new branch asks its new question next
    assert _question_widget(app).key == "q_widget_colour"


def _question_text(question_id: str) -> str:
    return load_rulebook(TOY).question(question_id).text


def test_change_to_a_new_branch_asks_only_the_new_question(app: AppTest) -> None:
    _to_results(app, {"uses_widgets": False})
    _change(app, "uses_widgets").run()
    asked = [_answer(app, True)]
    asked += _answer_all(app, TOY_ANSWERS)
    assert asked == ["uses_widgets", "widget_count_large", "widget_colour", "ship_to"]


def test_results_open_with_your_pathway(app: AppTest) -> None:
    _to_results(app, TOY_ANSWERS)
    assert not app.exception
    text = _text(app)
    # h1 the page, h2 its sections: "Your pathway" before any obligation's phase heading
    assert [h.value for h in app.header][:4] == ["Download the checklist", "Your pathway", "At a glance", "Obligations"]
    assert "Maker size" in text and "Large maker" in text and "You make more than 100 widgets a year." in text
    assert "[Widget Act](https://example.org/widget-act), Art 2" in "\n".join(m.value for m in app.markdown)


def test_results_checklist_lines_are_plain_bullets_not_checkboxes(app: AppTest) -> None:
    _to_results(app, TOY_ANSWERS)
    bodies = "\n".join(str(m.value) for m in app.markdown)
    assert "\n- Fix labels to every red widget" in bodies.replace("\\", "")
    # A Markdown task item ("- [ ]") is drawn as a disabled, unlabelled checkbox (axe "label", critical).
    assert "- [ ]" not in bodies and "- [x]" not in bodies.casefold()
    assert not [c for c in app.checkbox if c.disabled]


def test_results_show_why_not(app: AppTest) -> None:
    _to_results(app, {**TOY_ANSWERS, "widget_colour": "green"})
    text = _text(app)
    assert "Register as a widget maker** — Not for you because an exception applies" in text
    assert (
        "Label red widgets** — Not for you because you said “Which colour are the widgets?” — Green "
        "(this applies when the answer is one of: Red)."
    ) in text
    assert "when:" not in _tab_text(app, "Why not") and "any[" not in text  # no condition paths for people
    tab = next(t for t in app.tabs if t.label.startswith("Why not ("))
    assert [e.label for e in tab.expander] == ["Widgets (2)"] and not tab.expander[0].proto.expanded


def test_what_changes_compares_by_default_with_the_next_change_in_the_law(app: AppTest) -> None:
    app.date_input(key="as_of").set_value(date(2026, 6, 1)).run()
    _to_results(app, TOY_ANSWERS)
    # The toy rules change on 2027-01-01 (label_red_widgets ends 2026-12-31, label_all_widgets starts).
    assert app.date_input(key="compare_date").value == date(2027, 1, 1)
    assert "Apply on 2027-01-01, not on 2026-06-01" in _text(app)


def test_question_screens_draw_no_date_picker_and_keep_the_chosen_date(app: AppTest) -> None:
    """The date does not change which question comes next: question screens leave the picker out,
    keep the date chosen on the start screen in the address, and the review screen shows it again."""
    app.date_input(key="as_of").set_value(date(2026, 6, 1)).run()
    app.button(key="start").click().run()
    _answer(app, True)
    assert _question_widget(app) is not None and not app.date_input
    assert app.query_params["as_of"] in (["2026-06-01"], "2026-06-01")
    _answer_all(app, TOY_ANSWERS)
    assert app.title[0].value == "Review your answers"
    assert app.sidebar.date_input(key="as_of").value == date(2026, 6, 1)


def test_a_link_without_a_date_stays_without_one_on_question_screens(app: AppTest) -> None:
    app.button(key="start").click().run()
    _answer(app, True)
    assert "as_of" not in app.query_params  # today, the default: a shared link keeps meaning "today"


def test_the_focus_script_goes_out_once_per_session(app: AppTest) -> None:
    """The script that moves focus to each new heading installs itself for the page's life: the
    first run sends it, later reruns (every Next) do not redraw it; a new session sends it again."""

    def scripts(at: AppTest) -> int:
        return sum("__atmpFocus" in str(getattr(h, "proto", "")) for h in at.get("html"))

    assert scripts(app) == 1
    app.button(key="start").click().run()
    _answer(app, True)
    assert scripts(app) == 0
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert scripts(fresh) == 1


def test_what_changes_marks_added_and_removed_obligations(app: AppTest) -> None:
    app.date_input(key="as_of").set_value(date(2026, 6, 1)).run()
    _to_results(app, {**TOY_ANSWERS, "widget_count_large": False})
    app.date_input(key="compare_date").set_value(date(2027, 2, 1)).run()
    assert not app.exception
    text = _text(app)
    assert "obligations start or stop applying on: 2027-01-01" in text
    added = text.split("Apply on 2027-02-01, not on 2026-06-01")[1].split("no longer on")[0]
    removed = text.split("Apply on 2026-06-01, no longer on 2027-02-01")[1]
    assert "Label all widgets *(from 2027-01-01)*" in added and "Label red widgets" not in added
    assert "Label red widgets *(until 2026-12-31)*" in removed
    later = _tab_text(app, "Applies later")
    assert "Label all widgets" in later and "Applies from 2027-01-01" in later
    now = _tab_text(app, "Applies now")
    assert "Label red widgets" in now and "Until 2026-12-31" in now  # says when it stops applying


def test_upload_valid_file_restores_answers(app: AppTest) -> None:
    book = load_rulebook(TOY)
    raw = dump_answers(TOY_ANSWERS, date(2026, 6, 1), book).encode()
    app.file_uploader(key="upload").set_value(("answers.json", raw, "application/json")).run()
    assert not app.exception
    assert app.session_state["answers"] == TOY_ANSWERS
    assert app.session_state["as_of"] == date(2026, 6, 1)
    assert "Loaded 4 answers from answers.json" in _text(app)
    assert app.title[0].value == "Review your answers"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b'{"answers": {"uses_widget": true}}', "unknown question 'uses_widget'. Did you mean 'uses_widgets'?"),
        (b'{"answers": {"uses_widgets": "maybe"}}', "'uses_widgets' needs true or false"),
        (b"{not json", "answers.json"),
        (b"x" * 300_000, "at most"),
    ],
    ids=["unknown id", "bad value", "malformed", "too big"],
)
def test_upload_bad_file_lists_problems_and_keeps_answers(app: AppTest, raw: bytes, problem: str) -> None:
    app.button(key="start").click().run()
    _answer(app, True)
    app.button(key="back").click().run()
    app.button(key="back").click().run()  # back to the start screen, where the uploader is
    app.file_uploader(key="upload").set_value(("answers.json", raw, "application/json")).run()
    assert not app.exception
    assert app.session_state["answers"] == {"uses_widgets": True}
    errors = "\n".join(e.value for e in app.error).replace("\\", "")
    assert "answers.json was not loaded; your current answers are unchanged" in errors
    assert problem in errors


def test_answers_in_the_url_are_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATMP_RULES_DIR", str(TOY))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["a"] = encode_answers(TOY_ANSWERS)
    at.run()
    assert not at.exception
    assert at.session_state["answers"] == TOY_ANSWERS
    assert at.title[0].value == "Review your answers"


def test_answers_are_written_to_the_url(app: AppTest) -> None:
    app.button(key="start").click().run()
    _answer(app, True)
    assert app.query_params["a"] == encode_answers({"uses_widgets": True})


@pytest.mark.parametrize("token", ["garbage!!", "x" * 20_000, encode_answers({"nope": True})])
def test_bad_answers_in_the_url_start_empty_with_a_warning(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("ATMP_RULES_DIR", str(TOY))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["a"] = token
    at.run()
    assert not at.exception
    assert at.session_state["answers"] == {}
    assert "could not be used" in at.warning[0].value


def _popovers(at: AppTest) -> list[Any]:
    """Every popover block in the sidebar (AppTest has no accessor for them)."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        if getattr(node, "type", None) == "popover":
            found.append(node)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.sidebar)
    return found


def test_start_over_asks_for_confirmation(app: AppTest) -> None:
    assert "confirm_start_over" not in {b.key for b in app.button}  # nothing to lose: no start over
    app.button(key="start").click().run()
    _answer(app, True)
    assert app.session_state["answers"] == {"uses_widgets": True}
    # The only button that clears the answers sits inside a popover that first says what is lost;
    # its contents are drawn only once it is opened.
    [popover] = _popovers(app)
    assert not popover.children
    app.session_state[START_OVER] = True  # what opening it does
    app.run()
    [popover] = _popovers(app)
    inside = {getattr(child, "key", None) for child in popover.children.values()}
    assert "confirm_start_over" in inside
    assert any("This clears all **1** answers" in m.value for m in popover.children.values() if m.type == "markdown")
    assert [b.key for b in app.button if "clear" in str(b.label).lower()] == ["confirm_start_over"]
    app.button(key="confirm_start_over").click().run()
    assert not app.exception
    assert app.session_state["answers"] == {}
    assert "a" not in app.query_params
    assert "confirm_start_over" not in {b.key for b in app.button}


def test_broken_rules_show_file_and_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(TOY, rules)
    widgets = rules / "widgets.yaml"
    widgets.write_text(widgets.read_text().replace("    kind: one_of", "    kind: [one_of"))
    monkeypatch.setenv("ATMP_RULES_DIR", str(rules))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "The rules could not be loaded" in at.error[0].value
    assert "widgets.yaml:15: YAML syntax error" in at.code[0].value


def _rule_map_script(rules_dir: str) -> None:
    from atmp_pathways import load_rulebook
    from ui import rule_map

    rule_map.render(load_rulebook(rules_dir))


def test_rule_map_page_shows_graph_lint_and_sources() -> None:
    at = AppTest.from_function(_rule_map_script, args=(str(TOY),), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "q:ship_to" not in at.get("graphviz_chart")[0].proto.spec  # first topic only by default
    assert "Clean: no lint problems." in at.success[0].value
    assert list(at.dataframe[0].value["id"]) == ["widget_proposal", "widget_act"]
    assert at.multiselect(key="map_topics").value == ["widgets"]
    at.multiselect(key="map_topics").set_value([]).run()  # all topics
    assert not at.exception
    assert "q:ship_to" in at.get("graphviz_chart")[0].proto.spec


def test_real_rules_journey_answers_first_choices_until_results(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        load_rulebook(ROOT / "rules")
    except RulebookError as err:
        pytest.skip(f"rules/ does not load right now (rules are being edited): {str(err).splitlines()[-1]}")
    monkeypatch.setenv("ATMP_RULES_DIR", str(ROOT / "rules"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    book = load_rulebook(ROOT / "rules")
    at.button(key="start").click().run()
    for _ in range(len(book.questions) + 1):
        widget = _question_widget(at)
        if widget is None:
            break
        question = book.question(str(widget.key)[2:])
        if question.kind == "many_of" and not isinstance(widget, TickGroup):  # a long list: a search box
            assert widget.proto.select_all == 0, f"{question.id}: Enter would pick every matching option"
        first = next(iter(book.choices(question)), None)
        value = {"yes_no": True, "one_of": first, "many_of": [first], "date": book.meta.as_of}[question.kind]
        _answer(at, value)
    else:
        pytest.fail("the wizard asked more questions than the rules hold")
    at.button(key="see_results").click().run()
    assert not at.exception
    assert at.title[0].value == "Your obligations"


def test_back_keeps_a_choice_made_before_next(app: AppTest) -> None:
    app.button(key="start").click().run()
    _answer(app, True)
    _question_widget(app).set_value(True)
    app.button(key="back").click().run()  # chose, but pressed Back instead of Next
    assert app.session_state["answers"] == {"uses_widgets": True, "widget_count_large": True}
    app.button(key="next").click().run()
    widget = _question_widget(app)
    assert (widget.key, widget.value) == ("q_widget_count_large", True)


def test_a_short_many_of_list_is_tick_boxes_that_keep_choices_through_back_and_change(app: AppTest) -> None:
    app.button(key="start").click().run()
    for qid in ("uses_widgets", "widget_count_large", "widget_colour"):
        _answer(app, TOY_ANSWERS[qid])
    group = _question_widget(app)
    assert isinstance(group, TickGroup) and group.key == "q_ship_to"
    assert [c.label for c in app.checkbox if c.key.startswith("q_ship_to__")] == ["Norway", "Sweden", "Finland"]
    assert not app.multiselect  # no search box for three countries
    group.set_value(["FI"])
    app.button(key="back").click().run()  # ticked, but pressed Back: the tick is kept
    assert app.session_state["answers"]["ship_to"] == ["FI"]
    app.button(key="next").click().run()
    assert _question_widget(app).value == ["FI"]  # prefilled from the answer
    _answer(app, ["NO", "SE"])
    assert app.session_state["answers"] == TOY_ANSWERS
    app.button(key="review_change_ship_to").click().run()
    assert _question_widget(app).value == ["NO", "SE"]
    _answer(app, [])  # nothing ticked is an answer ("none"), not a missing one
    assert app.session_state["answers"]["ship_to"] == [] and app.title[0].value == "Review your answers"


def test_next_without_a_choice_asks_for_one(app: AppTest) -> None:
    app.button(key="start").click().run()
    app.button(key="next").click().run()
    assert not app.exception
    assert "Choose an answer first" in app.warning[0].value
    assert _question_widget(app).key == "q_uses_widgets"
    assert app.session_state["answers"] == {}


def test_rule_text_is_escaped_not_rendered(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(TOY, rules)
    widgets = rules / "widgets.yaml"
    evil = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) $x$"
    widgets.write_text(
        widgets.read_text()
        .replace("title: Register as a widget maker", f"title: '{evil}'")
        .replace("text: Do you make widgets?", f"text: 'Do you make widgets? {evil}'")
    )
    monkeypatch.setenv("ATMP_RULES_DIR", str(rules))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.button(key="start").click().run()
    escaped = escape_markdown(evil, streamlit=True)
    assert r"\<img" in escaped and r"\[click\]\(javascript\:" in escaped and r"\$x\$" in escaped
    assert escaped in at.title[0].value
    _answer_all(at, {**TOY_ANSWERS, "widget_count_large": True})
    at.button(key="see_results").click().run()
    assert not at.exception
    markdown = [m.value for m in at.markdown]
    assert escaped in [h.value for h in at.subheader]  # the card's title (h3)
    assert any(f"| [{escaped}](#card-" in m for m in markdown)  # its row in "At a glance" links to it
    assert not any(evil in m for m in markdown + [h.value for h in at.subheader])


DATES_TOPIC = """
title: Launch
questions:
  - id: launch_date
    kind: date
    text: When do you launch?
    help: The first day you sell.
    when: {question: uses_widgets, is: true}
    citations: [{source: widget_act, ref: Art 9}]
obligations:
  - id: early_launch_notice
    title: Notify an early launch
    description: Launches before 2027 are notified.
    actor: maker
    phase: make
    when: {question: launch_date, before: 2027-01-01}
    citations: [{source: widget_act, ref: Art 9}]
    status: binding_law
    verification: confirmed
    checklist: [Send the notice]
"""


def test_date_question_is_asked_with_a_date_input(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(TOY, rules)
    (rules / "launch.yaml").write_text(DATES_TOPIC)
    meta = rules / "rulebook.yaml"
    meta.write_text(meta.read_text().replace("topics: [widgets, shipping]", "topics: [widgets, shipping, launch]"))
    monkeypatch.setenv("ATMP_RULES_DIR", str(rules))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    _to_results(at, {**TOY_ANSWERS, "launch_date": date(2026, 3, 1)})
    assert at.session_state["answers"]["launch_date"] == date(2026, 3, 1)
    assert "Notify an early launch" in _tab_text(at, "Applies now")


# ---- compare options -------------------------------------------------------------------------


def test_compare_panel_shows_differences_and_keeps_answers_until_used(app: AppTest) -> None:
    _to_results(app, TOY_ANSWERS)
    app.selectbox(key="cmp_question").set_value("widget_count_large").run()
    app.radio(key="cmp_value_widget_count_large").set_value(False).run()
    assert not app.exception
    tab = _tab_text(app, "Compare options")
    assert "Maker size: **Large maker**" in tab and "Maker size: **Small maker**" in tab
    assert "Register as a widget maker" in tab  # stops applying with the alternative
    # looking is not choosing: the main answers and the results are untouched
    assert app.session_state["answers"] == TOY_ANSWERS
    assert "Register as a widget maker" in _tab_text(app, "Applies now")
    app.selectbox(key="cmp_question").set_value("widget_colour").run()
    assert app.session_state["answers"] == TOY_ANSWERS


def test_use_this_option_replaces_one_answer_and_keeps_the_rest(app: AppTest) -> None:
    _to_results(app, TOY_ANSWERS)
    app.selectbox(key="cmp_question").set_value("widget_colour").run()
    app.radio(key="cmp_value_widget_colour").set_value("green").run()
    app.button(key="cmp_use").click().run()
    assert not app.exception
    assert app.session_state["answers"] == {**TOY_ANSWERS, "widget_colour": "green"}
    assert "Register as a widget maker" not in _tab_text(app, "Applies now")


def test_an_option_that_needs_more_answers_asks_them_next(app: AppTest) -> None:
    _to_results(app, {"uses_widgets": False})
    app.selectbox(key="cmp_question").set_value("uses_widgets").run()
    app.radio(key="cmp_value_uses_widgets").set_value(True).run()
    assert "still needs answers to" in "\n".join(str(i.value) for i in app.info).replace("\\", "")
    assert app.session_state["answers"] == {"uses_widgets": False}
    app.button(key="cmp_use").click().run()
    assert app.session_state["answers"] == {"uses_widgets": True}
    widget = _question_widget(app)
    assert widget is not None and str(widget.key) == "q_widget_count_large"


# ---- the results page for a team -------------------------------------------------------------


def _tab(at: AppTest, label: str) -> Any:
    return next(t for t in at.tabs if t.label.startswith(f"{label} ("))


def _cards(at: AppTest, label: str) -> list[str]:
    """The obligation cards in one tab: "**title** · " and the label of the collapsed expander under it."""
    tab = _tab(at, label)
    assert len(tab.subheader) == len(tab.expander), "one h3 title per card"
    return [f"**{h.value}** · {e.label}" for h, e in zip(tab.subheader, tab.expander, strict=True)]


def _summary_rows(at: AppTest) -> list[str]:
    table = next(str(m.value) for m in at.markdown if str(m.value).startswith("| Obligation | Phase |"))
    return table.splitlines()[2:]


def test_tab_counts_equal_the_cards_and_the_summary_has_a_row_each(app: AppTest) -> None:
    _to_results(app, TOY_ANSWERS)
    book = load_rulebook(TOY)
    outcome = evaluate(book, TOY_ANSWERS, app.session_state["as_of"] if "as_of" in app.session_state else None)
    labels = [t.label for t in app.tabs]
    for name, findings in (("Applies now", outcome.applicable), ("Why not", outcome.not_applicable)):
        assert f"{name} ({len(findings)})" in labels
    for name in ("Applies now", "Applies later", "On the horizon"):
        count = int(_tab(app, name).label.rsplit("(", 1)[1].rstrip(")"))
        assert len(_cards(app, name)) == count, name
    rows = _summary_rows(app)
    assert len(rows) == len(_cards(app, "Applies now")) == len(outcome.applicable)
    titles = [c.split("**")[1] for c in _cards(app, "Applies now")]
    links = [re.fullmatch(r"\| \[(.+)\]\(#(card-[a-z0-9-]+)\)", r.split(" | ")[0]) for r in rows]
    assert all(links), rows  # each row links to its card
    assert sorted(titles) == sorted(m.group(1).replace("\\", "") for m in links if m)
    anchors = [m.group(2) for m in links if m]
    assert sorted(anchors) == sorted(str(h.proto.anchor) for h in _tab(app, "Applies now").subheader)
    assert not [m for m in app.metric if "not apply" in str(m.label).lower()]  # no "do not apply" headline
    assert all(not e.proto.expanded for e in _tab(app, "Applies now").expander)  # collapsed by default


def test_filters_filter_the_cards_the_summary_and_the_counts(app: AppTest) -> None:
    _to_results(app, TOY_ANSWERS)
    before = _cards(app, "Applies now")
    assert len(before) >= 2
    app.multiselect(key="flt_actor").set_value(["shipper"]).run()
    shipped = _cards(app, "Applies now")
    assert shipped and all("Customs notice" in c for c in shipped) and len(shipped) < len(before)
    assert len(_summary_rows(app)) == len(shipped)
    app.multiselect(key="flt_actor").set_value([]).run()
    app.text_input(key="flt_text").set_value("registration").run()
    assert [c.split("**")[1] for c in _cards(app, "Applies now")] == ["Register as a widget maker"]
    app.text_input(key="flt_text").set_value("").run()
    app.multiselect(key="flt_verification").set_value(["unverified"]).run()
    assert all("Unverified" in c for c in _cards(app, "Applies now"))
    assert app.session_state["answers"] == TOY_ANSWERS  # filtering never touches the answers


def test_every_card_says_when(app: AppTest) -> None:
    _to_results(app, TOY_ANSWERS)
    cards = _cards(app, "Applies now")
    assert all(("Before making widgets" in c) or ("Every year" in c) for c in cards), cards


def test_start_notice_says_not_legal_advice_once_and_names_version_and_review_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """First impression (issue #14): one disclaimer, the rulebook version and review date, no "research notes"."""
    monkeypatch.setenv("ATMP_RULES_DIR", str(ROOT / "rules"))
    book = load_rulebook(ROOT / "rules")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    notice = "\n".join(str(i.value) for i in at.info)
    assert notice.lower().count("not legal advice") == 1, notice
    assert f"v{book.meta.version}" in notice.replace("\\", "")
    assert book.meta.as_of.isoformat() in notice
    assert "research notes" not in notice
