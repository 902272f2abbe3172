"""Issue 3's journey in a real browser: the chair plans and assigns, the member reports."""

import re
from datetime import timedelta

import pytest

from tests.browser.helpers import sign_in
from tests.helpers import coalition_today

pytestmark = pytest.mark.browser


def test_chair_assigns_member_reports_chair_sees_it_in_the_feed(browser, live_server, shoot):
    title = "Guía de uso responsable de IA generativa"
    due = (coalition_today() + timedelta(days=21)).isoformat()

    chair_context = browser.new_context(base_url=live_server, locale="es-MX")
    chair = chair_context.new_page()
    sign_in(chair, "chair@example.org")
    chair.goto("/groups/etica")
    chair.get_by_role("link", name="Nuevo entregable").click()
    chair.get_by_label("Título").fill(title)
    chair.get_by_label("Descripción").fill("Recomendaciones para el sector público.")
    chair.get_by_label("Fecha límite").fill(due)
    chair.get_by_role("button", name="Guardar").click()
    chair.wait_for_url(re.compile(r"/deliverables/\d+$"))
    shoot(chair, "work-01-deliverable-created")

    chair.get_by_role("link", name="Agregar una tarea").click()
    chair.get_by_label("Título").fill("Redactar el primer borrador")
    assignee = chair.get_by_label("Responsable")
    option = assignee.locator("option", has_text="INAOE").first.get_attribute("value")
    assignee.select_option(option)
    chair.get_by_label("Fecha límite").fill(due)
    chair.get_by_role("button", name="Guardar").click()
    chair.wait_for_url(re.compile(r"/deliverables/\d+"))
    tasks = chair.locator("section", has=chair.get_by_role("heading", name="Tareas", exact=True))
    assert tasks.get_by_role("link", name="Redactar el primer borrador").is_visible()
    shoot(chair, "work-02-task-assigned")

    member_context = browser.new_context(base_url=live_server, locale="es-MX")
    member = member_context.new_page()
    sign_in(member, "member@example.org")
    assert member.locator("#unread-count").is_visible()
    member.get_by_role("link", name="Mi trabajo").click()
    shoot(member, "work-03-my-work")
    member.get_by_role("link", name="Redactar el primer borrador").click()
    member.get_by_label("Situación").select_option("in_progress")
    member.get_by_label("Avance (%)").fill("50")
    member.get_by_label("Qué se hizo").fill("Borrador de la sección de principios")
    member.get_by_role("button", name="Guardar avance").click()
    assert member.get_by_text("Avance registrado.").is_visible()
    shoot(member, "work-04-member-progress")

    chair.goto("/groups/etica")
    feed = chair.locator("section", has=chair.get_by_role("heading", name="Actividad"))
    assert feed.get_by_text("Borrador de la sección de principios").is_visible()
    assert feed.get_by_text("Avance: 0% → 50%").first.is_visible()
    shoot(chair, "work-05-chair-sees-feed")
    chair_context.close()
    member_context.close()
