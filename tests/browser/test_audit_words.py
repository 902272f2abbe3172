"""Issue 13: the audit trail reads as sentences with links, and a browser that asks for English
(with no choice made) gets English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_the_audit_trail_reads_as_sentences_with_links(page, shoot):
    sign_in(page, "coordinator@example.org")
    page.goto("/audit/?action=sign_in")
    first = page.locator("td.audit-sentence").first
    expect(first).to_contain_text("inició sesión")
    person = first.get_by_role("link")
    expect(person).to_have_text("Regina Salas Montoya")
    shoot(page, "13-audit-es")
    person.click()
    expect(page.locator("tr[id^=person-]:target")).to_contain_text("Regina Salas Montoya")
    assert page.watcher.errors == []


def test_an_english_browser_gets_english_until_a_choice_is_made(browser, live_server, shoot):
    context = browser.new_context(base_url=live_server, locale="en-US")
    page = context.new_page()
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    shoot(page, "13-login-english-browser")
    page.get_by_role("button", name="Español", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.goto("/login")
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()
    context.close()
