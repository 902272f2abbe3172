"""The transport: hands one message to the SMTP server named in the config.

Only the outbox's worker calls this (`core.outbox`); requests never wait for an SMTP
server. MAIL_BACKEND "memory" keeps the messages in `app.extensions["mail_outbox"]` (tests
read it with `sent_messages()`); "smtp" sends through MAIL_SERVER:MAIL_PORT.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Mapping
from email.message import EmailMessage

from flask import current_app


def build_message(
    to: str, subject: str, body: str, attachments: Iterable[Mapping[str, str]] = ()
) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    for attachment in attachments:
        # "text/calendar; method=REQUEST": the type, then its parameters (an invitation's).
        kind, *parameters = (part.strip() for part in attachment["content_type"].split(";"))
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(
            attachment["content"].encode(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
            params=dict(p.partition("=")[::2] for p in parameters if "=" in p),
        )
    return message


def transmit(message: EmailMessage) -> None:
    """Send one message; raises OSError or smtplib.SMTPException when the server refuses."""
    config = current_app.config
    if config.get("MAIL_BACKEND") == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
        return
    timeout = float(config.get("MAIL_TIMEOUT", 10))
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def sent_messages() -> list[EmailMessage]:
    """What the memory backend has "sent" (tests)."""
    outbox: list[EmailMessage] = current_app.extensions.setdefault("mail_outbox", [])
    return outbox
