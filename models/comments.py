"""What people say about a deliverable, a task, a meeting or a recommendation in review:
comments, and whom they mention.

One comment belongs to exactly one subject, by nullable foreign keys and a CHECK that exactly
one is set (as `ProgressUpdate`): the database keeps every comment pointing at a row that
exists, which a (kind, id) pair could not; the files of deliverables, tasks and meetings
(`models/files.py`) follow the same design (recommendations take comments, not files).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User

if TYPE_CHECKING:
    from .agenda import Recommendation
    from .meetings import Meeting
    from .work import Deliverable, Task

#: Exactly one of the three subjects is set (files).
ONE_SUBJECT = (
    "(CASE WHEN deliverable_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN task_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END) = 1"
)
#: Exactly one of the four subjects is set (comments: files' three, and recommendations).
COMMENT_ONE_SUBJECT = (
    "(CASE WHEN deliverable_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN task_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN recommendation_id IS NULL THEN 0 ELSE 1 END) = 1"
)
#: The longest comment a person may write, and the longest reason a moderator may give.
BODY_MAX = 5000
REASON_MAX = 500


class SubjectMixin:
    """The three subjects a comment or a file may belong to (exactly one is set)."""

    if TYPE_CHECKING:
        deliverable_id: Mapped[int | None]
        task_id: Mapped[int | None]
        meeting_id: Mapped[int | None]
        deliverable: Mapped[Deliverable | None]
        task: Mapped[Task | None]
        meeting: Mapped[Meeting | None]

    @property
    def subject(self) -> Deliverable | Task | Meeting:
        subject = self.deliverable or self.task or self.meeting
        assert subject is not None  # the CHECK constraint: exactly one is set
        return subject

    @property
    def subject_kind(self) -> str:
        if self.deliverable_id is not None:
            return "deliverable"
        return "task" if self.task_id is not None else "meeting"


class Comment(SubjectMixin, Base):
    """A comment, in Markdown. Edited by its author within a window (`edited_at` says when);
    deleted by its author (`deleted_at`: no longer shown); hidden by a moderator with a reason
    (shown as hidden; the text is kept)."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(COMMENT_ONE_SUBJECT, name="one_subject"),
        CheckConstraint("length(trim(body)) > 0", name="body_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int | None] = mapped_column(ForeignKey("deliverables.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    # Optimistic locking: an edit from a stale form is refused, not written over another.
    version: Mapped[int] = mapped_column(default=1)

    deliverable: Mapped[Deliverable | None] = relationship()
    task: Mapped[Task | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    recommendation: Mapped[Recommendation | None] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    mentions: Mapped[list[CommentMention]] = relationship(
        back_populates="comment", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def subject(self) -> Deliverable | Task | Meeting | Recommendation:  # type: ignore[override]
        return self.recommendation or super().subject

    @property
    def subject_kind(self) -> str:
        return "recommendation" if self.recommendation_id is not None else super().subject_kind

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.subject_kind}>"


class CommentMention(Base):
    """A person a comment mentions (`@` and their name): the link from the text to them."""

    __tablename__ = "comment_mentions"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)

    comment: Mapped[Comment] = relationship(back_populates="mentions")
    person: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<CommentMention {self.comment_id} → {self.person_id}>"
