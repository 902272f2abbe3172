"""From the tokens page to the API documentation, in a real headless Chromium."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_the_tokens_page_leads_to_the_readable_api_documentation(page, shoot):
    sign_in(page, "member@example.org")
    page.goto("/account/tokens")
    page.get_by_role("link", name="Documentación de la API").click()
    page.wait_for_url("**/docs/api")
    expect(page.get_by_role("heading", name="Documentación de la API", level=1)).to_be_visible()
    page.get_by_role("link", name="GET /api/v1/network").click()
    card = page.locator("#api_network_get")
    expect(card).to_be_in_viewport()
    expect(card).to_contain_text("un token o la sesión")
    card.get_by_role("link", name="Network", exact=True).first.click()
    expect(page.locator("#schema-Network")).to_be_in_viewport()
    shoot(page, "api-docs")
    assert page.watcher.errors == []


def test_the_api_documentation_keeps_its_tables_closed_until_a_link_or_an_address_opens_them(
    page,
):
    # Issue 17: the tables (7,000 elements) sit behind a disclosure per card, so a phone lays
    # out the headings only; whatever leads to a card opens it.
    page.goto("/docs/api")
    fields = page.get_by_role("table", name="Campos de Network")
    expect(fields).to_be_hidden()
    expect(page.locator("details.api-details[open]")).to_have_count(0)
    # Opened by hand.
    card = page.locator("#api_network_get")
    card.get_by_text("Parámetros y respuestas").click()
    expect(card.get_by_role("table", name="Respuestas de GET /api/v1/network")).to_be_visible()
    # An address with a schema's anchor opens that schema's fields.
    page.goto("/docs/api#schema-Network")
    expect(fields).to_be_visible()
    expect(page.locator("#schema-Network")).to_be_in_viewport()
    # Closed again, then a link to the anchor the address already has opens it again.
    page.locator("#schema-Network summary").click()
    expect(fields).to_be_hidden()
    card.get_by_role("link", name="Network", exact=True).first.click()
    expect(fields).to_be_visible()
    assert page.watcher.errors == []
