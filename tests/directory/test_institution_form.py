"""The institution forms: every problem in one answer, no sector chosen for the coordinator,
a taken name that links to the institution that has it, and a way back."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import Institution, Role


def _errors(html: str, field: str) -> str:
    found = re.search(rf'<div id="{field}-errors"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    return found.group(1) if found else ""


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Institution))


BROKEN = {
    "name": "ECONOMÍA digital ac",
    "sector": "",
    "state": "",
    "website": "edac.mx",
    "joined_on": "31-31-2020",
}


def test_a_new_institution_shows_every_error_at_once(
    client, login_as, db_session, make_institution
):
    login_as(Role.COORDINATOR)
    taken = make_institution(name="Economía Digital AC")
    before = _count(db_session)
    response = client.post("/institutions/new", data=BROKEN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Elija un sector" in _errors(html, "sector")
    assert "http:// o https://" in _errors(html, "website")
    assert _errors(html, "joined_on")  # the malformed date
    name_errors = _errors(html, "name")
    assert "ya está en el directorio" in name_errors
    assert f'<a href="/institutions/{taken.id}">' in name_errors
    assert _count(db_session) == before


def test_the_rules_are_all_shown_when_the_form_itself_is_fine(client, login_as, make_institution):
    login_as(Role.COORDINATOR)
    taken = make_institution(name="Economía Digital AC")
    response = client.post(
        "/institutions/new",
        data={**BROKEN, "sector": "academia", "joined_on": "2020-01-01"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "http:// o https://" in _errors(html, "website")
    assert f'<a href="/institutions/{taken.id}">' in _errors(html, "name")


def test_the_edit_form_shows_every_error_at_once(client, login_as, db_session, make_institution):
    login_as(Role.COORDINATOR)
    make_institution(name="Economía Digital AC")
    mine = make_institution(name="Otra AC", website="https://otra.mx")
    response = client.post(f"/institutions/{mine.id}/edit", data=BROKEN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert _errors(html, "sector") and _errors(html, "website") and _errors(html, "joined_on")
    assert "ya está en el directorio" in _errors(html, "name")
    mine = db_session.get(Institution, mine.id)
    assert (mine.name, mine.website) == ("Otra AC", "https://otra.mx")
    # Its own name is not "taken" by itself.
    response = client.post(
        f"/institutions/{mine.id}/edit",
        data={"name": "OTRA ac", "sector": "academia", "joined_on": "2020-01-01", "website": "x"},
    )
    assert "ya está en el directorio" not in _errors(response.get_data(as_text=True), "name")


def test_no_sector_is_chosen_silently(client, login_as, db_session):
    login_as(Role.COORDINATOR)
    html = client.get("/institutions/new").get_data(as_text=True)
    select_tag = re.search(r'<select[^>]*id="sector"[^>]*>(.*?)</select>', html, re.S)
    assert select_tag is not None and "required" in select_tag.group(0).split(">")[0]
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select_tag.group(1))
    assert options[0] == (' selected value=""', "Elija…") or (
        options[0][1] == "Elija…" and 'value=""' in options[0][0]
    )
    assert not any("selected" in attributes for attributes, _label in options[1:])
    before = _count(db_session)
    response = client.post(
        "/institutions/new", data={"name": "Nueva AC", "joined_on": "2020-01-01"}
    )
    assert response.status_code == 400
    assert "Elija un sector" in _errors(response.get_data(as_text=True), "sector")
    assert _count(db_session) == before


def test_the_website_help_says_what_the_rule_accepts(client, login_as):
    login_as(Role.COORDINATOR)
    html = client.get("/institutions/new").get_data(as_text=True)
    assert "Que empiece con http:// o https://" in html


@pytest.mark.parametrize("editing", [False, True])
def test_the_forms_have_a_cancel_link(client, login_as, make_institution, editing):
    login_as(Role.COORDINATOR)
    institution = make_institution(name="Otra AC")
    path = f"/institutions/{institution.id}/edit" if editing else "/institutions/new"
    html = client.get(path).get_data(as_text=True)
    back = f"/institutions/{institution.id}" if editing else "/institutions"
    assert re.search(rf'<a class="btn btn-link" id="cancel" href="{back}">Cancelar</a>', html)


def test_the_duplicate_link_escapes_the_name_it_shows(client, login_as, make_institution):
    login_as(Role.COORDINATOR)
    taken = make_institution(name="<b>Negritas</b> & Cía")
    response = client.post(
        "/institutions/new",
        data={"name": "<B>negritas</B> & cia", "sector": "academia", "joined_on": "2020-01-01"},
    )
    assert response.status_code == 400
    errors = _errors(response.get_data(as_text=True), "name")
    assert "&lt;b&gt;Negritas&lt;/b&gt; &amp; Cía" in errors and "<b>" not in errors
    assert f'<a href="/institutions/{taken.id}">' in errors
