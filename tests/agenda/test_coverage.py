"""Coverage: the consultations' consensus statements and themes that no recommendation
answers yet, by working group, for coordinators and chairs; linked from the agenda and the
consultation's results; a CSV; a fixed number of queries."""

from __future__ import annotations

import pytest

from models import (
    ConsultationTheme,
    EvidenceKind,
    RecommendationEvidence,
)
from tests.helpers import count_statements


@pytest.mark.parametrize(
    ("role", "status"), [("coordinator", 200), ("chair", 200), ("member", 403)]
)
def test_coverage_is_for_coordinators_and_chairs(
    world, cited_consultation, signed_in, role, status
):
    client = signed_in(world.people[role])
    assert client.get("/agenda/coverage").status_code == status
    assert client.get("/agenda/coverage.csv").status_code == status
    linked = 'id="coverage-link"'
    assert (linked in client.get("/agenda").get_data(as_text=True)) == (status == 200)
    results = client.get("/consultations/consulta-citada/results").get_data(as_text=True)
    assert (linked in results) == (status == 200)


def test_coverage_lists_by_group_what_no_recommendation_cites_yet(
    world, make_recommendation, cited_consultation, signed_in, db_session
):
    consensus, divisive, _other = cited_consultation.statements
    coordinator = signed_in(world.people["coordinator"])
    page = coordinator.get("/agenda/coverage").get_data(as_text=True)
    assert "Ética T" in page
    assert consensus.text_es in page and divisive.text_es not in page
    assert "Transparencia" in page and "Participantes cuyas respuestas agrupa: 3" in page
    assert "2 elementos siguen sin atenderse." in page
    csv = coordinator.get("/agenda/coverage.csv").get_data(as_text=True)
    assert csv.splitlines()[0].startswith("Grupo de trabajo,")
    assert f"Ética T,Afirmación de la consulta,{consensus.id},{consensus.text_es}," in csv
    rec = make_recommendation()
    db_session.add(
        RecommendationEvidence(
            recommendation_id=rec.id,
            kind=EvidenceKind.CONSULTATION_STATEMENT,
            ref_id=consensus.id,
        )
    )
    db_session.commit()
    page = coordinator.get("/agenda/coverage").get_data(as_text=True)
    assert consensus.text_es not in page and "Transparencia" in page
    assert "1 elemento sigue sin atenderse." in page


def test_the_coverage_page_runs_a_fixed_number_of_queries(
    app, world, make_recommendation, cited_consultation, signed_in, db_session, make_group
):
    coordinator = signed_in(world.people["coordinator"])
    coordinator.get("/agenda/coverage")  # the results cache computed once

    def queries() -> int:
        with count_statements(db_session.get_bind()) as counter:
            assert coordinator.get("/agenda/coverage").status_code == 200
        return counter.count

    kept = queries()  # nothing changed: the coverage is kept (its key's statement)
    make_group()  # a change: the coverage is built again
    before = queries()
    assert kept < before
    question = cited_consultation.question
    for n in range(6):
        group = make_group()
        db_session.add(ConsultationTheme(question=question, name=f"Tema {n}", group_id=group.id))
        rec = make_recommendation(group=group, title=f"Rec {n}")
        db_session.add(
            RecommendationEvidence(
                recommendation_id=rec.id, kind=EvidenceKind.MEETING, ref_id=n + 1
            )
        )
    db_session.commit()
    # Seven themes over seven groups, seven recommendations: the same queries.
    assert queries() == before
    assert queries() == kept
