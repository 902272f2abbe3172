"""The directory of institutions: search, profiles, and the coordinator's membership changes."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Protocol, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    UnaryExpression,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import QueryableAttribute, joinedload, lazyload
from werkzeug.exceptions import BadRequest, NotFound

from models import (
    SECTORS_IN_ORDER,
    Basis,
    Deliverable,
    GroupMembership,
    Institution,
    Sector,
    State,
    Tie,
    User,
    WorkingGroup,
    comparison_key,
)

from ..audit import service as audit
from ..core.db import session, use_case
from ..core.errors import DomainError, DomainErrors
from ..core.paging import Paged, page_number

PAGE_SIZE = 25
SORTS = ("name", "sector", "state", "joined_on")
STATUSES = ("all", "active", "former")
SelectT = TypeVar("SelectT", bound="Select[*tuple[Any, ...]]")


# --- searching --------------------------------------------------------------------------------


@dataclass
class DirectoryQuery:
    """What the directory page was asked for; `from_args` refuses values it does not know."""

    q: str = ""
    sector: str = ""
    state: str = ""
    group: str = ""
    founder: str = ""  # "", "yes", "no"
    status: str = "all"
    sort: str = "name"
    desc: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> DirectoryQuery:
        query = cls(
            q=" ".join(args.get("q", "").split())[:200],
            sector=args.get("sector", ""),
            state=args.get("state", ""),
            group=args.get("group", ""),
            founder=args.get("founder", ""),
            status=args.get("status", "all") or "all",
            sort=args.get("sort", "name") or "name",
            desc=args.get("dir", "asc") == "desc",
        )
        query.page = page_number(args.get("page"))
        if query.sort not in SORTS or query.status not in STATUSES:
            raise BadRequest()
        if query.founder not in ("", "yes", "no") or args.get("dir", "asc") not in ("asc", "desc"):
            raise BadRequest()
        return query

    def args(self, **changes: object) -> dict[str, str]:
        """Query-string arguments for a link to this query with some values changed."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        out = {
            "q": values["q"],
            "sector": values["sector"],
            "state": values["state"],
            "group": values["group"],
            "founder": values["founder"],
            "status": "" if values["status"] == "all" else values["status"],
            "sort": "" if values["sort"] == "name" else values["sort"],
            "dir": "desc" if values["desc"] else "",
            "page": "" if values["page"] == 1 else str(values["page"]),
        }
        return {k: v for k, v in out.items() if v}


@dataclass
class DirectoryPage(Paged):
    page_size = PAGE_SIZE

    query: DirectoryQuery
    institutions: list[Any]  # DirectoryRow: what the table shows of each
    total: int
    active: int
    former: int
    pages: int
    sectors: list[Sector]
    states: list[State]
    groups: list[WorkingGroup]
    today: date


def matching_conditions(
    query: DirectoryQuery, today: date, groups: list[WorkingGroup]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.q:
        key = comparison_key(query.q)
        conditions.append(
            or_(
                Institution.name_key.contains(key, autoescape=True),
                func.lower(Institution.acronym).contains(query.q.lower(), autoescape=True),
            )
        )
    if query.sector:
        conditions.append(Institution.sector_slug == query.sector)
    if query.state:
        conditions.append(Institution.state_code == query.state)
    if query.group:
        group = next((g for g in groups if g.slug == query.group), None)
        if group is None:
            raise BadRequest()
        conditions.append(
            exists().where(
                GroupMembership.institution_id == Institution.id,
                GroupMembership.group_id == group.id,
                GroupMembership.current_on(today),
            )
        )
    if query.founder:
        conditions.append(Institution.is_founder.is_(query.founder == "yes"))
    if query.status == "active":
        conditions.append(Institution.active_on(today))
    elif query.status == "former":
        conditions.append(~Institution.active_on(today))
    return conditions


def in_directory_order(statement: SelectT, query: DirectoryQuery) -> SelectT:
    def direction(column: QueryableAttribute[Any]) -> UnaryExpression[Any]:
        return column.desc() if query.desc else column.asc()

    if query.sort == "sector":
        statement = statement.join(Sector, Sector.slug == Institution.sector_slug)
        keys = [direction(Sector.position), Institution.name_key]
    elif query.sort == "state":
        statement = statement.outerjoin(State, State.code == Institution.state_code)
        keys = [State.name_es.is_(None), direction(State.name_es), Institution.name_key]
    elif query.sort == "joined_on":
        keys = [direction(Institution.joined_on), Institution.name_key]
    else:
        keys = [direction(Institution.name_key)]
    return statement.order_by(*keys, Institution.id)


def directory_page(query: DirectoryQuery, today: date) -> DirectoryPage:
    """One page of the directory in a fixed number of queries (five), whatever the data."""
    sectors = list(session.scalars(SECTORS_IN_ORDER))
    states = list(session.scalars(select(State).order_by(State.name_es)))
    groups = list(session.scalars(select(WorkingGroup).order_by(WorkingGroup.position)))
    if query.sector and query.sector not in {s.slug for s in sectors}:
        raise BadRequest()
    if query.state and query.state not in {s.code for s in states}:
        raise BadRequest()
    conditions = matching_conditions(query, today, groups)
    active = Institution.active_on(today)
    total, active_count = session.execute(
        select(func.count(), func.coalesce(func.sum(case((active, 1), else_=0)), 0))
        .select_from(Institution)
        .where(*conditions)
    ).one()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    query.page = min(query.page, pages)
    # Rows, not Institution objects with their sector and state (loading those cost more
    # than the query); the sector's and state's names come from the lists above.
    statement = in_directory_order(
        select(
            Institution.id,
            Institution.name,
            Institution.acronym,
            Institution.is_founder,
            Institution.sector_slug,
            Institution.state_code,
            Institution.joined_on,
            active.label("active"),
        ).where(*conditions),
        query,
    )
    institutions = list(
        session.execute(statement.limit(PAGE_SIZE).offset((query.page - 1) * PAGE_SIZE))
    )
    return DirectoryPage(
        query=query,
        institutions=institutions,
        total=total,
        active=int(active_count),
        former=total - int(active_count),
        pages=pages,
        sectors=sectors,
        states=states,
        groups=groups,
        today=today,
    )


# --- profile ------------------------------------------------------------------------------------


@dataclass
class TieView:
    other: Institution
    tie: Tie


#: People shown on a profile page at a time (an institution may have many).
PEOPLE_PAGE_SIZE = 20


@dataclass
class Profile:
    institution: Institution
    memberships: list[GroupMembership]
    people: list[User]
    ties: list[TieView]
    deliverables: list[Deliverable]
    today: date
    people_total: int = 0
    people_page: int = 1

    @property
    def people_pages(self) -> int:
        return max(1, math.ceil(self.people_total / PEOPLE_PAGE_SIZE))

    @property
    def current_memberships(self) -> list[GroupMembership]:
        return [m for m in self.memberships if m.current_on(self.today)]

    @property
    def past_memberships(self) -> list[GroupMembership]:
        return [m for m in self.memberships if not m.current_on(self.today)]


def load_institution(institution_id: int) -> Institution:
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFound()
    return institution


# The profile's statements, built once (building one cost more than running it).
_PROFILE_INSTITUTION = (
    select(Institution)
    .where(Institution.id == bindparam("institution_id"))
    # The focal point's institution is this one: not joined again (with its sector and state).
    .options(joinedload(Institution.focal_point).lazyload(User.institution))
)
_PROFILE_MEMBERSHIPS = (
    select(GroupMembership)
    .where(GroupMembership.institution_id == bindparam("institution_id"))
    .options(joinedload(GroupMembership.group))
    .order_by(GroupMembership.since.desc(), GroupMembership.id)
)
_PROFILE_PEOPLE_TOTAL = (
    select(func.count()).select_from(User).where(User.institution_id == bindparam("institution_id"))
)
_PROFILE_PEOPLE = (
    select(User)
    .where(User.institution_id == bindparam("institution_id"))
    # Their institution is the profile's, already loaded: not joined again for each person.
    .options(lazyload(User.institution))
    .order_by(User.is_active.desc(), User.full_name, User.id)
    .limit(PEOPLE_PAGE_SIZE)
    .offset(bindparam("offset", type_=Integer))
)
_PROFILE_TIES = (
    select(Tie)
    .where(
        or_(
            Tie.institution_a_id == bindparam("institution_id"),
            Tie.institution_b_id == bindparam("institution_id"),
        )
    )
    # The other institution's name and link only: not its sector and state.
    .options(
        joinedload(Tie.institution_a).options(
            lazyload(Institution.sector), lazyload(Institution.state)
        ),
        joinedload(Tie.institution_b).options(
            lazyload(Institution.sector), lazyload(Institution.state)
        ),
    )
    .order_by(Tie.since.desc(), Tie.id)
)
_PROFILE_DELIVERABLES = (
    select(Deliverable)
    .where(
        Deliverable.owner_institution_id == bindparam("institution_id"),
        Deliverable.archived_at.is_(None),
    )
    .options(joinedload(Deliverable.group))
    .order_by(Deliverable.due_on.is_(None), Deliverable.due_on, Deliverable.id)
)


def profile(institution_id: int, today: date, people_page: int = 1) -> Profile:
    """Everything the profile page shows, in a fixed number of queries (seven): its people a
    page at a time (`PEOPLE_PAGE_SIZE`), active first, by name."""
    key = {"institution_id": institution_id}
    institution = session.scalar(_PROFILE_INSTITUTION, key)
    if institution is None:
        raise NotFound()
    memberships = list(session.scalars(_PROFILE_MEMBERSHIPS, key))
    people_total = session.scalar(_PROFILE_PEOPLE_TOTAL, key) or 0
    people_page = max(1, min(people_page, math.ceil(people_total / PEOPLE_PAGE_SIZE) or 1))
    offset = (people_page - 1) * PEOPLE_PAGE_SIZE
    people = list(session.scalars(_PROFILE_PEOPLE, {**key, "offset": offset}))
    ties = session.scalars(_PROFILE_TIES, key).all()
    tie_views = [
        TieView(t.institution_b if t.institution_a_id == institution.id else t.institution_a, t)
        for t in ties
    ]
    deliverables = list(session.scalars(_PROFILE_DELIVERABLES, key))
    return Profile(
        institution,
        memberships,
        people,
        tie_views,
        deliverables,
        today,
        people_total=people_total,
        people_page=people_page,
    )


@use_case
def set_focal_point(institution: Institution, person_id: int | None, by: User) -> None:
    """Name the person the coalition speaks to (one of its active people), or nobody."""
    person = session.get(User, person_id) if person_id is not None else None
    if person_id is not None and (
        person is None or person.institution_id != institution.id or not person.is_active
    ):
        raise DomainError(_l("Choose one of the institution's active people."), field="person_id")
    before = institution.focal_point
    if (before.id if before else None) == person_id:
        return
    institution.focal_point = person
    institution.focal_point_id = person.id if person else None
    audit.record(
        by,
        "institution.focal_point",
        "institution",
        institution.id,
        person_id=person.id if person else None,
        before_id=before.id if before else None,
    )
    session.flush()


# --- coordinator's changes --------------------------------------------------------------------


@dataclass
class InstitutionData:
    """The editable facts of an institution, as a form or an imported row gives them."""

    name: str
    sector_slug: str
    joined_on: date
    acronym: str | None = None
    state_code: str | None = None
    website: str | None = None
    left_on: date | None = None
    is_founder: bool = False
    basis: Basis = Basis.DOCUMENTED
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_PARENTHESIS = re.compile(r"\s*\([^)]*\)")


@dataclass
class ReferenceSets:
    """The sectors' slugs and the states' codes, and every way a coordinator may write them:
    the Spanish or English name, the abbreviation, with or without accents, in any case."""

    sectors: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)
    sector_names: dict[str, str] = field(default_factory=dict)
    state_names: dict[str, str] = field(default_factory=dict)
    sector_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    state_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> ReferenceSets:
        refs = cls()
        for sector in session.scalars(SECTORS_IN_ORDER):
            refs.sectors.add(sector.slug)
            refs.sector_labels[sector.slug] = (sector.name_es, sector.name_en)
            for written in (sector.slug, sector.name_es, sector.name_en):
                refs.sector_names.setdefault(comparison_key(written), sector.slug)
                # "Industria (sector privado)" is also just "Industria".
                short = _PARENTHESIS.sub("", written)
                refs.sector_names.setdefault(comparison_key(short), sector.slug)
        for state in session.scalars(select(State).order_by(State.code)):
            refs.states.add(state.code)
            refs.state_labels[state.code] = (state.name_es, state.name_en)
            written_as = (state.code, state.name_es, state.name_en, state.abbreviation)
            for written in written_as:
                refs.state_names.setdefault(comparison_key(written), state.code)
        return refs

    def sector(self, written: str) -> str | None:
        """The slug of the sector written as its slug or its name in Spanish or English."""
        return self.sector_names.get(comparison_key(written))

    def state(self, written: str) -> str | None:
        """The code of the state written as its code, name (Spanish or English) or
        abbreviation: "Yucatán", "yucatan", "MX-YUC"."""
        return self.state_names.get(comparison_key(written))


def rule_errors(data: InstitutionData, today: date, refs: ReferenceSets) -> list[DomainError]:
    """Every rule the data breaks (not uniqueness, which needs the database)."""
    errors = []
    if not data.name or not data.name.strip():
        errors.append(DomainError(_l("Give the institution's name."), field="name"))
    if data.sector_slug not in refs.sectors:
        errors.append(DomainError(_l("Unknown sector."), field="sector"))
    if data.state_code and data.state_code not in refs.states:
        errors.append(DomainError(_l("Unknown state."), field="state"))
    if data.joined_on > today:
        errors.append(DomainError(_l("The join date cannot be in the future."), field="joined_on"))
    if data.left_on is not None and data.left_on < data.joined_on:
        errors.append(
            DomainError(_l("The end date cannot be before the join date."), field="left_on")
        )
    if data.website and not data.website.startswith(("http://", "https://")):
        errors.append(
            DomainError(_l("The website must start with http:// or https://."), field="website")
        )
    return errors


def duplicate_of(name: str, except_id: int | None = None) -> Institution | None:
    """An institution whose name equals this one once case, accents and spacing are ignored."""
    statement = select(Institution).where(Institution.name_key == comparison_key(name))
    if except_id is not None:
        statement = statement.where(Institution.id != except_id)
    return session.scalar(statement)


class DuplicateName(DomainError):
    """The name is taken (case and accents ignored); `existing` is the institution that has it,
    so a page can link to its profile."""

    def __init__(self, existing: Institution) -> None:
        super().__init__(
            _l(
                "“%(name)s” is already in the directory (case and accents are ignored).",
                name=existing.name,
            ),
            field="name",
        )
        self.existing = existing


def institution_errors(
    data: InstitutionData, today: date, except_id: int | None = None
) -> list[DomainError]:
    """Every rule the data breaks, the unique name included, so all are shown at once."""
    errors = rule_errors(data, today, ReferenceSets.load())
    other = duplicate_of(data.name, except_id) if data.name.strip() else None
    if other is not None:
        errors.append(DuplicateName(other))
    return errors


def _check(data: InstitutionData, today: date, except_id: int | None = None) -> None:
    errors = institution_errors(data, today, except_id)
    if errors:
        raise DomainErrors(errors)


@use_case
def create_institution(data: InstitutionData, by: User, today: date) -> Institution:
    _check(data, today)
    institution = Institution(**data.as_dict())
    session.add(institution)
    session.flush()
    audit.record(by, "institution.create", "institution", institution.id, **data.as_dict())
    return institution


@use_case
def update_institution(
    institution: Institution, data: InstitutionData, by: User, today: date
) -> Institution:
    """Save edits; the membership's end date is changed with `end_membership` only."""
    data.left_on = institution.left_on
    _check(data, today, except_id=institution.id)
    changes = {}
    for key, value in data.as_dict().items():
        if key == "left_on":
            continue
        before = getattr(institution, key)
        if before != value:
            changes[key] = [before, value]
            setattr(institution, key, value)
    if changes:
        audit.record(by, "institution.update", "institution", institution.id, changes=changes)
    session.flush()
    return institution


@use_case
def end_membership(institution: Institution, left_on: date, by: User, today: date) -> None:
    """The institution leaves on `left_on`: it stays in the directory, as former from then."""
    if institution.left_on is not None:
        raise DomainError(_l("This membership has already ended."), field="left_on")
    if left_on < institution.joined_on:
        raise DomainError(_l("The end date cannot be before the join date."), field="left_on")
    institution.left_on = left_on
    closed = close_group_memberships(institution, left_on)
    audit.record(
        by,
        "institution.end_membership",
        "institution",
        institution.id,
        left_on=left_on,
        groups_left=closed,
    )
    session.flush()


def close_group_memberships(institution: Institution, day: date) -> list[str]:
    """An institution that leaves the coalition leaves its groups the same day: their rows
    are closed then (the leadership history keeps them). Returns the groups' slugs."""
    rows = session.scalars(
        select(GroupMembership)
        .where(
            GroupMembership.institution_id == institution.id,
            GroupMembership.until.is_(None) | (GroupMembership.until > day),
        )
        .options(joinedload(GroupMembership.group))
    ).all()
    for membership in rows:
        # A row that would only start after the exit is closed where it starts.
        membership.until = max(day, membership.since)
    # Its people stop chairing the groups it led, the same day.
    from ..groups.service import close_chairships

    close_chairships(institution.id, day)
    return sorted(m.group.slug for m in rows)


# --- choosing an institution by typing its name (the pickers) --------------------------------


class Candidate(Protocol):
    """What a picker needs of an institution it offers (an `Institution`, or a lighter row)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def name_key(self) -> str: ...
    @property
    def acronym(self) -> str | None: ...


CandidateT = TypeVar("CandidateT", bound=Candidate)


def institution_named(written: str, candidates: Sequence[CandidateT]) -> CandidateT | None:
    """The candidate the picker's text names: its name (case, accents and spacing ignored)
    or, when only one has it, its acronym."""
    key = comparison_key(written)
    by_name = [i for i in candidates if i.name_key == key]
    if by_name:
        return by_name[0]
    by_acronym = [i for i in candidates if i.acronym and comparison_key(i.acronym) == key]
    return by_acronym[0] if len(by_acronym) == 1 else None


def similar_institutions(
    written: str, candidates: Sequence[Candidate], limit: int = 5
) -> list[str]:
    """Names of candidates whose name or acronym holds the text: suggestions for a miss."""
    key = comparison_key(written)
    if not key:
        return []
    return [
        i.name
        for i in candidates
        if key in i.name_key or (i.acronym and key in comparison_key(i.acronym))
    ][:limit]


def picked_institution(written: str, candidates: Sequence[CandidateT], field: str) -> CandidateT:
    """The candidate a picker's text names; if none, a message next to `field` that names
    the candidates the text could mean."""
    found = institution_named(written, candidates)
    if found is not None:
        return found
    similar = similar_institutions(written, candidates)
    if similar:
        raise DomainError(
            _l(
                "No active member institution is called “%(written)s”. Did you mean: "
                "%(names)s? Choose one from the list.",
                written=written,
                names="; ".join(similar),
            ),
            field=field,
        )
    raise DomainError(
        _l(
            "No active member institution is called “%(written)s”. Type part of its name or "
            "acronym and choose it from the list.",
            written=written,
        ),
        field=field,
    )


def reference_lists() -> tuple[list[Sector], list[State]]:
    return (
        list(session.scalars(SECTORS_IN_ORDER)),
        list(session.scalars(select(State).order_by(State.name_es))),
    )
