"""End to end in a real browser: the toy journey with an XLSX download and a refresh on
the rule map, then a real-rules journey (examples/car-t-us.yaml) for the README screenshot;
accessibility: axe-core on every screen and results tab, a keyboard-only journey, a phone viewport.

Needs the system chromium (/usr/bin/chromium) and the ``playwright`` package; never
runs ``playwright install``. Run alone with ``pytest -m browser``. The servers take their
settings (headless, no usage stats, minimal toolbar) from .streamlit/config.toml.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, Any

import pytest

from atmp_pathways import Rulebook, RulebookError, load_rulebook, parse_answers
from atmp_pathways.answers import encode_answers  # what ui.state.sync_url writes into ?a=
from atmp_pathways.models import UNDECIDED, AnswerValue
from atmp_pathways.store import open_store
from ui.state import URL_PARAM

from .paths import ROOT
from .paths import UNDECIDED as UNDECIDED_RULES

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "screenshot-results.png"
SCREENSHOT_SIZE = {"width": 1280, "height": 2400}  # the top of the results: readable in the README
EXAMPLE = ROOT / "examples" / "car-t-us.yaml"
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
TOY_ANSWERS: dict[str, AnswerValue] = {
    "uses_widgets": True,
    "widget_count_large": True,
    "widget_colour": "red",
    "ship_to": ["NO", "SE"],
}

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
# expect() waits up to 5 s by default, whatever the page's timeout; a loaded machine (2 cores,
# shared) can take longer for a first run of the real rules, so it waits as long as the page does.
sync_api.expect.set_options(timeout=TIMEOUT_MS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _running(
    command: Sequence[str],
    log: IO[bytes],
    url: str,
    ready_path: str,
    what: str,
    *,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Start ``command``, yield ``url`` once ``url + ready_path`` answers 200, stop it afterwards."""
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}{ready_path}", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what} did not start (exit code {proc.poll()}); see {log.name}")
            time.sleep(0.2)  # polling interval while waiting for the server, not a fixed wait for a result
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@contextmanager
def _serve(
    log_dir: Path, rules_dir: Path | None, *, args: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """``streamlit run app.py`` on a free port; ``rules_dir=None`` means the shipped rules/.

    ``args`` go to ``streamlit run`` (e.g. ``--secrets.files``); ``env`` is added to the environment.
    Without ``ATMP_DATABASE_URL`` in ``env`` the server saves into a store inside ``log_dir``.
    """
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if k not in ("ATMP_RULES_DIR", "ATMP_DATABASE_URL")}
    environ["ATMP_DATABASE_URL"] = f"sqlite:///{log_dir / 'assessments.db'}"
    environ.update(env or {})
    if rules_dir is not None:
        environ["ATMP_RULES_DIR"] = str(rules_dir)
    log = (log_dir / "server.log").open("wb")
    command = [sys.executable, "-m", "streamlit", "run", "app.py"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1", *args]
    with _running(command, log, f"http://127.0.0.1:{port}", "/_stcore/health", "streamlit", env=environ) as url:
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _serve(tmp_path_factory.mktemp("toy"), ROOT / "tests" / "fixtures" / "toy_rules") as url:
        yield url


SAVED_NAME = "CAR-T 101 — EU supply"


def _save_the_example(log_dir: Path, book: Rulebook) -> None:
    """One saved assessment of examples/car-t-us.yaml with two revisions in the server's store,
    so the Assessments page draws its list and the detail its history (not only the empty state)."""
    answers = parse_answers(book, EXAMPLE.read_bytes(), name=EXAMPLE.name).answers
    store = open_store(f"sqlite:///{log_dir / 'assessments.db'}")  # the URL _serve gives the server
    try:
        saved = store.create(SAVED_NAME, "CAR-T 101", None, answers, date.today(), book)
        store.save_revision(saved.id, None, answers, date.today(), book)
    finally:
        store.close()


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shipped rules, with one saved assessment (``SAVED_NAME``) in the store."""
    try:
        book = load_rulebook(ROOT / "rules")
    except RulebookError as err:
        pytest.skip(f"rules/ does not load right now (rules are being edited): {str(err).splitlines()[-1]}")
    log_dir = tmp_path_factory.mktemp("real")
    _save_the_example(log_dir, book)
    with _serve(log_dir, None) as url:
        yield url


@contextmanager
def _page(**options: object) -> Iterator[sync_api.Page]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(**{"viewport": {"width": 1280, "height": 900}, **options})  # type: ignore[arg-type]
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def _button(page: sync_api.Page, name: str) -> sync_api.Locator:
    return page.locator('[data-testid="stButton"] button').filter(has_text=name).first


def _settle(page: sync_api.Page) -> None:
    """Wait for the rerun to finish: no status widget, no stale elements."""
    sync_api.expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0)
    sync_api.expect(page.locator('[data-stale="true"]')).to_have_count(0)


def _see_results(page: sync_api.Page) -> None:
    """From the review screen: See results, and wait for the results page to settle."""
    _button(page, "See results").click()
    sync_api.expect(page.get_by_role("heading", name="Your obligations")).to_be_visible()
    _settle(page)


def _results_from_link(page: sync_api.Page, server: str, answers: Mapping[str, AnswerValue]) -> None:
    """Open a share link with ``answers`` (it lands on the review screen), then the results."""
    page.goto(f"{server}/?{URL_PARAM}={encode_answers(dict(answers))}")
    sync_api.expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
    _settle(page)
    _see_results(page)


def test_journey_download_xlsx_and_refresh_on_the_rule_map(server: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    expect = sync_api.expect
    with _page(accept_downloads=True) as page:
        page.goto(server)

        def answer_radio(question: str, label: str) -> None:
            expect(page.get_by_role("heading", name=question)).to_be_visible()
            _settle(page)
            page.locator('[data-testid="stRadio"]').get_by_text(label, exact=True).click()
            _button(page, "Next").click()

        _button(page, "Start").click()
        answer_radio("Do you make widgets?", "Yes")
        answer_radio("Do you make more than 100 widgets a year?", "Yes")
        answer_radio("Which colour are the widgets?", "Red")
        expect(page.get_by_role("heading", name="Where do you ship widgets?")).to_be_visible()
        _settle(page)
        for country in ("Norway", "Sweden"):
            _tick(page, country)
        _button(page, "Next").click()

        expect(page.get_by_text("Review your answers")).to_be_visible()
        _settle(page)
        _button(page, "See results").click()
        expect(page.get_by_text("Your obligations")).to_be_visible()
        _settle(page)
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

        # The rule map keeps ?a= too, so a refresh there (a new session) loses no answers.
        page.get_by_role("link", name="Rule map").click()
        expect(page.get_by_text("Source registry")).to_be_visible()
        expect(page.get_by_text("Clean: no lint problems.")).to_be_visible()
        page.wait_for_url(re.compile(rf"/rule-map\?(.*&)?{URL_PARAM}="))
        page.reload()
        expect(page.get_by_text("Source registry")).to_be_visible()
        _settle(page)
        page.get_by_role("link", name="Wizard").click()
        expect(page.get_by_text("Review your answers")).to_be_visible()
        expect(page.locator('[data-testid="stSidebar"]').get_by_text("Norway, Sweden")).to_be_visible()


def test_real_rules_journey_from_a_share_link_and_screenshot(real_server: str, tmp_path: Path) -> None:
    """The README's screenshot comes from here: `make screenshot` (UPDATE_SCREENSHOT=1) writes it
    into docs/; an ordinary test run takes it into a temporary folder, so the tree stays clean."""
    target = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") else tmp_path / SCREENSHOT.name
    book = load_rulebook(ROOT / "rules")
    answers = parse_answers(book, EXAMPLE.read_bytes(), name=EXAMPLE.name).answers
    expect = sync_api.expect
    with _page() as page:
        _results_from_link(page, real_server, answers)
        # each title is in the "At a glance" table and on its (collapsed) card
        expect(page.get_by_text("Re-test each imported batch in the EU/EEA", exact=True).first).to_be_visible()
        expect(
            page.get_by_text("Have a Qualified Person certify every imported batch before release").first
        ).to_be_visible()
        expect(page.get_by_text("confirm with the competent authority").first).to_be_visible()
        page.set_viewport_size(SCREENSHOT_SIZE)
        _settle(page)
        # The results are checked further down the page; photograph them from the top.
        page.evaluate("() => document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
        page.wait_for_function("() => document.fonts.status === 'loaded'")  # web fonts laid out
        _settle(page)
        target.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(target))
    assert target.read_bytes().startswith(b"\x89PNG") and target.stat().st_size > 50_000


def _raw_token(raw: bytes) -> str:
    """A share token made by hand, as an attacker would (not through encode_answers)."""
    import base64
    import zlib

    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


def _assert_no_leak(page: sync_api.Page) -> str:
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and 'File "' not in body, body[:2000]
    assert str(ROOT) not in body and "site-packages" not in body, body[:2000]
    assert page.locator('[data-testid="stException"]').count() == 0
    return body


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b"product_type: 2026-02-30\n", "is not a valid date"),
        (b'{"answers": {"widget_colour": "' + b"x" * 250_000 + b'"}}', "needs one of red, blue, green"),
    ],
    ids=["impossible_date", "quarter_million_characters"],
)
def test_a_hostile_link_shows_the_apps_warning_and_the_page_stays_responsive(
    server: str, raw: bytes, shown: str
) -> None:
    expect = sync_api.expect
    token = _raw_token(raw)
    assert len(token) < 1_000, "a short link"
    with _page() as page:
        page.goto(f"{server}/?{URL_PARAM}={token}")
        warning = page.locator('[data-testid="stAlertContentWarning"]').first
        expect(warning).to_contain_text("could not be used, so the wizard starts empty", timeout=TIMEOUT_MS)
        expect(warning).to_contain_text(shown)
        _settle(page)
        body = _assert_no_leak(page)
        assert len(body) < 20_000, f"the page echoes {len(body):,} characters"
        # Responsive: a follow-up click works (before: the tab froze for 25–30 s laying out one word).
        _button(page, "Start").click()
        expect(page.get_by_role("heading", name="Do you make widgets?")).to_be_visible(timeout=TIMEOUT_MS)
        _assert_no_leak(page)


def test_a_far_future_as_of_survives_the_widget_and_the_rule_map(server: str) -> None:
    expect = sync_api.expect
    with _page() as page:
        page.goto(f"{server}/?as_of=2038-01-19")
        expect(page.locator('[data-testid="stDateInput"] input').first).to_have_value("2038-01-19", timeout=TIMEOUT_MS)
        _settle(page)
        page.get_by_role("link", name="Rule map").click()
        expect(page.get_by_text("Source registry")).to_be_visible()
        page.wait_for_url(re.compile(r"/rule-map\?(.*&)?as_of=2038-01-19"))
        page.goto(f"{server}/?as_of=2200-01-01")
        expect(page.locator('[data-testid="stAlertContentWarning"]').first).to_contain_text(
            "The date in the page address, 2200-01-01 is outside 1990-01-01 … 2100-12-31, was not used",
            timeout=TIMEOUT_MS,
        )
        _assert_no_leak(page)


def _answer_radio(page: sync_api.Page, question: str, label: str) -> None:
    sync_api.expect(page.get_by_role("heading", name=question)).to_be_visible()
    _settle(page)
    page.locator('[data-testid="stRadio"]').get_by_text(label, exact=True).click()
    _button(page, "Next").click()


def _tick(page: sync_api.Page, label: str) -> None:
    """Tick one box of a many_of question's group (its label; the input itself is drawn over)."""
    page.locator('[data-testid="stCheckbox"]').get_by_text(label, exact=True).click()
    _settle(page)


def _toy_journey_to_review(page: sync_api.Page) -> None:
    """Start → the four toy questions (three radios, one group of tick boxes) → Review, as a user clicks."""
    expect = sync_api.expect
    _button(page, "Start").click()
    _answer_radio(page, "Do you make widgets?", "Yes")
    _answer_radio(page, "Do you make more than 100 widgets a year?", "Yes")
    _answer_radio(page, "Which colour are the widgets?", "Red")
    expect(page.get_by_role("heading", name="Where do you ship widgets?")).to_be_visible()
    _settle(page)
    for country in ("Norway", "Sweden"):
        _tick(page, country)
    _button(page, "Next").click()
    expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
    _settle(page)


def test_change_on_a_multi_select_answer_then_one_next_returns_to_review(server: str) -> None:
    """Review → Change on a many_of answer → a single Next click moves on (it once needed two)."""
    expect = sync_api.expect
    with _page() as page:
        page.goto(server)
        _toy_journey_to_review(page)
        page.locator(".st-key-review_change_ship_to button").click()
        expect(page.get_by_role("heading", name="Where do you ship widgets?")).to_be_visible()
        _settle(page)
        _button(page, "Next").click()
        expect(page.get_by_role("heading", name="Review your answers")).to_be_visible(timeout=15_000)


# ---- accessibility: axe-core, keyboard only, a phone ---------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAIL_IMPACTS = ("critical", "serious")
"""Impacts that fail the axe test; the rest (moderate, minor) are printed in a summary."""
IMPACTS = ("critical", "serious", "moderate", "minor")


def _axe(page: sync_api.Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is shown now."""
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python missing")
    _settle(page)
    results = axe_module.Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def _axe_lines(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['impact']}: {v['id']} ×{len(v['nodes'])} — {v['help']}" for v in violations]


def _axe_every_tab(page: sync_api.Page, found: dict[str, list[dict[str, Any]]], what: str) -> list[str]:
    """Open each results tab in turn, every expander in it, and run axe there; the tabs' names."""
    tabs = page.locator('[data-testid="stTabs"] [role="tab"]')
    names = [tabs.nth(i).inner_text().strip() for i in range(tabs.count())]
    for i, name in enumerate(names):
        tabs.nth(i).click()
        sync_api.expect(tabs.nth(i)).to_have_attribute("aria-selected", "true")
        _settle(page)
        opened = _open_every_expander(page)
        found[f"{what} · {name} ({opened} opened)"] = _axe(page)
    return names


def _axe_verdict(title: str, found: Mapping[str, list[dict[str, Any]]]) -> None:
    """Print every screen's violations (counts by impact, then each rule); fail on a serious or critical one."""
    print(f"\n{title} (counts by impact):")
    for screen, violations in found.items():
        counts = ", ".join(f"{i} {sum(v['impact'] == i for v in violations)}" for i in IMPACTS)
        print(f"  {screen}: {counts}" + "".join(f"\n    {line}" for line in _axe_lines(violations)))
    failing = {s: _axe_lines([v for v in vs if v["impact"] in FAIL_IMPACTS]) for s, vs in found.items()}
    assert not any(failing.values()), {screen: lines for screen, lines in failing.items() if lines}


def _open_every_expander(page: sync_api.Page) -> int:
    """Open every collapsed expander shown (cards, why-not topics) as a user would; return how many."""
    opened: int = page.evaluate(
        """() => {
        const closed = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary')]
            .filter((s) => s.offsetParent !== null);
        closed.forEach((s) => s.click());
        return closed.length;
    }"""
    )
    _settle(page)
    return opened


def test_axe_finds_no_serious_or_critical_wcag21_violations(server: str) -> None:
    """axe-core on start, a radio question, a tick-box question, review, every results tab (cards
    open) and the rule map; a planted unlabelled checkbox shows the check can fail."""
    expect = sync_api.expect
    found: dict[str, list[dict[str, Any]]] = {}
    with _page() as page:
        page.goto(server)
        expect(page.locator(".st-key-start button")).to_be_visible()
        found["start"] = _axe(page)
        _button(page, "Start").click()
        expect(page.get_by_role("heading", name="Do you make widgets?")).to_be_visible()
        found["radio question"] = _axe(page)
        _answer_radio(page, "Do you make widgets?", "Yes")
        _answer_radio(page, "Do you make more than 100 widgets a year?", "Yes")
        _answer_radio(page, "Which colour are the widgets?", "Red")
        expect(page.get_by_role("heading", name="Where do you ship widgets?")).to_be_visible()
        _settle(page)
        group = page.get_by_role("group", name="Where do you ship widgets?")
        expect(group.get_by_role("checkbox")).to_have_count(3)  # named by the question, one box a choice
        _tick(page, "Norway")
        found["tick-box question"] = _axe(page)
        _button(page, "Next").click()
        expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
        found["review"] = _axe(page)
        _see_results(page)
        names = _axe_every_tab(page, found, "results")
        assert len(names) >= 7 and names[0].startswith("Applies now"), names

        # The check can fail: an unlabelled checkbox planted on the results is reported as critical.
        page.evaluate(
            """() => { const box = document.createElement('input'); box.type = 'checkbox'; box.id = 'planted';
            document.querySelector('[data-testid="stMain"]').appendChild(box); }"""
        )
        planted = [v for v in _axe(page) if v["id"] == "label"]
        assert planted and planted[0]["impact"] == "critical", _axe_lines(planted)
        assert any("#planted" in str(node["target"]) for node in planted[0]["nodes"])
        page.evaluate("() => document.getElementById('planted').remove()")

        page.get_by_role("link", name="Rule map").click()
        expect(page.get_by_text("Source registry")).to_be_visible()
        found["rule map"] = _axe(page)
    _axe_verdict("axe-core WCAG 2.1 A/AA violations per screen", found)


def test_axe_on_the_assessments_and_reform_proposals_pages(server: str, real_server: str) -> None:
    """axe-core on the pages beside the wizard: Assessments with nothing saved (toy rules) and with a
    saved assessment (shipped rules): its list, its detail (expanders open, history drawn, the delete
    confirmation shown), and Reform proposals as shipped."""
    expect = sync_api.expect
    found: dict[str, list[dict[str, Any]]] = {}
    with _page() as page:
        page.goto(f"{server}/assessments")
        expect(page.get_by_role("heading", name="Assessments", level=1)).to_be_visible()
        expect(page.get_by_text("Nothing saved yet")).to_be_visible()
        found["assessments · nothing saved"] = _axe(page)

        page.goto(f"{real_server}/assessments")
        expect(page.get_by_role("heading", name="Assessments", level=1)).to_be_visible()
        expect(page.get_by_text(SAVED_NAME)).to_be_visible()
        expect(page.get_by_role("group", name="Re-check as of")).to_be_visible()
        expect(page.get_by_role("button", name="Details")).to_be_visible()
        found["assessments · one saved"] = _axe(page)
        page.get_by_role("button", name="Details").click()
        expect(page.get_by_role("heading", name=SAVED_NAME, level=1)).to_be_visible()
        expect(page.get_by_role("heading", name="History", level=2)).to_be_visible()
        expect(page.get_by_text("Revision 2", exact=True)).to_be_visible()
        _settle(page)
        opened = _open_every_expander(page)
        found[f"assessment detail ({opened} opened)"] = _axe(page)
        page.get_by_role("button", name="Delete…").click()
        expect(page.get_by_role("button", name="Yes, delete it")).to_be_visible()
        found["assessment detail · delete confirmation"] = _axe(page)
        page.get_by_role("button", name="Cancel").click()  # the module's server keeps its saved assessment
        expect(page.get_by_role("button", name="Delete…")).to_be_visible()

        page.get_by_role("link", name="Reform proposals").click()
        expect(page.get_by_role("heading", name="Reform proposals", level=1)).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile(r"^R23 · "), level=3)).to_be_visible()
        found["reform proposals"] = _axe(page)
    _axe_verdict("axe-core on the Assessments and Reform proposals pages", found)


def test_axe_on_the_results_of_answers_left_not_decided_yet(tmp_path: Path) -> None:
    """tests/fixtures/toy_undecided with both planning answers "not decided yet": "Your pathway" says
    the route depends on the decision, and axe finds nothing serious or critical on any results tab
    (the "Depends on your decision" tab included) with every card and pathway line open."""
    answers: dict[str, AnswerValue] = {"makes_gadgets": True, "own_workshop": UNDECIDED, "sells_abroad": UNDECIDED}
    expect = sync_api.expect
    found: dict[str, list[dict[str, Any]]] = {}
    with _serve(tmp_path, UNDECIDED_RULES) as url, _page() as page:
        _results_from_link(page, url, answers)
        route = page.locator(".st-key-pathway_maker_route summary")
        expect(route).to_contain_text("How you make gadgets: Depends on your decision")
        names = _axe_every_tab(page, found, "results")
        assert "Depends on your decision (5)" in names, names
    _axe_verdict("axe-core on results with answers not decided yet", found)


_CARD_TITLE_LINKS = """sel => [...document.querySelectorAll(sel)]
    .flatMap(h => [...h.querySelectorAll('a[href], button, [tabindex]:not([tabindex="-1"])')])
    .filter(e => e.getClientRects().length > 0).length"""
"""How many drawn (so focusable) links or buttons sit inside the headings ``sel`` selects."""


def test_summary_rows_jump_to_card_titles_that_add_no_tab_stop(server: str) -> None:
    """The results' card titles (h3) keep the ids the "At a glance" rows link to but not Streamlit's
    "Link to heading" icon: clicking a row moves the focus to its card's title, and the next Tab
    reaches that card's Details, not a link inside the title."""
    expect = sync_api.expect
    with _page() as page:
        _results_from_link(page, server, TOY_ANSWERS)
        rows = page.locator('[data-testid="stMain"] table a[href^="#card-"]')
        targets = [str(rows.nth(i).get_attribute("href"))[1:] for i in range(rows.count())]
        assert len(targets) >= 2, targets
        for target in targets:  # each row's target is a card's title
            expect(page.locator(f"h3#{target}")).to_have_count(1)
        assert page.evaluate(_CARD_TITLE_LINKS, 'h3[id^="card-"]') == 0
        assert page.evaluate(_CARD_TITLE_LINKS, "h2#at-a-glance") == 1  # a section heading keeps its link

        first = page.locator(f"h3#{targets[0]}")
        title = first.inner_text().strip()
        rows.first.click()
        _focus_on_heading(page, title)
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["tag"] == "SUMMARY" and "Details ·" in focused["text"], focused


_FOCUSED = """() => {
    const e = document.activeElement;
    if (!e) return {tag: '', text: '', key: ''};
    const keyed = e.closest('[class*="st-key-"]');
    const key = keyed ? (keyed.className.match(/st-key-([A-Za-z0-9_-]+)/) || ['', ''])[1] : '';
    const label = e.closest('label');
    const text = (label ? label.innerText : (e.innerText || e.getAttribute('aria-label') || '')).trim();
    return {tag: e.tagName, type: e.getAttribute('type') || '', text: text, key: key};
}"""


def _focused(page: sync_api.Page) -> dict[str, str]:
    value: dict[str, str] = page.evaluate(_FOCUSED)
    return value


def _tab_to(page: sync_api.Page, wanted: Callable[[dict[str, str]], bool], what: str, limit: int = 40) -> int:
    """Press Tab until the focused element is ``wanted``; return how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if wanted(_focused(page)):
            return presses
    raise AssertionError(f"{limit} Tabs did not reach {what}; focus is on {_focused(page)}")


def _focus_on_heading(page: sync_api.Page, text: str) -> None:
    """The keyboard focus is on the page's h1 (or a section's heading) reading ``text``."""
    page.wait_for_function(
        "t => { const e = document.activeElement; return !!e && /^H[1-3]$/.test(e.tagName) && e.innerText.trim() === t; }",
        arg=text,
    )
    _settle(page)


def test_keyboard_only_journey_from_start_to_an_export(server: str, tmp_path: Path) -> None:
    """Tab, Space and Enter only (no mouse): start → four questions → review → results → Excel.
    After each Next the focus is on the new question's heading, a few Tabs from its options."""
    expect = sync_api.expect
    presses: list[tuple[str, int]] = []
    with _page(accept_downloads=True) as page:
        page.goto(server)
        expect(page.locator(".st-key-start button")).to_be_visible()
        _settle(page)
        presses.append(("Start", _tab_to(page, lambda f: f["key"] == "start", "the Start button")))
        page.keyboard.press("Enter")
        for question, choice in (
            ("Do you make widgets?", "Yes"),
            ("Do you make more than 100 widgets a year?", "Yes"),
            ("Which colour are the widgets?", "Red"),
        ):
            _focus_on_heading(page, question)
            taken = _tab_to(page, lambda f, c=choice: f["type"] == "radio" and f["text"] == c, f"the {choice} option")
            assert taken <= 3, f"{taken} Tabs from the heading to the first option of {question!r}"
            presses.append((question, taken))
            page.keyboard.press("Space")
            _settle(page)
            page.keyboard.press("Tab")  # past the other options of the group, to what follows
            _tab_to(page, lambda f: f["key"] == "next", "Next")
            page.keyboard.press("Enter")
        _focus_on_heading(page, "Where do you ship widgets?")
        for country in ("Norway", "Sweden"):
            taken = _tab_to(page, lambda f, c=country: f["type"] == "checkbox" and f["text"] == c, country)
            presses.append((country, taken))
            page.keyboard.press("Space")
            _settle(page)
        _tab_to(page, lambda f: f["key"] == "next", "Next")
        page.keyboard.press("Enter")
        _focus_on_heading(page, "Review your answers")
        expect(page.locator('[data-testid="stSidebar"]').get_by_text("Norway, Sweden")).to_be_attached()
        presses.append(("See results", _tab_to(page, lambda f: f["key"] == "see_results", "See results")))
        page.keyboard.press("Enter")
        _focus_on_heading(page, "Your obligations")
        presses.append(("skip link", _tab_to(page, lambda f: f["text"] == "the downloads", "the skip link")))
        page.keyboard.press("Enter")
        _focus_on_heading(page, "Download the checklist")
        presses.append(("Excel", _tab_to(page, lambda f: "Excel" in f["text"], "the Excel download")))
        with page.expect_download() as download_info:
            page.keyboard.press("Enter")
        target = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(target)
    print("\nTab presses to reach each control:", ", ".join(f"{what} {n}" for what, n in presses))
    assert target.suffix == ".xlsx" and target.read_bytes().startswith(b"PK")


PHONE = {"width": 390, "height": 844}


def _top_of_page(page: sync_api.Page) -> None:
    page.evaluate("() => document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    _settle(page)


def _nothing_cut_off_sideways(page: sync_api.Page, screen: str) -> None:
    scroll, width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= width, f"{screen}: the page is {scroll}px wide in a {width}px viewport"


def _on_first_screen(locator: sync_api.Locator, what: str) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{what} is not shown"
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], f"{what} is not on the first screen: {box}"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{what} runs past the edge: {box}"


def _arrive(page: sync_api.Page, heading: str, what: str, *, sideways: str | None = None) -> None:
    """On a new screen: its heading shown, scrolled to the top, (nothing cut off sideways,) heading on the first screen."""
    found = page.get_by_role("heading", name=heading)
    sync_api.expect(found).to_be_visible()
    _top_of_page(page)
    if sideways is not None:
        _nothing_cut_off_sideways(page, sideways)
    _on_first_screen(found, what)


def test_phone_viewport_journey(server: str) -> None:
    """390×844: nothing cut off sideways; the question (or, on results, the heading and the skip link
    to the summary) on the first screen; the answers behind a labelled sidebar toggle; the results
    tab bar inside the screen."""
    expect = sync_api.expect
    with _page(viewport=PHONE) as page:
        page.goto(server)
        expect(page.locator(".st-key-start button")).to_be_visible()
        _settle(page)
        _nothing_cut_off_sideways(page, "start")
        _button(page, "Start").click()
        _arrive(page, "Do you make widgets?", "the question", sideways="question")
        _on_first_screen(page.locator('[data-testid="stRadio"]').get_by_text("No", exact=True), "its last option")
        _answer_radio(page, "Do you make widgets?", "Yes")
        _answer_radio(page, "Do you make more than 100 widgets a year?", "Yes")
        _answer_radio(page, "Which colour are the widgets?", "Red")
        _arrive(page, "Where do you ship widgets?", "the tick-box question")
        _on_first_screen(page.locator('[data-testid="stCheckbox"]').last, "its last tick box")
        _tick(page, "Sweden")
        _button(page, "Next").click()
        expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
        _settle(page)
        _nothing_cut_off_sideways(page, "review")

        # The answers: behind the sidebar toggle, which has an accessible name.
        toggle = page.get_by_role("button", name="Expand sidebar")
        _on_first_screen(toggle, "the sidebar toggle")
        toggle.click()
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar.get_by_role("heading", name="Your answers")).to_be_visible()
        expect(sidebar.get_by_text("Sweden")).to_be_visible()
        page.get_by_role("button", name="Collapse sidebar").click()
        expect(sidebar.get_by_role("heading", name="Your answers")).not_to_be_in_viewport()

        _button(page, "See results").click()
        _arrive(page, "Your obligations", "the results heading", sideways="results")
        skip = page.get_by_role("link", name="At a glance")
        _on_first_screen(skip, "the skip link to the summary")
        tab_bar = page.locator('[data-testid="stTabs"] [role="tablist"]').first
        tab_bar.scroll_into_view_if_needed()
        box = tab_bar.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        _top_of_page(page)
        skip.click()
        expect(page.get_by_role("heading", name="At a glance")).to_be_in_viewport()
        expect(page.locator('[data-testid="stMarkdown"] table').first).to_be_in_viewport()


def test_real_rules_long_list_enter_adds_one_country_and_axe_on_every_results_tab(real_server: str) -> None:
    """The shipped rules (examples/aav-trial-four-states.yaml): the 30-country list stays a search box
    where Enter adds the highlighted country only (no "Select N matches"); the four routes are tick
    boxes; axe finds nothing serious or critical there nor on any results tab with its cards open."""
    book = load_rulebook(ROOT / "rules")
    example = ROOT / "examples" / "aav-trial-four-states.yaml"
    answers = parse_answers(book, example.read_bytes(), name=example.name).answers
    expect = sync_api.expect
    found: dict[str, list[dict[str, Any]]] = {}
    with _page() as page:
        page.goto(f"{real_server}/?{URL_PARAM}={encode_answers(answers)}")
        expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
        _settle(page)
        page.locator(".st-key-review_change_routes button").click()
        routes = page.get_by_role("group", name=book.question("routes").text)
        expect(routes.get_by_role("checkbox")).to_have_count(len(book.choices(book.question("routes"))))
        expect(routes.get_by_role("checkbox", checked=True)).to_have_count(2)  # the answer, prefilled
        found["tick-box question (routes)"] = _axe(page)
        _button(page, "Next").click()
        expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
        _settle(page)

        page.locator(".st-key-review_change_trial_member_states button").click()
        expect(page.get_by_role("heading", name=book.question("trial_member_states").text)).to_be_visible()
        _settle(page)
        chips = page.locator('[data-testid="stMultiSelect"] [data-tag]')
        expect(chips).to_have_count(4)
        page.locator('[data-testid="stMultiSelect"] input').click()
        page.keyboard.type("ia")  # Austria, Bulgaria, Croatia, Estonia, … all match
        expect(page.get_by_role("option").first).to_be_visible()
        options = page.get_by_role("option").all_inner_texts()
        assert len(options) > 2 and not [o for o in options if o.startswith("Select")], options
        page.keyboard.press("Enter")
        _settle(page)
        expect(chips).to_have_count(5)  # one country added, not every match
        page.keyboard.press("Escape")
        expect(page.get_by_role("listbox")).to_have_count(0)  # closed: axe checks the question at rest
        _settle(page)
        found["long-list question (trial member states)"] = _axe(page)
        _button(page, "Next").click()
        expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
        _settle(page)
        _see_results(page)
        _axe_every_tab(page, found, "real results")
    _axe_verdict("axe-core on the shipped rules", found)


def test_sidebar_change_an_answer_picker_then_one_next_returns_to_review(server: str) -> None:
    """The sidebar's one "Change an answer" picker, in a real browser: pick a question, answer it
    anew, one Next returns to the review, and the sidebar's list shows the new answer."""
    expect = sync_api.expect
    with _page() as page:
        page.goto(server)
        _toy_journey_to_review(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar.get_by_text("Red", exact=True)).to_be_visible()
        sidebar.get_by_role("combobox", name="Change an answer").click()
        page.get_by_role("option", name="3. Which colour are the widgets?").click()
        expect(page.get_by_role("heading", name="Which colour are the widgets?", level=1)).to_be_visible()
        _settle(page)
        page.locator('[data-testid="stRadio"]').get_by_text("Blue", exact=True).click()
        _settle(page)
        _button(page, "Next").click()
        expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
        _settle(page)
        expect(sidebar.get_by_text("Blue", exact=True)).to_be_visible()
        expect(sidebar.get_by_role("combobox", name="Change an answer")).to_have_value("")  # cleared for the next
