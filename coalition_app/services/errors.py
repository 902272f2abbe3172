"""Errors that services raise and views turn into messages (never into a 500)."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """A rule was broken. `field` names the form field the message belongs next to."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class EditConflict(Exception):
    """Someone saved the object after the form was loaded: nothing was overwritten."""

    def __init__(self, subject, changed_by: str | None, changed_at: datetime | None) -> None:
        super().__init__(f"{subject!r} changed by {changed_by} at {changed_at}")
        self.subject = subject
        self.changed_by = changed_by
        self.changed_at = changed_at
