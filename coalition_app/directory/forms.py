"""Forms of the directory, the people admin and the invitation page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length

from models import Role

from ..forms import choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class InstitutionForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[DataRequired(_l("Give the institution's name.")), Length(max=200)],
    )
    acronym = StringField(_l("Acronym"), filters=[_strip], validators=[Length(max=40)])
    sector = SelectField(_l("Sector"), validators=[DataRequired(_l("Choose a sector."))])
    state = SelectField(_l("State"))
    website = StringField(_l("Website"), filters=[_strip], validators=[Length(max=300)])
    joined_on = DateField(
        _l("Member since"), validators=[DataRequired(_l("Give the date it joined (YYYY-MM-DD)."))]
    )
    is_founder = BooleanField(_l("Founding member"))
    source = StringField(_l("Source"), filters=[_strip], validators=[Length(max=1000)])


class EndMembershipForm(FlaskForm):
    left_on = DateField(
        _l("Member until"), validators=[DataRequired(_l("Give the end date (YYYY-MM-DD)."))]
    )


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class ConfirmImportForm(FlaskForm):
    upload = HiddenField()


class InviteForm(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        filters=[_strip],
        validators=[DataRequired(_l("Give the person's name.")), Length(max=200)],
    )
    email = EmailField(
        _l("E-mail"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
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
            Length(min=12, max=1024, message=_l("Use at least 12 characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
