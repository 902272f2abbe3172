from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import HiddenInput

from models import GroupRole

from ..core.forms import Form, PlainText, choices, newlines, optional_id, strip
from ..work.forms import PlainOptionsSelect


class MembershipForm(Form):
    """Add an institution to a group, change its role, or take it out (role "none"), from a
    date the coordinator picks (today unless changed).

    `institution` is a text field with a list of suggestions (`<datalist>`): at a coalition's
    size a searchable field, not a long menu, and it works without JavaScript. The server
    finds the institution by its name or acronym (`groups.service.institution_named`);
    `institution_id`, never shown, lets a client name it by its id instead.
    """

    institution = StringField(
        _l("Institution"),
        filters=[strip],
        validators=[PlainText(200)],
        render_kw={"list": "institution-options", "autocomplete": "off"},
    )
    institution_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    role = SelectField(
        _l("Role"),
        choices=choices(
            [
                (GroupRole.MEMBER.value, _l("Member")),
                (GroupRole.LEAD.value, _l("Lead")),
                ("none", _l("Not in the group")),
            ]
        ),
    )
    since = DateField(_l("From"), validators=[Optional()])

    def validate_institution(self, field: StringField) -> None:
        if not field.data and self.institution_id.data is None:
            raise ValidationError(_l("Choose an institution."))


class ChairForm(Form):
    """Name a chair: a person of one of the group's current lead institutions, from a day."""

    person_id = SelectField(
        _l("Person"),
        coerce=optional_id,
        validate_choice=False,
        validators=[DataRequired(_l("Choose a person."))],
        widget=PlainOptionsSelect(),
    )
    # Its own id: the page also holds the membership form's "since".
    since = DateField(
        _l("Chair since"),
        id="chair-since",
        validators=[DataRequired(_l("Give the day the chairship starts (YYYY-MM-DD)."))],
    )


class EndChairForm(Form):
    """End a chairship: `until` is the first day the person no longer chairs."""

    until = DateField(
        _l("Chair until"),
        validators=[DataRequired(_l("Give the day the chairship ends (YYYY-MM-DD)."))],
    )


class DigestForm(Form):
    subscribed = HiddenField()


#: The limits of an e-mail to a group (shown on the form before they bite).
EMAIL_SUBJECT_MAX = 150
EMAIL_MESSAGE_MAX = 5000


class GroupEmailForm(Form):
    """A chair's (or coordinator's) e-mail to every person of the group's institutions."""

    subject = StringField(
        _l("Subject"),
        filters=[strip],
        validators=[DataRequired(_l("Give the message a subject.")), PlainText(EMAIL_SUBJECT_MAX)],
    )
    message = TextAreaField(
        _l("Message"),
        filters=[strip, newlines],
        validators=[
            DataRequired(_l("Write the message.")),
            PlainText(EMAIL_MESSAGE_MAX, multiline=True),
        ],
    )
