"""The ties' read side: a tie with its history, the coalition-wide list, the picker's list."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import BadRequest, NotFound

from models import Institution, Tie, TieKind, TieStatus, TieUpdate, User

from ..core.db import session
from ..core.paging import Paged, page_number

PAGE_SIZE = 50


def load_tie(tie_id: int) -> Tie:
    """The tie with both institutions and the people who recorded and answered it."""
    tie = session.scalar(
        select(Tie)
        .where(Tie.id == tie_id)
        .options(
            joinedload(Tie.institution_a),
            joinedload(Tie.institution_b),
            joinedload(Tie.recorded_by),
            joinedload(Tie.answered_by),
            joinedload(Tie.recorded_for),
        )
    )
    if tie is None:
        raise NotFound()
    return tie


def history(tie: Tie) -> list[TieUpdate]:
    """Every change of the tie, oldest first, with its author (one query)."""
    return list(
        session.scalars(
            select(TieUpdate)
            .where(TieUpdate.tie_id == tie.id)
            .options(joinedload(TieUpdate.author))
            .order_by(TieUpdate.created_at, TieUpdate.id)
        )
    )


def partner_candidates(recording: Institution, today: date) -> list[Institution]:
    """The active member institutions a tie of `recording` may join, by name."""
    return list(
        session.scalars(
            select(Institution)
            .where(Institution.active_on(today), Institution.id != recording.id)
            .order_by(Institution.name_key)
        )
    )


def people_of(institution: Institution) -> list[User]:
    return list(
        session.scalars(
            select(User)
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
    ties: list[Tie]
    total: int
    pages: int
    today: date


def _conditions(query: TieQuery, today: date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.kind:
        conditions.append(Tie.kind == TieKind(query.kind))
    if query.status in {s.value for s in TieStatus}:
        conditions.append(Tie.status == TieStatus(query.status))
    elif query.status == "current":
        conditions += [
            Tie.status != TieStatus.DECLINED,
            Tie.since <= today,
            Tie.ends_on.is_(None) | (Tie.ends_on >= today),
        ]
    elif query.status == "ended":
        conditions += [Tie.status != TieStatus.DECLINED, Tie.ends_on < today]
    return conditions


def tie_page(query: TieQuery, today: date) -> TiePage:
    """One page of the coalition's ties, newest start first, in two queries."""
    conditions = _conditions(query, today)
    total = session.scalar(select(func.count()).select_from(Tie).where(*conditions)) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    query.page = min(query.page, pages)
    ties = list(
        session.scalars(
            select(Tie)
            .where(*conditions)
            .options(joinedload(Tie.institution_a), joinedload(Tie.institution_b))
            .order_by(Tie.since.desc(), Tie.id.desc())
            .limit(PAGE_SIZE)
            .offset((query.page - 1) * PAGE_SIZE)
        )
    )
    return TiePage(query=query, ties=ties, total=total, pages=pages, today=today)


def every_tie() -> list[Tie]:
    """Every tie, for the CSV export (one query)."""
    return list(
        session.scalars(
            select(Tie)
            .options(
                joinedload(Tie.institution_a),
                joinedload(Tie.institution_b),
                joinedload(Tie.recorded_for),
            )
            .order_by(Tie.since, Tie.id)
        )
    )
