"""Issue 16 in a real browser at a phone's width: a participant joins the demo consultation
without an account and votes one statement at a time; with JavaScript the next statement
replaces the card without reloading the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PageWatcher
from tests.browser.test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser


def test_a_participant_votes_on_a_phone_without_reloading(browser, live_server, shoot):
    context = browser.new_context(
        base_url=live_server, locale="es-MX", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.watcher = PageWatcher(page)
    page.goto("/consulta/consulta-nacional-ia2030")
    page.get_by_label("He leído el aviso de privacidad").check()
    page.get_by_role("button", name="Empezar").click()
    progress = page.locator("#vote-progress")
    expect(progress).to_have_text("0 de 60")
    first = page.locator("#statement-text").inner_text()
    agree = page.get_by_role("button", name="De acuerdo")
    page.wait_for_load_state("load")  # styles and the deferred script, on a busy machine too
    box = agree.bounding_box()
    assert box is not None and box["height"] >= 48  # a big touch target
    page.evaluate("() => { window.notReloaded = true; }")
    agree.click()
    expect(progress).to_have_text("1 de 60")
    page.get_by_role("button", name="En desacuerdo").click()
    expect(progress).to_have_text("2 de 60")
    assert page.evaluate("() => window.notReloaded === true")
    assert page.locator("#statement-text").inner_text() != first
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    shoot(page, "consultation-vote-390")
    context.close()
