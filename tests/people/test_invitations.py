"""Invitations (one-time, expiring, unguessable), deactivation and roles, all audited."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from coalition_app.core.mail import sent_messages as outbox
from models import AuditEvent, Invitation, Role, User, token_digest, utcnow
from tests.helpers import sign_in

STRONG = "a long enough passphrase"


def _invite(client, institution_id: int, email: str = "nueva@example.org") -> str:
    response = client.post(
        "/people/invite",
        data={
            "full_name": "Nueva Persona",
            "email": email,
            "institution_id": institution_id,
            "role": "member",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    match = re.search(r'id="invitation-link"[^>]*>([^<]+)<', response.get_data(as_text=True))
    return match.group(1).split("/invitations/")[1]


def test_invitation_token_works_once(app, client, login_as, db_session):
    coordinator = login_as(Role.COORDINATOR)
    token = _invite(client, coordinator.institution_id)
    with app.app_context():
        mail = outbox()[-1]
    assert mail["To"] == "nueva@example.org" and token in mail.get_content()
    # Only the digest is stored, and the token is long and random.
    stored = db_session.scalar(select(Invitation))
    assert stored.token_hash == token_digest(token) and token not in stored.token_hash
    assert len(token) >= 40

    visitor = app.test_client()
    page = visitor.get(f"/invitations/{token}")
    assert page.status_code == 200 and "Cree su cuenta" in page.get_data(as_text=True)
    short = visitor.post(f"/invitations/{token}", data={"password": "short", "confirm": "short"})
    assert short.status_code == 400
    differ = visitor.post(
        f"/invitations/{token}", data={"password": STRONG, "confirm": STRONG + "x"}
    )
    assert differ.status_code == 400 and "no coinciden" in differ.get_data(as_text=True)
    done = visitor.post(
        f"/invitations/{token}", data={"password": STRONG, "confirm": STRONG, "privacy": "y"}
    )
    assert done.status_code == 302
    user = db_session.scalar(select(User).where(User.email == "nueva@example.org"))
    assert user.role == Role.MEMBER and user.institution_id == coordinator.institution_id
    assert visitor.get("/").status_code == 200  # signed in

    again = app.test_client()
    reused = again.get(f"/invitations/{token}")
    assert reused.status_code == 410 and "ya se usó o caducó" in reused.get_data(as_text=True)
    assert (
        again.post(
            f"/invitations/{token}", data={"password": STRONG, "confirm": STRONG, "privacy": "y"}
        ).status_code
        == 410
    )
    assert sign_in(app.test_client(), "nueva@example.org", STRONG).status_code == 302
    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert {"person.invite", "person.accept_invitation"} <= actions


def test_invitation_expires(app, client, login_as, db_session):
    coordinator = login_as(Role.COORDINATOR)
    token = _invite(client, coordinator.institution_id)
    invitation = db_session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    visitor = app.test_client()
    assert visitor.get(f"/invitations/{token}").status_code == 410
    assert (
        visitor.post(
            f"/invitations/{token}", data={"password": STRONG, "confirm": STRONG, "privacy": "y"}
        ).status_code
        == 410
    )
    assert (
        db_session.scalar(
            select(func.count()).select_from(User).where(User.email == "nueva@example.org")
        )
        == 0
    )


def test_invitation_lasts_seven_days(client, login_as, db_session):
    coordinator = login_as(Role.COORDINATOR)
    _invite(client, coordinator.institution_id)
    invitation = db_session.scalar(select(Invitation))
    expires = (
        invitation.expires_at
        if invitation.expires_at.tzinfo
        else invitation.expires_at.replace(tzinfo=utcnow().tzinfo)
    )
    assert timedelta(days=6, hours=23) < expires - utcnow() <= timedelta(days=7)


def test_unknown_or_guessed_tokens_are_404(app, client, login_as):
    coordinator = login_as(Role.COORDINATOR)
    token = _invite(client, coordinator.institution_id)
    visitor = app.test_client()
    assert visitor.get("/invitations/not-a-token").status_code == 404
    assert visitor.get(f"/invitations/{token[:-1]}x").status_code == 404
    assert visitor.get("/invitations/" + "a" * 500).status_code == 404


def test_invitation_for_an_existing_account_is_refused(client, login_as, make_user):
    coordinator = login_as(Role.COORDINATOR)
    taken = make_user()
    response = client.post(
        "/people/invite",
        data={
            "full_name": "X",
            "email": taken.email.upper(),
            "institution_id": coordinator.institution_id,
            "role": "member",
        },
    )
    assert response.status_code == 400 and "Ya existe una cuenta" in response.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in_and_is_signed_out(
    app, client, login_as, make_user, db_session
):
    login_as(Role.COORDINATOR)
    person = make_user()
    other = app.test_client()
    assert sign_in(other, person.email).status_code == 302
    assert client.post(f"/people/{person.id}/active", data={"active": "0"}).status_code == 302
    assert other.get("/").status_code == 302  # the open session no longer works
    assert sign_in(app.test_client(), person.email).status_code == 401
    assert client.post(f"/people/{person.id}/active", data={"active": "1"}).status_code == 302
    assert sign_in(app.test_client(), person.email).status_code == 302
    actions = db_session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.target_id == person.id, AuditEvent.action.like("person.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["person.deactivate", "person.activate"]
    sign_ins = db_session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.target_id == person.id, AuditEvent.action.like("sign_in%"))
        .order_by(AuditEvent.id)
    ).all()
    assert sign_ins == ["sign_in", "sign_in_failed", "sign_in"]  # ok and failed are recorded


def test_coordinator_changes_a_role_but_not_their_own(client, login_as, make_user, db_session):
    coordinator = login_as(Role.COORDINATOR)
    person = make_user()
    assert client.post(f"/people/{person.id}/role", data={"role": "coordinator"}).status_code == 302
    assert db_session.get(User, person.id).role == Role.COORDINATOR
    client.post(f"/people/{coordinator.id}/role", data={"role": "member"})
    client.post(f"/people/{coordinator.id}/active", data={"active": "0"})
    me = db_session.get(User, coordinator.id)
    assert me.role == Role.COORDINATOR and me.is_active
    assert client.post(f"/people/{person.id}/role", data={"role": "emperor"}).status_code == 400
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "person.role"))
    assert event.details == {"before": "member", "after": "coordinator"}


def test_people_page_lists_people(client, login_as, make_user):
    login_as(Role.COORDINATOR)
    make_user(full_name="Zoe Invitada")
    html = client.get("/people").get_data(as_text=True)
    assert "Zoe Invitada" in html and "Invitar a alguien" in html


def _invite_page(client, institution_id: int, email: str) -> str:
    response = client.post(
        "/people/invite",
        data={
            "full_name": "Nueva Persona",
            "email": email,
            "institution_id": institution_id,
            "role": "member",
        },
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_says_truthfully_whether_the_invitation_was_e_mailed(
    app, client, login_as, make_institution, db_session
):
    login_as(role=Role.COORDINATOR)
    institution = make_institution()
    queued = _invite_page(client, institution.id, "una@example.org")
    assert "El correo a una@example.org va en camino" in queued
    assert 'id="invitation-link"' in queued
    app.config["MAIL_ENABLED"] = False
    not_sent = _invite_page(client, institution.id, "otra@example.org")
    assert "El correo está desactivado: copie el enlace de abajo" in not_sent
    assert "va en camino" not in not_sent and "enviada" not in not_sent
    assert 'id="invitation-link"' in not_sent  # the link to copy, whatever the mail
