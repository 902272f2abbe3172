"""`/api/v1/{deliverables,tasks,meetings,recommendations}/<id>/comments`: list (GET) and add
(POST).

The same policy and rules as the pages: load the object (404 if you may not see it) →
authorise → check the token may write → validate the body (`NewComment`) → the use case."""

from __future__ import annotations

from flask_login import current_user

from ..api.blueprint import bp
from ..api.helpers import answer, parse_body, require_write_scope
from ..api.openapi import operation
from ..policy import authorize
from . import queries
from . import service as comments
from .schemas import Comment, CommentList, NewComment
from .subjects import Kind, load_subject


def _list(kind: Kind, subject_id: int):
    subject = load_subject(kind, subject_id, current_user)
    return answer(CommentList(data=[Comment.of(c) for c in queries.thread(subject)]))


def _add(kind: Kind, subject_id: int):
    subject = load_subject(kind, subject_id, current_user)
    authorize(current_user, "discuss", subject)
    require_write_scope()
    body = parse_body(NewComment)
    comment = comments.add_comment(subject, current_user, body=body.body)
    return answer(Comment.of(comment), 201)


def _list_spec(what: str):
    return operation(
        "GET",
        summary=f"The comments of a {what}, oldest first",
        tag="comments",
        responses={200: ("The comments", CommentList), 404: (f"No such {what}", None)},
    )


def _add_spec(what: str):
    return operation(
        "POST",
        summary=f"Comment on a {what} (those it mentions, and who follow it, are told)",
        tag="comments",
        body=NewComment,
        writes=True,
        responses={
            201: ("The comment", Comment),
            404: (f"No such {what}", None),
            422: ("A rule was broken", None),
        },
    )


@bp.get("/deliverables/<int:deliverable_id>/comments")
@_list_spec("deliverable")
def deliverable_comments(deliverable_id: int):
    return _list("deliverable", deliverable_id)


@bp.post("/deliverables/<int:deliverable_id>/comments")
@_add_spec("deliverable")
def add_deliverable_comment(deliverable_id: int):
    return _add("deliverable", deliverable_id)


@bp.get("/tasks/<int:task_id>/comments")
@_list_spec("task")
def task_comments(task_id: int):
    return _list("task", task_id)


@bp.post("/tasks/<int:task_id>/comments")
@_add_spec("task")
def add_task_comment(task_id: int):
    return _add("task", task_id)


@bp.get("/meetings/<int:meeting_id>/comments")
@_list_spec("meeting")
def meeting_comments(meeting_id: int):
    return _list("meeting", meeting_id)


@bp.post("/meetings/<int:meeting_id>/comments")
@_add_spec("meeting")
def add_meeting_comment(meeting_id: int):
    return _add("meeting", meeting_id)


@bp.get("/recommendations/<int:recommendation_id>/comments")
@_list_spec("recommendation")
def recommendation_comments(recommendation_id: int):
    return _list("recommendation", recommendation_id)


@bp.post("/recommendations/<int:recommendation_id>/comments")
@_add_spec("recommendation")
def add_recommendation_comment(recommendation_id: int):
    return _add("recommendation", recommendation_id)
