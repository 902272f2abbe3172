"""Working groups, which institutions take part in (or lead) each, and which people chair
each, with dates."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    exists,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from .base import Base, Basis, str_enum
from .directory import Institution
from .people import User

if TYPE_CHECKING:
    from .work import Deliverable


class GroupRole(enum.StrEnum):
    LEAD = "lead"
    MEMBER = "member"


class WorkingGroup(Base):
    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_es: Mapped[str] = mapped_column(String(160), unique=True)
    name_en: Mapped[str] = mapped_column(String(160), unique=True)
    description_es: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="group")
    chairs: Mapped[list[GroupChair]] = relationship(
        back_populates="group", foreign_keys="GroupChair.group_id"
    )
    deliverables: Mapped[list[Deliverable]] = relationship(back_populates="group")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_es

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_es

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.slug}>"


def open_on(since: date, until: date | None, day: date) -> bool:
    """Whether a membership row from `since` until `until` (exclusive; open if None) covers
    `day`. Closing a row on a day and opening the next on the same day hands over cleanly."""
    return since <= day and (until is None or until > day)


class GroupMembership(Base):
    """An institution in a group, as lead or member, from `since` until `until` (open: current).

    A change of role or an exit closes the row and opens another, so the history of who led
    what, and when, is kept.
    """

    __tablename__ = "group_memberships"
    __table_args__ = (
        CheckConstraint("until IS NULL OR until >= since", name="until_after_since"),
        # At most one current row per institution and group.
        Index(
            "uq_group_memberships_current",
            "group_id",
            "institution_id",
            unique=True,
            sqlite_where=text("until IS NULL"),
            postgresql_where=text("until IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    role: Mapped[GroupRole] = mapped_column(str_enum(GroupRole, "group_role"))
    since: Mapped[date]
    until: Mapped[date | None]
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DEMO)

    group: Mapped[WorkingGroup] = relationship(back_populates="memberships")
    institution: Mapped[Institution] = relationship(back_populates="memberships")

    @property
    def is_open(self) -> bool:
        """Not closed yet (the row a change of role or an exit closes)."""
        return self.until is None

    @hybrid_method
    def current_on(self, day: date) -> bool:
        """Whether this row makes its institution a current member of the group on `day`:
        the row is open that day and the institution is a coalition member that day.

        The one definition of "current member of a group", for pages, the policy, the API,
        notifications and SQL alike (`GroupMembership.current_on(day)` is a condition).
        """
        return open_on(self.since, self.until, day) and self.institution.is_active_on(day)

    @current_on.expression
    @classmethod
    def _current_on_condition(cls, day: date) -> ColumnElement[bool]:
        return (
            (cls.since <= day)
            & (cls.until.is_(None) | (cls.until > day))
            & cls.institution_id.in_(select(Institution.id).where(Institution.active_on(day)))
        )

    def __repr__(self) -> str:
        return f"<GroupMembership g={self.group_id} i={self.institution_id} {self.role}>"


class GroupChair(Base):
    """A person who chairs a group, named by a coordinator, from `since` until `until`.

    Co-chairs are allowed. Ending a chairship closes its row (it is never deleted, except a
    same-day correction), so the group's leadership history says who chaired it and when.
    """

    __tablename__ = "group_chairs"
    __table_args__ = (
        CheckConstraint("until IS NULL OR until >= since", name="until_after_since"),
        # At most one open chairship per person and group.
        Index(
            "uq_group_chairs_open",
            "group_id",
            "person_id",
            unique=True,
            sqlite_where=text("until IS NULL"),
            postgresql_where=text("until IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    since: Mapped[date]
    until: Mapped[date | None]
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DOCUMENTED)

    group: Mapped[WorkingGroup] = relationship(back_populates="chairs", foreign_keys=[group_id])
    person: Mapped[User] = relationship(foreign_keys=[person_id])
    named_by: Mapped[User | None] = relationship(foreign_keys=[named_by_id])

    @property
    def is_open(self) -> bool:
        return self.until is None

    @hybrid_method
    def current_on(self, day: date) -> bool:
        """Whether this person chairs the group on `day`: the row is open that day, the person
        is active, and their institution currently leads the group that day
        (`GroupMembership.current_on`, so it is also still a coalition member).

        The one definition of "chair", for the policy, two-factor sign-in, notifications,
        pages and the API alike (`GroupChair.current_on(day)` is also a SQL condition).
        """
        person = self.person
        return (
            open_on(self.since, self.until, day)
            and person.is_active
            and any(
                m.role == GroupRole.LEAD
                and m.institution_id == person.institution_id
                and m.current_on(day)
                for m in self.group.memberships
            )
        )

    @current_on.expression
    @classmethod
    def _current_on_condition(cls, day: date) -> ColumnElement[bool]:
        # An alias of its own, so that a query of users around this condition (`chairs_of`)
        # is never taken for the chair's row.
        person = aliased(User, name="chair_person")
        return (
            (cls.since <= day)
            & (cls.until.is_(None) | (cls.until > day))
            & exists()
            .where(
                person.id == cls.person_id,
                person.is_active.is_(True),
                GroupMembership.group_id == cls.group_id,
                GroupMembership.institution_id == person.institution_id,
                GroupMembership.role == GroupRole.LEAD,
                GroupMembership.current_on(day),
            )
            .correlate_except(person, GroupMembership)
        )

    def __repr__(self) -> str:
        return f"<GroupChair g={self.group_id} p={self.person_id} {self.since}..{self.until}>"
