"""Translated labels for the values people see (statuses, roles, kinds of tie)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

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
    found = LABELS.get(value)
    return value if found is None else _translated(found)


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
    found = FIELD_LABELS.get(field)
    return field if found is None else _translated(found)


def status_label_of(value: str) -> str:
    """The label of a status stored as text (in the history's before/after values)."""
    for statuses in (WorkStatus, TieStatus):
        try:
            return label(statuses(value))
        except ValueError:
            continue
    return value


#: {(catalogue, id of a lazy message above): its text}. A lazy message looks its catalogue up
#: anew each time it is made text (about 7 µs; a history table shows dozens); the catalogue
#: object is one per language, kept for the process (a refresh replaces it, and the key
#: follows). Keyed by id: a lazy message hashes by translating itself, and these live as
#: long as the module.
_TEXTS: dict[tuple[Any, int], str] = {}
_MAX_TEXTS = 1024  # far more than the messages above times the languages


def _translated(message: Any) -> str:
    key = (_domain().get_translations(), id(message))
    text = _TEXTS.get(key)
    if text is None:
        if len(_TEXTS) >= _MAX_TEXTS:  # outside an app, each call has a catalogue of its own
            _TEXTS.clear()
        text = _TEXTS[key] = str(message)
    return text


#: {(catalogue, id of a mapping of lazy messages): its texts}, as `_TEXTS` above.
_TEXT_MAPS: dict[tuple[Any, int], dict[str, str]] = {}


def translated_texts(messages: Mapping[str, Any]) -> dict[str, str]:
    """A module-level mapping of lazy messages (a page script's strings, a list of help
    texts) as text in the language in force, worked out once per catalogue: made text one by
    one, the network page's fifty cost about 1,200 calls a request. Do not change the
    mapping returned: it is shared."""
    key = (_domain().get_translations(), id(messages))
    texts = _TEXT_MAPS.get(key)
    if texts is None:
        if len(_TEXT_MAPS) >= _MAX_TEXTS:
            _TEXT_MAPS.clear()
        texts = _TEXT_MAPS[key] = {name: str(message) for name, message in messages.items()}
    return texts


@cache
def _domain() -> Any:
    from .i18n import DOMAIN  # here: i18n imports this module

    return DOMAIN
