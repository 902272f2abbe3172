"""Sign-in, sign-out and the pages that need them."""

import pytest
from sqlalchemy import select

from models import User
from tests.helpers import PASSWORD, sign_in


def test_good_credentials_sign_in_and_record_the_time(client, make_user, db_session):
    user = make_user()
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert db_session.scalar(select(User.last_login_at).where(User.id == user.id)) is not None
    assert client.get("/").status_code == 200


def test_email_is_matched_whatever_its_case(client, make_user):
    make_user(email="rosa@example.org")
    assert sign_in(client, "  ROSA@Example.org ").status_code == 302


def test_bad_credentials_get_the_same_generic_message(client, make_user):
    user = make_user()
    wrong_password = sign_in(client, user.email, "wrong password")
    unknown_email = sign_in(client, "nobody@example.org")
    inactive = sign_in(client, make_user(is_active=False).email)
    for response in (wrong_password, unknown_email, inactive):
        assert response.status_code == 401
        assert "no corresponden a una cuenta activa" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_inactive_user_is_refused(client, make_user):
    user = make_user(is_active=False)
    response = sign_in(client, user.email)
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_a_user_deactivated_while_signed_in_loses_access(client, make_user, db_session):
    user = make_user()
    sign_in(client, user.email)
    db_session.get(User, user.id).is_active = False
    db_session.commit()
    assert client.get("/").status_code == 302


def test_logout_ends_the_session(client, make_user):
    user = make_user()
    sign_in(client, user.email)
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302


def test_logout_by_get_is_not_allowed(client, make_user):
    sign_in(client, make_user().email)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/groups/", "/groups/etica"])
def test_protected_pages_redirect_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_static_files_and_login_page_need_no_sign_in(client):
    assert client.get("/login").status_code == 200
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200


def test_next_redirects_to_our_own_pages(client, make_user):
    user = make_user()
    response = sign_in(client, user.email, next="/groups/")
    assert response.headers["Location"] == "/groups/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "\\\\evil.example.com",
        "javascript:alert(1)",
        "http:/evil.example.com",
        " //evil.example.com",
    ],
)
def test_open_redirect_via_next_is_refused(client, make_user, target):
    user = make_user()
    response = sign_in(client, user.email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_signing_in_starts_a_new_session(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_password_is_never_stored_in_clear(make_user):
    user = make_user(password="a secret phrase 123")
    assert "a secret phrase 123" not in user.password_hash


def test_login_without_csrf_token_is_rejected_when_csrf_is_on(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert b"csrf" not in response.data.lower() or b"form" in response.data.lower()


def test_login_with_csrf_token_works_when_csrf_is_on(csrf_app):
    from werkzeug.security import generate_password_hash

    from models import Institution

    client = csrf_app.test_client()
    with csrf_app.app_context():
        session = csrf_app.extensions["database"].session()
        from datetime import date

        institution = Institution(name="CSRF U", sector_slug="academia", joined_on=date(2019, 1, 1))
        session.add(
            User(
                email="csrf@example.org",
                full_name="C",
                institution=institution,
                password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"),
            )
        )
        session.commit()
    page = client.get("/login").data.decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"email": "csrf@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    # Signing out without the token is refused: the person stays signed in.
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_failed_sign_ins_are_throttled_per_account_with_the_same_message(client, make_user):
    user = make_user()
    for _ in range(5):
        assert sign_in(client, user.email, "wrong password").status_code == 401
    blocked = sign_in(client, user.email)  # even the right password waits now
    assert blocked.status_code == 429
    unknown = [sign_in(client, "ghost@example.org", "x").status_code for _ in range(6)]
    assert unknown[-1] == 429  # an unknown address is throttled the same way
    assert "Demasiados intentos" in blocked.get_data(as_text=True)


def test_successful_sign_ins_do_not_count_towards_the_limit(client, make_user):
    user = make_user()
    for _ in range(8):
        assert sign_in(client, user.email).status_code == 302
        client.post("/logout")
