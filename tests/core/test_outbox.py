"""E-mail through the outbox: written with the change, delivered after the commit, with
retries. No request waits for, or fails because of, an SMTP server."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from coalition_app.core import outbox
from models import Invitation, OutboxMessage, OutboxStatus, Role, utcnow
from tests.helpers import sign_in


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An SMTP server's handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_port(app) -> int:
    """Real SMTP delivery to a port where nothing listens yet (the server is "down")."""
    port = _free_port()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    app.config["MAIL_TIMEOUT"] = 2
    return port


def _invite(client, make_user, make_institution, email="nueva@example.org"):
    coordinator = make_user(role=Role.COORDINATOR)
    institution = make_institution()
    sign_in(client, coordinator.email)
    return client.post(
        "/people/invite",
        data={
            "full_name": "Persona Nueva",
            "email": email,
            "institution_id": str(institution.id),
            "role": "member",
        },
    )


def _messages(db_session) -> list[OutboxMessage]:
    return list(db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_with_the_smtp_server_down_the_request_answers_and_the_mail_waits(
    app, client, db_session, make_user, make_institution, smtp_port
):
    response = _invite(client, make_user, make_institution)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "/invitations/" in page  # the link to copy is shown all the same
    assert db_session.scalar(select(Invitation).where(Invitation.email == "nueva@example.org"))
    [message] = _messages(db_session)
    assert message.status == OutboxStatus.QUEUED
    assert message.attempts == 1 and "ConnectionRefusedError" in (message.last_error or "")
    assert message.next_attempt_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None)

    # The server comes back; the next round (the worker, or `flask deliver-mail`) sends it.
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        with app.app_context():
            report = outbox.deliver_due(now=utcnow() + timedelta(minutes=2))
    finally:
        server.stop()
    assert report.sent == 1
    assert len(inbox.messages) == 1
    assert b"/invitations/" in inbox.messages[0]
    db_session.expire_all()
    [message] = _messages(db_session)
    assert message.status == OutboxStatus.SENT and message.attempts == 2


def test_a_refused_change_queues_no_mail(client, db_session, make_user, make_institution):
    taken = make_user()
    response = _invite(client, make_user, make_institution, email=taken.email)
    assert response.status_code == 400
    assert _messages(db_session) == []


def test_a_message_is_given_up_after_the_last_attempt(app, db_session, smtp_port):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    with app.test_request_context():
        outbox.queue("alguien@example.org", "Asunto", "Cuerpo")
        db_session.commit()
        first = outbox.deliver_due()
        second = outbox.deliver_due(now=utcnow() + timedelta(hours=1))
    assert (first.retried, second.failed) == (1, 1)
    [message] = _messages(db_session)
    assert message.status == OutboxStatus.FAILED and message.attempts == 2


def test_the_deliver_mail_command_sends_what_is_due(app, db_session):
    with app.test_request_context():
        app.config["MAIL_DELIVERY"] = "command"  # nothing sent at commit: cron's job
        outbox.queue("alguien@example.org", "Asunto", "Cuerpo")
        db_session.commit()
    assert _messages(db_session)[0].status == OutboxStatus.QUEUED
    result = CliRunner().invoke(
        app.cli, ["deliver-mail"], obj=ScriptInfo(create_app=lambda *a, **k: app)
    )
    assert result.exit_code == 0, result.output
    assert "sent: 1" in result.output
    db_session.expire_all()
    assert _messages(db_session)[0].status == OutboxStatus.SENT


def test_a_message_already_sent_is_never_sent_twice(app, db_session):
    from coalition_app.core.mail import sent_messages

    with app.test_request_context():
        app.config["MAIL_DELIVERY"] = "command"
        message = outbox.queue("alguien@example.org", "Asunto", "Cuerpo")
        db_session.commit()
        assert outbox.deliver(message.id) == OutboxStatus.SENT
        assert outbox.deliver(message.id) is None  # already sent: not ours to send
        assert len(sent_messages()) == 1


def test_mail_off_queues_nothing(app, db_session):
    app.config["MAIL_ENABLED"] = False
    with app.test_request_context():
        assert outbox.queue("alguien@example.org", "Asunto", "Cuerpo") is None
        db_session.commit()
    assert _messages(db_session) == []


def test_rq_mode_hands_each_committed_message_to_the_mail_queue(app, db_session):
    redis = pytest.importorskip("redis")
    from rq import Queue

    url = "redis://127.0.0.1:6379/14"
    try:
        connection = redis.Redis.from_url(url)
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (make test and .ci/run expect it)")
    queue = Queue(outbox.QUEUE_NAME, connection=connection)
    queue.empty()
    app.config.update(MAIL_DELIVERY="rq", MAIL_QUEUE_URL=url)
    try:
        with app.test_request_context():
            message = outbox.queue("alguien@example.org", "Asunto", "Cuerpo")
            from coalition_app.core.db import commit_request

            commit_request(None)
        jobs = queue.get_jobs()
        assert [job.func_name for job in jobs] == ["coalition_app.core.outbox.delivery_job"]
        assert jobs[0].args == (message.id,)
    finally:
        queue.empty()
