"""Reading the groups: who chairs a group (the one definition the rest of the app asks)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import GroupMembership, GroupRole, User, WorkingGroup


def chairs_of(session: Session, group: WorkingGroup, day: date) -> list[User]:
    """The people who chair `group` on `day`: the active people of the institutions whose
    LEAD membership of the group is current on that day (`GroupMembership.current_on`)."""
    lead_ids = select(GroupMembership.institution_id).where(
        GroupMembership.group_id == group.id,
        GroupMembership.role == GroupRole.LEAD,
        GroupMembership.current_on(day),
    )
    return list(
        session.scalars(
            select(User)
            .where(User.institution_id.in_(lead_ids), User.is_active.is_(True))
            .order_by(User.id)
        )
    )
