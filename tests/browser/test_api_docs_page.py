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
