"""Forms of the directory: institutions, ending a membership, CSV import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired

from ..core.forms import Form, PlainText, optional_id, strip


class InstitutionForm(Form):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Give the institution's name.")), PlainText(200)],
    )
    acronym = StringField(_l("Acronym"), filters=[strip], validators=[PlainText(40)])
    sector = SelectField(_l("Sector"), validators=[DataRequired(_l("Choose a sector."))])
    state = SelectField(_l("State"))
    website = StringField(_l("Website"), filters=[strip], validators=[PlainText(300)])
    joined_on = DateField(
        _l("Member since"), validators=[DataRequired(_l("Give the date it joined (YYYY-MM-DD)."))]
    )
    is_founder = BooleanField(_l("Founding member"))
    source = StringField(_l("Source"), filters=[strip], validators=[PlainText(1000)])


class EndMembershipForm(Form):
    left_on = DateField(
        _l("Member until"), validators=[DataRequired(_l("Give the end date (YYYY-MM-DD)."))]
    )


class FocalPointForm(Form):
    """Name the institution's focal point: one of its active people, or nobody."""

    person_id = SelectField(_l("Focal point"), coerce=optional_id, validate_choice=False)
