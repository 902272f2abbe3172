"""Recommendations: the workflow draft → review → approved → adopted, its permission matrix
(the database unchanged after every refusal), amendments accepted as new versions with a
readable diff, evidence, and the edit conflict."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import (
    Amendment,
    AmendmentStatus,
    AuditEvent,
    Comment,
    Deliverable,
    Recommendation,
    RecommendationEvidence,
    RecommendationStatus,
    RecommendationVersion,
)

S = RecommendationStatus


def fresh(db_session, obj):
    """The row as the database has it now (requests end the session their objects came from)."""
    db_session.expire_all()
    return db_session.get(type(obj), obj.id)


ROLES = ("coordinator", "chair", "member", "outsider")


def _state(db_session, rec_id: int) -> tuple:
    """Everything an action on a recommendation could change."""
    db_session.expire_all()
    rec = db_session.get(Recommendation, rec_id)
    count = lambda model: db_session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(model.recommendation_id == rec_id)
    )
    amendments = tuple(
        db_session.scalars(select(Amendment.status).where(Amendment.recommendation_id == rec_id))
    )
    return (
        rec.status,
        rec.text,
        rec.version,
        count(RecommendationVersion),
        count(Comment),
        amendments,
        db_session.scalar(select(func.count()).select_from(Recommendation)),
    )


def _request(action: str, rec: Recommendation, world, amendment_id: int | None):
    base = f"/recommendations/{rec.id}"
    return {
        "create": (
            f"/groups/{world.group.slug}/recommendations",
            {"title": "Nueva", "text": "Texto nuevo"},
        ),
        "edit": (
            f"{base}/edit",
            {"title": "Otro título", "text": "Otro texto", "version": rec.version},
        ),
        "submit": (f"{base}/move", {"target": "review", "version": rec.version}),
        "back_to_draft": (f"{base}/move", {"target": "draft", "version": rec.version}),
        "comment": (f"{base}/comments", {"body": "Un comentario"}),
        "amend": (f"{base}/amendments", {"proposed_text": "Un texto mejor"}),
        "decide": (f"/amendments/{amendment_id}/decide", {"decision": "accept"}),
        "approve": (f"{base}/move", {"target": "approved", "version": rec.version}),
        "adopt": (f"{base}/move", {"target": "adopted", "version": rec.version}),
    }[action]


# (action, the recommendation's situation, who may: every other role is refused with 403)
MATRIX = [
    ("create", S.DRAFT, {"coordinator", "chair", "member"}),
    ("edit", S.DRAFT, {"coordinator", "chair", "member"}),
    ("edit", S.REVIEW, set()),
    ("submit", S.DRAFT, {"chair"}),
    ("back_to_draft", S.REVIEW, {"chair"}),
    ("comment", S.REVIEW, {"coordinator", "chair", "member"}),
    ("comment", S.DRAFT, set()),
    ("amend", S.REVIEW, {"coordinator", "chair", "member"}),
    ("amend", S.APPROVED, set()),
    ("decide", S.REVIEW, {"chair"}),
    ("approve", S.REVIEW, {"chair"}),
    ("adopt", S.APPROVED, {"coordinator"}),
    ("adopt", S.REVIEW, set()),
]


@pytest.mark.parametrize(
    ("action", "status", "allowed"), MATRIX, ids=[f"{a}-{s.value}" for a, s, _ in MATRIX]
)
def test_the_workflow_s_permission_matrix(
    world, make_recommendation, signed_in, db_session, action, status, allowed
):
    clients = {role: signed_in(world.people[role]) for role in ROLES}
    for role in ROLES:
        rec = make_recommendation(status=status)
        # An open amendment only where it is what the action decides (it would bar approval).
        amendment = Amendment(
            recommendation=rec,
            author_id=world.people["member"].id,
            proposed_text="Otro",
            base_number=1,
            status=AmendmentStatus.OPEN if action == "decide" else AmendmentStatus.REJECTED,
            reason=None if action == "decide" else "No",
        )
        db_session.add(amendment)
        db_session.commit()
        before = _state(db_session, rec.id)
        path, data = _request(action, rec, world, amendment.id)
        response = clients[role].post(path, data=data)
        if role in allowed:
            assert response.status_code == 302, (role, response.get_data(as_text=True)[:300])
            assert _state(db_session, rec.id) != before
        else:
            assert response.status_code == 403, role
            assert _state(db_session, rec.id) == before, role


def test_a_recommendation_goes_from_draft_to_the_agenda(world, signed_in, db_session):
    chair, member, coordinator = (world.people[r] for r in ("chair", "member", "coordinator"))
    as_member, as_chair = signed_in(member), signed_in(chair)
    response = as_chair.post(
        f"/groups/{world.group.slug}/recommendations",
        data={
            "title": "Registro de algoritmos",
            "text": "Publicar un registro.",
            "rationale": "Transparencia.",
        },
    )
    rec = db_session.scalar(
        select(Recommendation).where(Recommendation.title == "Registro de algoritmos")
    )
    assert response.headers["Location"] == f"/recommendations/{rec.id}"
    as_member.post(
        f"/recommendations/{rec.id}/edit",
        data={"title": rec.title, "text": "Publicar un registro público.", "version": rec.version},
    )
    rec = fresh(db_session, rec)
    assert (
        as_chair.post(f"/recommendations/{rec.id}/move", data={"target": "review"}).status_code
        == 302
    )
    as_member.post(
        f"/recommendations/{rec.id}/amendments",
        data={"proposed_text": "Publicar un registro abierto."},
    )
    first = db_session.scalar(select(Amendment).where(Amendment.recommendation_id == rec.id))
    # A rejection needs its reason; said next to nothing else, the amendment stays open.
    page = as_chair.post(f"/amendments/{first.id}/decide", data={"decision": "reject"})
    assert page.status_code == 400 and "Indique por qué se rechaza la enmienda." in page.get_data(
        as_text=True
    )
    as_chair.post(
        f"/amendments/{first.id}/decide", data={"decision": "reject", "reason": "Ya es público."}
    )
    first = fresh(db_session, first)
    assert (first.status, first.reason) == (AmendmentStatus.REJECTED, "Ya es público.")
    as_member.post(
        f"/recommendations/{rec.id}/amendments",
        data={"proposed_text": "Publicar un registro público y consultable.", "note": "Más claro"},
    )
    second = db_session.scalar(select(Amendment).where(Amendment.status == AmendmentStatus.OPEN))
    # No approval while an amendment waits for its decision.
    page = as_chair.post(f"/recommendations/{rec.id}/move", data={"target": "approved"})
    assert page.status_code == 400
    assert "Acepte o rechace cada enmienda abierta antes de aprobar." in page.get_data(as_text=True)
    as_chair.post(f"/amendments/{second.id}/decide", data={"decision": "accept"})
    rec = fresh(db_session, rec)
    assert rec.text == "Publicar un registro público y consultable."
    versions = [(v.number, v.reason, v.text) for v in rec.versions]
    assert versions == [
        (1, "created", "Publicar un registro."),
        (2, "edited", "Publicar un registro público."),
        (3, "amendment", "Publicar un registro público y consultable."),
    ]
    page = as_member.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    # Version 3 against version 2, word by word.
    assert "<del>público.</del><ins>público y consultable.</ins>" in page
    assert (
        as_chair.post(f"/recommendations/{rec.id}/move", data={"target": "approved"}).status_code
        == 302
    )
    page = signed_in(coordinator).get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "Aprobada por Chema Chair" in page and "Adoptar en la agenda" in page
    assert (
        signed_in(coordinator)
        .post(f"/recommendations/{rec.id}/move", data={"target": "adopted"})
        .status_code
        == 302
    )
    rec = fresh(db_session, rec)
    assert rec.status == S.ADOPTED and rec.adopted_by_id == coordinator.id
    agenda = as_member.get("/agenda").get_data(as_text=True)
    assert "Registro de algoritmos" in agenda and "Ética T" in agenda
    actions = set(
        db_session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == rec.id))
    )
    assert {
        "recommendation.create",
        "recommendation.edit",
        "recommendation.status",
        "amendment.propose",
        "amendment.decide",
    } <= actions
    # The audit page tells them in words.
    trail = signed_in(coordinator).get("/audit/?action=amendment.decide").get_data(as_text=True)
    assert (
        "Chema Chair</a> aceptó una enmienda a la recomendación "
        f'<a href="/recommendations/{rec.id}">Registro de algoritmos</a>'
    ) in trail


def test_a_stale_edit_is_a_conflict_that_keeps_what_was_typed(
    world, make_recommendation, signed_in, db_session
):
    rec = make_recommendation()
    old_version = rec.version
    member, chair = signed_in(world.people["member"]), signed_in(world.people["chair"])
    chair.post(
        f"/recommendations/{rec.id}/edit",
        data={"title": rec.title, "text": "El texto de la presidencia", "version": old_version},
    )
    response = member.post(
        f"/recommendations/{rec.id}/edit",
        data={"title": rec.title, "text": "Lo que escribió la persona", "version": old_version},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Lo que escribió la persona" in page and "No se guardó" in page
    rec = fresh(db_session, rec)
    assert rec.text == "El texto de la presidencia"


def test_evidence_is_a_deliverable_or_meeting_of_the_group(
    world, make_recommendation, make_group, signed_in, db_session
):
    rec = make_recommendation()
    other = make_group()
    mine = Deliverable(group_id=world.group.id, title="Mapa de casos")
    theirs = Deliverable(group_id=other.id, title="Ajeno")
    db_session.add_all([mine, theirs])
    db_session.commit()
    member = signed_in(world.people["member"])
    page = member.post(
        f"/recommendations/{rec.id}/evidence", data={"ref": f"deliverable:{theirs.id}"}
    )
    assert page.status_code == 400
    assert "Elija un entregable o una reunión de este grupo." in page.get_data(as_text=True)
    assert (
        member.post(
            f"/recommendations/{rec.id}/evidence", data={"ref": f"deliverable:{mine.id}"}
        ).status_code
        == 302
    )
    assert (
        member.post(
            f"/recommendations/{rec.id}/evidence", data={"ref": "consultation_theme:3"}
        ).status_code
        == 400
    )
    rows = db_session.scalars(
        select(RecommendationEvidence).where(RecommendationEvidence.recommendation_id == rec.id)
    ).all()
    assert [(e.kind.value, e.ref_id) for e in rows] == [("deliverable", mine.id)]
    page = member.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert f'<a href="/deliverables/{mine.id}">Mapa de casos</a>' in page


def test_coverage_lists_the_consultation_items_no_recommendation_answers(
    app, make_recommendation, db_session
):
    from coalition_app.agenda.queries import unanswered
    from models import EvidenceKind

    rec = make_recommendation()
    db_session.add_all(
        [
            RecommendationEvidence(
                recommendation_id=rec.id, kind=EvidenceKind.CONSULTATION_THEME, ref_id=2
            ),
            RecommendationEvidence(
                recommendation_id=rec.id, kind=EvidenceKind.CONSULTATION_STATEMENT, ref_id=3
            ),
        ]
    )
    db_session.commit()
    with app.app_context():
        assert unanswered(EvidenceKind.CONSULTATION_THEME, [1, 2, 3]) == [1, 3]
        assert unanswered(EvidenceKind.CONSULTATION_STATEMENT, [3, 4]) == [4]
