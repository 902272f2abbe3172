"""`/api/v1/{deliverables,tasks,meetings}/<id>/files`: the files of an object (GET), read
through the same policy as the pages (404 if you may not see the object)."""

from __future__ import annotations

from flask_login import current_user

from ..api.blueprint import bp
from ..api.helpers import answer
from ..api.openapi import operation
from ..comments.subjects import Kind, load_subject
from . import queries
from .schemas import File, FileList


def _list(kind: Kind, subject_id: int):
    subject = load_subject(kind, subject_id, current_user)
    return answer(FileList(data=[File.of(a) for a in queries.files_of(subject)]))


def _spec(what: str):
    return operation(
        "GET",
        summary=f"The files of a {what}, oldest first",
        tag="files",
        responses={200: ("The files", FileList), 404: (f"No such {what}", None)},
    )


@bp.get("/deliverables/<int:deliverable_id>/files")
@_spec("deliverable")
def deliverable_files(deliverable_id: int):
    return _list("deliverable", deliverable_id)


@bp.get("/tasks/<int:task_id>/files")
@_spec("task")
def task_files(task_id: int):
    return _list("task", task_id)


@bp.get("/meetings/<int:meeting_id>/files")
@_spec("meeting")
def meeting_files(meeting_id: int):
    return _list("meeting", meeting_id)
