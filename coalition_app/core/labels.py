"""Translated labels for the values people see (statuses, roles, kinds of tie)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models import GroupRole, Role, TieKind, TieStatus, WorkStatus

LABELS: dict[str, object] = {
    WorkStatus.PLANNED: _l("Planned"),
    WorkStatus.IN_PROGRESS: _l("In progress"),
    WorkStatus.IN_REVIEW: _l("In review"),
    WorkStatus.DONE: _l("Done"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.MEMBER: _l("Member"),
    GroupRole.LEAD: _l("Lead"),
    GroupRole.MEMBER: _l("Member"),
    TieKind.JOINT_PROJECT: _l("Joint project"),
    TieKind.AGREEMENT: _l("Agreement"),
    TieKind.EVENT: _l("Event"),
    TieKind.COAUTHORSHIP: _l("Co-authorship"),
    TieKind.DATA_SHARING: _l("Data sharing"),
    TieKind.FUNDING: _l("Funding"),
    TieKind.OTHER: _l("Other collaboration"),
    TieStatus.UNCONFIRMED: _l("unconfirmed"),
    TieStatus.CONFIRMED: _l("confirmed"),
    TieStatus.DECLINED: _l("declined"),
}


def label(value: str) -> str:
    return str(LABELS.get(value, value))


FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "status": _l("Status"),
    "progress": _l("Progress"),
    "progress_mode": _l("Progress mode"),
    "due_on": _l("Due date"),
    "owner": _l("Owner institution"),
    "assignee": _l("Assignee"),
    "archived": _l("Archive"),
    "reopened": _l("Tasks reopened"),
    # A tie's fields (its history uses the same list).
    "kind": _l("Kind"),
    "since": _l("Start"),
    "ends_on": _l("End"),
    "evidence_url": _l("Evidence link"),
}


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def status_label_of(value: str) -> str:
    """The label of a status stored as text (in the history's before/after values)."""
    for statuses in (WorkStatus, TieStatus):
        try:
            return label(statuses(value))
        except ValueError:
            continue
    return value
