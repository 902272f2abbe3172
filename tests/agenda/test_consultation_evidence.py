"""A recommendation cites consultation statements and themes (with their figures: agreement,
both consensus measures, how many participants), besides deliverables and meetings; the
published agenda, as a page and as a PDF, shows them in figures."""

from __future__ import annotations

from sqlalchemy import select

from models import (
    ConsultationStatus,
    EvidenceKind,
    RecommendationEvidence,
    RecommendationStatus,
)
from tests.agenda.test_publishing import pdf_text


def _cited(db_session, rec) -> list[tuple[str, int]]:
    rows = db_session.scalars(
        select(RecommendationEvidence).where(RecommendationEvidence.recommendation_id == rec.id)
    ).all()
    return sorted((e.kind.value, e.ref_id) for e in rows)


def test_a_member_cites_a_statement_and_a_theme_shown_with_their_figures(
    world, make_recommendation, cited_consultation, signed_in, db_session
):
    rec = make_recommendation()
    statement, theme = cited_consultation.statements[0], cited_consultation.theme
    member = signed_in(world.people["member"])
    page = member.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert f'value="consultation_statement:{statement.id}"' in page
    assert f'value="consultation_theme:{theme.id}"' in page
    assert '<optgroup label="Afirmaciones de la consulta">' in page
    for ref in (f"consultation_statement:{statement.id}", f"consultation_theme:{theme.id}"):
        assert (
            member.post(f"/recommendations/{rec.id}/evidence", data={"ref": ref}).status_code == 302
        )
    assert _cited(db_session, rec) == [
        ("consultation_statement", statement.id),
        ("consultation_theme", theme.id),
    ]
    page = member.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "Los algoritmos públicos deben auditarse." in page
    assert "Acuerdo (%): 100" in page and "Participantes que votaron: 10" in page
    assert "Consenso informado por sectores (%)" in page
    assert "Transparencia" in page and "Participantes cuyas respuestas agrupa: 3" in page
    api = member.get(f"/api/v1/recommendations/{rec.id}").get_json()
    cited = {e["kind"]: e for e in api["evidence"]}
    assert cited["consultation_statement"]["title_en"] == "Public algorithms must be audited."
    assert cited["consultation_statement"]["figures"]["agreement"] == "100"
    assert cited["consultation_theme"]["figures"] == {"answers": "3"}


def test_a_draft_consultation_s_statement_cannot_be_cited(
    world, make_recommendation, cited_consultation, signed_in, db_session
):
    cited_consultation.consultation.status = ConsultationStatus.DRAFT
    db_session.commit()
    rec = make_recommendation()
    member = signed_in(world.people["member"])
    statement = cited_consultation.statements[0]
    page = member.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert f"consultation_statement:{statement.id}" not in page
    response = member.post(
        f"/recommendations/{rec.id}/evidence",
        data={"ref": f"consultation_statement:{statement.id}"},
    )
    assert response.status_code == 400
    assert "Elija una afirmación o un tema de una consulta ya abierta." in response.get_data(
        as_text=True
    )
    assert _cited(db_session, rec) == []


def test_the_published_agenda_shows_consultation_evidence_in_figures_in_both_languages(
    app, make_recommendation, cited_consultation, db_session
):
    rec = make_recommendation(status=RecommendationStatus.ADOPTED, title="Auditar algoritmos")
    db_session.add(
        RecommendationEvidence(
            recommendation_id=rec.id,
            kind=EvidenceKind.CONSULTATION_STATEMENT,
            ref_id=cited_consultation.statements[0].id,
        )
    )
    db_session.commit()
    client = app.test_client()
    page = client.get("/public/agenda").get_data(as_text=True)
    assert "Los algoritmos públicos deben auditarse." in page and "Acuerdo (%): 100" in page
    english = client.get("/public/agenda?lang=en").get_data(as_text=True)
    assert "Public algorithms must be audited." in english and "Agreement (%): 100" in english
    text = pdf_text(client.get("/public/agenda.pdf?lang=es").data)
    assert "Auditar algoritmos" in text and "Acuerdo (%): 100" in text
    assert "Participantes que votaron: 10" in text
