"""Who may see and manage meetings and events: the policy's matrix, and the same over HTTP
(with nothing written after a refusal)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coalition_app.policy import can
from models import Meeting
from tests.helpers import sign_in

ROLES = ("coordinator", "chair", "member", "outsider")

# (kind of meeting, role) -> (view, manage)
MATRIX = {
    ("members_only", "coordinator"): (True, True),
    ("members_only", "chair"): (True, True),
    ("members_only", "member"): (True, False),
    ("members_only", "outsider"): (False, False),
    ("public", "coordinator"): (True, True),
    ("public", "chair"): (True, True),
    ("public", "member"): (True, False),
    ("public", "outsider"): (True, False),
    ("event", "coordinator"): (True, True),
    ("event", "chair"): (True, False),
    ("event", "member"): (True, False),
    ("event", "outsider"): (True, False),
}


def _meeting(kind, world, make_meeting) -> Meeting:
    if kind == "event":
        return make_meeting(None, title="Congreso")
    return make_meeting(world["group"], is_public=kind == "public")


@pytest.mark.parametrize(("kind", "role"), sorted(MATRIX))
def test_the_policy_matrix(app, world, make_meeting, kind, role):
    meeting = _meeting(kind, world, make_meeting)
    user = world["people"][role]
    with app.test_request_context():
        assert (can(user, "view_meeting", meeting), can(user, "manage_meeting", meeting)) == MATRIX[
            kind, role
        ]
        assert can(user, "answer_meeting", meeting) == MATRIX[kind, role][0]
        assert can(user, "create_event") == (role == "coordinator")
        assert can(user, "manage_group", world["group"]) == (role in ("coordinator", "chair"))


@pytest.mark.parametrize(("kind", "role"), sorted(MATRIX))
def test_the_pages_answer_as_the_policy_says(client, db_session, world, make_meeting, kind, role):
    meeting = _meeting(kind, world, make_meeting)
    sign_in(client, world["people"][role].email)
    may_view, may_manage = MATRIX[kind, role]
    assert client.get(f"/meetings/{meeting.id}").status_code == (200 if may_view else 404)
    edit = client.get(f"/meetings/{meeting.id}/edit").status_code
    assert edit == (200 if may_manage else 404 if not may_view else 403)
    version = meeting.version
    response = client.post(f"/meetings/{meeting.id}/minutes", data={"minutes": "Nota"})
    assert response.status_code == (302 if may_manage else 404 if not may_view else 403)
    db_session.expire_all()
    stored = db_session.get(Meeting, meeting.id)
    assert (stored.minutes == "Nota") == may_manage
    assert (stored.version == version) == (not may_manage)


@pytest.mark.parametrize("role", ROLES)
def test_only_chairs_and_coordinators_create_a_group_s_meetings_and_coordinators_events(
    client, db_session, world, role
):
    sign_in(client, world["people"][role].email)
    group_status = client.get("/groups/grupo-a/meetings/new").status_code
    event_status = client.get("/calendar/events/new").status_code
    assert group_status == (200 if role in ("coordinator", "chair") else 403)
    assert event_status == (200 if role == "coordinator" else 403)
    if role not in ("coordinator", "chair"):
        client.post("/groups/grupo-a/meetings/new", data={"title": "x"})
        assert db_session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_the_calendar_lists_only_what_the_person_may_see(app, client, world, make_meeting):
    make_meeting(world["group"], title="Reunión reservada")
    make_meeting(world["group"], title="Reunión abierta", is_public=True)
    make_meeting(None, title="Congreso nacional")
    sign_in(client, world["people"]["outsider"].email)
    page = client.get("/calendar").get_data(as_text=True)
    assert "Reunión abierta" in page and "Congreso nacional" in page
    assert "Reunión reservada" not in page
    member = app.test_client()
    sign_in(member, world["people"]["member"].email)
    page = member.get("/calendar").get_data(as_text=True)
    assert "Reunión reservada" in page
