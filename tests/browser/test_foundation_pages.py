"""The foundation pages in a real headless Chromium: sign-in, home, groups, language, errors."""

import pytest

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_coordinator_signs_in_and_sees_where_the_coalition_stands(page, shoot):
    page.goto("/")
    page.wait_for_url("**/login?next=*")
    shoot(page, "01-login")
    sign_in(page, "coordinator@example.org")
    assert page.get_by_role("heading", name="Dónde está la coalición").is_visible()
    figures = page.locator(".figure-value").all_inner_texts()
    # Institutions, sectors, groups, due soon, overdue (issue 13: overdue has its own figure).
    assert len(figures) == 5
    assert int(figures[0].replace(",", "").replace(".", "")) >= 110
    assert page.get_by_role("link", name="Ética de la IA").first.is_visible()
    shoot(page, "02-home-es")
    assert page.watcher.errors == []


def test_bad_password_shows_a_clear_message_and_keeps_the_email(page, shoot):
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill("coordinator@example.org")
    page.get_by_label("Contraseña").fill("not the password")
    page.get_by_role("button", name="Iniciar sesión").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Correo electrónico").input_value() == "coordinator@example.org"
    shoot(page, "03-login-failed")


def test_language_switch_is_remembered(page, shoot):
    sign_in(page, "member@example.org")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Where the coalition stands").is_visible()
    page.get_by_role("link", name="Working groups").first.click()
    assert page.get_by_role("heading", name="Working groups").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    shoot(page, "04-groups-en")
    # The choice is stored on the profile: signing in again elsewhere keeps English.
    other = page.context.browser.new_context(base_url=page.url.split("/groups")[0], locale="es-MX")
    again = other.new_page()
    again.goto("/login")
    again.get_by_label("Correo electrónico").fill("member@example.org")
    again.get_by_label("Contraseña").fill("coalition-demo")
    again.get_by_role("button", name="Iniciar sesión").click()
    assert again.get_by_role("heading", name="Where the coalition stands").is_visible()
    # Back to Spanish, so the other tests see the default.
    again.get_by_role("button", name="Español").click()
    again.wait_for_load_state()
    assert again.get_by_role("heading", name="Dónde está la coalición").is_visible()
    other.close()
    assert page.watcher.errors == []


def test_group_page_lists_leads_members_and_deliverables(page, shoot):
    sign_in(page, "chair@example.org")
    page.goto("/groups/etica")
    assert page.get_by_role("heading", name="Ética de la IA", level=1).is_visible()
    assert page.get_by_role("heading", name="Instituciones líderes").is_visible()
    assert page.locator(".progress").count() >= 1
    shoot(page, "05-group-etica")
    assert page.watcher.errors == []


def test_missing_page_is_styled_and_says_404(page, shoot):
    sign_in(page, "member@example.org")
    response = page.goto("/groups/no-such-group")
    assert response.status == 404
    assert page.get_by_role("link", name="Volver a la página de inicio").is_visible()
    shoot(page, "06-not-found")


def test_navigation_collapses_on_a_phone_and_opens_with_the_menu_button(
    browser, live_server, shoot
):
    context = browser.new_context(
        base_url=live_server, locale="es-MX", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    sign_in(page, "member@example.org")
    groups_link = page.get_by_role("link", name="Grupos de trabajo", exact=True)
    assert not groups_link.is_visible()
    page.get_by_role("button", name="Mostrar menú").click()
    groups_link.wait_for(state="visible")
    shoot(page, "07-phone-menu")
    context.close()
