"""Issue 12: the session cookie lasts only as long as the browser unless the person asks to
stay signed in; the timeouts hold server-side either way; sign-out leaves neither a signed-in
session nor a remember cookie; production names the cookie with the `__Host-` prefix."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

import config
from tests.helpers import PASSWORD, sign_in

NEW = "Tlacuache-Azul-2030!"


def _set_cookies(response) -> dict[str, str]:
    """Each cookie the response sets, by name, with its attributes as sent."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookies[header.split("=", 1)[0]] = header
    return cookies


def _attributes(header: str) -> dict[str, str]:
    parts = [part.strip() for part in header.split(";")[1:]]
    return {
        name.lower(): value for name, _, value in (part.partition("=") for part in parts) if name
    }


def _expires(header: str) -> datetime:
    return parsedate_to_datetime(_attributes(header)["expires"])


def test_without_keep_me_signed_in_the_cookie_ends_with_the_browser(client, make_user):
    response = sign_in(client, make_user().email)
    assert response.status_code == 302
    cookies = _set_cookies(response)
    assert set(cookies) == {"session"}  # no remember cookie either
    attributes = _attributes(cookies["session"])
    assert "expires" not in attributes and "max-age" not in attributes
    assert "httponly" in attributes and attributes["samesite"] == "Lax"
    assert client.get("/").status_code == 200


def test_keep_me_signed_in_makes_the_cookie_outlive_the_browser_until_the_absolute_timeout(
    app, client, make_user
):
    response = sign_in(client, make_user().email, remember="y")
    assert response.status_code == 302
    cookies = _set_cookies(response)
    assert set(cookies) == {"session"}  # the session itself lasts; no remember cookie
    lifetime = _expires(cookies["session"]) - datetime.now(UTC)
    limit = timedelta(seconds=app.config["SESSION_ABSOLUTE_TIMEOUT"])
    assert limit - timedelta(minutes=1) < lifetime <= limit


def test_a_kept_session_still_ends_after_the_idle_and_absolute_timeouts(app, make_user):
    user = make_user()
    idle, old = app.test_client(), app.test_client()
    for client in (idle, old):
        sign_in(client, user.email, remember="y")
    with idle.session_transaction() as session:
        session["seen_at"] = int(time.time()) - app.config["SESSION_IDLE_TIMEOUT"] - 5
    with old.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - app.config["SESSION_ABSOLUTE_TIMEOUT"] - 5
    assert idle.get("/").status_code == 302
    assert old.get("/").status_code == 302


def test_a_password_change_keeps_the_choice_made_at_sign_in(client, make_user):
    sign_in(client, make_user().email, remember="y")
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert response.status_code == 302
    assert "expires" in _attributes(_set_cookies(response)["session"])


def test_sign_out_clears_the_session_and_deletes_the_remember_cookie(app, client, make_user):
    sign_in(client, make_user().email, remember="y")
    # A remember cookie an earlier version set is still in this browser.
    client.set_cookie("remember_token", "1.1|an-old-signature")
    response = client.post("/logout")
    assert response.status_code == 302
    cookies = _set_cookies(response)
    remember = _attributes(cookies["remember_token"])
    assert cookies["remember_token"].startswith("remember_token=;")
    assert parsedate_to_datetime(remember["expires"]).year == 1970
    # The session cookie that replaces the signed-in one ends with the browser and holds
    # nobody: only the "signed out" message.
    assert "expires" not in _attributes(cookies["session"])
    assert client.get_cookie("remember_token") is None
    with client.session_transaction() as session:
        assert "_user_id" not in session and not session.permanent
    assert client.get("/").status_code == 302


def test_a_timed_out_session_deletes_the_remember_cookie_too(app, client, make_user):
    sign_in(client, make_user().email)
    client.set_cookie("remember_token", "1.1|an-old-signature")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - app.config["SESSION_IDLE_TIMEOUT"] - 5
    response = client.get("/")
    assert response.status_code == 302
    assert _set_cookies(response)["remember_token"].startswith("remember_token=;")


def test_production_names_the_session_cookie_with_the_host_prefix(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BASE_URL", "https://coalition.example")
    settings = config.ProductionConfig()
    assert settings.SESSION_COOKIE_NAME == "__Host-session"
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.SESSION_COOKIE_PATH == "/" and settings.SESSION_COOKIE_DOMAIN is None


@pytest.fixture
def production_cookies(app):
    """The test app with production's cookie settings (its database stays the test one)."""
    for key in (
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_PATH",
        "SESSION_COOKIE_DOMAIN",
        "REMEMBER_COOKIE_SECURE",
    ):
        app.config[key] = getattr(config.ProductionConfig, key)
    return app


def test_the_host_prefixed_cookie_is_secure_for_the_whole_site_and_no_domain(
    production_cookies, make_user
):
    client = production_cookies.test_client()
    user = make_user()
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        base_url="https://coalition.example",
    )
    assert response.status_code == 302
    cookies = _set_cookies(response)
    assert set(cookies) == {"__Host-session"}
    attributes = _attributes(cookies["__Host-session"])
    assert "secure" in attributes and "httponly" in attributes
    assert attributes["path"] == "/" and "domain" not in attributes
    assert "expires" not in attributes
    home = client.get("/", base_url="https://coalition.example")
    assert home.status_code == 200
