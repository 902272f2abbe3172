"""Ties recorded by the people who have them: who may record, answer, edit and end one (a
matrix over HTTP, the database unchanged after every refusal), what the other side is told,
the rules of dates and duplicates, the edit conflict, the history, the network's version,
the coordinators' list and its fixed queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coalition_app.core import clock
from models import (
    NETWORK,
    AuditEvent,
    Notification,
    NotificationKind,
    OutboxMessage,
    Role,
    Tie,
    TieKind,
    TieStatus,
    TieUpdate,
    current_version,
)
from tests.helpers import count_statements, sign_in

ROLES = ("person_a", "person_b", "other_member", "chair", "coordinator")


@pytest.fixture
def world(app, db_session, make_institution, make_user, make_group):
    """A and B (the tie's two sides), C (another member), a group led by D with its chair, a
    coordinator of E; one person each (A has two)."""
    a = make_institution(name="Alfa Universidad", acronym="ALFA")
    b = make_institution(name="Beta Asociación", acronym="BETA")
    c = make_institution(name="Gama Empresa", acronym="GAMA")
    d = make_institution(name="Delta Gobierno", acronym="DELTA")
    e = make_institution(name="Épsilon Secretaría", acronym="EPS")
    group = make_group(slug="etica-t", leads=[d], members=[a, b])
    people = {
        "person_a": make_user(institution=a, full_name="Ana Alfa", title="Investigadora"),
        "person_b": make_user(institution=b, full_name="Beto Beta", phone="+52 55 1234 5678"),
        "other_member": make_user(institution=c, full_name="Gina Gama"),
        "chair": make_user(institution=d, full_name="Dora Delta", chair_of=group),
        "coordinator": make_user(institution=e, full_name="Eva Eps", role=Role.COORDINATOR),
    }
    colleague_a = make_user(institution=a, full_name="Alma Alfa")
    return {"a": a, "b": b, "c": c, "group": group, "colleague_a": colleague_a, **people}


def _as(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def _form(other: str = "Beta Asociación", **changes) -> dict[str, str]:
    today = clock.today()
    values = {
        "other": other,
        "kind": "agreement",
        "title": "Convenio de datos abiertos",
        "since": (today - timedelta(days=30)).isoformat(),
        "ends_on": "",
        "description": "Intercambio de datos.",
        "evidence_url": "https://example.org/convenio",
    }
    values.update(changes)
    return values


def _record(app, world, **changes) -> Tie:
    client = _as(app, world["person_a"])
    response = client.post(f"/institutions/{world['a'].id}/ties/new", data=_form(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    return app.extensions["database"].session.scalars(select(Tie).order_by(Tie.id.desc())).first()


def _snapshot(db_session) -> tuple:
    db_session.expire_all()
    ties = [
        (t.id, t.kind, t.title, t.since, t.ends_on, t.status, t.version)
        for t in db_session.scalars(select(Tie).order_by(Tie.id))
    ]
    return ties, db_session.scalar(select(func.count()).select_from(TieUpdate))


# --- the permission matrix ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("person_a", True),
        ("person_b", False),  # records B's ties from B's profile, not A's
        ("other_member", False),
        ("chair", False),
        ("coordinator", True),
    ],
)
def test_who_may_record_a_tie_of_an_institution(app, db_session, world, role, allowed):
    client = _as(app, world[role])
    before = _snapshot(db_session)
    page = client.get(f"/institutions/{world['a'].id}")
    assert ('id="record-tie"' in page.get_data(as_text=True)) is allowed
    response = client.post(f"/institutions/{world['a'].id}/ties/new", data=_form())
    if allowed:
        assert response.status_code == 302
        tie = db_session.scalars(select(Tie)).one()
        assert tie.status == TieStatus.UNCONFIRMED and tie.recorded_for_id == world["a"].id
    else:
        assert response.status_code == 403
        assert _snapshot(db_session) == before


@pytest.mark.parametrize(
    "role,answer,edit,end",
    [
        ("person_a", False, True, True),
        ("person_b", True, False, True),
        ("other_member", False, False, False),
        ("chair", False, False, False),
        ("coordinator", False, True, True),
    ],
)
def test_who_may_answer_edit_and_end_a_tie(app, db_session, world, role, answer, edit, end):
    tie = _record(app, world)
    client = _as(app, world[role])
    before = _snapshot(db_session)
    page = client.get(f"/ties/{tie.id}").get_data(as_text=True)
    assert ('id="answer-form"' in page) is answer
    assert ('id="end-form"' in page) is end
    assert client.get(f"/ties/{tie.id}/edit").status_code == (200 if edit else 403)
    edited = client.post(
        f"/ties/{tie.id}/edit", data=_form(title="Convenio corregido", version=str(tie.version))
    )
    assert edited.status_code == (302 if edit else 403)
    if not edit:
        assert _snapshot(db_session) == before
    answered = client.post(f"/ties/{tie.id}/answer", data={"answer": "confirm"})
    assert answered.status_code == (302 if answer else 403)
    if not answer and not edit:
        assert _snapshot(db_session) == before
    db_session.expire_all()
    ended = client.post(
        f"/ties/{tie.id}/end",
        data={
            "ends_on": clock.today().isoformat(),
            "version": str(db_session.get(Tie, tie.id).version),
        },
    )
    assert ended.status_code == (302 if end else 403)
    db_session.expire_all()
    assert (db_session.get(Tie, tie.id).ends_on is not None) is end


# --- telling the other side, and the answer -------------------------------------------------------


def test_the_other_side_is_told_and_the_recorder_gets_the_answer(app, db_session, world):
    tie = _record(app, world)
    told = db_session.scalars(
        select(Notification).where(Notification.kind == NotificationKind.TIE_RECORDED)
    ).all()
    assert [n.user_id for n in told] == [world["person_b"].id]  # B's people only
    assert told[0].link == f"/ties/{tie.id}"
    mail = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.notification_id == told[0].id)
    ).all()
    assert [m.recipient for m in mail] == [world["person_b"].email]

    client_b = _as(app, world["person_b"])
    page = client_b.get(f"/institutions/{world['b'].id}").get_data(as_text=True)
    assert "sin confirmar" in page and "Alfa Universidad" in page
    inbox = client_b.get("/inbox").get_data(as_text=True)
    assert "Ana Alfa (Alfa Universidad) registró una colaboración con su institución" in inbox

    response = client_b.post(
        f"/ties/{tie.id}/answer", data={"answer": "decline", "reason": "No firmamos ese convenio."}
    )
    assert response.status_code == 302
    db_session.expire_all()
    tie = db_session.get(Tie, tie.id)
    assert tie.status == TieStatus.DECLINED and tie.answered_by_id == world["person_b"].id
    answered = db_session.scalars(
        select(Notification).where(Notification.kind == NotificationKind.TIE_ANSWERED)
    ).one()
    assert answered.user_id == world["person_a"].id
    assert answered.params["reason"] == "No firmamos ese convenio."
    page = client_b.get(f"/ties/{tie.id}").get_data(as_text=True)
    assert "rechazado" in page and "No firmamos ese convenio." in page  # in its history
    assert 'id="answer-form"' not in page  # answered once
    again = client_b.post(f"/ties/{tie.id}/answer", data={"answer": "confirm"})
    assert again.status_code == 403


def test_recording_confirming_and_ending_bump_the_network_version(app, db_session, world):
    start = current_version(db_session, NETWORK)
    tie = _record(app, world)
    recorded = current_version(db_session, NETWORK)
    assert recorded > start
    _as(app, world["person_b"]).post(f"/ties/{tie.id}/answer", data={"answer": "confirm"})
    confirmed = current_version(db_session, NETWORK)
    assert confirmed > recorded
    db_session.expire_all()
    _as(app, world["person_a"]).post(
        f"/ties/{tie.id}/end",
        data={
            "ends_on": clock.today().isoformat(),
            "version": str(db_session.get(Tie, tie.id).version),
        },
    )
    assert current_version(db_session, NETWORK) > confirmed


# --- the rules ----------------------------------------------------------------------------------


def test_bad_dates_links_and_partners_are_refused_next_to_their_fields(app, db_session, world):
    client = _as(app, world["person_a"])
    url = f"/institutions/{world['a'].id}/ties/new"
    today = clock.today()
    cases = [
        (
            {"since": (today + timedelta(days=1)).isoformat()},
            "El inicio no puede ser posterior a hoy",
        ),
        (
            {"ends_on": (today - timedelta(days=60)).isoformat()},
            "El fin no puede ser anterior al inicio",
        ),
        ({"evidence_url": "ftp://example.org/x"}, "debe comenzar con http:// o https://"),
        ({"other": "Alfa Universidad"}, "No active member institution"),  # itself: not offered
        ({"other": "Nadie"}, "Nadie"),
    ]
    for changes, message in cases:
        response = client.post(url, data=_form(**changes))
        assert response.status_code == 400, changes
        html = response.get_data(as_text=True)
        assert message in html or "Ninguna institución miembro activa" in html, (changes, html)
        assert "invalid-feedback" in html
    assert db_session.scalar(select(func.count()).select_from(Tie)) == 0


def test_a_duplicate_is_refused_with_a_link_to_the_tie_already_recorded(app, db_session, world):
    tie = _record(app, world)
    client = _as(app, world["coordinator"])
    response = client.post(f"/institutions/{world['b'].id}/ties/new", data=_form("ALFA"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "ya está registrado" in html and f'href="/ties/{tie.id}"' in html
    assert db_session.scalar(select(func.count()).select_from(Tie)) == 1


def test_an_edit_on_a_stale_version_is_a_409_that_keeps_what_was_typed(app, db_session, world):
    tie = _record(app, world)
    old_version = tie.version
    _as(app, world["coordinator"]).post(
        f"/ties/{tie.id}/edit",
        data=_form(description="Cambio de la coordinación.", version=str(old_version)),
    )
    response = _as(app, world["person_a"]).post(
        f"/ties/{tie.id}/edit", data=_form(title="Mi título nuevo", version=str(old_version))
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'value="Mi título nuevo"' in html and "No se guardó" in html
    db_session.expire_all()
    saved = db_session.get(Tie, tie.id)
    assert saved.title == "Convenio de datos abiertos"
    assert saved.description == "Cambio de la coordinación."


def test_changing_kind_or_start_asks_the_other_side_again_and_history_says_so(
    app, db_session, world
):
    tie = _record(app, world)
    _as(app, world["person_b"]).post(f"/ties/{tie.id}/answer", data={"answer": "confirm"})
    db_session.expire_all()
    tie = db_session.get(Tie, tie.id)
    client = _as(app, world["person_a"])
    # A title change keeps the answer.
    client.post(f"/ties/{tie.id}/edit", data=_form(title="Convenio 2", version=str(tie.version)))
    db_session.expire_all()
    tie = db_session.get(Tie, tie.id)
    assert tie.status == TieStatus.CONFIRMED
    # A change of kind asks B again.
    response = client.post(
        f"/ties/{tie.id}/edit",
        data=_form(title="Convenio 2", kind="joint_project", version=str(tie.version)),
    )
    assert response.status_code == 302
    db_session.expire_all()
    tie = db_session.get(Tie, tie.id)
    assert tie.status == TieStatus.UNCONFIRMED and tie.answered_by_id is None
    asked = db_session.scalars(
        select(Notification).where(Notification.kind == NotificationKind.TIE_RECORDED)
    ).all()
    assert len(asked) == 2
    page = client.get(f"/ties/{tie.id}").get_data(as_text=True)
    for text in (
        "Ana Alfa",
        "Beto Beta",
        "Convenio 2",
        "Proyecto conjunto",
        "vuelve a quedar sin confirmar",
    ):
        assert text in page, text
    updates = db_session.scalars(select(TieUpdate).where(TieUpdate.tie_id == tie.id)).all()
    assert [sorted(u.changes) for u in updates][-1] == ["kind", "status"]
    sentences = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "tie")
    ).all()
    assert sentences == ["tie.record", "tie.confirm", "tie.edit", "tie.edit"]


# --- the lists ----------------------------------------------------------------------------------


def _many_ties(db_session, world, make_institution, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        other = make_institution(name=f"Socia {i}")
        db_session.add(
            Tie.between(
                world["a"],
                other,
                kind=TieKind.EVENT,
                since=clock.today() - timedelta(days=i + 1),
                title=f"Foro {i}",
                status=TieStatus.UNCONFIRMED if i % 2 else TieStatus.CONFIRMED,
                recorded_for=world["a"],
                recorded_for_id=world["a"].id,
            )
        )
    db_session.commit()


def test_the_coordinators_list_filters_and_runs_fixed_queries(
    app, db_session, world, make_institution
):
    client = _as(app, world["coordinator"])
    assert _as(app, world["person_a"]).get("/ties").status_code == 403
    _many_ties(db_session, world, make_institution, 3)
    url = "/ties?status=unconfirmed&kind=event"
    with count_statements(db_session.get_bind()) as few:
        html = client.get(url).get_data(as_text=True)
    assert "Foro 1" in html and "Foro 0" not in html  # only the unconfirmed
    _many_ties(db_session, world, make_institution, 60, start=3)
    with count_statements(db_session.get_bind()) as many:
        assert client.get(url).status_code == 200
    assert few.count > 0 and many.count == few.count
    assert client.get("/ties?status=estado").status_code == 400
    with count_statements(db_session.get_bind()) as tie_page:
        assert client.get(f"/ties/{db_session.scalars(select(Tie.id)).first()}").status_code == 200
    assert tie_page.count < 20
