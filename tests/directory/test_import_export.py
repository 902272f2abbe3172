"""CSV export and import: preview with per-row errors, all-or-nothing apply, round trip."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coalition_app.directory import csv_io as institution_io
from models import AuditEvent, Institution, Role
from tests.helpers import sign_in

HEADER = "name,acronym,sector,state,website,joined_on,left_on,founder,basis,source\n"
FUTURE = (date.today() + timedelta(days=10)).isoformat()


@pytest.fixture(autouse=True)
def _uploads_in_tmp(app, tmp_path):
    """Previewed files wait under the instance folder: a temporary one in tests."""
    app.instance_path = str(tmp_path)


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Institution))


def _upload(client, content: bytes, name: str = "institutions.csv"):
    return client.post(
        "/institutions/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _confirm(client):
    with client.session_transaction() as flask_session:
        upload = flask_session.get("institution_import")
    return client.post("/institutions/import/confirm", data={"upload": upload}), upload


def test_export_import_round_trip_into_an_empty_database(
    seeded_client, client, login_as, db_session
):
    sign_in(seeded_client, "coordinator@example.org", "coalition-demo")
    exported = seeded_client.get("/institutions/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert text.splitlines()[0] == HEADER.strip()

    login_as(Role.COORDINATOR)  # in the empty database: one institution of their own
    own = db_session.scalars(select(Institution)).all()
    preview = _upload(client, text.encode("utf-8"))
    assert preview.status_code == 200
    assert "con errores" in preview.get_data(as_text=True)
    response, _upload_id = _confirm(client)
    assert response.status_code == 302
    again = client.get("/institutions/export.csv").get_data(as_text=True).splitlines()
    own_names = {i.name for i in own}
    again = [line for line in again if not any(line.startswith(n + ",") for n in own_names)]
    assert again == text.splitlines()


def test_preview_lists_per_row_errors_and_applies_nothing(
    client, login_as, db_session, make_institution
):
    login_as(Role.COORDINATOR)
    make_institution(name="UNAM", sector_slug="academia")
    make_institution(name="Secretaría de Economía", sector_slug="government")
    before = _count(db_session)
    content = (
        HEADER
        + "Buena AC,BAC,academia,MX-CMX,https://buena.mx,2020-01-01,,no,documented,\n"
        + "Sector raro,,space,MX-CMX,,2020-01-01,,no,,\n"
        + "Estado raro,,academia,MX-ZZZ,,2020-01-01,,no,,\n"
        + "Fecha mala,,academia,,,31/02/2020,,no,,\n"
        + f"Del futuro,,academia,,,{FUTURE},,no,,\n"
        + "Se fue antes,,academia,,,2020-05-01,2020-01-01,no,,\n"
        + "unam,,academia,,,2020-01-01,,no,,\n"
        + "Secretaria de Economia,,government,,,2020-01-01,,no,,\n"
        + ",SIN,academia,,,2020-01-01,,no,,\n"
        + "Repetida AC,,academia,,,2020-01-01,,no,,\n"
        + "REPETIDA ac,,academia,,,2020-01-01,,no,,\n"
    ).encode("utf-8")
    response = _upload(client, content)
    assert response.status_code == 400  # refused, with a message per row
    html = response.get_data(as_text=True)
    for message in (
        "Sector desconocido «space»",
        "Entidad desconocida «MX-ZZZ»",
        "no es una fecha",
        "no puede estar en el futuro",
        "anterior a la de ingreso",
        "«UNAM» ya está en el directorio",
        "«Secretaría de Economía» ya está en el directorio",
        "Falta el nombre",
        "Mismo nombre que la línea 11",
    ):
        assert message in html, message
    assert "Aplicar estos cambios" not in html
    with client.session_transaction() as flask_session:
        assert "institution_import" not in flask_session
    assert _count(db_session) == before

    with institution_io_context(client):
        preview = institution_io.preview(content, date.today())
    actions = {row.values["name"]: (row.action, bool(row.errors)) for row in preview.rows}
    assert actions["Buena AC"] == ("new", False)
    assert actions["unam"][1] and actions["Secretaria de Economia"][1]


def institution_io_context(client):
    return client.application.test_request_context()


def test_preview_shows_new_update_unchanged_and_apply_is_all_or_nothing(
    client, login_as, db_session, make_institution
):
    login_as(Role.COORDINATOR)
    make_institution(
        name="Igual AC",
        acronym="IG",
        sector_slug="academia",
        state_code="MX-CMX",
        joined_on=date(2019, 1, 1),
        basis="documented",
    )
    make_institution(
        name="Cambia AC",
        acronym="CA",
        sector_slug="academia",
        state_code="MX-CMX",
        joined_on=date(2019, 1, 1),
        basis="documented",
    )
    content = (
        HEADER
        + "Igual AC,IG,academia,MX-CMX,,2019-01-01,,no,documented,\n"
        + "Cambia AC,CA,industry,MX-CMX,,2019-01-01,,no,documented,\n"
        + "Nueva AC,NA,academia,,,2021-01-01,,yes,documented,\n"
    ).encode("utf-8")
    html = _upload(client, content).get_data(as_text=True)
    assert "1 nueva, 1 por actualizar, 1 sin cambios, 0 con errores" in html
    # Someone creates "Nueva AC" between preview and confirm: the whole file is refused.
    make_institution(name="NUEVA ac")
    before = _count(db_session)
    response, _ = _confirm(client)
    assert response.status_code == 400
    assert _count(db_session) == before
    cambia = db_session.scalar(select(Institution).where(Institution.name == "Cambia AC"))
    assert cambia.sector_slug == "academia"  # the valid update was not applied either


def test_apply_writes_everything_and_an_audit_event(client, login_as, db_session):
    login_as(Role.COORDINATOR)
    before = _count(db_session)
    content = (
        HEADER + "Alfa AC,,academia,,,2020-01-01,,no,,\nBeta AC,,industry,,,2020-02-01,,no,,\n"
    )
    _upload(client, content.encode("utf-8"))
    response, upload_id = _confirm(client)
    assert response.status_code == 302
    assert _count(db_session) == before + 2
    assert (
        db_session.scalar(
            select(AuditEvent).where(AuditEvent.action == "institutions.import")
        ).details["new"]
        == 2
    )
    # The stored upload is spent: confirming twice does nothing more.
    again = client.post("/institutions/import/confirm", data={"upload": upload_id})
    assert again.status_code == 302 and _count(db_session) == before + 2


def test_utf8_bom_is_accepted(client, login_as):
    login_as(Role.COORDINATOR)
    content = ("\ufeff" + HEADER + "Con BOM AC,,academia,,,2020-01-01,,no,,\n").encode("utf-8")
    html = _upload(client, content).get_data(as_text=True)
    assert "1 nueva," in html


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((HEADER + "Economía AC,,academia,,,2020-01-01,,no,,\n").encode("latin-1"), "UTF-8"),
        (b"nombre,sector\nA,academia\n", "Faltan columnas"),
    ],
)
def test_bad_uploads_get_a_clear_message(client, login_as, db_session, content, message):
    login_as(Role.COORDINATOR)
    before = _count(db_session)
    response = _upload(client, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db_session) == before


def test_oversized_upload_is_refused(client, login_as, db_session, monkeypatch):
    # The cap is lowered for the test (1 MB in the app) so no large temporary file is needed.
    monkeypatch.setattr(institution_io, "MAX_UPLOAD_BYTES", 200)
    login_as(Role.COORDINATOR)
    before = _count(db_session)
    response = _upload(client, (HEADER + "Grande AC,,academia,,,2020-01-01,,no,,\n" * 5).encode())
    assert response.status_code == 400
    assert "más de 1 MB" in response.get_data(as_text=True)
    assert _count(db_session) == before


def test_export_is_audited_and_neutralises_formulas(client, login_as, db_session, make_institution):
    login_as(Role.COORDINATOR)
    make_institution(name="=HYPERLINK(1) AC")
    text = client.get("/institutions/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1) AC" in text
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "institutions.export"))
