"""Accounts: checking credentials and loading the signed-in person."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash

from models import User, utcnow

from ..db import session

# Compared against when the e-mail is unknown, so a wrong address costs as long as a wrong
# password and the response time says nothing about which accounts exist.
_UNKNOWN_USER_HASH = (
    "scrypt:32768:8:1$k2zVJfJ1eYb0Vw0T$7e1b3d2f3f0b0c4d5fb5e3a0fbd8f1b2c5a4f7e2c8d1b9a6e4f3c2b1"
    "a0d9e8f7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6"
)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (whatever the reason)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.password_hash:
        check_password_hash(_UNKNOWN_USER_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    session.commit()
    return user


def load_active_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    return user
