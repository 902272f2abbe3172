"""Issue 12: `/password/forgot` is throttled per typed address and per client address, and
answers the same, by the same steps, whatever the account (none, active, deactivated), even
with the mail server down."""

from __future__ import annotations

import re
import socket

import pytest
from sqlalchemy import select

from coalition_app.core.extensions import limiter
from coalition_app.core.mail import sent_messages
from models import AuditEvent, OutboxMessage, OutboxStatus
from tests.helpers import count_statements

SAID = "Si esa dirección tiene una cuenta"


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    with app.app_context():
        limiter.reset()


def _ask(client, email: str, address: str = "127.0.0.1"):
    return client.post(
        "/password/forgot", data={"email": email}, environ_overrides={"REMOTE_ADDR": address}
    )


def _queued(db_session) -> list[OutboxMessage]:
    db_session.expire_all()
    return list(db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_reset_requests_are_limited_per_typed_address(app, client, make_user, db_session):
    user = make_user()
    assert app.config["FORGOT_PASSWORD_LIMIT_PER_ACCOUNT"] == "3 per hour"
    # From three different client addresses: the typed address is what counts.
    for n in range(3):
        assert _ask(client, user.email.upper(), f"10.0.0.{n}").status_code == 302
    refused = _ask(client, user.email, "10.0.0.9")
    assert refused.status_code == 429
    assert "Demasiados intentos" in refused.get_data(as_text=True)
    assert len(_queued(db_session)) == 3  # 40 posts no longer make 40 e-mails
    # Unknown addresses are counted the same way (the limit says nothing about accounts).
    for _ in range(3):
        assert _ask(client, "nadie@example.org", "10.0.1.1").status_code == 302
    assert _ask(client, "nadie@example.org", "10.0.1.2").status_code == 429
    # Another address is not held back by this one's limit.
    assert _ask(client, "otra@example.org", "10.0.0.9").status_code == 302


def test_reset_requests_are_limited_per_client_address(app, client, db_session):
    assert app.config["FORGOT_PASSWORD_LIMIT_PER_ADDRESS"] == "20 per hour"
    for n in range(20):
        assert _ask(client, f"persona{n}@example.org", "192.0.2.7").status_code == 302
    assert _ask(client, "persona99@example.org", "192.0.2.7").status_code == 429
    requested = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "password.reset_requested")
    ).all()
    assert len(requested) == 20  # the 21st was refused before anything was recorded
    assert _queued(db_session) == []  # no account, no e-mail
    assert _ask(client, "persona99@example.org", "192.0.2.8").status_code == 302


def _statements(app, client, email: str) -> tuple[list[str], object]:
    engine = app.extensions["database"].session.get_bind()
    with count_statements(engine) as counter:
        response = _ask(client, email)
    # The SQL text, without the values bound to it.
    return [re.sub(r"\s+", " ", statement) for statement in counter.statements], response


def test_known_unknown_and_deactivated_addresses_take_the_same_steps(
    app, client, make_user, db_session
):
    """Not a timing test: the same statements and the same answer; only an active account
    gets a message (one INSERT more), and nobody else is written to."""
    active = make_user()
    inactive = make_user(is_active=False)
    # Delivery is the worker's (outside the request in production): keep it out here too.
    app.config["MAIL_DELIVERY"] = "command"
    _ask(client, "warm-up@example.org")  # first-request work stays out of the comparison
    runs = {
        email: _statements(app, client, email)
        for email in (active.email, "nadie@example.org", inactive.email)
    }
    known, unknown, deactivated = [sql for sql, _response in runs.values()]
    assert unknown == deactivated
    queued = [sql for sql in known if sql.startswith("INSERT INTO outbox_messages")]
    assert len(queued) == 1
    assert [sql for sql in known if sql not in queued] == unknown
    responses = [response for _sql, response in runs.values()]
    assert {(r.status_code, r.headers["Location"]) for r in responses} == {(302, "/login")}
    messages = _queued(db_session)
    assert [m.recipient for m in messages] == [active.email]
    assert "/password/reset/" in messages[0].body
    page = client.get("/login").get_data(as_text=True)
    assert SAID in page


@pytest.fixture
def smtp_down(app) -> None:
    """Real SMTP delivery to a port where nothing listens (the server is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    app.config["MAIL_TIMEOUT"] = 2


def test_with_the_mail_server_down_every_address_gets_the_same_answer(
    app, client, make_user, db_session, smtp_down
):
    user = make_user()
    known, unknown = _ask(client, user.email), _ask(client, "nadie@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    messages = _queued(db_session)
    assert [m.recipient for m in messages] == [user.email]  # the unknown address gets none
    assert {m.status for m in messages} == {OutboxStatus.QUEUED}  # waiting for a retry
    assert {m.attempts for m in messages} == {1}
    with app.app_context():
        assert sent_messages() == []
