"""Sessions that really end, password rules, change and reset."""

from __future__ import annotations

import time

import pytest
from werkzeug.security import generate_password_hash

from coalition_app.account.passwords import check_new_password
from coalition_app.core.errors import DomainError
from coalition_app.core.mail import sent_messages as outbox
from models import Role, User
from tests.helpers import PASSWORD, sign_in

NEW = "Tlacuache-Azul-2030!"


def _cookie(client):
    return client.get_cookie("session").value


def _replay(app, cookie):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/")


def test_a_session_cookie_replayed_after_sign_out_is_refused(app, client, make_user):
    sign_in(client, make_user().email)
    stolen = _cookie(client)
    assert _replay(app, stolen).status_code == 200
    client.post("/logout")
    assert _replay(app, stolen).status_code == 302


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(
    app, client, make_user, db_session
):
    user = make_user()
    laptop = app.test_client()
    sign_in(laptop, user.email)
    sign_in(client, user.email)
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert laptop.get("/").status_code == 302
    assert sign_in(app.test_client(), user.email, NEW).status_code == 302


def test_password_change_needs_the_current_password(client, make_user):
    sign_in(client, make_user().email)
    response = client.post(
        "/account/password", data={"current_password": "not it", "password": NEW, "confirm": NEW}
    )
    assert response.status_code == 400
    assert "contraseña actual no es correcta" in response.get_data(as_text=True)


def test_deactivation_and_end_all_sessions_end_sessions(app, client, make_user, db_session):
    person = make_user()
    device = app.test_client()
    sign_in(device, person.email)
    coordinator = make_user(role=Role.COORDINATOR)
    sign_in(client, coordinator.email)
    assert client.post(f"/people/{person.id}/end-sessions").status_code == 302
    assert device.get("/").status_code == 302
    assert sign_in(device, person.email).status_code == 302  # can sign in again


def test_only_coordinators_end_someone_elses_sessions(app, client, make_user):
    person = make_user()
    device = app.test_client()
    sign_in(device, person.email)
    sign_in(client, make_user().email)
    assert client.post(f"/people/{person.id}/end-sessions").status_code == 403
    assert device.get("/").status_code == 200


def test_idle_sessions_time_out(app, client, make_user):
    sign_in(client, make_user().email)
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - app.config["SESSION_IDLE_TIMEOUT"] - 5
    assert client.get("/").status_code == 302


def test_sessions_end_after_the_absolute_timeout_even_when_active(app, client, make_user):
    sign_in(client, make_user().email)
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - app.config["SESSION_ABSOLUTE_TIMEOUT"] - 5
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short", "12"),
        ("passwordpassword", "comunes"),
        ("Password1234!", "comunes"),
        ("qwertyuiop123", "comunes"),
        ("aaaaaaaaaaaaaaaa", "variados"),
        ("coalition-2030!!", "comunes"),
        ("rosa.martinez-lopez-99", "nombre"),
    ],
)
def test_weak_passwords_are_refused(app, password, reason):
    with app.test_request_context():
        with pytest.raises(DomainError) as error:
            check_new_password(
                password, email="rosa.martinez@example.org", full_name="Rosa Martínez"
            )
        assert reason in str(error.value.message)


def test_a_good_password_is_accepted(app):
    with app.test_request_context():
        check_new_password(NEW, email="rosa@example.org", full_name="Rosa")


def test_reset_link_works_once_and_says_nothing_about_unknown_addresses(app, client, make_user):
    user = make_user(email="olvido@example.org")
    unknown = client.post("/password/forgot", data={"email": "nadie@example.org"})
    known = client.post("/password/forgot", data={"email": "olvido@example.org"})
    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"]
    with app.app_context():
        messages = [m for m in outbox() if m["To"] == user.email]
        # The unknown address is written to by nobody: the form is no way to e-mail anyone.
        assert len(outbox()) == 1 and len(messages) == 1
    link = next(
        line for line in messages[0].get_content().splitlines() if "/password/reset/" in line
    )
    path = link[link.index("/password/reset/") :]
    assert client.get(path).status_code == 200
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert client.post(path, data={"password": NEW + "x", "confirm": NEW + "x"}).status_code == 410
    assert sign_in(app.test_client(), user.email, NEW).status_code == 302


def test_reset_tokens_expire_and_cannot_be_forged(app, client, make_user):
    from itsdangerous import URLSafeTimedSerializer

    user = make_user()
    with app.test_request_context():
        from coalition_app.account import service as accounts

        token = accounts.reset_token(user)
    forged = URLSafeTimedSerializer("not-our-key", salt="password-reset").dumps(
        {"u": user.id, "h": user.password_hash[-16:]}
    )
    assert client.get(f"/password/reset/{forged}").status_code == 410
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(f"/password/reset/{token}").status_code == 410


def test_old_hashes_are_upgraded_at_sign_in(client, make_user, db_session):
    user = make_user()
    stored = db_session.get(User, user.id)
    stored.password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:600")
    db_session.commit()
    assert sign_in(client, user.email).status_code == 302
    db_session.expire_all()
    assert db_session.get(User, user.id).password_hash.startswith("pbkdf2:sha256:1000$")
