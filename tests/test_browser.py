"""End to end in a real browser: the toy journey, an XLSX download, a results screenshot.

Needs the system chromium (/usr/bin/chromium) and the ``playwright`` package; never
runs ``playwright install``. Run alone with ``pytest -m browser``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "screenshot-results.png"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "ATMP_RULES_DIR": str(ROOT / "tests" / "fixtures" / "toy_rules"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    log = (tmp_path_factory.mktemp("streamlit") / "server.log").open("wb")
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1", "--client.toolbarMode", "minimal"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start (exit code {proc.poll()}); see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


def test_journey_download_xlsx_and_screenshot(server: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(server)
            expect = sync_api.expect

            def button(name: str) -> sync_api.Locator:
                return page.locator('[data-testid="stButton"] button').filter(has_text=name).first

            def settle() -> None:
                """Wait for the rerun to finish: no status widget, no stale elements."""
                expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0)
                expect(page.locator('[data-stale="true"]')).to_have_count(0)

            def answer_radio(question: str, label: str) -> None:
                expect(page.get_by_role("heading", name=question)).to_be_visible()
                settle()
                page.locator('[data-testid="stRadio"]').get_by_text(label, exact=True).click()
                button("Next").click()

            button("Start").click()
            answer_radio("Do you make widgets?", "Yes")
            answer_radio("Do you make more than 100 widgets a year?", "Yes")
            answer_radio("Which colour are the widgets?", "Red")
            expect(page.get_by_role("heading", name="Where do you ship widgets?")).to_be_visible()
            settle()
            for country in ("Norway", "Sweden"):
                page.locator('[data-testid="stMultiSelect"] input').click()
                page.get_by_role("option", name=country).click()
            page.keyboard.press("Escape")
            button("Next").click()

            expect(page.get_by_text("Review your answers")).to_be_visible()
            settle()
            button("See results").click()
            expect(page.get_by_text("Your obligations")).to_be_visible()
            settle()
            expect(page.get_by_text("Register as a widget maker").first).to_be_visible()

            with page.expect_download() as download_info:
                page.locator('[data-testid="stDownloadButton"] button').filter(has_text="Excel").click()
            target = tmp_path / download_info.value.suggested_filename
            download_info.value.save_as(target)
            assert target.name == "atmp-checklist-" + target.name.split("-", 2)[2]
            assert target.suffix == ".xlsx"
            cells = [
                str(cell.value)
                for sheet in load_workbook(target, read_only=True).worksheets
                for row in sheet.iter_rows()
                for cell in row
                if cell.value is not None
            ]
            text = "\n".join(cells)
            assert "Register as a widget maker" in text
            assert "1.2.3" in text

            # on_click="ignore": the download did not rerun or reset the session.
            expect(page.get_by_text("Your obligations")).to_be_visible()
            page.wait_for_timeout(1000)
            height = page.evaluate(
                '() => Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
                '[data-testid="stAppViewContainer"], section\')].map(e => e.scrollHeight))'
            )
            page.set_viewport_size({"width": 1280, "height": min(max(int(height), 900), 6000)})
            page.wait_for_timeout(1000)
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            page.get_by_role("link", name="Rule map").click()
            expect(page.get_by_text("Source registry")).to_be_visible()
            expect(page.get_by_text("Clean: no lint problems.")).to_be_visible()
        finally:
            browser.close()
