"""The national consultation (issue 16): statements people vote on, open questions, the
anonymous participants, and the themes coordinators draw from the open answers.

Participants have no account: a row per anonymous participant, whose id travels in a signed
cookie of its own. Their e-mail (optional, to be confirmed) and profile (optional, with
consent) are theirs to give; the privacy notice's version they accepted is recorded with the
moment (`core.privacy_notice.CURRENT_VERSION`).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Basis, str_enum, utcnow

if TYPE_CHECKING:
    from .groups import WorkingGroup
    from .people import User


_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)


def statement_key(text: str) -> str:
    """A statement's text for duplicate detection: case, accents, punctuation and spacing
    ignored.

    >>> key = statement_key("la ia debe regularse en mexico")
    >>> statement_key(" ¡La IA  debe regularse en México! ") == key
    True
    """
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_PUNCTUATION.sub(" ", without_marks.casefold()).split())[:400]


class ConsultationStatus(enum.StrEnum):
    #: Being prepared: only coordinators see it.
    DRAFT = "draft"
    #: Open for participation between its dates.
    OPEN = "open"
    #: Closed: results only.
    CLOSED = "closed"


class StatementStatus(enum.StrEnum):
    #: Proposed by a participant, waiting for moderation.
    PENDING = "pending"
    #: Shown to participants (written by coordinators, or approved).
    APPROVED = "approved"
    #: Refused by a moderator (a duplicate, off topic, abusive).
    REJECTED = "rejected"


class Vote(enum.IntEnum):
    """A vote on a statement, stored as a small integer (Polis' convention: agree is 1)."""

    AGREE = 1
    DISAGREE = -1
    PASS = 0


#: Profile choices (besides sector, `sectors.slug`, and state, `states.iso_3166_2`).
AGE_RANGES = ("18-29", "30-44", "45-59", "60+")
GENDERS = ("woman", "man", "nonbinary", "other", "undisclosed")


class Consultation(Base):
    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    status: Mapped[ConsultationStatus] = mapped_column(
        str_enum(ConsultationStatus, "consultation_status"), default=ConsultationStatus.DRAFT
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(onupdate=utcnow)
    #: Optimistic locking of the edit form.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: Bumped by every change the figures depend on besides votes (moderation, flags,
    #: statements, answers): part of the analysis cache's key.
    data_version: Mapped[int] = mapped_column(default=1, server_default="1")
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DOCUMENTED)

    created_by: Mapped[User | None] = relationship()
    statements: Mapped[list[ConsultationStatement]] = relationship(
        back_populates="consultation", order_by="ConsultationStatement.id"
    )
    questions: Mapped[list[ConsultationQuestion]] = relationship(
        back_populates="consultation", order_by="ConsultationQuestion.position"
    )

    __mapper_args__ = {"version_id_col": version}

    def is_open_on(self, day: date) -> bool:
        return self.status == ConsultationStatus.OPEN and self.opens_on <= day <= self.closes_on

    def __repr__(self) -> str:
        return f"<Consultation {self.slug}>"


class ConsultationStatement(Base):
    """A statement participants agree or disagree with (Spanish; optional English)."""

    __tablename__ = "consultation_statements"
    __table_args__ = (Index("ix_consultation_statements_key", "consultation_id", "text_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    text_es: Mapped[str] = mapped_column(String(400))
    text_en: Mapped[str | None] = mapped_column(String(400))
    #: The folded text (`models.base.comparison_key`): exact duplicates are refused.
    text_key: Mapped[str] = mapped_column(String(400))
    #: The working group whose theme it belongs to.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("working_groups.id"), index=True)
    status: Mapped[StatementStatus] = mapped_column(
        str_enum(StatementStatus, "statement_status"), default=StatementStatus.APPROVED
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_participants.id"), index=True
    )
    #: The statement a moderator found this one repeats (when rejected as a duplicate).
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_statements.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime | None]

    consultation: Mapped[Consultation] = relationship(back_populates="statements")
    group: Mapped[WorkingGroup | None] = relationship()
    proposed_by: Mapped[ConsultationParticipant | None] = relationship()
    duplicate_of: Mapped[ConsultationStatement | None] = relationship(remote_side=[id])

    def text(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text_es

    def __repr__(self) -> str:
        return f"<ConsultationStatement {self.id}>"


class ConsultationQuestion(Base):
    """An open question: participants answer in their own words."""

    __tablename__ = "consultation_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    text_es: Mapped[str] = mapped_column(String(400))
    text_en: Mapped[str | None] = mapped_column(String(400))
    position: Mapped[int] = mapped_column(default=0)

    consultation: Mapped[Consultation] = relationship(back_populates="questions")

    def text(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text_es


class ConsultationParticipant(Base):
    """An anonymous participant of one consultation (no account)."""

    __tablename__ = "consultation_participants"
    __table_args__ = (
        UniqueConstraint("consultation_id", "email_key"),
        CheckConstraint(
            "email_verified_at IS NULL OR email IS NOT NULL", name="verified_has_email"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The privacy notice accepted on joining, and when.
    consent_version: Mapped[str] = mapped_column(String(20))
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254))
    email_token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    email_verified_at: Mapped[datetime | None]
    sector_slug: Mapped[str | None] = mapped_column(ForeignKey("sectors.slug"))
    state_code: Mapped[str | None] = mapped_column(ForeignKey("states.code"))
    age_range: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(20))
    #: Consent to the optional profile (its own, beside the notice's), and its version.
    profile_consented_at: Mapped[datetime | None]
    flagged_at: Mapped[datetime | None]
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    flag_reason: Mapped[str | None] = mapped_column(String(300))
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DOCUMENTED)

    @property
    def flagged(self) -> bool:
        return self.flagged_at is not None

    def __repr__(self) -> str:
        return f"<ConsultationParticipant {self.id}>"


class ConsultationVote(Base):
    """One participant's vote on one statement (a changed mind replaces it)."""

    __tablename__ = "consultation_votes"
    __table_args__ = (
        UniqueConstraint("participant_id", "statement_id"),
        CheckConstraint("value IN (-1, 0, 1)", name="value_is_a_vote"),
        # The results cache's fingerprint reads a consultation's last vote time by it
        # (`consultation.results.fingerprint`), without visiting each vote.
        Index("ix_consultation_votes_consultation_id_voted_at", "consultation_id", "voted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Repeated from the statement, so the analysis reads one consultation's votes by index.
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("consultation_participants.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("consultation_statements.id"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    voted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsultationTheme(Base):
    """A theme found in the open answers of a question (NMF), renamed, merged and assigned to a
    working group by coordinators."""

    __tablename__ = "consultation_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_questions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The words that weigh most in it, as the analysis found them.
    terms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("working_groups.id"))
    position: Mapped[int] = mapped_column(default=0)

    question: Mapped[ConsultationQuestion] = relationship()
    group: Mapped[WorkingGroup | None] = relationship()


class ConsultationAnswer(Base):
    """A participant's answer to an open question."""

    __tablename__ = "consultation_answers"
    __table_args__ = (UniqueConstraint("question_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_questions.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("consultation_participants.id"))
    text: Mapped[str] = mapped_column(Text)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_themes.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    theme: Mapped[ConsultationTheme | None] = relationship()
