"""The ties' forms: record or edit a tie (with the work's merge after a conflict), answer it,
end it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from models import TieKind

from ..core.forms import Form, PlainText, choices, newlines, strip
from ..core.labels import label
from ..work.forms import VersionedForm
from . import service

#: The kinds in the order the form offers them.
KINDS = list(TieKind)


def kind_choices() -> list[Any]:
    return choices([(k.value, label(k)) for k in KINDS])


class TieForm(VersionedForm):
    """Record a tie (from an institution's profile) or edit one. `other` is a text field with
    the active member institutions as suggestions (`<datalist>`), as the groups page's picker."""

    MERGED: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "kind": lambda t: t.kind.value,
        "title": lambda t: t.title or "",
        "since": lambda t: t.since,
        "ends_on": lambda t: t.ends_on,
        "description": lambda t: t.description or "",
        "evidence_url": lambda t: t.evidence_url or "",
    }

    other = StringField(
        _l("Other institution"),
        filters=[strip],
        validators=[PlainText(200)],
        render_kw={"list": "tie-institution-options", "autocomplete": "off"},
    )
    kind = SelectField(_l("Kind"), choices=kind_choices, validate_choice=True)
    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[
            DataRequired(_l("Give the collaboration a title.")),
            PlainText(service.TITLE_MAX),
        ],
    )
    since = DateField(_l("Start"), validators=[DataRequired(_l("Give the start date."))])
    ends_on = DateField(_l("End (optional)"), validators=[Optional()])
    description = TextAreaField(
        _l("Description"),
        filters=[strip, newlines],
        validators=[PlainText(service.DESCRIPTION_MAX, multiline=True)],
    )
    evidence_url = StringField(
        _l("Evidence link (optional)"),
        filters=[strip],
        validators=[PlainText(service.EVIDENCE_MAX)],
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )

    def data_of(self) -> service.TieData:
        return service.TieData(
            kind=TieKind(self.kind.data),
            title=self.title.data or "",
            since=self.since.data,
            ends_on=self.ends_on.data,
            description=self.description.data or "",
            evidence_url=self.evidence_url.data or None,
        )


class AnswerForm(Form):
    """Confirm, or decline with an optional reason."""

    answer = HiddenField()
    reason = TextAreaField(
        _l("Reason (optional)"),
        filters=[strip, newlines],
        validators=[PlainText(service.REASON_MAX, multiline=True)],
    )


class EndTieForm(Form):
    version = HiddenField()
    ends_on = DateField(_l("Ended on"), validators=[DataRequired(_l("Give the end date."))])
