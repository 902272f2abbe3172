from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from models import GroupRole

from ..core.forms import choices


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


class DigestForm(FlaskForm):
    subscribed = HiddenField()
