"""A tie recorded at a phone's width by a person of one institution, and confirmed by a
person of the other from the notification's link (issue 14)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PageWatcher, sign_in
from tests.browser.test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser


def test_a_tie_is_recorded_on_a_phone_and_confirmed_by_the_other_side(browser, live_server, shoot):
    context = browser.new_context(
        base_url=live_server, locale="es-MX", viewport={"width": 390, "height": 900}
    )
    page = context.new_page()
    page.watcher = PageWatcher(page)
    sign_in(page, "sofia.garduno@example.org")
    page.goto("/institutions?q=Instituto+de+Matem%C3%A1ticas")
    page.locator("main a", has_text="Instituto de Matemáticas de la UNAM").first.click()
    page.locator("#record-tie").click()
    page.get_by_label("Otra institución").fill("Grupo Plenum")
    page.get_by_label("Tipo").select_option("event")
    page.get_by_label("Título").fill("Taller de verano de aprendizaje automático")
    page.get_by_label("Descripción").fill("Un taller conjunto para estudiantes.")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    violations = axe_violations(page)
    assert not violations, f"axe on the tie form at 390px:\n{describe(violations)}"
    shoot(page, "14-record-tie-390")
    page.get_by_role("button", name="Registrar", exact=True).click()
    expect(page).to_have_url(re.compile(r"/ties/\d+$"))
    expect(page.locator(".tie-status").first).to_have_text("sin confirmar")
    tie_path = re.sub(r"^https?://[^/]+", "", page.url)
    shoot(page, "14-tie-unconfirmed-390")
    context.close()

    other = browser.new_context(
        base_url=live_server, locale="es-MX", viewport={"width": 390, "height": 900}
    )
    page = other.new_page()
    page.watcher = PageWatcher(page)
    sign_in(page, "valeria.mondragon@example.org")
    page.goto("/inbox")
    page.locator(f"main a[href='{tie_path}']").first.click()
    expect(page.locator("#answer-form")).to_be_visible()
    page.get_by_role("button", name="Confirmar").click()
    expect(page.locator(".tie-status").first).to_have_text("confirmado")
    expect(page.locator("#answer-form")).to_have_count(0)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shoot(page, "14-tie-confirmed-390")
    other.close()
