"""A meeting's page: invitations by e-mail with an .ics (and again when the time changes or
it is cancelled), answers, attendance with the institution as on the day, minutes, action
items and the task one becomes with one click."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from coalition_app.core.mail import sent_messages
from models import (
    Deliverable,
    MeetingActionItem,
    MeetingAttendance,
    Notification,
    NotificationKind,
    OutboxMessage,
    Task,
    WorkStatus,
)
from tests.helpers import sign_in


def _ics_of(message) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(
        part.get_content() if isinstance(part.get_content(), str) else part.get_payload(decode=True)
    )


def test_creating_a_meeting_invites_the_group_by_e_mail_with_an_ics_and_in_the_inbox(
    app, client, db_session, world
):
    chair = world["people"]["chair"]
    sign_in(client, chair.email)
    data = {
        "title": "Sesión de julio",
        "starts_on": "2030-07-02",
        "starts_time": "10:00",
        "ends_on": "2030-07-02",
        "ends_time": "11:00",
        "agenda": "Código",
    }
    assert client.post("/groups/grupo-a/meetings/new", data=data).status_code == 302
    with app.app_context():
        mails = {m["To"]: m for m in sent_messages()}
    invited = {world["people"][r].email for r in ("member", "colleague")}
    assert set(mails) == invited  # the chair who created it is not told
    message = mails[world["people"]["member"].email]
    cal = _ics_of(message)
    assert str(cal["METHOD"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2030, 7, 2, 16, 0, tzinfo=UTC)
    notes = db_session.scalars(
        select(Notification).where(Notification.kind == NotificationKind.MEETING_INVITATION)
    ).all()
    assert {n.user_id for n in notes} == {world["people"][r].id for r in ("member", "colleague")}
    inbox = app.test_client()
    sign_in(inbox, world["people"]["member"].email)
    assert "Sesión de julio" in inbox.get("/inbox").get_data(as_text=True)

    # A new time: the invited are told again, with the new time; the same UID, a new SEQUENCE.
    meeting_id = int(notes[0].link.rsplit("/", 1)[1])
    moved = {**data, "starts_time": "12:00", "ends_time": "13:00", "version": "1"}
    assert client.post(f"/meetings/{meeting_id}/edit", data=moved).status_code == 302
    with app.app_context():
        later = [m for m in sent_messages() if m not in mails.values()]
    assert {m["To"] for m in later} == invited
    [event2] = _ics_of(later[0]).walk("VEVENT")
    assert event2.decoded("DTSTART").astimezone(UTC) == datetime(2030, 7, 2, 18, 0, tzinfo=UTC)
    assert event2["UID"] == event["UID"] and event2["SEQUENCE"] > event["SEQUENCE"]

    # Cancelled: METHOD:CANCEL, STATUS:CANCELLED.
    response = client.post(f"/meetings/{meeting_id}/cancel", data={"confirm": "yes"})
    assert response.status_code == 302
    with app.app_context():
        last = sent_messages()[-1]
    cancel = _ics_of(last)
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(cancel.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    assert len(db_session.scalars(select(OutboxMessage)).all()) == 6


def test_the_invitation_reaches_a_real_smtp_server_with_its_calendar_file(
    app, client, db_session, world
):
    import socket

    from aiosmtpd.controller import Controller

    from coalition_app.core import outbox

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[bytes] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.messages.append(envelope.content)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config.update(
        MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DELIVERY="command"
    )
    sign_in(
        client,
        world["coordinator_email"]
        if "coordinator_email" in world
        else world["people"]["coordinator"].email,
    )
    data = {
        "title": "Foro",
        "starts_on": "2030-09-01",
        "starts_time": "09:00",
        "ends_on": "2030-09-01",
        "ends_time": "13:00",
        "organisers-0": world["institutions"]["member"].name,
        "scope": "organisers",
    }
    assert client.post("/calendar/events/new", data=data).status_code == 302
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        with app.app_context():
            report = outbox.deliver_due()
    finally:
        server.stop()
    assert report.sent == 2  # the two people of the organising institution
    parsed = email.message_from_bytes(inbox.messages[0])
    [part] = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invitation.ics"
    assert b"BEGIN:VEVENT" in part.get_payload(decode=True)


def test_answers_are_counted_and_can_change(client, db_session, world, make_meeting):
    meeting = make_meeting(world["group"])
    sign_in(client, world["people"]["member"].email)
    assert client.post(f"/meetings/{meeting.id}/rsvp", data={"rsvp": "maybe"}).status_code == 302
    assert client.post(f"/meetings/{meeting.id}/rsvp", data={"rsvp": "yes"}).status_code == 302
    assert client.post(f"/meetings/{meeting.id}/rsvp", data={"rsvp": "later"}).status_code == 400
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Sí: 1 · Quizá: 0 · No: 0" in page
    rows = db_session.scalars(select(MeetingAttendance)).all()
    assert [(r.person_id, r.rsvp.value) for r in rows] == [(world["people"]["member"].id, "yes")]


def test_attendance_keeps_the_institution_of_the_day_and_adds_people_by_search(
    client, db_session, world, make_meeting, make_institution
):
    meeting = make_meeting(world["group"], days=-1)
    member, outsider = world["people"]["member"], world["people"]["outsider"]
    db_session.add(
        MeetingAttendance(meeting=meeting, person=member, institution_id=member.institution_id)
    )
    db_session.commit()
    sign_in(client, world["people"]["chair"].email)
    response = client.post(
        f"/meetings/{meeting.id}/attendance",
        data={"attended": [str(member.id)], "add": f"Outsider <{outsider.email}>"},
    )
    assert response.status_code == 302
    rows = {
        r.person_id: r
        for r in db_session.scalars(
            select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id)
        )
    }
    assert rows[member.id].attended and rows[outsider.id].attended
    assert rows[outsider.id].institution_id == world["institutions"]["outside"].id
    # The member changes jobs later: the record keeps the institution they came for.
    member_row = db_session.get(type(member), member.id)
    member_row.institution_id = make_institution().id
    db_session.commit()
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "(MA" in page
    unknown = client.post(f"/meetings/{meeting.id}/attendance", data={"add": "Nadie Así"})
    assert unknown.status_code == 400
    assert 'id="add-errors"' in unknown.get_data(as_text=True)


def test_attendance_waits_for_the_meeting_to_start(client, db_session, world, make_meeting):
    meeting = make_meeting(world["group"], days=3)
    sign_in(client, world["people"]["chair"].email)
    response = client.post(
        f"/meetings/{meeting.id}/attendance", data={"add": world["people"]["member"].email}
    )
    assert response.status_code == 400
    assert db_session.scalars(select(MeetingAttendance)).all() == []


def test_an_action_item_becomes_a_task_of_the_chosen_deliverable_with_one_click(
    client, db_session, world, make_meeting
):
    group, member = world["group"], world["people"]["member"]
    meeting = make_meeting(group, days=-1, title="Sesión de mayo")
    deliverable = Deliverable(group_id=group.id, title="Código", status=WorkStatus.IN_PROGRESS)
    db_session.add(deliverable)
    db_session.commit()
    sign_in(client, world["people"]["chair"].email)
    response = client.post(
        f"/meetings/{meeting.id}/actions",
        data={
            "text": "Redactar el borrador",
            "assignee_id": str(member.id),
            "due_on": "2030-01-15",
        },
    )
    assert response.status_code == 302
    item = db_session.scalar(select(MeetingActionItem))
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Redactar el borrador" in page and "Crear tarea" in page
    response = client.post(
        f"/meetings/{meeting.id}/actions/{item.id}/task",
        data={f"task-{item.id}-deliverable_id": str(deliverable.id)},
    )
    assert response.status_code == 302
    task = db_session.scalar(select(Task))
    assert response.headers["Location"].endswith(f"/tasks/{task.id}")
    assert (task.title, task.assignee_id, task.deliverable_id) == (
        "Redactar el borrador",
        member.id,
        deliverable.id,
    )
    assert "Sesión de mayo" in task.description
    db_session.expire_all()
    assert db_session.get(MeetingActionItem, item.id).task_id == task.id
    assert db_session.scalar(
        select(Notification).where(Notification.kind == NotificationKind.TASK_ASSIGNED)
    )
    again = client.post(
        f"/meetings/{meeting.id}/actions/{item.id}/task",
        data={f"task-{item.id}-deliverable_id": str(deliverable.id)},
    )
    assert again.status_code == 400
    assert len(db_session.scalars(select(Task)).all()) == 1


def test_an_assignee_outside_the_group_is_refused(client, db_session, world, make_meeting):
    meeting = make_meeting(world["group"], days=-1)
    sign_in(client, world["people"]["chair"].email)
    response = client.post(
        f"/meetings/{meeting.id}/actions",
        data={"text": "Algo", "assignee_id": str(world["people"]["outsider"].id)},
    )
    assert response.status_code == 400
    assert 'id="assignee_id-errors"' in response.get_data(as_text=True)
    assert db_session.scalars(select(MeetingActionItem)).all() == []


def test_minutes_saved_over_someone_else_s_save_are_a_conflict(
    client, db_session, world, make_meeting
):
    meeting = make_meeting(world["group"], days=-1)
    sign_in(client, world["people"]["chair"].email)
    fresh = db_session.get(type(meeting), meeting.id)
    fresh.minutes = "Sus notas"
    db_session.commit()
    response = client.post(
        f"/meetings/{meeting.id}/minutes",
        data={"minutes": "Mis notas", "decisions": "", "version": "1"},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Mis notas" in page and "Sus notas" in page
    db_session.expire_all()
    assert db_session.get(type(meeting), meeting.id).minutes == "Sus notas"
    assert timedelta(0) < meeting.ends_at - meeting.starts_at


def test_minutes_and_decisions_are_markdown_rendered_safely(
    client, db_session, world, make_meeting
):
    meeting = make_meeting(world["group"], days=-1, agenda="1. *Apertura*\n2. Cierre")
    sign_in(client, world["people"]["chair"].email)
    response = client.post(
        f"/meetings/{meeting.id}/minutes",
        data={
            "minutes": "**Acuerdo** con [la guía](https://example.org/guia)\n\n"
            '<script>alert("acta")</script><img src=x onerror=alert(1)>',
            "decisions": "- Publicar\n- Revisar",
            "version": "1",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "<strong>Acuerdo</strong>" in page
    assert '<a href="https://example.org/guia"' in page
    assert "<li>Publicar</li>" in page and "<em>Apertura</em>" in page
    # Raw HTML is shown as text, never run.
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page
    # The text stays as typed; only the page renders it.
    db_session.expire_all()
    assert db_session.get(type(meeting), meeting.id).minutes.startswith("**Acuerdo**")


def test_an_event_offers_its_people_as_assignees_with_their_institution_of_today(
    client, db_session, world, make_meeting, make_institution
):
    """A coalition event (no group): the action item's assignees are its invited people,
    named with the institution they belong to now (the list keeps the one they came for)."""
    event = make_meeting(None, days=-1)
    member = world["people"]["member"]
    db_session.add(
        MeetingAttendance(
            meeting=event, person=member, institution_id=member.institution_id, rsvp="maybe"
        )
    )
    db_session.commit()
    member_row = db_session.get(type(member), member.id)
    member_row.institution_id = make_institution(acronym="NEW").id
    db_session.commit()
    sign_in(client, world["people"]["coordinator"].email)
    page = client.get(f"/meetings/{event.id}").get_data(as_text=True)
    assert f'<option value="{member.id}">{member.full_name} (NEW)</option>' in page
    assert f'{member.full_name} <span class="text-body-secondary small">(MA · Quizá)' in page
    assert "Sí: 0 · Quizá: 1 · No: 0" in page
