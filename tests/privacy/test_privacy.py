"""Privacy: the notice and its versions, the download of everything about a person (and
nobody else), rights requests with their legal deadline, and acting on them: rectify, oppose,
cancel (anonymise) with the history still reading correctly."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from coalition_app.core.mail import sent_messages
from coalition_app.core.privacy_notice import CURRENT_VERSION
from coalition_app.privacy import deadlines
from coalition_app.privacy.service import section_titles, tables_with_user_keys
from models import (
    ApiToken,
    AuditEvent,
    Base,
    Consent,
    ConsentPurpose,
    Deliverable,
    EmailChoice,
    NotificationKind,
    PrivacyRequest,
    ProgressUpdate,
    RecoveryCode,
    RequestStatus,
    RightKind,
    Role,
    Task,
    User,
)
from tests.helpers import sign_in


def _fresh(db_session, model, key):
    db_session.expire_all()
    return db_session.get(model, key)


# --- the notice -------------------------------------------------------------------------------


def test_the_notice_is_public_in_both_languages_with_its_version(app):
    visitor = app.test_client()
    spanish = visitor.get("/privacidad").get_data(as_text=True)
    assert "Aviso de privacidad integral" in spanish and CURRENT_VERSION in spanish
    assert "Derechos ARCO" in spanish and "Transferencias" in spanish
    assert "20 días hábiles" in spanish
    visitor.post("/language/en")
    english = visitor.get("/privacy").get_data(as_text=True)
    assert "ARCO rights and how to exercise them" in english
    assert visitor.get(f"/privacidad?version={CURRENT_VERSION}").status_code == 200
    assert visitor.get("/privacidad?version=1999-01-01").status_code == 400
    assert visitor.get("/privacidad?version=../../etc").status_code == 400


# --- the deadline -----------------------------------------------------------------------------


def test_twenty_working_days_skip_weekends_and_official_holidays():
    # Received Wednesday 2 December 2026: the count crosses Christmas Day (a Friday) and
    # three weekends; without the holiday it would end on the 30th.
    assert deadlines.add_working_days(date(2026, 12, 2)) == date(2026, 12, 31)
    # From 10 December it crosses Christmas and New Year's Day.
    assert deadlines.add_working_days(date(2026, 12, 10)) == date(2027, 1, 11)
    # Without holidays in the way: four calendar weeks.
    assert deadlines.add_working_days(date(2026, 6, 1)) == date(2026, 6, 29)
    # The third Monday of March (Benito Juárez) moves the deadline by a day.
    assert deadlines.add_working_days(date(2027, 3, 1)) == date(2027, 3, 30)
    assert date(2027, 3, 15) in deadlines.mexican_holidays(2027)
    assert date(2030, 10, 1) in deadlines.mexican_holidays(2030)  # a new federal executive
    assert deadlines.working_days_left(date(2026, 12, 24), date(2026, 12, 28)) == 1
    assert deadlines.working_days_left(date(2027, 1, 6), date(2027, 1, 4)) == -2


# --- the download -----------------------------------------------------------------------------


def test_every_table_with_a_key_to_users_is_covered():
    """A new table with a key to users must say how the download names it."""
    titles = section_titles()
    with_keys = {t.name for t in tables_with_user_keys()}
    assert with_keys - titles.keys() == set()
    assert titles.keys() - set(Base.metadata.tables) == set()


@pytest.fixture
def two_people(make_user, make_group, db_session):
    me = make_user(full_name="Marta Datos", title="Analista", phone="55 1234 5678")
    other = make_user(full_name="Otro Señor")
    group = make_group(members=[me.institution])
    deliverable = Deliverable(group_id=group.id, title="Informe de datos")
    db_session.add(deliverable)
    db_session.flush()
    mine = Task(deliverable_id=deliverable.id, title="Mi tarea", assignee_id=me.id)
    theirs = Task(deliverable_id=deliverable.id, title="Su tarea", assignee_id=other.id)
    db_session.add_all([mine, theirs])
    db_session.flush()
    db_session.add_all(
        [
            ProgressUpdate(task_id=mine.id, author_id=me.id, note="Avancé la mitad"),
            ProgressUpdate(task_id=theirs.id, author_id=other.id, note="Nota ajena"),
            ApiToken(user_id=me.id, name="Mi script", token_hash="a" * 64),
            Consent(user_id=me.id, purpose=ConsentPurpose.ACCOUNT, notice_version="2026-12-01"),
            AuditEvent(
                actor_id=me.id, action="profile.updated", target_type="user", target_id=me.id
            ),
            AuditEvent(actor_id=other.id, action="profile.updated", target_type="user"),
        ]
    )
    db_session.commit()
    return me, other, mine


def test_the_download_holds_the_persons_rows_and_nobody_elses(client, two_people):
    me, other, mine = two_people
    sign_in(client, me.email)
    response = client.get("/account/privacy.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    tables = data["tables"]
    assert [row["id"] for row in tables["users"]] == [me.id]
    assert tables["users"][0]["phone"] == "55 1234 5678"
    assert "password_hash" not in tables["users"][0] and "totp_secret" not in tables["users"][0]
    assert [row["title"] for row in tables["tasks"]] == ["Mi tarea"]
    assert [row["note"] for row in tables["progress_updates"]] == ["Avancé la mitad"]
    assert [row["name"] for row in tables["api_tokens"]] == ["Mi script"]
    assert "token_hash" not in tables["api_tokens"][0]
    assert [row["notice_version"] for row in tables["consents"]] == ["2026-12-01"]
    assert all(row["actor_id"] == me.id for row in tables["audit_events"])
    text = json.dumps(data, ensure_ascii=False)
    assert "Otro Señor" not in text and "Nota ajena" not in text and other.email not in text
    assert data["context"]["institution"]["id"] == me.institution_id
    # The readable page shows the same.
    page = client.get("/account/privacy").get_data(as_text=True)
    assert "Mi tarea" in page and "Avancé la mitad" in page and "Nota ajena" not in page
    assert "Mi privacidad" in page


def test_the_page_runs_a_fixed_number_of_queries(app, client, two_people, db_session):
    from tests.helpers import count_statements

    me, _other, mine = two_people
    sign_in(client, me.email)
    engine = app.extensions["database"].engine
    with count_statements(engine) as few:
        client.get("/account/privacy")
    for n in range(5):
        db_session.add(ProgressUpdate(task_id=mine.id, author_id=me.id, note=f"Nota {n}"))
    db_session.commit()
    with count_statements(engine) as many:
        client.get("/account/privacy")
    assert many.count == few.count
    # A handful, not one per table with a key to the person (issue 17: there were 46).
    assert many.count <= 8


def test_the_download_needs_sign_in(client):
    assert client.get("/account/privacy.json").status_code == 302


# --- requests and the coordinators ------------------------------------------------------------


def _file(client, kind: str, details: str = "Mi cargo es Jefa de datos"):
    return client.post("/account/privacy/requests", data={"kind": kind, "details": details})


def test_a_request_gets_its_legal_deadline(client, make_user, db_session, monkeypatch):
    from coalition_app.core import clock

    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 2))
    me = make_user()
    sign_in(client, me.email)
    assert _file(client, "rectification", "").status_code == 400  # say what to correct
    assert _file(client, "rectification").status_code == 303
    assert _file(client, "rectification").status_code == 400  # one open of a kind
    request = db_session.scalar(select(PrivacyRequest))
    assert request.received_on == date(2026, 12, 2) and request.due_on == date(2026, 12, 31)
    assert "31 dic 2026" in client.get("/account/privacy").get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "expected"), [(None, 302), (Role.MEMBER, 403), (Role.COORDINATOR, 200)]
)
@pytest.mark.parametrize("path", ["/privacy/requests", "/privacy/requests/{id}"])
def test_who_sees_the_requests(app, client, make_user, login_as, role, expected, path):
    someone = make_user()
    asker = app.test_client()
    sign_in(asker, someone.email)
    _file(asker, "opposition", "No quiero correos")
    from models import PrivacyRequest as Request

    with app.app_context():
        request_id = app.extensions["database"].session.scalar(select(Request.id))
    if role is not None:
        login_as(role)
    assert client.get(path.format(id=request_id)).status_code == expected


@pytest.mark.parametrize(("role", "expected"), [(Role.MEMBER, 403), (Role.COORDINATOR, 303)])
def test_who_may_answer(app, client, make_user, login_as, db_session, role, expected):
    someone = make_user()
    asker = app.test_client()
    sign_in(asker, someone.email)
    _file(asker, "opposition", "No quiero correos")
    request_id = db_session.scalar(select(PrivacyRequest.id))
    login_as(role)
    answer = client.post(f"/privacy/requests/{request_id}/refuse", data={"answer": "Motivo"})
    assert answer.status_code == expected


def test_overdue_requests_are_highlighted(client, login_as, make_user, db_session):
    someone = make_user(full_name="Persona Atrasada")
    db_session.add(
        PrivacyRequest(
            user_id=someone.id,
            kind=RightKind.OPPOSITION,
            details="x",
            received_on=date(2020, 1, 2),
            due_on=date(2020, 1, 31),
        )
    )
    db_session.commit()
    login_as(Role.COORDINATOR)
    page = " ".join(client.get("/privacy/requests").get_data(as_text=True).split())
    assert 'class="table-danger overdue"' in page and "vencida por" in page


def test_rectification_and_opposition(app, client, login_as, make_user, db_session):
    someone = make_user(full_name="Nombre Mal Escrito")
    asker = app.test_client()
    sign_in(asker, someone.email)
    _file(asker, "rectification", "Mi nombre es Nombre Bien Escrito")
    _file(asker, "opposition", "No quiero correos")
    rectification, opposition = db_session.scalars(
        select(PrivacyRequest).order_by(PrivacyRequest.id)
    ).all()
    login_as(Role.COORDINATOR)
    done = client.post(
        f"/privacy/requests/{rectification.id}/rectify",
        data={"full_name": "Nombre Bien Escrito", "title": "Jefa", "phone": "", "answer": "Hecho"},
    )
    assert done.status_code == 303
    person = _fresh(db_session, User, someone.id)
    assert (person.full_name, person.title) == ("Nombre Bien Escrito", "Jefa")
    assert _fresh(db_session, PrivacyRequest, rectification.id).status == RequestStatus.DONE
    assert client.post(f"/privacy/requests/{opposition.id}/oppose", data={}).status_code == 303
    choices = db_session.scalars(select(EmailChoice).where(EmailChoice.user_id == someone.id))
    assert {c.kind: c.wanted for c in choices} == dict.fromkeys(NotificationKind, False)
    with app.app_context():
        told = [m for m in sent_messages() if m["To"] == someone.email]
    assert len(told) == 2


def test_cancellation_anonymises_and_the_history_still_reads(
    app, client, login_as, two_people, db_session
):
    me, other, mine = two_people
    old_email = me.email
    db_session.add(RecoveryCode(user_id=me.id, code_hash="b" * 64))
    me.institution.focal_point_id = me.id
    db_session.commit()
    asker = app.test_client()
    sign_in(asker, me.email)
    assert _file(asker, "cancellation", "").status_code == 303
    request_id = db_session.scalar(select(PrivacyRequest.id))
    coordinator = login_as(Role.COORDINATOR)
    done = client.post(f"/privacy/requests/{request_id}/cancel", data={"answer": "Hecho"})
    assert done.status_code == 303
    person = _fresh(db_session, User, me.id)
    assert person.full_name == "Persona dada de baja"
    assert person.email.endswith("@baja.invalid") and old_email not in person.email
    assert (person.title, person.phone, person.password_hash, person.totp_secret) == (
        None,
        None,
        None,
        None,
    )
    assert not person.is_active and person.session_version > 1
    assert db_session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == me.id)) is None
    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == me.id))
    assert token.revoked_at is not None
    assert person.institution.focal_point_id is None
    # The old session no longer works; the told e-mail went to the old address.
    assert asker.get("/account/privacy").status_code == 302
    with app.app_context():
        assert any(m["To"] == old_email for m in sent_messages())
    # Their rows stay, and read with the new name.
    assert db_session.scalar(select(Task).where(Task.id == mine.id)).assignee_id == me.id
    task_page = client.get(f"/tasks/{mine.id}").get_data(as_text=True)
    assert "Persona dada de baja" in task_page and "Marta Datos" not in task_page
    trail = client.get("/audit", follow_redirects=True).get_data(as_text=True)
    assert "anonimizó a" in trail and "Marta Datos" not in trail
    assert old_email not in trail
    # Nobody else changed.
    assert _fresh(db_session, User, other.id).full_name == "Otro Señor"
    assert _fresh(db_session, User, coordinator.id).is_active


def test_the_requests_page_runs_a_fixed_number_of_queries(
    app, client, login_as, make_user, db_session
):
    from tests.helpers import count_statements

    def add(n: int) -> None:
        for _ in range(n):
            person = make_user()
            db_session.add(
                PrivacyRequest(
                    user_id=person.id,
                    kind=RightKind.RECTIFICATION,
                    details="Corregir",
                    received_on=date(2026, 11, 2),
                    due_on=date(2026, 11, 30),
                )
            )
        db_session.commit()

    login_as(Role.COORDINATOR)
    add(1)
    engine = app.extensions["database"].engine
    with count_statements(engine) as few:
        assert client.get("/privacy/requests").status_code == 200
    add(4)
    with count_statements(engine) as many:
        assert client.get("/privacy/requests").status_code == 200
    assert many.count == few.count


def test_the_page_lists_each_column_escaped_and_a_dash_for_an_empty_one(client, make_user):
    me = make_user(full_name="Marta <b>Datos</b>", title=None, phone="55 & 66")
    sign_in(client, me.email)
    page = client.get("/account/privacy").get_data(as_text=True)
    cell = '<dt class="col-sm-4 text-break">{}</dt><dd class="col-sm-8 mb-0">{}</dd>'
    assert cell.format("full_name", "Marta &lt;b&gt;Datos&lt;/b&gt;") in page
    assert cell.format("phone", "55 &amp; 66") in page
    assert cell.format("title", "—") in page
    assert cell.format("id", me.id) in page
    assert "<b>Datos" not in page


def test_rows_are_escaped_in_one_go_and_each_value_when_one_holds_the_separator(app):
    from coalition_app.privacy.views import data_rows

    cell = '<dt class="col-sm-4 text-break">{}</dt><dd class="col-sm-8 mb-0">{}</dd>'
    rows = [{"a<": "x & y", "b": None}, {"a<": 'q"\x00"', "b": 3}]
    with app.app_context():
        page = str(data_rows(rows))
    assert page.count("<dl ") == 2
    assert cell.format("a&lt;", "x &amp; y") in page
    assert cell.format("b", "—") in page
    assert cell.format("a&lt;", "q&#34;\x00&#34;") in page
    assert cell.format("b", "3") in page
    assert page.index("x &amp; y") < page.index("q&#34;") and str(data_rows([])) == ""
