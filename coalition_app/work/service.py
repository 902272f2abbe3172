"""The daily work of the groups: deliverables, tasks, progress, review and archive.

Every public function is one use case: it checks the rules, changes the objects, appends a
ProgressUpdate with before/after values, queues notifications, and flushes; the request
commits (`core.db`). The caller has already asked the policy. Optimistic locking: callers
pass the version their form was built from; a stale version raises EditConflict and
changes nothing (the database's version column backs this under real concurrency).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from models import (
    DELIVERABLE_FLOW,
    TASK_FLOW,
    Deliverable,
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

from ..audit import service as audit
from ..core.db import session, use_case
from ..core.errors import DomainError, EditConflict
from ..notifications import service as notifications
from . import queries

T = TypeVar("T")
#: What a guarded use case works on (its first argument).
Subject = TypeVar("Subject", Deliverable, Task)
S = WorkStatus


# --- rules ----------------------------------------------------------------------------------


def _check_assignee(group: WorkingGroup, assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return None
    assignee = session.get(User, assignee_id)
    if (
        assignee is None
        or not assignee.is_active
        or assignee.institution_id not in queries.current_member_institution_ids(group)
    ):
        raise DomainError(
            _l("The assignee must be an active person of an institution in this group."),
            field="assignee_id",
        )
    return assignee


def _check_owner(group: WorkingGroup, owner_id: int | None) -> Institution | None:
    if owner_id is None:
        return None
    if owner_id not in queries.current_member_institution_ids(group):
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


def _check_move(
    flow: dict[WorkStatus, set[WorkStatus]], current: WorkStatus, target: WorkStatus
) -> None:
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


def guarded(function: Callable[..., T]) -> Callable[..., T]:
    """Turn a lost race on the version column, wherever the flush happens (an autoflush
    while reading counts too), into an EditConflict, with nothing written."""

    @wraps(function)
    def run(subject: Subject, *args: Any, **kwargs: Any) -> T:
        try:
            return function(subject, *args, **kwargs)
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


@use_case
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
    session.flush()
    return deliverable


@guarded
@use_case
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
    session.flush()
    return deliverable


@guarded
@use_case
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
    _check_version(deliverable, expected_version)
    _check_move(DELIVERABLE_FLOW, deliverable.status, status)
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
    session.flush()
    return update


@guarded
@use_case
def review_deliverable(
    deliverable: Deliverable,
    by: User,
    *,
    expected_version: int | None,
    approve: bool,
    comment: str = "",
) -> ProgressUpdate:
    """A chair's decision on a deliverable in review: done, or back to work with a comment."""
    _check_version(deliverable, expected_version)
    if deliverable.status != S.IN_REVIEW:
        raise DomainError(_l("Only a deliverable in review can be approved or sent back."))
    comment = (comment or "").strip()
    if approve:
        changes: dict[str, list[Any]] = {"status": [S.IN_REVIEW.value, S.DONE.value]}
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
    session.flush()
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
@use_case
def create_task(
    deliverable: Deliverable,
    by: User,
    *,
    title: str,
    description: str = "",
    assignee_id: int | None = None,
    due_on: date | None = None,
) -> Task:
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
    session.flush()
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
@use_case
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
    session.flush()
    return task


@guarded
@use_case
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
    session.flush()
    return update


# --- archive and restore (soft delete) ------------------------------------------------------


@guarded
@use_case
def archive(subject: Deliverable | Task, by: User) -> None:
    if subject.archived_at is not None:
        return
    subject.archived_at = utcnow()
    _record(subject, by, {"archived": [False, True]})
    audit.record(
        by, "work.archive", type(subject).__name__.lower(), subject.id, title=subject.title
    )
    if isinstance(subject, Task):
        _derive_progress(subject.deliverable)
    session.flush()


@guarded
@use_case
def restore(subject: Deliverable | Task, by: User) -> None:
    if subject.archived_at is None:
        return
    subject.archived_at = None
    _record(subject, by, {"archived": [True, False]})
    audit.record(
        by, "work.restore", type(subject).__name__.lower(), subject.id, title=subject.title
    )
    if isinstance(subject, Task):
        _derive_progress(subject.deliverable)
    session.flush()
