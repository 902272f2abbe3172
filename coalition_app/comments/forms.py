"""The comment form (new and edit), the picker of people to mention, and the moderator's
reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired

from models.comments import BODY_MAX, REASON_MAX

from ..core.forms import Form, PlainText, newlines, strip


class CommentForm(Form):
    # Not "Comment": the review form on the same page has that label.
    body = TextAreaField(
        _l("Your message"),
        filters=[strip, newlines],
        validators=[
            DataRequired(message=_l("Write something before sending.")),
            PlainText(BODY_MAX, multiline=True),
        ],
    )
    # Not sent: the picker only writes "@Name" into the comment (static/js/mentions.js).
    mention = StringField(_l("Mention someone"), filters=[strip], validators=[PlainText(200)])


class EditCommentForm(CommentForm):
    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class HideForm(Form):
    reason = StringField(
        _l("Reason"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Say why the comment is hidden.")),
            PlainText(REASON_MAX),
        ],
    )
