"""The meetings' API resources: a meeting or event (with, on its own page, who answered and
who came), the calendar's list, and the bodies that create one, answer it and record who
attended. Times are RFC 3339 instants; the pages show them in the coalition's zone."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any, Literal

from flask import url_for
from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, AwareDatetime, Field

from models import Meeting as MeetingRow
from models import MeetingKind, Rsvp

from ..api.helpers import no_control_characters
from ..api.schemas import GroupRef, InstitutionRef, Key, PersonRef, Refusal, Schema, Timestamp
from ..core.url_patterns import url_pattern
from ..work.schemas import _web_address
from . import service
from .ical import as_utc

Title = Annotated[
    str,
    Field(min_length=1, max_length=200, strict=True),
    AfterValidator(no_control_characters),
    Refusal(_l("The title is text of 1 to 200 characters.")),
]
Place = Annotated[
    str,
    Field(max_length=300, strict=True),
    AfterValidator(no_control_characters),
    Refusal(_l("The place is text of at most 300 characters.")),
]
OnlineLink = Annotated[
    Annotated[
        str,
        Field(max_length=500, strict=True, json_schema_extra={"format": "uri"}),
        AfterValidator(_web_address),
    ]
    | None,
    Refusal(_l("Enter a full web address (https://…).")),
]
Agenda = Annotated[
    str,
    Field(max_length=5000, strict=True),
    AfterValidator(no_control_characters),
    Refusal(_l("The agenda is Markdown of at most 5,000 characters.")),
]
Moment = Annotated[
    AwareDatetime,
    Refusal(_l("Give the time as RFC 3339 with its offset (2026-03-01T10:00:00-06:00).")),
]


class Meeting(Schema):
    """A group's meeting (group set) or a coalition event (group null, organised by
    institutions). agenda, minutes and decisions are Markdown as typed."""

    id: int
    kind: MeetingKind
    title: str
    starts_at: Timestamp
    ends_at: Timestamp
    place: str | None
    online_url: str | None
    group: GroupRef | None
    organisers: list[InstitutionRef]
    agenda: str
    is_public: bool
    minutes: str
    decisions: str
    cancelled_at: Timestamp | None
    version: int
    url: str

    @classmethod
    def of(cls, meeting: MeetingRow) -> Meeting:
        return cls(**cls.fields_of(meeting))

    @staticmethod
    def fields_of(meeting: MeetingRow) -> dict:
        organisers = [InstitutionRef.of(o.institution) for o in meeting.organisers]
        return {
            "id": meeting.id,
            "kind": meeting.kind,
            "title": meeting.title,
            "starts_at": as_utc(meeting.starts_at),
            "ends_at": as_utc(meeting.ends_at),
            "place": meeting.place,
            "online_url": meeting.online_url,
            "group": GroupRef.of(meeting.group) if meeting.group is not None else None,
            "organisers": [o for o in organisers if o is not None],
            "agenda": meeting.agenda or "",
            "is_public": meeting.is_public,
            "minutes": meeting.minutes or "",
            "decisions": meeting.decisions or "",
            "cancelled_at": as_utc(meeting.cancelled_at) if meeting.cancelled_at else None,
            "version": meeting.version,
            "url": url_for("api.meeting", meeting_id=meeting.id),
        }


class Attendance(Schema):
    """One invited or attending person: rsvp is their answer (null: none yet); attended
    says whether the organiser recorded them as present, for institution (as on the day)."""

    person: PersonRef
    institution: InstitutionRef
    rsvp: Rsvp | None
    attended: bool


class MeetingDetail(Meeting):
    """A meeting with its list of people (invited, answered, attended), by name."""

    attendance: list[Attendance]

    @classmethod
    def of(cls, meeting: MeetingRow, people: list[Any]) -> MeetingDetail:
        """`people`: `queries.attendance_rows(meeting)` (by name, then as they were added),
        validated as plain values in one call (not a model built per person and ref)."""
        institution_url = url_pattern("api.institution", "institution_id")
        attendance = [
            {
                "person": {"id": a.person_id, "full_name": a.full_name},
                "institution": {
                    "id": a.institution_id,
                    "name": a.came_for_name,
                    "url": institution_url(a.institution_id),
                },
                "rsvp": a.rsvp,
                "attended": a.attended,
            }
            for a in people
        ]
        return cls.model_validate({**Meeting.fields_of(meeting), "attendance": attendance})


class MeetingList(Schema):
    data: list[Meeting]
    total: int
    page: int
    pages: int


class MeetingListQuery(Schema):
    """when: upcoming (soonest first, the default) or past (newest first); page."""

    when: Annotated[Literal["upcoming", "past"], Refusal(_l("when is upcoming or past."))] = (
        "upcoming"
    )
    page: Annotated[int, Field(ge=1, le=10_000_000), Refusal(_l("Unknown page."))] = 1


class NewMeeting(Schema):
    """A meeting of the group in the path, or (POST /meetings) a coalition event, which
    names its organising institutions and whom to invite (scope). The invited are told by
    e-mail with an .ics. A meeting that has already ended needs confirm_past: true."""

    title: Title
    starts_at: Moment
    ends_at: Moment
    place: Place = ""
    online_url: OnlineLink = None
    agenda: Agenda = ""
    is_public: Annotated[bool, Field(strict=True), Refusal(_l("true or false."))] = False
    confirm_past: Annotated[bool, Field(strict=True), Refusal(_l("true or false."))] = False
    organisers: Annotated[
        list[Key], Field(max_length=50), Refusal(_l("Give the ids of the organising institutions."))
    ] = []
    scope: Annotated[
        Literal["everyone", "organisers", "nobody"],
        Refusal(_l("scope is everyone, organisers or nobody.")),
    ] = "everyone"

    def data(self) -> service.MeetingData:
        return service.MeetingData(
            title=self.title,
            starts_at=self.starts_at.astimezone(UTC),
            ends_at=self.ends_at.astimezone(UTC),
            place=self.place,
            online_url=self.online_url or "",
            agenda=self.agenda,
            is_public=self.is_public,
        )


class RsvpAnswer(Schema):
    """Whether you come: yes, no or maybe (you may change it)."""

    rsvp: Annotated[Rsvp, Refusal(_l("rsvp is yes, no or maybe."))]


class AttendanceRecord(Schema):
    """attended: the ids of everyone who came (those not listed are recorded as absent);
    someone not yet on the list is added."""

    attended: Annotated[
        list[Key], Field(max_length=5000), Refusal(_l("Give the ids of the people who came."))
    ]
