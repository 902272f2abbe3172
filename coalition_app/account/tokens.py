"""Personal API tokens: create (the token is shown once), list, revoke, authenticate."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from werkzeug.exceptions import NotFound

from models import ApiToken, TokenScope, User, token_digest, utcnow

from ..audit import service as audit
from ..core.db import session, use_case
from ..core.errors import DomainError

PREFIX = "coal_"
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


def new_token_value() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
        )
    )


@use_case
def create_token(user: User, name: str, scope: TokenScope) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token, which is never shown again."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_l("Give the token a name."), field="name")
    active = sum(1 for token in tokens_of(user) if token.revoked_at is None)
    if active >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            _l("You have %(count)s active tokens: revoke one first.", count=active), field="name"
        )
    value = new_token_value()
    token = ApiToken(user_id=user.id, name=name[:100], token_hash=token_digest(value), scope=scope)
    session.add(token)
    session.flush()
    audit.record(user, "api_token.create", "api_token", token.id, name=token.name, scope=scope)
    session.flush()
    return token, value


def load_own_token(token_id: int, user: User) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    return token


@use_case
def revoke_token(token: ApiToken, by: User) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    audit.record(by, "api_token.revoke", "api_token", token.id, name=token.name)
    session.flush()


@use_case
def revoke_all(user: User, by: User | None, reason: str) -> int:
    """Revoke every live token of this person (a password change, two-factor turned on, their
    sessions ended or their account deactivated: whatever reached the API before must sign in
    again). Returns how many were live."""
    # An UPDATE's result is a CursorResult (Session.execute is typed as returning a Result).
    revoked = cast(
        CursorResult[Any],
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        ),
    ).rowcount
    if revoked:
        audit.record(
            by or user, "api_token.revoke_all", "user", user.id, reason=reason, count=revoked
        )
        session.flush()
    return revoked


def authenticate(value: str) -> ApiToken | None:
    """The live token with this value (not revoked, its person active), or None."""
    if not value.startswith(PREFIX) or len(value) > 200:
        return None
    token = session.scalar(ApiToken.by_token(value))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite gives naive UTC datetimes back
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        token.last_used_at = now  # committed with the request
    return token
