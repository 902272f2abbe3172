"""Reading a working group: its institutions by sector, its leads and its deliverables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Row, Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import NotFound

from models import (
    SECTORS_IN_ORDER,
    Basis,
    Deliverable,
    GroupChair,
    GroupMembership,
    GroupRole,
    Institution,
    ProgressUpdate,
    Sector,
    Task,
    User,
    WorkingGroup,
    WorkStatus,
    utcnow,
)

from ..audit import service as audit
from ..core.db import session, use_case
from ..core.errors import DomainError
from .queries import WITHOUT_PLACE


@dataclass(frozen=True, slots=True)
class Activity:
    """One update in a group's activity, as its page lists it: when, who, on which task (or
    else which deliverable), and what changed."""

    created_at: datetime
    author_name: str | None
    task_id: int | None
    task_title: str | None
    deliverable_id: int | None
    deliverable_title: str | None
    changes: dict[str, Any]
    note: str


class TaskRow(NamedTuple):
    """A task as its group's page lists it."""

    id: int
    deliverable_id: int
    title: str
    due_on: date | None
    status: WorkStatus
    assignee_name: str | None


# The task is `live_updates`' outer join on the update's task; its deliverable, the one the
# update is about (the update's own, or its task's): the title shown when it has no task.
_ACTIVITY_COLUMNS = (
    ProgressUpdate.created_at,
    User.full_name,
    Task.id,
    Task.title,
    ProgressUpdate.deliverable_id,
    Deliverable.title,
    ProgressUpdate.changes,
    ProgressUpdate.note,
)


@cache
def _page_activity() -> Select[Any]:
    """The group page's latest updates (`live_updates`), bound as "deliverable_ids" and
    "activity_limit": built on the first page, not on every one (about 500 calls). Late,
    because the work part's queries import this part's."""
    from ..work.queries import LIVE_UPDATES

    return (
        LIVE_UPDATES.with_only_columns(*_ACTIVITY_COLUMNS)
        .outerjoin(User, User.id == ProgressUpdate.author_id)
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
        .limit(bindparam("activity_limit"))
    )


class MemberRow(NamedTuple):
    """A membership row as the group page lists it: the institution's names, the row's role
    and dates, and whether it makes the institution a current member that day (the rule's
    SQL form, `GroupMembership.current_on`)."""

    role: GroupRole
    since: date
    until: date | None
    name: str
    acronym: str | None
    sector_slug: str
    current: bool


class ChairRow(NamedTuple):
    """A chairship as the group page lists it: the person's and institution's names, the
    dates, and whether the person chairs that day (`GroupChair.current_on`, in SQL)."""

    since: date
    until: date | None
    full_name: str
    institution_name: str
    institution_acronym: str | None
    current: bool


@dataclass
class GroupPage:
    group: WorkingGroup
    leads: list[MemberRow]
    members_by_sector: list[tuple[Sector, list[MemberRow]]]
    past_leads: list[MemberRow]
    chairs: list[ChairRow]
    past_chairs: list[ChairRow]
    deliverables: list[Deliverable]
    archived: list[Deliverable]
    activity: list[Activity]
    stale_ids: set[int]
    today: date

    #: The tasks of the live deliverables, not archived (`task_counts`: how many per one).
    tasks: list[TaskRow]
    task_counts: dict[int, int]

    @property
    def open_tasks(self) -> list[TaskRow]:
        tasks = [task for task in self.tasks if task.status != WorkStatus.DONE]
        return sorted(tasks, key=lambda t: (t.due_on is None, t.due_on or self.today, t.id))

    @property
    def institution_count(self) -> int:
        return sum(len(members) for _sector, members in self.members_by_sector)


def list_groups() -> list[WorkingGroup]:
    return list(session.scalars(select(WorkingGroup).order_by(WorkingGroup.position)))


def load_group(slug: str) -> WorkingGroup:
    """The group with its membership rows (and their institutions: names and dates, without
    their sector and state objects) loaded, or 404."""
    group = session.scalar(_GROUP_WITH_MEMBERSHIPS, {"slug": slug})
    if group is None:
        raise NotFound()
    return group


_GROUP_WITH_MEMBERSHIPS = (
    select(WorkingGroup)
    .where(WorkingGroup.slug == bindparam("slug"))
    .options(
        selectinload(WorkingGroup.memberships)
        .joinedload(GroupMembership.institution)
        .options(*WITHOUT_PLACE)
    )
)


# Asked on every view of a group's page: built once.
_GROUP_BY_SLUG = select(WorkingGroup).where(WorkingGroup.slug == bindparam("slug"))


def find_group(slug: str) -> WorkingGroup:
    """The group alone (its memberships load when asked for), or 404."""
    group = session.scalar(_GROUP_BY_SLUG, {"slug": slug})
    if group is None:
        raise NotFound()
    return group


def archived_deliverables(group: WorkingGroup) -> list[Row[Any]]:
    """The group's archived deliverables (`id`, `title`), most recently archived first (for
    its managers): rows, which is all the page shows of them."""
    return list(session.execute(_ARCHIVED, {"group_id": group.id}))


# Built once (the group page asks for its managers on every view).
_ARCHIVED = (
    select(Deliverable.id, Deliverable.title)
    .where(Deliverable.group_id == bindparam("group_id"), Deliverable.archived_at.is_not(None))
    .order_by(Deliverable.archived_at.desc(), Deliverable.id)
)


# What the group page shows of the institutions and people it lists: their names, never
# their sector or state objects (`Institution.sector` and `.state`, and `User.institution`,
# load by default with every row; the page has the sectors already, by slug).
_PAGE_DAY = bindparam("day", type_=Date)
_PAGE_MEMBERSHIPS = (
    select(
        GroupMembership.role,
        GroupMembership.since,
        GroupMembership.until,
        Institution.name,
        Institution.acronym,
        Institution.sector_slug,
        GroupMembership.current_on(_PAGE_DAY).label("current"),  # type: ignore[arg-type,attr-defined]
    )
    .join(Institution, Institution.id == GroupMembership.institution_id)
    .where(GroupMembership.group_id == bindparam("group_id"))
)
# Every chairship of the group, oldest first (`queries.chair_history`'s order), as rows.
_PAGE_CHAIRS = (
    select(
        GroupChair.since,
        GroupChair.until,
        User.full_name,
        Institution.name,
        Institution.acronym,
        GroupChair.current_on(_PAGE_DAY).label("current"),  # type: ignore[arg-type,attr-defined]
    )
    .join(User, User.id == GroupChair.person_id)
    .join(Institution, Institution.id == User.institution_id)
    .where(GroupChair.group_id == bindparam("group_id"))
    .order_by(GroupChair.since, GroupChair.id)
)
_PAGE_DELIVERABLES = (
    select(Deliverable)
    .where(Deliverable.group_id == bindparam("group_id"))
    .options(joinedload(Deliverable.owner_institution).options(*WITHOUT_PLACE))
    .order_by(Deliverable.due_on.is_(None), Deliverable.due_on, Deliverable.id)
)
# The tasks of the group's deliverables that are not archived, as rows (the page shows five
# columns of each, and counts them per deliverable).
_PAGE_TASKS = (
    select(Task.id, Task.deliverable_id, Task.title, Task.due_on, Task.status, User.full_name)
    .join(Deliverable, Deliverable.id == Task.deliverable_id)
    .outerjoin(User, User.id == Task.assignee_id)
    .where(Deliverable.group_id == bindparam("group_id"), Task.archived_at.is_(None))
)


def group_page(
    slug: str,
    today: date,
    stale_after_weeks: int = 3,
    activity_limit: int = 25,
    *,
    group: WorkingGroup | None = None,
) -> GroupPage:
    """Everything the group page shows, in a fixed number of queries (`group`: the group of
    that slug, when the caller has it already: one statement fewer)."""
    if group is None:
        group = find_group(slug)
    sectors = session.scalars(SECTORS_IN_ORDER).all()
    bound = {"group_id": group.id, "day": today}
    memberships = [MemberRow(*row) for row in session.execute(_PAGE_MEMBERSHIPS, bound)]
    current = [m for m in memberships if m.current]
    current.sort(key=lambda m: m.name.casefold())
    by_sector: dict[str, list[MemberRow]] = defaultdict(list)
    for membership in current:
        by_sector[membership.sector_slug].append(membership)
    past_leads = sorted(
        (m for m in memberships if m.until is not None and m.role == GroupRole.LEAD),
        key=lambda m: m.since,
    )
    chairships = [ChairRow(*row) for row in session.execute(_PAGE_CHAIRS, bound)]
    every_deliverable = session.scalars(_PAGE_DELIVERABLES, {"group_id": group.id}).all()
    deliverables = [d for d in every_deliverable if d.archived_at is None]
    live = {d.id for d in deliverables}
    tasks: list[TaskRow] = []
    task_counts = dict.fromkeys(live, 0)
    for row in session.execute(_PAGE_TASKS, {"group_id": group.id}):
        if row.deliverable_id in live:
            tasks.append(TaskRow(*row))
            task_counts[row.deliverable_id] += 1
    from ..work.queries import stale_deliverables

    # The activity is in the part every viewer shares (`groups/_detail_body.html`, cached):
    # nothing archived, which only the group's managers may see (on its own pages). Rows of
    # the columns it shows, not three objects per update.
    activity = [
        Activity(*row)
        for row in session.execute(
            _page_activity(),
            {"deliverable_ids": sorted(live), "activity_limit": activity_limit},
        )
    ]
    return GroupPage(
        group=group,
        leads=[m for m in current if m.role == GroupRole.LEAD],
        members_by_sector=[(s, by_sector[s.slug]) for s in sectors if by_sector.get(s.slug)],
        past_leads=past_leads,
        chairs=[c for c in chairships if c.current],
        past_chairs=[c for c in chairships if c.until is not None and c.until <= today],
        deliverables=deliverables,
        tasks=tasks,
        task_counts=task_counts,
        archived=[d for d in every_deliverable if d.archived_at is not None],
        activity=activity,
        stale_ids=stale_deliverables(deliverables, stale_after_weeks, utcnow()),
        today=today,
    )


# --- memberships (coordinators) -------------------------------------------------------------


def institutions_outside(group: WorkingGroup, today: date) -> list[Institution]:
    """Active institutions not currently in the group: candidates to add."""
    inside = {m.institution_id for m in group.memberships if m.current_on(today)}
    candidates = session.scalars(
        _active_institutions(today, Institution).options(*WITHOUT_PLACE)  # offered by name
    )
    return [i for i in candidates if i.id not in inside]


def institution_names_outside(inside: set[int], today: date) -> list[Any]:
    """`institutions_outside` as rows of what the page offers (id, name, acronym, name_key),
    given the ids of the group's current institutions (`inside`)."""
    rows = session.execute(_ACTIVE_INSTITUTION_NAMES, {"today": today})
    return [row for row in rows if row.id not in inside]


def _active_institutions(today: date, *columns: Any) -> Select[Any]:
    return select(*columns).where(Institution.active_on(today)).order_by(Institution.name)


# Built once, the day bound at each call (building it cost about as much as running it).
_ACTIVE_INSTITUTION_NAMES = (
    select(Institution.id, Institution.name, Institution.acronym, Institution.name_key)
    .where(Institution.active_on(bindparam("today", type_=Date)))  # type: ignore[arg-type]
    .order_by(Institution.name)
)


def _check_start(
    group: WorkingGroup,
    institution: Institution,
    current: GroupMembership | None,
    since: date,
    today: date,
) -> None:
    """A change's date: not after today (a change is recorded when it happens, so that every
    page is right today), not before the institution joined the coalition, not before the
    row it closes started nor before an earlier row of it in this group ended."""
    if since > today:
        raise DomainError(
            _l(
                "The date cannot be after today: record the change on the day it happens, "
                "so that the group's pages are right until then."
            ),
            field="since",
        )
    if since < institution.joined_on:
        raise DomainError(
            _l(
                "%(name)s joined the coalition on %(day)s: the date cannot be earlier.",
                name=institution.name,
                day=format_date(institution.joined_on, "long"),
            ),
            field="since",
        )
    if current is not None and since < current.since:
        raise DomainError(
            _l(
                "Its current row in the group started on %(day)s: the date cannot be earlier.",
                day=format_date(current.since, "long"),
            ),
            field="since",
        )
    ended = [
        m.until
        for m in group.memberships
        if m.institution_id == institution.id and m is not current and m.until is not None
    ]
    if current is None and ended and since < max(ended):
        raise DomainError(
            _l(
                "It was in the group until %(day)s: the date cannot be earlier.",
                day=format_date(max(ended), "long"),
            ),
            field="since",
        )


@use_case
def set_membership(
    group: WorkingGroup,
    institution_id: int,
    role: GroupRole | None,
    by: User,
    today: date,
    since: date | None = None,
) -> GroupMembership | None:
    """Add an institution to a group, change its role, or (role None) take it out, from
    `since` (today unless given; `_check_start` says which days may be chosen).

    The current row is closed (`until` = since) and a new one opened, so the history of who
    led the group, and when, is never overwritten.
    """
    since = today if since is None else since
    institution = session.get(Institution, institution_id)
    if institution is None or not institution.is_active_on(today):
        raise DomainError(_l("Choose an active member institution."), field="institution_id")
    current = next(
        (m for m in group.memberships if m.is_open and m.institution_id == institution_id),
        None,
    )
    if current is not None and current.role == role:
        if since < current.since:
            # Already in that role: an earlier date corrects when the row started.
            _check_start(group, institution, None, since, today)
            audit.record(
                by,
                "group.membership",
                "working_group",
                group.id,
                institution=institution.name,
                before=current.role,
                after=role,
                since=since,
                corrected_from=current.since,
            )
            current.since = since
            session.flush()
        return current
    if current is None and role is None:
        return None
    _check_start(group, institution, current, since, today)
    ended_chairs: list[str] = []
    if current is not None and current.role == GroupRole.LEAD:
        # No longer a lead: its people stop chairing the group the same day.
        ended_chairs = close_chairships(institution.id, since, group_id=group.id)
    if current is not None:
        if current.since == since:
            session.delete(current)  # a same-day correction, not history worth keeping
            group.memberships.remove(current)
        else:
            current.until = since
        session.flush()
    audit.record(
        by,
        "group.membership",
        "working_group",
        group.id,
        institution=institution.name,
        institution_id=institution.id,
        before=current.role if current else None,
        after=role,
        since=since,
        chairs_ended=ended_chairs,
    )
    membership = None
    if role is not None:
        membership = GroupMembership(
            group=group, institution=institution, role=role, since=since, basis=Basis.DOCUMENTED
        )
        session.add(membership)
    session.flush()
    return membership


# --- chairs (coordinators) ------------------------------------------------------------------


def chair_candidates(lead_ids: set[int]) -> list[Any]:
    """Active people of the group's current lead institutions (`lead_ids`): who may be named
    chair, as rows (id, full_name, and their institution's acronym and name)."""
    if not lead_ids:
        return []
    return list(session.execute(_CHAIR_CANDIDATES, {"lead_ids": sorted(lead_ids)}))


# Built once, the lead institutions bound at each call.
_CHAIR_CANDIDATES = (
    select(User.id, User.full_name, Institution.acronym, Institution.name)
    .join(Institution, Institution.id == User.institution_id)
    .where(User.institution_id.in_(bindparam("lead_ids", expanding=True)), User.is_active.is_(True))
    .order_by(User.full_name, User.id)
)


class HistoryRow(NamedTuple):
    """A membership row of a group as its coordinators' page lists it, with whether it makes
    the institution a current member that day (`GroupMembership.current_on`, in SQL)."""

    institution_id: int
    name: str
    acronym: str | None
    name_key: str
    role: GroupRole
    since: date
    until: date | None
    current: bool


def membership_history(group: WorkingGroup, today: date) -> list[HistoryRow]:
    """Every membership row of the group, by institution name and start, as rows."""
    rows = [
        HistoryRow(*row)
        for row in session.execute(_MEMBERSHIP_HISTORY, {"group_id": group.id, "day": today})
    ]
    rows.sort(key=lambda m: (m.name.casefold(), m.since))
    return rows


_MEMBERSHIP_HISTORY = (
    select(
        GroupMembership.institution_id,
        Institution.name,
        Institution.acronym,
        Institution.name_key,
        GroupMembership.role,
        GroupMembership.since,
        GroupMembership.until,
        GroupMembership.current_on(_PAGE_DAY).label("current"),  # type: ignore[arg-type,attr-defined]
    )
    .join(Institution, Institution.id == GroupMembership.institution_id)
    .where(GroupMembership.group_id == bindparam("group_id"))
)


@use_case
def name_chair(
    group: WorkingGroup, person_id: int, since: date, by: User, today: date
) -> GroupChair:
    """Name a person chair of the group from `since` (co-chairs allowed). The person must be
    active and of an institution that leads the group today, and since `since`."""
    person = session.get(User, person_id)
    lead = next(
        (
            m
            for m in group.memberships
            if person is not None
            and m.role == GroupRole.LEAD
            and m.institution_id == person.institution_id
            and m.current_on(today)
        ),
        None,
    )
    if person is None or not person.is_active or lead is None:
        raise DomainError(
            _l("Choose an active person of one of the group's lead institutions."),
            field="person_id",
        )
    if any(c.person_id == person.id and c.is_open for c in group.chairs):
        raise DomainError(_l("This person already chairs the group."), field="person_id")
    if since < lead.since:
        raise DomainError(
            _l(
                "The chairship cannot start before their institution led the group (%(day)s).",
                day=format_date(lead.since, "medium"),
            ),
            field="since",
        )
    chair = GroupChair(group=group, person=person, since=since, named_by=by)
    session.add(chair)
    session.flush()
    audit.record(
        by,
        "group.chair_named",
        "working_group",
        group.id,
        person=person.full_name,
        person_id=person.id,
        since=since,
    )
    session.flush()
    return chair


@use_case
def end_chair(chair: GroupChair, until: date, by: User) -> None:
    """End a chairship on `until` (the first day they no longer chair). The row is kept."""
    if chair.until is not None:
        raise DomainError(_l("This chairship has already ended."), field="until")
    if until < chair.since:
        raise DomainError(
            _l(
                "The end cannot be before the start (%(day)s).",
                day=format_date(chair.since, "medium"),
            ),
            field="until",
        )
    chair.until = until
    audit.record(
        by,
        "group.chair_ended",
        "working_group",
        chair.group_id,
        person=chair.person.full_name,
        person_id=chair.person_id,
        since=chair.since,
        until=until,
    )
    session.flush()


def close_chairships(institution_id: int, day: date, group_id: int | None = None) -> list[str]:
    """The institution's people stop chairing (one group, or every group) on `day`: their open
    chairships are closed then, kept in the history. Returns the names of those closed."""
    statement = (
        select(GroupChair)
        .join(User, GroupChair.person_id == User.id)
        .where(
            User.institution_id == institution_id,
            GroupChair.until.is_(None) | (GroupChair.until > day),
        )
        .options(joinedload(GroupChair.person))
    )
    if group_id is not None:
        statement = statement.where(GroupChair.group_id == group_id)
    rows = session.scalars(statement).all()
    for chair in rows:
        chair.until = max(day, chair.since)
    return sorted(c.person.full_name for c in rows)


@use_case
def email_group(group: WorkingGroup, by: User, subject: str, message: str, today: date) -> int:
    """A chair's (or coordinator's) e-mail to every active person of the group's current
    institutions: one outbox message each, in the transaction, signed with the sender's name;
    recorded in the audit trail. Returns how many people it is written to."""
    from ..core import outbox
    from ..core.links import external_url
    from .queries import people_of

    subject = " ".join(subject.split())  # one line: a header never holds a line break
    recipients = people_of(session, group, today)
    if not recipients:
        raise DomainError(_l("This group's institutions have no active people to write to."))
    link = external_url("groups.detail", slug=group.slug)
    for person in recipients:
        with force_locale(person.locale or "es"):
            language = str(person.locale or "es")
            heading = str(
                _l("[%(group)s] %(subject)s", group=group.name(language), subject=subject)
            )
            signed = str(
                _l(
                    "%(name)s (%(institution)s) wrote to the people of %(group)s:",
                    name=by.full_name,
                    institution=by.institution.name if by.institution else "",
                    group=group.name(language),
                )
            )
        outbox.queue(person.email, heading, f"{signed}\n\n{message}\n\n{link}")
    audit.record(
        by,
        "group.email",
        "working_group",
        group.id,
        subject=subject,
        recipients=len(recipients),
    )
    session.flush()
    return len(recipients)
