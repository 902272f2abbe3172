"""Files attached to a deliverable, a task or a meeting. The bytes live under the storage
folder (`STORAGE_DIR`, outside the web root), named by `storage_key`; the row says what they
are (the type found in their content), how big, who put them there and when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .comments import ONE_SUBJECT, SubjectMixin
from .people import User

if TYPE_CHECKING:
    from .meetings import Meeting
    from .work import Deliverable, Task

#: The longest file name kept (after sanitising).
NAME_MAX = 200


class Attachment(SubjectMixin, Base):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(ONE_SUBJECT, name="one_subject"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int | None] = mapped_column(ForeignKey("deliverables.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: The name it was uploaded with, made safe (no folders, no control characters).
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    #: The type its content showed (never the browser's word for it).
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: Where the bytes are under STORAGE_DIR: random, never derived from the name.
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    deliverable: Mapped[Deliverable | None] = relationship()
    task: Mapped[Task | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.name!r}>"
