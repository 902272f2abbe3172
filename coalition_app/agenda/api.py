"""`/api/v1/agenda`, `/api/v1/recommendations`, `/api/v1/positions`: read them, and answer an
endorsement with the same policy as the pages."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from models import Institution, RecommendationStatus
from models import Position as PositionRow
from models import Recommendation as RecommendationRow

from ..api.blueprint import bp
from ..api.helpers import answer, parse_body, require_write_scope
from ..api.openapi import operation
from ..core.db import session
from ..policy import authorize, can, require_visible
from . import publishing, service
from . import queries as q
from .schemas import Agenda, Edition, EndorsementIn, Position, PositionList, Recommendation


def _recommendation(rec: RecommendationRow) -> Recommendation:
    adopted = rec.status == RecommendationStatus.ADOPTED
    tally = q.tallies(recommendations=[rec])[("recommendation", rec.id)] if adopted else None
    return Recommendation.of(rec, q.evidence_items([rec])[rec.id], tally)


@bp.get("/agenda")
@operation(
    "GET",
    summary="The coalition's agenda: adopted recommendations and the published editions",
    tag="agenda",
    responses={200: ("The agenda", Agenda)},
)
def agenda():
    authorize(current_user, "view_coalition")
    return answer(
        Agenda(
            # The live agenda's data: kept as the page's is (the same key).
            recommendations=publishing.kept("api_agenda", q.live_agenda_key(), _adopted),
            editions=[
                Edition(
                    number=e.number,
                    published_on=e.published_on,
                    recommendations=len(e.snapshot.get("recommendations", [])),
                )
                for e in q.editions()
            ],
        )
    )


def _adopted() -> list[Recommendation]:
    recs = q.adopted_recommendations()
    evidence = q.evidence_items(recs)
    tallies = q.tallies(recommendations=recs)
    return [Recommendation.of(r, evidence[r.id], tallies[("recommendation", r.id)]) for r in recs]


@bp.get("/recommendations/<int:recommendation_id>")
@operation(
    "GET",
    summary="One recommendation, with its evidence (and its tally once adopted)",
    tag="agenda",
    responses={200: ("The recommendation", Recommendation), 404: ("No such recommendation", None)},
)
def recommendation(recommendation_id: int):
    rec = q.load_recommendation(recommendation_id)
    authorize(current_user, "view_recommendation", rec)
    return answer(_recommendation(rec))


@bp.get("/positions")
@operation(
    "GET",
    summary="The coalition's positions (drafts only for coordinators), with their tallies",
    tag="agenda",
    responses={200: ("Every position you may see", PositionList)},
)
def positions():
    authorize(current_user, "view_coalition")
    items = q.positions(include_drafts=can(current_user, "manage_positions"))
    tallies = q.tallies(positions=items)
    return answer(PositionList(data=[Position.of(p, tallies[("position", p.id)]) for p in items]))


def _position(position_id: int) -> PositionRow:
    position = q.load_position(position_id)
    require_visible(current_user, "view_position", position)
    return position


@bp.get("/positions/<int:position_id>")
@operation(
    "GET",
    summary="One position, with its answers by sector and whether it has a single voice",
    tag="agenda",
    responses={200: ("The position", Position), 404: ("No such position", None)},
)
def position(position_id: int):
    p = _position(position_id)
    return answer(Position.of(p, q.tally_position(p)))


def _institution(body: EndorsementIn) -> Institution | None:
    return session.scalar(select(Institution).where(Institution.id == body.institution_id))


@bp.post("/positions/<int:position_id>/endorsement")
@operation(
    "POST",
    summary="Answer a position for an institution (its focal point or an authorised person)",
    tag="agenda",
    body=EndorsementIn,
    writes=True,
    responses={
        200: ("The position, with the new tally", Position),
        403: ("You do not answer for that institution, or the position is not open", None),
        404: ("No such position", None),
        422: ("A rule was broken", None),
    },
)
def endorse_position(position_id: int):
    p = _position(position_id)
    body = parse_body(EndorsementIn)
    institution = _institution(body)
    authorize(current_user, "endorse", (institution, p) if institution else None)
    require_write_scope()
    assert institution is not None
    service.answer(p, institution, current_user, body.answer, body.note)
    return answer(Position.of(p, q.tally_position(p)))


@bp.post("/recommendations/<int:recommendation_id>/endorsement")
@operation(
    "POST",
    summary="Answer an adopted recommendation for an institution",
    tag="agenda",
    body=EndorsementIn,
    writes=True,
    responses={
        200: ("The recommendation, with the new tally", Recommendation),
        403: ("You do not answer for that institution, or it is not adopted", None),
        404: ("No such recommendation", None),
        422: ("A rule was broken", None),
    },
)
def endorse_recommendation(recommendation_id: int):
    rec = q.load_recommendation(recommendation_id)
    authorize(current_user, "view_recommendation", rec)
    body = parse_body(EndorsementIn)
    institution = _institution(body)
    authorize(current_user, "endorse", (institution, rec) if institution else None)
    require_write_scope()
    assert institution is not None
    service.answer(rec, institution, current_user, body.answer, body.note)
    return answer(_recommendation(rec))
