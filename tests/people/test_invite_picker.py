"""The invitation form's institution: a text field with suggestions (by name or acronym,
checked on the server), not a menu of every institution."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from models import Invitation, Role


@pytest.fixture
def institutions(login_as, make_institution):
    login_as(Role.COORDINATOR)
    return {
        "unam": make_institution(name="Universidad Nacional Autónoma de México", acronym="UNAM"),
        "gone": make_institution(
            name="Antigua AC", joined_on=date(2018, 1, 1), left_on=date(2020, 1, 1)
        ),
    }


def _invite(client, **fields):
    data = {"full_name": "Nueva Persona", "email": "nueva@example.org", "role": "member"}
    return client.post("/people/invite", data={**data, **fields})


def _errors(html: str) -> str:
    found = re.search(r'<div id="institution-errors"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    return found.group(1) if found else ""


def test_the_invitation_form_suggests_active_institutions(client, institutions):
    html = client.get("/people").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="institution"[^>]*>', html)
    assert field is not None and 'list="invite-institution-options"' in field.group(0)
    options = re.search(r'<datalist id="invite-institution-options">(.*?)</datalist>', html, re.S)
    assert options is not None
    assert '<option value="Universidad Nacional Autónoma de México">UNAM</option>' in options.group(
        1
    )
    assert "Antigua AC" not in options.group(1)


@pytest.mark.parametrize("written", ["universidad nacional autonoma de mexico", "UNAM"])
def test_an_invitation_names_its_institution_by_name_or_acronym(
    client, db_session, institutions, written
):
    assert _invite(client, institution=written).status_code == 200
    invitation = db_session.scalar(select(Invitation))
    assert invitation.institution_id == institutions["unam"].id


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("Universidad", "¿Quiso decir: Universidad Nacional Autónoma de México?"),
        ("Antigua AC", "Ninguna institución miembro activa se llama «Antigua AC»"),
        ("", "Elija una institución"),
    ],
)
def test_a_text_that_names_no_active_institution_is_refused(
    client, db_session, institutions, written, message
):
    response = _invite(client, institution=written)
    assert response.status_code == 400
    assert message in _errors(response.get_data(as_text=True))
    assert db_session.scalar(select(Invitation)) is None
