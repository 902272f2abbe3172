"""The daily work of the groups: deliverables, tasks, progress, review and archive.

Every function is one use case in one transaction: it checks the rules, writes the change,
appends a ProgressUpdate with before/after values, queues notifications, then commits.
Optimistic locking: callers pass the version their form was built from; a stale version
raises EditConflict and changes nothing (the database's version column backs this under
real concurrency).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import NotFound

from models import (
    Deliverable,
    GroupMembership,
    GroupRole,
    Institution,
    NotificationKind,
    ProgressMode,
    ProgressUpdate,
    Task,
    User,
    WorkingGroup,
    WorkStatus,
    utcnow,
)

from .. import policy
from ..audit import service as audit
from ..core.db import session
from ..core.errors import DomainError, EditConflict
from ..notifications import service as notifications

T = TypeVar("T")
S = WorkStatus
# The paths statuses may take. Deliverables go through review; tasks do not.
DELIVERABLE_FLOW: dict[WorkStatus, set[WorkStatus]] = {
    S.PLANNED: {S.IN_PROGRESS},
    S.IN_PROGRESS: {S.IN_REVIEW, S.PLANNED},
    S.IN_REVIEW: {S.DONE, S.IN_PROGRESS},  # in_review -> in_progress is the send-back
    S.DONE: {S.IN_PROGRESS},  # reopen
}
TASK_FLOW: dict[WorkStatus, set[WorkStatus]] = {
    S.PLANNED: {S.IN_PROGRESS, S.DONE},
    S.IN_PROGRESS: {S.DONE, S.PLANNED},
    S.DONE: {S.IN_PROGRESS},
}


# --- loading, with the policy deciding what may even be seen ---------------------------------


def _group_options():
    return selectinload(WorkingGroup.memberships)


def load_deliverable(deliverable_id: int, user: User) -> Deliverable:
    deliverable = session.scalar(
        select(Deliverable)
        .where(Deliverable.id == deliverable_id)
        .options(
            joinedload(Deliverable.group).options(_group_options()),
            joinedload(Deliverable.owner_institution),
            joinedload(Deliverable.updated_by),
            selectinload(Deliverable.tasks).joinedload(Task.assignee),
        )
    )
    if deliverable is None or not policy.can(user, "view_deliverable", deliverable):
        raise NotFound()
    return deliverable


def load_task(task_id: int, user: User) -> Task:
    task = session.scalar(
        select(Task)
        .where(Task.id == task_id)
        .options(
            joinedload(Task.deliverable).joinedload(Deliverable.group).options(_group_options()),
            joinedload(Task.assignee),
            joinedload(Task.updated_by),
        )
    )
    if task is None or not policy.can(user, "view_task", task):
        raise NotFound()
    return task


def history(deliverable: Deliverable) -> list[ProgressUpdate]:
    """The full history of a deliverable and its tasks, oldest first."""
    task_ids = [task.id for task in deliverable.tasks]
    condition = ProgressUpdate.deliverable_id == deliverable.id
    if task_ids:
        condition = condition | ProgressUpdate.task_id.in_(task_ids)
    return list(
        session.scalars(
            select(ProgressUpdate)
            .where(condition)
            .options(joinedload(ProgressUpdate.author), joinedload(ProgressUpdate.task))
            .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
        )
    )


def task_history(task: Task) -> list[ProgressUpdate]:
    return list(
        session.scalars(
            select(ProgressUpdate)
            .where(ProgressUpdate.task_id == task.id)
            .options(joinedload(ProgressUpdate.author))
            .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
        )
    )


# --- rules ----------------------------------------------------------------------------------


def current_member_institution_ids(group: WorkingGroup) -> set[int]:
    return {m.institution_id for m in group.memberships if m.until is None}


def eligible_assignees(group: WorkingGroup) -> list[User]:
    """Active people of institutions that currently belong to the group."""
    ids = current_member_institution_ids(group)
    if not ids:
        return []
    return list(
        session.scalars(
            select(User)
            .where(User.institution_id.in_(ids), User.is_active.is_(True))
            .order_by(User.full_name)
        )
    )


def _check_assignee(group: WorkingGroup, assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return None
    assignee = session.get(User, assignee_id)
    if (
        assignee is None
        or not assignee.is_active
        or assignee.institution_id not in current_member_institution_ids(group)
    ):
        raise DomainError(
            _l("The assignee must be an active person of an institution in this group."),
            field="assignee_id",
        )
    return assignee


def _check_owner(group: WorkingGroup, owner_id: int | None) -> Institution | None:
    if owner_id is None:
        return None
    if owner_id not in current_member_institution_ids(group):
        raise DomainError(
            _l("The owner must be an institution of this group."), field="owner_institution_id"
        )
    return session.get(Institution, owner_id)


def _check_version(subject: Deliverable | Task, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != subject.version:
        raise EditConflict(
            subject,
            subject.updated_by.full_name if subject.updated_by else None,
            subject.updated_at,
        )


def _check_move(flow: dict[WorkStatus, set[WorkStatus]], current: WorkStatus, target: WorkStatus):
    if target != current and target not in flow.get(current, set()):
        raise DomainError(
            _l(
                "A status cannot go from “%(current)s” to “%(target)s”.",
                current=_status_name(current),
                target=_status_name(target),
            ),
            field="status",
        )


def _status_name(status: WorkStatus) -> str:
    from ..core.labels import label

    return label(status)


def _check_due(due_on: date | None) -> None:
    if due_on is not None and not (date(2000, 1, 1) <= due_on <= date(2100, 12, 31)):
        raise DomainError(_l("Choose a due date between 2000 and 2100."), field="due_on")


def _record(
    subject: Deliverable | Task,
    by: User,
    changes: dict[str, list[Any]],
    note: str = "",
    evidence_url: str | None = None,
) -> ProgressUpdate:
    update = ProgressUpdate(
        deliverable=subject if isinstance(subject, Deliverable) else None,
        task=subject if isinstance(subject, Task) else None,
        author_id=by.id,
        changes=changes,
        note=note,
        evidence_url=evidence_url or None,
    )
    session.add(update)
    subject.updated_by_id = by.id
    subject.updated_by = by
    subject.updated_at = utcnow()
    return update


def _commit(subject: Deliverable | Task) -> None:
    session.commit()
    notifications.send_pending_email()


def guarded(use_case: Callable[..., T]) -> Callable[..., T]:
    """Turn a lost race on the version column, wherever the flush happens (an autoflush
    while reading counts too), into an EditConflict, with nothing written."""

    @wraps(use_case)
    def run(subject: Deliverable | Task, *args: Any, **kwargs: Any) -> T:
        try:
            return use_case(subject, *args, **kwargs)
        except StaleDataError:
            session.rollback()
            fresh = session.get(type(subject), subject.id, populate_existing=True)
            raise EditConflict(
                fresh,
                fresh.updated_by.full_name if fresh and fresh.updated_by else None,
                fresh.updated_at if fresh else None,
            ) from None

    return run


def _derive_progress(deliverable: Deliverable) -> None:
    """Set a derived deliverable's progress to the mean of its live tasks (done counts 100)."""
    if deliverable.progress_mode != ProgressMode.DERIVED:
        return
    tasks = [t for t in deliverable.tasks if t.archived_at is None]
    if not tasks:
        return
    values = [100 if t.status == S.DONE else t.progress for t in tasks]
    derived = round(sum(values) / len(values))
    if derived != deliverable.progress:
        deliverable.progress = derived


def _name(user: User | None) -> str | None:
    return user.full_name if user else None


def _institution_name(institution: Institution | None) -> str | None:
    return (institution.acronym or institution.name) if institution else None


# --- deliverables ---------------------------------------------------------------------------


def create_deliverable(
    group: WorkingGroup,
    by: User,
    *,
    title: str,
    description: str = "",
    due_on: date | None = None,
    owner_institution_id: int | None = None,
    progress_mode: ProgressMode = ProgressMode.DERIVED,
) -> Deliverable:
    policy.authorize(by, "manage_group", group)
    _check_due(due_on)
    owner = _check_owner(group, owner_institution_id)
    deliverable = Deliverable(
        group=group,
        title=_text(title),
        description=_text(description),
        due_on=due_on,
        owner_institution=owner,
        progress_mode=progress_mode,
        created_by_id=by.id,
    )
    session.add(deliverable)
    _record(
        deliverable,
        by,
        {
            "title": [None, deliverable.title],
            "status": [None, S.PLANNED.value],
            "due_on": [None, due_on.isoformat() if due_on else None],
            "owner": [None, _institution_name(owner)],
        },
    )
    session.commit()
    return deliverable


@guarded
def edit_deliverable(
    deliverable: Deliverable,
    by: User,
    *,
    expected_version: int | None,
    title: str,
    description: str,
    due_on: date | None,
    owner_institution_id: int | None,
    progress_mode: ProgressMode,
) -> Deliverable:
    policy.authorize(by, "manage_deliverable", deliverable)
    _check_version(deliverable, expected_version)
    _check_due(due_on)
    owner = _check_owner(deliverable.group, owner_institution_id)
    changes: dict[str, list[Any]] = {}
    title, description = _text(title), _text(description)
    if title != deliverable.title:
        changes["title"] = [deliverable.title, title]
        deliverable.title = title
    if description != deliverable.description:
        changes["description"] = [deliverable.description, description]
        deliverable.description = description
    if due_on != deliverable.due_on:
        changes["due_on"] = [_iso(deliverable.due_on), _iso(due_on)]
        deliverable.due_on = due_on
    if (owner.id if owner else None) != deliverable.owner_institution_id:
        changes["owner"] = [
            _institution_name(deliverable.owner_institution),
            _institution_name(owner),
        ]
        deliverable.owner_institution = owner
    if progress_mode != deliverable.progress_mode:
        changes["progress_mode"] = [deliverable.progress_mode.value, progress_mode.value]
        deliverable.progress_mode = progress_mode
        before = deliverable.progress
        _derive_progress(deliverable)
        if deliverable.progress != before:
            changes["progress"] = [before, deliverable.progress]
    if not changes:
        return deliverable
    _record(deliverable, by, changes)
    _commit(deliverable)
    return deliverable


@guarded
def record_deliverable_progress(
    deliverable: Deliverable,
    by: User,
    *,
    expected_version: int | None,
    status: WorkStatus,
    progress: int | None,
    note: str = "",
    evidence_url: str | None = None,
) -> ProgressUpdate:
    """A member's or chair's update: status, percent (which makes progress manual), note."""
    policy.authorize(by, "update_deliverable", deliverable)
    _check_version(deliverable, expected_version)
    _check_move(DELIVERABLE_FLOW, deliverable.status, status)
    policy.authorize(by, "move_deliverable", (deliverable, status))
    if progress is not None:
        _check_progress(progress)  # before anything changes, so a refusal leaves no trace
    changes: dict[str, list[Any]] = {}
    if status != deliverable.status:
        changes["status"] = [deliverable.status.value, status.value]
        deliverable.status = status
    if status == S.DONE:
        progress = 100
    if progress is not None and progress != deliverable.progress:
        _check_progress(progress)
        changes["progress"] = [deliverable.progress, progress]
        deliverable.progress = progress
        if deliverable.progress_mode != ProgressMode.MANUAL:
            changes["progress_mode"] = [deliverable.progress_mode.value, ProgressMode.MANUAL.value]
            deliverable.progress_mode = ProgressMode.MANUAL
    note = (note or "").strip()
    if not changes and not note:
        raise DomainError(_l("Nothing changed: change the status or percent, or write a note."))
    update = _record(deliverable, by, changes, note, evidence_url)
    _commit(deliverable)
    return update


@guarded
def review_deliverable(
    deliverable: Deliverable,
    by: User,
    *,
    expected_version: int | None,
    approve: bool,
    comment: str = "",
) -> ProgressUpdate:
    """A chair's decision on a deliverable in review: done, or back to work with a comment."""
    policy.authorize(by, "manage_deliverable", deliverable)
    _check_version(deliverable, expected_version)
    if deliverable.status != S.IN_REVIEW:
        raise DomainError(_l("Only a deliverable in review can be approved or sent back."))
    comment = (comment or "").strip()
    if approve:
        changes = {"status": [S.IN_REVIEW.value, S.DONE.value]}
        if deliverable.progress != 100:
            changes["progress"] = [deliverable.progress, 100]
        deliverable.status, deliverable.progress = S.DONE, 100
    else:
        if not comment:
            raise DomainError(_l("Say what needs to change when sending it back."), field="comment")
        changes = {"status": [S.IN_REVIEW.value, S.IN_PROGRESS.value]}
        deliverable.status = S.IN_PROGRESS
        for person_id in _people_behind(deliverable, except_id=by.id):
            notifications.notify(
                person_id,
                NotificationKind.DELIVERABLE_SENT_BACK,
                {"title": deliverable.title, "by": by.full_name, "comment": comment},
                link=f"/deliverables/{deliverable.id}",
                deliverable_id=deliverable.id,
            )
    update = _record(deliverable, by, changes, comment)
    _commit(deliverable)
    return update


def _people_behind(deliverable: Deliverable, except_id: int) -> set[int]:
    """Those who worked on it: its task assignees and whoever submitted it for review."""
    people = {t.assignee_id for t in deliverable.tasks if t.assignee_id and t.archived_at is None}
    submitter = session.scalar(
        select(ProgressUpdate.author_id)
        .where(ProgressUpdate.deliverable_id == deliverable.id)
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
        .limit(1)
    )
    if submitter:
        people.add(submitter)
    people.discard(except_id)
    return people


def _check_progress(progress: int) -> None:
    if not 0 <= progress <= 100:
        raise DomainError(_l("Progress is a percentage from 0 to 100."), field="progress")


def _text(value: str | None) -> str:
    return (value or "").strip()


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- tasks ----------------------------------------------------------------------------------


@guarded
def create_task(
    deliverable: Deliverable,
    by: User,
    *,
    title: str,
    description: str = "",
    assignee_id: int | None = None,
    due_on: date | None = None,
) -> Task:
    policy.authorize(by, "manage_deliverable", deliverable)
    if deliverable.archived_at is not None:
        raise DomainError(_l("Restore the deliverable before adding tasks to it."))
    _check_due(due_on)
    assignee = _check_assignee(deliverable.group, assignee_id)
    task = Task(
        deliverable=deliverable,
        title=_text(title),
        description=_text(description),
        assignee=assignee,
        due_on=due_on,
        created_by_id=by.id,
    )
    session.add(task)
    _record(
        task,
        by,
        {
            "title": [None, task.title],
            "status": [None, S.PLANNED.value],
            "assignee": [None, _name(assignee)],
            "due_on": [None, _iso(due_on)],
        },
    )
    session.flush()
    _derive_progress(deliverable)
    if assignee is not None and assignee.id != by.id:
        _notify_assigned(task, assignee, by)
    _commit(task)
    return task


def _notify_assigned(task: Task, assignee: User, by: User) -> None:
    notifications.notify(
        assignee.id,
        NotificationKind.TASK_ASSIGNED,
        {
            "title": task.title,
            "deliverable": task.deliverable.title,
            "by": by.full_name,
            "due_on": _iso(task.due_on),
        },
        link=f"/tasks/{task.id}",
        task_id=task.id,
    )


@guarded
def edit_task(
    task: Task,
    by: User,
    *,
    expected_version: int | None,
    title: str,
    description: str,
    assignee_id: int | None,
    due_on: date | None,
) -> Task:
    """Rename, reassign or change the due date (chairs and coordinators)."""
    policy.authorize(by, "manage_task", task)
    _check_version(task, expected_version)
    _check_due(due_on)
    group = task.deliverable.group
    changes: dict[str, list[Any]] = {}
    title, description = _text(title), _text(description)
    if title != task.title:
        changes["title"] = [task.title, title]
        task.title = title
    if description != task.description:
        changes["description"] = [task.description, description]
        task.description = description
    if due_on != task.due_on:
        changes["due_on"] = [_iso(task.due_on), _iso(due_on)]
        task.due_on = due_on
    if assignee_id != task.assignee_id:
        new = _check_assignee(group, assignee_id)
        old = task.assignee
        changes["assignee"] = [_name(old), _name(new)]
        task.assignee = new
        if new is not None and new.id != by.id:
            _notify_assigned(task, new, by)
        if old is not None and old.id != by.id:
            notifications.notify(
                old.id,
                NotificationKind.TASK_REASSIGNED,
                {"title": task.title, "to": _name(new), "by": by.full_name},
                link=f"/tasks/{task.id}",
                task_id=task.id,
            )
    if not changes:
        return task
    _record(task, by, changes)
    _commit(task)
    return task


@guarded
def record_task_progress(
    task: Task,
    by: User,
    *,
    expected_version: int | None,
    status: WorkStatus,
    progress: int | None,
    note: str = "",
    evidence_url: str | None = None,
) -> ProgressUpdate:
    policy.authorize(by, "update_task", task)
    _check_version(task, expected_version)
    _check_move(TASK_FLOW, task.status, status)
    if progress is not None:
        _check_progress(progress)  # before anything changes, so a refusal leaves no trace
    changes: dict[str, list[Any]] = {}
    if status != task.status:
        changes["status"] = [task.status.value, status.value]
        task.status = status
    if status == S.DONE:
        progress = 100
    if progress is not None and progress != task.progress:
        _check_progress(progress)
        changes["progress"] = [task.progress, progress]
        task.progress = progress
    note = (note or "").strip()
    if not changes and not note:
        raise DomainError(_l("Nothing changed: change the status or percent, or write a note."))
    update = _record(task, by, changes, note, evidence_url)
    _derive_progress(task.deliverable)
    _commit(task)
    return update


# --- archive and restore (soft delete) ------------------------------------------------------


@guarded
def archive(subject: Deliverable | Task, by: User) -> None:
    _authorize_manage(subject, by)
    if subject.archived_at is not None:
        return
    subject.archived_at = utcnow()
    _record(subject, by, {"archived": [False, True]})
    audit.record(
        by, "work.archive", type(subject).__name__.lower(), subject.id, title=subject.title
    )
    if isinstance(subject, Task):
        _derive_progress(subject.deliverable)
    _commit(subject)


@guarded
def restore(subject: Deliverable | Task, by: User) -> None:
    _authorize_manage(subject, by)
    if subject.archived_at is None:
        return
    subject.archived_at = None
    _record(subject, by, {"archived": [True, False]})
    audit.record(
        by, "work.restore", type(subject).__name__.lower(), subject.id, title=subject.title
    )
    if isinstance(subject, Task):
        _derive_progress(subject.deliverable)
    _commit(subject)


def _authorize_manage(subject: Deliverable | Task, by: User) -> None:
    action = "manage_task" if isinstance(subject, Task) else "manage_deliverable"
    policy.authorize(by, action, subject)


# --- reading for pages ----------------------------------------------------------------------


def my_work(user: User, today: date) -> dict[str, list]:
    """A person's open tasks and the open deliverables of their groups, overdue first."""
    tasks = list(
        session.scalars(
            select(Task)
            .join(Task.deliverable)
            .where(
                Task.assignee_id == user.id,
                Task.archived_at.is_(None),
                Deliverable.archived_at.is_(None),
                Task.status != S.DONE,
            )
            .options(joinedload(Task.deliverable).joinedload(Deliverable.group))
        )
    )
    group_ids = select(GroupMembership.group_id).where(
        GroupMembership.institution_id == user.institution_id, GroupMembership.until.is_(None)
    )
    deliverables = list(
        session.scalars(
            select(Deliverable)
            .where(
                Deliverable.group_id.in_(group_ids),
                Deliverable.archived_at.is_(None),
                Deliverable.status != S.DONE,
            )
            .options(joinedload(Deliverable.group), joinedload(Deliverable.owner_institution))
        )
    )
    return {
        "tasks": sorted(tasks, key=lambda t: _urgency(t.due_on, today)),
        "deliverables": sorted(deliverables, key=lambda d: _urgency(d.due_on, today)),
    }


def _urgency(due_on: date | None, today: date) -> tuple[int, date]:
    """Overdue first (oldest first), then by due date, undated last."""
    if due_on is None:
        return (2, date.max)
    return (0 if due_on < today else 1, due_on)


def last_activity(deliverable_ids: Iterable[int]) -> dict[int, Any]:
    """When each deliverable (or one of its tasks) last had an update, in one query."""
    ids = list(deliverable_ids)
    if not ids:
        return {}
    subject = func.coalesce(ProgressUpdate.deliverable_id, Task.deliverable_id)
    rows = session.execute(
        select(subject, func.max(ProgressUpdate.created_at))
        .select_from(ProgressUpdate)
        .outerjoin(Task, ProgressUpdate.task_id == Task.id)
        .where(subject.in_(ids))
        .group_by(subject)
    ).all()
    return dict(rows)


def stale_deliverables(deliverables: Iterable[Deliverable], weeks: int, now) -> set[int]:
    """In-progress deliverables with no update (on them or their tasks) for `weeks` weeks."""
    candidates = [d for d in deliverables if d.status == S.IN_PROGRESS and d.archived_at is None]
    latest = last_activity(d.id for d in candidates)
    limit = now - timedelta(weeks=weeks)
    stale = set()
    for deliverable in candidates:
        seen = latest.get(deliverable.id) or deliverable.created_at
        if _aware(seen) < limit:
            stale.add(deliverable.id)
    return stale


def _aware(moment):
    # SQLite hands back naive datetimes; everything we store is UTC.
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def lead_people(group: WorkingGroup) -> list[User]:
    lead_ids = {
        m.institution_id for m in group.memberships if m.until is None and m.role == GroupRole.LEAD
    }
    if not lead_ids:
        return []
    return list(
        session.scalars(
            select(User).where(User.institution_id.in_(lead_ids), User.is_active.is_(True))
        )
    )
