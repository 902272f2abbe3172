"""'Introduce' on a suggestion: one message to both focal points, remembered and shown."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from coalition_app.network import cache as network_cache
from models import Introduction, OutboxMessage, Role, Tie, TieKind
from models.versions import NETWORK, current_version

TODAY = date.today()


@pytest.fixture
def pair(make_institution, make_user, db_session):
    """Two institutions tied to a common partner: a suggested introduction."""
    a = make_institution(sector_slug="government", name="Secretaría Alfa")
    b = make_institution(sector_slug="academia", name="Universidad Beta")
    hub = make_institution(sector_slug="industry", name="Empresa Centro")
    for other in (a, b):
        db_session.add(Tie.between(other, hub, kind=TieKind.JOINT_PROJECT, since=date(2024, 1, 1)))
    focal = make_user(institution=a, email="enlace@alfa.example.org")
    a.focal_point = focal
    people = [make_user(institution=b, email=f"p{i}@beta.example.org") for i in range(2)]
    db_session.commit()
    return {"a": a, "b": b, "hub": hub, "focal": focal, "people": people}


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("role", "status"), [(Role.COORDINATOR, 200), (Role.MEMBER, 403)], ids=["coordinator", "member"]
)
def test_only_the_coordination_may_open_and_send_an_introduction(
    client, login_as, pair, db_session, role, status
):
    login_as(role)
    url = f"/network/introductions/{pair['a'].id}/{pair['b'].id}"
    assert client.get(url).status_code == status
    response = client.post(url, data={"subject": "Hola", "message": "Les presento."})
    assert response.status_code == (302 if status == 200 else 403)
    assert _count(db_session, Introduction) == (1 if status == 200 else 0)


def test_the_page_offers_introduce_and_the_sent_introduction_is_remembered(
    app, client, login_as, pair, db_session
):
    coordinator = login_as(Role.COORDINATOR)
    html = client.get("/network").get_data(as_text=True)
    a, b = sorted((pair["a"].id, pair["b"].id))
    url = f"/network/introductions/{a}/{b}"
    assert f'href="{url}"' in html and "Presentar" in html
    form = client.get(url).get_data(as_text=True)
    # The focal point of one, the people of the other (no focal point: it says so).
    assert "enlace@alfa.example.org" in form
    assert "No tiene enlace: el mensaje irá a sus personas." in form
    with app.app_context():
        version = current_version(db_session, NETWORK)

    response = client.post(url, data={"subject": "Una presentación", "message": "Les presento."})

    assert response.status_code == 302
    introduction = db_session.scalars(select(Introduction)).one()
    assert (introduction.institution_a_id, introduction.institution_b_id) == (a, b)
    assert introduction.introduced_by_id == coordinator.id and introduction.to_people
    sent = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.recipient)).all()
    assert sorted(m.recipient for m in sent) == sorted(
        ["enlace@alfa.example.org", "p0@beta.example.org", "p1@beta.example.org"]
    )
    assert all(m.subject == "Una presentación" and "Les presento." in m.body for m in sent)
    # Everyone sees who else received it; the profiles are linked with BASE_URL.
    assert all("p1@beta.example.org" in m.body for m in sent)
    assert all(f"http://127.0.0.1:5000/institutions/{a}" in m.body for m in sent)
    # An introduction is no collaboration: the network's version does not move.
    with app.app_context():
        assert current_version(db_session, NETWORK) == version
    html = client.get("/network").get_data(as_text=True)
    assert "Presentadas el" in html and "Presentar de nuevo" in html
    assert "Presentaciones recientes" in html


def test_an_institution_nobody_can_be_written_to_is_refused_next_to_the_message(
    client, login_as, make_institution, pair, db_session
):
    login_as(Role.COORDINATOR)
    nobody = make_institution(name="Sin Personas")
    url = f"/network/introductions/{pair['a'].id}/{nobody.id}"
    response = client.post(url, data={"subject": "Hola", "message": "Les presento."})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Sin Personas no tiene enlace ni personas activas" in html
    assert "Les presento." in html  # what was typed stays
    assert _count(db_session, Introduction) == 0 and _count(db_session, OutboxMessage) == 0


def test_a_blank_message_or_an_unknown_institution_is_refused(client, login_as, pair, db_session):
    login_as(Role.COORDINATOR)
    url = f"/network/introductions/{pair['a'].id}/{pair['b'].id}"
    response = client.post(url, data={"subject": "Hola", "message": "  "})
    assert response.status_code == 400
    assert "Escriba el mensaje que las presenta." in response.get_data(as_text=True)
    assert client.get(f"/network/introductions/{pair['a'].id}/999999").status_code == 404
    assert client.get(f"/network/introductions/{pair['a'].id}/{pair['a'].id}").status_code == 404
    assert _count(db_session, Introduction) == 0


def test_suggestions_on_the_page_are_spread_and_come_from_collaboration(app, pair):
    with app.app_context():
        summary = network_cache.get_cache().get(TODAY).summary
    pairs = [(s["u"], s["v"]) for s in summary["introductions"]]
    assert tuple(sorted((pair["a"].id, pair["b"].id))) in pairs
