"""Where click → next goes: parts of the question screen, each timed against the floor in one run.

The wizard issue asks for click → next within 1.25× (p50) and 1.5× (p95) of a one-radio app
(``click.FLOOR_APP``). This section measures what the app's parts cost in the same browser and
run, so the gap can be read part by part:

* the floor, and the floor with the app's shell added: four pages in ``st.navigation`` (the
  app's pages), and the answers written to the address on every rerun (what keeps them through
  a refresh, Back and a shared link);
* the app as shipped, and the app with one part left out: its sidebar panels, or the narrowing
  of the progress line. Each is a wrapper script that replaces one ``ui`` function before
  running the app; nothing in the app changes, and the wrappers live in a temporary folder.

Rounds alternate every variant, so all share the machine's load of the moment.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path
from typing import Any

from ._util import Row, fmt_time, pct

__all__ = ["run"]

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3

_ADDRESS = 'st.query_params["a"] = f"{n:04d}" + "x" * 60  # as long as a 10-answer token\n'


def _floor(address: bool, pages: bool) -> str:
    """The floor app, with the answers-in-the-address write and/or inside four pages."""
    from .click import FLOOR_APP

    head, body = FLOOR_APP.split("\n\n", 1)
    first, rest = body.split("\n", 1)
    body = first + "\n" + (_ADDRESS if address else "") + rest
    if not pages:
        return f"{head}\n\n{body}"
    inner = "".join(f"    {line}\n" if line else "\n" for line in body.splitlines())
    return (
        f"{head}\n\n\ndef _question() -> None:\n{inner}\n\ndef _other() -> None:\n    st.title('Another page')\n\n\n"
        "st.navigation([\n"
        "    st.Page(_question, title='Wizard', url_path='wizard', default=True),\n"
        "    st.Page(_other, title='Assessments', url_path='assessments'),\n"
        "    st.Page(_other, title='Rule map', url_path='rule-map'),\n"
        "    st.Page(_other, title='Reform proposals', url_path='reform-proposals'),\n"
        "]).run()\n"
    )


FLOORS = {
    "one-radio floor": _floor(address=False, pages=False),
    "floor + answers written to the address": _floor(address=True, pages=False),
    "floor + four pages (st.navigation)": _floor(address=False, pages=True),
    "floor + both: the app's shell": _floor(address=True, pages=True),
}
"""Variant → the script of a floor-like app (answered like the floor: a radio, then Next)."""

LEFT_OUT = {
    "app as shipped": (),
    "app without its sidebar panels": (("ui.wizard", "_sidebar"), ("ui.assessments", "wizard_panel")),
    "app without narrowing the progress line": (("ui.wizard", "_narrow_progress"),),
}
"""Variant → the ``ui`` functions its wrapper replaces by a no-op before running the app."""


def _wrapper(left_out: tuple[tuple[str, str], ...]) -> str:
    lines = ["import importlib", "import sys", "", f"sys.path.insert(0, {str(ROOT)!r})"]
    for module, name in left_out:
        lines += [
            f"_m = importlib.import_module({module!r})",
            f"if not hasattr(_m, {name!r}):",
            f"    raise SystemExit('bench/parts.py: {module} has no {name} (renamed? update LEFT_OUT)')",
            f"setattr(_m, {name!r}, lambda *args, **kwargs: None)",
        ]
    lines += ["from ui.main import main", "", "main()", ""]
    return "\n".join(lines)


async def _measure(floor_urls: dict[str, str], app_urls: dict[str, str], rounds: int) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    from . import click
    from .browser import ARGS, CHROMIUM

    paths = click.journeys(ROOT / "rules")
    samples: dict[str, list[float]] = {name: [] for name in [*floor_urls, *app_urls]}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            for url in floor_urls.values():  # warm every server and the browser up
                await click._floor_session(browser, url, 2)
            for url in app_urls.values():
                await click._app_session(browser, url, paths[0])
            for i in range(rounds):
                for name, url in floor_urls.items():
                    samples[name] += await click._floor_session(browser, url, click.FLOOR_CLICKS)
                for name, url in app_urls.items():
                    samples[name] += await click._app_session(browser, url, paths[i % len(paths)])
        finally:
            await browser.close()
    return samples


def _rows(samples: dict[str, list[float]]) -> list[Row]:
    floor = samples["one-radio floor"]
    f50, f95 = statistics.median(floor), pct(floor, 0.95)
    rows = []
    for name, xs in samples.items():
        if not xs:
            rows.append(Row("parts", name, "no samples", status="failed"))
            continue
        p50, p95 = statistics.median(xs), pct(xs, 0.95)
        note = (
            "the floor of this run"
            if xs is floor
            else f"{p50 / f50:.2f}× / {p95 / f95:.2f}× the floor (p50 / p95); +{fmt_time(max(p50 - f50, 0))} at p50"
        )
        rows.append(
            Row(
                "parts",
                f"{name}: click → next (p50 / p95 of {len(xs)})",
                f"{fmt_time(p50)} / {fmt_time(p95)}",
                note=note,
            )
        )
    return rows


def run(rounds: int = ROUNDS) -> list[Row]:
    from .browser import _failed, _free_port, _start_server, _stop, unavailable

    skipped = unavailable("parts")
    if skipped is not None:
        return [skipped]
    with tempfile.TemporaryDirectory(prefix="atmp-parts-") as tmp:
        procs: list[Any] = []
        try:
            urls: dict[str, dict[str, str]] = {"floor": {}, "app": {}}
            for kind, variants in (("floor", FLOORS), ("app", {k: _wrapper(v) for k, v in LEFT_OUT.items()})):
                for i, (name, text) in enumerate(variants.items()):
                    script = Path(tmp) / f"{kind}_{i}.py"
                    script.write_text(text, encoding="utf-8")
                    port = _free_port()
                    procs.append(_start_server(ROOT / "rules", port, Path(tmp) / f"{kind}_{i}.log", script))
                    urls[kind][name] = f"http://127.0.0.1:{port}/"
            samples = asyncio.run(_measure(urls["floor"], urls["app"], rounds))
        except Exception as err:  # noqa: BLE001 - reported in the table
            return [_failed("parts of the question screen", err, "parts")]
        finally:
            for proc in procs:
                _stop(proc)
    return _rows(samples)
