"""What a person is told: the in-app inbox (mirrored by e-mail) and their digest choices."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .groups import WorkingGroup
from .people import User
from .work import Deliverable, Task


class NotificationKind(enum.StrEnum):
    TASK_ASSIGNED = "task_assigned"
    TASK_REASSIGNED = "task_reassigned"  # to the person who no longer has the task
    TASK_DUE_SOON = "task_due_soon"
    TASK_OVERDUE = "task_overdue"
    DELIVERABLE_SENT_BACK = "deliverable_sent_back"
    DELIVERABLE_STALE = "deliverable_stale"
    DIGEST = "digest"
    # To the chairs of the group, about its work (never to whoever did it).
    TASK_DONE = "task_done"
    DELIVERABLE_COMPLETE = "deliverable_complete"  # its progress reached 100 %
    DELIVERABLE_IN_REVIEW = "deliverable_in_review"  # waiting for a chair's review
    PROGRESS_OVERRIDDEN = "progress_overridden"  # a percent set by hand, with a reason
    # An invitation to a meeting or event, its change of time, or its cancellation.
    MEETING_INVITATION = "meeting_invitation"
    # Ties: to the other institution's people (confirm or decline), then to the recorder.
    TIE_RECORDED = "tie_recorded"
    TIE_ANSWERED = "tie_answered"
    # Comments (issue 14): to whoever a comment mentions, and to those who follow its subject.
    COMMENT_MENTION = "comment_mention"
    COMMENT_ADDED = "comment_added"


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, "notification_kind"))
    # Values for the message, rendered in the reader's language when shown (not when written).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    deliverable_id: Mapped[int | None] = mapped_column(ForeignKey("deliverables.id"), index=True)
    # Reminders run daily; the key makes "due soon for task 7 on its due date 2026-12-01" once.
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    task: Mapped[Task | None] = relationship()
    deliverable: Mapped[Deliverable | None] = relationship()

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to {self.user_id}>"


class DigestPreference(Base):
    """A person's choice to get (or not) a group's weekly digest. No row: the default applies."""

    __tablename__ = "digest_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), primary_key=True)
    subscribed: Mapped[bool] = mapped_column(Boolean)

    user: Mapped[User] = relationship()
    group: Mapped[WorkingGroup] = relationship()


class DigestRun(Base):
    """A digest sent for a group and week, so running the command twice sends it once."""

    __tablename__ = "digest_runs"

    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # ISO week, e.g. 2026-W48
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)


class EmailChoice(Base):
    """Whether a person wants the e-mail copy of one kind of notification. No row: they do
    (the inbox entry is written either way)."""

    __tablename__ = "email_choices"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(
        str_enum(NotificationKind, "notification_kind"), primary_key=True
    )
    wanted: Mapped[bool] = mapped_column(Boolean)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<EmailChoice {self.user_id} {self.kind} {self.wanted}>"
