"""Reading who chairs the groups: the one rule (`GroupChair.current_on`) as queries that the
policy, two-factor sign-in, notifications, the pages and the API call."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, bindparam, event, exists, select
from sqlalchemy.orm import Session, contains_eager, joinedload, lazyload, object_session
from sqlalchemy.orm.attributes import set_committed_value

from models import GroupChair, GroupMembership, Institution, User, WorkingGroup

#: Options for an institution loaded to show its name: without the sector and state that
#: every Institution otherwise joins (lazy="joined" in models/); read them and they load.
WITHOUT_PLACE = (lazyload(Institution.sector), lazyload(Institution.state))


# Who holds which role in a group on a day (`GroupMembership.current_on`): what the policy
# asks of a group whose memberships were not loaded. Built once.
_CURRENT_ROLES = select(GroupMembership.institution_id, GroupMembership.role).where(
    GroupMembership.group_id == bindparam("group_id"),
    GroupMembership.current_on(bindparam("day", type_=Date)),  # type: ignore[arg-type]
)
#: In the session's info: {(group id, day): {institution id: roles}} read in it, until it
#: writes or its transaction ends (a request's session lives for the request).
_ROLES_READ = "coalition.group_roles_read"


def current_roles(group: WorkingGroup, institution_id: int, day: date) -> frozenset[Any]:
    """The roles `institution_id` holds in `group` on `day` (`GroupMembership.current_on`).

    From the group's memberships when they are loaded (with what the session holds but has not
    written yet); else from one query of the group's current roles as plain rows, remembered
    in the session until it writes or its transaction ends. A page asks for each task, file
    and comment whether the viewer belongs (and the mention picker, for each person): loading
    every membership and its institution as objects for that cost more than the rest of a
    deliverable's page."""
    if "memberships" not in group.__dict__:
        session = object_session(group)
        if session is not None:
            return _roles_by_institution(session, group.id, day).get(institution_id, frozenset())
    return frozenset(
        m.role
        for m in group.memberships
        if m.institution_id == institution_id and m.current_on(day)
    )


def _roles_by_institution(session: Session, group_id: int, day: date) -> dict[int, frozenset[Any]]:
    key = (group_id, day)
    read: dict[tuple[int, date], dict[int, frozenset[Any]]] = session.info.setdefault(
        _ROLES_READ, {}
    )
    if key not in read:
        roles: dict[int, set[Any]] = {}
        for institution_id, role in session.execute(
            _CURRENT_ROLES, {"group_id": group_id, "day": day}
        ):
            roles.setdefault(institution_id, set()).add(role)
        read[key] = {i: frozenset(r) for i, r in roles.items()}
    return read[key]


@event.listens_for(Session, "after_flush")
def _forget_roles_written(session: Session, _context: Any) -> None:
    # A membership just written may change what was read.
    session.info.pop(_ROLES_READ, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_roles_read(session: Session, *_args: Any) -> None:
    # The next transaction reads what other servers have committed since.
    session.info.pop(_ROLES_READ, None)


# A group's memberships with their institutions, and institutions alone (for memberships
# loaded without them): built once.
_MEMBERSHIPS = (
    select(GroupMembership)
    .where(GroupMembership.group_id == bindparam("group_id"))
    .options(joinedload(GroupMembership.institution).options(*WITHOUT_PLACE))
    .order_by(GroupMembership.id)
)
_INSTITUTIONS = (
    select(Institution)
    .where(Institution.id.in_(bindparam("ids", expanding=True)))
    .options(*WITHOUT_PLACE)
)


def memberships_with_institutions(group: WorkingGroup) -> list[GroupMembership]:
    """The group's memberships with their institutions loaded (what `current_on` reads of
    each): one query, none when a loader brought them already."""
    session = object_session(group)
    if session is None:
        return group.memberships
    if "memberships" not in group.__dict__:
        loaded = list(session.scalars(_MEMBERSHIPS, {"group_id": group.id}))
        set_committed_value(group, "memberships", loaded)
        return group.memberships
    memberships = group.memberships
    missing = [m.institution_id for m in memberships if "institution" not in m.__dict__]
    if missing:
        found = {i.id: i for i in session.scalars(_INSTITUTIONS, {"ids": missing})}
        for membership in memberships:
            if "institution" not in membership.__dict__:
                set_committed_value(membership, "institution", found[membership.institution_id])
    return memberships


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
