"""Ties through the CSV (export, preview with old → new values, import) and the API, through
the same policy and use cases as the pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import func, select

from coalition_app.core import clock
from models import AuditEvent, Role, Tie, TieKind, TieStatus, TieUpdate
from tests.helpers import sign_in


def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def _upload(client, text: str, url: str = "/ties/import"):
    return client.post(
        url,
        data={"file": (io.BytesIO(text.encode("utf-8")), "ties.csv")},
        content_type="multipart/form-data",
    )


def test_csv_round_trip_with_spanish_labels_and_day_month_year(
    app, db_session, make_institution, make_user
):
    a = make_institution(name="Alfa Universidad", acronym="ALFA")
    b = make_institution(name="Beta Asociación", acronym="BETA")
    c = make_institution(name="Gama Empresa", acronym="GAMA")
    coordinator = make_user(role=Role.COORDINATOR)
    since = clock.today() - timedelta(days=400)
    db_session.add(Tie.between(a, b, kind=TieKind.AGREEMENT, since=since, title="Convenio marco"))
    db_session.commit()
    client = _client(app, coordinator)

    exported = client.get("/ties/export.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["institution_a", "institution_b", "kind", "title"]
    assert rows[1][:5] == [
        "Alfa Universidad",
        "Beta Asociación",
        "agreement",
        "Convenio marco",
        since.isoformat(),
    ]

    # The same file back: unchanged. With a new title, an end and a new row in Spanish words.
    same = _upload(client, exported.get_data(as_text=True))
    assert same.status_code == 200 and "1 vínculo sin cambios" in same.get_data(as_text=True)
    header = ",".join(rows[0])
    changed = (
        f"{header}\n"
        f"Alfa Universidad,BETA,Convenio,Convenio renovado,{since.strftime('%d/%m/%Y')},"
        f"{clock.today().strftime('%d/%m/%Y')},confirmado,,,\n"
        f"GAMA,Alfa Universidad,Intercambio de datos,Datos de movilidad,1/2/2021,,sin confirmar,,"
        f"https://example.org/datos,GAMA\n"
    )
    preview = _upload(client, changed)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "<del>Convenio marco</del>" in html and "<ins>Convenio renovado</ins>" in html
    assert "1 vínculo nuevo" in html and "1 vínculo por actualizar" in html
    assert db_session.scalar(select(func.count()).select_from(Tie)) == 1  # nothing yet
    upload_id = html.split('name="upload" type="hidden" value="')[1].split('"')[0]
    applied = client.post("/ties/import/confirm", data={"upload": upload_id})
    assert applied.status_code == 302
    db_session.expire_all()
    ties = db_session.scalars(select(Tie).order_by(Tie.id)).all()
    assert [(t.title, t.ends_on) for t in ties][0] == ("Convenio renovado", clock.today())
    new = ties[1]
    assert new.kind == TieKind.DATA_SHARING and new.status == TieStatus.UNCONFIRMED
    assert new.recorded_for_id == c.id and new.since.isoformat() == "2021-02-01"
    assert db_session.scalar(select(func.count()).select_from(TieUpdate)) == 2
    assert "ties.import" in db_session.scalars(select(AuditEvent.action)).all()

    bad = _upload(client, f"{header}\nAlfa Universidad,Nadie,Convenio,x,31/02/2020,,,,,\n")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Nadie" in text and "no es una fecha" in text.replace("is not a date", "no es una fecha")
    member = make_user(institution=a)
    assert _upload(_client(app, member), changed).status_code == 403  # coordinators import


def future_day(days: int) -> str:
    return (clock.today() + timedelta(days=days)).isoformat()


def test_the_api_records_answers_and_edits_through_the_same_policy(
    app, db_session, make_institution, make_user
):
    a = make_institution(name="Alfa Universidad")
    b = make_institution(name="Beta Asociación")
    person_a = make_user(institution=a)
    person_b = make_user(institution=b)
    outsider = make_user()
    since = (clock.today() - timedelta(days=10)).isoformat()
    body = {"recorded_for": a.id, "other": b.id, "kind": "funding", "title": "Beca", "since": since}

    assert _client(app, outsider).post("/api/v1/ties", json=body).status_code == 403
    client_a = _client(app, person_a)
    created = client_a.post("/api/v1/ties", json=body)
    assert created.status_code == 201, created.get_json()
    tie = created.get_json()
    assert tie["status"] == "unconfirmed" and tie["recorded_for"]["id"] == a.id
    duplicate = client_a.post("/api/v1/ties", json=body)
    assert duplicate.status_code == 422 and duplicate.get_json()["error"]["field"] == "since"
    future = client_a.post(
        "/api/v1/ties", json={**body, "since": (clock.today() + timedelta(days=3)).isoformat()}
    )
    assert future.status_code == 422
    # Every broken rule in one answer, the first also as `field`/`message`.
    several = client_a.post(
        "/api/v1/ties",
        json={**body, "title": " ", "since": future_day(3), "ends_on": future_day(1)},
    ).get_json()["error"]
    assert [p["field"] for p in several["problems"]] == ["title", "since", "ends_on"]
    assert several["field"] == "title" and several["message"] == several["problems"][0]["message"]

    assert client_a.post(f"/api/v1/ties/{tie['id']}/confirm").status_code == 403
    client_b = _client(app, person_b)
    assert client_b.patch(f"/api/v1/ties/{tie['id']}", json={"version": 1}).status_code == 403
    confirmed = client_b.post(f"/api/v1/ties/{tie['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"

    stale = client_a.patch(f"/api/v1/ties/{tie['id']}", json={"version": 1, "title": "Otra"})
    assert stale.status_code == 409
    version = confirmed.get_json()["version"]
    ended = client_a.patch(
        f"/api/v1/ties/{tie['id']}",
        json={"version": version, "ends_on": clock.today().isoformat()},
    )
    assert ended.status_code == 200 and ended.get_json()["ends_on"] == clock.today().isoformat()
    assert ended.get_json()["status"] == "confirmed"  # an end keeps the answer
    read = client_b.get(f"/api/v1/ties/{tie['id']}").get_json()
    assert read["title"] == "Beca" and read["version"] == version + 1
    assert client_b.get("/api/v1/ties").status_code == 403  # the list is the coordinators'
