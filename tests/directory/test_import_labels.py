"""The CSV import in the coordinators' words: sector and state names in Spanish or English
(accents and case ignored), day/month/year dates, and an update's preview cell by cell."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from coalition_app.directory.csv_io import parse_date
from models import Institution, Role

HEADER = "name,acronym,sector,state,website,joined_on,left_on,founder,basis,source\n"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(app, tmp_path):
    app.instance_path = str(tmp_path)


def _upload(client, text: str):
    return client.post(
        "/institutions/import",
        data={"file": (io.BytesIO(text.encode("utf-8")), "institutions.csv")},
        content_type="multipart/form-data",
    )


def _confirm(client):
    with client.session_transaction() as flask_session:
        upload = flask_session.get("institution_import")
    return client.post("/institutions/import/confirm", data={"upload": upload})


@pytest.mark.parametrize(
    ("sector", "state", "joined_on", "expected"),
    [
        (
            "Sociedad civil",
            "Yucatán",
            "31/12/2020",
            ("civil_society", "MX-YUC", date(2020, 12, 31)),
        ),
        ("civil society", "yucatan", "2020-12-31", ("civil_society", "MX-YUC", date(2020, 12, 31))),
        ("SOCIEDAD CIVIL", "YUCATÁN", "1/2/2021", ("civil_society", "MX-YUC", date(2021, 2, 1))),
        ("Academia", "Ciudad de Mexico", "05.03.2019", ("academia", "MX-CMX", date(2019, 3, 5))),
        (
            "Industry (private sector)",
            "Mexico City",
            "5-3-2019",
            ("industry", "MX-CMX", date(2019, 3, 5)),
        ),
        ("Gobierno", "Nuevo León", "2019-03-05", ("government", "MX-NLE", date(2019, 3, 5))),
        ("government", "mx-nle", "2019-03-05", ("government", "MX-NLE", date(2019, 3, 5))),
    ],
)
def test_names_in_either_language_and_day_month_year_dates_are_imported(
    client, login_as, db_session, sector, state, joined_on, expected
):
    login_as(Role.COORDINATOR)
    response = _upload(client, HEADER + f"Nueva AC,,{sector},{state},,{joined_on},,no,,\n")
    assert response.status_code == 200, re.findall(r"<li>(.*?)</li>", response.get_data(True))
    assert _confirm(client).status_code == 302
    created = db_session.scalar(select(Institution).where(Institution.name == "Nueva AC"))
    assert (created.sector_slug, created.state_code, created.joined_on) == expected


@pytest.mark.parametrize(
    ("sector", "state", "joined_on", "message"),
    [
        ("Sociedad incivil", "Yucatán", "31/12/2020", "Sector desconocido «Sociedad incivil»"),
        ("Academia", "Atlantis", "31/12/2020", "Entidad desconocida «Atlantis»"),
        ("Academia", "Yucatán", "12/31/2020", "no es una fecha"),
        ("Academia", "Yucatán", "31/02/2020", "no es una fecha"),
        ("Academia", "Yucatán", "31 dic 2020", "no es una fecha"),
    ],
)
def test_unknown_names_and_impossible_dates_are_still_refused(
    client, login_as, db_session, sector, state, joined_on, message
):
    login_as(Role.COORDINATOR)
    response = _upload(client, HEADER + f"Nueva AC,,{sector},{state},,{joined_on},,no,,\n")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(Institution).where(Institution.name == "Nueva AC")) is None


def test_dates_are_read_day_first_or_iso():
    assert parse_date("31/12/2020") == date(2020, 12, 31)
    assert parse_date("2020-12-31") == date(2020, 12, 31)
    assert parse_date("01/02/2020") == date(2020, 2, 1)  # 1 February, never January 2
    assert parse_date("12/31/2020") is None
    assert parse_date("2020/12/31") is None
    assert parse_date("") is None


def test_an_update_preview_shows_old_and_new_values_of_each_changed_cell(
    client, login_as, make_institution
):
    login_as(Role.COORDINATOR)
    make_institution(
        name="Cambia AC",
        acronym="CA",
        sector_slug="academia",
        state_code="MX-CMX",
        joined_on=date(2019, 1, 1),
        basis="documented",
    )
    response = _upload(
        client, HEADER + "Cambia AC,CA2,Industria,Yucatán,,1/2/2019,,no,documented,\n"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    changes = re.search(r'<ul class="mb-0 small list-unstyled changes">(.*?)</ul>', html, re.S)
    assert changes is not None
    cells = [
        re.sub(r"<[^>]+>|\s+", " ", item).split()
        for item in re.findall(r"<li>(.*?)</li>", changes.group(1), re.S)
    ]
    assert [" ".join(cell) for cell in cells] == [
        "acronym : CA → se convierte en CA2",
        "sector : Academia → se convierte en Industria (sector privado)",
        "state : Ciudad de México → se convierte en Yucatán",
        "joined_on : 1 ene 2019 → se convierte en 1 feb 2019",
    ]
    assert "→" in changes.group(1) and "<del>Academia</del>" in changes.group(1)


def test_the_english_page_shows_the_changes_in_english(client, login_as, make_institution):
    login_as(Role.COORDINATOR, locale="en")
    make_institution(name="Cambia AC", sector_slug="academia", joined_on=date(2019, 1, 1))
    html = _upload(client, HEADER + "Cambia AC,,Civil society,,,2019-01-01,,,,\n").get_data(True)
    assert "<del>Academia</del>" in html and "<ins>Civil society</ins>" in html
