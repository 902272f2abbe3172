"""Only wrong credentials count toward the sign-in limits: not a database that is busy or
away (a plenary signing in at once must not lock its own venue out), nor a form sent
incomplete."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from coalition_app.account import service as accounts
from coalition_app.core.extensions import limiter
from tests.helpers import sign_in

ATTEMPTS = 4  # one more than the limits below


@pytest.fixture(autouse=True)
def _low_limits(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    with app.app_context():
        limiter.reset()


def _failing_with(original: Exception):
    def authenticate(email: str, password: str):
        raise OperationalError("SELECT users", {}, original)

    return authenticate


def test_a_database_away_or_busy_does_not_count_toward_the_limits(client, make_user, monkeypatch):
    user = make_user()
    with monkeypatch.context() as patched:
        patched.setattr(accounts, "authenticate", _failing_with(ConnectionRefusedError("down")))
        outage = [sign_in(client, user.email).status_code for _ in range(ATTEMPTS)]
        locked = sqlite3.OperationalError("database is locked")
        patched.setattr(accounts, "authenticate", _failing_with(locked))
        busy = [sign_in(client, user.email).status_code for _ in range(ATTEMPTS)]

    assert outage == [503] * ATTEMPTS
    assert busy == [409] * ATTEMPTS
    # The database back, the right password is let in: none of those counted.
    assert sign_in(client, user.email).status_code == 302


def test_an_incomplete_form_does_not_count(client, make_user):
    user = make_user()
    for _ in range(ATTEMPTS):
        assert client.post("/login", data={"email": user.email}).status_code == 400
    assert sign_in(client, user.email).status_code == 302


def test_wrong_passwords_still_count(client, make_user):
    user = make_user()
    assert [sign_in(client, user.email, "wrong").status_code for _ in range(3)] == [401] * 3
    assert sign_in(client, user.email).status_code == 429  # even the right one waits now
