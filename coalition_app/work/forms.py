from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, NumberRange, Optional

from models import ProgressMode, WorkStatus
from models.base import MAX_ID

from ..core.forms import PlainText, choices, newlines, strip
from ..core.labels import label


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1  # refused by the service with a message next to the field
    # Beyond the keys' range the database itself would fail: refused the same way.
    return number if 0 < number <= MAX_ID else -1


class VersionedForm(FlaskForm):
    """Carries the version the form was built from, for optimistic locking."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class DeliverableForm(VersionedForm):
    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[DataRequired(_l("Give the deliverable a title.")), PlainText(200)],
    )
    description = TextAreaField(
        _l("Description"), filters=[strip, newlines], validators=[PlainText(5000, multiline=True)]
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])
    owner_institution_id = SelectField(
        _l("Owner institution"), coerce=_optional_int, validate_choice=False
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
    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[DataRequired(_l("Give the task a title.")), PlainText(200)],
    )
    description = TextAreaField(
        _l("Description"), filters=[strip, newlines], validators=[PlainText(5000, multiline=True)]
    )
    assignee_id = SelectField(_l("Assignee"), coerce=_optional_int, validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[Optional()])


class ProgressForm(VersionedForm):
    status = SelectField(_l("Status"))
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[Optional(), NumberRange(0, 100, _l("Progress is a percentage from 0 to 100."))],
    )
    note = TextAreaField(
        _l("What was done"), filters=[strip, newlines], validators=[PlainText(5000, multiline=True)]
    )
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


class ReviewForm(VersionedForm):
    decision = RadioField(
        _l("Decision"),
        choices=choices(
            [("approve", _l("Approve: mark as done")), ("send_back", _l("Send back for more work"))]
        ),
        validators=[DataRequired(_l("Choose a decision."))],
    )
    comment = TextAreaField(
        _l("Comment"), filters=[strip, newlines], validators=[PlainText(5000, multiline=True)]
    )
