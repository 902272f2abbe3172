"""The network page's forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from ..core.forms import Form, PlainText, newlines, optional_id, strip


class IntroductionForm(Form):
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


class IntroductionTaskForm(Form):
    """Instead of the message: a task for a chair, on a deliverable of a group (one both
    institutions share, when they share any), to introduce them."""

    deliverable_id = SelectField(
        _l("Deliverable"),
        coerce=optional_id,
        validate_choice=False,
        validators=[DataRequired(_l("Choose a deliverable."))],
    )
    assignee_id = SelectField(
        _l("Chair who makes the introduction"),
        coerce=optional_id,
        validate_choice=False,
        validators=[DataRequired(_l("Choose a chair."))],
    )
    title = StringField(
        _l("Task"),
        filters=[strip],
        validators=[InputRequired(_l("Write a subject.")), PlainText(200)],
    )
    description = TextAreaField(
        _l("Description"),
        filters=[newlines, strip],
        validators=[PlainText(4000, multiline=True)],
        render_kw={"rows": 5},
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])
