"""'Introduce' on a suggestion: one message to both focal points, remembered and shown."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from coalition_app.network import cache as network_cache
from models import (
    GroupMembership,
    GroupRole,
    Introduction,
    OutboxMessage,
    Role,
    Tie,
    TieKind,
    WorkingGroup,
)
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
    recent = html.split('id="recent-introductions"')[1].split("</ul>")[0]
    first, second = (pair["a"], pair["b"]) if pair["a"].id == a else (pair["b"], pair["a"])
    assert f"{first.name} y {second.name}" in recent and recent.count("<li>") == 1


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


@pytest.fixture
def shared_work(pair, make_institution, make_group, make_user, db_session):
    """A group both institutions of the pair belong to, its chair, and an open deliverable;
    and a group they do not share, with its own chair."""
    from models import Deliverable

    lead = make_institution(name="Líder del grupo")
    group = make_group(leads=[lead], members=[pair["a"], pair["b"]], slug="compartido")
    chair = make_user(institution=lead, full_name="Presidenta Común", chair_of=group)
    other_lead = make_institution(name="Otro líder")
    other = make_group(leads=[other_lead], members=[pair["a"]], slug="ajeno")
    other_chair = make_user(institution=other_lead, full_name="Presidente Ajeno", chair_of=other)
    deliverable = Deliverable(group=group, title="Mapa de actores")
    other_deliverable = Deliverable(group=other, title="Otro entregable")
    db_session.add_all([deliverable, other_deliverable])
    db_session.commit()
    return {
        "chair": chair,
        "other_chair": other_chair,
        "deliverable": deliverable,
        "other_deliverable": other_deliverable,
    }


def test_an_introduction_can_be_a_task_for_a_chair_of_a_group_both_share(
    client, login_as, pair, shared_work, db_session
):
    from models import Notification, Task

    login_as(Role.COORDINATOR)
    url = f"/network/introductions/{pair['a'].id}/{pair['b'].id}"
    page = client.get(url).get_data(as_text=True)
    # Only the shared group's deliverables and chairs are offered.
    assert "Mapa de actores" in page and "Presidenta Común" in page
    assert "Otro entregable" not in page and "Presidente Ajeno" not in page
    form = {
        "task-deliverable_id": str(shared_work["deliverable"].id),
        "task-assignee_id": str(shared_work["chair"].id),
        "task-title": "Presentar a Alfa y Beta",
        "task-description": "Pónganlas en contacto.",
    }
    # A chair of a group they do not share is refused next to the field; nothing is written.
    wrong = client.post(
        url + "/task", data={**form, "task-assignee_id": str(shared_work["other_chair"].id)}
    )
    assert wrong.status_code == 400
    assert "Elija a una persona que presida actualmente" in wrong.get_data(as_text=True)
    assert _count(db_session, Task) == 0 and _count(db_session, Introduction) == 0

    response = client.post(url + "/task", data=form)
    assert response.status_code == 302
    task = db_session.scalars(select(Task)).one()
    assert response.headers["Location"].endswith(f"/tasks/{task.id}")
    assert task.assignee_id == shared_work["chair"].id
    assert task.deliverable_id == shared_work["deliverable"].id
    introduction = db_session.scalars(select(Introduction)).one()
    assert introduction.task_id == task.id and introduction.recipients == ""
    assert (introduction.institution_a_id, introduction.institution_b_id) == (
        pair["a"].id,
        pair["b"].id,
    )
    # The chair is told as any assignee is; the focal points are not written to.
    assert db_session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == shared_work["chair"].id)
    )
    written = db_session.scalars(select(OutboxMessage.recipient)).all()
    assert set(written) <= {shared_work["chair"].email}
    # The network page remembers the pair as introduced.
    again = client.get(url).get_data(as_text=True)
    assert f"/tasks/{task.id}" in again


def test_only_the_coordination_may_give_the_introduction_task(
    client, login_as, pair, shared_work, db_session
):
    from models import Task

    login_as(Role.MEMBER)
    response = client.post(
        f"/network/introductions/{pair['a'].id}/{pair['b'].id}/task",
        data={
            "task-deliverable_id": str(shared_work["deliverable"].id),
            "task-assignee_id": str(shared_work["chair"].id),
            "task-title": "Presentar",
        },
    )
    assert response.status_code == 403
    assert _count(db_session, Task) == 0 and _count(db_session, Introduction) == 0


def test_the_introduce_page_runs_a_fixed_number_of_statements(
    client, login_as, pair, shared_work, make_user, make_institution, db_session
):
    """Whatever the number of chairs, people to write to and earlier introductions (issue 17:
    each chair's person was loaded on its own)."""
    from tests.helpers import count_statements

    login_as(Role.COORDINATOR)
    url = f"/network/introductions/{pair['a'].id}/{pair['b'].id}"
    engine = db_session.get_bind()
    client.get(url)
    with count_statements(engine) as before:
        assert client.get(url).status_code == 200
    group = db_session.scalars(select(WorkingGroup).where(WorkingGroup.slug == "compartido")).one()
    for i in range(4):
        lead = make_institution(name=f"Otra líder {i}")
        db_session.add(
            GroupMembership(
                group=group, institution=lead, role=GroupRole.LEAD, since=date(2019, 11, 1)
            )
        )
        make_user(institution=lead, full_name=f"Presidencia {i}", chair_of=group)
        make_user(institution=pair["b"], email=f"mas{i}@beta.example.org")
        db_session.add(
            Introduction(
                institution_a_id=pair["a"].id,
                institution_b_id=pair["b"].id,
                subject=f"Antes {i}",
                message="Hola",
                recipients="",
            )
        )
    db_session.commit()
    with count_statements(engine) as after:
        page = client.get(url).get_data(as_text=True)
    assert "Presidencia 3" in page and "Antes 3" in page
    assert after.count == before.count <= 8
