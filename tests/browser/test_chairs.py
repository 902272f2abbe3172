"""Issue 13 in a real browser: a coordinator names a person of a lead institution co-chair of
Ética, who then manages it; the coordinator ends the chairship and the history shows it."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.helpers import coalition_today

pytestmark = pytest.mark.browser

JORGE = "Jorge Alberto Medina Flores"  # of UNAM, a lead of Ética, never named chair


def test_a_coordinator_names_and_ends_a_co_chair(browser, live_server, shoot):
    jorge_context = browser.new_context(base_url=live_server, locale="es-MX")
    jorge = jorge_context.new_page()
    sign_in(jorge, "jorge.medina@example.org")
    jorge.goto("/groups/etica")
    expect(jorge.get_by_role("heading", name="Quienes presiden")).to_be_visible()
    expect(jorge.get_by_role("link", name="Nuevo entregable")).to_have_count(0)

    context = browser.new_context(base_url=live_server, locale="es-MX")
    coordinator = context.new_page()
    sign_in(coordinator, "coordinator@example.org")
    coordinator.goto("/groups/etica")
    coordinator.get_by_role("link", name="Administrar instituciones y presidencias").click()
    coordinator.wait_for_url("**/groups/etica/members")
    picker = coordinator.get_by_label("Persona", exact=True)
    option = picker.locator("option", has_text=JORGE).get_attribute("value")
    assert option
    # The picker offers people of the lead institutions only.
    assert picker.locator("option", has_text="Diego Ramírez Solís").count() == 0

    # A start before UNAM led the group: refused, the message next to the date.
    picker.select_option(option)
    coordinator.get_by_label("Preside desde").fill("2019-01-01")
    coordinator.get_by_role("button", name="Nombrar", exact=True).click()
    since = coordinator.get_by_label("Preside desde")
    expect(since).to_have_attribute("aria-invalid", "true")
    expect(coordinator.locator("#chair-since-errors")).to_contain_text(
        "La presidencia no puede empezar antes de que su institución liderara el grupo"
    )
    shoot(coordinator, "chairs-01-refused-next-to-the-field")

    coordinator.get_by_label("Persona", exact=True).select_option(option)
    coordinator.get_by_label("Preside desde").fill(coalition_today().isoformat())
    coordinator.get_by_role("button", name="Nombrar", exact=True).click()
    expect(coordinator.get_by_text(f"{JORGE} preside ahora el grupo.")).to_be_visible()
    history = coordinator.locator(
        "section", has=coordinator.get_by_role("heading", name="Quienes presiden y su historial")
    )
    row = history.locator("tr", has_text=JORGE)
    expect(row).to_have_count(1)
    expect(history.locator("tr", has_text="Mariana Castañeda Ruiz")).to_have_count(1)
    shoot(coordinator, "chairs-02-co-chair-named")

    jorge.goto("/groups/etica")
    expect(jorge.get_by_role("link", name="Nuevo entregable")).to_be_visible()
    leads = jorge.locator("section", has=jorge.get_by_role("heading", name="Quienes presiden"))
    expect(leads).to_contain_text(JORGE)
    expect(leads).to_contain_text("Mariana Castañeda Ruiz")
    shoot(jorge, "chairs-03-co-chair-manages")

    row.get_by_label("Preside hasta").fill(coalition_today().isoformat())
    row.get_by_role("button", name="Terminar la presidencia").click()
    expect(coordinator.get_by_text(f"La presidencia de {JORGE} termina.")).to_be_visible()
    shoot(coordinator, "chairs-04-chairship-ended")

    jorge.goto("/groups/etica")
    expect(jorge.get_by_role("link", name="Nuevo entregable")).to_have_count(0)
    expect(jorge.get_by_role("heading", name="Presidencias anteriores")).to_be_visible()
    shoot(jorge, "chairs-05-history-on-the-group-page")
    context.close()
    jorge_context.close()
