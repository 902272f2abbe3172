"""Use cases of the network page: introducing two institutions to each other, by a message
to both focal points or by a task given to a chair of a group (the work's own use case).

They change objects and flush, never commit, never check access (the view asks the policy
first) and never send mail themselves: the messages go to the outbox in the same
transaction (`core.outbox.queue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Date, Row, Select, and_, bindparam, func, select
from sqlalchemy.orm import lazyload

from models import (
    Deliverable,
    GroupChair,
    GroupMembership,
    Institution,
    Introduction,
    User,
    WorkingGroup,
)

from ..core import clock, outbox
from ..core.db import session, use_case
from ..core.errors import DomainError
from ..core.links import external_url
from ..groups.queries import chairs_of
from ..work import service as work

#: Lacking a focal point, at most this many of an institution's people are written to.
PEOPLE_FALLBACK_LIMIT = 5


@dataclass
class Recipients:
    """Who an introduction writes to, for one institution."""

    institution: Institution
    people: list[User]
    #: False: its focal point; True: it has none (or an inactive one), so its people.
    fallback: bool


# The first active people of institutions (bound as "ids"), by name: built once.
_RANK = (
    func.row_number()
    .over(partition_by=User.institution_id, order_by=(User.full_name, User.id))
    .label("rank")
)
_RANKED = (
    select(User.id, _RANK)
    .where(User.institution_id.in_(bindparam("ids", expanding=True)), User.is_active)
    .subquery()
)
_FALLBACK_PEOPLE = (
    select(User)
    .join(_RANKED, _RANKED.c.id == User.id)
    .where(_RANKED.c.rank <= PEOPLE_FALLBACK_LIMIT)
    .options(lazyload(User.institution))
    .order_by(User.full_name, User.id)
)


def recipients_of(*institutions: Institution) -> list[Recipients]:
    """Each institution's focal point or, lacking an active one, its first active people
    (by name): one statement for all of those, whatever their number."""
    lacking = [i.id for i in institutions if i.focal_point is None or not i.focal_point.is_active]
    people: dict[int, list[User]] = {i: [] for i in lacking}
    if lacking:
        for person in session.scalars(_FALLBACK_PEOPLE, {"ids": lacking}):
            people[person.institution_id].append(person)
    return [
        Recipients(i, people[i.id], fallback=True)
        if i.id in people
        else Recipients(i, [i.focal_point], fallback=False)  # type: ignore[list-item]
        for i in institutions
    ]


def ordered(first: Institution, second: Institution) -> tuple[Institution, Institution]:
    return (first, second) if first.id < second.id else (second, first)


@use_case
def introduce(
    first: Institution, second: Institution, *, by: User, subject: str, message: str
) -> Introduction:
    """Write one message to both institutions' focal points (or their people) and remember it."""
    if first.id == second.id:
        raise DomainError(_("Choose two different institutions."), field="subject")
    subject = subject.strip()
    message = message.strip()
    if not subject:
        raise DomainError(_("Write a subject."), field="subject")
    if not message:
        raise DomainError(_("Write the message that introduces them."), field="message")
    a, b = ordered(first, second)
    sides = recipients_of(a, b)
    for side in sides:
        if not side.people:
            raise DomainError(
                _(
                    "%(name)s has no focal point and no active person to write to: name its "
                    "focal point in the directory first.",
                    name=side.institution.name,
                ),
                field="message",
            )
    addresses = [person.email for side in sides for person in side.people]
    link_a = external_url("directory.profile", institution_id=a.id)
    link_b = external_url("directory.profile", institution_id=b.id)
    body = "\n".join(
        [
            message,
            "",
            "—",
            f"{a.name}: {link_a}",
            f"{b.name}: {link_b}",
            "",
            _(
                "Sent by %(name)s to: %(addresses)s.",
                name=by.full_name,
                addresses=", ".join(addresses),
            ),
        ]
    )
    for address in addresses:
        outbox.queue(address, subject, body)
    introduction = Introduction(
        institution_a_id=a.id,
        institution_b_id=b.id,
        introduced_by_id=by.id,
        subject=subject,
        message=message,
        recipients=", ".join(addresses),
        to_people=any(side.fallback for side in sides),
    )
    session.add(introduction)
    session.flush()
    return introduction


def groups_for_task(
    first: Institution, second: Institution, day: date
) -> tuple[list[WorkingGroup], list[WorkingGroup]]:
    """The working groups both institutions currently belong to, and those an introduction
    task may go to (the shared ones, or every group when they share none), both by slug:
    one statement."""
    rows = session.execute(
        _GROUPS_FOR_TASK, {"first_id": first.id, "second_id": second.id, "day": day}
    ).all()
    shared = [group for group, both in rows if both]
    return shared, shared or [group for group, _both in rows]


def current_chairs(groups: list[WorkingGroup], day: date) -> list[Row[tuple[int, int, str]]]:
    """The current chairships of `groups` as (person_id, group_id, full_name) rows, by group
    and name: one statement (chairship objects loaded each person one by one)."""
    if not groups:
        return []
    return list(session.execute(_CURRENT_CHAIRS, {"group_ids": [g.id for g in groups], "day": day}))


_DAY = bindparam("day", type_=Date)


def _groups_of(institution_id: str) -> Select[int]:
    return select(GroupMembership.group_id).where(
        GroupMembership.institution_id == bindparam(institution_id),
        GroupMembership.current_on(_DAY),  # type: ignore[arg-type]
    )


# Built once (the `current_on` conditions cost more to build than to run), the institutions,
# the groups and the day bound at each call.
_GROUPS_FOR_TASK = select(
    WorkingGroup,
    and_(WorkingGroup.id.in_(_groups_of("first_id")), WorkingGroup.id.in_(_groups_of("second_id"))),
).order_by(WorkingGroup.slug)
_CURRENT_CHAIRS = (
    select(GroupChair.person_id, GroupChair.group_id, User.full_name)
    .join(User, GroupChair.person_id == User.id)
    .where(
        GroupChair.group_id.in_(bindparam("group_ids", expanding=True)),
        GroupChair.current_on(_DAY),  # type: ignore[arg-type]
    )
    .order_by(GroupChair.group_id, User.full_name, User.id)
)


@use_case
def introduce_by_task(
    first: Institution,
    second: Institution,
    *,
    by: User,
    deliverable: Deliverable,
    chair: User,
    title: str,
    description: str,
    due_on: date | None = None,
) -> Introduction:
    """Give a chair of the deliverable's group the task of introducing the two (the chair is
    told as any assignee is), and remember the introduction with its task."""
    if first.id == second.id:
        raise DomainError(_("Choose two different institutions."), field="title")
    if not title.strip():
        raise DomainError(_("Write a subject."), field="title")
    day = clock.today()
    if chair not in chairs_of(session, deliverable.group, day):
        raise DomainError(
            _("Choose a current chair of the deliverable's group."), field="assignee_id"
        )
    task = work.create_task(
        deliverable,
        by,
        title=title,
        description=description,
        assignee_id=chair.id,
        due_on=due_on,
    )
    a, b = ordered(first, second)
    introduction = Introduction(
        institution_a_id=a.id,
        institution_b_id=b.id,
        introduced_by_id=by.id,
        subject=task.title,
        message=task.description,
        recipients="",
        to_people=False,
        task=task,
    )
    session.add(introduction)
    session.flush()
    return introduction
