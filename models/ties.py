"""Recorded ties between two institutions: the edges of the stakeholder network."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Basis, str_enum, utcnow
from .directory import Institution

if TYPE_CHECKING:
    from .people import User


class TieKind(enum.StrEnum):
    JOINT_PROJECT = "joint_project"
    AGREEMENT = "agreement"
    EVENT = "event"
    COAUTHORSHIP = "coauthorship"
    DATA_SHARING = "data_sharing"
    FUNDING = "funding"
    OTHER = "other"


class TieStatus(enum.StrEnum):
    """Recorded by one side; the other side's people confirm or decline it."""

    #: Recorded by one institution, not yet answered by the other (counts, but weighs less).
    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"
    #: The other institution says it did not happen: kept for the history, never counted.
    DECLINED = "declined"


class Tie(Base):
    """A tie is undirected: it is stored once, with the smaller institution id first."""

    __tablename__ = "ties"
    __table_args__ = (
        CheckConstraint("institution_a_id < institution_b_id", name="ordered_pair"),
        CheckConstraint("ends_on IS NULL OR ends_on >= since", name="ends_after_start"),
        UniqueConstraint("institution_a_id", "institution_b_id", "kind", "since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_a_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    institution_b_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    kind: Mapped[TieKind] = mapped_column(str_enum(TieKind, "tie_kind"))
    since: Mapped[date]
    #: The day the collaboration ended (None: still going).
    ends_on: Mapped[date | None]
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    #: Seeded ties were documented by the coalition itself: confirmed.
    status: Mapped[TieStatus] = mapped_column(
        str_enum(TieStatus, "tie_status"),
        default=TieStatus.CONFIRMED,
        server_default=TieStatus.CONFIRMED.value,
    )
    #: The institution whose person recorded it (the other one confirms); None for the seed.
    recorded_for_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    #: Optimistic locking: an edit built on an older version is refused, never silently undone.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: The note in English (what the seeds and older rows hold); `note_es` in Spanish.
    note: Mapped[str] = mapped_column(Text, default="")
    note_es: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DEMO)
    source: Mapped[str | None] = mapped_column(Text)

    institution_a: Mapped[Institution] = relationship(foreign_keys=[institution_a_id])
    institution_b: Mapped[Institution] = relationship(foreign_keys=[institution_b_id])
    recorded_for: Mapped[Institution | None] = relationship(foreign_keys=[recorded_for_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @classmethod
    def between(cls, first: Institution, second: Institution, **fields: Any) -> Tie:
        """Build a tie with the pair in canonical order."""
        a, b = sorted((first, second), key=lambda institution: institution.id)
        return cls(
            institution_a=a, institution_b=b, institution_a_id=a.id, institution_b_id=b.id, **fields
        )

    def other_than(self, institution_id: int | None) -> Institution:
        """The institution of the pair that is not `institution_id` (the second if neither)."""
        return self.institution_a if institution_id == self.institution_b_id else self.institution_b

    @property
    def answering_institution_id(self) -> int | None:
        """The side whose people confirm or decline: the one that did not record it."""
        if self.recorded_for_id is None:
            return None
        if self.recorded_for_id == self.institution_a_id:
            return self.institution_b_id
        return self.institution_a_id

    def is_current_on(self, day: date) -> bool:
        """Started by `day` and not ended before it (declined ties are never current)."""
        return (
            self.status != TieStatus.DECLINED
            and self.since <= day
            and (self.ends_on is None or self.ends_on >= day)
        )

    def note_in(self, locale: str) -> str:
        """The note in `locale` (Spanish, or English): the other one if only it was written."""
        if locale == "es" and self.note_es:
            return self.note_es
        return self.note or self.note_es or ""

    def __repr__(self) -> str:
        return f"<Tie {self.institution_a_id}-{self.institution_b_id} {self.kind}>"


class TieUpdate(Base):
    """One recorded change to a tie (recorded, edited, confirmed, declined, ended): who, when,
    and {field: [before, after]}, as deliverables keep theirs (`ProgressUpdate`). Only added."""

    __tablename__ = "tie_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    tie_id: Mapped[int] = mapped_column(ForeignKey("ties.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: A decline's reason, or nothing.
    note: Mapped[str] = mapped_column(Text, default="")

    tie: Mapped[Tie] = relationship()
    author: Mapped[User | None] = relationship()

    #: The history macro (`macros/work.html`) asks these of a deliverable's updates.
    task = None
    evidence_url = None

    def __repr__(self) -> str:
        return f"<TieUpdate {self.id} of tie {self.tie_id}>"
