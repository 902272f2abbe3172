from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import DataRequired

from models import GroupRole

from ..core.forms import choices, optional_id


class MembershipForm(FlaskForm):
    """Add an institution to a group, change its role, or take it out (role "none")."""

    institution_id = SelectField(
        _l("Institution"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Choose an institution."))],
    )
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


class ChairForm(FlaskForm):
    """Name a chair: a person of one of the group's current lead institutions, from a day."""

    person_id = SelectField(
        _l("Person"),
        coerce=optional_id,
        validate_choice=False,
        validators=[DataRequired(_l("Choose a person."))],
    )
    since = DateField(
        _l("Chair since"),
        validators=[DataRequired(_l("Give the day the chairship starts (YYYY-MM-DD)."))],
    )


class EndChairForm(FlaskForm):
    """End a chairship: `until` is the first day the person no longer chairs."""

    until = DateField(
        _l("Chair until"),
        validators=[DataRequired(_l("Give the day the chairship ends (YYYY-MM-DD)."))],
    )


class DigestForm(FlaskForm):
    subscribed = HiddenField()
