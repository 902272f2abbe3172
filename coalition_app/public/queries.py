"""The public site's read side: only listed institutions, never a person.

Every figure and list here counts institutions that chose to be listed
(`Institution.is_listed`), so what the landing page counts, the directory lists and the open
data hold agree, and an unlisted institution appears nowhere (not even as a number one could
single out). Each loader runs a fixed number of queries whatever the size of the coalition.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, Select, bindparam, func, or_, select
from sqlalchemy.orm import aliased, selectinload
from werkzeug.exceptions import BadRequest, NotFound

from models import (
    SECTORS_IN_ORDER,
    Deliverable,
    GroupChair,
    GroupMembership,
    Institution,
    Meeting,
    MeetingOrganiser,
    Sector,
    State,
    Tie,
    TieStatus,
    User,
    WorkingGroup,
    WorkStatus,
)

from ..core import clock
from ..core.db import session
from ..growth import series as growth

#: The first year the growth figures show (the coalition was founded in 2018).
GROWTH_FROM = 2018
UPCOMING_ON_LANDING = 3


def listed_on(day: date) -> ColumnElement[bool]:
    """Institutions shown publicly on `day`: listed and members that day."""
    return Institution.is_listed.is_(True) & Institution.active_on(day)


def _listed_rows() -> list[growth.MemberRow]:
    return [
        growth.MemberRow(joined_on, left_on, sector, state)
        for joined_on, left_on, sector, state in session.execute(
            select(
                Institution.joined_on,
                Institution.left_on,
                Institution.sector_slug,
                Institution.state_code,
            ).where(Institution.is_listed.is_(True))
        )
    ]


@dataclass
class Figures:
    """The landing page's live figures (listed institutions only)."""

    today: date
    sectors: list[Sector]
    states: list[State]
    by_sector: list[tuple[Sector, int]]
    by_state: list[tuple[State | None, int]]
    year_ends: list[tuple[int, int]]
    groups: list[WorkingGroup]

    @property
    def members(self) -> int:
        return sum(n for _sector, n in self.by_sector)

    @property
    def growth_max(self) -> int:
        return max((n for _year, n in self.year_ends), default=0)


def figures(today: date) -> Figures:
    rows = _listed_rows()
    sectors = list(session.scalars(SECTORS_IN_ORDER))
    states = list(session.scalars(select(State).order_by(State.name_es)))
    by_code = {s.code: s for s in states}
    sector_counts = growth.breakdown(rows, today, "sector")
    state_counts = growth.breakdown(rows, today, "state")
    by_state = sorted(
        ((by_code.get(code) if code else None, n) for code, n in state_counts.items()),
        key=lambda pair: (-pair[1], pair[0].name_es if pair[0] else "~"),
    )
    year_ends = [
        (year, n) for year, n in growth.year_end_totals(rows, today) if year >= GROWTH_FROM
    ]
    return Figures(
        today=today,
        sectors=sectors,
        states=states,
        by_sector=[(s, sector_counts.get(s.slug, 0)) for s in sectors],
        by_state=by_state,
        year_ends=year_ends,
        groups=list(session.scalars(select(WorkingGroup).order_by(WorkingGroup.position))),
    )


# --- the directory ------------------------------------------------------------------------------


@dataclass
class MemberQuery:
    q: str = ""
    sector: str = ""
    state: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> MemberQuery:
        return cls(
            q=" ".join(args.get("q", "").split())[:200],
            sector=args.get("sector", "")[:32],
            state=args.get("state", "")[:8],
        )

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.sector or self.state)


@dataclass
class Members:
    query: MemberQuery
    institutions: list[Institution]
    sectors: list[Sector]
    states: list[State]
    total: int = 0


def members(query: MemberQuery, today: date) -> Members:
    """Listed member institutions matching `query`, by name (three queries)."""
    sectors = list(session.scalars(SECTORS_IN_ORDER))
    states = list(session.scalars(select(State).order_by(State.name_es)))
    if query.sector and query.sector not in {s.slug for s in sectors}:
        raise BadRequest()
    if query.state and query.state not in {s.code for s in states}:
        raise BadRequest()
    statement = select(Institution).where(listed_on(today)).order_by(Institution.name_key)
    if query.sector:
        statement = statement.where(Institution.sector_slug == query.sector)
    if query.state:
        statement = statement.where(Institution.state_code == query.state)
    if query.q:
        pattern = f"%{query.q.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Institution.name).like(pattern),
                func.lower(func.coalesce(Institution.acronym, "")).like(pattern),
            )
        )
    institutions = list(session.scalars(statement))
    return Members(query, institutions, sectors, states, total=len(institutions))


# --- groups -----------------------------------------------------------------------------------


@dataclass
class PublicGroup:
    group: WorkingGroup
    #: Rows (id, name, name_key) of the listed institutions.
    chair_institutions: list[Any]
    member_institutions: list[Any]
    deliverables: list[Deliverable]
    upcoming: list[Meeting] = field(default_factory=list)


def published_deliverables() -> ColumnElement[bool]:
    """Deliverables shown publicly: published by a chair, done, not archived."""
    return (
        Deliverable.published_at.is_not(None)
        & (Deliverable.status == WorkStatus.DONE)
        & Deliverable.archived_at.is_(None)
    )


def public_group(slug: str, today: date) -> PublicGroup:
    """A group's public page: its chairs' institutions and members (listed ones: rows of
    their names), its published deliverables and upcoming public events (five queries)."""
    group = session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
    if group is None:
        raise NotFound()
    bound = {"group_id": group.id, "today": today}
    chairs, members, deliverables, upcoming = _public_group_queries()
    return PublicGroup(
        group,
        list(session.execute(chairs, bound)),
        list(session.execute(members, bound)),
        list(session.scalars(deliverables, bound)),
        list(session.scalars(upcoming, {**bound, "start": day_start_utc(today)})),
    )


@cache
def _public_group_queries() -> tuple[Any, Any, Select[Deliverable], Select[Meeting]]:
    """`public_group`'s statements, built once (bound per call: building them cost more
    than running them)."""
    group_id: Any = bindparam("group_id")
    today: Any = bindparam("today", type_=Date)
    names = (Institution.id, Institution.name, Institution.name_key)
    chairs = (
        select(*names)
        .join(User, User.institution_id == Institution.id)
        .join(GroupChair, GroupChair.person_id == User.id)
        .where(GroupChair.group_id == group_id, GroupChair.current_on(today))
        .where(listed_on(today))
        .distinct()
        .order_by(Institution.name_key)
    )
    members = (
        select(*names)
        .join(GroupMembership, GroupMembership.institution_id == Institution.id)
        .where(GroupMembership.group_id == group_id, GroupMembership.current_on(today))
        .where(listed_on(today))
        .distinct()
        .order_by(Institution.name_key)
    )
    deliverables = (
        select(Deliverable)
        .where(Deliverable.group_id == group_id, published_deliverables())
        .order_by(Deliverable.published_at.desc(), Deliverable.id.desc())
    )
    upcoming = (
        _public_events()
        .where(Meeting.group_id == group_id, Meeting.ends_at >= bindparam("start"))
        .order_by(Meeting.starts_at)
    )
    return chairs, members, deliverables, upcoming


# --- events -----------------------------------------------------------------------------------


def day_start_utc(day: date) -> datetime:
    """The start of the coalition's `day`, in UTC."""
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(clock.zone_name()))
    return local.astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite gives them back naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _public_events(organisers: bool = False) -> Select[Meeting]:
    """Public, not cancelled meetings and events, with their group (and, for an event's own
    page, its listed organisers: the lists do not show them)."""
    statement = (
        select(Meeting)
        .where(Meeting.is_public.is_(True), Meeting.cancelled_at.is_(None))
        .options(selectinload(Meeting.group))
    )
    if organisers:
        listed_organisers = MeetingOrganiser.institution.and_(Institution.is_listed.is_(True))
        statement = statement.options(
            selectinload(Meeting.organisers).selectinload(listed_organisers)
        )
    return statement


@dataclass
class Events:
    upcoming: list[Meeting]
    past: list[Meeting]


PAST_SHOWN = 50

# The public pages' statements, built once (the day's start and the limits bound per call):
# building them with their loader options cost more than running them.
_UPCOMING = (
    _public_events().where(Meeting.ends_at >= bindparam("start")).order_by(Meeting.starts_at)
)
_UPCOMING_SOME = _UPCOMING.limit(bindparam("limit"))
_PAST = (
    _public_events()
    .where(Meeting.ends_at < bindparam("start"))
    .order_by(Meeting.starts_at.desc())
    .limit(PAST_SHOWN)
)
_EVENT = _public_events(organisers=True).where(Meeting.id == bindparam("meeting_id"))


def events(today: date, upcoming_limit: int | None = None) -> Events:
    """Public events: upcoming first (soonest first; an event ending today is upcoming),
    then the latest past ones."""
    start = {"start": day_start_utc(today)}
    if upcoming_limit is not None:
        return Events(list(session.scalars(_UPCOMING_SOME, {**start, "limit": upcoming_limit})), [])
    return Events(list(session.scalars(_UPCOMING, start)), list(session.scalars(_PAST, start)))


def public_event(meeting_id: int) -> Meeting:
    meeting: Meeting | None = session.scalar(_EVENT, {"meeting_id": meeting_id})
    if meeting is None:
        raise NotFound()
    return meeting


def listed_organisers(meeting: Meeting) -> list[Institution]:
    """A meeting's organising institutions that are listed (the others are not named)."""
    return sorted(
        (o.institution for o in meeting.organisers if o.institution and o.institution.is_listed),
        key=lambda i: i.name_key,
    )


# --- the network summary ------------------------------------------------------------------------


@dataclass
class NetworkSummary:
    institutions: int
    ties: int
    groups: int
    sector_pairs: list[tuple[str, str, int]]  # sector slugs (in order), confirmed ties


def _active(institution: type[Institution], day: date) -> ColumnElement[bool]:
    """`Institution.active_on` for an aliased institution."""
    return (institution.joined_on <= day) & (
        institution.left_on.is_(None) | (institution.left_on > day)
    )


def network_summary(today: date) -> NetworkSummary:
    """Confirmed ties between listed member institutions, counted by sector pair (three
    queries). A tie with an unlisted side is not counted."""
    a, b = aliased(Institution), aliased(Institution)
    rows = session.execute(
        select(a.sector_slug, b.sector_slug)
        .select_from(Tie)
        .join(a, Tie.institution_a_id == a.id)
        .join(b, Tie.institution_b_id == b.id)
        .where(Tie.status == TieStatus.CONFIRMED, Tie.since <= today)
        .where(Tie.ends_on.is_(None) | (Tie.ends_on > today))
        .where(a.is_listed.is_(True), b.is_listed.is_(True))
        .where(_active(a, today), _active(b, today))
    ).all()
    order = {
        s: i for i, s in enumerate(session.scalars(select(Sector.slug).order_by(Sector.position)))
    }
    pairs: Counter[tuple[str, str]] = Counter()
    for first, second in rows:
        pair = tuple(sorted((first, second), key=lambda s: order.get(s, 99)))
        pairs[(pair[0], pair[1])] += 1
    listed = session.scalar(select(func.count()).select_from(Institution).where(listed_on(today)))
    groups = session.scalar(select(func.count()).select_from(WorkingGroup))
    return NetworkSummary(
        institutions=listed or 0,
        ties=len(rows),
        groups=groups or 0,
        sector_pairs=sorted(
            ((x, y, n) for (x, y), n in pairs.items()),
            key=lambda t: (order.get(t[0], 99), order.get(t[1], 99)),
        ),
    )
