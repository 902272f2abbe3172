"""Recorded ties between two institutions: the edges of the stakeholder network."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Basis, str_enum
from .directory import Institution


class TieKind(enum.StrEnum):
    JOINT_PROJECT = "joint_project"
    AGREEMENT = "agreement"
    EVENT = "event"
    COAUTHORSHIP = "coauthorship"


class Tie(Base):
    """A tie is undirected: it is stored once, with the smaller institution id first."""

    __tablename__ = "ties"
    __table_args__ = (
        CheckConstraint("institution_a_id < institution_b_id", name="ordered_pair"),
        UniqueConstraint("institution_a_id", "institution_b_id", "kind", "since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_a_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    institution_b_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    kind: Mapped[TieKind] = mapped_column(str_enum(TieKind, "tie_kind"))
    since: Mapped[date]
    #: The note in English (what the seeds and older rows hold); `note_es` in Spanish.
    note: Mapped[str] = mapped_column(Text, default="")
    note_es: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DEMO)
    source: Mapped[str | None] = mapped_column(Text)

    institution_a: Mapped[Institution] = relationship(foreign_keys=[institution_a_id])
    institution_b: Mapped[Institution] = relationship(foreign_keys=[institution_b_id])

    @classmethod
    def between(cls, first: Institution, second: Institution, **fields: Any) -> Tie:
        """Build a tie with the pair in canonical order."""
        a, b = sorted((first, second), key=lambda institution: institution.id)
        return cls(
            institution_a=a, institution_b=b, institution_a_id=a.id, institution_b_id=b.id, **fields
        )

    def note_in(self, locale: str) -> str:
        """The note in `locale` (Spanish, or English): the other one if only it was written."""
        if locale == "es" and self.note_es:
            return self.note_es
        return self.note or self.note_es or ""

    def __repr__(self) -> str:
        return f"<Tie {self.institution_a_id}-{self.institution_b_id} {self.kind}>"
