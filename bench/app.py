"""App benchmarks under AppTest: per-answer rerun vs a one-radio app, results page, cold start."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ._util import Row, fmt_ratio, fmt_time

__all__ = ["run", "walk_app"]

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
TOY = ROOT / "tests" / "fixtures" / "toy_rules"
ONE_RADIO = """import streamlit as st

st.session_state.setdefault("answers", {})
choice = st.radio("Do you make widgets?", [True, False], index=None, key="q")
if st.button("Next", key="next"):
    st.session_state["answers"]["q"] = choice
st.write(st.session_state["answers"])
"""


@contextmanager
def rules_env(path: Path) -> Iterator[None]:
    old = os.environ.get("ATMP_RULES_DIR")
    os.environ["ATMP_RULES_DIR"] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("ATMP_RULES_DIR", None)
        else:
            os.environ["ATMP_RULES_DIR"] = old


def _pick(widget: Any, wanted: Any) -> Any:
    options = list(widget.options) if hasattr(widget, "options") else []
    if wanted is not None:
        return wanted
    return options[0] if options else None


def walk_app(at: Any, answers: dict[str, Any], max_steps: int = 80, between: Any = None) -> list[float]:
    """Answer the wizard's questions (values from ``answers`` or the first option); per-step seconds.

    ``between``, if given, is called after each timed step (the one-radio floor takes its step
    there, so both share whatever load the machine has at that moment).
    """
    at.button(key="start").click().run()
    times: list[float] = []
    for _ in range(max_steps):
        if at.exception:
            raise RuntimeError(f"app raised: {at.exception}")
        if at.session_state["view"] != "questions":
            break
        radios = [w for w in at.radio if (w.key or "").startswith("q_")]
        multis = [w for w in at.multiselect if (w.key or "").startswith("q_")]
        dates = [w for w in at.date_input if (w.key or "").startswith("q_")]
        # a short many_of list is a group of tick boxes keyed q_<question>__<choice>
        ticks = [w for w in at.checkbox if (w.key or "").startswith("q_") and "__" in w.key]
        widget = (radios or multis or dates or ticks or [None])[0]
        if widget is None:
            break
        if widget in ticks:
            chosen = answers.get(widget.key[2:].split("__", 1)[0]) or []
            start = time.perf_counter()
            for box in ticks:
                box.set_value(box.key.split("__", 1)[1] in chosen)
            at.button(key="next").click().run()
            times.append(time.perf_counter() - start)
        else:
            qid = widget.key[2:]
            value = answers.get(qid)
            if widget in radios:
                value = value if value is not None else widget.options[0]
                # radio options are shown labels for format_func'ed widgets; set_value takes the raw value
            elif widget in multis:
                value = value if value is not None else []
            else:
                from datetime import date

                value = value if value is not None else date(2026, 1, 1)
            start = time.perf_counter()
            widget.set_value(value)
            at.button(key="next").click().run()
            times.append(time.perf_counter() - start)
        if between is not None:
            between()
    return times


class _Floor:
    """The one-radio app under AppTest; ``step()`` answers it once and records the seconds."""

    def __init__(self, folder: Path) -> None:
        from streamlit.testing.v1 import AppTest

        path = folder / "one_radio.py"
        path.write_text(ONE_RADIO, encoding="utf-8")
        self.at = AppTest.from_file(str(path), default_timeout=60).run()
        self.times: list[float] = []

    def step(self) -> None:
        start = time.perf_counter()
        self.at.radio(key="q").set_value(len(self.times) % 2 == 0)
        self.at.button(key="next").click().run()
        self.times.append(time.perf_counter() - start)


def _cold_start(rules: Path) -> tuple[float, float]:
    """A fresh interpreter: (first AppTest run incl. rule load, whole process)."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "from streamlit.testing.v1 import AppTest\n"
        "t = time.perf_counter(); at = AppTest.from_file('app.py', default_timeout=120).run()\n"
        "assert not at.exception, at.exception\n"
        "print(time.perf_counter() - t, time.perf_counter() - t0)\n"
    )
    env = {**os.environ, "ATMP_RULES_DIR": str(rules)}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True
    )
    whole = time.perf_counter() - start
    first, _ = (float(x) for x in out.stdout.split()[-2:])
    return first, whole


def run(rules: Path | None = None) -> list[Row]:
    from streamlit.testing.v1 import AppTest

    from atmp_pathways import RulebookError, load_rulebook

    from .engine import richest_answers

    rows: list[Row] = []
    label = "shipped rules/"
    try:
        book = load_rulebook(rules or RULES)
        rules = rules or RULES
        answers = richest_answers(book)
    except RulebookError:
        rules, label = TOY, "toy rules (shipped rules/ do not load)"
        book = load_rulebook(TOY)
        answers = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red", "ship_to": ["NO", "SE"]}
    if not (ROOT / "app.py").exists():
        return [Row("app", "AppTest benchmarks", "app.py absent", status="skipped")]
    steps: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, rules_env(rules):
        floor = _Floor(Path(tmp))
        for _ in range(5):
            floor.step()  # warm up
        floor.times.clear()
        for _ in range(3):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
            steps += walk_app(at, answers, between=floor.step)  # one floor step after each of ours
        baseline = floor.times
        at.button(key="see_results").click().run()
        start = time.perf_counter()
        at.run()
        first_results = time.perf_counter() - start
        results = []
        for _ in range(7):
            start = time.perf_counter()
            at.run()
            results.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    base = statistics.median(baseline)
    ours = statistics.median(steps)
    ratio = ours / base
    rows.append(
        Row(
            "app",
            f"one-radio app: answer rerun (median of {len(baseline)})",
            fmt_time(base),
            note="one step after each of the question screen's, so both share the machine's load",
        )
    )
    rows.append(
        Row(
            "app",
            f"question screen, {label}: answer rerun (median of {len(steps)})",
            f"{fmt_time(ours)} = {fmt_ratio(ratio, 2)} one-radio",
            "≤ 2× one-radio",
            "met" if ratio <= 2 else "missed",
            f"p95 {fmt_time(sorted(steps)[int(len(steps) * 0.95) - 1])}, max {fmt_time(max(steps))}",
        )
    )
    rows.append(
        Row(
            "app",
            f"results page, {label}: rerun (median of 7)",
            fmt_time(statistics.median(results)),
            note=f"first results rerun {fmt_time(first_results)}",
        )
    )
    try:
        first, whole = _cold_start(rules)
        rows.append(
            Row(
                "app",
                f"cold start, {label}: first run in a fresh process",
                fmt_time(first),
                note=f"whole process incl. imports {fmt_time(whole)}",
            )
        )
    except (subprocess.SubprocessError, ValueError) as err:
        rows.append(Row("app", "cold start", "failed", status="failed", note=str(err)[:200]))
    return rows
