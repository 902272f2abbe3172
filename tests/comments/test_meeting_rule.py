"""The minimal meeting rule this branch carries until the meetings feature lands (policy.py,
"meetings: minimal rule"): who sees and who manages a meeting, hence its comments and files."""

from __future__ import annotations

import pytest

from coalition_app import policy

PEOPLE = ("chair", "member", "other_member", "other_chair", "coordinator")


@pytest.mark.parametrize(
    ("meeting", "public", "seen_by", "managed_by"),
    [
        ("meeting", False, {"chair", "member", "coordinator"}, {"chair", "coordinator"}),
        ("meeting", True, set(PEOPLE), {"chair", "coordinator"}),
        ("event", False, set(PEOPLE), {"coordinator"}),
    ],
    ids=["group-meeting", "public-group-meeting", "coalition-event"],
)
def test_who_sees_and_manages_a_meeting(
    app, world, db_session, meeting, public, seen_by, managed_by
):
    subject = world[meeting]
    subject.is_public = public
    db_session.commit()
    with app.test_request_context():
        for name in PEOPLE:
            person = world["people"][name]
            assert policy.can(person, "view_meeting", subject) is (name in seen_by), name
            assert policy.can(person, "discuss", subject) is (name in seen_by), name
            assert policy.can(person, "manage_meeting", subject) is (name in managed_by), name
            assert policy.can(person, "moderate_subject", subject) is (name in managed_by), name
