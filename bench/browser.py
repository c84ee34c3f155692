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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._util import Row, fmt_time, pct
from .click import HEADING, TIMEOUT_MS, heading_text

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
STEP_TIMEOUT_MS = TIMEOUT_MS
SESSIONS = 20


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


# Installed before the Next click: notes when the page receives the click, and resolves (in seconds)
# once a new heading is in the DOM. A MutationObserver, not Playwright's wait_for_function, whose
# default requestAnimationFrame polling makes every waiting page draw frames: with 20 pages that
# cost the browser as much CPU as the pages' own work and slowed the server it shares the cores with.
_ARM = """([sel, prev]) => {
  let clicked = null;
  document.addEventListener('click', () => { if (clicked === null) clicked = performance.now(); }, {capture: true});
  window.__atmpNext = new Promise(resolve => {
    let observer = null;
    const check = () => {
      const h = document.querySelector(sel);
      if (clicked === null || !h || h.innerText === prev) return false;
      if (observer) observer.disconnect();
      resolve((performance.now() - clicked) / 1000);
      return true;
    };
    observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  });
}"""


class SessionError(Exception):
    """A session that failed, with the phase it failed in (load or answer)."""

    def __init__(self, phase: str, err: BaseException) -> None:
        first = str(err).splitlines()[0][:120] if str(err) else ""
        super().__init__(f"{phase}: {type(err).__name__}: {first}")


async def _open(browser: Any, url: str) -> tuple[Any, Any]:
    """A new browser context on the start screen, started: settled on the first question."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        await page.goto(url, wait_until="domcontentloaded")
        await page.get_by_role("button", name="Start").click()
        await page.locator("[data-testid='stRadio']").first.wait_for()
    except Exception:
        await context.close()
        raise
    return context, page


async def _answer(page: Any, witness: dict[str, Any], texts: dict[str, str], max_answers: int) -> list[float]:
    """Answer up to ``max_answers`` questions; per answer, seconds from the page receiving the Next
    click to the next question's heading in the page."""
    latencies: list[float] = []
    for _ in range(max_answers):
        heading = await heading_text(page)
        qid = texts.get(heading)
        if qid is None:
            break  # the review page (or something unexpected): stop
        label = "Yes" if witness[qid] else "No"
        await page.locator("[data-testid='stRadio']").first.get_by_text(label, exact=True).click()
        await page.evaluate(_ARM, [HEADING, heading])
        await page.get_by_role("button", name="Next").click()
        try:
            seconds = await asyncio.wait_for(page.evaluate("() => window.__atmpNext"), STEP_TIMEOUT_MS / 1000)
        except TimeoutError:
            raise TimeoutError(
                f"no new heading {STEP_TIMEOUT_MS / 1000:.0f} s after Next on {heading[:60]!r}"
            ) from None
        latencies.append(float(seconds))
    return latencies


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo += children.get(pid, [])
    return found


def _cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc; 0 elsewhere)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


def _cpu_split(server: int) -> tuple[float, float]:
    """CPU seconds so far of the streamlit server, and of the browser (chromium and the Playwright driver)."""
    servers = _descendants(server)
    browser = _descendants(os.getpid()) - servers - {os.getpid()}
    return _cpu_seconds(servers), _cpu_seconds(browser)


@dataclass
class Load:
    """The 20-session run: per-answer seconds, failures by cause, page loads and CPU while answering."""

    single: list[float]
    single_server_cpu: float
    loaded: list[float]
    failures: list[str]
    page_loads: list[float]
    wall: float
    server_cpu: float
    browser_cpu: float
    load_average: float


async def _drive(url: str, server: int, witness: dict[str, Any], texts: dict[str, str]) -> Load:
    """One session alone (50 answers); then 20 sessions opened one after another (each page loaded
    and settled on its first question, as users arrive), then all 20 answer 10 questions at once."""
    from playwright.async_api import async_playwright

    failures: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context, page = await _open(browser, url)
            try:
                alone0, _ = _cpu_split(server)
                single = await _answer(page, witness, texts, max_answers=50)
                alone = _cpu_split(server)[0] - alone0
            finally:
                await context.close()
            opened: list[tuple[Any, Any]] = []
            page_loads: list[float] = []
            for _ in range(SESSIONS):
                start = time.perf_counter()
                try:
                    opened.append(await _open(browser, url))
                    page_loads.append(time.perf_counter() - start)
                except Exception as err:  # noqa: BLE001 - counted and reported
                    failures.append(str(SessionError("load", err)))
            load_average = os.getloadavg()[0]
            server0, browser0 = _cpu_split(server)
            start = time.perf_counter()
            sessions = await asyncio.gather(
                *(_answer(page, witness, texts, max_answers=10) for _, page in opened), return_exceptions=True
            )
            wall = time.perf_counter() - start
            server1, browser1 = _cpu_split(server)
            for context, _ in opened:
                await context.close()
        finally:
            await browser.close()
    loaded: list[float] = []
    for result in sessions:
        if isinstance(result, BaseException):
            failures.append(str(SessionError("answer", result)))
        else:
            loaded += result
    if failures:
        print("failed sessions:", "; ".join(failures), flush=True)
    return Load(single, alone, loaded, failures, page_loads, wall, server1 - server0, browser1 - browser0, load_average)


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
            return [_failed("click → next against the floor", err)]
        finally:
            for proc in procs:
                _stop(proc)
    if not app or not floor:
        return [Row("browser", "click → next against the floor", "no samples", status="failed")]
    return click.rows(app, floor, paths)


def _failed(figure: str, err: Exception, area: str = "browser") -> Row:
    """A row saying ``figure`` could not be measured, and why (bounded)."""
    return Row(area, figure, "failed", status="failed", note=f"{type(err).__name__}: {err}"[:300])


def unavailable(area: str) -> Row | None:
    """A skipped row saying why the browser benchmarks of ``area`` cannot run here, or None."""
    if not (ROOT / "app.py").exists():
        return Row(area, f"{area} benchmarks", "app.py absent", status="skipped")
    reason = None
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        reason = f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed"
    if reason is None:
        return None
    print(f"skipping {area} benchmarks: {reason}")
    return Row(area, f"{area} benchmarks", "skipped", status="skipped", note=reason)


def run() -> list[Row]:
    skipped = unavailable("browser")
    return [skipped] if skipped is not None else _against_floor() + _sessions()


def _sessions() -> list[Row]:
    """One session, then 20 at once, on a generated yes/no rulebook (``_drive``)."""
    from atmp_pathways import load_rulebook
    from tests.generate import generate_rules

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="atmp-browser-") as tmp:
        rules = Path(tmp) / "rules"
        gen = generate_rules(rules, 200, seed=2, yes_no_only=True)
        book = load_rulebook(rules)
        texts = {q.text: q.id for q in book.questions}
        port = _free_port()
        log = Path(tmp) / "streamlit.log"
        proc = _start_server(rules, port, log)
        try:
            run = asyncio.run(_drive(f"http://127.0.0.1:{port}/", proc.pid, gen.witness, texts))
        except Exception as err:  # noqa: BLE001 - reported in the table
            return [_failed("browser benchmarks", err)]
        finally:
            _stop(proc)
    single, loaded = run.single, run.loaded
    if len(single) < 50:
        rows.append(Row("browser", "single session", f"only {len(single)} answers", status="failed"))
    if single:
        rows.append(
            Row(
                "browser",
                f"click → next question, 1 session (p50 / p95 of {len(single)})",
                f"{fmt_time(statistics.median(single))} / {fmt_time(pct(single, 0.95))}",
                note=f"generated yes/no rulebook, {len(book.questions)} questions; max {fmt_time(max(single))}",
            )
        )
    causes = sorted(set(run.failures))
    failed = (
        f"{len(run.failures)} of {SESSIONS} sessions failed: "
        + "; ".join(f"{run.failures.count(c)}× {c}" for c in causes)
        if run.failures
        else "no session failed"
    )
    loads = (
        f"pages opened one after another in {fmt_time(statistics.median(run.page_loads))} median, "
        f"{fmt_time(max(run.page_loads))} max"
        if run.page_loads
        else "no page opened"
    )
    cpu = (
        f"while answering ({fmt_time(run.wall)}): server {run.server_cpu:.1f} CPU s "
        f"({fmt_time(run.server_cpu / max(len(loaded), 1))} per answer, alone {fmt_time(run.single_server_cpu / max(len(single), 1))}), "
        f"browser {run.browser_cpu:.1f} CPU s; load average {run.load_average:.2f}"
    )
    rows.append(
        Row(
            "browser",
            f"click → next question, {SESSIONS} concurrent sessions (p50 / p95 of {len(loaded)})",
            f"{fmt_time(statistics.median(loaded))} / {fmt_time(pct(loaded, 0.95))}" if loaded else "no samples",
            status="reported" if not run.failures and loaded else "failed",
            note=f"one streamlit server on 127.0.0.1, {SESSIONS} browser contexts; {failed}; {loads}; {cpu}",
        )
    )
    return rows
