"""The agenda's fixtures: a group with its chair, a member and an outsider, a coordinator,
and factories of recommendations and positions in any situation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from models import (
    Position,
    PositionStatus,
    Recommendation,
    RecommendationStatus,
    RecommendationVersion,
    Role,
    Sector,
)


@pytest.fixture
def world(make_institution, make_user, make_group):
    lead = make_institution(name="Universidad Líder", sector_slug="academia")
    member_institution = make_institution(name="Asociación Miembro", sector_slug="academia")
    outside = make_institution(name="Empresa de Fuera", sector_slug="industry")
    group = make_group(
        leads=[lead],
        members=[member_institution],
        slug="etica-t",
        name_es="Ética T",
        name_en="Ethics T",
    )
    people = {
        "coordinator": make_user(
            role=Role.COORDINATOR, institution=outside, full_name="Cora Coord"
        ),
        "chair": make_user(institution=lead, chair_of=group, full_name="Chema Chair"),
        "member": make_user(institution=member_institution, full_name="Mina Member"),
        "outsider": make_user(institution=outside, full_name="Otto Outsider"),
    }
    return SimpleNamespace(group=group, people=people, lead=lead, outside=outside)


@pytest.fixture
def make_recommendation(db_session, world) -> Callable[..., Recommendation]:
    def make(
        status=RecommendationStatus.DRAFT, title="Evaluar antes de comprar", group=None, **fields
    ):
        author = world.people["member"]
        rec = Recommendation(
            group=group or world.group,
            title=title,
            text=fields.pop("text", "Que toda dependencia evalúe el impacto."),
            rationale=fields.pop("rationale", ""),
            status=status,
            created_by_id=author.id,
            **fields,
        )
        if status == RecommendationStatus.ADOPTED:
            rec.adopted_at = datetime(2026, 11, 1, tzinfo=UTC)
        db_session.add(rec)
        db_session.add(
            RecommendationVersion(
                recommendation=rec, number=1, title=rec.title, text=rec.text, reason="created"
            )
        )
        db_session.commit()
        return rec

    return make


@pytest.fixture
def make_position(db_session) -> Callable[..., Position]:
    def make(status=PositionStatus.OPEN, title="Carta abierta sobre la ley de IA", **fields):
        position = Position(
            title=title,
            text=fields.pop("text", "La coalición pide una consulta abierta."),
            status=status,
            published_at=None
            if status == PositionStatus.DRAFT
            else datetime(2026, 11, 2, tzinfo=UTC),
            **fields,
        )
        db_session.add(position)
        db_session.commit()
        return position

    return make


@pytest.fixture
def sectors(db_session) -> list[str]:
    return list(db_session.scalars(select(Sector.slug).order_by(Sector.position)))


@pytest.fixture
def signed_in(app):
    """A client signed in as `user` (a fresh client for each)."""
    from tests.helpers import sign_in

    def client_for(user):
        client = app.test_client()
        assert sign_in(client, user.email).status_code == 302
        return client

    return client_for


@pytest.fixture
def cited_consultation(db_session, world, sectors):
    """An open consultation with two statements of the world's group and one of no group, ten
    participants (two of each sector) in two camps who all agree with the first statement (a
    consensus) and split on the other two, and one theme of the group grouping three answers:
    what a recommendation may cite, with known figures."""
    from datetime import date

    from models import (
        Basis,
        Consultation,
        ConsultationAnswer,
        ConsultationParticipant,
        ConsultationQuestion,
        ConsultationStatement,
        ConsultationStatus,
        ConsultationTheme,
        ConsultationVote,
    )
    from models.consultation import statement_key

    consultation = Consultation(
        slug="consulta-citada",
        title="Consulta citada",
        opens_on=date(2026, 1, 1),
        closes_on=date(2026, 12, 31),
        status=ConsultationStatus.OPEN,
        basis=Basis.DEMO,
    )
    db_session.add(consultation)
    texts = [
        ("Los algoritmos públicos deben auditarse.", world.group.id),
        ("La IA debe enseñarse en la primaria.", world.group.id),
        ("Hace falta una agencia nueva.", None),
    ]
    statements = [
        ConsultationStatement(
            consultation=consultation,
            text_es=text,
            text_en="Public algorithms must be audited." if i == 0 else None,
            text_key=statement_key(text),
            group_id=group_id,
        )
        for i, (text, group_id) in enumerate(texts)
    ]
    question = ConsultationQuestion(consultation=consultation, text_es="¿Qué reto ve?")
    theme = ConsultationTheme(
        question=question, name="Transparencia", terms=["auditar"], group_id=world.group.id
    )
    db_session.add_all([*statements, question, theme])
    db_session.flush()
    people = []
    for i in range(10):
        person = ConsultationParticipant(
            consultation_id=consultation.id, consent_version="1", sector_slug=sectors[i % 5]
        )
        people.append(person)
    db_session.add_all(people)
    db_session.flush()
    for i, person in enumerate(people):
        camp = 1 if i < 5 else -1
        for statement, value in zip(statements, (1, camp, -camp), strict=True):
            db_session.add(
                ConsultationVote(
                    consultation_id=consultation.id,
                    participant_id=person.id,
                    statement_id=statement.id,
                    value=value,
                )
            )
        if i < 3:
            db_session.add(
                ConsultationAnswer(
                    question_id=question.id,
                    participant_id=person.id,
                    text="Auditar",
                    theme_id=theme.id,
                )
            )
    db_session.commit()
    return SimpleNamespace(
        consultation=consultation, statements=statements, theme=theme, question=question
    )
