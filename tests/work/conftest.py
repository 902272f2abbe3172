"""Fixtures of the work's tests: the world of two groups most of them start from."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import Deliverable, GroupChair, Role, Task, WorkStatus


@pytest.fixture
def world(db_session, make_institution, make_group, make_user):
    """Two groups. Group A led by LeadA with member MemberA; group B led by LeadB.

    "chair" and "other_chair" are named chairs of A and B; "lead_colleague" is another person
    of LeadA, never named; "former_chair" (of LeadA) chaired A until yesterday."""
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
        "lead_colleague": make_user(institution=lead_a, full_name="Colleague of Chair A"),
        "former_chair": make_user(institution=lead_a, full_name="Former Chair A"),
        "coordinator": make_user(
            institution=make_institution(), role=Role.COORDINATOR, full_name="Coordinator"
        ),
    }
    deliverable = Deliverable(
        group_id=group_a.id,
        title="Código de ética",
        status=WorkStatus.IN_PROGRESS,
        due_on=date.today(),
    )
    db_session.add(deliverable)
    db_session.flush()
    own_task = Task(
        deliverable_id=deliverable.id, title="Borrador", assignee_id=people["member"].id
    )
    other_task = Task(
        deliverable_id=deliverable.id, title="Revisión", assignee_id=people["colleague"].id
    )
    db_session.add_all([own_task, other_task])
    db_session.add(
        GroupChair(
            group=group_a,
            person=people["former_chair"],
            since=date(2019, 11, 1),
            until=date.today() - timedelta(days=1),
        )
    )
    db_session.commit()
    chair_row = next(c for c in group_a.chairs if c.person_id == people["chair"].id)
    return {
        "people": people,
        "group_a": group_a,
        "group_b": group_b,
        "deliverable": deliverable,
        "own_task": own_task,
        "other_task": other_task,
        "member_a": member_a,
        "chair_row": chair_row,
    }
