"""`/api/v1/meetings` and `/api/v1/groups/<slug>/meetings`: the calendars (the coalition's and
a group's), one meeting, and create, answer (RSVP) and record attendance, through the same
policy and use cases as the pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import NotFound

from models import Institution, User, WorkingGroup

from ..api.blueprint import bp
from ..api.helpers import answer, parse_body, parse_query, require_write_scope
from ..api.openapi import Responses, operation
from ..core.db import session
from ..core.errors import DomainError
from ..groups import service as group_service
from ..policy import authorize, require_visible
from . import queries
from . import service as meetings
from .schemas import (
    AttendanceRecord,
    Meeting,
    MeetingDetail,
    MeetingList,
    MeetingListQuery,
    NewMeeting,
    RsvpAnswer,
)

NOT_FOUND: Responses = {404: ("No such meeting", None)}
REFUSED: Responses = {422: ("A rule was broken", None)}
NO_GROUP: Responses = {404: ("No such group", None)}


def _load(meeting_id: int, *, people: bool = True):
    """The meeting, 404 unless one may see it; without `people`, without its attendance
    (an answer reads it as rows: `_detail`)."""
    load = queries.load_meeting if people else queries.load_meeting_head
    meeting = load(session, meeting_id)
    if meeting is None:
        raise NotFound()
    require_visible(current_user, "view_meeting", meeting)
    return meeting


def _detail(meeting) -> MeetingDetail:
    """The meeting as the API shows it, its people read as rows (after any change, flushed
    by the use case)."""
    return MeetingDetail.of(meeting, queries.attendance_rows(session, meeting))


def _list(group: WorkingGroup | None):
    asked = parse_query(MeetingListQuery)
    query = queries.CalendarQuery(page=asked.page, past=asked.when == "past")
    page = queries.calendar_page(session, current_user, query, group=group)
    return answer(
        MeetingList(
            data=[Meeting.of(m) for m in page.meetings],
            total=page.total,
            page=page.query.page,
            pages=page.pages,
        )
    )


def _list_spec(what: str, errors: Responses | None = None):
    return operation(
        "GET",
        summary=f"{what}: upcoming (soonest first) or past (newest first), those you may see",
        tag="meetings",
        query=MeetingListQuery,
        responses={200: ("A page of meetings", MeetingList), **(errors or {})},
    )


@bp.get("/meetings")
@_list_spec("The coalition's calendar (every group's meetings and the coalition's events)")
def meetings_list():
    authorize(current_user, "view_coalition")
    return _list(None)


@bp.get("/groups/<slug>/meetings")
@_list_spec("A working group's meetings", NO_GROUP)
def group_meetings(slug: str):
    group = group_service.load_group(slug)
    authorize(current_user, "view_group", group)
    return _list(group)


@bp.get("/meetings/<int:meeting_id>")
@operation(
    "GET",
    summary="One meeting, with who is invited, who answered and who came",
    tag="meetings",
    responses={200: ("The meeting", MeetingDetail), **NOT_FOUND},
)
def meeting(meeting_id: int):
    return answer(_detail(_load(meeting_id, people=False)))


def _create(group: WorkingGroup | None):
    require_write_scope()
    body = parse_body(NewMeeting)
    organisers: list[Institution] = []
    if group is None:
        for institution_id in dict.fromkeys(body.organisers):
            institution = session.get(Institution, institution_id)
            if institution is None:
                raise DomainError(_l("No institution has that id."), field="organisers")
            organisers.append(institution)
    elif body.organisers:
        raise DomainError(
            _l("A group's meeting is organised by its group: leave organisers out."),
            field="organisers",
        )
    created = meetings.create_meeting(
        group,
        current_user,
        body.data(),
        organisers=organisers,
        scope=body.scope,
        confirmed_past=body.confirm_past,
    )
    return answer(_detail(_load(created.id, people=False)), 201)


def _create_spec(what: str, errors: Responses | None = None):
    return operation(
        "POST",
        summary=what,
        tag="meetings",
        body=NewMeeting,
        writes=True,
        responses={
            201: ("The meeting, its invited people told", MeetingDetail),
            **REFUSED,
            **(errors or {}),
        },
    )


@bp.post("/meetings")
@_create_spec("Create a coalition event (coordinators), with its organising institutions")
def create_event():
    authorize(current_user, "create_event")
    return _create(None)


@bp.post("/groups/<slug>/meetings")
@_create_spec("Create a meeting of a working group (its chairs and the coordinators)", NO_GROUP)
def create_group_meeting(slug: str):
    group = group_service.load_group(slug)
    authorize(current_user, "manage_group", group)
    return _create(group)


@bp.put("/meetings/<int:meeting_id>/rsvp")
@operation(
    "PUT",
    summary="Say whether you come to a meeting (yes, no or maybe)",
    tag="meetings",
    body=RsvpAnswer,
    writes=True,
    responses={200: ("The meeting, with your answer", MeetingDetail), **NOT_FOUND},
)
def answer_meeting(meeting_id: int):
    found = _load(meeting_id)
    authorize(current_user, "answer_meeting", found)
    require_write_scope()
    body = parse_body(RsvpAnswer)
    meetings.answer(found, current_user, body.rsvp)
    return answer(_detail(found))


@bp.put("/meetings/<int:meeting_id>/attendance")
@operation(
    "PUT",
    summary="Record who came to a meeting (whoever manages it), once it has started",
    tag="meetings",
    body=AttendanceRecord,
    writes=True,
    responses={200: ("The meeting, with its attendance", MeetingDetail), **NOT_FOUND, **REFUSED},
)
def record_attendance(meeting_id: int):
    found = _load(meeting_id)
    authorize(current_user, "manage_meeting", found)
    require_write_scope()
    body = parse_body(AttendanceRecord)
    came = set(body.attended)
    listed = {a.person_id for a in found.attendances}
    added = meetings.people_by_ids(came - listed)
    if set(added) != came - listed or not all(p.is_active for p in added.values()):
        raise DomainError(_l("Someone in attended is not an active person."), field="attended")
    add: list[User] = sorted(added.values(), key=lambda p: p.id)
    meetings.record_attendance(found, current_user, came, add=add)
    return answer(_detail(found))
