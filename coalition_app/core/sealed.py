"""Secrets the app must read back (two-factor seeds), sealed before they reach the database.

Sealed with Fernet (AES-128-CBC with HMAC-SHA256, from the `cryptography` package) under
``TWO_FACTOR_KEY``, or a key derived from ``SECRET_KEY`` (HKDF-SHA256) when none is set. A
sealed value reads ``fernet:<token>``; anything else is a value stored before sealing
existed, returned as it is so that its owner can still sign in (and have it sealed then).
Whoever reads the database or a backup without the key learns nothing of the secrets.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PREFIX = "fernet:"


class UnreadableSecret(Exception):
    """A sealed value that this key cannot open (the key changed, or the value was altered)."""


def seal(secret: str) -> str:
    return PREFIX + _fernet().encrypt(secret.encode()).decode()


def unseal(stored: str) -> str:
    if not is_sealed(stored):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise UnreadableSecret() from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def _fernet() -> Fernet:
    key = current_app.config.get("TWO_FACTOR_KEY")
    if key:
        return Fernet(key)
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"coalition two-factor secrets"
    ).derive(str(current_app.config["SECRET_KEY"]).encode())
    return Fernet(base64.urlsafe_b64encode(derived))
