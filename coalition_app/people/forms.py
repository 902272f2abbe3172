"""Forms of the people admin and the invitation page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from models import Role

from ..core.forms import Limit, PlainText, choices, strip


class InviteForm(FlaskForm):
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
    institution_id = SelectField(
        _l("Institution"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Choose an institution."))],
    )
    role = SelectField(
        _l("Role"),
        choices=choices(
            [(Role.MEMBER.value, _l("Member")), (Role.COORDINATOR.value, _l("Coordinator"))]
        ),
    )


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=choices(
            [(Role.MEMBER.value, _l("Member")), (Role.COORDINATOR.value, _l("Coordinator"))]
        ),
    )


class AcceptInvitationForm(FlaskForm):
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(min=12, message=_l("Use at least 12 characters.")),
            Limit(1024),
        ],
        render_kw={"autocomplete": "new-password"},
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
