"""The read side of meetings: who may see which (as SQL), the calendar's pages, the feeds, the
home's next meetings and the figures (meetings held, participants, institutions, hours)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    case,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from models import (
    CalendarFeed,
    GroupChair,
    GroupMembership,
    Institution,
    Meeting,
    MeetingActionItem,
    MeetingAttendance,
    MeetingOrganiser,
    Task,
    User,
    WorkingGroup,
)

from ..core import clock
from ..core.paging import Paged
from ..groups.queries import WITHOUT_PLACE


def member_groups(user: User | None, day: date) -> Select[Any]:
    """The ids of the groups the person's institution currently belongs to (None: the
    institution's id bound as "institution_id")."""
    institution_id: Any = bindparam("institution_id") if user is None else user.institution_id
    return select(GroupMembership.group_id).where(
        GroupMembership.institution_id == institution_id, GroupMembership.current_on(day)
    )


def visible_to(user: User, day: date) -> ColumnElement[bool]:
    """A condition: meetings `user` may see (policy `_view_meeting`, as SQL)."""
    if user.is_coordinator:
        return true()
    chaired = select(GroupChair.group_id).where(
        GroupChair.person_id == user.id, GroupChair.current_on(day)
    )
    return or_(
        Meeting.group_id.is_(None),
        Meeting.is_public.is_(True),
        Meeting.group_id.in_(member_groups(user, day)),
        Meeting.group_id.in_(chaired),
    )


def _with_details(query: Select[Any]) -> Select[Any]:
    return query.options(
        joinedload(Meeting.group),
        selectinload(Meeting.organisers).joinedload(MeetingOrganiser.institution),
    )


@dataclass
class CalendarQuery:
    page: int = 1
    group: str | None = None  # a group's slug, or "events" for the coalition's events
    past: bool = False

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this view (for links), with `changes`."""
        values: dict[str, Any] = {
            "page": self.page,
            "group": self.group,
            "when": "past" if self.past else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "", 1)}


@dataclass
class CalendarPage(Paged):
    """One page of a calendar: upcoming meetings first (soonest first), or past ones (newest
    first), grouped by month in the coalition's zone."""

    page_size: ClassVar[int] = 25
    query: CalendarQuery
    total: int
    pages: int
    meetings: list[Meeting]
    months: list[tuple[date, list[Meeting]]] = field(default_factory=list)


def _calendar(
    user: User, query: CalendarQuery, group: WorkingGroup | None, now: datetime
) -> tuple[list[ColumnElement[bool]], tuple[Any, ...]]:
    """The conditions and order of a calendar's meetings."""
    day = now.date()
    conditions: list[ColumnElement[bool]] = [visible_to(user, day)]
    if group is not None:
        conditions.append(Meeting.group_id == group.id)
    elif query.group == "events":
        conditions.append(Meeting.group_id.is_(None))
    elif query.group:
        conditions.append(
            Meeting.group_id.in_(select(WorkingGroup.id).where(WorkingGroup.slug == query.group))
        )
    if query.past:
        conditions.append(Meeting.ends_at < now)
        return conditions, (Meeting.starts_at.desc(), Meeting.id.desc())
    conditions.append(Meeting.ends_at >= now)
    return conditions, (Meeting.starts_at.asc(), Meeting.id.asc())


def _page_of(
    session: Session, query: CalendarQuery, conditions: list[ColumnElement[bool]]
) -> tuple[int, int]:
    total = session.scalar(select(func.count()).select_from(Meeting).where(*conditions)) or 0
    return total, max(1, -(-total // CalendarPage.page_size))


def calendar_page(
    session: Session,
    user: User,
    query: CalendarQuery,
    *,
    group: WorkingGroup | None = None,
    now: datetime | None = None,
) -> CalendarPage:
    """Two statements (a count and the page, with groups and organisers in a third)."""
    conditions, order = _calendar(user, query, group, now or clock.now())
    total, pages = _page_of(session, query, conditions)
    meetings = list(
        session.scalars(
            _with_details(select(Meeting).where(*conditions))
            .order_by(*order)
            .limit(CalendarPage.page_size)
            .offset((query.page - 1) * CalendarPage.page_size)
        )
    )
    return CalendarPage(
        query=query, total=total, pages=pages, meetings=meetings, months=by_month(meetings)
    )


@dataclass
class CalendarRows(Paged):
    """A calendar's page as `CalendarPage` is, of rows (`calendar_page_rows`): each meeting's
    columns and its group's names; `organisers`: each meeting's organisers' acronyms (or
    names), in order."""

    page_size: ClassVar[int] = CalendarPage.page_size
    query: CalendarQuery
    total: int
    pages: int
    meetings: list[Any]
    months: list[tuple[date, list[Any]]]
    organisers: dict[int, list[str]]


_CALENDAR_ROWS = select(
    Meeting.id,
    Meeting.title,
    Meeting.starts_at,
    Meeting.ends_at,
    Meeting.place,
    Meeting.online_url,
    Meeting.is_public,
    Meeting.cancelled_at,
    Meeting.group_id,
    WorkingGroup.name_es.label("group_name_es"),
    WorkingGroup.name_en.label("group_name_en"),
).outerjoin(WorkingGroup, WorkingGroup.id == Meeting.group_id)

_ORGANISER_ROWS = (
    select(MeetingOrganiser.meeting_id, Institution.acronym, Institution.name)
    .join(Institution, Institution.id == MeetingOrganiser.institution_id)
    .where(MeetingOrganiser.meeting_id.in_(bindparam("meeting_ids", expanding=True)))
    .order_by(MeetingOrganiser.meeting_id, MeetingOrganiser.institution_id)
)


def calendar_page_rows(
    session: Session,
    user: User,
    query: CalendarQuery,
    *,
    group: WorkingGroup | None = None,
    now: datetime | None = None,
) -> CalendarRows:
    """`calendar_page` as rows, for the calendar's page (which shows and changes nothing
    else): the same three statements (a count, the page, the organisers), no objects."""
    conditions, order = _calendar(user, query, group, now or clock.now())
    total, pages = _page_of(session, query, conditions)
    meetings: list[Any] = list(
        session.execute(
            _CALENDAR_ROWS.where(*conditions)
            .order_by(*order)
            .limit(CalendarPage.page_size)
            .offset((query.page - 1) * CalendarPage.page_size)
        )
    )
    organisers: dict[int, list[str]] = {}
    if meetings:
        ids = [m.id for m in meetings]
        for meeting_id, acronym, name in session.execute(_ORGANISER_ROWS, {"meeting_ids": ids}):
            organisers.setdefault(meeting_id, []).append(acronym or name)
    return CalendarRows(
        query=query,
        total=total,
        pages=pages,
        meetings=meetings,
        months=by_month(meetings),
        organisers=organisers,
    )


def by_month(meetings: list[Any]) -> list[tuple[date, list[Any]]]:
    """Meetings (or rows) in order, grouped by the month they start in (in the coalition's
    zone)."""
    zone = ZoneInfo(clock.zone_name())
    months: list[tuple[date, list[Any]]] = []
    for meeting in meetings:
        local = _aware(meeting.starts_at).astimezone(zone)
        month = date(local.year, local.month, 1)
        if not months or months[-1][0] != month:
            months.append((month, []))
        months[-1][1].append(meeting)
    return months


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def upcoming_for(session: Session, user: User, limit: int = 5) -> list[Any]:
    """The next meetings of the person (invited, or of their groups), not cancelled, as rows
    (id, title, starts_at, ends_at, group_id and the group's names): one statement (built
    once a day)."""
    now = clock.now()
    return list(
        session.execute(
            _upcoming(now.date(), limit),
            {"now": now, "person_id": user.id, "institution_id": user.institution_id},
        )
    )


@functools.lru_cache(maxsize=4)
def _upcoming(day: date, limit: int) -> Select[*tuple[Any, ...]]:
    # Building the groups' `current_on` condition cost as much as running the statement.
    return (
        select(
            Meeting.id,
            Meeting.title,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.group_id,
            WorkingGroup.name_es.label("group_name_es"),
            WorkingGroup.name_en.label("group_name_en"),
        )
        .outerjoin(WorkingGroup, WorkingGroup.id == Meeting.group_id)
        .where(
            Meeting.ends_at >= bindparam("now"),
            Meeting.cancelled_at.is_(None),
            _concerns(None, day),
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )


def _concerns(user: User | None, day: date) -> ColumnElement[bool]:
    """Meetings the person is invited to, or of a group their institution belongs to (None:
    the person's and institution's ids bound as "person_id" and "institution_id")."""
    person_id: Any = bindparam("person_id") if user is None else user.id
    invited = select(MeetingAttendance.meeting_id).where(MeetingAttendance.person_id == person_id)
    return or_(Meeting.id.in_(invited), Meeting.group_id.in_(member_groups(user, day)))


_FEED_CREATED = {
    # The person's own feed, or a group's.
    False: select(CalendarFeed.created_at).where(
        CalendarFeed.person_id == bindparam("person_id"), CalendarFeed.group_id.is_(None)
    ),
    True: select(CalendarFeed.created_at).where(
        CalendarFeed.person_id == bindparam("person_id"),
        CalendarFeed.group_id == bindparam("group_id"),
    ),
}


def feed_created(session: Session, person: User, group: WorkingGroup | None) -> Any:
    """`service.feed_of` as a row of when it was created (None: no feed), for the calendar's
    page."""
    parameters = {"person_id": person.id, "group_id": group.id if group else None}
    return session.execute(_FEED_CREATED[group is not None], parameters).first()


#: How far back a feed reaches (calendars keep what they already downloaded).
FEED_DAYS_BACK = 400
FEED_LIMIT = 1000


def feed_meetings(session: Session, owner: User, group: WorkingGroup | None) -> list[Meeting]:
    """A feed's meetings: a person's (invited or of their groups) or a group's that the
    owner may see, from a year back on."""
    now = clock.now()
    conditions: list[ColumnElement[bool]] = [
        Meeting.ends_at >= now - timedelta(days=FEED_DAYS_BACK),
        visible_to(owner, now.date()),
    ]
    if group is None:
        conditions.append(_concerns(owner, now.date()))
    else:
        conditions.append(Meeting.group_id == group.id)
    return list(
        session.scalars(
            select(Meeting).where(*conditions).order_by(Meeting.starts_at).limit(FEED_LIMIT)
        )
    )


def load_meeting(session: Session, meeting_id: int) -> Meeting | None:
    """A meeting with what its page shows (group, organisers, attendance, action items): of
    the institutions and people, their names (not the sector and state every Institution
    joins by default)."""
    return session.scalar(_MEETING, {"meeting_id": meeting_id})


_MEETING = (
    select(Meeting)
    .where(Meeting.id == bindparam("meeting_id"))
    .options(
        joinedload(Meeting.group),
        joinedload(Meeting.created_by).lazyload(User.institution),
        selectinload(Meeting.organisers)
        .joinedload(MeetingOrganiser.institution)
        .options(*WITHOUT_PLACE),
        selectinload(Meeting.attendances).options(
            joinedload(MeetingAttendance.person)
            .joinedload(User.institution)
            .options(*WITHOUT_PLACE),
            joinedload(MeetingAttendance.institution).options(*WITHOUT_PLACE),
        ),
        selectinload(Meeting.action_items),
    )
)


def load_meeting_page(session: Session, meeting_id: int) -> Meeting | None:
    """The meeting and its group, for the pages that change nothing: they read its
    organisers, people and action items as rows (`organiser_rows`, `attendance_rows`,
    `action_item_rows`), not as objects (three per person invited)."""
    return session.scalar(_MEETING_PAGE, {"meeting_id": meeting_id})


_MEETING_PAGE = (
    select(Meeting).where(Meeting.id == bindparam("meeting_id")).options(joinedload(Meeting.group))
)

_ORGANISERS_OF = (
    select(MeetingOrganiser.institution_id, Institution.name)
    .join(Institution, Institution.id == MeetingOrganiser.institution_id)
    .where(MeetingOrganiser.meeting_id == bindparam("meeting_id"))
    .order_by(MeetingOrganiser.institution_id)
)


def organiser_rows(session: Session, meeting: Meeting) -> list[Any]:
    """The institutions organising the meeting (institution_id, name): one statement."""
    return list(session.execute(_ORGANISERS_OF, {"meeting_id": meeting.id}))


_ACTION_ITEMS_OF = (
    select(
        MeetingActionItem.id,
        MeetingActionItem.text,
        MeetingActionItem.due_on,
        MeetingActionItem.assignee_id,
        User.full_name.label("assignee_name"),
        MeetingActionItem.task_id,
        Task.title.label("task_title"),
    )
    .outerjoin(User, User.id == MeetingActionItem.assignee_id)
    .outerjoin(Task, Task.id == MeetingActionItem.task_id)
    .where(MeetingActionItem.meeting_id == bindparam("meeting_id"))
    .order_by(MeetingActionItem.id)
)


def action_item_rows(session: Session, meeting: Meeting) -> list[Any]:
    """The meeting's action items with their assignee's name and their task's title (in the
    order they were added): one statement."""
    return list(session.execute(_ACTION_ITEMS_OF, {"meeting_id": meeting.id}))


def load_meeting_head(session: Session, meeting_id: int) -> Meeting | None:
    """The meeting with its group and organisers only, for an answer that reads its people
    as rows (`attendance_rows`): the API's meeting."""
    return session.scalar(_MEETING_HEAD, {"meeting_id": meeting_id})


_MEETING_HEAD = (
    select(Meeting)
    .where(Meeting.id == bindparam("meeting_id"))
    .options(
        joinedload(Meeting.group),
        selectinload(Meeting.organisers)
        .joinedload(MeetingOrganiser.institution)
        .options(*WITHOUT_PLACE),
    )
)

#: Who may be invited, offered and assigned: the active people.
ACTIVE_PERSON = User.is_active.is_(True)


def group_people_condition(group: WorkingGroup, day: date) -> ColumnElement[bool]:
    """A condition on User: the active people of the group's current institutions."""
    return ACTIVE_PERSON & User.institution_id.in_(
        select(GroupMembership.institution_id).where(
            GroupMembership.group_id == group.id, GroupMembership.current_on(day)
        )
    )


_CAME_FOR = aliased(Institution)
_ATTENDANCE_ROWS = (
    select(
        MeetingAttendance.person_id,
        MeetingAttendance.rsvp,
        MeetingAttendance.attended,
        MeetingAttendance.institution_id,
        User.full_name,
        # The institution they were invited or came for, and their own today.
        _CAME_FOR.acronym.label("came_for_acronym"),
        _CAME_FOR.name.label("came_for_name"),
        Institution.acronym,
        Institution.name.label("institution_name"),
    )
    .join(User, User.id == MeetingAttendance.person_id)
    .join(Institution, Institution.id == User.institution_id)
    .join(_CAME_FOR, _CAME_FOR.id == MeetingAttendance.institution_id)
    .where(MeetingAttendance.meeting_id == bindparam("meeting_id"))
    .order_by(MeetingAttendance.id)
)


def attendance_rows(session: Session, meeting: Meeting) -> list[Any]:
    """The meeting's list of people (invited, answered, attended) as rows, by name: one
    statement."""
    rows = session.execute(_ATTENDANCE_ROWS, {"meeting_id": meeting.id}).all()
    return sorted(rows, key=lambda row: row.full_name.casefold())


def group_people_rows(session: Session, group: WorkingGroup, day: date) -> list[Any]:
    """`service.group_people` as rows (id, full name, their institution's acronym and
    name), by name."""
    return list(
        session.execute(
            select(User.id, User.full_name, Institution.acronym, Institution.name)
            .join(Institution, Institution.id == User.institution_id)
            .where(group_people_condition(group, day))
            .order_by(User.full_name, User.id)
        )
    )


def people_to_add_rows(session: Session, listed: set[int]) -> list[Any]:
    """`service.people_to_add` as rows (full name and e-mail) for the page's suggestions."""
    rows = session.execute(
        select(User.id, User.full_name, User.email)
        .where(ACTIVE_PERSON)
        .order_by(User.full_name, User.id)
    )
    return [row for row in rows if row.id not in listed]


_GROUP_NAMES = select(
    WorkingGroup.id, WorkingGroup.slug, WorkingGroup.name_es, WorkingGroup.name_en
).order_by(WorkingGroup.position)


def group_names(session: Session) -> list[Any]:
    """`groups.service.list_groups` as rows (id, slug and names), for the calendar's filter
    and the figures' columns: one statement."""
    return list(session.execute(_GROUP_NAMES))


# --- figures --------------------------------------------------------------------------------


@dataclass
class Figures:
    """What the coalition reports: meetings held, distinct participants and institutions that
    attended, and hours of dialogue."""

    meetings: int = 0
    participants: int = 0
    institutions: int = 0
    hours: float = 0.0


#: The key of a figure: (a group's id, None for the coalition's events, or ALL for every
#: meeting; a year, or None for all years).
ALL = "all"
FigureKey = tuple[int | str | None, int | None]
FigureTable = dict[FigureKey, Figures]


def _years(session: Session) -> list[int]:
    """The years (in the coalition's zone) from the first meeting's to the last one's."""
    first, last = session.execute(_FIRST_AND_LAST).one()
    if first is None:
        return []
    zone = ZoneInfo(clock.zone_name())
    return list(range(_aware(first).astimezone(zone).year, _aware(last).astimezone(zone).year + 1))


_FIRST_AND_LAST = select(func.min(Meeting.starts_at), func.max(Meeting.starts_at))


@functools.cache
def _figure_statements(
    years: tuple[int, ...], zone_name: str, dialect: str, one_group: bool
) -> tuple[Select[Any], Select[Any]]:
    """The two aggregate statements of `figures`, built once per set of years and bound per
    call (``now``, and ``group_id`` when `one_group`).

    The year a meeting starts in, in the coalition's zone, is a CASE over the years' first
    instants (the same on SQLite and PostgreSQL). Meetings and hours add up, so one statement
    per (group, year) gives every level; distinct people and institutions do not, so the
    second statement counts them at each level, the levels joined by UNION ALL (its `level`
    column says which: 0 per group and year, 1 per group, 2 per year, 3 in all)."""
    zone = ZoneInfo(zone_name)
    year = case(
        *[
            (Meeting.starts_at >= datetime.combine(date(y, 1, 1), time(), zone).astimezone(UTC), y)
            for y in reversed(years)
        ],
        else_=years[0],
    )
    if dialect == "sqlite":
        hours: ColumnElement[Any] = (
            func.julianday(Meeting.ends_at) - func.julianday(Meeting.starts_at)
        ) * 24
    else:
        hours = func.extract("epoch", Meeting.ends_at - Meeting.starts_at) / 3600
    held: list[ColumnElement[bool]] = [
        Meeting.ends_at < bindparam("now"),
        Meeting.cancelled_at.is_(None),
    ]
    if one_group:
        held.append(Meeting.group_id == bindparam("group_id"))
    meetings = (
        select(Meeting.group_id, year, func.count(Meeting.id), func.coalesce(func.sum(hours), 0))
        .where(*held)
        .group_by(Meeting.group_id, year)
    )
    # Who attended held meetings, joined once (a CTE: PostgreSQL materialises it once for
    # the four levels that read it; a join per level cost twice as much on the seed).
    attended = (
        select(
            Meeting.group_id.label("group_id"),
            year.label("year"),
            MeetingAttendance.person_id,
            MeetingAttendance.institution_id,
        )
        .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
        .where(*held, MeetingAttendance.attended.is_(True))
        .cte("attended")
    )
    levels: list[tuple[int, Any, Any]] = [
        (0, attended.c.group_id, attended.c.year),
        (1, attended.c.group_id, None),
    ]
    if not one_group:
        levels += [(2, None, attended.c.year), (3, None, None)]
    people = union_all(
        *[
            select(
                literal(level).label("level"),
                (group_key if group_key is not None else null()).label("group_id"),
                (year_key if year_key is not None else null()).label("year"),
                func.count(attended.c.person_id.distinct()).label("participants"),
                func.count(attended.c.institution_id.distinct()).label("institutions"),
            ).group_by(*[k for k in (group_key, year_key) if k is not None])
            for level, group_key, year_key in levels
        ]
    )
    return meetings, select(people.subquery())


def figures(session: Session, group: WorkingGroup | None = None) -> tuple[FigureTable, list[int]]:
    """Figures per (group, year), per group over all years, per year over all groups and in
    all: three statements (the years, the meetings and hours, the distinct people and
    institutions), whatever the number of meetings. Held means past (ended) and not cancelled.
    Distinct counts are counted at each level (a person at two groups' meetings is one
    participant of the year)."""
    years = _years(session)
    if not years:
        return {}, years
    meetings, people = _figure_statements(
        tuple(years), clock.zone_name(), session.get_bind().dialect.name, group is not None
    )
    parameters: dict[str, Any] = {"now": clock.now()}
    if group is not None:
        parameters["group_id"] = group.id
    table: FigureTable = {}
    hours: dict[FigureKey, float] = {}
    for group_id, year, count, total in session.execute(meetings, parameters):
        keys: list[FigureKey] = [(group_id, year), (group_id, None)]
        if group is None:
            keys += [(ALL, year), (ALL, None)]
        for key in keys:
            table.setdefault(key, Figures()).meetings += int(count)
            hours[key] = hours.get(key, 0.0) + float(total)
    for key, total in hours.items():
        table[key].hours = round(total, 1)
    for level, group_id, year, participants, institutions in session.execute(people, parameters):
        figure = table.setdefault((ALL if level >= 2 else group_id, year), Figures())
        figure.participants = int(participants)
        figure.institutions = int(institutions)
    return table, years
