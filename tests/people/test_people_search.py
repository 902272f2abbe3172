"""The people page at coalition size: search by name or e-mail, filters by institution, role
and account, pages whose links keep the search, and the same queries whatever the numbers."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import insert, select

from models import Institution, Role, User
from tests.helpers import count_statements


def _names(html: str) -> list[str]:
    table = re.search(r'<table class="[^"]*" id="people">(.*?)</table>', html, re.S)
    assert table is not None
    return re.findall(
        r"<tr id=\"person-\d+\" class=\"[^\"]*\">\s*<td[^>]*>([^<]*)</td>", table.group(1)
    )


@pytest.fixture
def staff(login_as, make_institution, make_user):
    me = login_as(Role.COORDINATOR, full_name="Ana Coordinadora")
    unam = make_institution(name="Universidad Nacional", acronym="UNAM")
    inegi = make_institution(name="Instituto de Estadística", acronym="INEGI")
    make_user(full_name="Berta Ruiz", email="berta@unam.mx", institution=unam)
    make_user(full_name="Carlos Díaz", email="cdiaz@inegi.org.mx", institution=inegi)
    make_user(full_name="Dora Paz", email="dora@unam.mx", institution=unam, role=Role.COORDINATOR)
    make_user(full_name="Elena Sol", email="elena@inegi.org.mx", institution=inegi, is_active=False)
    return {"me": me, "unam": unam, "inegi": inegi}


def test_search_by_name_or_e_mail_ignoring_case(client, staff):
    assert _names(client.get("/people?q=berta").get_data(True)) == ["Berta Ruiz"]
    assert _names(client.get("/people?q=INEGI.ORG").get_data(True)) == ["Carlos Díaz", "Elena Sol"]
    html = client.get("/people?q=nadie").get_data(True)
    assert _names(html) == [] and "Nadie coincide con esta búsqueda" in html


def test_search_ignores_accents_both_ways(client, db_session, staff):
    assert _names(client.get("/people?q=diaz").get_data(True)) == ["Carlos Díaz"]
    assert _names(client.get("/people?q=D%C3%8DAZ").get_data(True)) == ["Carlos Díaz"]  # DÍAZ
    assert _names(client.get("/people?q=r%C3%BAiz").get_data(True)) == ["Berta Ruiz"]  # rúiz
    # A renamed person is found by the new name (the key follows the name).
    person = db_session.scalar(select(User).where(User.full_name == "Berta Ruiz"))
    person.full_name = "Berta Núñez"
    db_session.commit()
    assert _names(client.get("/people?q=nunez").get_data(True)) == ["Berta Núñez"]


def test_filters_by_institution_role_and_account(client, staff):
    unam = staff["unam"].id
    assert _names(client.get(f"/people?institution={unam}").get_data(True)) == [
        "Berta Ruiz",
        "Dora Paz",
    ]
    coordinators = _names(client.get("/people?role=coordinator").get_data(True))
    assert coordinators == ["Ana Coordinadora", "Dora Paz"]
    assert _names(client.get("/people?status=inactive").get_data(True)) == ["Elena Sol"]
    assert "Elena Sol" not in _names(client.get("/people?status=active").get_data(True))
    both = client.get(f"/people?institution={unam}&role=member&q=unam.mx").get_data(True)
    assert _names(both) == ["Berta Ruiz"]
    # The form shows what was asked for.
    assert f'<option value="{unam}" selected>' in both
    assert '<option value="member" selected>' in both


@pytest.mark.parametrize(
    "query",
    ["role=emperor", "status=maybe", "institution=abc", "institution=999999", "page=0", "page=²"],
)
def test_values_it_does_not_know_are_a_400(client, staff, query):
    assert client.get(f"/people?{query}").status_code == 400


def _many(db_session, institution, n: int, start: int = 0) -> None:
    db_session.execute(
        insert(User),
        [
            {
                "email": f"persona{i:04d}@example.org",
                "full_name": f"Persona {i:04d}",
                "institution_id": institution.id,
                "is_active": True,
                "role": "member",
            }
            for i in range(start, start + n)
        ],
    )
    db_session.commit()


def test_pages_keep_the_search_in_their_links(client, db_session, staff):
    _many(db_session, staff["unam"], 120)
    unam = staff["unam"].id
    html = client.get(f"/people?q=persona&institution={unam}&status=active").get_data(True)
    assert "120 personas" in html
    assert len(_names(html)) == 50
    pager = re.search(r'<ul class="pagination flex-wrap" id="people-pages">(.*?)</ul>', html, re.S)
    assert pager is not None
    links = set(re.findall(r'href="([^"]+)"', pager.group(1)))
    assert f"/people?q=persona&amp;institution={unam}&amp;status=active&amp;page=3" in links
    third = client.get(f"/people?q=persona&institution={unam}&status=active&page=3").get_data(True)
    assert _names(third) == [f"Persona {i:04d}" for i in range(100, 120)]
    assert "mostrando 101–120" in third


@pytest.mark.parametrize(
    "query", ["", "?q=persona", "?role=member&status=active", "?institution={unam}&page=2"]
)
def test_the_people_page_runs_the_same_queries_at_60_and_at_500_people(
    client, db_session, staff, query
):
    url = "/people" + query.format(unam=staff["unam"].id)
    _many(db_session, staff["unam"], 60)
    with count_statements(db_session.get_bind()) as few:
        assert client.get(url).status_code == 200
    _many(db_session, staff["unam"], 440, start=60)
    db_session.execute(  # and many more institutions to invite people to
        insert(Institution),
        [
            {
                "name": f"Invitable {i:03d}",
                "name_key": f"invitable {i:03d}",
                "sector_slug": "academia",
                "joined_on": date(2020, 1, 1),
                "is_founder": False,
                "basis": "demo",
            }
            for i in range(150)
        ],
    )
    db_session.commit()
    with count_statements(db_session.get_bind()) as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count


def test_a_change_of_role_or_account_comes_back_to_the_same_search(client, db_session, staff):
    _many(db_session, staff["unam"], 60)
    unam = staff["unam"].id
    html = client.get(f"/people?q=persona&institution={unam}&page=2").get_data(True)
    back = f"/people?q=persona&amp;institution={unam}&amp;page=2"
    assert f'<input type="hidden" name="next" value="{back}">' in html
    person = db_session.scalar(select(User).where(User.email == "persona0055@example.org"))
    expected = f"/people?q=persona&institution={unam}&page=2"
    response = client.post(
        f"/people/{person.id}/role", data={"role": "coordinator", "next": expected}
    )
    assert response.status_code == 302 and response.location == expected
    response = client.post(f"/people/{person.id}/active", data={"active": "0", "next": expected})
    assert response.status_code == 302 and response.location == expected
    # Only back to the people page: any other address is ignored.
    for elsewhere in ("https://evil.example/people", "//evil.example/people", "/audit/"):
        response = client.post(
            f"/people/{person.id}/active", data={"active": "1", "next": elsewhere}
        )
        assert response.location == "/people"


def _row(html: str, person: User) -> str:
    row = re.search(rf'<tr id="person-{person.id}" class="([^"]*)">(.*?)</tr>', html, re.S)
    assert row is not None
    return f"{row.group(1)}|{row.group(2)}"


def test_each_row_has_its_own_forms_and_the_right_account_action(
    client, db_session, staff, make_user
):
    tricky = make_user(
        full_name="Zoé <b>&</b>", email="zoe@unam.mx", institution=staff["unam"], is_active=False
    )
    berta = db_session.scalar(select(User).where(User.full_name == "Berta Ruiz"))
    html = client.get("/people?q=unam.mx&lang=es").get_data(True)
    active = _row(html, berta)
    assert active.startswith("|")  # an active row is not greyed
    assert f'action="/people/{berta.id}/role"' in active
    assert f'<select class="form-select form-select-sm" name="role" id="role-{berta.id}">' in active
    assert '<option value="member" selected>' in active
    assert '<option value="coordinator" >' in active
    assert f'href="/institutions/{staff["unam"].id}">UNAM</a>' in active
    assert active.count('name="next" value="/people?q=unam.mx"') == 3  # its three forms
    assert '<input type="hidden" name="active" value="0">' in active
    assert f'action="/people/{berta.id}/end-sessions"' in active
    inactive = _row(html, tricky)
    assert inactive.startswith("text-body-secondary|")
    # The name is escaped wherever it shows, the label of the role picker included.
    assert "Zoé &lt;b&gt;&amp;&lt;/b&gt;" in inactive and "<b>" not in inactive
    assert f'for="role-{tricky.id}">Rol de Zoé &lt;b&gt;' in inactive
    assert '<input type="hidden" name="active" value="1">' in inactive
    assert "/end-sessions" not in inactive  # no sessions to end for an inactive account
    assert inactive.count('name="next"') == 2
