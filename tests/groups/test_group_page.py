"""The group page's shared part: its deliverables with their task counts, the open tasks
and the activity (rows of what it shows, not objects)."""

from __future__ import annotations

import re

from models import Deliverable, ProgressUpdate, Role, Task, WorkStatus, utcnow


def _section(html: str, heading: str) -> str:
    found = re.search(rf'aria-labelledby="{heading}">(.*?)</section>', html, re.S)
    assert found is not None
    return found.group(1)


def test_tasks_counts_and_activity_show_what_each_row_needs(
    client, db_session, login_as, make_group, make_institution
):
    me = login_as(Role.COORDINATOR, full_name="Ana Coordinadora")
    group = make_group(members=[me.institution])
    report = Deliverable(group_id=group.id, title="Informe <final>")
    shelved = Deliverable(group_id=group.id, title="Archivado", archived_at=utcnow())
    db_session.add_all([report, shelved])
    db_session.flush()
    mine = Task(deliverable_id=report.id, title="Redactar", assignee_id=me.id)
    loose = Task(deliverable_id=report.id, title="Revisar")
    done = Task(deliverable_id=report.id, title="Hecha", status=WorkStatus.DONE)
    old = Task(deliverable_id=report.id, title="Vieja", archived_at=utcnow())
    hidden = Task(deliverable_id=shelved.id, title="Oculta")
    db_session.add_all([mine, loose, done, old, hidden])
    db_session.flush()
    db_session.add_all(
        [
            ProgressUpdate(task_id=mine.id, author_id=me.id, note="Avancé"),
            ProgressUpdate(deliverable_id=report.id, note="Sin autor"),
            ProgressUpdate(task_id=hidden.id, author_id=me.id, note="No se ve"),
        ]
    )
    db_session.commit()
    html = client.get(f"/groups/{group.slug}?lang=es").get_data(as_text=True)

    deliverables = _section(html, "deliverables-heading")
    assert "Informe &lt;final&gt;" in deliverables and "Archivado" not in deliverables
    assert "3 tareas" in deliverables  # the archived task is not counted; the done one is

    tasks = _section(html, "tasks-heading")
    assert re.findall(r'<a href="/tasks/\d+">([^<]*)</a>', tasks) == ["Redactar", "Revisar"]
    assert ">Ana Coordinadora</td>" in tasks and ">sin asignar</td>" in tasks

    activity = _section(html, "activity-heading")
    assert "No se ve" not in activity  # nothing of an archived deliverable
    assert (
        f'<span class="fw-semibold">Ana Coordinadora</span>\n              actualizó la tarea '
        f'<a href="/tasks/{mine.id}">Redactar</a>'
    ) in activity
    assert (
        f'<span class="fw-semibold">alguien</span>\n              actualizó el entregable '
        f'<a href="/deliverables/{report.id}">Informe &lt;final&gt;</a>'
    ) in activity
