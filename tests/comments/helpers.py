"""What the comments' and the files' tests share (their conftests make fixtures of it): two
groups, their people, work and meetings, and clients signed in as those people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import Deliverable, Meeting, Role, Task, WorkStatus
from tests.helpers import sign_in


def make_world(db_session, make_institution, make_group, make_user) -> dict:
    """Group A (lead LA, member MA) and group B (lead LB, member MB).

    People: "chair" of A, "member" and "colleague" of A (MA), "other_member" and
    "other_chair" of B, a "coordinator". Work: a deliverable of A with a task assigned to
    "member". Meetings: a members-only meeting of A organised by "chair", and a coalition
    event (every signed-in person sees it)."""
    lead_a, member_a = make_institution(acronym="LA"), make_institution(acronym="MA")
    lead_b, member_b = make_institution(acronym="LB"), make_institution(acronym="MB")
    group_a = make_group(leads=[lead_a], members=[member_a], slug="grupo-a")
    group_b = make_group(leads=[lead_b], members=[member_b], slug="grupo-b")
    people = {
        "chair": make_user(institution=lead_a, full_name="Chair A", chair_of=group_a),
        "member": make_user(institution=member_a, full_name="Member A"),
        "colleague": make_user(institution=member_a, full_name="Colleague A"),
        "other_member": make_user(institution=member_b, full_name="Member B"),
        "other_chair": make_user(institution=lead_b, full_name="Chair B", chair_of=group_b),
        "coordinator": make_user(
            institution=make_institution(), role=Role.COORDINATOR, full_name="Coordinator"
        ),
    }
    deliverable = Deliverable(
        group_id=group_a.id, title="Código de ética", status=WorkStatus.IN_PROGRESS
    )
    db_session.add(deliverable)
    db_session.flush()
    task = Task(deliverable_id=deliverable.id, title="Borrador", assignee_id=people["member"].id)
    start = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    meeting = Meeting(
        group_id=group_a.id,
        title="Sesión del grupo A",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        created_by_id=people["chair"].id,
    )
    event = Meeting(
        group_id=None,
        title="Foro de la coalición",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        created_by_id=people["coordinator"].id,
    )
    db_session.add_all([task, meeting, event])
    db_session.commit()
    return {
        "people": people,
        "group_a": group_a,
        "group_b": group_b,
        "deliverable": deliverable,
        "task": task,
        "meeting": meeting,
        "event": event,
    }


def clients_of(app, world):
    """A function giving a client signed in as one of the world's people: `as_person("chair")`."""
    clients = {}

    def client_of(name: str):
        if name not in clients:
            client = app.test_client()
            assert sign_in(client, world["people"][name].email).status_code == 302
            clients[name] = client
        return clients[name]

    return client_of
