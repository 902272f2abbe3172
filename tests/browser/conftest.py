"""A live server on a seeded database, and Playwright driving Debian's Chromium against it.

Browser tests never skip: if Chromium is missing the run fails and says how to install it
(`make test` installs it with apt).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from coalition_app import create_app
from coalition_app.db import make_engine
from config import TestConfig
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.databases import fresh_database_url

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
DEMO_PASSWORD = "coalition-demo"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    from seeds import load_all

    url = fresh_database_url("live", tmp_path_factory.mktemp("live"))
    engine = make_engine(url)
    with Session(engine) as session:
        load_all(session, demo=True, password_hash_method=TestConfig.PASSWORD_HASH_METHOD)
        session.commit()
    engine.dispose()

    config = TestConfig(url)
    config.WTF_CSRF_ENABLED = True  # the browser gets what production gets
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        app.extensions["database"].engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(
            "Debian's chromium is not installed: run `make test` (it installs it) or "
            "`apt-get install chromium`. Browser tests are never skipped."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageWatcher:
    """Collects console errors and failed requests so a test can assert there were none."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_request_failed(self, request) -> None:
        # A navigation cancels what the previous page was still loading (ERR_ABORTED):
        # that is the browser's housekeeping, not a broken request.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"requestfailed: {request.url} ({request.failure})")

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _on_response(self, response) -> None:
        # Only our own assets count; an expected 404 page is asserted by the test itself.
        if response.status >= 400 and "/static/" in response.url:
            self.errors.append(f"{response.status}: {response.url}")


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="es-MX")
    page = context.new_page()
    page.watcher = PageWatcher(page)
    yield page
    context.close()


@pytest.fixture
def shoot():
    """Save a full-page screenshot under test-output/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/")


def choose_language(page, lang: str) -> None:
    """Press the footer's language button. Signed out, the choice lasts for the browser's session
    (signing in keeps it); signed in, it is also kept on the account for later sign-ins."""
    from playwright.sync_api import expect

    name = {"es": "Español", "en": "English"}[lang]
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("button", name=name, exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
