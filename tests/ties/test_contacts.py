"""Contacts: each institution's focal point, its people (titles and phones for signed-in
members), the people of a group's institutions, and a chair's e-mail to the group."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEvent, Institution, OutboxMessage, Role
from tests.helpers import count_statements, sign_in


def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


@pytest.fixture
def group_world(db_session, make_institution, make_user, make_group):
    lead = make_institution(name="Delta Gobierno", acronym="DELTA")
    member = make_institution(name="Beta Asociación", acronym="BETA")
    outside = make_institution(name="Gama Empresa", acronym="GAMA")
    group = make_group(slug="datos-t", leads=[lead], members=[member])
    return {
        "group": group,
        "lead": lead,
        "member_institution": member,
        "chair": make_user(institution=lead, full_name="Dora Delta", chair_of=group),
        "member": make_user(
            institution=member,
            full_name="Beto Beta",
            title="Director de datos",
            phone="+52 55 1234 5678",
        ),
        "inactive": make_user(institution=member, full_name="Iván Inactivo", is_active=False),
        "outsider": make_user(institution=outside, full_name="Gina Gama"),
        "coordinator": make_user(role=Role.COORDINATOR, full_name="Eva Eps"),
    }


@pytest.mark.parametrize(
    "role,allowed",
    [("member", True), ("outsider", False), ("chair", False), ("coordinator", True)],
)
def test_who_may_name_the_focal_point(app, db_session, group_world, role, allowed):
    institution = group_world["member_institution"]
    client = _client(app, group_world[role])
    person = group_world["member"]
    page = client.get(f"/institutions/{institution.id}").get_data(as_text=True)
    assert ('id="focal-point-form"' in page) is allowed
    response = client.post(
        f"/institutions/{institution.id}/focal-point", data={"person_id": str(person.id)}
    )
    assert response.status_code == (302 if allowed else 403)
    db_session.expire_all()
    assert (db_session.get(Institution, institution.id).focal_point_id == person.id) is allowed
    if allowed:
        page = client.get(f"/institutions/{institution.id}").get_data(as_text=True)
        focal = page.split('id="focal-point"')[1].split("</p>")[0]
        assert "Beto Beta" in focal and "Director de datos" in focal
        assert "institution.focal_point" in db_session.scalars(select(AuditEvent.action)).all()


def test_only_an_active_person_of_the_institution_can_be_its_focal_point(
    app, db_session, group_world
):
    institution = group_world["member_institution"]
    client = _client(app, group_world["coordinator"])
    for person in (group_world["inactive"], group_world["outsider"]):
        response = client.post(
            f"/institutions/{institution.id}/focal-point", data={"person_id": str(person.id)}
        )
        assert response.status_code == 400
        assert "Elija a una de las personas activas" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Institution, institution.id).focal_point_id is None


def test_profile_people_show_title_and_phone_and_are_paged(app, db_session, group_world, make_user):
    institution = group_world["member_institution"]
    make_user(institution=institution, full_name="Zoe Teléfono", phone="+52 55 0000 1111")
    client = _client(app, group_world["outsider"])
    page = client.get(f"/institutions/{institution.id}").get_data(as_text=True)
    assert "Director de datos" in page and 'href="tel:+52 55 0000 1111"' in page
    for n in range(25):
        make_user(institution=institution, full_name=f"Persona Extra {n:02d}")
    first = client.get(f"/institutions/{institution.id}").get_data(as_text=True)
    second = client.get(f"/institutions/{institution.id}?people=2").get_data(as_text=True)
    assert "Persona Extra 00" in first and "Persona Extra 24" not in first
    assert "Persona Extra 24" in second and "Personas 21–28 de 28" in second
    assert client.get(f"/institutions/{institution.id}?people=x").status_code == 400


def test_the_group_page_lists_its_institutions_people_in_fixed_queries(
    app, db_session, group_world, make_user
):
    client = _client(app, group_world["outsider"])
    group = group_world["group"]
    client.get(f"/groups/{group.slug}")  # the session's first page asks a little more
    make_user(institution=group_world["member_institution"], full_name="Primera Extra")
    with count_statements(db_session.get_bind()) as few:
        html = client.get(f"/groups/{group.slug}").get_data(as_text=True)
    people = html.split('id="group-people"')[1].split("</table>")[0]
    assert "Beto Beta" in people and "Director de datos" in people and "Dora Delta" in people
    assert '<a href="tel:+52 55 1234 5678">' in people  # the phone too, for signed-in members
    assert "Gina Gama" not in people and "Iván Inactivo" not in people
    for n in range(20):
        make_user(institution=group_world["member_institution"], full_name=f"Extra {n}")
    with count_statements(db_session.get_bind()) as many:
        html = client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert "Extra 19" in html
    assert few.count > 0 and many.count == few.count, (few.statements, many.statements)


@pytest.mark.parametrize(
    "role,allowed",
    [("member", False), ("outsider", False), ("chair", True), ("coordinator", True)],
)
def test_a_chair_emails_the_group_through_the_outbox(app, db_session, group_world, role, allowed):
    group = group_world["group"]
    client = _client(app, group_world[role])
    assert client.get(f"/groups/{group.slug}/email").status_code == (200 if allowed else 403)
    before = db_session.scalars(select(OutboxMessage.id)).all()
    response = client.post(
        f"/groups/{group.slug}/email",
        data={"subject": "Reunión del jueves", "message": "Nos vemos a las 10."},
    )
    assert response.status_code == (302 if allowed else 403)
    db_session.expire_all()
    new = db_session.scalars(select(OutboxMessage).where(OutboxMessage.id.notin_(before))).all()
    if not allowed:
        assert new == []
        return
    recipients = sorted(m.recipient for m in new)
    expected = sorted(group_world[k].email for k in ("chair", "member"))
    assert recipients == expected  # active people of current institutions, one each
    sender = group_world[role].full_name
    assert all(sender in m.body and "Nos vemos a las 10." in m.body for m in new)
    assert all("Reunión del jueves" in m.subject for m in new)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "group.email")).one()
    assert event.details["recipients"] == 2


def test_the_group_email_shows_its_limits_and_refuses_an_empty_message(
    app, db_session, group_world
):
    group = group_world["group"]
    client = _client(app, group_world["chair"])
    form = client.get(f"/groups/{group.slug}/email").get_data(as_text=True)
    assert "Hasta 150 caracteres." in form and 'data-limit="5000"' in form
    assert "Llega a 2 personas" in form
    response = client.post(
        f"/groups/{group.slug}/email", data={"subject": "x" * 151, "message": ""}
    )
    assert response.status_code == 400
    assert db_session.scalars(select(OutboxMessage)).all() == []


def test_contacts_are_never_shown_to_someone_signed_out(app, db_session, group_world):
    """Titles and phones are for signed-in members: the profile and group pages ask to sign
    in, and the public site and its open data name neither."""
    member, group = group_world["member"], group_world["group"]
    member.phone = "+52 55 9999 0000"
    group_world["member_institution"].focal_point = member
    db_session.commit()
    anonymous = app.test_client()
    for path in (f"/institutions/{group_world['member_institution'].id}", f"/groups/{group.slug}"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    for path in ("/miembros", "/datos/directorio.csv", "/datos/directorio.json"):
        response = anonymous.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert "9999 0000" not in text and "Director de datos" not in text, path
