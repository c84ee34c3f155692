"""Team deployment, end to end: real OpenID Connect login against a local mock provider,
two users in two browser contexts, one shared SQLite store.

User A logs in and saves an assessment. User B logs in and cannot list, open or export it,
not even with its id in the URL (B gets the same "not found" as for an id that does not
exist). After A shares it with B's e-mail, B can open it.

The provider is ``oidc-provider-mock`` (requirements-dev.txt) on a free loopback port: its
authorize page lets the test type the user (the subject, also sent as the ``email`` claim).
Its page asks a CDN for a stylesheet; the browser contexts refuse every request that is not
to this machine, so nothing leaves it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from atmp_pathways.answers import encode_answers

from .test_app import TOY, TOY_ANSWERS
from .test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, _button, _free_port, _running, _serve, _settle, sync_api

pytestmark = pytest.mark.browser

if importlib.util.find_spec("oidc_provider_mock") is None:
    pytest.skip(
        "the oidc-provider-mock package is not installed (pip install -r requirements-dev.txt)", allow_module_level=True
    )

ALICE = "alice@example.org"
BOB = "bob@example.org"
LOOPBACK = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?/")


@contextmanager
def _provider(log_dir: Path) -> Iterator[str]:
    """``python -m oidc_provider_mock`` on a free loopback port; yields its base URL."""
    port = _free_port()
    log = (log_dir / "provider.log").open("wb")
    command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--host", "127.0.0.1"]
    with _running(
        command, log, f"http://localhost:{port}", "/.well-known/openid-configuration", "the mock OpenID provider"
    ) as url:
        yield url


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with ``[auth]`` pointing at the mock provider, and a fresh SQLite store."""
    work = tmp_path_factory.mktemp("team")
    with _provider(work) as provider:
        secrets = work / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            'redirect_uri = "http://localhost:{port}/oauth2callback"\n'  # Streamlit fills in its port
            f'cookie_secret = "{os.urandom(24).hex()}"\n'
            'client_id = "atmp-pathways-test"\n'
            'client_secret = "not-a-secret"\n'
            f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        database = f"sqlite:///{work / 'team.db'}"
        with _serve(work, TOY, args=["--secrets.files", str(secrets)], env={"ATMP_DATABASE_URL": database}) as url:
            # The login cookie belongs to the redirect URI's host: browse as localhost too.
            yield url.replace("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    sync_api.expect.set_options(timeout=TIMEOUT_MS)  # a login round trip on a busy machine takes seconds
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _login(browser: sync_api.Browser, app: str, email: str) -> sync_api.Page:
    """A fresh browser context (no cookies) that logs ``email`` in through the provider's page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.route(lambda url: not LOOPBACK.match(url), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app)
    sync_api.expect(page.get_by_text("log in to see and save your assessments")).to_be_visible()
    sync_api.expect(page.get_by_role("link", name="Assessments")).to_have_count(0)  # nothing before login
    _button(page, "Log in").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize\?"))
    page.locator('input[name="sub"]').fill(email)
    page.get_by_role("button", name="Authorize").click()
    sync_api.expect(page.locator('[data-testid="stSidebar"]').get_by_text(f"Logged in as {email}")).to_be_visible()
    _settle(page)
    return page


def _not_found(page: sync_api.Page, ident: str) -> None:
    sync_api.expect(page.get_by_text(f"assessment {ident} not found, or not shared with you")).to_be_visible()
    _settle(page)


def test_two_users_see_only_their_own_and_what_is_shared_with_them(team_server: str, browser: sync_api.Browser) -> None:
    expect = sync_api.expect
    alice = _login(browser, team_server, ALICE)
    alice.goto(f"{team_server}/?a={encode_answers(TOY_ANSWERS)}")
    expect(alice.get_by_text("Review your answers")).to_be_visible()
    _settle(alice)
    sidebar = alice.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Save to Assessments").click()
    sidebar.get_by_label("Name").fill("Alice's CAR-T plan")
    sidebar.get_by_label("Name").press("Enter")
    _settle(alice)
    _button(alice, "Save as new").click()
    expect(alice.get_by_text("Saved as a new assessment: Alice's CAR-T plan.")).to_be_visible()
    alice.wait_for_url(re.compile(r"[?&]assessment=\d+"))
    match = re.search(r"[?&]assessment=(\d+)", alice.url)
    assert match is not None
    ident = match.group(1)

    bob = _login(browser, team_server, BOB)
    # List: nothing of Alice's.
    bob.goto(f"{team_server}/assessments")
    expect(bob.get_by_text("Nothing saved yet.")).to_be_visible()
    expect(bob.get_by_text("Alice's CAR-T plan")).to_have_count(0)
    # Open or export by putting the id in the URL: the same answer as for an id that does not exist.
    for where in ("assessments", ""):
        for guess in (ident, "987654"):
            bob.goto(f"{team_server}/{where}?assessment={guess}")
            _not_found(bob, guess)
            expect(bob.get_by_text("Alice's CAR-T plan")).to_have_count(0)
            expect(bob.locator('[data-testid="stDownloadButton"]').filter(has_text="Export")).to_have_count(0)
    expect(bob.locator('[data-testid="stSidebar"]').get_by_text("None yet.")).to_be_visible()  # no answers leaked

    # Alice shares it with Bob's e-mail; now Bob can list, open and export it.
    alice.goto(f"{team_server}/assessments?assessment={ident}")
    expect(alice.get_by_role("heading", name="Alice's CAR-T plan")).to_be_visible()
    _settle(alice)
    alice.get_by_text("Share", exact=True).first.click()
    alice.get_by_label("Share with (e-mail address)").fill(BOB.upper())
    alice.get_by_label("Share with (e-mail address)").press("Enter")
    _settle(alice)
    _button(alice, "Share").click()
    expect(alice.get_by_text(f"Shared with {BOB}.")).to_be_visible()

    bob.goto(f"{team_server}/assessments")
    expect(bob.get_by_text("Alice's CAR-T plan")).to_be_visible()
    bob.goto(f"{team_server}/assessments?assessment={ident}")
    expect(bob.get_by_role("heading", name="Alice's CAR-T plan")).to_be_visible()
    expect(bob.get_by_text(f"Owner {ALICE}")).to_be_visible()
    expect(bob.locator('[data-testid="stDownloadButton"]').filter(has_text="Export")).to_be_visible()
    _settle(bob)
    _button(bob, "Open in the wizard").click()
    expect(bob.get_by_text("Review your answers")).to_be_visible()
    expect(bob.locator('[data-testid="stSidebar"]').get_by_text("Norway, Sweden")).to_be_visible()
    for page in (alice, bob):
        page.context.close()
