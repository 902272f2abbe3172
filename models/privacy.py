"""Privacy (LFPDPPP): consents given to the privacy notice, and the rights requests a person
makes (rectification, cancellation, opposition; access is the download of their data)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow

if TYPE_CHECKING:
    from .applications import Application
    from .people import User

#: What an anonymised person's name becomes (their history keeps reading correctly).
ANONYMISED_NAME = "Persona dada de baja"
#: The domain of an anonymised person's e-mail: `.invalid` is reserved, never routable.
ANONYMISED_EMAIL_DOMAIN = "baja.invalid"
REQUEST_DETAILS_MAX = 2000


class ConsentPurpose(enum.StrEnum):
    APPLICATION = "application"  # an application to join
    ACCOUNT = "account"  # an account created from an invitation
    CONSULTATION = "consultation"  # a participant of a public consultation


class Consent(Base):
    """Consent to the privacy notice of `notice_version`, for one purpose, by a person, an
    application or a consultation's participant (one of the three is named)."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(
            "user_id IS NOT NULL OR application_id IS NOT NULL OR participant IS NOT NULL",
            name="has_subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    #: A consultation's participant, as that feature names them (no account).
    participant: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose, "consent_purpose"))
    notice_version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()
    application: Mapped[Application | None] = relationship()

    def __repr__(self) -> str:
        return f"<Consent {self.id} {self.purpose} {self.notice_version}>"


class RightKind(enum.StrEnum):
    RECTIFICATION = "rectification"
    CANCELLATION = "cancellation"
    OPPOSITION = "opposition"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"  # acted on as asked
    REFUSED = "refused"  # answered with a reason, nothing changed


class PrivacyRequest(Base):
    """A person's request to exercise a right over their data; answered by `due_on` (20
    working days, `coalition_app/privacy/deadlines.py`)."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[RightKind] = mapped_column(str_enum(RightKind, "privacy_right"))
    details: Mapped[str] = mapped_column(Text, default="")
    received_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, "privacy_request_status"), default=RequestStatus.OPEN, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    def is_overdue(self, today: date) -> bool:
        return self.status == RequestStatus.OPEN and self.due_on < today

    def __repr__(self) -> str:
        return f"<PrivacyRequest {self.id} {self.kind} {self.status}>"
