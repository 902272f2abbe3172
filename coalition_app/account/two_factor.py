"""Two-factor sign-in: TOTP (RFC 6238) with one-time recovery codes, and the requirement
that coordinators and chairs use it."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
from typing import Any, cast

import pyotp
import segno
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult
from werkzeug.security import check_password_hash

from models import RecoveryCode, SiteSetting, User, utcnow

from ..audit import service as audit
from ..core import clock, sealed
from ..core.db import session, use_case
from ..core.errors import DomainError
from ..groups.queries import chairs_anything
from . import tokens

ISSUER = "Coalition"
RECOVERY_CODE_COUNT = 10
REQUIRE_SETTING = "require_two_factor_for_leads"
# One step either side of now: clocks on phones drift.
VALID_WINDOW = 1
# Pixels per QR module: about 250 px for a usual link, small enough for a 320 px screen.
QR_SCALE = 5
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters, 160 bits


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an authenticator."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """The otpauth link as a QR code in SVG, drawn here (segno): no outside service ever sees
    the secret. Black on white with the standard four-module quiet zone, so phone cameras
    read it whatever the page's colours; error correction M is what authenticator apps
    expect from printed and on-screen codes alike."""
    buffer = io.BytesIO()
    code = segno.make(uri, error="m", micro=False, boost_error=False)
    code.save(buffer, kind="svg", scale=QR_SCALE, border=4, dark="#000", light="#fff")
    return buffer.getvalue().decode("utf-8")


def _normalise(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step within the window whose code is `code`, or None."""
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def _is_totp_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


# --- enrolment --------------------------------------------------------------------------------


@use_case
def enable(user: User, secret: str, code: str) -> tuple[list[str], int]:
    """Turn two-factor on once the person proves their authenticator has the secret.

    Returns the recovery codes, in clear, for showing once, and how many personal API tokens
    were revoked: other sessions end, and no token made before (perhaps by whoever had only
    the password) goes round the second factor.
    """
    code = _normalise(code)
    if not secret or not _is_totp_code(code):
        raise DomainError(_l("Enter the 6-digit code your app shows."), field="code")
    step = _matching_step(secret, code)
    if step is None:
        raise DomainError(
            _l("That code is not right. Check the clock of your device and try again."),
            field="code",
        )
    user.totp_secret = sealed.seal(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    user.end_all_sessions()
    audit.record(user, "two_factor.enabled", "user", user.id)
    revoked = tokens.revoke_all(user, by=user, reason="two_factor")
    session.flush()
    return codes, revoked


@use_case
def disable(user: User, password: str) -> None:
    """Turn two-factor off; needs the current password. Other sessions end."""
    if not user.password_hash or not check_password_hash(user.password_hash, password or ""):
        raise DomainError(_l("Your current password is not right."), field="password")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.end_all_sessions()
    audit.record(user, "two_factor.disabled", "user", user.id)
    session.flush()


@use_case
def regenerate_recovery_codes(user: User) -> list[str]:
    """New recovery codes; the old ones stop working. Other sessions end."""
    if not user.has_two_factor:
        raise DomainError(_l("Two-factor sign-in is off."))
    codes = _replace_recovery_codes(user)
    user.end_all_sessions()
    audit.record(user, "two_factor.recovery_codes_regenerated", "user", user.id)
    session.flush()
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_digest(raw)))
    return codes


def _digest(normalised_code: str) -> str:
    return hashlib.sha256(normalised_code.encode()).hexdigest()


def unused_recovery_codes(user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


# --- the second step of signing in ---------------------------------------------------------


@use_case
def verify(user: User, code: str) -> str | None:
    """Check a TOTP or recovery code at sign-in. Returns "totp" or "recovery_code", or None.

    A TOTP code is accepted once: its time step must be later than the last one used.
    A recovery code is marked used (an atomic UPDATE, so two requests cannot both use it).
    """
    if not user.has_two_factor:
        return None
    assert user.totp_secret is not None  # has_two_factor: there is a secret
    code = _normalise(code)
    if _is_totp_code(code):
        try:
            secret = sealed.unseal(user.totp_secret)
        except sealed.UnreadableSecret:
            # The key changed: no code can match; recovery codes still work.
            current_app.logger.error("two-factor secret of user %s cannot be unsealed", user.id)
            return None
        step = _matching_step(secret, code)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            return None
        # A secret stored before sealing existed is sealed now that it has been used.
        reseal = {} if sealed.is_sealed(user.totp_secret) else {"totp_secret": sealed.seal(secret)}
        # Conditional update: a concurrent request with the same code loses the race.
        # An UPDATE's result is a CursorResult (Session.execute is typed as returning a Result).
        claimed = cast(
            CursorResult[Any],
            session.execute(
                update(User)
                .where(User.id == user.id)
                .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
                .values(totp_last_step=step, **reseal)
            ),
        ).rowcount
        session.refresh(user)
        return "totp" if claimed == 1 else None
    if len(code) != 10:
        return None
    claimed = cast(
        CursorResult[Any],
        session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _digest(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
        ),
    ).rowcount
    return "recovery_code" if claimed == 1 else None


@use_case
def record_sign_in(user: User, method: str) -> None:
    user.last_login_at = utcnow()
    audit.record(user, "sign_in", "user", user.id, two_factor=True, method=method)
    session.flush()


@use_case
def record_failure(user: User) -> None:
    audit.record(None, "sign_in_failed", "user", user.id, email=user.email, reason="two_factor")
    session.flush()


# --- the requirement --------------------------------------------------------------------------


# Asked on every request: built once (building a statement costs more than running it).
_REQUIRED_FOR_LEADS = select(SiteSetting.value).where(SiteSetting.key == REQUIRE_SETTING)
#: The setting as a column: the statement that loads the signed-in person selects it beside
#: them (`accounts.load_active_user`), so the enrolment gate costs no statement of its own.
REQUIRED_FOR_LEADS_COLUMN = _REQUIRED_FOR_LEADS.scalar_subquery()
# Where a request keeps the value it read (the WSGI environ: one request's, never another's).
_READ_IN_THIS_REQUEST = "coalition.two_factor_required_for_leads"


def note_required_for_leads(value: str | None) -> None:
    """Keep, for the rest of this request, the setting's value read with its person."""
    if has_request_context():
        request.environ[_READ_IN_THIS_REQUEST] = value == "on"


def required_for_leads() -> bool:
    if has_request_context():
        known = request.environ.get(_READ_IN_THIS_REQUEST)
        if known is not None:
            return bool(known)
    return session.scalar(_REQUIRED_FOR_LEADS) == "on"


@use_case
def set_required_for_leads(on: bool, by: User) -> None:
    setting = session.get(SiteSetting, REQUIRE_SETTING)
    value = "on" if on else "off"
    if setting is None:
        setting = SiteSetting(key=REQUIRE_SETTING, value=value)
        session.add(setting)
    setting.value = value
    setting.updated_by_id = by.id
    note_required_for_leads(value)  # what the rest of this request reads
    audit.record(by, "settings.two_factor_required", "setting", None, value=value)
    session.flush()


def is_lead(user: User) -> bool:
    """A coordinator, or a person who chairs a group today (`GroupChair.current_on`)."""
    if user.is_coordinator:
        return True
    return bool(session.scalar(select(chairs_anything(user.id, clock.today()))))


def enrolment_required(user: User) -> bool:
    """Must this person turn two-factor on before using the site?"""
    return not user.has_two_factor and required_for_leads() and is_lead(user)
