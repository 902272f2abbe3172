"""Recommendations of the working groups, the coalition's agenda and its editions, coalition
positions on legislative initiatives, and institutions' endorsements ("voz única")."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Basis, str_enum, utcnow
from .directory import Institution
from .groups import WorkingGroup
from .people import User


class RecommendationStatus(enum.StrEnum):
    #: Written by the group's people.
    DRAFT = "draft"
    #: Members comment (the comments feature, `models/comments.py`) and propose amendments;
    #: a chair accepts or rejects each.
    REVIEW = "review"
    #: Approved by one of the group's chairs (the others see who and when).
    APPROVED = "approved"
    #: Adopted by a coordinator into the coalition's agenda.
    ADOPTED = "adopted"


#: The moves of the workflow (from → to); the policy says who may make each.
RECOMMENDATION_FLOW: dict[RecommendationStatus, set[RecommendationStatus]] = {
    RecommendationStatus.DRAFT: {RecommendationStatus.REVIEW},
    RecommendationStatus.REVIEW: {RecommendationStatus.DRAFT, RecommendationStatus.APPROVED},
    RecommendationStatus.APPROVED: {RecommendationStatus.REVIEW, RecommendationStatus.ADOPTED},
    RecommendationStatus.ADOPTED: set(),
}


class EvidenceKind(enum.StrEnum):
    DELIVERABLE = "deliverable"
    MEETING = "meeting"
    #: The consultation's tables (another part): rendered once the lead wires them.
    CONSULTATION_STATEMENT = "consultation_statement"
    CONSULTATION_THEME = "consultation_theme"


class AmendmentStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Answer(enum.StrEnum):
    ENDORSE = "endorse"
    ABSTAIN = "abstain"
    OBJECT = "object"


class PositionKind(enum.StrEnum):
    STATEMENT = "statement"
    OPEN_LETTER = "open_letter"


class PositionStatus(enum.StrEnum):
    #: Being written by coordinators: not public, not open to endorsement.
    DRAFT = "draft"
    #: Published and open: institutions answer, and may change their answer.
    OPEN = "open"
    #: Published, answers closed (kept as they were).
    CLOSED = "closed"


class Chamber(enum.StrEnum):
    SENATE = "senate"
    DEPUTIES = "deputies"
    STATE_CONGRESS = "state_congress"


class Recommendation(Base):
    __tablename__ = "recommendations"
    __table_args__ = (CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RecommendationStatus] = mapped_column(
        str_enum(RecommendationStatus, "recommendation_status"), default=RecommendationStatus.DRAFT
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    adopted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DEMO)

    __mapper_args__ = {"version_id_col": version}

    group: Mapped[WorkingGroup] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    adopted_by: Mapped[User | None] = relationship(foreign_keys=[adopted_by_id])
    versions: Mapped[list[RecommendationVersion]] = relationship(
        back_populates="recommendation", order_by="RecommendationVersion.number"
    )
    evidence: Mapped[list[RecommendationEvidence]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan"
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="recommendation", order_by="Amendment.id"
    )

    def __repr__(self) -> str:
        return f"<Recommendation {self.id} {self.status}>"


class RecommendationVersion(Base):
    """Every text a recommendation had, numbered from 1 (never changed or deleted)."""

    __tablename__ = "recommendation_versions"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    #: Why this version exists: "created", "edited", "amendment".
    reason: Mapped[str] = mapped_column(String(20), default="edited")
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()


class RecommendationEvidence(Base):
    """What a recommendation answers: a deliverable, a meeting, a consultation statement or
    theme, by kind and id (the consultation's tables belong to another feature)."""

    __tablename__ = "recommendation_evidence"
    __table_args__ = (UniqueConstraint("recommendation_id", "kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind, "evidence_kind"))
    ref_id: Mapped[int]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="evidence")


class Amendment(Base):
    """A proposed new text; a chair accepts it (a new version) or rejects it with a reason."""

    __tablename__ = "amendments"
    __table_args__ = (
        CheckConstraint(
            "status != 'rejected' OR length(trim(coalesce(reason, ''))) > 0",
            name="rejection_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    #: The version the proposal was written against (the diff shown compares with it).
    base_number: Mapped[int]
    status: Mapped[AmendmentStatus] = mapped_column(
        str_enum(AmendmentStatus, "amendment_status"), default=AmendmentStatus.OPEN
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="amendments")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AgendaEdition(Base):
    """A dated version of the whole agenda: what was adopted when it was published, kept as it
    was (`snapshot`), whatever happens afterwards."""

    __tablename__ = "agenda_editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    published_on: Mapped[date]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    #: {"recommendations": [{id, group (es/en), title, text, rationale, version, evidence}]}
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    published_by: Mapped[User | None] = relationship()


position_initiatives = Table(
    "position_initiatives",
    Base.metadata,
    Column("position_id", ForeignKey("positions.id"), primary_key=True),
    Column("initiative_id", ForeignKey("initiatives.id"), primary_key=True, index=True),
)


class Initiative(Base):
    """A legislative initiative the coalition follows."""

    __tablename__ = "initiatives"
    __table_args__ = (CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber: Mapped[Chamber] = mapped_column(str_enum(Chamber, "chamber"))
    #: The federal entity of a state congress.
    state_code: Mapped[str | None] = mapped_column(ForeignKey("states.code"))
    number: Mapped[str] = mapped_column(String(60), default="")
    title: Mapped[str] = mapped_column(String(300))
    #: As the chamber says it ("En comisiones", "Aprobada"): free text.
    status: Mapped[str] = mapped_column(String(120), default="")
    presented_on: Mapped[date | None]
    url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DEMO)

    positions: Mapped[list[Position]] = relationship(
        secondary=position_initiatives, back_populates="initiatives"
    )


class Position(Base):
    """A coalition position (a statement on a bill, an open letter), written by coordinators."""

    __tablename__ = "positions"
    __table_args__ = (CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PositionKind] = mapped_column(
        str_enum(PositionKind, "position_kind"), default=PositionKind.STATEMENT
    )
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[PositionStatus] = mapped_column(
        str_enum(PositionStatus, "position_status"), default=PositionStatus.DRAFT
    )
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DEMO)

    __mapper_args__ = {"version_id_col": version}

    initiatives: Mapped[list[Initiative]] = relationship(
        secondary=position_initiatives, back_populates="positions", order_by="Initiative.id"
    )
    versions: Mapped[list[PositionVersion]] = relationship(
        back_populates="position", order_by="PositionVersion.number"
    )

    @property
    def is_published(self) -> bool:
        return self.status != PositionStatus.DRAFT


class PositionVersion(Base):
    """Every text a position had, numbered from 1 and dated (never changed or deleted): what
    the institutions that answered read, even after a later edit."""

    __tablename__ = "position_versions"
    __table_args__ = (UniqueConstraint("position_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    number: Mapped[int]
    kind: Mapped[PositionKind] = mapped_column(str_enum(PositionKind, "position_kind"))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    position: Mapped[Position] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()


class AuthorisedEndorser(Base):
    """A person an institution authorises to answer endorsements for it (besides its focal
    point), from `granted_at` until revoked."""

    __tablename__ = "authorised_endorsers"
    __table_args__ = (
        Index(
            "uq_authorised_endorsers_open",
            "institution_id",
            "person_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    institution: Mapped[Institution] = relationship()
    person: Mapped[User] = relationship(foreign_keys=[person_id])


class Endorsement(Base):
    """An institution's current answer on a position or an adopted recommendation (one per
    institution and subject); every answer given is kept in `EndorsementChange`."""

    __tablename__ = "endorsements"
    __table_args__ = (
        CheckConstraint("(position_id IS NULL) != (recommendation_id IS NULL)", name="one_subject"),
        UniqueConstraint("position_id", "institution_id"),
        UniqueConstraint("recommendation_id", "institution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"), index=True)
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id"), index=True
    )
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    answer: Mapped[Answer] = mapped_column(str_enum(Answer, "endorsement_answer"))
    note: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution] = relationship()
    answered_by: Mapped[User | None] = relationship()
    changes: Mapped[list[EndorsementChange]] = relationship(
        back_populates="endorsement", order_by="EndorsementChange.id"
    )


class EndorsementChange(Base):
    """One answer as it was given (the history of an endorsement)."""

    __tablename__ = "endorsement_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    endorsement_id: Mapped[int] = mapped_column(ForeignKey("endorsements.id"), index=True)
    answer: Mapped[Answer] = mapped_column(str_enum(Answer, "endorsement_answer"))
    note: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    endorsement: Mapped[Endorsement] = relationship(back_populates="changes")
    answered_by: Mapped[User | None] = relationship()
