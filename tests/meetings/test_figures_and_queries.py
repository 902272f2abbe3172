"""The figures (meetings held, distinct participants and institutions, hours of dialogue) on a
small hand-made set, the CSV, and the pages that answer in a fixed number of statements."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import yaml
from sqlalchemy import insert, select

from coalition_app.meetings import queries
from models import Basis, Meeting, MeetingAttendance, MeetingKind
from seeds import DATA_DIR
from tests.helpers import count_statements, sign_in


def _held(db_session, group, starts, hours, attended, **fields) -> Meeting:
    meeting = Meeting(
        kind=MeetingKind.MEETING if group else MeetingKind.EVENT,
        group=group,
        title=fields.pop("title", "Sesión"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        basis=Basis.DEMO,
        **fields,
    )
    for person in attended:
        meeting.attendances.append(
            MeetingAttendance(person=person, institution_id=person.institution_id, attended=True)
        )
    db_session.add(meeting)
    db_session.commit()
    return meeting


def test_figures_per_group_and_year_on_a_small_set(app, db_session, world):
    group, p = world["group"], world["people"]
    # 2024: two held meetings of the group (2 h and 1.5 h) with the member twice.
    _held(db_session, group, datetime(2024, 3, 5, 16, tzinfo=UTC), 2, [p["member"], p["chair"]])
    _held(db_session, group, datetime(2024, 9, 5, 16, tzinfo=UTC), 1.5, [p["member"]])
    # 1 January 2025 at 04:00 UTC is still 31 December 2024 in Mexico City: a 2024 meeting.
    _held(db_session, group, datetime(2025, 1, 1, 4, tzinfo=UTC), 1, [p["colleague"]])
    # 2025: an event with the outsider and the member; a cancelled one and a future one
    # count for nothing.
    _held(db_session, None, datetime(2025, 5, 20, 15, tzinfo=UTC), 8, [p["outsider"], p["member"]])
    _held(
        db_session,
        group,
        datetime(2025, 6, 1, 15, tzinfo=UTC),
        3,
        [p["member"]],
        cancelled_at=datetime(2025, 5, 30, tzinfo=UTC),
    )
    _held(db_session, group, datetime.now(UTC) + timedelta(days=30), 2, [])
    with app.test_request_context():
        with count_statements(db_session.get_bind()) as counter:
            table, years = queries.figures(db_session)
        # The years, the meetings and hours, the distinct people at every level.
        assert counter.count == 3
        one_group, group_years = queries.figures(db_session, group)
    assert years[:2] == [2024, 2025] and group_years == years
    # A group's own figures are the same as its entries in the whole table, nothing else.
    assert one_group == {key: value for key, value in table.items() if key[0] == group.id}
    figure = table[(group.id, 2024)]
    assert (figure.meetings, figure.participants, figure.institutions, figure.hours) == (
        3,
        3,
        2,  # the lead (the chair's) and the member institution
        4.5,
    )
    assert (group.id, 2025) not in table
    event = table[(None, 2025)]
    assert (event.meetings, event.participants, event.institutions, event.hours) == (1, 2, 2, 8)
    everything = table[(queries.ALL, None)]
    # Distinct over everything: chair, member, colleague, outsider; three institutions.
    assert (everything.meetings, everything.participants, everything.institutions) == (4, 4, 3)
    assert everything.hours == 12.5

    client = app.test_client()
    sign_in(client, p["member"].email)
    response = client.get("/meetings/figures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["group", "year", "meetings_held", "participants", "institutions", "hours"]
    assert ["grupo-a", "2024", "3", "3", "2", "4.5"] in rows
    assert ["coalition-events", "2025", "1", "2", "2", "8.0"] in rows
    assert ["all", "all", "4", "4", "3", "12.5"] in rows
    page = client.get("/groups/grupo-a").get_data(as_text=True)
    assert 'id="meeting-figures"' in page and "4,5" in page
    # The growth dashboard reports the same figures, per year and group, with the CSV.
    growth = client.get("/growth")
    assert growth.status_code == 200
    table = (
        growth.get_data(as_text=True).split('id="meeting-figures-table"')[1].split("</table>")[0]
    )
    assert "12,5" in table and "/meetings/figures.csv" in growth.get_data(as_text=True)


def _many(db_session, group, start: int, n: int) -> None:
    base = datetime.now(UTC) + timedelta(days=1)
    db_session.execute(
        insert(Meeting),
        [
            {
                "kind": "meeting" if group else "event",
                "group_id": group.id if group else None,
                "title": f"Reunión {i:04d}",
                "starts_at": base + timedelta(hours=i),
                "ends_at": base + timedelta(hours=i, minutes=90),
                "agenda": "",
                "minutes": "",
                "decisions": "",
                "is_public": False,
                "basis": "demo",
                "version": 1,
                "created_at": base,
            }
            for i in range(start, start + n)
        ],
    )
    db_session.commit()


def test_the_calendars_answer_in_fixed_statements_however_many_meetings(client, db_session, world):
    sign_in(client, world["people"]["member"].email)
    group = world["group"]
    paths = ["/calendar", "/groups/grupo-a/calendar", "/calendar?when=past", "/"]
    _many(db_session, group, 0, 3)
    _many(db_session, None, 3, 2)
    few = {}
    for path in paths:
        with count_statements(db_session.get_bind()) as counter:
            assert client.get(path).status_code == 200
        few[path] = counter.count
    _many(db_session, group, 5, 80)
    _many(db_session, None, 85, 40)
    for path in paths:
        with count_statements(db_session.get_bind()) as counter:
            assert client.get(path).status_code == 200
        assert counter.count == few[path], path
    page = client.get("/groups/grupo-a/calendar?page=4").get_data(as_text=True)
    # 83 meetings of the group, 25 a page, soonest first: the fourth page holds the last eight.
    assert "Reunión 0080" in page and "Reunión 0084" in page
    assert "Reunión 0076" not in page and "Reunión 0090" not in page


def test_a_page_number_beyond_or_nonsense_is_handled(client, world):
    sign_in(client, world["people"]["member"].email)
    assert client.get("/calendar?page=x").status_code == 400
    assert client.get("/calendar?when=tomorrow").status_code == 400
    assert client.get("/calendar?page=99").status_code == 200


def test_seeding_meetings_is_idempotent_and_marked_demo(db_session):
    from seeds import load_all

    load_all(db_session, password_hash_method="pbkdf2:sha256:1000")
    db_session.commit()
    first = db_session.execute(
        select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.basis).order_by(Meeting.id)
    ).all()
    attendance = db_session.execute(
        select(MeetingAttendance.id, MeetingAttendance.rsvp, MeetingAttendance.attended).order_by(
            MeetingAttendance.id
        )
    ).all()
    load_all(db_session, password_hash_method="pbkdf2:sha256:1000")
    db_session.commit()
    assert (
        db_session.execute(
            select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.basis).order_by(Meeting.id)
        ).all()
        == first
    )
    # 24 meetings a year for each of the six groups, six events (seeds/data/meetings.yaml) and
    # the public site's announced events (seeds/data/public_events.yaml).
    public_events = yaml.safe_load((DATA_DIR / "public_events.yaml").read_text())
    assert len(first) == 6 * 24 + 6 + len(public_events)
    assert {row.basis for row in first} == {Basis.DEMO}
    assert (
        db_session.execute(
            select(
                MeetingAttendance.id, MeetingAttendance.rsvp, MeetingAttendance.attended
            ).order_by(MeetingAttendance.id)
        ).all()
        == attendance
    )
    assert sum(1 for row in attendance if row.attended) > 100
    events = db_session.scalars(select(Meeting.title).where(Meeting.group_id.is_(None))).all()
    assert any("Senado" in t for t in events) and any("Jalisco" in t for t in events)


def _many_with_people(db_session, world, start: int, n: int, *, days: int) -> None:
    """`n` meetings of the group and `n` events, each with organisers (the events), three
    invited people who answered and came, as the synthetic coalition has them."""
    from models import MeetingOrganiser

    group = world["group"]
    people = [world["people"][k] for k in ("chair", "member", "colleague")]
    base = datetime.now(UTC) + timedelta(days=days)
    rows = [
        {
            "kind": "meeting" if i % 2 else "event",
            "group_id": group.id if i % 2 else None,
            "title": f"Sesión {i:04d}",
            "starts_at": base + timedelta(hours=i),
            "ends_at": base + timedelta(hours=i, minutes=90),
            "agenda": "*Orden*",
            "minutes": "**Acta**" if days < 0 else "",
            "decisions": "",
            "is_public": i % 3 == 0,
            "basis": "demo",
            "version": 1,
            "created_at": base,
        }
        for i in range(start, start + 2 * n)
    ]
    ids = db_session.scalars(
        insert(Meeting).returning(Meeting.id, sort_by_parameter_order=True), rows
    ).all()
    db_session.execute(
        insert(MeetingAttendance),
        [
            {
                "meeting_id": meeting_id,
                "person_id": person.id,
                "institution_id": person.institution_id,
                "rsvp": "yes",
                "attended": days < 0,
            }
            for meeting_id in ids
            for person in people
        ],
    )
    db_session.execute(
        insert(MeetingOrganiser),
        [
            {"meeting_id": meeting_id, "institution_id": world["institutions"]["lead"].id}
            for meeting_id, row in zip(ids, rows, strict=True)
            if row["group_id"] is None
        ],
    )
    db_session.commit()


def test_calendars_group_lists_and_the_api_stay_fixed_with_attendance_and_organisers(
    client, db_session, world
):
    """The synthetic scale's shape (20,000 meetings, 300,000 attendances) in small: every
    calendar, the group's page and list, and the API's lists read the same statements with
    a few meetings as with many, each with its people and organisers."""
    sign_in(client, world["people"]["member"].email)
    paths = [
        "/calendar",
        "/calendar?when=past",
        "/calendar?group=events",
        "/groups/grupo-a/calendar",
        "/groups/grupo-a/calendar?when=past",
        "/groups/grupo-a",
        "/",
        "/api/v1/meetings",
        "/api/v1/meetings?when=past",
        "/api/v1/groups/grupo-a/meetings",
        "/api/v1/groups/grupo-a/meetings?when=past",
    ]
    _many_with_people(db_session, world, 0, 2, days=2)
    _many_with_people(db_session, world, 4, 2, days=-30)

    def statements() -> dict[str, int]:
        counts = {}
        for path in paths:
            with count_statements(db_session.get_bind()) as counter:
                assert client.get(path).status_code == 200, path
            counts[path] = counter.count
        return counts

    few = statements()
    _many_with_people(db_session, world, 8, 40, days=3)
    _many_with_people(db_session, world, 90, 40, days=-60)
    assert statements() == few
    listed = client.get("/api/v1/groups/grupo-a/meetings?when=past").get_json()
    assert listed["total"] == 42 and len(listed["data"]) == 25


def test_a_meeting_s_page_and_api_answer_stay_fixed_however_many_people_came(
    client, db_session, world, make_meeting, make_user
):
    meeting = make_meeting(world["group"], days=-1)
    member = world["institutions"]["member"]

    def add_people(n: int) -> None:
        for _ in range(n):
            person = make_user(institution=member)
            db_session.add(
                MeetingAttendance(
                    meeting_id=meeting.id,
                    person_id=person.id,
                    institution_id=member.id,
                    rsvp="yes",
                    attended=True,
                )
            )
        db_session.commit()

    sign_in(client, world["people"]["chair"].email)
    paths = [f"/meetings/{meeting.id}", f"/api/v1/meetings/{meeting.id}"]

    def statements() -> dict[str, int]:
        counts = {}
        for path in paths:
            with count_statements(db_session.get_bind()) as counter:
                assert client.get(path).status_code == 200, path
            counts[path] = counter.count
        return counts

    add_people(2)
    few = statements()
    add_people(30)
    assert statements() == few
