"""The coordinator's membership form at coalition size: a searchable institution field (a
text field with suggestions, by name or acronym, checked on the server) and a start date
(today unless changed; not before the institution joined, not after today)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from coalition_app.core import clock
from models import GroupMembership, GroupRole, Institution, Role
from tests.helpers import count_statements


@pytest.fixture
def scene(login_as, make_institution, make_group):
    login_as(Role.COORDINATOR)
    unam = make_institution(
        name="Universidad Nacional Autónoma de México", acronym="UNAM", joined_on=date(2019, 3, 1)
    )
    inegi = make_institution(
        name="Instituto Nacional de Estadística", acronym="INEGI", joined_on=date(2020, 1, 1)
    )
    gone = make_institution(name="Antigua AC", joined_on=date(2018, 1, 1), left_on=date(2020, 1, 1))
    group = make_group(slug="etica")
    return {"unam": unam, "inegi": inegi, "gone": gone, "group": group}


def _rows(db_session, group, institution):
    return db_session.scalars(
        select(GroupMembership)
        .where(
            GroupMembership.group_id == group.id, GroupMembership.institution_id == institution.id
        )
        .order_by(GroupMembership.since)
    ).all()


def _errors(html: str, field: str) -> str:
    found = re.search(rf'<div id="{field}-errors"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    return found.group(1) if found else ""


def test_the_institution_is_a_searchable_field_not_a_long_menu(client, scene):
    html = client.get("/groups/etica/members").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="institution"[^>]*>', html)
    assert field is not None and 'list="institution-options"' in field.group(0)
    assert '<select class="form-select" id="institution' not in html
    options = re.search(r'<datalist id="institution-options">(.*?)</datalist>', html, re.S)
    assert options is not None
    listed = re.findall(r'<option value="([^"]*)">', options.group(1))
    # (The coordinator's own institution, "Institución de prueba", is a candidate too.)
    assert [name for name in listed if "prueba" not in name] == [
        "Instituto Nacional de Estadística",
        "Universidad Nacional Autónoma de México",
    ]
    assert "Antigua AC" not in options.group(1)  # former members are no candidates
    assert f'value="{clock.today().isoformat()}"' in re.search(
        r'<input[^>]*id="since"[^>]*>', html
    ).group(0)


@pytest.mark.parametrize(
    "written",
    ["Universidad Nacional Autónoma de México", "universidad nacional autonoma de mexico", "unam"],
)
def test_an_institution_is_chosen_by_name_or_acronym(client, db_session, scene, written):
    response = client.post("/groups/etica/members", data={"institution": written, "role": "lead"})
    assert response.status_code == 302
    rows = _rows(db_session, scene["group"], scene["unam"])
    assert [(r.role, r.since, r.until) for r in rows] == [(GroupRole.LEAD, clock.today(), None)]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("Universidad", "¿Quiso decir: Universidad Nacional Autónoma de México?"),
        ("Nacional", "Instituto Nacional de Estadística; Universidad Nacional"),
        ("Atlantis", "Escriba parte de su nombre o sus siglas"),
        ("Antigua AC", "Ninguna institución miembro activa se llama «Antigua AC»"),
        ("", "Elija una institución"),
    ],
)
def test_a_name_that_names_no_candidate_is_refused_with_suggestions(
    client, db_session, scene, written, message
):
    response = client.post("/groups/etica/members", data={"institution": written, "role": "member"})
    assert response.status_code == 400
    assert message in _errors(response.get_data(as_text=True), "institution")
    assert db_session.scalars(select(GroupMembership)).all() == []


def test_the_coordinator_picks_the_start_date(client, db_session, scene):
    start = date(2021, 6, 1)
    response = client.post(
        "/groups/etica/members",
        data={"institution": "UNAM", "role": "member", "since": start.isoformat()},
    )
    assert response.status_code == 302
    # Then becomes lead from a later day: the member row closes that day.
    later = date(2023, 2, 1)
    client.post(
        "/groups/etica/members",
        data={"institution": "UNAM", "role": "lead", "since": later.isoformat()},
    )
    rows = _rows(db_session, scene["group"], scene["unam"])
    assert [(r.role, r.since, r.until) for r in rows] == [
        (GroupRole.MEMBER, start, later),
        (GroupRole.LEAD, later, None),
    ]
    html = client.get("/groups/etica/members").get_data(as_text=True)
    assert "1 jun 2021" in html and "1 feb 2023" in html


def test_an_earlier_date_for_the_same_role_corrects_the_start(client, db_session, scene):
    client.post("/groups/etica/members", data={"institution": "UNAM", "role": "member"})
    response = client.post(
        "/groups/etica/members",
        data={"institution": "UNAM", "role": "member", "since": "2020-05-04"},
    )
    assert response.status_code == 302
    rows = _rows(db_session, scene["group"], scene["unam"])
    assert [(r.since, r.until) for r in rows] == [(date(2020, 5, 4), None)]


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ((date.today() + timedelta(days=1)).isoformat(), "no puede ser posterior a hoy"),
        ("2019-02-28", "ingresó a la coalición el 1 de marzo de 2019"),
        ("2019-13-01", ""),
    ],
)
def test_a_start_date_outside_the_rules_is_refused(client, db_session, scene, since, message):
    response = client.post(
        "/groups/etica/members", data={"institution": "UNAM", "role": "member", "since": since}
    )
    assert response.status_code == 400
    errors = _errors(response.get_data(as_text=True), "since")
    assert errors and message in errors
    assert _rows(db_session, scene["group"], scene["unam"]) == []


def test_a_change_cannot_start_before_the_row_it_closes_or_overlap_an_earlier_one(
    client, db_session, scene
):
    client.post(
        "/groups/etica/members",
        data={"institution": "UNAM", "role": "member", "since": "2021-01-01"},
    )
    response = client.post(
        "/groups/etica/members", data={"institution": "UNAM", "role": "lead", "since": "2020-06-01"}
    )
    assert response.status_code == 400
    assert "Su registro actual en el grupo comenzó el 1 de enero de 2021" in _errors(
        response.get_data(as_text=True), "since"
    )
    # Taken out in 2022, it cannot come back from a day it was still in.
    client.post(
        "/groups/etica/members", data={"institution": "UNAM", "role": "none", "since": "2022-01-01"}
    )
    response = client.post(
        "/groups/etica/members",
        data={"institution": "UNAM", "role": "member", "since": "2021-06-01"},
    )
    assert response.status_code == 400
    assert "Estuvo en el grupo hasta el 1 de enero de 2022" in _errors(
        response.get_data(as_text=True), "since"
    )
    rows = _rows(db_session, scene["group"], scene["unam"])
    assert [(r.role, r.since, r.until) for r in rows] == [
        (GroupRole.MEMBER, date(2021, 1, 1), date(2022, 1, 1))
    ]


def test_members_page_runs_the_same_queries_with_many_candidates(client, db_session, scene):
    def grow(n: int, start: int) -> None:
        db_session.execute(
            insert(Institution),
            [
                {
                    "name": f"Candidata {i:04d}",
                    "name_key": f"candidata {i:04d}",
                    "sector_slug": "academia",
                    "joined_on": date(2020, 1, 1),
                    "is_founder": False,
                    "basis": "demo",
                }
                for i in range(start, start + n)
            ],
        )
        db_session.commit()

    grow(5, 0)
    with count_statements(db_session.get_bind()) as few:
        assert client.get("/groups/etica/members").status_code == 200
    grow(150, 5)
    with count_statements(db_session.get_bind()) as many:
        html = client.get("/groups/etica/members").get_data(as_text=True)
    assert many.count == few.count
    assert "Candidata 0154" in html
