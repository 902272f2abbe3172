"""Issue 13: one definition of "overdue" and "due soon" (models.work.due_state), the same on the
home page, in My work, in the reminders and in the API; the home lists both, linked."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import or_, select

from coalition_app.core import clock
from models import Deliverable, DueState, Task, WorkStatus, due_state
from tests.helpers import sign_in


@pytest.fixture
def today(app) -> date:
    with app.app_context():
        return clock.today()


@pytest.fixture
def dated(db_session, make_institution, make_group, today):
    """One group with a deliverable in every position against the due date."""
    member = make_institution(name="Miembro B", acronym="MB", sector_slug="industry")
    group = make_group(members=[member], slug="etica", name_es="Ética de la IA")
    rows = {
        "overdue": Deliverable(group_id=group.id, title="Ya vencido", due_on=today - timedelta(1)),
        "older": Deliverable(group_id=group.id, title="Muy vencido", due_on=today - timedelta(9)),
        "today": Deliverable(group_id=group.id, title="Vence hoy", due_on=today),
        "edge": Deliverable(group_id=group.id, title="En el límite", due_on=today + timedelta(30)),
        "later": Deliverable(group_id=group.id, title="Más adelante", due_on=today + timedelta(31)),
        "done": Deliverable(
            group_id=group.id,
            title="Terminado tarde",
            status=WorkStatus.DONE,
            due_on=today - timedelta(5),
        ),
        "undated": Deliverable(group_id=group.id, title="Sin fecha"),
    }
    db_session.add_all(rows.values())
    db_session.commit()
    return {"member": member, "group": group, **rows}


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    end = page.find("</section>", start)
    return page[start:end]


def test_due_state_boundaries():
    today = date(2026, 3, 10)
    assert due_state(today - timedelta(1), today, 30, done=False) == DueState.OVERDUE
    assert due_state(today, today, 30, done=False) == DueState.DUE_SOON
    assert due_state(today + timedelta(30), today, 30, done=False) == DueState.DUE_SOON
    assert due_state(today + timedelta(31), today, 30, done=False) is None
    assert due_state(today - timedelta(1), today, 30, done=True) is None
    assert due_state(None, today, 30, done=False) is None


def test_sql_and_python_agree_on_the_rule(db_session, dated, today):
    """The hybrids are the same rule in SQL as in Python, row by row."""
    for within in (0, 30):
        in_sql = set(
            db_session.scalars(
                select(Deliverable.title).where(
                    or_(Deliverable.is_overdue(today), Deliverable.is_due_soon(today, within))
                )
            )
        )
        in_python = {
            d.title
            for d in db_session.scalars(select(Deliverable))
            if d.is_overdue(today) or d.is_due_soon(today, within)
        }
        assert in_sql == in_python
    assert in_sql == {"Ya vencido", "Muy vencido", "Vence hoy", "En el límite"}


def test_home_lists_overdue_and_due_soon_apart_and_linked(client, login_as, dated):
    login_as(institution=dated["member"])
    page = client.get("/").get_data(as_text=True)

    overdue = _section(page, "overdue-heading")
    assert "Entregables abiertos con la fecha límite vencida" in overdue
    # Oldest first, each title a link to its deliverable.
    assert overdue.index("Muy vencido") < overdue.index("Ya vencido")
    for key in ("overdue", "older"):
        d = dated[key]
        assert f'href="/deliverables/{d.id}">{d.title}</a>' in overdue
    assert "Vence hoy" not in overdue and "Terminado tarde" not in overdue

    soon = _section(page, "due-heading")
    for key in ("today", "edge"):
        d = dated[key]
        assert f'href="/deliverables/{d.id}">{d.title}</a>' in soon
    for title in ("Ya vencido", "Muy vencido", "Más adelante", "Terminado tarde", "Sin fecha"):
        assert title not in soon
    assert "Más adelante" not in page and "Terminado tarde" not in page

    # The figures count the lists they link to, and the group's counts do not mix the two.
    figures = _section(page, "figures-heading")
    assert re.search(r'href="#due-heading">2</a>', figures)
    assert re.search(r'href="#overdue-heading">2</a>', figures)
    groups = _section(page, "groups-heading")
    assert "2 entregables vencen pronto" in groups
    assert "2 entregables vencidos" in groups


def test_english_home_names_both_lists(client, login_as, dated, db_session):
    user = login_as(institution=dated["member"])
    user.locale = "en"
    db_session.commit()
    client.post("/language/en", data={"next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert "Open deliverables past their due date" in page
    assert "2 deliverables overdue" in page and "2 deliverables due soon" in page


def test_my_work_marks_work_by_the_same_rule(client, db_session, dated, make_user, today):
    person = make_user(institution=dated["member"])
    db_session.add_all(
        [
            Task(
                deliverable=dated["today"],
                title="Tarea próxima",
                assignee_id=person.id,
                due_on=today + timedelta(3),
            ),
            Task(
                deliverable=dated["today"],
                title="Tarea lejana",
                assignee_id=person.id,
                due_on=today + timedelta(45),
            ),
        ]
    )
    db_session.commit()
    sign_in(client, person.email)
    page = client.get("/my-work").get_data(as_text=True)
    near = page[page.index("Tarea próxima") : page.index("Tarea lejana")]
    assert "vence pronto" in near
    far = page[page.index("Tarea lejana") :]
    far = far[: far.index("</li>")]
    assert "vence pronto" not in far and "vencido" not in far
    overdue_item = page[page.index("Ya vencido") :]
    assert "vencido" in overdue_item[: overdue_item.index("</li>")].split("Ya vencido", 1)[1]


def test_api_answers_the_same_due_state(client, login_as, dated):
    login_as(institution=dated["member"])
    expected = {
        "overdue": "overdue",
        "today": "due_soon",
        "edge": "due_soon",
        "later": None,
        "done": None,
        "undated": None,
    }
    for key, state in expected.items():
        body = client.get(f"/api/v1/deliverables/{dated[key].id}").get_json()
        assert body["due_state"] == state, key
