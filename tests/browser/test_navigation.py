"""The layout's menu button, "More" drop-down and flash messages' close button, driven by
js/nav.js instead of Bootstrap's script (issue 17), in a real headless Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

SHOWN = re.compile(r"(^|\s)show(\s|$)")


def test_the_layout_loads_no_bootstrap_script(page):
    sign_in(page, "member@example.org")
    scripts = page.eval_on_selector_all("script[src]", "all => all.map(s => s.src)")
    assert any("/js/nav.js" in src for src in scripts)
    assert not any("bootstrap" in src for src in scripts)


def test_the_more_drop_down_opens_closes_and_is_keyboard_usable(page):
    sign_in(page, "coordinator@example.org")
    page.set_viewport_size({"width": 1366, "height": 800})
    more = page.get_by_role("button", name="Más")
    growth = page.get_by_role("link", name="Crecimiento")
    expect(growth).to_be_hidden()
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(growth).to_be_visible()
    # Anchored under its button at the bar's right edge, inside the window.
    box = page.locator("header .dropdown-menu").bounding_box()
    button = more.bounding_box()
    assert box["y"] >= button["y"] + button["height"] - 1
    assert box["x"] + box["width"] <= 1366
    page.keyboard.press("Escape")
    expect(growth).to_be_hidden()
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_be_focused()
    # Opened from the keyboard, the arrows move through its items.
    page.keyboard.press("Enter")
    expect(growth).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(growth).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("link", name="Consultas")).to_be_focused()
    # A click elsewhere closes it.
    page.locator("main h1").first.click()
    expect(growth).to_be_hidden()
    more.click()
    growth.click()
    page.wait_for_url("**/growth")
    assert page.watcher.errors == []


def test_the_collapsed_menu_opens_and_closes_on_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 800})
    sign_in(page, "member@example.org")
    toggle = page.get_by_role("button", name="Mostrar menú")
    menu = page.locator("#main-nav")
    expect(menu).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(menu).to_have_class(SHOWN)
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#profile-link")).to_be_visible()
    toggle.click()
    expect(menu).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")


def test_a_flashed_message_closes(page):
    sign_in(page, "member@example.org")  # the welcome message is flashed on the home page
    alert = page.locator(".flash-messages .alert").first
    expect(alert).to_be_visible()
    alert.get_by_role("button", name="Cerrar").click()
    expect(alert).to_have_count(0)
