"""Forms of the application to join (public) and of its review (coordinators)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from models.applications import MESSAGE_MAX, MOTIVATION_MAX

from ..core.forms import Form, PlainText, newlines, strip
from ..work.forms import PlainOptionsSelect


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (the groups of interest)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _group_id(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return -1


class ApplyForm(Form):
    institution_name = StringField(
        _l("Institution's name"),
        filters=[strip],
        validators=[DataRequired(_l("Give the institution's name.")), PlainText(200)],
    )
    acronym = StringField(_l("Acronym"), filters=[strip], validators=[PlainText(40)])
    # The quick options widget: the states' select alone was a tenth of the page.
    sector = SelectField(
        _l("Sector"),
        validators=[InputRequired(_l("Choose a sector."))],
        widget=PlainOptionsSelect(),
    )
    state = SelectField(_l("State"), widget=PlainOptionsSelect())
    website = StringField(
        _l("Website"),
        filters=[strip],
        validators=[PlainText(300)],
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )
    contact_name = StringField(
        _l("Your name"),
        filters=[strip],
        validators=[DataRequired(_l("Give your name.")), PlainText(200)],
        render_kw={"autocomplete": "name"},
    )
    contact_title = StringField(
        _l("Your title or position"), filters=[strip], validators=[PlainText(120)]
    )
    contact_email = EmailField(
        _l("Your e-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            PlainText(254),
        ],
        render_kw={"autocomplete": "email"},
    )
    groups = CheckboxesField(_l("Working groups of interest"), coerce=_group_id)
    motivation = TextAreaField(
        _l("Why does your institution want to join?"),
        filters=[newlines, strip],
        validators=[
            DataRequired(_l("Tell us briefly why you want to join.")),
            PlainText(MOTIVATION_MAX, multiline=True),
        ],
        render_kw={"rows": 5},
    )
    principles = BooleanField(_l("We accept the coalition's principles."))
    privacy = BooleanField(_l("I have read and accept the privacy notice."))
    # The honeypot: hidden from people (off-screen, aria-hidden, out of the tab order) and
    # left empty by them; a program filling every field fills it too.
    homepage = StringField(
        _l("Leave this field empty"),
        validators=[PlainText(300)],
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )


class AnswerForm(Form):
    body = TextAreaField(
        _l("Your answer"),
        filters=[newlines, strip],
        validators=[DataRequired(_l("Write your answer.")), PlainText(MESSAGE_MAX, multiline=True)],
        render_kw={"rows": 4},
    )


class ApproveForm(Form):
    version = HiddenField()
    joined_on = DateField(_l("Member from"), validators=[DataRequired(_l("Give a date."))])
    groups = CheckboxesField(_l("Groups to join"), coerce=_group_id)
    # The quick options widget: the states' select alone was a tenth of the page.
    sector = SelectField(
        _l("Sector"),
        validators=[InputRequired(_l("Choose a sector."))],
        widget=PlainOptionsSelect(),
    )
    state = SelectField(_l("State"), widget=PlainOptionsSelect())
    message = TextAreaField(
        _l("Message to the applicant (optional)"),
        filters=[newlines, strip],
        validators=[PlainText(MESSAGE_MAX, multiline=True)],
        render_kw={"rows": 3},
    )


class RequestInfoForm(Form):
    version = HiddenField()
    body = TextAreaField(
        _l("What information is needed?"),
        filters=[newlines, strip],
        validators=[
            DataRequired(_l("Say what information is needed.")),
            PlainText(MESSAGE_MAX, multiline=True),
        ],
        render_kw={"rows": 3},
    )


class DeclineForm(Form):
    version = HiddenField()
    reason = TextAreaField(
        _l("Reason (the applicant reads it)"),
        filters=[newlines, strip],
        validators=[
            DataRequired(_l("Give the reason, for the applicant.")),
            PlainText(MESSAGE_MAX, multiline=True),
        ],
        render_kw={"rows": 3},
    )
