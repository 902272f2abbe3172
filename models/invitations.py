"""Invitations: a one-time, expiring link with which a new person sets their password."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .base import Base, str_enum, utcnow
from .institution import Institution
from .people import Role, User


def token_digest(token: str) -> str:
    """Only this digest is stored: a leaked table does not reveal working links."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), default=Role.MEMBER)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    @validates("email")
    def _fold_email(self, _key: str, email: str) -> str:
        return email.strip().lower()

    @classmethod
    def by_token(cls, token: str) -> Select[Invitation]:
        return select(cls).where(cls.token_hash == token_digest(token))

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.email}>"
