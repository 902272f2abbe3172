"""`/api/v1/institutions`: the directory, with its filters and pages, and one institution."""

from __future__ import annotations

import math

from flask import request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from models import Institution as InstitutionRow

from ..api.blueprint import bp
from ..api.helpers import answer, parse_query
from ..api.openapi import operation
from ..api.schemas import Links, Meta, Sector, State
from ..core import clock
from ..core.db import session
from ..groups import service as groups_service
from ..policy import authorize
from . import service as directory
from .schemas import (
    LIST_COLUMNS,
    Institution,
    InstitutionDetail,
    InstitutionPage,
    InstitutionQuery,
)


@bp.get("/institutions")
@operation(
    "GET",
    summary="Institutions, with the directory's filters",
    tag="institutions",
    query=InstitutionQuery,
    responses={200: ("One page of institutions", InstitutionPage)},
)
def institutions():
    authorize(current_user, "view_directory")
    sectors, states = directory.reference_lists()
    groups = groups_service.list_groups()
    params = parse_query(
        InstitutionQuery,
        context={
            "sector": {s.slug for s in sectors},
            "state": {s.code for s in states},
            "group": {g.slug for g in groups},
        },
    )
    # The directory reads the filters as for its page (they were checked just now).
    args = MultiDict(request.args)
    args.pop("per_page", None)
    args["page"] = "1"
    query = directory.DirectoryQuery.from_args(args)

    today = clock.today()
    page, per_page = params.page, params.per_page
    conditions = directory.matching_conditions(query, today, groups)
    total = session.scalar(select(func.count()).select_from(InstitutionRow).where(*conditions))
    last = max(1, math.ceil(total / per_page))
    # Rows of the columns the resource shows, not objects each joined to its sector and
    # state: those come from the reference lists above.
    statement = directory.in_directory_order(
        select(*LIST_COLUMNS, InstitutionRow.active_on(today).label("active")).where(*conditions),
        query,
    )
    rows = session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    sector_of = {s.slug: Sector.of(s) for s in sectors}
    state_of = {s.code: State.of(s) for s in states}

    def link(number: int) -> str:
        args = query.args(page=1)
        args.update({"page": str(number), "per_page": str(per_page)})
        return url_for("api.institutions", **args)

    return answer(
        InstitutionPage(
            data=[Institution.of_row(row, sector_of, state_of) for row in rows],
            links=Links(
                self=link(page),
                first=link(1),
                last=link(last),
                next=link(page + 1) if page < last else None,
                prev=link(min(page - 1, last)) if page > 1 else None,
            ),
            meta=Meta(page=page, per_page=per_page, total=total),
        )
    )


@bp.get("/institutions/<int:institution_id>")
@operation(
    "GET",
    summary="One institution, with its group memberships and deliverables",
    tag="institutions",
    responses={200: ("The institution", InstitutionDetail), 404: ("No such institution", None)},
)
def institution(institution_id: int):
    authorize(current_user, "view_directory")
    today = clock.today()
    return answer(InstitutionDetail.of(directory.profile(institution_id, today), today))
