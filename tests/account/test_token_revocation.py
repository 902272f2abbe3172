"""Issue 12: personal API tokens stop working when their owner's password changes (changed
or reset), when two-factor sign-in is turned on, when a coordinator ends the person's
sessions and when the account is deactivated; the page says so. Signing out does not."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from coalition_app.account.views import ENROL_SECRET_KEY
from coalition_app.core.extensions import limiter
from coalition_app.core.mail import sent_messages
from models import ApiToken, AuditEvent, Role
from tests.helpers import PASSWORD, sign_in

NEW = "Tlacuache-Azul-2030!"


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    with app.app_context():
        limiter.reset()


def _new_token(client, name: str = "hoja de cálculo") -> str:
    response = client.post("/account/tokens", data={"name": name, "scope": "read"})
    assert response.status_code == 201
    return re.search(r'id="new-token"[^>]*>([^<]+)<', response.get_data(as_text=True)).group(1)


def _api(app, token: str) -> int:
    return (
        app.test_client()
        .get("/api/v1/groups", headers={"Authorization": f"Bearer {token}"})
        .status_code
    )


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _revocations(db_session, user) -> list[dict]:
    return [
        event.details
        for event in db_session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "api_token.revoke_all", AuditEvent.target_id == user.id)
            .order_by(AuditEvent.id)
        )
    ]


@pytest.fixture
def person_with_tokens(app, client, make_user):
    user = make_user()
    assert sign_in(client, user.email).status_code == 302
    tokens = [_new_token(client, "uno"), _new_token(client, "dos")]
    assert [_api(app, token) for token in tokens] == [200, 200]
    return user, tokens


def test_changing_the_password_revokes_the_tokens_and_says_so(
    app, client, db_session, person_with_tokens
):
    user, tokens = person_with_tokens
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert response.status_code == 302
    assert _flashes(client)[-1] == (
        "Contraseña cambiada. Se cerraron sus otras sesiones. Se revocaron 2 tokens personales "
        "de la API: los programas que los usan necesitan otros nuevos."
    )
    assert [_api(app, token) for token in tokens] == [401, 401]
    assert _revocations(db_session, user) == [{"reason": "password", "count": 2}]
    # A token made afterwards works: only the ones from before the change are gone.
    assert _api(app, _new_token(client)) == 200


def test_a_password_reset_by_e_mail_revokes_the_tokens(app, client, db_session, person_with_tokens):
    user, tokens = person_with_tokens
    visitor = app.test_client()
    assert visitor.post("/password/forgot", data={"email": user.email}).status_code == 302
    with app.app_context():
        body = sent_messages()[-1].get_content()
    path = re.search(r"(/password/reset/\S+)", body).group(1)
    assert visitor.post(path, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert _flashes(visitor)[-1] == (
        "Su contraseña quedó lista. Inicie sesión con ella. Se revocaron 2 tokens personales "
        "de la API: los programas que los usan necesitan otros nuevos."
    )
    assert [_api(app, token) for token in tokens] == [401, 401]


def test_turning_on_two_factor_revokes_the_tokens_and_says_so(
    app, client, db_session, person_with_tokens
):
    user, tokens = person_with_tokens
    assert client.get("/account/security").status_code == 200
    with client.session_transaction() as session:
        secret = session[ENROL_SECRET_KEY]
    response = client.post("/account/security/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200  # the recovery codes, with the message above them
    assert (
        "El inicio de sesión en dos pasos está activado. Se cerraron sus otras sesiones. Se "
        "revocaron 2 tokens personales de la API: los programas que los usan necesitan otros "
        "nuevos."
    ) in response.get_data(as_text=True)
    assert [_api(app, token) for token in tokens] == [401, 401]
    assert _revocations(db_session, user) == [{"reason": "two_factor", "count": 2}]


def test_ending_all_sessions_revokes_the_tokens_but_signing_out_does_not(
    app, client, db_session, make_user, person_with_tokens
):
    user, tokens = person_with_tokens
    assert client.post("/logout").status_code == 302
    assert [_api(app, token) for token in tokens] == [200, 200]  # signing out: tokens stay

    coordinator = app.test_client()
    sign_in(coordinator, make_user(role=Role.COORDINATOR).email)
    assert coordinator.post(f"/people/{user.id}/end-sessions").status_code == 302
    assert _flashes(coordinator)[-1] == (
        f"Se cerraron todas las sesiones de {user.full_name}. Se revocaron 2 tokens personales "
        "de la API: los programas que los usan necesitan otros nuevos."
    )
    assert [_api(app, token) for token in tokens] == [401, 401]
    assert _revocations(db_session, user) == [{"reason": "ended", "count": 2}]


def test_deactivation_revokes_the_tokens_and_reactivation_does_not_revive_them(
    app, client, db_session, make_user, person_with_tokens
):
    user, tokens = person_with_tokens
    coordinator = app.test_client()
    sign_in(coordinator, make_user(role=Role.COORDINATOR).email)
    assert coordinator.post(f"/people/{user.id}/active", data={"active": "0"}).status_code == 302
    assert _flashes(coordinator)[-1] == (
        "Cuenta actualizada. Se revocaron 2 tokens personales de la API: los programas que los "
        "usan necesitan otros nuevos."
    )
    assert coordinator.post(f"/people/{user.id}/active", data={"active": "1"}).status_code == 302
    assert [_api(app, token) for token in tokens] == [401, 401]
    db_session.expire_all()
    rows = db_session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert len(rows) == 2 and all(row.revoked_at is not None for row in rows)


def test_with_no_tokens_the_message_does_not_mention_them(client, make_user):
    user = make_user()
    sign_in(client, user.email)
    client.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert _flashes(client)[-1] == "Contraseña cambiada. Se cerraron sus otras sesiones."


def test_the_tokens_page_says_when_tokens_are_revoked(client, make_user):
    sign_in(client, make_user().email)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "Todos sus tokens se revocan cuando cambia su contraseña" in page
