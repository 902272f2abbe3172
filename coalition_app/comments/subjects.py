"""The kinds of object comments belong to (deliverables, tasks, meetings, and the agenda's
recommendations, discussed while in review) and files too (the first three): loading one with
the policy deciding whether it may even be seen, its page, its name.

The files feature (`coalition_app/files`) uses the same functions, so a comment and a file
of the same object are seen by the same people."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from models import (
    Attachment,
    Comment,
    Deliverable,
    Meeting,
    Recommendation,
    Task,
    User,
    WorkingGroup,
)

from .. import policy
from ..core.db import session
from ..work import queries as work_queries

Subject = Deliverable | Task | Meeting | Recommendation
Kind = Literal["deliverable", "task", "meeting", "recommendation"]
KINDS: tuple[Kind, ...] = ("deliverable", "task", "meeting", "recommendation")
#: The kinds files are attached to (recommendations are discussed, not attached to).
ATTACHMENT_KINDS: tuple[Kind, ...] = ("deliverable", "task", "meeting")


def kind_of(subject: Subject) -> Kind:
    if isinstance(subject, Deliverable):
        return "deliverable"
    if isinstance(subject, Recommendation):
        return "recommendation"
    return "task" if isinstance(subject, Task) else "meeting"


# Built once, the id bound at each call. A subject's group with its chairs (who moderate);
# not its memberships: whether someone belongs is the policy's query of the group's roles
# (`groups.queries.current_roles`), one for the request, not every membership and
# institution (with its sector and state) as objects.
_MEETING = (
    select(Meeting)
    .where(Meeting.id == bindparam("subject_id"))
    .options(joinedload(Meeting.group).selectinload(WorkingGroup.chairs))
)
_RECOMMENDATION = (
    select(Recommendation)
    .where(Recommendation.id == bindparam("subject_id"))
    .options(joinedload(Recommendation.group).selectinload(WorkingGroup.chairs))
)


def load_meeting(meeting_id: int, user: User) -> Meeting:
    """A meeting, 404 unless `user` may see it (the policy's `view_meeting`)."""
    meeting = session.scalar(_MEETING, {"subject_id": meeting_id})
    if meeting is None:
        # Asked all the same (the answer is no): every answer of these routes is the policy's.
        policy.require_visible(user, "view_subject", None)
        raise NotFound()  # never reached
    policy.require_visible(user, "view_meeting", meeting)
    return meeting


def load_recommendation(recommendation_id: int, user: User) -> Recommendation:
    """A recommendation with its group (its chairs moderate), 404 unless `user` may see it."""
    rec = session.scalar(_RECOMMENDATION, {"subject_id": recommendation_id})
    if rec is None:
        policy.require_visible(user, "view_subject", None)
        raise NotFound()  # never reached
    policy.require_visible(user, "view_recommendation", rec)
    return rec


def load_subject(kind: Kind, subject_id: int, user: User) -> Subject:
    """The deliverable, task, meeting or recommendation, 404 unless `user` may see it."""
    if kind == "deliverable":
        return work_queries.load_deliverable(subject_id, user)
    if kind == "task":
        return work_queries.load_task(subject_id, user)
    if kind == "recommendation":
        return load_recommendation(subject_id, user)
    return load_meeting(subject_id, user)


def subject_column(model: type[Comment] | type[Attachment], kind: Kind) -> Any:
    """The foreign key of comments or files that points at a subject of this kind."""
    if kind == "deliverable":
        return model.deliverable_id
    if kind == "task":
        return model.task_id
    if kind == "recommendation":
        assert model is Comment  # files are not attached to recommendations
        return Comment.recommendation_id
    return model.meeting_id


def subject_keys(subject: Subject) -> dict[str, int]:
    """The foreign key a new comment or file of `subject` gets."""
    return {f"{kind_of(subject)}_id": subject.id}


def subject_path(subject: Subject) -> str:
    """The page of the subject, inside the app (as the work's notifications write it; for a
    meeting, the meetings feature's page)."""
    return f"/{kind_of(subject)}s/{subject.id}"


def subject_title(subject: Subject) -> str:
    return subject.title
