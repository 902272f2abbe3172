"""Chairs are people, not whole institutions: a coordinator names who chairs each group
(co-chairs allowed, each of a current lead institution), with dates kept in the leadership
history. One rule, `GroupChair.current_on`, read by the policy, the pages, the API,
two-factor sign-in and `groups.queries.chairs_of`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coalition_app.core import clock
from coalition_app.core.db import unit_of_work
from coalition_app.groups.queries import chairs_of
from models import AuditEvent, GroupChair, GroupMembership, Institution, Role, User
from tests.helpers import count_statements, sign_in


@pytest.fixture
def ethics(db_session, make_institution, make_group, make_user):
    """Ética, led by UNAM and C Minds, with INAOE as a member. Mariana (UNAM) is its named
    chair; Jorge is also of UNAM but was never named; Diego is of INAOE. Gobernanza is led
    by SE, whose Gabriela chairs it."""
    unam = make_institution(name="Universidad X", acronym="UNAMX")
    cminds = make_institution(name="C Minds X", acronym="CMX")
    inaoe = make_institution(name="INAOE X", acronym="INX")
    se = make_institution(name="Secretaría X", acronym="SEX")
    etica = make_group(slug="etica-x", leads=[unam, cminds], members=[inaoe])
    gobernanza = make_group(slug="gobernanza-x", leads=[se], members=[unam])
    return {
        "etica": etica,
        "gobernanza": gobernanza,
        "unam": unam,
        "cminds": cminds,
        "inaoe": inaoe,
        "chair": make_user(institution=unam, full_name="Mariana Chair", chair_of=etica),
        "colleague": make_user(institution=unam, full_name="Jorge Colega"),
        "cminds_person": make_user(institution=cminds, full_name="Andrés Cminds"),
        "member": make_user(institution=inaoe, full_name="Diego Miembro"),
        "other_chair": make_user(institution=se, full_name="Gabriela Otra", chair_of=gobernanza),
        "coordinator": make_user(role=Role.COORDINATOR, full_name="Regina Coordinadora"),
    }


def _chair_row(db_session, group, person) -> GroupChair:
    return db_session.scalars(
        select(GroupChair)
        .where(GroupChair.group_id == group.id, GroupChair.person_id == person.id)
        .order_by(GroupChair.id.desc())
    ).first()


def _token(app, user) -> dict:
    from coalition_app.account import tokens
    from models import TokenScope

    with app.test_request_context(), unit_of_work() as session:
        _row, value = tokens.create_token(session.get(User, user.id), "t", TokenScope.READ)
    return {"Authorization": f"Bearer {value}"}


# --- who manages ------------------------------------------------------------------------------


def test_a_person_of_a_lead_institution_who_is_not_named_is_a_plain_member(client, ethics):
    sign_in(client, ethics["colleague"].email)
    page = client.get("/groups/etica-x").get_data(as_text=True)
    assert "Nuevo entregable" not in page
    assert client.get("/groups/etica-x/deliverables/new").status_code == 403


def test_the_named_chair_manages_their_group_only(client, ethics):
    sign_in(client, ethics["chair"].email)
    assert "Nuevo entregable" in client.get("/groups/etica-x").get_data(as_text=True)
    assert client.get("/groups/etica-x/deliverables/new").status_code == 200
    # Of UNAM too, a member of Gobernanza, but not its chair: no management there.
    assert "Nuevo entregable" not in client.get("/groups/gobernanza-x").get_data(as_text=True)
    assert client.get("/groups/gobernanza-x/deliverables/new").status_code == 403


def test_the_chair_of_another_group_cannot_manage_this_one(client, ethics):
    sign_in(client, ethics["other_chair"].email)
    assert client.get("/groups/gobernanza-x/deliverables/new").status_code == 200
    assert client.get("/groups/etica-x/deliverables/new").status_code == 403
    assert "Nuevo entregable" not in client.get("/groups/etica-x").get_data(as_text=True)


def test_a_chair_whose_chairship_was_ended_loses_it(app, client, db_session, ethics):
    coordinator = app.test_client()
    sign_in(coordinator, ethics["coordinator"].email)
    row = _chair_row(db_session, ethics["etica"], ethics["chair"])
    today = clock.today().isoformat()
    response = coordinator.post(
        f"/groups/etica-x/chairs/{row.id}/end", data={f"end-{row.id}-until": today}
    )
    assert response.status_code == 302
    sign_in(client, ethics["chair"].email)
    assert client.get("/groups/etica-x/deliverables/new").status_code == 403
    assert "Nuevo entregable" not in client.get("/groups/etica-x").get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(GroupChair, row.id).until == clock.today()  # kept, closed
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "group.chair_ended")
    ).one()
    assert event.actor_id == ethics["coordinator"].id
    assert event.details["person"] == "Mariana Chair" and event.details["until"] == today


# --- naming chairs ----------------------------------------------------------------------------


def test_a_coordinator_names_a_co_chair_who_then_manages(app, client, db_session, ethics):
    sign_in(client, ethics["coordinator"].email)
    page = client.get("/groups/etica-x/members").get_data(as_text=True)
    # The picker offers the active people of the current lead institutions only.
    assert "Jorge Colega" in page and "Andrés Cminds" in page
    assert "Diego Miembro" not in page and "Gabriela Otra" not in page
    since = clock.today() - timedelta(days=3)
    response = client.post(
        "/groups/etica-x/chairs",
        data={"person_id": str(ethics["cminds_person"].id), "since": since.isoformat()},
    )
    assert response.status_code == 302
    row = _chair_row(db_session, ethics["etica"], ethics["cminds_person"])
    assert row.since == since and row.until is None
    assert row.named_by_id == ethics["coordinator"].id
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "group.chair_named")
    ).one()
    assert event.target_id == ethics["etica"].id and event.details["person"] == "Andrés Cminds"
    # Co-chairs: both manage.
    assert [u.full_name for u in chairs_of(db_session, ethics["etica"], clock.today())] == [
        "Andrés Cminds",
        "Mariana Chair",
    ]
    co_chair = app.test_client()
    sign_in(co_chair, ethics["cminds_person"].email)
    assert co_chair.get("/groups/etica-x/deliverables/new").status_code == 200


@pytest.mark.parametrize(
    "who, since, field, message",
    [
        ("member", None, "person_id", "Elija una persona activa"),
        ("other_chair", None, "person_id", "Elija una persona activa"),
        ("chair", None, "person_id", "Esta persona ya preside el grupo."),
        ("colleague", date(2019, 10, 31), "since", "no puede empezar antes"),
        ("colleague", "31/12/2025", "since", "Indique el día en que empieza"),
        (None, None, "person_id", "Elija una persona."),
        ("99999999999999999999", None, "person_id", "Elija una persona activa"),
    ],
)
def test_naming_a_chair_refuses_with_a_message_next_to_the_field(
    client, db_session, ethics, who, since, field, message
):
    sign_in(client, ethics["coordinator"].email)
    before = db_session.scalars(select(GroupChair.id)).all()
    if who is None:
        person_id = ""
    elif who in ethics:
        person_id = str(ethics[who].id)
    else:
        person_id = who
    day = since if isinstance(since, str) else (since or clock.today()).isoformat()
    response = client.post("/groups/etica-x/chairs", data={"person_id": person_id, "since": day})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    dom_id = "chair-since" if field == "since" else field  # beside the membership form's
    errors = page.split(f'id="{dom_id}-errors"', 1)
    assert len(errors) == 2, page[:3000]
    assert message in errors[1].split("</div>", 1)[0]
    db_session.expire_all()
    assert db_session.scalars(select(GroupChair.id)).all() == before


def test_ending_before_the_start_is_refused_next_to_the_field(client, db_session, ethics):
    sign_in(client, ethics["coordinator"].email)
    row = _chair_row(db_session, ethics["etica"], ethics["chair"])
    response = client.post(
        f"/groups/etica-x/chairs/{row.id}/end", data={f"end-{row.id}-until": "2019-10-01"}
    )
    assert response.status_code == 400
    errors = response.get_data(as_text=True).split(f'id="end-{row.id}-until-errors"', 1)[1]
    assert "El fin no puede ser anterior al inicio" in errors.split("</div>", 1)[0]
    db_session.expire_all()
    assert db_session.get(GroupChair, row.id).until is None


def test_a_chairship_of_another_group_is_not_found_here(client, db_session, ethics):
    sign_in(client, ethics["coordinator"].email)
    row = _chair_row(db_session, ethics["gobernanza"], ethics["other_chair"])
    today = clock.today().isoformat()
    response = client.post(
        f"/groups/etica-x/chairs/{row.id}/end", data={f"end-{row.id}-until": today}
    )
    assert response.status_code == 404


def test_a_chair_cannot_name_or_end_chairs(client, db_session, ethics):
    sign_in(client, ethics["chair"].email)
    row = _chair_row(db_session, ethics["etica"], ethics["chair"])
    today = clock.today().isoformat()
    assert client.get("/groups/etica-x/members").status_code == 403
    named = client.post(
        "/groups/etica-x/chairs",
        data={"person_id": str(ethics["colleague"].id), "since": today},
    )
    ended = client.post(f"/groups/etica-x/chairs/{row.id}/end", data={f"end-{row.id}-until": today})
    assert named.status_code == ended.status_code == 403
    assert _chair_row(db_session, ethics["etica"], ethics["colleague"]) is None


# --- the leadership history -------------------------------------------------------------------


def test_the_group_page_shows_who_chairs_and_who_chaired(db_session, client, ethics):
    db_session.add(
        GroupChair(
            group=ethics["etica"],
            person=ethics["colleague"],
            since=date(2020, 1, 15),
            until=date(2021, 3, 1),
        )
    )
    db_session.commit()
    sign_in(client, ethics["member"].email)
    page = client.get("/groups/etica-x").get_data(as_text=True)
    current, earlier = page.split("Presidencias anteriores", 1)
    assert "Quienes presiden" in current and "Mariana Chair" in current
    assert "Jorge Colega" not in current
    assert "Jorge Colega" in earlier and "15 ene 2020" in earlier and "1 mar 2021" in earlier
    members_page = app_client_as(client, ethics["coordinator"]).get("/groups/etica-x/members")
    text = members_page.get_data(as_text=True)
    assert "Jorge Colega" in text and "Mariana Chair" in text and "Terminar la presidencia" in text


def app_client_as(client, user):
    client.post("/logout")
    sign_in(client, user.email)
    return client


def test_the_home_page_says_who_chairs_each_group(client, ethics):
    sign_in(client, ethics["member"].email)
    page = client.get("/").get_data(as_text=True)
    assert "Presidido por Mariana Chair" in page
    assert "Presidido por Gabriela Otra" in page
    assert "Jorge Colega" not in page  # of a lead institution, never named


def test_the_api_lists_todays_chairs_by_name(app, db_session, ethics):
    response = app.test_client().get(
        "/api/v1/groups/etica-x", headers=_token(app, ethics["member"])
    )
    assert response.status_code == 200
    chairs = response.json["chairs"]
    assert [c["person"]["full_name"] for c in chairs] == ["Mariana Chair"]
    assert chairs[0]["institution"]["id"] == ethics["unam"].id
    assert chairs[0]["since"] == "2019-11-01"
    # Behind tokens: signed out, nobody's name.
    assert app.test_client().get("/api/v1/groups/etica-x").status_code == 401


# --- one rule ---------------------------------------------------------------------------------


def test_ending_the_lead_role_ends_its_peoples_chairships(client, db_session, ethics):
    sign_in(client, ethics["coordinator"].email)
    response = client.post(
        "/groups/etica-x/members", data={"institution_id": str(ethics["unam"].id), "role": "member"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    row = _chair_row(db_session, ethics["etica"], ethics["chair"])
    assert row.until == clock.today()
    # The chairship of another group is untouched.
    other = _chair_row(db_session, ethics["gobernanza"], ethics["other_chair"])
    assert other.until is None
    assert chairs_of(db_session, ethics["etica"], clock.today()) == []


def test_leaving_the_coalition_ends_its_peoples_chairships(client, db_session, ethics):
    left_on = clock.today() - timedelta(days=2)
    sign_in(client, ethics["coordinator"].email)
    response = client.post(
        f"/institutions/{ethics['unam'].id}/end", data={"left_on": left_on.isoformat()}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert _chair_row(db_session, ethics["etica"], ethics["chair"]).until == left_on
    client.post("/logout")
    sign_in(client, ethics["chair"].email)
    assert client.get("/groups/etica-x/deliverables/new").status_code == 403


@pytest.mark.parametrize("change", ["deactivated", "lead_closed", "left_coalition", "moved"])
def test_the_rule_reads_the_same_in_python_and_in_sql(db_session, ethics, change):
    today = clock.today()
    chair = db_session.get(User, ethics["chair"].id)
    if change == "deactivated":
        chair.is_active = False
    elif change == "lead_closed":
        lead = db_session.scalar(
            select(GroupMembership).where(
                GroupMembership.group_id == ethics["etica"].id,
                GroupMembership.institution_id == ethics["unam"].id,
            )
        )
        lead.until = today  # closed by hand: the rule alone must stop the chairship
    elif change == "left_coalition":
        db_session.get(Institution, ethics["unam"].id).left_on = today - timedelta(days=1)
    else:
        chair.institution_id = ethics["inaoe"].id  # now of a member institution
    db_session.commit()
    db_session.expire_all()
    rows = db_session.scalars(select(GroupChair)).all()
    in_python = {(c.group_id, c.person_id) for c in rows if c.current_on(today)}
    in_sql = {
        (group_id, person_id)
        for group_id, person_id in db_session.execute(
            select(GroupChair.group_id, GroupChair.person_id).where(GroupChair.current_on(today))
        )
    }
    assert in_python == in_sql == {(ethics["gobernanza"].id, ethics["other_chair"].id)}
    assert chairs_of(db_session, ethics["etica"], today) == []
    from coalition_app import policy

    etica = db_session.get(type(ethics["etica"]), ethics["etica"].id)
    assert not policy.is_chair(db_session.get(User, ethics["chair"].id), etica)


def test_a_chairship_starts_on_its_day_and_ends_on_the_day_it_closes(db_session, ethics):
    row = _chair_row(db_session, ethics["etica"], ethics["chair"])
    row.since, row.until = date(2024, 3, 1), date(2025, 3, 1)
    db_session.commit()
    for day, expected in [
        (date(2024, 2, 29), False),
        (date(2024, 3, 1), True),
        (date(2025, 2, 28), True),
        (date(2025, 3, 1), False),
    ]:
        assert row.current_on(day) is expected
        assert [u.id for u in chairs_of(db_session, ethics["etica"], day)] == (
            [ethics["chair"].id] if expected else []
        )


def test_the_group_and_members_pages_run_a_fixed_number_of_queries(
    app, client, db_session, ethics, make_user
):
    sign_in(client, ethics["coordinator"].email)
    client.get("/my-work")  # read the welcome message: the pages below carry none
    counts = []
    for batch in range(2):
        for i in range(3 if batch == 0 else 8):
            person = make_user(institution=ethics["cminds"], full_name=f"Copresidencia {batch}-{i}")
            db_session.add(GroupChair(group=ethics["etica"], person=person, since=date(2020, 1, 1)))
            db_session.add(
                GroupChair(
                    group=ethics["etica"],
                    person=person,
                    since=date(2019, 11, 1),
                    until=date(2019, 12, 1),
                )
            )
        db_session.commit()
        batch_counts = []
        for path in ("/groups/etica-x", "/groups/etica-x/members"):
            with count_statements(db_session.get_bind()) as counter:
                assert client.get(path).status_code == 200
            batch_counts.append(counter.count)
        counts.append(batch_counts)
    assert counts[0] == counts[1]
    page = client.get("/groups/etica-x").get_data(as_text=True)
    assert "Copresidencia 1-7" in page
