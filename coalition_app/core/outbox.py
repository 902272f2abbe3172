"""E-mail through an outbox: written with the change, delivered after the commit.

`queue()` adds an `OutboxMessage` in the caller's transaction, so a change and its e-mail
are saved together or not at all, and no request waits for (or fails because of) an SMTP
server. After the commit, delivery is started as `MAIL_DELIVERY` says:

- ``rq`` (production): one RQ job per message on the ``mail`` queue in Redis
  (`rq worker mail --with-scheduler --url $REDIS_URL`, with the app's environment); a
  failed send is retried by RQ at growing intervals;
- ``thread`` (development): a background thread of this process delivers at once;
- ``inline`` (tests): delivered right after the commit, in the same process;
- ``command``: nothing is started; `flask --app wsgi deliver-mail` (cron) sends what is due.

Whatever the mode, `deliver-mail` also sweeps up what is due: a message whose job was lost
(Redis down when it was queued) or whose retry time has come. Each try is recorded on the
message (attempts, next try, last error); after `MAIL_MAX_ATTEMPTS` it is marked failed.
"""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import Flask, current_app, g
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from models import Notification, OutboxMessage, OutboxStatus, utcnow

from .db import after_commit, get_database, session
from .mail import build_message, transmit

#: Minutes to wait before each retry (the last value repeats).
RETRY_MINUTES = (1, 5, 15, 60, 240)
#: How long a worker holds a message it is sending before another may take it.
LEASE = timedelta(minutes=5)
QUEUE_NAME = "mail"


def queue(
    to: str,
    subject: str,
    body: str,
    *,
    notification: Notification | None = None,
    attachments: Iterable[Mapping[str, str]] = (),
) -> OutboxMessage | None:
    """Queue an e-mail in the current transaction; None when mail is off (MAIL_ENABLED)."""
    if not current_app.config.get("MAIL_ENABLED"):
        return None
    message = OutboxMessage(
        recipient=to,
        subject=subject,
        body=body,
        attachments=[dict(a) for a in attachments],
        notification=notification,
    )
    session.add(message)
    g.setdefault("_outbox_queued", []).append(message)
    after_commit(_start_delivery)
    return message


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver_due(limit: int = 200, now: datetime | None = None) -> Delivery:
    """Send every message that is due (the worker's and `deliver-mail`'s body). Each message
    is its own transaction: one that fails never holds back the others."""
    now = now or utcnow()
    ids = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    session.commit()
    report = Delivery()
    for message_id in ids:
        outcome = deliver(message_id, now=now)
        if outcome == OutboxStatus.SENT:
            report.sent += 1
        elif outcome == OutboxStatus.FAILED:
            report.failed += 1
        elif outcome == OutboxStatus.QUEUED:
            report.retried += 1
    return report


def deliver(message_id: int, now: datetime | None = None) -> OutboxStatus | None:
    """Try to send one message, if no other worker has it; commits what happened.

    Returns its status afterwards, or None if it was not ours to send (already sent, or
    held by another worker).
    """
    now = now or utcnow()
    # An UPDATE's result is a CursorResult (Session.execute is typed as returning a Result).
    claimed = cast(
        CursorResult[Any],
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == OutboxStatus.QUEUED,
                (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
            )
            .values(claimed_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.commit()
    if claimed != 1:
        return None
    message = session.get(OutboxMessage, message_id, populate_existing=True)
    assert message is not None  # the claim above just updated it
    try:
        transmit(
            build_message(message.recipient, message.subject, message.body, message.attachments)
        )
    except (OSError, smtplib.SMTPException) as error:
        _failed(message, error, now)
    else:
        message.status = OutboxStatus.SENT
        message.sent_at = utcnow()
        message.claimed_until = None
        message.last_error = None
        if message.notification_id is not None:
            notification = session.get(Notification, message.notification_id)
            if notification is not None:
                notification.emailed_at = message.sent_at
    session.commit()
    return message.status


def _failed(message: OutboxMessage, error: Exception, now: datetime) -> None:
    message.claimed_until = None
    message.last_error = f"{type(error).__name__}: {error}"[:1000]
    attempts = message.attempts
    if attempts >= int(current_app.config.get("MAIL_MAX_ATTEMPTS", 6)):
        message.status = OutboxStatus.FAILED
        current_app.logger.error("Gave up e-mail %s after %s attempts", message.id, attempts)
        return
    wait = RETRY_MINUTES[min(attempts - 1, len(RETRY_MINUTES) - 1)]
    message.next_attempt_at = now + timedelta(minutes=wait)
    current_app.logger.warning("E-mail %s not sent (%s); retry in %s min", message.id, error, wait)


def pending_count() -> int:
    return len(
        session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.QUEUED)
        ).all()
    )


# --- starting delivery after the commit --------------------------------------------------------


def _start_delivery() -> None:
    ids = [message.id for message in g.pop("_outbox_queued", [])]
    mode = current_app.config.get("MAIL_DELIVERY", "thread")
    # Flask types `current_app` as the app itself, not as the proxy it is: the proxy's
    # _get_current_object() is unknown to the type checker.
    if mode == "inline":
        _deliver_logged(current_app._get_current_object())  # type: ignore[attr-defined]
    elif mode == "thread":
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=_deliver_in_thread, args=(app,), daemon=True).start()
    elif mode == "rq":
        _enqueue(ids)


def _deliver_in_thread(app: Flask) -> None:
    with app.app_context():
        try:
            _deliver_logged(app)
        finally:
            get_database().session.remove()


def _deliver_logged(app: Flask) -> None:
    try:
        deliver_due()
    except Exception:  # noqa: BLE001 - never the request's problem: the messages stay queued
        with app.app_context():
            session.rollback()
        app.logger.exception("Mail delivery stopped; the messages stay queued")


def _enqueue(ids: list[int]) -> None:
    """One RQ job per message just committed; if Redis is away they wait for `deliver-mail`."""
    try:
        from redis import Redis
        from rq import Queue, Retry

        url = current_app.config.get("MAIL_QUEUE_URL") or current_app.config.get("REDIS_URL")
        if not url:
            raise RuntimeError("MAIL_DELIVERY is rq but no MAIL_QUEUE_URL or REDIS_URL is set")
        mail_queue = Queue(QUEUE_NAME, connection=Redis.from_url(url))
        for message_id in ids:
            mail_queue.enqueue(
                "coalition_app.core.outbox.delivery_job",
                message_id,
                job_id=f"mail-{message_id}",
                retry=Retry(max=len(RETRY_MINUTES), interval=[m * 60 for m in RETRY_MINUTES]),
                result_ttl=0,
            )
    except Exception:  # noqa: BLE001 - Redis away: the sweep (deliver-mail) sends them
        current_app.logger.exception("Could not hand e-mail to the mail queue")


_worker_app: Flask | None = None


def delivery_job(message_id: int) -> None:
    """RQ job: send one message; raising makes RQ retry it later."""
    global _worker_app
    if _worker_app is None:
        from coalition_app import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        try:
            status = deliver(message_id)
        finally:
            get_database().session.remove()
    if status == OutboxStatus.QUEUED:
        raise RuntimeError(f"e-mail {message_id} not sent yet; RQ will retry")
