"""Reading the groups' work for pages, the API and notifications: loaders (with the policy
deciding what may even be seen), histories, "my work", activity and staleness."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Date, Row, Select, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import NotFound

from models import (
    Deliverable,
    GroupChair,
    GroupMembership,
    Institution,
    ProgressUpdate,
    Task,
    User,
    WorkingGroup,
    WorkStatus,
)

from .. import policy
from ..core import clock
from ..core.db import session
from ..groups.queries import WITHOUT_PLACE, memberships_with_institutions

if TYPE_CHECKING:
    from sqlalchemy.orm.strategy_options import _AbstractLoad

S = WorkStatus


# --- loading, with the policy deciding what may even be seen ---------------------------------


def _group_options() -> _AbstractLoad:
    # With their institutions: who currently belongs depends on the institution's dates.
    return (
        selectinload(WorkingGroup.memberships)
        .joinedload(GroupMembership.institution)
        .options(*WITHOUT_PLACE)
    )


# The pages of a deliverable and of a task (and their comments' and files' routes) start
# with these: built once (building a statement with its loader options cost more than
# running it), the id bound at each call. Not the group's memberships: the policy asks for
# the viewer's institution's roles alone (`groups.queries.current_roles`), and what lists
# the members loads them with their institutions (`current_memberships`).
_DELIVERABLE = (
    select(Deliverable)
    .where(Deliverable.id == bindparam("deliverable_id"))
    .options(
        joinedload(Deliverable.group),
        joinedload(Deliverable.owner_institution).options(*WITHOUT_PLACE),
        joinedload(Deliverable.updated_by).lazyload(User.institution),
        selectinload(Deliverable.tasks).joinedload(Task.assignee).lazyload(User.institution),
    )
)
_TASK = (
    select(Task)
    .where(Task.id == bindparam("task_id"))
    .options(
        joinedload(Task.deliverable).joinedload(Deliverable.group),
        joinedload(Task.assignee).lazyload(User.institution),
        joinedload(Task.updated_by).lazyload(User.institution),
    )
)


class Person(NamedTuple):
    full_name: str


class TaskRef(NamedTuple):
    id: int
    title: str


class HistoryEntry(NamedTuple):
    """A progress update as the history list shows it (`work.markup.history_list`): a row,
    not a ProgressUpdate with its author and task loaded as objects."""

    id: int
    created_at: datetime
    changes: dict[str, Any]
    note: str
    evidence_url: str | None
    author: Person | None
    task: TaskRef | None


_HISTORY_COLUMNS = (
    select(
        ProgressUpdate.id,
        ProgressUpdate.created_at,
        ProgressUpdate.changes,
        ProgressUpdate.note,
        ProgressUpdate.evidence_url,
        User.full_name,
        ProgressUpdate.task_id,
        Task.title,
    )
    .outerjoin(User, ProgressUpdate.author_id == User.id)
    .outerjoin(Task, ProgressUpdate.task_id == Task.id)
    .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
)
_HISTORY = _HISTORY_COLUMNS.where(
    (ProgressUpdate.deliverable_id == bindparam("deliverable_id"))
    | ProgressUpdate.task_id.in_(bindparam("task_ids", expanding=True))
)
_TASK_HISTORY = _HISTORY_COLUMNS.where(ProgressUpdate.task_id == bindparam("task_id"))


def _entries(rows: Iterable[Any]) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            update_id,
            created_at,
            changes,
            note,
            evidence_url,
            None if author is None else Person(author),
            None if task_id is None else TaskRef(task_id, title),
        )
        for update_id, created_at, changes, note, evidence_url, author, task_id, title in rows
    ]


def load_deliverable(deliverable_id: int, user: User) -> Deliverable:
    deliverable = session.scalar(_DELIVERABLE, {"deliverable_id": deliverable_id})
    if deliverable is None:
        raise NotFound()
    policy.require_visible(user, "view_deliverable", deliverable)
    return deliverable


def load_task(task_id: int, user: User) -> Task:
    task = session.scalar(_TASK, {"task_id": task_id})
    if task is None:
        raise NotFound()
    policy.require_visible(user, "view_task", task)
    return task


def history(deliverable: Deliverable, user: User) -> list[HistoryEntry]:
    """The history of a deliverable and of the tasks of it `user` may see, oldest first.

    The same rule as the objects (`policy.can(user, "view_task", task)`): the notes and links
    of an archived task are not shown to whoever gets a 404 on the task itself.
    """
    task_ids = [task.id for task in deliverable.tasks if policy.can(user, "view_task", task)]
    return _entries(
        session.execute(_HISTORY, {"deliverable_id": deliverable.id, "task_ids": task_ids})
    )


# What an update is about: its deliverable, or its task's.
_SUBJECT = func.coalesce(ProgressUpdate.deliverable_id, Task.deliverable_id)

# `live_updates` with the deliverables' ids bound as "deliverable_ids": built once, not for
# every group page (building it cost about 400 calls).
LIVE_UPDATES = (
    select(ProgressUpdate)
    .outerjoin(Task, ProgressUpdate.task_id == Task.id)
    .join(Deliverable, Deliverable.id == _SUBJECT)
    .where(
        _SUBJECT.in_(bindparam("deliverable_ids", expanding=True)),
        Deliverable.archived_at.is_(None),
        Task.archived_at.is_(None),
    )
)


def live_updates(deliverable_ids: Iterable[int]) -> Select[ProgressUpdate]:
    """The updates on these deliverables and their tasks that whoever may see the group may
    see: neither the task nor its deliverable archived (the policy's `view_task` and
    `view_deliverable` for someone who does not manage the group).

    For what every viewer shares (the group page's cached activity, the weekly digest):
    archived work is left out of them entirely; its managers see it on its own pages.
    """
    return LIVE_UPDATES.params(deliverable_ids=list(deliverable_ids))


def task_history(task: Task) -> list[HistoryEntry]:
    return _entries(session.execute(_TASK_HISTORY, {"task_id": task.id}))


# --- who takes part ---


def current_member_institution_ids(group: WorkingGroup) -> set[int]:
    """The institutions that currently belong to the group (`GroupMembership.current_on`)."""
    day = clock.today()
    return {m.institution_id for m in memberships_with_institutions(group) if m.current_on(day)}


def current_memberships(group: WorkingGroup) -> list[GroupMembership]:
    day = clock.today()
    return [m for m in memberships_with_institutions(group) if m.current_on(day)]


# Names only, built once: not a User (and its institution) for each of the fifty people.
_ASSIGNEE_ROWS = (
    select(User.id, User.full_name, Institution.acronym, Institution.name)
    .join(Institution, User.institution_id == Institution.id)
    .where(
        User.institution_id.in_(bindparam("institution_ids", expanding=True)),
        User.is_active.is_(True),
    )
    .order_by(User.full_name)
)


def eligible_assignees(group: WorkingGroup) -> list[Any]:
    """Active people of institutions that currently belong to the group, as rows of their
    id, full name and their institution's acronym and name."""
    ids = current_member_institution_ids(group)
    if not ids:
        return []
    return list(session.execute(_ASSIGNEE_ROWS, {"institution_ids": sorted(ids)}))


# --- reading for pages ----------------------------------------------------------------------


# My work's two lists, built once (building a statement cost more than running it).
_MY_TASKS = (
    select(Task)
    .join(Task.deliverable)
    .where(
        Task.assignee_id == bindparam("user_id"),
        Task.archived_at.is_(None),
        Deliverable.archived_at.is_(None),
        Task.status != S.DONE,
    )
    .options(joinedload(Task.deliverable).joinedload(Deliverable.group))
)
_MY_GROUPS_DELIVERABLES = (
    select(Deliverable)
    .where(
        Deliverable.group_id.in_(
            select(GroupMembership.group_id).where(
                GroupMembership.institution_id == bindparam("institution_id"),
                # The day bound at each call (the hybrid takes a date or a parameter).
                GroupMembership.current_on(bindparam("today", type_=Date)),  # type: ignore[arg-type]
            )
        ),
        Deliverable.archived_at.is_(None),
        Deliverable.status != S.DONE,
    )
    .options(joinedload(Deliverable.group), joinedload(Deliverable.owner_institution))
)


def my_work(user: User, today: date) -> dict[str, list[Task] | list[Deliverable]]:
    """A person's open tasks and the open deliverables of their groups, overdue first."""
    tasks = list(session.scalars(_MY_TASKS, {"user_id": user.id}))
    deliverables = list(
        session.scalars(
            _MY_GROUPS_DELIVERABLES, {"institution_id": user.institution_id, "today": today}
        )
    )
    return {
        "tasks": sorted(tasks, key=lambda t: _urgency(t, today)),
        "deliverables": sorted(deliverables, key=lambda d: _urgency(d, today)),
        "to_review": waiting_for_review(user, today),
    }


# The deliverables in review, built once like My work's lists: every group's for a
# coordinator (the policy needs nothing of the groups to say yes to one), else only those of
# the groups the person chairs, with the chairs' rows (the policy's test; no query per group).
_IN_REVIEW = (
    select(Deliverable)
    .where(Deliverable.status == S.IN_REVIEW, Deliverable.archived_at.is_(None))
    .order_by(Deliverable.updated_at, Deliverable.id)
)
_IN_REVIEW_ALL = _IN_REVIEW.options(joinedload(Deliverable.group))
_IN_REVIEW_CHAIRED = _IN_REVIEW.where(
    Deliverable.group_id.in_(
        select(GroupChair.group_id).where(
            GroupChair.person_id == bindparam("user_id"),
            GroupChair.current_on(bindparam("today", type_=Date)),  # type: ignore[arg-type]
        )
    )
).options(
    joinedload(Deliverable.group).options(
        _group_options(),
        selectinload(WorkingGroup.chairs).joinedload(GroupChair.person),
    )
)


def waiting_for_review(user: User, today: date) -> list[Deliverable]:
    """The deliverables in review that this person may approve or send back (those of the
    groups they chair; every group's, for a coordinator), the longest waiting first."""
    if user.is_coordinator:
        rows = session.scalars(_IN_REVIEW_ALL)
    else:
        rows = session.scalars(_IN_REVIEW_CHAIRED, {"user_id": user.id, "today": today})
    return [d for d in rows.unique() if policy.can(user, "review_deliverable", d)]


def _urgency(work: Task | Deliverable, today: date) -> tuple[int, date]:
    """Overdue first (oldest first, by `is_overdue`, the one rule), then by due date, undated
    last."""
    if work.due_on is None:
        return (2, date.max)
    return (0 if work.is_overdue(today) else 1, work.due_on)


def last_activity(deliverable_ids: Iterable[int]) -> dict[int, Any]:
    """When each deliverable (or one of its tasks) last had an update, in one query."""
    ids = list(deliverable_ids)
    if not ids:
        return {}
    return dict(session.execute(_LAST_ACTIVITY, {"deliverable_ids": ids}).all())


_LAST_ACTIVITY = (
    select(_SUBJECT, func.max(ProgressUpdate.created_at))
    .select_from(ProgressUpdate)
    .outerjoin(Task, ProgressUpdate.task_id == Task.id)
    .where(_SUBJECT.in_(bindparam("deliverable_ids", expanding=True)))
    .group_by(_SUBJECT)
)


def stale_deliverables(deliverables: Iterable[Deliverable], weeks: int, now: datetime) -> set[int]:
    """In-progress deliverables with no update (on them or their tasks) for `weeks` weeks."""
    candidates = [d for d in deliverables if d.status == S.IN_PROGRESS and d.archived_at is None]
    latest = last_activity(d.id for d in candidates)
    limit = now - timedelta(weeks=weeks)
    stale: set[int] = set()
    for deliverable in candidates:
        seen = latest.get(deliverable.id) or deliverable.created_at
        if _aware(seen) < limit:
            stale.add(deliverable.id)
    return stale


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def tasks_left_behind(group: WorkingGroup) -> list[Row[Any]]:
    """Open tasks of the group whose assignee's institution no longer belongs to it: they can
    no longer record progress on them, so the chair reassigns them. Rows (`id`, `title`,
    `assignee`, and their institution's `acronym` and name, `institution`): all the page
    shows."""
    return list(session.execute(_LEFT_BEHIND, {"group_id": group.id, "today": clock.today()}))


# Built once, the group and the day bound at each call.
_LEFT_BEHIND = (
    select(
        Task.id,
        Task.title,
        User.full_name.label("assignee"),
        Institution.acronym,
        Institution.name.label("institution"),
    )
    .join(Task.deliverable)
    .join(User, Task.assignee_id == User.id)
    .join(Institution, User.institution_id == Institution.id)
    .where(
        Deliverable.group_id == bindparam("group_id"),
        Deliverable.archived_at.is_(None),
        Task.archived_at.is_(None),
        Task.status != S.DONE,
        User.institution_id.not_in(
            select(GroupMembership.institution_id).where(
                GroupMembership.group_id == bindparam("group_id"),
                GroupMembership.current_on(bindparam("today", type_=Date)),  # type: ignore[arg-type]
            )
        ),
    )
    .order_by(Task.due_on.is_(None), Task.due_on, Task.id)
)
