"""What the working groups produce: deliverables, their tasks and the history of progress."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ColumnElement, ForeignKey, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column, relationship

from .base import Base, Basis, str_enum, utcnow
from .directory import Institution
from .groups import WorkingGroup
from .people import User


class WorkStatus(enum.StrEnum):
    """planned → in_progress → in_review → done, with in_review → in_progress as send-back."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    IN_REVIEW = "in_review"
    DONE = "done"


S = WorkStatus
#: The paths statuses may take. Deliverables go through review; tasks do not.
DELIVERABLE_FLOW: dict[WorkStatus, set[WorkStatus]] = {
    S.PLANNED: {S.IN_PROGRESS},
    S.IN_PROGRESS: {S.IN_REVIEW, S.PLANNED},
    S.IN_REVIEW: {S.DONE, S.IN_PROGRESS},  # in_review -> in_progress is the send-back
    S.DONE: {S.IN_PROGRESS},  # reopen
}
#: The moves only a chair's review makes (approve, send back): never a progress update.
REVIEW_MOVES: frozenset[tuple[WorkStatus, WorkStatus]] = frozenset(
    {(S.IN_REVIEW, S.DONE), (S.IN_REVIEW, S.IN_PROGRESS)}
)
TASK_FLOW: dict[WorkStatus, set[WorkStatus]] = {
    S.PLANNED: {S.IN_PROGRESS, S.DONE},
    S.IN_PROGRESS: {S.DONE, S.PLANNED},
    S.DONE: {S.IN_PROGRESS},
}


class ProgressMode(enum.StrEnum):
    DERIVED = "derived"  # the mean of its open and closed tasks
    MANUAL = "manual"  # set by hand


PROGRESS_RANGE = "progress >= 0 AND progress <= 100"


class DueState(enum.StrEnum):
    """Where open work stands against its due date. Done or undated work has no state."""

    OVERDUE = "overdue"  # its due date has passed and it is not done
    DUE_SOON = "due_soon"  # due today or within the horizon, and not done


def due_state(due_on: date | None, today: date, within_days: int, *, done: bool) -> DueState | None:
    """The one definition of "overdue" and "due soon", for deliverables and tasks alike.

    Overdue: not done and due before `today`. Due soon: not done and due from `today` to
    `today + within_days` inclusive. The same rule is a SQL condition through the models'
    `is_overdue(today)` and `is_due_soon(today, within_days)`.

    >>> due_state(date(2026, 1, 9), date(2026, 1, 10), 30, done=False)
    <DueState.OVERDUE: 'overdue'>
    >>> due_state(date(2026, 1, 10), date(2026, 1, 10), 30, done=False)
    <DueState.DUE_SOON: 'due_soon'>
    >>> due_state(date(2026, 1, 9), date(2026, 1, 10), 30, done=True) is None
    True
    """
    if due_on is None or done:
        return None
    if due_on < today:
        return DueState.OVERDUE
    if due_on <= today + timedelta(days=within_days):
        return DueState.DUE_SOON
    return None


def _overdue_condition(
    due_on: InstrumentedAttribute[date | None],
    status: InstrumentedAttribute[WorkStatus],
    today: date,
) -> ColumnElement[bool]:
    return and_(due_on.is_not(None), status != WorkStatus.DONE, due_on < today)


def _due_soon_condition(
    due_on: InstrumentedAttribute[date | None],
    status: InstrumentedAttribute[WorkStatus],
    today: date,
    within_days: int,
) -> ColumnElement[bool]:
    return and_(
        due_on.is_not(None),
        status != WorkStatus.DONE,
        due_on >= today,
        due_on <= today + timedelta(days=within_days),
    )


class DueWork:
    """Overdue and due soon for work with a due date and a status (deliverables and tasks):
    `due_state` in Python, the same rule as a SQL condition on the class."""

    if TYPE_CHECKING:  # mapped by each class; declared here only for the type checker
        due_on: Mapped[date | None]
        status: Mapped[WorkStatus]

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        """Past its due date and not done (`due_state`); a SQL condition on the class."""
        return (
            due_state(self.due_on, today, 0, done=self.status == WorkStatus.DONE)
            == DueState.OVERDUE
        )

    @is_overdue.expression
    @classmethod
    def _is_overdue_condition(cls, today: date) -> ColumnElement[bool]:
        return _overdue_condition(cls.due_on, cls.status, today)

    @hybrid_method
    def is_due_soon(self, today: date, within_days: int) -> bool:
        """Due within the horizon and not done (`due_state`); a SQL condition on the class."""
        return (
            due_state(self.due_on, today, within_days, done=self.status == WorkStatus.DONE)
            == DueState.DUE_SOON
        )

    @is_due_soon.expression
    @classmethod
    def _is_due_soon_condition(cls, today: date, within_days: int) -> ColumnElement[bool]:
        return _due_soon_condition(cls.due_on, cls.status, today, within_days)


class Deliverable(DueWork, Base):
    __tablename__ = "deliverables"
    __table_args__ = (
        CheckConstraint(PROGRESS_RANGE, name="progress_range"),
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    owner_institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[WorkStatus] = mapped_column(
        str_enum(WorkStatus, "work_status"), default=WorkStatus.PLANNED
    )
    progress: Mapped[int] = mapped_column(default=0)
    progress_mode: Mapped[ProgressMode] = mapped_column(
        str_enum(ProgressMode, "progress_mode"), default=ProgressMode.DERIVED
    )
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DEMO)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    archived_at: Mapped[datetime | None]
    #: Shown on the group's public page (set by a chair; only a done deliverable), and by whom.
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Optimistic locking: a save carrying an old version is refused instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    group: Mapped[WorkingGroup] = relationship(back_populates="deliverables")
    owner_institution: Mapped[Institution | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    tasks: Mapped[list[Task]] = relationship(back_populates="deliverable")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Deliverable {self.id} {self.title!r}>"


class Task(DueWork, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(PROGRESS_RANGE, name="progress_range"),
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverables.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[WorkStatus] = mapped_column(
        str_enum(WorkStatus, "work_status"), default=WorkStatus.PLANNED
    )
    progress: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    archived_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    deliverable: Mapped[Deliverable] = relationship(back_populates="tasks")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.title!r}>"


class ProgressUpdate(Base):
    """One recorded change to a deliverable or a task. Rows are only ever added.

    `changes` maps each changed field to its [before, after] values, for example
    {"status": ["planned", "in_progress"], "progress": [0, 20]}.
    """

    __tablename__ = "progress_updates"
    __table_args__ = (
        CheckConstraint(
            "(deliverable_id IS NOT NULL AND task_id IS NULL)"
            " OR (deliverable_id IS NULL AND task_id IS NOT NULL)",
            name="one_subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int | None] = mapped_column(ForeignKey("deliverables.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(500))

    deliverable: Mapped[Deliverable | None] = relationship()
    task: Mapped[Task | None] = relationship()
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ProgressUpdate {self.id}>"
