"""Outgoing e-mail through the SMTP server named in the config; off by default.

MAIL_BACKEND "memory" keeps messages in `app.extensions["mail_outbox"]` (tests read it);
"smtp" sends through MAIL_SERVER:MAIL_PORT. Nothing is sent unless MAIL_ENABLED is true.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> bool:
    config = current_app.config
    if not config.get("MAIL_ENABLED"):
        return False
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if config.get("MAIL_BACKEND") == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
        return True
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
    return True


def outbox() -> list[EmailMessage]:
    return current_app.extensions.setdefault("mail_outbox", [])
