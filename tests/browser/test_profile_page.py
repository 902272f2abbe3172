"""Issue 13 in a real browser: the own profile page, reached from the navigation, passes axe-core
at a phone's and a laptop's width in both languages, shows its errors next to the fields, and
two-factor enrolment shows a QR code the strict CSP lets load."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import DEMO_PASSWORD, PageWatcher, choose_language
from tests.browser.test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser

MEMBER = "member@example.org"
# Profile edits below change only the title and phone of this seeded person, which no other
# test reads.
CHAIR = "chair@example.org"


def _signed_in(browser, live_server, email: str, lang: str, width: int):
    context = browser.new_context(
        base_url=live_server, locale="es-MX", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.watcher = PageWatcher(page)
    page.goto("/login")
    # Chosen before signing in: the language holds for this browser only, not the account.
    choose_language(page, lang)
    form = page.locator("main form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))
    return context, page


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("width", [390, 1366])
def test_the_profile_is_reached_from_the_navigation_and_passes_axe(
    browser, live_server, shoot, lang, width
):
    context, page = _signed_in(browser, live_server, MEMBER, lang, width)
    if width < 992:  # Bootstrap's lg breakpoint: the menu is collapsed behind its button
        page.get_by_role("button", name={"es": "Mostrar menú", "en": "Show menu"}[lang]).click()
        # Clicked while the menu still slides open, the link would have moved away.
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    link = page.locator("#profile-link")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url("**/account/profile")
    heading = {"es": "Su perfil", "en": "Your profile"}[lang]
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    phone = page.get_by_label({"es": "Teléfono", "en": "Phone"}[lang])
    expect(phone).to_be_visible()
    expect(page.locator("#title-limit")).to_contain_text("120")
    violations = axe_violations(page)
    assert not violations, f"axe on /account/profile ({lang}, {width}px):\n{describe(violations)}"
    # Nothing wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    shoot(page, f"profile-{lang}-{width}")
    assert page.watcher.errors == []
    context.close()


def test_profile_errors_show_next_to_the_field_and_a_fix_saves(browser, live_server, shoot):
    context, page = _signed_in(browser, live_server, CHAIR, "es", 390)
    page.goto("/account/profile")
    page.get_by_label("Cargo o puesto").fill("Coordinadora del grupo de ética")
    page.get_by_label("Teléfono").fill("llámeme")
    page.get_by_role("button", name="Guardar perfil").click()
    errors = page.locator("#phone-errors")
    expect(errors).to_contain_text("de 8 a 15 dígitos")
    expect(page.get_by_label("Teléfono")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Cargo o puesto")).to_have_value("Coordinadora del grupo de ética")
    violations = axe_violations(page)
    assert not violations, f"axe on /account/profile with errors:\n{describe(violations)}"
    shoot(page, "profile-es-390-errors")

    page.get_by_label("Teléfono").fill("+52 222 266 3100")
    page.get_by_role("button", name="Guardar perfil").click()
    expect(page.get_by_text("Su perfil está guardado.")).to_be_visible()
    expect(page.get_by_label("Teléfono")).to_have_value("+52 222 266 3100")
    expect(page.get_by_label("Cargo o puesto")).to_have_value("Coordinadora del grupo de ética")
    # The refused save answered 400, which Chromium logs; nothing else went wrong.
    refused = "console: Failed to load resource: the server responded with a status of 400"
    assert [e for e in page.watcher.errors if not e.startswith(refused)] == []
    context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_two_factor_enrolment_shows_a_qr_code(browser, live_server, shoot, width):
    context, page = _signed_in(browser, live_server, MEMBER, "es", width)
    page.goto("/account/security")
    image = page.locator("#totp-qr")
    expect(image).to_be_visible()
    # Loaded (the CSP allows our own route) and drawn square, within the screen.
    size = image.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert size[0] and size[1] > 100 and size[1] == size[2], size
    box = image.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    expect(page.locator("#totp-secret")).to_be_visible()  # for those who cannot scan
    violations = axe_violations(page)
    assert not violations, f"axe on /account/security:\n{describe(violations)}"
    shoot(page, f"two-factor-qr-{width}")
    assert page.watcher.errors == []
    context.close()
