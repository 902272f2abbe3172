"""The live agenda and the coverage are built once per change of what they are built from
(`agenda.queries.live_agenda_key`, `coverage_key`) and kept: a vote, an answer leaving a theme
or any change to what they show is seen at the next view; a view with nothing changed reads
only the key."""

from __future__ import annotations

from sqlalchemy import update

from models import (
    ConsultationAnswer,
    ConsultationParticipant,
    ConsultationVote,
    EvidenceKind,
    Recommendation,
    RecommendationEvidence,
    RecommendationStatus,
)
from tests.helpers import count_statements


def _adopted_citing(db_session, make_recommendation, cited_consultation) -> Recommendation:
    rec = make_recommendation(status=RecommendationStatus.ADOPTED, title="Auditar algoritmos")
    db_session.add_all(
        [
            RecommendationEvidence(
                recommendation_id=rec.id,
                kind=EvidenceKind.CONSULTATION_STATEMENT,
                ref_id=cited_consultation.statements[0].id,
            ),
            RecommendationEvidence(
                recommendation_id=rec.id,
                kind=EvidenceKind.CONSULTATION_THEME,
                ref_id=cited_consultation.theme.id,
            ),
        ]
    )
    db_session.commit()
    return rec


def _statements(db_session, client, path: str) -> tuple[int, str]:
    with count_statements(db_session.get_bind()) as counter:
        response = client.get(path)
        assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def test_the_live_agenda_is_kept_and_follows_votes_answers_and_edits(
    app, world, make_recommendation, cited_consultation, signed_in, db_session, sectors
):
    rec = _adopted_citing(db_session, make_recommendation, cited_consultation)
    client = app.test_client()
    built, page = _statements(db_session, client, "/public/agenda")
    assert "Participantes que votaron: 10" in page
    assert "Participantes cuyas respuestas agrupa: 3" in page
    kept, again = _statements(db_session, client, "/public/agenda")
    assert kept < built and again == page

    # A vote (not under the PAGES version): its consultation's fingerprint moves.
    person = ConsultationParticipant(
        consultation_id=cited_consultation.consultation.id,
        consent_version="1",
        sector_slug=sectors[0],
    )
    db_session.add(person)
    db_session.flush()
    db_session.add(
        ConsultationVote(
            consultation_id=cited_consultation.consultation.id,
            participant_id=person.id,
            statement_id=cited_consultation.statements[0].id,
            value=1,
        )
    )
    db_session.commit()
    assert "Participantes que votaron: 11" in client.get("/public/agenda").get_data(as_text=True)

    # An answer edited by its participant leaves its theme (answers are not under PAGES).
    answer_id = db_session.scalars(
        ConsultationAnswer.__table__.select()
        .with_only_columns(ConsultationAnswer.id)
        .where(ConsultationAnswer.theme_id == cited_consultation.theme.id)
        .limit(1)
    ).one()
    db_session.execute(
        update(ConsultationAnswer).where(ConsultationAnswer.id == answer_id).values(theme_id=None)
    )
    db_session.commit()
    page = client.get("/public/agenda").get_data(as_text=True)
    assert "Participantes cuyas respuestas agrupa: 2" in page

    # Anything the agenda shows (here the title) is under PAGES.
    db_session.get(Recommendation, rec.id).title = "Auditar todos los algoritmos"
    db_session.commit()
    assert "Auditar todos los algoritmos" in client.get("/public/agenda").get_data(as_text=True)
    member = signed_in(world.people["member"])
    assert "Auditar todos los algoritmos" in member.get("/agenda").get_data(as_text=True)


def test_the_live_agenda_is_not_kept_while_the_figures_are_computed(
    app, make_recommendation, cited_consultation, db_session, monkeypatch
):
    from coalition_app.consultation.results import get_cache

    _adopted_citing(db_session, make_recommendation, cited_consultation)
    with app.app_context():
        results = get_cache(app)
    # Every consultation "large": its figures are computed in the background (here: never).
    monkeypatch.setattr(results, "threshold", 0)
    monkeypatch.setattr(results, "schedule", lambda cache, consultation_id: None)
    client = app.test_client()
    first, page = _statements(db_session, client, "/public/agenda")
    assert "Participantes que votaron" not in page  # no figures yet
    second, _page = _statements(db_session, client, "/public/agenda")
    assert second == first  # built again: the figures, once there, are shown


def test_the_coverage_is_kept_and_follows_a_new_citation(
    world, make_recommendation, cited_consultation, signed_in, db_session
):
    coordinator = signed_in(world.people["coordinator"])
    built, page = _statements(db_session, coordinator, "/agenda/coverage")
    assert "Transparencia" in page
    kept, again = _statements(db_session, coordinator, "/agenda/coverage")
    assert kept < built and "Transparencia" in again
    rec = make_recommendation()
    db_session.add(
        RecommendationEvidence(
            recommendation_id=rec.id,
            kind=EvidenceKind.CONSULTATION_THEME,
            ref_id=cited_consultation.theme.id,
        )
    )
    db_session.commit()
    assert "Transparencia" not in coordinator.get("/agenda/coverage").get_data(as_text=True)


def test_the_api_s_agenda_is_kept_with_the_page_s_key(
    world, make_recommendation, cited_consultation, signed_in, db_session
):
    rec = _adopted_citing(db_session, make_recommendation, cited_consultation)
    client = signed_in(world.people["member"])
    built, first = _statements(db_session, client, "/api/v1/agenda")
    kept, again = _statements(db_session, client, "/api/v1/agenda")
    assert kept < built and again == first and '"voters":"10"' in first.replace(" ", "")
    db_session.get(Recommendation, rec.id).title = "Otro título"
    db_session.commit()
    data = client.get("/api/v1/agenda").get_json()
    assert [r["title"] for r in data["recommendations"]] == ["Otro título"]
