"""Publishing: the public agenda and positions show adopted and published work only, in both
languages, set no cookie; the PDFs (WeasyPrint) carry the titles and the endorsers
(read back with pdftotext); an edition keeps the agenda as it was; the pages run a fixed
number of queries."""

from __future__ import annotations

import subprocess

import pytest

from models import (
    Answer,
    Deliverable,
    Endorsement,
    EvidenceKind,
    Institution,
    PositionStatus,
    RecommendationEvidence,
    RecommendationStatus,
)
from tests.helpers import count_statements

S = RecommendationStatus


def pdf_text(document: bytes) -> str:
    assert document.startswith(b"%PDF")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=document, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def _endorse(db_session, institution: Institution, **subject) -> None:
    db_session.add(Endorsement(institution_id=institution.id, answer=Answer.ENDORSE, **subject))
    db_session.commit()


def test_the_public_agenda_shows_adopted_work_only_in_both_languages_and_sets_no_cookie(
    app, world, make_recommendation, make_position
):
    make_recommendation(status=S.ADOPTED, title="Adoptada y pública")
    for status in (S.DRAFT, S.REVIEW, S.APPROVED):
        make_recommendation(status=status, title=f"Interna {status.value}")
    make_position(title="Posición publicada")
    make_position(status=PositionStatus.DRAFT, title="Posición en borrador")
    client = app.test_client()
    response = client.get("/public/agenda")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "La agenda de la coalición" in page and "Adoptada y pública" in page
    assert "Ética T" in page and "Posición publicada" in page
    assert "Interna" not in page and "Posición en borrador" not in page
    assert 'name="csrf_token"' not in page and "<form" not in page
    english = client.get("/public/agenda?lang=en").get_data(as_text=True)
    assert "The coalition's agenda" in english and "Ethics T" in english
    assert '<html lang="en">' in english


def test_the_pdfs_carry_titles_and_endorsers_and_an_edition_stays_as_published(
    app, world, make_recommendation, make_position, make_institution, signed_in, db_session
):
    rec = make_recommendation(status=S.ADOPTED, title="Evaluaciones de impacto")
    deliverable = Deliverable(group_id=world.group.id, title="Mapa de riesgos", progress=40)
    db_session.add(deliverable)
    db_session.flush()
    db_session.add(
        RecommendationEvidence(
            recommendation_id=rec.id, kind=EvidenceKind.DELIVERABLE, ref_id=deliverable.id
        )
    )
    db_session.commit()
    first = make_institution(name="Universidad Respaldo")
    _endorse(db_session, first, recommendation_id=rec.id)
    coordinator = signed_in(world.people["coordinator"])
    assert coordinator.post("/agenda/editions", data={"note": "Primera"}).status_code == 302
    later = make_institution(name="Empresa Tardía")
    _endorse(db_session, later, recommendation_id=rec.id)

    client = app.test_client()
    live = client.get("/public/agenda.pdf?lang=es")
    assert live.mimetype == "application/pdf" and "Set-Cookie" not in live.headers
    text = pdf_text(live.data)
    assert "La agenda de la coalición" in text and "Evaluaciones de impacto" in text
    assert "Ética T" in text and "Mapa de riesgos" in text and "Avance (%): 40" in text
    assert "Universidad Respaldo" in text and "Empresa Tardía" in text
    edition = pdf_text(client.get("/public/agenda/editions/1.pdf?lang=en").data)
    assert "Edition 1, published on" in edition and "Evaluaciones de impacto" in edition
    assert "Ethics T" in edition and "Universidad Respaldo" in edition
    assert "Empresa Tardía" not in edition  # it endorsed after the edition was published
    assert client.get("/public/agenda/editions/2.pdf").status_code == 404

    position = make_position(title="Carta sobre la ley de IA")
    _endorse(db_session, first, position_id=position.id)
    text = pdf_text(client.get(f"/public/positions/{position.id}.pdf?lang=en").data)
    assert "Carta sobre la ley de IA" in text and "Answers by sector" in text
    assert "Universidad Respaldo" in text
    draft = make_position(status=PositionStatus.DRAFT, title="Borrador")
    assert client.get(f"/public/positions/{draft.id}.pdf").status_code == 404


def test_publishing_an_edition_needs_an_adopted_recommendation_and_a_coordinator(
    world, make_recommendation, signed_in, db_session
):
    coordinator = signed_in(world.people["coordinator"])
    refused = coordinator.post("/agenda/editions", data={})
    assert refused.status_code == 400
    assert "Adopte al menos una recomendación antes de publicar la agenda." in refused.get_data(
        as_text=True
    )
    make_recommendation(status=S.ADOPTED)
    assert signed_in(world.people["chair"]).post("/agenda/editions", data={}).status_code == 403
    assert coordinator.post("/agenda/editions", data={}).status_code == 302


@pytest.mark.parametrize(
    "path", ["/agenda", "/positions/{position}", "/public/positions/{position}", "/public/agenda"]
)
def test_the_agenda_and_position_pages_run_the_same_queries_for_few_and_many_rows(
    world,
    make_recommendation,
    make_position,
    make_institution,
    make_group,
    signed_in,
    db_session,
    path,
):
    position = make_position()
    client = signed_in(world.people["member"])
    counts = []
    for batch in (2, 9):
        for i in range(batch):
            group = make_group()
            rec = make_recommendation(status=S.ADOPTED, title=f"Rec {batch}-{i}", group=group)
            deliverable = Deliverable(group_id=group.id, title=f"Entregable {batch}-{i}")
            db_session.add(deliverable)
            db_session.flush()
            db_session.add(
                RecommendationEvidence(
                    recommendation_id=rec.id, kind=EvidenceKind.DELIVERABLE, ref_id=deliverable.id
                )
            )
            db_session.commit()
            institution = make_institution()
            _endorse(db_session, institution, recommendation_id=rec.id)
            _endorse(db_session, institution, position_id=position.id)
        with count_statements(db_session.get_bind()) as counter:
            response = client.get(path.format(position=position.id))
            assert response.status_code == 200
            page = response.get_data(as_text=True)
        counts.append(counter.count)
    assert counts[0] == counts[1] > 0
    # The second batch is shown: its last recommendation (agenda) or institution (position).
    assert ("Rec 9-8" if "agenda" in path else institution.name) in page


def test_the_api_reads_the_agenda_with_evidence_and_tallies(
    world, make_recommendation, make_institution, signed_in, db_session
):
    rec = make_recommendation(status=S.ADOPTED, title="En la agenda")
    make_recommendation(status=S.APPROVED, title="Aún no")
    _endorse(db_session, make_institution(name="Respaldo API"), recommendation_id=rec.id)
    data = signed_in(world.people["outsider"]).get("/api/v1/agenda").get_json()
    assert [r["title"] for r in data["recommendations"]] == ["En la agenda"]
    tally = data["recommendations"][0]["tally"]
    assert tally["endorse"] == 1 and tally["voz_unica"] is False
    assert any(i["name"] == "Respaldo API" for s in tally["sectors"] for i in s["endorse"])
