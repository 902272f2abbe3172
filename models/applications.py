"""Applications to join the coalition: what an institution's contact sent through the public
form, the confirmation of their e-mail, the coordinators' review and the messages exchanged.

An application never creates an account by itself: approving it creates the institution and
an invitation for its contact (who becomes the focal point when they accept it).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .base import Base, str_enum, utcnow

if TYPE_CHECKING:
    from .directory import Institution, Sector, State
    from .people import Invitation, User

MOTIVATION_MAX = 2000
MESSAGE_MAX = 2000


class ApplicationStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # sent; the e-mail is not confirmed yet (nobody sees it)
    PENDING = "pending"  # confirmed: in the coordinators' queue
    MORE_INFO = "more_info"  # a coordinator asked the applicant for more information
    APPROVED = "approved"
    DECLINED = "declined"


#: The statuses an application is still waiting in (the queue's "to review").
OPEN_STATUSES = (ApplicationStatus.PENDING, ApplicationStatus.MORE_INFO)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("contact_email = lower(contact_email)", name="email_lowercase"),
        CheckConstraint("length(trim(institution_name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_name: Mapped[str] = mapped_column(String(200))
    acronym: Mapped[str | None] = mapped_column(String(40))
    sector_slug: Mapped[str] = mapped_column(ForeignKey("sectors.slug"))
    state_code: Mapped[str | None] = mapped_column(ForeignKey("states.code"))
    website: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_title: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254), index=True)
    #: The working groups of interest, by id (the approve form preselects them).
    group_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    motivation: Mapped[str] = mapped_column(Text, default="")
    principles_accepted: Mapped[bool] = mapped_column(default=False)
    #: The privacy notice accepted with the application (its consent row says the same).
    notice_version: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status"),
        default=ApplicationStatus.UNCONFIRMED,
        index=True,
    )
    # Only digests of the two secret links are kept.
    confirm_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    #: The contact's invitation; accepting it makes them the institution's focal point.
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"), unique=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    sector: Mapped[Sector] = relationship(lazy="joined", innerjoin=True)
    state: Mapped[State | None] = relationship(lazy="joined")
    institution: Mapped[Institution | None] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    decided_by: Mapped[User | None] = relationship()
    messages: Mapped[list[ApplicationMessage]] = relationship(
        back_populates="application", order_by="ApplicationMessage.id"
    )

    __mapper_args__: dict[str, Any] = {"version_id_col": version}

    @validates("contact_email")
    def _fold_email(self, _key: str, email: str) -> str:
        return email.strip().lower()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.institution_name!r} {self.status}>"


class MessageKind(enum.StrEnum):
    REQUEST = "request"  # a coordinator asks for more information
    ANSWER = "answer"  # the applicant answers
    DECLINE = "decline"  # the reason of a decline
    APPROVE = "approve"  # the welcome sent with the approval


class ApplicationMessage(Base):
    """A message between the coordinators and the applicant (shown on the status page)."""

    __tablename__ = "application_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, "application_message_kind"))
    #: The coordinator who wrote it; None: the applicant.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ApplicationMessage {self.id} {self.kind}>"
