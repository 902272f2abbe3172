"""One rule for "current member of a group": the membership is open that day and the
institution is a coalition member that day (`GroupMembership.current_on`). Pages, the
policy and the API follow it; an institution that leaves the coalition leaves its groups."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coalition_app.core import clock
from coalition_app.core.db import unit_of_work
from models import Deliverable, GroupMembership, GroupRole, Institution, Role, Task, WorkStatus
from tests.helpers import count_statements, sign_in


@pytest.fixture
def ethics(db_session, make_institution, make_group, make_user):
    """A group led by Lead (and co-led by Other), with Member; a task for a person of Member."""
    lead, other_lead, member = make_institution(), make_institution(), make_institution()
    group = make_group(slug="etica-x", leads=[lead, other_lead], members=[member])
    chair = make_user(institution=lead, chair_of=group)
    worker = make_user(institution=member)
    coordinator = make_user(role=Role.COORDINATOR)
    deliverable = Deliverable(group=group, title="Código", created_by_id=coordinator.id)
    task = Task(deliverable=deliverable, title="Borrador", assignee_id=worker.id)
    db_session.add_all([deliverable, task])
    db_session.commit()
    return {
        "group": group,
        "lead": lead,
        "member": member,
        "chair": chair,
        "worker": worker,
        "coordinator": coordinator,
        "deliverable": deliverable,
        "task": task,
    }


def _leave_coalition(db_session, institution, day=None):
    # Loaded again: a request in between has closed the session the fixture used.
    row = db_session.get(Institution, institution.id)
    row.left_on = day or clock.today() - timedelta(days=1)
    db_session.commit()


def _token(app, user) -> dict:
    from coalition_app.account import tokens
    from models import TokenScope, User

    with app.test_request_context(), unit_of_work() as session:
        _row, value = tokens.create_token(session.get(User, user.id), "t", TokenScope.READ_WRITE)
    return {"Authorization": f"Bearer {value}"}


def test_the_rule_reads_the_same_in_python_and_in_sql(db_session, ethics):
    today = clock.today()
    _leave_coalition(db_session, ethics["lead"])
    rows = db_session.scalars(
        select(GroupMembership).where(GroupMembership.group_id == ethics["group"].id)
    ).all()
    in_python = {m.institution_id for m in rows if m.current_on(today)}
    in_sql = set(
        db_session.scalars(
            select(GroupMembership.institution_id).where(
                GroupMembership.group_id == ethics["group"].id, GroupMembership.current_on(today)
            )
        )
    )
    assert in_python == in_sql
    assert ethics["lead"].id not in in_sql and ethics["member"].id in in_sql


def test_a_chair_whose_institution_left_the_coalition_is_no_chair_on_page_or_api(
    app, client, db_session, ethics
):
    sign_in(client, ethics["chair"].email)
    assert client.get("/groups/etica-x/deliverables/new").status_code == 200
    _leave_coalition(db_session, ethics["lead"])
    assert client.get("/groups/etica-x/deliverables/new").status_code == 403
    page = client.get("/groups/etica-x").get_data(as_text=True)
    assert "Nuevo entregable" not in page
    api = app.test_client().get("/api/v1/groups/etica-x", headers=_token(app, ethics["worker"]))
    listed = {row["institution"]["id"] for row in api.json["institutions"]}
    assert ethics["lead"].id not in listed and ethics["member"].id in listed


def test_people_of_an_institution_out_of_the_group_cannot_record_progress(
    app, client, db_session, ethics
):
    headers = _token(app, ethics["worker"])
    task_id = ethics["task"].id
    sign_in(client, ethics["worker"].email)
    # Taken out of the group (a coordinator closes the row), the institution stays a member.
    row = db_session.scalar(
        select(GroupMembership).where(GroupMembership.institution_id == ethics["member"].id)
    )
    row.until = clock.today()
    db_session.commit()
    form = client.post(
        f"/tasks/{task_id}/progress",
        data={"status": "in_progress", "progress": "30", "version": "1", "note": ""},
    )
    assert form.status_code == 403
    api = app.test_client().patch(
        f"/api/v1/tasks/{task_id}", json={"version": 1, "progress": 30}, headers=headers
    )
    assert api.status_code == 403
    assert db_session.get(Task, task_id).progress == 0
    # The chair sees the task waiting to be reassigned.
    chair = app.test_client()
    sign_in(chair, ethics["chair"].email)
    page = chair.get("/groups/etica-x").get_data(as_text=True)
    assert "Tareas por reasignar" in page and "Borrador" in page
    # Linked to its edit form, with whom it is assigned to and their institution's acronym.
    worker, member = ethics["worker"], ethics["member"]
    assert (
        f'<a href="/tasks/{task_id}/edit">Borrador</a> · {worker.full_name} ({member.acronym})'
        in page
    )


def test_ending_a_coalition_membership_closes_the_group_memberships(client, db_session, ethics):
    left_on = clock.today() - timedelta(days=2)
    sign_in(client, ethics["coordinator"].email)
    response = client.post(
        f"/institutions/{ethics['member'].id}/end", data={"left_on": left_on.isoformat()}
    )
    assert response.status_code == 302
    rows = db_session.scalars(
        select(GroupMembership).where(GroupMembership.institution_id == ethics["member"].id)
    ).all()
    assert rows and all(row.until == left_on for row in rows)
    csv = client.get("/groups/leadership.csv").get_data(as_text=True)
    assert ethics["lead"].name in csv  # the leadership history is still there


def test_a_membership_starts_on_its_day_and_hands_over_on_the_day_it_closes(db_session, ethics):
    row = db_session.scalar(
        select(GroupMembership).where(GroupMembership.institution_id == ethics["member"].id)
    )
    row.since, row.until = date(2024, 3, 1), date(2025, 3, 1)
    db_session.commit()
    assert not row.current_on(date(2024, 2, 29))
    assert row.current_on(date(2024, 3, 1)) and row.current_on(date(2025, 2, 28))
    assert not row.current_on(date(2025, 3, 1))


def test_a_done_task_of_someone_who_left_is_not_waiting_to_be_reassigned(
    client, db_session, ethics
):
    db_session.get(Task, ethics["task"].id).status = WorkStatus.DONE
    _leave_coalition(db_session, ethics["member"])
    sign_in(client, ethics["chair"].email)
    assert "Tareas por reasignar" not in client.get("/groups/etica-x").get_data(as_text=True)


def test_only_the_lead_rows_make_chairs(db_session, ethics):
    from coalition_app import policy

    group = ethics["group"]
    assert policy.is_chair(ethics["chair"], group)
    assert not policy.is_chair(ethics["worker"], group)
    assert policy.is_group_member(ethics["worker"], group)
    assert GroupRole.LEAD.value == "lead"


def test_the_group_page_rows_read_the_rule_as_the_objects_do(app, db_session, ethics):
    """The group page reads memberships and chairships as rows whose `current` is the rule's
    SQL form: the same answer as the objects' `current_on`, on each day around the changes."""
    from coalition_app.groups.queries import people_of, people_rows_of
    from coalition_app.groups.service import group_page, membership_history
    from models import GroupChair, WorkingGroup

    today = clock.today()
    _leave_coalition(db_session, ethics["lead"], today + timedelta(days=2))
    ended = db_session.scalars(
        select(GroupMembership).where(GroupMembership.institution_id == ethics["member"].id)
    ).one()
    ended.until = today + timedelta(days=4)
    db_session.commit()
    seen = set()
    for offset in range(-1, 7):
        day = today + timedelta(days=offset)
        with app.test_request_context():
            page = group_page("etica-x", day)
            group_row = db_session.scalars(
                select(WorkingGroup).where(WorkingGroup.slug == "etica-x")
            ).one()
            expected_members = sorted(
                m.institution.name for m in group_row.memberships if m.current_on(day)
            )
            shown = sorted(m.name for _sector, rows in page.members_by_sector for m in rows)
            assert shown == expected_members, day
            # The coordinators' page's history rows (`membership_history`) read it alike.
            history = membership_history(group_row, day)
            assert sorted(m.name for m in history if m.current) == expected_members, day
            # The page's people as rows: the same people, in the same order, as the objects.
            assert [p.full_name for p in people_rows_of(db_session, group_row, day)] == [
                p.full_name for p in people_of(db_session, group_row, day)
            ], day
            chairs = db_session.scalars(
                select(GroupChair).where(GroupChair.group_id == group_row.id)
            ).all()
            assert [c.full_name for c in page.chairs] == [
                c.person.full_name for c in chairs if c.current_on(day)
            ], day
            seen.add((len(shown), len(page.chairs)))
        db_session.expire_all()
    # Everyone with the chair, then the lead gone (and its chair with it), then the member.
    assert seen == {(3, 1), (2, 0), (1, 0)}, seen


def test_the_policy_reads_the_roles_the_same_whether_the_memberships_are_loaded_or_not(
    app, db_session, ethics
):
    """`groups.queries.current_roles`: from the loaded memberships, or one query of the group's
    current roles when they are not (the deliverable and task pages load none)."""
    from coalition_app.groups.queries import current_roles

    today = clock.today()
    _leave_coalition(db_session, ethics["lead"])
    ids = [ethics["lead"].id, ethics["member"].id, ethics["group"].id]
    with app.test_request_context():
        db_session.expunge_all()
        group = db_session.get(type(ethics["group"]), ids[2])
        assert "memberships" not in group.__dict__
        from_sql = {i: current_roles(group, i, today) for i in ids[:2]}
        assert "memberships" not in group.__dict__  # the query loaded no objects
        group.memberships  # noqa: B018 (loads them)
        from_objects = {i: current_roles(group, i, today) for i in ids[:2]}
    assert from_sql == from_objects == {ids[0]: frozenset(), ids[1]: {GroupRole.MEMBER}}


def test_the_roles_read_in_a_request_are_read_again_after_a_flush(
    app, db_session, ethics, make_institution
):
    from coalition_app.groups.queries import current_roles

    today = clock.today()
    newcomer = make_institution()
    group_id = ethics["group"].id
    with app.test_request_context(), count_statements(db_session.get_bind()) as statements:
        db_session.expunge_all()
        group = db_session.get(type(ethics["group"]), group_id)
        assert current_roles(group, newcomer.id, today) == frozenset()
        before = statements.count
        assert current_roles(group, ethics["member"].id, today) == {GroupRole.MEMBER}
        assert statements.count == before  # one query for the whole group, kept
        db_session.add(
            GroupMembership(
                group_id=group_id,
                institution_id=newcomer.id,
                role=GroupRole.MEMBER,
                since=today - timedelta(days=1),
            )
        )
        db_session.flush()
        assert current_roles(group, newcomer.id, today) == {GroupRole.MEMBER}
        db_session.rollback()


def test_a_deliverable_page_loads_no_membership_objects_for_the_policy(
    app, client, db_session, ethics, make_user, make_institution
):
    """The member's rights on every task row, file and comment come from the roles query,
    not from the group's memberships and their institutions loaded as objects."""
    from sqlalchemy import event

    loaded: list[object] = []

    def on_load(_session, instance):
        if isinstance(instance, GroupMembership):
            loaded.append(instance)

    sign_in(client, ethics["worker"].email)
    event.listen(db_session, "loaded_as_persistent", on_load)
    try:
        page = client.get(f"/deliverables/{ethics['deliverable'].id}")
        task_page = client.get(f"/tasks/{ethics['task'].id}")
    finally:
        event.remove(db_session, "loaded_as_persistent", on_load)
    assert page.status_code == task_page.status_code == 200
    assert loaded == []
    # and the policy still answered: the member may record progress on both
    deliverable_form = f'action="/deliverables/{ethics["deliverable"].id}/progress"'
    task_form = f'action="/tasks/{ethics["task"].id}/progress"'
    assert deliverable_form in page.get_data(as_text=True)
    assert task_form in task_page.get_data(as_text=True)
    # someone whose institution is not in the group may not
    outsider = make_user(institution=make_institution())
    client.post("/logout")
    sign_in(client, outsider.email)
    assert deliverable_form not in client.get(f"/deliverables/{ethics['deliverable'].id}").get_data(
        as_text=True
    )


def test_a_members_only_meeting_s_comments_and_files_answer_by_the_roles_query(
    app, client, db_session, ethics, make_user, make_institution
):
    """`comments.subjects.load_meeting` loads the group's chairs, not its memberships: the
    policy's roles query says who belongs (a member sees the thread; an outsider gets 404)."""
    from datetime import UTC, datetime

    from sqlalchemy import event

    from models import Meeting

    start = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    meeting = Meeting(
        group_id=ethics["group"].id,
        title="Sesión interna",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        created_by_id=ethics["chair"].id,
    )
    db_session.add(meeting)
    db_session.commit()
    outsider = make_user(institution=make_institution())
    loaded: list[object] = []

    def on_load(_session, instance):
        if isinstance(instance, GroupMembership):
            loaded.append(instance)

    event.listen(db_session, "loaded_as_persistent", on_load)
    try:
        answers = {
            who: [
                client.get(f"/api/v1/meetings/{meeting.id}/{part}", headers=_token(app, person))
                for part in ("comments", "files")
            ]
            for who, person in (("member", ethics["worker"]), ("outsider", outsider))
        }
    finally:
        event.remove(db_session, "loaded_as_persistent", on_load)
    assert [a.status_code for a in answers["member"]] == [200, 200]
    assert [a.status_code for a in answers["outsider"]] == [404, 404]
    assert loaded == []
