"""The audit trail: every change a coordinator makes (and every export) leaves a row."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import AuditEvent, User

from ..db import session


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an event to the session; the caller's transaction commits it with the change."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=_plain(details),
        ip=request.remote_addr if has_request_context() else None,
    )
    session.add(event)
    return event


def recent(limit: int = 25) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def _plain(value: Any) -> Any:
    """JSON-safe details: dates and enums become strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
