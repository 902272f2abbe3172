"""Issue 14 in a real browser, at 390 px: the comment form says its limits, the picker writes
"@Name" into the comment, the comment appears with its mention linked, and the page passes
axe and fits the phone's width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser


def test_a_comment_with_a_mention_from_the_picker_at_390_px(page, shoot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "member@example.org")
    page.goto("/groups/etica")
    page.locator("main a[href^='/deliverables/']").first.click()
    page.wait_for_url(re.compile(r"/deliverables/\d+$"))

    thread = page.locator("#comments")
    body = thread.get_by_label("Su mensaje", exact=True)
    expect(thread.locator("#body-limit")).to_contain_text("Hasta 5.000 caracteres.")
    expect(thread).to_contain_text("Puede editar su comentario durante 15 minutos")
    body.fill("Propongo revisar la sección 2 con")
    picker = thread.get_by_label("Mencionar a alguien")
    name = thread.locator("datalist option").first.get_attribute("value")
    picker.fill(name)
    picker.press("Enter")  # chooses; never sends the comment half-written
    expect(body).to_have_value(f"Propongo revisar la sección 2 con @{name} ")
    expect(picker).to_have_value("")
    body.press("End")
    page.keyboard.type("**pronto**.")
    shoot(page, "comments-01-form-390")

    thread.get_by_role("button", name="Enviar el comentario").click()
    page.wait_for_url(re.compile(r"/deliverables/\d+#comment-\d+$"))
    comment = page.locator("#comments li.comment").last
    expect(comment.locator("a.mention")).to_have_text(f"@{name}")
    expect(comment.locator("strong", has_text="pronto")).to_be_visible()
    expect(comment.get_by_text("Editar")).to_be_visible()  # within the window
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    violations = axe_violations(page)
    assert not violations, describe(violations)
    shoot(page, "comments-02-posted-390")
    page.locator("#comments").screenshot(path=str(SCREENSHOTS / "comments-02-thread-390.png"))
    page.locator("#files").screenshot(path=str(SCREENSHOTS / "comments-02-files-390.png"))
    page.set_viewport_size({"width": 1366, "height": 900})
    shoot(page, "comments-03-posted-1366")
    page.locator("#comments").screenshot(path=str(SCREENSHOTS / "comments-03-thread-1366.png"))
