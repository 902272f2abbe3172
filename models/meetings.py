"""Meetings of a working group and events of the coalition, and who came to them.

The shared foundation (issue 14): the meetings feature owns these tables; the network reads
attendance (co-attendance is collaboration), the calendar reads the times, the public site
reads the public events.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Basis, str_enum, utcnow

if TYPE_CHECKING:
    from .directory import Institution
    from .groups import WorkingGroup
    from .people import User
    from .work import Task


class MeetingKind(enum.StrEnum):
    #: A working group's session.
    MEETING = "meeting"
    #: A coalition event: a congress, a forum at the Senate, a workshop in a state.
    EVENT = "event"


class Rsvp(enum.StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class Meeting(Base):
    """A meeting or event. Times are stored in UTC; pages show them in the coalition's zone."""

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeetingKind] = mapped_column(
        str_enum(MeetingKind, "meeting_kind"), default=MeetingKind.MEETING
    )
    #: The organising working group (None: an event of the whole coalition).
    group_id: Mapped[int | None] = mapped_column(ForeignKey("working_groups.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    agenda: Mapped[str] = mapped_column(Text, default="")
    #: Public events are listed on the public site; others only to signed-in members.
    is_public: Mapped[bool] = mapped_column(default=False)
    minutes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DEMO)

    # Optimistic locking: a save carrying an old version is refused instead of overwriting.
    __mapper_args__ = {"version_id_col": version}

    group: Mapped[WorkingGroup | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    organisers: Mapped[list[MeetingOrganiser]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    attendances: Mapped[list[MeetingAttendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    action_items: Mapped[list[MeetingActionItem]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="MeetingActionItem.id",
    )

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def hours(self) -> float:
        """Hours of dialogue this meeting held (its length)."""
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r}>"


class MeetingOrganiser(Base):
    """An institution that organises a meeting or event (besides, or instead of, a group)."""

    __tablename__ = "meeting_organisers"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id"), primary_key=True, index=True
    )

    meeting: Mapped[Meeting] = relationship(back_populates="organisers")
    institution: Mapped[Institution] = relationship()


class MeetingAttendance(Base):
    """A person's answer to an invitation (rsvp) and whether they attended (the organiser's
    record). Attendance of people, hence of their institutions, is collaboration."""

    __tablename__ = "meeting_attendances"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The institution the person came for, kept as it was on the day (people change jobs).
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    rsvp: Mapped[Rsvp | None] = mapped_column(str_enum(Rsvp, "rsvp"))
    attended: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="attendances")
    person: Mapped[User] = relationship()
    institution: Mapped[Institution] = relationship()


class MeetingActionItem(Base):
    """Something a meeting agreed someone would do (text, assignee, due day); "Create task"
    turns it into a task of one of the group's deliverables, linked here."""

    __tablename__ = "meeting_action_items"
    __table_args__ = (CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None]
    #: The task it became, once someone clicked "Create task".
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="action_items")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    task: Mapped[Task | None] = relationship()

    def __repr__(self) -> str:
        return f"<MeetingActionItem {self.id} m={self.meeting_id}>"


class CalendarFeed(Base):
    """A person's secret iCalendar address: their own calendar (group None) or a group's.
    Only the SHA-256 digest of the token is kept; resetting replaces it (the old address
    stops working)."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        # One feed per person and group, and one personal feed (group NULL) per person.
        UniqueConstraint("person_id", "group_id"),
        Index(
            "uq_calendar_feeds_personal",
            "person_id",
            unique=True,
            sqlite_where=text("group_id IS NULL"),
            postgresql_where=text("group_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("working_groups.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[User] = relationship()
    group: Mapped[WorkingGroup | None] = relationship()

    def __repr__(self) -> str:
        return f"<CalendarFeed {self.id} p={self.person_id} g={self.group_id}>"
