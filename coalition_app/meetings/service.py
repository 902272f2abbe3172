"""Use cases of meetings and events: create, edit, cancel, answer (RSVP), record attendance,
minutes and decisions, action items and the tasks they become, and the calendar feeds.

The caller has already asked the policy. Each use case changes objects and flushes; the
request commits. Invitations (and their changes) go to the inbox and, through the outbox,
by e-mail with an .ics attachment (METHOD:REQUEST, or CANCEL).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.exc import StaleDataError

from models import (
    Basis,
    CalendarFeed,
    Deliverable,
    Institution,
    Meeting,
    MeetingActionItem,
    MeetingAttendance,
    MeetingKind,
    MeetingOrganiser,
    NotificationKind,
    Rsvp,
    Task,
    User,
    WorkingGroup,
    token_digest,
    utcnow,
)

from ..core import clock
from ..core.db import session, use_case
from ..core.errors import DomainError, EditConflict
from ..groups.queries import WITHOUT_PLACE
from ..notifications import service as notifications
from ..work import service as work_service
from . import ical, queries
from .ical import as_utc

T = TypeVar("T")

#: Who an event invites: every active person of the coalition, the people of its organising
#: institutions, or nobody (it is announced otherwise).
SCOPE_EVERYONE, SCOPE_ORGANISERS, SCOPE_NOBODY = "everyone", "organisers", "nobody"
SCOPES = (SCOPE_EVERYONE, SCOPE_ORGANISERS, SCOPE_NOBODY)
#: The longest meeting or event: a congress of a few days.
MAX_LENGTH = timedelta(days=14)
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


@dataclass
class MeetingData:
    """What the form says (times already in UTC)."""

    title: str
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    online_url: str = ""
    agenda: str = ""
    is_public: bool = False


def guarded(function: Callable[..., T]) -> Callable[..., T]:
    """A lost race on the meeting's version (someone saved between our read and our write)
    becomes an EditConflict, with nothing written."""

    @wraps(function)
    def run(meeting: Meeting, *args: Any, **kwargs: Any) -> T:
        try:
            return function(meeting, *args, **kwargs)
        except StaleDataError:
            session.rollback()
            fresh = session.get(Meeting, meeting.id, populate_existing=True)
            raise EditConflict(fresh, None, fresh.updated_at if fresh else None) from None

    return run


def _check_version(meeting: Meeting, expected: int | None) -> None:
    if expected is not None and expected != meeting.version:
        raise EditConflict(meeting, None, meeting.updated_at)


def _check_data(data: MeetingData, confirmed_past: bool) -> None:
    if not data.title.strip():
        raise DomainError(_l("Give the meeting a title."), field="title")
    for moment, name in ((data.starts_at, "starts_on"), (data.ends_at, "ends_on")):
        if not EARLIEST <= moment.date() <= LATEST:
            raise DomainError(_l("Choose a date between 2000 and 2100."), field=name)
    if data.ends_at <= data.starts_at:
        raise DomainError(_l("The end must come after the start."), field="ends_on")
    if data.ends_at - data.starts_at > MAX_LENGTH:
        raise DomainError(_l("A meeting or event lasts at most 14 days."), field="ends_on")
    if as_utc(data.ends_at) < clock.now() and not confirmed_past:
        raise DomainError(
            _l(
                "This meeting has already ended. If you are recording it after the fact,"
                " confirm below; otherwise correct the date."
            ),
            field="starts_on",
        )


def _apply(meeting: Meeting, data: MeetingData) -> None:
    meeting.title = data.title.strip()
    meeting.starts_at = data.starts_at
    meeting.ends_at = data.ends_at
    meeting.place = data.place.strip() or None
    meeting.online_url = data.online_url.strip() or None
    meeting.agenda = data.agenda.strip()
    meeting.is_public = data.is_public


# --- who is invited -------------------------------------------------------------------------


def group_people(group: WorkingGroup, day: date) -> list[User]:
    """The active people of the group's current institutions, by name."""
    return list(
        session.scalars(
            select(User)
            .where(queries.group_people_condition(group, day))
            .options(joinedload(User.institution).options(*WITHOUT_PLACE))
            .order_by(User.full_name, User.id)
        )
    )


def _invitees(meeting: Meeting, scope: str) -> list[User]:
    day = clock.today()
    if meeting.group is not None:
        return group_people(meeting.group, day)
    query = select(User).where(User.is_active.is_(True)).order_by(User.full_name, User.id)
    if scope == SCOPE_EVERYONE:
        return list(session.scalars(query))
    if scope == SCOPE_ORGANISERS:
        ids = [o.institution_id for o in meeting.organisers]
        return list(session.scalars(query.where(User.institution_id.in_(ids)))) if ids else []
    return []


def _invite(meeting: Meeting, people: Iterable[User], by: User) -> None:
    """An answer row (no answer yet) for each person not yet invited, and their invitation."""
    known = {a.person_id for a in meeting.attendances}
    new = [p for p in people if p.id not in known]
    for person in new:
        meeting.attendances.append(
            MeetingAttendance(person=person, institution_id=person.institution_id)
        )
    session.flush()
    _tell(meeting, new, "new", by)


def _tell(meeting: Meeting, people: Iterable[User], change: str, by: User) -> None:
    """Inbox entries and e-mails with the .ics (not for a meeting already over)."""
    if as_utc(meeting.ends_at) < clock.now():
        return
    method = "CANCEL" if change == "cancelled" else "REQUEST"
    attachment = {
        "filename": "invitation.ics",
        "content_type": f"text/calendar; method={method}",
        "content": ical.to_text(ical.calendar([meeting], name=meeting.title, method=method)),
    }
    for person in people:
        if person.id == by.id or not person.is_active:
            continue
        notifications.notify(
            person.id,
            NotificationKind.MEETING_INVITATION,
            {
                "title": meeting.title,
                "starts_at": as_utc(meeting.starts_at).isoformat(),
                "change": change,
                "meeting_id": meeting.id,
            },
            link=f"/meetings/{meeting.id}",
            attachments=[attachment],
        )


def _invited_people(meeting: Meeting) -> list[User]:
    return [a.person for a in meeting.attendances if a.rsvp != Rsvp.NO]


# --- meetings -------------------------------------------------------------------------------


@use_case
def create_meeting(
    group: WorkingGroup | None,
    by: User,
    data: MeetingData,
    *,
    organisers: Iterable[Institution] = (),
    scope: str = SCOPE_EVERYONE,
    confirmed_past: bool = False,
) -> Meeting:
    """A group's meeting (group given) or a coalition event (group None), with its
    invitations."""
    _check_data(data, confirmed_past)
    if scope not in SCOPES:
        raise DomainError(_l("Choose whom to invite."), field="scope")
    meeting = Meeting(
        kind=MeetingKind.MEETING if group is not None else MeetingKind.EVENT,
        group=group,
        created_by_id=by.id,
        basis=Basis.REPORTED,
    )
    _apply(meeting, data)
    for institution in dict.fromkeys(organisers):
        meeting.organisers.append(MeetingOrganiser(institution=institution))
    if group is None and not meeting.organisers:
        raise DomainError(_l("Choose at least one organising institution."), field="organisers")
    session.add(meeting)
    session.flush()
    _invite(meeting, _invitees(meeting, scope), by)
    return meeting


@guarded
@use_case
def edit_meeting(
    meeting: Meeting,
    by: User,
    data: MeetingData,
    *,
    expected_version: int | None,
    organisers: Iterable[Institution] | None = None,
    confirmed_past: bool = False,
) -> Meeting:
    """Change a meeting; a change of time tells the invited again (a new .ics)."""
    _check_version(meeting, expected_version)
    if meeting.cancelled_at is not None:
        raise DomainError(_l("This meeting is cancelled: it can no longer be changed."))
    moved = (as_utc(data.starts_at), as_utc(data.ends_at)) != (
        as_utc(meeting.starts_at),
        as_utc(meeting.ends_at),
    )
    if moved:
        _check_data(data, confirmed_past)
    else:
        _check_data(data, True)  # its time stays: an old meeting's minutes may be corrected
    _apply(meeting, data)
    if organisers is not None and meeting.group is None:
        wanted = list(dict.fromkeys(organisers))
        if not wanted:
            raise DomainError(_l("Choose at least one organising institution."), field="organisers")
        keep = {i.id for i in wanted}
        meeting.organisers[:] = [o for o in meeting.organisers if o.institution_id in keep]
        have = {o.institution_id for o in meeting.organisers}
        for institution in wanted:
            if institution.id not in have:
                meeting.organisers.append(MeetingOrganiser(institution=institution))
    meeting.updated_at = utcnow()
    session.flush()
    if moved:
        _tell(meeting, _invited_people(meeting), "moved", by)
    return meeting


@guarded
@use_case
def cancel_meeting(meeting: Meeting, by: User, *, expected_version: int | None = None) -> None:
    _check_version(meeting, expected_version)
    if meeting.cancelled_at is not None:
        raise DomainError(_l("This meeting is already cancelled."))
    meeting.cancelled_at = utcnow()
    meeting.updated_at = meeting.cancelled_at
    session.flush()
    _tell(meeting, _invited_people(meeting), "cancelled", by)


@use_case
def answer(meeting: Meeting, person: User, rsvp: Rsvp) -> MeetingAttendance:
    """A person says whether they come (yes, no, maybe); they may change their mind."""
    attendance = next((a for a in meeting.attendances if a.person_id == person.id), None)
    if attendance is None:
        attendance = MeetingAttendance(person=person, institution_id=person.institution_id)
        meeting.attendances.append(attendance)
    attendance.rsvp = rsvp
    attendance.answered_at = utcnow()
    session.flush()
    return attendance


def people_by_ids(ids: Iterable[int]) -> dict[int, User]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


@use_case
def record_attendance(
    meeting: Meeting, by: User, attended_ids: set[int], *, add: Iterable[User] = ()
) -> None:
    """Who came: the checked people of the list, and people added by search. Each row keeps
    the institution the person came for, as it was on the day (their institution now, when
    recorded; it does not follow later changes of job)."""
    if meeting.cancelled_at is not None:
        raise DomainError(_l("This meeting is cancelled: no attendance can be recorded."))
    if as_utc(meeting.starts_at) > clock.now():
        raise DomainError(_l("Attendance is recorded once the meeting has started."))
    rows = {a.person_id: a for a in meeting.attendances}
    for person in add:
        if person.id not in rows:
            row = MeetingAttendance(person=person, institution_id=person.institution_id)
            meeting.attendances.append(row)
            rows[person.id] = row
        attended_ids.add(person.id)
    for person_id, row in rows.items():
        came = person_id in attended_ids
        if came and not row.attended:
            row.institution_id = row.person.institution_id
        row.attended = came
    session.flush()


@guarded
@use_case
def record_minutes(
    meeting: Meeting, by: User, *, minutes: str, decisions: str, expected_version: int | None
) -> None:
    _check_version(meeting, expected_version)
    meeting.minutes = minutes.strip()
    meeting.decisions = decisions.strip()
    meeting.updated_at = utcnow()
    session.flush()


@use_case
def add_action_item(
    meeting: Meeting, by: User, *, text: str, assignee_id: int | None, due_on: date | None
) -> MeetingActionItem:
    if not text.strip():
        raise DomainError(_l("Say what is to be done."), field="text")
    assignee = None
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        allowed = (
            {p.id for p in group_people(meeting.group, clock.today())}
            if meeting.group is not None
            else {a.person_id for a in meeting.attendances}
        )
        if assignee is None or assignee.id not in allowed:
            raise DomainError(
                _l("Choose a person of an institution in this group."), field="assignee_id"
            )
    if due_on is not None and not EARLIEST <= due_on <= LATEST:
        raise DomainError(_l("Choose a date between 2000 and 2100."), field="due_on")
    item = MeetingActionItem(
        meeting=meeting, text=text.strip(), assignee=assignee, due_on=due_on, created_by_id=by.id
    )
    session.add(item)
    session.flush()
    return item


@use_case
def make_task(item: MeetingActionItem, by: User, deliverable: Deliverable) -> Task:
    """Turn an action item into a task of one of the group's deliverables (the work's own
    use case: its checks, history and the assignee's notification)."""
    meeting = item.meeting
    if item.task_id is not None:
        raise DomainError(_l("This action item is already a task."), field="deliverable_id")
    if meeting.group_id is None or deliverable.group_id != meeting.group_id:
        raise DomainError(_l("Choose a deliverable of this group."), field="deliverable_id")
    description = str(_l("Agreed at the meeting “%(title)s”.", title=meeting.title))
    task = work_service.create_task(
        deliverable,
        by,
        title=item.text[:200],
        description=description,
        assignee_id=item.assignee_id,
        due_on=item.due_on,
    )
    item.task = task
    session.flush()
    return task


# --- calendar feeds -------------------------------------------------------------------------


def find_feed(token: str) -> CalendarFeed | None:
    return session.scalar(
        select(CalendarFeed).where(CalendarFeed.token_hash == token_digest(token))
    )


def feed_of(person: User, group: WorkingGroup | None) -> CalendarFeed | None:
    query = select(CalendarFeed).where(CalendarFeed.person_id == person.id)
    query = query.where(
        CalendarFeed.group_id.is_(None) if group is None else CalendarFeed.group_id == group.id
    )
    return session.scalar(query)


@use_case
def reset_feed(person: User, group: WorkingGroup | None) -> str:
    """A new secret address for the person's feed (their own, or a group's): the old one
    stops working. Returns the token, shown once (only its digest is kept)."""
    token = secrets.token_urlsafe(24)
    feed = feed_of(person, group)
    if feed is None:
        feed = CalendarFeed(person_id=person.id, group_id=group.id if group else None)
        session.add(feed)
    feed.token_hash = token_digest(token)
    feed.created_at = utcnow()
    session.flush()
    return token


def local_to_utc(day: date, at: Any) -> datetime:
    """A day and time typed in the coalition's zone, as a UTC instant."""
    from zoneinfo import ZoneInfo

    return datetime.combine(day, at, ZoneInfo(clock.zone_name())).astimezone(UTC)


def active_institutions() -> list[Institution]:
    """The institutions that are coalition members today, by name (the organisers' picker)."""
    return list(session.scalars(_active_institutions(Institution)))


def active_institution_names() -> list[Any]:
    """`active_institutions` as rows of what the picker shows (name, acronym)."""
    return list(session.execute(_active_institutions(Institution.name, Institution.acronym)))


def _active_institutions(*columns: Any) -> Select[Any]:
    return (
        select(*columns).where(Institution.active_on(clock.today())).order_by(Institution.name_key)
    )


def people_to_add(meeting: Meeting) -> list[User]:
    """Whom the attendance search offers: every active person not yet on the list."""
    listed = {a.person_id for a in meeting.attendances}
    return [p for p in session.scalars(_ACTIVE_PEOPLE) if p.id not in listed]


# Whom the attendance search offers is named by name and e-mail: not their institution
# (which every User joins by default, with its sector and state).
_ACTIVE_PEOPLE = (
    select(User)
    .where(queries.ACTIVE_PERSON)
    .options(lazyload(User.institution))
    .order_by(User.full_name, User.id)
)


def person_named(written: str, candidates: list[User]) -> User:
    """The candidate whose e-mail or full name (or "Name <e-mail>") the search names."""
    text = written.strip()
    if text.endswith(">") and "<" in text:
        text = text.rsplit("<", 1)[1][:-1].strip()
    folded = text.casefold()
    by_email = [p for p in candidates if p.email.casefold() == folded]
    if by_email:
        return by_email[0]
    by_name = [p for p in candidates if p.full_name.casefold() == folded]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise DomainError(
            _l("Several people are called “%(name)s”: choose by e-mail.", name=written),
            field="add",
        )
    raise DomainError(
        _l(
            "Nobody not yet on the list is called “%(name)s”. Type part of a name or e-mail and"
            " choose from the suggestions.",
            name=written,
        ),
        field="add",
    )
