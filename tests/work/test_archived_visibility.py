"""Archived work does not leak through history and activity: whoever gets a 404 on an
archived task (or deliverable) does not read its notes and evidence links on the deliverable
page, in the group's activity or in the weekly digest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coalition_app import policy
from coalition_app.core import clock
from coalition_app.notifications.service import build_digest
from coalition_app.work import queries as work_queries
from models import Deliverable, ProgressUpdate, WorkingGroup, WorkStatus, utcnow
from tests.helpers import sign_in

NOTE = "Nota del borrador archivado"
EVIDENCE = "https://evidencia.example.org/archivado"
LIVE_NOTE = "Nota de la tarea viva"


def _client(app, world, role):
    client = app.test_client()
    assert sign_in(client, world["people"][role].email).status_code == 302
    return client


@pytest.fixture
def archived_task(app, world):
    """The colleague records a note and an evidence link on their task; the member one on
    theirs; then the chair archives the colleague's task."""
    colleague = _client(app, world, "colleague")
    other = world["other_task"]
    response = colleague.post(
        f"/tasks/{other.id}/progress",
        data={"status": "in_progress", "note": NOTE, "evidence_url": EVIDENCE, "version": "1"},
    )
    assert response.status_code == 302
    member = _client(app, world, "member")
    own = world["own_task"]
    response = member.post(
        f"/tasks/{own.id}/progress",
        data={"status": "in_progress", "note": LIVE_NOTE, "version": "1"},
    )
    assert response.status_code == 302
    chair = _client(app, world, "chair")
    assert chair.post(f"/tasks/{other.id}/archive").status_code == 302
    return other


def test_a_member_sees_neither_the_task_nor_its_notes(app, world, archived_task):
    member = _client(app, world, "member")
    assert member.get(f"/tasks/{archived_task.id}").status_code == 404
    deliverable = member.get(f"/deliverables/{world['deliverable'].id}")
    assert deliverable.status_code == 200
    html = deliverable.get_data(as_text=True)
    assert LIVE_NOTE in html  # the history is still there
    assert NOTE not in html and EVIDENCE not in html and "Revisión" not in html
    group = member.get("/groups/grupo-a").get_data(as_text=True)
    assert LIVE_NOTE in group
    assert NOTE not in group and EVIDENCE not in group


def test_its_managers_still_read_its_history_on_the_deliverable(app, world, archived_task):
    chair = _client(app, world, "chair")
    assert chair.get(f"/tasks/{archived_task.id}").status_code == 200
    html = chair.get(f"/deliverables/{world['deliverable'].id}").get_data(as_text=True)
    assert NOTE in html and EVIDENCE in html


def test_the_groups_shared_activity_leaves_archived_work_out_for_everyone(
    app, world, archived_task
):
    """The activity is cached once for every viewer: rendered for the chair first, it must
    not hand the member what only the chair may see (nor show it to the chair there)."""
    chair = _client(app, world, "chair")
    assert NOTE not in chair.get("/groups/grupo-a").get_data(as_text=True)
    member = _client(app, world, "member")
    assert NOTE not in member.get("/groups/grupo-a").get_data(as_text=True)


def test_an_archived_deliverables_updates_leave_the_activity_too(app, db_session, world):
    chair = _client(app, world, "chair")
    deliverable = world["deliverable"]
    response = chair.post(
        f"/deliverables/{deliverable.id}/progress",
        data={"status": "in_progress", "note": "Nota del entregable", "version": "1"},
    )
    assert response.status_code == 302
    assert "Nota del entregable" in chair.get("/groups/grupo-a").get_data(as_text=True)
    assert chair.post(f"/deliverables/{deliverable.id}/archive").status_code == 302
    member = _client(app, world, "member")
    assert member.get(f"/deliverables/{deliverable.id}").status_code == 404
    group = member.get("/groups/grupo-a").get_data(as_text=True)
    assert "Nota del entregable" not in group and LIVE_NOTE not in group


def test_the_digest_leaves_archived_work_out(app, db_session, world, archived_task):
    with app.test_request_context():
        group = db_session.get(WorkingGroup, world["group_a"].id)
        digest = build_digest(group, clock.today(), utcnow() + timedelta(minutes=1))
        notes = [update.note for update in digest["moved"]]
    assert LIVE_NOTE in notes
    assert NOTE not in notes


def test_the_shared_rule_is_the_policys_rule_for_someone_who_does_not_manage(
    app, db_session, world, archived_task
):
    """`live_updates` (SQL, for what every viewer shares) and `history` (the policy, per
    person) agree with `policy.can` for a plain member, on every update there is."""
    with app.test_request_context():
        member = db_session.get(type(world["people"]["member"]), world["people"]["member"].id)
        deliverable = db_session.get(Deliverable, world["deliverable"].id)
        shared = set(
            db_session.scalars(
                work_queries.live_updates([deliverable.id]).with_only_columns(ProgressUpdate.id)
            )
        )
        history = {u.id for u in work_queries.history(deliverable, member)}
        for update in db_session.scalars(select(ProgressUpdate)):
            if update.task is not None:
                allowed = policy.can(member, "view_task", update.task)
            else:
                allowed = policy.can(member, "view_deliverable", update.deliverable)
            assert (update.id in shared) == allowed, update.changes
            assert (update.id in history) == allowed, update.changes
        assert deliverable.status == WorkStatus.IN_PROGRESS
