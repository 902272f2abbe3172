"""Reference lists: the five sectors and Mexico's federal entities (plus "outside Mexico")."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

OUTSIDE_MEXICO = "EXT"


class Sector(Base):
    __tablename__ = "sectors"

    slug: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_es: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_es

    def __repr__(self) -> str:
        return f"<Sector {self.slug}>"


class State(Base):
    """A federal entity by its ISO 3166-2 code, or OUTSIDE_MEXICO."""

    __tablename__ = "states"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    inegi_code: Mapped[str | None] = mapped_column(String(2))
    name_es: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    abbreviation: Mapped[str] = mapped_column(String(16))

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_es

    def __repr__(self) -> str:
        return f"<State {self.code}>"
