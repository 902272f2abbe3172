"""Work rules (issue 13): chairs hear about their group's work, a deliverable's percent
follows its tasks unless a chair overrides it with a reason, its status follows the work,
and dates and values that cannot be right are caught next to their field."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from coalition_app.core import clock
from models import (
    Deliverable,
    EmailChoice,
    Notification,
    NotificationKind,
    OutboxMessage,
    ProgressMode,
    ProgressUpdate,
    Task,
    WorkStatus,
)
from tests.helpers import sign_in

K = NotificationKind


def _client(app, world, role):
    client = app.test_client()
    assert sign_in(client, world["people"][role].email).status_code == 302
    return client


def _kinds(db_session, person) -> list[NotificationKind]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == person.id)
            .order_by(Notification.id)
        )
    )


def _mails_to(db_session, person) -> list[str]:
    return list(
        db_session.scalars(
            select(OutboxMessage.subject)
            .where(OutboxMessage.recipient == person.email)
            .order_by(OutboxMessage.id)
        )
    )


def _checked(page: str, kind: str) -> bool:
    """Whether the inbox's e-mail choice for `kind` is ticked."""
    box = re.search(rf'<input[^>]*name="email"[^>]*value="{kind}"[^>]*>', page)
    assert box is not None, kind
    return "checked" in box.group(0)


def _task_progress(client, task, **data):
    version = str(task.version)
    return client.post(f"/tasks/{task.id}/progress", data={"version": version, **data})


def _fresh(db_session, model, id_):
    db_session.expire_all()
    return db_session.get(model, id_)


# --- chairs hear about their group ----------------------------------------------------------


def test_the_chairs_inbox_gets_each_event_of_a_journey_and_an_email_of_each(app, db_session, world):
    people = world["people"]
    chair, member, colleague = people["chair"], people["member"], people["colleague"]
    own, other = world["own_task"], world["other_task"]
    as_member, as_colleague = _client(app, world, "member"), _client(app, world, "colleague")

    assert _task_progress(as_member, own, status="done").status_code == 302
    assert _kinds(db_session, chair) == [K.TASK_DONE]

    other = _fresh(db_session, Task, other.id)
    response = _task_progress(as_colleague, other, status="in_progress", progress="100")
    assert response.status_code == 302
    assert _kinds(db_session, chair) == [K.TASK_DONE, K.DELIVERABLE_COMPLETE]

    other = _fresh(db_session, Task, other.id)
    assert _task_progress(as_colleague, other, status="done").status_code == 302
    assert _kinds(db_session, chair)[2:] == [K.TASK_DONE, K.DELIVERABLE_IN_REVIEW]
    assert _fresh(db_session, Deliverable, world["deliverable"].id).status == WorkStatus.IN_REVIEW

    deliverable = _fresh(db_session, Deliverable, world["deliverable"].id)
    as_coordinator = _client(app, world, "coordinator")
    response = as_coordinator.post(
        f"/deliverables/{deliverable.id}/progress",
        data={
            "status": "in_review",
            "progress": "90",
            "note": "Falta la traducción",
            "version": str(deliverable.version),
        },
    )
    assert response.status_code == 302
    assert _kinds(db_session, chair)[4:] == [K.PROGRESS_OVERRIDDEN]

    inbox = _client(app, world, "chair").get("/inbox").get_data(as_text=True)
    for text in (
        "Member A terminó la tarea “Borrador” (Código de ética).",
        "“Código de ética” llegó al 100 %.",
        "Todas las tareas de “Código de ética” están hechas (100 %): "
        "queda pendiente de su revisión.",
        "Coordinator fijó a mano “Código de ética” de 100 % a 90 %: Falta la traducción",
    ):
        assert text in inbox
    # One e-mail per inbox entry (nobody chose otherwise), and nothing to those who acted
    # or to another group's chair.
    assert len(_mails_to(db_session, chair)) == 5
    for person in (member, colleague, people["other_chair"]):
        assert not set(_kinds(db_session, person)) & {
            K.TASK_DONE,
            K.DELIVERABLE_COMPLETE,
            K.DELIVERABLE_IN_REVIEW,
            K.PROGRESS_OVERRIDDEN,
        }


def test_a_chair_who_turns_off_an_email_still_gets_the_inbox_entry(app, db_session, world):
    chair = world["people"]["chair"]
    as_chair = _client(app, world, "chair")
    page = as_chair.get("/inbox").get_data(as_text=True)
    assert _checked(page, "task_done")
    wanted = [k.value for k in K if k not in (K.TASK_DONE, K.DIGEST)]
    assert as_chair.post("/inbox/email", data={"email": wanted}).status_code == 302
    assert (
        db_session.scalar(
            select(EmailChoice.wanted).where(
                EmailChoice.user_id == chair.id, EmailChoice.kind == K.TASK_DONE
            )
        )
        is False
    )
    page = as_chair.get("/inbox").get_data(as_text=True)
    assert not _checked(page, "task_done") and _checked(page, "task_assigned")

    as_member = _client(app, world, "member")
    assert _task_progress(as_member, world["own_task"], status="done").status_code == 302
    assert _kinds(db_session, chair) == [K.TASK_DONE]
    assert _mails_to(db_session, chair) == []


def test_my_work_shows_a_chair_what_waits_for_their_review(app, db_session, world):
    deliverable = world["deliverable"]
    deliverable.status = WorkStatus.IN_REVIEW
    db_session.commit()
    link = f'href="/deliverables/{deliverable.id}#review-heading"'
    for role, shown in [
        ("chair", True),
        ("coordinator", True),
        ("member", False),
        ("other_chair", False),
    ]:
        page = _client(app, world, role).get("/my-work").get_data(as_text=True)
        assert ("Esperan su revisión" in page and link in page) is shown, role


# --- progress that means something ----------------------------------------------------------


def test_a_member_cannot_set_a_deliverables_percent_by_form_or_api(app, db_session, world):
    deliverable = world["deliverable"]
    as_member = _client(app, world, "member")
    page = as_member.get(f"/deliverables/{deliverable.id}").get_data(as_text=True)
    assert 'name="progress"' not in page
    assert "Su porcentaje sigue a sus tareas" in page
    path = f"/deliverables/{deliverable.id}/progress"
    data = {"status": "in_progress", "progress": "95", "note": "casi", "version": "1"}
    assert as_member.post(path, data=data).status_code == 403
    api = as_member.patch(
        f"/api/v1/deliverables/{deliverable.id}", json={"version": 1, "progress": 95, "note": "x"}
    )
    assert api.status_code == 403
    saved = _fresh(db_session, Deliverable, deliverable.id)
    assert (saved.progress, saved.progress_mode, saved.version) == (0, ProgressMode.DERIVED, 1)
    # A note alone is still theirs to write.
    note = {"status": "in_progress", "note": "Avanzamos", "version": "1"}
    assert as_member.post(path, data=note).status_code == 302
    assert 'name="progress"' in _client(app, world, "chair").get(
        f"/deliverables/{deliverable.id}"
    ).get_data(as_text=True)


def test_a_chairs_override_needs_a_reason_goes_in_the_history_and_tells_the_other_chairs(
    app, db_session, world, make_user
):
    co_chair = make_user(
        institution=world["people"]["chair"].institution,
        full_name="Co Chair",
        chair_of=world["deliverable"].group,
    )
    deliverable = world["deliverable"]
    as_chair = _client(app, world, "chair")
    path = f"/deliverables/{deliverable.id}/progress"
    refused = as_chair.post(path, data={"status": "in_progress", "progress": "95", "version": "1"})
    assert refused.status_code == 400
    assert 'id="note-errors"' in refused.get_data(as_text=True)
    assert "Diga por qué fija el porcentaje a mano" in refused.get_data(as_text=True)
    assert _fresh(db_session, Deliverable, deliverable.id).progress == 0

    data = {"status": "in_progress", "progress": "95", "note": "Entregado fuera", "version": "1"}
    assert as_chair.post(path, data=data).status_code == 302
    saved = _fresh(db_session, Deliverable, deliverable.id)
    assert (saved.progress, saved.progress_mode) == (95, ProgressMode.MANUAL)
    last = db_session.scalars(
        select(ProgressUpdate)
        .where(ProgressUpdate.deliverable_id == deliverable.id)
        .order_by(ProgressUpdate.id.desc())
    ).first()
    assert last.changes == {"progress": [0, 95], "progress_mode": ["derived", "manual"]}
    assert last.note == "Entregado fuera"
    assert "Entregado fuera" in as_chair.get(f"/deliverables/{deliverable.id}").get_data(
        as_text=True
    )
    assert _kinds(db_session, co_chair) == [K.PROGRESS_OVERRIDDEN]
    assert _kinds(db_session, world["people"]["chair"]) == []  # not told what they did

    api = as_chair.patch(
        f"/api/v1/deliverables/{deliverable.id}", json={"version": saved.version, "progress": 40}
    )
    assert api.status_code == 422
    assert api.get_json()["error"]["field"] == "note"


def test_the_edit_form_cannot_silently_stop_a_deliverable_following_its_tasks(
    app, db_session, world
):
    deliverable = world["deliverable"]
    as_chair = _client(app, world, "chair")
    data = {"title": deliverable.title, "progress_mode": "manual", "version": "1"}
    refused = as_chair.post(f"/deliverables/{deliverable.id}/edit", data=data)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'id="progress_mode-errors"' in html and "registre su avance con el motivo" in html
    saved = _fresh(db_session, Deliverable, deliverable.id)
    assert (saved.progress_mode, saved.version) == (ProgressMode.DERIVED, 1)


def test_leaving_the_shown_percent_alone_overrides_nothing_when_tasks_moved_it_meanwhile(
    app, db_session, world
):
    deliverable = world["deliverable"]
    as_chair = _client(app, world, "chair")
    page = as_chair.get(f"/deliverables/{deliverable.id}").get_data(as_text=True)
    base = page.split('name="base" type="hidden" value="')[1].split('"')[0].replace("&#34;", '"')
    as_member = _client(app, world, "member")
    assert _task_progress(as_member, world["own_task"], status="in_progress", progress="60")
    assert _fresh(db_session, Deliverable, deliverable.id).progress == 30
    response = as_chair.post(
        f"/deliverables/{deliverable.id}/progress",
        data={
            "status": "in_progress",
            "progress": "0",
            "note": "Nota",
            "version": "1",
            "base": base,
        },
    )
    assert response.status_code == 302
    saved = _fresh(db_session, Deliverable, deliverable.id)
    assert (saved.progress, saved.progress_mode) == (30, ProgressMode.DERIVED)


# --- status follows the work ----------------------------------------------------------------


def test_starting_a_task_starts_a_planned_deliverable(app, db_session, world):
    deliverable = world["deliverable"]
    deliverable.status = WorkStatus.PLANNED
    db_session.commit()
    as_member = _client(app, world, "member")
    assert _task_progress(as_member, world["own_task"], status="in_progress").status_code == 302
    saved = _fresh(db_session, Deliverable, deliverable.id)
    assert saved.status == WorkStatus.IN_PROGRESS
    moved = db_session.scalars(
        select(ProgressUpdate).where(ProgressUpdate.deliverable_id == deliverable.id)
    ).all()
    assert [u.changes for u in moved] == [{"status": ["planned", "in_progress"]}]
    assert moved[0].author_id == world["people"]["member"].id


def test_all_tasks_done_puts_it_in_review_and_done_comes_only_through_review(
    app, db_session, world
):
    deliverable = world["deliverable"]
    as_member, as_colleague = _client(app, world, "member"), _client(app, world, "colleague")
    assert _task_progress(as_member, world["own_task"], status="done").status_code == 302
    assert _fresh(db_session, Deliverable, deliverable.id).status == WorkStatus.IN_PROGRESS
    assert _task_progress(as_colleague, world["other_task"], status="done").status_code == 302
    saved = _fresh(db_session, Deliverable, deliverable.id)
    assert (saved.status, saved.progress) == (WorkStatus.IN_REVIEW, 100)

    as_chair = _client(app, world, "chair")
    page = as_chair.get(f"/deliverables/{deliverable.id}").get_data(as_text=True)
    progress_form = page.split('id="progress-form"')[1]
    assert 'value="done"' not in progress_form and 'value="in_progress"' not in progress_form
    path = f"/deliverables/{deliverable.id}/progress"
    for target in ("done", "in_progress"):
        refused = as_chair.post(path, data={"status": target, "version": str(saved.version)})
        assert refused.status_code == 400
        assert 'id="status-errors"' in refused.get_data(as_text=True)
    api = as_chair.patch(
        f"/api/v1/deliverables/{deliverable.id}", json={"version": saved.version, "status": "done"}
    )
    assert api.status_code == 422
    assert _fresh(db_session, Deliverable, deliverable.id).status == WorkStatus.IN_REVIEW
    approve = {"decision": "approve", "version": str(saved.version)}
    assert as_chair.post(f"/deliverables/{deliverable.id}/review", data=approve).status_code == 302
    assert _fresh(db_session, Deliverable, deliverable.id).status == WorkStatus.DONE


def test_sending_back_reopens_the_tasks_the_chair_picks(app, db_session, world):
    deliverable, own, other = world["deliverable"], world["own_task"], world["other_task"]
    as_member, as_colleague = _client(app, world, "member"), _client(app, world, "colleague")
    assert _task_progress(as_member, own, status="in_progress", progress="70").status_code == 302
    own = _fresh(db_session, Task, own.id)
    assert _task_progress(as_member, own, status="done").status_code == 302
    assert _task_progress(as_colleague, other, status="done").status_code == 302
    saved = _fresh(db_session, Deliverable, deliverable.id)
    assert saved.status == WorkStatus.IN_REVIEW

    as_chair = _client(app, world, "chair")
    page = as_chair.get(f"/deliverables/{deliverable.id}").get_data(as_text=True)
    assert f'name="reopen" type="checkbox" value="{own.id}"' in page
    review = {
        "decision": "send_back",
        "comment": "Falta la bibliografía",
        "reopen": [str(own.id)],
        "version": str(saved.version),
    }
    assert as_chair.post(f"/deliverables/{deliverable.id}/review", data=review).status_code == 302
    own, other = _fresh(db_session, Task, own.id), db_session.get(Task, other.id)
    assert (own.status, own.progress) == (WorkStatus.IN_PROGRESS, 70)
    assert other.status == WorkStatus.DONE
    saved = db_session.get(Deliverable, deliverable.id)
    assert (saved.status, saved.progress) == (WorkStatus.IN_PROGRESS, 85)
    reopened = db_session.scalars(
        select(ProgressUpdate).where(ProgressUpdate.task_id == own.id)
    ).all()[-1]
    assert reopened.changes == {"status": ["done", "in_progress"], "progress": [100, 70]}
    assert reopened.note == "Falta la bibliografía"


def test_only_done_tasks_of_the_deliverable_can_be_reopened(app, db_session, world):
    deliverable = world["deliverable"]
    deliverable.status = WorkStatus.IN_REVIEW
    db_session.commit()
    as_chair = _client(app, world, "chair")
    review = {
        "decision": "send_back",
        "comment": "Otra vez",
        "reopen": [str(world["own_task"].id)],  # not done
        "version": str(deliverable.version),
    }
    response = as_chair.post(f"/deliverables/{deliverable.id}/review", data=review)
    assert response.status_code == 400
    assert _fresh(db_session, Deliverable, deliverable.id).status == WorkStatus.IN_REVIEW


# --- dates and values that cannot be right --------------------------------------------------


def test_a_deliverable_created_overdue_needs_a_confirmation_next_to_its_date(
    app, db_session, world
):
    as_chair = _client(app, world, "chair")
    path = "/groups/grupo-a/deliverables/new"
    past = (clock.today() - timedelta(days=3)).isoformat()
    data = {"title": "Informe anterior", "progress_mode": "derived", "due_on": past}
    refused = as_chair.post(path, data=data)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'id="due_on-errors"' in page and "Esta fecha ya pasó" in page
    assert 'name="confirm_past_due"' in page
    assert (
        db_session.scalar(select(Deliverable).where(Deliverable.title == "Informe anterior"))
        is None
    )
    assert as_chair.post(path, data={**data, "confirm_past_due": "y"}).status_code == 302
    assert db_session.scalar(select(Deliverable).where(Deliverable.title == "Informe anterior"))


def test_a_task_cannot_be_due_after_its_deliverable(app, db_session, world):
    deliverable = world["deliverable"]  # due today
    as_chair = _client(app, world, "chair")
    later = (clock.today() + timedelta(days=10)).isoformat()
    refused = as_chair.post(
        f"/deliverables/{deliverable.id}/tasks/new", data={"title": "Tarde", "due_on": later}
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'id="due_on-errors"' in page and "no puede vencer después de su entregable" in page
    assert db_session.scalar(select(Task).where(Task.title == "Tarde")) is None
    edit = as_chair.post(
        f"/tasks/{world['own_task'].id}/edit",
        data={"title": "Borrador", "due_on": later, "version": "1"},
    )
    assert edit.status_code == 400 and 'id="due_on-errors"' in edit.get_data(as_text=True)


def test_a_deliverable_cannot_be_moved_before_its_tasks(app, db_session, world):
    deliverable, own = world["deliverable"], world["own_task"]
    deliverable.due_on = clock.today() + timedelta(days=30)
    own.due_on = clock.today() + timedelta(days=20)
    db_session.commit()
    as_chair = _client(app, world, "chair")
    response = as_chair.post(
        f"/deliverables/{deliverable.id}/edit",
        data={
            "title": deliverable.title,
            "progress_mode": "derived",
            "due_on": (clock.today() + timedelta(days=5)).isoformat(),
            "version": str(deliverable.version),
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="due_on-errors"' in page and "“Borrador”" in page


def test_done_at_sixty_percent_is_refused_next_to_the_percent(app, db_session, world):
    as_member = _client(app, world, "member")
    response = _task_progress(as_member, world["own_task"], status="done", progress="60")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="progress-errors"' in page and "Una tarea hecha está al 100 %" in page
    task = _fresh(db_session, Task, world["own_task"].id)
    assert (task.status, task.progress) == (WorkStatus.PLANNED, 0)
    assert _task_progress(as_member, task, status="done", progress="100").status_code == 302


# --- sibling tasks never conflict -----------------------------------------------------------


@pytest.mark.parametrize("first_moves_status", [False, True])
def test_saves_on_sibling_tasks_never_conflict(app, db_session, world, first_moves_status):
    """B's page was read before A's save reached the deliverable: B's save still goes
    through, and the derived percent counts both."""
    deliverable, own, other = world["deliverable"], world["own_task"], world["other_task"]
    if first_moves_status:
        deliverable.status = WorkStatus.PLANNED
        db_session.commit()
    as_colleague = _client(app, world, "colleague")
    # A's save, as it lands while B's request has the deliverable loaded: the task changes and
    # the deliverable's row moves on (as any save of it would).
    original = app.view_functions["work.task_progress"]

    def b_request_with_a_landing_meanwhile(task_id):
        from coalition_app.core.db import session

        loaded = session.get(Deliverable, deliverable.id)
        assert loaded is not None and loaded.version == deliverable.version
        session.execute(
            update(Task)
            .where(Task.id == own.id)
            .values(status=WorkStatus.DONE, progress=100, version=Task.version + 1)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Deliverable)
            .where(Deliverable.id == deliverable.id)
            .values(version=Deliverable.version + 1)
            .execution_options(synchronize_session=False)
        )
        return original(task_id)

    app.view_functions["work.task_progress"] = b_request_with_a_landing_meanwhile
    try:
        response = _task_progress(as_colleague, other, status="in_progress", progress="40")
    finally:
        app.view_functions["work.task_progress"] = original
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    saved = _fresh(db_session, Deliverable, deliverable.id)
    assert saved.progress == 70  # (100 + 40) / 2
    assert saved.status == WorkStatus.IN_PROGRESS
    assert db_session.get(Task, other.id).progress == 40


def test_a_deliverable_due_today_needs_no_confirmation(app, world):
    as_chair = _client(app, world, "chair")
    today = date.fromisoformat(clock.today().isoformat()).isoformat()
    response = as_chair.post(
        "/groups/grupo-a/deliverables/new",
        data={"title": "Hoy", "progress_mode": "derived", "due_on": today},
    )
    assert response.status_code == 302


def test_my_work_runs_the_same_queries_with_3_or_40_deliverables_waiting_for_review(
    app, db_session, world, make_institution
):
    from models import GroupMembership, GroupRole
    from tests.helpers import count_statements

    as_chair = _client(app, world, "chair")
    as_chair.get("/my-work")  # reads the welcome message: both views below carry none
    engine = app.extensions["database"].session.get_bind()

    def waiting(n: int) -> None:
        for i in range(n):
            institution = make_institution()
            db_session.add(
                GroupMembership(
                    group_id=world["group_a"].id,
                    institution_id=institution.id,
                    role=GroupRole.MEMBER,
                    since=date(2020, 1, 1),
                )
            )
            db_session.add(
                Deliverable(
                    group_id=world["group_a"].id,
                    title=f"En revisión {n}-{i}",
                    status=WorkStatus.IN_REVIEW,
                )
            )
        db_session.commit()

    counts = []
    for n, total in ((3, 3), (37, 40)):
        waiting(n)
        with count_statements(engine) as counted:
            page = as_chair.get("/my-work").get_data(as_text=True)
        assert page.count('#review-heading"') == total  # each listed as waiting for review
        counts.append(counted.count)
    assert counts[0] == counts[1] > 0
