"""The meetings' JSON API: the calendars and one meeting are read, and meetings created,
answered and their attendance recorded, through the same policy and use cases as the pages
(refusals change nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from models import Meeting, MeetingAttendance, OutboxMessage, Rsvp
from tests.helpers import sign_in


def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_the_calendars_and_a_meeting_are_read_as_the_pages_show_them(
    app, db_session, world, make_meeting
):
    people = world["people"]
    group = world["group"]
    members_only = make_meeting(group, title="Sesión interna")
    public = make_meeting(group, title="Sesión abierta", is_public=True, days=8)
    event = make_meeting(None, title="Foro en el Senado", days=9)
    past = make_meeting(group, title="Sesión pasada", days=-3)

    member = _client(app, people["member"])
    listed = member.get("/api/v1/groups/grupo-a/meetings")
    assert listed.status_code == 200
    assert [m["title"] for m in listed.get_json()["data"]] == ["Sesión interna", "Sesión abierta"]
    older = member.get("/api/v1/groups/grupo-a/meetings?when=past").get_json()
    assert [m["id"] for m in older["data"]] == [past.id]
    calendar = member.get("/api/v1/meetings").get_json()
    assert [m["id"] for m in calendar["data"]] == [members_only.id, public.id, event.id]
    one = member.get(f"/api/v1/meetings/{members_only.id}").get_json()
    assert one["group"]["slug"] == "grupo-a" and one["attendance"] == []
    assert datetime.fromisoformat(one["starts_at"]) == members_only.starts_at.replace(tzinfo=UTC)

    # Someone outside the group sees the public meeting and the event, never the other.
    outsider = _client(app, people["outsider"])
    seen = outsider.get("/api/v1/meetings").get_json()["data"]
    assert [m["id"] for m in seen] == [public.id, event.id]
    assert outsider.get(f"/api/v1/meetings/{members_only.id}").status_code == 404
    assert outsider.get("/api/v1/meetings?when=soon").status_code == 400
    assert app.test_client().get("/api/v1/meetings").status_code == 401


def test_a_chair_creates_a_group_meeting_and_the_group_is_invited(app, db_session, world):
    people = world["people"]
    starts = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0)
    body = {
        "title": "Revisión del borrador",
        "starts_at": starts.astimezone().isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "online_url": "https://meet.example.org/sesion",
        "agenda": "1. **Borrador**",
    }
    before = _count(db_session, Meeting)
    member = _client(app, people["member"])
    assert member.post("/api/v1/groups/grupo-a/meetings", json=body).status_code == 403
    assert _count(db_session, Meeting) == before

    chair = _client(app, people["chair"])
    naive = chair.post(
        "/api/v1/groups/grupo-a/meetings", json={**body, "starts_at": "2026-03-01T10:00:00"}
    )
    assert naive.status_code == 422 and naive.get_json()["error"]["field"] == "starts_at"
    backwards = chair.post(
        "/api/v1/groups/grupo-a/meetings", json={**body, "ends_at": body["starts_at"]}
    )
    assert backwards.status_code == 422 and backwards.get_json()["error"]["field"] == "ends_on"
    assert _count(db_session, Meeting) == before

    created = chair.post("/api/v1/groups/grupo-a/meetings", json=body)
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    assert meeting["kind"] == "meeting" and datetime.fromisoformat(meeting["starts_at"]) == starts
    invited = {row["person"]["full_name"] for row in meeting["attendance"]}
    assert {"Member A", "Colleague A"} <= invited and "Outsider" not in invited
    mails = db_session.scalars(select(OutboxMessage)).all()
    invitation = next(m for m in mails if m.recipient == people["member"].email)
    assert invitation.attachments[0]["filename"] == "invitation.ics"


def test_a_coordinator_creates_an_event_with_its_organisers(app, db_session, world):
    people, institutions = world["people"], world["institutions"]
    starts = datetime.now(UTC) + timedelta(days=20)
    body = {
        "title": "Congreso nacional",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(days=1)).isoformat(),
        "scope": "organisers",
    }
    chair = _client(app, people["chair"])
    assert chair.post("/api/v1/meetings", json={**body, "organisers": [1]}).status_code == 403
    coordinator = _client(app, people["coordinator"])
    alone = coordinator.post("/api/v1/meetings", json=body)
    assert alone.status_code == 422 and alone.get_json()["error"]["field"] == "organisers"
    unknown = coordinator.post("/api/v1/meetings", json={**body, "organisers": [999999]})
    assert unknown.status_code == 422
    created = coordinator.post(
        "/api/v1/meetings", json={**body, "organisers": [institutions["member"].id]}
    )
    assert created.status_code == 201
    event = created.get_json()
    assert event["group"] is None and [o["id"] for o in event["organisers"]] == [
        institutions["member"].id
    ]
    assert {row["institution"]["id"] for row in event["attendance"]} == {institutions["member"].id}


def test_people_answer_and_the_organiser_records_who_came(app, db_session, world, make_meeting):
    people = world["people"]
    coming = make_meeting(world["group"])
    member = _client(app, people["member"])
    answered = member.put(f"/api/v1/meetings/{coming.id}/rsvp", json={"rsvp": "maybe"})
    assert answered.status_code == 200
    assert [r["rsvp"] for r in answered.get_json()["attendance"]] == ["maybe"]
    bad = member.put(f"/api/v1/meetings/{coming.id}/rsvp", json={"rsvp": "perhaps"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "rsvp"
    outsider = _client(app, people["outsider"])
    refused = outsider.put(f"/api/v1/meetings/{coming.id}/rsvp", json={"rsvp": "yes"})
    assert refused.status_code == 404

    chair = _client(app, people["chair"])
    early = chair.put(
        f"/api/v1/meetings/{coming.id}/attendance", json={"attended": [people["member"].id]}
    )
    assert early.status_code == 422  # attendance waits for the start

    held = make_meeting(world["group"], days=-1)
    who = {"attended": [people["member"].id, people["outsider"].id]}
    assert member.put(f"/api/v1/meetings/{held.id}/attendance", json=who).status_code == 403
    assert _count(db_session, MeetingAttendance) == 1  # only the answer above
    recorded = chair.put(f"/api/v1/meetings/{held.id}/attendance", json=who)
    assert recorded.status_code == 200, recorded.get_json()
    rows = {r["person"]["id"]: r for r in recorded.get_json()["attendance"]}
    assert rows.keys() == {people["member"].id, people["outsider"].id}
    assert all(r["attended"] for r in rows.values())
    assert rows[people["outsider"].id]["institution"]["id"] == world["institutions"]["outside"].id
    nobody = chair.put(f"/api/v1/meetings/{held.id}/attendance", json={"attended": [999999]})
    assert nobody.status_code == 422 and nobody.get_json()["error"]["field"] == "attended"
    assert (
        db_session.scalar(
            select(MeetingAttendance.rsvp).where(MeetingAttendance.meeting_id == coming.id)
        )
        == Rsvp.MAYBE
    )
