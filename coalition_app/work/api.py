"""`/api/v1/deliverables` and `/api/v1/tasks`: read one, and record progress (PATCH).

The same policy and rules as the pages: load (404 if you may not see it) → authorise →
check the token may write → validate the body (`ProgressUpdate`) → the use case → answer.
"""

from __future__ import annotations

from flask_login import current_user

from models import Deliverable as DeliverableRow

from ..api.blueprint import bp
from ..api.helpers import answer, parse_body, require_write_scope
from ..api.openapi import operation
from ..policy import authorize, can
from . import queries as work_queries
from . import service as work_service
from .schemas import Deliverable, ProgressUpdate, Task


def _deliverable(deliverable: DeliverableRow) -> Deliverable:
    visible = [t for t in deliverable.tasks if can(current_user, "view_task", t)]
    return Deliverable.of(deliverable, visible)


@bp.get("/deliverables/<int:deliverable_id>")
@operation(
    "GET",
    summary="One deliverable, with its tasks",
    tag="work",
    responses={200: ("The deliverable", Deliverable), 404: ("No such deliverable", None)},
)
def deliverable(deliverable_id: int):
    return answer(_deliverable(work_queries.load_deliverable(deliverable_id, current_user)))


@bp.patch("/deliverables/<int:deliverable_id>")
@operation(
    "PATCH",
    summary=(
        "Record progress on a deliverable (as the page does: same policy and rules; a"
        " percent is a chair's or coordinator's override and needs a note, its reason)"
    ),
    tag="work",
    body=ProgressUpdate,
    writes=True,
    responses={
        200: ("The deliverable, updated", Deliverable),
        404: ("No such deliverable", None),
        409: ("Stale version", None),
        422: ("A rule was broken", None),
    },
)
def update_deliverable(deliverable_id: int):
    subject = work_queries.load_deliverable(deliverable_id, current_user)
    authorize(current_user, "update_deliverable", subject)
    require_write_scope()
    changes = parse_body(ProgressUpdate).changes(subject)
    authorize(current_user, "move_deliverable", (subject, changes["status"]))
    if changes["progress"] is not None and changes["progress"] != subject.progress:
        # The percent follows the tasks unless a chair or a coordinator overrides it.
        authorize(current_user, "override_deliverable_progress", subject)
    work_service.record_deliverable_progress(subject, current_user, **changes)
    return answer(_deliverable(work_queries.load_deliverable(subject.id, current_user)))


@bp.get("/tasks/<int:task_id>")
@operation(
    "GET",
    summary="One task",
    tag="work",
    responses={200: ("The task", Task), 404: ("No such task", None)},
)
def task(task_id: int):
    return answer(Task.of(work_queries.load_task(task_id, current_user)))


@bp.patch("/tasks/<int:task_id>")
@operation(
    "PATCH",
    summary="Record progress on a task (its assignee, or whoever manages the group)",
    tag="work",
    body=ProgressUpdate,
    writes=True,
    responses={
        200: ("The task, updated", Task),
        404: ("No such task", None),
        409: ("Stale version", None),
        422: ("A rule was broken", None),
    },
)
def update_task(task_id: int):
    subject = work_queries.load_task(task_id, current_user)
    authorize(current_user, "update_task", subject)
    require_write_scope()
    changes = parse_body(ProgressUpdate).changes(subject)
    work_service.record_task_progress(subject, current_user, **changes)
    return answer(Task.of(work_queries.load_task(subject.id, current_user)))
