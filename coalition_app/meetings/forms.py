"""The meetings' forms. Days and times are typed in the coalition's zone (the form says
which) and stored in UTC by the view."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Optional
from wtforms.widgets import HiddenInput

from ..core.forms import Form, PlainText, choices, newlines, optional_id, strip
from ..work.forms import PlainOptionsSelect
from .service import SCOPE_EVERYONE, SCOPE_NOBODY, SCOPE_ORGANISERS

#: How many organising institutions an event's form offers.
ORGANISER_SLOTS = 4


def _multiline(limit: int) -> dict[str, Any]:
    return {"filters": [strip, newlines], "validators": [PlainText(limit, multiline=True)]}


class MeetingForm(Form):
    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[DataRequired(_l("Give the meeting a title.")), PlainText(200)],
    )
    starts_on = DateField(
        _l("Start date"), validators=[DataRequired(_l("Give the day it starts (YYYY-MM-DD)."))]
    )
    starts_time = TimeField(
        _l("Start time"), validators=[DataRequired(_l("Give the time it starts (HH:MM)."))]
    )
    ends_on = DateField(
        _l("End date"), validators=[DataRequired(_l("Give the day it ends (YYYY-MM-DD)."))]
    )
    ends_time = TimeField(
        _l("End time"), validators=[DataRequired(_l("Give the time it ends (HH:MM)."))]
    )
    place = StringField(_l("Place (optional)"), filters=[strip], validators=[PlainText(300)])
    online_url = URLField(
        _l("Online link (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            URL(message=_l("Enter a full web address (https://…).")),
            PlainText(500),
        ],
    )
    agenda = TextAreaField(_l("Agenda"), **_multiline(5000))
    is_public = BooleanField(_l("Public (listed on the coalition's public site)"))
    confirm_past = BooleanField(
        _l("Yes, this meeting has already taken place: I am recording it after the fact.")
    )
    # Events only: the organising institutions (searchable pickers) and whom to invite.
    organisers = FieldList(
        StringField(
            _l("Organising institution"),
            filters=[strip],
            validators=[PlainText(200)],
            render_kw={"list": "institution-options", "autocomplete": "off"},
        ),
        min_entries=ORGANISER_SLOTS,
        max_entries=ORGANISER_SLOTS,
    )
    scope = SelectField(
        _l("Invite"),
        choices=choices(
            [
                (SCOPE_EVERYONE, _l("Every person of the coalition")),
                (SCOPE_ORGANISERS, _l("The people of the organising institutions")),
                (SCOPE_NOBODY, _l("Nobody (no invitations)")),
            ]
        ),
        # Only events ask it (a group's meeting invites the group): the use case checks it.
        validate_choice=False,
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class AttendanceForm(Form):
    """The checked people came; `add` names someone else who came (by e-mail or name)."""

    add = StringField(
        _l("Add someone who came"),
        filters=[strip],
        validators=[PlainText(254)],
        render_kw={"list": "people-options", "autocomplete": "off"},
    )


class MinutesForm(Form):
    minutes = TextAreaField(_l("Minutes"), **_multiline(20000))
    decisions = TextAreaField(_l("Decisions"), **_multiline(10000))
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ActionItemForm(Form):
    text = StringField(
        _l("What is to be done"),
        filters=[strip],
        validators=[DataRequired(_l("Say what is to be done.")), PlainText(300)],
    )
    assignee_id = SelectField(
        _l("Who"), coerce=optional_id, validate_choice=False, widget=PlainOptionsSelect()
    )
    due_on = DateField(_l("Due date (optional)"), validators=[Optional()])


class MakeTaskForm(Form):
    deliverable_id = SelectField(
        _l("Deliverable"),
        coerce=optional_id,
        validate_choice=False,
        validators=[DataRequired(_l("Choose a deliverable."))],
        widget=PlainOptionsSelect(),
    )


class FilterForm(Form):
    """The calendar's filter (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    group = SelectField(_l("Group"), validate_choice=False)
