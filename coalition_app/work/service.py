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
from sqlalchemy import Integer, ScalarSelect, case, cast, func, select, update
from sqlalchemy.orm.exc import StaleDataError

from models import (
    DELIVERABLE_FLOW,
    REVIEW_MOVES,
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
from ..core import clock
from ..core.db import session, use_case
from ..core.errors import DomainError, EditConflict
from ..groups.queries import chairs_of
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


def _check_not_past(due_on: date | None, confirmed: bool) -> None:
    """A due date already past makes the work overdue from the start: that is a typo, or
    earlier work being recorded, which the person confirms."""
    if due_on is not None and due_on < clock.today() and not confirmed:
        raise DomainError(
            _l(
                "This date has already passed, so it would be overdue from the start. Correct"
                " the date, or confirm below that it is right."
            ),
            field="due_on",
        )


def _check_task_due(deliverable: Deliverable, due_on: date | None) -> None:
    """A task is due no later than its deliverable."""
    if due_on is not None and deliverable.due_on is not None and due_on > deliverable.due_on:
        raise DomainError(
            _l(
                "A task cannot be due after its deliverable (due on %(due_on)s).",
                due_on=_format_day(deliverable.due_on),
            ),
            field="due_on",
        )


def _check_tasks_fit(deliverable: Deliverable, due_on: date | None) -> None:
    """A deliverable is not due before its live tasks."""
    if due_on is None:
        return
    later = [
        t
        for t in deliverable.tasks
        if t.archived_at is None and t.due_on is not None and t.due_on > due_on
    ]
    if later:
        latest = max(later, key=lambda t: t.due_on or due_on)
        assert latest.due_on is not None
        raise DomainError(
            _l(
                "Its task “%(title)s” is due later (%(due_on)s): move that task first, or"
                " choose a later date.",
                title=latest.title,
                due_on=_format_day(latest.due_on),
            ),
            field="due_on",
        )


def _format_day(day: date) -> str:
    from flask_babel import format_date

    return str(format_date(day, "medium"))


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


def _mean_of_tasks(deliverable_id: int) -> ScalarSelect[Any]:
    """The rounded mean of a deliverable's live tasks' percents (a done task counts 100), as
    the database computes it; NULL without tasks. The one definition of a derived percent."""
    return (
        select(
            cast(
                func.round(func.avg(case((Task.status == S.DONE, 100), else_=Task.progress))),
                Integer,
            )
        )
        .where(Task.deliverable_id == deliverable_id, Task.archived_at.is_(None))
        .scalar_subquery()
    )


def _follow_tasks(deliverable: Deliverable, by: User) -> None:
    """After a change to its tasks: a derived deliverable's percent follows them, starting a
    task starts a planned deliverable, and all of them done puts it in front of the chairs.

    Written with conditional UPDATEs computed by the database from what is committed, so
    that two people saving sibling tasks never conflict: the percent does not change the
    deliverable's version (nobody typed it), and a status move happens once, whoever is
    first (the other's condition no longer matches).
    """
    session.flush()
    live = (Task.deliverable_id == deliverable.id) & Task.archived_at.is_(None)
    count, done_count, started_count = session.execute(
        select(
            func.count(Task.id),
            func.coalesce(func.sum(case((Task.status == S.DONE, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Task.status != S.PLANNED, 1), else_=0)), 0),
        ).where(live)
    ).one()
    if not count:
        return
    before = deliverable.progress
    if deliverable.progress_mode == ProgressMode.DERIVED:
        session.execute(
            update(Deliverable)
            .where(
                Deliverable.id == deliverable.id,
                Deliverable.progress_mode == ProgressMode.DERIVED,
            )
            .values(progress=_mean_of_tasks(deliverable.id))
            .execution_options(synchronize_session=False)
        )
        session.expire(deliverable, ["progress", "updated_at"])
    after = deliverable.progress
    if done_count == count:
        if _move_by_tasks(deliverable, by, {S.PLANNED, S.IN_PROGRESS}, S.IN_REVIEW):
            _tell_chairs(
                deliverable,
                by,
                NotificationKind.DELIVERABLE_IN_REVIEW,
                {"title": deliverable.title, "by": None, "progress": after},
            )
            return
    elif started_count:
        _move_by_tasks(deliverable, by, {S.PLANNED}, S.IN_PROGRESS)
    if before < 100 <= after:
        _tell_chairs(
            deliverable, by, NotificationKind.DELIVERABLE_COMPLETE, {"title": deliverable.title}
        )


def _move_by_tasks(
    deliverable: Deliverable, by: User, current: set[WorkStatus], target: WorkStatus
) -> bool:
    """Move the deliverable to `target` if it is still in one of `current`; say whether it
    moved. The move is in its history, by whoever saved the task that caused it."""
    before = session.scalar(select(Deliverable.status).where(Deliverable.id == deliverable.id))
    if before not in current:
        return False
    moved = session.execute(
        update(Deliverable)
        .where(Deliverable.id == deliverable.id, Deliverable.status == before)
        .values(status=target, version=Deliverable.version + 1, updated_by_id=by.id)
        .execution_options(synchronize_session=False)
    )
    session.expire(deliverable, ["status", "version", "updated_by_id", "updated_at"])
    if not getattr(moved, "rowcount", 0):
        return False
    session.add(
        ProgressUpdate(
            deliverable_id=deliverable.id,
            author_id=by.id,
            changes={"status": [before.value, target.value]},
            note="",
        )
    )
    return True


def _tell_chairs(
    deliverable: Deliverable,
    by: User,
    kind: NotificationKind,
    params: dict[str, Any],
    task: Task | None = None,
) -> None:
    """An inbox entry (and e-mail, as each chose) for every chair of the group but `by`."""
    for chair in chairs_of(session, deliverable.group, clock.today()):
        if chair.id == by.id:
            continue
        notifications.notify(
            chair.id,
            kind,
            params,
            link=f"/tasks/{task.id}" if task else f"/deliverables/{deliverable.id}",
            task_id=task.id if task else None,
            deliverable_id=None if task else deliverable.id,
        )


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
    past_due_confirmed: bool = False,
) -> Deliverable:
    _check_due(due_on)
    _check_not_past(due_on, past_due_confirmed)
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
    past_due_confirmed: bool = False,
) -> Deliverable:
    _check_version(deliverable, expected_version)
    _check_due(due_on)
    if due_on != deliverable.due_on:
        _check_not_past(due_on, past_due_confirmed)
        _check_tasks_fit(deliverable, due_on)
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
        derived = session.scalar(select(_mean_of_tasks(deliverable.id)))
        if progress_mode == ProgressMode.MANUAL and derived is not None:
            # With tasks to follow, leaving them is an override: its reason goes in the history
            # and the chairs are told (record the progress with a note), never a silent switch.
            raise DomainError(
                _l(
                    "This deliverable follows its tasks. To set its percentage by hand, record "
                    "its progress with the reason on its page."
                ),
                field="progress_mode",
            )
        changes["progress_mode"] = [deliverable.progress_mode.value, progress_mode.value]
        deliverable.progress_mode = progress_mode
        if (
            progress_mode == ProgressMode.DERIVED
            and derived is not None
            and derived != deliverable.progress
        ):
            changes["progress"] = [deliverable.progress, derived]
            deliverable.progress = derived
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
    """An update on a deliverable: a status move, a note, and (a chair's or coordinator's
    override, which the caller has authorised) a percent set by hand, with its reason.

    Done comes only through a review (`review_deliverable`), and a deliverable in review
    leaves it only through one. A percent different from the current one is an override:
    it makes the progress manual, needs a reason (the note) and is told to the chairs.
    """
    _check_version(deliverable, expected_version)
    _check_move(DELIVERABLE_FLOW, deliverable.status, status)
    if (deliverable.status, status) in REVIEW_MOVES:
        raise DomainError(
            _l(
                "A deliverable in review is approved (done) or sent back through its review,"
                " by a chair or a coordinator."
            ),
            field="status",
        )
    note = (note or "").strip()
    overridden = progress is not None and progress != deliverable.progress
    if progress is not None:
        _check_progress(progress)  # before anything changes, so a refusal leaves no trace
    if overridden and not note:
        raise DomainError(
            _l("Say why you set the percent by hand (it overrides what its tasks say)."),
            field="note",
        )
    changes: dict[str, list[Any]] = {}
    if status != deliverable.status:
        changes["status"] = [deliverable.status.value, status.value]
        deliverable.status = status
    if overridden:
        assert progress is not None
        changes["progress"] = [deliverable.progress, progress]
        deliverable.progress = progress
        if deliverable.progress_mode != ProgressMode.MANUAL:
            changes["progress_mode"] = [deliverable.progress_mode.value, ProgressMode.MANUAL.value]
            deliverable.progress_mode = ProgressMode.MANUAL
    if not changes and not note:
        raise DomainError(_l("Nothing changed: change the status or percent, or write a note."))
    update_ = _record(deliverable, by, changes, note, evidence_url)
    session.flush()
    if "progress" in changes:
        before, after = changes["progress"]
        _tell_chairs(
            deliverable,
            by,
            NotificationKind.PROGRESS_OVERRIDDEN,
            {
                "title": deliverable.title,
                "by": by.full_name,
                "before": before,
                "after": after,
                "reason": note,
            },
        )
    if changes.get("status", [None, None])[1] == S.IN_REVIEW.value:
        _tell_chairs(
            deliverable,
            by,
            NotificationKind.DELIVERABLE_IN_REVIEW,
            {"title": deliverable.title, "by": by.full_name, "progress": deliverable.progress},
        )
    return update_


@guarded
@use_case
def review_deliverable(
    deliverable: Deliverable,
    by: User,
    *,
    expected_version: int | None,
    approve: bool,
    comment: str = "",
    reopen_task_ids: list[int] | None = None,
) -> ProgressUpdate:
    """A chair's decision on a deliverable in review: done, or back to work with a comment,
    reopening the done tasks the chair picks (they go back to in progress)."""
    _check_version(deliverable, expected_version)
    if deliverable.status != S.IN_REVIEW:
        raise DomainError(_l("Only a deliverable in review can be approved or sent back."))
    comment = (comment or "").strip()
    reopen_ids = set(reopen_task_ids or [])
    reopened: list[Task] = []
    if approve:
        if reopen_ids:
            raise DomainError(
                _l("Tasks are reopened only when sending the deliverable back."), field="reopen"
            )
        changes: dict[str, list[Any]] = {"status": [S.IN_REVIEW.value, S.DONE.value]}
        if deliverable.progress != 100:
            changes["progress"] = [deliverable.progress, 100]
        deliverable.status, deliverable.progress = S.DONE, 100
    else:
        if not comment:
            raise DomainError(_l("Say what needs to change when sending it back."), field="comment")
        done = {t.id: t for t in deliverable.tasks if t.archived_at is None and t.status == S.DONE}
        if not reopen_ids <= set(done):
            raise DomainError(
                _l("Only done tasks of this deliverable can be reopened."), field="reopen"
            )
        changes = {"status": [S.IN_REVIEW.value, S.IN_PROGRESS.value]}
        deliverable.status = S.IN_PROGRESS
        reopened = [done[task_id] for task_id in sorted(reopen_ids)]
        if reopened:
            changes["reopened"] = [None, [t.title for t in reopened]]
        for person_id in _people_behind(deliverable, except_id=by.id):
            notifications.notify(
                person_id,
                NotificationKind.DELIVERABLE_SENT_BACK,
                {"title": deliverable.title, "by": by.full_name, "comment": comment},
                link=f"/deliverables/{deliverable.id}",
                deliverable_id=deliverable.id,
            )
    update_ = _record(deliverable, by, changes, comment)
    session.flush()
    if not approve:
        for task in reopened:
            task_changes: dict[str, list[Any]] = {"status": [S.DONE.value, S.IN_PROGRESS.value]}
            progress = _progress_before_done(task)
            if progress != task.progress:
                task_changes["progress"] = [task.progress, progress]
                task.progress = progress
            task.status = S.IN_PROGRESS
            _record(task, by, task_changes, comment)
        if reopened:
            _follow_tasks(deliverable, by)
        session.flush()
    return update_


def _progress_before_done(task: Task) -> int:
    """The percent a task had before it was last marked done (what reopening gives back)."""
    changes = session.scalars(
        select(ProgressUpdate.changes)
        .where(ProgressUpdate.task_id == task.id)
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
    )
    for change in changes:
        if (change.get("status") or [None, None])[1] == S.DONE.value:
            before = (change.get("progress") or [task.progress])[0]
            return before if isinstance(before, int) and 0 <= before < 100 else 0
    return task.progress if task.progress < 100 else 0


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
    _check_task_due(deliverable, due_on)
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
    _follow_tasks(deliverable, by)
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
    if due_on != task.due_on:
        _check_task_due(task.deliverable, due_on)
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
        if progress is not None and progress != 100:
            raise DomainError(
                _l(
                    "A done task is at 100 %%: set the percent to 100, or keep the task in"
                    " progress at %(progress)s %%.",
                    progress=progress,
                ),
                field="progress",
            )
        progress = 100
    if progress is not None and progress != task.progress:
        _check_progress(progress)
        changes["progress"] = [task.progress, progress]
        task.progress = progress
    note = (note or "").strip()
    if not changes and not note:
        raise DomainError(_l("Nothing changed: change the status or percent, or write a note."))
    update = _record(task, by, changes, note, evidence_url)
    session.flush()
    if changes.get("status", [None, None])[1] == S.DONE.value:
        _tell_chairs(
            task.deliverable,
            by,
            NotificationKind.TASK_DONE,
            {"title": task.title, "deliverable": task.deliverable.title, "by": by.full_name},
            task=task,
        )
    _follow_tasks(task.deliverable, by)
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
        _follow_tasks(subject.deliverable, by)
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
        _follow_tasks(subject.deliverable, by)
    session.flush()
