"""`/api/v1/ties`: list, record, read, edit, confirm and decline ties, through the same
policy and use cases as the pages."""

from __future__ import annotations

from flask_login import current_user
from werkzeug.exceptions import NotFound

from ..api.blueprint import bp
from ..api.helpers import answer, parse_body, parse_query, require_write_scope
from ..api.openapi import operation
from ..core import clock
from ..core.db import session
from ..policy import authorize
from . import queries
from . import service as ties
from .schemas import NewTie, Tie, TieAnswer, TieEdit, TieList, TieListQuery

ERRORS = {404: ("No such tie", None), 422: ("A rule was broken", None)}


@bp.get("/ties")
@operation(
    "GET",
    summary="The coalition's ties, newest start first (coordinators)",
    tag="ties",
    query=TieListQuery,
    responses={200: ("A page of ties", TieList)},
)
def ties_list():
    authorize(current_user, "manage_ties")
    asked = parse_query(TieListQuery)
    query = queries.TieQuery(status=asked.status, kind=asked.kind.value if asked.kind else "")
    query.page = asked.page
    page = queries.tie_api_page(query, clock.today())
    return answer(
        TieList.model_validate(
            {
                "data": Tie.list_fields(page.ties),
                "total": page.total,
                "page": page.query.page,
                "pages": page.pages,
            }
        )
    )


@bp.post("/ties")
@operation(
    "POST",
    summary="Record a tie of your institution (or, as a coordinator, of any) with another",
    tag="ties",
    body=NewTie,
    writes=True,
    responses={201: ("The tie, unconfirmed", Tie), 422: ("A rule was broken", None)},
)
def record_tie():
    from models import Institution

    # Any signed-in person may ask; which institution they may record for is known from the
    # body (`record_tie`, below), so the body is read in between.
    authorize(current_user, "view_tie")
    body = parse_body(NewTie)
    recording = session.get(Institution, body.recorded_for)
    if recording is None:
        raise NotFound()
    authorize(current_user, "record_tie", recording)
    require_write_scope()
    data = ties.TieData(
        kind=body.kind,
        title=body.title,
        since=body.since,
        ends_on=body.ends_on,
        description=body.description,
        evidence_url=body.evidence_url,
    )
    other = session.get(Institution, body.other)
    tie = ties.record_tie(recording, other, data, current_user, clock.today())
    return answer(Tie.of(queries.load_tie(tie.id)), 201)


@bp.get("/ties/<int:tie_id>")
@operation("GET", summary="One tie", tag="ties", responses={200: ("The tie", Tie), **ERRORS})
def tie(tie_id: int):
    found = queries.load_tie(tie_id)
    authorize(current_user, "view_tie", found)
    return answer(Tie.of(found))


@bp.patch("/ties/<int:tie_id>")
@operation(
    "PATCH",
    summary="Edit a tie (its recording side, or a coordinator); ends_on ends it",
    tag="ties",
    body=TieEdit,
    writes=True,
    responses={200: ("The tie, updated", Tie), 409: ("Stale version", None), **ERRORS},
)
def edit_tie(tie_id: int):
    found = queries.load_tie(tie_id)
    authorize(current_user, "edit_tie", found)
    require_write_scope()
    body = parse_body(TieEdit)
    ties.edit_tie(
        found, body.data(found), current_user, clock.today(), expected_version=body.version
    )
    return answer(Tie.of(queries.load_tie(found.id)))


def _answer(tie_id: int, confirm: bool):
    found = queries.load_tie(tie_id)
    authorize(current_user, "answer_tie", found)
    require_write_scope()
    body = parse_body(TieAnswer) if not confirm else None
    ties.answer_tie(found, current_user, confirm=confirm, reason=body.reason if body else "")
    return answer(Tie.of(queries.load_tie(found.id)))


@bp.post("/ties/<int:tie_id>/confirm")
@operation(
    "POST",
    summary="Confirm a tie recorded by the other institution",
    tag="ties",
    writes=True,
    responses={200: ("The tie, confirmed", Tie), **ERRORS},
)
def confirm_tie(tie_id: int):
    return _answer(tie_id, True)


@bp.post("/ties/<int:tie_id>/decline")
@operation(
    "POST",
    summary="Decline a tie recorded by the other institution (with an optional reason)",
    tag="ties",
    body=TieAnswer,
    writes=True,
    responses={200: ("The tie, declined", Tie), **ERRORS},
)
def decline_tie(tie_id: int):
    return _answer(tie_id, False)
