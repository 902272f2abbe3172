"""One clock for the whole app: "today" is the coalition's day, not the server's.

The coalition lives in `COALITION_TIMEZONE` (America/Mexico_City by default): at 02:00 UTC
on 1 December it is still 30 November there, and a task due on the 30th is not yet
overdue. Every page, use case, command and query asks here; nothing calls `date.today()`.
Instants are stored in UTC (`models.base.utcnow`); only the day depends on the zone.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_app_context

from models import base


def zone_name() -> str:
    configured = current_app.config.get("COALITION_TIMEZONE") if has_app_context() else None
    return configured or base.COALITION_TIMEZONE


def now() -> datetime:
    """The current moment, in the coalition's time zone (aware)."""
    return base.local_now(zone_name())


def today() -> date:
    """The coalition's current day."""
    return now().date()
