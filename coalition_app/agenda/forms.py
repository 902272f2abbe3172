"""The agenda's forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from models import Answer, Chamber, EvidenceKind, PositionKind

from ..core.forms import Form, PlainText, choices, newlines, optional_id, strip
from ..work.forms import PlainOptionsSelect

TITLE_LIMIT = 200
TEXT_LIMIT = 20_000
NOTE_LIMIT = 2_000


class RecommendationForm(Form):
    title = StringField(
        _l("Title"), filters=[strip], validators=[DataRequired(), PlainText(TITLE_LIMIT)]
    )
    text = TextAreaField(
        _l("Recommendation"),
        filters=[strip, newlines],
        validators=[DataRequired(), PlainText(TEXT_LIMIT, multiline=True)],
        render_kw={"rows": 8},
    )
    rationale = TextAreaField(
        _l("Rationale"),
        filters=[strip, newlines],
        validators=[Optional(), PlainText(TEXT_LIMIT, multiline=True)],
    )
    version = HiddenField()


class MoveForm(Form):
    target = HiddenField(validators=[DataRequired()])
    version = HiddenField()


class EvidenceForm(Form):
    #: "deliverable:12", "meeting:3", "consultation_statement:40" or "consultation_theme:2"
    #: (the kind and the id of what is cited).
    ref = SelectField(_l("What it answers"), validate_choice=False)

    def parsed(self) -> tuple[EvidenceKind, int] | None:
        kind, _sep, number = (self.ref.data or "").partition(":")
        if kind not in {k.value for k in EvidenceKind}:
            return None
        ref_id = optional_id(number)
        return (EvidenceKind(kind), ref_id) if ref_id and ref_id > 0 else None


class AmendmentForm(Form):
    proposed_text = TextAreaField(
        _l("Proposed text"),
        filters=[strip, newlines],
        validators=[DataRequired(), PlainText(TEXT_LIMIT, multiline=True)],
        render_kw={"rows": 8},
    )
    note = TextAreaField(
        _l("Why (optional)"),
        filters=[strip, newlines],
        validators=[Optional(), PlainText(NOTE_LIMIT, multiline=True)],
    )


class DecideForm(Form):
    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason for rejecting"),
        filters=[strip, newlines],
        validators=[Optional(), PlainText(NOTE_LIMIT, multiline=True)],
    )


class EditionForm(Form):
    note = TextAreaField(
        _l("Note on this edition (optional)"),
        filters=[strip, newlines],
        validators=[Optional(), PlainText(NOTE_LIMIT, multiline=True)],
    )


class InitiativeForm(Form):
    chamber = SelectField(
        _l("Chamber"),
        choices=choices(
            [
                (Chamber.SENATE.value, _l("Senate")),
                (Chamber.DEPUTIES.value, _l("Chamber of Deputies")),
                (Chamber.STATE_CONGRESS.value, _l("State congress")),
            ]
        ),
    )
    # The quick options widget: the 32 states' options went through `html_params` each.
    state_code = SelectField(
        _l("Federal entity (state congress)"), validate_choice=False, widget=PlainOptionsSelect()
    )
    number = StringField(_l("Number"), filters=[strip], validators=[Optional(), PlainText(60)])
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), PlainText(300)])
    status = StringField(
        _l("Stage"),
        filters=[strip],
        validators=[Optional(), PlainText(120)],
        description=_l("As the chamber says it, for example “In committee”."),
    )
    presented_on = DateField(_l("Presented on"), validators=[Optional()])
    url = URLField(
        _l("Link"),
        filters=[strip],
        validators=[Optional(), URL(require_tld=True), PlainText(500)],
    )


class PositionForm(Form):
    kind = SelectField(
        _l("Kind"),
        choices=choices(
            [
                (PositionKind.STATEMENT.value, _l("Statement on a bill")),
                (PositionKind.OPEN_LETTER.value, _l("Open letter")),
            ]
        ),
    )
    title = StringField(
        _l("Title"), filters=[strip], validators=[DataRequired(), PlainText(TITLE_LIMIT)]
    )
    text = TextAreaField(
        _l("Text"),
        filters=[strip, newlines],
        validators=[DataRequired(), PlainText(TEXT_LIMIT, multiline=True)],
        render_kw={"rows": 10},
    )
    initiative_ids = SelectMultipleField(
        _l("Legislative initiatives"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    version = HiddenField()


class PositionMoveForm(Form):
    target = HiddenField(validators=[DataRequired()])


class EndorseForm(Form):
    institution_id = SelectField(_l("On behalf of"), coerce=optional_id, validate_choice=False)
    answer = RadioField(
        _l("Answer"),
        choices=choices(
            [
                (Answer.ENDORSE.value, _l("Endorse")),
                (Answer.ABSTAIN.value, _l("Abstain")),
                (Answer.OBJECT.value, _l("Object")),
            ]
        ),
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note (optional)"),
        filters=[strip, newlines],
        validators=[Optional(), PlainText(NOTE_LIMIT, multiline=True)],
    )


class EndorserForm(Form):
    person_id = SelectField(_l("Person"), coerce=optional_id, validate_choice=False)
