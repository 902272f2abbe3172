"""Declarative base shared by every model. Plain SQLAlchemy: no Flask here."""

from __future__ import annotations

import enum
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


#: Where the coalition lives: its "today" is this zone's day (the app may configure another).
COALITION_TIMEZONE = "America/Mexico_City"


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_now(zone: str = COALITION_TIMEZONE) -> datetime:
    """The current moment in the coalition's zone (the app's clock, `core.clock`, uses this)."""
    return utcnow().astimezone(ZoneInfo(zone))


def str_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value as a short string guarded by a CHECK constraint.

    Native enum types are avoided: adding a value to a PostgreSQL ENUM needs special
    migrations, and SQLite has none.
    """
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


NAME_KEY_LENGTH = 200


def comparison_key(text: str) -> str:
    """The form of a name used to detect duplicates: case, accents and spacing ignored.

    >>> comparison_key("  Secretaría de  Economía ") == comparison_key("secretaria de economia")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Folding can lengthen a name ("ß" -> "ss"): the key is capped to fit its column.
    return " ".join(without_marks.casefold().split())[:NAME_KEY_LENGTH]


class Basis(enum.StrEnum):
    """How we know a seeded fact: from a public document, a report, or invented for the demo."""

    DOCUMENTED = "documented"
    REPORTED = "reported"
    DEMO = "demo"


#: The largest id the databases' integer keys hold (SQLite raises on a larger number, and
#: PostgreSQL's integer stops there): an id from outside beyond it is simply not found.
MAX_ID = 2**31 - 1
