"""The ties' read side: a tie with its history, the coalition-wide list, the picker's list."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, ColumnElement, Integer, Select, bindparam, func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased, joinedload, lazyload
from werkzeug.exceptions import BadRequest, NotFound

from models import Institution, Tie, TieKind, TieStatus, TieUpdate, User

from ..core.db import session
from ..core.paging import Paged, page_number

PAGE_SIZE = 50


def _named(*relationships: Any) -> list[Any]:
    """Join the institutions and people a tie names, not what they join themselves (each
    institution's sector and state, each person's institution: rows nobody shows here, left
    to load on the rare access)."""
    options = []
    for relationship in relationships:
        if relationship.property.mapper.class_ is User:
            options.append(joinedload(relationship).lazyload(User.institution))
        else:
            options.append(
                joinedload(relationship).options(
                    lazyload(Institution.sector), lazyload(Institution.state)
                )
            )
    return options


@cache
def _tie_statement() -> Select[Tie]:
    """Built once (building its loader options cost about as much as running it)."""
    return (
        select(Tie)
        .where(Tie.id == bindparam("tie_id"))
        .options(
            *_named(
                Tie.institution_a,
                Tie.institution_b,
                Tie.recorded_by,
                Tie.answered_by,
                Tie.recorded_for,
            )
        )
    )


def load_tie(tie_id: int) -> Tie:
    """The tie with both institutions and the people who recorded and answered it."""
    tie = session.scalar(_tie_statement(), {"tie_id": tie_id})
    if tie is None:
        raise NotFound()
    return tie


def history(tie: Tie) -> list[TieUpdate]:
    """Every change of the tie, oldest first, with its author (one query)."""
    return list(
        session.scalars(
            select(TieUpdate)
            .where(TieUpdate.tie_id == tie.id)
            .options(joinedload(TieUpdate.author).lazyload(User.institution))
            .order_by(TieUpdate.created_at, TieUpdate.id)
        )
    )


class Candidate(NamedTuple):
    """An institution the tie form offers, as its picker needs it."""

    id: int
    name: str
    name_key: str
    acronym: str | None


def partner_candidates(recording: Institution, today: date) -> list[Candidate]:
    """The active member institutions a tie of `recording` may join, by name (rows, not
    objects: the picker offers every one of them)."""
    return [
        Candidate(*row)
        for row in session.execute(
            select(Institution.id, Institution.name, Institution.name_key, Institution.acronym)
            .where(Institution.active_on(today), Institution.id != recording.id)
            .order_by(Institution.name_key)
        )
    ]


def people_of(institution: Institution) -> list[Row[int, str]]:
    """The institution's active people (key and name: a choice list of them), by name."""
    return list(
        session.execute(
            select(User.id, User.full_name)
            .where(User.institution_id == institution.id, User.is_active.is_(True))
            .order_by(User.full_name, User.id)
        )
    )


STATUS_FILTERS = ("", *(s.value for s in TieStatus), "current", "ended")


@dataclass
class TieQuery:
    status: str = ""
    kind: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> TieQuery:
        query = cls(status=args.get("status", ""), kind=args.get("kind", ""))
        if query.status not in STATUS_FILTERS:
            raise BadRequest()
        if query.kind and query.kind not in {k.value for k in TieKind}:
            raise BadRequest()
        query.page = page_number(args.get("page"))
        return query

    def args(self, **changes: object) -> dict[str, str]:
        values = {"status": self.status, "kind": self.kind, "page": self.page, **changes}
        out = {
            "status": str(values["status"]),
            "kind": str(values["kind"]),
            "page": "" if values["page"] == 1 else str(values["page"]),
        }
        return {k: v for k, v in out.items() if v}


@dataclass
class TiePage(Paged):
    page_size = PAGE_SIZE

    query: TieQuery
    ties: list[Any]  # Tie objects (the API) or `TieRow`s (the page)
    total: int
    pages: int
    today: date


# The list's statements are built once per shape of filter (building them cost more than
# running them); the filter's values, the day and the page are bound per call.


def _shape(query: TieQuery) -> tuple[bool, str]:
    """Which conditions the query needs: a kind or not, and which status filter."""
    status = "exact" if query.status in {s.value for s in TieStatus} else query.status
    return bool(query.kind), status


def _values(query: TieQuery, today: date) -> dict[str, Any]:
    return {
        "kind": TieKind(query.kind) if query.kind else None,
        "status": TieStatus(query.status) if _shape(query)[1] == "exact" else None,
        "today": today,
    }


def _conditions(kind: bool, status: str) -> list[ColumnElement[bool]]:
    today: BindParameter[date] = bindparam("today")
    conditions: list[ColumnElement[bool]] = []
    if kind:
        conditions.append(Tie.kind == bindparam("kind"))
    if status == "exact":
        conditions.append(Tie.status == bindparam("status"))
    elif status == "current":
        conditions += [
            Tie.status != TieStatus.DECLINED,
            Tie.since <= today,
            Tie.ends_on.is_(None) | (Tie.ends_on >= today),
        ]
    elif status == "ended":
        conditions += [Tie.status != TieStatus.DECLINED, Tie.ends_on < today]
    return conditions


@cache
def _count_statement(kind: bool, status: str) -> Select[int]:
    return select(func.count()).select_from(Tie).where(*_conditions(kind, status))


def _paged(statement: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    return (
        statement.order_by(Tie.since.desc(), Tie.id.desc())
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


@cache
def _api_rows_statement(kind: bool, status: str) -> Select[*tuple[Any, ...]]:
    """The API list's columns, in `schemas.Tie.list_fields`' order: the tie, its two
    institutions, and who recorded it, for whom, and who answered (Core rows: fifty Tie
    objects with five joined objects each were half of the request)."""
    a, b, recorded_for = aliased(Institution), aliased(Institution), aliased(Institution)
    recorded_by, answered_by = aliased(User), aliased(User)
    return _paged(
        select(
            Tie.id,
            a.id,
            a.name,
            b.id,
            b.name,
            Tie.kind,
            Tie.title,
            Tie.since,
            Tie.ends_on,
            Tie.description,
            Tie.evidence_url,
            Tie.status,
            recorded_for.id,
            recorded_for.name,
            recorded_by.id,
            recorded_by.full_name,
            Tie.recorded_at,
            answered_by.id,
            answered_by.full_name,
            Tie.answered_at,
            Tie.version,
        )
        .join(a, a.id == Tie.institution_a_id)
        .join(b, b.id == Tie.institution_b_id)
        .outerjoin(recorded_for, recorded_for.id == Tie.recorded_for_id)
        .outerjoin(recorded_by, recorded_by.id == Tie.recorded_by_id)
        .outerjoin(answered_by, answered_by.id == Tie.answered_by_id)
        .where(*_conditions(kind, status))
    )


def _label(institution: type[Institution]) -> ColumnElement[str]:
    """An institution as a list names it: its acronym, else its name."""
    return func.coalesce(func.nullif(institution.acronym, ""), institution.name)


@cache
def _rows_statement(kind: bool, status: str) -> Select[*tuple[Any, ...]]:
    a, b = aliased(Institution), aliased(Institution)
    return _paged(
        select(
            Tie.id,
            Tie.title,
            Tie.kind,
            Tie.since,
            Tie.ends_on,
            Tie.status,
            Tie.institution_a_id,
            _label(a),
            Tie.institution_b_id,
            _label(b),
        )
        .join(a, a.id == Tie.institution_a_id)
        .join(b, b.id == Tie.institution_b_id)
        .where(*_conditions(kind, status))
    )


def _counted_page(query: TieQuery, today: date) -> tuple[dict[str, Any], int, int]:
    """The bound values of the query's page, the number of ties it matches and of pages."""
    values = _values(query, today)
    total = session.scalar(_count_statement(*_shape(query)), values) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    query.page = min(query.page, pages)
    values.update(limit=PAGE_SIZE, offset=(query.page - 1) * PAGE_SIZE)
    return values, total, pages


def tie_api_page(query: TieQuery, today: date) -> TiePage:
    """One page of ties for the API, as rows of `_api_rows_statement`'s columns, in two
    queries."""
    values, total, pages = _counted_page(query, today)
    ties = list(session.execute(_api_rows_statement(*_shape(query)), values))
    return TiePage(query=query, ties=ties, total=total, pages=pages, today=today)


class TieRow(NamedTuple):
    """What the list page shows of a tie."""

    id: int
    title: str | None
    kind: TieKind
    since: date
    ends_on: date | None
    status: TieStatus
    institution_a_id: int
    institution_a_label: str
    institution_b_id: int
    institution_b_label: str


def tie_rows_page(query: TieQuery, today: date) -> TiePage:
    """The list page's page of ties as rows (no Tie or Institution objects: loading fifty of
    each cost more than the query), in two queries."""
    values, total, pages = _counted_page(query, today)
    rows = session.execute(_rows_statement(*_shape(query)), values)
    ties = [TieRow(*row) for row in rows]
    return TiePage(query=query, ties=ties, total=total, pages=pages, today=today)


def every_tie() -> list[Tie]:
    """Every tie, for the CSV export (one query)."""
    return list(
        session.scalars(
            select(Tie)
            .options(*_named(Tie.institution_a, Tie.institution_b, Tie.recorded_for))
            .order_by(Tie.since, Tie.id)
        )
    )
