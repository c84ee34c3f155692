"""Click → next question in a real browser: this app on the shipped rules against a one-radio floor.

Two Streamlit servers run side by side on 127.0.0.1: ``app.py`` with the shipped rules, and
``FLOOR_APP`` (a heading, one radio and a Next button: the least any Streamlit question
screen can do). One headless chromium drives both, alternating rounds (a floor session,
then one of ``JOURNEYS`` in the app, answered as a user would from the scenario's answers)
so that load on the machine falls on both alike. Every sample is the time from the Next
click until the next question's heading shows; the page has settled (no stale element, no
running script) before each click. Targets (issue #14 point 8): p50 ≤ 1.25× and p95 ≤ 1.5×
the floor's, measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._util import Row, fmt_ratio, fmt_time, pct

__all__ = ["FLOOR_APP", "HEADING", "JOURNEYS", "TIMEOUT_MS", "Journey", "heading_text", "journeys", "measure", "rows"]

ROOT = Path(__file__).resolve().parent.parent
FLOOR_APP = """import streamlit as st

n = st.session_state.setdefault("n", 1)
st.title(f"Question {n}")
st.radio("Answer", ["Yes", "No"], index=None, key=f"q{n}", label_visibility="collapsed")
st.button("Next", type="primary", on_click=lambda: st.session_state.update(n=n + 1))
"""
"""The floor: what any Streamlit question screen costs (a fresh radio per question, as the wizard's)."""

JOURNEYS = (
    ("journeys_a.yaml", "Journey 2 "),  # academic CAR-T under the hospital exemption
    ("journeys_a.yaml", "Journey 4 "),  # point-of-care CAR-T trial in three Member States
    ("journeys_b.yaml", "Journey - an autologous lentiviral CAR-T made in the US"),  # import, SoHO
)
"""(scenario file, start of the scenario's name): the realistic journeys the app is timed on."""

HEADING = "[data-testid='stMain'] [data-testid='stHeading'] :is(h1, h2, h3)"
TIMEOUT_MS = 30_000
FLOOR_CLICKS = 16  # per floor session: about one journey's length


@dataclass(frozen=True)
class Journey:
    """One scenario as the browser answers it: question text → the labels to pick."""

    name: str
    labels: dict[str, tuple[str, ...]]
    kinds: dict[str, str]


def journeys(rules: Path) -> list[Journey]:
    """The scenarios of ``JOURNEYS`` from ``tests/scenarios``, as labels to click."""
    from atmp_pathways import load_rulebook
    from atmp_pathways.present import answer_label
    from atmp_pathways.scenarios import load_scenarios

    book = load_rulebook(rules)
    out = []
    for file, start in JOURNEYS:
        found = [s for s in load_scenarios([ROOT / "tests" / "scenarios" / file], book) if s.name.startswith(start)]
        if not found:
            raise LookupError(f"no scenario starting {start!r} in tests/scenarios/{file}")
        sc = found[0]
        labels: dict[str, tuple[str, ...]] = {}
        kinds: dict[str, str] = {}
        for q in book.questions:
            kinds[q.text] = q.kind
            if q.id in sc.answers:
                value = sc.answers[q.id]
                choices = book.choices(q)
                if isinstance(value, list):
                    labels[q.text] = tuple(choices.get(v, v) for v in value)
                else:
                    labels[q.text] = (answer_label(book, q.id, value),)
        out.append(Journey(sc.name, labels, kinds))
    return out


async def _settle(page: Any) -> None:
    """The rerun is over: no running-script indicator, no element left stale."""
    await page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget']\")"
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=TIMEOUT_MS,
    )


async def heading_text(page: Any) -> str:
    """The text of the page's first heading in the main area (the question, or the screen's title)."""
    return str(await page.locator(HEADING).first.inner_text(timeout=TIMEOUT_MS))


async def _next(page: Any, heading: str) -> float:
    """Click Next; seconds until a different heading shows."""
    button = page.locator("[data-testid='stMain'] [data-testid='stButton'] button").filter(has_text="Next").first
    await button.wait_for()
    start = time.perf_counter()
    await button.click()
    await page.wait_for_function(
        "([sel, prev]) => { const h = document.querySelector(sel); return h && h.innerText !== prev; }",
        arg=[HEADING, heading],
        timeout=TIMEOUT_MS,
    )
    return time.perf_counter() - start


async def _pick(page: Any, kind: str, labels: tuple[str, ...]) -> None:
    main = page.locator("[data-testid='stMain']")
    if kind != "many_of":
        await main.locator("[data-testid='stRadio']").first.get_by_text(labels[0], exact=True).click()
        return
    widget = "[data-testid='stMultiSelect'] input, [data-testid='stCheckbox'], [data-testid='stButtonGroup']"
    await main.locator(widget).first.wait_for()  # a multiselect's input appears a moment after it
    multi = main.locator("[data-testid='stMultiSelect'] input")
    for label in labels:
        if await multi.count():
            await multi.first.click()
            await multi.first.fill(label)  # long lists are virtualised: filter first
            await page.get_by_role("option", name=label, exact=True).click()
        else:  # a group of tick boxes or pills
            await main.get_by_text(label, exact=True).first.click()
    if labels and await multi.count():
        await page.keyboard.press("Escape")


async def _floor_session(browser: Any, url: str, clicks: int) -> list[float]:
    context = await browser.new_context()
    page = await context.new_page()
    try:
        await page.goto(url, wait_until="domcontentloaded")
        samples = []
        for i in range(clicks):
            heading = await heading_text(page)
            await _settle(page)
            await page.locator("[data-testid='stRadio']").first.get_by_text("Yes" if i % 2 else "No").click()
            await _settle(page)
            samples.append(await _next(page, heading))
        return samples
    finally:
        await context.close()


async def _app_session(browser: Any, url: str, journey: Journey) -> list[float]:
    """Start, then answer every question the wizard asks until the review screen."""
    context = await browser.new_context()
    page = await context.new_page()
    try:
        await page.goto(url, wait_until="domcontentloaded")
        start = page.locator("[data-testid='stButton'] button").filter(has_text="Start").first
        await start.wait_for()
        await _settle(page)
        title = await heading_text(page)
        await start.click()
        await page.wait_for_function(
            "([sel, prev]) => { const h = document.querySelector(sel); return h && h.innerText !== prev; }",
            arg=[HEADING, title],
            timeout=TIMEOUT_MS,
        )
        samples = []
        for _ in range(60):
            await _settle(page)
            heading = await heading_text(page)
            kind = journey.kinds.get(heading)
            if kind is None:
                break  # the review screen
            labels = journey.labels.get(heading, ())
            if not labels and kind != "many_of":
                labels = (
                    str(
                        await page.locator("[data-testid='stMain'] [data-testid='stRadio'] label p").first.inner_text()
                    ),
                )
            await _pick(page, kind, labels)
            await _settle(page)
            samples.append(await _next(page, heading))
        return samples
    finally:
        await context.close()


async def measure(app_url: str, floor_url: str, paths: list[Journey], rounds: int) -> tuple[list[float], list[float]]:
    """(app samples, floor samples), alternating a floor session and an app journey per round."""
    from playwright.async_api import async_playwright

    from .browser import ARGS, CHROMIUM

    app: list[float] = []
    floor: list[float] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            await _floor_session(browser, floor_url, 2)  # warm both servers and the browser up
            await _app_session(browser, app_url, paths[0])
            for i in range(rounds):
                floor += await _floor_session(browser, floor_url, FLOOR_CLICKS)
                app += await _app_session(browser, app_url, paths[i % len(paths)])
        finally:
            await browser.close()
    return app, floor


def rows(app: list[float], floor: list[float], paths: list[Journey]) -> list[Row]:
    p50, f50 = statistics.median(app), statistics.median(floor)
    p95, f95 = pct(app, 0.95), pct(floor, 0.95)
    r50, r95 = p50 / f50, p95 / f95
    names = "; ".join(j.name.split(" — ")[0].split(":")[0][:60] for j in paths)
    return [
        Row(
            "browser",
            f"one-radio floor: click → next (p50 / p95 of {len(floor)})",
            f"{fmt_time(f50)} / {fmt_time(f95)}",
            note="a heading, one radio and Next (bench/click.py FLOOR_APP), same browser, same run",
        ),
        Row(
            "browser",
            f"shipped rules: click → next question (p50 / p95 of {len(app)})",
            f"{fmt_time(p50)} / {fmt_time(p95)}",
            note=f"journeys: {names}; max {fmt_time(max(app))}",
        ),
        Row(
            "browser",
            "click → next, p50 against the floor",
            fmt_ratio(r50, 1.25),
            "≤ 1.25× floor",
            "met" if r50 <= 1.25 else "missed",
        ),
        Row(
            "browser",
            "click → next, p95 against the floor",
            fmt_ratio(r95, 1.5),
            "≤ 1.5× floor",
            "met" if r95 <= 1.5 else "missed",
        ),
    ]
