"""Password rules: long enough, not a common password, not the person's own name or e-mail."""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from ..core.errors import DomainError

MIN_LENGTH = 12
MAX_LENGTH = 1024
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords"
# Words everyone here would think of first.
LOCAL_WORDS = {"coalition", "coalicion", "coalición", "ia2030", "ia2030mx", "mexico", "méxico"}


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS / "passwords.txt.gz", "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip()) | LOCAL_WORDS


def _variants(password: str) -> set[str]:
    """The password and what is left when common decorations are stripped off."""
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]{0,4}|[\W\d_]{0,8}$", "", lowered)
    return {lowered, core, re.sub(r"[\W_]", "", lowered)}


def check_new_password(password: str | None, *, email: str = "", full_name: str = "") -> None:
    """Raise DomainError (field "password") unless the password is acceptable."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise DomainError(_l("Use at least %(n)s characters.", n=MIN_LENGTH), field="password")
    if len(password) > MAX_LENGTH:
        raise DomainError(_l("That password is too long."), field="password")
    if len(set(password)) < 4:
        raise DomainError(_l("Use more varied characters."), field="password")
    if _variants(password) & common_passwords():
        raise DomainError(
            _l("That password is on a list of common passwords. Choose another."),
            field="password",
        )
    lowered = password.lower()
    personal = [email.split("@")[0].lower()] + [w.lower() for w in full_name.split()]
    if any(len(word) >= 4 and word in lowered for word in personal):
        raise DomainError(
            _l("Do not use your name or e-mail address in your password."), field="password"
        )
