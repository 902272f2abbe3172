"""The API's list of ties, read as rows (`queries.tie_api_page`, `schemas.Tie.list_fields`),
says of each tie what the single tie's answer (`schemas.Tie.of`, from the Tie object) says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coalition_app.core import clock
from coalition_app.ties.schemas import Tie as TieSchema
from models import Role, Tie, TieKind, TieStatus
from tests.helpers import sign_in


def test_each_listed_tie_is_the_ties_own_answer(app, db_session, make_institution, make_user):
    a = make_institution(name="Alfa <Universidad> & co", acronym="ALFA")
    b = make_institution(name="Beta Asociación", acronym="")
    c = make_institution(name="Gama Empresa", acronym="GAMA")
    recorder = make_user(role=Role.MEMBER, institution=a)
    answerer = make_user(role=Role.MEMBER, institution=b)
    coordinator = make_user(role=Role.COORDINATOR)
    today = clock.today()
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    db_session.add_all(
        [
            # Seeded: no one recorded it, no description.
            Tie.between(a, b, kind=TieKind.AGREEMENT, since=today - timedelta(days=900)),
            # Recorded for one side, answered by the other, with an end and a link.
            Tie.between(
                a,
                c,
                kind=TieKind.DATA_SHARING,
                since=today - timedelta(days=30),
                ends_on=today + timedelta(days=30),
                title="Datos <abiertos>",
                description="Nota & más",
                evidence_url="https://example.org/convenio?a=1&b=2",
                status=TieStatus.CONFIRMED,
                recorded_for_id=a.id,
                recorded_by_id=recorder.id,
                recorded_at=moment,
                answered_by_id=answerer.id,
                answered_at=moment + timedelta(hours=1),
                version=3,
            ),
            # Recorded, not yet answered; declined ones are listed too.
            Tie.between(
                b,
                c,
                kind=TieKind.EVENT,
                since=today - timedelta(days=5),
                status=TieStatus.UNCONFIRMED,
                recorded_for_id=b.id,
                recorded_by_id=answerer.id,
            ),
            Tie.between(b, c, kind=TieKind.FUNDING, since=today, status=TieStatus.DECLINED),
        ]
    )
    db_session.commit()
    client = app.test_client()
    assert sign_in(client, coordinator.email).status_code == 302

    listed = client.get("/api/v1/ties").get_json()
    ties = sorted(db_session.query(Tie).all(), key=lambda tie: (tie.since, tie.id), reverse=True)
    with app.test_request_context():
        expected = [TieSchema.of(tie).model_dump(mode="json") for tie in ties]
    assert listed["data"] == expected
    assert listed["total"] == 4 and listed["page"] == 1 and listed["pages"] == 1
    only = client.get("/api/v1/ties?status=unconfirmed&kind=event").get_json()
    assert [tie["id"] for tie in only["data"]] == [
        tie["id"] for tie in expected if tie["status"] == "unconfirmed"
    ]
