"""Issue 12 in a real browser: a pasted long note is counted and refused, never cut; an edit
conflict shows, field by field, what the other person saved and what you typed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.browser.test_accessibility import axe_violations, describe

pytestmark = pytest.mark.browser

LONG_NOTE = ("Avance detallado de la semana. " * 400)[:10_000]


def _expected_4xx(page, status: int) -> list[str]:
    # Chromium logs a 4xx answer as a console error: the test asserts that answer itself.
    expected = f"console: Failed to load resource: the server responded with a status of {status}"
    return [e for e in page.watcher.errors if not e.startswith(expected)]


def test_a_pasted_10000_character_note_is_counted_refused_and_kept(page, shoot):
    sign_in(page, "member@example.org")
    page.goto("/groups/etica")
    deliverables = page.locator("section", has=page.get_by_role("heading", name="Entregables"))
    deliverables.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/deliverables/\d+$"))

    note = page.get_by_label("Qué se hizo")
    limit = page.locator("#note-limit")
    expect(limit).to_contain_text("Hasta 5.000 caracteres.")  # said before typing
    assert note.get_attribute("maxlength") is None

    note.focus()
    page.keyboard.insert_text(LONG_NOTE)  # as a paste: the browser keeps every character
    assert len(note.input_value()) == 10_000
    expect(limit).to_contain_text("10.000 de 5.000 caracteres: sobran 5.000.")
    expect(limit).to_have_class(re.compile(r"text-danger"))
    expect(note).to_have_class(re.compile(r"is-invalid"))
    shoot(page, "limits-01-over-the-limit")

    page.get_by_role("button", name="Guardar avance").click()
    errors = page.locator("#note-errors")
    expect(errors).to_contain_text("Como máximo 5.000 caracteres: este texto tiene 10.000.")
    assert page.get_by_label("Qué se hizo").input_value() == LONG_NOTE  # nothing lost
    expect(page.locator("#note-limit")).to_contain_text("sobran 5.000")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    shoot(page, "limits-02-refused-and-kept")

    shorter = LONG_NOTE[:4_999]
    page.get_by_label("Qué se hizo").fill(shorter)
    expect(page.locator("#note-limit")).to_contain_text("4.999 de 5.000 caracteres.")
    expect(page.locator("#note-limit")).not_to_have_class(re.compile(r"text-danger"))
    assert _expected_4xx(page, 400) == []


def test_an_edit_conflict_is_shown_field_by_field_and_merged(browser, live_server, shoot):
    chair_context = browser.new_context(base_url=live_server, locale="es-MX")
    coordinator_context = browser.new_context(base_url=live_server, locale="es-MX")
    chair, coordinator = chair_context.new_page(), coordinator_context.new_page()
    sign_in(chair, "chair@example.org")
    sign_in(coordinator, "coordinator@example.org")

    chair.goto("/groups/etica/deliverables/new")
    chair.get_by_label("Título").fill("Entregable para el conflicto")
    chair.get_by_role("button", name="Guardar").click()
    chair.wait_for_url(re.compile(r"/deliverables/\d+$"))
    edit = chair.url + "/edit"

    chair.goto(edit)
    coordinator.goto(edit)
    coordinator.get_by_label("Título").fill("Título de la coordinación")
    coordinator.get_by_role("button", name="Guardar").click()
    expect(coordinator.get_by_text("Entregable guardado.")).to_be_visible()

    chair.get_by_label("Descripción").fill("Descripción de la presidencia")
    chair.get_by_role("button", name="Guardar").click()
    conflict = chair.locator("#conflict")
    expect(conflict).to_contain_text("No se guardó")
    expect(chair.locator("#merge-title")).to_contain_text("Título de la coordinación")
    expect(chair.locator("#merge-description")).to_contain_text("Descripción de la presidencia")
    expect(chair.get_by_label("Título")).to_have_value("Título de la coordinación")
    violations = axe_violations(chair)
    assert not violations, describe(violations)
    shoot(chair, "conflict-01-merged")

    chair.get_by_role("button", name="Guardar").click()
    expect(chair.get_by_text("Entregable guardado.")).to_be_visible()
    expect(chair.get_by_role("heading", name="Título de la coordinación")).to_be_visible()
    expect(chair.locator("p.lead-sm")).to_have_text("Descripción de la presidencia")
    chair_context.close()
    coordinator_context.close()
