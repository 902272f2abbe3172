"""Issue 16 in a real browser at a phone's width: a participant joins the demo consultation
without an account and votes one statement at a time; with JavaScript the page's script
draws each next card from the queue it holds (asking for a batch when few are left) and
posts each vote to the lean endpoint; without it the form posts and the page comes back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PageWatcher
from tests.browser.test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser

SLUG = "/consulta/consulta-nacional-ia2030"


def _join(browser, live_server, **options):
    context = browser.new_context(
        base_url=live_server, locale="es-MX", viewport={"width": 390, "height": 844}, **options
    )
    page = context.new_page()
    page.watcher = PageWatcher(page)
    page.goto(SLUG)
    page.get_by_label("He leído el aviso de privacidad").check()
    page.get_by_role("button", name="Empezar").click()
    return context, page


def test_a_participant_votes_on_a_phone_without_reloading(browser, live_server, shoot):
    context, page = _join(browser, live_server)
    votes, batches = [], []
    page.on("response", lambda r: r.url.endswith("/voto") and votes.append(r.status))
    page.on("response", lambda r: "/siguientes" in r.url and batches.append(r.status))
    progress = page.locator("#vote-progress")
    expect(progress).to_have_text("0 de 60")
    agree = page.get_by_role("button", name="De acuerdo")
    page.wait_for_load_state("load")  # styles and the deferred script, on a busy machine too
    box = agree.bounding_box()
    assert box is not None and box["height"] >= 48  # a big touch target
    page.evaluate("() => { window.notReloaded = true; }")
    # Past the page's ten cards: the script asks for the next batch on the way.
    seen = []
    buttons = ["De acuerdo", "En desacuerdo", "Paso"]
    for i in range(14):
        text = page.locator("#statement-text").inner_text()
        assert text not in seen
        seen.append(text)
        page.get_by_role("button", name=buttons[i % 3]).click()
        expect(progress).to_have_text(f"{i + 1} de 60")
        expect(page.locator(".progress-bar")).to_have_class(
            re.compile(rf"w-pct-{round((i + 1) * 100 / 60)}\b")
        )
    assert page.evaluate("() => window.notReloaded === true")
    page.wait_for_function("() => document.activeElement.id === 'statement-text'")
    assert page.locator("#statement-text").inner_text() not in seen
    for _ in range(100):  # the last answers, on a busy machine too
        if len(votes) == 14 and len(batches) == 2:
            break
        page.wait_for_timeout(100)
    # A batch each time three cards are left (after the 7th and the 14th vote).
    assert votes == [204] * 14 and batches == [200, 200]
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    shoot(page, "consultation-vote-390")
    # Every vote reached the database: the page drawn by the server agrees.
    page.reload()
    expect(progress).to_have_text("14 de 60")
    assert page.locator("#statement-text").inner_text() not in seen
    assert not page.watcher.errors, page.watcher.errors
    context.close()


def test_without_javascript_the_form_posts_and_the_page_comes_back(browser, live_server):
    context, page = _join(browser, live_server, java_script_enabled=False)
    progress = page.locator("#vote-progress")
    expect(progress).to_have_text("0 de 60")
    first = page.locator("#statement-text").inner_text()
    page.get_by_role("button", name="En desacuerdo").click()
    expect(progress).to_have_text("1 de 60")
    assert page.locator("#statement-text").inner_text() != first
    page.get_by_role("button", name="Paso").click()
    expect(progress).to_have_text("2 de 60")
    context.close()
