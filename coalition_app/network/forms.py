"""The network page's forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired

from ..core.forms import PlainText, newlines, strip


class IntroductionForm(FlaskForm):
    """One message to both institutions' focal points: a subject and the introduction."""

    subject = StringField(
        _l("Subject"),
        filters=[strip],
        validators=[InputRequired(_l("Write a subject.")), PlainText(200)],
    )
    message = TextAreaField(
        _l("Message"),
        filters=[newlines, strip],
        validators=[
            InputRequired(_l("Write the message that introduces them.")),
            PlainText(4000, multiline=True),
        ],
        render_kw={"rows": 9},
    )
