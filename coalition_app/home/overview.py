"""Where the coalition stands today: the figures on the home page."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from models import (
    SECTORS_IN_ORDER,
    Deliverable,
    DueState,
    GroupChair,
    GroupMembership,
    GroupRole,
    Institution,
    Sector,
    User,
    WorkingGroup,
    WorkStatus,
    due_state,
)

from ..core.db import session


@dataclass
class GroupSummary:
    group: WorkingGroup
    leads: list[str | None] = field(default_factory=list)  # the lead institutions' acronyms
    chairs: list[str] = field(default_factory=list)  # the chairs' full names
    member_count: int = 0
    due_soon: int = 0
    overdue: int = 0


@dataclass
class CoalitionOverview:
    today: date
    active_institutions: int
    founders: int
    by_sector: list[tuple[Sector, int]]
    groups: list[GroupSummary]
    due_soon: list[Deliverable]
    overdue: list[Deliverable]

    @property
    def sectors_present(self) -> int:
        return sum(1 for _sector, count in self.by_sector if count)


@functools.lru_cache(maxsize=4)
def _statements(today: date, due_within_days: int) -> dict[str, Select[Any]]:
    # Statements of several shapes: each caller reads its rows as it expects them.
    """The overview's statements for a day, built once per process and day (building the
    `current_on` conditions costs as much as running them)."""
    active = Institution.active_on(today)
    statements: dict[str, Any] = {
        "by_sector": select(Institution.sector_slug, func.count())
        .where(active)
        .group_by(Institution.sector_slug),
        "sectors": SECTORS_IN_ORDER,
        "founders": select(func.count())
        .select_from(Institution)
        .where(active, Institution.is_founder),
        "groups": select(WorkingGroup).order_by(WorkingGroup.position),
        # Names only: not an Institution (with its sector and state) for each of them.
        "memberships": select(GroupMembership.group_id, GroupMembership.role, Institution.acronym)
        .join(Institution, GroupMembership.institution_id == Institution.id)
        .where(GroupMembership.current_on(today))
        .order_by(Institution.name),
        # Who chairs each group today: the one rule, `GroupChair.current_on`, in SQL.
        "chairs": select(GroupChair.group_id, User.full_name)
        .join(User, GroupChair.person_id == User.id)
        .where(GroupChair.current_on(today))
        .order_by(User.full_name, User.id),
        # Overdue and due soon are one rule (models.work.due_state), asked in SQL and in Python.
        "open_work": select(Deliverable)
        .options(joinedload(Deliverable.group))
        .where(
            Deliverable.archived_at.is_(None),
            or_(
                Deliverable.is_overdue(today),
                Deliverable.is_due_soon(today, due_within_days),
            ),
        )
        .order_by(Deliverable.due_on, Deliverable.id),
    }
    return statements


def coalition_overview(today: date, due_within_days: int = 30) -> CoalitionOverview:
    """Headline figures in a fixed number of queries (seven), whatever the size of the data."""
    statements = _statements(today, due_within_days)
    by_sector_counts: dict[str, int] = dict(session.execute(statements["by_sector"]).all())
    sectors = session.scalars(statements["sectors"]).all()
    founders = session.scalar(statements["founders"])

    groups = {group.id: GroupSummary(group) for group in session.scalars(statements["groups"])}
    for group_id, role, acronym in session.execute(statements["memberships"]):
        summary = groups[group_id]
        summary.member_count += 1
        if role == GroupRole.LEAD:
            summary.leads.append(acronym)

    for group_id, full_name in session.execute(statements["chairs"]):
        groups[group_id].chairs.append(full_name)

    open_work = session.scalars(statements["open_work"]).all()
    due_soon, overdue = [], []
    for deliverable in open_work:
        state = due_state(
            deliverable.due_on, today, due_within_days, done=deliverable.status == WorkStatus.DONE
        )
        summary = groups[deliverable.group_id]
        if state == DueState.OVERDUE:
            overdue.append(deliverable)
            summary.overdue += 1
        else:
            due_soon.append(deliverable)
            summary.due_soon += 1

    return CoalitionOverview(
        today=today,
        active_institutions=sum(by_sector_counts.values()),
        founders=founders or 0,
        by_sector=[(sector, by_sector_counts.get(sector.slug, 0)) for sector in sectors],
        groups=list(groups.values()),
        due_soon=due_soon,
        overdue=overdue,
    )
