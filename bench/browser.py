"""Browser benchmarks: click-to-next-question latency in headless chromium, and 20 sessions at once.

Starts ``streamlit run app.py`` on 127.0.0.1 with a generated yes/no rulebook
(≥ 50 questions asked), drives it with Playwright and the Debian chromium, and
always stops the server. Skipped, with the reason, when chromium or playwright
is missing. Never downloads a browser.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from ._util import Row, fmt_time

__all__ = ["run"]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("ATMP_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STEP_TIMEOUT_MS = 30_000
HEADING = "[data-testid='stMain'] [data-testid='stHeading'] :is(h1, h2, h3)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(rules: Path, port: int, log: Path, script: Path = ROOT / "app.py") -> subprocess.Popen[bytes]:
    env = {**os.environ, "ATMP_RULES_DIR": str(rules)}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:  # noqa: S310 - local
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("streamlit did not become healthy within 60 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


async def _heading(page: Any) -> str:
    return str(await page.locator(HEADING).first.inner_text(timeout=STEP_TIMEOUT_MS))


async def _session(
    browser: Any, url: str, witness: dict[str, Any], texts: dict[str, str], max_answers: int, delay: float = 0.0
) -> list[float]:
    """One user: start, then answer up to ``max_answers`` questions; click→next-question seconds.

    ``delay`` staggers arrivals a little, as real users do; the sessions still overlap."""
    await asyncio.sleep(delay)
    context = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        await page.goto(url, wait_until="domcontentloaded")
        await page.get_by_role("button", name="Start").click()
        await page.locator("[data-testid='stRadio']").first.wait_for()
        latencies: list[float] = []
        for _ in range(max_answers):
            heading = await _heading(page)
            qid = texts.get(heading)
            if qid is None:
                break  # the review page (or something unexpected): stop
            label = "Yes" if witness[qid] else "No"
            await page.locator("[data-testid='stRadio']").first.get_by_text(label, exact=True).click()
            start = time.perf_counter()
            await page.get_by_role("button", name="Next").click()
            await page.wait_for_function(
                "([sel, prev]) => { const h = document.querySelector(sel); return h && h.innerText !== prev; }",
                arg=[HEADING, heading],
                timeout=STEP_TIMEOUT_MS,
            )
            latencies.append(time.perf_counter() - start)
        return latencies
    finally:
        await context.close()


async def _drive(url: str, witness: dict[str, Any], texts: dict[str, str]) -> tuple[list[float], list[float], int]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            single = await _session(browser, url, witness, texts, max_answers=50)
            sessions = await asyncio.gather(
                *(_session(browser, url, witness, texts, max_answers=10, delay=0.25 * i) for i in range(20)),
                return_exceptions=True,
            )
        finally:
            await browser.close()
    loaded = [s for s in sessions if isinstance(s, list)]
    errors = sorted(
        {f"{type(s).__name__}: {str(s).splitlines()[0][:120]}" for s in sessions if not isinstance(s, list)}
    )
    failed = len(sessions) - len(loaded)
    if errors:
        print("failed sessions:", "; ".join(errors), flush=True)
    return single, [x for s in loaded for x in s], failed


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p * len(xs)) - 1))]


def _against_floor(rounds: int = 6) -> list[Row]:
    """Click → next on the shipped rules against the one-radio floor, same browser, same run."""
    from . import click

    rules = ROOT / "rules"
    with tempfile.TemporaryDirectory(prefix="atmp-floor-") as tmp:
        floor_app = Path(tmp) / "one_radio.py"
        floor_app.write_text(click.FLOOR_APP, encoding="utf-8")
        procs = []
        try:
            paths = click.journeys(rules)
            app_port, floor_port = _free_port(), _free_port()
            procs.append(_start_server(rules, app_port, Path(tmp) / "app.log"))
            procs.append(_start_server(rules, floor_port, Path(tmp) / "floor.log", floor_app))
            app, floor = asyncio.run(
                click.measure(f"http://127.0.0.1:{app_port}/", f"http://127.0.0.1:{floor_port}/", paths, rounds)
            )
        except Exception as err:  # noqa: BLE001 - reported in the table
            return [
                Row(
                    "browser",
                    "click → next against the floor",
                    "failed",
                    status="failed",
                    note=f"{type(err).__name__}: {err}"[:300],
                )
            ]
        finally:
            for proc in procs:
                _stop(proc)
    if not app or not floor:
        return [Row("browser", "click → next against the floor", "no samples", status="failed")]
    return click.rows(app, floor, paths)


def run() -> list[Row]:
    if not (ROOT / "app.py").exists():
        return [Row("browser", "browser benchmarks", "app.py absent", status="skipped")]
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        reason = f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        print(f"skipping browser benchmarks: {reason}")
        return [Row("browser", "browser benchmarks", "skipped", status="skipped", note=reason)]
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("skipping browser benchmarks: the playwright package is not installed")
        return [Row("browser", "browser benchmarks", "skipped", status="skipped", note="playwright not installed")]
    from atmp_pathways import load_rulebook
    from tests.generate import generate_rules

    rows: list[Row] = _against_floor()
    with tempfile.TemporaryDirectory(prefix="atmp-browser-") as tmp:
        rules = Path(tmp) / "rules"
        gen = generate_rules(rules, 200, seed=2, yes_no_only=True)
        book = load_rulebook(rules)
        texts = {q.text: q.id for q in book.questions}
        port = _free_port()
        log = Path(tmp) / "streamlit.log"
        proc = _start_server(rules, port, log)
        try:
            single, loaded, failed = asyncio.run(_drive(f"http://127.0.0.1:{port}/", gen.witness, texts))
        except Exception as err:  # noqa: BLE001 - reported in the table
            return rows + [
                Row(
                    "browser",
                    "browser benchmarks",
                    "failed",
                    status="failed",
                    note=f"{type(err).__name__}: {err}"[:300],
                )
            ]
        finally:
            _stop(proc)
    if len(single) < 50:
        rows.append(Row("browser", "single session", f"only {len(single)} answers", status="failed"))
    if single:
        rows.append(
            Row(
                "browser",
                f"click → next question, 1 session (p50 / p95 of {len(single)})",
                f"{fmt_time(statistics.median(single))} / {fmt_time(_pct(single, 0.95))}",
                note=f"generated yes/no rulebook, {len(book.questions)} questions; max {fmt_time(max(single))}",
            )
        )
    if loaded:
        rows.append(
            Row(
                "browser",
                f"click → next question, 20 concurrent sessions (p50 / p95 of {len(loaded)})",
                f"{fmt_time(statistics.median(loaded))} / {fmt_time(_pct(loaded, 0.95))}",
                status="reported" if not failed else "failed",
                note=f"one streamlit server on 127.0.0.1, 20 browser contexts; {failed} sessions failed",
            )
        )
    return rows
