"""The work's forms, and the three-way merge that follows an edit conflict.

Every form that edits a deliverable or a task carries the version it was built from and the
values its fields held then (`base`). When someone else saved in between, the save is refused
(`EditConflict`) and `VersionedForm.merge` compares, field by field, what the form was built
from, what you typed and what they saved: a field you did not change takes their value, a
field only you changed keeps what you typed, a field you both changed is shown side by side
for you to choose. The form then carries the new version and the new base, so saving again
can never put back a value you did not type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, ClassVar

from flask import request
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget, Select

from models import ProgressMode, WorkStatus

from ..core.forms import Form, PlainText, choices, newlines, optional_id, strip
from ..core.labels import label

#: Where a conflicting field's choice is posted: ``keep-<field>`` = ``yours`` or ``theirs``.
CHOICE_PREFIX = "keep-"
YOURS, THEIRS, CHOOSE = "yours", "theirs", "choose"


_optional_int = optional_id  # a select's row id (coalition_app/core/forms.py)


def _canonical(value: Any) -> str:
    """A field's value as the merge compares it (a date, a key, a text, an enum)."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return newlines(value)  # type: ignore[return-value]
    return str(value)


@dataclass(frozen=True)
class FieldMerge:
    """One field after a conflict: what they saved, what you typed, what the form now holds
    (`outcome`: THEIRS, YOURS, or CHOOSE when you both changed it)."""

    name: str
    label: str
    theirs: str
    yours: str
    outcome: str

    @property
    def choice_name(self) -> str:
        return CHOICE_PREFIX + self.name


class VersionedForm(Form):
    """Carries the version the form was built from (optimistic locking) and, for the fields
    in `MERGED`, the values it was built from, so that a conflict can be merged."""

    #: field name → how to read that field's value from the deliverable or task.
    MERGED: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    version = HiddenField()
    base = HiddenField()
    conflicts = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    # --- building and reading ---

    def build_from(self, subject: Any) -> None:
        """Remember the version and the values the form shows (call when it is first shown)."""
        self.version.data = subject.version
        self.base.data = json.dumps(self._values_of(subject), ensure_ascii=False, sort_keys=True)
        self.conflicts.data = ""

    def _values_of(self, subject: Any) -> dict[str, str]:
        return {name: _canonical(read(subject)) for name, read in self.MERGED.items()}

    def _typed(self) -> dict[str, str]:
        return {name: _canonical(self[name].data) for name in self.MERGED}

    def _base(self) -> dict[str, str] | None:
        try:
            base = json.loads(self.base.data or "")
        except (TypeError, ValueError):
            return None
        if not isinstance(base, dict) or set(base) != set(self.MERGED):
            return None
        if not all(isinstance(value, str) for value in base.values()):
            return None
        return base

    def base_value(self, name: str) -> str | None:
        """The value field `name` held when the form was built (None if unknown)."""
        base = self._base()
        return base.get(name) if base is not None else None

    def conflict_names(self) -> list[str]:
        """The fields both sides changed at the last conflict (each needs a choice)."""
        names = (self.conflicts.data or "").split(",")
        return [name for name in names if name in self.MERGED]

    def _take(self, name: str, subject: Any) -> None:
        field = self[name]
        field.data = self.MERGED[name](subject)
        field.raw_data = []
        field.process_errors = []

    # --- after a conflict ---

    def merge(self, subject: Any) -> list[FieldMerge]:
        """Merge what was typed with `subject` as someone else saved it (see the module)."""
        base, typed, theirs = self._base(), self._typed(), self._values_of(subject)
        merges: list[FieldMerge] = []
        conflicts: list[str] = []
        for name in self.MERGED:
            if typed[name] == theirs[name] and (base is None or base[name] == theirs[name]):
                continue  # nobody changed it (or both made the same change)
            if base is not None and typed[name] == base[name]:
                outcome = THEIRS
                self._take(name, subject)
            elif typed[name] == theirs[name]:
                outcome = YOURS  # the same change on both sides
            elif base is not None and theirs[name] == base[name]:
                outcome = YOURS
            else:
                outcome = CHOOSE
                conflicts.append(name)
            merges.append(
                FieldMerge(
                    name,
                    str(self[name].label.text),
                    self.display(name, theirs[name]),
                    self.display(name, typed[name]),
                    outcome,
                )
            )
        self.version.data = subject.version
        self.base.data = json.dumps(theirs, ensure_ascii=False, sort_keys=True)
        self.conflicts.data = ",".join(conflicts)
        return merges

    def take_chosen(self, subject: Any) -> None:
        """Before validating a save made after a conflict: the fields where "theirs" was
        chosen take the saved value again."""
        for name in self.conflict_names():
            if request.form.get(CHOICE_PREFIX + name) == THEIRS:
                self._take(name, subject)

    def choices_missing(self, subject: Any) -> list[FieldMerge]:
        """After validating: the conflicting fields with no choice made, each with a message
        next to it (and, to show again, side by side)."""
        missing = []
        for name in self.conflict_names():
            if request.form.get(CHOICE_PREFIX + name) in (YOURS, THEIRS):
                continue
            self[name].errors = [
                *self[name].errors,
                str(_l("You and someone else both changed this: choose which value to keep.")),
            ]
            missing.append(
                FieldMerge(
                    name,
                    str(self[name].label.text),
                    self.display(name, _canonical(self.MERGED[name](subject))),
                    self.display(name, _canonical(self[name].data)),
                    CHOOSE,
                )
            )
        return missing

    def display(self, name: str, value: str) -> str:
        """How a value of field `name` reads on the page."""
        if value == "":
            return "—"
        field = self[name]
        if isinstance(field, SelectField):
            for choice in field.choices or []:
                if _canonical(field.coerce(choice.value)) == value:
                    return str(choice.label)
            return value
        if isinstance(field, DateField):
            try:
                return format_date(date.fromisoformat(value), "medium")
            except ValueError:
                return value
        return value


class PlainOptionsSelect(Select):
    """wtforms' select, each option written as one string (the same HTML as its
    `html_params`, which sorts, escapes and formats each attribute): a select of a hundred
    institutions or fifty people was a tenth of its page. Options with attributes of their
    own go the usual way."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        label = escape(choice.label or choice.value)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')


def _multiline(limit: int) -> dict[str, Any]:
    return {"filters": [strip, newlines], "validators": [PlainText(limit, multiline=True)]}


class DeliverableForm(VersionedForm):
    MERGED: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "title": lambda d: d.title,
        "description": lambda d: d.description or "",
        "due_on": lambda d: d.due_on,
        "owner_institution_id": lambda d: d.owner_institution_id,
        "progress_mode": lambda d: d.progress_mode.value,
    }

    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[DataRequired(_l("Give the deliverable a title.")), PlainText(200)],
    )
    description = TextAreaField(_l("Description"), **_multiline(5000))
    due_on = DateField(_l("Due date"), validators=[Optional()])
    owner_institution_id = SelectField(
        _l("Owner institution"),
        coerce=_optional_int,
        validate_choice=False,
        widget=PlainOptionsSelect(),
    )
    confirm_past_due = BooleanField(
        _l("Yes, this date has passed and it is right (for example, earlier work being recorded).")
    )
    progress_mode = SelectField(
        _l("Progress"),
        choices=choices(
            [
                (ProgressMode.DERIVED.value, _l("Derived from its tasks")),
                (ProgressMode.MANUAL.value, _l("Set by hand")),
            ]
        ),
    )


class TaskForm(VersionedForm):
    MERGED: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "title": lambda t: t.title,
        "description": lambda t: t.description or "",
        "assignee_id": lambda t: t.assignee_id,
        "due_on": lambda t: t.due_on,
    }

    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[DataRequired(_l("Give the task a title.")), PlainText(200)],
    )
    description = TextAreaField(_l("Description"), **_multiline(5000))
    assignee_id = SelectField(
        _l("Assignee"), coerce=_optional_int, validate_choice=False, widget=PlainOptionsSelect()
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])


class ProgressForm(VersionedForm):
    """A progress update. Its status and percent are merged after a conflict; the note and
    the link are always what you typed (they add to the history, they overwrite nothing)."""

    MERGED: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "status": lambda s: s.status.value,
        "progress": lambda s: s.progress,
    }

    status = SelectField(_l("Status"))
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[Optional(), NumberRange(0, 100, _l("Progress is a percentage from 0 to 100."))],
    )
    note = TextAreaField(_l("What was done"), **_multiline(5000))
    evidence_url = URLField(
        _l("Link to evidence (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            URL(message=_l("Enter a full web address (https://…).")),
            PlainText(500),
        ],
    )

    def set_statuses(self, statuses: list[WorkStatus]) -> None:
        self.status.choices = choices((s.value, label(s)) for s in statuses)

    def display(self, name: str, value: str) -> str:
        if name == "status" and value in {s.value for s in WorkStatus}:
            return label(WorkStatus(value))
        if name == "progress" and value:
            return f"{value}%"
        return super().display(name, value)


class ReviewForm(VersionedForm):
    decision = RadioField(
        _l("Decision"),
        choices=choices(
            [("approve", _l("Approve: mark as done")), ("send_back", _l("Send back for more work"))]
        ),
        validators=[DataRequired(_l("Choose a decision."))],
    )
    comment = TextAreaField(_l("Comment"), **_multiline(5000))
    reopen = SelectMultipleField(
        _l("Reopen these done tasks"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
