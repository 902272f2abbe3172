"""Forms of the privacy pages: a person's request, and the coordinators' answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from models import RightKind
from models.people import FULL_NAME_MAX, PHONE_MAX, TITLE_MAX
from models.privacy import REQUEST_DETAILS_MAX

from ..core.forms import Form, PlainText, choices, newlines, strip


class RequestForm(Form):
    kind = SelectField(
        _l("What do you ask for?"),
        choices=choices(
            [
                (RightKind.RECTIFICATION.value, _l("Rectification: correct my data")),
                (RightKind.CANCELLATION.value, _l("Cancellation: remove my personal data")),
                (RightKind.OPPOSITION.value, _l("Opposition: stop a use of my data")),
            ]
        ),
    )
    details = TextAreaField(
        _l("Details"),
        filters=[newlines, strip],
        validators=[PlainText(REQUEST_DETAILS_MAX, multiline=True)],
        render_kw={"rows": 4},
    )


class AnswerForm(Form):
    answer = TextAreaField(
        _l("Answer to the person"),
        filters=[newlines, strip],
        validators=[PlainText(REQUEST_DETAILS_MAX, multiline=True)],
        render_kw={"rows": 3},
    )


class RectifyForm(AnswerForm):
    full_name = StringField(
        _l("Full name"),
        filters=[strip],
        validators=[DataRequired(_l("Give the person's name.")), PlainText(FULL_NAME_MAX)],
    )
    title = StringField(_l("Title or position"), filters=[strip], validators=[PlainText(TITLE_MAX)])
    phone = StringField(_l("Phone"), filters=[strip], validators=[PlainText(PHONE_MAX)])
