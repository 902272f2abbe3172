"""E-mail waiting to leave: written in the same transaction as the change that caused it,
delivered afterwards by a worker, with retries (`coalition_app.core.outbox`)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .notifications import Notification


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its first try, or for the next one after a failure
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; last_error says why


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Files sent along: [{"filename", "content_type", "content"}] (text content).
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The inbox entry this message copies, if any (marked e-mailed once delivered).
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"), index=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A worker's lease: while it lasts no other worker takes the message.
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    notification: Mapped[Notification | None] = relationship()

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status} to {self.recipient}>"
