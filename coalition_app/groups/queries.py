"""Reading who chairs the groups: the one rule (`GroupChair.current_on`) as queries that the
policy, two-factor sign-in, notifications, the pages and the API call."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, bindparam, exists, select
from sqlalchemy.orm import Session, contains_eager, joinedload, lazyload

from models import GroupChair, GroupMembership, Institution, User, WorkingGroup

#: Options for an institution loaded to show its name: without the sector and state that
#: every Institution otherwise joins (lazy="joined" in models/); read them and they load.
WITHOUT_PLACE = (lazyload(Institution.sector), lazyload(Institution.state))


def chairs_of(session: Session, group: WorkingGroup, day: date) -> list[User]:
    """The people who chair `group` on `day` (named chairs, active, of an institution that
    leads the group that day), by name. Co-chairs are all listed."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(GroupChair.person_id).where(
                        GroupChair.group_id == group.id, GroupChair.current_on(day)
                    )
                )
            )
            .order_by(User.full_name, User.id)
        )
    )


def chairs_anything(person_id: int, day: date) -> ColumnElement[bool]:
    """A condition: the person chairs at least one group on `day`."""
    return exists().where(GroupChair.person_id == person_id, GroupChair.current_on(day))


def chair_history(session: Session, group: WorkingGroup) -> list[GroupChair]:
    """Every chairship of the group, current and past, oldest first (the leadership history),
    with each chair and their institution (not who named them: no page shows it)."""
    return list(session.scalars(_CHAIR_HISTORY, {"group_id": group.id}))


# Built once, the group bound at each call.
_CHAIR_HISTORY = (
    select(GroupChair)
    .where(GroupChair.group_id == bindparam("group_id"))
    .options(joinedload(GroupChair.person).joinedload(User.institution).options(*WITHOUT_PLACE))
    .order_by(GroupChair.since, GroupChair.id)
)


def every_chairship(session: Session) -> list[GroupChair]:
    """Every chairship of every group, by group, start and name (the leadership CSV)."""
    return list(
        session.scalars(
            select(GroupChair)
            .join(GroupChair.group)
            .join(GroupChair.person)
            .options(
                joinedload(GroupChair.group),
                joinedload(GroupChair.person).joinedload(User.institution),
            )
            .order_by(WorkingGroup.position, GroupChair.since, User.full_name, GroupChair.id)
        )
    )


def people_of(session: Session, group: WorkingGroup, day: date) -> list[User]:
    """The active people of the institutions that belong to `group` on `day`
    (`GroupMembership.current_on`), by institution and name, in one query."""
    return list(session.scalars(_PEOPLE_OF, {"group_id": group.id, "day": day}))


def people_rows_of(session: Session, group: WorkingGroup, day: date) -> list[Any]:
    """`people_of` as rows of what the group page shows of each (full_name, title, phone,
    institution_id, acronym, institution_name), in the same order."""
    return list(session.execute(_PEOPLE_ROWS_OF, {"group_id": group.id, "day": day}))


# Built once (its `current_on` condition cost about as much to build as to run), the group
# and the day bound at each call; the people as objects or as rows, the same condition.
_PEOPLE_OF_SELECTION = (
    select(User)
    .join(User.institution)
    .where(
        User.is_active.is_(True),
        User.institution_id.in_(
            select(GroupMembership.institution_id).where(
                GroupMembership.group_id == bindparam("group_id"),
                GroupMembership.current_on(bindparam("day", type_=Date)),  # type: ignore[arg-type]
            )
        ),
    )
    .order_by(Institution.name_key, User.full_name, User.id)
)
_PEOPLE_OF = _PEOPLE_OF_SELECTION.options(contains_eager(User.institution).options(*WITHOUT_PLACE))
_PEOPLE_ROWS_OF = _PEOPLE_OF_SELECTION.with_only_columns(
    User.full_name,
    User.title,
    User.phone,
    Institution.id.label("institution_id"),
    Institution.acronym,
    Institution.name.label("institution_name"),
)
