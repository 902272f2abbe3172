"""The group membership form's institution picker at a phone's and a laptop's width: a text
field with suggestions that passes axe, works from the keyboard alone, and says what it
means when the text names no institution (issue 13)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PageWatcher, sign_in
from tests.browser.test_accessibility import axe_violations, describe, is_focused, tab_to

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1366])
def test_the_institution_picker_passes_axe_and_works_from_the_keyboard(
    browser, live_server, shoot, width
):
    context = browser.new_context(
        base_url=live_server, locale="es-MX", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.watcher = PageWatcher(page)
    sign_in(page, "coordinator@example.org")
    # The last group: the other browser tests work in "etica".
    slug = (
        page.goto("/groups/")
        and page.locator("main a[href^='/groups/']")
        .last.get_attribute("href")
        .strip("/")
        .split("/")[-1]
    )
    page.goto(f"/groups/{slug}/members")
    picker = page.get_by_label("Institución", exact=True)
    expect(picker).to_have_attribute("list", "institution-options")
    options = page.locator("#institution-options option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert len(options) > 50  # the seeded coalition: a long list, searchable, not a menu
    listed = page.locator("main table").first.inner_text()
    newcomer = next(name for name in options if name not in listed)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    violations = axe_violations(page)
    assert not violations, f"axe on the members page at {width}px:\n{describe(violations)}"
    shoot(page, f"13-membership-picker-{width}")

    # A part of a name is not a choice: the answer names the institutions it could mean.
    tab_to(page, picker)
    page.keyboard.type(newcomer[:-3])
    page.keyboard.press("Enter")
    errors = page.locator("#institution-errors")
    expect(errors).to_contain_text("¿Quiso decir:")
    expect(picker).to_have_attribute("aria-invalid", "true")
    violations = axe_violations(page)
    assert not violations, f"axe on the picker's error at {width}px:\n{describe(violations)}"
    shoot(page, f"13-membership-picker-error-{width}")

    # From the keyboard alone: the name, the role (Member is first), today's date, Save.
    picker = page.get_by_label("Institución", exact=True)
    tab_to(page, picker)
    page.keyboard.press("Control+a")
    page.keyboard.type(newcomer)
    page.keyboard.press("Tab")
    assert is_focused(page.get_by_label("Rol", exact=True))
    page.keyboard.press("Tab")
    assert is_focused(page.get_by_label("Desde", exact=True))
    save = page.locator("#membership-form").get_by_role("button", name="Guardar")
    tab_to(page, save)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Membresía guardada.")).to_be_visible()
    expect(
        page.locator("main table").first.get_by_role("cell", name=newcomer, exact=True)
    ).to_be_visible()
    shoot(page, f"13-membership-picker-saved-{width}")

    # Taken out again the same day: a same-day correction leaves the group as it was.
    page.get_by_label("Institución", exact=True).fill(newcomer)
    page.get_by_label("Rol", exact=True).select_option("none")
    page.locator("#membership-form").get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Membresía guardada.")).to_be_visible()
    expect(
        page.locator("main table").first.get_by_role("cell", name=newcomer, exact=True)
    ).to_have_count(0)
    # The refused attempt answered 400, which Chromium logs; nothing else went wrong.
    refused = "console: Failed to load resource: the server responded with a status of 400"
    assert [e for e in page.watcher.errors if not e.startswith(refused)] == []
    context.close()
