"""Introductions the coordination made between two institutions (from the network page): a
message to both focal points, or a task given to a chair."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .directory import Institution
    from .people import User
    from .work import Task


class Introduction(Base):
    """One message sent to both institutions' focal points (or, lacking one, their people)
    to introduce them to each other. The pair is stored once, the smaller id first."""

    __tablename__ = "introductions"
    __table_args__ = (
        CheckConstraint("institution_a_id < institution_b_id", name="ordered_pair"),
        CheckConstraint("length(trim(subject)) > 0", name="subject_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_a_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    institution_b_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    introduced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    introduced_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    #: The addresses written to, comma-separated, as they were on the day.
    recipients: Mapped[str] = mapped_column(Text)
    #: True when one of the two had no focal point and its people were written to instead.
    to_people: Mapped[bool] = mapped_column(default=False)
    #: Set when the introduction was given to a chair as a task (nobody was written to).
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), unique=True)

    institution_a: Mapped[Institution] = relationship(foreign_keys=[institution_a_id])
    institution_b: Mapped[Institution] = relationship(foreign_keys=[institution_b_id])
    introduced_by: Mapped[User | None] = relationship(foreign_keys=[introduced_by_id])
    task: Mapped[Task | None] = relationship()

    def __repr__(self) -> str:
        return f"<Introduction {self.institution_a_id}-{self.institution_b_id}>"
