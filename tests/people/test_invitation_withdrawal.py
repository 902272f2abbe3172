"""Issue 12: pending invitations are listed with who sent them and until when, a coordinator
can withdraw one (audited; its link answers 410), and deactivating the coordinator who sent
them withdraws theirs."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from models import AuditEvent, Invitation, Role, User
from tests.helpers import sign_in

STRONG = "a long enough passphrase"


def _invite(client, institution_id: int, email: str) -> str:
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


def _invitation(db_session, email: str) -> Invitation:
    db_session.expire_all()
    return db_session.scalar(select(Invitation).where(Invitation.email == email))


def _pending_block(page: str) -> str:
    match = re.search(r'<ul[^>]*id="pending-invitations".*?</ul>', page, re.S)
    return match.group(0) if match else ""


def _accounts(db_session, email: str) -> int:
    return db_session.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_pending_invitations_show_who_sent_them_and_until_when(client, login_as, db_session):
    coordinator = login_as(Role.COORDINATOR, full_name="Ana Coordinadora")
    _invite(client, coordinator.institution_id, "nueva@example.org")
    block = _pending_block(client.get("/people").get_data(as_text=True))
    assert "nueva@example.org" in block
    assert "Enviada por Ana Coordinadora; válida hasta" in block
    invitation = _invitation(db_session, "nueva@example.org")
    assert f'action="/people/invitations/{invitation.id}/revoke"' in block


def test_a_coordinator_withdraws_an_invitation_and_its_link_answers_410(
    app, client, login_as, db_session
):
    coordinator = login_as(Role.COORDINATOR)
    token = _invite(client, coordinator.institution_id, "nueva@example.org")
    visitor = app.test_client()
    assert visitor.get(f"/invitations/{token}").status_code == 200  # opened before
    invitation = _invitation(db_session, "nueva@example.org")

    response = client.post(f"/people/invitations/{invitation.id}/revoke")
    assert response.status_code == 302
    invitation = _invitation(db_session, "nueva@example.org")
    assert invitation.revoked_at is not None and invitation.revoked_by_id == coordinator.id
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "person.invitation_revoke")
    )
    assert (event.actor_id, event.target_id) == (coordinator.id, invitation.id)
    assert event.details == {"email": "nueva@example.org"}
    assert "nueva@example.org" not in _pending_block(client.get("/people").get_data(as_text=True))

    page = visitor.get(f"/invitations/{token}")
    assert page.status_code == 410
    assert "Esta invitación fue retirada" in page.get_data(as_text=True)
    # The form opened before the withdrawal cannot be sent afterwards either.
    sent = visitor.post(
        f"/invitations/{token}", data={"password": STRONG, "confirm": STRONG, "privacy": "y"}
    )
    assert sent.status_code == 410
    assert _accounts(db_session, "nueva@example.org") == 0
    # Withdrawing twice changes nothing.
    assert client.post(f"/people/invitations/{invitation.id}/revoke").status_code == 302
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "person.invitation_revoke")
        )
        == 1
    )


def test_only_coordinators_withdraw_invitations(app, client, login_as, make_user, db_session):
    coordinator = login_as(Role.COORDINATOR)
    token = _invite(client, coordinator.institution_id, "nueva@example.org")
    invitation = _invitation(db_session, "nueva@example.org")
    member = app.test_client()
    sign_in(member, make_user().email)
    assert member.post(f"/people/invitations/{invitation.id}/revoke").status_code == 403
    assert _invitation(db_session, "nueva@example.org").revoked_at is None
    assert app.test_client().get(f"/invitations/{token}").status_code == 200
    assert client.post("/people/invitations/999999/revoke").status_code == 404


def test_a_used_invitation_cannot_be_withdrawn(app, client, login_as, db_session):
    coordinator = login_as(Role.COORDINATOR)
    token = _invite(client, coordinator.institution_id, "nueva@example.org")
    visitor = app.test_client()
    done = visitor.post(
        f"/invitations/{token}", data={"password": STRONG, "confirm": STRONG, "privacy": "y"}
    )
    assert done.status_code == 302
    invitation = _invitation(db_session, "nueva@example.org")
    response = client.post(f"/people/invitations/{invitation.id}/revoke")
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert session["_flashes"][-1] == ("danger", "Esta invitación ya se usó: la cuenta existe.")
    assert _invitation(db_session, "nueva@example.org").revoked_at is None
    assert visitor.get("/").status_code == 200  # the new account keeps working


def test_deactivating_the_sender_withdraws_their_pending_invitations(
    app, client, login_as, make_user, db_session
):
    sender = make_user(role=Role.COORDINATOR)
    sender_client = app.test_client()
    sign_in(sender_client, sender.email)
    theirs = [
        _invite(sender_client, sender.institution_id, f"de-ella-{n}@example.org") for n in (1, 2)
    ]
    other = login_as(Role.COORDINATOR)
    mine = _invite(client, other.institution_id, "mia@example.org")

    assert client.post(f"/people/{sender.id}/active", data={"active": "0"}).status_code == 302
    with client.session_transaction() as session:
        assert session["_flashes"][-1][1] == (
            "Cuenta actualizada. Se retiraron 2 invitaciones pendientes que envió esta persona."
        )
    visitor = app.test_client()
    for token in theirs:
        assert visitor.get(f"/invitations/{token}").status_code == 410
    assert visitor.get(f"/invitations/{mine}").status_code == 200
    reasons = db_session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "person.invitation_revoke")
    ).all()
    assert [details["reason"] for details in reasons] == ["sender_deactivated"] * 2
    # Reactivating the sender does not bring their invitations back.
    assert client.post(f"/people/{sender.id}/active", data={"active": "1"}).status_code == 302
    assert [visitor.get(f"/invitations/{token}").status_code for token in theirs] == [410, 410]
    block = _pending_block(client.get("/people").get_data(as_text=True))
    assert "mia@example.org" in block and "de-ella" not in block
