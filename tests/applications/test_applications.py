"""Applying to join: the form, the e-mail confirmation, the queue with its likely duplicates,
approve / ask for more / decline, the status page, the focal point, the growth series."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from coalition_app.core.extensions import limiter
from coalition_app.core.mail import sent_messages
from coalition_app.core.privacy_notice import CURRENT_VERSION
from models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Consent,
    ConsentPurpose,
    GroupMembership,
    Institution,
    Invitation,
    Role,
    User,
)

STRONG = "a long enough passphrase"


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    with app.app_context():
        limiter.reset()


def _form(**changes) -> dict:
    data = {
        "institution_name": "Laboratorio Nacional de Datos Abiertos",
        "acronym": "LNDA",
        "sector": "academia",
        "state": "MX-JAL",
        "website": "https://lnda.example.mx",
        "contact_name": "Ana Contacto",
        "contact_title": "Directora",
        "contact_email": "Ana@LNDA.example.mx",
        "motivation": "Queremos colaborar en datos abiertos.",
        "principles": "y",
        "privacy": "y",
    }
    data.update(changes)
    return data


def _fresh(db_session, model, key):
    """The row as the database has it now (each request closed the session it used)."""
    db_session.expire_all()
    return db_session.get(model, key)


def _links(app) -> tuple[str, str]:
    with app.app_context():
        body = sent_messages()[-1].get_content()
    confirm = re.search(r"http://127\.0\.0\.1:5000(/unete/confirmar/\S+)", body).group(1)
    status = re.search(r"http://127\.0\.0\.1:5000(/unete/solicitud/\S+)", body).group(1)
    return confirm, status


def _status_link(app) -> str:
    with app.app_context():
        body = sent_messages()[-1].get_content()
    return re.search(r"http://127\.0\.0\.1:5000(/unete/solicitud/\S+)", body).group(1)


def test_the_form_is_public_in_both_languages(client):
    spanish = client.get("/unete")
    assert spanish.status_code == 200
    text = spanish.get_data(as_text=True)
    assert "Únase a la coalición" in text and 'name="homepage"' in text
    # The honeypot is off-screen, hidden from assistive technology and out of the tab order.
    trap = re.search(r'<div class="join-trap" aria-hidden="true">(.*?)</div>', text, re.S).group(1)
    assert 'tabindex="-1"' in trap and 'autocomplete="off"' in trap
    assert re.search(r"Hasta 2\W?000 caracteres", text)  # the limit, shown before typing
    assert client.get("/join").status_code == 200


def test_an_application_end_to_end(app, client, db_session, make_institution, make_group, login_as):
    existing = make_institution(
        name="Laboratorio Nacional de Datos Abiertos (LNDA)", acronym="lnda"
    )
    same_site = make_institution(name="Otro nombre", website="http://www.lnda.example.mx/inicio")
    group = make_group()
    other_group = make_group()
    visitor = app.test_client()
    sent = visitor.post("/unete", data=_form(groups=[str(group.id)]))
    assert sent.status_code == 200 and "Revise su correo" in sent.get_data(as_text=True)
    application = db_session.scalar(select(Application))
    assert application.status == ApplicationStatus.UNCONFIRMED
    assert application.contact_email == "ana@lnda.example.mx"
    assert application.group_ids == [group.id]
    consent = db_session.scalar(select(Consent).where(Consent.application_id == application.id))
    assert consent.purpose == ConsentPurpose.APPLICATION
    assert consent.notice_version == CURRENT_VERSION and consent.given_at is not None
    confirm, status = _links(app)
    # Only digests are stored.
    assert confirm.rsplit("/", 1)[1] not in (application.confirm_token_hash, "")

    coordinator = login_as(Role.COORDINATOR)
    queue = client.get("/applications")
    assert "Laboratorio Nacional" not in queue.get_data(as_text=True)  # not confirmed yet

    application_id = application.id
    assert visitor.get(confirm).status_code == 200  # a page with a button
    application = _fresh(db_session, Application, application_id)
    assert application.status == ApplicationStatus.UNCONFIRMED
    with app.app_context():
        before = len(sent_messages())
    assert visitor.post(confirm).status_code == 200
    application = _fresh(db_session, Application, application_id)
    # Now, and only now, the coordinators hear of it.
    with app.app_context():
        told = sent_messages()[before:]
    assert [m["To"] for m in told] == [coordinator.email]
    assert f"/applications/{application_id}" in told[0].get_content()
    assert application.status == ApplicationStatus.PENDING and application.confirmed_at

    queue = client.get("/applications").get_data(as_text=True)
    assert "Laboratorio Nacional de Datos Abiertos" in queue
    # Likely duplicates: by acronym (folded) and by the website's domain, linked to profiles.
    assert f'/institutions/{existing.id}"' in queue and f'/institutions/{same_site.id}"' in queue
    review = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "mismas siglas" in review and "mismo sitio web" in review

    approved = client.post(
        f"/applications/{application.id}/approve",
        data={
            "version": application.version,
            "joined_on": "2026-11-15",
            "groups": [str(group.id), str(other_group.id)],
            "sector": "civil_society",
            "state": "MX-JAL",
        },
    )
    assert approved.status_code == 303, approved.get_data(as_text=True)
    application = _fresh(db_session, Application, application_id)
    assert application.status == ApplicationStatus.APPROVED
    institution = db_session.get(Institution, application.institution_id)
    assert (
        institution.joined_on == date(2026, 11, 15) and institution.sector_slug == "civil_society"
    )
    assert institution.basis.value == "reported"
    memberships = db_session.scalars(
        select(GroupMembership).where(GroupMembership.institution_id == institution.id)
    ).all()
    assert {m.group_id for m in memberships} == {group.id, other_group.id}
    assert all(m.since == date(2026, 11, 15) and m.until is None for m in memberships)
    # The contact is invited, not given an account.
    invitation = db_session.get(Invitation, application.invitation_id)
    assert invitation.email == "ana@lnda.example.mx" and invitation.institution_id == institution.id
    assert db_session.scalar(select(User).where(User.email == "ana@lnda.example.mx")) is None
    # In the directory and the growth series.
    assert institution.name in client.get("/institutions?q=Laboratorio").get_data(as_text=True)
    csv = client.get("/growth/applications.csv").get_data(as_text=True)
    assert csv.splitlines()[0] == "quarter,received,approved,pending"
    quarter = f"{application.submitted_at.year}-Q{(application.submitted_at.month - 1) // 3 + 1}"
    assert f"{quarter},1,1,0" in csv

    # The applicant's status page (the newest link) says so; accepting makes them focal point.
    with app.app_context():
        mails = sent_messages()
    invitation_mail = next(m for m in mails if "/invitations/" in m.get_content())
    token = re.search(r"/invitations/(\S+)", invitation_mail.get_content()).group(1)
    status_page = visitor.get(_status_link(app))
    assert status_page.status_code == 200 and "Aprobada" in status_page.get_data(as_text=True)
    assert visitor.get(status).status_code == 404  # replaced by the newer link
    refused = visitor.post(f"/invitations/{token}", data={"password": STRONG, "confirm": STRONG})
    assert refused.status_code == 400  # the privacy notice must be accepted
    visitor.post(
        f"/invitations/{token}", data={"password": STRONG, "confirm": STRONG, "privacy": "y"}
    )
    contact = db_session.scalar(select(User).where(User.email == "ana@lnda.example.mx"))
    institution = _fresh(db_session, Institution, institution.id)
    assert institution.focal_point_id == contact.id
    account_consent = db_session.scalar(select(Consent).where(Consent.user_id == contact.id))
    assert account_consent.purpose == ConsentPurpose.ACCOUNT
    assert account_consent.notice_version == CURRENT_VERSION

    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert {
        "application.submit",
        "application.confirm",
        "application.approve",
        "institution.create",
        "person.invite",
        "institution.focal_point",
    } <= actions
    trail = " ".join(client.get("/audit", follow_redirects=True).get_data(as_text=True).split())
    assert "aprobó la solicitud de" in trail and coordinator.full_name in trail


def _confirmed(app, db_session) -> Application:
    visitor = app.test_client()
    assert visitor.post("/unete", data=_form()).status_code == 200
    confirm, _status = _links(app)
    visitor.post(confirm)
    db_session.expire_all()
    return db_session.scalar(select(Application).order_by(Application.id.desc()))


def test_a_declined_application_changes_nothing_but_itself(app, client, db_session, login_as):
    login_as(Role.COORDINATOR)
    application = _confirmed(app, db_session)
    institutions = db_session.scalar(select(func.count()).select_from(Institution))
    invitations = db_session.scalar(select(func.count()).select_from(Invitation))
    no_reason = client.post(
        f"/applications/{application.id}/decline", data={"version": application.version}
    )
    assert no_reason.status_code == 400
    declined = client.post(
        f"/applications/{application.id}/decline",
        data={"version": application.version, "reason": "No es una institución mexicana."},
    )
    assert declined.status_code == 303
    db_session.expire_all()
    assert db_session.get(Application, application.id).status == ApplicationStatus.DECLINED
    assert db_session.scalar(select(func.count()).select_from(Institution)) == institutions
    assert db_session.scalar(select(func.count()).select_from(Invitation)) == invitations
    # The applicant is told, with the reason, and sees it on the status page.
    with app.app_context():
        mail = sent_messages()[-1]
    assert mail["To"] == "ana@lnda.example.mx"
    assert "No es una institución mexicana." in mail.get_content()
    page = app.test_client().get(_status_link(app)).get_data(as_text=True)
    assert "Rechazada" in page and "No es una institución mexicana." in page
    # A decided application takes no second decision.
    again = client.post(
        f"/applications/{application.id}/decline",
        data={"version": db_session.get(Application, application.id).version, "reason": "x"},
    )
    assert again.status_code == 400


def test_more_information_is_asked_and_answered(app, client, db_session, login_as):
    login_as(Role.COORDINATOR)
    application = _confirmed(app, db_session)
    asked = client.post(
        f"/applications/{application.id}/request-info",
        data={"version": application.version, "body": "¿Cuál es su sitio oficial?"},
    )
    assert asked.status_code == 303
    link = _status_link(app)
    visitor = app.test_client()
    page = visitor.get(link).get_data(as_text=True)
    assert "¿Cuál es su sitio oficial?" in page and "Responder a la coordinación" in page
    answered = visitor.post(link, data={"body": "https://lnda.example.mx"})
    assert answered.status_code == 303
    db_session.expire_all()
    application = db_session.get(Application, application.id)
    assert application.status == ApplicationStatus.PENDING
    assert [m.kind.value for m in application.messages] == ["request", "answer"]


def test_a_stale_decision_is_a_conflict(app, client, db_session, login_as):
    login_as(Role.COORDINATOR)
    application = _confirmed(app, db_session)
    old = application.version
    client.post(
        f"/applications/{application.id}/request-info", data={"version": old, "body": "¿Sitio?"}
    )
    late = client.post(
        f"/applications/{application.id}/decline", data={"version": old, "reason": "Duplicada"}
    )
    assert late.status_code == 409 and "Duplicada" in late.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Application, application.id).status == ApplicationStatus.MORE_INFO


def test_the_honeypot_keeps_nothing_and_sends_nothing(app, db_session):
    visitor = app.test_client()
    with app.app_context():
        before = len(sent_messages())
    answer = visitor.post("/unete", data=_form(homepage="http://spam.example"))
    assert answer.status_code == 200 and "Revise su correo" in answer.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Application)) == 0
    with app.app_context():
        assert len(sent_messages()) == before


def test_principles_notice_and_sizes_are_checked(app, db_session):
    visitor = app.test_client()
    missing = visitor.post("/unete", data=_form(principles="", privacy=""))
    assert missing.status_code == 400
    text = missing.get_data(as_text=True)
    assert "Acepte los principios" in text and "Acepte el aviso de privacidad" in text
    too_long = visitor.post("/unete", data=_form(motivation="x" * 2001))
    assert too_long.status_code == 400
    assert re.search(
        r"2\W?000 caracteres: este texto tiene 2\W?001", too_long.get_data(as_text=True)
    )
    assert db_session.scalar(select(func.count()).select_from(Application)) == 0


def test_the_daily_cap_per_e_mail_is_kept_in_the_database(app, db_session):
    app.config["APPLICATIONS_PER_EMAIL_PER_DAY"] = 2
    for n in range(2):
        sent = app.test_client().post("/unete", data=_form(institution_name=f"Institución {n}"))
        assert sent.status_code == 200
    third = app.test_client().post("/unete", data=_form(contact_email="ana@lnda.example.mx"))
    assert third.status_code == 400 and "máximo de solicitudes" in third.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Application)) == 2


def test_the_limit_per_address(app):
    app.config["APPLY_LIMIT_PER_ADDRESS"] = "2 per hour"
    visitor = app.test_client()
    codes = [
        visitor.post("/unete", data=_form(contact_email=f"p{n}@example.org")).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


def test_the_limit_per_e_mail_from_any_address(app):
    app.config["APPLY_LIMIT_PER_EMAIL"] = "1 per hour"
    first = app.test_client().post("/unete", data=_form())
    second = app.test_client().post(
        "/unete", data=_form(), environ_overrides={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert (first.status_code, second.status_code) == (200, 429)


@pytest.mark.parametrize(
    ("role", "expected"), [(None, 302), (Role.MEMBER, 403), (Role.COORDINATOR, 200)]
)
@pytest.mark.parametrize("path", ["/applications", "/applications/{id}"])
def test_who_may_review(app, client, db_session, login_as, role, expected, path):
    application = _confirmed(app, db_session)
    if role is not None:
        login_as(role)
    assert client.get(path.format(id=application.id)).status_code == expected


@pytest.mark.parametrize(("role", "expected"), [(Role.MEMBER, 403), (Role.COORDINATOR, 303)])
def test_who_may_decide(app, client, db_session, login_as, role, expected):
    application = _confirmed(app, db_session)
    login_as(role)
    answer = client.post(
        f"/applications/{application.id}/decline",
        data={"version": application.version, "reason": "No"},
    )
    assert answer.status_code == expected


def test_the_queue_runs_a_fixed_number_of_queries(
    app, client, db_session, login_as, make_institution
):
    from tests.helpers import count_statements

    login_as(Role.COORDINATOR)
    _confirmed(app, db_session)
    engine = app.extensions["database"].engine
    with count_statements(engine) as few:
        assert client.get("/applications?status=all").status_code == 200
    for n in range(4):
        make_institution(name=f"Institución extra {n}")
        app.test_client().post(
            "/unete", data=_form(institution_name=f"Otra {n}", contact_email=f"o{n}@example.org")
        )
    with count_statements(engine) as many:
        assert client.get("/applications?status=all").status_code == 200
    assert many.count == few.count
