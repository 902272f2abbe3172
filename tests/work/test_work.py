"""Working groups at work: the permission matrix, the workflow, history, conflicts, archive."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import (
    Deliverable,
    GroupChair,
    GroupMembership,
    GroupRole,
    Notification,
    NotificationKind,
    ProgressMode,
    ProgressUpdate,
    Task,
    WorkStatus,
)
from tests.helpers import sign_in


def _snapshot(db_session):
    """Everything a refused action must leave untouched."""
    db_session.expire_all()
    rows = []
    for model in (Deliverable, Task, ProgressUpdate, GroupMembership, GroupChair, Notification):
        for obj in db_session.scalars(select(model).order_by(model.id)):
            rows.append(
                (model.__name__, tuple(getattr(obj, c.key) for c in model.__table__.columns))
            )
    return rows


ACTIONS = {
    "view group": lambda w: ("get", "/groups/grupo-a", None),
    "create deliverable": lambda w: (
        "post",
        "/groups/grupo-a/deliverables/new",
        {"title": "Nuevo", "progress_mode": "derived"},
    ),
    "edit deliverable": lambda w: (
        "post",
        f"/deliverables/{w['deliverable'].id}/edit",
        {"title": "Renombrado", "progress_mode": "derived", "version": "1"},
    ),
    "assign task": lambda w: (
        "post",
        f"/deliverables/{w['deliverable'].id}/tasks/new",
        {"title": "Tarea", "assignee_id": str(w["people"]["member"].id)},
    ),
    "update own task": lambda w: (
        "post",
        f"/tasks/{w['own_task'].id}/progress",
        {"status": "in_progress", "progress": "30", "version": "1"},
    ),
    "update someone else's task": lambda w: (
        "post",
        f"/tasks/{w['other_task'].id}/progress",
        {"status": "in_progress", "progress": "30", "version": "1"},
    ),
    "submit deliverable for review": lambda w: (
        "post",
        f"/deliverables/{w['deliverable'].id}/progress",
        {"status": "in_review", "note": "listo", "version": "1"},
    ),
    "set deliverable percent": lambda w: (
        "post",
        f"/deliverables/{w['deliverable'].id}/progress",
        {"status": "in_progress", "progress": "95", "note": "a mano", "version": "1"},
    ),
    "set deliverable percent by API": lambda w: (
        "patch",
        f"/api/v1/deliverables/{w['deliverable'].id}",
        {"version": 1, "progress": 95, "note": "a mano"},
    ),
    "reopen deliverable to planned": lambda w: (
        "post",
        f"/deliverables/{w['deliverable'].id}/progress",
        {"status": "planned", "note": "replanear", "version": "1"},
    ),
    "archive deliverable": lambda w: ("post", f"/deliverables/{w['deliverable'].id}/archive", {}),
    "archive task": lambda w: ("post", f"/tasks/{w['own_task'].id}/archive", {}),
    "manage institutions": lambda w: (
        "post",
        "/groups/grupo-a/members",
        {"institution_id": str(w["member_a"].id), "role": "lead"},
    ),
    "name chair": lambda w: (
        "post",
        "/groups/grupo-a/chairs",
        {"person_id": str(w["people"]["lead_colleague"].id), "since": date.today().isoformat()},
    ),
    "end chair": lambda w: (
        "post",
        f"/groups/grupo-a/chairs/{w['chair_row'].id}/end",
        {f"end-{w['chair_row'].id}-until": date.today().isoformat()},
    ),
}

OK, FORBIDDEN, LOGIN = "ok", 403, "login"
# role → action → expected answer. "member" is a person of a member institution of group A
# (and assignee of "own task"); "other_member"/"other_chair" belong to group B; "chair" is the
# named chair of group A (tests/work/conftest.py).
MATRIX = {
    "anonymous": {**dict.fromkeys(ACTIONS, LOGIN), "set deliverable percent by API": 401},
    "member": {
        "view group": OK,
        "create deliverable": FORBIDDEN,
        "edit deliverable": FORBIDDEN,
        "assign task": FORBIDDEN,
        "update own task": OK,
        "update someone else's task": FORBIDDEN,
        "submit deliverable for review": OK,
        "set deliverable percent": FORBIDDEN,
        "set deliverable percent by API": FORBIDDEN,
        "reopen deliverable to planned": FORBIDDEN,
        "archive deliverable": FORBIDDEN,
        "archive task": FORBIDDEN,
        "manage institutions": FORBIDDEN,
        "name chair": FORBIDDEN,
        "end chair": FORBIDDEN,
    },
    "other_member": {
        "view group": OK,
        "create deliverable": FORBIDDEN,
        "edit deliverable": FORBIDDEN,
        "assign task": FORBIDDEN,
        "update own task": FORBIDDEN,
        "update someone else's task": FORBIDDEN,
        "submit deliverable for review": FORBIDDEN,
        "set deliverable percent": FORBIDDEN,
        "set deliverable percent by API": FORBIDDEN,
        "reopen deliverable to planned": FORBIDDEN,
        "archive deliverable": FORBIDDEN,
        "archive task": FORBIDDEN,
        "manage institutions": FORBIDDEN,
        "name chair": FORBIDDEN,
        "end chair": FORBIDDEN,
    },
    "chair": {
        "view group": OK,
        "create deliverable": OK,
        "edit deliverable": OK,
        "assign task": OK,
        "update own task": OK,
        "update someone else's task": OK,
        "submit deliverable for review": OK,
        "set deliverable percent": OK,
        "set deliverable percent by API": OK,
        "reopen deliverable to planned": OK,
        "archive deliverable": OK,
        "archive task": OK,
        "manage institutions": FORBIDDEN,
        "name chair": FORBIDDEN,
        "end chair": FORBIDDEN,
    },
    "other_chair": {
        "view group": OK,
        "create deliverable": FORBIDDEN,
        "edit deliverable": FORBIDDEN,
        "assign task": FORBIDDEN,
        "update own task": FORBIDDEN,
        "update someone else's task": FORBIDDEN,
        "submit deliverable for review": FORBIDDEN,
        "set deliverable percent": FORBIDDEN,
        "set deliverable percent by API": FORBIDDEN,
        "reopen deliverable to planned": FORBIDDEN,
        "archive deliverable": FORBIDDEN,
        "archive task": FORBIDDEN,
        "manage institutions": FORBIDDEN,
        "name chair": FORBIDDEN,
        "end chair": FORBIDDEN,
    },
    "coordinator": dict.fromkeys(ACTIONS, OK),
}
# A person of group A's lead institution who was never named chair, and one whose chairship
# ended yesterday, are plain members of the group: the institution's lead role alone makes
# nobody a chair (they have no task of their own).
MATRIX["lead_colleague"] = MATRIX["member"] | {"update own task": FORBIDDEN}
MATRIX["former_chair"] = MATRIX["lead_colleague"]
CASES = [
    (role, action, expected)
    for role, answers in MATRIX.items()
    for action, expected in answers.items()
]


@pytest.mark.parametrize("role, action, expected", CASES, ids=[f"{r}-{a}" for r, a, _ in CASES])
def test_permission_matrix(client, db_session, world, role, action, expected):
    if role != "anonymous":
        assert sign_in(client, world["people"][role].email).status_code == 302
    method, path, data = ACTIONS[action](world)
    before = _snapshot(db_session)
    if method == "patch":
        response = client.patch(path, json=data)
    else:
        response = client.get(path) if method == "get" else client.post(path, data=data)
    if expected == OK:
        # A page opens (200); a change is made and followed by a redirect (302), or by the
        # changed resource (an API PATCH).
        wanted = {"get": 200, "post": 302, "patch": 200}[method]
        assert response.status_code == wanted, response.get_data(as_text=True)[:2000]
        if method != "get":
            assert _snapshot(db_session) != before
    elif expected == LOGIN:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
        assert _snapshot(db_session) == before
    else:
        assert response.status_code == expected
        assert _snapshot(db_session) == before


def test_archived_work_is_not_found_for_those_who_cannot_restore_it(client, db_session, world):
    deliverable = db_session.get(Deliverable, world["deliverable"].id)
    deliverable.archived_at = deliverable.created_at
    db_session.commit()
    sign_in(client, world["people"]["member"].email)
    assert client.get(f"/deliverables/{deliverable.id}").status_code == 404
    assert client.get(f"/tasks/{world['own_task'].id}").status_code == 404
    assert (
        client.post(
            f"/tasks/{world['own_task'].id}/progress",
            data={"status": "in_progress", "version": "1"},
        ).status_code
        == 404
    )


def test_unknown_ids_are_404_not_500(client, world):
    sign_in(client, world["people"]["chair"].email)
    for path in ("/deliverables/999999", "/tasks/999999", "/deliverables/999999/edit"):
        assert client.get(path).status_code == 404
    assert client.post("/tasks/999999/progress", data={}).status_code == 404


def test_member_records_progress_and_it_shows_in_the_feed(client, db_session, world):
    sign_in(client, world["people"]["member"].email)
    response = client.post(
        f"/tasks/{world['own_task'].id}/progress",
        data={
            "status": "in_progress",
            "progress": "50",
            "note": "Primer borrador listo",
            "evidence_url": "https://example.org/borrador",
            "version": "1",
        },
    )
    assert response.status_code == 302
    feed = client.get("/groups/grupo-a").get_data(as_text=True)
    assert "Primer borrador listo" in feed and "Member A" in feed
    task = db_session.get(Task, world["own_task"].id)
    assert (task.status, task.progress) == (WorkStatus.IN_PROGRESS, 50)


def test_derived_progress_follows_the_tasks(client, db_session, world):
    sign_in(client, world["people"]["member"].email)
    client.post(f"/tasks/{world['own_task'].id}/progress", data={"status": "done", "version": "1"})
    db_session.expire_all()
    deliverable = db_session.get(Deliverable, world["deliverable"].id)
    assert deliverable.progress_mode == ProgressMode.DERIVED
    assert deliverable.progress == 50  # one task done (100) and one at 0
    page = client.get(f"/deliverables/{deliverable.id}").get_data(as_text=True)
    assert "derivado de sus tareas" in page


def test_a_chair_setting_a_percent_on_a_deliverable_makes_it_manual(client, db_session, world):
    sign_in(client, world["people"]["chair"].email)
    client.post(
        f"/deliverables/{world['deliverable'].id}/progress",
        data={"status": "in_progress", "progress": "70", "note": "Por fuera", "version": "1"},
    )
    deliverable = db_session.get(Deliverable, world["deliverable"].id)
    assert (deliverable.progress, deliverable.progress_mode) == (70, ProgressMode.MANUAL)


def test_an_invalid_status_move_is_refused_with_a_clear_message(client, db_session, world):
    sign_in(client, world["people"]["member"].email)
    before = _snapshot(db_session)
    response = client.post(
        f"/tasks/{world['own_task'].id}/progress", data={"status": "in_review", "version": "1"}
    )
    assert response.status_code == 400
    assert "no puede pasar de" in response.get_data(as_text=True)
    assert _snapshot(db_session) == before


def test_progress_out_of_range_is_refused_next_to_the_field(client, db_session, world):
    sign_in(client, world["people"]["member"].email)
    response = client.post(
        f"/tasks/{world['own_task'].id}/progress",
        data={"status": "in_progress", "progress": "140", "version": "1"},
    )
    assert response.status_code == 400
    assert "porcentaje de 0 a 100" in response.get_data(as_text=True)


def test_assignee_must_belong_to_the_group(client, db_session, world):
    sign_in(client, world["people"]["chair"].email)
    before = _snapshot(db_session)
    response = client.post(
        f"/deliverables/{world['deliverable'].id}/tasks/new",
        data={"title": "Tarea", "assignee_id": str(world["people"]["other_member"].id)},
    )
    assert response.status_code == 400
    assert "debe ser una persona activa de una institución de este grupo" in response.get_data(
        as_text=True
    )
    assert _snapshot(db_session) == before


def test_chair_reviews_send_back_needs_a_comment_and_notifies(client, db_session, world):
    deliverable = db_session.get(Deliverable, world["deliverable"].id)
    deliverable.status = WorkStatus.IN_REVIEW
    db_session.commit()
    version = deliverable.version
    sign_in(client, world["people"]["chair"].email)
    missing = client.post(
        f"/deliverables/{deliverable.id}/review",
        data={"decision": "send_back", "version": str(version)},
    )
    assert missing.status_code == 400
    response = client.post(
        f"/deliverables/{deliverable.id}/review",
        data={
            "decision": "send_back",
            "comment": "Falta la sección de datos",
            "version": str(version),
        },
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Deliverable, deliverable.id).status == WorkStatus.IN_PROGRESS
    told = db_session.scalars(
        select(Notification.user_id).where(
            Notification.kind == NotificationKind.DELIVERABLE_SENT_BACK
        )
    ).all()
    assert set(told) == {world["people"]["member"].id, world["people"]["colleague"].id}


def test_chair_approves_a_deliverable_in_review(client, db_session, world):
    deliverable = db_session.get(Deliverable, world["deliverable"].id)
    deliverable.status = WorkStatus.IN_REVIEW
    db_session.commit()
    sign_in(client, world["people"]["chair"].email)
    client.post(
        f"/deliverables/{deliverable.id}/review",
        data={"decision": "approve", "version": str(deliverable.version)},
    )
    db_session.expire_all()
    approved = db_session.get(Deliverable, deliverable.id)
    assert (approved.status, approved.progress) == (WorkStatus.DONE, 100)


def test_concurrent_edit_second_save_gets_the_conflict_and_first_change_stays(
    app, db_session, world
):
    chair, coordinator = app.test_client(), app.test_client()
    sign_in(chair, world["people"]["chair"].email)
    sign_in(coordinator, world["people"]["coordinator"].email)
    path = f"/deliverables/{world['deliverable'].id}/edit"
    # Both load the form at version 1.
    for client in (chair, coordinator):
        assert 'name="version" type="hidden" value="1"' in client.get(path).get_data(as_text=True)
    first = chair.post(
        path,
        data={"title": "Versión de la presidencia", "progress_mode": "derived", "version": "1"},
    )
    assert first.status_code == 302
    second = coordinator.post(
        path, data={"title": "Versión de coordinación", "progress_mode": "derived", "version": "1"}
    )
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Chair A" in page and "Versión de la presidencia" in page
    assert 'value="Versión de coordinación"' in page  # nothing typed is lost
    db_session.expire_all()
    assert db_session.get(Deliverable, world["deliverable"].id).title == "Versión de la presidencia"


def test_concurrent_progress_on_a_task_is_refused_with_409(app, db_session, world):
    member, chair = app.test_client(), app.test_client()
    sign_in(member, world["people"]["member"].email)
    sign_in(chair, world["people"]["chair"].email)
    path = f"/tasks/{world['own_task'].id}/progress"
    assert (
        member.post(
            path, data={"status": "in_progress", "progress": "20", "version": "1"}
        ).status_code
        == 302
    )
    late = chair.post(path, data={"status": "in_progress", "progress": "90", "version": "1"})
    assert late.status_code == 409
    assert db_session.get(Task, world["own_task"].id).progress == 20


def test_history_lists_every_change_once_in_order_with_author(client, db_session, world):
    sign_in(client, world["people"]["member"].email)
    task_id = world["own_task"].id
    for version, (status, progress) in enumerate(
        [("in_progress", 10), ("in_progress", 40), ("done", None)], start=1
    ):
        data = {"status": status, "version": str(version), "note": f"paso {version}"}
        if progress is not None:
            data["progress"] = str(progress)
        assert client.post(f"/tasks/{task_id}/progress", data=data).status_code == 302
    updates = db_session.scalars(
        select(ProgressUpdate).where(ProgressUpdate.task_id == task_id).order_by(ProgressUpdate.id)
    ).all()
    assert [u.note for u in updates] == ["paso 1", "paso 2", "paso 3"]
    assert [u.changes.get("progress") for u in updates] == [[0, 10], [10, 40], [40, 100]]
    assert {u.author_id for u in updates} == {world["people"]["member"].id}
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert page.index("paso 1") < page.index("paso 2") < page.index("paso 3")
    assert page.count("paso 2") == 1


def test_archive_is_soft_and_restorable(client, db_session, world):
    sign_in(client, world["people"]["chair"].email)
    deliverable_id = world["deliverable"].id
    client.post(f"/deliverables/{deliverable_id}/archive")
    assert (
        db_session.scalar(
            select(func.count()).select_from(Deliverable).where(Deliverable.id == deliverable_id)
        )
        == 1
    )
    group_page = client.get("/groups/grupo-a").get_data(as_text=True)
    assert "Entregables archivados" in group_page
    archived = group_page.split('id="archived-heading"')[1]
    title = world["deliverable"].title
    assert f'<a href="/deliverables/{deliverable_id}">{title}</a>' in archived
    assert f'action="/deliverables/{deliverable_id}/restore"' in archived
    client.post(f"/deliverables/{deliverable_id}/restore")
    db_session.expire_all()
    assert db_session.get(Deliverable, deliverable_id).archived_at is None
    changes = db_session.scalars(
        select(ProgressUpdate.changes).where(ProgressUpdate.deliverable_id == deliverable_id)
    ).all()
    assert {"archived": [False, True]} in changes and {"archived": [True, False]} in changes


def test_assignment_and_reassignment_notify_both_people_and_email_them(
    app, client, db_session, world
):
    from coalition_app.core.mail import sent_messages as outbox

    sign_in(client, world["people"]["chair"].email)
    client.post(
        f"/tasks/{world['own_task'].id}/edit",
        data={
            "title": "Borrador",
            "assignee_id": str(world["people"]["colleague"].id),
            "version": "1",
        },
    )
    kinds = dict(db_session.execute(select(Notification.user_id, Notification.kind)).all())
    assert kinds[world["people"]["colleague"].id] == NotificationKind.TASK_ASSIGNED
    assert kinds[world["people"]["member"].id] == NotificationKind.TASK_REASSIGNED
    with app.app_context():
        sent = {message["To"] for message in outbox()}
    assert sent == {world["people"]["colleague"].email, world["people"]["member"].email}


def test_unread_count_in_the_navigation_and_marking_read(client, db_session, world):
    member = world["people"]["member"]
    db_session.add(
        Notification(
            user_id=member.id,
            kind=NotificationKind.TASK_DUE_SOON,
            params={"title": "Borrador", "due_on": "2026-12-01"},
        )
    )
    db_session.commit()
    sign_in(client, member.email)
    assert 'id="unread-count">1' in client.get("/my-work").get_data(as_text=True)
    client.post("/inbox/read")
    assert 'id="unread-count"' not in client.get("/my-work").get_data(as_text=True)


def test_nobody_can_mark_someone_elses_notification(client, db_session, world):
    other = world["people"]["other_member"]
    note = Notification(user_id=other.id, kind=NotificationKind.TASK_DUE_SOON, params={})
    db_session.add(note)
    db_session.commit()
    sign_in(client, world["people"]["member"].email)
    assert client.post(f"/inbox/{note.id}/read").status_code == 404
    assert db_session.get(Notification, note.id).read_at is None


def test_my_work_lists_overdue_first(client, db_session, world):
    member = world["people"]["member"]
    deliverable_id = world["deliverable"].id
    db_session.add_all(
        [
            Task(
                deliverable_id=deliverable_id,
                title="Más tarde",
                assignee_id=member.id,
                due_on=date.today() + timedelta(days=20),
            ),
            Task(
                deliverable_id=deliverable_id,
                title="Atrasada",
                assignee_id=member.id,
                due_on=date.today() - timedelta(days=2),
            ),
        ]
    )
    db_session.commit()
    sign_in(client, member.email)
    page = client.get("/my-work").get_data(as_text=True)
    assert page.index("Atrasada") < page.index("Más tarde") < page.index("Borrador")
    assert "Código de ética" in page


def test_coordinator_changes_a_lead_and_the_old_lead_stays_in_history(client, db_session, world):
    sign_in(client, world["people"]["coordinator"].email)
    group = world["group_a"]
    response = client.post(
        "/groups/grupo-a/members",
        data={"institution_id": str(world["member_a"].id), "role": "lead"},
    )
    assert response.status_code == 302
    rows = db_session.scalars(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id,
            GroupMembership.institution_id == world["member_a"].id,
        )
    ).all()
    assert sorted((r.role, r.until is None) for r in rows) == [
        (GroupRole.LEAD, True),
        (GroupRole.MEMBER, False),
    ]


def test_bad_form_input_is_a_400_with_messages_never_a_500(client, world):
    sign_in(client, world["people"]["chair"].email)
    deliverable_id = world["deliverable"].id
    for path, data in [
        (f"/deliverables/{deliverable_id}/edit", {"title": "", "version": "x"}),
        (f"/deliverables/{deliverable_id}/tasks/new", {"title": "T", "assignee_id": "abc"}),
        (f"/deliverables/{deliverable_id}/tasks/new", {"title": "T", "due_on": "31/31/2020"}),
        (f"/deliverables/{deliverable_id}/progress", {"status": "flying"}),
        (f"/deliverables/{deliverable_id}/review", {"decision": "maybe"}),
        ("/groups/grupo-a/deliverables/new", {"title": "x" * 500}),
    ]:
        response = client.post(path, data=data)
        assert response.status_code == 400, (path, response.status_code)
