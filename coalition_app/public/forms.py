"""Forms of the public site's choices (made on signed-in pages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField
from wtforms.validators import DataRequired

from ..core.forms import Form, choices


class ListingForm(Form):
    listed = RadioField(
        _l("On the public site"),
        choices=choices([("yes", _l("Listed publicly")), ("no", _l("Not listed"))]),
        validators=[DataRequired(_l("Choose whether the institution is listed."))],
    )


class PublishForm(Form):
    #: "publish" or "withdraw".
    action = HiddenField(validators=[DataRequired()])
