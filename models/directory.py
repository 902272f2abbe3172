"""The directory: member institutions of the coalition, and the reference lists they use
(the five sectors and Mexico's federal entities, plus "outside Mexico")."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Select,
    String,
    Text,
    false,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .base import Base, Basis, comparison_key, str_enum, utcnow

if TYPE_CHECKING:
    from .groups import GroupMembership
    from .people import User


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


#: Every sector in the coalition's order (its position, then its slug): the one statement the
#: pages, forms and API list the sectors with, built once.
SECTORS_IN_ORDER = select(Sector).order_by(Sector.position, Sector.slug)


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


class Institution(Base):
    """An institution that is or was a member. Leaving sets left_on; rows are never deleted."""

    __tablename__ = "institutions"
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Case- and accent-folded name: the database itself refuses "UNAM" next to "unam".
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    sector_slug: Mapped[str] = mapped_column(ForeignKey("sectors.slug"), index=True)
    state_code: Mapped[str | None] = mapped_column(ForeignKey("states.code"), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    joined_on: Mapped[date] = mapped_column(index=True)
    left_on: Mapped[date | None] = mapped_column(index=True)
    is_founder: Mapped[bool] = mapped_column(default=False)
    #: Shown on the public site (its directory, open data and figures); chosen by its people
    #: or a coordinator. On for those whose membership is documented in the sources.
    is_listed: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    basis: Mapped[Basis] = mapped_column(str_enum(Basis, "basis"), default=Basis.DEMO)
    #: Where the facts come from, as written (the seeds write English); `source_es` is its
    #: Spanish translation, kept only while `source` is unchanged (an edit clears it).
    source: Mapped[str | None] = mapped_column(Text)
    source_es: Mapped[str | None] = mapped_column(Text)
    #: The person the coalition speaks to at this institution (named by its people or a
    #: coordinator; an approved application makes its contact the focal point).
    focal_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, name="fk_institutions_focal_point_id_users")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(onupdate=utcnow)

    sector: Mapped[Sector] = relationship(lazy="joined", innerjoin=True)
    state: Mapped[State | None] = relationship(lazy="joined")
    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="institution")
    people: Mapped[list[User]] = relationship(
        back_populates="institution", foreign_keys="User.institution_id"
    )
    focal_point: Mapped[User | None] = relationship(foreign_keys=[focal_point_id], post_update=True)

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        name = " ".join(name.split())
        self.name_key = comparison_key(name)
        return name

    @validates("source")
    def _drop_stale_translation(self, _key: str, source: str | None) -> str | None:
        # The Spanish text translated the source being replaced (a form, an import): drop it.
        if self.source is not None and source != self.source:
            self.source_es = None
        return source

    def source_in(self, locale: str) -> str | None:
        """The provenance in `locale`: the Spanish translation on Spanish pages, if there is one."""
        if locale == "es" and self.source_es:
            return self.source_es
        return self.source

    def is_active_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)

    @classmethod
    def active_on(cls, day: date) -> ColumnElement[bool]:
        """Condition selecting institutions that were members on `day`."""
        return (cls.joined_on <= day) & ((cls.left_on.is_(None)) | (cls.left_on > day))

    @classmethod
    def by_name(cls, name: str) -> Select[Institution]:
        return select(cls).where(cls.name_key == comparison_key(name))

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.acronym or self.name!r}>"
