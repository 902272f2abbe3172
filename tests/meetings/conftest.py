"""Fixtures of the meetings' tests: one group with its chair, members and an outsider, a
coordinator, and a factory of meetings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import Basis, Meeting, MeetingKind, Role


@pytest.fixture
def world(db_session, make_institution, make_group, make_user):
    """Group "grupo-a" led by LA (its chair "chair"), with member institution MA ("member",
    "colleague"); "outsider" belongs to no group; "coordinator" runs the coalition."""
    lead, member = make_institution(acronym="LA"), make_institution(acronym="MA")
    outside = make_institution(acronym="OUT")
    group = make_group(leads=[lead], members=[member], slug="grupo-a")
    people = {
        "chair": make_user(institution=lead, full_name="Chair A", chair_of=group),
        "member": make_user(institution=member, full_name="Member A"),
        "colleague": make_user(institution=member, full_name="Colleague A"),
        "outsider": make_user(institution=outside, full_name="Outsider"),
        "coordinator": make_user(
            institution=make_institution(acronym="COORD"),
            role=Role.COORDINATOR,
            full_name="Coordinator",
        ),
    }
    return {
        "group": group,
        "people": people,
        "institutions": {"lead": lead, "member": member, "outside": outside},
    }


@pytest.fixture
def make_meeting(db_session):
    def make(group=None, *, days=7, hours=2, **fields) -> Meeting:
        starts = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=days)
        values = {
            "kind": MeetingKind.MEETING if group is not None else MeetingKind.EVENT,
            "group": group,
            "title": "Sesión de prueba",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=hours),
            "basis": Basis.DEMO,
        }
        values.update(fields)
        meeting = Meeting(**values)
        db_session.add(meeting)
        db_session.commit()
        return meeting

    return make
