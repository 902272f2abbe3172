"""Reading a working group: its institutions by sector, its leads and its deliverables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import NotFound

from models import (
    Basis,
    Deliverable,
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


@dataclass
class GroupPage:
    group: WorkingGroup
    leads: list[GroupMembership]
    members_by_sector: list[tuple[Sector, list[GroupMembership]]]
    past_leads: list[GroupMembership]
    deliverables: list[Deliverable]
    archived: list[Deliverable]
    activity: list[ProgressUpdate]
    stale_ids: set[int]
    today: date

    @property
    def open_tasks(self) -> list[Task]:
        tasks = [
            task
            for deliverable in self.deliverables
            for task in deliverable.tasks
            if task.archived_at is None and task.status != WorkStatus.DONE
        ]
        return sorted(tasks, key=lambda t: (t.due_on is None, t.due_on or self.today, t.id))

    @property
    def institution_count(self) -> int:
        return sum(len(members) for _sector, members in self.members_by_sector)


def list_groups() -> list[WorkingGroup]:
    return list(session.scalars(select(WorkingGroup).order_by(WorkingGroup.position)))


def load_group(slug: str) -> WorkingGroup:
    """The group with its membership rows (and their institutions) loaded, or 404."""
    group = session.scalar(
        select(WorkingGroup)
        .where(WorkingGroup.slug == slug)
        .options(selectinload(WorkingGroup.memberships).joinedload(GroupMembership.institution))
    )
    if group is None:
        raise NotFound()
    return group


# Asked on every view of a group's page: built once.
_GROUP_BY_SLUG = select(WorkingGroup).where(WorkingGroup.slug == bindparam("slug"))


def find_group(slug: str) -> WorkingGroup:
    """The group alone (its memberships load when asked for), or 404."""
    group = session.scalar(_GROUP_BY_SLUG, {"slug": slug})
    if group is None:
        raise NotFound()
    return group


def archived_deliverables(group: WorkingGroup) -> list[Deliverable]:
    """The group's archived deliverables, most recently archived first (for its managers)."""
    return list(
        session.scalars(
            select(Deliverable)
            .where(Deliverable.group_id == group.id, Deliverable.archived_at.is_not(None))
            .order_by(Deliverable.archived_at.desc(), Deliverable.id)
        )
    )


def group_page(
    slug: str, today: date, stale_after_weeks: int = 3, activity_limit: int = 25
) -> GroupPage:
    """Everything the group page shows, in a fixed number of queries."""
    group = load_group(slug)
    sectors = session.scalars(select(Sector).order_by(Sector.position)).all()
    current = [m for m in group.memberships if m.current_on(today)]
    current.sort(key=lambda m: m.institution.name.casefold())
    by_sector: dict[str, list[GroupMembership]] = defaultdict(list)
    for membership in current:
        by_sector[membership.institution.sector_slug].append(membership)
    past_leads = sorted(
        (m for m in group.memberships if not m.is_open and m.role == GroupRole.LEAD),
        key=lambda m: m.since,
    )
    every_deliverable = session.scalars(
        select(Deliverable)
        .where(Deliverable.group_id == group.id)
        .options(
            joinedload(Deliverable.owner_institution),
            selectinload(Deliverable.tasks).joinedload(Task.assignee),
        )
        .order_by(Deliverable.due_on.is_(None), Deliverable.due_on, Deliverable.id)
    ).all()
    deliverables = [d for d in every_deliverable if d.archived_at is None]
    from ..work.queries import live_updates, stale_deliverables

    # The activity is in the part every viewer shares (`groups/_detail_body.html`, cached):
    # nothing archived, which only the group's managers may see (on its own pages).
    activity = list(
        session.scalars(
            live_updates(d.id for d in deliverables)
            .options(
                joinedload(ProgressUpdate.author),
                joinedload(ProgressUpdate.task),
                joinedload(ProgressUpdate.deliverable),
            )
            .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
            .limit(activity_limit)
        )
    )
    return GroupPage(
        group=group,
        leads=[m for m in current if m.role == GroupRole.LEAD],
        members_by_sector=[(s, by_sector[s.slug]) for s in sectors if by_sector.get(s.slug)],
        past_leads=past_leads,
        deliverables=deliverables,
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
        select(Institution).where(Institution.active_on(today)).order_by(Institution.name)
    )
    return [i for i in candidates if i.id not in inside]


@use_case
def set_membership(
    group: WorkingGroup, institution_id: int, role: GroupRole | None, by: User, today: date
) -> GroupMembership | None:
    """Add an institution to a group, change its role, or (role None) take it out.

    The current row is closed (`until` = today) and a new one opened, so the history of who
    led the group, and when, is never overwritten.
    """
    institution = session.get(Institution, institution_id)
    if institution is None or not institution.is_active_on(today):
        raise DomainError(_l("Choose an active member institution."), field="institution_id")
    current = next(
        (m for m in group.memberships if m.is_open and m.institution_id == institution_id),
        None,
    )
    if current is not None and current.role == role:
        return current
    if current is not None:
        if current.since == today:
            session.delete(current)  # a same-day correction, not history worth keeping
            group.memberships.remove(current)
        else:
            current.until = today
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
    )
    membership = None
    if role is not None:
        membership = GroupMembership(
            group=group, institution=institution, role=role, since=today, basis=Basis.DOCUMENTED
        )
        session.add(membership)
    session.flush()
    return membership
