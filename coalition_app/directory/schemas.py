"""The directory's API resources: `Institution`, `InstitutionDetail`, and the list's query."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticUseDefault

from models import Basis, GroupRole
from models import Institution as InstitutionRow

from ..api.schemas import DeliverableRef, GroupRef, Page, Refusal, Schema, Sector, State
from ..core.url_patterns import row_url
from . import service as directory

MAX_PER_PAGE = 100
LAST_PAGE = 9_999_999


class Institution(Schema):
    id: int
    name: str
    acronym: str | None
    sector: Sector
    state: State | None
    website: str | None
    joined_on: date
    left_on: date | None
    active: bool
    is_founder: bool
    basis: Basis
    url: str

    @classmethod
    def fields_of(cls, institution: InstitutionRow, today: date) -> dict[str, Any]:
        return {
            "id": institution.id,
            "name": institution.name,
            "acronym": institution.acronym,
            "sector": Sector.of(institution.sector),
            "state": State.of(institution.state),
            "website": institution.website,
            "joined_on": institution.joined_on,
            "left_on": institution.left_on,
            "active": institution.is_active_on(today),
            "is_founder": institution.is_founder,
            "basis": institution.basis,
            "url": row_url("api.institution", "institution_id", institution.id),
        }

    @classmethod
    def of(cls, institution: InstitutionRow, today: date) -> Institution:
        return cls(**cls.fields_of(institution, today))

    @classmethod
    def of_row(
        cls, row: Any, sectors: dict[str, Sector], states: dict[str, State | None]
    ) -> Institution:
        """An institution of a list, from a row of `LIST_COLUMNS` and ``active``, its sector and
        state from the reference lists (each loaded once, not joined to every row)."""
        return cls(
            id=row.id,
            name=row.name,
            acronym=row.acronym,
            sector=sectors[row.sector_slug],
            state=None if row.state_code is None else states[row.state_code],
            website=row.website,
            joined_on=row.joined_on,
            left_on=row.left_on,
            active=row.active,
            is_founder=row.is_founder,
            basis=row.basis,
            url=row_url("api.institution", "institution_id", row.id),
        )


#: The columns `Institution.of_row` reads (and ``active``: `InstitutionRow.active_on`, the
#: same rule as `is_active_on`, as a SQL column).
LIST_COLUMNS = (
    InstitutionRow.id,
    InstitutionRow.name,
    InstitutionRow.acronym,
    InstitutionRow.sector_slug,
    InstitutionRow.state_code,
    InstitutionRow.website,
    InstitutionRow.joined_on,
    InstitutionRow.left_on,
    InstitutionRow.is_founder,
    InstitutionRow.basis,
)


class Membership(Schema):
    group: GroupRef
    role: GroupRole
    since: date
    until: date | None

    @classmethod
    def of(cls, membership) -> Membership:
        return cls(
            group=GroupRef.of(membership.group),
            role=membership.role,
            since=membership.since,
            until=membership.until,
        )


class InstitutionDetail(Institution):
    """An institution with its group memberships (every one, past ones too) and the
    deliverables it owns."""

    memberships: list[Membership]
    deliverables: list[DeliverableRef]

    @classmethod
    def of(cls, profile: directory.Profile, today: date) -> InstitutionDetail:
        return cls(
            **cls.fields_of(profile.institution, today),
            memberships=[Membership.of(m) for m in profile.memberships],
            deliverables=[DeliverableRef.of(d) for d in profile.deliverables],
        )


class InstitutionPage(Page[Institution]):
    """One page of institutions: follow `links.next` until it is null to read everything."""


# --- the list's query string -----------------------------------------------------------------


def _empty_is_default(value: Any) -> Any:
    if value == "":
        raise PydanticUseDefault()
    return value


def _page_number(value: Any) -> Any:
    """Digits (at most 7); blank is the default."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise PydanticUseDefault()
        if not (value.isascii() and value.isdigit()) or len(value) > 7:
            raise ValueError("not a page number")
        return int(value)
    return value


def _whole_number_refusal(name: str, high: int):
    return Refusal(
        _l("%(name)s must be a whole number from %(low)s to %(high)s.", name=name, low=1, high=high)
    )


Choice = BeforeValidator(_empty_is_default)


class InstitutionQuery(Schema):
    """The directory page's filters, and the page. Unknown parameters are ignored.

    The fields are in the order they are checked: the first refused one is answered."""

    q: Annotated[
        str,
        Field(
            description="Name or acronym contains (case and accents ignored; the first 200 "
            "characters count)"
        ),
    ] = ""
    founder: Annotated[Literal["", "yes", "no"], Field(description="Founding members or not")] = ""
    status: Annotated[Literal[directory.STATUSES], Choice] = "all"
    sort: Annotated[Literal[directory.SORTS], Choice] = "name"
    dir: Literal["asc", "desc"] = "asc"
    page: Annotated[
        int,
        Field(ge=1, le=LAST_PAGE),
        BeforeValidator(_page_number),
        _whole_number_refusal("page", LAST_PAGE),
    ] = 1
    per_page: Annotated[
        int,
        Field(ge=1, le=MAX_PER_PAGE),
        BeforeValidator(_page_number),
        _whole_number_refusal("per_page", MAX_PER_PAGE),
    ] = 25
    sector: Annotated[
        str, Field(max_length=32, description="Sector slug"), Refusal(_l("Unknown sector."))
    ] = ""
    state: Annotated[
        str,
        Field(max_length=8, description="State code, e.g. MX-CMX"),
        Refusal(_l("Unknown state.")),
    ] = ""
    group: Annotated[
        str, Field(max_length=40, description="Working group slug (current members)")
    ] = ""

    @field_validator("sector", "state", "group")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        """Only a sector, state or group that exists (given in the validation context)."""
        known = (info.context or {}).get(info.field_name)
        if value and known is not None and value not in known:
            raise ValueError(f"unknown {info.field_name}")
        return value
