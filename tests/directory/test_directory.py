"""The directory, profiles, the coordinator's institution pages and the leadership export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select

from models import (
    AuditEvent,
    Deliverable,
    GroupChair,
    GroupMembership,
    GroupRole,
    Institution,
    Role,
    Sector,
    State,
    Tie,
    TieKind,
    WorkingGroup,
)
from tests.helpers import count_statements

TODAY = date.today()


@pytest.fixture
def reference(db_session):
    """The migrations load the sectors and states; nothing more is needed."""
    assert db_session.get(Sector, "academia") is not None
    assert db_session.get(State, "MX-JAL") is not None


def _bulk(db_session, n: int, start: int = 0, **fields) -> None:
    rows = [
        {
            "name": f"Centro de Investigación {i:05d}",
            "name_key": f"centro de investigacion {i:05d}",
            "acronym": f"CI{i}",
            "sector_slug": "industry" if i % 2 else "academia",
            "state_code": "MX-JAL",
            "joined_on": date(2020, 1, 1) + timedelta(days=i % 900),
            "is_founder": False,
            "basis": "demo",
            "created_at": date(2020, 1, 1),
            **fields,
        }
        for i in range(start, start + n)
    ]
    db_session.execute(insert(Institution), rows)
    db_session.commit()


def test_directory_searches_ignoring_case_and_accents(
    reference, client, login_as, make_institution
):
    login_as()
    make_institution(name="Secretaría de Economía", acronym="SE", sector_slug="government")
    make_institution(name="Universidad Nacional Autónoma de México", acronym="UNAM")
    html = client.get("/institutions?q=economia").get_data(as_text=True)
    assert "Secretaría de Economía" in html and "UNAM" not in html
    html = client.get("/institutions?q=unam").get_data(as_text=True)
    assert "Universidad Nacional Autónoma de México" in html
    html = client.get("/institutions?q=AUTONOMA").get_data(as_text=True)
    assert "Universidad Nacional" in html
    assert "Instituciones" in html


def test_directory_filters_sort_and_counts(
    reference, client, login_as, make_institution, make_group
):
    login_as()
    gone = make_institution(name="Antigua AC", joined_on=date(2018, 6, 1), left_on=date(2020, 1, 1))
    founder = make_institution(name="Fundadora AC", joined_on=date(2018, 6, 1), is_founder=True)
    jal = make_institution(name="Tapatía SA", sector_slug="industry", state_code="MX-JAL")
    make_group(slug="etica", members=[jal])
    assert "Antigua AC" in client.get("/institutions?status=former").get_data(as_text=True)
    active = client.get("/institutions?status=active").get_data(as_text=True)
    assert "Antigua AC" not in active and "Fundadora AC" in active
    founders = client.get("/institutions?founder=yes").get_data(as_text=True)
    assert "Fundadora AC" in founders and "Tapatía SA" not in founders
    in_group = client.get("/institutions?group=etica").get_data(as_text=True)
    assert "Tapatía SA" in in_group and "Fundadora AC" not in in_group
    by_state = client.get("/institutions?state=MX-JAL").get_data(as_text=True)
    assert "Tapatía SA" in by_state and "Antigua AC" not in by_state
    by_sector = client.get("/institutions?sector=industry").get_data(as_text=True)
    assert "Tapatía SA" in by_sector and "Fundadora AC" not in by_sector
    newest_first = client.get("/institutions?sort=joined_on&dir=desc").get_data(as_text=True)
    assert newest_first.index("Tapatía SA") < newest_first.index(gone.name)
    assert founder.name in newest_first
    everything = client.get("/institutions").get_data(as_text=True)
    assert "3 activas, 1 exmiembro" in everything  # with the signed-in person's own


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "sort=evil",
        "status=maybe",
        "sector=nope",
        "state=XX",
        "group=nope",
        "founder=perhaps",
        "dir=sideways",
    ],
)
def test_bad_directory_arguments_are_400(reference, client, login_as, query):
    login_as()
    assert client.get(f"/institutions?{query}").status_code == 400


def test_directory_paginates_by_25(reference, client, login_as, db_session):
    login_as()
    _bulk(db_session, 60)
    first = client.get("/institutions").get_data(as_text=True)
    assert "Centro de Investigación 00000" in first and "Centro de Investigación 00025" not in first
    assert 'href="/institutions?page=3"' in first
    third = client.get("/institutions?page=3").get_data(as_text=True)
    assert "Centro de Investigación 00050" in third
    assert client.get("/institutions?page=999").status_code == 200  # clamped to the last page


def test_directory_runs_a_fixed_number_of_queries(reference, app, client, login_as, db_session):
    login_as()
    _bulk(db_session, 5)
    url = "/institutions?q=centro&sort=state&status=active&page=1"
    with count_statements(db_session.get_bind()) as few:
        assert client.get(url).status_code == 200
    _bulk(db_session, 600, start=5)
    with count_statements(db_session.get_bind()) as many:
        assert client.get(url).status_code == 200
    assert few.count > 0  # the statements were really counted
    assert many.count == few.count, (few.statements, many.statements)


def test_profile_shows_groups_people_ties_deliverables_in_fixed_queries(
    reference, client, login_as, db_session, make_institution, make_user, make_group
):
    viewer = login_as()
    unam = make_institution(
        name="Universidad Nacional Autónoma de México",
        acronym="UNAM",
        website="https://www.unam.mx",
    )
    partner = make_institution(name="Socio AC")
    group = make_group(leads=[unam])
    old = group.memberships[0]
    old.until = date(2021, 1, 1)
    db_session.add(
        GroupMembership(
            group=group, institution=unam, role=GroupRole.MEMBER, since=date(2021, 1, 1)
        )
    )
    db_session.add(
        Tie.between(
            partner, unam, kind=TieKind.AGREEMENT, since=date(2020, 2, 2), note="Convenio marco"
        )
    )
    db_session.add(Deliverable(group=group, owner_institution=unam, title="Guía de ética"))
    make_user(full_name="Ana Pérez", institution=unam)
    db_session.commit()
    with count_statements(db_session.get_bind()) as few:
        html = client.get(f"/institutions/{unam.id}").get_data(as_text=True)
    for text in (
        "Universidad Nacional",
        "https://www.unam.mx",
        group.name_es,
        "Convenio marco",
        "Socio AC",
        "Guía de ética",
        "Ana Pérez",
        "Líder" if "Líder" in html else "lead",
    ):
        assert text in html
    # More data of every kind.
    for n in range(15):
        other = make_institution(name=f"Otra {n}")
        g = make_group(members=[unam, other])
        db_session.add(Tie.between(other, unam, kind=TieKind.EVENT, since=date(2021, 1, 1)))
        db_session.add(Deliverable(group=g, owner_institution=unam, title=f"Entregable {n}"))
        make_user(institution=unam)
    db_session.commit()
    with count_statements(db_session.get_bind()) as many:
        assert client.get(f"/institutions/{unam.id}").status_code == 200
    assert many.count == few.count
    assert viewer is not None
    assert client.get("/institutions/999999").status_code == 404


def test_coordinator_adds_edits_and_ends_a_membership(reference, client, login_as, db_session):
    login_as(Role.COORDINATOR)
    response = client.post(
        "/institutions/new",
        data={
            "name": "Economía Digital AC",
            "acronym": "EDAC",
            "sector": "academia",
            "state": "MX-CMX",
            "website": "https://edac.mx",
            "joined_on": "2021-03-04",
        },
    )
    assert response.status_code == 302
    institution = db_session.scalar(select(Institution).where(Institution.acronym == "EDAC"))
    response = client.post(
        f"/institutions/{institution.id}/edit",
        data={
            "name": "Economía Digital AC",
            "acronym": "EDAC2",
            "sector": "industry",
            "state": "",
            "website": "",
            "joined_on": "2021-03-04",
        },
    )
    assert response.status_code == 302
    institution = db_session.get(Institution, institution.id)
    assert (institution.acronym, institution.sector_slug, institution.state_code) == (
        "EDAC2",
        "industry",
        None,
    )
    response = client.post(f"/institutions/{institution.id}/end", data={"left_on": "2024-05-01"})
    assert response.status_code == 302
    institution = db_session.get(Institution, institution.id)
    assert institution.left_on == date(2024, 5, 1)
    assert "Exmiembro" in client.get(f"/institutions/{institution.id}").get_data(as_text=True)
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == institution.id)
    ).all()
    assert actions == ["institution.create", "institution.update", "institution.end_membership"]


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"sector": "space"}, "sector"),
        ({"state": "MX-XXX"}, "state"),
        ({"joined_on": (TODAY + timedelta(days=3)).isoformat()}, "futuro"),
        ({"name": "ECONOMIA digital ac"}, "ya está en el directorio"),
        ({"name": "  "}, "nombre"),
        ({"website": "javascript:alert(1)"}, "http"),
    ],
)
def test_bad_institution_input_is_shown_next_to_the_field(
    reference, client, login_as, db_session, make_institution, changes, field_message
):
    login_as(Role.COORDINATOR)
    make_institution(name="Economía Digital AC")
    before = db_session.scalar(select(func.count()).select_from(Institution))
    data = {"name": "Nueva AC", "sector": "academia", "state": "", "joined_on": "2020-01-01"}
    data.update(changes)
    response = client.post("/institutions/new", data=data)
    assert response.status_code == 400
    assert field_message in response.get_data(as_text=True)
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Institution)) == before


def test_end_before_joining_is_refused(reference, client, login_as, make_institution):
    login_as(Role.COORDINATOR)
    institution = make_institution(joined_on=date(2020, 1, 1))
    response = client.post(f"/institutions/{institution.id}/end", data={"left_on": "2019-01-01"})
    assert response.status_code == 400
    assert "anterior a la de ingreso" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/institutions/new"),
        ("post", "/institutions/new"),
        ("get", "/institutions/{id}/edit"),
        ("post", "/institutions/{id}/edit"),
        ("post", "/institutions/{id}/end"),
        ("get", "/institutions/export.csv"),
        ("get", "/institutions/import"),
        ("post", "/institutions/import/confirm"),
        ("get", "/people"),
        ("post", "/people/invite"),
        ("post", "/people/{user}/active"),
        ("post", "/people/{user}/role"),
    ],
)
def test_members_get_403_on_coordinator_pages_and_nothing_changes(
    reference, client, login_as, db_session, make_institution, make_user, method, path
):
    member = login_as(Role.MEMBER)
    institution = make_institution(name="Intocable AC")
    other = make_user()
    url = path.format(id=institution.id, user=other.id)
    data = {
        "name": "Cambiada",
        "sector": "academia",
        "joined_on": "2020-01-01",
        "left_on": "2021-01-01",
        "active": "0",
        "role": "coordinator",
        "email": "x@example.org",
        "full_name": "X",
        "institution_id": institution.id,
    }
    response = getattr(client, method)(url, data=data) if method == "post" else client.get(url)
    assert response.status_code == 403
    institution = db_session.get(Institution, institution.id)
    other = db_session.get(type(other), other.id)
    assert (institution.name, institution.left_on) == ("Intocable AC", None)
    assert other.is_active and other.role == Role.MEMBER
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.not_like("sign_in%"))
        )
        == 0
    )
    assert member.role == Role.MEMBER


def test_people_nav_only_for_coordinators(reference, client, login_as):
    login_as(Role.MEMBER)
    html = client.get("/institutions").get_data(as_text=True)
    assert 'href="/people"' not in html and 'href="/growth"' in html


def test_leadership_history_csv(seeded_client, seeded_session):
    from tests.helpers import sign_in

    sign_in(seeded_client, "member@example.org", "coalition-demo")
    response = seeded_client.get("/groups/leadership.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "group,institution,role,since,until,person"
    leads = seeded_session.scalar(
        select(func.count())
        .select_from(GroupMembership)
        .where(GroupMembership.role == GroupRole.LEAD)
    )
    chairs = seeded_session.scalar(select(func.count()).select_from(GroupChair))
    assert len(lines) - 1 == leads + chairs
    assert any(line.startswith("etica,C Minds,lead,2019-11-01,,") for line in lines)
    assert (
        "etica,Universidad Nacional Autónoma de México,chair,2019-11-01,,Mariana Castañeda Ruiz"
        in lines
    )
    assert (
        "datos,Secretaría de Economía,chair,2019-11-01,2020-06-30,Luis Fernando Aguilar Rosas"
        in lines
    )
    assert seeded_session.scalar(select(func.count()).select_from(WorkingGroup)) > 0
