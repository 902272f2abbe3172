"""A small open consultation in the empty database (three statements, one open question)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coalition_app.core import clock
from models import (
    Basis,
    Consultation,
    ConsultationQuestion,
    ConsultationStatement,
    ConsultationStatus,
)
from models.consultation import statement_key

STATEMENTS = [
    "La IA debe regularse con una ley general.",
    "El gobierno debe publicar los algoritmos que usa.",
    "Las escuelas deben enseñar pensamiento computacional.",
]


@pytest.fixture
def consultation(app, db_session) -> Consultation:
    with app.app_context():
        today = clock.today()
    row = Consultation(
        slug="consulta-prueba",
        title="Consulta de prueba",
        introduction="Opine sobre la IA.",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=10),
        status=ConsultationStatus.OPEN,
        basis=Basis.DEMO,
    )
    db_session.add(row)
    db_session.flush()
    for text in STATEMENTS:
        db_session.add(
            ConsultationStatement(consultation=row, text_es=text, text_key=statement_key(text))
        )
    db_session.add(
        ConsultationQuestion(consultation=row, text_es="¿Qué reto ve usted?", position=1)
    )
    db_session.commit()
    return row
