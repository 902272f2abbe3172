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
from coalition_app.core.db import make_engine
from config import TestConfig
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.browser.helpers import PageWatcher
from tests.databases import fresh_database_url

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


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
