"""The audit trail: every change a coordinator makes (and every export) leaves a row."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload

from models import AuditEvent, User

from ..core.db import session
from .sentences import describe

#: Each event's actor, joined for their name and e-mail; not the actor's institution (with
#: its sector and state), which no list of events shows.
_WITH_ACTOR = joinedload(AuditEvent.actor).lazyload(User.institution)
# The latest events (the people page's), built once, the limit bound at each call.
_RECENT = (
    select(AuditEvent)
    .options(_WITH_ACTOR)
    .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    .limit(bindparam("limit"))
)

#: Asks `search` for the last page, whatever it is.
LAST_PAGE = 2**62


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
    return list(session.scalars(_RECENT, {"limit": limit}))


def _plain(value: Any) -> Any:
    """JSON-safe details: dates and enums become strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _filtered(
    action: str | None, actor: str | None, since: date | None, until: date | None
) -> Select[AuditEvent]:
    statement = select(AuditEvent)
    if action:
        statement = statement.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        statement = statement.join(User, AuditEvent.actor_id == User.id).where(
            User.email.contains(actor.strip().lower(), autoescape=True)
        )
    if since:
        statement = statement.where(AuditEvent.created_at >= datetime.combine(since, time.min, UTC))
    if until and until < date.max:  # until the last day there is: no upper bound
        statement = statement.where(
            AuditEvent.created_at < datetime.combine(until + timedelta(days=1), time.min, UTC)
        )
    return statement


def search(
    action: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """Events matching the filters, newest first, one page of them (two queries). A page
    past the last is the last one (a number too large for the database never reaches it)."""
    statement = _filtered(action, actor, since, until)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    page = min(max(1, page), max(1, -(-total // per_page)))
    events = session.scalars(
        statement.options(_WITH_ACTOR)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return AuditPage(list(events), total, page, per_page)


def actions() -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def export_rows(
    action: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Iterator[list[str | int]]:
    """Every matching event, oldest first, as CSV rows (a header first): the codes, and the
    sentence in the reader's language."""
    yield ["time", "actor", "action", "target_type", "target_id", "details", "ip", "sentence"]
    statement = (
        _filtered(action, actor, since, until)
        .options(_WITH_ACTOR)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    events = list(session.scalars(statement))
    told = describe(events)
    for event in events:
        yield [
            event.created_at.isoformat(),
            event.actor.email if event.actor else "",
            event.action,
            event.target_type,
            event.target_id if event.target_id is not None else "",
            json.dumps(event.details, ensure_ascii=False, sort_keys=True),
            event.ip or "",
            told[event.id].text_with_changes,
        ]
