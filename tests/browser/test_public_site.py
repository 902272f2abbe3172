"""Issue 15 in a browser: a visitor walks the public site, switches to English with the
footer's link and filters the directory, and the browser holds no cookie afterwards; the
English pages pass axe-core too (the Spanish ones are in test_accessibility.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser


def test_a_visitor_reads_the_public_site_in_english_without_a_cookie(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="es-MX")
    page = context.new_page()
    try:
        page.goto("/coalicion")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert not (violations := axe_violations(page)), describe(violations)
        page.get_by_role("navigation", name="Public site").get_by_role(
            "link", name="Members"
        ).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_label("Sector").select_option("academia")
        page.get_by_role("button", name="Search").click()
        expect(page).to_have_url(f"{live_server}/miembros?lang=en&q=&sector=academia&state=")
        expect(page.get_by_role("status")).to_contain_text("institution")
        assert not (violations := axe_violations(page)), describe(violations)
        page.get_by_role("link", name="Events").first.click()
        page.locator("main a[href^='/eventos/']").first.click()
        expect(page.get_by_text("Organised by")).to_be_visible()
        assert not (violations := axe_violations(page)), describe(violations)
        assert context.cookies() == []
    finally:
        context.close()
