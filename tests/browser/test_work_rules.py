"""Issue 13's work rules in a real browser: the member finishes the only task, the deliverable
goes to review by itself, the chair finds it in "My work" and in the inbox, and sends it back
reopening the task."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PageWatcher, sign_in
from tests.helpers import coalition_today

pytestmark = pytest.mark.browser


def test_finishing_the_last_task_puts_the_deliverable_before_the_chair(browser, live_server, shoot):
    title = "Protocolo de revisión de algoritmos públicos"
    task_title = "Compilar los casos de estudio"
    due = (coalition_today() + timedelta(days=30)).isoformat()

    chair_context = browser.new_context(base_url=live_server, locale="es-MX")
    chair = chair_context.new_page()
    watcher = PageWatcher(chair)
    sign_in(chair, "chair@example.org")
    chair.goto("/groups/etica/deliverables/new")
    chair.get_by_label("Título").fill(title)
    chair.get_by_label("Fecha límite").fill(due)
    chair.get_by_role("button", name="Guardar").click()
    chair.wait_for_url(re.compile(r"/deliverables/\d+$"))
    deliverable_url = chair.url
    chair.get_by_role("link", name="Agregar una tarea").click()
    chair.get_by_label("Título").fill(task_title)
    assignee = chair.get_by_label("Responsable")
    option = assignee.locator("option", has_text="INAOE").first.get_attribute("value")
    assignee.select_option(option)
    chair.get_by_label("Fecha límite").fill(due)
    chair.get_by_role("button", name="Guardar").click()
    chair.wait_for_url(re.compile(r"/deliverables/\d+"))

    member_context = browser.new_context(base_url=live_server, locale="es-MX")
    member = member_context.new_page()
    sign_in(member, "member@example.org")
    member.goto(deliverable_url)
    # Members record progress on their tasks; the deliverable's percent is not theirs to set.
    expect(member.get_by_label("Avance (%)")).to_have_count(0)
    member.get_by_role("link", name=task_title).first.click()
    member.wait_for_url(re.compile(r"/tasks/\d+"))
    member.wait_for_load_state("load")  # done-percent.js is deferred: wait for it on a busy machine
    member.get_by_label("Situación").select_option("done")
    expect(member.get_by_label("Avance (%)")).to_have_value("100")
    member.get_by_label("Qué se hizo").fill("Doce casos compilados")
    shoot(member, "rules-01-member-finishes-the-task")
    member.get_by_role("button", name="Guardar avance").click()
    expect(member.get_by_text("Avance registrado.")).to_be_visible()

    chair.goto("/my-work")
    review = chair.locator("section", has=chair.get_by_role("heading", name="Esperan su revisión"))
    expect(review.get_by_role("link", name=title)).to_be_visible()
    shoot(chair, "rules-02-chair-my-work-waiting-for-review")
    chair.goto("/inbox")
    expect(chair.get_by_text(f"terminó la tarea “{task_title}”").first).to_be_visible()
    expect(chair.get_by_text(f"Todas las tareas de “{title}” están hechas").first).to_be_visible()

    chair.goto(deliverable_url)
    expect(chair.get_by_text("En revisión").first).to_be_visible()
    chair.get_by_label("Devolver para más trabajo").check()
    chair.get_by_label("Comentario").fill("Faltan los casos del sector salud.")
    chair.locator("input[name=reopen]").first.check()
    shoot(chair, "rules-03-chair-sends-back-reopening-the-task")
    chair.get_by_role("button", name="Registrar la revisión").click()
    expect(chair.get_by_text("Revisión registrada.")).to_be_visible()
    tasks = chair.locator("section", has=chair.get_by_role("heading", name="Tareas", exact=True))
    expect(tasks.get_by_text("En curso")).to_be_visible()
    shoot(chair, "rules-04-task-reopened")
    assert watcher.errors == []
    chair_context.close()
    member_context.close()
