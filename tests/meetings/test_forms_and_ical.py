"""Creating and editing meetings through the forms: times typed in the coalition's zone and
stored in UTC, the errors next to their fields, the confirmation for a meeting already held,
the edit conflict; the iCalendar feeds and their secret addresses, parsed back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from models import CalendarFeed, Meeting, MeetingAttendance, OutboxMessage
from tests.helpers import sign_in

MX = ZoneInfo("America/Mexico_City")


def _form(**changes) -> dict[str, str]:
    data = {
        "title": "Sesión de ética",
        "starts_on": "2030-03-12",
        "starts_time": "10:00",
        "ends_on": "2030-03-12",
        "ends_time": "12:30",
        "place": "Sala 1",
        "online_url": "https://meet.example.org/etica",
        "agenda": "1. Código",
        "scope": "everyone",
    }
    data.update(changes)
    return data


def _stored(db_session) -> Meeting:
    db_session.expire_all()
    return db_session.scalars(select(Meeting).order_by(Meeting.id.desc())).first()


def test_times_typed_in_mexico_city_are_stored_in_utc_and_shown_back(client, db_session, world):
    sign_in(client, world["people"]["chair"].email)
    response = client.post("/groups/grupo-a/meetings/new", data=_form())
    assert response.status_code == 302
    meeting = _stored(db_session)
    assert meeting.starts_at.replace(tzinfo=UTC) == datetime(2030, 3, 12, 16, 0, tzinfo=UTC)
    assert meeting.ends_at.replace(tzinfo=UTC) == datetime(2030, 3, 12, 18, 30, tzinfo=UTC)
    edit = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="10:00"' in edit and 'value="12:30"' in edit and 'value="2030-03-12"' in edit
    # The group's people are invited: one answer row each, none yet answered.
    invited = db_session.scalars(
        select(MeetingAttendance.person_id).where(MeetingAttendance.meeting_id == meeting.id)
    ).all()
    expected = {world["people"][r].id for r in ("chair", "member", "colleague")}
    assert set(invited) == expected


def test_an_end_before_the_start_is_refused_next_to_the_end(client, db_session, world):
    sign_in(client, world["people"]["chair"].email)
    response = client.post("/groups/grupo-a/meetings/new", data=_form(ends_time="09:00"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="ends_on-errors"[^>]*>\s*<div>[^<]+', page)
    assert 'value="Sesión de ética"' in page  # what was typed stays
    assert _stored(db_session) is None


def test_a_bad_link_is_refused(client, db_session, world):
    sign_in(client, world["people"]["chair"].email)
    response = client.post("/groups/grupo-a/meetings/new", data=_form(online_url="meet-here"))
    assert response.status_code == 400
    assert 'id="online_url-errors"' in response.get_data(as_text=True)
    assert _stored(db_session) is None


def test_a_meeting_already_held_is_recorded_only_once_confirmed_and_invites_no_one(
    client, db_session, world
):
    sign_in(client, world["people"]["chair"].email)
    past = _form(starts_on="2025-02-04", ends_on="2025-02-04")
    response = client.post("/groups/grupo-a/meetings/new", data=past)
    assert response.status_code == 400
    assert 'name="confirm_past"' in response.get_data(as_text=True)
    assert _stored(db_session) is None
    response = client.post("/groups/grupo-a/meetings/new", data={**past, "confirm_past": "y"})
    assert response.status_code == 302
    assert _stored(db_session).title == "Sesión de ética"
    assert db_session.scalars(select(OutboxMessage)).all() == []


def test_an_edit_on_an_old_version_is_a_conflict_that_keeps_what_was_typed(
    client, db_session, world, make_meeting
):
    meeting = make_meeting(world["group"], title="Original")
    sign_in(client, world["people"]["chair"].email)
    starts = meeting.starts_at.astimezone(MX)
    ends = meeting.ends_at.astimezone(MX)
    data = _form(
        title="Mi cambio",
        starts_on=starts.date().isoformat(),
        starts_time=starts.strftime("%H:%M"),
        ends_on=ends.date().isoformat(),
        ends_time=ends.strftime("%H:%M"),
        version=str(meeting.version),
    )
    theirs = db_session.get(Meeting, meeting.id)
    theirs.title = "Su cambio"
    db_session.commit()  # someone else saved first
    assert theirs.version == 2
    response = client.post(f"/meetings/{meeting.id}/edit", data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'value="Mi cambio"' in page and "Su cambio" in page
    assert _stored(db_session).title == "Su cambio"


def test_the_feeds_parse_back_with_the_right_times_in_both_zones(
    client, db_session, world, make_meeting
):
    starts = datetime(2030, 6, 3, 15, 0, tzinfo=UTC)  # 09:00 in Mexico City (UTC-6)
    meeting = make_meeting(
        world["group"], title="Sesión", starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    cancelled = make_meeting(
        world["group"],
        title="Cancelada",
        starts_at=starts + timedelta(days=1),
        ends_at=starts + timedelta(days=1, hours=1),
        cancelled_at=datetime.now(UTC),
    )
    member = world["people"]["member"]
    sign_in(client, member.email)
    page = client.post("/groups/grupo-a/calendar/feed").get_data(as_text=True)
    url = re.search(r'id="feed-url" readonly value="([^"]+)"', page).group(1)
    assert url.startswith("http://127.0.0.1:5000/calendar/") and url.endswith(".ics")
    path = url.removeprefix("http://127.0.0.1:5000")
    stored = db_session.scalar(select(CalendarFeed).where(CalendarFeed.person_id == member.id))
    assert path.split("/")[-1].removesuffix(".ics") not in stored.token_hash  # a digest only

    anonymous = client.application.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/Mexico_City"]
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    event = events["Sesión"]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert event["DTSTART"].params["TZID"] == "America/Mexico_City"
    assert (start.hour, start.minute) == (9, 0) and start.utcoffset() == timedelta(hours=-6)
    assert start.astimezone(UTC) == starts
    assert end.astimezone(UTC) == starts + timedelta(hours=2)
    assert str(event["UID"]) == f"meeting-{meeting.id}@127.0.0.1"
    assert str(events["Cancelada"]["STATUS"]) == "CANCELLED"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert cancelled.id != meeting.id

    # A new address replaces the old one, which stops working.
    sign_in(client, member.email)
    page = client.post("/groups/grupo-a/calendar/feed").get_data(as_text=True)
    new_url = re.search(r'id="feed-url" readonly value="([^"]+)"', page).group(1)
    assert new_url != url
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(new_url.removeprefix("http://127.0.0.1:5000")).status_code == 200
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404


def test_a_members_only_meeting_leaves_the_feed_of_someone_outside_the_group(
    client, db_session, world, make_meeting
):
    make_meeting(world["group"], title="Reservada")
    make_meeting(world["group"], title="Abierta", is_public=True)
    sign_in(client, world["people"]["outsider"].email)
    page = client.post("/groups/grupo-a/calendar/feed").get_data(as_text=True)
    url = re.search(r'id="feed-url" readonly value="([^"]+)"', page).group(1)
    cal = Calendar.from_ical(client.get(url.removeprefix("http://127.0.0.1:5000")).data)
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Abierta"]
