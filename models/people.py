"""People who sign in (members of institutions and the coalition's coordinators), and the
invitations with which a new person sets their password."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .base import NAME_KEY_LENGTH, Base, comparison_key, str_enum, utcnow
from .directory import Institution

FULL_NAME_MAX = 200
TITLE_MAX = 120
PHONE_MAX = 40


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    MEMBER = "member"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # E-mail addresses are stored folded, so the unique constraint is case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("length(trim(full_name)) > 0", name="full_name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # The name folded as institutions' names are (case, accents, spacing: `comparison_key`), so
    # that a search for "lopez" finds "Ana López". Kept by the validator below.
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH), default="", server_default="")
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    is_active: Mapped[bool] = mapped_column(default=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), default=Role.MEMBER)
    locale: Mapped[str | None] = mapped_column(String(8))
    # What the person says of themselves on their profile (account/profile): a title or
    # position, and a phone shown only to signed-in people.
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    # Optimistic locking of the profile form: a save from a form built on an older version
    # is refused (two tabs, or a coordinator's correction in between), never silently undone.
    profile_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Part of every session's identity: bumping it ends all of this person's sessions
    # (sign-out, password change, deactivation, "end all sessions").
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Two-factor sign-in (TOTP, RFC 6238). The base32 secret is kept in clear (see SECURITY.md);
    # the last accepted time step refuses a code used twice within its window.
    # Sealed (coalition_app/services/sealed.py): "fernet:" and a Fernet token.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    institution: Mapped[Institution] = relationship(
        back_populates="people", lazy="joined", foreign_keys=[institution_id]
    )

    @validates("full_name")
    def _keep_name_key(self, _key: str, full_name: str) -> str:
        self.name_key = comparison_key(full_name)
        return full_name

    @validates("email")
    def _fold_email(self, _key: str, email: str) -> str:
        return email.strip().lower()

    # The interface Flask-Login expects, written out so models/ needs no Flask import.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def end_all_sessions(self) -> None:
        self.session_version = (self.session_version or 1) + 1

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


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
    # Withdrawn by a coordinator, or when the coordinator who sent it was deactivated: the
    # link then answers 410, like a used or expired one.
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    institution: Mapped[Institution] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @validates("email")
    def _fold_email(self, _key: str, email: str) -> str:
        return email.strip().lower()

    @classmethod
    def by_token(cls, token: str) -> Select[Invitation]:
        return select(cls).where(cls.token_hash == token_digest(token))

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.email}>"
