"""Accounts: checking credentials, loading the signed-in person, passwords and sessions."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import lazyload
from werkzeug.security import check_password_hash, generate_password_hash

from models import PAGES, User, utcnow
from models.people import FULL_NAME_MAX, PHONE_MAX, TITLE_MAX
from models.versions import stamp_columns, stamp_text

from ..audit import service as audit
from ..core import outbox, page_cache
from ..core.db import session, use_case
from ..core.errors import DomainError, EditConflict
from ..core.links import external_url
from ..notifications import service as notifications
from . import tokens, two_factor
from .passwords import check_new_password

# Compared against when the e-mail is unknown, so a wrong address costs as long as a wrong
# password and the response time says nothing about which accounts exist.
_UNKNOWN_USER_HASH = (
    "scrypt:32768:8:1$k2zVJfJ1eYb0Vw0T$7e1b3d2f3f0b0c4d5fb5e3a0fbd8f1b2c5a4f7e2c8d1b9a6e4f3c2b1"
    "a0d9e8f7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6"
)
RESET_SALT = "password-reset"


def hash_password(password: str) -> str:
    return generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _current_parameters(method: str) -> str:
    """The 'method:params' prefix that hashes made now carry, e.g. 'scrypt:32768:8:1'."""
    return generate_password_hash("probe", method).split("$", 1)[0]


def needs_rehash(password_hash: str) -> bool:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    return password_hash.split("$", 1)[0] != _current_parameters(method)


@use_case
def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (whatever the reason)."""
    address = email.strip().lower()
    user = session.scalar(select(User).where(User.email == address))
    if user is None or not user.password_hash:
        check_password_hash(_UNKNOWN_USER_HASH, password)
        _record_failure(None, address, "unknown account")
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        _record_failure(user, address, "inactive" if user.is_active is False else "password")
        return None
    if needs_rehash(user.password_hash):
        # The hashing parameters moved on since this hash was made: upgrade it now that we
        # briefly know the password.
        user.password_hash = hash_password(password)
    if user.has_two_factor:
        # Only half a sign-in: account.two_factor records the sign-in after the second step.
        audit.record(user, "sign_in.password_ok", "user", user.id)
    else:
        user.last_login_at = utcnow()
        audit.record(user, "sign_in", "user", user.id)
    session.flush()
    return user


def _record_failure(user: User | None, address: str, reason: str) -> None:
    audit.record(
        None,
        "sign_in_failed",
        "user",
        user.id if user else None,
        email=address[:254],
        reason=reason,
    )


# Every request loads its person: the statement is built once (building costs more than
# running it), and the institution loads only when a page asks for it. What every signed-in
# request asks next comes along in the same statement: the two-factor requirement, the
# person's unread count (the layout's badge) and the "pages" data version (the page cache's
# key), so that a page served from the cache runs this one statement.
_SIGNED_IN_USER = (
    select(
        User,
        two_factor.REQUIRED_FOR_LEADS_COLUMN,
        notifications.UNREAD_COUNT_COLUMN,
        *stamp_columns(PAGES),
    )
    .where(User.id == bindparam("user_id"))
    .options(lazyload(User.institution))
)


def load_active_user(session_id: str) -> User | None:
    """The person a session belongs to, if the session is still valid ("id.version")."""
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    row = session.execute(_SIGNED_IN_USER, {"user_id": int(user_id)}).first()
    if row is None:
        return None
    user, two_factor_required, unread, pages_version, pages_changed_at = row
    two_factor.note_required_for_leads(two_factor_required)
    if not user.is_active or user.session_version != int(version):
        return None
    notifications.note_unread_count(user.id, unread)
    page_cache.note_pages_version(stamp_text(pages_version, pages_changed_at))
    user_found: User = user
    return user_found


@use_case
def end_all_sessions(user: User, by: User | None = None, reason: str = "sign_out") -> int:
    """Every session of this person, on every device and server, stops working now.

    Ended on purpose ("ended": a coordinator's "end all sessions", a lost laptop), their
    personal API tokens are revoked too; signing out ("sign_out") leaves them alone. Returns
    how many tokens were revoked.
    """
    user.end_all_sessions()
    audit.record(by or user, f"sessions.{reason}", "user", user.id)
    revoked = tokens.revoke_all(user, by=by, reason=reason) if reason == "ended" else 0
    session.flush()
    return revoked


@use_case
def change_password(user: User, current: str, new: str, confirm: str) -> int:
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise DomainError(_l_current_wrong(), field="current_password")
    return set_password(user, new, confirm)


@use_case
def set_password(user: User, new: str, confirm: str) -> int:
    """Set a new password (checked against the rules); other sessions end and the personal
    API tokens are revoked (whoever knew the old password may have made one). Returns how
    many tokens were revoked."""
    if (new or "") != (confirm or ""):
        raise DomainError(_l_mismatch(), field="confirm")
    check_new_password(new, email=user.email, full_name=user.full_name)
    user.password_hash = hash_password(new)
    user.end_all_sessions()
    audit.record(user, "password.set", "user", user.id)
    revoked = tokens.revoke_all(user, by=user, reason="password")
    session.flush()
    return revoked


def _l_current_wrong() -> object:  # a lazy translation

    return _l("Your current password is not right.")


def _l_mismatch() -> object:  # a lazy translation

    return _l("The two passwords differ.")


# --- password reset by e-mail ---------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def reset_token(user: User) -> str:
    """A signed token naming the user and a fingerprint of their current password hash:
    once the password changes, the token no longer matches (single use)."""
    return _serializer().dumps({"u": user.id, "h": (user.password_hash or "")[-16:]})


@use_case
def set_language(user: User, code: str) -> None:
    """Remember the language a person chose, for their next sign-ins and their e-mail."""
    user.locale = code
    session.flush()


@use_case
def send_reset_link(email: str) -> None:
    """Queue a reset link to this address if it has an active account; nothing else.

    Known or not, the request takes the same steps (one look-up, one audit row) and the
    e-mail, when there is one, leaves after the commit through the outbox: the caller
    answers the same, in about the same time (one INSERT apart), and a failing mail server
    changes nothing in the request. Addresses without an account get no e-mail: the form
    must not let anyone make the coalition write to any address.
    """
    address = (email or "").strip().lower()[:254]
    user = user_by_email(address)
    active = user if user is not None and user.is_active else None
    audit.record(
        None,
        "password.reset_requested",
        "user",
        active.id if active else None,
        email=address,
    )
    if active is None:
        return
    link = external_url("account.reset_password", token=reset_token(active))
    with force_locale(active.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("[Coalition] Reset your password")
        body = _(
            "Someone asked to reset the password of your Coalition account. "
            "If it was you, open this link within an hour (it works once):"
            "\n\n%(link)s\n\nIf it was not you, ignore this message.",
            link=link,
        )
    if outbox.queue(address, subject, body) is None and current_app.debug:
        current_app.logger.info("Password reset link (mail is off): %s", link)


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = session.get(User, data["u"])
    if user is None or not user.is_active or (user.password_hash or "")[-16:] != data.get("h"):
        return None
    return user


def user_by_email(email: str) -> User | None:
    return session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def user_by_id(user_id: int) -> User | None:
    return session.get(User, user_id)


# --- one's own profile ----------------------------------------------------------------------

PHONE_CHARACTERS = frozenset("0123456789 +-().")
PHONE_DIGITS = (8, 15)  # a local number without its area code is too short; E.164 allows 15


def normalise_phone(value: str | None) -> str | None:
    """A phone as typed, spaces collapsed; None when blank. Refused (next to the field) unless
    it is 8 to 15 digits written with spaces, hyphens, dots, parentheses and a leading "+"."""
    text = " ".join((value or "").split())
    if not text:
        return None
    digits = sum(character in "0123456789" for character in text)
    low, high = PHONE_DIGITS
    if (
        not set(text) <= PHONE_CHARACTERS
        or "+" in text[1:]
        or not low <= digits <= high
        or len(text) > PHONE_MAX
    ):
        raise DomainError(
            _l(
                "Enter a phone number of %(low)s to %(high)s digits, e.g. +52 55 1234 5678: "
                "only digits, spaces, hyphens, dots, parentheses and a “+” at the start.",
                low=low,
                high=high,
            ),
            field="phone",
        )
    return text


@use_case
def update_profile(
    user: User,
    *,
    expected_version: int | None,
    full_name: str,
    title: str | None,
    phone: str | None,
    locale: str,
) -> list[str]:
    """Save what a person says of themselves; the names of the fields that changed.

    `expected_version` is the profile version the form was built from: when the profile was
    saved since (another tab, another device), nothing is written and `EditConflict` says so.
    The check and the write are one conditional UPDATE, so two saves at once cannot both win.
    """
    name = " ".join((full_name or "").split())
    if not name:
        raise DomainError(_l("Enter your name."), field="full_name")
    if len(name) > FULL_NAME_MAX:
        raise DomainError(_l("Your name is too long."), field="full_name")
    title = " ".join((title or "").split()) or None
    if title is not None and len(title) > TITLE_MAX:
        raise DomainError(_l("The title is too long."), field="title")
    phone = normalise_phone(phone)
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Choose one of the languages offered."), field="locale")
    if expected_version is None or expected_version != user.profile_version:
        raise EditConflict(user, None, None)
    values = {"full_name": name, "title": title, "phone": phone, "locale": locale}
    changed = [key for key, value in values.items() if getattr(user, key) != value]
    if not changed:
        return []  # nothing to write: no new version, no audit row, no cached page dropped
    result = session.execute(
        update(User)
        .where(User.id == user.id, User.profile_version == expected_version)
        .values(**values, profile_version=expected_version + 1)
    )
    if not cast(CursorResult[Any], result).rowcount:
        raise EditConflict(user, None, None)
    audit.record(user, "profile.updated", "user", user.id, fields=changed)
    session.flush()
    return changed
