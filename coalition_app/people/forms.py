"""Forms of the people admin and the invitation page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import HiddenInput

from models import Role

from ..core.forms import Form, Limit, PlainText, choices, strip


class InviteForm(Form):
    full_name = StringField(
        _l("Full name"),
        filters=[strip],
        validators=[DataRequired(_l("Give the person's name.")), PlainText(200)],
    )
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            PlainText(254),
        ],
    )
    # A text field with suggestions (`<datalist>`), as in the group membership form: the
    # server finds the institution by name or acronym; `institution_id`, never shown, lets a
    # client name it by its id instead.
    institution = StringField(
        _l("Institution"),
        filters=[strip],
        validators=[PlainText(200)],
        render_kw={"list": "invite-institution-options", "autocomplete": "off"},
    )
    institution_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    role = SelectField(
        _l("Role"),
        choices=choices(
            [(Role.MEMBER.value, _l("Member")), (Role.COORDINATOR.value, _l("Coordinator"))]
        ),
    )

    def validate_institution(self, field: StringField) -> None:
        if not field.data and self.institution_id.data is None:
            raise ValidationError(_l("Choose an institution."))


class RoleForm(Form):
    role = SelectField(
        _l("Role"),
        choices=choices(
            [(Role.MEMBER.value, _l("Member")), (Role.COORDINATOR.value, _l("Coordinator"))]
        ),
    )


class AcceptInvitationForm(Form):
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(min=12, message=_l("Use at least 12 characters.")),
            Limit(1024),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    # The account holds personal data: consent to the privacy notice (recorded with its
    # version, `privacy.service.record_consent`).
    privacy = BooleanField(
        _l("I have read and accept the privacy notice."),
        validators=[DataRequired(_l("Accept the privacy notice to create your account."))],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The passwords do not match.")),
            Limit(1024),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    # The account holds personal data: consent to the privacy notice (recorded with its
    # version, `privacy.service.record_consent`).
    privacy = BooleanField(
        _l("I have read and accept the privacy notice."),
        validators=[DataRequired(_l("Accept the privacy notice to create your account."))],
    )
